/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session filter on its own: setting keys (abbreviated, as ranges,
 * negated), FortiOS's error codes and the word each quotes, the `session
 * filter:` display against the verbatim 7.x sample, and matching on
 * hand-built views. Expected texts are written out by hand from
 * ../shared/fortigate/samples; each names its sample.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/sess_filter.h"
#include "sessmon/sess_view.h"

#include "vectors/filter_show.h"

/* ------------------------------------------------------------------ */
/* helpers */

static struct sm_sess_filter_error err;

/* Run `filter <w[0]> <w[1]> ...` (w ends with NULL). */
static int
set_words(struct sm_sess_filter *f, const char *const *w)
{
	size_t n = 0;

	while (w[n + 1] != NULL)
		n++;
	memset(&err, 0x5a, sizeof(err));
	return sm_sess_filter_set(f, w[0], n, w + 1, &err);
}

#define SET(f, ...) set_words((f), (const char *const[]){ __VA_ARGS__, NULL })

static char *
render(const struct sm_sess_filter *f)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	assert_int_equal(sm_sess_filter_print(out, f), 0);
	assert_int_equal(fclose(out), 0);
	return text;
}

static void
assert_shows(const struct sm_sess_filter *f, const char *want)
{
	char *got = render(f);

	assert_string_equal(got, want);
	free(got);
}

static void
put_addr(int family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out), 1);
}

/* A session from @src:@sport to @dst:@dport; the reply direction mirrors it. */
static struct sm_sess_view
view(int family, uint8_t proto, const char *src, uint16_t sport, const char *dst,
     uint16_t dport)
{
	struct sm_sess_view v;

	memset(&v, 0, sizeof(v));
	v.family = (uint8_t)family;
	v.proto = proto;
	put_addr(family, src, v.dir[SM_DIR_ORIG].src);
	put_addr(family, dst, v.dir[SM_DIR_ORIG].dst);
	put_addr(family, dst, v.dir[SM_DIR_REPLY].src);
	put_addr(family, src, v.dir[SM_DIR_REPLY].dst);
	v.dir[SM_DIR_ORIG].sport = sport;
	v.dir[SM_DIR_ORIG].dport = dport;
	v.dir[SM_DIR_REPLY].sport = dport;
	v.dir[SM_DIR_REPLY].dport = sport;
	return v;
}

/* ------------------------------------------------------------------ */
/* display */

static void
test_show_empty(void **state)
{
	struct sm_sess_filter f;

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_shows(&f, show_empty);
}

static void
test_show_after_proto_src(void **state)
{
	struct sm_sess_filter f;

	(void)state;
	sm_sess_filter_init(&f, 4);
	/* The sample's commands: `filter proto 1`, `filter src 192.168.1.10`. */
	assert_int_equal(SET(&f, "proto", "1"), 0);
	assert_int_equal(SET(&f, "src", "192.168.1.10"), 0);
	/* session-filter-show-7.x.txt, second listing (its author stopped at
	 * state1; state2 is the empty listing's last line). */
	assert_shows(&f,
		     "session filter:\n"
		     "\tvd: any\n"
		     "\tsintf: any\n"
		     "\tdintf: any\n"
		     "\tproto: 1-1\n"
		     "\tproto-state: any\n"
		     "\tsource ip: 192.168.1.10-192.168.1.10\n"
		     "\tNAT'd source ip: any\n"
		     "\tdest ip: any\n"
		     "\tsource port: any\n"
		     "\tNAT'd source port: any\n"
		     "\tdest port: any\n"
		     "\tpolicy id: any\n"
		     "\texpire: any\n"
		     "\tduration: any\n"
		     "\tstate1: any\n"
		     "\tstate2: any\n");
}

/* Every key sessmon takes, each with a value, one negated. */
static void
test_show_every_key(void **state)
{
	struct sm_sess_filter f;

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "vd", "3"), 0);
	assert_int_equal(SET(&f, "proto", "6", "17"), 0);
	assert_int_equal(SET(&f, "proto-state", "1"), 0);
	assert_int_equal(SET(&f, "src", "10.0.0.0", "10.0.0.255"), 0);
	assert_int_equal(SET(&f, "dst", "192.168.0.4"), 0);
	assert_int_equal(SET(&f, "sport", "0", "1023"), 0);
	assert_int_equal(SET(&f, "dport", "22"), 0);
	assert_int_equal(SET(&f, "negate", "dport"), 0);
	assert_int_equal(SET(&f, "policy", "4294967295"), 0);
	assert_int_equal(SET(&f, "expire", "10", "3600"), 0);
	assert_int_equal(SET(&f, "duration", "0"), 0);
	/* Ranges `low-high` (README §5); vd one index; `!` marks negation
	 * (sessmon's choice: no sample shows it). */
	assert_shows(&f,
		     "session filter:\n"
		     "\tvd: 3\n"
		     "\tsintf: any\n"
		     "\tdintf: any\n"
		     "\tproto: 6-17\n"
		     "\tproto-state: 1-1\n"
		     "\tsource ip: 10.0.0.0-10.0.0.255\n"
		     "\tNAT'd source ip: any\n"
		     "\tdest ip: 192.168.0.4-192.168.0.4\n"
		     "\tsource port: 0-1023\n"
		     "\tNAT'd source port: any\n"
		     "\tdest port: !22-22\n"
		     "\tpolicy id: 4294967295-4294967295\n"
		     "\texpire: 10-3600\n"
		     "\tduration: 0-0\n"
		     "\tstate1: any\n"
		     "\tstate2: any\n");
}

static void
test_clear_and_vd_any(void **state)
{
	struct sm_sess_filter f;
	char *text;

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "vd", "2"), 0);
	assert_int_equal(SET(&f, "vd", "-1"), 0);   /* "-1 matches all" (filter ?) */
	assert_shows(&f, show_empty);

	assert_int_equal(SET(&f, "dport", "80"), 0);
	assert_int_equal(SET(&f, "negate", "src"), 0);
	assert_int_equal(SET(&f, "clear"), 0);
	assert_shows(&f, show_empty);
	/* Negation went with clear: a new src is plain. */
	assert_int_equal(SET(&f, "src", "1.2.3.4"), 0);
	text = render(&f);
	assert_non_null(strstr(text, "\tsource ip: 1.2.3.4-1.2.3.4\n"));
	free(text);
}

/* ------------------------------------------------------------------ */
/* abbreviations */

static void
test_abbreviated_keys(void **state)
{
	struct sm_sess_filter f, want;

	(void)state;
	sm_sess_filter_init(&f, 4);
	sm_sess_filter_init(&want, 4);
	assert_int_equal(SET(&want, "dport", "80"), 0);
	assert_int_equal(SET(&want, "proto", "6"), 0);
	assert_int_equal(SET(&want, "proto-state", "1"), 0);
	assert_int_equal(SET(&want, "negate", "dport"), 0);

	assert_int_equal(SET(&f, "dp", "80"), 0);
	/* `pro` starts proto and proto-state; proto is a prefix of the
	 * other, so it is proto. */
	assert_int_equal(SET(&f, "pro", "6"), 0);
	assert_int_equal(SET(&f, "proto-s", "1"), 0);
	assert_int_equal(SET(&f, "neg", "dp"), 0);
	assert_memory_equal(&f, &want, sizeof(f));

	assert_int_equal(SET(&f, "cl"), 0);
	sm_sess_filter_init(&want, 4);
	assert_memory_equal(&f, &want, sizeof(f));
}

/* ------------------------------------------------------------------ */
/* errors: code, quoted word, reason line; the filter stays as it was */

struct err_case {
	const char *words[6];
	int rc;
	const char *word;    /* NULL: end of line */
	const char *reason;
};

static const struct err_case err_cases[] = {
	/* unknown and ambiguous keys: -61 */
	{ { "bogus", "1" }, -61, "bogus", NULL },
	{ { "d", "1" }, -61, "d", NULL },           /* dst, dport, duration */
	{ { "s", "1" }, -61, "s", NULL },           /* src, sport */
	{ { "", "1" }, -61, "", NULL },
	{ { "nsrc", "1.2.3.4" }, -61, "nsrc", NULL }, /* FortiOS key sessmon lacks */
	{ { "Dport", "1" }, -61, "Dport", NULL },
	/* missing values: -160 */
	{ { "dport" }, -160, NULL, NULL },
	{ { "src" }, -160, NULL, NULL },
	{ { "negate" }, -160, NULL, NULL },
	/* words too many: -61 on the first extra */
	{ { "dport", "80", "90", "100" }, -61, "100", NULL },
	{ { "vd", "1", "2" }, -61, "2", NULL },
	{ { "clear", "now" }, -61, "now", NULL },
	{ { "negate", "src", "dst" }, -61, "dst", NULL },
	{ { "negate", "bogus" }, -61, "bogus", NULL },
	{ { "negate", "clear" }, -61, "clear", NULL },
	{ { "negate", "negate" }, -61, "negate", NULL },
	/* bad values: -8, a value error before a word too many after it */
	{ { "sport", "abc" }, -8, "abc", NULL },
	{ { "dport", "abc", "90", "100" }, -8, "abc", NULL },
	{ { "dport", "65536" }, -8, "65536", NULL },
	{ { "dport", "-1" }, -8, "-1", NULL },
	{ { "dport", "+1" }, -8, "+1", NULL },
	{ { "dport", "0x16" }, -8, "0x16", NULL },
	{ { "dport", "" }, -8, "", NULL },
	{ { "dport", "80", "70" }, -8, "70", NULL },  /* end below start */
	{ { "dport", "80", "x" }, -8, "x", NULL },
	{ { "proto", "256" }, -8, "256", NULL },
	{ { "proto", "tcp" }, -8, "tcp", NULL },
	{ { "proto-state", "256" }, -8, "256", NULL },
	{ { "policy", "4294967296" }, -8, "4294967296", NULL },
	{ { "policy", "99999999999999999999999" }, -8, "99999999999999999999999", NULL },
	{ { "vd", "65536" }, -8, "65536", NULL },
	{ { "vd", "-2" }, -8, "-2", NULL },
	{ { "vd", "any" }, -8, "any", NULL },
	/* cli-error-outputs-netdriver.txt block 5: `invalid ip address`, a
	 * blank line, `value parse error before '1.1'`, code -8 */
	{ { "src", "1.1" }, -8, "1.1", "invalid ip address" },
	{ { "dst", "10.0.0.256" }, -8, "10.0.0.256", "invalid ip address" },
	{ { "src", "2001:db8::1" }, -8, "2001:db8::1", "invalid ip address" },
	{ { "src", "10.0.0.1", "nope" }, -8, "nope", "invalid ip address" },
	{ { "src", "10.0.0.2", "10.0.0.1" }, -8, "10.0.0.1", NULL },
};

/* Both NULL, or equal strings. */
static bool
same(const char *got, const char *want)
{
	return got == NULL || want == NULL ? got == want : strcmp(got, want) == 0;
}

static void
test_errors(void **state)
{
	struct sm_sess_filter f, before;

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "dport", "22"), 0);
	assert_int_equal(SET(&f, "src", "10.3.0.4"), 0);
	assert_int_equal(SET(&f, "negate", "src"), 0);
	before = f;
	for (size_t i = 0; i < sizeof(err_cases) / sizeof(err_cases[0]); i++) {
		const struct err_case *c = &err_cases[i];
		size_t n = 0;

		while (n + 1 < 6 && c->words[n + 1] != NULL)
			n++;
		int rc;

		memset(&err, 0x5a, sizeof(err));
		rc = sm_sess_filter_set(&f, c->words[0], n, c->words + 1, &err);
		if (rc != c->rc || !same(err.word, c->word) || !same(err.reason, c->reason) ||
		    memcmp(&f, &before, sizeof(f)) != 0)
			fail_msg("case %zu (%s ...): rc %d, word %s, reason %s", i, c->words[0], rc,
				 err.word != NULL ? err.word : "(end)",
				 err.reason != NULL ? err.reason : "(none)");
	}
}

/* Numbers at their limits are values. */
static void
test_limits(void **state)
{
	struct sm_sess_filter f;

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "dport", "0", "65535"), 0);
	assert_int_equal(SET(&f, "proto", "255"), 0);
	assert_int_equal(SET(&f, "vd", "65535"), 0);
	assert_int_equal(SET(&f, "policy", "0", "4294967295"), 0);
	assert_int_equal(SET(&f, "expire", "007"), 0);   /* decimal, leading zeros */
	assert_int_equal(SET(&f, "src", "0.0.0.0", "255.255.255.255"), 0);
}

/* ------------------------------------------------------------------ */
/* matching */

static void
test_match_empty(void **state)
{
	struct sm_sess_filter f4, f6;
	struct sm_sess_view v4 = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);
	struct sm_sess_view v6 = view(6, 17, "2001:db8::1", 5000, "2001:db8::2", 53);

	(void)state;
	sm_sess_filter_init(&f4, 4);
	sm_sess_filter_init(&f6, 6);
	assert_true(sm_sess_filter_match(&f4, &v4));
	assert_false(sm_sess_filter_match(&f4, &v6));
	assert_true(sm_sess_filter_match(&f6, &v6));
	assert_false(sm_sess_filter_match(&f6, &v4));
}

/* src/dst/sport/dport are the original direction's, not either side's. */
static void
test_match_orig_direction(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view v = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "src", "10.3.0.4"), 0);
	assert_true(sm_sess_filter_match(&f, &v));
	assert_int_equal(SET(&f, "src", "192.168.0.4"), 0);  /* the reply's source */
	assert_false(sm_sess_filter_match(&f, &v));

	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "dst", "192.168.0.4"), 0);
	assert_true(sm_sess_filter_match(&f, &v));
	assert_int_equal(SET(&f, "dst", "10.3.0.4"), 0);
	assert_false(sm_sess_filter_match(&f, &v));

	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "sport", "56712"), 0);
	assert_true(sm_sess_filter_match(&f, &v));
	assert_int_equal(SET(&f, "sport", "22"), 0);
	assert_false(sm_sess_filter_match(&f, &v));

	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "dport", "22"), 0);
	assert_true(sm_sess_filter_match(&f, &v));
	assert_int_equal(SET(&f, "dport", "56712"), 0);
	assert_false(sm_sess_filter_match(&f, &v));
}

/* Range ends are inclusive; addresses compare as numbers. */
static void
test_match_ranges(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view lo = view(4, 17, "10.0.0.0", 1000, "10.0.1.255", 53);
	struct sm_sess_view mid = view(4, 17, "10.0.0.200", 1500, "10.0.1.0", 53);
	struct sm_sess_view hi = view(4, 17, "10.0.1.0", 2000, "10.0.0.0", 53);
	struct sm_sess_view out = view(4, 17, "9.255.255.255", 2001, "10.0.2.0", 53);

	(void)state;
	sm_sess_filter_init(&f, 4);
	/* 10.0.0.0-10.0.1.0 crosses a byte boundary: 10.0.0.200 < 10.0.1.0 */
	assert_int_equal(SET(&f, "src", "10.0.0.0", "10.0.1.0"), 0);
	assert_true(sm_sess_filter_match(&f, &lo));
	assert_true(sm_sess_filter_match(&f, &mid));
	assert_true(sm_sess_filter_match(&f, &hi));
	assert_false(sm_sess_filter_match(&f, &out));

	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "sport", "1000", "2000"), 0);
	assert_true(sm_sess_filter_match(&f, &lo));
	assert_true(sm_sess_filter_match(&f, &mid));
	assert_true(sm_sess_filter_match(&f, &hi));
	assert_false(sm_sess_filter_match(&f, &out));
}

/* Each numeric key tests its view field. */
static void
test_match_numbers(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view v = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);
	static const struct {
		const char *key, *yes, *no;
	} cases[] = {
		{ "vd", "5", "0" },
		{ "proto", "6", "17" },
		{ "proto-state", "1", "0" },
		{ "policy", "4294967295", "0" },
		{ "expire", "3599", "3600" },
		{ "duration", "12", "13" },
	};

	(void)state;
	v.vd = 5;
	v.proto_state = 1;
	v.policy = 4294967295u;
	v.expire = 3599;
	v.duration = 12;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		sm_sess_filter_init(&f, 4);
		assert_int_equal(SET(&f, cases[i].key, cases[i].yes), 0);
		assert_true(sm_sess_filter_match(&f, &v));
		assert_int_equal(SET(&f, cases[i].key, cases[i].no), 0);
		assert_false(sm_sess_filter_match(&f, &v));
	}
}

/* Keys are ANDed. */
static void
test_match_and(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view ssh = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);
	struct sm_sess_view dns = view(4, 17, "10.3.0.4", 5353, "192.168.0.4", 53);

	(void)state;
	sm_sess_filter_init(&f, 4);
	assert_int_equal(SET(&f, "src", "10.3.0.4"), 0);
	assert_int_equal(SET(&f, "proto", "17"), 0);
	assert_false(sm_sess_filter_match(&f, &ssh));
	assert_true(sm_sess_filter_match(&f, &dns));
}

static void
test_match_negate(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view ssh = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);
	struct sm_sess_view web = view(4, 6, "10.3.0.4", 56713, "192.168.0.4", 80);

	(void)state;
	sm_sess_filter_init(&f, 4);
	/* Negating a key without a value changes nothing yet. */
	assert_int_equal(SET(&f, "negate", "dport"), 0);
	assert_true(sm_sess_filter_match(&f, &ssh));
	assert_true(sm_sess_filter_match(&f, &web));
	/* Once dport has a value the test is inverted: all but port 22. */
	assert_int_equal(SET(&f, "dport", "22"), 0);
	assert_false(sm_sess_filter_match(&f, &ssh));
	assert_true(sm_sess_filter_match(&f, &web));
	/* A negated key still ANDs with the others. */
	assert_int_equal(SET(&f, "proto", "17"), 0);
	assert_false(sm_sess_filter_match(&f, &web));
	/* Negation is per key: proto is not inverted. */
	assert_int_equal(SET(&f, "proto", "6"), 0);
	assert_true(sm_sess_filter_match(&f, &web));
	/* Negating again is idempotent. */
	assert_int_equal(SET(&f, "negate", "dport"), 0);
	assert_true(sm_sess_filter_match(&f, &web));
}

static void
test_ipv6(void **state)
{
	struct sm_sess_filter f;
	struct sm_sess_view in = view(6, 6, "2001:db8::10", 40000, "2001:db8:1::2", 443);
	struct sm_sess_view edge = view(6, 6, "2001:db8::ff", 40000, "2001:db8:1::2", 443);
	struct sm_sess_view out = view(6, 6, "2001:db8::100", 40000, "2001:db8:1::2", 443);
	char *text;

	(void)state;
	sm_sess_filter_init(&f, 6);
	assert_int_equal(SET(&f, "src", "2001:db8::1", "2001:db8::ff"), 0);
	assert_true(sm_sess_filter_match(&f, &in));
	assert_true(sm_sess_filter_match(&f, &edge));
	assert_false(sm_sess_filter_match(&f, &out));
	assert_int_equal(SET(&f, "dst", "2001:DB8:1:0::2"), 0);   /* any spelling */
	assert_true(sm_sess_filter_match(&f, &in));

	/* Shown in inet_ntop's canonical form. */
	text = render(&f);
	assert_non_null(strstr(text, "\tsource ip: 2001:db8::1-2001:db8::ff\n"));
	assert_non_null(strstr(text, "\tdest ip: 2001:db8:1::2-2001:db8:1::2\n"));
	free(text);

	/* An IPv6 filter takes IPv6 addresses only. */
	assert_int_equal(SET(&f, "src", "10.0.0.1"), -8);
	assert_string_equal(err.word, "10.0.0.1");
	assert_string_equal(err.reason, "invalid ip address");
	/* Nor does it match an IPv4 session, whatever its keys. */
	sm_sess_filter_init(&f, 6);
	assert_int_equal(SET(&f, "dport", "22"), 0);
	in = view(4, 6, "10.3.0.4", 56712, "192.168.0.4", 22);
	assert_false(sm_sess_filter_match(&f, &in));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_show_empty),
		cmocka_unit_test(test_show_after_proto_src),
		cmocka_unit_test(test_show_every_key),
		cmocka_unit_test(test_clear_and_vd_any),
		cmocka_unit_test(test_abbreviated_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_match_empty),
		cmocka_unit_test(test_match_orig_direction),
		cmocka_unit_test(test_match_ranges),
		cmocka_unit_test(test_match_numbers),
		cmocka_unit_test(test_match_and),
		cmocka_unit_test(test_match_negate),
		cmocka_unit_test(test_ipv6),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
