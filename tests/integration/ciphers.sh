#!/usr/bin/env bash
# Cipher enumeration (issue #3): `mxprobe ciphers` and `check --deep`
# against the lab's real servers - DHE 1024 behind ECDHE (server order),
# a TLS 1.0/1.1 box with static RSA and CBC, GnuTLS with 3DES, RSA+ECDSA
# on one Postfix, client order, and the good mx1.  The raw hello engine,
# the enumeration, the analyzers and the JSON all run for real; the
# connection budget (accepted + 1 per version, + 0 or 1 for the order
# check) is asserted from the JSON the run reports.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

# ej CHECK-NAME PYTHON-EXPR: evaluate EXPR with `d` = the JSON document,
# `ep(i)` = endpoint i of target 0 and `enum(i)` = its enumeration,
# `ver(i, "TLSv1.2")` = that version object.
ej() {
	if python3 - "$WORK/out" "$2" >"$WORK/aj" 2>&1 <<'EOF'
import json, sys
d = json.load(open(sys.argv[1]))
def ep(i=0): return d["targets"][0]["endpoints"][i]
def enum(i=0): return ep(i)["enumeration"]
def ver(i, name): return [v for v in enum(i)["versions"] if v["version"] == name][0]
def suites(i, name): return ver(i, name)["suites"]
r = eval(sys.argv[2])
if not r:
    print("false:", sys.argv[2])
    sys.exit(1)
EOF
	then ok "$1"; else cat "$WORK/aj"; not_ok "$1"; fi
}

# The budget of every version of every enumerated endpoint.
BUDGET='all(v["connections"] - v["order_connections"] <= len(v["suites"]) + 2 and v["order_connections"] <= 1 for t in d["targets"] for e in t["endpoints"] if "enumeration" in e for v in e["enumeration"]["versions"]) and all(e["enumeration"]["connections"] == sum(v["connections"] + v["group_connections"] for v in e["enumeration"]["versions"]) for t in d["targets"] for e in t["endpoints"] if "enumeration" in e and e["enumeration"]["retries"] == 0)'

LAB4="--resolver $MXPROBE_LAB_RESOLVER --ca-file $MXPROBE_LAB_CA --timeout 5"

# --- dhe1024: the seed case ---------------------------------------------------
mxp ciphers $LAB4 --json smtp://dhe1024.lab.test
expect_rc 2 "dhe1024: DH 1024 is critical"
expect_schema
expect_finding kex.dh_1024 critical
ej "dhe1024: kex.dh_1024 names the known prime" \
	'any("Postfix built-in" in f["evidence"] and "DH 1024" in f["evidence"] for f in ep()["findings"] if f["id"] == "kex.dh_1024")'
ej "dhe1024: the DHE suites carry the prime, 1024 bits, safe" \
	'all(s["dh_prime"] and s["dh_prime"].startswith("Postfix built-in") and s["kx_bits"] == 1024 and s["dh_safe_prime"] is True for s in suites(0, "TLSv1.2") if s["kx"] == "DH")'
ej "dhe1024: TLS 1.2 only" \
	'ver(0, "TLSv1.2")["state"] == "accepted" and all(ver(0, n)["state"] == "refused" for n in ("TLSv1.3", "TLSv1.1", "TLSv1", "SSLv3"))'
ej "dhe1024: server order detected" 'ver(0, "TLSv1.2")["server_order"] is True'
ej "dhe1024: ECDHE ranked before every DHE suite" \
	'max(s["rank"] for s in suites(0, "TLSv1.2") if s["kx"] == "ECDH") < min(s["rank"] for s in suites(0, "TLSv1.2") if s["kx"] == "DH")'
ej "dhe1024: ECDHE on P-256 only" \
	'{s["group"] for s in suites(0, "TLSv1.2") if s["kx"] == "ECDH"} == {"secp256r1"} and [g["name"] for g in enum()["groups"]] == ["secp256r1"]'
# The order is told by the picks leaving our order (free) or, when a slot
# would idle, by lane 1's early order probe (one connection).
ej "dhe1024: connections accepted + 1 per version, order for at most one" \
	'ver(0, "TLSv1.2")["connections"] == len(suites(0, "TLSv1.2")) + 1 + ver(0, "TLSv1.2")["order_connections"] and ver(0, "TLSv1.2")["order_connections"] <= 1'
ej "dhe1024: connection budget" "$BUDGET"
expect_finding kex.dh_common_prime warning
expect_finding version.no_tls13 info
expect_no_finding suite.insecure

mxp ciphers $LAB4 smtp://dhe1024.lab.test
expect_out 'DH 1024 \(Postfix built-in 1024-bit' "text: the key exchange names the prime"
expect_out 'ECDH secp256r1' "text: ECDH with its curve"
expect_out 'TLSv1.2 +accepted, [0-9]+ suites, server order' "text: version line"
expect_out "dh key too small" "text: the OpenSSL failure is named"

# --- legacy: TLS 1.0/1.1, DHE 1024 + static RSA, CBC ------------------------
mxp ciphers $LAB4 --json smtp://legacy.lab.test
expect_schema
expect_finding version.tls10 warning
expect_finding version.tls11 warning
expect_finding suite.no_forward_secrecy warning
expect_finding suite.cbc_legacy
expect_finding kex.dh_1024 critical
ej "legacy: TLS 1.0 and 1.1 accepted, 1.2 answered with 1.1" \
	'ver(0, "TLSv1")["state"] == "accepted" and ver(0, "TLSv1.1")["state"] == "accepted" and ver(0, "TLSv1.2")["state"] == "refused" and "TLSv1.1" in ver(0, "TLSv1.2")["refusal"]'
ej "legacy: static RSA and DHE suites seen" \
	'{s["openssl"] for s in suites(0, "TLSv1")} >= {"AES128-SHA", "DHE-RSA-AES128-SHA"}'
ej "legacy: connection budget" "$BUDGET"

# --- 3des: GnuTLS behind implicit TLS -----------------------------------------
mxp ciphers $LAB4 --timeout 3 --json smtps://3des.lab.test:465
expect_schema
expect_finding suite.insecure
# The lab's gnutls-serv speaks no SMTP after TLS: the probe of `ciphers`
# ends once TLS is up instead of waiting --timeout for a greeting.
ej "3des: the probe ends at TLS, no greeting wait" \
	'ep()["smtp"]["stop"] == "none" and ep()["total_ms"] < 3000'
ej "3des: suite.insecure names 3DES" \
	'any("3DES" in f["evidence"] for f in ep()["findings"] if f["id"] == "suite.insecure")'
ej "3des: a 3DES suite accepted, graded insecure" \
	'any("3DES" in (s["iana"] or "") and s["grade"] == "insecure" for v in enum()["versions"] for s in v["suites"])'
ej "3des: connection budget" "$BUDGET"

# --- dual: RSA and ECDSA certificates -----------------------------------------
mxp ciphers $LAB4 --json smtp://dual.lab.test
expect_schema
ej "dual: both an RSA and an EC certificate key" \
	'any(k.startswith("RSA") for k in enum()["cert_keys"]) and any(k.startswith("EC") for k in enum()["cert_keys"])'
ej "dual: ECDSA suites carry the EC key, RSA suites the RSA key" \
	'all(s["auth_key"].startswith("EC") for s in suites(0, "TLSv1.2") if "ECDSA" in s["iana"]) and all(s["auth_key"].startswith("RSA") for s in suites(0, "TLSv1.2") if "_RSA_" in s["iana"] and "anon" not in s["iana"])'
ej "dual: TLS 1.3 accepted" 'ver(0, "TLSv1.3")["state"] == "accepted"'
ej "dual: connection budget" "$BUDGET"

# --- clientorder ----------------------------------------------------------------
mxp ciphers $LAB4 --json smtp://clientorder.lab.test
expect_schema
expect_finding order.client_preference
ej "clientorder: client order detected with one extra connection" \
	'ver(0, "TLSv1.2")["server_order"] is False and ver(0, "TLSv1.2")["order_connections"] == 1'
ej "clientorder: DHE with ffdhe2048" \
	'any(s["dh_prime"] == "ffdhe2048" and s["kx_bits"] == 2048 for s in suites(0, "TLSv1.2"))'
expect_no_finding kex.dh_1024
ej "clientorder: connection budget" "$BUDGET"

# --- mx1: the good server -------------------------------------------------------
mxp ciphers $LAB4 --json smtp://mx1.lab.test
expect_schema
ej "mx1: TLS 1.3 accepted with its suites and groups" \
	'ver(0, "TLSv1.3")["state"] == "accepted" and len(suites(0, "TLSv1.3")) >= 2 and any("TLSv1.3" in g["versions"] for g in enum()["groups"])'
ej "mx1: no critical kex.* or suite.* finding" \
	'not any(f["severity"] == "critical" and f["id"].split(".")[0] in ("kex", "suite") for e in d["targets"][0]["endpoints"] for f in e["findings"])'
expect_no_finding enum.incomplete
expect_no_finding version.no_tls13
ej "mx1: connection budget" "$BUDGET"
# Postfix uses the client's order by default: lane 1 tells it early and
# enumerates half of the TLS 1.2 candidates on the second connection.
ej "mx1: TLS 1.2 client order told early by lane 1" \
	'ver(0, "TLSv1.2")["server_order"] is False and "our last find offered before our first" in ver(0, "TLSv1.2")["order_method"]'
ej "mx1: connections reported" \
	'all(e["enumeration"]["connections"] > 0 and e["enumeration"]["per_host_cap"] >= 1 for e in d["targets"][0]["endpoints"])'

# --- check --deep ----------------------------------------------------------------
mxp check $LAB4 --deep --json smtp://dhe1024.lab.test
expect_rc 2 "check --deep: DH 1024 is critical"
expect_schema
expect_finding kex.dh_1024 critical
ej "check --deep: the endpoint carries its enumeration" \
	'ver(0, "TLSv1.2")["state"] == "accepted" and enum()["connections"] > 0'
mxp check $LAB4 --json smtp://dhe1024.lab.test
ej "check without --deep: no enumeration" '"enumeration" not in ep()'
expect_no_finding kex.dh_1024
mxp check $LAB4 --deep smtp://dhe1024.lab.test
expect_out 'Cipher enumeration \(--deep\)' "check --deep text: the enumeration follows the report"
mxp certs $LAB4 --deep smtp://dhe1024.lab.test
expect_rc 3 "--deep is for check only"

# A bare name given to ciphers or certs is the host to look at: no MX
# lookup, no dns.no_mx (issue 11 point 5).
mxp ciphers $LAB4 --json dhe1024.lab.test
[ "$($AJ get "$WORK/out" targets.0.kind)" = host ] && ok "ciphers: a bare name is a host target" || not_ok "ciphers bare name kind"
expect_no_finding dns.no_mx
[ -n "$($AJ get "$WORK/out" targets.0.endpoints.0.enumeration.versions)" ] && ok "ciphers enumerated the bare-named host" || not_ok "no enumeration"
mxp certs $LAB4 --json mx1.lab.test
expect_rc 0 "certs on a bare host name"
[ "$($AJ get "$WORK/out" endpoint.host)" = mx1.lab.test ] && [ "$($AJ get "$WORK/out" endpoint.preference)" = None ] &&
	ok "certs: a bare name is the host itself (no MX preference)" || not_ok "certs bare name: $($AJ get "$WORK/out" endpoint)"
expect_no_finding dns.no_mx

finish
