# reports layer: renderers.  List a file only once it compiles.
noinst_LIBRARIES += libreports.a
libreports_a_SOURCES = \
	%reldir%/json.c %reldir%/json.h \
	%reldir%/jsonutil.c %reldir%/jsonutil.h \
	%reldir%/pem.c %reldir%/pem.h \
	%reldir%/text.c %reldir%/text.h \
	%reldir%/util.c %reldir%/util.h \
	%reldir%/textutil.c %reldir%/textutil.h \
	%reldir%/chain.c %reldir%/chain.h

check_PROGRAMS += tests/unit/test_reports
TESTS += tests/unit/test_reports
tests_unit_test_reports_SOURCES = tests/unit/test_reports.c \
	tests/unit/test_analyzers_fixtures.c \
	tests/unit/test_analyzers_fixtures.h
# The golden run is judged by the real analyzers; the renderers
# themselves (libreports.a) read only the model.
tests_unit_test_reports_LDADD = $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)

# The golden JSON report against doc/mxprobe-check.schema.json
# (python3-jsonschema; skips without it, fails under CI=true).
TESTS += tests/unit/check_schema.sh
EXTRA_DIST += tests/unit/check_schema.sh

check_PROGRAMS += tests/unit/test_reports_pem
TESTS += tests/unit/test_reports_pem
tests_unit_test_reports_pem_SOURCES = tests/unit/test_reports_pem.c
tests_unit_test_reports_pem_LDADD = $(LIB_REPORTS) $(LIBS_REPORTS) \
	$(CMOCKA_TEST_LDADD)
# send: renderers of a delivery and of a policy table.
libreports_a_SOURCES += %reldir%/send.c %reldir%/send.h
# clients: client table, tested advice, intolerance (text and JSON).
libreports_a_SOURCES += %reldir%/clients.c %reldir%/clients.h
check_PROGRAMS += tests/unit/test_reports_clients
TESTS += tests/unit/test_reports_clients
tests_unit_test_reports_clients_SOURCES = tests/unit/test_reports_clients.c
tests_unit_test_reports_clients_LDADD = $(LIB_REPORTS) $(LIBS_REPORTS) \
	$(CMOCKA_TEST_LDADD)
# enum: the cipher enumeration as text tables and the JSON "enumeration".
libreports_a_SOURCES += %reldir%/ciphers.c %reldir%/ciphers.h
check_PROGRAMS += tests/unit/test_enum_report
TESTS += tests/unit/test_enum_report
tests_unit_test_enum_report_SOURCES = tests/unit/test_enum_report.c
tests_unit_test_enum_report_LDADD = $(LIB_REPORTS) $(LIB_ANALYZERS) \
	$(LIBS_REPORTS) $(CMOCKA_TEST_LDADD)
# queue and headers: the renderers of `mxprobe queue` and `mxprobe headers`
libreports_a_SOURCES += %reldir%/queue.c %reldir%/queue.h \
	%reldir%/headers.c %reldir%/headers.h
libreports_a_SOURCES += %reldir%/wire_text.c %reldir%/wire_text.h
libreports_a_SOURCES += %reldir%/sts_text.c %reldir%/sts_text.h

# monitor (issue 12 point 4): --nagios and --junit renderers
libreports_a_SOURCES += %reldir%/nagios.c %reldir%/nagios.h \
	%reldir%/junit.c %reldir%/junit.h

# exporter (issue 12 point 3): the Prometheus text format renderer.
libreports_a_SOURCES += %reldir%/metrics.c %reldir%/metrics.h
# end exporter
# history (issue 10): `mxprobe history` as text and JSON
libreports_a_SOURCES += %reldir%/history.h %reldir%/history_text.c \
	%reldir%/history_json.c
check_PROGRAMS += tests/unit/test_reports_history
TESTS += tests/unit/test_reports_history
tests_unit_test_reports_history_SOURCES = tests/unit/test_reports_history.c
tests_unit_test_reports_history_LDADD = $(LIB_REPORTS) $(LIBS_REPORTS) \
	$(CMOCKA_TEST_LDADD)
