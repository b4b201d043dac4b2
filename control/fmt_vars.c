/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>

#include "sessmon/fgfmt.h"
#include "sessmon/fmt_vars.h"
#include "sessmon/tcp_state.h"
#include "sessmon/tls.h"

/*
 * The variable table of ../shared/reference/fortiformatter-output-format.txt,
 * with what the spec leaves open settled by foset's formatter.go
 * (ondrejholecek/foset fortisession/fortiformatter): default parameters,
 * the shortcuts' layouts, rate units and rounding, the `state` and `vdom`
 * modifiers. docs/format.md lists every choice and every divergence.
 *
 * A value sessmon has no source for renders as foset renders a FortiGate
 * session that lacks the field: "-" as a string, 0 as a number, "N" for
 * the Y/N flags.
 */

/* "-": foset's text for an empty string. */
static const char dash[] = "-";

static void
set_str(struct sm_fmt_value *out, const char *s, size_t len)
{
	out->s = s;
	out->len = len;
}

static void
set_cstr(struct sm_fmt_value *out, const char *s)
{
	set_str(out, s, strlen(s));
}

/* Decimal digits of @u at @p; @return their number. Written back to
 * front once their number is known: no second copy. */
static size_t
put_dec(char *p, uint64_t u)
{
	size_t n = 1;

	for (uint64_t x = u; x >= 10; x /= 10)
		n++;
	for (size_t i = n; i > 0; i--) {
		p[i - 1] = (char)('0' + u % 10);
		u /= 10;
	}
	return n;
}

/*
 * Texts computed once at start-up, so that the common variables copy
 * fixed-size text instead of computing it per session (default_basics
 * has a 200 ns budget, tools/bench/bench_fmt.c): IPv4 address bytes,
 * fgfmt's protocol names in foset's upper case, TCP state names with
 * their lengths. Written before main() runs, read-only after.
 */
static char octet_text[256][4];
static uint8_t octet_len[256];
static char proto_upper[256][SM_FGFMT_PROTO_NAME_LEN];
static uint8_t proto_upper_len[256];
static uint8_t tcp_name_len[SM_TCP_FGT_MAX];

RTE_INIT(fmt_vars_init)
{
	for (unsigned int i = 0; i < 256; i++) {
		char num[SM_FGFMT_PROTO_NAME_LEN];
		const char *name = sm_fgfmt_proto_name((uint8_t)i, num);
		size_t n;

		octet_len[i] = (uint8_t)put_dec(octet_text[i], i);
		for (n = 0; name[n] != '\0'; n++)
			proto_upper[i][n] = (char)toupper((unsigned char)name[n]);
		proto_upper_len[i] = (uint8_t)n;
	}
	for (unsigned int s = 0; s < SM_TCP_FGT_MAX; s++)
		tcp_name_len[s] = (uint8_t)strlen(sm_tcp_state_fgt_name((enum sm_tcp_fgt)s));
}

/* A number as text in the value's own buffer. */
static void
set_dec(struct sm_fmt_value *out, uint64_t u)
{
	out->u = u;
	set_str(out, out->buf, put_dec(out->buf, u));
}

/*
 * An address as FortiOS prints it. IPv4 is composed here from octet_text:
 * glibc's inet_ntop() formats IPv4 through sprintf(), and default_basics
 * prints two addresses per session. @p p has room for 4 bytes more than
 * the text (each octet is copied as 4 bytes).
 */
static size_t
put_addr(char *p, int family, const uint8_t *a)
{
	size_t n = 0;

	if (family == 6) {
		/* Cannot fail: a valid family, room for any IPv6 text. */
		inet_ntop(AF_INET6, a, p, INET6_ADDRSTRLEN);
		return strlen(p);
	}
	for (int i = 0; i < 4; i++) {
		memcpy(p + n, octet_text[a[i]], 4);
		n += octet_len[a[i]];
		p[n++] = '.';
	}
	return n - 1;
}

/* `addr:port`, IPv6 without brackets as FortiOS's hook lines print it. */
static size_t
put_ep(char *p, int family, const uint8_t *a, uint16_t port)
{
	size_t n = put_addr(p, family, a);

	p[n++] = ':';
	return n + put_dec(p + n, port);
}

/* Items of a @sep-separated list (vdom names, masks, state items and
 * filters). An empty list has no items; "a," has "a" and "". */
struct items {
	const char *p, *end;
	char sep;
};

static struct items
items_of(const char *list, size_t len, char sep)
{
	/* p past end: nothing to walk */
	return (struct items){ .p = len > 0 ? list : list + 1, .end = list + len, .sep = sep };
}

/* The next item in [*item, *item + *len); @return false after the last. */
static bool
items_next(struct items *it, const char **item, size_t *len)
{
	const char *e;

	if (it->p > it->end)
		return false;
	e = memchr(it->p, it->sep, (size_t)(it->end - it->p));
	if (e == NULL)
		e = it->end;
	*item = it->p;
	*len = (size_t)(e - it->p);
	it->p = e + 1;
	return true;
}

/* The unspecified address: sessmon translates nothing and knows no
 * gateway, which FortiOS prints as this address (fgfmt.c, gwy=). */
static const uint8_t any_addr[16];

/* ------------------------------------------------------------------ */
/* Getters */

/* A field sessmon has no source for. */
static void
get_none(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)v, (void)a, (void)form;
	out->u = 0;
	set_str(out, dash, 1);
}

/* A Y/N flag with no source: foset's "N" for a session without it. */
static void
get_flag_none(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	      const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)v, (void)a, (void)form;
	out->u = 0;
	set_str(out, "N", 1);
}

/* Plain unsigned fields of the view, by offset (which: the field's index
 * in u32_fields). */
static const size_t u32_fields[] = {
	offsetof(struct sm_sess_view, serial),
	offsetof(struct sm_sess_view, duration),
	offsetof(struct sm_sess_view, expire),
	offsetof(struct sm_sess_view, timeout),
};
enum { F_SERIAL, F_DURATION, F_EXPIRE, F_TIMEOUT };

static uint32_t
view_u32(const struct sm_sess_view *v, unsigned int which)
{
	uint32_t x;

	memcpy(&x, (const char *)v + u32_fields[which], sizeof(x));
	return x;
}

static void
get_u32(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)a, (void)form;
	out->u = view_u32(v, var->which);
}

static void
get_proto(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)a;
	out->u = v->proto;
	/* fgfmt's names in foset's upper case: TCP, UDP, ICMP ... */
	if (form == SM_FMT_STR)
		set_str(out, proto_upper[v->proto], proto_upper_len[v->proto]);
}

/* UDP's proto_state digit: 1 once the responder answered (README §3.2). */
static const char *const udp_state_names[] = { "UNSEEN", "SEEN" };

/* state[l] / state[r]: a digit of proto_state (which: 0 left, 1 right). */
static void
get_pstate(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	   const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	unsigned int digit = var->which == 0 ? v->proto_state / 10 : v->proto_state % 10;

	(void)a;
	out->u = digit;
	if (form != SM_FMT_STR)
		return;
	if (v->proto == 6 && digit < SM_TCP_FGT_MAX)
		set_str(out, sm_tcp_state_fgt_name((enum sm_tcp_fgt)digit), tcp_name_len[digit]);
	else if (v->proto == 6)
		set_cstr(out, sm_tcp_state_fgt_name((enum sm_tcp_fgt)digit));
	else if (v->proto == 17 && digit < SM_ARRAY_SIZE(udp_state_names))
		set_cstr(out, udp_state_names[digit]);
	else
		set_dec(out, digit);
}

/* Endpoints (which): */
enum { EP_SRC, EP_DST, EP_NAT };

static const uint8_t *
ep_addr(const struct sm_sess_view *v, unsigned int which)
{
	const struct sm_view_dir *o = &v->dir[SM_DIR_ORIG];

	return which == EP_SRC ? o->src : which == EP_DST ? o->dst : any_addr;
}

static uint16_t
ep_port(const struct sm_sess_view *v, unsigned int which)
{
	const struct sm_view_dir *o = &v->dir[SM_DIR_ORIG];

	return which == EP_SRC ? o->sport : which == EP_DST ? o->dport : 0;
}

/* sa, da, na; `mask:N` keeps the first N bits. */
static void
get_addr(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	const uint8_t *addr = ep_addr(v, var->which);
	unsigned int bits = v->family == 6 ? 128 : 32;
	uint8_t m[16];

	(void)form;
	if (a->masked && a->mask_bits < bits) {
		memcpy(m, addr, bits / 8);
		for (unsigned int i = 0; i < bits / 8; i++) {
			unsigned int keep = a->mask_bits > i * 8 ? a->mask_bits - i * 8 : 0;

			m[i] &= keep >= 8 ? 0xff : (uint8_t)(0xff00 >> keep);
		}
		addr = m;
	}
	set_str(out, out->buf, put_addr(out->buf, v->family, addr));
}

static void
get_port(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)a, (void)form;
	out->u = ep_port(v, var->which);
}

/* sap, dap, nap (which: the endpoint); sdap (which: EP_NAT + 1). */
static void
get_ep(const struct sm_fmt_var *var, const struct sm_sess_view *v,
       const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	size_t n;

	(void)a, (void)form;
	if (var->which <= EP_NAT) {
		n = put_ep(out->buf, v->family, ep_addr(v, var->which), ep_port(v, var->which));
	} else {
		n = put_ep(out->buf, v->family, ep_addr(v, EP_SRC), ep_port(v, EP_SRC));
		out->buf[n++] = '-';
		out->buf[n++] = '>';
		n += put_ep(out->buf + n, v->family, ep_addr(v, EP_DST), ep_port(v, EP_DST));
	}
	set_str(out, out->buf, n);
}

/*
 * rate[u] (orig), rate[d] (reply), rate[sum] (dir SM_DIR_MAX): foset's
 * format_rate(). `s` prints "%.3f unit"; without a unit modifier the unit
 * is chosen per value: the largest decimal bit unit the rate exceeds.
 * Numbers are in the modifier's unit, in bytes per second without one (the
 * spec's table: "the same speed in Bytes/s with no units string"; foset
 * would print them in the chosen unit). Integer verbs round half away
 * from zero (Go's math.Round), float verbs print the value.
 */
static const struct {
	double bits;
	const char *unit;
} auto_units[] = {
	{ 1e12, "Tbps" }, { 1e9, "Gbps" }, { 1e6, "Mbps" }, { 1e3, "Kbps" },
};

static void
get_rate(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	uint64_t Bps = var->dir < SM_DIR_MAX ? v->dir[var->dir].rate_Bps :
		(uint64_t)v->dir[SM_DIR_ORIG].rate_Bps + v->dir[SM_DIR_REPLY].rate_Bps;
	const char *unit = a->rate_unit;
	double div = a->rate_div;

	if (unit[0] == '\0' && form != SM_FMT_STR) {
		div = 1;
	} else if (unit[0] == '\0') {
		unit = "bps";
		div = 1.0 / 8;
		for (size_t i = 0; i < SM_ARRAY_SIZE(auto_units); i++)
			if ((double)Bps * 8 > auto_units[i].bits) {
				unit = auto_units[i].unit;
				div = auto_units[i].bits / 8;
				break;
			}
	}
	out->f = (double)Bps / div;
	out->has_f = true;
	out->u = (uint64_t)round(out->f);
	if (form == SM_FMT_STR)
		set_str(out, out->buf, (size_t)snprintf(out->buf, sizeof(out->buf), "%.3f %s",
							out->f, unit));
}

/* count[..] (which: what), count[o]/count[r] (which: C_ALL). */
enum { C_PKTS, C_BYTES, C_ERRS, C_ALL };

static void
get_count(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	const struct sm_view_dir *d = &v->dir[var->dir];
	const uint64_t c[] = { [C_PKTS] = d->pkts, [C_BYTES] = d->bytes, [C_ERRS] = d->errs };
	size_t n;

	(void)a, (void)form;
	if (var->which != C_ALL) {
		out->u = c[var->which];
		return;
	}
	/* bytes/packets/errors, the order of the statistic line. */
	n = put_dec(out->buf, d->bytes);
	out->buf[n++] = '/';
	n += put_dec(out->buf + n, d->pkts);
	out->buf[n++] = '/';
	n += put_dec(out->buf + n, d->errs);
	set_str(out, out->buf, n);
}

/* offload[o|r]: Y/N, or 1/0 (sessmon has no NPU type: 1 is "a fast path"). */
static void
get_offload(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	    const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)a, (void)form;
	out->u = v->offloaded[var->dir] != 0;
	set_str(out, out->u ? "Y" : "N", 1);
}

/* The index of VDOM @vd in a `N=name,...` map, or NULL: the name. */
static bool
vdom_name(const struct sm_fmt_arg *a, uint32_t vd, const char **name, size_t *len)
{
	struct items it = items_of(a->mod, a->mod_len, ',');
	const char *item;
	size_t n;

	while (items_next(&it, &item, &n)) {
		const char *eq = memchr(item, '=', n);

		/* Checked when compiled: every non-empty item is N=name. */
		if (eq != NULL && strtoul(item, NULL, 10) == vd) {
			*name = eq + 1;
			*len = n - (size_t)(eq - item) - 1;
			return true;
		}
	}
	return false;
}

static void
get_vdom(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	const char *name;
	size_t len;

	(void)var;
	out->u = v->vd;
	if (form != SM_FMT_STR)
		return;
	if (vdom_name(a, v->vd, &name, &len))
		set_str(out, name, len);
	else
		set_dec(out, v->vd);
}

/* policy: as a string, local-in's 4294967295 is foset's "i". */
static void
get_policy(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	   const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)a;
	out->u = v->policy;
	if (form != SM_FMT_STR)
		return;
	if (v->policy == UINT32_MAX)
		set_str(out, "i", 1);
	else
		set_dec(out, v->policy);
}

/* Append @s (@len bytes) to the value's buffer at *@n if it fits. */
static void
append(struct sm_fmt_value *out, size_t *n, const char *s, size_t len)
{
	if (*n + len <= sizeof(out->buf)) {
		memcpy(out->buf + *n, s, len);
		*n += len;
	}
}

/* state: the flags of arg->order that are set, joined by the separator. */
static void
get_state(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	size_t n = 0;
	bool first = true;

	(void)var, (void)form;
	for (unsigned int i = 0; i < a->n_order; i++) {
		const char *name = sm_fgfmt_flag_name((enum sm_fgt_flag)a->order[i]);

		if (!(v->fgt_flags & (1u << a->order[i])))
			continue;
		if (!first)
			append(out, &n, a->sep, a->sep_len);
		append(out, &n, name, strlen(name));
		first = false;
	}
	set_str(out, out->buf, n);
}

/* plain: the session's `diagnose sys session list` block, without the
 * blank line before it and the newline after it (foset trims both). */
static void
get_plain(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	size_t size = 0;
	FILE *f = open_memstream(&out->heap, &size);
	const char *s;
	int rc;

	(void)var, (void)a, (void)form;
	if (f == NULL) {
		/* Out of memory: the block cannot be shown; say so in place. */
		set_str(out, dash, 1);
		return;
	}
	rc = sm_fgfmt_session(f, v);
	if (fclose(f) != 0 || rc != 0) {
		free(out->heap);
		out->heap = NULL;
		set_str(out, dash, 1);
		return;
	}
	s = out->heap;
	while (size > 0 && *s == '\n') {
		s++;
		size--;
	}
	while (size > 0 && s[size - 1] == '\n')
		size--;
	set_str(out, s, size);
}

static void
get_newline(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	    const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)v, (void)a, (void)form;
	set_str(out, "\n", 1);
}

/* nooff[no]: the reasons of `no_ofld_reason:`, as fgfmt prints them. */
static void
get_nooff(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	size_t n = 0;

	(void)var, (void)a, (void)form;
	/* fgfmt prints no reasons line for a session offloaded both ways. */
	if (!(v->offloaded[SM_DIR_ORIG] && v->offloaded[SM_DIR_REPLY]))
		for (unsigned int r = 0; r < SM_NO_OFLD_MAX; r++) {
			const char *name = sm_fgfmt_no_ofld_name((enum sm_no_ofld)r);

			if (!(v->no_ofld & (1u << r)))
				continue;
			if (n > 0)
				append(out, &n, " ", 1);
			append(out, &n, name, strlen(name));
		}
	if (n == 0)
		set_str(out, dash, 1);
	else
		set_str(out, out->buf, n);
}

/* tunnels: tunnel[i]->tunnel[o]; sessmon sees no tunnel. */
static void
get_tunnels(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	    const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)v, (void)a, (void)form;
	set_str(out, "-->-", 4);
}

/* mac[i]: the orig direction's source, mac[o]: the reply direction's
 * source (fgfmt's src_mac / dst_mac). */
static void
get_mac(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	const struct sm_view_dir *d = &v->dir[var->dir];
	static const char hex[] = "0123456789abcdef";

	(void)a, (void)form;
	if (!d->has_mac) {
		set_str(out, dash, 1);
		return;
	}
	for (int i = 0; i < 6; i++) {
		out->buf[i * 3] = hex[d->mac[i] >> 4];
		out->buf[i * 3 + 1] = hex[d->mac[i] & 0xf];
		out->buf[i * 3 + 2] = ':';
	}
	set_str(out, out->buf, 17);
}

/* iface[..]: dev= of FortiOS's orgin->sink line (which: 0 in, 1 out). */
static uint16_t
iface(const struct sm_sess_view *v, int dir, unsigned int which)
{
	return which == 0 ? v->dir[dir].dev_in : v->dir[dir].dev_out;
}

static void
get_iface(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	  const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)a, (void)form;
	out->u = iface(v, var->dir, var->which);
}

/* nexthop[o|r]: gwy=, which a passive monitor never knows. */
static void
get_nexthop(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	    const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)a, (void)form;
	set_str(out, out->buf, put_addr(out->buf, v->family, any_addr));
}

/* patho/pathr: foset's "%3d->%-3d %15s". */
static void
get_path(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	 const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	char gw[INET6_ADDRSTRLEN];

	(void)a, (void)form;
	gw[put_addr(gw, v->family, any_addr)] = '\0';
	set_str(out, out->buf, (size_t)snprintf(out->buf, sizeof(out->buf), "%3u->%-3u %15s",
						iface(v, var->dir, 0), iface(v, var->dir, 1), gw));
}

/* det: foset's "%6d/%-5d(%d)", duration/expire(timeout). */
static void
get_det(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)a, (void)form;
	set_str(out, out->buf, (size_t)snprintf(out->buf, sizeof(out->buf), "%6u/%-5u(%u)",
						v->duration, v->expire, v->timeout));
}

/*
 * Custom fields: what sessmon shows that FortiOS has no field for. A field
 * the session has no value for reads as foset reads a custom field no
 * plugin set: "-", or 0.
 */
static void
custom_text(struct sm_fmt_value *out, const char *s)
{
	out->u = 0;
	if (s == NULL || s[0] == '\0')
		set_str(out, dash, 1);
	else
		set_str(out, s, strlen(s));
}

static void
custom_sni(const struct sm_sess_view *v, struct sm_fmt_value *out)
{
	custom_text(out, v->insp.sni);
}

static void
custom_tls_version(const struct sm_sess_view *v, struct sm_fmt_value *out)
{
	custom_text(out, v->insp.tls_version ? sm_tls_version_name(v->insp.tls_version) : NULL);
}

static void
custom_ja4(const struct sm_sess_view *v, struct sm_fmt_value *out)
{
	custom_text(out, v->insp.ja4);
}

static void
custom_sig_hits(const struct sm_sess_view *v, struct sm_fmt_value *out)
{
	if (v->insp.valid)
		set_dec(out, v->insp.sig_hits);
	else
		custom_text(out, NULL);
}

static void
custom_worker(const struct sm_sess_view *v, struct sm_fmt_value *out)
{
	set_dec(out, v->worker);
}

static const struct {
	const char *name;
	void (*get)(const struct sm_sess_view *v, struct sm_fmt_value *out);
} customs[] = {
	{ "sni", custom_sni },                 /* TLS ClientHello server name */
	{ "tls_version", custom_tls_version }, /* negotiated TLS version */
	{ "ja4", custom_ja4 },                 /* JA4 client fingerprint */
	{ "sig_hits", custom_sig_hits },       /* payload signature matches */
	{ "worker", custom_worker },           /* worker lcore owning the session */
};

static void
get_custom(const struct sm_fmt_var *var, const struct sm_sess_view *v,
	   const struct sm_fmt_arg *a, unsigned int form, struct sm_fmt_value *out)
{
	(void)var, (void)form;
	customs[a->custom].get(v, out);
}

/* ------------------------------------------------------------------ */
/* Modifiers */

static const char *
mods_custom(const struct sm_fmt_var *var, const char *mod, size_t len,
	    struct sm_fmt_arg *a, size_t *bad)
{
	(void)var;
	*bad = 0;
	for (size_t i = 0; i < SM_ARRAY_SIZE(customs); i++)
		if (strlen(customs[i].name) == len && memcmp(customs[i].name, mod, len) == 0) {
			a->custom = (uint8_t)i;
			return NULL;
		}
	return len == 0 ? "custom field name missing" : "unknown custom field";
}

/* A decimal number of @len digits (1 to 10) at @s up to @max. */
static bool
parse_num(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;

	if (len == 0 || len > 10)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		x = x * 10 + (uint64_t)(s[i] - '0');
	}
	if (x > max)
		return false;
	*out = (uint32_t)x;
	return true;
}

/* vdom: `N=name,...`, checked here, looked up per session. */
static const char *
mods_vdom(const struct sm_fmt_var *var, const char *mod, size_t len,
	  struct sm_fmt_arg *a, size_t *bad)
{
	struct items it = items_of(mod, len, ',');
	const char *item;
	size_t n;

	(void)var;
	while (items_next(&it, &item, &n)) {
		const char *eq = memchr(item, '=', n);
		uint32_t vd;

		*bad = (size_t)(item - mod);
		if (n > 0 && eq == NULL)
			return "vdom name mapping needs N=name";
		if (n > 0 && !parse_num(item, (size_t)(eq - item), UINT32_MAX, &vd))
			return "bad vdom number";
	}
	a->mod = mod;
	a->mod_len = len;
	return NULL;
}

/* sa/da/na: `mask:N` items, comma-separated (foset's format_address). */
static const char *
mods_addr(const struct sm_fmt_var *var, const char *mod, size_t len,
	  struct sm_fmt_arg *a, size_t *bad)
{
	struct items it = items_of(mod, len, ',');
	const char *item;
	size_t n;

	(void)var;
	while (items_next(&it, &item, &n)) {
		uint32_t bits;

		*bad = (size_t)(item - mod);
		if (n < 5 || memcmp(item, "mask:", 5) != 0)
			return "unknown address modifier";
		if (!parse_num(item + 5, n - 5, 128, &bits))
			return "bad mask length";
		a->masked = true;
		a->mask_bits = (uint8_t)bits;
	}
	return NULL;
}

static int
cmp_flag_names(const void *x, const void *y)
{
	return strcmp(sm_fgfmt_flag_name((enum sm_fgt_flag)*(const uint8_t *)x),
		      sm_fgfmt_flag_name((enum sm_fgt_flag)*(const uint8_t *)y));
}

/* Whether flag @f is named in the comma list @list (@len bytes). */
static bool
listed(const char *list, size_t len, unsigned int f)
{
	const char *name = sm_fgfmt_flag_name((enum sm_fgt_flag)f), *item;
	struct items it = items_of(list, len, ',');
	size_t n;

	while (items_next(&it, &item, &n))
		if (n == strlen(name) && memcmp(item, name, n) == 0)
			return true;
	return false;
}

/* Whether a `filter:` item of the state items @list names flag @f. */
static bool
state_kept(const char *list, size_t len, unsigned int f)
{
	struct items it = items_of(list, len, ';');
	const char *item;
	size_t n;

	while (items_next(&it, &item, &n))
		if (n >= 7 && memcmp(item, "filter:", 7) == 0 && listed(item + 7, n - 7, f))
			return true;
	return false;
}

/*
 * state: `separator|item;item` with items `sort` and `filter:a,b` (foset's
 * format_state: an empty separator is ","; filters add up). The flags to
 * print and their order are fixed here.
 */
static const char *
mods_state(const struct sm_fmt_var *var, const char *mod, size_t len,
	   struct sm_fmt_arg *a, size_t *bad)
{
	const char *bar = memchr(mod, '|', len), *item;
	const char *list = bar != NULL ? bar + 1 : mod + len;
	size_t list_len = (size_t)(mod + len - list), n;
	struct items it = items_of(list, list_len, ';');
	bool sort = false, filtered = false;

	(void)var;
	a->sep = mod;
	a->sep_len = bar != NULL ? (size_t)(bar - mod) : len;
	if (a->sep_len == 0) {
		a->sep = ",";
		a->sep_len = 1;
	}
	while (items_next(&it, &item, &n)) {
		*bad = (size_t)(item - mod);
		if (n == 4 && memcmp(item, "sort", 4) == 0)
			sort = true;
		else if (n >= 7 && memcmp(item, "filter:", 7) == 0)
			filtered = true;
		else if (n != 0)
			return "unknown state modifier";
	}
	a->n_order = 0;
	for (unsigned int f = 0; f < SM_FGT_FLAG_MAX; f++)
		if (!filtered || state_kept(list, list_len, f))
			a->order[a->n_order++] = (uint8_t)f;
	if (sort)
		qsort(a->order, a->n_order, sizeof(a->order[0]), cmp_flag_names);
	return NULL;
}

/* Unit prefixes of the rate modifiers, case-insensitive, binary ones
 * first so that `Ki` is not read as `K`. */
static const struct {
	const char *prefix;
	double factor;
} rate_prefixes[] = {
	{ "Ki", 1024.0 }, { "Mi", 1048576.0 }, { "Gi", 1073741824.0 }, { "Ti", 1099511627776.0 },
	{ "K", 1e3 }, { "M", 1e6 }, { "G", 1e9 }, { "T", 1e12 }, { "", 1.0 },
};

/*
 * rate: a unit such as `Mbps`, `KiBps`, `Gibps`: the prefix and "ps" in any
 * case, `b` bits and `B` bytes (foset's format_rate; `bps`/`Bps` alone are
 * bits and bytes per second). No modifier: the unit is chosen per value.
 */
static const char *
mods_rate(const struct sm_fmt_var *var, const char *mod, size_t len,
	  struct sm_fmt_arg *a, size_t *bad)
{
	(void)var;
	*bad = 0;
	a->rate_unit[0] = '\0';
	if (len == 0)
		return NULL;
	for (size_t i = 0; i < SM_ARRAY_SIZE(rate_prefixes); i++) {
		size_t pl = strlen(rate_prefixes[i].prefix);
		const char *rest = mod + pl;

		if (len != pl + 3 || strncasecmp(mod, rate_prefixes[i].prefix, pl) != 0)
			continue;
		if ((rest[0] != 'b' && rest[0] != 'B') || strncasecmp(rest + 1, "ps", 2) != 0)
			break;
		a->rate_div = rest[0] == 'b' ? rate_prefixes[i].factor / 8 : rate_prefixes[i].factor;
		snprintf(a->rate_unit, sizeof(a->rate_unit), "%s%cps", rate_prefixes[i].prefix,
			 rest[0]);
		return NULL;
	}
	return "unknown rate unit";
}

/* ------------------------------------------------------------------ */
/* The table */

#define ROW(n, fm, p, g, ...) { .name = (n), .forms = (fm), .params = (p), .get = (g), __VA_ARGS__ }
#define S SM_FMT_STR
#define N SM_FMT_NUM
#define O .dir = SM_DIR_ORIG
#define R .dir = SM_DIR_REPLY

static const struct sm_fmt_var vars[] = {
	ROW("serial", N, "x", get_u32, .which = F_SERIAL),
	ROW("proto", S | N, "s", get_proto),
	ROW("protocol", S | N, "s", get_proto),
	ROW("state[l]", S | N, "s", get_pstate, .which = 0),
	ROW("state[r]", S | N, "s", get_pstate, .which = 1),
	ROW("duration", N, "d", get_u32, .which = F_DURATION),
	ROW("expire", N, "d", get_u32, .which = F_EXPIRE),
	ROW("timeout", N, "d", get_u32, .which = F_TIMEOUT),
	ROW("det", S, "s", get_det),
	ROW("sa", S, "s", get_addr, .which = EP_SRC, .mods = mods_addr),
	ROW("da", S, "s", get_addr, .which = EP_DST, .mods = mods_addr),
	ROW("na", S, "s", get_addr, .which = EP_NAT, .mods = mods_addr),
	ROW("sp", N, "d", get_port, .which = EP_SRC),
	ROW("dp", N, "d", get_port, .which = EP_DST),
	ROW("np", N, "d", get_port, .which = EP_NAT),
	ROW("sap", S, "s", get_ep, .which = EP_SRC),
	ROW("dap", S, "s", get_ep, .which = EP_DST),
	ROW("nap", S, "s", get_ep, .which = EP_NAT),
	ROW("sdap", S, "s", get_ep, .which = EP_NAT + 1),
	ROW("rate[u]", S | N, "s", get_rate, O, .mods = mods_rate),
	ROW("rate[o]", S | N, "s", get_rate, O, .mods = mods_rate),
	ROW("rate[d]", S | N, "s", get_rate, R, .mods = mods_rate),
	ROW("rate[r]", S | N, "s", get_rate, R, .mods = mods_rate),
	ROW("rate[sum]", S | N, "s", get_rate, .dir = SM_DIR_MAX, .mods = mods_rate),
	ROW("count[op]", N, "d", get_count, O, .which = C_PKTS),
	ROW("count[ob]", N, "d", get_count, O, .which = C_BYTES),
	ROW("count[oe]", N, "d", get_count, O, .which = C_ERRS),
	ROW("count[rp]", N, "d", get_count, R, .which = C_PKTS),
	ROW("count[rb]", N, "d", get_count, R, .which = C_BYTES),
	ROW("count[re]", N, "d", get_count, R, .which = C_ERRS),
	ROW("count[o]", S, "s", get_count, O, .which = C_ALL),
	ROW("count[r]", S, "s", get_count, R, .which = C_ALL),
	ROW("npuflag[o]", N, "#x", get_none),
	ROW("npuflag[r]", N, "#x", get_none),
	ROW("offload[o]", S | N, "s", get_offload, O),
	ROW("offload[r]", S | N, "s", get_offload, R),
	ROW("nturbo[o]", S | N, "s", get_flag_none),
	ROW("nturbo[r]", S | N, "s", get_flag_none),
	ROW("innpu[o]", S, "s", get_none),
	ROW("innpu[f]", S, "s", get_none),
	ROW("outnpu[o]", S, "s", get_none),
	ROW("outnpu[f]", S, "s", get_none),
	ROW("vdom", S | N, "d", get_vdom, .mods = mods_vdom),
	ROW("policy", S | N, "d", get_policy),
	ROW("helper", S, "s", get_none),
	ROW("state", S, "s", get_state, .mods = mods_state),
	ROW("haid", N, "d", get_none),
	ROW("plain", S, "s", get_plain),
	ROW("newline", S, "s", get_newline),
	ROW("nooff[no]", S, "s", get_nooff),
	ROW("nooff[ko]", S, "s", get_none),
	ROW("nooff[kr]", S, "s", get_none),
	ROW("nooff[do]", S, "s", get_none),
	ROW("nooff[dr]", S, "s", get_none),
	ROW("tunnel[i]", S, "s", get_none),
	ROW("tunnel[o]", S, "s", get_none),
	ROW("tunnels", S, "s", get_tunnels),
	ROW("shapingpolicy", S | N, "s", get_none),
	ROW("shaper[o]", S, "s", get_none),
	ROW("shaper[r]", S, "s", get_none),
	ROW("shaper[ip]", S, "s", get_none),
	ROW("mac[i]", S, "s", get_mac, O),
	ROW("mac[src]", S, "s", get_mac, O),
	ROW("mac[o]", S, "s", get_mac, R),
	ROW("mac[dst]", S, "s", get_mac, R),
	ROW("iface[oi]", N, "d", get_iface, O, .which = 0),
	ROW("iface[io]", N, "d", get_iface, O, .which = 0),
	ROW("iface[oo]", N, "d", get_iface, O, .which = 1),
	ROW("iface[ri]", N, "d", get_iface, R, .which = 0),
	ROW("iface[ir]", N, "d", get_iface, R, .which = 0),
	ROW("iface[ro]", N, "d", get_iface, R, .which = 1),
	ROW("iface[or]", N, "d", get_iface, R, .which = 1),
	ROW("nexthop[o]", S, "s", get_nexthop),
	ROW("nh[o]", S, "s", get_nexthop),
	ROW("nexthop[r]", S, "s", get_nexthop),
	ROW("nh[r]", S, "s", get_nexthop),
	ROW("patho", S, "s", get_path, O),
	ROW("pathr", S, "s", get_path, R),
	ROW("user", S, "s", get_none),
	ROW("authserver", S, "s", get_none),
	ROW("authinfo", N, "d", get_none),
	ROW("custom", S | N, "s", get_custom, .mods = mods_custom),
};

#undef ROW
#undef S
#undef N
#undef O
#undef R

const struct sm_fmt_var *
sm_fmt_vars_find(const char *name, size_t len, const char **inner, size_t *inner_len)
{
	static const char custom[] = "custom[";
	size_t cl = sizeof(custom) - 1;

	*inner = NULL;
	*inner_len = 0;
	/* custom[x] is the custom variable with x for its modifier. */
	if (len > cl && memcmp(name, custom, cl) == 0 && name[len - 1] == ']') {
		*inner = name + cl;
		*inner_len = len - cl - 1;
		len = cl - 1;
	}
	for (size_t i = 0; i < SM_ARRAY_SIZE(vars); i++)
		if (strlen(vars[i].name) == len && memcmp(vars[i].name, name, len) == 0)
			return &vars[i];
	return NULL;
}

/* ------------------------------------------------------------------ */
/* Macros */

/*
 * foset's macros (formatter.go demacro()). The spec prints default_states
 * as `${state:-60s` and default_counts with a second `)`: both are
 * rendering slips the source does not have. default_basic and
 * default_count are the same as their plural forms, as the spec says
 * (foset's own default_count expands to nothing, a slip too).
 */
#define BASICS "${serial:08x}: ${vdom:3d}/${policy:-5s} ${proto:-4s} " \
	"${state[l]:11s}/${state[r]:-11s} ${sap:-21s} -> ${dap:-21s}"
#define COUNTS "COUNTS(org:${count[o]:15s}, rev:${count[r]:15s})"

static const struct {
	const char *name;     /* as written: ${name} */
	const char *text;
} macros[] = {
	{ "${default_basics}", BASICS },
	{ "${default_basic}", BASICS },
	{ "${default_hw}", "OFF(${offload[o]}/${offload[r]}), NTB(${nturbo[o]}/${nturbo[r]}) "
			   "FLG(${npuflag[o]:#02x}/${npuflag[r]:#02x})" },
	{ "${default_rate}", "RATE(up:${rate[u]:15s}, down:${rate[d]:15s})" },
	{ "${default_counts}", COUNTS },
	{ "${default_count}", COUNTS },
	{ "${default_time}", "TIME(${det:-20s})" },
	{ "${default_states}", "${state:-60s|, }" },
	{ "${default_nooff}", "${nooff[ko]}/${nooff[kr]},${nooff[do]}/${nooff[dr]}" },
	{ "${default_path}", "INF(org: ${patho}, rev: ${pathr})" },
	{ "${default_macs}", "${mac[i]:17s} -> ${mac[o]:17s}" },
};

size_t
sm_fmt_vars_expand(const char *in, char *out, uint32_t *col)
{
	size_t n = 0;

	for (const char *p = in; *p != '\0';) {
		const char *text = p;
		size_t len = 1, adv = 1;

		for (size_t i = 0; p[0] == '$' && i < SM_ARRAY_SIZE(macros); i++) {
			size_t ml = strlen(macros[i].name);

			if (strncmp(p, macros[i].name, ml) == 0) {
				text = macros[i].text;
				len = strlen(text);
				adv = ml;
				break;
			}
		}
		if (out != NULL)
			for (size_t i = 0; i < len; i++) {
				out[n + i] = text[i];
				col[n + i] = (uint32_t)(p - in) + 1;
			}
		n += len;
		p += adv;
	}
	return n;
}
