#!/usr/bin/env bash
# mxprobe check on lab.test: three MX in preference order, each address
# probed (mx1 on IPv4 and IPv6), the planted defects named, the summary
# table, the JSON schema, the exit status.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

mxp check $(LABOPTS) --timeout 5 --json lab.test
expect_rc 2 "lab.test has critical defects (mx3 misses its intermediate)"
expect_schema
expect_finding cert.self_signed warning mx2.lab.test
expect_finding cert.chain_incomplete critical mx3.lab.test
expect_no_finding cert.hostname_mismatch
prefs=$($AJ get "$WORK/out" targets.0.hosts | python3 -c 'import json,sys; print(" ".join("%s:%s" % (h["name"], h["pref"]) for h in json.load(sys.stdin)))')
[ "$prefs" = "mx1.lab.test:10 mx2.lab.test:20 mx3.lab.test:30" ] &&
	ok "MX hosts in preference order ($prefs)" || not_ok "MX order: $prefs"
addrs=$($AJ get "$WORK/out" targets.0.endpoints | python3 -c 'import json,sys; print(" ".join(sorted(e["addr"] for e in json.load(sys.stdin))))')
[ "$addrs" = "127.0.0.31 127.0.0.32 127.0.0.33 ::1" ] &&
	ok "every address probed, IPv6 included ($addrs)" || not_ok "addresses: $addrs"
conf=$($AJ get "$WORK/out" targets.0.confidence)
[ "$conf" -gt 0 ] && [ "$conf" -lt 100 ] && ok "confidence $conf% between 0 and 100" ||
	not_ok "confidence $conf"

mxp check $(LABOPTS) --timeout 5 --no-color lab.test
expect_rc 2 "text report, same exit status"
expect_out 'Pref' "summary table header"
expect_out '10 +mx1\.lab\.test \[127\.0\.0\.31\]:25' "mx1 row with its address"
expect_out '30 +mx3\.lab\.test' "mx3 row"
expect_out 'cert\.chain_incomplete' "finding id in the text"
expect_out 'Confidence' "confidence line"
if grep -q $'\x1b\[' "$WORK/out"; then not_ok "no colour when not a terminal"; else ok "no colour when not a terminal"; fi
# mx1's IPv4 and IPv6 endpoints say the same: one details block and
# each finding once, naming both addresses; both rows in the table
# (the JSON above keeps both endpoints).
expect_out '^--- mx1\.lab\.test \[127\.0\.0\.31\]:25 and \[::1\]:25 \(starttls; the same answers on both addresses\) ---' "mx1 on IPv4 and IPv6: one details block"
if grep -q '^--- mx1\.lab\.test \[::1\]' "$WORK/out"; then not_ok "mx1 [::1] details repeated"; else ok "mx1 [::1] details not repeated"; fi
expect_out 'dane\.ok  mx1\.lab\.test \[127\.0\.0\.31\]:25 and \[::1\]:25' "one dane.ok for both addresses"
expect_out '10 +mx1\.lab\.test \[::1\]:25' "the [::1] row stays in the table"

mxp check $(LABOPTS) --timeout 5 --transcript good.lab.test
expect_rc 0 "good.lab.test is clean"
expect_out '^ *-> EHLO ' "transcript shows EHLO sent"
expect_out '^ *<- 250[- ]STARTTLS|<- 250.STARTTLS' "transcript shows STARTTLS offered"
expect_out '^ *-> STARTTLS' "transcript shows STARTTLS sent"
finish
