/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the parser, and the reassembly behind it.
 *
 * Each input is one captured frame (its bytes from the Ethernet header on).
 * It is copied into mbufs twice: in one segment (chained 2 KB segments when
 * longer) and split at a point taken from its bytes, and both copies are
 * parsed. A fragment then goes to one reassembly context that lives for
 * the whole run, as at ingress, so consecutive inputs (libFuzzer mutates
 * one seed many times over) meet as fragments of one datagram. Network
 * time advances by a fixed step per input, so fragments expire after a few
 * inputs and the state a crash depends on is short.
 *
 * Besides the sanitizers, it aborts when:
 * - the two copies parse differently (headers across segments);
 * - a dropped frame is counted nowhere;
 * - a kept frame's key, hash or lengths are inconsistent;
 * - a fragment offered to rte_ip_frag (l3_len != 0) whose m->l2_len does
 *   not point at the IP header the parser found
 *   (rte_ip_frag reads the header there);
 * - a packet out of reassembly is not a well-formed chain;
 * - an mbuf goes missing: after each input the pool lacks exactly the
 *   segments the reassembly context still holds.
 * The mempool is ordinary memory to ASan, so the bytes of each segment
 * outside its data are poisoned while the code under test runs: reading
 * past the captured frame is reported even inside the pool.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <rte_debug.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sessmon/counters.h"
#include "sessmon/frag.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/tuple.h"
#include "test_eal.h"

/* Longer inputs are skipped: beyond a jumbo frame they only slow the run. */
#define INPUT_MAX 16384
/* Held fragments stay bounded: datagrams x RTE_LIBRTE_IP_FRAG_MAX_FRAG
 * fragments x segments each, far below the pool. */
#define FRAG_DATAGRAMS 32
#define POOL_MBUFS 4096
/* Network time per input and a datagram's lifetime: about ten inputs. */
#define STEP_US 100
#define TIMEOUT_US 1000
#define BURST 32

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct rte_mempool *pool;
static struct sm_frag *frag;
static struct sm_counters cnt;
static uint64_t now_us, seq;
/* Segments the reassembly context holds. */
static unsigned int held_segs;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	pool = sm_test_eal_init((*argv)[0], POOL_MBUFS);
	frag = sm_frag_create(FRAG_DATAGRAMS, TIMEOUT_US, SOCKET_ID_ANY);
	RTE_VERIFY(frag != NULL);
	return 0;
}

static unsigned int
count_segs(const struct rte_mbuf *m)
{
	unsigned int n = 0;

	for (; m != NULL; m = m->next)
		n++;
	return n;
}

static void
poison_outside_data(struct rte_mbuf *m)
{
	for (; m != NULL; m = m->next) {
		char *buf = m->buf_addr;
		uint32_t end = (uint32_t)m->data_off + m->data_len;

		ASAN_POISON_MEMORY_REGION(buf, m->data_off);
		ASAN_POISON_MEMORY_REGION(buf + end, m->buf_len - end);
	}
}

/* The pool and the next user write anywhere in the buffers. */
static void
release(struct rte_mbuf *m)
{
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		ASAN_UNPOISON_MEMORY_REGION(s->buf_addr, s->buf_len);
	rte_pktmbuf_free(m);
}

static struct rte_mbuf *
segment(const uint8_t *data, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	RTE_VERIFY(m != NULL);
	ASAN_UNPOISON_MEMORY_REGION(m->buf_addr, m->buf_len);
	RTE_VERIFY(len <= rte_pktmbuf_tailroom(m));
	/* An empty input may come without a buffer. */
	if (len > 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), data, len);
	return m;
}

/* The frame in a chain whose first segment holds @p first bytes and the
 * others as much as fits. */
static struct rte_mbuf *
to_mbuf(const uint8_t *data, size_t size, size_t first)
{
	struct rte_mbuf *head = segment(data, first);
	size_t room = rte_pktmbuf_tailroom(head) + rte_pktmbuf_data_len(head);

	for (size_t off = first; off < size; off += room)
		RTE_VERIFY(rte_pktmbuf_chain(head, segment(data + off, RTE_MIN(room, size - off))) == 0);
	poison_outside_data(head);
	return head;
}

/* What a parse produced, compared bytewise between the two copies. */
struct result {
	enum sm_parse_result r;
	uint8_t l2_len;
	uint16_t l3_len;
	struct sm_counters cnt;
	struct sm_pkt_meta pm;
};

static void
parse(struct rte_mbuf *m, struct result *res)
{
	struct sm_pkt_meta *pm = sm_pkt_meta(m);

	memset(res, 0, sizeof(*res));
	/* Zeroed so that the copies' metadata compare, padding too. */
	memset(pm, 0, sizeof(*pm));
	pm->ts_us = pm->ts_first_us = now_us;
	pm->seq = seq;
	m->l2_len = 0;
	m->l3_len = 0;
	res->r = sm_parse_pkt(m, pm, &res->cnt);
	res->l2_len = (uint8_t)m->l2_len;
	res->l3_len = (uint16_t)m->l3_len;
	res->pm = *pm;
}

static bool
key_is_canonical(const struct sm_sess_key *k)
{
	static const uint8_t zero[16];
	unsigned int alen = sm_tuple_addr_len(k);

	if (k->family != 4 && k->family != 6)
		return false;
	if (k->kind >= SM_KEY_KIND_MAX || memcmp(k->pad, zero, sizeof(k->pad)) != 0)
		return false;
	for (unsigned int e = 0; e < 2; e++)
		if (memcmp(k->addr[e] + alen, zero, 16 - alen) != 0)
			return false;
	/* Endpoint 0 is the lower address (ports decide between equals,
	 * except in the fixed (type, code) slots). */
	return memcmp(k->addr[0], k->addr[1], alen) <= 0;
}

static void
check_result(const struct rte_mbuf *m, const struct result *res)
{
	const struct sm_pkt_meta *pm = &res->pm;
	uint64_t counted = 0;

	for (unsigned int i = 0; i < SM_CNT_MAX; i++)
		counted += res->cnt.v[i];
	if (res->r == SM_PARSE_DROP) {
		RTE_VERIFY(counted > 0);
		return;
	}
	RTE_VERIFY(res->r == SM_PARSE_OK || res->r == SM_PARSE_FRAGMENT);
	RTE_VERIFY(key_is_canonical(&pm->key));
	RTE_VERIFY(pm->hash == sm_tuple_hash(&pm->key));
	RTE_VERIFY(pm->kind == SM_PKT_SESSION || pm->kind == SM_PKT_ICMP_ERROR);
	RTE_VERIFY(pm->n_wire == 1);
	RTE_VERIFY(pm->ip_bytes >= (pm->key.family == 4 ? 20u : 40u));
	RTE_VERIFY(pm->l3_off >= RTE_ETHER_HDR_LEN && pm->l3_off < rte_pktmbuf_pkt_len(m));
	RTE_VERIFY(!(pm->flags & SM_PF_FRAG_LATER) || (pm->flags & SM_PF_FRAGMENTED));
	if (res->r == SM_PARSE_FRAGMENT) {
		RTE_VERIFY(pm->flags & SM_PF_FRAGMENTED);
		/* l3_len 0: passed alone, never given to rte_ip_frag */
		RTE_VERIFY(res->l3_len == 0 || res->l2_len == pm->l3_off);
	}
}

/* A packet out of reassembly: one consistent chain standing for at least
 * one wire packet. */
static void
check_ready(struct rte_mbuf *m)
{
	const struct sm_pkt_meta *pm = sm_pkt_meta(m);
	uint32_t len = 0;

	for (const struct rte_mbuf *s = m; s != NULL; s = s->next)
		len += s->data_len;
	RTE_VERIFY(len == rte_pktmbuf_pkt_len(m));
	RTE_VERIFY(count_segs(m) == m->nb_segs);
	RTE_VERIFY(pm->n_wire >= 1);
	RTE_VERIFY(pm->flags & SM_PF_FRAGMENTED);
	RTE_VERIFY(key_is_canonical(&pm->key));
	RTE_VERIFY(pm->hash == sm_tuple_hash(&pm->key));
}

static void
drain(void)
{
	struct rte_mbuf *out[BURST];
	unsigned int n;

	while ((n = sm_frag_drain(frag, out, BURST)) > 0) {
		for (unsigned int i = 0; i < n; i++) {
			unsigned int segs = count_segs(out[i]);

			check_ready(out[i]);
			RTE_VERIFY(segs <= held_segs);
			held_segs -= segs;
			release(out[i]);
		}
	}
}

/* A split point in [1, min(size - 1, room)] that changes with the bytes. */
static size_t
split_point(const uint8_t *data, size_t size, size_t room)
{
	uint32_t h = 2166136261u;

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 16777619u;
	return 1 + h % RTE_MIN(size - 1, room);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t room = RTE_MBUF_DEFAULT_DATAROOM;
	struct rte_mbuf *whole, *split, *keep;
	struct result rw, rs;

	if (size > INPUT_MAX)
		return 0;
	now_us += STEP_US;
	seq++;
	whole = to_mbuf(data, size, RTE_MIN(size, room));
	parse(whole, &rw);
	check_result(whole, &rw);
	keep = whole;
	if (size >= 2) {
		size_t at = split_point(data, size, room);

		split = to_mbuf(data, size, at);
		parse(split, &rs);
		RTE_VERIFY(memcmp(&rw, &rs, sizeof(rw)) == 0);
		/* Either copy goes on; the split one tests how reassembly
		 * takes headers that straddle segments. */
		if (at & 1) {
			release(whole);
			keep = split;
		} else {
			release(split);
		}
	}
	if (rw.r == SM_PARSE_FRAGMENT) {
		held_segs += count_segs(keep);
		sm_frag_feed(frag, keep, &cnt);
		drain();
	} else {
		release(keep);
	}
	while (sm_frag_expire(frag, now_us, false, &cnt) > 0)
		drain();
	RTE_VERIFY(rte_mempool_in_use_count(pool) == held_segs);
	return 0;
}
