/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session table (rte_hash, lock-free, RCU QSBR reclamation) and the
 * session record's accounting, on a private EAL.
 *
 * Keys are written field by field (tuple.h: the lower address is endpoint
 * 0, its port with it), not built with sm_tuple_key_build(). Packet
 * metadata is filled in by hand the way parse.h documents it: IP bytes are
 * 20 (IPv4 header) + 20 (TCP header, no options) + payload; SM_PF_FROM_LO
 * when endpoint 0 sends; SM_PF_RESPONSE on a SYN-ACK or echo reply.
 * Originator rules come from ../shared/traces/README.md, timers from
 * ../shared/fortigate/README.md §9, TCP states from RFC 9293 and README
 * §3.2.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/sess_table.h"
#include "sessmon/session.h"
#include "sessmon/tcp_state.h"
#include "sessmon/timers.h"
#include "sessmon/tuple.h"
#include "test_eal.h"

/* The one RCU reader the tests play (the control thread's role). */
#define READER 0

static struct rte_mempool *pool;
static struct rte_rcu_qsbr *rcu;

/* ------------------------------------------------------------------ */
/* table */

/* Session i: UDP 10.<i>:5353 -> 192.0.2.1:53. 10.x.x.x is below 192.x, so
 * the 10.x host is endpoint 0 with its port 5353. */
static struct sm_sess_key
key_n(uint32_t i)
{
	struct sm_sess_key k = {
		.addr = { { 10, (uint8_t)(i >> 16), (uint8_t)(i >> 8), (uint8_t)i },
			  { 192, 0, 2, 1 } },
		.port = { 5353, 53 }, .proto = 17, .family = 4, .kind = SM_KEY_L4,
	};

	return k;
}

static int32_t
add_n(struct sm_sess_table *t, uint32_t i)
{
	struct sm_sess_key k = key_n(i);

	return sm_sess_table_add(t, &k, sm_tuple_hash(&k));
}

static int32_t
lookup_n(const struct sm_sess_table *t, uint32_t i)
{
	struct sm_sess_key k = key_n(i);

	return sm_sess_table_lookup(t, &k, sm_tuple_hash(&k));
}

static void
del_n(struct sm_sess_table *t, uint32_t i)
{
	int32_t pos = lookup_n(t, i);

	assert_true(pos >= 0);
	sm_sess_table_del(t, (uint32_t)pos);
}

static struct sm_sess_table *
table(const char *name, uint32_t capacity)
{
	struct sm_sess_table *t = sm_sess_table_create(name, capacity, rcu, SOCKET_ID_ANY);

	assert_non_null(t);
	assert_int_equal(t->capacity, capacity);
	assert_int_equal(sm_sess_table_count(t), 0);
	return t;
}

static void
test_create_invalid(void **state)
{
	struct sm_sess_table *t;
	uint32_t log_level;

	(void)state;
	/* sess_table.h: NULL with rte_errno EINVAL, EEXIST. rte_hash needs
	 * at least one bucket of 8 entries. */
	rte_errno = 0;
	assert_null(sm_sess_table_create("t_small", 7, rcu, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sm_sess_table_create("t_norcu", 64, NULL, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sm_sess_table_create(NULL, 64, rcu, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sm_sess_table_create("t_huge", (1u << 30) + 1, rcu, SOCKET_ID_ANY));
	assert_int_equal(rte_errno, EINVAL);

	t = table("t_dup", 8);
	rte_errno = 0;
	/* DPDK logs the failed reservation; expected here, so keep it out
	 * of the test log. */
	log_level = rte_log_get_global_level();
	rte_log_set_global_level(RTE_LOG_CRIT);
	assert_null(sm_sess_table_create("t_dup", 8, rcu, SOCKET_ID_ANY));
	rte_log_set_global_level(log_level);
	assert_int_equal(rte_errno, EEXIST);
	sm_sess_table_free(t);
	/* The name is free again once the table is. */
	t = table("t_dup", 8);
	sm_sess_table_free(t);
	sm_sess_table_free(NULL);
}

static void
test_add_lookup_del(void **state)
{
	struct sm_sess_table *t = table("t_basic", 64);
	int32_t pos[10];
	struct sm_sess_key k, got;

	(void)state;
	for (uint32_t i = 0; i < 10; i++) {
		pos[i] = add_n(t, i);
		/* Positions index the record array directly. */
		assert_in_range(pos[i], 0, 63);
		for (uint32_t j = 0; j < i; j++)
			assert_int_not_equal(pos[i], pos[j]);
		t->sess[pos[i]].serial = i + 1;
	}
	assert_int_equal(sm_sess_table_count(t), 10);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(lookup_n(t, i), pos[i]);
		k = key_n(i);
		memset(&got, 0xee, sizeof(got));
		assert_int_equal(sm_sess_table_key(t, (uint32_t)pos[i], &got), 0);
		assert_memory_equal(&got, &k, sizeof(k));
	}
	assert_int_equal(lookup_n(t, 10), -ENOENT);
	/* A position nobody holds, and one past the table, have no key. */
	for (uint32_t s = 0; s < 64; s++) {
		bool used = false;

		for (int i = 0; i < 10; i++)
			used |= pos[i] == (int32_t)s;
		if (!used)
			assert_int_equal(sm_sess_table_key(t, s, &got), -ENOENT);
	}
	assert_int_equal(sm_sess_table_key(t, 64, &got), -ENOENT);
	assert_int_equal(sm_sess_table_key(t, UINT32_MAX, &got), -ENOENT);

	/* Delete session 3: its serial goes to 0 (readers skip it), its key
	 * and position go, the others stay. */
	sm_sess_table_del(t, (uint32_t)pos[3]);
	assert_int_equal(t->sess[pos[3]].serial, 0);
	assert_int_equal(lookup_n(t, 3), -ENOENT);
	assert_int_equal(sm_sess_table_key(t, (uint32_t)pos[3], &got), -ENOENT);
	/* Live count, though its position waits for a grace period. */
	assert_int_equal(sm_sess_table_count(t), 9);
	/* Deleting a free position changes nothing. */
	sm_sess_table_del(t, (uint32_t)pos[3]);
	assert_int_equal(sm_sess_table_count(t), 9);
	for (uint32_t i = 0; i < 10; i++)
		if (i != 3) {
			assert_int_equal(lookup_n(t, i), pos[i]);
			assert_int_equal(t->sess[pos[i]].serial, i + 1);
		}
	/* Deleting a free position does nothing. */
	sm_sess_table_del(t, (uint32_t)pos[3]);
	for (uint32_t i = 0; i < 10; i++)
		if (i != 3)
			assert_int_equal(lookup_n(t, i), pos[i]);
	/* The key can come back (at whatever position). */
	assert_true(add_n(t, 3) >= 0);
	assert_true(lookup_n(t, 3) >= 0);
	sm_sess_table_free(t);
}

static void
test_lookup_bulk(void **state)
{
	/* 64 keys at once (RTE_HASH_LOOKUP_BULK_MAX): the even ones are in
	 * the table, the odd ones are not. */
	struct sm_sess_table *t = table("t_bulk", 256);
	struct sm_sess_key keys[RTE_HASH_LOOKUP_BULK_MAX];
	const struct sm_sess_key *kp[RTE_HASH_LOOKUP_BULK_MAX];
	uint32_t hashes[RTE_HASH_LOOKUP_BULK_MAX];
	int32_t pos[RTE_HASH_LOOKUP_BULK_MAX], slots[RTE_HASH_LOOKUP_BULK_MAX];

	(void)state;
	assert_int_equal(RTE_HASH_LOOKUP_BULK_MAX, 64);
	for (uint32_t i = 0; i < RTE_HASH_LOOKUP_BULK_MAX; i++) {
		keys[i] = key_n(1000 + i);
		kp[i] = &keys[i];
		hashes[i] = sm_tuple_hash(&keys[i]);
		pos[i] = i % 2 == 0 ? add_n(t, 1000 + i) : -ENOENT;
	}
	memset(slots, 0x55, sizeof(slots));
	sm_sess_table_lookup_bulk(t, kp, hashes, RTE_HASH_LOOKUP_BULK_MAX, slots);
	assert_memory_equal(slots, pos, sizeof(pos));
	/* A shorter burst touches only its own outputs. */
	memset(slots, 0x55, sizeof(slots));
	sm_sess_table_lookup_bulk(t, kp + 1, hashes + 1, 3, slots);
	assert_int_equal(slots[0], -ENOENT);
	assert_int_equal(slots[1], pos[2]);
	assert_int_equal(slots[2], -ENOENT);
	assert_int_equal(slots[3], 0x55555555);
	sm_sess_table_free(t);
}

/* Fill a table of @p capacity completely; every add must succeed, at a
 * distinct position below the capacity. */
static void
fill(struct sm_sess_table *t, uint32_t capacity, uint32_t first)
{
	uint8_t *used = calloc(capacity, 1);

	assert_non_null(used);
	for (uint32_t i = 0; i < capacity; i++) {
		int32_t p = add_n(t, first + i);

		if (p < 0 || (uint32_t)p >= capacity || used[p])
			fail_msg("add %u of %u: position %d", i + 1, capacity, p);
		used[p] = 1;
	}
	free(used);
	assert_int_equal(sm_sess_table_count(t), capacity);
}

static void
test_full_table(void **state)
{
	/* sess_table.h: a table holds exactly `capacity` sessions, whatever
	 * the hash values (the extendable buckets take what the cuckoo
	 * buckets cannot), and an add beyond that fails with -ENOSPC. */
	static const uint32_t caps[] = { 8, 64, 1000, 4096 };

	(void)state;
	for (unsigned int c = 0; c < SM_ARRAY_SIZE(caps); c++) {
		struct sm_sess_table *t = table("t_full", caps[c]);
		int32_t p;

		fill(t, caps[c], 0);
		assert_int_equal(add_n(t, caps[c]), -ENOSPC);
		assert_int_equal(add_n(t, caps[c] + 1), -ENOSPC);
		assert_int_equal(sm_sess_table_count(t), caps[c]);
		/* Everything is still found. */
		for (uint32_t i = 0; i < caps[c]; i++)
			assert_true(lookup_n(t, i) >= 0);
		/* With no RCU reader registered, a deleted position is
		 * reclaimed on the next add: the only free one. */
		p = lookup_n(t, 5);
		del_n(t, 5);
		assert_int_equal(add_n(t, caps[c]), p);
		assert_int_equal(add_n(t, caps[c] + 1), -ENOSPC);
		sm_sess_table_free(t);
	}
}

static void
test_colliding_hashes(void **state)
{
	/*
	 * rte_hash puts a key in bucket (hash & mask) or, failing that, in
	 * (bucket ^ (hash >> 16)) & mask. Keys whose hashes have bits 0-2 and
	 * 16-18 all zero share one 8-entry bucket of a 64-entry table (8
	 * buckets): cuckoo moves cannot help, and only the extendable
	 * buckets let the table hold its full capacity as sess_table.h
	 * promises.
	 */
	struct sm_sess_table *t = table("t_coll", 64);
	uint32_t ids[64], n = 0;

	(void)state;
	for (uint32_t i = 0; n < 64; i++) {
		struct sm_sess_key k = key_n(i);
		uint32_t h = sm_tuple_hash(&k);

		if ((h & 0x7) == 0 && (h & 0x70000) == 0)
			ids[n++] = i;
	}
	for (uint32_t j = 0; j < 64; j++)
		if (add_n(t, ids[j]) < 0)
			fail_msg("colliding key %u of 64 not added", j + 1);
	assert_int_equal(sm_sess_table_count(t), 64);
	assert_int_equal(add_n(t, ids[63] + 1), -ENOSPC);
	for (uint32_t j = 0; j < 64; j++)
		assert_true(lookup_n(t, ids[j]) >= 0);
	/* Delete from the middle of the chain: the rest stay reachable. */
	for (uint32_t j = 0; j < 64; j += 3)
		del_n(t, ids[j]);
	for (uint32_t j = 0; j < 64; j++)
		assert_int_equal(lookup_n(t, ids[j]) >= 0, j % 3 != 0);
	sm_sess_table_free(t);
}

static void
test_rcu_grace_period(void **state)
{
	struct sm_sess_table *t = table("t_rcu", 8);
	int32_t p3, p5;

	(void)state;
	assert_int_equal(rte_rcu_qsbr_thread_register(rcu, READER), 0);
	rte_rcu_qsbr_thread_online(rcu, READER);
	fill(t, 8, 0);

	/* The reader is online and may be reading session 3's record: its
	 * position must not come back before the reader reports. */
	p3 = lookup_n(t, 3);
	del_n(t, 3);
	assert_int_equal(add_n(t, 100), -ENOSPC);
	assert_int_equal(add_n(t, 100), -ENOSPC);
	assert_int_equal(lookup_n(t, 100), -ENOENT);
	/* Quiescent: the grace period that began at the delete is over. */
	rte_rcu_qsbr_quiescent(rcu, READER);
	assert_int_equal(add_n(t, 100), p3);
	assert_int_equal(lookup_n(t, 100), p3);

	/* A report from before the delete does not end its grace period. */
	rte_rcu_qsbr_quiescent(rcu, READER);
	p5 = lookup_n(t, 5);
	del_n(t, 5);
	assert_int_equal(add_n(t, 101), -ENOSPC);
	/* A reader going offline holds nothing either. */
	rte_rcu_qsbr_thread_offline(rcu, READER);
	assert_int_equal(add_n(t, 101), p5);

	assert_int_equal(rte_rcu_qsbr_thread_unregister(rcu, READER), 0);
	sm_sess_table_free(t);
}

static void
test_memory_per_session(void **state)
{
	/* session.h: a 128-byte record plus the hash's own per-key cost
	 * stay under 256 bytes per session. Measured as the growth of the
	 * DPDK heap when a table is created. */
	const uint32_t capacity = 65536;
	struct rte_malloc_socket_stats before, after;
	struct sm_sess_table *t;
	int socket = rte_socket_id_by_idx(0);

	(void)state;
	assert_int_equal(rte_malloc_get_socket_stats(socket, &before), 0);
	t = sm_sess_table_create("t_mem", capacity, rcu, socket);
	assert_non_null(t);
	assert_int_equal(rte_malloc_get_socket_stats(socket, &after), 0);
	assert_true(after.heap_allocsz_bytes - before.heap_allocsz_bytes < 256ull * capacity);
	assert_int_equal(sm_sess_table_bytes_per_session(t),
			 (after.heap_allocsz_bytes - before.heap_allocsz_bytes) / capacity);
	sm_sess_table_free(t);
}

/* ------------------------------------------------------------------ */
/* session accounting */

#define CLI 0 /* 192.168.1.20:40000, key endpoint 1 */
#define SRV 1 /* 10.1.2.3:443, key endpoint 0 (0x0a... < 0xc0...) */

static const struct sm_sess_key tcp_key = {
	.addr = { { 10, 1, 2, 3 }, { 192, 168, 1, 20 } },
	.port = { 443, 40000 }, .proto = 6, .family = 4, .kind = SM_KEY_L4,
};

static const uint8_t host_mac[2][6] = {
	[CLI] = { 0x02, 0, 0, 0, 0, 0x01 },
	[SRV] = { 0x02, 0, 0, 0, 0, 0x02 },
};

/* A TCP segment of the test connection from @p from; frame @p frame of
 * the input at @p ts_us, on DPDK port 0 (client) or 1 (server). */
static struct sm_pkt_meta
tcp_pkt(int from, uint8_t tcp_flags, uint32_t seq, uint32_t ack, uint16_t len,
	uint64_t ts_us, uint64_t frame)
{
	struct sm_pkt_meta pm = {
		.key = tcp_key, .ts_us = ts_us, .ts_first_us = ts_us, .seq = frame,
		.ip_bytes = 20u + 20u + len, .tcp_seq = seq, .tcp_ack = ack,
		.n_wire = 1, .payload_len = len, .in_port = (uint16_t)from,
		.kind = SM_PKT_SESSION, .tcp_flags = tcp_flags,
	};

	if (from == SRV)
		pm.flags |= SM_PF_FROM_LO;
	if ((tcp_flags & (SM_TCP_SYN | SM_TCP_ACK)) == (SM_TCP_SYN | SM_TCP_ACK))
		pm.flags |= SM_PF_RESPONSE;
	memcpy(pm.src_mac, host_mac[from], 6);
	memcpy(pm.dst_mac, host_mac[from ^ 1], 6);
	return pm;
}

static enum sm_tcp_fgt
fgt(const struct sm_session *s)
{
	return sm_tcp_state_fgt(&s->dir[SM_DIR_ORIG].tcp, &s->dir[SM_DIR_REPLY].tcp);
}

/* 100.000100 s etc.: network time in microseconds. */
#define T(sec, usec) ((uint64_t)(sec) * 1000000u + (usec))

static void
test_session_tcp_accounting(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	memset(&s, 0xa5, sizeof(s));
	/* Frame 1: the client's SYN. It comes from endpoint 1 and is no
	 * reply, so its sender, the client, is the originator. */
	pm = tcp_pkt(CLI, SM_TCP_SYN, 1000, 0, 0, T(100, 100), 1);
	sm_session_init(&s, &pm);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.serial, 1);
	assert_int_equal(s.first_us, T(100, 100));
	assert_int_equal(s.last_us, T(100, 100));
	assert_int_equal(s.wheel_next, UINT32_MAX);
	assert_int_equal(s.wheel_prev, UINT32_MAX);
	assert_int_equal(s.timer, SM_TIMER_TCP_HALFOPEN);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 0);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 0);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	assert_int_equal(fgt(&s), SM_TCP_FGT_SYN_SENT);
	assert_int_equal(s.timer, SM_TIMER_TCP_HALFOPEN);

	/* Frame 2: SYN-ACK, reply direction: SYN_RECV, still half-open. */
	pm = tcp_pkt(SRV, SM_TCP_SYN | SM_TCP_ACK, 5000, 1001, 0, T(100, 20100), 2);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(fgt(&s), SM_TCP_FGT_SYN_RECV);
	assert_int_equal(s.timer, SM_TIMER_TCP_HALFOPEN);

	/* Frame 3: the final ACK: ESTABLISHED on session-ttl (README §9). */
	pm = tcp_pkt(CLI, SM_TCP_ACK, 1001, 5001, 0, T(100, 40000), 3);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	assert_int_equal(fgt(&s), SM_TCP_FGT_ESTABLISHED);
	assert_int_equal(s.timer, SM_TIMER_SESSION_TTL);

	/* Frames 4, 5: 100 bytes up, 1000 down. */
	pm = tcp_pkt(CLI, SM_TCP_ACK | SM_TCP_PSH, 1001, 5001, 100, T(100, 40500), 4);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	pm = tcp_pkt(SRV, SM_TCP_ACK | SM_TCP_PSH, 5001, 1101, 1000, T(100, 60000), 5);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);

	/* Originator: SYN 40 + ACK 40 + 140 = 220 bytes in 3 packets;
	 * responder: SYN-ACK 40 + 1040 = 1080 bytes in 2. */
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 3);
	assert_int_equal(s.dir[SM_DIR_ORIG].bytes, 220);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 2);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 1080);
	assert_memory_equal(s.dir[SM_DIR_ORIG].mac, host_mac[CLI], 6);
	assert_memory_equal(s.dir[SM_DIR_REPLY].mac, host_mac[SRV], 6);
	assert_int_equal(s.dir[SM_DIR_ORIG].port, CLI);
	assert_int_equal(s.dir[SM_DIR_REPLY].port, SRV);
	assert_int_equal(s.first_us, T(100, 100));
	assert_int_equal(s.last_us, T(100, 60000));
	assert_int_equal(s.serial, 1);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].errs, 0);

	/* Client closes (RFC 9293 §3.6): FIN_WAIT and CLOSE_WAIT on the
	 * half-close timer, TIME_WAIT on the time-wait timer. */
	pm = tcp_pkt(CLI, SM_TCP_FIN | SM_TCP_ACK, 1101, 6001, 0, T(101, 0), 6);
	sm_session_update(&s, &pm);
	assert_int_equal(fgt(&s), SM_TCP_FGT_FIN_WAIT);
	assert_int_equal(s.timer, SM_TIMER_TCP_HALFCLOSE);
	pm = tcp_pkt(SRV, SM_TCP_ACK, 6001, 1102, 0, T(101, 10), 7);
	sm_session_update(&s, &pm);
	assert_int_equal(fgt(&s), SM_TCP_FGT_CLOSE_WAIT);
	assert_int_equal(s.timer, SM_TIMER_TCP_HALFCLOSE);
	pm = tcp_pkt(SRV, SM_TCP_FIN | SM_TCP_ACK, 6001, 1102, 0, T(101, 20), 8);
	sm_session_update(&s, &pm);
	assert_int_equal(fgt(&s), SM_TCP_FGT_LAST_ACK);
	pm = tcp_pkt(CLI, SM_TCP_ACK, 1102, 6002, 0, T(101, 30), 9);
	sm_session_update(&s, &pm);
	assert_int_equal(fgt(&s), SM_TCP_FGT_TIME_WAIT);
	assert_int_equal(s.timer, SM_TIMER_TCP_TIMEWAIT);
	/* The originator's side saw S, F (and ACK, PSH) as the traces
	 * README's orig_flags would list them. */
	assert_int_equal(s.dir[SM_DIR_ORIG].tcp.seen,
			 SM_TCP_SYN | SM_TCP_ACK | SM_TCP_PSH | SM_TCP_FIN);
}

static void
test_session_synack_first(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	/* Frame 7 is the first of this session: a SYN-ACK from the server.
	 * Its receiver, the client (endpoint 1), is the originator; the
	 * originator has sent nothing yet (traces README: orig_pkts can be
	 * 0). */
	pm = tcp_pkt(SRV, SM_TCP_SYN | SM_TCP_ACK, 5000, 1001, 0, T(200, 0), 7);
	sm_session_init(&s, &pm);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.serial, 7);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 0);
	assert_int_equal(s.dir[SM_DIR_ORIG].bytes, 0);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 1);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 40);
	assert_int_equal(fgt(&s), SM_TCP_FGT_SYN_RECV);

	pm = tcp_pkt(CLI, SM_TCP_ACK, 1001, 5001, 0, T(200, 1000), 8);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 1);
	assert_int_equal(fgt(&s), SM_TCP_FGT_ESTABLISHED);
}

static void
test_session_syn_from_reply_flips(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	/* The server's bare ACK comes first: with no SYN seen, its sender is
	 * the originator for now (traces README: "otherwise the sender of
	 * the first packet"), endpoint 0. */
	pm = tcp_pkt(SRV, SM_TCP_ACK, 5001, 1001, 0, T(300, 0), 1);
	sm_session_init(&s, &pm);
	assert_int_equal(s.orig_ep, 0);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);

	/* Then the client sends a SYN without ACK: the SYN's sender is the
	 * originator (traces README). Roles swap, each side's counters and
	 * state travelling with it; the SYN is an originator packet. */
	pm = tcp_pkt(CLI, SM_TCP_SYN, 1000, 0, 0, T(300, 500), 2);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].bytes, 40);
	assert_memory_equal(s.dir[SM_DIR_ORIG].mac, host_mac[CLI], 6);
	assert_int_equal(s.dir[SM_DIR_ORIG].tcp.ep, SM_TCP_EP_SYN_SENT);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 1);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 40);
	assert_memory_equal(s.dir[SM_DIR_REPLY].mac, host_mac[SRV], 6);
	assert_int_equal(s.dir[SM_DIR_REPLY].tcp.ep, SM_TCP_EP_PARTIAL);
	/* The serial (first frame) and first time do not move. */
	assert_int_equal(s.serial, 1);
	assert_int_equal(s.first_us, T(300, 0));

	/* From now on the server's packets are replies. */
	pm = tcp_pkt(SRV, SM_TCP_SYN | SM_TCP_ACK, 5000, 1001, 0, T(300, 900), 3);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 2);
	assert_int_equal(s.orig_ep, 1);
}

static void
test_session_simultaneous_open_no_flip(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	/* Both ends send a pure SYN (RFC 9293 §3.5, Figure 7). The first
	 * one's sender stays the originator: it has sent a SYN itself. */
	pm = tcp_pkt(CLI, SM_TCP_SYN, 1000, 0, 0, T(400, 0), 1);
	sm_session_init(&s, &pm);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	pm = tcp_pkt(SRV, SM_TCP_SYN, 5000, 0, 0, T(400, 10), 2);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 1);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 1);
	assert_int_equal(fgt(&s), SM_TCP_FGT_SYN_SENT);
}

/* UDP 10.0.0.1:5353 (endpoint 0) <-> 10.0.0.2:53. */
static struct sm_pkt_meta
udp_pkt(bool from_lo, uint32_t ip_bytes, uint64_t ts_us)
{
	struct sm_pkt_meta pm = {
		.key = { .addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } }, .port = { 5353, 53 },
			 .proto = 17, .family = 4, .kind = SM_KEY_L4 },
		.ts_us = ts_us, .ts_first_us = ts_us, .seq = 1, .ip_bytes = ip_bytes,
		.n_wire = 1, .kind = SM_PKT_SESSION, .flags = from_lo ? SM_PF_FROM_LO : 0,
	};

	return pm;
}

static void
test_session_udp_and_fragments(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	/* The first packet's sender (endpoint 1 here) is the originator. */
	pm = udp_pkt(false, 76, T(10, 0));
	sm_session_init(&s, &pm);
	assert_int_equal(s.orig_ep, 1);
	assert_int_equal(s.timer, SM_TIMER_UDP_IDLE);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_ORIG);
	/* A reassembled answer: three fragments of 1500, 1500 and 528 IP
	 * bytes, the first at 10.2 s and the last at 10.3 s. Every fragment
	 * is a packet (traces README "Fragments"). */
	pm = udp_pkt(true, 1500 + 1500 + 528, T(10, 300000));
	pm.ts_first_us = T(10, 200000);
	pm.n_wire = 3;
	pm.flags |= SM_PF_FRAGMENTED;
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 3);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 3528);
	assert_int_equal(s.dir[SM_DIR_ORIG].pkts, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].bytes, 76);
	assert_int_equal(s.last_us, T(10, 300000));
	assert_int_equal(s.timer, SM_TIMER_UDP_IDLE);
	/* No TCP state on UDP. */
	assert_int_equal(s.dir[SM_DIR_ORIG].tcp.ep, SM_TCP_EP_INACTIVE);
	assert_int_equal(s.dir[SM_DIR_REPLY].tcp.ep, SM_TCP_EP_INACTIVE);
}

static void
test_session_other_protocols(void **state)
{
	struct sm_sess_key icmp = {
		/* Echo: 192.0.2.1 asks with id 0x1234, 192.0.2.200's slot is
		 * the request type 8 (tuple.h). */
		.addr = { { 192, 0, 2, 1 }, { 192, 0, 2, 200 } }, .port = { 0x1234, 8 },
		.proto = 1, .family = 4, .kind = SM_KEY_L4,
	};
	struct sm_pkt_meta pm = {
		.key = icmp, .ts_us = T(5, 0), .ts_first_us = T(5, 0), .seq = 3,
		.ip_bytes = 84, .n_wire = 1, .icmp_type = 0,
		/* An echo reply from 192.0.2.200, endpoint 1. */
		.flags = SM_PF_RESPONSE,
	};
	struct sm_session s;

	(void)state;
	/* The reply came first: its receiver, the requester (endpoint 0),
	 * is the originator (traces README: ICMP echo "the sender of the
	 * first echo request"); ICMP runs on the ICMP idle timer. */
	sm_session_init(&s, &pm);
	assert_int_equal(s.orig_ep, 0);
	assert_int_equal(s.timer, SM_TIMER_ICMP_IDLE);
	assert_int_equal(sm_session_update(&s, &pm), SM_DIR_REPLY);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 84);

	/* ICMPv6 too. */
	pm.key.proto = 58;
	pm.key.family = 6;
	sm_session_init(&s, &pm);
	assert_int_equal(s.timer, SM_TIMER_ICMP_IDLE);

	/* SCTP and anything else (GRE here) run on session-ttl (README §9:
	 * TCP/SCTP; timers.h: other protocols). */
	pm.flags = 0;
	pm.key.family = 4;
	pm.key.proto = 132;
	sm_session_init(&s, &pm);
	assert_int_equal(s.timer, SM_TIMER_SESSION_TTL);
	pm.key.proto = 47;
	sm_session_init(&s, &pm);
	assert_int_equal(s.timer, SM_TIMER_SESSION_TTL);
	/* No reply by nature: its sender, endpoint 1, originates. */
	assert_int_equal(s.orig_ep, 1);
}

static void
test_session_serial_never_zero(void **state)
{
	struct sm_pkt_meta pm = udp_pkt(true, 100, T(1, 0));
	struct sm_session s;

	(void)state;
	/* session.h: serial 0 means a free slot, so a live session never has
	 * it, even when the frame number's low 32 bits are 0. */
	pm.seq = 1ull << 32;
	sm_session_init(&s, &pm);
	assert_int_not_equal(s.serial, 0);
	pm.seq = 0x100000005ull;
	sm_session_init(&s, &pm);
	assert_int_equal(s.serial, 5);
}

static void
test_session_icmp_error(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm = udp_pkt(false, 76, T(10, 0));
	struct sm_pkt_meta err = udp_pkt(true, 104, T(10, 1000));

	(void)state;
	sm_session_init(&s, &pm);
	sm_session_update(&s, &pm);
	/* A port unreachable quoting the originator's datagram travels back
	 * toward it: one error in the reply direction, no bytes counted
	 * (traces README: errors are not added to session counters). */
	err.kind = SM_PKT_ICMP_ERROR;
	sm_session_icmp_error(&s, &err);
	assert_int_equal(s.dir[SM_DIR_REPLY].errs, 1);
	assert_int_equal(s.dir[SM_DIR_ORIG].errs, 0);
	assert_int_equal(s.dir[SM_DIR_REPLY].pkts, 0);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 0);
	assert_int_equal(s.last_us, T(10, 0));
}

static void
test_session_rate(void **state)
{
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	/* 100 bytes up at 10.2 s, 50 down at 10.7 s. */
	pm = udp_pkt(false, 100, T(10, 200000));
	sm_session_init(&s, &pm);
	sm_session_update(&s, &pm);
	pm = udp_pkt(true, 50, T(10, 700000));
	sm_session_update(&s, &pm);
	/* session.h: the bytes of the second of the last packet, while that
	 * second is the current or the previous one. */
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(10, 900000)), 100);
	assert_int_equal(sm_session_rate(&s, SM_DIR_REPLY, T(10, 900000)), 50);
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(11, 999999)), 100);
	assert_int_equal(sm_session_rate(&s, SM_DIR_REPLY, T(11, 999999)), 50);
	/* Second 12: idle for more than the previous second. */
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(12, 0)), 0);
	assert_int_equal(sm_session_rate(&s, SM_DIR_REPLY, T(12, 0)), 0);

	/* 30 bytes up at 11.1 s open second 11 for both directions. */
	pm = udp_pkt(false, 30, T(11, 100000));
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(11, 200000)), 30);
	assert_int_equal(sm_session_rate(&s, SM_DIR_REPLY, T(11, 200000)), 0);
	pm = udp_pkt(true, 20, T(11, 900000));
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_rate(&s, SM_DIR_REPLY, T(11, 950000)), 20);
	/* A packet stamped earlier in the same second (captures are not
	 * always in time order) still counts in it; the last time does not
	 * run back. */
	pm = udp_pkt(false, 5, T(11, 50000));
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(11, 950000)), 35);
	assert_int_equal(s.last_us, T(11, 900000));
	/* Second 13 is two seconds after 11. */
	assert_int_equal(sm_session_rate(&s, SM_DIR_ORIG, T(13, 0)), 0);
	/* Totals are unaffected by the windows: 100 + 30 + 5 and 50 + 20. */
	assert_int_equal(s.dir[SM_DIR_ORIG].bytes, 135);
	assert_int_equal(s.dir[SM_DIR_REPLY].bytes, 70);
}

static void
test_session_expiry(void **state)
{
	struct sm_timers t;
	struct sm_session s;
	struct sm_pkt_meta pm;

	(void)state;
	sm_timers_default(&t);
	/* UDP, last packet at 11.9 s: 180 s idle (README §9) -> 191.9 s. */
	pm = udp_pkt(false, 100, T(11, 900000));
	sm_session_init(&s, &pm);
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_expiry(&s, &t), T(191, 900000));
	/* udp-idle-timer=30 -> 41.9 s. */
	assert_int_equal(sm_timers_set(&t, "udp-idle-timer=30"), 0);
	assert_int_equal(sm_session_expiry(&s, &t), T(41, 900000));
	/* A later packet restarts the countdown (README §3.1 expire). */
	pm = udp_pkt(true, 100, T(20, 0));
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_expiry(&s, &t), T(50, 0));

	/* TCP: half-open 10 s after the SYN at 100.0001 s; after the
	 * handshake, session-ttl 3600 s from the last packet. */
	sm_timers_default(&t);
	pm = tcp_pkt(CLI, SM_TCP_SYN, 1000, 0, 0, T(100, 100), 1);
	sm_session_init(&s, &pm);
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_expiry(&s, &t), T(110, 100));
	pm = tcp_pkt(SRV, SM_TCP_SYN | SM_TCP_ACK, 5000, 1001, 0, T(100, 200), 2);
	sm_session_update(&s, &pm);
	pm = tcp_pkt(CLI, SM_TCP_ACK, 1001, 5001, 0, T(100, 300), 3);
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_expiry(&s, &t), T(3700, 300));
	/* RST: 5 s (tcp-rst-timer). */
	pm = tcp_pkt(SRV, SM_TCP_RST, 5001, 0, 0, T(150, 0), 4);
	sm_session_update(&s, &pm);
	assert_int_equal(sm_session_expiry(&s, &t), T(155, 0));
	/* tcp-timewait-timer=0 makes a TIME_WAIT session due at once; reach
	 * TIME_WAIT on a fresh connection. */
	assert_int_equal(sm_timers_set(&t, "tcp-timewait-timer=0"), 0);
	pm = tcp_pkt(CLI, SM_TCP_ACK, 1001, 5001, 0, T(200, 0), 10);
	sm_session_init(&s, &pm);
	sm_session_update(&s, &pm);
	pm = tcp_pkt(CLI, SM_TCP_FIN | SM_TCP_ACK, 1001, 5001, 0, T(200, 1), 11);
	sm_session_update(&s, &pm);
	pm = tcp_pkt(SRV, SM_TCP_FIN | SM_TCP_ACK, 5001, 1002, 0, T(200, 2), 12);
	sm_session_update(&s, &pm);
	pm = tcp_pkt(CLI, SM_TCP_ACK, 1002, 5002, 0, T(200, 3), 13);
	sm_session_update(&s, &pm);
	assert_int_equal(fgt(&s), SM_TCP_FGT_TIME_WAIT);
	assert_int_equal(sm_session_expiry(&s, &t), T(200, 3));
}

int
main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_invalid),
		cmocka_unit_test(test_add_lookup_del),
		cmocka_unit_test(test_lookup_bulk),
		cmocka_unit_test(test_full_table),
		cmocka_unit_test(test_colliding_hashes),
		cmocka_unit_test(test_rcu_grace_period),
		cmocka_unit_test(test_memory_per_session),
		cmocka_unit_test(test_session_tcp_accounting),
		cmocka_unit_test(test_session_synack_first),
		cmocka_unit_test(test_session_syn_from_reply_flips),
		cmocka_unit_test(test_session_simultaneous_open_no_flip),
		cmocka_unit_test(test_session_udp_and_fragments),
		cmocka_unit_test(test_session_other_protocols),
		cmocka_unit_test(test_session_serial_never_zero),
		cmocka_unit_test(test_session_icmp_error),
		cmocka_unit_test(test_session_rate),
		cmocka_unit_test(test_session_expiry),
	};
	int rc;

	(void)argc;
	pool = sm_test_eal_init(argv[0], 64);
	rcu = rte_zmalloc("test_rcu", rte_rcu_qsbr_get_memsize(1), RTE_CACHE_LINE_SIZE);
	if (rcu == NULL || rte_rcu_qsbr_init(rcu, 1) != 0) {
		fprintf(stderr, "%s: RCU variable\n", argv[0]);
		return 1;
	}
	rc = cmocka_run_group_tests_name("sess_table", tests, NULL, NULL);
	rte_free(rcu);
	sm_test_eal_fini(pool);
	return rc;
}
