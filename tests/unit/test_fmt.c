/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * fortiformatter format strings (fmt.h) against the specification,
 * ../shared/reference/fortiformatter-output-format.txt ("spec" below), and
 * the choices docs/format.md makes where the spec is silent (taken from
 * foset's formatter.go, ondrejholecek/foset fortisession/fortiformatter).
 *
 * - spec_vectors: every example line of the spec, with the session values
 *   the example implies; where sessmon has no source for the example's
 *   value (NAT, tunnels, NPU flags, HA flags), the row says so and expects
 *   the no-value form.
 * - var_vectors: every variable and alias in every form it prints in, on
 *   one session whose values are set by hand below.
 * - go_vectors: format parameters as Go's fmt reads them (foset hands them
 *   to fmt.Sprintf): values worked out from Go's fmtInteger()/fmtS rules.
 * - error_vectors: every compile error with its column, counted by hand.
 * - `${plain}`: the block fed back through a FortiGate-text parser written
 *   here (test only), field by field against the view.
 * - the CLI: `diagnose sys session[6] list --format` through sm_cli_exec().
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <rte_errno.h>

#include "sessmon/cli.h"
#include "sessmon/fgfmt.h"
#include "sessmon/fmt.h"
#include "sessmon/sess_filter.h"
#include "sessmon/sess_view.h"
#include "sessmon/tcp_state.h"

/* ------------------------------------------------------------------ */
/* helpers */

static void
addr(uint8_t out[16], int family, const char *text)
{
	memset(out, 0, 16);
	assert_int_equal(inet_pton(family == 6 ? AF_INET6 : AF_INET, text, out), 1);
}

/* The orig direction A:ap -> B:bp, the reply direction its reverse. */
static void
tuple(struct sm_sess_view *v, int family, const char *a, uint16_t ap, const char *b,
      uint16_t bp)
{
	v->family = (uint8_t)family;
	addr(v->dir[SM_DIR_ORIG].src, family, a);
	addr(v->dir[SM_DIR_ORIG].dst, family, b);
	addr(v->dir[SM_DIR_REPLY].src, family, b);
	addr(v->dir[SM_DIR_REPLY].dst, family, a);
	v->dir[SM_DIR_ORIG].sport = v->dir[SM_DIR_REPLY].dport = ap;
	v->dir[SM_DIR_ORIG].dport = v->dir[SM_DIR_REPLY].sport = bp;
}

static void
counts(struct sm_sess_view *v, int d, uint64_t pkts, uint64_t bytes, uint32_t errs)
{
	v->dir[d].pkts = pkts;
	v->dir[d].bytes = bytes;
	v->dir[d].errs = errs;
}

static void
set_mac(struct sm_sess_view *v, int d, uint8_t a, uint8_t b, uint8_t c, uint8_t e, uint8_t f,
	uint8_t g)
{
	const uint8_t m[6] = { a, b, c, e, f, g };

	memcpy(v->dir[d].mac, m, 6);
	v->dir[d].has_mac = 1;
}

#define FLAG(f) (1u << SM_FGT_FLAG_##f)

/*
 * The session of the spec's variable table, one value per row as the
 * table's example column gives it: serial 76e6b788 (= 1994831752 in the
 * d row), TCP, proto_state 11 (both sides ESTABLISHED, digit 1), duration
 * 70, expire 3529, timeout 3600, 100.50.20.10:65324 -> 100.50.20.10:53,
 * upload 654807 B/s (its d row), download 5634 B/s (45.072 Kbps: 5634 x 8
 * = 45072 bits), counts 3/390/1 and 1/60/1, VDOM 1, policy 10, states
 * may_dirty,npu, MACs 00:01:02:03:04:05 both ways, every interface 123.
 * sessmon-only: worker 3.
 */
static struct sm_sess_view
table_view(void)
{
	struct sm_sess_view v;

	memset(&v, 0, sizeof(v));
	v.serial = 0x76e6b788;
	v.proto = 6;
	v.proto_state = 11;
	v.duration = 70;
	v.expire = 3529;
	v.timeout = 3600;
	tuple(&v, 4, "100.50.20.10", 65324, "100.50.20.10", 53);
	v.dir[SM_DIR_ORIG].rate_Bps = 654807;
	v.dir[SM_DIR_REPLY].rate_Bps = 5634;
	counts(&v, SM_DIR_ORIG, 3, 390, 1);
	counts(&v, SM_DIR_REPLY, 1, 60, 1);
	v.vd = 1;
	v.policy = 10;
	v.fgt_flags = FLAG(MAY_DIRTY) | FLAG(NPU);
	v.no_ofld = 1u << SM_NO_OFLD_NON_NPU_INTF;
	set_mac(&v, SM_DIR_ORIG, 0, 1, 2, 3, 4, 5);
	set_mac(&v, SM_DIR_REPLY, 0, 1, 2, 3, 4, 5);
	for (int d = 0; d < SM_DIR_MAX; d++)
		v.dir[d].dev_in = v.dir[d].dev_out = 123;
	v.worker = 3;
	return v;
}

/* Render @fmt on @v; fail with both texts when it is not @want. */
static void
expect_render(const char *fmt, const struct sm_sess_view *v, const char *want)
{
	struct sm_fmt_error err = { 0 };
	struct sm_fmt *f = sm_fmt_create(fmt, &err);
	char buf[4096];
	size_t n;

	if (f == NULL)
		fail_msg("`%s` does not compile: column %zu, %s", fmt, err.column,
			 err.reason != NULL ? err.reason : "(none)");
	n = sm_fmt_render(f, v, buf, sizeof(buf));
	sm_fmt_free(f);
	if (strcmp(buf, want) != 0 || n != strlen(want))
		fail_msg("`%s` renders [%s] (%zu), wanted [%s]", fmt, buf, n, want);
}

struct vector {
	const char *fmt;
	const char *want;
};

static void
run_vectors(const struct vector *t, size_t n, const struct sm_sess_view *v)
{
	for (size_t i = 0; i < n; i++)
		expect_render(t[i].fmt, v, t[i].want);
}

#define RUN(t, v) run_vectors((t), sizeof(t) / sizeof((t)[0]), (v))

/* ------------------------------------------------------------------ */
/* the spec's examples */

/* Spec, "Here are some of the possible options": protocol TCP, dport 53. */
static const struct vector options_vectors[] = {
	{ "${protocol}", "TCP" },
	{ "${protocol:-4s}", "TCP " },
	{ "${protocol:d}", "6" },
	{ "${protocol:4d}", "   6" },
	{ "${protocol:-4d}", "6   " },
	{ "${protocol:04d}", "0006" },
	{ "${dp:05d}", "00053" },
};

/* Spec, VDOM mapping: a session in VDOM 2. The spec's second line keeps
 * its stray quote: text outside ${...} is kept intact. */
static const struct vector vdom2_vectors[] = {
	{ "${vdom}", "2" },
	{ "${vdom|2=test}'", "2'" },
	{ "${vdom:10s|2=test}", "      test" },
	{ "${vdom:-10s|2=test}", "test      " },
};

static void
test_spec_options(void **state)
{
	struct sm_sess_view v = table_view();

	(void)state;
	RUN(options_vectors, &v);
	v.vd = 2;
	RUN(vdom2_vectors, &v);
}

/* Spec: "There is a session from ..." and its two result lines. */
static void
test_spec_sentence(void **state)
{
	static const char fmt[] = "There is a session from ${sap} to ${dap} in VDOM ${vdom} "
				  "(${vdom:s|0=zero,1=one,2=two,3=three}).";
	struct sm_sess_view v;

	(void)state;
	memset(&v, 0, sizeof(v));
	v.proto = 1;
	tuple(&v, 4, "50.100.10.12", 1400, "8.8.8.8", 8);
	v.vd = 1;
	expect_render(fmt, &v,
		      "There is a session from 50.100.10.12:1400 to 8.8.8.8:8 in VDOM 1 (one).");
	v.proto = 17;
	tuple(&v, 4, "100.50.20.33", 34878, "8.8.8.8", 53);
	v.vd = 2;
	expect_render(fmt, &v,
		      "There is a session from 100.50.20.33:34878 to 8.8.8.8:53 in VDOM 2 (two).");
}

/*
 * The spec's table, row by row, on table_view(). Rows whose example value
 * sessmon has no source for expect the no-value form instead, as noted.
 */
static const struct vector table_vectors[] = {
	{ "${serial}", "76e6b788" },
	{ "${serial:d}", "1994831752" },
	{ "${proto}", "TCP" },
	{ "${proto:d}", "6" },
	{ "${state[l]}", "ESTABLISHED" },
	{ "${state[l]:d}", "1" },
	{ "${state[r]}", "ESTABLISHED" },
	{ "${state[r]:d}", "1" },
	{ "${duration}", "70" },
	{ "${expire}", "3529" },
	{ "${timeout}", "3600" },
	{ "${sa}", "100.50.20.10" },
	{ "${da}", "100.50.20.10" },
	/* 10.20.30.40 in the spec; "or 0.0.0.0 if not NAT is applied" */
	{ "${na}", "0.0.0.0" },
	{ "${sp}", "65324" },
	{ "${dp}", "53" },
	/* 43332 in the spec; "or 0 if not NAT is applied" */
	{ "${np}", "0" },
	/* 654807 B/s = 5238456 bit/s */
	{ "${rate[u]}", "5.238 Mbps" },
	{ "${rate[d]}", "45.072 Kbps" },
	{ "${rate[u]:d}", "654807" },
	/* the spec's 1195 is another session's; 5634 B/s here */
	{ "${rate[d]:d}", "5634" },
	{ "${rate[sum]:d}", "660441" },
	{ "${count[op]}", "3" },
	{ "${count[ob]}", "390" },
	{ "${count[oe]}", "1" },
	{ "${count[rp]}", "1" },
	{ "${count[rb]}", "60" },
	{ "${count[re]}", "1" },
	/* NPU flag 81 in the spec: sessmon has no NPU flags (0) */
	{ "${npuflag[o]:x}", "0" },
	{ "${npuflag[r]:x}", "0" },
	/* NPU type 8 in the spec: not offloaded here */
	{ "${offload[o]:d}", "0" },
	{ "${offload[r]}", "N" },
	{ "${offload[r]:d}", "0" },
	{ "${nturbo[o]}", "N" },
	{ "${nturbo[o]:d}", "0" },
	{ "${nturbo[r]}", "N" },
	{ "${nturbo[r]:d}", "0" },
	{ "${vdom}", "1" },
	{ "${vdom:s|1=test}", "test" },
	{ "${policy}", "10" },
	/* dns-udp in the spec; "(or "-")" */
	{ "${helper}", "-" },
	{ "${state}", "may_dirty,npu" },
	{ "${haid}", "0" },
	{ "${newline}", "\n" },
	/* "(or "-")" for the four NPU ids */
	{ "${innpu[o]}", "-" },
	{ "${innpu[f]}", "-" },
	{ "${outnpu[o]}", "-" },
	{ "${outnpu[f]}", "-" },
	/* "dirty" in the spec: sessmon's reason for this session */
	{ "${nooff[no]}", "non-npu-intf" },
	{ "${nooff[ko]}", "-" },
	{ "${nooff[kr]}", "-" },
	{ "${nooff[do]}", "-" },
	{ "${nooff[dr]}", "-" },
	{ "${tunnel[i]}", "-" },
	{ "${tunnel[o]}", "-" },
	/* (or "-" when no shaping is done) / (or "0" ...) */
	{ "${shapingpolicy}", "-" },
	{ "${shapingpolicy:d}", "0" },
	{ "${shaper[o]}", "-" },
	{ "${shaper[r]}", "-" },
	{ "${shaper[ip]}", "-" },
	{ "${mac[i]}", "00:01:02:03:04:05" },
	{ "${mac[o]}", "00:01:02:03:04:05" },
	{ "${iface[oi]}", "123" },
	{ "${iface[oo]}", "123" },
	{ "${iface[ri]}", "123" },
	{ "${iface[ro]}", "123" },
	/* 1.2.3.4 in the spec: a passive monitor knows no next hop */
	{ "${nexthop[o]}", "0.0.0.0" },
	{ "${nexthop[r]}", "0.0.0.0" },
	/* "or "-"" */
	{ "${user}", "-" },
	{ "${authserver}", "-" },
	/* 3 in the spec: auth_info=0 in sessmon's block */
	{ "${authinfo}", "0" },
};

static void
test_spec_table(void **state)
{
	struct sm_sess_view v = table_view();

	(void)state;
	RUN(table_vectors, &v);
}

/*
 * The spec's shortcuts, laid out as foset's formatter.go writes them
 * (det "%6d/%-5d(%d)", patho/pathr "%3d->%-3d %15s"; the spec's web
 * rendering dropped their leading blanks). 87/3513 (3600), 1.2.3.4:43243
 * -> 8.8.8.8:53, interfaces 65->54 and 54->65.
 */
static void
test_spec_shortcuts(void **state)
{
	static const struct vector t[] = {
		{ "${det}", "    87/3513 (3600)" },
		{ "${sap}", "1.2.3.4:43243" },
		{ "${dap}", "8.8.8.8:53" },
		{ "${sdap}", "1.2.3.4:43243->8.8.8.8:53" },
		/* -->Lab-Sophia in the spec: no tunnels in sessmon */
		{ "${tunnels}", "-->-" },
		/* 65->54 193.86.26.193: no next hop, the unspecified address */
		{ "${patho}", " 65->54          0.0.0.0" },
		{ "${pathr}", " 54->65          0.0.0.0" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	v.duration = 87;
	v.expire = 3513;
	tuple(&v, 4, "1.2.3.4", 43243, "8.8.8.8", 53);
	v.dir[SM_DIR_ORIG].dev_in = 65;
	v.dir[SM_DIR_ORIG].dev_out = 54;
	v.dir[SM_DIR_REPLY].dev_in = 54;
	v.dir[SM_DIR_REPLY].dev_out = 65;
	RUN(t, &v);
}

/*
 * The spec's macros, each expanded by hand from its format string in the
 * spec (default_states and default_counts as in formatter.go: the spec's
 * copy lost `|, }` of the first and doubled a `)` in the second), on the
 * shortcuts' session: serial 76e6b788, VDOM 1, policy 10, TCP 11, 87/3513
 * (3600), counts 390/3/1 and 60/1/1, rates 654807 and 5634 B/s.
 */
static void
test_spec_macros(void **state)
{
	static const char basics[] =
		/* %08x: %3d/%-5s %-4s %11s/%-11s %-21s -> %-21s */
		"76e6b788:   1/10    TCP  ESTABLISHED/ESTABLISHED 1.2.3.4:43243         -> "
		"8.8.8.8:53           ";
	/* 390/3/1 is 7 characters, 8 blanks to 15; 60/1/1 6 and 9 */
	static const char counts_text[] = "COUNTS(org:        390/3/1, rev:         60/1/1)";
	static const struct vector t[] = {
		{ "${default_basics}", basics },
		{ "${default_basic}", basics },
		/* offload Y/N, nTurbo N, NPU flags 0 with Go's %#02x: 0x00 */
		{ "${default_hw}", "OFF(N/N), NTB(N/N) FLG(0x00/0x00)" },
		{ "${default_rate}", "RATE(up:     5.238 Mbps, down:    45.072 Kbps)" },
		{ "${default_counts}", counts_text },
		{ "${default_count}", counts_text },
		/* det is 18 characters: two blanks to 20 */
		{ "${default_time}", "TIME(    87/3513 (3600)  )" },
		/* 14 characters, 46 blanks to 60 */
		{ "${default_states}", "may_dirty, npu                                              " },
		{ "${default_nooff}", "-/-,-/-" },
		{ "${default_path}", "INF(org: 123->123         0.0.0.0, rev: 123->123         0.0.0.0)" },
		{ "${default_macs}", "00:01:02:03:04:05 -> 00:01:02:03:04:05" },
		/* text around a macro stays; a macro may appear twice */
		{ "[${default_nooff}|${default_nooff}]", "[-/-,-/-|-/-,-/-]" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	v.duration = 87;
	v.expire = 3513;
	tuple(&v, 4, "1.2.3.4", 43243, "8.8.8.8", 53);
	RUN(t, &v);
}

/* Spec, Rate section: upload 135376 B/s, download 7565278 B/s
 * (1083008 and 60522224 bit/s; / 2^30 = 0.00100863 and 0.05636571). */
static void
test_spec_rate(void **state)
{
	static const struct vector t[] = {
		{ "${rate[o]} / ${rate[r]}", "1.083 Mbps / 60.522 Mbps" },
		{ "${rate[o]|Bps} / ${rate[r]|Bps}", "135376.000 Bps / 7565278.000 Bps" },
		{ "${rate[o]:d|Bps} / ${rate[r]:d|Bps}", "135376 / 7565278" },
		{ "${rate[o]|Gibps} / ${rate[r]|Gibps}", "0.001 Gibps / 0.056 Gibps" },
		{ "${rate[o]:d|Gibps} / ${rate[r]:d|Gibps}", "0 / 0" },
		{ "${rate[o]:10.8f|Gibps} / ${rate[r]:10.8f|Gibps}", "0.00100863 / 0.05636571" },
		/* every unit of the modifier table on the upload rate:
		 * 1083008 bits / 1024 = 1057.625, / 1000 = 1083.008,
		 * / 1024^2 = 1.0328, / 1024^4, / 1000^4 about 1e-6 */
		{ "${rate[o]|Kibps}", "1057.625 Kibps" },
		{ "${rate[o]|Kbps}", "1083.008 Kbps" },
		{ "${rate[o]|Mibps}", "1.033 Mibps" },
		{ "${rate[o]|Mbps}", "1.083 Mbps" },
		{ "${rate[o]|Gbps}", "0.001 Gbps" },
		{ "${rate[o]|Tibps}", "0.000 Tibps" },
		{ "${rate[o]|Tbps}", "0.000 Tbps" },
		/* bytes: 135376 / 1024 = 132.203125, / 1000 = 135.376 */
		{ "${rate[o]|KiBps}", "132.203 KiBps" },
		{ "${rate[o]|KBps}", "135.376 KBps" },
		{ "${rate[o]|bps}", "1083008.000 bps" },
		/* case matters for b/B only */
		{ "${rate[o]|kIBPS}", "132.203 KiBps" },
		{ "${rate[o]|MBPS}", "0.135 MBps" },
		{ "${rate[o]|mbPs}", "1.083 Mbps" },
		/* rounding of integers: 1057.625 -> 1058, 132.203 -> 132 */
		{ "${rate[o]:d|Kibps}", "1058" },
		{ "${rate[o]:d|KiBps}", "132" },
		{ "${rate[o]:.2f|Kbps}", "1083.01" },
		/* the sum: 7700654 B/s = 61605232 bit/s */
		{ "${rate[sum]}", "61.605 Mbps" },
		{ "${rate[sum]:d}", "7700654" },
		{ "${rate[u]:15s}|${rate[d]:-15s}|", "     1.083 Mbps|60.522 Mbps    |" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	v.dir[SM_DIR_ORIG].rate_Bps = 135376;
	v.dir[SM_DIR_REPLY].rate_Bps = 7565278;
	RUN(t, &v);
}

/* Automatic units at their edges: a unit is taken when the rate in bits
 * exceeds it (foset's `>`). */
static void
test_rate_auto_units(void **state)
{
	static const struct {
		uint32_t Bps;
		const char *want;
	} t[] = {
		{ 0, "0.000 bps" },
		{ 125, "1000.000 bps" },          /* 1000 bits: not above 1e3 */
		{ 126, "1.008 Kbps" },
		{ 125000, "1000.000 Kbps" },
		{ 125001, "1.000 Mbps" },
		{ 125000000, "1000.000 Mbps" },
		{ 125000001, "1.000 Gbps" },
		{ UINT32_MAX, "34.360 Gbps" },    /* 4294967295 x 8 / 1e9 */
	};
	struct sm_sess_view v = table_view();

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v.dir[SM_DIR_ORIG].rate_Bps = t[i].Bps;
		expect_render("${rate[u]}", &v, t[i].want);
	}
	/* Both directions at the top: 2 x 4294967295 x 8 = 68.7 Gbit/s. */
	v.dir[SM_DIR_REPLY].rate_Bps = UINT32_MAX;
	expect_render("${rate[sum]}", &v, "68.719 Gbps");
	expect_render("${rate[sum]:d}", &v, "8589934590");
}

/* Spec, Vdom section: four sessions in VDOMs 2, 1, 2, 0. */
static void
test_spec_vdom(void **state)
{
	static const uint16_t vds[] = { 2, 1, 2, 0 };
	static const char *const named[] = { "else", "something", "else", "0" };
	struct sm_sess_view v = table_view();
	char num[8];

	(void)state;
	for (size_t i = 0; i < 4; i++) {
		v.vd = vds[i];
		snprintf(num, sizeof(num), "%u", vds[i]);
		expect_render("${vdom}", &v, num);
		expect_render("${vdom:s}", &v, num);
		expect_render("${vdom:s|1=something,2=else}", &v, named[i]);
	}
}

/*
 * Spec, Session state section. Its session has log, may_dirty, npu,
 * synced, f00 and log-start; sessmon sets log, may_dirty and npu of them
 * (synced, f00, log-start are no flags of sessmon's), so every example
 * expects its line without the three.
 */
static void
test_spec_state(void **state)
{
	static const struct vector t[] = {
		{ "${state}", "log,may_dirty,npu" },
		{ "${state|, }", "log, may_dirty, npu" },
		{ "${state|+|filter:log,f00,npu}", "log+npu" },
		{ "${state|+|filter:log,f00,npu;sort}", "log+npu" },
		/* sort alone: alphabetical (may_dirty before npu, log first) */
		{ "${state||sort}", "log,may_dirty,npu" },
		/* filters add up; an empty item is skipped */
		{ "${state|/|filter:npu;;filter:log}", "log/npu" },
		{ "${state|/|filter:}", "" },
		{ "${state:-20s|;}", "log;may_dirty;npu   " },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	v.fgt_flags = FLAG(LOG) | FLAG(MAY_DIRTY) | FLAG(NPU);
	RUN(t, &v);
	/* Every flag sessmon has, in FortiOS's order, then sorted. */
	v.fgt_flags = (1u << SM_FGT_FLAG_MAX) - 1;
	expect_render("${state| }", &v, "log local dirty may_dirty ndr br npu npr");
	expect_render("${state| |sort}", &v, "br dirty local log may_dirty ndr npr npu");
	v.fgt_flags = 0;
	expect_render("[${state}]", &v, "[]");
}

/* Spec, Custom fields: `${custom|name}` and `${custom:d|name}`; sessmon's
 * fields (docs/format.md). Fields without a source read as foset reads a
 * custom field nobody set: "-" or 0. */
static void
test_custom(void **state)
{
	static const struct vector t[] = {
		{ "${custom|worker}", "3" },
		{ "${custom:d|worker}", "3" },
		{ "${custom:03d|worker}", "003" },
		{ "${custom:.1f|worker}", "3.0" },
		{ "${custom[worker]}", "3" },
		{ "${custom[worker]:x}", "3" },
		{ "${custom|sni}", "-" },
		{ "${custom|tls_version}", "-" },
		{ "${custom|ja4}", "-" },
		{ "${custom|sig_hits}", "-" },
		{ "${custom:d|sig_hits}", "0" },
		{ "${custom:d|sni}", "0" },
		{ "${custom[ja4]:-5s}|", "-    |" },
	};
	/* An inspected TLS session: the values as the analyser keeps them
	 * (0x0304 is TLS 1.3, RFC 8446 §4.2.1; the JA4 of FoxIO's JA4.md
	 * example). */
	static const struct vector inspected[] = {
		{ "${custom|sni}", "www.example.com" },
		{ "${custom|tls_version}", "TLSv1.3" },
		{ "${custom|ja4}", "t13d1516h2_8daaf6152771_b186095e22b6" },
		{ "${custom|sig_hits}", "2" },
		{ "${custom:03d|sig_hits}", "002" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	RUN(t, &v);
	v.insp = (struct sm_insp_info){ .valid = 1, .tls_version = 0x0304, .sig_hits = 2,
					.sni = "www.example.com",
					.ja4 = "t13d1516h2_8daaf6152771_b186095e22b6" };
	RUN(inspected, &v);
	v.insp = (struct sm_insp_info){ .valid = 1 };
	expect_render("${custom|sig_hits} ${custom|sni}", &v, "0 -");
}

/* ------------------------------------------------------------------ */
/* every variable, every form, every alias */

/*
 * On table_view() changed to: orig 10.1.2.3:40000 -> 192.0.2.7:443,
 * reply MAC aa:bb:cc:dd:ee:0f, interfaces 1->2 / 2->1, policy 4294967295
 * (local-in, foset's "i" as a string), proto_state 01, offloaded both ways.
 */
static const struct vector var_vectors[] = {
	{ "${serial}", "76e6b788" },
	{ "${serial:X}", "76E6B788" },
	{ "${serial:d}", "1994831752" },
	{ "${proto}", "TCP" },
	{ "${protocol}", "TCP" },
	{ "${protocol:d}", "6" },
	{ "${state[l]}", "NONE" },
	{ "${state[l]:d}", "0" },
	{ "${state[r]}", "ESTABLISHED" },
	{ "${state[r]:d}", "1" },
	{ "${duration:d}", "70" },
	{ "${expire:5d}", " 3529" },
	{ "${timeout:x}", "e10" },
	{ "${det}", "    70/3529 (3600)" },
	{ "${sa}", "10.1.2.3" },
	{ "${da}", "192.0.2.7" },
	{ "${na}", "0.0.0.0" },
	{ "${sa|mask:24}", "10.1.2.0" },
	{ "${da|mask:16}", "192.0.0.0" },
	{ "${sa|mask:0}", "0.0.0.0" },
	{ "${sa|mask:32}", "10.1.2.3" },
	{ "${sa|mask:20,mask:8}", "10.0.0.0" },
	{ "${sp}", "40000" },
	{ "${dp}", "443" },
	{ "${np}", "0" },
	{ "${sap}", "10.1.2.3:40000" },
	{ "${dap}", "192.0.2.7:443" },
	{ "${nap}", "0.0.0.0:0" },
	{ "${sdap}", "10.1.2.3:40000->192.0.2.7:443" },
	{ "${rate[u]}", "5.238 Mbps" },
	{ "${rate[o]}", "5.238 Mbps" },
	{ "${rate[d]}", "45.072 Kbps" },
	{ "${rate[r]}", "45.072 Kbps" },
	{ "${rate[u]:f}", "654807.000000" },
	{ "${rate[sum]}", "5.284 Mbps" },
	{ "${count[o]}", "390/3/1" },
	{ "${count[r]}", "60/1/1" },
	{ "${count[ob]:x}", "186" },
	{ "${npuflag[o]}", "0x0" },
	{ "${npuflag[r]:d}", "0" },
	{ "${offload[o]}", "Y" },
	{ "${offload[r]}", "Y" },
	{ "${offload[o]:d}", "1" },
	{ "${vdom:s}", "1" },
	{ "${vdom:s|1=}", "" },
	{ "${vdom:s|,1=root,}", "root" },
	{ "${vdom:s|2=x}", "1" },
	{ "${vdom:d|1=root}", "1" },
	{ "${policy}", "4294967295" },
	{ "${policy:s}", "i" },
	{ "${policy:x}", "ffffffff" },
	/* offloaded both ways: FortiOS prints no no_ofld_reason line */
	{ "${nooff[no]}", "-" },
	{ "${mac[i]}", "00:01:02:03:04:05" },
	{ "${mac[src]}", "00:01:02:03:04:05" },
	{ "${mac[o]}", "aa:bb:cc:dd:ee:0f" },
	{ "${mac[dst]}", "aa:bb:cc:dd:ee:0f" },
	{ "${iface[oi]}", "1" },
	{ "${iface[io]}", "1" },
	{ "${iface[oo]}", "2" },
	{ "${iface[ri]}", "2" },
	{ "${iface[ir]}", "2" },
	{ "${iface[ro]}", "1" },
	{ "${iface[or]}", "1" },
	{ "${nh[o]}", "0.0.0.0" },
	{ "${nh[r]}", "0.0.0.0" },
	{ "${patho}", "  1->2           0.0.0.0" },
	{ "${pathr}", "  2->1           0.0.0.0" },
	{ "${authinfo:03d}", "000" },
};

static void
test_vars(void **state)
{
	struct sm_sess_view v = table_view();

	(void)state;
	tuple(&v, 4, "10.1.2.3", 40000, "192.0.2.7", 443);
	set_mac(&v, SM_DIR_REPLY, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x0f);
	v.dir[SM_DIR_ORIG].dev_in = v.dir[SM_DIR_REPLY].dev_out = 1;
	v.dir[SM_DIR_ORIG].dev_out = v.dir[SM_DIR_REPLY].dev_in = 2;
	v.policy = UINT32_MAX;
	v.proto_state = 1;
	v.offloaded[0] = v.offloaded[1] = 1;
	RUN(var_vectors, &v);
}

/*
 * State names per protocol: TCP digits as FortiOS numbers them (FD30042,
 * README §3.2), UDP 1 once the reply was seen, other protocols the digit.
 */
static void
test_proto_state_names(void **state)
{
	static const struct {
		uint8_t proto, ps;
		const char *l, *r;
	} t[] = {
		{ 6, 1, "NONE", "ESTABLISHED" },
		{ 6, 2, "NONE", "SYN_SENT" },
		{ 6, 3, "NONE", "SYN_RECV" },
		{ 6, 4, "NONE", "FIN_WAIT" },
		{ 6, 5, "NONE", "TIME_WAIT" },
		{ 6, 6, "NONE", "CLOSE" },
		{ 6, 7, "NONE", "CLOSE_WAIT" },
		{ 6, 8, "NONE", "LAST_ACK" },
		{ 6, 9, "NONE", "LISTEN" },
		{ 6, 11, "ESTABLISHED", "ESTABLISHED" },
		{ 17, 0, "UNSEEN", "UNSEEN" },
		{ 17, 1, "UNSEEN", "SEEN" },
		{ 1, 0, "0", "0" },
		{ 132, 1, "0", "1" },
	};
	struct sm_sess_view v = table_view();
	char want[64];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v.proto = t[i].proto;
		v.proto_state = t[i].ps;
		snprintf(want, sizeof(want), "%s/%s %u%u", t[i].l, t[i].r, t[i].ps / 10, t[i].ps % 10);
		expect_render("${state[l]}/${state[r]} ${state[l]:d}${state[r]:d}", &v, want);
	}
}

/* Protocol names: fgfmt's in upper case, other numbers as numbers. */
static void
test_proto_names(void **state)
{
	static const struct {
		uint8_t proto;
		const char *name;
	} t[] = {
		{ 1, "ICMP" }, { 6, "TCP" }, { 17, "UDP" }, { 58, "ICMP6" }, { 132, "SCTP" },
		{ 47, "47" }, { 0, "0" }, { 255, "255" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		v.proto = t[i].proto;
		expect_render("${proto}", &v, t[i].name);
	}
}

/* IPv6 sessions: addresses as inet_ntop prints them, no brackets (as in
 * FortiOS's hook lines); na and the next hops are "::". */
static void
test_ipv6(void **state)
{
	static const struct vector t[] = {
		{ "${sap}", "2001:db8::1:40000" },
		{ "${sdap}", "2001:db8::1:40000->2001:db8:0:1::ff:443" },
		{ "${na}", "::" },
		{ "${nh[r]}", "::" },
		{ "${sa|mask:32}", "2001:db8::" },
		{ "${da|mask:56}", "2001:db8::" },
		{ "${da|mask:64}", "2001:db8:0:1::" },
		{ "${patho}", "123->123              ::" },
	};
	struct sm_sess_view v = table_view();

	(void)state;
	tuple(&v, 6, "2001:db8::1", 40000, "2001:db8:0:1::ff", 443);
	RUN(t, &v);
}

/* MACs of a direction without packets: "-". */
static void
test_no_mac(void **state)
{
	struct sm_sess_view v = table_view();

	(void)state;
	v.dir[SM_DIR_REPLY].has_mac = 0;
	expect_render("${mac[i]} ${mac[o]}", &v, "00:01:02:03:04:05 -");
	expect_render("${default_macs}", &v, "00:01:02:03:04:05 ->                 -");
}

/* ------------------------------------------------------------------ */
/* Go's format parameters */

/*
 * Worked from Go's fmt rules (format.go fmtInteger, fmtS): zero padding
 * counts digits only and goes before the 0x prefix, # adds 0x to zero too,
 * a precision is a minimum of digits and turns zero padding off, a
 * precision 0 prints nothing for 0, strings are cut by the precision. sp
 * is 65324 (0xff2c, octal 177454), duration 70 (0b1000110), expire 0.
 */
static const struct vector go_vectors[] = {
	{ "${sp:x}", "ff2c" },
	{ "${sp:X}", "FF2C" },
	{ "${sp:#x}", "0xff2c" },
	{ "${sp:#X}", "0XFF2C" },
	{ "${sp:#08x}", "0x0000ff2c" },
	{ "${sp:#10x}", "    0xff2c" },
	{ "${sp:-#10x}|", "0xff2c    |" },
	{ "${sp:o}", "177454" },
	{ "${sp:#o}", "0177454" },
	{ "${duration:b}", "1000110" },
	{ "${duration:#b}", "0b1000110" },
	{ "${sp:+d}", "+65324" },
	{ "${sp: d}", " 65324" },
	{ "${sp:+08d}", "+0065324" },
	{ "${sp:.7d}", "0065324" },
	{ "${sp:9.7d}", "  0065324" },
	{ "${sp:09.7d}", "  0065324" },
	{ "${sp:-9.7d}|", "0065324  |" },
	{ "${sp:3d}", "65324" },
	{ "${expire:.0d}|", "|" },
	{ "${expire:3.0d}|", "   |" },
	{ "${expire:#x}", "0x0" },
	{ "${expire:#02x}", "0x00" },
	{ "${expire:#o}", "0" },
	{ "${expire:05d}", "00000" },
	{ "${proto:.2s}", "TC" },
	{ "${proto:5.2s}|", "   TC|" },
	{ "${proto:-5.1s}|", "T    |" },
	{ "${proto:.0s}|", "|" },
	{ "${duration:f}", "70.000000" },
	{ "${duration:.2f}", "70.00" },
	{ "${duration:8.1f}", "    70.0" },
	{ "${duration:e}", "7.000000e+01" },
	{ "${duration:E}", "7.000000E+01" },
	{ "${duration:-+6.0F}|", "+70   |" },
	/* an empty parameter is the default one */
	{ "${serial:}", "76e6b788" },
	/* `$` alone, `{` and `}` alone are text */
	{ "$ { } $x ${sp}}", "$ { } $x 65324}" },
	{ "", "" },
};

static void
test_go_params(void **state)
{
	struct sm_sess_view v = table_view();

	(void)state;
	v.expire = 0;
	RUN(go_vectors, &v);
}

/* Widths up to 1024 are layouts; the rendering is as long as asked. */
static void
test_wide(void **state)
{
	struct sm_sess_view v = table_view();
	struct sm_fmt *f = sm_fmt_create("${sp:1024d}|${proto:-1024s}|", NULL);
	char small[8], *big = malloc(4096);
	size_t n;

	(void)state;
	assert_non_null(f);
	assert_non_null(big);
	n = sm_fmt_render(f, &v, big, 4096);
	assert_int_equal(n, 2050);
	assert_int_equal(strspn(big, " "), 1019);
	assert_memory_equal(big + 1019, "65324|TCP", 9);
	assert_int_equal(strspn(big + 1028, " "), 1021);
	assert_string_equal(big + 2049, "|");
	/* snprintf's contract: cut, terminated, the full length returned */
	assert_int_equal(sm_fmt_render(f, &v, small, sizeof(small)), 2050);
	assert_string_equal(small, "       ");
	assert_int_equal(sm_fmt_render(f, &v, NULL, 0), 2050);
	sm_fmt_free(f);
	free(big);
}

/* ------------------------------------------------------------------ */
/* compile errors */

/* Columns count from 1 in the format as given, macros unexpanded. */
static const struct {
	const char *fmt;
	size_t column;
	const char *reason;
} error_vectors[] = {
	{ "${foo}", 3, "unknown variable" },
	{ "ab ${state[x]}", 6, "unknown variable" },
	{ "${rate[up]}", 3, "unknown variable" },
	{ "${Serial}", 3, "unknown variable" },
	{ "${default_basics:s}", 3, "unknown variable" },
	{ "${}", 3, "variable name missing" },
	{ "${:d}", 3, "variable name missing" },
	{ "abc ${sa", 5, "unbalanced ${" },
	{ "${sa ${da}", 1, "unbalanced ${" },
	{ "${sp}${", 6, "unbalanced ${" },
	/* parameters: ${sp: is columns 1-5 */
	{ "${sp:5}", 6, "conversion letter missing" },
	{ "${sp:-}", 6, "conversion letter missing" },
	{ "${sp:5q}", 7, "unknown conversion letter" },
	{ "${sp:v}", 6, "unknown conversion letter" },
	{ "${sp:g}", 6, "unknown conversion letter" },
	{ "${sp:2000d}", 6, "bad width" },
	{ "${sp:1025d}", 6, "bad width" },
	{ "${sp:*d}", 6, "bad width" },
	{ "${sp:5.2000d}", 8, "bad precision" },
	{ "${sp:.99999d}", 7, "bad precision" },
	{ "${sp:dd}", 7, "text after the conversion letter" },
	{ "${sp:5.2.1d}", 9, "unknown conversion letter" },
	/* forms */
	{ "${sa:d}", 6, "variable has no number form" },
	{ "${sap:5.x}", 9, "variable has no number form" },
	{ "${duration:s}", 12, "variable has no string form" },
	{ "${haid:s}", 8, "variable has no string form" },
	{ "${plain:d}", 9, "variable has no number form" },
	/* modifiers */
	{ "${sp|x}", 5, "variable takes no modifier" },
	{ "${sp:d|}", 7, "variable takes no modifier" },
	{ "${rate[u]|Mbit}", 11, "unknown rate unit" },
	{ "${rate[u]:d|Kbpsx}", 13, "unknown rate unit" },
	{ "${rate[u]|Xbps}", 11, "unknown rate unit" },
	{ "${rate[u]|Kips}", 11, "unknown rate unit" },
	{ "${vdom|1=a,x}", 12, "vdom name mapping needs N=name" },
	{ "${vdom:s|a=b}", 10, "bad vdom number" },
	{ "${vdom|=b}", 8, "bad vdom number" },
	{ "${vdom|-1=b}", 8, "bad vdom number" },
	{ "${vdom|4294967296=b}", 8, "bad vdom number" },
	{ "${state|,|bogus}", 11, "unknown state modifier" },
	{ "${state|,|sort;Sort}", 16, "unknown state modifier" },
	{ "${custom|nope}", 10, "unknown custom field" },
	{ "${custom}", 9, "custom field name missing" },
	{ "${custom[]}", 10, "custom field name missing" },
	{ "${custom[nope]}", 10, "unknown custom field" },
	{ "${custom[sni]|x}", 14, "custom[...] takes no modifier" },
	{ "${sa|mask:33x}", 6, "bad mask length" },
	{ "${sa|mask:129}", 6, "bad mask length" },
	{ "${sa|mask:24,bits:3}", 14, "unknown address modifier" },
	/* after a macro: "x " + 17 columns of ${default_basics} + " " */
	{ "x ${default_basics} ${bad}", 23, "unknown variable" },
	/* 16 + 15 columns of macros, then ${sp: */
	{ "${default_nooff}${default_time}${sp:q}", 37, "unknown conversion letter" },
};

static void
test_errors(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(error_vectors) / sizeof(error_vectors[0]); i++) {
		struct sm_fmt_error err = { 0 };
		struct sm_fmt *f = sm_fmt_create(error_vectors[i].fmt, &err);

		if (f != NULL)
			fail_msg("`%s` compiled", error_vectors[i].fmt);
		assert_int_equal(rte_errno, EINVAL);
		if (err.column != error_vectors[i].column ||
		    strcmp(err.reason, error_vectors[i].reason) != 0)
			fail_msg("`%s`: column %zu (%s), wanted %zu (%s)", error_vectors[i].fmt,
				 err.column, err.reason, error_vectors[i].column,
				 error_vectors[i].reason);
	}
	/* No error record: still NULL. */
	assert_null(sm_fmt_create("${foo}", NULL));
	sm_fmt_free(NULL);
}

/* Named formats compile and the documented ones exist. */
static void
test_named(void **state)
{
	static const char *const names[] = { "basic", "traffic", "offload", "l2", "inspect", "csv" };
	struct sm_sess_view v = table_view();

	(void)state;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		struct sm_fmt *f = sm_fmt_create(sm_fmt_named(names[i]), NULL);

		assert_non_null(f);
		sm_fmt_free(f);
	}
	assert_null(sm_fmt_named("nope"));
	assert_null(sm_fmt_named(""));
	assert_string_equal(sm_fmt_named("basic"), "${default_basics}");
	/* csv: the columns its documentation names, on table_view() */
	expect_render(sm_fmt_named("csv"), &v,
		      "1994831752,1,6,100.50.20.10,65324,100.50.20.10,53,1,70,3529,3,390,1,60,"
		      "654807,5634");
}

/* ------------------------------------------------------------------ */
/* ${plain} back through a FortiGate-text parser */

/* What the test parser reads back from a block. */
struct parsed {
	unsigned int proto, proto_state;
	uint32_t duration, expire, timeout, policy, vd, serial, npu_state;
	uint64_t bytes[2], pkts[2];
	uint32_t errs[2], rate[2], kbps[2];
	unsigned int dev[4];
	uint8_t src[2][16], dst[2][16];
	unsigned int sport[2], dport[2];
	uint8_t mac[2][6];
	bool has_mac[2];
	uint32_t flags, no_ofld;
	bool has_no_ofld;
};

/* The rest of the line that starts with @prefix in @text (block start or
 * after a newline, as foset finds lines), copied into @line. */
static bool
find_line(const char *text, const char *prefix, char *line, size_t size)
{
	size_t pl = strlen(prefix);
	const char *p = text, *end;

	while (p != NULL && strncmp(p, prefix, pl) != 0) {
		p = strchr(p, '\n');
		if (p != NULL)
			p++;
	}
	if (p == NULL)
		return false;
	p += pl;
	end = strchr(p, '\n');
	if (end == NULL)
		end = p + strlen(p);
	assert_true((size_t)(end - p) < size);
	memcpy(line, p, (size_t)(end - p));
	line[end - p] = '\0';
	return true;
}

/* `a.b.c.d:port` or `v6:port` up to @stop, split at the last ':'. */
static void
parse_ep(const char *s, char stop, int family, uint8_t a[16], unsigned int *port)
{
	char buf[64];
	const char *end = strchr(s, stop), *colon;

	assert_non_null(end);
	assert_true((size_t)(end - s) < sizeof(buf));
	memcpy(buf, s, (size_t)(end - s));
	buf[end - s] = '\0';
	colon = strrchr(buf, ':');
	assert_non_null(colon);
	*port = (unsigned int)strtoul(colon + 1, NULL, 10);
	buf[colon - buf] = '\0';
	addr(a, family, buf);
}

static void
parse_names(const char *list, uint32_t *bits, const char *(*name)(int i), int n)
{
	char buf[512], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", list);
	*bits = 0;
	for (char *w = strtok_r(buf, " ", &save); w != NULL; w = strtok_r(NULL, " ", &save)) {
		int i;

		for (i = 0; i < n && strcmp(name(i), w) != 0; i++)
			;
		if (i == n)
			fail_msg("unknown name `%s`", w);
		*bits |= 1u << i;
	}
}

static const char *
flag_name(int i)
{
	return sm_fgfmt_flag_name((enum sm_fgt_flag)i);
}

static const char *
no_ofld_name(int i)
{
	return sm_fgfmt_no_ofld_name((enum sm_no_ofld)i);
}

static void
parse_block(const char *text, int family, struct parsed *p)
{
	static const char *const hooks[2] = { "hook=pre dir=org act=noop ",
					      "hook=post dir=reply act=noop " };
	char line[512];
	const char *s;

	memset(p, 0, sizeof(*p));
	assert_true(find_line(text, family == 6 ? "session6 info: " : "session info: ", line,
			      sizeof(line)));
	assert_int_equal(sscanf(line, "proto=%u proto_state=%u duration=%" SCNu32 " expire=%"
				SCNu32 " timeout=%" SCNu32, &p->proto, &p->proto_state,
				&p->duration, &p->expire, &p->timeout), 5);
	assert_true(find_line(text, "state=", line, sizeof(line)));
	parse_names(line, &p->flags, flag_name, SM_FGT_FLAG_MAX);
	assert_true(find_line(text, "statistic(bytes/packets/allow_err): ", line, sizeof(line)));
	assert_int_equal(sscanf(line, "org=%" SCNu64 "/%" SCNu64 "/%" SCNu32 " reply=%" SCNu64
				"/%" SCNu64 "/%" SCNu32, &p->bytes[0], &p->pkts[0], &p->errs[0],
				&p->bytes[1], &p->pkts[1], &p->errs[1]), 6);
	assert_true(find_line(text, "tx speed(Bps/kbps): ", line, sizeof(line)));
	assert_int_equal(sscanf(line, "%" SCNu32 "/%" SCNu32 " rx speed(Bps/kbps): %" SCNu32
				"/%" SCNu32, &p->rate[0], &p->kbps[0], &p->rate[1],
				&p->kbps[1]), 4);
	assert_true(find_line(text, "orgin->sink: ", line, sizeof(line)));
	s = strstr(line, "dev=");
	assert_non_null(s);
	assert_int_equal(sscanf(s, "dev=%u->%u/%u->%u", &p->dev[0], &p->dev[1], &p->dev[2],
				&p->dev[3]), 4);
	for (int d = 0; d < 2; d++) {
		assert_true(find_line(text, hooks[d], line, sizeof(line)));
		s = strstr(line, "->");
		assert_non_null(s);
		parse_ep(line, '-', family, p->src[d], &p->sport[d]);
		parse_ep(s + 2, '(', family, p->dst[d], &p->dport[d]);
	}
	if (find_line(text, "src_mac=", line, sizeof(line)) ||
	    find_line(text, "dst_mac=", line, sizeof(line)))
		for (int d = 0; d < 2; d++) {
			s = strstr(text, d == 0 ? "src_mac=" : "dst_mac=");
			p->has_mac[d] = s != NULL;
			if (s != NULL)
				assert_int_equal(sscanf(s + 8, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx",
							&p->mac[d][0], &p->mac[d][1], &p->mac[d][2],
							&p->mac[d][3], &p->mac[d][4], &p->mac[d][5]), 6);
		}
	assert_true(find_line(text, "misc=0 policy_id=", line, sizeof(line)));
	assert_int_equal(sscanf(line, "%" SCNu32, &p->policy), 1);
	s = strstr(line, " vd=");
	assert_non_null(s);
	assert_int_equal(sscanf(s, " vd=%" SCNu32, &p->vd), 1);
	/* foset reads serial= as hex */
	assert_true(find_line(text, "serial=", line, sizeof(line)));
	assert_int_equal(sscanf(line, "%" SCNx32, &p->serial), 1);
	assert_true(find_line(text, "npu_state=", line, sizeof(line)));
	assert_int_equal(sscanf(line, "0x%" SCNx32, &p->npu_state), 1);
	p->has_no_ofld = find_line(text, "no_ofld_reason:", line, sizeof(line));
	if (p->has_no_ofld)
		parse_names(line, &p->no_ofld, no_ofld_name, SM_NO_OFLD_MAX);
}

static char *
render_alloc(const char *fmt, const struct sm_sess_view *v)
{
	struct sm_fmt *f = sm_fmt_create(fmt, NULL);
	size_t n;
	char *text;

	assert_non_null(f);
	n = sm_fmt_render(f, v, NULL, 0);
	text = malloc(n + 1);
	assert_non_null(text);
	assert_int_equal(sm_fmt_render(f, v, text, n + 1), n);
	sm_fmt_free(f);
	return text;
}

static void
check_round_trip(const struct sm_sess_view *v)
{
	unsigned int alen = v->family == 6 ? 16 : 4;
	char *text = render_alloc("${plain}", v);
	size_t len = strlen(text);
	struct parsed p;

	/* foset trims the newlines around the block */
	assert_true(len > 0);
	assert_int_not_equal(text[0], '\n');
	assert_int_not_equal(text[len - 1], '\n');
	parse_block(text, v->family, &p);
	assert_int_equal(p.proto, v->proto);
	assert_int_equal(p.proto_state, v->proto_state);
	assert_int_equal(p.duration, v->duration);
	assert_int_equal(p.expire, v->expire);
	assert_int_equal(p.timeout, v->timeout);
	assert_int_equal(p.flags, v->fgt_flags);
	assert_int_equal(p.policy, v->policy);
	assert_int_equal(p.vd, v->vd);
	assert_int_equal(p.serial, v->serial);
	assert_int_equal(p.npu_state, v->npu_state);
	for (int d = 0; d < 2; d++) {
		const struct sm_view_dir *vd = &v->dir[d];

		assert_int_equal(p.bytes[d], vd->bytes);
		assert_int_equal(p.pkts[d], vd->pkts);
		assert_int_equal(p.errs[d], vd->errs);
		assert_int_equal(p.rate[d], vd->rate_Bps);
		/* README §11.6: kbps = Bps * 8 / 1000, integer division */
		assert_int_equal(p.kbps[d], (uint64_t)vd->rate_Bps * 8 / 1000);
		assert_int_equal(p.dev[2 * d], vd->dev_in);
		assert_int_equal(p.dev[2 * d + 1], vd->dev_out);
		assert_memory_equal(p.src[d], vd->src, alen);
		assert_memory_equal(p.dst[d], vd->dst, alen);
		assert_int_equal(p.sport[d], vd->sport);
		assert_int_equal(p.dport[d], vd->dport);
		assert_int_equal(p.has_mac[d], vd->has_mac);
		if (vd->has_mac)
			assert_memory_equal(p.mac[d], vd->mac, 6);
	}
	/* no reasons line once offloaded both ways (fgfmt, README §2.1) */
	assert_int_equal(p.has_no_ofld, !(v->offloaded[0] && v->offloaded[1]));
	if (p.has_no_ofld)
		assert_int_equal(p.no_ofld, v->no_ofld);
	free(text);
}

static void
test_plain_round_trip(void **state)
{
	struct sm_sess_view v = table_view();
	char *text;

	(void)state;
	v.proto_state = 1;
	v.dir[SM_DIR_ORIG].dev_in = v.dir[SM_DIR_REPLY].dev_out = 3;
	v.dir[SM_DIR_ORIG].dev_out = v.dir[SM_DIR_REPLY].dev_in = 4;
	tuple(&v, 4, "10.3.0.4", 56712, "192.168.0.4", 22);
	set_mac(&v, SM_DIR_REPLY, 0x90, 0x6c, 0xac, 0x11, 0x22, 0x33);
	check_round_trip(&v);
	/* UDP, one way, no reply MAC, two reasons, 64-bit counters */
	v.proto = 17;
	v.proto_state = 0;
	v.timeout = 0;
	counts(&v, SM_DIR_ORIG, 5000000000ULL, 7000000000000ULL, 0);
	counts(&v, SM_DIR_REPLY, 0, 0, 0);
	v.dir[SM_DIR_REPLY].has_mac = 0;
	v.dir[SM_DIR_REPLY].rate_Bps = 0;
	v.no_ofld |= 1u << SM_NO_OFLD_NPU_FLAG_OFF;
	v.fgt_flags = FLAG(LOG) | FLAG(MAY_DIRTY);
	check_round_trip(&v);
	/* IPv6, offloaded both ways */
	v.proto = 6;
	v.proto_state = 1;
	tuple(&v, 6, "2001:db8::10", 50000, "2001:db8:1::53", 443);
	v.offloaded[0] = v.offloaded[1] = 1;
	v.fgt_flags = FLAG(MAY_DIRTY) | FLAG(NPU);
	check_round_trip(&v);
	/* ${plain} inside a larger line: the block as it is in between,
	 * ending in its last line (npu_state, no reasons line here) */
	text = render_alloc("<${plain}>", &v);
	assert_true(strncmp(text, "<session6 info: proto=6 ", 24) == 0);
	assert_string_equal(text + strlen(text) - 14, "ofld-O ofld-R>");
	free(text);
}

/* ------------------------------------------------------------------ */
/* the CLI */

#define N_SESS 4

struct world {
	struct sm_sess_view v[N_SESS];
	int walks;
	struct sm_cli *cli;
};

static int
fake_walk(void *arg, int family, const struct sm_sess_filter *f,
	  int (*cb)(void *cb_arg, const struct sm_sess_view *v), void *cb_arg)
{
	struct world *w = arg;
	int n = 0;

	w->walks++;
	for (int i = 0; i < N_SESS; i++) {
		if (w->v[i].family != family || (f != NULL && !sm_sess_filter_match(f, &w->v[i])))
			continue;
		n++;
		if (cb(cb_arg, &w->v[i]) != 0)
			break;
	}
	return n;
}

static int
fake_clear(void *arg, const struct sm_sess_filter *f)
{
	(void)arg, (void)f;
	return -ENOTSUP;
}

static int
fake_stat(void *arg, const struct sm_sess_filter *f, struct sm_sess_stat *st)
{
	(void)arg, (void)f, (void)st;
	return -ENOTSUP;
}

static const struct sm_cli_ops fake_ops = {
	.walk = fake_walk,
	.clear = fake_clear,
	.stat = fake_stat,
};

static int
cli_setup(void **state)
{
	struct world *w = calloc(1, sizeof(*w));

	assert_non_null(w);
	for (int i = 0; i < N_SESS; i++) {
		w->v[i] = table_view();
		w->v[i].serial = (uint32_t)i + 1;
	}
	tuple(&w->v[0], 4, "10.0.0.1", 40000, "10.0.0.2", 22);
	tuple(&w->v[1], 4, "10.0.0.1", 5353, "10.0.0.3", 53);
	w->v[1].proto = 17;
	w->v[1].proto_state = 1;
	tuple(&w->v[2], 6, "2001:db8::1", 40001, "2001:db8::2", 443);
	tuple(&w->v[3], 4, "10.0.0.4", 1024, "10.0.0.2", 80);
	w->cli = sm_cli_create(&fake_ops, w);
	assert_non_null(w->cli);
	*state = w;
	return 0;
}

static int
cli_teardown(void **state)
{
	struct world *w = *state;

	sm_cli_free(w->cli);
	free(w);
	return 0;
}

static void
expect_cli(struct world *w, const char *line, const char *want, int want_rc)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&text, &len);
	int rc;

	assert_non_null(out);
	rc = sm_cli_exec(w->cli, line, out);
	assert_int_equal(fclose(out), 0);
	if (rc != want_rc || strcmp(text, want) != 0)
		fail_msg("`%s`: rc %d (want %d), output:\n%s---\nwanted:\n%s---", line, rc,
			 want_rc, text, want);
	free(text);
}

/* docs/cli.md's texts: FortiOS's value error with the format's column on
 * the reason line (cli-error-outputs-netdriver.txt's layout). */
#define FMT_ERROR(reason, word) \
	reason "\n\nvalue parse error before '" word "'\nCommand fail. Return code -8\n"

static void
test_cli_format(void **state)
{
	struct world *w = *state;

	expect_cli(w, "diagnose sys session list --format \"${serial:d} ${sdap} ${proto}\"",
		   "1 10.0.0.1:40000->10.0.0.2:22 TCP\n"
		   "2 10.0.0.1:5353->10.0.0.3:53 UDP\n"
		   "4 10.0.0.4:1024->10.0.0.2:80 TCP\n", 0);
	expect_cli(w, "diag sys session6 list --format ${sap}", "2001:db8::1:40001\n", 0);
	/* the filter applies */
	expect_cli(w, "diag sys session filter dst 10.0.0.2", "", 0);
	expect_cli(w, "diag sys session list --format ${serial:d}", "1\n4\n", 0);
	expect_cli(w, "diag sys session filter negate dst", "", 0);
	expect_cli(w, "diag sys session list --format ${serial:d}", "2\n", 0);
	expect_cli(w, "diag sys session filter clear", "", 0);
	/* named formats are their format strings */
	expect_cli(w, "diag sys session filter dport 53", "", 0);
	expect_cli(w, "diag sys session list --format @basic",
		   "00000002:   1/10    UDP       UNSEEN/SEEN        10.0.0.1:5353         -> "
		   "10.0.0.3:53          \n", 0);
	expect_cli(w, "diag sys session list --format \"${default_basics}\"",
		   "00000002:   1/10    UDP       UNSEEN/SEEN        10.0.0.1:5353         -> "
		   "10.0.0.3:53          \n", 0);
	/* nothing matches: nothing printed, no footer */
	expect_cli(w, "diag sys session filter dport 1", "", 0);
	expect_cli(w, "diag sys session list --format ${sap}", "", 0);
	/* without --format: the FortiOS listing as before */
	expect_cli(w, "diag sys session list", "total session 0\n", 0);
}

static void
test_cli_format_errors(void **state)
{
	struct world *w = *state;
	static const struct {
		const char *line, *out;
		int rc;
	} t[] = {
		{ "diag sys session list --format \"${foo}\"",
		  FMT_ERROR("format error at column 3: unknown variable", "${foo}"), -8 },
		{ "diag sys session list --format \"x ${sp:5q}\"",
		  FMT_ERROR("format error at column 9: unknown conversion letter", "x ${sp:5q}"),
		  -8 },
		{ "diag sys session6 list --format \"${sa\"",
		  FMT_ERROR("format error at column 1: unbalanced ${", "${sa"), -8 },
		{ "diag sys session list --format @nope",
		  FMT_ERROR("unknown named format", "@nope"), -8 },
		{ "diag sys session list --format",
		  "incomplete command in the end\nCommand fail. Return code -160\n", -160 },
		{ "diag sys session list --formats x",
		  "command parse error before '--formats'\nCommand fail. Return code -61\n", -61 },
		{ "diag sys session list --format x y",
		  "command parse error before 'y'\nCommand fail. Return code -61\n", -61 },
	};

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		expect_cli(w, t[i].line, t[i].out, t[i].rc);
	/* A format that does not compile lists nothing. */
	assert_int_equal(w->walks, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_spec_options),
		cmocka_unit_test(test_spec_sentence),
		cmocka_unit_test(test_spec_table),
		cmocka_unit_test(test_spec_shortcuts),
		cmocka_unit_test(test_spec_macros),
		cmocka_unit_test(test_spec_rate),
		cmocka_unit_test(test_rate_auto_units),
		cmocka_unit_test(test_spec_vdom),
		cmocka_unit_test(test_spec_state),
		cmocka_unit_test(test_custom),
		cmocka_unit_test(test_vars),
		cmocka_unit_test(test_proto_state_names),
		cmocka_unit_test(test_proto_names),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_no_mac),
		cmocka_unit_test(test_go_params),
		cmocka_unit_test(test_wide),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_named),
		cmocka_unit_test(test_plain_round_trip),
		cmocka_unit_test_setup_teardown(test_cli_format, cli_setup, cli_teardown),
		cmocka_unit_test_setup_teardown(test_cli_format_errors, cli_setup, cli_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
