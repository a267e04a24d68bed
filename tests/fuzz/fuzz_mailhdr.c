/*
 * fuzz_mailhdr.c - fuzz target for wire/mailhdr: the header section, and
 * the Received, Authentication-Results and date parsers on the raw input.
 *
 * Invariants checked (a broken one traps): the parser never claims more
 * header bytes than it was given; limits hold; every string it hands out
 * is printable ASCII (escaped); hop delays match the dates.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wire/mailhdr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                               \
	do {                                                                   \
		if (!(x))                                                      \
			__builtin_trap();                                      \
	} while (0)

static void printable(const char *s)
{
	if (s == NULL)
		return;
	for (; *s; s++)
		CHECK((unsigned char)*s >= 0x20 && (unsigned char)*s <= 0x7e);
}

static void check_received(const struct mx_received *r)
{
	printable(r->from);
	printable(r->from_comment);
	printable(r->from_ip);
	printable(r->by);
	printable(r->by_comment);
	printable(r->via);
	printable(r->with);
	printable(r->protocol);
	printable(r->id);
	printable(r->for_);
	printable(r->tls_version);
	printable(r->tls_cipher);
	printable(r->tls_verify);
	printable(r->tls_kex);
	printable(r->tls_text);
	printable(r->date_text);
	CHECK(r->tls_bits >= 0 && r->tls_bits <= 99999);
}

static void check_authres(const struct mx_authres *a)
{
	size_t i, j;

	printable(a->authserv_id);
	CHECK(a->nm <= MX_AR_MAX_METHODS);
	CHECK(a->instance >= 0 && a->instance <= 50);
	for (i = 0; i < a->nm; i++) {
		CHECK(a->m[i].method != NULL && a->m[i].result != NULL);
		printable(a->m[i].method);
		printable(a->m[i].version);
		printable(a->m[i].result);
		printable(a->m[i].reason);
		printable(a->m[i].comment);
		CHECK(a->m[i].nprops <= MX_AR_MAX_PROPS);
		for (j = 0; j < a->m[i].nprops; j++) {
			printable(a->m[i].props[j].name);
			printable(a->m[i].props[j].value);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mx_mailhdr *h = mx_mailhdr_parse(data, size);
	struct mx_received r;
	struct mx_authres a;
	time_t t;
	int tz;
	size_t i;

	CHECK(h->header_bytes <= size);
	CHECK(h->nfields <= MX_HDR_MAX_FIELDS);
	CHECK(h->nrcvd <= MX_HDR_MAX_RECEIVED);
	CHECK(h->nar <= MX_HDR_MAX_AUTHRES);
	for (i = 0; i < h->nfields; i++) {
		printable(h->fields[i].name);
		printable(h->fields[i].value);
	}
	for (i = 0; i < h->nrcvd; i++) {
		check_received(&h->rcvd[i]);
		CHECK(h->rcvd[i].field_index < h->nfields);
		if (h->rcvd[i].has_delay)
			CHECK(h->rcvd[i].delay_s ==
			      (int64_t)h->rcvd[i].date -
				      (int64_t)h->rcvd[i - 1].date);
	}
	for (i = 0; i < h->nar; i++)
		check_authres(&h->ar[i]);
	mx_mailhdr_free(h);

	mx_received_parse(data, size, &r);
	check_received(&r);
	mx_received_clear(&r);
	mx_authres_parse(data, size, size > 0 && (data[0] & 1), &a);
	check_authres(&a);
	mx_authres_clear(&a);
	if (mx_mailhdr_parse_date(data, size, &t, &tz))
		CHECK(tz >= -5999 && tz <= 5999);
	return 0;
}
