#!/usr/bin/env bash
# The capture regressions and the malformed-capture sweep (issue 9 point 6).
#
# 1. tests/data/pcap/check_expected.py: every regression capture (real
#    clients against the lab's defects, recorded by record.sh) decoded with
#    `mxprobe pcap FILE --json --ca-file tests/data/pcap/lab-root.pem` gives
#    the finding ids EXPECTED says it must, and none it must not.
# 2. The sweep: pcap_sweep.py derives at
# least 1,000 broken captures from the regression captures of
# tests/data/pcap/ (truncations, bit flips, wrong record lengths, huge
# snaplen, wrong magic/version/link type, reordered, duplicated and split
# TCP segments, broken TLS lengths, broken pcapng blocks; seed 9, so every
# run reads the same files) and runs `mxprobe pcap FILE --json` on each
# with a 10 s timeout (every 4th also as text).  Any signal, sanitizer
# report, exit status other than 0-3, hang, JSON on exit 0-2 that is
# invalid or not valid against doc/mxprobe-pcap.schema.json (with
# python3-jsonschema), or a raw control byte in the text report fails
# the test.  CI runs it in
# the ASan+UBSan build.
#
# No lab and no root: files only.  Needs python3; skips (77) without it or
# without the pcap command, and under CI=true a skip is a failure.
# PCAP_SWEEP_COUNT (default 1200), PCAP_SWEEP_JOBS (default 2),
# PCAP_SWEEP_SEED (default 9), PCAP_SWEEP_KEEP=DIR (copy failing inputs),
# PCAP_SWEEP_NO_SCHEMA=1 (JSON syntax only, not doc/mxprobe-pcap.schema.json).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"

command -v python3 >/dev/null 2>&1 || skip_or_fail "python3 is missing"
"$MXPROBE" pcap --help >"$WORK/out" 2>"$WORK/err" ||
	skip_or_fail "this mxprobe has no pcap command"

want=${PCAP_SWEEP_COUNT:-1200}
need=1000
[ "$want" -lt "$need" ] && need=$want	# a smaller sweep asked for by hand
set -- --srcdir "$MXPROBE_SRCDIR" --count "$want" \
	--jobs "${PCAP_SWEEP_JOBS:-2}" --seed "${PCAP_SWEEP_SEED:-9}" --timeout 10
[ -n "${PCAP_SWEEP_KEEP:-}" ] && set -- "$@" --keep "$PCAP_SWEEP_KEEP"
[ -n "${PCAP_SWEEP_NO_SCHEMA:-}" ] && set -- "$@" --no-schema

RC=0
python3 "$MXPROBE_SRCDIR/tests/data/pcap/check_expected.py" \
	>"$WORK/out" 2>"$WORK/err" || RC=$?
cat "$WORK/out"
if [ "$RC" = 0 ] && grep -q '^# EXPECTED: [0-9]* captures, 0 failed' "$WORK/out"; then
	ok "regression captures decode to the findings of EXPECTED"
else
	not_ok "regression captures (EXPECTED), exit $RC"
fi

RC=0
python3 "$MXPROBE_SRCDIR/tests/integration/pcap_sweep.py" "$@" \
	>"$WORK/out" 2>"$WORK/err" || RC=$?
cat "$WORK/out"
n=$(sed -n 's/^\([0-9][0-9]*\) captures, \([0-9][0-9]*\) crashes$/\1 \2/p' "$WORK/out")
total=${n% *}
bad=${n#* }
if [ -z "$n" ]; then
	not_ok "the sweep did not finish (exit $RC)"
else
	if [ "$total" -ge "$need" ]; then
		ok "$total captures swept (>= $need)"
	else
		not_ok "only $total captures, want $need"
	fi
	if [ "$bad" = 0 ] && [ "$RC" = 0 ]; then
		ok "no crash, hang or invalid JSON"
	else
		not_ok "$bad failing captures (exit $RC)"
	fi
fi
finish
