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
 *   mixed MBOX CLIENTS SECONDS SEED
 *                           CLIENTS sessions (a thread each), client k
 *                           logged in as USER % k with PASS % k (each
 *                           holds one %d, k = 1..CLIENTS), each picking
 *                           operations at random for SECONDS (see
 *                           bi_mixed_op); prints "ops=<n> ms=<elapsed>
 *                           errors=<n>" and the count of each operation
 * Each timed run prints "ms=<milliseconds>"; a response that does not
 * match (wrong count, NO/BAD, short literal) prints "error: ..." and the
 * program exits 1, so a run with errors is never a result.  The mixed
 * workload counts such errors instead, prints them, and exits 1 when any
 * occurred (a lost connection still ends it at once).
 */
#include "ms_sys.h"
#include "ms_plat.h"

#define BENCH_IO_MSG_LONG       "line too long"
#define BENCH_IO_MSG_CLOSED     "connection closed"
#include "bench_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bi_conn {
	struct bench_io io;
	unsigned tagn;
};

struct bi_resp {
	unsigned long fetches;          /* "* n FETCH" responses */
	unsigned long exists;
	unsigned long long literal_bytes;
	unsigned long search_hits;
	unsigned long expunges;         /* "* n EXPUNGE" */
	int exists_seen;
	char status[8];                 /* OK, NO, BAD */
};

static double
bi_now_ms(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return (double)ts.sec * 1e3 + (double)ts.nsec / 1e6;
}

static void
bi_skip(struct bi_conn *c, unsigned long long n)
{
	size_t have;

	while (n > 0) {
		if (c->io.start == c->io.end)
			bench_io_fill(&c->io);
		have = c->io.end - c->io.start;
		if (have > n)
			have = (size_t)n;
		c->io.start += have;
		n -= have;
	}
}

/* Send a NUL-terminated string. */
static void
bi_send(struct bi_conn *c, const char *s)
{
	bench_io_send(&c->io, s, strlen(s));
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
	else if (*p >= '0' && *p <= '9' &&
		 strcmp(p + strspn(p, "0123456789"), " EXPUNGE") == 0)
		r->expunges++;
	else if (strstr(p, " EXISTS") != NULL) {
		r->exists = strtoul(p, NULL, 10);
		r->exists_seen = 1;
	}
	else if (strncmp(p, "SEARCH", 6) == 0) {
		for (p += 6; *p == ' '; ) {
			r->search_hits++;
			p = strchr(p + 1, ' ');
			if (p == NULL)
				break;
		}
	}
}

/*
 * Read the responses to the command tagged "b<c->tagn>" up to its tagged
 * reply; 0 for OK, -1 (printed to stderr) for anything else.
 */
static int
bi_read_tagged(struct bi_conn *c, const char *cmd, struct bi_resp *r)
{
	char tag[32], line[8192];
	size_t len, tl;
	long long lit;
	int first = 1;

	snprintf(tag, sizeof(tag), "b%u ", c->tagn);
	tl = strlen(tag);
	for (;;) {
		len = bench_io_line(&c->io, line, sizeof(line));
		if (first)
			bi_untagged(line, r);
		first = 0;
		if (strncmp(line, tag, tl) == 0) {
			snprintf(r->status, sizeof(r->status), "%.3s",
				 line + tl);
			if (strcmp(r->status, "OK ") != 0 &&
			    strncmp(r->status, "OK", 2) != 0) {
				fprintf(stderr, "%s -> %s\n", cmd, line);
				return -1;
			}
			return 0;
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

/* Send "tagN cmd" and read to the tagged reply: 0 OK, -1 not. */
static int
bi_cmd_st(struct bi_conn *c, const char *cmd, struct bi_resp *r)
{
	char out[4096];

	memset(r, 0, sizeof(*r));
	snprintf(out, sizeof(out), "b%u %s\r\n", ++c->tagn, cmd);
	bi_send(c, out);
	return bi_read_tagged(c, cmd, r);
}

/* Send "tagN cmd" and read to the tagged reply; anything but OK ends
   the program. */
static void
bi_cmd(struct bi_conn *c, const char *cmd, struct bi_resp *r)
{
	if (bi_cmd_st(c, cmd, r) < 0)
		bench_io_fail("command failed", NULL);
}

static void
bi_connect(struct bi_conn *c, const char *addr, const char *user,
	   const char *pass)
{
	struct ms_perr perr;
	struct bi_resp r;
	char line[1024];

	memset(c, 0, sizeof(*c));
	if (ms_sock_connect(addr, 10000, &c->io.sock, &perr) < 0)
		bench_io_fail("connect", NULL);
	ms_sock_set_blocking(c->io.sock, 1);
	bench_io_line(&c->io, line, sizeof(line));
	if (strncmp(line, "* OK", 4) != 0)
		bench_io_fail("no greeting", NULL);
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
	bench_io_fail(msg, NULL);
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
		bench_io_fail("memory", NULL);
	snprintf(cmd, sizeof(cmd), "SELECT \"%s\"", mbox);
	for (i = 0; i < conns; i++) {
		bi_connect(&cs[i], addr, user, pass);
		bi_cmd(&cs[i], cmd, &r);
		bi_send(&cs[i], "i IDLE\r\n");
		bench_io_line(&cs[i].io, line, sizeof(line));
		if (line[0] != '+')
			bench_io_fail("IDLE not accepted", NULL);
	}
	printf("ready\n");
	fflush(stdout);
	if (fgets(line, sizeof(line), stdin) == NULL)
		line[0] = '\0';
	for (i = 0; i < conns; i++)
		ms_sock_close(cs[i].io.sock);
	free(cs);
}

/* ---- the mixed workload --------------------------------------------- */

enum { BM_SELECT, BM_FETCH, BM_BODY, BM_STORE, BM_APPEND, BM_EXPUNGE,
       BM_IDLE, BM_NOOP, BM_NOPS };
static const char *const bm_names[BM_NOPS] = {
	"select", "fetch", "body", "store", "append", "expunge", "idle", "noop"
};

#define BM_MAX_CLIENTS  256
#define BM_FETCH_RANGE  50      /* messages per FETCH FLAGS ENVELOPE */
#define BM_IDLE_MS      20      /* how long an IDLE lasts */

/* What the client threads share. */
struct bm_job {
	const char *addr, *userfmt, *passfmt, *mbox;
	uint64_t seed;
	double t0, deadline;            /* ms; set when go */
	struct ms_mutex *mu;
	struct ms_cond *cv;
	unsigned ready;
	int go;
};

/* One client: its session, random sequence and counts. */
struct bm_client {
	struct bm_job *job;
	unsigned idx;                   /* 1..CLIENTS */
	struct bi_conn conn;
	uint64_t rng;
	unsigned long count;            /* messages in the mailbox */
	unsigned long ops[BM_NOPS];
	unsigned long errors;
	unsigned long appended;
	double end;
};

static uint64_t
bm_rand(struct bm_client *m)
{
	/* xorshift64* */
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return m->rng * 0x2545F4914F6CDD1Dull;
}

/* A message number 1..count. */
static unsigned long
bm_msgno(struct bm_client *m)
{
	return 1 + (unsigned long)(bm_rand(m) % m->count);
}

static void
bm_error(struct bm_client *m, const char *what, unsigned long got,
	 unsigned long want)
{
	m->errors++;
	fprintf(stderr, "client %u: %s: got %lu, expected %lu\n", m->idx,
		what, got, want);
}

/* Check the mailbox size a response reported, if it did. */
static void
bm_exists(struct bm_client *m, const struct bi_resp *r, const char *what)
{
	if (r->exists_seen && r->exists != m->count)
		bm_error(m, what, r->exists, m->count);
}

/* APPEND a small message with a synchronizing literal. */
static int
bm_append(struct bm_client *m, struct bi_resp *r)
{
	struct bi_conn *c = &m->conn;
	char msg[1024], cmd[256], line[1024];
	int len;

	len = snprintf(msg, sizeof(msg),
		       "From: Bench Client %u <client%u@example.org>\r\n"
		       "To: <%s>\r\n"
		       "Subject: mixed load %u.%lu\r\n"
		       "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
		       "Message-ID: <mixed.%u.%lu@example.org>\r\n"
		       "MIME-Version: 1.0\r\n"
		       "Content-Type: text/plain; charset=us-ascii\r\n"
		       "\r\n"
		       "A small message appended by the mixed workload of\r\n"
		       "bench/bench_imap.c, number %lu of client %u.\r\n",
		       m->idx, m->idx, m->job->mbox, m->idx, m->appended,
		       m->idx, m->appended, m->appended, m->idx);
	m->appended++;
	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "b%u APPEND \"%s\" (\\Seen) {%d}\r\n",
		 ++c->tagn, m->job->mbox, len);
	bi_send(c, cmd);
	bench_io_line(&c->io, line, sizeof(line));
	if (line[0] != '+') {
		fprintf(stderr, "APPEND -> %s\n", line);
		return -1;
	}
	bi_send(c, msg);
	bi_send(c, "\r\n");
	return bi_read_tagged(c, "APPEND", r);
}

/* IDLE for BM_IDLE_MS, then DONE. */
static int
bm_idle(struct bm_client *m, struct bi_resp *r)
{
	struct bi_conn *c = &m->conn;
	char cmd[64], line[1024];

	memset(r, 0, sizeof(*r));
	snprintf(cmd, sizeof(cmd), "b%u IDLE\r\n", ++c->tagn);
	bi_send(c, cmd);
	for (;;) {
		bench_io_line(&c->io, line, sizeof(line));
		if (line[0] == '+')
			break;
		if (line[0] != '*') {
			fprintf(stderr, "IDLE -> %s\n", line);
			return -1;
		}
	}
	ms_time_sleep_ms(BM_IDLE_MS);
	bi_send(c, "DONE\r\n");
	return bi_read_tagged(c, "IDLE", r);
}

/*
 * One operation, picked uniformly at random:
 *   SELECT MBOX (EXISTS must be the count this client expects);
 *   FETCH n:n+49 (FLAGS ENVELOPE) (one FETCH per message);
 *   FETCH n BODY.PEEK[] (one FETCH, a literal);
 *   STORE n +FLAGS (\Seen) or (\Flagged) (one FETCH);
 *   APPEND a ~500-byte message (EXISTS, when sent, is the new count);
 *   STORE n +FLAGS.SILENT (\Deleted) then EXPUNGE (exactly one EXPUNGE);
 *   IDLE for 20 ms, then DONE;
 *   NOOP.
 * Each client owns its mailbox, so every count is known in advance.
 */
static void
bi_mixed_op(struct bm_client *m)
{
	struct bi_conn *c = &m->conn;
	struct bi_resp r;
	char cmd[512];
	unsigned long n, hi;
	unsigned op = (unsigned)(bm_rand(m) % BM_NOPS);
	int rc = 0;

	if (m->count < 2 && (op == BM_EXPUNGE))
		op = BM_APPEND;
	m->ops[op]++;
	switch (op) {
	case BM_SELECT:
		snprintf(cmd, sizeof(cmd), "SELECT \"%s\"", m->job->mbox);
		rc = bi_cmd_st(c, cmd, &r);
		if (rc == 0 && r.exists != m->count)
			bm_error(m, "SELECT EXISTS", r.exists, m->count);
		break;
	case BM_FETCH:
		n = bm_msgno(m);
		hi = n + BM_FETCH_RANGE - 1 <= m->count ?
		    n + BM_FETCH_RANGE - 1 : m->count;
		snprintf(cmd, sizeof(cmd), "FETCH %lu:%lu (FLAGS ENVELOPE)", n,
			 hi);
		rc = bi_cmd_st(c, cmd, &r);
		if (rc == 0 && r.fetches != hi - n + 1)
			bm_error(m, "FETCH ENVELOPE responses", r.fetches,
				 hi - n + 1);
		break;
	case BM_BODY:
		n = bm_msgno(m);
		snprintf(cmd, sizeof(cmd), "FETCH %lu BODY.PEEK[]", n);
		rc = bi_cmd_st(c, cmd, &r);
		if (rc == 0 && (r.fetches != 1 || r.literal_bytes == 0))
			bm_error(m, "FETCH BODY.PEEK[] responses", r.fetches,
				 1);
		break;
	case BM_STORE:
		n = bm_msgno(m);
		snprintf(cmd, sizeof(cmd), "STORE %lu +FLAGS (%s)", n,
			 bm_rand(m) % 2 ? "\\Seen" : "\\Flagged");
		rc = bi_cmd_st(c, cmd, &r);
		/* Dovecot sends no FETCH when the flag was already set */
		if (rc == 0 && r.fetches > 1)
			bm_error(m, "STORE FETCH responses", r.fetches, 1);
		break;
	case BM_APPEND:
		rc = bm_append(m, &r);
		if (rc == 0) {
			m->count++;
			bm_exists(m, &r, "APPEND EXISTS");
		}
		break;
	case BM_EXPUNGE:
		n = bm_msgno(m);
		snprintf(cmd, sizeof(cmd), "STORE %lu +FLAGS.SILENT (\\Deleted)",
			 n);
		rc = bi_cmd_st(c, cmd, &r);
		if (rc == 0)
			rc = bi_cmd_st(c, "EXPUNGE", &r);
		if (rc == 0) {
			if (r.expunges != 1)
				bm_error(m, "EXPUNGE responses", r.expunges,
					 1);
			m->count -= r.expunges;
		}
		break;
	case BM_IDLE:
		rc = bm_idle(m, &r);
		if (rc == 0)
			bm_exists(m, &r, "IDLE EXISTS");
		break;
	default:
		rc = bi_cmd_st(c, "NOOP", &r);
		if (rc == 0)
			bm_exists(m, &r, "NOOP EXISTS");
		break;
	}
	if (rc < 0)
		m->errors++;
}

static void *
bm_thread(void *arg)
{
	struct bm_client *m = arg;
	struct bm_job *job = m->job;
	char user[300], pass[300];

	snprintf(user, sizeof(user), job->userfmt, (int)m->idx);
	snprintf(pass, sizeof(pass), job->passfmt, (int)m->idx);
	bi_connect(&m->conn, job->addr, user, pass);
	m->count = bi_select(&m->conn, job->mbox);
	if (m->count == 0)
		bench_io_fail("mixed: the mailbox is empty", NULL);

	ms_mutex_lock(job->mu);
	job->ready++;
	ms_cond_broadcast(job->cv);
	while (!job->go)
		ms_cond_wait(job->cv, job->mu, 0);
	ms_mutex_unlock(job->mu);

	while (bi_now_ms() < job->deadline)
		bi_mixed_op(m);
	m->end = bi_now_ms();
	bi_send(&m->conn, "z LOGOUT\r\n");
	ms_sock_close(m->conn.io.sock);
	return NULL;
}

/* Is fmt a format with exactly one conversion, "%d"? */
static int
bm_one_d(const char *fmt)
{
	const char *p = strchr(fmt, '%');

	return p != NULL && p[1] == 'd' && strchr(p + 2, '%') == NULL;
}

static int
bi_mixed(const char *addr, const char *userfmt, const char *passfmt,
	 const char *mbox, unsigned long clients, unsigned long seconds,
	 uint64_t seed)
{
	struct ms_thread *ts[BM_MAX_CLIENTS];
	struct bm_client *ms;
	struct ms_perr perr;
	struct bm_job job;
	unsigned long i, k, ops = 0, errors = 0, per[BM_NOPS];
	double end = 0;
	uint64_t z;

	if (clients == 0 || clients > BM_MAX_CLIENTS || seconds == 0 ||
	    !bm_one_d(userfmt) || !bm_one_d(passfmt))
		bench_io_fail("mixed: 1-256 clients, SECONDS >= 1, USER and "
			      "PASS each with one %d", NULL);
	memset(&job, 0, sizeof(job));
	job.addr = addr;
	job.userfmt = userfmt;
	job.passfmt = passfmt;
	job.mbox = mbox;
	job.seed = seed;
	job.mu = ms_mutex_new();
	job.cv = ms_cond_new();
	ms = calloc(clients, sizeof(*ms));
	if (ms == NULL)
		bench_io_fail("memory", NULL);
	for (i = 0; i < clients; i++) {
		ms[i].job = &job;
		ms[i].idx = (unsigned)i + 1;
		/* splitmix64: a distinct, fixed sequence per client */
		z = seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;
		z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
		z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
		ms[i].rng = (z ^ (z >> 31)) | 1;
		if (ms_thread_start(bm_thread, &ms[i], &ts[i], &perr) < 0)
			bench_io_fail("thread start", NULL);
	}
	ms_mutex_lock(job.mu);
	while (job.ready < clients)
		ms_cond_wait(job.cv, job.mu, 0);
	job.t0 = bi_now_ms();
	job.deadline = job.t0 + (double)seconds * 1e3;
	job.go = 1;
	ms_cond_broadcast(job.cv);
	ms_mutex_unlock(job.mu);
	memset(per, 0, sizeof(per));
	for (i = 0; i < clients; i++) {
		ms_thread_join(ts[i], NULL);
		for (k = 0; k < BM_NOPS; k++) {
			per[k] += ms[i].ops[k];
			ops += ms[i].ops[k];
		}
		errors += ms[i].errors;
		if (ms[i].end > end)
			end = ms[i].end;
	}
	printf("ops=%lu ms=%.3f errors=%lu", ops, end - job.t0, errors);
	for (k = 0; k < BM_NOPS; k++)
		printf(" %s=%lu", bm_names[k], per[k]);
	printf("\n");
	fflush(stdout);
	free(ms);
	ms_cond_free(job.cv);
	ms_mutex_free(job.mu);
	return errors == 0 ? 0 : 1;
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
	if (strcmp(w, "mixed") == 0) {
		if (argc < 9)
			bench_io_fail("mixed MBOX CLIENTS SECONDS SEED", NULL);
		return bi_mixed(argv[1], argv[2], argv[3], argv[5], n,
				strtoul(argv[7], NULL, 10),
				strtoull(argv[8], NULL, 10));
	}
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
			bench_io_fail("mailbox has too few messages", NULL);
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
			bench_io_fail("unknown workload", NULL);
		}
	}
	ms_sock_close(c->io.sock);
	free(c);
	return 0;
}
