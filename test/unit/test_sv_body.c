/*
 * test_sv_body.c -- body test extraction: :raw, :text and :content on a
 * plain message, a multipart/alternative with quoted-printable Latin-1
 * and base64 HTML (tags stripped for :text only), multipart prologue and
 * epilogue, a nested message/rfc822, the max_body bound (reads and
 * output), a failing read callback, and :content type syntax.
 */
#include "ms_sys.h"
#include "ms_sv_body.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_utf8.h"
#include "ms_cu.h"

#include <stdlib.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sv_body", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

struct mem {
	const char *data;
	size_t len;
	uint64_t bytes_read;
	int fail;
};

static int
mem_read(void *ctx, uint64_t off, void *buf, size_t size, size_t *n_r)
{
	struct mem *m = ctx;
	size_t n;

	if (m->fail)
		return -1;
	if (off >= m->len) {
		*n_r = 0;
		return 0;
	}
	n = m->len - (size_t)off < size ? m->len - (size_t)off : size;
	if (n > 1000)
		n = 1000;       /* short reads are legal */
	memcpy(buf, m->data + off, n);
	m->bytes_read += n;
	*n_r = n;
	return 0;
}

static struct mem mm;
static struct ms_sieve_msg msg;

static void
setmsg(const char *text)
{
	const char *eoh = strstr(text, "\r\n\r\n");

	memset(&mm, 0, sizeof(mm));
	mm.data = text;
	mm.len = strlen(text);
	memset(&msg, 0, sizeof(msg));
	msg.head = text;
	msg.head_len = eoh != NULL ? (size_t)(eoh - text) + 4 : mm.len;
	msg.size = mm.len;
	msg.read = mem_read;
	msg.ctx = &mm;
}

static size_t
ex(enum ms_sv_bodyk k, const char *t1, const char *t2, size_t max,
   struct ms_str **t)
{
	const char *types[2];
	size_t n = 0, nt = 0;
	struct ms_sieve_error err;

	if (t1 != NULL)
		types[nt++] = t1;
	if (t2 != NULL)
		types[nt++] = t2;
	MS_CU_EQ_INT(ms_sv_body_extract(pool, &msg, k, types, nt, max, t, &n,
					&err), 0);
	return n;
}

static const char PLAIN[] =
	"From: a@b\r\nSubject: s\r\n\r\nHello world\r\nline 2\r\n";

static void
test_sv_body_plain(void)
{
	struct ms_str *t;

	setmsg(PLAIN);
	MS_CU_EQ_INT(ex(MS_SV_BODY_RAW, NULL, NULL, 0, &t), 1);
	MS_CU_EQ_STR(t[0].p, "Hello world\r\nline 2\r\n");
	MS_CU_EQ_INT(ex(MS_SV_BODY_TEXT, NULL, NULL, 0, &t), 1);
	MS_CU_EQ_STR(t[0].p, "Hello world\r\nline 2\r\n");
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "text", NULL, 0, &t), 1);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "text/plain", NULL, 0, &t), 1);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "TEXT/PLAIN", NULL, 0, &t), 1);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "text/html", NULL, 0, &t), 0);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "image", NULL, 0, &t), 0);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "", NULL, 0, &t), 1);
	/* max_body cuts */
	MS_CU_EQ_INT(ex(MS_SV_BODY_RAW, NULL, NULL, 5, &t), 1);
	MS_CU_EQ_STR(t[0].p, "Hello");
	MS_CU_EQ_INT(ex(MS_SV_BODY_TEXT, NULL, NULL, 5, &t), 1);
	CU_ASSERT(t[0].len <= 5);
}

static const char ALT[] =
	"From: a@b\r\n"
	"MIME-Version: 1.0\r\n"
	"Content-Type: multipart/alternative; boundary=\"XX\"\r\n"
	"\r\n"
	"This is the prologue.\r\n"
	"--XX\r\n"
	"Content-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n"
	"\r\n"
	"Gr=FC=DFe, soft=\r\n"
	"break\r\n"
	"--XX\r\n"
	"Content-Type: text/html; charset=utf-8\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	/* "<p>Hi &amp; <b>bye</b>&#33;</p>" */
	"PHA+SGkgJmFtcDsgPGI+YnllPC9iPiYjMzM7PC9wPg==\r\n"
	"--XX\r\n"
	"Content-Type: application/octet-stream\r\n"
	"Content-Transfer-Encoding: base64\r\n"
	"\r\n"
	"AAEC\r\n"
	"--XX--\r\n"
	"The epilogue.\r\n";

static void
test_sv_body_multipart(void)
{
	struct ms_str *t;

	setmsg(ALT);
	MS_CU_EQ_INT(ex(MS_SV_BODY_TEXT, NULL, NULL, 0, &t), 2);
	MS_CU_EQ_STR(t[0].p, "Gr\xc3\xbc\xc3\x9f" "e, softbreak");
	MS_CU_EQ_STR(t[1].p, "Hi & bye!");
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "text/html", NULL, 0, &t), 1);
	MS_CU_EQ_STR(t[0].p, "<p>Hi &amp; <b>bye</b>&#33;</p>");
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "application", NULL, 0, &t), 1);
	MS_CU_EQ_MEM(t[0].p, t[0].len, "\0\1\2", 3);
	/* multipart: prologue and epilogue only */
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "multipart", NULL, 0, &t), 2);
	MS_CU_EQ_STR(t[0].p, "This is the prologue.");
	MS_CU_EQ_STR(t[1].p, "The epilogue.\r\n");
	/* "" takes every part */
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "", NULL, 0, &t), 5);
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "text/plain", "application/"
			"octet-stream", 0, &t), 2);
	/* :raw is undecoded */
	MS_CU_EQ_INT(ex(MS_SV_BODY_RAW, NULL, NULL, 0, &t), 1);
	CU_ASSERT(strstr(t[0].p, "Gr=FC=DFe") != NULL);
	/* a small budget is shared by all texts */
	{
		size_t n = ex(MS_SV_BODY_TEXT, NULL, NULL, 8, &t), i, sum = 0;

		for (i = 0; i < n; i++) {
			sum += t[i].len;
			CU_ASSERT(ms_utf8_valid(t[i].p, t[i].len));
		}
		CU_ASSERT(sum <= 8);
	}
}

static const char NESTED[] =
	"From: a@b\r\n"
	"Content-Type: multipart/mixed; boundary=b1\r\n"
	"MIME-Version: 1.0\r\n"
	"\r\n"
	"--b1\r\n"
	"Content-Type: text/plain\r\n"
	"\r\n"
	"outer text\r\n"
	"--b1\r\n"
	"Content-Type: message/rfc822\r\n"
	"\r\n"
	"From: inner@x\r\n"
	"Subject: =?utf-8?q?inner_=C3=A4?=\r\n"
	"\r\n"
	"inner body needle\r\n"
	"--b1--\r\n";

static void
test_sv_body_nested(void)
{
	struct ms_str *t;

	setmsg(NESTED);
	MS_CU_EQ_INT(ex(MS_SV_BODY_TEXT, NULL, NULL, 0, &t), 2);
	MS_CU_EQ_STR(t[0].p, "outer text");
	MS_CU_EQ_STR(t[1].p, "inner body needle");
	MS_CU_EQ_INT(ex(MS_SV_BODY_CONTENT, "message", NULL, 0, &t), 1);
	CU_ASSERT(strstr(t[0].p, "From: inner@x") != NULL);
	CU_ASSERT(strstr(t[0].p, "inner \xc3\xa4") != NULL);
	CU_ASSERT(strstr(t[0].p, "needle") == NULL);
}

static void
test_sv_body_bounds(void)
{
	size_t big = 3 * 1024 * 1024, hl;
	char *m = malloc(big + 100);
	struct ms_str *t;
	struct ms_sieve_error err;
	size_t n;

	hl = (size_t)snprintf(m, 100, "Subject: big\r\n\r\n");
	memset(m + hl, 'z', big);
	m[hl + big] = '\0';
	setmsg(m);
	MS_CU_EQ_INT(ex(MS_SV_BODY_TEXT, NULL, NULL, 4096, &t), 1);
	MS_CU_EQ_INT(t[0].len, 4096);
	/* the message was not read whole: header + max_body per pass */
	CU_ASSERT(mm.bytes_read < 64 * 1024);
	mm.bytes_read = 0;
	MS_CU_EQ_INT(ex(MS_SV_BODY_RAW, NULL, NULL, 0, &t), 1);
	MS_CU_EQ_INT(t[0].len, MS_SIEVE_MAX_BODY);
	CU_ASSERT(mm.bytes_read <= 2 * (MS_SIEVE_MAX_BODY + hl));
	/* read errors */
	mm.fail = 1;
	MS_CU_EQ_INT(ms_sv_body_extract(pool, &msg, MS_SV_BODY_TEXT, NULL, 0,
					0, &t, &n, &err), -1);
	CU_ASSERT(err.msg[0] != '\0');
	/* no read callback: nothing, no error */
	msg.read = NULL;
	MS_CU_EQ_INT(ms_sv_body_extract(pool, &msg, MS_SV_BODY_TEXT, NULL, 0,
					0, &t, &n, &err), 0);
	MS_CU_EQ_INT(n, 0);
	free(m);
}

static void
test_sv_body_types(void)
{
	MS_CU_EQ_INT(ms_sv_body_type_ok("", 0), 1);
	MS_CU_EQ_INT(ms_sv_body_type_ok("text", 4), 1);
	MS_CU_EQ_INT(ms_sv_body_type_ok("text/html", 9), 1);
	MS_CU_EQ_INT(ms_sv_body_type_ok("text/", 5), 0);
	MS_CU_EQ_INT(ms_sv_body_type_ok("/html", 5), 0);
	MS_CU_EQ_INT(ms_sv_body_type_ok("a/b/c", 5), 0);
	MS_CU_EQ_INT(ms_sv_body_type_ok("te xt", 5), 0);
	MS_CU_EQ_INT(ms_sv_body_type_ok("text;", 5), 0);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sv_body[] = {
	{ "test_sv_body_plain", test_sv_body_plain },
	{ "test_sv_body_multipart", test_sv_body_multipart },
	{ "test_sv_body_nested", test_sv_body_nested },
	{ "test_sv_body_bounds", test_sv_body_bounds },
	{ "test_sv_body_types", test_sv_body_types },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sv_body = {
	"sv_body",
	suite_init,
	suite_clean,
	ms_tests_sv_body
};
