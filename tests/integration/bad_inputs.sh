#!/usr/bin/env bash
# Every bad input is refused before any packet leaves (issue 13): for each
# case of bad_inputs.tab, across every command, mxprobe exits 3 with ONE
# line on stderr that names the option and the problem (user bytes
# escaped, printable ASCII only), writes nothing on stdout, and finishes at
# once.  A few valid inputs must get past validation.
#
# No lab and no network: the targets are 127.0.0.1 literals that are never
# reached, and where unshare(1) may make a network namespace every case
# runs inside an empty one, so a value that slipped through validation
# could not reach anything either.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"

TAB="$MXPROBE_SRCDIR/tests/integration/bad_inputs.tab"
T="smtp://127.0.0.1:1"
F="$WORK/fx"
D="$MXPROBE_SRCDIR/tests/data/certs"
CASE_TIMEOUT=20

# ---- fixtures -----------------------------------------------------------
mkdir -p "$F/emptydir" "$F/hashed" "$F/pwdir"
printf 'hello\n' > "$F/text.txt"
: > "$F/empty"
printf 'a\0b\n' > "$F/nul.bin"
head -c 1200 /dev/zero | tr '\0' x > "$F/longline.txt"; echo >> "$F/longline.txt"
printf -- '-----BEGIN CERTIFICATE-----\n!!not base64!!\n-----END CERTIFICATE-----\n' > "$F/broken.pem"
ln -s "$D/root.pem" "$F/hashed/deadbeef.0"
printf 'lab.test bogus=1\n' > "$F/bad.dest"
printf 'Subject: x\n\nbody\n' > "$F/msg.eml"
ln -s "$F/msg.eml" "$F/msg-link.eml"
for f in pw pw-open pw-group pw-empty; do printf 'secret\n' > "$F/$f"; done
printf '\n' > "$F/pw-empty"
chmod 600 "$F/pw" "$F/pw-empty"; chmod 644 "$F/pw-open"; chmod 640 "$F/pw-group"
ln -s "$F/pw" "$F/pw-link"
KEY="fsAeCZR4NmTOrzyEq7jG/PIgHYb95ANUnUg0K/NWZ1NwM8c0Tg5h/0dOc2D5bz+4iGuer+ez7iXRP3joO9DLBw=="
DIGEST="c5a426204f68368f8704ed8e678b26af895ff832bc738a530d7a8d145a6bc7ed"
printf 'lab.test.\tIN\tDS\t20446 13 2 %s\n' "$DIGEST" > "$F/good-ds.ta"
printf '; the lab KSK\n$ORIGIN lab.test.\n@ 3600 IN DNSKEY 257 3 13 (\n\t%s\n\t%s ) ; ksk\n' \
	"${KEY:0:44}" "${KEY:44}" > "$F/good-dnskey.ta"
printf '; only a comment\n\n' > "$F/comments.ta"
printf '$ORIGIN lab.test.\nlab.test. IN A 127.0.0.1\n' > "$F/a.ta"
printf 'lab.test. IN DS 20446 13 2 c5a4\n' > "$F/short-ds.ta"
printf 'lab.test. IN DS 20446 13\n' > "$F/ds-fields.ta"
printf 'lab.test. IN DNSKEY 257 4 13 %s\n' "$KEY" > "$F/dnskey-proto.ta"
printf 'lab.test. IN DNSKEY 257 3 13 ( %s\n' "$KEY" > "$F/paren.ta"
export MXP_TEST_PW=secret
unset MXP_TEST_UNSET

# Inside an empty network namespace when we may make one.
NETNS=""
if command -v unshare >/dev/null 2>&1 && unshare -n true 2>/dev/null; then
	NETNS="unshare -n"
	echo "# each case runs in an empty network namespace"
else
	echo "# unshare -n not permitted: cases run with loopback targets only"
fi

# run ARGS... : mxprobe in the namespace, bounded in time; RC, out, err.
run() {
	RC=0
	timeout "$CASE_TIMEOUT" $NETNS "$MXPROBE" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
}

subst() {	# the fixtures' names in an expectation
	local s=$1
	s=${s//\$F/$F}; s=${s//\$D/$D}; s=${s//\$T/$T}
	printf '%s' "$s"
}

nbad=0; nok=0; lineno=0
while IFS= read -r line || [ -n "$line" ]; do
	lineno=$((lineno + 1))
	case "$line" in '' | '#'*) continue ;; esac
	want=$(subst "${line%% | *}")
	args=${line#* | }
	eval "set -- $args"
	what="line $lineno: mxprobe $args"
	run "$@"
	if [ "$want" = OK ]; then
		nok=$((nok + 1))
		if [ "$RC" -eq 124 ]; then
			not_ok "$what: timed out"
		elif [ "$RC" -ne 3 ] || [ -s "$WORK/out" ]; then
			ok "$what: valid, passes validation (exit $RC)"
		else
			not_ok "$what: valid input refused"
		fi
		continue
	fi
	nbad=$((nbad + 1))
	nl=$(wc -l < "$WORK/err")
	first=$(head -n 1 "$WORK/err")
	if [ "$RC" -ne 3 ]; then
		not_ok "$what: exit $RC, want 3"
	elif [ "$nl" -ne 1 ]; then
		not_ok "$what: $nl lines on stderr, want 1"
	elif [ -s "$WORK/out" ]; then
		not_ok "$what: wrote on stdout"
	elif LC_ALL=C grep -q '[^ -~]' "$WORK/err"; then
		not_ok "$what: unescaped bytes on stderr"
	elif [ "${first#mxprobe }" = "$first" ]; then
		not_ok "$what: the line does not start with 'mxprobe '"
	elif ! grep -qF -- "$want" "$WORK/err"; then
		not_ok "$what: no '$want' in: $first"
	else
		ok "$what -> $first"
	fi
done < "$TAB"

echo "# $nbad bad inputs, $nok valid ones"
if [ "$nbad" -lt 100 ]; then
	not_ok "the table holds $nbad bad inputs, want at least 100"
fi
finish
