# analyzers layer: pure judgement.  List a file only once it compiles.
noinst_LIBRARIES += libanalyzers.a
libanalyzers_a_SOURCES = \
	%reldir%/analyze.c %reldir%/analyze.h \
	%reldir%/confidence.c \
	%reldir%/endpoint.c \
	%reldir%/hostname.c %reldir%/hostname.h \
	%reldir%/target.c
