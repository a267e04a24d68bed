#!/usr/bin/env bash
# Nothing lost: SIGKILL the relay at random moments while clients send to
# it and it delivers to the lab's smarthost (submission 587, STARTTLS +
# AUTH), restart it each time, let it drain, and prove that every message
# the relay acknowledged with 250 arrived in the lab Maildir (by token).
#
# Bounded by count AND time: at most KILL_TRIALS kills (default 30) within
# KILL_SECONDS (default 70 s) of sending, then at most DRAIN_SECONDS
# (default 40 s) to drain; about two minutes in all.  Each kill is
# classified by the relay's own log at that moment: during a receive (an
# ICID without its close) and/or during a delivery (a "Delivery start"
# without its end).  Duplicates are expected (at-least-once: a kill
# between the smarthost's 250 and the spool's "done" delivers again) and
# reported; a lost acknowledged message fails the test.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CLIENT="$PY $MXPROBE_SRCDIR/tests/integration/relay_client.py"
MD="$MXPROBE_LAB_MAILDIR"
RUN="kill$$x$(date +%s)"
FROM="${MXPROBE_LAB_VERIFIED_SENDER:-verified@lab.test}"
TRIALS=${KILL_TRIALS:-30}
SEND_S=${KILL_SECONDS:-70}
DRAIN_S=${DRAIN_SECONDS:-40}
RELAY_PID=""
CLIENT_PIDS=""
cleanup() {
	touch "$WORK/stop" 2>/dev/null
	[ -n "$RELAY_PID" ] && kill -9 "$RELAY_PID" 2>/dev/null
	for p in $CLIENT_PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

[ -n "${MXPROBE_LAB_AUTH_PWFILE:-}" ] && [ -r "$MXPROBE_LAB_AUTH_PWFILE" ] ||
	skip_or_fail "the lab has no AUTH password file (MXPROBE_LAB_AUTH_PWFILE)"
PORT=$($PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG="$WORK/relay.log"

start_relay() {
	local before
	before=$(cat "$LOG" 2>/dev/null | grep -c "relay ready")
	"$MXPROBE" relay --listen "127.0.0.1:$PORT" --spool "$WORK/spool" \
		--log "$LOG" --resolver "$MXPROBE_LAB_RESOLVER" \
		--ca-file "$MXPROBE_LAB_CA" --timeout 10 \
		--smarthost submission://smtp.lab.test \
		--auth-user "$MXPROBE_LAB_AUTH_USER" \
		--auth-password-file "$MXPROBE_LAB_AUTH_PWFILE" \
		--tls-policy encrypt --retry-schedule 1s,2s \
		--max-deliveries 8 >>"$WORK/relay.out" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 200); do
		[ "$(cat "$LOG" 2>/dev/null | grep -c "relay ready")" -gt "$before" ] && return 0
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.05
	done
	tail -20 "$WORK/relay.out" >&2
	return 1
}

# What was in flight, from the log since the last start: open ICIDs and
# deliveries started without an end.  Prints "R D".
in_flight() {
	awk '
	/relay ready/ { delete icid; delete dl; }
	/ ICID [0-9]+ ACCEPT/ { for (i = 1; i <= NF; i++) if ($i == "ICID") icid[$(i + 1)] = 1 }
	/ ICID [0-9]+ close/ { for (i = 1; i <= NF; i++) if ($i == "ICID") delete icid[$(i + 1)] }
	/Delivery start DCID/ { for (i = 1; i <= NF; i++) if ($i == "MID") dl[$(i + 1)] = 1 }
	/Message (done|finished)|Delayed: |Bounced: / { for (i = 1; i <= NF; i++) if ($i == "MID") delete dl[$(i + 1)] }
	END { r = 0; d = 0; for (k in icid) r++; for (k in dl) d++; print r, d }
	' "$LOG"
}

start_relay || skip_or_fail "the relay did not start"
ok "relay started on 127.0.0.1:$PORT"

# Two clients, one message per connection; a token is written to
# acked.N only after the relay's 250 to the end of DATA.
for w in 1 2; do
	$CLIENT flood 127.0.0.1 "$PORT" --from "$FROM" --to "relaykill-$RUN@lab.test" \
		--run "$RUN" --worker "$w" --acked "$WORK/acked.$w" --stop "$WORK/stop" \
		--size $(( 1500 + w * 12000 )) --max-seconds $(( SEND_S + 30 )) \
		>"$WORK/client.$w" 2>&1 &
	CLIENT_PIDS="$CLIENT_PIDS $!"
done

t0=$(date +%s)
kills=0; during_rx=0; during_dl=0; idle=0
while [ "$kills" -lt "$TRIALS" ] && [ $(( $(date +%s) - t0 )) -lt "$SEND_S" ]; do
	# a random moment: 50..1500 ms after the (re)start
	ms=$((50 + RANDOM % 1451))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	read -r rx dl < <(in_flight)
	kill -9 "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null
	kills=$((kills + 1))
	[ "$rx" -gt 0 ] && during_rx=$((during_rx + 1))
	[ "$dl" -gt 0 ] && during_dl=$((during_dl + 1))
	[ "$rx" -eq 0 ] && [ "$dl" -eq 0 ] && idle=$((idle + 1))
	echo "# kill $kills at $(( $(date +%s) - t0 ))s: $rx receive(s), $dl delivery(ies) in flight"
	start_relay || { not_ok "restart after kill $kills"; break; }
done
touch "$WORK/stop"
for p in $CLIENT_PIDS; do wait "$p" 2>/dev/null; done
CLIENT_PIDS=""
cat "$WORK"/client.* | sed 's/^/# /'
cat "$WORK"/acked.* 2>/dev/null | sort -u >"$WORK/acked"
nacked=$(wc -l <"$WORK/acked")
echo "# $kills kills in $(( $(date +%s) - t0 ))s: $during_rx during a receive, $during_dl during a delivery, $idle idle"
[ "$kills" -ge 10 ] && ok "$kills SIGKILLs" || not_ok "only $kills kills"
[ "$during_rx" -ge 1 ] && ok "$during_rx kills hit a receive in flight" || not_ok "no kill hit a receive"
[ "$during_dl" -ge 1 ] && ok "$during_dl kills hit a delivery in flight" || not_ok "no kill hit a delivery"
[ "$nacked" -ge 20 ] && ok "$nacked messages acknowledged with 250" || not_ok "only $nacked messages acknowledged"

# Drain: the relay (running) empties its queue; the lab delivers to the
# Maildir.  Wait until every acknowledged token is there, or time is up.
t1=$(date +%s)
lost=$nacked
while [ $(( $(date +%s) - t1 )) -lt "$DRAIN_S" ]; do
	$CLIENT scan "$MD" "$RUN" >"$WORK/found.json"
	lost=$($PY - "$WORK/acked" "$WORK/found.json" <<-'EOF'
	import json, sys
	acked = [l.strip() for l in open(sys.argv[1]) if l.strip()]
	found = json.load(open(sys.argv[2]))
	print(sum(1 for t in acked if found.get(t, 0) == 0))
	EOF
	)
	queued=$("$MXPROBE" queue --spool "$WORK/spool" --json 2>/dev/null |
		$PY -c 'import json,sys; print(len(json.load(sys.stdin)["queue"]))' 2>/dev/null || echo "?")
	[ "$lost" -eq 0 ] && [ "$queued" = 0 ] && break
	sleep 1
done
echo "# drained in $(( $(date +%s) - t1 ))s; queue now holds $queued message(s)"

$PY - "$WORK/acked" "$WORK/found.json" <<'EOF' >"$WORK/report"
import json, sys
acked = [l.strip() for l in open(sys.argv[1]) if l.strip()]
found = json.load(open(sys.argv[2]))
acked_set = set(acked)
lost = [t for t in acked if found.get(t, 0) == 0]
dups = {t: n for t, n in found.items() if n > 1}
extra = [t for t in found if t not in acked_set]
print("acknowledged %d, delivered %d distinct, lost %d, duplicated %d "
      "(%d extra copies), delivered without a 250 seen by the client %d"
      % (len(acked), sum(1 for t in acked if found.get(t, 0) > 0), len(lost),
         len(dups), sum(n - 1 for n in dups.values()), len(extra)))
for t in lost[:20]:
    print("LOST %s" % t)
for t, n in sorted(dups.items())[:20]:
    print("DUPLICATE %s x%d" % (t, n))
EOF
sed 's/^/# /' "$WORK/report"
[ "$lost" -eq 0 ] && ok "zero acknowledged messages lost ($nacked acknowledged, $kills kills)" ||
	not_ok "$lost acknowledged message(s) lost: $(grep LOST "$WORK/report" | head -5 | tr '\n' ' ')"
if grep -q "^DUPLICATE" "$WORK/report"; then
	echo "# duplicates are at-least-once delivery: a kill after the smarthost's 250, before the spool's done"
fi
[ "$queued" = 0 ] && ok "the queue drained" || not_ok "the queue still holds $queued message(s)"
rec=$(grep -o "recovery removed [0-9]* unacknowledged" "$LOG" | awk '{s += $3} END {print s + 0}')
echo "# recovery removed $rec unacknowledged file(s) from tmp/ over all restarts"
if grep -q "unreadable spool file moved to corrupt/" "$LOG" ||
	grep "bad name(s) to corrupt/" "$LOG" | grep -vq "moved 0 bad name"; then
	not_ok "a spool file was corrupt after a kill"; else ok "no corrupt spool file after $kills kills"; fi

kill -TERM "$RELAY_PID"
RC=0; wait "$RELAY_PID" || RC=$?
RELAY_PID=""
expect_rc 0 "final graceful stop"
finish
