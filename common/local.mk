noinst_LIBRARIES += libcommon.a
libcommon_a_SOURCES = \
	%reldir%/buf.c %reldir%/buf.h \
	%reldir%/clock.c %reldir%/clock.h \
	%reldir%/cursor.c %reldir%/cursor.h \
	%reldir%/escape.c %reldir%/escape.h \
	%reldir%/log.c %reldir%/log.h \
	%reldir%/xalloc.c %reldir%/xalloc.h

check_PROGRAMS += tests/unit/test_common
TESTS += tests/unit/test_common
tests_unit_test_common_SOURCES = tests/unit/test_common.c
tests_unit_test_common_LDADD = $(LIB_COMMON) $(CMOCKA_TEST_LDADD)
# relay split (issue 8): the one base64 of the tree
libcommon_a_SOURCES += %reldir%/base64.c %reldir%/base64.h
