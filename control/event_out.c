/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event stream: one JSON object per record, built with json-c in the
 * order docs/events.md gives (ts, event, alias, uid, id, then the
 * arguments as the worker added them), matched against the event filter,
 * written as one line.
 *
 * The filter reads a rendered record through view_get(): the header fields
 * by name (and by Dovecot's connection field names), any other key from the
 * top-level arguments as text.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <rte_errno.h>

#include "sessmon/common.h"
#include "sessmon/event.h"
#include "sessmon/event_out.h"
#include "sessmon/evfilter.h"

/* Records taken from a ring at once. */
#define DRAIN_BURST 32

struct sm_ev_out {
	FILE *f;
	const struct sm_evfilter *filter;
	uint64_t written;
	uint64_t filtered;
};

/* Header fields the filter can ask for. */
enum vkey {
	VK_EVENT,
	VK_ALIAS,
	VK_UID,
	VK_PROTO,
	VK_ORIG_H,
	VK_ORIG_P,
	VK_RESP_H,
	VK_RESP_P,
	VK_MAX
};

static const struct {
	const char *key;
	enum vkey k;
} view_keys[] = {
	{ "event", VK_EVENT },
	{ "alias", VK_ALIAS },
	{ "uid", VK_UID },
	{ "proto", VK_PROTO },
	{ "orig_h", VK_ORIG_H },
	{ "orig_p", VK_ORIG_P },
	{ "resp_h", VK_RESP_H },
	{ "resp_p", VK_RESP_P },
	/* Dovecot's connection fields: the client is the originator, ip and
	 * port are the serving side's. */
	{ "client_ip", VK_ORIG_H },
	{ "client_port", VK_ORIG_P },
	{ "ip", VK_RESP_H },
	{ "port", VK_RESP_P },
};

/* Zeek's transport names; other protocols print their number. */
static const char *const proto_name[UINT8_MAX + 1] = {
	[IPPROTO_ICMP] = "icmp",
	[IPPROTO_TCP] = "tcp",
	[IPPROTO_UDP] = "udp",
	[IPPROTO_ICMPV6] = "icmp6",
};

/* One record being rendered: its JSON and the header fields as text (NULL
 * where the record has none). */
struct view {
	json_object *root;
	const char *k[VK_MAX];
	char uid[sizeof("C") + 8];
	char proto[sizeof("255")];
	char orig_h[INET6_ADDRSTRLEN];
	char resp_h[INET6_ADDRSTRLEN];
	char orig_p[sizeof("65535")];
	char resp_p[sizeof("65535")];
};

struct sm_ev_out *
sm_ev_out_create(FILE *f, const struct sm_evfilter *filter)
{
	struct sm_ev_out *o = calloc(1, sizeof(*o));

	if (o == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	o->f = f;
	o->filter = filter;
	return o;
}

void
sm_ev_out_free(struct sm_ev_out *o)
{
	if (o == NULL)
		return;
	fflush(o->f);
	free(o);
}

void
sm_ev_out_counts(const struct sm_ev_out *o, uint64_t *written, uint64_t *filtered)
{
	*written = o->written;
	*filtered = o->filtered;
}

/* ------------------------------------------------------------------ */
/* Values                                                             */
/* ------------------------------------------------------------------ */

/* Seconds with exactly 6 decimals: the number json-c prints is this text,
 * so that no microsecond is lost to a double's rounding. */
static json_object *
new_seconds(uint64_t us)
{
	char text[sizeof("18446744073709.551615")];

	snprintf(text, sizeof(text), "%" PRIu64 ".%06" PRIu64,
		 (uint64_t)(us / SM_US_PER_S), (uint64_t)(us % SM_US_PER_S));
	return json_object_new_double_s((double)us / (double)SM_US_PER_S, text);
}

/* Length of the well-formed UTF-8 sequence starting @p p (@p n bytes
 * left), 0 if none: RFC 3629 §4, whose second-byte ranges exclude
 * overlong forms, surrogates and code points past U+10FFFF. */
static size_t
utf8_seq_len(const uint8_t *p, size_t n)
{
	uint8_t c = p[0], lo = 0x80, hi = 0xbf;
	size_t len;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (n < len || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/*
 * A JSON string of any bytes. JSON text is UTF-8 (RFC 8259 §8.1): UTF-8
 * sequences are kept; every other byte becomes the code point of its value
 * (U+0080..U+00FF, the same string as a \u00XX escape). json-c escapes the
 * control characters.
 */
static json_object *
new_text(const uint8_t *s, size_t len)
{
	/* Every byte takes at most two in UTF-8. */
	char buf[2 * (SM_EV_REC_SIZE - SM_EV_REC_HDR_SIZE)];
	size_t out = 0;

	len = RTE_MIN(len, sizeof(buf) / 2);
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len(s + i, len - i);

		if (n == 0) {
			buf[out++] = (char)(0xc0 | s[i] >> 6);
			buf[out++] = (char)(0x80 | (s[i] & 0x3f));
			i++;
			continue;
		}
		memcpy(buf + out, s + i, n);
		out += n;
		i += n;
	}
	return json_object_new_string_len(buf, (int)out);
}

static json_object *
new_hex(const uint8_t *p, size_t len)
{
	static const char digit[] = "0123456789abcdef";
	char buf[2 * (SM_EV_REC_SIZE - SM_EV_REC_HDR_SIZE)];

	len = RTE_MIN(len, sizeof(buf) / 2);
	for (size_t i = 0; i < len; i++) {
		buf[2 * i] = digit[p[i] >> 4];
		buf[2 * i + 1] = digit[p[i] & 0x0f];
	}
	return json_object_new_string_len(buf, (int)(2 * len));
}

/* Address text; false for a family other than 4 and 6. */
static bool
addr_text(const uint8_t a[16], uint8_t family, char out[INET6_ADDRSTRLEN])
{
	if (family != 4 && family != 6)
		return false;
	return inet_ntop(family == 4 ? AF_INET : AF_INET6, a, out, INET6_ADDRSTRLEN) != NULL;
}

static json_object *
new_addr(const uint8_t a[16], uint8_t family)
{
	char text[INET6_ADDRSTRLEN];

	return addr_text(a, family, text) ? json_object_new_string(text) : NULL;
}

static json_object *
new_vec(const struct sm_tls_vec *v)
{
	json_object *arr = json_object_new_array_ext((int)v->n);

	for (uint32_t i = 0; arr != NULL && i < v->n; i++)
		json_object_array_add(arr, json_object_new_uint64(sm_tls_vec_get(v, i)));
	return arr;
}

static json_object *
new_strv(const struct sm_ev_arg *a)
{
	json_object *arr = json_object_new_array_ext((int)a->strv.n);
	struct sm_tls_bytes s;
	uint32_t off = 0;

	while (arr != NULL && sm_ev_strv_next(a, &off, &s))
		json_object_array_add(arr, new_text(s.p, s.len));
	return arr;
}

/* The JSON value of an argument (SM_EVK_OBJ_BEGIN: an empty object). */
static json_object *
arg_value(const struct sm_ev_arg *a)
{
	switch (a->kind) {
	case SM_EVK_U64:
		return json_object_new_uint64(a->u64);
	case SM_EVK_I64:
		return json_object_new_int64(a->i64);
	case SM_EVK_BOOL:
		return json_object_new_boolean(a->b);
	case SM_EVK_DOUBLE:
		return json_object_new_double(a->d);
	case SM_EVK_TIME:
	case SM_EVK_INTERVAL:
		return new_seconds(a->u64);
	case SM_EVK_STR:
		return new_text(a->bytes.p, a->bytes.len);
	case SM_EVK_HEX:
		return new_hex(a->bytes.p, a->bytes.len);
	case SM_EVK_ADDR:
		return new_addr(a->addr.a, a->addr.family);
	case SM_EVK_VEC_U:
		return new_vec(&a->vec);
	case SM_EVK_STRV:
		return new_strv(a);
	case SM_EVK_OBJ_BEGIN:
		return json_object_new_object();
	default:
		return NULL;
	}
}

/* ------------------------------------------------------------------ */
/* Records                                                            */
/* ------------------------------------------------------------------ */

/* Names are string literals or static strings: json-c need not copy them. */
static void
put(json_object *obj, const char *key, json_object *val)
{
	if (json_object_object_add_ex(obj, key, val, JSON_C_OBJECT_ADD_CONSTANT_KEY) != 0)
		json_object_put(val);
}

/* The header fields as text, for the line and for the filter. */
static void
view_fill(struct view *v, const struct sm_ev_hdr *h)
{
	const struct sm_ev_id *id = &h->id;

	memset(v->k, 0, sizeof(v->k));
	v->k[VK_EVENT] = sm_ev_info((enum sm_ev)h->type)->name;
	v->k[VK_ALIAS] = sm_ev_alias((enum sm_ev)h->type, id->proto);
	if (h->serial != 0) {
		snprintf(v->uid, sizeof(v->uid), "C%08" PRIx32, h->serial);
		v->k[VK_UID] = v->uid;
	}
	if (!addr_text(id->orig_h, id->family, v->orig_h) ||
	    !addr_text(id->resp_h, id->family, v->resp_h))
		return;
	v->k[VK_ORIG_H] = v->orig_h;
	v->k[VK_RESP_H] = v->resp_h;
	snprintf(v->orig_p, sizeof(v->orig_p), "%u", id->orig_p);
	snprintf(v->resp_p, sizeof(v->resp_p), "%u", id->resp_p);
	v->k[VK_ORIG_P] = v->orig_p;
	v->k[VK_RESP_P] = v->resp_p;
	v->k[VK_PROTO] = proto_name[id->proto];
	if (v->k[VK_PROTO] == NULL) {
		snprintf(v->proto, sizeof(v->proto), "%u", id->proto);
		v->k[VK_PROTO] = v->proto;
	}
}

static json_object *
new_id(const struct view *v, const struct sm_ev_id *id)
{
	json_object *o = json_object_new_object();

	if (o == NULL)
		return NULL;
	put(o, "orig_h", json_object_new_string(v->k[VK_ORIG_H]));
	put(o, "orig_p", json_object_new_int(id->orig_p));
	put(o, "resp_h", json_object_new_string(v->k[VK_RESP_H]));
	put(o, "resp_p", json_object_new_int(id->resp_p));
	put(o, "proto", json_object_new_string(v->k[VK_PROTO]));
	return o;
}

/* The arguments, nested as the worker opened and closed objects
 * (sm_ev_arg_next() returns them balanced). */
static void
put_args(json_object *root, const struct sm_ev_rec *e)
{
	json_object *stack[SM_EV_OBJ_DEPTH_MAX + 1] = { root };
	unsigned int depth = 0;
	struct sm_ev_arg a;
	uint32_t off = 0;

	while (sm_ev_arg_next(e, &off, &a)) {
		json_object *val;

		if (a.kind == SM_EVK_OBJ_END) {
			if (depth > 0)
				depth--;
			continue;
		}
		val = arg_value(&a);
		put(stack[depth], a.name, val);
		if (a.kind == SM_EVK_OBJ_BEGIN && val != NULL && depth < SM_EV_OBJ_DEPTH_MAX)
			stack[++depth] = val;
	}
}

/* The JSON of a record, or NULL (out of memory). */
static json_object *
render(struct view *v, const struct sm_ev_rec *e)
{
	const struct sm_ev_hdr *h = sm_ev_rec_hdr(e);
	json_object *root = json_object_new_object();

	if (root == NULL)
		return NULL;
	put(root, "ts", new_seconds(h->ts_us));
	put(root, "event", json_object_new_string(v->k[VK_EVENT]));
	if (v->k[VK_ALIAS] != NULL)
		put(root, "alias", json_object_new_string(v->k[VK_ALIAS]));
	if (v->k[VK_UID] != NULL)
		put(root, "uid", json_object_new_string(v->k[VK_UID]));
	if (v->k[VK_ORIG_H] != NULL)
		put(root, "id", new_id(v, &h->id));
	put_args(root, e);
	if (h->flags & SM_EV_RF_TRUNCATED)
		put(root, "_truncated", json_object_new_boolean(true));
	return root;
}

/* sm_evfilter_get_fn: a header field, else a top-level argument as text
 * (objects and arrays have none). */
static const char *
view_get(void *ctx, const char *key)
{
	const struct view *v = ctx;
	json_object *arg;

	for (size_t i = 0; i < SM_ARRAY_SIZE(view_keys); i++)
		if (strcmp(view_keys[i].key, key) == 0)
			return v->k[view_keys[i].k];
	if (!json_object_object_get_ex(v->root, key, &arg))
		return NULL;
	switch (json_object_get_type(arg)) {
	case json_type_object:
	case json_type_array:
	case json_type_null:
		return NULL;
	default:
		return json_object_get_string(arg);
	}
}

static void
emit(struct sm_ev_out *o, const struct sm_ev_rec *e)
{
	struct view v;
	const char *line;

	view_fill(&v, sm_ev_rec_hdr(e));
	v.root = render(&v, e);
	if (v.root == NULL)
		return;
	if (o->filter != NULL && !sm_evfilter_match(o->filter, view_get, &v)) {
		o->filtered++;
	} else {
		line = json_object_to_json_string_ext(v.root, JSON_C_TO_STRING_PLAIN |
						      JSON_C_TO_STRING_NOSLASHESCAPE);
		if (line != NULL && fputs(line, o->f) != EOF && fputc('\n', o->f) != EOF)
			o->written++;
	}
	json_object_put(v.root);
}

unsigned int
sm_ev_out_drain(struct sm_ev_out *o, struct sm_ev_ring *r, unsigned int max)
{
	struct sm_ev_rec *recs[DRAIN_BURST];
	unsigned int total = 0;

	while (total < max) {
		unsigned int want = RTE_MIN(max - total, (unsigned int)DRAIN_BURST);
		unsigned int n = sm_ev_ring_dequeue_burst(r, recs, want);

		for (unsigned int i = 0; i < n; i++)
			emit(o, recs[i]);
		sm_ev_ring_recycle(r, recs, n);
		total += n;
		if (n < want)
			break;
	}
	return total;
}
