/*
 * headers.h - what `mxprobe headers FILE` shows of a message's header
 * section: the Received chain (oldest hop first) with TLS per hop and the
 * delay between hops, and its (ARC-)Authentication-Results.
 *
 * Purpose: facts only, for the renderers (reports/headers.h).  The
 * header parser (wire/mailhdr.h) reads the bytes; analyzers/headers.c
 * copies what is shown into this model; reports/ render it.
 *
 * Ownership: a struct mx_headers owns every string and array in it
 * (strings escaped: printable ASCII only, NULL when the element was
 * absent); mx_headers_free() releases it.  `status` is a static string.
 * The model layer: uses only common/.
 */
#ifndef MX_MODEL_HEADERS_H
#define MX_MODEL_HEADERS_H

#include <stddef.h>
#include <stdint.h>

/* Whether a hop says it used TLS. */
enum mx_hop_tls {
	MX_HOP_TLS_UNKNOWN = 0, /* the hop does not say */
	MX_HOP_TLS_NO,		/* its protocol says clear text */
	MX_HOP_TLS_YES,		/* its protocol or TLS details say TLS */
};

struct mx_hop {
	char *from;	    /* HELO name as written */
	char *from_address; /* "192.0.2.1", or NULL */
	char *by;
	char *with; /* all words: "ESMTPS", "Microsoft SMTP Server" */
	enum mx_hop_tls tls;
	const char *tls_name; /* static: the JSON word for tls */
	char *tls_version;    /* "TLSv1.3" (normalised) or as written */
	char *tls_cipher;
	int authenticated; /* ESMTPA, ESMTPSA, ... */
	char *date;	   /* as written */
	int has_delay;	   /* this hop and the previous one have dates */
	int64_t delay_s;   /* date - previous (older) hop's date */
};

struct mx_ar_property {
	char *name; /* "header.d", "smtp.mailfrom" */
	char *value;
};

struct mx_ar_result {
	char *method; /* "dkim", "spf", ... */
	char *result; /* "pass", "fail", ... */
	char *reason; /* reason= value, or NULL */
	struct mx_ar_property *props;
	size_t nprops;
};

/* One Authentication-Results or ARC-Authentication-Results field. */
struct mx_ar {
	int arc;	   /* ARC-Authentication-Results */
	int instance;	   /* ARC i=, 0 for plain A-R */
	char *authserv_id; /* NULL when missing */
	struct mx_ar_result *m;
	size_t nm;
};

struct mx_headers {
	/* how far the header section could be read: "ok",
	 * "unterminated", "too_big", "too_many_fields", "field_too_big",
	 * "malformed" (static) */
	const char *status;
	int complete;	     /* status is "ok" */
	size_t nfields;	     /* header fields read */
	struct mx_hop *hops; /* oldest first */
	size_t nhops;
	size_t clear_hops;   /* hops whose protocol says clear text */
	int has_total_delay; /* newest date - oldest date */
	int64_t total_delay_s;
	struct mx_ar *ar; /* in header order (newest first) */
	size_t nar;
};

void mx_headers_free(struct mx_headers *h);

#endif
