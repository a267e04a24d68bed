# reports layer: renderers.  List a file only once it compiles.
noinst_LIBRARIES += libreports.a
libreports_a_SOURCES = \
	%reldir%/json.c %reldir%/json.h \
	%reldir%/pem.c %reldir%/pem.h \
	%reldir%/text.c %reldir%/text.h \
	%reldir%/util.c %reldir%/util.h
