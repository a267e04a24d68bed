bin_PROGRAMS += mxprobe
mxprobe_SOURCES = \
	%reldir%/main.c
mxprobe_LDADD = $(LIB_COMMON)
