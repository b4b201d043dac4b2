/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Worker-side matching (dataplane/sig.c) on rulesets loaded from text.
 *
 * Expected offsets are counted by hand on the payloads written below: a
 * match's end offset is the stream offset just past its last byte (the
 * payload's offset in the stream plus the index of that byte plus one).
 * Filter expectations follow the rule headers (sender's port = source
 * port; flow:to_client = the responder's bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/sig.h"

static const char rules_text[] =
	"alert tcp any any -> any 80 (msg:\"split\"; content:\"EVILPATTERN\"; sid:1; rev:2;)\n"
	"alert tcp any 80 -> any any (msg:\"reply\"; flow:to_client; content:\"SECRET\"; sid:2;)\n"
	"alert tcp any any -> any 8080 (msg:\"port\"; content:\"PORTONLY\"; sid:3;)\n"
	"alert tcp any any -> any any (msg:\"end\"; pcre:\"/TAIL$/\"; sid:4;)\n"
	"alert tcp any any -> any any (msg:\"old\"; content:\"OLDPAT\"; sid:5;)\n";

static const char rules_new[] =
	"alert tcp any any -> any any (msg:\"new\"; content:\"NEWPAT\"; sid:10;)\n";

#define MAX_SEEN 8

struct seen {
	unsigned int n;
	uint32_t sid[MAX_SEEN];
	uint8_t dir[MAX_SEEN];
	uint64_t end[MAX_SEEN];
};

static void
on_match(void *arg, const struct sm_sig_match *m)
{
	struct seen *s = arg;

	assert_true(s->n < MAX_SEEN);
	s->sid[s->n] = m->rule->sid;
	s->dir[s->n] = m->dir;
	s->end[s->n] = m->end;
	s->n++;
}

static struct sm_ruleset *
load(const char *text, enum sm_rules_layout layout)
{
	struct sm_rules_source src = {"sig.rules", text, strlen(text)};
	struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 2, .layout = layout};
	struct sm_rules_report rep;
	struct sm_ruleset *rs = sm_rules_load(&p, &rep);

	assert_non_null(rs);
	assert_int_equal(rep.rejected, 0);
	sm_rules_report_fini(&rep);
	return rs;
}

struct fixture {
	struct sm_ruleset *rs;
	struct sm_sig_worker *w;
	hs_scratch_t *proto;
};

static void
fixture_init(struct fixture *fx, enum sm_rules_layout layout, uint64_t depth, uint32_t max)
{
	struct sm_sig_params p = {.id = 1, .depth = depth, .max_streams = max};

	fx->rs = load(rules_text, layout);
	fx->proto = NULL;
	assert_int_equal(sm_sig_scratch_grow(&fx->proto, fx->rs), 0);
	p.rs = fx->rs;
	p.scratch = sm_sig_scratch_clone(fx->proto);
	assert_non_null(p.scratch);
	fx->w = sm_sig_worker_create(&p);
	assert_non_null(fx->w);
}

static void
fixture_fini(struct fixture *fx)
{
	sm_sig_worker_free(fx->w);
	hs_free_scratch(fx->proto);
	assert_int_equal(sm_ruleset_streams_open(fx->rs), 0);
	sm_ruleset_free(fx->rs);
}

static enum sm_sig_stop
scan(struct fixture *fx, struct sm_sig_dir *d, const struct sm_sig_flow *f, int dir, uint64_t off,
     const char *p, struct seen *s)
{
	return sm_sig_scan(fx->w, d, f, dir, off, (const uint8_t *)p, (uint32_t)strlen(p), on_match,
			   s);
}

static const struct sm_sig_flow http = {.port = {40000, 80}, .proto = 6};

static void
test_split_across_calls(void **state)
{
	struct fixture fx;
	struct sm_sig_dir d;
	struct seen s = {0};
	struct sm_sig_stats st;
	/* "GET /EVILPAT" is 12 bytes, then "TERN x": the pattern's last byte,
	 * 'N', is byte 3 of the second call at offset 12: end 12 + 4 = 16. */
	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 0, 0);
	sm_sig_dir_init(&d);
	assert_int_equal(scan(&fx, &d, &http, SM_DIR_ORIG, 0, "GET /EVILPAT", &s), SM_SIG_STOP_NONE);
	assert_int_equal(s.n, 0);
	assert_int_equal(scan(&fx, &d, &http, SM_DIR_ORIG, 12, "TERN x EVILPATTERN", &s),
			 SM_SIG_STOP_NONE);
	assert_int_equal(s.n, 1); /* once per direction, though it appears twice */
	assert_int_equal(s.sid[0], 1);
	assert_int_equal(s.dir[0], SM_DIR_ORIG);
	assert_int_equal(s.end[0], 16);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.streams_open, 1);
	assert_int_equal(st.stream_bytes, fx.rs->stream_bytes[SM_DIR_ORIG]);
	assert_int_equal(st.bytes_scanned, 30);
	assert_int_equal(sm_ruleset_streams_open(fx.rs), 1);
	assert_int_equal(sm_sig_stop(fx.w, &d, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END,
				     on_match, &s), SM_SIG_STOP_SESSION_END);
	assert_int_equal(sm_sig_dir_stopped(&d), SM_SIG_STOP_SESSION_END);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.streams_open, 0);
	assert_int_equal(st.stream_bytes, 0);
	assert_int_equal(sm_ruleset_hits(fx.rs, sm_rules_find_sid(fx.rs, 1) - fx.rs->rules), 1);
	fixture_fini(&fx);
}

/* flow:to_client, in both layouts: only the responder's bytes match. */
static void
test_flow_to_client(void **state)
{
	for (int layout = 0; layout < SM_RULES_LAYOUT_MAX; layout++) {
		struct fixture fx;
		struct sm_sig_dir o, r;
		struct seen s = {0};
		struct sm_sig_stats st;

		(void)state;
		fixture_init(&fx, (enum sm_rules_layout)layout, 0, 0);
		sm_sig_dir_init(&o);
		sm_sig_dir_init(&r);
		scan(&fx, &o, &http, SM_DIR_ORIG, 0, "client says SECRET", &s);
		assert_int_equal(s.n, 0);
		/* "HTTP/1.1 200 SECRET": 'T' of SECRET is byte 18: end 19 */
		scan(&fx, &r, &http, SM_DIR_REPLY, 0, "HTTP/1.1 200 SECRET", &s);
		assert_int_equal(s.n, 1);
		assert_int_equal(s.sid[0], 2);
		assert_int_equal(s.dir[0], SM_DIR_REPLY);
		assert_int_equal(s.end[0], 19);
		sm_sig_worker_stats(fx.w, &st);
		/* split: the originator's database has no to_client rule */
		assert_int_equal(st.filtered, layout == SM_RULES_LAYOUT_COMBINED ? 1 : 0);
		sm_sig_stop(fx.w, &o, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
		sm_sig_stop(fx.w, &r, &http, SM_DIR_REPLY, SM_SIG_STOP_SESSION_END, on_match, &s);
		fixture_fini(&fx);
	}
}

static void
test_port_filter(void **state)
{
	static const struct sm_sig_flow alt = {.port = {40000, 8080}, .proto = 6};
	static const struct sm_sig_flow udp = {.port = {40000, 8080}, .proto = 17};
	struct fixture fx;
	struct sm_sig_dir a, b, c;
	struct seen s = {0};
	struct sm_sig_stats st;

	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 0, 0);
	sm_sig_dir_init(&a);
	sm_sig_dir_init(&b);
	sm_sig_dir_init(&c);
	scan(&fx, &a, &http, SM_DIR_ORIG, 0, "PORTONLY", &s);  /* port 80: no */
	scan(&fx, &c, &udp, SM_DIR_ORIG, 0, "PORTONLY", &s);   /* udp: no */
	assert_int_equal(s.n, 0);
	scan(&fx, &b, &alt, SM_DIR_ORIG, 0, "PORTONLY", &s);   /* 8080: yes */
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sid[0], 3);
	assert_int_equal(s.end[0], 8);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.filtered, 2);
	assert_int_equal(st.matches, 1);
	sm_sig_stop(fx.w, &a, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	sm_sig_stop(fx.w, &b, &alt, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	sm_sig_stop(fx.w, &c, &udp, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	fixture_fini(&fx);
}

static void
test_depth(void **state)
{
	char buf[61];
	struct fixture fx;
	struct sm_sig_dir d, e;
	struct seen s = {0};
	struct sm_sig_stats st;

	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 100, 0);
	/* Depth 100: EVILPATTERN (11 bytes) at 89..99 ends at 100, inside. */
	sm_sig_dir_init(&d);
	memset(buf, 'a', 60);
	buf[60] = '\0';
	assert_int_equal(scan(&fx, &d, &http, SM_DIR_ORIG, 0, buf, &s), SM_SIG_STOP_NONE);
	memcpy(buf + 29, "EVILPATTERN", 11);
	assert_int_equal(scan(&fx, &d, &http, SM_DIR_ORIG, 60, buf, &s), SM_SIG_STOP_DEPTH);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.end[0], 100);
	assert_int_equal(sm_sig_dir_stopped(&d), SM_SIG_STOP_DEPTH);
	/* later bytes: nothing scanned */
	assert_int_equal(scan(&fx, &d, &http, SM_DIR_ORIG, 120, "EVILPATTERN", &s),
			 SM_SIG_STOP_DEPTH);
	/* at 90..100 it crosses the depth: not seen */
	sm_sig_dir_init(&e);
	memset(buf, 'a', 60);
	assert_int_equal(scan(&fx, &e, &http, SM_DIR_ORIG, 0, buf, &s), SM_SIG_STOP_NONE);
	memcpy(buf + 30, "EVILPATTERN", 11);
	assert_int_equal(scan(&fx, &e, &http, SM_DIR_ORIG, 60, buf, &s), SM_SIG_STOP_DEPTH);
	assert_int_equal(s.n, 1);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.depth_stops, 2);
	assert_int_equal(st.bytes_scanned, 200);
	assert_int_equal(st.streams_open, 0);
	/* a gap that carries the stream past the depth stops it unscanned */
	sm_sig_dir_init(&e);
	assert_int_equal(scan(&fx, &e, &http, SM_DIR_ORIG, 0, "ab", &s), SM_SIG_STOP_NONE);
	assert_int_equal(scan(&fx, &e, &http, SM_DIR_ORIG, 150, "EVILPATTERN", &s),
			 SM_SIG_STOP_DEPTH);
	assert_int_equal(s.n, 1);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.depth_stops, 3);
	assert_int_equal(st.bytes_scanned, 202);
	assert_int_equal(st.streams_open, 0);
	fixture_fini(&fx);
}

/* '$': the match needs the end of the data, reported when the stream closes. */
static void
test_end_of_stream(void **state)
{
	struct fixture fx;
	struct sm_sig_dir d;
	struct seen s = {0};

	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 0, 0);
	sm_sig_dir_init(&d);
	scan(&fx, &d, &http, SM_DIR_ORIG, 0, "xx", &s);
	/* a gap of 98 bytes: "TAIL" sits at 100..103, end 104 */
	scan(&fx, &d, &http, SM_DIR_ORIG, 100, "TAIL", &s);
	assert_int_equal(s.n, 0);
	sm_sig_stop(fx.w, &d, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sid[0], 4);
	assert_int_equal(s.end[0], 104);
	fixture_fini(&fx);
}

static void
test_stream_limit(void **state)
{
	struct fixture fx;
	struct sm_sig_dir a, b;
	struct seen s = {0};
	struct sm_sig_stats st;

	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 0, 1);
	sm_sig_dir_init(&a);
	sm_sig_dir_init(&b);
	assert_int_equal(scan(&fx, &a, &http, SM_DIR_ORIG, 0, "x", &s), SM_SIG_STOP_NONE);
	assert_int_equal(scan(&fx, &b, &http, SM_DIR_ORIG, 0, "EVILPATTERN", &s),
			 SM_SIG_STOP_NO_STREAM);
	assert_int_equal(s.n, 0);
	sm_sig_worker_stats(fx.w, &st);
	assert_int_equal(st.open_failures, 1);
	assert_int_equal(st.streams_open, 1);
	assert_string_equal(sm_sig_stop_name(sm_sig_dir_stopped(&b)), "no_stream");
	sm_sig_stop(fx.w, &a, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	fixture_fini(&fx);
}

/* A stream opened before a reload keeps its ruleset; new ones use the new. */
static void
test_reload(void **state)
{
	struct fixture fx;
	struct sm_ruleset *rs2;
	hs_scratch_t *old = NULL;
	struct sm_sig_dir a, b;
	struct seen s = {0};
	uint32_t old_idx;

	(void)state;
	fixture_init(&fx, SM_RULES_LAYOUT_SPLIT, 0, 0);
	old_idx = (uint32_t)(sm_rules_find_sid(fx.rs, 5) - fx.rs->rules);
	sm_sig_dir_init(&a);
	scan(&fx, &a, &http, SM_DIR_ORIG, 0, "start", &s);
	rs2 = load(rules_new, SM_RULES_LAYOUT_SPLIT);
	assert_int_equal(sm_sig_scratch_grow(&fx.proto, rs2), 0);
	sm_sig_worker_swap(fx.w, rs2, sm_sig_scratch_clone(fx.proto), &old);
	assert_non_null(old);
	hs_free_scratch(old);
	/* old stream: old rules only ("start" + "OLDPAT NEWPAT": OLDPAT ends at 11) */
	scan(&fx, &a, &http, SM_DIR_ORIG, 5, "OLDPAT NEWPAT", &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sid[0], 5);
	assert_int_equal(s.end[0], 11);
	/* new stream: new rules only (NEWPAT ends at 13) */
	sm_sig_dir_init(&b);
	scan(&fx, &b, &http, SM_DIR_ORIG, 0, "OLDPAT NEWPAT", &s);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.sid[1], 10);
	assert_int_equal(s.end[1], 13);
	/* the old set is in use until its last stream closes */
	assert_int_equal(sm_ruleset_streams_open(fx.rs), 1);
	assert_int_equal(sm_ruleset_streams_open(rs2), 1);
	sm_sig_stop(fx.w, &a, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	assert_int_equal(sm_ruleset_streams_open(fx.rs), 0);
	assert_int_equal(sm_ruleset_hits(fx.rs, old_idx), 1);
	sm_sig_stop(fx.w, &b, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	sm_ruleset_free(fx.rs);
	fx.rs = rs2;
	fixture_fini(&fx);
}

/* A worker on its own rule text, for the tests below. */
static struct sm_sig_worker *
worker_on(const char *name, const char *text, struct sm_ruleset **rs)
{
	struct sm_rules_source src = {name, text, strlen(text)};
	struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1};
	struct sm_sig_params sp = {.id = 0};
	struct sm_rules_report rep;
	hs_scratch_t *proto = NULL;

	*rs = sm_rules_load(&p, &rep);
	assert_non_null(*rs);
	assert_int_equal(rep.rejected, 0);
	sm_rules_report_fini(&rep);
	assert_int_equal(sm_sig_scratch_grow(&proto, *rs), 0);
	sp.rs = *rs;
	sp.scratch = sm_sig_scratch_clone(proto);
	hs_free_scratch(proto);
	return sm_sig_worker_create(&sp);
}

static void
on_match_start(void *arg, const struct sm_sig_match *m)
{
	uint64_t *v = arg;

	v[0]++;
	v[1] = m->start;
	v[2] = m->end;
}

/* A pattern-file rule with L (start of match): every match, with its start.
 * "xxabbbc": "abbbc" spans 2..6, start 2, end 7; then "zabc" at 7: 8..10. */
static void
test_start_offset(void **state)
{
	struct sm_ruleset *rs;
	struct sm_sig_worker *w = worker_on("p.hs", "7:/ab+c/L\n", &rs);
	struct sm_sig_dir d = {0};
	uint64_t v[3] = {0};

	(void)state;
	assert_non_null(w);
	sm_sig_scan(w, &d, &http, SM_DIR_ORIG, 0, (const uint8_t *)"xxabbbc", 7, on_match_start, v);
	assert_int_equal(v[0], 1);
	assert_int_equal(v[1], 2);
	assert_int_equal(v[2], 7);
	sm_sig_scan(w, &d, &http, SM_DIR_ORIG, 7, (const uint8_t *)"zabc", 4, on_match_start, v);
	assert_int_equal(v[0], 2);
	assert_int_equal(v[1], 8);
	assert_int_equal(v[2], 11);
	sm_sig_stop(w, &d, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match_start, v);
	sm_sig_worker_free(w);
	sm_ruleset_free(rs);
}

/*
 * Two contents without distance/within: both, in either order (a logical
 * combination). "xyz" then " -- abc": true once "abc" ends, at 3 + 4 + 3 =
 * 10. Hyperscan 5.4 evaluates a combination at the end of a scan call, or,
 * in a database of literals only (this one), when the stream closes: the
 * report may come late, its offset does not.
 */
static void
test_unordered_contents(void **state)
{
	struct sm_ruleset *rs;
	struct sm_sig_worker *w = worker_on(
		"u.rules", "alert tcp any any -> any any (content:\"abc\"; content:\"xyz\"; sid:9;)\n",
		&rs);
	struct fixture fx = {.w = w};
	struct sm_sig_dir d = {0}, e = {0};
	struct seen s = {0};

	(void)state;
	assert_non_null(w);
	scan(&fx, &d, &http, SM_DIR_ORIG, 0, "xyz", &s);
	scan(&fx, &d, &http, SM_DIR_ORIG, 3, " -- abc", &s);
	sm_sig_stop(w, &d, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	assert_int_equal(s.n, 1);
	assert_int_equal(s.sid[0], 9);
	assert_int_equal(s.end[0], 10);
	/* one of the two alone: nothing */
	scan(&fx, &e, &http, SM_DIR_ORIG, 0, "abc abc", &s);
	sm_sig_stop(w, &e, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match, &s);
	assert_int_equal(s.n, 1);
	sm_sig_worker_free(w);
	sm_ruleset_free(rs);
}

/* Collects the msg of every rule reported. */
struct msgs {
	unsigned int n;
	char text[16][96];
};

static void
on_match_msg(void *arg, const struct sm_sig_match *m)
{
	struct msgs *s = arg;

	assert_true(s->n < 16);
	snprintf(s->text[s->n++], sizeof(s->text[0]), "%s", m->rule->msg);
}

/* Rules in a file, counted the plain way: lines that start with "alert". */
static unsigned int
count_alert_lines(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[8192];
	unsigned int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL)
		n += strncmp(line, "alert ", 6) == 0;
	fclose(f);
	return n;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(a, b);
}

/*
 * The shipped rule set: every rule line loads. Then a Shellshock request
 * cut inside "() {". The
 * expected rules are read off their text in tools/rules/sessmon-http.rules:
 * the User-Agent header rule (^User-Agent:\s*\(\s*\)\s*\{), the bare
 * "() {" + ":;" rule, "/cgi-bin/" followed by "() {", "/bin/sh -c", and
 * the bot rule for a shell command in the User-Agent.
 */
static void
test_shipped_rules(void **state)
{
	static const char *const want[] = {
		"SESSMON BOT shell command in User-Agent",
		"SESSMON WEB Shellshock function definition",
		"SESSMON WEB Shellshock in CGI path",
		"SESSMON WEB Shellshock in User-Agent header",
		"SESSMON WEB command injection /bin/sh -c",
	};
	static const char part1[] = "GET /cgi-bin/status HTTP/1.1\r\nHost: a\r\nUser-Agent: (";
	static const char part2[] = ") { :;}; /bin/sh -c id\r\n\r\n";
	const char *dir = getenv("SM_RULES_DIR");
	char path[512];
	struct sm_rules_source src = {path, NULL, 0};
	struct sm_rules_params p = {.src = &src, .n_src = 1, .workers = 1};
	struct sm_sig_params sp = {.id = 0};
	struct sm_rules_report rep;
	hs_scratch_t *proto = NULL;
	struct sm_sig_dir d;
	struct msgs got = {0};

	(void)state;
	if (dir == NULL)
		skip();
	snprintf(path, sizeof(path), "%s/sessmon-http.rules", dir);
	sp.rs = sm_rules_load(&p, &rep);
	assert_non_null(sp.rs);
	assert_int_equal(rep.rejected, 0);
	assert_int_equal(rep.loaded, count_alert_lines(path));
	sm_rules_report_fini(&rep);
	assert_int_equal(sm_sig_scratch_grow(&proto, sp.rs), 0);
	sp.scratch = sm_sig_scratch_clone(proto);
	hs_free_scratch(proto);
	sp.max_streams = 4;
	{
		struct sm_sig_worker *w = sm_sig_worker_create(&sp);

		assert_non_null(w);
		sm_sig_dir_init(&d);
		sm_sig_scan(w, &d, &http, SM_DIR_ORIG, 0, (const uint8_t *)part1, strlen(part1),
			    on_match_msg, &got);
		sm_sig_scan(w, &d, &http, SM_DIR_ORIG, strlen(part1), (const uint8_t *)part2,
			    strlen(part2), on_match_msg, &got);
		sm_sig_stop(w, &d, &http, SM_DIR_ORIG, SM_SIG_STOP_SESSION_END, on_match_msg, &got);
		sm_sig_worker_free(w);
	}
	qsort(got.text, got.n, sizeof(got.text[0]), cmp_str);
	assert_int_equal(got.n, SM_ARRAY_SIZE(want));
	for (unsigned int i = 0; i < got.n; i++)
		assert_string_equal(got.text[i], want[i]);
	sm_ruleset_free(sp.rs);
}

static void
test_no_rules(void **state)
{
	struct sm_sig_params p = {.id = 0};
	struct sm_sig_worker *w = sm_sig_worker_create(&p);
	struct sm_sig_dir d;
	struct seen s = {0};

	(void)state;
	assert_non_null(w);
	sm_sig_dir_init(&d);
	assert_int_equal(sm_sig_scan(w, &d, &http, SM_DIR_ORIG, 0, (const uint8_t *)"x", 1,
				     on_match, &s), SM_SIG_STOP_NO_RULES);
	sm_sig_worker_free(w);
	p.id = SM_MAX_WORKERS;
	assert_null(sm_sig_worker_create(&p));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_across_calls),
		cmocka_unit_test(test_flow_to_client),
		cmocka_unit_test(test_port_filter),
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_end_of_stream),
		cmocka_unit_test(test_stream_limit),
		cmocka_unit_test(test_reload),
		cmocka_unit_test(test_start_offset),
		cmocka_unit_test(test_unordered_contents),
		cmocka_unit_test(test_shipped_rules),
		cmocka_unit_test(test_no_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
