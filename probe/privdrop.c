/*
 * privdrop.c - mx_drop_privileges() (declared in capture.h): give up the
 * uid, the groups and every capability once the capture device is open.
 */
#include "common/log.h"
#include "probe/capture.h"

#include <dirent.h>
#include <errno.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

/* ---- privileges --------------------------------------------------------- */

/* The highest capability number the kernel knows. */
static int cap_last(void)
{
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	int last = 63;

	if (f != NULL) {
		if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
			last = 63;
		fclose(f);
	}
	return last;
}

static int caps_clear(char *err, size_t errlen)
{
	struct __user_cap_header_struct hdr;
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	int i;

	memset(&hdr, 0, sizeof(hdr));
	memset(data, 0, sizeof(data));
	hdr.version = _LINUX_CAPABILITY_VERSION_3;
	hdr.pid = 0;
	if (syscall(SYS_capset, &hdr, data) != 0) {
		mx_set_err(err, errlen, "dropping privileges: capset: %s",
			   strerror(errno));
		return -1;
	}
	memset(data, 0xff, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0) {
		mx_set_err(err, errlen, "dropping privileges: capget: %s",
			   strerror(errno));
		return -1;
	}
	for (i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		if (data[i].effective || data[i].permitted ||
		    data[i].inheritable) {
			mx_set_err(err, errlen,
				   "dropping privileges: capabilities remain");
			return -1;
		}
	}
	return 0;
}

/* Capabilities are per thread: a thread started before the drop (the
 * resolver's) keeps its own unless a uid change from root cleared them
 * (glibc applies set*id to every thread; the kernel then clears their
 * capabilities).  Returns the id of a thread that still holds some, 0
 * when none does. */
static long thread_with_caps(void)
{
	DIR *d = opendir("/proc/self/task");
	struct dirent *e;
	char path[64], line[128];
	long held = 0;

	if (d == NULL)
		return 0;
	while (held == 0 && (e = readdir(d)) != NULL) {
		FILE *f;

		if (e->d_name[0] < '1' || e->d_name[0] > '9')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/status",
			 e->d_name);
		f = fopen(path, "re");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			if ((strncmp(line, "CapEff:", 7) == 0 ||
			     strncmp(line, "CapPrm:", 7) == 0) &&
			    strtoull(line + 7, NULL, 16) != 0)
				held = strtol(e->d_name, NULL, 10);
		}
		fclose(f);
	}
	closedir(d);
	return held;
}

int mx_drop_privileges(const char *user, char *err, size_t errlen)
{
	long tid;
	struct passwd pw, *res = NULL;
	char pwbuf[4096];
	uid_t uid = getuid();
	gid_t gid = getgid();
	int switch_user = 0, e, cap, last;

	if (user == NULL && geteuid() == 0)
		user = "nobody";
	if (user != NULL) {
		e = getpwnam_r(user, &pw, pwbuf, sizeof(pwbuf), &res);
		if (res == NULL) {
			mx_set_err(
				err, errlen,
				"dropping privileges: unknown user '%.64s'%s%s",
				user, e ? ": " : "", e ? strerror(e) : "");
			return -1;
		}
		uid = pw.pw_uid;
		gid = pw.pw_gid;
		switch_user = 1;
	}
	/* The bounding set and the ambient set first: dropping from the
	 * bounding set needs CAP_SETPCAP, which goes with the uid.  Without
	 * it (a non-root user with file capabilities) EPERM is expected. */
	last = cap_last();
	for (cap = 0; cap <= last; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 &&
		    errno != EPERM && errno != EINVAL)
			break;
	}
	(void)prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if (switch_user) {
		if (setgroups(0, NULL) != 0 && geteuid() == 0) {
			mx_set_err(err, errlen,
				   "dropping privileges: setgroups: %s",
				   strerror(errno));
			return -1;
		}
		if (setresgid(gid, gid, gid) != 0) {
			mx_set_err(
				err, errlen,
				"dropping privileges: cannot change group to "
				"%lu: %s",
				(unsigned long)gid, strerror(errno));
			return -1;
		}
		if (setresuid(uid, uid, uid) != 0) {
			mx_set_err(err, errlen,
				   "dropping privileges: cannot become user "
				   "'%.64s': %s",
				   user, strerror(errno));
			return -1;
		}
		if (getuid() != uid || geteuid() != uid || getgid() != gid ||
		    getegid() != gid) {
			mx_set_err(
				err, errlen,
				"dropping privileges: the ids did not change");
			return -1;
		}
		/* Getting root back must fail. */
		if (uid != 0 && setresuid(0, 0, 0) == 0) {
			mx_set_err(
				err, errlen,
				"dropping privileges: uid 0 could be regained");
			return -1;
		}
	}
	if (caps_clear(err, errlen) != 0)
		return -1;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		mx_set_err(err, errlen, "dropping privileges: no_new_privs: %s",
			   strerror(errno));
		return -1;
	}
	if ((tid = thread_with_caps()) != 0) {
		mx_set_err(err, errlen,
			   "dropping privileges: thread %ld still holds "
			   "capabilities (drop them before starting threads)",
			   tid);
		return -1;
	}
	return 0;
}
