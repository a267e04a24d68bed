#!/usr/bin/env bash
# mxprobe exporter, module=send (issue 12 point 3) against the lab's
# Postfix: a scrape delivers one test message through the target (AUTH on
# the submission server, verify policy) and it arrives in the lab's
# Maildir (probe_success 1, end-to-end seconds); a refusing server gives
# probe_success 0 with the failed stage and its reply code (RCPT 554
# without AUTH, 554 greeting, policy defer on the no-TLS server); without
# --to module=send is 400; the scrape timeout bounds a silent server; the
# password is in no output and no log; promtool is clean; and a real
# Prometheus scraping a send job answers probe_success.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 ||
	skip_or_fail "promtool/prometheus missing (apt-get install prometheus)"
[ -n "${MXPROBE_LAB_AUTH_USER:-}" ] && [ -n "${MXPROBE_LAB_AUTH_PWFILE:-}" ] ||
	skip_or_fail "the lab has no AUTH user (MXPROBE_LAB_AUTH_USER)"

PIDS=""
cleanup() {
	local p
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	for p in $PIDS; do wait "$p" 2>/dev/null; done
	rm -rf "$WORK"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
wait_http() {	# bounded: 50 x 0.1 s
	local i
	for i in $(seq 1 50); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}
code() {	# the HTTP status; the body in $WORK/out
	curl -s -o "$WORK/out" -w '%{http_code}' "$@"
}
has() {	# REGEX DESCRIPTION: a line of $WORK/out
	if grep -Eq -- "$1" "$WORK/out"; then ok "$2"; else
		grep -v '^#' "$WORK/out" | head -30; not_ok "$2 (no /$1/)"; fi
}
promtool_clean() {
	if promtool check metrics <"$WORK/out" >"$WORK/promtool" 2>&1; then
		ok "$1: promtool check metrics clean"
	else
		cat "$WORK/promtool"; not_ok "$1: promtool"
	fi
}

MD="$MXPROBE_LAB_MAILDIR/lab.test/test"
PW="$WORK/pw"
cp "$MXPROBE_LAB_AUTH_PWFILE" "$PW"
chmod 600 "$PW"
SUBJ="exporter-send $$ $(date +%s%N)"
SECRET=$(cat "$PW")

# Options that need --to are refused at start without it.
mxp exporter --listen "127.0.0.1:$(free_port)" $(LABOPTS) \
	--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-file "$PW"
expect_rc 3 "--auth-user without --to is refused at start"
expect_err "need --to" "... saying --to is needed"
mxp exporter --listen "127.0.0.1:$(free_port)" $(LABOPTS) --to test@lab.test \
	--via smtp.lab.test
expect_rc 3 "--via is refused (the scrape's target is the next hop)"
mxp exporter --listen "127.0.0.1:$(free_port)" $(LABOPTS) --to test@lab.test \
	--auth-user "$MXPROBE_LAB_AUTH_USER" --auth-password-env MXPROBE_NO_SUCH_VAR
expect_rc 3 "--auth-password-env naming an unset variable is refused"

# 1. No --to: module=send is 400 with one clear line.
NPORT=$(free_port)
"$MXPROBE" exporter --listen "127.0.0.1:$NPORT" $(LABOPTS) --timeout 5 \
	>/dev/null 2>"$WORK/none.err" &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$NPORT/" || not_ok "the exporter without --to did not start"
c=$(code "http://127.0.0.1:$NPORT/probe?target=submission://smtp.lab.test&module=send")
if [ "$c" = 400 ] && [ "$(wc -l <"$WORK/out")" -eq 1 ] && grep -q -- '--to' "$WORK/out"; then
	ok "module=send without --to: 400, one line ($(cat "$WORK/out"))"
else
	not_ok "module=send without --to: $c $(cat "$WORK/out")"
fi
c=$(code "http://127.0.0.1:$NPORT/probe?target=submission://smtp.lab.test&module=send&to=postmaster@lab.test")
if [ "$c" = 400 ]; then ok "a to= in the query does not make it send (400)"; else not_ok "to= in the query: $c"; fi

# 2. The sending exporter: AUTH, verify, the Maildir, an allow-list.
printf 'submission://smtp.lab.test\nsmtp://notls.lab.test\nsmtp://reject554.lab.test\nsmtp://silent.lab.test\n' >"$WORK/allow"
PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$MXPROBE" exporter --listen "127.0.0.1:$PORT" $(LABOPTS) --timeout 5 \
	--allow "$WORK/allow" --to test@lab.test --from "$MXPROBE_LAB_VERIFIED_SENDER" \
	--subject "$SUBJ" --auth-user "$MXPROBE_LAB_AUTH_USER" \
	--auth-password-file "$PW" --tls-policy verify --maildir "$MD" \
	-vv --trace smtp,tls >"$WORK/send.out" 2>"$WORK/send.err" &
PIDS="$PIDS $!"
if wait_http "$BASE/"; then ok "the sending exporter listens"; else
	cat "$WORK/send.err"; not_ok "the sending exporter did not start"; exit 1; fi

c=$(code -H 'X-Prometheus-Scrape-Timeout-Seconds: 15' \
	"$BASE/probe?target=submission://smtp.lab.test&module=send")
cp "$WORK/out" "$WORK/delivered.prom"
if [ "$c" = 200 ]; then ok "send via submission: 200"; else not_ok "send via submission: $c"; fi
has '^probe_success 1$' "send via submission: probe_success 1"
has '^mxprobe_send_delivered 1$' "send via submission: delivered"
has '^mxprobe_send_encrypted 1$' "send via submission: encrypted"
has '^mxprobe_send_stage_duration_seconds\{stage="auth"\} [0-9.]+$' "stage auth timed"
has '^mxprobe_send_stage_duration_seconds\{stage="data"\} [0-9.]+$' "stage data timed"
has '^mxprobe_send_arrived 1$' "arrived in the Maildir"
has '^mxprobe_end_to_end_seconds [0-9]+\.[0-9]+$' "end-to-end seconds present"
has '^probe_tls_version_info\{endpoint="smtp.lab.test \[127.0.0.37\]:587",version="TLS 1\.[23]"\} 1$' "probe_tls_version_info of the session"
has '^probe_ssl_last_chain_info\{endpoint="smtp.lab.test \[127.0.0.37\]:587",fingerprint_sha256="[0-9a-f]{64}",subject="CN=smtp.lab.test' "probe_ssl_last_chain_info of the session"
if grep -q '^mxprobe_send_reply_code{' "$WORK/out"; then not_ok "a reply code on success"; else ok "no failed-stage code on success"; fi
promtool_clean "delivered"
n=$(grep -rlF -- "Subject: $SUBJ" "$MD" 2>/dev/null | wc -l)
if [ "$n" -ge 1 ]; then ok "the message is in the lab Maildir ($n file(s) with the subject)"; else not_ok "no file with the subject in $MD"; fi

# Refusals: the failed stage and its code
c=$(code "$BASE/probe?target=smtp://reject554.lab.test&module=send")
if [ "$c" = 200 ]; then ok "reject554: 200"; else not_ok "reject554: $c"; fi
has '^probe_success 0$' "reject554: probe_success 0"
has '^mxprobe_send_failed_stage\{stage="banner"\} 1$' "reject554: failed at the banner"
has '^mxprobe_send_reply_code\{stage="banner"\} 554$' "reject554: reply code 554"
has '^mxprobe_finding\{id="smtp.greeting_rejected",severity="critical"' "reject554: finding smtp.greeting_rejected"
promtool_clean "reject554"
c=$(code "$BASE/probe?target=smtp://notls.lab.test&module=send")
has '^probe_success 0$' "notls under verify: probe_success 0"
has '^mxprobe_send_failed_stage\{stage="policy"\} 1$' "notls under verify: failed at the policy"
has '^mxprobe_finding\{id="policy.would_defer",severity="critical"' "notls: finding policy.would_defer"
has '^mxprobe_send_encrypted 0$' "notls: not encrypted"
promtool_clean "notls"
c=$(code "$BASE/probe?target=smtp://mx1.lab.test&module=send")
if [ "$c" = 403 ]; then ok "--allow applies to module=send (403)"; else not_ok "--allow: $c"; fi
t0=$(date +%s)
c=$(code -H 'X-Prometheus-Scrape-Timeout-Seconds: 3' "$BASE/probe?target=smtp://silent.lab.test&module=send")
t1=$(date +%s)
if [ "$c" = 200 ] && grep -qx 'probe_success 0' "$WORK/out" && [ $((t1 - t0)) -le 5 ]; then
	ok "silent server: probe_success 0 within the scrape timeout ($((t1 - t0)) s)"
else
	not_ok "silent server: $c in $((t1 - t0)) s"
fi

# 3. A recipient the lab refuses: no AUTH on submission -> RCPT 554.
RPORT=$(free_port)
"$MXPROBE" exporter --listen "127.0.0.1:$RPORT" $(LABOPTS) --timeout 5 \
	--to test@lab.test --from "$MXPROBE_LAB_VERIFIED_SENDER" --tls-policy encrypt \
	>/dev/null 2>"$WORK/rcpt.err" &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$RPORT/" || not_ok "the no-AUTH exporter did not start"
c=$(code "http://127.0.0.1:$RPORT/probe?target=submission://smtp.lab.test&module=send")
if [ "$c" = 200 ]; then ok "no AUTH: 200"; else not_ok "no AUTH: $c"; fi
has '^probe_success 0$' "no AUTH: probe_success 0"
has '^mxprobe_send_failed_stage\{stage="rcpt"\} 1$' "no AUTH: failed at RCPT"
has '^mxprobe_send_reply_code\{stage="rcpt"\} 554$' "no AUTH: RCPT reply code 554"
has '^mxprobe_finding\{id="smtp.recipient_rejected"' "no AUTH: finding smtp.recipient_rejected"
promtool_clean "RCPT refused"

# 4. A real Prometheus scraping a send job (blackbox_exporter's
# relabelling); a long interval: every scrape is a message.
PPORT=$(free_port)
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 30s
  scrape_timeout: 10s
scrape_configs:
  - job_name: mxprobe_send
    metrics_path: /probe
    params:
      module: [send]
    static_configs:
      - targets: ['submission://smtp.lab.test']
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: 127.0.0.1:$PORT
YML
if promtool check config "$WORK/prometheus.yml" >"$WORK/promtool" 2>&1; then ok "prometheus.yml valid"; else cat "$WORK/promtool"; not_ok "prometheus.yml"; fi
prometheus --config.file="$WORK/prometheus.yml" \
	--storage.tsdb.path="$WORK/tsdb" \
	--web.listen-address="127.0.0.1:$PPORT" \
	>"$WORK/prometheus.log" 2>&1 &
PROM=$!
PIDS="$PIDS $PROM"
got=""
start=$(date +%s)
for i in $(seq 1 60); do	# bounded: 60 tries, 90 s
	[ $(($(date +%s) - start)) -lt 90 ] || break
	if curl -s -o "$WORK/q.json" "http://127.0.0.1:$PPORT/api/v1/query?query=probe_success%7Bjob%3D%22mxprobe_send%22%7D" &&
		got=$(python3 - "$WORK/q.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(r["metric"].get("instance", "") + "=" + r["value"][1]
               for r in d["data"]["result"]))
PY
		) && [ -n "$got" ]; then
		break
	fi
	sleep 1
done
case " $got " in
*" submission://smtp.lab.test=1 "*) ok "prometheus: probe_success 1 for the send job ($got)" ;;
*) tail -20 "$WORK/prometheus.log"; not_ok "prometheus: send job probe_success (got: $got)" ;;
esac
kill "$PROM" 2>/dev/null
wait "$PROM" 2>/dev/null

# 5. Stop everything; then: the password in no output, metrics or log.
for p in $PIDS; do kill "$p" 2>/dev/null; done
for p in $PIDS; do wait "$p" 2>/dev/null; done
PIDS=""
if grep -q -- '-> <redacted>' "$WORK/send.err" && grep -q -- '<- 235' "$WORK/send.err"; then
	ok "the exporter's log holds the SMTP trace of the AUTH (redacted, then 235)"
else
	not_ok "the exporter's log has no AUTH trace to check"
fi
leaks=$(grep -rlF --exclude=pw -- "$SECRET" "$WORK" 2>/dev/null | grep -v '/tsdb/' || true)
tsdb=$(grep -rlF -- "$SECRET" "$WORK/tsdb" 2>/dev/null || true)
if [ -z "$leaks" ] && [ -z "$tsdb" ]; then
	ok "the password is in no output, metrics, log or the Prometheus store"
else
	not_ok "the password leaked into: $leaks $tsdb"
fi
if grep -l 'Sanitizer' "$WORK"/*.err >/dev/null 2>&1; then
	cat "$WORK"/*.err; not_ok "a sanitizer report"
else
	ok "no sanitizer report from the exporters"
fi

finish
