#!/usr/bin/env bash
# check on a server that drops ClientHellos (issue 11 points 4, 5): the
# lab's intolerant front drops any hello offering AES-GCM (FIN); check,
# without --deep, bisects it and its fixes name only client settings a
# real handshake of that run negotiated with - checked here once more
# with openssl s_client and gnutls-cli, and for the suites they offer.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

J=$WORK/out
has_enum() {	# the first endpoint has an enumeration object
	python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["targets"][0]["endpoints"][0]; sys.exit(0 if isinstance(e.get("enumeration"), dict) else 1)' "$J"
}
mxp check $(LABOPTS) --timeout 5 --json intolerant.lab.test
expect_rc 2 "intolerant front: critical"
expect_finding tls.handshake_failed critical
expect_finding tls.hello_intolerance critical
[ "$($AJ get "$J" targets.0.endpoints.0.tls.fail)" = eof ] &&
	ok "the probe's handshake ended in FIN" || not_ok "fail kind"
[ "$($AJ get "$J" targets.0.endpoints.0.enumeration.intolerance.trigger)" = "AES-GCM suites" ] &&
	ok "check (no --deep) bisected: trigger AES-GCM suites" || not_ok "no bisection"

# The fix of tls.handshake_failed, and the strings the run tested.
fix=$(python3 - "$J" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for f in d["targets"][0]["endpoints"][0]["findings"]:
    if f["id"] == "tls.handshake_failed":
        print(f["fix"])
PY
)
echo "# fix: $fix"
list=$(printf '%s' "$fix" | sed -n "s/.*OpenSSL cipher list '\([^']*\)'.*/\1/p")
suites=$(printf '%s' "$fix" | sed -n "s/.*TLS 1.3 ciphersuites '\([^']*\)'.*/\1/p")
prio=$(printf '%s' "$fix" | sed -n "s/.*GnuTLS priority '\([^']*\)'.*/\1/p")
[ -n "$list" ] && ok "the fix names an OpenSSL cipher list: $list" || not_ok "no cipher list in the fix"
[ -n "$prio" ] && ok "the fix names a GnuTLS priority: $prio" || not_ok "no priority in the fix"
t_list=$($AJ get "$J" targets.0.endpoints.0.enumeration.intolerance.advice_openssl)
t_suites=$($AJ get "$J" targets.0.endpoints.0.enumeration.intolerance.advice_openssl_ciphersuites)
t_ok=$($AJ get "$J" targets.0.endpoints.0.enumeration.intolerance.advice_ok)
[ "$list" = "$t_list" ] && [ "$suites" = "$t_suites" ] && [ "$t_ok" = True -o "$t_ok" = true ] &&
	ok "that list and its TLS 1.3 suites passed a real handshake in the run" ||
	not_ok "fix '$list'/'$suites' vs tested '$t_list'/'$t_suites' ok=$t_ok"
python3 - "$J" "$prio" <<'PY' && ok "that priority passed a real handshake in the run" || not_ok "priority not tested"
import json, sys
d = json.load(open(sys.argv[1]))
cl = d["targets"][0]["endpoints"][0]["enumeration"]["clients"]
sys.exit(0 if any(c.get("advice_gnutls") == sys.argv[2] and c.get("advice_gnutls_ok") is True for c in cl) else 1)
PY

# The strings offer none of what the server drops (AES-GCM), by the
# libraries' own expansion, and work when pasted into the real tools.
if openssl ciphers -s -tls1_2 "$list" | tr ':' '\n' | grep -q GCM; then
	not_ok "the cipher list offers AES-GCM"
else
	ok "the cipher list offers no AES-GCM suite (openssl ciphers)"
fi
case "$suites" in *GCM*) not_ok "TLS 1.3 suites offer AES-GCM: $suites";; *) ok "TLS 1.3 suites without AES-GCM: $suites";; esac
if gnutls-cli --priority "$prio" --list 2>/dev/null | grep "^TLS_" | grep -q "GCM"; then
	not_ok "the priority offers AES-GCM"
else
	ok "the priority offers no AES-GCM suite (gnutls-cli --list)"
fi
if echo QUIT | timeout 10 openssl s_client -starttls smtp -connect 127.0.0.53:25 \
	-cipher "$list" ${suites:+-ciphersuites "$suites"} -brief 2>&1 | grep -q "Protocol version"; then
	ok "openssl s_client with the pasted settings completes the handshake"
else
	not_ok "openssl s_client with '$list' failed"
fi
if echo QUIT | timeout 10 openssl s_client -starttls smtp -connect 127.0.0.53:25 -brief 2>&1 | grep -q "Protocol version"; then
	not_ok "a default openssl s_client completes too: the front is not intolerant?"
else
	ok "a default openssl s_client fails (the front drops its hello)"
fi
if echo QUIT | timeout 10 gnutls-cli --starttls-proto=smtp --insecure --priority "$prio" \
	-p 25 127.0.0.53 2>&1 | grep -q "Handshake was completed"; then
	ok "gnutls-cli with the pasted priority completes the handshake"
else
	not_ok "gnutls-cli with '$prio' failed"
fi

# One finding per cause: the clients the intolerance hits are one
# client.fails naming them all.
n=$($AJ count-findings "$J" client.fails)
[ "$n" = 1 ] && ok "one client.fails for one cause" || not_ok "client.fails x$n"
expect_schema check

# Text: each setting quoted alone (pasteable), no "(not tested)".
mxp check $(LABOPTS) --timeout 5 intolerant.lab.test
if grep -q "not tested\|'-'" "$J"; then not_ok "text names an untested or empty setting"; else ok "no untested setting in the text"; fi
grep -q "OpenSSL cipher list '$list' with TLS 1.3 ciphersuites '$suites'" "$J" &&
	ok "text: cipher list and TLS 1.3 suites quoted apart" || not_ok "text advice"

# A server that drops every hello: bisected too, and said so.
mxp check $(LABOPTS) --timeout 5 --json smtp://tlsfin.lab.test
fixfin=$(python3 -c "
import json,sys; d=json.load(open('$J'))
print([f['fix'] for f in d['targets'][0]['endpoints'][0]['findings'] if f['id']=='tls.handshake_failed'][0])")
case "$fixfin" in *"drops every ClientHello"*) ok "tlsfin: the fix says every hello is dropped";; *) not_ok "tlsfin fix: $fixfin";; esac
# Silence: one small hello asks whether the server answers at all; the
# lab's tlssilent answers nothing, so nothing more is asked.
mxp check $(LABOPTS) --timeout 2 --json smtp://tlssilent.lab.test
kinds=$(python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["targets"][0]["endpoints"][0]; print(" ".join(c["purpose"]["kind"] for c in e["connections"]))' "$J")
[ "$kinds" = "probe bisect" ] && ok "silence: the probe and one small hello ($kinds)" || not_ok "tlssilent connections: $kinds"
has_enum && not_ok "tlssilent enumerated" || ok "tlssilent: not enumerated (it answers no hello)"

# An alert is an answer: plain check does not enumerate it; --deep
# enumerates every endpoint whose handshake was tried, failed ones too.
mxp check $(LABOPTS) --timeout 5 --json smtp://tlsalert.lab.test
has_enum && not_ok "tlsalert enumerated without --deep" ||
	ok "check: an alert-failed endpoint is not enumerated"
mxp check $(LABOPTS) --timeout 5 --deep --json smtp://tlsalert.lab.test
[ "$($AJ get "$J" targets.0.endpoints.0.tls.completed)" = False ] &&
	has_enum &&
	ok "check --deep enumerates an endpoint whose first handshake failed" || not_ok "tlsalert not enumerated with --deep"
finish
