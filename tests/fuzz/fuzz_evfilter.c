/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: event filters (evfilter.h), which come from whoever types
 * `--events-filter` (and later a live subscription).
 *
 * Each input is one filter (up to its first NUL). A filter that does not
 * compile must say why at a column of the input (1 to its length + 1). One
 * that compiles is matched against two events, and it aborts when:
 * - its canonical text does not compile, or does not format back to itself;
 * - the filter and its canonical form disagree on an event;
 * - the formatted length differs between a sizing pass, a full pass and a
 *   cut pass, or a cut text is not the full text's beginning, terminated.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>

#include "sessmon/evfilter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const events[2][6][2] = {
	{ { "event", "ssl_client_hello" }, { "alias", "X" }, { "port", "443" },
	  { "server_name", "a.Example.com" }, { "proto", "tcp" }, { NULL, NULL } },
	{ { "event", "udp_session_done" }, { "port", "-5" }, { "proto", "udp" },
	  { "x", "*?\\\"" }, { NULL, NULL } },
};

static const char *
get(void *ctx, const char *key)
{
	const char *const (*e)[2] = ctx;

	for (int i = 0; e[i][0] != NULL; i++)
		if (strcmp(e[i][0], key) == 0)
			return e[i][1];
	return NULL;
}

static void
check(const char *text, size_t len)
{
	struct sm_evfilter *f = NULL, *g = NULL;
	char err[160], *a, *b;
	unsigned int col;
	int n;

	if (sm_evfilter_compile(text, &f, err, sizeof(err)) != 0) {
		if (sscanf(err, "column %u:", &col) != 1 || col < 1 || col > len + 1)
			rte_panic("bad error for '%s': %s\n", text, err);
		return;
	}
	n = sm_evfilter_format(f, NULL, 0);
	a = malloc((size_t)n + 1);
	b = malloc((size_t)n + 1);
	if (a == NULL || b == NULL)
		rte_panic("out of memory\n");
	if (sm_evfilter_format(f, a, (size_t)n + 1) != n || strlen(a) != (size_t)n)
		rte_panic("format length of '%s'\n", text);
	if (sm_evfilter_format(f, b, (size_t)n / 2 + 1) != n || strlen(b) != (size_t)n / 2 ||
	    memcmp(a, b, (size_t)n / 2) != 0)
		rte_panic("cut format of '%s'\n", text);
	if (sm_evfilter_compile(a, &g, err, sizeof(err)) != 0)
		rte_panic("canonical '%s' of '%s' does not compile: %s\n", a, text, err);
	if (sm_evfilter_format(g, b, (size_t)n + 1) != n || strcmp(a, b) != 0)
		rte_panic("canonical '%s' formats as '%s'\n", a, b);
	for (int e = 0; e < 2; e++)
		if (sm_evfilter_match(f, get, (void *)events[e]) !=
		    sm_evfilter_match(g, get, (void *)events[e]))
			rte_panic("'%s' and '%s' disagree\n", text, a);
	free(a);
	free(b);
	sm_evfilter_free(f);
	sm_evfilter_free(g);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	check(text, strlen(text));
	free(text);
	return 0;
}
