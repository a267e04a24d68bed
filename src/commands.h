/*
 * commands.h - the subcommands, and what they share.
 */
#ifndef MX_SRC_COMMANDS_H
#define MX_SRC_COMMANDS_H

#include <stdio.h>

#include "model/result.h"
#include "src/options.h"

int cmd_check(struct mx_opts *o);
int cmd_certs(struct mx_opts *o);

/* Shared by the probing subcommands (src/probe_common.c). */

/* Parse every positional argument into a target of a new run.  On a bad
 * target prints one line to stderr and returns NULL. */
struct mx_run *mx_cli_build_run(const struct mx_opts *o);
/* Resolve and probe every target; analyze.  Returns 0 or prints why not
 * and returns -1. */
int mx_cli_probe(struct mx_run *run, const struct mx_opts *o);
/* Open -o FILE or stdout; NULL after printing why. */
FILE *mx_cli_open_output(const struct mx_opts *o);
int mx_cli_close_output(FILE *fp, const struct mx_opts *o);
/* Colour on a terminal only, never with NO_COLOR or --no-color. */
int mx_cli_use_color(FILE *fp, const struct mx_opts *o);

#endif
