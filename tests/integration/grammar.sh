#!/usr/bin/env bash
# One grammar for every command (issue 13, point 2), on REAL output
# against the lab:
#  - the text of check, check --deep, ciphers, certs, send, policy,
#    headers, pcap, queue and history ends with one closing line, "Status: WORD (exit N)",
#    N being the real exit status, and has no other;
#  - the --json of each is one document with the one envelope (schema,
#    schema_version, tool, started, status, exit_status), valid against
#    its doc/mxprobe-<command>.schema.json, status and exit status agreeing
#    with the process's;
#  - certs judges its chain like check (untrusted: exit 2, in text and
#    JSON) and honours --json; relay refuses --json with one line, exit 3;
#  - TERM=dumb gets no colour on a terminal (TERM=xterm does).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
CS="$MXPROBE_SRCDIR/tests/unit/check_schema.sh"
python3 -c 'import jsonschema' 2>/dev/null ||
	skip_or_fail "python3-jsonschema is missing"

# text: the last line is the one status line, with the real exit status
status_last() {	# DESCRIPTION
	local last n word
	last=$(tail -n 1 "$WORK/out")
	n=$(grep -c '^Status: ' "$WORK/out")
	case $RC in 0) word=OK ;; 1) word=WARNING ;; 3) word=UNKNOWN ;; *) word=CRITICAL ;; esac
	if [ "$last" = "Status: $word (exit $RC)" ] && [ "$n" = 1 ]; then
		ok "$1: ends with '$last'"
	else
		not_ok "$1: last line '$last' ($n status lines), want 'Status: $word (exit $RC)'"
	fi
}
# JSON: the envelope, the schema of the command, status = exit status
json_ok() {	# SCHEMA-NAME DESCRIPTION
	if "$CS" --schema "$1" "$WORK/out" >"$WORK/cs" 2>&1 &&
		python3 - "$WORK/out" "$RC" <<'PY' >>"$WORK/cs" 2>&1
import json, sys
d = json.load(open(sys.argv[1]))
rc = int(sys.argv[2])
env = ["schema", "schema_version", "tool", "started", "status", "exit_status"]
assert list(d)[:6] == env, list(d)[:6]
assert d["exit_status"] == rc, (d["exit_status"], rc)
word = {0: "ok", 1: "warning", 2: "critical", 3: "unknown"}.get(rc, "critical")
assert d["status"] == word, (d["status"], word)
PY
	then ok "$2: JSON valid against doc/mxprobe-$1.schema.json, envelope agrees with exit $RC"
	else cat "$WORK/cs"; not_ok "$2: JSON"
	fi
}

L="$(LABOPTS) --timeout 5"
printf 'Received: from a.test (a.test [192.0.2.1]) by mx.b.test with ESMTP id 1; Mon, 1 Jan 2024 00:00:00 +0000\r\nSubject: x\r\n\r\nbody\r\n' >"$WORK/m.eml"
mkdir -p "$WORK/spool"
: >"$WORK/history.sqlite"

# command | schema | arguments
while IFS='|' read -r name schema args; do
	[ -n "$name" ] || continue
	# shellcheck disable=SC2086
	mxp $args
	status_last "$name"
	# shellcheck disable=SC2086
	mxp $args --json
	json_ok "$schema" "$name"
done <<EOF2
check|check|check $L smtp://mx1.lab.test
check --deep|check|check $L --deep smtp://mx1.lab.test
ciphers|check|ciphers $L smtp://mx1.lab.test
certs|certs|certs $L smtp://mx1.lab.test
send|send|send $L --via mx1.lab.test --to postmaster@lab.test
send (refused at connect)|send|send $L --via 127.0.0.31:2599 --to postmaster@lab.test
policy|policy|policy $L lab.test
headers|headers|headers $WORK/m.eml
pcap|pcap|pcap --ca-file $MXPROBE_LAB_CA $MXPROBE_SRCDIR/tests/data/pcap/nochain_openssl_tls12.pcap
queue|queue|queue --spool $WORK/spool
history|history|history --history $WORK/history.sqlite
EOF2

# certs judges its chain: without the lab CA it is untrusted, as in check
mxp certs --resolver "$MXPROBE_LAB_RESOLVER" --timeout 5 smtp://mx1.lab.test
expect_rc 2 "certs: an untrusted chain is critical"
expect_out '^CRITICAL cert\.untrusted ' "certs text: the finding in the one layout"
status_last "certs (untrusted)"
mxp certs --resolver "$MXPROBE_LAB_RESOLVER" --timeout 5 --json smtp://mx1.lab.test
expect_rc 2 "certs --json: an untrusted chain is critical"
expect_finding cert.untrusted critical
json_ok certs "certs (untrusted)"

# relay: no report, so --json is refused before anything starts
mxp relay --json --spool "$WORK/relay-spool"
expect_rc 3 "relay --json is refused"
if [ "$(wc -l <"$WORK/err")" = 1 ] && grep -q -- "--json is not for 'relay'" "$WORK/err" &&
	[ ! -e "$WORK/relay-spool" ]; then
	ok "relay --json: one line, nothing opened"
else
	not_ok "relay --json: $(cat "$WORK/err")"
fi

# colour only on a terminal that can show it (script(1) gives a pty;
# stdout only: the report, not the progress line on stderr)
if command -v script >/dev/null 2>&1; then
	colour_run() {	# TERM-VALUE
		env -u NO_COLOR TERM="$1" script -qec "\"$MXPROBE\" check $L smtp://mx1.lab.test 2>/dev/null" /dev/null >"$WORK/out" 2>&1 || true
	}
	colour_run xterm
	if grep -q $'\033\\[' "$WORK/out"; then ok "TERM=xterm on a terminal: colour"; else not_ok "TERM=xterm: no colour"; fi
	colour_run dumb
	if grep -q $'\033' "$WORK/out"; then not_ok "TERM=dumb: colour"; else ok "TERM=dumb on a terminal: no colour"; fi
else
	skip_or_fail "script(1) is missing (util-linux)"
fi
finish
