/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The session record and its per-packet accounting.
 *
 * A session lives in slot P of its worker's session array, where P is the
 * position rte_hash gave its key; the key itself stays in the hash. The
 * record is 128 bytes (two cache lines): with the hash's own per-key cost
 * that keeps a session under 256 bytes of memory.
 *
 * Written only by the owning worker. The control thread reads records
 * under RCU (see sess_table.h) and must treat a record whose serial is 0 as
 * free.
 */
#ifndef SESSMON_SESSION_H
#define SESSMON_SESSION_H

#include <stdint.h>

#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/tcp_state.h"
#include "sessmon/timers.h"

/** Reasons a session is not offloaded that are remembered per session. */
enum sm_no_ofld {
	SM_NO_OFLD_NON_NPU_INTF = 0, /**< no fast path on the session's ports */
	SM_NO_OFLD_NOT_ESTABLISHED,  /**< TCP handshake not complete */
	SM_NO_OFLD_REDIR_TO_IPS,     /**< payload inspection still running */
	SM_NO_OFLD_NPU_FLAG_OFF,     /**< protocol the fast path cannot carry */
	SM_NO_OFLD_MAX
};

/** Per-direction half of a session. */
struct sm_sess_dir {
	uint64_t bytes;        /**< IP bytes, header included */
	uint64_t pkts;         /**< wire packets (every fragment counts) */
	uint32_t errs;         /**< ICMP errors travelling this way (allow_err) */
	uint32_t win_bytes;    /**< bytes in the second of the session's last packet
				    (the rate: see sm_session_rate()) */
	struct sm_tcp_dir tcp; /**< TCP endpoint state (zero for other protocols) */
	uint8_t mac[6];        /**< Ethernet source of this direction */
	uint16_t port;         /**< DPDK port this direction comes in on */
};

struct sm_insp;

/** Why a session ended (counted, and carried by connection_state_remove). */
enum sm_end_reason {
	SM_END_EXPIRED = 0, /**< its timer ran out (after a FIN, a RST or idleness) */
	SM_END_CLEARED,     /**< `diagnose sys session clear` */
	SM_END_EVICTED,     /**< the table was full */
	SM_END_SHUTDOWN,    /**< sessmon stopped (the end of the input) */
	SM_END_MAX
};

/** A session. */
struct sm_session {
	struct sm_sess_dir dir[SM_DIR_MAX]; /**< SM_DIR_ORIG, SM_DIR_REPLY */
	uint64_t first_us;     /**< network time of the first packet */
	uint64_t last_us;      /**< network time of the last packet */
	uint32_t serial;       /**< input frame number of the first packet; 0 = free slot */
	uint32_t wheel_next;   /**< ageing wheel links (slot indexes) */
	uint32_t wheel_prev;
	uint32_t policy;       /**< firewall policy id (0: no policies yet) */
	uint16_t vd;           /**< VDOM index */
	uint8_t orig_ep;       /**< key endpoint (0/1) that originated the session */
	uint8_t timer;         /**< enum sm_timer the session runs on now */
	uint8_t offload;       /**< offload state (0: not offloaded) */
	uint8_t no_ofld;       /**< bit set of enum sm_no_ofld, remembered reasons */
	uint8_t sflags;        /**< SM_SF_* */
	uint8_t pad;
	struct sm_insp *insp;  /**< inspection state (inspect.h), or NULL */
};

_Static_assert(sizeof(struct sm_session) == 128, "a session must stay two cache lines");

/** Session flag: originator and responder were swapped because the TCP
 * SYN came from the side first seen as the responder (a capture that began
 * mid-handshake). */
#define SM_SF_FLIPPED 0x01
/** Session flag: a payload signature matched (inspect.h). */
#define SM_SF_SIG_MATCH 0x02

/**
 * Set up a new session from its first packet. Worker thread.
 * @param s     the (recycled) record; fully rewritten
 * @param pm    the packet
 */
void sm_session_init(struct sm_session *s, const struct sm_pkt_meta *pm);

/**
 * Account one packet (or one reassembled datagram) to its session: bytes,
 * packets, MACs, rates, TCP state and the timer it selects. Worker thread.
 * @return the direction of the packet (SM_DIR_ORIG or SM_DIR_REPLY)
 */
int sm_session_update(struct sm_session *s, const struct sm_pkt_meta *pm);

/**
 * Account an ICMP error quoting this session, in the direction it travels.
 * Worker thread.
 */
void sm_session_icmp_error(struct sm_session *s, const struct sm_pkt_meta *pm);

/**
 * Rate of direction @p dir in bytes per second at network time @p now_us:
 * the bytes of the second the session last saw a packet in, while that
 * second is the current or the previous one; 0 once idle longer.
 * Any thread (reads only).
 */
uint32_t sm_session_rate(const struct sm_session *s, int dir, uint64_t now_us);

/**
 * Network time (µs) at which the session expires if no packet comes.
 * Any thread (reads only).
 */
uint64_t sm_session_expiry(const struct sm_session *s, const struct sm_timers *t);

#endif /* SESSMON_SESSION_H */
