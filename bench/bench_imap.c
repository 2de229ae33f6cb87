/*
 * bench_imap.c -- the IMAP load generator of bench/run.py: one workload
 * against one server (msgstored or Dovecot), every response checked.
 *
 *   bench_imap HOST:PORT USER PASS WORKLOAD ARGS... [--repeat N]
 *
 * Workloads (the timed part in brackets; SELECT is untimed unless named):
 *   select_flags MBOX N     [SELECT MBOX + UID FETCH 1:* (FLAGS)]
 *   envelope MBOX N         [FETCH 1:* (ENVELOPE)]
 *   bodies MBOX N           [FETCH 1:N BODY.PEEK[]]
 *   search MBOX WORD HITS   [SEARCH TEXT WORD]
 *   idle MBOX CONNS         CONNS sessions log in, SELECT and IDLE; prints
 *                           "ready" and waits for a line on stdin
 * Each timed run prints "ms=<milliseconds>"; a response that does not
 * match (wrong count, NO/BAD, short literal) prints "error: ..." and the
 * program exits 1, so a run with errors is never a result.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bi_conn {
	int sock;
	unsigned char buf[1 << 16];
	size_t start, end;
	unsigned tagn;
};

struct bi_resp {
	unsigned long fetches;          /* "* n FETCH" responses */
	unsigned long exists;
	unsigned long long literal_bytes;
	unsigned long search_hits;
	char status[8];                 /* OK, NO, BAD */
};

static void bi_fail(const char *what) MS_NORETURN;

static void
bi_fail(const char *what)
{
	printf("error: %s\n", what);
	fflush(stdout);
	exit(1);
}

static double
bi_now_ms(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return (double)ts.sec * 1e3 + (double)ts.nsec / 1e6;
}

static void
bi_fill(struct bi_conn *c)
{
	struct ms_perr perr;
	size_t n;

	if (c->start > 0) {
		memmove(c->buf, c->buf + c->start, c->end - c->start);
		c->end -= c->start;
		c->start = 0;
	}
	if (c->end == sizeof(c->buf))
		bi_fail("line too long");
	if (ms_sock_read(c->sock, c->buf + c->end, sizeof(c->buf) - c->end,
			 &n, &perr) <= 0)
		bi_fail("connection closed");
	c->end += n;
}

/* One line without CRLF into line (truncated copy; the rest skipped). */
static size_t
bi_line(struct bi_conn *c, char *line, size_t size)
{
	unsigned char *nl;
	size_t len, k;

	for (;;) {
		nl = memchr(c->buf + c->start, '\n', c->end - c->start);
		if (nl != NULL)
			break;
		bi_fill(c);
	}
	len = (size_t)(nl - (c->buf + c->start));
	k = len < size - 1 ? len : size - 1;
	memcpy(line, c->buf + c->start, k);
	if (k > 0 && line[k - 1] == '\r')
		k--;
	line[k] = '\0';
	c->start += len + 1;
	return k;
}

static void
bi_skip(struct bi_conn *c, unsigned long long n)
{
	size_t have;

	while (n > 0) {
		if (c->start == c->end)
			bi_fill(c);
		have = c->end - c->start;
		if (have > n)
			have = (size_t)n;
		c->start += have;
		n -= have;
	}
}

static void
bi_send(struct bi_conn *c, const char *s)
{
	struct ms_perr perr;
	size_t len = strlen(s), off = 0, n;

	while (off < len) {
		if (ms_sock_write(c->sock, s + off, len - off, &n, &perr) <= 0)
			bi_fail("write failed");
		off += n;
	}
}

/* Literal size at the end of a line ("{123}"), or -1. */
static long long
bi_literal(const char *line, size_t len)
{
	const char *p;

	if (len < 3 || line[len - 1] != '}')
		return -1;
	p = line + len - 2;
	while (p > line && *p >= '0' && *p <= '9')
		p--;
	if (*p != '{')
		return -1;
	return atoll(p + 1);
}

static void
bi_untagged(const char *line, struct bi_resp *r)
{
	const char *p;

	if (strncmp(line, "* ", 2) != 0)
		return;
	p = line + 2;
	if (strstr(p, " FETCH (") != NULL)
		r->fetches++;
	else if (strstr(p, " EXISTS") != NULL)
		r->exists = strtoul(p, NULL, 10);
	else if (strncmp(p, "SEARCH", 6) == 0) {
		for (p += 6; *p == ' '; ) {
			r->search_hits++;
			p = strchr(p + 1, ' ');
			if (p == NULL)
				break;
		}
	}
}

/* Send "tagN cmd" and read to the tagged reply. */
static void
bi_cmd(struct bi_conn *c, const char *cmd, struct bi_resp *r)
{
	char tag[32], line[8192], out[4096];
	size_t len, tl;
	long long lit;
	int first = 1;

	memset(r, 0, sizeof(*r));
	snprintf(tag, sizeof(tag), "b%u ", ++c->tagn);
	tl = strlen(tag);
	snprintf(out, sizeof(out), "%s%s\r\n", tag, cmd);
	bi_send(c, out);
	for (;;) {
		len = bi_line(c, line, sizeof(line));
		if (first)
			bi_untagged(line, r);
		first = 0;
		if (strncmp(line, tag, tl) == 0) {
			snprintf(r->status, sizeof(r->status), "%.3s",
				 line + tl);
			if (strcmp(r->status, "OK ") != 0 &&
			    strncmp(r->status, "OK", 2) != 0) {
				fprintf(stderr, "%s -> %s\n", cmd, line);
				bi_fail("command failed");
			}
			return;
		}
		lit = bi_literal(line, len);
		if (lit >= 0) {
			r->literal_bytes += (unsigned long long)lit;
			bi_skip(c, (unsigned long long)lit);
		} else {
			first = 1;
		}
	}
}

static void
bi_connect(struct bi_conn *c, const char *addr, const char *user,
	   const char *pass)
{
	struct ms_perr perr;
	struct bi_resp r;
	char line[1024];

	memset(c, 0, sizeof(*c));
	if (ms_sock_connect(addr, 10000, &c->sock, &perr) < 0)
		bi_fail("connect");
	ms_sock_set_blocking(c->sock, 1);
	bi_line(c, line, sizeof(line));
	if (strncmp(line, "* OK", 4) != 0)
		bi_fail("no greeting");
	snprintf(line, sizeof(line), "LOGIN \"%s\" \"%s\"", user, pass);
	bi_cmd(c, line, &r);
}

static void
bi_expect(const char *what, unsigned long got, unsigned long want)
{
	char msg[200];

	if (got == want)
		return;
	snprintf(msg, sizeof(msg), "%s: got %lu, expected %lu", what, got,
		 want);
	bi_fail(msg);
}

/* SELECT mbox; returns EXISTS. */
static unsigned long
bi_select(struct bi_conn *c, const char *mbox)
{
	char cmd[512];
	struct bi_resp r;

	snprintf(cmd, sizeof(cmd), "SELECT \"%s\"", mbox);
	bi_cmd(c, cmd, &r);
	return r.exists;
}

static void
bi_report(double t0)
{
	printf("ms=%.3f\n", bi_now_ms() - t0);
	fflush(stdout);
}

static void
bi_idle(const char *addr, const char *user, const char *pass,
	const char *mbox, unsigned long conns)
{
	struct bi_conn *cs = calloc(conns, sizeof(*cs));
	char line[256], cmd[512];
	unsigned long i;
	struct bi_resp r;

	if (cs == NULL)
		bi_fail("memory");
	snprintf(cmd, sizeof(cmd), "SELECT \"%s\"", mbox);
	for (i = 0; i < conns; i++) {
		bi_connect(&cs[i], addr, user, pass);
		bi_cmd(&cs[i], cmd, &r);
		bi_send(&cs[i], "i IDLE\r\n");
		bi_line(&cs[i], line, sizeof(line));
		if (line[0] != '+')
			bi_fail("IDLE not accepted");
	}
	printf("ready\n");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	for (i = 0; i < conns; i++)
		ms_sock_close(cs[i].sock);
	free(cs);
}

int
main(int argc, char **argv)
{
	struct ms_perr perr;
	struct bi_conn *c;
	struct bi_resp r;
	unsigned long n, repeat = 1, i;
	char cmd[512];
	const char *w;
	double t0;

	if (argc >= 3 && strcmp(argv[argc - 2], "--repeat") == 0) {
		repeat = strtoul(argv[argc - 1], NULL, 10);
		argc -= 2;
	}
	if (argc < 7 || ms_plat_init(&perr) < 0) {
		fprintf(stderr, "usage: bench_imap HOST:PORT USER PASS "
			"WORKLOAD MBOX ARG [ARG] [--repeat N]\n");
		return 2;
	}
	w = argv[4];
	n = strtoul(argv[6], NULL, 10);
	if (strcmp(w, "idle") == 0) {
		bi_idle(argv[1], argv[2], argv[3], argv[5], n);
		return 0;
	}
	c = malloc(sizeof(*c));
	if (c == NULL)
		return 1;
	bi_connect(c, argv[1], argv[2], argv[3]);
	for (i = 0; i < repeat; i++) {
		if (strcmp(w, "select_flags") == 0) {
			snprintf(cmd, sizeof(cmd), "SELECT \"%s\"", argv[5]);
			t0 = bi_now_ms();
			bi_cmd(c, cmd, &r);
			bi_expect("EXISTS", r.exists, n);
			bi_cmd(c, "UID FETCH 1:* (FLAGS)", &r);
			bi_report(t0);
			bi_expect("FETCH responses", r.fetches, n);
			bi_cmd(c, "UNSELECT", &r);
			continue;
		}
		if (i == 0 && bi_select(c, argv[5]) < n &&
		    strcmp(w, "search") != 0)
			bi_fail("mailbox has too few messages");
		t0 = bi_now_ms();
		if (strcmp(w, "envelope") == 0) {
			bi_cmd(c, "FETCH 1:* (ENVELOPE)", &r);
			bi_report(t0);
			bi_expect("FETCH responses", r.fetches, n);
		} else if (strcmp(w, "bodies") == 0) {
			snprintf(cmd, sizeof(cmd), "FETCH 1:%lu BODY.PEEK[]",
				 n);
			bi_cmd(c, cmd, &r);
			bi_report(t0);
			bi_expect("FETCH responses", r.fetches, n);
		} else if (strcmp(w, "search") == 0 && argc >= 8) {
			snprintf(cmd, sizeof(cmd), "SEARCH TEXT \"%s\"",
				 argv[6]);
			bi_cmd(c, cmd, &r);
			bi_report(t0);
			bi_expect("SEARCH hits", r.search_hits,
				  strtoul(argv[7], NULL, 10));
		} else {
			bi_fail("unknown workload");
		}
	}
	ms_sock_close(c->sock);
	free(c);
	return 0;
}
