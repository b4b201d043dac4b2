/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session ageing on network time: a one-second timing wheel.
 *
 * DPDK's rte_timer reads the TSC; sessmon's clock is the capture's (offline)
 * or the TSC's (live), so ageing takes "now" explicitly and the same code
 * serves both. Sessions are linked into the slot of the second they expire
 * in, through index links inside the session record (no allocation).
 *
 * A packet only moves a session's expiry later, so packets never touch the
 * wheel: when a slot comes due, each session in it is checked against its
 * real expiry and either ends or moves on (nginx's lazy timer idea). Only a
 * timer change that shortens the expiry (FIN, RST) relinks a session. The
 * per-packet cost is therefore O(1) whatever the table size, and the work
 * per call is bounded by a budget.
 *
 * Owning worker only.
 */
#ifndef SESSMON_AGEING_H
#define SESSMON_AGEING_H

#include <stdint.h>

#include "sessmon/session.h"
#include "sessmon/timers.h"

/** Wheel slots (seconds): covers the default session-ttl in one turn. */
#define SM_AGEING_SLOTS 4096

/** A wheel. */
struct sm_ageing {
	uint64_t cur_sec;        /**< next second to process */
	uint32_t pending;        /**< list being processed (detached slot) */
	uint32_t n_linked;       /**< sessions on the wheel */
	uint32_t head[SM_AGEING_SLOTS]; /**< first session of each slot */
};

/** Start an empty wheel at network time @p now_us. */
void sm_ageing_init(struct sm_ageing *a, uint64_t now_us);

/** Link session @p slot by its current expiry. */
void sm_ageing_link(struct sm_ageing *a, struct sm_session *sess, uint32_t slot,
		    const struct sm_timers *t);

/** Unlink session @p slot (it is ending, or its expiry got earlier). */
void sm_ageing_unlink(struct sm_ageing *a, struct sm_session *sess, uint32_t slot);

/**
 * Collect up to @p n sessions that have expired by @p now_us; they are
 * unlinked and their slots written to @p out. A second's slot is taken once
 * that second is entirely past, so a session is collected up to one second
 * after its expiry (never before it). Sessions found alive are moved to the
 * slot of their real expiry.
 * @param budget  sessions examined at most in this call (bounds the work)
 * @return the number of slots written to @p out
 */
unsigned int sm_ageing_expire(struct sm_ageing *a, struct sm_session *sess,
			      uint64_t now_us, const struct sm_timers *t,
			      uint32_t *out, unsigned int n, unsigned int budget);

/**
 * The linked session that expires soonest among the first non-empty slots,
 * for eviction when the table is full. @return its slot, or -ENOENT.
 */
int64_t sm_ageing_oldest(const struct sm_ageing *a);

#endif /* SESSMON_AGEING_H */
