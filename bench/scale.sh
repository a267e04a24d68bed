#!/bin/bash
# bench/scale.sh - issue 12 point 5: mxprobe over many endpoints.
#
# A scripted SMTP+STARTTLS server (bench/scale_server.c, one process, one
# epoll loop) listens on N loopback addresses 127.10.X.Y:PORT; target
# lists of 100, 1,000 and 10,000 host targets (smtp://127.10.X.Y:PORT) go
# to `mxprobe scan -f` and `mxprobe check`, each under GNU time, with the
# system trust store.  Printed: the growth table (endpoints, wall time,
# endpoints/s, peak RSS, CPU user+sys of mxprobe and of the server, the
# targets that got a TLS handshake, the 1-minute load before and after).
# Then 1,000 tarpitting endpoints (accept, never greet): expected
# timeout x endpoints / concurrency.  Then the peers that take a target
# list on the 100-endpoint set: testssl.sh --file --parallel (-S: the
# server's defaults and certificate) and nmap -iL --script ssl-cert.
#
# Only loopback: the server binds 127.10.0.0/16, the targets are those
# addresses, mxprobe's resolver is a loopback address where nothing
# listens (host targets need no DNS).  Every run is bounded by `timeout`.
# Needs root only for port 25 (--port 2525 otherwise) and --install.
#
#   bench/scale.sh [--install] [--counts "100 1000 10000"] [--concurrency N]
#                  [--port P] [--tarpit-count N] [--tarpit-timeout S]
#                  [--tarpit-concurrency N] [--no-check] [--no-peers]
#                  [--no-tarpit] [--no-testssl] [--run-timeout S]
#                  [--mxprobe PATH] [--out DIR]
set -u

SRC=$(cd "$(dirname "$0")/.." && pwd)
COUNTS="100 1000 10000"
CONC=64
PORT=25
TP_PORT=2526
TP_N=1000
TP_TIMEOUT=2
TP_CONC=100
RUN_TIMEOUT=900
DO_CHECK=1
DO_PEERS=1
DO_TESTSSL=1
DO_TARPIT=1
INSTALL=0
MXPROBE=${MXPROBE:-}
OUT=
# nothing listens there: a DNS query, if any were made, stays on loopback
RESOLVER=127.10.250.1

while [ $# -gt 0 ]; do
	case "$1" in
	--install) INSTALL=1 ;;
	--counts) COUNTS=$2; shift ;;
	--concurrency) CONC=$2; shift ;;
	--port) PORT=$2; shift ;;
	--tarpit-count) TP_N=$2; shift ;;
	--tarpit-timeout) TP_TIMEOUT=$2; shift ;;
	--tarpit-concurrency) TP_CONC=$2; shift ;;
	--run-timeout) RUN_TIMEOUT=$2; shift ;;
	--no-check) DO_CHECK=0 ;;
	--no-peers) DO_PEERS=0 ;;
	--no-testssl) DO_TESTSSL=0 ;; # the slow peer (minutes on 2 cores)
	--no-tarpit) DO_TARPIT=0 ;;
	--mxprobe) MXPROBE=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "scale.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done

if [ "$INSTALL" = 1 ]; then
	# the peers and what builds and measures; not in setup.sh
	DEBIAN_FRONTEND=noninteractive apt-get install -y testssl.sh nmap \
		time gcc libssl-dev openssl python3 || exit 1
fi

for m in "$MXPROBE" "$SRC/build/mxprobe" "$SRC/mxprobe" "$(command -v mxprobe)"; do
	if [ -n "$m" ] && [ -x "$m" ]; then MXPROBE=$m; break; fi
done
[ -x "$MXPROBE" ] || { echo "scale.sh: no mxprobe (--mxprobe PATH)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "scale.sh: needs GNU time (apt-get install time, or --install)" >&2; exit 2; }
TESTSSL=$(command -v testssl.sh || command -v testssl || true)
NMAP=$(command -v nmap || true)

[ -n "$OUT" ] || OUT="$SRC/bench/results/scale-$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
MAXN=0
for n in $COUNTS; do [ "$n" -gt "$MAXN" ] && MAXN=$n; done
# listeners + connections + mxprobe's own
ulimit -n $((MAXN + TP_N + 4096)) 2>/dev/null ||
	ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
echo "scale.sh: results in $OUT; mxprobe $MXPROBE; open files $(ulimit -n)"

cc -O2 -Wall -o "$OUT/scale_server" "$SRC/bench/scale_server.c" -lssl -lcrypto ||
	exit 1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$OUT/key.pem" -out "$OUT/cert.pem" -days 30 \
	-subj /CN=scale.bench >/dev/null 2>&1 || exit 1

SRV_PIDS=
cleanup() {
	local p
	for p in $SRV_PIDS; do kill "$p" 2>/dev/null; done
	for p in $SRV_PIDS; do wait "$p" 2>/dev/null; done
}
trap cleanup EXIT INT TERM

# start_server N PORT MODE LOG: waits (10 s at most) for "ready"
start_server() {
	local i
	"$OUT/scale_server" -n "$1" -p "$2" -m "$3" -c "$OUT/cert.pem" \
		-k "$OUT/key.pem" -t 7200 >"$4.ready" 2>"$4" &
	SRV_PID=$!
	SRV_PIDS="$SRV_PIDS $SRV_PID"
	for i in $(seq 1 100); do
		grep -q ready "$4.ready" 2>/dev/null && return 0
		kill -0 "$SRV_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "scale.sh: the server did not start (see $4)" >&2
	exit 1
}

# the i-th address (0-based), as scale_server numbers them
addr() { echo "127.10.$(($1 / 250)).$(($1 % 250 + 1))"; }

targets() { # N PORT FILE
	local i
	for ((i = 0; i < $1; i++)); do echo "smtp://$(addr "$i"):$2"; done >"$3"
}

load1() { cut -d' ' -f1 /proc/loadavg; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)

ROWS="$OUT/table.tsv"
printf 'tool\tendpoints\twall_s\tendpoints_per_s\tpeak_rss_mib\tcpu_s\tserver_cpu_s\tok\tload_before\tload_after\tnote\n' >"$ROWS"

# measure TOOL N OK_CMD -- COMMAND...: one row of the table
measure() {
	local tool=$1 n=$2 okcmd=$3 tf="$OUT/$1-$2.time" lb la s0 s1 ok rc note
	shift 4
	lb=$(load1)
	s0=$(ticks "$SRV_PID")
	# time outside timeout: a run cut at RUN_TIMEOUT still has its row
	/usr/bin/time -f '%e %M %U %S' -o "$tf" timeout "$RUN_TIMEOUT" "$@" \
		>"$OUT/$tool-$n.out" 2>"$OUT/$tool-$n.err"
	rc=$?
	echo "rc=$rc" >>"$OUT/$tool-$n.err"
	s1=$(ticks "$SRV_PID")
	la=$(load1)
	ok=$(eval "$okcmd" 2>/dev/null || echo "?")
	case $rc in
	124) note="cut at ${RUN_TIMEOUT}s" ;;
	0 | 1 | 2) note="exit $rc" ;; # mxprobe: the worst finding
	*) note="exit $rc" ;;
	esac
	tail -1 "$tf" | awk -v t="$tool" -v n="$n" -v sc="$(((s1 - s0) * 100 / HZ))" \
		-v ok="$ok" -v lb="$lb" -v la="$la" -v note="$note" 'NF == 4 {
		printf "%s\t%d\t%.2f\t%.0f\t%.1f\t%.1f\t%.2f\t%s\t%s\t%s\t%s\n",
		t, n, $1, ($1 > 0 ? n / $1 : 0), $2 / 1024, $3 + $4,
		sc / 100, ok, lb, la, note }
		NF != 4 { printf "%s\t%d\t(no timing: %s)\n", t, n, $0 }' >>"$ROWS"
	tail -1 "$ROWS"
}

# JSON lines (scan) or one document (check): the endpoints with a handshake
OKPY='import json,sys
n=0
def ep(d):
    global n
    for t in d.get("targets",[]):
        for e in t.get("endpoints",[]):
            if (e.get("tls") or {}).get("version"): n+=1
f=open(sys.argv[1])
if sys.argv[2]=="lines":
    for l in f: ep(json.loads(l))
else: ep(json.load(f))
print(n)'

start_server "$MAXN" "$PORT" greet "$OUT/server.log"
MAIN_PID=$SRV_PID
for n in $COUNTS; do
	targets "$n" "$PORT" "$OUT/targets-$n.txt"
	SRV_PID=$MAIN_PID
	measure scan "$n" "python3 -c '$OKPY' '$OUT/scan-$n.jsonl' lines" -- \
		"$MXPROBE" scan -f "$OUT/targets-$n.txt" --jsonl "$OUT/scan-$n.jsonl" \
		--concurrency "$CONC" --resolver "$RESOLVER"
	if [ "$DO_CHECK" = 1 ]; then
		# check takes its targets as arguments; 16 connections at once
		# (fixed)
		measure check "$n" "python3 -c '$OKPY' '$OUT/check-$n.json' doc" -- \
			"$MXPROBE" check $(cat "$OUT/targets-$n.txt") --json \
			-o "$OUT/check-$n.json" --resolver "$RESOLVER"
	fi
done

if [ "$DO_PEERS" = 1 ]; then
	n=$(echo "$COUNTS" | tr ' ' '\n' | sort -n | head -1)
	if [ "$DO_TESTSSL" = 0 ]; then
		:
	elif [ -n "$TESTSSL" ]; then
		for ((i = 0; i < n; i++)); do
			echo "-S --starttls smtp $(addr "$i"):$PORT"
		done >"$OUT/testssl-list-$n.txt"
		measure testssl "$n" "grep -c 'Common Name (CN)' '$OUT/testssl-$n.out'" -- \
			"$TESTSSL" --quiet --color 0 --parallel --warnings off \
			--file "$OUT/testssl-list-$n.txt"
	else
		echo "scale.sh: no testssl.sh (apt-get install testssl.sh, or --install)"
	fi
	if [ -n "$NMAP" ]; then
		for ((i = 0; i < n; i++)); do addr "$i"; done >"$OUT/nmap-list-$n.txt"
		measure nmap "$n" "grep -c 'Subject: commonName' '$OUT/nmap-$n.out'" -- \
			"$NMAP" -Pn -n -p "$PORT" --script ssl-cert \
			-iL "$OUT/nmap-list-$n.txt"
	else
		echo "scale.sh: no nmap (apt-get install nmap, or --install)"
	fi
fi

if [ "$DO_TARPIT" = 1 ]; then
	start_server "$TP_N" "$TP_PORT" tarpit "$OUT/tarpit-server.log"
	targets "$TP_N" "$TP_PORT" "$OUT/targets-tarpit.txt"
	measure scan-tarpit "$TP_N" "grep -c smtp.greeting_timeout '$OUT/scan-tarpit-$TP_N.jsonl'" -- \
		"$MXPROBE" scan -f "$OUT/targets-tarpit.txt" \
		--jsonl "$OUT/scan-tarpit-$TP_N.jsonl" --timeout "$TP_TIMEOUT" \
		--concurrency "$TP_CONC" --resolver "$RESOLVER"
	echo "tarpit: expected about $TP_TIMEOUT s x $TP_N / $TP_CONC = $((TP_TIMEOUT * TP_N / TP_CONC)) s" |
		tee "$OUT/tarpit-expected.txt"
fi

echo
echo "$(date -u +%Y-%m-%dT%H:%MZ), $(nproc) cores, $(uname -r), concurrency $CONC (scan)"
column -t -s "$(printf '\t')" "$ROWS" | tee "$OUT/table.txt"
