/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Per-packet anomaly and event counters.
 *
 * Every oddity the dataplane meets (a malformed header, a full table, a
 * fragment that never completed) increments exactly one named counter here;
 * nothing on the packet path returns an error or stops. The list below is the
 * only place a counter is declared: the enum and the name table are both
 * generated from it, so they cannot drift apart.
 *
 * Each stage (ingress, worker) owns a struct sm_counters that only its own
 * lcore writes; the control thread reads it with relaxed loads and sums.
 */
#ifndef SESSMON_COUNTERS_H
#define SESSMON_COUNTERS_H

#include <stdint.h>

/* X(enum suffix, printed name, one-line meaning) */
#define SM_COUNTER_LIST(X) \
	X(RX_PKTS, "rx_packets", "frames read from the input ports") \
	X(RX_BYTES, "rx_bytes", "frame bytes read from the input ports") \
	X(NON_IP, "non_ip", "frames without an IP header (ARP, LLDP ...)") \
	X(L2_TRUNC, "l2_truncated", "frame shorter than its Ethernet/VLAN header") \
	X(VLAN_TOO_DEEP, "vlan_too_deep", "more than two VLAN tags") \
	X(IP_TRUNC, "ip_truncated", "frame shorter than its IP header") \
	X(IP_BAD_VERSION, "ip_bad_version", "IP version is neither 4 nor 6") \
	X(IP_BAD_HLEN, "ip_bad_header_length", "IPv4 IHL below 5 or past the frame") \
	X(IP_BAD_LEN, "ip_bad_total_length", "IP length field smaller than its header") \
	X(IP_SNAPLEN_CUT, "ip_snaplen_cut", "frame cut by the capture length (counted on the IP length)") \
	X(IPV6_EXT_TRUNC, "ipv6_ext_truncated", "IPv6 extension header chain runs past the packet") \
	X(IPV6_EXT_TOO_LONG, "ipv6_ext_chain_too_long", "IPv6 extension header chain too long to walk") \
	X(L4_TRUNC, "l4_truncated", "TCP/UDP/ICMP header cut short") \
	X(TCP_BAD_DOFF, "tcp_bad_data_offset", "TCP data offset below 5 words or past the packet") \
	X(TCP_BAD_FLAGS, "tcp_bad_flags", "TCP flag combination that no stack sends (SYN+FIN, SYN+RST, FIN without ACK, none)") \
	X(FRAGMENTS, "ip_fragments", "IP fragments seen") \
	X(FRAG_REASSEMBLED, "ip_frag_datagrams", "fragmented datagrams completed") \
	X(FRAG_INCOMPLETE, "ip_frag_incomplete", "fragmented datagrams that never completed") \
	X(FRAG_ORPHANS, "ip_frag_orphans", "fragments counted without their first fragment") \
	X(FRAG_BAD, "ip_frag_rejected", "fragments reassembly refused (overlap, too many, table full)") \
	X(FRAG_UNREASSEMBLABLE, "ip_frag_not_reassembled", "fragments counted without reassembly (cut by the capture length, IPv6 headers before the fragment header)") \
	X(ICMP_ERRORS, "icmp_errors", "ICMP/ICMPv6 errors attributed to a session") \
	X(ICMP_ERR_NO_SESSION, "icmp_errors_no_session", "ICMP errors quoting no known session") \
	X(ICMP_ERR_BAD_QUOTE, "icmp_errors_bad_quote", "ICMP errors whose quoted packet is unreadable") \
	X(RING_FULL, "dispatch_ring_full", "bursts that waited on a full worker ring") \
	X(SESS_CREATED, "sessions_created", "sessions created") \
	X(SESS_EXPIRED, "sessions_expired", "sessions ended by their timer") \
	X(SESS_CLEARED, "sessions_cleared", "sessions removed by a clear command") \
	X(SESS_EVICTED, "memory_tension_drop", "sessions evicted because the table was full") \
	X(SESS_SHUTDOWN, "sessions_shutdown", "sessions ended because sessmon stopped") \
	X(SESS_TABLE_FULL, "session_table_full", "packets that found the table full and nothing to evict") \
	X(CMD_RING_FULL, "command_ring_full", "control replies a worker could not queue")

/** Counter identifiers. */
enum sm_counter {
#define SM_COUNTER_ENUM(id, name, doc) SM_CNT_##id,
	SM_COUNTER_LIST(SM_COUNTER_ENUM)
#undef SM_COUNTER_ENUM
	SM_CNT_MAX
};

/** One block of counters, written by exactly one lcore. */
struct sm_counters {
	uint64_t v[SM_CNT_MAX];
};

/**
 * Printed name of a counter (stable: tools parse it).
 * Any thread may call it.
 */
const char *sm_counter_name(enum sm_counter c);

/**
 * One-line meaning of a counter, for `--help-counters` and docs.
 * Any thread may call it.
 */
const char *sm_counter_doc(enum sm_counter c);

/** Increment a counter; only the owning lcore calls it. */
static inline void
sm_counter_inc(struct sm_counters *c, enum sm_counter id)
{
	c->v[id]++;
}

/** Add to a counter; only the owning lcore calls it. */
static inline void
sm_counter_add(struct sm_counters *c, enum sm_counter id, uint64_t n)
{
	c->v[id] += n;
}

/**
 * Add every counter of @p src to @p dst, reading @p src with relaxed atomic
 * loads so that a counter block another lcore is writing can be summed.
 * Control thread.
 */
void sm_counters_accumulate(struct sm_counters *dst, const struct sm_counters *src);

#endif /* SESSMON_COUNTERS_H */
