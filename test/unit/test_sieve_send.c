/*
 * test_sieve_send.c -- the composers of the messages Sieve sends
 * (src/lmtp/ms_sieve_send.c): vacation replies and mailto notifications
 * byte for byte, subjects taken from the original (decoded, prefixed,
 * encoded, folded), In-Reply-To/References, :mime bodies, 8-bit bodies,
 * and hostile input: CR/LF in every text that reaches a header, bad
 * addresses, bad mailto URIs.  The queueing calls are tested in
 * test_outq.c.
 */
#include "ms_sys.h"
#include "ms_sieve_send.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_pool.h"
#include "ms_sieve.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;

static int
suite_init(void)
{
	pool = ms_pool_create("test_sieve_send", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

/* 2023-11-14 22:13:20 UTC, a Tuesday */
#define NOW     ((int64_t)1700000000)

static const char orig_head[] =
	"Received: from mx by host\r\n"
	"From: Bob <bob@example.org>\r\n"
	"To: alice@example.com\r\n"
	"Subject: Lunch\r\n"
	" tomorrow?\r\n"
	"Message-ID: <m1@example.org>\r\n"
	"References: <r0@example.org>\r\n"
	"Date: Tue, 14 Nov 2023 20:00:00 +0000\r\n"
	"\r\n";

static void
in_init(struct ms_svsend_in *in, const char *head)
{
	memset(in, 0, sizeof(*in));
	in->user = "alice@example.com";
	in->env_from = "bob@example.org";
	in->head = head;
	in->head_len = head != NULL ? strlen(head) : 0;
	in->now = NOW;
	in->tz_minutes = 60;
	in->msgid = "<v1@example.com>";
}

static void
vac_init(struct ms_sv_action *a)
{
	memset(a, 0, sizeof(*a));
	a->kind = MS_SV_ACT_VACATION;
	a->to = "bob@example.org";
	a->text = "I am away.";
}

/*
 * Every line of b ends in CRLF, no bare CR or LF anywhere, and every
 * header line is a continuation or one of the fields we write.
 */
static void
check_safe(const struct ms_buf *b, int line)
{
	static const char *const ok[] = {
		"Date:", "Message-ID:", "From:", "To:", "Cc:", "Subject:",
		"In-Reply-To:", "References:", "Auto-Submitted:",
		"MIME-Version:", "Content-Type:", "Content-Transfer-Encoding:",
		"Importance:", "X-Priority:", "Content-Language:", NULL
	};
	const char *s = (const char *)b->data, *e = s + b->len, *p;
	size_t i;
	int in_head = 1;

	for (i = 0; i < b->len; i++) {
		if (s[i] == '\r' && (i + 1 >= b->len || s[i + 1] != '\n'))
			ms_cu_fail(line, __FILE__, "bare CR at %lu",
				   (unsigned long)i);
		if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
			ms_cu_fail(line, __FILE__, "bare LF at %lu",
				   (unsigned long)i);
	}
	for (p = s; p < e && in_head;) {
		const char *nl = strstr(p, "\r\n");
		size_t k;

		if (nl == NULL)
			break;
		if (nl == p) {
			in_head = 0;
			break;
		}
		if (nl - p > 998)
			ms_cu_fail(line, __FILE__, "header line too long");
		if (*p != ' ' && *p != '\t') {
			for (k = 0; ok[k] != NULL; k++)
				if (strncmp(p, ok[k], strlen(ok[k])) == 0)
					break;
			if (ok[k] == NULL)
				ms_cu_fail(line, __FILE__, "unexpected header "
					   "line: %.40s", p);
		}
		p = nl + 2;
	}
	if (in_head)
		ms_cu_fail(line, __FILE__, "no end of header");
	CU_PASS("safe");
}
#define SAFE(b) check_safe((b), __LINE__)

static void
test_sieve_send_vacation_exact(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, orig_head);
	vac_init(&a);
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "Date: Tue, 14 Nov 2023 23:13:20 +0100\r\n"
		     "Message-ID: <v1@example.com>\r\n"
		     "From: alice@example.com\r\n"
		     "To: <bob@example.org>\r\n"
		     "Subject: Auto: Lunch tomorrow?\r\n"
		     "In-Reply-To: <m1@example.org>\r\n"
		     "References: <r0@example.org> <m1@example.org>\r\n"
		     "Auto-Submitted: auto-replied (vacation)\r\n"
		     "MIME-Version: 1.0\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: 7bit\r\n"
		     "\r\n"
		     "I am away.\r\n");
	SAFE(&b);
	ms_buf_free(&b);
}

static void
test_sieve_send_vacation_subject_from_tags(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, "Subject: x\r\n\r\n");
	in.tz_minutes = -330;
	vac_init(&a);
	a.subject = "Away \xc3\xa9t\xc3\xa9";
	a.from = "Alice Smith <alice@example.com>";
	a.text = "line 1\nline 2\r\n";
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "Date: Tue, 14 Nov 2023 16:43:20 -0530\r\n"
		     "Message-ID: <v1@example.com>\r\n"
		     "From: Alice Smith <alice@example.com>\r\n"
		     "To: <bob@example.org>\r\n"
		     "Subject: =?UTF-8?B?QXdheSDDqXTDqQ==?=\r\n"
		     "Auto-Submitted: auto-replied (vacation)\r\n"
		     "MIME-Version: 1.0\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: 7bit\r\n"
		     "\r\n"
		     "line 1\r\nline 2\r\n");
	SAFE(&b);
	ms_buf_free(&b);
}

/* The original's encoded subject is decoded, prefixed and re-encoded. */
static void
test_sieve_send_vacation_encoded_original_subject(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;
	const char *s, *e;

	in_init(&in, "Subject: =?ISO-8859-1?Q?Caf=E9?=\r\n"
		"Message-ID: broken-no-brackets\r\n\r\n");
	vac_init(&a);
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	s = strstr(ms_buf_cstr(&b), "Subject: ");
	CU_ASSERT_FATAL(s != NULL);
	e = strstr(s, "\r\n");
	MS_CU_EQ_MEM(s, (size_t)(e - s),
		     "Subject: =?UTF-8?B?QXV0bzogQ2Fmw6k=?=", 37);
	/* a Message-ID that is not one: no In-Reply-To */
	CU_ASSERT(strstr(ms_buf_cstr(&b), "In-Reply-To") == NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "References") == NULL);
	SAFE(&b);
	ms_buf_free(&b);
}

/* CR/LF in the original Subject, in :subject, in :from, in the text. */
static void
test_sieve_send_vacation_no_header_injection(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;

	/* a raw CR in the original's subject, and a fold */
	in_init(&in, "Subject: hi\rBcc: evil@x\r\n Bcc: evil2@x\r\n"
		"Message-ID: <a\r\n b@x>\r\n\r\n");
	vac_init(&a);
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\r\nBcc") == NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b),
			 "Subject: Auto: hi Bcc: evil@x Bcc: evil2@x\r\n")
		  != NULL);
	ms_buf_reset(&b);

	/* :subject with CR LF */
	a.subject = "Away\r\nBcc: evil@x\nX: y";
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\r\nBcc") == NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\r\nX: y") == NULL);
	ms_buf_reset(&b);

	/* the reply address or the From with a line break: refused */
	a.subject = NULL;
	a.to = "bob@example.org\r\nBcc: evil@x";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_UINT(b.len, 0);
	a.to = "bob@example.org";
	a.from = "alice@example.com\r\nBcc: evil@x";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	a.from = "Evil\r\nBcc: x <alice@example.com>";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	a.from = "Alice <alice@example.com\r\nBcc: x>";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	a.from = "<>";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	a.from = NULL;
	a.to = "";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	a.to = "a b@x";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	a.to = "<bob@example.org>";
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	MS_CU_EQ_UINT(b.len, 0);

	/* the body with bare CR and LF: all CRLF */
	a.to = "bob@example.org";
	a.text = "a\rb\nc\r\n.\r\nd";
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\r\n\r\na\r\nb\r\nc\r\n.\r\nd\r\n")
		  != NULL);
	ms_buf_free(&b);
}

/* A long subject folds at blanks, each line within 78 where it can. */
static void
test_sieve_send_vacation_folding(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;
	const char *s, *p, *nl;
	char subj[400];
	size_t i;

	for (i = 0; i + 6 < sizeof(subj); i += 6)
		memcpy(subj + i, "word, ", 6);
	subj[i] = '\0';
	in_init(&in, NULL);
	vac_init(&a);
	a.subject = subj;
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	s = strstr(ms_buf_cstr(&b), "Subject: ");
	CU_ASSERT_FATAL(s != NULL);
	for (p = s;; p = nl + 2) {
		nl = strstr(p, "\r\n");
		CU_ASSERT_FATAL(nl != NULL);
		CU_ASSERT(nl - p <= 78);
		if (nl[2] != ' ' && nl[2] != '\t')
			break;
	}
	CU_ASSERT(p != s);      /* it did fold */
	/* unfolded, the words are all there */
	{
		char un[600];
		size_t k = 0;

		for (p = s + 9; p < nl && k + 1 < sizeof(un); p++)
			if (*p != '\r' && *p != '\n')
				un[k++] = *p;
		un[k] = '\0';
		MS_CU_EQ_MEM(un, k, subj, strlen(subj));
	}
	ms_buf_free(&b);
}

/* References: only the newest ids of a huge chain are kept. */
static void
test_sieve_send_vacation_references_bounded(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf head, b;
	struct ms_err err;
	const char *r, *e;
	unsigned i;

	ms_buf_init(&head, NULL, 0);
	(void)ms_buf_append_str(&head, "Message-ID: <last@x>\r\n"
				"References:");
	for (i = 0; i < 200; i++)
		(void)ms_buf_printf(&head, " <id%u@example.org>\r\n", i);
	(void)ms_buf_append_str(&head, "\r\n");
	in_init(&in, ms_buf_cstr(&head));
	vac_init(&a);
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	r = strstr(ms_buf_cstr(&b), "References: <");
	CU_ASSERT_FATAL(r != NULL);
	e = strstr(r, "\r\nAuto-Submitted");
	CU_ASSERT_FATAL(e != NULL);
	CU_ASSERT(e - r < 900);
	CU_ASSERT(strstr(r, "<id199@example.org> <last@x>\r\nAuto") != NULL ||
		  strstr(r, "<id199@example.org>\r\n <last@x>\r\nAuto") !=
		  NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "<id0@example.org>") == NULL);
	ms_buf_free(&b);
	ms_buf_free(&head);
}

static void
test_sieve_send_vacation_mime_body(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;
	const char *body;

	in_init(&in, NULL);
	vac_init(&a);
	a.is_mime = 1;
	a.text = "Content-Type: multipart/alternative; boundary=\"b\"\n"
		 "  ; charset=x\n"
		 "Bcc: evil@x\n"
		 " continued evil\n"
		 "\n"
		 "--b\nContent-Type: text/plain\n\nhi\n--b--\n";
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	body = strstr(ms_buf_cstr(&b), "MIME-Version: 1.0\r\n");
	CU_ASSERT_FATAL(body != NULL);
	MS_CU_EQ_STR(body, "MIME-Version: 1.0\r\n"
		     "Content-Type: multipart/alternative; boundary=\"b\"\r\n"
		     "  ; charset=x\r\n"
		     "\r\n"
		     "--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n"
		     "--b--\r\n");
	ms_buf_reset(&b);
	/* :mime text without a header: a plain body */
	a.text = "just text";
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	CU_ASSERT(strstr(ms_buf_cstr(&b), "Content-Type: text/plain; "
			 "charset=utf-8\r\nContent-Transfer-Encoding: 7bit"
			 "\r\n\r\njust text\r\n") != NULL);
	ms_buf_free(&b);
}

/* 8-bit text is quoted-printable. */
static void
test_sieve_send_vacation_8bit_body(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, NULL);
	vac_init(&a);
	a.text = "Je suis absent\xc3\xa9.\n";
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_vacation_fmt(&in, &a, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "Content-Transfer-Encoding: "
			 "quoted-printable\r\n\r\nJe suis absent=C3=A9.\r\n")
		  != NULL);
	ms_buf_free(&b);
}

/* A full buffer: -1, MS_E_LIMIT, nothing left half written. */
static void
test_sieve_send_vacation_buffer_full(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, orig_head);
	vac_init(&a);
	ms_buf_init(&b, NULL, 100);
	(void)ms_buf_append_str(&b, "keep");
	MS_CU_EQ_INT(ms_svsend_vacation_fmt(&in, &a, &b, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	MS_CU_EQ_STR(ms_buf_cstr(&b), "keep");
	ms_buf_free(&b);
}

/* ======================================================================
 * mailto
 * ====================================================================== */

static void
test_sieve_send_mailto_parse(void)
{
	struct ms_svsend_mailto m;
	struct ms_err err;

	MS_CU_OK(ms_svsend_mailto_parse("mailto:a@example.com,b@example.com"
					"?cc=c@example.com&subject=Hi%20there"
					"&body=x%0Ay&from=evil@x&bcc=d@x.org",
					pool, &m, &err));
	MS_CU_EQ_UINT(m.nto, 2);
	MS_CU_EQ_STR(m.to[0], "a@example.com");
	MS_CU_EQ_STR(m.to[1], "b@example.com");
	MS_CU_EQ_UINT(m.ncc, 1);
	MS_CU_EQ_STR(m.cc[0], "c@example.com");
	MS_CU_EQ_UINT(m.nbcc, 1);
	MS_CU_EQ_STR(m.subject, "Hi there");
	MS_CU_EQ_STR(m.body, "x\ny");
	MS_CU_OK(ms_svsend_mailto_parse("MAILTO:?To=a%40example.com", pool,
					&m, &err));
	MS_CU_EQ_UINT(m.nto, 1);
	MS_CU_EQ_STR(m.to[0], "a@example.com");
	CU_ASSERT(m.subject == NULL);
}

static void
test_sieve_send_mailto_bad(void)
{
	static const char *const bad[] = {
		"http://x",
		"mailto:",
		"mailto:?subject=x",
		"mailto:a%0D%0ABcc:%20evil@x@example.com",
		"mailto:a%20b@example.com",
		"mailto:a@example.com%3E",
		"mailto:a@example.com%",
		"mailto:a@example.com%4",
		"mailto:a@example.com%zz",
		"mailto:a%00@example.com",
		"mailto:a@example.com?subject",
		"mailto:a@example.com?subject=%0",
		"mailto:noat",
		NULL
	};
	struct ms_svsend_mailto m;
	struct ms_err err;
	char many[2048];
	size_t i, k;

	for (i = 0; bad[i] != NULL; i++) {
		if (ms_svsend_mailto_parse(bad[i], pool, &m, &err) != -1)
			ms_cu_fail(__LINE__, __FILE__, "accepted %s", bad[i]);
		else
			MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	k = (size_t)snprintf(many, sizeof(many), "mailto:");
	for (i = 0; i <= MS_SVSEND_MAILTO_MAX; i++)
		k += (size_t)snprintf(many + k, sizeof(many) - k, "%su%u@x",
				      i > 0 ? "," : "", (unsigned)i);
	MS_CU_EQ_INT(ms_svsend_mailto_parse(many, pool, &m, &err), -1);
	MS_CU_EQ_INT(ms_svsend_mailto_parse(NULL, pool, &m, &err), -1);
}

static void
test_sieve_send_notify_exact(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_svsend_mailto m;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, orig_head);
	in.msgid = "<n1@example.com>";
	in.tz_minutes = 0;
	memset(&a, 0, sizeof(a));
	a.kind = MS_SV_ACT_NOTIFY;
	a.method = "mailto:pager@example.net?cc=boss@example.net";
	a.importance = "1";
	MS_CU_OK(ms_svsend_mailto_parse(a.method, pool, &m, &err));
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_notify_fmt(&in, &a, &m, &b, &err));
	MS_CU_EQ_STR(ms_buf_cstr(&b),
		     "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
		     "Message-ID: <n1@example.com>\r\n"
		     "From: alice@example.com\r\n"
		     "To: <pager@example.net>\r\n"
		     "Cc: <boss@example.net>\r\n"
		     "Subject: New mail from Bob <bob@example.org>: Lunch "
		     "tomorrow?\r\n"
		     "Auto-Submitted: auto-notified\r\n"
		     "Importance: high\r\n"
		     "X-Priority: 1 (Highest)\r\n"
		     "MIME-Version: 1.0\r\n"
		     "Content-Type: text/plain; charset=utf-8\r\n"
		     "Content-Transfer-Encoding: 7bit\r\n"
		     "\r\n"
		     "New mail has arrived for alice@example.com.\r\n"
		     "\r\n"
		     "From: Bob <bob@example.org>\r\n"
		     "Subject: Lunch tomorrow?\r\n"
		     "Date: Tue, 14 Nov 2023 20:00:00 +0000\r\n");
	SAFE(&b);
	ms_buf_free(&b);
}

static void
test_sieve_send_notify_message_and_uri_fields(void)
{
	struct ms_svsend_in in;
	struct ms_sv_action a;
	struct ms_svsend_mailto m;
	struct ms_buf b;
	struct ms_err err;

	in_init(&in, "From: =?UTF-8?B?w6k=?= <e@x>\r\nSubject: s\r\n\r\n");
	memset(&a, 0, sizeof(a));
	a.kind = MS_SV_ACT_NOTIFY;
	a.from = "Notifier <n@example.com>";
	a.text = "You got\r\nBcc: evil@x mail";
	a.importance = "3";
	a.method = "mailto:p@example.net";
	MS_CU_OK(ms_svsend_mailto_parse(a.method, pool, &m, &err));
	ms_buf_init(&b, NULL, 0);
	MS_CU_OK(ms_svsend_notify_fmt(&in, &a, &m, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "From: Notifier <n@example.com>"
			 "\r\n") != NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "Subject: You got  Bcc: evil@x "
			 "mail\r\n") != NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "Importance: low\r\n") != NULL);
	/* the decoded From is not ASCII: the body is quoted-printable */
	CU_ASSERT(strstr(ms_buf_cstr(&b), "From: =C3=A9 <e@x>") != NULL);
	ms_buf_reset(&b);

	/* subject and body from the URI; %0D%0A in the subject is blanked */
	a.method = "mailto:p@example.net?subject=a%0D%0ABcc:%20x&body=b1";
	MS_CU_OK(ms_svsend_mailto_parse(a.method, pool, &m, &err));
	MS_CU_OK(ms_svsend_notify_fmt(&in, &a, &m, &b, &err));
	SAFE(&b);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "Subject: a  Bcc: x\r\n") != NULL);
	CU_ASSERT(strstr(ms_buf_cstr(&b), "\r\n\r\nb1\r\n") != NULL);
	/* a bad :from is refused */
	a.from = "x\r\ny";
	MS_CU_EQ_INT(ms_svsend_notify_fmt(&in, &a, &m, &b, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	ms_buf_free(&b);
}

static void
test_sieve_send_redirect_sender(void)
{
	MS_CU_EQ_STR(ms_svsend_redirect_from(MS_SVSEND_RS_ORIGINAL, "s@x",
					     "u@y"), "s@x");
	MS_CU_EQ_STR(ms_svsend_redirect_from(MS_SVSEND_RS_USER, "s@x",
					     "u@y"), "u@y");
	MS_CU_EQ_STR(ms_svsend_redirect_from(MS_SVSEND_RS_NULL, "s@x",
					     "u@y"), "");
	/* a <> message stays <> */
	MS_CU_EQ_STR(ms_svsend_redirect_from(MS_SVSEND_RS_USER, "", "u@y"),
		     "");
	MS_CU_EQ_STR(ms_svsend_redirect_from(MS_SVSEND_RS_ORIGINAL, NULL,
					     "u@y"), "");
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_sieve_send[] = {
	{ "test_sieve_send_vacation_exact", test_sieve_send_vacation_exact },
	{ "test_sieve_send_vacation_subject_from_tags", test_sieve_send_vacation_subject_from_tags },
	{ "test_sieve_send_vacation_encoded_original_subject", test_sieve_send_vacation_encoded_original_subject },
	{ "test_sieve_send_vacation_no_header_injection", test_sieve_send_vacation_no_header_injection },
	{ "test_sieve_send_vacation_folding", test_sieve_send_vacation_folding },
	{ "test_sieve_send_vacation_references_bounded", test_sieve_send_vacation_references_bounded },
	{ "test_sieve_send_vacation_mime_body", test_sieve_send_vacation_mime_body },
	{ "test_sieve_send_vacation_8bit_body", test_sieve_send_vacation_8bit_body },
	{ "test_sieve_send_vacation_buffer_full", test_sieve_send_vacation_buffer_full },
	{ "test_sieve_send_mailto_parse", test_sieve_send_mailto_parse },
	{ "test_sieve_send_mailto_bad", test_sieve_send_mailto_bad },
	{ "test_sieve_send_notify_exact", test_sieve_send_notify_exact },
	{ "test_sieve_send_notify_message_and_uri_fields", test_sieve_send_notify_message_and_uri_fields },
	{ "test_sieve_send_redirect_sender", test_sieve_send_redirect_sender },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_sieve_send = {
	"sieve_send",
	suite_init,
	suite_clean,
	ms_tests_sieve_send
};
