/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Fuzz harness: rule files (control/rules.c), which come from whoever
 * passes --rules.
 *
 * The first byte chooses the format (odd: a Hyperscan pattern file, named
 * "f.hs"; even: Suricata rules, "f.rules"); the rest is the file's text. It
 * is loaded with a database cache in a private directory, twice, and each
 * line also goes through sm_rule_parse() alone. It aborts when:
 * - a load succeeds with no rule, or fails with an errno other than
 *   ENOENT (nothing loaded) or EIO (Hyperscan refused the whole set);
 * - the report's counts disagree: one message per reject, each of the
 *   form "f.rules:LINE: reason" with LINE within the text;
 * - the second load (a cache hit when the first compiled) reports other
 *   counts or other messages than the first;
 * - two loaded rules share a sid, or a rule's line is out of the text;
 * - sm_rule_parse() returns a rule without expressions, msg or classtype,
 *   or fails with other than -EINVAL and a reason.
 */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_debug.h>

#include "sessmon/rule_parse.h"
#include "sessmon/rules.h"

/* Longer inputs only slow the run: a compile per input dominates. */
#define INPUT_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char cache_dir[] = "/tmp/sm_fuzz_rulesXXXXXX";

/* The directory holds only this harness's cache files. */
static void
remove_cache(void)
{
	DIR *d = opendir(cache_dir);
	struct dirent *e;

	while (d != NULL && (e = readdir(d)) != NULL) {
		char path[sizeof(cache_dir) + 300];

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", cache_dir, e->d_name);
		unlink(path);
	}
	if (d != NULL)
		closedir(d);
	rmdir(cache_dir);
}

static unsigned int
count_lines(const char *text, size_t len)
{
	unsigned int n = 1;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n;
}

static void
check_report(const struct sm_rules_report *rep, const struct sm_ruleset *rs, int err,
	     const char *name, unsigned int lines)
{
	size_t nl = strlen(name);

	if (rs == NULL && err != ENOENT && err != EIO)
		rte_panic("load failed with errno %d\n", err);
	if (rs != NULL && rep->loaded == 0)
		rte_panic("a ruleset without rules\n");
	if (rep->n_msgs != rep->rejected && err != EIO)
		rte_panic("%u messages for %u rejects\n", rep->n_msgs, rep->rejected);
	for (unsigned int i = 0; i < rep->n_msgs; i++) {
		const char *m = rep->msgs[i];
		char *end;
		unsigned long line;

		if (strncmp(m, name, nl) != 0 || m[nl] != ':') {
			if (strncmp(m, "hyperscan: ", 11) == 0)
				continue; /* a set-wide compile failure */
			rte_panic("message without its file: %s\n", m);
		}
		line = strtoul(m + nl + 1, &end, 10);
		if (line == 0 || line > lines || strncmp(end, ": ", 2) != 0 || end[2] == '\0')
			rte_panic("message without line and reason: %s\n", m);
	}
	for (unsigned int i = 0; rs != NULL && i < rs->n_rules; i++) {
		if (rs->rules[i].line == 0 || rs->rules[i].line > lines)
			rte_panic("rule %u on line %u of %u\n", i, rs->rules[i].line, lines);
		if (i > 0 && rs->rules[rs->by_sid[i]].sid == rs->rules[rs->by_sid[i - 1]].sid)
			rte_panic("sid %u loaded twice\n", rs->rules[rs->by_sid[i]].sid);
	}
}

/* Every line alone through sm_rule_parse(): a rule, or a reason. */
static void
check_lines(const char *text, size_t len, enum sm_rule_format fmt)
{
	const char *p = text;

	while (p < text + len) {
		const char *e = memchr(p, '\n', (size_t)(text + len - p));
		size_t n = e != NULL ? (size_t)(e - p) : (size_t)(text + len - p);
		char *line = strndup(p, n);
		char err[SM_RULE_PARSE_ERR_LEN] = "";
		struct sm_rule_parsed r;
		int rc;

		if (line == NULL)
			return;
		rc = sm_rule_parse(line, fmt, &r, err, sizeof(err));
		if (rc == 0 && (r.nx == 0 || r.x == NULL || r.x[0].re == NULL || r.r.msg == NULL ||
				r.r.classtype == NULL))
			rte_panic("a parsed rule without its expressions or texts\n");
		if (rc != 0 && (rc != -EINVAL || err[0] == '\0' || r.x != NULL))
			rte_panic("parse returned %d (%s)\n", rc, err);
		sm_rule_parse_fini(&r);
		free(line);
		p += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static bool ready;
	const char *name;
	struct sm_rules_source src;
	struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1, .cache_dir = cache_dir};
	struct sm_rules_report rep[2];
	struct sm_ruleset *rs[2];
	int err[2];
	unsigned int lines;

	if (size < 1 || size > INPUT_MAX)
		return 0;
	if (!ready) {
		if (mkdtemp(cache_dir) == NULL)
			rte_panic("no cache directory\n");
		atexit(remove_cache);
		ready = true;
	}
	name = data[0] & 1 ? "f.hs" : "f.rules";
	src = (struct sm_rules_source){name, (const char *)data + 1, size - 1};
	lines = count_lines(src.text, src.len);
	for (int k = 0; k < 2; k++) {
		errno = 0;
		rs[k] = sm_rules_load(&p, &rep[k]);
		err[k] = errno;
		check_report(&rep[k], rs[k], err[k], name, lines);
	}
	if ((rs[0] == NULL) != (rs[1] == NULL) || rep[0].loaded != rep[1].loaded ||
	    rep[0].rejected != rep[1].rejected || rep[0].n_msgs != rep[1].n_msgs)
		rte_panic("a second load differs\n");
	for (unsigned int i = 0; i < rep[0].n_msgs; i++)
		if (strcmp(rep[0].msgs[i], rep[1].msgs[i]) != 0)
			rte_panic("a second load says %s, not %s\n", rep[1].msgs[i], rep[0].msgs[i]);
	for (int k = 0; k < 2; k++) {
		sm_rules_report_fini(&rep[k]);
		sm_ruleset_free(rs[k]);
	}
	check_lines(src.text, src.len, data[0] & 1 ? SM_RULE_FORMAT_HS : SM_RULE_FORMAT_SURICATA);
	return 0;
}
