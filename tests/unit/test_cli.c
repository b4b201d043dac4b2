/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The FortiOS command line over a fake backend: five hand-built sessions
 * (three IPv4, two IPv6) that walk/clear/stat filter with the real session
 * filter. Covers abbreviations, every error text and return code against
 * the verbatim samples (../shared/fortigate/samples, named per case), the
 * filter applied to list, clear and stat, `session6`, quoting, hostile
 * input, and that a failed command changes nothing.
 *
 * Session blocks are fgfmt's (tested in test_fgfmt.c); here a listing is
 * checked for which sessions it holds (their serial= lines, in order) and
 * its footer. `get system session list` rows are written out by hand.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/cli.h"
#include "sessmon/sess_filter.h"
#include "sessmon/sess_view.h"
#include "sessmon/tcp_state.h"

#include "vectors/filter_show.h"

/* ------------------------------------------------------------------ */
/* the fake backend */

#define N_SESS 5

struct fake {
	struct sm_sess_view v[N_SESS];
	bool live[N_SESS];
	int walks, clears, stats;    /* calls */
	int walk_family;             /* family of the last walk */
	bool walk_filtered;          /* the last walk had a filter */
	int fail;                    /* -errno every call returns, or 0 */
};

static bool
passes(const struct sm_sess_view *v, int family, const struct sm_sess_filter *f)
{
	return (family == 0 || v->family == family) && (f == NULL || sm_sess_filter_match(f, v));
}

static int
fake_walk(void *arg, int family, const struct sm_sess_filter *f,
	  int (*cb)(void *cb_arg, const struct sm_sess_view *v), void *cb_arg)
{
	struct fake *fk = arg;
	int n = 0;

	fk->walks++;
	fk->walk_family = family;
	fk->walk_filtered = f != NULL;
	if (fk->fail != 0)
		return fk->fail;
	for (int i = 0; i < N_SESS; i++) {
		if (!fk->live[i] || !passes(&fk->v[i], family, f))
			continue;
		n++;
		if (cb(cb_arg, &fk->v[i]) != 0)
			break;
	}
	return n;
}

static int
fake_clear(void *arg, const struct sm_sess_filter *f)
{
	struct fake *fk = arg;
	int n = 0;

	fk->clears++;
	if (fk->fail != 0)
		return fk->fail;
	for (int i = 0; i < N_SESS; i++)
		if (fk->live[i] && passes(&fk->v[i], 0, f)) {
			fk->live[i] = false;
			n++;
		}
	return n;
}

static int
fake_stat(void *arg, const struct sm_sess_filter *f, struct sm_sess_stat *st)
{
	struct fake *fk = arg;

	fk->stats++;
	if (fk->fail != 0)
		return fk->fail;
	memset(st, 0, sizeof(*st));
	for (int i = 0; i < N_SESS; i++)
		if (fk->live[i] && passes(&fk->v[i], 0, f)) {
			st->session_count++;
			if (fk->v[i].proto == 6)
				st->tcp_states[fk->v[i].tcp_state]++;
		}
	st->table_size = 4096;
	st->max_depth = 1;
	return 0;
}

static const struct sm_cli_ops fake_ops = {
	.walk = fake_walk,
	.clear = fake_clear,
	.stat = fake_stat,
};

static void
put_addr(int family, const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out), 1);
}

static struct sm_sess_view
view(uint32_t serial, int family, uint8_t proto, const char *src, uint16_t sport,
     const char *dst, uint16_t dport, uint32_t expire)
{
	struct sm_sess_view v;

	memset(&v, 0, sizeof(v));
	v.serial = serial;
	v.family = (uint8_t)family;
	v.proto = proto;
	v.expire = expire;
	put_addr(family, src, v.dir[SM_DIR_ORIG].src);
	put_addr(family, dst, v.dir[SM_DIR_ORIG].dst);
	put_addr(family, dst, v.dir[SM_DIR_REPLY].src);
	put_addr(family, src, v.dir[SM_DIR_REPLY].dst);
	v.dir[SM_DIR_ORIG].sport = sport;
	v.dir[SM_DIR_ORIG].dport = dport;
	v.dir[SM_DIR_REPLY].sport = dport;
	v.dir[SM_DIR_REPLY].dport = sport;
	if (proto == 6)
		v.tcp_state = SM_TCP_FGT_ESTABLISHED;
	return v;
}

struct world {
	struct fake fk;
	struct sm_cli *cli;
};

static int
setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	/* 1: the TCP session of get-system-session-list-6.4.txt;
	 * 3: the ICMP echo of README §3.6. */
	w->fk.v[0] = view(1, 4, 6, "10.3.0.4", 56712, "192.168.0.4", 22, 3600);
	w->fk.v[1] = view(2, 4, 17, "10.0.0.1", 5353, "10.0.0.2", 53, 179);
	w->fk.v[2] = view(3, 4, 1, "192.168.1.10", 13898, "192.168.2.10", 8, 59);
	w->fk.v[3] = view(4, 6, 6, "2001:db8::1", 40000, "2001:db8::2", 443, 3600);
	w->fk.v[4] = view(5, 6, 17, "2001:db8::3", 5000, "2001:db8::2", 53, 179);
	for (int i = 0; i < N_SESS; i++)
		w->fk.live[i] = true;
	w->cli = sm_cli_create(&fake_ops, &w->fk);
	assert_non_null(w->cli);
	*state = w;
	return 0;
}

static int
teardown(void **state)
{
	struct world *w = *state;

	sm_cli_free(w->cli);
	free(w);
	return 0;
}

/* Run @line; @return its output (caller frees), its code in @rc. */
static char *
run(struct world *w, const char *line, int *rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);

	assert_non_null(out);
	*rc = sm_cli_exec(w->cli, line, out);
	assert_int_equal(fclose(out), 0);
	return text;
}

static bool
starts_with(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* Run @line and expect exactly @want_out and @want_rc. */
static void
expect(struct world *w, const char *line, const char *want_out, int want_rc)
{
	int rc;
	char *got = run(w, line, &rc);

	if (strcmp(got, want_out) != 0 || rc != want_rc)
		fail_msg("`%s`: rc %d (want %d), output:\n%s---\nwanted:\n%s---", line, rc,
			 want_rc, got, want_out);
	free(got);
}

/*
 * Run a listing command and check it names the sessions @serials (their
 * `serial=` values, space-separated, in order) and ends with `total
 * session N`, N their number.
 */
static void
expect_listing(struct world *w, const char *line, const char *serials)
{
	int rc, n = 0;
	char *got = run(w, line, &rc), *p = got;
	char found[256] = "", footer[64];

	assert_int_equal(rc, 0);
	while ((p = strstr(p, "\nserial=")) != NULL) {
		p += strlen("\nserial=");
		if (n++ > 0)
			strcat(found, " ");
		strncat(found, p, 8);
	}
	if (strcmp(found, serials) != 0)
		fail_msg("`%s` lists [%s], wanted [%s]", line, found, serials);
	/* README §2.4: the footer, last, right after the last block's last
	 * line (no blank line); alone when nothing matched. */
	snprintf(footer, sizeof(footer), "%stotal session %d\n", n > 0 ? "\n" : "", n);
	assert_true(strlen(got) >= strlen(footer));
	assert_string_equal(got + strlen(got) - strlen(footer), footer);
	if (n == 0)
		assert_string_equal(got, footer);
	free(got);
}

/* `get system session list`'s first line. */
static const char get_header[] =
	/* get-system-session-list-6.4.txt line 3, trailing space as published */
	"PROTO   EXPIRE SOURCE           SOURCE-NAT       DESTINATION      DESTINATION-NAT \n";

/* ------------------------------------------------------------------ */
/* FortiOS's error texts, verbatim */

/* cli-error-outputs-netdriver.txt, block 1. */
#define UNKNOWN_ACTION "Unknown action 0\n"
/* Same file, block 11: `command parse error before 'tcp'` + code -61. */
#define PARSE_ERROR(w) "command parse error before '" w "'\nCommand fail. Return code -61\n"
/* Same file, block 3. */
#define INCOMPLETE "incomplete command in the end\nCommand fail. Return code -160\n"
/* Same file, block 5's last two lines. */
#define VALUE_ERROR(w) "value parse error before '" w "'\nCommand fail. Return code -8\n"
/* Same file, block 5 whole: the reason, a blank line, the error. */
#define BAD_ADDRESS(w) "invalid ip address\n\n" VALUE_ERROR(w)

static const struct {
	const char *line, *out;
	int rc;
} error_cases[] = {
	/* tests/integration/check_cli_errors.py's four cases */
	{ "diagnose sys sesion list", PARSE_ERROR("sesion"), -61 },
	{ "diag sys sess", INCOMPLETE, -160 },
	{ "diagnose sys session filter sport abc", VALUE_ERROR("abc"), -8 },
	{ "foo", UNKNOWN_ACTION, -61 },
	/* the netdriver sample's own bad value */
	{ "diagnose sys session filter src 1.1", BAD_ADDRESS("1.1"), -8 },
	/* unknown words at each depth; an unknown first word is an action */
	{ "diagnose sys sessions list", PARSE_ERROR("sessions"), -61 },
	{ "diagnose system session list", PARSE_ERROR("system"), -61 },
	{ "get system session status", PARSE_ERROR("status"), -61 },
	{ "get sys sess listing", PARSE_ERROR("listing"), -61 },
	{ "DIAGNOSE sys session list", UNKNOWN_ACTION, -61 },
	{ "diagnose SYS session list", PARSE_ERROR("SYS"), -61 },
	{ "execute", UNKNOWN_ACTION, -61 },
	/* ambiguous: filter, full-stat */
	{ "diag sys sess f", PARSE_ERROR("f"), -61 },
	/* an empty word names nothing */
	{ "diag \"\" session list", PARSE_ERROR(""), -61 },
	{ "\"\"", UNKNOWN_ACTION, -61 },
	/* too few words */
	{ "diagnose", INCOMPLETE, -160 },
	{ "diag sys", INCOMPLETE, -160 },
	{ "diag sys session6", INCOMPLETE, -160 },
	{ "get", INCOMPLETE, -160 },
	{ "get system session", INCOMPLETE, -160 },
	{ "diag sys session filter dport", INCOMPLETE, -160 },
	{ "diag sys session filter negate", INCOMPLETE, -160 },
	/* words too many: the first extra one */
	{ "diagnose sys session list extra more", PARSE_ERROR("extra"), -61 },
	{ "diagnose sys session6 list 1", PARSE_ERROR("1"), -61 },
	{ "diagnose sys session stat x", PARSE_ERROR("x"), -61 },
	{ "diagnose sys session full-stat x", PARSE_ERROR("x"), -61 },
	{ "diagnose sys session clear all", PARSE_ERROR("all"), -61 },
	{ "get system session list x", PARSE_ERROR("x"), -61 },
	{ "diag sys session filter clear x", PARSE_ERROR("x"), -61 },
	{ "diag sys session filter dport 1 2 3", PARSE_ERROR("3"), -61 },
	/* filter keys */
	{ "diag sys session filter bogus 1", PARSE_ERROR("bogus"), -61 },
	{ "diag sys session filter d 1", PARSE_ERROR("d"), -61 },
	{ "diag sys session filter negate bogus", PARSE_ERROR("bogus"), -61 },
	{ "diag sys session filter dport 80 70", VALUE_ERROR("70"), -8 },
	{ "diag sys session filter proto 256", VALUE_ERROR("256"), -8 },
	{ "diag sys session filter vd any", VALUE_ERROR("any"), -8 },
	{ "diag sys session filter dst 10.1.1.300", BAD_ADDRESS("10.1.1.300"), -8 },
	/* each family's filter takes its own addresses */
	{ "diag sys session filter src 2001:db8::1", BAD_ADDRESS("2001:db8::1"), -8 },
	{ "diag sys session6 filter src 10.0.0.1", BAD_ADDRESS("10.0.0.1"), -8 },
	/* quoting: the line ends inside quotes or after a backslash */
	{ "diag sys session filter src \"10.0.0.1", INCOMPLETE, -160 },
	{ "diag sys session list\\", INCOMPLETE, -160 },
	{ "\"", INCOMPLETE, -160 },
	/* a quoted blank stays in its word; an escaped quote is a character */
	{ "diag sys session \"list x\"", PARSE_ERROR("list x"), -61 },
	{ "diag sys session filter dport \\\"22", VALUE_ERROR("\"22"), -8 },
	{ "diag sys session filter dport 2\\ 2", VALUE_ERROR("2 2"), -8 },
	/* single quotes group too, and each quote is plain inside the other */
	{ "diag sys session 'list x'", PARSE_ERROR("list x"), -61 },
	{ "diag sys session filter dport '\"22'", VALUE_ERROR("\"22"), -8 },
	{ "diag sys session filter dport \"'22\"", VALUE_ERROR("'22"), -8 },
	{ "diag sys session filter src '10.0.0.1", INCOMPLETE, -160 },
};

static void
test_errors(void **state)
{
	struct world *w = *state;

	for (size_t i = 0; i < sizeof(error_cases) / sizeof(error_cases[0]); i++)
		expect(w, error_cases[i].line, error_cases[i].out, error_cases[i].rc);
	/* The backend was never asked for anything. */
	assert_int_equal(w->fk.walks + w->fk.clears + w->fk.stats, 0);
	/* Nor did any failed filter command change a filter. */
	expect(w, "diag sys session filter", show_empty, 0);
	expect(w, "diag sys session6 filter", show_empty, 0);
}

/* ------------------------------------------------------------------ */
/* commands */

static void
test_list(void **state)
{
	struct world *w = *state;
	int rc;
	char *got;

	expect_listing(w, "diagnose sys session list", "00000001 00000002 00000003");
	assert_int_equal(w->fk.walk_family, 4);
	assert_true(w->fk.walk_filtered);
	expect_listing(w, "diagnose sys session6 list", "00000004 00000005");
	assert_int_equal(w->fk.walk_family, 6);

	/* Blocks start with a blank line (README §2.2) and their header. */
	got = run(w, "diagnose sys session list", &rc);
	assert_true(starts_with(got, "\nsession info: proto=6 "));
	free(got);
	got = run(w, "diagnose sys session6 list", &rc);
	assert_true(starts_with(got, "\nsession6 info: proto=6 "));
	free(got);
}

static void
test_list_empty(void **state)
{
	struct world *w = *state;

	for (int i = 0; i < N_SESS; i++)
		w->fk.live[i] = false;
	/* README §2.4: no capture shows it; the footer alone. */
	expect(w, "diagnose sys session list", "total session 0\n", 0);
	expect(w, "get system session list", get_header, 0);
}

static void
test_abbreviations(void **state)
{
	struct world *w = *state;
	static const char *const v4[] = {
		"diagnose sys session list",
		"diag sys sess list",           /* the brief's and FortiOS's habit */
		"diag sys session li",
		"diagn sy sessio l",
		"d s s l",                      /* s: sys; s: session; l: list */
		"  diag\tsys  sess\tlist  ",    /* blanks around and between */
		"diag sys sess list\r\n",       /* a line end from a script */
		"\"diagnose\" sys \"sess\"ion list",
		"di\\ag sys sess list",         /* an escaped ordinary character */
	};
	static const char *const v6[] = {
		"diagnose sys session6 list",
		"diag sys session6 l",
		"d s session6 l",
	};
	int rc;
	char *got;

	for (size_t i = 0; i < sizeof(v4) / sizeof(v4[0]); i++)
		expect_listing(w, v4[i], "00000001 00000002 00000003");
	for (size_t i = 0; i < sizeof(v6) / sizeof(v6[0]); i++)
		expect_listing(w, v6[i], "00000004 00000005");
	/* `fi` and `fu` tell filter and full-stat apart. */
	expect(w, "diag sys sess fi", show_empty, 0);
	got = run(w, "diag sys sess fu", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, "session table:"));
	free(got);
	got = run(w, "g sys sess l", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, get_header));
	free(got);
}

static void
test_keyword_rule(void **state)
{
	static const struct {
		const char *word;
		int other;
	} t[] = { { "session" }, { "session6" }, { "stat" }, { "start" }, { "list" } };
	const size_t n = sizeof(t) / sizeof(t[0]);

	(void)state;
	assert_int_equal(sm_cli_keyword_find("session", t, n, sizeof(t[0])), 0);
	assert_int_equal(sm_cli_keyword_find("session6", t, n, sizeof(t[0])), 1);
	assert_int_equal(sm_cli_keyword_find("sess", t, n, sizeof(t[0])), 0);
	assert_int_equal(sm_cli_keyword_find("l", t, n, sizeof(t[0])), 4);
	assert_int_equal(sm_cli_keyword_find("stat", t, n, sizeof(t[0])), 2);
	/* stat and start: neither is a prefix of the other */
	assert_int_equal(sm_cli_keyword_find("sta", t, n, sizeof(t[0])), -1);
	assert_int_equal(sm_cli_keyword_find("s", t, n, sizeof(t[0])), -1);
	assert_int_equal(sm_cli_keyword_find("", t, n, sizeof(t[0])), -1);
	assert_int_equal(sm_cli_keyword_find("lists", t, n, sizeof(t[0])), -1);
	assert_int_equal(sm_cli_keyword_find("x", t, n, sizeof(t[0])), -1);
}

static void
test_get_system_session_list(void **state)
{
	struct world *w = *state;
	/* Rows by the layout of README §7, `%-7s %-6s %-16s %-16s %-16s
	 * %-16s`: the first is get-system-session-list-6.4.txt's row
	 * verbatim; 192.168.1.10:13898 (18 characters) pushes its row right. */
	static const char want[] =
		"PROTO   EXPIRE SOURCE           SOURCE-NAT       DESTINATION      DESTINATION-NAT \n"
		"tcp     3600   10.3.0.4:56712   -                192.168.0.4:22   -               \n"
		"udp     179    10.0.0.1:5353    -                10.0.0.2:53      -               \n"
		"icmp    59     192.168.1.10:13898 -                192.168.2.10:8   -               \n";

	expect(w, "get system session list", want, 0);
	assert_int_equal(w->fk.walk_family, 4);
	/* `get` has its own filter in FortiOS, not `diagnose`'s. */
	assert_false(w->fk.walk_filtered);
	expect(w, "diag sys session filter dport 22", "", 0);
	expect(w, "get system session list", want, 0);
}

static void
test_filter_show_set(void **state)
{
	struct world *w = *state;

	expect(w, "diagnose sys session filter", show_empty, 0);
	/* session-filter-set-prints-nothing-6.2.txt and
	 * session-filter-show-7.x.txt: setting prints nothing, then shows */
	expect(w, "diagnose sys session filter proto 1", "", 0);
	expect(w, "diagnose sys session filter src 192.168.1.10", "", 0);
	expect(w, "diagnose sys session filter",
	       "session filter:\n"
	       "\tvd: any\n"
	       "\tsintf: any\n"
	       "\tdintf: any\n"
	       "\tproto: 1-1\n"
	       "\tproto-state: any\n"
	       "\tsource ip: 192.168.1.10-192.168.1.10\n"
	       "\tNAT'd source ip: any\n"
	       "\tdest ip: any\n"
	       "\tsource port: any\n"
	       "\tNAT'd source port: any\n"
	       "\tdest port: any\n"
	       "\tpolicy id: any\n"
	       "\texpire: any\n"
	       "\tduration: any\n"
	       "\tstate1: any\n"
	       "\tstate2: any\n", 0);
	expect_listing(w, "diag sys session list", "00000003");
	/* session-filter-set-prints-nothing-6.2.txt: `filter clear` too */
	expect(w, "diagnose sys session filter clear", "", 0);
	expect(w, "diagnose sys session filter", show_empty, 0);
	expect_listing(w, "diag sys session list", "00000001 00000002 00000003");
	/* Filter commands never reach the backend. */
	assert_int_equal(w->fk.clears + w->fk.stats, 0);
}

static void
test_filter_applies_to_list(void **state)
{
	struct world *w = *state;

	expect(w, "diag sys session filter dport 22", "", 0);
	expect_listing(w, "diag sys session list", "00000001");
	/* negate: every session but port 22 */
	expect(w, "diag sys session filter negate dport", "", 0);
	expect_listing(w, "diag sys session list", "00000002 00000003");
	expect(w, "diag sys session filter clear", "", 0);
	/* ranges: 10/8 holds sessions 1 and 2 */
	expect(w, "diag sys sess filter src 10.0.0.0 10.255.255.255", "", 0);
	expect_listing(w, "diag sys session list", "00000001 00000002");
	/* ANDed with a port range */
	expect(w, "diag sys sess filter sport 5000 6000", "", 0);
	expect_listing(w, "diag sys session list", "00000002");
	/* abbreviated keys: `dp` is dport, `pro` is proto */
	expect(w, "diag sys sess filter cl", "", 0);
	expect(w, "diag sys sess filter pro 1", "", 0);
	expect(w, "diag sys sess filter dp 8", "", 0);
	expect_listing(w, "diag sys session list", "00000003");
	/* vd -1: any VDOM again (every view is vd 0) */
	expect(w, "diag sys sess filter clear", "", 0);
	expect(w, "diag sys sess filter vd 1", "", 0);
	expect_listing(w, "diag sys session list", "");
	expect(w, "diag sys sess filter vd -1", "", 0);
	expect_listing(w, "diag sys session list", "00000001 00000002 00000003");
}

/* The IPv6 table has its own filter, with IPv6 addresses. */
static void
test_session6_filter(void **state)
{
	struct world *w = *state;
	int rc;
	char *got;

	expect(w, "diag sys session6 filter src 2001:db8::3", "", 0);
	expect_listing(w, "diag sys session6 list", "00000005");
	got = run(w, "diag sys session6 filter", &rc);
	assert_int_equal(rc, 0);
	assert_non_null(strstr(got, "\tsource ip: 2001:db8::3-2001:db8::3\n"));
	free(got);
	/* The IPv4 filter did not change, nor its listing. */
	expect(w, "diag sys session filter", show_empty, 0);
	expect_listing(w, "diag sys session list", "00000001 00000002 00000003");
	/* And the other way round. */
	expect(w, "diag sys session filter proto 17", "", 0);
	expect_listing(w, "diag sys session6 list", "00000005");
	expect(w, "diag sys session6 filter clear", "", 0);
	expect_listing(w, "diag sys session6 list", "00000004 00000005");
	expect_listing(w, "diag sys session list", "00000002");
	/* An IPv6 range across the table. */
	expect(w, "diag sys session6 filter dst 2001:db8::2 2001:db8::2", "", 0);
	expect(w, "diag sys session6 filter dport 400 500", "", 0);
	expect_listing(w, "diag sys session6 list", "00000004");
}

static void
test_clear(void **state)
{
	struct world *w = *state;

	/* session-stat-clear-flush-6.x-kb196340.txt: clear prints nothing. */
	expect(w, "diag sys session filter proto 17", "", 0);
	expect(w, "diag sys session clear", "", 0);
	assert_int_equal(w->fk.clears, 1);
	/* Only the filtered IPv4 session went: not UDP session 5 (IPv6). */
	assert_false(w->fk.live[1]);
	assert_true(w->fk.live[0] && w->fk.live[2] && w->fk.live[3] && w->fk.live[4]);
	expect(w, "diag sys session filter clear", "", 0);
	expect_listing(w, "diag sys session list", "00000001 00000003");
	expect_listing(w, "diag sys session6 list", "00000004 00000005");
	/* session6 clear with no filter: every IPv6 session, no IPv4 one. */
	expect(w, "diag sys session6 clear", "", 0);
	expect_listing(w, "diag sys session6 list", "");
	expect_listing(w, "diag sys session list", "00000001 00000003");
	/* Abbreviated. */
	expect(w, "d s s c", "", 0);
	expect_listing(w, "diag sys session list", "");
}

static void
test_stat(void **state)
{
	struct world *w = *state;
	int rc;
	char *got;

	/* README §6 layout (sm_fgfmt_stat): the fake reports the sessions
	 * that pass, TCP ones per state. Filter: TCP, so session 1 only. */
	expect(w, "diag sys session filter proto 6", "", 0);
	got = run(w, "diagnose sys session stat", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, "misc info:\t session_count=1 setup_rate=0 exp_count=0"
				" reflect_count=0 clash=0\n"));
	assert_non_null(strstr(got, "TCP sessions:\n\t 1 in ESTABLISHED state\n"
				    "firewall error stat:\n"));
	free(got);
	/* full-stat: the `session table:` line first (session-full-stat-6.x-kb192305.txt). */
	got = run(w, "diagnose sys session full-stat", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, "session table:\t\t table_size=4096 max_depth=1 used=1\n"
				"misc info:\t session_count=1 "));
	free(got);
	/* session6 stat: both IPv6 sessions, one of them TCP. */
	got = run(w, "diag sys session6 stat", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, "misc info:\t session_count=2 "));
	assert_non_null(strstr(got, "TCP sessions:\n\t 1 in ESTABLISHED state\n"));
	free(got);
	got = run(w, "diag sys session6 full-stat", &rc);
	assert_int_equal(rc, 0);
	assert_true(starts_with(got, "session table:\t\t table_size=4096 max_depth=1 used=2\n"));
	free(got);
	assert_int_equal(w->fk.stats, 4);
}

static void
test_empty_lines(void **state)
{
	struct world *w = *state;

	expect(w, "", "", 0);
	expect(w, "   ", "", 0);
	expect(w, "\t\r\n", "", 0);
	assert_int_equal(w->fk.walks + w->fk.clears + w->fk.stats, 0);
}

static void
test_quoting(void **state)
{
	struct world *w = *state;

	expect(w, "diagnose sys session filter src \"192.168.1.10\"", "", 0);
	expect(w, "diagnose sys session filter \"dport\" 8", "", 0);
	expect(w, "diagnose sys session filter pr\"oto\" \"1\"", "", 0);
	expect_listing(w, "diag sys session list", "00000003");
}

/* A failed command leaves every filter and every session as it was. */
static void
test_failed_command_changes_nothing(void **state)
{
	struct world *w = *state;
	static const char *const bad[] = {
		"diag sys session filter dport 80 70",
		"diag sys session filter dport 80 90 100",
		"diag sys session filter dport abc 90 100",
		"diag sys session filter clear now",
		"diag sys session filter src 1.1",
		"diag sys session filter src 10.0.0.1 10.0.0.2 10.0.0.3",
		"diag sys session filter negate dport x",
		"diag sys session filter negate bogus",
		"diag sys session filter vd 1 2",
		"diag sys session clear extra",
		"diag sys session6 clear extra",
		"diag sys session clea\"r",
		"diag sys session filter clear\\",
	};
	int rc;
	char *before, *after;

	expect(w, "diag sys session filter dport 22", "", 0);
	expect(w, "diag sys session filter negate src", "", 0);
	before = run(w, "diag sys session filter", &rc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *got = run(w, bad[i], &rc);

		if (rc >= 0)
			fail_msg("`%s` succeeded", bad[i]);
		free(got);
	}
	after = run(w, "diag sys session filter", &rc);
	assert_string_equal(after, before);
	free(before);
	free(after);
	expect(w, "diag sys session6 filter", show_empty, 0);
	assert_int_equal(w->fk.clears, 0);
	for (int i = 0; i < N_SESS; i++)
		assert_true(w->fk.live[i]);
	expect_listing(w, "diag sys session list", "00000001");
}

/* A backend error: its -errno, after FortiOS's `Command fail` line. */
static void
test_backend_errors(void **state)
{
	struct world *w = *state;

	w->fk.fail = -ENOMEM;
	expect(w, "diag sys session list", "Command fail. Return code -12\n", -ENOMEM);
	/* get prints its header before it walks: the code line follows it. */
	expect(w, "get system session list", "PROTO   EXPIRE SOURCE           SOURCE-NAT"
	       "       DESTINATION      DESTINATION-NAT \nCommand fail. Return code -12\n",
	       -ENOMEM);
	w->fk.fail = -EIO;
	expect(w, "diag sys session clear", "Command fail. Return code -5\n", -EIO);
	expect(w, "diag sys session stat", "Command fail. Return code -5\n", -EIO);
	expect(w, "diag sys session full-stat", "Command fail. Return code -5\n", -EIO);
	/* -ENODATA is -61 on Linux: still no FortiOS parse text. */
	w->fk.fail = -61;
	expect(w, "diag sys session list", "Command fail. Return code -61\n", -61);
}

/* ------------------------------------------------------------------ */
/* hostile input */

static char *
repeat(const char *head, const char *unit, size_t times, const char *tail)
{
	size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
	char *s = malloc(hl + ul * times + tl + 1), *p = s;

	assert_non_null(s);
	memcpy(p, head, hl);
	p += hl;
	for (size_t i = 0; i < times; i++, p += ul)
		memcpy(p, unit, ul);
	memcpy(p, tail, tl + 1);
	return s;
}

#define BIG (1u << 20)

static void
test_long_lines(void **state)
{
	struct world *w = *state;
	char *line, *want;

	/* a 1 MiB word where a keyword goes: quoted back whole */
	line = repeat("diagnose ", "x", BIG, "");
	want = repeat("command parse error before '", "x", BIG,
		      "'\nCommand fail. Return code -61\n");
	expect(w, line, want, -61);
	free(line);
	free(want);

	/* a 1 MiB first word */
	line = repeat("", "y", BIG, " sys session list");
	expect(w, line, UNKNOWN_ACTION, -61);
	free(line);

	/* 256 Ki extra words: the first one is quoted */
	line = repeat("diagnose sys session list", " list", BIG / 4, "");
	expect(w, line, PARSE_ERROR("list"), -61);
	free(line);

	/* a 1 MiB value */
	line = repeat("diag sys session filter dport ", "9", BIG, "");
	want = repeat("value parse error before '", "9", BIG,
		      "'\nCommand fail. Return code -8\n");
	expect(w, line, want, -8);
	free(line);
	free(want);

	/* 1 MiB inside a quote that never closes */
	line = repeat("diag sys session filter src \"", "a b", BIG / 3, "");
	expect(w, line, INCOMPLETE, -160);
	free(line);

	/* 1 MiB of blanks around a command */
	line = repeat("", " \t", BIG / 2, "diag sys sess list");
	expect_listing(w, line, "00000001 00000002 00000003");
	free(line);
	line = repeat("", "\\", BIG, "");   /* escaped backslashes, one word */
	expect(w, line, UNKNOWN_ACTION, -61);
	free(line);
}

/* A deterministic generator: the same garbage on every run. */
static uint32_t
next_rand(uint32_t *s)
{
	*s = *s * 1103515245u + 12345u;
	return *s >> 8;
}

static bool
known_code(int rc)
{
	return rc == 0 || rc == -61 || rc == -160 || rc == -8;
}

static void
test_garbage(void **state)
{
	struct world *w = *state;
	static const char *const vocab[] = {
		"diagnose", "diag", "d", "sys", "s", "session", "session6", "sess", "list",
		"filter", "clear", "negate", "stat", "full-stat", "get", "system", "src",
		"dst", "sport", "dport", "proto", "vd", "-1", "1.2.3.4", "2001:db8::1",
		"80", "65536", "\"", "\\", "\"\"", "x", "\t", "  ",
	};
	const size_t n_vocab = sizeof(vocab) / sizeof(vocab[0]);
	uint32_t seed = 20240601;
	char line[4097];

	for (int round = 0; round < 20000; round++) {
		size_t len = next_rand(&seed) % (sizeof(line) - 1);
		int rc;
		char *got;

		if (round % 2 == 0) {
			/* any byte but NUL */
			for (size_t i = 0; i < len; i++)
				line[i] = (char)(1 + next_rand(&seed) % 255);
			line[len] = '\0';
		} else {
			/* words of the grammar in random order, glued or spaced */
			size_t at = 0, n = 1 + next_rand(&seed) % 8;

			line[0] = '\0';
			for (size_t i = 0; i < n; i++) {
				const char *word = vocab[next_rand(&seed) % n_vocab];

				at += (size_t)snprintf(line + at, sizeof(line) - at, "%s%s", word,
						       next_rand(&seed) % 4 ? " " : "");
			}
		}
		got = run(w, line, &rc);
		if (!known_code(rc))
			fail_msg("`%s`: rc %d", line, rc);
		/* Output, if any, is whole lines. */
		if (got[0] != '\0' && got[strlen(got) - 1] != '\n')
			fail_msg("`%s`: output does not end a line", line);
		/* An error says so in FortiOS's words. */
		if (rc < 0 && strstr(got, "Command fail. Return code ") == NULL &&
		    strcmp(got, UNKNOWN_ACTION) != 0)
			fail_msg("`%s`: rc %d, output %s", line, rc, got);
		free(got);
	}
}

static void
test_free_null(void **state)
{
	(void)state;
	sm_cli_free(NULL);
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(test_errors),
		T(test_list),
		T(test_list_empty),
		T(test_abbreviations),
		cmocka_unit_test(test_keyword_rule),
		T(test_get_system_session_list),
		T(test_filter_show_set),
		T(test_filter_applies_to_list),
		T(test_session6_filter),
		T(test_clear),
		T(test_stat),
		T(test_empty_lines),
		T(test_quoting),
		T(test_failed_command_changes_nothing),
		T(test_backend_errors),
		T(test_long_lines),
		T(test_garbage),
		cmocka_unit_test(test_free_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
