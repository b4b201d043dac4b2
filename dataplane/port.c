/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <pcap/pcap.h>
#include <rte_bus_vdev.h>
#include <rte_ethdev.h>

#include "sessmon/port.h"

#define RX_DESC 1024
#define TX_DESC 1024

int
sm_port_check_capture(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	FILE *f;
	pcap_t *p;
	int dlt;

	/* fopen first: libpcap's message for a missing file is less plain. */
	f = fopen(path, "rb");
	if (f == NULL) {
		int e = errno;

		snprintf(err, errlen, "%s: %s", path, strerror(e));
		return -e;
	}
	fclose(f);
	/* The vdev's devargs are comma-separated key=value pairs. */
	if (strchr(path, ',') != NULL) {
		snprintf(err, errlen, "%s: a capture path may not contain ','", path);
		return -EINVAL;
	}
	p = pcap_open_offline(path, ebuf);
	if (p == NULL) {
		snprintf(err, errlen, "%s: not a readable pcap or pcapng capture (%s)", path, ebuf);
		return -EINVAL;
	}
	dlt = pcap_datalink(p);
	pcap_close(p);
	if (dlt != DLT_EN10MB) {
		snprintf(err, errlen, "%s: link type %s is not supported (Ethernet only)",
			 path, pcap_datalink_val_to_name(dlt) ? pcap_datalink_val_to_name(dlt) : "?");
		return -ENOTSUP;
	}
	return 0;
}

void
sm_port_capture_error(const char *path, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *h;
	const u_char *d;
	unsigned long n = 0;
	pcap_t *p = pcap_open_offline(path, ebuf);
	int rc;

	if (p == NULL) {
		snprintf(err, errlen, "%s: %s", path, ebuf);
		return;
	}
	while ((rc = pcap_next_ex(p, &h, &d)) == 1)
		n++;
	if (rc == PCAP_ERROR)
		snprintf(err, errlen, "%s: capture cut short or corrupt after %lu packets: %s",
			 path, n, pcap_geterr(p));
	else
		snprintf(err, errlen, "%s: read error after %lu packets", path, n);
	pcap_close(p);
}

int
sm_port_add_capture(const char *path, unsigned int idx)
{
	char name[32], args[4200];
	uint16_t port;
	int rc;

	snprintf(name, sizeof(name), "net_pcap_sm%u", idx);
	if ((size_t)snprintf(args, sizeof(args), "rx_pcap=%s", path) >= sizeof(args))
		return -ENAMETOOLONG;
	rc = rte_vdev_init(name, args);
	if (rc != 0)
		return rc < 0 ? rc : -rc;
	rc = rte_eth_dev_get_port_by_name(name, &port);
	return rc == 0 ? port : rc;
}

int
sm_port_start(uint16_t port_id, struct rte_mempool *pool)
{
	struct rte_eth_conf conf;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(port_id, 0, RX_DESC,
					    rte_eth_dev_socket_id(port_id), NULL, pool);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(port_id, 0, TX_DESC,
					    rte_eth_dev_socket_id(port_id), NULL);
	if (rc == 0)
		rc = rte_eth_dev_start(port_id);
	return rc;
}
