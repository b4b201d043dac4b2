/* SPDX-License-Identifier: BSD-3-Clause */
#include "sessmon/pkt.h"
#include "sessmon/tcp_state.h"

/* What a segment means to its sender's endpoint machine. */
enum tcp_event {
	EV_SYN,     /* SYN without ACK */
	EV_SYNACK,  /* SYN with ACK */
	EV_FIN,     /* FIN (with or without ACK) */
	EV_RST,     /* RST, whatever else is set */
	EV_ACK,     /* ACK, no SYN/FIN/RST: data or a bare acknowledgement */
	EV_NOACK,   /* none of SYN/FIN/RST/ACK: a NULL-scan probe */
	EV_MAX
};

#define I SM_TCP_EP_INACTIVE
#define S SM_TCP_EP_SYN_SENT
#define A SM_TCP_EP_SYN_ACK_SENT
#define P SM_TCP_EP_PARTIAL
#define E SM_TCP_EP_ESTABLISHED
#define C SM_TCP_EP_CLOSED
#define R SM_TCP_EP_RESET

/*
 * Next endpoint state by [event][state]. An endpoint completes its side of
 * the handshake with its first ACK after its own SYN or SYN-ACK; data
 * without a handshake we saw leaves it PARTIAL (the capture began
 * mid-stream). A FIN or RST is final: port reuse inside one session's
 * lifetime is not split out, as the expected files do not split it.
 */
static const uint8_t ep_next[EV_MAX][SM_TCP_EP_MAX] = {
	/*             I  S  A  P  E  C  R */
	[EV_SYN]    = { S, S, A, P, E, C, R },
	[EV_SYNACK] = { A, A, A, P, E, C, R },
	[EV_FIN]    = { C, C, C, C, C, C, R },
	[EV_RST]    = { R, R, R, R, R, R, R },
	[EV_ACK]    = { P, E, E, P, E, C, R },
	[EV_NOACK]  = { I, S, A, P, E, C, R },
};

#undef I
#undef S
#undef A
#undef P
#undef E
#undef C
#undef R

static enum tcp_event
classify(uint8_t flags)
{
	if (flags & SM_TCP_RST)
		return EV_RST;
	if (flags & SM_TCP_FIN)
		return EV_FIN;
	if (flags & SM_TCP_SYN)
		return (flags & SM_TCP_ACK) ? EV_SYNACK : EV_SYN;
	return (flags & SM_TCP_ACK) ? EV_ACK : EV_NOACK;
}

/* Serial-number arithmetic (RFC 1982): a is at or after b. */
static inline int
seq_geq(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) >= 0;
}

void
sm_tcp_state_update(struct sm_tcp_dir *dir, struct sm_tcp_dir *peer, uint8_t tcp_flags,
		    uint32_t seq, uint32_t ack, uint16_t payload_len)
{
	enum tcp_event ev = classify(tcp_flags);

	if (ev == EV_FIN && dir->ep != SM_TCP_EP_CLOSED && dir->ep != SM_TCP_EP_RESET)
		dir->fin_seq = seq + payload_len + ((tcp_flags & SM_TCP_SYN) ? 1 : 0);
	dir->ep = ep_next[ev][dir->ep];
	dir->seen |= tcp_flags;
	/* A FIN occupies one sequence number: it is acknowledged by ack >= fin + 1. */
	if ((tcp_flags & SM_TCP_ACK) && peer->ep == SM_TCP_EP_CLOSED && !peer->fin_acked &&
	    seq_geq(ack, peer->fin_seq + 1))
		peer->fin_acked = 1;
}

/* The pair's state before any FIN or RST, by [orig][reply] endpoint state
 * (CLOSED and RESET are handled first). A session seen from its SYN-ACK
 * (orig inactive, reply SYN_ACK_SENT) is half-open like one that saw both. */
#define N SM_TCP_FGT_NONE
#define O SM_TCP_FGT_ESTABLISHED
#define Y SM_TCP_FGT_SYN_SENT
#define V SM_TCP_FGT_SYN_RECV
static const uint8_t open_state[SM_TCP_EP_ESTABLISHED + 1][SM_TCP_EP_ESTABLISHED + 1] = {
	/* reply:               I  S  A  P  E */
	[SM_TCP_EP_INACTIVE]  = { N, Y, V, O, O },
	[SM_TCP_EP_SYN_SENT]  = { Y, Y, V, O, O },
	[SM_TCP_EP_SYN_ACK_SENT] = { V, V, V, O, O },
	[SM_TCP_EP_PARTIAL]   = { O, O, O, O, O },
	[SM_TCP_EP_ESTABLISHED] = { O, O, O, O, O },
};
#undef N
#undef O
#undef Y
#undef V

enum sm_tcp_fgt
sm_tcp_state_fgt(const struct sm_tcp_dir *orig, const struct sm_tcp_dir *reply)
{
	unsigned int fins = (orig->ep == SM_TCP_EP_CLOSED) + (reply->ep == SM_TCP_EP_CLOSED);
	unsigned int acked = orig->fin_acked + reply->fin_acked;

	if (orig->ep == SM_TCP_EP_RESET || reply->ep == SM_TCP_EP_RESET)
		return SM_TCP_FGT_CLOSE;
	if (fins == 2)
		return acked == 2 ? SM_TCP_FGT_TIME_WAIT : SM_TCP_FGT_LAST_ACK;
	if (fins == 1)
		return acked == 1 ? SM_TCP_FGT_CLOSE_WAIT : SM_TCP_FGT_FIN_WAIT;
	return (enum sm_tcp_fgt)open_state[orig->ep][reply->ep];
}

static const struct {
	const char *name;
	enum sm_timer timer;
} fgt_states[SM_TCP_FGT_MAX] = {
	[SM_TCP_FGT_NONE] = { "NONE", SM_TIMER_TCP_HALFOPEN },
	[SM_TCP_FGT_ESTABLISHED] = { "ESTABLISHED", SM_TIMER_SESSION_TTL },
	[SM_TCP_FGT_SYN_SENT] = { "SYN_SENT", SM_TIMER_TCP_HALFOPEN },
	[SM_TCP_FGT_SYN_RECV] = { "SYN_RECV", SM_TIMER_TCP_HALFOPEN },
	[SM_TCP_FGT_FIN_WAIT] = { "FIN_WAIT", SM_TIMER_TCP_HALFCLOSE },
	[SM_TCP_FGT_TIME_WAIT] = { "TIME_WAIT", SM_TIMER_TCP_TIMEWAIT },
	[SM_TCP_FGT_CLOSE] = { "CLOSE", SM_TIMER_TCP_RST },
	[SM_TCP_FGT_CLOSE_WAIT] = { "CLOSE_WAIT", SM_TIMER_TCP_HALFCLOSE },
	[SM_TCP_FGT_LAST_ACK] = { "LAST_ACK", SM_TIMER_TCP_HALFCLOSE },
	[SM_TCP_FGT_LISTEN] = { "LISTEN", SM_TIMER_TCP_HALFOPEN },
};

enum sm_timer
sm_tcp_state_timer(enum sm_tcp_fgt st)
{
	return (unsigned int)st < SM_TCP_FGT_MAX ? fgt_states[st].timer : SM_TIMER_TCP_HALFOPEN;
}

const char *
sm_tcp_state_fgt_name(enum sm_tcp_fgt st)
{
	return (unsigned int)st < SM_TCP_FGT_MAX ? fgt_states[st].name : "UNKNOWN";
}

static const char *const ep_names[SM_TCP_EP_MAX] = {
	[SM_TCP_EP_INACTIVE] = "INACTIVE",
	[SM_TCP_EP_SYN_SENT] = "SYN_SENT",
	[SM_TCP_EP_SYN_ACK_SENT] = "SYN_ACK_SENT",
	[SM_TCP_EP_PARTIAL] = "PARTIAL",
	[SM_TCP_EP_ESTABLISHED] = "ESTABLISHED",
	[SM_TCP_EP_CLOSED] = "CLOSED",
	[SM_TCP_EP_RESET] = "RESET",
};

const char *
sm_tcp_state_ep_name(enum sm_tcp_ep ep)
{
	return (unsigned int)ep < SM_TCP_EP_MAX ? ep_names[ep] : "UNKNOWN";
}
