/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf_dyn.h>
#include <rte_pause.h>

#include "sessmon/frag.h"
#include "sessmon/ingress.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/tuple.h"

#define RX_BURST 32
/* Datagrams in reassembly at once, and how long one may wait for its
 * missing fragments (RFC 8200's 60 s; Linux uses 30 s for IPv4). */
#define FRAG_FLOWS 4096
#define FRAG_TIMEOUT_US (60 * SM_US_PER_S)

/* Per-worker staging so rings are filled a burst at a time. */
struct stage {
	struct rte_mbuf *m[RX_BURST];
	unsigned int n;
};

int
sm_ingress_init(struct sm_ingress *in, const uint16_t *ports, unsigned int n_ports,
		struct sm_worker **workers, unsigned int n_workers, struct rte_mempool *pool)
{
	if (n_ports == 0 || n_ports > SM_INGRESS_MAX_PORTS || n_workers == 0)
		return -EINVAL;
	memset(in, 0, sizeof(*in));
	in->workers = workers;
	in->n_workers = n_workers;
	in->pool = pool;
	in->n_ports = n_ports;
	for (unsigned int i = 0; i < n_ports; i++)
		in->ports[i].port_id = ports[i];
	/* net_pcap registers the standard Rx timestamp field when it starts;
	 * a port without it (a live NIC) is stamped from the TSC instead. */
	in->ts_offset = rte_mbuf_dynfield_lookup(RTE_MBUF_DYNFIELD_TIMESTAMP_NAME, NULL);
	int bit = rte_mbuf_dynflag_lookup(RTE_MBUF_DYNFLAG_RX_TIMESTAMP_NAME, NULL);

	in->ts_flag = bit >= 0 ? RTE_BIT64(bit) : 0;
	in->frag = sm_frag_create(FRAG_FLOWS, FRAG_TIMEOUT_US, (int)rte_socket_id());
	return in->frag == NULL ? -ENOMEM : 0;
}

void
sm_ingress_fini(struct sm_ingress *in)
{
	sm_frag_free(in->frag);
	in->frag = NULL;
}

static uint64_t
wall_us(void)
{
	static uint64_t base_us, base_tsc;

	if (base_tsc == 0) {
		struct timeval tv;

		gettimeofday(&tv, NULL);
		base_us = (uint64_t)tv.tv_sec * SM_US_PER_S + (uint64_t)tv.tv_usec;
		base_tsc = rte_get_tsc_cycles();
	}
	return base_us + (rte_get_tsc_cycles() - base_tsc) * SM_US_PER_S / rte_get_tsc_hz();
}

static void
stamp(struct sm_ingress *in, struct rte_mbuf *m, struct sm_pkt_meta *pm)
{
	if (in->ts_offset >= 0 && (m->ol_flags & in->ts_flag))
		pm->ts_us = *RTE_MBUF_DYNFIELD(m, in->ts_offset, rte_mbuf_timestamp_t *);
	else
		pm->ts_us = wall_us();
	pm->ts_first_us = pm->ts_us;
	pm->seq = ++in->seq;
	pm->in_port = m->port;
	if (in->seq == 1)
		in->first_us = pm->ts_us;
	if (pm->ts_us > in->now_us)
		in->now_us = pm->ts_us;
}

static void
flush_stage(struct sm_ingress *in, struct stage *st, unsigned int w)
{
	unsigned int done = 0;
	bool waited = false;

	/* Wait even when stopping: every packet read is accounted (the
	 * workers run until the control thread is done). */
	while (done < st->n) {
		done += rte_ring_enqueue_burst(in->workers[w]->rx, (void **)st->m + done,
					       st->n - done, NULL);
		if (done < st->n) {
			if (!waited)
				sm_counter_inc(&in->cnt, SM_CNT_RING_FULL);
			waited = true;
			rte_pause();
		}
	}
	st->n = 0;
}

static void
dispatch(struct sm_ingress *in, struct stage *stages, struct rte_mbuf *m)
{
	unsigned int w = sm_tuple_worker(sm_pkt_meta(m)->hash, in->n_workers);
	struct stage *st = &stages[w];

	st->m[st->n++] = m;
	if (st->n == RX_BURST)
		flush_stage(in, st, w);
}

/* Dispatch every packet reassembly has made ready. */
static void
dispatch_fragments(struct sm_ingress *in, struct stage *stages)
{
	struct rte_mbuf *out[RX_BURST];
	unsigned int n;

	while ((n = sm_frag_drain(in->frag, out, RX_BURST)) > 0)
		for (unsigned int i = 0; i < n; i++)
			dispatch(in, stages, out[i]);
}

/* Packets parse drops for being malformed (net_weird names them by their
 * counter); the frames that are only not IP are not odd. */
static const enum sm_counter drop_reasons[] = {
	SM_CNT_L2_TRUNC, SM_CNT_IP_TRUNC, SM_CNT_IP_BAD_VERSION, SM_CNT_IP_BAD_HLEN,
	SM_CNT_IP_BAD_LEN, SM_CNT_IPV6_EXT_TRUNC, SM_CNT_IPV6_EXT_TOO_LONG,
	SM_CNT_ICMP_ERR_BAD_QUOTE,
};

/* Fragments reassembly refused or could not take (flow_weird). */
static const enum sm_counter frag_reasons[] = {
	SM_CNT_FRAG_BAD, SM_CNT_FRAG_UNREASSEMBLABLE,
};

/* The first of @reasons counted since the last look, or SM_CNT_MAX: one
 * packet moves at most one of them. */
static enum sm_counter
moved(struct sm_ingress *in, const enum sm_counter *reasons, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		enum sm_counter c = reasons[i];

		if (in->cnt.v[c] != in->weird_seen[c]) {
			in->weird_seen[c] = in->cnt.v[c];
			return c;
		}
	}
	return SM_CNT_MAX;
}

/* net_weird (no connection) or flow_weird (the packet's addresses) for an
 * oddity counted by @c, named by the counter. */
static void
weird(struct sm_ingress *in, enum sm_ev t, enum sm_counter c, const struct sm_pkt_meta *pm)
{
	struct sm_ev_rec *e = sm_ev_begin(in->ev, t, pm->ts_us, 0, NULL);
	unsigned int src = (pm->flags & SM_PF_FROM_LO) ? 0 : 1;

	if (e == NULL)
		return;
	sm_ev_str(e, "name", sm_counter_name(c), strlen(sm_counter_name(c)));
	if (t == SM_EV_FLOW_WEIRD) {
		sm_ev_addr(e, "src", pm->key.addr[src], pm->key.family);
		sm_ev_addr(e, "dst", pm->key.addr[src ^ 1], pm->key.family);
	}
	sm_ev_u64(e, "frame", pm->seq);
	sm_ev_commit(in->ev, e);
}

static void
handle(struct sm_ingress *in, struct stage *stages, struct rte_mbuf *m)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(m);
	bool weirds = in->ev != NULL;
	enum sm_counter c;
	struct sm_pkt_meta copy;

	stamp(in, m, pm);
	sm_counter_inc(&in->cnt, SM_CNT_RX_PKTS);
	sm_counter_add(&in->cnt, SM_CNT_RX_BYTES, rte_pktmbuf_pkt_len(m));
	switch (sm_parse_pkt(m, pm, &in->cnt)) {
	case SM_PARSE_OK:
		dispatch(in, stages, m);
		break;
	case SM_PARSE_FRAGMENT:
		/* The fragment may be on a worker's ring once fed: keep what
		 * its event needs. */
		weirds = weirds && sm_ev_enabled(in->ev, SM_EV_FLOW_WEIRD);
		if (weirds)
			copy = *pm;
		if (sm_frag_feed(in->frag, m, &in->cnt) > 0)
			dispatch_fragments(in, stages);
		if (weirds && (c = moved(in, frag_reasons, RTE_DIM(frag_reasons))) != SM_CNT_MAX)
			weird(in, SM_EV_FLOW_WEIRD, c, &copy);
		break;
	default:
		if (weirds && sm_ev_enabled(in->ev, SM_EV_NET_WEIRD) &&
		    (c = moved(in, drop_reasons, RTE_DIM(drop_reasons))) != SM_CNT_MAX)
			weird(in, SM_EV_NET_WEIRD, c, pm);
		rte_pktmbuf_free(m);
		break;
	}
}

static void
expire_fragments(struct sm_ingress *in, struct stage *stages, bool flush_all)
{
	while (sm_frag_expire(in->frag, in->now_us, flush_all, &in->cnt) > 0)
		dispatch_fragments(in, stages);
}

/*
 * A pcap port says nothing at the end of its file: rx returns 0 for ever.
 * A 0 with no new "no mbuf" event is therefore the end, and a new error
 * count means the file is corrupt or cut short.
 */
static bool
port_at_end(struct sm_ingress_port *p, uint64_t *nombuf)
{
	struct rte_eth_stats st;

	if (rte_eth_stats_get(p->port_id, &st) != 0)
		return true;
	if (st.rx_nombuf != *nombuf) {
		*nombuf = st.rx_nombuf;
		return false;
	}
	p->error = st.ierrors > 0;
	return true;
}

/* Offline reading is lossless: the pcap PMD consumes a record before it
 * asks for an mbuf, so reading with an empty pool would lose that record.
 * Wait for the workers to give mbufs back instead. */
static unsigned int
mbufs_for_me(const struct rte_mempool *mp)
{
	unsigned int avail = rte_mempool_avail_count(mp);
	unsigned int self = rte_lcore_id(), lc;

	/* Mbufs parked in another lcore's cache are counted as available
	 * but this lcore cannot take them. */
	RTE_LCORE_FOREACH(lc) {
		const struct rte_mempool_cache *c = rte_mempool_default_cache((struct rte_mempool *)mp, lc);

		if (lc != self && c != NULL)
			avail = avail > c->len ? avail - c->len : 0;
	}
	return avail;
}

static void
wait_for_mbufs(struct sm_ingress *in)
{
	while (mbufs_for_me(in->pool) < 4 * RX_BURST && !in->stop)
		rte_pause();
}

int
sm_ingress_main(void *arg)
{
	struct sm_ingress *in = arg;
	struct stage stages[SM_MAX_WORKERS];
	struct rte_mbuf *pkts[RX_BURST];
	uint64_t last_frag_sec = 0;

	memset(stages, 0, sizeof(stages));
	for (unsigned int i = 0; i < in->n_ports && !in->stop; i++) {
		struct sm_ingress_port *p = &in->ports[i];
		uint64_t nombuf = 0;

		while (!p->eof && !in->stop) {
			wait_for_mbufs(in);
			unsigned int n = rte_eth_rx_burst(p->port_id, 0, pkts, RX_BURST);

			if (n == 0) {
				p->eof = port_at_end(p, &nombuf);
				continue;
			}
			p->rx += n;
			for (unsigned int k = 0; k < n; k++)
				handle(in, stages, pkts[k]);
			if (in->now_us / SM_US_PER_S != last_frag_sec) {
				last_frag_sec = in->now_us / SM_US_PER_S;
				expire_fragments(in, stages, false);
			}
			/* Keep latency low when the input trickles. */
			for (unsigned int w = 0; w < in->n_workers; w++)
				if (stages[w].n > 0 && n < RX_BURST)
					flush_stage(in, &stages[w], w);
		}
	}
	expire_fragments(in, stages, true);
	for (unsigned int w = 0; w < in->n_workers; w++)
		flush_stage(in, &stages[w], w);
	__atomic_store_n(&in->done, 1, __ATOMIC_RELEASE);
	return 0;
}
