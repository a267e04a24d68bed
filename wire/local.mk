# wire layer: pure encoders and decoders.  List a file only once it compiles.
noinst_LIBRARIES += libwire.a
libwire_a_SOURCES = \
	%reldir%/smtp.h
libwire_a_SOURCES += %reldir%/smtp.c

check_PROGRAMS += tests/unit/test_wire_smtp
TESTS += tests/unit/test_wire_smtp
tests_unit_test_wire_smtp_SOURCES = tests/unit/test_wire_smtp.c
tests_unit_test_wire_smtp_LDADD = $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
# tlswire: TLS registries (suites, groups, sigschemes, DH primes).
libwire_a_SOURCES += \
	%reldir%/tls_registry.c %reldir%/tls_registry.h \
	%reldir%/tls_suites.c %reldir%/dh_primes.c %reldir%/dh_check.c \
	%reldir%/tls_hello.c %reldir%/tls_hello.h %reldir%/tls_keyshare.c \
	%reldir%/tls_flight.c %reldir%/tls_flight.h
# relaybits: DATA payload and server-side commands (smtp_data), mail
# header parsing (mailhdr).
libwire_a_SOURCES += %reldir%/smtp_data.c %reldir%/smtp_data.h \
	%reldir%/smtp_data_int.h %reldir%/smtp_data_path.c %reldir%/smtp_data_cmd.c
libwire_a_SOURCES += %reldir%/mailhdr.c %reldir%/mailhdr.h \
	%reldir%/mailhdr_int.h %reldir%/mailhdr_lex.c %reldir%/mailhdr_date.c \
	%reldir%/mailhdr_tls.c %reldir%/mailhdr_rcvd.c %reldir%/mailhdr_authres.c
check_PROGRAMS += tests/unit/test_smtp_data
TESTS += tests/unit/test_smtp_data
tests_unit_test_smtp_data_SOURCES = tests/unit/test_smtp_data.c
tests_unit_test_smtp_data_LDADD = $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_mailhdr
TESTS += tests/unit/test_mailhdr
tests_unit_test_mailhdr_SOURCES = tests/unit/test_mailhdr.c
tests_unit_test_mailhdr_LDADD = $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
# end relaybits

check_PROGRAMS += tests/unit/test_tls_registry
TESTS += tests/unit/test_tls_registry
tests_unit_test_tls_registry_SOURCES = tests/unit/test_tls_registry.c
tests_unit_test_tls_registry_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)

check_PROGRAMS += tests/unit/test_tls_hello
TESTS += tests/unit/test_tls_hello
tests_unit_test_tls_hello_SOURCES = tests/unit/test_tls_hello.c
tests_unit_test_tls_hello_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)

check_PROGRAMS += tests/unit/test_tls_flight
TESTS += tests/unit/test_tls_flight
tests_unit_test_tls_flight_SOURCES = tests/unit/test_tls_flight.c
tests_unit_test_tls_flight_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)
# mtasts: MTA-STS TXT and policy, TLS-RPT TXT (RFC 8461, RFC 8460; issue 11)
libwire_a_SOURCES += %reldir%/mtasts.c %reldir%/mtasts.h
