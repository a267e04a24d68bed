#!/bin/bash
# watch_capture.sh - `mxprobe watch --capture[=IFACE]` against the lab
# (issue 10 point 3, issue 9 point 1): one capture open for the whole
# watch, on the watch's one loop, its filter grown as endpoints are
# queued, and each probe's own packets correlated into that probe's
# connections when it ends:
#   - without a terminal (--rounds 2 --json): every connection of every
#     endpoint of both rounds carries its wire record (SYN, the SMTP
#     greeting, ClientHello, ServerHello), with no packet lost; the
#     round's capture object shows the frames of ended probes given back
#     (none held after a round, the released count growing by the round's
#     own frames), so a long watch does not keep every frame;
#   - the running watch is uid 65534 with no capability once the device
#     is open (/proc/PID/status, every thread), and the history written
#     after the drop holds both rounds (the SQLite file and its WAL were
#     opened before it);
#   - an address target with --capture=lo opens the device at start;
#   - without CAP_NET_RAW (setpriv as nobody): one line naming it, exit 3;
#     --pcap-out is refused (exit 3);
#   - the dashboard in tmux: the Wire pane of mx1 [127.0.0.31] shows the
#     packets of the latest probe (ClientHello, ServerHello lines), and
#     after `r` those of the new probe only (another client port).
# Needs root, tmux and setpriv; skips without them, fails under CI=true.
. "$(dirname "$0")/lib.sh"
lab_up
command -v tmux >/dev/null 2>&1 || skip_or_fail "tmux is missing (Debian: tmux)"
command -v setpriv >/dev/null 2>&1 ||
	skip_or_fail "setpriv is not installed (util-linux)"
command -v sqlite3 >/dev/null 2>&1 || skip_or_fail "sqlite3 is missing"

L="$(LABOPTS) --timeout 5"
SOCK="mxwc$$"
S=wcap
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	rm -rf "$WORK"
}
trap cleanup EXIT

# status FIELD PID: the first value of a /proc/PID/status line
status() { awk -v f="$1:" '$1 == f { print $2; exit }' "/proc/$2/status" 2>/dev/null; }

# ---- no terminal: two rounds, JSON -------------------------------------------
HIST="$WORK/h.sqlite"
"$MXPROBE" watch $L --history "$HIST" --capture --rounds 2 --interval 5s \
	--json lab.test smtp://mx1.lab.test >"$WORK/out" 2>"$WORK/err" &
WPID=$!
# the device opens as the first endpoint is queued: then the drop
for _ in $(seq 100); do
	[ "$(status Uid "$WPID")" = 65534 ] && break
	sleep 0.05
done
UID_=$(status Uid "$WPID")
EFF=$(for t in /proc/"$WPID"/task/*; do awk '$1 == "CapEff:" { print $2 }' "$t/status"; done 2>/dev/null | sort -u | tr '\n' ' ')
if [ "$UID_" = 65534 ] && [ "$EFF" = "0000000000000000 " ]; then
	ok "the running watch is uid 65534, CapEff 0 in every thread after the device opened"
else
	not_ok "running watch: Uid '$UID_' CapEff '$EFF'"
fi
RC=0
wait "$WPID" || RC=$?
case "$RC" in 0 | 1 | 2) ok "watch --capture --rounds 2 --json ended (exit $RC)" ;;
*) not_ok "watch --capture: exit $RC" ;; esac
if [ ! -s "$WORK/err" ]; then ok "nothing on stderr"; else not_ok "stderr: $(head -3 "$WORK/err")"; fi
if python3 - "$WORK/out" >"$WORK/py" 2>&1 <<'EOF'; then
import json, sys
rounds = [json.loads(l) for l in open(sys.argv[1])]
assert len(rounds) == 2, len(rounds)
released = []
ports = []
for r in rounds:
    cap = r["capture"]
    assert cap["interface"] == "lo", cap
    # every probe ended: the frames of the round were given back
    assert cap["frames_held"] == 0 and cap["bytes_held"] == 0, cap
    assert cap["store_dropped"] == 0 and cap["kernel_dropped"] == 0, cap
    released.append(cap["frames_released"])
    frames = 0
    nconn = 0
    for doc in r["targets"]:
        ci = doc["capture"]
        assert ci["frames"] > 0 and ci["flows_not_ours"] == 0, ci
        assert ci["kernel_dropped"] == 0 and ci["store_dropped"] == 0, ci
        frames += ci["frames"]
        for t in doc["targets"]:
            for e in t["endpoints"]:
                for c in e["connections"]:
                    nconn += 1
                    w = c.get("capture")
                    assert w, "round %d conn %s without capture" % (r["round"], c["id"])
                    assert w["client"]["port"] == c["local"]["port"], (w["client"], c["local"])
                    kinds = [x["kind"] for x in w["events"]]
                    for k in ("syn", "smtp", "client_hello", "server_hello"):
                        assert k in kinds, (c["id"], k, kinds)
                    ports.append(c["local"]["port"])
    assert nconn >= 6, nconn
    print("round %d: %d connections, %d frames decoded, %d released so far"
          % (r["round"], nconn, frames, cap["frames_released"]))
    r["_frames"] = frames
# the released count grows by (at least) each round's own frames: frames
# are let go as probes end, not kept for the whole watch
assert released[0] >= rounds[0]["_frames"], released
assert released[1] - released[0] >= rounds[1]["_frames"], released
assert len(set(ports)) == len(ports), "a connection counted twice"
EOF
	while read -r l; do ok "$l"; done <"$WORK/py"
else
	cat "$WORK/py"; not_ok "wire records in the JSON rounds"
fi
NP=$(sqlite3 "$HIST" 'select count(*) from probes' 2>&1)
NEP=$(python3 -c 'import json,sys
r=json.loads(open(sys.argv[1]).readline())
print(sum(len(t["endpoints"]) for d in r["targets"] for t in d["targets"]))' "$WORK/out" 2>/dev/null)
if [ -n "$NEP" ] && [ "$NP" = $((NEP * 2)) ]; then
	ok "history written as nobody: $NP probes ($NEP endpoints x 2 rounds)"
else
	not_ok "history: '$NP' probes, want 2 x '$NEP'"
fi

# ---- an address target on --capture=lo: the device at start ---------------
mxp watch $L --no-history --capture=lo --rounds 1 --json smtp://127.0.0.31
if [ "$RC" -le 2 ] && python3 -c 'import json,sys
r=json.loads(open(sys.argv[1]).readline())
c=r["targets"][0]["targets"][0]["endpoints"][0]["connections"]
assert c and all("capture" in x for x in c), c
assert r["capture"]["interface"] == "lo"' "$WORK/out" 2>"$WORK/py"; then
	ok "--capture=lo on an address target: every connection captured"
else
	cat "$WORK/py"; not_ok "--capture=lo smtp://127.0.0.31 (exit $RC)"
fi

# ---- refusals ------------------------------------------------------------------
RC=0
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$MXPROBE" watch $L --no-history --capture --rounds 1 --json \
	smtp://mx1.lab.test >"$WORK/out" 2>"$WORK/err" || RC=$?
if [ "$RC" = 3 ] && [ "$(wc -l <"$WORK/err")" = 1 ] &&
	grep -q CAP_NET_RAW "$WORK/err" && [ ! -s "$WORK/out" ]; then
	ok "without CAP_NET_RAW: exit 3, one line: $(cat "$WORK/err")"
else
	not_ok "without CAP_NET_RAW: exit $RC, stderr: $(cat "$WORK/err")"
fi
mxp watch $L --no-history --capture --pcap-out "$WORK/x.pcapng" --rounds 1 \
	--json smtp://mx1.lab.test
if [ "$RC" = 3 ] && grep -q -- '--pcap-out' "$WORK/err" && [ ! -e "$WORK/x.pcapng" ]; then
	ok "--pcap-out refused by watch (exit 3)"
else
	not_ok "--pcap-out on watch: exit $RC"
fi

# ---- the dashboard: the Wire pane --------------------------------------------
t() { tmux -L "$SOCK" "$@"; }
cap() { t capture-pane -p -t "$S" >"$WORK/out"; }
keys() { t send-keys -t "$S" "$@"; sleep 0.4; }
cat >"$WORK/run.sh" <<EOF
#!/bin/bash
"$MXPROBE" watch $L --history "$WORK/tui.sqlite" --interval 1h --capture smtp://mx1.lab.test 2>"$WORK/watch.err"
echo "EXIT=\$?"
sleep 600
EOF
chmod +x "$WORK/run.sh"
t new-session -d -s "$S" -x 120 -y 50 "$WORK/run.sh"
settled() {
	for _ in $(seq 150); do
		cap
		grep -q "probing 0" "$WORK/out" &&
			[ "$(grep -cE '^[ *]{1,4}(OK|WARN|CRIT|UNKNOWN) ' "$WORK/out")" -ge 2 ] && return 0
		sleep 0.2
	done
	return 1
}
if settled; then ok "dashboard: both endpoints of mx1 probed"; else not_ok "dashboard did not settle"; fi
TPID=$(pgrep -f -n "^$MXPROBE watch .*--history $WORK/tui.sqlite" || true)
if [ -n "$TPID" ] && [ "$(status Uid "$TPID")" = 65534 ] &&
	[ "$(status CapEff "$TPID")" = 0000000000000000 ]; then
	ok "dashboard: uid 65534, CapEff 0"
else
	not_ok "dashboard: pid '$TPID' Uid '$(status Uid "$TPID")' CapEff '$(status CapEff "$TPID")'"
fi
keys /
keys -l 127.0.0.31
keys Enter
keys Enter
keys 7
cap
# wire_port: the client port of the capture block shown
wire_port() { sed -n 's/^capture 127\.0\.0\.1:\([0-9]*\) -> 127\.0\.0\.31:25 (conn [0-9]*)$/\1/p' "$WORK/out"; }
P1=$(wire_port)
if [ "$(printf '%s\n' "$P1" | grep -c .)" = 1 ] && grep -q 'client_hello ClientHello' "$WORK/out" &&
	grep -q 'server_hello ServerHello' "$WORK/out" && grep -q '\-> syn ' "$WORK/out"; then
	ok "Wire pane: the probe's packets (capture from port $P1: SYN, ClientHello, ServerHello)"
else
	not_ok "Wire pane without the packets"
fi
if grep -q 'packets: not captured' "$WORK/out"; then not_ok "Wire pane says not captured"; else ok "Wire pane: no 'not captured'"; fi
keys r
for _ in $(seq 50); do
	cap
	P2=$(wire_port)
	[ -n "$P2" ] && [ "$P2" != "$P1" ] && break
	sleep 0.2
done
if [ "$(printf '%s\n' "$P2" | grep -c .)" = 1 ] && [ -n "$P1" ] && [ "$P2" != "$P1" ] &&
	grep -q 'client_hello ClientHello' "$WORK/out"; then
	ok "after r: the Wire pane shows the new probe's packets only (port $P1 -> $P2)"
else
	not_ok "after r: capture ports '$P1' -> '$P2'"
fi
keys q
for _ in $(seq 50); do cap; grep -q '^EXIT=' "$WORK/out" && break; sleep 0.1; done
if grep -q '^EXIT=0' "$WORK/out"; then ok "q: exit 0"; else not_ok "q: $(grep EXIT= "$WORK/out")"; fi
if [ ! -s "$WORK/watch.err" ]; then ok "dashboard: nothing on stderr"; else not_ok "dashboard stderr: $(head -3 "$WORK/watch.err")"; fi
finish
