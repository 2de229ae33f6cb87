/*
 * bench_lmtp.c -- the LMTP load generator of bench/run.py: delivers one
 * message file many times to one server (msgstored or Dovecot), every
 * reply checked.
 *
 *   bench_lmtp HOST:PORT CONNS COUNT NUSERS USERFMT MSGFILE
 *              [--first K] [--random SEED]
 *
 * COUNT messages in total over CONNS concurrent connections (a thread
 * each); message i (0-based) goes to user K + (i % NUSERS) (K is 1
 * unless --first says), named by USERFMT ("lm%d@localhost"), on
 * connection i % CONNS.  With --random, message i goes to user
 * K + (h(SEED, i) % NUSERS) instead: a fixed pseudo-random recipient
 * per message, the same for every server and every thread schedule
 * (bench/run.py's `growth` workload spreads deliveries over all the
 * accounts of a large store this way).  Each connection
 * does what Postfix's LMTP client does with a cached connection: one
 * LHLO, then per message MAIL FROM (with SIZE= when offered) + RCPT TO +
 * DATA in one write (PIPELINING), the three replies, the dot-stuffed body and ".", and the
 * recipient's reply.  The clock runs from the moment every connection
 * has had its LHLO answered to the last reply.  Prints
 * "ms=<elapsed> msgs=<n> bytes=<n>" (bytes: the message file's size,
 * CRLF, unstuffed, times n).  A reply that is not the expected code
 * prints "error: ..." and the program exits 1.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#define BENCH_IO_BUF_SIZE       (1 << 14)
#include "bench_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BL_MAX_CONNS    256
#define BL_MAX_MSG      ((size_t)64 << 20)

/* What every thread shares (read-only once the threads run, except the
   start gate under mu). */
struct bl_job {
	const char *addr;
	unsigned conns;
	unsigned long count;
	unsigned long nusers;
	const char *userfmt;
	unsigned long first;            /* first user number */
	int random;                     /* --random given */
	uint64_t seed;
	char *body;                     /* stuffed, ending ".\r\n" */
	size_t body_len;
	size_t msg_len;                 /* unstuffed CRLF size */
	struct ms_mutex *mu;
	struct ms_cond *cv;
	unsigned ready;                 /* connections past LHLO */
	int go;
};

/* One connection, driven by one thread. */
struct bl_conn {
	struct bl_job *job;
	unsigned idx;                   /* connection number */
	struct bench_io io;
};

static double
bl_now_ms(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return (double)ts.sec * 1e3 + (double)ts.nsec / 1e6;
}

/* LHLO extensions the client uses (bl_reply's *ext_r). */
#define BL_EXT_PIPELINING       0x1
#define BL_EXT_SIZE             0x2

/* Is the reply line's text the extension kw (alone or with arguments)? */
static int
bl_is_ext(const char *text, const char *kw)
{
	size_t n = strlen(kw);

	return strncmp(text, kw, n) == 0 &&
	    (text[n] == '\0' || text[n] == ' ');
}

/*
 * Read one (possibly multi-line) reply and check its code is want.
 * If ext_r is not NULL, it gets the BL_EXT_* extensions the reply's
 * lines name (for LHLO).
 */
static void
bl_reply(struct bl_conn *c, int want, const char *what, unsigned *ext_r)
{
	char line[1024], msg[1200];

	for (;;) {
		bench_io_line(&c->io, line, sizeof(line));
		if (strlen(line) < 3 || atoi(line) != want ||
		    (line[3] != ' ' && line[3] != '-' && line[3] != '\0')) {
			snprintf(msg, sizeof(msg), "%s: expected %d, got \"%s\""
				 " (connection %u)", what, want, line, c->idx);
			bench_io_fail(msg, NULL);
		}
		if (ext_r != NULL && bl_is_ext(line + 4, "PIPELINING"))
			*ext_r |= BL_EXT_PIPELINING;
		if (ext_r != NULL && bl_is_ext(line + 4, "SIZE"))
			*ext_r |= BL_EXT_SIZE;
		if (line[3] != '-')
			return;
	}
}

/* splitmix64 of seed and i: message i's recipient under --random. */
static unsigned long
bl_pick(const struct bl_job *job, unsigned long i)
{
	uint64_t z = job->seed + (uint64_t)(i + 1) * 0x9E3779B97F4A7C15ull;

	if (!job->random)
		return job->first + i % job->nusers;
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	z ^= z >> 31;
	return job->first + (unsigned long)(z % job->nusers);
}

static void *
bl_thread(void *arg)
{
	struct bl_conn *c = arg;
	struct bl_job *job = c->job;
	struct ms_perr perr;
	char cmd[1024], rcpt[512], size[40];
	unsigned long i;
	unsigned ext = 0;
	size_t len;

	if (ms_sock_connect(job->addr, 10000, &c->io.sock, &perr) < 0)
		bench_io_fail("connect", job->addr);
	ms_sock_set_blocking(c->io.sock, 1);
	ms_sock_set_nodelay(c->io.sock, 1);
	bl_reply(c, 220, "greeting", NULL);
	bench_io_send(&c->io, "LHLO bench.example.org\r\n", 24);
	bl_reply(c, 250, "LHLO", &ext);
	if (!(ext & BL_EXT_PIPELINING))
		bench_io_fail("the server does not offer PIPELINING", NULL);
	/* like Postfix: SIZE= only to a server that offers SIZE */
	size[0] = '\0';
	if (ext & BL_EXT_SIZE)
		snprintf(size, sizeof(size), " SIZE=%lu",
			 (unsigned long)job->msg_len);

	ms_mutex_lock(job->mu);
	job->ready++;
	ms_cond_broadcast(job->cv);
	while (!job->go)
		ms_cond_wait(job->cv, job->mu, 0);
	ms_mutex_unlock(job->mu);

	for (i = c->idx; i < job->count; i += job->conns) {
		snprintf(rcpt, sizeof(rcpt), job->userfmt,
			 (int)bl_pick(job, i));
		len = (size_t)snprintf(cmd, sizeof(cmd),
				       "MAIL FROM:<sender%lu@example.org>%s"
				       "\r\nRCPT TO:<%s>\r\nDATA\r\n",
				       i, size, rcpt);
		if (len >= sizeof(cmd))
			bench_io_fail("recipient name too long", rcpt);
		bench_io_send(&c->io, cmd, len);
		bl_reply(c, 250, "MAIL FROM", NULL);
		bl_reply(c, 250, "RCPT TO", NULL);
		bl_reply(c, 354, "DATA", NULL);
		bench_io_send(&c->io, job->body, job->body_len);
		bl_reply(c, 250, "end of DATA", NULL);
	}
	bench_io_send(&c->io, "QUIT\r\n", 6);
	bl_reply(c, 221, "QUIT", NULL);
	ms_sock_close(c->io.sock);
	return NULL;
}

/*
 * The message file as it goes on the wire: every line end CRLF (a bare
 * LF becomes CRLF), a leading '.' doubled, a last line ended, ".\r\n".
 * *msg_len_r gets the size before stuffing and without the final dot.
 */
static char *
bl_load(const char *path, size_t *len_r, size_t *msg_len_r)
{
	FILE *f;
	char *raw, *out;
	size_t n, i, o = 0, cap, mlen = 0;
	int bol = 1;

	f = fopen(path, "rb");
	if (f == NULL)
		bench_io_fail("cannot open", path);
	raw = malloc(BL_MAX_MSG);
	if (raw == NULL)
		bench_io_fail("memory", NULL);
	n = fread(raw, 1, BL_MAX_MSG, f);
	fclose(f);
	if (n == 0 || n == BL_MAX_MSG)
		bench_io_fail("message file empty or too big", path);
	cap = 2 * n + 8;
	out = malloc(cap);
	if (out == NULL)
		bench_io_fail("memory", NULL);
	for (i = 0; i < n; i++) {
		if (bol && raw[i] == '.')
			out[o++] = '.';
		if (raw[i] == '\n' && (i == 0 || raw[i - 1] != '\r')) {
			out[o++] = '\r';
			mlen++;
		}
		out[o++] = raw[i];
		mlen++;
		bol = raw[i] == '\n';
	}
	if (!bol) {
		memcpy(out + o, "\r\n", 2);
		o += 2;
		mlen += 2;
	}
	memcpy(out + o, ".\r\n", 3);
	o += 3;
	free(raw);
	*len_r = o;
	*msg_len_r = mlen;
	return out;
}

int
main(int argc, char **argv)
{
	struct ms_perr perr;
	struct bl_job job;
	struct bl_conn **cs;
	struct ms_thread **ts;
	unsigned i;
	double t0, t1;
	int k;

	memset(&job, 0, sizeof(job));
	job.first = 1;
	for (k = 7; k + 1 < argc; k += 2) {
		if (strcmp(argv[k], "--first") == 0)
			job.first = strtoul(argv[k + 1], NULL, 10);
		else if (strcmp(argv[k], "--random") == 0) {
			job.random = 1;
			job.seed = strtoull(argv[k + 1], NULL, 10);
		} else
			break;
	}
	if (argc < 7 || k != argc || job.first == 0 ||
	    ms_plat_init(&perr) < 0) {
		fprintf(stderr, "usage: bench_lmtp HOST:PORT CONNS COUNT NUSERS "
			"USERFMT MSGFILE [--first K] [--random SEED]\n");
		return 2;
	}
	job.addr = argv[1];
	job.conns = (unsigned)strtoul(argv[2], NULL, 10);
	job.count = strtoul(argv[3], NULL, 10);
	job.nusers = strtoul(argv[4], NULL, 10);
	job.userfmt = argv[5];
	if (job.conns == 0 || job.conns > BL_MAX_CONNS || job.nusers == 0 ||
	    job.count == 0)
		bench_io_fail("CONNS must be 1-256, COUNT and NUSERS at "
			      "least 1", NULL);
	if (strstr(job.userfmt, "%d") == NULL ||
	    strchr(strstr(job.userfmt, "%d") + 2, '%') != NULL ||
	    strchr(job.userfmt, '%') != strstr(job.userfmt, "%d"))
		bench_io_fail("USERFMT must hold exactly one %d", job.userfmt);
	job.body = bl_load(argv[6], &job.body_len, &job.msg_len);
	job.mu = ms_mutex_new();
	job.cv = ms_cond_new();
	cs = calloc(job.conns, sizeof(*cs));
	ts = calloc(job.conns, sizeof(*ts));
	if (cs == NULL || ts == NULL)
		bench_io_fail("memory", NULL);
	for (i = 0; i < job.conns; i++) {
		cs[i] = calloc(1, sizeof(*cs[i]));
		if (cs[i] == NULL)
			bench_io_fail("memory", NULL);
		cs[i]->job = &job;
		cs[i]->idx = i;
		cs[i]->io.sock = -1;
		if (ms_thread_start(bl_thread, cs[i], &ts[i], &perr) < 0)
			bench_io_fail("thread start", NULL);
	}
	ms_mutex_lock(job.mu);
	while (job.ready < job.conns)
		ms_cond_wait(job.cv, job.mu, 0);
	job.go = 1;
	t0 = bl_now_ms();
	ms_cond_broadcast(job.cv);
	ms_mutex_unlock(job.mu);
	for (i = 0; i < job.conns; i++)
		ms_thread_join(ts[i], NULL);
	t1 = bl_now_ms();
	printf("ms=%.3f msgs=%lu bytes=%llu\n", t1 - t0, job.count,
	       (unsigned long long)job.msg_len * job.count);
	for (i = 0; i < job.conns; i++)
		free(cs[i]);
	free(cs);
	free(ts);
	free(job.body);
	ms_cond_free(job.cv);
	ms_mutex_free(job.mu);
	return 0;
}
