/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mempool.h>

#include "sessmon/conn.h"
#include "sessmon/inspect.h"
#include "sessmon/parse.h"
#include "sessmon/stream.h"
#include "sessmon/tls.h"
#include "sessmon/tls_events.h"

/* Bytes of a session's first payload kept until TLS can be told apart
 * (sm_tls_detect() needs at most 9). */
#define DETECT_MAX 16

/* What the session's payload was found to be. */
enum app {
	APP_UNKNOWN = 0,
	APP_TLS,
	APP_OTHER,
};

struct sm_insp {
	struct sm_conn conn;       /* Zeek's connection analysis */
	struct sm_stream *st;      /* TCP reassembly, or NULL */
	struct sm_tls *tls;        /* once TLS was detected */
	uint64_t payload[SM_DIR_MAX]; /* L4 payload bytes, every packet */
	uint8_t detect[DETECT_MAX];
	uint8_t detect_len;
	int8_t detect_dir;         /* direction that spoke first, -1: none yet */
	uint8_t app;               /* enum app */
	uint8_t done[SM_DIR_MAX];  /* enum sm_inspect_done */
	uint8_t violation;         /* protocol_violation raised */
	uint32_t sig_hits;         /* signature matches */
	uint64_t next_status_us;   /* when connection_status_update is next due */
	struct sm_sig_dir sig[SM_DIR_MAX];
};

struct sm_inspector {
	struct sm_stream_pool *sp;
	struct rte_mempool *objs;  /* struct sm_insp */
	struct rte_mempool *tlss;  /* struct sm_tls */
	struct rte_mempool *bufs;  /* TLS handshake buffers */
	struct sm_tls_env env;
	struct sm_ev_ring *ev;
	struct sm_sig_worker *sig; /* NULL: no rules */
	uint8_t *dgram;            /* a datagram's payload, linearised for the scan */
	uint64_t depth;
	uint64_t status_us;        /* connection_status_update interval */
	/* The session being worked on: the stream and TLS callbacks get the
	 * inspector as their argument and find it here. */
	struct sm_session *cur;
	const struct sm_sess_key *cur_key;
	uint64_t now_us;
	uint64_t cnt[SM_INSPECT_CNT_MAX];
};

static const char *const cnt_names[SM_INSPECT_CNT_MAX] = {
#define SM_INSPECT_CNT_NAME(id, name, doc) [SM_INSPECT_CNT_##id] = name,
	SM_INSPECT_CNT_LIST(SM_INSPECT_CNT_NAME)
#undef SM_INSPECT_CNT_NAME
};

const char *
sm_inspect_cnt_name(enum sm_inspect_cnt c)
{
	return (unsigned int)c < SM_INSPECT_CNT_MAX ? cnt_names[c] : NULL;
}

static void
count(struct sm_inspector *in, enum sm_inspect_cnt c)
{
	__atomic_store_n(&in->cnt[c], in->cnt[c] + 1, __ATOMIC_RELAXED);
}

void
sm_inspect_counters(const struct sm_inspector *in, uint64_t out[SM_INSPECT_CNT_MAX])
{
	for (unsigned int i = 0; i < SM_INSPECT_CNT_MAX; i++)
		out[i] = __atomic_load_n(&in->cnt[i], __ATOMIC_RELAXED);
}

/* ------------------------------------------------------------------ */
/* Events                                                             */

/* Zeek's conn_id. ICMP "ports" are Zeek's: an echo-like pair (keyed by
 * its identifier, the responder's port holding the request type) shows
 * the request and reply types; other ICMP, keyed by type and code, shows
 * those. */
static void
make_id(struct sm_ev_id *id, const struct sm_sess_key *k, unsigned int orig_ep)
{
	unsigned int resp_ep = orig_ep ^ 1;
	bool icmp = k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6;
	int reply;

	memcpy(id->orig_h, k->addr[orig_ep], sizeof(id->orig_h));
	memcpy(id->resp_h, k->addr[resp_ep], sizeof(id->resp_h));
	id->orig_p = k->port[orig_ep];
	id->resp_p = k->port[resp_ep];
	if (icmp && k->port[resp_ep] <= UINT8_MAX &&
	    (reply = sm_parse_icmp_reply_type(k->family, (uint8_t)k->port[resp_ep])) >= 0) {
		id->orig_p = k->port[resp_ep];
		id->resp_p = (uint16_t)reply;
	} else if (icmp) {
		id->orig_p = k->port[0];
		id->resp_p = k->port[1];
	}
	id->family = k->family;
	id->proto = k->proto;
}

/* Start an event of the current session; NULL when it is off or dropped. */
static struct sm_ev_rec *
ev_begin(struct sm_inspector *in, enum sm_ev t)
{
	struct sm_ev_id id;

	if (!sm_ev_enabled(in->ev, t))
		return NULL;
	make_id(&id, in->cur_key, in->cur->orig_ep);
	return sm_ev_begin(in->ev, t, in->now_us, in->cur->serial, &id);
}

/* An event with no argument but its connection. */
static void
ev_simple(struct sm_inspector *in, enum sm_ev t)
{
	struct sm_ev_rec *e = ev_begin(in, t);

	if (e != NULL)
		sm_ev_commit(in->ev, e);
}

static void
on_tls_event(void *ctx, const struct sm_tls_event *tev)
{
	struct sm_inspector *in = ctx;
	struct sm_ev_rec *e = ev_begin(in, sm_ev_from_tls(tev->type));

	if (e == NULL)
		return;
	sm_tls_events_args(e, tev);
	sm_ev_commit(in->ev, e);
}

/* Zeek's analyzer_confirmation/violation name the analyzer. */
static void
ev_protocol(struct sm_inspector *in, enum sm_ev t, const char *reason)
{
	struct sm_ev_rec *e = ev_begin(in, t);

	if (e == NULL)
		return;
	sm_ev_str(e, "atype", "SSL", 3);
	if (reason != NULL)
		sm_ev_str(e, "reason", reason, strlen(reason));
	sm_ev_commit(in->ev, e);
}

/* The event of each connection moment conn.c reports (SM_EV_MAX: Zeek's
 * partial_connection, which sessmon does not raise). */
static const enum sm_ev conn_events[SM_CONN_EV_MAX] = {
	[SM_CONN_EV_ESTABLISHED] = SM_EV_CONNECTION_ESTABLISHED,
	[SM_CONN_EV_REJECTED] = SM_EV_CONNECTION_REJECTED,
	[SM_CONN_EV_RESET] = SM_EV_CONNECTION_RESET,
	[SM_CONN_EV_HALF_FINISHED] = SM_EV_CONNECTION_HALF_FINISHED,
	[SM_CONN_EV_FINISHED] = SM_EV_CONNECTION_FINISHED,
	[SM_CONN_EV_PARTIAL] = SM_EV_MAX,
	[SM_CONN_EV_REUSED] = SM_EV_CONNECTION_REUSED,
	[SM_CONN_EV_FLOW_LABEL_CHANGED] = SM_EV_CONNECTION_FLOW_LABEL_CHANGED,
	[SM_CONN_EV_ATTEMPT] = SM_EV_CONNECTION_ATTEMPT,
	[SM_CONN_EV_PARTIAL_CLOSE] = SM_EV_CONNECTION_PARTIAL_CLOSE,
	[SM_CONN_EV_TIMEOUT] = SM_EV_CONNECTION_TIMEOUT,
};

/* Raise the events of an SM_CONN_EVF() set, in enum order. */
static void
ev_conn(struct sm_inspector *in, uint32_t set, const struct sm_conn_pkt *p,
	const struct sm_conn_out *out)
{
	for (unsigned int b = 0; b < SM_CONN_EV_MAX; b++) {
		struct sm_ev_rec *e;

		if (!(set & SM_CONN_EVF(b)) || conn_events[b] == SM_EV_MAX ||
		    (e = ev_begin(in, conn_events[b])) == NULL)
			continue;
		if (b == SM_CONN_EV_FLOW_LABEL_CHANGED) {
			sm_ev_bool(e, "is_orig", p->is_orig);
			sm_ev_u64(e, "old_label", out->old_flow_label);
			sm_ev_u64(e, "new_label", p->flow_label);
		}
		sm_ev_commit(in->ev, e);
	}
}

/* conn_weird(name, c, addl): one event per oddity the packet showed. */
static void
ev_weirds(struct sm_inspector *in, uint32_t set)
{
	for (unsigned int w = 0; w < SM_CONN_W_MAX; w++) {
		const char *name = sm_conn_weird_name((enum sm_conn_weird)w);
		struct sm_ev_rec *e;

		if (!(set & SM_CONN_WF(w)) || (e = ev_begin(in, SM_EV_CONN_WEIRD)) == NULL)
			continue;
		sm_ev_str(e, "name", name, strlen(name));
		sm_ev_str(e, "addl", "", 0);
		sm_ev_commit(in->ev, e);
	}
}

/* ------------------------------------------------------------------ */
/* TLS                                                                */

static void *
buf_get(void *pool)
{
	void *b;

	return rte_mempool_get(pool, &b) == 0 ? b : NULL;
}

static void
buf_put(void *pool, void *b)
{
	rte_mempool_put(pool, b);
}

/* ------------------------------------------------------------------ */
/* Signatures                                                         */

/* signature_match: the rule's identity, the direction and where the match
 * ends in the direction's stream. */
static void
on_match(void *arg, const struct sm_sig_match *m)
{
	struct sm_inspector *in = arg;
	struct sm_insp *x = in->cur->insp;
	const struct sm_rule *r = m->rule;
	struct sm_ev_rec *e;

	x->sig_hits++;
	in->cur->sflags |= SM_SF_SIG_MATCH;
	if ((e = ev_begin(in, SM_EV_SIGNATURE_MATCH)) == NULL)
		return;
	sm_ev_u64(e, "sid", r->sid);
	sm_ev_u64(e, "rev", r->rev);
	sm_ev_str(e, "msg", r->msg, strlen(r->msg));
	sm_ev_str(e, "classtype", r->classtype, strlen(r->classtype));
	sm_ev_u64(e, "priority", r->priority);
	sm_ev_bool(e, "is_orig", m->dir == SM_DIR_ORIG);
	sm_ev_u64(e, "offset", m->end);
	sm_ev_commit(in->ev, e);
}

static struct sm_sig_flow
sig_flow(const struct sm_inspector *in)
{
	const struct sm_sess_key *k = in->cur_key;
	unsigned int o = in->cur->orig_ep;

	return (struct sm_sig_flow){ .port = { k->port[o], k->port[o ^ 1] }, .proto = k->proto };
}

static void
sig_stop(struct sm_inspector *in, struct sm_insp *x, int dir, enum sm_sig_stop why)
{
	struct sm_sig_flow f = sig_flow(in);

	sm_sig_stop(in->sig, &x->sig[dir], &f, dir, why, on_match, in);
}

/* Scan payload at stream offset @off, unless the signature engine has
 * stopped the direction (it keeps why). */
static void
sig_scan(struct sm_inspector *in, struct sm_insp *x, int dir, uint64_t off,
	 const uint8_t *p, uint32_t len)
{
	struct sm_sig_flow f;

	if (in->sig == NULL || sm_sig_dir_stopped(&x->sig[dir]) != SM_SIG_STOP_NONE)
		return;
	f = sig_flow(in);
	sm_sig_scan(in->sig, &x->sig[dir], &f, dir, off, p, len, on_match, in);
}

/* Stop inspecting direction @dir for @why (a stream callback may call it). */
static void
complete(struct sm_inspector *in, struct sm_insp *x, int dir, enum sm_inspect_done why)
{
	if (x->done[dir] != SM_INSPECT_RUNNING)
		return;
	x->done[dir] = (uint8_t)why;
	count(in, why == SM_INSPECT_DONE_TLS ? SM_INSPECT_CNT_COMPLETE_TLS
					     : SM_INSPECT_CNT_COMPLETE_DEPTH);
	if (in->sig != NULL)
		sig_stop(in, x, dir, why == SM_INSPECT_DONE_TLS ? SM_SIG_STOP_TLS_ENCRYPTED
							  : SM_SIG_STOP_DEPTH);
	if (x->st != NULL)
		sm_stream_stop(in->sp, x->st, dir);
}

/* After TLS bytes: a lost framing is a violation; an encrypted (or
 * stopped) pair of directions leaves nothing to inspect. */
static void
tls_after(struct sm_inspector *in, struct sm_insp *x)
{
	const struct sm_tls_summary *s = sm_tls_summary(x->tls);

	if ((s->flags & SM_TLS_SF_STOPPED) && !x->violation) {
		x->violation = 1;
		count(in, SM_INSPECT_CNT_TLS_VIOLATION);
		ev_protocol(in, SM_EV_PROTOCOL_VIOLATION, "TLS record framing lost");
	}
	if (sm_tls_is_done(x->tls))
		for (int d = 0; d < SM_DIR_MAX; d++)
			complete(in, x, d, SM_INSPECT_DONE_TLS);
}

static void
tls_start(struct sm_inspector *in, struct sm_insp *x)
{
	void *t;

	x->app = APP_TLS;
	count(in, SM_INSPECT_CNT_TLS_DETECTED);
	if (rte_mempool_get(in->tlss, &t) != 0) {
		count(in, SM_INSPECT_CNT_NO_TLS);
		return;
	}
	x->tls = t;
	sm_tls_init(x->tls);
	ev_protocol(in, SM_EV_PROTOCOL_CONFIRMATION, NULL);
}

/*
 * Content detection on the first direction to send payload: its first
 * bytes are kept until sm_tls_detect() can decide. When it says TLS, the
 * kept bytes of earlier chunks go to the new analyser; the caller feeds
 * this chunk.
 */
static void
detect(struct sm_inspector *in, struct sm_insp *x, int dir, const uint8_t *p, uint32_t len)
{
	uint32_t had = x->detect_len, take;
	int rc;

	if (x->detect_dir >= 0 && x->detect_dir != dir) {
		/* The other side answered before the first one said enough:
		 * not a TLS client's hello. */
		x->app = APP_OTHER;
		return;
	}
	x->detect_dir = (int8_t)dir;
	take = RTE_MIN(len, (uint32_t)DETECT_MAX - had);
	memcpy(x->detect + had, p, take);
	x->detect_len = (uint8_t)(had + take);
	rc = sm_tls_detect(x->detect, x->detect_len);
	if (rc == -EAGAIN)
		return;
	if (rc != 1) {
		x->app = APP_OTHER;
		return;
	}
	tls_start(in, x);
	if (x->tls != NULL && had > 0)
		sm_tls_feed(x->tls, &in->env, in, dir == SM_DIR_ORIG, x->detect, had);
}

/* ------------------------------------------------------------------ */
/* Stream consumers                                                   */

static int
on_data(void *arg, int dir, uint64_t off, const uint8_t *p, uint32_t len)
{
	struct sm_inspector *in = arg;
	struct sm_insp *x = in->cur->insp;

	/* Signatures first: the chunk that ends a TLS handshake may still
	 * hold plaintext, and TLS's end stops the signatures. */
	sig_scan(in, x, dir, off, p, len);
	if (x->app == APP_UNKNOWN)
		detect(in, x, dir, p, len);
	if (x->tls != NULL) {
		sm_tls_feed(x->tls, &in->env, in, dir == SM_DIR_ORIG, p, len);
		tls_after(in, x);
	}
	/* The signatures stopping alone (no rule for this direction, no
	 * stream left) leaves the bytes to TLS: only the depth or TLS's
	 * encryption complete a direction. */
	if (x->done[dir] == SM_INSPECT_RUNNING && off + len >= in->depth)
		complete(in, x, dir, SM_INSPECT_DONE_DEPTH);
	return x->done[dir] == SM_INSPECT_RUNNING ? 0 : SM_STREAM_STOP;
}

static int
on_gap(void *arg, int dir, uint64_t off, uint32_t len)
{
	struct sm_inspector *in = arg;
	struct sm_insp *x = in->cur->insp;
	struct sm_ev_rec *e = ev_begin(in, SM_EV_CONTENT_GAP);

	sm_conn_note(&x->conn, SM_CONN_NOTE_GAP, dir == SM_DIR_ORIG);
	if (e != NULL) {
		sm_ev_bool(e, "is_orig", dir == SM_DIR_ORIG);
		sm_ev_u64(e, "seq", off);
		sm_ev_u64(e, "length", len);
		sm_ev_commit(in->ev, e);
	}
	if (x->app == APP_UNKNOWN)
		x->app = APP_OTHER;
	if (x->tls != NULL) {
		sm_tls_gap(x->tls, &in->env, in, dir == SM_DIR_ORIG, len);
		tls_after(in, x);
	}
	return x->done[dir] == SM_INSPECT_RUNNING ? 0 : SM_STREAM_STOP;
}

/* Zeek's history letters for TCP flags, in its order. */
static void
flags_text(uint8_t f, char *out)
{
	static const struct { uint8_t bit; char c; } letters[] = {
		{SM_TCP_SYN, 'S'}, {SM_TCP_FIN, 'F'}, {SM_TCP_RST, 'R'},
		{SM_TCP_ACK, 'A'}, {SM_TCP_PSH, 'P'}, {SM_TCP_URG, 'U'},
	};
	size_t n = 0;

	for (size_t i = 0; i < RTE_DIM(letters); i++)
		if (f & letters[i].bit)
			out[n++] = letters[i].c;
	out[n] = '\0';
}

static void
on_inconsistency(void *arg, int dir, const struct sm_stream_overlap *o)
{
	struct sm_inspector *in = arg;
	struct sm_ev_rec *e = ev_begin(in, SM_EV_REXMIT_INCONSISTENCY);
	char flags[8];

	if (e == NULL)
		return;
	flags_text(o->tcp_flags, flags);
	sm_ev_bool(e, "is_orig", dir == SM_DIR_ORIG);
	sm_ev_u64(e, "seq", o->off);
	sm_ev_u64(e, "old_len", o->old_len);
	sm_ev_u64(e, "new_len", o->new_len);
	sm_ev_str(e, "tcp_flags", flags, strlen(flags));
	sm_ev_commit(in->ev, e);
}

static const struct sm_stream_ops stream_ops = {
	.data = on_data,
	.gap = on_gap,
	.inconsistency = on_inconsistency,
};

/* ------------------------------------------------------------------ */
/* Set-up                                                             */

static struct rte_mempool *
pool(const char *fmt, uint16_t id, uint32_t n, uint32_t size, int socket)
{
	char name[RTE_MEMPOOL_NAMESIZE];

	snprintf(name, sizeof(name), fmt, id);
	/* One lcore gets and puts: no cache, single-producer/consumer ring. */
	return rte_mempool_create(name, n, size, 0, 0, NULL, NULL, NULL, NULL, socket,
				  RTE_MEMPOOL_F_SP_PUT | RTE_MEMPOOL_F_SC_GET);
}

struct sm_inspector *
sm_inspect_create(const struct sm_inspect_params *p)
{
	uint32_t sessions = RTE_MAX(p->sessions, 64u);
	uint32_t streams = p->streams ? p->streams : RTE_MAX(sessions / 4, 64u);
	uint32_t tls = p->tls ? p->tls : RTE_MAX(streams / 4, 64u);
	struct sm_inspector *in;

	if (p->ev == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	in = rte_zmalloc_socket("sm_inspector", sizeof(*in), RTE_CACHE_LINE_SIZE, p->socket);
	if (in == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	in->ev = p->ev;
	in->sig = p->sig;
	in->depth = p->depth ? p->depth : 1u << 20;
	in->status_us = (p->status_interval_s ? p->status_interval_s : 60) * SM_US_PER_S;
	/* Only the signatures read a datagram's payload. */
	if (in->sig != NULL)
		in->dgram = rte_malloc_socket("sm_dgram", UINT16_MAX + 1, 0, p->socket);
	in->objs = pool("sm_insp%u", p->worker, sessions, sizeof(struct sm_insp), p->socket);
	in->tlss = pool("sm_tls%u", p->worker, tls, sizeof(struct sm_tls), p->socket);
	in->bufs = pool("sm_tlsb%u", p->worker, p->tls_bufs ? p->tls_bufs : 64,
			SM_TLS_HS_BUF_SIZE, p->socket);
	struct sm_stream_params sp = {
		.ops = &stream_ops, .streams = streams, .id = p->worker, .socket = p->socket,
	};
	in->sp = sm_stream_pool_create(&sp);
	if (in->objs == NULL || in->tlss == NULL || in->bufs == NULL || in->sp == NULL ||
	    (in->sig != NULL && in->dgram == NULL)) {
		int err = rte_errno ? rte_errno : ENOMEM;

		sm_inspect_free(in);
		rte_errno = err;
		return NULL;
	}
	in->env.buf_get = buf_get;
	in->env.buf_put = buf_put;
	in->env.pool = in->bufs;
	for (unsigned int t = 0; t < SM_TLS_EV_MAX; t++)
		if (sm_ev_enabled(in->ev, sm_ev_from_tls(t)))
			in->env.on[t] = on_tls_event;
	return in;
}

void
sm_inspect_free(struct sm_inspector *in)
{
	if (in == NULL)
		return;
	sm_stream_pool_free(in->sp);
	rte_mempool_free(in->bufs);
	rte_mempool_free(in->tlss);
	rte_mempool_free(in->objs);
	rte_free(in->dgram);
	rte_free(in);
}

/* ------------------------------------------------------------------ */
/* Per session                                                        */

static void
set_current(struct sm_inspector *in, struct sm_session *s, const struct sm_sess_key *key,
	    uint64_t now_us)
{
	in->cur = s;
	in->cur_key = key;
	in->now_us = now_us;
}

void
sm_inspect_begin(struct sm_inspector *in, struct sm_session *s, const struct sm_pkt_meta *pm)
{
	struct sm_insp *x;
	void *o;

	s->insp = NULL;
	if (rte_mempool_get(in->objs, &o) != 0) {
		count(in, SM_INSPECT_CNT_NO_OBJECT);
		return;
	}
	x = o;
	memset(x, 0, sizeof(*x));
	x->detect_dir = -1;
	if (pm->key.proto == IPPROTO_TCP && pm->key.kind == SM_KEY_L4) {
		x->st = sm_stream_create(in->sp);
		if (x->st == NULL)
			count(in, SM_INSPECT_CNT_NO_STREAM);
	}
	if (x->st == NULL)
		x->app = APP_OTHER;
	sm_conn_init(&x->conn, sm_pkt_dir(pm, s->orig_ep) != SM_DIR_ORIG);
	sm_sig_dir_init(&x->sig[SM_DIR_ORIG]);
	sm_sig_dir_init(&x->sig[SM_DIR_REPLY]);
	s->insp = x;
	set_current(in, s, &pm->key, pm->ts_first_us);
	ev_simple(in, SM_EV_NEW_CONNECTION);
}

/* The TCP window field, which the parser does not keep (only the
 * connection analysis reads it). */
static uint16_t
tcp_window(const struct rte_mbuf *m, const struct sm_pkt_meta *pm)
{
	uint16_t buf;
	const uint16_t *w;

	if (pm->key.proto != IPPROTO_TCP || pm->l4_off == 0)
		return 0;
	w = rte_pktmbuf_read(m, pm->l4_off + 14u, sizeof(buf), &buf);
	return w != NULL ? rte_be_to_cpu_16(*w) : 0;
}

/* Connection analysis of one packet. Zeek's connection reuse (a new SYN
 * on a closed connection) restarts the analysis on the same session:
 * FortiOS keeps the session, and so does its uid. */
static void
conn_packet(struct sm_inspector *in, struct sm_insp *x, const struct rte_mbuf *m,
	    const struct sm_pkt_meta *pm, int dir)
{
	struct sm_conn_pkt p = {
		.seq = pm->tcp_seq, .ack = pm->tcp_ack, .flow_label = pm->flow_label,
		.payload_len = pm->payload_len, .window = tcp_window(m, pm),
		.tcp_flags = pm->tcp_flags, .proto = pm->key.proto, .is_orig = dir == SM_DIR_ORIG,
	};
	struct sm_conn_out out;
	uint32_t set = sm_conn_update(&x->conn, &p, &out);

	if (set & SM_CONN_EVF(SM_CONN_EV_REUSED)) {
		ev_weirds(in, out.weirds);
		ev_conn(in, set, &p, &out);
		sm_conn_init(&x->conn, false);
		set = sm_conn_update(&x->conn, &p, &out);
	}
	ev_weirds(in, out.weirds);
	ev_conn(in, set, &p, &out);
}

/* For UDP a direction's stream, as the signatures see it, is its
 * datagrams' payloads one after another. */
static void
dgram_scan(struct sm_inspector *in, struct sm_insp *x, const struct rte_mbuf *m,
	   const struct sm_pkt_meta *pm, int dir)
{
	uint32_t off = pm->l4_off + 8u;
	uint32_t cap = rte_pktmbuf_pkt_len(m) > off ? rte_pktmbuf_pkt_len(m) - off : 0;
	uint32_t len = RTE_MIN(cap, (uint32_t)pm->payload_len);
	const uint8_t *p;

	if (pm->key.proto != IPPROTO_UDP || pm->l4_off == 0 || len == 0 ||
	    x->done[dir] != SM_INSPECT_RUNNING)
		return;
	p = rte_pktmbuf_read(m, off, len, in->dgram);
	if (p != NULL)
		sig_scan(in, x, dir, x->payload[dir] - pm->payload_len, p, len);
	if (x->payload[dir] >= in->depth)
		complete(in, x, dir, SM_INSPECT_DONE_DEPTH);
}

void
sm_inspect_packet(struct sm_inspector *in, struct sm_session *s, struct rte_mbuf *m, int dir)
{
	const struct sm_pkt_meta *pm = sm_pkt_meta(m);
	struct sm_insp *x = s->insp;
	struct sm_stream_seg seg;

	if (x == NULL)
		return;
	set_current(in, s, &pm->key, pm->ts_us);
	x->payload[dir] += pm->payload_len;
	ev_simple(in, SM_EV_NEW_PACKET);
	/* Zeek raises it on a timer for every connection; here the first
	 * packet after each interval raises it (an idle session gets none). */
	if (pm->ts_us >= x->next_status_us && sm_ev_enabled(in->ev, SM_EV_CONNECTION_STATUS_UPDATE)) {
		if (x->next_status_us != 0)
			ev_simple(in, SM_EV_CONNECTION_STATUS_UPDATE);
		x->next_status_us = pm->ts_us + in->status_us;
	}
	if (pm->key.proto == 50)
		ev_simple(in, SM_EV_ESP_PACKET);
	conn_packet(in, x, m, pm, dir);
	if (x->st == NULL && in->sig != NULL)
		dgram_scan(in, x, m, pm, dir);
	if (x->st != NULL && sm_stream_seg_from_mbuf(&seg, m, dir) == 0) {
		uint64_t rxmit = sm_stream_stats(x->st, dir)->num_rxmit;

		sm_stream_segment(in->sp, x->st, &seg, in);
		if (sm_stream_stats(x->st, dir)->num_rxmit != rxmit)
			sm_conn_note(&x->conn, SM_CONN_NOTE_REXMIT, dir == SM_DIR_ORIG);
	}
}

/* Dovecot's reason for a session that ran out its timer. */
static const char *
expiry_reason(const struct sm_session *s)
{
	const struct sm_tcp_dir *o = &s->dir[SM_DIR_ORIG].tcp, *r = &s->dir[SM_DIR_REPLY].tcp;

	if (o->ep == SM_TCP_EP_RESET || r->ep == SM_TCP_EP_RESET)
		return "rst";
	if (o->ep == SM_TCP_EP_CLOSED || r->ep == SM_TCP_EP_CLOSED)
		return "fin";
	return "timeout";
}

/* A TCP session both sides closed, or a RST ended: Zeek removes it
 * without a timeout event. */
static bool
closed(const struct sm_session *s, const struct sm_sess_key *key)
{
	uint8_t o = s->dir[SM_DIR_ORIG].tcp.ep, r = s->dir[SM_DIR_REPLY].tcp.ep;

	return key->proto == IPPROTO_TCP &&
	       (o == SM_TCP_EP_RESET || r == SM_TCP_EP_RESET ||
		(o == SM_TCP_EP_CLOSED && r == SM_TCP_EP_CLOSED));
}

static const char *const end_reasons[SM_END_MAX] = {
	[SM_END_CLEARED] = "cleared",
	[SM_END_EVICTED] = "evicted",
	[SM_END_SHUTDOWN] = "shutdown",
};

/* Zeek's endpoint_stats of one direction. */
static void
put_endpoint_stats(struct sm_ev_rec *e, const char *name, const struct sm_stream_stats *st)
{
	sm_ev_obj_begin(e, name);
	sm_ev_u64(e, "num_pkts", st->num_pkts);
	sm_ev_u64(e, "num_rxmit", st->num_rxmit);
	sm_ev_u64(e, "num_rxmit_bytes", st->num_rxmit_bytes);
	sm_ev_u64(e, "num_in_order", st->num_in_order);
	sm_ev_u64(e, "num_OO", st->num_OO);
	sm_ev_u64(e, "num_repl", st->num_repl);
	sm_ev_u64(e, "num_gaps", st->gaps);
	sm_ev_u64(e, "gap_bytes", st->gap_bytes);
	sm_ev_obj_end(e);
}

static void
ev_conn_stats(struct sm_inspector *in, const struct sm_insp *x)
{
	struct sm_ev_rec *e;

	if (x->st == NULL || (e = ev_begin(in, SM_EV_CONN_STATS)) == NULL)
		return;
	put_endpoint_stats(e, "os", sm_stream_stats(x->st, SM_DIR_ORIG));
	put_endpoint_stats(e, "rs", sm_stream_stats(x->st, SM_DIR_REPLY));
	sm_ev_commit(in->ev, e);
}

static void
put_dir(struct sm_ev_rec *e, const char *name, const struct sm_sess_dir *d, uint64_t payload)
{
	sm_ev_obj_begin(e, name);
	sm_ev_u64(e, "num_pkts", d->pkts);
	sm_ev_u64(e, "num_bytes_ip", d->bytes);
	sm_ev_u64(e, "size", payload);
	sm_ev_obj_end(e);
}

static void
ev_state_remove(struct sm_inspector *in, const struct sm_session *s, const struct sm_insp *x,
		const char *reason)
{
	struct sm_ev_rec *e = ev_begin(in, SM_EV_CONNECTION_STATE_REMOVE);
	const struct sm_sess_key *k = in->cur_key;
	char history[SM_CONN_HISTORY_MAX + 2];
	struct sm_ev_id id;
	const char *state;

	if (e == NULL)
		return;
	sm_conn_history(&x->conn, history, sizeof(history));
	sm_ev_interval(e, "duration", s->last_us - s->first_us);
	put_dir(e, "orig", &s->dir[SM_DIR_ORIG], x->payload[SM_DIR_ORIG]);
	put_dir(e, "resp", &s->dir[SM_DIR_REPLY], x->payload[SM_DIR_REPLY]);
	/* Dovecot's connection fields, from the server's side: the id's
	 * endpoints (ICMP "ports" as Zeek's). */
	make_id(&id, k, s->orig_ep);
	sm_ev_addr(e, "client_ip", id.orig_h, id.family);
	sm_ev_u64(e, "client_port", id.orig_p);
	sm_ev_addr(e, "ip", id.resp_h, id.family);
	sm_ev_u64(e, "port", id.resp_p);
	sm_ev_u64(e, "bytes_in", x->payload[SM_DIR_ORIG]);
	sm_ev_u64(e, "bytes_out", x->payload[SM_DIR_REPLY]);
	state = sm_conn_state_name(sm_conn_state(&x->conn, k->proto));
	sm_ev_str(e, "conn_state", state, strlen(state));
	sm_ev_str(e, "history", history, strlen(history));
	sm_ev_str(e, "reason", reason, strlen(reason));
	if (x->tls != NULL)
		sm_tls_events_summary(e, sm_tls_summary(x->tls));
	sm_ev_commit(in->ev, e);
}

void
sm_inspect_end(struct sm_inspector *in, struct sm_session *s, const struct sm_sess_key *key,
	       enum sm_end_reason why, uint64_t now_us)
{
	struct sm_insp *x = s->insp;
	const char *reason;

	if (x == NULL)
		return;
	set_current(in, s, key, now_us);
	if (x->st != NULL)
		sm_stream_flush(in->sp, x->st, in);
	if (x->tls != NULL)
		sm_tls_fini(x->tls, &in->env);
	if (in->sig != NULL)
		for (int d = 0; d < SM_DIR_MAX; d++)
			sig_stop(in, x, d, SM_SIG_STOP_SESSION_END);
	reason = why == SM_END_EXPIRED ? expiry_reason(s) : end_reasons[why];
	if (why == SM_END_EXPIRED && !closed(s, key))
		ev_conn(in, sm_conn_expire(&x->conn, key->proto), NULL, NULL);
	ev_conn_stats(in, x);
	if (key->proto == IPPROTO_UDP)
		ev_simple(in, SM_EV_UDP_SESSION_DONE);
	ev_state_remove(in, s, x, reason);
	if (x->st != NULL)
		sm_stream_free(in->sp, x->st);
	if (x->tls != NULL)
		rte_mempool_put(in->tlss, x->tls);
	rte_mempool_put(in->objs, x);
	s->insp = NULL;
}

/* A NUL-terminated copy of text another thread may be rewriting. */
static void
copy_text(char *dst, size_t cap, const char *src, size_t src_cap)
{
	size_t n = strnlen(src, RTE_MIN(cap - 1, src_cap));

	memcpy(dst, src, n);
	dst[n] = '\0';
}

void
sm_inspect_info(const struct sm_insp *x, struct sm_insp_info *out)
{
	const struct sm_tls *t;

	memset(out, 0, sizeof(*out));
	if (x == NULL)
		return;
	out->valid = 1;
	out->done[SM_DIR_ORIG] = x->done[SM_DIR_ORIG];
	out->done[SM_DIR_REPLY] = x->done[SM_DIR_REPLY];
	out->sig_hits = x->sig_hits;
	out->inspecting = x->st != NULL && (x->done[SM_DIR_ORIG] == SM_INSPECT_RUNNING ||
					   x->done[SM_DIR_REPLY] == SM_INSPECT_RUNNING);
	t = x->tls;
	if (t == NULL)
		return;
	out->tls_version = t->sum.version;
	copy_text(out->sni, sizeof(out->sni), t->sum.server_name, sizeof(t->sum.server_name));
	copy_text(out->ja4, sizeof(out->ja4), t->sum.ja4, sizeof(t->sum.ja4));
}
