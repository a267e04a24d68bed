# store layer (issue 10): the history of `watch` and `history` in SQLite.
noinst_LIBRARIES += libstore.a
libstore_a_SOURCES = %reldir%/history.h
libstore_a_SOURCES += %reldir%/history.c %reldir%/history_read.c \
	%reldir%/history_int.h
LIBS_STORE = $(SQLITE_LIBS)

check_PROGRAMS += tests/unit/test_history
TESTS += tests/unit/test_history
tests_unit_test_history_SOURCES = tests/unit/test_history.c
tests_unit_test_history_LDADD = $(LIB_STORE) $(LIBS_STORE) \
	$(CMOCKA_TEST_LDADD)
