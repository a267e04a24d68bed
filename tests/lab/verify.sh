#!/bin/bash
# verify.sh — acceptance battery for the running lab (`lab.sh verify`).
#
# Checks every DNS name with dig against the validating resolver (AD flag,
# NXDOMAIN, SERVFAIL and its speed), every TLS listener with openssl
# s_client (the verification result each one is built to produce), the TLS
# defects with openssl s_client and gnutls-cli (versions, suites, temp keys,
# server vs client order, RSA + ECDSA, 3DES and RC4), the scripted servers'
# dialogues, one delivery into the Maildir, and (labverify.py) DH primes,
# FIN/RST/alert/silence after the ClientHello, the intolerant front, and
# SMTP AUTH.  Prints one line per check; exit 0 when all pass, 1 otherwise.
# Needs the lab running; only talks to loopback addresses.

set -uo pipefail
LAB_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
eval "$("$LAB_SRC/lab.sh" env)"
R=$MXPROBE_LAB_RESOLVER
CA=$MXPROBE_LAB_CA
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
pass=0
fail=0

ok() { echo "ok   $*"; pass=$((pass + 1)); }
bad() { echo "FAIL $*"; fail=$((fail + 1)); }

# dig_expect NAME TYPE STATUS [ANSWER-SUBSTRING]: status and the ad flag
# (NOERROR and NXDOMAIN answers must be validated).
dig_expect() {
	local out status flags
	out=$(dig +dnssec +time=2 +tries=1 @"$R" "$1" "$2" 2>&1)
	status=$(echo "$out" | sed -n 's/.*status: \([A-Z]*\),.*/\1/p')
	flags=$(echo "$out" | sed -n 's/.*;; flags: \([a-z ]*\);.*/\1/p')
	if [ "$status" != "$3" ]; then
		bad "dig $1 $2: status $status, want $3"
		return
	fi
	if [ "$3" != SERVFAIL ] && ! echo " $flags " | grep -q ' ad '; then
		bad "dig $1 $2: no ad flag (flags: $flags)"
		return
	fi
	# dig splits long hex (TLSA) with blanks; compare without them too.
	if [ -n "${4:-}" ] && ! { echo "$out" | grep -v '^;' | grep -v RRSIG |
		grep -qF -- "$4" || echo "$out" | grep -v '^;' | grep -v RRSIG |
		tr -d ' ' | grep -qF -- "$(echo "$4" | tr -d ' ')"; }; then
		bad "dig $1 $2: answer lacks '$4'"
		return
	fi
	ok "dig $1 $2 -> $3${4:+ ($4)}"
}

echo "# DNS via $R (validating)"
dig_expect lab.test MX NOERROR "10 mx1.lab.test."
dig_expect lab.test MX NOERROR "20 mx2.lab.test."
dig_expect lab.test MX NOERROR "30 mx3.lab.test."
dig_expect lab.test DNSKEY NOERROR "DNSKEY"
dig_expect mx1.lab.test A NOERROR 127.0.0.31
dig_expect mx1.lab.test AAAA NOERROR "::1"
dig_expect _25._tcp.mx1.lab.test TLSA NOERROR "3 1 1 $(cat "$MXPROBE_LAB_CERTS/mx1.tlsa311" | tr a-f A-F)"
for pair in mx2:32 mx3:33 selfsigned:32 nochain:33 mismatch:34 expired:35 \
	notls:36 smtp:37 tls454:41 silent:42 endless:43 garbage:44 \
	slowbanner:45 reject554:46 nomx:31 ns1:20 legacy:38 dhe1024:39 \
	3des:40 tlsfin:47 tlsrst:48 tlsalert:49 tlssilent:50 dual:51 \
	clientorder:52 intolerant:53; do
	dig_expect "${pair%%:*}.lab.test" A NOERROR "127.0.0.${pair#*:}"
done
dig_expect good.lab.test MX NOERROR "10 mx1.lab.test."
dig_expect nomx.lab.test MX NOERROR
dig_expect nullmx.lab.test MX NOERROR "MX	0 ."
dig_expect partial.lab.test MX NOERROR "20 missing.lab.test."
dig_expect missing.lab.test A NXDOMAIN
dig_expect missing.lab.test AAAA NXDOMAIN
dig_expect bad-mx.lab.test MX NOERROR "10 servfail.lab.test."
for t in MX A AAAA; do
	start=$(date +%s%N)
	dig_expect servfail.lab.test "$t" SERVFAIL
	ms=$((($(date +%s%N) - start) / 1000000))
	if [ "$ms" -lt 2000 ]; then ok "servfail.lab.test $t answered in ${ms} ms"; else bad "servfail.lab.test $t took ${ms} ms"; fi
done
# Nothing outside lab.test resolves (and nothing leaves loopback).
out=$(dig +time=2 +tries=1 @"$R" example.com A 2>&1)
if echo "$out" | grep -qE 'status: (SERVFAIL|REFUSED)'; then ok "example.com is not resolved"; else bad "example.com: $(echo "$out" | grep status)"; fi

echo "# MTA-STS (nginx on 127.0.0.56:443, issue 11)"
dig_expect _mta-sts.stsok.lab.test TXT NOERROR "v=STSv1; id=20261207T000000;"
dig_expect _smtp._tls.stsok.lab.test TXT NOERROR "v=TLSRPTv1; rua=mailto:tlsrpt@lab.test"
dig_expect _mta-sts.stsnotxt.lab.test TXT NXDOMAIN
for n in stsok stsnocover ststesting ststxtonly stsnotxt; do
	dig_expect "mta-sts.$n.lab.test" A NOERROR 127.0.0.56
done
# sts_expect NAME HTTP-STATUS [BODY-SUBSTRING]: the policy over HTTPS,
# verified with the lab CA, the address handed to curl.
sts_expect() {
	local out code
	out=$(curl -sS --max-time 5 --cacert "$CA" --noproxy '*' \
		--resolve "mta-sts.$1.lab.test:443:127.0.0.56" \
		-w '\n%{http_code} %{content_type}' \
		"https://mta-sts.$1.lab.test/.well-known/mta-sts.txt" 2>&1)
	code=$(echo "$out" | tail -n1)
	case "$code" in
	"$2"*) ;;
	*) bad "policy of $1: got '$code', want $2"; return ;;
	esac
	if [ -n "${3:-}" ] && ! echo "$out" | grep -qF -- "$3"; then
		bad "policy of $1: body lacks '$3'"
		return
	fi
	ok "policy of $1 -> $code${3:+ ($3)}"
}
sts_expect stsok "200 text/plain" "mx: mx1.lab.test"
sts_expect stsnocover "200 text/plain" "mx: *.other.lab.test"
sts_expect ststesting "200 text/plain" "mode: testing"
sts_expect ststxtonly 404
sts_expect stsnotxt "200 text/plain" "mode: enforce"

echo "# TLS listeners (openssl s_client, CAfile $CA)"
# tls_expect LABEL WANT-VERIFY-CODE s_client-args...
tls_expect() {
	local label=$1 want=$2 out code
	shift 2
	out=$(timeout 10 openssl s_client -CAfile "$CA" "$@" </dev/null 2>&1)
	code=$(echo "$out" | sed -n 's/^ *Verify return code: \([0-9]*\).*/\1/p' | tail -1)
	# The final code can be a consequence (mx3: 20 "unable to get local
	# issuer certificate", then 21 "unable to verify the first
	# certificate"); the wanted one may be any error in the path.
	if [ "$code" = "$want" ] || echo "$out" | grep -q "^verify error:num=$want:"; then
		code=$want
		ok "$label: verify code $code ($(echo "$out" | sed -n "s/^verify error:num=$want:\\(.*\\)/\\1/p; s/^ *Verify return code: $want (\\(.*\\))/\\1/p" | head -1))"
	else
		bad "$label: verify code '${code}', want $want"
		echo "$out" | grep -iE 'error|verify' | head -n 5 | sed 's/^/     /'
	fi
}
tls_expect "mx1 127.0.0.31:25 good chain" 0 -starttls smtp -connect 127.0.0.31:25 -servername mx1.lab.test -verify_hostname mx1.lab.test
if [ "$MXPROBE_LAB_IPV6" = 1 ]; then
	tls_expect "mx1 [::1]:25 good chain" 0 -starttls smtp -connect '[::1]:25' -servername mx1.lab.test -verify_hostname mx1.lab.test
fi
tls_expect "mx2 127.0.0.32:25 self-signed" 18 -starttls smtp -connect 127.0.0.32:25 -servername mx2.lab.test
tls_expect "mx3 127.0.0.33:25 intermediate missing" 20 -starttls smtp -connect 127.0.0.33:25 -servername mx3.lab.test
tls_expect "mx3 127.0.0.33:25 with root-and-int.pem" 0 -starttls smtp -connect 127.0.0.33:25 -servername nochain.lab.test -verify_hostname nochain.lab.test -CAfile "$MXPROBE_LAB_ROOT_AND_INT"
tls_expect "mismatch 127.0.0.34:25 chain ok" 0 -starttls smtp -connect 127.0.0.34:25 -servername mismatch.lab.test
tls_expect "mismatch 127.0.0.34:25 name" 62 -starttls smtp -connect 127.0.0.34:25 -servername mismatch.lab.test -verify_hostname mismatch.lab.test
tls_expect "expired 127.0.0.35:25" 10 -starttls smtp -connect 127.0.0.35:25 -servername expired.lab.test
for p in 465 2465; do
	tls_expect "smtp 127.0.0.37:$p implicit TLS" 0 -connect 127.0.0.37:$p -servername smtp.lab.test -verify_hostname smtp.lab.test
done
for p in 587 2587; do
	tls_expect "smtp 127.0.0.37:$p STARTTLS" 0 -starttls smtp -connect 127.0.0.37:$p -servername smtp.lab.test -verify_hostname smtp.lab.test
done
# Chain as sent: mx1 sends leaf + intermediate, not the root; mx3 the leaf only.
n=$(timeout 10 openssl s_client -starttls smtp -connect 127.0.0.31:25 -showcerts </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE')
[ "$n" = 2 ] && ok "mx1 sends 2 certificates" || bad "mx1 sends $n certificates, want 2"
n=$(timeout 10 openssl s_client -starttls smtp -connect 127.0.0.33:25 -showcerts </dev/null 2>/dev/null | grep -c 'BEGIN CERTIFICATE')
[ "$n" = 1 ] && ok "mx3 sends 1 certificate" || bad "mx3 sends $n certificates, want 1"

echo "# TLS defects (openssl s_client, gnutls-cli)"
# sc LABEL WANT-REGEX... -- s_client-args: every WANT-REGEX (grep -E) must
# match the s_client output; a WANT-REGEX starting with ! must not match.
sc() {
	local label=$1 out w miss=""
	shift
	local want=()
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	out=$(timeout 10 openssl s_client "$@" </dev/null 2>&1)
	for w in "${want[@]}"; do
		case "$w" in
		!*) echo "$out" | grep -Eq -- "${w#!}" && miss="$miss [has /${w#!}/]" ;;
		*) echo "$out" | grep -Eq -- "$w" || miss="$miss [no /$w/]" ;;
		esac
	done
	if [ -z "$miss" ]; then
		ok "$label"
	else
		bad "$label:$miss"
		echo "$out" | grep -E 'Temp Key|Cipher is|Protocol|error|alert' | head -n 5 | sed 's/^/     /'
	fi
}
L="-starttls smtp -connect"
sc "legacy 127.0.0.38: TLS 1.0, DHE-RSA-AES128-SHA, DH 1024, chain verified" \
	'Server Temp Key: DH, 1024 bits' 'Protocol +: TLSv1$' 'Cipher is DHE-RSA-AES128-SHA' \
	'Verify return code: 0' -- $L 127.0.0.38:25 -tls1 -cipher 'ALL:@SECLEVEL=0' \
	-CAfile "$CA" -verify_hostname legacy.lab.test
sc "legacy 127.0.0.38: TLS 1.1, static RSA AES128-SHA (no temp key)" \
	'Protocol +: TLSv1.1' 'Cipher is AES128-SHA' '!Server Temp Key' -- \
	$L 127.0.0.38:25 -tls1_1 -cipher 'AES128-SHA:@SECLEVEL=0'
sc "legacy 127.0.0.38: no TLS 1.2" '!Cipher is [A-Z]' -- \
	$L 127.0.0.38:25 -tls1_2 -cipher 'ALL:@SECLEVEL=0'
sc "dhe1024 127.0.0.39: a default client gets ECDHE P-256" \
	'Server Temp Key: ECDH, prime256v1, 256 bits' 'Protocol +: TLSv1.2' \
	'Verify return code: 0' -- $L 127.0.0.39:25 -CAfile "$CA" \
	-verify_hostname dhe1024.lab.test
sc "dhe1024 127.0.0.39: DHE at security level 0 -> DH 1024" \
	'Server Temp Key: DH, 1024 bits' 'Cipher is DHE-RSA-' -- \
	$L 127.0.0.39:25 -cipher 'DHE:@SECLEVEL=0'
sc "dhe1024 127.0.0.39: DHE at security level 2 -> dh key too small" \
	'dh key too small' '!Cipher is [A-Z]' -- $L 127.0.0.39:25 -cipher DHE
sc "dhe1024 127.0.0.39: no TLS 1.3" '!Cipher is [A-Z]' -- $L 127.0.0.39:25 -tls1_3
sc "dhe1024 127.0.0.39: server order (DHE offered first, ECDHE chosen)" \
	'Cipher is ECDHE-RSA-AES128-SHA' -- $L 127.0.0.39:25 -tls1_2 \
	-cipher 'DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA:@SECLEVEL=0'
sc "clientorder 127.0.0.52: client order (DHE offered first, DHE chosen), ffdhe2048" \
	'Cipher is DHE-RSA-AES128-SHA' 'Server Temp Key: DH, 2048 bits' -- \
	$L 127.0.0.52:25 -tls1_2 -cipher 'DHE-RSA-AES128-SHA:ECDHE-RSA-AES128-SHA'
sc "clientorder 127.0.0.52: client order (ECDHE offered first, ECDHE chosen)" \
	'Cipher is ECDHE-RSA-AES128-SHA' -- $L 127.0.0.52:25 -tls1_2 \
	-cipher 'ECDHE-RSA-AES128-SHA:DHE-RSA-AES128-SHA'
sc "clientorder 127.0.0.52: no TLS 1.3, chain verified" '!Cipher is TLS_' \
	'Verify return code: 0' -- $L 127.0.0.52:25 -CAfile "$CA" \
	-verify_hostname clientorder.lab.test
sc "dual 127.0.0.51: TLS 1.3, ECDSA P-256 certificate for ECDSA sigalgs" \
	'New, TLSv1.3, Cipher is' 'Peer signature type: ECDSA' 'Server public key is 256 bit' \
	'Verify return code: 0' -- $L 127.0.0.51:25 -sigalgs ECDSA+SHA256 \
	-CAfile "$CA" -verify_hostname dual.lab.test
sc "dual 127.0.0.51: TLS 1.3, RSA 2048 certificate for RSA sigalgs" \
	'New, TLSv1.3, Cipher is' 'Peer signature type: RSA-PSS' 'Server public key is 2048 bit' \
	'Verify return code: 0' -- $L 127.0.0.51:25 -sigalgs 'RSA-PSS+SHA256:RSA+SHA256' \
	-CAfile "$CA" -verify_hostname dual.lab.test
sc "dual 127.0.0.51: TLS 1.2 ECDHE-ECDSA suite" 'Cipher is ECDHE-ECDSA-AES128-GCM-SHA256' \
	'Server public key is 256 bit' -- $L 127.0.0.51:25 -tls1_2 -cipher ECDHE-ECDSA-AES128-GCM-SHA256
sc "dual 127.0.0.51: TLS 1.2 ECDHE-RSA suite" 'Cipher is ECDHE-RSA-AES128-GCM-SHA256' \
	'Server public key is 2048 bit' -- $L 127.0.0.51:25 -tls1_2 -cipher ECDHE-RSA-AES128-GCM-SHA256
sc "intolerant 127.0.0.53: CBC-only client completes, chain verified" \
	'Cipher is ECDHE-RSA-AES128-SHA' 'Verify return code: 0' -- $L 127.0.0.53:25 \
	-tls1_2 -cipher 'ECDHE-RSA-AES128-SHA:AES256-SHA' -CAfile "$CA" \
	-verify_hostname intolerant.lab.test
sc "intolerant 127.0.0.53: a default client (AES-GCM offered) gets no handshake" \
	'!Cipher is [A-Z]' -- $L 127.0.0.53:25
sc "intolerant backend 127.0.0.53:10465: wrapper mode, GCM not served, CBC is" \
	'Cipher is ECDHE-RSA-AES256-SHA' -- -connect 127.0.0.53:10465 -tls1_2
# gc LABEL WANT-REGEX PRIORITY gnutls-cli-args: gnutls-cli (the stack that can
# still offer 3DES and RC4) against the GnuTLS server behind 127.0.0.40.
gc() {
	local out
	out=$(timeout 10 gnutls-cli --x509cafile="$CA" --verify-hostname=3des.lab.test \
		--sni-hostname=3des.lab.test --priority="$3" "${@:4}" 127.0.0.40 </dev/null 2>&1)
	if echo "$out" | grep -q 'The certificate is trusted' &&
		echo "$out" | grep -Eq -- "- Description: .*$2"; then
		ok "$1"
	else
		bad "$1: no /$2/ or certificate not trusted"
		echo "$out" | grep -E 'Description|Status|rror|ailure' | head -n 4 | sed 's/^/     /'
	fi
}
P3DES='NONE:+VERS-TLS1.2:+3DES-CBC:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL'
PRC4='NONE:+VERS-TLS1.0:+ARCFOUR-128:+SHA1:+RSA:+COMP-NULL:+SIGN-ALL'
gc "3des 127.0.0.40:465 implicit TLS: TLS_RSA_WITH_3DES_EDE_CBC_SHA" \
	'\(TLS1.2-X.509\)-\(RSA\)-\(3DES-CBC\)-\(SHA1\)' "$P3DES" -p 465
gc "3des 127.0.0.40:465 implicit TLS: TLS 1.0 RC4-128 (ARCFOUR)" \
	'\(TLS1.0-X.509\)-\(RSA\)-\(ARCFOUR-128\)-\(SHA1\)' "$PRC4" -p 465
gc "3des 127.0.0.40:465 implicit TLS: a NORMAL client gets TLS 1.3" \
	'\(TLS1.3-X.509\)' NORMAL -p 465
gc "3des 127.0.0.40:25 STARTTLS (relayed): TLS_RSA_WITH_3DES_EDE_CBC_SHA" \
	'\(3DES-CBC\)' "$P3DES" -p 25 --starttls-proto=smtp
sc "3des 127.0.0.40:25 STARTTLS: OpenSSL (no 3DES) still negotiates" \
	'Verify return code: 0' 'Cipher is ' -- $L 127.0.0.40:25 -CAfile "$CA" \
	-verify_hostname 3des.lab.test

echo "# DH primes, TLS failures after the ClientHello, intolerance, SMTP AUTH"
out=$("$PY" "$LAB_SRC/labverify.py" 2>&1)
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^ok')))
fail=$((fail + $(echo "$out" | grep -c '^FAIL')))
if echo "$out" | grep -vqE '^(ok|FAIL) '; then
	bad "labverify.py printed something unexpected (see above)"
fi

echo "# SMTP dialogues"
out=$("$PY" - "$MXPROBE_LAB_MAILDIR" <<'EOF'
import os, smtplib, socket, ssl, sys, time, glob

maildir = sys.argv[1]
def ok(m): print("ok   " + m)
def bad(m): print("FAIL " + m)

def dialogue(addr, lines, timeout=10):
    s = socket.create_connection((addr, 25), timeout=timeout)
    f = s.makefile("rb")
    out = []
    def reply():
        r = []
        while True:
            l = f.readline(4096)
            if not l:
                r.append("<eof>")
                return r
            r.append(l.decode("latin-1").rstrip("\r\n"))
            if l[3:4] != b"-":
                return r
    out.append(reply())
    for c in lines:
        s.sendall(c.encode() + b"\r\n")
        out.append(reply())
    s.close()
    return out

try:
    r = dialogue("127.0.0.36", ["EHLO v.lab.test", "QUIT"])
    if r[0][0].startswith("220 notls.lab.test") and not any("STARTTLS" in l for l in r[1]):
        ok("notls: 220 notls.lab.test, no STARTTLS in EHLO")
    else:
        bad("notls: %r" % r)
except OSError as e:
    bad("notls: %s" % e)

try:
    r = dialogue("127.0.0.41", ["EHLO v.lab.test", "STARTTLS", "NOOP", "QUIT"])
    if (r[0] == ["220 tls454.lab.test ESMTP"] and any("STARTTLS" in l for l in r[1])
            and r[2][0].startswith("454 4.7.0 TLS not available due to temporary reason")
            and r[3][0].startswith("250") and r[4][0].startswith("221")):
        ok("tls454: STARTTLS advertised, 454 4.7.0, session continues, 221")
    else:
        bad("tls454: %r" % r)
except OSError as e:
    bad("tls454: %s" % e)

s = socket.create_connection(("127.0.0.42", 25), timeout=5)
s.settimeout(2)
try:
    d = s.recv(100)
    bad("silent: got %r" % d)
except socket.timeout:
    ok("silent: no banner within 2 s, connection open")
s.close()

s = socket.create_connection(("127.0.0.43", 25), timeout=5)
f = s.makefile("rb")
banner = f.readline()
s.sendall(b"EHLO v.lab.test\r\n")
n = 0
while n < 1000000:
    l = f.readline(200)
    if not l.startswith(b"250-"):
        break
    n += len(l)
s.close()
if banner.startswith(b"220") and n >= 1000000:
    ok("endless: 220, then >= 1 MB of 250- continuation lines")
else:
    bad("endless: banner %r, %d bytes" % (banner, n))

s = socket.create_connection(("127.0.0.44", 25), timeout=5)
data = b""
while True:
    c = s.recv(4096)
    if not c:
        break
    data += c
s.close()
if data.startswith(b"HTTP/1.1 400 Bad Request\r\n") and b"\x1b[2J" in data and b"\x00" in data:
    ok("garbage: HTTP 400 line, ESC[2J, NUL, %d bytes, then close" % len(data))
else:
    bad("garbage: %r" % data[:60])

t0 = time.monotonic()
r = dialogue("127.0.0.45", ["EHLO v.lab.test", "QUIT"])
dt = time.monotonic() - t0
if dt >= 2.9 and r[0][0].startswith("220 slowbanner.lab.test") and not any("STARTTLS" in l for l in r[1]):
    ok("slowbanner: 220 after %.1f s, no STARTTLS" % dt)
else:
    bad("slowbanner: %.1f s %r" % (dt, r))

r = dialogue("127.0.0.46", ["EHLO v.lab.test", "QUIT"])
if r[0] == ["554 5.7.1 No SMTP service here"] and r[1][0].startswith("503") and r[2][0].startswith("221"):
    ok("reject554: 554 5.7.1 banner, 503 to EHLO, 221 to QUIT")
else:
    bad("reject554: %r" % r)

# Delivery: to test@lab.test over STARTTLS on mx1 -> Maildir.
tag = "mxprobe-lab-verify-%d-%d" % (os.getpid(), time.time())
try:
    with smtplib.SMTP("127.0.0.31", 25, timeout=10) as c:
        c.ehlo("verify.lab.test")
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        c.starttls(context=ctx)
        c.ehlo("verify.lab.test")
        c.sendmail("verify@lab.test", ["test@lab.test"],
                   "From: verify@lab.test\r\nTo: test@lab.test\r\nSubject: %s\r\n\r\nhello\r\n" % tag)
    found = None
    for _ in range(100):
        for p in glob.glob(os.path.join(maildir, "lab.test", "test", "new", "*")):
            with open(p, "rb") as fh:
                if tag.encode() in fh.read():
                    found = p
        if found:
            break
        time.sleep(0.1)
    if found:
        ok("delivery to test@lab.test via mx1 STARTTLS -> %s" % found)
    else:
        bad("delivery: message %s not in %s/lab.test/test/new" % (tag, maildir))
except (OSError, smtplib.SMTPException) as e:
    bad("delivery: %s" % e)
EOF
)
echo "$out"
pass=$((pass + $(echo "$out" | grep -c '^ok')))
fail=$((fail + $(echo "$out" | grep -c '^FAIL')))

echo "# $pass passed, $fail failed"
[ "$fail" -eq 0 ]
