/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server certificate's names and validity, read by libcrypto (d2i_X509):
 * sessmon parses no ASN.1 itself. Subject and issuer print as RFC 2253
 * (openssl's -nameopt RFC2253); subjectAltName keeps the dNSName entries.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "sessmon/tls.h"

static bool
name_text(const X509_NAME *name, char *dst, size_t cap)
{
	BIO *bio = BIO_new(BIO_s_mem());
	bool cut = false;
	char *text;
	long n;

	dst[0] = '\0';
	if (bio == NULL)
		return false;
	if (X509_NAME_print_ex(bio, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(bio, &text);
		if (n > 0)
			cut = sm_tls_text_put(dst, cap, 0, (const uint8_t *)text, (size_t)n);
	}
	BIO_free(bio);
	return cut;
}

/* DNS names of subjectAltName joined by ','. */
static bool
sans_text(X509 *x, char *dst, size_t cap)
{
	GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	size_t at = 0;
	bool cut = false;

	dst[0] = '\0';
	if (gens == NULL)
		return false;
	for (int i = 0; i < sk_GENERAL_NAME_num(gens) && !cut; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_STRING *s;
		int len;

		if (g->type != GEN_DNS)
			continue;
		s = g->d.dNSName;
		len = ASN1_STRING_length(s);
		if (at > 0)
			cut = sm_tls_text_put(dst, cap, at, (const uint8_t *)",", 1);
		at = strlen(dst);
		if (!cut)
			cut = sm_tls_text_put(dst, cap, at, ASN1_STRING_get0_data(s), (size_t)len);
		at = strlen(dst);
	}
	GENERAL_NAMES_free(gens);
	return cut;
}

static int64_t
time_of(const ASN1_TIME *t)
{
	struct tm tm;

	if (t == NULL || ASN1_TIME_to_tm(t, &tm) != 1)
		return 0;
	return (int64_t)timegm(&tm);
}

int
sm_tls_cert_parse(const uint8_t *der, size_t len, struct sm_tls_cert *out)
{
	const unsigned char *p = der;
	X509 *x;

	if (len > INT32_MAX)
		return -EBADMSG;
	x = d2i_X509(NULL, &p, (long)len);
	if (x == NULL)
		return -EBADMSG;
	out->trunc = 0;
	if (name_text(X509_get_subject_name(x), out->subject, sizeof(out->subject)))
		out->trunc |= SM_TLS_TR_SUBJECT;
	if (name_text(X509_get_issuer_name(x), out->issuer, sizeof(out->issuer)))
		out->trunc |= SM_TLS_TR_ISSUER;
	if (sans_text(x, out->sans, sizeof(out->sans)))
		out->trunc |= SM_TLS_TR_SANS;
	out->not_before = time_of(X509_get0_notBefore(x));
	out->not_after = time_of(X509_get0_notAfter(x));
	X509_free(x);
	return 0;
}
