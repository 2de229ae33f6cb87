/*
 * test_mbox.c -- one mailbox through its public API (ms_mbox.h): create,
 * open/STATUS, append (CRLF normalisation, internal date in mtime,
 * unique id), UIDs and MODSEQs, flags and keywords, CONDSTORE, expunge,
 * copy and move (hard link and byte copy), refresh across handles,
 * batches, quota, concurrent appenders in threads, and the cached
 * PREVIEW (from the cache and from the file when the cache is gone).
 */
#include "ms_sys.h"
#include "ms_mbox.h"
#include "ms_plat.h"
#include "ms_err.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct ms_pfs *fs;
static unsigned seq_no;

static int
suite_init(void)
{
	struct ms_perr perr;

	if (ms_plat_init(&perr) < 0)
		return -1;
	return ms_pfs_open(NULL, ms_cu_tmpdir, MS_PDIR_CREATE, &fs, &perr);
}

static int
suite_clean(void)
{
	ms_pfs_close(fs);
	return 0;
}

/* A fresh mailbox directory name and lock name. */
static void
fresh(char *rel, size_t rsize, char *lk, size_t lsize)
{
	seq_no++;
	snprintf(rel, rsize, "mbox/m%04u", seq_no);
	snprintf(lk, lsize, "m-test-%u", seq_no);
}

static struct ms_mbox *
make_box(char *rel, char *lk, uint32_t uidv)
{
	struct ms_mbox *mb = NULL;
	struct ms_err err;

	fresh(rel, 64, lk, 32);
	MS_CU_OK(ms_mbox_create(fs, rel, lk, uidv, &err));
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	return mb;
}

static const char msg1[] =
	"From: Alice <alice@example.com>\r\n"
	"To: bob@example.com\r\n"
	"Subject: hello\r\n"
	"Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
	"Message-ID: <1@example.com>\r\n"
	"\r\n"
	"Hi Bob.\r\n";

static uint32_t
add(struct ms_mbox *mb, const char *text, uint32_t flags)
{
	struct ms_err err;
	uint32_t uid = 0;

	MS_CU_OK(ms_mbox_append(mb, text, strlen(text), flags, NULL, 0,
				1700000000, NULL, &uid, &err));
	return uid;
}

/* Read the message file of uid whole. */
static char *
slurp(struct ms_mbox *mb, uint32_t uid, size_t *len_r)
{
	struct ms_pfile *f;
	struct ms_err err;
	uint64_t size;
	size_t n = 0;
	char *buf;

	if (ms_mbox_msg_open(mb, uid, &f, &err) < 0)
		return NULL;
	(void)ms_pfile_size(f, &size, NULL);
	buf = calloc(1, (size_t)size + 1);
	(void)ms_pfile_read(f, buf, (size_t)size, 0, &n, NULL);
	(void)ms_pfile_close(f, NULL);
	*len_r = n;
	return buf;
}

static void
test_mbox_create_open_status(void)
{
	struct ms_mbox *mb;
	struct ms_mbox_status st;
	struct ms_err err;
	char rel[64], lk[32];

	mb = make_box(rel, lk, 777);
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.messages, 0);
	MS_CU_EQ_INT(st.uidvalidity, 777);
	MS_CU_EQ_INT(st.uidnext, 1);
	MS_CU_EQ_INT(st.highest_modseq, 0);
	ms_mbox_close(mb);
	/* a second create is refused, uidvalidity 0 is refused */
	MS_CU_EQ_INT(ms_mbox_create(fs, rel, lk, 5, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_mbox_create(fs, "mbox/zero", lk, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	/* no such mailbox */
	MS_CU_EQ_INT(ms_mbox_open(fs, "mbox/nothere", lk, &mb, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
}

static void
test_mbox_append_basic(void)
{
	struct ms_mbox *mb, *mb2;
	struct ms_mbox_status st;
	struct ms_mbox_cached c;
	const struct ms_mbox_rec *r;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	struct ms_pstat pst;
	struct ms_pdir *dir;
	unsigned char md[32];
	unsigned int mdlen;
	char rel[64], lk[32];
	size_t len;
	char *data;

	mb = make_box(rel, lk, 1);
	MS_CU_EQ_INT(add(mb, msg1, 0), 1);
	MS_CU_EQ_INT(add(mb, msg1, MS_MBOX_SEEN), 2);
	/* STATUS from a fresh handle reads only the header */
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb2, &err));
	ms_mbox_status(mb2, &st);
	MS_CU_EQ_INT(st.messages, 2);
	MS_CU_EQ_INT(st.unseen, 1);
	MS_CU_EQ_INT(st.uidnext, 3);
	MS_CU_EQ_INT(st.highest_modseq, 2);
	MS_CU_EQ_INT(st.size, 2 * (sizeof(msg1) - 1));
	MS_CU_OK(ms_mbox_load(mb2, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb2), 2);
	r = ms_mbox_rec_at(mb2, 2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(r);
	MS_CU_EQ_INT(r->uid, 2);
	MS_CU_EQ_INT(r->flags, MS_MBOX_SEEN);
	MS_CU_EQ_INT(r->internal_date, 1700000000);
	MS_CU_EQ_INT(r->size, sizeof(msg1) - 1);
	CU_ASSERT(r->cache_off >= 16);
	CU_ASSERT(r->modseq == 2);
	/* unique id: first 16 bytes of SHA-256 of the bytes */
	EVP_Digest(msg1, sizeof(msg1) - 1, md, &mdlen, EVP_sha256(), NULL);
	MS_CU_EQ_MEM(r->guid, 16, md, 16);
	/* the file: exact bytes, mtime = internal date */
	data = slurp(mb2, 2, &len);
	MS_CU_EQ_MEM(data, len, msg1, sizeof(msg1) - 1);
	free(data);
	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_OK(ms_pfile_stat(dir, "00000002.msg", &pst, NULL));
	MS_CU_EQ_INT(pst.mtime, 1700000000);
	ms_pdir_close(dir);
	/* cached FETCH items */
	MS_CU_OK(ms_mbox_cache_get(mb2, 1, pool, &c, &err));
	MS_CU_EQ_INT(c.from_file, 0);
	CU_ASSERT_PTR_NOT_NULL(c.envelope.p);
	CU_ASSERT(c.envelope.len > 10 &&
		  memcmp(c.envelope.p, "(\"Mon, 1 Jan 2024", 17) == 0);
	CU_ASSERT(c.bodystructure.len > 0 &&
		  memcmp(c.bodystructure.p, "(\"text\" \"plain\"", 15) == 0);
	CU_ASSERT_PTR_NOT_NULL(c.body.p);
	MS_CU_EQ_INT(c.hdr_size, sizeof(msg1) - 1 - 9);
	MS_CU_EQ_INT(c.body_lines, 1);
	/* PREVIEW (RFC 8970) computed at append */
	CU_ASSERT_PTR_NOT_NULL(c.preview.p);
	MS_CU_EQ_MEM(c.preview.p, c.preview.len, "Hi Bob.", 7);
	MS_CU_EQ_INT(ms_mbox_cache_get(mb2, 99, pool, &c, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	ms_mbox_close(mb2);
	ms_mbox_close(mb);
	ms_pool_destroy(&pool);
}

static void
check_norm(const char *in, size_t inlen, const char *want, size_t chunk)
{
	struct ms_mbox *mb;
	struct ms_mbox_tx *tx;
	struct ms_err err;
	char rel[64], lk[32];
	uint32_t uid = 0;
	size_t off, len;
	char *data;

	mb = make_box(rel, lk, 1);
	MS_CU_OK(ms_mbox_tx_begin(mb, &tx, &err));
	MS_CU_OK(ms_mbox_tx_msg_begin(tx, &err));
	for (off = 0; off < inlen; off += chunk) {
		size_t n = inlen - off < chunk ? inlen - off : chunk;

		MS_CU_OK(ms_mbox_tx_msg_data(tx, in + off, n, &err));
	}
	MS_CU_OK(ms_mbox_tx_msg_end(tx, 0, NULL, 0, 0, &err));
	MS_CU_OK(ms_mbox_tx_commit(tx, NULL, &uid, &err));
	ms_mbox_tx_free(tx);
	data = slurp(mb, uid, &len);
	MS_CU_EQ_MEM(data, len, want, strlen(want));
	free(data);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->size, strlen(want));
	ms_mbox_close(mb);
}

static void
test_mbox_append_crlf_normalised(void)
{
	static const char in[] = "A: b\nC: d\r\rx\r\n\ny\rz\r";
	static const char want[] = "A: b\r\nC: d\r\n\r\nx\r\n\r\ny\r\nz\r\n";
	size_t chunk;

	/* one byte at a time, CR split from its LF, and whole */
	for (chunk = 1; chunk <= 4; chunk++)
		check_norm(in, sizeof(in) - 1, want, chunk);
	check_norm(in, sizeof(in) - 1, want, 1000);
	check_norm("", 0, "", 1);
	check_norm("\r", 1, "\r\n", 1);
}

static void
test_mbox_append_keywords_and_limit(void)
{
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[64], lk[32], name[16];
	const char *kw[2];
	const char *bad[1] = { "bad(kw" };
	const char *sys[1] = { "\\Seen" };
	uint32_t uid;
	int i;

	mb = make_box(rel, lk, 1);
	kw[0] = "$Forwarded";
	kw[1] = "work";
	MS_CU_OK(ms_mbox_append(mb, msg1, sizeof(msg1) - 1, MS_MBOX_FLAGGED,
				kw, 2, 0, NULL, &uid, &err));
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_keyword_count(mb), 2);
	MS_CU_EQ_STR(ms_mbox_keyword(mb, 0), "$Forwarded");
	MS_CU_EQ_INT(ms_mbox_keyword_bit(mb, "WORK"), 1);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->keywords, 3);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->flags, MS_MBOX_FLAGGED);
	MS_CU_EQ_INT(ms_mbox_append(mb, msg1, 3, 0, bad, 1, 0, NULL, &uid,
				    &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_mbox_append(mb, msg1, 3, 0, sys, 1, 0, NULL, &uid,
				    &err), -1);
	/* fill to 64, then "no room" */
	for (i = 2; i < MS_MBOX_MAX_KEYWORDS; i++) {
		struct ms_mbox_store st;
		struct ms_uidrange r = { 1, 1 };
		struct ms_uidset set = { &r, 1 };
		const char *one[1];

		snprintf(name, sizeof(name), "k%d", i);
		one[0] = name;
		memset(&st, 0, sizeof(st));
		st.op = MS_MBOX_FLAGS_ADD;
		st.keywords = one;
		st.nkw = 1;
		MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, NULL, &err));
	}
	MS_CU_EQ_INT(ms_mbox_keyword_count(mb), 64);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->keywords, ~(uint64_t)0);
	kw[0] = "one-too-many";
	MS_CU_EQ_INT(ms_mbox_append(mb, msg1, 3, 0, kw, 1, 0, NULL, &uid,
				    &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	MS_CU_EQ_STR(err.user, MS_MBOX_ERR_NO_KEYWORD_ROOM);
	/* the existing ones still work and nothing was added */
	kw[0] = "K10";
	MS_CU_OK(ms_mbox_append(mb, msg1, 3, 0, kw, 1, 0, NULL, &uid, &err));
	MS_CU_OK(ms_mbox_refresh(mb, &err) < 0);
	MS_CU_EQ_INT(ms_mbox_count(mb), 2);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 2)->keywords, (uint64_t)1 << 10);
	ms_mbox_close(mb);
	/* keywords survive a reopen (keywords file) */
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_keyword_count(mb), 64);
	MS_CU_EQ_STR(ms_mbox_keyword(mb, 63), "k63");
	ms_mbox_close(mb);
}

static void
store(struct ms_mbox *mb, uint32_t lo, uint32_t hi, enum ms_mbox_flagop op,
      uint32_t flags, uint64_t since, struct ms_mbox_uids *mod)
{
	struct ms_mbox_store st;
	struct ms_uidrange r;
	struct ms_uidset set;
	struct ms_err err;

	r.lo = lo;
	r.hi = hi;
	set.r = &r;
	set.n = 1;
	memset(&st, 0, sizeof(st));
	st.op = op;
	st.flags = flags;
	st.unchangedsince = since;
	MS_CU_OK(ms_mbox_store_flags(mb, &set, &st, mod, &err));
}

static void
test_mbox_flags_modseq(void)
{
	struct ms_mbox *mb, *other;
	struct ms_mbox_status st;
	struct ms_mbox_uids mod, ch, ex;
	struct ms_err err;
	char rel[64], lk[32];
	uint64_t ms1;
	int i;

	memset(&mod, 0, sizeof(mod));
	memset(&ch, 0, sizeof(ch));
	memset(&ex, 0, sizeof(ex));
	mb = make_box(rel, lk, 9);
	for (i = 0; i < 5; i++)
		add(mb, msg1, 0);
	MS_CU_OK(ms_mbox_load(mb, &err));
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.highest_modseq, 5);
	store(mb, 2, 3, MS_MBOX_FLAGS_ADD, MS_MBOX_SEEN | MS_MBOX_DELETED, 0,
	      NULL);
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.highest_modseq, 7);
	MS_CU_EQ_INT(st.unseen, 3);
	MS_CU_EQ_INT(st.deleted, 2);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 2)->modseq, 6);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 3)->modseq, 7);
	/* no change -> no new MODSEQ */
	store(mb, 2, 3, MS_MBOX_FLAGS_ADD, MS_MBOX_SEEN, 0, NULL);
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.highest_modseq, 7);
	/* remove, replace */
	store(mb, 3, 3, MS_MBOX_FLAGS_REMOVE, MS_MBOX_DELETED, 0, NULL);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 3)->flags, MS_MBOX_SEEN);
	store(mb, 1, 1, MS_MBOX_FLAGS_REPLACE, MS_MBOX_DRAFT, 0, NULL);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 1)->flags, MS_MBOX_DRAFT);
	ms1 = ms_mbox_rec_at(mb, 1)->modseq;
	MS_CU_EQ_INT(ms1, 9);
	/* CONDSTORE: 2 changed at 6, 3 at 8 -> with since 7, 3 fails */
	store(mb, 2, 3, MS_MBOX_FLAGS_ADD, MS_MBOX_ANSWERED, 7, &mod);
	MS_CU_EQ_INT(mod.n, 1);
	MS_CU_EQ_INT(mod.v[0], 3);
	CU_ASSERT(ms_mbox_rec_at(mb, 2)->flags & MS_MBOX_ANSWERED);
	CU_ASSERT(!(ms_mbox_rec_at(mb, 3)->flags & MS_MBOX_ANSWERED));
	/* another handle sees it all after a reopen (index) and the
	   changes since 7 */
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &other, &err));
	ms_mbox_status(other, &st);
	MS_CU_EQ_INT(st.highest_modseq, 10);
	MS_CU_EQ_INT(st.deleted, 1);
	MS_CU_OK(ms_mbox_changes(other, 7, &ch, &ex, &err));
	MS_CU_EQ_INT(ch.n, 3);          /* uid 1 (9), 2 (10), 3 (8) */
	MS_CU_EQ_INT(ex.n, 0);
	ms_mbox_close(other);
	ms_mbox_uids_free(&mod);
	ms_mbox_uids_free(&ch);
	ms_mbox_uids_free(&ex);
	ms_mbox_close(mb);
}

static void
test_mbox_expunge(void)
{
	struct ms_mbox *mb, *other;
	struct ms_mbox_status st;
	struct ms_mbox_uids gone, ch, ex;
	struct ms_uidrange r = { 4, 5 };
	struct ms_uidset set = { &r, 1 };
	struct ms_err err;
	struct ms_pdir *dir;
	struct ms_pstat pst;
	char rel[64], lk[32];
	int i;

	memset(&gone, 0, sizeof(gone));
	memset(&ch, 0, sizeof(ch));
	memset(&ex, 0, sizeof(ex));
	mb = make_box(rel, lk, 9);
	for (i = 0; i < 6; i++)
		add(mb, msg1, 0);
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &other, &err));
	MS_CU_OK(ms_mbox_load(other, &err));
	store(mb, 2, 5, MS_MBOX_FLAGS_ADD, MS_MBOX_DELETED, 0, NULL);
	/* UID EXPUNGE 4:5 takes only those */
	MS_CU_OK(ms_mbox_expunge(mb, &set, NULL, &gone, &err));
	MS_CU_EQ_INT(gone.n, 2);
	MS_CU_EQ_INT(gone.v[0], 4);
	MS_CU_EQ_INT(gone.v[1], 5);
	/* EXPUNGE takes the rest of \Deleted */
	MS_CU_OK(ms_mbox_expunge(mb, NULL, NULL, &gone, &err));
	MS_CU_EQ_INT(gone.n, 4);
	MS_CU_EQ_INT(ms_mbox_count(mb), 2);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 2)->uid, 6);
	ms_mbox_status(mb, &st);
	MS_CU_EQ_INT(st.messages, 2);
	MS_CU_EQ_INT(st.deleted, 0);
	MS_CU_EQ_INT(st.uidnext, 7);
	MS_CU_EQ_INT(st.highest_modseq, 14);    /* 6 + 4 stores + 4 */
	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_EQ_INT(ms_pfile_stat(dir, "00000004.msg", &pst, NULL), -1);
	MS_CU_OK(ms_pfile_stat(dir, "00000006.msg", &pst, NULL));
	ms_pdir_close(dir);
	/* the other handle follows by refresh */
	MS_CU_EQ_INT(ms_mbox_refresh(other, &err), 1);
	MS_CU_EQ_INT(ms_mbox_count(other), 2);
	MS_CU_EQ_INT(ms_mbox_refresh(other, &err), 0);
	MS_CU_OK(ms_mbox_changes(other, 10, &ch, &ex, &err));
	MS_CU_EQ_INT(ex.n, 4);
	MS_CU_EQ_INT(ch.n, 0);
	/* new UIDs never reuse expunged ones */
	MS_CU_EQ_INT(add(mb, msg1, 0), 7);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_mbox_close(other);
	ms_mbox_close(mb);
	ms_mbox_uids_free(&gone);
	ms_mbox_uids_free(&ch);
	ms_mbox_uids_free(&ex);
}

static void
test_mbox_refresh_other_handle(void)
{
	struct ms_mbox *a, *b;
	struct ms_err err;
	char rel[64], lk[32];

	a = make_box(rel, lk, 3);
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &b, &err));
	MS_CU_EQ_INT(ms_mbox_refresh(b, &err), 1);      /* first load */
	MS_CU_EQ_INT(ms_mbox_refresh(b, &err), 0);
	add(a, msg1, 0);
	MS_CU_EQ_INT(ms_mbox_refresh(b, &err), 1);
	MS_CU_EQ_INT(ms_mbox_count(b), 1);
	store(a, 1, 1, MS_MBOX_FLAGS_ADD, MS_MBOX_FLAGGED, 0, NULL);
	MS_CU_EQ_INT(ms_mbox_refresh(b, &err), 1);
	MS_CU_EQ_INT(ms_mbox_rec_at(b, 1)->flags, MS_MBOX_FLAGGED);
	MS_CU_EQ_INT(ms_mbox_refresh(b, &err), 0);
	/* b writes, a sees */
	store(b, 1, 1, MS_MBOX_FLAGS_ADD, MS_MBOX_SEEN, 0, NULL);
	MS_CU_EQ_INT(ms_mbox_rec_at(b, 1)->flags,
		     MS_MBOX_FLAGGED | MS_MBOX_SEEN);
	MS_CU_EQ_INT(ms_mbox_refresh(a, &err), 1);
	MS_CU_EQ_INT(ms_mbox_rec_at(a, 1)->flags,
		     MS_MBOX_FLAGGED | MS_MBOX_SEEN);
	ms_mbox_close(a);
	ms_mbox_close(b);
}

static void
test_mbox_batch_append(void)
{
	struct ms_mbox *mb;
	struct ms_mbox_tx *tx;
	struct ms_err err;
	char rel[64], lk[32];
	uint32_t first = 0;
	int i;

	mb = make_box(rel, lk, 3);
	add(mb, msg1, 0);
	MS_CU_OK(ms_mbox_tx_begin(mb, &tx, &err));
	for (i = 0; i < 5; i++) {
		MS_CU_OK(ms_mbox_tx_msg_begin(tx, &err));
		MS_CU_OK(ms_mbox_tx_msg_data(tx, msg1, sizeof(msg1) - 1,
					     &err));
		MS_CU_OK(ms_mbox_tx_msg_end(tx, i % 2 ? MS_MBOX_SEEN : 0,
					    NULL, 0, 1000 + i, &err));
	}
	MS_CU_EQ_INT(ms_mbox_tx_count(tx), 5);
	MS_CU_OK(ms_mbox_tx_commit(tx, NULL, &first, &err));
	ms_mbox_tx_free(tx);
	MS_CU_EQ_INT(first, 2);
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb), 6);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 6)->uid, 6);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 6)->internal_date, 1004);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 5)->flags, MS_MBOX_SEEN);
	/* an abandoned transaction leaves nothing */
	MS_CU_OK(ms_mbox_tx_begin(mb, &tx, &err));
	MS_CU_OK(ms_mbox_tx_msg_begin(tx, &err));
	MS_CU_OK(ms_mbox_tx_msg_data(tx, msg1, 10, &err));
	ms_mbox_tx_free(tx);
	MS_CU_EQ_INT(add(mb, msg1, 0), 7);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_mbox_close(mb);
}

/* Quota hook with a byte limit. */
struct tq {
	uint64_t used, limit, msgs;
};

static int
tq_reserve(void *ctx, uint64_t bytes, uint64_t msgs, struct ms_err *err)
{
	struct tq *q = ctx;

	if (q->used + bytes > q->limit)
		return ms_err_set(err, MS_E_OVERQUOTA, "Over quota", NULL);
	q->used += bytes;
	q->msgs += msgs;
	return 0;
}

static void
tq_release(void *ctx, uint64_t bytes, uint64_t msgs)
{
	struct tq *q = ctx;

	q->used -= bytes;
	q->msgs -= msgs;
}

static void
test_mbox_quota(void)
{
	struct ms_mbox *mb;
	struct tq q = { 0, 2 * (sizeof(msg1) - 1), 0 };
	struct ms_quota_hook hook;
	struct ms_err err;
	struct ms_mbox_uids gone;
	char rel[64], lk[32];
	uint32_t uid;

	memset(&gone, 0, sizeof(gone));
	hook.reserve = tq_reserve;
	hook.release = tq_release;
	hook.ctx = &q;
	mb = make_box(rel, lk, 3);
	MS_CU_OK(ms_mbox_append(mb, msg1, sizeof(msg1) - 1, MS_MBOX_DELETED,
				NULL, 0, 0, &hook, &uid, &err));
	MS_CU_OK(ms_mbox_append(mb, msg1, sizeof(msg1) - 1, 0, NULL, 0, 0,
				&hook, &uid, &err));
	MS_CU_EQ_INT(ms_mbox_append(mb, msg1, sizeof(msg1) - 1, 0, NULL, 0,
				    0, &hook, &uid, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_OVERQUOTA);
	MS_CU_EQ_INT(q.msgs, 2);
	MS_CU_OK(ms_mbox_expunge(mb, NULL, &hook, &gone, &err));
	MS_CU_EQ_INT(q.msgs, 1);
	MS_CU_EQ_INT(q.used, sizeof(msg1) - 1);
	/* the refused append left no UID gap and no file */
	MS_CU_OK(ms_mbox_append(mb, msg1, sizeof(msg1) - 1, 0, NULL, 0, 0,
				&hook, &uid, &err));
	MS_CU_EQ_INT(uid, 3);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_mbox_uids_free(&gone);
	ms_mbox_close(mb);
}

static void
copy_case(int byte_copy, int move)
{
	struct ms_pfs *cfs = fs;
	struct ms_mbox *a, *b;
	struct ms_mbox_uids su, du;
	struct ms_uidrange r[2] = { { 2, 3 }, { 5, 9 } };
	struct ms_uidset set = { r, 2 };
	struct ms_fault_plan plan;
	struct ms_mbox_cached c;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	struct ms_pdir *dir;
	struct ms_pstat pst;
	const char *kw[1] = { "Important" };
	char rel[64], lk[32], rel2[64], lk2[32];
	unsigned char guid5[16];
	size_t len;
	char *data;
	int i;

	memset(&su, 0, sizeof(su));
	memset(&du, 0, sizeof(du));
	if (byte_copy)
		MS_CU_OK(ms_pfs_open("fault", ms_cu_tmpdir, 0, &cfs, NULL));
	fresh(rel, sizeof(rel), lk, sizeof(lk));
	fresh(rel2, sizeof(rel2), lk2, sizeof(lk2));
	MS_CU_OK(ms_mbox_create(cfs, rel, lk, 1, &err));
	MS_CU_OK(ms_mbox_create(cfs, rel2, lk2, 2, &err));
	MS_CU_OK(ms_mbox_open(cfs, rel, lk, &a, &err));
	MS_CU_OK(ms_mbox_open(cfs, rel2, lk2, &b, &err));
	for (i = 0; i < 5; i++) {
		uint32_t uid;

		MS_CU_OK(ms_mbox_append(a, msg1, sizeof(msg1) - 1,
					i == 2 ? MS_MBOX_SEEN : 0, kw,
					i == 4 ? 1 : 0, 1234, NULL, &uid,
					&err));
	}
	add(b, msg1, 0);
	MS_CU_OK(ms_mbox_load(a, &err));
	memcpy(guid5, ms_mbox_rec_at(a, 5)->guid, 16);
	if (byte_copy) {
		/* the link (the first name call) is "unsupported" */
		memset(&plan, 0, sizeof(plan));
		plan.ops = MS_FAULT_OP_NAME;
		plan.fail_at = 1;
		plan.fail_with = MS_UNSUPPORTED;
		MS_CU_OK(ms_pfs_fault_plan(cfs, &plan));
	}
	if (move)
		MS_CU_OK(ms_mbox_move(a, &set, b, NULL, NULL, &su, &du, &err));
	else
		MS_CU_OK(ms_mbox_copy(a, &set, b, NULL, &su, &du, &err));
	if (byte_copy)
		CU_ASSERT(ms_pfs_fault_fired(cfs));
	MS_CU_EQ_INT(su.n, 3);
	MS_CU_EQ_INT(su.v[0], 2);
	MS_CU_EQ_INT(su.v[2], 5);
	MS_CU_EQ_INT(du.v[0], 2);
	MS_CU_EQ_INT(du.v[2], 4);
	MS_CU_OK(ms_mbox_load(b, &err));
	MS_CU_EQ_INT(ms_mbox_count(b), 4);
	MS_CU_EQ_INT(ms_mbox_rec_at(b, 3)->flags, MS_MBOX_SEEN);
	MS_CU_EQ_INT(ms_mbox_rec_at(b, 3)->internal_date, 1234);
	MS_CU_EQ_INT(ms_mbox_rec_at(b, 4)->keywords, 1);
	MS_CU_EQ_STR(ms_mbox_keyword(b, 0), "Important");
	MS_CU_EQ_MEM(ms_mbox_rec_at(b, 4)->guid, 16, guid5, 16);
	data = slurp(b, 2, &len);
	MS_CU_EQ_MEM(data, len, msg1, sizeof(msg1) - 1);
	free(data);
	data = slurp(b, 4, &len);
	MS_CU_EQ_MEM(data, len, msg1, sizeof(msg1) - 1);
	free(data);
	MS_CU_OK(ms_mbox_cache_get(b, 4, pool, &c, &err));
	MS_CU_EQ_INT(c.from_file, 0);
	CU_ASSERT_PTR_NOT_NULL(c.bodystructure.p);
	MS_CU_OK(ms_pdir_open(cfs, rel2, 0, &dir, NULL));
	/* dst 2 is src 2: copied byte by byte when the link "failed" */
	MS_CU_OK(ms_pfile_stat(dir, "00000002.msg", &pst, NULL));
	MS_CU_EQ_INT(pst.mtime, 1234);
	MS_CU_EQ_INT(pst.nlink, byte_copy || move ? 1 : 2);
	MS_CU_OK(ms_pfile_stat(dir, "00000004.msg", &pst, NULL));
	MS_CU_EQ_INT(pst.mtime, 1234);
	ms_pdir_close(dir);
	MS_CU_OK(ms_mbox_load(a, &err));
	MS_CU_EQ_INT(ms_mbox_count(a), move ? 2 : 5);
	MS_CU_EQ_INT(ms_mbox_check(cfs, rel, NULL, &err), 0);
	MS_CU_EQ_INT(ms_mbox_check(cfs, rel2, NULL, &err), 0);
	ms_mbox_close(a);
	ms_mbox_close(b);
	ms_mbox_uids_free(&su);
	ms_mbox_uids_free(&du);
	ms_pool_destroy(&pool);
	if (byte_copy)
		ms_pfs_close(cfs);
}

static void
test_mbox_copy_link(void)
{
	copy_case(0, 0);
}

static void
test_mbox_copy_bytes(void)
{
	copy_case(1, 0);
}

static void
test_mbox_move(void)
{
	copy_case(0, 1);
	copy_case(1, 1);
}

/* ---- \Recent claims ---- */

/* Claim up to upto on a fresh handle: rc, and the range when 1. */
static int
claim(const char *rel, const char *lk, uint32_t upto, uint32_t *from_r,
      uint32_t *to_r)
{
	struct ms_mbox *mb;
	struct ms_err err;
	int rc;

	*from_r = *to_r = 0;
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	rc = ms_mbox_recent_claim(mb, upto, from_r, to_r, &err);
	ms_mbox_close(mb);
	return rc;
}

static uint32_t
recent_first_of(const char *rel, const char *lk)
{
	struct ms_mbox *mb;
	struct ms_err err;
	uint32_t f;

	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	f = ms_mbox_recent_first(mb);
	ms_mbox_close(mb);
	return f;
}

static void
test_mbox_recent_claim(void)
{
	char rel[64], lk[32];
	struct ms_mbox *mb = make_box(rel, lk, 77);
	struct ms_mbox_report rep;
	struct ms_err err;
	uint32_t from, to;

	/* a new mailbox: everything that arrives is new */
	MS_CU_EQ_UINT(ms_mbox_recent_first(mb), 1);
	MS_CU_EQ_INT(claim(rel, lk, 10, &from, &to), 0);  /* nothing yet */
	add(mb, msg1, 0);
	add(mb, msg1, 0);
	add(mb, msg1, 0);
	MS_CU_EQ_UINT(recent_first_of(rel, lk), 1);
	/* a claim past the last UID is clamped to it */
	MS_CU_EQ_INT(claim(rel, lk, 2, &from, &to), 1);
	MS_CU_EQ_UINT(from, 1);
	MS_CU_EQ_UINT(to, 2);
	MS_CU_EQ_INT(claim(rel, lk, UINT32_MAX, &from, &to), 1);
	MS_CU_EQ_UINT(from, 3);
	MS_CU_EQ_UINT(to, 3);
	/* exactly once: a second claimer gets nothing */
	MS_CU_EQ_INT(claim(rel, lk, 3, &from, &to), 0);
	MS_CU_EQ_INT(claim(rel, lk, UINT32_MAX, &from, &to), 0);
	MS_CU_EQ_UINT(recent_first_of(rel, lk), 4);
	/* the handle's own (older) header: claims through it still see
	   the others' claims, taken under the lock */
	add(mb, msg1, 0);
	MS_CU_EQ_INT(ms_mbox_recent_claim(mb, 4, &from, &to, &err), 1);
	MS_CU_EQ_UINT(from, 4);
	MS_CU_EQ_UINT(to, 4);
	MS_CU_EQ_INT(ms_mbox_recent_claim(mb, 4, &from, &to, &err), 0);
	add(mb, msg1, 0);
	add(mb, msg1, 0);
	ms_mbox_close(mb);
	/* reconstruct keeps the claims of an intact index ... */
	MS_CU_OK(ms_mbox_rebuild(fs, rel, lk, 0, 0, &rep, &err));
	MS_CU_EQ_UINT(recent_first_of(rel, lk), 5);
	/* ... and without one, every message counts as claimed */
	{
		struct ms_pdir *d;
		struct ms_perr perr;

		CU_ASSERT_FATAL(ms_pdir_open(fs, rel, 0, &d, &perr) == 0);
		MS_CU_OK(ms_pfile_remove(d, "index", &perr));
		ms_pdir_close(d);
	}
	MS_CU_OK(ms_mbox_rebuild(fs, rel, lk, 77, 0, &rep, &err));
	MS_CU_EQ_UINT(recent_first_of(rel, lk), 7);
	MS_CU_EQ_INT(claim(rel, lk, 6, &from, &to), 0);
	MS_CU_EQ_UINT(recent_first_of(rel, lk), 7);     /* settled */
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	add(mb, msg1, 0);
	ms_mbox_close(mb);
	MS_CU_EQ_INT(claim(rel, lk, 100, &from, &to), 1);
	MS_CU_EQ_UINT(from, 7);
	MS_CU_EQ_UINT(to, 7);
}

/* ---- threads: separate handles, one mailbox ---- */

struct thr {
	const char *rel, *lk;
	int n;
	uint32_t uids[64];
	int failed;
};

static void *
thr_main(void *arg)
{
	struct thr *t = arg;
	struct ms_mbox *mb;
	struct ms_err err;
	int i;

	if (ms_mbox_open(fs, t->rel, t->lk, &mb, &err) < 0) {
		t->failed = 1;
		return NULL;
	}
	for (i = 0; i < t->n; i++) {
		if (ms_mbox_append(mb, msg1, sizeof(msg1) - 1, 0, NULL, 0, 0,
				   NULL, &t->uids[i], &err) < 0)
			t->failed = 1;
		if (i % 5 == 0)
			(void)ms_mbox_refresh(mb, &err);
	}
	ms_mbox_close(mb);
	return NULL;
}

static void
test_mbox_threads_no_lost_uids(void)
{
	struct ms_thread *th[4];
	struct thr t[4];
	struct ms_mbox *mb;
	struct ms_err err;
	char rel[64], lk[32];
	unsigned char seen[4 * 64 + 2];
	int i, j;

	mb = make_box(rel, lk, 3);
	for (i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].rel = rel;
		t[i].lk = lk;
		t[i].n = 25;
		MS_CU_OK(ms_thread_start(thr_main, &t[i], &th[i], NULL));
	}
	for (i = 0; i < 4; i++)
		ms_thread_join(th[i], NULL);
	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 4; i++) {
		MS_CU_EQ_INT(t[i].failed, 0);
		for (j = 0; j < t[i].n; j++) {
			uint32_t u = t[i].uids[j];

			CU_ASSERT(u >= 1 && u <= 100);
			if (u >= 1 && u <= 100) {
				MS_CU_EQ_INT(seen[u], 0);
				seen[u] = 1;
			}
			/* each thread's UIDs strictly increase */
			if (j > 0)
				CU_ASSERT(u > t[i].uids[j - 1]);
		}
	}
	MS_CU_OK(ms_mbox_load(mb, &err));
	MS_CU_EQ_INT(ms_mbox_count(mb), 100);
	MS_CU_EQ_INT(ms_mbox_rec_at(mb, 100)->uid, 100);
	MS_CU_EQ_INT(ms_mbox_check(fs, rel, NULL, &err), 0);
	ms_mbox_close(mb);
}

/* A big message across many chunks, with a MIME structure. */
static void
test_mbox_large_multipart(void)
{
	struct ms_mbox *mb;
	struct ms_mbox_cached c;
	struct ms_pool *pool = ms_pool_create("t", 0);
	struct ms_err err;
	struct ms_pdir *dir;
	char rel[64], lk[32];
	char *big;
	size_t n = 0, cap = 400000, len;
	uint32_t uid;
	char *data;
	int i;

	big = malloc(cap);
	n += (size_t)snprintf(big + n, cap - n,
		"Subject: big\nMIME-Version: 1.0\n"
		"Content-Type: multipart/mixed; boundary=XX\n\n"
		"--XX\nContent-Type: text/plain\n\nhello\n--XX\n"
		"Content-Type: application/octet-stream\n\n");
	for (i = 0; i < 4000; i++)
		n += (size_t)snprintf(big + n, cap - n, "%075d\n", i);
	n += (size_t)snprintf(big + n, cap - n, "--XX--\n");
	mb = make_box(rel, lk, 3);
	MS_CU_OK(ms_mbox_append(mb, big, n, 0, NULL, 0, 0, NULL, &uid, &err));
	data = slurp(mb, uid, &len);
	/* every LF became CRLF */
	MS_CU_EQ_INT(len, n + 4000 + 12);
	free(data);
	MS_CU_OK(ms_mbox_cache_get(mb, uid, pool, &c, &err));
	CU_ASSERT(c.bodystructure.len > 20 &&
		  memcmp(c.bodystructure.p, "((\"text\" \"plain\"", 16) == 0);
	MS_CU_EQ_INT(c.from_file, 0);
	MS_CU_EQ_MEM(c.preview.p, c.preview.len, "hello", 5);
	/* cache gone: the same PREVIEW computed from the message file (by a
	   new handle: an open one keeps reading the file it has open) */
	MS_CU_OK(ms_pdir_open(fs, rel, 0, &dir, NULL));
	MS_CU_OK(ms_pfile_remove(dir, "cache", NULL));
	ms_pdir_close(dir);
	ms_mbox_close(mb);
	MS_CU_OK(ms_mbox_open(fs, rel, lk, &mb, &err));
	MS_CU_OK(ms_mbox_cache_get(mb, uid, pool, &c, &err));
	MS_CU_EQ_INT(c.from_file, 1);
	MS_CU_EQ_MEM(c.preview.p, c.preview.len, "hello", 5);
	free(big);
	ms_pool_destroy(&pool);
	ms_mbox_close(mb);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mbox[] = {
	{ "test_mbox_create_open_status", test_mbox_create_open_status },
	{ "test_mbox_append_basic", test_mbox_append_basic },
	{ "test_mbox_append_crlf_normalised", test_mbox_append_crlf_normalised },
	{ "test_mbox_append_keywords_and_limit", test_mbox_append_keywords_and_limit },
	{ "test_mbox_flags_modseq", test_mbox_flags_modseq },
	{ "test_mbox_expunge", test_mbox_expunge },
	{ "test_mbox_refresh_other_handle", test_mbox_refresh_other_handle },
	{ "test_mbox_batch_append", test_mbox_batch_append },
	{ "test_mbox_quota", test_mbox_quota },
	{ "test_mbox_copy_link", test_mbox_copy_link },
	{ "test_mbox_copy_bytes", test_mbox_copy_bytes },
	{ "test_mbox_move", test_mbox_move },
	{ "test_mbox_recent_claim", test_mbox_recent_claim },
	{ "test_mbox_threads_no_lost_uids", test_mbox_threads_no_lost_uids },
	{ "test_mbox_large_multipart", test_mbox_large_multipart },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mbox = {
	"mbox",
	suite_init,
	suite_clean,
	ms_tests_mbox
};
