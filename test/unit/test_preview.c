/*
 * test_preview.c -- RFC 8970 PREVIEW text (ms_preview.h): which part is
 * chosen (text/plain first, then text/html; attachments, embedded
 * messages and unknown encodings skipped; an empty candidate falls
 * through), transfer decoding (QP, base64 including junk and cut
 * quanta), charsets (iso-8859-1 read as windows-1252), HTML stripping
 * (tags, comments, script/style/title, references), white space and
 * control characters, the 200-character cut on a UTF-8 boundary, the
 * bounded read, and the error paths (full buffer, read error).
 */
#include "ms_sys.h"
#include "ms_preview.h"
#include "ms_mime.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <stdlib.h>
#include <string.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_preview", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* A message in memory read through the callback, with counters. */
struct mem {
	const char *p;
	size_t len;
	size_t step;            /* most bytes per read (0: any) */
	unsigned reads;
	size_t bytes;           /* bytes handed out */
	int fail;               /* every read fails */
};

static int
mem_read(void *ctx, uint64_t off, void *buf, size_t len, size_t *n_r)
{
	struct mem *m = ctx;

	m->reads++;
	*n_r = 0;
	if (m->fail)
		return -1;
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

/* The preview of msg[0..len) as a pool string; reads counted in *m_r. */
static const char *
preview_m(const char *msg, size_t len, struct mem *m_r)
{
	struct ms_mime_part *root;
	struct ms_buf b;
	char *s;
	int rc;

	memset(m_r, 0, sizeof(*m_r));
	m_r->p = msg;
	m_r->len = len;
	root = ms_mime_parse(pool, NULL, msg, len);
	ms_buf_init(&b, NULL, MS_PREVIEW_BYTES);
	rc = ms_preview_make(&b, root, mem_read, m_r);
	MS_CU_OK(rc);
	s = ms_palloc(pool, b.len + 1);
	memcpy(s, b.data, b.len);
	s[b.len] = '\0';
	CU_ASSERT(ms_utf8_valid(b.data, b.len));
	ms_buf_free(&b);
	return s;
}

static const char *
preview(const char *msg)
{
	struct mem m;

	return preview_m(msg, strlen(msg), &m);
}

/* Code points in s. */
static size_t
nchars(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++) {
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	}
	return n;
}

/* ms_preview_text on raw with the part a header gives. */
static const char *
text_of(const char *hdr, const char *raw, size_t len, int is_cut)
{
	struct ms_mime_part *root;
	struct ms_buf b;
	char *s;

	root = ms_mime_parse(pool, NULL, hdr, strlen(hdr));
	ms_buf_init(&b, NULL, MS_PREVIEW_BYTES);
	MS_CU_OK(ms_preview_text(&b, root, raw, len, is_cut));
	CU_ASSERT(ms_utf8_valid(b.data, b.len));
	s = ms_palloc(pool, b.len + 1);
	memcpy(s, b.data, b.len);
	ms_buf_free(&b);
	return s;
}

#define MIME "MIME-Version: 1.0\r\n"

/* ---- tests -------------------------------------------------------------- */

static void
test_preview_plain(void)
{
	MS_CU_EQ_STR(preview("Subject: x\r\n\r\nHello  world.\r\n"
			     "Second line.\r\n"),
		     "Hello world. Second line.");
	/* no header at all, no MIME: the body as it is */
	MS_CU_EQ_STR(preview("\r\nJust text"), "Just text");
	/* Content-Transfer-Encoding without MIME-Version means nothing */
	MS_CU_EQ_STR(preview("Content-Transfer-Encoding: base64\r\n\r\n"
			     "SGVsbG8=\r\n"), "SGVsbG8=");
	/* 8-bit UTF-8 without a charset is taken as UTF-8 */
	MS_CU_EQ_STR(preview("Subject: x\r\n\r\ncaf\xc3\xa9\r\n"),
		     "caf\xc3\xa9");
}

static void
test_preview_qp(void)
{
	MS_CU_EQ_STR(preview(MIME "Content-Type: text/plain; charset=utf-8\r\n"
			     "Content-Transfer-Encoding: quoted-printable\r\n"
			     "\r\n"
			     "caf=C3=A9 with a soft=\r\n"
			     " break and =3D sign=20\r\n"),
		     "caf\xc3\xa9 with a soft break and = sign");
	/* a bad escape stays literal */
	MS_CU_EQ_STR(preview(MIME "Content-Transfer-Encoding: QUOTED-PRINTABLE"
			     "\r\n\r\n100=% sure=ZZ\r\n"), "100=% sure=ZZ");
}

static void
test_preview_base64(void)
{
	MS_CU_EQ_STR(preview(MIME "Content-Type: text/plain; charset=\"UTF-8\""
			     "\r\nContent-Transfer-Encoding: base64\r\n\r\n"
			     "SGVsbG8g\r\nd29ybGQ=\r\n"),
		     "Hello world");
	/* UTF-8 inside base64: "\xc3\xa9t\xc3\xa9" */
	MS_CU_EQ_STR(preview(MIME "Content-Transfer-Encoding: Base64\r\n\r\n"
			     "w6l0w6k=\r\n"), "\xc3\xa9t\xc3\xa9");
}

static void
test_preview_malformed_base64(void)
{
	/* junk characters are skipped, missing padding tolerated */
	MS_CU_EQ_STR(preview(MIME "Content-Transfer-Encoding: base64\r\n\r\n"
			     "SGVs!!bG8*gd2 9y\r\nbGQ\r\n"), "Hello world");
	/* nothing but padding and junk: empty */
	MS_CU_EQ_STR(preview(MIME "Content-Transfer-Encoding: base64\r\n\r\n"
			     "====\r\n!!!!\r\n"), "");
	/* binary bytes (0xff 0xfe 0x00 0x01) become valid UTF-8: one
	   U+FFFD per bad byte, NUL and U+0001 dropped */
	MS_CU_EQ_STR(preview(MIME "Content-Transfer-Encoding: base64\r\n\r\n"
			     "//4AAQ==\r\n"),
		     "\xef\xbf\xbd\xef\xbf\xbd");
}

static void
test_preview_charset_latin1(void)
{
	MS_CU_EQ_STR(preview(MIME
			     "Content-Type: text/plain; charset=iso-8859-1\r\n"
			     "\r\nd\xe9j\xe0 vu\r\n"),
		     "d\xc3\xa9j\xc3\xa0 vu");
	/* ISO-8859-1 is read as windows-1252 (0x80 is the euro sign) */
	MS_CU_EQ_STR(preview(MIME
			     "Content-Type: text/plain; charset=ISO-8859-1\r\n"
			     "Content-Transfer-Encoding: quoted-printable\r\n"
			     "\r\n5 =80 =E9t=E9\r\n"),
		     "5 \xe2\x82\xac \xc3\xa9t\xc3\xa9");
	/* a C1 control in iso-8859-2 is dropped */
	MS_CU_EQ_STR(preview(MIME
			     "Content-Type: text/plain; charset=iso-8859-2\r\n"
			     "\r\na\x81" "b\r\n"), "ab");
}

static void
test_preview_html_only(void)
{
	MS_CU_EQ_STR(preview(MIME "Content-Type: text/html; charset=utf-8\r\n"
			     "\r\n"
			     "<!DOCTYPE html><html><head><title>Title</title>"
			     "<style>p { color: red }</style></head>\r\n"
			     "<body><p>Hello&nbsp;<b>wor</b>ld &amp; "
			     "&lt;you&gt; &#233;&#x20AC;</p>"
			     "<script>alert('<p>x</p>')</script>"
			     "<!-- a <p>comment</p> --><div>next</div>"
			     "<img alt=\"a > b\" src=x>end</body></html>\r\n"),
		     "Hello world & <you> \xc3\xa9\xe2\x82\xac next end");
	/* lone '<' and '&' are text; unknown references stay */
	MS_CU_EQ_STR(preview(MIME "Content-Type: text/html\r\n\r\n"
			     "a < b && c &bogus; &#xZZ; &#0; R&D</p>\r\n"),
		     "a < b && c &bogus; &#xZZ; \xef\xbf\xbd R&D");
	/* an unterminated tag swallows the rest; upper-case tags */
	MS_CU_EQ_STR(preview(MIME "Content-Type: TEXT/HTML\r\n\r\n"
			     "<P>one<BR>two<SCRIPT>x</SCRIPT>three<a href=\""
			     "\r\n"),
		     "one two three");
}

static void
test_preview_alternative_picks_plain(void)
{
	static const char msg[] =
		MIME "Content-Type: multipart/alternative; boundary=b1\r\n"
		"\r\n--b1\r\nContent-Type: text/html\r\n\r\n"
		"<p>HTML version</p>\r\n"
		"--b1\r\nContent-Type: text/plain\r\n\r\n"
		"Plain version\r\n"
		"--b1--\r\n";
	const struct ms_mime_part *root, *p;

	MS_CU_EQ_STR(preview(msg), "Plain version");
	root = ms_mime_parse(pool, NULL, msg, strlen(msg));
	p = ms_preview_part(root);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT(ms_mime_is_type(p, "text", "plain"));
	CU_ASSERT(p == root->children->next);
}

static void
test_preview_attachment_skipped(void)
{
	MS_CU_EQ_STR(preview(MIME
		"Content-Type: multipart/mixed; boundary=zz\r\n\r\n"
		"--zz\r\nContent-Type: text/plain\r\n"
		"Content-Disposition: ATTACHMENT; filename=secret.txt\r\n\r\n"
		"secret file\r\n"
		"--zz\r\nContent-Type: message/rfc822\r\n\r\n"
		"Subject: inner\r\n\r\nforwarded text\r\n"
		"--zz\r\nContent-Type: text/plain; charset=us-ascii\r\n"
		"Content-Disposition: inline\r\n\r\n"
		"visible text\r\n"
		"--zz--\r\n"),
		"visible text");
	/* a multipart that is an attachment hides its text parts */
	MS_CU_EQ_STR(preview(MIME
		"Content-Type: multipart/mixed; boundary=o\r\n\r\n"
		"--o\r\nContent-Type: multipart/alternative; boundary=i\r\n"
		"Content-Disposition: attachment\r\n\r\n"
		"--i\r\nContent-Type: text/plain\r\n\r\nhidden\r\n--i--\r\n"
		"--o\r\nContent-Type: text/html\r\n\r\n<i>shown</i>\r\n"
		"--o--\r\n"),
		"shown");
}

static void
test_preview_cut_200_utf8(void)
{
	char *msg = malloc(4096), *p;
	const char *s;
	size_t i;

	/* 300 two-byte characters: 200 kept, 400 bytes */
	p = msg + sprintf(msg, "Subject: x\r\n\r\n");
	for (i = 0; i < 300; i++) {
		*p++ = '\xc3';
		*p++ = '\xa9';
	}
	*p = '\0';
	s = preview(msg);
	MS_CU_EQ_INT(nchars(s), MS_PREVIEW_CHARS);
	MS_CU_EQ_INT(strlen(s), 2 * MS_PREVIEW_CHARS);
	/* four-byte characters after one ASCII letter: never split */
	p = msg + sprintf(msg, "Subject: x\r\n\r\nx");
	for (i = 0; i < 250; i++) {
		memcpy(p, "\xf0\x9f\x98\x80", 4);
		p += 4;
	}
	*p = '\0';
	s = preview(msg);
	MS_CU_EQ_INT(nchars(s), MS_PREVIEW_CHARS);
	MS_CU_EQ_INT(strlen(s), 1 + 4 * (MS_PREVIEW_CHARS - 1));
	CU_ASSERT(ms_utf8_valid(s, strlen(s)));
	/* "abc " repeated: no trailing space at the cut */
	p = msg + sprintf(msg, "Subject: x\r\n\r\n");
	for (i = 0; i < 100; i++)
		p += sprintf(p, "abc  \r\n");
	s = preview(msg);
	CU_ASSERT(nchars(s) <= MS_PREVIEW_CHARS);
	MS_CU_EQ_INT(nchars(s), 199);      /* 50 words, 49 spaces */
	CU_ASSERT(s[strlen(s) - 1] == 'c');
	free(msg);
}

static void
test_preview_whitespace_collapsed(void)
{
	MS_CU_EQ_STR(preview("Subject: x\r\n\r\n\t  a \r\n\r\n\t b\x0b" "c"
			     "\x0c  d\r\n   \r\n"), "a b c d");
	/* control characters dropped, not turned into spaces */
	MS_CU_EQ_STR(preview("Subject: x\r\n\r\na\x01" "b\x7f" "c\x1b[0m\r\n"),
		     "abc[0m");
	/* Unicode spaces collapse, bidi override and BOM vanish */
	MS_CU_EQ_STR(preview("Subject: x\r\n\r\n\xef\xbb\xbf" "a\xc2\xa0\xe2"
			     "\x80\x83" "b\xe2\x80\xae" "c\xe2\x80\xa8" "d\r\n"),
		     "a bc d");
}

static void
test_preview_empty_and_no_text(void)
{
	struct mem m;
	static const char pdf[] =
		MIME "Content-Type: application/pdf\r\n\r\n%PDF-1.4\r\n";

	MS_CU_EQ_STR(preview("Subject: x\r\n\r\n \r\n\t\r\n"), "");
	MS_CU_EQ_STR(preview("Subject: x\r\n"), "");
	MS_CU_EQ_STR(preview_m(pdf, sizeof(pdf) - 1, &m), "");
	MS_CU_EQ_INT(m.reads, 0);
	CU_ASSERT_PTR_NULL(ms_preview_part(
		ms_mime_parse(pool, NULL, pdf, sizeof(pdf) - 1)));
	MS_CU_EQ_STR(preview(MIME
		"Content-Type: multipart/mixed; boundary=q\r\n\r\n"
		"--q\r\nContent-Type: image/png\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\niVBORw0K\r\n"
		"--q--\r\n"), "");
	/* HTML with markup only */
	MS_CU_EQ_STR(preview(MIME "Content-Type: text/html\r\n\r\n"
			     "<html><body><br/></body></html>\r\n"), "");
}

static void
test_preview_empty_part_falls_through(void)
{
	/* an empty text/plain, then an unknown encoding, then HTML */
	MS_CU_EQ_STR(preview(MIME
		"Content-Type: multipart/alternative; boundary=a\r\n\r\n"
		"--a\r\nContent-Type: text/plain\r\n\r\n  \r\n"
		"--a\r\nContent-Type: text/plain\r\n"
		"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644\r\n"
		"--a\r\nContent-Type: text/html\r\n\r\n<p>rich</p>\r\n"
		"--a--\r\n"), "rich");
}

/* The body is read in bounded pieces, whatever its size and chunking. */
static void
test_preview_bounded_read(void)
{
	size_t len = (size_t)1 << 20, i, hlen;
	char *msg = malloc(len + 1);
	const char *s, *want;
	struct mem m;

	hlen = (size_t)sprintf(msg, "Subject: big\r\n\r\n");
	for (i = hlen; i < len; i++)
		msg[i] = i % 7 == 0 ? ' ' : (char)('a' + i % 26);
	msg[len] = '\0';
	s = preview_m(msg, len, &m);
	MS_CU_EQ_INT(nchars(s), 200);
	CU_ASSERT(m.bytes <= MS_PREVIEW_RAW_MAX);
	/* one byte per read gives the same text */
	want = s;
	{
		struct ms_mime_part *root = ms_mime_parse(pool, NULL, msg,
							  len);
		struct ms_buf b;

		memset(&m, 0, sizeof(m));
		m.p = msg;
		m.len = len;
		m.step = 1;
		ms_buf_init(&b, NULL, 0);
		MS_CU_OK(ms_preview_make(&b, root, mem_read, &m));
		MS_CU_EQ_STR(ms_buf_cstr(&b), want);
		MS_CU_EQ_INT(m.reads, MS_PREVIEW_RAW_MAX);
		ms_buf_free(&b);
	}
	/* a huge <style> first: the text after it is beyond the read
	   limit, so the preview is empty rather than the whole body read */
	hlen = (size_t)sprintf(msg, MIME "Content-Type: text/html\r\n\r\n"
			       "<style>");
	memset(msg + hlen, 'x', len - hlen);
	memcpy(msg + len - 20, "</style>visible!!!!!", 20);
	s = preview_m(msg, len, &m);
	MS_CU_EQ_STR(s, "");
	CU_ASSERT(m.bytes <= MS_PREVIEW_RAW_MAX);
	free(msg);
}

/* A body cut by the read limit drops its incomplete tail. */
static void
test_preview_cut_tail(void)
{
	static const char b64[] = MIME "Content-Transfer-Encoding: base64\r\n"
		"\r\n";
	static const char qp[] = MIME "Content-Transfer-Encoding: "
		"quoted-printable\r\nContent-Type: text/plain; charset=utf-8"
		"\r\n\r\n";
	static const char html[] = MIME "Content-Type: text/html\r\n\r\n";

	MS_CU_EQ_STR(text_of(b64, "SGVsbG8gd29ybGQ", 15, 0), "Hello world");
	MS_CU_EQ_STR(text_of(b64, "SGVsbG8gd29ybGQ", 15, 1), "Hello wor");
	MS_CU_EQ_STR(text_of(qp, "ab=C", 4, 0), "ab=C");
	MS_CU_EQ_STR(text_of(qp, "ab=C", 4, 1), "ab");
	MS_CU_EQ_STR(text_of(qp, "ab=C3", 5, 1), "ab");
	MS_CU_EQ_STR(text_of("\r\n", "abc\xc3", 4, 0), "abc\xef\xbf\xbd");
	MS_CU_EQ_STR(text_of("\r\n", "abc\xc3", 4, 1), "abc");
	MS_CU_EQ_STR(text_of(html, "x &am", 5, 1), "x");
	MS_CU_EQ_STR(text_of(html, "x &am", 5, 0), "x &am");
	/* more than MS_PREVIEW_RAW_MAX bytes given: only that much used */
	{
		char *big = malloc(MS_PREVIEW_RAW_MAX + 10);

		memset(big, ' ', MS_PREVIEW_RAW_MAX + 10);
		memcpy(big + MS_PREVIEW_RAW_MAX + 2, "late", 4);
		MS_CU_EQ_STR(text_of("\r\n", big, MS_PREVIEW_RAW_MAX + 10, 0),
			     "");
		free(big);
	}
}

static void
test_preview_errors(void)
{
	static const char msg[] = "Subject: x\r\n\r\nsome text here\r\n";
	struct ms_mime_part *root = ms_mime_parse(pool, NULL, msg,
						  sizeof(msg) - 1);
	struct ms_buf b;
	struct mem m;

	/* out too small: -1 and out unchanged */
	memset(&m, 0, sizeof(m));
	m.p = msg;
	m.len = sizeof(msg) - 1;
	ms_buf_init(&b, NULL, 8);
	MS_CU_OK(ms_buf_append(&b, "pre", 3));
	MS_CU_EQ_INT(ms_preview_make(&b, root, mem_read, &m), -1);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "pre");
	ms_buf_free(&b);
	/* read error: -1, nothing appended */
	m.fail = 1;
	ms_buf_init(&b, NULL, 0);
	MS_CU_EQ_INT(ms_preview_make(&b, root, mem_read, &m), -1);
	MS_CU_EQ_INT(b.len, 0);
	ms_buf_free(&b);
	/* NULL tree: empty */
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_preview_make(&b, NULL, mem_read, &m));
	MS_CU_EQ_INT(b.len, 0);
	ms_buf_free(&b);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_preview[] = {
	{ "test_preview_plain", test_preview_plain },
	{ "test_preview_qp", test_preview_qp },
	{ "test_preview_base64", test_preview_base64 },
	{ "test_preview_malformed_base64", test_preview_malformed_base64 },
	{ "test_preview_charset_latin1", test_preview_charset_latin1 },
	{ "test_preview_html_only", test_preview_html_only },
	{ "test_preview_alternative_picks_plain", test_preview_alternative_picks_plain },
	{ "test_preview_attachment_skipped", test_preview_attachment_skipped },
	{ "test_preview_cut_200_utf8", test_preview_cut_200_utf8 },
	{ "test_preview_whitespace_collapsed", test_preview_whitespace_collapsed },
	{ "test_preview_empty_and_no_text", test_preview_empty_and_no_text },
	{ "test_preview_empty_part_falls_through", test_preview_empty_part_falls_through },
	{ "test_preview_bounded_read", test_preview_bounded_read },
	{ "test_preview_cut_tail", test_preview_cut_tail },
	{ "test_preview_errors", test_preview_errors },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_preview = {
	"preview",
	suite_init,
	suite_clean,
	ms_tests_preview
};
