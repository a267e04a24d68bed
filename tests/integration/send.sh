#!/usr/bin/env bash
# mxprobe send against the lab: a test message arrives in the lab's
# Maildir (found by its token) under every policy level that should
# deliver; the levels that should defer do, at the right stage, with the
# right reason and exit status; AUTH through the submission server.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
SCHEMA="$MXPROBE_SRCDIR/doc/mxprobe-send.schema.json"
MD="$MXPROBE_LAB_MAILDIR"
get() { $AJ get "$WORK/out" "$1" 2>/dev/null; }
expect_get() {	# PATH WANT DESCRIPTION
	local v; v=$(get "$1")
	if [ "$v" = "$2" ]; then ok "$3 ($1=$v)"; else not_ok "$3: $1 is '$v', want '$2'"; fi
}

# Levels that deliver through the domain's MX (mx1: good chain, TLSA 3 1 1)
for level in none may encrypt verify secure dane dane-only; do
	mxp send $(LABOPTS) --timeout 10 --json --tls-policy $level \
		--to postmaster@lab.test --from sender@lab.test --maildir "$MD"
	expect_rc 0 "send --tls-policy $level delivers"
	expect_get delivered True "$level: delivered"
	expect_get end_to_end.found True "$level: found in the Maildir by its token"
	if [ $level = none ]; then
		expect_get encrypted False "none: in clear text"
		expect_finding policy.cleartext
	else
		expect_get encrypted True "$level: encrypted"
	fi
	expect_schema
done
tok=$(get message.token)
if grep -rlq "X-Mxprobe-Token: $tok" "$MD"; then ok "token header in the delivered file"; else not_ok "token $tok not in $MD"; fi

# fingerprint: mx1's certificate SHA-256 (and a wrong one)
fp=$(openssl x509 -in "$MXPROBE_LAB_CERTS/mx1.crt" -noout -fingerprint -sha256 | sed 's/.*=//')
mxp send $(LABOPTS) --json --tls-policy fingerprint --fingerprint "$fp" \
	--via mx1.lab.test --to postmaster@lab.test --maildir "$MD"
expect_rc 0 "fingerprint of mx1 delivers"
expect_get end_to_end.found True "fingerprint: found in the Maildir"
mxp send $(LABOPTS) --json --tls-policy fingerprint --fingerprint 00:11:22 \
	--via mx1.lab.test --to postmaster@lab.test
expect_rc 16 "a wrong fingerprint defers at the policy stage"
expect_finding policy.would_defer

# Levels that must defer, with the reason
defer() {	# HOST LEVEL RC STAGE REASON-REGEX
	mxp send $(LABOPTS) --timeout 5 --json --tls-policy "$2" --via "$1" \
		--to postmaster@lab.test
	expect_rc "$3" "$2 to $1 defers"
	expect_get delivered False "$2 to $1: not delivered"
	expect_get failed_stage "$4" "$2 to $1: failed at $4"
	if grep -Eq -- "$5" "$WORK/out"; then ok "$2 to $1: reason /$5/"; else not_ok "$2 to $1: no /$5/"; fi
}
defer mx2.lab.test verify 16 policy "self-signed certificate"
defer mx3.lab.test verify 16 policy "unable to get local issuer"
defer mismatch.lab.test verify 16 policy "does not name the MX host"
defer mismatch.lab.test secure 16 policy "names neither"
defer expired.lab.test verify 16 policy "certificate has expired"
defer notls.lab.test encrypt 16 policy "does not offer STARTTLS"
defer tls454.lab.test encrypt 14 starttls "refused STARTTLS \\(454\\)"
defer mx2.lab.test dane-only 16 policy "no DNSSEC-validated TLSA"
expect_finding policy.would_defer critical

# may goes on in clear text where STARTTLS is missing or refused
mxp send $(LABOPTS) --json --tls-policy may --via notls.lab.test --to postmaster@lab.test
expect_rc 0 "may delivers to a server without STARTTLS"
expect_get encrypted False "may to notls: clear text"
expect_finding policy.cleartext warning
# verify to the domain: mx1 delivers (it is first); ESA names map too
mxp send $(LABOPTS) --json --esa-policy required-verify --to postmaster@lab.test
expect_rc 0 "--esa-policy required-verify is secure and delivers via mx1"
expect_get policy.level secure "required-verify maps to secure"

# SMTP-level refusals are explained, not TLS failures
mxp send $(LABOPTS) --json --via reject554.lab.test --to postmaster@lab.test
expect_rc 12 "554 greeting fails the banner stage"
expect_finding smtp.greeting_rejected
mxp send $(LABOPTS) --json --via 127.0.0.31:2599 --to postmaster@lab.test
expect_rc 11 "refused connection fails the connect stage"
mxp send $(LABOPTS) --json --to nobody@nxdomain.invalid
expect_rc 10 "an unresolvable domain fails the resolve stage"

# Text report: per-stage table
mxp send $(LABOPTS) --via mx1.lab.test --to postmaster@lab.test --tls-policy verify
expect_out "^  starttls +OK" "text report has a STARTTLS row"
expect_out "^  rcpt +OK" "text report has an RCPT row"
expect_out "Token: +[0-9a-f]{32}" "text report shows the token"

# check --send-test: the check, then the message through the target,
# confirmed in the Maildir with the end-to-end time
mxp check $(LABOPTS) --no-color --send-test postmaster@lab.test --maildir "$MD" smtp://mx1.lab.test
expect_out "^Send test to postmaster@lab.test" "check --send-test appends the send report"
expect_out "End-to-end: arrived after [0-9]+ ms" "check --send-test reports the end-to-end time"
mxp check $(LABOPTS) --json -o "$WORK/c.json" --send-test postmaster@lab.test --maildir "$MD" smtp://mx1.lab.test
cp "$WORK/c.json.send-test.json" "$WORK/out"
expect_get end_to_end.found True "check --send-test --json: found, in FILE.send-test.json"
expect_schema
mxp check $(LABOPTS) --json --send-test postmaster@lab.test smtp://mx1.lab.test
expect_rc 3 "check --send-test --json without -o is refused"

# AUTH through the submission server (lab: sasldb user)
# SIGINT during a delivery (silent server: no banner): the session is
# closed at once, the report says it was interrupted, exit 3
RC=0
"$MXPROBE" send $(LABOPTS) --timeout 20 --via smtp://silent.lab.test \
	--to postmaster@lab.test --json >"$WORK/out" 2>"$WORK/err" &
SP=$!
sleep 1
T0=$(date +%s%N)
kill -INT "$SP"
wait "$SP" || RC=$?
T1=$(date +%s%N)
expect_rc 3 "SIGINT during a delivery"
[ $(((T1 - T0) / 1000000)) -lt 1000 ] && ok "it stopped within a second" ||
	not_ok "it took $(((T1 - T0) / 1000000)) ms to stop"
expect_finding probe.cancelled
expect_no_finding smtp.connect_failed
expect_err 'interrupted \(SIGINT\)' "stderr says it was interrupted"

if [ -z "${MXPROBE_LAB_AUTH_USER:-}" ] || [ -z "${MXPROBE_LAB_AUTH_PWFILE:-}" ]; then
	finish_then_skip=1
else
	finish_then_skip=0
	pwf="$WORK/pw"; cp "$MXPROBE_LAB_AUTH_PWFILE" "$pwf"; chmod 600 "$pwf"
	for via in submission://smtp.lab.test smtps://smtp.lab.test; do
		mxp send $(LABOPTS) --json --via "$via" --tls-policy verify \
			--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-file "$pwf" \
			--from verified@lab.test --to postmaster@lab.test --maildir "$MD"
		expect_rc 0 "AUTH via $via delivers"
		expect_get end_to_end.found True "AUTH via $via: found in the Maildir"
	done
	echo wrong-password > "$WORK/bad"; chmod 600 "$WORK/bad"
	mxp send $(LABOPTS) --json --via submission://smtp.lab.test \
		--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-file "$WORK/bad" \
		--from verified@lab.test --to postmaster@lab.test
	expect_rc 17 "a wrong password fails the AUTH stage"
	expect_finding smtp.auth_failed critical
	mxp send $(LABOPTS) --json --via smtp.lab.test:2587 \
		--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-file "$pwf" \
		--from unverified@lab.test --to postmaster@lab.test
	if [ "$RC" = 18 ] || [ "$RC" = 20 ]; then ok "unverified sender refused (exit $RC)"; else not_ok "unverified sender: exit $RC"; fi
	expect_finding smtp.sender_unverified critical
fi
if [ "$finish_then_skip" = 1 ]; then
	echo "# $T_NAME: $CHECKS checks, $FAILS failed before the AUTH part"
	[ "$FAILS" -eq 0 ] || exit 1
	skip_or_fail "the lab has no AUTH user (MXPROBE_LAB_AUTH_USER)"
fi
finish
