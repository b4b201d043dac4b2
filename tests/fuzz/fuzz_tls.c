/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: the TLS analyzer over the two byte streams of a session.
 *
 * Input (structured, so mutations stay meaningful):
 *   byte 0      options: bit 0 the buffer provider fails, bit 1 the
 *               record-level events are on
 *   then chunks: a byte (bit 0: sent by the originator; bit 1: a gap),
 *               a 16-bit big-endian length, and that many bytes (none
 *               for a gap); a chunk cut by the end of the input keeps
 *               what is there.
 * Each chunk is copied into its own malloc() of exactly its size, so ASan
 * reports any read past a chunk even between chunks that were adjacent in
 * the input.
 *
 * The input runs twice: chunks as given, then each data chunk split in two
 * at a point taken from its bytes. Besides the sanitizers, it aborts when:
 * - (buffers available) the two runs differ in their events (type, side, and a digest of every
 *   byte and value an event carries), summary or counters: the analyzer
 *   must not depend on how the stream is cut;
 * - an event's arguments break their own invariants (vector widths);
 * - a summary string is not terminated inside its array;
 * - a reassembly buffer is not given back after sm_tls_fini().
 * Every byte an event points to is read, so a dangling or overlong pointer
 * is reported where it is made.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>

#include "sessmon/tls.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define OPT_NO_BUFFERS 0x01
#define OPT_RECORDS    0x02
#define CH_ORIG 0x01
#define CH_GAP  0x02

struct run {
	uint64_t digest;          /* of every event */
	unsigned int events;
	int bufs_out;
};

static uint64_t
mix(uint64_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	/* FNV-1a: cheap, and reading every byte is the point. */
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ULL;
	return h;
}

static uint64_t
mix_bytes(uint64_t h, struct sm_tls_bytes b)
{
	h = mix(h, &b.len, sizeof(b.len));
	return b.len > 0 ? mix(h, b.p, b.len) : h;
}

static uint64_t
mix_vec(uint64_t h, const struct sm_tls_vec *v)
{
	RTE_VERIFY(v->n == 0 || (v->width >= 1 && v->width <= 3 && v->stride >= v->width));
	for (uint32_t i = 0; i < v->n; i++) {
		uint32_t x = sm_tls_vec_get(v, i);

		h = mix(h, &x, sizeof(x));
	}
	return h;
}

static uint64_t
mix_strv(uint64_t h, const struct sm_tls_strv *sv)
{
	RTE_VERIFY(sv->n <= SM_TLS_STRV_MAX);
	for (uint32_t i = 0; i < sv->n; i++)
		h = mix_bytes(h, sv->s[i]);
	return h;
}

/* The byte and vector arguments of an event, folded in. */
static uint64_t
mix_args(uint64_t h, const struct sm_tls_event *ev)
{
	switch (ev->type) {
	case SM_TLS_EV_CLIENT_HELLO:
		h = mix_bytes(h, ev->client_hello.client_random);
		h = mix_bytes(h, ev->client_hello.session_id);
		h = mix_vec(h, &ev->client_hello.ciphers);
		return mix_vec(h, &ev->client_hello.comp_methods);
	case SM_TLS_EV_SERVER_HELLO:
		h = mix_bytes(h, ev->server_hello.server_random);
		return mix_bytes(h, ev->server_hello.session_id);
	case SM_TLS_EV_EXTENSION:
		return mix_bytes(h, ev->extension.val);
	case SM_TLS_EV_EXT_SERVER_NAME:
	case SM_TLS_EV_EXT_ALPN:
		return mix_strv(h, ev->names.names);
	case SM_TLS_EV_EXT_SUPPORTED_VERSIONS:
	case SM_TLS_EV_EXT_KEY_SHARE:
	case SM_TLS_EV_EXT_ELLIPTIC_CURVES:
	case SM_TLS_EV_EXT_EC_POINT_FORMATS:
	case SM_TLS_EV_EXT_SIGNATURE_ALGORITHM:
	case SM_TLS_EV_EXT_PSK_KEY_EXCHANGE_MODES:
		return mix_vec(h, &ev->list.v);
	case SM_TLS_EV_EXT_SIGNED_CERTIFICATE_TIMESTAMP:
		h = mix_bytes(h, ev->sct.logid);
		return mix_bytes(h, ev->sct.signature);
	case SM_TLS_EV_SESSION_TICKET_HANDSHAKE:
		return mix_bytes(h, ev->session_ticket.ticket);
	case SM_TLS_EV_HEARTBEAT:
		return mix_bytes(h, ev->heartbeat.payload);
	case SM_TLS_EV_STAPLED_OCSP:
	case SM_TLS_EV_DH_CLIENT_PARAMS:
	case SM_TLS_EV_ECDH_CLIENT_PARAMS:
	case SM_TLS_EV_RSA_CLIENT_PMS:
		return mix_bytes(h, ev->bytes.b);
	case SM_TLS_EV_DH_SERVER_PARAMS:
		h = mix_bytes(h, ev->dh_server_params.p);
		h = mix_bytes(h, ev->dh_server_params.q);
		return mix_bytes(h, ev->dh_server_params.ys);
	case SM_TLS_EV_ECDH_SERVER_PARAMS:
		return mix_bytes(h, ev->ecdh_server_params.point);
	case SM_TLS_EV_SERVER_SIGNATURE:
		return mix_bytes(h, ev->server_signature.signature);
	default:
		return h;
	}
}

/* Scalar arguments by event type: the union member's bytes before any
 * pointer (all scalar members lead their structs, padding aside). */
static uint64_t
mix_scalars(uint64_t h, const struct sm_tls_event *ev)
{
	switch (ev->type) {
	case SM_TLS_EV_CLIENT_HELLO:
		h = mix(h, &ev->client_hello.version, 2);
		h = mix(h, &ev->client_hello.record_version, 2);
		return mix(h, &ev->client_hello.possible_ts, 4);
	case SM_TLS_EV_SERVER_HELLO:
		h = mix(h, &ev->server_hello.version, 2);
		h = mix(h, &ev->server_hello.cipher, 2);
		return mix(h, &ev->server_hello.comp_method, 1);
	case SM_TLS_EV_EXTENSION:
		return mix(h, &ev->extension.code, 2);
	case SM_TLS_EV_HANDSHAKE_MESSAGE:
		h = mix(h, &ev->handshake_message.msg_type, 1);
		return mix(h, &ev->handshake_message.length, 4);
	case SM_TLS_EV_ALERT:
		h = mix(h, &ev->alert.level, 1);
		return mix(h, &ev->alert.desc, 1);
	case SM_TLS_EV_PLAINTEXT_DATA:
	case SM_TLS_EV_ENCRYPTED_DATA:
		h = mix(h, &ev->record.content_type, 1);
		return mix(h, &ev->record.length, 2);
	default:
		return h;
	}
}

static void
on_event(void *ctx, const struct sm_tls_event *ev)
{
	struct run *r = ctx;
	uint64_t h = r->digest;

	RTE_VERIFY((unsigned int)ev->type < SM_TLS_EV_MAX);
	h = mix(h, &ev->type, sizeof(ev->type));
	h = mix(h, &ev->is_orig, sizeof(ev->is_orig));
	h = mix_scalars(h, ev);
	r->digest = mix_args(h, ev);
	r->events++;
}

/* The run whose buffers are out: the provider is called without it. */
static struct run *current;

static void *
buf_get(void *pool)
{
	(void)pool;
	current->bufs_out++;
	return malloc(SM_TLS_HS_BUF_SIZE);
}

static void *
buf_none(void *pool)
{
	(void)pool;
	return NULL;
}

static void
buf_put(void *pool, void *buf)
{
	(void)pool;
	current->bufs_out--;
	free(buf);
}

static void
check_summary(const struct sm_tls_summary *s)
{
	RTE_VERIFY(memchr(s->server_name, 0, sizeof(s->server_name)) != NULL);
	RTE_VERIFY(memchr(s->alpn_offered, 0, sizeof(s->alpn_offered)) != NULL);
	RTE_VERIFY(memchr(s->alpn_chosen, 0, sizeof(s->alpn_chosen)) != NULL);
	RTE_VERIFY(memchr(s->ja4, 0, sizeof(s->ja4)) != NULL);
	if (s->flags & SM_TLS_SF_CERT) {
		RTE_VERIFY(memchr(s->cert.subject, 0, sizeof(s->cert.subject)) != NULL);
		RTE_VERIFY(memchr(s->cert.issuer, 0, sizeof(s->cert.issuer)) != NULL);
		RTE_VERIFY(memchr(s->cert.sans, 0, sizeof(s->cert.sans)) != NULL);
	}
}

/* A split point in [1, n - 1] that changes with the bytes. */
static size_t
split_point(const uint8_t *p, size_t n)
{
	return 1 + mix(0, p, n) % (n - 1);
}

static void
feed_copy(struct sm_tls *t, const struct sm_tls_env *env, struct run *r, bool orig,
	  const uint8_t *p, size_t n)
{
	uint8_t *copy = malloc(n > 0 ? n : 1);

	RTE_VERIFY(copy != NULL);
	memcpy(copy, p, n);
	sm_tls_feed(t, env, r, orig, copy, n);
	free(copy);
}

static void
run(const uint8_t *data, size_t size, bool split, struct run *r, struct sm_tls *t,
    struct sm_tls_counters *cnt)
{
	struct sm_tls_env env = {.buf_put = buf_put, .cnt = cnt};
	size_t off = 1;

	memset(r, 0, sizeof(*r));
	memset(cnt, 0, sizeof(*cnt));
	current = r;
	env.buf_get = data[0] & OPT_NO_BUFFERS ? buf_none : buf_get;
	for (unsigned int e = 0; e < SM_TLS_EV_MAX; e++)
		if ((data[0] & OPT_RECORDS) || sm_tls_ev_info(e)->default_on)
			env.on[e] = on_event;
	sm_tls_init(t);
	while (off + 3 <= size) {
		uint8_t kind = data[off];
		size_t n = (size_t)data[off + 1] << 8 | data[off + 2];
		const uint8_t *p = data + off + 3;
		bool orig = kind & CH_ORIG;

		off += 3;
		if (kind & CH_GAP) {
			sm_tls_gap(t, &env, r, orig, (uint32_t)n);
			continue;
		}
		n = n < size - off ? n : size - off;
		off += n;
		if (split && n >= 2) {
			size_t at = split_point(p, n);

			feed_copy(t, &env, r, orig, p, at);
			feed_copy(t, &env, r, orig, p + at, n - at);
		} else {
			feed_copy(t, &env, r, orig, p, n);
		}
	}
	sm_tls_fini(t, &env);
	check_summary(sm_tls_summary(t));
	RTE_VERIFY(r->bufs_out == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sm_tls ta, tb;
	static struct sm_tls_counters ca, cb;
	struct run ra, rb;

	if (size < 1)
		return 0;
	run(data, size, false, &ra, &ta, &ca);
	run(data, size, true, &rb, &tb, &cb);
	/* Without buffers only a message that arrives in one piece is read,
	 * so there the cut matters. */
	if (data[0] & OPT_NO_BUFFERS)
		return 0;
	RTE_VERIFY(ra.events == rb.events && ra.digest == rb.digest);
	RTE_VERIFY(memcmp(&ta.sum, &tb.sum, sizeof(ta.sum)) == 0);
	RTE_VERIFY(memcmp(&ca, &cb, sizeof(ca)) == 0);
	return 0;
}
