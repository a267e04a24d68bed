#!/usr/bin/env bash
# A canary password is found zero times in everything mxprobe writes:
# stdout, stderr, JSON, text with --transcript, -o files, verbose logs
# with every trace switch, and every file under this test's directory.
# Also: a group/other-readable password file is refused, and argv never
# carries the password (there is no option for it).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
CANARY="Canary-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')-pw"
B64=$(printf '%s' "$CANARY" | base64 | tr -d '\n')
OUT="$WORK/outputs"; mkdir -p "$OUT"
n=0
run() {		# save every output of one run
	n=$((n + 1))
	RC=0
	"$MXPROBE" "$@" >"$OUT/$n.stdout" 2>"$OUT/$n.stderr" || RC=$?
	cp "$OUT/$n.stdout" "$WORK/out"; cp "$OUT/$n.stderr" "$WORK/err"
}
user="${MXPROBE_LAB_AUTH_USER:-labuser}"
pwf="$WORK/pw"; printf '%s\n' "$CANARY" > "$pwf"; chmod 600 "$pwf"

# refused: group/other may read the file
cp "$pwf" "$WORK/pw-open"; chmod 644 "$WORK/pw-open"
run send $(LABOPTS) --via submission://smtp.lab.test --auth-user "$user" \
	--auth-password-file "$WORK/pw-open" --to postmaster@lab.test
expect_rc 3 "a 0644 password file is refused"
expect_err "group or others may access it .*chmod 600" "the refusal says why and how to fix it"
run send --auth-password "$CANARY" --to postmaster@lab.test
expect_rc 3 "no option takes the password on the command line"

# wrong canary password against the real submission server: PLAIN/LOGIN
# payloads are sent (under TLS) and must show as <redacted>
for via in submission://smtp.lab.test smtps://smtp.lab.test smtp.lab.test:2587; do
	run send $(LABOPTS) --via "$via" --auth-user "$user" \
		--auth-password-file "$pwf" --from verified@lab.test \
		--to postmaster@lab.test --transcript -v -v --trace all
	run send $(LABOPTS) --via "$via" --auth-user "$user" \
		--auth-password-file "$pwf" --from verified@lab.test \
		--to postmaster@lab.test --json -o "$OUT/$n.report.json"
	CANARY_ENV="$CANARY" run send $(LABOPTS) --via "$via" --auth-user "$user" \
		--auth-password-env CANARY_ENV --to postmaster@lab.test --json
done
export CANARY_ENV="$CANARY"
run send $(LABOPTS) --via submission://smtp.lab.test --auth-user "$user" \
	--auth-password-env CANARY_ENV --to postmaster@lab.test --transcript
unset CANARY_ENV
# every AUTH mechanism path, in clear on purpose (no STARTTLS server):
# the sender refuses before sending; with --allow-plaintext-auth it
# finds no AUTH; nothing of the password appears either way
run send $(LABOPTS) --via notls.lab.test --auth-user "$user" \
	--auth-password-file "$pwf" --to postmaster@lab.test --transcript
expect_rc 17 "AUTH in clear text is refused (exit 17)"
expect_out "auth_required_tls|AUTH refused in clear" "the refusal is explained"
run send $(LABOPTS) --via notls.lab.test --auth-user "$user" \
	--auth-password-file "$pwf" --allow-plaintext-auth \
	--to postmaster@lab.test --json
expect_finding smtp.auth_unavailable

# sent AUTH lines in text transcripts: the verb stays, the payload goes
bad=$(grep -h -- '-> AUTH ' "$OUT"/*.stdout | grep -v '<redacted>$' |
	grep -Ev -- '-> AUTH (LOGIN|CRAM-MD5)$' || true)
if [ -z "$bad" ]; then ok "AUTH lines in transcripts are redacted"; else not_ok "unredacted AUTH: $bad"; fi
if grep -q -- '-> AUTH ' "$OUT"/*.stdout; then ok "transcripts did show AUTH"; fi
hits=$(grep -rlaF -e "$CANARY" -e "$B64" "$WORK" "$OUT" 2>/dev/null | grep -v "^$pwf\$\|^$WORK/pw-open\$" || true)
if [ -z "$hits" ]; then
	ok "canary found 0 times in $(ls "$OUT" | wc -l) output files"
else
	not_ok "canary found in: $hits"
fi
# the user's AUTH payloads (base64 of \0user\0password) are not shown either
for f in "$OUT"/*; do
	if grep -qaF "$(printf '\0%s\0%s' "$user" "$CANARY" | base64 | tr -d '\n')" "$f"; then
		not_ok "PLAIN payload in $f"
	fi
done
[ "$n" -ge 10 ] && ok "$n runs checked" || not_ok "only $n runs"
if [ -z "${MXPROBE_LAB_AUTH_USER:-}" ]; then
	echo "# $T_NAME: $CHECKS checks, $FAILS failed (the lab has no AUTH yet)"
	[ "$FAILS" -eq 0 ] || exit 1
	skip_or_fail "the lab has no AUTH user: the exchange itself was not exercised"
fi
finish
