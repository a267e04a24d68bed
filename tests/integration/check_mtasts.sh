#!/usr/bin/env bash
# MTA-STS and TLS-RPT in check (issue 11 points 2 and 6): the lab's
# policies, served by nginx on 127.0.0.56:443 (tests/lab/lab.sh,
# "MTA-STS"), against what its MX servers send - each finding, its
# severity and the exit status; the fetch goes to the address the lab's
# resolver gives (CURLOPT_RESOLVE), verified with the lab CA.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

ej() {	# DESCRIPTION PYTHON-EXPRESSION over t (the first target)
	if python3 - "$WORK/out" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
t = d["targets"][0]
sts = t.get("mta_sts")
rpt = t.get("tls_rpt")
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
	then ok "$1"; else not_ok "$1"; fi
}

# stsok: enforce, mx: mx1.lab.test, mx1's chain valid -> mtasts.ok, exit 0
mxp check $(LABOPTS) --timeout 5 --json stsok.lab.test
expect_rc 0 "stsok: policy in force"
expect_finding mtasts.ok info stsok.lab.test
expect_finding tlsrpt.ok info _smtp._tls.stsok.lab.test
expect_no_finding mtasts.mx_not_covered
expect_no_finding mtasts.cert_invalid
expect_schema
ej "stsok: TXT valid, fetched from 127.0.0.56 with 200 text/plain, state ok" \
	'sts["txt_valid"] and sts["id"] == "20261207T000000" and sts["policy"]["address"] == "127.0.0.56" and sts["policy"]["http_status"] == 200 and sts["policy"]["content_type"].startswith("text/plain") and sts["policy"]["mode"] == "enforce" and sts["policy"]["max_age"] == 604800 and sts["policy"]["mx"] == ["mx1.lab.test"] and sts["state"] == "ok"'
ej "stsok: TLS-RPT URIs listed" \
	'rpt["state"] == "ok" and rpt["rua"] == ["mailto:tlsrpt@lab.test", "https://tlsrpt.lab.test/v1"]'

# stsnocover: enforce, MX mx1 not among the patterns -> critical, exit 2
mxp check $(LABOPTS) --timeout 5 --json stsnocover.lab.test
expect_rc 2 "stsnocover: MX not covered under enforce: critical"
expect_finding mtasts.mx_not_covered critical mx1.lab.test
expect_finding tlsrpt.missing info
expect_no_finding mtasts.ok
ej "stsnocover: state failing, patterns kept" \
	'sts["state"] == "failing" and sts["policy"]["mx"] == ["mail.stsnocover.lab.test", "*.other.lab.test"]'

# ststesting: testing, MX mismatch (certificate for other.example.net)
mxp check $(LABOPTS) --timeout 5 --json ststesting.lab.test
expect_finding mtasts.cert_invalid warning mismatch.lab.test
expect_finding tlsrpt.invalid warning
expect_no_finding mtasts.mx_not_covered
expect_no_finding mtasts.ok
expect_rc 1 "ststesting: a failing certificate under testing: warning"
ej "ststesting: LF policy parsed, mode testing, TLS-RPT invalid" \
	'sts["policy"]["mode"] == "testing" and sts["policy"]["valid"] and rpt["state"] == "invalid"'

# ststxtonly: TXT, the policy URL answers 404
mxp check $(LABOPTS) --timeout 5 --json ststxtonly.lab.test
expect_finding mtasts.policy_unavailable warning
expect_no_finding mtasts.ok
expect_rc 1 "ststxtonly: TXT without a policy: warning"
ej "ststxtonly: HTTP 404 recorded" \
	'sts["policy"]["fetched"] and sts["policy"]["http_status"] == 404 and sts["state"] == "unusable"'

# stsnotxt: a policy nobody announces
mxp check $(LABOPTS) --timeout 5 --json stsnotxt.lab.test
expect_finding mtasts.policy_without_txt warning
expect_no_finding mtasts.ok
expect_rc 1 "stsnotxt: policy without TXT: warning"

# WebPKI: without the lab CA the policy host's certificate is not trusted
mxp check --resolver "$MXPROBE_LAB_RESOLVER" --timeout 5 --json stsok.lab.test
expect_finding mtasts.policy_unavailable warning
ej "stsok without --ca-file: no HTTP answer, a certificate error" \
	'sts["policy"]["http_status"] is None and sts["policy"]["error"] and sts["state"] == "unusable"'

# good: nothing published, nothing said
mxp check $(LABOPTS) --timeout 5 --json good.lab.test
expect_rc 0 "good: no MTA-STS, no finding"
ej "good: not published, no mtasts/tlsrpt finding" \
	'sts["state"] == "not_published" and rpt["state"] == "none" and not any(f["id"].split(".")[0] in ("mtasts", "tlsrpt") for f in t["findings"])'

# a host target has no MTA-STS section
mxp check $(LABOPTS) --timeout 5 --json smtp://mx1.lab.test
ej "smtp://mx1: no mta_sts object" 'sts is None and rpt is None'

# the text report: a section per domain
mxp check $(LABOPTS) --timeout 5 stsnocover.lab.test stsok.lab.test
expect_out '^MTA-STS: +_mta-sts\.stsnocover\.lab\.test: "v=STSv1; id=nocover1;", valid' "text: the TXT record"
expect_out '^  Policy: +https://mta-sts\.stsok\.lab\.test/\.well-known/mta-sts\.txt via 127\.0\.0\.56: HTTP 200' "text: the fetch"
expect_out '^ +mode enforce, max_age 604800, mx: mx1\.lab\.test$' "text: the policy"
expect_out '^  Verdict: +failing$' "text: the verdict"
expect_out '^TLS-RPT: +_smtp\._tls\.stsok\.lab\.test: .*: ok$' "text: TLS-RPT"
expect_out 'mtasts\.mx_not_covered' "text: the finding"
# point 3: the mta-sts level of `policy` and `send --tls-policy mta-sts`
pj() {	# DESCRIPTION PYTHON-EXPRESSION over d (the policy JSON), lv (levels of row 0)
	if python3 - "$WORK/out" "$2" <<'PY2'
import json, sys
d = json.load(open(sys.argv[1]))
rows = d.get("endpoints") or d.get("rows") or []
lv = rows[0]["levels"] if rows else {}
sys.exit(0 if eval(sys.argv[2]) else 1)
PY2
	then ok "$1"; else not_ok "$1"; fi
}
mxp policy $(LABOPTS) --timeout 5 --json stsnocover.lab.test
expect_schema_of() { if $AJ validate "$WORK/out" "$MXPROBE_SRCDIR/doc/mxprobe-$1.schema.json" >"$WORK/aj" 2>&1; then ok "$1 JSON valid"; else cat "$WORK/aj"; not_ok "$1 JSON valid"; fi; }
expect_schema_of policy
pj "policy stsnocover: mta-sts defers (MX not covered), verify delivers" \
	'lv["mta-sts"]["decision"] == "defer" and "no mx pattern" in lv["mta-sts"]["why"] and lv["verify"]["decision"] == "deliver_tls"'
mxp policy $(LABOPTS) --timeout 5 --json stsok.lab.test
pj "policy stsok: mta-sts delivers encrypted (enforce, covered, verified)" \
	'lv["mta-sts"]["decision"] == "deliver_tls" and lv["mta-sts"]["effective"] == "mta-sts"'
mxp policy $(LABOPTS) --timeout 5 --json ststesting.lab.test
pj "policy ststesting: testing acts as may" \
	'lv["mta-sts"]["decision"] == "deliver_tls" and lv["mta-sts"]["effective"] == "may" and lv["verify"]["decision"] == "defer"'
mxp send $(LABOPTS) --timeout 5 --json --to test@stsnocover.lab.test --tls-policy mta-sts
expect_rc 16 "send --tls-policy mta-sts to stsnocover: deferred by the policy"
expect_schema_of send
ej2() { if python3 -c "import json,sys; d=json.load(open('$WORK/out')); sys.exit(0 if $2 else 1)"; then ok "$1"; else not_ok "$1"; fi; }
ej2 "send stsnocover: policy defer, MX not covered" \
	'd["policy"]["decision"] == "defer" and "no mx pattern" in d["policy"]["why"]'
mxp send $(LABOPTS) --timeout 5 --json --to test@stsok.lab.test --tls-policy mta-sts
ej2 "send stsok: the policy lets it through encrypted (mx1 then refuses the relay)" \
	'd["policy"]["decision"] == "deliver_tls" and d["policy"]["level"] == "mta-sts"'
mxp send $(LABOPTS) --timeout 5 --to test@lab.test --via mx1.lab.test --tls-policy mta-sts
expect_rc 3 "send --via with mta-sts: refused (the policy is the recipient domain's)"
finish
