/*
 * main.c - mxprobe entry point: find the subcommand, parse its options,
 * run it, exit with its status.  The only place that exits.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/ssl.h>

#include "src/commands.h"

static const struct mx_cmd commands[] = {
	{"check", cmd_check, MX_OPT_TRANSCRIPT | MX_OPT_CONNCAP, "TARGET...",
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
	 "\nOptions for check:\n"
	 "  --transcript               show the SMTP dialogue (-> sent, <- "
	 "received)\n"
	 "  --max-conn-per-host N      connections at once to one address "
	 "(default 2)\n"
	 "\nExamples:\n"
	 "  mxprobe check example.org\n"
	 "  mxprobe check --json -o report.json example.org\n"
	 "  mxprobe check --ca-file my-ca.pem submission://smtp.example.org"},
	{"certs", cmd_certs, MX_OPT_EXPORT, "TARGET",
	 "Show the certificates a mail server sends, and export them as PEM\n"
	 "files for a trust store (replaces 'openssl s_client -showcerts | "
	 "awk').",
	 "Options for certs:\n"
	 "  --export DIR               write each certificate as <CN>.pem, "
	 "plus\n"
	 "                             chain.pem, into DIR (created if "
	 "missing)\n"
	 "  --force                    overwrite existing files in DIR\n"
	 "\nExamples:\n"
	 "  mxprobe certs mx1.example.org\n"
	 "  mxprobe certs smtps://smtp.example.org --export ./certs"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *fp)
{
	size_t i;

	fprintf(fp, "usage: mxprobe COMMAND [options] [arguments]\n\n"
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
	char err[256];
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
			fprintf(stderr, "mxprobe %s: %s (try 'mxprobe %s "
					"--help')\n",
				commands[i].name, err, commands[i].name);
			return 3;
		}
		if (o.help) {
			mx_opts_usage(stdout, &commands[i]);
			return 0;
		}
		return commands[i].run(&o);
	}
	fprintf(stderr, "mxprobe: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 3;
}
