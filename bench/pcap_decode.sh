#!/usr/bin/env bash
# pcap_decode.sh - decode speed and memory of `mxprobe pcap` against
# `tshark -Y tls.handshake` on one large capture of mail traffic (issue 9
# point 6: a 1 GiB capture decodes in <= 64 MiB RSS, and faster than
# tshark).
#
# 1. bench/pcap_gen.py builds BIG.pcap (default 1 GiB) by replicating the
#    packets of the regression captures (tests/data/pcap/*.pcap) with
#    rewritten addresses, ports and timestamps, 200 sessions open at once
#    (streaming: it never holds the file in memory).
# 2. Each tool reads it under /usr/bin/time -v, --repeat times, one after
#    the other, with the page cache warmed by a first read of the file:
#      mxprobe pcap BIG --json -o /dev/null  (stdout to /dev/null if
#                                             this mxprobe refuses -o there)
#      tshark -r BIG -Y tls.handshake          (stdout to /dev/null)
# 3. A table: wall time (median of the repeats) and max RSS (largest),
#    exit status, and the two goals.
#
# Usage: bench/pcap_decode.sh [--size 1G] [--mxprobe PATH] [--repeat N]
#            [--tools mxprobe,tshark] [--keep FILE | --reuse FILE]
#            [--dir DIR] [--tool-timeout S] [--concurrency N]
# --keep FILE: keep the generated capture there; --reuse FILE: skip the
# generation and read FILE.  No root and no lab: files only.  Needs
# python3, /usr/bin/time (Debian package `time`) and tshark.
# Exit: 0 both goals met, 1 a goal missed or a tool failed, 2 usage or a
# missing tool.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
SRCDIR=$(cd "$HERE/.." && pwd)
SIZE=1G
REPEAT=1
TOOLS=mxprobe,tshark
MXP=${MXPROBE:-}
KEEP=
REUSE=
DIR=${TMPDIR:-/tmp}
TOOL_TIMEOUT=3600
CONC=200

usage() { sed -n '2,27p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
while [ $# -gt 0 ]; do
	case $1 in
	--size) SIZE=$2; shift 2 ;;
	--repeat) REPEAT=$2; shift 2 ;;
	--tools) TOOLS=$2; shift 2 ;;
	--mxprobe) MXP=$2; shift 2 ;;
	--keep) KEEP=$2; shift 2 ;;
	--reuse) REUSE=$2; shift 2 ;;
	--dir) DIR=$2; shift 2 ;;
	--tool-timeout) TOOL_TIMEOUT=$2; shift 2 ;;
	--concurrency) CONC=$2; shift 2 ;;
	-h|--help) usage ;;
	*) echo "pcap_decode.sh: unknown option $1" >&2; usage ;;
	esac
done
case $REPEAT in ''|*[!0-9]*|0) echo "--repeat wants a number >= 1" >&2; exit 2 ;; esac
[ "$REPEAT" -le 20 ] || { echo "--repeat at most 20" >&2; exit 2; }

need() { command -v "$1" >/dev/null 2>&1 || { echo "pcap_decode.sh: missing $1 ($2)" >&2; exit 2; }; }
need python3 "apt-get install python3"
[ -x /usr/bin/time ] || { echo "pcap_decode.sh: missing /usr/bin/time (apt-get install time)" >&2; exit 2; }
case ",$TOOLS," in *,tshark,*) need tshark "apt-get install tshark" ;; esac
if case ",$TOOLS," in *,mxprobe,*) true ;; *) false ;; esac; then
	if [ -z "$MXP" ]; then
		for c in "$SRCDIR/build/mxprobe" "$SRCDIR/mxprobe" "$(command -v mxprobe 2>/dev/null)"; do
			[ -n "$c" ] && [ -x "$c" ] && { MXP=$c; break; }
		done
	fi
	if [ -z "$MXP" ] || [ ! -x "$MXP" ]; then
		echo "pcap_decode.sh: no mxprobe (--mxprobe PATH or MXPROBE=)" >&2
		exit 2
	fi
	"$MXP" pcap --help >/dev/null 2>&1 || { echo "pcap_decode.sh: $MXP has no pcap command" >&2; exit 2; }
fi

# The report goes to /dev/null: with -o where this mxprobe writes to a
# device (else its stdout is sent there), so the JSON (about 2.7 x the
# capture) is rendered but never stored.
MXP_OUT=()
if [ -n "$MXP" ]; then
	MXP_OUT=(-o /dev/null)
	"$MXP" pcap "$SRCDIR/tests/data/pcap/dns_only.pcap" --json "${MXP_OUT[@]}" \
		>/dev/null 2>&1
	[ $? -le 2 ] || MXP_OUT=()
fi

WORK=$(mktemp -d "$DIR/mxprobe-pcap-bench.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# ---- 1. the capture --------------------------------------------------------
if [ -n "$REUSE" ]; then
	BIG=$REUSE
	[ -r "$BIG" ] || { echo "pcap_decode.sh: cannot read $BIG" >&2; exit 2; }
	echo "# reusing $BIG ($(stat -c %s "$BIG") bytes)"
else
	BIG=${KEEP:-$WORK/big.pcap}
	echo "# generating $SIZE of mail traffic in $BIG"
	python3 "$HERE/pcap_gen.py" "$BIG" --size "$SIZE" --srcdir "$SRCDIR" \
		--concurrency "$CONC" --max-seconds "$TOOL_TIMEOUT" || exit 2
fi
BYTES=$(stat -c %s "$BIG")
cat "$BIG" >/dev/null	# page cache warm for every tool alike

# ---- 2. the runs -------------------------------------------------------------
# run TOOL I: /usr/bin/time -v around the tool; "wall_s rss_kib rc" to stdout
run() {
	local tool=$1 i=$2 tv=$WORK/$1.$2.time rc
	case $tool in
	mxprobe)
		timeout "$TOOL_TIMEOUT" /usr/bin/time -v -o "$tv" \
			"$MXP" pcap "$BIG" --json "${MXP_OUT[@]}" \
			>/dev/null 2>"$WORK/$tool.$i.err"
		;;
	tshark)
		timeout "$TOOL_TIMEOUT" /usr/bin/time -v -o "$tv" \
			tshark -r "$BIG" -Y tls.handshake \
			>/dev/null 2>"$WORK/$tool.$i.err"
		;;
	esac
	rc=$?
	# "Elapsed (wall clock) time (h:mm:ss or m:ss): 1:02.34"
	awk -v rc="$rc" '
		/Elapsed \(wall clock\)/ { n = split($NF, a, ":"); w = 0
			for (k = 1; k <= n; k++) w = w * 60 + a[k] }
		/Maximum resident set size/ { r = $NF }
		END { printf "%.2f %d %d\n", w, r, rc }' "$tv" 2>/dev/null ||
		echo "0 0 $rc"
}

declare -A WALL RSS RC
for tool in ${TOOLS//,/ }; do
	case $tool in mxprobe|tshark) ;; *) echo "unknown tool $tool" >&2; exit 2 ;; esac
	walls=
	maxrss=0
	lastrc=0
	for i in $(seq 1 "$REPEAT"); do
		read -r w r c < <(run "$tool" "$i")
		echo "# $tool run $i: ${w}s, max RSS $((r / 1024)) MiB, exit $c"
		walls="$walls $w"
		[ "$r" -gt "$maxrss" ] && maxrss=$r
		[ "$c" -ne 0 ] && lastrc=$c
	done
	# shellcheck disable=SC2086 # one wall time per word
	WALL[$tool]=$(printf '%s\n' $walls | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
	RSS[$tool]=$maxrss
	RC[$tool]=$lastrc
	if [ "$tool" = mxprobe ] && [ "$lastrc" -gt 2 ]; then
		echo "# mxprobe stderr (last run):"; tail -5 "$WORK/mxprobe.$REPEAT.err"
	fi
done

# ---- 3. the table --------------------------------------------------------------
echo
printf 'capture: %s bytes (%s GiB), %s\n' "$BYTES" "$(awk -v b="$BYTES" 'BEGIN { printf "%.2f", b / 1073741824 }')" \
	"$(python3 - "$BIG" <<'EOF'
import struct, sys
n = 0
with open(sys.argv[1], "rb") as f:
    h = f.read(24)
    e = "<" if h[:4] == b"\xd4\xc3\xb2\xa1" else ">"
    while True:
        r = f.read(16)
        if len(r) < 16:
            break
        n += 1
        f.seek(struct.unpack(e + "I", r[8:12])[0], 1)
print("%d packets" % n)
EOF
)"
printf '%-10s %10s %12s %6s  %s\n' tool "wall s" "max RSS MiB" exit "MB/s"
for tool in ${TOOLS//,/ }; do
	w=${WALL[$tool]}
	printf '%-10s %10s %12s %6s  %s\n' "$tool" "$w" \
		"$(awk -v r="${RSS[$tool]}" 'BEGIN { printf "%.1f", r / 1024 }')" "${RC[$tool]}" \
		"$(awk -v b="$BYTES" -v w="$w" 'BEGIN { printf "%.1f", (w > 0 ? b / 1048576 / w : 0) }')"
done
fail=0
if [ -n "${WALL[mxprobe]:-}" ]; then
	rss_mib=$((RSS[mxprobe] / 1024))
	if [ "${RC[mxprobe]}" -le 2 ] && [ "$rss_mib" -le 64 ]; then
		echo "goal: mxprobe max RSS ${rss_mib} MiB <= 64 MiB: met"
	else
		echo "goal: mxprobe max RSS ${rss_mib} MiB <= 64 MiB (exit ${RC[mxprobe]}): NOT met"
		fail=1
	fi
	if [ -n "${WALL[tshark]:-}" ]; then
		if awk -v a="${WALL[mxprobe]}" -v b="${WALL[tshark]}" 'BEGIN { exit !(a < b) }'; then
			echo "goal: mxprobe faster than tshark (${WALL[mxprobe]} s vs ${WALL[tshark]} s): met"
		else
			echo "goal: mxprobe faster than tshark (${WALL[mxprobe]} s vs ${WALL[tshark]} s): NOT met"
			fail=1
		fi
	fi
fi
echo "versions: $( [ -n "$MXP" ] && "$MXP" --version 2>/dev/null | head -1); $(tshark --version 2>/dev/null | head -1)"
exit $fail
