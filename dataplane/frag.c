/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_errno.h>
#include <rte_ip.h>
#include <rte_ip_frag.h>
#include <rte_malloc.h>

#include "sessmon/frag.h"
#include "sessmon/pkt.h"

/* Ready packets: one reassembled datagram plus a full death row. */
#define READY_LEN (RTE_IP_FRAG_DEATH_ROW_MBUF_LEN + 1)
/* IPv6 header + fragment header: the only layout rte_ip_frag rebuilds. */
/* Entries per hash bucket (a power of two; DPDK's examples use 16). */
#define BUCKET_ENTRIES 16
#define IPV6_FRAG_L3_LEN (sizeof(struct rte_ipv6_hdr) + sizeof(struct rte_ipv6_fragment_ext))

struct sm_frag {
	struct rte_ip_frag_tbl *tbl;
	uint64_t timeout_us;
	unsigned int n_ready, next_ready;
	struct rte_mbuf *ready[READY_LEN];
	struct rte_ip_frag_death_row dr;
};

struct sm_frag *
sm_frag_create(unsigned int max_datagrams, uint64_t timeout_us, int socket)
{
	struct sm_frag *f = rte_zmalloc_socket("sm_frag", sizeof(*f), RTE_CACHE_LINE_SIZE, socket);

	if (f == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	/* Timestamps are network µs, so "cycles" are µs here. */
	f->tbl = rte_ip_frag_table_create(max_datagrams, BUCKET_ENTRIES,
					  max_datagrams, timeout_us, socket);
	if (f->tbl == NULL) {
		rte_free(f);
		return NULL;
	}
	f->timeout_us = timeout_us;
	return f;
}

void
sm_frag_free(struct sm_frag *f)
{
	if (f == NULL)
		return;
	/* Expiring everything moves every held mbuf to the death row. */
	do {
		rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr, UINT64_MAX - f->timeout_us);
		rte_ip_frag_free_death_row(&f->dr, 0);
	} while (f->dr.cnt > 0);
	rte_pktmbuf_free_bulk(f->ready + f->next_ready, f->n_ready - f->next_ready);
	rte_ip_frag_table_destroy(f->tbl);
	rte_free(f);
}

static void
make_ready(struct sm_frag *f, struct rte_mbuf *m)
{
	/* Callers drain before feeding again, so this cannot overflow. */
	RTE_VERIFY(f->n_ready < READY_LEN);
	f->ready[f->n_ready++] = m;
}

/* Fold the wire accounting of every fragment chained behind @p head into
 * the head's metadata (a fragment's own extra segments carry n_wire 0). */
static void
tally_chain(struct rte_mbuf *head)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(head);

	for (struct rte_mbuf *seg = head->next; seg != NULL; seg = seg->next) {
		struct sm_pkt_meta *sp = sm_pkt_meta(seg);

		if (sp->n_wire == 0)
			continue;
		pm->n_wire += sp->n_wire;
		pm->ip_bytes += sp->ip_bytes;
		pm->seq = RTE_MIN(pm->seq, sp->seq);
		pm->ts_first_us = RTE_MIN(pm->ts_first_us, sp->ts_first_us);
		pm->ts_us = RTE_MAX(pm->ts_us, sp->ts_us);
		sp->n_wire = 0;
	}
}

static const uint8_t *
src_addr(const struct sm_pkt_meta *pm)
{
	return pm->key.addr[(pm->flags & SM_PF_FROM_LO) ? 0 : 1];
}

static const uint8_t *
dst_addr(const struct sm_pkt_meta *pm)
{
	return pm->key.addr[(pm->flags & SM_PF_FROM_LO) ? 1 : 0];
}

/* The reassembly identity: (src, dst, proto, id) for IPv4, (src, dst, id)
 * for IPv6 (whose first fragment's key protocol may lie past further
 * extension headers). */
static bool
same_datagram(const struct sm_pkt_meta *a, const struct sm_pkt_meta *b)
{
	return a->key.family == b->key.family && a->frag_id == b->frag_id &&
	       (a->key.family == 6 || a->key.proto == b->key.proto) &&
	       memcmp(src_addr(a), src_addr(b), 16) == 0 && memcmp(dst_addr(a), dst_addr(b), 16) == 0;
}

/* A non-first fragment takes its first fragment's session. */
static void
adopt_key(struct sm_pkt_meta *later, const struct sm_pkt_meta *first)
{
	later->key = first->key;
	later->hash = first->hash;
	later->flags = (uint8_t)((later->flags & ~(SM_PF_FROM_LO | SM_PF_FRAG_LATER)) |
				 (first->flags & SM_PF_FROM_LO));
}

/* Make a fragment ready on its own; a non-first one stays an orphan. */
static void
release_alone(struct sm_frag *f, struct rte_mbuf *m, struct sm_counters *cnt)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(m);

	if (pm->flags & SM_PF_FRAG_LATER)
		sm_counter_add(cnt, SM_CNT_FRAG_ORPHANS, pm->n_wire);
	make_ready(f, m);
}

/* Fragments of datagrams that will not complete leave the death row as
 * packets of their sessions. rte_ip_frag moves all fragments of one
 * datagram to the death row together, so a first fragment is found in the
 * same batch as its later fragments. */
static void
release_death_row(struct sm_frag *f, struct sm_counters *cnt)
{
	struct rte_mbuf **row = f->dr.row;
	unsigned int n = f->dr.cnt;

	for (unsigned int i = 0; i < n; i++)
		tally_chain(row[i]);
	for (unsigned int i = 0; i < n; i++) {
		struct sm_pkt_meta *pm = sm_pkt_meta(row[i]);
		bool counted = false;

		for (unsigned int j = 0; j < i && !counted; j++)
			counted = same_datagram(pm, sm_pkt_meta(row[j]));
		if (!counted)
			sm_counter_inc(cnt, SM_CNT_FRAG_INCOMPLETE);
	}
	for (unsigned int i = 0; i < n; i++) {
		struct sm_pkt_meta *pm = sm_pkt_meta(row[i]);

		for (unsigned int j = 0; j < n && (pm->flags & SM_PF_FRAG_LATER); j++) {
			const struct sm_pkt_meta *first = sm_pkt_meta(row[j]);

			if (!(first->flags & SM_PF_FRAG_LATER) && same_datagram(pm, first))
				adopt_key(pm, first);
		}
		release_alone(f, row[i], cnt);
	}
	f->dr.cnt = 0;
}

/* rte_ip_frag rebuilds only what it can read in the first segment, with
 * the header lengths saying what was sent; anything else is counted
 * fragment by fragment without reassembly. */
static bool
reassemblable(const struct rte_mbuf *m, const struct sm_pkt_meta *pm)
{
	/* sm_parse_pkt() zeroes l3_len when rte_ip_frag cannot take it. */
	if (m->l3_len == 0 || m->data_len < m->l2_len + m->l3_len)
		return false;
	return pm->key.family == 4 || m->l3_len == IPV6_FRAG_L3_LEN;
}

unsigned int
sm_frag_feed(struct sm_frag *f, struct rte_mbuf *m, struct sm_counters *cnt)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(m);
	struct rte_mbuf *out;

	if (!reassemblable(m, pm)) {
		release_alone(f, m, cnt);
		return f->n_ready - f->next_ready;
	}
	for (struct rte_mbuf *seg = m->next; seg != NULL; seg = seg->next)
		sm_pkt_meta(seg)->n_wire = 0;
	if (pm->key.family == 4) {
		struct rte_ipv4_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv4_hdr *, m->l2_len);

		out = rte_ipv4_frag_reassemble_packet(f->tbl, &f->dr, m, pm->ts_us, ip);
	} else {
		struct rte_ipv6_hdr *ip = rte_pktmbuf_mtod_offset(m, struct rte_ipv6_hdr *, m->l2_len);

		out = rte_ipv6_frag_reassemble_packet(f->tbl, &f->dr, m, pm->ts_us, ip,
						      (struct rte_ipv6_fragment_ext *)(ip + 1));
	}
	for (unsigned int i = 0; i < f->dr.cnt; i++)
		if (f->dr.row[i] == m)
			sm_counter_inc(cnt, SM_CNT_FRAG_BAD);
	if (out != NULL) {
		struct sm_pkt_meta *opm = sm_pkt_meta(out);

		tally_chain(out);
		/* rte_ip_frag removed the IPv6 fragment header in front. */
		if (opm->key.family == 6)
			opm->l4_off -= sizeof(struct rte_ipv6_fragment_ext);
		sm_counter_inc(cnt, SM_CNT_FRAG_REASSEMBLED);
		make_ready(f, out);
	}
	release_death_row(f, cnt);
	return f->n_ready - f->next_ready;
}

unsigned int
sm_frag_expire(struct sm_frag *f, uint64_t now_us, bool flush_all, struct sm_counters *cnt)
{
	/* An entry expires when start + timeout < tms. */
	rte_ip_frag_table_del_expired_entries(f->tbl, &f->dr,
					      flush_all ? now_us + f->timeout_us + 1 : now_us);
	release_death_row(f, cnt);
	return f->n_ready - f->next_ready;
}

unsigned int
sm_frag_drain(struct sm_frag *f, struct rte_mbuf **out, unsigned int n)
{
	unsigned int k = RTE_MIN(n, f->n_ready - f->next_ready);

	memcpy(out, f->ready + f->next_ready, k * sizeof(*out));
	f->next_ready += k;
	if (f->next_ready == f->n_ready)
		f->n_ready = f->next_ready = 0;
	return k;
}
