# analyzers/capture.mk: the capture decoder and its judgement (issue 9,
# points 3 and 4).  Included from Makefile.am after tests/local.mk, so
# paths are plain (no %reldir%) and FUZZ_TARGETS may grow here.
libmodel_a_SOURCES += model/capture.c model/capture.h
libanalyzers_a_SOURCES += analyzers/capdec.c analyzers/capdec.h \
	analyzers/capdec_int.h analyzers/capdec_out.c analyzers/capdec_smtp.c \
	analyzers/capdec_tls.c analyzers/capdec_flight.c analyzers/capjudge.c \
	analyzers/capjudge.h analyzers/capjudge_int.h \
	analyzers/capjudge_smtp.c analyzers/capjudge_cross.c

check_PROGRAMS += tests/unit/test_capdec tests/unit/test_capjudge
TESTS += tests/unit/test_capdec tests/unit/test_capjudge
tests_unit_test_capdec_SOURCES = tests/unit/test_capdec.c
tests_unit_test_capdec_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)
tests_unit_test_capjudge_SOURCES = tests/unit/test_capjudge.c
tests_unit_test_capjudge_LDADD = $(LIB_ANALYZERS) $(LIBS_ANALYZERS) \
	$(CMOCKA_TEST_LDADD)

FUZZ_TARGETS += tests/fuzz/fuzz_capdec
tests_fuzz_fuzz_capdec_SOURCES = tests/fuzz/fuzz_capdec.c
tests_fuzz_fuzz_capdec_LDADD = $(FUZZ_MAIN) $(LIB_ANALYZERS) \
	$(LIBS_ANALYZERS)
