/* SPDX-License-Identifier: BSD-3-Clause */
/**
 * @file
 * Input ports: capture files as net_pcap vdevs, and any ethdev the EAL
 * arguments created (net_ring, net_af_packet, net_af_xdp, a NIC).
 */
#ifndef SESSMON_PORT_H
#define SESSMON_PORT_H

#include <stdint.h>

#include <rte_mempool.h>

/**
 * Check that @p path is a capture sessmon can read (pcap or pcapng with an
 * Ethernet link type), without reading it through.
 * @param err  buffer for one clear line on failure
 * @return 0, or -errno (-ENOENT, -EACCES, -EINVAL for not a capture,
 *         -ENOTSUP for another link type). Main thread.
 */
int sm_port_check_capture(const char *path, char *err, size_t errlen);

/**
 * Create the net_pcap vdev number @p idx reading @p path.
 * @return its port id, or -errno. Main thread, after EAL init.
 */
int sm_port_add_capture(const char *path, unsigned int idx);

/**
 * Configure one rx and one tx queue on @p port_id and start it.
 * @return 0 or -errno. Main thread.
 */
int sm_port_start(uint16_t port_id, struct rte_mempool *pool);

/**
 * Describe why a capture stopped early (libpcap's own message), for the
 * one-line error sessmon prints. Main thread.
 */
void sm_port_capture_error(const char *path, char *err, size_t errlen);

#endif /* SESSMON_PORT_H */
