/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * `diagnose sys session filter` (and `session6 filter`): which sessions
 * `list`, `clear` and `stat` act on, with FortiOS's keys and semantics
 * (../shared/fortigate/README.md §5).
 *
 * - Every key that has a value must match (the keys are ANDed); a key
 *   without one matches every session.
 * - `src`/`dst`/`sport`/`dport` test the originator's side: the session's
 *   original direction (view->dir[SM_DIR_ORIG]), whichever endpoint sends.
 * - Values are ranges: `dport 80` is 80-80, `dport 1000 2000` is 1000-2000.
 *   `vd` takes one index, `vd -1` takes the key's value away.
 * - `negate <key>` inverts that key's test; it takes effect while the key
 *   has a value and lasts until `clear`.
 * - A filter holds one address family, as FortiOS keeps IPv4 (`session`)
 *   and IPv6 (`session6`) sessions apart: it takes addresses of its family
 *   only and matches sessions of its family only.
 *
 * A filter is changed by the thread that owns it (its CLI's);
 * sm_sess_filter_match() only reads it and may run on any thread while the
 * owner does not change it.
 */
#ifndef SESSMON_SESS_FILTER_H
#define SESSMON_SESS_FILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sessmon/sess_view.h"

/** Filter keys that take a value (`clear` and `negate` do not). */
enum sm_sess_filter_key {
	SM_SESS_FILTER_VD = 0,
	SM_SESS_FILTER_SRC,
	SM_SESS_FILTER_DST,
	SM_SESS_FILTER_PROTO,
	SM_SESS_FILTER_SPORT,
	SM_SESS_FILTER_DPORT,
	SM_SESS_FILTER_POLICY,
	SM_SESS_FILTER_EXPIRE,
	SM_SESS_FILTER_DURATION,
	SM_SESS_FILTER_PROTO_STATE,
	SM_SESS_FILTER_KEY_MAX
};

/** A key's value: an inclusive range of numbers or of addresses. */
union sm_sess_filter_value {
	struct {
		uint32_t lo, hi;
	} num;
	struct {
		uint8_t lo[16], hi[16]; /**< network order, the family's length used */
	} addr;
};

/**
 * A session filter. The fields are sess_filter.c's: change a filter only
 * through the functions below. Plain data: a copy is a snapshot.
 */
struct sm_sess_filter {
	int family;          /**< 4 or 6 (an int: the struct has no padding,
				  so equal filters compare equal bytewise) */
	uint32_t set;        /**< bit per enum sm_sess_filter_key with a value */
	uint32_t negate;     /**< bit per key whose test is inverted */
	union sm_sess_filter_value val[SM_SESS_FILTER_KEY_MAX];
};

/** Where a sm_sess_filter_set() failed, for FortiOS's feedback. */
struct sm_sess_filter_error {
	const char *word;    /**< the word FortiOS quotes (`before 'word'`);
				  NULL when the line ended too soon */
	const char *reason;  /**< the line FortiOS prints before a value
				  error (then a blank line), or NULL */
};

/**
 * Make @p f the empty filter of @p family (4 or 6): every session of that
 * family matches. `filter clear` is this too. Owner thread.
 */
void sm_sess_filter_init(struct sm_sess_filter *f, int family);

/**
 * Run `filter <key> <argv...>` on @p f. @p key follows FortiOS's keyword
 * rule (sm_cli_keyword_find()), as does the key name after `negate`.
 * Owner thread.
 *
 * @return 0; or, leaving @p f as it was and filling @p err:
 *         SM_CLI_ERR_PARSE (unknown or ambiguous key, a word too many),
 *         SM_CLI_ERR_INCOMPLETE (a value missing),
 *         SM_CLI_ERR_VALUE (a word that is no value for the key, a range
 *         whose end is below its start).
 */
int sm_sess_filter_set(struct sm_sess_filter *f, const char *key, size_t argc,
		       const char *const argv[], struct sm_sess_filter_error *err);

/** Whether session @p v passes @p f. Any thread (reads only). */
bool sm_sess_filter_match(const struct sm_sess_filter *f, const struct sm_sess_view *v);

/**
 * `filter` with no argument: the `session filter:` report in FortiOS 7.x's
 * layout, one line per key FortiOS shows (`any` for a key without a value
 * and for the keys sessmon has no data for), ranges as `low-high`, a
 * negated key's value preceded by `!`. Owner thread.
 * @return 0, or -EIO if the stream reported an error.
 */
int sm_sess_filter_print(FILE *out, const struct sm_sess_filter *f);

#endif /* SESSMON_SESS_FILTER_H */
