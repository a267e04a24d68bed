/*
 * smtp_data.c - the DATA payload both ways: dot-stuffing on the client
 * side (mx_smtp_dot_stuff) and the server's DATA reader that undoes it
 * (struct mx_smtp_data_reader); see smtp_data.h for the contract and the
 * limits.
 *
 * The other pieces of smtp_data.h: smtp_data_path.c (path and domain
 * syntax) and smtp_data_cmd.c (command lines); smtp_data_int.h is what
 * they share.  Every scan reads through struct mx_cur: a byte is looked
 * at only after mx_cur_left() said it exists (peek()), and taken with
 * mx_cur_u8() / mx_cur_bytes().
 */
#include "wire/smtp_data.h"

#include <stdlib.h>
#include <string.h>

#include "common/cursor.h"
#include "common/xalloc.h"
#include "wire/smtp_data_int.h"

/* Length of the run at the cursor made of bytes that are not CR, LF or
 * NUL (the bytes the DATA scanners treat specially). */
static size_t plain_run(const struct mx_cur *c)
{
	size_t left = mx_cur_left(c), n = 0;

	while (n < left && c->p[n] != '\r' && c->p[n] != '\n' && c->p[n] != 0)
		n++;
	return n;
}

static size_t count_8bit(const uint8_t *p, size_t n)
{
	size_t i, k = 0;

	for (i = 0; i < n; i++)
		k += p[i] >= 0x80;
	return k;
}

/* ---- client side: dot-stuffing ---------------------------------------- */

enum mx_data_status mx_smtp_dot_stuff(const uint8_t *msg, size_t len,
				      size_t max_line, struct mx_buf *out,
				      struct mx_data_stats *stp)
{
	struct mx_data_stats st_local, *st = stp ? stp : &st_local;
	struct mx_cur c;
	size_t linelen = 0, wirelen = 0;
	int at_start = 1;

	memset(st, 0, sizeof(*st));
	if (max_line == 0)
		max_line = MX_SMTP_DATA_MAX_LINE;
	mx_cur_init(&c, msg, len);
	while (mx_cur_left(&c) > 0) {
		size_t n = plain_run(&c);
		int ch;

		if (n > 0) {
			const uint8_t *run = mx_cur_bytes(&c, n);

			/* RFC 5321 §4.5.2: a line that starts with "." gets
			 * one more; it is on the wire, so it counts towards
			 * the line length (but not towards the SIZE). */
			if (at_start && run[0] == '.') {
				mx_buf_push_u8(out, '.');
				st->stuffed++;
				wirelen++;
			}
			at_start = 0;
			mx_buf_push(out, run, n);
			st->eightbit += count_8bit(run, n);
			linelen += n;
			wirelen += n;
			if (wirelen > max_line)
				return MX_DATA_LINE_TOO_LONG;
			continue;
		}
		ch = mx_cur_u8(&c);
		if (ch == 0) {
			st->nul++;
			return MX_DATA_NUL;
		}
		if (ch == '\r') {
			if (peek(&c) == '\n')
				mx_cur_skip(&c, 1);
			else
				st->bare_cr++;
		} else {
			st->bare_lf++;
		}
		/* RFC 5321 §2.3.8: lines end in CRLF, whatever came in. */
		mx_buf_push(out, "\r\n", 2);
		st->lines++;
		st->octets += linelen + 2;
		if (linelen > st->longest)
			st->longest = linelen;
		linelen = wirelen = 0;
		at_start = 1;
	}
	if (!at_start) {
		/* The last line had no line end: give it one. */
		mx_buf_push(out, "\r\n", 2);
		st->lines++;
		st->octets += linelen + 2;
		if (linelen > st->longest)
			st->longest = linelen;
	}
	/* RFC 5321 §4.1.1.4: the end of mail data is CRLF "." CRLF. */
	mx_buf_push(out, ".\r\n", 3);
	return out->err ? MX_DATA_TOO_BIG : MX_DATA_OK;
}

/* ---- server side: the DATA reader ------------------------------------ */

enum {
	RS_BOL = 0, /* at the start of a line */
	RS_DOT,	    /* "." at the start of a line */
	RS_DOT_CR,  /* ".\r" at the start of a line */
	RS_TEXT,    /* inside a line */
	RS_CR,	    /* CR inside a line */
	RS_END,
};

void mx_smtp_data_reader_init(struct mx_smtp_data_reader *r, size_t max_size,
			      size_t max_line)
{
	memset(r, 0, sizeof(*r));
	r->max_size = max_size;
	r->max_line = max_line ? max_line : MX_SMTP_DATA_MAX_LINE;
	r->state = RS_BOL;
	r->first_err = MX_DATA_OK;
	r->status = MX_DATA_MORE;
}

static void data_err(struct mx_smtp_data_reader *r, enum mx_data_status e)
{
	if (r->first_err == MX_DATA_OK)
		r->first_err = e;
}

/* Append message bytes unless a problem already condemned the message. */
static void data_emit(struct mx_smtp_data_reader *r, struct mx_buf *out,
		      const void *p, size_t n)
{
	r->st.octets += n;
	if (r->max_size && r->st.octets > r->max_size)
		data_err(r, MX_DATA_TOO_BIG);
	if (r->first_err != MX_DATA_OK)
		return;
	if (!mx_buf_push(out, p, n))
		data_err(r, MX_DATA_TOO_BIG);
}

static void data_text_octets(struct mx_smtp_data_reader *r, size_t n)
{
	r->linelen += n;
	if (r->linelen > r->max_line)
		data_err(r, MX_DATA_LINE_TOO_LONG);
}

static void data_line_end(struct mx_smtp_data_reader *r, struct mx_buf *out)
{
	data_emit(r, out, "\r\n", 2);
	r->st.lines++;
	if (r->linelen > r->st.longest)
		r->st.longest = r->linelen;
	r->linelen = 0;
	r->state = RS_BOL;
}

/* One octet that is not a line end, inside a line. */
static void data_octet(struct mx_smtp_data_reader *r, struct mx_buf *out,
		       uint8_t ch)
{
	if (ch == 0) {
		r->st.nul++;
		data_err(r, MX_DATA_NUL);
	} else if (ch == '\n') {
		/* Not a line end here (SMTP smuggling); kept as text. */
		r->st.bare_lf++;
		data_err(r, MX_DATA_BARE_LF);
	}
	if (ch >= 0x80)
		r->st.eightbit++;
	data_text_octets(r, 1);
	data_emit(r, out, &ch, 1);
	r->state = RS_TEXT;
}

enum mx_data_status mx_smtp_data_feed(struct mx_smtp_data_reader *r,
				      const uint8_t *p, size_t len,
				      size_t *used, struct mx_buf *out)
{
	struct mx_cur c;

	*used = 0;
	if (r->status != MX_DATA_MORE)
		return r->status;
	mx_cur_init(&c, p, len);
	while (mx_cur_left(&c) > 0 && r->state != RS_END) {
		size_t n;
		uint8_t ch;

		if (r->state == RS_TEXT && (n = plain_run(&c)) > 0) {
			const uint8_t *run = mx_cur_bytes(&c, n);

			r->st.eightbit += count_8bit(run, n);
			data_text_octets(r, n);
			data_emit(r, out, run, n);
			continue;
		}
		ch = mx_cur_u8(&c);
		switch (r->state) {
		case RS_BOL:
			if (ch == '.') {
				data_text_octets(r, 1);
				r->state = RS_DOT;
			} else if (ch == '\r') {
				r->state = RS_CR;
			} else {
				data_octet(r, out, ch);
			}
			break;
		case RS_DOT:
			/* RFC 5321 §4.5.2: a line of "." alone ends the
			 * data; otherwise the first "." is deleted. */
			if (ch == '\r') {
				r->state = RS_DOT_CR;
			} else {
				r->st.stuffed++;
				data_octet(r, out, ch);
			}
			break;
		case RS_DOT_CR:
			if (ch == '\n') {
				r->state = RS_END;
				break;
			}
			/* ".\r" then something else: a bare CR in a line
			 * whose (deleted) first octet was a dot. */
			r->st.stuffed++;
			r->st.bare_cr++;
			data_err(r, MX_DATA_BARE_CR);
			data_emit(r, out, "\r", 1);
			data_text_octets(r, 1);
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		case RS_TEXT:
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		case RS_CR:
			if (ch == '\n') {
				data_line_end(r, out);
				break;
			}
			r->st.bare_cr++;
			data_err(r, MX_DATA_BARE_CR);
			data_text_octets(r, 1);
			data_emit(r, out, "\r", 1);
			if (ch == '\r')
				r->state = RS_CR;
			else
				data_octet(r, out, ch);
			break;
		default:
			mx_fatal(__func__, "bad reader state");
		}
	}
	*used = len - mx_cur_left(&c);
	if (r->state != RS_END)
		return MX_DATA_MORE;
	r->status = r->first_err;
	if (r->status != MX_DATA_OK)
		mx_buf_reset(out);
	return r->status;
}

const char *mx_data_status_name(enum mx_data_status s)
{
	switch (s) {
	case MX_DATA_MORE:
		return "more";
	case MX_DATA_OK:
		return "ok";
	case MX_DATA_TOO_BIG:
		return "too_big";
	case MX_DATA_LINE_TOO_LONG:
		return "line_too_long";
	case MX_DATA_BARE_LF:
		return "bare_lf";
	case MX_DATA_BARE_CR:
		return "bare_cr";
	case MX_DATA_NUL:
		return "nul";
	}
	return "unknown";
}
