/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_fmt: what a `--format` listing costs per session.
 *
 *   bench_fmt [SESSIONS]   renders SESSIONS (default 1 million) synthetic
 *                          session views with `${default_basics}`
 *                          (sm_fmt_session()) and, beside it, as
 *                          `diagnose sys session list` text
 *                          (sm_fgfmt_session()), both to /dev/null through
 *                          stdio, and prints ns per session of each.
 *
 * The views are a pool of POOL distinct sessions (IPv4 TCP, UDP and ICMP,
 * some IPv6 TCP, varied addresses, ports, counters and states) cycled
 * through, so the figures include cache misses on the views as a real
 * dump has. Each measurement runs RUNS times; the median is printed as one
 * "name value" line. One core, wall clock (CLOCK_MONOTONIC) around whole
 * passes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sessmon/fgfmt.h"
#include "sessmon/fmt.h"
#include "sessmon/sess_view.h"
#include "sessmon/tcp_state.h"

#define RUNS 5
#define POOL 65536
#define DEFAULT_SESSIONS 1000000UL

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* A deterministic pseudo-random sequence (xorshift), so runs compare. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static void
synth(struct sm_sess_view *v, uint32_t i, uint32_t *seed)
{
	uint32_t r = next_rand(seed), kind = r % 20;
	struct sm_view_dir *o = &v->dir[SM_DIR_ORIG], *p = &v->dir[SM_DIR_REPLY];
	uint32_t a = next_rand(seed), b = next_rand(seed);

	memset(v, 0, sizeof(*v));
	v->serial = i + 1;
	v->family = kind == 19 ? 6 : 4;
	v->proto = kind < 14 || kind == 19 ? 6 : kind < 18 ? 17 : 1;
	memcpy(o->src, &a, 4);
	memcpy(o->dst, &b, 4);
	if (v->family == 6) {
		o->src[0] = o->dst[0] = 0x20;
		o->src[15] = (uint8_t)r;
		o->dst[14] = (uint8_t)(r >> 8);
	}
	memcpy(p->src, o->dst, 16);
	memcpy(p->dst, o->src, 16);
	o->sport = p->dport = (uint16_t)(1024 + r % 60000);
	o->dport = p->sport = v->proto == 1 ? 8 : (uint16_t)(r % 3 == 0 ? 443 : 53);
	o->pkts = 1 + r % 1000;
	o->bytes = o->pkts * (40 + r % 1400);
	p->pkts = r % 900;
	p->bytes = p->pkts * (40 + (r >> 8) % 1400);
	o->rate_Bps = r % 200000;
	o->has_mac = p->has_mac = 1;
	v->duration = r % 4000;
	v->expire = 3600 - r % 3600;
	v->timeout = v->proto == 6 ? 3600 : 0;
	v->vd = (uint16_t)(r % 4);
	v->policy = r % 64;
	v->proto_state = v->proto == 6 ? (uint8_t)(1 + r % 9) : v->proto == 17;
	v->fgt_flags = 1u << SM_FGT_FLAG_MAY_DIRTY;
	v->no_ofld = 1u << SM_NO_OFLD_NON_NPU_INTF;
}

static int
put_fmt(FILE *out, const struct sm_fmt *f, const struct sm_sess_view *v)
{
	return sm_fmt_session(out, f, v);
}

static int
put_fgfmt(FILE *out, const struct sm_fmt *f, const struct sm_sess_view *v)
{
	(void)f;
	return sm_fgfmt_session(out, v);
}

/* ns per session of @put over @n sessions, median of RUNS passes. */
static double
measure(FILE *out, const struct sm_sess_view *pool, unsigned long n, const struct sm_fmt *f,
	int (*put)(FILE *, const struct sm_fmt *, const struct sm_sess_view *))
{
	double runs[RUNS];

	for (unsigned int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		for (unsigned long i = 0; i < n; i++)
			if (put(out, f, &pool[i % POOL]) != 0) {
				fprintf(stderr, "bench_fmt: write failed\n");
				exit(1);
			}
		fflush(out);
		runs[r] = (now_ns() - t0) / (double)n;
	}
	return median(runs, RUNS);
}

int
main(int argc, char **argv)
{
	unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : DEFAULT_SESSIONS;
	struct sm_sess_view *pool = calloc(POOL, sizeof(*pool));
	struct sm_fmt_error err;
	struct sm_fmt *f = sm_fmt_create("${default_basics}", &err);
	FILE *out = fopen("/dev/null", "w");
	uint32_t seed = 2463534242u;

	if (pool == NULL || f == NULL || out == NULL || n == 0) {
		fprintf(stderr, "usage: bench_fmt [SESSIONS>0] (or out of memory)\n");
		return 1;
	}
	for (uint32_t i = 0; i < POOL; i++)
		synth(&pool[i], i, &seed);
	printf("sessions %lu\n", n);
	printf("fmt_default_basics_ns_per_session %.1f\n", measure(out, pool, n, f, put_fmt));
	printf("fgfmt_session_list_ns_per_session %.1f\n", measure(out, pool, n, f, put_fgfmt));
	fclose(out);
	sm_fmt_free(f);
	free(pool);
	return 0;
}
