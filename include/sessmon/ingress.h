/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Ingress: reads ports, stamps and parses packets, reassembles fragments,
 * and hands each packet to the worker its symmetric flow hash selects.
 *
 * On single-queue ports (net_pcap, net_ring) one ingress lcore feeds all
 * workers through per-worker SP/SC rings; parsing happens here, once, so
 * the hash can be computed over the canonical key (an ICMP error goes to
 * the worker of the session it quotes, a fragmented datagram to the worker
 * of its reassembled 5-tuple).
 *
 * Offline, ingress is lossless: a full worker ring or an empty mempool
 * makes it wait, never drop (the capture is the ground truth).
 */
#ifndef SESSMON_INGRESS_H
#define SESSMON_INGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mempool.h>

#include "sessmon/counters.h"
#include "sessmon/event.h"
#include "sessmon/worker.h"

/** Maximum input ports. */
#define SM_INGRESS_MAX_PORTS 16

/** Per-port reading state. */
struct sm_ingress_port {
	uint16_t port_id;
	uint64_t rx;          /**< frames received */
	bool eof;             /**< the port will deliver nothing more */
	bool error;           /**< the source reported an error (corrupt capture) */
};

/** The ingress stage. */
struct sm_ingress {
	struct sm_worker **workers;
	unsigned int n_workers;
	struct rte_mempool *pool;
	struct sm_frag *frag;
	struct sm_ingress_port ports[SM_INGRESS_MAX_PORTS];
	unsigned int n_ports;
	int ts_offset;        /**< mbuf Rx-timestamp dynfield offset, or -1 */
	uint64_t ts_flag;     /**< its ol_flags bit */
	uint64_t seq;         /**< frames read so far (serials come from it) */
	uint64_t now_us;      /**< latest network time seen */
	uint64_t first_us;    /**< first network time seen */
	volatile int done;    /**< every port is at EOF and every packet dispatched */
	volatile int stop;    /**< asked to stop early (signal) */
	struct sm_ev_ring *ev; /**< net_weird events of dropped packets, or NULL
				    (set by the caller after sm_ingress_init()) */
	uint64_t weird_seen[SM_CNT_MAX]; /**< drop counters as of the last net_weird */
	struct sm_counters cnt;
};

/**
 * Set up ingress over @p n_ports started ports feeding @p workers.
 * @return 0 or -errno. Main thread.
 */
int sm_ingress_init(struct sm_ingress *in, const uint16_t *ports, unsigned int n_ports,
		    struct sm_worker **workers, unsigned int n_workers,
		    struct rte_mempool *pool);

/** Release what sm_ingress_init() took. */
void sm_ingress_fini(struct sm_ingress *in);

/**
 * Read every port to its end (ports in order, as a capture list is read),
 * then flush incomplete fragments; sets @c done. Ingress lcore.
 */
int sm_ingress_main(void *arg);

#endif /* SESSMON_INGRESS_H */
