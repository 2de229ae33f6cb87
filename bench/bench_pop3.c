/*
 * bench_pop3.c -- the POP3 load generator of bench/run.py: one session
 * downloads a whole maildrop from one server (msgstored or Dovecot),
 * every reply checked.
 *
 *   bench_pop3 HOST:PORT USER PASS COUNT [--window W] [--repeat N]
 *
 * Each run is one session: USER, PASS, LIST (untimed: the sizes the
 * downloads are checked against), then, timed, STAT and RETR 1..COUNT,
 * then QUIT (untimed; nothing was deleted).  STAT must report COUNT
 * messages and the sum of the LIST sizes; each RETR must return, once
 * dot-unstuffed, exactly as many bytes as LIST said.  W is how many RETR
 * commands are in flight (1, the default: one at a time, as fetchmail
 * and poplib do; more needs the server's PIPELINING).  Each run prints
 * "ms=<milliseconds> bytes=<n>"; a wrong reply prints "error: ..." and
 * the program exits 1.
 */
#include "ms_sys.h"
#include "ms_plat.h"
#include "bench_io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BP_MAX_WINDOW   256

/* The multi-line body decoder (RFC 1939 section 3). */
enum bp_dot {
	BP_BOL,                 /* at the start of a line */
	BP_MID,                 /* inside a line */
	BP_DOT,                 /* '.' at the start of a line */
	BP_DOTCR                /* ".\r" at the start of a line */
};

static double
bp_now_ms(void)
{
	struct ms_timespec ts;

	ms_time_now(&ts);
	return (double)ts.sec * 1e3 + (double)ts.nsec / 1e6;
}

/* A status line that must be +OK; the text after "+OK" into line. */
static void
bp_ok(struct bench_io *c, const char *what, char *line, size_t size)
{
	char msg[1200];

	bench_io_line(c, line, size);
	if (strncmp(line, "+OK", 3) != 0) {
		snprintf(msg, sizeof(msg), "%s: %s", what, line);
		bench_io_fail(msg, NULL);
	}
}

static void
bp_cmd(struct bench_io *c, const char *cmd, char *line, size_t size)
{
	char out[512];
	int n;

	n = snprintf(out, sizeof(out), "%s\r\n", cmd);
	if (n < 0 || (size_t)n >= sizeof(out))
		bench_io_fail("command too long", NULL);
	bench_io_send(c, out, (size_t)n);
	bp_ok(c, cmd, line, size);
}

/*
 * Read a multi-line body up to CRLF "." CRLF; returns its size
 * dot-unstuffed, CRLFs counted, the terminator not.  A line that starts
 * with a single '.' followed by anything but CRLF was not stuffed by the
 * server: an error.
 */
static unsigned long long
bp_body(struct bench_io *c)
{
	enum bp_dot st = BP_BOL;
	unsigned long long n = 0;
	unsigned char *p, *e, *nl;

	for (;;) {
		if (c->start == c->end)
			bench_io_fill(c);
		p = c->buf + c->start;
		e = c->buf + c->end;
		while (p < e) {
			switch (st) {
			case BP_BOL:
				if (*p == '.') {
					st = BP_DOT;
					p++;
					break;
				}
				st = BP_MID;
				/* FALLTHROUGH */
			case BP_MID:
				nl = memchr(p, '\n', (size_t)(e - p));
				if (nl == NULL) {
					n += (unsigned long long)(e - p);
					p = e;
				} else {
					n += (unsigned long long)(nl - p) + 1;
					p = nl + 1;
					st = BP_BOL;
				}
				break;
			case BP_DOT:
				if (*p == '\r') {
					st = BP_DOTCR;
				} else if (*p == '.') {
					n++;
					st = BP_MID;
				} else {
					bench_io_fail("a line starts with "
						      "an unstuffed '.'",
						      NULL);
				}
				p++;
				break;
			case BP_DOTCR:
				if (*p != '\n')
					bench_io_fail("\".\\r\" not "
						      "followed by LF", NULL);
				c->start = (size_t)(p + 1 - c->buf);
				return n;
			}
		}
		c->start = c->end;
	}
}

static void
bp_connect(struct bench_io *c, const char *addr, const char *user,
	   const char *pass)
{
	struct ms_perr perr;
	char line[1024], cmd[512];

	c->start = c->end = 0;
	if (ms_sock_connect(addr, 10000, &c->sock, &perr) < 0)
		bench_io_fail("connect", addr);
	ms_sock_set_blocking(c->sock, 1);
	ms_sock_set_nodelay(c->sock, 1);
	bp_ok(c, "greeting", line, sizeof(line));
	snprintf(cmd, sizeof(cmd), "USER %s", user);
	bp_cmd(c, cmd, line, sizeof(line));
	snprintf(cmd, sizeof(cmd), "PASS %s", pass);
	bp_cmd(c, cmd, line, sizeof(line));
}

/* LIST: sizes[1..count] (exactly count messages, numbered 1..count). */
static unsigned long long
bp_list(struct bench_io *c, unsigned long count, unsigned long *sizes)
{
	char line[256], msg[400];
	unsigned long got = 0, num, size;
	unsigned long long total = 0;

	bp_cmd(c, "LIST", line, sizeof(line));
	for (;;) {
		bench_io_line(c, line, sizeof(line));
		if (strcmp(line, ".") == 0)
			break;
		if (sscanf(line, "%lu %lu", &num, &size) != 2 ||
		    num != got + 1 || num > count) {
			snprintf(msg, sizeof(msg), "LIST line \"%s\" after %lu "
				 "(expected %lu messages)", line, got, count);
			bench_io_fail(msg, NULL);
		}
		sizes[num] = size;
		total += size;
		got++;
	}
	if (got != count) {
		snprintf(msg, sizeof(msg), "LIST: %lu messages, expected %lu",
			 got, count);
		bench_io_fail(msg, NULL);
	}
	return total;
}

/* One timed run: STAT, RETR 1..count with window commands in flight. */
static unsigned long long
bp_run(struct bench_io *c, unsigned long count, unsigned window,
       const unsigned long *sizes, unsigned long long total)
{
	char line[256], msg[400], cmds[BP_MAX_WINDOW * 24];
	unsigned long n, next_send = 1, next_recv = 1, smsgs;
	unsigned long long got, bytes = 0, ssize;
	size_t len;

	bp_cmd(c, "STAT", line, sizeof(line));
	if (sscanf(line + 3, "%lu %llu", &smsgs, &ssize) != 2 ||
	    smsgs != count || ssize != total) {
		snprintf(msg, sizeof(msg), "STAT \"%s\": expected %lu %llu",
			 line, count, total);
		bench_io_fail(msg, NULL);
	}
	while (next_recv <= count) {
		len = 0;
		while (next_send <= count && next_send - next_recv < window) {
			len += (size_t)snprintf(cmds + len, sizeof(cmds) - len,
						"RETR %lu\r\n", next_send);
			next_send++;
		}
		if (len > 0)
			bench_io_send(c, cmds, len);
		n = next_recv++;
		bp_ok(c, "RETR", line, sizeof(line));
		got = bp_body(c);
		if (got != sizes[n]) {
			snprintf(msg, sizeof(msg), "RETR %lu: %llu bytes, LIST "
				 "said %lu", n, got, sizes[n]);
			bench_io_fail(msg, NULL);
		}
		bytes += got;
	}
	return bytes;
}

int
main(int argc, char **argv)
{
	struct ms_perr perr;
	struct bench_io *c;
	unsigned long count, repeat = 1, i, *sizes;
	unsigned long long total, bytes;
	unsigned window = 1;
	char line[256];
	double t0, t1;
	int k;

	for (k = 5; k + 1 < argc; k += 2) {
		if (strcmp(argv[k], "--window") == 0)
			window = (unsigned)strtoul(argv[k + 1], NULL, 10);
		else if (strcmp(argv[k], "--repeat") == 0)
			repeat = strtoul(argv[k + 1], NULL, 10);
		else
			break;
	}
	if (argc < 5 || k != argc || ms_plat_init(&perr) < 0) {
		fprintf(stderr, "usage: bench_pop3 HOST:PORT USER PASS COUNT "
			"[--window W] [--repeat N]\n");
		return 2;
	}
	count = strtoul(argv[4], NULL, 10);
	if (count == 0 || window == 0 || window > BP_MAX_WINDOW)
		bench_io_fail("COUNT must be at least 1, W 1-256", NULL);
	sizes = calloc(count + 1, sizeof(*sizes));
	c = malloc(sizeof(*c));
	if (sizes == NULL || c == NULL)
		bench_io_fail("memory", NULL);
	for (i = 0; i < repeat; i++) {
		bp_connect(c, argv[1], argv[2], argv[3]);
		total = bp_list(c, count, sizes);
		t0 = bp_now_ms();
		bytes = bp_run(c, count, window, sizes, total);
		t1 = bp_now_ms();
		bp_cmd(c, "QUIT", line, sizeof(line));
		ms_sock_close(c->sock);
		printf("ms=%.3f bytes=%llu\n", t1 - t0, bytes);
		fflush(stdout);
	}
	free(c);
	free(sizes);
	return 0;
}
