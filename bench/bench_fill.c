/*
 * bench_fill.c -- load a directory of generated messages (bench/gen_mail.py)
 * into one mailbox of a msgstore account, for the protocol benchmarks.
 *
 *   bench_fill -c CONF [--set k=v ...] ACCOUNT MAILBOX DIR FIRST LAST
 *
 * Appends DIR/FIRST.eml .. DIR/LAST.eml (6-digit names) in batches of 64
 * through the store's durable path (ms_mbox_tx_*), with internal date
 * 1700000000 + 97 * n -- the same the Dovecot side gets as file mtime --
 * and every third message \Seen.  The mailbox is created when missing.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BF_BATCH        64
#define BF_MAX_MSG      ((size_t)64 << 20)

static void die(const char *what, const struct ms_err *err) MS_NORETURN;

static void
die(const char *what, const struct ms_err *err)
{
	fprintf(stderr, "bench_fill: %s: %s\n", what,
		err != NULL ? err->internal : "failed");
	exit(1);
}

static struct ms_mbox *
open_mailbox(struct ms_acct *a, const char *name)
{
	struct ms_pool *pool = ms_pool_create("bench_fill", 0);
	struct ms_mblist *l;
	struct ms_mbox *mbox;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t id;
	long i;

	if (ms_mblist_load(a, pool, &l, &err) < 0)
		die("mailbox list", &err);
	i = ms_mblist_find(l, name);
	if (i < 0) {
		if (ms_mblist_create(a, name, MS_SU_NONE, &id, NULL,
				     &err) < 0)
			die("create mailbox", &err);
	} else {
		id = l->ents[i].id;
	}
	ms_mblist_mbox_names(a, id, rel, sizeof(rel), lock, sizeof(lock));
	if (ms_mbox_open(ms_acct_fs(a), rel, lock, &mbox, &err) < 0)
		die("open mailbox", &err);
	ms_pool_destroy(&pool);
	return mbox;
}

static void
add_one(struct ms_mbox_tx *tx, const char *dir, unsigned long n)
{
	struct ms_err err;
	char path[4096], *data;
	size_t len;
	struct ms_perr perr;

	snprintf(path, sizeof(path), "%s/%06lu.eml", dir, n);
	if (ms_plat_read_path(path, BF_MAX_MSG, &data, &len, &perr) < 0) {
		fprintf(stderr, "bench_fill: %s: %s\n", path, perr.what);
		exit(1);
	}
	if (ms_mbox_tx_msg_begin(tx, &err) < 0 ||
	    ms_mbox_tx_msg_data(tx, data, len, &err) < 0 ||
	    ms_mbox_tx_msg_end(tx, n % 3 == 0 ? MS_MBOX_SEEN : 0, NULL, 0,
			       (int64_t)1700000000 + 97 * (int64_t)n,
			       &err) < 0)
		die(path, &err);
	free(data);
}

int
main(int argc, char **argv)
{
	struct ms_pool *pool;
	struct ms_opts opts;
	struct ms_conf *conf;
	struct ms_store *st;
	struct ms_acct *a;
	struct ms_mbox *mbox;
	struct ms_mbox_tx *tx;
	struct ms_err err;
	struct ms_perr perr;
	unsigned long n, first, last;
	uint32_t uid;

	if (ms_plat_init(&perr) < 0)
		return 1;
	pool = ms_pool_create("bench_fill", 0);
	if (ms_opts_parse(&opts, argc, argv, pool, &err) < 0 ||
	    opts.argc != 5) {
		fprintf(stderr, "usage: bench_fill -c CONF ACCOUNT MAILBOX DIR "
			"FIRST LAST\n");
		return 2;
	}
	if (ms_opts_load_conf(&opts, pool, &conf, &err) < 0)
		die("config", &err);
	if (ms_store_open(conf, MS_STORE_CREATE, &st, &err) < 0)
		die("store", &err);
	if (ms_acct_open(st, opts.argv[0], &a, &err) < 0)
		die(opts.argv[0], &err);
	mbox = open_mailbox(a, opts.argv[1]);
	first = strtoul(opts.argv[3], NULL, 10);
	last = strtoul(opts.argv[4], NULL, 10);
	for (n = first; n <= last; ) {
		if (ms_mbox_tx_begin(mbox, &tx, &err) < 0)
			die("tx", &err);
		for (; n <= last && ms_mbox_tx_count(tx) < BF_BATCH; n++)
			add_one(tx, opts.argv[2], n);
		if (ms_mbox_tx_commit(tx, NULL, &uid, &err) < 0)
			die("commit", &err);
		ms_mbox_tx_free(tx);
	}
	ms_mbox_close(mbox);
	ms_acct_close(a);
	ms_store_close(st);
	ms_pool_destroy(&pool);
	return 0;
}
