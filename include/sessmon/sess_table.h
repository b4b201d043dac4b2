/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A worker's session table: rte_hash for the keys, a parallel array of
 * 128-byte records indexed by the key's hash position.
 *
 * The hash runs in lock-free reader/writer mode with an RCU QSBR defer
 * queue: when the owning worker deletes a key, its position (and so the
 * session record) is not handed out again until every registered reader
 * (the control thread) has gone through a quiescent state. The control
 * thread can therefore read records in place while the worker goes on
 * adding and deleting, and never makes the worker wait.
 *
 * Writer: the owning worker only. Readers: any thread registered on the
 * table's RCU variable, between rte_rcu_qsbr_thread_online() and _offline().
 */
#ifndef SESSMON_SESS_TABLE_H
#define SESSMON_SESS_TABLE_H

#include <stdint.h>

#include <rte_rcu_qsbr.h>

#include "sessmon/session.h"
#include "sessmon/tuple.h"

struct rte_hash;

/** A session table. */
struct sm_sess_table {
	struct rte_hash *h;          /**< key -> position */
	struct sm_session *sess;     /**< records, indexed by position */
	uint32_t capacity;           /**< sessions the table holds */
	/** Live sessions: rte_hash_count() would also count deleted keys
	 * whose positions wait for an RCU grace period. Owning worker
	 * writes, any thread reads. */
	uint32_t n_live;
	uint64_t mem_bytes;          /**< DPDK heap bytes its creation took */
};

/**
 * Create a table for @p capacity sessions on NUMA socket @p socket, whose
 * deleted positions are reclaimed through @p rcu.
 * @return the table, or NULL with rte_errno set (EINVAL, ENOMEM, EEXIST).
 * Control thread, before the worker starts.
 */
struct sm_sess_table *sm_sess_table_create(const char *name, uint32_t capacity,
					   struct rte_rcu_qsbr *rcu, int socket);

/** Free a table; NULL is a no-op. No reader or writer may use it. */
void sm_sess_table_free(struct sm_sess_table *t);

/**
 * Look up @p n (at most RTE_HASH_LOOKUP_BULK_MAX) keys with their
 * precomputed hashes; @p slots[i] receives the position or a negative
 * errno (-ENOENT). Owning worker.
 */
void sm_sess_table_lookup_bulk(const struct sm_sess_table *t,
			       const struct sm_sess_key **keys,
			       const uint32_t *hashes, unsigned int n,
			       int32_t *slots);

/** Look up one key. @return its position, or -ENOENT. Owning worker. */
int32_t sm_sess_table_lookup(const struct sm_sess_table *t,
			     const struct sm_sess_key *key, uint32_t hash);

/**
 * Add a key that is not in the table (the caller looked it up). @return its
 * position (its record is not initialised), or -ENOSPC when the table is
 * full: positions freed less than an RCU grace period ago are not free yet,
 * so a full table stays full while a control-thread reader is online.
 * Owning worker.
 */
int32_t sm_sess_table_add(struct sm_sess_table *t,
			  const struct sm_sess_key *key, uint32_t hash);

/**
 * Delete the session in @p slot: its serial is cleared first so readers
 * skip it, then its key goes; the position comes back after an RCU grace
 * period. Owning worker.
 */
void sm_sess_table_del(struct sm_sess_table *t, uint32_t slot);

/**
 * The key of the session in @p slot. @return 0, or -ENOENT for a free slot.
 * Owning worker, or an online RCU reader.
 */
int sm_sess_table_key(const struct sm_sess_table *t, uint32_t slot,
		      struct sm_sess_key *key);

/** Live sessions. Any thread (a moment's value). */
uint32_t sm_sess_table_count(const struct sm_sess_table *t);

/**
 * Bytes of memory the table holds per session of capacity, measured as the
 * growth of DPDK's heaps while it was created (created while nothing else
 * allocates). Any thread.
 */
uint64_t sm_sess_table_bytes_per_session(const struct sm_sess_table *t);

#endif /* SESSMON_SESS_TABLE_H */
