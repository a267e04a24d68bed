#!/bin/bash
# bench/run.sh - mxprobe against sslscan, testssl.sh and nmap on the lab.
#
# Purpose: issue #3 point 10.  For each lab endpoint with planted TLS
# defects, run every tool once per network condition and print, side by
# side, the wall time, the TCP connections each tool opened (SYNs counted
# from a tcpdump capture on lo, one capture per run) and which planted
# defects its output reveals (found / missed / false positive), scored
# against a ground truth established with real OpenSSL and GnuTLS
# handshakes before the tools run (bench/score.py truth).
#
# Usage: sudo bench/run.sh [options]
#   --tools LIST        comma list of mxprobe,sslscan,testssl,nmap (default all;
#                       testssl.sh is taken for testssl)
#   --testssl-endpoints LIST  run testssl.sh only on these endpoints (default
#                       all selected; it takes minutes per endpoint)
#   --endpoints LIST    comma list of endpoint names (default: all present)
#   --conditions LIST   plain,rtt50 (default both)
#   --tool-timeout S    bound for mxprobe, sslscan, nmap per run (default 300)
#   --testssl-timeout S bound for testssl.sh per run (default 300)
#   --delay-ms MS       one-way delay of the rtt condition (default 25)
#   --repeat N          run each tool N times per endpoint (default 1): the
#                       first run is captured and scored, the others are
#                       timed only; the table shows the median wall time.
#                       Runs over 60 s (testssl.sh) are not repeated.
#   --mxprobe PATH      the mxprobe binary (default $MXPROBE, then
#                       /tmp/build-bench/mxprobe, ./mxprobe, PATH)
#   --out DIR           results directory (default bench/results/<UTC stamp>)
#   --no-lab-start      do not call tests/lab/lab.sh start
#
# Conditions: "plain" targets the lab address directly over loopback;
# "rtt50" targets bench/delay_relay.py, which listens on 127.0.0.(100+N) in
# front of 127.0.0.N and delays every chunk DELAY_MS each way (50 ms RTT;
# the kernel has no sch_netem, see shared/LAB-NOTES.md).  All tools get the
# IP address, never a name.
#
# Efficiency (mxprobe): before the tools run on an endpoint, score.py
# pathtime times PATH_SAMPLES (7) minimal probe connections on the same path
# (connect, greeting, EHLO, STARTTLS, ClientHello, the server's first
# flight); ideal = mxprobe's SYNs x their median / 2 (the per-host cap);
# efficiency = ideal / mxprobe's (median) wall time.
#
# Output: the tables on stdout (also RESULTS/table.txt); raw outputs,
# captures and per-run metadata in RESULTS/<condition>/<endpoint>/<tool>.*;
# ground truth in RESULTS/truth/<endpoint>.json; versions.txt.
#
# Limits and safety: needs root (tcpdump, nmap SYN scan, the lab).  Installs
# nothing: a missing tool is named with the apt-get line that installs it.
# Every address used is in 127.0.0.0/8; nmap runs with -n and testssl.sh
# with --nodns none, so no tool asks the system resolver.  Every loop runs
# over fixed lists; every tool run is bounded by `timeout`; the relay exits
# by itself after a maximum lifetime and is stopped on exit (by its pid).
# Exit status: 0 tables printed; 1 nothing could be benchmarked; 2 usage,
# not root, or a tool missing.

set -euo pipefail
umask 022

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
TOP=$(dirname "$BENCH")
PROG="bench/run.sh"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3 || echo python3)

TOOLS="mxprobe,sslscan,testssl,nmap"
ENDPOINTS=""
CONDITIONS="plain,rtt50"
TOOL_TIMEOUT=300
TESTSSL_TIMEOUT=300
DELAY_MS=25
REPEAT=1
PATH_SAMPLES=7
MXPROBE_BIN=${MXPROBE:-}
TESTSSL_EPS=""
OUT=""
LAB_START=1

die() { echo "$PROG: $*" >&2; exit 1; }
usage() { sed -n '2,/^$/s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2; exit 2; }
note() { echo "$PROG: $*" >&2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--tools) TOOLS=${2//testssl.sh/testssl}; shift 2 ;;
	--testssl-endpoints) TESTSSL_EPS=$2; shift 2 ;;
	--endpoints) ENDPOINTS=$2; shift 2 ;;
	--conditions) CONDITIONS=$2; shift 2 ;;
	--tool-timeout) TOOL_TIMEOUT=$2; shift 2 ;;
	--testssl-timeout) TESTSSL_TIMEOUT=$2; shift 2 ;;
	--delay-ms) DELAY_MS=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--mxprobe) MXPROBE_BIN=$2; shift 2 ;;
	--out) OUT=$2; shift 2 ;;
	--no-lab-start) LAB_START=0; shift ;;
	-h | --help) usage ;;
	*) echo "$PROG: unknown option $1" >&2; usage ;;
	esac
done
[[ "$REPEAT" =~ ^[0-9]+$ ]] && [ "$REPEAT" -ge 1 ] && [ "$REPEAT" -le 20 ] ||
	{ echo "$PROG: --repeat takes 1 to 20" >&2; exit 2; }
for n in "$TOOL_TIMEOUT" "$TESTSSL_TIMEOUT" "$DELAY_MS"; do
	[[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 7200 ] ||
		{ echo "$PROG: bad number '$n'" >&2; exit 2; }
done

[ "$(id -u)" -eq 0 ] || { echo "$PROG: needs root (tcpdump, nmap, lab)" >&2; exit 2; }

# --- tools ------------------------------------------------------------------
# command -> Debian package
# (the peer tools only when --tools names them)
missing=""
for pair in sslscan:sslscan testssl:testssl.sh nmap:nmap tcpdump:tcpdump \
	openssl:openssl gnutls-cli:gnutls-bin timeout:coreutils; do
	case "${pair%%:*}" in
	sslscan | testssl | nmap)
		[[ ",$TOOLS," == *",${pair%%:*},"* ]] || continue
		;;
	esac
	command -v "${pair%%:*}" >/dev/null 2>&1 || missing="$missing ${pair#*:}"
done
[ -x "$PY" ] || missing="$missing python3"
if [ -n "$missing" ]; then
	echo "$PROG: missing tools; install them with:" >&2
	echo "  apt-get install -y$missing" >&2
	exit 2
fi

if [ -z "$MXPROBE_BIN" ]; then
	for c in /tmp/build-bench/mxprobe "$TOP/mxprobe" "$(command -v mxprobe || true)"; do
		[ -n "$c" ] && [ -x "$c" ] && { MXPROBE_BIN=$c; break; }
	done
fi
MXPROBE_OK=0
if [ -n "$MXPROBE_BIN" ] && "$MXPROBE_BIN" ciphers --help >/dev/null 2>&1; then
	MXPROBE_OK=1
else
	note "mxprobe with a 'ciphers' command not found (tried ${MXPROBE_BIN:-none});" \
		"its column will say 'not available'"
fi

# --- lab --------------------------------------------------------------------
if [ "$LAB_START" = 1 ]; then
	"$TOP/tests/lab/lab.sh" start >&2 || note "lab.sh start failed (exit $?); going on with what answers"
fi
eval "$("$TOP/tests/lab/lab.sh" env)"
RESOLVER=${MXPROBE_LAB_RESOLVER:-127.0.0.21}

# name address port mode  (the rtt relay listens on 127.0.0.(100+N))
ALL_ENDPOINTS="dhe1024 127.0.0.39 25 starttls
legacy 127.0.0.38 25 starttls
3des 127.0.0.40 465 implicit
3des-starttls 127.0.0.40 25 starttls
intolerant 127.0.0.53 25 starttls
mx1 127.0.0.31 25 starttls
bigclient 127.0.0.55 25 starttls"

relay_addr() {
	local last=${1##*.}
	echo "127.0.0.$((last + 100))"
}

tcp_open() {
	"$PY" - "$1" "$2" <<'EOF'
import socket, sys
try:
    socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=3).close()
except OSError:
    sys.exit(1)
EOF
}

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$BENCH/results/$STAMP}
mkdir -p "$OUT/truth"
note "results in $OUT"

SELECTED=""
while read -r name addr port mode; do
	if [ -n "$ENDPOINTS" ] && ! [[ ",$ENDPOINTS," == *",$name,"* ]]; then
		continue
	fi
	case "$addr" in 127.*) ;; *) die "refusing non-loopback $addr" ;; esac
	if tcp_open "$addr" "$port"; then
		SELECTED="$SELECTED$name $addr $port $mode"$'\n'
	else
		note "endpoint $name ($addr:$port) does not answer; skipped"
		echo "$name $addr:$port not answering" >>"$OUT/skipped.txt"
	fi
done <<<"$ALL_ENDPOINTS"
[ -n "$SELECTED" ] || die "no endpoint answers; is the lab up?"

# --- versions ---------------------------------------------------------------
{
	echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
	echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
	echo "mxprobe: $([ "$MXPROBE_OK" = 1 ] && "$MXPROBE_BIN" --help 2>&1 | grep -m1 -o 'mxprobe [0-9][0-9.]*' || echo 'not available') ($MXPROBE_BIN, built from ${MXPROBE_COMMIT:-git $(git -C "$TOP" rev-parse --short HEAD 2>/dev/null || echo '?')})"
	echo "sslscan: $(sslscan --version 2>&1 | sed 's/\x1b\[[0-9;]*m//g' | tr -s ' \t\n' ' ' | sed 's/^ //')"
	echo "testssl.sh: $(dpkg-query -W -f '${Version}' testssl.sh 2>/dev/null)"
	echo "nmap: $(nmap --version | head -n1)"
	echo "tcpdump: $(tcpdump --version 2>&1 | head -n1)"
	echo "openssl: $(openssl version)"
	echo "gnutls-cli: $(gnutls-cli --version 2>&1 | head -n1)"
	echo "python3: $("$PY" --version 2>&1)"
} >"$OUT/versions.txt"

# --- ground truth (outside any capture) -------------------------------------
while read -r name addr port mode; do
	[ -n "$name" ] || continue
	note "truth for $name ($addr:$port, $mode)"
	"$PY" "$BENCH/score.py" truth --addr "$addr" --port "$port" --mode "$mode" \
		--out "$OUT/truth/$name.json" >&2 || note "truth for $name: server not reachable by OpenSSL/GnuTLS"
done <<<"$SELECTED"

# --- cleanup ----------------------------------------------------------------
RELAY_PID=""
CAP_PID=""
cleanup() {
	if [ -n "$CAP_PID" ]; then kill -INT "$CAP_PID" 2>/dev/null || true; fi
	if [ -n "$RELAY_PID" ]; then
		kill -TERM "$RELAY_PID" 2>/dev/null || true
		wait "$RELAY_PID" 2>/dev/null || true
	fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the relay for the rtt condition ----------------------------------------
start_relay() {
	local maps=() name addr port mode ready=$OUT/relay.ready
	while read -r name addr port mode; do
		[ -n "$name" ] || continue
		maps+=(--map "$(relay_addr "$addr"):$port=$addr:$port")
	done <<<"$SELECTED"
	rm -f "$ready"
	# max lifetime: every run of every tool at its bound, plus slack
	"$PY" "$BENCH/delay_relay.py" "${maps[@]}" --delay-ms "$DELAY_MS" --verbose \
		--max-seconds 7200 --conn-lifetime $((TESTSSL_TIMEOUT + 60)) \
		--ready-file "$ready" >"$OUT/relay.log" 2>&1 &
	RELAY_PID=$!
	for _ in $(seq 100); do
		[ -s "$ready" ] && return 0
		kill -0 "$RELAY_PID" 2>/dev/null || break
		sleep 0.1
	done
	cat "$OUT/relay.log" >&2
	die "delay relay did not start"
}

# Measure what the relay really adds (outside any capture): connect to
# banner, and one EHLO round trip, through the relay to the first STARTTLS
# endpoint.  Expected about 4 x and 2 x DELAY_MS.
check_relay() {
	local name addr port mode
	while read -r name addr port mode; do
		[ "$mode" = starttls ] || continue
		"$PY" - "$(relay_addr "$addr")" "$port" <<'PYEOF' | tee "$OUT/relay.check" >&2
import socket, sys, time
t0 = time.monotonic()
s = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
s.settimeout(10)


def more(buf):
    data = s.recv(4096)
    if not data or len(buf) > 65536 or time.monotonic() - t0 > 20:
        sys.exit("relay check: connection closed or no answer")
    return buf + data


buf = b""
while not buf.endswith(b"\r\n"):
    buf = more(buf)
t1 = time.monotonic()
s.sendall(b"EHLO bench.lab.test\r\n")
buf = b""
while b"\r\n250 " not in b"\r\n" + buf:
    buf = more(buf)
t2 = time.monotonic()
s.sendall(b"QUIT\r\n")
s.close()
print("relay check %s:%s: connect to banner %.1f ms, EHLO round trip %.1f ms"
      % (sys.argv[1], sys.argv[2], (t1 - t0) * 1e3, (t2 - t1) * 1e3))
PYEOF
		return 0
	done <<<"$SELECTED"
}

# --- repeated runs: time only ------------------------------------------------
# repeat_runs DIR TOOL TIMEOUT CMD...: REPEAT-1 more runs of CMD (no
# capture, output discarded), then wall_s in the meta becomes the median
# of all runs (the first is kept as wall_first_s, all as wall_runs).  A
# first run over 60 s is not repeated.
repeat_runs() {
	local dir=$1 tool=$2 tmo=$3 first walls r t0 t1
	shift 3
	first=$(grep '^wall_s=' "$dir/$tool.meta" | cut -d= -f2)
	[ "$REPEAT" -gt 1 ] || return 0
	awk -v w="$first" 'BEGIN { exit !(w < 60) }' || return 0
	walls=$first
	for r in $(seq 2 "$REPEAT"); do
		sleep 1
		t0=$(date +%s.%N)
		timeout -k 10 "$tmo" "$@" </dev/null >/dev/null 2>&1 || true
		t1=$(date +%s.%N)
		walls="$walls,$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')"
	done
	{
		grep -v '^wall_s=' "$dir/$tool.meta"
		echo "wall_first_s=$first"
		echo "wall_runs=$walls"
		echo "$walls" | tr , '\n' | sort -g |
			awk '{ v[NR] = $1 } END { printf "wall_s=%.3f\n", NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
	} >"$dir/$tool.meta.new"
	mv "$dir/$tool.meta.new" "$dir/$tool.meta"
}

# --- one run: capture SYNs, time the tool -----------------------------------
# run_one DIR TOOL DST PORT MODE
run_one() {
	local dir=$1 tool=$2 dst=$3 port=$4 mode=$5
	local out=$dir/$tool.out err=$dir/$tool.err pcap=$dir/$tool.pcap
	local tmo=$TOOL_TIMEOUT cmd=() t0 t1 rc=0 syns conns
	case "$tool" in
	mxprobe)
		if [ "$MXPROBE_OK" != 1 ]; then
			printf 'tool=mxprobe\nstatus=not available\n' >"$dir/$tool.na"
			note "$(printf '%-6s %-14s %-8s not available' "$COND" "$EP" "$tool")"
			return 0
		fi
		local target="$dst:$port"
		[ "$mode" = implicit ] && target="smtps://$dst:$port"
		cmd=("$MXPROBE_BIN" ciphers --json --resolver "$RESOLVER" "$target")
		;;
	sslscan)
		cmd=(sslscan --no-colour)
		[ "$mode" = starttls ] && cmd+=(--starttls-smtp)
		cmd+=("$dst:$port")
		;;
	testssl)
		tmo=$TESTSSL_TIMEOUT
		# --warnings off: where testssl.sh would ask "Really proceed?"
		# (e.g. "Your OpenSSL cannot connect" to a TLS 1.0/1.1-only
		# server) it goes on, as a person typing "yes" would; "batch"
		# would stop the scan there.
		cmd=(testssl --quiet --color 0 --warnings off --nodns none)
		[ "$mode" = starttls ] && cmd+=(--starttls smtp)
		cmd+=("$dst:$port")
		;;
	nmap)
		cmd=(nmap -n -Pn -p "$port" --script "ssl-enum-ciphers,ssl-dh-params" "$dst")
		;;
	*) die "unknown tool $tool" ;;
	esac
	case "$dst" in 127.*) ;; *) die "refusing non-loopback $dst" ;; esac

	# Only SYNs to the endpoint's own port count: a lab front that opens
	# its backend on the same address (intolerant: 127.0.0.53:10025) is
	# not the tool's connection.
	# The capture must be running before the tool starts: wait for
	# tcpdump's "listening on" (printed once the filter is attached).
	tcpdump -i lo -nn -U --immediate-mode -w "$pcap" \
		"tcp[tcpflags] & (tcp-syn|tcp-ack) == tcp-syn and dst host $dst and dst port $port" \
		</dev/null 2>"$pcap.log" &
	CAP_PID=$!
	for _ in $(seq 50); do
		grep -q 'listening on' "$pcap.log" 2>/dev/null && break
		sleep 0.1
	done
	grep -q 'listening on' "$pcap.log" || die "tcpdump did not start: $(cat "$pcap.log")"

	# stdout goes to $out as is, and to $out.ts with the elapsed seconds
	# of each line (when did a tool show what)
	cat /proc/loadavg >"$dir/$tool.loadavg"
	t0=$(date +%s.%N)
	set +e
	timeout -k 10 "$tmo" "${cmd[@]}" </dev/null 2>"$err" |
		"$PY" -u "$BENCH/score.py" stamp "$out" "$out.ts"
	rc=${PIPESTATUS[0]}
	set -e
	t1=$(date +%s.%N)

	# let the last SYN reach the capture, then flush and stop it
	# (--immediate-mode: without it, TPACKET_V3 holds packets for up to
	# a second and SIGINT can drop the last block)
	sleep 1
	kill -INT "$CAP_PID" 2>/dev/null || true
	wait "$CAP_PID" 2>/dev/null || true
	CAP_PID=""
	syns=$(tcpdump -nn -r "$pcap" 2>/dev/null | wc -l)
	# A connection is a distinct (source, initial sequence number): the
	# kernel may reuse a local port after TIME_WAIT within one run, so
	# distinct source ports alone undercount (bigclient, 2026-12-07: 82
	# ports for 86 connections).  A retransmitted SYN repeats its ISN.
	tcpdump -nn -S -r "$pcap" 2>/dev/null |
		awk '{ s = ""; for (i = 1; i < NF; i++) if ($i == "seq") s = $(i + 1); sub(/,$/, "", s); print $3, s }' |
		sort -u >"$dir/$tool.syns"
	conns=$(wc -l <"$dir/$tool.syns")
	# the source ports, so score.py can match them to mxprobe's records
	sed 's/ .*//; s/.*\.//' "$dir/$tool.syns" | sort -un >"$dir/$tool.ports"
	{
		echo "tool=$tool"
		echo "cmd=${cmd[*]}"
		echo "dst=$dst:$port"
		echo "rc=$rc"
		echo "timed_out=$([ "$rc" = 124 ] || [ "$rc" = 137 ] && echo 1 || echo 0)"
		echo "timeout_s=$tmo"
		awk -v a="$t0" -v b="$t1" 'BEGIN { printf "wall_s=%.3f\n", b - a }'
		echo "syns=$syns"
		echo "conns=$conns"
		# the per-host cap mxprobe ran with (its default; run.sh
		# passes no --max-conn-per-host)
		[ "$tool" = mxprobe ] && echo "cap=2"
	} >"$dir/$tool.meta"
	repeat_runs "$dir" "$tool" "$tmo" "${cmd[@]}"
	note "$(printf '%-6s %-14s %-8s %7.1f s %5s conns rc=%s' "$COND" "$EP" "$tool" \
		"$(grep '^wall_s=' "$dir/$tool.meta" | cut -d= -f2)" "$conns" "$rc")"
}

IFS=, read -r -a TOOL_LIST <<<"$TOOLS"
IFS=, read -r -a COND_LIST <<<"$CONDITIONS"
for c in "${COND_LIST[@]}"; do
	case "$c" in plain | rtt50) ;; *) echo "$PROG: unknown condition $c" >&2; exit 2 ;; esac
done
for t in "${TOOL_LIST[@]}"; do
	case "$t" in mxprobe | sslscan | testssl | nmap) ;; *) echo "$PROG: unknown tool $t" >&2; exit 2 ;; esac
done

for COND in "${COND_LIST[@]}"; do
	if [ "$COND" = rtt50 ] && [ -z "$RELAY_PID" ]; then
		start_relay
		check_relay || note "relay check failed"
	fi
	while read -r EP addr port mode; do
		[ -n "$EP" ] || continue
		dst=$addr
		[ "$COND" = rtt50 ] && dst=$(relay_addr "$addr")
		dir=$OUT/$COND/$EP
		mkdir -p "$dir"
		# The time of one probe connection on this path, for mxprobe's
		# efficiency: PATH_SAMPLES minimal exchanges (connect, SMTP,
		# STARTTLS, ClientHello, the server's first flight), outside any
		# capture, right before the tools run.
		if [[ ",$TOOLS," == *",mxprobe,"* ]]; then
			"$PY" "$BENCH/score.py" pathtime --addr "$dst" --port "$port" \
				--mode "$mode" --count "$PATH_SAMPLES" \
				--out "$dir/pathtime.json" >&2 ||
				note "path time for $EP: no sample"
			sleep 1
		fi
		for tool in "${TOOL_LIST[@]}"; do
			if [ "$tool" = testssl ] && [ -n "$TESTSSL_EPS" ] &&
				! [[ ",$TESTSSL_EPS," == *",$EP,"* ]]; then
				printf 'tool=testssl\nstatus=left out (--testssl-endpoints)\n' >"$dir/$tool.na"
				continue
			fi
			run_one "$dir" "$tool" "$dst" "$port" "$mode"
			sleep 1 # let the server reap the last connection
		done
	done <<<"$SELECTED"
done

"$PY" "$BENCH/score.py" table "$OUT" | tee "$OUT/table.txt"
echo
echo "versions:"
sed 's/^/  /' "$OUT/versions.txt"
echo "raw outputs: $OUT"
