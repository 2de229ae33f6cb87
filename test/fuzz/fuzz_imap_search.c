/*
 * fuzz_imap_search.c -- the SEARCH key compiler and matcher under hostile
 * input.
 *
 * Byte 0 picks the mode.  Even: the rest is the argument text of a
 * SEARCH command ("t SEARCH <data>\r\n", sync literals accepted); a
 * program that compiles is run on fixed sample messages through every
 * stage (index, sent date, file scan), and must give T or F, the same in
 * a second run.  Odd: the rest is a message, scanned twice by a fixed
 * program of header, address, body and TEXT keys (messages over
 * MS_SPROG_RBUF take the streaming path); the answers must agree.  The
 * date helpers get the data too.  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_imap_sprog.h"
#include "ms_imap_parse.h"
#include "ms_pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static const char *const samples[] = {
	"Date: Tue, 1 Feb 1994 10:00:00 +0100\r\nFrom: \"A\" <a@x>\r\n"
	"Subject: =?UTF-8?B?UsOpdW5pb24=?=\r\n\r\nbody text\r\n",
	"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n"
	"\r\n--b\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
	"Content-Transfer-Encoding: quoted-printable\r\n\r\nCaf=E9\r\n"
	"--b\r\nContent-Type: message/rfc822\r\n\r\nSubject: in\r\n\r\n"
	"x\r\n--b--\r\n",
	"Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n",
	""
};

struct src {
	const uint8_t *p;
	size_t len;
};

static int
src_read(void *ctx, void *buf, size_t len, uint64_t off, size_t *n_r)
{
	struct src *s = ctx;

	if (off >= s->len) {
		*n_r = 0;
		return 0;
	}
	if (len > s->len - off)
		len = (size_t)(s->len - off);
	memcpy(buf, s->p + off, len);
	*n_r = len;
	return 0;
}

/* The program on one message through all stages. */
static int
run_msg(struct ms_pool *pool, const struct ms_sprog *p, const uint8_t *msg,
	size_t len, uint32_t uid)
{
	struct ms_mbox_rec rec;
	unsigned char *res = ms_palloc(pool, p->n + 1);
	struct ms_sprog_scan *sc;
	struct ms_sprog_src s;
	struct src m;
	int64_t day = 0;
	int v;

	memset(&rec, 0, sizeof(rec));
	rec.uid = uid;
	rec.flags = uid & MS_MBOX_FLAGS_ALL;
	rec.keywords = uid;
	rec.modseq = uid * 7u;
	rec.internal_date = (int64_t)uid * 86400 * 300;
	rec.size = len;
	rec.guid[0] = (unsigned char)uid;
	v = ms_sprog_eval_index(p, &rec, res);
	if (v == MS_SPROG_U)
		v = ms_sprog_set_sent(p, res, uid & 1,
				      (int64_t)uid * 1000);
	if (v == MS_SPROG_U) {
		m.p = msg;
		m.len = len;
		s.read = src_read;
		s.ctx = &m;
		sc = ms_sprog_scan_new(pool, p);
		v = ms_sprog_scan_msg(sc, &s, res);
		ms_sprog_scan_free(sc);
	}
	CHECK(v == MS_SPROG_T || v == MS_SPROG_F);
	(void)ms_sprog_date_day((const char *)msg, len, &day);
	return v;
}

static void
fuzz_keys(const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz-search", 0);
	struct ms_imap_parser *ps = ms_imap_parser_new(pool, NULL);
	struct ms_sprog *p;
	enum ms_sprog_err kind;
	const char *why;
	unsigned char *line;
	size_t len = size + 11, off = 0, used, i;
	enum ms_imap_ev ev = MS_IMAP_EV_MORE;

	line = ms_palloc(pool, len + 1);
	memcpy(line, "t SEARCH ", 9);
	memcpy(line + 9, data, size);
	memcpy(line + 9 + size, "\r\n", 2);
	while (off < len) {
		ev = ms_imap_parser_feed(ps, line + off, len - off, &used);
		off += used;
		if (ev == MS_IMAP_EV_COMMAND || ev == MS_IMAP_EV_ERROR)
			break;
	}
	if (ev == MS_IMAP_EV_COMMAND &&
	    ms_sprog_compile(pool, ms_imap_parser_cmd(ps)->args, 1000000,
			     &p, &kind, &why) == 0) {
		CHECK(p->root >= 0 && (size_t)p->root < p->n);
		for (i = 0; i < sizeof(samples) / sizeof(samples[0]); i++) {
			const uint8_t *m = (const uint8_t *)samples[i];
			size_t ml = strlen(samples[i]);
			int v1 = run_msg(pool, p, m, ml, (uint32_t)i + 1);

			CHECK(run_msg(pool, p, m, ml, (uint32_t)i + 1) == v1);
		}
	} else if (ev == MS_IMAP_EV_COMMAND) {
		CHECK(why != NULL);
	}
	ms_imap_parser_free(&ps);
	ms_pool_destroy(&pool);
}

static void
fuzz_message(const uint8_t *data, size_t size)
{
	static const char keys[] =
		"t SEARCH OR OR OR SUBJECT \"r\xc3\xa9union\" FROM a@x "
		"HEADER X-Y \"\" OR BODY \"caf\xc3\xa9\" TEXT world\r\n";
	struct ms_pool *pool = ms_pool_create("fuzz-search", 0);
	struct ms_imap_parser *ps = ms_imap_parser_new(pool, NULL);
	struct ms_sprog *p;
	enum ms_sprog_err kind;
	const char *why, *d;
	size_t used, dl;
	int64_t day;

	ms_imap_parser_set_utf8(ps, 1);
	CHECK(ms_imap_parser_feed(ps, (const unsigned char *)keys,
				  sizeof(keys) - 1, &used) ==
	      MS_IMAP_EV_COMMAND);
	CHECK(ms_sprog_compile(pool, ms_imap_parser_cmd(ps)->args, 0, &p,
			       &kind, &why) == 0);
	CHECK(run_msg(pool, p, data, size, 2) == run_msg(pool, p, data, size,
							 4));
	if (ms_sprog_env_date((const char *)data, size, &d, &dl) == 0) {
		CHECK(d >= (const char *)data &&
		      d + dl <= (const char *)data + size);
		(void)ms_sprog_date_day(d, dl, &day);
	}
	ms_imap_parser_free(&ps);
	ms_pool_destroy(&pool);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	if ((data[0] & 1) == 0)
		fuzz_keys(data + 1, size - 1);
	else
		fuzz_message(data + 1, size - 1);
	return 0;
}
