# wire/capture.mk: see the capture work (issue 9).  The pure decoders of
# a capture: frame to TCP segment (pkt), ClientHello parser (tls_chello),
# JA3/JA3S (ja3, libcrypto MD5).  Included from Makefile.am after
# tests/local.mk, so plain paths and FUZZ_TARGETS are available.
libwire_a_SOURCES += wire/pkt.c wire/pkt.h wire/tls_chello.c \
	wire/tls_chello.h wire/ja3.c wire/ja3.h
