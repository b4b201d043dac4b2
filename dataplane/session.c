/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdbool.h>
#include <string.h>

#include "sessmon/session.h"

/* The timer a non-TCP session runs on, by IP protocol. */
static enum sm_timer
idle_timer(uint8_t proto)
{
	switch (proto) {
	case 17:  /* UDP */
	case 136: /* UDP-Lite */
		return SM_TIMER_UDP_IDLE;
	case 1:   /* ICMP */
	case 58:  /* ICMPv6 */
		return SM_TIMER_ICMP_IDLE;
	default:
		return SM_TIMER_SESSION_TTL;
	}
}

void
sm_session_init(struct sm_session *s, const struct sm_pkt_meta *pm)
{
	unsigned int from_ep = (pm->flags & SM_PF_FROM_LO) ? 0 : 1;
	bool tcp = pm->key.proto == 6 && pm->key.kind == SM_KEY_L4;

	memset(s, 0, sizeof(*s));
	s->first_us = pm->ts_first_us;
	s->last_us = pm->ts_first_us;
	/* A reply-type first packet (SYN-ACK, echo reply) means the capture
	 * missed the opening: its receiver is the originator (Zeek's rule). */
	s->orig_ep = (pm->flags & SM_PF_RESPONSE) ? 1 - from_ep : from_ep;
	s->timer = tcp ? SM_TIMER_TCP_HALFOPEN : idle_timer(pm->key.proto);
	s->wheel_next = s->wheel_prev = UINT32_MAX;
	/* Serial last: it is what tells a reader the record is live. */
	__atomic_store_n(&s->serial, (uint32_t)pm->seq ? (uint32_t)pm->seq : 1, __ATOMIC_RELEASE);
}

/*
 * Rates count the bytes of one second of network time per direction: the
 * first packet of a new second restarts both windows. One 32-bit counter
 * per direction keeps the record at 128 bytes.
 */
static void
roll_rate_window(struct sm_session *s, uint64_t ts_us)
{
	if (ts_us / SM_US_PER_S > s->last_us / SM_US_PER_S)
		s->dir[SM_DIR_ORIG].win_bytes = s->dir[SM_DIR_REPLY].win_bytes = 0;
}

uint32_t
sm_session_rate(const struct sm_session *s, int dir, uint64_t now_us)
{
	return now_us / SM_US_PER_S <= s->last_us / SM_US_PER_S + 1 ? s->dir[dir].win_bytes : 0;
}

/* A pure SYN from the responder while the originator never sent one: the
 * capture began mid-handshake the other way round; swap the roles so that
 * the originator is the SYN's sender (../shared/traces/README.md). */
static int
maybe_flip(struct sm_session *s, const struct sm_pkt_meta *pm, int dir)
{
	struct sm_sess_dir tmp;

	if (dir != SM_DIR_REPLY || (pm->tcp_flags & (SM_TCP_SYN | SM_TCP_ACK)) != SM_TCP_SYN ||
	    (s->dir[SM_DIR_ORIG].tcp.seen & SM_TCP_SYN))
		return dir;
	tmp = s->dir[SM_DIR_ORIG];
	s->dir[SM_DIR_ORIG] = s->dir[SM_DIR_REPLY];
	s->dir[SM_DIR_REPLY] = tmp;
	s->orig_ep ^= 1;
	s->sflags |= SM_SF_FLIPPED;
	return SM_DIR_ORIG;
}

int
sm_session_update(struct sm_session *s, const struct sm_pkt_meta *pm)
{
	int dir = sm_pkt_dir(pm, s->orig_ep);
	struct sm_sess_dir *d;

	if (pm->key.proto == 6 && pm->key.kind == SM_KEY_L4)
		dir = maybe_flip(s, pm, dir);
	d = &s->dir[dir];
	roll_rate_window(s, pm->ts_us);
	d->bytes += pm->ip_bytes;
	d->pkts += pm->n_wire;
	d->win_bytes += pm->ip_bytes;
	memcpy(d->mac, pm->src_mac, sizeof(d->mac));
	d->port = pm->in_port;
	/* Captures are not always in time order: time never runs back. */
	if (pm->ts_us > s->last_us)
		s->last_us = pm->ts_us;
	if (pm->ts_first_us < s->first_us)
		s->first_us = pm->ts_first_us;
	if (pm->key.proto == 6 && pm->key.kind == SM_KEY_L4) {
		sm_tcp_state_update(&d->tcp, &s->dir[dir ^ 1].tcp, pm->tcp_flags,
				    pm->tcp_seq, pm->tcp_ack, pm->payload_len);
		s->timer = sm_tcp_state_timer(sm_tcp_state_fgt(&s->dir[SM_DIR_ORIG].tcp,
							       &s->dir[SM_DIR_REPLY].tcp));
	}
	return dir;
}

void
sm_session_icmp_error(struct sm_session *s, const struct sm_pkt_meta *pm)
{
	s->dir[sm_pkt_dir(pm, s->orig_ep)].errs++;
}

uint64_t
sm_session_expiry(const struct sm_session *s, const struct sm_timers *t)
{
	return s->last_us + (uint64_t)t->sec[s->timer] * SM_US_PER_S;
}
