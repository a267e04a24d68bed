# analyzers layer: pure judgement.  List a file only once it compiles.
noinst_LIBRARIES += libanalyzers.a
libanalyzers_a_SOURCES = \
	%reldir%/analyze.c %reldir%/analyze.h \
	%reldir%/confidence.c \
	%reldir%/confirm_judge.c %reldir%/confirm_judge.h \
	%reldir%/endpoint.c %reldir%/endpoint_int.h \
	%reldir%/endpoint_cert.c %reldir%/endpoint_tls.c \
	%reldir%/hostname.c %reldir%/hostname.h \
	%reldir%/target.c

check_PROGRAMS += tests/unit/test_analyzers_hostname
TESTS += tests/unit/test_analyzers_hostname
tests_unit_test_analyzers_hostname_SOURCES = \
	tests/unit/test_analyzers_hostname.c
tests_unit_test_analyzers_hostname_LDADD = $(LIB_ANALYZERS) \
	$(LIBS_ANALYZERS) $(CMOCKA_TEST_LDADD)

check_PROGRAMS += tests/unit/test_analyzers
TESTS += tests/unit/test_analyzers
tests_unit_test_analyzers_SOURCES = tests/unit/test_analyzers.c \
	tests/unit/test_analyzers_fixtures.c \
	tests/unit/test_analyzers_fixtures.h
tests_unit_test_analyzers_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
# send: delivery TLS policy judgement, SMTP failure explanations.
libanalyzers_a_SOURCES += %reldir%/policy.c %reldir%/policy.h \
	%reldir%/smtp_failures.c %reldir%/smtp_failures.h
# headers: the model of `mxprobe headers` from the parsed header section
libanalyzers_a_SOURCES += %reldir%/headers.c %reldir%/headers.h

# clients: client simulation, cipher-string advice, client findings.
libanalyzers_a_SOURCES += %reldir%/clients.c %reldir%/clients.h \
	%reldir%/clients_int.h %reldir%/clients_predict.c \
	%reldir%/clients_advice.c
check_PROGRAMS += tests/unit/test_clients
TESTS += tests/unit/test_clients
tests_unit_test_clients_SOURCES = tests/unit/test_clients.c
tests_unit_test_clients_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(GNUTLS_LIBS) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_policy tests/unit/test_smtp_failures
TESTS += tests/unit/test_policy tests/unit/test_smtp_failures
tests_unit_test_policy_SOURCES = tests/unit/test_policy.c
tests_unit_test_policy_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
tests_unit_test_smtp_failures_SOURCES = tests/unit/test_smtp_failures.c
tests_unit_test_smtp_failures_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
# enum: judgement of the cipher enumeration (suites, versions, kex, order).
libanalyzers_a_SOURCES += %reldir%/suites.c %reldir%/suites.h
check_PROGRAMS += tests/unit/test_suites
TESTS += tests/unit/test_suites
tests_unit_test_suites_SOURCES = tests/unit/test_suites.c
tests_unit_test_suites_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
# queue: why each message of a relay spool waits (analyzers/queue.h)
libanalyzers_a_SOURCES += %reldir%/queue.c %reldir%/queue.h
# policy_explain: the findings and status of `mxprobe policy` per endpoint
libanalyzers_a_SOURCES += %reldir%/policy_explain.c %reldir%/policy_explain.h
libanalyzers_a_SOURCES += %reldir%/capcorr.c %reldir%/capcorr.h
# dane: DANE in check (issue 11 point 1): analyzers/dane.c judges the TLSA
# records of every endpoint against the chain as sent.
libanalyzers_a_SOURCES += %reldir%/dane.c %reldir%/dane.h
# mtasts: MTA-STS and TLS-RPT judgement in check (issue 11)
libanalyzers_a_SOURCES += %reldir%/mtasts.c %reldir%/mtasts.h
# drift: what changed between two snapshots of one endpoint (issue 10)
libanalyzers_a_SOURCES += %reldir%/drift.c %reldir%/drift.h
check_PROGRAMS += tests/unit/test_drift
TESTS += tests/unit/test_drift
tests_unit_test_drift_SOURCES = tests/unit/test_drift.c
tests_unit_test_drift_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
# Every client setting a fix names was tested in that run: the JSON of
# real lab runs (tests/data/labruns, recorded by its record.sh) walked
# (issue 11 point 4).
check_PROGRAMS += tests/unit/test_fix_strings
TESTS += tests/unit/test_fix_strings
tests_unit_test_fix_strings_SOURCES = tests/unit/test_fix_strings.c
tests_unit_test_fix_strings_LDADD = $(JANSSON_LIBS) $(CMOCKA_TEST_LDADD)
