/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Zeek's connection analysis: endpoint states, `history`, `conn_state`
 * and the connection events of a session.
 *
 * Each direction keeps what Zeek's TCP_Endpoint keeps that the names
 * depend on: its state (INACTIVE ... RESET, driven by a rule table), the
 * state before it, whether it has closed, which once-only history letters
 * it has logged, its scaled counters (gaps, retransmissions, zero
 * windows) and its IPv6 flow label. `conn_state` is a pure function of
 * the two states and the history, as in Zeek's base/protocols/conn
 * script. sm_conn_update() returns the Zeek moments (connection_established,
 * connection_rejected, ...) a packet caused and the weirds it showed;
 * sm_conn_expire() names the event of a session ending idle.
 *
 * The originator is the caller's choice (the worker's: the sender of the
 * first packet, or the receiver of a first packet that is by nature a
 * reply). Where that is not the first packet's sender the history starts
 * with '^', as Zeek's does when it flips a connection. Zeek can also flip
 * a connection later (a SYN answering a SYN-ACK, or traffic after a lone
 * SYN-ACK); sessmon keeps the worker's originator.
 *
 * Approximations, to keep a session's state in 32 bytes:
 * - sequence numbers are remembered as their low 16 bits: the start of a
 *   direction (connection reuse, SYN_seq_jump) and its last FIN or RST
 *   (repeated F and R letters, FIN_advanced_last_seq);
 * - the history holds SM_CONN_HISTORY_MAX letters; later ones are dropped
 *   and counted (sm_conn_history_dropped());
 * - the scaled letters (G, T, W) count to 255: they are logged at the
 *   1st, 10th and 100th occurrence, not at the 1000th and beyond;
 * - Zeek's endpoint size (sequence space sent) is "sent payload";
 * - a repeated S or H (a SYN-ACK after the sender closed, with a new
 *   sequence number) is not logged twice.
 * Not here: C (bad checksum: sessmon does not verify checksums), X (an
 * analyzer limit), the timer-driven connection_reset after a RST that
 * follows a FIN (raised at once), and the weirds that need the last
 * sequence number or window of a direction (window_recision,
 * TCP_seq_underflow_or_misorder, bad_SYN_ack, ...).
 *
 * Threads: a struct sm_conn belongs to the worker owning its session; the
 * name functions and the derivations on a const state are pure and any
 * thread may call them.
 */
#ifndef SESSMON_CONN_H
#define SESSMON_CONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Zeek's endpoint states (TCP_ENDPOINT_*), plus ACTIVE for a UDP
 * endpoint that has sent a packet (Zeek's UDP_ACTIVE). */
enum sm_conn_ep_state {
	SM_CONN_EP_INACTIVE = 0, /**< nothing sent */
	SM_CONN_EP_SYN_SENT,     /**< sent a SYN */
	SM_CONN_EP_SYN_ACK_SENT, /**< an originator that sent a SYN-ACK */
	SM_CONN_EP_PARTIAL,      /**< sent without a handshake we saw */
	SM_CONN_EP_ESTABLISHED,  /**< handshake seen */
	SM_CONN_EP_CLOSED,       /**< sent a FIN */
	SM_CONN_EP_RESET,        /**< sent a RST */
	SM_CONN_EP_ACTIVE,       /**< UDP: sent a packet */
	SM_CONN_EP_MAX
};

/** Zeek's conn_state values. */
enum sm_conn_state {
	SM_CONN_S0 = 0, /**< attempt seen, no reply */
	SM_CONN_S1,     /**< established, not terminated */
	SM_CONN_SF,     /**< normal establishment and termination */
	SM_CONN_REJ,    /**< attempt rejected */
	SM_CONN_S2,     /**< established, originator's close seen, no reply */
	SM_CONN_S3,     /**< established, responder's close seen, no reply */
	SM_CONN_RSTO,   /**< established, originator aborted (RST) */
	SM_CONN_RSTR,   /**< responder sent a RST */
	SM_CONN_RSTOS0, /**< originator sent a SYN then a RST, no SYN-ACK seen */
	SM_CONN_RSTRH,  /**< responder sent a SYN-ACK then a RST, no SYN seen */
	SM_CONN_SH,     /**< originator sent a SYN then a FIN, no SYN-ACK seen */
	SM_CONN_SHR,    /**< responder sent a SYN-ACK then a FIN, no SYN seen */
	SM_CONN_OTH,    /**< no SYN seen, midstream traffic */
	SM_CONN_STATE_MAX
};

/** Zeek connection events, as bit numbers of the sets sm_conn_update()
 * and sm_conn_expire() return. */
enum sm_conn_event {
	SM_CONN_EV_ESTABLISHED = 0, /**< connection_established */
	SM_CONN_EV_REJECTED,        /**< connection_rejected */
	SM_CONN_EV_RESET,           /**< connection_reset */
	SM_CONN_EV_HALF_FINISHED,   /**< connection_half_finished */
	SM_CONN_EV_FINISHED,        /**< connection_finished */
	SM_CONN_EV_PARTIAL,         /**< partial_connection (both sides midstream) */
	SM_CONN_EV_REUSED,          /**< connection_reused (see sm_conn_update()) */
	SM_CONN_EV_FLOW_LABEL_CHANGED, /**< connection_flow_label_changed */
	SM_CONN_EV_ATTEMPT,         /**< connection_attempt (sm_conn_expire()) */
	SM_CONN_EV_PARTIAL_CLOSE,   /**< connection_partial_close (sm_conn_expire()) */
	SM_CONN_EV_TIMEOUT,         /**< connection_timeout (sm_conn_expire()) */
	SM_CONN_EV_MAX
};

/** Bit of event @p e in an event set. */
#define SM_CONN_EVF(e) (UINT32_C(1) << (e))

/** Oddities a packet can show (conn_weird names: sm_conn_weird_name()). */
enum sm_conn_weird {
	SM_CONN_W_SYN_WITH_DATA = 0,
	SM_CONN_W_TCP_CHRISTMAS,
	SM_CONN_W_BAROQUE_SYN,
	SM_CONN_W_ORIGINATOR_SYN_ACK,
	SM_CONN_W_SIMULTANEOUS_OPEN,
	SM_CONN_W_UNSOLICITED_SYN_RESPONSE,
	SM_CONN_W_SPONTANEOUS_FIN,
	SM_CONN_W_SPONTANEOUS_RST,
	SM_CONN_W_REPEATED_SYN_WITH_ACK,
	SM_CONN_W_REPEATED_SYN_REPLY_WO_ACK,
	SM_CONN_W_INAPPROPRIATE_FIN,
	SM_CONN_W_DATA_BEFORE_ESTABLISHED,
	SM_CONN_W_SYN_AFTER_PARTIAL,
	SM_CONN_W_SYN_INSIDE_CONNECTION,
	SM_CONN_W_SYN_SEQ_JUMP,
	SM_CONN_W_SYN_AFTER_CLOSE,
	SM_CONN_W_FIN_ADVANCED_LAST_SEQ,
	SM_CONN_W_SYN_AFTER_RESET,
	SM_CONN_W_FIN_AFTER_RESET,
	SM_CONN_W_DATA_AFTER_RESET,
	SM_CONN_W_ACTIVE_CONNECTION_REUSE,
	SM_CONN_W_SYN_FIN,          /**< sessmon only */
	SM_CONN_W_FIN_RST,          /**< sessmon only */
	SM_CONN_W_NO_ACK,           /**< sessmon only */
	SM_CONN_W_MAX
};

/** Bit of weird @p w in a weird set. */
#define SM_CONN_WF(w) (UINT32_C(1) << (w))

/** What the stream reassembly tells sm_conn_note(). */
enum sm_conn_note {
	SM_CONN_NOTE_GAP = 0, /**< a content gap (history G/g) */
	SM_CONN_NOTE_REXMIT,  /**< a retransmitted data segment (T/t) */
	SM_CONN_NOTE_MAX
};

/** Letters a history holds (see the approximations above). */
#define SM_CONN_HISTORY_MAX 16

/** One direction's facts. Read them through the functions below. */
struct sm_conn_ep {
	uint64_t flow_label : 20; /**< last IPv6 flow label sent */
	uint64_t state : 3;       /**< enum sm_conn_ep_state */
	uint64_t prev_state : 3;  /**< the state before the last change */
	uint64_t did_close : 1;   /**< its FIN or RST was reported (Zeek's did_close) */
	uint64_t sent : 1;        /**< it has sent a packet */
	uint64_t once : 7;        /**< once-only history letters logged */
	uint64_t mark_kind : 2;   /**< what @c mark is: start, last FIN or last RST */
	uint64_t mark : 16;       /**< low 16 bits of that sequence number */
	uint64_t dropped : 8;     /**< its history letters that did not fit (saturates) */
	uint64_t partial_close : 1; /**< it closed as it first spoke, the peer open */
};

/** Zeek's connection analysis of one session: 32 bytes. */
struct sm_conn {
	struct sm_conn_ep ep[2];  /**< [0] originator, [1] responder */
	uint8_t count[2][3];      /**< G, T, W occurrences per side (saturate at 255) */
	uint8_t hist[10];         /**< history: SM_CONN_HISTORY_MAX 5-bit letter codes */
};

/** One packet as sm_conn_update() needs it. */
struct sm_conn_pkt {
	uint32_t seq;         /**< TCP sequence number (host order) */
	uint32_t ack;         /**< TCP acknowledgement number (host order) */
	uint32_t flow_label;  /**< IPv6 flow label (0 for IPv4) */
	uint16_t payload_len; /**< L4 payload bytes (by the IP length) */
	uint16_t window;      /**< TCP window field, unscaled */
	uint8_t tcp_flags;    /**< SM_TCP_* (pkt.h) */
	uint8_t proto;        /**< IP protocol number */
	uint8_t is_orig;      /**< sent by the originator */
};

/** What a packet showed besides the events sm_conn_update() returns. */
struct sm_conn_out {
	uint32_t weirds;         /**< SM_CONN_WF() set */
	uint32_t old_flow_label; /**< with SM_CONN_EV_FLOW_LABEL_CHANGED: the label before */
};

/**
 * Start the analysis of a new session.
 * @param flipped  the originator is not the sender of the first packet:
 *                 the history starts with '^'
 * Owning worker.
 */
void sm_conn_init(struct sm_conn *c, bool flipped);

/**
 * Account one packet of the session (any protocol). TCP drives the
 * endpoint machines and the history; UDP marks its sender ACTIVE and logs
 * D/d; other protocols only carry the flow label.
 *
 * A SYN that Zeek takes for the start of a new connection on the same
 * ports returns SM_CONN_EVF(SM_CONN_EV_REUSED) alone (with its weirds) and
 * changes nothing: the caller ends this connection (its conn_state and
 * history are still readable), calls sm_conn_init() and feeds the packet
 * again.
 *
 * @param out  receives the weirds and the old flow label (required)
 * @return the SM_CONN_EVF() set of events the packet caused
 * Owning worker.
 */
uint32_t sm_conn_update(struct sm_conn *c, const struct sm_conn_pkt *p,
			struct sm_conn_out *out);

/**
 * Account what the stream reassembly found in one direction: a content
 * gap (history G/g) or a retransmitted data segment (T/t). Letters are
 * logged at the 1st, 10th and 100th occurrence, as Zeek scales them.
 * Owning worker.
 */
void sm_conn_note(struct sm_conn *c, enum sm_conn_note note, bool is_orig);

/**
 * The event Zeek raises for a session removed for inactivity:
 * connection_attempt (a SYN never answered), connection_partial_close
 * (one side closed, the other went quiet) or connection_timeout.
 * @param proto  IP protocol number of the session
 * @return one SM_CONN_EVF() bit. Any thread.
 */
uint32_t sm_conn_expire(const struct sm_conn *c, uint8_t proto);

/** Zeek's conn_state of the session. @p proto: IP protocol number. Any thread. */
enum sm_conn_state sm_conn_state(const struct sm_conn *c, uint8_t proto);

/**
 * Write the history string (NUL-terminated, cut to @p n - 1 letters).
 * @return the history's length in letters (as snprintf()). Any thread.
 */
int sm_conn_history(const struct sm_conn *c, char *buf, size_t n);

/** Letters the history could not hold, both sides (saturates at 510). Any thread. */
unsigned int sm_conn_history_dropped(const struct sm_conn *c);

/** Endpoint state of a side (0 originator, 1 responder). Any thread. */
enum sm_conn_ep_state sm_conn_ep_state(const struct sm_conn *c, int side);

/** conn_state name ("S0", ...; "OTH" for an unknown value). Any thread. */
const char *sm_conn_state_name(enum sm_conn_state st);

/** Zeek event name ("connection_established", ...; NULL if unknown). Any thread. */
const char *sm_conn_event_name(enum sm_conn_event ev);

/** conn_weird name ("SYN_with_data", ...; NULL if unknown). Any thread. */
const char *sm_conn_weird_name(enum sm_conn_weird w);

/** Whether weird @p w has Zeek's name for it (false: sessmon's own). Any thread. */
bool sm_conn_weird_is_zeek(enum sm_conn_weird w);

/** Endpoint state name ("INACTIVE", ...). Any thread. */
const char *sm_conn_ep_state_name(enum sm_conn_ep_state st);

#endif /* SESSMON_CONN_H */
