/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The canonical session key and the symmetric hash.
 *
 * Expected keys are written field by field from tuple.h's rules (the
 * lower address is endpoint 0, compared as a big-endian number, and its
 * port travels with it; equal addresses are ordered by port; other-ICMP
 * keeps (type, code) in fixed slots) and from the keying rules of
 * ../shared/traces/README.md. Random tuples come from a fixed-seed
 * generator, so every run checks the same ones.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/common.h"
#include "sessmon/tuple.h"

static const uint16_t no_vlan[2] = { 0, 0 };

/* xorshift64*: a fixed sequence, no dependence on libc's rand(). */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

static uint64_t
rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dULL;
}

/*
 * Build the key of a packet from @p a to @p b and of one going back; check
 * they are one key and hash and that exactly one of the two packets comes
 * from endpoint 0. With @p ports_fixed the "ports" are the packet's (type,
 * code), not the endpoints': the packet going back carries them in the
 * same places.
 */
static void
build_both(struct sm_sess_key *key, uint8_t family, uint8_t proto, uint8_t kind,
	   const struct sm_endpoint *a, const struct sm_endpoint *b, bool ports_fixed,
	   const uint16_t vlan[2], bool *a_is_lo)
{
	const struct sm_endpoint back_src = { b->addr, ports_fixed ? a->port : b->port };
	const struct sm_endpoint back_dst = { a->addr, ports_fixed ? b->port : a->port };
	struct sm_sess_key back;
	bool fwd_lo, back_lo;

	memset(key, 0x5a, sizeof(*key));
	memset(&back, 0xa5, sizeof(back));
	fwd_lo = sm_tuple_key_build(key, family, proto, kind, a, b, ports_fixed, vlan);
	back_lo = sm_tuple_key_build(&back, family, proto, kind, &back_src, &back_dst,
				     ports_fixed, vlan);
	assert_memory_equal(key, &back, sizeof(back));
	assert_int_equal(sm_tuple_hash(key), sm_tuple_hash(&back));
	*a_is_lo = fwd_lo;
	/* Equal endpoints are both "endpoint 0"; otherwise exactly one is. */
	if (memcmp(a->addr, b->addr, family == 6 ? 16 : 4) != 0 ||
	    (!ports_fixed && a->port != b->port))
		assert_true(fwd_lo != back_lo);
}

static void
test_ipv4_tcp(void **state)
{
	static const uint8_t client[4] = { 192, 168, 1, 20 };
	static const uint8_t server[4] = { 10, 1, 2, 3 };
	const struct sm_endpoint c = { client, 40000 }, s = { server, 443 };
	struct sm_sess_key key;
	bool c_lo;

	(void)state;
	build_both(&key, 4, 6, SM_KEY_L4, &c, &s, false, no_vlan, &c_lo);
	/* 10.1.2.3 = 0x0a010203 < 192.168.1.20 = 0xc0a80114: the server is
	 * endpoint 0, its port 443 with it; the client is not. */
	assert_false(c_lo);
	assert_memory_equal(key.addr[0], server, 4);
	assert_memory_equal(key.addr[1], client, 4);
	assert_int_equal(key.port[0], 443);
	assert_int_equal(key.port[1], 40000);
	assert_int_equal(key.proto, 6);
	assert_int_equal(key.family, 4);
	assert_int_equal(key.kind, SM_KEY_L4);
	assert_int_equal(key.vlan[0], 0);
	assert_int_equal(key.vlan[1], 0);
}

static void
test_ipv4_uses_four_bytes(void **state)
{
	/* The endpoint addresses sit in 16-byte buffers whose last 12 bytes
	 * differ: an IPv4 key must read only the first 4 and zero the rest. */
	static const uint8_t a1[16] = { 10, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef,
					1, 2, 3, 4, 5, 6, 7, 8 };
	static const uint8_t b1[16] = { 10, 0, 0, 2, 0xff, 0xff, 0xff, 0xff,
					9, 9, 9, 9, 9, 9, 9, 9 };
	static const uint8_t a2[16] = { 10, 0, 0, 1 };
	static const uint8_t b2[16] = { 10, 0, 0, 2, 0x01 };
	static const uint8_t zero[12] = { 0 };
	const struct sm_endpoint ea1 = { a1, 53 }, eb1 = { b1, 1053 };
	const struct sm_endpoint ea2 = { a2, 53 }, eb2 = { b2, 1053 };
	struct sm_sess_key k1, k2;
	bool lo;

	(void)state;
	build_both(&k1, 4, 17, SM_KEY_L4, &ea1, &eb1, false, no_vlan, &lo);
	assert_true(lo);
	build_both(&k2, 4, 17, SM_KEY_L4, &ea2, &eb2, false, no_vlan, &lo);
	assert_true(lo);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_memory_equal(k1.addr[0] + 4, zero, sizeof(zero));
	assert_memory_equal(k1.addr[1] + 4, zero, sizeof(zero));
}

static void
test_ipv6_big_endian_order(void **state)
{
	/* 2001:db8::100 and 2001:db8::ff differ in their last two bytes:
	 * 01 00 against 00 ff. As numbers ::ff < ::100, so ::ff is endpoint
	 * 0 although its last byte is the larger one. */
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0x01, 0x00 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				       0, 0, 0, 0, 0, 0, 0x00, 0xff };
	const struct sm_endpoint ea = { a, 22 }, eb = { b, 50000 };
	struct sm_sess_key key;
	bool a_lo;

	(void)state;
	build_both(&key, 6, 6, SM_KEY_L4, &ea, &eb, false, no_vlan, &a_lo);
	assert_false(a_lo);
	assert_memory_equal(key.addr[0], b, 16);
	assert_memory_equal(key.addr[1], a, 16);
	assert_int_equal(key.port[0], 50000);
	assert_int_equal(key.port[1], 22);
	assert_int_equal(key.family, 6);
}

static void
test_equal_addresses_by_port(void **state)
{
	/* 127.0.0.1:5000 -> 127.0.0.1:80: the addresses tie, port 80 is the
	 * lower endpoint. */
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	const struct sm_endpoint cli = { lo, 5000 }, srv = { lo, 80 };
	struct sm_sess_key key;
	bool cli_lo;

	(void)state;
	build_both(&key, 4, 6, SM_KEY_L4, &cli, &srv, false, no_vlan, &cli_lo);
	assert_false(cli_lo);
	assert_int_equal(key.port[0], 80);
	assert_int_equal(key.port[1], 5000);
	assert_memory_equal(key.addr[0], lo, 4);
	assert_memory_equal(key.addr[1], lo, 4);
}

static void
test_same_endpoint_both_ways(void **state)
{
	/* A packet from an endpoint to itself: one key, and its sender is
	 * endpoint 0 whichever way it is built. */
	static const uint8_t lo[4] = { 127, 0, 0, 1 };
	const struct sm_endpoint e = { lo, 53 };
	struct sm_sess_key key;
	bool is_lo;

	(void)state;
	build_both(&key, 4, 17, SM_KEY_L4, &e, &e, false, no_vlan, &is_lo);
	assert_true(is_lo);
	assert_int_equal(key.port[0], 53);
	assert_int_equal(key.port[1], 53);
}

static void
test_port_travels_with_address(void **state)
{
	/* The higher address has the lower port: ports are not sorted on
	 * their own (10.0.0.9:65000 is endpoint 0, 10.0.0.10:1 endpoint 1). */
	static const uint8_t a[4] = { 10, 0, 0, 9 }, b[4] = { 10, 0, 0, 10 };
	const struct sm_endpoint ea = { a, 65000 }, eb = { b, 1 };
	struct sm_sess_key key;
	bool a_lo;

	(void)state;
	build_both(&key, 4, 17, SM_KEY_L4, &eb, &ea, false, no_vlan, &a_lo);
	assert_false(a_lo);
	assert_int_equal(key.port[0], 65000);
	assert_int_equal(key.port[1], 1);
}

static void
test_icmp_echo_ports(void **state)
{
	/* ICMP echo (traces README "icmp-echo"): the requester's port is
	 * the identifier, the replier's the request type 8. The request
	 * 192.0.2.1 -> 192.0.2.200 id 0x1234 and its reply build one key,
	 * with 192.0.2.1 (the lower) as endpoint 0 carrying 0x1234. */
	static const uint8_t req[4] = { 192, 0, 2, 1 }, rep[4] = { 192, 0, 2, 200 };
	const struct sm_endpoint requester = { req, 0x1234 }, replier = { rep, 8 };
	struct sm_sess_key key;
	bool req_lo;

	(void)state;
	build_both(&key, 4, 1, SM_KEY_L4, &requester, &replier, false, no_vlan, &req_lo);
	assert_true(req_lo);
	assert_int_equal(key.port[0], 0x1234);
	assert_int_equal(key.port[1], 8);
	assert_int_equal(key.proto, 1);
}

static void
test_ports_fixed(void **state)
{
	/*
	 * Other ICMP (traces README "icmp-other"): (type, code) stay in
	 * port[0], port[1] whichever way the packet goes, and the addresses
	 * are ordered by address only. Neighbour solicitation, ICMPv6 type
	 * 135 code 0, from fe80::2 to fe80::1 and from fe80::1 to fe80::2:
	 * one key, fe80::1 first, port[0] = 135, port[1] = 0.
	 */
	static const uint8_t ll1[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t ll2[16] = { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	const struct sm_endpoint from2 = { ll2, 135 }, to1 = { ll1, 0 };
	const struct sm_endpoint from1 = { ll1, 135 }, to2 = { ll2, 0 };
	const struct sm_endpoint adv_from1 = { ll1, 136 };
	struct sm_sess_key k21, k12, k_adv;
	bool lo21, lo12;

	(void)state;
	memset(&k21, 0x33, sizeof(k21));
	memset(&k12, 0xcc, sizeof(k12));
	lo21 = sm_tuple_key_build(&k21, 6, 58, SM_KEY_L4, &from2, &to1, true, no_vlan);
	lo12 = sm_tuple_key_build(&k12, 6, 58, SM_KEY_L4, &from1, &to2, true, no_vlan);
	assert_false(lo21);
	assert_true(lo12);
	assert_memory_equal(&k21, &k12, sizeof(k21));
	assert_int_equal(sm_tuple_hash(&k21), sm_tuple_hash(&k12));
	assert_memory_equal(k21.addr[0], ll1, 16);
	assert_memory_equal(k21.addr[1], ll2, 16);
	assert_int_equal(k21.port[0], 135);
	assert_int_equal(k21.port[1], 0);

	/* The type/code 135/0 and 136/0 sessions of the same hosts stay
	 * apart. */
	sm_tuple_key_build(&k_adv, 6, 58, SM_KEY_L4, &adv_from1, &to2, true, no_vlan);
	assert_int_equal(k_adv.port[0], 136);
	assert_int_equal(k_adv.port[1], 0);
	assert_memory_not_equal(&k_adv, &k12, sizeof(k12));
}

static void
test_padding_zero(void **state)
{
	/* Two keys built over different garbage are equal byte for byte:
	 * rte_hash compares all 48 bytes, padding included. */
	static const uint8_t a[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };
	static const uint8_t b[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 };
	static const uint8_t zero5[5] = { 0 };
	const struct sm_endpoint ea = { a, 1 }, eb = { b, 2 };
	struct sm_sess_key k1, k2;

	(void)state;
	memset(&k1, 0xff, sizeof(k1));
	memset(&k2, 0x81, sizeof(k2));
	sm_tuple_key_build(&k1, 6, 132, SM_KEY_L4, &ea, &eb, false, no_vlan);
	sm_tuple_key_build(&k2, 6, 132, SM_KEY_L4, &ea, &eb, false, no_vlan);
	assert_memory_equal(&k1, &k2, sizeof(k1));
	assert_memory_equal(k1.pad, zero5, sizeof(zero5));
}

static void
test_vlan_slots(void **state)
{
	/* QinQ outer 13, inner 10 (zeek_qinq in the traces README) go to
	 * vlan[0], vlan[1] unchanged; a VLAN 0 tag (zeek_http_vlan) is not
	 * "untagged"; different tags are different sessions. */
	static const uint8_t a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	const uint16_t qinq[2] = { SM_VLAN_PRESENT | 13, SM_VLAN_PRESENT | 10 };
	const uint16_t vlan0[2] = { SM_VLAN_PRESENT | 0, 0 };
	const uint16_t vlan13[2] = { SM_VLAN_PRESENT | 13, 0 };
	const struct sm_endpoint ea = { a, 5353 }, eb = { b, 53 };
	struct sm_sess_key k_qinq, k_v0, k_v13, k_none;
	bool lo;

	(void)state;
	build_both(&k_qinq, 4, 17, SM_KEY_L4, &ea, &eb, false, qinq, &lo);
	assert_int_equal(k_qinq.vlan[0], 0x8000 | 13);
	assert_int_equal(k_qinq.vlan[1], 0x8000 | 10);
	build_both(&k_v0, 4, 17, SM_KEY_L4, &ea, &eb, false, vlan0, &lo);
	assert_int_equal(k_v0.vlan[0], 0x8000);
	assert_int_equal(k_v0.vlan[1], 0);
	build_both(&k_v13, 4, 17, SM_KEY_L4, &ea, &eb, false, vlan13, &lo);
	build_both(&k_none, 4, 17, SM_KEY_L4, &ea, &eb, false, no_vlan, &lo);
	assert_memory_not_equal(&k_v0, &k_none, sizeof(k_none));
	assert_memory_not_equal(&k_v13, &k_qinq, sizeof(k_none));
	/* CRC-32C detects every error burst up to 32 bits: keys that differ
	 * only inside one 16-bit field never share a hash. */
	assert_int_not_equal(sm_tuple_hash(&k_v0), sm_tuple_hash(&k_none));
	assert_int_not_equal(sm_tuple_hash(&k_v13), sm_tuple_hash(&k_v0));
}

static void
test_kind_family_proto_distinguish(void **state)
{
	/* The same address bytes and ports as IPv4 and IPv6, TCP and UDP,
	 * L4 and orphan fragments: four different sessions. */
	static const uint8_t a[16] = { 10, 0, 0, 1 }, b[16] = { 10, 0, 0, 2 };
	const struct sm_endpoint ea = { a, 0 }, eb = { b, 0 };
	struct sm_sess_key k[4];
	uint32_t h[4];
	bool lo;

	(void)state;
	build_both(&k[0], 4, 6, SM_KEY_L4, &ea, &eb, false, no_vlan, &lo);
	build_both(&k[1], 6, 6, SM_KEY_L4, &ea, &eb, false, no_vlan, &lo);
	build_both(&k[2], 4, 17, SM_KEY_L4, &ea, &eb, false, no_vlan, &lo);
	build_both(&k[3], 4, 6, SM_KEY_FRAG_ORPHAN, &ea, &eb, false, no_vlan, &lo);
	assert_int_equal(k[3].kind, SM_KEY_FRAG_ORPHAN);
	for (int i = 0; i < 4; i++)
		h[i] = sm_tuple_hash(&k[i]);
	for (int i = 0; i < 4; i++)
		for (int j = i + 1; j < 4; j++) {
			assert_memory_not_equal(&k[i], &k[j], sizeof(k[i]));
			/* They differ within bytes 44..46 (proto, family,
			 * kind): a burst under 32 bits, so the CRC differs. */
			assert_int_not_equal(h[i], h[j]);
		}
}

/* Bitwise CRC-32C (Castagnoli, reflected polynomial 0x82f63b78), the
 * textbook shift-register form, independent of rte_hash_crc's tables and
 * instructions. */
static uint32_t
crc32c_ref(const void *data, size_t len, uint32_t crc)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++) {
		crc ^= p[i];
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return crc;
}

static void
test_hash_is_crc32c(void **state)
{
	static const uint8_t a[4] = { 192, 168, 1, 20 }, b[4] = { 10, 1, 2, 3 };
	const struct sm_endpoint ea = { a, 40000 }, eb = { b, 443 };
	struct sm_sess_key key;

	(void)state;
	/* The reference itself: CRC-32C of "123456789" with the standard
	 * preset and final inversion is 0xe3069283 (RFC 3720 B.4 check
	 * value). */
	assert_int_equal(~crc32c_ref("123456789", 9, ~0u), 0xe3069283u);
	/* tuple.h: CRC-32C as rte_hash_crc computes it, seed 0 and no
	 * inversion, over the whole 48-byte key. */
	sm_tuple_key_build(&key, 4, 6, SM_KEY_L4, &ea, &eb, false, no_vlan);
	assert_int_equal(sm_tuple_hash(&key), crc32c_ref(&key, sizeof(key), 0));
}

static void
random_endpoint(struct sm_endpoint *e, uint8_t addr[16], unsigned int alen)
{
	uint64_t r = rng();

	memset(addr, 0, 16);
	/* Few distinct addresses, so that equal addresses (port order) and
	 * shared prefixes come up often. */
	for (unsigned int i = 0; i < alen; i++)
		addr[i] = (uint8_t)(rng() & 3);
	e->addr = addr;
	e->port = (uint16_t)(r & 7 ? r >> 16 : r & 3);
}

static void
test_random_symmetric(void **state)
{
	(void)state;
	for (int i = 0; i < 100000; i++) {
		uint8_t a[16], b[16];
		struct sm_endpoint ea, eb;
		uint8_t family = (i & 1) ? 6 : 4;
		bool ports_fixed = (i % 7) == 0;
		uint16_t vlan[2] = { (uint16_t)(i & 2 ? SM_VLAN_PRESENT | (rng() & 0xfff) : 0), 0 };
		struct sm_sess_key key;
		bool lo;

		random_endpoint(&ea, a, family == 6 ? 16 : 4);
		random_endpoint(&eb, b, family == 6 ? 16 : 4);
		build_both(&key, family, (uint8_t)rng(), SM_KEY_L4, &ea, &eb, ports_fixed, vlan,
			   &lo);
		/* Endpoint 0 is never above endpoint 1. */
		assert_true(memcmp(key.addr[0], key.addr[1], 16) <= 0);
		if (!ports_fixed && memcmp(key.addr[0], key.addr[1], 16) == 0)
			assert_true(key.port[0] <= key.port[1]);
	}
}

static void
test_worker_range(void **state)
{
	static const unsigned int ns[] = { 1, 2, 3, 4, 7, 8, 13, 64 };

	(void)state;
	/* worker = floor(hash * n / 2^32): below n for every hash; the top
	 * hash 0xffffffff goes to the last worker. */
	for (unsigned int k = 0; k < SM_ARRAY_SIZE(ns); k++) {
		assert_int_equal(sm_tuple_worker(0, ns[k]), 0);
		assert_int_equal(sm_tuple_worker(0xffffffff, ns[k]), ns[k] - 1);
		for (int i = 0; i < 10000; i++)
			assert_true(sm_tuple_worker((uint32_t)rng(), ns[k]) < ns[k]);
	}
	/* One worker takes everything. */
	for (int i = 0; i < 10000; i++)
		assert_int_equal(sm_tuple_worker((uint32_t)rng(), 1), 0);
	/* The boundaries of two and three workers: 2^31 starts worker 1 of 2;
	 * 0x55555555 * 3 = 0xffffffff stays in worker 0 of 3, 0x55555556 * 3
	 * = 0x1_00000002 is worker 1, 0xaaaaaaab * 3 = 0x2_00000001 worker 2. */
	assert_int_equal(sm_tuple_worker(0x7fffffff, 2), 0);
	assert_int_equal(sm_tuple_worker(0x80000000, 2), 1);
	assert_int_equal(sm_tuple_worker(0x55555555, 3), 0);
	assert_int_equal(sm_tuple_worker(0x55555556, 3), 1);
	assert_int_equal(sm_tuple_worker(0xaaaaaaaa, 3), 1);
	assert_int_equal(sm_tuple_worker(0xaaaaaaab, 3), 2);
}

static void
test_worker_spread(void **state)
{
	/* 40000 random sessions' hashes over 4 workers: 10000 each on
	 * average, binomial standard deviation sqrt(40000 * 1/4 * 3/4) ~ 87.
	 * +-1000 is over 11 deviations: only a broken spread fails. */
	unsigned int count[4] = { 0 };

	(void)state;
	for (int i = 0; i < 40000; i++) {
		uint8_t a[16] = { 0 }, b[16] = { 0 };
		uint64_t r = rng();
		const struct sm_endpoint ea = { a, (uint16_t)r }, eb = { b, 443 };
		struct sm_sess_key key;

		memcpy(a, &r, 4);
		b[0] = 10;
		sm_tuple_key_build(&key, 4, 6, SM_KEY_L4, &ea, &eb, false, no_vlan);
		count[sm_tuple_worker(sm_tuple_hash(&key), 4)]++;
	}
	for (int w = 0; w < 4; w++) {
		assert_in_range(count[w], 9000, 11000);
	}
}

static void
test_addr_len(void **state)
{
	struct sm_sess_key k4 = { .family = 4 }, k6 = { .family = 6 };

	(void)state;
	assert_int_equal(sm_tuple_addr_len(&k4), 4);
	assert_int_equal(sm_tuple_addr_len(&k6), 16);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_tcp),
		cmocka_unit_test(test_ipv4_uses_four_bytes),
		cmocka_unit_test(test_ipv6_big_endian_order),
		cmocka_unit_test(test_equal_addresses_by_port),
		cmocka_unit_test(test_same_endpoint_both_ways),
		cmocka_unit_test(test_port_travels_with_address),
		cmocka_unit_test(test_icmp_echo_ports),
		cmocka_unit_test(test_ports_fixed),
		cmocka_unit_test(test_padding_zero),
		cmocka_unit_test(test_vlan_slots),
		cmocka_unit_test(test_kind_family_proto_distinguish),
		cmocka_unit_test(test_hash_is_crc32c),
		cmocka_unit_test(test_random_symmetric),
		cmocka_unit_test(test_worker_range),
		cmocka_unit_test(test_worker_spread),
		cmocka_unit_test(test_addr_len),
	};

	return cmocka_run_group_tests_name("tuple", tests, NULL, NULL);
}
