/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Session timers, FortiOS names and defaults (../shared/fortigate/README.md §9).
 *
 * Timers are seconds of network time. They are configuration: set before
 * the workers start and read-only afterwards.
 */
#ifndef SESSMON_TIMERS_H
#define SESSMON_TIMERS_H

#include <stdint.h>

/** The timers a session can run on. */
enum sm_timer {
	SM_TIMER_SESSION_TTL = 0, /**< established TCP/SCTP, other protocols: 3600 */
	SM_TIMER_TCP_HALFOPEN,    /**< SYN_SENT, SYN_RECV, NONE: 10 */
	SM_TIMER_TCP_HALFCLOSE,   /**< FIN_WAIT, CLOSE_WAIT, LAST_ACK: 120 */
	SM_TIMER_TCP_TIMEWAIT,    /**< TIME_WAIT: 1 */
	SM_TIMER_TCP_RST,         /**< CLOSE (after RST): 5 */
	SM_TIMER_UDP_IDLE,        /**< UDP: 180 */
	SM_TIMER_ICMP_IDLE,       /**< ICMP/ICMPv6: 60 */
	SM_TIMER_MAX
};

/** Timer values in seconds, indexed by enum sm_timer. */
struct sm_timers {
	uint32_t sec[SM_TIMER_MAX];
};

/** Fill @p t with FortiOS's defaults. Control thread, before start. */
void sm_timers_default(struct sm_timers *t);

/**
 * Set one timer by its FortiOS name (`session-ttl`, `tcp-halfopen-timer`,
 * `tcp-halfclose-timer`, `tcp-timewait-timer`, `tcp-rst-timer`,
 * `udp-idle-timer`, `icmp-idle-timer`) from "NAME=SECONDS".
 *
 * @return 0, -EINVAL for an unknown name or a malformed or out-of-range
 *         value (1 .. 315360000 s; 0 is accepted for tcp-timewait-timer).
 */
int sm_timers_set(struct sm_timers *t, const char *assignment);

/** FortiOS name of a timer. Any thread. */
const char *sm_timers_name(enum sm_timer id);

#endif /* SESSMON_TIMERS_H */
