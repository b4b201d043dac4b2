/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Command line: `sessmon [EAL options] -- [options]`, or the convenience
 * form `sessmon [options]`, for which sessmon writes the EAL arguments of
 * an offline run itself (no hugepages, no PCI, in memory, a net_pcap vdev
 * per capture).
 */
#ifndef SESSMON_OPTS_H
#define SESSMON_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sessmon/timers.h"

#define SM_OPTS_MAX_READ 16
#define SM_OPTS_MAX_CMDS 64
#define SM_OPTS_MAX_EAL 64
#define SM_OPTS_MAX_TOGGLE 64

/** Parsed options. */
struct sm_opts {
	const char *read[SM_OPTS_MAX_READ];   /**< -r captures, in order */
	unsigned int n_read;
	const char *cmds[SM_OPTS_MAX_CMDS];   /**< -c control commands, in order */
	unsigned int n_cmds;
	unsigned int workers;                 /**< -w */
	uint32_t sessions;                    /**< --sessions: per-worker capacity */
	struct sm_timers timers;              /**< --timer NAME=SECONDS */
	uint32_t duration;                    /**< --duration: stop reading after this many
						   wall-clock seconds (0: read to the end) */
	bool stats;                           /**< --stats: print throughput on stderr */
	uint32_t mbufs;                       /**< --mbufs: pool size (0: sized from workers) */
	const char *events;                   /**< -e: JSON lines file, "-" stdout, NULL none */
	const char *events_filter;            /**< --events-filter */
	const char *ev_toggle[SM_OPTS_MAX_TOGGLE]; /**< --event-on/--event-off names, in order */
	bool ev_toggle_on[SM_OPTS_MAX_TOGGLE];
	unsigned int n_ev_toggle;
	const char *rules[SM_OPTS_MAX_READ];  /**< --rules files, in order */
	unsigned int n_rules;
	bool strict;                          /**< --strict: a rejected rule is fatal */
	const char *rules_cache;              /**< --rules-cache DIR ("" : none) */
	bool no_inspect;                      /**< --no-inspect */
	uint64_t depth;                       /**< --inspect-depth (UINT64_MAX: unlimited) */
	uint32_t status_interval;             /**< --status-interval seconds */
	bool user_eal;                        /**< EAL options came before `--` */
	char *eal_argv[SM_OPTS_MAX_EAL];      /**< EAL arguments to pass */
	int eal_argc;
	char eal_buf[1024];                   /**< storage for built EAL strings */
};

/** What sm_opts_parse() found. */
enum sm_opts_result {
	SM_OPTS_RUN = 0,    /**< run with the options */
	SM_OPTS_EXIT_OK,    /**< --help or --version printed: exit 0 */
};

/**
 * Parse @p argv. In the convenience form the EAL arguments are built here;
 * with `--`, the arguments before it are passed to the EAL as they are.
 * @return enum sm_opts_result, or -EINVAL with one line in @p err.
 * Main thread, before EAL init.
 */
int sm_opts_parse(int argc, char **argv, struct sm_opts *o, char *err, size_t errlen);

#endif /* SESSMON_OPTS_H */
