/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The TCP state machine: one endpoint machine per direction, and the
 * FortiGate session state derived from the pair.
 *
 * Each direction keeps what its endpoint has done (Zeek's TCP_Endpoint
 * idea): a small state driven by a [event][state] table. The FortiGate
 * state (FD30042 digits 0-9: NONE, ESTABLISHED, SYN_SENT, SYN_RECV,
 * FIN_WAIT, TIME_WAIT, CLOSE, CLOSE_WAIT, LAST_ACK, LISTEN) is a pure
 * function of the two endpoint states and of whether each FIN has been
 * acknowledged, and selects the session's timer.
 *
 * Worker thread only (it mutates session state); the derivations are pure
 * and any thread may call them.
 */
#ifndef SESSMON_TCP_STATE_H
#define SESSMON_TCP_STATE_H

#include <stdint.h>

#include "sessmon/timers.h"

/** What one endpoint (direction) has done. */
enum sm_tcp_ep {
	SM_TCP_EP_INACTIVE = 0, /**< nothing sent yet */
	SM_TCP_EP_SYN_SENT,     /**< sent a SYN, no ACK of the peer's seen */
	SM_TCP_EP_SYN_ACK_SENT, /**< sent a SYN-ACK */
	SM_TCP_EP_PARTIAL,      /**< sent data/ACK without a handshake we saw */
	SM_TCP_EP_ESTABLISHED,  /**< completed its side of the handshake */
	SM_TCP_EP_CLOSED,       /**< sent a FIN */
	SM_TCP_EP_RESET,        /**< sent a RST */
	SM_TCP_EP_MAX
};

/** FortiGate TCP session states, numbered as `proto_state` prints them. */
enum sm_tcp_fgt {
	SM_TCP_FGT_NONE = 0,
	SM_TCP_FGT_ESTABLISHED = 1,
	SM_TCP_FGT_SYN_SENT = 2,
	SM_TCP_FGT_SYN_RECV = 3,
	SM_TCP_FGT_FIN_WAIT = 4,
	SM_TCP_FGT_TIME_WAIT = 5,
	SM_TCP_FGT_CLOSE = 6,
	SM_TCP_FGT_CLOSE_WAIT = 7,
	SM_TCP_FGT_LAST_ACK = 8,
	SM_TCP_FGT_LISTEN = 9,
	SM_TCP_FGT_MAX
};

/** Per-direction TCP state, embedded in struct sm_sess_dir. */
struct sm_tcp_dir {
	uint32_t fin_seq;   /**< sequence number of this side's FIN */
	uint8_t ep;         /**< enum sm_tcp_ep */
	uint8_t fin_acked;  /**< the peer acknowledged this side's FIN */
	uint8_t seen;       /**< OR of the SM_TCP_* flags this side sent */
	uint8_t pad;
};

/**
 * Advance the machine with one TCP segment.
 *
 * @param dir   state of the sending direction
 * @param peer  state of the other direction (its FIN may be acknowledged)
 * @param tcp_flags, seq, ack  the segment's flags and numbers (host order)
 * @param payload_len  TCP payload bytes (a FIN's sequence number is seq +
 *              payload_len)
 * Worker thread.
 */
void sm_tcp_state_update(struct sm_tcp_dir *dir, struct sm_tcp_dir *peer,
			 uint8_t tcp_flags, uint32_t seq, uint32_t ack,
			 uint16_t payload_len);

/** FortiGate session state of a pair of directions. Any thread. */
enum sm_tcp_fgt sm_tcp_state_fgt(const struct sm_tcp_dir *orig,
				 const struct sm_tcp_dir *reply);

/** The timer a FortiGate TCP state runs on. Any thread. */
enum sm_timer sm_tcp_state_timer(enum sm_tcp_fgt st);

/** Name of a FortiGate TCP state as `session stat` prints it. Any thread. */
const char *sm_tcp_state_fgt_name(enum sm_tcp_fgt st);

/** Name of an endpoint state (for tests and debugging). Any thread. */
const char *sm_tcp_state_ep_name(enum sm_tcp_ep ep);

#endif /* SESSMON_TCP_STATE_H */
