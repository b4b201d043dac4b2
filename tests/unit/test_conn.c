/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Zeek's connection analysis: conn_state, history and the connection events
 * of packet sequences, then of whole captures.
 *
 * Expected values come from Zeek (github.com/zeek/zeek at a13de64, the
 * commit the shared baselines were made with):
 *   [doc]   scripts/base/protocols/conn/main.zeek: conn_state meanings
 *           (lines 54-90), history letters and their repeat rules
 *           (111-143), conn_state() (184-241);
 *   [tcp]   src/packet_analysis/protocol/tcp/TCPSessionAdapter.cc:
 *           update_history() (192), update_window() (242), the
 *           Update*State() functions (722-960), ConnectionClosed() (1197),
 *           AttemptTimer() (1068), PartialCloseTimer() (1083), IsReuse()
 *           (1375), SynWeirds() (1469);
 *   [flow]  src/Conn.cc Connection::CheckFlowLabel() (402);
 *   [scale] src/session/Session.cc ScaledHistoryEntry() (208);
 * and from the conn.log baselines Zeek's own tests produced for the shared
 * captures (../shared/traces/expected/thirdparty/zeek, read by the capture
 * test at the end; rows quoted where a sequence copies one).
 *
 * Sequence numbers: the client (originator) starts at 1000, the server at
 * 5000; a SYN and a FIN take one sequence number each (RFC 9293 §3.4).
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <pcap/pcap.h>

#include "sessmon/common.h"
#include "sessmon/conn.h"
#include "sessmon/pkt.h"

#define C 1 /* sent by the client, the originator */
#define S 2 /* sent by the server, the responder */

#define SYN SM_TCP_SYN
#define ACK SM_TCP_ACK
#define FIN SM_TCP_FIN
#define RST SM_TCP_RST
#define PSH SM_TCP_PSH

#define EV(e) SM_CONN_EVF(SM_CONN_EV_##e)
#define W(w) SM_CONN_WF(SM_CONN_W_##w)

/* One packet, the events it must raise and the weirds it must show. */
struct pk {
	int from;          /* C or S; 0 ends the list */
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t len;
	uint16_t win;
	uint32_t ev, weird;
};

#define P(from, fl, seq, ack, len, ev, w) { from, fl, seq, ack, len, 65535, ev, w }
#define PW(from, fl, seq, ack, len, win) { from, fl, seq, ack, len, win, 0, 0 }

/* The classic handshake: SYN, SYN-ACK (connection_established), ACK. */
#define HANDSHAKE \
	P(C, SYN, 1000, 0, 0, 0, 0), \
	P(S, SYN | ACK, 5000, 1001, 0, EV(ESTABLISHED), 0), \
	P(C, ACK, 1001, 5001, 0, 0, 0)

struct row {
	const char *name;
	uint8_t proto;
	bool flipped;
	enum sm_conn_state want;
	const char *hist;
	uint32_t expire; /* sm_conn_expire() afterwards */
	struct pk pk[12];
};

static const struct row rows[] = {
	/* conn.log of zeek_http_get (core.tcp.reassembly-known-ports):
	 * "tcp http ... SF ... ShADadFf". connection_finished at the second
	 * FIN, the close being complete then (ConnectionClosed()). */
	{ "sf_handshake_data_fin", IPPROTO_TCP, false, SM_CONN_SF, "ShADadFf", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, ACK | PSH, 1001, 5001, 100, 0, 0),
		P(S, ACK, 5001, 1101, 0, 0, 0),
		P(S, ACK | PSH, 5001, 1101, 200, 0, 0),
		P(C, ACK, 1101, 5201, 0, 0, 0),
		P(C, FIN | ACK, 1101, 5201, 0, 0, 0),
		P(S, FIN | ACK, 5201, 1102, 0, EV(FINISHED), 0),
		P(C, ACK, 1102, 5202, 0, 0, 0),
	} },
	/* [doc] REJ "connection attempt rejected"; [tcp] UpdateInactiveState:
	 * a responder's RST to a SYN_SENT originator is connection_rejected. */
	{ "rej", IPPROTO_TCP, false, SM_CONN_REJ, "Sr", EV(TIMEOUT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(S, RST | ACK, 0, 1001, 0, EV(REJECTED), 0),
	} },
	/* [doc] S0 "attempt seen, no reply"; a SYN repeated with the same
	 * sequence number is neither a new letter ([tcp] update_history: S is
	 * logged again only for a new sequence number) nor a reuse
	 * (IsReuse: same start). AttemptTimer: connection_attempt. */
	{ "s0_retransmitted_syn", IPPROTO_TCP, false, SM_CONN_S0, "S", EV(ATTEMPT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(C, SYN, 1000, 0, 0, 0, 0),
	} },
	/* [doc] S1 "established, not terminated": conn.log of
	 * zeek_wikipedia_http_dns (opt.basic) "tcp http ... S1 ... ShADad". */
	{ "s1", IPPROTO_TCP, false, SM_CONN_S1, "ShADad", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, ACK | PSH, 1001, 5001, 300, 0, 0),
		P(S, ACK, 5001, 1301, 0, 0, 0),
		P(S, ACK | PSH, 5001, 1301, 400, 0, 0),
		P(C, ACK, 1301, 5401, 0, 0, 0),
	} },
	/* [doc] RSTO "established, originator aborted"; [tcp]
	 * UpdateEstablishedState: a RST is connection_reset. */
	{ "rsto", IPPROTO_TCP, false, SM_CONN_RSTO, "ShAR", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, RST, 1001, 0, 0, EV(RESET), 0),
	} },
	/* [doc] RSTR "responder sent a RST". */
	{ "rstr", IPPROTO_TCP, false, SM_CONN_RSTR, "ShAr", EV(TIMEOUT), {
		HANDSHAKE,
		P(S, RST, 5001, 0, 0, EV(RESET), 0),
	} },
	/* [doc] RSTOS0 "originator sent a SYN followed by a RST, no SYN-ACK";
	 * conn_state() matches /^?S[^HAFGIQ]*R.* / on the history. [tcp]
	 * UpdateSYN_SentState: the RST is connection_reset. */
	{ "rstos0", IPPROTO_TCP, false, SM_CONN_RSTOS0, "SR", EV(TIMEOUT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(C, RST, 1001, 0, 0, EV(RESET), 0),
	} },
	/* Originator RST with a silent responder but no SYN first: OTH
	 * (conn_state(): the RSTOS0 pattern fails). Its RST is its first
	 * packet, to a silent peer: spontaneous_RST ([tcp] UpdateInactiveState). */
	{ "rst_alone_oth", IPPROTO_TCP, false, SM_CONN_OTH, "R", EV(TIMEOUT), {
		P(C, RST, 1000, 0, 0, 0, W(SPONTANEOUS_RST)),
	} },
	/* [doc] RSTRH "responder sent a SYN ACK followed by a RST, no SYN
	 * seen". The SYN-ACK came first, so its receiver is the originator:
	 * history starts with '^' ([doc] "connection direction was flipped").
	 * [tcp] UpdateInactiveState: an answer to no SYN is
	 * unsolicited_SYN_response but still connection_established. */
	{ "rstrh", IPPROTO_TCP, true, SM_CONN_RSTRH, "^hr", EV(TIMEOUT), {
		P(S, SYN | ACK, 5000, 1001, 0, EV(ESTABLISHED), W(UNSOLICITED_SYN_RESPONSE)),
		P(S, RST, 5001, 0, 0, EV(RESET), 0),
	} },
	/* conn.log of zeek_wikipedia_http_dns (opt.basic): a lone SYN-ACK,
	 * "tcp - ... OTH ... ^h". */
	{ "lone_syn_ack", IPPROTO_TCP, true, SM_CONN_OTH, "^h", EV(TIMEOUT), {
		P(S, SYN | ACK, 5000, 1001, 0, EV(ESTABLISHED), W(UNSOLICITED_SYN_RESPONSE)),
	} },
	/* [doc] SH "originator sent a SYN followed by a FIN"; [tcp]
	 * UpdateSYN_SentState: a FIN to a silent peer is inappropriate_FIN;
	 * ConnectionClosed: the peer is inactive, connection_half_finished. */
	{ "sh", IPPROTO_TCP, false, SM_CONN_SH, "SF", EV(TIMEOUT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(C, FIN, 1001, 0, 0, EV(HALF_FINISHED), W(INAPPROPRIATE_FIN) | W(NO_ACK)),
	} },
	/* [doc] SHR "responder sent a SYN ACK followed by a FIN". */
	{ "shr", IPPROTO_TCP, true, SM_CONN_SHR, "^hf", EV(TIMEOUT), {
		P(S, SYN | ACK, 5000, 1001, 0, EV(ESTABLISHED), W(UNSOLICITED_SYN_RESPONSE)),
		P(S, FIN | ACK, 5001, 1001, 0, EV(HALF_FINISHED), 0),
	} },
	/* [doc] S2 "established and close attempt by originator seen (but no
	 * reply from responder)". */
	{ "s2", IPPROTO_TCP, false, SM_CONN_S2, "ShAF", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
	} },
	/* [doc] S3: the same with the responder closing. */
	{ "s3", IPPROTO_TCP, false, SM_CONN_S3, "ShAf", EV(TIMEOUT), {
		HANDSHAKE,
		P(S, FIN | ACK, 5001, 1001, 0, 0, 0),
	} },
	/* conn.log of zeek_wikipedia_http_dns (opt.basic): a session seen
	 * midstream, "tcp - ... OTH ... DdA" (2 originator packets, 1
	 * responder). Both sides PARTIAL: partial_connection ([tcp]
	 * UpdateInactiveState). */
	{ "oth_midstream", IPPROTO_TCP, false, SM_CONN_OTH, "DdA", EV(TIMEOUT), {
		P(C, ACK | PSH, 1001, 5001, 100, 0, 0),
		P(S, ACK | PSH, 5001, 1101, 50, EV(PARTIAL), 0),
		P(C, ACK, 1101, 5051, 0, 0, 0),
	} },
	/* Both reset and no data sent: REJ ([doc] conn_state(): responder
	 * RESET, originator RESET with both sizes 0). */
	{ "rej_both_reset", IPPROTO_TCP, false, SM_CONN_REJ, "SrR", EV(TIMEOUT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(S, RST | ACK, 0, 1001, 0, EV(REJECTED), 0),
		P(C, RST, 1001, 0, 0, EV(RESET), 0),
	} },
	/* [doc] "'f', 'h', 'r' and 's' can be recorded multiple times ... if
	 * the associated sequence number differs from the last-seen packet of
	 * the same flag type": a repeated RST adds nothing, a RST at a new
	 * sequence number adds r. After its RST the responder is RESET: a RST
	 * adds no weird there ([tcp] UpdateResetState). */
	{ "rst_repeats", IPPROTO_TCP, false, SM_CONN_RSTR, "ShArr", EV(TIMEOUT), {
		HANDSHAKE,
		P(S, RST, 5001, 0, 0, EV(RESET), 0),
		P(S, RST, 5001, 0, 0, 0, 0),
		P(S, RST, 5002, 0, 0, 0, 0),
	} },
	/* The same for F: a retransmitted FIN adds nothing; a FIN ending
	 * further on adds F and, after the close, is FIN_advanced_last_seq
	 * ([tcp] UpdateClosedState). */
	{ "fin_repeats", IPPROTO_TCP, false, SM_CONN_S2, "ShAFF", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
		P(C, FIN | ACK, 1001, 5001, 10, 0, W(FIN_ADVANCED_LAST_SEQ)),
	} },
	/* [tcp] UpdateClosedState: a RST after its own FIN resets a side
	 * whose peer is open (connection_reset; Zeek reports it 5 s later);
	 * UpdateEstablishedState: the peer's FIN then turns that "FIN then
	 * RST" back into CLOSED, "actually normal termination": SF. */
	{ "fin_rst_then_fin", IPPROTO_TCP, false, SM_CONN_SF, "ShAFRf", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
		P(C, RST, 1002, 0, 0, EV(RESET), 0),
		P(S, FIN | ACK, 5001, 1002, 0, EV(FINISHED), 0),
	} },
	/* [tcp] UpdateClosedState: once both sides sent FINs, a RST changes
	 * no state (still SF) and raises nothing; it is still an R. */
	{ "fins_then_rst", IPPROTO_TCP, false, SM_CONN_SF, "ShAFfR", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
		P(S, FIN | ACK, 5001, 1002, 0, EV(FINISHED), 0),
		P(C, RST, 1002, 0, 0, 0, 0),
	} },
	/* [doc] q "multi-flag packet (SYN+FIN or SYN+RST)"; [tcp]
	 * UpdateInactiveState takes the SYN, then the FIN: the peer never
	 * spoke, connection_half_finished; SH. tcp_syn_with_fin is sessmon's. */
	{ "q_syn_fin", IPPROTO_TCP, false, SM_CONN_SH, "Q", EV(TIMEOUT), {
		P(C, SYN | FIN, 1000, 0, 0, EV(HALF_FINISHED), W(SYN_FIN)),
	} },
	/* [doc] i "inconsistent packet (e.g. FIN+RST bits set)": the RST
	 * resets ([tcp] UpdateEstablishedState takes a FIN only without RST). */
	{ "i_fin_rst", IPPROTO_TCP, false, SM_CONN_RSTO, "ShAI", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | RST | ACK, 1001, 5001, 0, EV(RESET), W(FIN_RST)),
	} },
	/* [doc] w "packet with a zero window advertisement", logged at the
	 * 1st, 10th, 100th ([scale]); [tcp] update_window: not with a RST. */
	{ "zero_window", IPPROTO_TCP, false, SM_CONN_S1, "ShADaw", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, ACK | PSH, 1001, 5001, 100, 0, 0),
		PW(S, ACK, 5001, 1101, 0, 0),
		PW(S, ACK, 5001, 1101, 0, 0),
	} },
	/* [tcp] SynWeirds: data on a SYN; then UpdateSYN_SentState: data
	 * before the handshake completes. */
	{ "syn_with_data", IPPROTO_TCP, false, SM_CONN_S0, "SD", EV(ATTEMPT), {
		P(C, SYN, 1000, 0, 10, 0, W(SYN_WITH_DATA)),
		P(C, ACK | PSH, 1011, 0, 10, 0, W(DATA_BEFORE_ESTABLISHED)),
	} },
	/* [tcp] UpdateResetState: data from a side that reset. */
	{ "data_after_reset", IPPROTO_TCP, false, SM_CONN_RSTO, "ShARD", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, RST, 1001, 0, 0, EV(RESET), 0),
		P(C, ACK | PSH, 1001, 5001, 10, 0, W(DATA_AFTER_RESET)),
	} },
	/* [tcp] IsReuse: a SYN on a closed connection is a new connection:
	 * connection_reused, and nothing else changes (still SF). */
	{ "reuse_after_close", IPPROTO_TCP, false, SM_CONN_SF, "ShAFf", EV(TIMEOUT), {
		HANDSHAKE,
		P(C, FIN | ACK, 1001, 5001, 0, 0, 0),
		P(S, FIN | ACK, 5001, 1002, 0, EV(FINISHED), 0),
		P(C, SYN, 90000, 0, 0, EV(REUSED), 0),
	} },
	/* [tcp] IsReuse: a SYN with a new sequence number on an open
	 * attempt is a new connection too (SYN_seq_jump). */
	{ "reuse_new_isn", IPPROTO_TCP, false, SM_CONN_S0, "S", EV(ATTEMPT), {
		P(C, SYN, 1000, 0, 0, 0, 0),
		P(C, SYN, 7000, 0, 0, EV(REUSED), W(SYN_SEQ_JUMP)),
	} },
	/* [tcp] PartialCloseTimer: the responder's first packet is a FIN
	 * while the originator is open. The FIN is not spontaneous: the
	 * originator is PARTIAL (UpdateInactiveState). */
	{ "partial_close", IPPROTO_TCP, false, SM_CONN_SHR, "Df", EV(PARTIAL_CLOSE), {
		P(C, ACK | PSH, 1001, 5001, 100, 0, 0),
		P(S, FIN | ACK, 5001, 1101, 0, 0, 0),
	} },
	/* A segment without ACK, SYN or RST (a NULL scan): sessmon's
	 * tcp_segment_without_ack; Zeek logs nothing (no letter: no flag). */
	{ "null_scan", IPPROTO_TCP, false, SM_CONN_OTH, "", EV(TIMEOUT), {
		P(C, 0, 1000, 0, 0, 0, W(NO_ACK)),
	} },
	/* conn.log of zeek_qinq and zeek_wikipedia_http_dns: a UDP flow seen
	 * from its originator only, "udp ... S0 ... D" (2 packets). */
	{ "udp_s0", IPPROTO_UDP, false, SM_CONN_S0, "D", EV(TIMEOUT), {
		P(C, 0, 0, 0, 18, 0, 0),
		P(C, 0, 0, 0, 18, 0, 0),
	} },
	/* conn.log of zeek_wikipedia_http_dns: DNS query and answer,
	 * "udp dns ... SF ... Dd". An empty datagram counts too ([doc]
	 * conn_state(): a side is UDP_ACTIVE once it sent). */
	{ "udp_sf", IPPROTO_UDP, false, SM_CONN_SF, "Dd", EV(TIMEOUT), {
		P(C, 0, 0, 0, 38, 0, 0),
		P(S, 0, 0, 0, 0, 0, 0),
	} },
	/* [doc] conn_state(): UDP from the responder only is SHR. */
	{ "udp_shr", IPPROTO_UDP, true, SM_CONN_SHR, "^d", EV(TIMEOUT), {
		P(S, 0, 0, 0, 48, 0, 0),
	} },
	/* conn.log of zeek_gre_sample (core.tunnels.gre): ICMP echo, "icmp -
	 * ... OTH ... -" (no history). */
	{ "icmp", IPPROTO_ICMP, false, SM_CONN_OTH, "", EV(TIMEOUT), {
		P(C, 0, 0, 0, 56, 0, 0),
		P(S, 0, 0, 0, 56, 0, 0),
	} },
};

static void
feed(struct sm_conn *c, uint8_t proto, const struct pk *k, uint32_t *ev, uint32_t *weird)
{
	struct sm_conn_pkt p = {
		.seq = k->seq, .ack = k->ack, .payload_len = k->len, .window = k->win,
		.tcp_flags = k->flags, .proto = proto, .is_orig = k->from == C,
	};
	struct sm_conn_out out;

	*ev = sm_conn_update(c, &p, &out);
	*weird = out.weirds;
}

static void
test_row(void **state)
{
	const struct row *r = *state;
	struct sm_conn c;
	char hist[SM_CONN_HISTORY_MAX + 1];

	sm_conn_init(&c, r->flipped);
	for (const struct pk *k = r->pk; k->from != 0; k++) {
		uint32_t ev, weird;

		feed(&c, r->proto, k, &ev, &weird);
		if (ev != k->ev || weird != k->weird)
			fail_msg("%s: packet %td: events %#x weirds %#x, want %#x %#x", r->name,
				 k - r->pk + 1, ev, weird, k->ev, k->weird);
	}
	assert_int_equal(sm_conn_history(&c, hist, sizeof(hist)), strlen(r->hist));
	assert_string_equal(hist, r->hist);
	assert_string_equal(sm_conn_state_name(sm_conn_state(&c, r->proto)),
			    sm_conn_state_name(r->want));
	assert_int_equal(sm_conn_expire(&c, r->proto), r->expire);
}

/* [doc] "'c', 'g', 't' and 'w' are recorded in a logarithmic fashion: the
 * second instance represents that the event was seen (at least) 10 times;
 * the third instance, 100 times"; [scale]: a letter when the count
 * reaches 1, 10, 100. */
static void
test_scaled_letters(void **state)
{
	static const struct {
		unsigned int notes;
		const char *hist;
	} steps[] = {
		{ 1, "T" }, { 9, "T" }, { 10, "TT" }, { 99, "TT" }, { 100, "TTT" }, { 300, "TTT" },
	};
	(void)state;

	for (size_t i = 0; i < SM_ARRAY_SIZE(steps); i++) {
		struct sm_conn c;
		char hist[SM_CONN_HISTORY_MAX + 1];

		sm_conn_init(&c, false);
		for (unsigned int n = 0; n < steps[i].notes; n++)
			sm_conn_note(&c, SM_CONN_NOTE_REXMIT, true);
		sm_conn_history(&c, hist, sizeof(hist));
		assert_string_equal(hist, steps[i].hist);
	}
}

/* Gaps are G/g, per side ([doc] g "a content gap"); letters keep the order
 * they came in. */
static void
test_gap_letters(void **state)
{
	struct sm_conn c;
	char hist[SM_CONN_HISTORY_MAX + 1];
	(void)state;

	sm_conn_init(&c, false);
	sm_conn_note(&c, SM_CONN_NOTE_GAP, false);
	sm_conn_note(&c, SM_CONN_NOTE_REXMIT, true);
	sm_conn_note(&c, SM_CONN_NOTE_GAP, true);
	sm_conn_note(&c, SM_CONN_NOTE_GAP, false);
	sm_conn_history(&c, hist, sizeof(hist));
	assert_string_equal(hist, "gTG");
}

/* The history holds SM_CONN_HISTORY_MAX letters; the rest are counted.
 * Here: ShA, then T/t/G/g at 1, 10, 100 (12 letters) = 15, D = 16, d is
 * dropped. A short buffer gets a cut, terminated string (snprintf-like). */
static void
test_history_cap(void **state)
{
	static const struct pk hs[] = { HANDSHAKE };
	static const struct pk data[] = {
		P(C, ACK | PSH, 1001, 5001, 10, 0, 0),
		P(S, ACK | PSH, 5001, 1011, 10, 0, 0),
	};
	struct sm_conn c;
	char hist[SM_CONN_HISTORY_MAX + 1], small[4];
	uint32_t ev, weird;
	(void)state;

	sm_conn_init(&c, false);
	for (size_t i = 0; i < SM_ARRAY_SIZE(hs); i++)
		feed(&c, IPPROTO_TCP, &hs[i], &ev, &weird);
	for (unsigned int n = 0; n < 100; n++) {
		sm_conn_note(&c, SM_CONN_NOTE_REXMIT, true);
		sm_conn_note(&c, SM_CONN_NOTE_REXMIT, false);
		sm_conn_note(&c, SM_CONN_NOTE_GAP, true);
		sm_conn_note(&c, SM_CONN_NOTE_GAP, false);
	}
	for (size_t i = 0; i < SM_ARRAY_SIZE(data); i++)
		feed(&c, IPPROTO_TCP, &data[i], &ev, &weird);
	assert_int_equal(sm_conn_history(&c, hist, sizeof(hist)), 16);
	assert_string_equal(hist, "ShATtGgTtGgTtGgD");
	assert_int_equal(sm_conn_history_dropped(&c), 1);
	assert_int_equal(sm_conn_history(&c, small, sizeof(small)), 16);
	assert_string_equal(small, "ShA");
}

/* [flow]: a side's first packet sets its label silently; a change later
 * is connection_flow_label_changed with the old and new labels; IPv4
 * (label 0 throughout) never changes. */
static void
test_flow_label(void **state)
{
	static const struct {
		uint8_t is_orig;
		uint32_t label;
		uint32_t ev, old;
	} steps[] = {
		{ 1, 0x12345, 0, 0 },
		{ 0, 0x00777, 0, 0 },
		{ 1, 0x12345, 0, 0 },
		{ 1, 0xabcde, EV(FLOW_LABEL_CHANGED), 0x12345 },
		{ 0, 0x00777, 0, 0 },
		{ 0, 0x00001, EV(FLOW_LABEL_CHANGED), 0x00777 },
	};
	struct sm_conn c;
	(void)state;

	sm_conn_init(&c, false);
	for (size_t i = 0; i < SM_ARRAY_SIZE(steps); i++) {
		struct sm_conn_pkt p = { .flow_label = steps[i].label, .proto = IPPROTO_UDP,
					 .is_orig = steps[i].is_orig };
		struct sm_conn_out out;

		assert_int_equal(sm_conn_update(&c, &p, &out), steps[i].ev);
		if (steps[i].ev != 0)
			assert_int_equal(out.old_flow_label, steps[i].old);
	}
}

/* Names: Zeek's conn_state codes ([doc] 54-90) and event names
 * (../shared/reference/zeek-core-events.txt, src/analyzer/protocol/tcp/
 * events.bif); every weird has a name and sessmon's own are marked. */
static void
test_names(void **state)
{
	static const char *const states[SM_CONN_STATE_MAX] = {
		"S0", "S1", "SF", "REJ", "S2", "S3", "RSTO", "RSTR", "RSTOS0", "RSTRH", "SH",
		"SHR", "OTH",
	};
	(void)state;

	for (int i = 0; i < SM_CONN_STATE_MAX; i++)
		assert_string_equal(sm_conn_state_name((enum sm_conn_state)i), states[i]);
	assert_string_equal(sm_conn_event_name(SM_CONN_EV_ESTABLISHED), "connection_established");
	assert_string_equal(sm_conn_event_name(SM_CONN_EV_FLOW_LABEL_CHANGED),
			    "connection_flow_label_changed");
	assert_null(sm_conn_event_name(SM_CONN_EV_MAX));
	for (int i = 0; i < SM_CONN_W_MAX; i++)
		assert_non_null(sm_conn_weird_name((enum sm_conn_weird)i));
	assert_string_equal(sm_conn_weird_name(SM_CONN_W_SYN_WITH_DATA), "SYN_with_data");
	assert_true(sm_conn_weird_is_zeek(SM_CONN_W_DATA_AFTER_RESET));
	assert_false(sm_conn_weird_is_zeek(SM_CONN_W_NO_ACK));
	assert_null(sm_conn_weird_name(SM_CONN_W_MAX));
}

/*
 * Any packet sequence keeps the contract of conn.h: the history uses Zeek's
 * alphabet ([doc] 111-143, without C and X), '^' only first, at most
 * SM_CONN_HISTORY_MAX letters; conn_state is one of the 13; a packet raises
 * only per-packet events and known weirds; a reusing SYN changes nothing.
 * The packets come from a fixed xorshift32 sequence (Marsaglia 2003), with
 * sequence numbers drawn from a few values so that repeats, jumps and
 * reuses all happen.
 */
static uint32_t
xorshift32(uint32_t *x)
{
	*x ^= *x << 13;
	*x ^= *x >> 17;
	*x ^= *x << 5;
	return *x;
}

static void
test_any_sequence(void **state)
{
	const uint32_t per_packet = EV(ESTABLISHED) | EV(REJECTED) | EV(RESET) |
				    EV(HALF_FINISHED) | EV(FINISHED) | EV(PARTIAL) | EV(REUSED) |
				    EV(FLOW_LABEL_CHANGED);
	uint32_t x = 2463534242u;
	unsigned int reused = 0;
	(void)state;

	for (int conv = 0; conv < 50; conv++) {
		struct sm_conn c;

		sm_conn_init(&c, conv & 1);
		for (int i = 0; i < 200; i++) {
			uint32_t r = xorshift32(&x);
			struct sm_conn_pkt p = {
				.seq = (r & 1 ? 1000 : 5000) + ((r >> 1) & 3),
				.ack = 1000 + ((r >> 3) & 3),
				.flow_label = (r >> 5) & 1,
				.payload_len = (r >> 6) & 1 ? 0 : 100,
				.window = (r >> 7) & 1 ? 0 : 512,
				.tcp_flags = (uint8_t)(r >> 8),
				.proto = (r >> 16) % 8 == 0 ? IPPROTO_UDP : IPPROTO_TCP,
				.is_orig = (r >> 20) & 1,
			};
			struct sm_conn before;
			struct sm_conn_out out;
			char hist[SM_CONN_HISTORY_MAX + 1];
			uint32_t ev;
			int n;

			if ((r >> 21) % 16 == 0)
				sm_conn_note(&c, (r >> 25) & 1 ? SM_CONN_NOTE_GAP : SM_CONN_NOTE_REXMIT,
					     (r >> 26) & 1);
			before = c;
			ev = sm_conn_update(&c, &p, &out);
			assert_int_equal(ev & ~per_packet, 0);
			assert_int_equal(out.weirds >> SM_CONN_W_MAX, 0);
			if (ev & EV(REUSED)) {
				assert_int_equal(ev, EV(REUSED));
				assert_memory_equal(&before, &c, sizeof(c));
				reused++;
				sm_conn_init(&c, false);
			}
			n = sm_conn_history(&c, hist, sizeof(hist));
			assert_true(n >= 0 && n <= SM_CONN_HISTORY_MAX);
			for (int k = 0; k < n; k++) {
				assert_non_null(strchr("SsHhAaDdFfRrGgTtWwIiQq^", hist[k]));
				assert_true(hist[k] != '^' || k == 0);
			}
			assert_true((unsigned int)sm_conn_state(&c, p.proto) < SM_CONN_STATE_MAX);
		}
	}
	assert_true(reused > 0);
}

/* ---- whole captures against Zeek's conn.log ----------------------------- */

/* conn.log baselines of shared captures whose every row is a connection of
 * the capture as read (no filter, no analyzer limit letter). */
static const struct {
	const char *pcap;
	const char *log;
} baselines[] = {
	{ "zeek_http_get", "zeek_http_get/core.tcp.reassembly-known-ports/conn.log" },
	{ "zeek_wikipedia_http_dns", "zeek_wikipedia_http_dns/opt.basic/conn.log" },
	{ "zeek_qinq", "zeek_qinq/core.q-in-q/conn.log" },
	{ "zeek_gre_sample", "zeek_gre_sample/core.tunnels.gre/conn.log" },
};

#define MAX_CONNS 64

/* One conn.log row and the connection the capture builds for it. */
struct zconn {
	uint8_t family, proto;
	uint8_t addr[2][16]; /* [0] orig_h, [1] resp_h */
	uint16_t port[2];
	char state[8];
	char hist[32];
	bool seen;
	struct sm_conn c;
};

/* A transport packet found in a frame. */
struct l4 {
	uint8_t family, proto;
	const uint8_t *src, *dst;
	uint16_t sport, dport;
	uint32_t seq, ack, flow_label;
	uint16_t len, win;
	uint8_t flags;
};

static int
parse_addr(const char *s, uint8_t *family, uint8_t *a)
{
	if (inet_pton(AF_INET, s, a) == 1) {
		*family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, s, a) == 1) {
		*family = 6;
		return 0;
	}
	return -1;
}

/* Rows of a conn.log: fields 3-7 (id, proto), 12 (conn_state), 16
 * (history; '-' is empty). */
static unsigned int
read_conn_log(const char *path, struct zconn *z)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	unsigned int n = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f) != NULL && n < MAX_CONNS) {
		char *fld[24], *save = NULL, *t;
		int k = 0;

		if (line[0] == '#')
			continue;
		for (t = strtok_r(line, "\t\n", &save); t != NULL && k < 24;
		     t = strtok_r(NULL, "\t\n", &save))
			fld[k++] = t;
		assert_true(k >= 16);
		memset(&z[n], 0, sizeof(z[n]));
		if (parse_addr(fld[2], &z[n].family, z[n].addr[0]) != 0 ||
		    parse_addr(fld[4], &z[n].family, z[n].addr[1]) != 0)
			fail_msg("%s: bad address", path);
		z[n].port[0] = (uint16_t)atoi(fld[3]);
		z[n].port[1] = (uint16_t)atoi(fld[5]);
		z[n].proto = strcmp(fld[6], "tcp") == 0 ? IPPROTO_TCP :
			     strcmp(fld[6], "udp") == 0 ? IPPROTO_UDP : IPPROTO_ICMP;
		snprintf(z[n].state, sizeof(z[n].state), "%s", fld[11]);
		snprintf(z[n].hist, sizeof(z[n].hist), "%s", strcmp(fld[15], "-") ? fld[15] : "");
		n++;
	}
	fclose(f);
	return n;
}

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* TCP or UDP after an IP header; false for anything else. */
static bool
parse_l4(struct l4 *o, const uint8_t *p, size_t n, size_t l4_len)
{
	if (o->proto == IPPROTO_TCP && n >= 20 && l4_len >= (size_t)(p[12] >> 4) * 4) {
		o->sport = be16(p);
		o->dport = be16(p + 2);
		o->seq = be32(p + 4);
		o->ack = be32(p + 8);
		o->flags = p[13];
		o->win = be16(p + 14);
		o->len = (uint16_t)(l4_len - (size_t)(p[12] >> 4) * 4);
		return true;
	}
	if (o->proto == IPPROTO_UDP && n >= 8 && l4_len >= 8) {
		o->sport = be16(p);
		o->dport = be16(p + 2);
		o->len = (uint16_t)(l4_len - 8);
		return true;
	}
	return false;
}

static bool parse_ip(struct l4 *o, const uint8_t *p, size_t n);

/* GRE (RFC 2784/2890) carrying IP: the inner packet is the connection. */
static bool
parse_gre(struct l4 *o, const uint8_t *p, size_t n)
{
	size_t hl = 4;

	if (n < 4 || (p[1] & 0x07) != 0)
		return false;
	hl += (p[0] & 0x80 ? 4 : 0) + (p[0] & 0x20 ? 4 : 0) + (p[0] & 0x10 ? 4 : 0);
	if (n < hl || (be16(p + 2) != 0x0800 && be16(p + 2) != 0x86dd))
		return false;
	return parse_ip(o, p + hl, n - hl);
}

static bool
parse_ip(struct l4 *o, const uint8_t *p, size_t n)
{
	if (n >= 20 && p[0] >> 4 == 4) {
		size_t hl = (size_t)(p[0] & 0x0f) * 4, tot = be16(p + 2);

		if (hl < 20 || tot < hl || n < hl)
			return false;
		o->family = 4;
		o->proto = p[9];
		o->src = p + 12;
		o->dst = p + 16;
		o->flow_label = 0;
		if (o->proto == 47)
			return parse_gre(o, p + hl, n - hl);
		return parse_l4(o, p + hl, n - hl, tot - hl);
	}
	if (n >= 40 && p[0] >> 4 == 6) {
		o->family = 6;
		o->proto = p[6];
		o->src = p + 8;
		o->dst = p + 24;
		o->flow_label = be32(p) & 0xfffff;
		return parse_l4(o, p + 40, n - 40, be16(p + 4));
	}
	return false;
}

/* Ethernet with any number of 802.1Q / 802.1ad tags. */
static bool
parse_frame(struct l4 *o, const uint8_t *p, size_t n)
{
	size_t off = 12;

	while (off + 2 <= n && (be16(p + off) == 0x8100 || be16(p + off) == 0x88a8))
		off += 4;
	if (off + 2 > n || (be16(p + off) != 0x0800 && be16(p + off) != 0x86dd))
		return false;
	return parse_ip(o, p + off + 2, n - off - 2);
}

/* The row of a packet, and whether it travels from the row's originator. */
static struct zconn *
find_conn(struct zconn *z, unsigned int n, const struct l4 *o, bool *is_orig)
{
	size_t alen = o->family == 4 ? 4 : 16;

	for (unsigned int i = 0; i < n; i++) {
		if (z[i].family != o->family || z[i].proto != o->proto)
			continue;
		for (int d = 0; d < 2; d++) {
			if (memcmp(z[i].addr[d], o->src, alen) == 0 &&
			    memcmp(z[i].addr[d ^ 1], o->dst, alen) == 0 &&
			    z[i].port[d] == o->sport && z[i].port[d ^ 1] == o->dport) {
				*is_orig = d == 0;
				return &z[i];
			}
		}
	}
	return NULL;
}

/* Zeek's history without the letters this module cannot decide alone: C
 * (checksums), G and T (the stream reassembly's, fed by sm_conn_note()),
 * X (analyzer limits). */
static void
decidable(const char *in, char *out)
{
	for (; *in != '\0'; in++)
		if (strchr("CcGgTtXx", *in) == NULL)
			*out++ = *in;
	*out = '\0';
}

static void
test_capture(void **state)
{
	const size_t i = (size_t)(uintptr_t)*state;
	const char *root = getenv("SM_SHARED");
	char path[1024], err[PCAP_ERRBUF_SIZE];
	static struct zconn z[MAX_CONNS];
	struct pcap_pkthdr *h;
	const u_char *bytes;
	unsigned int n, compared = 0;
	pcap_t *pc;

	if (root == NULL) {
		print_message("SKIP: SM_SHARED not set\n");
		skip();
	}
	snprintf(path, sizeof(path), "%s/traces/%s.pcap", root, baselines[i].pcap);
	pc = pcap_open_offline(path, err);
	if (pc == NULL) {
		print_message("SKIP: %s: %s\n", path, err);
		skip();
	}
	snprintf(path, sizeof(path), "%s/traces/expected/thirdparty/zeek/%s", root,
		 baselines[i].log);
	n = read_conn_log(path, z);
	while (pcap_next_ex(pc, &h, &bytes) == 1) {
		struct l4 o = { 0 };
		struct zconn *zc;
		bool is_orig;

		if (!parse_frame(&o, bytes, h->caplen) || (zc = find_conn(z, n, &o, &is_orig)) == NULL)
			continue;
		if (!zc->seen)
			sm_conn_init(&zc->c, !is_orig);
		zc->seen = true;
		{
			struct sm_conn_pkt p = {
				.seq = o.seq, .ack = o.ack, .flow_label = o.flow_label,
				.payload_len = o.len, .window = o.win, .tcp_flags = o.flags,
				.proto = o.proto, .is_orig = is_orig,
			};
			struct sm_conn_out out;

			assert_false(sm_conn_update(&zc->c, &p, &out) & EV(REUSED));
		}
	}
	pcap_close(pc);
	for (unsigned int k = 0; k < n; k++) {
		char want[32], got[SM_CONN_HISTORY_MAX + 1];

		if (z[k].proto == IPPROTO_ICMP)
			continue;
		if (!z[k].seen)
			fail_msg("%s: row %u has no packets", baselines[i].log, k + 1);
		decidable(z[k].hist, want);
		sm_conn_history(&z[k].c, got, sizeof(got));
		if (strcmp(sm_conn_state_name(sm_conn_state(&z[k].c, z[k].proto)), z[k].state) != 0 ||
		    strcmp(got, want) != 0)
			fail_msg("%s: row %u (port %u-%u): %s %s, want %s %s", baselines[i].log,
				 k + 1, z[k].port[0], z[k].port[1],
				 sm_conn_state_name(sm_conn_state(&z[k].c, z[k].proto)), got,
				 z[k].state, want);
		compared++;
	}
	assert_true(compared > 0);
}

int
main(void)
{
	struct CMUnitTest tests[SM_ARRAY_SIZE(rows) + SM_ARRAY_SIZE(baselines) + 6];
	size_t n = 0;

	for (size_t i = 0; i < SM_ARRAY_SIZE(rows); i++)
		tests[n++] = (struct CMUnitTest){ rows[i].name, test_row, NULL, NULL,
						  (void *)&rows[i] };
	for (size_t i = 0; i < SM_ARRAY_SIZE(baselines); i++)
		tests[n++] = (struct CMUnitTest){ baselines[i].pcap, test_capture, NULL, NULL,
						  (void *)(uintptr_t)i };
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_scaled_letters);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_gap_letters);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_history_cap);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_flow_label);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_names);
	tests[n++] = (struct CMUnitTest)cmocka_unit_test(test_any_sequence);
	return _cmocka_run_group_tests("conn", tests, n, NULL, NULL);
}
