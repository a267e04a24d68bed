/*
 * engine_int.h - inside the run engine (probe/engine.c: the jobs, the
 * probe, the resolve step and the API; probe/engine_stages.c: the
 * enumeration, precheck and clients stages).  Not for other modules:
 * the public interface is probe/engine.h.
 */
#ifndef MX_PROBE_ENGINE_INT_H
#define MX_PROBE_ENGINE_INT_H

#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>

#include "probe/engine.h"

struct mx_bisect;
struct mx_dns;
struct mx_enumerator;
struct mx_enum_dhcache;
struct mx_smtp_client;
struct mx_sts_lookup;
struct mx_tlsa_lookup;

struct job {
	struct mx_engine *e;
	struct mx_target *t;
	size_t ep; /* index into t->endpoints */
	enum mx_stage st;
	struct mx_pool_wait w;
	int waiting, granted;
	struct mx_smtp_client *client;
	struct mx_tls_params tp;
	struct mx_connrec *rec; /* the probe connection's record */
	struct mx_enumerator *en;
	struct mx_clients_step *cs;
	struct mx_bisect *pre; /* `check` after silence: a small hello first */
	int64_t deadline;      /* absolute monotonic for every stage; 0 none */
	/* `ciphers`, `check --deep`: the enumeration starts beside the
	 * probe (early); it goes on once both are over, or is dropped when
	 * the probe found no TLS to enumerate. */
	int early, probe_over, enum_over, drop_enum;
	struct event *ev_deadline;
};

struct mx_engine {
	struct event_base *base;
	struct mx_run *run;
	struct mx_engine_params p;
	struct mx_engine_cbs cbs;
	void *arg;
	struct mx_dns *dns;
	struct mx_pool *pool;
	int own_pool;
	struct mx_enum_dhcache *dh;
	size_t resolving;  /* targets still resolving */
	struct job **jobs; /* each job stays put: engines point at it */
	size_t njobs, capjobs;
	size_t done_jobs;
	struct event *ev_done;
	int started, cancelled, finished;
	/* DANE: one TLSA lookup per resolved target (index as run->targets),
	 * beside its probes; done waits for them */
	struct mx_tlsa_lookup **tlsa;
	size_t tlsa_pending;
	/* MTA-STS and TLS-RPT: one lookup per domain target, from the start */
	struct mx_sts_lookup **sts;
	size_t sts_pending;
};

static inline struct mx_endpoint *ep_of(const struct job *j)
{
	return &j->t->endpoints[j->ep];
}

/* engine.c */
void mx_eng_set_stage(struct job *j, enum mx_stage st);
void mx_eng_job_finish(struct job *j);

/* engine_stages.c */
/* After the probe (not early): the enumeration when wanted, `check`'s
 * precheck after silence, or the end of the job. */
void mx_eng_start_enum(struct job *j);
int mx_eng_wants_enum(const struct mx_engine *e, const struct mx_endpoint *ep);
/* Make the enumerator (and, unless early, start the confirmations). */
void mx_eng_launch_enum(struct job *j, int hello_timeout_ms);
void mx_eng_prestart_clients(struct job *j);
void mx_eng_enum_done(void *arg, struct mx_enumerator *en);

#endif
