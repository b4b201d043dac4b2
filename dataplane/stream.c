/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <rte_common.h>
#include <rte_debug.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_prefetch.h>

#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/stream.h"

#define IPPROTO_TCP_ 6
/* Streams whose direction state is prefetched ahead in a burst. */
#define PREFETCH_AHEAD 4
#define CHUNK_HDR 20

/* Held out-of-order bytes: stream offsets [off, off + len). A direction's
 * chunks form a list sorted by offset, disjoint, each starting past the
 * delivered point (one that starts at it is delivered at once, and whole:
 * a chunk only ever grows at its end). */
struct chunk {
	struct chunk *next;
	uint64_t off;
	uint16_t len;
	uint8_t pad[2];
	uint8_t data[SM_STREAM_CHUNK_SIZE - CHUNK_HDR];
};

#define CHUNK_DATA ((uint32_t)sizeof(((struct chunk *)0)->data))

_Static_assert(offsetof(struct chunk, data) == CHUNK_HDR, "chunk header size");
_Static_assert(sizeof(struct chunk) == SM_STREAM_CHUNK_SIZE, "a chunk is one element");

enum dir_state {
	DIR_IDLE = 0, /* nothing seen that fixes the start */
	DIR_OPEN,     /* delivering */
	DIR_ENDED,    /* FIN, RST or flush reported: only counted */
	DIR_STOPPED,  /* the consumer is done: only num_pkts */
};

/* One direction: two cache lines. */
struct dir {
	struct chunk *held;   /* out-of-order data, see struct chunk */
	uint64_t cur;         /* stream offset of the next byte to deliver */
	uint32_t base;        /* sequence number of stream offset 0 */
	uint32_t n_held;      /* chunks in held */
	uint32_t last_seq;    /* previous data segment (num_repl) */
	uint16_t last_len;
	uint8_t last_flags;
	uint8_t state;        /* enum dir_state */
	uint64_t fin_off;     /* stream offset of the FIN, if has_fin */
	uint8_t has_fin;      /* a FIN came: the stream ends at fin_off */
	struct sm_stream_stats st;
} __rte_cache_aligned;

struct sm_stream {
	struct dir d[SM_DIR_MAX];
};

_Static_assert(sizeof(struct dir) == 128, "a direction is two cache lines");
_Static_assert(sizeof(struct sm_stream) == 256, "stream.h documents 256 bytes");

struct sm_stream_pool {
	const struct sm_stream_ops *ops;
	struct rte_mempool *chunks;
	struct rte_mempool *streams;
	uint32_t dir_chunks;   /* bound per direction */
	int64_t window;
	struct sm_stream_pool_stats stats;
};

/* What a call works on: the callbacks' arguments travel with it. */
struct ctx {
	struct sm_stream_pool *sp;
	struct dir *d;
	void *arg;
	int dir;
};

/* A segment's captured payload; stream offset s is its first byte. */
struct src {
	const uint8_t *p;         /* contiguous payload, or NULL: m */
	const struct rte_mbuf *m;
	uint32_t off;             /* payload offset in m */
	uint32_t len;
	int64_t s;
};

/* What a segment turned out to carry. */
struct walk {
	uint64_t new_bytes;  /* first seen */
	uint64_t covered;    /* overlapping held data */
	uint64_t diff_off;   /* the first overlap that differed */
	bool differ;
};

static inline uint32_t
nxt(const struct dir *d)
{
	return d->base + (uint32_t)d->cur;
}

static void
chunk_put(struct sm_stream_pool *sp, struct dir *d, struct chunk *c)
{
	rte_mempool_put(sp->chunks, c);
	d->n_held--;
	sp->stats.chunks_held--;
}

/* NULL when a bound keeps the direction from holding more (counted). */
static struct chunk *
chunk_get(const struct ctx *x)
{
	struct sm_stream_pool *sp = x->sp;
	void *c;

	if (x->d->n_held >= sp->dir_chunks) {
		x->d->st.bound_hits++;
		sp->stats.dir_bound_hits++;
		return NULL;
	}
	if (rte_mempool_get(sp->chunks, &c) != 0) {
		x->d->st.bound_hits++;
		sp->stats.worker_bound_hits++;
		return NULL;
	}
	x->d->n_held++;
	if (++sp->stats.chunks_held > sp->stats.chunks_peak)
		sp->stats.chunks_peak = sp->stats.chunks_held;
	return c;
}

static void
release_held(struct sm_stream_pool *sp, struct dir *d)
{
	while (d->held != NULL) {
		struct chunk *c = d->held;

		d->held = c->next;
		chunk_put(sp, d, c);
	}
}

static void
stop_dir(struct sm_stream_pool *sp, struct dir *d)
{
	release_held(sp, d);
	d->state = DIR_STOPPED;
}

/* Callbacks may stop the direction (and so free its held chunks): no list
 * pointer is kept across one. */
static void
deliver(const struct ctx *x, const uint8_t *p, uint32_t len)
{
	uint64_t off = x->d->cur;

	x->d->cur += len;
	if (x->sp->ops->data(x->arg, x->dir, off, p, len) == SM_STREAM_STOP)
		stop_dir(x->sp, x->d);
}

static void
gap(const struct ctx *x, uint32_t len)
{
	const struct sm_stream_ops *ops = x->sp->ops;
	uint64_t off = x->d->cur;

	x->d->cur += len;
	x->d->st.gaps++;
	x->d->st.gap_bytes += len;
	if (ops->gap != NULL && ops->gap(x->arg, x->dir, off, len) == SM_STREAM_STOP)
		stop_dir(x->sp, x->d);
}

/* Deliver the first held chunk, which starts at the delivered point. It
 * leaves the list before the callback and the pool after it. */
static void
deliver_chunk(const struct ctx *x)
{
	struct chunk *c = x->d->held;

	x->d->held = c->next;
	deliver(x, c->data, c->len);
	chunk_put(x->sp, x->d, c);
}

static void
deliver_held(const struct ctx *x)
{
	while (x->d->state == DIR_OPEN && x->d->held != NULL && x->d->held->off == x->d->cur)
		deliver_chunk(x);
}

/* Give up on every hole before @p target: held data is delivered, the
 * holes between are gaps. */
static void
skip_to(const struct ctx *x, uint64_t target)
{
	struct dir *d = x->d;

	while (d->state == DIR_OPEN && d->cur < target) {
		const struct chunk *c = d->held;

		if (c != NULL && c->off == d->cur)
			deliver_chunk(x);
		else
			gap(x, (uint32_t)((c != NULL ? RTE_MIN(c->off, target) : target) - d->cur));
	}
	deliver_held(x);
}

/* Where a stream that gets no more data ends: its FIN, or its last held
 * byte. */
static uint64_t
end_target(const struct dir *d)
{
	const struct chunk *c = d->held;

	if (d->has_fin)
		return d->fin_off;
	if (c == NULL)
		return d->cur;
	while (c->next != NULL)
		c = c->next;
	return c->off + c->len;
}

static void
finish(const struct ctx *x, enum sm_stream_end why)
{
	x->d->state = DIR_ENDED;
	if (x->sp->ops->end != NULL)
		x->sp->ops->end(x->arg, x->dir, x->d->cur, why);
}

/* The delivered point reached the FIN. */
static void
maybe_finish(const struct ctx *x)
{
	if (x->d->state == DIR_OPEN && x->d->has_fin && x->d->cur >= x->d->fin_off)
		finish(x, SM_STREAM_END_FIN);
}

/* No more data will come: deliver what is held, then the end (a FIN's, if
 * one came). */
static void
end_dir(const struct ctx *x, enum sm_stream_end why)
{
	if (x->d->state == DIR_IDLE) {
		x->d->state = DIR_ENDED;
		return;
	}
	if (x->d->state != DIR_OPEN)
		return;
	skip_to(x, end_target(x->d));
	if (x->d->state == DIR_OPEN)
		finish(x, x->d->has_fin && why == SM_STREAM_END_SESSION ? SM_STREAM_END_FIN : why);
}

/* Contiguous payload bytes from stream offset @p o; *n gets their count. */
static const uint8_t *
src_at(const struct src *src, uint64_t o, uint32_t *n)
{
	uint32_t at = (uint32_t)((int64_t)o - src->s);
	const struct rte_mbuf *m = src->m;
	uint32_t moff = src->off + at;

	if (src->p != NULL) {
		*n = src->len - at;
		return src->p + at;
	}
	while (moff >= m->data_len) {
		moff -= m->data_len;
		m = m->next;
	}
	*n = RTE_MIN((uint32_t)m->data_len - moff, src->len - at);
	return rte_pktmbuf_mtod_offset(m, const uint8_t *, moff);
}

/* Copy payload bytes [o, o + n) to @p q, or compare them with it.
 * @return false if compared and different */
static bool
src_move(const struct src *src, uint64_t o, uint8_t *q, uint32_t n, bool copy)
{
	while (n > 0) {
		uint32_t k;
		const uint8_t *p = src_at(src, o, &k);

		k = RTE_MIN(k, n);
		if (copy)
			memcpy(q, p, k);
		else if (memcmp(p, q, k) != 0)
			return false;
		o += k;
		q += k;
		n -= k;
	}
	return true;
}

/* Bytes [pos, pos + n) of the segment fall on held chunk @p c. */
static void
overlap(const struct src *src, struct chunk *c, uint64_t pos, uint32_t n, struct walk *w)
{
	w->covered += n;
	if (!w->differ && !src_move(src, pos, c->data + (pos - c->off), n, false)) {
		w->differ = true;
		w->diff_off = pos;
	}
}

/* Copy bytes [pos, stop), held by nothing, after chunk *prevp (NULL: at the
 * head), growing it when they continue it. @return where copying stopped:
 * @p stop, or the first byte a bound kept out. */
static uint64_t
store(const struct ctx *x, const struct src *src, struct chunk **prevp, uint64_t pos,
      uint64_t stop)
{
	struct chunk *prev = *prevp;

	while (pos < stop) {
		struct chunk *c = prev;
		uint32_t n;

		if (c == NULL || c->off + c->len != pos || c->len == CHUNK_DATA) {
			struct chunk **link = prev != NULL ? &prev->next : &x->d->held;

			c = chunk_get(x);
			if (c == NULL)
				break;
			c->off = pos;
			c->len = 0;
			c->next = *link;
			*link = c;
		}
		n = (uint32_t)RTE_MIN((uint64_t)(CHUNK_DATA - c->len), stop - pos);
		src_move(src, pos, c->data + c->len, n, true);
		c->len = (uint16_t)(c->len + n);
		pos += n;
		prev = c;
	}
	*prevp = prev;
	return pos;
}

/* Hold bytes [pos, end) of a segment that begins past the delivered point,
 * comparing where held data covers them. No callback runs here.
 * @return end, or where a bound stopped it. */
static uint64_t
hold(const struct ctx *x, const struct src *src, uint64_t pos, uint64_t end, struct walk *w)
{
	struct chunk *prev = NULL, *c = x->d->held;

	while (pos < end) {
		while (c != NULL && c->off + c->len <= pos) {
			prev = c;
			c = c->next;
		}
		if (c != NULL && c->off <= pos) {
			uint32_t n = (uint32_t)(RTE_MIN(end, c->off + c->len) - pos);

			overlap(src, c, pos, n, w);
			pos += n;
		} else {
			uint64_t stop = c != NULL ? RTE_MIN(end, c->off) : end;
			uint64_t at = store(x, src, &prev, pos, stop);

			w->new_bytes += at - pos;
			if (at < stop)
				return at;
			pos = at;
		}
	}
	return end;
}

/* Deliver bytes [cur, end) of a segment, held data first where it covers
 * them (the first version seen wins), then what held data follows. */
static void
in_order(const struct ctx *x, const struct src *src, uint64_t end, struct walk *w)
{
	struct dir *d = x->d;

	while (d->state == DIR_OPEN && d->cur < end) {
		struct chunk *c = d->held;
		uint64_t pos = d->cur;

		if (c != NULL && c->off == pos) {
			overlap(src, c, pos, (uint32_t)RTE_MIN((uint64_t)c->len, end - pos), w);
			deliver_chunk(x);
		} else {
			uint64_t lim = c != NULL ? RTE_MIN(c->off, end) : end;
			uint32_t n;
			const uint8_t *p = src_at(src, pos, &n);

			n = (uint32_t)RTE_MIN((uint64_t)n, lim - pos);
			w->new_bytes += n;
			deliver(x, p, n);
		}
	}
	deliver_held(x);
}

static void
src_init(struct src *src, const struct sm_stream_seg *seg, int64_t s)
{
	src->p = seg->data;
	src->m = seg->data != NULL ? NULL : seg->m;
	src->off = seg->data_off;
	src->len = seg->len;
	src->s = s;
	/* Bytes the segment claims but does not have are not captured. */
	if (seg->data == NULL && seg->m == NULL)
		src->len = 0;
	else if (src->m != NULL)
		src->len = src->off < src->m->pkt_len ?
			   RTE_MIN(src->len, src->m->pkt_len - src->off) : 0;
}

static void
count(struct dir *d, uint64_t old, const struct walk *w, bool at_cur)
{
	uint64_t seen = old + w->covered;

	if (seen > 0) {
		d->st.num_rxmit++;
		d->st.num_rxmit_bytes += seen;
	}
	if (w->new_bytes > 0) {
		if (at_cur)
			d->st.num_in_order++;
		else
			d->st.num_OO++;
	}
}

/* Zeek's "last packet was sent again", by sequence number, length and
 * flags (the IP ID Zeek also compares is not in the packet metadata). */
static void
note_repl(struct dir *d, const struct sm_stream_seg *seg, uint32_t wire)
{
	if (wire == 0)
		return;
	if (seg->seq == d->last_seq && wire == d->last_len && seg->flags == d->last_flags)
		d->st.num_repl++;
	d->last_seq = seg->seq;
	d->last_len = (uint16_t)wire;
	d->last_flags = seg->flags;
}

static void
report_overlap(const struct ctx *x, const struct sm_stream_seg *seg, const struct walk *w)
{
	struct sm_stream_overlap o = {
		.off = w->diff_off,
		.old_len = (uint32_t)w->covered,
		.new_len = seg->len,
		.tcp_flags = seg->flags,
	};

	x->d->st.inconsistencies++;
	if (x->d->state != DIR_STOPPED && x->sp->ops->inconsistency != NULL)
		x->sp->ops->inconsistency(x->arg, x->dir, &o);
}

/* Drop held bytes from stream offset @p off on. */
static void
drop_from(struct sm_stream_pool *sp, struct dir *d, uint64_t off)
{
	struct chunk **link = &d->held;

	while (*link != NULL && (*link)->off + (*link)->len <= off)
		link = &(*link)->next;
	if (*link != NULL && (*link)->off < off) {
		(*link)->len = (uint16_t)(off - (*link)->off);
		link = &(*link)->next;
	}
	while (*link != NULL) {
		struct chunk *c = *link;

		*link = c->next;
		chunk_put(sp, d, c);
	}
}

/* A FIN at stream offset @p fin_off ends the stream there once the bytes
 * before it are in: a FIN can overtake the last data (a capture's order is
 * not the sender's), so a hole before it waits like any other (filled, or
 * skipped when acknowledged, on RST or at session end). The earliest FIN
 * binds: nothing may follow it. */
static void
note_fin(const struct ctx *x, int64_t fin_off)
{
	struct dir *d = x->d;

	if (fin_off < (int64_t)d->cur || (d->has_fin && (uint64_t)fin_off > d->fin_off)) {
		d->st.out_of_window++;
		return;
	}
	d->has_fin = 1;
	d->fin_off = (uint64_t)fin_off;
	drop_from(x->sp, d, d->fin_off);
}

/* The data, FIN and statistics of a segment of a started direction. */
static void
seg_data(const struct ctx *x, const struct sm_stream_seg *seg, uint32_t wire)
{
	struct dir *d = x->d;
	uint32_t dseq = seg->seq + ((seg->flags & SM_TCP_SYN) ? 1 : 0);
	int64_t rel = (int32_t)(dseq - nxt(d));
	uint64_t cur0 = d->cur, old, start;
	int64_t s = (int64_t)cur0 + rel;
	struct walk w = { 0 };
	struct src src;

	if (rel > x->sp->window || rel < -x->sp->window) {
		d->st.out_of_window++;
		return;
	}
	/* RFC 9293 §3.8.4: a keep-alive carries SEG.SEQ = SND.NXT - 1 and
	 * zero or one garbage byte. */
	if (rel == -1 && wire <= 1 && !(seg->flags & (SM_TCP_SYN | SM_TCP_FIN))) {
		d->st.keepalives++;
		return;
	}
	note_repl(d, seg, wire);
	old = s < (int64_t)cur0 ? RTE_MIN((uint64_t)wire, (uint64_t)((int64_t)cur0 - s)) : 0;
	start = RTE_MAX((uint64_t)RTE_MAX(s, 0), cur0);
	if (d->state != DIR_OPEN) {
		if (wire > 0 && s + (int64_t)wire > (int64_t)cur0)
			d->st.after_end++;
		count(d, old, &w, false);
		return;
	}
	src_init(&src, seg, s);
	/* Bytes past a FIN are not part of the stream. */
	if (d->has_fin && wire > 0 && s + (int64_t)wire > (int64_t)d->fin_off) {
		d->st.after_end++;
		src.len = (uint32_t)RTE_MAX(RTE_MIN((int64_t)src.len, (int64_t)d->fin_off - s), 0);
	}
	if (s + (int64_t)src.len > (int64_t)start) {
		uint64_t end = (uint64_t)(s + src.len), pos = start;

		/* Held whole, or up to a bound: then the holes before it go. */
		if (pos > d->cur) {
			pos = hold(x, &src, pos, end, &w);
			if (pos < end)
				skip_to(x, pos);
		}
		if (pos < end)
			in_order(x, &src, end, &w);
	}
	count(d, old, &w, start == cur0);
	if (w.differ)
		report_overlap(x, seg, &w);
	/* The capture cut this copy: its missing tail is a gap now, unless
	 * held data fills it. */
	if (d->state == DIR_OPEN && src.len < wire && (int64_t)d->cur == s + src.len)
		skip_to(x, d->has_fin ? RTE_MIN((uint64_t)(s + wire), d->fin_off) : (uint64_t)(s + wire));
	if ((seg->flags & SM_TCP_FIN) && d->state == DIR_OPEN)
		note_fin(x, s + wire);
	maybe_finish(x);
}

/* The peer acknowledged up to @p ack: bytes below it that the monitor has
 * not delivered were missed and will never come. */
static void
ack_peer(const struct ctx *x, uint32_t ack)
{
	int64_t rel = (int32_t)(ack - nxt(x->d));
	uint64_t target;

	if (rel <= 0 || rel > x->sp->window)
		return;
	target = x->d->cur + (uint64_t)rel;
	/* The FIN occupies one sequence number: ack = FIN + 1. */
	skip_to(x, x->d->has_fin ? RTE_MIN(target, x->d->fin_off) : target);
	maybe_finish(x);
}

/* RFC 9293 §3.10.7.4: a RST is valid within the window; it ends the
 * connection, so both streams. */
static void
rst(struct sm_stream_pool *sp, struct sm_stream *st, const struct sm_stream_seg *seg, void *arg)
{
	struct dir *d = &st->d[seg->dir];

	if (d->state == DIR_OPEN) {
		int64_t rel = (int32_t)(seg->seq - nxt(d));

		if (rel < 0 || rel > sp->window) {
			d->st.out_of_window++;
			return;
		}
	}
	for (int i = 0; i < SM_DIR_MAX; i++) {
		struct ctx x = { .sp = sp, .d = &st->d[i], .arg = arg, .dir = i };

		end_dir(&x, SM_STREAM_END_RST);
	}
}

void
sm_stream_segment(struct sm_stream_pool *sp, struct sm_stream *st,
		  const struct sm_stream_seg *seg, void *arg)
{
	struct ctx x = { .sp = sp, .d = &st->d[seg->dir], .arg = arg, .dir = seg->dir };
	struct dir *peer = &st->d[seg->dir ^ 1];
	uint32_t wire = RTE_MAX(seg->wire_len, seg->len);

	RTE_ASSERT(seg->dir < SM_DIR_MAX);
	x.d->st.num_pkts++;
	if ((seg->flags & SM_TCP_ACK) && peer->state == DIR_OPEN) {
		struct ctx px = { .sp = sp, .d = peer, .arg = arg, .dir = seg->dir ^ 1 };

		ack_peer(&px, seg->ack);
	}
	/* A RST ends the peer's stream too, even when this one stopped. */
	if (seg->flags & SM_TCP_RST) {
		rst(sp, st, seg, arg);
		return;
	}
	if (x.d->state == DIR_STOPPED)
		return;
	if (x.d->state == DIR_IDLE) {
		/* A bare ACK may be a keep-alive, one below the true start. */
		if (!(seg->flags & (SM_TCP_SYN | SM_TCP_FIN)) && wire == 0)
			return;
		x.d->base = seg->seq + ((seg->flags & SM_TCP_SYN) ? 1 : 0);
		x.d->state = DIR_OPEN;
	}
	seg_data(&x, seg, wire);
}

void
sm_stream_segment_burst(struct sm_stream_pool *sp, struct sm_stream *const st[],
			const struct sm_stream_seg seg[], void *const arg[], unsigned int n)
{
	for (unsigned int i = 0; i < n; i++) {
		unsigned int a = i + PREFETCH_AHEAD;

		if (a < n && st[a] != NULL) {
			const struct dir *d = &st[a]->d[seg[a].dir & 1];

			rte_prefetch0(d);
			rte_prefetch0((const char *)d + RTE_CACHE_LINE_SIZE);
			rte_prefetch0(&st[a]->d[(seg[a].dir & 1) ^ 1]);
		}
		if (st[i] != NULL)
			sm_stream_segment(sp, st[i], &seg[i], arg[i]);
	}
}

int
sm_stream_stop(struct sm_stream_pool *sp, struct sm_stream *st, int dir)
{
	if (dir < 0 || dir >= SM_DIR_MAX)
		return -EINVAL;
	stop_dir(sp, &st->d[dir]);
	return 0;
}

void
sm_stream_flush(struct sm_stream_pool *sp, struct sm_stream *st, void *arg)
{
	for (int i = 0; i < SM_DIR_MAX; i++) {
		struct ctx x = { .sp = sp, .d = &st->d[i], .arg = arg, .dir = i };

		if (x.d->state == DIR_OPEN)
			end_dir(&x, SM_STREAM_END_SESSION);
	}
}

int
sm_stream_anchor(struct sm_stream *st, int dir, uint32_t seq)
{
	if (dir < 0 || dir >= SM_DIR_MAX)
		return -EINVAL;
	if (st->d[dir].state != DIR_IDLE)
		return -EALREADY;
	st->d[dir].base = seq;
	st->d[dir].state = DIR_OPEN;
	return 0;
}

const struct sm_stream_stats *
sm_stream_stats(const struct sm_stream *st, int dir)
{
	if (dir < 0 || dir >= SM_DIR_MAX)
		return NULL;
	return &st->d[dir].st;
}

int
sm_stream_seg_from_mbuf(struct sm_stream_seg *seg, struct rte_mbuf *m, int dir)
{
	const struct sm_pkt_meta *pm = sm_pkt_meta(m);
	uint32_t pkt_len = rte_pktmbuf_pkt_len(m), off, cap;
	const uint8_t *b;
	uint8_t bbuf;

	if (dir < 0 || dir >= SM_DIR_MAX || pm->key.proto != IPPROTO_TCP_ ||
	    pm->key.kind != SM_KEY_L4 || pm->l4_off == 0)
		return -EINVAL;
	b = rte_pktmbuf_read(m, pm->l4_off + 12u, 1, &bbuf);
	if (b == NULL || (*b >> 4) < 5)
		return -EBADMSG;
	off = pm->l4_off + (*b >> 4) * 4u;
	/* Ethernet padding is not payload; bytes past the capture are not
	 * there. */
	cap = off < pkt_len ? RTE_MIN(pkt_len - off, (uint32_t)pm->payload_len) : 0;
	memset(seg, 0, sizeof(*seg));
	if (off + cap <= rte_pktmbuf_data_len(m))
		seg->data = rte_pktmbuf_mtod_offset(m, const uint8_t *, off);
	else
		seg->m = m;
	seg->data_off = off;
	seg->seq = pm->tcp_seq;
	seg->ack = pm->tcp_ack;
	seg->len = (uint16_t)cap;
	seg->wire_len = pm->payload_len;
	seg->flags = pm->tcp_flags;
	seg->dir = (uint8_t)dir;
	return 0;
}

struct sm_stream *
sm_stream_create(struct sm_stream_pool *sp)
{
	void *o;

	if (rte_mempool_get(sp->streams, &o) != 0) {
		sp->stats.create_failures++;
		rte_errno = ENOBUFS;
		return NULL;
	}
	memset(o, 0, sizeof(struct sm_stream));
	sp->stats.streams_in_use++;
	return o;
}

void
sm_stream_free(struct sm_stream_pool *sp, struct sm_stream *st)
{
	if (st == NULL)
		return;
	for (int i = 0; i < SM_DIR_MAX; i++)
		release_held(sp, &st->d[i]);
	rte_mempool_put(sp->streams, st);
	sp->stats.streams_in_use--;
}

void
sm_stream_pool_stats(const struct sm_stream_pool *sp, struct sm_stream_pool_stats *out)
{
	*out = sp->stats;
}

/* Only the owning worker gets and puts: single producer and consumer, and
 * no per-lcore cache, so the pool's count is exact (tests and the
 * statistics read it) and no chunk sits in another lcore's cache. */
static struct rte_mempool *
pool_of(const char *kind, uint16_t id, uint32_t n, uint32_t size, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), "sm_%s_%u", kind, id);
	return rte_mempool_create(name, n, size, 0, 0, NULL, NULL, NULL, NULL, socket,
				  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
}

struct sm_stream_pool *
sm_stream_pool_create(const struct sm_stream_params *p)
{
	uint32_t dir_bytes = p->dir_bytes != 0 ? p->dir_bytes : SM_STREAM_DIR_BYTES_DEFAULT;
	uint32_t worker_bytes = p->worker_bytes != 0 ? p->worker_bytes :
				SM_STREAM_WORKER_BYTES_DEFAULT;
	uint32_t window = p->window != 0 ? p->window : SM_STREAM_WINDOW_MAX;
	struct sm_stream_pool *sp;
	int err;

	if (p->ops == NULL || p->ops->data == NULL || p->streams == 0 ||
	    window > SM_STREAM_WINDOW_MAX || dir_bytes < SM_STREAM_CHUNK_SIZE ||
	    worker_bytes < SM_STREAM_CHUNK_SIZE) {
		rte_errno = EINVAL;
		return NULL;
	}
	sp = rte_zmalloc_socket("sm_stream_pool", sizeof(*sp), RTE_CACHE_LINE_SIZE, p->socket);
	if (sp == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	sp->ops = p->ops;
	sp->dir_chunks = dir_bytes / SM_STREAM_CHUNK_SIZE;
	sp->window = window;
	sp->stats.chunks = worker_bytes / SM_STREAM_CHUNK_SIZE;
	sp->chunks = pool_of("strc", p->id, sp->stats.chunks, sizeof(struct chunk), p->socket);
	if (sp->chunks == NULL)
		goto fail;
	sp->streams = pool_of("strs", p->id, p->streams, sizeof(struct sm_stream), p->socket);
	if (sp->streams == NULL)
		goto fail;
	return sp;
fail:
	err = rte_errno;
	sm_stream_pool_free(sp);
	rte_errno = err;
	return NULL;
}

void
sm_stream_pool_free(struct sm_stream_pool *sp)
{
	if (sp == NULL)
		return;
	rte_mempool_free(sp->streams);
	rte_mempool_free(sp->chunks);
	rte_free(sp);
}
