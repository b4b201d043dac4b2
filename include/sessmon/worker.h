/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker: one lcore that owns a session table and everything in it.
 *
 * Packets reach a worker already parsed (struct sm_pkt_meta in the mbuf) on
 * its rx ring. The control thread talks to it through a command ring and
 * hears back on a reply ring; the worker polls commands between bursts and
 * never waits for the control thread (a full reply ring is counted, not
 * waited on). Nothing else is shared: the control thread reads the table
 * under RCU (sess_table.h) and the counters with relaxed loads.
 */
#ifndef SESSMON_WORKER_H
#define SESSMON_WORKER_H

#include <stdint.h>

#include <rte_common.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "sessmon/ageing.h"
#include "sessmon/counters.h"
#include "sessmon/event.h"
#include "sessmon/inspect.h"
#include "sessmon/sess_table.h"
#include "sessmon/sig_ctl.h"
#include "sessmon/timers.h"

/** Packets a worker takes from its ring at once. */
#define SM_WORKER_BURST 32

/** Commands the control thread sends (struct sm_cmd.type). */
enum sm_cmd_type {
	SM_CMD_ADVANCE = 1, /**< process every queued packet, then move network time to arg and expire */
	SM_CMD_DELETE,      /**< end the session in slot if its serial is still arg */
	SM_CMD_BARRIER,     /**< reply with token arg once every earlier command is done */
	SM_CMD_REPLY,       /**< (worker -> control) answer to a barrier: arg = token, slot = live sessions */
	SM_CMD_SHUTDOWN,    /**< end every session (reason shutdown): sessmon stops */
	SM_CMD_SIG_SWAP,    /**< install a signature set: arg points to a struct sm_sig_swap */
};

/** A 16-byte command or reply, carried by value in rte_ring elements. */
struct sm_cmd {
	uint32_t type;  /**< enum sm_cmd_type */
	uint32_t slot;
	uint64_t arg;
};

/** Parameters of sm_worker_create(). */
struct sm_worker_params {
	uint16_t id;               /**< 0 .. n_workers-1 */
	uint32_t sessions;         /**< table capacity */
	uint32_t ring_size;        /**< rx ring entries (power of two) */
	struct rte_rcu_qsbr *rcu;  /**< the control plane's RCU variable */
	const struct sm_timers *timers;
	uint32_t idle_sleep_us;    /**< sleep when idle (offline: share cores), 0 = spin */
	int socket;
	/** Inspection and events (NULL: off). The worker creates its event
	 * ring from @c ev (worker id and socket filled in) and its inspector
	 * from @c insp (ring, sessions and matcher filled in). */
	const struct sm_ev_ring_params *ev;
	const struct sm_inspect_params *insp;
	struct sm_sig_worker *sig; /**< signature matcher (taken over), or NULL */
};

/** A worker's context. Written by its lcore; see the file comment. */
struct sm_worker {
	struct sm_sess_table *tbl;
	struct sm_ageing *age;
	struct rte_ring *rx;       /**< packets from ingress (SP/SC) */
	struct rte_ring *cmd;      /**< control -> worker (SP/SC, struct sm_cmd) */
	struct rte_ring *rsp;      /**< worker -> control (SP/SC, struct sm_cmd) */
	struct sm_ev_ring *ev;     /**< events to the control plane, or NULL */
	struct sm_inspector *insp; /**< payload inspection, or NULL */
	struct sm_sig_worker *sig; /**< signature matcher, or NULL */
	struct sm_timers timers;
	uint64_t now_us;           /**< network time: the latest packet or ADVANCE */
	uint64_t setup_sec;        /**< second the setup-rate counter is for */
	uint64_t setup_cur;        /**< sessions created in setup_sec */
	uint64_t setup_rate;       /**< sessions created in the second before */
	uint32_t idle_sleep_us;
	uint16_t id;
	volatile int stop;         /**< set by the main thread to end sm_worker_main() */
	struct sm_counters cnt __rte_cache_aligned;
} __rte_cache_aligned;

/**
 * Create a worker with its table, wheel and rings.
 * @return the worker, or NULL with rte_errno set. Main thread, before launch.
 */
struct sm_worker *sm_worker_create(const struct sm_worker_params *p);

/** Free a worker; NULL is a no-op. The worker must not be running. */
void sm_worker_free(struct sm_worker *w);

/**
 * Process a burst of parsed packets: sessions, state, accounting, ageing.
 * Frees the mbufs. Owning lcore (or a test/benchmark standing in for it).
 */
void sm_worker_burst(struct sm_worker *w, struct rte_mbuf **pkts, unsigned int n);

/**
 * Run queued control commands. @return the number run. Owning lcore.
 */
unsigned int sm_worker_poll_commands(struct sm_worker *w);

/** lcore entry point: loop on rx ring and command ring until w->stop,
 * then run the commands still queued (SM_CMD_SHUTDOWN). */
int sm_worker_main(void *arg);

#endif /* SESSMON_WORKER_H */
