/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Event filters (evfilter.h): a recursive-descent parser over
 *
 *     or    = and { OR and }
 *     and   = unary { AND unary }
 *     unary = NOT unary | "(" or ")" | key op value
 *
 * into a node array, a matcher and a printer over that array. Dovecot's
 * bison grammar gives AND and OR one precedence, left to right; sessmon
 * binds AND tighter, as SQL (which Dovecot's manual likens the language
 * to) does. The canonical text parenthesises every AND and OR, so it
 * means the same under both readings.
 */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sessmon/common.h"
#include "sessmon/evfilter.h"

/*
 * The parser recurses once per '(' and NOT open, so those are bounded too.
 * Twice the level limit: the canonical text of a filter within the limit
 * opens at most two per level ("(NOT"), so it always compiles back.
 */
#define MAX_OPEN (2 * SM_EVFILTER_MAX_DEPTH)

enum node_type { N_AND, N_OR, N_NOT, N_CMP };
enum op { OP_EQ, OP_LT, OP_GT, OP_LE, OP_GE, OP_MAX };

static const char *const op_text[] = {
	[OP_EQ] = "=", [OP_LT] = "<", [OP_GT] = ">", [OP_LE] = "<=", [OP_GE] = ">=",
};
static_assert(SM_ARRAY_SIZE(op_text) == OP_MAX, "one text per operator");

/* AND and OR are n-ary (their operands are a sibling chain), so a long
 * chain costs no depth: matching and printing recurse once per AND, OR or
 * NOT level, at most SM_EVFILTER_MAX_DEPTH. */
struct node {
	uint8_t type;        /* enum node_type */
	uint8_t op;          /* enum op (N_CMP) */
	uint8_t height;      /* AND, OR and NOT levels from here down */
	int32_t child;       /* first operand, -1 */
	int32_t next;        /* next operand of the parent, -1 */
	char *key, *value;   /* N_CMP */
};

struct sm_evfilter {
	struct node *n;
	int32_t count, cap;
	int32_t root;
};

/* ------------------------------------------------------------------ */
/* Lexer                                                              */

enum tok_type { T_END, T_LP, T_RP, T_OP, T_WORD, T_STR, T_AND, T_OR, T_NOT };

struct tok {
	enum tok_type type;
	enum op op;
	size_t at;           /* offset of its first character */
	size_t len;          /* T_WORD: bytes; T_STR: bytes between the quotes */
};

struct parser {
	const char *s;
	size_t pos;
	struct sm_evfilter *f;
	char *err;
	size_t errlen;
	int failed;          /* 0, or the -errno to return */
};

static int
fail(struct parser *p, size_t at, const char *fmt, ...)
{
	va_list ap;
	int k;

	if (p->failed)
		return -1;
	p->failed = -EINVAL;
	k = snprintf(p->err, p->errlen, "column %zu: ", at + 1);
	va_start(ap, fmt);
	if (k >= 0 && (size_t)k < p->errlen)
		vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
	va_end(ap);
	return -1;
}

static bool
word_char(char c)
{
	return c != '\0' && !isspace((unsigned char)c) && strchr("()\"=<>", c) == NULL;
}

static const struct {
	const char *word;
	enum tok_type type;
} keywords[] = {
	{ "AND", T_AND }, { "OR", T_OR }, { "NOT", T_NOT },
};

/* T_AND, T_OR or T_NOT for those words in any case, else T_WORD. */
static enum tok_type
word_type(const char *s, size_t len)
{
	for (size_t k = 0; k < SM_ARRAY_SIZE(keywords); k++)
		if (strlen(keywords[k].word) == len && strncasecmp(s, keywords[k].word, len) == 0)
			return keywords[k].type;
	return T_WORD;
}

/* The token at the current position; consumes it only if @take. */
static struct tok
lex(struct parser *p, bool take)
{
	const char *s = p->s;
	size_t i = p->pos;
	struct tok t = { .type = T_END };

	while (isspace((unsigned char)s[i]))
		i++;
	t.at = i;
	if (s[i] == '\0') {
		t.type = T_END;
	} else if (s[i] == '(' || s[i] == ')') {
		t.type = s[i] == '(' ? T_LP : T_RP;
		i++;
	} else if (s[i] == '=' || s[i] == '<' || s[i] == '>') {
		t.type = T_OP;
		t.op = s[i] == '=' ? OP_EQ : s[i] == '<' ? OP_LT : OP_GT;
		if (s[i] != '=' && s[i + 1] == '=') {
			t.op = t.op == OP_LT ? OP_LE : OP_GE;
			i++;
		}
		i++;
	} else if (s[i] == '"') {
		size_t j = i + 1;

		while (s[j] != '\0' && s[j] != '"')
			j += s[j] == '\\' && s[j + 1] != '\0' ? 2 : 1;
		if (s[j] != '"') {
			fail(p, i, "unterminated quoted string");
			t.type = T_END;
			return t;
		}
		t.type = T_STR;
		t.len = j - i - 1;
		i = j + 1;
	} else {
		size_t j = i;

		while (word_char(s[j]))
			j++;
		t.len = j - i;
		t.type = word_type(s + i, t.len);
		i = j;
	}
	if (take)
		p->pos = i;
	return t;
}

/* The text of a key or value token: a word as it is; a quoted string with \" and
 * \\ standing for " and \ (other backslashes stay for the wildcard match). */
static char *
token_text(const struct parser *p, const struct tok *t)
{
	const char *src = p->s + t->at + (t->type == T_STR);
	char *out = malloc(t->len + 1);
	size_t k = 0;

	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < t->len; i++) {
		if (t->type == T_STR && src[i] == '\\' && i + 1 < t->len &&
		    (src[i + 1] == '"' || src[i + 1] == '\\'))
			i++;
		out[k++] = src[i];
	}
	out[k] = '\0';
	return out;
}

/* ------------------------------------------------------------------ */
/* Parser                                                             */

static int32_t
new_node(struct parser *p, enum node_type type)
{
	struct sm_evfilter *f = p->f;

	if (f->count == f->cap) {
		int32_t cap = f->cap ? f->cap * 2 : 16;
		struct node *n = realloc(f->n, (size_t)cap * sizeof(*n));

		if (n == NULL) {
			p->failed = -ENOMEM;
			return -1;
		}
		f->n = n;
		f->cap = cap;
	}
	f->n[f->count] = (struct node){ .type = (uint8_t)type, .child = -1, .next = -1 };
	return f->count++;
}

static int32_t parse_or(struct parser *p, unsigned int open);

/* key OP value; the key may be quoted, as Dovecot's grammar and its own
 * exported filters have it. */
static int32_t
parse_cmp(struct parser *p)
{
	struct tok key = lex(p, true), op, val;
	int32_t i;

	if (p->failed)
		return -1;
	if (key.type != T_WORD && key.type != T_STR)
		return fail(p, key.at, key.type == T_END ? "a comparison is missing at the end" :
				       "expected a field name");
	op = lex(p, true);
	if (op.type != T_OP)
		return fail(p, op.at, "expected =, <, >, <= or >= after the field name");
	val = lex(p, true);
	if (p->failed)
		return -1;
	/* A bare AND/OR/NOT after an operator is a value, as any word. */
	if (val.type != T_WORD && val.type != T_STR && val.type != T_AND && val.type != T_OR &&
	    val.type != T_NOT)
		return fail(p, val.at, "expected a value after %s", op_text[op.op]);
	if (val.type != T_STR)
		val.type = T_WORD;
	i = new_node(p, N_CMP);
	if (i < 0)
		return -1;
	p->f->n[i].op = (uint8_t)op.op;
	p->f->n[i].key = token_text(p, &key);
	p->f->n[i].value = token_text(p, &val);
	if (p->f->n[i].key == NULL || p->f->n[i].value == NULL) {
		p->failed = -ENOMEM;
		return -1;
	}
	return i;
}

/* Make @c an operand of operator node @i, which the word at @at makes;
 * false (and the error) when that makes a level too many. */
static bool
adopt(struct parser *p, int32_t i, int32_t c, size_t at)
{
	struct node *n = p->f->n;

	if (n[c].height >= SM_EVFILTER_MAX_DEPTH) {
		fail(p, at, "nested deeper than %d", SM_EVFILTER_MAX_DEPTH);
		return false;
	}
	if (n[i].height <= n[c].height)
		n[i].height = (uint8_t)(n[c].height + 1);
	return true;
}

static int32_t
parse_unary(struct parser *p, unsigned int open)
{
	struct tok t = lex(p, false);
	int32_t i, c;

	if (p->failed)
		return -1;
	if ((t.type == T_NOT || t.type == T_LP) && open >= MAX_OPEN)
		return fail(p, t.at, "more than %d '(' and NOT open", MAX_OPEN);
	if (t.type == T_NOT) {
		lex(p, true);
		c = parse_unary(p, open + 1);
		if (c < 0 || (i = new_node(p, N_NOT)) < 0 || !adopt(p, i, c, t.at))
			return -1;
		p->f->n[i].child = c;
		return i;
	}
	if (t.type == T_LP) {
		lex(p, true);
		c = parse_or(p, open + 1);
		if (c < 0)
			return -1;
		t = lex(p, true);
		if (t.type != T_RP)
			return fail(p, t.at, "expected ')'");
		return c;
	}
	return parse_cmp(p);
}

/* operand (WORD operand)* as one n-ary node; @word is T_AND or T_OR. */
static int32_t
parse_chain(struct parser *p, unsigned int open, enum tok_type word)
{
	int32_t first, last, i, c;
	struct tok w;

	first = word == T_OR ? parse_chain(p, open, T_AND) : parse_unary(p, open);
	if (first < 0 || (w = lex(p, false)).type != word)
		return first;
	i = new_node(p, word == T_OR ? N_OR : N_AND);
	if (i < 0 || !adopt(p, i, first, w.at))
		return -1;
	p->f->n[i].child = last = first;
	while ((w = lex(p, false)).type == word) {
		lex(p, true);
		c = word == T_OR ? parse_chain(p, open, T_AND) : parse_unary(p, open);
		if (c < 0 || !adopt(p, i, c, w.at))
			return -1;
		p->f->n[last].next = c;
		last = c;
	}
	return i;
}

static int32_t
parse_or(struct parser *p, unsigned int open)
{
	return parse_chain(p, open, T_OR);
}

void
sm_evfilter_free(struct sm_evfilter *f)
{
	if (f == NULL)
		return;
	for (int32_t i = 0; i < f->count; i++) {
		free(f->n[i].key);
		free(f->n[i].value);
	}
	free(f->n);
	free(f);
}

int
sm_evfilter_compile(const char *text, struct sm_evfilter **out, char *err, size_t errlen)
{
	struct parser p = { .s = text, .err = err, .errlen = errlen };
	size_t len = strnlen(text, SM_EVFILTER_MAX_LEN + 1);
	struct tok t;

	*out = NULL;
	if (len > SM_EVFILTER_MAX_LEN) {
		fail(&p, SM_EVFILTER_MAX_LEN, "filter longer than %d characters", SM_EVFILTER_MAX_LEN);
		return p.failed;
	}
	p.f = calloc(1, sizeof(*p.f));
	if (p.f == NULL)
		p.failed = -ENOMEM;
	else if ((t = lex(&p, false)).type == T_END)
		fail(&p, t.at, "empty filter");
	if (!p.failed)
		p.f->root = parse_or(&p, 0);
	if (!p.failed && (t = lex(&p, false)).type != T_END)
		fail(&p, t.at, t.type == T_RP ? "')' without '('" : "expected AND, OR or the end");
	/* Quotes and parentheses can make the canonical text the longer one;
	 * bounding it too keeps the promise that it compiles back. */
	if (!p.failed && sm_evfilter_format(p.f, NULL, 0) > SM_EVFILTER_MAX_LEN)
		fail(&p, 0, "filter longer than %d characters in canonical form",
		     SM_EVFILTER_MAX_LEN);
	if (p.failed) {
		if (p.failed == -ENOMEM)
			snprintf(err, errlen, "out of memory");
		sm_evfilter_free(p.f);
		return p.failed;
	}
	*out = p.f;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Matching                                                           */

static bool
same_char(char a, char b, bool icase)
{
	return icase ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* Dovecot's wildcard match: `*` any run, `?` one character, `\` before
 * `*`, `?` or `\` makes it literal. Backtracks to the last `*` only, so the
 * cost is bounded by the product of the lengths. */
static bool
wildcard(const char *pat, const char *s, bool icase)
{
	const char *star_p = NULL, *star_s = NULL;

	while (*s != '\0') {
		if (*pat == '*') {
			star_p = ++pat;
			star_s = s;
			continue;
		}
		if (*pat == '?') {
			pat++;
			s++;
			continue;
		}
		const char *lit = pat;

		if (*pat == '\\' && (pat[1] == '*' || pat[1] == '?' || pat[1] == '\\'))
			lit = pat + 1;
		if (*lit != '\0' && same_char(*lit, *s, icase)) {
			pat = lit + 1;
			s++;
			continue;
		}
		if (star_p == NULL)
			return false;
		pat = star_p;
		s = ++star_s;
	}
	while (*pat == '*')
		pat++;
	return *pat == '\0';
}

/* An optional '-' and decimal digits, nothing else (strtoll() alone would
 * also take blanks and a '+', as Dovecot's str_to_intmax() does not), in
 * range. errno is put back: matching must leave the caller's alone. */
static bool
integer(const char *s, long long *v)
{
	int saved = errno;
	char *end;
	bool ok;

	if (!isdigit((unsigned char)s[s[0] == '-']))
		return false;
	errno = 0;
	*v = strtoll(s, &end, 10);
	ok = *end == '\0' && errno == 0;
	errno = saved;
	return ok;
}

static bool
match_cmp(const struct node *n, sm_evfilter_get_fn get, void *ctx)
{
	bool is_event = strcmp(n->key, "event") == 0;
	const char *v = get(ctx, n->key);
	long long a, b;

	if (n->op == OP_EQ) {
		if (v != NULL && wildcard(n->value, v, !is_event))
			return true;
		/* The alias names the same moment (FortiADC's name). */
		return is_event && (v = get(ctx, "alias")) != NULL && wildcard(n->value, v, false);
	}
	if (v == NULL || !integer(v, &a) || !integer(n->value, &b))
		return false;
	switch (n->op) {
	case OP_LT:
		return a < b;
	case OP_GT:
		return a > b;
	case OP_LE:
		return a <= b;
	default:
		return a >= b;
	}
}

static bool
match_node(const struct sm_evfilter *f, int32_t i, sm_evfilter_get_fn get, void *ctx)
{
	const struct node *n = &f->n[i];

	switch (n->type) {
	case N_AND:
		for (int32_t c = n->child; c >= 0; c = f->n[c].next)
			if (!match_node(f, c, get, ctx))
				return false;
		return true;
	case N_OR:
		for (int32_t c = n->child; c >= 0; c = f->n[c].next)
			if (match_node(f, c, get, ctx))
				return true;
		return false;
	case N_NOT:
		return !match_node(f, n->child, get, ctx);
	default:
		return match_cmp(n, get, ctx);
	}
}

bool
sm_evfilter_match(const struct sm_evfilter *f, sm_evfilter_get_fn get, void *ctx)
{
	return match_node(f, f->root, get, ctx);
}

/* ------------------------------------------------------------------ */
/* Canonical text                                                     */

struct out {
	char *buf;
	size_t n;
	size_t len;
};

static void
put(struct out *o, const char *s, size_t len)
{
	if (o->len < o->n)
		memcpy(o->buf + o->len, s, len < o->n - o->len ? len : o->n - o->len);
	o->len += len;
}

static void
put_str(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* A string in quotes: `"` as \", and a backslash that would read as an
 * escape (before `"`, `\` or the closing quote) as \\. */
static void
put_quoted(struct out *o, const char *v)
{
	put(o, "\"", 1);
	for (const char *c = v; *c != '\0'; c++) {
		if (*c == '"')
			put(o, "\\\"", 2);
		else if (*c == '\\' && (c[1] == '"' || c[1] == '\\' || c[1] == '\0'))
			put(o, "\\\\", 2);
		else
			put(o, c, 1);
	}
	put(o, "\"", 1);
}

/* A key stays bare when it reads back as the same one word; one that would
 * not (empty, a keyword, a character words cannot hold) is quoted. */
static void
put_key(struct out *o, const char *k)
{
	size_t len = strlen(k);
	bool bare = len > 0 && word_type(k, len) == T_WORD;

	for (size_t i = 0; bare && i < len; i++)
		bare = word_char(k[i]);
	if (bare)
		put(o, k, len);
	else
		put_quoted(o, k);
}

static void
format_node(const struct sm_evfilter *f, int32_t i, struct out *o)
{
	const struct node *n = &f->n[i];

	switch (n->type) {
	case N_AND:
	case N_OR:
		put(o, "(", 1);
		for (int32_t c = n->child; c >= 0; c = f->n[c].next) {
			format_node(f, c, o);
			if (f->n[c].next >= 0)
				put_str(o, n->type == N_AND ? " AND " : " OR ");
		}
		put(o, ")", 1);
		break;
	case N_NOT:
		put_str(o, "(NOT ");
		format_node(f, n->child, o);
		put(o, ")", 1);
		break;
	default:
		put_key(o, n->key);
		put_str(o, op_text[n->op]);
		put_quoted(o, n->value);
		break;
	}
}

int
sm_evfilter_format(const struct sm_evfilter *f, char *buf, size_t n)
{
	struct out o = { .buf = buf, .n = n };

	format_node(f, f->root, &o);
	if (n > 0)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return (int)o.len;
}
