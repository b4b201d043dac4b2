/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The control thread: the one place that reads every worker's table.
 *
 * It runs beside the workers from start-up. It reads session records in
 * place under RCU QSBR, a chunk of slots at a time with a quiescent state
 * between chunks, so a dump of any size never holds back the workers'
 * reclamation for long; it changes sessions only by sending commands to
 * the owning worker (struct sm_cmd), and waits for replies itself — a
 * worker never waits for it.
 *
 * Offline, it waits for the input to be consumed, moves every worker's
 * network time to the end of the input, then runs the queued `-c`
 * commands through the CLI: the same path a live CLI client takes.
 */
#ifndef SESSMON_CTL_H
#define SESSMON_CTL_H

#include <stdint.h>
#include <stdio.h>

#include <rte_rcu_qsbr.h>

#include "sessmon/ingress.h"
#include "sessmon/sess_view.h"
#include "sessmon/timers.h"
#include "sessmon/worker.h"

struct sm_sess_filter;
struct sm_sig_ctl;

/** RCU thread id of the control thread on the tables' QSBR variable. */
#define SM_CTL_RCU_ID 0
/** Readers the QSBR variable is sized for (control thread, CLI clients). */
#define SM_CTL_RCU_READERS 4

/** Parameters of sm_ctl_create(). */
struct sm_ctl_params {
	struct sm_worker **workers;
	unsigned int n_workers;
	struct sm_ingress *ingress;
	struct rte_rcu_qsbr *rcu;
	const struct sm_timers *timers;
	const char *const *cmds;   /**< commands to run after the input */
	unsigned int n_cmds;
	FILE *out;                 /**< where command output goes */
	struct sm_sig_ctl *sig;    /**< signature control plane, or NULL (no rules) */
};

struct sm_ctl;

/** Create the control plane. @return it, or NULL with rte_errno. Main thread. */
struct sm_ctl *sm_ctl_create(const struct sm_ctl_params *p);

/** Start the control thread. @return 0 or -errno. Main thread. */
int sm_ctl_start(struct sm_ctl *c);

/**
 * Wait for the control thread to finish its commands.
 * @return 0, or 3 if a command failed (its FortiOS error was printed).
 * Main thread.
 */
int sm_ctl_join(struct sm_ctl *c);

/**
 * Ask for a signature reload (the SIGHUP handler's call: only sets a
 * flag the control thread polls). Any thread, async-signal-safe.
 */
void sm_ctl_request_reload(struct sm_ctl *c);

/**
 * Reload the signature rules now (`diagnose ips signature reload`): compile
 * off the workers, then swap every worker to the new set. The report goes
 * to @p out. @return 0, -ENOTSUP (no rules), or the load's -errno.
 * Control thread.
 */
int sm_ctl_sig_reload(struct sm_ctl *c, FILE *out);

/** Free the control plane; NULL is a no-op. */
void sm_ctl_free(struct sm_ctl *c);

/**
 * Visit every live session of @p family (4, 6, 0 for both) that matches
 * @p f (NULL: all), in serial order, as views at the workers' network time.
 * @return sessions visited, or -errno (-ENOMEM). Control thread.
 */
int sm_ctl_walk(struct sm_ctl *c, int family, const struct sm_sess_filter *f,
		int (*cb)(void *arg, const struct sm_sess_view *v), void *arg);

/**
 * End every live session matching @p f (NULL: all), through the owning
 * workers. @return sessions asked to end, or -errno. Control thread.
 */
int sm_ctl_clear(struct sm_ctl *c, const struct sm_sess_filter *f);

/** Sum `session stat` counters over workers for @p f. Control thread. */
int sm_ctl_stat(struct sm_ctl *c, const struct sm_sess_filter *f, struct sm_sess_stat *st);

/**
 * Sum the ingress's and every worker's counters into @p out.
 * Control thread.
 */
void sm_ctl_counters(const struct sm_ctl *c, struct sm_counters *out);

#endif /* SESSMON_CTL_H */
