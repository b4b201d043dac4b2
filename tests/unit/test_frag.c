/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fragment reassembly and its wire accounting, on hand-built fragments
 * parsed by sm_parse_pkt() into real mbufs.
 *
 * The frames are written out byte by byte; expected values are worked out
 * by hand in the comments. Every test ends by freeing what it drained and
 * checking that the pool has all its mbufs back.
 */
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/common.h"
#include "sessmon/counters.h"
#include "sessmon/frag.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/tuple.h"
#include "test_eal.h"

/* Network time (µs) a datagram may wait for its missing fragments. */
#define TIMEOUT_US 1000

static struct rte_mempool *pool;
static struct sm_frag *frag;
static struct sm_counters cnt;       /* reassembly's */
static struct sm_counters parse_cnt; /* the parser's, not checked here */
static unsigned int avail_start;

/* ------------------------------------------------------------------ */
/* frames */

/* Ethernet destination 02:00:00:00:00:02, source 02:00:00:00:00:01. */
#define ETH_MACS 0x02, 0x00, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x00, 0x00, 0x00, 0x01
#define ETH_IPV4 ETH_MACS, 0x08, 0x00 /* EtherType IPv4 */
#define ETH_IPV6 ETH_MACS, 0x86, 0xdd /* EtherType IPv6 */
/* 2001:db8::<last> */
#define DOC6(last) 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (last)

/* The IPv4 header of a fragment of UDP 10.0.0.1:5000 -> 10.0.0.2:6000,
 * IP id 0xbeef, with total length (hi, lo) and flags/offset (hi, lo). */
#define IPV4_FRAG(len_hi, len_lo, fo_hi, fo_lo) \
	0x45, 0x00,             /* version 4, IHL 5; DSCP, ECN */ \
	(len_hi), (len_lo),     /* total length */ \
	0xbe, 0xef,             /* identification */ \
	(fo_hi), (fo_lo),       /* flags, fragment offset in 8-byte units */ \
	0x40, 0x11,             /* TTL 64, protocol UDP */ \
	0x00, 0x00,             /* header checksum (not checked) */ \
	10, 0, 0, 1,            /* source */ \
	10, 0, 0, 2             /* destination */

/* Datagram bytes 0-15: the UDP header (length 32) and data 0-7. */
static const uint8_t frag4_first[] = {
	ETH_IPV4,
	IPV4_FRAG(0x00, 0x24, 0x20, 0x00), /* total 36 = 20 + 16; MF, offset 0 */
	0x13, 0x88,             /* UDP source port 5000 */
	0x17, 0x70,             /* destination port 6000 */
	0x00, 0x20,             /* length 32 */
	0x00, 0x00,             /* checksum */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* data 0-7 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* Datagram bytes 16-31, the last. */
static const uint8_t frag4_last[] = {
	ETH_IPV4,
	IPV4_FRAG(0x00, 0x24, 0x00, 0x02), /* total 36; no MF, offset 2 (16 bytes) */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, /* data 8-23 */
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* Datagram bytes 24-31, the last of a datagram whose bytes 16-23 never
 * come. */
static const uint8_t frag4_tail[] = {
	ETH_IPV4,
	IPV4_FRAG(0x00, 0x1c, 0x00, 0x03), /* total 28 = 20 + 8; no MF, offset 3 (24 bytes) */
	0xc0, 0xc1, 0xc2, 0xc3, 0xc4, 0xc5, 0xc6, 0xc7, /* data 16-23 */
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* Datagram bytes 8-23: overlaps the first fragment's second half. */
static const uint8_t frag4_overlap[] = {
	ETH_IPV4,
	IPV4_FRAG(0x00, 0x24, 0x20, 0x01), /* total 36; MF, offset 1 (8 bytes) */
	0xd0, 0xd1, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7,
	0xd8, 0xd9, 0xda, 0xdb, 0xdc, 0xdd, 0xde, 0xdf,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, /* Ethernet padding */
};

/* The first fragment cut by a 46-byte capture length: the UDP header and
 * 4 of the 8 data bytes. */
#define FRAG4_FIRST_SNAPLEN 46

/* Fragments of UDP 2001:db8::1:7000 -> 2001:db8::2:8000, fragment id
 * 0x12345678, UDP length 32. */
static const uint8_t frag6_first[] = {
	ETH_IPV6,
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 = 8 fragment + 16 */
	0x2c,                   /* next header: fragment */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	0x11,                   /* fragment header: next header UDP */
	0x00,                   /* reserved */
	0x00, 0x01,             /* offset 0, M 1 */
	0x12, 0x34, 0x56, 0x78, /* identification */
	0x1b, 0x58,             /* UDP source port 7000 */
	0x1f, 0x40,             /* destination port 8000 */
	0x00, 0x20,             /* length 32 */
	0x00, 0x00,             /* checksum */
	0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7, /* data 0-7 */
};

static const uint8_t frag6_last[] = {
	ETH_IPV6,
	0x60, 0x00, 0x00, 0x00, /* version 6, traffic class 0, flow label 0 */
	0x00, 0x18,             /* payload length 24 = 8 fragment + 16 */
	0x2c,                   /* next header: fragment */
	0x40,                   /* hop limit 64 */
	DOC6(0x01),             /* source */
	DOC6(0x02),             /* destination */
	0x11,                   /* fragment header: next header UDP */
	0x00,                   /* reserved */
	0x00, 0x10,             /* offset 2 (16 bytes) << 3, M 0 */
	0x12, 0x34, 0x56, 0x78, /* identification */
	0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, /* data 8-23 */
	0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
};

/* The keys of the two datagrams, written field by field. */
static const struct sm_sess_key key4 = {
	.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
	.port = { 5000, 6000 }, .proto = 17, .family = 4, .kind = SM_KEY_L4,
};
static const struct sm_sess_key key4_orphan = {
	.addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } },
	.proto = 17, .family = 4, .kind = SM_KEY_FRAG_ORPHAN,
};
static const struct sm_sess_key key6 = {
	.addr = { { DOC6(0x01) }, { DOC6(0x02) } },
	.port = { 7000, 8000 }, .proto = 17, .family = 6, .kind = SM_KEY_L4,
};

/* ------------------------------------------------------------------ */
/* helpers */

static int
setup(void **state)
{
	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	avail_start = rte_mempool_avail_count(pool);
	frag = sm_frag_create(16, TIMEOUT_US, SOCKET_ID_ANY);
	return frag == NULL ? -1 : 0;
}

/* Freeing the context gives back whatever it still holds. */
static int
teardown(void **state)
{
	(void)state;
	sm_frag_free(frag);
	frag = NULL;
	return rte_mempool_avail_count(pool) == avail_start ? 0 : -1;
}

/* An mbuf holding @p len bytes of @p frame, in one segment or, when
 * @p split is non-zero, in two chained at @p split. */
static struct rte_mbuf *
mbuf_of(const uint8_t *frame, size_t len, size_t split)
{
	struct rte_mbuf *m;

	if (split == 0)
		return sm_test_mbuf(pool, frame, len);
	m = sm_test_mbuf(pool, frame, split);
	assert_int_equal(rte_pktmbuf_chain(m, sm_test_mbuf(pool, frame + split, len - split)), 0);
	return m;
}

/* A parsed fragment, wire packet @p seq seen at network time @p ts_us. */
static struct rte_mbuf *
fragment_split(const uint8_t *frame, size_t len, size_t split, uint64_t ts_us, uint64_t seq)
{
	struct rte_mbuf *m = mbuf_of(frame, len, split);
	struct sm_pkt_meta *pm = sm_pkt_meta(m);

	memset(pm, 0, sizeof(*pm));
	pm->ts_us = pm->ts_first_us = ts_us;
	pm->seq = seq;
	assert_int_equal(sm_parse_pkt(m, pm, &parse_cnt), SM_PARSE_FRAGMENT);
	return m;
}

#define FRAGMENT(f, ts, seq) fragment_split(f, sizeof(f), 0, ts, seq)

static unsigned int
feed(struct rte_mbuf *m)
{
	return sm_frag_feed(frag, m, &cnt);
}

/* Drain exactly @p n ready packets into @p out. */
static void
drain(struct rte_mbuf **out, unsigned int n)
{
	struct rte_mbuf *extra;

	assert_int_equal(sm_frag_drain(frag, out, n), n);
	assert_int_equal(sm_frag_drain(frag, &extra, 1), 0);
}

/* Expire at @p now_us until nothing more is ready, draining into @p out
 * (room for @p max); @return how many came out. */
static unsigned int
expire_all(uint64_t now_us, bool flush_all, struct rte_mbuf **out, unsigned int max)
{
	unsigned int n = 0, k;

	while ((k = sm_frag_expire(frag, now_us, flush_all, &cnt)) > 0) {
		assert_true(n + k <= max);
		assert_int_equal(sm_frag_drain(frag, out + n, k), k);
		n += k;
	}
	return n;
}

/* Every counter is zero except the (counter, value) pairs given, the list
 * ended by SM_CNT_MAX. */
static void
expect_counters(int first, ...)
{
	uint64_t want[SM_CNT_MAX] = { 0 };
	va_list ap;
	int id = first;

	va_start(ap, first);
	while (id != SM_CNT_MAX) {
		want[id] = (uint64_t)va_arg(ap, int);
		id = va_arg(ap, int);
	}
	va_end(ap);
	for (unsigned int i = 0; i < SM_CNT_MAX; i++)
		if (cnt.v[i] != want[i])
			fail_msg("counter %s is %" PRIu64 ", expected %" PRIu64,
				 sm_counter_name(i), cnt.v[i], want[i]);
}

static void
expect_key(const struct sm_pkt_meta *pm, const struct sm_sess_key *want)
{
	assert_memory_equal(&pm->key, want, sizeof(*want));
	assert_int_equal(pm->hash, sm_tuple_hash(want));
}

/* Free what was drained; the pool must then be whole again. */
static void
free_all(struct rte_mbuf **m, unsigned int n)
{
	rte_pktmbuf_free_bulk(m, n);
	assert_int_equal(rte_mempool_avail_count(pool), avail_start);
}

/* The reassembled IPv4 datagram: headers of the first fragment, total
 * length 20 + 32 = 52, the 32 UDP bytes in order, no padding. */
static void
expect_ipv4_datagram(struct rte_mbuf *m)
{
	static const uint8_t udp[32] = {
		0x13, 0x88, 0x17, 0x70, 0x00, 0x20, 0x00, 0x00,
		0xa0, 0xa1, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
		0xb0, 0xb1, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7,
		0xb8, 0xb9, 0xba, 0xbb, 0xbc, 0xbd, 0xbe, 0xbf,
	};
	uint8_t buf[66];
	const uint8_t *p;

	/* 14 + 20 + 32 */
	assert_int_equal(rte_pktmbuf_pkt_len(m), 66);
	p = rte_pktmbuf_read(m, 0, sizeof(buf), buf);
	assert_non_null(p);
	assert_int_equal(p[16] << 8 | p[17], 52);
	/* MF and offset cleared */
	assert_int_equal(p[20] << 8 | p[21], 0);
	assert_memory_equal(p + 34, udp, sizeof(udp));
}

/* ------------------------------------------------------------------ */
/* tests */

static void
test_ipv4_in_order(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_first, 1000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag4_last, 1500, 2)), 1);
	drain(&out, 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 2);
	/* 36 + 36 */
	assert_int_equal(pm->ip_bytes, 72);
	expect_key(pm, &key4);
	assert_int_equal(pm->flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED);
	assert_int_equal(pm->seq, 1);
	assert_true(pm->ts_first_us == 1000);
	assert_true(pm->ts_us == 1500);
	expect_ipv4_datagram(out);
	expect_counters(SM_CNT_FRAG_REASSEMBLED, 1, SM_CNT_MAX);
	free_all(&out, 1);
}

/* The last fragment first: still the first fragment's key, the earliest
 * sequence number and time. */
static void
test_ipv4_reversed(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_last, 1000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag4_first, 1500, 2)), 1);
	drain(&out, 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 2);
	assert_int_equal(pm->ip_bytes, 72);
	expect_key(pm, &key4);
	assert_int_equal(pm->flags & SM_PF_FRAG_LATER, 0);
	assert_int_equal(pm->seq, 1);
	assert_true(pm->ts_first_us == 1000);
	assert_true(pm->ts_us == 1500);
	expect_ipv4_datagram(out);
	expect_counters(SM_CNT_FRAG_REASSEMBLED, 1, SM_CNT_MAX);
	free_all(&out, 1);
}

/* A first fragment alone comes back when its time is up, with its key. */
static void
test_lone_first_expires(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_first, 5000, 1)), 0);
	/* rte_ip_frag expires when start + timeout < now: 6000 is not yet. */
	assert_int_equal(expire_all(5000 + TIMEOUT_US, false, &out, 1), 0);
	assert_int_equal(expire_all(5000 + TIMEOUT_US + 1, false, &out, 1), 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 1);
	assert_int_equal(pm->ip_bytes, 36);
	expect_key(pm, &key4);
	expect_counters(SM_CNT_FRAG_INCOMPLETE, 1, SM_CNT_MAX);
	free_all(&out, 1);
	assert_int_equal(expire_all(UINT32_MAX, false, &out, 1), 0);
}

/* A later fragment alone stays an address-only orphan. */
static void
test_lone_later_is_orphan(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_last, 5000, 1)), 0);
	assert_int_equal(expire_all(5000 + TIMEOUT_US + 1, false, &out, 1), 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 1);
	assert_int_equal(pm->ip_bytes, 36);
	expect_key(pm, &key4_orphan);
	assert_int_equal(pm->flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED | SM_PF_FRAG_LATER);
	expect_counters(SM_CNT_FRAG_INCOMPLETE, 1, SM_CNT_FRAG_ORPHANS, 1, SM_CNT_MAX);
	free_all(&out, 1);
}

/* First and last of a datagram missing its middle: the last fragment
 * takes the first's session when both expire. */
static void
test_incomplete_later_adopts_key(void **state)
{
	struct rte_mbuf *out[2];

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_first, 5000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag4_tail, 5100, 2)), 0);
	assert_int_equal(expire_all(5000 + TIMEOUT_US + 1, false, out, 2), 2);
	for (unsigned int i = 0; i < 2; i++) {
		const struct sm_pkt_meta *pm = sm_pkt_meta(out[i]);

		assert_int_equal(pm->n_wire, 1);
		expect_key(pm, &key4);
		assert_int_equal(pm->flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED);
		/* Each its own length: 36 for the first, 20 + 8 for the tail. */
		assert_int_equal(pm->ip_bytes, pm->seq == 1 ? 36 : 28);
	}
	assert_int_not_equal(sm_pkt_meta(out[0])->seq, sm_pkt_meta(out[1])->seq);
	expect_counters(SM_CNT_FRAG_INCOMPLETE, 1, SM_CNT_MAX);
	free_all(out, 2);
}

/* At the end of the input everything goes, however young. */
static void
test_flush_all(void **state)
{
	struct rte_mbuf *out[2];

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_first, 5000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag6_first, 5000, 2)), 0);
	assert_int_equal(expire_all(5000, false, out, 2), 0);
	assert_int_equal(expire_all(5000, true, out, 2), 2);
	/* Two datagrams (IPv4 and IPv6 differ), each incomplete. */
	expect_counters(SM_CNT_FRAG_INCOMPLETE, 2, SM_CNT_MAX);
	free_all(out, 2);
}

static void
test_ipv6(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;
	uint8_t buf[86];
	const uint8_t *p;

	(void)state;
	assert_int_equal(feed(FRAGMENT(frag6_last, 2000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag6_first, 2100, 2)), 1);
	drain(&out, 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 2);
	/* (24 + 40) * 2 */
	assert_int_equal(pm->ip_bytes, 128);
	expect_key(pm, &key6);
	assert_int_equal(pm->flags, SM_PF_FROM_LO | SM_PF_FRAGMENTED);
	assert_int_equal(pm->seq, 1);
	/* The fragment header is gone: 14 + 40 + 32 UDP bytes, and the L4
	 * header moved 8 bytes forward, to 14 + 40. */
	assert_int_equal(rte_pktmbuf_pkt_len(out), 86);
	assert_int_equal(pm->l4_off, 54);
	p = rte_pktmbuf_read(out, 0, sizeof(buf), buf);
	assert_non_null(p);
	/* payload length 32, next header UDP */
	assert_int_equal(p[18] << 8 | p[19], 32);
	assert_int_equal(p[20], 17);
	/* source port 7000 where l4_off says */
	assert_int_equal(p[pm->l4_off] << 8 | p[pm->l4_off + 1], 7000);
	assert_int_equal(p[pm->l4_off + 8], 0xa0);
	assert_int_equal(p[pm->l4_off + 16], 0xb0);
	expect_counters(SM_CNT_FRAG_REASSEMBLED, 1, SM_CNT_MAX);
	free_all(&out, 1);
}

/* Feed @p n_in fragments in turn, draining after each, then flush what
 * is left; @return how many packets came out into @p out. */
static unsigned int
feed_and_flush(struct rte_mbuf **in, unsigned int n_in, struct rte_mbuf **out,
	       unsigned int max)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < n_in; i++) {
		unsigned int k = feed(in[i]);

		assert_true(n + k <= max);
		drain(out + n, k);
		n += k;
	}
	return n + expire_all(UINT32_MAX, true, out + n, max - n);
}

/* Sum of n_wire over drained packets. */
static unsigned int
wire_total(struct rte_mbuf **m, unsigned int n)
{
	unsigned int sum = 0;

	for (unsigned int i = 0; i < n; i++)
		sum += sm_pkt_meta(m[i])->n_wire;
	return sum;
}

/* A duplicate first fragment is rejected and counted, and no wire packet
 * is lost. */
static void
test_duplicate(void **state)
{
	struct rte_mbuf *in[] = {
		FRAGMENT(frag4_first, 1000, 1),
		FRAGMENT(frag4_first, 1001, 2),
		FRAGMENT(frag4_last, 1002, 3),
	};
	struct rte_mbuf *out[SM_ARRAY_SIZE(in)];
	unsigned int n;

	(void)state;
	n = feed_and_flush(in, SM_ARRAY_SIZE(in), out, SM_ARRAY_SIZE(out));
	assert_int_equal(wire_total(out, n), SM_ARRAY_SIZE(in));
	assert_int_equal(cnt.v[SM_CNT_FRAG_BAD], 1);
	assert_int_equal(cnt.v[SM_CNT_FRAG_REASSEMBLED], 0);
	free_all(out, n);
}

/* Bytes 8-23 overlap the first fragment: the datagram is rejected when
 * its last fragment makes it add up to 48 bytes for 32. */
static void
test_overlap(void **state)
{
	struct rte_mbuf *in[] = {
		FRAGMENT(frag4_first, 1000, 1),
		FRAGMENT(frag4_overlap, 1001, 2),
		FRAGMENT(frag4_last, 1002, 3),
	};
	struct rte_mbuf *out[SM_ARRAY_SIZE(in)];
	unsigned int n;

	(void)state;
	n = feed_and_flush(in, SM_ARRAY_SIZE(in), out, SM_ARRAY_SIZE(out));
	assert_int_equal(wire_total(out, n), SM_ARRAY_SIZE(in));
	assert_int_equal(cnt.v[SM_CNT_FRAG_BAD], 1);
	assert_int_equal(cnt.v[SM_CNT_FRAG_REASSEMBLED], 0);
	/* All three fragments of one datagram: one session, the first's. */
	for (unsigned int i = 0; i < n; i++)
		expect_key(sm_pkt_meta(out[i]), &key4);
	free_all(out, n);
}

/* A fragment cut by the capture length cannot be rebuilt: it goes on at
 * once, alone. */
static void
test_snap_cut_goes_alone(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	assert_int_equal(feed(fragment_split(frag4_first, FRAG4_FIRST_SNAPLEN, 0, 1000, 1)), 1);
	drain(&out, 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(pm->n_wire, 1);
	/* the header's 36, not the 46 - 14 = 32 captured */
	assert_int_equal(pm->ip_bytes, 36);
	expect_key(pm, &key4);
	expect_counters(SM_CNT_MAX);
	free_all(&out, 1);
}

/* A first fragment in two segments, headers in the first: reassembled,
 * and its second segment is no extra wire packet. */
static void
test_multi_segment_fragment(void **state)
{
	struct rte_mbuf *out;
	struct sm_pkt_meta *pm;

	(void)state;
	/* 40 bytes: Ethernet, IPv4 and 6 of the 8 UDP header bytes */
	assert_int_equal(feed(fragment_split(frag4_first, sizeof(frag4_first), 40, 1000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag4_last, 1001, 2)), 1);
	drain(&out, 1);
	pm = sm_pkt_meta(out);
	assert_int_equal(out->nb_segs, 3);
	assert_int_equal(pm->n_wire, 2);
	assert_int_equal(pm->ip_bytes, 72);
	expect_key(pm, &key4);
	expect_ipv4_datagram(out);
	expect_counters(SM_CNT_FRAG_REASSEMBLED, 1, SM_CNT_MAX);
	free_all(&out, 1);
}

/* An IP header split across segments is not handed to rte_ip_frag (it
 * reads the first segment only): the fragment goes on alone. */
static void
test_split_header_goes_alone(void **state)
{
	struct rte_mbuf *out;

	(void)state;
	/* 20 bytes: Ethernet and 6 of the 20 IPv4 header bytes */
	assert_int_equal(feed(fragment_split(frag4_first, sizeof(frag4_first), 20, 1000, 1)), 1);
	drain(&out, 1);
	assert_int_equal(sm_pkt_meta(out)->n_wire, 1);
	expect_key(sm_pkt_meta(out), &key4);
	free_all(&out, 1);
}

/* Fragments still waiting are freed with the context (teardown checks
 * the pool). */
static void
test_free_returns_held(void **state)
{
	(void)state;
	assert_int_equal(feed(FRAGMENT(frag4_first, 1000, 1)), 0);
	assert_int_equal(feed(FRAGMENT(frag4_tail, 1001, 2)), 0);
	assert_int_equal(feed(FRAGMENT(frag6_last, 1002, 3)), 0);
	assert_int_not_equal(rte_mempool_avail_count(pool), avail_start);
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int
main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
		TEST(test_ipv4_in_order),
		TEST(test_ipv4_reversed),
		TEST(test_lone_first_expires),
		TEST(test_lone_later_is_orphan),
		TEST(test_incomplete_later_adopts_key),
		TEST(test_flush_all),
		TEST(test_ipv6),
		TEST(test_duplicate),
		TEST(test_overlap),
		TEST(test_snap_cut_goes_alone),
		TEST(test_multi_segment_fragment),
		TEST(test_split_header_goes_alone),
		TEST(test_free_returns_held),
	};
	int rc;

	(void)argc;
	pool = sm_test_eal_init(argv[0], 1024);
	rc = cmocka_run_group_tests_name("frag", tests, NULL, NULL);
	sm_test_eal_fini(pool);
	return rc;
}
