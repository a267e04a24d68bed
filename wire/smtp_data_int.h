/*
 * smtp_data_int.h - what the pieces of wire/smtp_data.h share (internal
 * to wire/smtp_data*.c).
 *
 * Purpose: the byte predicates of the scanners and the path readers the
 * command parser (smtp_data_cmd.c) borrows from smtp_data_path.c.
 * API: peek(), is_alpha(), is_digit() (static inline);
 * mx_smtp_read_domain(), mx_smtp_read_mailbox().
 * Ownership: nothing allocated; a struct mx_smtp_mbox holds lengths only.
 * Limits: as wire/smtp_data.h (labels of 63 octets; the caller checks
 * the local part, domain and path limits).
 */
#ifndef MX_WIRE_SMTP_DATA_INT_H
#define MX_WIRE_SMTP_DATA_INT_H

#include <stddef.h>

#include "common/cursor.h"

/* The next byte, or -1 at the end (or after an error). */
static inline int peek(const struct mx_cur *c)
{
	return mx_cur_left(c) ? c->p[0] : -1;
}

static inline int is_alpha(int ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z');
}

static inline int is_digit(int ch)
{
	return ch >= '0' && ch <= '9';
}

/* A mailbox as read: lengths and what it was made of. */
struct mx_smtp_mbox {
	size_t local_len, domain_len;
	int utf8, literal, no_domain;
};

/* Domain at the cursor, stopping at the first octet that cannot belong
 * to it; returns its length, 0 if invalid.  allow_us tolerates '_'. */
size_t mx_smtp_read_domain(struct mx_cur *c, int allow_us, int *utf8);
/* address-literal = "[" ( IPv4 / "IPv6:" IPv6 / tag ":" dcontent ) "]"
 * (RFC 5321 §4.1.3) at the cursor; returns 1 if valid. */
int mx_smtp_read_address_literal(struct mx_cur *c);
/* Mailbox = Local-part "@" ( Domain / address-literal ); with allow_bare
 * a local part alone is accepted and flagged.  Returns 1 if valid. */
int mx_smtp_read_mailbox(struct mx_cur *c, int allow_bare,
			 struct mx_smtp_mbox *m);

#endif
