/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS analyzer on hand-built records.
 *
 * Every message is built here field by field from its definition (section
 * cited at each builder), and each test compares the events raised with the
 * list the specification implies, written out as text lines (see
 * ev_line()). Expected values are the bytes the test itself put in, read
 * back through the RFC's structure, or constants of the RFCs and IANA
 * registries. Real bytes (a certificate, an SSLv2 hello) come from
 * ../shared/traces captures, embedded here with their provenance.
 *
 * Coverage: a full TLS 1.2 ECDHE handshake and its resumption, TLS 1.3 with
 * Zeek's definition of ssl_established, a HelloRetryRequest, every
 * extension decoder, DHE and RSA key exchange, OCSP stapling, alerts and
 * heartbeats; the same streams split at every byte, fragmented into tiny
 * records and coalesced into one; truncated and hostile lengths; gaps.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/tls.h"

/* ------------------------------------------------------------------ */
/* Event log                                                          */
/* ------------------------------------------------------------------ */

#define LOG_MAX 128
#define LINE_MAX 320

struct log {
	unsigned int n;
	char line[LOG_MAX][LINE_MAX];
};

static void
hex_list(char *out, size_t cap, const struct sm_tls_vec *v)
{
	size_t at = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < v->n && at + 8 < cap; i++)
		at += (size_t)snprintf(out + at, cap - at, i ? ",%0*x" : "%0*x", v->width * 2,
				       sm_tls_vec_get(v, i));
}

static void
name_list(char *out, size_t cap, const struct sm_tls_strv *sv)
{
	size_t at = 0;

	out[0] = '\0';
	for (uint32_t i = 0; i < sv->n && at < cap; i++)
		at += (size_t)snprintf(out + at, cap - at, i ? ",%.*s" : "%.*s",
				       (int)sv->s[i].len, (const char *)sv->s[i].p);
}

/* One line per event: sender (C client, S server), Zeek name, arguments. */
static void
ev_line(const struct sm_tls_event *ev, char *l, size_t cap)
{
	const char *name = sm_tls_ev_info(ev->type)->name;
	char who = ev->is_orig ? 'C' : 'S';
	char a[256], b[64];
	int at = snprintf(l, cap, "%c %s", who, name);

	l += at;
	cap -= (size_t)at;
	switch (ev->type) {
	case SM_TLS_EV_CLIENT_HELLO:
		hex_list(a, sizeof(a), &ev->client_hello.ciphers);
		hex_list(b, sizeof(b), &ev->client_hello.comp_methods);
		snprintf(l, cap, " v=%04x rv=%04x ts=%08x random=%u sid=%u ciphers=%s comp=%s",
			 ev->client_hello.version, ev->client_hello.record_version,
			 ev->client_hello.possible_ts, ev->client_hello.client_random.len,
			 ev->client_hello.session_id.len, a, b);
		break;
	case SM_TLS_EV_SERVER_HELLO:
		snprintf(l, cap, " v=%04x rv=%04x ts=%08x random=%u sid=%u cipher=%04x comp=%u",
			 ev->server_hello.version, ev->server_hello.record_version,
			 ev->server_hello.possible_ts, ev->server_hello.server_random.len,
			 ev->server_hello.session_id.len, ev->server_hello.cipher,
			 ev->server_hello.comp_method);
		break;
	case SM_TLS_EV_EXTENSION:
		snprintf(l, cap, " %04x len=%u", ev->extension.code, ev->extension.val.len);
		break;
	case SM_TLS_EV_EXT_SERVER_NAME:
	case SM_TLS_EV_EXT_ALPN:
		name_list(a, sizeof(a), ev->names.names);
		snprintf(l, cap, " %s", a);
		break;
	case SM_TLS_EV_EXT_SUPPORTED_VERSIONS:
	case SM_TLS_EV_EXT_KEY_SHARE:
	case SM_TLS_EV_EXT_ELLIPTIC_CURVES:
	case SM_TLS_EV_EXT_EC_POINT_FORMATS:
	case SM_TLS_EV_EXT_SIGNATURE_ALGORITHM:
	case SM_TLS_EV_EXT_PSK_KEY_EXCHANGE_MODES:
		hex_list(a, sizeof(a), &ev->list.v);
		snprintf(l, cap, " %s", a);
		break;
	case SM_TLS_EV_EXT_SIGNED_CERTIFICATE_TIMESTAMP:
		snprintf(l, cap, " v=%u logid=%u ts=%llx sig=%u/%u siglen=%u", ev->sct.version,
			 ev->sct.logid.len, (unsigned long long)ev->sct.timestamp,
			 ev->sct.sig_alg.hash, ev->sct.sig_alg.sig, ev->sct.signature.len);
		break;
	case SM_TLS_EV_HANDSHAKE_MESSAGE:
		snprintf(l, cap, " %u len=%u", ev->handshake_message.msg_type,
			 ev->handshake_message.length);
		break;
	case SM_TLS_EV_ALERT:
		snprintf(l, cap, " %u/%u", ev->alert.level, ev->alert.desc);
		break;
	case SM_TLS_EV_SESSION_TICKET_HANDSHAKE:
		snprintf(l, cap, " %u len=%u", ev->session_ticket.ticket_lifetime_hint,
			 ev->session_ticket.ticket.len);
		break;
	case SM_TLS_EV_HEARTBEAT:
		snprintf(l, cap, " len=%u type=%u plen=%u payload=%u", ev->heartbeat.length,
			 ev->heartbeat.heartbeat_type, ev->heartbeat.payload_length,
			 ev->heartbeat.payload.len);
		break;
	case SM_TLS_EV_STAPLED_OCSP:
	case SM_TLS_EV_DH_CLIENT_PARAMS:
	case SM_TLS_EV_ECDH_CLIENT_PARAMS:
	case SM_TLS_EV_RSA_CLIENT_PMS:
		snprintf(l, cap, " len=%u", ev->bytes.b.len);
		break;
	case SM_TLS_EV_DH_SERVER_PARAMS:
		snprintf(l, cap, " p=%u g=%u ys=%u", ev->dh_server_params.p.len,
			 ev->dh_server_params.q.len, ev->dh_server_params.ys.len);
		break;
	case SM_TLS_EV_ECDH_SERVER_PARAMS:
		snprintf(l, cap, " %04x len=%u", ev->ecdh_server_params.curve,
			 ev->ecdh_server_params.point.len);
		break;
	case SM_TLS_EV_SERVER_SIGNATURE:
		snprintf(l, cap, " %u/%u len=%u", ev->server_signature.sig_alg.hash,
			 ev->server_signature.sig_alg.sig, ev->server_signature.signature.len);
		break;
	case SM_TLS_EV_SERVER_CURVE:
		snprintf(l, cap, " %04x", ev->server_curve.curve);
		break;
	case SM_TLS_EV_PLAINTEXT_DATA:
	case SM_TLS_EV_ENCRYPTED_DATA:
		snprintf(l, cap, " %04x %u %u", ev->record.record_version,
			 ev->record.content_type, ev->record.length);
		break;
	default:
		break;
	}
}

static void
on_event(void *ctx, const struct sm_tls_event *ev)
{
	struct log *log = ctx;

	assert_true(log->n < LOG_MAX);
	ev_line(ev, log->line[log->n++], LINE_MAX);
}

/* Buffers from malloc: each exactly SM_TLS_HS_BUF_SIZE, so ASan sees an
 * overrun; the count must come back to zero. */
static int bufs_out;

static void *
buf_get(void *pool)
{
	(void)pool;
	bufs_out++;
	return malloc(SM_TLS_HS_BUF_SIZE);
}

static void
buf_put(void *pool, void *buf)
{
	(void)pool;
	bufs_out--;
	free(buf);
}

static struct sm_tls_counters cnt;

/* Every event on, except the record-level ones unless asked. */
static struct sm_tls_env
env_of(bool records)
{
	struct sm_tls_env env = {.buf_get = buf_get, .buf_put = buf_put, .cnt = &cnt};

	for (unsigned int e = 0; e < SM_TLS_EV_MAX; e++)
		if (records || sm_tls_ev_info(e)->default_on)
			env.on[e] = on_event;
	return env;
}

static void
assert_log(const struct log *log, const char *const *want, unsigned int n)
{
	for (unsigned int i = 0; i < n && i < log->n; i++)
		assert_string_equal(log->line[i], want[i]);
	if (log->n != n) {
		for (unsigned int i = 0; i < log->n; i++)
			print_message("got %u: %s\n", i, log->line[i]);
		assert_int_equal(log->n, n);
	}
}

#define ASSERT_LOG(log, want) assert_log(log, want, sizeof(want) / sizeof(want[0]))

/* ------------------------------------------------------------------ */
/* Builders                                                           */
/* ------------------------------------------------------------------ */

struct wb {
	size_t n;
	uint8_t b[8192];
};

static void
put(struct wb *w, const void *p, size_t n)
{
	if (n == 0)
		return;
	assert_true(w->n + n <= sizeof(w->b));
	memcpy(w->b + w->n, p, n);
	w->n += n;
}

static void
put_n(struct wb *w, uint32_t x, unsigned int bytes)
{
	for (unsigned int i = bytes; i-- > 0;) {
		uint8_t c = (uint8_t)(x >> (8 * i));

		put(w, &c, 1);
	}
}

static void
fill(struct wb *w, uint8_t c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(w, &c, 1);
}

/* Open a length field of @p bytes; close() writes what followed. */
static size_t
open_len(struct wb *w, unsigned int bytes)
{
	size_t at = w->n;

	put_n(w, 0, bytes);
	return at | (size_t)bytes << 28;
}

static void
close_len(struct wb *w, size_t mark)
{
	size_t at = mark & ((1u << 28) - 1);
	unsigned int bytes = (unsigned int)(mark >> 28);
	size_t len = w->n - at - bytes;

	for (unsigned int i = 0; i < bytes; i++)
		w->b[at + i] = (uint8_t)(len >> (8 * (bytes - 1 - i)));
}

/* Extension: type + opaque extension_data<0..2^16-1> (RFC 8446 §4.2). */
static size_t
ext_open(struct wb *w, uint16_t type)
{
	put_n(w, type, 2);
	return open_len(w, 2);
}

/* Handshake message: type + uint24 length (RFC 8446 §4). */
static size_t
msg_open(struct wb *w, uint8_t type)
{
	put_n(w, type, 1);
	return open_len(w, 3);
}

/* Records of at most @p frag bytes of content type @p ct (RFC 5246
 * §6.2.1: handshake messages may be fragmented across records). */
static void
records(struct wb *out, uint8_t ct, uint16_t version, const uint8_t *p, size_t n, size_t frag)
{
	for (size_t off = 0; off < n || n == 0; off += frag) {
		size_t k = n - off < frag ? n - off : frag;

		put_n(out, ct, 1);
		put_n(out, version, 2);
		put_n(out, (uint32_t)k, 2);
		put(out, p + off, k);
		if (n == 0)
			break;
	}
}

static const uint8_t sid32[32] = {
	1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
	17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32,
};

/* ClientHello (RFC 8446 §4.1.2) with one of every decoded extension:
 * server_name (RFC 6066 §3), status_request (RFC 6066 §8),
 * supported_groups (RFC 8446 §4.2.7), ec_point_formats (RFC 8422 §5.1.2),
 * signature_algorithms (§4.2.3), ALPN (RFC 7301 §3.1), an empty
 * signed_certificate_timestamp (RFC 6962 §3.3.1), supported_versions
 * (§4.2.1), psk_key_exchange_modes (§4.2.9), key_share (§4.2.8), and an
 * unregistered 0xfe00. @p tls13 adds TLS 1.3 to the versions and a
 * TLS 1.3 cipher. */
static void
client_hello(struct wb *w, bool tls13, const uint8_t *sid, uint8_t sid_len)
{
	size_t m = msg_open(w, 1), e, l, l2;

	put_n(w, 0x0303, 2);
	put_n(w, 0x5f5e0100, 4);
	fill(w, 0xcc, 28);
	put_n(w, sid_len, 1);
	put(w, sid, sid_len);
	l = open_len(w, 2);
	if (tls13)
		put_n(w, 0x1301, 2);
	put_n(w, 0xc02f, 2);
	put_n(w, 0x009e, 2);
	put_n(w, 0x0004, 2);
	close_len(w, l);
	put_n(w, 1, 1);
	put_n(w, 0, 1);
	l = open_len(w, 2);
	e = ext_open(w, 0);
	l2 = open_len(w, 2);
	put_n(w, 0, 1);
	put_n(w, 11, 2);
	put(w, "example.com", 11);
	close_len(w, l2);
	close_len(w, e);
	e = ext_open(w, 5);
	put_n(w, 1, 1);
	put_n(w, 0, 2);
	put_n(w, 0, 2);
	close_len(w, e);
	e = ext_open(w, 10);
	put_n(w, 4, 2);
	put_n(w, 0x001d, 2);
	put_n(w, 0x0017, 2);
	close_len(w, e);
	e = ext_open(w, 11);
	put_n(w, 1, 1);
	put_n(w, 0, 1);
	close_len(w, e);
	e = ext_open(w, 13);
	put_n(w, 4, 2);
	put_n(w, 0x0403, 2);
	put_n(w, 0x0804, 2);
	close_len(w, e);
	e = ext_open(w, 16);
	l2 = open_len(w, 2);
	put_n(w, 2, 1);
	put(w, "h2", 2);
	put_n(w, 8, 1);
	put(w, "http/1.1", 8);
	close_len(w, l2);
	close_len(w, e);
	e = ext_open(w, 18);
	close_len(w, e);
	e = ext_open(w, 43);
	put_n(w, tls13 ? 4 : 2, 1);
	if (tls13)
		put_n(w, 0x0304, 2);
	put_n(w, 0x0303, 2);
	close_len(w, e);
	e = ext_open(w, 45);
	put_n(w, 1, 1);
	put_n(w, 1, 1);
	close_len(w, e);
	e = ext_open(w, 51);
	l2 = open_len(w, 2);
	put_n(w, 0x001d, 2);
	put_n(w, 32, 2);
	fill(w, 0x11, 32);
	close_len(w, l2);
	close_len(w, e);
	e = ext_open(w, 0xfe00);
	put_n(w, 0xabcd, 2);
	close_len(w, e);
	close_len(w, l);
	close_len(w, m);
}

static const char *const client_hello_events[] = {
	"C ssl_extension_server_name example.com",
	"C ssl_extension 0000 len=16",
	"C ssl_extension 0005 len=5",
	"C ssl_extension_elliptic_curves 001d,0017",
	"C ssl_extension 000a len=6",
	"C ssl_extension_ec_point_formats 00",
	"C ssl_extension 000b len=2",
	"C ssl_extension_signature_algorithm 0403,0804",
	"C ssl_extension 000d len=6",
	"C ssl_extension_application_layer_protocol_negotiation h2,http/1.1",
	"C ssl_extension 0010 len=14",
	"C ssl_extension 0012 len=0",
	"C ssl_extension_supported_versions 0303",
	"C ssl_extension 002b len=3",
	"C ssl_extension_psk_key_exchange_modes 01",
	"C ssl_extension 002d len=2",
	"C ssl_extension_key_share 001d",
	"C ssl_extension 0033 len=38",
	"C ssl_extension fe00 len=2",
	"C ssl_client_hello v=0303 rv=0301 ts=5f5e0100 random=32 sid=0 ciphers=c02f,009e,0004 comp=00",
	/* 2+32+1+2+6+1+1 fixed fields + 2 + (4+16)+(4+5)+(4+6)+(4+2)+(4+6)
	 * +(4+14)+4+(4+3)+(4+2)+(4+38)+(4+2) extensions */
	"C ssl_handshake_message 1 len=185",
};

/* ServerHello (RFC 5246 §7.4.1.3) with ALPN, ec_point_formats,
 * renegotiation_info (RFC 5746 §3.2) and one SCT (RFC 6962 §3.2). */
static void
server_hello12(struct wb *w, uint16_t cipher, const uint8_t *sid, uint8_t sid_len)
{
	size_t m = msg_open(w, 2), e, l, l2, l3;

	put_n(w, 0x0303, 2);
	put_n(w, 0x01020304, 4);
	fill(w, 0x55, 28);
	put_n(w, sid_len, 1);
	put(w, sid, sid_len);
	put_n(w, cipher, 2);
	put_n(w, 0, 1);
	l = open_len(w, 2);
	e = ext_open(w, 16);
	l2 = open_len(w, 2);
	put_n(w, 2, 1);
	put(w, "h2", 2);
	close_len(w, l2);
	close_len(w, e);
	e = ext_open(w, 11);
	put_n(w, 1, 1);
	put_n(w, 0, 1);
	close_len(w, e);
	e = ext_open(w, 0xff01);
	put_n(w, 0, 1);
	close_len(w, e);
	e = ext_open(w, 18);
	l2 = open_len(w, 2);
	l3 = open_len(w, 2);
	put_n(w, 0, 1);            /* v1 */
	fill(w, 0xaa, 32);         /* LogID */
	put_n(w, 0x17f, 4);        /* timestamp, ms: 0x0000017f00000001 */
	put_n(w, 1, 4);
	put_n(w, 0, 2);            /* CtExtensions */
	put_n(w, 4, 1);            /* sha256 */
	put_n(w, 3, 1);            /* ecdsa */
	put_n(w, 4, 2);
	put_n(w, 0xdeadbeef, 4);
	close_len(w, l3);
	close_len(w, l2);
	close_len(w, e);
	close_len(w, l);
	close_len(w, m);
}

/*
 * Leaf certificate of ndpi_tls12_ipv6_h2.pcapng frame 8 (first entry of
 * tshark's tls.handshake.certificate), 1382 bytes, sha256 bb83d645...4b4c as
 * expected/tls.tsv gives. openssl x509 -nameopt RFC2253 prints:
 * subject CN=www.prbtest.dev, issuer CN=GTS CA 1D4,O=Google Trust Services
 * LLC,C=US (equal to tls.tsv), notBefore Nov 28 12:50:11 2023 GMT
 * (1701175811), notAfter Feb 26 13:39:22 2024 GMT (1708954762),
 * subjectAltName DNS:www.prbtest.dev.
 */
static const char leaf_hex[] =
	"308205623082044aa00302010202102a6700758d85123e104220244463e1c0300d06092a864886f70d01010b05003046"
	"310b300906035504061302555331223020060355040a1319476f6f676c65205472757374205365727669636573204c4c"
	"43311330110603550403130a47545320434120314434301e170d3233313132383132353031315a170d32343032323631"
	"33333932325a301a311830160603550403130f7777772e707262746573742e64657630820122300d06092a864886f70d"
	"01010105000382010f003082010a0282010100daa1cbc69a11105126b879ba79b49d4ce8d5fd02ef0557491661c6afda"
	"2c5010d78b39b9a0d17f4d41ae16aa4f7262fc165d344d5100e3545c2e6bbd6a40a9d5d44aa91c30b6bcda8b6223a379"
	"f10a96cebfea5907aba537f7485c646c321ca003083fed7810321881fa55045c658026853fcf6c16a220d210e883d07f"
	"22085dde715b1353829e2c64ba265a0c9f3a76149caf04b0b487512930a17e665ffba26046301e6b9a484c78d76bea30"
	"65c3eef9832404b6ed789bc3158e738f0af4bbd5712db5de3a42eaba68e950f3d299265d9c2992274fdc2f22cfe92157"
	"30068e6651feb13247557e9d2ff59dae1a9fefc6b49661264fec1a25e22bdbfcd804690203010001a382027630820272"
	"300e0603551d0f0101ff0404030205a030130603551d25040c300a06082b06010505070301300c0603551d130101ff04"
	"023000301d0603551d0e041604145f55411cc51ef411b8e0b7fccef43d3b347e6044301f0603551d2304183016801425"
	"e2180eb25791942ae5d45d869083de53b3b892307806082b06010505070101046c306a303506082b0601050507300186"
	"29687474703a2f2f6f6373702e706b692e676f6f672f732f6774733164342f7932457a6e334b6b4d4241303106082b06"
	"0105050730028625687474703a2f2f706b692e676f6f672f7265706f2f63657274732f6774733164342e646572301a06"
	"03551d1104133011820f7777772e707262746573742e64657630210603551d20041a30183008060667810c010201300c"
	"060a2b06010401d679020503303c0603551d1f043530333031a02fa02d862b687474703a2f2f63726c732e706b692e67"
	"6f6f672f6774733164342f4b69764a6f476c307963412e63726c30820104060a2b06010401d6790204020481f50481f2"
	"00f000750076ff883f0ab6fb9551c261ccf587ba34b4a4cdbb29dc68420a9fe6674c5a3a740000018c1631cecc000004"
	"03004630440220527632002daf707dafe997d3d26f881a375eab639d1321e3821c46d76c6f8c7b02203fe322fec8f250"
	"5087bb143d0943bd9f1948b139d59c5876042cc6be523907ba007700a2e2bfd61ede2f2f07a0d64e6d37a7dc6543b0c6"
	"b52ea2dab78af89a6df517d80000018c1631cead0000040300483046022100a09b9e7bc198a83fe6e7e1261bd9fba52d"
	"d620f4a82a7b10e055d0485f88ef12022100898f779662e261b59cc54c6e976f20fa9fe1ab2606ffeadbad7e3321724f"
	"ba67300d06092a864886f70d01010b05000382010100701598ff6631a86c63c3b39c1952a2b9e87416194e744f0b2890"
	"f3aeb9196777215d91a7b709a5b0e3c48d7f8f6b35c250aab136092615caede7d5b293fba6c4ec96397ebd1921d865e1"
	"e096f04a691e1c2aa9cf14b0ade5ee59153b82a5cd1905132018f2a193289b2aa57912f9212dfbbd367fe06c506f3f25"
	"5bb16e5822de35aa1cf3b4fb73a2287b4ac4c446ca72725c1312e5f274a1d8cd6cdcc286763f53d1007b46c4d60893e6"
	"41f33a7bf55a779ed0bcee82434decb8950d60f89f33848c4ae873aa8498b51a979feb7165ff7f8d55cc7a41d74788e7"
	"2b524875f59e82c267733f06464418ee3b5e1896321595279a47d625125191aba2c7f49ce180";

static void
unhex(struct wb *w, const char *hex)
{
	for (size_t i = 0; hex[i] != '\0'; i += 2) {
		unsigned int b;

		assert_int_equal(sscanf(hex + i, "%2x", &b), 1);
		put_n(w, b, 1);
	}
}

/* Certificate (RFC 5246 §7.4.2): certificate_list<0..2^24-1> of one cert. */
static void
certificate(struct wb *w)
{
	size_t m = msg_open(w, 11), l = open_len(w, 3), c = open_len(w, 3);

	unhex(w, leaf_hex);
	close_len(w, c);
	close_len(w, l);
	close_len(w, m);
}

/* ServerKeyExchange, ECDHE (RFC 8422 §5.4): named_curve secp256r1, a
 * 65-byte uncompressed point, TLS 1.2 signature rsa_pkcs1_sha256 (4/1). */
static void
ske_ecdhe(struct wb *w)
{
	size_t m = msg_open(w, 12);

	put_n(w, 3, 1);
	put_n(w, 0x0017, 2);
	put_n(w, 65, 1);
	fill(w, 0x04, 65);
	put_n(w, 0x0401, 2);
	put_n(w, 8, 2);
	fill(w, 0x5a, 8);
	close_len(w, m);
}

static void
empty_msg(struct wb *w, uint8_t type)
{
	close_len(w, msg_open(w, type));
}

/* ClientKeyExchange with an ECDH point (RFC 8422 §5.7). */
static void
cke_ecdh(struct wb *w)
{
	size_t m = msg_open(w, 16);

	put_n(w, 65, 1);
	fill(w, 0x04, 65);
	close_len(w, m);
}

/* NewSessionTicket (RFC 5077 §3.3): lifetime 7200 s, 16-byte ticket. */
static void
new_session_ticket(struct wb *w)
{
	size_t m = msg_open(w, 4);

	put_n(w, 7200, 4);
	put_n(w, 16, 2);
	fill(w, 0x77, 16);
	close_len(w, m);
}

static const uint8_t ccs_byte = 1;

/* The four flights of a full TLS 1.2 ECDHE handshake (RFC 5246 §7.3)
 * followed by application data and a (encrypted) close_notify. */
struct flow {
	struct wb c1, s1, c2, s2, c3, s3;
};

static void
flow12(struct flow *f, size_t frag)
{
	struct wb m = {0};
	uint8_t fin[40], app[100];

	memset(f, 0, sizeof(*f));
	memset(fin, 0xf1, sizeof(fin));
	memset(app, 0xa1, sizeof(app));
	client_hello(&m, false, NULL, 0);
	records(&f->c1, 22, 0x0301, m.b, m.n, frag);
	m.n = 0;
	server_hello12(&m, 0xc02f, NULL, 0);
	certificate(&m);
	ske_ecdhe(&m);
	empty_msg(&m, 14);
	records(&f->s1, 22, 0x0303, m.b, m.n, frag);
	m.n = 0;
	cke_ecdh(&m);
	records(&f->c2, 22, 0x0303, m.b, m.n, frag);
	records(&f->c2, 20, 0x0303, &ccs_byte, 1, frag);
	records(&f->c2, 22, 0x0303, fin, sizeof(fin), 16384);
	m.n = 0;
	new_session_ticket(&m);
	records(&f->s2, 22, 0x0303, m.b, m.n, frag);
	records(&f->s2, 20, 0x0303, &ccs_byte, 1, frag);
	records(&f->s2, 22, 0x0303, fin, sizeof(fin), 16384);
	records(&f->c3, 23, 0x0303, app, sizeof(app), 16384);
	records(&f->s3, 23, 0x0303, app, 50, 16384);
	records(&f->s3, 21, 0x0303, app, 26, 16384);
}

/* Feed each flight, in order, cut into pieces of @p piece bytes. */
static void
feed_flow(struct sm_tls *t, const struct sm_tls_env *env, struct log *log,
	  const struct flow *f, size_t piece)
{
	const struct wb *order[] = {&f->c1, &f->s1, &f->c2, &f->s2, &f->c3, &f->s3};

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		for (size_t off = 0; off < order[i]->n; off += piece)
			sm_tls_feed(t, env, log, i % 2 == 0, order[i]->b + off,
				    order[i]->n - off < piece ? order[i]->n - off : piece);
}

static const char *const flow12_events[] = {
	"S ssl_extension_application_layer_protocol_negotiation h2",
	"S ssl_extension 0010 len=5",
	"S ssl_extension_ec_point_formats 00",
	"S ssl_extension 000b len=2",
	"S ssl_extension ff01 len=1",
	"S ssl_extension_signed_certificate_timestamp v=0 logid=32 ts=17f00000001 sig=4/3 siglen=4",
	/* list<2> + SerializedSCT<2> + 1 + 32 + 8 + 2 + 2 + 2 + 4 */
	"S ssl_extension 0012 len=55",
	"S ssl_server_hello v=0303 rv=0303 ts=01020304 random=32 sid=0 cipher=c02f comp=0",
	/* 2+32+1+2+1 + 2 + (4+5)+(4+2)+(4+1)+(4+55) */
	"S ssl_handshake_message 2 len=119",
	"S ssl_handshake_message 11 len=1388", /* 3 + 3 + 1382 */
	"S ssl_server_curve 0017",
	"S ssl_ecdh_server_params 0017 len=65",
	"S ssl_server_signature 4/1 len=8",
	"S ssl_handshake_message 12 len=81",   /* 1+2+1+65+2+2+8 */
	"S ssl_handshake_message 14 len=0",
	"C ssl_ecdh_client_params len=65",
	"C ssl_handshake_message 16 len=66",
	"C ssl_change_cipher_spec",
	"S ssl_session_ticket_handshake 7200 len=16",
	"S ssl_handshake_message 4 len=22",
	"S ssl_change_cipher_spec",
	/* Zeek: the first ciphertext record once both sides changed ciphers. */
	"S ssl_established",
};

static void
run_flow12(size_t frag, size_t piece, struct log *log, struct sm_tls *t)
{
	struct sm_tls_env env = env_of(false);
	static struct flow f;

	flow12(&f, frag);
	memset(log, 0, sizeof(*log));
	sm_tls_init(t);
	feed_flow(t, &env, log, &f, piece);
	sm_tls_fini(t, &env);
	assert_int_equal(bufs_out, 0);
}

static void
assert_flow12(const struct log *log)
{
	size_t nch = sizeof(client_hello_events) / sizeof(client_hello_events[0]);
	size_t nfl = sizeof(flow12_events) / sizeof(flow12_events[0]);
	const char *want[64];

	for (size_t i = 0; i < nch; i++)
		want[i] = client_hello_events[i];
	for (size_t i = 0; i < nfl; i++)
		want[nch + i] = flow12_events[i];
	assert_log(log, want, (unsigned int)(nch + nfl));
}

static void
hex16(const uint8_t *b, char *out)
{
	for (int i = 0; i < 16; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

static void
test_tls12_full(void **state)
{
	static struct log log;
	const struct sm_tls_summary *s;
	struct sm_tls t;
	char ja3[33];

	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	run_flow12(16384, 1 << 20, &log, &t);
	s = sm_tls_summary(&t);
	assert_flow12(&log);
	assert_int_equal(s->anomalies, 0);
	assert_int_equal(s->version, 0x0303);
	assert_int_equal(s->ch_version, 0x0303);
	assert_int_equal(s->cipher, 0xc02f);
	assert_string_equal(sm_tls_cipher_name(s->cipher), "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256");
	assert_int_equal(s->group, 0x0017);
	assert_string_equal(s->server_name, "example.com");
	assert_string_equal(s->alpn_offered, "h2,http/1.1");
	assert_string_equal(s->alpn_chosen, "h2");
	assert_true(s->flags & SM_TLS_SF_ESTABLISHED);
	assert_false(s->flags & SM_TLS_SF_RESUMED);
	assert_true(s->flags & SM_TLS_SF_OCSP_REQUESTED);
	assert_false(s->flags & SM_TLS_SF_OCSP_STAPLED);
	assert_true(s->flags & SM_TLS_SF_TICKET_ISSUED);
	assert_true(sm_tls_is_done(&t));
	/* JA3 string by hand, MD5 by coreutils md5sum:
	 * 771,49199-158-4,0-5-10-11-13-16-18-43-45-51-65024,29-23,0 */
	hex16(s->ja3, ja3);
	assert_string_equal(ja3, "61fa2947cc3137cf3aa986f97d2746f9");
	/* JA4: TLS 1.2 (supported_versions 0303), SNI, 3 ciphers, 11
	 * extensions, h2; sha256sum of "0004,009e,c02f" and of
	 * "0005,000a,000b,000d,0012,002b,002d,0033,fe00_0403,0804". */
	assert_string_equal(s->ja4, "t12d0311h2_d312b81bdfed_992e4d6cc4c9");
	/* The certificate: values openssl printed (see leaf_hex). */
	assert_true(s->flags & SM_TLS_SF_CERT);
	assert_string_equal(s->cert.subject, "CN=www.prbtest.dev");
	assert_string_equal(s->cert.issuer, "CN=GTS CA 1D4,O=Google Trust Services LLC,C=US");
	assert_string_equal(s->cert.sans, "www.prbtest.dev");
	assert_int_equal(s->cert.not_before, 1701175811);
	assert_int_equal(s->cert.not_after, 1708954762);
	assert_int_equal(s->cert.n_certs, 1);
}

/* The same streams cut at every byte: two pieces for each cut of the
 * server's first flight, and one byte at a time. */
static void
test_tls12_every_split(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	static struct flow f;
	struct sm_tls t;

	(void)state;
	flow12(&f, 16384);
	for (size_t cut = 1; cut < f.s1.n; cut++) {
		memset(&log, 0, sizeof(log));
		sm_tls_init(&t);
		sm_tls_feed(&t, &env, &log, true, f.c1.b, f.c1.n);
		sm_tls_feed(&t, &env, &log, false, f.s1.b, cut);
		sm_tls_feed(&t, &env, &log, false, f.s1.b + cut, f.s1.n - cut);
		sm_tls_fini(&t, &env);
		assert_int_equal(log.n, 21 + 15);
		assert_string_equal(log.line[21 + 14], "S ssl_handshake_message 14 len=0");
		assert_int_equal(t.sum.anomalies, 0);
	}
	run_flow12(16384, 1, &log, &t);
	assert_flow12(&log);
	assert_int_equal(t.sum.anomalies, 0);
}

/* RFC 5246 §6.2.1: handshake messages fragmented over records of 7 bytes,
 * fed in pieces of 3 (so records and pieces straddle each other). */
static void
test_tls12_fragmented_records(void **state)
{
	static struct log log;
	struct sm_tls t;

	(void)state;
	run_flow12(7, 3, &log, &t);
	assert_flow12(&log);
	assert_int_equal(t.sum.anomalies, 0);
	assert_true(t.sum.flags & SM_TLS_SF_CERT);
}

/* Without buffers, a message split across records is skipped and counted;
 * one that arrives whole is still decoded in place. */
static void *
no_buf(void *pool)
{
	(void)pool;
	return NULL;
}

static void
test_no_buffer(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct wb m = {0}, r = {0};
	struct sm_tls t;

	(void)state;
	env.buf_get = no_buf;
	memset(&cnt, 0, sizeof(cnt));
	client_hello(&m, false, NULL, 0);
	records(&r, 22, 0x0301, m.b, m.n, 100);
	sm_tls_init(&t);
	memset(&log, 0, sizeof(log));
	sm_tls_feed(&t, &env, &log, true, r.b, r.n);
	assert_int_equal(log.n, 1);
	assert_string_equal(log.line[0], "C ssl_handshake_message 1 len=185");
	assert_int_equal(cnt.v[SM_TLS_ANOM_HS_NO_BUFFER], 1);
	r.n = 0;
	records(&r, 22, 0x0301, m.b, m.n, 16384);
	sm_tls_init(&t);
	memset(&log, 0, sizeof(log));
	sm_tls_feed(&t, &env, &log, true, r.b, r.n);
	ASSERT_LOG(&log, client_hello_events);
}

/* ServerHello for TLS 1.3 (RFC 8446 §4.1.3): legacy 0x0303, echo of the
 * client's session id, supported_versions 0x0304, key_share x25519; with
 * @p psk a pre_shared_key (§4.2.11) selecting identity 0. @p hrr makes it a
 * HelloRetryRequest asking for secp256r1. */
static void
server_hello13(struct wb *w, bool psk, bool hrr)
{
	static const uint8_t hrr_random[32] = {
		0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02,
		0x1e, 0x65, 0xb8, 0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e,
		0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8, 0x33, 0x9c,
	};
	size_t m = msg_open(w, 2), l, e;

	put_n(w, 0x0303, 2);
	if (hrr)
		put(w, hrr_random, 32);
	else
		fill(w, 0x66, 32);
	put_n(w, 32, 1);
	put(w, sid32, 32);
	put_n(w, 0x1301, 2);
	put_n(w, 0, 1);
	l = open_len(w, 2);
	e = ext_open(w, 43);
	put_n(w, 0x0304, 2);
	close_len(w, e);
	e = ext_open(w, 51);
	put_n(w, hrr ? 0x0017 : 0x001d, 2);
	if (!hrr) {
		put_n(w, 32, 2);
		fill(w, 0x22, 32);
	}
	close_len(w, e);
	if (psk) {
		e = ext_open(w, 41);
		put_n(w, 0, 2);
		close_len(w, e);
	}
	close_len(w, l);
	close_len(w, m);
}

static void
test_tls13(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct wb m = {0}, c = {0}, s = {0};
	uint8_t app[60];
	struct sm_tls t;
	static const char *const want[] = {
		"S ssl_extension_supported_versions 0304",
		"S ssl_extension 002b len=2",
		"S ssl_extension_key_share 001d",
		"S ssl_extension 0033 len=36",
		"S ssl_server_hello v=0303 rv=0303 ts=66666666 random=32 sid=32 cipher=1301 comp=0",
		"S ssl_handshake_message 2 len=118", /* 2+32+1+32+2+1 + 2 + (4+2)+(4+36) */
		"S ssl_change_cipher_spec",
		"C ssl_change_cipher_spec",
		/* Zeek: both sides have sent application data records. */
		"C ssl_established",
	};

	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	memset(app, 0xee, sizeof(app));
	client_hello(&m, true, sid32, 32);
	records(&c, 22, 0x0301, m.b, m.n, 16384);
	m.n = 0;
	server_hello13(&m, false, false);
	records(&s, 22, 0x0303, m.b, m.n, 16384);
	records(&s, 20, 0x0303, &ccs_byte, 1, 16384);
	records(&s, 23, 0x0303, app, sizeof(app), 16384);
	/* A handshake-type record after the ServerHello is encrypted: its
	 * content (a would-be Certificate) must not be parsed. */
	m.n = 0;
	certificate(&m);
	records(&s, 22, 0x0303, m.b, m.n, 16384);
	sm_tls_init(&t);
	memset(&log, 0, sizeof(log));
	sm_tls_feed(&t, &env, &log, true, c.b, c.n);
	log.n = 0;
	sm_tls_feed(&t, &env, &log, false, s.b, s.n);
	assert_false(sm_tls_is_done(&t));
	c.n = 0;
	records(&c, 20, 0x0303, &ccs_byte, 1, 16384);
	records(&c, 23, 0x0303, app, sizeof(app), 16384);
	sm_tls_feed(&t, &env, &log, true, c.b, c.n);
	ASSERT_LOG(&log, want);
	assert_int_equal(t.sum.version, 0x0304);
	assert_int_equal(t.sum.cipher, 0x1301);
	assert_int_equal(t.sum.group, 0x001d);
	assert_string_equal(sm_tls_group_name(t.sum.group), "x25519");
	assert_string_equal(t.sum.alpn_chosen, "");
	assert_false(t.sum.flags & (SM_TLS_SF_RESUMED | SM_TLS_SF_CERT));
	assert_true(t.sum.flags & SM_TLS_SF_ESTABLISHED);
	assert_true(sm_tls_is_done(&t));
	assert_int_equal(t.sum.anomalies, 0);
	sm_tls_fini(&t, &env);
	assert_int_equal(bufs_out, 0);

	/* With pre_shared_key in the ServerHello the session is resumed. */
	s.n = 0;
	m.n = 0;
	server_hello13(&m, true, false);
	records(&s, 22, 0x0303, m.b, m.n, 16384);
	sm_tls_init(&t);
	sm_tls_feed(&t, &env, &log, true, c.b, c.n);
	log.n = 0;
	sm_tls_feed(&t, &env, &log, false, s.b, s.n);
	assert_true(t.sum.flags & SM_TLS_SF_RESUMED);
	assert_string_equal(log.line[4], "S ssl_extension 0029 len=2");
	sm_tls_fini(&t, &env);
}

/* HelloRetryRequest (RFC 8446 §4.1.4): the handshake stays plaintext and
 * the client sends a second ClientHello; the summary keeps the first. */
static void
test_tls13_hrr(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct wb m = {0}, c = {0}, s = {0};
	struct sm_tls t;
	uint8_t ja3[16];

	(void)state;
	client_hello(&m, true, sid32, 32);
	records(&c, 22, 0x0301, m.b, m.n, 16384);
	/* A TLS 1.3 client may send its camouflage CCS before the second
	 * hello (RFC 8446 §D.4): it must not stop the handshake. */
	records(&c, 20, 0x0303, &ccs_byte, 1, 16384);
	m.n = 0;
	server_hello13(&m, false, true);
	records(&s, 22, 0x0303, m.b, m.n, 16384);
	sm_tls_init(&t);
	memset(&log, 0, sizeof(log));
	sm_tls_feed(&t, &env, &log, true, c.b, c.n - 6);
	memcpy(ja3, t.sum.ja3, sizeof(ja3));
	sm_tls_feed(&t, &env, &log, false, s.b, s.n);
	assert_true(t.sum.flags & SM_TLS_SF_HRR);
	assert_false(t.sum.flags & SM_TLS_SF_SERVER_HELLO);
	assert_string_equal(log.line[log.n - 4], "S ssl_extension_key_share 0017");
	sm_tls_feed(&t, &env, &log, true, c.b + c.n - 6, 6);
	log.n = 0;
	m.n = 0;
	c.n = 0;
	client_hello(&m, false, NULL, 0);
	records(&c, 22, 0x0303, m.b, m.n, 16384);
	sm_tls_feed(&t, &env, &log, true, c.b, c.n);
	assert_string_equal(log.line[log.n - 2],
			    "C ssl_client_hello v=0303 rv=0303 ts=5f5e0100 random=32 sid=0 "
			    "ciphers=c02f,009e,0004 comp=00");
	assert_memory_equal(t.sum.ja3, ja3, sizeof(ja3));
	assert_int_equal(t.sum.anomalies, 0);
	sm_tls_fini(&t, &env);
}

/* Server flight for DHE or RSA key exchange at @p version. */
static void
kex_flow(struct sm_tls *t, const struct sm_tls_env *env, struct log *log, uint16_t version,
	 uint16_t cipher, bool ssl3)
{
	struct wb m = {0}, r = {0};
	size_t msg, l;

	client_hello(&m, false, NULL, 0);
	records(&r, 22, 0x0301, m.b, m.n, 16384);
	sm_tls_init(t);
	sm_tls_feed(t, env, log, true, r.b, r.n);
	m.n = r.n = 0;
	/* ServerHello without extensions (RFC 5246 §7.4.1.3 allows it). */
	msg = msg_open(&m, 2);
	put_n(&m, version, 2);
	fill(&m, 0x33, 32);
	put_n(&m, 0, 1);
	put_n(&m, cipher, 2);
	put_n(&m, 0, 1);
	close_len(&m, msg);
	if (cipher == 0x009e) {
		/* ServerDHParams (RFC 5246 §7.4.3) + signature */
		msg = msg_open(&m, 12);
		put_n(&m, 16, 2);
		fill(&m, 0xd1, 16);
		put_n(&m, 1, 2);
		put_n(&m, 2, 1);
		put_n(&m, 16, 2);
		fill(&m, 0xd2, 16);
		if (version >= 0x0303)
			put_n(&m, 0x0601, 2);
		put_n(&m, 8, 2);
		fill(&m, 0xd3, 8);
		close_len(&m, msg);
	}
	empty_msg(&m, 14);
	records(&r, 22, version, m.b, m.n, 16384);
	sm_tls_feed(t, env, log, false, r.b, r.n);
	m.n = r.n = 0;
	msg = msg_open(&m, 16);
	if (cipher == 0x009e) {
		put_n(&m, 16, 2);
		fill(&m, 0xc1, 16);
	} else if (ssl3) {
		/* SSLv3: the encrypted secret without a length (RFC 6101 §5.6.7.1) */
		fill(&m, 0xc2, 64);
	} else {
		l = open_len(&m, 2);
		fill(&m, 0xc2, 128);
		close_len(&m, l);
	}
	close_len(&m, msg);
	records(&r, 22, version, m.b, m.n, 16384);
	sm_tls_feed(t, env, log, true, r.b, r.n);
}

static void
test_key_exchanges(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct sm_tls t;
	static const char *const dhe12[] = {
		"S ssl_dh_server_params p=16 g=1 ys=16",
		"S ssl_server_signature 6/1 len=8",
		"S ssl_handshake_message 12 len=51", /* 2+16 + 2+1 + 2+16 + 2 + 2+8 */
		"S ssl_handshake_message 14 len=0",
		"C ssl_dh_client_params len=16",
		"C ssl_handshake_message 16 len=18",
	};
	static const char *const dhe10[] = {
		"S ssl_dh_server_params p=16 g=1 ys=16",
		/* no algorithm field before TLS 1.2: Zeek's 256/256 */
		"S ssl_server_signature 256/256 len=8",
		"S ssl_handshake_message 12 len=49", /* the same without the 2 */
		"S ssl_handshake_message 14 len=0",
		"C ssl_dh_client_params len=16",
		"C ssl_handshake_message 16 len=18",
	};

	(void)state;
	memset(&log, 0, sizeof(log));
	kex_flow(&t, &env, &log, 0x0303, 0x009e, false);
	assert_int_equal(sm_tls_cipher_kex(0x009e), SM_TLS_KEX_DHE);
	/* 21 ClientHello events, then ServerHello and its message event */
	assert_string_equal(log.line[21], "S ssl_server_hello v=0303 rv=0303 ts=33333333 random=32 sid=0 cipher=009e comp=0");
	assert_string_equal(log.line[23], dhe12[0]);
	for (unsigned int i = 0; i < 6; i++)
		assert_string_equal(log.line[log.n - 6 + i], dhe12[i]);
	sm_tls_fini(&t, &env);
	memset(&log, 0, sizeof(log));
	kex_flow(&t, &env, &log, 0x0301, 0x009e, false);
	for (unsigned int i = 0; i < 6; i++)
		assert_string_equal(log.line[log.n - 6 + i], dhe10[i]);
	sm_tls_fini(&t, &env);
	memset(&log, 0, sizeof(log));
	kex_flow(&t, &env, &log, 0x0301, 0x0004, false);
	assert_string_equal(log.line[log.n - 2], "C ssl_rsa_client_pms len=128");
	sm_tls_fini(&t, &env);
	memset(&log, 0, sizeof(log));
	kex_flow(&t, &env, &log, 0x0300, 0x0004, true);
	assert_string_equal(log.line[log.n - 2], "C ssl_rsa_client_pms len=64");
	assert_int_equal(t.sum.anomalies, 0);
	sm_tls_fini(&t, &env);
}

/* Start a TLS 1.2 session: the client's hello, the server's ServerHello
 * echoing @p sid (empty: a fresh session id of 32 bytes). */
static void
start12(struct sm_tls *t, const struct sm_tls_env *env, struct log *log,
	const uint8_t *sid, uint8_t sid_len)
{
	static const uint8_t other_sid[32] = {9};
	struct wb m = {0}, r = {0};

	client_hello(&m, false, sid, sid_len);
	records(&r, 22, 0x0301, m.b, m.n, 16384);
	sm_tls_init(t);
	sm_tls_feed(t, env, log, true, r.b, r.n);
	m.n = r.n = 0;
	server_hello12(&m, 0xc02f, sid_len ? sid : other_sid, 32);
	records(&r, 22, 0x0303, m.b, m.n, 16384);
	sm_tls_feed(t, env, log, false, r.b, r.n);
	log->n = 0;
}

static void
feed_record(struct sm_tls *t, const struct sm_tls_env *env, struct log *log, bool from_orig,
	    uint8_t ct, const void *p, size_t n)
{
	struct wb r = {0};

	records(&r, ct, 0x0303, p, n, 16384);
	sm_tls_feed(t, env, log, from_orig, r.b, r.n);
}

/* Abbreviated handshakes (RFC 5246 §7.3): by session id (the server
 * echoes it) and by ticket (the server turns to encryption with neither
 * Certificate nor ServerKeyExchange, RFC 5077 §3.1). */
static void
test_resumption(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct sm_tls t;

	(void)state;
	start12(&t, &env, &log, sid32, 32);
	assert_true(t.sum.flags & SM_TLS_SF_RESUMED);
	sm_tls_fini(&t, &env);
	start12(&t, &env, &log, NULL, 0);
	assert_false(t.sum.flags & SM_TLS_SF_RESUMED);
	feed_record(&t, &env, &log, false, 20, &ccs_byte, 1);
	assert_true(t.sum.flags & SM_TLS_SF_RESUMED);
	sm_tls_fini(&t, &env);
}

/* CertificateStatus (RFC 6066 §8): ocsp(1) + a 5-byte response. */
static void
test_stapled_ocsp(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct wb m = {0};
	struct sm_tls t;
	size_t msg;

	(void)state;
	start12(&t, &env, &log, NULL, 0);
	msg = msg_open(&m, 22);
	put_n(&m, 1, 1);
	put_n(&m, 5, 3);
	put(&m, "\x30\x03\x0a\x01\x00", 5);
	close_len(&m, msg);
	feed_record(&t, &env, &log, false, 22, m.b, m.n);
	assert_string_equal(log.line[0], "S ssl_stapled_ocsp len=5");
	assert_string_equal(log.line[1], "S ssl_handshake_message 22 len=9");
	assert_true(t.sum.flags & SM_TLS_SF_OCSP_STAPLED);
	sm_tls_fini(&t, &env);
}

/* Alerts (RFC 5246 §7.2): two in one record, a record with half an alert,
 * then one after ChangeCipherSpec (encrypted: no alert event). */
static void
test_alerts(void **state)
{
	struct sm_tls_env env = env_of(true);
	static struct log log;
	struct sm_tls t;
	static const char *const want[] = {
		"S ssl_alert 1/112",
		"S ssl_alert 2/40",
		"S ssl_plaintext_data 0303 21 4",
		"S ssl_alert 1/0",
		"S ssl_plaintext_data 0303 21 3",
		"S ssl_change_cipher_spec",
		"S ssl_plaintext_data 0303 20 1",
		"S ssl_encrypted_data 0303 21 26",
	};
	uint8_t enc[26] = {0};

	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	start12(&t, &env, &log, NULL, 0);
	feed_record(&t, &env, &log, false, 21, "\x01\x70\x02\x28", 4);
	feed_record(&t, &env, &log, false, 21, "\x01\x00\x02", 3);
	feed_record(&t, &env, &log, false, 20, &ccs_byte, 1);
	feed_record(&t, &env, &log, false, 21, enc, sizeof(enc));
	ASSERT_LOG(&log, want);
	assert_int_equal(cnt.v[SM_TLS_ANOM_ALERT_PARTIAL], 1);
	assert_int_equal(t.sum.last_alert_level, 1);
	assert_int_equal(t.sum.last_alert_desc, 0);
	assert_false(t.sum.last_alert_is_orig);
	assert_string_equal(sm_tls_alert_name(40), "handshake_failure");
	sm_tls_fini(&t, &env);
}

/* Heartbeats (RFC 6520 §4): a Heartbleed request claiming 16384 bytes in
 * a 3-byte record, an honest response (4 payload + 16 padding bytes), a
 * record too short for the header, and a CCS of two bytes. */
static void
test_heartbeat_and_ccs(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct wb m = {0};
	struct sm_tls t;
	static const char *const want[] = {
		"C ssl_heartbeat len=3 type=1 plen=16384 payload=0",
		"S ssl_heartbeat len=23 type=2 plen=4 payload=20",
		"C ssl_change_cipher_spec",
	};

	(void)state;
	memset(&cnt, 0, sizeof(cnt));
	start12(&t, &env, &log, NULL, 0);
	feed_record(&t, &env, &log, true, 24, "\x01\x40\x00", 3);
	put(&m, "\x02\x00\x04ping", 7);
	fill(&m, 0, 16);
	feed_record(&t, &env, &log, false, 24, m.b, m.n);
	feed_record(&t, &env, &log, true, 24, "\x01\x40", 2);
	feed_record(&t, &env, &log, true, 20, "\x01\x01", 2);
	ASSERT_LOG(&log, want);
	assert_int_equal(cnt.v[SM_TLS_ANOM_HB_TRUNCATED], 1);
	assert_int_equal(cnt.v[SM_TLS_ANOM_CCS_BAD], 1);
	sm_tls_fini(&t, &env);
	assert_int_equal(bufs_out, 0);
}

/* A hostile or cut input, what it must raise and count. */
struct bad_case {
	const char *name;
	void (*build)(struct wb *r);
	enum sm_tls_anom anom;
	const char *last;     /* last event, NULL for none */
	bool stopped;         /* the direction stops */
};

/* cipher_suites<2..2^16-2> claiming 0xfffe bytes (RFC 8446 §4.1.2). */
static void
bad_cipher_len(struct wb *r)
{
	struct wb m = {0};

	client_hello(&m, false, NULL, 0);
	m.b[4 + 2 + 32 + 1] = 0xff;
	m.b[4 + 2 + 32 + 2] = 0xfe;
	records(r, 22, 0x0301, m.b, m.n, 16384);
}

/* A handshake message of 2^24-1 bytes, then an alert record: the message
 * is skipped, records go on. */
static void
bad_msg_len(struct wb *r)
{
	records(r, 22, 0x0301, (const uint8_t *)"\x01\xff\xff\xff\x03\x03", 6, 16384);
	records(r, 21, 0x0303, (const uint8_t *)"\x02\x28", 2, 16384);
}

/* Record length 2^14 + 2049 (RFC 5246 §6.2.3: record_overflow). */
static void
bad_rec_len(struct wb *r)
{
	put(r, "\x16\x03\x01\x48\x01\x01", 6);
}

static void
bad_rec_type(struct wb *r)
{
	put(r, "\x30\x03\x01\x00\x01\x01", 6);
}

static void
bad_rec_version(struct wb *r)
{
	put(r, "\x16\x04\x01\x00\x01\x01", 6);
}

static void
empty_hs_record(struct wb *r)
{
	records(r, 22, 0x0301, NULL, 0, 16384);
}

/* The extension block claims 10 bytes more than the message holds. */
static void
bad_ext_block(struct wb *r)
{
	struct wb m = {0};
	size_t at = 4 + 2 + 32 + 1 + 2 + 6 + 2;

	client_hello(&m, false, NULL, 0);
	m.b[at + 1] = (uint8_t)(m.b[at + 1] + 10);
	records(r, 22, 0x0301, m.b, m.n, 16384);
}

/* The last extension (0xfe00, 2 bytes) claims 3. */
static void
bad_ext_len(struct wb *r)
{
	struct wb m = {0};

	client_hello(&m, false, NULL, 0);
	m.b[m.n - 3] = 3;
	records(r, 22, 0x0301, m.b, m.n, 16384);
}

/* server_name_list claims one byte more than the extension holds. */
static void
bad_sni_list(struct wb *r)
{
	struct wb m = {0};
	size_t at = 4 + 2 + 32 + 1 + 2 + 6 + 2 + 2 + 4;

	client_hello(&m, false, NULL, 0);
	m.b[at + 1]++;
	records(r, 22, 0x0301, m.b, m.n, 16384);
}

/* A heartbeat between two records of one handshake message. */
static void
hb_inside_message(struct wb *r)
{
	struct wb m = {0};

	client_hello(&m, false, NULL, 0);
	records(r, 22, 0x0301, m.b, 50, 16384);
	records(r, 24, 0x0301, (const uint8_t *)"\x01\x00\x00", 3, 16384);
	records(r, 22, 0x0301, m.b + 50, m.n - 50, 16384);
}

/* An SSLv2 record that is not a ClientHello (a SERVER-HELLO, type 4). */
static void
sslv2_other(struct wb *r)
{
	put(r, "\x80\x05\x04\x00\x00\x00\x00", 7);
}

static const struct bad_case bad_cases[] = {
	{"cipher_suites overrun", bad_cipher_len, SM_TLS_ANOM_HS_TRUNCATED,
	 "C ssl_handshake_message 1 len=185", false},
	{"message longer than the buffer", bad_msg_len, SM_TLS_ANOM_HS_TOO_LONG,
	 "C ssl_alert 2/40", false},
	{"record too long", bad_rec_len, SM_TLS_ANOM_RECORD_TOO_LONG, NULL, true},
	{"record content type 0x30", bad_rec_type, SM_TLS_ANOM_RECORD_BAD_TYPE, NULL, true},
	{"record version 4.1", bad_rec_version, SM_TLS_ANOM_RECORD_BAD_VERSION, NULL, true},
	{"empty handshake record", empty_hs_record, SM_TLS_ANOM_RECORD_EMPTY, NULL, false},
	{"extension block overrun", bad_ext_block, SM_TLS_ANOM_EXT_TRUNCATED,
	 "C ssl_handshake_message 1 len=185", false},
	{"extension overrun", bad_ext_len, SM_TLS_ANOM_EXT_TRUNCATED,
	 "C ssl_handshake_message 1 len=185", false},
	{"server_name_list overrun", bad_sni_list, SM_TLS_ANOM_EXT_TRUNCATED,
	 "C ssl_handshake_message 1 len=185", false},
	{"heartbeat inside a message", hb_inside_message, SM_TLS_ANOM_HB_UNBUFFERED,
	 "C ssl_handshake_message 1 len=185", false},
	{"SSLv2 SERVER-HELLO", sslv2_other, SM_TLS_ANOM_SSLV2_UNSUPPORTED, NULL, true},
};

static void
test_hostile(void **state)
{
	struct sm_tls_env env = env_of(false);
	static struct log log;
	struct sm_tls t;

	(void)state;
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad_case *b = &bad_cases[i];
		struct wb r = {0};

		print_message("%s\n", b->name);
		memset(&cnt, 0, sizeof(cnt));
		memset(&log, 0, sizeof(log));
		b->build(&r);
		sm_tls_init(&t);
		/* one byte at a time too: the outcome must not depend on it */
		for (size_t k = 0; k < r.n; k++)
			sm_tls_feed(&t, &env, &log, true, r.b + k, 1);
		assert_int_equal(cnt.v[b->anom], 1);
		assert_true(t.sum.anomalies & (1u << b->anom));
		if (b->last == NULL)
			assert_int_equal(log.n, 0);
		else
			assert_string_equal(log.line[log.n - 1], b->last);
		assert_int_equal(!!(t.sum.flags & SM_TLS_SF_STOPPED), b->stopped);
		sm_tls_fini(&t, &env);
		assert_int_equal(bufs_out, 0);
	}
}

/* Gaps: inside a handshake message (the message is dropped, the next
 * ones parse), inside an encrypted record (framing kept), and across a
 * record boundary (the direction stops). */
static void
test_gaps(void **state)
{
	struct sm_tls_env env = env_of(true);
	static struct log log;
	static struct flow f;
	struct sm_tls t;
	/* in the certificate: 5 record + 4+119 ServerHello + 4+3+3 + 100 */
	size_t at = 5 + 123 + 10 + 100;

	(void)state;
	flow12(&f, 16384);
	memset(&cnt, 0, sizeof(cnt));
	memset(&log, 0, sizeof(log));
	sm_tls_init(&t);
	sm_tls_feed(&t, &env, &log, true, f.c1.b, f.c1.n);
	log.n = 0;
	sm_tls_feed(&t, &env, &log, false, f.s1.b, at);
	sm_tls_gap(&t, &env, &log, false, 200);
	sm_tls_feed(&t, &env, &log, false, f.s1.b + at + 200, f.s1.n - at - 200);
	assert_string_equal(log.line[9], "S ssl_handshake_message 11 len=1388");
	assert_string_equal(log.line[10], "S ssl_server_curve 0017");
	assert_string_equal(log.line[14], "S ssl_handshake_message 14 len=0");
	assert_false(t.sum.flags & SM_TLS_SF_CERT);
	assert_int_equal(cnt.v[SM_TLS_ANOM_GAP_IN_RECORD], 1);
	assert_int_equal(cnt.v[SM_TLS_ANOM_GAP_IN_HANDSHAKE], 1);
	sm_tls_feed(&t, &env, &log, true, f.c2.b, f.c2.n);
	sm_tls_feed(&t, &env, &log, false, f.s2.b, f.s2.n);
	assert_true(t.sum.flags & SM_TLS_SF_ESTABLISHED);
	/* 50 bytes of application data, 20 missing after the header */
	log.n = 0;
	sm_tls_feed(&t, &env, &log, false, f.s3.b, 5 + 10);
	sm_tls_gap(&t, &env, &log, false, 20);
	sm_tls_feed(&t, &env, &log, false, f.s3.b + 35, f.s3.n - 35);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.line[0], "S ssl_encrypted_data 0303 23 50");
	assert_string_equal(log.line[1], "S ssl_encrypted_data 0303 21 26");
	/* a gap where the next record header would be */
	sm_tls_gap(&t, &env, &log, false, 5);
	sm_tls_feed(&t, &env, &log, false, f.s3.b, f.s3.n);
	assert_int_equal(log.n, 2);
	assert_int_equal(cnt.v[SM_TLS_ANOM_GAP_LOST_SYNC], 1);
	assert_true(t.sum.flags & SM_TLS_SF_STOPPED);
	sm_tls_fini(&t, &env);
	assert_int_equal(bufs_out, 0);
}

/*
 * SSLv2-format ClientHello: the first record of zeek_tls10_sslv2_hello.pcap
 * (frame 4, TCP payload). RFC 5246 appendix E.2 layout: length 0x55, type
 * 1, version 0x0301, 60 bytes of cipher specs (20 of 3 bytes), no session
 * id, a 16-byte challenge. Its server answers with a TLS 1.0 ServerHello
 * (frame 6), whose JA3S expected/tls.tsv gives as
 * 53611273a714cb4789c8222932efd5a7; the hello has no JA3/JA4 there ("-").
 */
static const char sslv2_hello_hex[] =
	"8055010301003c0000001000003900003800003500003300003200000400000500002f00001600001300feff00000a00"
	"001500001200fefe000009000064000062000003000006e6b8efdf91cf44f7eae43c83398fdcb2";
static const char sslv2_server_hello_hex[] =
	"02000046030145c7bb492b658d5183bbaedbf35e8f126ff926b14979cd703d242aea996a5fda20a8c1c5681924e80a32"
	"a15d5e7f20bc5e3f513e56b215039d0d55defda5a320c0000400";

static void
test_sslv2_hello(void **state)
{
	struct sm_tls_env env = env_of(true);
	static struct log log;
	struct wb c = {0}, m = {0}, s = {0};
	struct sm_tls t;
	char ja3s[33];

	(void)state;
	memset(&log, 0, sizeof(log));
	unhex(&c, sslv2_hello_hex);
	assert_int_equal(sm_tls_detect(c.b, c.n), 1);
	sm_tls_init(&t);
	sm_tls_feed(&t, &env, &log, true, c.b, c.n);
	assert_int_equal(log.n, 2);
	assert_string_equal(log.line[0],
			    "C ssl_client_hello v=0301 rv=0000 ts=00000000 random=16 sid=0 ciphers="
			    "000039,000038,000035,000033,000032,000004,000005,00002f,000016,000013,"
			    "00feff,00000a,000015,000012,00fefe,000009,000064,000062,000003,000006 comp=");
	assert_string_equal(log.line[1], "C ssl_plaintext_data 0000 0 85");
	assert_true(t.sum.flags & SM_TLS_SF_SSLV2_HELLO);
	assert_false(t.sum.flags & SM_TLS_SF_JA3);
	assert_string_equal(t.sum.ja4, "");
	assert_int_equal(t.sum.ch_version, 0x0301);
	unhex(&m, sslv2_server_hello_hex);
	records(&s, 22, 0x0301, m.b, m.n, 16384);
	sm_tls_feed(&t, &env, &log, false, s.b, s.n);
	hex16(t.sum.ja3s, ja3s);
	assert_string_equal(ja3s, "53611273a714cb4789c8222932efd5a7");
	assert_int_equal(t.sum.cipher, 0x0004);
	assert_int_equal(t.sum.anomalies, 0);
	sm_tls_fini(&t, &env);
}

static void
test_detect(void **state)
{
	struct wb m = {0}, r = {0};

	(void)state;
	client_hello(&m, false, NULL, 0);
	records(&r, 22, 0x0301, m.b, m.n, 16384);
	assert_int_equal(sm_tls_detect(r.b, r.n), 1);
	assert_int_equal(sm_tls_detect(r.b, 9), 1);
	assert_int_equal(sm_tls_detect(r.b, 8), -EAGAIN);
	assert_int_equal(sm_tls_detect((const uint8_t *)"GET / HTTP/1.1\r\n", 16), 0);
	assert_int_equal(sm_tls_detect((const uint8_t *)"SSH-2.0-OpenSSH_9.2\r\n", 21), 0);
	/* a ServerHello or an alert is TLS but not a client's first bytes */
	r.b[5] = 2;
	assert_int_equal(sm_tls_detect(r.b, r.n), 0);
	assert_int_equal(sm_tls_detect((const uint8_t *)"\x15\x03\x03\x00\x02\x02\x28\x00\x00", 9), 0);
}

/* Name tables against the IANA registries and the event references. */
static void
test_names(void **state)
{
	unsigned int on = 0;

	(void)state;
	/* zeek-ssl-events.txt lists 28 events, two off by default. */
	assert_int_equal(SM_TLS_EV_MAX, 28);
	for (unsigned int e = 0; e < SM_TLS_EV_MAX; e++) {
		assert_non_null(sm_tls_ev_info(e)->name);
		on += sm_tls_ev_info(e)->default_on;
	}
	assert_int_equal(on, 26);
	assert_null(sm_tls_ev_info(SM_TLS_EV_MAX));
	assert_string_equal(sm_tls_ev_info(SM_TLS_EV_ESTABLISHED)->name, "ssl_established");
	/* fortiadc-script-events.txt */
	assert_string_equal(sm_tls_ev_info(SM_TLS_EV_ESTABLISHED)->alias, "CLIENTSSL_HANDSHAKE");
	assert_null(sm_tls_ev_info(SM_TLS_EV_CLIENT_HELLO)->alias);
	for (unsigned int a = 0; a < SM_TLS_ANOM_MAX; a++)
		assert_non_null(sm_tls_anom_name(a));
	/* tls-parameters-4: RFC 5246 A.5, RFC 8446 B.4, RFC 7905, RFC 8422 */
	assert_string_equal(sm_tls_cipher_name(0x0004), "TLS_RSA_WITH_RC4_128_MD5");
	assert_string_equal(sm_tls_cipher_name(0x1303), "TLS_CHACHA20_POLY1305_SHA256");
	assert_string_equal(sm_tls_cipher_name(0xcca8), "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");
	assert_null(sm_tls_cipher_name(0x0a0a));
	assert_int_equal(sm_tls_cipher_kex(0x0004), SM_TLS_KEX_RSA);
	assert_int_equal(sm_tls_cipher_kex(0x0034), SM_TLS_KEX_DH_ANON);
	assert_int_equal(sm_tls_cipher_kex(0xc018), SM_TLS_KEX_ECDH_ANON);
	assert_int_equal(sm_tls_cipher_kex(0xc004), SM_TLS_KEX_ECDH);
	assert_int_equal(sm_tls_cipher_kex(0x1301), SM_TLS_KEX_TLS13);
	assert_int_equal(sm_tls_cipher_kex(0x00ff), SM_TLS_KEX_OTHER);
	assert_int_equal(sm_tls_cipher_kex(0x5600), SM_TLS_KEX_OTHER);
	assert_int_equal(sm_tls_cipher_kex(0xffff), SM_TLS_KEX_UNKNOWN);
	/* supported groups, extension types, handshake types, versions */
	assert_string_equal(sm_tls_group_name(23), "secp256r1");
	assert_string_equal(sm_tls_group_name(0x11ec), "X25519MLKEM768");
	assert_null(sm_tls_group_name(0x0a0a));
	assert_string_equal(sm_tls_ext_name(16), "application_layer_protocol_negotiation");
	assert_string_equal(sm_tls_ext_name(0xff01), "renegotiation_info");
	assert_string_equal(sm_tls_hs_type_name(11), "certificate");
	assert_null(sm_tls_hs_type_name(7));
	assert_string_equal(sm_tls_version_name(0x0303), "TLSv1.2");
	assert_null(sm_tls_version_name(0x0305));
	/* the ends of the sorted tables */
	assert_string_equal(sm_tls_group_name(1), "sect163k1");
	assert_string_equal(sm_tls_group_name(65282), "arbitrary_explicit_char2_curves");
	assert_string_equal(sm_tls_ext_name(0), "server_name");
	assert_string_equal(sm_tls_version_name(0x0002), "SSLv2");
	assert_string_equal(sm_tls_version_name(0xfeff), "DTLSv1.0");
	assert_string_equal(sm_tls_cipher_name(0x0000), "TLS_NULL_WITH_NULL_NULL");
	assert_string_equal(sm_tls_cipher_name(0xd005), "TLS_ECDHE_PSK_WITH_AES_128_CCM_SHA256");
	/* RFC 8701 §2: 0x0A0A ... 0xFAFA */
	assert_true(sm_tls_is_grease(0x0a0a));
	assert_true(sm_tls_is_grease(0xfafa));
	assert_false(sm_tls_is_grease(0x0a1a));
	assert_false(sm_tls_is_grease(0x0b0b));
}

/* What libcrypto cannot read is an error, not a half-filled summary; a
 * name longer than the summary's array is cut and flagged. */
static void
test_cert_parse(void **state)
{
	static const uint8_t garbage[] = {0x30, 0x03, 0x02, 0x01, 0x00};
	struct sm_tls_cert cert = {0};
	struct wb der = {0};

	(void)state;
	assert_int_equal(sm_tls_cert_parse(garbage, sizeof(garbage), &cert), -EBADMSG);
	unhex(&der, leaf_hex);
	assert_int_equal(sm_tls_cert_parse(der.b, der.n - 1, &cert), -EBADMSG);
	assert_int_equal(sm_tls_cert_parse(der.b, der.n, &cert), 0);
	assert_int_equal(cert.trunc, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls12_full),
		cmocka_unit_test(test_tls12_every_split),
		cmocka_unit_test(test_tls12_fragmented_records),
		cmocka_unit_test(test_no_buffer),
		cmocka_unit_test(test_tls13),
		cmocka_unit_test(test_tls13_hrr),
		cmocka_unit_test(test_key_exchanges),
		cmocka_unit_test(test_resumption),
		cmocka_unit_test(test_stapled_ocsp),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_heartbeat_and_ccs),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_gaps),
		cmocka_unit_test(test_sslv2_hello),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_cert_parse),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
