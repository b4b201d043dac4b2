/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * IP fragments: reassembly with DPDK's rte_ip_frag, plus the accounting the
 * session table needs, which rte_ip_frag does not do.
 *
 * Every fragment is one wire packet of its datagram's session, with its own
 * IP bytes (../shared/traces/README.md). A reassembled datagram therefore
 * leaves as one mbuf (the chained fragments) whose metadata says how many
 * wire packets and IP bytes it stands for. A datagram that never completes
 * (timed out, overlapping, too many fragments, table full) is not lost: its
 * fragments come back out of rte_ip_frag's death row one by one, each
 * counted, non-first fragments keyed to their first fragment's session when
 * it was seen, else to an address-only "orphan" session.
 *
 * Time is the network time of the packets (µs), so results do not depend on
 * how fast a capture is read.
 *
 * Single-threaded: the ingress lcore owns a struct sm_frag. After each
 * sm_frag_feed() or sm_frag_expire() the caller drains every ready packet
 * with sm_frag_drain() before the next call.
 */
#ifndef SESSMON_FRAG_H
#define SESSMON_FRAG_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_mbuf.h>

#include "sessmon/counters.h"

struct sm_frag;

/**
 * Create a reassembly context for @p max_datagrams datagrams in progress,
 * each given @p timeout_us of network time to complete.
 * @return the context, or NULL (rte_errno set). Any lcore, after EAL init.
 */
struct sm_frag *sm_frag_create(unsigned int max_datagrams, uint64_t timeout_us, int socket);

/** Free a context and every mbuf it holds; NULL is a no-op. Owner lcore. */
void sm_frag_free(struct sm_frag *f);

/**
 * Take one fragment parsed by sm_parse_pkt() (SM_PARSE_FRAGMENT).
 * @return packets now ready for sm_frag_drain(). Owner lcore.
 */
unsigned int sm_frag_feed(struct sm_frag *f, struct rte_mbuf *m, struct sm_counters *cnt);

/**
 * Give up on datagrams older than the timeout at network time @p now_us
 * (all of them if @p flush_all), making their fragments ready.
 * Call until it returns 0. @return packets now ready. Owner lcore.
 */
unsigned int sm_frag_expire(struct sm_frag *f, uint64_t now_us, bool flush_all,
			    struct sm_counters *cnt);

/**
 * Move up to @p n ready packets to @p out.
 * @return how many were moved. Owner lcore.
 */
unsigned int sm_frag_drain(struct sm_frag *f, struct rte_mbuf **out, unsigned int n);

#endif /* SESSMON_FRAG_H */
