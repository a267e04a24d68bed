# src/capture.mk: `mxprobe pcap FILE` (issue 9, point 5) - the command,
# its renderers and the chain verification of captured sessions.
# Plain paths: this fragment holds the pcap command's lines of several
# layers so they land together.

# analyzers: the chain as a capture showed it, against a trust store
libanalyzers_a_SOURCES += analyzers/capchain.c analyzers/capchain.h
check_PROGRAMS += tests/unit/test_capchain
TESTS += tests/unit/test_capchain
tests_unit_test_capchain_SOURCES = tests/unit/test_capchain.c
tests_unit_test_capchain_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)

# reports: the text and JSON of a capture (also the live timeline)
libreports_a_SOURCES += reports/capture_text.c reports/capture_text.h \
	reports/capture_jw.c reports/capture_jw.h \
	reports/capture_json.c reports/capture_json.h

# src: the pcap command (wiring only; the trust store is loaded here)
mxprobe_SOURCES += src/cmd_pcap.c
# the integration test: real captures of openssl s_client against the lab
INTEGRATION_TESTS += tests/integration/pcap_cmd.sh
