#!/usr/bin/env bash
# DNS outcomes: implicit MX, null MX, failed lookups that spare other MX.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

mxp check $(LABOPTS) --timeout 5 --json nomx.lab.test
expect_finding dns.no_mx info
n=$($AJ get "$WORK/out" targets.0.endpoints | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -ge 1 ] && ok "the domain's own address was probed" || not_ok "no endpoint for nomx"

mxp check $(LABOPTS) --timeout 5 --json nullmx.lab.test
expect_finding dns.null_mx info
n=$($AJ get "$WORK/out" targets.0.endpoints | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
[ "$n" -eq 0 ] && ok "null MX is not probed" || not_ok "null MX probed"
expect_rc 0 "null MX is information"

mxp check $(LABOPTS) --timeout 5 --json partial.lab.test
expect_finding dns.lookup_failed "" missing.lab.test
eps=$($AJ get "$WORK/out" targets.0.endpoints | python3 -c 'import json,sys; print(" ".join(e["addr"] for e in json.load(sys.stdin)))')
case " $eps " in *" 127.0.0.31 "*) ok "mx1 still probed ($eps)";; *) not_ok "mx1 not probed: $eps";; esac

mxp check $(LABOPTS) --timeout 5 --json bad-mx.lab.test
expect_finding dns.lookup_failed "" servfail.lab.test
case "$($AJ get "$WORK/out" targets.0.endpoints)" in *127.0.0.31*) ok "the other MX still probed";; *) not_ok "other MX not probed";; esac

mxp check $(LABOPTS) --timeout 5 --json servfail.lab.test
expect_finding dns.lookup_failed unknown
expect_rc 3 "nothing could be tested"

mxp check $(LABOPTS) --timeout 5 --json nonexistent.lab.test
expect_finding dns.lookup_failed unknown
expect_rc 3 "NXDOMAIN: nothing could be tested"

for bad in 'http://x.lab.test' 'smtp://' 'a..b' 'host:99999' '[::1' 'smtp://u@h/p'; do
	mxp check $(LABOPTS) "$bad"
	lines=$(wc -l <"$WORK/err")
	if [ "$RC" = 3 ] && [ "$lines" = 1 ]; then ok "bad target '$bad': one line, exit 3"
	else not_ok "bad target '$bad': exit $RC, $lines lines"; fi
done
finish
