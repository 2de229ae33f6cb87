/*
 * fuzz_preview.c -- RFC 8970 PREVIEW text on any input.
 *
 * Input: one control byte, then data.  Bit 0 of the control byte picks
 * the mode: 0 parses the data as a message and makes its preview through
 * a read callback (whole reads, and reads of 1..16 bytes that must give
 * the same text, with the bytes read bounded); 1 treats the data as the
 * raw body of a part whose header bits 1-4 pick (text/plain or
 * text/html, transfer encoding, charset) and bit 5 says whether the body
 * was cut.  Either way the preview must be valid UTF-8 of at most
 * MS_PREVIEW_CHARS characters, without control characters, without
 * leading, trailing or doubled spaces, and a buffer one byte too small
 * must fail with nothing written.  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_preview.h"
#include "ms_mime.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) { \
	fprintf(stderr, "check failed: %s (line %d)\n", #cond, __LINE__); \
	abort(); } } while (0)

struct mem {
	const uint8_t *p;
	size_t len, step, bytes;
};

static int
mem_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *n_r)
{
	struct mem *m = ctx;

	*n_r = 0;
	if (off >= m->len)
		return 0;
	if (len > m->len - (size_t)off)
		len = m->len - (size_t)off;
	if (m->step != 0 && len > m->step)
		len = m->step;
	memcpy(buf, m->p + off, len);
	m->bytes += len;
	*n_r = len;
	return 0;
}

/* The preview rules every output keeps. */
static void
check_text(const struct ms_buf *b)
{
	size_t i = 0, n, chars = 0;
	uint32_t cp;

	CHECK(b->len <= MS_PREVIEW_BYTES);
	CHECK(ms_utf8_valid(b->data, b->len));
	if (b->len > 0) {
		CHECK(b->data[0] != ' ');
		CHECK(b->data[b->len - 1] != ' ');
	}
	while (i < b->len) {
		CHECK(ms_utf8_decode(b->data + i, b->len - i, &cp, &n) == 0);
		CHECK(cp >= 0x20 && cp != 0x7f && !(cp >= 0x80 && cp <= 0x9f));
		CHECK(cp != 0xfeff && cp != 0xa0);
		if (cp == ' ')
			CHECK(i + 1 < b->len && b->data[i + 1] != ' ');
		chars++;
		i += n;
	}
	CHECK(chars <= MS_PREVIEW_CHARS);
}

static const char *const headers[] = {
	"\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/html\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n"
	"Content-Transfer-Encoding: base64\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable"
	"\r\nContent-Type: text/plain; charset=iso-8859-1\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Transfer-Encoding: quoted-printable"
	"\r\nContent-Type: text/html; charset=windows-1251\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=koi8-r\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/html; charset=us-ascii\r\n"
	"\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=x-unknown\r\n"
	"Content-Transfer-Encoding: 8bit\r\n\r\n",
	"MIME-Version: 1.0\r\nContent-Type: text/plain\r\n"
	"Content-Transfer-Encoding: x-uuencode\r\n\r\n"
};

/* A buffer one byte short of out's text must fail and stay as it was. */
static void
check_short(const struct ms_buf *want, const struct ms_mime_part *root,
	    const struct ms_mime_part *part, const uint8_t *raw, size_t len,
	    int is_cut, struct mem *m)
{
	struct ms_buf b;

	if (want->len == 0)
		return;
	/* max 0 would mean "no limit": keep a prefix in front */
	ms_buf_init(&b, NULL, want->len + 2);
	CHECK(ms_buf_append(&b, "abc", 3) == 0);
	if (root != NULL)
		CHECK(ms_preview_make(&b, root, mem_read, m) == -1);
	else
		CHECK(ms_preview_text(&b, part, raw, len, is_cut) == -1);
	CHECK(b.len == 3 && memcmp(b.data, "abc", 3) == 0);
	ms_buf_free(&b);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pool *pool;
	struct ms_mime_part *root;
	struct ms_buf a, b;
	struct mem m;
	const char *hdr;
	unsigned ctl;
	int is_cut;

	if (size < 1)
		return 0;
	ctl = data[0];
	data++;
	size--;
	pool = ms_pool_create("fuzz_preview", 0);
	ms_buf_init(&a, NULL, 0);
	ms_buf_init(&b, NULL, 0);
	memset(&m, 0, sizeof(m));
	m.p = data;
	m.len = size;
	if ((ctl & 1) == 0) {
		root = ms_mime_parse(pool, NULL, data, size);
		CHECK(ms_preview_make(&a, root, mem_read, &m) == 0);
		check_text(&a);
		CHECK(m.bytes <= (size_t)MS_PREVIEW_RAW_MAX * MS_PREVIEW_TRIES);
		/* small reads give the same text */
		m.bytes = 0;
		m.step = 1 + (ctl >> 1) % 16;
		CHECK(ms_preview_make(&b, root, mem_read, &m) == 0);
		CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
		check_short(&a, root, NULL, NULL, 0, 0, &m);
	} else {
		hdr = headers[(ctl >> 1) % (sizeof(headers) /
					    sizeof(headers[0]))];
		is_cut = (ctl >> 5) & 1;
		root = ms_mime_parse(pool, NULL, hdr, strlen(hdr));
		CHECK(ms_preview_text(&a, root, data, size, is_cut) == 0);
		check_text(&a);
		check_short(&a, NULL, root, data, size, is_cut, NULL);
	}
	ms_buf_free(&a);
	ms_buf_free(&b);
	ms_pool_destroy(&pool);
	return 0;
}
