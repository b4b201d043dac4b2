/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: TCP stream reassembly, against a reference model.
 *
 * Input: a 10-byte header, then 8-byte segment records (a partial record
 * at the end is ignored).
 *   header  0-3  initial sequence number of direction 0 (little endian)
 *           4-7  of direction 1
 *           8    bits 0-1: pool configuration (bounds and window, CONFIGS)
 *           9    data and gap callbacks before the consumer returns
 *                SM_STREAM_STOP (0: never)
 *   record  0    bit 0 direction; bit 1 content version (a retransmission
 *                with other bytes); bit 2 payload in a two-mbuf chain;
 *                bits 4-5 op: 0-1 segment, 2 stop the direction, 3 segment
 *                whose capture was cut (100 more bytes on the wire)
 *           1    TCP flags
 *           2-3  sequence number - ISN of the direction (int16)
 *           4    payload length, low 8 bits
 *           5    bits 0-3: payload length, high 4 bits; bits 4-7: a jump
 *                of that many times 2^27 added to the sequence number
 *           6-7  acknowledgement number - ISN of the other direction (int16)
 * The payload is not in the input: byte i of a segment at sequence number
 * q is content(direction, q + i, version), so every delivered byte can be
 * checked against the sequence number it must stand for.
 *
 * The reference model keeps, per direction and for a span of sequence
 * numbers around the ISN, which content versions were sent and whether a
 * segment carrying the byte was accepted (the direction open, the segment
 * in the window, not a RST, not a keep-alive: the rules of stream.h). Besides
 * the sanitizers, it aborts when:
 * - a data or gap callback does not start where the previous one ended
 *   (offsets monotonic, the stream tiled), or comes after the direction's
 *   end or stop;
 * - a delivered byte is not one of the versions sent for its sequence
 *   number (garbage, a wrong offset, a stale chunk);
 * - a gap covers a byte an accepted segment carried (accepted bytes are
 *   held or delivered, never skipped);
 * - the statistics disagree with the callbacks (gaps, gap bytes, packets);
 * - a stream holds more chunks than its two directions' bound;
 * - a chunk or a stream object is missing from its mempool after the
 *   stream is flushed and freed.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sanitizer/asan_interface.h>

#include <rte_debug.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/stream.h"
#include "test_eal.h"

#define HDR 10
#define REC 8
/* Sequence numbers modelled: ISN - 64 KiB .. ISN + 192 KiB. */
#define SPAN_BEFORE 65536u
#define SPAN (4u * 65536u)
#define CUT_EXTRA 100
#define POOL_MBUFS 64

#define SEEN_V0 0x01
#define SEEN_V1 0x02
#define ACCEPTED 0x04

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Pools by header byte 8: per-direction bound, worker chunks, window. */
static const struct {
	uint32_t dir_chunks;
	uint32_t worker_chunks;
	uint32_t window;
} CONFIGS[4] = {
	{ 32, 64, SM_STREAM_WINDOW_MAX },
	{ 2, 64, 65536 },
	{ 8, 3, 4096 },   /* the worker bound comes first */
	{ 1, 64, SM_STREAM_WINDOW_MAX },
};

struct model_dir {
	bool started;
	bool done;          /* ended or stopped: nothing may follow */
	uint32_t isn;
	uint32_t base;      /* sequence number of stream offset 0 */
	uint64_t next_off;  /* where the next data or gap must start */
	uint64_t gap_bytes;
	uint64_t pkts;
	uint32_t gaps;
	uint32_t overlaps;
	uint8_t seen[SPAN];
};

struct model {
	struct model_dir d[SM_DIR_MAX];
	unsigned int calls;      /* data and gap callbacks */
	unsigned int stop_after;
};

static struct rte_mempool *mbufs;
static struct sm_stream_pool *pools[4];
static struct model model;

static uint8_t
content(int dir, uint32_t q, unsigned int version)
{
	/* Multiplicative mixing (Knuth's 2654435761): neighbouring sequence
	 * numbers and the two versions give unrelated bytes. */
	return (uint8_t)(((q ^ ((uint32_t)dir << 30)) * 2654435761u + version * 0x5bd1e995u) >> 24);
}

static uint8_t *
seen_at(struct model_dir *md, uint32_t q)
{
	uint32_t i = q - (md->isn - SPAN_BEFORE);

	return i < SPAN ? &md->seen[i] : NULL;
}

static void
check_tile(struct model_dir *md, uint64_t off, uint32_t len)
{
	RTE_VERIFY(!md->done);
	RTE_VERIFY(off == md->next_off);
	RTE_VERIFY(len > 0);
	md->next_off = off + len;
}

/* The consumer stops the direction after its stop_after-th callback. */
static int
consumer_verdict(struct model *mo, struct model_dir *md)
{
	if (++mo->calls != mo->stop_after)
		return 0;
	md->done = true;
	return SM_STREAM_STOP;
}

static int
on_data(void *arg, int dir, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct model *mo = arg;
	struct model_dir *md = &mo->d[dir];

	check_tile(md, off, len);
	for (uint32_t i = 0; i < len; i++) {
		uint32_t q = md->base + (uint32_t)(off + i);
		const uint8_t *s = seen_at(md, q);

		if (s == NULL)
			continue;
		RTE_VERIFY(((*s & SEEN_V0) && p[i] == content(dir, q, 0)) ||
			   ((*s & SEEN_V1) && p[i] == content(dir, q, 1)));
	}
	return consumer_verdict(mo, md);
}

/* No byte an accepted segment carried lies in [off, off + len) (offsets
 * below 2^31: past it, their sequence numbers may alias earlier ones). */
static void
check_gap(const struct model_dir *md, uint64_t off, uint32_t len)
{
	uint32_t span_start = md->isn - SPAN_BEFORE;

	/* Whichever is shorter: the gap's bytes or the modelled span. */
	if (len <= SPAN) {
		for (uint32_t i = 0; i < len && off + i < (1ull << 31); i++) {
			uint32_t j = md->base + (uint32_t)(off + i) - span_start;

			RTE_VERIFY(j >= SPAN || !(md->seen[j] & ACCEPTED));
		}
		return;
	}
	for (uint32_t j = 0; j < SPAN; j++) {
		uint64_t o = (uint32_t)(span_start + j - md->base);

		RTE_VERIFY(o < off || o >= off + len || o >= (1ull << 31) ||
			   !(md->seen[j] & ACCEPTED));
	}
}

static int
on_gap(void *arg, int dir, uint64_t off, uint32_t len)
{
	struct model *mo = arg;
	struct model_dir *md = &mo->d[dir];

	check_tile(md, off, len);
	check_gap(md, off, len);
	md->gaps++;
	md->gap_bytes += len;
	return consumer_verdict(mo, md);
}

static void
on_overlap(void *arg, int dir, const struct sm_stream_overlap *o)
{
	struct model_dir *md = &((struct model *)arg)->d[dir];

	RTE_VERIFY(!md->done);
	RTE_VERIFY(o->old_len > 0);
	md->overlaps++;
}

static void
on_end(void *arg, int dir, uint64_t off, enum sm_stream_end why)
{
	struct model_dir *md = &((struct model *)arg)->d[dir];

	RTE_VERIFY(!md->done);
	RTE_VERIFY(off == md->next_off);
	RTE_VERIFY(why < SM_STREAM_END_MAX);
	md->done = true;
}

static const struct sm_stream_ops ops = {
	.data = on_data,
	.gap = on_gap,
	.inconsistency = on_overlap,
	.end = on_end,
};

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	mbufs = sm_test_eal_init((*argv)[0], POOL_MBUFS);
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(CONFIGS); i++) {
		struct sm_stream_params p = {
			.ops = &ops,
			.streams = 1,
			.dir_bytes = CONFIGS[i].dir_chunks * SM_STREAM_CHUNK_SIZE,
			.worker_bytes = CONFIGS[i].worker_chunks * SM_STREAM_CHUNK_SIZE,
			.window = CONFIGS[i].window,
			.id = (uint16_t)i,
			.socket = SOCKET_ID_ANY,
		};

		pools[i] = sm_stream_pool_create(&p);
		RTE_VERIFY(pools[i] != NULL);
	}
	return 0;
}

static uint32_t
le32(const uint8_t *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int16_t
le16s(const uint8_t *p)
{
	return (int16_t)(p[0] | p[1] << 8);
}

/* The module's acceptance rules (stream.h), applied before the segment
 * goes in: which of its bytes must end up held or delivered. */
static void
model_segment(struct model_dir *md, const struct sm_stream_seg *seg, unsigned int version,
	      int64_t window)
{
	uint32_t wire = RTE_MAX(seg->wire_len, seg->len);
	uint32_t dseq = seg->seq + ((seg->flags & SM_TCP_SYN) ? 1 : 0);
	bool accepted = false;

	md->pkts++;
	if (seg->flags & SM_TCP_RST)
		return;
	if (!md->started && !md->done && ((seg->flags & (SM_TCP_SYN | SM_TCP_FIN)) || wire > 0)) {
		md->started = true;
		md->base = dseq;
	}
	if (md->started && !md->done) {
		int64_t rel = (int32_t)(dseq - (md->base + (uint32_t)md->next_off));

		accepted = rel <= window && rel >= -window &&
			   !(rel == -1 && wire <= 1 && !(seg->flags & (SM_TCP_SYN | SM_TCP_FIN)));
	}
	for (uint32_t i = 0; i < seg->len; i++) {
		uint8_t *s = seen_at(md, dseq + i);

		if (s != NULL)
			*s |= (version ? SEEN_V1 : SEEN_V0) | (accepted ? ACCEPTED : 0);
	}
}

static struct rte_mbuf *
mbuf_of(const uint8_t *p, uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mbufs);

	RTE_VERIFY(m != NULL);
	RTE_VERIFY(len <= rte_pktmbuf_tailroom(m));
	if (len > 0)
		memcpy(rte_pktmbuf_append(m, (uint16_t)len), p, len);
	/* Reading past the payload is reported even inside the pool. */
	ASAN_POISON_MEMORY_REGION((char *)m->buf_addr + m->data_off + len,
				  m->buf_len - m->data_off - len);
	return m;
}

static void
mbuf_release(struct rte_mbuf *m)
{
	for (struct rte_mbuf *s = m; s != NULL; s = s->next)
		ASAN_UNPOISON_MEMORY_REGION(s->buf_addr, s->buf_len);
	rte_pktmbuf_free(m);
}

static void
run_record(struct sm_stream_pool *sp, struct sm_stream *st, const uint8_t *r, int64_t window)
{
	int dir = r[0] & 1;
	unsigned int version = (r[0] >> 1) & 1, op = (r[0] >> 4) & 3;
	uint32_t len = r[4] | (uint32_t)(r[5] & 0x0f) << 8;
	struct model_dir *md = &model.d[dir];
	struct sm_stream_seg seg = {
		.seq = md->isn + (uint32_t)(int32_t)le16s(r + 2) + ((uint32_t)(r[5] >> 4) << 27),
		.ack = model.d[dir ^ 1].isn + (uint32_t)(int32_t)le16s(r + 6),
		.len = (uint16_t)len,
		.wire_len = (uint16_t)(len + (op == 3 ? CUT_EXTRA : 0)),
		.flags = r[1],
		.dir = (uint8_t)dir,
	};
	struct rte_mbuf *m = NULL;
	/* Exactly the payload's size, so that ASan sees a read past it. */
	uint8_t *payload = malloc(len > 0 ? len : 1);
	uint32_t dseq = seg.seq + ((seg.flags & SM_TCP_SYN) ? 1 : 0);

	RTE_VERIFY(payload != NULL);
	if (op == 2) {
		RTE_VERIFY(sm_stream_stop(sp, st, dir) == 0);
		md->done = true;
		free(payload);
		return;
	}
	for (uint32_t i = 0; i < len; i++)
		payload[i] = content(dir, dseq + i, version);
	if ((r[0] & 0x04) && len >= 2) {
		m = mbuf_of(payload, len / 2);
		RTE_VERIFY(rte_pktmbuf_chain(m, mbuf_of(payload + len / 2, len - len / 2)) == 0);
		seg.m = m;
	} else {
		seg.data = payload;
	}
	model_segment(md, &seg, version, window);
	sm_stream_segment(sp, st, &seg, &model);
	if (m != NULL)
		mbuf_release(m);
	free(payload);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_stream_pool *sp;
	struct sm_stream_pool_stats ps;
	struct sm_stream *st;
	unsigned int cfg;
	struct rte_mempool *chunks;
	char name[RTE_MEMPOOL_NAMESIZE];

	if (size < HDR)
		return 0;
	cfg = data[8] & 3;
	sp = pools[cfg];
	memset(&model, 0, sizeof(model));
	model.d[0].isn = le32(data);
	model.d[1].isn = le32(data + 4);
	model.stop_after = data[9];
	st = sm_stream_create(sp);
	RTE_VERIFY(st != NULL);
	for (size_t off = HDR; off + REC <= size; off += REC) {
		run_record(sp, st, data + off, CONFIGS[cfg].window);
		sm_stream_pool_stats(sp, &ps);
		RTE_VERIFY(ps.chunks_held <= 2 * CONFIGS[cfg].dir_chunks);
	}
	sm_stream_flush(sp, st, &model);
	for (int d = 0; d < SM_DIR_MAX; d++) {
		const struct sm_stream_stats *s = sm_stream_stats(st, d);

		RTE_VERIFY(s->num_pkts == model.d[d].pkts);
		RTE_VERIFY(s->gaps == model.d[d].gaps);
		RTE_VERIFY(s->gap_bytes == model.d[d].gap_bytes);
		RTE_VERIFY(s->inconsistencies >= model.d[d].overlaps);
	}
	sm_stream_free(sp, st);
	sm_stream_pool_stats(sp, &ps);
	RTE_VERIFY(ps.chunks_held == 0 && ps.streams_in_use == 0);
	snprintf(name, sizeof(name), "sm_strc_%u", cfg);
	chunks = rte_mempool_lookup(name);
	RTE_VERIFY(chunks != NULL && rte_mempool_avail_count(chunks) == ps.chunks);
	return 0;
}
