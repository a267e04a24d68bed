# wire layer: pure encoders and decoders.  List a file only once it compiles.
noinst_LIBRARIES += libwire.a
libwire_a_SOURCES = \
	%reldir%/smtp.h
