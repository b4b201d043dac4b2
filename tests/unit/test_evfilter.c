/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The event filter against Dovecot's documented semantics
 * (doc.dovecot.org, "Event Filtering": event names case-sensitive
 * wildcard matches, fields case-insensitive, AND/OR/NOT, =, <, >, <=, >=)
 * and the example. Columns in the error vectors are counted by
 * hand from 1.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/evfilter.h"

/* One event: a few fields as text, as the JSON writer's getter gives them. */
struct fake {
	const char *kv[16][2];
};

static const char *
get(void *ctx, const char *key)
{
	const struct fake *e = ctx;

	for (size_t i = 0; i < 16 && e->kv[i][0] != NULL; i++)
		if (strcmp(e->kv[i][0], key) == 0)
			return e->kv[i][1];
	return NULL;
}

static const struct fake tls_hello = { {
	{ "event", "ssl_client_hello" }, { "proto", "tcp" }, { "port", "443" },
	{ "server_name", "www.Example.com" }, { "orig_h", "10.0.0.1" }, { "version", "771" },
} };
static const struct fake established = { {
	{ "event", "ssl_established" }, { "alias", "CLIENTSSL_HANDSHAKE" }, { "proto", "tcp" },
	{ "port", "8443" },
} };
static const struct fake dns = { {
	{ "event", "udp_session_done" }, { "proto", "udp" }, { "port", "53" },
} };

struct match_vec {
	const char *filter;
	bool hello, est, dns;   /* expected result on each event */
};

static void
test_match(void **state)
{
	static const struct match_vec t[] = {
		/* the example */
		{ "event=ssl_* AND (server_name=*.example.com OR port=443) AND NOT proto=udp",
		  true, false, false },
		/* event names are case-sensitive, fields are not */
		{ "event=SSL_*", false, false, false },
		{ "server_name=WWW.EXAMPLE.COM", true, false, false },
		{ "proto=TCP", true, true, false },
		/* the alias names the same event */
		{ "event=CLIENTSSL_HANDSHAKE", false, true, false },
		{ "event=clientssl_handshake", false, false, false },
		/* ? is one character; \* is a literal star */
		{ "port=4?3", true, false, false },
		{ "port=44?", true, false, false },
		{ "server_name=www\\*", false, false, false },
		{ "server_name=*", true, false, false },
		/* missing fields match nothing, so NOT passes them */
		{ "server_name=*", true, false, false },
		{ "NOT server_name=*", false, true, true },
		/* numbers */
		{ "port>443", false, true, false },
		{ "port>=443", true, true, false },
		{ "port<443", false, false, true },
		{ "port<=53", false, false, true },
		{ "server_name>1", false, false, false },  /* not a number: no match */
		/* precedence: NOT > AND > OR */
		{ "proto=udp OR proto=tcp AND port=443", true, false, true },
		{ "(proto=udp OR proto=tcp) AND port=443", true, false, false },
		{ "NOT proto=udp AND NOT port=443", false, true, false },
		{ "not (proto=udp or port=443)", false, true, false },
		/* quoted values, a quoted keyword is a value */
		{ "server_name=\"www.example.com\"", true, false, false },
		{ "event=\"ssl_established\" OR proto=\"AND\"", false, true, false },
		{ "proto=and", false, false, false },
	};
	const struct fake *ev[] = { &tls_hello, &established, &dns };

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sm_evfilter *f = NULL;
		char err[128];
		bool want[] = { t[i].hello, t[i].est, t[i].dns };

		print_message("%s\n", t[i].filter);
		assert_int_equal(sm_evfilter_compile(t[i].filter, &f, err, sizeof(err)), 0);
		for (size_t k = 0; k < 3; k++)
			assert_int_equal(sm_evfilter_match(f, get, (void *)ev[k]), want[k]);
		sm_evfilter_free(f);
	}
}

/* Canonical text: fully parenthesised, values quoted, and it compiles back
 * to itself. */
static void
test_format(void **state)
{
	static const char *const t[][2] = {
		{ "a=1", "a=\"1\"" },
		{ "a=1 and b<2 OR NOT c>=3", "((a=\"1\" AND b<\"2\") OR (NOT c>=\"3\"))" },
		{ "a=1 AND b=2 AND c=3", "(a=\"1\" AND b=\"2\" AND c=\"3\")" },
		/* \\ reads as one backslash; one before t needs no doubling */
		{ "x=\"q\\\"uo\\\\te\"", "x=\"q\\\"uo\\te\"" },
		{ "x=back\\", "x=\"back\\\\\"" },
		{ "x=\\*lit", "x=\"\\*lit\"" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sm_evfilter *f = NULL, *g = NULL;
		char err[128], a[256], b[256];

		assert_int_equal(sm_evfilter_compile(t[i][0], &f, err, sizeof(err)), 0);
		assert_int_equal(sm_evfilter_format(f, a, sizeof(a)), (int)strlen(t[i][1]));
		assert_string_equal(a, t[i][1]);
		assert_int_equal(sm_evfilter_compile(a, &g, err, sizeof(err)), 0);
		sm_evfilter_format(g, b, sizeof(b));
		assert_string_equal(a, b);
		sm_evfilter_free(f);
		sm_evfilter_free(g);
	}
}

/* A quoted value's escapes: \" and \\ stand for " and \. */
static void
test_quoted_value(void **state)
{
	static const struct fake e = { { { "q", "say \"hi\" \\o/" } } };
	struct sm_evfilter *f = NULL;
	char err[128];

	(void)state;
	assert_int_equal(sm_evfilter_compile("q=\"say \\\"hi\\\" \\\\o/\"", &f, err, sizeof(err)), 0);
	assert_true(sm_evfilter_match(f, get, (void *)&e));
	sm_evfilter_free(f);
}

static void
test_errors(void **state)
{
	static const struct {
		const char *filter;
		const char *err;
	} t[] = {
		{ "", "column 1: empty filter" },
		{ "   ", "column 4: empty filter" },
		{ "event", "column 6: expected =, <, >, <= or >= after the field name" },
		{ "event=", "column 7: expected a value after =" },
		{ "event=x AND", "column 12: a comparison is missing at the end" },
		{ "event=x port=1", "column 9: expected AND, OR or the end" },
		{ "(event=x", "column 9: expected ')'" },
		{ "event=x)", "column 8: ')' without '('" },
		{ "=x", "column 1: expected a field name" },
		{ "a=\"open", "column 3: unterminated quoted string" },
		{ "a=1 OR OR b=2", "column 8: expected a field name" },
		{ "a<=", "column 4: expected a value after <=" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct sm_evfilter *f = NULL;
		char err[128] = "";

		print_message("%s\n", t[i].filter);
		assert_int_equal(sm_evfilter_compile(t[i].filter, &f, err, sizeof(err)), -EINVAL);
		assert_string_equal(err, t[i].err);
		assert_null(f);
	}
}

/* Hostile sizes: deep nesting and long text are refused, long flat chains
 * are fine (they cost no depth). */
static void
test_limits(void **state)
{
	static char text[SM_EVFILTER_MAX_LEN + 64];
	struct sm_evfilter *f = NULL;
	char err[128];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < SM_EVFILTER_MAX_DEPTH + 1; i++)
		text[n++] = '(';
	n += (size_t)sprintf(text + n, "a=1");
	for (int i = 0; i < SM_EVFILTER_MAX_DEPTH + 1; i++)
		text[n++] = ')';
	text[n] = '\0';
	assert_int_equal(sm_evfilter_compile(text, &f, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "column 65: nested deeper than 64");
	/* 64 levels are accepted */
	memmove(text, text + 1, n);
	text[n - 2] = '\0';
	assert_int_equal(sm_evfilter_compile(text, &f, err, sizeof(err)), 0);
	sm_evfilter_free(f);
	/* a flat chain of 300 comparisons */
	n = 0;
	for (int i = 0; i < 300; i++)
		n += (size_t)sprintf(text + n, "%sx=%d", i ? " OR " : "", i);
	assert_int_equal(sm_evfilter_compile(text, &f, err, sizeof(err)), 0);
	static const struct fake e = { { { "x", "299" } } };
	assert_true(sm_evfilter_match(f, get, (void *)&e));
	sm_evfilter_free(f);
	/* too long */
	memset(text, 'a', SM_EVFILTER_MAX_LEN + 1);
	text[SM_EVFILTER_MAX_LEN + 1] = '\0';
	assert_int_equal(sm_evfilter_compile(text, &f, err, sizeof(err)), -EINVAL);
	assert_string_equal(err, "column 4097: filter longer than 4096 characters");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_match),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_quoted_value),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_limits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
