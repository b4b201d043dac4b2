/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_hash_crc.h>

#include "sessmon/tuple.h"

/* Endpoint order: address first, then port, so that two sessions between
 * the same hosts still order their endpoints consistently. */
static int
endpoint_cmp(const struct sm_endpoint *a, const struct sm_endpoint *b, unsigned int alen,
	     bool ports_fixed)
{
	int c = memcmp(a->addr, b->addr, alen);

	if (c != 0 || ports_fixed)
		return c;
	return (a->port > b->port) - (a->port < b->port);
}

bool
sm_tuple_key_build(struct sm_sess_key *key, uint8_t family, uint8_t proto, uint8_t kind,
		   const struct sm_endpoint *src, const struct sm_endpoint *dst,
		   bool ports_fixed, const uint16_t vlan[2])
{
	unsigned int alen = family == 6 ? 16 : 4;
	bool src_lo = endpoint_cmp(src, dst, alen, ports_fixed) <= 0;
	const struct sm_endpoint *lo = src_lo ? src : dst, *hi = src_lo ? dst : src;

	memset(key, 0, sizeof(*key));
	memcpy(key->addr[0], lo->addr, alen);
	memcpy(key->addr[1], hi->addr, alen);
	if (ports_fixed) {
		key->port[0] = src->port;
		key->port[1] = dst->port;
	} else {
		key->port[0] = lo->port;
		key->port[1] = hi->port;
	}
	key->vlan[0] = vlan[0];
	key->vlan[1] = vlan[1];
	key->proto = proto;
	key->family = family;
	key->kind = kind;
	return src_lo;
}

uint32_t
sm_tuple_hash(const struct sm_sess_key *key)
{
	return rte_hash_crc(key, sizeof(*key), 0);
}
