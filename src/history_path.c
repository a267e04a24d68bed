/*
 * history_path.c - the history file's path (src/history_path.h).
 *
 * --history FILE, else $XDG_STATE_HOME/mxprobe/history.sqlite, else
 * $HOME/.local/state/mxprobe/history.sqlite; the directories of the
 * default are created 0700 one component at a time (mkdir -p), an
 * existing directory is kept.  A component that exists and is not a
 * directory is an error.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "common/log.h"
#include "common/xalloc.h"
#include "src/history_path.h"

/* Make dir and its parents (mode 0700 for those made here). */
static int mkdir_p(char *dir, char *err, size_t errlen)
{
	size_t len = strlen(dir);
	struct stat st;

	for (size_t i = 1; i <= len; i++) {
		if (dir[i] != '/' && dir[i] != '\0')
			continue;
		char c = dir[i];
		dir[i] = '\0';
		if (mkdir(dir, 0700) != 0 && errno != EEXIST) {
			mx_set_err(err, errlen, "cannot create %s: %s", dir,
				   strerror(errno));
			dir[i] = c;
			return -1;
		}
		if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
			mx_set_err(err, errlen, "%s is not a directory", dir);
			dir[i] = c;
			return -1;
		}
		dir[i] = c;
	}
	return 0;
}

char *mx_cli_history_path(const struct mx_opts *o, char *err, size_t errlen)
{
	if (o != NULL && o->history_path != NULL) {
		if (o->history_path[0] == '\0') {
			mx_set_err(err, errlen, "--history: empty file name");
			return NULL;
		}
		return xstrdup(o->history_path);
	}
	const char *xdg = getenv("XDG_STATE_HOME");
	const char *home = getenv("HOME");
	char *dir = NULL;
	if (xdg != NULL && xdg[0] == '/')
		dir = xasprintf("%s/mxprobe", xdg);
	else if (home != NULL && home[0] == '/')
		dir = xasprintf("%s/.local/state/mxprobe", home);
	else {
		mx_set_err(err, errlen,
			   "no place for the history file: neither "
			   "XDG_STATE_HOME nor HOME is an absolute path "
			   "(use --history FILE)");
		return NULL;
	}
	if (mkdir_p(dir, err, errlen) != 0) {
		free(dir);
		return NULL;
	}
	char *path = xasprintf("%s/%s", dir, MX_HISTORY_FILE);
	free(dir);
	return path;
}
