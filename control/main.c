/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * sessmon: reads packets through DPDK, keeps per-worker session tables and
 * serves FortiGate session commands from a control thread.
 *
 * This is the only file that exits: everything else returns -errno.
 */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <time.h>
#include <unistd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include "sessmon/ctl.h"
#include "sessmon/event.h"
#include "sessmon/event_out.h"
#include "sessmon/evfilter.h"
#include "sessmon/ingress.h"
#include "sessmon/opts.h"
#include "sessmon/pkt.h"
#include "sessmon/port.h"
#include "sessmon/sig_ctl.h"
#include "sessmon/worker.h"

#define EXIT_USAGE 1
#define EXIT_INPUT 2
#define RING_SIZE 4096

static struct sm_ingress ingress;

static struct sm_ctl *ctl;

static void
on_signal(int sig)
{
	(void)sig;
	ingress.stop = 1;
}

/* A SIGHUP before the control plane exists is kept for it: start-up
 * (EAL, rule compilation) must not die of the default action. */
static volatile sig_atomic_t hup_early;

static void
on_hup(int sig)
{
	(void)sig;
	if (ctl != NULL)
		sm_ctl_request_reload(ctl);
	else
		hup_early = 1;
}


/* --duration: the wall clock ends the input of an endless source. */
static void *
stop_after(void *arg)
{
	sleep(*(const uint32_t *)arg);
	ingress.stop = 1;
	return NULL;
}

static void
print_stats(double seconds)
{
	uint64_t pkts = ingress.cnt.v[SM_CNT_RX_PKTS];

	fprintf(stderr, "sessmon: %" PRIu64 " packets, %" PRIu64 " bytes in %.3f s: %.0f packets/s\n",
		pkts, ingress.cnt.v[SM_CNT_RX_BYTES], seconds, seconds > 0 ? pkts / seconds : 0.0);
}

static void
die(const char *fmt, const char *arg)
{
	fputs("sessmon: ", stderr);
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	exit(EXIT_USAGE);
}

/* --rules: the signature control plane, or NULL without rules. */
static struct sm_sig_ctl *
rules_open(const struct sm_opts *o)
{
	struct sm_rules_source src[SM_OPTS_MAX_READ];
	struct sm_sig_ctl *sig;
	int rc;

	if (o->n_rules == 0)
		return NULL;
	for (unsigned int i = 0; i < o->n_rules; i++)
		src[i] = (struct sm_rules_source){ .name = o->rules[i] };
	struct sm_rules_params rp = {
		.src = src, .n_src = o->n_rules, .workers = o->workers, .strict = o->strict,
		.cache_dir = o->rules_cache == NULL ? SM_RULES_CACHE_DIR :
			     o->rules_cache[0] == '\0' ? NULL : o->rules_cache,
	};
	rc = sm_sig_ctl_create(&rp, stderr, &sig);
	if (rc != 0)
		die("cannot load the signature rules: %s", strerror(-rc));
	return sig;
}

/* Mbufs: every worker ring full, each lcore cache at its flush threshold,
 * the fragment table's worst case, and room for the ports' descriptors. */
static unsigned int
pool_size(unsigned int n_workers, unsigned int n_ports)
{
	return n_workers * (RING_SIZE + 512) + 16384 + n_ports * 2048 + 4096;
}

static unsigned int
open_ports(const struct sm_opts *o, struct rte_mempool *pool, uint16_t *ports)
{
	unsigned int n = 0;
	uint16_t pid;

	/* Ports the user's EAL options made come first, then captures. */
	if (o->user_eal)
		RTE_ETH_FOREACH_DEV(pid) {
			if (n < SM_INGRESS_MAX_PORTS)
				ports[n++] = pid;
		}
	for (unsigned int i = 0; i < o->n_read; i++) {
		int rc = sm_port_add_capture(o->read[i], i);

		if (rc < 0)
			die("cannot open capture %s through net_pcap", o->read[i]);
		if (n == SM_INGRESS_MAX_PORTS)
			die("too many input ports (at most 16): %s", o->read[i]);
		ports[n++] = (uint16_t)rc;
	}
	for (unsigned int i = 0; i < n; i++)
		if (sm_port_start(ports[i], pool) != 0)
			die("cannot start port %s", rte_strerror(rte_errno));
	return n;
}

static struct rte_rcu_qsbr *
rcu_create(void)
{
	size_t sz = rte_rcu_qsbr_get_memsize(SM_CTL_RCU_READERS);
	struct rte_rcu_qsbr *v = rte_zmalloc("sm_rcu", sz, RTE_CACHE_LINE_SIZE);

	if (v == NULL || rte_rcu_qsbr_init(v, SM_CTL_RCU_READERS) != 0)
		die("%s", "cannot set up RCU");
	return v;
}

/* The event writer: a control-plane thread that drains every worker's
 * event ring into the JSON writer until told to stop, then empties them. */
struct ev_pump {
	struct sm_ev_out *out;
	struct sm_worker **workers;
	unsigned int n_workers;
	struct sm_ev_ring *ingress_ev;
	pthread_t thread;
	int stop;
};

static void *
ev_pump_main(void *arg)
{
	struct ev_pump *p = arg;

	for (;;) {
		/* Read the flag before draining: a stop seen here is followed
		 * by one full pass after the workers' last events. */
		int stopping = __atomic_load_n(&p->stop, __ATOMIC_ACQUIRE);
		unsigned int got = 0;

		for (unsigned int i = 0; i < p->n_workers; i++)
			got += sm_ev_out_drain(p->out, p->workers[i]->ev, 256);
		got += sm_ev_out_drain(p->out, p->ingress_ev, 256);
		if (got == 0) {
			if (stopping)
				break;
			usleep(50);
		}
	}
	return NULL;
}

/* Which events to raise: none without -e; else the defaults, then the
 * --event-on/--event-off names in order. */
static void
events_enabled(const struct sm_opts *o, uint8_t on[SM_EV_MAX])
{
	for (unsigned int t = 0; t < SM_EV_MAX; t++)
		on[t] = o->events != NULL && sm_ev_info((enum sm_ev)t)->default_on;
	for (unsigned int i = 0; i < o->n_ev_toggle; i++) {
		int t = sm_ev_by_name(o->ev_toggle[i]);

		if (t < 0)
			die("unknown event name '%s' (docs/events.md lists them)", o->ev_toggle[i]);
		on[t] = o->events != NULL && o->ev_toggle_on[i];
	}
}

static struct sm_ev_out *
events_open(const struct sm_opts *o, FILE **f, struct sm_evfilter **flt)
{
	char err[256];
	struct sm_ev_out *out;

	*flt = NULL;
	if (o->events_filter != NULL && sm_evfilter_compile(o->events_filter, flt, err, sizeof(err)) != 0) {
		fprintf(stderr, "sessmon: --events-filter: %s\n", err);
		exit(EXIT_USAGE);
	}
	*f = strcmp(o->events, "-") == 0 ? stdout : fopen(o->events, "w");
	if (*f == NULL)
		die("cannot write events to %s", o->events);
	out = sm_ev_out_create(*f, *flt);
	if (out == NULL)
		die("%s", "cannot set up the event writer");
	return out;
}

/* Report captures that stopped early; @return the exit status. */
static int
check_inputs(const struct sm_opts *o)
{
	int rc = 0;

	for (unsigned int i = 0; i < ingress.n_ports; i++) {
		char msg[512];
		const char *path = NULL;

		if (!ingress.ports[i].error)
			continue;
		/* Captures are the last o->n_read ports. */
		if (i + o->n_read >= ingress.n_ports)
			path = o->read[i + o->n_read - ingress.n_ports];
		if (path != NULL)
			sm_port_capture_error(path, msg, sizeof(msg));
		else
			snprintf(msg, sizeof(msg), "port %u reported receive errors",
				 ingress.ports[i].port_id);
		fprintf(stderr, "sessmon: %s\n", msg);
		rc = EXIT_INPUT;
	}
	return rc;
}

int
main(int argc, char **argv)
{
	struct sm_worker *workers[SM_MAX_WORKERS];
	uint16_t ports[SM_INGRESS_MAX_PORTS];
	struct sm_opts o;
	char err[512];
	int rc;

	signal(SIGHUP, on_hup);
	rc = sm_opts_parse(argc, argv, &o, err, sizeof(err));
	if (rc < 0)
		die("%s", err);
	if (rc == SM_OPTS_EXIT_OK)
		return 0;
	for (unsigned int i = 0; i < o.n_read; i++)
		if (sm_port_check_capture(o.read[i], err, sizeof(err)) != 0)
			die("%s", err);
	/* Everything the options can get wrong is found before DPDK opens
	 * ports: a bad event name, filter, event file or rule file stops
	 * here with one line. */
	uint8_t ev_on[SM_EV_MAX];
	struct sm_evfilter *ev_filter = NULL;
	FILE *ev_file = NULL;
	struct ev_pump pump = { .n_workers = o.workers };

	events_enabled(&o, ev_on);
	if (o.events != NULL)
		pump.out = events_open(&o, &ev_file, &ev_filter);
	struct sm_sig_ctl *sig = rules_open(&o);

	if (rte_eal_init(o.eal_argc, o.eal_argv) < 0)
		die("cannot initialise DPDK's EAL: %s", rte_strerror(rte_errno));
	if (rte_lcore_count() < o.workers + 1)
		die("%s", "not enough lcores: one for ingress plus one per worker");

	struct rte_mempool *pool = rte_pktmbuf_pool_create("sm_mbufs",
		o.mbufs ? o.mbufs : pool_size(o.workers, o.n_read + 1), 256, SM_PKT_PRIV_SIZE,
		RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());

	if (pool == NULL)
		die("cannot create the mbuf pool: %s", rte_strerror(rte_errno));
	unsigned int n_ports = open_ports(&o, pool, ports);

	if (n_ports == 0)
		die("%s", "no input port");
	struct rte_rcu_qsbr *rcu = rcu_create();

	/* Offline, a full event ring waits for the writer (captures have
	 * time to spare and every event must reach the file); live, it drops. */
	struct sm_ev_ring_params evp = {
		/* Without -e no event is raised: a token ring, not 16 MiB of
		 * records to populate at start. */
		.size = o.events != NULL ? 16384 : 64, .lossless = !o.user_eal, .enabled = ev_on,
	};
	struct sm_inspect_params ip = { .depth = o.depth, .status_interval_s = o.status_interval };

	for (unsigned int i = 0; i < o.workers; i++) {
		struct sm_worker_params wp = {
			.id = (uint16_t)i, .sessions = o.sessions, .ring_size = RING_SIZE,
			.rcu = rcu, .timers = &o.timers,
			.idle_sleep_us = o.user_eal ? 0 : 20, .socket = (int)rte_socket_id(),
			.ev = o.no_inspect ? NULL : &evp, .insp = o.no_inspect ? NULL : &ip,
			/* Two directions of each reassembly stream (a quarter
			 * of the table, inspect.h), a bound on Hyperscan's
			 * stream memory. */
			.sig = sig != NULL ? sm_sig_ctl_worker(sig, (uint16_t)i, o.depth,
							       o.sessions / 2) : NULL,
		};

		if (sig != NULL && wp.sig == NULL)
			die("%s", "cannot set up signature matching");

		workers[i] = sm_worker_create(&wp);
		if (workers[i] == NULL)
			die("cannot create a worker: %s", rte_strerror(rte_errno));
	}
	if (sm_ingress_init(&ingress, ports, n_ports, workers, o.workers, pool) != 0)
		die("%s", "cannot set up ingress");
	if (!o.no_inspect) {
		struct sm_ev_ring_params iep = evp;

		/* The ingress's ring: after the workers' ids. */
		iep.worker = SM_MAX_WORKERS;
		iep.size = 1024;
		iep.socket = (int)rte_socket_id();
		ingress.ev = sm_ev_ring_create(&iep);
		if (ingress.ev == NULL)
			die("cannot create the ingress event ring: %s", rte_strerror(rte_errno));
	}

	struct sm_ctl_params cp = {
		.workers = workers, .n_workers = o.workers, .ingress = &ingress, .rcu = rcu,
		.timers = &o.timers, .cmds = o.cmds, .n_cmds = o.n_cmds, .out = stdout,
		.sig = sig,
	};

	ctl = sm_ctl_create(&cp);
	if (ctl != NULL && hup_early)
		sm_ctl_request_reload(ctl);

	if (ctl == NULL || sm_ctl_start(ctl) != 0)
		die("%s", "cannot start the control thread");
	pump.workers = workers;
	pump.ingress_ev = ingress.ev;
	if (pump.out != NULL &&
	    rte_ctrl_thread_create(&pump.thread, "sm-events", NULL, ev_pump_main, &pump) != 0)
		die("%s", "cannot start the event writer");
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);

	unsigned int lc, w = 0;

	RTE_LCORE_FOREACH_WORKER(lc) {
		if (w == o.workers)
			break;
		rte_eal_remote_launch(sm_worker_main, workers[w++], lc);
	}
	pthread_t timer;
	struct timespec t0, t1;

	if (o.duration != 0)
		rte_ctrl_thread_create(&timer, "sm-duration", NULL, stop_after, &o.duration);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	sm_ingress_main(&ingress);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	rc = sm_ctl_join(ctl);
	if (o.stats)
		print_stats((double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	/* The control thread is done with the command rings: end every
	 * session (each raises its last events), then stop the workers. */
	for (unsigned int i = 0; i < o.workers; i++) {
		struct sm_cmd c = { .type = SM_CMD_SHUTDOWN };

		while (rte_ring_enqueue_elem(workers[i]->cmd, &c, sizeof(c)) != 0)
			usleep(100);
		workers[i]->stop = 1;
	}
	rte_eal_mp_wait_lcore();
	if (pump.out != NULL) {
		__atomic_store_n(&pump.stop, 1, __ATOMIC_RELEASE);
		pthread_join(pump.thread, NULL);
		sm_ev_out_free(pump.out);
		sm_evfilter_free(ev_filter);
		if (ev_file != stdout && fclose(ev_file) != 0)
			die("cannot write events to %s", o.events);
	}

	int in_rc = check_inputs(&o);

	signal(SIGHUP, SIG_IGN);
	sm_ctl_free(ctl);
	ctl = NULL;
	sm_ingress_fini(&ingress);
	sm_ev_ring_free(ingress.ev);
	for (unsigned int i = 0; i < o.workers; i++)
		sm_worker_free(workers[i]);
	sm_sig_ctl_free(sig);
	for (unsigned int i = 0; i < n_ports; i++) {
		rte_eth_dev_stop(ports[i]);
		rte_eth_dev_close(ports[i]);
	}
	rte_mempool_free(pool);
	rte_free(rcu);
	rte_eal_cleanup();
	return in_rc ? in_rc : rc;
}
