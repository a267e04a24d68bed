# probe/capture.mk - live capture with libpcap and the privilege drop
# (issue 9 point 1).  Included from Makefile.am: plain paths.
libprobe_a_SOURCES += probe/capture.c probe/capture.h probe/privdrop.c

# Needs root (CAP_NET_RAW, setuid): skips without, fails under CI=true.
check_PROGRAMS += tests/unit/test_capture_live
TESTS += tests/unit/test_capture_live
tests_unit_test_capture_live_SOURCES = tests/unit/test_capture_live.c
tests_unit_test_capture_live_LDADD = $(LIB_PROBE) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD)

# capture + pcapng writer end to end, driven by capture_live.sh (tshark
# reads the comments back; a non-root run gets the CAP_NET_RAW message).
check_PROGRAMS += tests/unit/capture_dump
tests_unit_capture_dump_SOURCES = tests/unit/capture_dump.c
tests_unit_capture_dump_LDADD = $(LIB_REPORTS) $(LIB_PROBE) $(LIBS_PROBE)
INTEGRATION_TESTS += tests/integration/capture_live.sh
