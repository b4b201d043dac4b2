/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP stream reassembly driven by hand-built conversations.
 *
 * Each row is a conversation between a client C (the originator) and a
 * server S, written with real sequence and acknowledgement numbers, with
 * what the consumer must see written out by hand: the event log, the bytes
 * delivered per direction, the per-direction statistics and the most
 * chunks held at once. The sequence rules the expectations follow are RFC
 * 9293's: a SYN occupies one sequence number, so the client's first data
 * byte (stream offset 0) after SYN seq 1000 is 1001; a FIN follows the
 * segment's data; an acknowledgement number is the next byte expected; all
 * modulo 2^32 (§3.4). Keep-alives are SND.NXT - 1 with 0 or 1 byte
 * (§3.8.4); a zero-window probe sends the next byte of new data (§3.8.6.1).
 *
 * Event log tokens, in callback order: c/s (direction) then
 *   D<off>+<len>          data
 *   G<off>+<len>          gap
 *   X<off>/<old>/<new>    inconsistent retransmission
 *   E<why><off>           end (fin, rst, session)
 *
 * Single tests cover the bounds with larger segments, freeing with held
 * chunks, the pool's limits and arguments, the burst call and segments read
 * from parsed mbufs (a chain among them). The last group runs real captures
 * from ../shared/traces ($SM_SHARED; skipped without it) and compares every
 * TCP stream with tshark's reassembly of it.
 *
 * Every test ends by freeing its streams and checking, through the chunk
 * mempool itself, that every chunk is back.
 */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <pcap/pcap.h>

#include <rte_errno.h>
#include <rte_mempool.h>

#include "sessmon/common.h"
#include "sessmon/counters.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/stream.h"
#include "test_eal.h"

#define C SM_DIR_ORIG
#define S SM_DIR_REPLY

#define SYN SM_TCP_SYN
#define ACK SM_TCP_ACK
#define FIN SM_TCP_FIN
#define RST SM_TCP_RST
#define PSH SM_TCP_PSH

/* Chunk memory of the test pools: 16 chunks per worker, 8 per direction. */
#define TEST_WORKER_BYTES (16 * SM_STREAM_CHUNK_SIZE)
#define TEST_DIR_BYTES (8 * SM_STREAM_CHUNK_SIZE)
#define TEST_STREAMS 4
#define MAX_STEPS 12
#define DATA_MAX 16384

static struct rte_mempool *mbufs;

/* ------------------------------------------------------------------ */
/* the consumer: records what it is given */

struct rec {
	char log[1024];
	uint8_t data[SM_DIR_MAX][DATA_MAX];
	uint32_t n[SM_DIR_MAX];
	uint64_t next_off[SM_DIR_MAX]; /* where the next data or gap must start */
	unsigned int stop_after;       /* data calls before SM_STREAM_STOP; 0: never */
	unsigned int data_calls;
};

static void
logf_(struct rec *r, int dir, const char *fmt, ...)
{
	size_t len = strlen(r->log);
	va_list ap;

	snprintf(r->log + len, sizeof(r->log) - len, "%s%c", len > 0 ? " " : "", dir == C ? 'c' : 's');
	len = strlen(r->log);
	va_start(ap, fmt);
	vsnprintf(r->log + len, sizeof(r->log) - len, fmt, ap);
	va_end(ap);
}

static int
on_data(void *arg, int dir, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct rec *r = arg;

	/* Data and gaps tile the stream. */
	assert_int_equal(off, r->next_off[dir]);
	assert_true(len > 0);
	r->next_off[dir] = off + len;
	assert_true(r->n[dir] + len <= DATA_MAX);
	memcpy(r->data[dir] + r->n[dir], p, len);
	r->n[dir] += len;
	logf_(r, dir, "D%" PRIu64 "+%u", off, len);
	return ++r->data_calls == r->stop_after ? SM_STREAM_STOP : 0;
}

static int
on_gap(void *arg, int dir, uint64_t off, uint32_t len)
{
	struct rec *r = arg;

	assert_int_equal(off, r->next_off[dir]);
	assert_true(len > 0);
	r->next_off[dir] = off + len;
	logf_(r, dir, "G%" PRIu64 "+%u", off, len);
	return 0;
}

static void
on_overlap(void *arg, int dir, const struct sm_stream_overlap *o)
{
	logf_(arg, dir, "X%" PRIu64 "/%u/%u", o->off, o->old_len, o->new_len);
}

static void
on_end(void *arg, int dir, uint64_t off, enum sm_stream_end why)
{
	static const char *const names[] = {
		[SM_STREAM_END_FIN] = "fin",
		[SM_STREAM_END_RST] = "rst",
		[SM_STREAM_END_SESSION] = "session",
	};
	struct rec *r = arg;

	assert_int_equal(off, r->next_off[dir]);
	logf_(r, dir, "E%s%" PRIu64, names[why], off);
}

static const struct sm_stream_ops rec_ops = {
	.data = on_data,
	.gap = on_gap,
	.inconsistency = on_overlap,
	.end = on_end,
};

/* ------------------------------------------------------------------ */
/* fixture */

struct fx {
	struct sm_stream_pool *sp;
	struct sm_stream *st;
	struct rec rec;
	const void *row;
};

static struct sm_stream_pool *
make_pool(uint32_t streams, uint32_t dir_bytes, uint32_t worker_bytes)
{
	struct sm_stream_params p = {
		.ops = &rec_ops,
		.streams = streams,
		.dir_bytes = dir_bytes,
		.worker_bytes = worker_bytes,
		.id = 0,
		.socket = SOCKET_ID_ANY,
	};
	struct sm_stream_pool *sp = sm_stream_pool_create(&p);

	assert_non_null(sp);
	return sp;
}

/* Every chunk back in the chunk mempool, counted by the mempool. */
static void
expect_all_chunks_back(struct sm_stream_pool *sp)
{
	struct sm_stream_pool_stats ps;
	struct rte_mempool *mp = rte_mempool_lookup("sm_strc_0");

	sm_stream_pool_stats(sp, &ps);
	assert_non_null(mp);
	assert_int_equal(rte_mempool_avail_count(mp), ps.chunks);
	assert_int_equal(ps.chunks_held, 0);
}

static struct fx *
fixture(uint32_t dir_bytes, uint32_t worker_bytes, const void *row)
{
	struct fx *f = test_calloc(1, sizeof(*f));

	f->sp = make_pool(TEST_STREAMS, dir_bytes, worker_bytes);
	f->st = sm_stream_create(f->sp);
	assert_non_null(f->st);
	f->row = row;
	return f;
}

static int
setup(void **state)
{
	*state = fixture(TEST_DIR_BYTES, TEST_WORKER_BYTES, *state);
	return 0;
}

/* A worker pool of two chunks. */
static int
setup_two_chunks(void **state)
{
	*state = fixture(TEST_DIR_BYTES, 2 * SM_STREAM_CHUNK_SIZE, NULL);
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;

	sm_stream_free(f->sp, f->st);
	expect_all_chunks_back(f->sp);
	sm_stream_pool_free(f->sp);
	test_free(f);
	return 0;
}

/* ------------------------------------------------------------------ */
/* conversations */

enum op { SEG = 0, FLUSH, ANCHOR, STOP };

struct step {
	enum op op;
	int dir;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	const char *data;
	uint16_t wire;   /* payload bytes on the wire when the capture cut it */
};

#define SEG_(d, fl, sq, ak, str) { SEG, (d), (fl), (sq), (ak), (str), 0 }
#define CUT(d, fl, sq, ak, str, w) { SEG, (d), (fl), (sq), (ak), (str), (w) }
#define FLUSH_() { FLUSH, 0, 0, 0, 0, NULL, 0 }
#define ANCHOR_(d, sq) { ANCHOR, (d), 0, (sq), 0, NULL, 0 }
#define STOP_(d) { STOP, (d), 0, 0, 0, NULL, 0 }

struct row {
	const char *name;
	struct step steps[MAX_STEPS];
	const char *log;
	const char *want[SM_DIR_MAX];
	struct sm_stream_stats st[SM_DIR_MAX];
	uint32_t peak;          /* most chunks held at once */
	uint32_t dir_chunks;    /* per-direction bound in chunks; 0: TEST_DIR_BYTES */
	unsigned int stop_after;
};

static const struct row rows[] = {
{
	.name = "in_order",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, NULL),
		SEG_(C, PSH | ACK, 1001, 5001, "GET "),
		SEG_(C, PSH | ACK, 1005, 5001, "/ HT"),
		SEG_(C, PSH | ACK, 1009, 5001, "TP"),
		SEG_(C, FIN | ACK, 1011, 5001, NULL),
	},
	.log = "cD0+4 cD4+4 cD8+2 cEfin10",
	.want = { "GET / HTTP", "" },
	.st = { { .num_pkts = 6, .num_in_order = 3 }, { .num_pkts = 1 } },
},
{
	/* Each segment waits in its own chunk until "GET " comes. */
	.name = "reversed",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1009, 5001, "TP"),
		SEG_(C, ACK, 1005, 5001, "/ HT"),
		SEG_(C, ACK, 1001, 5001, "GET "),
		SEG_(C, FIN | ACK, 1011, 5001, NULL),
	},
	.log = "cD0+4 cD4+4 cD8+2 cEfin10",
	.want = { "GET / HTTP", "" },
	.st = { { .num_pkts = 5, .num_in_order = 1, .num_OO = 2 }, { 0 } },
	.peak = 2,
},
{
	/* "EF" continues "CD": one chunk, delivered in one piece. */
	.name = "out_of_order_run_shares_a_chunk",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1003, 5001, "CD"),
		SEG_(C, ACK, 1005, 5001, "EF"),
		SEG_(C, ACK, 1001, 5001, "AB"),
	},
	.log = "cD0+2 cD2+4",
	.want = { "ABCDEF", "" },
	.st = { { .num_pkts = 4, .num_in_order = 1, .num_OO = 2 }, { 0 } },
	.peak = 1,
},
{
	/* The same segment twice while held: a replicated retransmission of
	 * 6 bytes, identical, so no inconsistency. */
	.name = "retransmission_of_held_same_content",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1006, 5001, " WORLD"),
		SEG_(C, ACK, 1006, 5001, " WORLD"),
		SEG_(C, ACK, 1001, 5001, "HELLO"),
	},
	.log = "cD0+5 cD5+6",
	.want = { "HELLO WORLD", "" },
	.st = { { .num_pkts = 4, .num_rxmit = 1, .num_rxmit_bytes = 6, .num_in_order = 1,
		  .num_OO = 1, .num_repl = 1 }, { 0 } },
	.peak = 1,
},
{
	/* "WXRLD!" over held "WORLD" at offset 6: 5 bytes overlap and differ
	 * (reported with both lengths, 5 and 6); the held version stays and
	 * the new "!" is kept after it. */
	.name = "retransmission_of_held_different_content",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1007, 5001, "WORLD"),
		SEG_(C, ACK, 1007, 5001, "WXRLD!"),
		SEG_(C, ACK, 1001, 5001, "HELLO "),
	},
	.log = "cX6/5/6 cD0+6 cD6+6",
	.want = { "HELLO WORLD!", "" },
	.st = { { .num_pkts = 4, .num_rxmit = 1, .num_rxmit_bytes = 5, .num_in_order = 1,
		  .num_OO = 2, .inconsistencies = 1 }, { 0 } },
	.peak = 1,
},
{
	/* An in-order segment running over held data that differs: the
	 * held bytes are delivered, the overlap reported. */
	.name = "in_order_segment_over_held_different_content",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1007, 5001, "WORLD"),
		SEG_(C, ACK, 1001, 5001, "HELLO WQRLD"),
	},
	.log = "cD0+6 cD6+5 cX6/5/11",
	.want = { "HELLO WORLD", "" },
	.st = { { .num_pkts = 3, .num_rxmit = 1, .num_rxmit_bytes = 5, .num_in_order = 1,
		  .num_OO = 1, .inconsistencies = 1 }, { 0 } },
	.peak = 1,
},
{
	.name = "retransmission_of_delivered",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "GET "),
		SEG_(C, ACK, 1001, 5001, "GET "),
		SEG_(C, ACK, 1005, 5001, "/"),
	},
	.log = "cD0+4 cD4+1",
	.want = { "GET /", "" },
	.st = { { .num_pkts = 4, .num_rxmit = 1, .num_rxmit_bytes = 4, .num_in_order = 2,
		  .num_repl = 1 }, { 0 } },
},
{
	/* "T /x" at 1003: "T " (offsets 2-3) was delivered, "/x" is new. */
	.name = "partial_overlap_with_delivered",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "GET "),
		SEG_(C, ACK, 1003, 5001, "T /x"),
	},
	.log = "cD0+4 cD4+2",
	.want = { "GET /x", "" },
	.st = { { .num_pkts = 3, .num_rxmit = 1, .num_rxmit_bytes = 2, .num_in_order = 2 },
		{ 0 } },
},
{
	/* SYN at 2^32 - 6: data begins at 0xfffffffb; "FGHIJ" at sequence 0
	 * is offset 5 (0 - 0xfffffffb mod 2^32), the FIN at 5 is offset 10.
	 * The server's ACK 6 acknowledges the FIN (10 + 1 past 0xfffffffb). */
	.name = "sequence_wraparound",
	.steps = {
		SEG_(C, SYN, 0xfffffffau, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 0xfffffffbu, NULL),
		SEG_(C, ACK, 0x00000000u, 5001, "FGHIJ"),
		SEG_(C, ACK, 0xfffffffbu, 5001, "ABCDE"),
		SEG_(C, FIN | ACK, 0x00000005u, 5001, NULL),
		SEG_(S, ACK, 5001, 0x00000006u, NULL),
	},
	.log = "cD0+5 cD5+5 cEfin10",
	.want = { "ABCDEFGHIJ", "" },
	.st = { { .num_pkts = 4, .num_in_order = 1, .num_OO = 1 }, { .num_pkts = 2 } },
	.peak = 1,
},
{
	/* The server acknowledges up to the hole only (1005): no gap. */
	.name = "hole_filled_late",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		SEG_(S, ACK, 5001, 1005, NULL),
		SEG_(C, ACK, 1005, 5001, "bbbb"),
	},
	.log = "cD0+4 cD4+4 cD8+4",
	.want = { "aaaabbbbcccc", "" },
	.st = { { .num_pkts = 4, .num_in_order = 2, .num_OO = 1 }, { .num_pkts = 2 } },
	.peak = 1,
},
{
	/* The FIN (1013, offset 12) overtakes "bbbb" (1005-1008): the stream
	 * ends once the hole fills (the order of zeek_tcp_ooo_ctu.pcap). */
	.name = "fin_before_its_data",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		SEG_(C, FIN | ACK, 1013, 5001, NULL),
		SEG_(C, ACK, 1005, 5001, "bbbb"),
	},
	.log = "cD0+4 cD4+4 cD8+4 cEfin12",
	.want = { "aaaabbbbcccc", "" },
	.st = { { .num_pkts = 5, .num_in_order = 2, .num_OO = 1 }, { 0 } },
	.peak = 1,
},
{
	/* The server acknowledges the FIN (1014 = FIN + 1) with 1005-1008
	 * never seen: a 4-byte gap at offset 4, then the end. "bbbb" coming
	 * after it is a retransmission. */
	.name = "hole_never_filled_fin_acknowledged",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		SEG_(C, FIN | ACK, 1013, 5001, NULL),
		SEG_(S, ACK, 5001, 1014, NULL),
		SEG_(C, ACK, 1005, 5001, "bbbb"),
	},
	.log = "cD0+4 cG4+4 cD8+4 cEfin12",
	.want = { "aaaacccc", "" },
	.st = { { .num_pkts = 5, .num_rxmit = 1, .num_rxmit_bytes = 4, .num_in_order = 1,
		  .num_OO = 1, .gap_bytes = 4, .gaps = 1 }, { .num_pkts = 2 } },
	.peak = 1,
},
{
	/* A FIN with a hole before it when the session ends. */
	.name = "hole_never_filled_fin_session_end",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, FIN | ACK, 1009, 5001, NULL),
		FLUSH_(),
	},
	.log = "cD0+4 cG4+4 cEfin8",
	.want = { "aaaa", "" },
	.st = { { .num_pkts = 3, .num_in_order = 1, .gap_bytes = 4, .gaps = 1 }, { 0 } },
},
{
	/* FIN at 1009 (offset 8): "zz" at 1011 lies past it and is dropped,
	 * the FIN at 1013 contradicts it and is ignored. */
	.name = "data_past_fin",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, FIN | ACK, 1009, 5001, NULL),
		SEG_(C, ACK, 1011, 5001, "zz"),
		SEG_(C, FIN | ACK, 1013, 5001, NULL),
		SEG_(C, ACK, 1005, 5001, "bbbbzz"),
	},
	.log = "cD0+4 cD4+4 cEfin8",
	.want = { "aaaabbbb", "" },
	.st = { { .num_pkts = 6, .num_in_order = 2, .out_of_window = 1, .after_end = 2 },
		{ 0 } },
},
{
	/* The server acknowledges 1013: it got 1005-1008, the monitor did
	 * not. */
	.name = "hole_never_filled_ack_past_hole",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		SEG_(S, ACK, 5001, 1013, NULL),
		SEG_(C, ACK, 1013, 5001, "dddd"),
	},
	.log = "cD0+4 cG4+4 cD8+4 cD12+4",
	.want = { "aaaaccccdddd", "" },
	.st = { { .num_pkts = 4, .num_in_order = 2, .num_OO = 1, .gap_bytes = 4, .gaps = 1 },
		{ .num_pkts = 2 } },
	.peak = 1,
},
{
	/* Nothing held: the acknowledgement alone shows 4 bytes missed. */
	.name = "ack_past_missed_tail",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(S, ACK, 5001, 1009, NULL),
		SEG_(C, ACK, 1009, 5001, "cccc"),
	},
	.log = "cD0+4 cG4+4 cD8+4",
	.want = { "aaaacccc", "" },
	.st = { { .num_pkts = 3, .num_in_order = 2, .gap_bytes = 4, .gaps = 1 },
		{ .num_pkts = 2 } },
},
{
	/* Data on the SYN (TCP Fast Open) starts at SYN + 1. */
	.name = "syn_with_data",
	.steps = {
		SEG_(C, SYN, 1000, 0, "hello"),
		SEG_(S, SYN | ACK, 5000, 1006, NULL),
		SEG_(C, ACK, 1006, 5001, " world"),
	},
	.log = "cD0+5 cD5+6",
	.want = { "hello world", "" },
	.st = { { .num_pkts = 2, .num_in_order = 2 }, { .num_pkts = 1 } },
},
{
	/* After "ab" (next byte 1003), 1002 with one garbage byte and with
	 * none are keep-alives: not data, not retransmissions. */
	.name = "keep_alives",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "ab"),
		SEG_(C, ACK, 1002, 5001, "x"),
		SEG_(C, ACK, 1002, 5001, NULL),
		SEG_(C, ACK, 1003, 5001, "cd"),
	},
	.log = "cD0+2 cD2+2",
	.want = { "abcd", "" },
	.st = { { .num_pkts = 5, .num_in_order = 2, .keepalives = 2 }, { 0 } },
},
{
	/* The probe's byte is the next byte of the stream; the segment sent
	 * when the window opens repeats it. */
	.name = "zero_window_probe",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "ab"),
		SEG_(C, ACK, 1003, 5001, "c"),
		SEG_(C, ACK, 1003, 5001, "cdef"),
	},
	.log = "cD0+2 cD2+1 cD3+3",
	.want = { "abcdef", "" },
	.st = { { .num_pkts = 4, .num_rxmit = 1, .num_rxmit_bytes = 1, .num_in_order = 3 },
		{ 0 } },
},
{
	/* 2^30 + 1 ahead, 2^31 behind, a FIN 2^31 - 1 ahead: ignored, and
	 * nothing held. */
	.name = "hostile_sequence_numbers",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "ab"),
		SEG_(C, ACK, 1003u + 0x40000001u, 5001, "zz"),
		SEG_(C, ACK, 1003u + 0x80000000u, 5001, "yy"),
		SEG_(C, FIN | ACK, 1003u + 0x7fffffffu, 5001, NULL),
		SEG_(C, ACK, 1003, 5001, "cd"),
	},
	.log = "cD0+2 cD2+2",
	.want = { "abcd", "" },
	.st = { { .num_pkts = 6, .num_in_order = 2, .out_of_window = 3 }, { 0 } },
},
{
	/* A RST in the window ends both streams: the client's held data is
	 * delivered after its gap; data after it is counted only. */
	.name = "rst_ends_both",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		SEG_(S, ACK, 5001, 1005, "ok"),
		SEG_(S, RST | ACK, 5003, 1005, NULL),
		SEG_(C, ACK, 1013, 5003, "dddd"),
	},
	.log = "cD0+4 sD0+2 cG4+4 cD8+4 cErst12 sErst2",
	.want = { "aaaacccc", "ok" },
	.st = { { .num_pkts = 4, .num_in_order = 1, .num_OO = 1, .gap_bytes = 4, .gaps = 1,
		  .after_end = 1 },
		{ .num_pkts = 3, .num_in_order = 1 } },
	.peak = 1,
},
{
	/* RST seq 4000 while the server's next byte is 5001: ignored. */
	.name = "rst_out_of_window",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(S, RST, 4000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "ab"),
		SEG_(C, FIN | ACK, 1003, 5001, NULL),
	},
	.log = "cD0+2 cEfin2",
	.want = { "ab", "" },
	.st = { { .num_pkts = 3, .num_in_order = 1 }, { .num_pkts = 2, .out_of_window = 1 } },
},
{
	/* 10 payload bytes on the wire, 4 captured: 6 will never be seen. */
	.name = "capture_cut_segment",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		CUT(C, ACK, 1001, 5001, "abcd", 10),
		SEG_(C, ACK, 1011, 5001, "klmn"),
	},
	.log = "cD0+4 cG4+6 cD10+4",
	.want = { "abcdklmn", "" },
	.st = { { .num_pkts = 3, .num_in_order = 2, .gap_bytes = 6, .gaps = 1 }, { 0 } },
},
{
	/* No handshake seen: each side starts at its first data segment; a
	 * bare ACK (possibly a keep-alive) does not start it. */
	.name = "mid_stream_start",
	.steps = {
		SEG_(C, ACK, 77776, 9999, NULL),
		SEG_(C, ACK, 77777, 9999, "xyz"),
		SEG_(S, ACK, 9999, 77780, "ok"),
		SEG_(C, ACK, 77780, 10001, "!"),
	},
	.log = "cD0+3 sD0+2 cD3+1",
	.want = { "xyz!", "ok" },
	.st = { { .num_pkts = 3, .num_in_order = 2 }, { .num_pkts = 1, .num_in_order = 1 } },
},
{
	.name = "flush_at_session_end",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		SEG_(C, ACK, 1009, 5001, "cccc"),
		FLUSH_(),
	},
	.log = "cD0+4 cG4+4 cD8+4 cEsession12",
	.want = { "aaaacccc", "" },
	.st = { { .num_pkts = 3, .num_in_order = 1, .num_OO = 1, .gap_bytes = 4, .gaps = 1 },
		{ 0 } },
	.peak = 1,
},
{
	/* Anchored at 1001, "bb" at 1003 is out of order, not a start. */
	.name = "anchor",
	.steps = {
		ANCHOR_(C, 1001),
		SEG_(C, ACK, 1003, 5001, "bb"),
		SEG_(C, ACK, 1001, 5001, "aa"),
	},
	.log = "cD0+2 cD2+2",
	.want = { "aabb", "" },
	.st = { { .num_pkts = 2, .num_in_order = 1, .num_OO = 1 }, { 0 } },
	.peak = 1,
},
{
	/* Two chunks per direction: the third hole-separated byte cannot be
	 * held, so every hole before it is skipped. */
	.name = "direction_bound",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(C, ACK, 1003, 5001, "b"),
		SEG_(C, ACK, 1005, 5001, "d"),
		SEG_(C, ACK, 1007, 5001, "f"),
	},
	.log = "cG0+2 cD2+1 cG3+1 cD4+1 cG5+1 cD6+1",
	.want = { "bdf", "" },
	.st = { { .num_pkts = 4, .num_OO = 3, .gap_bytes = 4, .gaps = 3, .bound_hits = 1 },
		{ 0 } },
	.peak = 2,
	.dir_chunks = 2,
},
{
	/* The consumer stops the client's stream at its first data: the held
	 * "bbbb" goes back to the pool; the server's is stopped through the
	 * API. Later segments are counted, nothing else; flush reports
	 * nothing. */
	.name = "stop",
	.steps = {
		SEG_(C, SYN, 1000, 0, NULL),
		SEG_(S, SYN | ACK, 5000, 1001, NULL),
		SEG_(C, ACK, 1005, 5001, "bbbb"),
		SEG_(C, ACK, 1001, 5001, "aaaa"),
		STOP_(S),
		SEG_(S, ACK, 5001, 1009, "data"),
		SEG_(C, ACK, 1009, 5005, "cccc"),
		SEG_(C, FIN | ACK, 1013, 5005, NULL),
		FLUSH_(),
	},
	.log = "cD0+4",
	.want = { "aaaa", "" },
	.st = { { .num_pkts = 5, .num_in_order = 1, .num_OO = 1 }, { .num_pkts = 2 } },
	.peak = 1,
	.stop_after = 1,
},
};

static void
run_steps(struct fx *f, const struct step *steps)
{
	for (const struct step *s = steps; s < steps + MAX_STEPS; s++) {
		struct sm_stream_seg seg = { 0 };

		switch (s->op) {
		case FLUSH:
			sm_stream_flush(f->sp, f->st, &f->rec);
			continue;
		case ANCHOR:
			assert_int_equal(sm_stream_anchor(f->st, s->dir, s->seq), 0);
			continue;
		case STOP:
			assert_int_equal(sm_stream_stop(f->sp, f->st, s->dir), 0);
			continue;
		case SEG:
			break;
		}
		if (s->flags == 0)
			return; /* the rest of the array is unused */
		seg.data = (const uint8_t *)s->data;
		seg.len = s->data != NULL ? (uint16_t)strlen(s->data) : 0;
		seg.wire_len = s->wire != 0 ? s->wire : seg.len;
		seg.seq = s->seq;
		seg.ack = s->ack;
		seg.flags = s->flags;
		seg.dir = (uint8_t)s->dir;
		sm_stream_segment(f->sp, f->st, &seg, &f->rec);
	}
}

static void
expect_stats(const struct sm_stream_stats *got, const struct sm_stream_stats *want)
{
	assert_int_equal(got->num_pkts, want->num_pkts);
	assert_int_equal(got->num_rxmit, want->num_rxmit);
	assert_int_equal(got->num_rxmit_bytes, want->num_rxmit_bytes);
	assert_int_equal(got->num_in_order, want->num_in_order);
	assert_int_equal(got->num_OO, want->num_OO);
	assert_int_equal(got->num_repl, want->num_repl);
	assert_int_equal(got->gap_bytes, want->gap_bytes);
	assert_int_equal(got->gaps, want->gaps);
	assert_int_equal(got->inconsistencies, want->inconsistencies);
	assert_int_equal(got->bound_hits, want->bound_hits);
	assert_int_equal(got->out_of_window, want->out_of_window);
	assert_int_equal(got->keepalives, want->keepalives);
	assert_int_equal(got->after_end, want->after_end);
}

static int
setup_row(void **state)
{
	const struct row *r = *state;
	uint32_t dir_bytes = r->dir_chunks != 0 ? r->dir_chunks * SM_STREAM_CHUNK_SIZE :
				 TEST_DIR_BYTES;
	struct fx *f = fixture(dir_bytes, TEST_WORKER_BYTES, r);

	f->rec.stop_after = r->stop_after;
	*state = f;
	return 0;
}

static void
test_conversation(void **state)
{
	struct fx *f = *state;
	const struct row *r = f->row;
	struct sm_stream_pool_stats ps;

	run_steps(f, r->steps);
	assert_string_equal(f->rec.log, r->log);
	for (int d = 0; d < SM_DIR_MAX; d++) {
		assert_int_equal(f->rec.n[d], strlen(r->want[d]));
		assert_memory_equal(f->rec.data[d], r->want[d], f->rec.n[d]);
		expect_stats(sm_stream_stats(f->st, d), &r->st[d]);
	}
	sm_stream_pool_stats(f->sp, &ps);
	assert_int_equal(ps.chunks_peak, r->peak);
	assert_int_equal(ps.dir_bound_hits, r->st[C].bound_hits + r->st[S].bound_hits);
}

/* ------------------------------------------------------------------ */
/* single tests */

static void
feed(struct sm_stream_pool *sp, struct sm_stream *st, struct rec *r, int dir, uint8_t flags,
     uint32_t seq, const uint8_t *data, uint16_t len)
{
	struct sm_stream_seg seg = {
		.data = data, .len = len, .wire_len = len, .seq = seq, .flags = flags,
		.dir = (uint8_t)dir,
	};

	sm_stream_segment(sp, st, &seg, r);
}

/* A worker pool of two chunks: one stream holds both, the next one's
 * out-of-order byte finds the pool empty and skips its hole. */
static void
test_worker_bound(void **state)
{
	struct fx *f = *state;
	struct rec r2 = { 0 };
	struct sm_stream *st2 = sm_stream_create(f->sp);
	struct sm_stream_pool_stats ps;

	assert_non_null(st2);
	feed(f->sp, f->st, &f->rec, C, SYN, 1000, NULL, 0);
	feed(f->sp, f->st, &f->rec, C, ACK, 1003, (const uint8_t *)"b", 1);
	feed(f->sp, f->st, &f->rec, C, ACK, 1005, (const uint8_t *)"d", 1);
	feed(f->sp, st2, &r2, C, SYN, 7000, NULL, 0);
	feed(f->sp, st2, &r2, C, ACK, 7003, (const uint8_t *)"z", 1);
	assert_string_equal(r2.log, "cG0+2 cD2+1");
	assert_string_equal(f->rec.log, "");
	sm_stream_pool_stats(f->sp, &ps);
	assert_int_equal(ps.worker_bound_hits, 1);
	assert_int_equal(ps.dir_bound_hits, 0);
	assert_int_equal(ps.chunks_held, 2);
	assert_int_equal(sm_stream_stats(st2, C)->bound_hits, 1);
	sm_stream_free(f->sp, st2);
}

/* 3000 bytes out of order need two chunks of SM_STREAM_CHUNK_SIZE (2048)
 * bytes; filled, they come out whole and in order. */
static void
test_segment_larger_than_a_chunk(void **state)
{
	struct fx *f = *state;
	static uint8_t big[3001];
	struct sm_stream_pool_stats ps;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7 + 3);
	feed(f->sp, f->st, &f->rec, C, SYN, 1000, NULL, 0);
	feed(f->sp, f->st, &f->rec, C, ACK, 1002, big + 1, 3000);
	sm_stream_pool_stats(f->sp, &ps);
	assert_int_equal(ps.chunks_held, 2);
	feed(f->sp, f->st, &f->rec, C, ACK, 1001, big, 1);
	assert_int_equal(f->rec.n[C], sizeof(big));
	assert_memory_equal(f->rec.data[C], big, sizeof(big));
	assert_int_equal(f->rec.next_off[C], sizeof(big));
}

/* Freeing a stream that holds chunks in both directions gives them all
 * back, without a callback. */
static void
test_free_with_held_chunks(void **state)
{
	struct fx *f = *state;
	struct rte_mempool *mp = rte_mempool_lookup("sm_strc_0");
	unsigned int full = rte_mempool_avail_count(mp);

	feed(f->sp, f->st, &f->rec, C, SYN, 1000, NULL, 0);
	feed(f->sp, f->st, &f->rec, C, ACK, 1003, (const uint8_t *)"b", 1);
	feed(f->sp, f->st, &f->rec, C, ACK, 1005, (const uint8_t *)"d", 1);
	feed(f->sp, f->st, &f->rec, C, ACK, 1007, (const uint8_t *)"f", 1);
	feed(f->sp, f->st, &f->rec, S, SYN | ACK, 5000, NULL, 0);
	feed(f->sp, f->st, &f->rec, S, ACK, 5003, (const uint8_t *)"y", 1);
	assert_int_equal(rte_mempool_avail_count(mp), full - 4);
	sm_stream_free(f->sp, f->st);
	f->st = NULL;
	assert_int_equal(rte_mempool_avail_count(mp), full);
	assert_string_equal(f->rec.log, "");
}

/* The stream objects run out after TEST_STREAMS; the failure is counted. */
static void
test_create_exhausted(void **state)
{
	struct fx *f = *state;
	struct sm_stream *more[TEST_STREAMS - 1];
	struct sm_stream_pool_stats ps;

	for (unsigned int i = 0; i < SM_ARRAY_SIZE(more); i++)
		assert_non_null(more[i] = sm_stream_create(f->sp));
	assert_null(sm_stream_create(f->sp));
	assert_int_equal(rte_errno, ENOBUFS);
	sm_stream_pool_stats(f->sp, &ps);
	assert_int_equal(ps.create_failures, 1);
	assert_int_equal(ps.streams_in_use, TEST_STREAMS);
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(more); i++)
		sm_stream_free(f->sp, more[i]);
	sm_stream_free(f->sp, NULL);
}

static void
test_bad_arguments(void **state)
{
	struct fx *f = *state;
	static const struct sm_stream_ops no_data = { .gap = on_gap };
	struct sm_stream_params p = { .ops = &rec_ops, .streams = 1, .id = 1,
				      .socket = SOCKET_ID_ANY };
	struct sm_stream_params bad;

	bad = p;
	bad.ops = NULL;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	bad = p;
	bad.ops = &no_data;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	bad = p;
	bad.streams = 0;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	bad = p;
	bad.window = SM_STREAM_WINDOW_MAX + 1;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	bad = p;
	bad.dir_bytes = SM_STREAM_CHUNK_SIZE - 1;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EINVAL);
	/* The fixture's pool has id 0. */
	bad = p;
	bad.id = 0;
	assert_null(sm_stream_pool_create(&bad));
	assert_int_equal(rte_errno, EEXIST);
	assert_int_equal(sm_stream_stop(f->sp, f->st, 2), -EINVAL);
	assert_int_equal(sm_stream_anchor(f->st, -1, 0), -EINVAL);
	assert_null(sm_stream_stats(f->st, 2));
	feed(f->sp, f->st, &f->rec, C, SYN, 1000, NULL, 0);
	assert_int_equal(sm_stream_anchor(f->st, C, 1001), -EALREADY);
}

/* Segments of two streams in one burst, a session without a stream
 * between them. */
static void
test_burst(void **state)
{
	struct fx *f = *state;
	struct rec r2 = { 0 };
	struct sm_stream *st2 = sm_stream_create(f->sp);
	const struct sm_stream_seg seg[] = {
		{ .seq = 1000, .flags = SYN, .dir = C },
		{ .seq = 3000, .flags = SYN, .dir = S },
		{ .seq = 9, .flags = SYN, .dir = C },
		{ .data = (const uint8_t *)"lo", .len = 2, .wire_len = 2, .seq = 1004,
		  .flags = ACK, .dir = C },
		{ .data = (const uint8_t *)"hi", .len = 2, .wire_len = 2, .seq = 3001,
		  .flags = ACK, .dir = S },
		{ .data = (const uint8_t *)"hel", .len = 3, .wire_len = 3, .seq = 1001,
		  .flags = ACK, .dir = C },
	};
	struct sm_stream *const st[] = { f->st, st2, NULL, f->st, st2, f->st };
	void *const arg[] = { &f->rec, &r2, NULL, &f->rec, &r2, &f->rec };

	sm_stream_segment_burst(f->sp, st, seg, arg, SM_ARRAY_SIZE(seg));
	assert_string_equal(f->rec.log, "cD0+3 cD3+2");
	assert_memory_equal(f->rec.data[C], "hello", 5);
	assert_string_equal(r2.log, "sD0+2");
	sm_stream_free(f->sp, st2);
}

/* ------------------------------------------------------------------ */
/* segments from parsed mbufs */

/* Ethernet + IPv4 + TCP 10.0.0.1:40000 -> 10.0.0.2:80, seq 0x01000001,
 * ack 0x02000001, ACK|PSH, data offset 5, then "hello world". IPv4 total
 * length 20 + 20 + 11 = 51 (0x33). */
static const uint8_t frame_hello[] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x33, 0x12, 0x34, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x9c, 0x40, 0x00, 0x50,             /* ports 40000, 80 */
	0x01, 0x00, 0x00, 0x01,             /* seq */
	0x02, 0x00, 0x00, 0x01,             /* ack */
	0x50, 0x18, 0xff, 0xff,             /* data offset 5; ACK PSH; window */
	0x00, 0x00, 0x00, 0x00,             /* checksum, urgent pointer */
	'h', 'e', 'l', 'l', 'o', ' ', 'w', 'o', 'r', 'l', 'd',
};

/* The same with "hi" (total length 42 = 0x2a), padded to Ethernet's 60
 * bytes: the 4 padding bytes are not payload. */
static const uint8_t frame_hi_padded[] = {
	0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x08, 0x00,
	0x45, 0x00, 0x00, 0x2a, 0x12, 0x35, 0x40, 0x00, 0x40, 0x06, 0x00, 0x00,
	10, 0, 0, 1, 10, 0, 0, 2,
	0x9c, 0x40, 0x00, 0x50,
	0x01, 0x00, 0x00, 0x0c,             /* seq 0x0100000c, after "hello world" */
	0x02, 0x00, 0x00, 0x01,
	0x50, 0x18, 0xff, 0xff,
	0x00, 0x00, 0x00, 0x00,
	'h', 'i', 0xee, 0xee, 0xee, 0xee,
};

static struct rte_mbuf *
parsed(const uint8_t *frame, size_t len, size_t split)
{
	struct rte_mbuf *m = sm_test_mbuf(mbufs, frame, split);
	struct sm_counters cnt = { 0 };

	if (split < len)
		assert_int_equal(rte_pktmbuf_chain(m, sm_test_mbuf(mbufs, frame + split,
								   len - split)), 0);
	assert_int_equal(sm_parse_pkt(m, sm_pkt_meta(m), &cnt), SM_PARSE_OK);
	return m;
}

/* "hello world" split across two mbufs after "hello" (frame byte 59),
 * then "hi" in a padded frame: the stream gets "hello worldhi". */
static void
test_seg_from_mbuf(void **state)
{
	struct fx *f = *state;
	struct rte_mbuf *m1 = parsed(frame_hello, sizeof(frame_hello), 59);
	struct rte_mbuf *m2 = parsed(frame_hi_padded, sizeof(frame_hi_padded),
				     sizeof(frame_hi_padded));
	struct sm_stream_seg seg;

	assert_int_equal(sm_stream_seg_from_mbuf(&seg, m1, C), 0);
	assert_null(seg.data);
	assert_ptr_equal(seg.m, m1);
	assert_int_equal(seg.data_off, 54);
	assert_int_equal(seg.seq, 0x01000001);
	assert_int_equal(seg.ack, 0x02000001);
	assert_int_equal(seg.len, 11);
	assert_int_equal(seg.wire_len, 11);
	assert_int_equal(seg.flags, ACK | PSH);
	sm_stream_segment(f->sp, f->st, &seg, &f->rec);
	assert_int_equal(sm_stream_seg_from_mbuf(&seg, m2, C), 0);
	assert_non_null(seg.data);
	assert_int_equal(seg.len, 2);
	assert_int_equal(seg.wire_len, 2);
	sm_stream_segment(f->sp, f->st, &seg, &f->rec);
	assert_int_equal(f->rec.n[C], 13);
	assert_memory_equal(f->rec.data[C], "hello worldhi", 13);
	/* The chain comes in two pieces, where the mbufs meet. */
	assert_string_equal(f->rec.log, "cD0+5 cD5+6 cD11+2");
	assert_int_equal(sm_stream_seg_from_mbuf(&seg, m2, 2), -EINVAL);
	rte_pktmbuf_free(m1);
	rte_pktmbuf_free(m2);
}

/* ------------------------------------------------------------------ */
/* real captures against tshark */

/*
 * Every TCP session with payload in these captures, its two byte streams as
 * tshark 4.0.17 reassembles them: "tshark -r TRACE -qz follow,tcp,raw,N",
 * the hex lines of each node concatenated (node A is tshark's node 0), and
 * the SHA-256 of those bytes. Sessions are found by their port pair. For
 * zeek_http_get and zeek_wikipedia_http_dns, Zeek's conn.log in
 * ../shared/traces/expected/thirdparty/zeek gives the same byte counts
 * (orig_bytes, resp_bytes) and missed_bytes 0: no gap is expected in these.
 */
static const struct follow {
	const char *trace;
	uint16_t port_a, port_b;
	uint32_t len_a;
	const char *sha_a;
	uint32_t len_b;
	const char *sha_b;
	uint64_t gap_a, gap_b;
} follows[] = {
	{ "zeek_http_get", 59856, 80,
	  136, "2bb0935aa9b1c1b327153d812459d15fd711f88431c0b230616649065845c5ae",
	  5007, "8e1f2b1949b51fbe89de6f66ed037f10bda908f737cbb3551ff03940d8c80610", 0, 0 },
	{ "zeek_tcp_ooo_ctu", 888, 64702,
	  13, "7d362601bff844a40fe1dba62e1bd4a44a56cebe620e36987a7eb7969b22490e",
	  0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, 0 },
	{ "zeek_tls12_ecdhe", 56981, 443,
	  420, "9a568f89ec3c3f970f2990bc09f4ec17a88ed3b27cbd0fd836d7dc4ebace0908",
	  4673, "f0ed894f850d711f50db425ff4ae0755bc7ff586343cd268f18cb142a87bef70", 0, 0 },
	{ "zeek_wikipedia_http_dns", 35634, 80,
	  463, "c67cd380afd82ba37f7a40d5df75a21bb7cd8b55d2ef54de6a7f3858011fe10d",
	  350, "1556a969ba7b5edfabaff81828213456dbbf00a91cfaa7208c98ea7eb59117d5", 0, 0 },
	{ "zeek_wikipedia_http_dns", 48649, 80,
	  525, "511934c501013371b366e9ab812cba5b43ef4bbd7c7f2f494d5b149476ec8a75",
	  232, "c0581ed5ad05cf7df109165f52c27ae8602d658cf62d4d162b96addd7a2eb9c1", 0, 0 },
	{ "zeek_wikipedia_http_dns", 49996, 80,
	  1171, "dc75245af1b2998b1fb9c33c95c24ca55420fc3315455bf284ecbef4deaa51c8",
	  733, "73e30fd0a8329a4e3a61912fe8bb0a7581fd4026b3e7fab0f00b568b620b3370", 0, 0 },
	{ "zeek_wikipedia_http_dns", 49997, 80,
	  1125, "dd94902ed387863ddc83fc288618ab6a5741ba83486a53568505395094fc0f7d",
	  734, "dd0563468adbdba9f3d1a76b5d5adc44f9366fe907a5bec38733a47792403630", 0, 0 },
	{ "zeek_wikipedia_http_dns", 49998, 80,
	  1130, "dbec98481891cd2e2256ccff7afa58dc69ca4d3f490de62d191dc2d673b13cdf",
	  734, "9082b221a33cf65e103e7923e2d0ad11024b840c03229a0aceba5103062be9b6", 0, 0 },
	{ "zeek_wikipedia_http_dns", 49999, 80,
	  1137, "1afed3814596c718b05edf4cc5b2d9c81a2795bcb979a43ee50080eaeabf4013",
	  733, "5385f9f3eba703c869cebe660fbccb6117d3b872ff2a8ce77c3b39464f12a830", 0, 0 },
	{ "zeek_wikipedia_http_dns", 50000, 80,
	  1148, "0b553141250f78eb54447eab53833d6d6406ea592b21f3c3e9928cec0f749d92",
	  734, "ea7b0134427dada1b9806d822ebecbf5d473b7fc7c61c76da3c58fabc8f877bf", 0, 0 },
	{ "zeek_wikipedia_http_dns", 50001, 80,
	  1178, "a522372efe9835d7d53905306ac85ed2ce30e5a71728207e50ec2241ca4e288c",
	  734, "d057d11d7939b46dc157c22ebee13a857c08eb1ea632bbc4f887becf617fac15", 0, 0 },
	{ "zeek_wikipedia_http_dns", 35642, 80,
	  534, "90d4b5ea495b24de9f889e4a03d5f803bd4d76d1af177417d91c0157017eef51",
	  412, "ce4b064298ef05ab62ceec89e44faf87a7f5fcf96c80996e780397b24458b798", 0, 0 },
	{ "ja4_latest_mixed", 52936, 443,
	  9450, "352a1e058285b7a004f0d6418271bd91049d8d11acd7f2639f6fe0d74d906b13",
	  4487, "d1eb6f1411f4965774c7e8ddbbd58bc294dfb0a31ddd2a0e3a2f431ba5876471", 0, 0 },
	{ "ja4_latest_mixed", 52915, 443,
	  325, "87ca026e15c0929904800163d86bc71b3cbbc6609586b84bfe49e0319374d8cc",
	  323, "bb079d7d0c736bdef5bad98fbff17bdb3a7ac07f710c3387ee13e70d2b1e4e5c", 0, 0 },
	{ "ja4_latest_mixed", 52937, 443,
	  502, "1b5c16627dba764e42da1a937cb71fc99e27b7c9429ebb274c921c5555e8c6f4",
	  4883, "da87c99b1a4dc458d7520192598171d433143527181ff529c40b0d5d32a812a8", 0, 0 },
	{ "ja4_latest_mixed", 52203, 443,
	  217, "d0fd38e6d94c49a8db629196b55e20d929ae69d7ce5141bd6f6564f1c0c1eb42",
	  195, "a0193587a0f11ce58d69d308f66b3256f645c8407999255d8568639592ddec7f", 0, 0 },
	{ "ja4_latest_mixed", 52938, 443,
	  1353, "2f46968cec36fa664eeee728258dfaf1b5a23135fb1ed4b8f32cd1e456be669c",
	  1588, "f40a4bf877553144b2bd447f0324b58113d24d9bbbde3cf49ee777f368129725", 0, 0 },
	{ "ja4_latest_mixed", 52939, 80,
	  391, "9269378316431df7d4679ee60e84ba0360cb8647238fd0437b97722628e2a871",
	  270, "9ddc483c17c8b1bbd2d1ab60da729442bc7195d3cb03ed6077da51df693ca0ae", 0, 0 },
	{ "ja4_latest_mixed", 443, 52930,
	  31, "da9f0f9e7e33c4a655f6ddfb53093e4837b796798032e07b3934eafbc0020de8",
	  0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0, 0 },
	{ "ja4_latest_mixed", 52940, 443,
	  2537, "8a7aa74905ff124c9135f9fc66c259d502d852795fdbc200ee6a81694558793f",
	  10008, "6c99f4925bf7ee14437a758549b88e3a1a89f87934858f783a152707a92b810e", 0, 0 },
	{ "ja4_latest_mixed", 52941, 443,
	  3162, "2e8d61273053907e26f4855f7b5c46c370e6f3bf2cd87ee1fab1726502b7e366",
	  8018, "931107151b4b702e75332f78e98595f116b1ecb249e3f38164757aa85b9da5dd", 0, 0 },
	{ "zeek_tls13_chrome_kyber", 13783, 443,
	  1830, "f3f826c7d19e5a9ee47e2d09507f38152424bfa9fec3a767c49247b6d9b824c5",
	  9045, "0af7d6e5dbf6d89639125eece0a1a4cc6cda9169c0ff0840bb91b589d4090d34", 0, 0 },
	/* A 54-byte snap length cut every payload byte (tshark: frame.cap_len
	 * 54, tcp.len up to 1446): nothing to follow, and all of it gaps, from
	 * relative sequence number 1 to the highest segment end, 475 for the
	 * client and 22881 + 903 = 23784 for the server. */
	{ "zeek_tcp_retransmit_snaplen", 50368, 80,
	  0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	  0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 474, 23783 },
};

static const char *const traces[] = {
	"zeek_http_get", "zeek_tcp_ooo_ctu", "zeek_tls12_ecdhe", "zeek_wikipedia_http_dns",
	"ja4_latest_mixed", "zeek_tls13_chrome_kyber", "zeek_tcp_retransmit_snaplen",
};

#define TRACE_SESSIONS 16

struct trace_sess {
	struct sm_sess_key key;
	struct sm_stream *st;
	struct rec r;
};

/* A frame in a chain of mbufs of at most 2048 bytes each (captures taken
 * with segmentation offload hold frames of several kilobytes). */
static struct rte_mbuf *
frame_mbuf(const uint8_t *p, uint32_t len)
{
	struct rte_mbuf *head = sm_test_mbuf(mbufs, p, RTE_MIN(len, 2048u));

	for (uint32_t off = 2048; off < len; off += 2048)
		assert_int_equal(rte_pktmbuf_chain(head, sm_test_mbuf(mbufs, p + off,
								      RTE_MIN(len - off, 2048u))), 0);
	return head;
}

static struct trace_sess *
trace_session(struct fx *f, struct trace_sess *ts, unsigned int *n, const struct sm_sess_key *k)
{
	for (unsigned int i = 0; i < *n; i++)
		if (memcmp(&ts[i].key, k, sizeof(*k)) == 0)
			return &ts[i];
	assert_true(*n < TRACE_SESSIONS);
	ts[*n].key = *k;
	ts[*n].st = sm_stream_create(f->sp);
	assert_non_null(ts[*n].st);
	return &ts[(*n)++];
}

/* Each TCP packet to its session's stream; the direction is the sending
 * key endpoint. */
static unsigned int
feed_trace(struct fx *f, pcap_t *pc, struct trace_sess *ts)
{
	struct pcap_pkthdr *h;
	const u_char *bytes;
	unsigned int n = 0;

	while (pcap_next_ex(pc, &h, &bytes) == 1) {
		struct rte_mbuf *m = frame_mbuf(bytes, h->caplen);
		struct sm_pkt_meta *pm = sm_pkt_meta(m);
		struct sm_counters cnt = { 0 };
		struct sm_stream_seg seg;

		if (sm_parse_pkt(m, pm, &cnt) == SM_PARSE_OK && pm->kind == SM_PKT_SESSION &&
		    pm->key.proto == 6 && pm->key.kind == SM_KEY_L4) {
			struct trace_sess *t = trace_session(f, ts, &n, &pm->key);

			assert_int_equal(sm_stream_seg_from_mbuf(&seg, m,
						(pm->flags & SM_PF_FROM_LO) ? 0 : 1), 0);
			sm_stream_segment(f->sp, t->st, &seg, &t->r);
		}
		rte_pktmbuf_free(m);
	}
	return n;
}

static void
expect_sha256(const uint8_t *p, uint32_t len, const char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int md_len;
	char got[2 * EVP_MAX_MD_SIZE + 1];

	assert_int_equal(EVP_Digest(p, len, md, &md_len, EVP_sha256(), NULL), 1);
	for (unsigned int i = 0; i < md_len; i++)
		snprintf(got + 2 * i, 3, "%02x", md[i]);
	assert_string_equal(got, hex);
}

static void
expect_follow(const struct follow *fo, struct trace_sess *ts, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		const struct sm_sess_key *k = &ts[i].key;
		int a = k->port[0] == fo->port_a ? 0 : 1;

		if (k->port[a] != fo->port_a || k->port[a ^ 1] != fo->port_b)
			continue;
		assert_int_equal(ts[i].r.n[a], fo->len_a);
		expect_sha256(ts[i].r.data[a], ts[i].r.n[a], fo->sha_a);
		assert_int_equal(ts[i].r.n[a ^ 1], fo->len_b);
		expect_sha256(ts[i].r.data[a ^ 1], ts[i].r.n[a ^ 1], fo->sha_b);
		assert_int_equal(sm_stream_stats(ts[i].st, a)->gap_bytes, fo->gap_a);
		assert_int_equal(sm_stream_stats(ts[i].st, a ^ 1)->gap_bytes, fo->gap_b);
		return;
	}
	fail_msg("%s: no session %u-%u", fo->trace, fo->port_a, fo->port_b);
}

static void
test_trace(void **state)
{
	struct fx *f = *state;
	const char *trace = f->row;
	const char *root = getenv("SM_SHARED");
	char path[1024], err[PCAP_ERRBUF_SIZE];
	static struct trace_sess ts[TRACE_SESSIONS];
	unsigned int n;
	pcap_t *pc;

	memset(ts, 0, sizeof(ts));

	snprintf(path, sizeof(path), "%s/traces/%s.pcap", root != NULL ? root : "", trace);
	pc = root != NULL ? pcap_open_offline(path, err) : NULL;
	if (pc == NULL) {
		snprintf(path + strlen(path), sizeof(path) - strlen(path), "ng");
		pc = root != NULL ? pcap_open_offline(path, err) : NULL;
	}
	if (pc == NULL) {
		print_message("SKIP: SM_SHARED not set or %s not found\n", trace);
		skip();
	}
	n = feed_trace(f, pc, ts);
	pcap_close(pc);
	for (unsigned int i = 0; i < n; i++)
		sm_stream_flush(f->sp, ts[i].st, &ts[i].r);
	for (size_t i = 0; i < SM_ARRAY_SIZE(follows); i++)
		if (strcmp(follows[i].trace, trace) == 0)
			expect_follow(&follows[i], ts, n);
	for (unsigned int i = 0; i < n; i++)
		sm_stream_free(f->sp, ts[i].st);
}

/* A pool for a capture's sessions; no stream of its own. */
static int
setup_trace(void **state)
{
	struct fx *f = test_calloc(1, sizeof(*f));

	f->sp = make_pool(TRACE_SESSIONS, TEST_DIR_BYTES, 8 * TEST_WORKER_BYTES);
	f->row = *state;
	*state = f;
	return 0;
}

#define TEST(t) cmocka_unit_test_setup_teardown(t, setup, teardown)

int
main(int argc, char **argv)
{
	static const struct CMUnitTest singles[] = {
		cmocka_unit_test_setup_teardown(test_worker_bound, setup_two_chunks, teardown),
		TEST(test_segment_larger_than_a_chunk),
		TEST(test_free_with_held_chunks),
		TEST(test_create_exhausted),
		TEST(test_bad_arguments),
		TEST(test_burst),
		TEST(test_seg_from_mbuf),
	};
	struct CMUnitTest convs[SM_ARRAY_SIZE(rows)];
	struct CMUnitTest captures[SM_ARRAY_SIZE(traces)];
	int rc;

	(void)argc;
	for (size_t i = 0; i < SM_ARRAY_SIZE(rows); i++)
		convs[i] = (struct CMUnitTest){
			.name = rows[i].name,
			.test_func = test_conversation,
			.setup_func = setup_row,
			.teardown_func = teardown,
			.initial_state = (void *)(uintptr_t)&rows[i],
		};
	for (size_t i = 0; i < SM_ARRAY_SIZE(traces); i++)
		captures[i] = (struct CMUnitTest){
			.name = traces[i],
			.test_func = test_trace,
			.setup_func = setup_trace,
			.teardown_func = teardown,
			.initial_state = (void *)(uintptr_t)traces[i],
		};
	mbufs = sm_test_eal_init(argv[0], 64);
	rc = cmocka_run_group_tests_name("stream conversations", convs, NULL, NULL);
	rc += cmocka_run_group_tests_name("stream", singles, NULL, NULL);
	rc += cmocka_run_group_tests_name("stream captures vs tshark", captures, NULL, NULL);
	sm_test_eal_fini(mbufs);
	return rc;
}
