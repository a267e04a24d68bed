# tests/: integration tests, fuzz driver, lint.

# ---- fuzz targets ------------------------------------------------------
# Every tests/fuzz/fuzz_<name>.c defines LLVMFuzzerTestOneInput().  Under
# `make check` it is linked with the standalone driver (tests/fuzz/
# driver.c, in libfuzzmain.a), which replays tests/fuzz/corpus/<name>/
# and runs FUZZ_ITERATIONS (default 20000) deterministic mutations, so
# with --enable-sanitizers every fuzz target is an ASan/UBSan regression
# test.  To add a target: append it to FUZZ_TARGETS and give it _SOURCES
# (the target file only) and _LDADD = $(FUZZ_MAIN) <its layer archives>.
#
# `make fuzz` (optional, needs clang with libFuzzer) configures a second
# build in build-fuzz/ with CC=clang and coverage instrumentation, and
# links the same targets against libFuzzer's main instead of the driver
# (FUZZ_MAIN is emptied).  From an out-of-tree build it configures the
# source dir there; from a tree configured in place (the top source dir)
# it configures build-fuzz/tree/, a mirror of the sources as symbolic
# links (tests/fuzz/srctree.sh), since automake refuses a second build of
# a configured source dir.  `make fuzz-run FUZZ_SECONDS=60` (FUZZ_TIME is
# the old name and still works) then fuzzes every target for that many
# seconds, one after the other, seeded from tests/fuzz/corpus/<name>/;
# new inputs go to <fuzz build>/corpus/<name>/ and crashes to
# <fuzz build>/crashes/<name>/; it goes on after a crash and fails at the
# end.  `make fuzz-campaign FUZZ_SECONDS=N` runs tests/fuzz/campaign.sh
# (the same, plus CPU time, executions and coverage per target, written
# to tests/fuzz/README.md).  Replay a crash under the plain build with:
# tests/fuzz/fuzz_<name> CRASHFILE.
check_LIBRARIES = tests/fuzz/libfuzzmain.a
tests_fuzz_libfuzzmain_a_SOURCES = tests/fuzz/driver.c
FUZZ_MAIN = tests/fuzz/libfuzzmain.a

FUZZ_TARGETS = \
	tests/fuzz/fuzz_smtp_reply \
	tests/fuzz/fuzz_ehlo \
	tests/fuzz/fuzz_target
check_PROGRAMS += $(FUZZ_TARGETS)
TESTS += $(FUZZ_TARGETS)

tests_fuzz_fuzz_smtp_reply_SOURCES = tests/fuzz/fuzz_smtp_reply.c
tests_fuzz_fuzz_smtp_reply_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
tests_fuzz_fuzz_ehlo_SOURCES = tests/fuzz/fuzz_ehlo.c
tests_fuzz_fuzz_ehlo_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
tests_fuzz_fuzz_target_SOURCES = tests/fuzz/fuzz_target.c
tests_fuzz_fuzz_target_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
FUZZ_TARGETS += tests/fuzz/fuzz_x509
tests_fuzz_fuzz_x509_SOURCES = tests/fuzz/fuzz_x509.c
tests_fuzz_fuzz_x509_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(OPENSSL_LIBS)
FUZZ_TARGETS += tests/fuzz/fuzz_dns_rdata
tests_fuzz_fuzz_dns_rdata_SOURCES = tests/fuzz/fuzz_dns_rdata.c
tests_fuzz_fuzz_dns_rdata_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
FUZZ_TARGETS += tests/fuzz/fuzz_tls_flight tests/fuzz/fuzz_tls_record
tests_fuzz_fuzz_tls_flight_SOURCES = tests/fuzz/fuzz_tls_flight.c
tests_fuzz_fuzz_tls_flight_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
tests_fuzz_fuzz_tls_record_SOURCES = tests/fuzz/fuzz_tls_record.c
tests_fuzz_fuzz_tls_record_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)

FUZZ_CC = clang
FUZZ_SANITIZE = -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_TIME = 60
FUZZ_SECONDS = $(FUZZ_TIME)
# The fuzz build's directory (relative to the build dir) and the configure
# it runs: build-fuzz over the source dir, or build-fuzz/tree over its
# mirror when the source dir is configured in place.
FUZZ_WHERE = if test "$(abs_top_srcdir)" = "$(abs_top_builddir)"; then \
	  fd=build-fuzz/tree; fconf=./configure; \
	else fd=build-fuzz; fconf=$(abs_top_srcdir)/configure; fi
EXTRA_DIST += tests/fuzz/campaign.sh tests/fuzz/srctree.sh \
	tests/fuzz/README.md
fuzz:
	@command -v $(FUZZ_CC) >/dev/null 2>&1 || { \
	  echo "make fuzz: $(FUZZ_CC) not found (Debian: apt-get install clang)"; \
	  exit 1; }
	@$(FUZZ_WHERE); \
	if test $$fd = build-fuzz/tree; then \
	  $(SHELL) $(abs_top_srcdir)/tests/fuzz/srctree.sh \
	    $(abs_top_srcdir) $$fd || exit 1; \
	fi; \
	$(MKDIR_P) $$fd || exit 1; \
	test -f $$fd/Makefile || ( cd $$fd && $$fconf -q CC=$(FUZZ_CC) \
	    CFLAGS="-g -O1 -fsanitize=fuzzer-no-link $(FUZZ_SANITIZE)" \
	    LDFLAGS="$(FUZZ_SANITIZE)" ) || exit 1; \
	echo "make fuzz: building the fuzz targets in $$fd"; \
	cd $$fd && $(MAKE) $(AM_MAKEFLAGS) FUZZ_MAIN= \
	  LDFLAGS="-fsanitize=fuzzer $(FUZZ_SANITIZE)" $(FUZZ_TARGETS)

fuzz-run: fuzz
	@$(FUZZ_WHERE); failed=; \
	for t in $(FUZZ_TARGETS); do \
	  n=`echo $$t | sed 's|.*/fuzz_||'`; \
	  $(MKDIR_P) $$fd/corpus/$$n $$fd/crashes/$$n || exit 1; \
	  echo "fuzzing $$n for $(FUZZ_SECONDS)s"; \
	  ( cd $$fd && ./$$t -max_total_time=$(FUZZ_SECONDS) \
	      -print_final_stats=1 -artifact_prefix=crashes/$$n/ \
	      corpus/$$n $(abs_top_srcdir)/tests/fuzz/corpus/$$n ) || \
	    failed="$$failed $$n"; \
	done; \
	if test -n "$$failed"; then \
	  echo "make fuzz-run: crashes in:$$failed (see $$fd/crashes/)"; \
	  exit 1; \
	fi

fuzz-campaign: fuzz
	@$(FUZZ_WHERE); \
	FUZZ_BUILD=`pwd`/$$fd $(SHELL) $(abs_top_srcdir)/tests/fuzz/campaign.sh \
	  $(FUZZ_SECONDS)

fuzz-clean:
	-rm -rf build-fuzz
clean-local: fuzz-clean
.PHONY: fuzz fuzz-run fuzz-campaign fuzz-clean
# relaybits: fuzz targets of wire/smtp_data, wire/mailhdr, relay/spool.
FUZZ_TARGETS += tests/fuzz/fuzz_smtp_cmd tests/fuzz/fuzz_mailhdr
tests_fuzz_fuzz_smtp_cmd_SOURCES = tests/fuzz/fuzz_smtp_cmd.c
tests_fuzz_fuzz_smtp_cmd_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
tests_fuzz_fuzz_mailhdr_SOURCES = tests/fuzz/fuzz_mailhdr.c
tests_fuzz_fuzz_mailhdr_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
FUZZ_TARGETS += tests/fuzz/fuzz_spool
tests_fuzz_fuzz_spool_SOURCES = tests/fuzz/fuzz_spool.c
tests_fuzz_fuzz_spool_LDADD = $(FUZZ_MAIN) librelay.a $(LIB_WIRE)
# end relaybits

# ---- lint --------------------------------------------------------------
# `make lint` (rule in Makefile.am) runs tests/lint.sh: banned calls and
# printing outside reports/ tui/ src/ tests/ bench/ fail; clang-format
# differences are reported (fatal with LINT_FORMAT=strict).
EXTRA_DIST += tests/lint.sh

# ---- integration tests ---------------------------------------------------
# Real servers on loopback (tests/lab/lab.sh), the real mxprobe binary.
# They skip (77) without root or the lab on a developer machine and fail
# under CI=true.  They share the lab, which lab.sh starts once (flock).
INTEGRATION_TESTS = \
	tests/integration/check_domain.sh \
	tests/integration/check_certs.sh \
	tests/integration/check_smtp.sh \
	tests/integration/check_dns.sh \
	tests/integration/check_tls.sh \
	tests/integration/certs_export.sh
TESTS += $(INTEGRATION_TESTS)
EXTRA_DIST += $(INTEGRATION_TESTS) tests/integration/lib.sh \
	tests/integration/assert_json.py
# judge: fuzz targets of analyzers/hostname.c and of analyze + render.
FUZZ_TARGETS += tests/fuzz/fuzz_hostname tests/fuzz/fuzz_report
tests_fuzz_fuzz_hostname_SOURCES = tests/fuzz/fuzz_hostname.c
tests_fuzz_fuzz_hostname_LDADD = $(FUZZ_MAIN) $(LIB_ANALYZERS) \
	$(LIBS_ANALYZERS)
tests_fuzz_fuzz_report_SOURCES = tests/fuzz/fuzz_report.c
tests_fuzz_fuzz_report_LDADD = $(FUZZ_MAIN) $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS)
# end judge
# send: fuzz target of relay/auth (SASL challenges, base64).
FUZZ_TARGETS += tests/fuzz/fuzz_auth
tests_fuzz_fuzz_auth_SOURCES = tests/fuzz/fuzz_auth.c
tests_fuzz_fuzz_auth_LDADD = $(FUZZ_MAIN) librelay.a $(LIB_WIRE) \
	$(OPENSSL_LIBS)
# end send
# relaymode: fuzz target of the relay's configuration parsers
# (destination table, retry schedule, --allow, --listen); integration
# tests of relay mode.
FUZZ_TARGETS += tests/fuzz/fuzz_destinations
tests_fuzz_fuzz_destinations_SOURCES = tests/fuzz/fuzz_destinations.c
tests_fuzz_fuzz_destinations_LDADD = $(FUZZ_MAIN) $(LIB_RELAY) $(LIBS_PROBE)
# relay mode against the lab's smarthost, and the SIGKILL test (about a
# minute: 30 kills at most, bounded in time too).
INTEGRATION_TESTS += tests/integration/relay.sh tests/integration/relay_kill.sh
EXTRA_DIST += tests/integration/relay_client.py
# end relaymode
# send: integration tests of send, policy, headers, and secrets.
INTEGRATION_TESTS += tests/integration/send.sh tests/integration/policy.sh \
	tests/integration/headers.sh tests/integration/secrets.sh
# clients: fuzz targets of the GnuTLS backend and of the client
# simulation + its renderers.
FUZZ_TARGETS += tests/fuzz/fuzz_tls_gnutls tests/fuzz/fuzz_clients
tests_fuzz_fuzz_tls_gnutls_SOURCES = tests/fuzz/fuzz_tls_gnutls.c
tests_fuzz_fuzz_tls_gnutls_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
tests_fuzz_fuzz_clients_SOURCES = tests/fuzz/fuzz_clients.c
tests_fuzz_fuzz_clients_LDADD = $(FUZZ_MAIN) $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS)
# end clients
# clients: client simulation, confirmations, advice and intolerance
# against the lab's dhe1024 and intolerant servers.
INTEGRATION_TESTS += tests/integration/clients.sh
# check bisects a FIN/RST endpoint; fixes name only tested settings (issue 11)
INTEGRATION_TESTS += tests/integration/check_intolerant.sh
# enum: fuzz target of the enumeration plan fed by server flights, and
# the enumeration integration test (ciphers, check --deep).
FUZZ_TARGETS += tests/fuzz/fuzz_enum
tests_fuzz_fuzz_enum_SOURCES = tests/fuzz/fuzz_enum.c
tests_fuzz_fuzz_enum_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
INTEGRATION_TESTS += tests/integration/ciphers.sh
# end enum
# relaysplit: the one base64 (common/base64.c), its own test.
check_PROGRAMS += tests/unit/test_base64
TESTS += tests/unit/test_base64
tests_unit_test_base64_SOURCES = tests/unit/test_base64.c
tests_unit_test_base64_LDADD = $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
# end relaysplit
# relaysplit: the OpenSSL memory-BIO core shared by probe/tls_openssl.c
# and relay/tls_server.c (probe/tls_membio.c).
check_PROGRAMS += tests/unit/test_tls_membio
TESTS += tests/unit/test_tls_membio
tests_unit_test_tls_membio_SOURCES = tests/unit/test_tls_membio.c \
	$(TLS_FIXTURE)
tests_unit_test_tls_membio_LDADD = $(LIB_PROBE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)
# end relaysplit
# connrec: connection records (model/conn.h) and what probe/conn.c,
# probe/smtp_client.c and probe/rawhello.c write into them; the SYN count
# of one `ciphers` run against the `connections` of its JSON.
check_PROGRAMS += tests/unit/test_connrec
TESTS += tests/unit/test_connrec
tests_unit_test_connrec_SOURCES = tests/unit/test_connrec.c
tests_unit_test_connrec_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
INTEGRATION_TESTS += tests/integration/connections.sh
# end connrec
# engine: two `check` runs and one `ciphers` run at once on one loop and
# one pool give what they give alone; a cancelled run ends within 1 s
# (tests/unit/engine_runs.c, run by engine.sh against the lab).
check_PROGRAMS += tests/unit/engine_runs
tests_unit_engine_runs_SOURCES = tests/unit/engine_runs.c
tests_unit_engine_runs_LDADD = $(LIB_ANALYZERS) $(LIB_PROBE) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD)
INTEGRATION_TESTS += tests/integration/engine.sh
# end engine
# relaysplit: tests of the modules split out of relay/workers.c and
# relay/listener.c (destination table, retry schedule, addresses, config
# tokens); the workers and listener tests keep the engines.
check_PROGRAMS += tests/unit/test_dest tests/unit/test_retry \
	tests/unit/test_netaddr tests/unit/test_cfgtok
TESTS += tests/unit/test_dest tests/unit/test_retry \
	tests/unit/test_netaddr tests/unit/test_cfgtok
tests_unit_test_dest_SOURCES = tests/unit/test_dest.c
tests_unit_test_dest_LDADD = $(LIB_RELAY) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
tests_unit_test_retry_SOURCES = tests/unit/test_retry.c
tests_unit_test_retry_LDADD = librelay.a $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
tests_unit_test_netaddr_SOURCES = tests/unit/test_netaddr.c
tests_unit_test_netaddr_LDADD = librelay.a $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
tests_unit_test_cfgtok_SOURCES = tests/unit/test_cfgtok.c
tests_unit_test_cfgtok_LDADD = librelay.a $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
# end relaysplit
# validate: every bad input refused before any packet (issue 13); the
# cases are a table beside the script.
INTEGRATION_TESTS += tests/integration/bad_inputs.sh
EXTRA_DIST += tests/integration/bad_inputs.tab
# The --trust-anchor parser: a cmocka program and a fuzz target.
check_PROGRAMS += tests/unit/test_validate_anchor
TESTS += tests/unit/test_validate_anchor
tests_unit_test_validate_anchor_SOURCES = tests/unit/test_validate_anchor.c \
	src/validate_anchor.c src/validate_anchor.h
tests_unit_test_validate_anchor_LDADD = $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
FUZZ_TARGETS += tests/fuzz/fuzz_trust_anchor
tests_fuzz_fuzz_trust_anchor_SOURCES = tests/fuzz/fuzz_trust_anchor.c \
	src/validate_anchor.c src/validate_anchor.h
tests_fuzz_fuzz_trust_anchor_LDADD = $(FUZZ_MAIN) $(LIB_COMMON)
# end validate
# connrec: fuzz target of the ClientHello summary (probe/conn.c).
FUZZ_TARGETS += tests/fuzz/fuzz_conn_hello
tests_fuzz_fuzz_conn_hello_SOURCES = tests/fuzz/fuzz_conn_hello.c
tests_fuzz_fuzz_conn_hello_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
# end connrec fuzz
# rooms (issue 8): tests of the modules split or moved out of src/ - the
# one where/severity (model), the renderers' text helpers, the queue and
# headers renderers, TLSA lookups (lab cases skip without the lab).
check_PROGRAMS += tests/unit/test_where_severity tests/unit/test_textutil \
	tests/unit/test_reports_queue tests/unit/test_reports_headers \
	tests/unit/test_tlsa
TESTS += tests/unit/test_where_severity tests/unit/test_textutil \
	tests/unit/test_reports_queue tests/unit/test_reports_headers \
	tests/unit/test_tlsa
tests_unit_test_where_severity_SOURCES = tests/unit/test_where_severity.c
tests_unit_test_where_severity_LDADD = $(LIB_MODEL) $(CMOCKA_TEST_LDADD)
tests_unit_test_textutil_SOURCES = tests/unit/test_textutil.c
tests_unit_test_textutil_LDADD = $(LIB_REPORTS) $(CMOCKA_TEST_LDADD)
tests_unit_test_reports_queue_SOURCES = tests/unit/test_reports_queue.c
tests_unit_test_reports_queue_LDADD = $(LIB_REPORTS) libanalyzers.a \
	$(LIB_MODEL) $(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)
tests_unit_test_reports_headers_SOURCES = tests/unit/test_reports_headers.c
tests_unit_test_reports_headers_LDADD = $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)
tests_unit_test_tlsa_SOURCES = tests/unit/test_tlsa.c
tests_unit_test_tlsa_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
# end rooms
# rooms: the findings and status of `mxprobe policy` per endpoint
check_PROGRAMS += tests/unit/test_policy_explain
TESTS += tests/unit/test_policy_explain
tests_unit_test_policy_explain_SOURCES = tests/unit/test_policy_explain.c
tests_unit_test_policy_explain_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
# end rooms
# pool: background requests yield to foreground ones (probe/pool.c).
check_PROGRAMS += tests/unit/test_pool
TESTS += tests/unit/test_pool
tests_unit_test_pool_SOURCES = tests/unit/test_pool.c
tests_unit_test_pool_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
# end pool
# hostile: the hostile-server suite (issue 13 point 4): scripted servers
# on 127.0.0.1 (no lab, no root), one table of scenarios.
INTEGRATION_TESTS += tests/integration/hostile.sh
EXTRA_DIST += tests/hostile/scenarios.tab tests/hostile/hostile_server.py \
	tests/hostile/judge.py
# end hostile
# fuzz (issue 13 point 5): the OpenSSL backend fed server bytes, DANE
# matching (TLSA RRset against a sent chain), the escaper of peer text.
FUZZ_TARGETS += tests/fuzz/fuzz_tls_openssl tests/fuzz/fuzz_dane \
	tests/fuzz/fuzz_escape
tests_fuzz_fuzz_tls_openssl_SOURCES = tests/fuzz/fuzz_tls_openssl.c
tests_fuzz_fuzz_tls_openssl_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
tests_fuzz_fuzz_dane_SOURCES = tests/fuzz/fuzz_dane.c
tests_fuzz_fuzz_dane_LDADD = $(FUZZ_MAIN) $(LIB_ANALYZERS) $(LIB_PROBE) \
	$(LIBS_PROBE)
tests_fuzz_fuzz_escape_SOURCES = tests/fuzz/fuzz_escape.c
tests_fuzz_fuzz_escape_LDADD = $(FUZZ_MAIN) $(LIB_COMMON)
# the relay's server-side TLS fed client bytes (key and certificate from
# tests/data, loaded once).
FUZZ_TARGETS += tests/fuzz/fuzz_tls_server
tests_fuzz_fuzz_tls_server_SOURCES = tests/fuzz/fuzz_tls_server.c
tests_fuzz_fuzz_tls_server_CPPFLAGS = $(AM_CPPFLAGS) \
	-DFUZZ_DATA_DIR='"$(abs_top_srcdir)/tests/data"'
tests_fuzz_fuzz_tls_server_LDADD = $(FUZZ_MAIN) librelay.a $(LIB_PROBE) \
	$(OPENSSL_LIBS)
# end fuzz
# grammar: one status line, one JSON envelope and a schema per command,
# certs judged, --json honoured or refused, TERM=dumb (issue 13 point 2)
INTEGRATION_TESTS += tests/integration/grammar.sh
# one option table (src/options.c) feeds --help, doc/mxprobe.1 and the
# completions doc/completions/{mxprobe.bash,_mxprobe} (issue 13 point 2)
TESTS += tests/unit/check_options.sh
EXTRA_DIST += tests/unit/check_options.sh doc/completions/mxprobe.bash \
	doc/completions/_mxprobe
# capture: live --capture of check/ciphers/certs against the lab (issue 9)
INTEGRATION_TESTS += tests/integration/capture_run.sh
INTEGRATION_TESTS += tests/integration/output_file.sh
# dane: DANE in check (issue 11 points 1 and 6): analyzers/dane.c, the
# resolver's AD bit (probe/dns_ad.c), and check against the lab's TLSA
# records.
check_PROGRAMS += tests/unit/test_dane
TESTS += tests/unit/test_dane
tests_unit_test_dane_SOURCES = tests/unit/test_dane.c
tests_unit_test_dane_LDADD = $(LIB_ANALYZERS) $(LIB_PROBE) $(LIBS_PROBE) \
	$(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)
FUZZ_TARGETS += tests/fuzz/fuzz_dns_ad tests/fuzz/fuzz_dane_check
tests_fuzz_fuzz_dns_ad_SOURCES = tests/fuzz/fuzz_dns_ad.c
tests_fuzz_fuzz_dns_ad_LDADD = $(FUZZ_MAIN) $(LIB_PROBE) $(LIBS_PROBE)
tests_fuzz_fuzz_dane_check_SOURCES = tests/fuzz/fuzz_dane_check.c
tests_fuzz_fuzz_dane_check_LDADD = $(FUZZ_MAIN) $(LIB_ANALYZERS) \
	$(LIB_PROBE) $(LIBS_PROBE)
INTEGRATION_TESTS += tests/integration/check_dane.sh
# end dane
# mtasts: MTA-STS and TLS-RPT in check (issue 11 points 2 and 6): the
# parsers (wire/mtasts.c) and the judgement (analyzers/mtasts.c), their
# fuzz target, and check against the lab's MTA-STS domains.
check_PROGRAMS += tests/unit/test_mtasts
TESTS += tests/unit/test_mtasts
tests_unit_test_mtasts_SOURCES = tests/unit/test_mtasts.c
tests_unit_test_mtasts_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_mtasts_probe
TESTS += tests/unit/test_mtasts_probe
tests_unit_test_mtasts_probe_SOURCES = tests/unit/test_mtasts_probe.c
tests_unit_test_mtasts_probe_LDADD = $(LIB_PROBE) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD)
FUZZ_TARGETS += tests/fuzz/fuzz_mtasts
tests_fuzz_fuzz_mtasts_SOURCES = tests/fuzz/fuzz_mtasts.c
tests_fuzz_fuzz_mtasts_LDADD = $(FUZZ_MAIN) $(LIB_WIRE)
INTEGRATION_TESTS += tests/integration/check_mtasts.sh
# end mtasts

# monitor (issue 12 point 4): the --nagios and --junit renderers, and
# check --nagios/--junit against the lab (JUnit against
# tests/data/junit/junit.xsd).
check_PROGRAMS += tests/unit/test_monitor
TESTS += tests/unit/test_monitor
INTEGRATION_TESTS += tests/integration/monitor.sh
tests_unit_test_monitor_SOURCES = tests/unit/test_monitor.c \
	tests/unit/test_analyzers_fixtures.c \
	tests/unit/test_analyzers_fixtures.h
tests_unit_test_monitor_LDADD = $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)
EXTRA_DIST += tests/data/junit/junit.xsd
# end monitor

# exporter (issue 12 point 3): the metrics renderer (escaping, families,
# a model fixture), and the exporter against the lab with promtool and a
# real Prometheus.
check_PROGRAMS += tests/unit/test_metrics
TESTS += tests/unit/test_metrics
tests_unit_test_metrics_SOURCES = tests/unit/test_metrics.c \
	tests/unit/test_analyzers_fixtures.c \
	tests/unit/test_analyzers_fixtures.h
tests_unit_test_metrics_LDADD = $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)
INTEGRATION_TESTS += tests/integration/exporter.sh
INTEGRATION_TESTS += tests/integration/exporter_send.sh
# end exporter
# scan: mxprobe scan (issue 12 points 1 and 2): the targets-file reader
# (unit test and fuzz target) and the lab test (JSON lines, bad lines,
# SIGKILL and resume, three shards).
check_PROGRAMS += tests/unit/test_scanlist
TESTS += tests/unit/test_scanlist
tests_unit_test_scanlist_SOURCES = tests/unit/test_scanlist.c src/scanlist.c
tests_unit_test_scanlist_LDADD = $(CMOCKA_TEST_LDADD)
FUZZ_TARGETS += tests/fuzz/fuzz_scanlist
tests_fuzz_fuzz_scanlist_SOURCES = tests/fuzz/fuzz_scanlist.c src/scanlist.c
tests_fuzz_fuzz_scanlist_LDADD = $(FUZZ_MAIN)
INTEGRATION_TESTS += tests/integration/scan.sh tests/integration/scan_scale.sh \
	tests/integration/scan_dns.sh
EXTRA_DIST += bench/scale_server.c bench/scale_dnscount.py
# mx_pool_set_rate (scan --rate-per-host)
check_PROGRAMS += tests/unit/test_pool_rate
TESTS += tests/unit/test_pool_rate
tests_unit_test_pool_rate_SOURCES = tests/unit/test_pool_rate.c
tests_unit_test_pool_rate_LDADD = $(LIB_PROBE) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD)
# end scan
# history (issue 10): the history file read back from hostile bytes
FUZZ_TARGETS += tests/fuzz/fuzz_history
tests_fuzz_fuzz_history_SOURCES = tests/fuzz/fuzz_history.c
tests_fuzz_fuzz_history_LDADD = $(FUZZ_MAIN) $(LIB_STORE) $(LIBS_STORE)
check_PROGRAMS += tests/unit/test_history_path
TESTS += tests/unit/test_history_path
tests_unit_test_history_path_SOURCES = tests/unit/test_history_path.c \
	src/history_path.c
tests_unit_test_history_path_LDADD = $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
# `mxprobe history` over what watch stored from the lab (sqlite3 CLI too)
INTEGRATION_TESTS += tests/integration/history.sh
# end history
# watch (issue 10): the dashboard in tmux against the lab, and drift
# between two rounds against a server of the test's own
INTEGRATION_TESTS += tests/integration/watch.sh \
	tests/integration/watch_drift.sh tests/integration/watch_capture.sh
EXTRA_DIST += tests/integration/watch_smtpd.py
# end watch
