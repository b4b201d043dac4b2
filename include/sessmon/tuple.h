/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * The canonical session key and the symmetric flow hash.
 *
 * Both directions of a session must build the same key, so that they meet
 * on one worker and in one table entry. The key stores its two endpoints in
 * a fixed order (the lower address first, ports travelling with their
 * address) instead of "source" and "destination"; a packet then only needs
 * one bit to say which endpoint sent it. Hashing the canonical key is
 * symmetric by construction: no direction-dependent mixing is needed.
 *
 * Endpoint "ports" by kind (see ../shared/traces/README.md, FortiGate's
 * `src:id->dst:8` for ICMP):
 * - TCP, UDP, SCTP: the ports, travelling with their address;
 * - ICMP/ICMPv6 echo (and timestamp): the requester's port is the echo id,
 *   the replier's port is the request type (8, 13 or 128), so a request and
 *   its reply build the same key;
 * - other ICMP messages: (type, code), fixed to the lower/higher address
 *   slots independent of direction (both sides' neighbour solicitations
 *   are one session);
 * - any other protocol, orphan fragments, cut L4 headers: 0/0.
 */
#ifndef SESSMON_TUPLE_H
#define SESSMON_TUPLE_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/** What a key stands for beyond protocol and addresses. */
enum sm_key_kind {
	SM_KEY_L4 = 0,        /**< ports/ids/types as above */
	SM_KEY_FRAG_ORPHAN,   /**< fragments whose first fragment never came */
	SM_KEY_L4_TRUNC,      /**< L4 header cut short: protocol + addresses */
	SM_KEY_KIND_MAX
};

/** Marks a VLAN slot as holding a tag (VLAN id 0 is a valid tag). */
#define SM_VLAN_PRESENT 0x8000
/** The VLAN id bits of a VLAN slot. */
#define SM_VLAN_ID_MASK 0x0fff

/**
 * Canonical session key, 48 bytes so that rte_hash uses its specialised
 * 48-byte compare. Addresses are in network order (IPv4 in the first four
 * bytes, the rest zero); ports in host order.
 */
struct sm_sess_key {
	uint8_t addr[2][16];  /**< [0] lower endpoint, [1] higher endpoint */
	uint16_t port[2];     /**< port/id/type of endpoint 0 and 1 */
	uint16_t vlan[2];     /**< outer, inner tag: SM_VLAN_PRESENT | id, or 0 */
	uint8_t proto;        /**< IP protocol number (58 for ICMPv6) */
	uint8_t family;       /**< 4 or 6 */
	uint8_t kind;         /**< enum sm_key_kind */
	uint8_t pad[5];       /**< always zero: the key is compared bytewise */
};

_Static_assert(sizeof(struct sm_sess_key) == 48, "session key must stay 48 bytes");

/** One endpoint's address and port as seen in a packet. */
struct sm_endpoint {
	const uint8_t *addr;  /**< 4 or 16 bytes, network order */
	uint16_t port;        /**< host order */
};

/**
 * Build the canonical key of a packet going from @p src to @p dst.
 *
 * @param key      output; fully written, padding zeroed
 * @param family   4 or 6
 * @param proto    IP protocol number
 * @param kind     enum sm_key_kind
 * @param src, dst the packet's endpoints
 * @param ports_fixed  true for "other ICMP": ports stay in their slots
 *                 (port[0] = type, port[1] = code) whichever way the packet
 *                 travels
 * @param vlan     the packet's two VLAN slots
 * @return true if @p src is endpoint 0 of the key (the packet travels
 *         from the lower endpoint), false otherwise
 *
 * Any thread may call it.
 */
bool sm_tuple_key_build(struct sm_sess_key *key, uint8_t family, uint8_t proto,
			uint8_t kind, const struct sm_endpoint *src,
			const struct sm_endpoint *dst, bool ports_fixed,
			const uint16_t vlan[2]);

/**
 * Symmetric 32-bit hash of a canonical key (CRC32-C where the CPU has it,
 * as rte_hash_crc). The same value selects the worker and is passed to
 * rte_hash, so the key is hashed once per packet. Any thread.
 */
uint32_t sm_tuple_hash(const struct sm_sess_key *key);

/**
 * Worker index for a hash: the top bits, so that rte_hash (which uses the
 * low bits for its buckets) and the dispatcher use independent bits.
 * Any thread.
 */
static inline unsigned int
sm_tuple_worker(uint32_t hash, unsigned int n_workers)
{
	return (unsigned int)(((uint64_t)hash * n_workers) >> 32);
}

/**
 * Address length in bytes of a key's family (4 or 16). Any thread.
 */
static inline unsigned int
sm_tuple_addr_len(const struct sm_sess_key *key)
{
	return key->family == 6 ? 16 : 4;
}

#endif /* SESSMON_TUPLE_H */
