/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench_worker: what one worker costs, without the packet source.
 *
 *   bench_worker CAPTURE     cycles per packet of the ingress stage (parse,
 *                            reassembly, hash) and of the worker stage
 *                            (sessions, TCP state, ageing) on a capture
 *                            replayed from memory; then the worker's cost per
 *                            packet at 1k, 100k and 1M live sessions, and the
 *                            memory a session takes.
 *
 * Prints one "name value" line per figure; runs each measurement RUNS times
 * and prints the median. Timing is rdtsc around whole passes (no per-packet
 * timer calls inside the measured loop).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memcpy.h>
#include <rte_rcu_qsbr.h>

#include "sessmon/frag.h"
#include "sessmon/parse.h"
#include "sessmon/pkt.h"
#include "sessmon/timers.h"
#include "sessmon/tuple.h"
#include "sessmon/worker.h"

#define RUNS 5
#define SCALE_PKTS (4u << 20)

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

static struct rte_rcu_qsbr *
rcu_new(void)
{
	struct rte_rcu_qsbr *v = rte_zmalloc(NULL, rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);

	if (v == NULL || rte_rcu_qsbr_init(v, 1) != 0)
		rte_exit(EXIT_FAILURE, "rcu\n");
	return v;
}

static struct sm_worker *
worker_new(struct rte_rcu_qsbr *rcu, const struct sm_timers *t, uint32_t sessions)
{
	struct sm_worker_params p = {
		.id = 0, .sessions = sessions, .ring_size = 1024, .rcu = rcu,
		.timers = t, .socket = (int)rte_socket_id(),
	};
	struct sm_worker *w = sm_worker_create(&p);

	if (w == NULL)
		rte_exit(EXIT_FAILURE, "worker: %s\n", rte_strerror(rte_errno));
	return w;
}

/* Read a capture into mbufs, stamped as ingress would. */
static unsigned int
load(const char *path, struct rte_mempool *mp, struct rte_mbuf ***out)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	pcap_t *p = pcap_open_offline(path, ebuf);
	unsigned int n = 0, cap = 1 << 16;
	struct rte_mbuf **v = malloc(cap * sizeof(*v));

	if (p == NULL || v == NULL)
		rte_exit(EXIT_FAILURE, "%s: %s\n", path, ebuf);
	while (pcap_next_ex(p, &h, &d) == 1) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
		uint32_t len = RTE_MIN(h->caplen, (uint32_t)rte_pktmbuf_tailroom(m));
		struct sm_pkt_meta *pm = sm_pkt_meta(m);

		memcpy(rte_pktmbuf_append(m, (uint16_t)len), d, len);
		pm->ts_us = pm->ts_first_us = (uint64_t)h->ts.tv_sec * SM_US_PER_S + h->ts.tv_usec;
		pm->seq = n + 1;
		if (n == cap) {
			cap *= 2;
			v = realloc(v, cap * sizeof(*v));
		}
		v[n++] = m;
	}
	pcap_close(p);
	*out = v;
	return n;
}

/* Mbufs the scale passes cycle through: a real pool hands the same few
 * hundred mbufs round, hot in cache, whatever the number of sessions. */
#define HOT_MBUFS 1024

/* One pass over @seq: each burst's metadata is written into hot mbufs (the
 * ingress stage's job), then, if @run, the worker takes the burst. */
static double
scale_pass(struct sm_worker *w, struct rte_mbuf **hot, const struct sm_pkt_meta *seq,
	   unsigned int n, bool run)
{
	uint64_t t0 = rte_rdtsc_precise();

	for (unsigned int i = 0; i < n; i += SM_WORKER_BURST) {
		unsigned int b = RTE_MIN((unsigned int)SM_WORKER_BURST, n - i);
		struct rte_mbuf **h = hot + i % HOT_MBUFS;

		for (unsigned int j = 0; j < b; j++) {
			*sm_pkt_meta(h[j]) = seq[i + j];
			/* the worker frees what it is given: keep ours */
			rte_mbuf_refcnt_update(h[j], 1);
		}
		if (run)
			sm_worker_burst(w, h, b);
		else
			for (unsigned int j = 0; j < b; j++)
				rte_mbuf_refcnt_update(h[j], -1);
	}
	return (double)(rte_rdtsc_precise() - t0);
}

/* Parse every frame once: the ingress stage's per-packet cost. Frames are
 * copied, untimed, a chunk at a time into a few hot mbufs (the PMD writes a
 * frame just before ingress parses it), then the chunk is parsed, timed.
 * Parsing does not change the frame, so passes can repeat; reassembly
 * consumes fragments, so it runs once, in assemble(). */
static double
parse_pass(struct rte_mbuf **in, unsigned int n, struct rte_mbuf **hot)
{
	struct sm_counters cnt = { 0 };
	uint64_t cycles = 0;

	for (unsigned int c = 0; c < n; c += HOT_MBUFS) {
		unsigned int k = RTE_MIN((unsigned int)HOT_MBUFS, n - c);
		uint64_t t0;

		for (unsigned int i = 0; i < k; i++) {
			struct rte_mbuf *m = in[c + i], *h = hot[i];

			rte_memcpy(rte_pktmbuf_mtod(h, void *), rte_pktmbuf_mtod(m, void *),
				   m->data_len);
			h->data_len = m->data_len;
			h->pkt_len = m->pkt_len;
		}
		t0 = rte_rdtsc_precise();
		for (unsigned int i = 0; i < k; i++)
			sm_parse_pkt(hot[i], sm_pkt_meta(hot[i]), &cnt);
		cycles += rte_rdtsc_precise() - t0;
	}
	return (double)cycles;
}

/* The ingress stage for real: @return the datagrams for the worker. */
static unsigned int
assemble(struct rte_mbuf **in, unsigned int n, struct rte_mbuf **out)
{
	struct sm_counters cnt = { 0 };
	struct sm_frag *fr = sm_frag_create(4096, 60 * SM_US_PER_S, (int)rte_socket_id());
	unsigned int k = 0;

	for (unsigned int i = 0; i < n; i++) {
		struct rte_mbuf *m = in[i];

		switch (sm_parse_pkt(m, sm_pkt_meta(m), &cnt)) {
		case SM_PARSE_OK:
			out[k++] = m;
			break;
		case SM_PARSE_FRAGMENT:
			sm_frag_feed(fr, m, &cnt);
			k += sm_frag_drain(fr, out + k, n - k);
			break;
		default:
			rte_pktmbuf_free(m);
			break;
		}
	}
	while (sm_frag_expire(fr, UINT64_MAX / 2, true, &cnt) > 0)
		k += sm_frag_drain(fr, out + k, n - k);
	sm_frag_free(fr);
	return k;
}

static void
bench_capture(const char *path, struct rte_rcu_qsbr *rcu, const struct sm_timers *t)
{
	unsigned int cap_pkts;
	struct rte_mbuf **raw, **ready;
	struct rte_mempool *mp;
	double ing[RUNS], wrk[RUNS];
	unsigned int n = 0;
	pcap_t *probe;
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	struct rte_mbuf *hot[HOT_MBUFS];
	struct sm_pkt_meta *seq;

	probe = pcap_open_offline(path, ebuf);
	if (probe == NULL)
		rte_exit(EXIT_FAILURE, "%s: %s\n", path, ebuf);
	for (cap_pkts = 0; pcap_next_ex(probe, &h, &d) == 1; cap_pkts++)
		;
	pcap_close(probe);
	mp = rte_pktmbuf_pool_create("bench", cap_pkts + 8192 + HOT_MBUFS, 256, SM_PKT_PRIV_SIZE,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL || rte_pktmbuf_alloc_bulk(mp, hot, HOT_MBUFS) != 0)
		rte_exit(EXIT_FAILURE, "pool: %s\n", rte_strerror(rte_errno));
	cap_pkts = load(path, mp, &raw);
	ready = malloc(cap_pkts * sizeof(*ready));
	for (int r = 0; r < RUNS; r++)
		ing[r] = parse_pass(raw, cap_pkts, hot) / cap_pkts;
	n = assemble(raw, cap_pkts, ready);
	seq = malloc(n * sizeof(*seq));
	if (ready == NULL || seq == NULL)
		rte_exit(EXIT_FAILURE, "%s: out of memory\n", path);
	for (unsigned int i = 0; i < n; i++)
		seq[i] = *sm_pkt_meta(ready[i]);
	for (int r = 0; r < RUNS; r++) {
		struct sm_worker *w = worker_new(rcu, t, 1u << 20);
		double fill = scale_pass(w, hot, seq, n, false);

		wrk[r] = (scale_pass(w, hot, seq, n, true) - fill) / n;
		sm_worker_free(w);
	}
	printf("capture_packets %u\n", cap_pkts);
	printf("capture_datagrams %u\n", n);
	printf("parse_cycles_per_packet %.1f\n", median(ing, RUNS));
	printf("worker_cycles_per_packet %.1f\n", median(wrk, RUNS));
	free(seq);
	free(ready);
	free(raw);
}

/* Worker cost per packet with @n_sess live UDP sessions, each packet
 * hitting a random one of them (so the table's working set is all of it).
 * The cost of writing the metadata is measured alone and subtracted. */
static void
bench_scale(uint32_t n_sess, struct rte_rcu_qsbr *rcu, const struct sm_timers *t)
{
	struct rte_mempool *mp = rte_pktmbuf_pool_create("scale", 2 * HOT_MBUFS, 256,
			SM_PKT_PRIV_SIZE, 256, (int)rte_socket_id());
	struct sm_worker *w = worker_new(rcu, t, n_sess + n_sess / 4);
	struct sm_pkt_meta *sess = malloc(n_sess * sizeof(*sess));
	struct sm_pkt_meta *seq = malloc(SCALE_PKTS * sizeof(*seq));
	struct rte_mbuf *hot[HOT_MBUFS];
	double runs[RUNS], fill[RUNS];

	if (mp == NULL || sess == NULL || seq == NULL ||
	    rte_pktmbuf_alloc_bulk(mp, hot, HOT_MBUFS) != 0)
		rte_exit(EXIT_FAILURE, "scale %u: out of memory\n", n_sess);
	for (uint32_t i = 0; i < n_sess; i++) {
		struct sm_pkt_meta *pm = &sess[i];
		uint8_t a[4] = { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i };
		uint8_t b[4] = { 192, 0, 2, 1 };
		struct sm_endpoint src = { a, (uint16_t)(1024 + (i & 0x3fff)) };
		struct sm_endpoint dst = { b, 53 };
		const uint16_t vlan[2] = { 0, 0 };

		memset(pm, 0, sizeof(*pm));
		if (sm_tuple_key_build(&pm->key, 4, 17, SM_KEY_L4, &src, &dst, false, vlan))
			pm->flags |= SM_PF_FROM_LO;
		pm->hash = sm_tuple_hash(&pm->key);
		pm->kind = SM_PKT_SESSION;
		pm->ts_us = pm->ts_first_us = SM_US_PER_S;
		pm->seq = i + 1;
		pm->ip_bytes = 100;
		pm->n_wire = 1;
	}
	scale_pass(w, hot, sess, n_sess, true);
	srand(12345);
	for (uint32_t i = 0; i < SCALE_PKTS; i++)
		seq[i] = sess[((uint32_t)rand() << 8 ^ (uint32_t)rand()) % n_sess];
	for (int r = 0; r < RUNS; r++) {
		fill[r] = scale_pass(w, hot, seq, SCALE_PKTS, false) / SCALE_PKTS;
		runs[r] = scale_pass(w, hot, seq, SCALE_PKTS, true) / SCALE_PKTS - fill[r];
	}
	printf("worker_cycles_per_packet_at_%u_sessions %.1f\n", n_sess, median(runs, RUNS));
	printf("metadata_fill_cycles_at_%u_sessions %.1f\n", n_sess, median(fill, RUNS));
	printf("live_sessions_at_%u %u\n", n_sess, sm_sess_table_count(w->tbl));
	sm_worker_free(w);
	rte_pktmbuf_free_bulk(hot, HOT_MBUFS);
	rte_mempool_free(mp);
	free(sess);
	free(seq);
}

/* Heap bytes a worker for @capacity sessions takes (table, wheel, rings),
 * per session; beside it the table's own share. */
static void
bench_memory(struct rte_rcu_qsbr *rcu, const struct sm_timers *t)
{
	const uint32_t capacity = 1u << 20;
	struct rte_malloc_socket_stats a, b;
	struct sm_worker *w;

	rte_malloc_get_socket_stats((int)rte_socket_id(), &a);
	w = worker_new(rcu, t, capacity);
	rte_malloc_get_socket_stats((int)rte_socket_id(), &b);
	printf("session_record_bytes %zu\n", sizeof(struct sm_session));
	printf("bytes_per_session_table %" PRIu64 "\n", sm_sess_table_bytes_per_session(w->tbl));
	printf("bytes_per_session_measured %.1f\n",
	       (double)(b.heap_allocsz_bytes - a.heap_allocsz_bytes) / capacity);
	sm_worker_free(w);
}

int
main(int argc, char **argv)
{
	/* 4 KiB pages by default (as the tests and the offline mode run);
	 * --huge uses the machine's 2 MiB hugepages, as a live deployment
	 * would: at 1M sessions the TLB reach decides much of the cost. */
	char *small[] = { argv[0], "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
			  "-l", "0", "-m", "4096", "--log-level=*:error", NULL };
	char *huge[] = { argv[0], "--in-memory", "--no-pci", "--no-telemetry",
			 "-l", "0", "--log-level=*:error", NULL };
	bool use_huge = argc == 3 && strcmp(argv[1], "--huge") == 0;
	struct sm_timers t;
	struct rte_rcu_qsbr *rcu;

	if (argc != 2 && !use_huge) {
		fprintf(stderr, "usage: %s [--huge] CAPTURE\n", argv[0]);
		return 1;
	}
	if ((use_huge ? rte_eal_init((int)RTE_DIM(huge) - 1, huge) :
			rte_eal_init((int)RTE_DIM(small) - 1, small)) < 0)
		rte_exit(EXIT_FAILURE, "EAL init failed\n");
	sm_timers_default(&t);
	rcu = rcu_new();
	printf("tsc_hz %" PRIu64 "\n", rte_get_tsc_hz());
	printf("hugepages %d\n", use_huge);
	bench_memory(rcu, &t);
	bench_capture(argv[argc - 1], rcu, &t);
	bench_scale(1000, rcu, &t);
	bench_scale(100000, rcu, &t);
	bench_scale(1000000, rcu, &t);
	rte_eal_cleanup();
	return 0;
}
