/*
 * spool_int.h - the inside of the durable spool (relay/spool.h), shared
 * by its three files and by nothing else:
 *
 *   spool.c         the directory: open (lock, directories held open),
 *                   recovery, listing an area;
 *   spool_msg.c     one message: put, load, update, done, bounce;
 *   spool_format.c  the file format (encode, parse, checks; no I/O) and
 *                   the diagnostics.
 */
#ifndef MX_RELAY_SPOOL_INT_H
#define MX_RELAY_SPOOL_INT_H

#include <stddef.h>
#include <stdint.h>

#include "relay/spool.h"

struct mx_spool {
	int dirfd, tmpfd, lockfd;
	int areafd[3]; /* enum mx_spool_area */
	unsigned flags;
	mx_random_fn random;
	void *random_ctx;
	uint32_t counter;
	struct mx_spool_recovery rec;
};

/* ---- spool_format.c -------------------------------------------------------- */

/* Fill d (when not NULL) with st, err (errno, appended as text when not
 * 0) and the formatted reason; returns st. */
enum mx_spool_status sp_fail(struct mx_spool_diag *d, enum mx_spool_status st,
			     int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* d (when not NULL) says OK. */
void sp_dclear(struct mx_spool_diag *d);
/* Printable ASCII only (what the spool keeps as text). */
int sp_text_ok(const uint8_t *p, size_t n);
/* A message of len octets with this envelope is one the format can hold
 * (spool.h, "File format"). */
enum mx_spool_status sp_check_message(const struct mx_envelope *env, size_t len,
				      struct mx_spool_diag *d);

/* ---- spool.c ----------------------------------------------------------------- */

/* fsync a held directory (name for the diagnostic). */
enum mx_spool_status sp_sync_dir(int fd, const char *name,
				 struct mx_spool_diag *d);
/* Move file `name` of directory fromfd to corrupt/ (both fsynced). */
enum mx_spool_status sp_quarantine(struct mx_spool *sp, int fromfd,
				   const char *name, struct mx_spool_diag *d);

#endif
