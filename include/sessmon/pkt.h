/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-packet metadata, kept in the mbuf private area.
 *
 * The ingress stage (parse + fragment reassembly) fills it once; workers
 * read it and never re-parse headers. A packet that stands for several wire
 * packets (a reassembled datagram) says so in @c n_wire and @c ip_bytes.
 */
#ifndef SESSMON_PKT_H
#define SESSMON_PKT_H

#include <stdint.h>

#include <rte_mbuf.h>

#include "sessmon/tuple.h"

/** What the worker does with a packet. */
enum sm_pkt_kind {
	SM_PKT_SESSION = 0,   /**< counts toward the session of @c key */
	SM_PKT_ICMP_ERROR,    /**< an ICMP error; @c key is the quoted packet's */
	SM_PKT_COUNT_ONLY,    /**< non-IP or malformed: counted at ingress only */
};

/** Packet flags (@c flags). */
#define SM_PF_FROM_LO    0x01 /**< travels from key endpoint 0 */
#define SM_PF_RESPONSE   0x02 /**< by nature a reply (SYN-ACK, echo reply):
				   its receiver is the originator */
#define SM_PF_FRAGMENTED 0x04 /**< stands for a fragmented datagram */
#define SM_PF_SNAP_CUT   0x08 /**< the frame was cut by the capture length */
#define SM_PF_FRAG_LATER 0x10 /**< a non-first fragment: its key has no ports
				   until it is matched to its first fragment */

/** TCP flag bits as on the wire (byte 13 of the TCP header). */
#define SM_TCP_FIN 0x01
#define SM_TCP_SYN 0x02
#define SM_TCP_RST 0x04
#define SM_TCP_PSH 0x08
#define SM_TCP_ACK 0x10
#define SM_TCP_URG 0x20
#define SM_TCP_ECE 0x40
#define SM_TCP_CWR 0x80

/** Packet metadata; lives in the mbuf private area (see sm_pkt_meta()). */
struct sm_pkt_meta {
	struct sm_sess_key key;  /**< canonical session key */
	uint64_t ts_us;          /**< capture (network) time of the last wire packet */
	uint64_t ts_first_us;    /**< time of the first wire packet (fragments) */
	uint64_t seq;            /**< 1-based input frame number of the first wire packet */
	uint32_t hash;           /**< sm_tuple_hash(&key) */
	uint32_t ip_bytes;       /**< IP bytes on the wire, header included, all fragments */
	uint32_t tcp_seq;        /**< TCP sequence number (host order) */
	uint32_t tcp_ack;        /**< TCP acknowledgement number (host order) */
	uint32_t flow_label;     /**< IPv6 flow label (0 for IPv4) */
	uint32_t frag_id;        /**< IP identification of a fragment */
	uint16_t n_wire;         /**< wire packets this mbuf stands for (>= 1) */
	uint16_t l3_off;         /**< offset of the (outer) IP header */
	uint16_t l4_off;         /**< offset of the L4 header (0 if none) */
	uint16_t payload_len;    /**< L4 payload bytes, by the IP length field */
	uint16_t in_port;        /**< DPDK port the frame came in on */
	uint8_t src_mac[6];      /**< Ethernet source */
	uint8_t dst_mac[6];      /**< Ethernet destination */
	uint8_t kind;            /**< enum sm_pkt_kind */
	uint8_t flags;           /**< SM_PF_* */
	uint8_t tcp_flags;       /**< SM_TCP_* of a TCP packet, else 0 */
	uint8_t icmp_type;       /**< ICMP type of an ICMP packet or error */
	uint8_t icmp_code;       /**< ICMP code */
	uint8_t ip_ttl;          /**< IPv4 TTL / IPv6 hop limit */
};

/** Bytes the mempool reserves per mbuf for struct sm_pkt_meta. */
#define SM_PKT_PRIV_SIZE RTE_ALIGN_CEIL(sizeof(struct sm_pkt_meta), RTE_MBUF_PRIV_ALIGN)

/** The metadata of an mbuf from a sessmon mempool. Any thread owning @p m. */
static inline struct sm_pkt_meta *
sm_pkt_meta(struct rte_mbuf *m)
{
	return (struct sm_pkt_meta *)rte_mbuf_to_priv(m);
}

/** Direction of a packet in a session whose originator is endpoint @p orig_ep. */
static inline int
sm_pkt_dir(const struct sm_pkt_meta *pm, unsigned int orig_ep)
{
	unsigned int from_ep = (pm->flags & SM_PF_FROM_LO) ? 0 : 1;

	return from_ep == orig_ep ? 0 : 1;
}

#endif /* SESSMON_PKT_H */
