#!/bin/sh
# campaign.sh - run a libFuzzer campaign over the fuzz targets and record
# what it did.
#
# Usage: tests/fuzz/campaign.sh SECONDS_PER_TARGET [TARGET...]
#   TARGET is a name (smtp_reply) or fuzz_smtp_reply; none: every target
#   built in the fuzz build.  Run it from the top source dir or anywhere:
#   the source dir is found from the script's own path.
#
# What it does, one target at a time (one core: no -jobs, no -fork):
#   1. builds each target, just before it runs, as `make fuzz` does
#      (clang, -fsanitize=fuzzer,address,undefined) in $FUZZ_BUILD
#      (default <srcdir>/build-fuzz), configuring it the same way the
#      make rule does when needed (CAMPAIGN_NOBUILD=1 skips building);
#   2. fuzzes each target for SECONDS_PER_TARGET seconds of wall time,
#      seeded from tests/fuzz/corpus/<name>/, new inputs kept in
#      $FUZZ_BUILD/corpus/<name>/, crashes in $FUZZ_BUILD/crashes/<name>/;
#   3. records per target: CPU seconds (user + system of the fuzzer
#      process), executions, libFuzzer's final cov: and ft: figures, the
#      corpus size (inputs and bytes, libFuzzer's final corp: figure), and
#      the number of crash/leak/timeout/oom artifacts;
#   4. writes the table to $FUZZ_BUILD/campaign-<date>.md and, unless
#      CAMPAIGN_README=0, into tests/fuzz/README.md between the
#      "campaign:begin" and "campaign:end" markers, with the date, the
#      commit and how long each target ran.
# A crash does not stop the campaign: the next target runs.  Turn every
# crash into a regression input (tests/fuzz/corpus/<name>/) once it is
# fixed - `make check` replays the corpus.
#
# Exit status: 0 no crash, 1 at least one crash (or a target that would
# not run), 2 usage or build error.
set -u

usage() {
	echo "usage: $0 SECONDS_PER_TARGET [TARGET...]" >&2
	exit 2
}
[ $# -ge 1 ] || usage
secs=$1
shift
case $secs in '' | *[!0-9]*) usage ;; esac
[ "$secs" -ge 1 ] || usage

srcdir=$(cd "$(dirname "$0")/../.." && pwd) || exit 2
# The fuzz build: $FUZZ_BUILD, else build-fuzz/ beside the sources, or
# build-fuzz/tree/ over a mirror of them when the source dir is
# configured in place (see tests/fuzz/srctree.sh and `make fuzz`).
conf=$srcdir/configure
if [ -n "${FUZZ_BUILD:-}" ]; then
	build=$FUZZ_BUILD
elif [ -f "$srcdir/config.status" ]; then
	build=$srcdir/build-fuzz/tree
	conf=./configure
	if [ "${CAMPAIGN_NOBUILD:-0}" != 1 ]; then
		sh "$srcdir/tests/fuzz/srctree.sh" "$srcdir" "$build" || exit 2
	fi
else
	build=$srcdir/build-fuzz
fi
san="-fsanitize=address,undefined -fno-sanitize-recover=undefined"

# Every target of the build, from the FUZZ_TARGETS lines of every make
# fragment (local.mk and the capture .mk files).
all_targets() {
	cat "$srcdir"/*/*.mk |
		sed -n '/^FUZZ_TARGETS/,/[^\\]$/p' |
		grep -o 'tests/fuzz/fuzz_[A-Za-z0-9_]*' | sed 's|.*/fuzz_||' |
		sort -u
}

if [ $# -eq 0 ]; then
	set -- $(all_targets)
fi
names=
for t in "$@"; do
	t=${t##*/}
	names="$names ${t#fuzz_}"
done

if [ "${CAMPAIGN_NOBUILD:-0}" != 1 ] && [ ! -f "$build/Makefile" ]; then
	mkdir -p "$build" || exit 2
	(cd "$build" && "$conf" -q CC=clang \
		CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $san" \
		LDFLAGS="$san") || exit 2
fi

stamp=$(date -u +%Y-%m-%dT%H:%MZ)
commit=$(git -C "$srcdir" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$srcdir" status --porcelain -- tests/fuzz wire probe \
	relay common analyzers reports src 2>/dev/null)" ]; then
	commit="$commit (with uncommitted changes)"
fi
logdir=$build/campaign-logs
mkdir -p "$logdir" || exit 2
rows=$build/campaign-rows.tmp
: >"$rows"
status=0
total_cpu=0

for n in $names; do
	prog=$build/tests/fuzz/fuzz_$n
	seeds=$srcdir/tests/fuzz/corpus/$n
	out=$build/corpus/$n
	crashes=$build/crashes/$n
	log=$logdir/$n.log
	mkdir -p "$out" "$crashes" "$seeds" || exit 2
	# Built just before it runs, so a long campaign picks up targets
	# and fixes committed meanwhile; a build that fails (someone's
	# work in progress) falls back to the binary already there.
	if [ "${CAMPAIGN_NOBUILD:-0}" != 1 ] &&
		! make -C "$build" -s FUZZ_MAIN= \
			LDFLAGS="-fsanitize=fuzzer $san" \
			"tests/fuzz/fuzz_$n" >"$log.build" 2>&1; then
		echo "campaign: building fuzz_$n failed (see $log.build)" >&2
	fi
	if [ ! -x "$prog" ]; then
		echo "campaign: $prog not built" >&2
		printf '| %s | - | - | - | - | - | - | not built |\n' "$n" >>"$rows"
		status=1
		continue
	fi
	echo "campaign: fuzz_$n for ${secs}s ($(date -u +%H:%M:%S))" >&2
	before=$(ls "$crashes" | wc -l)
	# CPU time of the fuzzer process, from GNU time (user + system).
	/usr/bin/time -f 'cpu %U %S' -o "$log.time" \
		"$prog" -max_total_time="$secs" -print_final_stats=1 \
		-timeout=25 -rss_limit_mb=2048 -artifact_prefix="$crashes/" \
		"$out" "$seeds" >"$log" 2>&1
	rc=$?
	cpu=$(awk '/^cpu/ { printf "%.0f", $2 + $3 }' "$log.time")
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" |
		tail -n 1)
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
	last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -n 1)
	cov=$(echo "$last" | sed -n 's/.* cov: \([0-9]*\).*/\1/p')
	ft=$(echo "$last" | sed -n 's/.* ft: \([0-9]*\).*/\1/p')
	corp=$(echo "$last" | sed -n 's/.* corp: \([0-9]*\/[0-9A-Za-z]*\).*/\1/p')
	after=$(ls "$crashes" | wc -l)
	found=$((after - before))
	note=
	if [ "$found" -gt 0 ] || [ "$rc" -ne 0 ]; then
		status=1
		note=$(grep -m 1 -E '^(==[0-9]+==ERROR|SUMMARY|.*runtime error)' \
			"$log" | cut -c 1-80 | tr '|' '/')
		[ -n "$note" ] || note="exit $rc"
	fi
	total_cpu=$((total_cpu + ${cpu:-0}))
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$n" \
		"${cpu:--}" "${execs:--}" "${rate:--}" "${cov:--}" "${ft:--}" \
		"${corp:--}" "$found${note:+ ($note)}" >>"$rows"
	echo "campaign: fuzz_$n cpu ${cpu}s execs $execs cov $cov ft $ft" \
		"corp $corp crashes $found" >&2
done

if [ "$secs" -lt 1800 ]; then
	kind="Short campaign: $secs s per target, below the goal of 30 CPU-minutes per target"
else
	kind="Campaign: $secs s per target"
fi
table=$build/campaign-$stamp.md
{
	echo "$kind. Run $stamp on commit $commit, one target at a time on one"
	echo "core, with \`tests/fuzz/campaign.sh $secs\`; $total_cpu CPU-seconds in all."
	echo
	echo "| target | CPU s | executions | exec/s (wall) | cov | ft | corpus (inputs/bytes) | crashes |"
	echo "|---|---:|---:|---:|---:|---:|---:|---|"
	cat "$rows"
} >"$table"
rm -f "$rows"
cat "$table"

readme=$srcdir/tests/fuzz/README.md
if [ "${CAMPAIGN_README:-1}" = 1 ] && [ -f "$readme" ] &&
	grep -q 'campaign:begin' "$readme"; then
	awk -v table="$table" '
		/campaign:begin/ { print; while ((getline l < table) > 0) print l;
			skip = 1; next }
		/campaign:end/ { skip = 0 }
		!skip { print }' "$readme" >"$readme.tmp" &&
		mv "$readme.tmp" "$readme"
	echo "campaign: table written to $readme" >&2
fi
exit $status
