# model layer: the result model and the finding vocabulary.
noinst_LIBRARIES += libmodel.a
libmodel_a_SOURCES = \
	%reldir%/catalogue.c \
	%reldir%/conn.c %reldir%/conn.h \
	%reldir%/enum.c %reldir%/enum.h \
	%reldir%/finding.c %reldir%/finding.h \
	%reldir%/result.c %reldir%/result.h

check_PROGRAMS += tests/unit/test_model
TESTS += tests/unit/test_model
tests_unit_test_model_SOURCES = tests/unit/test_model.c
tests_unit_test_model_LDADD = $(LIB_MODEL) $(CMOCKA_TEST_LDADD)
# send: delivery TLS policy levels (model/policy.h)
libmodel_a_SOURCES += %reldir%/policy.c %reldir%/policy.h
libmodel_a_SOURCES += %reldir%/send.c %reldir%/send.h
# the one "where" text and the one severity order (issue 8)
libmodel_a_SOURCES += %reldir%/where.c %reldir%/where.h \
	%reldir%/severity.c %reldir%/severity.h
# queue: the view `mxprobe queue` judges and renders (model/queue.h)
libmodel_a_SOURCES += %reldir%/queue.c %reldir%/queue.h
# client profiles: data both probe/ (to play them) and analyzers/ (to
# simulate them) read (issue 8)
libmodel_a_SOURCES += %reldir%/client_profiles.c %reldir%/client_profiles.h
# snapshot: one endpoint's result flattened for history and drift (issue 10)
libmodel_a_SOURCES += %reldir%/snapshot.c %reldir%/snapshot.h
# headers: what `mxprobe headers` shows of a header section
libmodel_a_SOURCES += %reldir%/headers.c %reldir%/headers.h
