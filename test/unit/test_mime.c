/*
 * test_mime.c -- the MIME parser and the IMAP writers.
 *
 * Golden tests: every test/data/mime/NAME.eml is parsed and its
 * ENVELOPE, BODY and BODYSTRUCTURE compared with NAME.dov, Dovecot
 * 2.3.19's answer recorded by test/data/mime/dovecot_golden.py (compared
 * by meaning: a quoted string equals a literal with the same bytes).
 * Where we differ on purpose, the table below says why, and our exact
 * output is NAME.out.  Then: any chunking gives the same tree; limits
 * (parts, depth, boundary, header sizes); a 1 MB header line; a 20 MB
 * attachment parsed in bounded memory; RFC 2231 decoding; the string
 * quoting rules; hostile input (random bytes) always gives valid IMAP.
 * Tests run from the repository root.
 */
#include "ms_sys.h"
#include "ms_mime.h"
#include "ms_imapfmt.h"
#include "ms_addr.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_plat.h"
#include "ms_cu.h"
#include "ms_imapchk.h"

#include <stdio.h>
#include <stdlib.h>

#define DATA_DIR "test/data/mime"

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_mime", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* ---- helpers ------------------------------------------------------------ */

/* "ENVELOPE x\nBODY y\nBODYSTRUCTURE z\n", as the .dov files hold. */
static void
write_all(struct ms_buf *b, const struct ms_mime_part *root, unsigned flags)
{
	CU_ASSERT(ms_buf_append_str(b, "ENVELOPE ") == 0);
	CU_ASSERT(ms_imapfmt_envelope(b, root, flags) == 0);
	CU_ASSERT(ms_buf_append_str(b, "\nBODY ") == 0);
	CU_ASSERT(ms_imapfmt_body(b, root, flags) == 0);
	CU_ASSERT(ms_buf_append_str(b, "\nBODYSTRUCTURE ") == 0);
	CU_ASSERT(ms_imapfmt_bodystructure(b, root, flags) == 0);
	CU_ASSERT(ms_buf_append_str(b, "\n") == 0);
}

/*
 * Check the three items of text[0..len) (syntax and grammar) and write
 * their canonical form to o.  Returns 0, or -1 with *err_r set.
 */
static int
check_items(const unsigned char *text, size_t len, unsigned flags,
	    struct ms_ick_out *o, const char **err_r)
{
	static const char *const names[] = {
		"ENVELOPE ", "BODY ", "BODYSTRUCTURE "
	};
	struct ms_ick c;
	size_t pos = 0, used, root, nparts;
	unsigned i;

	for (i = 0; i < 3; i++) {
		size_t nl = strlen(names[i]);

		if (len - pos < nl || memcmp(text + pos, names[i], nl) != 0) {
			*err_r = "item name expected";
			return -1;
		}
		pos += nl;
		root = ms_ick_parse(&c, text + pos, len - pos,
				    (flags & MS_IMAPFMT_UTF8) != 0, &used);
		if (root == ICK_NONE) {
			*err_r = c.err;
			ms_ick_free(&c);
			return -1;
		}
		nparts = 0;
		if ((i == 0 && !ms_ick_envelope(&c, root)) ||
		    (i > 0 && !ms_ick_body(&c, root, i == 2,
					   (flags & MS_IMAPFMT_GLOBAL) != 0,
					   0, &nparts))) {
			*err_r = i == 0 ? "ENVELOPE grammar" : "BODY grammar";
			ms_ick_free(&c);
			return -1;
		}
		ms_ick_put(o, names[i], nl);
		ms_ick_canon(&c, root, o);
		ms_ick_put(o, "\n", 1);
		ms_ick_free(&c);
		pos += used;
		if (pos >= len || text[pos] != '\n') {
			*err_r = "newline expected after item";
			return -1;
		}
		pos++;
	}
	if (pos != len) {
		*err_r = "junk after the items";
		return -1;
	}
	return 0;
}

/* Parse data with lim, feeding chunks of `chunk` bytes (0 = at once). */
static struct ms_mime_part *
parse_chunked(const void *data, size_t len, size_t chunk,
	      const struct ms_mime_limits *lim)
{
	struct ms_mime_parser *p = ms_mime_parser_create(pool, lim);
	const unsigned char *d = data;
	size_t pos = 0, n;

	if (chunk == 0)
		chunk = len;
	while (pos < len) {
		n = len - pos < chunk ? len - pos : chunk;
		CU_ASSERT(ms_mime_parser_feed(p, d + pos, n) == 0);
		pos += n;
	}
	return ms_mime_parser_finish(p);
}

/* A dump of the tree's numbers and flags, for exact comparisons. */
static void
dump_tree(struct ms_buf *b, const struct ms_mime_part *part)
{
	const struct ms_mime_part *c;

	(void)ms_buf_printf(b, "[%u %x %llu %llu %llu %llu %llu %u ",
			    part->depth, part->flags & 0xffffu,
			    (unsigned long long)part->hdr_off,
			    (unsigned long long)part->body_off,
			    (unsigned long long)part->end_off,
			    (unsigned long long)part->hdr_lines,
			    (unsigned long long)part->body_lines,
			    part->nchildren);
	for (c = part->children; c != NULL; c = c->next)
		dump_tree(b, c);
	(void)ms_buf_append_str(b, "]");
}

/* Everything about a parse, as one string: tree, then IMAP output. */
static void
full_result(struct ms_buf *b, const struct ms_mime_part *root)
{
	dump_tree(b, root);
	(void)ms_buf_append_c(b, '\n');
	write_all(b, root, 0);
}

static int
size_cmp_fn(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? -1 : x > y;
}

static char *
read_file(const char *path, size_t *len_r)
{
	char *data;
	struct ms_perr err;

	if (ms_plat_read_path(path, 1 << 24, &data, len_r, &err) < 0)
		return NULL;
	return data;
}

/* The corpus: every NAME.eml in DATA_DIR, sorted. */
struct corpus {
	char names[128][64];
	unsigned n;
};

static int
corpus_add(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct corpus *c = ctx;
	size_t len = strlen(name);

	if (kind != MS_PENT_FILE || len < 5 || len >= sizeof(c->names[0]) ||
	    strcmp(name + len - 4, ".eml") != 0 || c->n == 128)
		return 0;
	memcpy(c->names[c->n], name, len - 4);
	c->names[c->n][len - 4] = '\0';
	c->n++;
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void
corpus_load(struct corpus *c)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;

	c->n = 0;
	CU_ASSERT_FATAL(ms_pfs_open(NULL, DATA_DIR, 0, &fs, NULL) == 0);
	CU_ASSERT_FATAL(ms_pdir_open(fs, "", 0, &dir, NULL) == 0);
	(void)ms_pdir_list(dir, corpus_add, c, NULL);
	ms_pdir_close(dir);
	ms_pfs_close(fs);
	qsort(c->names, c->n, sizeof(c->names[0]), name_cmp);
}

static char *
load(const char *name, const char *ext, size_t *len_r)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s.%s", DATA_DIR, name, ext);
	return read_file(path, len_r);
}

/* ---- golden comparison with Dovecot ------------------------------------ */

/*
 * Where our answer differs from Dovecot's on purpose.  normalize: Dovecot
 * changed the message when it stored it (bare CR / LF became CRLF); we
 * parse the message normalised the same way and must then agree, and
 * must disagree on the raw bytes.  Otherwise our exact answer is
 * NAME.out and must differ from NAME.dov.
 */
static const struct deviation {
	const char *name;
	int normalize;
	const char *why;
} deviations[] = {
	{ "bare_cr", 1,
	  "Dovecot's APPEND turned each bare CR into CRLF; we store the "
	  "bytes as they came and a bare CR is data, not a line end" },
	{ "bare_lf", 1,
	  "Dovecot stores LF-only lines and counts each LF as CRLF; we "
	  "count the stored bytes, which are what FETCH BODY[] returns" },
	{ "empty_multipart", 0,
	  "boundary never appears: Dovecot writes a made-up 0-byte "
	  "text/plain part, hiding the body; our made-up part is the body" },
	{ "multipart_no_boundary", 0,
	  "no boundary parameter: as empty_multipart" },
	{ "encoded_rfc822", 0,
	  "the embedded header is cut by the boundary: Dovecot counts the "
	  "CRLF before the boundary into the message/rfc822 part (62 "
	  "bytes, 1 line); RFC 2046 5.1.1 gives it to the boundary (60, "
	  "0), as Dovecot itself does when a multipart child is cut" },
	{ "garbled_ctype", 0,
	  "unusable Content-Type: Dovecot writes \"\" \"\" or \"text\" "
	  "\"\", RFC 2045 5.2 says text/plain; charset=us-ascii; junk "
	  "after the subtype or between parameters: Dovecot drops every "
	  "parameter, we skip the junk; Dovecot keeps a nameless "
	  "parameter and drops an unterminated quoted value" },
	{ "empty_ctype", 0,
	  "an empty Content-Type: Dovecot writes \"\" \"\" without a "
	  "line count; RFC 2045 5.2 says text/plain; charset=us-ascii" },
	{ "junk_addresses", 0,
	  "Dovecot stops at the first address it cannot parse and drops "
	  "the rest of the list (and writes SYNTAX_ERROR for a missing "
	  "'>'); we repair each element and go on" },
	{ "rfc2047_words", 0,
	  "'name addr@host' without angle brackets: Dovecot makes it all a "
	  "name with MISSING_MAILBOX; we take the last word as the address" },
	{ "long_boundary", 0,
	  "Dovecot cuts boundaries to 80 bytes, so the 90-byte closing "
	  "delimiter reads as a new empty part; our limit is 200" },
	{ "obsolete_folding", 0,
	  "Message-ID folded after the colon: Dovecot keeps the folding "
	  "blank (\" <id>\"), which is FWS, not part of the msg-id" },
	{ "rfc2231_params", 0,
	  "joining RFC 2231 sections, Dovecot copies plain sections into "
	  "the encoded value unescaped (\"isn't it!\"); we %-escape them "
	  "(isn%27t%20it!) so the value stays valid RFC 2231" },
};

static const struct deviation *
deviation_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(deviations) / sizeof(deviations[0]); i++)
		if (strcmp(deviations[i].name, name) == 0)
			return &deviations[i];
	return NULL;
}

/* Bare CR and bare LF become CRLF (what Dovecot's APPEND did). */
static unsigned char *
normalize_crlf(const char *in, size_t len, size_t *len_r)
{
	unsigned char *out = malloc(len * 2 + 1);
	size_t i, o = 0;

	CU_ASSERT_FATAL(out != NULL);
	for (i = 0; i < len; i++) {
		if (in[i] == '\r' && i + 1 < len && in[i + 1] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
			i++;
		} else if (in[i] == '\r' || in[i] == '\n') {
			out[o++] = '\r';
			out[o++] = '\n';
		} else {
			out[o++] = (unsigned char)in[i];
		}
	}
	*len_r = o;
	return out;
}

static void
golden_one(const char *name)
{
	const struct deviation *dev = deviation_find(name);
	char *eml, *dov, *exp = NULL;
	size_t eml_len, dov_len, exp_len = 0;
	struct ms_buf ours;
	struct ms_ick_out co, cd;
	struct ms_mime_part *root;
	const char *err = NULL;

	eml = load(name, "eml", &eml_len);
	dov = load(name, "dov", &dov_len);
	if (eml == NULL || dov == NULL) {
		ms_cu_fail(__LINE__, __FILE__, "%s: .eml or .dov missing",
			   name);
		free(eml);
		free(dov);
		return;
	}
	memset(&co, 0, sizeof(co));
	memset(&cd, 0, sizeof(cd));
	ms_buf_init(&ours, NULL, 0);
	root = ms_mime_parse(pool, NULL, eml, eml_len);
	write_all(&ours, root, 0);
	if (check_items(ours.data, ours.len, 0, &co, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "%s: our output is not valid "
			   "IMAP (%s): %s", name, err, ms_buf_cstr(&ours));
	if (check_items((unsigned char *)dov, dov_len, 0, &cd, &err) < 0)
		ms_cu_fail(__LINE__, __FILE__, "%s.dov unreadable: %s", name,
			   err);
	if (dev == NULL) {
		if (co.len != cd.len || memcmp(co.d, cd.d, co.len) != 0)
			ms_cu_fail(__LINE__, __FILE__, "%s: differs from "
				   "Dovecot\nours:    %s\nDovecot: %s", name,
				   ms_buf_cstr(&ours), dov);
		else
			CU_PASS("agrees with Dovecot");
	} else if (dev->normalize) {
		unsigned char *norm;
		size_t norm_len;
		struct ms_ick_out cn;

		/* the raw bytes differ from Dovecot (else the entry is
		   stale), the normalised ones agree */
		CU_ASSERT(co.len != cd.len || memcmp(co.d, cd.d, co.len) != 0);
		memset(&cn, 0, sizeof(cn));
		norm = normalize_crlf(eml, eml_len, &norm_len);
		ms_buf_reset(&ours);
		write_all(&ours, ms_mime_parse(pool, NULL, norm, norm_len), 0);
		if (check_items(ours.data, ours.len, 0, &cn, &err) < 0 ||
		    cn.len != cd.len || memcmp(cn.d, cd.d, cn.len) != 0)
			ms_cu_fail(__LINE__, __FILE__, "%s normalised: differs "
				   "from Dovecot\nours:    %s\nDovecot: %s",
				   name, ms_buf_cstr(&ours), dov);
		free(cn.d);
		free(norm);
	} else {
		exp = load(name, "out", &exp_len);
		if (exp == NULL) {
			ms_cu_fail(__LINE__, __FILE__, "%s.out missing", name);
		} else {
			MS_CU_EQ_MEM(ours.data, ours.len, exp, exp_len);
			if (ours.len != exp_len ||
			    memcmp(ours.data, exp, exp_len) != 0)
				fprintf(stderr, "%s: ours:\n%s", name,
					ms_buf_cstr(&ours));
		}
		/* the reason still holds: we do differ */
		if (co.len == cd.len && memcmp(co.d, cd.d, co.len) == 0)
			ms_cu_fail(__LINE__, __FILE__, "%s: now agrees with "
				   "Dovecot; drop the deviation", name);
	}
	free(co.d);
	free(cd.d);
	free(eml);
	free(dov);
	free(exp);
	ms_buf_free(&ours);
	ms_pool_clear(pool);
}

static void
test_mime_golden_dovecot(void)
{
	struct corpus c;
	unsigned i;
	size_t k;

	corpus_load(&c);
	/* the corpus is there and big enough */
	CU_ASSERT(c.n >= 30);
	for (i = 0; i < c.n; i++)
		golden_one(c.names[i]);
	/* every deviation names a corpus file */
	for (k = 0; k < sizeof(deviations) / sizeof(deviations[0]); k++) {
		int found = 0;

		for (i = 0; i < c.n; i++)
			if (strcmp(c.names[i], deviations[k].name) == 0)
				found = 1;
		CU_ASSERT(found);
		CU_ASSERT(strlen(deviations[k].why) > 10);
	}
}

/* ---- chunked feeding ---------------------------------------------------- */

/* The whole result for data fed in pieces ending at the given cuts. */
static void
result_cuts(struct ms_buf *b, const char *data, size_t len,
	    const size_t *cuts, size_t ncuts)
{
	struct ms_mime_parser *p = ms_mime_parser_create(pool, NULL);
	size_t pos = 0, i;

	for (i = 0; i < ncuts; i++) {
		CU_ASSERT(ms_mime_parser_feed(p, data + pos, cuts[i] - pos) == 0);
		pos = cuts[i];
	}
	CU_ASSERT(ms_mime_parser_feed(p, data + pos, len - pos) == 0);
	full_result(b, ms_mime_parser_finish(p));
}

static void
test_mime_chunked_equals_one_shot(void)
{
	struct corpus c;
	struct ms_buf one, other;
	unsigned i, seed = 12345;
	size_t len, cut, k, cuts[8];
	char *data;

	corpus_load(&c);
	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&other, NULL, 0);
	for (i = 0; i < c.n; i++) {
		data = load(c.names[i], "eml", &len);
		CU_ASSERT_FATAL(data != NULL);
		ms_buf_reset(&one);
		result_cuts(&one, data, len, NULL, 0);

		/* one byte at a time */
		ms_buf_reset(&other);
		full_result(&other, parse_chunked(data, len, 1, NULL));
		if (one.len != other.len ||
		    memcmp(one.data, other.data, one.len) != 0)
			ms_cu_fail(__LINE__, __FILE__, "%s: 1-byte feed "
				   "differs:\n%s\n%s", c.names[i],
				   ms_buf_cstr(&one), ms_buf_cstr(&other));

		/* every single split point */
		for (cut = 0; cut <= len; cut++) {
			ms_buf_reset(&other);
			result_cuts(&other, data, len, &cut, 1);
			if (one.len != other.len ||
			    memcmp(one.data, other.data, one.len) != 0) {
				ms_cu_fail(__LINE__, __FILE__, "%s: split at "
					   "%lu differs", c.names[i],
					   (unsigned long)cut);
				break;
			}
		}
		/* random multi-way splits */
		for (k = 0; k < 20; k++) {
			size_t j, n = 1 + k % 8;

			for (j = 0; j < n; j++) {
				seed = seed * 1103515245u + 12345u;
				cuts[j] = len == 0 ? 0 : (seed >> 8) % (len + 1);
			}
			qsort(cuts, n, sizeof(cuts[0]), size_cmp_fn);
			ms_buf_reset(&other);
			result_cuts(&other, data, len, cuts, n);
			if (one.len != other.len ||
			    memcmp(one.data, other.data, one.len) != 0)
				ms_cu_fail(__LINE__, __FILE__, "%s: random "
					   "split %lu differs", c.names[i],
					   (unsigned long)k);
		}
		free(data);
		ms_pool_clear(pool);
	}
	ms_buf_free(&one);
	ms_buf_free(&other);
}

/* ---- the tree ----------------------------------------------------------- */

static struct ms_str
slice(const char *data, uint64_t from, uint64_t to)
{
	return ms_str_make(data + from, (size_t)(to - from));
}

#define EQ_SLICE(s, lit) MS_CU_EQ_MEM((s).p, (s).len, (lit), strlen(lit))

static void
test_mime_offsets_nested(void)
{
	size_t len;
	char *d = load("nested_multipart", "eml", &len);
	struct ms_mime_part *root, *alt, *plain, *html, *pdf;

	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	MS_CU_EQ_UINT(root->hdr_off, 0);
	MS_CU_EQ_UINT(root->end_off, len);
	CU_ASSERT(root->flags & MS_MIME_MULTIPART);
	CU_ASSERT((root->flags & MS_MIME_NO_END) == 0);
	MS_CU_EQ_INT(root->nchildren, 2);
	EQ_SLICE(root->boundary, "outer-b");
	alt = root->children;
	CU_ASSERT_FATAL(alt != NULL && alt->nchildren == 2);
	CU_ASSERT(ms_mime_is_type(alt, "multipart", "alternative"));
	plain = alt->children;
	html = plain->next;
	pdf = alt->next;
	CU_ASSERT_FATAL(html != NULL && pdf != NULL && pdf->next == NULL);
	/* BODY[1.1.MIME] and BODY[1.1] */
	EQ_SLICE(slice(d, plain->hdr_off, plain->body_off),
		 "Content-Type: text/plain; charset=us-ascii\r\n"
		 "Content-Transfer-Encoding: 7bit\r\n\r\n");
	EQ_SLICE(slice(d, plain->body_off, plain->end_off),
		 "plain text\r\nsecond line");
	MS_CU_EQ_UINT(plain->hdr_lines, 3);
	MS_CU_EQ_UINT(plain->body_lines, 1);
	EQ_SLICE(slice(d, html->body_off, html->end_off),
		 "<p>html =C3=A9</p>");
	EQ_SLICE(html->cte, "quoted-printable");
	/* the alternative part ends before the CRLF of "--outer-b" */
	EQ_SLICE(slice(d, alt->end_off, alt->end_off + 11), "\r\n--outer-b");
	CU_ASSERT(ms_mime_is_type(pdf, "application", "pdf"));
	EQ_SLICE(pdf->disposition, "attachment");
	MS_CU_EQ_INT(pdf->ndparams, 1);
	EQ_SLICE(pdf->dparams[0].value, "doc.pdf");
	MS_CU_EQ_UINT(ms_mime_body_size(pdf), 142);
	MS_CU_EQ_UINT(pdf->end_off + 15, len);  /* "\r\n--outer-b--\r\n" */
	free(d);
	ms_pool_clear(pool);
}

static void
test_mime_offsets_rfc822(void)
{
	size_t len;
	char *d = load("rfc822_attachment", "eml", &len);
	struct ms_mime_part *root, *msg, *inner;
	const struct ms_addr *a;

	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	msg = root->children->next;
	CU_ASSERT_FATAL(msg != NULL);
	CU_ASSERT(msg->flags & MS_MIME_MESSAGE);
	CU_ASSERT(msg->env == NULL);
	MS_CU_EQ_INT(msg->nchildren, 1);
	inner = msg->children;
	/* the embedded message is exactly the rfc822 part's body */
	MS_CU_EQ_UINT(inner->hdr_off, msg->body_off);
	MS_CU_EQ_UINT(inner->end_off, msg->end_off);
	MS_CU_EQ_UINT(msg->body_lines, inner->hdr_lines + inner->body_lines);
	MS_CU_EQ_UINT(msg->body_lines, 19);
	MS_CU_EQ_UINT(ms_mime_body_size(msg), 419);
	CU_ASSERT_FATAL(inner->env != NULL);
	EQ_SLICE(inner->env->subject, "original");
	EQ_SLICE(inner->env->in_reply_to, "<parent@example.org>");
	a = inner->env->from;
	CU_ASSERT_FATAL(a != NULL);
	EQ_SLICE(a->name, "Original Sender");
	EQ_SLICE(a->mailbox, "orig");
	EQ_SLICE(a->host, "example.org");
	CU_ASSERT(inner->env->sender == NULL);
	CU_ASSERT(inner->env->reply_to != NULL);
	CU_ASSERT(inner->flags & MS_MIME_MULTIPART);
	MS_CU_EQ_INT(inner->nchildren, 2);
	EQ_SLICE(msg->description, "forwarded message");
	free(d);
	ms_pool_clear(pool);
}

static void
test_mime_defaults(void)
{
	size_t len;
	char *d;
	struct ms_mime_part *root, *c;

	/* multipart/digest: parts without Content-Type are messages */
	d = load("digest", "eml", &len);
	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT(root->flags & MS_MIME_DIGEST);
	c = root->children;
	CU_ASSERT_FATAL(c != NULL && c->next != NULL);
	CU_ASSERT(c->flags & MS_MIME_MESSAGE);
	CU_ASSERT(c->flags & MS_MIME_CT_DEFAULT);
	CU_ASSERT(ms_mime_is_type(c, "message", "rfc822"));
	CU_ASSERT(ms_mime_is_type(c->next, "text", "plain"));
	CU_ASSERT((c->next->flags & MS_MIME_CT_DEFAULT) == 0);
	CU_ASSERT(c->next->next->flags & MS_MIME_MESSAGE);
	free(d);

	/* without MIME-Version or Content-Type, Content-* mean nothing */
	d = load("cte_without_mime", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT((root->flags & MS_MIME_IS_MIME) == 0);
	CU_ASSERT(root->cte.p == NULL);
	CU_ASSERT(root->description.p == NULL);
	CU_ASSERT(root->flags & MS_MIME_CT_DEFAULT);
	CU_ASSERT(root->flags & MS_MIME_TEXT);
	free(d);

	/* Content-Type alone makes the message MIME (as Dovecot) */
	d = load("no_mime_version", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT(root->flags & MS_MIME_IS_MIME);
	CU_ASSERT(root->flags & MS_MIME_MULTIPART);
	free(d);

	/* a header cut by a boundary */
	d = load("header_boundary", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	c = root->children;
	CU_ASSERT_FATAL(c != NULL);
	CU_ASSERT(c->flags & MS_MIME_NO_EOH);
	MS_CU_EQ_UINT(ms_mime_body_size(c), 0);
	EQ_SLICE(c->description, "no empty line follows");
	CU_ASSERT(ms_mime_is_type(c, "text", "html"));
	free(d);

	/* first Content-* wins, last envelope string wins, addresses merge */
	d = load("duplicate_headers", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT(ms_mime_is_type(root, "text", "html"));
	EQ_SLICE(root->cte, "base64");
	EQ_SLICE(root->id, "<id1@x>");
	EQ_SLICE(root->env->subject, "second subject");
	CU_ASSERT_FATAL(root->env->from != NULL);
	CU_ASSERT_FATAL(root->env->from->next != NULL);
	EQ_SLICE(root->env->from->next->mailbox, "second");
	free(d);

	/* no header at all */
	root = ms_mime_parse(pool, NULL, "\r\nbody\r\n", 8);
	MS_CU_EQ_UINT(root->body_off, 2);
	MS_CU_EQ_UINT(root->hdr_lines, 1);
	MS_CU_EQ_UINT(ms_mime_body_size(root), 6);
	/* nothing at all */
	root = ms_mime_parse(pool, NULL, "", 0);
	MS_CU_EQ_UINT(root->end_off, 0);
	CU_ASSERT(root->flags & MS_MIME_NO_EOH);
	CU_ASSERT(root->flags & MS_MIME_TEXT);
	ms_pool_clear(pool);
}

static void
test_mime_bare_lf_cr_nul(void)
{
	size_t len;
	char *d;
	struct ms_mime_part *root, *c;
	struct ms_buf b;

	d = load("bare_lf", "eml", &len);
	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	c = root->children;
	CU_ASSERT_FATAL(c != NULL && c->next != NULL);
	EQ_SLICE(slice(d, c->body_off, c->end_off), "line 1\nline 2");
	MS_CU_EQ_UINT(c->body_lines, 1);
	EQ_SLICE(slice(d, c->hdr_off, c->body_off),
		 "Content-Type: text/plain\n\n");
	MS_CU_EQ_UINT(c->next->end_off + 8, len);       /* "\n--lf--\n" */
	free(d);

	/* a bare CR is data: it neither ends a line nor a field */
	d = load("bare_cr", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	EQ_SLICE(root->env->subject, "bare\rCR in subject");
	MS_CU_EQ_UINT(root->body_lines, 2);
	ms_buf_init(&b, NULL, 0);
	CU_ASSERT(ms_imapfmt_nstring(&b, root->env->subject,
				     MS_IMAPFMT_HUMAN, 0) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\"bare CR in subject\"");
	free(d);

	/* NUL: kept in the tree, U+FFFD in IMAP strings */
	d = load("nul_bytes", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT(root->flags & MS_MIME_HAS_NUL);
	MS_CU_EQ_MEM(root->env->subject.p, root->env->subject.len,
		     "has a \0 NUL", 11);
	ms_buf_reset(&b);
	CU_ASSERT(ms_imapfmt_nstring(&b, root->env->subject,
				     MS_IMAPFMT_HUMAN, 0) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "{13}\r\nhas a \xef\xbf\xbd NUL");
	ms_buf_reset(&b);
	CU_ASSERT(ms_imapfmt_nstring(&b, root->env->subject,
				     MS_IMAPFMT_HUMAN, MS_IMAPFMT_UTF8) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\"has a \xef\xbf\xbd NUL\"");
	ms_buf_free(&b);
	free(d);
	ms_pool_clear(pool);
}

static void
test_mime_rfc2231_decode(void)
{
	size_t len;
	char *d;
	struct ms_mime_part *root, *c;
	const struct ms_mime_param *prm;
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	d = load("rfc2231_params", "eml", &len);
	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	c = root->children;
	CU_ASSERT_FATAL(c != NULL);
	prm = ms_mime_param_find(c->params, c->nparams, "title");
	CU_ASSERT_FATAL(prm != NULL);
	EQ_SLICE(prm->name, "title*");
	CU_ASSERT(ms_mime_param_decode(&b, prm) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "This is even more ***fun*** isn't it!");
	prm = ms_mime_param_find(c->dparams, c->ndparams, "filename");
	CU_ASSERT_FATAL(prm != NULL);
	ms_buf_reset(&b);
	CU_ASSERT(ms_mime_param_decode(&b, prm) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\xc3\xa4\xc3\xb6\xc3\xbc.txt");
	/* name*1 and name*0, out of order, plain: joined as "name" */
	c = c->next;
	prm = ms_mime_param_find(c->params, c->nparams, "name");
	CU_ASSERT_FATAL(prm != NULL);
	EQ_SLICE(prm->name, "name");
	EQ_SLICE(prm->value, "ab.txt");
	/* a gap in the section numbers: left alone */
	c = c->next;
	CU_ASSERT(ms_mime_param_find(c->params, c->nparams, "name") == NULL);
	CU_ASSERT(ms_mime_param_find(c->params, c->nparams, "name*0") != NULL);
	/* latin-1 */
	c = c->next;
	prm = ms_mime_param_find(c->params, c->nparams, "name");
	CU_ASSERT_FATAL(prm != NULL);
	ms_buf_reset(&b);
	CU_ASSERT(ms_mime_param_decode(&b, prm) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "caf\xc3\xa9.txt");
	free(d);

	/* RFC 2047 words in a plain parameter are decoded too */
	d = load("rfc2047_words", "eml", &len);
	root = ms_mime_parse(pool, NULL, d, len);
	c = root->children->next;
	prm = ms_mime_param_find(c->params, c->nparams, "name");
	CU_ASSERT_FATAL(prm != NULL);
	ms_buf_reset(&b);
	CU_ASSERT(ms_mime_param_decode(&b, prm) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "\xc3\xa4\xc3\xb6\xc3\xbc.txt");
	free(d);
	ms_buf_free(&b);
	ms_pool_clear(pool);
}

/* Quoted parameter values, comments, case kept. */
static void
test_mime_content_type_syntax(void)
{
	static const char msg[] =
		"MIME-Version: 1.0\r\n"
		"Content-Type: (c) Text/HTML (c2);\r\n"
		" charset = \"UTF\\-8\" (c3) ; name=a/b?c.txt;"
		" junk junk; x=\"\"; =y; z\r\n"
		"Content-Disposition: inline (c); filename=\"a\\\"b\"\r\n"
		"Content-Language: en (english), de-CH\r\n"
		"Content-Transfer-Encoding: Quoted-Printable (qp)\r\n"
		"\r\nx";
	struct ms_mime_part *root;

	root = ms_mime_parse(pool, NULL, msg, sizeof(msg) - 1);
	EQ_SLICE(root->type, "Text");
	EQ_SLICE(root->subtype, "HTML");
	CU_ASSERT(root->flags & MS_MIME_TEXT);
	MS_CU_EQ_INT(root->nparams, 3);
	EQ_SLICE(root->params[0].name, "charset");
	EQ_SLICE(root->params[0].value, "UTF-8");
	EQ_SLICE(root->params[1].value, "a/b?c.txt");
	EQ_SLICE(root->params[2].name, "x");
	CU_ASSERT(root->params[2].value.p != NULL &&
		  root->params[2].value.len == 0);
	EQ_SLICE(root->disposition, "inline");
	EQ_SLICE(root->dparams[0].value, "a\"b");
	MS_CU_EQ_INT(root->nlangs, 2);
	EQ_SLICE(root->langs[0], "en");
	EQ_SLICE(root->langs[1], "de-CH");
	EQ_SLICE(root->cte, "Quoted-Printable");
	ms_pool_clear(pool);
}

/* ---- limits ------------------------------------------------------------- */

static unsigned
count_parts(const struct ms_mime_part *p)
{
	const struct ms_mime_part *c;
	unsigned n = 1;

	for (c = p->children; c != NULL; c = c->next)
		n += count_parts(c);
	return n;
}

static unsigned
max_depth(const struct ms_mime_part *p)
{
	const struct ms_mime_part *c;
	unsigned d = p->depth, k;

	for (c = p->children; c != NULL; c = c->next) {
		k = max_depth(c);
		if (k > d)
			d = k;
	}
	return d;
}

/* The output of root is valid IMAP (and BODYSTRUCTURE grammar). */
static void
check_valid(const struct ms_mime_part *root, unsigned flags, int line)
{
	struct ms_buf b;
	struct ms_ick_out o;
	const char *err = NULL;

	ms_buf_init(&b, NULL, 0);
	memset(&o, 0, sizeof(o));
	write_all(&b, root, flags);
	if (check_items(b.data, b.len, flags, &o, &err) < 0)
		ms_cu_fail(line, __FILE__, "invalid IMAP (%s): %.300s", err,
			   ms_buf_cstr(&b));
	else
		CU_PASS("valid");
	free(o.d);
	ms_buf_free(&b);
}

static void
test_mime_limit_parts(void)
{
	struct ms_mime_limits lim;
	struct ms_buf m;
	struct ms_mime_part *root;
	unsigned i;

	ms_buf_init(&m, NULL, 0);
	(void)ms_buf_append_str(&m, "Content-Type: multipart/mixed; "
				"boundary=b\r\n\r\n");
	for (i = 0; i < 50; i++)
		(void)ms_buf_printf(&m, "--b\r\nContent-Type: message/rfc822"
				    "\r\n\r\nSubject: %u\r\n\r\nx\r\n", i);
	(void)ms_buf_append_str(&m, "--b--\r\n");
	ms_mime_limits_default(&lim);
	lim.max_parts = 10;
	{
		struct ms_mime_parser *p = ms_mime_parser_create(pool, &lim);

		CU_ASSERT(ms_mime_parser_feed(p, m.data, m.len) == 0);
		root = ms_mime_parser_finish(p);
		CU_ASSERT(ms_mime_parser_problems(p) & MS_MIME_P_PARTS);
		/* finish twice is harmless; feeding after it is a bug */
		CU_ASSERT(ms_mime_parser_finish(p) == root);
		MS_CU_EQ_INT(ms_mime_parser_feed(p, "x", 1), -1);
	}
	CU_ASSERT(count_parts(root) <= 10);
	MS_CU_EQ_UINT(root->end_off, m.len);
	check_valid(root, 0, __LINE__);
	/* with room, all 101 parts are there */
	root = ms_mime_parse(pool, NULL, m.data, m.len);
	MS_CU_EQ_INT(count_parts(root), 101);
	check_valid(root, 0, __LINE__);
	ms_buf_free(&m);
	ms_pool_clear(pool);
}

static void
test_mime_limit_depth(void)
{
	struct ms_mime_limits lim;
	struct ms_buf m;
	struct ms_mime_part *root, *x;
	struct ms_mime_parser *p;
	unsigned i;

	/* 300 nested multiparts against the default depth of 100 */
	ms_buf_init(&m, NULL, 0);
	for (i = 0; i < 300; i++)
		(void)ms_buf_printf(&m, "Content-Type: multipart/mixed; "
				    "boundary=\"d%u\"\r\n\r\n--d%u\r\n", i, i);
	(void)ms_buf_append_str(&m, "\r\nleaf\r\n");
	for (i = 300; i > 0; i--)
		(void)ms_buf_printf(&m, "--d%u--\r\n", i - 1);
	p = ms_mime_parser_create(pool, NULL);
	CU_ASSERT(ms_mime_parser_feed(p, m.data, m.len) == 0);
	root = ms_mime_parser_finish(p);
	CU_ASSERT(ms_mime_parser_problems(p) & MS_MIME_P_DEPTH);
	MS_CU_EQ_INT(max_depth(root), 100);
	for (x = root; x->children != NULL; x = x->children)
		;
	CU_ASSERT(x->flags & MS_MIME_TRUNCATED);
	check_valid(root, 0, __LINE__);

	/* a chain of message/rfc822 with a small limit */
	ms_buf_reset(&m);
	for (i = 0; i < 50; i++)
		(void)ms_buf_printf(&m, "Subject: level %u\r\nContent-Type: "
				    "message/rfc822\r\n\r\n", i);
	(void)ms_buf_append_str(&m, "Subject: last\r\n\r\nbody\r\n");
	ms_mime_limits_default(&lim);
	lim.max_depth = 7;
	root = ms_mime_parse(pool, &lim, m.data, m.len);
	MS_CU_EQ_INT(max_depth(root), 7);
	check_valid(root, 0, __LINE__);
	MS_CU_EQ_INT(count_parts(root), 8);
	/* a huge limit is clamped (and 50 levels are within it) */
	lim.max_depth = 100000;
	root = ms_mime_parse(pool, &lim, m.data, m.len);
	MS_CU_EQ_INT(count_parts(root), 51);
	check_valid(root, 0, __LINE__);
	ms_buf_free(&m);
	ms_pool_clear(pool);
}

static void
test_mime_limit_boundary(void)
{
	static const char msg[] =
		"Content-Type: multipart/mixed; boundary="
		"\"0123456789abcdefghij\"\r\n\r\n"
		"--0123456789abcdefghij\r\n\r\none\r\n"
		"--0123456789abcdefghij\r\n\r\ntwo\r\n"
		"--0123456789abcdefghij--\r\n";
	struct ms_mime_limits lim;
	struct ms_mime_part *root;

	ms_mime_limits_default(&lim);
	lim.max_boundary = 10;
	root = ms_mime_parse(pool, &lim, msg, sizeof(msg) - 1);
	/* cut to a prefix, which still matches every boundary line; the
	   closing "--" is no longer seen where it is */
	EQ_SLICE(root->boundary, "0123456789");
	CU_ASSERT(root->nchildren >= 2);
	check_valid(root, 0, __LINE__);
	root = ms_mime_parse(pool, NULL, msg, sizeof(msg) - 1);
	MS_CU_EQ_INT(root->nchildren, 2);
	CU_ASSERT((root->flags & MS_MIME_NO_END) == 0);
	ms_pool_clear(pool);
}

static void
test_mime_limit_header_budget(void)
{
	struct ms_mime_limits lim;
	struct ms_buf m;
	struct ms_mime_part *root;
	struct ms_mime_parser *p;
	const struct ms_addr *a;
	unsigned i, n;

	ms_buf_init(&m, NULL, 0);
	for (i = 0; i < 200; i++)
		(void)ms_buf_printf(&m, "To: user%u@example.org\r\n", i);
	(void)ms_buf_append_str(&m, "Subject: after\r\n\r\nbody\r\n");
	ms_mime_limits_default(&lim);
	lim.max_part_header = 1000;
	p = ms_mime_parser_create(pool, &lim);
	CU_ASSERT(ms_mime_parser_feed(p, m.data, m.len) == 0);
	root = ms_mime_parser_finish(p);
	CU_ASSERT(ms_mime_parser_problems(p) & MS_MIME_P_HEADER);
	CU_ASSERT(root->flags & MS_MIME_HDR_CUT);
	for (n = 0, a = root->env->to; a != NULL; a = a->next)
		n++;
	CU_ASSERT(n > 10 && n < 200);
	/* the subject came after the budget ran out: present but empty */
	CU_ASSERT(root->env->subject.p != NULL);
	MS_CU_EQ_UINT(root->env->subject.len, 0);
	MS_CU_EQ_UINT(ms_mime_body_size(root), 6);
	check_valid(root, 0, __LINE__);

	/* the address limit */
	ms_mime_limits_default(&lim);
	lim.max_addrs = 5;
	p = ms_mime_parser_create(pool, &lim);
	CU_ASSERT(ms_mime_parser_feed(p, m.data, m.len) == 0);
	root = ms_mime_parser_finish(p);
	CU_ASSERT(ms_mime_parser_problems(p) & MS_MIME_P_ADDRS);
	for (n = 0, a = root->env->to; a != NULL; a = a->next)
		n++;
	MS_CU_EQ_INT(n, 5);
	ms_buf_free(&m);
	ms_pool_clear(pool);
}

/* A 1 MB header line: cut to max_field, offsets exact, memory bounded. */
static void
test_mime_huge_header_line(void)
{
	struct ms_buf m;
	struct ms_mime_part *root;
	struct ms_mime_parser *p;
	struct ms_pool *hp = ms_pool_create("huge", 0);
	size_t i, hdr_end;

	ms_buf_init(&m, NULL, 0);
	(void)ms_buf_append_str(&m, "From: a@example.org\r\nSubject: ");
	for (i = 0; i < 1024 * 1024; i++)
		(void)ms_buf_append_c(&m, 'a' + (int)(i % 26));
	(void)ms_buf_append_str(&m, "\r\nX-Junk: ");
	for (i = 0; i < 1024 * 1024; i++)
		(void)ms_buf_append_c(&m, i % 100 == 99 ? ' ' : 'j');
	(void)ms_buf_append_str(&m, "\r\n\tfolded more\r\nTo: b@example.org"
				"\r\nMIME-Version: 1.0\r\n"
				"Content-Type: text/plain; charset=utf-8\r\n"
				"\r\n");
	hdr_end = m.len;
	(void)ms_buf_append_str(&m, "body\r\n");
	p = ms_mime_parser_create(hp, NULL);
	for (i = 0; i < m.len; i += 4093)
		CU_ASSERT(ms_mime_parser_feed(p, m.data + i, m.len - i < 4093 ?
					      m.len - i : 4093) == 0);
	root = ms_mime_parser_finish(p);
	CU_ASSERT(ms_mime_parser_problems(p) & MS_MIME_P_FIELD);
	CU_ASSERT(root->flags & MS_MIME_HDR_CUT);
	MS_CU_EQ_UINT(root->env->subject.len, 64 * 1024);
	CU_ASSERT(memcmp(root->env->subject.p, "abcdef", 6) == 0);
	MS_CU_EQ_UINT(root->body_off, hdr_end);
	MS_CU_EQ_UINT(root->end_off, m.len);
	MS_CU_EQ_UINT(root->hdr_lines, 8);
	MS_CU_EQ_UINT(root->body_lines, 1);
	CU_ASSERT_FATAL(root->env->to != NULL);
	EQ_SLICE(root->env->to->mailbox, "b");
	EQ_SLICE(root->params[0].value, "utf-8");
	/* kept: one 64 KiB value (plus the field buffer); not 2 MB */
	CU_ASSERT(ms_pool_used(hp) < 400 * 1024);
	check_valid(root, 0, __LINE__);
	ms_buf_free(&m);
	ms_pool_destroy(&hp);
}

/*
 * Feed a multipart message with an attachment of `size` bytes of base64
 * lines, generated piecewise (never held whole); returns the pool's use.
 */
static size_t
feed_attachment(uint64_t size, uint64_t *att_size_r, uint64_t *att_lines_r,
		uint64_t *total_r)
{
	struct ms_pool *ap = ms_pool_create("att", 0);
	struct ms_mime_parser *p = ms_mime_parser_create(ap, NULL);
	struct ms_mime_part *root, *att;
	static char line[79];
	char chunk[65536];
	size_t used, n = 0;
	uint64_t left = size, total;

	static const char head[] =
		"From: big@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"att\"\r\n\r\n"
		"--att\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
		"--att\r\nContent-Type: application/octet-stream\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\n";
	static const char tail[] = "\r\n--att--\r\n";

	memset(line, 'Q', 76);
	line[76] = '\r';
	line[77] = '\n';
	CU_ASSERT(ms_mime_parser_feed(p, head, sizeof(head) - 1) == 0);
	total = sizeof(head) - 1;
	/* lines of 76 characters; the last one without its CRLF */
	while (left > 0) {
		size_t take = left < 78 ? (size_t)left : 78;

		if (left <= 78 && take > 76)
			take = 76;
		if (n + take > sizeof(chunk)) {
			CU_ASSERT(ms_mime_parser_feed(p, chunk, n) == 0);
			total += n;
			n = 0;
		}
		memcpy(chunk + n, line, take);
		n += take;
		left -= left <= 78 ? left : take;
	}
	CU_ASSERT(ms_mime_parser_feed(p, chunk, n) == 0);
	total += n;
	CU_ASSERT(ms_mime_parser_feed(p, tail, sizeof(tail) - 1) == 0);
	total += sizeof(tail) - 1;
	root = ms_mime_parser_finish(p);
	att = root->children->next;
	CU_ASSERT_FATAL(att != NULL);
	*att_size_r = ms_mime_body_size(att);
	*att_lines_r = att->body_lines;
	*total_r = total;
	MS_CU_EQ_UINT(root->end_off, total);
	check_valid(root, 0, __LINE__);
	used = ms_pool_used(ap);
	ms_pool_destroy(&ap);
	return used;
}

static void
test_mime_big_attachment_bounded(void)
{
	uint64_t size, lines, total, big = (uint64_t)20 * 1024 * 1024;
	size_t small_used, big_used;

	/* 20 MB = 268865 lines of 78 bytes and a last one of 34 - 2 */
	small_used = feed_attachment(78 * 10 + 30, &size, &lines, &total);
	MS_CU_EQ_UINT(size, 78 * 10 + 30);
	MS_CU_EQ_UINT(lines, 10);
	big_used = feed_attachment(big, &size, &lines, &total);
	CU_ASSERT(total > big);
	MS_CU_EQ_UINT(size, big - (big % 78 > 76 ? big % 78 - 76 : 0));
	MS_CU_EQ_UINT(lines, big / 78 - (big % 78 == 0 ? 1 : 0));
	/* the body costs nothing: same memory as for 800 bytes */
	MS_CU_EQ_UINT(big_used, small_used);
	CU_ASSERT(big_used < 64 * 1024);
}

/* ---- random input ------------------------------------------------------- */

static const char *const frags[] = {
	"\r\n", "\n", "\r", "--b", "--b--", "--c", "--c--", ": ", " ", "\t",
	"Content-Type: multipart/mixed; boundary=b\r\n",
	"Content-Type: multipart/digest; boundary=\"c\"\r\n",
	"Content-Type: message/rfc822\r\n", "Content-Type: text/plain\r\n",
	"Content-Type: message/global\r\n", "MIME-Version: 1.0\r\n",
	"From: a <b@c>, (x) d@e, g: h@i;\r\n", "Subject: \"q\\\" x\r\n",
	"Content-Disposition: attachment; filename*0*=utf-8''%41; filename*1=b\r\n",
	"Content-Language: en, de\r\n", "\x00", "\xff",
	"=?utf-8?q?x?=", "(", ")", "\"", "<", ">", "@", ",", ";", "boundary=",
};

static void
test_mime_random_input_valid(void)
{
	unsigned seed = 4242, iter, j, nf;
	struct ms_buf m, one, other;
	struct ms_mime_limits lim;

	ms_buf_init(&m, NULL, 0);
	ms_buf_init(&one, NULL, 0);
	ms_buf_init(&other, NULL, 0);
	ms_mime_limits_default(&lim);
	lim.max_parts = 30;
	lim.max_depth = 6;
	lim.max_field = 64;
	lim.max_part_header = 300;
	for (iter = 0; iter < 3000; iter++) {
		ms_buf_reset(&m);
		nf = 1 + iter % 60;
		for (j = 0; j < nf; j++) {
			seed = seed * 1103515245u + 12345u;
			if ((seed >> 16) % 7 == 0) {
				(void)ms_buf_append_c(&m, (int)(seed >> 24));
			} else {
				const char *f = frags[(seed >> 16) %
					(sizeof(frags) / sizeof(frags[0]))];

				(void)ms_buf_append(&m, f, f[0] == '\0' ? 1 :
						    strlen(f));
			}
		}
		ms_buf_reset(&one);
		ms_buf_reset(&other);
		full_result(&one, parse_chunked(m.data, m.len, 0,
						iter % 2 ? &lim : NULL));
		full_result(&other, parse_chunked(m.data, m.len,
						  1 + iter % 5,
						  iter % 2 ? &lim : NULL));
		if (one.len != other.len ||
		    memcmp(one.data, other.data, one.len) != 0) {
			ms_cu_fail(__LINE__, __FILE__, "iteration %u: chunked "
				   "differs", iter);
			break;
		}
		check_valid(parse_chunked(m.data, m.len, 0, NULL), 0,
			    __LINE__);
		check_valid(parse_chunked(m.data, m.len, 0, NULL),
			    MS_IMAPFMT_UTF8 | MS_IMAPFMT_GLOBAL, __LINE__);
		ms_pool_clear(pool);
	}
	ms_buf_free(&m);
	ms_buf_free(&one);
	ms_buf_free(&other);
}

/* ---- the IMAP writers --------------------------------------------------- */

static void
check_string(const char *in, size_t len, enum ms_imapfmt_clean clean,
	     unsigned flags, const char *want, size_t wlen, int line)
{
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	(void)ms_buf_append_str(&b, "x");
	if (ms_imapfmt_string(&b, in, len, clean, flags) != 0 ||
	    b.len != wlen + 1 || memcmp(b.data + 1, want, wlen) != 0)
		ms_cu_fail(line, __FILE__, "string \"%.*s\" gave %s",
			   (int)len, in, ms_buf_cstr(&b) + 1);
	else
		CU_PASS("string");
	ms_buf_free(&b);
}
#define STR(in, clean, flags, want) \
	check_string((in), sizeof(in) - 1, (clean), (flags), (want), \
		     sizeof(want) - 1, __LINE__)

static void
test_mime_fmt_strings(void)
{
	struct ms_buf b;

	STR("", MS_IMAPFMT_RAW, 0, "\"\"");
	STR("plain text", MS_IMAPFMT_RAW, 0, "\"plain text\"");
	STR("a\"b\\c", MS_IMAPFMT_RAW, 0, "\"a\\\"b\\\\c\"");
	STR("\"\"\"\"", MS_IMAPFMT_RAW, 0, "\"\\\"\\\"\\\"\\\"\"");
	/* a fifth escape makes a literal */
	STR("\"\"\"\"\\", MS_IMAPFMT_RAW, 0, "{5}\r\n\"\"\"\"\\");
	STR("a\r\nb", MS_IMAPFMT_RAW, 0, "{4}\r\na\r\nb");
	STR("caf\xc3\xa9", MS_IMAPFMT_RAW, 0, "{5}\r\ncaf\xc3\xa9");
	STR("caf\xc3\xa9", MS_IMAPFMT_RAW, MS_IMAPFMT_UTF8,
	    "\"caf\xc3\xa9\"");
	STR("caf\xe9", MS_IMAPFMT_RAW, MS_IMAPFMT_UTF8, "{4}\r\ncaf\xe9");
	STR("a\0b", MS_IMAPFMT_RAW, 0, "{5}\r\na\xef\xbf\xbd" "b");
	STR("\t tab", MS_IMAPFMT_RAW, 0, "\"\t tab\"");
	/* NOLF: unfolding */
	STR("a\r\n b", MS_IMAPFMT_NOLF, 0, "\"a b\"");
	STR("a\r\nb", MS_IMAPFMT_NOLF, 0, "\"a b\"");
	STR("a\rb\n", MS_IMAPFMT_NOLF, 0, "\"a b\"");
	STR("  <x>  ", MS_IMAPFMT_NOLF, 0, "\"  <x>  \"");
	/* HUMAN: blanks collapsed and trimmed */
	STR("  many   spaces\tand\r\n\ttabs  ", MS_IMAPFMT_HUMAN, 0,
	    "\"many spaces and tabs\"");
	STR(" \t\r\n ", MS_IMAPFMT_HUMAN, 0, "\"\"");
	/* NIL */
	ms_buf_init(&b, NULL, 0);
	CU_ASSERT(ms_imapfmt_nstring(&b, ms_str_make(NULL, 0),
				     MS_IMAPFMT_RAW, 0) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "NIL");
	ms_buf_free(&b);
}

static void
test_mime_fmt_full_buffer(void)
{
	size_t len;
	char *d = load("rfc822_attachment", "eml", &len);
	struct ms_mime_part *root;
	struct ms_buf big, b;
	size_t max;

	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	ms_buf_init(&big, NULL, 0);
	CU_ASSERT(ms_imapfmt_bodystructure(&big, root, 0) == 0);
	/* every smaller max fails cleanly, leaving the buffer as it was */
	for (max = 2; max < big.len + 2; max += 7) {
		ms_buf_init(&b, NULL, max);
		(void)ms_buf_append(&b, "AB", 2);
		if (max >= big.len + 2) {
			CU_ASSERT(ms_imapfmt_bodystructure(&b, root, 0) == 0);
		} else {
			CU_ASSERT(ms_imapfmt_bodystructure(&b, root, 0) == -1);
			MS_CU_EQ_STR(ms_buf_cstr(&b), "AB");
		}
		ms_buf_reset(&b);
		(void)ms_buf_append(&b, "AB", 2);
		if (max < 64) {
			CU_ASSERT(ms_imapfmt_envelope(&b, root, 0) == -1);
			MS_CU_EQ_STR(ms_buf_cstr(&b), "AB");
		}
		ms_buf_free(&b);
	}
	ms_buf_init(&b, NULL, big.len + 2);
	(void)ms_buf_append(&b, "AB", 2);
	CU_ASSERT(ms_imapfmt_bodystructure(&b, root, 0) == 0);
	MS_CU_EQ_MEM(b.data + 2, b.len - 2, big.data, big.len);
	ms_buf_free(&b);
	ms_buf_free(&big);
	free(d);
	ms_pool_clear(pool);
}

static void
test_mime_fmt_global(void)
{
	size_t len;
	char *d = load("message_global", "eml", &len);
	struct ms_mime_part *root;
	struct ms_buf b;
	struct ms_ick c;
	size_t r, nparts = 0;

	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	CU_ASSERT(root->children->next->flags & MS_MIME_GLOBAL);
	CU_ASSERT(root->children->next->flags & MS_MIME_MESSAGE);
	ms_buf_init(&b, NULL, 0);
	/* IMAP4rev1: a basic part, as Dovecot writes it */
	CU_ASSERT(ms_imapfmt_body(&b, root, 0) == 0);
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL "
		     "\"7bit\" 14 0)(\"message\" \"global\" NIL NIL NIL "
		     "\"7bit\" 132) \"mixed\")");
	/* IMAP4rev2: envelope, body and lines, like message/rfc822 */
	ms_buf_reset(&b);
	CU_ASSERT(ms_imapfmt_bodystructure(&b, root, MS_IMAPFMT_GLOBAL) == 0);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\"message\" \"global\" NIL NIL "
			 "NIL \"7bit\" 132 (NIL \"inner global\" "
			 "((\"=?utf-8?q?x?=\" NIL \"x\" \"example.org\"))") !=
		  NULL);
	r = ms_ick_parse(&c, b.data, b.len, 0, NULL);
	CU_ASSERT_FATAL(r != ICK_NONE);
	CU_ASSERT(ms_ick_body(&c, r, 1, 1, 0, &nparts));
	MS_CU_EQ_INT(nparts, 4);
	ms_ick_free(&c);
	ms_buf_free(&b);
	free(d);
	ms_pool_clear(pool);
}

static void
test_mime_fmt_utf8_envelope(void)
{
	size_t len;
	char *d = load("eightbit_headers", "eml", &len);
	struct ms_mime_part *root;
	struct ms_buf b;

	CU_ASSERT_FATAL(d != NULL);
	root = ms_mime_parse(pool, NULL, d, len);
	ms_buf_init(&b, NULL, 0);
	CU_ASSERT(ms_imapfmt_envelope(&b, root, MS_IMAPFMT_UTF8) == 0);
	CU_ASSERT(strstr(ms_buf_cstr(&b),
			 "\"Gr\xc3\xbc\xc3\x9f" "e aus K\xc3\xb6ln\"") != NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "((\"J\xc3\xb6rg M\xc3\xbcller\" "
			 "NIL \"joerg\" \"example.de\"))") != NULL);
	ms_buf_reset(&b);
	CU_ASSERT(ms_imapfmt_envelope(&b, root, 0) == 0);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "{17}\r\nGr\xc3\xbc") != NULL);
	check_valid(root, MS_IMAPFMT_UTF8, __LINE__);
	ms_buf_free(&b);
	free(d);
	ms_pool_clear(pool);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mime[] = {
	{ "test_mime_golden_dovecot", test_mime_golden_dovecot },
	{ "test_mime_chunked_equals_one_shot", test_mime_chunked_equals_one_shot },
	{ "test_mime_offsets_nested", test_mime_offsets_nested },
	{ "test_mime_offsets_rfc822", test_mime_offsets_rfc822 },
	{ "test_mime_defaults", test_mime_defaults },
	{ "test_mime_bare_lf_cr_nul", test_mime_bare_lf_cr_nul },
	{ "test_mime_rfc2231_decode", test_mime_rfc2231_decode },
	{ "test_mime_content_type_syntax", test_mime_content_type_syntax },
	{ "test_mime_limit_parts", test_mime_limit_parts },
	{ "test_mime_limit_depth", test_mime_limit_depth },
	{ "test_mime_limit_boundary", test_mime_limit_boundary },
	{ "test_mime_limit_header_budget", test_mime_limit_header_budget },
	{ "test_mime_huge_header_line", test_mime_huge_header_line },
	{ "test_mime_big_attachment_bounded", test_mime_big_attachment_bounded },
	{ "test_mime_random_input_valid", test_mime_random_input_valid },
	{ "test_mime_fmt_strings", test_mime_fmt_strings },
	{ "test_mime_fmt_full_buffer", test_mime_fmt_full_buffer },
	{ "test_mime_fmt_global", test_mime_fmt_global },
	{ "test_mime_fmt_utf8_envelope", test_mime_fmt_utf8_envelope },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mime = {
	"mime",
	suite_init,
	suite_clean,
	ms_tests_mime
};
