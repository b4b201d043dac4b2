/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event records: the name table, the per-worker pool and ring, the TLV
 * encoding of arguments (written by the worker) and its decoder (used by
 * the control thread).
 *
 * An argument is [kind:1][value length:2, host order][name pointer:8]
 * [value], byte-packed (read and written with memcpy); SM_EVK_OBJ_END has
 * no name pointer. Values: numbers in host order, 8 bytes (bool 1); STR and
 * HEX the bytes; ADDR the family then 4 or 16 bytes; VEC_U the width then
 * the big-endian values packed; STRV the number of strings (4 bytes) then
 * each as [length:2][bytes].
 */
#include <assert.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>
#include <rte_pause.h>
#include <rte_ring.h>

#include "sessmon/common.h"
#include "sessmon/event.h"

static const struct sm_ev_info ev_info[] = {
#define SM_EV_ROW(id, n, a, on) [SM_EV_##id] = {.name = n, .alias = a, .default_on = on},
	SM_EV_CONN_LIST(SM_EV_ROW)
#undef SM_EV_ROW
	/* The TLS rows of the analyzer's own table, generated from the same
	 * list so that they need no run-time copy. */
#define SM_EV_TLS_ROW(id, n, a, on) \
	[SM_EV_TLS_FIRST + SM_TLS_EV_##id] = {.name = n, .alias = a, .default_on = on},
	SM_TLS_EV_LIST(SM_EV_TLS_ROW)
#undef SM_EV_TLS_ROW
};
static_assert(SM_ARRAY_SIZE(ev_info) == SM_EV_MAX, "event table");

/* FortiADC's TCP_* events exist for TCP only; Zeek raises
 * connection_state_remove for every protocol. */
static const bool alias_tcp_only[SM_EV_MAX] = {
	[SM_EV_CONNECTION_ESTABLISHED] = true,
	[SM_EV_CONNECTION_STATE_REMOVE] = true,
};

const struct sm_ev_info *
sm_ev_info(enum sm_ev ev)
{
	return (unsigned int)ev < SM_EV_MAX ? &ev_info[ev] : NULL;
}

int
sm_ev_by_name(const char *name)
{
	for (unsigned int i = 0; i < SM_EV_MAX; i++)
		if (strcmp(ev_info[i].name, name) == 0)
			return (int)i;
	return -ENOENT;
}

const char *
sm_ev_alias(enum sm_ev ev, uint8_t proto)
{
	if ((unsigned int)ev >= SM_EV_MAX ||
	    (alias_tcp_only[ev] && proto != IPPROTO_TCP))
		return NULL;
	return ev_info[ev].alias;
}

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

#define DATA_SIZE (SM_EV_REC_SIZE - SM_EV_REC_HDR_SIZE)
/* An SM_EVK_OBJ_END: kind and a zero length. */
#define END_SIZE 3

struct sm_ev_rec {
	struct sm_ev_hdr h;
	uint16_t skip;   /* objects being left out, innermost first */
	uint8_t depth;   /* objects written and still open */
	uint8_t pad[SM_EV_REC_HDR_SIZE - sizeof(struct sm_ev_hdr) - 3];
	uint8_t data[DATA_SIZE];
};
static_assert(offsetof(struct sm_ev_rec, data) == SM_EV_REC_HDR_SIZE, "record header");
static_assert(sizeof(struct sm_ev_rec) == SM_EV_REC_SIZE, "record size");
static_assert(DATA_SIZE <= UINT16_MAX, "used is 16 bits");

const struct sm_ev_hdr *
sm_ev_rec_hdr(const struct sm_ev_rec *e)
{
	return &e->h;
}

/* Bytes one more argument may take: the closing of every open object is
 * kept free, so that a written object can always be closed. */
static size_t
room(const struct sm_ev_rec *e)
{
	size_t left = DATA_SIZE - e->h.used;
	size_t closing = (size_t)e->depth * END_SIZE;

	return left > closing ? left - closing : 0;
}

/*
 * Value bytes an argument wanting @p want gets: all of them, else what is
 * left (the record is flagged); -1 if it is left out (not even @p min
 * bytes fit, or it belongs to an object left out).
 */
static int
fit(struct sm_ev_rec *e, size_t want, size_t min)
{
	size_t left = room(e);

	if (e->skip != 0)
		return -1;
	if (SM_EV_ARG_HDR_SIZE + want <= left)
		return (int)want;
	e->h.flags |= SM_EV_RF_TRUNCATED;
	if (SM_EV_ARG_HDR_SIZE + min > left)
		return -1;
	return (int)(left - SM_EV_ARG_HDR_SIZE);
}

/* The value's place for an argument fit() made room for. */
static uint8_t *
val_at(struct sm_ev_rec *e)
{
	return e->data + e->h.used + SM_EV_ARG_HDR_SIZE;
}

/* Write an argument's header once its value (@p len bytes at val_at()) is
 * in place. */
static void
arg_close(struct sm_ev_rec *e, enum sm_ev_kind k, const char *name, size_t len)
{
	uint8_t *p = e->data + e->h.used;
	uint16_t l = (uint16_t)len;

	p[0] = (uint8_t)k;
	memcpy(p + 1, &l, sizeof(l));
	memcpy(p + 3, &name, sizeof(name));
	e->h.used = (uint16_t)(e->h.used + SM_EV_ARG_HDR_SIZE + len);
}

/* An argument that is all or nothing. */
static void
put_whole(struct sm_ev_rec *e, enum sm_ev_kind k, const char *name,
	  const void *v, size_t len)
{
	if (fit(e, len, len) < 0)
		return;
	memcpy(val_at(e), v, len);
	arg_close(e, k, name, len);
}

/* Bytes of @p s (@p len) kept when only @p n fit: a cut inside a UTF-8
 * sequence backs off to its first byte (RFC 3629 §3: continuation bytes
 * are 10xxxxxx; a sequence has at most 3 of them), so that text does not
 * end in a broken character. */
static size_t
text_cut(const uint8_t *s, size_t len, size_t n)
{
	for (unsigned int k = 0; k < 3 && n > 0 && n < len && (s[n] & 0xc0) == 0x80; k++)
		n--;
	return n;
}

/* STR and HEX: bytes, cut to fit. */
static void
put_bytes(struct sm_ev_rec *e, enum sm_ev_kind k, const char *name,
	  const void *p, size_t len)
{
	int n = fit(e, len, 0);
	size_t keep;

	if (n < 0)
		return;
	keep = k == SM_EVK_STR ? text_cut(p, len, (size_t)n) : (size_t)n;
	/* An empty value may come with no pointer at all. */
	if (keep > 0)
		memcpy(val_at(e), p, keep);
	arg_close(e, k, name, keep);
}

void
sm_ev_u64(struct sm_ev_rec *e, const char *name, uint64_t v)
{
	put_whole(e, SM_EVK_U64, name, &v, sizeof(v));
}

void
sm_ev_i64(struct sm_ev_rec *e, const char *name, int64_t v)
{
	put_whole(e, SM_EVK_I64, name, &v, sizeof(v));
}

void
sm_ev_bool(struct sm_ev_rec *e, const char *name, bool v)
{
	uint8_t b = v;

	put_whole(e, SM_EVK_BOOL, name, &b, sizeof(b));
}

void
sm_ev_double(struct sm_ev_rec *e, const char *name, double v)
{
	put_whole(e, SM_EVK_DOUBLE, name, &v, sizeof(v));
}

void
sm_ev_time(struct sm_ev_rec *e, const char *name, uint64_t us)
{
	put_whole(e, SM_EVK_TIME, name, &us, sizeof(us));
}

void
sm_ev_interval(struct sm_ev_rec *e, const char *name, uint64_t us)
{
	put_whole(e, SM_EVK_INTERVAL, name, &us, sizeof(us));
}

void
sm_ev_str(struct sm_ev_rec *e, const char *name, const void *s, size_t len)
{
	put_bytes(e, SM_EVK_STR, name, s, len);
}

void
sm_ev_hex(struct sm_ev_rec *e, const char *name, const void *p, size_t len)
{
	put_bytes(e, SM_EVK_HEX, name, p, len);
}

void
sm_ev_addr(struct sm_ev_rec *e, const char *name, const uint8_t a[16], uint8_t family)
{
	uint8_t v[17];
	size_t alen = family == 6 ? 16 : 4;

	RTE_ASSERT(family == 4 || family == 6);
	if (family != 4 && family != 6)
		return;
	v[0] = family;
	memcpy(v + 1, a, alen);
	put_whole(e, SM_EVK_ADDR, name, v, 1 + alen);
}

void
sm_ev_vec_be(struct sm_ev_rec *e, const char *name, const uint8_t *be,
	     uint32_t n, uint8_t width, uint8_t stride)
{
	uint8_t *v;
	int got;
	uint32_t keep;

	RTE_ASSERT(width >= 1 && width <= 4 && stride >= width);
	if (width == 0 || width > 4 || stride < width)
		return;
	got = fit(e, 1 + (size_t)n * width, 1);
	if (got < 0)
		return;
	keep = (uint32_t)(got - 1) / width;
	v = val_at(e);
	v[0] = width;
	for (uint32_t i = 0; i < keep; i++)
		memcpy(v + 1 + (size_t)i * width, be + (size_t)i * stride, width);
	arg_close(e, SM_EVK_VEC_U, name, 1 + (size_t)keep * width);
}

void
sm_ev_strv(struct sm_ev_rec *e, const char *name, uint32_t n,
	   const uint8_t *const s[], const uint32_t len[])
{
	size_t want = sizeof(uint32_t), pos = sizeof(uint32_t);
	uint32_t kept = 0;
	uint8_t *v;
	int got;

	for (uint32_t i = 0; i < n; i++)
		want += sizeof(uint16_t) + RTE_MIN(len[i], (uint32_t)UINT16_MAX);
	got = fit(e, want, sizeof(uint32_t));
	if (got < 0)
		return;
	v = val_at(e);
	/* Whole strings while they fit; the first that does not is cut to
	 * what is left (fit() flagged the record). */
	while (kept < n && pos + sizeof(uint16_t) < (size_t)got) {
		size_t l = RTE_MIN(len[kept], (uint32_t)UINT16_MAX);
		size_t l_cut = text_cut(s[kept], l,
					RTE_MIN(l, (size_t)got - pos - sizeof(uint16_t)));
		uint16_t l16 = (uint16_t)l_cut;

		memcpy(v + pos, &l16, sizeof(l16));
		if (l_cut > 0)
			memcpy(v + pos + sizeof(l16), s[kept], l_cut);
		pos += sizeof(l16) + l_cut;
		kept++;
		if (l_cut < l)
			break;
	}
	memcpy(v, &kept, sizeof(kept));
	arg_close(e, SM_EVK_STRV, name, pos);
}

void
sm_ev_obj_begin(struct sm_ev_rec *e, const char *name)
{
	if (e->skip == 0 && e->depth < SM_EV_OBJ_DEPTH_MAX &&
	    SM_EV_ARG_HDR_SIZE + END_SIZE <= room(e)) {
		arg_close(e, SM_EVK_OBJ_BEGIN, name, 0);
		e->depth++;
		return;
	}
	/* Left out with everything in it, up to its sm_ev_obj_end(). */
	e->h.flags |= SM_EV_RF_TRUNCATED;
	e->skip++;
}

void
sm_ev_obj_end(struct sm_ev_rec *e)
{
	uint8_t *p = e->data + e->h.used;

	if (e->skip != 0) {
		e->skip--;
		return;
	}
	RTE_ASSERT(e->depth > 0);
	if (e->depth == 0)
		return;
	/* room() kept these bytes free. */
	p[0] = SM_EVK_OBJ_END;
	memset(p + 1, 0, END_SIZE - 1);
	e->h.used = (uint16_t)(e->h.used + END_SIZE);
	e->depth--;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                           */
/* ------------------------------------------------------------------ */

/* Fill @p a's value from the @p len bytes at @p v; false if they do not
 * make one. */
static bool
arg_decode(struct sm_ev_arg *a, const uint8_t *v, uint32_t len)
{
	switch (a->kind) {
	case SM_EVK_U64:
	case SM_EVK_I64:
	case SM_EVK_DOUBLE:
	case SM_EVK_TIME:
	case SM_EVK_INTERVAL:
		/* The union's 8-byte members share their bytes. */
		if (len != sizeof(a->u64))
			return false;
		memcpy(&a->u64, v, sizeof(a->u64));
		return true;
	case SM_EVK_BOOL:
		a->b = len == 1 && v[0] != 0;
		return len == 1;
	case SM_EVK_STR:
	case SM_EVK_HEX:
		a->bytes.p = v;
		a->bytes.len = len;
		return true;
	case SM_EVK_ADDR:
		if (len < 1 || len != 1u + (v[0] == 6 ? 16 : 4))
			return false;
		a->addr.family = v[0];
		memset(a->addr.a, 0, sizeof(a->addr.a));
		memcpy(a->addr.a, v + 1, len - 1);
		return true;
	case SM_EVK_VEC_U:
		if (len < 1 || v[0] == 0 || v[0] > 4 || (len - 1) % v[0] != 0)
			return false;
		a->vec.be = v + 1;
		a->vec.width = v[0];
		a->vec.stride = v[0];
		a->vec.n = (len - 1) / v[0];
		return true;
	case SM_EVK_STRV:
		if (len < sizeof(uint32_t))
			return false;
		memcpy(&a->strv.n, v, sizeof(uint32_t));
		a->strv.enc.p = v + sizeof(uint32_t);
		a->strv.enc.len = len - (uint32_t)sizeof(uint32_t);
		return true;
	case SM_EVK_OBJ_BEGIN:
	case SM_EVK_OBJ_END:
		return len == 0;
	default:
		return false;
	}
}

bool
sm_ev_arg_next(const struct sm_ev_rec *e, uint32_t *off, struct sm_ev_arg *a)
{
	const uint8_t *p = e->data + *off;
	uint32_t used = RTE_MIN(e->h.used, (uint32_t)DATA_SIZE);
	uint32_t hdr, left;
	uint16_t len;

	if (*off + END_SIZE > used)
		return false;
	left = used - *off;
	a->kind = (enum sm_ev_kind)p[0];
	memcpy(&len, p + 1, sizeof(len));
	hdr = a->kind == SM_EVK_OBJ_END ? END_SIZE : SM_EV_ARG_HDR_SIZE;
	if (hdr + len > left)
		return false;
	a->name = NULL;
	if (a->kind != SM_EVK_OBJ_END)
		memcpy(&a->name, p + 3, sizeof(a->name));
	if (!arg_decode(a, p + hdr, len))
		return false;
	*off += hdr + len;
	return true;
}

bool
sm_ev_strv_next(const struct sm_ev_arg *a, uint32_t *off, struct sm_tls_bytes *s)
{
	uint16_t len;

	if ((size_t)*off + sizeof(len) > a->strv.enc.len)
		return false;
	memcpy(&len, a->strv.enc.p + *off, sizeof(len));
	if ((size_t)*off + sizeof(len) + len > a->strv.enc.len)
		return false;
	s->p = a->strv.enc.p + *off + sizeof(len);
	s->len = len;
	*off += (uint32_t)sizeof(len) + len;
	return true;
}

/* ------------------------------------------------------------------ */
/* Rings                                                              */
/* ------------------------------------------------------------------ */

struct sm_ev_ring *
sm_ev_ring_create(const struct sm_ev_ring_params *p)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	struct sm_ev_ring *r;

	if (p == NULL || p->size < 2 || !rte_is_power_of_2(p->size)) {
		rte_errno = EINVAL;
		return NULL;
	}
	r = rte_zmalloc_socket("sm_ev_ring", sizeof(*r), RTE_CACHE_LINE_SIZE, p->socket);
	if (r == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	r->lossless = p->lossless;
	for (unsigned int t = 0; t < SM_EV_MAX; t++)
		r->enabled[t] = p->enabled != NULL ? p->enabled[t] != 0 : ev_info[t].default_on;
	/* Only the worker takes records and only the control thread gives
	 * them back; the worker's lcore cache saves it the pool's ring on
	 * most events. The cache must stay well below the pool (mempool
	 * refuses a flush threshold above it). */
	snprintf(name, sizeof(name), "sm_ev_pool_%u", p->worker);
	r->pool = rte_mempool_create(name, p->size, SM_EV_REC_SIZE,
				     RTE_MIN((uint32_t)RTE_MEMPOOL_CACHE_MAX_SIZE, p->size / 8), 0,
				     NULL, NULL, NULL, NULL, p->socket,
				     RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
	if (r->pool == NULL)
		goto fail;
	/* Exactly as many places as records: a record taken always has one. */
	snprintf(name, sizeof(name), "sm_ev_ring_%u", p->worker);
	r->ring = rte_ring_create(name, p->size, p->socket,
				  RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	if (r->ring == NULL)
		goto fail;
	return r;
fail:
	{
		int err = rte_errno;

		sm_ev_ring_free(r);
		rte_errno = err;
	}
	return NULL;
}

void
sm_ev_ring_free(struct sm_ev_ring *r)
{
	if (r == NULL)
		return;
	rte_ring_free(r->ring);
	rte_mempool_free(r->pool);
	rte_free(r);
}

void
sm_ev_ring_set_lossless(struct sm_ev_ring *r, bool on)
{
	__atomic_store_n(&r->lossless, on, __ATOMIC_RELEASE);
}

/* Lossless mode with every record in flight: spin until the control thread
 * gives one back. The wait is counted before spinning so that a watcher
 * sees it while it lasts. */
static __rte_noinline bool
wait_record(struct sm_ev_ring *r, void **obj)
{
	if (!__atomic_load_n(&r->lossless, __ATOMIC_ACQUIRE))
		return false;
	__atomic_store_n(&r->waits, r->waits + 1, __ATOMIC_RELAXED);
	do {
		rte_pause();
		if (rte_mempool_get(r->pool, obj) == 0)
			return true;
	} while (__atomic_load_n(&r->lossless, __ATOMIC_ACQUIRE));
	return false;
}

struct sm_ev_rec *
sm_ev_begin(struct sm_ev_ring *r, enum sm_ev t, uint64_t ts_us, uint32_t serial,
	    const struct sm_ev_id *id)
{
	struct sm_ev_rec *e;
	void *obj;

	if (!sm_ev_enabled(r, t))
		return NULL;
	if (unlikely(rte_mempool_get(r->pool, &obj) != 0) && !wait_record(r, &obj)) {
		r->dropped[t]++;
		return NULL;
	}
	e = obj;
	e->h.ts_us = ts_us;
	e->h.serial = serial;
	e->h.type = (uint16_t)t;
	e->h.used = 0;
	e->h.flags = 0;
	if (id != NULL)
		e->h.id = *id;
	else
		memset(&e->h.id, 0, sizeof(e->h.id));
	e->skip = 0;
	e->depth = 0;
	return e;
}

void
sm_ev_commit(struct sm_ev_ring *r, struct sm_ev_rec *e)
{
	/* Objects the raiser left open are closed: readers rely on it. */
	e->skip = 0;
	while (e->depth > 0)
		sm_ev_obj_end(e);
	r->raised[e->h.type]++;
	/* The ring has a place per record of the pool (sm_ev_ring_create()). */
	rte_ring_sp_enqueue(r->ring, e);
}

void
sm_ev_ring_stats(const struct sm_ev_ring *r, struct sm_ev_stats *out)
{
	for (unsigned int t = 0; t < SM_EV_MAX; t++) {
		out->raised[t] = __atomic_load_n(&r->raised[t], __ATOMIC_RELAXED);
		out->dropped[t] = __atomic_load_n(&r->dropped[t], __ATOMIC_RELAXED);
	}
	out->waits = __atomic_load_n(&r->waits, __ATOMIC_RELAXED);
}

unsigned int
sm_ev_ring_dequeue_burst(struct sm_ev_ring *r, struct sm_ev_rec **recs, unsigned int n)
{
	return rte_ring_sc_dequeue_burst(r->ring, (void **)recs, n, NULL);
}

void
sm_ev_ring_recycle(struct sm_ev_ring *r, struct sm_ev_rec *const *recs, unsigned int n)
{
	/* Straight to the pool's ring, not this lcore's cache: the worker
	 * must see the records at once (a lossless worker may be waiting). */
	rte_mempool_generic_put(r->pool, (void *const *)recs, n, NULL);
}
