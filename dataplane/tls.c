/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS handshake analyzer: record layer, handshake reassembly, message and
 * extension decoders, and Zeek's SSL events.
 *
 * Layers, per direction:
 *   record layer   a 5-byte header (RFC 8446 §5.1, RFC 5246 §6.2.1), or the
 *                  2-byte header of an SSLv2-format ClientHello (RFC 5246
 *                  appendix E.2) as the client's first record; bodies are
 *                  streamed to the content type's handler (rec_ops[]).
 *   handshake      messages (type, 24-bit length, body) over the handshake
 *                  records' bytes: handled in place when one chunk holds a
 *                  whole message, else copied into the direction's buffer.
 *   messages       one decoder per message type (msg_ops[]), one per
 *                  extension (ext_ops[]), all on a bounds-checked cursor.
 *
 * Plaintext or not (what Zeek calls the direction's state): TLS <= 1.2
 * encrypts a direction after its ChangeCipherSpec; TLS 1.3 encrypts every
 * handshake message after the ServerHello (RFC 8446 §2), so the handshake of
 * both directions stops being parsed there, and a direction counts as
 * encrypted (for ssl_established, as in Zeek) from its first application
 * data record.
 *
 * Event order is Zeek's (its binpac records raise an event once their
 * fields are parsed): per extension the specialised event, then
 * ssl_extension; then ssl_client_hello / ssl_server_hello; then
 * ssl_handshake_message for the message.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "sessmon/common.h"
#include "sessmon/tls.h"

/* Record layer constants (RFC 5246 §6.2.1, §6.2.3; RFC 8446 §5.1). */
#define REC_HDR_LEN 5
#define REC_V2_HDR_LEN 2
#define REC_MAX_LEN (16384 + 2048)
#define CT_CCS 20
#define CT_ALERT 21
#define CT_HANDSHAKE 22
#define CT_APPDATA 23
#define CT_HEARTBEAT 24
#define MSG_HDR_LEN 4

/* Protocol versions. */
#define V_SSL3 0x0300
#define V_TLS12 0x0303
#define V_TLS13 0x0304

/* struct sm_tls_dir flags. */
#define DF_ENC        0x01 /* records are ciphertext (Zeek STATE_ENCRYPTED) */
#define DF_HS_OFF     0x02 /* handshake content no longer plaintext */
#define DF_STOPPED    0x04 /* framing lost: nothing more is parsed */
#define DF_MSG_SKIP   0x08 /* current handshake message is not decoded */
#define DF_REC_PLAIN  0x10 /* current record is parsed as plaintext */
#define DF_REC_DAMAGE 0x20 /* current record lost bytes to a gap */
#define DF_V2         0x40 /* current record is SSLv2 */
#define DF_HB_GATHER  0x80 /* current heartbeat record is copied into buf */

/* struct sm_tls state bits. */
#define ST_TLS13    0x01 /* negotiated TLS 1.3 (or a draft of it) */
#define ST_SRV_CERT 0x02 /* server sent Certificate */
#define ST_SRV_SKE  0x04 /* server sent ServerKeyExchange */

/* Most key_share entries an event lists (more: SM_TLS_ANOM_VEC_TRUNCATED). */
#define KEY_SHARE_MAX 32

/* ServerHello.random of a HelloRetryRequest: SHA-256("HelloRetryRequest")
 * (RFC 8446 §4.1.3). */
static const uint8_t hrr_random[32] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
	0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
	0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
};

/* Everything a decoder needs about the call it runs in. */
struct hctx {
	struct sm_tls *t;
	const struct sm_tls_env *env;
	void *ctx;
	struct sm_tls_dir *dir;
	uint8_t d;                /* TCP direction */
	bool from_client;         /* the sender is the TLS client */
	bool hrr;                 /* decoding a HelloRetryRequest */
	struct sm_tls_hello *hello; /* hello being decoded, else NULL */
};

/* ------------------------------------------------------------------ */
/* Cursor                                                             */
/* ------------------------------------------------------------------ */

/* A read that does not fit sets bad and reads nothing from then on. */
struct cur {
	const uint8_t *p;
	uint32_t n;
	bool bad;
};

static struct cur
cur_of(struct sm_tls_bytes b)
{
	return (struct cur){.p = b.p, .n = b.len, .bad = false};
}

static struct sm_tls_bytes
cur_take(struct cur *c, uint32_t len)
{
	struct sm_tls_bytes b = {.p = c->p, .len = len};

	if (c->bad || len > c->n) {
		c->bad = true;
		c->n = 0;
		return (struct sm_tls_bytes){.p = c->p, .len = 0};
	}
	c->p += len;
	c->n -= len;
	return b;
}

/* Big-endian integer of @p w bytes (1..4). */
static uint32_t
cur_uint(struct cur *c, unsigned int w)
{
	struct sm_tls_bytes b = cur_take(c, w);
	uint32_t x = 0;

	for (uint32_t i = 0; i < b.len; i++)
		x = x << 8 | b.p[i];
	return x;
}

/* A vector with a @p lw-byte length prefix (RFC 8446 §3.4). */
static struct sm_tls_bytes
cur_vec(struct cur *c, unsigned int lw)
{
	return cur_take(c, cur_uint(c, lw));
}

/* Entries of @p width bytes; @return false if a partial entry is left. */
static bool
vec_of(struct sm_tls_bytes b, uint8_t width, struct sm_tls_vec *v)
{
	*v = (struct sm_tls_vec){.be = b.p, .n = b.len / width, .width = width, .stride = width};
	return b.len % width == 0;
}

/* ------------------------------------------------------------------ */
/* Helpers                                                            */
/* ------------------------------------------------------------------ */

static void
count(struct sm_tls *t, const struct sm_tls_env *env, enum sm_tls_anom a)
{
	if (env->cnt != NULL)
		env->cnt->v[a]++;
	t->sum.anomalies |= 1u << a;
}

static bool
wanted(const struct hctx *h, enum sm_tls_ev type)
{
	return h->env->on[type] != NULL;
}

static void
emit(const struct hctx *h, struct sm_tls_event *ev)
{
	sm_tls_event_fn fn = h->env->on[ev->type];

	ev->is_orig = h->from_client;
	if (fn != NULL)
		fn(h->ctx, ev);
}

static void
emit_bytes(const struct hctx *h, enum sm_tls_ev type, struct sm_tls_bytes b)
{
	struct sm_tls_event ev = {.type = type, .bytes = {.b = b}};

	emit(h, &ev);
}

static void
emit_list(const struct hctx *h, enum sm_tls_ev type, const struct sm_tls_vec *v)
{
	struct sm_tls_event ev = {.type = type, .list = {.v = *v}};

	emit(h, &ev);
}

static void
buf_release(const struct sm_tls_env *env, struct sm_tls_dir *dir)
{
	if (dir->buf != NULL)
		env->buf_put(env->pool, dir->buf);
	dir->buf = NULL;
}

/* @return the direction's buffer, taking one if needed (NULL if none). */
static uint8_t *
buf_need(const struct sm_tls_env *env, struct sm_tls_dir *dir)
{
	if (dir->buf == NULL && env->buf_get != NULL)
		dir->buf = env->buf_get(env->pool);
	return dir->buf;
}

/* The direction's handshake is over (encrypted, or unreadable). Its buffer
 * may still hold the message being decoded: buf_trim() gives it back later. */
static void
hs_off(struct sm_tls_dir *dir)
{
	dir->flags |= DF_HS_OFF;
	dir->msg_hdr_have = 0;
	dir->msg_have = 0;
}

/* Give the buffer back once nothing can use it again. */
static void
buf_trim(const struct sm_tls_env *env, struct sm_tls_dir *dir)
{
	if ((dir->flags & DF_HS_OFF) && !(dir->flags & DF_HB_GATHER))
		buf_release(env, dir);
}

static void
dir_stop(struct sm_tls *t, const struct sm_tls_env *env, struct sm_tls_dir *dir,
	 enum sm_tls_anom why)
{
	dir->flags |= DF_STOPPED;
	t->sum.flags |= SM_TLS_SF_STOPPED;
	count(t, env, why);
	buf_release(env, dir);
}

/* ------------------------------------------------------------------ */
/* Extensions                                                         */
/* ------------------------------------------------------------------ */

/* Host names (RFC 6066 §3) or protocol ids (RFC 7301 §3.1) into @p sv. */
static bool
names_of(const struct hctx *h, struct sm_tls_bytes data, bool sni, struct sm_tls_strv *sv)
{
	struct cur c = cur_of(data);
	struct cur list = cur_of(cur_vec(&c, 2));

	sv->n = 0;
	while (list.n > 0 && !list.bad) {
		/* ServerName: NameType name_type (host_name is 0) + opaque<1..2^16-1>. */
		uint32_t type = sni ? cur_uint(&list, 1) : 0;
		struct sm_tls_bytes s = cur_vec(&list, sni ? 2 : 1);

		if (list.bad || type != 0)
			continue;
		if (sv->n == SM_TLS_STRV_MAX) {
			count(h->t, h->env, SM_TLS_ANOM_VEC_TRUNCATED);
			break;
		}
		sv->s[sv->n++] = s;
	}
	return !c.bad && !list.bad && c.n == 0;
}

static void
ext_server_name(const struct hctx *h, struct sm_tls_bytes data)
{
	struct sm_tls_summary *sum = &h->t->sum;
	struct sm_tls_event ev = {.type = SM_TLS_EV_EXT_SERVER_NAME};
	struct sm_tls_strv sv;

	if (h->from_client)
		h->hello->has_sni = true;
	/* A server acknowledges with an empty extension (RFC 6066 §3). */
	if (data.len == 0)
		return;
	if (!names_of(h, data, true, &sv))
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
	if (h->from_client && sv.n > 0 && sum->server_name[0] == '\0' &&
	    sm_tls_text_put(sum->server_name, sizeof(sum->server_name), 0, sv.s[0].p, sv.s[0].len))
		sum->trunc |= SM_TLS_TR_SNI;
	ev.names.names = &sv;
	if (sv.n > 0)
		emit(h, &ev);
}

static void
alpn_summary(const struct hctx *h, const struct sm_tls_strv *sv)
{
	struct sm_tls_summary *sum = &h->t->sum;
	char *dst = h->from_client ? sum->alpn_offered : sum->alpn_chosen;
	size_t cap = h->from_client ? sizeof(sum->alpn_offered) : sizeof(sum->alpn_chosen);
	uint8_t bit = h->from_client ? SM_TLS_TR_ALPN_OFFERED : SM_TLS_TR_ALPN_CHOSEN;
	bool cut = false;

	dst[0] = '\0';
	for (uint32_t i = 0; i < sv->n && !cut; i++) {
		if (i > 0)
			cut = sm_tls_text_put(dst, cap, strlen(dst), (const uint8_t *)",", 1);
		if (!cut)
			cut = sm_tls_text_put(dst, cap, strlen(dst), sv->s[i].p, sv->s[i].len);
	}
	if (cut)
		sum->trunc |= bit;
}

static void
ext_alpn(const struct hctx *h, struct sm_tls_bytes data)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_EXT_ALPN};
	struct sm_tls_strv sv;

	if (!names_of(h, data, false, &sv))
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
	if (sv.n == 0)
		return;
	h->hello->alpn = sv.s[0];
	/* The first ClientHello's offer; the ServerHello's choice (TLS <= 1.2:
	 * TLS 1.3 sends it encrypted in EncryptedExtensions). */
	if (!h->from_client || !(h->t->sum.flags & SM_TLS_SF_CLIENT_HELLO))
		alpn_summary(h, &sv);
	ev.names.names = &sv;
	emit(h, &ev);
}

/* A list of @p width-byte values with a @p lw-byte length (RFC 8446 §4.2.3,
 * §4.2.7, §4.2.9; RFC 8422 §5.1.2). */
static bool
list_of(struct sm_tls_bytes data, unsigned int lw, uint8_t width, struct sm_tls_vec *v)
{
	struct cur c = cur_of(data);
	bool whole = vec_of(cur_vec(&c, lw), width, v);

	return whole && !c.bad && c.n == 0;
}

static void
ext_list(const struct hctx *h, struct sm_tls_bytes data, unsigned int lw, uint8_t width,
	 enum sm_tls_ev type, struct sm_tls_vec *keep)
{
	struct sm_tls_vec v;

	if (!list_of(data, lw, width, &v))
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
	if (keep != NULL)
		*keep = v;
	if (wanted(h, type))
		emit_list(h, type, &v);
}

static void
ext_groups(const struct hctx *h, struct sm_tls_bytes data)
{
	ext_list(h, data, 2, 2, SM_TLS_EV_EXT_ELLIPTIC_CURVES, &h->hello->groups);
}

static void
ext_point_formats(const struct hctx *h, struct sm_tls_bytes data)
{
	ext_list(h, data, 1, 1, SM_TLS_EV_EXT_EC_POINT_FORMATS, &h->hello->point_formats);
}

static void
ext_sig_algs(const struct hctx *h, struct sm_tls_bytes data)
{
	ext_list(h, data, 2, 2, SM_TLS_EV_EXT_SIGNATURE_ALGORITHM, &h->hello->sig_algs);
}

static void
ext_psk_modes(const struct hctx *h, struct sm_tls_bytes data)
{
	ext_list(h, data, 1, 1, SM_TLS_EV_EXT_PSK_KEY_EXCHANGE_MODES, NULL);
}

/* RFC 8446 §4.2.1: a list in ClientHello, the selected version in
 * ServerHello and HelloRetryRequest. */
static void
ext_supported_versions(const struct hctx *h, struct sm_tls_bytes data)
{
	struct sm_tls_vec *v = &h->hello->versions;

	if (h->from_client) {
		ext_list(h, data, 1, 2, SM_TLS_EV_EXT_SUPPORTED_VERSIONS, v);
		return;
	}
	if (data.len != 2) {
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
		return;
	}
	vec_of(data, 2, v);
	if (wanted(h, SM_TLS_EV_EXT_SUPPORTED_VERSIONS))
		emit_list(h, SM_TLS_EV_EXT_SUPPORTED_VERSIONS, v);
}

/* RFC 8446 §4.2.8: the client's KeyShareEntry list; the server's one entry
 * (a HelloRetryRequest names only the group). Groups are copied out, as
 * the entries have key bytes between them. */
static void
ext_key_share(const struct hctx *h, struct sm_tls_bytes data)
{
	uint8_t groups[2 * KEY_SHARE_MAX];
	struct cur c = cur_of(data);
	struct cur list = h->from_client ? cur_of(cur_vec(&c, 2)) : c;
	struct sm_tls_vec v = {.be = groups, .n = 0, .width = 2, .stride = 2};

	while (list.n > 0 && !list.bad) {
		uint32_t g = cur_uint(&list, 2);

		if (h->from_client || !h->hrr)
			cur_vec(&list, 2);  /* key_exchange */
		if (list.bad)
			break;
		if (v.n == KEY_SHARE_MAX) {
			count(h->t, h->env, SM_TLS_ANOM_VEC_TRUNCATED);
			break;
		}
		groups[2 * v.n] = (uint8_t)(g >> 8);
		groups[2 * v.n + 1] = (uint8_t)g;
		v.n++;
		if (!h->from_client) {
			h->t->sum.group = (uint16_t)g;
			break;
		}
	}
	if (c.bad || list.bad || (h->from_client ? c.n : list.n) != 0)
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
	if (wanted(h, SM_TLS_EV_EXT_KEY_SHARE))
		emit_list(h, SM_TLS_EV_EXT_KEY_SHARE, &v);
}

/* RFC 6962 §3.3: SignedCertificateTimestampList, one event per SCT. */
static void
ext_sct(const struct hctx *h, struct sm_tls_bytes data)
{
	struct cur c = cur_of(data);
	struct cur list;

	/* The client asks with an empty extension. */
	if (data.len == 0)
		return;
	list = cur_of(cur_vec(&c, 2));
	while (list.n > 0 && !list.bad) {
		struct cur sct = cur_of(cur_vec(&list, 2));
		struct sm_tls_event ev = {.type = SM_TLS_EV_EXT_SIGNED_CERTIFICATE_TIMESTAMP};
		struct sm_tls_ev_sct *e = &ev.sct;

		e->version = (uint8_t)cur_uint(&sct, 1);
		e->logid = cur_take(&sct, 32);
		e->timestamp = (uint64_t)cur_uint(&sct, 4) << 32;
		e->timestamp |= cur_uint(&sct, 4);
		cur_vec(&sct, 2);  /* CtExtensions */
		e->sig_alg.hash = (uint16_t)cur_uint(&sct, 1);
		e->sig_alg.sig = (uint16_t)cur_uint(&sct, 1);
		e->signature = cur_vec(&sct, 2);
		if (sct.bad || list.bad) {
			count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
			return;
		}
		emit(h, &ev);
	}
	if (c.bad || c.n != 0)
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
}

/* status_request (RFC 6066 §8): the client asks for a stapled OCSP response. */
static void
ext_status_request(const struct hctx *h, struct sm_tls_bytes data)
{
	(void)data;
	if (h->from_client)
		h->t->sum.flags |= SM_TLS_SF_OCSP_REQUESTED;
}

/* pre_shared_key in a ServerHello: the server accepted a PSK, i.e. resumed
 * (RFC 8446 §4.2.11). */
static void
ext_psk(const struct hctx *h, struct sm_tls_bytes data)
{
	(void)data;
	if (!h->from_client && !h->hrr)
		h->t->sum.flags |= SM_TLS_SF_RESUMED;
}

struct ext_op {
	uint16_t type;
	void (*fn)(const struct hctx *h, struct sm_tls_bytes data);
};

/* Extensions with a decoder, by type. */
static const struct ext_op ext_ops[] = {
	{0, ext_server_name},
	{5, ext_status_request},
	{10, ext_groups},
	{11, ext_point_formats},
	{13, ext_sig_algs},
	{16, ext_alpn},
	{18, ext_sct},
	{41, ext_psk},
	{43, ext_supported_versions},
	{45, ext_psk_modes},
	{51, ext_key_share},
};

static const struct ext_op *
ext_op(uint16_t type)
{
	for (size_t i = 0; i < SM_ARRAY_SIZE(ext_ops); i++)
		if (ext_ops[i].type == type)
			return &ext_ops[i];
	return NULL;
}

/*
 * Walk the extension block (RFC 8446 §4.2: type, opaque data<0..2^16-1>):
 * ssl_extension and the decoder of each; the types go into @p types (for
 * the fingerprints). A block that overruns stops the walk at the first
 * extension that does not fit.
 * @return false if the hello has more than SM_TLS_FP_MAX extensions (the
 *   types list then holds the first SM_TLS_FP_MAX).
 */
static bool
walk_exts(const struct hctx *h, struct cur *c, uint8_t *types)
{
	struct sm_tls_vec *tv = &h->hello->ext_types;
	bool all = true;
	struct cur blk;

	*tv = (struct sm_tls_vec){.be = types, .n = 0, .width = 2, .stride = 2};
	/* Hellos before RFC 3546 end after the compression methods. */
	if (c->n == 0)
		return true;
	blk = cur_of(cur_vec(c, 2));
	if (c->bad) {
		count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
		return true;
	}
	while (blk.n > 0) {
		uint16_t type = (uint16_t)cur_uint(&blk, 2);
		struct sm_tls_bytes data = cur_vec(&blk, 2);
		struct sm_tls_event ev = {.type = SM_TLS_EV_EXTENSION,
					  .extension = {.code = type, .val = data}};
		const struct ext_op *op;

		if (blk.bad) {
			count(h->t, h->env, SM_TLS_ANOM_EXT_TRUNCATED);
			break;
		}
		if (tv->n < SM_TLS_FP_MAX) {
			types[2 * tv->n] = (uint8_t)(type >> 8);
			types[2 * tv->n + 1] = (uint8_t)type;
			tv->n++;
		} else {
			all = false;
		}
		op = ext_op(type);
		if (op != NULL)
			op->fn(h, data);
		emit(h, &ev);
	}
	return all;
}

/* ------------------------------------------------------------------ */
/* Handshake messages                                                 */
/* ------------------------------------------------------------------ */

/* Bytes after a message's last field are counted, not fatal: @return true. */
static bool
no_trailing(const struct hctx *h, const struct cur *c)
{
	if (c->n != 0)
		count(h->t, h->env, SM_TLS_ANOM_HS_TRAILING);
	return true;
}

static bool
is_tls13(uint16_t v)
{
	/* 0x7fxx: TLS 1.3 drafts (draft-ietf-tls-tls13 §4.2.1). */
	return v == V_TLS13 || (v >> 8) == 0x7f;
}

/* gmt_unix_time, the first 4 bytes of a 32-byte random (RFC 5246
 * §7.4.1.2); TLS 1.3 puts none there, Zeek reports them all the same. */
static uint32_t
random_time(struct sm_tls_bytes random)
{
	struct cur c = cur_of(random);

	return cur_uint(&c, 4);
}

/* The record version of the current record, for hello events. */
static uint16_t
record_version(const struct hctx *h)
{
	return h->dir->flags & DF_V2 ? 0 : h->dir->rec_version;
}

static void
client_hello_summary(const struct hctx *h, const struct sm_tls_hello *ch,
		     struct sm_tls_bytes sid, bool all_exts)
{
	struct sm_tls *t = h->t;
	int rc;

	t->sum.flags |= SM_TLS_SF_CLIENT_HELLO;
	t->sum.ch_version = ch->version;
	t->ch_session_id_len = (uint8_t)(sid.len < sizeof(t->ch_session_id) ?
					 sid.len : sizeof(t->ch_session_id));
	memcpy(t->ch_session_id, sid.p, t->ch_session_id_len);
	if (!all_exts) {
		count(t, h->env, SM_TLS_ANOM_FP_TOO_MANY);
		return;
	}
	if (sm_tls_fp_ja3(ch, t->sum.ja3) == 0)
		t->sum.flags |= SM_TLS_SF_JA3;
	rc = sm_tls_fp_ja4(ch, t->sum.ja4);
	if (rc == -E2BIG)
		count(t, h->env, SM_TLS_ANOM_FP_TOO_MANY);
}

/* The TLS client is whoever sends the first ClientHello. */
static void
set_client(struct hctx *h)
{
	if (!(h->t->sum.flags & SM_TLS_SF_CLIENT_HELLO))
		h->t->client = h->d;
	h->from_client = h->d == h->t->client;
}

/* RFC 8446 §4.1.2, RFC 5246 §7.4.1.2. */
static bool
msg_client_hello(struct hctx *h, struct sm_tls_bytes body)
{
	uint8_t types[2 * SM_TLS_FP_MAX];
	struct sm_tls_hello ch = {0};
	struct sm_tls_event ev = {.type = SM_TLS_EV_CLIENT_HELLO};
	struct sm_tls_ev_client_hello *e = &ev.client_hello;
	struct cur c = cur_of(body);
	bool first = !(h->t->sum.flags & SM_TLS_SF_CLIENT_HELLO);
	bool all;

	e->version = (uint16_t)cur_uint(&c, 2);
	e->record_version = record_version(h);
	e->client_random = cur_take(&c, 32);
	e->session_id = cur_vec(&c, 1);
	if (!vec_of(cur_vec(&c, 2), 2, &e->ciphers))
		count(h->t, h->env, SM_TLS_ANOM_HS_TRUNCATED);
	vec_of(cur_vec(&c, 1), 1, &e->comp_methods);
	if (c.bad)
		return false;
	e->possible_ts = random_time(e->client_random);
	ch.version = e->version;
	ch.ciphers = e->ciphers;
	h->hello = &ch;
	all = walk_exts(h, &c, types);
	h->hello = NULL;
	no_trailing(h, &c);
	emit(h, &ev);
	if (first)
		client_hello_summary(h, &ch, e->session_id, all);
	return true;
}

static void
server_hello_summary(const struct hctx *h, const struct sm_tls_hello *sh,
		     struct sm_tls_bytes sid, uint16_t cipher, bool all_exts)
{
	struct sm_tls *t = h->t;
	uint16_t v = sh->versions.n == 1 ? (uint16_t)sm_tls_vec_get(&sh->versions, 0) : sh->version;

	t->sum.flags |= h->hrr ? SM_TLS_SF_HRR : SM_TLS_SF_SERVER_HELLO;
	t->sum.version = v;
	t->sum.cipher = cipher;
	t->kex = (uint8_t)sm_tls_cipher_kex(cipher);
	if (!all_exts)
		count(t, h->env, SM_TLS_ANOM_FP_TOO_MANY);
	else if (sm_tls_fp_ja3s(sh, t->sum.ja3s) == 0)
		t->sum.flags |= SM_TLS_SF_JA3S;
	if (is_tls13(v)) {
		if (!h->hrr) {
			t->state |= ST_TLS13;
			/* Everything after the ServerHello is encrypted (RFC 8446 §2). */
			hs_off(&t->dir[0]);
			hs_off(&t->dir[1]);
		}
		return;
	}
	/* TLS <= 1.2: the server echoes the session id it resumes (RFC 5246
	 * §7.4.1.3). */
	if (sid.len > 0 && sid.len == t->ch_session_id_len &&
	    memcmp(sid.p, t->ch_session_id, sid.len) == 0)
		t->sum.flags |= SM_TLS_SF_RESUMED;
}

/* RFC 8446 §4.1.3, RFC 5246 §7.4.1.3. */
static bool
msg_server_hello(struct hctx *h, struct sm_tls_bytes body)
{
	uint8_t types[2 * SM_TLS_FP_MAX];
	struct sm_tls_hello sh = {0};
	struct sm_tls_event ev = {.type = SM_TLS_EV_SERVER_HELLO};
	struct sm_tls_ev_server_hello *e = &ev.server_hello;
	struct cur c = cur_of(body);
	struct sm_tls_bytes cipher;
	bool all;

	e->version = (uint16_t)cur_uint(&c, 2);
	e->record_version = record_version(h);
	e->server_random = cur_take(&c, 32);
	e->session_id = cur_vec(&c, 1);
	cipher = cur_take(&c, 2);
	e->comp_method = (uint8_t)cur_uint(&c, 1);
	if (c.bad)
		return false;
	e->cipher = (uint16_t)(cipher.p[0] << 8 | cipher.p[1]);
	h->hrr = memcmp(e->server_random.p, hrr_random, sizeof(hrr_random)) == 0;
	e->possible_ts = random_time(e->server_random);
	sh.version = e->version;
	vec_of(cipher, 2, &sh.ciphers);
	h->hello = &sh;
	all = walk_exts(h, &c, types);
	h->hello = NULL;
	no_trailing(h, &c);
	emit(h, &ev);
	server_hello_summary(h, &sh, e->session_id, e->cipher, all);
	return true;
}

/* RFC 5077 §3.3. */
static bool
msg_session_ticket(struct hctx *h, struct sm_tls_bytes body)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_SESSION_TICKET_HANDSHAKE};
	struct cur c = cur_of(body);

	ev.session_ticket.ticket_lifetime_hint = cur_uint(&c, 4);
	ev.session_ticket.ticket = cur_vec(&c, 2);
	if (c.bad)
		return false;
	h->t->sum.flags |= SM_TLS_SF_TICKET_ISSUED;
	emit(h, &ev);
	return no_trailing(h, &c);
}

/* RFC 5246 §7.4.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>; the
 * server's first is its own. */
static bool
msg_certificate(struct hctx *h, struct sm_tls_bytes body)
{
	struct sm_tls_cert *cert = &h->t->sum.cert;
	struct cur c = cur_of(body);
	struct cur list;
	unsigned int n = 0;

	if (h->from_client)
		return true;
	h->t->state |= ST_SRV_CERT;
	list = cur_of(cur_vec(&c, 3));
	while (list.n > 0 && !list.bad) {
		struct sm_tls_bytes der = cur_vec(&list, 3);

		if (list.bad)
			break;
		if (n++ == 0 && !(h->t->sum.flags & SM_TLS_SF_CERT)) {
			if (sm_tls_cert_parse(der.p, der.len, cert) == 0)
				h->t->sum.flags |= SM_TLS_SF_CERT;
			else
				count(h->t, h->env, SM_TLS_ANOM_CERT_UNPARSED);
		}
	}
	if (h->t->sum.flags & SM_TLS_SF_CERT && cert->n_certs == 0)
		cert->n_certs = (uint8_t)(n < UINT8_MAX ? n : UINT8_MAX);
	return !c.bad && !list.bad && no_trailing(h, &c);
}

/* RFC 6066 §8: CertificateStatus, status_type ocsp(1), OCSPResponse<1..2^24-1>. */
static bool
msg_certificate_status(struct hctx *h, struct sm_tls_bytes body)
{
	struct cur c = cur_of(body);
	uint32_t type = cur_uint(&c, 1);
	struct sm_tls_bytes resp = cur_vec(&c, 3);

	if (c.bad)
		return false;
	if (type == 1) {
		h->t->sum.flags |= SM_TLS_SF_OCSP_STAPLED;
		emit_bytes(h, SM_TLS_EV_STAPLED_OCSP, resp);
	}
	return no_trailing(h, &c);
}

/* digitally-signed (RFC 5246 §4.7): the algorithm pair from TLS 1.2 on,
 * Zeek's placeholder 256/256 before. */
static bool
server_signature(struct hctx *h, struct cur *c)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_SERVER_SIGNATURE};
	struct sm_tls_ev_server_signature *e = &ev.server_signature;

	e->sig_alg = (struct sm_tls_sig_alg){256, 256};
	if (h->t->sum.version >= V_TLS12) {
		e->sig_alg.hash = (uint16_t)cur_uint(c, 1);
		e->sig_alg.sig = (uint16_t)cur_uint(c, 1);
	}
	e->signature = cur_vec(c, 2);
	if (c->bad)
		return false;
	emit(h, &ev);
	return true;
}

/* RFC 8422 §5.4: ECParameters (named_curve only: RFC 8422 deprecates the
 * explicit forms) + ECPoint, then the signature unless anonymous. */
static bool
ske_ecdh(struct hctx *h, struct cur *c, bool anon)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_ECDH_SERVER_PARAMS};
	struct sm_tls_event curve = {.type = SM_TLS_EV_SERVER_CURVE};
	uint32_t curve_type = cur_uint(c, 1);

	if (curve_type != 3)
		return !c->bad;
	ev.ecdh_server_params.curve = (uint16_t)cur_uint(c, 2);
	ev.ecdh_server_params.point = cur_vec(c, 1);
	if (c->bad)
		return false;
	h->t->sum.group = ev.ecdh_server_params.curve;
	curve.server_curve.curve = ev.ecdh_server_params.curve;
	emit(h, &curve);
	emit(h, &ev);
	return anon || server_signature(h, c);
}

/* RFC 5246 §7.4.3: ServerDHParams (p, g, Ys), then the signature unless
 * anonymous. */
static bool
ske_dh(struct hctx *h, struct cur *c, bool anon)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_DH_SERVER_PARAMS};

	ev.dh_server_params.p = cur_vec(c, 2);
	ev.dh_server_params.q = cur_vec(c, 2);
	ev.dh_server_params.ys = cur_vec(c, 2);
	if (c->bad)
		return false;
	emit(h, &ev);
	return anon || server_signature(h, c);
}

static bool
msg_server_key_exchange(struct hctx *h, struct sm_tls_bytes body)
{
	struct cur c = cur_of(body);
	bool ok;

	h->t->state |= ST_SRV_SKE;
	switch (h->t->kex) {
	case SM_TLS_KEX_ECDHE:
	case SM_TLS_KEX_ECDH_ANON:
		ok = ske_ecdh(h, &c, h->t->kex == SM_TLS_KEX_ECDH_ANON);
		break;
	case SM_TLS_KEX_DHE:
	case SM_TLS_KEX_DH_ANON:
		ok = ske_dh(h, &c, h->t->kex == SM_TLS_KEX_DH_ANON);
		break;
	default:
		/* RSA export, PSK, SRP ...: parameters Zeek does not report. */
		return true;
	}
	return ok && no_trailing(h, &c);
}

/* RFC 5246 §7.4.7: EncryptedPreMasterSecret (SSLv3: without its length,
 * RFC 6101 §5.6.7.1), or the client's DH / ECDH public value (RFC 8422 §5.7). */
static bool
msg_client_key_exchange(struct hctx *h, struct sm_tls_bytes body)
{
	struct cur c = cur_of(body);
	enum sm_tls_ev type;
	struct sm_tls_bytes v;

	switch (h->t->kex) {
	case SM_TLS_KEX_RSA:
		type = SM_TLS_EV_RSA_CLIENT_PMS;
		v = h->t->sum.version == V_SSL3 ? cur_take(&c, c.n) : cur_vec(&c, 2);
		break;
	case SM_TLS_KEX_DHE:
	case SM_TLS_KEX_DH_ANON:
	case SM_TLS_KEX_DH:
		type = SM_TLS_EV_DH_CLIENT_PARAMS;
		v = cur_vec(&c, 2);
		break;
	case SM_TLS_KEX_ECDHE:
	case SM_TLS_KEX_ECDH_ANON:
	case SM_TLS_KEX_ECDH:
		type = SM_TLS_EV_ECDH_CLIENT_PARAMS;
		v = cur_vec(&c, 1);
		break;
	default:
		return true;
	}
	if (c.bad)
		return false;
	emit_bytes(h, type, v);
	return no_trailing(h, &c);
}

/* Who sends a message type (RFC 8446 §4, RFC 5246 §7.4). */
enum sender { BY_CLIENT = 1, BY_SERVER = 2, BY_BOTH = 3 };

struct msg_op {
	uint8_t sender;
	/* @return false if a field ran past the message (counted by the caller) */
	bool (*fn)(struct hctx *h, struct sm_tls_bytes body);
};

static const struct msg_op msg_ops[256] = {
	[1] = {BY_CLIENT, msg_client_hello},
	[2] = {BY_SERVER, msg_server_hello},
	[4] = {BY_SERVER, msg_session_ticket},
	[11] = {BY_BOTH, msg_certificate},
	[12] = {BY_SERVER, msg_server_key_exchange},
	[16] = {BY_CLIENT, msg_client_key_exchange},
	[22] = {BY_SERVER, msg_certificate_status},
};

/* A whole handshake message; @p body is NULL when it was skipped. */
static void
msg_done(struct hctx *h, uint8_t type, const uint8_t *body, uint32_t len)
{
	const struct msg_op *op = &msg_ops[type];
	struct sm_tls_event ev = {.type = SM_TLS_EV_HANDSHAKE_MESSAGE,
				  .handshake_message = {.msg_type = type, .length = len}};

	if (type == 1)
		set_client(h);
	if (body != NULL && op->fn != NULL) {
		uint8_t side = h->from_client ? BY_CLIENT : BY_SERVER;

		if (!(op->sender & side))
			count(h->t, h->env, SM_TLS_ANOM_HS_WRONG_SIDE);
		else if (!op->fn(h, (struct sm_tls_bytes){.p = body, .len = len}))
			count(h->t, h->env, SM_TLS_ANOM_HS_TRUNCATED);
	}
	emit(h, &ev);
}

/* SSLv2-format ClientHello (RFC 5246 appendix E.2): msg_type 1, version,
 * three lengths, then 3-byte cipher specs, session id and challenge. */
static void
v2_client_hello(struct hctx *h, struct sm_tls_bytes body)
{
	struct sm_tls_event ev = {.type = SM_TLS_EV_CLIENT_HELLO};
	struct sm_tls_ev_client_hello *e = &ev.client_hello;
	struct cur c = cur_of(body);
	uint32_t cs_len, sid_len, ch_len;

	if (cur_uint(&c, 1) != 1 || (h->t->sum.flags & SM_TLS_SF_CLIENT_HELLO)) {
		dir_stop(h->t, h->env, h->dir, SM_TLS_ANOM_SSLV2_UNSUPPORTED);
		return;
	}
	set_client(h);
	e->version = (uint16_t)cur_uint(&c, 2);
	cs_len = cur_uint(&c, 2);
	sid_len = cur_uint(&c, 2);
	ch_len = cur_uint(&c, 2);
	if (!vec_of(cur_take(&c, cs_len), 3, &e->ciphers))
		count(h->t, h->env, SM_TLS_ANOM_HS_TRUNCATED);
	e->session_id = cur_take(&c, sid_len);
	e->client_random = cur_take(&c, ch_len);
	e->comp_methods = (struct sm_tls_vec){.width = 1, .stride = 1};
	if (c.bad) {
		count(h->t, h->env, SM_TLS_ANOM_HS_TRUNCATED);
		return;
	}
	emit(h, &ev);
	h->t->sum.flags |= SM_TLS_SF_CLIENT_HELLO | SM_TLS_SF_SSLV2_HELLO;
	h->t->sum.ch_version = e->version;
}

/* ------------------------------------------------------------------ */
/* Handshake reassembly                                               */
/* ------------------------------------------------------------------ */

static void
msg_finish(struct hctx *h, const uint8_t *body)
{
	struct sm_tls_dir *dir = h->dir;
	struct sm_tls_bytes b = {.p = body, .len = dir->msg_len};

	if (body != NULL && (dir->flags & DF_V2))
		v2_client_hello(h, b);
	else if (!(dir->flags & DF_V2))
		msg_done(h, dir->msg_hdr[0], body, dir->msg_len);
	dir->msg_hdr_have = 0;
	dir->msg_have = 0;
	dir->flags &= (uint8_t)~DF_MSG_SKIP;
	buf_trim(h->env, dir);
}

static void
msg_begin(struct hctx *h)
{
	struct sm_tls_dir *dir = h->dir;
	const uint8_t *m = dir->msg_hdr;

	dir->msg_len = (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
	dir->msg_have = 0;
	if (dir->msg_len > SM_TLS_HS_BUF_SIZE) {
		dir->flags |= DF_MSG_SKIP;
		count(h->t, h->env, SM_TLS_ANOM_HS_TOO_LONG);
	}
	if (dir->msg_len == 0)
		msg_finish(h, (const uint8_t *)"");
}

/* Body bytes of the current message; @return bytes used. */
static uint32_t
msg_body(struct hctx *h, const uint8_t *p, uint32_t n)
{
	struct sm_tls_dir *dir = h->dir;
	uint32_t k = dir->msg_len - dir->msg_have;

	k = n < k ? n : k;
	if (dir->flags & DF_MSG_SKIP) {
		/* nothing kept */
	} else if (dir->msg_have == 0 && k == dir->msg_len) {
		/* The whole message is here: decode it in place. */
		dir->msg_have = k;
		msg_finish(h, p);
		return k;
	} else if (buf_need(h->env, dir) == NULL) {
		dir->flags |= DF_MSG_SKIP;
		count(h->t, h->env, SM_TLS_ANOM_HS_NO_BUFFER);
	} else {
		memcpy(dir->buf + dir->msg_have, p, k);
	}
	dir->msg_have += k;
	if (dir->msg_have == dir->msg_len)
		msg_finish(h, dir->flags & DF_MSG_SKIP ? NULL : dir->buf);
	return k;
}

/* Bytes of handshake records: message headers and bodies. */
static void
hs_bytes(struct hctx *h, const uint8_t *p, uint32_t n)
{
	struct sm_tls_dir *dir = h->dir;

	while (n > 0) {
		uint32_t k;

		if (dir->flags & (DF_HS_OFF | DF_STOPPED)) {
			/* Once per record: the rest of it is not read. */
			count(h->t, h->env, SM_TLS_ANOM_HS_AFTER_STOP);
			dir->flags |= DF_REC_DAMAGE;
			return;
		}
		if (dir->msg_hdr_have < MSG_HDR_LEN) {
			k = MSG_HDR_LEN - dir->msg_hdr_have;
			k = n < k ? n : k;
			memcpy(dir->msg_hdr + dir->msg_hdr_have, p, k);
			dir->msg_hdr_have = (uint8_t)(dir->msg_hdr_have + k);
			if (dir->msg_hdr_have == MSG_HDR_LEN)
				msg_begin(h);
		} else {
			k = msg_body(h, p, n);
		}
		p += k;
		n -= k;
	}
}

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

/* Per plaintext content type: what its body bytes and its end do. */
struct rec_op {
	void (*begin)(struct hctx *h);
	void (*body)(struct hctx *h, const uint8_t *p, uint32_t n, uint32_t off);
	void (*end)(struct hctx *h);
};

static void
hs_body(struct hctx *h, const uint8_t *p, uint32_t n, uint32_t off)
{
	(void)off;
	hs_bytes(h, p, n);
}

static void
carry_body(struct hctx *h, const uint8_t *p, uint32_t n, uint32_t off)
{
	(void)off;
	if (n > 0 && h->dir->carry_have == 0) {
		h->dir->carry = p[0];
		h->dir->carry_have = 1;
	}
}

/* RFC 5246 §7.1: one byte, 1. */
static void
ccs_end(struct hctx *h)
{
	struct sm_tls *t = h->t;
	struct sm_tls_dir *dir = h->dir;
	struct sm_tls_event ev = {.type = SM_TLS_EV_CHANGE_CIPHER_SPEC};

	if (dir->rec_len != 1 || dir->carry != 1)
		count(t, h->env, SM_TLS_ANOM_CCS_BAD);
	dir->carry_have = 0;
	emit(h, &ev);
	/* In TLS 1.3 it is only middlebox camouflage (RFC 8446 §D.4), which a
	 * client may send before any ServerHello; TLS <= 1.2 sends it only
	 * after one. */
	if ((t->state & ST_TLS13) || !(t->sum.flags & SM_TLS_SF_SERVER_HELLO))
		return;
	dir->flags |= DF_ENC;
	hs_off(dir);
	/* A server that turns to encryption having sent neither certificate
	 * nor key exchange resumes a session (RFC 5246 §7.3, RFC 5077 §3.1). */
	if (!h->from_client && (t->sum.flags & SM_TLS_SF_SERVER_HELLO) &&
	    !(t->state & (ST_SRV_CERT | ST_SRV_SKE)))
		t->sum.flags |= SM_TLS_SF_RESUMED;
}

/* RFC 5246 §7.2: level, description pairs; a pair may straddle chunks. */
static void
alert_body(struct hctx *h, const uint8_t *p, uint32_t n, uint32_t off)
{
	struct sm_tls_dir *dir = h->dir;
	struct sm_tls_summary *sum = &h->t->sum;

	(void)off;
	for (uint32_t i = 0; i < n; i++) {
		struct sm_tls_event ev = {.type = SM_TLS_EV_ALERT};

		if (dir->carry_have == 0) {
			dir->carry = p[i];
			dir->carry_have = 1;
			continue;
		}
		dir->carry_have = 0;
		ev.alert.level = dir->carry;
		ev.alert.desc = p[i];
		sum->flags |= SM_TLS_SF_ALERT;
		sum->last_alert_level = ev.alert.level;
		sum->last_alert_desc = ev.alert.desc;
		sum->last_alert_is_orig = h->from_client;
		emit(h, &ev);
	}
}

static void
alert_end(struct hctx *h)
{
	if (h->dir->carry_have != 0)
		count(h->t, h->env, SM_TLS_ANOM_ALERT_PARTIAL);
	h->dir->carry_have = 0;
}

/* A heartbeat (RFC 6520 §4) is reported whole: gathered in the buffer,
 * unless a handshake message holds it. */
static void
hb_begin(struct hctx *h)
{
	struct sm_tls_dir *dir = h->dir;

	if (dir->rec_len < 3)
		return;
	if (dir->msg_hdr_have != 0 || buf_need(h->env, dir) == NULL)
		count(h->t, h->env, SM_TLS_ANOM_HB_UNBUFFERED);
	else
		dir->flags |= DF_HB_GATHER;
}

static void
hb_body(struct hctx *h, const uint8_t *p, uint32_t n, uint32_t off)
{
	if (h->dir->flags & DF_HB_GATHER)
		memcpy(h->dir->buf + off, p, n);
}

static void
hb_end(struct hctx *h)
{
	struct sm_tls_dir *dir = h->dir;
	struct sm_tls_event ev = {.type = SM_TLS_EV_HEARTBEAT};
	struct cur c = cur_of((struct sm_tls_bytes){.p = dir->buf, .len = dir->rec_len});

	if (dir->rec_len < 3)
		count(h->t, h->env, SM_TLS_ANOM_HB_TRUNCATED);
	if (!(dir->flags & DF_HB_GATHER))
		return;
	dir->flags &= (uint8_t)~DF_HB_GATHER;
	ev.heartbeat.length = dir->rec_len;
	ev.heartbeat.heartbeat_type = (uint8_t)cur_uint(&c, 1);
	ev.heartbeat.payload_length = (uint16_t)cur_uint(&c, 2);
	ev.heartbeat.payload = cur_take(&c, c.n);
	if (!(dir->flags & DF_REC_DAMAGE))
		emit(h, &ev);
}

static const struct rec_op rec_ops[] = {
	[CT_CCS - CT_CCS] = {NULL, carry_body, ccs_end},
	[CT_ALERT - CT_CCS] = {NULL, alert_body, alert_end},
	[CT_HANDSHAKE - CT_CCS] = {NULL, hs_body, NULL},
	[CT_APPDATA - CT_CCS] = {NULL, NULL, NULL},
	[CT_HEARTBEAT - CT_CCS] = {hb_begin, hb_body, hb_end},
};

/* The SSLv2 ClientHello record is one message: the handshake layer takes
 * it with its length from the record header. */
static const struct rec_op v2_op = {NULL, hs_body, NULL};

static const struct rec_op *
rec_op(const struct sm_tls_dir *dir)
{
	return dir->flags & DF_V2 ? &v2_op : &rec_ops[dir->rec_type - CT_CCS];
}

/* Zeek's determine_state(): is this record read as plaintext? */
static bool
rec_is_plain(const struct hctx *h)
{
	struct sm_tls_dir *dir = h->dir;

	if (dir->flags & DF_ENC)
		return false;
	if (dir->rec_type == CT_HANDSHAKE)
		return !(dir->flags & DF_HS_OFF);
	if (dir->rec_type == CT_APPDATA && (h->t->state & ST_TLS13)) {
		/* TLS 1.3 application data: this side has turned to encryption. */
		dir->flags |= DF_ENC;
		return false;
	}
	return true;
}

static void
rec_end(struct hctx *h)
{
	struct sm_tls *t = h->t;
	struct sm_tls_dir *dir = h->dir;
	const struct rec_op *op = rec_op(dir);
	struct sm_tls_event ev = {
		.type = SM_TLS_EV_PLAINTEXT_DATA,
		.record = {.record_version = record_version(h), .content_type = dir->rec_type,
			   .length = dir->rec_len},
	};

	if (dir->flags & DF_REC_PLAIN) {
		if (op->end != NULL)
			op->end(h);
	} else {
		ev.type = SM_TLS_EV_ENCRYPTED_DATA;
		if ((t->dir[0].flags & DF_ENC) && (t->dir[1].flags & DF_ENC) &&
		    !(t->sum.flags & SM_TLS_SF_ESTABLISHED)) {
			struct sm_tls_event est = {.type = SM_TLS_EV_ESTABLISHED};

			t->sum.flags |= SM_TLS_SF_ESTABLISHED;
			emit(h, &est);
		}
	}
	if (!(dir->flags & DF_STOPPED))
		emit(h, &ev);
	/* An SSLv2 record is its own message: none outlives it. */
	if (dir->flags & DF_V2) {
		dir->msg_hdr_have = 0;
		dir->msg_have = 0;
		dir->flags &= (uint8_t)~DF_MSG_SKIP;
	}
	dir->flags &= (uint8_t)~(DF_REC_PLAIN | DF_REC_DAMAGE | DF_V2);
	dir->hdr_have = 0;
	buf_trim(h->env, &t->dir[0]);
	buf_trim(h->env, &t->dir[1]);
	if (dir->n_records < UINT8_MAX)
		dir->n_records++;
}

static void
rec_begin(struct hctx *h)
{
	struct sm_tls_dir *dir = h->dir;
	const uint8_t *r = dir->hdr;
	const struct rec_op *op;

	if (dir->flags & DF_V2) {
		dir->rec_type = 0;
		dir->rec_version = 0;
		dir->rec_len = (uint16_t)((r[0] & 0x7f) << 8 | r[1]);
		/* The handshake layer sees a message as long as the record. */
		dir->msg_len = dir->rec_len;
		dir->msg_have = 0;
		dir->msg_hdr_have = MSG_HDR_LEN;
	} else {
		dir->rec_type = r[0];
		dir->rec_version = (uint16_t)(r[1] << 8 | r[2]);
		dir->rec_len = (uint16_t)(r[3] << 8 | r[4]);
		if (dir->rec_type < CT_CCS || dir->rec_type > CT_HEARTBEAT) {
			dir_stop(h->t, h->env, dir, SM_TLS_ANOM_RECORD_BAD_TYPE);
			return;
		}
		if (r[1] != 3) {
			dir_stop(h->t, h->env, dir, SM_TLS_ANOM_RECORD_BAD_VERSION);
			return;
		}
		if (dir->rec_len > REC_MAX_LEN) {
			dir_stop(h->t, h->env, dir, SM_TLS_ANOM_RECORD_TOO_LONG);
			return;
		}
	}
	dir->rec_left = dir->rec_len;
	if (rec_is_plain(h))
		dir->flags |= DF_REC_PLAIN;
	op = rec_op(dir);
	if (dir->rec_len == 0 && dir->rec_type != CT_APPDATA)
		count(h->t, h->env, SM_TLS_ANOM_RECORD_EMPTY);
	if ((dir->flags & DF_REC_PLAIN) && op->begin != NULL)
		op->begin(h);
	if (dir->rec_len == 0)
		rec_end(h);
}

/* Header bytes; @return bytes used. */
static uint32_t
rec_header(struct hctx *h, const uint8_t *p, uint32_t n)
{
	struct sm_tls_dir *dir = h->dir;
	uint32_t need, k;

	if (dir->hdr_have == 0) {
		dir->hdr[0] = p[0];
		dir->hdr_have = 1;
		/* Only a client's first record may be SSLv2 (high bit of the
		 * 2-byte length set); TLS content types are below 0x80. */
		if (dir->n_records == 0 && (p[0] & 0x80))
			dir->flags |= DF_V2;
		return 1;
	}
	need = dir->flags & DF_V2 ? REC_V2_HDR_LEN : REC_HDR_LEN;
	k = need - dir->hdr_have;
	k = n < k ? n : k;
	memcpy(dir->hdr + dir->hdr_have, p, k);
	dir->hdr_have = (uint8_t)(dir->hdr_have + k);
	if (dir->hdr_have == need)
		rec_begin(h);
	return k;
}

static struct hctx
hctx_of(struct sm_tls *t, const struct sm_tls_env *env, void *ctx, bool from_orig)
{
	uint8_t d = from_orig ? SM_DIR_ORIG : SM_DIR_REPLY;

	return (struct hctx){.t = t, .env = env, .ctx = ctx, .dir = &t->dir[d], .d = d,
			     .from_client = d == t->client};
}

/* ------------------------------------------------------------------ */
/* API                                                                */
/* ------------------------------------------------------------------ */

int
sm_tls_detect(const uint8_t *p, size_t len)
{
	if (len < 1)
		return -EAGAIN;
	if (p[0] & 0x80) {
		/* SSLv2 ClientHello: 2-byte length, msg_type 1, version 3.x
		 * (or 0.2), and room for its nine fixed bytes. */
		if (len < 5)
			return -EAGAIN;
		return p[2] == 1 && (p[3] == 3 || (p[3] == 0 && p[4] == 2)) &&
		       ((p[0] & 0x7f) << 8 | p[1]) >= 9;
	}
	if (len < 9)
		return -EAGAIN;
	/* Handshake record, version 3.x, a plausible length, a ClientHello
	 * of at least its fixed fields (RFC 8446 §4.1.2: 2 + 32 + 1 + 2 + 2 + 1
	 * + 1 bytes with one cipher and one compression method). */
	return p[0] == CT_HANDSHAKE && p[1] == 3 && p[2] <= 4 &&
	       (p[3] << 8 | p[4]) <= REC_MAX_LEN && (p[3] << 8 | p[4]) >= MSG_HDR_LEN &&
	       p[5] == 1 && ((uint32_t)p[6] << 16 | p[7] << 8 | p[8]) >= 41;
}

void
sm_tls_init(struct sm_tls *t)
{
	memset(t, 0, sizeof(*t));
}

void
sm_tls_feed(struct sm_tls *t, const struct sm_tls_env *env, void *ctx, bool from_orig,
	    const uint8_t *p, size_t len)
{
	struct hctx h = hctx_of(t, env, ctx, from_orig);
	struct sm_tls_dir *dir = h.dir;

	while (len > 0 && !(dir->flags & DF_STOPPED)) {
		uint32_t n = len < UINT32_MAX ? (uint32_t)len : UINT32_MAX;
		uint32_t k;

		if (dir->rec_left == 0) {
			k = rec_header(&h, p, n);
		} else {
			const struct rec_op *op = rec_op(dir);

			k = n < dir->rec_left ? n : dir->rec_left;
			if ((dir->flags & (DF_REC_PLAIN | DF_REC_DAMAGE)) == DF_REC_PLAIN &&
			    op->body != NULL)
				op->body(&h, p, k, (uint32_t)(dir->rec_len - dir->rec_left));
			dir->rec_left = (uint16_t)(dir->rec_left - k);
			if (dir->rec_left == 0)
				rec_end(&h);
		}
		p += k;
		len -= k;
	}
}

/* A gap inside a handshake record: drop the message it hits, or the
 * direction's handshake when the gap hides where messages begin. */
static void
hs_gap(struct hctx *h, uint32_t len)
{
	struct sm_tls_dir *dir = h->dir;

	count(h->t, h->env, SM_TLS_ANOM_GAP_IN_HANDSHAKE);
	if (dir->msg_hdr_have < MSG_HDR_LEN || len > dir->msg_len - dir->msg_have) {
		hs_off(dir);
		dir->flags |= DF_REC_DAMAGE;
		return;
	}
	dir->flags |= DF_MSG_SKIP;
	dir->msg_have += len;
	if (dir->msg_have == dir->msg_len)
		msg_finish(h, NULL);
}

void
sm_tls_gap(struct sm_tls *t, const struct sm_tls_env *env, void *ctx, bool from_orig,
	   uint32_t len)
{
	struct hctx h = hctx_of(t, env, ctx, from_orig);
	struct sm_tls_dir *dir = h.dir;

	if ((dir->flags & DF_STOPPED) || len == 0)
		return;
	if (dir->rec_left == 0 || len > dir->rec_left) {
		dir_stop(t, env, dir, SM_TLS_ANOM_GAP_LOST_SYNC);
		return;
	}
	count(t, env, SM_TLS_ANOM_GAP_IN_RECORD);
	if ((dir->flags & DF_REC_PLAIN) && rec_op(dir) == &rec_ops[CT_HANDSHAKE - CT_CCS])
		hs_gap(&h, len);
	else
		dir->flags |= DF_REC_DAMAGE;
	dir->rec_left = (uint16_t)(dir->rec_left - len);
	if (dir->rec_left == 0)
		rec_end(&h);
}

bool
sm_tls_is_done(const struct sm_tls *t)
{
	for (unsigned int d = 0; d < SM_DIR_MAX; d++)
		if (!(t->dir[d].flags & (DF_ENC | DF_STOPPED)))
			return false;
	return true;
}

void
sm_tls_fini(struct sm_tls *t, const struct sm_tls_env *env)
{
	for (unsigned int d = 0; d < SM_DIR_MAX; d++) {
		struct sm_tls_dir *dir = &t->dir[d];

		if (!(dir->flags & DF_STOPPED) && (dir->rec_left > 0 || dir->hdr_have > 0))
			count(t, env, SM_TLS_ANOM_TRUNCATED_AT_END);
		buf_release(env, dir);
	}
}

const struct sm_tls_summary *
sm_tls_summary(const struct sm_tls *t)
{
	return &t->sum;
}
