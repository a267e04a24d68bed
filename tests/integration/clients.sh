#!/usr/bin/env bash
# Client simulation, real-handshake confirmation, tested advice and
# handshake intolerance against the lab's real servers (issue #3):
#   dhe1024.lab.test    Postfix: ECDHE preferred, DHE with a 1024-bit
#                       group after it (DESIGN.md's smarthost)
#   intolerant.lab.test a front that sends FIN after a ClientHello offering
#                       AES-GCM suites and passes CBC-only hellos to Postfix
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

# client PROFILE PYTHON-EXPR: assert on the simulated client `c` (a dict
# of enumeration.clients) of the first endpoint in $WORK/out.
client() {
	if python3 - "$WORK/out" "$1" "$2" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ep = doc["targets"][0]["endpoints"][0]
cs = [c for c in ep["enumeration"]["clients"] if c["profile"] == sys.argv[2]]
assert cs, "no client " + sys.argv[2]
c = cs[0]
assert eval(sys.argv[3]), json.dumps(c, indent=1)
PY
	then ok "client $1: $2"; else cat "$WORK/aj"; not_ok "client $1: $2"; fi
}
intolerance() {
	if python3 - "$WORK/out" "$1" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
i = doc["targets"][0]["endpoints"][0]["enumeration"]["intolerance"]
assert eval(sys.argv[2]), json.dumps(i, indent=1)
PY
	then ok "intolerance: $1"; else cat "$WORK/aj"; not_ok "intolerance: $1"; fi
}
# enumeration PYTHON-EXPR: assert on the first endpoint's enumeration `e`,
# with `v` its versions by name and `f` the endpoint's findings.
enumeration() {
	if python3 - "$WORK/out" "$1" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
ep = doc["targets"][0]["endpoints"][0]
e = ep["enumeration"]
v = {x["version"]: x for x in e["versions"]}
f = ep.get("findings", [])
assert eval(sys.argv[2]), json.dumps(e, indent=1)[:6000]
PY
	then ok "enumeration: $1"; else cat "$WORK/aj"; not_ok "enumeration: $1"; fi
}
text_has() {
	if grep -qF -- "$1" "$WORK/out"; then ok "text shows: $1"
	else not_ok "text lacks: $1"; fi
}

# ---- the DHE-1024 smarthost --------------------------------------------
mxp ciphers $(LABOPTS) --timeout 5 --json smtp://dhe1024.lab.test
expect_schema
expect_finding client.fails warning
expect_no_finding client.prediction_mismatch
expect_no_finding tls.hello_intolerance
# The DHE-only client at security level 2: predicted to fail with
# "dh key too small", and a real OpenSSL handshake fails the same way.
client openssl3-sl2-dhe 'not c["ok"] and "dh key too small" in c["why"] and c["kx"].startswith("DH 1024")'
client openssl3-sl2-dhe 'c["confirmed"] is True and "dh key too small" in c["confirm_detail"]'
# Its advice: a cipher list without DHE, PASS from a real handshake.
client openssl3-sl2-dhe 'c["advice_openssl"].startswith("DEFAULT:!kDHE") and c["advice_openssl_ok"] is True'
client openssl3-sl2-dhe 'c["advice_gnutls"] == "NORMAL:-DHE-RSA:-DHE-DSS" and c["advice_gnutls_ok"] is True'
# Default OpenSSL and GnuTLS clients: ECDHE, predicted and confirmed.
for p in openssl3-sl2 openssl3-sl1 gnutls-normal exim-gnutls postfix; do
	client $p 'c["ok"] and c["kx"].startswith("ECDH ") and c["confirmed"] is True and "ECDHE" in c["confirm_detail"]'
done
# Clients no local stack plays are predicted, not confirmed.
client java17 'c["ok"] and c["confirmed"] is None'

mxp ciphers $(LABOPTS) --timeout 5 smtp://dhe1024.lab.test
expect_rc 2 "DH 1024 is critical"
text_has 'advice: OpenSSL cipher list "DEFAULT:!kDHE:!aNULL:!eNULL:!EXPORT:!RC4:!DES:!3DES:!MD5" PASS'
text_has 'aborts with `dh key too small`'
text_has 'dh key too small as predicted'

# ---- the intolerant front ----------------------------------------------
mxp ciphers $(LABOPTS) --timeout 5 --json smtp://intolerant.lab.test
expect_schema
expect_finding tls.hello_intolerance critical
intolerance 'i["intolerant"] and i["trigger"] == "AES-GCM suites"'
intolerance 'i["reaction"] == "FIN after ClientHello"'
intolerance 'i["advice_openssl"].startswith("DEFAULT:!AESGCM") and i["advice_ok"] is True'
client gnutls-normal 'not c["ok"] and "intolerance" in c["why"] and c["confirmed"] is True'
client gnutls-normal 'c["advice_gnutls_ok"] is True'
# The versions the drops blocked are enumerated again without AES-GCM:
# TLS 1.2 is accepted with Postfix's CBC suites (regression: it was "not
# known", every hello got FIN, and enum.incomplete was raised for it).
enumeration 'v["TLSv1.2"]["state"] == "accepted"'
enumeration 'len(v["TLSv1.2"]["suites"]) >= 2 and all("_CBC_" in s["iana"] for s in v["TLSv1.2"]["suites"])'
enumeration '"TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA" in [s["iana"] for s in v["TLSv1.2"]["suites"]]'
# ... and says what it could not test, and where.
enumeration 'e["untested"]["suites"] == "AES-GCM suites" and "TLSv1.2" in e["untested"]["versions"]'
enumeration 'v["TLSv1.2"]["untested"] == "AES-GCM suites" and v["TLSv1.1"]["untested"] is None'
enumeration '"AES-GCM suites untested in" in e["untested"]["note"] and "TLSv1.2" in e["untested"]["note"]'
# No longer incomplete for TLS 1.2.
enumeration '"TLSv1.2" not in (e["incomplete_reason"] or "")'
enumeration 'not [x for x in f if x["id"] == "enum.incomplete" and "TLSv1.2" in (x.get("evidence") or "")]'
# TLS 1.3 without AES-GCM is answered cleanly (Postfix has TLS <= 1.2).
enumeration 'v["TLSv1.3"]["state"] == "refused" and "FIN" not in v["TLSv1.3"]["refusal"]'

mxp ciphers $(LABOPTS) --timeout 5 smtp://intolerant.lab.test
text_has 'FIN after ClientHello when the ClientHello offers AES-GCM suites'
text_has 'avoid with: OpenSSL cipher list "DEFAULT:!AESGCM'
expect_out '^  TLSv1\.2  accepted, [0-9]+ suites' "text: TLSv1.2 accepted"
if sed -n '/^  TLSv1\.2 /,/^  TLSv1\.1 /p' "$WORK/out" |
	grep -q '^    - *TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA '; then
	ok "text: a CBC suite listed under TLSv1.2"
else
	not_ok "text: no CBC suite under TLSv1.2"
fi
text_has 'AES-GCM suites untested: enumerated again without them'
expect_out '^  AES-GCM suites untested in (TLSv1\.3, )?TLSv1\.2: the server drops hellos offering them' \
	"text: untested class in the intolerance section"
if grep -q 'INCOMPLETE: .*TLSv1\.2' "$WORK/out"; then
	not_ok "text: TLSv1.2 still incomplete"
else
	ok "text: TLSv1.2 not incomplete"
fi
expect_out ' - [0-9]+ connections in ([1-9][0-9]* ms|[1-9][0-9]*\.[0-9] s), at most' \
	"text: enumeration time not rounded down to 0.0 s"

# ---- a TLS 1.0/1.1-only server is old, not intolerant -------------------
# Its protocol_version alert to a TLS 1.3/1.2 hello is version negotiation
# (regression: it was reported as tls.hello_intolerance).
mxp ciphers $(LABOPTS) --timeout 5 --json smtp://legacy.lab.test
expect_no_finding tls.hello_intolerance
expect_no_finding client.prediction_mismatch
expect_finding version.tls10 warning

finish
