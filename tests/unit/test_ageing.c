/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ageing wheel on network time.
 *
 * A session expires at last_us + its timer (session.h); the wheel has one
 * slot per second and a second is processed once it is entirely past
 * (ageing.h, ageing.c). So a session whose expiry E falls in second
 * floor(E) is returned by the first call whose "now" is in a later second,
 * i.e. at floor(E) + 1 s, never before E. Sessions beyond the wheel's
 * reach (4096 s) wait in its last slot and are looked at again when that
 * slot comes due; a jump of "now" by more than a wheel turn looks at every
 * session at once. A session looked at is returned if E <= now, and
 * otherwise goes to the slot of floor(E). Every expected return time below
 * is worked out from these rules; timers are FortiOS's defaults (README
 * §9) unless a test sets its own.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sessmon/ageing.h"
#include "sessmon/common.h"
#include "sessmon/pkt.h"
#include "sessmon/session.h"
#include "sessmon/timers.h"

#define SEC SM_US_PER_S
#define NIL UINT32_MAX
/* Network time a.b s in microseconds (b in microseconds). */
#define T(a, b) ((uint64_t)(a) * SEC + (b))

#define N_SESS 60000

static struct sm_session *sess;
static struct sm_ageing *age;
static struct sm_timers tm;

static int
setup(void **state)
{
	(void)state;
	sess = calloc(N_SESS, sizeof(*sess));
	age = calloc(1, sizeof(*age));
	return sess == NULL || age == NULL ? -1 : 0;
}

/* Each test starts from FortiOS's default timers and blank records. */
static int
fresh(void **state)
{
	(void)state;
	sm_timers_default(&tm);
	memset(sess, 0, N_SESS * sizeof(*sess));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	free(sess);
	free(age);
	return 0;
}

/* A fresh session in @p slot whose last packet was at @p last_us, on
 * @p timer, linked on the wheel. */
static void
add(uint32_t slot, uint64_t last_us, enum sm_timer timer)
{
	struct sm_pkt_meta pm = {
		.key = { .addr = { { 10, 0, 0, 1 }, { 10, 0, 0, 2 } }, .port = { 1, 2 },
			 .proto = 17, .family = 4, .kind = SM_KEY_L4 },
		.ts_us = last_us, .ts_first_us = last_us, .seq = slot + 1u, .n_wire = 1,
	};
	struct sm_session *s = &sess[slot];

	sm_session_init(s, &pm);
	s->timer = (uint8_t)timer;
	sm_ageing_link(age, sess, slot, &tm);
}

/* Step "now" from @p from to @p to by @p step, collecting whatever the
 * wheel returns; ret[slot] gets the time it came back (0: not yet). */
static void
run(uint64_t from, uint64_t to, uint64_t step, uint64_t *ret)
{
	for (uint64_t now = from; now <= to; now += step) {
		uint32_t out[64];
		unsigned int n = sm_ageing_expire(age, sess, now, &tm, out, SM_ARRAY_SIZE(out),
						  UINT32_MAX);

		for (unsigned int i = 0; i < n; i++) {
			if (ret[out[i]] != 0)
				fail_msg("slot %u returned twice", out[i]);
			ret[out[i]] = now;
		}
	}
}

static void
test_empty(void **state)
{
	uint32_t out[4];

	(void)state;
	sm_ageing_init(age, T(1000, 500000));
	assert_int_equal(age->cur_sec, 1000);
	assert_int_equal(age->n_linked, 0);
	assert_int_equal(sm_ageing_oldest(age), -ENOENT);
	assert_int_equal(sm_ageing_expire(age, sess, T(1010, 0), &tm, out, 4, UINT32_MAX), 0);
	assert_int_equal(sm_ageing_expire(age, sess, T(900000, 0), &tm, out, 4, UINT32_MAX), 0);
	assert_int_equal(sm_ageing_oldest(age), -ENOENT);
}

static void
test_exact_times(void **state)
{
	/*
	 * Wheel started at 1000 s, sessions linked then; "now" walks in
	 * 250 ms steps. ICMP idle is set to 5000 s to put one session beyond
	 * the wheel's reach (1000 + 4096 = 5096 s).
	 */
	static const struct {
		uint64_t last;
		enum sm_timer timer;
		uint64_t want;
	} s[] = {
		/* 1000.25 + 1 = 1001.25: its second ends at 1002. */
		{ T(1000, 250000), SM_TIMER_TCP_TIMEWAIT, T(1002, 0) },
		/* 1000 + 5 = 1005.000000 exactly: due at 1005.0, its second
		 * is past at 1006. */
		{ T(1000, 0), SM_TIMER_TCP_RST, T(1006, 0) },
		/* 1000.999999 + 10 = 1010.999999 -> 1011. */
		{ T(1000, 999999), SM_TIMER_TCP_HALFOPEN, T(1011, 0) },
		/* 1003.000001 + 120 = 1123.000001 -> 1124. */
		{ T(1003, 1), SM_TIMER_TCP_HALFCLOSE, T(1124, 0) },
		/* 1000.1 + 180 = 1180.1 -> 1181. */
		{ T(1000, 100000), SM_TIMER_UDP_IDLE, T(1181, 0) },
		/* 1000.7 + 3600 = 4600.7 -> 4601 (within reach). */
		{ T(1000, 700000), SM_TIMER_SESSION_TTL, T(4601, 0) },
		/* 1000.5 + 5000 = 6000.5: beyond reach, parked in the slot of
		 * 5095, looked at when 5095 is past (5096 s), moved to 6000,
		 * returned at 6001. */
		{ T(1000, 500000), SM_TIMER_ICMP_IDLE, T(6001, 0) },
		/* 96 + 5000 = 5096.0, the first second out of reach: parked
		 * in 5095 too and found due when it is looked at, at 5096.0. */
		{ T(96, 0), SM_TIMER_ICMP_IDLE, T(5096, 0) },
		/* Already past when linked (980 + 10 = 990): goes into the
		 * current second, 1000, and comes back at 1001. */
		{ T(980, 0), SM_TIMER_TCP_HALFOPEN, T(1001, 0) },
	};
	uint64_t ret[SM_ARRAY_SIZE(s)] = { 0 };

	(void)state;
	assert_int_equal(sm_timers_set(&tm, "icmp-idle-timer=5000"), 0);
	sm_ageing_init(age, T(1000, 0));
	for (uint32_t i = 0; i < SM_ARRAY_SIZE(s); i++)
		add(i, s[i].last, s[i].timer);
	assert_int_equal(age->n_linked, SM_ARRAY_SIZE(s));
	run(T(1000, 0), T(6100, 0), 250000, ret);
	for (uint32_t i = 0; i < SM_ARRAY_SIZE(s); i++) {
		if (ret[i] != s[i].want)
			fail_msg("session %u returned at %lu us, expected %lu us", i,
				 (unsigned long)ret[i], (unsigned long)s[i].want);
		/* Never before its expiry. */
		assert_true(ret[i] >= sm_session_expiry(&sess[i], &tm));
		assert_int_equal(sess[i].wheel_next, NIL);
		assert_int_equal(sess[i].wheel_prev, NIL);
	}
	assert_int_equal(age->n_linked, 0);
}

static void
test_limits(void **state)
{
	uint32_t out[16], seen = 0;
	unsigned int n;

	(void)state;
	/* Five sessions due in second 1001 (1000.1 .. 1000.5 + 1 s). */
	sm_ageing_init(age, T(1000, 0));
	for (uint32_t i = 0; i < 5; i++)
		add(i, T(1000, 100000 * (i + 1)), SM_TIMER_TCP_TIMEWAIT);
	/* At most n per call: 2, 2, 1, then nothing. */
	n = sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 2, UINT32_MAX);
	assert_int_equal(n, 2);
	for (unsigned int i = 0; i < n; i++)
		seen |= 1u << out[i];
	n = sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 2, UINT32_MAX);
	assert_int_equal(n, 2);
	for (unsigned int i = 0; i < n; i++)
		seen |= 1u << out[i];
	n = sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 2, UINT32_MAX);
	assert_int_equal(n, 1);
	seen |= 1u << out[0];
	assert_int_equal(seen, 0x1f);
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 2, UINT32_MAX), 0);
	assert_int_equal(age->n_linked, 0);

	/*
	 * The budget counts sessions looked at, due or not. Three due in
	 * second 1001 and two in the same slot whose later packets (at
	 * 1000.9 s, on a 10 s timer) moved their expiry to 1010.9 without
	 * relinking: five looks for five sessions, three found.
	 */
	sm_ageing_init(age, T(1000, 0));
	seen = 0;
	for (uint32_t i = 0; i < 5; i++)
		add(i, T(1000, 100000 * (i + 1)), SM_TIMER_TCP_TIMEWAIT);
	for (uint32_t i = 3; i < 5; i++) {
		sess[i].last_us = T(1000, 900000);
		sess[i].timer = SM_TIMER_TCP_HALFOPEN;
	}
	for (int call = 0; call < 5; call++) {
		n = sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 16, 1);
		assert_true(n <= 1);
		if (n == 1)
			seen |= 1u << out[0];
	}
	assert_int_equal(seen, 0x07);
	assert_int_equal(age->n_linked, 2);
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 16, 1), 0);
	/* They come back at 1011. */
	assert_int_equal(sm_ageing_expire(age, sess, T(1010, 950000), &tm, out, 16, 100), 0);
	assert_int_equal(sm_ageing_expire(age, sess, T(1011, 0), &tm, out, 16, 100), 2);
	assert_int_equal(age->n_linked, 0);
}

static void
test_later_expiry_is_lazy(void **state)
{
	uint64_t ret[2] = { 0 };

	(void)state;
	sm_ageing_init(age, T(1000, 0));
	/* Session 0: 1000.5 + 10 = 1010.5. Session 1 stays on 3600 s. */
	add(0, T(1000, 500000), SM_TIMER_TCP_HALFOPEN);
	add(1, T(1000, 500000), SM_TIMER_SESSION_TTL);
	run(T(1000, 0), T(1005, 0), 250000, ret);
	/* A packet at 1005.2 s (no timer change, so no relink, as the worker
	 * does): expiry 1015.2, its second ends at 1016. */
	sess[0].last_us = T(1005, 200000);
	run(T(1005, 250000), T(1020, 0), 250000, ret);
	assert_int_equal(ret[0], T(1016, 0));
	assert_int_equal(ret[1], 0);
	assert_int_equal(age->n_linked, 1);
}

static void
test_earlier_expiry_relinks(void **state)
{
	uint64_t ret[2] = { 0 };

	(void)state;
	sm_ageing_init(age, T(1000, 0));
	/* Both established: 1000.5 + 3600 = 4600.5. */
	add(0, T(1000, 500000), SM_TIMER_SESSION_TTL);
	add(1, T(1000, 500000), SM_TIMER_SESSION_TTL);
	run(T(1000, 0), T(1002, 250000), 250000, ret);
	/* A FIN at 1002.3 s: half-close, 1002.3 + 120 = 1122.3. The worker
	 * unlinks and links again when the timer changes. */
	sess[0].last_us = T(1002, 300000);
	sess[0].timer = SM_TIMER_TCP_HALFCLOSE;
	sm_ageing_unlink(age, sess, 0);
	sm_ageing_link(age, sess, 0, &tm);
	assert_int_equal(age->n_linked, 2);
	run(T(1002, 500000), T(1003, 0), 250000, ret);
	/* Then a RST at 1003.0 s: 1003 + 5 = 1008.0, returned at 1009. */
	sess[0].last_us = T(1003, 0);
	sess[0].timer = SM_TIMER_TCP_RST;
	sm_ageing_unlink(age, sess, 0);
	sm_ageing_link(age, sess, 0, &tm);
	run(T(1003, 250000), T(4602, 0), 250000, ret);
	assert_int_equal(ret[0], T(1009, 0));
	assert_int_equal(ret[1], T(4601, 0));
	assert_int_equal(age->n_linked, 0);
}

static void
test_unlink(void **state)
{
	uint32_t out[8], first, mid, last;

	(void)state;
	/* Four sessions in the slot of 1001, linked in the order 0..3; the
	 * wheel pushes at the head, so the slot's list is 3, 2, 1, 0.
	 * Unlinking one from the middle, the head and the tail takes it, and
	 * only it, off the wheel. */
	sm_ageing_init(age, T(1000, 0));
	for (uint32_t i = 0; i < 4; i++)
		add(i, T(1000, 100000 * (i + 1)), SM_TIMER_TCP_TIMEWAIT);
	sm_ageing_unlink(age, sess, 2);
	sm_ageing_unlink(age, sess, 3);
	sm_ageing_unlink(age, sess, 0);
	for (uint32_t i = 0; i < 4; i++) {
		if (i == 1)
			continue;
		assert_int_equal(sess[i].wheel_next, NIL);
		assert_int_equal(sess[i].wheel_prev, NIL);
	}
	assert_int_equal(age->n_linked, 1);
	/* Unlinking again changes nothing. */
	sm_ageing_unlink(age, sess, 2);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 8, UINT32_MAX), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(age->n_linked, 0);

	/* Sessions already taken off their slot for processing (n = 1 left
	 * three of them waiting) can be unlinked too: the first and the last
	 * of the three; the middle one is then the only one returned. */
	sm_ageing_init(age, T(1000, 0));
	for (uint32_t i = 0; i < 4; i++)
		add(i, T(1000, 100000 * (i + 1)), SM_TIMER_TCP_TIMEWAIT);
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 1, UINT32_MAX), 1);
	assert_int_equal(age->n_linked, 3);
	first = age->pending;
	assert_int_not_equal(first, NIL);
	mid = sess[first].wheel_next;
	last = sess[mid].wheel_next;
	assert_int_equal(sess[last].wheel_next, NIL);
	sm_ageing_unlink(age, sess, first);
	sm_ageing_unlink(age, sess, last);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 8, UINT32_MAX), 1);
	assert_int_equal(out[0], mid);
	assert_int_equal(age->n_linked, 0);
	assert_int_equal(age->pending, NIL);
}

static void
test_big_jump(void **state)
{
	uint32_t out[16], seen = 0;
	unsigned int n;
	const uint64_t ten_years = 315360000;

	(void)state;
	/* For this test: half-close 3600 s, ICMP 5000 s (beyond the wheel's
	 * reach), session-ttl ten years. */
	assert_int_equal(sm_timers_set(&tm, "tcp-halfclose-timer=3600"), 0);
	assert_int_equal(sm_timers_set(&tm, "session-ttl=315360000"), 0);
	assert_int_equal(sm_timers_set(&tm, "icmp-idle-timer=5000"), 0);
	sm_ageing_init(age, T(1000, 0));
	add(0, T(1000, 500000), SM_TIMER_TCP_HALFOPEN);   /* 1010.5 */
	add(1, T(1000, 100000), SM_TIMER_UDP_IDLE);       /* 1180.1 */
	add(2, T(1000, 700000), SM_TIMER_TCP_HALFCLOSE);  /* 4600.7 */
	add(3, T(1000, 500000), SM_TIMER_ICMP_IDLE);      /* 6000.5, parked */
	add(4, T(1000, 500000), SM_TIMER_SESSION_TTL);    /* 1000.5 + 10 years */
	/* Straight from 1000 to 7000 s, more than a wheel turn: the four
	 * due sessions in one call, the ten-year one stays. */
	n = sm_ageing_expire(age, sess, T(7000, 0), &tm, out, 16, UINT32_MAX);
	assert_int_equal(n, 4);
	for (unsigned int i = 0; i < n; i++)
		seen |= 1u << out[i];
	assert_int_equal(seen, 0x0f);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(age->cur_sec, 7000);
	/* Another jump, to one microsecond before the ten-year session's
	 * expiry (1000.5 s + ten years): looked at, not due, linked into its
	 * own second. At its expiry that second is not past yet; at the
	 * next second it comes back. */
	assert_int_equal(sm_ageing_expire(age, sess, T(1000 + ten_years, 499999), &tm, out, 16,
					  UINT32_MAX), 0);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(sm_ageing_expire(age, sess, T(1000 + ten_years, 500000), &tm, out, 16,
					  UINT32_MAX), 0);
	assert_int_equal(sm_ageing_expire(age, sess, T(1001 + ten_years, 0), &tm, out, 16,
					  UINT32_MAX), 1);
	assert_int_equal(out[0], 4);
	assert_int_equal(age->n_linked, 0);

	/* A jump of exactly one wheel turn (4096 s). */
	sm_ageing_init(age, T(1000, 0));
	add(0, T(1000, 0), SM_TIMER_TCP_HALFOPEN);        /* 1010.0 */
	add(1, T(5085, 0), SM_TIMER_TCP_HALFOPEN);        /* 5095.0 */
	add(2, T(5086, 0), SM_TIMER_TCP_HALFOPEN);        /* 5096.0: due at 5096 */
	add(3, T(5087, 0), SM_TIMER_TCP_HALFOPEN);        /* 5097.0 */
	n = sm_ageing_expire(age, sess, T(5096, 0), &tm, out, 16, UINT32_MAX);
	assert_int_equal(n, 3);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(sm_ageing_expire(age, sess, T(5098, 0), &tm, out, 16, UINT32_MAX), 1);
	assert_int_equal(out[0], 3);
}

static void
test_big_jump_while_pending(void **state)
{
	uint32_t out[16], seen = 0;
	unsigned int n;

	(void)state;
	/*
	 * A jump that comes while a slot is still being worked through (an
	 * earlier call hit its limit): everything due still comes back in
	 * one call that may look at each linked session once.
	 */
	assert_int_equal(sm_timers_set(&tm, "session-ttl=315360000"), 0);
	assert_int_equal(sm_timers_set(&tm, "icmp-idle-timer=100000"), 0);
	sm_ageing_init(age, T(1000, 0));
	add(0, T(1000, 500000), SM_TIMER_TCP_TIMEWAIT);   /* 1001.5 */
	add(1, T(1000, 600000), SM_TIMER_TCP_TIMEWAIT);   /* 1001.6 */
	add(2, T(1000, 500000), SM_TIMER_ICMP_IDLE);      /* 101000.5, parked */
	add(3, T(1000, 500000), SM_TIMER_SESSION_TTL);    /* ten years, parked */
	assert_int_equal(sm_ageing_expire(age, sess, T(1002, 0), &tm, out, 1, UINT32_MAX), 1);
	seen |= 1u << out[0];
	assert_int_not_equal(age->pending, NIL);
	/* To 200000 s: 0 or 1 (whichever is left) and 2 are due; 3 is not. */
	n = sm_ageing_expire(age, sess, T(200000, 0), &tm, out, 16, age->n_linked);
	for (unsigned int i = 0; i < n; i++)
		seen |= 1u << out[i];
	assert_int_equal(n, 2);
	assert_int_equal(seen, 0x07);
	assert_int_equal(age->n_linked, 1);
	assert_int_equal(age->pending, NIL);
}

static void
test_far_future_not_examined(void **state)
{
	/*
	 * 50000 sessions due far in the future (half on session-ttl, 3600 s
	 * away; half ten years away, parked) and one session due in each
	 * second 1001..1100. Advancing one second at a time with a budget of
	 * ONE session per call, every call returns that second's session and
	 * finishes its work (nothing pending, the wheel at "now"): the far
	 * sessions are never looked at, so the cost of a call does not
	 * depend on how many there are.
	 */
	const uint32_t n_far = 50000, n_due = 100;

	(void)state;
	assert_int_equal(sm_timers_set(&tm, "tcp-halfclose-timer=315360000"), 0);
	sm_ageing_init(age, T(1000, 0));
	for (uint32_t i = 0; i < n_far; i++)
		add(i, T(1000, i),
		    i % 2 ? SM_TIMER_SESSION_TTL : SM_TIMER_TCP_HALFCLOSE);
	/* Due session k: last at (1000 + k).5 s, 1 s timer, expiry
	 * (1001 + k).5 s, returned at 1002 + k. */
	for (uint32_t k = 0; k < n_due; k++)
		add(n_far + k, T(1000 + k, 500000), SM_TIMER_TCP_TIMEWAIT);
	for (uint32_t k = 0; k < n_due; k++) {
		uint32_t out[4];
		uint64_t now = T(1002 + k, 0);

		assert_int_equal(sm_ageing_expire(age, sess, now, &tm, out, 4, 1), 1);
		assert_int_equal(out[0], n_far + k);
		assert_int_equal(age->pending, NIL);
		assert_int_equal(age->cur_sec, 1002 + k);
	}
	assert_int_equal(age->n_linked, n_far);
}

static void
test_oldest(void **state)
{
	uint32_t out[4];

	(void)state;
	/* The eviction candidate is in the first non-empty second. */
	sm_ageing_init(age, T(1000, 0));
	add(0, T(1000, 0), SM_TIMER_SESSION_TTL);         /* 4600 */
	add(1, T(1000, 0), SM_TIMER_UDP_IDLE);            /* 1180 */
	add(2, T(1000, 0), SM_TIMER_ICMP_IDLE);           /* 1060 */
	assert_int_equal(sm_ageing_oldest(age), 2);
	sm_ageing_unlink(age, sess, 2);
	assert_int_equal(sm_ageing_oldest(age), 1);
	/* After the wheel has moved past 1180, session 0 is the only one. */
	assert_int_equal(sm_ageing_expire(age, sess, T(2000, 0), &tm, out, 4, UINT32_MAX), 1);
	assert_int_equal(out[0], 1);
	assert_int_equal(sm_ageing_oldest(age), 0);
	sm_ageing_unlink(age, sess, 0);
	assert_int_equal(sm_ageing_oldest(age), -ENOENT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_empty, fresh),
		cmocka_unit_test_setup(test_exact_times, fresh),
		cmocka_unit_test_setup(test_limits, fresh),
		cmocka_unit_test_setup(test_later_expiry_is_lazy, fresh),
		cmocka_unit_test_setup(test_earlier_expiry_relinks, fresh),
		cmocka_unit_test_setup(test_unlink, fresh),
		cmocka_unit_test_setup(test_big_jump, fresh),
		cmocka_unit_test_setup(test_big_jump_while_pending, fresh),
		cmocka_unit_test_setup(test_far_future_not_examined, fresh),
		cmocka_unit_test_setup(test_oldest, fresh),
	};

	return cmocka_run_group_tests_name("ageing", tests, setup, teardown);
}
