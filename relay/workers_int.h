/*
 * workers_int.h - the delivery workers' shared state (internal to the
 * workers' files; not a public header).
 *
 * Purpose: the workers are split by job - workers.c (the queue index and
 * the scheduling), workers_route.c (routing a queued message and the
 * split by destination), delivery.c (one delivery and what its outcome
 * does to the spool), delivery_log.c (the DCID log lines).  They share
 * the handle and the index items declared here, and call each other only
 * through the mx_wk_* functions below.
 *
 * Ownership: the workers own their items (mx_wk_item_add / _remove); an
 * item owns its route strings, and while busy its sender, envelope and
 * message.  Everything runs from the event loop; nothing is global.
 */
#ifndef MX_RELAY_WORKERS_INT_H
#define MX_RELAY_WORKERS_INT_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "relay/sender.h"
#include "relay/spool.h"
#include "relay/workers.h"

struct event;

/* A failed split or bounce is tried again this much later. */
#define MX_WK_RETRY_S 60

enum istate {
	IT_NEW = 0, /* not routed yet */
	IT_WAIT,    /* routed, waiting for its next attempt */
	IT_BUSY,    /* a delivery is running */
};

struct mx_wk_item {
	struct mx_workers *w;
	char id[MX_SPOOL_ID_LEN + 1];
	enum istate state;
	time_t created, next;
	uint32_t attempts;
	/* route (IT_WAIT, IT_BUSY) */
	char *nexthop;
	char *key; /* destination key: row + next hop */
	enum mx_tls_policy policy;
	int auth;
	unsigned max_conc;
	const struct mx_dest *row;
	/* delivery (IT_BUSY) */
	struct mx_sender *sender;
	struct mx_envelope env;
	uint8_t *msg;
	size_t len;
	unsigned long dcid;
	int cancelled;
};

struct mx_workers {
	struct event_base *base;
	struct mx_workers_params p;
	const unsigned *retry;
	size_t nretry;
	struct mx_wk_item **v;
	size_t n, cap;
	struct mx_wk_item **busy; /* the items with a delivery running */
	size_t nbusy, capbusy;
	size_t active;
	unsigned long next_dcid;
	struct event *ev_kick, *ev_timer, *ev_grace;
	int shutting;
	void (*drained)(void *arg);
	void *drained_arg;
	struct mx_workers_stats stats;
};

/* workers.c: the index and the scheduler */
/* Run the scheduler from the loop (not from inside a callback). */
void mx_wk_kick(struct mx_workers *w);
struct mx_wk_item *mx_wk_item_add(struct mx_workers *w, const char *id,
				  time_t created, time_t next,
				  uint32_t attempts);
/* Remove and free the item (its delivery state too). */
void mx_wk_item_remove(struct mx_workers *w, struct mx_wk_item *it);
/* Drop an item whose file is gone or corrupt (logged, counted). */
void mx_wk_lost(struct mx_workers *w, struct mx_wk_item *it,
		const struct mx_spool_diag *d);

/* workers_route.c: route a new item; split it when its recipients go to
 * more than one destination (the parts replace it). */
void mx_wk_route_item(struct mx_workers *w, struct mx_wk_item *it);

/* delivery.c: load the message and start its delivery (the item may be
 * removed, when its file is lost). */
void mx_wk_start_delivery(struct mx_workers *w, struct mx_wk_item *it);

/* delivery_log.c */
/* "[0, 1, 2]", capped. */
void mx_wk_rid_list(size_t n, char *out, size_t outlen);
/* A reply as one log line: "550 5.1.1 text / more text". */
void mx_wk_reply_text(const struct mx_reply *r, char *out, size_t outlen);
/* The sender's progress as DCID log lines (struct mx_sender_cbs). */
void mx_wk_on_event(void *arg, struct mx_sender *s, enum mx_send_event ev,
		    const struct mx_send_attempt *a);

#endif
