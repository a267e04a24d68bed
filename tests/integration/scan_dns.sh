#!/usr/bin/env bash
# scan_dns.sh - issue 12 point 1, "DNS answers cached across targets":
# `mxprobe scan` over six lab domains whose (first) MX is mx1.lab.test,
# through a counting forwarder on a loopback address of this test's own
# (bench/scale_dnscount.py -> the lab's resolver), asks for mx1's A, AAAA
# and TLSA once per type and query kind - once from libunbound, and once
# directly for the resolver's AD bit when there is no trust anchor
# (probe/dns_ad.c) - not once per target; with all six targets at once
# (--concurrency 6: questions in flight are shared) and one after the
# other (--concurrency 1: answers are cached).  With --trust-anchor no AD
# query is sent at all.  The results do not change: each scan line has
# the same DNS facts, DANE facts, MTA-STS facts and findings as `check`
# of that domain alone.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

FWD=127.10.251.53
FPORT=5391
DOMAINS="good.lab.test stsok.lab.test stsnocover.lab.test ststxtonly.lab.test stsnotxt.lab.test partial.lab.test"
printf '%s\n' $DOMAINS >"$WORK/domains"
FPID=

stop_fwd() {
	if [ -n "$FPID" ]; then
		kill "$FPID" 2>/dev/null
		wait "$FPID" 2>/dev/null
		FPID=
	fi
}
trap 'stop_fwd; rm -rf "$WORK"' EXIT

# fresh_ttls: the scan must fit within what the lab's resolver has left
# of mx1's TTLs, or its caches rightly ask again when they run out (and
# the counts below would be 2); when under 30 s is left, wait for the
# resolver's copy to expire and have it fetched anew (300 s in the lab).
fresh_ttls() {
	local q left i
	for q in "mx1.lab.test A" "mx1.lab.test AAAA" "_25._tcp.mx1.lab.test TLSA"; do
		for i in 1 2; do
			# shellcheck disable=SC2086
			left=$(dig +noall +answer +time=2 +tries=1 \
				@"$MXPROBE_LAB_RESOLVER" $q | awk 'NR == 1 { print $2 }')
			[ -n "$left" ] || break
			[ "$left" -ge 30 ] && break
			sleep $((left + 1))
		done
	done
}

# counted NAME ARGS...: mxprobe ARGS through a fresh counting forwarder;
# its queries ("qname type flags", one a line) in $WORK/NAME.q
counted() {
	local name=$1 i
	shift
	fresh_ttls
	: >"$WORK/$name.q"
	python3 "$MXPROBE_SRCDIR/bench/scale_dnscount.py" --listen $FWD \
		--port $FPORT --upstream "$MXPROBE_LAB_RESOLVER" \
		--log "$WORK/$name.q" --seconds 200 >"$WORK/$name.fwd" 2>&1 &
	FPID=$!
	for i in $(seq 1 50); do
		grep -q ready "$WORK/$name.fwd" && break
		sleep 0.1
	done
	grep -q ready "$WORK/$name.fwd" ||
		skip_or_fail "the counting forwarder did not start: $(cat "$WORK/$name.fwd")"
	RC=0
	timeout 150 "$MXPROBE" "$@" >"$WORK/out" 2>"$WORK/err" || RC=$?
	stop_fwd
	cp "$WORK/out" "$WORK/$name.out"
}

# asked FILE QNAME TYPE KIND: how many queries; KIND ad = with the AD
# flag (the direct AD-bit query), plain = without (libunbound's)
asked() {
	awk -v n="$2" -v t="$3" -v k="$4" '
		$1 == n && $2 == t {
			ad = ($3 ~ /(^|,)ad(,|$)/)
			if ((k == "ad") == ad) c++
		}
		END { print c + 0 }' "$1"
}

# once FILE WANT_AD DESCRIPTION: mx1's A, AAAA and TLSA each asked once
# by libunbound and WANT_AD times for the AD bit
once() {
	local f=$1 want_ad=$2 what=$3 q t k n want bad=
	for q in "mx1.lab.test. A" "mx1.lab.test. AAAA" "_25._tcp.mx1.lab.test. TLSA"; do
		for k in plain ad; do
			want=1
			[ $k = ad ] && want=$want_ad
			n=$(asked "$f" $q $k)
			[ "$n" = "$want" ] || bad="$bad $q/$k=$n(want $want)"
		done
	done
	if [ -z "$bad" ]; then
		ok "$what: mx1 A, AAAA, TLSA asked once each (AD queries: $want_ad each)"
	else
		not_ok "$what:$bad"
		sort "$f" | uniq -c | sort -rn | head -20
	fi
}

AD_OPTS="--resolver $FWD:$FPORT --ca-file $MXPROBE_LAB_CA --timeout 5"

counted par scan -f "$WORK/domains" --concurrency 6 $AD_OPTS
case "$RC" in 0 | 1 | 2) ok "scan, 6 at once (exit $RC)" ;; *) not_ok "scan: exit $RC" ;; esac
once "$WORK/par.q" 1 "6 targets at once, resolver's AD bit"

counted seq scan -f "$WORK/domains" --concurrency 1 $AD_OPTS
case "$RC" in 0 | 1 | 2) ok "scan, one at a time (exit $RC)" ;; *) not_ok "scan: exit $RC" ;; esac
once "$WORK/seq.q" 1 "one target at a time, resolver's AD bit"

counted ta scan -f "$WORK/domains" --concurrency 6 $AD_OPTS \
	--trust-anchor "$MXPROBE_LAB_TRUST_ANCHOR"
case "$RC" in 0 | 1 | 2) ok "scan with a trust anchor (exit $RC)" ;; *) not_ok "scan: exit $RC" ;; esac
once "$WORK/ta.q" 0 "with --trust-anchor"

# Every domain's distinct names are still asked (MX and the MTA-STS /
# TLS-RPT TXT of each domain): sharing drops only repeats.
for d in $DOMAINS; do
	for q in "$d. MX" "_mta-sts.$d. TXT" "_smtp._tls.$d. TXT"; do
		n=$(asked "$WORK/par.q" $q plain)
		[ "$n" = 1 ] || not_ok "$q asked $n times by libunbound, want 1"
	done
done
ok "each domain's own MX and TXT names asked (once each)"

# The same facts and findings as `check` of each domain alone (timings,
# connection records and dates left out).
for d in $DOMAINS; do
	"$MXPROBE" check "$d" --json --resolver "$MXPROBE_LAB_RESOLVER" \
		--ca-file "$MXPROBE_LAB_CA" --timeout 5 >"$WORK/check.$d.json" \
		2>>"$WORK/check.err"
done
if python3 - "$WORK" $DOMAINS >"$WORK/cmp" 2>&1 <<'P'; then
import json, sys
work, domains = sys.argv[1], sys.argv[2:]

def findings(obj):
    return sorted((f["id"], f["severity"], f.get("where") or "")
                  for f in obj.get("findings") or [])

def untimed(v):
    """v without durations (keys "ms", "*_ms")"""
    if isinstance(v, dict):
        return {k: untimed(x) for k, x in v.items()
                if k != "ms" and not k.endswith("_ms")}
    if isinstance(v, list):
        return [untimed(x) for x in v]
    return v

def facts(t):
    dane = []
    for e in t["endpoints"]:
        d = e.get("dane") or {}
        dane.append((e["host"], e["addr"], d.get("dns_status"),
                     d.get("secure"), d.get("validation"), d.get("state"),
                     # an RRset's order is the resolver's (rotated)
                     sorted(json.dumps(r, sort_keys=True)
                            for r in d.get("records") or []),
                     json.dumps(findings(e))))
    dns = dict(t["dns"])
    dns.pop("dns_ms", None)
    hosts = [{k: v for k, v in h.items() if k != "dns_ms"}
             for h in t["hosts"]]
    sts = {k: untimed(t.get(k)) for k in ("mta_sts", "tls_rpt")}
    return {"dns": dns, "hosts": hosts,
            "endpoints": sorted(dane, key=lambda x: json.dumps(x)),
            "findings": findings(t), "sts": json.dumps(sts, sort_keys=True),
            "worst": t.get("worst")}

for run in ("par", "seq"):
    lines = {}
    for line in open("%s/%s.out" % (work, run)):
        doc = json.loads(line)
        lines[doc["targets"][0]["spec"]] = doc["targets"][0]
    for d in domains:
        c = json.load(open("%s/check.%s.json" % (work, d)))["targets"][0]
        a, b = facts(lines[d]), facts(c)
        for k in a:
            if a[k] != b[k]:
                print("%s %s %s: scan %s, check %s" % (run, d, k, a[k], b[k]))
                sys.exit(1)
print("same")
P
	ok "scan lines have the facts and findings of check of each domain"
else
	cat "$WORK/cmp"
	not_ok "scan and check disagree"
fi
finish
