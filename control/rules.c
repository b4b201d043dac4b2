/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Rule files → Hyperscan databases (docs/signatures.md): reading sources,
 * duplicate sids, validation, the compile with its reject-and-retry loop,
 * the on-disk cache, the ruleset and its CLI text. One rule's syntax is
 * rule_parse.c's.
 *
 * Nothing here is on a worker: memory comes from malloc, files are read
 * whole, and a rule that fails anywhere is dropped with "FILE:LINE: reason".
 */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>

#include "sessmon/rule_parse.h"
#include "sessmon/rules.h"

/* Largest rule file read. */
#define MAX_FILE_BYTES (256u << 20)
/* Text of one message. */
#define ERR_LEN SM_RULE_PARSE_ERR_LEN

/* A rule on its way to the database. */
struct pending {
	struct sm_rule_parsed rp;
	unsigned int file;     /* index into the loader's file names */
};

/* ---- the loader ------------------------------------------------------------ */

struct loader {
	const struct sm_rules_params *prm;
	struct sm_rules_report *rep;
	struct pending *p;
	unsigned int n, cap;
	char **files;
	unsigned int n_files;
	bool io_error;
};

static void __attribute__((format(printf, 2, 3)))
report(struct loader *L, const char *fmt, ...)
{
	char msg[ERR_LEN + 256];
	char **m;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	m = realloc(L->rep->msgs, (L->rep->n_msgs + 1) * sizeof(*m));
	if (m == NULL)
		return;
	L->rep->msgs = m;
	m[L->rep->n_msgs] = strdup(msg);
	if (m[L->rep->n_msgs] != NULL)
		L->rep->n_msgs++;
}

static void
reject(struct loader *L, unsigned int file, uint32_t line, const char *why)
{
	report(L, "%s:%" PRIu32 ": %s", L->files[file], line, why);
	L->rep->rejected++;
}

static int
loader_push(struct loader *L, struct pending *p)
{
	if (L->n == L->cap) {
		unsigned int cap = L->cap ? L->cap * 2 : 256;
		struct pending *np = realloc(L->p, cap * sizeof(*np));

		if (np == NULL)
			return -ENOMEM;
		L->p = np;
		L->cap = cap;
	}
	L->p[L->n++] = *p;
	return 0;
}

static bool
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* One logical rule of source @p file starting at line @p line. */
static int
load_rule(struct loader *L, unsigned int file, uint32_t line, const char *text,
	  enum sm_rule_format fmt)
{
	struct pending p = {.file = file};
	char why[ERR_LEN];

	if (sm_rule_parse(text, fmt, &p.rp, why, sizeof(why)) != 0) {
		reject(L, file, line, why);
		return 0;
	}
	p.rp.r.line = line;
	if (loader_push(L, &p) != 0) {
		sm_rule_parse_fini(&p.rp);
		return -ENOMEM;
	}
	return 0;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf = NULL;

	if (f == NULL)
		return NULL;
	errno = EINVAL; /* not a regular file, or larger than the bound */
	if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
	    (uint64_t)st.st_size <= MAX_FILE_BYTES) {
		buf = malloc((size_t)st.st_size + 1);
		if (buf != NULL && fread(buf, 1, (size_t)st.st_size, f) != (size_t)st.st_size) {
			free(buf);
			buf = NULL;
		}
		*len = (size_t)st.st_size;
	}
	fclose(f);
	return buf;
}

static int
load_joined(struct loader *L, unsigned int file, uint32_t line, const char *text, bool nul,
	    enum sm_rule_format fmt)
{
	if (nul) {
		reject(L, file, line, "NUL byte in rule text");
		return 0;
	}
	return load_rule(L, file, line, text, fmt);
}

/*
 * Split a source (@p text, terminated at @p len) into logical rules, in
 * place: comments, blank lines and CRs go, and a line ending in a backslash
 * (Snort's multi-line rules) is joined to the next by moving its bytes down
 * over the "\\\n". The write point never passes the read point.
 */
static int
load_text(struct loader *L, unsigned int file, char *text, size_t len, enum sm_rule_format fmt)
{
	char *start = NULL, *w = NULL; /* the rule being joined; NULL: none */
	uint32_t line = 0, first = 0;
	bool nul = false;
	size_t pos = 0;
	int rc = 0;

	while (pos < len && rc == 0) {
		size_t e = pos, n, s = pos;
		bool cont;

		while (e < len && text[e] != '\n')
			e++;
		line++;
		n = e - pos;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		cont = fmt == SM_RULE_FORMAT_SURICATA && n > 0 && text[pos + n - 1] == '\\';
		while (w == NULL && s < pos + n && isspace((unsigned char)text[s]))
			s++;
		if (w == NULL && (s == pos + n || text[s] == '#')) {
			pos = e + 1;
			continue;
		}
		if (w == NULL) {
			start = w = text + pos;
			first = line;
			nul = false;
		}
		nul |= memchr(text + pos, '\0', n) != NULL;
		memmove(w, text + pos, cont ? n - 1 : n);
		w += cont ? n - 1 : n;
		pos = e + 1;
		if (!cont) {
			*w = '\0';
			rc = load_joined(L, file, first, start, nul, fmt);
			w = NULL;
		}
	}
	if (rc == 0 && w != NULL) {
		*w = '\0';
		rc = load_joined(L, file, first, start, nul, fmt);
	}
	return rc;
}

static int
load_source(struct loader *L, const struct sm_rules_source *s)
{
	unsigned int file = L->n_files;
	char **files = realloc(L->files, (file + 1) * sizeof(*files));
	char *text;
	size_t len = s->len;
	int rc;

	if (files == NULL)
		return -ENOMEM;
	L->files = files;
	L->files[file] = strdup(s->name);
	if (L->files[file] == NULL)
		return -ENOMEM;
	L->n_files++;
	text = s->text != NULL ? malloc(len + 1) : read_file(s->name, &len);
	if (text == NULL && s->text == NULL) {
		report(L, "%s: cannot read: %s", s->name, strerror(errno));
		L->io_error = true;
		return 0;
	}
	if (text == NULL)
		return -ENOMEM;
	if (s->text != NULL)
		memcpy(text, s->text, len);
	text[len] = '\0';
	rc = load_text(L, file, text, len,
		       ends_with(s->name, ".hs") ? SM_RULE_FORMAT_HS : SM_RULE_FORMAT_SURICATA);
	free(text);
	return rc;
}

/* ---- duplicates and validation ------------------------------------------- */

static int
cmp_sid(const void *a, const void *b, void *ctx)
{
	const struct pending *p = ctx;
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	if (p[x].rp.r.sid != p[y].rp.r.sid)
		return p[x].rp.r.sid < p[y].rp.r.sid ? -1 : 1;
	return (x > y) - (x < y);
}

static void
drop_pending(struct loader *L, unsigned int i)
{
	sm_rule_parse_fini(&L->p[i].rp);
	memmove(&L->p[i], &L->p[i + 1], (L->n - i - 1) * sizeof(*L->p));
	L->n--;
}

/* Sorted indexes by sid (ties in load order) into a new array. */
static uint32_t *
sid_order(const struct loader *L)
{
	uint32_t *idx = malloc((L->n ? L->n : 1) * sizeof(*idx));

	if (idx == NULL)
		return NULL;
	for (unsigned int i = 0; i < L->n; i++)
		idx[i] = i;
	qsort_r(idx, L->n, sizeof(*idx), cmp_sid, L->p);
	return idx;
}

static int
drop_duplicates(struct loader *L)
{
	uint32_t *idx = sid_order(L);
	bool *dup = calloc(L->n ? L->n : 1, sizeof(*dup));

	if (idx == NULL || dup == NULL) {
		free(idx);
		free(dup);
		return -ENOMEM;
	}
	for (unsigned int k = 1; k < L->n; k++) {
		const struct pending *a = &L->p[idx[k - 1]], *b = &L->p[idx[k]];
		char why[ERR_LEN];

		if (a->rp.r.sid != b->rp.r.sid)
			continue;
		snprintf(why, sizeof(why), "duplicate sid %" PRIu32 " (first at %s:%" PRIu32 ")",
			 b->rp.r.sid, L->files[a->file], a->rp.r.line);
		reject(L, b->file, b->rp.r.line, why);
		dup[idx[k]] = true;
		idx[k] = idx[k - 1]; /* compare the next ones with the first */
	}
	for (unsigned int i = L->n; i-- > 0;)
		if (dup[i])
			drop_pending(L, i);
	free(idx);
	free(dup);
	return 0;
}

/* Check each expression alone, cheaply, before the set compiles: a syntax
 * error then names its rule without a failed compile of the whole set. */
static void
validate(struct loader *L)
{
	for (unsigned int i = L->n; i-- > 0;) {
		struct pending *p = &L->p[i];

		for (unsigned int k = 0; k < p->rp.nx; k++) {
			hs_expr_info_t *info = NULL;
			hs_compile_error_t *err = NULL;
			char why[ERR_LEN];

			if (hs_expression_info(p->rp.x[k].re, p->rp.x[k].flags, &info, &err) == HS_SUCCESS) {
				free(info);
				continue;
			}
			snprintf(why, sizeof(why), "hyperscan: %s", err ? err->message : "invalid");
			hs_free_compile_error(err);
			reject(L, p->file, p->rp.r.line, why);
			drop_pending(L, i);
			break;
		}
	}
}

/* ---- compile ----------------------------------------------------------------- */

/* The compile input of one database. */
struct cinput {
	const char **re;
	unsigned int *flags, *ids, *rule;
	unsigned int n;
	char **owned; /* combination texts */
	unsigned int n_owned;
	bool som;
};

static void
cinput_fini(struct cinput *c)
{
	for (unsigned int i = 0; i < c->n_owned; i++)
		free(c->owned[i]);
	free(c->owned);
	free(c->re);
	free(c->flags);
	free(c->ids);
	free(c->rule);
	memset(c, 0, sizeof(*c));
}

static bool
in_dir(const struct sm_rule *r, int dir, enum sm_rules_layout layout)
{
	if (layout == SM_RULES_LAYOUT_COMBINED)
		return true;
	return r->flow == SM_RULE_FLOW_ANY ||
	       (dir == SM_DIR_ORIG ? r->flow == SM_RULE_FLOW_TO_SERVER :
				     r->flow == SM_RULE_FLOW_TO_CLIENT);
}

static void
cinput_add(struct cinput *c, const char *re, unsigned int flags, unsigned int id, unsigned int rule)
{
	c->re[c->n] = re;
	c->flags[c->n] = flags;
	c->ids[c->n] = id;
	c->rule[c->n] = rule;
	c->n++;
}

/* Rule i's id is i; quiet parts of combinations take ids from n_rules up. */
static int
cinput_build(struct cinput *c, const struct loader *L, int dir)
{
	unsigned int total = 0, combos = 0, next = L->n;

	memset(c, 0, sizeof(*c));
	for (unsigned int i = 0; i < L->n; i++) {
		total += L->p[i].rp.nx + (L->p[i].rp.nx > 1);
		combos += L->p[i].rp.nx > 1;
	}
	c->re = calloc(total + 1, sizeof(*c->re));
	c->flags = calloc(total + 1, sizeof(*c->flags));
	c->ids = calloc(total + 1, sizeof(*c->ids));
	c->rule = calloc(total + 1, sizeof(*c->rule));
	c->owned = calloc(combos + 1, sizeof(*c->owned));
	if (!c->re || !c->flags || !c->ids || !c->rule || !c->owned)
		return -ENOMEM;
	for (unsigned int i = 0; i < L->n; i++) {
		const struct pending *p = &L->p[i];
		char *comb;
		size_t o = 0;

		if (!in_dir(&p->rp.r, dir, L->prm->layout))
			continue;
		c->som |= p->rp.r.som;
		if (p->rp.nx == 1) {
			/* SOM cannot be single-match: such rules report every match. */
			cinput_add(c, p->rp.x[0].re,
				   p->rp.x[0].flags | (p->rp.r.som ? 0 : HS_FLAG_SINGLEMATCH), i, i);
			continue;
		}
		/* "a & b & ...": ids are at most 10 digits, 13 bytes with " & " */
		comb = malloc(p->rp.nx * 16);
		if (comb == NULL)
			return -ENOMEM;
		for (unsigned int k = 0; k < p->rp.nx; k++) {
			o += (size_t)snprintf(comb + o, p->rp.nx * 16 - o, "%s%u", k ? " & " : "",
					      next);
			cinput_add(c, p->rp.x[k].re, p->rp.x[k].flags | HS_FLAG_QUIET, next++, i);
		}
		c->owned[c->n_owned++] = comb;
		cinput_add(c, comb, HS_FLAG_COMBINATION | HS_FLAG_SINGLEMATCH, i, i);
	}
	return 0;
}

struct built {
	hs_database_t *db[SM_DIR_MAX];
};

static void
built_free(struct built *bd)
{
	if (bd->db[1] != bd->db[0])
		hs_free_database(bd->db[1]);
	hs_free_database(bd->db[0]);
	memset(bd, 0, sizeof(*bd));
}

/* Drop rule @p bad for compile error @p msg; remember it for the cache. */
static int
compile_drop(struct loader *L, unsigned int bad, const char *msg, unsigned int **dropped,
	     unsigned int *n_dropped, char ***why)
{
	unsigned int *nd = realloc(*dropped, (*n_dropped + 1) * sizeof(*nd));
	char **nw = nd != NULL ? realloc(*why, (*n_dropped + 1) * sizeof(*nw)) : NULL;
	char text[ERR_LEN + 16];

	if (nd != NULL)
		*dropped = nd;
	if (nw == NULL)
		return -ENOMEM;
	*why = nw;
	nd[*n_dropped] = bad;
	nw[*n_dropped] = strdup(msg);
	if (nw[*n_dropped] == NULL)
		return -ENOMEM;
	(*n_dropped)++;
	snprintf(text, sizeof(text), "hyperscan: %s", msg);
	reject(L, L->p[bad].file, L->p[bad].rp.r.line, text);
	drop_pending(L, bad);
	return 0;
}

/*
 * Compile every direction. A compile error naming an expression drops its
 * rule (reported) and starts over, so the set that compiles is the rest.
 * @return 0, -ENOMEM, or -EIO for an error that names no expression
 */
static int
compile_all(struct loader *L, struct built *bd, unsigned int **dropped, unsigned int *n_dropped,
	    char ***why)
{
	int ndb = L->prm->layout == SM_RULES_LAYOUT_COMBINED ? 1 : SM_DIR_MAX;

	for (;;) {
		int dir, rc = 0;
		int bad = -1;
		char msg[ERR_LEN] = "";

		memset(bd, 0, sizeof(*bd));
		for (dir = 0; dir < ndb && bad < 0 && rc == 0; dir++) {
			struct cinput c;
			hs_compile_error_t *err = NULL;
			unsigned int mode = HS_MODE_STREAM;

			rc = cinput_build(&c, L, dir);
			if (rc == 0 && c.n > 0) {
				if (c.som)
					mode |= HS_MODE_SOM_HORIZON_LARGE;
				if (hs_compile_multi(c.re, c.flags, c.ids, c.n, mode, NULL,
						     &bd->db[dir], &err) != HS_SUCCESS) {
					snprintf(msg, sizeof(msg), "%s", err ? err->message : "?");
					if (err != NULL && err->expression >= 0)
						bad = (int)c.rule[err->expression];
					else
						rc = -EIO;
					hs_free_compile_error(err);
				}
			}
			cinput_fini(&c);
		}
		if (ndb == 1)
			bd->db[1] = bd->db[0];
		if (rc == -EIO)
			report(L, "hyperscan: %s", msg);
		if (bad < 0 || rc != 0) {
			if (rc != 0)
				built_free(bd);
			return rc;
		}
		built_free(bd);
		if (compile_drop(L, (unsigned int)bad, msg, dropped, n_dropped, why) != 0)
			return -ENOMEM;
	}
}

/* ---- cache ------------------------------------------------------------------ */

#define CACHE_MAGIC "SMHSDB1\n"

static int
digest_update(EVP_MD_CTX *md, const void *p, size_t n)
{
	return EVP_DigestUpdate(md, p, n) == 1 ? 0 : -EIO;
}

/* SHA-256 of the compile input (expressions, flags, layout), the CPU
 * platform and the Hyperscan version, as 64 hex digits. */
static int
cache_key(const struct loader *L, char hex[65])
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	hs_platform_info_t plat;
	uint8_t d[32];
	uint32_t v;
	int rc = -EIO;

	memset(&plat, 0, sizeof(plat));
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1 ||
	    hs_populate_platform(&plat) != HS_SUCCESS)
		goto out;
	v = (uint32_t)L->prm->layout;
	if (digest_update(md, CACHE_MAGIC, 8) || digest_update(md, &v, sizeof(v)) ||
	    digest_update(md, &plat, sizeof(plat)) ||
	    digest_update(md, hs_version(), strlen(hs_version()) + 1))
		goto out;
	for (unsigned int i = 0; i < L->n; i++) {
		const struct pending *p = &L->p[i];
		uint32_t hdr[3] = {p->rp.nx, p->rp.r.flow, p->rp.r.som};

		if (digest_update(md, hdr, sizeof(hdr)))
			goto out;
		for (unsigned int k = 0; k < p->rp.nx; k++)
			if (digest_update(md, p->rp.x[k].re, strlen(p->rp.x[k].re) + 1) ||
			    digest_update(md, &p->rp.x[k].flags, sizeof(p->rp.x[k].flags)))
				goto out;
	}
	if (EVP_DigestFinal_ex(md, d, NULL) != 1)
		goto out;
	for (int i = 0; i < 32; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	rc = 0;
out:
	EVP_MD_CTX_free(md);
	return rc;
}

static void
cache_path(const char *dir, const char *key, char *path, size_t cap)
{
	snprintf(path, cap, "%s/%s.hsdb", dir, key);
}

/* A bounds-checked reader over the cache file's bytes. */
struct rd {
	const uint8_t *p;
	size_t left;
	bool bad;
};

static const void *
rd_take(struct rd *r, size_t n)
{
	const void *p = r->p;

	if (r->bad || n > r->left) {
		r->bad = true;
		return NULL;
	}
	r->p += n;
	r->left -= n;
	return p;
}

static uint64_t
rd_u64(struct rd *r)
{
	const void *p = rd_take(r, 8);
	uint64_t v = 0;

	if (p != NULL)
		memcpy(&v, p, 8);
	return v;
}

/*
 * Cache file: magic, SHA-256 of the rest, then the compile rejects (count;
 * per reject: index into the pre-compile list, message), then per
 * database (one or two): length and hs_serialize_database() bytes.
 */
static int
cache_read(struct loader *L, const char *path, struct built *bd)
{
	size_t len = 0;
	uint8_t *buf = (uint8_t *)read_file(path, &len);
	struct rd r = {buf, len, false};
	uint8_t d[32];
	const uint8_t *sum;
	uint64_t n_rej;
	int ndb = L->prm->layout == SM_RULES_LAYOUT_COMBINED ? 1 : SM_DIR_MAX;
	int rc = -EBADMSG;

	memset(bd, 0, sizeof(*bd));
	if (buf == NULL)
		return -ENOENT;
	if (len < 40 || memcmp(buf, CACHE_MAGIC, 8) != 0)
		goto out;
	rd_take(&r, 8);
	sum = rd_take(&r, 32);
	if (EVP_Digest(r.p, r.left, d, NULL, EVP_sha256(), NULL) != 1 || memcmp(d, sum, 32) != 0)
		goto out;
	n_rej = rd_u64(&r);
	if (n_rej > L->n)
		goto out;
	for (uint64_t k = 0; k < n_rej && !r.bad; k++) {
		uint64_t idx = rd_u64(&r), mlen = rd_u64(&r);
		const char *m = rd_take(&r, mlen);
		char why[ERR_LEN + 16];

		if (r.bad || idx >= L->n || mlen >= ERR_LEN)
			goto out;
		snprintf(why, sizeof(why), "hyperscan: %.*s", (int)mlen, m);
		reject(L, L->p[idx].file, L->p[idx].rp.r.line, why);
		drop_pending(L, (unsigned int)idx);
	}
	for (int dir = 0; dir < ndb; dir++) {
		uint64_t n = rd_u64(&r);
		const char *p = rd_take(&r, n);

		if (r.bad)
			goto out;
		if (n > 0 && hs_deserialize_database(p, n, &bd->db[dir]) != HS_SUCCESS)
			goto out;
	}
	if (ndb == 1)
		bd->db[1] = bd->db[0];
	rc = r.left == 0 ? 0 : -EBADMSG;
out:
	if (rc != 0)
		built_free(bd);
	free(buf);
	return rc;
}

/* Write @p n bytes to the cache file and to its checksum. */
static bool
cache_put(FILE *f, EVP_MD_CTX *md, const void *p, size_t n)
{
	return n == 0 || (fwrite(p, 1, n, f) == n && EVP_DigestUpdate(md, p, n) == 1);
}

static bool
cache_put_u64(FILE *f, EVP_MD_CTX *md, uint64_t v)
{
	return cache_put(f, md, &v, sizeof(v));
}

static bool
cache_put_db(FILE *f, EVP_MD_CTX *md, const hs_database_t *db)
{
	char *bytes = NULL;
	size_t n = 0;
	bool ok;

	if (db != NULL && hs_serialize_database(db, &bytes, &n) != HS_SUCCESS)
		return false;
	ok = cache_put_u64(f, md, n) && cache_put(f, md, bytes, n);
	free(bytes);
	return ok;
}

static int
cache_write(const char *dir, const char *path, const struct built *bd, int ndb,
	    const unsigned int *dropped, char **why, unsigned int n_dropped)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	uint8_t d[32] = {0};
	char tmp[4096];
	FILE *f;
	bool ok;

	mkdir(dir, 0755);
	/* Written aside then renamed: a reader never sees half a file. */
	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	f = fopen(tmp, "wb");
	ok = f != NULL && md != NULL && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1 &&
	     fwrite(CACHE_MAGIC, 1, 8, f) == 8 && fwrite(d, 1, sizeof(d), f) == sizeof(d) &&
	     cache_put_u64(f, md, n_dropped);
	for (unsigned int k = 0; ok && k < n_dropped; k++)
		ok = cache_put_u64(f, md, dropped[k]) && cache_put_u64(f, md, strlen(why[k])) &&
		     cache_put(f, md, why[k], strlen(why[k]));
	for (int i = 0; ok && i < ndb; i++)
		ok = cache_put_db(f, md, bd->db[i]);
	/* the checksum of what follows it goes after the magic */
	ok = ok && EVP_DigestFinal_ex(md, d, NULL) == 1 && fseek(f, 8, SEEK_SET) == 0 &&
	     fwrite(d, 1, sizeof(d), f) == sizeof(d);
	EVP_MD_CTX_free(md);
	if (f != NULL && fclose(f) != 0)
		ok = false;
	if (ok && rename(tmp, path) == 0)
		return 0;
	if (f != NULL)
		unlink(tmp);
	return -EIO;
}

/* ---- ruleset ----------------------------------------------------------------- */

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct sm_ruleset *
ruleset_build(struct loader *L, struct built *bd)
{
	struct sm_ruleset *rs = aligned_alloc(64, sizeof(*rs));
	unsigned int workers = L->prm->workers ? L->prm->workers : 1;
	struct timespec ts;

	if (rs == NULL)
		return NULL;
	memset(rs, 0, sizeof(*rs));
	rs->n_rules = L->n;
	rs->workers = workers;
	/* Rows start on cache lines: workers never share one. */
	rs->hits_stride = (L->n + 7) & ~(size_t)7;
	rs->rules = calloc(L->n, sizeof(*rs->rules));
	rs->hits = aligned_alloc(64, workers * rs->hits_stride * sizeof(uint64_t) + 64);
	rs->by_sid = sid_order(L);
	if (rs->rules == NULL || rs->hits == NULL || rs->by_sid == NULL) {
		free(rs->rules);
		free(rs->hits);
		free(rs->by_sid);
		free(rs);
		return NULL;
	}
	memset(rs->hits, 0, workers * rs->hits_stride * sizeof(uint64_t));
	for (unsigned int i = 0; i < L->n; i++) {
		rs->rules[i] = L->p[i].rp.r;
		rs->rules[i].file = L->files[L->p[i].file];
		memset(&L->p[i].rp.r, 0, sizeof(L->p[i].rp.r)); /* msg, classtype moved */
	}
	rs->files = L->files;
	rs->n_files = L->n_files;
	L->files = NULL;
	L->n_files = 0;
	for (int d = 0; d < SM_DIR_MAX; d++) {
		rs->db[d] = bd->db[d];
		if (rs->db[d] != NULL)
			hs_stream_size(rs->db[d], &rs->stream_bytes[d]);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	rs->generation = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	return rs;
}

static void
loader_fini(struct loader *L)
{
	for (unsigned int i = 0; i < L->n; i++)
		sm_rule_parse_fini(&L->p[i].rp);
	free(L->p);
	for (unsigned int i = 0; i < L->n_files; i++)
		free(L->files[i]);
	free(L->files);
}

static void
report_sizes(struct sm_rules_report *rep, const struct built *bd)
{
	for (int d = 0; d < SM_DIR_MAX; d++) {
		size_t n = 0;

		if (bd->db[d] == NULL)
			continue;
		hs_stream_size(bd->db[d], &rep->stream_bytes[d]);
		if (d == 0 || bd->db[d] != bd->db[0]) {
			hs_database_size(bd->db[d], &n);
			rep->db_bytes += n;
		}
	}
}

/* Cache lookup, else compile (and store). */
static int
databases_get(struct loader *L, struct built *bd)
{
	const char *dir = L->prm->cache_dir;
	int ndb = L->prm->layout == SM_RULES_LAYOUT_COMBINED ? 1 : SM_DIR_MAX;
	unsigned int *dropped = NULL, n_dropped = 0;
	char **why = NULL, key[65], path[4096] = "";
	int rc;

	if (dir != NULL && cache_key(L, key) == 0) {
		cache_path(dir, key, path, sizeof(path));
		if (cache_read(L, path, bd) == 0) {
			L->rep->cache_hit = true;
			return 0;
		}
	} else {
		dir = NULL;
	}
	rc = compile_all(L, bd, &dropped, &n_dropped, &why);
	if (rc == 0 && dir != NULL)
		L->rep->cache_stored = cache_write(dir, path, bd, ndb, dropped, why, n_dropped) == 0;
	for (unsigned int k = 0; k < n_dropped; k++)
		free(why[k]);
	free(why);
	free(dropped);
	return rc;
}

struct sm_ruleset *
sm_rules_load(const struct sm_rules_params *prm, struct sm_rules_report *rep)
{
	struct loader L = {.prm = prm, .rep = rep};
	struct built bd = {0};
	struct sm_ruleset *rs = NULL;
	double t0;
	int rc = 0;

	memset(rep, 0, sizeof(*rep));
	if (prm == NULL || (prm->src == NULL && prm->n_src > 0) ||
	    prm->layout >= SM_RULES_LAYOUT_MAX || prm->workers > SM_MAX_WORKERS) {
		errno = EINVAL;
		return NULL;
	}
	for (unsigned int i = 0; i < prm->n_src; i++) {
		if (prm->src[i].name == NULL) {
			errno = EINVAL;
			return NULL;
		}
	}
	for (unsigned int i = 0; i < prm->n_src && rc == 0; i++)
		rc = load_source(&L, &prm->src[i]);
	if (rc == 0)
		rc = drop_duplicates(&L);
	if (rc == 0)
		validate(&L);
	t0 = now_ms();
	if (rc == 0 && (L.io_error || (prm->strict && rep->rejected > 0)))
		rc = L.io_error ? -EIO : -EINVAL;
	if (rc == 0 && L.n == 0)
		rc = -ENOENT;
	if (rc == 0)
		rc = databases_get(&L, &bd);
	if (rc == 0 && prm->strict && rep->rejected > 0)
		rc = -EINVAL;
	rep->compile_ms = now_ms() - t0;
	rep->loaded = L.n;
	if (rc == 0 && L.n == 0)
		rc = -ENOENT;
	if (rc == 0) {
		report_sizes(rep, &bd);
		rs = ruleset_build(&L, &bd);
		rc = rs == NULL ? -ENOMEM : 0;
	}
	if (rs == NULL)
		built_free(&bd);
	loader_fini(&L);
	if (rs == NULL) {
		errno = -rc;
		return NULL;
	}
	/* The ruleset keeps a copy of the report for `stat`; the caller's
	 * messages stay the caller's. */
	rs->report = *rep;
	rs->report.msgs = calloc(rep->n_msgs + 1, sizeof(char *));
	rs->report.n_msgs = 0;
	for (unsigned int i = 0; rs->report.msgs != NULL && i < rep->n_msgs; i++) {
		rs->report.msgs[i] = strdup(rep->msgs[i]);
		if (rs->report.msgs[i] != NULL)
			rs->report.n_msgs++;
	}
	return rs;
}

void
sm_rules_report_fini(struct sm_rules_report *rep)
{
	if (rep == NULL)
		return;
	for (unsigned int i = 0; i < rep->n_msgs; i++)
		free(rep->msgs[i]);
	free(rep->msgs);
	rep->msgs = NULL;
	rep->n_msgs = 0;
}

void
sm_ruleset_free(struct sm_ruleset *rs)
{
	if (rs == NULL)
		return;
	if (rs->db[1] != rs->db[0])
		hs_free_database(rs->db[1]);
	hs_free_database(rs->db[0]);
	for (unsigned int i = 0; i < rs->n_rules; i++) {
		free(rs->rules[i].msg);
		free(rs->rules[i].classtype);
	}
	for (unsigned int i = 0; i < rs->n_files; i++)
		free(rs->files[i]);
	free(rs->files);
	free(rs->rules);
	free(rs->hits);
	free(rs->by_sid);
	sm_rules_report_fini(&rs->report);
	free(rs);
}

unsigned int
sm_ruleset_streams_open(const struct sm_ruleset *rs)
{
	unsigned int n = 0;

	for (unsigned int w = 0; w < rs->workers; w++)
		n += __atomic_load_n(&rs->open[w].n, __ATOMIC_ACQUIRE);
	return n;
}

uint64_t
sm_ruleset_hits(const struct sm_ruleset *rs, unsigned int idx)
{
	uint64_t n = 0;

	for (unsigned int w = 0; w < rs->workers && idx < rs->n_rules; w++)
		n += __atomic_load_n(&rs->hits[w * rs->hits_stride + idx], __ATOMIC_RELAXED);
	return n;
}

const struct sm_rule *
sm_rules_find_sid(const struct sm_ruleset *rs, uint32_t sid)
{
	unsigned int lo = 0, hi = rs->n_rules;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rs->rules[rs->by_sid[mid]].sid < sid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < rs->n_rules && rs->rules[rs->by_sid[lo]].sid == sid ?
		       &rs->rules[rs->by_sid[lo]] : NULL;
}

/* ---- CLI text ------------------------------------------------------------------ */

static const char *const flow_names[SM_RULE_FLOW_MAX] = {
	[SM_RULE_FLOW_ANY] = "all",
	[SM_RULE_FLOW_TO_SERVER] = "server",
	[SM_RULE_FLOW_TO_CLIENT] = "client",
};
static_assert(SM_ARRAY_SIZE(flow_names) == SM_RULE_FLOW_MAX, "flow names");

static const char *const layout_names[SM_RULES_LAYOUT_MAX] = {
	[SM_RULES_LAYOUT_SPLIT] = "split (one per direction)",
	[SM_RULES_LAYOUT_COMBINED] = "combined",
};
static_assert(SM_ARRAY_SIZE(layout_names) == SM_RULES_LAYOUT_MAX, "layout names");

static void
ports_write(const struct sm_rule_ports *ps, FILE *out)
{
	if (ps->n == 0) {
		fputs("any", out);
		return;
	}
	for (unsigned int i = 0; i < ps->n; i++) {
		fprintf(out, "%s%s%u", i ? "," : "", ps->neg[i] ? "!" : "", ps->lo[i]);
		if (ps->hi[i] != ps->lo[i])
			fprintf(out, ":%u", ps->hi[i]);
	}
}

int
sm_rules_write_list(const struct sm_ruleset *rs, FILE *out)
{
	for (unsigned int i = 0; i < rs->n_rules; i++) {
		const struct sm_rule *r = &rs->rules[rs->by_sid[i]];

		fprintf(out, "rule-name: \"%s\"\n", r->msg);
		fprintf(out, "rule-id: %" PRIu32 "\nrev: %" PRIu32 "\n", r->sid, r->rev);
		fprintf(out, "action: monitor\nstatus: enable\n");
		fprintf(out, "classtype: %s\npriority: %" PRIu32 "\n",
			r->classtype[0] ? r->classtype : "none", r->priority);
		fprintf(out, "service: %s\nlocation: %s\n", sm_rule_parse_proto_name(r->proto),
			flow_names[r->flow]);
		fputs("ports: ", out);
		ports_write(&r->src, out);
		fputs(r->bidir ? " <> " : " -> ", out);
		ports_write(&r->dst, out);
		fprintf(out, "\nsource: %s:%" PRIu32 "\nhit-count: %" PRIu64 "\n\n", r->file, r->line,
			sm_ruleset_hits(rs, rs->by_sid[i]));
	}
	return ferror(out) ? -EIO : 0;
}

static int
cmp_hits(const void *a, const void *b, void *ctx)
{
	const struct sm_ruleset *rs = ctx;
	uint32_t i = *(const uint32_t *)a, j = *(const uint32_t *)b;
	uint64_t x = sm_ruleset_hits(rs, i), y = sm_ruleset_hits(rs, j);

	if (x != y)
		return x > y ? -1 : 1;
	return (rs->rules[i].sid > rs->rules[j].sid) - (rs->rules[i].sid < rs->rules[j].sid);
}

int
sm_rules_write_stat(const struct sm_ruleset *rs, unsigned int top, FILE *out)
{
	const struct sm_rules_report *rep = &rs->report;
	uint32_t *idx = malloc((rs->n_rules ? rs->n_rules : 1) * sizeof(*idx));

	fprintf(out, "IPS signature engine: hyperscan %s\n", hs_version());
	fprintf(out, "generation: %" PRIu64 "\n", rs->generation);
	fprintf(out, "rules loaded: %u\nrules rejected: %u\n", rep->loaded, rep->rejected);
	fprintf(out, "database layout: %s\ndatabase size: %zu bytes\n",
		layout_names[rs->db[0] == rs->db[1] && rs->db[0] != NULL], rep->db_bytes);
	fprintf(out, "stream state: client->server %zu bytes, server->client %zu bytes\n",
		rs->stream_bytes[SM_DIR_ORIG], rs->stream_bytes[SM_DIR_REPLY]);
	fprintf(out, "compile time: %.1f ms (%s)\n", rep->compile_ms,
		rep->cache_hit ? "cache hit" : rep->cache_stored ? "compiled, cached" : "compiled");
	fprintf(out, "streams open: %u\n", sm_ruleset_streams_open(rs));
	fprintf(out, "rejected rules:\n");
	for (unsigned int i = 0; i < rep->n_msgs; i++)
		fprintf(out, "  %s\n", rep->msgs[i]);
	if (idx == NULL)
		return -ENOMEM;
	for (unsigned int i = 0; i < rs->n_rules; i++)
		idx[i] = i;
	qsort_r(idx, rs->n_rules, sizeof(*idx), cmp_hits, (void *)rs);
	fprintf(out, "top hits:\n");
	for (unsigned int i = 0; i < top && i < rs->n_rules; i++) {
		const struct sm_rule *r = &rs->rules[idx[i]];
		uint64_t h = sm_ruleset_hits(rs, idx[i]);

		if (h == 0)
			break;
		fprintf(out, "  %10" PRIu32 " %12" PRIu64 "  %s\n", r->sid, h, r->msg);
	}
	free(idx);
	return ferror(out) ? -EIO : 0;
}
