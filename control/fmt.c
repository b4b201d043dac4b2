/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>

#include "sessmon/fmt.h"
#include "sessmon/fmt_vars.h"

/*
 * The engine: format string → ops → text. Parameters after `:` are those
 * of Go's fmt (foset passes them to fmt.Sprintf), read here once:
 * flags `-+# 0`, a width, a precision, one verb. Integers follow Go where
 * it differs from C: `#x` prefixes 0 too, and zero padding counts digits
 * only (`%#04x` of 1 is 0x0001). docs/format.md has the details.
 */

/* Widths and precisions above this are a mistake, not a layout. */
#define SPEC_MAX 1024
/* A rendering at most this long needs no heap (sm_fmt_session()). */
#define LINE_STACK 1024

/* Parsed parameters of one variable. */
struct spec {
	bool minus, plus, sharp, space, zero;
	bool has_width, has_prec;
	uint16_t width, prec;
	char verb;
};

enum op_kind { OP_TEXT, OP_VAR };

struct op {
	enum op_kind kind;
	uint32_t off, len;            /* OP_TEXT: bytes of f->text */
	const struct sm_fmt_var *var; /* OP_VAR */
	unsigned int form;            /* SM_FMT_STR or SM_FMT_NUM */
	struct spec spec;
	struct sm_fmt_arg arg;
};

struct sm_fmt {
	char *text;       /* the expanded format: literal text and modifiers */
	size_t n_ops;
	struct op ops[];
};

/* ------------------------------------------------------------------ */
/* Compiling */

/* Where compiling stands: the expanded text and its column map. */
struct compiler {
	const char *t;
	const uint32_t *col;
	struct sm_fmt_error *err;
};

static int
fail(struct compiler *c, size_t at, const char *reason)
{
	c->err->column = c->col[at];
	c->err->reason = reason;
	return -EINVAL;
}

/* Verbs and the form each prints; Go's %g/%G, %q and %v are left out:
 * their C twins differ or are missing. */
static unsigned int
verb_form(char verb)
{
	if (verb == 's')
		return SM_FMT_STR;
	if (verb != '\0' && strchr("dxXobfFeE", verb) != NULL)
		return SM_FMT_NUM;
	return 0;
}

static bool
is_float_verb(char verb)
{
	return strchr("fFeE", verb) != NULL;
}

/* A decimal width or precision at t[*i]; @return false if too large. */
static bool
spec_num(const char *t, size_t end, size_t *i, uint16_t *out)
{
	uint32_t x = 0;

	for (; *i < end && t[*i] >= '0' && t[*i] <= '9'; (*i)++) {
		x = x * 10 + (uint32_t)(t[*i] - '0');
		if (x > SPEC_MAX)
			return false;
	}
	*out = (uint16_t)x;
	return true;
}

/* Parameters t[start, end) into @sp. */
static int
parse_spec(struct compiler *c, size_t start, size_t end, struct spec *sp)
{
	const char *t = c->t;
	size_t i = start;

	memset(sp, 0, sizeof(*sp));
	for (; i < end && strchr("-+# 0", t[i]) != NULL; i++) {
		sp->minus |= t[i] == '-';
		sp->plus |= t[i] == '+';
		sp->sharp |= t[i] == '#';
		sp->space |= t[i] == ' ';
		sp->zero |= t[i] == '0';
	}
	sp->has_width = i < end && t[i] >= '1' && t[i] <= '9';
	if (!spec_num(t, end, &i, &sp->width))
		return fail(c, start, "bad width");
	if (i < end && t[i] == '.') {
		size_t p = ++i;

		sp->has_prec = true;
		if (!spec_num(t, end, &i, &sp->prec))
			return fail(c, p, "bad precision");
	}
	if (i == end)
		return fail(c, i - 1, "conversion letter missing");
	if (verb_form(t[i]) == 0)
		return fail(c, i, t[i] == '*' ? "bad width" : "unknown conversion letter");
	sp->verb = t[i++];
	if (i != end)
		return fail(c, i, "text after the conversion letter");
	return 0;
}

/* The variable of t[start, end) (`name[:params][|mods]`) as @op. */
static int
compile_var(struct compiler *c, size_t start, size_t end, struct op *op)
{
	const char *t = c->t, *inner, *mod;
	size_t name_end = start, par_end, mod_at, mod_len, inner_len, bad = 0;
	const char *reason;
	struct compiler dflt;
	uint32_t dcol = c->col[start];
	int rc;

	while (name_end < end && t[name_end] != ':' && t[name_end] != '|')
		name_end++;
	if (name_end == start)
		return fail(c, start, "variable name missing");
	op->kind = OP_VAR;
	op->var = sm_fmt_vars_find(t + start, name_end - start, &inner, &inner_len);
	if (op->var == NULL)
		return fail(c, start, "unknown variable");
	par_end = name_end;
	if (par_end < end && t[par_end] == ':')
		while (par_end < end && t[par_end] != '|')
			par_end++;
	if (par_end > name_end + 1) {
		rc = parse_spec(c, name_end + 1, par_end, &op->spec);
	} else {
		/* The variable's default parameters, which always parse. */
		dflt = (struct compiler){ .t = op->var->params, .col = &dcol, .err = c->err };
		rc = parse_spec(&dflt, 0, strlen(op->var->params), &op->spec);
	}
	if (rc != 0)
		return rc;
	op->form = verb_form(op->spec.verb);
	if (!(op->var->forms & op->form))
		return fail(c, par_end - 1, op->form == SM_FMT_STR ?
			    "variable has no string form" : "variable has no number form");
	/* Modifiers: after `|`, or the x of custom[x]; none: errors about
	 * them point at the `}`. */
	mod_at = par_end < end ? par_end + 1 : par_end;
	mod = t + mod_at;
	mod_len = par_end < end ? end - mod_at : 0;
	if (inner != NULL && par_end < end)
		return fail(c, par_end, "custom[...] takes no modifier");
	if (inner != NULL) {
		mod = inner;
		mod_at = (size_t)(inner - t);
		mod_len = inner_len;
	}
	if (op->var->mods == NULL)
		return mod_len > 0 || par_end < end ?
			fail(c, par_end, "variable takes no modifier") : 0;
	reason = op->var->mods(op->var, mod, mod_len, &op->arg, &bad);
	return reason != NULL ? fail(c, mod_at + bad, reason) : 0;
}

static void
add_text(struct sm_fmt *f, size_t from, size_t to)
{
	if (to > from)
		f->ops[f->n_ops++] = (struct op){ .kind = OP_TEXT, .off = (uint32_t)from,
						  .len = (uint32_t)(to - from) };
}

/* Split f->text into text and variables. */
static int
compile(struct sm_fmt *f, size_t len, struct compiler *c)
{
	const char *t = f->text;
	size_t lit = 0, i = 0;
	int rc;

	while (i < len) {
		const char *close, *next;

		if (t[i] != '$' || t[i + 1] != '{') {
			i++;
			continue;
		}
		close = memchr(t + i + 2, '}', len - i - 2);
		next = strstr(t + i + 2, "${");
		if (close == NULL || (next != NULL && next < close))
			return fail(c, i, "unbalanced ${");
		add_text(f, lit, i);
		memset(&f->ops[f->n_ops], 0, sizeof(f->ops[0]));
		rc = compile_var(c, i + 2, (size_t)(close - t), &f->ops[f->n_ops]);
		if (rc != 0)
			return rc;
		f->n_ops++;
		i = lit = (size_t)(close - t) + 1;
	}
	add_text(f, lit, len);
	return 0;
}

struct sm_fmt *
sm_fmt_create(const char *format, struct sm_fmt_error *err)
{
	size_t len = sm_fmt_vars_expand(format, NULL, NULL), max_ops = 1;
	struct sm_fmt_error dummy;
	struct compiler c = { .err = err != NULL ? err : &dummy };
	uint32_t *col = malloc((len + 1) * sizeof(*col));
	char *text = malloc(len + 1);
	struct sm_fmt *f = NULL;

	if (col == NULL || text == NULL)
		goto nomem;
	sm_fmt_vars_expand(format, text, col);
	text[len] = '\0';
	col[len] = (uint32_t)strlen(format) + 1;
	/* Each `${` makes at most a text op and a variable op. */
	for (const char *p = text; (p = strstr(p, "${")) != NULL; p += 2)
		max_ops += 2;
	f = malloc(sizeof(*f) + max_ops * sizeof(f->ops[0]));
	if (f == NULL)
		goto nomem;
	f->text = text;
	f->n_ops = 0;
	c.t = text;
	c.col = col;
	if (compile(f, len, &c) != 0) {
		free(col);
		sm_fmt_free(f);
		rte_errno = EINVAL;
		return NULL;
	}
	free(col);
	return f;
nomem:
	free(col);
	free(text);
	rte_errno = ENOMEM;
	return NULL;
}

void
sm_fmt_free(struct sm_fmt *f)
{
	if (f == NULL)
		return;
	free(f->text);
	free(f);
}

/* ------------------------------------------------------------------ */
/* Rendering */

/* snprintf()'s contract over a buffer: count everything, keep what fits. */
struct out {
	char *buf;
	size_t room;     /* bytes that may be written (the NUL's excluded) */
	size_t len;      /* bytes produced */
};

/*
 * Copy @n bytes. Most pieces of a line are short: up to 16 bytes they are
 * moved as two overlapping fixed-size copies (no library call, no byte
 * beyond either end touched); a line of default_basics has some fifteen.
 */
static void
copy(char *d, const char *s, size_t n)
{
	if (n >= 8 && n <= 16) {
		memcpy(d, s, 8);
		memcpy(d + n - 8, s + n - 8, 8);
	} else if (n >= 4 && n < 8) {
		memcpy(d, s, 4);
		memcpy(d + n - 4, s + n - 4, 4);
	} else if (n < 4) {
		for (size_t i = 0; i < n; i++)
			d[i] = s[i];
	} else {
		memcpy(d, s, n);
	}
}

static void
put(struct out *o, const char *s, size_t n)
{
	if (o->len < o->room)
		copy(o->buf + o->len, s, n < o->room - o->len ? n : o->room - o->len);
	o->len += n;
}

/* @n blanks at @d. */
static void
blanks(char *d, size_t n)
{
	static const char sixteen[16] = "                ";

	if (n <= sizeof(sixteen))
		copy(d, sixteen, n);
	else
		memset(d, ' ', n);
}

/* @n blanks: padding. */
static void
fill(struct out *o, size_t n)
{
	if (o->len < o->room)
		blanks(o->buf + o->len, n < o->room - o->len ? n : o->room - o->len);
	o->len += n;
}

/* @body (@n bytes) padded with blanks to the width, on the flag's side. */
static void
put_padded(struct out *o, const struct spec *sp, const char *body, size_t n)
{
	size_t pad = sp->width > n ? sp->width - n : 0;

	/* The usual case, the whole field fits: no check per piece. */
	if (o->len < o->room && o->room - o->len >= n + pad) {
		char *d = o->buf + o->len;

		blanks(sp->minus ? d + n : d, pad);
		copy(sp->minus ? d : d + pad, body, n);
		o->len += n + pad;
		return;
	}
	if (!sp->minus)
		fill(o, pad);
	put(o, body, n);
	if (sp->minus)
		fill(o, pad);
}

/* %s: the precision cuts, the width pads. */
static void
put_str(struct out *o, const struct spec *sp, const char *s, size_t n)
{
	if (sp->has_prec && sp->prec < n)
		n = sp->prec;
	put_padded(o, sp, s, n);
}

/* Go's fmtInteger() for unsigned values: digits, zeros up to the
 * precision (or, with `0` and no precision, the width less the sign), the
 * `#` prefix, the sign flag, blanks up to the width. */
static void
put_int(struct out *o, const struct spec *sp, uint64_t u)
{
	static const char lower[] = "0123456789abcdef", upper[] = "0123456789ABCDEF";
	unsigned int base = sp->verb == 'd' ? 10 : sp->verb == 'o' ? 8 : sp->verb == 'b' ? 2 : 16;
	const char *digits = sp->verb == 'X' ? upper : lower;
	char tmp[4 + 64 + SPEC_MAX];
	size_t end = sizeof(tmp), i = end, zeros = 0;

	if (sp->has_prec && sp->prec == 0 && u == 0) {
		fill(o, sp->width);
		return;
	}
	if (sp->has_prec)
		zeros = sp->prec;
	else if (sp->zero && !sp->minus && sp->has_width)
		zeros = sp->width - (sp->plus || sp->space);
	/* One loop per base: a constant divisor is a shift or a multiply,
	 * a variable one a division per digit. */
	switch (base) {
	case 16:
		do {
			tmp[--i] = digits[u & 0xf];
			u >>= 4;
		} while (u != 0);
		break;
	case 10:
		do {
			tmp[--i] = digits[u % 10];
			u /= 10;
		} while (u != 0);
		break;
	default:
		do {
			tmp[--i] = digits[u & (base - 1)];
			u >>= base == 8 ? 3 : 1;
		} while (u != 0);
	}
	while (end - i < zeros)
		tmp[--i] = '0';
	if (sp->sharp && base == 16) {
		tmp[--i] = digits == upper ? 'X' : 'x';
		tmp[--i] = '0';
	} else if (sp->sharp && base == 2) {
		tmp[--i] = 'b';
		tmp[--i] = '0';
	} else if (sp->sharp && base == 8 && tmp[i] != '0') {
		tmp[--i] = '0';
	}
	if (sp->plus)
		tmp[--i] = '+';
	else if (sp->space)
		tmp[--i] = ' ';
	put_padded(o, sp, tmp + i, end - i);
}

/* Floats through the C library, whose %f and %e print what Go's do. */
static void
put_float(struct out *o, const struct spec *sp, double x)
{
	char cfmt[16], tmp[64 + 2 * SPEC_MAX];
	int n;

	snprintf(cfmt, sizeof(cfmt), "%%%s%s%s%s%s*.*%c", sp->minus ? "-" : "",
		 sp->plus ? "+" : "", sp->sharp ? "#" : "", sp->space ? " " : "",
		 sp->zero ? "0" : "", sp->verb);
	n = snprintf(tmp, sizeof(tmp), cfmt, (int)sp->width, sp->has_prec ? (int)sp->prec : 6, x);
	put(o, tmp, n < 0 ? 0 : (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

static void
render_var(struct out *o, const struct op *op, const struct sm_sess_view *v)
{
	struct sm_fmt_value val;

	val.heap = NULL;
	val.has_f = false;
	op->var->get(op->var, v, &op->arg, op->form, &val);
	if (op->form == SM_FMT_STR)
		put_str(o, &op->spec, val.s, val.len);
	else if (is_float_verb(op->spec.verb))
		put_float(o, &op->spec, val.has_f ? val.f : (double)val.u);
	else
		put_int(o, &op->spec, val.u);
	if (val.heap != NULL)
		free(val.heap);
}

size_t
sm_fmt_render(const struct sm_fmt *f, const struct sm_sess_view *v, char *buf, size_t size)
{
	struct out o = { .buf = buf, .room = size > 0 ? size - 1 : 0 };

	for (size_t i = 0; i < f->n_ops; i++) {
		const struct op *op = &f->ops[i];

		if (op->kind == OP_TEXT)
			put(&o, f->text + op->off, op->len);
		else
			render_var(&o, op, v);
	}
	if (size > 0)
		buf[o.len < o.room ? o.len : o.room] = '\0';
	return o.len;
}

int
sm_fmt_session(FILE *out, const struct sm_fmt *f, const struct sm_sess_view *v)
{
	char line[LINE_STACK];
	size_t n = sm_fmt_render(f, v, line, sizeof(line) - 1);
	char *buf = line;

	if (n >= sizeof(line) - 2) {
		/* `${plain}` and wide columns: render again in a buffer sized
		 * by the first pass. */
		buf = malloc(n + 2);
		if (buf == NULL)
			return -ENOMEM;
		sm_fmt_render(f, v, buf, n + 1);
	}
	/* The newline goes in the buffer: one stdio call per line. */
	buf[n] = '\n';
	fwrite(buf, 1, n + 1, out);
	if (buf != line)
		free(buf);
	return ferror(out) ? -EIO : 0;
}

/* ------------------------------------------------------------------ */
/* Named formats */

static const struct {
	const char *name;
	const char *format;
} named[] = {
	/* foset's default view */
	{ "basic", "${default_basics}" },
	/* one line with times, counters and rates */
	{ "traffic", "${default_basics} ${default_time} ${default_counts} ${default_rate}" },
	/* why a session is not offloaded */
	{ "offload", "${default_basics} ${default_hw} NOOFF(${nooff[no]})" },
	/* ports and MACs */
	{ "l2", "${default_basics} ${default_path} ${default_macs}" },
	/* what sessmon sees beyond FortiOS's fields */
	{ "inspect", "${serial:08x} ${sdap:-47s} w${custom:d|worker} ${custom|tls_version} "
		     "sni=${custom|sni} ja4=${custom|ja4} sigs=${custom:d|sig_hits}" },
	/* comma-separated values for a spreadsheet */
	{ "csv", "${serial:d},${vdom},${proto:d},${sa},${sp},${da},${dp},${state[r]:d},"
		 "${duration},${expire},${count[op]},${count[ob]},${count[rp]},${count[rb]},"
		 "${rate[u]:d|Bps},${rate[d]:d|Bps}" },
};

const char *
sm_fmt_named(const char *name)
{
	for (size_t i = 0; i < SM_ARRAY_SIZE(named); i++)
		if (strcmp(named[i].name, name) == 0)
			return named[i].format;
	return NULL;
}
