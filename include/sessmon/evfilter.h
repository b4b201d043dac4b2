/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Event filters in Dovecot's unified filter language: which events an
 * output (`--events-filter`, later a live subscription) passes.
 *
 *     event=ssl_* AND (server_name=*.example.com OR port=443) AND NOT proto=udp
 *
 * A filter is `key OP value` comparisons joined by AND, OR and NOT
 * (case-insensitive words; NOT binds tighter than AND, AND than OR) and
 * parentheses. OP is `=` (a wildcard match: `*` any run, `?` one
 * character, `\` makes the next `*`, `?` or `\` literal) or `<`, `>`,
 * `<=`, `>=` (both sides an optional '-' and decimal digits, else no
 * match). As in Dovecot, the event name (`event`) is matched
 * case-sensitively and every other field case-insensitively; keys are
 * case-sensitive; `event` also matches the event's alias (FortiADC's
 * name). A field the event does not have matches nothing, so `NOT key=x`
 * passes such events. Keys and values are bare words or "quoted" (`\"`
 * and `\\` inside quotes stand for `"` and `\`). docs/events.md, "Event
 * filters", is the reference and lists where sessmon and Dovecot differ.
 *
 * Compiled once into a node array; matching allocates nothing and recurses
 * only as deep as AND, OR and NOT nest (bounded).
 */
#ifndef SESSMON_EVFILTER_H
#define SESSMON_EVFILTER_H

#include <stdbool.h>
#include <stddef.h>

/**
 * Longest filter text accepted, both as given and in canonical form
 * (sm_evfilter_format()), so that the canonical form always compiles back.
 */
#define SM_EVFILTER_MAX_LEN 4096
/**
 * Deepest nesting of AND, OR and NOT accepted (the parentheses of the
 * canonical form). Parentheses that group nothing new cost no level, but
 * at most twice this many '(' and NOT may be open at once.
 */
#define SM_EVFILTER_MAX_DEPTH 64

struct sm_evfilter;

/**
 * Value of field @p key of the event being matched, as text, or NULL if
 * the event has no such field. "event" is the event's name, "alias" its
 * alias.
 */
typedef const char *(*sm_evfilter_get_fn)(void *ctx, const char *key);

/**
 * Compile @p text.
 * @param err  receives the error line, cut to @p errlen as snprintf()
 *   cuts; untouched on success
 * @return 0 and the filter in @p out; -EINVAL with one line in @p err
 *   ("column N: what is wrong", N counting from 1 at the fault, the end of
 *   the text being its length + 1); -ENOMEM. @p out is NULL on failure.
 * Any thread.
 */
int sm_evfilter_compile(const char *text, struct sm_evfilter **out, char *err, size_t errlen);

/**
 * Whether the event @p get describes passes @p f. @p get is asked for the
 * keys the filter names (and "alias" when it compares `event`), possibly
 * more than once each; nothing is allocated.
 * Any thread, any number at once (read-only on @p f).
 */
bool sm_evfilter_match(const struct sm_evfilter *f, sm_evfilter_get_fn get, void *ctx);

/**
 * Write @p f in canonical form: every AND, OR and NOT in parentheses,
 * every value quoted; it compiles back to the same filter.
 * @return the length of the whole text (as snprintf). Any thread.
 */
int sm_evfilter_format(const struct sm_evfilter *f, char *buf, size_t n);

/** Free a filter; NULL is a no-op. Any thread, once no match runs on it. */
void sm_evfilter_free(struct sm_evfilter *f);

#endif /* SESSMON_EVFILTER_H */
