/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Signature rules: loading, translation to Hyperscan and the compiled set.
 *
 * The control thread reads rule files (a Suricata/Snort subset, or plain
 * Hyperscan pattern files), translates every rule into Hyperscan
 * expressions (rule_parse.h), compiles one STREAM-mode database per direction (or one for
 * both, see sm_rules_params.layout) and caches it on disk keyed by the
 * SHA-256 of the compile input, the CPU platform and the Hyperscan version.
 * The result, struct sm_ruleset, is read-only once built: workers scan its
 * databases and filter each match by the rule's protocol, ports and flow
 * direction (sm_rule_applies()). docs/signatures.md describes the syntax,
 * what is rejected and why, and the reload protocol.
 *
 * Threads: sm_rules_load(), sm_ruleset_free() and the writers are for the
 * control thread (they allocate, read files and block). Workers only read
 * a ruleset handed to them (sig.h), through the inline helpers below and
 * the fields marked "worker".
 */
#ifndef SESSMON_RULES_H
#define SESSMON_RULES_H

#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hs.h>

#include "sessmon/common.h"

/** Port ranges one side of a rule may list. */
#define SM_RULE_PORT_RANGES 16

/** Flow direction a rule applies to (flow:to_server / to_client). */
enum sm_rule_flow {
	SM_RULE_FLOW_ANY = 0,   /**< both directions */
	SM_RULE_FLOW_TO_SERVER, /**< the originator's bytes (SM_DIR_ORIG) */
	SM_RULE_FLOW_TO_CLIENT, /**< the responder's bytes (SM_DIR_REPLY) */
	SM_RULE_FLOW_MAX
};

/** Layout of the compiled databases. */
enum sm_rules_layout {
	/** One database per direction: rules with flow:to_server only in the
	 * originator's, to_client only in the responder's (the default:
	 * smaller stream state, no match filtered for its direction). */
	SM_RULES_LAYOUT_SPLIT = 0,
	/** One database for both directions; the flow is checked per match. */
	SM_RULES_LAYOUT_COMBINED,
	SM_RULES_LAYOUT_MAX
};

/** A port set: ranges, each included or (neg) excluded. A port belongs to
 * the set if it is in some included range (or none is listed) and in no
 * excluded one. n == 0 is "any". */
struct sm_rule_ports {
	uint8_t n;                               /**< ranges in use */
	uint8_t neg[SM_RULE_PORT_RANGES];        /**< 1: range excluded */
	uint16_t lo[SM_RULE_PORT_RANGES];        /**< first port of each range */
	uint16_t hi[SM_RULE_PORT_RANGES];        /**< last port (inclusive) */
};

/** One loaded rule (metadata; the expressions live in the database). */
struct sm_rule {
	uint32_t sid;            /**< signature id */
	uint32_t rev;            /**< revision (0 if absent) */
	uint32_t priority;       /**< priority (0 if absent) */
	uint32_t line;           /**< first line of the rule in @c file */
	const char *file;        /**< source name (owned by the ruleset) */
	char *msg;               /**< msg text, unescaped ("" if absent) */
	char *classtype;         /**< classtype ("" if absent) */
	uint8_t proto;           /**< IP protocol number, 0 = any */
	uint8_t flow;            /**< enum sm_rule_flow */
	uint8_t bidir;           /**< 1: `<>`, the ports apply either way round */
	uint8_t som;             /**< 1: compiled with HS_FLAG_SOM_LEFTMOST */
	uint8_t any_port;        /**< 1: both port sets are "any" (skip checks) */
	struct sm_rule_ports src; /**< sender's ports */
	struct sm_rule_ports dst; /**< receiver's ports */
};

/** What sm_rules_load() did. Messages are "FILE:LINE: reason". */
struct sm_rules_report {
	unsigned int loaded;     /**< rules in the compiled set */
	unsigned int rejected;   /**< rules left out (each has a message) */
	unsigned int n_msgs;     /**< messages in @c msgs */
	char **msgs;             /**< reject (and file error) messages */
	size_t db_bytes;         /**< hs_database_size() of all databases */
	size_t stream_bytes[SM_DIR_MAX]; /**< hs_stream_size() per direction */
	double compile_ms;       /**< compile (or cache load) wall time */
	bool cache_hit;          /**< the databases came from the cache */
	bool cache_stored;       /**< compiled databases were written to the cache */
};

/** A rule source: a file, or text in memory (tests, fuzzing). */
struct sm_rules_source {
	const char *name;   /**< file path (read when @c text is NULL); the
				 name in messages; ".hs" ending: pattern file */
	const char *text;   /**< rule text, or NULL */
	size_t len;         /**< bytes of @c text */
};

/** Parameters of sm_rules_load(). */
struct sm_rules_params {
	const struct sm_rules_source *src; /**< sources, in order */
	unsigned int n_src;                /**< number of sources */
	const char *cache_dir;   /**< database cache directory; NULL: no cache */
	unsigned int workers;    /**< hit counter rows (worker ids 0..workers-1) */
	enum sm_rules_layout layout; /**< database layout */
	bool strict;             /**< any reject fails the load */
};

/** Default cache directory of the program. */
#define SM_RULES_CACHE_DIR "/var/cache/sessmon"

/** Streams a worker has open on a ruleset, on its own cache line. */
struct sm_rules_open {
	alignas(64) uint32_t n; /**< written by the worker only (relaxed/release) */
};

/**
 * A compiled rule set. Immutable once loaded, apart from the per-worker
 * counters (@c open, @c hits), each written by its worker only.
 */
struct sm_ruleset {
	hs_database_t *db[SM_DIR_MAX];  /**< worker: database per direction (may be
					     the same; NULL: no rule for it) */
	size_t stream_bytes[SM_DIR_MAX]; /**< worker: hs_stream_size() per direction */
	struct sm_rule *rules;          /**< worker: rules, indexed by Hyperscan id */
	unsigned int n_rules;           /**< number of rules */
	unsigned int workers;           /**< rows of @c hits and @c open in use */
	size_t hits_stride;             /**< uint64_t per row of @c hits */
	uint64_t *hits;                 /**< [worker * hits_stride + rule] */
	struct sm_rules_open open[SM_MAX_WORKERS]; /**< open streams per worker */
	uint32_t *by_sid;               /**< rule indexes sorted by sid */
	char **files;                   /**< source names the rules point to */
	unsigned int n_files;           /**< number of @c files */
	struct sm_rules_report report;  /**< the load report (messages included) */
	uint64_t generation;            /**< load time (ns, CLOCK_REALTIME): names
					     the set in the CLI */
};

/**
 * Read, translate and compile rule sources. A rule that cannot be expressed
 * (syntax, an unsupported option, a Hyperscan compile error) is left out
 * with a message in @p rep; the others load. With @c strict, any message
 * fails the load. Control thread.
 *
 * @param p    sources and options
 * @param rep  filled in every case (free with sm_rules_report_fini())
 * @return the ruleset, or NULL with errno set: EINVAL (bad parameters, or
 *   a reject under @c strict), ENOENT (no rule loaded), ENOMEM, or EIO (a
 *   source could not be read; named in @p rep)
 */
struct sm_ruleset *sm_rules_load(const struct sm_rules_params *p, struct sm_rules_report *rep);

/** Free a report's messages (the counts stay). Control thread. */
void sm_rules_report_fini(struct sm_rules_report *rep);

/**
 * Free a ruleset, its databases and its report. Only once no worker uses it
 * (sm_ruleset_streams_open() is 0 and every worker has swapped to a newer
 * set, sig.h). NULL is a no-op. Control thread.
 */
void sm_ruleset_free(struct sm_ruleset *rs);

/**
 * Streams open on @p rs over all workers (acquire loads). Once every worker
 * has swapped away from @p rs the count only falls; at 0 the set may be
 * freed. Control thread.
 */
unsigned int sm_ruleset_streams_open(const struct sm_ruleset *rs);

/** Hits of rule @p idx summed over the workers (relaxed loads). Control thread. */
uint64_t sm_ruleset_hits(const struct sm_ruleset *rs, unsigned int idx);

/**
 * The rule with signature id @p sid (the first loaded if several share it).
 * Any thread. @return the rule, or NULL
 */
const struct sm_rule *sm_rules_find_sid(const struct sm_ruleset *rs, uint32_t sid);

/**
 * Write `diagnose ips signature list`: one block per rule (docs/signatures.md).
 * Control thread. @return 0, or -EIO on a write error
 */
int sm_rules_write_list(const struct sm_ruleset *rs, FILE *out);

/**
 * Write `diagnose ips signature stat`: counts, database sizes, compile time,
 * cache, reject messages, and the @p top rules by hits. Control thread.
 * @return 0, or -EIO on a write error
 */
int sm_rules_write_stat(const struct sm_ruleset *rs, unsigned int top, FILE *out);

/** Does port @p port belong to @p ps? Any thread. */
static inline bool
sm_rule_ports_has(const struct sm_rule_ports *ps, uint16_t port)
{
	bool listed = false, in = false;

	for (unsigned int i = 0; i < ps->n; i++) {
		bool hit = port >= ps->lo[i] && port <= ps->hi[i];

		if (ps->neg[i] && hit)
			return false;
		if (!ps->neg[i]) {
			listed = true;
			in |= hit;
		}
	}
	return in || !listed;
}

/**
 * Does rule @p r apply to a match in direction @p dir of a session with
 * protocol @p proto whose originator uses @p port[SM_DIR_ORIG] and whose
 * responder uses @p port[SM_DIR_REPLY]? The rule's source ports are the
 * sender's of that direction. Any thread (the worker's match filter).
 */
static inline bool
sm_rule_applies(const struct sm_rule *r, uint8_t proto, const uint16_t port[SM_DIR_MAX],
		int dir)
{
	uint16_t snd = port[dir], rcv = port[dir ^ 1];

	if (r->proto != 0 && r->proto != proto)
		return false;
	if ((r->flow == SM_RULE_FLOW_TO_SERVER && dir != SM_DIR_ORIG) ||
	    (r->flow == SM_RULE_FLOW_TO_CLIENT && dir != SM_DIR_REPLY))
		return false;
	if (r->any_port)
		return true;
	if (sm_rule_ports_has(&r->src, snd) && sm_rule_ports_has(&r->dst, rcv))
		return true;
	return r->bidir && sm_rule_ports_has(&r->src, rcv) && sm_rule_ports_has(&r->dst, snd);
}

#endif /* SESSMON_RULES_H */
