/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: fortiformatter format strings (fmt.h), which come from
 * whoever types `diagnose sys session list --format`.
 *
 * Each input is one format string (up to its first NUL). It is compiled;
 * a format that does not compile must say why and point at a column of
 * the input (1 to its length + 1). One that compiles is rendered for a
 * few sessions of different shapes (IPv4 TCP with MACs, IPv6 UDP without,
 * ICMP offloaded with every flag set), and it aborts when:
 * - the length sm_fmt_render() reports differs between a sizing pass, a
 *   full pass and a cut pass, or the full text is not that long;
 * - a cut rendering is not the full rendering's beginning, terminated;
 * - sm_fmt_session() fails or writes other than the full text and "\n".
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_debug.h>

#include "sessmon/fmt.h"
#include "sessmon/sess_view.h"

/* Longer formats only slow the run: every one is a handful of fields. */
#define INPUT_MAX 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sm_sess_view views[3];

static void
make_views(void)
{
	struct sm_sess_view *v = &views[0];

	/* 10.0.0.1:40000 -> 192.0.2.7:443, TCP established, MACs */
	v->family = 4;
	v->proto = 6;
	v->proto_state = 1;
	memcpy(v->dir[0].src, (const uint8_t[]){ 10, 0, 0, 1 }, 4);
	memcpy(v->dir[0].dst, (const uint8_t[]){ 192, 0, 2, 7 }, 4);
	memcpy(v->dir[1].src, v->dir[0].dst, 4);
	memcpy(v->dir[1].dst, v->dir[0].src, 4);
	v->dir[0].sport = v->dir[1].dport = 40000;
	v->dir[0].dport = v->dir[1].sport = 443;
	v->dir[0].has_mac = v->dir[1].has_mac = 1;
	v->dir[0].rate_Bps = 135376;
	v->dir[1].rate_Bps = UINT32_MAX;
	v->dir[0].bytes = UINT64_MAX;
	v->serial = 0x76e6b788;
	v->policy = UINT32_MAX;
	v->vd = 3;
	v->fgt_flags = 1u << SM_FGT_FLAG_MAY_DIRTY;
	v->no_ofld = 1;
	/* 2001:db8::1 -> 2001:db8::2 UDP, one way */
	v = &views[1];
	v->family = 6;
	v->proto = 17;
	v->dir[0].src[0] = v->dir[0].dst[0] = 0x20;
	v->dir[0].src[15] = 1;
	v->dir[0].dst[15] = 2;
	v->dir[0].pkts = 1;
	v->duration = UINT32_MAX;
	/* ICMP, offloaded both ways, every flag */
	v = &views[2];
	v->family = 4;
	v->proto = 1;
	v->offloaded[0] = v->offloaded[1] = 1;
	v->fgt_flags = (1u << SM_FGT_FLAG_MAX) - 1;
	v->proto_state = 99;
	v->worker = 63;
}

static void
check_render(const struct sm_fmt *f, const struct sm_sess_view *v)
{
	size_t n = sm_fmt_render(f, v, NULL, 0), cut = n / 2 + 1, len = 0;
	char *full = malloc(n + 1), *part = malloc(cut), *line = NULL;
	FILE *out;

	RTE_VERIFY(full != NULL && part != NULL);
	RTE_VERIFY(sm_fmt_render(f, v, full, n + 1) == n);
	RTE_VERIFY(strlen(full) == n);
	RTE_VERIFY(sm_fmt_render(f, v, part, cut) == n);
	RTE_VERIFY(strlen(part) == cut - 1 && memcmp(part, full, cut - 1) == 0);
	out = open_memstream(&line, &len);
	RTE_VERIFY(out != NULL);
	RTE_VERIFY(sm_fmt_session(out, f, v) == 0);
	RTE_VERIFY(fclose(out) == 0);
	RTE_VERIFY(len == n + 1 && memcmp(line, full, n) == 0 && line[n] == '\n');
	free(line);
	free(part);
	free(full);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sm_fmt_error err = { 0 };
	struct sm_fmt *f;
	char *fmt;

	if (size > INPUT_MAX)
		return 0;
	if (views[0].family == 0)
		make_views();
	fmt = malloc(size + 1);
	RTE_VERIFY(fmt != NULL);
	memcpy(fmt, data, size);
	fmt[size] = '\0';
	f = sm_fmt_create(fmt, &err);
	if (f == NULL) {
		RTE_VERIFY(err.reason != NULL);
		RTE_VERIFY(err.column >= 1 && err.column <= strlen(fmt) + 1);
	} else {
		for (size_t i = 0; i < sizeof(views) / sizeof(views[0]); i++)
			check_render(f, &views[i]);
		sm_fmt_free(f);
	}
	free(fmt);
	return 0;
}
