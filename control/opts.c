/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sessmon/common.h"
#include "sessmon/opts.h"

enum { OPT_SESSIONS = 256, OPT_TIMER, OPT_VERSION, OPT_DURATION, OPT_STATS, OPT_MBUFS,
       OPT_EV_FILTER, OPT_EV_ON, OPT_EV_OFF, OPT_NO_INSPECT, OPT_DEPTH, OPT_RULES,
       OPT_STRICT, OPT_RULES_CACHE, OPT_STATUS };

static const struct option long_opts[] = {
	{ "read", required_argument, NULL, 'r' },
	{ "workers", required_argument, NULL, 'w' },
	{ "command", required_argument, NULL, 'c' },
	{ "sessions", required_argument, NULL, OPT_SESSIONS },
	{ "timer", required_argument, NULL, OPT_TIMER },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "mbufs", required_argument, NULL, OPT_MBUFS },
	{ "events", required_argument, NULL, 'e' },
	{ "events-filter", required_argument, NULL, OPT_EV_FILTER },
	{ "event-on", required_argument, NULL, OPT_EV_ON },
	{ "event-off", required_argument, NULL, OPT_EV_OFF },
	{ "no-inspect", no_argument, NULL, OPT_NO_INSPECT },
	{ "inspect-depth", required_argument, NULL, OPT_DEPTH },
	{ "status-interval", required_argument, NULL, OPT_STATUS },
	{ "rules", required_argument, NULL, OPT_RULES },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "rules-cache", required_argument, NULL, OPT_RULES_CACHE },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ NULL, 0, NULL, 0 },
};

static const char usage[] =
	"usage: sessmon [EAL options --] [options]\n"
	"  -r, --read FILE        read a pcap/pcapng capture (repeatable, read in order)\n"
	"  -w, --workers N        worker lcores (default 1)\n"
	"  -c, --command CMD      control command to run once the input is processed\n"
	"                         (repeatable), e.g. \"diagnose sys session list\"\n"
	"      --sessions N       session table capacity per worker (default 131072)\n"
	"      --timer NAME=SEC   session timer: session-ttl, tcp-halfopen-timer,\n"
	"                         tcp-halfclose-timer, tcp-timewait-timer, tcp-rst-timer,\n"
	"                         udp-idle-timer, icmp-idle-timer (repeatable)\n"
	"      --duration SEC     stop reading after SEC seconds (for endless sources)\n"
	"      --stats            print packets read and the rate on stderr at the end\n"
	"      --mbufs N          mbuf pool size (net_pcap's infinite_rx preloads a whole\n"
	"                         capture into it)\n"
	"  -e, --events FILE      write events as JSON lines to FILE ('-': stdout)\n"
	"      --events-filter F  write only the events matching filter F (docs/events.md)\n"
	"      --event-on NAME    raise an event that is off by default (repeatable)\n"
	"      --event-off NAME   do not raise event NAME (repeatable)\n"
	"      --no-inspect       no reassembly, TLS analysis or events: accounting only\n"
	"      --inspect-depth N  payload bytes inspected per direction (default 1048576,\n"
	"                         0: unlimited)\n"
	"      --status-interval S  connection_status_update interval (default 60; the\n"
	"                         event is off unless --event-on turns it on)\n"
	"      --rules FILE       signature rules (Suricata/Snort subset, or a .hs pattern\n"
	"                         file; repeatable); reload with SIGHUP\n"
	"      --strict           a rule that cannot be loaded is fatal\n"
	"      --rules-cache DIR  compiled database cache (default /var/cache/sessmon,\n"
	"                         '' for none)\n"
	"  -h, --help             this text\n"
	"      --version          print the version\n"
	"Without EAL options sessmon runs offline: --no-huge --no-pci --no-shconf\n"
	"and one net_pcap vdev per capture.\n";

static int
fail(char *err, size_t errlen, const char *fmt, const char *arg)
{
	snprintf(err, errlen, fmt, arg);
	return -EINVAL;
}

static int
parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v < min || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Append a formatted EAL argument, kept in o->eal_buf. */
static int
eal_arg(struct sm_opts *o, size_t *used, const char *fmt, unsigned long v)
{
	int n;

	if (o->eal_argc >= SM_OPTS_MAX_EAL - 1)
		return -E2BIG;
	n = snprintf(o->eal_buf + *used, sizeof(o->eal_buf) - *used, fmt, v);
	if (n < 0 || (size_t)n >= sizeof(o->eal_buf) - *used)
		return -E2BIG;
	o->eal_argv[o->eal_argc++] = o->eal_buf + *used;
	*used += (size_t)n + 1;
	return 0;
}

/*
 * The offline EAL: no hugepages or devices, nothing left in /var/run, one
 * lcore for ingress plus one per worker. Lcores may outnumber cores (two
 * on the reference machine), so every lcore may float on every CPU and
 * the kernel schedules them; memory is sized from the tables.
 */
static int
build_eal(struct sm_opts *o, const char *prog)
{
	size_t used = 0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/* Per worker: table (~256 B/session with the hash) and rings;
	 * mbufs: 2.3 KB each; plus 128 MiB of room for the EAL itself. */
	/* Inspection: objects, streams and TLS analysers with their mempool
	 * headers (~512 B/session with the defaults' ratios), 32 MiB of
	 * reassembly chunks, 4 MiB of TLS buffers and 17 MiB of event records
	 * per worker, and room for the pools' rings. */
	unsigned long insp_mb = o->no_inspect ? 0 : (unsigned long)o->sessions * 512 / (1 << 20) + 96;
	unsigned long mem_mb = 128 + (unsigned long)o->workers *
		((unsigned long)o->sessions * 256 / (1 << 20) + 48 + insp_mb) +
		(unsigned long)o->mbufs * 2560 / (1 << 20);
	int rc = 0;

	o->eal_argc = 0;
	o->eal_argv[o->eal_argc++] = (char *)prog;
	o->eal_argv[o->eal_argc++] = "--no-huge";
	o->eal_argv[o->eal_argc++] = "--no-pci";
	/* 22.11 makes --no-huge imply legacy memory, which it refuses to
	 * combine with --in-memory; --no-shconf keeps the run just as private
	 * (no shared config files, so concurrent runs never collide). */
	o->eal_argv[o->eal_argc++] = "--no-shconf";
	o->eal_argv[o->eal_argc++] = "--no-telemetry";
	o->eal_argv[o->eal_argc++] = "--log-level=*:error";
	rc |= eal_arg(o, &used, "-m%lu", mem_mb);
	rc |= eal_arg(o, &used, "--lcores=(0-%lu)", o->workers);
	if (rc == 0) {
		/* Append "@(0-ncpu-1)" to the lcores argument just written. */
		char *last = o->eal_argv[o->eal_argc - 1];
		size_t len = strlen(last);
		int n = snprintf(last + len, sizeof(o->eal_buf) - (size_t)(last - o->eal_buf) - len,
				 "@(0-%ld)", ncpu > 0 ? ncpu - 1 : 0);

		if (n < 0)
			rc = -E2BIG;
	}
	o->eal_argv[o->eal_argc] = NULL;
	return rc ? -E2BIG : 0;
}

int
sm_opts_parse(int argc, char **argv, struct sm_opts *o, char *err, size_t errlen)
{
	int first = 1, c;
	unsigned long v;

	memset(o, 0, sizeof(*o));
	o->workers = 1;
	o->sessions = 131072;
	o->depth = 1u << 20;
	sm_timers_default(&o->timers);
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0) {
			o->user_eal = true;
			if (i >= SM_OPTS_MAX_EAL)
				return fail(err, errlen, "%s: too many EAL options", argv[0]);
			for (int k = 0; k < i; k++)
				o->eal_argv[k] = argv[k];
			o->eal_argc = i;
			first = i + 1;
			break;
		}
	}
	/* getopt_long over argv[first-1 ..]: element 0 plays the program name. */
	int sub_argc = argc - first + 1;
	char **sub_argv = argv + first - 1;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(sub_argc, sub_argv, ":r:w:c:e:h", long_opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			if (o->n_read == SM_OPTS_MAX_READ)
				return fail(err, errlen, "too many captures (at most 16): %s", optarg);
			o->read[o->n_read++] = optarg;
			break;
		case 'c':
			if (o->n_cmds == SM_OPTS_MAX_CMDS)
				return fail(err, errlen, "too many commands (at most 64): %s", optarg);
			o->cmds[o->n_cmds++] = optarg;
			break;
		case 'w':
			if (parse_uint(optarg, 1, SM_MAX_WORKERS, &v) != 0)
				return fail(err, errlen, "-w: not a worker count from 1 to 64: '%s'", optarg);
			o->workers = (unsigned int)v;
			break;
		case OPT_SESSIONS:
			if (parse_uint(optarg, 64, 1u << 26, &v) != 0)
				return fail(err, errlen, "--sessions: not a capacity from 64 to 67108864: '%s'", optarg);
			o->sessions = (uint32_t)v;
			break;
		case OPT_TIMER:
			if (sm_timers_set(&o->timers, optarg) != 0)
				return fail(err, errlen, "--timer: expected NAME=SECONDS with a known timer name: '%s'", optarg);
			break;
		case OPT_DURATION:
			if (parse_uint(optarg, 1, 86400, &v) != 0)
				return fail(err, errlen, "--duration: not a number of seconds from 1 to 86400: '%s'", optarg);
			o->duration = (uint32_t)v;
			break;
		case OPT_STATS:
			o->stats = true;
			break;
		case OPT_MBUFS:
			if (parse_uint(optarg, 8192, 1u << 24, &v) != 0)
				return fail(err, errlen, "--mbufs: not a pool size from 8192 to 16777216: '%s'", optarg);
			o->mbufs = (uint32_t)v;
			break;
		case 'e':
			o->events = optarg;
			break;
		case OPT_EV_FILTER:
			o->events_filter = optarg;
			break;
		case OPT_EV_ON:
		case OPT_EV_OFF:
			if (o->n_ev_toggle == SM_OPTS_MAX_TOGGLE)
				return fail(err, errlen, "too many --event-on/--event-off (at most 64): %s", optarg);
			o->ev_toggle[o->n_ev_toggle] = optarg;
			o->ev_toggle_on[o->n_ev_toggle++] = c == OPT_EV_ON;
			break;
		case OPT_STATUS:
			if (parse_uint(optarg, 1, 86400, &v) != 0)
				return fail(err, errlen, "--status-interval: not a number of seconds from 1 to 86400: '%s'", optarg);
			o->status_interval = (uint32_t)v;
			break;
		case OPT_RULES:
			if (o->n_rules == SM_OPTS_MAX_READ)
				return fail(err, errlen, "too many --rules files (at most 16): %s", optarg);
			o->rules[o->n_rules++] = optarg;
			break;
		case OPT_STRICT:
			o->strict = true;
			break;
		case OPT_RULES_CACHE:
			o->rules_cache = optarg;
			break;
		case OPT_NO_INSPECT:
			o->no_inspect = true;
			break;
		case OPT_DEPTH:
			if (parse_uint(optarg, 0, 1ul << 40, &v) != 0)
				return fail(err, errlen, "--inspect-depth: not a byte count up to 2^40: '%s'", optarg);
			o->depth = v == 0 ? UINT64_MAX : v;
			break;
		case 'h':
			fputs(usage, stdout);
			return SM_OPTS_EXIT_OK;
		case OPT_VERSION:
			printf("sessmon %s\n", SESSMON_VERSION);
			return SM_OPTS_EXIT_OK;
		case ':':
			return fail(err, errlen, "option %s needs a value", sub_argv[optind - 1]);
		default:
			return fail(err, errlen, "unknown option '%s' (try --help)", sub_argv[optind - 1]);
		}
	}
	if (optind < sub_argc)
		return fail(err, errlen, "unexpected argument '%s' (try --help)", sub_argv[optind]);
	if (o->n_read == 0 && !o->user_eal)
		return fail(err, errlen, "%s", "nothing to read: give a capture with -r FILE (try --help)");
	if (o->no_inspect && (o->events != NULL || o->events_filter != NULL || o->n_rules > 0))
		return fail(err, errlen, "%s", "--no-inspect leaves nothing to match or raise (-e, --events-filter, --rules)");
	if (o->events_filter != NULL && o->events == NULL)
		return fail(err, errlen, "%s", "--events-filter needs --events FILE");
	if (!o->user_eal && build_eal(o, argv[0]) != 0)
		return fail(err, errlen, "%s", "EAL arguments too long");
	return SM_OPTS_RUN;
}
