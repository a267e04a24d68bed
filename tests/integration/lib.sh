# lib.sh - shared by the integration tests (sourced, not run).
#
# Each test runs the real mxprobe binary against the real servers of the
# loopback lab (tests/lab/lab.sh: Postfix, unbound + nsd, scripted SMTP
# servers for misbehaviour no real server shows).  A test that cannot
# reach the lab skips (exit 77) on a developer machine, and FAILS under
# CI=true: a suite that is green because the servers never started proves
# nothing.
set -u

: "${MXPROBE:?MXPROBE must name the mxprobe binary (make check sets it)}"
: "${MXPROBE_SRCDIR:?}"
LAB="$MXPROBE_SRCDIR/tests/lab/lab.sh"
AJ="python3 $MXPROBE_SRCDIR/tests/integration/assert_json.py"
SCHEMA="$MXPROBE_SRCDIR/doc/mxprobe-check.schema.json"
T_NAME=$(basename "$0" .sh)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/mxprobe-it-$T_NAME.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
FAILS=0
CHECKS=0

skip_or_fail() {
	if [ "${CI:-}" = "true" ]; then
		echo "FAIL (CI): $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

lab_up() {
	if [ "$(id -u)" -ne 0 ]; then
		skip_or_fail "the lab needs root (servers on port 25)"
	fi
	"$LAB" start >"$WORK/lab.out" 2>&1 ||
		{ cat "$WORK/lab.out" >&2; skip_or_fail "the lab did not start"; }
	eval "$("$LAB" env)"
}

# mxp ARGS... : run mxprobe with the lab's DNS, trust anchor and CA.
# Sets RC, and leaves stdout in $WORK/out, stderr in $WORK/err.
mxp() {
	RC=0
	"$MXPROBE" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
}
LABOPTS() {
	echo "--resolver $MXPROBE_LAB_RESOLVER --trust-anchor $MXPROBE_LAB_TRUST_ANCHOR --ca-file $MXPROBE_LAB_CA"
}

ok() { CHECKS=$((CHECKS + 1)); echo "ok - $*"; }
not_ok() {
	CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1))
	echo "not ok - $*"
	echo "---- stdout:"; head -c 6000 "$WORK/out"; echo
	echo "---- stderr:"; head -c 3000 "$WORK/err"; echo
}

expect_rc() {	# WANT DESCRIPTION
	if [ "$RC" = "$1" ]; then ok "$2 (exit $RC)"; else not_ok "$2: exit $RC, want $1"; fi
}

# expect_finding ID [SEVERITY] [WHERE-SUBSTRING]
expect_finding() {
	if $AJ has-finding "$WORK/out" "$@" >"$WORK/aj" 2>&1; then
		ok "finding $*"
	else
		cat "$WORK/aj"; not_ok "finding $*"
	fi
}
expect_no_finding() {
	if $AJ no-finding "$WORK/out" "$1" >"$WORK/aj" 2>&1; then
		ok "no finding $1"
	else
		cat "$WORK/aj"; not_ok "no finding $1"
	fi
}
expect_schema() {
	if $AJ validate "$WORK/out" "$SCHEMA" >"$WORK/aj" 2>&1; then
		ok "JSON valid against the schema"
	else
		cat "$WORK/aj"; not_ok "JSON schema"
	fi
}
expect_out() {	# REGEX DESCRIPTION
	if grep -Eq -- "$1" "$WORK/out"; then ok "$2"; else not_ok "$2 (no /$1/ in output)"; fi
}
expect_err() {
	if grep -Eq -- "$1" "$WORK/err"; then ok "$2"; else not_ok "$2 (no /$1/ on stderr)"; fi
}

finish() {
	echo "# $T_NAME: $CHECKS checks, $FAILS failed"
	[ "$FAILS" -eq 0 ]
	exit $?
}
