/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The packet parser: Ethernet, 802.1Q/QinQ, IPv4 (options), IPv6 (extension
 * header chains), fragments, TCP, UDP, SCTP, ICMP and ICMPv6, into struct
 * sm_pkt_meta (canonical key, hash, flags, lengths).
 *
 * Lengths follow ../shared/traces/README.md: IP bytes are the IPv4 total
 * length or the IPv6 payload length + 40 from the header, so a frame cut by
 * the capture length still counts what travelled. The parser reads headers
 * with rte_pktmbuf_read(), so multi-segment mbufs (jumbo frames) parse like
 * any other, and it never reads past the captured bytes.
 *
 * Every packet it cannot key increments exactly one counter.
 */
#ifndef SESSMON_PARSE_H
#define SESSMON_PARSE_H

#include <rte_mbuf.h>

#include "sessmon/counters.h"
#include "sessmon/pkt.h"

/** What the caller does with a parsed packet. */
enum sm_parse_result {
	SM_PARSE_OK = 0,     /**< @c pm is complete: dispatch it */
	SM_PARSE_FRAGMENT,   /**< an IP fragment: hand it to the reassembly
				  (m->l2_len and m->l3_len are set;
				  l3_len 0 when rte_ip_frag cannot take
				  it, e.g. a deep VLAN stack) */
	SM_PARSE_DROP,       /**< non-IP or malformed: counted, free it */
};

/**
 * Parse one frame. @c pm's time, sequence and port fields (set by the
 * caller before) are kept; everything else is written.
 *
 * @param m    the frame (any number of segments)
 * @param pm   its metadata
 * @param cnt  the calling lcore's counters
 * Ingress lcore (any thread owning @p m and @p cnt).
 */
enum sm_parse_result sm_parse_pkt(struct rte_mbuf *m, struct sm_pkt_meta *pm,
				  struct sm_counters *cnt);

/**
 * The reply type of an echo-like ICMP request type (echo, timestamp,
 * ICMPv6 echo), the pairs sessions are keyed by identifier on.
 * @return the reply type, or -ENOENT if @p type is not such a request.
 * Any thread.
 */
int sm_parse_icmp_reply_type(uint8_t family, uint8_t type);

#endif /* SESSMON_PARSE_H */
