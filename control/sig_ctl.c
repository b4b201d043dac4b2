/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sessmon/sig_ctl.h"

/* Sets waiting for their last stream: reloads faster than sessions end
 * beyond this are refused until one goes. */
#define RETIRED_MAX 16
/* Rules `stat` lists by hits. */
#define STAT_TOP 10

struct sm_sig_ctl {
	struct sm_rules_params p;   /* .src points to src[] */
	struct sm_rules_source *src; /* a copy: a reload reads the files again
				      * (names kept by pointer: argv) */
	struct sm_ruleset *cur;
	struct sm_ruleset *retired[RETIRED_MAX];
	unsigned int n_retired;
	hs_scratch_t *proto;        /* grown for every set in use; workers get clones */
	unsigned int reloads;
	unsigned int reload_failures;
};

static void
print_report(const struct sm_rules_report *rep, FILE *out)
{
	for (unsigned int i = 0; i < rep->n_msgs; i++)
		fprintf(out, "sessmon: rules: %s\n", rep->msgs[i]);
	fprintf(out, "sessmon: rules: %u loaded, %u rejected, %zu database bytes, %.1f ms%s\n",
		rep->loaded, rep->rejected, rep->db_bytes, rep->compile_ms,
		rep->cache_hit ? " (cached)" : "");
}

/* Compile the files into a set and grow the prototype scratch for it. */
static int
load(struct sm_sig_ctl *c, FILE *out, struct sm_ruleset **rs)
{
	struct sm_rules_report rep;
	int rc;

	*rs = sm_rules_load(&c->p, &rep);
	rc = *rs == NULL ? -(errno ? errno : EINVAL) : 0;
	print_report(&rep, out);
	sm_rules_report_fini(&rep);
	if (rc == 0 && (rc = sm_sig_scratch_grow(&c->proto, *rs)) != 0) {
		sm_ruleset_free(*rs);
		*rs = NULL;
	}
	return rc;
}

int
sm_sig_ctl_create(const struct sm_rules_params *p, FILE *report, struct sm_sig_ctl **out)
{
	struct sm_sig_ctl *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL)
		return -ENOMEM;
	c->p = *p;
	c->src = calloc(p->n_src ? p->n_src : 1, sizeof(*c->src));
	if (c->src == NULL) {
		free(c);
		return -ENOMEM;
	}
	memcpy(c->src, p->src, p->n_src * sizeof(*c->src));
	c->p.src = c->src;
	rc = load(c, report, &c->cur);
	if (rc != 0) {
		sm_sig_ctl_free(c);
		return rc;
	}
	*out = c;
	return 0;
}

struct sm_sig_worker *
sm_sig_ctl_worker(struct sm_sig_ctl *c, uint16_t id, uint64_t depth, uint32_t max_streams)
{
	struct sm_sig_params sp = {
		.id = id, .depth = depth == UINT64_MAX ? 0 : depth, .rs = c->cur,
		.max_streams = max_streams,
		.scratch = sm_sig_scratch_clone(c->proto),
	};
	struct sm_sig_worker *w = sp.scratch != NULL ? sm_sig_worker_create(&sp) : NULL;

	if (w == NULL && sp.scratch != NULL)
		hs_free_scratch(sp.scratch);
	return w;
}

int
sm_sig_ctl_prepare(struct sm_sig_ctl *c, struct sm_sig_swap *swaps, FILE *out)
{
	struct sm_ruleset *rs;
	int rc;

	sm_sig_ctl_reap(c);
	if (c->n_retired == RETIRED_MAX) {
		c->reload_failures++;
		return -EBUSY;
	}
	rc = load(c, out, &rs);
	if (rc != 0) {
		c->reload_failures++;
		return rc;
	}
	for (unsigned int w = 0; w < c->p.workers; w++) {
		swaps[w] = (struct sm_sig_swap){ .rs = rs, .scratch = sm_sig_scratch_clone(c->proto) };
		if (swaps[w].scratch == NULL) {
			while (w-- > 0)
				hs_free_scratch(swaps[w].scratch);
			sm_ruleset_free(rs);
			c->reload_failures++;
			return -ENOMEM;
		}
	}
	return 0;
}

void
sm_sig_ctl_commit(struct sm_sig_ctl *c, struct sm_sig_swap *swaps)
{
	for (unsigned int w = 0; w < c->p.workers; w++)
		hs_free_scratch(swaps[w].old);
	c->retired[c->n_retired++] = c->cur;
	c->cur = swaps[0].rs;
	c->reloads++;
	sm_sig_ctl_reap(c);
}

void
sm_sig_ctl_reap(struct sm_sig_ctl *c)
{
	unsigned int kept = 0;

	for (unsigned int i = 0; i < c->n_retired; i++) {
		if (sm_ruleset_streams_open(c->retired[i]) == 0)
			sm_ruleset_free(c->retired[i]);
		else
			c->retired[kept++] = c->retired[i];
	}
	c->n_retired = kept;
}

int
sm_sig_ctl_list(const struct sm_sig_ctl *c, FILE *out)
{
	return sm_rules_write_list(c->cur, out);
}

int
sm_sig_ctl_stat(const struct sm_sig_ctl *c, FILE *out)
{
	unsigned int open = 0;

	for (unsigned int i = 0; i < c->n_retired; i++)
		open += sm_ruleset_streams_open(c->retired[i]);
	fprintf(out, "reloads=%u reload_failures=%u retired_sets=%u retired_streams_open=%u\n",
		c->reloads, c->reload_failures, c->n_retired, open);
	return sm_rules_write_stat(c->cur, STAT_TOP, out);
}

void
sm_sig_ctl_free(struct sm_sig_ctl *c)
{
	if (c == NULL)
		return;
	for (unsigned int i = 0; i < c->n_retired; i++)
		sm_ruleset_free(c->retired[i]);
	sm_ruleset_free(c->cur);
	if (c->proto != NULL)
		hs_free_scratch(c->proto);
	free(c->src);
	free(c);
}
