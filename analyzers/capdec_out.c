/*
 * capdec_out.c - what the capture decoder hands out: notes per frame
 * (at most CD_NOTES_PER_FRAME content notes, then "(+N more)"), secret
 * frames, sessions in order of their first packet (see capdec.c for the
 * rule when too many finished sessions wait), and notes for late segments
 * of flows closed lately (the last ACK after both FINs, which the
 * reassembly ignores): CD_TOMBS recent flows are remembered for that.
 */
#include "analyzers/capdec_int.h"

#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"

/* ---- notes and secrets ---------------------------------------------- */

void cd_emit_note(struct mx_capdec *d, uint64_t frame, unsigned flow, int dir,
		  const char *text)
{
	if (frame == d->cur_frame)
		d->cur_noted = 1;
	if (d->cb.note && !d->freeing)
		d->cb.note(d->cb.arg, frame, flow, dir, text);
}

void cd_notes_flush(struct cd_flow *fl)
{
	char t[48];

	if (fl->note_skipped == 0)
		return;
	snprintf(t, sizeof(t), "(+%u more)", fl->note_skipped);
	cd_emit_note(fl->d, fl->note_frame, fl->s->id, fl->note_dir, t);
	fl->note_skipped = 0;
}

void cd_note(struct cd_flow *fl, uint64_t frame, int dir, const char *fmt, ...)
{
	char t[MX_CAP_TEXT + 16];
	va_list ap;

	if (frame != fl->note_frame) {
		cd_notes_flush(fl);
		fl->note_frame = frame;
		fl->note_count = 0;
	}
	fl->note_dir = dir;
	if (fl->note_count >= CD_NOTES_PER_FRAME) {
		fl->note_skipped++;
		return;
	}
	fl->note_count++;
	va_start(ap, fmt);
	vsnprintf(t, sizeof(t), fmt, ap);
	va_end(ap);
	cd_emit_note(fl->d, frame, fl->s->id, dir, t);
}

void cd_secret(struct cd_flow *fl, uint64_t frame)
{
	struct mx_capdec *d = fl->d;

	if (frame == 0 || frame == fl->last_secret)
		return;
	fl->last_secret = frame;
	if (d->cb.secret && !d->freeing)
		d->cb.secret(d->cb.arg, frame);
}

/* ---- session delivery --------------------------------------------------- */

static void give(struct mx_capdec *d, struct mx_capsess *s)
{
	d->tot.sessions++;
	if (s->smtp || s->tls || s->encrypted) {
		d->tot.mail_sessions++;
		if (s->midstream)
			d->tot.midstream_sessions++;
	}
	if (d->cb.session) {
		d->cb.session(d->cb.arg, s);
	} else {
		mx_capsess_clear(s);
		free(s);
	}
}

void cd_deliver(struct mx_capdec *d)
{
	size_t i;

	while (d->qlen > 0 && d->q[d->qhead].done) {
		struct cd_slot *q = &d->q[d->qhead];

		if (q->s) {
			d->waiting--;
			give(d, q->s);
		}
		d->qhead++;
		d->qlen--;
	}
	/* Too many finished sessions behind an open flow: the oldest go
	 * ahead of it. */
	for (i = 0; i < d->qlen && d->waiting > CD_MAX_WAITING; i++) {
		struct cd_slot *q = &d->q[d->qhead + i];

		if (q->done && q->s) {
			give(d, q->s);
			q->s = NULL;
			d->waiting--;
		}
	}
}

void cd_queue_push(struct mx_capdec *d, unsigned id, struct mx_capsess *s)
{
	if (d->qhead + d->qlen >= d->qcap && d->qhead > 0) {
		memmove(d->q, d->q + d->qhead, d->qlen * sizeof(*d->q));
		d->qhead = 0;
	}
	MX_GROW(d->q, d->qhead + d->qlen, d->qcap);
	d->q[d->qhead + d->qlen].id = id;
	d->q[d->qhead + d->qlen].s = s;
	d->q[d->qhead + d->qlen].done = 0;
	d->qlen++;
}

static struct cd_slot *queue_find(struct mx_capdec *d, struct mx_capsess *s)
{
	size_t i;

	if (d->qlen > 0 && s->id >= d->q[d->qhead].id) {
		i = s->id - d->q[d->qhead].id;
		if (i < d->qlen && d->q[d->qhead + i].s == s)
			return &d->q[d->qhead + i];
	}
	for (i = 0; i < d->qlen; i++)
		if (d->q[d->qhead + i].s == s)
			return &d->q[d->qhead + i];
	return NULL;
}

void cd_queue_done(struct mx_capdec *d, struct mx_capsess *s)
{
	struct cd_slot *q = queue_find(d, s);

	if (q == NULL) { /* cannot happen: every open queues */
		mx_capsess_clear(s);
		free(s);
		return;
	}
	q->done = 1;
	d->waiting++;
	cd_deliver(d);
}

/* ---- flows closed lately ------------------------------------------------ */

void cd_tomb_add(struct mx_capdec *d, const struct mx_flow *f, int auth)
{
	struct cd_tomb *t = &d->tombs[d->ntomb++ % CD_TOMBS];

	t->id = f->id;
	t->auth = auth;
	t->family = f->family;
	memcpy(t->client, f->client, sizeof(t->client));
	memcpy(t->server, f->server, sizeof(t->server));
	t->cport = f->cport;
	t->sport = f->sport;
}

void cd_late_note(struct mx_capdec *d, const struct mx_pkt *p)
{
	size_t i, n = d->ntomb < CD_TOMBS ? d->ntomb : CD_TOMBS;
	size_t alen = p->family == AF_INET6 ? 16 : 4;
	char t[48];

	for (i = 0; i < n; i++) {
		const struct cd_tomb *k = &d->tombs[i];
		int dir;

		if (k->family != p->family)
			continue;
		if (p->sport == k->cport && p->dport == k->sport &&
		    memcmp(p->src, k->client, alen) == 0 &&
		    memcmp(p->dst, k->server, alen) == 0)
			dir = MX_DIR_C2S;
		else if (p->sport == k->sport && p->dport == k->cport &&
			 memcmp(p->src, k->server, alen) == 0 &&
			 memcmp(p->dst, k->client, alen) == 0)
			dir = MX_DIR_S2C;
		else
			continue;
		if (p->payload_len && k->auth && d->cb.secret && !d->freeing)
			d->cb.secret(d->cb.arg, d->cur_frame);
		if (p->payload_len)
			snprintf(t, sizeof(t), "after the close: %zu B",
				 p->payload_len);
		else
			snprintf(t, sizeof(t), "%s after the close",
				 (p->flags & MX_TCP_RST)   ? "RST"
				 : (p->flags & MX_TCP_FIN) ? "FIN"
							   : "ACK");
		cd_emit_note(d, d->cur_frame, k->id, dir, t);
		return;
	}
}
