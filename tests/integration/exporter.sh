#!/usr/bin/env bash
# mxprobe exporter (issue 12 point 3) against the lab: /probe answers in
# the Prometheus text format (probe_success 1 for mx1, promtool check
# metrics clean), 400/403/404 answers, loopback only without
# --listen-any, and a real Prometheus (Debian's prometheus package)
# scraping the exporter for three lab targets through the
# blackbox_exporter relabelling, its query API answering probe_success
# for each.
. "$MXPROBE_SRCDIR/tests/integration/lib.sh"
lab_up

command -v promtool >/dev/null 2>&1 && command -v prometheus >/dev/null 2>&1 ||
	skip_or_fail "promtool/prometheus missing (apt-get install prometheus)"

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

# wait_http URL: bounded (50 x 0.1 s)
wait_http() {
	local i
	for i in $(seq 1 50); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	return 1
}

PORT=$(free_port)
BASE="http://127.0.0.1:$PORT"
"$MXPROBE" exporter --listen "127.0.0.1:$PORT" $(LABOPTS) --timeout 5 \
	>"$WORK/exporter.out" 2>"$WORK/exporter.err" &
PIDS="$PIDS $!"
if wait_http "$BASE/"; then ok "exporter listens on 127.0.0.1:$PORT"; else
	cat "$WORK/exporter.err"; not_ok "exporter did not start"; exit 1; fi

# code URL: the HTTP status, body in $WORK/out
code() {
	curl -s -o "$WORK/out" -w '%{http_code}' "$@"
}

c=$(code -H 'X-Prometheus-Scrape-Timeout-Seconds: 10' \
	"$BASE/probe?target=smtp://mx1.lab.test&module=check")
if [ "$c" = 200 ]; then ok "mx1 probe: 200"; else not_ok "mx1 probe: $c"; fi
if grep -qx 'probe_success 1' "$WORK/out"; then ok "mx1: probe_success 1"; else not_ok "mx1: probe_success"; fi
if grep -q '^probe_tls_version_info{endpoint="mx1.lab.test \[127.0.0.31\]:25",version="TLS 1\.[23]"} 1$' "$WORK/out"; then
	ok "mx1: probe_tls_version_info"; else not_ok "mx1: probe_tls_version_info"; fi
if grep -q '^probe_ssl_earliest_cert_expiry [0-9]' "$WORK/out"; then ok "mx1: earliest expiry"; else not_ok "mx1: earliest expiry"; fi
if grep -q '^mxprobe_exit_status 0$' "$WORK/out"; then ok "mx1: exit status 0"; else not_ok "mx1: exit status"; fi
if promtool check metrics <"$WORK/out" >"$WORK/promtool" 2>&1; then
	ok "promtool check metrics: clean"
else
	cat "$WORK/promtool"; not_ok "promtool check metrics"
fi
c=$(code "$BASE/probe?target=lab.test&module=deep")
if [ "$c" = 200 ] && promtool check metrics <"$WORK/out" >"$WORK/promtool" 2>&1; then
	ok "lab.test deep: 200, promtool clean"
else
	cat "$WORK/promtool"; not_ok "lab.test deep: $c"
fi

c=$(code "$BASE/probe?module=check")
if [ "$c" = 400 ] && [ "$(wc -l <"$WORK/out")" -eq 1 ]; then ok "missing target: 400, one line"; else not_ok "missing target: $c"; fi
c=$(code "$BASE/probe?target=smtp://%5Bnot:a:host&module=check")
if [ "$c" = 400 ]; then ok "bad target: 400"; else not_ok "bad target: $c"; fi
c=$(code "$BASE/probe?target=mx1.lab.test&module=nope")
if [ "$c" = 400 ]; then ok "unknown module: 400"; else not_ok "unknown module: $c"; fi
c=$(code "$BASE/nowhere")
if [ "$c" = 404 ]; then ok "unknown path: 404"; else not_ok "unknown path: $c"; fi
c=$(code "$BASE/metrics")
if [ "$c" = 200 ] && grep -q '^mxprobe_exporter_probe_duration_seconds_count [1-9]' "$WORK/out" &&
	grep -q '^process_start_time_seconds [0-9]' "$WORK/out" &&
	promtool check metrics <"$WORK/out" >"$WORK/promtool" 2>&1; then
	ok "/metrics: probe durations, start time, promtool clean"
else
	cat "$WORK/promtool"; not_ok "/metrics: $c"
fi

# loopback only unless --listen-any
mxp exporter --listen "0.0.0.0:$(free_port)"
expect_rc 3 "a non-loopback --listen is refused"
mxp exporter --listen "127.0.0.1:$(free_port)" --json
expect_rc 3 "--json is refused"

# --allow FILE: another target is 403
printf '# lab\nsmtp://mx1.lab.test\n' >"$WORK/allow"
APORT=$(free_port)
"$MXPROBE" exporter --listen "127.0.0.1:$APORT" --allow "$WORK/allow" $(LABOPTS) \
	--timeout 5 >/dev/null 2>"$WORK/allow.err" &
PIDS="$PIDS $!"
wait_http "http://127.0.0.1:$APORT/" || not_ok "allow exporter did not start"
c=$(code "http://127.0.0.1:$APORT/probe?target=smtp://mx2.lab.test")
if [ "$c" = 403 ]; then ok "--allow: other target 403"; else not_ok "--allow: other target $c"; fi
c=$(code "http://127.0.0.1:$APORT/probe?target=smtp://mx1.lab.test")
if [ "$c" = 200 ]; then ok "--allow: listed target 200"; else not_ok "--allow: listed target $c"; fi

# --max-probes 1: a second probe while one waits on a silent server is
# 503; the first ends within the scrape timeout less the margin.
MPORT=$(free_port)
"$MXPROBE" exporter --listen "127.0.0.1:$MPORT" --max-probes 1 $(LABOPTS) \
	--timeout 20 >/dev/null 2>"$WORK/max.err" &
MPID=$!
PIDS="$PIDS $MPID"
wait_http "http://127.0.0.1:$MPORT/" || not_ok "max-probes exporter did not start"
t0=$(date +%s)
curl -s -o "$WORK/slow" -H 'X-Prometheus-Scrape-Timeout-Seconds: 3' \
	"http://127.0.0.1:$MPORT/probe?target=smtp://silent.lab.test" &
SLOW=$!
sleep 0.5
c=$(code "http://127.0.0.1:$MPORT/probe?target=smtp://mx1.lab.test")
if [ "$c" = 503 ]; then ok "--max-probes 1: the second probe 503"; else not_ok "--max-probes 1: second probe $c"; fi
wait "$SLOW"
t1=$(date +%s)
if grep -qx 'probe_success 0' "$WORK/slow" && [ $((t1 - t0)) -le 5 ]; then
	ok "silent server: probe_success 0 within the scrape timeout ($((t1 - t0)) s)"
else
	not_ok "silent server: $((t1 - t0)) s, $(grep '^probe_success' "$WORK/slow")"
fi
# SIGTERM: the exporter ends at once, exit 0
kill "$MPID"
RC=0
wait "$MPID" || RC=$?
expect_rc 0 "SIGTERM ends the exporter"

# A real Prometheus, blackbox_exporter's relabelling.
PPORT=$(free_port)
TARGETS="smtp://mx1.lab.test lab.test expiring.lab.test"
cat >"$WORK/prometheus.yml" <<YML
global:
  scrape_interval: 2s
  scrape_timeout: 2s
scrape_configs:
  - job_name: mxprobe
    metrics_path: /probe
    params:
      module: [check]
    static_configs:
      - targets: ['smtp://mx1.lab.test', 'lab.test', 'expiring.lab.test']
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
PIDS="$PIDS $!"
# bounded: at most 60 tries and 90 seconds
got=""
start=$(date +%s)
for i in $(seq 1 60); do
	[ $(($(date +%s) - start)) -lt 90 ] || break
	if curl -s -o "$WORK/q.json" "http://127.0.0.1:$PPORT/api/v1/query?query=probe_success" &&
		got=$(python3 - "$WORK/q.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join(sorted(r["metric"].get("instance", "") + "=" + r["value"][1]
                      for r in d["data"]["result"])))
PY
		) && [ "$(echo "$got" | wc -w)" -ge 3 ]; then
		break
	fi
	sleep 1
done
for t in $TARGETS; do
	case " $got " in
	*" $t="[01]" "*) ok "prometheus: probe_success for $t (${got})" ;;
	*) tail -20 "$WORK/prometheus.log"; not_ok "prometheus: no probe_success for $t (got: $got)" ;;
	esac
done
case " $got " in
*" smtp://mx1.lab.test=1 "*) ok "prometheus: mx1 probe_success 1" ;;
*) not_ok "prometheus: mx1 probe_success not 1 ($got)" ;;
esac

# Stop everything now; no sanitizer report in any exporter's stderr.
for p in $PIDS; do kill "$p" 2>/dev/null; done
for p in $PIDS; do wait "$p" 2>/dev/null; done
PIDS=""
if grep -l 'Sanitizer' "$WORK"/*.err >/dev/null 2>&1; then
	cat "$WORK"/*.err; not_ok "a sanitizer report"
else
	ok "no sanitizer report from the exporters"
fi

finish
