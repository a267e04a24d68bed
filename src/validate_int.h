/*
 * validate_int.h - what the files of the option validation share (not a
 * public API: src/validate.h is).
 *
 * src/validate.c        the driver, the option table, the rules
 * src/validate_names.c  values that reach the wire or name things:
 *                       --helo, addresses, targets, message parts,
 *                       secrets, policies, relay settings
 * src/validate_files.c  files and directories: trust store, DNSSEC
 *                       anchor, TLS chain and key, outputs, spools
 *
 * A checker (mx_vc_*) looks at one value: 0, or -1 with the problem in
 * why (one line, user bytes escaped); the driver names the option.
 */
#ifndef MX_SRC_VALIDATE_INT_H
#define MX_SRC_VALIDATE_INT_H

#include <stddef.h>

#include "src/options.h"

struct vctx {
	const struct mx_cmd *cmd;
	const struct mx_opts *o;
};

typedef int (*vcheck_fn)(const struct vctx *c, const char *v, char *why,
			 size_t whylen);

/* printf into why (why may be NULL with whylen 0). */
void mx_v_why(char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A whole regular file of at most max bytes, NUL-terminated (free it),
 * or NULL with why. */
char *mx_v_slurp(const char *path, size_t max, size_t *len, char *why,
		 size_t whylen);

/* src/validate_names.c */
int mx_vc_allow(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_auth_user(const struct vctx *c, const char *v, char *why,
		    size_t whylen);
int mx_vc_body_file(const struct vctx *c, const char *v, char *why,
		    size_t whylen);
int mx_vc_esa_policy(const struct vctx *c, const char *v, char *why,
		     size_t whylen);
int mx_vc_fingerprint(const struct vctx *c, const char *v, char *why,
		      size_t whylen);
int mx_vc_header(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_helo(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_lifetime(const struct vctx *c, const char *v, char *why,
		   size_t whylen);
int mx_vc_listen(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_mailbox(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_max_deliv(const struct vctx *c, const char *v, char *why,
		    size_t whylen);
int mx_vc_max_msg(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_max_rcpts(const struct vctx *c, const char *v, char *why,
		    size_t whylen);
int mx_vc_pwenv(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_pwfile(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_resolver(const struct vctx *c, const char *v, char *why,
		   size_t whylen);
int mx_vc_retry(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_secure_match(const struct vctx *c, const char *v, char *why,
		       size_t whylen);
int mx_vc_smarthost(const struct vctx *c, const char *v, char *why,
		    size_t whylen);
int mx_vc_subject(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_target(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_tls_policy(const struct vctx *c, const char *v, char *why,
		     size_t whylen);

/* src/validate_files.c */
int mx_vc_ca_file(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_ca_path(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_destinations(const struct vctx *c, const char *v, char *why,
		       size_t whylen);
int mx_vc_dir_new(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_dir_read(const struct vctx *c, const char *v, char *why,
		   size_t whylen);
int mx_vc_message_arg(const struct vctx *c, const char *v, char *why,
		      size_t whylen);
/* src/validate_capture.c: --capture=IFACE, --pcap-out, --user */
int mx_vc_iface(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_pcap_out(const struct vctx *c, const char *v, char *why,
		   size_t whylen);
int mx_vc_user(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_output(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_spool(const struct vctx *c, const char *v, char *why, size_t whylen);
int mx_vc_tls_cert(const struct vctx *c, const char *v, char *why,
		   size_t whylen);
int mx_vc_tls_key(const struct vctx *c, const char *v, char *why,
		  size_t whylen);
int mx_vc_trust_anchor(const struct vctx *c, const char *v, char *why,
		       size_t whylen);

#endif
