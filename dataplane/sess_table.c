/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>

#include "sessmon/sess_table.h"

/*
 * Positions handed out by rte_hash are key-store indexes minus one; with a
 * single writer the key store holds capacity + 1 entries, so positions are
 * always below capacity and can index the record array directly.
 */

/* Bytes allocated from DPDK's heaps, all sockets: the table's footprint is
 * what creating it took (the hash's buckets, key store, free-slot rings and
 * RCU defer queue are sized inside rte_hash, not by a formula of ours). */
static uint64_t
heap_allocated(void)
{
	uint64_t sum = 0;

	for (unsigned int i = 0; i < rte_socket_count(); i++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(i), &st) == 0)
			sum += st.heap_allocsz_bytes;
	}
	return sum;
}

struct sm_sess_table *
sm_sess_table_create(const char *name, uint32_t capacity, struct rte_rcu_qsbr *rcu,
		     int socket)
{
	char hname[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters hp = {
		.entries = capacity,
		.key_len = sizeof(struct sm_sess_key),
		.socket_id = socket,
		/* Keys arrive with sm_tuple_hash() computed by the parser;
		 * the hash function is named for rte_hash's own uses. */
		.hash_func = rte_hash_crc,
		/* LF: the control thread reads while the worker writes.
		 * EXT_TABLE: a full cuckoo path must not fail an add while
		 * positions are free; the table holds exactly `capacity`. */
		.extra_flag = RTE_HASH_EXTRA_FLAGS_RW_CONCURRENCY_LF |
			      RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};
	struct rte_hash_rcu_config rc = {
		.v = rcu,
		.mode = RTE_HASH_QSBR_MODE_DQ,
		.dq_size = capacity,
		/* Reclaim in small steps from the worker's own deletes so that
		 * a burst of expiries never stalls on one large reclaim. */
		.trigger_reclaim_limit = 32,
		.max_reclaim_size = 64,
	};
	struct sm_sess_table *t;
	uint64_t heap_before = heap_allocated();

	if (name == NULL || capacity < 8 || capacity > (1u << 30) || rcu == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket(name, sizeof(*t), RTE_CACHE_LINE_SIZE, socket);
	if (t == NULL) {
		rte_errno = ENOMEM;
		return NULL;
	}
	snprintf(hname, sizeof(hname), "%s_h", name);
	hp.name = hname;
	t->h = rte_hash_create(&hp);
	if (t->h == NULL)
		goto fail;
	if (rte_hash_rcu_qsbr_add(t->h, &rc) != 0)
		goto fail;
	t->sess = rte_zmalloc_socket(name, (size_t)capacity * sizeof(struct sm_session),
				     RTE_CACHE_LINE_SIZE, socket);
	if (t->sess == NULL) {
		rte_errno = ENOMEM;
		goto fail;
	}
	t->capacity = capacity;
	t->mem_bytes = heap_allocated() - heap_before;
	return t;
fail:
	sm_sess_table_free(t);
	return NULL;
}

void
sm_sess_table_free(struct sm_sess_table *t)
{
	if (t == NULL)
		return;
	rte_hash_free(t->h);
	rte_free(t->sess);
	rte_free(t);
}

void
sm_sess_table_lookup_bulk(const struct sm_sess_table *t, const struct sm_sess_key **keys,
			  const uint32_t *hashes, unsigned int n, int32_t *slots)
{
	rte_hash_lookup_with_hash_bulk(t->h, (const void **)keys, (hash_sig_t *)(uintptr_t)hashes,
				       n, slots);
}

int32_t
sm_sess_table_lookup(const struct sm_sess_table *t, const struct sm_sess_key *key,
		     uint32_t hash)
{
	return rte_hash_lookup_with_hash(t->h, key, hash);
}

int32_t
sm_sess_table_add(struct sm_sess_table *t, const struct sm_sess_key *key, uint32_t hash)
{
	int32_t pos = rte_hash_add_key_with_hash(t->h, key, hash);

	if (pos >= 0)
		__atomic_store_n(&t->n_live, t->n_live + 1, __ATOMIC_RELAXED);
	return pos;
}

void
sm_sess_table_del(struct sm_sess_table *t, uint32_t slot)
{
	struct sm_sess_key key;
	struct sm_session *s = &t->sess[slot];

	if (sm_sess_table_key(t, slot, &key) != 0)
		return;
	/* Readers test the serial after copying a record: clearing it
	 * before the key goes makes a half-deleted session invisible. */
	__atomic_store_n(&s->serial, 0, __ATOMIC_RELEASE);
	if (rte_hash_del_key_with_hash(t->h, &key, sm_tuple_hash(&key)) >= 0)
		__atomic_store_n(&t->n_live, t->n_live - 1, __ATOMIC_RELAXED);
}

int
sm_sess_table_key(const struct sm_sess_table *t, uint32_t slot, struct sm_sess_key *key)
{
	void *k;

	if (slot >= t->capacity || rte_hash_get_key_with_position(t->h, (int32_t)slot, &k) != 0)
		return -ENOENT;
	memcpy(key, k, sizeof(*key));
	return 0;
}

uint32_t
sm_sess_table_count(const struct sm_sess_table *t)
{
	return __atomic_load_n(&t->n_live, __ATOMIC_RELAXED);
}

uint64_t
sm_sess_table_bytes_per_session(const struct sm_sess_table *t)
{
	return t->mem_bytes / t->capacity;
}
