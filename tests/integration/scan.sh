#!/usr/bin/env bash
# mxprobe scan (issue 12 points 1 and 2) against the lab: a targets file
# with comments, blanks and bad lines; one valid check document per line
# (JSON Lines, each line validated against the check schema); bad lines
# reported with their numbers; a scan killed with SIGKILL and resumed from
# --state (every target exactly once in the union of the outputs); three
# shards as local processes (their union equals one unsharded scan, no
# address in two shards' outputs).
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

cat >"$WORK/targets" <<'T'
# the lab's domains and hosts
lab.test
good.lab.test   # MX 10 mx1

nomx.lab.test
smtp://mx1.lab.test
submission://smtp.lab.test
not a target
smtp://[bad
good.lab.test
T

# jsonl_check FILE: every line one JSON object, each a whole check
# document valid against the schema; prints the specs, one a line
jsonl_check() {
	python3 - "$1" "$SCHEMA" "$WORK/line.json" "$MXPROBE_SRCDIR" <<'P'
import json, subprocess, sys
path, schema, tmp, src = sys.argv[1:5]
for n, line in enumerate(open(path), 1):
    doc = json.loads(line)
    assert isinstance(doc, dict), "line %d is not an object" % n
    assert len(doc["targets"]) == 1, "line %d: not one target" % n
    with open(tmp, "w") as f:
        f.write(line)
    r = subprocess.run(["python3", src + "/tests/integration/assert_json.py",
                        "validate", tmp, schema], capture_output=True, text=True)
    assert r.returncode == 0, "line %d: %s%s" % (n, r.stdout, r.stderr)
    print(doc["targets"][0]["spec"])
P
}

mxp scan $(LABOPTS) --timeout 5 -f "$WORK/targets"
case "$RC" in 0 | 1 | 2) ok "scan ran (exit $RC)" ;; *) not_ok "scan: exit $RC" ;; esac
if jsonl_check "$WORK/out" >"$WORK/specs" 2>"$WORK/jerr"; then
	ok "every line a valid check document"
else
	cat "$WORK/jerr"; not_ok "JSON lines"
fi
want=$(printf '%s\n' good.lab.test lab.test nomx.lab.test smtp://mx1.lab.test submission://smtp.lab.test)
if [ "$(sort "$WORK/specs")" = "$want" ]; then
	ok "one line per good target (the duplicate probed once)"
else
	not_ok "targets: $(sort "$WORK/specs" | tr '\n' ' ')"
fi
expect_err ":8: blank inside the target" "line 8 reported"
expect_err ":9: bad target 'smtp://\[bad'" "line 9 reported"
expect_err "^mxprobe scan: 5 targets done .* 2 bad lines" "summary line"
# the exit status is the worst of the targets
worst=$(python3 -c 'import json,sys; print(max(json.loads(l)["exit_status"] for l in open(sys.argv[1])))' "$WORK/out")
expect_rc "$worst" "exit status is the worst target's"

# politeness across targets: lab.test, good.lab.test, nomx.lab.test and
# smtp://mx1.lab.test all reach 127.0.0.31; with the default
# --rate-per-host 1 its connections start at least a second apart and at
# most --max-conn-per-host (2) are open at once, whichever target opened them
if python3 - "$WORK/out" <<'P'
import json, sys
from datetime import datetime
conns = {}
for line in open(sys.argv[1]):
    for ep in json.loads(line)["targets"][0].get("endpoints", []):
        for c in ep.get("connections", []):
            r = c.get("remote") or {}
            t = datetime.strptime(c["started"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
            end = t + (c["steps"].get("end_us") or 0) / 1e6
            conns.setdefault((r.get("address"), r.get("port")), []).append((t, end))
mx1 = sorted(conns.get(("127.0.0.31", 25), []))
if len(mx1) < 4:
    sys.exit("only %d connections to 127.0.0.31:25" % len(mx1))
gaps = [b[0] - a[0] for a, b in zip(mx1, mx1[1:])]
if min(gaps) < 0.95:
    sys.exit("starts %.3f s apart" % min(gaps))
for t, _ in mx1:
    if sum(1 for s, e in mx1 if s <= t < e) > 2:
        sys.exit("more than 2 at once")
print("%d connections to 127.0.0.31:25, starts >= %.2f s apart" % (len(mx1), min(gaps)))
P
then
	ok "127.0.0.31 shared by four targets: one start a second, at most 2 at once"
else
	not_ok "politeness across targets"
fi

# standard input and --jsonl FILE
RC=0
grep -v '^#' "$WORK/targets" | "$MXPROBE" scan $(LABOPTS) --timeout 5 -f - \
	--jsonl "$WORK/stdin.jsonl" >"$WORK/out" 2>"$WORK/err" || RC=$?
if [ ! -s "$WORK/out" ] && [ "$(wc -l <"$WORK/stdin.jsonl")" -eq 5 ]; then
	ok "-f - and --jsonl FILE: 5 lines in the file, none on stdout"
else
	not_ok "-f - / --jsonl"
fi

# no -f, bad --shard: exit 3 before any probe
mxp scan $(LABOPTS)
expect_rc 3 "no -f"
mxp scan $(LABOPTS) -f "$WORK/targets" --shard 3/3
expect_rc 3 "--shard 3/3"

# SIGKILL mid-run, then resume from the state file
cat >"$WORK/many" <<'T'
smtp://mx1.lab.test
smtp://mx2.lab.test
smtp://mx3.lab.test
smtp://mismatch.lab.test
smtp://expired.lab.test
smtp://notls.lab.test
smtp://slowbanner.lab.test
lab.test
good.lab.test
nomx.lab.test
smtp://127.0.0.31
smtp://[::1]
T
rm -f "$WORK/state" "$WORK/a.jsonl" "$WORK/b.jsonl"
"$MXPROBE" scan $(LABOPTS) --timeout 5 --concurrency 1 -f "$WORK/many" \
	--state "$WORK/state" >"$WORK/a.jsonl" 2>"$WORK/a.err" &
pid=$!
for _ in $(seq 1 300); do
	[ -f "$WORK/state" ] && [ "$(wc -l <"$WORK/state")" -ge 3 ] && break
	sleep 0.1
done
kill -9 "$pid" 2>/dev/null
wait "$pid" 2>/dev/null
na=$(wc -l <"$WORK/a.jsonl")
if [ "$na" -ge 3 ] && [ "$na" -lt 12 ]; then
	ok "killed mid-run after $na targets"
else
	not_ok "kill mid-run: $na lines"
fi
mxp scan $(LABOPTS) --timeout 5 --concurrency 4 -f "$WORK/many" --state "$WORK/state"
cp "$WORK/out" "$WORK/b.jsonl"
expect_err "already in the state file" "the resume skips what the state holds"
cat "$WORK/a.jsonl" "$WORK/b.jsonl" >"$WORK/union.jsonl"
if jsonl_check "$WORK/union.jsonl" >"$WORK/uspecs" 2>"$WORK/jerr" &&
	[ "$(sort "$WORK/uspecs")" = "$(sort "$WORK/many")" ]; then
	ok "every target exactly once in the union of the two outputs"
else
	cat "$WORK/jerr"; not_ok "union: $(sort "$WORK/uspecs" | uniq -c | tr '\n' ' ')"
fi

# three shards: their union is one unsharded scan, no address in two
mxp scan $(LABOPTS) --timeout 5 --concurrency 8 --rate-per-host 20 -f "$WORK/many"
jsonl_check "$WORK/out" | sort >"$WORK/all.specs"
for i in 0 1 2; do
	"$MXPROBE" scan $(LABOPTS) --timeout 5 --concurrency 8 --rate-per-host 20 \
		-f "$WORK/many" --shard "$i/3" >"$WORK/shard$i.jsonl" 2>"$WORK/shard$i.err" &
done
wait
cat "$WORK/shard0.jsonl" "$WORK/shard1.jsonl" "$WORK/shard2.jsonl" |
	python3 -c 'import json,sys; [print(json.loads(l)["targets"][0]["spec"]) for l in sys.stdin]' |
	sort >"$WORK/shard.specs"
if [ -s "$WORK/all.specs" ] && cmp -s "$WORK/all.specs" "$WORK/shard.specs"; then
	ok "the three shards' union equals the unsharded scan"
else
	not_ok "shards: $(tr '\n' ' ' <"$WORK/shard.specs") vs $(tr '\n' ' ' <"$WORK/all.specs")"
fi
nonempty=0
for i in 0 1 2; do [ -s "$WORK/shard$i.jsonl" ] && nonempty=$((nonempty + 1)); done
if [ "$nonempty" -ge 2 ]; then ok "the targets split over $nonempty shards"; else not_ok "$nonempty shards got targets"; fi
if python3 - "$WORK"/shard0.jsonl "$WORK"/shard1.jsonl "$WORK"/shard2.jsonl <<'P'
import json, sys
owner = {}
for i, path in enumerate(sys.argv[1:]):
    for line in open(path):
        doc = json.loads(line)
        for ep in doc["targets"][0].get("endpoints", []):
            addrs = [ep.get("addr")]
            addrs += [(c.get("remote") or {}).get("address")
                      for c in ep.get("connections", [])]
            for a in addrs:
                if a is None:
                    continue
                if owner.setdefault(a, i) != i:
                    sys.exit("address %s contacted by shards %d and %d" % (a, owner[a], i))
if len(owner) < 5:
    sys.exit("only %d addresses seen: %s" % (len(owner), sorted(owner)))
print("%d addresses, each in one shard" % len(owner))
P
then
	ok "no address in two shards' outputs"
else
	not_ok "an address in two shards"
fi

finish
