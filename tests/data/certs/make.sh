#!/bin/sh
# make.sh - regenerate the test certificates, keys and DH parameters.
#
# Everything here is test material for tests/unit/test_x509.c and
# tests/unit/test_tls_openssl.c (and the fuzz corpus of fuzz_x509): the
# private keys are public on purpose and protect nothing.  The files are
# committed, so a normal build never runs this script; run it again only
# to change the set (then commit the new files):
#
#     sh tests/data/certs/make.sh
#
# Dates are fixed, not relative to "now", so tests can assert them and the
# good certificates stay valid for 40 years (2024-01-01 .. 2064-01-01):
#
#   root.pem          Test Root CA (RSA 2048, self-signed, CA:TRUE)
#   other-root.pem    an unrelated root, to play an untrusted trust store
#   int.pem           Test Intermediate CA (RSA 2048, CA:TRUE, by root)
#   leaf.pem          mx1.lab.test: SAN DNS mx1.lab.test, mail.lab.test,
#                     IP 127.0.0.31 and ::1; AIA caIssuers + OCSP (by int)
#   chain.pem         leaf.pem + int.pem (what a correct server sends)
#   fullchain.pem     leaf.pem + int.pem + root.pem
#   expired.pem       expired.lab.test, valid 2010-01-01 .. 2011-01-01 (by int)
#   selfsigned.pem    selfsigned.lab.test, self-signed leaf (not a CA)
#   nosan.pem         leaf with CN nosan.lab.test and no SAN (by int)
#   wildcard.pem      *.lab.test (SAN *.lab.test, lab.test) (by int)
#   rsa1024.pem       rsa1024.lab.test with an RSA 1024 key (by int)
#   ec256.pem         ec256.lab.test with an EC P-256 key (by int)
#   ed25519.pem       ed25519.lab.test with an Ed25519 key (by int)
#   dh1024.pem        1024-bit DH group (the "dh key too small" smarthost)
#   dh2048.pem        2048-bit DH group
#
# Each *.pem certificate has its key in *.key, and a DER copy of every
# certificate goes to tests/fuzz/corpus/x509/ as the fuzz seed corpus.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
corpus="$here/../../fuzz/corpus/x509"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$here"

GOOD_START=20240101000000Z
GOOD_END=20640101000000Z

cat >"$work/ca.cnf" <<'EOF'
[ca]
default_ca = ca_test
[ca_test]
dir = WORK
database = $dir/index.txt
new_certs_dir = $dir/new
serial = $dir/serial
default_md = sha256
policy = policy_any
unique_subject = no
email_in_dn = no
[policy_any]
commonName = supplied
organizationName = optional
countryName = optional
[req]
distinguished_name = dn
prompt = no
[dn]
CN = unused
[v3_root]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
[v3_int]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
[v3_leaf]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:mx1.lab.test, DNS:mail.lab.test, IP:127.0.0.31, IP:::1
authorityInfoAccess = caIssuers;URI:http://pki.lab.test/int.crt, OCSP;URI:http://ocsp.lab.test/
[v3_selfsigned]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment, keyCertSign
extendedKeyUsage = serverAuth
subjectKeyIdentifier = hash
subjectAltName = DNS:selfsigned.lab.test
[v3_expired]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:expired.lab.test
[v3_nosan]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
[v3_wildcard]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:*.lab.test, DNS:lab.test
[v3_rsa1024]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:rsa1024.lab.test
[v3_ec256]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:ec256.lab.test
[v3_ed25519]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
authorityKeyIdentifier = keyid:always
subjectAltName = DNS:ed25519.lab.test
EOF
sed -i "s|WORK|$work|" "$work/ca.cnf"
mkdir -p "$work/new"
: >"$work/index.txt"
echo 1000 >"$work/serial"

# key NAME ALGORITHM [OPTIONS...]
key() {
	name=$1
	shift
	openssl genpkey -quiet -algorithm "$@" -out "$name.key"
}

# sign NAME SUBJECT EXTENSIONS START END ISSUER|-selfsign
sign() {
	openssl req -new -config "$work/ca.cnf" -key "$1.key" -subj "$2" \
		-out "$work/$1.csr"
	if [ "$6" = -selfsign ]; then
		set -- "$1" "$2" "$3" "$4" "$5" -selfsign -keyfile "$1.key"
	else
		set -- "$1" "$2" "$3" "$4" "$5" -cert "$6.pem" -keyfile "$6.key"
	fi
	name=$1 ext=$3 start=$4 end=$5
	shift 5
	openssl ca -batch -notext -config "$work/ca.cnf" -extensions "$ext" \
		-startdate "$start" -enddate "$end" -preserveDN "$@" \
		-in "$work/$name.csr" -out "$name.pem" 2>"$work/ca.log" ||
		{ cat "$work/ca.log" >&2; exit 1; }
}

key root RSA -pkeyopt rsa_keygen_bits:2048
sign root "/O=mxprobe test/CN=mxprobe Test Root CA" v3_root \
	$GOOD_START $GOOD_END -selfsign

key other-root RSA -pkeyopt rsa_keygen_bits:2048
sign other-root "/O=elsewhere/CN=Unrelated Root CA" v3_root \
	$GOOD_START $GOOD_END -selfsign

key int RSA -pkeyopt rsa_keygen_bits:2048
sign int "/O=mxprobe test/CN=mxprobe Test Intermediate CA" v3_int \
	$GOOD_START $GOOD_END root

key leaf RSA -pkeyopt rsa_keygen_bits:2048
sign leaf "/O=mxprobe test/CN=mx1.lab.test" v3_leaf \
	$GOOD_START $GOOD_END int

key expired RSA -pkeyopt rsa_keygen_bits:2048
sign expired "/CN=expired.lab.test" v3_expired \
	20100101000000Z 20110101000000Z int

key selfsigned RSA -pkeyopt rsa_keygen_bits:2048
sign selfsigned "/CN=selfsigned.lab.test" v3_selfsigned \
	$GOOD_START $GOOD_END -selfsign

key nosan RSA -pkeyopt rsa_keygen_bits:2048
sign nosan "/O=mxprobe test/CN=nosan.lab.test" v3_nosan \
	$GOOD_START $GOOD_END int

key wildcard RSA -pkeyopt rsa_keygen_bits:2048
sign wildcard "/CN=*.lab.test" v3_wildcard $GOOD_START $GOOD_END int

key rsa1024 RSA -pkeyopt rsa_keygen_bits:1024
sign rsa1024 "/CN=rsa1024.lab.test" v3_rsa1024 $GOOD_START $GOOD_END int

key ec256 EC -pkeyopt ec_paramgen_curve:P-256
sign ec256 "/CN=ec256.lab.test" v3_ec256 $GOOD_START $GOOD_END int

key ed25519 ED25519
sign ed25519 "/CN=ed25519.lab.test" v3_ed25519 $GOOD_START $GOOD_END int

cat leaf.pem int.pem >chain.pem
cat leaf.pem int.pem root.pem >fullchain.pem

# (slow: a minute for the 2048-bit safe prime; progress dots suppressed)
openssl dhparam -out dh1024.pem 1024 2>/dev/null
openssl dhparam -out dh2048.pem 2048 2>/dev/null

mkdir -p "$corpus"
for c in root other-root int leaf expired selfsigned nosan wildcard \
	rsa1024 ec256 ed25519; do
	openssl x509 -in "$c.pem" -outform DER -out "$corpus/$c.der"
done
