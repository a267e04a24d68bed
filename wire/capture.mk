# wire/capture.mk: see the capture work (issue 9).  The pure decoders of
# a capture: frame to TCP segment (pkt), ClientHello parser (tls_chello),
# JA3/JA3S (ja3, libcrypto MD5).  Included from Makefile.am after
# tests/local.mk, so plain paths and FUZZ_TARGETS are available.
libwire_a_SOURCES += wire/pkt.c wire/pkt.h wire/tls_chello.c \
	wire/tls_chello.h wire/ja3.c wire/ja3.h

check_PROGRAMS += tests/unit/test_pkt
TESTS += tests/unit/test_pkt
tests_unit_test_pkt_SOURCES = tests/unit/test_pkt.c
tests_unit_test_pkt_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)

check_PROGRAMS += tests/unit/test_tls_chello
TESTS += tests/unit/test_tls_chello
tests_unit_test_tls_chello_SOURCES = tests/unit/test_tls_chello.c
tests_unit_test_tls_chello_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)

check_PROGRAMS += tests/unit/test_ja3
TESTS += tests/unit/test_ja3
tests_unit_test_ja3_SOURCES = tests/unit/test_ja3.c
tests_unit_test_ja3_LDADD = $(LIB_WIRE) $(OPENSSL_LIBS) $(CMOCKA_TEST_LDADD)

# Fuzz targets (tests/local.mk explains the driver and `make fuzz`).
FUZZ_TARGETS += tests/fuzz/fuzz_pkt tests/fuzz/fuzz_chello
tests_fuzz_fuzz_pkt_SOURCES = tests/fuzz/fuzz_pkt.c
tests_fuzz_fuzz_pkt_LDADD = $(FUZZ_MAIN) $(LIB_WIRE) $(OPENSSL_LIBS)
tests_fuzz_fuzz_chello_SOURCES = tests/fuzz/fuzz_chello.c
tests_fuzz_fuzz_chello_LDADD = $(FUZZ_MAIN) $(LIB_WIRE) $(OPENSSL_LIBS)
