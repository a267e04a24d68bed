#!/bin/bash
# history.sh - `mxprobe history` over a history file that `mxprobe watch`
# wrote from the lab (issue 10 point 4): two rounds of lab.test (four
# endpoints: mx1 on 127.0.0.31 and ::1, mx2, mx3) are stored; then
#  - the file as sqlite3 reads it: schema version, tables, one row per
#    endpoint and round, the same serials as `check --json` of the lab;
#  - history text: endpoints, newest first, the status line; exit status
#    from each endpoint's newest probe (mx3's critical finding: 2);
#  - selection: a target, a host (any case), an address, an endpoint key,
#    --since that excludes everything;
#  - --json valid against doc/mxprobe-history.schema.json, the same probe
#    ids as the probes table;
#  - read-only: history changes nothing (checksum), does not migrate an
#    empty file, reads while a watch is writing (WAL);
#  - drift through the file: the stored probe of mx1 is altered with
#    sqlite3 (an older version, another leaf and intermediate); the next
#    round of watch compares the real server with it and history shows
#    drift.cert_replaced, drift.chain_changed and drift.tls_version, with
#    the altered value before and the server's real one after; a probe
#    marked cancelled is skipped as the baseline;
#  - files that are not a history: missing, not SQLite, another SQLite
#    database, a newer schema: one line on stderr, exit 3, file untouched.
. "$(dirname "$0")/lib.sh"
lab_up
command -v sqlite3 >/dev/null 2>&1 || skip_or_fail "sqlite3 is missing (Debian: sqlite3)"
python3 -c 'import jsonschema' 2>/dev/null || skip_or_fail "python3-jsonschema is missing"

L=$(LABOPTS)
HIST="$WORK/h.sqlite"
HSCHEMA="$MXPROBE_SRCDIR/doc/mxprobe-history.schema.json"
K1="mx1.lab.test[127.0.0.31]:25/starttls"
q() { sqlite3 "$HIST" "$1" 2>>"$WORK/sqlite.err"; }

# ---- two rounds ------------------------------------------------------------
mxp watch $L --history "$HIST" --rounds 2 --interval 5s lab.test </dev/null
if [ -s "$HIST" ]; then ok "watch wrote $HIST (exit $RC)"; else not_ok "no history file"; fi
mxp check $L --json lab.test
cp "$WORK/out" "$WORK/check.json"

# ---- the file, as sqlite3 reads it ----------------------------------------------
V=$(q "PRAGMA user_version;")
if [ "$V" = 1 ]; then ok "sqlite3: user_version 1"; else not_ok "sqlite3: user_version '$V'"; fi
T=$(q "SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name);")
if [ "$T" = "findings,probes" ]; then ok "sqlite3: tables findings, probes"; else not_ok "sqlite3: tables '$T'"; fi
N=$(q "SELECT count(DISTINCT key) || ' ' || count(*) FROM probes;")
if [ "$N" = "4 8" ]; then ok "sqlite3: 4 endpoints x 2 rounds"; else not_ok "sqlite3: endpoints/probes '$N'"; fi
J=$(q "SELECT journal_mode FROM pragma_journal_mode;")
if [ "$J" = wal ]; then ok "sqlite3: WAL journal"; else not_ok "sqlite3: journal '$J'"; fi
P=$(stat -c %a "$HIST")
if [ "$P" = 600 ]; then ok "the file is 0600"; else not_ok "mode $P"; fi
# serials as check sees the servers (not constants)
python3 - "$WORK/check.json" >"$WORK/serials" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for t in d["targets"]:
    for e in t["endpoints"]:
        c = (e.get("tls") or {}).get("chain") or []
        if c:
            print("%s %s" % (e["addr"], c[0]["serial"]))
PY
bad=0
while read -r addr serial; do
	got=$(q "SELECT DISTINCT cert_serial FROM probes WHERE addr = '$addr';")
	[ "$got" = "$serial" ] || { echo "# $addr: stored '$got', check '$serial'"; bad=1; }
done <"$WORK/serials"
if [ -s "$WORK/serials" ] && [ $bad = 0 ]; then ok "sqlite3: stored serials are the servers' (check --json)"; else not_ok "serials"; fi
W=$(q "SELECT count(*) FROM probes WHERE host = 'mx3.lab.test' AND worst = 'critical';")
if [ "$W" = 2 ]; then ok "sqlite3: mx3's probes are critical"; else not_ok "sqlite3: mx3 critical '$W'"; fi
F=$(q "SELECT count(*) FROM findings f JOIN probes p ON p.id = f.probe_id WHERE p.host = 'mx3.lab.test' AND f.kind = 'finding' AND f.severity = 'critical';")
if [ "${F:-0}" -ge 2 ]; then ok "sqlite3: mx3's critical findings stored ($F)"; else not_ok "sqlite3: findings '$F'"; fi

# ---- text ---------------------------------------------------------------------
SUM=$(sha256sum "$HIST" | cut -d' ' -f1)
mxp history --history "$HIST"
expect_rc 2 "history: mx3 is critical in its newest probe"
expect_out "^History: .*h\.sqlite \(schema 1\), 4 endpoints, 8 probes$" "history: header"
expect_out "^mx1\.lab\.test\[127\.0\.0\.31\]:25/starttls  \(target lab\.test, MX 10\)$" "history: mx1 with target and preference"
expect_out "^mx3\.lab\.test\[127\.0\.0\.33\]:25/starttls" "history: mx3"
expect_out "^  [0-9-]{10} [0-9:]{8} UTC  CRITICAL  TLSv1\.[23] " "history: a critical probe line"
if [ "$(tail -n 1 "$WORK/out")" = "Status: CRITICAL (exit 2)" ]; then ok "history: the status line last"; else not_ok "status line"; fi
python3 - "$WORK/out" <<'PY' && ok "history: each endpoint's probes newest first" || not_ok "order"
import re, sys
blocks = open(sys.argv[1]).read().split("\n\n")
for b in blocks:
    times = re.findall(r"^  (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC", b, re.M)
    if times != sorted(times, reverse=True):
        sys.exit(1)
PY
if [ "$(sha256sum "$HIST" | cut -d' ' -f1)" = "$SUM" ]; then ok "history left the file as it was"; else not_ok "history changed the file"; fi

# ---- selection ----------------------------------------------------------------
sel() { # MATCH WANT-ENDPOINTS WANT-PROBES
	mxp history --history "$HIST" --json "$1"
	got=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["summary"]["endpoints"], d["summary"]["probes"], d["match"])' "$WORK/out" 2>&1)
	if [ "$got" = "$2 $3 $1" ]; then ok "history '$1': $2 endpoints, $3 probes"; else not_ok "history '$1': '$got'"; fi
}
sel lab.test 4 8
sel MX1.Lab.Test 2 4
sel 127.0.0.32 1 2
sel "$K1" 1 2
sel nothing.example 0 0
mxp history --history "$HIST" mx2.lab.test
expect_rc 1 "history mx2.lab.test: its warning decides (exit 1)"
sleep 2
mxp history --history "$HIST" --since 1s
expect_rc 0 "history --since 1s: nothing that recent (exit 0)"
expect_out "0 endpoints, 0 probes, since " "history --since: the header says since"
expect_out "^No probes stored" "history --since: says so"

# ---- JSON ---------------------------------------------------------------------
mxp history --history "$HIST" --json
if $AJ validate "$WORK/out" "$HSCHEMA" >"$WORK/aj" 2>&1; then ok "history --json valid against mxprobe-history.schema.json"; else cat "$WORK/aj"; not_ok "schema"; fi
expect_rc 2 "history --json: exit 2"
python3 - "$WORK/out" "$(q 'SELECT group_concat(id) FROM (SELECT id FROM probes ORDER BY id);')" <<'PY' && ok "history --json: the probe ids of the table, status critical" || not_ok "json ids"
import json, sys
d = json.load(open(sys.argv[1]))
ids = sorted(p["id"] for e in d["endpoints"] for p in e["probes"])
want = [int(x) for x in sys.argv[2].split(",")]
assert ids == want, (ids, want)
assert d["status"] == "critical" and d["exit_status"] == 2
keys = [e["key"] for e in d["endpoints"]]
assert keys == sorted(keys), keys
for e in d["endpoints"]:
    at = [p["at"] for p in e["probes"]]
    assert at == sorted(at, reverse=True), at
    for p in e["probes"]:
        assert p["tls_completed"] and p["certificate"]["serial"], p
PY

# ---- read-only beside a writing watch ----------------------------------------------
"$MXPROBE" watch $L --history "$HIST" --rounds 2 --interval 5s smtp://mx2.lab.test \
	</dev/null >"$WORK/bg.out" 2>"$WORK/bg.err" &
BG=$!
sleep 1.5
ro_ok=1
for _ in 1 2 3 4 5; do
	mxp history --history "$HIST" --json mx2.lab.test
	[ "$RC" = 3 ] && { ro_ok=0; break; }
	sleep 1
done
wait "$BG"
if [ $ro_ok = 1 ]; then ok "history reads while watch writes"; else not_ok "history beside watch: exit 3"; fi
N=$(q "SELECT count(*) FROM probes WHERE key = 'mx2.lab.test[127.0.0.32]:25/starttls';")
if [ "$N" = 4 ]; then ok "sqlite3: watch added its two rounds for mx2 (4 probes)"; else not_ok "mx2 probes '$N'"; fi

# ---- drift through the file ------------------------------------------------------
REAL_SERIAL=$(q "SELECT cert_serial FROM probes WHERE key = '$K1' ORDER BY at DESC LIMIT 1;")
REAL_VER=$(q "SELECT tls_version FROM probes WHERE key = '$K1' ORDER BY at DESC LIMIT 1;")
q "UPDATE probes SET cert_serial = '0BADC0DE', cert_sha256 = 'feedfacefeedfacefeedface', chain = 'feedfacefeedfacefeedface,0123456789abcdef0123', chain_len = 2, tls_version = 'TLSv1.1' WHERE id = (SELECT id FROM probes WHERE key = '$K1' ORDER BY at DESC LIMIT 1);"
mxp watch $L --history "$HIST" --rounds 1 lab.test </dev/null # the target K1 was stored for: drift is per target
mxp history --history "$HIST" --json "$K1"
cp "$WORK/out" "$WORK/drift.json"
python3 - "$WORK/drift.json" "$REAL_SERIAL" "$REAL_VER" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
real, ver = sys.argv[2], sys.argv[3]
p = d["endpoints"][0]["probes"][0]
dr = {x["id"]: x for x in p["drift"]}
c = dr["drift.cert_replaced"]
assert c["before"].startswith("serial 0BADC0DE sha256 feedface"), c
assert c["after"].startswith("serial %s sha256 " % real), c
assert "serial 0BADC0DE" in c["evidence"] and " -> serial %s" % real in c["evidence"], c
assert c["severity"] == "info" and c["where"] == d["endpoints"][0]["key"]
ch = dr["drift.chain_changed"]
assert ch["before"] == "feedfacefeedfacefeedface,0123456789abcdef0123", ch
assert ch["after"] == ",".join(p["chain"]), (ch, p["chain"])
v = dr["drift.tls_version"]
assert (v["before"], v["after"]) == ("TLSv1.1", ver), v
assert "went up: TLSv1.1 -> %s" % ver in v["evidence"] and v["severity"] == "info", v
assert p["certificate"]["serial"] == real
assert d["summary"]["drift"]["info"] == 3, d["summary"]
print("ok")
PY
if grep -qx ok "$WORK/aj"; then ok "drift judged against the stored probe: cert_replaced, chain_changed, tls_version (before = stored, after = the server's)"; else cat "$WORK/aj"; not_ok "drift through the file"; fi
mxp history --history "$HIST" "$K1"
expect_out "^INFO     drift\.cert_replaced  mx1\.lab\.test\[127\.0\.0\.31\]:25/starttls at " "history text: drift in the finding layout"
expect_out "^  Evidence:      leaf certificate replaced: serial 0BADC0DE \(sha256 feedfacefeedface\.\.\) -> serial $REAL_SERIAL " "history text: before -> after"
expect_out "drift 3$" "history text: the probe line counts its drift"
D=$(q "SELECT count(*) FROM findings WHERE kind = 'drift' AND id IN ('drift.cert_replaced', 'drift.chain_changed', 'drift.tls_version');")
if [ "$D" = 3 ]; then ok "sqlite3: the three drift rows stored"; else not_ok "sqlite3: drift rows '$D'"; fi

# the newest probe of mx1 marked cancelled (watch quit mid-round), the one
# before it altered: the next round compares with the last complete probe
ID_NEW=$(q "SELECT id FROM probes WHERE key = '$K1' ORDER BY at DESC, id DESC LIMIT 1;")
ID_PREV=$(q "SELECT id FROM probes WHERE key = '$K1' ORDER BY at DESC, id DESC LIMIT 1 OFFSET 1;")
q "UPDATE probes SET complete = 0 WHERE id = $ID_NEW; UPDATE probes SET cert_serial = '0CA11ED0', cert_sha256 = 'abad1deaabad1dea' WHERE id = $ID_PREV;"
mxp watch $L --history "$HIST" --rounds 1 lab.test </dev/null
B=$(q "SELECT f.\"before\" FROM findings f JOIN probes p ON p.id = f.probe_id WHERE p.key = '$K1' AND f.id = 'drift.cert_replaced' ORDER BY p.at DESC, p.id DESC LIMIT 1;")
if [ "$B" = "serial 0CA11ED0 sha256 abad1deaabad1dea" ]; then ok "a cancelled probe is skipped: drift against the last complete one"; else not_ok "baseline: before '$B'"; fi

# two domains sharing an MX host (lab.test and stsok.lab.test both use mx1)
# are two histories: their MTA-STS and findings differ, and one round of
# both on a new file is no drift
mxp watch $L --history "$WORK/shared.sqlite" --rounds 1 lab.test stsok.lab.test </dev/null
N=$(sqlite3 "$WORK/shared.sqlite" "SELECT count(*) FROM probes WHERE key = '$K1';")
D=$(sqlite3 "$WORK/shared.sqlite" "SELECT count(*) FROM findings WHERE kind = 'drift';")
if [ "$N" = 2 ] && [ "$D" = 0 ]; then ok "an MX shared by two domains: two probes of $K1, no drift between the domains"; else not_ok "shared MX: $N probes of $K1, $D drift rows"; fi

# ---- files that are not a history -------------------------------------------------
bad_file() { # FILE REGEX DESCRIPTION
	local sum
	sum=$(sha256sum "$1" 2>/dev/null | cut -d' ' -f1)
	mxp history --history "$1"
	if [ "$RC" = 3 ] && [ "$(wc -l <"$WORK/err")" = 1 ] && grep -Eq -- "$2" "$WORK/err" &&
		[ ! -s "$WORK/out" ]; then
		ok "$3: one line, exit 3"
	else
		not_ok "$3: exit $RC"
	fi
	if [ -n "$sum" ] && [ "$(sha256sum "$1" | cut -d' ' -f1)" != "$sum" ]; then not_ok "$3: file changed"; fi
}
bad_file "$WORK/none.sqlite" "no history yet" "a missing file"
printf 'not a database\n%.0s' $(seq 100) >"$WORK/text.sqlite"
bad_file "$WORK/text.sqlite" "not an mxprobe history file" "a text file"
sqlite3 "$WORK/other.sqlite" "CREATE TABLE notes (a); INSERT INTO notes VALUES (1);"
bad_file "$WORK/other.sqlite" "not an mxprobe history file \(an SQLite database with other tables\)" "another SQLite database"
cp "$HIST" "$WORK/future.sqlite"
sqlite3 "$WORK/future.sqlite" "PRAGMA user_version = 7;"
bad_file "$WORK/future.sqlite" "written by a newer mxprobe \(history schema 7; this one reads up to 1\)" "a newer schema"
mxp watch $L --history "$WORK/future.sqlite" --rounds 1 smtp://mx2.lab.test </dev/null
V=$(sqlite3 "$WORK/future.sqlite" "PRAGMA user_version;")
if [ "$RC" = 3 ] && [ "$V" = 7 ] && grep -q "newer mxprobe" "$WORK/err"; then ok "watch refuses a newer schema too and leaves it"; else not_ok "watch on a newer schema: exit $RC, version $V"; fi
: >"$WORK/empty.sqlite"
mxp history --history "$WORK/empty.sqlite"
if [ "$RC" = 0 ] && grep -q "(schema 0), 0 endpoints, 0 probes" "$WORK/out" && [ ! -s "$WORK/empty.sqlite" ]; then
	ok "an empty file reads as empty and stays empty (no migration on read)"
else
	not_ok "empty file: exit $RC"
fi
mxp watch $L --history "$WORK/empty.sqlite" --rounds 1 smtp://mx2.lab.test </dev/null
V=$(sqlite3 "$WORK/empty.sqlite" "PRAGMA user_version; SELECT count(*) FROM probes;" | tr '\n' ' ')
if [ "$V" = "1 1 " ]; then ok "watch migrates an empty file to schema 1 and stores"; else not_ok "empty file after watch: '$V'"; fi
if [ -s "$WORK/sqlite.err" ]; then echo "# sqlite3 said:"; cat "$WORK/sqlite.err"; fi
finish
