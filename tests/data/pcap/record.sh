#!/usr/bin/env bash
# record.sh - re-record the regression captures of tests/data/pcap/ (issue 9
# point 6): real clients that are not mxprobe (openssl s_client, gnutls-cli,
# swaks, posttls-finger, dig) against the loopback lab's servers, each run
# wrapped in
#
#     tcpdump -i lo --immediate-mode -U -s 0 -w FILE 'host 127.0.0.X and port P'
#
# started and confirmed listening before the client runs and stopped (SIGINT)
# half a second after it ends.  What each file shows and the finding ids a
# correct decoder reports are in EXPECTED (same directory).
#
# Usage (as root: tcpdump, and the lab needs root):
#     sudo tests/data/pcap/record.sh                 # every capture
#     sudo tests/data/pcap/record.sh NAME...         # only these (no .pcap)
#     sudo tests/data/pcap/record.sh --list
#     OUT=/tmp/x sudo -E tests/data/pcap/record.sh   # write elsewhere
#
# The lab is started if needed (tests/lab/lab.sh start, idempotent) and never
# stopped.  Captures differ on every run (random nonces, keys, ports, times);
# the findings do not.  Exit status: 0 all recorded, 1 a capture failed (its
# name is printed), 2 not root or a tool is missing.
#
# Secrets: the lab's AUTH password (MXPROBE_LAB_AUTH_PWFILE) is only ever sent
# inside TLS, so it is not readable in any file here.  The plaintext AUTH
# captures (the lab's 127.0.0.37:2525, Postfix with AUTH in clear, and
# authstub.py, a stand-in server on 127.0.0.61:2525 that answers 535 to
# everything) use the test canary below, which both refuse: test data, not
# a secret, there so a test can grep outputs and exported files for it.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$HERE/../../.." && pwd)
OUT=${OUT:-$HERE}
CANARY_USER=canary@lab.test
CANARY_PW=mxprobe-canary-pw-7Qz
STUB_ADDR=127.0.0.61
STUB_PORT=2525
TMP=$(mktemp -d "${TMPDIR:-/tmp}/mxprobe-record.XXXXXX")
STUB_PID=
cleanup() {
	[ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT

die2() { echo "record.sh: $*" >&2; exit 2; }
[ "$(id -u)" -eq 0 ] || die2 "needs root (tcpdump on lo, the lab)"
for t in tcpdump tshark openssl gnutls-cli swaks posttls-finger dig python3 timeout; do
	command -v "$t" >/dev/null || die2 "missing tool: $t (apt-get install tcpdump tshark openssl gnutls-bin swaks libnet-ssleay-perl libio-socket-ssl-perl postfix bind9-dnsutils python3)"
done
perl -MNet::SSLeay -MIO::Socket::SSL -e 1 2>/dev/null ||
	die2 "swaks needs TLS: apt-get install libnet-ssleay-perl libio-socket-ssl-perl"
"$SRCDIR/tests/lab/lab.sh" start >"$TMP/lab.out" 2>&1 || {
	cat "$TMP/lab.out" >&2
	die2 "the lab did not start"
}
eval "$("$SRCDIR/tests/lab/lab.sh" env)"
export MAIL_CONFIG=$MXPROBE_LAB_POSTFIX_CONFIG	# posttls-finger reads main.cf
CA=$MXPROBE_LAB_CA

# ---- the recorder ---------------------------------------------------------
# rec FILE FILTER [IFACE-OPTS] -- then the client steps are read from the
# function named by $STEPS.  Kept simple: rec_begin / rec_end around steps.
TD_PID=
rec_begin() {	# FILE FILTER [extra tcpdump options...]
	local file=$1 filter=$2
	shift 2
	rm -f "$OUT/$file"
	tcpdump -i lo --immediate-mode -U -s 0 "$@" -w "$OUT/$file" "$filter" 2>"$TMP/td.err" &
	TD_PID=$!
	for _ in $(seq 1 100); do	# at most 10 s
		grep -q 'listening on' "$TMP/td.err" && return 0
		kill -0 "$TD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$TMP/td.err" >&2
	return 1
}
rec_end() {
	sleep 0.5
	kill -INT "$TD_PID" 2>/dev/null
	wait "$TD_PID" 2>/dev/null
	TD_PID=
	grep -E 'packets? captured' "$TMP/td.err" | head -1
}

# The clients.  Every step is bounded by timeout(1); stdin gives each client
# the SMTP it sends after the handshake (QUIT), so the server closes.
ossl() {	# ADDR PORT [openssl options...]: STARTTLS smtp, then QUIT
	local a=$1 p=$2
	shift 2
	printf 'QUIT\r\n' | timeout 20 openssl s_client -starttls smtp \
		-connect "$a:$p" -crlf -ign_eof "$@" >>"$TMP/client.out" 2>&1
	return 0
}
ossl_tls() {	# ADDR PORT [options...]: implicit TLS, then QUIT
	local a=$1 p=$2
	shift 2
	printf 'QUIT\r\n' | timeout 20 openssl s_client \
		-connect "$a:$p" -crlf -ign_eof "$@" >>"$TMP/client.out" 2>&1
	return 0
}
gtls() {	# ADDR PORT [gnutls-cli options...]: STARTTLS smtp
	local a=$1 p=$2
	shift 2
	# gnutls-cli sends EHLO/STARTTLS itself; after the handshake it sends
	# stdin; with EOF it closes (bye) - QUIT first so the server ends.
	(printf 'EHLO gnutls.lab.test\r\n'; sleep 0.5; printf 'QUIT\r\n'; sleep 1) |
		timeout 20 gnutls-cli --starttls-proto=smtp --crlf -p "$p" "$@" "$a" \
		>>"$TMP/client.out" 2>&1
	return 0
}
swk() {	# swaks options...
	timeout 30 swaks --timeout 10 "$@" >>"$TMP/client.out" 2>&1
	return 0
}
labpw() { cat "$MXPROBE_LAB_AUTH_PWFILE"; }
ptf() {	# posttls-finger options... DEST
	timeout 30 posttls-finger "$@" >>"$TMP/client.out" 2>&1
	return 0
}
stub_start() {
	python3 "$HERE/authstub.py" "$STUB_ADDR" "$STUB_PORT" --max 4 \
		--lifetime 60 >"$TMP/stub.out" 2>&1 &
	STUB_PID=$!
	for _ in $(seq 1 50); do
		grep -q ready "$TMP/stub.out" && return 0
		sleep 0.1
	done
	return 1
}
stub_stop() {
	[ -n "$STUB_PID" ] && kill "$STUB_PID" 2>/dev/null
	wait "$STUB_PID" 2>/dev/null
	STUB_PID=
}

# ---- the captures: NAME ADDR PORT; steps in cap_NAME ----------------------
# One line per file (NAME.pcap); see EXPECTED for what each shows.
CAPTURES="
mx1_openssl_tls13 127.0.0.31 25
mx1_openssl_tls12 127.0.0.31 25
mx1_openssl_ipv6 ::1 25
nochain_openssl_tls12 127.0.0.33 25
nochain_openssl_tls13 127.0.0.33 25
dhe1024_openssl_dhe 127.0.0.39 25
dhe1024_openssl_dhe_seclevel2 127.0.0.39 25
dhe1024_openssl_default 127.0.0.39 25
legacy_openssl_tls10 127.0.0.38 25
tls454_openssl 127.0.0.41 25
tlsfin_openssl 127.0.0.47 25
tlsrst_openssl 127.0.0.48 25
tlsalert_openssl 127.0.0.49 25
intolerant_openssl_default 127.0.0.53 25
intolerant_openssl_retry 127.0.0.53 25
mx1_gnutls 127.0.0.31 25
dhe1024_gnutls_dhe 127.0.0.39 25
smtp587_swaks_auth_ok 127.0.0.37 587
smtp2587_swaks_auth_wrong 127.0.0.37 2587
smtp2465_swaks_auth_plain 127.0.0.37 2465
smtp465_openssl_tls12 127.0.0.37 465
mx1_swaks_starttls 127.0.0.31 25
notls_swaks 127.0.0.36 25
reject554_swaks 127.0.0.46 25
garbage_swaks 127.0.0.44 25
authstub_swaks_plaintext 127.0.0.61 2525
smtp2525_swaks_auth_wrong 127.0.0.37 2525
mx1_posttls_finger 127.0.0.31 25
nochain_posttls_finger 127.0.0.33 25
mx1_openssl_tls12_sll 127.0.0.31 25
mx1_openssl_tls12_sll2 127.0.0.31 25
dns_only 127.0.0.21 53
"

cap_mx1_openssl_tls13() { ossl 127.0.0.31 25 -servername mx1.lab.test -CAfile "$CA"; }
cap_mx1_openssl_tls12() { ossl 127.0.0.31 25 -servername mx1.lab.test -CAfile "$CA" -tls1_2; }
cap_mx1_openssl_ipv6() { ossl '[::1]' 25 -servername mx1.lab.test -CAfile "$CA" -tls1_2; }
# The done-when case: the intermediate is not sent; TLS 1.2 so the
# Certificate message is in the clear (TLS 1.3 encrypts it).
cap_nochain_openssl_tls12() { ossl 127.0.0.33 25 -servername mx3.lab.test -CAfile "$CA" -tls1_2; }
cap_nochain_openssl_tls13() { ossl 127.0.0.33 25 -servername mx3.lab.test -CAfile "$CA"; }
# A DHE-only client at security level 0 completes with the 1024-bit group;
# at the default level 2 OpenSSL aborts: "dh key too small".
cap_dhe1024_openssl_dhe() { ossl 127.0.0.39 25 -CAfile "$CA" -cipher 'DHE:@SECLEVEL=0'; }
cap_dhe1024_openssl_dhe_seclevel2() { ossl 127.0.0.39 25 -CAfile "$CA" -cipher DHE; }
cap_dhe1024_openssl_default() { ossl 127.0.0.39 25 -CAfile "$CA"; }
cap_legacy_openssl_tls10() { ossl 127.0.0.38 25 -CAfile "$CA" -tls1 -cipher 'ALL:@SECLEVEL=0'; }
cap_tls454_openssl() { ossl 127.0.0.41 25; }
cap_tlsfin_openssl() { ossl 127.0.0.47 25; }
cap_tlsrst_openssl() { ossl 127.0.0.48 25; }
cap_tlsalert_openssl() { ossl 127.0.0.49 25; }
cap_intolerant_openssl_default() { ossl 127.0.0.53 25; }
# The retry: the default hello (AES-GCM offered) gets a FIN; a second
# connection offering one CBC suite negotiates.  Both in one file.
cap_intolerant_openssl_retry() {
	ossl 127.0.0.53 25
	sleep 0.3
	ossl 127.0.0.53 25 -CAfile "$CA" -tls1_2 -cipher 'ECDHE-RSA-AES128-SHA'
}
cap_mx1_gnutls() {
	gtls 127.0.0.31 25 --x509cafile "$CA" --verify-hostname mx1.lab.test \
		--sni-hostname mx1.lab.test --priority 'NORMAL:-VERS-TLS1.3'
}
cap_dhe1024_gnutls_dhe() {
	gtls 127.0.0.39 25 --x509cafile "$CA" --verify-hostname dhe1024.lab.test \
		--sni-hostname dhe1024.lab.test \
		--priority 'NORMAL:-VERS-TLS1.3:-KX-ALL:+DHE-RSA:%PROFILE_LOW'
}
cap_smtp587_swaks_auth_ok() {
	swk --server 127.0.0.37 --port 587 --tls --ehlo swaks.lab.test \
		--auth PLAIN --auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password "$(labpw)" \
		--from "$MXPROBE_LAB_VERIFIED_SENDER" --to test@lab.test
}
cap_smtp2587_swaks_auth_wrong() {
	swk --server 127.0.0.37 --port 2587 --tls --ehlo swaks.lab.test \
		--auth LOGIN --auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password not-the-password \
		--from "$MXPROBE_LAB_VERIFIED_SENDER" --to test@lab.test
}
cap_smtp2465_swaks_auth_plain() {
	swk --server 127.0.0.37 --port 2465 --tls-on-connect --ehlo swaks.lab.test \
		--auth PLAIN --auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password "$(labpw)" \
		--from "$MXPROBE_LAB_VERIFIED_SENDER" --to test@lab.test
}
cap_smtp465_openssl_tls12() { ossl_tls 127.0.0.37 465 -servername smtp.lab.test -CAfile "$CA" -tls1_2; }
cap_mx1_swaks_starttls() {
	swk --server 127.0.0.31 --port 25 --tls --ehlo swaks.lab.test \
		--from probe@lab.test --to test@lab.test
}
cap_notls_swaks() {
	swk --server 127.0.0.36 --port 25 --ehlo swaks.lab.test \
		--from probe@lab.test --to test@lab.test
}
cap_reject554_swaks() { swk --server 127.0.0.46 --port 25 --ehlo swaks.lab.test --to test@lab.test; }
cap_garbage_swaks() { swk --server 127.0.0.44 --port 25 --ehlo swaks.lab.test --to test@lab.test; }
cap_authstub_swaks_plaintext() {
	stub_start || { echo "authstub did not start" >&2; return 1; }
	swk --server "$STUB_ADDR" --port "$STUB_PORT" --ehlo swaks.lab.test \
		--auth PLAIN --auth-user "$CANARY_USER" --auth-password "$CANARY_PW" \
		--to test@lab.test
	sleep 0.2
	swk --server "$STUB_ADDR" --port "$STUB_PORT" --ehlo swaks.lab.test \
		--auth LOGIN --auth-user "$CANARY_USER" --auth-password "$CANARY_PW" \
		--to test@lab.test
	stub_stop
}
# The lab's plaintext smarthost (Postfix, no TLS, AUTH in clear): the
# canary user and password only - never the lab password in the clear.
cap_smtp2525_swaks_auth_wrong() {
	swk --server 127.0.0.37 --port 2525 --ehlo swaks.lab.test \
		--auth PLAIN --auth-user "$CANARY_USER" --auth-password "$CANARY_PW" \
		--to test@lab.test
	sleep 0.2
	swk --server 127.0.0.37 --port 2525 --ehlo swaks.lab.test \
		--auth LOGIN --auth-user "$CANARY_USER" --auth-password "$CANARY_PW" \
		--to test@lab.test
}
cap_mx1_posttls_finger() {
	ptf -c -l secure -s mx1.lab.test -F "$CA" '[127.0.0.31]:25' mx1.lab.test
}
cap_nochain_posttls_finger() {
	ptf -c -l secure -s mx3.lab.test -F "$CA" -p '<=TLSv1.2' '[127.0.0.33]:25' mx3.lab.test
}
cap_mx1_openssl_tls12_sll() { cap_mx1_openssl_tls12; }
cap_mx1_openssl_tls12_sll2() { cap_mx1_openssl_tls12; }
# No mail at all: DNS over UDP and over TCP to the lab resolver.
cap_dns_only() {
	timeout 10 dig @127.0.0.21 mx1.lab.test A +tries=1 +time=3 >>"$TMP/client.out" 2>&1
	timeout 10 dig @127.0.0.21 lab.test MX +tcp +tries=1 +time=3 >>"$TMP/client.out" 2>&1
	return 0
}

# Link-layer options per capture (default: lo, Ethernet).
td_opts() {
	case $1 in
	*_sll) echo "-i any -y LINUX_SLL" ;;
	*_sll2) echo "-i any -y LINUX_SLL2" ;;
	esac
}

record_one() {	# NAME ADDR PORT
	local name=$1 addr=$2 port=$3 opts
	opts=$(td_opts "$name")
	# -i given twice: tcpdump uses the last one.
	# shellcheck disable=SC2086
	rec_begin "$name.pcap" "host $addr and port $port" $opts || return 1
	: >"$TMP/client.out"
	"cap_$name"
	rec_end
	[ -s "$OUT/$name.pcap" ] && [ "$(stat -c %s "$OUT/$name.pcap")" -gt 24 ]
}

# ---- derived files (from the captures above, no new traffic) --------------
derive() {
	# The lab's CA as it was when these were recorded: check_expected.py
	# verifies the chains against it, so the captures need no lab.
	cp "$MXPROBE_LAB_CA" "$OUT/lab-root.pem"
	cp "$MXPROBE_LAB_ROOT_AND_INT" "$OUT/lab-root-and-int.pem"
	local s=$OUT/nochain_openssl_tls12.pcap
	if [ -f "$s" ]; then
		tshark -r "$s" -F pcapng -w "$OUT/nochain_openssl_tls12.pcapng"
		# capture.truncated: the file ends 20 bytes into the record of
		# the packet that carries the Certificate message.
		python3 - "$s" "$OUT/nochain_openssl_tls12_truncated.pcap" <<'EOF'
import struct, sys
src, dst = sys.argv[1:]
d = open(src, "rb").read()
off, cut = 24, None
while off + 16 <= len(d):
    caplen = struct.unpack("<I", d[off + 8:off + 12])[0]
    pkt = d[off + 16:off + 16 + caplen]
    if cut is None and b"\x16\x03\x03" in pkt and b"\x0b\x00" in pkt:
        cut = off + 16 + 20
    off += 16 + caplen
open(dst, "wb").write(d[:cut if cut else len(d) // 2])
EOF
	fi
	s=$OUT/dhe1024_openssl_dhe.pcap
	[ -f "$s" ] && tshark -r "$s" -F pcapng -w "$OUT/dhe1024_openssl_dhe.pcapng"
	s=$OUT/intolerant_openssl_retry.pcap
	[ -f "$s" ] && tshark -r "$s" -F pcapng -w "$OUT/intolerant_openssl_retry.pcapng"
	s=$OUT/mx1_openssl_tls12.pcap
	if [ -f "$s" ]; then
		python3 "$HERE/relink.py" raw "$s" "$OUT/mx1_openssl_tls12_raw.pcap"
		python3 "$HERE/relink.py" null "$s" "$OUT/mx1_openssl_tls12_null.pcap"
	fi
	return 0
}

if [ "${1:-}" = --list ]; then
	echo "$CAPTURES" | awk 'NF { print $1 }'
	exit 0
fi
want=" $* "
fails=0
while read -r name addr port; do
	[ -n "$name" ] || continue
	if [ $# -gt 0 ] && [ "${want#* "$name" }" = "$want" ]; then
		continue
	fi
	printf '%-34s ' "$name"
	if record_one "$name" "$addr" "$port"; then
		:
	else
		echo "FAILED: $name" >&2
		fails=$((fails + 1))
	fi
done <<EOF
$CAPTURES
EOF
derive
chmod 0644 "$OUT"/*.pcap "$OUT"/*.pcapng "$OUT"/*.pem 2>/dev/null
[ "$fails" -eq 0 ]
