/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>

#include "sessmon/tls_events.h"

/*
 * Argument names and order are those of Zeek's SSL analyzer events
 * (base/bif/plugins/Zeek_SSL.events.bif): `c` is the event's id and uid,
 * the rest follow here. Zeek passes the direction as is_client.
 */

/* How one event's arguments are written, and the name of the argument a
 * shared shape fills. */
struct writer {
	void (*fn)(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg);
	const char *arg;
	bool has_dir;  /* starts with is_client */
};

static void
put_vec(struct sm_ev_rec *e, const char *name, const struct sm_tls_vec *v)
{
	sm_ev_vec_be(e, name, v->be, v->n, v->width, v->stride);
}

static void
put_bytes(struct sm_ev_rec *e, const char *name, const struct sm_tls_bytes *b)
{
	sm_ev_hex(e, name, b->p, b->len);
}

/* SSL::SignatureAndHashAlgorithm */
static void
put_sig_alg(struct sm_ev_rec *e, const char *name, const struct sm_tls_sig_alg *a)
{
	sm_ev_obj_begin(e, name);
	sm_ev_u64(e, "HashAlgorithm", a->hash);
	sm_ev_u64(e, "SignatureAlgorithm", a->sig);
	sm_ev_obj_end(e);
}

static void
w_client_hello(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_ev_client_hello *h = &ev->client_hello;

	RTE_SET_USED(arg);
	sm_ev_u64(e, "version", h->version);
	sm_ev_u64(e, "record_version", h->record_version);
	sm_ev_time(e, "possible_ts", (uint64_t)h->possible_ts * 1000000);
	put_bytes(e, "client_random", &h->client_random);
	put_bytes(e, "session_id", &h->session_id);
	put_vec(e, "ciphers", &h->ciphers);
	put_vec(e, "comp_methods", &h->comp_methods);
}

static void
w_server_hello(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_ev_server_hello *h = &ev->server_hello;

	RTE_SET_USED(arg);
	sm_ev_u64(e, "version", h->version);
	sm_ev_u64(e, "record_version", h->record_version);
	sm_ev_time(e, "possible_ts", (uint64_t)h->possible_ts * 1000000);
	put_bytes(e, "server_random", &h->server_random);
	put_bytes(e, "session_id", &h->session_id);
	sm_ev_u64(e, "cipher", h->cipher);
	sm_ev_u64(e, "comp_method", h->comp_method);
}

static void
w_extension(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "code", ev->extension.code);
	put_bytes(e, "val", &ev->extension.val);
}

static void
w_names(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_strv *v = ev->names.names;
	const uint8_t *s[SM_TLS_STRV_MAX];
	uint32_t len[SM_TLS_STRV_MAX];

	for (uint32_t i = 0; i < v->n; i++) {
		s[i] = v->s[i].p;
		len[i] = v->s[i].len;
	}
	sm_ev_strv(e, arg, v->n, s, len);
}

static void
w_list(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	put_vec(e, arg, &ev->list.v);
}

/* Zeek's signature_algorithms is a vector of records; the wire's pairs are
 * (hash, signature) bytes. */
static void
w_sig_algs(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_vec *v = &ev->list.v;

	sm_ev_obj_begin(e, arg);
	sm_ev_vec_be(e, "HashAlgorithm", v->be, v->n, 1, v->stride);
	sm_ev_vec_be(e, "SignatureAlgorithm", v->be + 1, v->n, 1, v->stride);
	sm_ev_obj_end(e);
}

static void
w_sct(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_ev_sct *t = &ev->sct;

	RTE_SET_USED(arg);
	sm_ev_u64(e, "version", t->version);
	put_bytes(e, "logid", &t->logid);
	sm_ev_u64(e, "timestamp", t->timestamp);
	put_sig_alg(e, "signature_and_hashalgorithm", &t->sig_alg);
	put_bytes(e, "signature", &t->signature);
}

static void
w_handshake_message(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "msg_type", ev->handshake_message.msg_type);
	sm_ev_u64(e, "length", ev->handshake_message.length);
}

static void
w_none(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(e);
	RTE_SET_USED(ev);
	RTE_SET_USED(arg);
}

static void
w_alert(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "level", ev->alert.level);
	sm_ev_u64(e, "desc", ev->alert.desc);
}

static void
w_ticket(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "ticket_lifetime_hint", ev->session_ticket.ticket_lifetime_hint);
	put_bytes(e, "ticket", &ev->session_ticket.ticket);
}

static void
w_heartbeat(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	const struct sm_tls_ev_heartbeat *h = &ev->heartbeat;

	RTE_SET_USED(arg);
	sm_ev_u64(e, "length", h->length);
	sm_ev_u64(e, "heartbeat_type", h->heartbeat_type);
	sm_ev_u64(e, "payload_length", h->payload_length);
	put_bytes(e, "payload", &h->payload);
}

static void
w_bytes(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	put_bytes(e, arg, &ev->bytes.b);
}

static void
w_dh_server(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	put_bytes(e, "p", &ev->dh_server_params.p);
	put_bytes(e, "q", &ev->dh_server_params.q);
	put_bytes(e, "Ys", &ev->dh_server_params.ys);
}

static void
w_ecdh_server(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "curve", ev->ecdh_server_params.curve);
	put_bytes(e, "point", &ev->ecdh_server_params.point);
}

static void
w_server_signature(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	put_sig_alg(e, "signature_and_hashalgorithm", &ev->server_signature.sig_alg);
	put_bytes(e, "signature", &ev->server_signature.signature);
}

static void
w_curve(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "curve", ev->server_curve.curve);
}

static void
w_record(struct sm_ev_rec *e, const struct sm_tls_event *ev, const char *arg)
{
	RTE_SET_USED(arg);
	sm_ev_u64(e, "record_version", ev->record.record_version);
	sm_ev_u64(e, "content_type", ev->record.content_type);
	sm_ev_u64(e, "length", ev->record.length);
}

static const struct writer writers[SM_TLS_EV_MAX] = {
	[SM_TLS_EV_CLIENT_HELLO] = {w_client_hello, NULL, false},
	[SM_TLS_EV_SERVER_HELLO] = {w_server_hello, NULL, false},
	[SM_TLS_EV_EXTENSION] = {w_extension, NULL, true},
	[SM_TLS_EV_EXT_SERVER_NAME] = {w_names, "names", true},
	[SM_TLS_EV_EXT_ALPN] = {w_names, "protocols", true},
	[SM_TLS_EV_EXT_SUPPORTED_VERSIONS] = {w_list, "versions", true},
	[SM_TLS_EV_EXT_KEY_SHARE] = {w_list, "curves", true},
	[SM_TLS_EV_EXT_ELLIPTIC_CURVES] = {w_list, "curves", true},
	[SM_TLS_EV_EXT_EC_POINT_FORMATS] = {w_list, "point_formats", true},
	[SM_TLS_EV_EXT_SIGNATURE_ALGORITHM] = {w_sig_algs, "signature_algorithms", true},
	[SM_TLS_EV_EXT_PSK_KEY_EXCHANGE_MODES] = {w_list, "modes", true},
	[SM_TLS_EV_EXT_SIGNED_CERTIFICATE_TIMESTAMP] = {w_sct, NULL, true},
	[SM_TLS_EV_HANDSHAKE_MESSAGE] = {w_handshake_message, NULL, true},
	[SM_TLS_EV_CHANGE_CIPHER_SPEC] = {w_none, NULL, true},
	[SM_TLS_EV_ALERT] = {w_alert, NULL, true},
	[SM_TLS_EV_ESTABLISHED] = {w_none, NULL, false},
	[SM_TLS_EV_SESSION_TICKET_HANDSHAKE] = {w_ticket, NULL, false},
	[SM_TLS_EV_HEARTBEAT] = {w_heartbeat, NULL, true},
	[SM_TLS_EV_STAPLED_OCSP] = {w_bytes, "response", true},
	[SM_TLS_EV_DH_CLIENT_PARAMS] = {w_bytes, "Yc", false},
	[SM_TLS_EV_DH_SERVER_PARAMS] = {w_dh_server, NULL, false},
	[SM_TLS_EV_ECDH_CLIENT_PARAMS] = {w_bytes, "point", false},
	[SM_TLS_EV_ECDH_SERVER_PARAMS] = {w_ecdh_server, NULL, false},
	[SM_TLS_EV_RSA_CLIENT_PMS] = {w_bytes, "pms", false},
	[SM_TLS_EV_SERVER_SIGNATURE] = {w_server_signature, NULL, false},
	[SM_TLS_EV_SERVER_CURVE] = {w_curve, NULL, false},
	[SM_TLS_EV_PLAINTEXT_DATA] = {w_record, NULL, true},
	[SM_TLS_EV_ENCRYPTED_DATA] = {w_record, NULL, true},
};

void
sm_tls_events_args(struct sm_ev_rec *e, const struct sm_tls_event *ev)
{
	const struct writer *w;

	if ((unsigned int)ev->type >= SM_TLS_EV_MAX)
		return;
	w = &writers[ev->type];
	if (w->has_dir)
		sm_ev_bool(e, "is_client", ev->is_orig);
	w->fn(e, ev, w->arg);
}

static void
put_text(struct sm_ev_rec *e, const char *name, const char *s)
{
	if (s != NULL && s[0] != '\0')
		sm_ev_str(e, name, s, strlen(s));
}

void
sm_tls_events_summary(struct sm_ev_rec *e, const struct sm_tls_summary *s)
{
	const struct sm_tls_cert *c = &s->cert;

	sm_ev_obj_begin(e, "ssl");
	put_text(e, "version", s->version ? sm_tls_version_name(s->version) : NULL);
	put_text(e, "cipher", s->cipher ? sm_tls_cipher_name(s->cipher) : NULL);
	put_text(e, "curve", s->group ? sm_tls_group_name(s->group) : NULL);
	put_text(e, "server_name", s->server_name);
	put_text(e, "alpn_offered", s->alpn_offered);
	put_text(e, "next_protocol", s->alpn_chosen);
	sm_ev_bool(e, "resumed", (s->flags & SM_TLS_SF_RESUMED) != 0);
	sm_ev_bool(e, "established", (s->flags & SM_TLS_SF_ESTABLISHED) != 0);
	if (s->flags & SM_TLS_SF_ALERT) {
		put_text(e, "last_alert", sm_tls_alert_name(s->last_alert_desc));
		sm_ev_u64(e, "last_alert_level", s->last_alert_level);
		sm_ev_u64(e, "last_alert_desc", s->last_alert_desc);
	}
	if (s->flags & SM_TLS_SF_JA3)
		sm_ev_hex(e, "ja3", s->ja3, sizeof(s->ja3));
	if (s->flags & SM_TLS_SF_JA3S)
		sm_ev_hex(e, "ja3s", s->ja3s, sizeof(s->ja3s));
	put_text(e, "ja4", s->ja4);
	if (s->flags & SM_TLS_SF_CERT) {
		put_text(e, "subject", c->subject);
		put_text(e, "issuer", c->issuer);
		put_text(e, "san_dns", c->sans);
		sm_ev_time(e, "not_valid_before", (uint64_t)c->not_before * 1000000);
		sm_ev_time(e, "not_valid_after", (uint64_t)c->not_after * 1000000);
	}
	sm_ev_obj_end(e);
}
