/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS summaries and fingerprints of real hellos: every ClientHello and
 * ServerHello of ../shared/traces/ (bytes embedded in vectors/tls_hellos.h,
 * so this runs without ../shared) goes through the analyzer as TLS records,
 * and the session summary must equal the independent values of
 * expected/tls.tsv: JA3 and JA3S (tshark's), JA4 (FoxIO's definition,
 * checked there against FoxIO's outputs), versions, cipher, TLS 1.3 group,
 * SNI, ALPN and session-id/PSK resumption.
 *
 * Then whole sessions: the TCP streams of every TLS session of the traces
 * (the fuzz seeds of tests/fuzz/corpus/tls, in-tree) against the rest of
 * tls.tsv: TLS 1.2 curve from ServerKeyExchange, resumption by ticket,
 * NewSessionTicket, stapled OCSP, plaintext and encrypted alerts,
 * heartbeats, and the server certificate (count, subject, issuer).
 *
 * Also JA4's worked example (JA4.md of github.com/FoxIO-LLC/ja4): its
 * cipher and extension lists must hash to the values the document prints.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/tls.h"
#include "vectors/tls_flows.h"
#include "vectors/tls_hellos.h"

static void *
buf_get(void *pool)
{
	(void)pool;
	return malloc(SM_TLS_HS_BUF_SIZE);
}

static void
buf_put(void *pool, void *buf)
{
	(void)pool;
	free(buf);
}

static size_t
unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex) / 2;

	assert_true(n <= cap);
	for (size_t i = 0; i < n; i++) {
		unsigned int b;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &b), 1);
		out[i] = (uint8_t)b;
	}
	return n;
}

/* A handshake message as records of at most 2^14 bytes (RFC 8446 §5.1). */
static void
feed_message(struct sm_tls *t, const struct sm_tls_env *env, bool from_orig,
	     uint16_t rec_version, const uint8_t *msg, size_t len)
{
	for (size_t off = 0; off < len; off += 16384) {
		size_t n = len - off < 16384 ? len - off : 16384;
		uint8_t hdr[5] = {22, rec_version >> 8, rec_version & 0xff, n >> 8, n & 0xff};

		sm_tls_feed(t, env, NULL, from_orig, hdr, sizeof(hdr));
		sm_tls_feed(t, env, NULL, from_orig, msg + off, n);
	}
}

static void
hex_of(const uint8_t *b, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		sprintf(out + 2 * i, "%02x", b[i]);
}

/* tls.tsv names: "-" for none, '|' between ALPN ids (ours: ','). */
static void
assert_text(const char *got, const char *want)
{
	char w[256];

	snprintf(w, sizeof(w), "%s", strcmp(want, "-") == 0 ? "" : want);
	for (char *c = w; *c != '\0'; c++)
		if (*c == '|')
			*c = ',';
	assert_string_equal(got, w);
}

static void
check_vector(const struct tls_hello_vec *v)
{
	static uint8_t msg[8192];
	struct sm_tls_counters cnt = {0};
	struct sm_tls_env env = {.buf_get = buf_get, .buf_put = buf_put, .cnt = &cnt};
	const struct sm_tls_summary *s;
	struct sm_tls t;
	char hex[40], grp[64];
	size_t n;

	print_message("%s\n", v->name);
	sm_tls_init(&t);
	n = unhex(v->ch_hex, msg, sizeof(msg));
	feed_message(&t, &env, true, 0x0301, msg, n);
	if (v->sh_hex != NULL) {
		n = unhex(v->sh_hex, msg, sizeof(msg));
		feed_message(&t, &env, false, 0x0303, msg, n);
	}
	s = sm_tls_summary(&t);
	assert_int_equal(s->anomalies, 0);
	assert_string_equal(sm_tls_version_name(s->ch_version), v->ch_version);
	assert_text(s->server_name, v->sni);
	assert_text(s->alpn_offered, v->alpn_offered);
	hex_of(s->ja3, 16, hex);
	assert_string_equal(hex, v->ja3);
	assert_string_equal(s->ja4, v->ja4);
	if (v->sh_hex == NULL) {
		assert_false(s->flags & SM_TLS_SF_SERVER_HELLO);
		sm_tls_fini(&t, &env);
		return;
	}
	assert_string_equal(sm_tls_version_name(s->version), v->version);
	snprintf(hex, sizeof(hex), "0x%04x", s->cipher);
	assert_string_equal(hex, v->cipher);
	assert_text(s->alpn_chosen, v->alpn_chosen);
	hex_of(s->ja3s, 16, hex);
	assert_string_equal(hex, v->ja3s);
	/* The hellos carry the group in TLS 1.3 (key_share); TLS 1.2 sends it
	 * in ServerKeyExchange, not part of these vectors. */
	if (strcmp(v->version, "TLSv1.3") == 0) {
		snprintf(grp, sizeof(grp), "%s(0x%04x)", sm_tls_group_name(s->group), s->group);
		assert_string_equal(grp, v->group);
	}
	/* Ticket resumption shows only at the server's ChangeCipherSpec; the
	 * other resumptions are in the hellos. */
	if (strstr(v->name, "emotet") == NULL || strcmp(v->resumed, "F") == 0)
		assert_int_equal(!!(s->flags & SM_TLS_SF_RESUMED), v->resumed[0] == 'T');
	sm_tls_fini(&t, &env);
}

static void
test_trace_hellos(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls_hellos) / sizeof(tls_hellos[0]); i++)
		check_vector(&tls_hellos[i]);
}

/* What the events of one session add up to, per side (0 client). */
struct flow_log {
	char alerts[2][128];
	unsigned int enc_alerts[2];
	char heartbeats[2][128];
	unsigned int enc_heartbeats[2];
};

static void
append(char *dst, size_t cap, const char *s)
{
	size_t n = strlen(dst);

	snprintf(dst + n, cap - n, "%s%s", n > 0 ? "," : "", s);
}

static void
on_flow_event(void *ctx, const struct sm_tls_event *ev)
{
	struct flow_log *fl = ctx;
	int side = ev->is_orig ? 0 : 1;
	char s[64];

	switch (ev->type) {
	case SM_TLS_EV_ALERT:
		snprintf(s, sizeof(s), "%u:%u", ev->alert.level, ev->alert.desc);
		append(fl->alerts[side], sizeof(fl->alerts[side]), s);
		break;
	case SM_TLS_EV_HEARTBEAT:
		snprintf(s, sizeof(s), "%u/%u/%u", ev->heartbeat.heartbeat_type,
			 ev->heartbeat.payload_length, ev->heartbeat.length);
		append(fl->heartbeats[side], sizeof(fl->heartbeats[side]), s);
		break;
	case SM_TLS_EV_ENCRYPTED_DATA:
		fl->enc_alerts[side] += ev->record.content_type == 21;
		fl->enc_heartbeats[side] += ev->record.content_type == 24;
		break;
	default:
		break;
	}
}

/* tls.tsv's alert and heartbeat columns: entries, then encrypted*N; the
 * alert names in parentheses (tshark's) are left out. */
static void
assert_records(const char *got, unsigned int enc, const char *want)
{
	char g[160], w[160];
	size_t k = 0;

	snprintf(g, sizeof(g), "%s", got);
	if (enc > 0) {
		char e[32];

		snprintf(e, sizeof(e), "encrypted*%u", enc);
		append(g, sizeof(g), e);
	}
	for (const char *c = strcmp(want, "-") == 0 ? "" : want; *c != '\0' && k + 1 < sizeof(w); c++) {
		if (*c == '(') {
			c = strchr(c, ')');
			assert_non_null(c);
			continue;
		}
		w[k++] = *c;
	}
	w[k] = '\0';
	assert_string_equal(g, w);
}

/* A certificate name, cut to the summary's array. */
static void
assert_name(const char *got, bool cut, const char *want)
{
	if (strcmp(want, "-") == 0) {
		assert_string_equal(got, "");
		return;
	}
	if (strlen(want) < SM_TLS_CERT_STR_MAX) {
		assert_false(cut);
		assert_string_equal(got, want);
		return;
	}
	assert_true(cut);
	assert_int_equal(strlen(got), SM_TLS_CERT_STR_MAX - 1);
	assert_memory_equal(got, want, SM_TLS_CERT_STR_MAX - 1);
}

static void
flag_is(uint32_t flags, uint32_t bit, const char *tf)
{
	assert_int_equal(!!(flags & bit), tf[0] == 'T');
}

/* The seed format of tests/fuzz/fuzz_tls.c: options byte, then chunks of
 * (bit 0 originator | bit 1 gap, 16-bit length, bytes). */
static void
feed_seed(struct sm_tls *t, const struct sm_tls_env *env, void *ctx, const uint8_t *d, size_t n)
{
	size_t off = 1;

	while (off + 3 <= n) {
		size_t len = (size_t)d[off + 1] << 8 | d[off + 2];

		assert_int_equal(d[off] & 2, 0);
		assert_true(off + 3 + len <= n);
		sm_tls_feed(t, env, ctx, d[off] & 1, d + off + 3, len);
		off += 3 + len;
	}
}

/*
 * The one place the in-order stream and tls.tsv part: in
 * zeek_tls10_sslv2_hello.pcap, frame 251 (TCP seq 3591, 23 bytes) carries
 * the server's encrypted alert and arrives after frame 248 (seq 3615).
 * tshark marks it a retransmission and leaves it undissected, so tls.tsv
 * has no alert from the server; tshark's own follow,tcp,raw stream (the
 * seed) has the record, and it is counted.
 */
static const char sslv2_late_alert[] = "zeek_tls10_sslv2_hello-stream2";

static void
check_flow(const char *dir, const struct tls_flow_vec *v)
{
	static uint8_t data[1 << 17];
	struct sm_tls_env env = {.buf_get = buf_get, .buf_put = buf_put};
	const struct sm_tls_summary *s;
	struct flow_log fl = {0};
	struct sm_tls t;
	char path[512], x[64];
	size_t n;
	FILE *f;

	print_message("%s\n", v->seed);
	snprintf(path, sizeof(path), "%s/%s", dir, v->seed);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(data, 1, sizeof(data), f);
	fclose(f);
	for (unsigned int e = 0; e < SM_TLS_EV_MAX; e++)
		env.on[e] = on_flow_event;
	sm_tls_init(&t);
	feed_seed(&t, &env, &fl, data, n);
	sm_tls_fini(&t, &env);
	s = sm_tls_summary(&t);
	/* Some captures end inside a record (counted), nothing else is odd. */
	assert_int_equal(s->anomalies & ~(1u << SM_TLS_ANOM_TRUNCATED_AT_END), 0);
	assert_text(s->version ? sm_tls_version_name(s->version) : "", v->version);
	snprintf(x, sizeof(x), "0x%04x", s->cipher);
	assert_text(s->cipher ? x : "", v->cipher);
	snprintf(x, sizeof(x), "%s(0x%04x)", sm_tls_group_name(s->group), s->group);
	assert_text(s->group ? x : "", v->group);
	flag_is(s->flags, SM_TLS_SF_RESUMED, v->resumed);
	flag_is(s->flags, SM_TLS_SF_TICKET_ISSUED, v->new_session_ticket);
	flag_is(s->flags, SM_TLS_SF_OCSP_STAPLED, v->ocsp_stapled);
	if (!v->cut) {
		assert_records(fl.alerts[0], fl.enc_alerts[0], v->alerts_orig);
		assert_records(fl.alerts[1], fl.enc_alerts[1],
			       strcmp(v->seed, sslv2_late_alert) == 0 ? "encrypted*1" : v->alerts_resp);
		assert_records(fl.heartbeats[0], fl.enc_heartbeats[0], v->heartbeats_orig);
		assert_records(fl.heartbeats[1], fl.enc_heartbeats[1], v->heartbeats_resp);
	}
	assert_int_equal(s->flags & SM_TLS_SF_CERT ? s->cert.n_certs : 0, atoi(v->server_certs));
	assert_name(s->cert.subject, s->cert.trunc & SM_TLS_TR_SUBJECT, v->leaf_subject);
	assert_name(s->cert.issuer, s->cert.trunc & SM_TLS_TR_ISSUER, v->leaf_issuer);
}

static void
test_trace_flows(void **state)
{
	const char *dir = getenv("SM_TLS_CORPUS");

	(void)state;
	assert_non_null(dir);
	for (size_t i = 0; i < sizeof(tls_flows) / sizeof(tls_flows[0]); i++)
		check_flow(dir, &tls_flows[i]);
}

/* JA4.md "Example": 15 ciphers, 16 extensions (SNI and ALPN among them),
 * ALPN h2, TLS 1.3 in supported_versions; the document gives
 * t13d1516h2_8daaf6152771_e5627efa2ab1. */
static void
test_ja4_spec_example(void **state)
{
	static const uint8_t ciphers[] = {
		0x13, 0x01, 0x13, 0x02, 0x13, 0x03, 0xc0, 0x2b, 0xc0, 0x2f, 0xc0, 0x2c,
		0xc0, 0x30, 0xcc, 0xa9, 0xcc, 0xa8, 0xc0, 0x13, 0xc0, 0x14, 0x00, 0x9c,
		0x00, 0x9d, 0x00, 0x2f, 0x00, 0x35,
	};
	static const uint8_t exts[] = {
		0x00, 0x1b, 0x00, 0x00, 0x00, 0x33, 0x00, 0x10, 0x44, 0x69, 0x00, 0x17,
		0x00, 0x2d, 0x00, 0x0d, 0x00, 0x05, 0x00, 0x23, 0x00, 0x12, 0x00, 0x2b,
		0xff, 0x01, 0x00, 0x0b, 0x00, 0x0a, 0x00, 0x15,
	};
	static const uint8_t sigs[] = {
		0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03, 0x08, 0x05, 0x05, 0x01,
		0x08, 0x06, 0x06, 0x01,
	};
	static const uint8_t versions[] = {0x03, 0x04, 0x03, 0x03};
	struct sm_tls_hello ch = {
		.version = 0x0303,
		.ciphers = {ciphers, sizeof(ciphers) / 2, 2, 2},
		.ext_types = {exts, sizeof(exts) / 2, 2, 2},
		.sig_algs = {sigs, sizeof(sigs) / 2, 2, 2},
		.versions = {versions, 2, 2, 2},
		.alpn = {(const uint8_t *)"h2", 2},
		.has_sni = true,
	};
	char ja4[SM_TLS_JA4_LEN + 1];

	(void)state;
	assert_int_equal(sm_tls_fp_ja4(&ch, ja4), 0);
	assert_string_equal(ja4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	/* Same without signature algorithms: JA4.md gives 6d807ffa2a79 for
	 * the extension list alone. */
	ch.sig_algs.n = 0;
	assert_int_equal(sm_tls_fp_ja4(&ch, ja4), 0);
	assert_string_equal(ja4 + 24, "6d807ffa2a79");
}

/* JA4.md "ALPN Extension Value": hex form when an end is not alphanumeric. */
static void
test_ja4_alpn_rules(void **state)
{
	static const struct {
		const char *alpn;
		size_t len;
		const char *want;
	} rows[] = {
		{"\xab", 1, "ab"}, {"\x20", 1, "20"}, {"\xab\xcd", 2, "ad"},
		{"\x20\x61", 2, "21"}, {"\x30\xab", 2, "3b"}, {"\x61\x20", 2, "60"},
		{"\x30\x31\xab\xcd", 4, "3d"}, {"\x30\xab\xcd\x31", 4, "01"},
		{"http/1.1", 8, "h1"}, {"h", 1, "hh"}, {"", 0, "00"},
	};
	static const uint8_t cipher[] = {0x00, 0x2f};
	char ja4[SM_TLS_JA4_LEN + 1];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct sm_tls_hello ch = {
			.version = 0x0303,
			.ciphers = {cipher, 1, 2, 2},
			.alpn = {(const uint8_t *)rows[i].alpn, (uint32_t)rows[i].len},
		};

		assert_int_equal(sm_tls_fp_ja4(&ch, ja4), 0);
		/* "t12i0100" then the two ALPN characters */
		assert_memory_equal(ja4 + 8, rows[i].want, 2);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_trace_hellos),
		cmocka_unit_test(test_trace_flows),
		cmocka_unit_test(test_ja4_spec_example),
		cmocka_unit_test(test_ja4_alpn_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
