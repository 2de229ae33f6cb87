/*
 * test_mime_bin.c -- the binary-to-base64 MIME transform: single and
 * multipart messages, embedded messages, NUL / bare CR / bare LF in parts
 * declared 8bit or without MIME, output equal for every chunking,
 * messages with nothing to convert byte-identical, and hostile input
 * (missing end boundary, huge header, boundary inside binary data, bare-LF
 * boundaries, nesting past the limit, an output function that fails).
 * Converted parts are checked by parsing the output with ms_mime and
 * decoding them.
 */
#include "ms_sys.h"
#include "ms_mime_bin.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_mem.h"
#include "ms_mime.h"
#include "ms_pool.h"
#include "ms_cu.h"

#define HDR_BIN "From: a@example.org\r\nMIME-Version: 1.0\r\n" \
	"Content-Type: application/octet-stream\r\n" \
	"Content-Transfer-Encoding: binary\r\n\r\n"

static const unsigned char imaptest_body[7] = {
	0x00, '-', 0xe4, '\n', '\r', '\n', '\n'
};

static int
out_buf(void *ctx, const void *data, size_t len)
{
	return ms_buf_append(ctx, data, len);
}

static int
out_fail(void *ctx, const void *data, size_t len)
{
	int *calls = ctx;

	(void)data;
	(void)len;
	(*calls)++;
	return -1;
}

/* Transform in[0..len) fed in pieces of chunk bytes (0: whole) into out
   (reset first); returns the transform's problems or -1. */
static int
run(struct ms_buf *out, const void *in, size_t len, size_t chunk,
    const struct ms_mime_limits *lim, size_t sniff, unsigned *conv_r)
{
	const unsigned char *p = in;
	struct ms_mime_bin *b;
	size_t k;
	int rc = 0;

	ms_buf_reset(out);
	b = ms_mime_bin_create(lim, sniff, out_buf, out);
	if (chunk == 0)
		chunk = len > 0 ? len : 1;
	while (len > 0) {
		k = len < chunk ? len : chunk;
		if (ms_mime_bin_feed(b, p, k) < 0)
			rc = -1;
		p += k;
		len -= k;
	}
	if (ms_mime_bin_finish(b) < 0)
		rc = -1;
	if (conv_r != NULL)
		*conv_r = ms_mime_bin_converted(b);
	if (rc == 0) {
		rc = (int)ms_mime_bin_problems(b);
		CU_ASSERT(ms_mime_bin_out_size(b) == out->len);
	}
	ms_mime_bin_free(&b);
	CU_ASSERT(b == NULL);
	return rc;
}

/* Part at the 1-based path (0-terminated) below root, as IMAP numbers
   them (a message part's children are its message's). */
static const struct ms_mime_part *
part_at(const struct ms_mime_part *root, const unsigned *path)
{
	const struct ms_mime_part *p = root;
	unsigned i, n;

	for (i = 0; path[i] != 0; i++) {
		if (p->flags & MS_MIME_MESSAGE)
			p = p->children;
		if (p == NULL)
			return NULL;
		if (!(p->flags & MS_MIME_MULTIPART)) {
			if (path[i] != 1)
				return NULL;
			continue;
		}
		p = p->children;
		for (n = 1; p != NULL && n < path[i]; n++)
			p = p->next;
		if (p == NULL)
			return NULL;
	}
	return p;
}

/* Decoded body of the part at path in the message msg (base64 or as is). */
static void
decoded(struct ms_buf *dst, const struct ms_buf *msg, const unsigned *path)
{
	struct ms_pool *pool = ms_pool_create("t", 0);
	const struct ms_mime_part *root, *p;
	const unsigned char *body;
	size_t n;

	ms_buf_reset(dst);
	root = ms_mime_parse(pool, NULL, msg->data, msg->len);
	p = part_at(root, path);
	CU_ASSERT_FATAL(p != NULL);
	body = msg->data + p->body_off;
	n = (size_t)ms_mime_body_size(p);
	if (p->cte.p != NULL && ms_str_eq_cstr_ci(p->cte, "base64"))
		MS_CU_OK(ms_b64_decode_mime(dst, body, n));
	else
		MS_CU_OK(ms_buf_append(dst, body, n));
	ms_pool_destroy(&pool);
}

static void
shape_eq(const struct ms_mime_part *a, const struct ms_mime_part *b)
{
	MS_CU_EQ_INT(a->nchildren, b->nchildren);
	MS_CU_EQ_INT(a->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE),
		     b->flags & (MS_MIME_MULTIPART | MS_MIME_MESSAGE));
	for (a = a->children, b = b->children; a != NULL && b != NULL;
	     a = a->next, b = b->next)
		shape_eq(a, b);
	CU_ASSERT(a == NULL && b == NULL);
}

/* The parser finds the same parts in the input and the output. */
static void
same_shape(const void *in, size_t len, const struct ms_buf *out)
{
	struct ms_pool *pool = ms_pool_create("t", 0);

	shape_eq(ms_mime_parse(pool, NULL, in, len),
		 ms_mime_parse(pool, NULL, out->data, out->len));
	ms_pool_destroy(&pool);
}

/* 1 when buf has no NUL and every CR and LF are CRLF pairs. */
static int
crlf_clean(const struct ms_buf *m)
{
	size_t i;

	for (i = 0; i < m->len; i++) {
		if (m->data[i] == '\0')
			return 0;
		if (m->data[i] == '\r' &&
		    (i + 1 == m->len || m->data[i + 1] != '\n'))
			return 0;
		if (m->data[i] == '\n' && (i == 0 || m->data[i - 1] != '\r'))
			return 0;
	}
	return 1;
}

static int
contains(const struct ms_buf *m, const char *s)
{
	size_t n = strlen(s), i;

	for (i = 0; i + n <= m->len; i++) {
		if (memcmp(m->data + i, s, n) == 0)
			return 1;
	}
	return 0;
}

/* in[0..len) gives the same output for every chunk size 1..max and whole. */
static void
check_chunking(const void *in, size_t len, const struct ms_mime_limits *lim,
	       size_t sniff, size_t max)
{
	struct ms_buf whole, part;
	size_t c;
	int rc0, rc;

	ms_buf_init(&whole, NULL, 0);
	ms_buf_init(&part, NULL, 0);
	rc0 = run(&whole, in, len, 0, lim, sniff, NULL);
	if (rc0 == 0)
		same_shape(in, len, &whole);
	for (c = 1; c <= max && c <= len; c++) {
		rc = run(&part, in, len, c, lim, sniff, NULL);
		MS_CU_EQ_INT(rc, rc0);
		MS_CU_EQ_MEM(part.data, part.len, whole.data, whole.len);
		if (part.len != whole.len ||
		    memcmp(part.data, whole.data, whole.len) != 0) {
			printf("chunk size %lu differs\n", (unsigned long)c);
			break;
		}
	}
	ms_buf_free(&whole);
	ms_buf_free(&part);
}

static void
append_bin(struct ms_buf *b, const void *p, size_t n)
{
	MS_CU_OK(ms_buf_append(b, p, n));
}

/* Append a string literal, NUL bytes included. */
#define APPEND_LIT(b, s) append_bin((b), (s), sizeof(s) - 1)

/* ---- tests ---------------------------------------------------------- */

static void
test_mime_bin_single_part(void)
{
	static const unsigned top[] = { 1, 0 };
	struct ms_buf in, out, dec;
	unsigned conv = 0;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, HDR_BIN));
	append_bin(&in, imaptest_body, sizeof(imaptest_body));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(crlf_clean(&out));
	CU_ASSERT(contains(&out, "\r\nContent-Transfer-Encoding: base64\r\n"
			   "\r\nAC3kCg0KCg==\r\n"));
	CU_ASSERT(!contains(&out, "binary"));
	/* the rest of the header is kept, in order */
	CU_ASSERT(memcmp(out.data, HDR_BIN, sizeof(HDR_BIN) - 38) == 0);
	decoded(&dec, &out, top);
	MS_CU_EQ_MEM(dec.data, dec.len, imaptest_body, sizeof(imaptest_body));
	check_chunking(in.data, in.len, NULL, 0, in.len);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* A folded CTE field and a second one both go; other fields stay. */
static void
test_mime_bin_folded_cte_removed(void)
{
	static const char m[] = "Subject: x\r\nMIME-Version: 1.0\r\n"
		"Content-Transfer-Encoding:\r\n binary\r\nX-A: 1\r\n"
		"content-transfer-encoding : 8bit\r\n\r\n\x01\n";
	struct ms_buf out;
	unsigned conv = 0;

	ms_buf_init(&out, NULL, 0);
	MS_CU_EQ_INT(run(&out, m, sizeof(m) - 1, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	MS_CU_EQ_STR((const char *)out.data, "Subject: x\r\nMIME-Version: 1.0"
		     "\r\nX-A: 1\r\nContent-Transfer-Encoding: base64\r\n\r\n"
		     "AQo=\r\n");
	ms_buf_free(&out);
}

static void
build_multipart(struct ms_buf *in, const unsigned char *bin, size_t n)
{
	MS_CU_OK(ms_buf_append_str(in, "From: a@example.org\r\n"
		"MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=\"b1\"\r\n\r\n"
		"preamble\r\n--b1\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Hello\r\nworld\r\n"
		"--b1\r\nContent-Type: image/png\r\n"
		"Content-Transfer-Encoding: binary\r\n\r\n"));
	append_bin(in, bin, n);
	MS_CU_OK(ms_buf_append_str(in, "\r\n--b1--\r\nepilogue\r\n"));
}

static void
test_mime_bin_multipart(void)
{
	static const unsigned p1[] = { 1, 0 }, p2[] = { 2, 0 };
	static const char text_part[] = "--b1\r\n"
		"Content-Type: text/plain; charset=utf-8\r\n\r\n"
		"Hello\r\nworld\r\n--b1\r\n";
	unsigned char bin[600];
	struct ms_buf in, out, dec;
	unsigned conv = 0;
	size_t i;

	for (i = 0; i < sizeof(bin); i++)
		bin[i] = (unsigned char)(i * 7 + (i >> 8));
	bin[sizeof(bin) - 2] = '\r';            /* ends with a CRLF of its own */
	bin[sizeof(bin) - 1] = '\n';
	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	build_multipart(&in, bin, sizeof(bin));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(crlf_clean(&out));
	CU_ASSERT(contains(&out, text_part));   /* the text part as it was */
	CU_ASSERT(contains(&out, "preamble\r\n--b1\r\n"));
	CU_ASSERT(contains(&out, "\r\n--b1--\r\nepilogue\r\n"));
	decoded(&dec, &out, p1);
	MS_CU_EQ_MEM(dec.data, dec.len, "Hello\r\nworld", 12);
	decoded(&dec, &out, p2);
	MS_CU_EQ_MEM(dec.data, dec.len, bin, sizeof(bin));
	check_chunking(in.data, in.len, NULL, 0, 97);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

static void
test_mime_bin_nested_message(void)
{
	static const unsigned p21[] = { 2, 1, 0 }, p22[] = { 2, 2, 0 };
	static const unsigned p1[] = { 1, 0 };
	static const unsigned char bin[] = { 'a', '\0', '\r', 'b', '\n', 0xff };
	struct ms_buf in, out, dec;
	unsigned conv = 0;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=outer\r\n\r\n"
		"--outer\r\n\r\nfirst\r\n--outer\r\n"
		"Content-Type: message/rfc822\r\n\r\n"
		"Subject: inner\r\nMIME-Version: 1.0\r\n"
		"Content-Type: multipart/alternative; boundary=in\r\n\r\n"
		"--in\r\nContent-Type: text/plain\r\n\r\ntext\r\n"
		"--in\r\nContent-Transfer-Encoding: BINARY\r\n\r\n"));
	append_bin(&in, bin, sizeof(bin));
	MS_CU_OK(ms_buf_append_str(&in, "\r\n--in--\r\n\r\n--outer--\r\n"));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(crlf_clean(&out));
	decoded(&dec, &out, p1);
	MS_CU_EQ_MEM(dec.data, dec.len, "first", 5);
	decoded(&dec, &out, p21);
	MS_CU_EQ_MEM(dec.data, dec.len, "text", 4);
	decoded(&dec, &out, p22);
	MS_CU_EQ_MEM(dec.data, dec.len, bin, sizeof(bin));
	check_chunking(in.data, in.len, NULL, 0, 64);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* NUL, bare CR or bare LF in a part declared 8bit (or 7bit, or nothing)
   converts it; CRLF 8-bit text does not. */
static void
test_mime_bin_undeclared_binary(void)
{
	static const unsigned top[] = { 1, 0 };
	static const char *const bodies[] = {
		"a\0b\r\n", "a\rb\r\n", "a\nb", "abc\r", "\n"
	};
	static const size_t blen[] = { 5, 5, 3, 4, 1 };
	static const char *const hdrs[] = {
		"MIME-Version: 1.0\r\nContent-Transfer-Encoding: 8bit\r\n\r\n",
		"MIME-Version: 1.0\r\nContent-Transfer-Encoding: 7bit\r\n\r\n",
		"MIME-Version: 1.0\r\n\r\n"
	};
	struct ms_buf in, out, dec;
	unsigned conv;
	size_t i, h;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	for (h = 0; h < 3; h++) {
		for (i = 0; i < 5; i++) {
			ms_buf_reset(&in);
			MS_CU_OK(ms_buf_append_str(&in, hdrs[h]));
			append_bin(&in, bodies[i], blen[i]);
			conv = 0;
			MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0,
					 &conv), 0);
			MS_CU_EQ_INT(conv, 1);
			CU_ASSERT(crlf_clean(&out));
			decoded(&dec, &out, top);
			MS_CU_EQ_MEM(dec.data, dec.len, bodies[i], blen[i]);
			check_chunking(in.data, in.len, NULL, 0, in.len);
		}
	}
	/* clean 8-bit text: untouched */
	ms_buf_reset(&in);
	MS_CU_OK(ms_buf_append_str(&in, hdrs[0]));
	MS_CU_OK(ms_buf_append_str(&in, "\xc3\xa4\xff\r\nline\r\n"));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 0);
	MS_CU_EQ_MEM(out.data, out.len, in.data, in.len);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* A message without MIME gets MIME-Version with its CTE, and a
   Content-Transfer-Encoding field that did not count goes. */
static void
test_mime_bin_no_mime(void)
{
	static const unsigned top[] = { 1, 0 };
	static const char m[] = "Subject: s\r\n"
		"Content-Transfer-Encoding: quoted-printable\r\n\r\nx\0y\nz";
	struct ms_buf out, dec;
	unsigned conv = 0;

	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_EQ_INT(run(&out, m, sizeof(m) - 1, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(contains(&out, "Subject: s\r\nMIME-Version: 1.0\r\n"
			   "Content-Transfer-Encoding: base64\r\n\r\n"));
	CU_ASSERT(!contains(&out, "quoted"));
	decoded(&dec, &out, top);
	MS_CU_EQ_MEM(dec.data, dec.len, "x\0y\nz", 5);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* Nothing to convert: the output is the input, byte for byte. */
static void
test_mime_bin_identity(void)
{
	static const char *const msgs[] = {
		"Subject: plain\r\n\r\nbody\r\n.\r\n",
		"Subject: no body\r\n\r\n",
		"Subject: no end of header\r\nX: y",
		"",
		"\r\n",
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
		"boundary=zz\r\n\r\n--zz\r\nContent-Transfer-Encoding: "
		"quoted-printable\r\n\r\na=3Db\r\n--zz\r\n"
		"Content-Transfer-Encoding: base64\r\n\r\nQUJD\r\n"
		"--zz\r\nContent-Type: text/plain\r\n\r\n-- \r\nsig\r\n"
		"--zz--\r\n",
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n"
		"no boundary\r\n",
		"MIME-Version: 1.0\r\nContent-Type: application/x\r\n"
		"Content-Transfer-Encoding: x-unknown\r\n\r\nraw\nbare\r",
		"MIME-Version: 1.0\r\nContent-Type: multipart/digest; "
		"boundary=d\r\n\r\n--d\r\n\r\nSubject: m\r\n\r\nhi\r\n"
		"--d--\r\n",
	};
	struct ms_buf out;
	unsigned conv;
	size_t i, n;

	ms_buf_init(&out, NULL, 0);
	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++) {
		n = strlen(msgs[i]);
		conv = 9;
		MS_CU_EQ_INT(run(&out, msgs[i], n, 0, NULL, 0, &conv), 0);
		MS_CU_EQ_INT(conv, 0);
		MS_CU_EQ_MEM(out.data, out.len, msgs[i], n);
		check_chunking(msgs[i], n, NULL, 0, n);
	}
	ms_buf_free(&out);
}

/* A bare LF beyond the sniff window of a 7bit part is left to the
   store; inside the window it converts. */
static void
test_mime_bin_sniff_window(void)
{
	struct ms_buf in, out;
	unsigned conv = 0;
	size_t i;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, "Subject: s\r\n\r\n"));
	for (i = 0; i < 20; i++)
		MS_CU_OK(ms_buf_append_str(&in, "0123456789abcd\r\n"));
	MS_CU_OK(ms_buf_append_str(&in, "late\nline\r\n"));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 320, &conv), 0);
	MS_CU_EQ_INT(conv, 0);
	MS_CU_EQ_MEM(out.data, out.len, in.data, in.len);
	check_chunking(in.data, in.len, NULL, 320, 50);
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 330, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	check_chunking(in.data, in.len, NULL, 330, 50);
	/* a CR as the last byte of the window and a LF after it: a pair */
	ms_buf_reset(&in);
	MS_CU_OK(ms_buf_append_str(&in, "S: s\r\n\r\n1234\r\nmore\nx"));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 5, &conv), 0);
	MS_CU_EQ_INT(conv, 0);
	check_chunking(in.data, in.len, NULL, 5, in.len);
	ms_buf_free(&in);
	ms_buf_free(&out);
}

/* Binary part at the end with no closing delimiter. */
static void
test_mime_bin_missing_end_boundary(void)
{
	static const unsigned p2[] = { 2, 0 };
	static const unsigned char bin[] = { '\n', '\n', 0, '-', '-', 'x' };
	struct ms_buf in, out, dec;
	unsigned conv = 0;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\n\r\nt\r\n--b\r\nContent-Transfer-Encoding: binary"
		"\r\n\r\n"));
	append_bin(&in, bin, sizeof(bin));
	MS_CU_EQ_INT(run(&out, in.data, in.len, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(crlf_clean(&out));
	decoded(&dec, &out, p2);
	MS_CU_EQ_MEM(dec.data, dec.len, bin, sizeof(bin));
	check_chunking(in.data, in.len, NULL, 0, in.len);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* A header longer than max_part_header passes through as it is. */
static void
test_mime_bin_huge_header(void)
{
	static const char tail[] = "\r\n--b\r\n"
		"Content-Transfer-Encoding: binary\r\n\r\nx\ny\r\n--b--\r\n";
	struct ms_mime_limits lim;
	struct ms_buf in, out;
	unsigned conv = 0;
	size_t i;
	int rc;

	ms_mime_limits_default(&lim);
	lim.max_part_header = 1024;
	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
		"Content-Transfer-Encoding: binary\r\nX-Long: "));
	for (i = 0; i < 3000; i++)
		MS_CU_OK(ms_buf_append_c(&in, 'a' + (int)(i % 26)));
	APPEND_LIT(&in, "\r\n\r\nbin\0ary\n");
	APPEND_LIT(&in, tail);
	rc = run(&out, in.data, in.len, 0, &lim, 0, &conv);
	MS_CU_EQ_INT(rc, MS_MIME_BIN_P_HEADER);
	MS_CU_EQ_INT(conv, 1);                  /* the second part */
	/* the first part as it was */
	CU_ASSERT_FATAL(out.len > in.len - (sizeof(tail) - 1));
	MS_CU_EQ_MEM(out.data, in.len - (sizeof(tail) - 1), in.data,
		     in.len - (sizeof(tail) - 1));
	CU_ASSERT(contains(&out, "--b\r\nContent-Transfer-Encoding: base64"
			   "\r\n\r\neAp5\r\n\r\n--b--\r\n"));
	check_chunking(in.data, in.len, &lim, 0, 200);
	/* a single huge header line, no structure */
	ms_buf_reset(&in);
	for (i = 0; i < 5000; i++)
		MS_CU_OK(ms_buf_append_c(&in, i % 100 == 99 ? '-' : 'h'));
	rc = run(&out, in.data, in.len, 0, &lim, 0, &conv);
	MS_CU_EQ_INT(rc, MS_MIME_BIN_P_HEADER);
	MS_CU_EQ_MEM(out.data, out.len, in.data, in.len);
	ms_buf_free(&in);
	ms_buf_free(&out);
}

/*
 * A boundary inside binary data is a boundary (RFC 2046: the sender
 * should have chosen another); the transform agrees with the parser on
 * where parts end, with CRLF or bare LF line ends before it.
 */
static void
test_mime_bin_boundary_in_data(void)
{
	static const unsigned p1[] = { 1, 0 }, p2[] = { 2, 0 };
	static const char m[] = "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=q\r\n\r\n"
		"--q\r\nContent-Transfer-Encoding: binary\r\n\r\n"
		"\x01\x02\n--q\r\n\r\nafter\r\n"
		"--q\r\nContent-Transfer-Encoding: binary\r\n\r\n"
		"a\r\n--qq\r\n--q-x\r\n--notq\r\n--q--\n";
	struct ms_pool *pool = ms_pool_create("t", 0);
	const struct ms_mime_part *root;
	struct ms_buf out, dec;
	unsigned conv = 0;
	static const unsigned p3[] = { 3, 0 };

	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_EQ_INT(run(&out, m, sizeof(m) - 1, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 2);
	root = ms_mime_parse(pool, NULL, out.data, out.len);
	/* "--qq" and "--q-x" start with the boundary: they are boundary
	   lines (prefix match), so parts 4 and 5 are empty */
	MS_CU_EQ_INT(root->nchildren, 5);
	same_shape(m, sizeof(m) - 1, &out);
	decoded(&dec, &out, p1);
	MS_CU_EQ_MEM(dec.data, dec.len, "\x01\x02", 2);
	decoded(&dec, &out, p2);
	MS_CU_EQ_MEM(dec.data, dec.len, "after", 5);
	decoded(&dec, &out, p3);
	MS_CU_EQ_MEM(dec.data, dec.len, "a", 1);
	check_chunking(m, sizeof(m) - 1, NULL, 0, sizeof(m) - 1);
	ms_pool_destroy(&pool);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* A boundary line right where a header is: the part has no body. */
static void
test_mime_bin_boundary_in_header(void)
{
	static const char m[] = "MIME-Version: 1.0\r\n"
		"Content-Type: multipart/mixed; boundary=b\r\n\r\n"
		"--b\r\nContent-Transfer-Encoding: binary\r\n--b\r\n"
		"Content-Transfer-Encoding: binary\r\n\r\n\0\r\n--b--";
	struct ms_buf out;
	unsigned conv = 0;

	ms_buf_init(&out, NULL, 0);
	MS_CU_EQ_INT(run(&out, m, sizeof(m) - 1, 0, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(contains(&out, "--b\r\nContent-Transfer-Encoding: binary"
			   "\r\n--b\r\nContent-Transfer-Encoding: base64\r\n"
			   "\r\nAA==\r\n\r\n--b--"));
	check_chunking(m, sizeof(m) - 1, NULL, 0, sizeof(m) - 1);
	ms_buf_free(&out);
}

/* Nesting past max_depth and parts past max_parts are passed through. */
static void
test_mime_bin_limits(void)
{
	struct ms_mime_limits lim;
	struct ms_buf in, out;
	unsigned conv = 0;
	int i, rc;

	ms_mime_limits_default(&lim);
	lim.max_depth = 3;
	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	for (i = 0; i < 6; i++)
		MS_CU_OK(ms_buf_printf(&in, "Content-Type: multipart/mixed; "
				       "boundary=l%d\r\n\r\n--l%d\r\n", i, i));
	MS_CU_OK(ms_buf_append_str(&in, "Content-Transfer-Encoding: binary"
				   "\r\n\r\nraw\nbytes\r\n"));
	rc = run(&out, in.data, in.len, 0, &lim, 0, &conv);
	MS_CU_EQ_INT(rc, MS_MIME_BIN_P_LIMIT);
	MS_CU_EQ_INT(conv, 0);
	MS_CU_EQ_MEM(out.data, out.len, in.data, in.len);
	check_chunking(in.data, in.len, &lim, 0, 30);

	ms_mime_limits_default(&lim);
	lim.max_parts = 2;
	ms_buf_reset(&in);
	APPEND_LIT(&in, "Content-Type: multipart/mixed; boundary=p\r\n\r\n"
		   "--p\r\nContent-Transfer-Encoding: binary\r\n\r\n\0\r\n"
		   "--p\r\nContent-Transfer-Encoding: binary\r\n\r\n\n\r\n"
		   "--p--\r\n");
	rc = run(&out, in.data, in.len, 0, &lim, 0, &conv);
	MS_CU_EQ_INT(rc, MS_MIME_BIN_P_LIMIT);
	MS_CU_EQ_INT(conv, 1);
	check_chunking(in.data, in.len, &lim, 0, 30);
	ms_buf_free(&in);
	ms_buf_free(&out);
}

/* A long binary body, fed in odd chunks, round-trips. */
static void
test_mime_bin_large(void)
{
	static const unsigned top[] = { 1, 0 };
	struct ms_buf in, out, dec;
	size_t i, n = 200000;
	unsigned conv = 0;
	uint32_t x = 12345;

	ms_buf_init(&in, NULL, 0);
	ms_buf_init(&out, NULL, 0);
	ms_buf_init(&dec, NULL, 0);
	MS_CU_OK(ms_buf_append_str(&in, HDR_BIN));
	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		MS_CU_OK(ms_buf_append_c(&in, (int)((x >> 16) & 0xff)));
	}
	MS_CU_EQ_INT(run(&out, in.data, in.len, 4093, NULL, 0, &conv), 0);
	MS_CU_EQ_INT(conv, 1);
	CU_ASSERT(crlf_clean(&out));
	decoded(&dec, &out, top);
	MS_CU_EQ_MEM(dec.data, dec.len, in.data + sizeof(HDR_BIN) - 1, n);
	ms_buf_free(&in);
	ms_buf_free(&out);
	ms_buf_free(&dec);
}

/* The output function's failure stops the transform. */
static void
test_mime_bin_output_fails(void)
{
	struct ms_mime_bin *b;
	int calls = 0;

	b = ms_mime_bin_create(NULL, 0, out_fail, &calls);
	MS_CU_OK(ms_mime_bin_feed(b, "Subject: x\r\n\r\n", 14));
	MS_CU_OK(ms_mime_bin_feed(b, "body", 4));
	MS_CU_EQ_INT(ms_mime_bin_finish(b), -1);
	MS_CU_EQ_INT(calls, 1);
	MS_CU_EQ_INT(ms_mime_bin_feed(b, "x", 1), -1);
	MS_CU_EQ_INT(ms_mime_bin_finish(b), -1);
	MS_CU_EQ_INT(calls, 1);
	ms_mime_bin_free(&b);
	ms_mime_bin_free(&b);                   /* NULL is fine */
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_mime_bin[] = {
	{ "test_mime_bin_single_part", test_mime_bin_single_part },
	{ "test_mime_bin_folded_cte_removed", test_mime_bin_folded_cte_removed },
	{ "test_mime_bin_multipart", test_mime_bin_multipart },
	{ "test_mime_bin_nested_message", test_mime_bin_nested_message },
	{ "test_mime_bin_undeclared_binary", test_mime_bin_undeclared_binary },
	{ "test_mime_bin_no_mime", test_mime_bin_no_mime },
	{ "test_mime_bin_identity", test_mime_bin_identity },
	{ "test_mime_bin_sniff_window", test_mime_bin_sniff_window },
	{ "test_mime_bin_missing_end_boundary", test_mime_bin_missing_end_boundary },
	{ "test_mime_bin_huge_header", test_mime_bin_huge_header },
	{ "test_mime_bin_boundary_in_data", test_mime_bin_boundary_in_data },
	{ "test_mime_bin_boundary_in_header", test_mime_bin_boundary_in_header },
	{ "test_mime_bin_limits", test_mime_bin_limits },
	{ "test_mime_bin_large", test_mime_bin_large },
	{ "test_mime_bin_output_fails", test_mime_bin_output_fails },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_mime_bin = {
	"mime_bin",
	NULL,
	NULL,
	ms_tests_mime_bin
};
