/*
 * main.c - mxprobe entry point: find the subcommand, parse its options,
 * check every value (src/validate.h: one line, exit 3, before any I/O),
 * run it, exit with its status.  The only place that exits.
 *
 * Each command names which option groups it takes (enum mx_opt_extra)
 * and what its positional arguments are (enum mx_arg_kind, how many).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "common/escape.h"
#include "src/commands.h"
#include "src/validate.h"

static const struct mx_cmd commands[] = {
	{"check", cmd_check,
	 MX_OPT_TRANSCRIPT | MX_OPT_CONNCAP | MX_OPT_SENDTEST | MX_OPT_AUTH |
		 MX_OPT_TLSPOLICY | MX_OPT_DEEP | MX_OPT_CAPTURE |
		 MX_OPT_MONITOR,
	 "TARGET...",
	 "Check how mail servers can be reached over TLS: every MX of a "
	 "domain,\nevery address, STARTTLS or implicit TLS; report what is "
	 "wrong and the fix.",
	 "Targets:\n"
	 "  example.org                 a domain: its MX records, each MX "
	 "host, each\n"
	 "                              address, port 25, STARTTLS\n"
	 "  smtp://mx1.example.org      one host, port 25, STARTTLS\n"
	 "  submission://smtp.example.org  port 587, STARTTLS\n"
	 "  smtps://smtp.example.org    port 465, implicit TLS\n"
	 "  host:2587, smtps://host:2465, [2001:db8::25]:25, 192.0.2.25\n"
	 "  An internationalized name (IDN) is looked up by its A-label "
	 "(xn--...).\n"
	 "\nOptions for check:\n"
	 "  --transcript               show the SMTP dialogue (-> sent, <- "
	 "received)\n"
	 "  --max-conn-per-host N      connections at once to one address "
	 "(default 2)\n"
	 "  --deep                     also enumerate every endpoint whose "
	 "TLS worked:\n"
	 "                             versions, suites, DH groups, clients "
	 "(see\n"
	 "                             'mxprobe ciphers --help')\n"
	 "  --send-test RCPT           then send a test message through the "
	 "first\n"
	 "                             target (send's --from, --auth-*, "
	 "--tls-policy,\n"
	 "                             --maildir DIR to confirm arrival and "
	 "time it)\n"
	 "  for the send test, as 'mxprobe send --help' explains them:\n"
	 "  --from, --subject, --body-file, --header, --size, --maildir,\n"
	 "  --auth-user, --auth-password-file, --auth-password-env,\n"
	 "  --allow-plaintext-auth, --tls-policy, --esa-policy, "
	 "--fingerprint,\n"
	 "  --secure-match\n"
	 "\nExamples:\n"
	 "  mxprobe check example.org\n"
	 "  mxprobe check --json -o report.json example.org\n"
	 "  mxprobe check --ca-file my-ca.pem submission://smtp.example.org\n"
	 "  mxprobe check --nagios -w 30 -c 14 example.org\n"
	 "  mxprobe check --junit report.xml example.org",
	 MX_ARGS_TARGET, 1, -1},
	{"certs", cmd_certs, MX_OPT_EXPORT | MX_OPT_CAPTURE, "TARGET",
	 "Show the certificates a mail server sends, and export them as PEM\n"
	 "files for a trust store (replaces 'openssl s_client -showcerts | "
	 "awk').",
	 "TARGET is one server: a bare name is that host (its A/AAAA "
	 "records; no MX\nlookup), smtp://, submission://, smtps:// and "
	 "HOST:PORT as for check.  For\nthe certificates of a domain's MX "
	 "hosts use 'mxprobe check DOMAIN'.\n"
	 "\nOptions for certs:\n"
	 "  --export DIR               write each certificate as <CN>.pem, "
	 "plus\n"
	 "                             chain.pem, into DIR (created if "
	 "missing)\n"
	 "  --force                    overwrite existing files in DIR\n"
	 "\nExamples:\n"
	 "  mxprobe certs mx1.example.org\n"
	 "  mxprobe certs smtps://smtp.example.org --export ./certs",
	 MX_ARGS_TARGET, 1, 1},
	{"ciphers", cmd_ciphers,
	 MX_OPT_CONNCAP | MX_OPT_CAPTURE | MX_OPT_MONITOR, "TARGET...",
	 "Enumerate what a mail server really offers: versions, every cipher "
	 "suite\nin server order, DH groups and curves, which clients fail, "
	 "and a\ncipher string that works.",
	 "Probes each endpoint up to TLS (DNS, SMTP, one handshake), then "
	 "sends its own\nClientHellos (SSLv3 to TLS 1.3, every suite the IANA "
	 "registry knows, export,\nRC4, anon and NULL included): offer all, "
	 "remove the server's pick, repeat -\nabout one connection per "
	 "accepted suite.  Key exchange per suite ('DH 1024\n(RFC 2409 group "
	 "2)', 'ECDH x25519'), server or client order, groups, RSA and\n"
	 "ECDSA keys; then the client simulation with real handshakes and "
	 "tested advice.\n"
	 "A bare name is that host (no MX lookup); for a domain's MX hosts "
	 "use\n'mxprobe check --deep DOMAIN'.\n"
	 "\nOptions for ciphers:\n"
	 "  --max-conn-per-host N      connections at once to one address "
	 "(default 2);\n"
	 "                             a 421 or refused connection backs off "
	 "and drops\n"
	 "                             it to 1\n"
	 "  --timeout, --deadline      per step; the enumeration of an "
	 "endpoint may\n"
	 "                             take twice the deadline\n"
	 "\nExamples:\n"
	 "  mxprobe ciphers mx1.example.org\n"
	 "  mxprobe ciphers --json submission://smtp.example.org:587\n"
	 "  mxprobe check --deep example.org",
	 MX_ARGS_TARGET, 1, -1},
	{"scan", cmd_scan, MX_OPT_CONNCAP | MX_OPT_DEEP | MX_OPT_SCAN, "",
	 "Check many targets from a file: one JSON line per target as soon "
	 "as it is\ndone, polite per address, resumable, shardable.",
	 "Targets: the forms of 'mxprobe check', one a line in -f FILE (- for "
	 "standard\ninput); blank lines and '#' comments ignored, bad lines "
	 "reported with their\nnumber and skipped.  Every target is one "
	 "'check' document on one line\n(JSON Lines, doc/scan.md).\n"
	 "\nOptions for scan:\n"
	 "  -f, --file FILE            the targets, one a line (- for "
	 "standard input)\n"
	 "  --jsonl FILE               append the JSON lines to FILE "
	 "(default: stdout)\n"
	 "  --state FILE               record finished targets; skip those "
	 "already there\n"
	 "  --shard I/N                only the targets whose MX addresses "
	 "hash to shard I\n"
	 "  --concurrency N            targets and connections at once "
	 "(default 16)\n"
	 "  --rate-per-host N          new connections a second to one "
	 "address (default 1)\n"
	 "  --max-conn-per-host N      connections at once to one address "
	 "(default 2)\n"
	 "  --deep                     enumerate every endpoint too (as "
	 "check --deep)\n"
	 "\nExamples:\n"
	 "  mxprobe scan -f domains.txt --jsonl results.jsonl\n"
	 "  mxprobe scan -f domains.txt --state scan.state\n"
	 "  mxprobe scan -f domains.txt --shard 3/16",
	 MX_ARGS_NONE, 0, 0},
	{"send", cmd_send,
	 MX_OPT_SEND | MX_OPT_AUTH | MX_OPT_TLSPOLICY | MX_OPT_TRANSCRIPT |
		 MX_OPT_CAPTURE,
	 "--to RCPT [options]",
	 "Send a test message with a delivery TLS policy (and AUTH), report "
	 "each\nstage like swaks, explain failures, confirm arrival.",
	 "Options for send:\n"
	 "  --to ADDR                  recipient (repeatable); the next hop "
	 "is its\n"
	 "                             domain's MX unless --via is given\n"
	 "  --via TARGET               next hop: domain, host[:port], "
	 "smtp://, submission://,\n"
	 "                             smtps:// (see 'mxprobe check --help')\n"
	 "  --from ADDR                envelope and From: sender\n"
	 "  --subject TEXT, --body-file FILE, --header 'Name: value' "
	 "(repeatable),\n"
	 "  --size OCTETS              pad the message to this size\n"
	 "  --tls-policy LEVEL         none, may (default), encrypt, verify, "
	 "secure,\n"
	 "                             dane, dane-only, fingerprint (Postfix "
	 "meaning),\n"
	 "                             mta-sts (the domain's RFC 8461 "
	 "policy)\n"
	 "  --esa-policy NAME          off, preferred, required, "
	 "preferred-verify,\n"
	 "                             required-verify (doc/policies.md)\n"
	 "  --fingerprint SHA256       for fingerprint (certificate or public "
	 "key)\n"
	 "  --secure-match NAME        names for secure (default: nexthop, "
	 ".nexthop)\n"
	 "  --auth-user USER           authenticate (RFC 4954) as USER\n"
	 "  --auth-password-file FILE  the password (file must be mode "
	 "0600/0400)\n"
	 "  --auth-password-env VAR    the password from the environment\n"
	 "  --allow-plaintext-auth     allow AUTH without TLS (never by "
	 "default)\n"
	 "  --maildir DIR              wait for the message to arrive in "
	 "this Maildir\n"
	 "  --transcript               show the SMTP dialogue (AUTH "
	 "redacted)\n"
	 "\nExit status: 0 delivered, 1 some recipients refused, 3 bad "
	 "usage,\n"
	 "10 resolve, 11 connect, 12 banner, 13 EHLO, 14 STARTTLS, 15 TLS, "
	 "16 policy,\n"
	 "17 AUTH, 18 MAIL, 19 RCPT, 20 DATA failed; 21 not found in the "
	 "Maildir.\n"
	 "\nExamples:\n"
	 "  mxprobe send --to user@example.org --tls-policy verify\n"
	 "  mxprobe send --via submission://smtp.example.org --auth-user me "
	 "\\\n"
	 "      --auth-password-file pw.txt --from me@example.org --to "
	 "you@example.net",
	 MX_ARGS_NONE, 0, 0},
	{"policy", cmd_policy, MX_OPT_TLSMATCH, "TARGET",
	 "Judge every delivery TLS policy level (none..mta-sts) against a "
	 "server\nfrom one probe: deliver encrypted, in clear, or defer, and "
	 "why.",
	 "Options for policy:\n"
	 "  --fingerprint SHA256       judge the fingerprint level with it\n"
	 "  --secure-match NAME        names for secure (default: nexthop, "
	 ".nexthop)\n"
	 "  --trust-anchor FILE        DNSSEC trust anchor (needed for "
	 "dane)\n"
	 "\nExit status: 0 verify/secure/dane deliver everywhere, 1 only "
	 "unauthenticated\nTLS, 2 clear text or deferral at may somewhere, "
	 "3 nothing tested.\n"
	 "\nExamples:\n"
	 "  mxprobe policy example.org\n"
	 "  mxprobe policy --json mx1.example.org",
	 MX_ARGS_TARGET, 1, 1},
	{"headers", cmd_headers, 0, "FILE",
	 "Show the hops of a received message: TLS per hop, delays, and\n"
	 "Authentication-Results / ARC-Authentication-Results.",
	 "FILE is a message as saved (RFC 5322), or - for standard input.\n"
	 "\nExit status: 0 parsed, 1 a hop in clear text or a damaged "
	 "header, 3 unreadable.\n"
	 "\nExamples:\n"
	 "  mxprobe headers message.eml\n"
	 "  mxprobe headers --json - < message.eml",
	 MX_ARGS_MESSAGE, 1, 1},
	{"pcap", cmd_pcap, MX_OPT_EXPORT | MX_OPT_PCAP, "FILE",
	 "Read a packet capture taken anywhere (pcap or pcapng): every SMTP "
	 "and TLS\nsession with its verdict, the chain as sent checked "
	 "against a trust store.",
	 "FILE is a capture (tcpdump -w, tshark, Wireshark; pcap or pcapng), "
	 "or - for\nstandard input.  Each session, in time order: client and "
	 "server, a timeline\nwith ms offsets (SMTP replies, STARTTLS, "
	 "ClientHello with SNI, versions,\nsuites and JA3, ServerHello with "
	 "JA3S, DH size and prime, alerts, FIN/RST),\nthe server's chain "
	 "exactly as sent, verified against the trust store\n(--ca-file, "
	 "--ca-path, else the system store) for the SNI: which certificate\n"
	 "the server did not send and the store does not have.  TCP flows "
	 "with neither\nSMTP nor TLS are counted, not shown.\n"
	 "\nOptions for pcap:\n"
	 "  --ca-file FILE, --ca-path DIR  the trust store to verify each "
	 "chain with\n"
	 "  --export DIR               write every distinct certificate seen "
	 "as <CN>.pem,\n"
	 "                             plus chain.pem, into DIR (as 'mxprobe "
	 "certs')\n"
	 "  --force                    overwrite existing files in DIR\n"
	 "  --max-flows N              TCP flows decoded at once (default "
	 "512; beyond\n"
	 "                             it the least recently active one ends "
	 "early)\n"
	 "  --json, -o FILE            JSON (doc/mxprobe-pcap.schema.json), "
	 "to FILE\n"
	 "\nExit status: 0/1/2 from the worst finding, 3 the file is no "
	 "readable\ncapture or nothing in it could be judged.  A capture cut "
	 "short is reported\nwith what could be read (capture.truncated).\n"
	 "\nExamples:\n"
	 "  mxprobe pcap appliance-test.pcap --ca-file truststore.pem\n"
	 "  tcpdump -i eth0 -w - 'port 25' | mxprobe pcap - --json\n"
	 "  mxprobe pcap smarthost.pcapng --export ./certs",
	 MX_ARGS_MESSAGE, 1, 1},
	{"relay", cmd_relay, MX_OPT_RELAY | MX_OPT_AUTH | MX_OPT_TLSPOLICY, "",
	 "Run a small SMTP relay: accept mail on loopback, keep it in a "
	 "durable\nspool, deliver it to a smarthost or the recipients' MX "
	 "under a TLS policy.",
	 "A message is acknowledged with 250 only once it is fsync'ed in the "
	 "spool;\ndeliveries are retried with backoff and bounced into dead/ "
	 "when they fail\npermanently or the queue lifetime is over.  Stop "
	 "with SIGTERM or SIGINT.\n"
	 "\nOptions for relay:\n"
	 "  --listen ADDR:PORT         where to accept mail (default "
	 "127.0.0.1:2525)\n"
	 "  --spool DIR                the durable spool (created 0700; "
	 "required)\n"
	 "  --smarthost TARGET         next hop for everything: "
	 "smtps://host,\n"
	 "                             submission://host:2587, host:25 "
	 "(default: the\n"
	 "                             MX of each recipient domain)\n"
	 "  --auth-user U              AUTH at the smarthost, with\n"
	 "  --auth-password-file F     the password in a 0600 file (or\n"
	 "  --auth-password-env VAR    an environment variable)\n"
	 "  --allow-plaintext-auth     allow AUTH without TLS (never by "
	 "default)\n"
	 "  --fingerprint SHA256, --secure-match NAME  for the fingerprint "
	 "and\n"
	 "                             secure levels (as 'mxprobe send')\n"
	 "  --tls-policy LEVEL         none, may (default), encrypt, verify, "
	 "secure,\n"
	 "                             dane, dane-only, fingerprint "
	 "(--esa-policy too)\n"
	 "  --tls-cert F --tls-key F   offer STARTTLS to clients with this "
	 "chain and key\n"
	 "  --destinations FILE        per-domain next hop, TLS level, "
	 "concurrency, AUTH:\n"
	 "                             'lab.test via=smtps://smtp.lab.test "
	 "tls=verify\n"
	 "                             max-conc=2 auth=yes' (see "
	 "relay/workers.h)\n"
	 "  --log FILE                 the mail log (appliance-style "
	 "lines); '-' is\n"
	 "                             stderr (the default); give both to "
	 "get both\n"
	 "  --max-message-size N       octets (k, M suffixes; default "
	 "10M)\n"
	 "  --max-recipients N         per message (default 100)\n"
	 "  --allow NET                client networks (repeatable; default "
	 "127.0.0.0/8\n"
	 "                             and ::1)\n"
	 "  --retry-schedule LIST      delays after failed attempts "
	 "(default\n"
	 "                             1m,5m,15m,30m,1h; the last "
	 "repeats)\n"
	 "  --max-queue-lifetime D     bounce after this long (default "
	 "5d)\n"
	 "  --max-deliveries N         deliveries at once (default 10)\n"
	 "  --timeout SECONDS          each SMTP step of a delivery\n"
	 "\nExit status: 0 stopped by a signal, 3 could not start (spool "
	 "locked,\nport in use, bad options).\n"
	 "\nExamples:\n"
	 "  mxprobe relay --spool /var/spool/mxprobe --smarthost "
	 "smtps://smtp.lab.test \\\n"
	 "      --auth-user labuser --auth-password-file pw.txt "
	 "--tls-policy verify\n"
	 "  mxprobe queue --spool /var/spool/mxprobe",
	 MX_ARGS_NONE, 0, 0},
	{"queue", cmd_queue, MX_OPT_QUEUE, "",
	 "Show what the relay holds: attempts, next attempt, last error, "
	 "and why.",
	 "Reads the spool without locking it, so the relay may run.\n"
	 "\nOptions for queue:\n"
	 "  --spool DIR                the relay's spool (required)\n"
	 "  --json                     one JSON object: queue, dead, "
	 "corrupt\n"
	 "\nExit status: 0 nothing waits after a failure, 1 messages are "
	 "deferred,\n2 messages bounced (dead/) or unreadable (corrupt/), 3 "
	 "no spool.\n"
	 "\nExamples:\n"
	 "  mxprobe queue --spool /var/spool/mxprobe\n"
	 "  mxprobe queue --spool /var/spool/mxprobe --json",
	 MX_ARGS_NONE, 0, 0},
	/* exporter (issue 12 point 3) */
	{"exporter", cmd_exporter,
	 MX_OPT_CONNCAP | MX_OPT_EXPORTER | MX_OPT_SEND | MX_OPT_AUTH |
		 MX_OPT_TLSLEVEL,
	 "",
	 "Serve Prometheus metrics: GET /probe?target=TARGET&module=check "
	 "probes\na target on request (blackbox_exporter's multi-target "
	 "pattern).",
	 "Endpoints: /probe?target=TARGET&module=check|deep|send (the metrics "
	 "of one\nprobe run), /metrics (the exporter's own), / (links).  The "
	 "common options\n(--resolver, --ca-file, --trust-anchor, --timeout, "
	 "...) apply to every probe.\nA probe ends within the scrape's "
	 "X-Prometheus-Scrape-Timeout-Seconds less\nhalf a second (else "
	 "--deadline, else 10 s).  Metric names: doc/exporter.md.\n"
	 "\nOptions for exporter:\n"
	 "  --listen ADDR:PORT         where to serve HTTP (default "
	 "127.0.0.1:9425)\n"
	 "  --listen-any               allow a non-loopback --listen: "
	 "whoever reaches\n"
	 "                             it can make this host probe any "
	 "server\n"
	 "  --max-probes N             probes at once (default 8; 503 "
	 "beyond)\n"
	 "  --allow FILE               target patterns, one per line (shell "
	 "wildcards);\n"
	 "                             any other target is refused (403)\n"
	 "  --max-conn-per-host N      connections at once to one address, "
	 "over all\n"
	 "                             probes (default 2)\n"
	 "\nmodule=send delivers one test message through the target (the "
	 "next hop).\nIts envelope and credentials are these options, never "
	 "the scrape's:\n"
	 "  --to ADDRESS               the probe recipient (repeatable; "
	 "without it\n"
	 "                             module=send is refused with 400)\n"
	 "  --from ADDRESS             the envelope sender (default "
	 "mxprobe@HELO)\n"
	 "  --subject, --header, --size   as for send\n"
	 "  --auth-user NAME           AUTH, with --auth-password-file FILE "
	 "(0600)\n"
	 "                             or --auth-password-env VAR; "
	 "--allow-plaintext-auth\n"
	 "  --tls-policy LEVEL         none, may (default), encrypt, verify, "
	 "secure,\n"
	 "                             dane, dane-only; or --esa-policy NAME\n"
	 "  --maildir DIR              wait (within the scrape) for the "
	 "message there:\n"
	 "                             mxprobe_end_to_end_seconds\n"
	 "\nExit status: 0 stopped by a signal, 3 could not start.\n"
	 "\nExamples:\n"
	 "  mxprobe exporter --listen 127.0.0.1:9425\n"
	 "  curl 'http://127.0.0.1:9425/probe?target=example.org&module=check'\n"
	 "  mxprobe exporter --to probe@example.org --auth-user probe \\\n"
	 "      --auth-password-file /etc/mxprobe/pw --tls-policy verify\n"
	 "  curl 'http://127.0.0.1:9425/probe?target=submission://"
	 "smtp.example.org&module=send'",
	 MX_ARGS_NONE, 0, 0},
	/* watch and history (issue 10) */
	{"watch", cmd_watch,
	 MX_OPT_CONNCAP | MX_OPT_DEEP | MX_OPT_WATCH | MX_OPT_CAPTURE,
	 "[TARGET...]",
	 "Watch mail servers live: a dashboard of every endpoint, re-probed "
	 "every\ninterval, with history in SQLite and alerts when something "
	 "drifts.",
	 "Targets: the forms of 'mxprobe check' on the command line, and/or "
	 "one a line\nin -f FILE.  Every endpoint (MX host, address, port, "
	 "mode) is one row: state\n(OK, WARN, CRIT, UNKNOWN, or the stage "
	 "being probed), TLS version and suite,\ntemp key, certificate days "
	 "left, DANE, MTA-STS, findings, last probe, and a\nchange marker "
	 "(*) when it drifted since the previous probe (certificate\n"
	 "replaced, chain changed, temp key weakened, STARTTLS gone, ...:\n"
	 "doc/history.md).  Every probe is stored in the history file;\n"
	 "'mxprobe history' lists it.\n"
	 "\nKeys:\n"
	 "  Up/Down, j/k, PgUp/PgDn, g/G   move        Enter  drill into "
	 "the endpoint\n"
	 "  Tab, Shift-Tab  next/previous pane          Esc    back to the "
	 "overview\n"
	 "  /  filter rows (Esc clears)   s  sort        ?, F1  help\n"
	 "  r  re-probe the selected row's target now (all its endpoints)\n"
	 "  e  enumerate that target now (versions, suites, DH groups, "
	 "clients)\n"
	 "  p  pause/resume the schedule  q, F10  quit\n"
	 "\nWhen standard output is not a terminal (or with --json) there is "
	 "no\ndashboard: each round prints a header line, the check report of "
	 "every\ntarget and the drift found (--json: one JSON object per "
	 "round, one a line).\n"
	 "\nOptions for watch:\n"
	 "  -f, --file FILE            targets, one a line ('#' comments; - "
	 "for stdin)\n"
	 "  --interval DURATION        time between probes of a target "
	 "(default 5m;\n"
	 "                             30s, 10m, 1h, 7d; 5s at least), "
	 "jittered by\n"
	 "                             +-10% so targets spread out\n"
	 "  --rounds N                 stop after N rounds (default 0: "
	 "never)\n"
	 "  --deep                     enumerate every endpoint each round "
	 "(as\n"
	 "                             check --deep)\n"
	 "  --history FILE             the SQLite history (default\n"
	 "                             "
	 "$XDG_STATE_HOME/mxprobe/history.sqlite, else\n"
	 "                             "
	 "~/.local/state/mxprobe/history.sqlite)\n"
	 "  --no-history               keep the history in memory only\n"
	 "  --ascii                    no line-drawing characters\n"
	 "  --max-conn-per-host N      connections at once to one address, "
	 "over all\n"
	 "                             targets (default 2)\n"
	 "\nPoliteness: every probe of every target shares one connection "
	 "pool, so the\nper-address cap holds across targets.\n"
	 "\nExit status: 0 quit with q, F10, SIGINT or SIGTERM; with "
	 "--rounds N the\nworst status of the last round, its findings and "
	 "drift (0 OK, 1 warning,\n2 critical, 3 unknown), and 3 when a "
	 "signal ended it before N rounds\nor it could not start.\n"
	 "\nExamples:\n"
	 "  mxprobe watch lab.test submission://smtp.lab.test "
	 "smtps://smtp.lab.test:2465\n"
	 "  mxprobe watch -f targets.txt --interval 10m --deep\n"
	 "  mxprobe watch example.org --rounds 1 --json >> rounds.jsonl   # "
	 "from cron",
	 MX_ARGS_TARGET, 0, -1},
	{"history", cmd_history, MX_OPT_HISTORY, "[TARGET]",
	 "List what 'watch' stored: every probe of every endpoint, and what "
	 "drifted\nbetween two probes, with the value before and after.",
	 "TARGET selects endpoints: a target as written to 'watch' "
	 "(lab.test), an MX\nhost name, an address, or an endpoint key "
	 "(mx1.lab.test[127.0.0.31]:25/starttls).\n"
	 "\nOptions for history:\n"
	 "  --since DURATION           only probes this recent (90m, 12h, "
	 "7d)\n"
	 "  --history FILE             the SQLite history (default as for "
	 "watch)\n"
	 "\nThe file is SQLite: 'sqlite3 FILE' reads it too (tables probes "
	 "and findings,\ndoc/history.md).\n"
	 "\nExamples:\n"
	 "  mxprobe history\n"
	 "  mxprobe history lab.test --since 7d\n"
	 "  mxprobe history mx1.lab.test --json",
	 MX_ARGS_WORD, 0, 1},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp,
		"usage: mxprobe COMMAND [options] [arguments]\n\n"
		"mxprobe %s - TLS diagnostics for mail transport.\n\n"
		"Commands:\n",
		PACKAGE_VERSION);
	for (i = 0; i < NCOMMANDS; i++) {
		const char *nl = strchr(commands[i].summary, '\n');
		int len = nl ? (int)(nl - commands[i].summary)
			     : (int)strlen(commands[i].summary);
		fprintf(fp, "  %-8s %.*s\n", commands[i].name, len,
			commands[i].summary);
	}
	fputs("\n'mxprobe COMMAND --help' explains a command.\n"
	      "Exit status: 0 OK, 1 warning, 2 critical, 3 unknown.\n",
	      fp);
}

int main(int argc, char **argv)
{
	struct mx_opts o;
	char err[1024];
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 3;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 ||
	    strcmp(argv[1], "version") == 0) {
		printf("mxprobe %s (%s)\n", PACKAGE_VERSION,
		       OpenSSL_version(OPENSSL_VERSION));
		return 0;
	}
	for (i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (mx_opts_parse(argc - 1, argv + 1, &commands[i], &o, err,
				  sizeof(err)) < 0) {
			fprintf(stderr,
				"mxprobe %s: %s (try 'mxprobe %s "
				"--help')\n",
				commands[i].name, err, commands[i].name);
			return 3;
		}
		if (o.help) {
			mx_opts_usage(stdout, &commands[i]);
			return 0;
		}
		/* --json is honoured by every command with a report; the
		 * relay writes a log, so it refuses it (issue 13). */
		if (o.json && strcmp(commands[i].name, "relay") == 0) {
			fprintf(stderr,
				"mxprobe relay: --json is not for 'relay' "
				"(it writes a log, not a report; 'mxprobe "
				"queue --json' reports its spool)\n");
			return 3;
		}
		/* Every value checked before any I/O (issue 13): one line,
		 * exit 3, no packet sent. */
		if (mx_validate(&commands[i], &o, err, sizeof(err)) < 0) {
			fprintf(stderr, "mxprobe %s: %s\n", commands[i].name,
				err);
			return 3;
		}
		return commands[i].run(&o);
	}
	{
		char *q = mx_escape_str(argv[1], 64);

		fprintf(stderr, "mxprobe: unknown command '%s'\n", q);
		free(q);
	}
	usage(stderr);
	return 3;
}
