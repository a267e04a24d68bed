#!/bin/bash
# bench/watch_scale.sh - issue 10: `mxprobe watch` with N real endpoints
# (default 1,000) in a real terminal (tmux), against bench/scale_server.c
# on 127.10.X.Y:PORT (loopback only; host targets, no DNS).
#
# Printed: the time the first round took (every row probed), the watch
# process's peak and current RSS after it (VmHWM/VmRSS), its CPU while
# idle between rounds (ticks over IDLE seconds), and the tmux screen's
# header line.  The redraw cost itself is bench/tui_redraw's (a curses
# frame cannot be timed from outside the process).
#
#   bench/watch_scale.sh [--count N] [--port P] [--idle S] [--mxprobe PATH]
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
N=1000
PORT=2525
IDLE=10
MXPROBE=${MXPROBE:-$SRC/build/mxprobe}
while [ $# -gt 0 ]; do
	case "$1" in
	--count) N=$2; shift ;;
	--port) PORT=$2; shift ;;
	--idle) IDLE=$2; shift ;;
	--mxprobe) MXPROBE=$2; shift ;;
	*) echo "usage: $0 [--count N] [--port P] [--idle S] [--mxprobe PATH]" >&2; exit 2 ;;
	esac
	shift
done
command -v tmux >/dev/null || { echo "watch_scale.sh: needs tmux" >&2; exit 1; }
OUT=$(mktemp -d /tmp/mxprobe-watch-scale.XXXXXX)
SOCK="$OUT/tmux.sock"
SRV=
cleanup() {
	tmux -S "$SOCK" kill-server 2>/dev/null
	[ -n "$SRV" ] && kill "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$OUT"
}
trap cleanup EXIT INT TERM
cc -O2 -Wall -o "$OUT/scale_server" "$SRC/bench/scale_server.c" -lssl -lcrypto || exit 1
openssl req -x509 -newkey rsa:2048 -nodes -keyout "$OUT/key.pem" \
	-out "$OUT/cert.pem" -days 30 -subj /CN=scale.bench >/dev/null 2>&1 || exit 1
ulimit -n 65536 2>/dev/null
"$OUT/scale_server" -n "$N" -p "$PORT" -m starttls -c "$OUT/cert.pem" \
	-k "$OUT/key.pem" -t 600 >"$OUT/ready" 2>"$OUT/server.log" &
SRV=$!
for _ in $(seq 1 100); do grep -q ready "$OUT/ready" && break; sleep 0.1; done
grep -q ready "$OUT/ready" || { echo "server did not start" >&2; exit 1; }
for ((i = 0; i < N; i++)); do
	echo "smtp://127.10.$((i / 250)).$((i % 250 + 1)):$PORT"
done >"$OUT/targets"

start=$(date +%s.%N)
tmux -S "$SOCK" new-session -d -x 200 -y 60 \
	"env TERM=xterm-256color $MXPROBE watch --resolver 127.10.250.1 --ascii --interval 1h -f $OUT/targets --history $OUT/h.sqlite; sleep 600"
pid=
for _ in $(seq 1 50); do
	pid=$(pgrep -n -f "mxprobe watch --resolver 127.10.250.1" | head -1)
	[ -n "$pid" ] && break
	sleep 0.1
done
[ -n "$pid" ] || { echo "watch did not start" >&2; exit 1; }
# the first round is over when the header says nothing is probing or queued
done_at=
for _ in $(seq 1 6000); do
	hdr=$(tmux -S "$SOCK" capture-pane -p | head -1)
	if echo "$hdr" | grep -q "probing 0" &&
		! tmux -S "$SOCK" capture-pane -p | grep -Eq 'queued|resolve|probe  '; then
		done_at=$(date +%s.%N)
		break
	fi
	sleep 0.1
done
[ -n "$done_at" ] || { echo "the first round did not end in 600 s" >&2; exit 1; }
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
a=$(ticks "$pid")
sleep "$IDLE"
b=$(ticks "$pid")
hwm=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
rows=$(sqlite3 "$OUT/h.sqlite" "SELECT count(*) FROM probes;" 2>/dev/null)
printf 'watch, %d endpoints (smtp://127.10.X.Y:%d, STARTTLS, tmux 200x60), %s, load %s\n' \
	"$N" "$PORT" "$(date -u +%FT%TZ)" "$(cut -d' ' -f1 /proc/loadavg)"
printf '  first round: %.1f s; probes stored: %s\n' "$(echo "$done_at - $start" | bc)" "$rows"
printf '  RSS: peak %d MiB, now %d MiB\n' $((hwm / 1024)) $((rss / 1024))
printf '  idle CPU: %d ticks (1/100 s) in %d s\n' $((b - a)) "$IDLE"
printf '  header: %s\n' "$(tmux -S "$SOCK" capture-pane -p | head -1)"
