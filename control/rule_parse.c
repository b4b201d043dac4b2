/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One rule's text → its metadata and Hyperscan expressions
 * (docs/signatures.md).
 *
 * A Suricata/Snort rule is parsed into its header (protocol, port sets,
 * direction) and an ordered list of items: contents with their modifiers
 * and pcres. The items are cut into groups where an item is not relative
 * to the one before (no distance/within, no pcre R flag); a group becomes
 * one regular expression with bounded gaps (Suricata's semantics: a
 * relative content starts at least `distance` bytes after the previous
 * match's end and ends at most `distance + within` bytes after it; depth
 * counts from offset). Two or more groups, which the rule wants present in
 * any order, are returned as parts for a Hyperscan logical combination
 * (`a & b`, built by rules.c), so every rule is one Hyperscan id.
 *
 * Control thread only (malloc); a rule that fails says why in one line.
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sessmon/rule_parse.h"

/* Longest content after unescaping. */
#define MAX_CONTENT 4096
/* Contents and pcres of one rule. */
#define MAX_ITEMS 32
/* Largest offset, depth, distance or within: Hyperscan's bounded repeats
 * stop near 32 Ki, so larger values could not compile anyway. */
#define MAX_POSITION 32767
/* Reason text of one reject. */
#define ERR_LEN SM_RULE_PARSE_ERR_LEN

/* ---- parsed rule ---------------------------------------------------------- */

enum item_kind { ITEM_CONTENT, ITEM_PCRE };

struct item {
	uint8_t kind;          /* enum item_kind */
	bool nocase;
	bool http;             /* an HTTP buffer modifier: matched on the raw stream */
	bool has_offset, has_depth, has_distance, has_within;
	bool relative;         /* pcre R flag */
	uint32_t offset, depth, distance, within;
	uint32_t len;          /* content bytes */
	uint8_t *bytes;        /* content */
	char *re;              /* pcre body (between the slashes) */
	char mods[8];          /* pcre inline modifiers ("i", "sm", ...) */
};

/* State of one rule being parsed. */
struct rb {
	struct sm_rule r;
	struct item it[MAX_ITEMS];
	unsigned int n_it;
	bool has_sid;
	bool sticky_http;      /* an HTTP sticky buffer (http.uri) is active */
	char err[ERR_LEN];
};

static int __attribute__((format(printf, 2, 3)))
fail(struct rb *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(b->err, sizeof(b->err), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static void
items_free(struct rb *b)
{
	for (unsigned int i = 0; i < b->n_it; i++) {
		free(b->it[i].bytes);
		free(b->it[i].re);
	}
	b->n_it = 0;
}

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static int
parse_uint(struct rb *b, const char *what, const char *s, uint32_t max, uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	if (!isdigit((unsigned char)*s))
		return fail(b, "%s: '%s' is not a number", what, s);
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != '\0' || v > max)
		return fail(b, "%s: '%s' is not a number up to %" PRIu32, what, s, max);
	*out = (uint32_t)v;
	return 0;
}

/* ---- header: ports and addresses ---------------------------------------- */

/* Port variables of common rule sets, by their usual defaults. Anything
 * else named $X is rejected: its value is the operator's, unknown here. */
static const struct {
	const char *name;
	const char *value;
} port_vars[] = {
	{"$HTTP_PORTS", "[80,81,311,591,593,3128,8000,8008,8080,8088,8443,8888]"},
	{"$FILE_DATA_PORTS", "[80,81,311,591,593,3128,8000,8008,8080,8088,8443,8888,110,143]"},
	{"$SSH_PORTS", "22"},
	{"$ORACLE_PORTS", "1521"},
	{"$SHELLCODE_PORTS", "!80"},
	{"$FTP_PORTS", "21"},
	{"$DNS_PORTS", "53"},
};

static int ports_parse(struct rb *b, char *s, bool neg, struct sm_rule_ports *ps, int nest);

/* Split a bracketed list at its top-level commas. */
static int
ports_list(struct rb *b, char *s, bool neg, struct sm_rule_ports *ps, int nest)
{
	size_t n = strlen(s);
	char *start;
	int depth = 0;

	if (n < 2 || s[n - 1] != ']')
		return fail(b, "port list '%s' has no closing ']'", s);
	s[n - 1] = '\0';
	start = s + 1;
	for (char *c = start;; c++) {
		if (*c == '[')
			depth++;
		else if (*c == ']')
			depth--;
		if ((*c == ',' && depth == 0) || *c == '\0') {
			bool last = *c == '\0';
			int rc;

			*c = '\0';
			rc = ports_parse(b, start, neg, ps, nest + 1);
			if (rc != 0)
				return rc;
			if (last)
				return 0;
			start = c + 1;
		}
	}
}

static int
ports_add(struct rb *b, struct sm_rule_ports *ps, uint32_t lo, uint32_t hi, bool neg)
{
	if (lo > hi)
		return fail(b, "port range %" PRIu32 ":%" PRIu32 " is empty", lo, hi);
	if (ps->n == SM_RULE_PORT_RANGES)
		return fail(b, "more than %d port ranges", SM_RULE_PORT_RANGES);
	ps->lo[ps->n] = (uint16_t)lo;
	ps->hi[ps->n] = (uint16_t)hi;
	ps->neg[ps->n] = neg;
	ps->n++;
	return 0;
}

static int
ports_range(struct rb *b, char *s, bool neg, struct sm_rule_ports *ps)
{
	char *colon = strchr(s, ':');
	uint32_t lo = 0, hi = 65535;

	if (colon == NULL) {
		if (parse_uint(b, "port", s, 65535, &lo) != 0)
			return -EINVAL;
		return ports_add(b, ps, lo, lo, neg);
	}
	*colon = '\0';
	if (*s != '\0' && parse_uint(b, "port", s, 65535, &lo) != 0)
		return -EINVAL;
	if (colon[1] != '\0' && parse_uint(b, "port", colon + 1, 65535, &hi) != 0)
		return -EINVAL;
	return ports_add(b, ps, lo, hi, neg);
}

static int
ports_parse(struct rb *b, char *s, bool neg, struct sm_rule_ports *ps, int nest)
{
	if (nest > 4)
		return fail(b, "port lists nested too deep");
	s = trim(s);
	if (*s == '!')
		return ports_parse(b, s + 1, !neg, ps, nest + 1);
	if (*s == '[')
		return ports_list(b, s, neg, ps, nest);
	if (strcmp(s, "any") == 0)
		return neg ? fail(b, "'!any' matches no port") : 0;
	if (*s == '$') {
		for (size_t i = 0; i < SM_ARRAY_SIZE(port_vars); i++) {
			if (strcmp(s, port_vars[i].name) == 0) {
				char tmp[128];

				snprintf(tmp, sizeof(tmp), "%s", port_vars[i].value);
				return ports_parse(b, tmp, neg, ps, nest + 1);
			}
		}
		return fail(b, "unknown port variable '%s'", s);
	}
	return ports_range(b, s, neg, ps);
}

/* Addresses: only "any" and the two network variables, all meaning any
 * address (sessmon has no address configuration; docs/signatures.md). */
static int
addr_parse(struct rb *b, char *s)
{
	static const char *const any[] = {"any", "$HOME_NET", "$EXTERNAL_NET"};
	size_t n;

	s = trim(s);
	if (*s == '!' && s[1] == '$')
		s++;
	n = strlen(s);
	if (n > 2 && s[0] == '[' && s[n - 1] == ']' && strchr(s + 1, ',') == NULL) {
		s[n - 1] = '\0';
		s++;
	}
	for (size_t i = 0; i < SM_ARRAY_SIZE(any); i++)
		if (strcmp(s, any[i]) == 0)
			return 0;
	return fail(b, "address '%s' not supported (only any, $HOME_NET, $EXTERNAL_NET)", s);
}

static const struct {
	const char *name;
	uint8_t proto;
} protos[] = {
	{"ip", 0}, {"tcp", 6}, {"udp", 17}, {"icmp", 1}, {"tcp-pkt", 6}, {"tcp-stream", 6},
	/* Application protocols name their transport: sessmon scans the
	 * raw stream and has no protocol detection behind them. */
	{"http", 6}, {"tls", 6}, {"ssh", 6}, {"ftp", 6}, {"smtp", 6}, {"imap", 6},
	{"pop3", 6}, {"smb", 6}, {"dns", 17},
};

const char *
sm_rule_parse_proto_name(uint8_t proto)
{
	for (size_t i = 0; i < SM_ARRAY_SIZE(protos); i++)
		if (protos[i].proto == proto)
			return protos[i].name;
	return "?";
}

/* alert, and the IPS actions reported as alerts by a monitor. */
static const char *const actions[] = {"alert", "drop", "reject", "sdrop", "log"};

/* Split the header at whitespace outside brackets. */
static unsigned int
header_split(char *s, char **tok, unsigned int max)
{
	unsigned int n = 0;
	int depth = 0;

	while (*s != '\0') {
		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		for (; *s != '\0' && (depth > 0 || !isspace((unsigned char)*s)); s++)
			depth += (*s == '[') - (*s == ']');
		if (*s != '\0')
			*s++ = '\0';
	}
	return n;
}

static int
header_parse(struct rb *b, char *h)
{
	char *tok[8];
	unsigned int n = header_split(h, tok, 7);
	size_t i;

	if (n != 7)
		return fail(b, "header needs 7 fields (action proto src sport dir dst dport)");
	for (i = 0; i < SM_ARRAY_SIZE(actions); i++)
		if (strcmp(tok[0], actions[i]) == 0)
			break;
	if (i == SM_ARRAY_SIZE(actions))
		return fail(b, "action '%s' not supported (alert, drop, reject, sdrop, log)", tok[0]);
	for (i = 0; i < SM_ARRAY_SIZE(protos); i++)
		if (strcmp(tok[1], protos[i].name) == 0)
			break;
	if (i == SM_ARRAY_SIZE(protos))
		return fail(b, "protocol '%s' not supported", tok[1]);
	b->r.proto = protos[i].proto;
	if (strcmp(tok[4], "<>") == 0)
		b->r.bidir = 1;
	else if (strcmp(tok[4], "->") != 0)
		return fail(b, "direction '%s' not supported (-> or <>)", tok[4]);
	if (addr_parse(b, tok[2]) != 0 || addr_parse(b, tok[5]) != 0 ||
	    ports_parse(b, tok[3], false, &b->r.src, 0) != 0 ||
	    ports_parse(b, tok[6], false, &b->r.dst, 0) != 0)
		return -EINVAL;
	b->r.any_port = b->r.src.n == 0 && b->r.dst.n == 0;
	return 0;
}

/* ---- options -------------------------------------------------------------- */

/* Unquote "..." in place; backslash escapes " ; \ : | literally. Contents
 * keep "\|" and "\\" escaped: there '|' opens hex, so content_bytes()
 * must still tell an escaped '|' (and a backslash before a real '|'). */
static int
unquote(struct rb *b, const char *what, char *s, bool keep_pipe_escape)
{
	size_t n = strlen(s);
	char *o = s;

	if (n < 2 || s[0] != '"' || s[n - 1] != '"')
		return fail(b, "%s: value must be a quoted string", what);
	s[n - 1] = '\0';
	for (const char *c = s + 1; *c != '\0'; c++) {
		if (*c == '\\') {
			if (c[1] == '\0' || strchr("\";\\:|", c[1]) == NULL)
				return fail(b, "%s: invalid escape '\\%c'", what, c[1] ? c[1] : ' ');
			if (keep_pipe_escape && (c[1] == '|' || c[1] == '\\'))
				*o++ = '\\';
			c++;
		} else if (*c == '"') {
			return fail(b, "%s: unescaped quote inside the string", what);
		}
		*o++ = *c;
	}
	*o = '\0';
	return 0;
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Content text (unquoted, "\|" kept) → bytes; |hex| sections decoded. */
static int
content_bytes(struct rb *b, const char *s, struct item *it)
{
	bool hex = false;
	int hi = -1;

	it->bytes = malloc(strlen(s) + 1);
	if (it->bytes == NULL)
		return fail(b, "out of memory");
	for (; *s != '\0'; s++) {
		int v = hexval((unsigned char)*s);

		if (it->len == MAX_CONTENT)
			return fail(b, "content longer than %d bytes", MAX_CONTENT);
		if (*s == '|') {
			if (hi >= 0)
				return fail(b, "content: odd number of hex digits");
			hex = !hex;
		} else if (hex && !isspace((unsigned char)*s)) {
			if (v < 0)
				return fail(b, "content: '%c' in a hex section", *s);
			if (hi < 0) {
				hi = v;
			} else {
				it->bytes[it->len++] = (uint8_t)(hi << 4 | v);
				hi = -1;
			}
		} else if (!hex) {
			if (*s == '\\' && s[1] != '\0')
				s++;
			it->bytes[it->len++] = (uint8_t)*s;
		}
	}
	if (hex)
		return fail(b, "content: hex section without closing '|'");
	if (it->len == 0)
		return fail(b, "content is empty");
	return 0;
}

static struct item *
item_new(struct rb *b, enum item_kind kind)
{
	struct item *it;

	if (b->n_it == MAX_ITEMS) {
		fail(b, "more than %d contents and pcres", MAX_ITEMS);
		return NULL;
	}
	it = &b->it[b->n_it++];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->http = b->sticky_http;
	return it;
}

static int
opt_content(struct rb *b, char *v)
{
	struct item *it;

	if (v == NULL)
		return fail(b, "'content' needs a value");
	if (*v == '!')
		return fail(b, "negated content cannot be expressed as a stream pattern");
	if (unquote(b, "content", v, true) != 0)
		return -EINVAL;
	it = item_new(b, ITEM_CONTENT);
	return it == NULL ? -EINVAL : content_bytes(b, v, it);
}

/* The content a modifier applies to: the last item, if a content. */
static struct item *
last_content(struct rb *b, const char *what)
{
	if (b->n_it == 0 || b->it[b->n_it - 1].kind != ITEM_CONTENT) {
		fail(b, "'%s' needs a preceding content", what);
		return NULL;
	}
	return &b->it[b->n_it - 1];
}

static int
opt_nocase(struct rb *b, char *v)
{
	struct item *it = last_content(b, "nocase");

	(void)v;
	if (it == NULL)
		return -EINVAL;
	it->nocase = true;
	return 0;
}

/* A content modifier (http_uri): the content before it is in that buffer. */
static int
opt_http(struct rb *b, char *v)
{
	struct item *it = last_content(b, "http_*");

	(void)v;
	if (it == NULL)
		return -EINVAL;
	it->http = true;
	return 0;
}

/* A sticky buffer (http.uri, file_data): the contents after it are. */
static int
opt_http_sticky(struct rb *b, char *v)
{
	(void)v;
	b->sticky_http = true;
	return 0;
}

/* Position modifiers of a content, by name: where each keeps its value. */
static const struct position {
	const char *name;
	size_t val;  /* offsetof the uint32_t value in struct item */
	size_t has;  /* offsetof its bool "given" */
} positions[] = {
	{"offset", offsetof(struct item, offset), offsetof(struct item, has_offset)},
	{"depth", offsetof(struct item, depth), offsetof(struct item, has_depth)},
	{"distance", offsetof(struct item, distance), offsetof(struct item, has_distance)},
	{"within", offsetof(struct item, within), offsetof(struct item, has_within)},
};

static int
opt_position(struct rb *b, const struct position *pos, char *v)
{
	struct item *it = last_content(b, pos->name);
	bool *has;

	if (it == NULL)
		return -EINVAL;
	has = (bool *)((char *)it + pos->has);
	if (v == NULL)
		return fail(b, "'%s' needs a value", pos->name);
	if (*v == '-')
		return fail(b, "negative %s cannot be expressed as a forward gap", pos->name);
	if (*has)
		return fail(b, "'%s' given twice for one content", pos->name);
	if (parse_uint(b, pos->name, v, MAX_POSITION, (uint32_t *)((char *)it + pos->val)) != 0)
		return -EINVAL;
	*has = true;
	return 0;
}

static int
opt_startswith(struct rb *b, char *v)
{
	struct item *it = last_content(b, "startswith");

	(void)v;
	if (it == NULL)
		return -EINVAL;
	if (it->has_offset || it->has_depth)
		return fail(b, "'startswith' with offset or depth");
	it->has_offset = it->has_depth = true;
	it->offset = 0;
	it->depth = it->len;
	return 0;
}

/* pcre modifiers: inline Hyperscan options, the raw-stream forms of
 * Snort's HTTP buffers, and flags with no effect on whether it matches. */
static int
pcre_flag(struct rb *b, struct item *it, char f, bool *anchored)
{
	static const char http_bufs[] = "UIPHDMCKSYVWQ";
	size_t n = strlen(it->mods);

	if (strchr("ism", f) != NULL) {
		if (strchr(it->mods, f) == NULL && n + 1 < sizeof(it->mods))
			it->mods[n] = f;
		return 0;
	}
	if (f == 'x')
		return fail(b, "pcre flag 'x' not supported");
	if (f == 'R') {
		it->relative = true;
		return 0;
	}
	if (f == 'A') {
		*anchored = true;
		return 0;
	}
	if (strchr(http_bufs, f) != NULL) {
		it->http = true;
		return 0;
	}
	if (f == 'G' || f == 'B' || f == 'O' || f == 'E')
		return 0;
	return fail(b, "pcre flag '%c' not supported", f);
}

static int
opt_pcre(struct rb *b, char *v)
{
	struct item *it;
	char *slash, *body;
	bool anchored = false;

	if (v == NULL)
		return fail(b, "'pcre' needs a value");
	if (*v == '!')
		return fail(b, "negated pcre cannot be expressed as a stream pattern");
	/* The pattern is passed through as written: "\;" and "\"" are
	 * already valid regex escapes, so no unquoting beyond the quotes. */
	if (strlen(v) < 2 || v[0] != '"' || v[strlen(v) - 1] != '"')
		return fail(b, "pcre: value must be a quoted string");
	v[strlen(v) - 1] = '\0';
	body = v + 1;
	slash = strrchr(body, '/');
	if (*body != '/' || slash == body)
		return fail(b, "pcre: expected \"/regex/flags\"");
	*slash = '\0';
	it = item_new(b, ITEM_PCRE);
	if (it == NULL)
		return -EINVAL;
	for (const char *f = slash + 1; *f != '\0'; f++)
		if (pcre_flag(b, it, *f, &anchored) != 0)
			return -EINVAL;
	if (body[1] == '\0')
		return fail(b, "pcre: empty pattern");
	it->re = malloc(strlen(body) + 2);
	if (it->re == NULL)
		return fail(b, "out of memory");
	sprintf(it->re, "%s%s", anchored && body[1] != '^' ? "^" : "", body + 1);
	return 0;
}

static int
opt_flow(struct rb *b, char *v)
{
	static const struct {
		const char *word;
		int flow; /* -1: no effect on stream matching */
	} words[] = {
		{"to_server", SM_RULE_FLOW_TO_SERVER}, {"from_client", SM_RULE_FLOW_TO_SERVER},
		{"to_client", SM_RULE_FLOW_TO_CLIENT}, {"from_server", SM_RULE_FLOW_TO_CLIENT},
		{"established", -1}, {"stateless", -1}, {"only_stream", -1},
	};
	char *save = NULL;

	if (v == NULL)
		return fail(b, "'flow' needs a value");
	for (char *w = strtok_r(v, ",", &save); w != NULL; w = strtok_r(NULL, ",", &save)) {
		size_t i;

		w = trim(w);
		for (i = 0; i < SM_ARRAY_SIZE(words); i++)
			if (strcmp(w, words[i].word) == 0)
				break;
		if (i == SM_ARRAY_SIZE(words))
			return fail(b, "flow '%s' not supported on reassembled streams", w);
		if (words[i].flow >= 0)
			b->r.flow = (uint8_t)words[i].flow;
	}
	return 0;
}

static int
opt_msg(struct rb *b, char *v)
{
	if (v == NULL || unquote(b, "msg", v, false) != 0)
		return v == NULL ? fail(b, "'msg' needs a value") : -EINVAL;
	free(b->r.msg);
	b->r.msg = strdup(v);
	return b->r.msg == NULL ? fail(b, "out of memory") : 0;
}

static int
opt_classtype(struct rb *b, char *v)
{
	if (v == NULL || *v == '\0')
		return fail(b, "'classtype' needs a value");
	for (const char *c = v; *c != '\0'; c++)
		if (!isalnum((unsigned char)*c) && *c != '-' && *c != '_')
			return fail(b, "classtype '%s' is not a name", v);
	free(b->r.classtype);
	b->r.classtype = strdup(v);
	return b->r.classtype == NULL ? fail(b, "out of memory") : 0;
}

static int
opt_sid(struct rb *b, char *v)
{
	if (v == NULL || parse_uint(b, "sid", v, UINT32_MAX, &b->r.sid) != 0)
		return v == NULL ? fail(b, "'sid' needs a value") : -EINVAL;
	if (b->r.sid == 0)
		return fail(b, "sid 0 is not a signature id");
	b->has_sid = true;
	return 0;
}

static int
opt_rev(struct rb *b, char *v)
{
	return v == NULL ? fail(b, "'rev' needs a value") :
			   parse_uint(b, "rev", v, UINT32_MAX, &b->r.rev);
}

static int
opt_priority(struct rb *b, char *v)
{
	return v == NULL ? fail(b, "'priority' needs a value") :
			   parse_uint(b, "priority", v, 255, &b->r.priority);
}

static int
opt_ignore(struct rb *b, char *v)
{
	(void)b;
	(void)v;
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(struct rb *b, char *v);
} options[] = {
	{"msg", opt_msg}, {"content", opt_content}, {"nocase", opt_nocase},
	{"startswith", opt_startswith}, {"pcre", opt_pcre},
	{"flow", opt_flow}, {"sid", opt_sid}, {"rev", opt_rev}, {"classtype", opt_classtype},
	{"priority", opt_priority},
	/* No effect on what matches. */
	{"reference", opt_ignore}, {"metadata", opt_ignore}, {"gid", opt_ignore},
	{"fast_pattern", opt_ignore}, {"rawbytes", opt_ignore}, {"target", opt_ignore},
	/* HTTP buffers: the bytes are in the raw stream (docs/signatures.md). */
	{"http_uri", opt_http}, {"http_raw_uri", opt_http}, {"http_method", opt_http},
	{"http_header", opt_http}, {"http_raw_header", opt_http}, {"http_cookie", opt_http},
	{"http_user_agent", opt_http}, {"http_host", opt_http}, {"http_raw_host", opt_http},
	{"http_client_body", opt_http}, {"http_stat_code", opt_http},
	{"http_stat_msg", opt_http}, {"http_server_body", opt_http}, {"file_data", opt_http_sticky},
	{"http.uri", opt_http_sticky}, {"http.method", opt_http_sticky}, {"http.header", opt_http_sticky},
	{"http.user_agent", opt_http_sticky}, {"http.host", opt_http_sticky},
	{"http.cookie", opt_http_sticky},
	{"http.request_body", opt_http_sticky}, {"http.response_body", opt_http_sticky},
	{"http.stat_code", opt_http_sticky},
};

static int
option_apply(struct rb *b, char *key, char *val)
{
	key = trim(key);
	if (val != NULL)
		val = trim(val);
	for (size_t i = 0; i < SM_ARRAY_SIZE(positions); i++)
		if (strcmp(key, positions[i].name) == 0)
			return opt_position(b, &positions[i], val);
	for (size_t i = 0; i < SM_ARRAY_SIZE(options); i++)
		if (strcmp(key, options[i].name) == 0)
			return options[i].fn(b, val);
	return fail(b, "option '%s' not supported", key);
}

/* Walk "key:value; key; ..." honouring quotes and backslash escapes. */
static int
options_parse(struct rb *b, char *s)
{
	while (*s != '\0') {
		char *key, *val = NULL;
		bool quoted = false;

		while (isspace((unsigned char)*s))
			s++;
		if (*s == '\0')
			break;
		key = s;
		for (; *s != '\0'; s++) {
			if (*s == '\\' && s[1] != '\0') {
				s++;
			} else if (*s == '"') {
				quoted = !quoted;
			} else if (!quoted && *s == ':' && val == NULL) {
				*s = '\0';
				val = s + 1;
			} else if (!quoted && *s == ';') {
				break;
			}
		}
		if (quoted)
			return fail(b, "unterminated quoted string");
		if (*s == ';')
			*s++ = '\0';
		if (option_apply(b, key, val) != 0)
			return -EINVAL;
	}
	return 0;
}

/* ---- items → expressions ------------------------------------------------ */

static void
put_bytes(FILE *o, const uint8_t *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++) {
		if (isalnum(p[i]))
			fputc(p[i], o);
		else
			fprintf(o, "\\x%02x", p[i]);
	}
}

/* A gap of lo..hi arbitrary bytes (hi < 0: unbounded). */
static void
put_gap(FILE *o, uint32_t lo, int64_t hi)
{
	if (hi < 0 && lo == 0)
		fputs("(?s:.*)", o);
	else if (hi < 0)
		fprintf(o, "(?s:.{%" PRIu32 ",})", lo);
	else if (hi > 0)
		fprintf(o, "(?s:.{%" PRIu32 ",%" PRId64 "})", lo, hi);
}

/* The anchor of a group's first content: "^" plus the bytes it may skip. */
static int
put_anchor(struct rb *b, FILE *o, const struct item *it)
{
	/* offset:0 alone anchors nothing. */
	if (!it->has_depth && it->offset == 0)
		return 0;
	if (it->http)
		return fail(b, "offset/depth in an HTTP buffer cannot be anchored on the raw stream");
	if (it->has_depth && it->depth < it->len)
		return fail(b, "depth %" PRIu32 " is smaller than the content (%" PRIu32 " bytes)",
			    it->depth, it->len);
	fputs("^", o);
	put_gap(o, it->offset, it->has_depth ? (int64_t)it->offset + it->depth - it->len : -1);
	return 0;
}

static int
put_relative(struct rb *b, FILE *o, const struct item *it)
{
	uint32_t d = it->distance;

	if (it->has_offset || it->has_depth)
		return fail(b, "offset/depth together with distance/within");
	if (it->has_within && it->within < it->len)
		return fail(b, "within %" PRIu32 " is smaller than the content (%" PRIu32 " bytes)",
			    it->within, it->len);
	put_gap(o, d, it->has_within ? (int64_t)d + it->within - it->len : -1);
	return 0;
}

static void
put_content(FILE *o, const struct item *it)
{
	if (it->nocase)
		fputs("(?i:", o);
	put_bytes(o, it->bytes, it->len);
	if (it->nocase)
		fputs(")", o);
}

static void
put_pcre(FILE *o, const struct item *it, bool relative)
{
	const char *re = it->re;

	/* A relative pcre anchored with ^ starts right at the previous match's
	 * end; unanchored, anywhere after it. */
	if (relative && *re == '^')
		re++;
	else if (relative)
		put_gap(o, 0, -1);
	fprintf(o, "(?%s:", it->mods[0] ? it->mods : "");
	fputs(re, o);
	fputs(")", o);
}

static bool
item_is_relative(const struct item *it)
{
	return it->kind == ITEM_CONTENT ? it->has_distance || it->has_within : it->relative;
}

/* Close the group written into @p o: its text becomes expression p->nx. */
static int
group_end(struct rb *b, struct sm_rule_parsed *p, FILE *o, char **buf)
{
	int rc = fclose(o) == 0 && *buf != NULL ? 0 : fail(b, "out of memory");

	if (rc == 0)
		p->x[p->nx++].re = *buf;
	else
		free(*buf);
	*buf = NULL;
	return rc;
}

/* Translate the items into groups; p->x receives one expression per group
 * (open_memstream() grows each text). */
static int
items_translate(struct rb *b, struct sm_rule_parsed *p)
{
	char *buf = NULL;
	size_t size;
	FILE *o = NULL;
	int rc = 0;

	p->x = calloc(b->n_it, sizeof(*p->x));
	if (p->x == NULL)
		return fail(b, "out of memory");
	for (unsigned int i = 0; i < b->n_it && rc == 0; i++) {
		const struct item *it = &b->it[i];
		bool rel = item_is_relative(it);

		if (i == 0 && rel)
			rc = fail(b, "distance/within/R without a preceding content");
		else if (it->kind == ITEM_PCRE && it->http && it->re[0] == '^')
			rc = fail(b, "'^' in an HTTP-buffer pcre cannot be anchored on the raw stream");
		if (rc == 0 && !rel && o != NULL) {
			rc = group_end(b, p, o, &buf);
			o = NULL;
		}
		if (rc == 0 && o == NULL && (o = open_memstream(&buf, &size)) == NULL)
			rc = fail(b, "out of memory");
		if (rc == 0 && it->kind == ITEM_CONTENT)
			rc = rel ? put_relative(b, o, it) : put_anchor(b, o, it);
		if (rc == 0 && it->kind == ITEM_CONTENT)
			put_content(o, it);
		else if (rc == 0)
			put_pcre(o, it, rel);
	}
	if (o != NULL && rc == 0)
		return group_end(b, p, o, &buf);
	if (o != NULL) {
		fclose(o);
		free(buf);
	}
	return rc;
}

/* ---- one rule ------------------------------------------------------------- */

void
sm_rule_parse_fini(struct sm_rule_parsed *p)
{
	if (p == NULL)
		return;
	for (unsigned int i = 0; i < p->nx; i++)
		free(p->x[i].re);
	free(p->x);
	free(p->r.msg);
	free(p->r.classtype);
	memset(p, 0, sizeof(*p));
}

/* Parse Suricata rule text (one rule, continuations joined) into @p p. */
static int
rule_parse(struct rb *b, char *line, struct sm_rule_parsed *p)
{
	char *open = strchr(line, '('), *close = strrchr(line, ')');
	int rc;

	memset(p, 0, sizeof(*p));
	if (open == NULL)
		return fail(b, "no option list '(...)'");
	if (close == NULL || close < open || *trim(close + 1) != '\0')
		return fail(b, "option list does not end with ')'");
	*open = '\0';
	*close = '\0';
	rc = header_parse(b, line);
	if (rc == 0)
		rc = options_parse(b, open + 1);
	if (rc == 0 && !b->has_sid)
		rc = fail(b, "no sid");
	if (rc == 0 && b->n_it == 0)
		rc = fail(b, "no content or pcre: nothing to match in the stream");
	p->r = b->r;
	memset(&b->r, 0, sizeof(b->r));
	if (rc == 0)
		rc = items_translate(b, p);
	items_free(b);
	return rc;
}

/* "ID:/regex/flags" of a Hyperscan pattern file (hsbench's flag letters). */
static int
hs_line_parse(struct rb *b, char *line, struct sm_rule_parsed *p)
{
	static const struct {
		char c;
		unsigned int flag;
	} letters[] = {
		{'i', HS_FLAG_CASELESS}, {'s', HS_FLAG_DOTALL}, {'m', HS_FLAG_MULTILINE},
		{'8', HS_FLAG_UTF8}, {'W', HS_FLAG_UCP}, {'L', HS_FLAG_SOM_LEFTMOST},
		{'H', 0}, {'P', HS_FLAG_PREFILTER},
	};
	char *colon = strchr(line, ':'), *slash;
	unsigned int flags = 0;

	memset(p, 0, sizeof(*p));
	if (colon == NULL || colon[1] != '/')
		return fail(b, "expected ID:/regex/flags");
	*colon = '\0';
	if (parse_uint(b, "id", trim(line), UINT32_MAX, &p->r.sid) != 0)
		return -EINVAL;
	slash = strrchr(colon + 2, '/');
	if (slash == NULL)
		return fail(b, "expected ID:/regex/flags");
	*slash = '\0';
	for (const char *f = slash + 1; *f != '\0'; f++) {
		size_t i;

		for (i = 0; i < SM_ARRAY_SIZE(letters); i++)
			if (letters[i].c == *f)
				break;
		if (i == SM_ARRAY_SIZE(letters))
			return fail(b, "pattern flag '%c' not supported", *f);
		flags |= letters[i].flag;
	}
	p->x = calloc(1, sizeof(*p->x));
	if (p->x == NULL)
		return fail(b, "out of memory");
	p->nx = 1;
	p->x[0].re = strdup(colon + 2);
	p->x[0].flags = flags;
	p->r.som = (flags & HS_FLAG_SOM_LEFTMOST) != 0;
	p->r.any_port = 1;
	p->r.msg = malloc(32);
	if (p->x[0].re == NULL || p->r.msg == NULL)
		return fail(b, "out of memory");
	snprintf(p->r.msg, 32, "pattern %" PRIu32, p->r.sid);
	return 0;
}

int
sm_rule_parse(const char *text, enum sm_rule_format fmt, struct sm_rule_parsed *out, char *err,
	      size_t err_cap)
{
	struct rb b = {0};
	char *copy;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(text) > SM_RULE_PARSE_MAX)
		rc = fail(&b, "rule longer than %d bytes", SM_RULE_PARSE_MAX);
	else if ((copy = strdup(text)) == NULL)
		rc = fail(&b, "out of memory");
	else {
		rc = fmt == SM_RULE_FORMAT_HS ? hs_line_parse(&b, copy, out) : rule_parse(&b, copy, out);
		free(copy);
	}
	free(b.r.msg);
	free(b.r.classtype);
	if (rc == 0 && out->r.msg == NULL)
		out->r.msg = strdup("");
	if (rc == 0 && out->r.classtype == NULL)
		out->r.classtype = strdup("");
	if (rc == 0 && (out->r.msg == NULL || out->r.classtype == NULL))
		rc = fail(&b, "out of memory");
	if (rc != 0) {
		sm_rule_parse_fini(out);
		snprintf(err, err_cap, "%s", b.err);
	}
	return rc;
}
