/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * One rule's text → its metadata and the Hyperscan expressions it compiles
 * to: the Suricata/Snort subset and the Hyperscan pattern-file line that
 * docs/signatures.md describes. rules.h loads whole files with it.
 *
 * Threads: any thread may call these functions (they allocate with malloc;
 * sessmon calls them on the control thread only).
 */
#ifndef SESSMON_RULE_PARSE_H
#define SESSMON_RULE_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "sessmon/rules.h"

/** Longest rule text (continuations joined): real rules stay under 8 KiB. */
#define SM_RULE_PARSE_MAX 65536

/** Room for a reject reason. */
#define SM_RULE_PARSE_ERR_LEN 256

/** The syntax of a rule line. */
enum sm_rule_format {
	SM_RULE_FORMAT_SURICATA = 0, /**< `alert tcp ... (content:...; sid:N;)` */
	SM_RULE_FORMAT_HS,           /**< `ID:/regex/flags` (hsbench's letters) */
};

/** One Hyperscan expression. */
struct sm_rule_expr {
	char *re;            /**< the expression (owned) */
	unsigned int flags;  /**< HS_FLAG_*, without SINGLEMATCH/QUIET/COMBINATION */
};

/** A parsed rule. */
struct sm_rule_parsed {
	struct sm_rule r;         /**< metadata: msg and classtype owned, never NULL;
				       file and line left to the caller */
	struct sm_rule_expr *x;   /**< nx == 1: the rule's expression; nx > 1: parts
				       that must all match, in any order (a logical
				       combination) */
	unsigned int nx;          /**< number of expressions (>= 1) */
};

/**
 * Parse one rule (a single logical line) and translate it.
 *
 * @param text  the rule (not modified)
 * @param fmt   its syntax
 * @param out   filled on success (free with sm_rule_parse_fini()); zeroed
 *              on failure
 * @param err   receives the reject reason on failure ("content is empty")
 * @param err_cap  bytes of @p err (SM_RULE_PARSE_ERR_LEN is enough)
 * @return 0, or -EINVAL (rejected; reason in @p err)
 */
int sm_rule_parse(const char *text, enum sm_rule_format fmt, struct sm_rule_parsed *out,
		  char *err, size_t err_cap);

/** Free what sm_rule_parse() allocated; NULL is a no-op. */
void sm_rule_parse_fini(struct sm_rule_parsed *p);

/** The rule-header name of IP protocol @p proto ("tcp", "ip" for 0, "?"). */
const char *sm_rule_parse_proto_name(uint8_t proto);

#endif /* SESSMON_RULE_PARSE_H */
