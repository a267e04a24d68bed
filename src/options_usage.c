/*
 * options_usage.c - the part of --help every command shares (the common
 * options, the capture options, exit status); the command's own text is
 * in its table entry (src/main.c).  tests/unit/check_options.sh keeps
 * --help, doc/mxprobe.1 and the completions in step with the option
 * table of src/options.c.
 */
#include <stdio.h>
#include <string.h>

#include "src/options.h"

void mx_opts_usage(FILE *fp, const struct mx_cmd *cmd)
{
	fprintf(fp, "usage: mxprobe %s [options] %s\n\n%s\n\n%s\n", cmd->name,
		cmd->args, cmd->summary, cmd->help);
	fputs("\nOptions every subcommand takes:\n"
	      "  --resolver IP[:PORT]   DNS server to ask (default: "
	      "/etc/resolv.conf)\n"
	      "  --trust-anchor FILE    DNSSEC trust anchor (DS/DNSKEY); "
	      "without it the\n"
	      "                         resolver's AD bit is trusted\n"
	      "  --ca-file FILE         trust these CA certificates (PEM) "
	      "instead of the\n"
	      "                         system store\n"
	      "  --ca-path DIR          trust a hashed CA directory\n"
	      "  --helo NAME            name to send in EHLO/HELO: a domain or "
	      "an address\n"
	      "                         literal, [192.0.2.1] (default: this "
	      "host's name)\n"
	      "  --timeout SECONDS      limit for each step: connect, "
	      "greeting, reply,\n"
	      "                         handshake (default 30)\n"
	      "  --deadline SECONDS     limit for one endpoint in all "
	      "(default 4 x timeout)\n",
	      fp);
	/* ciphers writes the check document (with "enumeration"s); relay
	 * writes a log and refuses --json */
	if (strcmp(cmd->name, "relay") == 0)
		fputs("  --json                 refused: the relay writes a log "
		      "(see 'mxprobe queue')\n",
		      fp);
	else if (strcmp(cmd->name, "watch") == 0)
		fputs("  --json                 no dashboard: one JSON object "
		      "per round, one a line\n"
		      "                         (JSON Lines, doc/watch.md)\n",
		      fp);
	else if (strcmp(cmd->name, "history") == 0)
		fputs("  --json                 write JSON (doc/history.md)\n",
		      fp);
	else
		fprintf(fp,
			"  --json                 write JSON (schema: "
			"doc/mxprobe-%s.schema.json)\n",
			strcmp(cmd->name, "ciphers") == 0 ? "check"
							  : cmd->name);
	fputs("  -o, --output FILE      write the report to FILE\n"
	      "  -v, --verbose          developer log on stderr (repeat for "
	      "more)\n"
	      "  --trace LIST           trace smtp,tls,dns,pcap,sched,relay "
	      "or all\n"
	      "  --no-color             no colour (also when NO_COLOR is "
	      "set)\n"
	      "  -h, --help             this text\n"
	      "\nEvery value is checked before anything is sent: a bad one "
	      "gets one line\nnaming the option, and exit status 3.\n"
	      "\nExit status: 0 OK, 1 warning, 2 critical, 3 unknown (could "
	      "not test,\nor bad input).\n",
	      fp);
	if (cmd->extra & MX_OPT_MONITOR)
		fputs("\nMonitoring and CI (doc/monitoring.md):\n"
		      "  --nagios               one monitoring-plugin status "
		      "line with perfdata\n"
		      "                         (MXPROBE OK|WARNING|CRITICAL|"
		      "UNKNOWN - ...|time=...)\n"
		      "  -w, --warning DAYS     a certificate with fewer days "
		      "left is a warning\n"
		      "                         (default 14)\n"
		      "  -c, --critical DAYS    a certificate with fewer days "
		      "left is critical\n"
		      "                         (default: only expired ones)\n"
		      "  --junit FILE           also write a JUnit XML report "
		      "to FILE\n",
		      fp);
	if (cmd->extra & MX_OPT_CAPTURE)
		fputs("\nCapture (needs CAP_NET_RAW, e.g. root):\n"
		      "  --capture[=IFACE]      capture this run's own packets "
		      "(default: the\n"
		      "                         interface that routes to the "
		      "target, lo for\n"
		      "                         loopback) and show a wire "
		      "timeline for every\n"
		      "                         connection that failed or ended "
		      "unexpectedly\n"
		      "  --pcap-out FILE        also write the packets to FILE "
		      "(pcapng, mode 0600,\n"
		      "                         never over an existing file "
		      "without --force), each\n"
		      "                         with a comment naming its "
		      "connection and step\n"
		      "  --user NAME            user to run as once the capture "
		      "is open (default\n"
		      "                         nobody when started as root); "
		      "every capability\n"
		      "                         is dropped\n",
		      fp);
}
