/*
 * conn.h - one TCP connection on the event loop, optionally under TLS.
 *
 * The connection owns a non-blocking socket, its libevent read/write
 * events, a capped plaintext input buffer and a raw output buffer.  After
 * mx_conn_start_tls() every byte goes through a TLS backend session
 * (probe/tls.h) over memory I/O: raw input is pushed into the session,
 * plaintext comes out into `in`; plaintext written is encrypted into the
 * raw output buffer.
 *
 * Raw mode: a connection on which mx_conn_start_tls() is never called
 * carries bytes unchanged both ways.  The raw ClientHello engine
 * (probe/rawhello.h) writes its own hello records with mx_conn_write()
 * and reads the server's flight, as sent, from mx_conn_in().  An owner
 * can hand a live connection to another with mx_conn_set_cbs() (the SMTP
 * client does, after "220" to STARTTLS, for the raw engine).
 *
 * Callbacks (all from the event loop, never from inside an API call):
 *   connected(arg, err)  - TCP connect finished; err 0 or an errno
 *   readable(arg)        - new plaintext is in mx_conn_in()
 *   tls_done(arg, ok)    - the handshake finished (ok) or failed
 *   closed(arg, end, err)- the peer closed (EOF), reset, or an I/O error
 * A callback may call mx_conn_free() only if it returns at once.
 *
 * Limits: input buffered at most MX_CONN_MAX_IN bytes (the reader must
 * consume); a peer that fills it is closed with MX_CONN_END_OVERFLOW.
 *
 * Evidence (model/conn.h): with a record lent by mx_conn_set_record()
 * before mx_conn_connect(), the connection fills in its start times
 * (wall and monotonic), the local and remote address and port
 * (getsockname right after connect(), getpeername once connected; the
 * target when the connect failed), MX_MARK_CONNECTED, the raw bytes each
 * way, HELLO_SENT and the hello summary when a library handshake starts,
 * FIRST_RECORD (the first bytes received once HELLO_SENT is marked, by
 * whoever marked it), and the end: EOF peer_fin, ECONNRESET/EPIPE
 * peer_rst, ECONNREFUSED refused, ETIMEDOUT timeout, other errors error
 * (errno kept); at mx_conn_free `we_closed` if nothing ended it before
 * (`cancelled` when the connect had not completed).  Owners record what
 * only they know (SMTP steps, timeouts, alerts) first: first call wins.
 * Trace lines (--trace=sched) then start with "conn N: ".
 *
 * Ownership: mx_conn_new/mx_conn_free; the TLS session is owned by the
 * connection; the backend and params are borrowed (params only during
 * mx_conn_start_tls); the record is borrowed and must outlive the
 * connection.
 */
#ifndef MX_PROBE_CONN_H
#define MX_PROBE_CONN_H

#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/log.h"
#include "model/conn.h"
#include "probe/tls.h"

struct event_base;
struct mx_conn;

#define MX_CONN_MAX_IN (256u * 1024)

enum mx_conn_end {
	MX_CONN_END_EOF = 1,   /* FIN from the peer */
	MX_CONN_END_RESET,     /* RST (ECONNRESET) */
	MX_CONN_END_ERROR,     /* another socket error (err says which) */
	MX_CONN_END_OVERFLOW,  /* the peer sent more than we buffer */
	MX_CONN_END_TLS,       /* TLS error after the handshake */
	MX_CONN_END_TLS_CLOSE, /* TLS close_notify */
};

struct mx_conn_cbs {
	void (*connected)(void *arg, int err);
	void (*readable)(void *arg);
	void (*tls_done)(void *arg, int ok);
	void (*closed)(void *arg, enum mx_conn_end end, int err);
};

struct mx_conn *mx_conn_new(struct event_base *base,
			    const struct mx_conn_cbs *cbs, void *arg,
			    const struct mx_log *log);
void mx_conn_free(struct mx_conn *c);

/* Start a non-blocking connect to a numeric address. */
int mx_conn_connect(struct mx_conn *c, const char *addr, uint16_t port,
		    char *err, size_t errlen);
/* Queue plaintext for sending (through TLS when active). */
int mx_conn_write(struct mx_conn *c, const void *p, size_t n);
/* Plaintext received and not yet consumed (mx_buf_consume it). */
struct mx_buf *mx_conn_in(struct mx_conn *c);
/* Begin a client handshake; input already buffered as plaintext is
 * dropped (RFC 3207 §4.2) and its size returned in *dropped. */
int mx_conn_start_tls(struct mx_conn *c, const struct mx_tls_backend *be,
		      const struct mx_tls_params *p, size_t *dropped, char *err,
		      size_t errlen);
/* The TLS session (NULL before start_tls), to read facts from. */
struct mx_tls_session *mx_conn_tls(struct mx_conn *c);
const struct mx_tls_backend *mx_conn_tls_backend(struct mx_conn *c);
int mx_conn_fd(const struct mx_conn *c);
/* Hand the connection to a new owner: later events go to cbs/arg.  Safe
 * inside a callback of the old owner (the next event goes to the new). */
void mx_conn_set_cbs(struct mx_conn *c, const struct mx_conn_cbs *cbs,
		     void *arg);
/* Bytes written and received on the socket so far (raw, before TLS). */
size_t mx_conn_bytes_out(const struct mx_conn *c);
size_t mx_conn_bytes_in(const struct mx_conn *c);

/* Lend the connection its evidence record (NULL: none); call before
 * mx_conn_connect.  The record is borrowed (see above). */
void mx_conn_set_record(struct mx_conn *c, struct mx_connrec *r);
/* The record lent, or NULL. */
struct mx_connrec *mx_conn_record(const struct mx_conn *c);
/* Describe the ClientHello in `p` (TLS records as sent: handshake
 * records carrying one ClientHello, possibly fragmented) into the
 * record's hello_* fields: hello_len = len always; suite count (the
 * signalling values 0x00ff and 0x5600 and GREASE not counted), group
 * count (supported_groups), min/max version from supported_versions
 * (without it max is client_version and min 0: not on the wire).
 * Parsed through a bounded cursor; returns 0, or -1 when the bytes are
 * not a well-formed ClientHello (the counts are then left 0). */
int mx_connrec_hello_summary(struct mx_connrec *r, const uint8_t *p,
			     size_t len);

#endif
