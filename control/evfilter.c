/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sessmon/evfilter.h"

enum node_type { N_AND, N_OR, N_NOT, N_CMP };
enum op { OP_EQ, OP_LT, OP_GT, OP_LE, OP_GE, OP_MAX };

static const char *const op_text[OP_MAX] = { "=", "<", ">", "<=", ">=" };

/* AND and OR are n-ary (their operands are a sibling chain), so a long
 * chain costs no depth: matching recurses only as deep as the text nests. */
struct node {
	uint8_t type;        /* enum node_type */
	uint8_t op;          /* enum op (N_CMP) */
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
		t.type = T_WORD;
		t.len = j - i;
		for (size_t k = 0; k < sizeof(keywords) / sizeof(keywords[0]); k++)
			if (strlen(keywords[k].word) == t.len &&
			    strncasecmp(s + i, keywords[k].word, t.len) == 0)
				t.type = keywords[k].type;
		i = j;
	}
	if (take)
		p->pos = i;
	return t;
}

/* The text of a value token: a word as it is; a quoted string with \" and
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

static int32_t parse_or(struct parser *p, unsigned int depth);

/* key OP value */
static int32_t
parse_cmp(struct parser *p)
{
	struct tok key = lex(p, true), op, val;
	int32_t i;

	if (key.type != T_WORD)
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

static int32_t
parse_unary(struct parser *p, unsigned int depth)
{
	struct tok t = lex(p, false);
	int32_t i, c;

	if (p->failed)
		return -1;
	if ((t.type == T_NOT || t.type == T_LP) && depth >= SM_EVFILTER_MAX_DEPTH)
		return fail(p, t.at, "nested deeper than %d", SM_EVFILTER_MAX_DEPTH);
	if (t.type == T_NOT) {
		lex(p, true);
		c = parse_unary(p, depth + 1);
		if (c < 0 || (i = new_node(p, N_NOT)) < 0)
			return -1;
		p->f->n[i].child = c;
		return i;
	}
	if (t.type == T_LP) {
		lex(p, true);
		c = parse_or(p, depth + 1);
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
parse_chain(struct parser *p, unsigned int depth, enum tok_type word)
{
	int32_t first, last, i, c;

	first = word == T_OR ? parse_chain(p, depth, T_AND) : parse_unary(p, depth);
	if (first < 0 || lex(p, false).type != word)
		return first;
	i = new_node(p, word == T_OR ? N_OR : N_AND);
	if (i < 0)
		return -1;
	p->f->n[i].child = last = first;
	while (lex(p, false).type == word) {
		lex(p, true);
		c = word == T_OR ? parse_chain(p, depth, T_AND) : parse_unary(p, depth);
		if (c < 0)
			return -1;
		p->f->n[last].next = c;
		last = c;
	}
	return i;
}

static int32_t
parse_or(struct parser *p, unsigned int depth)
{
	return parse_chain(p, depth, T_OR);
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

	if (len > SM_EVFILTER_MAX_LEN) {
		fail(&p, SM_EVFILTER_MAX_LEN, "filter longer than %d characters", SM_EVFILTER_MAX_LEN);
		return p.failed;
	}
	p.f = calloc(1, sizeof(*p.f));
	if (p.f == NULL)
		return -ENOMEM;
	t = lex(&p, false);
	if (t.type == T_END && !p.failed)
		fail(&p, t.at, "empty filter");
	if (!p.failed)
		p.f->root = parse_or(&p, 0);
	if (!p.failed && (t = lex(&p, false)).type != T_END)
		fail(&p, t.at, t.type == T_RP ? "')' without '('" : "expected AND, OR or the end");
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

static bool
integer(const char *s, long long *v)
{
	char *end;

	errno = 0;
	*v = strtoll(s, &end, 10);
	return *s != '\0' && *end == '\0' && errno == 0;
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

/* A value in quotes: `"` as \", and a backslash that would read as an
 * escape (before `"`, `\` or the closing quote) as \\. */
static void
put_value(struct out *o, const char *v)
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
		put_str(o, n->key);
		put_str(o, op_text[n->op]);
		put_value(o, n->value);
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
