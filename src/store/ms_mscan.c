/*
 * ms_mscan.c -- one pass over a message as it is stored: line ends
 * normalised to CRLF (bare LF and bare CR both become CRLF; a CR at the
 * end of one chunk waits for the next), SHA-256 of the stored bytes (the
 * unique id is its first 16 bytes), and the incremental MIME parser,
 * whose tree gives the cache record (ENVELOPE, BODYSTRUCTURE, BODY,
 * header size, body lines, PREVIEW).  Used by append (normalising) and by
 * recovery and reconstruct on stored files (not normalising).
 *
 * PREVIEW (RFC 8970, ms_preview.h) needs body bytes the scan does not
 * keep: once the tree is known, the chosen text part's first bytes (at
 * most MS_PREVIEW_RAW_MAX per candidate) are read back from the stored
 * file, which is still in the page cache.
 */
#include "ms_sys.h"
#include "ms_mbox_int.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_mime.h"
#include "ms_imapfmt.h"
#include "ms_preview.h"

#include <string.h>
#include <openssl/evp.h>

#define SCAN_CHUNK      65536
/* Longest cached ENVELOPE / BODYSTRUCTURE / BODY string; larger ones are
   left out and computed from the file when asked for. */
#define FIELD_MAX       ((size_t)16 << 20)

void
ms_mscan_init(struct ms_mscan *s, int normalise)
{
	EVP_MD_CTX *md = EVP_MD_CTX_new();

	memset(s, 0, sizeof(*s));
	if (md == NULL || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1)
		ms_panic("mscan: cannot set up SHA-256");
	s->md = md;
	s->pool = ms_pool_create("mscan", 16384);
	s->mime = ms_mime_parser_create(s->pool, NULL);
	s->normalise = normalise;
}

/* Pass len stored bytes to the hash, the parser and out. */
static int
scan_emit(struct ms_mscan *s, const unsigned char *p, size_t len,
	  struct ms_buf *out)
{
	if (len == 0)
		return 0;
	if (out != NULL && ms_buf_append(out, p, len) < 0)
		return -1;
	(void)EVP_DigestUpdate((EVP_MD_CTX *)s->md, p, len);
	(void)ms_mime_parser_feed(s->mime, p, len);
	s->size += len;
	return 0;
}

static const unsigned char crlf[2] = { '\r', '\n' };

int
ms_mscan_feed(struct ms_mscan *s, const void *data, size_t len,
	      struct ms_buf *out)
{
	const unsigned char *p = data, *run = data, *end = p + len;

	if (!s->normalise)
		return scan_emit(s, p, len, out);
	while (p < end) {
		if (s->pending_cr) {
			/* a CR was held back: CRLF, or a bare CR */
			s->pending_cr = 0;
			if (scan_emit(s, crlf, 2, out) < 0)
				return -1;
			if (*p == '\n')
				p++;
			run = p;
			continue;
		}
		if (*p == '\r' || *p == '\n') {
			if (scan_emit(s, run, (size_t)(p - run), out) < 0)
				return -1;
			if (*p == '\r') {
				s->pending_cr = 1;
			} else if (scan_emit(s, crlf, 2, out) < 0) {
				return -1;
			}
			p++;
			run = p;
			continue;
		}
		p++;
	}
	return scan_emit(s, run, (size_t)(p - run), out);
}

int
ms_mscan_end(struct ms_mscan *s, struct ms_buf *out)
{
	if (s->pending_cr) {
		s->pending_cr = 0;
		return scan_emit(s, crlf, 2, out);
	}
	return 0;
}

/* Render one IMAP item with fn and add it as a cache field. */
static int
add_item(struct ms_buf *rec, unsigned tag,
	 int (*fn)(struct ms_buf *, const struct ms_mime_part *, unsigned),
	 const struct ms_mime_part *root)
{
	struct ms_buf b;
	int rc = 0;

	ms_buf_init(&b, NULL, FIELD_MAX);
	if (fn(&b, root, 0) == 0)
		rc = ms_cache_rec_field(rec, tag, b.data, b.len);
	ms_buf_free(&b);
	return rc;
}

/* ms_preview_read_fn over a platform file. */
static int
preview_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *n_r)
{
	struct ms_perr perr;

	return ms_pfile_read((struct ms_pfile *)ctx, buf, len, off, n_r,
			     &perr);
}

/*
 * Add the PREVIEW field made from f.  A read error leaves the field out
 * (the append goes on; FETCH PREVIEW then finds it absent) -- the cache
 * is derived data and a preview is not worth failing a delivery.
 */
static int
add_preview(struct ms_buf *rec, const struct ms_mime_part *root,
	    struct ms_pfile *f)
{
	struct ms_buf b;
	int rc = 0;

	ms_buf_init(&b, NULL, MS_PREVIEW_BYTES);
	if (ms_preview_make(&b, root, preview_read, f) == 0)
		rc = ms_cache_rec_field(rec, MS_CACHE_PREVIEW, b.data, b.len);
	ms_buf_free(&b);
	return rc;
}

int
ms_mscan_result(struct ms_mscan *s, uint32_t uid, unsigned char guid[16],
		uint64_t *size_r, struct ms_pfile *f, struct ms_buf *rec)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char u64[8];
	unsigned int mdlen = 0;
	const struct ms_mime_part *root;
	size_t start = rec->len;

	(void)EVP_DigestFinal_ex((EVP_MD_CTX *)s->md, md, &mdlen);
	memcpy(guid, md, 16);
	*size_r = s->size;
	root = ms_mime_parser_finish(s->mime);
	if (ms_cache_rec_begin(rec, uid) < 0 ||
	    add_item(rec, MS_CACHE_ENVELOPE, ms_imapfmt_envelope, root) < 0 ||
	    add_item(rec, MS_CACHE_BODYSTRUCTURE, ms_imapfmt_bodystructure,
		     root) < 0 ||
	    add_item(rec, MS_CACHE_BODY, ms_imapfmt_body, root) < 0)
		goto full;
	ms_le64_put(u64, ms_mime_hdr_size(root));
	if (ms_cache_rec_field(rec, MS_CACHE_HDR_SIZE_TAG, u64, 8) < 0)
		goto full;
	ms_le64_put(u64, root->body_lines);
	if (ms_cache_rec_field(rec, MS_CACHE_BODY_LINES, u64, 8) < 0)
		goto full;
	if (f != NULL && add_preview(rec, root, f) < 0)
		goto full;
	if (ms_cache_rec_finish(rec, start) < 0)
		goto full;
	return 0;
full:
	ms_buf_truncate(rec, start);
	return -1;
}

void
ms_mscan_free(struct ms_mscan *s)
{
	if (s->md != NULL)
		EVP_MD_CTX_free((EVP_MD_CTX *)s->md);
	s->md = NULL;
	ms_pool_destroy(&s->pool);
	s->mime = NULL;
}

int
ms_mscan_file(struct ms_pdir *dir, uint32_t uid, unsigned char guid[16],
	      uint64_t *size_r, int64_t *mtime_r, struct ms_buf *rec,
	      struct ms_perr *perr)
{
	char leaf[16];
	struct ms_pstat st;
	struct ms_pfile *f;
	struct ms_mscan s;
	unsigned char *buf;
	uint64_t off = 0;
	size_t n;
	int rc = 0;

	ms_mb_msg_leaf(uid, leaf, sizeof(leaf));
	if (ms_pfile_stat(dir, leaf, &st, perr) < 0)
		return -1;
	if (ms_pfile_open(dir, leaf, MS_PF_READ, &f, perr) < 0)
		return -1;
	*mtime_r = st.mtime;
	buf = ms_xmalloc(SCAN_CHUNK);
	ms_mscan_init(&s, 0);
	for (;;) {
		if (ms_pfile_read(f, buf, SCAN_CHUNK, off, &n, perr) < 0) {
			rc = -1;
			break;
		}
		if (n == 0)
			break;
		(void)ms_mscan_feed(&s, buf, n, NULL);
		off += n;
	}
	ms_xfree(buf);
	if (rc == 0 && ms_mscan_result(&s, uid, guid, size_r, f, rec) < 0)
		rc = ms_perr_set(perr, MS_NOMEM, 0, "cache record too large");
	(void)ms_pfile_close(f, NULL);
	ms_mscan_free(&s);
	return rc;
}
