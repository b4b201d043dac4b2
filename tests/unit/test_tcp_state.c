/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP state machine driven by whole conversations, and the timers.
 *
 * Each conversation is a list of segments between a client C (the
 * originator, state orig) and a server S (reply), written with their real
 * sequence and acknowledgement numbers. After every segment the FortiGate
 * state of the pair and the timer it selects are checked. Expected states
 * come from RFC 9293 (which obsoletes RFC 793; section numbers below are
 * RFC 9293's) for what each end has done, and from
 * ../shared/fortigate/README.md §3.2 (state digits and names) and §9
 * (timers, their defaults and which state runs on which) for how a
 * FortiGate names the pair.
 *
 * Sequence numbers: a SYN and a FIN each occupy one sequence number, a
 * FIN comes after the segment's data, and an acknowledgement number is the
 * next sequence number expected, all modulo 2^32 (RFC 9293 §3.4). So a FIN
 * sent at sequence number F is acknowledged by ack = F + 1, and only by an
 * acknowledgement at or after it.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/tcp_state.h"
#include "sessmon/timers.h"

/* Who sends a segment: index into struct sm_tcp_dir pair[2]. */
#define C 0 /* client, the originator */
#define S 1 /* server, the responder */

#define SYN SM_TCP_SYN
#define ACK SM_TCP_ACK
#define FIN SM_TCP_FIN
#define RST SM_TCP_RST
#define PSH SM_TCP_PSH

/* One segment and the FortiGate state of the pair after it. */
struct seg {
	int from;
	uint8_t flags;
	uint32_t seq;
	uint32_t ack;
	uint16_t len;
	enum sm_tcp_fgt want;
};

/*
 * The timer each state runs on (README §9, KB 384969): half-open for
 * SYN_SENT and SYN_RECV, session-ttl for ESTABLISHED, half-close for
 * FIN_WAIT and CLOSE_WAIT, the time-wait timer for TIME_WAIT and the RST
 * timer for CLOSE. NONE: FD30042 (README §3.2) gives it 10 s, the
 * half-open default; LAST_ACK: FD30042's 30 s has no FortiOS setting, and
 * timers.h documents that sessmon runs it on the half-close timer.
 */
static const enum sm_timer state_timer[SM_TCP_FGT_MAX] = {
	[SM_TCP_FGT_NONE] = SM_TIMER_TCP_HALFOPEN,
	[SM_TCP_FGT_ESTABLISHED] = SM_TIMER_SESSION_TTL,
	[SM_TCP_FGT_SYN_SENT] = SM_TIMER_TCP_HALFOPEN,
	[SM_TCP_FGT_SYN_RECV] = SM_TIMER_TCP_HALFOPEN,
	[SM_TCP_FGT_FIN_WAIT] = SM_TIMER_TCP_HALFCLOSE,
	[SM_TCP_FGT_TIME_WAIT] = SM_TIMER_TCP_TIMEWAIT,
	[SM_TCP_FGT_CLOSE] = SM_TIMER_TCP_RST,
	[SM_TCP_FGT_CLOSE_WAIT] = SM_TIMER_TCP_HALFCLOSE,
	[SM_TCP_FGT_LAST_ACK] = SM_TIMER_TCP_HALFCLOSE,
};

static void
expect_state(const struct sm_tcp_dir pair[2], enum sm_tcp_fgt want)
{
	enum sm_tcp_fgt got = sm_tcp_state_fgt(&pair[C], &pair[S]);

	assert_int_equal(got, want);
	assert_int_equal(sm_tcp_state_timer(got), state_timer[want]);
}

/* Feed @p n segments to @p pair, checking the state after each one. */
static void
run(struct sm_tcp_dir pair[2], const struct seg *segs, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const struct seg *g = &segs[i];

		enum sm_tcp_fgt got;

		sm_tcp_state_update(&pair[g->from], &pair[g->from ^ 1], g->flags, g->seq,
				    g->ack, g->len);
		got = sm_tcp_state_fgt(&pair[C], &pair[S]);
		if (got != g->want)
			fail_msg("segment %zu: state %d, expected %d", i + 1, (int)got,
				 (int)g->want);
		expect_state(pair, g->want);
	}
}

/* The three-way handshake (RFC 9293 §3.5, Figure 6), client ISS 1000 and
 * server ISS 5000; the FortiGate digit follows the client handshake:
 * SYN gives 2, SYN/ACK 3, the final ACK 1 (README §3.2). */
#define HANDSHAKE \
	{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_SENT }, \
	{ S, SYN | ACK, 5000, 1001, 0, SM_TCP_FGT_SYN_RECV }, \
	{ C, ACK, 1001, 5001, 0, SM_TCP_FGT_ESTABLISHED }

static void
test_handshake_and_active_close(void **state)
{
	static const struct seg segs[] = {
		HANDSHAKE,
		/* 100 bytes each way: C's data is 1001..1100, S's 5001..5200. */
		{ C, PSH | ACK, 1001, 5001, 100, SM_TCP_FGT_ESTABLISHED },
		{ S, PSH | ACK, 5001, 1101, 200, SM_TCP_FGT_ESTABLISHED },
		/* C closes: its FIN is sequence number 1101. One FIN, not yet
		 * acknowledged: half-closed, FIN_WAIT 4 (README §3.2). */
		{ C, FIN | ACK, 1101, 5201, 0, SM_TCP_FGT_FIN_WAIT },
		/* S acknowledges it with 1101 + 1 = 1102; S is in CLOSE-WAIT
		 * (RFC 9293 §3.6, Figure 12): CLOSE_WAIT 7. */
		{ S, ACK, 5201, 1102, 0, SM_TCP_FGT_CLOSE_WAIT },
		/* S closes, FIN at 5201, and waits for its ACK: LAST-ACK,
		 * LAST_ACK 8. */
		{ S, FIN | ACK, 5201, 1102, 0, SM_TCP_FGT_LAST_ACK },
		/* C acknowledges S's FIN with 5202 and enters TIME-WAIT
		 * (Figure 12): TIME_WAIT 5. */
		{ C, ACK, 1102, 5202, 0, SM_TCP_FGT_TIME_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].fin_seq, 1101);
	assert_int_equal(pair[S].fin_seq, 5201);
	assert_int_equal(pair[C].fin_acked, 1);
	assert_int_equal(pair[S].fin_acked, 1);
	/* Each side sent SYN (S within its SYN-ACK), ACK, PSH and FIN. */
	assert_int_equal(pair[C].seen, SYN | ACK | PSH | FIN);
	assert_int_equal(pair[S].seen, SYN | ACK | PSH | FIN);
}

static void
test_handshake_endpoint_states(void **state)
{
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	/* What each end has done, as tcp_state.h's enum sm_tcp_ep names it. */
	sm_tcp_state_update(&pair[C], &pair[S], SYN, 1000, 0, 0);
	assert_int_equal(pair[C].ep, SM_TCP_EP_SYN_SENT);
	assert_int_equal(pair[S].ep, SM_TCP_EP_INACTIVE);
	assert_int_equal(pair[C].seen, SYN);
	sm_tcp_state_update(&pair[S], &pair[C], SYN | ACK, 5000, 1001, 0);
	assert_int_equal(pair[S].ep, SM_TCP_EP_SYN_ACK_SENT);
	assert_int_equal(pair[S].seen, SYN | ACK);
	sm_tcp_state_update(&pair[C], &pair[S], ACK, 1001, 5001, 0);
	assert_int_equal(pair[C].ep, SM_TCP_EP_ESTABLISHED);
	/* The server completes its side with its own first ACK. */
	assert_int_equal(pair[S].ep, SM_TCP_EP_SYN_ACK_SENT);
	sm_tcp_state_update(&pair[S], &pair[C], ACK, 5001, 1001, 0);
	assert_int_equal(pair[S].ep, SM_TCP_EP_ESTABLISHED);
}

static void
test_passive_side_closes_first(void **state)
{
	/* The same close started by the server: which side sends the first
	 * FIN does not change the FortiGate state (README §3.2 numbers the
	 * session, not an end). */
	static const struct seg segs[] = {
		HANDSHAKE,
		{ S, FIN | ACK, 5001, 1001, 0, SM_TCP_FGT_FIN_WAIT },
		{ C, ACK, 1001, 5002, 0, SM_TCP_FGT_CLOSE_WAIT },
		{ C, FIN | ACK, 1001, 5002, 0, SM_TCP_FGT_LAST_ACK },
		{ S, ACK, 5002, 1002, 0, SM_TCP_FGT_TIME_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_fin_with_payload(void **state)
{
	static const struct seg segs[] = {
		HANDSHAKE,
		/* 100 bytes and the FIN in one segment: data 1001..1100, the
		 * FIN is 1001 + 100 = 1101. */
		{ C, FIN | PSH | ACK, 1001, 5001, 100, SM_TCP_FGT_FIN_WAIT },
		/* ack 1100 covers only the first 99 bytes. */
		{ S, ACK, 5001, 1100, 0, SM_TCP_FGT_FIN_WAIT },
		/* ack 1101 covers all the data but not the FIN. */
		{ S, ACK, 5001, 1101, 0, SM_TCP_FGT_FIN_WAIT },
		/* The FIN retransmitted, unchanged. */
		{ C, FIN | PSH | ACK, 1001, 5001, 100, SM_TCP_FGT_FIN_WAIT },
		/* ack 1102 = FIN + 1 acknowledges the FIN. */
		{ S, ACK, 5001, 1102, 0, SM_TCP_FGT_CLOSE_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].fin_seq, 1101);
}

static void
test_sequence_wrap(void **state)
{
	/* Client ISS 0xfffffff0: its SYN is 0xfffffff0, data starts at
	 * 0xfffffff1; 14 bytes take it to 0xfffffffe, so the FIN is at
	 * 0xffffffff and its acknowledgement is 0xffffffff + 1 = 0 modulo
	 * 2^32 (RFC 9293 §3.4). */
	static const struct seg segs[] = {
		{ C, SYN, 0xfffffff0, 0, 0, SM_TCP_FGT_SYN_SENT },
		{ S, SYN | ACK, 0x7ffffff0, 0xfffffff1, 0, SM_TCP_FGT_SYN_RECV },
		{ C, ACK, 0xfffffff1, 0x7ffffff1, 0, SM_TCP_FGT_ESTABLISHED },
		{ C, PSH | ACK, 0xfffffff1, 0x7ffffff1, 14, SM_TCP_FGT_ESTABLISHED },
		{ C, FIN | ACK, 0xffffffff, 0x7ffffff1, 0, SM_TCP_FGT_FIN_WAIT },
		/* Below the FIN: acknowledges the data only. */
		{ S, ACK, 0x7ffffff1, 0xffffffff, 0, SM_TCP_FGT_FIN_WAIT },
		/* 0 is after 0xffffffff in sequence space. */
		{ S, ACK, 0x7ffffff1, 0, 0, SM_TCP_FGT_CLOSE_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].fin_seq, 0xffffffff);
}

static void
test_fin_payload_across_wrap(void **state)
{
	/* 16 bytes from 0xfffffff8 are 0xfffffff8..0x7 (wrapping through 0),
	 * so the FIN is 0x8 and is acknowledged by 0x9, not by 0x8 nor by
	 * anything "numerically large" before the wrap. */
	static const struct seg segs[] = {
		{ C, ACK, 0xfffffff8, 77, 0, SM_TCP_FGT_ESTABLISHED },
		{ C, FIN | PSH | ACK, 0xfffffff8, 77, 16, SM_TCP_FGT_FIN_WAIT },
		{ S, ACK, 77, 0xfffffffc, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, ACK, 77, 0x8, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, ACK, 77, 0x9, 0, SM_TCP_FGT_CLOSE_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].fin_seq, 0x8);
}

static void
test_syn_fin_occupies_two_numbers(void **state)
{
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	/* A SYN carrying a FIN: the SYN is 100, the FIN 101 (both occupy a
	 * number), so the FIN needs ack 102. */
	sm_tcp_state_update(&pair[C], &pair[S], SYN | FIN, 100, 0, 0);
	assert_int_equal(pair[C].fin_seq, 101);
	sm_tcp_state_update(&pair[S], &pair[C], ACK, 0, 101, 0);
	assert_int_equal(pair[C].fin_acked, 0);
	sm_tcp_state_update(&pair[S], &pair[C], ACK, 0, 102, 0);
	assert_int_equal(pair[C].fin_acked, 1);
}

static void
test_simultaneous_close(void **state)
{
	/*
	 * Both ends send a FIN before seeing the other's (RFC 9293 §3.6,
	 * Figure 13): S's FIN acknowledges C's data (1001) but not C's FIN.
	 * With both FINs sent and neither acknowledged, each end waits for
	 * the acknowledgement of its own FIN, which is what LAST-ACK means
	 * (§3.3.2): LAST_ACK 8, and still 8 while one FIN is unacknowledged.
	 * With both acknowledged, both ends are in TIME-WAIT (Figure 13).
	 */
	static const struct seg segs[] = {
		HANDSHAKE,
		{ C, FIN | ACK, 1001, 5001, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, FIN | ACK, 5001, 1001, 0, SM_TCP_FGT_LAST_ACK },
		{ C, ACK, 1002, 5002, 0, SM_TCP_FGT_LAST_ACK },
		{ S, ACK, 5002, 1002, 0, SM_TCP_FGT_TIME_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_fin_acked_by_peer_fin(void **state)
{
	/* S's FIN carries the ACK of C's FIN (1002), the three-segment
	 * close: one FIN acknowledged and S waiting in LAST-ACK. */
	static const struct seg segs[] = {
		HANDSHAKE,
		{ C, FIN | ACK, 1001, 5001, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, FIN | ACK, 5001, 1002, 0, SM_TCP_FGT_LAST_ACK },
		{ C, ACK, 1002, 5002, 0, SM_TCP_FGT_TIME_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_rst_from_client(void **state)
{
	/* A reset ends the connection (RFC 9293 §3.5.3): CLOSE 6 on the
	 * RST timer (README §3.2, §9); later segments do not revive it. */
	static const struct seg segs[] = {
		HANDSHAKE,
		{ C, RST, 1001, 0, 0, SM_TCP_FGT_CLOSE },
		{ S, PSH | ACK, 5001, 1001, 10, SM_TCP_FGT_CLOSE },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_rst_from_server(void **state)
{
	static const struct seg segs[] = {
		HANDSHAKE,
		{ S, RST | ACK, 5001, 1001, 0, SM_TCP_FGT_CLOSE },
		{ C, ACK, 1001, 5001, 0, SM_TCP_FGT_CLOSE },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_refused_connection(void **state)
{
	/* A SYN to a closed port is answered by <SEQ=0><ACK=SEG.SEQ+SEG.LEN>
	 * <CTL=RST,ACK> (RFC 9293 §3.10.7.1), the SYN counting in SEG.LEN:
	 * ack 1000 + 1. */
	static const struct seg segs[] = {
		{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_SENT },
		{ S, RST | ACK, 0, 1001, 0, SM_TCP_FGT_CLOSE },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_rst_after_fin(void **state)
{
	/* A reset in the middle of a close still ends it: CLOSE, not
	 * FIN_WAIT or CLOSE_WAIT. */
	static const struct seg segs[] = {
		HANDSHAKE,
		{ C, FIN | ACK, 1001, 5001, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, ACK, 5001, 1002, 0, SM_TCP_FGT_CLOSE_WAIT },
		{ S, RST, 5001, 0, 0, SM_TCP_FGT_CLOSE },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_capture_starts_at_synack(void **state)
{
	/* C's SYN was not captured. The receiver of the SYN-ACK is the
	 * originator (../shared/traces/README.md), so the SYN-ACK is sent by
	 * the reply side: SYN/ACK gives 3, the final ACK 1 (README §3.2). */
	static const struct seg segs[] = {
		{ S, SYN | ACK, 5000, 1001, 0, SM_TCP_FGT_SYN_RECV },
		{ C, ACK, 1001, 5001, 0, SM_TCP_FGT_ESTABLISHED },
		{ C, PSH | ACK, 1001, 5001, 50, SM_TCP_FGT_ESTABLISHED },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_mid_stream_pickup(void **state)
{
	/*
	 * The capture starts mid-connection: data and ACKs without any SYN.
	 * Data flows only once a connection is synchronized (RFC 9293
	 * §3.10.7.4), and no FIN or RST has been seen: ESTABLISHED. A close
	 * seen afterwards runs as usual.
	 */
	static const struct seg segs[] = {
		{ C, PSH | ACK, 123456, 654321, 50, SM_TCP_FGT_ESTABLISHED },
		{ S, ACK, 654321, 123506, 0, SM_TCP_FGT_ESTABLISHED },
		{ C, FIN | ACK, 123506, 654321, 0, SM_TCP_FGT_FIN_WAIT },
		{ S, ACK, 654321, 123507, 0, SM_TCP_FGT_CLOSE_WAIT },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].ep, SM_TCP_EP_CLOSED);
}

static void
test_mid_stream_reply_first(void **state)
{
	/* The first segment captured is the server's: still ESTABLISHED. */
	static const struct seg segs[] = {
		{ S, ACK, 654321, 123456, 0, SM_TCP_FGT_ESTABLISHED },
		{ C, PSH | ACK, 123456, 654321, 50, SM_TCP_FGT_ESTABLISHED },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_null_scan(void **state)
{
	/* A NULL-scan probe (no flags) is no handshake step: NONE 0, on the
	 * half-open timer (FD30042's 10 s). The closed port answers
	 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> (RFC 9293 §3.10.7.1). */
	static const struct seg segs[] = {
		{ C, 0, 4242, 0, 0, SM_TCP_FGT_NONE },
		{ C, 0, 4242, 0, 0, SM_TCP_FGT_NONE },
		{ S, RST | ACK, 0, 4242, 0, SM_TCP_FGT_CLOSE },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
}

static void
test_syn_retransmitted(void **state)
{
	/* A SYN sent again (no answer yet) is still a connection attempt:
	 * SYN_SENT. A SYN sent again after the SYN-ACK (the SYN-ACK was lost
	 * on its way to C) does not undo the SYN-ACK. */
	static const struct seg segs[] = {
		{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_SENT },
		{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_SENT },
		{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_SENT },
		{ S, SYN | ACK, 5000, 1001, 0, SM_TCP_FGT_SYN_RECV },
		{ C, SYN, 1000, 0, 0, SM_TCP_FGT_SYN_RECV },
		{ S, SYN | ACK, 5000, 1001, 0, SM_TCP_FGT_SYN_RECV },
		{ C, ACK, 1001, 5001, 0, SM_TCP_FGT_ESTABLISHED },
	};
	struct sm_tcp_dir pair[2] = { 0 };

	(void)state;
	run(pair, segs, SM_ARRAY_SIZE(segs));
	assert_int_equal(pair[C].ep, SM_TCP_EP_ESTABLISHED);
}

static void
test_state_names(void **state)
{
	/* `diagnose sys session stat` names, indexed by proto_state digit
	 * (README §3.2, the FD30042 table and the stat list). */
	static const char *const names[SM_TCP_FGT_MAX] = {
		"NONE", "ESTABLISHED", "SYN_SENT", "SYN_RECV", "FIN_WAIT",
		"TIME_WAIT", "CLOSE", "CLOSE_WAIT", "LAST_ACK", "LISTEN",
	};

	(void)state;
	assert_int_equal(SM_TCP_FGT_MAX, 10);
	for (int i = 0; i < SM_TCP_FGT_MAX; i++)
		assert_string_equal(sm_tcp_state_fgt_name((enum sm_tcp_fgt)i), names[i]);
	/* Out of range still prints something. */
	assert_non_null(sm_tcp_state_fgt_name(SM_TCP_FGT_MAX));
}

static void
test_state_timer_seconds(void **state)
{
	/* The seconds each state lasts with FortiOS's defaults (README §9):
	 * half-open 10, session-ttl 3600, half-close 120, time-wait 1,
	 * RST 5. */
	static const uint32_t secs[] = {
		[SM_TCP_FGT_NONE] = 10,
		[SM_TCP_FGT_ESTABLISHED] = 3600,
		[SM_TCP_FGT_SYN_SENT] = 10,
		[SM_TCP_FGT_SYN_RECV] = 10,
		[SM_TCP_FGT_FIN_WAIT] = 120,
		[SM_TCP_FGT_TIME_WAIT] = 1,
		[SM_TCP_FGT_CLOSE] = 5,
		[SM_TCP_FGT_CLOSE_WAIT] = 120,
		[SM_TCP_FGT_LAST_ACK] = 120,
	};
	struct sm_timers t;

	(void)state;
	sm_timers_default(&t);
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(secs); i++)
		assert_int_equal(t.sec[sm_tcp_state_timer((enum sm_tcp_fgt)i)], secs[i]);
}

static void
test_timers_default(void **state)
{
	struct sm_timers t;

	(void)state;
	memset(&t, 0xa5, sizeof(t));
	sm_timers_default(&t);
	/* README §9: session-ttl 3600, tcp-halfopen-timer 10,
	 * tcp-halfclose-timer 120, tcp-timewait-timer 1, tcp-rst-timer 5,
	 * udp-idle-timer 180 (observed), ICMP about 60 (observed). */
	assert_int_equal(t.sec[SM_TIMER_SESSION_TTL], 3600);
	assert_int_equal(t.sec[SM_TIMER_TCP_HALFOPEN], 10);
	assert_int_equal(t.sec[SM_TIMER_TCP_HALFCLOSE], 120);
	assert_int_equal(t.sec[SM_TIMER_TCP_TIMEWAIT], 1);
	assert_int_equal(t.sec[SM_TIMER_TCP_RST], 5);
	assert_int_equal(t.sec[SM_TIMER_UDP_IDLE], 180);
	assert_int_equal(t.sec[SM_TIMER_ICMP_IDLE], 60);
}

static void
test_timers_names(void **state)
{
	(void)state;
	/* FortiOS setting names (README §9; ICMP has no knob, timers.h
	 * names it icmp-idle-timer). */
	assert_string_equal(sm_timers_name(SM_TIMER_SESSION_TTL), "session-ttl");
	assert_string_equal(sm_timers_name(SM_TIMER_TCP_HALFOPEN), "tcp-halfopen-timer");
	assert_string_equal(sm_timers_name(SM_TIMER_TCP_HALFCLOSE), "tcp-halfclose-timer");
	assert_string_equal(sm_timers_name(SM_TIMER_TCP_TIMEWAIT), "tcp-timewait-timer");
	assert_string_equal(sm_timers_name(SM_TIMER_TCP_RST), "tcp-rst-timer");
	assert_string_equal(sm_timers_name(SM_TIMER_UDP_IDLE), "udp-idle-timer");
	assert_string_equal(sm_timers_name(SM_TIMER_ICMP_IDLE), "icmp-idle-timer");
}

static void
test_timers_set_ok(void **state)
{
	struct sm_timers t, want;

	(void)state;
	sm_timers_default(&t);
	want = t;
	assert_int_equal(sm_timers_set(&t, "udp-idle-timer=30"), 0);
	want.sec[SM_TIMER_UDP_IDLE] = 30;
	assert_memory_equal(&t, &want, sizeof(t));
	/* 0 is allowed for the time-wait timer only (KB 269332, README §9). */
	assert_int_equal(sm_timers_set(&t, "tcp-timewait-timer=0"), 0);
	want.sec[SM_TIMER_TCP_TIMEWAIT] = 0;
	assert_memory_equal(&t, &want, sizeof(t));
	/* The largest value timers.h accepts: 315360000 s (ten years). */
	assert_int_equal(sm_timers_set(&t, "session-ttl=315360000"), 0);
	want.sec[SM_TIMER_SESSION_TTL] = 315360000;
	assert_int_equal(sm_timers_set(&t, "icmp-idle-timer=1"), 0);
	want.sec[SM_TIMER_ICMP_IDLE] = 1;
	assert_memory_equal(&t, &want, sizeof(t));
}

static void
test_timers_set_rejected(void **state)
{
	static const char *const bad[] = {
		"udp-idle=30",               /* unknown name */
		"udp-idle-timerx=30",        /* a known name plus more */
		"session-tt=30",             /* a known name cut short */
		"=30",                       /* no name */
		"x=",                        /* no value */
		"udp-idle-timer=",           /* no value */
		"udp-idle-timer",            /* no '=' */
		"",
		"tcp-rst-timer=0",           /* 0 only for the time-wait timer */
		"session-ttl=0",
		"session-ttl=315360001",     /* above ten years */
		"session-ttl=18446744073709551616", /* 2^64: overflows */
		"udp-idle-timer=30s",        /* trailing garbage */
		"udp-idle-timer=30 ",
		"udp-idle-timer=3 0",
		"udp-idle-timer=-1",         /* signs are not numbers of seconds */
		"udp-idle-timer=+1",
		"udp-idle-timer= 1",
		"udp-idle-timer==1",
		"udp-idle-timer=0x10",
	};
	struct sm_timers t, want;

	(void)state;
	sm_timers_default(&t);
	want = t;
	for (unsigned int i = 0; i < SM_ARRAY_SIZE(bad); i++) {
		if (sm_timers_set(&t, bad[i]) != -EINVAL)
			fail_msg("\"%s\" not rejected with -EINVAL", bad[i]);
		/* A rejected assignment changes nothing. */
		assert_memory_equal(&t, &want, sizeof(t));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_active_close),
		cmocka_unit_test(test_handshake_endpoint_states),
		cmocka_unit_test(test_passive_side_closes_first),
		cmocka_unit_test(test_fin_with_payload),
		cmocka_unit_test(test_sequence_wrap),
		cmocka_unit_test(test_fin_payload_across_wrap),
		cmocka_unit_test(test_syn_fin_occupies_two_numbers),
		cmocka_unit_test(test_simultaneous_close),
		cmocka_unit_test(test_fin_acked_by_peer_fin),
		cmocka_unit_test(test_rst_from_client),
		cmocka_unit_test(test_rst_from_server),
		cmocka_unit_test(test_refused_connection),
		cmocka_unit_test(test_rst_after_fin),
		cmocka_unit_test(test_capture_starts_at_synack),
		cmocka_unit_test(test_mid_stream_pickup),
		cmocka_unit_test(test_mid_stream_reply_first),
		cmocka_unit_test(test_null_scan),
		cmocka_unit_test(test_syn_retransmitted),
		cmocka_unit_test(test_state_names),
		cmocka_unit_test(test_state_timer_seconds),
		cmocka_unit_test(test_timers_default),
		cmocka_unit_test(test_timers_names),
		cmocka_unit_test(test_timers_set_ok),
		cmocka_unit_test(test_timers_set_rejected),
	};

	return cmocka_run_group_tests_name("tcp_state", tests, NULL, NULL);
}
