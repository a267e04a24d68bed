#!/usr/bin/env bash
# DANE in check (issue 11 point 1): the lab's TLSA records (tests/lab/lab.sh,
# "DANE") against what its servers send - each finding, its severity, the
# DANE column and the exit status; validated by libunbound with the trust
# anchor, and again with the resolver's AD bit alone (no --trust-anchor).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

NOTA="--resolver $MXPROBE_LAB_RESOLVER --ca-file $MXPROBE_LAB_CA"
ej() {	# DESCRIPTION PYTHON-EXPRESSION over d (the JSON), eps (endpoints)
	if python3 - "$WORK/out" "$2" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
eps = [e for t in d["targets"] for e in t["endpoints"]]
sys.exit(0 if eval(sys.argv[2]) else 1)
PY
	then ok "$1"; else not_ok "$1"; fi
}

# danebad: two 3 1 1 records of keys nobody has -> mismatch, exit 2
mxp check $(LABOPTS) --timeout 5 --json danebad.lab.test
expect_rc 2 "danebad: TLSA does not match: critical"
expect_finding dane.mismatch critical mxdanebad.lab.test
expect_no_finding dane.ok
expect_schema
ej "danebad: DANE column fail, state mismatch, records no_match" \
	'all(e["columns"]["dane"] == "fail" and e["dane"]["state"] == "mismatch" and e["dane"]["secure"] and e["dane"]["validation"] == "trust_anchor" and len(e["dane"]["records"]) == 2 and all(r["result"] == "no_match" for r in e["dane"]["records"]) for e in eps)'

# good (MX mx1, IPv4 and IPv6): 3 1 1 of the key and 2 1 1 of the
# intermediate it sends -> dane.ok, not single_record, exit 0
mxp check $(LABOPTS) --timeout 5 --json good.lab.test
expect_rc 0 "good: DANE matches"
expect_finding dane.ok info mx1.lab.test
expect_no_finding dane.single_record
expect_no_finding dane.mismatch
ej "good: both records match on every endpoint, DANE column ok" \
	'eps and all(e["columns"]["dane"] == "ok" and sorted(r["usage"] for r in e["dane"]["records"] if r["result"] == "match") == [2, 3] for e in eps)'
ej "good: one TLSA query per host and port (IPv4 and IPv6 share it)" \
	'len(set(e["dane"]["qname"] for e in eps)) == 1'
ej "good: confidence 100 with DANE counted" 'd["targets"][0]["confidence"] == 100'

# nomx (mx1's server): one record -> dane.ok + dane.single_record, exit 1
mxp check $(LABOPTS) --timeout 5 --json nomx.lab.test
expect_finding dane.ok info
expect_finding dane.single_record warning
expect_rc 1 "nomx: a single TLSA record is a warning"

# nochain (leaf only) with DANE-TA of the intermediate -> ta_not_sent
mxp check $(LABOPTS) --timeout 5 --json smtp://nochain.lab.test
expect_finding dane.ta_not_sent critical nochain.lab.test
expect_no_finding dane.mismatch
expect_rc 2 "nochain: the DANE-TA CA is not sent: critical"
ej "nochain: record result ta_not_sent" \
	'eps[0]["dane"]["state"] == "ta_not_sent" and eps[0]["dane"]["records"][0]["result"] == "ta_not_sent"'

# smtp on 587: DANE-TA only (2 1 1 and 2 0 1 of the intermediate sent)
mxp check $(LABOPTS) --timeout 5 --json submission://smtp.lab.test
expect_finding dane.ok info
expect_rc 0 "smtp:587: DANE-TA matches"
ej "smtp:587: both DANE-TA records match" \
	'eps[0]["dane"]["qname"] == "_587._tcp.smtp.lab.test" and all(r["result"] == "match" and r["usage"] == 2 for r in eps[0]["dane"]["records"])'

# TLSA in the unsigned zone insecure.lab.test (MX in the signed zone)
mxp check $(LABOPTS) --timeout 5 --json daneinsecure.lab.test
expect_finding dane.insecure warning mx.insecure.lab.test
expect_no_finding dane.ok
ej "daneinsecure: not validated, MX validated, DANE column warn" \
	'eps and all(not e["dane"]["secure"] and e["dane"]["mx_secure"] and e["dane"]["state"] == "insecure" and e["columns"]["dane"] == "warn" for e in eps)'
# ... and the domain itself unsigned: the MX lookup voids them
mxp check $(LABOPTS) --timeout 5 --json insecure.lab.test
expect_finding dane.insecure warning
ej "insecure: MX not validated" 'eps and not eps[0]["dane"]["mx_secure"]'

# TLSA but no STARTTLS -> dane.no_tls, critical
mxp check $(LABOPTS) --timeout 5 --json smtp://danenotls.lab.test
expect_finding dane.no_tls critical
expect_rc 2 "danenotls: TLSA without TLS: critical"

# PKIX-EE and a short digest -> unusable: dane.unsupported_params
mxp check $(LABOPTS) --timeout 5 --json smtp://danepkix.lab.test
expect_finding dane.unsupported_params warning
expect_no_finding dane.ok
ej "danepkix: records unusable and malformed, state unusable" \
	'eps[0]["dane"]["state"] == "unusable" and sorted(r["result"] for r in eps[0]["dane"]["records"]) == ["malformed", "unusable"]'

# no TLSA (mx2): no dane finding, column "none"
mxp check $(LABOPTS) --timeout 5 --json smtp://mx2.lab.test
ej "mx2: no TLSA, DANE none" \
	'eps[0]["dane"]["state"] == "none" and eps[0]["columns"]["dane"] == "none" and not any(f["id"].startswith("dane.") for f in eps[0]["findings"])'

# Without --trust-anchor the resolver's AD bit is trusted (Postfix's
# smtp_dns_support_level = dnssec): DANE is not silently lost.
mxp check $NOTA --timeout 5 --json danebad.lab.test
expect_rc 2 "danebad without a trust anchor: still critical (AD bit)"
expect_finding dane.mismatch critical
ej "danebad: validation by the resolver's AD bit" \
	'all(e["dane"]["secure"] and e["dane"]["validation"] == "resolver_ad" for e in eps)'
mxp check $NOTA --timeout 5 --json good.lab.test
expect_finding dane.ok info
mxp check $NOTA --timeout 5 --json daneinsecure.lab.test
expect_finding dane.insecure warning

# the text report: a DANE column, FAIL for danebad, the records in details
mxp check $(LABOPTS) --timeout 5 danebad.lab.test
expect_out '^Pref .* Name +DANE$' "text: the summary table has a DANE column"
expect_out 'mxdanebad\.lab\.test \[127\.0\.0\.31\]:25 .* FAIL$' "text: DANE FAIL for danebad"
expect_out 'TLSA 3 1 1 0000000000000000' "text: the records in the details"
expect_out 'dane\.mismatch' "text: the finding"
finish
