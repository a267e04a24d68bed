# relay layer: the relay engine.  List a file only once it compiles.
# relaybits: the relay archive; test message (message), durable spool
# (spool).  Relay sources of others append with librelay_a_SOURCES +=.
noinst_LIBRARIES += librelay.a
librelay_a_SOURCES = %reldir%/message.c %reldir%/message.h
librelay_a_SOURCES += %reldir%/spool.c %reldir%/spool.h \
	%reldir%/spool_int.h %reldir%/spool_msg.c %reldir%/spool_format.c
check_PROGRAMS += tests/unit/test_message
TESTS += tests/unit/test_message
tests_unit_test_message_SOURCES = tests/unit/test_message.c
tests_unit_test_message_LDADD = librelay.a $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_spool
TESTS += tests/unit/test_spool
tests_unit_test_spool_SOURCES = tests/unit/test_spool.c
tests_unit_test_spool_LDADD = librelay.a $(LIB_WIRE) $(CMOCKA_TEST_LDADD)
# end relaybits
# relaymode: relay mode - operational log (relaylog), server side TLS
# (tls_server), SMTP listener (listener: accepting and I/O; smtp_server:
# the dialogue; netaddr: networks and addresses), delivery workers
# (workers: index and scheduler; workers_route: routing and the split;
# delivery: one delivery; delivery_log: DCID lines; dest: the destination
# table; retry: the schedule; cfgtok: numbers and tokens of the config),
# the engine (relay).
librelay_a_SOURCES += %reldir%/relaylog.c %reldir%/relaylog.h
librelay_a_SOURCES += %reldir%/tls_server.c %reldir%/tls_server.h
librelay_a_SOURCES += %reldir%/listener.c %reldir%/listener.h \
	%reldir%/listener_int.h %reldir%/smtp_server.c \
	%reldir%/netaddr.c %reldir%/netaddr.h \
	%reldir%/cfgtok.c %reldir%/cfgtok.h
librelay_a_SOURCES += %reldir%/workers.c %reldir%/workers.h \
	%reldir%/workers_int.h %reldir%/workers_route.c \
	%reldir%/delivery.c %reldir%/delivery_log.c \
	%reldir%/dest.c %reldir%/dest.h %reldir%/retry.c %reldir%/retry.h
librelay_a_SOURCES += %reldir%/relay.c %reldir%/relay.h
# throwaway spools and a captured log of the relay tests
RELAY_FIXTURE = tests/unit/relay_fixture.c tests/unit/relay_fixture.h
check_PROGRAMS += tests/unit/test_listener
TESTS += tests/unit/test_listener
tests_unit_test_listener_SOURCES = tests/unit/test_listener.c \
	$(RELAY_FIXTURE)
tests_unit_test_listener_LDADD = $(LIB_RELAY) $(LIBS_PROBE) $(CMOCKA_TEST_LDADD)
check_PROGRAMS += tests/unit/test_workers
TESTS += tests/unit/test_workers
tests_unit_test_workers_SOURCES = tests/unit/test_workers.c $(RELAY_FIXTURE)
tests_unit_test_workers_LDADD = $(LIB_RELAY) $(LIB_ANALYZERS) $(LIBS_PROBE) \
	$(CMOCKA_TEST_LDADD)
# end relaymode
# send: SMTP AUTH mechanisms (auth), the delivery engine (sender).
librelay_a_SOURCES += %reldir%/auth.c %reldir%/auth.h
check_PROGRAMS += tests/unit/test_auth
TESTS += tests/unit/test_auth
tests_unit_test_auth_SOURCES = tests/unit/test_auth.c
tests_unit_test_auth_LDADD = librelay.a $(LIB_WIRE) $(OPENSSL_LIBS) \
	$(CMOCKA_TEST_LDADD)
librelay_a_SOURCES += %reldir%/sender.c %reldir%/sender.h \
	%reldir%/sender_int.h %reldir%/sender_session.c %reldir%/sender_mail.c
