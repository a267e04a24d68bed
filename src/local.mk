# src: main.c and one file per subcommand (option parsing and wiring).
# The link line lists the layers top-down (DESIGN.md).
bin_PROGRAMS += mxprobe
mxprobe_SOURCES = \
	%reldir%/main.c \
	%reldir%/commands.h \
	%reldir%/options.c %reldir%/options.h %reldir%/options_usage.c \
	%reldir%/validate.c %reldir%/validate.h \
	%reldir%/validate_names.c %reldir%/validate_files.c \
	%reldir%/validate_int.h \
	%reldir%/validate_anchor.c %reldir%/validate_anchor.h \
	%reldir%/validate_capture.c \
	%reldir%/probe_common.c \
	%reldir%/cmd_check.c \
	%reldir%/cmd_certs.c
mxprobe_LDADD = libreports.a libanalyzers.a libprobe.a libwire.a \
	libmodel.a libcommon.a \
	$(JANSSON_LIBS) $(LIBS_PROBE) $(OPENSSL_LIBS)
# send: send, policy, headers subcommands; the relay archive sits above
# libprobe.a in the link order, so the layers below are listed again.
mxprobe_SOURCES += %reldir%/cmd_send.c %reldir%/cmd_policy.c \
	%reldir%/cmd_headers.c
mxprobe_LDADD += librelay.a libanalyzers.a libprobe.a libwire.a \
	libmodel.a libcommon.a $(LIBS_PROBE) $(OPENSSL_LIBS)
# relaymode: relay and queue subcommands (librelay.a and the layers below
# are already on the link line through the send lines above).
mxprobe_SOURCES += %reldir%/cmd_relay.c %reldir%/cmd_queue.c
# end relaymode
# enum: the ciphers subcommand (check --deep lives in cmd_check.c).
mxprobe_SOURCES += %reldir%/cmd_ciphers.c
mxprobe_SOURCES += %reldir%/capture_cli.c

# exporter (issue 12 point 3): evhttp is in libevent_extra.
mxprobe_SOURCES += %reldir%/cmd_exporter.c \
	%reldir%/exporter_send.c %reldir%/exporter_send.h \
	%reldir%/exporter_http.c %reldir%/exporter_int.h
mxprobe_LDADD += $(LIBEVENT_EXTRA_LIBS)
# end exporter
# scan: mxprobe scan (issue 12 points 1 and 2)
mxprobe_SOURCES += %reldir%/cmd_scan.c %reldir%/scan_run.c \
	%reldir%/scan_shard.c %reldir%/scan_int.h \
	%reldir%/scanlist.c %reldir%/scanlist.h \
	%reldir%/scanlist_targets.c
# end scan
# history (issue 10): mxprobe history, and the history file's path
# (shared with watch); the store archive sits above libmodel.a
mxprobe_SOURCES += %reldir%/cmd_history.c \
	%reldir%/history_path.c %reldir%/history_path.h
mxprobe_LDADD += libstore.a libmodel.a libcommon.a $(SQLITE_LIBS)
# end history
# watch (issue 10): the dashboard (libtui.a) over the engine, the
# history (libstore.a) and the reports; the layers below are listed
# again after them.
mxprobe_SOURCES += %reldir%/cmd_watch.c %reldir%/watch_run.c \
	%reldir%/watch_setup.c %reldir%/watch_out.c %reldir%/watch_int.h
mxprobe_LDADD += libtui.a libstore.a libreports.a libanalyzers.a \
	libprobe.a libwire.a libmodel.a libcommon.a \
	$(NCURSES_LIBS) $(SQLITE_LIBS) $(JANSSON_LIBS) $(LIBS_PROBE)
# end watch
