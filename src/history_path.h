/*
 * history_path.h - where `watch` and `history` keep the history file.
 *
 * mx_cli_history_path(o, err, errlen) returns (malloc'ed; the caller
 * frees) the path of the SQLite history file (store/history.h):
 *   1. --history FILE (o->history_path) as given; its directory is not
 *      created (the user named it);
 *   2. else $XDG_STATE_HOME/mxprobe/history.sqlite when XDG_STATE_HOME is
 *      set to an absolute path (the XDG Base Directory spec ignores a
 *      relative one);
 *   3. else $HOME/.local/state/mxprobe/history.sqlite.
 * For 2 and 3 the directories are created as needed (mode 0700; an
 * existing one is kept as it is).  NULL with one line in err (no
 * state directory: neither variable set; a directory that cannot be
 * made) - the caller (src/) prints it.
 *
 * Whether the file exists is not checked: `watch` creates it, `history`
 * opens it read-only and says when it is missing.
 */
#ifndef MX_SRC_HISTORY_PATH_H
#define MX_SRC_HISTORY_PATH_H

#include <stddef.h>

#include "src/options.h"

#define MX_HISTORY_FILE "history.sqlite"

char *mx_cli_history_path(const struct mx_opts *o, char *err, size_t errlen);

#endif
