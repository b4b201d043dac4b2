/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * fortiformatter format strings over session views: `${var:params|mods}`
 * as foset's fortiformatter reads them (../shared/reference/
 * fortiformatter-output-format.txt; docs/format.md is sessmon's reference).
 *
 * A format is compiled once (sm_fmt_create()): macros are expanded, every
 * variable is looked up, its parameters and modifiers are checked and
 * turned into a small list of ops. Rendering a session then only walks the
 * ops (sm_fmt_render(), sm_fmt_session()). Every error in a format is
 * found when it is compiled, with the column it is at; rendering cannot
 * fail.
 *
 * A compiled format is read-only: any number of threads may render with it
 * at once. The variable table and the macros live in fmt_vars.h.
 */
#ifndef SESSMON_FMT_H
#define SESSMON_FMT_H

#include <stddef.h>
#include <stdio.h>

#include "sessmon/sess_view.h"

/** Why and where a format did not compile. */
struct sm_fmt_error {
	size_t column;       /**< 1-based column in the format as given */
	const char *reason;  /**< static text, e.g. "unknown variable" */
};

struct sm_fmt;

/**
 * Compile @p format. Macros (`${default_basics}` ...) are expanded first;
 * an error inside a macro's text is reported at the macro's column.
 * @param err  filled when NULL is returned with rte_errno EINVAL; may be NULL
 * @return the compiled format, or NULL with rte_errno set: EINVAL (a bad
 *         format, see @p err), ENOMEM. Any thread.
 */
struct sm_fmt *sm_fmt_create(const char *format, struct sm_fmt_error *err);

/** Free a compiled format; NULL is a no-op. Any thread. */
void sm_fmt_free(struct sm_fmt *f);

/**
 * Render session @p v with @p f into @p buf as snprintf() does: at most
 * @p size - 1 characters and a NUL (nothing when @p size is 0).
 * @return the length of the whole rendering (without the NUL), which may
 *         be @p size or more when @p buf was too small. Any thread.
 */
size_t sm_fmt_render(const struct sm_fmt *f, const struct sm_sess_view *v, char *buf,
		     size_t size);

/**
 * Write session @p v rendered with @p f to @p out, then a newline: one
 * line of a `--format` listing.
 * @return 0, -ENOMEM (a rendering too long for the stack that no heap
 *         buffer could hold), or -EIO if the stream reported an error.
 *         Any thread.
 */
int sm_fmt_session(FILE *out, const struct sm_fmt *f, const struct sm_sess_view *v);

/**
 * The format string of a built-in named format (`--format @name`), or
 * NULL when there is no such name. Any thread.
 */
const char *sm_fmt_named(const char *name);

#endif /* SESSMON_FMT_H */
