/*
 * headers.c - releasing what `mxprobe headers` shows; see headers.h.
 */
#include "model/headers.h"

#include <stdlib.h>

static void hop_clear(struct mx_hop *p)
{
	free(p->from);
	free(p->from_address);
	free(p->by);
	free(p->with);
	free(p->tls_version);
	free(p->tls_cipher);
	free(p->date);
}

static void ar_clear(struct mx_ar *a)
{
	size_t i, j;

	free(a->authserv_id);
	for (i = 0; i < a->nm; i++) {
		struct mx_ar_result *m = &a->m[i];

		free(m->method);
		free(m->result);
		free(m->reason);
		for (j = 0; j < m->nprops; j++) {
			free(m->props[j].name);
			free(m->props[j].value);
		}
		free(m->props);
	}
	free(a->m);
}

void mx_headers_free(struct mx_headers *h)
{
	size_t i;

	if (h == NULL)
		return;
	for (i = 0; i < h->nhops; i++)
		hop_clear(&h->hops[i]);
	free(h->hops);
	for (i = 0; i < h->nar; i++)
		ar_clear(&h->ar[i]);
	free(h->ar);
	free(h);
}
