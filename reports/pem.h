/*
 * pem.h - export a certificate chain as PEM files.
 *
 * mx_export_chain() writes each certificate of `ch` as DIR/<CN>.pem and
 * all of them, in the order the server sent them, as DIR/chain.pem.
 * File names: the CN reduced to [A-Za-z0-9._-] (every other byte becomes
 * '_'), leading dots and dashes removed, at most 64 characters; an empty
 * result becomes "cert-N" (N = position in the chain, 0 = leaf); names
 * equal to another's (case-insensitively, or to "chain") get "-2", "-3".
 * A name can never hold a path separator or be "." or "..".
 *
 * Files are created with O_CREAT|O_EXCL (an existing file is refused and
 * nothing at all is written), or with `force` O_TRUNC - but never through
 * a symbolic link (O_NOFOLLOW) and only onto regular files; mode 0644.
 *
 * Ownership: `res` is filled with malloc'ed copies; release with
 * mx_export_result_free().  On failure returns -1 with a message in err;
 * res then lists what was written before the failure.
 */
#ifndef MX_REPORTS_PEM_H
#define MX_REPORTS_PEM_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "model/result.h"

struct mx_export_file {
	char *name;    /* file name inside the directory */
	char *subject; /* escaped subject, as in the model */
	int is_ca;
};

struct mx_export_result {
	struct mx_export_file *v; /* one per certificate, chain order */
	size_t n, cap;
	char *chain_name; /* "chain.pem" once written, or NULL */
};

int mx_export_chain(const struct mx_chain *ch, const char *dir, int force,
		    struct mx_export_result *res, char *err, size_t errlen);
void mx_export_result_free(struct mx_export_result *res);

/* The file stem for a CN as described above, without ".pem", into out
 * (at least 65 bytes); `index` gives the "cert-N" fallback. */
void mx_export_stem(const char *cn, size_t index, char *out, size_t outlen);

/* Append the PEM encoding of one DER certificate (64-column base64
 * between BEGIN/END CERTIFICATE lines, RFC 7468 section 2). */
void mx_pem_encode(struct mx_buf *b, const uint8_t *der, size_t len);

#endif
