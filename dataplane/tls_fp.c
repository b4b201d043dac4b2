/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS client and server fingerprints: JA3 and JA3S (Salesforce, MD5 of a
 * decimal text form) and FoxIO's JA4 (technical_details/JA4.md of
 * github.com/FoxIO-LLC/ja4: a readable prefix and two truncated SHA-256).
 *
 * The hello comes pre-parsed (struct sm_tls_hello, filled by tls.c), so
 * nothing here reads the wire. Digests are fed piece by piece, so a long
 * list needs no text buffer; only JA4's sorting copies values, on the stack,
 * up to SM_TLS_FP_MAX of them. GREASE values (RFC 8701) are left out
 * everywhere, as both definitions require.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sessmon/common.h"
#include "sessmon/tls.h"

/* Hex digits kept of each JA4 hash. */
#define JA4_HASH_LEN 12

static int
feed(EVP_MD_CTX *md, const char *s)
{
	return EVP_DigestUpdate(md, s, strlen(s)) == 1 ? 0 : -EIO;
}

static bool
is_grease_entry(const struct sm_tls_vec *v, uint32_t x)
{
	/* GREASE values are 16-bit; 8-bit lists (point formats) have none. */
	return v->width == 2 && sm_tls_is_grease((uint16_t)x);
}

/* @p fmt_first / @p fmt_next print one value (JA3: "%u" / "-%u"). */
static int
feed_list(EVP_MD_CTX *md, const struct sm_tls_vec *v, const char *fmt_first,
	  const char *fmt_next)
{
	bool first = true;

	for (uint32_t i = 0; i < v->n; i++) {
		uint32_t x = sm_tls_vec_get(v, i);
		char s[16];

		if (is_grease_entry(v, x))
			continue;
		snprintf(s, sizeof(s), first ? fmt_first : fmt_next, x);
		first = false;
		if (feed(md, s) != 0)
			return -EIO;
	}
	return 0;
}

/* MD5 of JA3 fields: each a string or a list, joined by ','. */
static int
md5_fields(const struct sm_tls_vec *const *lists, unsigned int n, uint16_t version,
	   uint8_t md5[16])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	char s[16];
	int rc = -EIO;

	if (md == NULL || EVP_DigestInit_ex(md, EVP_md5(), NULL) != 1)
		goto out;
	snprintf(s, sizeof(s), "%u", version);
	if (feed(md, s) != 0)
		goto out;
	for (unsigned int i = 0; i < n; i++)
		if (feed(md, ",") != 0 || feed_list(md, lists[i], "%u", "-%u") != 0)
			goto out;
	if (EVP_DigestFinal_ex(md, md5, NULL) == 1)
		rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int
sm_tls_fp_ja3(const struct sm_tls_hello *ch, uint8_t md5[16])
{
	/* SSLVersion,Ciphers,Extensions,EllipticCurves,EllipticCurvePointFormats */
	const struct sm_tls_vec *lists[] = {
		&ch->ciphers, &ch->ext_types, &ch->groups, &ch->point_formats,
	};

	return md5_fields(lists, SM_ARRAY_SIZE(lists), ch->version, md5);
}

int
sm_tls_fp_ja3s(const struct sm_tls_hello *sh, uint8_t md5[16])
{
	/* SSLVersion,Cipher,Extensions */
	const struct sm_tls_vec *lists[] = {&sh->ciphers, &sh->ext_types};

	return md5_fields(lists, SM_ARRAY_SIZE(lists), sh->version, md5);
}

/* JA4's two-character version (JA4.md "TLS and DTLS Version"). */
static const struct {
	uint16_t version;
	char code[3];
} ja4_versions[] = {
	{0x0304, "13"}, {0x0303, "12"}, {0x0302, "11"}, {0x0301, "10"},
	{0x0300, "s3"}, {0x0002, "s2"}, {0xfeff, "d1"}, {0xfefd, "d2"},
	{0xfefc, "d3"},
};

static const char *
ja4_version(const struct sm_tls_hello *ch)
{
	uint16_t v = ch->version;

	/* The highest supported_versions entry, when the extension is there. */
	if (ch->versions.n > 0) {
		v = 0;
		for (uint32_t i = 0; i < ch->versions.n; i++) {
			uint16_t x = (uint16_t)sm_tls_vec_get(&ch->versions, i);

			if (!sm_tls_is_grease(x) && x > v)
				v = x;
		}
	}
	for (size_t i = 0; i < SM_ARRAY_SIZE(ja4_versions); i++)
		if (ja4_versions[i].version == v)
			return ja4_versions[i].code;
	return "00";
}

static bool
is_alnum(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

/* First and last character of the first ALPN id, or of its hex form when
 * either end is not alphanumeric; "00" without one (JA4.md "ALPN"). */
static void
ja4_alpn(const struct sm_tls_bytes *a, char out[3])
{
	static const char hex[] = "0123456789abcdef";
	uint8_t f, l;

	if (a->len == 0) {
		memcpy(out, "00", 3);
		return;
	}
	f = a->p[0];
	l = a->p[a->len - 1];
	if (is_alnum(f) && is_alnum(l)) {
		out[0] = (char)f;
		out[1] = (char)l;
	} else {
		out[0] = hex[f >> 4];
		out[1] = hex[l & 0x0f];
	}
	out[2] = '\0';
}

/* Counts print as two digits, 99 at most (JA4.md "Number of Ciphers"). */
static unsigned int
count2(uint32_t n)
{
	return n < 99 ? n : 99;
}

static int
cmp_u16(const void *a, const void *b)
{
	return (int)*(const uint16_t *)a - (int)*(const uint16_t *)b;
}

/* Non-GREASE entries of @p v not in @p drop (n_drop values), in order;
 * @return their number. @p out holds SM_TLS_FP_MAX. */
static uint32_t
collect(const struct sm_tls_vec *v, const uint16_t *drop, unsigned int n_drop,
	uint16_t *out)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < v->n && n < SM_TLS_FP_MAX; i++) {
		uint16_t x = (uint16_t)sm_tls_vec_get(v, i);
		bool skip = sm_tls_is_grease(x);

		for (unsigned int k = 0; k < n_drop; k++)
			skip = skip || x == drop[k];
		if (!skip)
			out[n++] = x;
	}
	return n;
}

static int
feed_hex_list(EVP_MD_CTX *md, const uint16_t *a, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		char s[8];

		snprintf(s, sizeof(s), i == 0 ? "%04x" : ",%04x", a[i]);
		if (feed(md, s) != 0)
			return -EIO;
	}
	return 0;
}

/* First JA4_HASH_LEN hex digits of SHA-256 of list a (hex, ','), then, if
 * n_b > 0, '_' and list b; twelve '0' when list a is empty. */
static int
ja4_hash(const uint16_t *a, uint32_t n_a, const uint16_t *b, uint32_t n_b,
	 char out[JA4_HASH_LEN + 1])
{
	uint8_t d[EVP_MAX_MD_SIZE];
	EVP_MD_CTX *md;
	int rc = -EIO;

	if (n_a == 0) {
		memset(out, '0', JA4_HASH_LEN);
		out[JA4_HASH_LEN] = '\0';
		return 0;
	}
	md = EVP_MD_CTX_new();
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		goto out;
	if (feed_hex_list(md, a, n_a) != 0)
		goto out;
	if (n_b > 0 && (feed(md, "_") != 0 || feed_hex_list(md, b, n_b) != 0))
		goto out;
	if (EVP_DigestFinal_ex(md, d, NULL) != 1)
		goto out;
	for (unsigned int i = 0; i < JA4_HASH_LEN / 2; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

int
sm_tls_fp_ja4(const struct sm_tls_hello *ch, char *out)
{
	/* SNI and ALPN are in the readable part, not in the extension hash. */
	static const uint16_t sni_alpn[] = {0x0000, 0x0010};
	uint16_t ciphers[SM_TLS_FP_MAX], exts[SM_TLS_FP_MAX], sigs[SM_TLS_FP_MAX];
	uint32_t n_c, n_e, n_all, n_s;
	char alpn[3], hb[JA4_HASH_LEN + 1], hc[JA4_HASH_LEN + 1];

	if (ch->ciphers.n > SM_TLS_FP_MAX || ch->ext_types.n > SM_TLS_FP_MAX ||
	    ch->sig_algs.n > SM_TLS_FP_MAX)
		return -E2BIG;
	n_c = collect(&ch->ciphers, NULL, 0, ciphers);
	n_all = collect(&ch->ext_types, NULL, 0, exts);
	n_e = collect(&ch->ext_types, sni_alpn, SM_ARRAY_SIZE(sni_alpn), exts);
	n_s = collect(&ch->sig_algs, NULL, 0, sigs);
	qsort(ciphers, n_c, sizeof(ciphers[0]), cmp_u16);
	qsort(exts, n_e, sizeof(exts[0]), cmp_u16);
	ja4_alpn(&ch->alpn, alpn);
	if (ja4_hash(ciphers, n_c, NULL, 0, hb) != 0 || ja4_hash(exts, n_e, sigs, n_s, hc) != 0)
		return -EIO;
	snprintf(out, SM_TLS_JA4_LEN + 1, "t%s%c%02u%02u%s_%s_%s", ja4_version(ch),
		 ch->has_sni ? 'd' : 'i', count2(n_c), count2(n_all), alpn, hb, hc);
	return 0;
}
