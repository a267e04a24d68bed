#!/usr/bin/env bash
# engine.sh - one run on one event loop (issue 8):
#  1. several engine runs at once on one loop and one pool give the same
#     results as the same runs alone, and a cancelled run ends within a
#     second with what is unfinished marked (tests/unit/engine_runs.c);
#  2. SIGINT during `check --json -o FILE` leaves a valid FILE (never a
#     half one) with the finished endpoints and the rest marked
#     incomplete, within a second, exit 3.
# Against the real lab: Postfix, nsd/unbound, the dhe1024, intolerant and
# silent servers.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up
BIN="$(dirname "$MXPROBE")/tests/unit/engine_runs"
[ -x "$BIN" ] || { echo "not built: $BIN" >&2; exit 1; }
export MXPROBE_LAB_RESOLVER MXPROBE_LAB_TRUST_ANCHOR MXPROBE_LAB_CA
if CMOCKA_MESSAGE_OUTPUT=stdout timeout 600 "$BIN" >"$WORK/out" 2>"$WORK/err"; then
	ok "three runs on one loop = the same runs alone; cancel ends < 1 s"
	grep '^#' "$WORK/out"
else
	not_ok "engine_runs"
fi

# SIGINT: mx1 answers at once, silent never greets (its probe would wait
# the 30 s timeout).
OUT="$WORK/report.json"
# shellcheck disable=SC2046
"$MXPROBE" check $(LABOPTS) --timeout 30 --json -o "$OUT" \
	smtp://mx1.lab.test smtp://silent.lab.test >"$WORK/out" 2>"$WORK/err" &
PID=$!
sleep 2
if ls "$OUT"* >/dev/null 2>&1; then
	not_ok "no output file while the run is going (written at the end only)"
else
	ok "no output file while the run is going"
fi
T0=$(date +%s%N)
kill -INT "$PID"
RC=0
wait "$PID" || RC=$?
MS=$(( ($(date +%s%N) - T0) / 1000000 ))
expect_rc 3 "SIGINT: exit 3"
if [ "$MS" -lt 1000 ]; then ok "ended ${MS} ms after SIGINT"; else not_ok "ended ${MS} ms after SIGINT (want < 1000)"; fi
if grep -q "interrupted (SIGINT)" "$WORK/err"; then ok "says it was interrupted"; else not_ok "no interruption message"; fi
if python3 - "$OUT" "$SCHEMA" <<'PY'
import json, sys
import jsonschema
d = json.load(open(sys.argv[1]))
jsonschema.validate(d, json.load(open(sys.argv[2])))
assert d["exit_status"] == 3, d["exit_status"]
eps = {(e["host"], e["address"] if "address" in e else e.get("addr")): e
       for t in d["targets"] for e in t["endpoints"]}
mx1 = [e for (h, a), e in eps.items() if h == "mx1.lab.test"]
silent = [e for (h, a), e in eps.items() if h == "silent.lab.test"]
assert mx1 and silent, eps.keys()
for e in mx1:   # finished: a complete TLS probe, not cancelled
    ids = [f["id"] for f in e["findings"]]
    assert "probe.cancelled" not in ids, ids
    assert e["tls"]["completed"], e["tls"]
for e in silent:  # unfinished: marked
    ids = [f["id"] for f in e["findings"]]
    assert "probe.cancelled" in ids, ids
print("valid, mx1 finished, silent marked probe.cancelled")
PY
then ok "the file is valid JSON (schema), finished endpoints kept, the rest marked"
else not_ok "the interrupted report"; fi
[ "$FAILS" -eq 0 ] || exit 1
