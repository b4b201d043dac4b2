/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>

#include "sessmon/pkt.h"
#include "test_eal.h"

struct rte_mempool *
sm_test_eal_init(const char *prog, unsigned int n_mbufs)
{
	char *argv[] = {
		(char *)prog, "--no-huge", "--no-pci", "--no-shconf", "--no-telemetry",
		"--log-level=*:error", "-m64", "--lcores=0@0",
	};
	struct rte_mempool *mp;

	if (rte_eal_init((int)(sizeof(argv) / sizeof(argv[0])), argv) < 0) {
		fprintf(stderr, "%s: EAL: %s\n", prog, rte_strerror(rte_errno));
		exit(1);
	}
	mp = rte_pktmbuf_pool_create("test", n_mbufs, 0, SM_PKT_PRIV_SIZE,
				     RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (mp == NULL) {
		fprintf(stderr, "%s: pool: %s\n", prog, rte_strerror(rte_errno));
		exit(1);
	}
	return mp;
}

void
sm_test_eal_fini(struct rte_mempool *mp)
{
	rte_mempool_free(mp);
	rte_eal_cleanup();
}

struct rte_mbuf *
sm_test_mbuf(struct rte_mempool *mp, const void *frame, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *p;

	if (m == NULL || len > rte_pktmbuf_tailroom(m)) {
		fprintf(stderr, "test mbuf: no room for %zu bytes\n", len);
		abort();
	}
	p = rte_pktmbuf_append(m, (uint16_t)len);
	memcpy(p, frame, len);
	return m;
}
