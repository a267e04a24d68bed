#!/bin/bash
# watch_drift.sh - drift between two rounds of `mxprobe watch` (issue 10):
# a server of this test's own (tests/integration/watch_smtpd.py: SMTP with
# STARTTLS on 127.0.0.61, never a shared lab server) serves certificate A
# with a 2048-bit DH group (ffdhe2048, DHE the only suite), one round is
# stored in a history file; the server is restarted with certificate B
# (same name, another key and serial, from the lab's intermediate CA) and
# Postfix's old 1024-bit group; the next round must report
# drift.cert_replaced and drift.temp_key_weakened - in watch's text and
# JSON output, in `mxprobe history --json`, in the SQLite file itself
# (sqlite3 CLI), and on the dashboard (tmux) as the change marker and in
# the drill-down's history pane.  The before/after values are compared
# with what openssl says of the two certificates, not with constants.
. "$(dirname "$0")/lib.sh"
lab_up
command -v sqlite3 >/dev/null 2>&1 || skip_or_fail "sqlite3 is missing (Debian: sqlite3)"
command -v tmux >/dev/null 2>&1 || skip_or_fail "tmux is missing (Debian: tmux)"

L=$(LABOPTS)
ADDR=127.0.0.61
PORT=2625
TARGET="smtp://$ADDR:$PORT"
KEY="$ADDR[$ADDR]:$PORT/starttls"
HIST="$WORK/history.sqlite"
C=$MXPROBE_LAB_CERTS
SOCK="mxd$$"
SRVPID=

cleanup() {
	tmux -L "$SOCK" kill-server 2>/dev/null
	rm -f "${TMUX_TMPDIR:-/tmp}/tmux-$(id -u)/$SOCK"
	[ -n "$SRVPID" ] && kill "$SRVPID" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT

# two leaves for the same names, signed by the lab's intermediate
for n in a b; do
	openssl req -new -newkey rsa:2048 -nodes -keyout "$WORK/$n.key" \
		-subj "/O=mxprobe watch test/CN=drift.watch.test" \
		-out "$WORK/$n.csr" 2>>"$WORK/openssl.log"
	printf 'subjectAltName=DNS:drift.watch.test,IP:%s\n' "$ADDR" >"$WORK/$n.ext"
	openssl x509 -req -in "$WORK/$n.csr" -CA "$C/int.crt" -CAkey "$C/int.key" \
		-set_serial "0x4$(openssl rand -hex 11 | cut -c2-)" -days 30 \
		-extfile "$WORK/$n.ext" -out "$WORK/$n.crt" 2>>"$WORK/openssl.log"
	cat "$WORK/$n.crt" "$C/int.crt" >"$WORK/$n.chain.pem"
done
SERIAL_A=$(openssl x509 -in "$WORK/a.crt" -noout -serial | cut -d= -f2)
SERIAL_B=$(openssl x509 -in "$WORK/b.crt" -noout -serial | cut -d= -f2)
FP_B=$(openssl x509 -in "$WORK/b.crt" -noout -fingerprint -sha256 | cut -d= -f2 | tr -d : | tr 'A-F' 'a-f')
if [ -n "$SERIAL_A" ] && [ "$SERIAL_A" != "$SERIAL_B" ]; then ok "certificates A and B made"; else not_ok "certificates"; fi

serve() { # CERT DHPARAM
	[ -n "$SRVPID" ] && { kill "$SRVPID" 2>/dev/null; wait "$SRVPID" 2>/dev/null; }
	rm -f "$WORK/srv.pid"
	python3 "$MXPROBE_SRCDIR/tests/integration/watch_smtpd.py" $ADDR $PORT \
		--cert "$WORK/$1.chain.pem" --key "$WORK/$1.key" --dhparam "$2" \
		--ciphers 'DHE-RSA-AES128-GCM-SHA256:@SECLEVEL=0' --tls12 \
		--pidfile "$WORK/srv.pid" >>"$WORK/srv.log" 2>&1 &
	SRVPID=$!
	for _ in $(seq 50); do [ -s "$WORK/srv.pid" ] && return 0; sleep 0.1; done
	return 1
}

# ---- round 1: A, ffdhe2048 --------------------------------------------------
serve a "$MXPROBE_LAB_DH_DIR/ffdhe2048.pem" || skip_or_fail "the test server did not start"
mxp watch $L --history "$HIST" --rounds 1 "$TARGET" </dev/null
expect_out '^Drift since the previous probe: none' "round 1: no drift (nothing before)"
expect_out 'DH.*2048' "round 1 sees the 2048-bit DH temp key"
if [ -s "$HIST" ]; then ok "the history file was written"; else not_ok "no history file"; fi

# ---- round 2: B, 1024-bit group -----------------------------------------------
serve b "$MXPROBE_LAB_DH_DIR/postfix-1024.pem" || skip_or_fail "the test server did not restart"
mxp watch $L --history "$HIST" --rounds 1 "$TARGET" </dev/null
KEYRE=$(printf '%s' "$KEY" | sed -e 's/[.[]/\\&/g' -e 's/]/\\]/g')
expect_out "^  drift\.cert_replaced [a-z]+ $KEYRE: " "text: drift.cert_replaced for the endpoint"
expect_out "drift\.cert_replaced .*$SERIAL_A.*-> .*$SERIAL_B" "text: serial before -> after as openssl reads them"
expect_out '^  drift\.temp_key_weakened critical .*2048.*-> .*1024' "text: drift.temp_key_weakened critical, 2048 -> 1024"
if [ "$RC" = 2 ]; then ok "round with a critical drift exits 2"; else not_ok "exit $RC, want 2"; fi

# ---- history --json --------------------------------------------------------------
mxp history --history "$HIST" --json "$TARGET"
cp "$WORK/out" "$WORK/history.json"
python3 - "$WORK/history.json" "$KEY" "$SERIAL_A" "$SERIAL_B" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
key, sa, sb = sys.argv[2], sys.argv[3].lower(), sys.argv[4].lower()
found = {}
def walk(x):
    if isinstance(x, dict):
        if isinstance(x.get("id"), str) and x["id"].startswith("drift."):
            found[x["id"]] = x
        for v in x.values():
            walk(v)
    elif isinstance(x, list):
        for v in x:
            walk(v)
walk(d)
assert key in json.dumps(d), "endpoint key missing"
c = found.get("drift.cert_replaced")
assert c, "no drift.cert_replaced in %s" % sorted(found)
assert sa in (c.get("before") or "").lower() and sb in (c.get("after") or "").lower(), c
t = found.get("drift.temp_key_weakened")
assert t and t.get("severity") == "critical", t
assert "2048" in t.get("before", "") and "1024" in t.get("after", ""), t
print("ok")
PY
if grep -qx ok "$WORK/aj"; then ok "history --json: cert_replaced (serials) and temp_key_weakened (2048 -> 1024)"; else cat "$WORK/aj"; not_ok "history --json"; fi
mxp history --history "$HIST" "$TARGET"
expect_out 'drift\.cert_replaced' "history text shows drift.cert_replaced"
expect_out 'drift\.temp_key_weakened' "history text shows drift.temp_key_weakened"

# ---- the SQLite file itself ----------------------------------------------------------
N=$(sqlite3 "$HIST" "SELECT count(*) FROM probes WHERE key = '$KEY';" 2>"$WORK/err")
if [ "$N" = 2 ]; then ok "sqlite3: two probes of $KEY"; else not_ok "sqlite3: $N probes"; fi
Q="SELECT f.id FROM findings f JOIN probes p ON p.id = f.probe_id WHERE p.key = '$KEY' AND f.kind = 'drift' ORDER BY f.id;"
sqlite3 "$HIST" "$Q" >"$WORK/out" 2>"$WORK/err"
expect_out '^drift\.cert_replaced$' "sqlite3: drift.cert_replaced stored"
expect_out '^drift\.temp_key_weakened$' "sqlite3: drift.temp_key_weakened stored"
sqlite3 "$HIST" "SELECT f.after FROM findings f WHERE f.id = 'drift.cert_replaced';" >"$WORK/out" 2>"$WORK/err"
if grep -qi "$SERIAL_B" "$WORK/out" || grep -qi "${FP_B:0:16}" "$WORK/out"; then ok "sqlite3: the new certificate in 'after'"; else not_ok "sqlite3: after"; fi

# ---- --json rounds carry the drift too --------------------------------------------------
serve a "$MXPROBE_LAB_DH_DIR/ffdhe2048.pem" || skip_or_fail "restart"
mxp watch $L --history "$HIST" --rounds 1 --json "$TARGET" </dev/null
python3 - "$WORK/out" "$KEY" >"$WORK/aj" 2>&1 <<'PY'
import json, sys
d = json.loads(open(sys.argv[1]).read().splitlines()[0])
ids = {x["id"] for x in d["drift"] if x["key"] == sys.argv[2]}
assert "drift.cert_replaced" in ids, ids
print("ok")
PY
if grep -qx ok "$WORK/aj"; then ok "--json round: drift.cert_replaced (B back to A)"; else cat "$WORK/aj"; not_ok "--json drift"; fi

# ---- the dashboard shows the drift ------------------------------------------------------
serve b "$MXPROBE_LAB_DH_DIR/postfix-1024.pem" || skip_or_fail "restart"
cat >"$WORK/run.sh" <<EOF
#!/bin/bash
"$MXPROBE" watch $L --history "$HIST" --interval 1h "$TARGET" 2>"$WORK/watch.err"
echo "EXIT=\$?"
sleep 600
EOF
chmod +x "$WORK/run.sh"
tmux -L "$SOCK" new-session -d -s d -x 120 -y 40 "$WORK/run.sh"
for _ in $(seq 100); do
	tmux -L "$SOCK" capture-pane -p -t d >"$WORK/out"
	grep -q "probing 0" "$WORK/out" && grep -qE "^[ *]{1,4}(OK|WARN|CRIT|UNKNOWN) " "$WORK/out" && break
	sleep 0.2
done
ROW=$(grep -E "$ADDR" "$WORK/out" | grep -E '(OK|WARN|CRIT|UNKNOWN) ' | head -1)
if printf '%s' "$ROW" | grep -qE '^ *[!*]'; then ok "the row carries the change marker: $ROW"; else not_ok "no change marker in: $ROW"; fi
tmux -L "$SOCK" send-keys -t d Enter
sleep 0.4
tmux -L "$SOCK" send-keys -t d 8
sleep 0.4
for _ in 1 2 3 4 5 6 7 8; do
	tmux -L "$SOCK" capture-pane -p -t d >"$WORK/out"
	grep -q 'drift\.temp_key_weakened' "$WORK/out" && break
	tmux -L "$SOCK" send-keys -t d Tab
	sleep 0.4
done
expect_out 'drift' "the drill-down marks the drift"
expect_out 'drift\.(cert_replaced|temp_key_weakened)' "the drill-down's history names the drift ids"
tmux -L "$SOCK" send-keys -t d q
sleep 1
tmux -L "$SOCK" capture-pane -p -t d >"$WORK/out"
expect_out '^EXIT=0' "q exits 0"
if [ -s "$WORK/watch.err" ]; then cat "$WORK/watch.err"; not_ok "the dashboard wrote to stderr"; else ok "nothing on stderr"; fi
finish
