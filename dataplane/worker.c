/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_pause.h>
#include <rte_prefetch.h>

#include "sessmon/pkt.h"
#include "sessmon/worker.h"

/* Sessions the wheel examines at most per burst: bounds the ageing work a
 * single burst can add, whatever the table size. */
#define AGEING_BUDGET 256
/* Bursts between two looks at the command ring while traffic flows. */
#define CMD_POLL_EVERY 16

static struct rte_ring *
ring_create(const char *fmt, uint16_t id, unsigned int size, unsigned int esize, int socket)
{
	char name[RTE_RING_NAMESIZE];

	snprintf(name, sizeof(name), fmt, id);
	return rte_ring_create_elem(name, esize, size, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
}

struct sm_worker *
sm_worker_create(const struct sm_worker_params *p)
{
	char name[32];
	struct sm_worker *w;

	w = rte_zmalloc_socket("sm_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, p->socket);
	if (w == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	w->id = p->id;
	w->timers = *p->timers;
	w->sig = p->sig;
	w->idle_sleep_us = p->idle_sleep_us;
	snprintf(name, sizeof(name), "sm_sess%u", p->id);
	w->tbl = sm_sess_table_create(name, p->sessions, p->rcu, p->socket);
	w->age = rte_zmalloc_socket("sm_ageing", sizeof(*w->age), RTE_CACHE_LINE_SIZE, p->socket);
	w->rx = ring_create("sm_rx%u", p->id, p->ring_size, sizeof(void *), p->socket);
	/* Commands come in batches of at most a dump chunk; replies are one
	 * per barrier and the control thread waits for each. */
	w->cmd = ring_create("sm_cmd%u", p->id, 4096, sizeof(struct sm_cmd), p->socket);
	w->rsp = ring_create("sm_rsp%u", p->id, 256, sizeof(struct sm_cmd), p->socket);
	if (p->ev != NULL && p->insp != NULL && w->tbl != NULL) {
		struct sm_ev_ring_params ep = *p->ev;
		struct sm_inspect_params ip = *p->insp;

		ep.worker = p->id;
		ep.socket = p->socket;
		w->ev = sm_ev_ring_create(&ep);
		ip.worker = p->id;
		ip.socket = p->socket;
		ip.sessions = p->sessions;
		ip.ev = w->ev;
		ip.sig = w->sig;
		w->insp = w->ev != NULL ? sm_inspect_create(&ip) : NULL;
	}
	if (w->tbl == NULL || w->age == NULL || w->rx == NULL || w->cmd == NULL || w->rsp == NULL ||
	    (p->ev != NULL && p->insp != NULL && w->insp == NULL)) {
		int err = rte_errno ? rte_errno : ENOMEM;

		sm_worker_free(w);
		rte_errno = err;
		return NULL;
	}
	sm_ageing_init(w->age, 0);
	return w;
}

void
sm_worker_free(struct sm_worker *w)
{
	if (w == NULL)
		return;
	if (w->rx != NULL) {
		void *m;

		while (rte_ring_dequeue(w->rx, &m) == 0)
			rte_pktmbuf_free(m);
	}
	rte_ring_free(w->rx);
	rte_ring_free(w->cmd);
	rte_ring_free(w->rsp);
	sm_inspect_free(w->insp);
	sm_sig_worker_free(w->sig);
	sm_ev_ring_free(w->ev);
	rte_free(w->age);
	sm_sess_table_free(w->tbl);
	rte_free(w);
}

static void
end_session(struct sm_worker *w, uint32_t slot, enum sm_end_reason why)
{
	static const enum sm_counter reason_counter[] = {
		[SM_END_EXPIRED] = SM_CNT_SESS_EXPIRED,
		[SM_END_CLEARED] = SM_CNT_SESS_CLEARED,
		[SM_END_EVICTED] = SM_CNT_SESS_EVICTED,
		[SM_END_SHUTDOWN] = SM_CNT_SESS_SHUTDOWN,
	};

	struct sm_session *s = &w->tbl->sess[slot];

	if (s->insp != NULL) {
		struct sm_sess_key key;

		/* An expired session ended when its timer ran out, whenever
		 * the wheel or a packet noticed: its events carry that time,
		 * whatever the number of workers. */
		uint64_t ts = why == SM_END_EXPIRED ? sm_session_expiry(s, &w->timers) : w->now_us;

		if (sm_sess_table_key(w->tbl, slot, &key) == 0)
			sm_inspect_end(w->insp, s, &key, why, ts);
	}
	sm_ageing_unlink(w->age, w->tbl->sess, slot);
	sm_sess_table_del(w->tbl, slot);
	sm_counter_inc(&w->cnt, reason_counter[why]);
}

static void
count_setup(struct sm_worker *w, uint64_t ts_us)
{
	uint64_t sec = ts_us / SM_US_PER_S;

	if (sec != w->setup_sec) {
		w->setup_rate = sec == w->setup_sec + 1 ? w->setup_cur : 0;
		w->setup_sec = sec;
		w->setup_cur = 0;
	}
	w->setup_cur++;
}

/* Create the session of @pm; evict the session due soonest if full. */
static int32_t
create_session(struct sm_worker *w, const struct sm_pkt_meta *pm)
{
	int32_t slot = sm_sess_table_add(w->tbl, &pm->key, pm->hash);

	if (slot == -ENOSPC) {
		int64_t victim = sm_ageing_oldest(w->age);

		if (victim >= 0) {
			end_session(w, (uint32_t)victim, SM_END_EVICTED);
			slot = sm_sess_table_add(w->tbl, &pm->key, pm->hash);
		}
	}
	if (slot < 0) {
		sm_counter_inc(&w->cnt, SM_CNT_SESS_TABLE_FULL);
		return slot;
	}
	sm_session_init(&w->tbl->sess[slot], pm);
	if (w->insp != NULL)
		sm_inspect_begin(w->insp, &w->tbl->sess[slot], pm);
	sm_ageing_link(w->age, w->tbl->sess, (uint32_t)slot, &w->timers);
	sm_counter_inc(&w->cnt, SM_CNT_SESS_CREATED);
	count_setup(w, pm->ts_first_us);
	return slot;
}

static bool
is_expired(const struct sm_worker *w, uint32_t slot, uint64_t ts_us)
{
	return sm_session_expiry(&w->tbl->sess[slot], &w->timers) <= ts_us;
}

/* One packet of a session. @stale: the bulk lookup result can no longer be
 * trusted because this burst already added or removed a session. */
static void
account_packet(struct sm_worker *w, struct rte_mbuf *m, int32_t slot, bool *stale)
{
	const struct sm_pkt_meta *pm = sm_pkt_meta(m);
	struct sm_session *s;
	uint8_t timer;
	int dir;

	if (*stale)
		slot = sm_sess_table_lookup(w->tbl, &pm->key, pm->hash);
	/* Expiry is exact per packet: a session idle past its timer ends
	 * here even if the wheel has not reaped it yet, so results do not
	 * depend on burst boundaries or on the number of workers. */
	if (slot >= 0 && is_expired(w, (uint32_t)slot, pm->ts_us)) {
		end_session(w, (uint32_t)slot, SM_END_EXPIRED);
		slot = -ENOENT;
	}
	if (slot < 0) {
		*stale = true;
		slot = create_session(w, pm);
		if (slot < 0)
			return;
	}
	s = &w->tbl->sess[slot];
	timer = s->timer;
	dir = sm_session_update(s, pm);
	if (s->insp != NULL)
		sm_inspect_packet(w->insp, s, m, dir);
	/* Only a timer change can move the expiry earlier than the wheel
	 * slot the session sits in; later expiries are found lazily. */
	if (s->timer != timer) {
		sm_ageing_unlink(w->age, w->tbl->sess, (uint32_t)slot);
		sm_ageing_link(w->age, w->tbl->sess, (uint32_t)slot, &w->timers);
	}
}

static void
account_icmp_error(struct sm_worker *w, const struct sm_pkt_meta *pm, int32_t slot, bool stale)
{
	if (stale)
		slot = sm_sess_table_lookup(w->tbl, &pm->key, pm->hash);
	if (slot < 0 || is_expired(w, (uint32_t)slot, pm->ts_us)) {
		sm_counter_inc(&w->cnt, SM_CNT_ICMP_ERR_NO_SESSION);
		return;
	}
	sm_session_icmp_error(&w->tbl->sess[slot], pm);
	sm_counter_inc(&w->cnt, SM_CNT_ICMP_ERRORS);
}

static void
expire_due(struct sm_worker *w, unsigned int budget)
{
	uint32_t due[64];
	unsigned int n;

	do {
		n = sm_ageing_expire(w->age, w->tbl->sess, w->now_us, &w->timers,
				     due, RTE_DIM(due), budget);
		for (unsigned int i = 0; i < n; i++)
			end_session(w, due[i], SM_END_EXPIRED);
	} while (n == RTE_DIM(due) && budget == UINT32_MAX);
}

void
sm_worker_burst(struct sm_worker *w, struct rte_mbuf **pkts, unsigned int n)
{
	const struct sm_sess_key *keys[SM_WORKER_BURST];
	uint32_t hashes[SM_WORKER_BURST];
	int32_t slots[SM_WORKER_BURST];
	bool stale = false;

	RTE_ASSERT(n <= SM_WORKER_BURST);
	if (n == 0)
		return;
	/* The metadata was written on the ingress core and the records are
	 * spread over the whole table: start every miss of the burst at
	 * once rather than one after another. */
	for (unsigned int i = 0; i < n; i++)
		rte_prefetch0(sm_pkt_meta(pkts[i]));
	for (unsigned int i = 0; i < n; i++) {
		const struct sm_pkt_meta *pm = sm_pkt_meta(pkts[i]);

		keys[i] = &pm->key;
		hashes[i] = pm->hash;
	}
	sm_sess_table_lookup_bulk(w->tbl, keys, hashes, n, slots);
	for (unsigned int i = 0; i < n; i++)
		if (slots[i] >= 0) {
			const struct sm_session *r = &w->tbl->sess[slots[i]];

			rte_prefetch0(r);
			rte_prefetch0((const char *)r + RTE_CACHE_LINE_SIZE);
		}
	for (unsigned int i = 0; i < n; i++) {
		const struct sm_pkt_meta *pm = sm_pkt_meta(pkts[i]);

		if (pm->ts_us > w->now_us)
			w->now_us = pm->ts_us;
		if (pm->kind == SM_PKT_SESSION)
			account_packet(w, pkts[i], slots[i], &stale);
		else if (pm->kind == SM_PKT_ICMP_ERROR)
			account_icmp_error(w, pm, slots[i], stale);
	}
	rte_pktmbuf_free_bulk(pkts, n);
	expire_due(w, AGEING_BUDGET);
}

static void
drain_rx(struct sm_worker *w)
{
	struct rte_mbuf *pkts[SM_WORKER_BURST];
	unsigned int n;

	while ((n = rte_ring_dequeue_burst(w->rx, (void **)pkts, SM_WORKER_BURST, NULL)) > 0)
		sm_worker_burst(w, pkts, n);
}

static void
run_command(struct sm_worker *w, const struct sm_cmd *c)
{
	struct sm_cmd r;

	switch (c->type) {
	case SM_CMD_ADVANCE:
		drain_rx(w);
		if (c->arg > w->now_us)
			w->now_us = c->arg;
		expire_due(w, UINT32_MAX);
		break;
	case SM_CMD_DELETE:
		if (c->slot < w->tbl->capacity && c->arg != 0 &&
		    w->tbl->sess[c->slot].serial == (uint32_t)c->arg)
			end_session(w, c->slot, SM_END_CLEARED);
		break;
	case SM_CMD_SHUTDOWN:
		drain_rx(w);
		/* The wheel reaps a second once it is past; a session due
		 * within the last second of the input still ends as expired. */
		for (uint32_t slot = 0; slot < w->tbl->capacity; slot++)
			if (w->tbl->sess[slot].serial != 0)
				end_session(w, slot, is_expired(w, slot, w->now_us) ? SM_END_EXPIRED
										    : SM_END_SHUTDOWN);
		break;
	case SM_CMD_SIG_SWAP: {
		struct sm_sig_swap *sw = (struct sm_sig_swap *)(uintptr_t)c->arg;

		if (w->sig != NULL)
			sm_sig_worker_swap(w->sig, sw->rs, sw->scratch, &sw->old);
		else
			sw->old = sw->scratch;
		break;
	}
	case SM_CMD_BARRIER:
		r = (struct sm_cmd){ .type = SM_CMD_REPLY, .arg = c->arg,
				     .slot = sm_sess_table_count(w->tbl) };
		if (rte_ring_enqueue_elem(w->rsp, &r, sizeof(r)) != 0)
			sm_counter_inc(&w->cnt, SM_CNT_CMD_RING_FULL);
		break;
	default:
		break;
	}
}

unsigned int
sm_worker_poll_commands(struct sm_worker *w)
{
	struct sm_cmd c[16];
	unsigned int n, total = 0;

	while ((n = rte_ring_dequeue_burst_elem(w->cmd, c, sizeof(c[0]), RTE_DIM(c), NULL)) > 0) {
		for (unsigned int i = 0; i < n; i++)
			run_command(w, &c[i]);
		total += n;
	}
	return total;
}

int
sm_worker_main(void *arg)
{
	struct sm_worker *w = arg;
	struct rte_mbuf *pkts[SM_WORKER_BURST];
	unsigned int idle = 0, iter = 0;

	while (!w->stop) {
		unsigned int n = rte_ring_dequeue_burst(w->rx, (void **)pkts, SM_WORKER_BURST, NULL);

		if (n > 0) {
			sm_worker_burst(w, pkts, n);
			idle = 0;
			if (++iter % CMD_POLL_EVERY == 0)
				sm_worker_poll_commands(w);
			continue;
		}
		if (sm_worker_poll_commands(w) > 0)
			continue;
		/* Offline, workers share two cores with the reader: an idle
		 * worker that spins would starve the lcore feeding it. */
		if (w->idle_sleep_us != 0 && ++idle > 64)
			usleep(w->idle_sleep_us);
		else
			rte_pause();
	}
	sm_worker_poll_commands(w);
	return 0;
}
