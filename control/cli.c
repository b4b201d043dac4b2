/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "sessmon/cli.h"
#include "sessmon/fgfmt.h"
#include "sessmon/fmt.h"
#include "sessmon/sess_filter.h"

/*
 * Command texts and errors: ../shared/fortigate/README.md §5-§8 and
 * samples/cli-error-outputs-netdriver.txt; docs/cli.md is the reference.
 */

struct sm_cli {
	const struct sm_cli_ops *ops;
	void *arg;
	/* FortiOS keeps `session` (IPv4) and `session6` sessions apart, and a
	 * filter for each: filter[0] is IPv4's, filter[1] IPv6's. */
	struct sm_sess_filter filter[2];
};

/* A recognised command: the words after its keywords and where it prints. */
struct call {
	struct sm_cli *cli;
	int family;               /* 4 or 6 */
	size_t argc;
	const char *const *argv;
	FILE *out;
};

/* One keyword of the command tree. */
struct node {
	const char *word;         /* first: sm_cli_keyword_find() reads it */
	const struct node *next;  /* the keywords that may follow; NULL: a command */
	size_t n_next;
	int (*run)(const struct call *c);
	int family;               /* 4 or 6 for what follows; 0: inherited */
	bool args;                /* the command reads words after it */
};

/* ------------------------------------------------------------------ */
/* FortiOS's feedback */

/* The line before `Command fail.` per return code; "%s" is the word. */
static const struct fail_text {
	int code;
	const char *fmt;
} fail_texts[] = {
	{ SM_CLI_ERR_PARSE, "command parse error before '%s'\n" },
	{ SM_CLI_ERR_INCOMPLETE, "incomplete command in the end\n" },
	{ SM_CLI_ERR_VALUE, "value parse error before '%s'\n" },
};

/* The line every failure ends with. */
static int
fail_code(FILE *out, int code)
{
	fprintf(out, "Command fail. Return code %d\n", code);
	return code;
}

/*
 * FortiOS's feedback for a parse failure @code (an SM_CLI_ERR_*): a reason
 * line and a blank line if there is a reason (the netdriver sample's
 * `invalid ip address`), the code's line, then the code. Only for the
 * parser's codes: a backend's -errno may equal one (-ENODATA is -61).
 */
static int
fail(FILE *out, int code, const char *word, const char *reason)
{
	if (reason != NULL)
		fprintf(out, "%s\n\n", reason);
	for (size_t i = 0; i < SM_ARRAY_SIZE(fail_texts); i++)
		if (fail_texts[i].code == code)
			fprintf(out, fail_texts[i].fmt, word);
	return fail_code(out, code);
}

/* ------------------------------------------------------------------ */
/* Words */

static const char *
row_name(const void *table, size_t i, size_t row_size)
{
	return *(const char *const *)(const void *)((const char *)table + i * row_size);
}

int
sm_cli_keyword_find(const char *word, const void *table, size_t n, size_t row_size)
{
	size_t len = strlen(word);
	const char *best = NULL;
	int best_i = -1;

	if (len == 0)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const char *name = row_name(table, i, row_size);

		if (strncmp(name, word, len) != 0)
			continue;
		if (best == NULL || strlen(name) < strlen(best)) {
			best = name;
			best_i = (int)i;
		}
	}
	if (best == NULL)
		return -1;
	/* Like FortiOS's completion, the shortest keyword the word starts
	 * only if every other one extends it: a whole keyword names itself,
	 * `sess` is session (session6 extends it), `f` neither filter nor
	 * full-stat. */
	for (size_t i = 0; i < n; i++) {
		const char *name = row_name(table, i, row_size);

		if (strncmp(name, word, len) == 0 && strncmp(name, best, strlen(best)) != 0)
			return -1;
	}
	return best_i;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/*
 * Split @line into words with FortiOS's quoting: "..." or '...' keeps
 * blanks in a word (the other quote character is plain inside), a
 * backslash takes the next character as it is (inside quotes too).
 * With @buf NULL only count; else store each word, NUL-terminated, in @buf
 * (never longer than the line) and point @argv at it.
 * @return the number of words, or -1 when the line ends inside quotes or
 * after a backslash (the command would go on).
 */
static ptrdiff_t
split(const char *line, char *buf, const char **argv)
{
	const char *p = line;
	ptrdiff_t n = 0;

	for (;;) {
		char quote = '\0';

		while (is_blank(*p))
			p++;
		if (*p == '\0')
			return n;
		if (buf != NULL)
			argv[n] = buf;
		for (; *p != '\0' && (quote != '\0' || !is_blank(*p)); p++) {
			if ((quote == '\0' && (*p == '"' || *p == '\'')) || *p == quote) {
				quote = quote == '\0' ? *p : '\0';
				continue;
			}
			if (*p == '\\' && *++p == '\0')
				return -1;
			if (buf != NULL)
				*buf++ = *p;
		}
		if (quote != '\0')
			return -1;
		if (buf != NULL)
			*buf++ = '\0';
		n++;
	}
}

/* ------------------------------------------------------------------ */
/* Commands */

static struct sm_sess_filter *
filter_of(const struct call *c)
{
	return &c->cli->filter[c->family == 6];
}

/* A backend failure: no FortiOS text for it, only the code line. */
static int
backend_fail(const struct call *c, int rc)
{
	return fail_code(c->out, rc);
}

/* A walk printing one unit per session. */
struct dump {
	FILE *out;
	int (*put)(FILE *out, const struct sm_sess_view *v);
	uint64_t n;
	int rc;
};

static int
dump_one(void *arg, const struct sm_sess_view *v)
{
	struct dump *d = arg;

	d->rc = d->put(d->out, v);
	if (d->rc != 0)
		return d->rc;
	d->n++;
	return 0;
}

/* Print every session of the call's family passing @f. @return 0 or -errno. */
static int
dump(const struct call *c, const struct sm_sess_filter *f,
     int (*put)(FILE *out, const struct sm_sess_view *v), uint64_t *n)
{
	struct dump d = { .out = c->out, .put = put };
	int rc = c->cli->ops->walk(c->cli->arg, c->family, f, dump_one, &d);

	if (rc < 0)
		return backend_fail(c, rc);
	*n = d.n;
	return d.rc;
}

/* A walk printing one fortiformatter line per session. */
struct format_dump {
	FILE *out;
	const struct sm_fmt *fmt;
	int rc;
};

static int
format_one(void *arg, const struct sm_sess_view *v)
{
	struct format_dump *d = arg;

	d->rc = sm_fmt_session(d->out, d->fmt, v);
	return d->rc;
}

/*
 * `list --format FMT` or `--format @name`: one line per session passing
 * the filter in a fortiformatter format (docs/format.md), no footer, as
 * foset prints. A format that does not compile is a bad value: its column
 * and reason on the reason line, nothing listed.
 */
static int
list_format(const struct call *c)
{
	struct sm_fmt_error err = { 0 };
	struct format_dump d = { .out = c->out };
	const char *text;
	char reason[128];
	struct sm_fmt *f;
	int rc;

	if (strcmp(c->argv[0], "--format") != 0)
		return fail(c->out, SM_CLI_ERR_PARSE, c->argv[0], NULL);
	if (c->argc < 2)
		return fail(c->out, SM_CLI_ERR_INCOMPLETE, NULL, NULL);
	if (c->argc > 2)
		return fail(c->out, SM_CLI_ERR_PARSE, c->argv[2], NULL);
	text = c->argv[1];
	if (text[0] == '@' && (text = sm_fmt_named(text + 1)) == NULL)
		return fail(c->out, SM_CLI_ERR_VALUE, c->argv[1], "unknown named format");
	f = sm_fmt_create(text, &err);
	if (f == NULL && err.reason != NULL) {
		snprintf(reason, sizeof(reason), "format error at column %zu: %s", err.column,
			 err.reason);
		return fail(c->out, SM_CLI_ERR_VALUE, c->argv[1], reason);
	}
	if (f == NULL)
		return fail_code(c->out, -ENOMEM);
	d.fmt = f;
	rc = c->cli->ops->walk(c->cli->arg, c->family, filter_of(c), format_one, &d);
	sm_fmt_free(f);
	return rc < 0 ? backend_fail(c, rc) : d.rc;
}

/* `diagnose sys session[6] list`: blocks, then `total session N` (the
 * sessions that matched, README §2.4); with `--format`, list_format(). */
static int
cmd_list(const struct call *c)
{
	uint64_t n;
	int rc;

	if (c->argc > 0)
		return list_format(c);
	rc = dump(c, filter_of(c), sm_fgfmt_session, &n);
	return rc != 0 ? rc : sm_fgfmt_session_total(c->out, n);
}

/* `get system session list`: FortiOS gives `get` its own filter (`execute
 * set system session filter`, 6.0 CLI reference), which sessmon does not
 * have, so every IPv4 session is listed. */
static int
cmd_get_list(const struct call *c)
{
	uint64_t n;
	int rc = sm_fgfmt_list_header(c->out);

	return rc != 0 ? rc : dump(c, NULL, sm_fgfmt_list_row, &n);
}

/* `filter`: show it; `filter <key> ...`: change it, silently (README §5). */
static int
cmd_filter(const struct call *c)
{
	struct sm_sess_filter_error err;
	int rc;

	if (c->argc == 0)
		return sm_sess_filter_print(c->out, filter_of(c));
	rc = sm_sess_filter_set(filter_of(c), c->argv[0], c->argc - 1, c->argv + 1, &err);
	return rc != 0 ? fail(c->out, rc, err.word, err.reason) : 0;
}

/* `clear`: end the sessions the filter passes; prints nothing (KB 196340). */
static int
cmd_clear(const struct call *c)
{
	int rc = c->cli->ops->clear(c->cli->arg, filter_of(c));

	return rc < 0 ? backend_fail(c, rc) : 0;
}

static int
stat_report(const struct call *c, int (*put)(FILE *out, const struct sm_sess_stat *st))
{
	struct sm_sess_stat st;
	int rc = c->cli->ops->stat(c->cli->arg, filter_of(c), &st);

	return rc < 0 ? backend_fail(c, rc) : put(c->out, &st);
}

/* FortiOS's block, then sessmon's own lines (its event and inspection
 * counters have no FortiOS field). */
static int
cmd_stat(const struct call *c)
{
	int rc = stat_report(c, sm_fgfmt_stat);

	if (rc == 0 && c->cli->ops->stat_extra != NULL) {
		rc = c->cli->ops->stat_extra(c->cli->arg, c->out);
		if (rc < 0)
			return backend_fail(c, rc);
	}
	return rc;
}

static int
cmd_full_stat(const struct call *c)
{
	return stat_report(c, sm_fgfmt_full_stat);
}

/* `diagnose ips signature ...`: a sessmon without rules answers as a
 * FortiGate without the IPS engine's data would, with a reason line. */
static int
sig_verb(const struct call *c, enum sm_cli_sig verb)
{
	int rc = c->cli->ops->sig != NULL ? c->cli->ops->sig(c->cli->arg, verb, c->out) : -ENOTSUP;

	if (rc == -ENOTSUP)
		fputs("no signature rules loaded (--rules FILE)\n", c->out);
	return rc < 0 ? backend_fail(c, rc) : 0;
}

static int
cmd_sig_list(const struct call *c)
{
	return sig_verb(c, SM_CLI_SIG_LIST);
}

static int
cmd_sig_stat(const struct call *c)
{
	return sig_verb(c, SM_CLI_SIG_STAT);
}

static int
cmd_sig_reload(const struct call *c)
{
	return sig_verb(c, SM_CLI_SIG_RELOAD);
}

/* ------------------------------------------------------------------ */
/* The command tree */

#define NEXT(t) .next = (t), .n_next = SM_ARRAY_SIZE(t)

/* Shared by `session` and `session6`: the family comes from the parent. */
static const struct node session_words[] = {
	{ .word = "list", .run = cmd_list, .args = true },
	{ .word = "filter", .run = cmd_filter, .args = true },
	{ .word = "clear", .run = cmd_clear },
	{ .word = "stat", .run = cmd_stat },
	{ .word = "full-stat", .run = cmd_full_stat },
};

static const struct node sys_words[] = {
	{ .word = "session", NEXT(session_words), .family = 4 },
	{ .word = "session6", NEXT(session_words), .family = 6 },
};

static const struct node signature_words[] = {
	{ .word = "list", .run = cmd_sig_list },
	{ .word = "reload", .run = cmd_sig_reload },
	{ .word = "stat", .run = cmd_sig_stat },
};

static const struct node ips_words[] = {
	{ .word = "signature", NEXT(signature_words) },
};

static const struct node diagnose_words[] = {
	{ .word = "ips", NEXT(ips_words) },
	{ .word = "sys", NEXT(sys_words) },
};

static const struct node get_session_words[] = {
	{ .word = "list", .run = cmd_get_list },
};

static const struct node get_system_words[] = {
	{ .word = "session", NEXT(get_session_words), .family = 4 },
};

static const struct node get_words[] = {
	{ .word = "system", NEXT(get_system_words) },
};

static const struct node top_words[] = {
	{ .word = "diagnose", NEXT(diagnose_words) },
	{ .word = "get", NEXT(get_words) },
};

/* Follow the tree word by word and run the command the words reach. */
static int
dispatch(struct sm_cli *cli, size_t argc, const char *const *argv, FILE *out)
{
	const struct node *words = top_words;
	size_t n_words = SM_ARRAY_SIZE(top_words);
	int family = 0;

	for (size_t i = 0; i < argc; i++) {
		int k = sm_cli_keyword_find(argv[i], words, n_words, sizeof(words[0]));
		const struct node *nd;
		struct call c;

		if (k < 0 && i == 0) {
			/* FortiOS's answer to an unknown top-level word:
			 * one line, no `Command fail` (README §8). */
			fputs("Unknown action 0\n", out);
			return SM_CLI_ERR_PARSE;
		}
		if (k < 0)
			return fail(out, SM_CLI_ERR_PARSE, argv[i], NULL);
		nd = &words[k];
		if (nd->family != 0)
			family = nd->family;
		if (nd->next != NULL) {
			words = nd->next;
			n_words = nd->n_next;
			continue;
		}
		if (!nd->args && i + 1 < argc)
			return fail(out, SM_CLI_ERR_PARSE, argv[i + 1], NULL);
		c = (struct call){ .cli = cli, .family = family, .argc = argc - i - 1,
				   .argv = argv + i + 1, .out = out };
		return nd->run(&c);
	}
	return fail(out, SM_CLI_ERR_INCOMPLETE, NULL, NULL);
}

struct sm_cli *
sm_cli_create(const struct sm_cli_ops *ops, void *arg)
{
	struct sm_cli *cli = calloc(1, sizeof(*cli));

	if (cli == NULL)
		return NULL;
	cli->ops = ops;
	cli->arg = arg;
	sm_sess_filter_init(&cli->filter[0], 4);
	sm_sess_filter_init(&cli->filter[1], 6);
	return cli;
}

void
sm_cli_free(struct sm_cli *cli)
{
	free(cli);
}

int
sm_cli_exec(struct sm_cli *cli, const char *line, FILE *out)
{
	ptrdiff_t n = split(line, NULL, NULL);
	const char **argv;
	char *buf;
	int rc;

	if (n < 0)
		return fail(out, SM_CLI_ERR_INCOMPLETE, NULL, NULL);
	if (n == 0)
		return 0;
	/* Sized from the line itself: no length is too long to split. */
	buf = malloc(strlen(line) + 1);
	argv = calloc((size_t)n, sizeof(*argv));
	if (buf == NULL || argv == NULL) {
		rc = fail_code(out, -ENOMEM);
	} else {
		split(line, buf, argv);
		rc = dispatch(cli, (size_t)n, argv, out);
	}
	free(argv);
	free(buf);
	return rc;
}
