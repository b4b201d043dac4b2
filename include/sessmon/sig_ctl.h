/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control plane of signature matching: the rule set in force, its hot
 * reload, and `diagnose ips signature list|stat|reload`.
 *
 * A reload compiles the rule files again off the workers (rules.h), grows
 * the prototype scratch to serve the new set as well as the old ones still
 * in use, and gives every worker its own clone with the new set
 * (SM_CMD_SIG_SWAP, carrying a struct sm_sig_swap). A worker installs them
 * between two bursts, so no packet waits for a compile; streams already
 * open finish on the set they started with. The old set is retired and
 * freed once no stream is open on it (sm_sig_ctl_reap()). A reload that
 * fails to compile leaves the set in force untouched.
 *
 * Threads: create and worker set-up on the main thread before the workers
 * start; everything else on the control thread; free once the workers and
 * the control thread have stopped.
 */
#ifndef SESSMON_SIG_CTL_H
#define SESSMON_SIG_CTL_H

#include <stdio.h>

#include "sessmon/rules.h"
#include "sessmon/sig.h"

/** What SM_CMD_SIG_SWAP carries to a worker (by pointer). */
struct sm_sig_swap {
	struct sm_ruleset *rs;  /**< the new set */
	hs_scratch_t *scratch;  /**< the worker's scratch for it (taken over) */
	hs_scratch_t *old;      /**< set by the worker: its previous scratch */
};

struct sm_sig_ctl;

/**
 * Load the rule files of @p p and print the load report (rejects, counts)
 * to @p report. Main thread.
 * @return 0 and *out; -EINVAL (a reject under strict, bad parameters),
 *   -ENOENT (no rule loaded), -EIO (a file unreadable), -ENOMEM
 */
int sm_sig_ctl_create(const struct sm_rules_params *p, FILE *report, struct sm_sig_ctl **out);

/**
 * The matcher of worker @p id on the set in force, with at most
 * @p max_streams Hyperscan streams open at once (their memory is the
 * bound: hs_stream_size() each). Main thread.
 * @return it, or NULL (ENOMEM)
 */
struct sm_sig_worker *sm_sig_ctl_worker(struct sm_sig_ctl *c, uint16_t id, uint64_t depth,
					uint32_t max_streams);

/**
 * First half of a reload: compile the files again and prepare one swap per
 * worker in @p swaps. The report goes to @p out. Control thread.
 * @return 0, or -errno (nothing changed)
 */
int sm_sig_ctl_prepare(struct sm_sig_ctl *c, struct sm_sig_swap *swaps, FILE *out);

/**
 * Second half, once every worker ran its swap: free the scratches they gave
 * back and retire the old set. Control thread.
 */
void sm_sig_ctl_commit(struct sm_sig_ctl *c, struct sm_sig_swap *swaps);

/** Free retired sets no stream uses any more. Control thread. */
void sm_sig_ctl_reap(struct sm_sig_ctl *c);

/** `diagnose ips signature list`. Control thread. @return 0 or -EIO */
int sm_sig_ctl_list(const struct sm_sig_ctl *c, FILE *out);

/** `diagnose ips signature stat`. Control thread. @return 0 or -EIO */
int sm_sig_ctl_stat(const struct sm_sig_ctl *c, FILE *out);

/** Free everything; NULL is a no-op. Main thread, at the end. */
void sm_sig_ctl_free(struct sm_sig_ctl *c);

#endif /* SESSMON_SIG_CTL_H */
