/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * A session as the control plane sees it: a self-contained copy with every
 * value the FortiGate dump, the filter and format strings need, computed at
 * one network time. Views are built under RCU from the live tables
 * (sm_sess_view_build()) and then formatted with no lock held.
 */
#ifndef SESSMON_SESS_VIEW_H
#define SESSMON_SESS_VIEW_H

#include <stdint.h>

#include "sessmon/common.h"
#include "sessmon/session.h"
#include "sessmon/tuple.h"

/** FortiGate `state=` flags sessmon can set, in FortiOS's print order. */
enum sm_fgt_flag {
	SM_FGT_FLAG_LOG = 0,
	SM_FGT_FLAG_LOCAL,
	SM_FGT_FLAG_DIRTY,
	SM_FGT_FLAG_MAY_DIRTY,
	SM_FGT_FLAG_NDR,
	SM_FGT_FLAG_BR,
	SM_FGT_FLAG_NPU,
	SM_FGT_FLAG_NPR,
	SM_FGT_FLAG_MAX
};

/** One direction of a view. */
struct sm_view_dir {
	uint8_t src[16];      /**< sender address (4 or 16 bytes used) */
	uint8_t dst[16];      /**< receiver address */
	uint16_t sport;       /**< sender port (ICMP echo: the id) */
	uint16_t dport;       /**< receiver port (ICMP echo: 8/128 orig, 0 reply) */
	uint64_t bytes;
	uint64_t pkts;
	uint32_t errs;
	uint32_t rate_Bps;
	uint8_t mac[6];       /**< Ethernet source of this direction */
	uint8_t has_mac;      /**< 1 once a packet of this direction was seen */
	uint16_t dev_in;      /**< ingress port */
	uint16_t dev_out;     /**< egress port (the other direction's ingress) */
};

/** What inspection learned of a session, as the custom fields show it. */
struct sm_insp_info {
	char sni[64];          /**< TLS server name, "" if none */
	char ja4[40];          /**< JA4 of the ClientHello, "" if none */
	uint16_t tls_version;  /**< negotiated TLS version, 0 if none */
	uint8_t valid;         /**< the session is inspected */
	uint8_t inspecting;    /**< its payload still goes through reassembly and the
				    analysers (FortiOS's redir-to-ips) */
	uint8_t done[SM_DIR_MAX]; /**< enum sm_inspect_done per direction */
	uint32_t sig_hits;     /**< signature matches */
};

/** The control plane's copy of one session. */
struct sm_sess_view {
	struct sm_sess_key key;
	struct sm_view_dir dir[SM_DIR_MAX];
	uint64_t now_us;       /**< network time the view was taken at */
	uint64_t first_us, last_us;
	uint32_t serial;
	uint32_t duration;     /**< seconds since the first packet */
	uint32_t expire;       /**< seconds left before the timer ends it */
	uint32_t timeout;      /**< FortiGate `timeout=`: the TCP/SCTP/other ttl; 0 on idle timers */
	uint32_t policy;
	uint16_t vd;
	uint16_t worker;       /**< worker that owns the session */
	uint32_t slot;         /**< its slot in that worker's table */
	uint8_t family;        /**< 4 or 6 */
	uint8_t proto;
	uint8_t proto_state;   /**< two decimal digits, e.g. 1 prints "01" */
	uint8_t tcp_state;     /**< enum sm_tcp_fgt for TCP, else 0 */
	uint8_t tcp_ep[SM_DIR_MAX]; /**< enum sm_tcp_ep per direction (TCP) */
	uint8_t tcp_seen[SM_DIR_MAX]; /**< SM_TCP_* flags each side sent (TCP) */
	uint32_t fgt_flags;    /**< bit set of enum sm_fgt_flag */
	uint32_t npu_state;    /**< FortiGate npu_state word */
	uint32_t no_ofld;      /**< bit set of enum sm_no_ofld */
	uint8_t offloaded[SM_DIR_MAX]; /**< direction handed to a fast path */
	struct sm_insp_info insp;
};

/**
 * Build a view of @p s (key @p key, slot @p slot of worker @p worker) at
 * network time @p now_us. Pure: reads @p s, writes @p v. Control thread,
 * under RCU read (the record must not be recycled while this runs).
 */
void sm_sess_view_build(struct sm_sess_view *v, const struct sm_sess_key *key,
			const struct sm_session *s, const struct sm_timers *t,
			uint64_t now_us, uint16_t worker, uint32_t slot);

/**
 * Add what inspection learned to a view built by sm_sess_view_build(): the
 * custom fields' values, and `redir-to-ips` among the reasons it is not
 * offloaded while its payload is still inspected. Control thread.
 */
void sm_sess_view_add_insp(struct sm_sess_view *v, const struct sm_insp_info *i);

/** Counters `diagnose sys session stat` prints, summed over workers. */
struct sm_sess_stat {
	uint64_t session_count;        /**< live sessions (matching the filter) */
	uint64_t setup_rate;           /**< sessions created in the last second */
	uint64_t exp_count;            /**< expired, waiting to be reaped */
	uint64_t clash;                /**< new sessions that collided with a live one */
	uint64_t memory_tension_drop;  /**< sessions evicted: table full */
	uint64_t ephemeral;            /**< TCP not established or UDP one-way */
	uint64_t ephemeral_limit;      /**< table capacity */
	uint64_t removeable;
	uint64_t npu_session_count;    /**< offloaded sessions */
	uint64_t delete_count;         /**< sessions deleted one at a time */
	uint64_t flush;                /**< clear commands since the last stat */
	uint64_t tcp_states[SM_TCP_FGT_MAX]; /**< TCP sessions per state */
	uint64_t table_size;           /**< total capacity (full-stat) */
	uint64_t max_depth;
	uint64_t ses_limit;
};

#endif /* SESSMON_SESS_VIEW_H */
