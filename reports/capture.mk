# reports/capture.mk - capture renderers (issue 9).  Included from
# Makefile.am: plain paths.  One block per part.

# pcapng writer
libreports_a_SOURCES += reports/pcapng.c reports/pcapng.h
# the writer's bytes, and libpcap's reader as the independent check
check_PROGRAMS += tests/unit/test_pcapng
TESTS += tests/unit/test_pcapng
tests_unit_test_pcapng_SOURCES = tests/unit/test_pcapng.c
tests_unit_test_pcapng_LDADD = $(LIB_REPORTS) $(PCAP_LIBS) \
	$(CMOCKA_TEST_LDADD)
# end pcapng writer
