#!/usr/bin/env bash
# Live capture of mxprobe's own connections (issue 9, points 1, 2, 4),
# against the real lab:
#   - `ciphers --capture --pcap-out F` on the intolerant front (a server
#     that closes the TCP connection right after a ClientHello offering
#     AES-GCM) names tcp.fin_after_client_hello with the delay, and every
#     connection in the JSON carries the wire's own record of it;
#   - tshark reads F and shows a comment naming the connection and step on
#     the packets ("conn 7, enumeration TLSv1.2 (...): ClientHello 312 B");
#     F is 0600 and never overwritten without --force;
#   - the text report draws the wire timeline of the failing connections;
#   - once the device is open mxprobe runs as nobody with no capability
#     (read from /proc/PID/status of the running process), or as --user;
#   - without CAP_NET_RAW: one clear line naming it, exit 3;
#   - a domain target (names resolved during the run) is captured too.
# Needs root and tshark; skips without them, fails under CI=true.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
command -v tshark >/dev/null 2>&1 ||
	skip_or_fail "tshark is not installed (tests/lab/packages.txt)"
command -v setpriv >/dev/null 2>&1 ||
	skip_or_fail "setpriv is not installed (util-linux)"

L="$(LABOPTS) --timeout 5"
F="$WORK/intolerant.pcapng"

# ---- ciphers on the intolerant front, JSON --------------------------------
mxp ciphers $L --capture --pcap-out "$F" --json -o "$WORK/out" \
	smtp://intolerant.lab.test
case "$RC" in 1 | 2) ok "ciphers --capture ran (exit $RC)" ;;
*) not_ok "ciphers --capture: exit $RC" ;; esac
expect_schema
expect_finding tcp.fin_after_client_hello critical intolerant
if python3 - "$WORK/out" >"$WORK/py" 2>&1 <<'EOF'; then
import json, re, sys
doc = json.load(open(sys.argv[1]))
cap = doc["capture"]
assert cap["interface"] == "lo", cap
assert cap["frames"] > 0 and cap["kernel_dropped"] == 0, cap
eps = [e for t in doc["targets"] for e in t["endpoints"]]
conns = [c for e in eps for c in e["connections"]]
assert len(conns) > 5, len(conns)
missing = [c["id"] for c in conns if "capture" not in c]
assert not missing, "connections without a capture: %s" % missing
f = [x for e in eps for x in e["findings"]
     if x["id"] == "tcp.fin_after_client_hello"]
ev = f[0]["evidence"]
assert re.search(r"\d+(\.\d+)? (ms|us)", ev), ev
assert "ClientHello" in ev or "hello" in ev, ev
print("connections", len(conns), "evidence:", ev)
EOF
	ok "every connection has its capture; evidence: $(tail -n 1 "$WORK/py")"
else
	cat "$WORK/py"; not_ok "capture objects in the JSON"
fi
MODE=$(stat -c %a "$F" 2>/dev/null)
[ "$MODE" = 600 ] && ok "pcapng is mode 0600" || not_ok "pcapng mode $MODE"
if tshark -r "$F" -T fields -e frame.comment >"$WORK/comments" 2>"$WORK/tshark.err"; then
	ok "tshark reads the pcapng"
else
	cat "$WORK/tshark.err"; not_ok "tshark -r"
fi
N_COMMENTED=$(grep -c '^conn [0-9]*, ' "$WORK/comments")
N_FRAMES=$(wc -l <"$WORK/comments")
[ "$N_COMMENTED" -gt 0 ] && [ "$N_COMMENTED" = "$N_FRAMES" ] &&
	ok "every packet names its connection ($N_FRAMES packets)" ||
	not_ok "commented packets: $N_COMMENTED of $N_FRAMES"
grep -Eq '^conn [0-9]+, enumeration TLSv1\.[0-3] \([0-9]+ suites[^)]*offered\).*ClientHello [0-9]+ B' "$WORK/comments" &&
	ok "a ClientHello packet names its enumeration step" ||
	{ head -n 20 "$WORK/comments"; not_ok "no enumeration ClientHello comment"; }
grep -Eq 'FIN [0-9.]+ (ms|us) after (the )?ClientHello' "$WORK/comments" &&
	ok "the server's FIN is commented with its delay" ||
	{ grep -i fin "$WORK/comments" | head -n 5; not_ok "no FIN-after-hello comment"; }
# every connection of the JSON appears in the comments, and no other
python3 - "$WORK/out" "$WORK/comments" >"$WORK/py" 2>&1 <<'EOF' &&
import json, re, sys
doc = json.load(open(sys.argv[1]))
ids = {c["id"] for t in doc["targets"] for e in t["endpoints"]
       for c in e["connections"]}
seen = {int(m.group(1)) for l in open(sys.argv[2])
        for m in [re.match(r"conn (\d+), ", l)] if m}
assert ids == seen, (sorted(ids - seen), sorted(seen - ids))
EOF
	ok "the packets' connections are exactly the JSON's" ||
	{ cat "$WORK/py"; not_ok "connections in packets vs JSON"; }

# mxprobe's own reader: the same connections, the same diagnosis
"$MXPROBE" pcap "$F" --json --ca-file "$MXPROBE_LAB_CA" >"$WORK/pcap.json" 2>"$WORK/err"
python3 - "$WORK/out" "$WORK/pcap.json" >"$WORK/py" 2>&1 <<'EOF' &&
import json, sys
run = json.load(open(sys.argv[1]))
cap = json.load(open(sys.argv[2]))
n = sum(len(e["connections"]) for t in run["targets"] for e in t["endpoints"])
assert len(cap["sessions"]) == n, (len(cap["sessions"]), n)
ids = {f["id"] for s in cap["sessions"] for f in s["findings"]}
assert "tcp.fin_after_client_hello" in ids, ids
print(n, "sessions")
EOF
	ok "mxprobe pcap reads F back: $(cat "$WORK/py"), tcp.fin_after_client_hello" ||
	{ cat "$WORK/py"; not_ok "mxprobe pcap on F"; }

# ---- the file is never overwritten without --force -------------------------
mxp ciphers $L --capture --pcap-out "$F" smtp://intolerant.lab.test
expect_rc 3 "an existing --pcap-out is refused"
expect_err 'exists \(add --force' "and the message says how"

# ---- text: the wire timeline of the failing connections --------------------
mxp ciphers $L --capture --pcap-out "$F" --force smtp://intolerant.lab.test
case "$RC" in 1 | 2) ok "--force overwrites (exit $RC)" ;;
*) not_ok "--force: exit $RC" ;; esac
expect_out '^Wire: intolerant\.lab\.test' "the text report has a Wire section"
expect_out 'server +FIN' "the timeline shows the server's FIN"
expect_out '^Capture: lo, [0-9]+ frames' "and a capture summary line"

# ---- privileges: nobody (or --user), no capability, while running ----------
check_privs() { # WANT_UID DESCRIPTION ARGS...
	local want=$1 desc=$2 pid st
	shift 2
	"$MXPROBE" check $L --timeout 6 --capture "$@" --json -o "$WORK/p.json" \
		smtp://tlssilent.lab.test >/dev/null 2>"$WORK/err" &
	pid=$!
	st=
	for _ in $(seq 1 40); do
		sleep 0.1
		st=$(cat /proc/$pid/status 2>/dev/null) || break
		echo "$st" | grep -q "^Uid:[[:space:]]*$want[[:space:]]" && break
	done
	echo "$st" >"$WORK/status"
	wait "$pid" 2>/dev/null
	if grep -q "^Uid:[[:space:]]*$want[[:space:]]*$want[[:space:]]*$want" "$WORK/status" &&
		grep -q '^CapEff:[[:space:]]*0000000000000000$' "$WORK/status" &&
		grep -q '^CapPrm:[[:space:]]*0000000000000000$' "$WORK/status"; then
		ok "$desc"
	else
		grep -E '^(Uid|Gid|Cap)' "$WORK/status"; not_ok "$desc"
	fi
}
check_privs 65534 "as root: runs as nobody with CapEff/CapPrm 0 once the capture is open"
check_privs 1 "--user daemon: runs as daemon with no capability" --user daemon
[ -s "$WORK/p.json" ] && ok "the report was written after the drop" ||
	not_ok "no report after the drop"

# ---- without the privilege: one line naming it, exit 3 ---------------------
RC=0
setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	"$MXPROBE" check $L --capture smtp://mx1.lab.test \
	>"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 3 "without CAP_NET_RAW"
expect_err 'CAP_NET_RAW' "the error names the capability"

# ---- send: AUTH in clear never reaches the pcapng -------------------------
# 127.0.0.37:2525 is a real Postfix that offers AUTH without TLS.  A
# canary password (wrong: 535) crosses the wire in clear - tcpdump beside
# mxprobe proves it (the positive control) - and is in no byte of F.
CANARY="Canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-pw"
printf '%s' "$CANARY" >"$WORK/pw"
chmod 600 "$WORK/pw"
B64_PLAIN=$(printf '\0%s\0%s' "${MXPROBE_LAB_AUTH_USER:-labuser}" "$CANARY" | base64 | tr -d '\n')
B64_PW=$(printf '%s' "$CANARY" | base64 | tr -d '\n')
tcpdump -i lo -nn --immediate-mode -U -w "$WORK/control.pcap" \
	'host 127.0.0.37 and port 2525' 2>"$WORK/tcpdump.err" &
TD=$!
for _ in $(seq 1 100); do
	grep -q "listening on" "$WORK/tcpdump.err" 2>/dev/null && break
	sleep 0.05
done
S="$WORK/send.pcapng"
mxp send $L --via smtp://smtp.lab.test:2525 \
	--auth-user "${MXPROBE_LAB_AUTH_USER:-labuser}" \
	--auth-password-file "$WORK/pw" --allow-plaintext-auth \
	--to postmaster@lab.test --capture --pcap-out "$S"
sleep 0.3
kill "$TD" 2>/dev/null
wait "$TD" 2>/dev/null
expect_rc 17 "send with a wrong password in clear (exit 17: AUTH failed)"
if grep -qaF -e "$B64_PLAIN" -e "$B64_PW" -e "$CANARY" "$WORK/control.pcap"; then
	ok "tcpdump saw the canary on the wire (the control)"
else
	not_ok "the control capture lacks the canary: the test proves nothing"
fi
if grep -qaF -e "$B64_PLAIN" -e "$B64_PW" -e "$CANARY" "$S"; then
	not_ok "the canary is in mxprobe's pcapng"
else
	ok "the canary (and its base64) is in no byte of mxprobe's pcapng"
fi
tshark -r "$S" -T fields -e frame.comment >"$WORK/comments" 2>/dev/null
grep -q '^conn 1, delivery: AUTH exchange: payload cut' "$WORK/comments" &&
	ok "the AUTH packet says its payload was cut" ||
	{ cat "$WORK/comments"; not_ok "no cut comment"; }
grep -qaF -e "$CANARY" -e "$B64_PW" "$WORK/out" "$WORK/err" &&
	not_ok "the canary is in the report" || ok "and not in the report"

# ---- a domain: addresses known only once resolved ---------------------------
mxp check $L --capture --json -o "$WORK/out" lab.test
case "$RC" in 0 | 1 | 2) ok "check lab.test --capture (exit $RC)" ;;
*) not_ok "check lab.test --capture: exit $RC" ;; esac
expect_schema
python3 - "$WORK/out" >"$WORK/py" 2>&1 <<'EOF' &&
import json, sys
doc = json.load(open(sys.argv[1]))
eps = [e for t in doc["targets"] for e in t["endpoints"] if e["connections"]]
assert len(eps) >= 3, len(eps)
for e in eps:
    for c in e["connections"]:
        if c["local"] is None:
            continue
        assert "capture" in c, (e["host"], e["addr"], c["id"])
print(len(eps), "endpoints, all captured")
EOF
	ok "every connection to every MX was captured: $(cat "$WORK/py")" ||
	{ cat "$WORK/py"; not_ok "domain capture"; }

finish
