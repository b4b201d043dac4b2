/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Signature matching on a worker (sig.h): lazily opened Hyperscan streams,
 * the per-match filter, the inspection depth and the ruleset swap.
 *
 * Stream offsets: Hyperscan numbers the bytes it was given; the stream
 * module numbers the bytes of the connection, gaps included. A direction
 * keeps the difference (delta), which only grows at a gap, so a match
 * ending in the bytes being scanned ends at Hyperscan's offset + delta.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>

#include "sessmon/sig.h"

struct sm_sig_worker {
	struct sm_ruleset *rs;   /* new streams open on it (NULL: none loaded) */
	hs_scratch_t *scratch;   /* valid for rs and every set with open streams */
	uint64_t depth;
	uint32_t max_streams;
	uint16_t id;
	struct sm_sig_stats st;  /* written here only, read with relaxed loads */
};

/* Everything the match callback needs, on the scanning call's stack. */
struct scan_ctx {
	struct sm_sig_worker *w;
	struct sm_ruleset *rs;
	const struct sm_sig_flow *f;
	sm_sig_match_cb cb;
	void *arg;
	uint64_t delta;
	int dir;
};

static const char *const stop_names[SM_SIG_STOP_MAX] = {
	[SM_SIG_STOP_NONE] = "none",
	[SM_SIG_STOP_DEPTH] = "depth",
	[SM_SIG_STOP_TLS_ENCRYPTED] = "tls_encrypted",
	[SM_SIG_STOP_SESSION_END] = "session_end",
	[SM_SIG_STOP_NO_STREAM] = "no_stream",
	[SM_SIG_STOP_NO_RULES] = "no_rules",
};
static_assert(SM_ARRAY_SIZE(stop_names) == SM_SIG_STOP_MAX, "stop reason names");

const char *
sm_sig_stop_name(enum sm_sig_stop why)
{
	return (unsigned int)why < SM_SIG_STOP_MAX ? stop_names[why] : "?";
}

/* Single-writer counters: a relaxed store keeps readers' loads whole. */
static inline void
cnt_add(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c + v, __ATOMIC_RELAXED);
}

static inline void
cnt_sub(uint64_t *c, uint64_t v)
{
	__atomic_store_n(c, *c - v, __ATOMIC_RELAXED);
}

struct sm_sig_worker *
sm_sig_worker_create(const struct sm_sig_params *p)
{
	struct sm_sig_worker *w;

	if (p == NULL || p->id >= SM_MAX_WORKERS || (p->rs != NULL && p->scratch == NULL) ||
	    (p->rs != NULL && p->id >= p->rs->workers)) {
		errno = EINVAL;
		return NULL;
	}
	w = aligned_alloc(64, (sizeof(*w) + 63) & ~(size_t)63);
	if (w == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	memset(w, 0, sizeof(*w));
	w->id = p->id;
	w->max_streams = p->max_streams;
	w->depth = p->depth;
	w->rs = p->rs;
	w->scratch = p->scratch;
	return w;
}

void
sm_sig_worker_free(struct sm_sig_worker *w)
{
	if (w == NULL)
		return;
	hs_free_scratch(w->scratch);
	free(w);
}

void
sm_sig_worker_swap(struct sm_sig_worker *w, struct sm_ruleset *rs, hs_scratch_t *scratch,
		   hs_scratch_t **old_scratch)
{
	*old_scratch = w->scratch;
	w->scratch = scratch;
	w->rs = rs;
	cnt_add(&w->st.swaps, 1);
}

void
sm_sig_worker_stats(const struct sm_sig_worker *w, struct sm_sig_stats *out)
{
	const uint64_t *in = (const uint64_t *)&w->st;
	uint64_t *o = (uint64_t *)out;

	for (size_t i = 0; i < sizeof(*out) / sizeof(uint64_t); i++)
		o[i] = __atomic_load_n(&in[i], __ATOMIC_RELAXED);
}

static int
on_match(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	 void *ctx)
{
	struct scan_ctx *c = ctx;
	const struct sm_rule *r = &c->rs->rules[id];
	uint64_t *hit = &c->rs->hits[c->w->id * c->rs->hits_stride + id];
	struct sm_sig_match m;

	(void)flags;
	if (!sm_rule_applies(r, c->f->proto, c->f->port, c->dir)) {
		cnt_add(&c->w->st.filtered, 1);
		return 0;
	}
	cnt_add(hit, 1);
	cnt_add(&c->w->st.matches, 1);
	m.rule = r;
	m.rule_idx = id;
	m.dir = (uint8_t)c->dir;
	m.end = to + c->delta;
	m.start = r->som ? from + c->delta : UINT64_MAX;
	c->cb(c->arg, &m);
	return 0;
}

static enum sm_sig_stop
dir_open(struct sm_sig_worker *w, struct sm_sig_dir *d, int dir)
{
	struct sm_ruleset *rs = w->rs;
	uint32_t *open;

	if (rs == NULL || rs->db[dir] == NULL)
		return SM_SIG_STOP_NO_RULES;
	if ((w->max_streams != 0 && w->st.streams_open >= w->max_streams) ||
	    hs_open_stream(rs->db[dir], 0, &d->hs) != HS_SUCCESS) {
		d->hs = NULL;
		cnt_add(&w->st.open_failures, 1);
		return SM_SIG_STOP_NO_STREAM;
	}
	d->rs = rs;
	open = &rs->open[w->id].n;
	__atomic_store_n(open, *open + 1, __ATOMIC_RELAXED);
	cnt_add(&w->st.streams_open, 1);
	cnt_add(&w->st.streams_opened, 1);
	cnt_add(&w->st.stream_bytes, rs->stream_bytes[dir]);
	return SM_SIG_STOP_NONE;
}

/* Close the stream (reporting end-of-data matches) and let go of its
 * ruleset; the control thread may free that set right after the release. */
static void
dir_close(struct sm_sig_worker *w, struct sm_sig_dir *d, struct scan_ctx *c)
{
	struct sm_ruleset *rs = d->rs;
	uint32_t *open = &rs->open[w->id].n;

	hs_close_stream(d->hs, w->scratch, on_match, c);
	cnt_sub(&w->st.streams_open, 1);
	cnt_sub(&w->st.stream_bytes, rs->stream_bytes[c->dir]);
	d->hs = NULL;
	d->rs = NULL;
	__atomic_store_n(open, *open - 1, __ATOMIC_RELEASE);
}

enum sm_sig_stop
sm_sig_stop(struct sm_sig_worker *w, struct sm_sig_dir *d, const struct sm_sig_flow *f, int dir,
	    enum sm_sig_stop why, sm_sig_match_cb cb, void *arg)
{
	struct scan_ctx c = {w, d->rs, f, cb, arg, d->delta, dir};

	if (d->stop != SM_SIG_STOP_NONE)
		return d->stop;
	if (d->hs != NULL)
		dir_close(w, d, &c);
	d->stop = (uint8_t)why;
	return why;
}

enum sm_sig_stop
sm_sig_scan(struct sm_sig_worker *w, struct sm_sig_dir *d, const struct sm_sig_flow *f, int dir,
	    uint64_t off, const uint8_t *p, uint32_t len, sm_sig_match_cb cb, void *arg)
{
	struct scan_ctx c;
	bool at_depth;

	if (d->stop != SM_SIG_STOP_NONE)
		return d->stop;
	if (w->depth != 0 && off >= w->depth) {
		/* a gap carried the stream past the depth */
		cnt_add(&w->st.depth_stops, 1);
		return sm_sig_stop(w, d, f, dir, SM_SIG_STOP_DEPTH, cb, arg);
	}
	if (d->hs == NULL) {
		enum sm_sig_stop why = dir_open(w, d, dir);

		if (why != SM_SIG_STOP_NONE) {
			d->stop = (uint8_t)why;
			return why;
		}
	}
	at_depth = w->depth != 0 && off + len >= w->depth;
	if (at_depth)
		len = (uint32_t)(w->depth - off);
	/* The stream hands over tiles: off never falls below what was fed. */
	RTE_ASSERT(off >= d->fed + d->delta);
	d->delta = off - d->fed;
	c = (struct scan_ctx){w, d->rs, f, cb, arg, d->delta, dir};
	if (len > 0 && hs_scan_stream(d->hs, (const char *)p, len, 0, w->scratch, on_match, &c) !=
			       HS_SUCCESS) {
		cnt_add(&w->st.scan_errors, 1);
		return sm_sig_stop(w, d, f, dir, SM_SIG_STOP_NO_STREAM, cb, arg);
	}
	d->fed += len;
	cnt_add(&w->st.bytes_scanned, len);
	if (!at_depth)
		return SM_SIG_STOP_NONE;
	cnt_add(&w->st.depth_stops, 1);
	return sm_sig_stop(w, d, f, dir, SM_SIG_STOP_DEPTH, cb, arg);
}

enum sm_sig_stop
sm_sig_dir_stopped(const struct sm_sig_dir *d)
{
	return (enum sm_sig_stop)d->stop;
}

int
sm_sig_scratch_grow(hs_scratch_t **proto, const struct sm_ruleset *rs)
{
	for (int d = 0; d < SM_DIR_MAX; d++) {
		hs_error_t e;

		if (rs->db[d] == NULL)
			continue;
		e = hs_alloc_scratch(rs->db[d], proto);
		if (e != HS_SUCCESS)
			return e == HS_NOMEM ? -ENOMEM : -EINVAL;
	}
	return 0;
}

hs_scratch_t *
sm_sig_scratch_clone(const hs_scratch_t *proto)
{
	hs_scratch_t *s = NULL;

	if (hs_clone_scratch(proto, &s) != HS_SUCCESS) {
		errno = ENOMEM;
		return NULL;
	}
	return s;
}
