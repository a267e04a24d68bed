#!/usr/bin/env bash
# mxprobe pcap FILE (issue 9, point 5) on captures made here, now, of real
# clients that are not mxprobe against the lab:
#  - tcpdump on lo while `openssl s_client -starttls smtp -tls1_2
#    -servername mx3.lab.test` talks to nochain (127.0.0.33, leaf only):
#    with only the lab root in --ca-file the report names the missing
#    intermediate (cert.chain_incomplete, verification.missing), text and
#    JSON (valid against doc/mxprobe-pcap.schema.json); with root and
#    intermediate the chain verifies; --export writes the leaf;
#  - the same capture as pcapng (tshark -F pcapng), with nanosecond
#    timestamps (tcpdump --time-stamp-precision=nano), and from stdin;
#  - a DHE-only client against dhe1024 (127.0.0.39, Postfix's old
#    built-in 1024-bit group) and against legacy (127.0.0.38, RFC 2409
#    group 2): kex.dh_1024 with the group named;
#  - bad input: no file, not a capture, a capture cut short.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
for t in tcpdump tshark openssl timeout; do
	command -v "$t" >/dev/null 2>&1 || skip_or_fail "$t is missing"
done
python3 -c 'import jsonschema' 2>/dev/null ||
	skip_or_fail "python3-jsonschema is missing"
PSCHEMA="$MXPROBE_SRCDIR/doc/mxprobe-pcap.schema.json"
ROOT="$MXPROBE_LAB_CA" # the lab root only
INT_DN="CN=mxprobe Lab Intermediate CA,O=mxprobe lab"

TD_PID=
# capture FILE FILTER [tcpdump options...] -- then run the client; stop
td_start() {
	local file=$1 filter=$2 _
	shift 2
	tcpdump -i lo --immediate-mode -U -s 0 "$@" -w "$file" "$filter" \
		2>"$WORK/td.err" &
	TD_PID=$!
	for _ in $(seq 1 100); do
		grep -q 'listening on' "$WORK/td.err" && return 0
		kill -0 "$TD_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$WORK/td.err" >&2
	skip_or_fail "tcpdump did not start on lo"
}
td_stop() {
	sleep 0.5
	kill -INT "$TD_PID" 2>/dev/null
	wait "$TD_PID" 2>/dev/null
	TD_PID=
}
ossl() {	# ADDR [openssl options...]: STARTTLS smtp on :25, then QUIT
	local a=$1
	shift
	printf 'QUIT\r\n' | timeout 20 openssl s_client -starttls smtp \
		-connect "$a:25" -crlf -ign_eof "$@" >>"$WORK/client.out" 2>&1
	return 0
}
pcap_schema() {	# DESCRIPTION
	if $AJ validate "$WORK/out" "$PSCHEMA" >"$WORK/aj" 2>&1; then
		ok "$1: JSON valid against doc/mxprobe-pcap.schema.json"
	else
		cat "$WORK/aj"; not_ok "$1: JSON schema"
	fi
}
get() { $AJ get "$WORK/out" "$1" 2>/dev/null; }
# The lab is shared: other tests may talk to the same server while
# tcpdump runs, so pick our session by the SNI our client sent (the
# last one with a ServerHello); prints its index, or 0.
S=0
pick() {	# SNI
	S=$(python3 - "$WORK/out" "$1" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
idx = [i for i, s in enumerate(d["sessions"])
       if s["tls"] and s["tls"]["client_hellos"]
       and s["tls"]["client_hellos"][0]["sni"] == sys.argv[2]
       and s["tls"]["server_hello"]]
print(idx[-1] if idx else 0)
PY
) || S=0
}
expect_get() {	# PATH WANT DESCRIPTION
	local v
	v=$(get "$1")
	if [ "$v" = "$2" ]; then ok "$3"; else not_ok "$3: $1 is '$v', want '$2'"; fi
}
expect_get_prefix() {	# PATH PREFIX DESCRIPTION
	local v
	v=$(get "$1")
	case $v in "$2"*) ok "$3 ($v)" ;; *) not_ok "$3: $1 is '$v', want '$2...'" ;; esac
}
status_last() {	# DESCRIPTION
	local last word
	last=$(tail -n 1 "$WORK/out")
	case $RC in 0) word=OK ;; 1) word=WARNING ;; 3) word=UNKNOWN ;; *) word=CRITICAL ;; esac
	if [ "$last" = "Status: $word (exit $RC)" ] &&
		[ "$(grep -c '^Status: ' "$WORK/out")" = 1 ]; then
		ok "$1: ends with '$last'"
	else
		not_ok "$1: last line '$last'"
	fi
}

# ---- the appliance case: nochain, the intermediate not sent -------------
NOCHAIN="$WORK/nochain.pcap"
td_start "$NOCHAIN" 'host 127.0.0.33 and port 25'
ossl 127.0.0.33 -tls1_2 -servername mx3.lab.test
td_stop
[ -s "$NOCHAIN" ] || skip_or_fail "tcpdump wrote nothing"

mxp pcap "$NOCHAIN" --ca-file "$ROOT" --json
expect_rc 2 "nochain, root only: critical"
pcap_schema "nochain"
expect_finding cert.chain_incomplete critical "127.0.0.33"
pick mx3.lab.test
expect_get "sessions.$S.tls.verification.missing.subject" "$INT_DN" \
	"JSON names the missing intermediate"
expect_get "sessions.$S.tls.verification.verified" False "not verified"
expect_get "sessions.$S.tls.verification.name" mx3.lab.test "checked for the SNI"
expect_get "sessions.$S.tls.client_hellos.0.sni" mx3.lab.test "SNI in the hello"
expect_get "sessions.$S.smtp.starttls_sent" True "STARTTLS seen"
expect_get "sessions.$S.server.port" 25 "server port"
expect_get "sessions.$S.tls.chain.0.issuer" "$INT_DN" "the leaf's issuer"
expect_get format pcap "classic pcap"
if grep -q "did not send the intermediate '$INT_DN' and the trust store does not have it" "$WORK/out"; then
	ok "the finding's evidence names the certificate"
else
	not_ok "evidence does not name '$INT_DN'"
fi

mxp pcap "$NOCHAIN" --ca-file "$ROOT"
expect_rc 2 "nochain text: critical"
status_last "nochain text"
expect_out '^session [0-9]+  127\.0\.0\.1:[0-9]+ -> 127\.0\.0\.33:25  STARTTLS  TLSv1\.2 ' \
	"session header with peers, STARTTLS, version and suite"
expect_out '^CRITICAL cert\.chain_incomplete ' "the finding in the one layout"
expect_out "Missing: +$INT_DN" "text names the missing certificate"
expect_out '^ +\+[0-9]+\.[0-9]{3} ms  server  .*220' "timeline with ms offsets and SMTP codes"

mxp pcap "$NOCHAIN" --ca-file "$MXPROBE_LAB_ROOT_AND_INT" --json
pick mx3.lab.test
expect_no_finding cert.chain_incomplete
expect_no_finding cert.untrusted
expect_get "sessions.$S.tls.verification.verified" True "root + intermediate: verified"

mkdir -p "$WORK/exp"
mxp pcap "$NOCHAIN" --ca-file "$ROOT" --export "$WORK/exp"
if [ -f "$WORK/exp/mx3.lab.test.pem" ] && [ -f "$WORK/exp/chain.pem" ] &&
	openssl x509 -in "$WORK/exp/mx3.lab.test.pem" -noout 2>/dev/null; then
	ok "--export wrote mx3.lab.test.pem and chain.pem"
else
	not_ok "--export: $(ls "$WORK/exp")"
fi
mxp pcap "$NOCHAIN" --ca-file "$ROOT" --export "$WORK/exp"
expect_rc 3 "--export refuses to overwrite without --force"
mxp pcap "$NOCHAIN" --ca-file "$ROOT" --export "$WORK/exp" --force
expect_rc 2 "--export --force"

# the same as pcapng, with nanosecond timestamps, and from stdin
if tshark -r "$NOCHAIN" -F pcapng -w "$WORK/nochain.pcapng" >/dev/null 2>&1; then
	mxp pcap "$WORK/nochain.pcapng" --ca-file "$ROOT" --json
	expect_rc 2 "pcapng: critical"
	pcap_schema "pcapng"
	expect_get format pcapng "pcapng recognised"
	pick mx3.lab.test
	expect_get "sessions.$S.tls.verification.missing.subject" "$INT_DN" \
		"pcapng: the missing intermediate"
else
	not_ok "tshark could not convert to pcapng"
fi
NANO="$WORK/nano.pcap"
td_start "$NANO" 'host 127.0.0.33 and port 25' --time-stamp-precision=nano
ossl 127.0.0.33 -tls1_2 -servername mx3.lab.test
td_stop
mxp pcap "$NANO" --ca-file "$ROOT" --json
expect_rc 2 "nanosecond pcap: critical"
expect_finding cert.chain_incomplete critical
pick mx3.lab.test
d=$(get "sessions.$S.duration_us")
if [ -n "$d" ] && [ "$d" -gt 0 ] && [ "$d" -lt 30000000 ]; then
	ok "nanosecond timestamps read as microseconds ($d us)"
else
	not_ok "duration_us '$d' from a nanosecond file"
fi
RC=0
"$MXPROBE" pcap - --ca-file "$ROOT" --json <"$NOCHAIN" >"$WORK/out" 2>"$WORK/err" || RC=$?
expect_rc 2 "standard input"
expect_get file - "file is -"

# ---- DHE 1024: dhe1024 (Postfix's old built-in group), legacy (RFC 2409)
DHE="$WORK/dhe1024.pcap"
td_start "$DHE" 'host 127.0.0.39 and port 25'
ossl 127.0.0.39 -tls1_2 -cipher 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' -servername pcapcmd-dhe.lab.test
td_stop
mxp pcap "$DHE" --ca-file "$ROOT" --json
pick pcapcmd-dhe.lab.test
pcap_schema "dhe1024"
expect_finding kex.dh_1024 critical
expect_get "sessions.$S.tls.dh.bits" 1024 "DH 1024 bits"
expect_get_prefix "sessions.$S.tls.dh.prime" "Postfix built-in 1024-bit" "Postfix's group named"
expect_get "sessions.$S.tls.cipher" TLS_DHE_RSA_WITH_AES_128_GCM_SHA256 "the DHE suite chosen"
mxp pcap "$DHE" --ca-file "$ROOT"
expect_out 'DH 1024 bits, Postfix built-in 1024-bit' "text: DH size and prime"

LEG="$WORK/legacy.pcap"
td_start "$LEG" 'host 127.0.0.38 and port 25'
ossl 127.0.0.38 -tls1 -cipher 'DHE-RSA-AES128-SHA:@SECLEVEL=0' -servername pcapcmd-legacy.lab.test
td_stop
mxp pcap "$LEG" --ca-file "$ROOT" --json
pick pcapcmd-legacy.lab.test
pcap_schema "legacy"
expect_finding kex.dh_1024 critical
expect_get_prefix "sessions.$S.tls.dh.prime" "RFC 2409 group 2" "RFC 2409 group 2 named"

# ---- bad input ------------------------------------------------------------
mxp pcap "$WORK/does-not-exist.pcap"
expect_rc 3 "no such file"
printf 'this is not a capture\n' >"$WORK/text.pcap"
mxp pcap "$WORK/text.pcap"
expect_rc 3 "not a capture"
if [ "$(wc -l <"$WORK/err")" = 1 ] && [ ! -s "$WORK/out" ]; then
	ok "not a capture: one line on stderr, no report"
else
	not_ok "not a capture: stderr '$(cat "$WORK/err")'"
fi
size=$(stat -c %s "$NOCHAIN")
head -c $((size * 2 / 3)) "$NOCHAIN" >"$WORK/cut.pcap"
mxp pcap "$WORK/cut.pcap" --ca-file "$ROOT" --json
if [ "$RC" -le 2 ]; then ok "a capture cut at 2/3 is reported (exit $RC)"; else not_ok "cut capture: exit $RC"; fi
pcap_schema "cut at 2/3"
head -c $((size - 7)) "$NOCHAIN" >"$WORK/cut.pcap"
mxp pcap "$WORK/cut.pcap" --ca-file "$ROOT" --json
if [ "$RC" -le 2 ]; then ok "a capture cut in its last record is reported (exit $RC)"; else not_ok "cut capture: exit $RC"; fi
pcap_schema "cut in the last record"
expect_get truncated True "truncated"
expect_finding capture.truncated
expect_finding cert.chain_incomplete critical
# every cut of the capture and a few bit flips: never a crash (exit 0-3)
bad=0
for n in $(seq 24 97 "$size"); do
	head -c "$n" "$NOCHAIN" >"$WORK/cut.pcap"
	RC=0
	"$MXPROBE" pcap "$WORK/cut.pcap" --ca-file "$ROOT" --json >/dev/null 2>&1 || RC=$?
	[ "$RC" -le 3 ] || { bad=$((bad + 1)); echo "cut at $n: exit $RC"; }
done
if [ "$bad" = 0 ]; then
	ok "every cut of the capture decodes without a crash"
else
	not_ok "$bad cuts crashed"
fi
finish
