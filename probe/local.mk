# probe layer: all network I/O.  Each engineer appends their own lines;
# list a file here only once it compiles.
noinst_LIBRARIES += libprobe.a
libprobe_a_SOURCES = \
	%reldir%/dns.h %reldir%/target.h %reldir%/tls.h %reldir%/x509.h

# targets and DNS (dns)
libprobe_a_SOURCES += %reldir%/target.c
check_PROGRAMS += tests/unit/test_target
TESTS += tests/unit/test_target
tests_unit_test_target_SOURCES = tests/unit/test_target.c
tests_unit_test_target_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
libprobe_a_SOURCES += %reldir%/dns.c %reldir%/dns_int.h %reldir%/dns_rdata.c \
	%reldir%/dns_resolve.c %reldir%/dns_fwd.c
# TLSA lookups of a target's endpoints (RFC 7672), on top of dns.h
libprobe_a_SOURCES += %reldir%/tlsa.c %reldir%/tlsa.h
# the resolver's AD bit when no trust anchor is given (DANE in check)
libprobe_a_SOURCES += %reldir%/dns_ad.c %reldir%/dns_ad.h \
	%reldir%/dns_adcache.c %reldir%/dns_adcache.h
check_PROGRAMS += tests/unit/test_dns
TESTS += tests/unit/test_dns
tests_unit_test_dns_SOURCES = tests/unit/test_dns.c
tests_unit_test_dns_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_dns_share
TESTS += tests/unit/test_dns_share
tests_unit_test_dns_share_SOURCES = tests/unit/test_dns_share.c
tests_unit_test_dns_share_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_dns_rdata
TESTS += tests/unit/test_dns_rdata
tests_unit_test_dns_rdata_SOURCES = tests/unit/test_dns_rdata.c
tests_unit_test_dns_rdata_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)

# connection layer, SMTP client engine, scheduler (core)
libprobe_a_SOURCES += \
	%reldir%/conn.c %reldir%/conn.h \
	%reldir%/smtp_client.c %reldir%/smtp_client.h \
	%reldir%/smtp_client_int.h %reldir%/smtp_client_io.c \
	%reldir%/smtp_client_end.c \
	%reldir%/pool.c %reldir%/pool.h \
	%reldir%/engine.c %reldir%/engine.h %reldir%/engine_int.h \
	%reldir%/engine_stages.c

# OpenSSL TLS backend and certificate facts (tls)
libprobe_a_SOURCES += %reldir%/x509.c
check_PROGRAMS += tests/unit/test_x509
TESTS += tests/unit/test_x509
tests_unit_test_x509_SOURCES = tests/unit/test_x509.c
tests_unit_test_x509_LDADD = $(LIB_PROBE) $(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)
libprobe_a_SOURCES += %reldir%/tls_openssl.c
# the memory-BIO core and OpenSSL error text, shared with relay/tls_server
libprobe_a_SOURCES += %reldir%/tls_membio.c %reldir%/tls_membio.h
# the OpenSSL test server of the TLS tests (in memory and on a socket)
TLS_FIXTURE = tests/unit/tls_fixture.c tests/unit/tls_fixture.h
check_PROGRAMS += tests/unit/test_tls_openssl
TESTS += tests/unit/test_tls_openssl
tests_unit_test_tls_openssl_SOURCES = tests/unit/test_tls_openssl.c \
	$(TLS_FIXTURE)
tests_unit_test_tls_openssl_LDADD = $(LIB_PROBE) $(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_smtp_client
TESTS += tests/unit/test_smtp_client
tests_unit_test_smtp_client_SOURCES = tests/unit/test_smtp_client.c
tests_unit_test_smtp_client_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)

# GnuTLS TLS backend (clients)
libprobe_a_SOURCES += %reldir%/tls_gnutls.c
check_PROGRAMS += tests/unit/test_tls_gnutls
TESTS += tests/unit/test_tls_gnutls
tests_unit_test_tls_gnutls_SOURCES = tests/unit/test_tls_gnutls.c \
	$(TLS_FIXTURE)
tests_unit_test_tls_gnutls_LDADD = $(LIB_PROBE) $(GNUTLS_LIBS) \
	$(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)

# raw ClientHello engine and enumeration (enum)
libprobe_a_SOURCES += %reldir%/rawhello.c %reldir%/rawhello.h
libprobe_a_SOURCES += %reldir%/enum.c %reldir%/enum.h %reldir%/enum_int.h \
	%reldir%/enum_offer.c %reldir%/enum_plan.c %reldir%/enum_classify.c \
	%reldir%/enum_dh.c %reldir%/enum_facts.c
# versions an intolerance blocked, enumerated again without the dropped
# suite class (called from the bisection)
libprobe_a_SOURCES += %reldir%/enum_retry.c %reldir%/enum_retry.h
check_PROGRAMS += tests/unit/test_enum_retry
TESTS += tests/unit/test_enum_retry
tests_unit_test_enum_retry_SOURCES = tests/unit/test_enum_retry.c
tests_unit_test_enum_retry_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_enum
TESTS += tests/unit/test_enum
tests_unit_test_enum_SOURCES = tests/unit/test_enum.c
tests_unit_test_enum_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_enum_raw
TESTS += tests/unit/test_enum_raw
tests_unit_test_enum_raw_SOURCES = tests/unit/test_enum_raw.c
tests_unit_test_enum_raw_LDADD = $(LIB_PROBE) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)

# client confirmations, advice tests, intolerance bisection (clients)
libprobe_a_SOURCES += %reldir%/confirm.c %reldir%/confirm.h \
	%reldir%/client_play.c %reldir%/client_play.h \
	%reldir%/handshakes.c %reldir%/handshakes.h \
	%reldir%/bisect.c %reldir%/bisect.h \
	%reldir%/bisect_hello.c %reldir%/bisect_int.h
check_PROGRAMS += tests/unit/test_confirm
TESTS += tests/unit/test_confirm
tests_unit_test_confirm_SOURCES = tests/unit/test_confirm.c $(TLS_FIXTURE)
tests_unit_test_confirm_LDADD = $(LIB_ANALYZERS) $(LIB_PROBE) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD) \
	-lpthread
# mtasts: the MTA-STS/TLS-RPT TXT records and the policy fetched with
# libcurl on the run's loop (issue 11); every program linking the probe
# layer needs libcurl now.
libprobe_a_SOURCES += %reldir%/mtasts.c %reldir%/mtasts.h
LIBS_PROBE += $(CURL_LIBS)
