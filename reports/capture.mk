# reports/capture.mk - capture renderers (issue 9).  Included from
# Makefile.am: plain paths.  One block per part.

# pcapng writer
libreports_a_SOURCES += reports/pcapng.c reports/pcapng.h
# end pcapng writer
