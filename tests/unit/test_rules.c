/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule parsing and loading (control/rule_parse.c, control/rules.c).
 *
 * Translation vectors are derived by hand from the content modifier
 * semantics Suricata documents and implements (detect-engine-content-
 * inspection.c, detect-depth.c): depth counts from offset and must cover
 * the content; a relative content starts at least `distance` bytes after
 * the previous match ends and ends at most `distance + within` bytes after
 * it. So content C (length L) with offset o and depth d may start at bytes
 * o .. o+d-L of the stream: "^.{o,o+d-L}C"; a relative one sits after a gap
 * of distance .. distance+within-L bytes. Bytes other than letters and
 * digits are written \xHH. The reject reasons are rules.c's own texts
 * (documented in docs/signatures.md), checked with their file:line.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>

#include <cmocka.h>

#include "sessmon/rule_parse.h"
#include "sessmon/rules.h"

#define HDR "alert tcp any any -> any 80 "

static const struct {
	const char *name;
	const char *rule;
	const char *expr;   /* first (or only) expression */
	unsigned int flags;
	unsigned int parts; /* expressions: 1, or the parts of a combination */
} vectors[] = {
	{"plain", HDR "(content:\"abc\"; sid:1;)", "abc", 0, 1},
	/* depth 4 = length 4: starts at 0 exactly: ^ and no gap */
	{"depth_equal", HDR "(content:\"GET \"; depth:4; sid:1;)", "^GET\\x20", 0, 1},
	/* offset 2, depth 5, L 3: start in 2..2+5-3=4 */
	{"offset_depth", HDR "(content:\"abc\"; offset:2; depth:5; sid:1;)",
	 "^(?s:.{2,4})abc", 0, 1},
	{"offset_only", HDR "(content:\"abc\"; offset:3; sid:1;)", "^(?s:.{3,})abc", 0, 1},
	{"offset_zero", HDR "(content:\"abc\"; offset:0; sid:1;)", "abc", 0, 1},
	/* distance 1, within 4, L 2: gap 1..1+4-2=3 */
	{"distance_within", HDR "(content:\"abc\"; content:\"de\"; distance:1; within:4; sid:1;)",
	 "abc(?s:.{1,3})de", 0, 1},
	/* within 2 = L: gap 0..0 */
	{"within_tight", HDR "(content:\"abc\"; content:\"de\"; within:2; sid:1;)", "abcde", 0, 1},
	{"distance_open", HDR "(content:\"abc\"; content:\"de\"; distance:0; sid:1;)",
	 "abc(?s:.*)de", 0, 1},
	{"distance_min", HDR "(content:\"abc\"; content:\"de\"; distance:5; sid:1;)",
	 "abc(?s:.{5,})de", 0, 1},
	{"hex", HDR "(content:\"|0d 0a|Host|3a|\"; sid:1;)", "\\x0d\\x0aHost\\x3a", 0, 1},
	/* a ; b " c \ : escapes for ; " \ */
	{"escapes", HDR "(content:\"a\\;b\\\"c\\\\\"; sid:1;)", "a\\x3bb\\x22c\\x5c", 0, 1},
	{"escaped_pipe", HDR "(content:\"x\\|y\"; sid:1;)", "x\\x7cy", 0, 1},
	{"nocase", HDR "(content:\"select\"; nocase; sid:1;)", "(?i:select)", 0, 1},
	{"pcre_flags", HDR "(pcre:\"/union\\s+select/i\"; sid:1;)", "(?i:union\\s+select)", 0, 1},
	{"pcre_anchored_A", HDR "(pcre:\"/GET/A\"; sid:1;)", "(?:^GET)", 0, 1},
	/* R with ^: right after the content */
	{"pcre_relative_anchored", HDR "(content:\"abc\"; pcre:\"/^x+/R\"; sid:1;)",
	 "abc(?:x+)", 0, 1},
	{"pcre_relative", HDR "(content:\"abc\"; pcre:\"/x+/sR\"; sid:1;)",
	 "abc(?s:.*)(?s:x+)", 0, 1},
	/* two unordered contents: two quiet parts and their combination */
	{"unordered", HDR "(content:\"abc\"; content:\"xyz\"; sid:1;)", "abc", 0, 2},
	{"http_modifier_raw", HDR "(content:\"/etc/passwd\"; http_uri; sid:1;)",
	 "\\x2fetc\\x2fpasswd", 0, 1},
	{"startswith", HDR "(content:\"PUT\"; startswith; sid:1;)", "^PUT", 0, 1},
	{"multiline_continuation_free", HDR "(msg:\"a (paren) ; x\"; content:\"q\"; sid:1;)",
	 "q", 0, 1},
};

static void
test_translate(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		struct sm_rule_parsed p;
		char err[SM_RULE_PARSE_ERR_LEN] = "";
		int rc = sm_rule_parse(vectors[i].rule, SM_RULE_FORMAT_SURICATA, &p, err, sizeof(err));

		if (rc != 0)
			fail_msg("%s: rc %d (%s)", vectors[i].name, rc, err);
		if (strcmp(p.x[0].re, vectors[i].expr) != 0)
			fail_msg("%s: got '%s', want '%s'", vectors[i].name, p.x[0].re,
				 vectors[i].expr);
		assert_int_equal(p.x[0].flags, vectors[i].flags);
		assert_int_equal(p.nx, vectors[i].parts);
		sm_rule_parse_fini(&p);
	}
}

static const struct {
	const char *name;
	const char *rule;
	const char *reason;
} rejects[] = {
	{"unterminated_quote", HDR "(msg:\"abc; content:\"x\"; sid:1;)", "unterminated quoted string"},
	{"negated_content", HDR "(content:!\"x\"; sid:1;)",
	 "negated content cannot be expressed as a stream pattern"},
	{"unknown_option", HDR "(content:\"x\"; byte_test:4,>,1,0; sid:1;)",
	 "option 'byte_test' not supported"},
	{"depth_short", HDR "(content:\"abcd\"; depth:2; sid:1;)",
	 "depth 2 is smaller than the content (4 bytes)"},
	{"within_short", HDR "(content:\"a\"; content:\"bcd\"; within:2; sid:1;)",
	 "within 2 is smaller than the content (3 bytes)"},
	{"relative_first", HDR "(content:\"ab\"; distance:1; sid:1;)",
	 "distance/within/R without a preceding content"},
	{"negative_distance", HDR "(content:\"a\"; content:\"b\"; distance:-2; sid:1;)",
	 "negative distance cannot be expressed as a forward gap"},
	{"no_sid", HDR "(content:\"x\";)", "no sid"},
	{"no_content", HDR "(msg:\"m\"; sid:1;)", "no content or pcre: nothing to match in the stream"},
	{"bad_hex", HDR "(content:\"|0g|\"; sid:1;)", "content: 'g' in a hex section"},
	{"odd_hex", HDR "(content:\"|0|\"; sid:1;)", "content: odd number of hex digits"},
	{"open_hex", HDR "(content:\"|0a\"; sid:1;)", "content: hex section without closing '|'"},
	{"address", "alert tcp 10.0.0.1 any -> any 80 (content:\"x\"; sid:1;)",
	 "address '10.0.0.1' not supported (only any, $HOME_NET, $EXTERNAL_NET)"},
	{"pass", "pass tcp any any -> any 80 (content:\"x\"; sid:1;)",
	 "action 'pass' not supported (alert, drop, reject, sdrop, log)"},
	{"direction", "alert tcp any any <- any 80 (content:\"x\"; sid:1;)",
	 "direction '<-' not supported (-> or <>)"},
	{"no_close", HDR "(content:\"x\"; sid:1;", "option list does not end with ')'"},
	{"port_var", "alert tcp any any -> any $NOPE (content:\"x\"; sid:1;)",
	 "unknown port variable '$NOPE'"},
	{"port_range", "alert tcp any any -> any 90:80 (content:\"x\"; sid:1;)",
	 "port range 90:80 is empty"},
	{"flow", HDR "(flow:not_established; content:\"x\"; sid:1;)",
	 "flow 'not_established' not supported on reassembled streams"},
	{"http_anchor", HDR "(content:\"/a\"; http_uri; depth:2; sid:1;)",
	 "offset/depth in an HTTP buffer cannot be anchored on the raw stream"},
	{"pcre_x", HDR "(pcre:\"/a b/x\"; sid:1;)", "pcre flag 'x' not supported"},
	{"nocase_first", HDR "(nocase; content:\"x\"; sid:1;)", "'nocase' needs a preceding content"},
};

static void
test_translate_rejects(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
		struct sm_rule_parsed p;
		char err[SM_RULE_PARSE_ERR_LEN] = "";
		int rc = sm_rule_parse(rejects[i].rule, SM_RULE_FORMAT_SURICATA, &p, err, sizeof(err));

		if (rc != -EINVAL || strcmp(err, rejects[i].reason) != 0)
			fail_msg("%s: rc %d '%s', want '%s'", rejects[i].name, rc, err,
				 rejects[i].reason);
		assert_null(p.x);
	}
}

static struct sm_ruleset *
load_text(const char *name, const char *text, const char *cache, bool strict,
	  struct sm_rules_report *rep)
{
	struct sm_rules_source src = {name, text, strlen(text)};
	struct sm_rules_params p = {
		.src = &src, .n_src = 1, .cache_dir = cache, .workers = 2, .strict = strict,
	};

	return sm_rules_load(&p, rep);
}

/* Line 1 comment, 2 good, 3 bad pcre (Hyperscan syntax), 4 blank, 5-6 a
 * continued good rule, 7 unknown option, 8 matches the empty buffer (a
 * compile error, not a syntax error), 9 duplicate sid of line 2. */
static const char mixed[] =
	"# comment\n"
	HDR "(msg:\"good one\"; content:\"abc\"; sid:10; rev:3; "
	"classtype:web-application-attack; priority:2;)\n"
	HDR "(msg:\"bad pcre\"; pcre:\"/(abc/\"; sid:11;)\r\n"
	"\n"
	HDR "(msg:\"continued\"; \\\n  content:\"xyz\"; sid:12;)\n"
	HDR "(msg:\"x\"; content:\"q\"; isdataat:1; sid:13;)\n"
	HDR "(msg:\"empty\"; pcre:\"/a*/\"; sid:14;)\n"
	HDR "(msg:\"dup\"; content:\"d\"; sid:10;)\n";

static void
check_mixed_report(const struct sm_rules_report *rep)
{
	/* Parse-time rejects in line order, then duplicates, then Hyperscan's. */
	assert_int_equal(rep->loaded, 2);
	assert_int_equal(rep->rejected, 4);
	assert_int_equal(rep->n_msgs, 4);
	assert_string_equal(rep->msgs[0], "t.rules:7: option 'isdataat' not supported");
	assert_string_equal(rep->msgs[1], "t.rules:9: duplicate sid 10 (first at t.rules:2)");
	assert_non_null(strstr(rep->msgs[2], "t.rules:3: hyperscan: "));
	assert_non_null(strstr(rep->msgs[3], "t.rules:8: hyperscan: "));
}

static void
test_load_mixed(void **state)
{
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	const struct sm_rule *r;

	(void)state;
	rs = load_text("t.rules", mixed, NULL, false, &rep);
	assert_non_null(rs);
	check_mixed_report(&rep);
	assert_false(rep.cache_hit);
	assert_true(rep.db_bytes > 0);
	r = sm_rules_find_sid(rs, 10);
	assert_non_null(r);
	assert_string_equal(r->msg, "good one");
	assert_int_equal(r->rev, 3);
	assert_int_equal(r->priority, 2);
	assert_string_equal(r->classtype, "web-application-attack");
	assert_string_equal(r->file, "t.rules");
	assert_int_equal(r->line, 2);
	r = sm_rules_find_sid(rs, 12);
	assert_non_null(r);
	assert_int_equal(r->line, 5);
	assert_null(sm_rules_find_sid(rs, 11));
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);

	/* strict: the same text fails as a whole */
	errno = 0;
	rs = load_text("t.rules", mixed, NULL, true, &rep);
	assert_null(rs);
	assert_int_equal(errno, EINVAL);
	/* it stops before compiling: line 8's compile error is not reached */
	assert_int_equal(rep.rejected, 3);
	sm_rules_report_fini(&rep);
}

static void
test_hostile(void **state)
{
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	size_t big = 70000;
	char *text = malloc(big + 8192);
	int n;

	(void)state;
	assert_non_null(text);
	/* content of 5000 bytes, a 70 kB line, a NUL byte, an unterminated
	 * last line; one good rule in between */
	n = sprintf(text, HDR "(content:\"");
	memset(text + n, 'A', 5000);
	n += 5000;
	n += sprintf(text + n, "\"; sid:1;)\n" HDR "(content:\"ok\"; sid:2;)\n" HDR "(msg:\"");
	memset(text + n, 'B', big);
	n += (int)big;
	n += sprintf(text + n, "\"; content:\"x\"; sid:3;)\n");
	n += sprintf(text + n, HDR "(content:\"n");
	text[n++] = '\0';
	n += sprintf(text + n, "\"; sid:4;)\n" HDR "(msg:\"open; sid:5;)");
	{
		struct sm_rules_source src = {"h.rules", text, (size_t)n};
		struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1};

		rs = sm_rules_load(&p, &rep);
	}
	assert_non_null(rs);
	assert_int_equal(rep.loaded, 1);
	assert_int_equal(rep.rejected, 4);
	assert_string_equal(rep.msgs[0], "h.rules:1: content longer than 4096 bytes");
	assert_string_equal(rep.msgs[1], "h.rules:3: rule longer than 65536 bytes");
	assert_string_equal(rep.msgs[2], "h.rules:4: NUL byte in rule text");
	assert_string_equal(rep.msgs[3], "h.rules:5: unterminated quoted string");
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	free(text);
}

static void
test_ten_thousand(void **state)
{
	const unsigned int n = 10000;
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	char *text = malloc(n * 128);
	size_t len = 0;

	(void)state;
	assert_non_null(text);
	for (unsigned int i = 0; i < n; i++)
		len += (size_t)sprintf(text + len,
				       "alert tcp any any -> any [80,8080] (msg:\"gen %u\"; "
				       "content:\"tok%u-%x\"; nocase; sid:%u;)\n",
				       i, i, i * 2654435761u, 100000 + i);
	{
		struct sm_rules_source src = {"gen.rules", text, len};
		struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1};

		rs = sm_rules_load(&p, &rep);
	}
	assert_non_null(rs);
	assert_int_equal(rep.loaded, n);
	assert_int_equal(rep.rejected, 0);
	assert_non_null(sm_rules_find_sid(rs, 100000 + 4242));
	assert_string_equal(sm_rules_find_sid(rs, 100000 + 4242)->msg, "gen 4242");
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	free(text);
}

static void
test_ports(void **state)
{
	static const char text[] =
		"alert tcp any [1024:,!8008] -> any [80,8000:8080,!8008] (content:\"a\"; sid:1;)\n"
		"alert udp any !53 <> any $HTTP_PORTS (content:\"b\"; flow:to_client; sid:2;)\n";
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	const struct sm_rule *a, *b;
	uint16_t p1[2] = {40000, 8005}, p2[2] = {40000, 8008}, p3[2] = {1000, 80};
	uint16_t p4[2] = {8080, 5353}, p5[2] = {53, 8080};

	(void)state;
	rs = load_text("p.rules", text, NULL, false, &rep);
	assert_non_null(rs);
	a = sm_rules_find_sid(rs, 1);
	b = sm_rules_find_sid(rs, 2);
	assert_non_null(a);
	assert_non_null(b);
	assert_true(sm_rule_ports_has(&a->dst, 80));
	assert_true(sm_rule_ports_has(&a->dst, 8005));
	assert_false(sm_rule_ports_has(&a->dst, 8008));
	assert_false(sm_rule_ports_has(&a->dst, 81));
	assert_true(sm_rule_applies(a, 6, p1, SM_DIR_ORIG));
	assert_false(sm_rule_applies(a, 6, p2, SM_DIR_ORIG));  /* excluded port */
	assert_false(sm_rule_applies(a, 6, p3, SM_DIR_ORIG));  /* source below 1024 */
	assert_false(sm_rule_applies(a, 17, p1, SM_DIR_ORIG)); /* protocol */
	assert_false(sm_rule_applies(a, 6, p1, SM_DIR_REPLY)); /* 8005 sends: not a source */
	/* <>: either way round; to_client: the reply direction only */
	assert_true(sm_rule_applies(b, 17, p4, SM_DIR_REPLY)); /* 5353 -> 8080 */
	assert_false(sm_rule_applies(b, 17, p4, SM_DIR_ORIG));
	assert_false(sm_rule_applies(b, 17, p5, SM_DIR_REPLY)); /* 53 excluded either way */
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
}

static void
test_hs_pattern_file(void **state)
{
	static const char text[] = "# ids\n101:/foo[0-9]+bar/i\n102:/abc/L\n103:/x/Z\n104:/(/\n";
	struct sm_rules_report rep;
	struct sm_ruleset *rs;

	(void)state;
	rs = load_text("p.hs", text, NULL, false, &rep);
	assert_non_null(rs);
	assert_int_equal(rep.loaded, 2);
	assert_int_equal(rep.rejected, 2);
	assert_string_equal(rep.msgs[0], "p.hs:4: pattern flag 'Z' not supported");
	assert_non_null(strstr(rep.msgs[1], "p.hs:5: hyperscan: "));
	assert_int_equal(sm_rules_find_sid(rs, 102)->som, 1);
	assert_int_equal(sm_rules_find_sid(rs, 101)->som, 0);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
}

static unsigned int
cache_files(const char *dir, char *name, size_t cap)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	unsigned int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL) {
		size_t l = strlen(e->d_name);

		if (l > 5 && strcmp(e->d_name + l - 5, ".hsdb") == 0) {
			snprintf(name, cap, "%s/%s", dir, e->d_name);
			n++;
		}
	}
	closedir(d);
	return n;
}

static void
test_cache(void **state)
{
	char dir[] = "/tmp/sm_rules_cacheXXXXXX", path[512];
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	/* miss: compiled and stored */
	rs = load_text("t.rules", mixed, dir, false, &rep);
	assert_non_null(rs);
	assert_false(rep.cache_hit);
	assert_true(rep.cache_stored);
	check_mixed_report(&rep);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	assert_int_equal(cache_files(dir, path, sizeof(path)), 1);
	/* hit: the same rules and the same compile-time rejects */
	rs = load_text("t.rules", mixed, dir, false, &rep);
	assert_non_null(rs);
	assert_true(rep.cache_hit);
	assert_false(rep.cache_stored);
	check_mixed_report(&rep);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	/* corrupt: ignored, recompiled, overwritten */
	f = fopen(path, "r+b");
	assert_non_null(f);
	fseek(f, 100, SEEK_SET);
	fputs("garbage garbage", f);
	fclose(f);
	rs = load_text("t.rules", mixed, dir, false, &rep);
	assert_non_null(rs);
	assert_false(rep.cache_hit);
	check_mixed_report(&rep);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	rs = load_text("t.rules", mixed, dir, false, &rep);
	assert_non_null(rs);
	assert_true(rep.cache_hit);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	/* a different rule set is a different file */
	rs = load_text("t.rules", HDR "(content:\"other\"; sid:5;)\n", dir, false, &rep);
	assert_non_null(rs);
	assert_false(rep.cache_hit);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
	assert_int_equal(cache_files(dir, path, sizeof(path)), 2);
	{
		DIR *d = opendir(dir);
		struct dirent *e;

		while ((e = readdir(d)) != NULL) {
			char p[600];

			if (e->d_name[0] == '.')
				continue;
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(dir);
}

static void
test_missing_file(void **state)
{
	struct sm_rules_source src = {"/nonexistent/x.rules", NULL, 0};
	struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1};
	struct sm_rules_report rep;

	(void)state;
	errno = 0;
	assert_null(sm_rules_load(&p, &rep));
	assert_int_equal(errno, EIO);
	assert_int_equal(rep.n_msgs, 1);
	assert_string_equal(rep.msgs[0], "/nonexistent/x.rules: cannot read: No such file or directory");
	sm_rules_report_fini(&rep);
}

static void
test_write_list(void **state)
{
	static const char text[] =
		"alert tcp any any -> any 80 (msg:\"Probe \\\"x\\\"\"; flow:to_server; "
		"content:\"abc\"; sid:7; rev:2; classtype:attempted-recon; priority:3;)\n";
	static const char want[] =
		"rule-name: \"Probe \"x\"\"\n"
		"rule-id: 7\n"
		"rev: 2\n"
		"action: monitor\n"
		"status: enable\n"
		"classtype: attempted-recon\n"
		"priority: 3\n"
		"service: tcp\n"
		"location: server\n"
		"ports: any -> 80\n"
		"source: w.rules:1\n"
		"hit-count: 0\n"
		"\n";
	struct sm_rules_report rep;
	struct sm_ruleset *rs;
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	rs = load_text("w.rules", text, NULL, false, &rep);
	assert_non_null(rs);
	f = open_memstream(&buf, &len);
	assert_int_equal(sm_rules_write_list(rs, f), 0);
	fclose(f);
	assert_string_equal(buf, want);
	free(buf);
	f = open_memstream(&buf, &len);
	assert_int_equal(sm_rules_write_stat(rs, 5, f), 0);
	fclose(f);
	assert_non_null(strstr(buf, "rules loaded: 1\nrules rejected: 0\n"));
	assert_non_null(strstr(buf, "database layout: split (one per direction)\n"));
	/* to_server only: the responder's database is empty */
	assert_null(rs->db[SM_DIR_REPLY]);
	free(buf);
	sm_rules_report_fini(&rep);
	sm_ruleset_free(rs);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_translate_rejects),
		cmocka_unit_test(test_load_mixed),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_ten_thousand),
		cmocka_unit_test(test_ports),
		cmocka_unit_test(test_hs_pattern_file),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_write_list),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
