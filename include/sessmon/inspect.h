/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session inspection: what a worker does with a session's payload and
 * events beyond the FortiGate accounting of session.c.
 *
 * A worker with inspection on gives each new session a small inspection
 * object (from a per-worker mempool; the session record keeps a pointer).
 * TCP sessions also get a reassembly stream (stream.h); its in-order
 * delivery has two consumers, the TLS analyzer (tls.h, attached once the
 * first bytes of the session look like TLS, on any port) and the signature
 * engine. Every moment worth an event becomes one on the worker's event
 * ring (event.h): connection moments (conn.h), TLS events, gaps,
 * inconsistent retransmissions, and at the end exactly one
 * connection_state_remove per session, whatever ends it.
 *
 * Inspection is complete for a direction when nothing is left to learn:
 * TLS turned encrypted, or the direction's inspection depth was reached.
 * The stream then stops (its chunks go back) and the reason is kept for
 * the offload decision.
 *
 * Objects are bounded (mempools sized at start): when one runs out the
 * session goes on uninspected or without the missing part, and a counter
 * says so. Threads: an inspector belongs to one worker lcore; every
 * function here is for that lcore, except create and free (main thread).
 */
#ifndef SESSMON_INSPECT_H
#define SESSMON_INSPECT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "sessmon/event.h"
#include "sessmon/sig.h"
#include "sessmon/sess_view.h"
#include "sessmon/session.h"
#include "sessmon/tuple.h"

/* X(enum suffix, counter name, meaning) */
#define SM_INSPECT_CNT_LIST(X) \
	X(NO_OBJECT, "insp_no_object", "sessions left uninspected: the inspection pool was empty") \
	X(NO_STREAM, "insp_no_stream", "TCP sessions without reassembly: the stream pool was empty") \
	X(NO_TLS, "insp_no_tls", "TLS sessions not analysed: the TLS pool was empty") \
	X(TLS_DETECTED, "insp_tls_detected", "sessions whose first bytes were TLS") \
	X(TLS_VIOLATION, "insp_tls_violation", "TLS sessions whose record framing broke") \
	X(COMPLETE_TLS, "insp_complete_tls", "directions whose inspection ended at TLS encryption") \
	X(COMPLETE_DEPTH, "insp_complete_depth", "directions whose inspection ended at the depth")

/** Inspection counters. */
enum sm_inspect_cnt {
#define SM_INSPECT_CNT_ENUM(id, name, doc) SM_INSPECT_CNT_##id,
	SM_INSPECT_CNT_LIST(SM_INSPECT_CNT_ENUM)
#undef SM_INSPECT_CNT_ENUM
	SM_INSPECT_CNT_MAX
};

/** Counter name, or NULL if out of range. Any thread. */
const char *sm_inspect_cnt_name(enum sm_inspect_cnt c);

/** Why a direction's inspection is complete (kept per session for the
 * offload decision). */
enum sm_inspect_done {
	SM_INSPECT_RUNNING = 0,
	SM_INSPECT_DONE_TLS,      /**< TLS application data: encrypted */
	SM_INSPECT_DONE_DEPTH,    /**< --inspect-depth bytes seen */
};

/** Parameters of sm_inspect_create(); 0 picks a default. */
struct sm_inspect_params {
	uint16_t worker;
	int socket;
	uint32_t sessions;     /**< inspection objects (the table's capacity) */
	uint32_t streams;      /**< reassembly streams (sessions / 4) */
	uint32_t tls;          /**< TLS analysers (streams / 4) */
	uint32_t tls_bufs;     /**< TLS handshake buffers of SM_TLS_HS_BUF_SIZE (64) */
	uint64_t depth;        /**< inspection depth per direction, bytes (1 MiB); UINT64_MAX: unlimited */
	uint32_t status_interval_s; /**< connection_status_update interval, seconds (60) */
	struct sm_ev_ring *ev; /**< the worker's event ring (required) */
	struct sm_sig_worker *sig; /**< the worker's signature matcher, or NULL (no rules) */
};

/** Per-session inspection state (opaque). */
struct sm_insp;
/** A worker's inspector (opaque). */
struct sm_inspector;

/**
 * Create a worker's inspector and its pools. Main thread.
 * @return it, or NULL with rte_errno set
 */
struct sm_inspector *sm_inspect_create(const struct sm_inspect_params *p);

/** Free an inspector; NULL is a no-op. Main thread, once the worker stopped
 * and every session was ended. */
void sm_inspect_free(struct sm_inspector *in);

/**
 * A new session: attach its inspection object and raise new_connection.
 * Owning worker, after sm_session_init().
 */
void sm_inspect_begin(struct sm_inspector *in, struct sm_session *s,
		      const struct sm_pkt_meta *pm);

/**
 * One packet of the session in direction @p dir (after sm_session_update()):
 * connection moments, reassembly, TLS, signatures. @p m stays valid for the
 * call only. Owning worker.
 */
void sm_inspect_packet(struct sm_inspector *in, struct sm_session *s,
		       struct rte_mbuf *m, int dir);

/**
 * The session ends (@p why): deliver what reassembly holds, close the
 * analysers, raise the closing events and connection_state_remove, and give
 * the objects back. Safe on a session without an inspection object. Owning
 * worker, before the record is freed.
 * @param key  the session's key (the record does not hold it)
 * @param now_us  network time of the end
 */
void sm_inspect_end(struct sm_inspector *in, struct sm_session *s,
		    const struct sm_sess_key *key, enum sm_end_reason why, uint64_t now_us);

/**
 * Copy what the custom fields show of a session's inspection state @p x
 * (NULL: not inspected) to @p out. Control thread, under RCU while the
 * session record is live: the object may be recycled meanwhile, so the copy
 * is bounded and the caller re-checks the record's serial afterwards.
 */
void sm_inspect_info(const struct sm_insp *x, struct sm_insp_info *out);

/** Copy the counters. Any thread (relaxed loads). */
void sm_inspect_counters(const struct sm_inspector *in, uint64_t out[SM_INSPECT_CNT_MAX]);

#endif /* SESSMON_INSPECT_H */
