/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sessmon/common.h"
#include "sessmon/timers.h"

/* Longest timer accepted: ten years, so "never expire" is expressible. */
#define TIMER_MAX_SEC 315360000UL

/* FortiOS names, defaults (../shared/fortigate/README.md §9) and whether
 * 0 is a valid value (KB 269332 allows tcp-timewait-timer 0). */
static const struct {
	const char *name;
	uint32_t def;
	uint32_t min;
} timer_table[SM_TIMER_MAX] = {
	[SM_TIMER_SESSION_TTL] = { "session-ttl", 3600, 1 },
	[SM_TIMER_TCP_HALFOPEN] = { "tcp-halfopen-timer", 10, 1 },
	[SM_TIMER_TCP_HALFCLOSE] = { "tcp-halfclose-timer", 120, 1 },
	[SM_TIMER_TCP_TIMEWAIT] = { "tcp-timewait-timer", 1, 0 },
	[SM_TIMER_TCP_RST] = { "tcp-rst-timer", 5, 1 },
	[SM_TIMER_UDP_IDLE] = { "udp-idle-timer", 180, 1 },
	[SM_TIMER_ICMP_IDLE] = { "icmp-idle-timer", 60, 1 },
};

void
sm_timers_default(struct sm_timers *t)
{
	for (unsigned int i = 0; i < SM_TIMER_MAX; i++)
		t->sec[i] = timer_table[i].def;
}

const char *
sm_timers_name(enum sm_timer id)
{
	return (unsigned int)id < SM_TIMER_MAX ? timer_table[id].name : "unknown";
}

int
sm_timers_set(struct sm_timers *t, const char *assignment)
{
	const char *eq = strchr(assignment, '=');
	unsigned long v;
	char *end;

	if (eq == NULL || eq[1] < '0' || eq[1] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(eq + 1, &end, 10);
	if (errno != 0 || *end != '\0' || v > TIMER_MAX_SEC)
		return -EINVAL;
	for (unsigned int i = 0; i < SM_TIMER_MAX; i++) {
		size_t len = strlen(timer_table[i].name);

		if ((size_t)(eq - assignment) != len || strncmp(assignment, timer_table[i].name, len) != 0)
			continue;
		if (v < timer_table[i].min)
			return -EINVAL;
		t->sec[i] = (uint32_t)v;
		return 0;
	}
	return -EINVAL;
}
