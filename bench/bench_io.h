/*
 * bench_io.h -- the blocking socket I/O the protocol load generators
 * (bench_imap, bench_lmtp, bench_pop3) share: a read buffer over one
 * connected socket, line framing on LF, a write-it-all loop, and the
 * "error: ..." exit that makes a run with a bad reply no result.
 *
 * What it owns: struct bench_io's buffer and its unread window
 * buf[start..end).  The caller owns the socket (connects it, makes it
 * blocking, closes it) and may read buf[start..end) in place and advance
 * start (a literal skipped, a POP3 body counted), calling bench_io_fill()
 * for more: no byte is copied except a line into the caller's array.
 * There are no timeouts here: reads and writes block (the socket is put
 * in blocking mode by the caller).  One struct bench_io belongs to one
 * thread; every failure exits the whole process.
 *
 * Header only, every function static inline: each program is one source
 * file and gets the same code as when these lived in it.  A program may
 * set, before including this header (defaults shown):
 *
 *   BENCH_IO_BUF_SIZE    (1 << 16)  bytes buffered; also the longest line
 *   BENCH_IO_MSG_LONG    "reply line too long"
 *   BENCH_IO_MSG_CLOSED  "connection closed by the server"
 */
#ifndef BENCH_IO_H
#define BENCH_IO_H

#include "ms_sys.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef BENCH_IO_BUF_SIZE
#  define BENCH_IO_BUF_SIZE     (1 << 16)
#endif
#ifndef BENCH_IO_MSG_LONG
#  define BENCH_IO_MSG_LONG     "reply line too long"
#endif
#ifndef BENCH_IO_MSG_CLOSED
#  define BENCH_IO_MSG_CLOSED   "connection closed by the server"
#endif

struct bench_io {
	int sock;                       /* connected, blocking */
	size_t start, end;              /* unread bytes: buf[start..end) */
	unsigned char buf[BENCH_IO_BUF_SIZE];
};

/*
 * Print "error: what" (": detail" after it unless detail is NULL) to
 * stdout, flush, exit(1); bench/run.py shows that output when it stops.
 */
static inline void bench_io_fail(const char *what, const char *detail)
    MS_NORETURN;

static inline void
bench_io_fail(const char *what, const char *detail)
{
	printf("error: %s%s%s\n", what, detail != NULL ? ": " : "",
	       detail != NULL ? detail : "");
	fflush(stdout);
	exit(1);
}

/*
 * One read of more bytes into the buffer, the unread ones first moved to
 * its start.  Fails (BENCH_IO_MSG_LONG) when the buffer is full of unread
 * bytes, and (BENCH_IO_MSG_CLOSED) at EOF or a read error.
 */
static inline void
bench_io_fill(struct bench_io *io)
{
	struct ms_perr perr;
	size_t n;

	if (io->start > 0) {
		memmove(io->buf, io->buf + io->start, io->end - io->start);
		io->end -= io->start;
		io->start = 0;
	}
	if (io->end == sizeof(io->buf))
		bench_io_fail(BENCH_IO_MSG_LONG, NULL);
	if (ms_sock_read(io->sock, io->buf + io->end,
			 sizeof(io->buf) - io->end, &n, &perr) <= 0)
		bench_io_fail(BENCH_IO_MSG_CLOSED, NULL);
	io->end += n;
}

/*
 * The next line, without its LF and a CR before it, into line (size > 0
 * bytes, NUL-terminated; a longer line is cut, the rest of it consumed).
 * Returns the length copied.
 */
static inline size_t
bench_io_line(struct bench_io *io, char *line, size_t size)
{
	unsigned char *nl;
	size_t len, k;

	for (;;) {
		nl = memchr(io->buf + io->start, '\n', io->end - io->start);
		if (nl != NULL)
			break;
		bench_io_fill(io);
	}
	len = (size_t)(nl - (io->buf + io->start));
	k = len < size - 1 ? len : size - 1;
	memcpy(line, io->buf + io->start, k);
	if (k > 0 && line[k - 1] == '\r')
		k--;
	line[k] = '\0';
	io->start += len + 1;
	return k;
}

/* Write all len bytes of s; fails ("write failed") if the socket will
   not take them. */
static inline void
bench_io_send(struct bench_io *io, const char *s, size_t len)
{
	struct ms_perr perr;
	size_t off = 0, n;

	while (off < len) {
		if (ms_sock_write(io->sock, s + off, len - off, &n,
				  &perr) <= 0)
			bench_io_fail("write failed", NULL);
		off += n;
	}
}

#endif
