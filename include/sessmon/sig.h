/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The worker side of signature matching: Hyperscan streams per session
 * direction, scanned from the in-order stream (stream.h data callback).
 *
 * A direction's stream opens lazily at its first payload byte on the
 * worker's current ruleset (rules.h) and keeps that ruleset until it
 * closes, whatever reloads happen meanwhile. Each Hyperscan match is
 * filtered by the rule's protocol, ports and flow against the session
 * (struct sm_sig_flow) and reported to the caller with the stream offset of
 * its end. Each rule reports at most once per direction (HS_FLAG_SINGLEMATCH,
 * except rules that ask for the start offset).
 *
 * A direction stops, for good, when the inspection depth is reached, when
 * the caller says so (TLS application data, session end), or when no stream
 * could be opened; the reason is kept (enum sm_sig_stop) for the offload
 * decision. Stopping closes the Hyperscan stream, which reports the matches
 * that need the end of data ('$' anchors).
 *
 * Reload (docs/signatures.md): the control thread builds the new ruleset
 * and a scratch valid for every ruleset still in use (a prototype grown with
 * sm_sig_scratch_grow(), cloned per worker with sm_sig_scratch_clone());
 * the worker installs both with sm_sig_worker_swap() and hands back its old
 * scratch. Each ruleset counts the streams each worker has open on it
 * (rules.h sm_ruleset_streams_open()); the control thread frees an old set
 * once every worker has swapped and that count is 0. Workers never free.
 *
 * Threads: sm_sig_worker_create(), sm_sig_worker_free() and the scratch
 * functions are for the control (or main) thread; sm_sig_worker_stats() and
 * sm_sig_worker_hits() for any thread; the rest for the owning worker.
 */
#ifndef SESSMON_SIG_H
#define SESSMON_SIG_H

#include <stdbool.h>
#include <stdint.h>

#include <hs.h>

#include "sessmon/common.h"
#include "sessmon/rules.h"

/** Default inspection depth per direction: 1 MiB. */
#define SM_SIG_DEPTH_DEFAULT (1u << 20)

/** Why a direction stopped being inspected. */
enum sm_sig_stop {
	SM_SIG_STOP_NONE = 0,      /**< still inspecting (or not started) */
	SM_SIG_STOP_DEPTH,         /**< the inspection depth was reached */
	SM_SIG_STOP_TLS_ENCRYPTED, /**< TLS application data began */
	SM_SIG_STOP_SESSION_END,   /**< the stream or the session ended */
	SM_SIG_STOP_NO_STREAM,     /**< no stream: the worker's limit, or Hyperscan failed */
	SM_SIG_STOP_NO_RULES,      /**< no ruleset (or none for this direction) */
	SM_SIG_STOP_MAX
};

/**
 * Name of a stop reason ("depth", "tls_encrypted", ...), for events and the
 * offload reason. Any thread. @return the name, "?" if out of range
 */
const char *sm_sig_stop_name(enum sm_sig_stop why);

/** The session facts the match filter needs; constant over the session. */
struct sm_sig_flow {
	uint16_t port[SM_DIR_MAX]; /**< originator's and responder's port (host order) */
	uint8_t proto;             /**< IP protocol number */
};

/**
 * One direction's matching state, kept by the caller: all zero (or
 * sm_sig_dir_init()) before the first use. 40 bytes.
 */
struct sm_sig_dir {
	hs_stream_t *hs;          /**< open Hyperscan stream, or NULL */
	struct sm_ruleset *rs;    /**< the ruleset @c hs was opened on */
	uint64_t fed;             /**< bytes given to @c hs */
	uint64_t delta;           /**< stream offset minus Hyperscan offset (gaps) */
	uint8_t stop;             /**< enum sm_sig_stop */
};

/** A match, as the callback receives it. */
struct sm_sig_match {
	const struct sm_rule *rule; /**< sid, rev, msg, classtype, priority; valid
					 during the callback (the ruleset may be
					 freed once the stream closes: copy) */
	uint32_t rule_idx;          /**< index of @c rule in its ruleset */
	uint8_t dir;                /**< SM_DIR_ORIG (is_orig) or SM_DIR_REPLY */
	uint64_t end;               /**< stream offset just past the match's last byte */
	uint64_t start;             /**< stream offset of its first byte if
					 @c rule->som, else UINT64_MAX */
};

/** The caller's match callback (on the worker, inside scan or stop). */
typedef void (*sm_sig_match_cb)(void *arg, const struct sm_sig_match *m);

/** Parameters of sm_sig_worker_create(). */
struct sm_sig_params {
	uint16_t id;              /**< worker id: its row of the rulesets' counters
				       (< SM_MAX_WORKERS and < the ruleset's workers) */
	uint32_t max_streams;     /**< open streams at most (0: unlimited) */
	uint64_t depth;           /**< inspection depth per direction (0: unlimited) */
	struct sm_ruleset *rs;    /**< initial ruleset, or NULL */
	hs_scratch_t *scratch;    /**< scratch valid for @c rs (taken over), or NULL */
};

/** A worker's counters. */
struct sm_sig_stats {
	uint64_t streams_open;    /**< streams open now */
	uint64_t stream_bytes;    /**< their Hyperscan state (sum of hs_stream_size) */
	uint64_t streams_opened;  /**< streams opened since start */
	uint64_t open_failures;   /**< directions left uninspected: limit or error */
	uint64_t scan_errors;     /**< scans Hyperscan failed (direction stopped) */
	uint64_t bytes_scanned;   /**< payload bytes given to Hyperscan */
	uint64_t matches;         /**< matches reported to the caller */
	uint64_t filtered;        /**< matches dropped by the protocol/port/flow filter */
	uint64_t depth_stops;     /**< directions stopped at the inspection depth */
	uint64_t swaps;           /**< rulesets installed by sm_sig_worker_swap() */
};

struct sm_sig_worker;

/**
 * A worker's matcher. Control or main thread, before the worker uses it.
 * @return the matcher, or NULL with errno set: EINVAL (@c id out of range,
 *   or @c rs given without a scratch), ENOMEM
 */
struct sm_sig_worker *sm_sig_worker_create(const struct sm_sig_params *p);

/**
 * Free a matcher and its scratch; NULL is a no-op. Control or main thread,
 * once the worker has stopped and closed its streams (sm_sig_stop()).
 */
void sm_sig_worker_free(struct sm_sig_worker *w);

/**
 * Install ruleset @p rs and scratch @p scratch (valid for @p rs and every
 * ruleset this worker still has streams on; @p rs must have a counter row
 * for this worker: rs->workers above its id). New streams use @p rs; open
 * ones keep theirs. Owning worker (on the control thread's command).
 * @param old_scratch  receives the previous scratch, for the control thread
 *   to free (hs_free_scratch) after the worker has answered
 */
void sm_sig_worker_swap(struct sm_sig_worker *w, struct sm_ruleset *rs, hs_scratch_t *scratch,
			hs_scratch_t **old_scratch);

/** Copy the worker's counters (relaxed loads). Any thread. */
void sm_sig_worker_stats(const struct sm_sig_worker *w, struct sm_sig_stats *out);

/** Set a direction's state to "not started". Owning worker. */
static inline void
sm_sig_dir_init(struct sm_sig_dir *d)
{
	d->hs = NULL;
	d->rs = NULL;
	d->fed = 0;
	d->delta = 0;
	d->stop = SM_SIG_STOP_NONE;
}

/**
 * Scan @p len payload bytes at stream offset @p off of direction @p dir
 * (the stream.h data callback's arguments). Opens the stream at the first
 * call; bytes skipped since the last call (a gap) only move the offsets.
 * Matches go to @p cb. Past the depth, only the bytes before it are
 * scanned and the direction stops. Owning worker.
 *
 * @return SM_SIG_STOP_NONE: go on; another reason: the direction is stopped
 *   (its stream closed, end matches reported), nothing more will be scanned
 *   and the caller may stop the stream (SM_STREAM_STOP)
 */
enum sm_sig_stop sm_sig_scan(struct sm_sig_worker *w, struct sm_sig_dir *d,
			     const struct sm_sig_flow *f, int dir, uint64_t off,
			     const uint8_t *p, uint32_t len, sm_sig_match_cb cb, void *arg);

/**
 * Stop direction @p dir for reason @p why: close its stream (end-of-data
 * matches go to @p cb). A direction never opened is only marked stopped;
 * one already stopped keeps its first reason. Owning worker.
 * @return the reason the direction stopped for (the first one)
 */
enum sm_sig_stop sm_sig_stop(struct sm_sig_worker *w, struct sm_sig_dir *d,
			     const struct sm_sig_flow *f, int dir, enum sm_sig_stop why,
			     sm_sig_match_cb cb, void *arg);

/**
 * Has direction @p d stopped (and why)? Owning worker.
 * @return SM_SIG_STOP_NONE while it may still scan
 */
enum sm_sig_stop sm_sig_dir_stopped(const struct sm_sig_dir *d);

/**
 * Grow the prototype scratch @p proto (NULL: allocate it) so that it also
 * serves @p rs. Control thread.
 * @return 0, -ENOMEM, -EINVAL (Hyperscan refused)
 */
int sm_sig_scratch_grow(hs_scratch_t **proto, const struct sm_ruleset *rs);

/**
 * A copy of @p proto for one worker. Control thread.
 * @return the scratch, or NULL (ENOMEM)
 */
hs_scratch_t *sm_sig_scratch_clone(const hs_scratch_t *proto);

#endif /* SESSMON_SIG_H */
