/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "sessmon/cli.h"
#include "sessmon/ctl.h"
#include "sessmon/inspect.h"
#include "sessmon/sess_filter.h"
#include "sessmon/sig_ctl.h"

/* Slots read per RCU critical section: long enough to amortise going
 * online, short enough that a worker's reclamation never waits long. */
#define CHUNK 256
/* How long the control thread sleeps while it waits (it may block). */
#define WAIT_US 200

struct sm_ctl {
	struct sm_ctl_params p;
	struct sm_cli *cli;
	pthread_t thread;
	uint64_t token;          /**< last barrier token sent */
	uint64_t flush;          /**< clear commands since the last stat */
	int reload;              /**< a reload was asked for (SIGHUP) */
	int rc;
};

/* A live session found by a scan: enough to find it again. */
struct found {
	uint32_t serial;
	uint16_t worker;
	uint32_t slot;
};

static void
send_cmd(struct sm_ctl *c, struct sm_worker *w, const struct sm_cmd *cmd)
{
	while (rte_ring_enqueue_elem(w->cmd, (void *)(uintptr_t)cmd, sizeof(*cmd)) != 0)
		usleep(WAIT_US);
	(void)c;
}

/* Wait until @w has run every command sent before; the worker answers
 * between bursts, the control thread does the waiting. */
static void
barrier(struct sm_ctl *c, struct sm_worker *w)
{
	struct sm_cmd cmd = { .type = SM_CMD_BARRIER, .arg = ++c->token };
	struct sm_cmd r;

	send_cmd(c, w, &cmd);
	for (;;) {
		if (rte_ring_dequeue_elem(w->rsp, &r, sizeof(r)) == 0) {
			if (r.type == SM_CMD_REPLY && r.arg == cmd.arg)
				return;
			continue;
		}
		usleep(WAIT_US);
	}
}

static uint64_t
network_now(const struct sm_ctl *c)
{
	uint64_t now = __atomic_load_n(&c->p.ingress->now_us, __ATOMIC_RELAXED);

	for (unsigned int i = 0; i < c->p.n_workers; i++) {
		uint64_t t = __atomic_load_n(&c->p.workers[i]->now_us, __ATOMIC_RELAXED);

		if (t > now)
			now = t;
	}
	return now;
}

/*
 * Copy the session in @slot into a view, if it is live and not past its
 * expiry. The caller is an online RCU reader, so the slot cannot be
 * recycled under us; a serial that changed while we copied means the
 * worker deleted it meanwhile.
 */
static bool
read_view(struct sm_ctl *c, unsigned int wi, uint32_t slot, uint64_t now,
	  struct sm_sess_view *v)
{
	const struct sm_sess_table *t = c->p.workers[wi]->tbl;
	const struct sm_session *live = &t->sess[slot];
	struct sm_session s;
	struct sm_sess_key key;
	struct sm_insp_info info;
	uint32_t serial = __atomic_load_n(&live->serial, __ATOMIC_ACQUIRE);

	if (serial == 0)
		return false;
	memcpy(&s, live, sizeof(s));
	sm_inspect_info(s.insp, &info);
	if (sm_sess_table_key(t, slot, &key) != 0 ||
	    __atomic_load_n(&live->serial, __ATOMIC_ACQUIRE) != serial)
		return false;
	s.serial = serial;
	if (sm_session_expiry(&s, c->p.timers) <= now)
		return false;
	sm_sess_view_build(v, &key, &s, c->p.timers, now, (uint16_t)wi, slot);
	sm_sess_view_add_insp(v, &info);
	return true;
}

static bool
wanted(const struct sm_sess_view *v, int family, const struct sm_sess_filter *f)
{
	return (family == 0 || v->family == family) && (f == NULL || sm_sess_filter_match(f, v));
}

static int
cmp_found(const void *a, const void *b)
{
	const struct found *x = a, *y = b;

	if (x->serial != y->serial)
		return x->serial < y->serial ? -1 : 1;
	if (x->worker != y->worker)
		return x->worker < y->worker ? -1 : 1;
	return x->slot < y->slot ? -1 : (x->slot > y->slot);
}

/* Scan every table for live sessions matching; the result is sorted by
 * serial so that output does not depend on the number of workers. */
static int
scan(struct sm_ctl *c, int family, const struct sm_sess_filter *f, uint64_t now,
     struct found **out, size_t *n_out)
{
	struct found *list = NULL;
	size_t n = 0, cap = 0;

	for (unsigned int wi = 0; wi < c->p.n_workers; wi++) {
		uint32_t capacity = c->p.workers[wi]->tbl->capacity;

		for (uint32_t base = 0; base < capacity; base += CHUNK) {
			uint32_t end = RTE_MIN(capacity, base + CHUNK);

			rte_rcu_qsbr_thread_online(c->p.rcu, SM_CTL_RCU_ID);
			for (uint32_t slot = base; slot < end; slot++) {
				struct sm_sess_view v;

				if (!read_view(c, wi, slot, now, &v) || !wanted(&v, family, f))
					continue;
				if (n == cap) {
					size_t ncap = cap ? cap * 2 : 1024;
					struct found *nl = realloc(list, ncap * sizeof(*nl));

					if (nl == NULL) {
						rte_rcu_qsbr_thread_offline(c->p.rcu, SM_CTL_RCU_ID);
						free(list);
						return -ENOMEM;
					}
					list = nl;
					cap = ncap;
				}
				list[n++] = (struct found){ v.serial, (uint16_t)wi, slot };
			}
			rte_rcu_qsbr_thread_offline(c->p.rcu, SM_CTL_RCU_ID);
		}
	}
	if (n > 1)
		qsort(list, n, sizeof(*list), cmp_found);
	*out = list;
	*n_out = n;
	return 0;
}

int
sm_ctl_walk(struct sm_ctl *c, int family, const struct sm_sess_filter *f,
	    int (*cb)(void *arg, const struct sm_sess_view *v), void *arg)
{
	uint64_t now = network_now(c);
	struct found *list;
	size_t n;
	int visited = 0, rc = scan(c, family, f, now, &list, &n);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct sm_sess_view v;
		bool ok;

		rte_rcu_qsbr_thread_online(c->p.rcu, SM_CTL_RCU_ID);
		ok = read_view(c, list[i].worker, list[i].slot, now, &v) && v.serial == list[i].serial;
		rte_rcu_qsbr_thread_offline(c->p.rcu, SM_CTL_RCU_ID);
		/* Formatting happens outside the critical section: v is a copy. */
		if (!ok)
			continue;
		visited++;
		if (cb(arg, &v) != 0)
			break;
	}
	free(list);
	return visited;
}

int
sm_ctl_clear(struct sm_ctl *c, const struct sm_sess_filter *f)
{
	struct found *list;
	size_t n;
	int rc = scan(c, 0, f, network_now(c), &list, &n);

	if (rc != 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		struct sm_cmd cmd = { .type = SM_CMD_DELETE, .slot = list[i].slot,
				      .arg = list[i].serial };

		send_cmd(c, c->p.workers[list[i].worker], &cmd);
	}
	for (unsigned int wi = 0; wi < c->p.n_workers; wi++)
		barrier(c, c->p.workers[wi]);
	free(list);
	c->flush++;
	return (int)n;
}

void
sm_ctl_counters(const struct sm_ctl *c, struct sm_counters *out)
{
	memset(out, 0, sizeof(*out));
	sm_counters_accumulate(out, &c->p.ingress->cnt);
	for (unsigned int wi = 0; wi < c->p.n_workers; wi++)
		sm_counters_accumulate(out, &c->p.workers[wi]->cnt);
}

static int
stat_one(void *arg, const struct sm_sess_view *v)
{
	struct sm_sess_stat *st = arg;

	st->session_count++;
	if (v->proto == 6) {
		st->tcp_states[v->tcp_state]++;
		if (v->tcp_state != SM_TCP_FGT_ESTABLISHED)
			st->ephemeral++;
	} else if (v->proto == 17 && v->dir[SM_DIR_REPLY].pkts == 0) {
		st->ephemeral++;
	}
	if (v->offloaded[SM_DIR_ORIG] || v->offloaded[SM_DIR_REPLY])
		st->npu_session_count++;
	return 0;
}

int
sm_ctl_stat(struct sm_ctl *c, const struct sm_sess_filter *f, struct sm_sess_stat *st)
{
	struct sm_counters cnt;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = sm_ctl_walk(c, 0, f, stat_one, st);
	if (rc < 0)
		return rc;
	sm_ctl_counters(c, &cnt);
	for (unsigned int wi = 0; wi < c->p.n_workers; wi++) {
		const struct sm_worker *w = c->p.workers[wi];

		st->setup_rate += __atomic_load_n(&w->setup_rate, __ATOMIC_RELAXED);
		st->table_size += w->tbl->capacity;
	}
	st->memory_tension_drop = cnt.v[SM_CNT_SESS_EVICTED];
	st->ephemeral_limit = st->table_size;
	st->max_depth = 1;
	/* FortiOS reports flush requests since the previous stat, then resets. */
	st->flush = c->flush;
	c->flush = 0;
	return 0;
}

/* The CLI's backend: the same calls a live CLI client will make. */
static int
cli_walk(void *arg, int family, const struct sm_sess_filter *f,
	 int (*cb)(void *cb_arg, const struct sm_sess_view *v), void *cb_arg)
{
	return sm_ctl_walk(arg, family, f, cb, cb_arg);
}

static int
cli_clear(void *arg, const struct sm_sess_filter *f)
{
	return sm_ctl_clear(arg, f);
}

static int
cli_stat(void *arg, const struct sm_sess_filter *f, struct sm_sess_stat *st)
{
	return sm_ctl_stat(arg, f, st);
}

/* The signature matchers' figures, summed over workers: open streams and
 * their memory (bounded per worker), and what was matched or refused. */
static int
sig_stat_extra(const struct sm_ctl *c, FILE *out)
{
	struct sm_sig_stats sum = {0}, one;

	if (c->p.sig == NULL)
		return ferror(out) ? -EIO : 0;
	for (unsigned int w = 0; w < c->p.n_workers; w++) {
		sm_sig_worker_stats(c->p.workers[w]->sig, &one);
		sum.streams_open += one.streams_open;
		sum.stream_bytes += one.stream_bytes;
		sum.open_failures += one.open_failures;
		sum.bytes_scanned += one.bytes_scanned;
		sum.matches += one.matches;
		sum.filtered += one.filtered;
		sum.depth_stops += one.depth_stops;
	}
	fprintf(out, "sessmon signatures: streams_open=%" PRIu64 " stream_bytes=%" PRIu64
		" open_failures=%" PRIu64 " bytes_scanned=%" PRIu64 " matches=%" PRIu64
		" filtered=%" PRIu64 " depth_stops=%" PRIu64 "\n", sum.streams_open,
		sum.stream_bytes, sum.open_failures, sum.bytes_scanned, sum.matches, sum.filtered,
		sum.depth_stops);
	return ferror(out) ? -EIO : 0;
}

/*
 * sessmon's lines after `session stat`: per event type, raised/dropped
 * summed over workers (types never raised are left out), the writer's
 * waits, and the inspection counters.
 */
/* Add one ring's per-type counts and waits to @sum. */
static void
add_ev_stats(struct sm_ev_stats *sum, const struct sm_ev_ring *r)
{
	struct sm_ev_stats one;

	sm_ev_ring_stats(r, &one);
	for (unsigned int t = 0; t < SM_EV_MAX; t++) {
		sum->raised[t] += one.raised[t];
		sum->dropped[t] += one.dropped[t];
	}
	sum->waits += one.waits;
}

static int
cli_stat_extra(void *arg, FILE *out)
{
	struct sm_ctl *c = arg;
	struct sm_ev_stats sum = {0};
	uint64_t insp[SM_INSPECT_CNT_MAX] = {0}, x[SM_INSPECT_CNT_MAX];
	bool any = false;

	for (unsigned int w = 0; w < c->p.n_workers; w++) {
		const struct sm_worker *wk = c->p.workers[w];

		if (wk->ev == NULL)
			continue;
		any = true;
		add_ev_stats(&sum, wk->ev);
		sm_inspect_counters(wk->insp, x);
		for (unsigned int i = 0; i < SM_INSPECT_CNT_MAX; i++)
			insp[i] += x[i];
	}
	if (c->p.ingress->ev != NULL)
		add_ev_stats(&sum, c->p.ingress->ev);
	if (!any)
		return 0;
	fprintf(out, "sessmon events (raised/dropped): ring_waits=%" PRIu64 "\n", sum.waits);
	for (unsigned int t = 0; t < SM_EV_MAX; t++)
		if (sum.raised[t] != 0 || sum.dropped[t] != 0)
			fprintf(out, "\t%s=%" PRIu64 "/%" PRIu64 "\n", sm_ev_info((enum sm_ev)t)->name,
				sum.raised[t], sum.dropped[t]);
	fputs("sessmon inspection:", out);
	for (unsigned int i = 0; i < SM_INSPECT_CNT_MAX; i++)
		fprintf(out, " %s=%" PRIu64, sm_inspect_cnt_name((enum sm_inspect_cnt)i), insp[i]);
	fputc('\n', out);
	return sig_stat_extra(c, out);
	return ferror(out) ? -EIO : 0;
}

int
sm_ctl_sig_reload(struct sm_ctl *c, FILE *out)
{
	struct sm_sig_swap swaps[SM_MAX_WORKERS];
	int rc;

	if (c->p.sig == NULL)
		return -ENOTSUP;
	rc = sm_sig_ctl_prepare(c->p.sig, swaps, out);
	if (rc != 0)
		return rc;
	for (unsigned int wi = 0; wi < c->p.n_workers; wi++) {
		struct sm_cmd cmd = { .type = SM_CMD_SIG_SWAP, .arg = (uintptr_t)&swaps[wi] };

		send_cmd(c, c->p.workers[wi], &cmd);
		barrier(c, c->p.workers[wi]);
	}
	sm_sig_ctl_commit(c->p.sig, swaps);
	return 0;
}

void
sm_ctl_request_reload(struct sm_ctl *c)
{
	__atomic_store_n(&c->reload, 1, __ATOMIC_RELAXED);
}

/* Between waits: a reload SIGHUP asked for, and old signature sets whose
 * last stream has closed. */
static void
housekeeping(struct sm_ctl *c)
{
	if (c->p.sig == NULL)
		return;
	if (__atomic_exchange_n(&c->reload, 0, __ATOMIC_RELAXED))
		sm_ctl_sig_reload(c, stderr);
	sm_sig_ctl_reap(c->p.sig);
}

static int
cli_sig(void *arg, enum sm_cli_sig verb, FILE *out)
{
	struct sm_ctl *c = arg;

	if (c->p.sig == NULL)
		return -ENOTSUP;
	switch (verb) {
	case SM_CLI_SIG_LIST:
		return sm_sig_ctl_list(c->p.sig, out);
	case SM_CLI_SIG_STAT:
		return sm_sig_ctl_stat(c->p.sig, out);
	case SM_CLI_SIG_RELOAD:
		return sm_ctl_sig_reload(c, out);
	}
	return -EINVAL;
}

static const struct sm_cli_ops ctl_cli_ops = {
	.walk = cli_walk,
	.clear = cli_clear,
	.stat = cli_stat,
	.stat_extra = cli_stat_extra,
	.sig = cli_sig,
};

/* The offline run's end: every packet read is processed, and every
 * worker's clock stands at the end of the input before commands run. */
static void
finish_input(struct sm_ctl *c)
{
	while (!__atomic_load_n(&c->p.ingress->done, __ATOMIC_ACQUIRE)) {
		housekeeping(c);
		usleep(WAIT_US);
	}
	for (unsigned int wi = 0; wi < c->p.n_workers; wi++) {
		struct sm_cmd cmd = { .type = SM_CMD_ADVANCE, .arg = c->p.ingress->now_us };

		send_cmd(c, c->p.workers[wi], &cmd);
		barrier(c, c->p.workers[wi]);
	}
}

static void *
ctl_main(void *arg)
{
	struct sm_ctl *c = arg;

	rte_rcu_qsbr_thread_register(c->p.rcu, SM_CTL_RCU_ID);
	finish_input(c);
	for (unsigned int i = 0; i < c->p.n_cmds; i++) {
		if (sm_cli_exec(c->cli, c->p.cmds[i], c->p.out) < 0)
			c->rc = 3;
		fflush(c->p.out);
		housekeeping(c);
	}
	rte_rcu_qsbr_thread_unregister(c->p.rcu, SM_CTL_RCU_ID);
	return NULL;
}

struct sm_ctl *
sm_ctl_create(const struct sm_ctl_params *p)
{
	struct sm_ctl *c = calloc(1, sizeof(*c));

	if (c == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	c->p = *p;
	c->cli = sm_cli_create(&ctl_cli_ops, c);
	if (c->cli == NULL) {
		free(c);
		rte_errno = ENOMEM;
		return NULL;
	}
	return c;
}

int
sm_ctl_start(struct sm_ctl *c)
{
	int rc = rte_ctrl_thread_create(&c->thread, "sm-ctl", NULL, ctl_main, c);

	return rc == 0 ? 0 : -rc;
}

int
sm_ctl_join(struct sm_ctl *c)
{
	pthread_join(c->thread, NULL);
	return c->rc;
}

void
sm_ctl_free(struct sm_ctl *c)
{
	if (c == NULL)
		return;
	sm_cli_free(c->cli);
	free(c);
}
