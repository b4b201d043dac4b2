/* SPDX-License-Identifier: BSD-3-Clause */
#include "sessmon/counters.h"

#define SM_COUNTER_NAME(id, name, doc) [SM_CNT_##id] = name,
static const char *const counter_names[SM_CNT_MAX] = {
	SM_COUNTER_LIST(SM_COUNTER_NAME)
};
#undef SM_COUNTER_NAME

#define SM_COUNTER_DOC(id, name, doc) [SM_CNT_##id] = doc,
static const char *const counter_docs[SM_CNT_MAX] = {
	SM_COUNTER_LIST(SM_COUNTER_DOC)
};
#undef SM_COUNTER_DOC

const char *
sm_counter_name(enum sm_counter c)
{
	return (unsigned int)c < SM_CNT_MAX ? counter_names[c] : "unknown";
}

const char *
sm_counter_doc(enum sm_counter c)
{
	return (unsigned int)c < SM_CNT_MAX ? counter_docs[c] : "";
}

void
sm_counters_accumulate(struct sm_counters *dst, const struct sm_counters *src)
{
	/* The owner writes with plain increments; a relaxed 64-bit load
	 * cannot tear on the platforms DPDK supports. */
	for (unsigned int i = 0; i < SM_CNT_MAX; i++)
		dst->v[i] += __atomic_load_n(&src->v[i], __ATOMIC_RELAXED);
}
