/*
 * catalogue.c - every finding id mxprobe can report.
 *
 * Ids are stable: CI health checks assert on them.  Never rename one;
 * retire it instead.  Keep doc/findings.md in step (a unit test compares).
 * Later issues append their ids at the end of their section.
 */
#include "model/finding.h"

#include <string.h>

static const struct mx_finding_def catalogue[] = {
	/* DNS */
	{"dns.no_mx", MX_SEV_INFO, "The domain has no MX record",
	 "Publish MX records for the domain. Senders fall back to the "
	 "domain's own A/AAAA address (RFC 5321 section 5.1), which is "
	 "rarely intended.",
	 "RFC 5321 section 5.1"},
	{"dns.null_mx", MX_SEV_INFO,
	 "The domain publishes a null MX: it accepts no mail",
	 "If the domain should receive mail, replace 'MX 0 .' with real MX "
	 "records; otherwise nothing to do.",
	 "RFC 7505"},
	{"dns.lookup_failed", MX_SEV_UNKNOWN,
	 "A DNS lookup failed (NXDOMAIN, SERVFAIL, timeout or DNSSEC bogus)",
	 "Check the zone and its delegation (dig +trace), DNSSEC signatures "
	 "and the resolver in use; senders cannot deliver to a name they "
	 "cannot resolve.",
	 "RFC 5321 section 5.1"},
	/* SMTP */
	{"smtp.connect_failed", MX_SEV_CRIT,
	 "The TCP connection to the SMTP port failed",
	 "Check that the server listens on this address and port and that "
	 "no firewall drops or rejects port 25/465/587 from senders.",
	 "RFC 5321 section 3.1"},
	{"smtp.greeting_timeout", MX_SEV_CRIT,
	 "The server accepted TCP but sent no greeting in time",
	 "Check the MTA's process limits and greeting delays (tarpitting, "
	 "postscreen greet wait); senders give up after their own timeout "
	 "(RFC 5321 section 4.5.3.2.1 suggests 5 minutes, many use less).",
	 "RFC 5321 section 4.5.3.2.1"},
	{"smtp.greeting_rejected", MX_SEV_CRIT,
	 "The server greeted with a refusal (421/554) instead of 220",
	 "The server refuses this client outright: check blocklists, "
	 "connection limits and client access rules for the sender's "
	 "address.",
	 "RFC 5321 section 3.1"},
	{"smtp.starttls_missing", MX_SEV_WARN,
	 "STARTTLS is not advertised in the EHLO reply",
	 "Enable STARTTLS on the server (Postfix: smtpd_tls_security_level "
	 "= may with a certificate and key; Exim: tls_advertise_hosts = * "
	 "with tls_certificate and tls_privatekey); without it mail travels "
	 "in clear text.",
	 "RFC 3207"},
	{"smtp.starttls_pipelined", MX_SEV_WARN,
	 "The server sent plaintext after its 220 to STARTTLS, before the "
	 "handshake",
	 "Nothing may follow '220 Ready to start TLS' until the TLS "
	 "handshake; bytes there come from a broken MTA or from a middlebox "
	 "that injects or rewrites SMTP (the STARTTLS command-injection "
	 "class, CVE-2011-0411). Clients must discard them, as mxprobe did. "
	 "Look for an SMTP proxy or firewall 'fixup' between the sender and "
	 "the MTA, and for MTA bugs in its STARTTLS handling.",
	 "RFC 3207 section 4.2"},
	{"smtp.starttls_rejected", MX_SEV_CRIT,
	 "The server advertised STARTTLS but refused it (454/5xx)",
	 "'454 TLS not available' usually means the MTA cannot load its "
	 "certificate or key, or its TLS library failed: check the MTA's log "
	 "at the time of the probe and the certificate/key files and "
	 "permissions.",
	 "RFC 3207 section 4"},
	{"smtp.reply_limit_exceeded", MX_SEV_CRIT,
	 "A server reply exceeded a line length, line count or size limit",
	 "The server sends over-long or endless replies; fix the MTA or the "
	 "middlebox in front of it. RFC 5321 limits reply lines to 512 "
	 "octets.",
	 "RFC 5321 section 4.5.3.1.5"},
	{"smtp.reply_malformed", MX_SEV_CRIT,
	 "The server sent something that is not an SMTP reply",
	 "Something other than an SMTP server answers on this port (an HTTP "
	 "server, a proxy, a TLS-only port probed with STARTTLS?). Check "
	 "the port and the service behind it.",
	 "RFC 5321 section 4.2"},
	{"smtp.connection_lost", MX_SEV_CRIT,
	 "The server closed or reset the connection during the SMTP dialogue",
	 "Check the MTA's log for the reason it dropped the client "
	 "(limits, policy, crash).",
	 "RFC 5321 section 3.8"},
	{"smtp.ehlo_rejected", MX_SEV_CRIT,
	 "The server refused both EHLO and HELO",
	 "Check the MTA's HELO restrictions; the probe's name can be set "
	 "with --helo.",
	 "RFC 5321 section 4.1.1.1"},
	{"smtp.ehlo_unsupported", MX_SEV_WARN,
	 "The server refused EHLO and accepted only HELO",
	 "Enable ESMTP; without EHLO no STARTTLS, SIZE or AUTH can be "
	 "advertised.",
	 "RFC 5321 section 4.1.1.1"},
	{"smtp.greeting_slow", MX_SEV_WARN,
	 "The greeting took long (tarpitting or an overloaded server)",
	 "If intended (postscreen greet delay), nothing to do; otherwise "
	 "check DNS lookups the MTA does on connect (reverse DNS, RBLs) and "
	 "its load.",
	 "RFC 5321 section 4.5.3.2.1"},
	{"smtp.unsolicited_reply", MX_SEV_WARN,
	 "The server sent a reply that answers no command",
	 "The server (or a middlebox) sends lines nobody asked for: an extra "
	 "greeting line, a reply before the command it would answer. Clients "
	 "that take it for the answer desynchronise (a false 'no STARTTLS', "
	 "commands answered by the wrong reply); fix the MTA or middlebox.",
	 "RFC 5321 sections 4.3 and 2.1"},
	{"smtp.timeout", MX_SEV_CRIT,
	 "A reply did not arrive before the step or target deadline",
	 "Check the MTA's load and any middlebox between; raise --timeout if "
	 "the server is known to be slow.",
	 "RFC 5321 section 4.5.3.2"},
	/* TLS */
	{"tls.handshake_failed", MX_SEV_CRIT, "The TLS handshake failed",
	 "See the evidence: an alert names the server's objection, a FIN or "
	 "RST right after the ClientHello points to handshake intolerance or "
	 "a middlebox, a timeout to a filtering device.",
	 "RFC 8446 section 6"},
	{"tls.legacy_version", MX_SEV_WARN,
	 "The negotiated TLS version is older than TLS 1.2",
	 "Enable TLS 1.2 and 1.3 on the server (Postfix: "
	 "smtpd_tls_protocols = >=TLSv1.2 once no sender needs less; Exim: "
	 "openssl_options = +no_tlsv1 +no_tlsv1_1 with OpenSSL, "
	 "-VERS-TLS1.0:-VERS-TLS1.1 in tls_require_ciphers with GnuTLS); "
	 "TLS 1.0 and 1.1 are deprecated.",
	 "RFC 8996"},
	{"kex.temp_key_weak", MX_SEV_WARN,
	 "The server's ephemeral key is weak (DH < 2048 bits or EC < 224)",
	 "Serve a DH group of at least 2048 bits (Postfix: "
	 "smtpd_tls_dh1024_param_file with a 2048-bit ffdhe group; Exim: "
	 "tls_dhparam = ffdhe2048) or prefer ECDHE. Clients at OpenSSL "
	 "security level 2 abort with 'dh key too small'.",
	 "RFC 7919; RFC 8422"},
	/* Certificates */
	{"cert.untrusted", MX_SEV_CRIT,
	 "The chain does not lead to a trusted root",
	 "Use a certificate from a CA the senders trust, or give the "
	 "senders your CA (mxprobe certs HOST --export DIR).",
	 "RFC 5280 section 6"},
	{"cert.chain_incomplete", MX_SEV_CRIT,
	 "The server does not send the intermediate certificate(s)",
	 "Configure the full chain: leaf first, then every intermediate "
	 "(Postfix: smtpd_tls_chain_files = key.pem, fullchain.pem; Exim: "
	 "tls_certificate = the full chain file). Senders report 'unable to find valid certification path' or "
	 "'unable to get local issuer certificate'.",
	 "RFC 8446 section 4.4.2; RFC 5246 section 7.4.2"},
	{"cert.self_signed", MX_SEV_WARN, "The certificate is self-signed",
	 "Most MTAs deliver to a self-signed MX with opportunistic TLS, but "
	 "no verifying sender (DANE aside) will: use a CA-issued "
	 "certificate, or publish a DANE TLSA 3 1 1 record.",
	 "RFC 7672"},
	{"cert.expired", MX_SEV_CRIT,
	 "The certificate has expired (or is not yet valid)",
	 "Renew the certificate and reload the MTA; check that the renewal "
	 "job also restarts or reloads the MTA.",
	 "RFC 5280 section 4.1.2.5"},
	{"cert.expiring_soon", MX_SEV_WARN,
	 "The certificate expires within 14 days",
	 "Renew the certificate now and reload the MTA.",
	 "RFC 5280 section 4.1.2.5"},
	{"cert.hostname_mismatch", MX_SEV_WARN,
	 "The certificate does not name the MX host",
	 "Include the MX host name in the certificate's subjectAltName "
	 "(dNSName). Verifying senders (DANE-TA, MTA-STS, 'verify' policies) "
	 "refuse the connection.",
	 "RFC 6125 section 6.4; RFC 7672 section 3.2.2"},
	{"cert.chain_order", MX_SEV_WARN,
	 "The certificates are not sent in issuing order",
	 "Send the leaf first and each intermediate after the certificate "
	 "it signs; some Java and older clients fail otherwise.",
	 "RFC 5246 section 7.4.2"},
	/* Probe (the test itself could not be completed) */
	{"probe.internal_error", MX_SEV_UNKNOWN,
	 "mxprobe failed internally while testing this endpoint",
	 "This is a bug or a local resource problem (memory, file "
	 "descriptors), not a fault of the server: rerun with -v and "
	 "report the log.",
	 "doc/exit-status.md"},
	{"local.tls_setup", MX_SEV_UNKNOWN,
	 "mxprobe could not set up TLS on this machine (not the server's "
	 "fault)",
	 "A local problem stopped the test before any TLS byte went out - "
	 "typically a trust store (--ca-file, --ca-path, the system store) "
	 "that cannot be read or parsed: fix it (openssl x509 -in FILE "
	 "-noout checks a PEM file) and run again. Nothing is known about "
	 "the server's TLS.",
	 "doc/exit-status.md"},
	{"probe.cancelled", MX_SEV_UNKNOWN,
	 "The run was interrupted (SIGINT/SIGTERM) before this endpoint's "
	 "test finished",
	 "Nothing is known about what was not tested: run the command "
	 "again and let it finish (--timeout and --deadline bound it).",
	 "doc/exit-status.md"},
	{"probe.nothing_tested", MX_SEV_UNKNOWN,
	 "No endpoint of the target could be tested",
	 "Check the target's spelling, the address families allowed (-4/-6) "
	 "and the resolver; nothing was tested, so nothing is known.",
	 "doc/exit-status.md"},
	/* Sending: SMTP failures explained (analyzers/smtp_failures.c) and
	 * delivery TLS policies (analyzers/policy.c), issue #4. */
	{"smtp.tls_required", MX_SEV_CRIT,
	 "The server requires STARTTLS before this command (530)",
	 "Issue STARTTLS first: use a TLS policy of may or stronger (mxprobe "
	 "send --tls-policy encrypt), or implicit TLS on port 465.",
	 "RFC 3207 section 4; RFC 4954 section 6"},
	{"smtp.auth_required", MX_SEV_CRIT,
	 "The server requires authentication before accepting mail (530)",
	 "Authenticate with the submission credentials (--auth-user and "
	 "--auth-password-file), or relay from an address the server "
	 "trusts.",
	 "RFC 4954 section 6"},
	{"smtp.auth_failed", MX_SEV_CRIT,
	 "Authentication failed: the server refused the credentials (535)",
	 "Check user name and password. AWS SES: the SMTP credentials are "
	 "not the IAM access key pair (derive them in the SES console or "
	 "from the secret key with the SES algorithm) and they are valid "
	 "only in the region whose endpoint they were made for.",
	 "RFC 4954 section 6"},
	{"smtp.auth_required_tls", MX_SEV_CRIT,
	 "Authentication needs an encrypted session (538) or was not "
	 "attempted in clear text",
	 "Use STARTTLS or implicit TLS before AUTH (--tls-policy encrypt); "
	 "only on a trusted network allow it with --allow-plaintext-auth.",
	 "RFC 4954 section 6; RFC 8314 section 3"},
	{"smtp.auth_mech_weak", MX_SEV_CRIT,
	 "The server refused the authentication mechanism as too weak (534)",
	 "Use a mechanism the server accepts (PLAIN or LOGIN under TLS, "
	 "SCRAM-SHA-256); for Google accounts use an app password or OAuth.",
	 "RFC 4954 section 6"},
	{"smtp.auth_unavailable", MX_SEV_CRIT,
	 "AUTH is not offered, or no offered mechanism is supported",
	 "Check that the port is the submission port (587/465) and that the "
	 "server offers AUTH after STARTTLS (Postfix: smtpd_sasl_auth_enable "
	 "= yes).",
	 "RFC 4954 section 3"},
	{"smtp.auth_temp_failure", MX_SEV_WARN,
	 "Authentication failed temporarily (454)",
	 "The server's authentication backend is unavailable; retry later "
	 "and check the server's SASL service.",
	 "RFC 4954 section 6"},
	{"smtp.sender_rejected", MX_SEV_CRIT,
	 "The server refused the envelope sender (MAIL FROM)",
	 "Use a sender address the server accepts for this client (the "
	 "authenticated user's own address, a domain it is allowed to send "
	 "for); check SPF and the server's sender restrictions.",
	 "RFC 5321 section 4.1.1.2"},
	{"smtp.sender_unverified", MX_SEV_CRIT,
	 "The sender (From) identity is not verified with the service",
	 "AWS SES: verify the From address or its domain in the same region "
	 "as the SMTP endpoint (identities are per region); in the sandbox "
	 "the recipients must be verified too.",
	 "AWS SES Developer Guide, verified identities"},
	{"smtp.recipient_rejected", MX_SEV_CRIT,
	 "The server refused a recipient (RCPT TO)",
	 "Check the recipient address; 550 5.1.1 means the mailbox does not "
	 "exist, 554/550 5.7.1 'relay access denied' means this client may "
	 "not relay (authenticate first).",
	 "RFC 5321 section 4.1.1.3"},
	{"smtp.message_rejected", MX_SEV_CRIT,
	 "The server refused the message content (after DATA)",
	 "Read the reply text: content filters, spam or virus scanners, DMARC "
	 "or header checks refused it.",
	 "RFC 5321 section 4.1.1.4"},
	{"smtp.size_exceeded", MX_SEV_CRIT,
	 "The message is larger than the server accepts (552 or SIZE)",
	 "Send a smaller message, or raise the server's limit (Postfix: "
	 "message_size_limit).",
	 "RFC 1870 section 6"},
	{"smtp.rate_limited", MX_SEV_WARN,
	 "The server is limiting this client (421 or a throttling reply)",
	 "Slow down: fewer connections and messages per minute, or ask for a "
	 "higher sending quota (AWS SES: 'Maximum sending rate exceeded').",
	 "RFC 5321 section 4.2.2"},
	{"smtp.temp_failure", MX_SEV_WARN,
	 "The server refused temporarily (4xx): greylisting, resources",
	 "A real MTA retries later; if it persists, read the reply text and "
	 "the server's log.",
	 "RFC 5321 section 4.2.5"},
	{"smtp.extension_missing", MX_SEV_CRIT,
	 "The message needs an SMTP extension the server does not offer",
	 "8-bit body or UTF-8 addresses need 8BITMIME or SMTPUTF8 on the "
	 "server; send a 7-bit message or enable the extension.",
	 "RFC 6152 section 3; RFC 6531 section 3.4"},
	{"policy.would_defer", MX_SEV_CRIT,
	 "The TLS policy does not allow delivery to this server: mail would "
	 "be deferred",
	 "Fix what the reason names (certificate chain, name, TLS support), "
	 "or use a weaker policy level for this destination.",
	 "postconf(5) smtp_tls_security_level"},
	{"policy.cleartext", MX_SEV_WARN,
	 "Mail would be (or was) delivered in clear text",
	 "Offer STARTTLS on the server; on the sending side require TLS for "
	 "this destination (policy encrypt or stronger).",
	 "RFC 3207; postconf(5) smtp_tls_security_level"},
	{"policy.dane_fallback", MX_SEV_INFO,
	 "No usable DNSSEC-signed TLSA records: dane falls back to may",
	 "To get DANE, sign the zone with DNSSEC and publish TLSA records "
	 "(3 1 1 of the server key) for _25._tcp of the MX host.",
	 "RFC 7672 section 2.2"},
	/* Client simulation and handshake intolerance (issue #3, clients) */
	{"client.fails", MX_SEV_WARN,
	 "A common sending client would fail to negotiate TLS with this server",
	 "Fix the cause the evidence names on the server (a DH group of at "
	 "least 2048 bits or no DHE, TLS 1.2, modern suites). No client "
	 "setting was confirmed by a real handshake in this run: none is "
	 "given.",
	 "RFC 7525 section 3; RFC 9325 section 4"},
	{"client.prediction_mismatch", MX_SEV_INFO,
	 "A real handshake did not match the client simulation",
	 "Nothing to fix on the server: the simulation's model of that client "
	 "differs from the real library here. The real handshake is what "
	 "counts; please report the evidence.",
	 "doc/findings.md"},
	{"tls.hello_intolerance", MX_SEV_CRIT,
	 "The server drops ClientHellos with certain suites or extensions",
	 "Upgrade or fix the server or the middlebox in front of it: a TLS "
	 "server must ignore what it does not support (RFC 8446 section "
	 "4.1.2). No client setting that avoids the trigger was confirmed by "
	 "a real handshake in this run: none is given.",
	 "RFC 8446 section 4.1.2; RFC 5246 appendix E.1"},
	/* Cipher enumeration (issue #3, analyzers/suites.c): versions,
	 * suites, key exchange and order the server accepts. */
	{"kex.dh_1024", MX_SEV_CRIT,
	 "DHE suites use a Diffie-Hellman group of 1024 bits or less",
	 "Serve a DH group of at least 2048 bits (RFC 7919 ffdhe2048; "
	 "Postfix: smtpd_tls_dh1024_param_file pointing at a 2048-bit "
	 "group, the parameter name notwithstanding) or remove the DHE "
	 "suites. OpenSSL clients at security level 2, the default of "
	 "current distributions, abort with 'dh key too small' whenever "
	 "they negotiate such a suite; until the server is fixed their "
	 "workaround is a cipher list without DHE suites: kDHE excluded "
	 "(OpenSSL -cipher and Exim tls_require_ciphers with OpenSSL: "
	 "!kDHE; Postfix: smtp_tls_exclude_ciphers = kDHE; GnuTLS and Exim "
	 "with GnuTLS: -DHE-RSA in the priority). 'mxprobe ciphers' tests "
	 "one against the server.",
	 "RFC 7919 section 3; Logjam (weakdh.org)"},
	{"kex.dh_weak_group", MX_SEV_WARN,
	 "DHE suites use a Diffie-Hellman group smaller than 2048 bits",
	 "Serve a DH group of at least 2048 bits (RFC 7919 ffdhe2048; "
	 "Postfix: smtpd_tls_dh1024_param_file; Exim: tls_dhparam = "
	 "ffdhe2048) or remove the DHE suites; prefer ECDHE.",
	 "RFC 7919 section 3"},
	{"kex.dh_common_prime", MX_SEV_WARN,
	 "The DH group is a widely shared prime of 1024 bits or less "
	 "(Logjam precomputation)",
	 "Replace the group with a 2048-bit one (RFC 7919 ffdhe2048): "
	 "one precomputation against a widely shared 1024-bit prime "
	 "breaks the key exchange of every server that uses it.",
	 "Adrian et al., Imperfect Forward Secrecy (CCS 2015)"},
	{"suite.insecure", MX_SEV_CRIT,
	 "The server accepts insecure cipher suites (NULL, anonymous, "
	 "EXPORT, RC4, DES or 3DES)",
	 "Remove them from the server's cipher list (Postfix: "
	 "smtpd_tls_exclude_ciphers = eNULL, EXPORT, RC4, DES, 3DES, "
	 "MD5, and aNULL where senders authenticate the server; Exim: "
	 "tls_require_ciphers without them, e.g. !aNULL:!eNULL:!RC4:!3DES "
	 "appended with OpenSSL, -ARCFOUR-128:-3DES-CBC with GnuTLS). "
	 "Anonymous suites on port 25 are Postfix's deliberate default "
	 "for opportunistic TLS and rated lower there.",
	 "RFC 7465; RFC 7525 section 4.1"},
	{"suite.no_forward_secrecy", MX_SEV_WARN,
	 "The server accepts suites without forward secrecy (static RSA "
	 "or static DH key exchange)",
	 "Prefer ECDHE and DHE suites and, once no sender needs them, "
	 "remove the static RSA suites (OpenSSL: '!kRSA'; Postfix: "
	 "smtpd_tls_exclude_ciphers = kRSA; Exim: tls_require_ciphers "
	 "with !kRSA (OpenSSL) or -RSA (GnuTLS)).",
	 "RFC 7525 section 4.2"},
	{"suite.cbc_legacy", MX_SEV_INFO,
	 "The server accepts CBC-mode suites in TLS 1.2 or earlier",
	 "Offer and prefer AEAD suites (AES-GCM, ChaCha20-Poly1305) and "
	 "TLS 1.3; keep CBC only for senders that need it.",
	 "RFC 7525 section 4.2; RFC 7366"},
	{"version.sslv3", MX_SEV_CRIT, "The server accepts SSLv3",
	 "Disable SSLv3 (Postfix: smtpd_tls_protocols = !SSLv2, !SSLv3, "
	 "or >=TLSv1.2; Exim: openssl_options = +no_sslv3 with OpenSSL, "
	 "-VERS-SSL3.0 in tls_require_ciphers with GnuTLS; OpenSSL: "
	 "MinProtocol = TLSv1.2).",
	 "RFC 7568"},
	{"version.tls10", MX_SEV_WARN, "The server accepts TLS 1.0",
	 "Disable TLS 1.0 once no sender needs it (Postfix: "
	 "smtpd_tls_protocols = >=TLSv1.2; Exim: openssl_options = "
	 "+no_tlsv1 with OpenSSL, -VERS-TLS1.0 in tls_require_ciphers with "
	 "GnuTLS; OpenSSL: MinProtocol = TLSv1.2); TLS 1.0 is deprecated.",
	 "RFC 8996"},
	{"version.tls11", MX_SEV_WARN, "The server accepts TLS 1.1",
	 "Disable TLS 1.1 once no sender needs it (Postfix: "
	 "smtpd_tls_protocols = >=TLSv1.2; Exim: openssl_options = "
	 "+no_tlsv1_1 with OpenSSL, -VERS-TLS1.1 in tls_require_ciphers "
	 "with GnuTLS; OpenSSL: MinProtocol = TLSv1.2); TLS 1.1 is "
	 "deprecated.",
	 "RFC 8996"},
	{"version.no_tls13", MX_SEV_INFO, "The server does not offer TLS 1.3",
	 "Enable TLS 1.3: it needs OpenSSL 1.1.1 or later (Postfix 3.4 "
	 "and later enable it by default unless smtpd_tls_protocols "
	 "excludes it; Exim built with OpenSSL 1.1.1 or GnuTLS 3.6.5 and "
	 "later offers it unless openssl_options or tls_require_ciphers "
	 "remove it).",
	 "RFC 8446"},
	{"order.client_preference", MX_SEV_INFO,
	 "The server follows the client's cipher suite order",
	 "Let the server choose (Postfix: tls_preempt_cipherlist = yes; "
	 "Exim: openssl_options = +cipher_server_preference with OpenSSL, "
	 "%SERVER_PRECEDENCE in tls_require_ciphers with GnuTLS; OpenSSL: "
	 "SSL_OP_CIPHER_SERVER_PREFERENCE) so that a client listing weak "
	 "suites first still gets a strong one.",
	 "RFC 7525 section 4.2"},
	{"enum.incomplete", MX_SEV_UNKNOWN,
	 "The cipher enumeration could not be completed",
	 "See the reason: the server refused or rate-limited connections "
	 "(421), a deadline ran out, or it stopped answering. Rerun "
	 "later, or with a longer --deadline and a lower "
	 "--max-conn-per-host; what is listed was seen, what is missing "
	 "is unknown.",
	 "doc/findings.md"},
	/* Capture (issue 9, analyzers/capjudge.c): what the wire showed. */
	{"tcp.fin_after_client_hello", MX_SEV_CRIT,
	 "The server closed the connection (FIN or RST) right after the "
	 "ClientHello, without an alert",
	 "This is handshake intolerance: the server's TLS stack, or a "
	 "middlebox in front of it, drops hellos it does not like (TLS "
	 "1.3, many suites, new extensions, a large hello) instead of "
	 "answering with an alert. Run mxprobe ciphers against the "
	 "server to find what it refuses and a cipher string that works; "
	 "update or fix the server (old Exchange and appliance TLS "
	 "stacks need their TLS updates).",
	 "RFC 8446 section 4.1.2; RFC 5246 appendix E.1"},
	{"tcp.reset_by_peer", MX_SEV_WARN,
	 "The server reset the TCP connection (RST)",
	 "Check the server's log at the time of the reset and any "
	 "firewall or IPS in between: a reset during a session means the "
	 "MTA crashed or refused the client, or a middlebox killed the "
	 "connection.",
	 "RFC 9293 section 3.5.2"},
	{"tcp.retransmissions", MX_SEV_INFO, "TCP segments were retransmitted",
	 "Packet loss or delay on the path, not a TLS or SMTP fault. If "
	 "there are many, check the network path and the MTU (a path MTU "
	 "black hole shows as retransmitted full-size segments) and the "
	 "capture point.",
	 "RFC 6298"},
	{"tcp.zero_window", MX_SEV_WARN,
	 "A side advertised a zero TCP window: it stopped reading",
	 "The side that advertised it stopped reading: an overloaded MTA "
	 "or a stalled process (content filter, full disk). Check the "
	 "load and the logs of that side.",
	 "RFC 9293 section 3.8.6"},
	{"capture.dropped", MX_SEV_WARN,
	 "The capture missed packets (kernel or interface drops)",
	 "The timeline may be incomplete. Capture with a larger buffer "
	 "(tcpdump -B), a tighter filter, or to a faster disk, and "
	 "repeat.",
	 "pcap_stats(3PCAP)"},
	{"capture.truncated", MX_SEV_WARN,
	 "The capture file ends inside a packet record (truncated or "
	 "corrupt)",
	 "What could be read is reported; the rest is missing. Copy the "
	 "file again completely, or stop tcpdump cleanly (SIGINT) before "
	 "copying it.",
	 "pcap-savefile(5)"},
	{"capture.no_mail", MX_SEV_INFO,
	 "The capture holds no SMTP or TLS session",
	 "Check the capture filter and the interface: mail runs on ports "
	 "25, 465 and 587; capture on the interface that carries it "
	 "(tcpdump -i any port 25 or port 465 or port 587).",
	 "doc/findings.md"},
	{"capture.midstream", MX_SEV_INFO,
	 "A session began before the capture did",
	 "The start of such a session (greeting, STARTTLS, the hellos) "
	 "is missing: start the capture before the connection (before "
	 "the test action) to see it whole.",
	 "doc/findings.md"},
	/* DANE (RFC 7672) in check: analyzers/dane.c, issue #11 */
	{"dane.ok", MX_SEV_INFO,
	 "A DNSSEC-validated TLSA record matches the certificate chain",
	 "Nothing to do. Before changing the key or the CA, publish a TLSA "
	 "record for the new one next to the current one and wait two TTLs.",
	 "RFC 7672 section 3; RFC 7671 section 8.1"},
	{"dane.mismatch", MX_SEV_CRIT,
	 "No TLSA record matches the certificate chain: DANE senders defer "
	 "mail",
	 "Publish a TLSA record for the key the server uses now (e.g. '3 1 1' "
	 "of the SHA-256 of its SubjectPublicKeyInfo: openssl x509 -pubkey "
	 "-noout | openssl pkey -pubin -outform DER | openssl dgst -sha256), "
	 "or put back the key the records name; keep a record for the next "
	 "key before every rollover.",
	 "RFC 7672 section 2.2; RFC 7671 section 8.1"},
	{"dane.ta_not_sent", MX_SEV_CRIT,
	 "A DANE-TA record names a CA the server does not send in its chain",
	 "Send the whole chain up to the CA the DANE-TA(2) record names "
	 "(Postfix: smtpd_tls_chain_files with the leaf, then each "
	 "intermediate, then that CA), or publish a DANE-EE(3) record for "
	 "the server key.",
	 "RFC 7671 section 5.2.2; RFC 7672 section 3.1.2"},
	{"dane.no_tls", MX_SEV_CRIT,
	 "TLSA records are published but no TLS session could be made: DANE "
	 "senders defer mail",
	 "Offer STARTTLS with a working certificate (see the TLS findings), "
	 "or withdraw the TLSA records while TLS is down.",
	 "RFC 7672 section 2.2"},
	{"dane.insecure", MX_SEV_WARN,
	 "TLSA records exist but are not DNSSEC-validated: senders ignore "
	 "them",
	 "Sign the zone of the MX host and of the MX records with DNSSEC "
	 "(with a DS in the parent), or remove the TLSA records; without "
	 "validation they protect nothing.",
	 "RFC 7672 sections 2.1 and 2.2.1"},
	{"dane.single_record", MX_SEV_WARN,
	 "Only one usable TLSA record: the next key or CA change breaks DANE "
	 "mail",
	 "Publish a second record before a rollover: '3 1 1' of the next key "
	 "(or of a standby key), or '2 1 1' of the issuing CA next to the "
	 "'3 1 1' of the server key.",
	 "RFC 7671 section 8.1; RFC 7672 section 2.2"},
	{"dane.unsupported_params", MX_SEV_WARN,
	 "A TLSA record uses parameters SMTP senders cannot use",
	 "Use DANE-EE(3) or DANE-TA(2) with selector 0 or 1 and matching type "
	 "1 (SHA-256; '3 1 1' is the common choice); PKIX-TA(0) and "
	 "PKIX-EE(1) are unusable for SMTP, and a digest must have its full "
	 "length.",
	 "RFC 7672 section 3.1.3; RFC 7671 section 4"},
	{"dane.lookup_failed", MX_SEV_CRIT,
	 "The TLSA lookup failed (SERVFAIL, DNSSEC bogus or timeout): DANE "
	 "senders defer mail",
	 "Fix the zone of the MX host: signatures, the DS in the parent, and "
	 "name servers that answer TLSA queries (some answer SERVFAIL or "
	 "drop unknown types).",
	 "RFC 7672 section 2.2"},
	/* MTA-STS (RFC 8461) and TLS-RPT (RFC 8460): analyzers/mtasts.c, issue #11 */
	{"mtasts.ok", MX_SEV_INFO,
	 "MTA-STS is in force: every MX is covered by the policy and has "
	 "a valid certificate",
	 "Nothing to do. When an MX or its certificate changes, update "
	 "the policy first (new mx line, new id in the TXT record) and "
	 "keep the old MX covered for max_age.",
	 "RFC 8461 sections 3 and 4"},
	{"mtasts.txt_invalid", MX_SEV_WARN,
	 "The _mta-sts TXT record is malformed or there is more than "
	 "one: senders assume there is no policy",
	 "Publish exactly one TXT record at _mta-sts.DOMAIN of the form "
	 "'v=STSv1; id=20240101T000000;' (id: 1 to 32 letters or digits, "
	 "changed whenever the policy changes).",
	 "RFC 8461 section 3.1"},
	{"mtasts.policy_unavailable", MX_SEV_WARN,
	 "The _mta-sts TXT record is published but the policy cannot be "
	 "fetched",
	 "Serve the policy at "
	 "https://mta-sts.DOMAIN/.well-known/mta-sts.txt with status "
	 "200, a certificate for mta-sts.DOMAIN valid in the WebPKI, and "
	 "at most 64 KiB; or remove the TXT record.",
	 "RFC 8461 section 3.3"},
	{"mtasts.policy_redirect", MX_SEV_WARN,
	 "The policy URL answers with a redirect, which senders do not "
	 "follow",
	 "Serve the policy file itself at "
	 "https://mta-sts.DOMAIN/.well-known/mta-sts.txt (status 200), "
	 "not a 3xx to another URL.",
	 "RFC 8461 section 3.3"},
	{"mtasts.policy_without_txt", MX_SEV_WARN,
	 "A policy is served but no _mta-sts TXT record announces it: "
	 "senders never fetch it",
	 "Publish 'v=STSv1; id=...;' at _mta-sts.DOMAIN (TXT), or remove "
	 "the policy if MTA-STS is not wanted.",
	 "RFC 8461 section 3.1"},
	{"mtasts.policy_content_type", MX_SEV_WARN,
	 "The policy is not served as text/plain",
	 "Serve mta-sts.txt with 'Content-Type: text/plain' (nginx: "
	 "default_type text/plain in its location; Apache: AddType "
	 "text/plain .txt).",
	 "RFC 8461 section 3.2"},
	{"mtasts.policy_syntax", MX_SEV_WARN,
	 "The MTA-STS policy has syntax errors",
	 "Write the policy as lines 'key: value' ended by CRLF: "
	 "'version: STSv1', 'mode: enforce' (or testing, none), one "
	 "'mx:' line per MX host or '*.domain' pattern, and 'max_age:' "
	 "in seconds (up to 31557600).",
	 "RFC 8461 section 3.2"},
	{"mtasts.mode_none", MX_SEV_INFO,
	 "The MTA-STS policy is in mode none: senders apply no policy",
	 "Nothing to do if MTA-STS is being withdrawn; otherwise set "
	 "'mode: testing' (then enforce) and change the id in the TXT "
	 "record.",
	 "RFC 8461 section 5"},
	{"mtasts.max_age_short", MX_SEV_WARN,
	 "The MTA-STS max_age is under a day: the policy gives little "
	 "protection against downgrades",
	 "Set max_age to at least a week (604800) and, once the policy "
	 "is stable, to weeks or months (at most 31557600).",
	 "RFC 8461 sections 3.2 and 10"},
	{"mtasts.mx_not_covered", MX_SEV_CRIT,
	 "An MX host matches no mx pattern of the MTA-STS policy",
	 "Add an 'mx:' line for the host (or a '*.domain' pattern "
	 "covering it) to the policy and change the id in the TXT "
	 "record; under enforce, senders refuse to deliver to an MX the "
	 "policy does not name.",
	 "RFC 8461 section 4.1"},
	{"mtasts.cert_invalid", MX_SEV_CRIT,
	 "An MX covered by the MTA-STS policy has no valid TLS: its "
	 "chain does not verify or does not name the MX host",
	 "Serve a certificate for the MX host name from a CA in the "
	 "public WebPKI, with its intermediates, and keep STARTTLS "
	 "working; under enforce, senders refuse to deliver until it "
	 "validates.",
	 "RFC 8461 section 4.2"},
	{"tlsrpt.ok", MX_SEV_INFO,
	 "TLS-RPT is published: senders report TLS failures",
	 "Nothing to do. Read the reports: they show senders that fail "
	 "to reach the MX with TLS.",
	 "RFC 8460 section 3"},
	{"tlsrpt.invalid", MX_SEV_WARN,
	 "The TLS-RPT record at _smtp._tls is malformed: no reports are "
	 "sent",
	 "Publish exactly one TXT record at _smtp._tls.DOMAIN of the "
	 "form 'v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN' (rua: a comma list "
	 "of mailto: and https: URIs).",
	 "RFC 8460 section 3"},
	{"tlsrpt.missing", MX_SEV_INFO,
	 "No TLS-RPT record: nobody is told when senders fail to use TLS",
	 "Publish 'v=TLSRPTv1; rua=mailto:tlsrpt@DOMAIN' at "
	 "_smtp._tls.DOMAIN (TXT) to receive daily reports of TLS "
	 "failures.",
	 "RFC 8460 section 3"},
	/* Drift (issue 10): what changed between two results of one
	 * endpoint (analyzers/drift.c); `watch` and `history` report them
	 * with the value before and after. */
	{"drift.cert_replaced", MX_SEV_INFO,
	 "The leaf certificate changed since the previous probe",
	 "Nothing to do after a planned renewal. Otherwise compare the "
	 "serial, issuer and fingerprint with what you deployed: an "
	 "unplanned change can be a wrong certificate on one server of a "
	 "pool, or an interception device. Update DANE (TLSA) records "
	 "before the key changes.",
	 "RFC 7671 section 8.1"},
	{"drift.chain_changed", MX_SEV_WARN,
	 "The chain as sent changed (not the leaf): an intermediate "
	 "appeared, changed or went missing",
	 "Serve the full chain (leaf, then its intermediates in order) "
	 "again: after a renewal the intermediate is easily left out of "
	 "the MTA's certificate file (Postfix: smtpd_tls_chain_files or "
	 "the fullchain file).",
	 "RFC 8446 section 4.4.2"},
	{"drift.cert_expiry", MX_SEV_WARN,
	 "The leaf certificate's days left crossed 30, 14 or 7",
	 "Renew the certificate and reload the MTA before it expires; "
	 "check that the renewal job (ACME client, cron) ran and that the "
	 "MTA was reloaded to pick up the new file.",
	 "RFC 5280 section 4.1.2.5"},
	{"drift.tls_version", MX_SEV_WARN,
	 "The negotiated TLS version changed since the previous probe",
	 "If the version went down, check the MTA's TLS settings and "
	 "library after the last update or failover (Postfix: "
	 "smtpd_tls_protocols); a load-balanced pool may have one server "
	 "with an older configuration.",
	 "RFC 8996"},
	{"drift.suite", MX_SEV_INFO,
	 "The negotiated cipher suite changed since the previous probe",
	 "Nothing to do when the change was planned; if the new suite is "
	 "weaker (no forward secrecy, CBC, RC4, 3DES), restore the "
	 "server's cipher list and preference order.",
	 "RFC 9325 section 4.2"},
	{"drift.temp_key_weakened", MX_SEV_WARN,
	 "The server's temporary key exchange got weaker (smaller group, "
	 "finite-field DH instead of a curve, or none)",
	 "Restore ECDHE (X25519, P-256) first in the server's group list "
	 "and a DH group of at least 2048 bits (Postfix: "
	 "smtpd_tls_dh1024_param_file with a 2048-bit ffdhe group); senders "
	 "abort with 'dh key too small' on 1024-bit groups.",
	 "RFC 7919; RFC 9325 section 4.1"},
	{"drift.starttls_gone", MX_SEV_CRIT,
	 "STARTTLS was offered before and is not offered now",
	 "Restore STARTTLS on the server (a certificate or key that fails "
	 "to load, or a configuration reload that lost the TLS settings, "
	 "makes Postfix stop advertising it); also look for a middlebox "
	 "that strips STARTTLS from the EHLO reply.",
	 "RFC 3207 section 4"},
	{"drift.tls_gone", MX_SEV_CRIT,
	 "A TLS session completed before and does not now",
	 "Read the endpoint's current findings for the cause (connection "
	 "refused, handshake failure, alert) and the MTA's log at the "
	 "time of the probe.",
	 "RFC 3207; RFC 8314"},
	{"drift.dane_match_lost", MX_SEV_CRIT,
	 "The DANE TLSA records matched the server's chain before and do "
	 "not now",
	 "Publish TLSA records for the new key or certificate (keep the "
	 "old and new records side by side during a rollover, RFC 7671 "
	 "section 8.1), or restore the certificate the records match: "
	 "DANE senders defer mail until they match.",
	 "RFC 7672 section 3.1"},
	{"drift.mtasts_changed", MX_SEV_INFO,
	 "The domain's MTA-STS policy changed (mode, policy id, or whether "
	 "a policy applies)",
	 "Nothing to do when the change was planned; otherwise check the "
	 "_mta-sts TXT record and the policy file: a policy that goes from "
	 "enforce to testing or none, or stops applying, removes the "
	 "downgrade protection.",
	 "RFC 8461 section 3"},
	{"drift.new_critical", MX_SEV_CRIT,
	 "A critical finding appeared that the previous probe did not "
	 "report",
	 "Follow the fix of the new finding (its id is in the evidence); "
	 "the previous probe shows the state before the change.",
	 "doc/findings.md"},
};

const struct mx_finding_def *mx_finding_def(const char *id)
{
	size_t i;

	for (i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++)
		if (strcmp(catalogue[i].id, id) == 0)
			return &catalogue[i];
	return NULL;
}

const struct mx_finding_def *mx_finding_catalogue(size_t *n)
{
	*n = sizeof(catalogue) / sizeof(catalogue[0]);
	return catalogue;
}
