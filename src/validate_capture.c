/*
 * validate_capture.c - the capture options (issue 9): --capture=IFACE,
 * --pcap-out FILE, --user NAME.  Checked before anything is sent, like
 * every other value (src/validate.h).
 */
#include <errno.h>
#include <net/if.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/escape.h"
#include "src/validate_int.h"

/* An interface name: what the kernel accepts (IFNAMSIZ - 1 bytes, no
 * '/', no white space); whether it exists is libpcap's to say when the
 * capture opens, with its own words. */
int mx_vc_iface(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	size_t i, n = strlen(v);

	(void)c;
	if (n == 0 || n >= IFNAMSIZ) {
		mx_v_why(why, whylen, "an interface name has 1 to %d bytes",
			 IFNAMSIZ - 1);
		return -1;
	}
	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)v[i];

		if (ch <= ' ' || ch >= 0x7f || ch == '/' || ch == ':') {
			mx_v_why(why, whylen,
				 "not an interface name (try 'ip link')");
			return -1;
		}
	}
	return 0;
}

/* The capture file is new (O_EXCL) unless --force; its directory must
 * exist and be writable; never a directory. */
int mx_vc_pcap_out(const struct vctx *c, const char *v, char *why,
		   size_t whylen)
{
	struct stat st;
	char dir[4096];
	const char *slash;

	if (v[0] == '\0') {
		mx_v_why(why, whylen, "empty path");
		return -1;
	}
	if (strcmp(v, "-") == 0) {
		mx_v_why(why, whylen,
			 "the capture is written to a file, not to standard "
			 "output");
		return -1;
	}
	if (lstat(v, &st) == 0) {
		if (S_ISDIR(st.st_mode)) {
			mx_v_why(why, whylen, "is a directory, not a file");
			return -1;
		}
		if (S_ISLNK(st.st_mode)) {
			mx_v_why(why, whylen,
				 "is a symbolic link: name the file itself");
			return -1;
		}
		if (!c->o->force) {
			mx_v_why(why, whylen,
				 "exists (add --force to overwrite it)");
			return -1;
		}
		return 0;
	}
	if (errno != ENOENT) {
		mx_v_why(why, whylen, "%s", strerror(errno));
		return -1;
	}
	slash = strrchr(v, '/');
	if (slash == NULL) {
		dir[0] = '.';
		dir[1] = '\0';
	} else if ((size_t)(slash - v) >= sizeof(dir)) {
		mx_v_why(why, whylen, "path too long");
		return -1;
	} else {
		memcpy(dir, v, (size_t)(slash - v));
		dir[slash - v] = '\0';
		if (dir[0] == '\0')
			dir[0] = '/', dir[1] = '\0';
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		mx_v_why(why, whylen, "no such directory");
		return -1;
	}
	if (access(dir, W_OK) < 0) {
		mx_v_why(why, whylen, "directory not writable: %s",
			 strerror(errno));
		return -1;
	}
	return 0;
}

int mx_vc_user(const struct vctx *c, const char *v, char *why, size_t whylen)
{
	char *esc;

	(void)c;
	if (v[0] == '\0' || strlen(v) > 64) {
		mx_v_why(why, whylen, "a user name has 1 to 64 bytes");
		return -1;
	}
	errno = 0;
	if (getpwnam(v) == NULL) {
		esc = mx_escape_str(v, 64);
		mx_v_why(why, whylen, "no such user '%s'", esc);
		free(esc);
		return -1;
	}
	return 0;
}
