#!/bin/bash
# watch.sh - `mxprobe watch` in a real terminal (tmux) against the lab
# (issue 10): the rows appear with the states `check --json` gives for the
# same endpoints (no state is written down here), Enter drills down and
# the chain pane shows the leaf's subject, `/` narrows the rows, a resize
# to 80x24 redraws with the header, a banner carrying ESC[2J (a scripted
# server of this test's own, 127.0.0.62) leaves the screen intact, `q`
# and SIGTERM exit 0 with the terminal restored (alternate screen left,
# canonical mode and echo back); then without a terminal: --rounds 2
# --json (two JSON lines, each target a check document), the text
# report, and SIGINT before the last round (exit 3).
. "$(dirname "$0")/lib.sh"
lab_up
command -v tmux >/dev/null 2>&1 || skip_or_fail "tmux is missing (Debian: tmux)"

L=$(LABOPTS)
EVIL=127.0.0.62
EPORT=2526
TARGETS="lab.test smtps://smtp.lab.test:2465 smtp://expired.lab.test smtp://$EVIL:$EPORT"
SOCK="mxw$$"
S=watch
HIST="$WORK/history.sqlite"

EVILPID=
cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	[ -n "$EVILPID" ] && kill "$EVILPID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# the escape-injecting banner: ESC[2J (clear screen), ESC[31m (red), BEL
python3 "$MXPROBE_SRCDIR/tests/integration/watch_smtpd.py" $EVIL $EPORT \
	--banner '\x1b[2J\x1b[31mEVIL\x07 banner ESMTP' --pidfile "$WORK/evil.pid" \
	>"$WORK/evil.log" 2>&1 &
EVILPID=$!
for _ in $(seq 50); do [ -s "$WORK/evil.pid" ] && break; sleep 0.1; done

# ---- what check says about the same endpoints -----------------------------
mxp check $L --json $TARGETS
cp "$WORK/out" "$WORK/check.json"
python3 - "$WORK/check.json" >"$WORK/expect" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
label = {"ok": "OK", "info": "OK", "warning": "WARN", "critical": "CRIT", "unknown": "UNKNOWN"}
rank = ["ok", "info", "warning", "critical", "unknown"]
for t in d["targets"]:
    for e in t["endpoints"]:
        w = "ok"
        for f in e["findings"]:
            if rank.index(f["severity"]) > rank.index(w):
                w = f["severity"]
        addr = "[%s]:%d" % (e["addr"], e["port"])
        subj = (e["tls"].get("chain") or [{}])[0].get("subject") or ""
        print("%s %s %s %s" % (e["host"], addr, label[w], subj.replace(" ", "_") or "-"))
PY
NEP=$(wc -l <"$WORK/expect")
if [ "$NEP" -ge 6 ]; then ok "check --json names $NEP endpoints"; else not_ok "check --json: $NEP endpoints"; fi

# ---- the dashboard ---------------------------------------------------------
t() { tmux -L "$SOCK" "$@"; }
cap() { t capture-pane -p -t "$S" >"$WORK/out"; }
keys() { t send-keys -t "$S" "$@"; sleep 0.4; }
# rows: the lines of the overview that begin with a state
rows() { grep -E '^[ *]{1,4}(OK|WARN|CRIT|UNKNOWN|probing|queued|resolve|probe|enum|clients) ' "$WORK/out"; }
settled() { # every endpoint probed, nothing in flight
	for _ in $(seq 150); do
		cap
		if grep -q "probing 0" "$WORK/out" && [ "$(rows | grep -cE '^[ *]{1,4}(OK|WARN|CRIT|UNKNOWN) ')" -ge "$1" ]; then
			return 0
		fi
		sleep 0.2
	done
	return 1
}

cat >"$WORK/run.sh" <<EOF
#!/bin/bash
"$MXPROBE" watch $L --history "$HIST" --interval 1h $TARGETS 2>"$WORK/watch.err"
echo "EXIT=\$?"
stty -a | tr ' ;' '\n\n' | grep -xE -- '-?(icanon|echo)' | tr '\n' ' '; echo
echo "ALT=\$(tmux -L $SOCK display -p '#{alternate_on}')"
sleep 600
EOF
chmod +x "$WORK/run.sh"
t new-session -d -s "$S" -x 120 -y 40 "$WORK/run.sh"
sleep 0.5
if [ "$(t display -p -t "$S" '#{alternate_on}')" = 1 ]; then ok "the dashboard is on the alternate screen"; else not_ok "alternate screen not entered"; fi

if settled "$NEP"; then ok "every endpoint probed"; else not_ok "rows did not settle in 30 s"; fi
# idle: nothing runs but the next round's timer (interval 1h)
WPID=$(pgrep -f -n "^$MXPROBE watch .*--history $HIST" || true)
if [ -n "$WPID" ]; then
	T0=$(awk '{ print $14 + $15 }' "/proc/$WPID/stat")
	sleep 3
	T1=$(awk '{ print $14 + $15 }' "/proc/$WPID/stat")
	if [ $((T1 - T0)) -le 3 ]; then ok "idle: $((T1 - T0)) CPU ticks in 3 s"; else not_ok "idle: $((T1 - T0)) CPU ticks in 3 s"; fi
else
	not_ok "the watch process was not found"
fi
cap
expect_out '^ *mxprobe watch' "header shown"
N=$(rows | wc -l)
if [ "$N" -eq "$NEP" ]; then ok "$N rows, one per endpoint check found"; else not_ok "$N rows, want $NEP"; fi
expect_out "$NEP endpoints" "header counts $NEP endpoints"
expect_out "$EVIL" "the escape-injecting server's row is there after its probe"
if grep -q "$(printf '\033')" "$WORK/out"; then not_ok "raw ESC on screen"; else ok "no raw escape on screen"; fi

# every endpoint's state as check judged it, one at a time through `/`
while read -r host addr state subj; do
	keys /
	keys -l "$addr"
	keys Enter
	cap
	got=$(rows)
	n=$(printf '%s\n' "$got" | grep -c .)
	if [ "$n" -eq 1 ] && printf '%s\n' "$got" | grep -qE "^[ *]{1,4}$state "; then
		ok "$host $addr: one row after '/ $addr', state $state as check says"
	else
		not_ok "$host $addr: want one row in state $state; got: $got"
	fi
	keys Escape # clear the filter
done <"$WORK/expect"
cap
N=$(rows | wc -l)
if [ "$N" -eq "$NEP" ]; then ok "Esc clears the filter ($N rows)"; else not_ok "after Esc: $N rows"; fi

# the filter narrows: a host name matching some endpoints
keys /
keys -l mx1.lab.test
keys Enter
cap
WANT=$(grep -c '^mx1\.lab\.test ' "$WORK/expect")
N=$(rows | wc -l)
if [ "$N" -eq "$WANT" ] && [ "$N" -lt "$NEP" ]; then ok "'/ mx1.lab.test' narrows to $N rows"; else not_ok "filter mx1.lab.test: $N rows, want $WANT"; fi

# drill-down on mx1 [127.0.0.31]: the chain pane shows the leaf's subject
SUBJ=$(awk '$2 == "[127.0.0.31]:25" { print $4 }' "$WORK/expect" | tr '_' ' ')
CN=$(printf '%s' "$SUBJ" | grep -o 'CN=[^,]*' | head -1)
keys Escape
keys /
keys -l 127.0.0.31
keys Enter
keys Enter
cap
if grep -q 'Chain' "$WORK/out" && grep -q 'mx1.lab.test\[127.0.0.31\]:25' "$WORK/out"; then ok "Enter opens the drill-down of mx1 [127.0.0.31]"; else not_ok "drill-down not shown"; fi
keys Tab
cap
if [ -n "$CN" ] && grep -qF "$CN" "$WORK/out"; then ok "Tab: the chain pane shows the subject $CN (check's chain[0])"; else not_ok "chain pane without '$CN'"; fi
keys Escape
keys Escape

# the escape-injecting banner: its drill-down shows the bytes escaped
keys /
keys -l "$EVIL"
keys Enter
keys Enter
for _ in 1 2 3 4 5 6; do cap; grep -qF '\x1b[2J' "$WORK/out" && break; keys Tab; done
if grep -qF '\x1b[2J' "$WORK/out"; then ok "the banner's ESC[2J is shown escaped (\\x1b[2J)"; else not_ok "escaped banner not found in the panes"; fi
if head -1 "$WORK/out" | grep -qF "$EVIL"; then ok "screen intact after the escape-injecting banner"; else not_ok "screen torn"; fi
keys Escape
keys Escape
keys Escape

# `r` re-probes the selected row's target: its stage shows, then it ends
keys r
cap
if grep -qE 're-probing|probing [1-9]' "$WORK/out" || rows | grep -qE '^[ *]{1,4}(queued|resolve|probe|enum|clients) '; then ok "r starts a probe of the selected target"; else not_ok "r: no probe seen"; fi
settled "$NEP" || true

# p pauses the schedule (the header says so), p again resumes
keys p
cap
if sed -n 2p "$WORK/out" | grep -q PAUSED; then ok "p: the header says PAUSED"; else not_ok "p: no PAUSED"; fi
keys p
cap
if sed -n 2p "$WORK/out" | grep -q PAUSED; then not_ok "p again: still PAUSED"; else ok "p again resumes"; fi

# e enumerates the selected row's target: its suites pane fills
keys /
keys -l ':2465'
keys Enter
keys Enter
keys Tab
keys Tab
cap
if grep -q 'not enumerated: press e' "$WORK/out"; then ok "suites pane: not enumerated before e"; else not_ok "suites pane before e"; fi
keys e
for _ in $(seq 150); do
	cap
	grep -q 'enumerated in [0-9]* ms' "$WORK/out" && break
	sleep 0.2
done
# the version check negotiated there must be listed as supported
VER=$(python3 -c 'import json,sys
for t in json.load(open(sys.argv[1]))["targets"]:
    for e in t["endpoints"]:
        if e["port"] == 2465: print(e["tls"]["version"])' "$WORK/check.json")
if grep -q 'enumerated in [0-9]* ms' "$WORK/out" && grep -q "$VER: supported" "$WORK/out"; then ok "e: the suites pane shows the enumeration ($VER supported, as check negotiated)"; else not_ok "e: no enumeration with $VER in the suites pane"; fi
keys Escape
keys Escape
settled "$NEP" || true

# resize to 80x24: the header is redrawn, rows still there
t resize-window -t "$S" -x 80 -y 24
sleep 0.8
cap
if head -1 "$WORK/out" | grep -q 'mxprobe watch' && [ "$(awk '{ if (length($0) > 80) n++ } END { print n + 0 }' "$WORK/out")" -eq 0 ]; then
	ok "80x24: header redrawn, nothing wider than 80 columns"
else
	not_ok "80x24 redraw"
fi
N=$(rows | wc -l)
if [ "$N" -ge 1 ]; then ok "80x24: $N rows shown"; else not_ok "80x24: no rows"; fi
if [ "$(wc -l <"$WORK/out")" -le 24 ]; then ok "80x24: 24 lines"; else not_ok "80x24: more than 24 lines"; fi

# q: exit 0, the terminal restored
keys q
sleep 1
cap
if grep -q '^EXIT=0' "$WORK/out"; then ok "q exits 0"; else not_ok "q: no EXIT=0"; fi
if grep -qE '^icanon echo' "$WORK/out"; then ok "canonical mode and echo restored"; else not_ok "terminal modes not restored"; fi
if grep -q '^ALT=0' "$WORK/out"; then ok "alternate screen left"; else not_ok "still on the alternate screen"; fi
if grep -q 'mxprobe watch  ' "$WORK/out"; then not_ok "the dashboard is still on screen"; else ok "no dashboard left on screen"; fi
if [ -s "$WORK/watch.err" ]; then cat "$WORK/watch.err"; not_ok "stderr not empty"; else ok "nothing on stderr"; fi

# SIGTERM: the same way out.  The new session starts before the old one
# is killed: killing the last session stops the tmux server, and a
# new-session racing that exit found no server (seen once in CI).
t new-session -d -s "${S}t" -x 100 -y 30 "$WORK/run.sh"
t kill-session -t "$S"
S="${S}t"
sleep 0.5
settled 1 || true
PID=$(pgrep -f -n "^$MXPROBE watch .*--history $HIST" || true)
if [ -n "$PID" ]; then kill -TERM "$PID"; fi
sleep 1
cap
if grep -q '^EXIT=0' "$WORK/out" && grep -qE '^icanon echo' "$WORK/out" && grep -q '^ALT=0' "$WORK/out"; then
	ok "SIGTERM: exit 0, terminal restored"
else
	not_ok "SIGTERM"
fi
t kill-session -t "$S"

# ---- without a terminal ------------------------------------------------------
RC=0
"$MXPROBE" watch $L --history "$HIST" --rounds 2 --interval 5s --json $TARGETS \
	</dev/null >"$WORK/out" 2>"$WORK/err" || RC=$?
WANTRC=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["exit_status"])' "$WORK/check.json")
python3 - "$WORK/out" "$NEP" "$WORK" <<'PY' >"$WORK/aj" 2>&1
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) == 2, "%d lines" % len(lines)
for k, l in enumerate(lines, 1):
    d = json.loads(l)
    assert d["round"] == k, d["round"]
    assert len(d["targets"]) == 4, len(d["targets"])
    n = sum(len(t["targets"][0]["endpoints"]) for t in d["targets"])
    assert n == int(sys.argv[2]), n
    assert isinstance(d["drift"], list)
    # each target is a check document
    with open("%s/doc%d.json" % (sys.argv[3], k), "w") as f:
        json.dump(d["targets"][0], f)
print("ok")
PY
if grep -qx ok "$WORK/aj"; then ok "--rounds 2 --json: two JSON lines, 4 targets, $NEP endpoints each"; else cat "$WORK/aj"; not_ok "--json rounds"; fi
if $AJ validate "$WORK/doc2.json" "$SCHEMA" >"$WORK/aj" 2>&1; then ok "a round's target is a valid check document"; else cat "$WORK/aj"; not_ok "schema"; fi
if [ "$RC" -ge "$WANTRC" ] && [ "$RC" -le 3 ]; then ok "--rounds: exit $RC (check says $WANTRC; drift can only add)"; else not_ok "exit $RC, check says $WANTRC"; fi
if [ -s "$WORK/err" ]; then head -c 2000 "$WORK/err"; not_ok "--rounds 2 --json wrote to stderr"; else ok "--rounds 2 --json: nothing on stderr"; fi

mxp watch $L --history "$HIST" --rounds 1 $TARGETS </dev/null
expect_out '^=== mxprobe watch: round 1 at [0-9TZ:-]+, 4 targets ===$' "text: the round header"
expect_out '^Drift since the previous probe:' "text: the drift section"
expect_out '^Status: ' "text: the status line"
if grep -q "$(printf '\033')" "$WORK/out"; then not_ok "raw ESC in the text report"; else ok "no raw escape in the text report"; fi

# -f FILE with many targets (more than are probed at once), and
# politeness across targets: five of them reach 127.0.0.31:25; with
# --max-conn-per-host 1 their connections never overlap, whichever target
# opened them (one pool for every probe)
{
	echo "# targets for watch.sh"
	printf '%s\n' lab.test smtp://mx1.lab.test smtp://127.0.0.31 good.lab.test nomx.lab.test
	echo
	for h in mx2 mx3 expired mismatch notls legacy dhe1024 clientorder dual bigclient expiring; do
		echo "smtp://$h.lab.test"
	done
	printf '%s\n' smtps://smtp.lab.test smtps://smtp.lab.test:2465 submission://smtp.lab.test smtp.lab.test:2587
	echo "bad target with blanks"
} >"$WORK/targets.txt"
mxp watch $L --no-history --rounds 1 --json --max-conn-per-host 1 -f "$WORK/targets.txt" </dev/null
BADLINE=$(grep -n 'bad target' "$WORK/targets.txt" | cut -d: -f1)
expect_err "targets.txt:$BADLINE: .*skipped" "the bad line is reported with its number ($BADLINE)"
if python3 - "$WORK/out" <<'P'
import json, sys
from datetime import datetime
lines = open(sys.argv[1]).read().splitlines()
if len(lines) != 1:
    sys.exit("%d lines" % len(lines))
d = json.loads(lines[0])
if len(d["targets"]) != 20:
    sys.exit("%d targets" % len(d["targets"]))
conns = []
for doc in d["targets"]:
    for ep in doc["targets"][0].get("endpoints", []):
        for c in ep.get("connections", []):
            r = c.get("remote") or {}
            if (r.get("address"), r.get("port")) != ("127.0.0.31", 25):
                continue
            t = datetime.strptime(c["started"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
            conns.append((t, t + (c["steps"].get("end_us") or 0) / 1e6))
if len(conns) < 5:
    sys.exit("only %d connections to 127.0.0.31:25" % len(conns))
for t, _ in conns:
    if sum(1 for s, e in conns if s <= t < e) > 1:
        sys.exit("more than 1 at once to 127.0.0.31:25")
print("20 targets; %d connections to 127.0.0.31:25, never 2 at once" % len(conns))
P
then
	ok "-f: 20 targets in one round; 127.0.0.31 shared by five targets, one connection at a time"
else
	not_ok "-f targets / politeness across targets"
fi

# the default history file: $XDG_STATE_HOME/mxprobe/history.sqlite
RC=0
XDG_STATE_HOME="$WORK/state" "$MXPROBE" watch $L --rounds 1 smtps://smtp.lab.test:2465 \
	</dev/null >"$WORK/out" 2>"$WORK/err" || RC=$?
if [ -s "$WORK/state/mxprobe/history.sqlite" ]; then ok "default history under \$XDG_STATE_HOME/mxprobe/"; else not_ok "no $WORK/state/mxprobe/history.sqlite"; fi
RC=0
XDG_STATE_HOME="$WORK/state" "$MXPROBE" history --json smtps://smtp.lab.test:2465 >"$WORK/out" 2>"$WORK/err" || RC=$?
if grep -q 'smtp.lab.test\[127.0.0.37\]:2465/implicit' "$WORK/out"; then ok "history reads the default file: the endpoint is listed"; else not_ok "history of the default file"; fi

# --deep without a terminal: the enumeration as check --deep reports it
mxp check $L --deep --no-color smtp://dhe1024.lab.test </dev/null
grep -E '^  TLSv1\.[0-3] +accepted, [0-9]+ suites' "$WORK/out" | sed 's/;.*//' >"$WORK/deep.check"
mxp watch $L --no-history --rounds 1 --deep smtp://dhe1024.lab.test </dev/null
grep -E '^  TLSv1\.[0-3] +accepted, [0-9]+ suites' "$WORK/out" | sed 's/;.*//' >"$WORK/deep.watch"
if [ -s "$WORK/deep.check" ] && cmp -s "$WORK/deep.check" "$WORK/deep.watch"; then
	ok "--deep: the versions and suite counts check --deep finds ($(tr '\n' ' ' <"$WORK/deep.watch"| tr -s ' '))"
else
	not_ok "--deep: $(cat "$WORK/deep.watch") vs check $(cat "$WORK/deep.check")"
fi

# SIGINT before the last round: exit 3
RC=0
"$MXPROBE" watch $L --no-history --rounds 3 --interval 1h smtps://smtp.lab.test:2465 \
	</dev/null >"$WORK/out" 2>"$WORK/err" &
P=$!
for _ in $(seq 100); do grep -q '^Status:' "$WORK/out" && break; sleep 0.1; done
kill -INT $P
wait $P || RC=$?
expect_rc 3 "SIGINT after round 1 of 3"
expect_err 'interrupted \(SIGINT\) after 1 of 3 rounds' "says how many rounds were done"

# bad durations: one line, exit 3, nothing probed
mxp watch --interval 10x lab.test
expect_rc 3 "--interval 10x refused"
expect_err "--interval wants a duration" "--interval error names the option"
mxp watch --interval 2s lab.test
expect_rc 3 "--interval 2s (below 5s) refused"
mxp watch -o "$WORK/x" lab.test </dev/null
expect_rc 3 "-o refused for watch"
finish
