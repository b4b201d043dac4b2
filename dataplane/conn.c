/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "sessmon/common.h"
#include "sessmon/conn.h"
#include "sessmon/pkt.h"

/*
 * The rules follow Zeek's TCP analyzer (TCPSessionAdapter.cc, TCP_Endpoint.cc,
 * Session.cc and base/protocols/conn/main.zeek at zeek/zeek a13de64): what a
 * packet does depends on its sender's state when it arrives, its flags, and
 * its peer's state at that moment.
 */

/* History letters, in code order: a code is 1 + 2 * letter + side (0 for
 * the originator's capital, 1 for the responder's small letter); 0 ends the
 * history. '^' has no side. */
enum letter { L_S, L_H, L_A, L_D, L_F, L_R, L_G, L_T, L_W, L_I, L_Q, L_FLIP, L_MAX };

static const char letter_char[2 * L_MAX] = "SsHhAaDdFfRrGgTtWwIiQq^";

/* Once-only letters (Zeek's HIST_* masks): bits of sm_conn_ep.once. S and H
 * share one bit, as they share Zeek's HIST_SYN_PKT. */
enum once { O_SYN, O_FIN, O_RST, O_FIN_RST, O_DATA, O_ACK, O_MULTI, O_MAX };

/* What sm_conn_ep.mark holds. */
enum mark { M_START, M_FIN, M_RST };

/* Scaled letters: index into sm_conn.count[side]. */
enum scaled { SC_GAP, SC_REXMIT, SC_ZWIN, SC_MAX };

static const uint8_t scaled_letter[SC_MAX] = { L_G, L_T, L_W };

/*
 * The letter a TCP packet logs, by its SYN/FIN/RST bits (update_history()):
 * one control flag logs its own letter (S, or H with ACK; F; R), FIN with
 * RST logs I ("inconsistent"), SYN with FIN or RST logs Q ("multi-flag").
 * F and R are logged again when their sequence number moves (mark), the
 * others once (mark M_START: no repeat). No control flag: D with
 * payload, else A with ACK.
 */
static const struct {
	uint8_t letter, with_ack, once, mark;
} ctl_letter[8] = {
	[SM_TCP_SYN] = { L_S, L_H, O_SYN, 0 },
	[SM_TCP_FIN] = { L_F, L_F, O_FIN, M_FIN },
	[SM_TCP_RST] = { L_R, L_R, O_RST, M_RST },
	[SM_TCP_SYN | SM_TCP_FIN] = { L_Q, L_Q, O_MULTI, 0 },
	[SM_TCP_SYN | SM_TCP_RST] = { L_Q, L_Q, O_MULTI, 0 },
	[SM_TCP_FIN | SM_TCP_RST] = { L_I, L_I, O_FIN_RST, 0 },
	[SM_TCP_SYN | SM_TCP_FIN | SM_TCP_RST] = { L_I, L_I, O_FIN_RST, 0 },
};

#define CTL_FLAGS (SM_TCP_SYN | SM_TCP_FIN | SM_TCP_RST)

/* Facts about a packet, computed before anything changes. */
#define F_SYN      (1u << 0)
#define F_FIN      (1u << 1)
#define F_RST      (1u << 2)
#define F_ACK      (1u << 3)
#define F_URG      (1u << 4)
#define F_NOSYN    (1u << 5)
#define F_NORST    (1u << 6)
#define F_NOACK    (1u << 7)
#define F_NOCTL    (1u << 8)  /* none of SYN, FIN, RST */
#define F_NOFIN    (1u << 9)
#define F_ORIG     (1u << 10)
#define F_RESP     (1u << 11)
#define F_LEN      (1u << 12) /* carries payload */
#define F_NOLEN    (1u << 13)
#define F_JUMP     (1u << 14) /* a SYN away from the sender's start */
#define F_HAD_DATA (1u << 15) /* the sender has sent payload (Zeek: Size() > 0) */
#define F_FIN_ADV  (1u << 16) /* a FIN ending past the sender's last FIN */

/* Endpoint states as mask bits. */
#define B(s) (1u << SM_CONN_EP_##s)
#define ANY 0xffu
#define NOT(m) (ANY & ~(m))
#define KEEP SM_CONN_EP_MAX

/* What a rule does about closing (Zeek's do_close / gen_event). */
enum close { CL_NONE, CL_CLOSE, CL_GEN, CL_QUIET };

/*
 * One rule: when every fact of @need holds, the sender was in a state of
 * @self when the packet came, and the peer is now in a state of @peer with
 * a previous state in @peer_prev, the sender moves to @to, the peer to
 * @peer_to, the rule raises @ev and @weird, and it closes the sender as
 * @close says: CL_GEN asks for connection_(half_)finished, CL_QUIET does
 * not (a reject), CL_CLOSE keeps what an earlier flag asked. Rules of a
 * list apply in order, each seeing the states the rules before it left,
 * as Zeek's sequential code does. Row macro R_: need, self, peer, to,
 * peer_to, close, ev, weird (any previous peer state).
 */
struct rule {
	uint32_t need;
	uint8_t self, peer, peer_prev;
	uint8_t to, peer_to;
	uint8_t close;
	uint16_t ev;
	uint32_t weird;
};

#define EV(e) SM_CONN_EVF(SM_CONN_EV_##e)
#define W(w) SM_CONN_WF(SM_CONN_W_##w)
#define R_(need_, self_, peer_, to_, peer_to_, close_, ev_, weird_) \
	{ (need_), (self_), (peer_), ANY, (to_), (peer_to_), (close_), (ev_), (weird_) }
#define SYNSENT (B(SYN_SENT) | B(SYN_ACK_SENT))
#define OPEN (B(ESTABLISHED) | B(PARTIAL))

/* A SYN: SynWeirds(), init_endpoint() and the SYN branch of each state. */
static const struct rule on_syn[] = {
	R_(F_RST, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(TCP_CHRISTMAS)),
	R_(F_URG, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(BAROQUE_SYN)),
	R_(F_LEN, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_WITH_DATA)),
	/* The first SYN of the originator; a SYN-ACK from it is odd. */
	R_(F_ORIG | F_NOACK, B(INACTIVE), ANY, SM_CONN_EP_SYN_SENT, KEEP, CL_NONE, 0, 0),
	R_(F_ORIG | F_ACK, B(INACTIVE), ANY, SM_CONN_EP_SYN_ACK_SENT, KEEP, CL_NONE, 0,
	   W(ORIGINATOR_SYN_ACK)),
	/* The responder's SYN answers the originator's: both are established.
	 * A SYN without ACK answering an originator's SYN-ACK is a reversed
	 * handshake, which Zeek settles by flipping roles; sessmon keeps the
	 * worker's roles and only establishes both. */
	R_(F_RESP | F_NOACK, B(INACTIVE), NOT(B(SYN_ACK_SENT)), KEEP, KEEP, CL_NONE, 0,
	   W(SIMULTANEOUS_OPEN)),
	R_(F_RESP | F_NOACK, B(INACTIVE), B(SYN_ACK_SENT), KEEP, SM_CONN_EP_ESTABLISHED,
	   CL_NONE, 0, 0),
	R_(F_RESP, B(INACTIVE), B(SYN_SENT), KEEP, SM_CONN_EP_ESTABLISHED, CL_NONE, 0, 0),
	R_(F_RESP, B(INACTIVE), B(INACTIVE), KEEP, KEEP, CL_NONE, 0,
	   W(UNSOLICITED_SYN_RESPONSE)),
	R_(F_RESP, B(INACTIVE), ANY, SM_CONN_EP_ESTABLISHED, KEEP, CL_NONE, 0, 0),
	R_(F_RESP, B(INACTIVE), NOT(B(PARTIAL)), KEEP, KEEP, CL_NONE, EV(ESTABLISHED), 0),
	/* Handshake states: a new sequence number, or the wrong kind of SYN. */
	R_(F_JUMP, SYNSENT, ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_SEQ_JUMP)),
	R_(F_ORIG | F_ACK | F_NOFIN | F_NORST, B(SYN_SENT), ANY, KEEP, KEEP, CL_NONE, 0,
	   W(REPEATED_SYN_WITH_ACK)),
	R_(F_RESP | F_NOACK, B(SYN_ACK_SENT), ANY, KEEP, KEEP, CL_NONE, 0,
	   W(REPEATED_SYN_REPLY_WO_ACK)),
	/* A SYN inside an open connection restarts it; a midstream sender
	 * whose peer is silent was the originator of a handshake we missed. */
	R_(F_HAD_DATA, OPEN, ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_INSIDE_CONNECTION)),
	R_(F_JUMP, OPEN, ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_SEQ_JUMP)),
	R_(F_NOACK, B(PARTIAL), B(INACTIVE), SM_CONN_EP_SYN_SENT, KEEP, CL_NONE, 0,
	   W(SYN_AFTER_PARTIAL)),
	R_(0, B(CLOSED), ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_AFTER_CLOSE)),
	R_(0, B(RESET), ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_AFTER_RESET)),
};

/* A FIN closes its sender and asks for connection_finished. */
static const struct rule on_fin[] = {
	R_(0, B(INACTIVE), ANY, SM_CONN_EP_CLOSED, KEEP, CL_GEN, 0, 0),
	R_(F_NOSYN, B(INACTIVE), NOT(B(PARTIAL)), KEEP, KEEP, CL_NONE, 0, W(SPONTANEOUS_FIN)),
	R_(0, SYNSENT, B(INACTIVE) | B(SYN_SENT), KEEP, KEEP, CL_NONE, 0, W(INAPPROPRIATE_FIN)),
	R_(0, SYNSENT, ANY, SM_CONN_EP_CLOSED, KEEP, CL_GEN, 0, 0),
	R_(F_NORST, OPEN, ANY, SM_CONN_EP_CLOSED, KEEP, CL_GEN, 0, 0),
	/* The peer's FIN then RST was a normal close after all. */
	{ F_NORST, OPEN, B(RESET), B(CLOSED), KEEP, SM_CONN_EP_CLOSED, CL_NONE, 0, 0 },
	R_(F_FIN_ADV, B(CLOSED), ANY, KEEP, KEEP, CL_NONE, 0, W(FIN_ADVANCED_LAST_SEQ)),
	R_(0, B(RESET), ANY, KEEP, KEEP, CL_NONE, 0, W(FIN_AFTER_RESET)),
};

/*
 * A RST. From a silent sender it rejects the attempt it answers (an
 * originator's RST to a SYN-ACK is a reverse scan's reject); otherwise it
 * resets the connection, unless the peer's own RST already did.
 */
static const struct rule on_rst[] = {
	R_(0, B(INACTIVE), ANY, SM_CONN_EP_RESET, KEEP, CL_NONE, 0, 0),
	R_(F_ORIG, B(INACTIVE), B(ESTABLISHED), KEEP, KEEP, CL_QUIET, EV(REJECTED), 0),
	R_(F_ORIG, B(INACTIVE), NOT(B(ESTABLISHED)), KEEP, KEEP, CL_GEN, 0, 0),
	R_(F_RESP, B(INACTIVE), SYNSENT, KEEP, KEEP, CL_QUIET, EV(REJECTED), 0),
	R_(F_RESP, B(INACTIVE), NOT(SYNSENT), KEEP, KEEP, CL_GEN, 0, 0),
	R_(0, B(INACTIVE), B(INACTIVE), KEEP, KEEP, CL_NONE, 0, W(SPONTANEOUS_RST)),
	R_(0, SYNSENT, ANY, SM_CONN_EP_RESET, KEEP, CL_CLOSE, EV(RESET), 0),
	R_(0, OPEN, ANY, SM_CONN_EP_RESET, KEEP, CL_CLOSE, 0, 0),
	R_(0, OPEN, NOT(B(RESET)), KEEP, KEEP, CL_NONE, EV(RESET), 0),
	{ 0, OPEN, B(RESET), NOT(B(ESTABLISHED)), KEEP, KEEP, CL_NONE, EV(RESET), 0 },
	/* After a FIN, a RST matters only while the peer is still open; Zeek
	 * reports the reset 5 s later unless both closed, sessmon at once. */
	R_(0, B(CLOSED), NOT(B(CLOSED)), SM_CONN_EP_RESET, KEEP, CL_CLOSE, 0, 0),
	R_(0, B(CLOSED), NOT(B(CLOSED) | B(RESET)), KEEP, KEEP, CL_NONE, EV(RESET), 0),
};

/*
 * Every packet, after the flags. A silent sender without control flags
 * joins midstream (PARTIAL) unless it acknowledges the peer's SYN-ACK
 * (then the SYN was missed: ESTABLISHED) or it is a responder's bare ACK
 * of a SYN (some stacks ACK before their SYN-ACK: still silent).
 */
static const struct rule on_any[] = {
	R_(F_NOCTL | F_ACK, B(INACTIVE), B(ESTABLISHED), SM_CONN_EP_ESTABLISHED, KEEP,
	   CL_NONE, 0, 0),
	R_(F_NOCTL | F_NOACK, B(INACTIVE), B(ESTABLISHED), SM_CONN_EP_PARTIAL, KEEP, CL_NONE, 0, 0),
	R_(F_NOCTL | F_ORIG, B(INACTIVE), B(SYN_SENT), SM_CONN_EP_PARTIAL, KEEP, CL_NONE, 0, 0),
	R_(F_NOCTL | F_LEN, B(INACTIVE), B(SYN_SENT), SM_CONN_EP_PARTIAL, KEEP, CL_NONE, 0, 0),
	R_(F_NOCTL, B(INACTIVE), NOT(B(SYN_SENT) | B(ESTABLISHED) | B(PARTIAL)),
	   SM_CONN_EP_PARTIAL, KEEP, CL_NONE, 0, 0),
	R_(F_NOCTL, B(INACTIVE), B(PARTIAL), SM_CONN_EP_PARTIAL, KEEP, CL_NONE, EV(PARTIAL), 0),
	R_(F_NORST | F_LEN, SYNSENT, ANY, KEEP, KEEP, CL_NONE, 0, W(DATA_BEFORE_ESTABLISHED)),
	R_(F_NORST | F_LEN, B(RESET), ANY, KEEP, KEEP, CL_NONE, 0, W(DATA_AFTER_RESET)),
	/* sessmon's own: flag sets no stack sends. A SYN with FIN and a FIN
	 * with RST contradict themselves; a segment with neither SYN nor RST
	 * must carry ACK (RFC 9293 §3.10.7.4 drops it otherwise): NULL, FIN
	 * and Xmas scans. */
	R_(F_SYN | F_FIN, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(SYN_FIN)),
	R_(F_FIN | F_RST, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(FIN_RST)),
	R_(F_NOSYN | F_NORST | F_NOACK, ANY, ANY, KEEP, KEEP, CL_NONE, 0, W(NO_ACK)),
};

/* The lists, in the order Zeek's code takes the flags. */
static const struct {
	uint32_t when;
	const struct rule *rules;
	size_t n;
} rule_lists[] = {
	{ F_SYN, on_syn, SM_ARRAY_SIZE(on_syn) },
	{ F_FIN, on_fin, SM_ARRAY_SIZE(on_fin) },
	{ F_RST, on_rst, SM_ARRAY_SIZE(on_rst) },
	{ 0, on_any, SM_ARRAY_SIZE(on_any) },
};

/* How a SYN moves its sender's start (init_endpoint()): kept in the
 * handshake states unless it jumps, always taken in an open connection,
 * kept once closed, and after a RST only if the RST was the sender's first
 * packet (it may have been spoofed). */
enum restart { RS_NEVER, RS_JUMP, RS_ALWAYS, RS_AFTER_FIRST_RST };

static const uint8_t syn_restart[SM_CONN_EP_MAX] = {
	[SM_CONN_EP_INACTIVE] = RS_ALWAYS,
	[SM_CONN_EP_SYN_SENT] = RS_JUMP,
	[SM_CONN_EP_SYN_ACK_SENT] = RS_JUMP,
	[SM_CONN_EP_PARTIAL] = RS_ALWAYS,
	[SM_CONN_EP_ESTABLISHED] = RS_ALWAYS,
	[SM_CONN_EP_CLOSED] = RS_NEVER,
	[SM_CONN_EP_RESET] = RS_AFTER_FIRST_RST,
	[SM_CONN_EP_ACTIVE] = RS_NEVER,
};

/* ---- history ---------------------------------------------------------- */

/* Letter i is the 5-bit code at bits 5i to 5i + 4 of sm_conn.hist, least
 * significant bit first: it spills into the next byte when it starts past
 * bit 3 of one. Codes are only appended, so writing is OR-ing. */
static unsigned int
hist_get(const uint8_t *h, unsigned int i)
{
	unsigned int bit = i * 5, byte = bit / 8, sh = bit % 8;
	unsigned int v = h[byte] >> sh;

	if (sh > 3)
		v |= (unsigned int)h[byte + 1] << (8 - sh);
	return v & 0x1f;
}

static void
hist_put(uint8_t *h, unsigned int i, unsigned int code)
{
	unsigned int bit = i * 5, byte = bit / 8, sh = bit % 8;

	h[byte] |= (uint8_t)(code << sh);
	if (sh > 3)
		h[byte + 1] |= (uint8_t)(code >> (8 - sh));
}

static unsigned int
hist_len(const struct sm_conn *c)
{
	unsigned int n = 0;

	while (n < SM_CONN_HISTORY_MAX && hist_get(c->hist, n) != 0)
		n++;
	return n;
}

static void
add_letter(struct sm_conn *c, enum letter l, int side)
{
	unsigned int n = hist_len(c);

	if (n == SM_CONN_HISTORY_MAX) {
		if (c->ep[side].dropped < UINT8_MAX)
			c->ep[side].dropped++;
		return;
	}
	hist_put(c->hist, n, 1 + 2 * l + (l == L_FLIP ? 0 : side));
}

/* Zeek's CheckHistory(): log a letter the first time only.
 * @return whether it had been logged before */
static bool
once(struct sm_conn *c, enum once o, enum letter l, int side)
{
	if (c->ep[side].once & (1u << o))
		return true;
	c->ep[side].once |= 1u << o;
	add_letter(c, l, side);
	return false;
}

/* Zeek's ScaledHistoryEntry(): log at the 1st, 10th, 100th occurrence. */
static void
scaled(struct sm_conn *c, enum scaled s, int side)
{
	uint8_t *n = &c->count[side][s];

	if (*n == UINT8_MAX)
		return;
	(*n)++;
	if (*n == 1 || *n == 10 || *n == 100)
		add_letter(c, scaled_letter[s], side);
}

/* ---- per packet ------------------------------------------------------- */

static void
set_state(struct sm_conn_ep *ep, unsigned int st)
{
	if (st == KEEP || st == ep->state)
		return;
	ep->prev_state = ep->state;
	ep->state = st;
}

static void
set_mark(struct sm_conn_ep *ep, enum mark kind, uint32_t seq)
{
	ep->mark_kind = kind;
	ep->mark = seq & 0xffff;
}

static bool
rule_matches(const struct rule *r, uint32_t facts, unsigned int entry,
	     const struct sm_conn_ep *peer)
{
	return (r->need & ~facts) == 0 && (r->self & (1u << entry)) &&
	       (r->peer & (1u << peer->state)) && (r->peer_prev & (1u << peer->prev_state));
}

static uint32_t
tcp_facts(const struct sm_conn *c, const struct sm_conn_pkt *p, int side)
{
	const struct sm_conn_ep *ep = &c->ep[side];
	uint8_t fl = p->tcp_flags;
	uint32_t f = 0;
	uint16_t fin_end = (uint16_t)(p->seq + p->payload_len);

	f |= (fl & SM_TCP_SYN) ? F_SYN : F_NOSYN;
	f |= (fl & SM_TCP_FIN) ? F_FIN : F_NOFIN;
	f |= (fl & SM_TCP_RST) ? F_RST : F_NORST;
	f |= (fl & SM_TCP_ACK) ? F_ACK : F_NOACK;
	f |= (fl & SM_TCP_URG) ? F_URG : 0;
	f |= (fl & CTL_FLAGS) ? 0 : F_NOCTL;
	f |= side == SM_DIR_ORIG ? F_ORIG : F_RESP;
	f |= p->payload_len ? F_LEN : F_NOLEN;
	if ((fl & SM_TCP_SYN) && ep->mark_kind == M_START && ep->mark != (p->seq & 0xffff))
		f |= F_JUMP;
	if (ep->once & (1u << O_DATA))
		f |= F_HAD_DATA;
	if ((fl & SM_TCP_FIN) && ep->mark_kind == M_FIN && (int16_t)(fin_end - ep->mark) > 0)
		f |= F_FIN_ADV;
	return f;
}

/* Zeek's update_history() and the zero-window check of update_window(). */
static void
tcp_history(struct sm_conn *c, const struct sm_conn_pkt *p, int side)
{
	struct sm_conn_ep *ep = &c->ep[side];
	unsigned int ctl = p->tcp_flags & CTL_FLAGS;
	bool ack = p->tcp_flags & SM_TCP_ACK;

	if (ctl != 0) {
		uint32_t at = ctl_letter[ctl].mark == M_FIN ? p->seq + p->payload_len : p->seq;
		bool seen = once(c, ctl_letter[ctl].once,
				 ack ? ctl_letter[ctl].with_ack : ctl_letter[ctl].letter, side);

		if (ctl_letter[ctl].mark != M_START) {
			if (seen && ep->mark_kind == ctl_letter[ctl].mark && ep->mark != (at & 0xffff))
				add_letter(c, ctl_letter[ctl].letter, side);
			set_mark(ep, ctl_letter[ctl].mark, at);
		}
	} else if (p->payload_len) {
		once(c, O_DATA, L_D, side);
	} else if (ack) {
		once(c, O_ACK, L_A, side);
	}
	/* A zero window is news unless it comes with or after a RST, or after
	 * the peer's FIN (no window matters then). */
	if (p->window == 0 && !(p->tcp_flags & SM_TCP_RST) &&
	    c->ep[side ^ 1].state != SM_CONN_EP_CLOSED && ep->state != SM_CONN_EP_RESET)
		scaled(c, SC_ZWIN, side);
}

/* Zeek's init_endpoint() and init_peer(): where each side's sequence space
 * starts, kept in the M_START mark until the side closes. */
static void
tcp_starts(struct sm_conn *c, const struct sm_conn_pkt *p, int side, uint32_t facts)
{
	struct sm_conn_ep *ep = &c->ep[side];
	struct sm_conn_ep *peer = &c->ep[side ^ 1];
	bool syn = facts & F_SYN;

	if (ep->state == SM_CONN_EP_INACTIVE) {
		set_mark(ep, M_START, syn ? p->seq : p->seq - 1);
	} else if (syn) {
		switch (syn_restart[ep->state]) {
		case RS_JUMP:
			if (facts & F_JUMP)
				set_mark(ep, M_START, p->seq);
			break;
		case RS_ALWAYS:
			set_mark(ep, M_START, p->seq);
			break;
		case RS_AFTER_FIRST_RST:
			if (ep->prev_state == SM_CONN_EP_INACTIVE)
				set_mark(ep, M_START, p->seq);
			break;
		default:
			break;
		}
	}
	if ((facts & F_ACK) && peer->state == SM_CONN_EP_INACTIVE)
		set_mark(peer, M_START, p->ack - 1);
}

/* Zeek's ConnectionClosed(): the first close of a side; the connection
 * (half) finishes when the other side has closed or never spoke. */
static uint32_t
tcp_close(struct sm_conn_ep *ep, const struct sm_conn_ep *peer, bool gen)
{
	bool complete;

	if (ep->did_close)
		return 0;
	ep->did_close = 1;
	complete = ep->state == SM_CONN_EP_RESET || peer->did_close ||
		   peer->state == SM_CONN_EP_INACTIVE;
	/* A side whose first packet closes it while the peer is open starts
	 * Zeek's partial-close timer (see sm_conn_expire()). */
	if (!complete) {
		ep->partial_close = ep->prev_state == SM_CONN_EP_INACTIVE;
		return 0;
	}
	if (!gen)
		return 0;
	if (ep->prev_state == SM_CONN_EP_INACTIVE && peer->state == SM_CONN_EP_INACTIVE)
		return 0;
	return peer->state == SM_CONN_EP_INACTIVE ? EV(HALF_FINISHED) : EV(FINISHED);
}

/* Zeek's IsReuse(): a SYN that starts a new connection on these ports. */
static bool
tcp_reuse(const struct sm_conn *c, const struct sm_conn_pkt *p, uint32_t *weirds)
{
	const struct sm_conn_ep *orig = &c->ep[SM_DIR_ORIG], *resp = &c->ep[SM_DIR_REPLY];
	const struct sm_conn_ep *first = orig;
	uint16_t seq = p->seq & 0xffff;

	/* Only a connection that exists can be reused. */
	if (!(p->tcp_flags & SM_TCP_SYN) || (!orig->sent && !resp->sent))
		return false;
	/* A SYN-ACK reuses only a connection whose originator never spoke. */
	if (p->tcp_flags & SM_TCP_ACK) {
		if (orig->state != SM_CONN_EP_INACTIVE)
			return false;
		first = resp;
	}
	if (!orig->did_close && !resp->did_close) {
		if (seq == first->mark)
			return false;
		/* A SYN answering the originator's SYN-ACK: reversed, not new. */
		if (!(p->tcp_flags & SM_TCP_ACK) && orig->state == SM_CONN_EP_SYN_ACK_SENT &&
		    resp->state == SM_CONN_EP_INACTIVE && seq == resp->mark)
			return false;
		*weirds |= first->state == SM_CONN_EP_SYN_SENT ? W(SYN_SEQ_JUMP) :
								 W(ACTIVE_CONNECTION_REUSE);
		return true;
	}
	if (orig->state != SM_CONN_EP_RESET && resp->state != SM_CONN_EP_RESET &&
	    ((orig->state != SM_CONN_EP_INACTIVE && !orig->did_close) ||
	     (resp->state != SM_CONN_EP_INACTIVE && !resp->did_close)))
		*weirds |= W(ACTIVE_CONNECTION_REUSE);
	return true;
}

static uint32_t
tcp_update(struct sm_conn *c, const struct sm_conn_pkt *p, int side, uint32_t *weirds)
{
	struct sm_conn_ep *ep = &c->ep[side];
	struct sm_conn_ep *peer = &c->ep[side ^ 1];
	uint32_t facts = tcp_facts(c, p, side);
	unsigned int entry = ep->state;
	uint32_t ev = 0;
	int close = CL_NONE;
	bool gen = false;

	tcp_starts(c, p, side, facts);
	tcp_history(c, p, side);
	for (size_t l = 0; l < SM_ARRAY_SIZE(rule_lists); l++) {
		if ((rule_lists[l].when & ~facts) != 0)
			continue;
		for (size_t i = 0; i < rule_lists[l].n; i++) {
			const struct rule *r = &rule_lists[l].rules[i];

			if (!rule_matches(r, facts, entry, peer))
				continue;
			set_state(ep, r->to);
			set_state(peer, r->peer_to);
			ev |= r->ev;
			*weirds |= r->weird;
			if (r->close != CL_NONE) {
				close = r->close;
				gen = r->close == CL_GEN ? true : r->close == CL_QUIET ? false : gen;
			}
		}
	}
	if (close != CL_NONE)
		ev |= tcp_close(ep, peer, gen);
	return ev;
}

/* ---- public ----------------------------------------------------------- */

static_assert(sizeof(struct sm_conn) == 32, "struct sm_conn is 32 bytes");
static_assert(SM_CONN_HISTORY_MAX * 5 <= 8 * sizeof(((struct sm_conn *)0)->hist),
	      "history codes fit");
static_assert(2 * L_MAX < 32, "letter codes are 5 bits");
static_assert(O_MAX <= 7, "once bits");
static_assert(SM_CONN_W_MAX <= 32, "weird bits");
static_assert(SM_CONN_EV_MAX <= 16, "event bits of a rule");

void
sm_conn_init(struct sm_conn *c, bool flipped)
{
	memset(c, 0, sizeof(*c));
	if (flipped)
		add_letter(c, L_FLIP, SM_DIR_ORIG);
}

uint32_t
sm_conn_update(struct sm_conn *c, const struct sm_conn_pkt *p, struct sm_conn_out *out)
{
	int side = p->is_orig ? SM_DIR_ORIG : SM_DIR_REPLY;
	struct sm_conn_ep *ep = &c->ep[side];
	uint32_t label = p->flow_label & 0xfffff;
	uint32_t ev = 0;

	out->weirds = 0;
	out->old_flow_label = 0;
	if (p->proto == IPPROTO_TCP && tcp_reuse(c, p, &out->weirds))
		return EV(REUSED);
	if (label != ep->flow_label) {
		if (ep->sent) {
			ev |= EV(FLOW_LABEL_CHANGED);
			out->old_flow_label = ep->flow_label;
		}
		ep->flow_label = label;
	}
	ep->sent = 1;
	if (p->proto == IPPROTO_TCP) {
		ev |= tcp_update(c, p, side, &out->weirds);
	} else if (p->proto == IPPROTO_UDP) {
		once(c, O_DATA, L_D, side);
		set_state(ep, SM_CONN_EP_ACTIVE);
	}
	return ev;
}

void
sm_conn_note(struct sm_conn *c, enum sm_conn_note note, bool is_orig)
{
	static const uint8_t note_scaled[SM_CONN_NOTE_MAX] = {
		[SM_CONN_NOTE_GAP] = SC_GAP,
		[SM_CONN_NOTE_REXMIT] = SC_REXMIT,
	};

	if ((unsigned int)note < SM_CONN_NOTE_MAX)
		scaled(c, note_scaled[note], is_orig ? SM_DIR_ORIG : SM_DIR_REPLY);
}

uint32_t
sm_conn_expire(const struct sm_conn *c, uint8_t proto)
{
	const struct sm_conn_ep *o = &c->ep[SM_DIR_ORIG], *r = &c->ep[SM_DIR_REPLY];

	if (proto != IPPROTO_TCP)
		return EV(TIMEOUT);
	/* AttemptTimer: the SYN was never answered. */
	if ((o->state == SM_CONN_EP_SYN_SENT || o->state == SM_CONN_EP_SYN_ACK_SENT) &&
	    r->state == SM_CONN_EP_INACTIVE)
		return EV(ATTEMPT);
	/* PartialCloseTimer, started by a side that closed as it first spoke:
	 * both spoke, not both closed, and no RST explains it. */
	if ((o->partial_close || r->partial_close) && o->state != SM_CONN_EP_INACTIVE &&
	    r->state != SM_CONN_EP_INACTIVE && !(o->did_close && r->did_close) &&
	    o->state != SM_CONN_EP_RESET && r->state != SM_CONN_EP_RESET)
		return EV(PARTIAL_CLOSE);
	return EV(TIMEOUT);
}

/* conn_state of a TCP connection by [orig][resp] endpoint state (Zeek's
 * conn_state() in base/protocols/conn/main.zeek, in its order: a responder
 * RST, an originator RST, FINs, then the open states). Two cells need more
 * than the states: X_RESETS (both reset: REJ if neither sent data, else
 * RSTR) and X_RST_SILENT (the originator reset, the responder never
 * answered: RSTOS0 if the history is a SYN then a RST, else OTH). */
#define X_RESETS SM_CONN_STATE_MAX
#define X_RST_SILENT (SM_CONN_STATE_MAX + 1)
#define T_(s) SM_CONN_##s
static const uint8_t tcp_state[SM_CONN_EP_ACTIVE][SM_CONN_EP_ACTIVE] = {
	/* resp:              INACTIVE       SYN_SENT    SYN_ACK_SENT PARTIAL        ESTABLISHED CLOSED    RESET */
	[SM_CONN_EP_INACTIVE] = { T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(SHR), T_(RSTRH) },
	[SM_CONN_EP_SYN_SENT] = { T_(S0), T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(S3), T_(REJ) },
	[SM_CONN_EP_SYN_ACK_SENT] = { T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(S3), T_(REJ) },
	[SM_CONN_EP_PARTIAL] = { T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(SHR), T_(RSTRH) },
	[SM_CONN_EP_ESTABLISHED] = { T_(OTH), T_(OTH), T_(OTH), T_(OTH), T_(S1), T_(S3), T_(RSTR) },
	[SM_CONN_EP_CLOSED] = { T_(SH), T_(S2), T_(S2), T_(SH), T_(S2), T_(SF), T_(RSTR) },
	[SM_CONN_EP_RESET] = { X_RST_SILENT, T_(RSTO), T_(RSTO), X_RST_SILENT, T_(RSTO), T_(RSTO),
			       X_RESETS },
};
#undef T_

/* Zeek's /\^?S[^HAFGIQ]*R.* / on the history: the originator's SYN, then
 * its RST before any handshake, ACK, FIN, gap, inconsistency or multi-flag
 * letter of its own. */
static bool
syn_then_rst(const struct sm_conn *c)
{
	char h[SM_CONN_HISTORY_MAX + 1];
	const char *s = h;

	sm_conn_history(c, h, sizeof(h));
	if (*s == '^')
		s++;
	if (*s++ != 'S')
		return false;
	for (; *s != '\0' && *s != 'R'; s++)
		if (strchr("HAFGIQ", *s) != NULL)
			return false;
	return *s == 'R';
}

enum sm_conn_state
sm_conn_state(const struct sm_conn *c, uint8_t proto)
{
	unsigned int os = c->ep[SM_DIR_ORIG].state, rs = c->ep[SM_DIR_REPLY].state;
	bool sent_data = (c->ep[SM_DIR_ORIG].once | c->ep[SM_DIR_REPLY].once) & (1u << O_DATA);
	unsigned int st;

	if (proto == IPPROTO_UDP) {
		static const uint8_t udp_state[2][2] = {
			{ SM_CONN_OTH, SM_CONN_SHR },
			{ SM_CONN_S0, SM_CONN_SF },
		};

		return udp_state[os == SM_CONN_EP_ACTIVE][rs == SM_CONN_EP_ACTIVE];
	}
	if (proto != IPPROTO_TCP || os >= SM_CONN_EP_ACTIVE || rs >= SM_CONN_EP_ACTIVE)
		return SM_CONN_OTH;
	st = tcp_state[os][rs];
	if (st == X_RESETS)
		return sent_data ? SM_CONN_RSTR : SM_CONN_REJ;
	if (st == X_RST_SILENT)
		return syn_then_rst(c) ? SM_CONN_RSTOS0 : SM_CONN_OTH;
	return (enum sm_conn_state)st;
}

int
sm_conn_history(const struct sm_conn *c, char *buf, size_t n)
{
	unsigned int len = hist_len(c);

	for (unsigned int i = 0; i < len && n > 0 && i < n - 1; i++)
		buf[i] = letter_char[hist_get(c->hist, i) - 1];
	if (n > 0)
		buf[len < n ? len : n - 1] = '\0';
	return (int)len;
}

unsigned int
sm_conn_history_dropped(const struct sm_conn *c)
{
	return c->ep[SM_DIR_ORIG].dropped + c->ep[SM_DIR_REPLY].dropped;
}

enum sm_conn_ep_state
sm_conn_ep_state(const struct sm_conn *c, int side)
{
	return (enum sm_conn_ep_state)c->ep[side ? SM_DIR_REPLY : SM_DIR_ORIG].state;
}

static const char *const state_names[SM_CONN_STATE_MAX] = {
	[SM_CONN_S0] = "S0", [SM_CONN_S1] = "S1", [SM_CONN_SF] = "SF",
	[SM_CONN_REJ] = "REJ", [SM_CONN_S2] = "S2", [SM_CONN_S3] = "S3",
	[SM_CONN_RSTO] = "RSTO", [SM_CONN_RSTR] = "RSTR", [SM_CONN_RSTOS0] = "RSTOS0",
	[SM_CONN_RSTRH] = "RSTRH", [SM_CONN_SH] = "SH", [SM_CONN_SHR] = "SHR",
	[SM_CONN_OTH] = "OTH",
};

const char *
sm_conn_state_name(enum sm_conn_state st)
{
	return (unsigned int)st < SM_CONN_STATE_MAX ? state_names[st] : "OTH";
}

static const char *const event_names[SM_CONN_EV_MAX] = {
	[SM_CONN_EV_ESTABLISHED] = "connection_established",
	[SM_CONN_EV_REJECTED] = "connection_rejected",
	[SM_CONN_EV_RESET] = "connection_reset",
	[SM_CONN_EV_HALF_FINISHED] = "connection_half_finished",
	[SM_CONN_EV_FINISHED] = "connection_finished",
	[SM_CONN_EV_PARTIAL] = "partial_connection",
	[SM_CONN_EV_REUSED] = "connection_reused",
	[SM_CONN_EV_FLOW_LABEL_CHANGED] = "connection_flow_label_changed",
	[SM_CONN_EV_ATTEMPT] = "connection_attempt",
	[SM_CONN_EV_PARTIAL_CLOSE] = "connection_partial_close",
	[SM_CONN_EV_TIMEOUT] = "connection_timeout",
};

const char *
sm_conn_event_name(enum sm_conn_event ev)
{
	return (unsigned int)ev < SM_CONN_EV_MAX ? event_names[ev] : NULL;
}

/* conn_weird names: Zeek's where Zeek raises the same oddity, else
 * sessmon's own (lower case). */
static const struct {
	const char *name;
	bool zeek;
} weirds[SM_CONN_W_MAX] = {
	[SM_CONN_W_SYN_WITH_DATA] = { "SYN_with_data", true },
	[SM_CONN_W_TCP_CHRISTMAS] = { "TCP_christmas", true },
	[SM_CONN_W_BAROQUE_SYN] = { "baroque_SYN", true },
	[SM_CONN_W_ORIGINATOR_SYN_ACK] = { "connection_originator_SYN_ack", true },
	[SM_CONN_W_SIMULTANEOUS_OPEN] = { "simultaneous_open", true },
	[SM_CONN_W_UNSOLICITED_SYN_RESPONSE] = { "unsolicited_SYN_response", true },
	[SM_CONN_W_SPONTANEOUS_FIN] = { "spontaneous_FIN", true },
	[SM_CONN_W_SPONTANEOUS_RST] = { "spontaneous_RST", true },
	[SM_CONN_W_REPEATED_SYN_WITH_ACK] = { "repeated_SYN_with_ack", true },
	[SM_CONN_W_REPEATED_SYN_REPLY_WO_ACK] = { "repeated_SYN_reply_wo_ack", true },
	[SM_CONN_W_INAPPROPRIATE_FIN] = { "inappropriate_FIN", true },
	[SM_CONN_W_DATA_BEFORE_ESTABLISHED] = { "data_before_established", true },
	[SM_CONN_W_SYN_AFTER_PARTIAL] = { "SYN_after_partial", true },
	[SM_CONN_W_SYN_INSIDE_CONNECTION] = { "SYN_inside_connection", true },
	[SM_CONN_W_SYN_SEQ_JUMP] = { "SYN_seq_jump", true },
	[SM_CONN_W_SYN_AFTER_CLOSE] = { "SYN_after_close", true },
	[SM_CONN_W_FIN_ADVANCED_LAST_SEQ] = { "FIN_advanced_last_seq", true },
	[SM_CONN_W_SYN_AFTER_RESET] = { "SYN_after_reset", true },
	[SM_CONN_W_FIN_AFTER_RESET] = { "FIN_after_reset", true },
	[SM_CONN_W_DATA_AFTER_RESET] = { "data_after_reset", true },
	[SM_CONN_W_ACTIVE_CONNECTION_REUSE] = { "active_connection_reuse", true },
	[SM_CONN_W_SYN_FIN] = { "tcp_syn_with_fin", false },
	[SM_CONN_W_FIN_RST] = { "tcp_fin_with_rst", false },
	[SM_CONN_W_NO_ACK] = { "tcp_segment_without_ack", false },
};

const char *
sm_conn_weird_name(enum sm_conn_weird w)
{
	return (unsigned int)w < SM_CONN_W_MAX ? weirds[w].name : NULL;
}

bool
sm_conn_weird_is_zeek(enum sm_conn_weird w)
{
	return (unsigned int)w < SM_CONN_W_MAX && weirds[w].zeek;
}

static const char *const ep_names[SM_CONN_EP_MAX] = {
	[SM_CONN_EP_INACTIVE] = "INACTIVE",
	[SM_CONN_EP_SYN_SENT] = "SYN_SENT",
	[SM_CONN_EP_SYN_ACK_SENT] = "SYN_ACK_SENT",
	[SM_CONN_EP_PARTIAL] = "PARTIAL",
	[SM_CONN_EP_ESTABLISHED] = "ESTABLISHED",
	[SM_CONN_EP_CLOSED] = "CLOSED",
	[SM_CONN_EP_RESET] = "RESET",
	[SM_CONN_EP_ACTIVE] = "ACTIVE",
};

const char *
sm_conn_ep_state_name(enum sm_conn_ep_state st)
{
	return (unsigned int)st < SM_CONN_EP_MAX ? ep_names[st] : "UNKNOWN";
}
