/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include "sessmon/sess_view.h"

/*
 * Echo-style ICMP requests and the type of their answer. A key of such a
 * session keeps the request type in the responder's port slot (tuple.h);
 * FortiGate prints the orig tuple `A:id->B:8` and the reply tuple
 * `B:id->A:0` (../shared/fortigate/README.md §3.6), i.e. the answer's type.
 * No sample shows a timestamp or an ICMPv6 session: we print the answer's
 * type there too (14, 129), the reading that makes `:0` for echo follow.
 */
static const struct {
	uint8_t family;
	uint8_t proto;
	uint16_t request;
	uint16_t reply;
} echo_types[] = {
	{ 4, 1, 8, 0 },       /* echo */
	{ 4, 1, 13, 14 },     /* timestamp */
	{ 6, 58, 128, 129 },  /* ICMPv6 echo */
};

/* The answer's type if @key is an echo-style session whose responder is
 * endpoint @resp, else -1 (other ICMP keeps type/code in fixed slots). */
static int
echo_reply_type(const struct sm_sess_key *key, unsigned int resp)
{
	if (key->kind != SM_KEY_L4)
		return -1;
	for (size_t i = 0; i < SM_ARRAY_SIZE(echo_types); i++)
		if (echo_types[i].family == key->family && echo_types[i].proto == key->proto &&
		    echo_types[i].request == key->port[resp])
			return echo_types[i].reply;
	return -1;
}

static bool
is_icmp(const struct sm_sess_key *key)
{
	return key->proto == 1 || key->proto == 58;
}

/* Endpoints of both directions, as FortiGate's hook lines print them. */
static void
build_tuples(struct sm_sess_view *v, const struct sm_sess_key *key, unsigned int orig)
{
	unsigned int resp = orig ^ 1, len = sm_tuple_addr_len(key);
	struct sm_view_dir *o = &v->dir[SM_DIR_ORIG], *r = &v->dir[SM_DIR_REPLY];
	int echo_reply = is_icmp(key) ? echo_reply_type(key, resp) : -1;

	memcpy(o->src, key->addr[orig], len);
	memcpy(o->dst, key->addr[resp], len);
	memcpy(r->src, key->addr[resp], len);
	memcpy(r->dst, key->addr[orig], len);
	if (echo_reply >= 0) {
		o->sport = r->sport = key->port[orig];
		o->dport = key->port[resp];
		r->dport = (uint16_t)echo_reply;
	} else if (is_icmp(key) && key->kind == SM_KEY_L4) {
		/* Other ICMP: type and code, whichever way the packet went. */
		o->sport = r->sport = key->port[0];
		o->dport = r->dport = key->port[1];
	} else {
		o->sport = r->dport = key->port[orig];
		o->dport = r->sport = key->port[resp];
	}
}

static void
build_dirs(struct sm_sess_view *v, const struct sm_session *s, uint64_t now_us)
{
	for (int d = 0; d < SM_DIR_MAX; d++) {
		const struct sm_sess_dir *sd = &s->dir[d];
		struct sm_view_dir *vd = &v->dir[d];

		vd->bytes = sd->bytes;
		vd->pkts = sd->pkts;
		vd->errs = sd->errs;
		vd->rate_Bps = sm_session_rate(s, d, now_us);
		memcpy(vd->mac, sd->mac, sizeof(vd->mac));
		vd->has_mac = sd->pkts > 0;
		vd->dev_in = sd->port;
		vd->dev_out = s->dir[d ^ 1].port;
		v->tcp_ep[d] = sd->tcp.ep;
		v->tcp_seen[d] = sd->tcp.seen;
		/* No offload backend tells directions apart yet: a session is
		 * handed over as a whole. */
		v->offloaded[d] = s->offload != 0;
	}
}

/* Seconds of network time from @from to @to, 0 if @to is not later. */
static uint32_t
seconds_between(uint64_t from, uint64_t to)
{
	return to > from ? (uint32_t)((to - from) / SM_US_PER_S) : 0;
}

/* proto_state, tcp_state and the derived no_ofld reasons (README §3.2). */
static void
build_state(struct sm_sess_view *v, const struct sm_sess_key *key, const struct sm_session *s)
{
	bool offloaded = v->offloaded[SM_DIR_ORIG] || v->offloaded[SM_DIR_REPLY];

	v->no_ofld = s->no_ofld;
	if (key->proto == 6 && key->kind == SM_KEY_L4) {
		v->tcp_state = (uint8_t)sm_tcp_state_fgt(&s->dir[SM_DIR_ORIG].tcp,
							 &s->dir[SM_DIR_REPLY].tcp);
		/* Left digit 0: sessmon never proxies or holds a session. */
		v->proto_state = v->tcp_state;
		if (v->tcp_state != SM_TCP_FGT_ESTABLISHED && !offloaded)
			v->no_ofld |= 1u << SM_NO_OFLD_NOT_ESTABLISHED;
	} else if (s->timer == SM_TIMER_UDP_IDLE) {
		/* UDP and UDP-Lite (the protocols on the UDP timer): 01 once
		 * the responder answered (Summerice7). */
		v->proto_state = s->dir[SM_DIR_REPLY].pkts > 0;
	}
	/* There is no offload backend yet: every port is a non-NPU port. */
	if (!offloaded)
		v->no_ofld |= 1u << SM_NO_OFLD_NON_NPU_INTF;
	v->fgt_flags = 1u << SM_FGT_FLAG_MAY_DIRTY;
	if (offloaded)
		v->fgt_flags |= 1u << SM_FGT_FLAG_NPU;
	/* npu_state's bits are undocumented; 0 is what a VM prints. */
	v->npu_state = 0;
}

void
sm_sess_view_build(struct sm_sess_view *v, const struct sm_sess_key *key,
		   const struct sm_session *s, const struct sm_timers *t,
		   uint64_t now_us, uint16_t worker, uint32_t slot)
{
	bool idle_timer = s->timer == SM_TIMER_UDP_IDLE || s->timer == SM_TIMER_ICMP_IDLE;

	memset(v, 0, sizeof(*v));
	v->key = *key;
	v->family = key->family;
	v->proto = key->proto;
	v->now_us = now_us;
	v->first_us = s->first_us;
	v->last_us = s->last_us;
	v->serial = s->serial;
	v->policy = s->policy;
	v->vd = s->vd;
	v->worker = worker;
	v->slot = slot;
	v->duration = seconds_between(s->first_us, now_us);
	v->expire = seconds_between(now_us, sm_session_expiry(s, t));
	/* FortiOS prints the session-ttl as timeout for TCP in every state
	 * and for other protocols, 0 for sessions on the global idle timers
	 * (README §3.1). */
	v->timeout = idle_timer ? 0 : t->sec[SM_TIMER_SESSION_TTL];
	build_tuples(v, key, s->orig_ep & 1);
	build_dirs(v, s, now_us);
	build_state(v, key, s);
}

void
sm_sess_view_add_insp(struct sm_sess_view *v, const struct sm_insp_info *i)
{
	v->insp = *i;
	if (i->inspecting)
		v->no_ofld |= 1u << SM_NO_OFLD_REDIR_TO_IPS;
}
