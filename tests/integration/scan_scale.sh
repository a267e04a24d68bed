#!/usr/bin/env bash
# mxprobe scan at scale (issue 12 points 1 and 5), against the scripted
# many-endpoint server of bench/scale.sh (bench/scale_server.c: SMTP +
# STARTTLS on 127.10.X.Y, built here) rather than the lab:
# - 200 then 2,000 address targets: one JSON line each, every one with a
#   TLS handshake; peak RSS flat (2,000 within 16 MiB of 200);
# - no DNS query at all for address targets (a counting forwarder on
#   loopback sees none: no TLSA lookup of _25._tcp.127.10.0.1);
# - 200 tarpits (accept, never greet) at --timeout 1 --concurrency 50 end
#   in about 1 s x 200 / 50 = 4 s, each with smtp.greeting_timeout (a
#   cap of 16 would take 13 s).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"

[ -x /usr/bin/time ] || skip_or_fail "needs GNU time (/usr/bin/time)"
cc -O2 -o "$WORK/scale_server" "$MXPROBE_SRCDIR/bench/scale_server.c" \
	-lssl -lcrypto 2>"$WORK/cc.err" ||
	{ cat "$WORK/cc.err" >&2; skip_or_fail "cannot build bench/scale_server.c"; }
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$WORK/key.pem" -out "$WORK/cert.pem" -days 2 \
	-subj /CN=scale.test >/dev/null 2>&1 || skip_or_fail "openssl req"

# a port of our own (other tests or the bench may use 127.10/16 too)
PORT=$((20000 + $$ % 20000))
TPORT=$((PORT + 1))
DPORT=$((PORT + 2))
PIDS=
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

start() { # NAME ARGS...: waits for "ready" (10 s at most)
	local name=$1 i
	shift
	"$@" >"$WORK/$name.ready" 2>"$WORK/$name.log" &
	PIDS="$PIDS $!"
	for i in $(seq 1 100); do
		grep -q ready "$WORK/$name.ready" 2>/dev/null && return 0
		sleep 0.1
	done
	cat "$WORK/$name.log" >&2
	skip_or_fail "$name did not start"
}
start greet "$WORK/scale_server" -n 2000 -p $PORT -c "$WORK/cert.pem" \
	-k "$WORK/key.pem" -t 600
start tarpit "$WORK/scale_server" -n 200 -p $TPORT -m tarpit \
	-c "$WORK/cert.pem" -k "$WORK/key.pem" -t 600
: >"$WORK/queries"
start dns python3 "$MXPROBE_SRCDIR/bench/scale_dnscount.py" \
	--listen 127.10.250.53 --port $DPORT --upstream 127.10.250.2 \
	--log "$WORK/queries" --seconds 600

targets() { # N PORT
	local i
	for ((i = 0; i < $1; i++)); do
		echo "smtp://127.10.$((i / 250)).$((i % 250 + 1)):$2"
	done
}

# handshakes FILE: the lines, and those with a TLS version
handshakes() {
	python3 - "$1" <<'P'
import json, sys
n = tls = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    n += 1
    e = d["targets"][0]["endpoints"]
    if e and (e[0].get("tls") or {}).get("version"):
        tls += 1
print(n, tls)
P
}

# Under AddressSanitizer freed memory waits in its quarantine (up to
# 256 MiB) and would read as growth: none for the RSS comparison (no
# effect on a build without it).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"

# scan_n N: scan N greeting endpoints; sets RSS_KB and WALL
scan_n() {
	targets "$1" $PORT >"$WORK/t$1"
	RC=0
	/usr/bin/time -f '%e %M' -o "$WORK/time$1" timeout 300 "$MXPROBE" scan \
		-f "$WORK/t$1" --jsonl "$WORK/out$1" --concurrency 32 \
		--resolver 127.10.250.53:$DPORT >"$WORK/out" 2>"$WORK/err" || RC=$?
	WALL=$(tail -1 "$WORK/time$1" | cut -d' ' -f1)
	RSS_KB=$(tail -1 "$WORK/time$1" | cut -d' ' -f2)
	case "$RC" in 0 | 1) ok "scan of $1 endpoints ran (exit $RC, ${WALL}s, ${RSS_KB} KiB)" ;;
	*) not_ok "scan of $1: exit $RC" ;; esac
	if [ "$(handshakes "$WORK/out$1")" = "$1 $1" ]; then
		ok "$1 lines, $1 handshakes"
	else
		not_ok "$1 endpoints: lines and handshakes $(handshakes "$WORK/out$1")"
	fi
}

scan_n 200
RSS200=$RSS_KB
scan_n 2000
RSS2000=$RSS_KB
if [ "$RSS2000" -le $((RSS200 + 16384)) ]; then
	ok "memory flat: ${RSS200} KiB for 200, ${RSS2000} KiB for 2000"
else
	not_ok "memory grows: ${RSS200} KiB for 200, ${RSS2000} KiB for 2000"
fi
if [ "$(wc -l <"$WORK/queries")" -eq 0 ]; then
	ok "no DNS query for 2,200 address targets"
else
	not_ok "DNS queries for address targets: $(sort "$WORK/queries" | uniq -c | head -5)"
fi

targets 200 $TPORT >"$WORK/tt"
RC=0
/usr/bin/time -f '%e %M' -o "$WORK/timet" timeout 120 "$MXPROBE" scan \
	-f "$WORK/tt" --jsonl "$WORK/outt" --concurrency 50 --timeout 1 \
	--resolver 127.10.250.53:$DPORT >"$WORK/out" 2>"$WORK/err" || RC=$?
WALL=$(tail -1 "$WORK/timet" | cut -d' ' -f1)
if [ "$(grep -c smtp.greeting_timeout "$WORK/outt")" = 200 ]; then
	ok "200 tarpits: 200 greeting timeouts (exit $RC)"
else
	not_ok "tarpits: $(grep -c smtp.greeting_timeout "$WORK/outt") greeting timeouts of 200"
fi
if python3 -c "import sys; sys.exit(not 3.5 <= float(sys.argv[1]) <= 10)" "$WALL"; then
	ok "200 tarpits at --concurrency 50 --timeout 1: ${WALL}s (expected about 4)"
else
	not_ok "200 tarpits took ${WALL}s (expected about 4)"
fi

finish
