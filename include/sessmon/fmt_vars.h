/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The variables and macros of fortiformatter format strings (fmt.h's
 * engine compiles with them): one table row per variable with the forms
 * it prints in, its default parameters, its modifier parser and the
 * function that takes its value from a session view.
 *
 * Everything here is read-only data and pure functions: any thread.
 */
#ifndef SESSMON_FMT_VARS_H
#define SESSMON_FMT_VARS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sessmon/sess_view.h"

/** Forms a variable prints in (bits of sm_fmt_var::forms). */
#define SM_FMT_STR 0x1   /**< a string: the `s` verb */
#define SM_FMT_NUM 0x2   /**< a number: every integer and float verb */

/** Room for the longest value a getter composes itself (sdap of IPv6). */
#define SM_FMT_VALUE_LEN 128

/** A variable's value for one session, as its getter leaves it. */
struct sm_fmt_value {
	const char *s;        /**< SM_FMT_STR: the text (not NUL-terminated) */
	size_t len;           /**< its length */
	uint64_t u;           /**< SM_FMT_NUM: the value for integer verbs */
	double f;             /**< SM_FMT_NUM with has_f: the value for float verbs */
	bool has_f;           /**< f is set; else float verbs print (double)u */
	char *heap;           /**< s's storage when on the heap: the caller frees it */
	char buf[SM_FMT_VALUE_LEN]; /**< s's storage when composed here */
};

/** What a variable's modifiers (and `custom[name]`) compile to. */
struct sm_fmt_arg {
	const char *mod;      /**< the modifier text (vdom names, custom name) */
	size_t mod_len;
	const char *sep;      /**< `state`: the separator */
	size_t sep_len;
	uint8_t order[SM_FGT_FLAG_MAX]; /**< `state`: flags to print, in order */
	uint8_t n_order;
	double rate_div;      /**< `rate[...]`: Bps per unit */
	char rate_unit[8];    /**< `rate[...]`: unit text; empty: chosen per value */
	uint8_t custom;       /**< `custom`: index of the field */
	uint8_t mask_bits;    /**< `sa`/`da`/`na` `mask:N`: prefix length kept */
	bool masked;
};

struct sm_fmt_var;

/**
 * Parse modifier text @p mod (@p len bytes, 0 when the variable has none)
 * into @p a. @return NULL, or the reason it is bad with @p bad set to the
 * offset in @p mod the problem is at.
 */
typedef const char *(*sm_fmt_mods_t)(const struct sm_fmt_var *var, const char *mod,
				     size_t len, struct sm_fmt_arg *a, size_t *bad);

/** Fill @p out with the value of @p var in @p form for view @p v. */
typedef void (*sm_fmt_get_t)(const struct sm_fmt_var *var, const struct sm_sess_view *v,
			     const struct sm_fmt_arg *a, unsigned int form,
			     struct sm_fmt_value *out);

/** One variable (aliases are rows of their own pointing to the same getter). */
struct sm_fmt_var {
	const char *name;
	uint8_t forms;        /**< SM_FMT_STR | SM_FMT_NUM */
	const char *params;   /**< default format parameters (`s`, `d`, `x`, `#x`) */
	uint8_t dir;          /**< SM_DIR_ORIG / SM_DIR_REPLY where it matters */
	uint8_t which;        /**< getter-specific selector */
	sm_fmt_mods_t mods;   /**< NULL: the variable takes no modifier */
	sm_fmt_get_t get;
};

/**
 * The variable named by @p name (@p len bytes). `custom[x]` names the
 * custom variable; @p inner then points at `x` (else NULL).
 * @return the row, or NULL for no such variable.
 */
const struct sm_fmt_var *sm_fmt_vars_find(const char *name, size_t len, const char **inner,
					  size_t *inner_len);

/**
 * Expand the macros (`${default_basics}` ...) of @p in, as foset does
 * before it parses: exact `${name}` only, in one pass (no macro holds
 * another). With @p out non-NULL writes the expansion (no NUL) and, for
 * each byte of it, the 1-based column of @p in it comes from in @p col
 * (a macro's bytes all map to its `$`).
 * @return the length of the expansion.
 */
size_t sm_fmt_vars_expand(const char *in, char *out, uint32_t *col);

#endif /* SESSMON_FMT_VARS_H */
