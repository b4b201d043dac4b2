/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The FortiOS command line: parses one command (with FortiOS's keyword
 * abbreviations, `diag sys sess list`), runs it against a backend and
 * prints FortiOS 7.2's text, or FortiOS's error feedback.
 *
 * The CLI knows nothing about workers or RCU: the backend (the control
 * thread, see ctl.h) walks, clears and counts sessions for it. A CLI owns
 * its session filter, as a FortiOS CLI session does.
 *
 * One CLI is used by one thread at a time (the control thread, or later
 * one CLI client's thread).
 */
#ifndef SESSMON_CLI_H
#define SESSMON_CLI_H

#include <stdio.h>

#include "sessmon/sess_view.h"

struct sm_sess_filter;

/** What a CLI needs from the session tables. */
struct sm_cli_ops {
	/**
	 * Visit live sessions of @p family (4 or 6; 0 both) matching @p f
	 * (NULL: all) in serial order. @return sessions visited or -errno.
	 */
	int (*walk)(void *arg, int family, const struct sm_sess_filter *f,
		    int (*cb)(void *cb_arg, const struct sm_sess_view *v), void *cb_arg);
	/** End sessions matching @p f. @return sessions ended or -errno. */
	int (*clear)(void *arg, const struct sm_sess_filter *f);
	/** Fill `session stat` figures for @p f. @return 0 or -errno. */
	int (*stat)(void *arg, const struct sm_sess_filter *f, struct sm_sess_stat *st);
};

struct sm_cli;

/**
 * Create a CLI over a backend. @p ops must outlive the CLI.
 * @return the CLI, or NULL (out of memory).
 */
struct sm_cli *sm_cli_create(const struct sm_cli_ops *ops, void *arg);

/** Free a CLI; NULL is a no-op. */
void sm_cli_free(struct sm_cli *cli);

/**
 * Run one command line and print its output (or FortiOS's error text) to
 * @p out.
 * @return 0 on success; on error FortiOS's negative return code (-61
 *         command parse error, -160 incomplete command, -8 value parse
 *         error, ...), after printing FortiOS's feedback. A failed command
 *         changes nothing.
 */
int sm_cli_exec(struct sm_cli *cli, const char *line, FILE *out);

#endif /* SESSMON_CLI_H */
