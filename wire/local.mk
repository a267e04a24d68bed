# wire layer: pure encoders and decoders.  List a file only once it compiles.
noinst_LIBRARIES += libwire.a
libwire_a_SOURCES = \
	%reldir%/smtp.h
libwire_a_SOURCES += %reldir%/smtp.c

check_PROGRAMS += tests/unit/test_wire_smtp
TESTS += tests/unit/test_wire_smtp
tests_unit_test_wire_smtp_SOURCES = tests/unit/test_wire_smtp.c
tests_unit_test_wire_smtp_LDADD = $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
