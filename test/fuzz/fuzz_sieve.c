/*
 * fuzz_sieve.c -- the Sieve parser (ms_sieve_parse) under hostile input.
 *
 * Byte 0 picks tight limits (nesting 1..8, string 1..64 bytes, list
 * 1..4 strings) for a second parse; the rest is the script.  Checked:
 * a parse returns 0 or -1; an error has a message and a position; a
 * tree holds only what the grammar allows (lower-case identifiers and
 * tags, NUL-ended strings with CRLF line ends only, lists of >= 1
 * string, nesting within the limit, positions inside the text); a script
 * that parses under tight limits parses the same way under the defaults;
 * and a script without CR parses exactly as its CRLF twin does.  Any
 * violation aborts so the fuzzer keeps the input.
 *
 * Only the parser for now; the engine may extend this to compile too.
 */
#include "ms_sys.h"
#include "ms_sieve.h"
#include "ms_pool.h"
#include "ms_mem.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

struct walk {
	uint64_t h;             /* FNV-1a over the whole tree */
	unsigned max_level, nlines;
};

static void
mix(struct walk *w, const void *p, size_t n)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++) {
		w->h ^= b[i];
		w->h *= 1099511628211ull;
	}
}

static void
mix_pos(struct walk *w, unsigned line, unsigned col)
{
	CHECK(line >= 1 && line <= w->nlines && col >= 1);
	mix(w, &line, sizeof(line));
	mix(w, &col, sizeof(col));
}

static void
check_id(const char *id)
{
	size_t i;

	CHECK(id != NULL && id[0] != '\0');
	CHECK(!(id[0] >= '0' && id[0] <= '9'));
	for (i = 0; id[i] != '\0'; i++)
		CHECK((id[i] >= 'a' && id[i] <= 'z') ||
		      (id[i] >= '0' && id[i] <= '9') || id[i] == '_');
}

static void
check_str(struct walk *w, const struct ms_sv_str *s)
{
	size_t i;

	CHECK(s->s != NULL && s->s[s->len] == '\0');
	CHECK(memchr(s->s, '\0', s->len) == NULL);
	for (i = 0; i < s->len; i++)
		if (s->s[i] == '\n')
			CHECK(i > 0 && s->s[i - 1] == '\r');
	mix_pos(w, s->line, s->col);
	mix(w, &s->len, sizeof(s->len));
	mix(w, s->s, s->len);
}

static void
walk_node(struct walk *w, const struct ms_sv_node *n, int is_cmd,
	  unsigned level)
{
	size_t i, j;
	const struct ms_sv_arg *a;

	if (level > w->max_level)
		w->max_level = level;
	check_id(n->id);
	mix(w, n->id, strlen(n->id) + 1);
	mix_pos(w, n->line, n->col);
	CHECK((n->nargs == 0) == (n->args == NULL));
	for (i = 0; i < n->nargs; i++) {
		a = &n->args[i];
		mix(w, &a->kind, sizeof(a->kind));
		mix_pos(w, a->line, a->col);
		switch (a->kind) {
		case MS_SV_ARG_TAG:
			check_id(a->tag);
			mix(w, a->tag, strlen(a->tag) + 1);
			break;
		case MS_SV_ARG_NUM:
			mix(w, &a->num, sizeof(a->num));
			break;
		case MS_SV_ARG_STR:
			CHECK(a->nstr == 1);
			check_str(w, &a->strs[0]);
			break;
		case MS_SV_ARG_LIST:
			CHECK(a->nstr >= 1);
			for (j = 0; j < a->nstr; j++)
				check_str(w, &a->strs[j]);
			break;
		default:
			abort();
		}
	}
	CHECK((n->ntests == 0) == (n->tests == NULL));
	CHECK(n->is_list || n->ntests <= 1);
	CHECK(!n->is_list || n->ntests >= 1);
	mix(w, &n->is_list, sizeof(n->is_list));
	for (i = 0; i < n->ntests; i++)
		walk_node(w, &n->tests[i], 0, level + 1);
	CHECK((n->nblock == 0) == (n->block == NULL));
	CHECK(n->has_block || n->nblock == 0);
	CHECK(is_cmd || !n->has_block);
	mix(w, &n->has_block, sizeof(n->has_block));
	for (i = 0; i < n->nblock; i++)
		walk_node(w, &n->block[i], 1, level + 1);
}

/* Parse; on success the tree's hash, else the error.  -1 or 0. */
static int
parse(struct ms_pool *pool, const char *text, size_t len,
      const struct ms_sieve_limits *lim, struct walk *w,
      struct ms_sieve_error *err)
{
	struct ms_sv_node *cmds;
	size_t n, i;
	int r;

	memset(w, 0, sizeof(*w));
	w->h = 14695981039346656037ull;
	w->nlines = 1;
	for (i = 0; i < len; i++)
		if (text[i] == '\n')
			w->nlines++;
	r = ms_sieve_parse(text, len, lim, pool, &cmds, &n, err);
	CHECK(r == 0 || r == -1);
	if (r < 0) {
		CHECK(cmds == NULL && n == 0);
		CHECK(err->msg[0] != '\0');
		CHECK(memchr(err->msg, '\0', sizeof(err->msg)) != NULL);
		CHECK(err->line <= w->nlines);
		CHECK((err->line == 0) == (err->col == 0));
		return -1;
	}
	CHECK((n == 0) == (cmds == NULL));
	for (i = 0; i < n; i++)
		walk_node(w, &cmds[i], 1, 0);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ms_pool *pool;
	struct ms_sieve_limits tight;
	struct ms_sieve_error e1, e2;
	struct walk w1, w2;
	const char *text;
	char *twin;
	size_t len, i, k;
	int r1, r2;

	if (size < 1)
		return 0;
	if (pool == NULL)
		pool = ms_pool_create("fuzz_sieve", 0);
	text = (const char *)data + 1;
	len = size - 1;

	r1 = parse(pool, text, len, NULL, &w1, &e1);
	if (r1 == 0)
		CHECK(w1.max_level <= MS_SIEVE_MAX_NESTING);

	memset(&tight, 0, sizeof(tight));
	tight.max_nesting = (unsigned)(data[0] & 7) + 1;
	tight.max_string = (size_t)((data[0] >> 3) & 7) * 8 + 1;
	tight.max_list = (unsigned)(data[0] >> 6) + 1;
	r2 = parse(pool, text, len, &tight, &w2, &e2);
	if (r2 == 0) {
		CHECK(r1 == 0 && w1.h == w2.h);
		CHECK(w2.max_level <= tight.max_nesting);
	}

	/* the CRLF twin of a script without CR */
	if (memchr(text, '\r', len) == NULL && len < 65536) {
		twin = ms_xmalloc(2 * len + 1);
		for (i = 0, k = 0; i < len; i++) {
			if (text[i] == '\n')
				twin[k++] = '\r';
			twin[k++] = text[i];
		}
		r2 = parse(pool, twin, k, NULL, &w2, &e2);
		CHECK(r1 == r2);
		if (r1 == 0)
			CHECK(w1.h == w2.h);
		else
			CHECK(e1.line == e2.line);
		ms_xfree(twin);
	}
	ms_pool_clear(pool);
	return 0;
}
