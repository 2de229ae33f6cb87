/*
 * mproc_child.c -- the child process of test_mproc.c: one of several
 * processes appending to one mailbox at the same time.
 *
 *   mproc_child ROOT REL LOCK TAG COUNT
 *
 * Opens the mailbox REL (lock LOCK) of the store root ROOT and appends
 * COUNT messages, mixing single appends with small batches
 * (ms_mbox_tx_*), then exits 0.  Message n (0-based) is exactly the bytes
 * of mproc_msg() in test_mproc.c (the two are kept in step), so the test
 * can tell every child's messages apart and check them byte for byte.
 * Any failure is one line on stderr and exit status 1; bad usage is 2.
 * Quiet otherwise, so it does not clutter the CUnit report.
 */
#include "ms_sys.h"
#include "ms_err.h"
#include "ms_mbox.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MPROC_MSG_MAX   1024
#define MPROC_BATCH_MAX 4

/* Message n of child tag: see mproc_msg() in test_mproc.c. */
static size_t
mproc_msg(const char *tag, unsigned n, char *buf, size_t size)
{
	size_t len;
	unsigned i;
	int k;

	k = snprintf(buf, size,
		     "From: Child <%s@example.com>\r\n"
		     "Subject: mproc %s %u\r\n"
		     "Message-ID: <%s.%u@mproc.example>\r\n"
		     "\r\n", tag, tag, n, tag, n);
	len = (size_t)k;
	for (i = 0; i <= n % 7; i++) {
		k = snprintf(buf + len, size - len, "line %u of %s %u\r\n", i,
			     tag, n);
		len += (size_t)k;
	}
	return len;
}

static int
fail(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "mproc_child: %s: %s: %s\n", what,
		ms_ecls_name(err->cls), err->internal);
	return 1;
}

/* Messages n .. n+k-1 as one batch. */
static int
append_batch(struct ms_mbox *mb, const char *tag, unsigned n, unsigned k,
	     struct ms_err *err)
{
	struct ms_mbox_tx *tx = NULL;
	char buf[MPROC_MSG_MAX];
	uint32_t first = 0;
	unsigned i;
	int rc = -1;

	if (ms_mbox_tx_begin(mb, &tx, err) < 0)
		return -1;
	for (i = 0; i < k; i++) {
		size_t len = mproc_msg(tag, n + i, buf, sizeof(buf));

		if (ms_mbox_tx_msg_begin(tx, err) < 0 ||
		    ms_mbox_tx_msg_data(tx, buf, len, err) < 0 ||
		    ms_mbox_tx_msg_end(tx, 0, NULL, 0, 1700000000, err) < 0)
			goto out;
	}
	rc = ms_mbox_tx_commit(tx, NULL, &first, err);
out:
	ms_mbox_tx_free(tx);
	return rc;
}

int
main(int argc, char **argv)
{
	struct ms_pfs *fs = NULL;
	struct ms_mbox *mb = NULL;
	struct ms_perr perr;
	struct ms_err err;
	char buf[MPROC_MSG_MAX];
	const char *tag;
	unsigned count, n, k;
	int rc = 0;

	if (argc != 6) {
		fprintf(stderr, "usage: mproc_child ROOT REL LOCK TAG COUNT\n");
		return 2;
	}
	tag = argv[4];
	count = (unsigned)strtoul(argv[5], NULL, 10);
	if (strlen(tag) > 32 || count > 100000) {
		fprintf(stderr, "mproc_child: bad TAG or COUNT\n");
		return 2;
	}
	if (ms_plat_init(&perr) < 0 ||
	    ms_pfs_open(NULL, argv[1], 0, &fs, &perr) < 0) {
		fprintf(stderr, "mproc_child: %s: %s\n", argv[1], perr.what);
		return 1;
	}
	if (ms_mbox_open(fs, argv[2], argv[3], &mb, &err) < 0) {
		ms_pfs_close(fs);
		return fail("open", &err);
	}
	ms_mbox_set_lock_timeout(mb, 120000);
	/* singles, with a batch of 2..4 every third round */
	for (n = 0; n < count && rc == 0; n += k) {
		k = 1;
		if (n % 3 == 2)
			k = 2 + (n / 3) % (MPROC_BATCH_MAX - 1);
		if (k > count - n)
			k = count - n;
		if (k == 1) {
			size_t len = mproc_msg(tag, n, buf, sizeof(buf));
			uint32_t uid;

			if (ms_mbox_append(mb, buf, len, 0, NULL, 0,
					   1700000000, NULL, &uid, &err) < 0)
				rc = fail("append", &err);
		} else if (append_batch(mb, tag, n, k, &err) < 0)
			rc = fail("batch", &err);
	}
	ms_mbox_close(mb);
	ms_pfs_close(fs);
	return rc;
}
