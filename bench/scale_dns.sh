#!/bin/bash
# bench/scale_dns.sh - issue 12 point 1, measured: are DNS answers shared
# between the targets of a scan?  Six lab domains whose only or first MX
# is mx1.lab.test go through a counting forwarder (bench/scale_dnscount.py,
# loopback, to the lab's resolver), once as `mxprobe scan -f` (one run per
# target, all on one shared DNS context) and once as one `mxprobe check`
# with the six domains (one run, one context).  Printed: the queries each
# sent, by name and type ("ad" = the direct query for the resolver's AD
# bit, probe/dns_ad.c; the others are libunbound's).
#
# 2026-12-08, lab: before the shared context (one libunbound context per
# scan target, the AD query sent for every lookup) scan sent 100 queries,
# mx1 A 12 (6 ad), AAAA 12, TLSA 12; check 85 (A 7, AAAA 7, TLSA 7).
# With it and the AD-bit cache (probe/dns_adcache.c): both 70 queries,
# mx1 A 2 (1 ad), AAAA 2, TLSA 2 - each name once per kind.  The test
# that holds this: tests/integration/scan_dns.sh.
#
#   bench/scale_dns.sh [--mxprobe PATH] [--out DIR]
# Needs the lab (tests/lab/lab.sh start).
set -u
SRC=$(cd "$(dirname "$0")/.." && pwd)
MXPROBE=${MXPROBE:-$SRC/build/mxprobe}
OUT=
while [ $# -gt 0 ]; do
	case "$1" in
	--mxprobe) MXPROBE=$2; shift ;;
	--out) OUT=$2; shift ;;
	*) echo "scale_dns.sh: unknown option $1" >&2; exit 2 ;;
	esac
	shift
done
eval "$("$SRC/tests/lab/lab.sh" env)" || exit 1
[ -n "$OUT" ] || OUT=$(mktemp -d /tmp/scale_dns.XXXXXX)
mkdir -p "$OUT"
FWD=127.10.250.53
FPORT=5300
DOMAINS="good.lab.test stsok.lab.test stsnocover.lab.test ststxtonly.lab.test stsnotxt.lab.test partial.lab.test"
printf '%s\n' $DOMAINS >"$OUT/domains.txt"

run() { # NAME COMMAND...
	local name=$1 pid i
	shift
	: >"$OUT/$name.queries"
	python3 "$SRC/bench/scale_dnscount.py" --listen $FWD --port $FPORT \
		--upstream "$MXPROBE_LAB_RESOLVER" --log "$OUT/$name.queries" \
		--seconds 300 >"$OUT/$name.fwd" 2>&1 &
	pid=$!
	for i in $(seq 1 50); do
		grep -q ready "$OUT/$name.fwd" && break
		sleep 0.1
	done
	timeout 120 "$@" >"$OUT/$name.out" 2>"$OUT/$name.err"
	kill "$pid"
	wait "$pid" 2>/dev/null
	printf '%-6s %5d queries: %3d MX, %2d A mx1 (%d of them ad), %2d AAAA mx1, %3d TLSA, %3d TXT\n' \
		"$name" "$(wc -l <"$OUT/$name.queries")" \
		"$(grep -c ' MX ' "$OUT/$name.queries")" \
		"$(grep -c '^mx1.lab.test. A ' "$OUT/$name.queries")" \
		"$(grep -c '^mx1.lab.test. A .*ad' "$OUT/$name.queries")" \
		"$(grep -c '^mx1.lab.test. AAAA ' "$OUT/$name.queries")" \
		"$(grep -c ' TLSA ' "$OUT/$name.queries")" \
		"$(grep -c ' TXT ' "$OUT/$name.queries")"
}

echo "six domains sharing mx1.lab.test, via $FWD:$FPORT -> $MXPROBE_LAB_RESOLVER (queries in $OUT)"
run scan "$MXPROBE" scan -f "$OUT/domains.txt" --concurrency 1 \
	--resolver $FWD:$FPORT --ca-file "$MXPROBE_LAB_CA"
run check "$MXPROBE" check $DOMAINS --json --resolver $FWD:$FPORT \
	--ca-file "$MXPROBE_LAB_CA"
