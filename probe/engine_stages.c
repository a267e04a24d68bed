/*
 * engine_stages.c - the stages of a job after its probe: the suite
 * enumeration, `check`'s precheck after silence, and the clients step
 * (bisection, confirmations, advice tests); see engine.h for the run
 * and engine_int.h for the state shared with engine.c.
 */
#include "probe/engine_int.h"

#include <stdlib.h>
#include <string.h>

#include "probe/bisect.h"
#include "probe/enum.h"

/* ---- clients ------------------------------------------------------------- */

static void clients_done(void *arg)
{
	struct job *j = arg;

	mx_clients_step_free(j->cs);
	j->cs = NULL;
	mx_eng_job_finish(j);
}

static struct mx_clients_step *new_clients(struct job *j)
{
	struct mx_engine *e = j->e;
	struct mx_clients_params cp;

	memset(&cp, 0, sizeof(cp));
	cp.helo = e->p.helo;
	cp.timeout_ms = e->p.step_timeout_ms > 0 ? e->p.step_timeout_ms : 10000;
	cp.deadline_ms = j->deadline;
	cp.log = e->p.log;
	cp.clients = e->p.clients;
	cp.nclients = e->p.nclients;
	cp.bisect = 1;
	cp.simulate = e->p.simulate;
	return mx_clients_step_new(e->base, e->pool, ep_of(j), &cp,
				   clients_done, j);
}

static void start_clients(struct job *j)
{
	struct mx_engine *e = j->e;

	if (e->p.clients == NULL || ep_of(j)->enumr == NULL) {
		mx_clients_step_free(j->cs); /* stops early confirmations */
		j->cs = NULL;
		mx_eng_job_finish(j);
		return;
	}
	mx_eng_set_stage(j, MX_STAGE_CLIENTS);
	if (j->cs == NULL)
		j->cs = new_clients(j);
	/* Cancelled: the step only simulates (no connection). */
	if (e->cancelled)
		mx_clients_step_cancel(j->cs, "the run was cancelled");
	mx_clients_step_start(j->cs);
}

/* ---- enumeration ----------------------------------------------------------- */

void mx_eng_enum_done(void *arg, struct mx_enumerator *en)
{
	struct job *j = arg;

	(void)en;
	mx_enumerator_free(j->en);
	j->en = NULL;
	if (j->early && !j->probe_over) {
		j->enum_over = 1; /* the probe's end goes on */
		return;
	}
	if (j->drop_enum) {
		/* The probe never got to TLS: nothing to enumerate, as if
		 * the enumeration had not started (its connections stay
		 * recorded: they were made). */
		mx_enum_free(ep_of(j)->enumr);
		ep_of(j)->enumr = NULL;
	}
	start_clients(j);
}

/* The probe's handshake ended without an alert, at once: FIN or RST.
 * Silence first gets one small hello (wants_precheck): against a server
 * that never answers, every hello of the bisection and the enumeration
 * would wait the whole hello timeout. */
static int failed_silently(const struct mx_endpoint *ep)
{
	return ep->tls.attempted && !ep->tls.completed &&
	       (ep->tls.fail == MX_TLS_FAIL_EOF ||
		ep->tls.fail == MX_TLS_FAIL_RESET);
}

/* Which endpoints the enumeration takes: those where the probe got a TLS
 * handshake going (a failed handshake is what the raw hellos explain
 * best), or only those where it completed; and with `intolerance` those
 * whose handshake failed without an alert. */
int mx_eng_wants_enum(const struct mx_engine *e, const struct mx_endpoint *ep)
{
	if (e->cancelled || ep->mode == MX_MODE_PLAIN || ep->addr == NULL)
		return 0;
	/* `check`: what only the bisection can explain */
	if (e->p.intolerance && e->p.clients != NULL && failed_silently(ep))
		return 1;
	if (e->p.enumerate == MX_ENGINE_ENUM_NONE)
		return 0;
	return e->p.enumerate == MX_ENGINE_ENUM_COMPLETED ? ep->tls.completed
							  : ep->tls.attempted;
}

/* The client confirmations need no enumeration: they start with it on
 * background slots, filling what the enumeration's dependent chains
 * leave idle (the advice tests wait for the simulation).  Beside an
 * early enumeration they wait for the probe: no TLS, no confirmations. */
void mx_eng_prestart_clients(struct job *j)
{
	if (j->e->p.clients == NULL || j->cs != NULL || j->e->cancelled)
		return;
	j->cs = new_clients(j);
	mx_clients_step_prestart(j->cs);
}

/* Make the enumerator (and, unless early, start the confirmations). */
void mx_eng_launch_enum(struct job *j, int hello_timeout_ms)
{
	struct mx_engine *e = j->e;
	struct mx_endpoint *ep = ep_of(j);
	struct mx_enum_params p;

	memset(&p, 0, sizeof(p));
	p.host = ep->host;
	p.addr = ep->addr;
	p.port = ep->port;
	p.mode = ep->mode;
	p.helo = e->p.helo;
	p.step_timeout_ms = e->p.step_timeout_ms;
	p.hello_timeout_ms = hello_timeout_ms;
	p.deadline_ms = j->deadline;
	p.dh_cache = e->dh; /* one safe-prime check per prime and run */
	p.record_in = ep;
	p.log = e->p.log;
	mx_enum_free(ep->enumr);
	ep->enumr = mx_enum_new();
	j->en = mx_enumerator_new(e->base, e->pool, &p, ep->enumr,
				  mx_eng_enum_done, j);
	mx_enumerator_start(j->en);
	if (!j->early)
		mx_eng_prestart_clients(j);
}

/* `check`, the probe's hello met silence: does the server answer a small
 * hello?  Then the silence was about the big one - enumerate and bisect;
 * else it answers nothing and nothing more is asked (each hello would
 * wait the whole timeout). */
static void precheck_done(void *arg, int rc)
{
	struct job *j = arg;

	mx_bisect_free(j->pre);
	j->pre = NULL;
	if (rc == 2 && !j->e->cancelled) {
		mx_eng_set_stage(j, MX_STAGE_ENUM);
		mx_eng_launch_enum(
			j, mx_enum_hello_timeout(ep_of(j),
						 j->e->p.hello_timeout_ms));
		return;
	}
	mx_enum_free(ep_of(j)->enumr); /* its hello stays recorded */
	ep_of(j)->enumr = NULL;
	mx_eng_job_finish(j);
}

static int wants_precheck(const struct mx_engine *e,
			  const struct mx_endpoint *ep)
{
	return e->p.intolerance && e->p.clients != NULL && !e->cancelled &&
	       ep->mode != MX_MODE_PLAIN && ep->addr != NULL &&
	       ep->tls.attempted && !ep->tls.completed &&
	       ep->tls.fail == MX_TLS_FAIL_TIMEOUT;
}

void mx_eng_start_enum(struct job *j)
{
	struct mx_engine *e = j->e;
	struct mx_endpoint *ep = ep_of(j);

	if (!mx_eng_wants_enum(e, ep) && wants_precheck(e, ep)) {
		struct mx_bisect_params bp;

		memset(&bp, 0, sizeof(bp));
		bp.helo = e->p.helo;
		bp.timeout_ms = e->p.step_timeout_ms > 0 ? e->p.step_timeout_ms
							 : 10000;
		bp.deadline_ms = j->deadline;
		bp.log = e->p.log;
		bp.precheck = 1;
		mx_eng_set_stage(j, MX_STAGE_CLIENTS);
		ep->enumr = mx_enum_new();
		j->pre = mx_bisect_new(e->base, e->pool, ep, &bp, precheck_done,
				       j);
		mx_bisect_start(j->pre);
		return;
	}
	if (!mx_eng_wants_enum(e, ep)) {
		mx_eng_job_finish(j);
		return;
	}
	mx_eng_set_stage(j, MX_STAGE_ENUM);
	mx_eng_launch_enum(j, mx_enum_hello_timeout(ep, e->p.hello_timeout_ms));
}
