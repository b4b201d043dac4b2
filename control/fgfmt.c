/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>

#include "sessmon/fgfmt.h"
#include "sessmon/tcp_state.h"

/*
 * Layout reference: ../shared/fortigate/README.md (§2.1 line order, §2.2
 * spacing, §6 stat, §7 get system session list) and the verbatim samples
 * next to it. Where sessmon has no value for a FortiOS field it prints what
 * a plain forwarded session on a standalone FortiGate prints.
 */

static const char *const flag_names[] = {
	[SM_FGT_FLAG_LOG] = "log",
	[SM_FGT_FLAG_LOCAL] = "local",
	[SM_FGT_FLAG_DIRTY] = "dirty",
	[SM_FGT_FLAG_MAY_DIRTY] = "may_dirty",
	[SM_FGT_FLAG_NDR] = "ndr",
	[SM_FGT_FLAG_BR] = "br",
	[SM_FGT_FLAG_NPU] = "npu",
	[SM_FGT_FLAG_NPR] = "npr",
};
static_assert(SM_ARRAY_SIZE(flag_names) == SM_FGT_FLAG_MAX, "one name per state flag");

static const char *const no_ofld_names[] = {
	[SM_NO_OFLD_NON_NPU_INTF] = "non-npu-intf",
	[SM_NO_OFLD_NOT_ESTABLISHED] = "not-established",
	[SM_NO_OFLD_REDIR_TO_IPS] = "redir-to-ips",
	[SM_NO_OFLD_NPU_FLAG_OFF] = "npu-flag-off",
};
static_assert(SM_ARRAY_SIZE(no_ofld_names) == SM_NO_OFLD_MAX, "one name per no_ofld reason");

/* `get system session list` shows tcp, udp and icmp (README §7); the rest
 * are the IANA keywords in the same lower case. */
static const char *const proto_names[256] = {
	[1] = "icmp",
	[6] = "tcp",
	[17] = "udp",
	[58] = "icmp6",
	[132] = "sctp",
};

/* What differs between `session info` and `session6 info` blocks. */
struct family_text {
	int af;
	const char *info;  /* block header word */
	const char *any;   /* the unspecified address: gwy= and NAT parenthesis */
};

static const struct family_text family_v4 = { AF_INET, "session", "0.0.0.0" };
static const struct family_text family_v6 = { AF_INET6, "session6", "::" };

/* Hook line of each direction of a forwarded, untranslated session. */
static const char *const hook_text[SM_DIR_MAX] = {
	[SM_DIR_ORIG] = "hook=pre dir=org act=noop",
	[SM_DIR_REPLY] = "hook=post dir=reply act=noop",
};

/* npu_state words for a direction handed to a fast path. */
static const char *const ofld_words[SM_DIR_MAX] = {
	[SM_DIR_ORIG] = "ofld-O",
	[SM_DIR_REPLY] = "ofld-R",
};

/* `firewall error stat:` counters of the 7.x layout; sessmon has none of
 * these errors, FortiOS prints them all the same. */
static const char *const fw_error_names[] = {
	"error1", "error2", "error3", "error4", "tt", "cont",
	"ips_recv", "policy_deny", "av_recv", "fqdn_count", "fqdn6_count",
};

/* Enough for an IPv6 address, ':' and a port. */
#define EP_LEN (INET6_ADDRSTRLEN + 6)

static int
status(FILE *out)
{
	return ferror(out) ? -EIO : 0;
}

static const struct family_text *
family_of(const struct sm_sess_view *v)
{
	return v->family == 6 ? &family_v6 : &family_v4;
}

/* `ip:port`, IPv6 without brackets as FortiOS prints it. */
static const char *
ep_text(char buf[EP_LEN], const struct family_text *fam, const uint8_t *addr, uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	/* Cannot fail: a known family and a buffer sized for it. */
	inet_ntop(fam->af, addr, a, sizeof(a));
	snprintf(buf, EP_LEN, "%s:%u", a, port);
	return buf;
}

static uint32_t
kbps(uint32_t bytes_per_s)
{
	return (uint32_t)((uint64_t)bytes_per_s * 8 / 1000);
}

/* First line through `state=` (README §2.1). */
static void
put_head(FILE *out, const struct sm_sess_view *v)
{
	fprintf(out, "\n%s info: proto=%u proto_state=%02u duration=%" PRIu32 " expire=%" PRIu32
		" timeout=%" PRIu32 " flags=00000000 socktype=0 sockport=0 av_idx=0 use=3\n",
		family_of(v)->info, v->proto, v->proto_state, v->duration, v->expire, v->timeout);
	fputs("origin-shaper=\nreply-shaper=\nper_ip_shaper=\n", out);
	fputs("class_id=0 ha_id=0 policy_dir=0 tunnel=/ vlan_cos=0/255\n", out);
	/* Every flag is followed by a space, the last one too (7.x). */
	fputs("state=", out);
	for (unsigned int f = 0; f < SM_FGT_FLAG_MAX; f++)
		if (v->fgt_flags & (1u << f))
			fprintf(out, "%s ", flag_names[f]);
	fputc('\n', out);
}

/* Counters, rates, interfaces and the hook lines. */
static void
put_traffic(FILE *out, const struct sm_sess_view *v)
{
	const struct sm_view_dir *o = &v->dir[SM_DIR_ORIG], *r = &v->dir[SM_DIR_REPLY];
	const struct family_text *fam = family_of(v);

	/* FortiOS leaves allow_err undocumented (it reads as a flag in every
	 * sample); sessmon defines it as the count of ICMP errors that quoted
	 * this session, per direction of travel, which a flag cannot carry. */
	fprintf(out, "statistic(bytes/packets/allow_err): org=%" PRIu64 "/%" PRIu64 "/%" PRIu32
		" reply=%" PRIu64 "/%" PRIu64 "/%" PRIu32 " tuples=%d\n",
		o->bytes, o->pkts, o->errs, r->bytes, r->pkts, r->errs, SM_DIR_MAX);
	fprintf(out, "tx speed(Bps/kbps): %" PRIu32 "/%" PRIu32 " rx speed(Bps/kbps): %" PRIu32
		"/%" PRIu32 "\n", o->rate_Bps, kbps(o->rate_Bps), r->rate_Bps, kbps(r->rate_Bps));
	/* A passive monitor knows no next hop: 0.0.0.0 means "connected". */
	fprintf(out, "orgin->sink: org pre->post, reply pre->post dev=%u->%u/%u->%u gwy=%s/%s\n",
		o->dev_in, o->dev_out, r->dev_in, r->dev_out, fam->any, fam->any);
	for (int d = 0; d < SM_DIR_MAX; d++) {
		char src[EP_LEN], dst[EP_LEN];

		fprintf(out, "%s %s->%s(%s:0)\n", hook_text[d],
			ep_text(src, fam, v->dir[d].src, v->dir[d].sport),
			ep_text(dst, fam, v->dir[d].dst, v->dir[d].dport), fam->any);
	}
	if (v->proto == 6)
		fputs("pos/(before,after) 0/(0,0), 0/(0,0)\n", out);
}

static void
put_mac(FILE *out, const char *label, const uint8_t m[6])
{
	fprintf(out, "%s=%02x:%02x:%02x:%02x:%02x:%02x", label, m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* `src_mac=..  dst_mac=..`: the orig direction's destination is the reply
 * direction's source. Two spaces between them (KB 230607 HTML, §2.2). */
static void
put_macs(FILE *out, const struct sm_sess_view *v)
{
	const struct sm_view_dir *o = &v->dir[SM_DIR_ORIG], *r = &v->dir[SM_DIR_REPLY];

	if (o->has_mac)
		put_mac(out, "src_mac", o->mac);
	if (o->has_mac && r->has_mac)
		fputs("  ", out);
	if (r->has_mac)
		put_mac(out, "dst_mac", r->mac);
	if (o->has_mac || r->has_mac)
		fputc('\n', out);
}

/* Policy, serial, routing and NPU lines. */
static void
put_tail(FILE *out, const struct sm_sess_view *v)
{
	/* No policy UUIDs in sessmon: pol_uuid_idx is left out, as 7.x does
	 * for policies without one (KB 398528). */
	fprintf(out, "misc=0 policy_id=%" PRIu32 " auth_info=0 chk_client_info=0 vd=%u\n",
		v->policy, v->vd);
	fprintf(out, "serial=%08" PRIx32 " tos=ff/ff app_list=0 app=0 url_cat=0\n", v->serial);
	fputs("rpdb_link_id=00000000 ngfwid=n/a\n", out);
	fprintf(out, "npu_state=0x%06" PRIx32, v->npu_state);
	for (int d = 0; d < SM_DIR_MAX; d++)
		if (v->offloaded[d])
			fprintf(out, " %s", ofld_words[d]);
	fputc('\n', out);
	if (v->offloaded[SM_DIR_ORIG] && v->offloaded[SM_DIR_REPLY])
		return;
	/* The label, one space, then " reason" per reason (§2.2). */
	fputs("no_ofld_reason: ", out);
	for (unsigned int r = 0; r < SM_NO_OFLD_MAX; r++)
		if (v->no_ofld & (1u << r))
			fprintf(out, " %s", no_ofld_names[r]);
	fputc('\n', out);
}

int
sm_fgfmt_session(FILE *out, const struct sm_sess_view *v)
{
	put_head(out, v);
	put_traffic(out, v);
	put_macs(out, v);
	put_tail(out, v);
	return status(out);
}

int
sm_fgfmt_session_total(FILE *out, uint64_t n_sessions)
{
	fprintf(out, "total session %" PRIu64 "\n", n_sessions);
	return status(out);
}

int
sm_fgfmt_stat(FILE *out, const struct sm_sess_stat *st)
{
	/* TABs as FortiOS prints them: three renderings agree (§6). */
	fprintf(out, "misc info:\t session_count=%" PRIu64 " setup_rate=%" PRIu64 " exp_count=%"
		PRIu64 " reflect_count=0 clash=%" PRIu64 "\n",
		st->session_count, st->setup_rate, st->exp_count, st->clash);
	fprintf(out, "\tmemory_tension_drop=%" PRIu64 " ephemeral=%" PRIu64 "/%" PRIu64
		" removeable=%" PRIu64 " extreme_low_mem=0\n",
		st->memory_tension_drop, st->ephemeral, st->ephemeral_limit, st->removeable);
	fprintf(out, "\tnpu_session_count=%" PRIu64 "\n", st->npu_session_count);
	fprintf(out, "delete=%" PRIu64 ", flush=%" PRIu64 ", dev_down=0/0\n",
		st->delete_count, st->flush);
	fputs("session walkers: active=0, vf-0, dev-0, saddr-0, npu-0\n", out);
	fputs("TCP sessions:\n", out);
	for (unsigned int s = 0; s < SM_TCP_FGT_MAX; s++)
		if (st->tcp_states[s] != 0)
			fprintf(out, "\t %" PRIu64 " in %s state\n", st->tcp_states[s],
				sm_tcp_state_fgt_name((enum sm_tcp_fgt)s));
	fputs("firewall error stat:\n", out);
	for (size_t i = 0; i < SM_ARRAY_SIZE(fw_error_names); i++)
		fprintf(out, "%s=00000000\n", fw_error_names[i]);
	fprintf(out, "global: ses_limit=%" PRIu64 " ses6_limit=0 rt_limit=0 rt6_limit=0\n",
		st->ses_limit);
	return status(out);
}

int
sm_fgfmt_full_stat(FILE *out, const struct sm_sess_stat *st)
{
	/* sessmon's table holds one entry per session, FortiOS's one per
	 * direction: used= is the entries actually held. */
	fprintf(out, "session table:\t\t table_size=%" PRIu64 " max_depth=%" PRIu64 " used=%"
		PRIu64 "\n", st->table_size, st->max_depth, st->session_count);
	return sm_fgfmt_stat(out, st);
}

/* The column layout of `get system session list`, trailing pads kept. */
#define LIST_ROW "%-7s %-6s %-16s %-16s %-16s %-16s\n"

int
sm_fgfmt_list_header(FILE *out)
{
	fprintf(out, LIST_ROW, "PROTO", "EXPIRE", "SOURCE", "SOURCE-NAT", "DESTINATION",
		"DESTINATION-NAT");
	return status(out);
}

int
sm_fgfmt_list_row(FILE *out, const struct sm_sess_view *v)
{
	const struct sm_view_dir *o = &v->dir[SM_DIR_ORIG];
	const struct family_text *fam = family_of(v);
	char proto[SM_FGFMT_PROTO_NAME_LEN], expire[12], src[EP_LEN], dst[EP_LEN];

	snprintf(expire, sizeof(expire), "%" PRIu32, v->expire);
	fprintf(out, LIST_ROW, sm_fgfmt_proto_name(v->proto, proto), expire,
		ep_text(src, fam, o->src, o->sport), "-", ep_text(dst, fam, o->dst, o->dport), "-");
	return status(out);
}

const char *
sm_fgfmt_flag_name(enum sm_fgt_flag f)
{
	return (unsigned int)f < SM_FGT_FLAG_MAX ? flag_names[f] : NULL;
}

const char *
sm_fgfmt_no_ofld_name(enum sm_no_ofld r)
{
	return (unsigned int)r < SM_NO_OFLD_MAX ? no_ofld_names[r] : NULL;
}

const char *
sm_fgfmt_proto_name(uint8_t proto, char buf[SM_FGFMT_PROTO_NAME_LEN])
{
	if (proto_names[proto] != NULL)
		return proto_names[proto];
	snprintf(buf, SM_FGFMT_PROTO_NAME_LEN, "%u", proto);
	return buf;
}
