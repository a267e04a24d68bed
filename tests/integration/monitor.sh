#!/usr/bin/env bash
# check --nagios and --junit (issue 12 point 4) against the lab: the
# monitoring-plugins status line (one line first, the status word, the
# perfdata in the guidelines' syntax, exit 0/1/2/3), the -w/-c
# certificate-day thresholds, and the JUnit report parsed by python3 and
# validated against tests/data/junit/junit.xsd (xmllint from
# libxml2-utils; python3-xmlschema when xmllint is missing).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
XSD="$MXPROBE_SRCDIR/tests/data/junit/junit.xsd"

# The guidelines' perfdata: 'label'=value[UOM];[warn];[crit];[min];[max]
PERF_RE="^(('[^'=]+'|[^' =|]+)=-?[0-9]+(\.[0-9]+)?(us|ms|s|%|B|KB|MB|TB|c)?(;[-0-9.:~@]*){0,4}( |$))+$"

# nagios_line STATUS DESCRIPTION: the first line of $WORK/out
nagios_line() {
	local first perf
	first=$(head -n 1 "$WORK/out")
	case "$first" in
	"MXPROBE $1 - "*"|"*) ok "$2: status line '${first%%|*}'" ;;
	*) not_ok "$2: status line '$first'" ;;
	esac
	perf=${first#*|}
	if [ "$perf" != "$first" ] && printf '%s\n' "$perf" | grep -Eq -- "$PERF_RE" &&
		[ "${perf#*|}" = "$perf" ]; then
		ok "$2: perfdata parses"
	else
		not_ok "$2: perfdata '$perf'"
	fi
}

# mx1: its leaf has about a year left; healthy
mxp check $(LABOPTS) --timeout 5 --nagios smtp://mx1.lab.test
expect_rc 0 "mx1 --nagios"
nagios_line OK "mx1"
if [ "$(wc -l < "$WORK/out")" -eq 1 ]; then ok "mx1: one line"; else not_ok "mx1: one line"; fi
expect_out "^MXPROBE OK - .*\|time=[0-9]+\.[0-9]{3}s;;;0 days_left=[0-9]+;14:;;; " "mx1: time and days_left with the default threshold"
expect_out "'127\.0\.0\.31:25 connect'=[0-9]+ms;;;0 .*'127\.0\.0\.31:25 tls'=[0-9]+ms;;;0" "mx1: step durations per endpoint"
days=$(sed -n 's/.* days_left=\([0-9-]*\);.*/\1/p' "$WORK/out")
mxp certs $(LABOPTS) --timeout 5 --json smtp://mx1.lab.test
left=$(python3 -c '
import json, sys, time
d = json.load(open(sys.argv[1]))
def leafs(o):
    if isinstance(o, dict):
        if "not_after" in o and "subject" in o:
            yield o
        for v in o.values():
            yield from leafs(v)
    elif isinstance(o, list):
        for v in o:
            yield from leafs(v)
na = [c["not_after"] for c in leafs(d)]
print(na[0] if na else "")' "$WORK/out" 2>/dev/null)
echo "# mx1: days_left=$days, certs not_after=$left"
if [ -n "$days" ] && [ "$days" -gt 300 ]; then ok "mx1: days_left $days > 300"; else not_ok "mx1: days_left '$days'"; fi

# thresholds around mx1's days left: -w above it warns, -c above it fails
W=$((days + 10)); C=$((days - 10))
mxp check $(LABOPTS) --timeout 5 --nagios -w $W -c $C smtp://mx1.lab.test
expect_rc 1 "mx1 -w $W -c $C"
nagios_line WARNING "mx1 -w $W"
expect_out "^MXPROBE WARNING - cert\.expiring_soon at mx1\.lab\.test" "mx1 -w: the finding and where in the summary"
expect_out "days_left=$days;$W:;$C:;; " "mx1 -w/-c in the perfdata"
expect_out "^\[WARNING\] cert\.expiring_soon at mx1\.lab\.test" "mx1 -w: a long-output line per finding"
mxp check $(LABOPTS) --timeout 5 --nagios --warning $((days + 20)) --critical $W smtp://mx1.lab.test
expect_rc 2 "mx1 --critical $W"
nagios_line CRITICAL "mx1 --critical $W"

# expiring.lab.test: 7 days or fewer left
mxp check $(LABOPTS) --timeout 5 --nagios smtp://expiring.lab.test
expect_rc 1 "expiring: warning by the default 14 days"
nagios_line WARNING "expiring"
mxp check $(LABOPTS) --timeout 5 --nagios -w 30 -c 10 smtp://expiring.lab.test
expect_rc 2 "expiring -c 10: critical"
nagios_line CRITICAL "expiring -c 10"
mxp check $(LABOPTS) --timeout 5 --nagios -w 3 -c 2 smtp://expiring.lab.test
expect_rc 0 "expiring -w 3 -c 2: OK"
nagios_line OK "expiring -w 3"

# the normal report also follows -w (the threshold is the analyzers')
mxp check $(LABOPTS) --timeout 5 --json -w 30 -c 10 smtp://expiring.lab.test
expect_rc 2 "expiring --json -c 10"
expect_finding cert.expiring_soon critical expiring.lab.test

# nothing listens: UNKNOWN or CRITICAL, never OK, still one status line
mxp check $(LABOPTS) --timeout 2 --nagios smtp://127.0.0.1:1
if [ "$RC" -eq 2 ] || [ "$RC" -eq 3 ]; then ok "closed port: exit $RC"; else not_ok "closed port: exit $RC"; fi
expect_out "^MXPROBE (CRITICAL|UNKNOWN) - " "closed port: status line"

# --junit on lab.test, with the text report on stdout
mxp check $(LABOPTS) --timeout 5 --junit "$WORK/report.xml" lab.test
expect_rc 2 "lab.test --junit (mx3 sends no intermediate)"
expect_out "mx3\.lab\.test" "lab.test: the text report still on stdout"
if ! grep -q "<testsuites" "$WORK/out"; then ok "lab.test: no XML on stdout"; else not_ok "lab.test: XML on stdout"; fi
if [ -s "$WORK/report.xml" ] && ! ls "$WORK"/report.xml.tmp.* >/dev/null 2>&1; then
	ok "junit: written, no temporary file left"
else
	not_ok "junit: file missing or temporary left"
fi
if python3 - "$WORK/report.xml" <<'PY'
import sys
import xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
assert root.tag == "testsuites", root.tag
suites = root.findall("testsuite")
assert [s.get("name") for s in suites] == ["lab.test"], suites
s = suites[0]
cases = s.findall("testcase")
assert int(s.get("tests")) == len(cases) == int(root.get("tests"))
fails = [c for c in cases if c.find("failure") is not None]
skips = [c for c in cases if c.find("skipped") is not None]
errs = [c for c in cases if c.find("error") is not None]
assert int(s.get("failures")) == len(fails), (s.get("failures"), len(fails))
assert int(s.get("skipped")) == len(skips)
assert int(s.get("errors")) == len(errs)
names = {(c.get("classname"), c.get("name")) for c in cases}
for step in ("connect", "greeting", "ehlo", "starttls", "tls", "certificate"):
    assert ("mxprobe.lab.test.127.0.0.31:25", step) in names, step
ci = [c for c in cases if c.get("name") == "cert.chain_incomplete"]
assert ci and ci[0].get("classname") == "mxprobe.lab.test.127.0.0.33:25", ci
f = ci[0].find("failure")
assert f is not None and f.get("type") == "cert.chain_incomplete"
assert "127.0.0.33" in (f.text or "")
ss = [c for c in cases if c.get("name") == "cert.self_signed"]
assert ss and ss[0].find("failure") is None and "warning" in ss[0].find("system-out").text
for c in cases:
    float(c.get("time"))
PY
then ok "junit: parsed, counts agree, failure per critical finding"; else not_ok "junit: content"; fi
if command -v xmllint >/dev/null 2>&1; then
	if xmllint --noout --schema "$XSD" "$WORK/report.xml" 2>"$WORK/err"; then
		ok "junit: valid against junit.xsd (xmllint)"
	else
		not_ok "junit: xmllint --schema"
	fi
elif python3 -c 'import xmlschema' 2>/dev/null; then
	if python3 -c 'import sys, xmlschema; xmlschema.XMLSchema(sys.argv[1]).validate(sys.argv[2])' \
		"$XSD" "$WORK/report.xml" 2>"$WORK/err"; then
		ok "junit: valid against junit.xsd (xmlschema)"
	else
		not_ok "junit: xmlschema"
	fi
else
	skip_or_fail "neither xmllint (libxml2-utils) nor python3-xmlschema"
fi

# --junit with --nagios and --json -o together: each output whole
mxp check $(LABOPTS) --timeout 5 --nagios --junit "$WORK/r2.xml" smtp://mx1.lab.test
expect_rc 0 "--nagios --junit"
nagios_line OK "--nagios --junit"
if xmllint --noout --schema "$XSD" "$WORK/r2.xml" 2>/dev/null; then ok "--nagios --junit: valid JUnit"; else not_ok "--nagios --junit: JUnit"; fi
mxp check $(LABOPTS) --timeout 5 --json -o "$WORK/r.json" --junit "$WORK/r3.xml" smtp://mx1.lab.test
expect_rc 0 "--json -o --junit"
if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$WORK/r.json" &&
	xmllint --noout --schema "$XSD" "$WORK/r3.xml" 2>/dev/null; then
	ok "--json -o and --junit: both documents valid"
else
	not_ok "--json -o and --junit"
fi
# ciphers takes the same options (its findings too)
mxp ciphers $(LABOPTS) --timeout 5 --nagios -w 30 -c 10 --junit "$WORK/c.xml" smtp://expiring.lab.test
expect_rc 2 "ciphers --nagios -c 10 on expiring"
nagios_line CRITICAL "ciphers --nagios"
if xmllint --noout --schema "$XSD" "$WORK/c.xml" 2>/dev/null; then ok "ciphers --junit: valid JUnit"; else not_ok "ciphers --junit"; fi

# a FIFO gets the report in place
mkfifo "$WORK/fifo"
cat "$WORK/fifo" > "$WORK/fifo.out" &
mxp check $(LABOPTS) --timeout 5 --nagios --junit "$WORK/fifo" smtp://mx1.lab.test
wait
if grep -q '</testsuites>' "$WORK/fifo.out"; then ok "--junit FIFO: written in place"; else not_ok "--junit FIFO"; fi

finish
