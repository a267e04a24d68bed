/*
 * confirm_judge.c - predictions against real handshakes; see
 * confirm_judge.h.
 */
#include "analyzers/confirm_judge.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/xalloc.h"
#include "model/result.h"
#include "wire/tls_registry.h"

/* The backend that played it, as probe/tls.h names it. */
static const char *stack_name(const struct mx_client_sim *c)
{
	return c->real_stack != NULL ? c->real_stack : "?";
}

/* What the real handshake got, in words. */
static void describe(const struct mx_client_sim *c, char *buf, size_t len)
{
	if (c->real_ok) {
		snprintf(buf, len, "%s %s %s%s%s",
			 c->real_version ? c->real_version : "?",
			 c->real_suite_name ? c->real_suite_name : "?",
			 c->real_kx_type ? c->real_kx_type : "no temp key",
			 c->real_kx_group ? " " : "",
			 c->real_kx_group ? c->real_kx_group : "");
		if (c->real_kx_type && strcmp(c->real_kx_type, "DH") == 0 &&
		    c->real_kx_group == NULL) {
			size_t n = strlen(buf);

			snprintf(buf + n, len - n, " %d", c->real_kx_bits);
		}
		return;
	}
	snprintf(buf, len, "failed (%s%s%s)%s%s",
		 mx_tls_fail_name((enum mx_tls_fail)c->real_fail),
		 c->real_alert ? ", alert " : "",
		 c->real_alert ? mx_tls_alert_name((uint8_t)c->real_alert) : "",
		 c->real_fail_detail ? ": " : "",
		 c->real_fail_detail ? c->real_fail_detail : "");
}

/* Does the predicted key exchange ("ECDH x25519", "DH 1024 (...)", "DH
 * ffdhe2048", "RSA") match what the real handshake used? */
static int kx_matches(const char *pred, const char *kx_type,
		      const char *kx_group, int kx_bits)
{
	const struct mx_group *a, *b;

	if (pred == NULL || pred[0] == '\0')
		return 1;
	if (strncmp(pred, "ECDH ", 5) == 0) {
		a = mx_group_by_name(pred + 5);
		b = kx_group ? mx_group_by_name(kx_group) : NULL;
		return a == NULL || b == NULL || a->id == b->id;
	}
	if (strncmp(pred, "DH ", 3) == 0) {
		if (kx_type == NULL || strcmp(kx_type, "DH") != 0)
			return 0;
		if (isdigit((unsigned char)pred[3]))
			return strtol(pred + 3, NULL, 10) == kx_bits;
		a = mx_group_by_name(pred + 3);
		b = kx_group ? mx_group_by_name(kx_group) : NULL;
		return a != NULL && b != NULL && a->id == b->id;
	}
	if (strcmp(pred, "RSA") == 0)
		return kx_type == NULL;
	return 1;
}

static void judge(struct mx_client_sim *c)
{
	char real[400];
	int agree;

	describe(c, real, sizeof(real));
	free(c->confirm_detail);
	if (c->ok && c->real_ok) {
		const char *why = NULL;

		if (c->version && c->real_version &&
		    strcmp(c->version, c->real_version))
			why = "version";
		else if (c->suite != 0 && c->suite != c->real_suite)
			why = "suite";
		else if (!kx_matches(c->kx, c->real_kx_type, c->real_kx_group,
				     c->real_kx_bits))
			why = "key exchange";
		agree = why == NULL;
		if (agree)
			c->confirm_detail =
				xasprintf("%s: %s", stack_name(c), real);
		else
			c->confirm_detail = xasprintf(
				"predicted success %s 0x%04x %s; real "
				"handshake (%s): %s (the %s differs)",
				c->version ? c->version : "?", c->suite,
				c->kx ? c->kx : "", stack_name(c), real, why);
	} else {
		agree = c->ok == c->real_ok;
		if (agree)
			c->confirm_detail = xasprintf("%s: %s as predicted",
						      stack_name(c), real);
		else
			c->confirm_detail = xasprintf(
				"predicted %s; real handshake (%s): %s",
				c->ok	 ? "success"
				: c->why ? c->why
					 : "failure",
				stack_name(c), real);
	}
	c->confirmed = agree;
}

void mx_judge_confirmations(struct mx_enum *e)
{
	size_t i;

	if (e == NULL)
		return;
	for (i = 0; i < e->nclients; i++)
		if (e->clients[i].real_run)
			judge(&e->clients[i]);
}
