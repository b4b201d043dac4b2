/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The FortiOS command line: parses one command (with FortiOS's keyword
 * abbreviations, `diag sys sess list`), runs it against a backend and
 * prints FortiOS 7.2's text, or FortiOS's error feedback.
 *
 * The CLI knows nothing about workers or RCU: the backend (the control
 * thread, see ctl.h) walks, clears and counts sessions for it. A CLI owns
 * its session filters, as a FortiOS CLI session does: one for `diagnose sys
 * session` (IPv4), one for `session6` (IPv6). docs/cli.md lists the
 * commands.
 *
 * One CLI is used by one thread at a time (the control thread, or later
 * one CLI client's thread).
 */
#ifndef SESSMON_CLI_H
#define SESSMON_CLI_H

#include <stddef.h>
#include <stdio.h>

#include "sessmon/sess_view.h"

struct sm_sess_filter;

/*
 * FortiOS's return codes, as it prints them in `Command fail. Return code
 * N` (../shared/fortigate/README.md §8, samples/cli-error-outputs-netdriver.txt).
 */
/** `value parse error before 'X'`: a word in a value's place is no such value. */
#define SM_CLI_ERR_VALUE (-8)
/** `command parse error before 'X'`: an unknown, ambiguous or extra word. */
#define SM_CLI_ERR_PARSE (-61)
/** `incomplete command in the end`: the line stops before the command does. */
#define SM_CLI_ERR_INCOMPLETE (-160)

/** The `diagnose ips signature` verbs. */
enum sm_cli_sig {
	SM_CLI_SIG_LIST,
	SM_CLI_SIG_STAT,
	SM_CLI_SIG_RELOAD,
};

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
	/** Print sessmon's own lines after `session stat` (events,
	 * inspection); NULL: none. @return 0 or -errno. */
	int (*stat_extra)(void *arg, FILE *out);
	/** `diagnose ips signature list|stat|reload`; NULL: no signature
	 * engine. @return 0, -ENOTSUP (no rules loaded) or -errno. */
	int (*sig)(void *arg, enum sm_cli_sig verb, FILE *out);
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
 * FortiOS's keyword rule: @p word names the shortest keyword it starts,
 * provided every other keyword it starts extends that one. So a whole
 * keyword names itself, `sess` names `session` (`session6` extends it),
 * and `f` names neither `filter` nor `full-stat`. An empty word names
 * none. Shared by the command tree and the session filter's keys, so that
 * every word of a line follows one rule.
 *
 * @param table     @p n rows of @p row_size bytes, each beginning with its
 *                  keyword (a `const char *`)
 * @return the row's index, or -1 (no such keyword, or ambiguous).
 * Any thread.
 */
int sm_cli_keyword_find(const char *word, const void *table, size_t n, size_t row_size);

/**
 * Run one command line and print its output (or FortiOS's error text) to
 * @p out.
 * @return 0 on success (an empty line is one); on error FortiOS's negative
 *         return code (SM_CLI_ERR_PARSE, also for `Unknown action 0`;
 *         SM_CLI_ERR_INCOMPLETE, also for an open quote; SM_CLI_ERR_VALUE),
 *         or the backend's -errno, after printing FortiOS's feedback
 *         (`Command fail. Return code N` alone for a backend's error). A
 *         command the parser rejects changes nothing.
 */
int sm_cli_exec(struct sm_cli *cli, const char *line, FILE *out);

#endif /* SESSMON_CLI_H */
