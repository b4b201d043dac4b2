/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <string.h>

#include "sessmon/ageing.h"
#include "sessmon/common.h"

#define NIL UINT32_MAX
/* A slot head's prev link holds the slot number with this bit set, so that
 * unlinking a head needs no search and no stored slot number. */
#define HEAD_MARK 0x80000000u

static inline uint32_t
slot_of_sec(uint64_t sec)
{
	return (uint32_t)(sec % SM_AGEING_SLOTS);
}

void
sm_ageing_init(struct sm_ageing *a, uint64_t now_us)
{
	a->cur_sec = now_us / SM_US_PER_S;
	a->pending = NIL;
	a->n_linked = 0;
	memset(a->head, 0xff, sizeof(a->head));
}

static void
push(struct sm_ageing *a, struct sm_session *sess, uint32_t slot, uint32_t wslot)
{
	struct sm_session *s = &sess[slot];

	s->wheel_next = a->head[wslot];
	s->wheel_prev = HEAD_MARK | wslot;
	if (s->wheel_next != NIL)
		sess[s->wheel_next].wheel_prev = slot;
	a->head[wslot] = slot;
}

void
sm_ageing_link(struct sm_ageing *a, struct sm_session *sess, uint32_t slot,
	       const struct sm_timers *t)
{
	uint64_t sec = sm_session_expiry(&sess[slot], t) / SM_US_PER_S;

	/* Past the wheel's reach: park in its last slot and look again then. */
	if (sec < a->cur_sec)
		sec = a->cur_sec;
	else if (sec >= a->cur_sec + SM_AGEING_SLOTS)
		sec = a->cur_sec + SM_AGEING_SLOTS - 1;
	push(a, sess, slot, slot_of_sec(sec));
	a->n_linked++;
}

void
sm_ageing_unlink(struct sm_ageing *a, struct sm_session *sess, uint32_t slot)
{
	struct sm_session *s = &sess[slot];

	if (s->wheel_prev == NIL)
		return;
	if (s->wheel_prev & HEAD_MARK) {
		uint32_t w = s->wheel_prev & ~HEAD_MARK;

		/* The pending list borrows the mark of the slot it came from. */
		if (a->pending == slot)
			a->pending = s->wheel_next;
		else
			a->head[w] = s->wheel_next;
	} else {
		sess[s->wheel_prev].wheel_next = s->wheel_next;
	}
	if (s->wheel_next != NIL)
		sess[s->wheel_next].wheel_prev = s->wheel_prev;
	s->wheel_next = s->wheel_prev = NIL;
	a->n_linked--;
}

/* Detach the slot of the current second into the pending list. */
static void
take_slot(struct sm_ageing *a, struct sm_session *sess, uint32_t w)
{
	uint32_t first = a->head[w];

	a->head[w] = NIL;
	if (first == NIL)
		return;
	if (a->pending == NIL) {
		a->pending = first;
		return;
	}
	/* Prepend to what is pending (only after a time jump). */
	uint32_t last = first;

	while (sess[last].wheel_next != NIL)
		last = sess[last].wheel_next;
	sess[last].wheel_next = a->pending;
	sess[a->pending].wheel_prev = last;
	a->pending = first;
	sess[first].wheel_prev = HEAD_MARK | w;
}

unsigned int
sm_ageing_expire(struct sm_ageing *a, struct sm_session *sess, uint64_t now_us,
		 const struct sm_timers *t, uint32_t *out, unsigned int n,
		 unsigned int budget)
{
	uint64_t now_sec = now_us / SM_US_PER_S;
	unsigned int found = 0;

	/* A jump longer than a wheel turn (merged captures, a paused
	 * reader): every slot is due, take them all at once. */
	if (now_sec >= a->cur_sec + SM_AGEING_SLOTS) {
		for (uint32_t w = 0; w < SM_AGEING_SLOTS; w++)
			take_slot(a, sess, w);
		a->cur_sec = now_sec;
	}
	while (budget > 0 && found < n) {
		if (a->pending == NIL) {
			/* A second is due only once it is entirely past. */
			if (a->cur_sec >= now_sec)
				break;
			take_slot(a, sess, slot_of_sec(a->cur_sec));
			a->cur_sec++;
			continue;
		}
		uint32_t slot = a->pending;

		budget--;
		sm_ageing_unlink(a, sess, slot);
		if (sm_session_expiry(&sess[slot], t) <= now_us)
			out[found++] = slot;
		else
			sm_ageing_link(a, sess, slot, t);
	}
	return found;
}

int64_t
sm_ageing_oldest(const struct sm_ageing *a)
{
	if (a->pending != NIL)
		return a->pending;
	for (uint32_t i = 0; i < SM_AGEING_SLOTS; i++) {
		uint32_t w = slot_of_sec(a->cur_sec + i);

		if (a->head[w] != NIL)
			return a->head[w];
	}
	return -ENOENT;
}
