/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "sessmon/cli.h"
#include "sessmon/sess_filter.h"

/*
 * Keys and display: ../shared/fortigate/README.md §5 and the samples
 * session-filter-help-7.x.txt (keys) and session-filter-show-7.x.txt
 * (display). Range syntax `<key> <from> [<to>]`: FortiOS 6.0 CLI reference
 * for `execute set system session filter`, the same keys.
 */

/* The `filter` words after the value keys. */
enum {
	KEY_CLEAR = SM_SESS_FILTER_KEY_MAX,
	KEY_NEGATE,
	KEY_ALL
};

/* A display line sessmon has no data for: always `any`. */
#define NO_DATA (-1)

/* FortiOS's reason line before a bad address (netdriver sample). */
static const char bad_address[] = "invalid ip address";

struct key_def;

/* Puts argv into @next (a copy of the filter being changed). */
typedef int (*apply_fn)(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
			const char *const argv[], struct sm_sess_filter_error *err);
typedef bool (*match_fn)(const struct key_def *k, const union sm_sess_filter_value *val,
			 const struct sm_sess_view *v);
typedef void (*print_fn)(FILE *out, const union sm_sess_filter_value *val, int family);

/* One `filter` word. */
struct key_def {
	const char *name;    /* first: sm_cli_keyword_find() reads it */
	size_t min_args, max_args;
	apply_fn apply;
	match_fn match;      /* value keys only, as the rest below */
	print_fn print;
	uint32_t max;        /* numbers: the largest value */
	uint32_t (*num)(const struct sm_sess_view *v);
	const uint8_t *(*addr)(const struct sm_sess_view *v);
};

/* ------------------------------------------------------------------ */
/* What each key tests in a view: the original direction for endpoints. */

static uint32_t
view_vd(const struct sm_sess_view *v)
{
	return v->vd;
}

static uint32_t
view_proto(const struct sm_sess_view *v)
{
	return v->proto;
}

static uint32_t
view_proto_state(const struct sm_sess_view *v)
{
	return v->proto_state;
}

static uint32_t
view_sport(const struct sm_sess_view *v)
{
	return v->dir[SM_DIR_ORIG].sport;
}

static uint32_t
view_dport(const struct sm_sess_view *v)
{
	return v->dir[SM_DIR_ORIG].dport;
}

static uint32_t
view_policy(const struct sm_sess_view *v)
{
	return v->policy;
}

static uint32_t
view_expire(const struct sm_sess_view *v)
{
	return v->expire;
}

static uint32_t
view_duration(const struct sm_sess_view *v)
{
	return v->duration;
}

static const uint8_t *
view_src(const struct sm_sess_view *v)
{
	return v->dir[SM_DIR_ORIG].src;
}

static const uint8_t *
view_dst(const struct sm_sess_view *v)
{
	return v->dir[SM_DIR_ORIG].dst;
}

static const struct key_def keys[KEY_ALL];

/* A value key's slot in the filter: its row in keys[]. */
static unsigned int
slot_of(const struct key_def *k)
{
	return (unsigned int)(k - keys);
}

/* ------------------------------------------------------------------ */
/* Values */

static size_t
addr_len(int family)
{
	return family == 6 ? 16 : 4;
}

static int
addr_af(int family)
{
	return family == 6 ? AF_INET6 : AF_INET;
}

/* A decimal number up to @max: digits only, as FortiOS takes numbers. */
static bool
parse_num(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t x = 0;

	if (*s == '\0')
		return false;
	for (; *s != '\0'; s++) {
		if (*s < '0' || *s > '9')
			return false;
		x = x * 10 + (uint64_t)(*s - '0');
		if (x > max)
			return false;
	}
	*out = (uint32_t)x;
	return true;
}

static int
value_error(struct sm_sess_filter_error *err, const char *word, const char *reason)
{
	err->word = word;
	err->reason = reason;
	return SM_CLI_ERR_VALUE;
}

/* `<key> <from> [<to>]`: one number is the range from it to itself. */
static int
apply_num_range(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
		const char *const argv[], struct sm_sess_filter_error *err)
{
	union sm_sess_filter_value *val = &next->val[slot_of(k)];

	if (!parse_num(argv[0], k->max, &val->num.lo))
		return value_error(err, argv[0], NULL);
	val->num.hi = val->num.lo;
	if (argc == 2 && (!parse_num(argv[1], k->max, &val->num.hi) || val->num.hi < val->num.lo))
		return value_error(err, argv[1], NULL);
	next->set |= 1u << slot_of(k);
	return 0;
}

/* `vd <index>`, or `vd -1`: any VDOM (README §5, `filter ?` help). */
static int
apply_vd(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
	 const char *const argv[], struct sm_sess_filter_error *err)
{
	if (strcmp(argv[0], "-1") == 0) {
		next->set &= ~(1u << slot_of(k));
		return 0;
	}
	return apply_num_range(next, k, argc, argv, err);
}

/* `<key> <from> [<to>]` with addresses of the filter's family. */
static int
apply_addr_range(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
		 const char *const argv[], struct sm_sess_filter_error *err)
{
	union sm_sess_filter_value *val = &next->val[slot_of(k)];
	int af = addr_af(next->family);
	size_t len = addr_len(next->family);

	memset(val, 0, sizeof(*val));
	if (inet_pton(af, argv[0], val->addr.lo) != 1)
		return value_error(err, argv[0], bad_address);
	memcpy(val->addr.hi, val->addr.lo, len);
	if (argc == 2) {
		if (inet_pton(af, argv[1], val->addr.hi) != 1)
			return value_error(err, argv[1], bad_address);
		/* Network order: byte order is numeric order. */
		if (memcmp(val->addr.hi, val->addr.lo, len) < 0)
			return value_error(err, argv[1], NULL);
	}
	next->set |= 1u << slot_of(k);
	return 0;
}

static int
apply_clear(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
	    const char *const argv[], struct sm_sess_filter_error *err)
{
	(void)k;
	(void)argc;
	(void)argv;
	(void)err;
	sm_sess_filter_init(next, next->family);
	return 0;
}

static int
apply_negate(struct sm_sess_filter *next, const struct key_def *k, size_t argc,
	     const char *const argv[], struct sm_sess_filter_error *err)
{
	/* Only value keys can be inverted: they come first in keys[]. */
	int i = sm_cli_keyword_find(argv[0], keys, SM_SESS_FILTER_KEY_MAX, sizeof(keys[0]));

	(void)k;
	(void)argc;
	if (i < 0) {
		err->word = argv[0];
		err->reason = NULL;
		return SM_CLI_ERR_PARSE;
	}
	next->negate |= 1u << i;
	return 0;
}

static bool
match_num(const struct key_def *k, const union sm_sess_filter_value *val,
	  const struct sm_sess_view *v)
{
	uint32_t x = k->num(v);

	return x >= val->num.lo && x <= val->num.hi;
}

static bool
match_addr(const struct key_def *k, const union sm_sess_filter_value *val,
	   const struct sm_sess_view *v)
{
	const uint8_t *a = k->addr(v);
	size_t len = addr_len(v->family);

	return memcmp(a, val->addr.lo, len) >= 0 && memcmp(a, val->addr.hi, len) <= 0;
}

/* FortiOS shows set values as `low-high`, a single value too (README §5). */
static void
print_num_range(FILE *out, const union sm_sess_filter_value *val, int family)
{
	(void)family;
	fprintf(out, "%" PRIu32 "-%" PRIu32, val->num.lo, val->num.hi);
}

/* No sample shows a set vd; it is one index, so sessmon shows it alone. */
static void
print_num(FILE *out, const union sm_sess_filter_value *val, int family)
{
	(void)family;
	fprintf(out, "%" PRIu32, val->num.lo);
}

static void
print_addr_range(FILE *out, const union sm_sess_filter_value *val, int family)
{
	char lo[INET6_ADDRSTRLEN], hi[INET6_ADDRSTRLEN];

	/* Cannot fail: a known family and buffers sized for it. */
	inet_ntop(addr_af(family), val->addr.lo, lo, sizeof(lo));
	inet_ntop(addr_af(family), val->addr.hi, hi, sizeof(hi));
	fprintf(out, "%s-%s", lo, hi);
}

/* ------------------------------------------------------------------ */
/* The keys */

#define NUM_RANGE(nm, mx, fn) { .name = nm, .min_args = 1, .max_args = 2, \
	.apply = apply_num_range, .match = match_num, .print = print_num_range, \
	.max = mx, .num = fn }
#define ADDR_RANGE(nm, fn) { .name = nm, .min_args = 1, .max_args = 2, \
	.apply = apply_addr_range, .match = match_addr, .print = print_addr_range, .addr = fn }

/* Value keys first, indexed by their enum (`negate` looks only at them).
 * Not here: FortiOS's vd-name, sintf, dintf (interface names), nsrc,
 * nport (sessmon translates nothing), session-state1/2 (the bit table is
 * unverified), ext-* (match lists). */
static const struct key_def keys[KEY_ALL] = {
	[SM_SESS_FILTER_VD] = { .name = "vd", .min_args = 1, .max_args = 1,
		.apply = apply_vd, .match = match_num, .print = print_num,
		.max = UINT16_MAX, .num = view_vd },
	[SM_SESS_FILTER_SRC] = ADDR_RANGE("src", view_src),
	[SM_SESS_FILTER_DST] = ADDR_RANGE("dst", view_dst),
	[SM_SESS_FILTER_PROTO] = NUM_RANGE("proto", UINT8_MAX, view_proto),
	[SM_SESS_FILTER_SPORT] = NUM_RANGE("sport", UINT16_MAX, view_sport),
	[SM_SESS_FILTER_DPORT] = NUM_RANGE("dport", UINT16_MAX, view_dport),
	[SM_SESS_FILTER_POLICY] = NUM_RANGE("policy", UINT32_MAX, view_policy),
	[SM_SESS_FILTER_EXPIRE] = NUM_RANGE("expire", UINT32_MAX, view_expire),
	[SM_SESS_FILTER_DURATION] = NUM_RANGE("duration", UINT32_MAX, view_duration),
	[SM_SESS_FILTER_PROTO_STATE] = NUM_RANGE("proto-state", UINT8_MAX, view_proto_state),
	[KEY_CLEAR] = { .name = "clear", .min_args = 0, .max_args = 0, .apply = apply_clear },
	[KEY_NEGATE] = { .name = "negate", .min_args = 1, .max_args = 1,
		.apply = apply_negate },
};
static_assert(SM_SESS_FILTER_KEY_MAX <= 32, "one bit per key in set and negate");
static_assert(sizeof(struct sm_sess_filter) == sizeof(int) + 2 * sizeof(uint32_t) +
	      SM_SESS_FILTER_KEY_MAX * sizeof(union sm_sess_filter_value),
	      "no padding in a filter");

/* `filter` with no argument, FortiOS 7.x: its 16 lines in its order, with
 * the key each shows. */
static const struct show_row {
	const char *label;
	int key;
} show_rows[] = {
	{ "vd", SM_SESS_FILTER_VD },
	{ "sintf", NO_DATA },
	{ "dintf", NO_DATA },
	{ "proto", SM_SESS_FILTER_PROTO },
	{ "proto-state", SM_SESS_FILTER_PROTO_STATE },
	{ "source ip", SM_SESS_FILTER_SRC },
	{ "NAT'd source ip", NO_DATA },
	{ "dest ip", SM_SESS_FILTER_DST },
	{ "source port", SM_SESS_FILTER_SPORT },
	{ "NAT'd source port", NO_DATA },
	{ "dest port", SM_SESS_FILTER_DPORT },
	{ "policy id", SM_SESS_FILTER_POLICY },
	{ "expire", SM_SESS_FILTER_EXPIRE },
	{ "duration", SM_SESS_FILTER_DURATION },
	{ "state1", NO_DATA },
	{ "state2", NO_DATA },
};

void
sm_sess_filter_init(struct sm_sess_filter *f, int family)
{
	memset(f, 0, sizeof(*f));
	f->family = family;
}

int
sm_sess_filter_set(struct sm_sess_filter *f, const char *key, size_t argc,
		   const char *const argv[], struct sm_sess_filter_error *err)
{
	int i = sm_cli_keyword_find(key, keys, SM_ARRAY_SIZE(keys), sizeof(keys[0]));
	const struct key_def *k;
	struct sm_sess_filter next = *f;
	int rc;

	err->reason = NULL;
	if (i < 0) {
		err->word = key;
		return SM_CLI_ERR_PARSE;
	}
	k = &keys[i];
	if (argc < k->min_args) {
		err->word = NULL;
		return SM_CLI_ERR_INCOMPLETE;
	}
	/* Values are read left to right, so a bad value is reported before
	 * a word too many after it, as a FortiOS parser would. */
	rc = k->apply(&next, k, argc < k->max_args ? argc : k->max_args, argv, err);
	if (rc != 0)
		return rc;
	if (argc > k->max_args) {
		err->word = argv[k->max_args];
		return SM_CLI_ERR_PARSE;
	}
	*f = next;
	return 0;
}

bool
sm_sess_filter_match(const struct sm_sess_filter *f, const struct sm_sess_view *v)
{
	if (v->family != f->family)
		return false;
	for (unsigned int i = 0; i < SM_SESS_FILTER_KEY_MAX; i++) {
		uint32_t bit = 1u << i;

		if ((f->set & bit) == 0)
			continue;
		if (keys[i].match(&keys[i], &f->val[i], v) == ((f->negate & bit) != 0))
			return false;
	}
	return true;
}

int
sm_sess_filter_print(FILE *out, const struct sm_sess_filter *f)
{
	fputs("session filter:\n", out);
	for (size_t r = 0; r < SM_ARRAY_SIZE(show_rows); r++) {
		int k = show_rows[r].key;

		/* A TAB: the copies show 8 spaces, as a TAB at column 0
		 * renders; KB 191368's copy names a TAB (README §5). */
		fprintf(out, "\t%s: ", show_rows[r].label);
		if (k == NO_DATA || (f->set & (1u << k)) == 0) {
			fputs("any\n", out);
			continue;
		}
		if (f->negate & (1u << k))
			fputc('!', out);
		keys[k].print(out, &f->val[k], f->family);
		fputc('\n', out);
	}
	return ferror(out) ? -EIO : 0;
}
