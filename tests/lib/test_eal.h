/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Test support: a private, hugepage-free EAL and an mbuf pool with sessmon's
 * private area, so unit tests exercise the real DPDK structures.
 */
#ifndef SESSMON_TEST_EAL_H
#define SESSMON_TEST_EAL_H

#include <stddef.h>
#include <stdint.h>

#include <rte_mbuf.h>
#include <rte_mempool.h>

/**
 * Start the EAL the way sessmon does offline (--no-huge --no-pci
 * --no-shconf, one lcore, quiet logs) and create a pool of @p n_mbufs.
 * @return the pool; aborts the test program on failure.
 */
struct rte_mempool *sm_test_eal_init(const char *prog, unsigned int n_mbufs);

/** Stop the EAL (frees the pool). */
void sm_test_eal_fini(struct rte_mempool *mp);

/**
 * An mbuf holding a copy of @p len bytes of @p frame, its length (the
 * "captured" bytes) @p len. Aborts on failure.
 */
struct rte_mbuf *sm_test_mbuf(struct rte_mempool *mp, const void *frame, size_t len);

#endif /* SESSMON_TEST_EAL_H */
