# probe/capture.mk - live capture with libpcap and the privilege drop
# (issue 9 point 1).  Included from Makefile.am: plain paths.
libprobe_a_SOURCES += probe/capture.c probe/capture.h
