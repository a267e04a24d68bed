# analyzers/reasm.mk: TCP reassembly per flow with caps (issue 9, point 3).
# Included from Makefile.am, so paths are plain (no %reldir%).
libanalyzers_a_SOURCES += analyzers/reasm.c analyzers/reasm.h \
	analyzers/reasm_flow.c analyzers/reasm_int.h

check_PROGRAMS += tests/unit/test_reasm
TESTS += tests/unit/test_reasm
tests_unit_test_reasm_SOURCES = tests/unit/test_reasm.c
tests_unit_test_reasm_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)

FUZZ_TARGETS += tests/fuzz/fuzz_reasm
tests_fuzz_fuzz_reasm_SOURCES = tests/fuzz/fuzz_reasm.c
tests_fuzz_fuzz_reasm_LDADD = $(FUZZ_MAIN) $(LIB_ANALYZERS) $(LIBS_ANALYZERS)
