#!/usr/bin/env bash
# mxprobe relay in front of the lab's smarthost smtp.lab.test, and
# mxprobe queue.  A message the relay accepted (STARTTLS from the client,
# 250 only once spooled) arrives in the lab Maildir, found by its token:
# through submission 587 (STARTTLS + AUTH labuser) and, by the destination
# table, through implicit TLS on 465; a message for both domains is split
# and delivered twice, once per destination.  A wrong password bounces
# (535 is permanent) into dead/ and `mxprobe queue` says why; a refused
# STARTTLS (454, temporary) stays queued with its attempts and next
# attempt; an unverified sender on the SES-like port 2587 bounces (554).
# The log has the appliance-shaped lines, and no password appears in any
# file the test produced.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
CLIENT="$PY $MXPROBE_SRCDIR/tests/integration/relay_client.py"
MD="$MXPROBE_LAB_MAILDIR"
RUN="rt$$x$(date +%s)"
FROM="${MXPROBE_LAB_VERIFIED_SENDER:-verified@lab.test}"
PIDS=""
cleanup() {
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

[ -n "${MXPROBE_LAB_AUTH_PWFILE:-}" ] && [ -r "$MXPROBE_LAB_AUTH_PWFILE" ] ||
	skip_or_fail "the lab has no AUTH password file (MXPROBE_LAB_AUTH_PWFILE)"

free_port() {
	$PY -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_relay NAME ARGS... : start a relay on a free port with its spool
# and log under $WORK/NAME; sets PORT.
start_relay() {
	local name=$1; shift
	PORT=$(free_port)
	mkdir -p "$WORK/$name"
	"$MXPROBE" relay --listen "127.0.0.1:$PORT" --spool "$WORK/$name/spool" \
		--log "$WORK/$name/relay.log" --resolver "$MXPROBE_LAB_RESOLVER" \
		--ca-file "$MXPROBE_LAB_CA" --timeout 10 "$@" \
		>"$WORK/$name/stdout" 2>"$WORK/$name/stderr" &
	eval "PID_$name=$!"
	PIDS="$PIDS $!"
	for _ in $(seq 100); do
		grep -q "relay ready" "$WORK/$name/relay.log" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$WORK/$name/stderr" >&2
	return 1
}

stop_relay() {	# NAME
	local pid; eval "pid=\$PID_$1"
	kill -TERM "$pid"
	RC=0; wait "$pid" || RC=$?
}

# wait_token TOKEN SECONDS : the token arrives in the Maildir
wait_token() {
	local i
	for i in $(seq $(( $2 * 10 ))); do
		grep -rlq "X-Relay-Test-Token: $1" "$MD" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
count_token() { grep -rlE "^X-Relay-Test-Token: $1"$'\r'"?\$" "$MD" 2>/dev/null | wc -l; }

# wait_log NAME REGEX SECONDS
wait_log() {
	local i
	for i in $(seq $(( $3 * 10 ))); do
		grep -Eq -- "$2" "$WORK/$1/relay.log" && return 0
		sleep 0.1
	done
	return 1
}
expect_log() {	# NAME REGEX DESCRIPTION
	if grep -Eq -- "$2" "$WORK/$1/relay.log"; then ok "$3"; else
		not_ok "$3 (no /$2/ in the log)"; tail -30 "$WORK/$1/relay.log"; fi
}

# ---- 1. submission 587 + AUTH, implicit 465 by destination, split ------
printf 'good.lab.test via=smtps://smtp.lab.test tls=verify auth=yes max-conc=2\n' \
	>"$WORK/destinations"
start_relay main --smarthost submission://smtp.lab.test \
	--auth-user "$MXPROBE_LAB_AUTH_USER" \
	--auth-password-file "$MXPROBE_LAB_AUTH_PWFILE" --tls-policy verify \
	--destinations "$WORK/destinations" --retry-schedule 1s,2s \
	--tls-cert "$MXPROBE_LAB_CERTS/mx1.chain.pem" \
	--tls-key "$MXPROBE_LAB_CERTS/mx1.key" ||
	skip_or_fail "the relay did not start"
MAIN_PORT=$PORT

t1="$RUN-587"
RC=0; $CLIENT send 127.0.0.1 $MAIN_PORT --from "$FROM" --to test@lab.test \
	--token "$t1" --starttls "$MXPROBE_LAB_CA" --size 3000 >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "the relay accepted a message over STARTTLS (250 after the spool)"
if wait_token "$t1" 20; then ok "587 STARTTLS + AUTH: the message arrived in the Maildir (token $t1)"
else not_ok "587: token $t1 not in $MD"; tail -30 "$WORK/main/relay.log"; fi
expect_log main "ICID [0-9]+ TLS success protocol TLSv1\.[23] cipher " "client STARTTLS logged (ICID ... TLS success)"
expect_log main "New SMTP DCID [0-9]+ interface 127\.0\.0\.1 address 127\.0\.0\.37 port 587" "New SMTP DCID ... port 587"
expect_log main "DCID [0-9]+ TLS success protocol TLSv1\.3 cipher TLS_" "DCID ... TLS success protocol TLSv1.3"
expect_log main "Delivery start DCID [0-9]+ MID [0-9a-f-]+ to RID \[0\]" "Delivery start DCID n MID m to RID [0]"
expect_log main "Message done DCID [0-9]+ MID [0-9a-f-]+ to RID \[0\] \[250 " "Message done with the smarthost's 250"
expect_log main "MID [0-9a-f-]+ queued for delivery" "MID m queued for delivery"

t2="$RUN-465"
RC=0; $CLIENT send 127.0.0.1 $MAIN_PORT --from "$FROM" --to test@good.lab.test \
	--token "$t2" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted for good.lab.test"
if wait_token "$t2" 20; then ok "465 implicit TLS (destination row): arrived (token $t2)"
else not_ok "465: token $t2 not in $MD"; tail -30 "$WORK/main/relay.log"; fi
expect_log main "New SMTP DCID [0-9]+ interface 127\.0\.0\.1 address 127\.0\.0\.37 port 465" "New SMTP DCID ... port 465"

t3="$RUN-split"
RC=0; $CLIENT send 127.0.0.1 $MAIN_PORT --from "$FROM" --to test@lab.test \
	--to test@good.lab.test --token "$t3" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted for two destinations"
for i in $(seq 200); do [ "$(count_token "$t3")" -ge 2 ] && break; sleep 0.1; done
n=$(count_token "$t3")
[ "$n" -eq 2 ] && ok "split by destination: one copy through 587, one through 465" ||
	not_ok "split: $n copies of $t3 (want 2)"
expect_log main "split by destination: part MID" "the split is logged"

# Bad input reaches nothing: a bare LF in the message (SMTP smuggling).
out=$($CLIENT raw 127.0.0.1 $MAIN_PORT "$(printf 'Subject: x\r\n\r\na\n.\nb\r\n.\r\n' | od -An -tx1 | tr -d ' \n')")
case "$out" in 554\ 5.6.0*) ok "bare LF in the message: $out" ;;
*) not_ok "bare LF answered '$out'" ;; esac

wait_log main "Message finished MID" 5
mxp queue --spool "$WORK/main/spool" --json
expect_rc 0 "queue: nothing waits after a failure"
if $AJ get "$WORK/out" queue >"$WORK/q" 2>&1 && [ "$(cat "$WORK/q")" = "[]" ]; then
	ok "queue is empty after delivery"; else not_ok "queue not empty: $(cat "$WORK/q")"; fi
stop_relay main
expect_rc 0 "SIGTERM: graceful stop, exit 0"
expect_log main "relay stopped \(0 messages in the queue\)" "stopped with an empty queue"

# ---- 2. a wrong password: 535 is permanent -> dead/ --------------------
CANARY="Canary-$RUN-pw"
printf '%s\n' "$CANARY" >"$WORK/wrong.pw"
chmod 600 "$WORK/wrong.pw"
start_relay wrongpw --smarthost submission://smtp.lab.test \
	--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-file "$WORK/wrong.pw" \
	--tls-policy encrypt --retry-schedule 1s || skip_or_fail "relay wrongpw did not start"
t4="$RUN-wrongpw"
RC=0; $CLIENT send 127.0.0.1 $PORT --from "$FROM" --to test@lab.test --token "$t4" \
	>"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted (the relay takes the message first)"
wait_log wrongpw "Bounced: DCID" 20
mxp queue --spool "$WORK/wrongpw/spool" --json
expect_rc 2 "queue: a bounced message is critical (exit 2)"
reason=$($AJ get "$WORK/out" dead.0.reason 2>/dev/null)
case "$reason" in *535*) ok "dead/ reason names the 535: $reason" ;;
*) not_ok "dead/ reason: '$reason'" ;; esac
mxp queue --spool "$WORK/wrongpw/spool"
expect_out "Bounced \(dead/\)" "queue text lists the bounce"
expect_out "reason .*535" "queue text says why (535)"
sleep 1
if grep -rlq "X-Relay-Test-Token: $t4" "$MD"; then not_ok "wrong password delivered?"; else ok "wrong password: not delivered"; fi
stop_relay wrongpw

# ---- 3. 454 to STARTTLS under encrypt: temporary, stays queued ----------
start_relay tls454 --smarthost smtp://tls454.lab.test --tls-policy encrypt \
	--retry-schedule 1h || skip_or_fail "relay tls454 did not start"
t5="$RUN-454"
RC=0; $CLIENT send 127.0.0.1 $PORT --from "$FROM" --to test@lab.test --token "$t5" \
	>"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted"
wait_log tls454 "Delayed: DCID" 20
expect_log tls454 "Delayed: DCID [0-9]+ MID .* next attempt in 3600s \(attempt 2\)" "Delayed, next attempt in 1h"
mxp queue --spool "$WORK/tls454/spool" --json
expect_rc 1 "queue: a deferred message is a warning (exit 1)"
st=$($AJ get "$WORK/out" queue.0.state 2>/dev/null)
at=$($AJ get "$WORK/out" queue.0.attempts 2>/dev/null)
le=$($AJ get "$WORK/out" queue.0.last_error 2>/dev/null)
[ "$st" = deferred ] && [ "$at" = 1 ] && ok "queue: deferred after 1 attempt" ||
	not_ok "queue: state '$st' attempts '$at'"
case "$le" in *454*) ok "queue: last error names the 454: $le" ;;
*) not_ok "queue: last error '$le'" ;; esac
mxp queue --spool "$WORK/tls454/spool"
expect_out "why +deferred: 1 failed attempt\(s\), next attempt in" "queue text says why"
stop_relay tls454

# ---- 3b. the handshake fails (FIN after the ClientHello) ----------------
start_relay tlsfin --smarthost smtp://tlsfin.lab.test --tls-policy encrypt \
	--retry-schedule 1h || skip_or_fail "relay tlsfin did not start"
RC=0; $CLIENT send 127.0.0.1 $PORT --from "$FROM" --to test@lab.test \
	--token "$RUN-fin" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted"
wait_log tlsfin "Delayed: DCID" 20
expect_log tlsfin "New SMTP DCID [0-9]+ interface 127\.0\.0\.1 address 127\.0\.0\.47 port 25" "New SMTP DCID ... address 127.0.0.47"
expect_log tlsfin "DCID [0-9]+ TLS failed: " "DCID n TLS failed: ..."
stop_relay tlsfin

# ---- 4. unverified sender on the SES-like port: 554, permanent ----------
start_relay ses --smarthost submission://smtp.lab.test:2587 \
	--auth-user "$MXPROBE_LAB_AUTH_USER" \
	--auth-password-file "$MXPROBE_LAB_AUTH_PWFILE" --tls-policy verify ||
	skip_or_fail "relay ses did not start"
t6="$RUN-ses"
RC=0; $CLIENT send 127.0.0.1 $PORT --from nobody@lab.test --to test@lab.test \
	--token "$t6" >"$WORK/out" 2>&1 || RC=$?
expect_rc 0 "accepted"
wait_log ses "Bounced: DCID" 20
expect_log ses "Bounced: DCID [0-9]+ MID .*554.*not verified" "unverified sender: bounced with the 554"
stop_relay ses

# ---- secrets: no password in anything this test wrote -------------------
LABPW=$(cat "$MXPROBE_LAB_AUTH_PWFILE")
hits=$(grep -rlF -- "$LABPW" "$WORK" 2>/dev/null | wc -l)
[ "$hits" -eq 0 ] && ok "the lab password appears in no log, spool or output" ||
	not_ok "the lab password found in $hits file(s): $(grep -rlF -- "$LABPW" "$WORK")"
hits=$(grep -rlF -- "$CANARY" "$WORK" 2>/dev/null | grep -v '/wrong.pw$' | wc -l)
[ "$hits" -eq 0 ] && ok "the canary password appears nowhere but its file" ||
	not_ok "canary found in: $(grep -rlF -- "$CANARY" "$WORK" | grep -v '/wrong.pw$')"
finish
