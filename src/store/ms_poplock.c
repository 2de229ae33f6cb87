/*
 * ms_poplock.c -- the POP3 maildrop lock and login delay (ms_poplock.h).
 *
 * The `poplogin` file is one decimal number and a newline, written with
 * ms_store_file_put (temporary file, sync, rename) while the lock is
 * held, so two logins cannot both pass the delay.
 */
#include "ms_sys.h"
#include "ms_poplock.h"
#include "ms_acct.h"
#include "ms_err.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

/* The time of the last POP3 login, or -1 when unknown. */
static int64_t
last_login(struct ms_acct *a)
{
	struct ms_pool *pool = ms_pool_create("poplogin", 256);
	struct ms_err err;
	char *data;
	size_t len;
	uint64_t v;
	int64_t t = -1;

	if (ms_store_file_read(ms_acct_home(a), MS_POPLOCK_LEAF, 64, pool,
			       &data, &len, &err) == 0) {
		if (len > 0 && data[len - 1] == '\n')
			len--;
		if (ms_str_to_u64(ms_str_make(data, len), (uint64_t)1 << 40,
				  &v) == 0)
			t = (int64_t)v;
	}
	ms_pool_destroy(&pool);
	return t;
}

enum ms_poplock_res
ms_poplock_take(struct ms_acct *a, unsigned min_gap, int64_t now,
		struct ms_plock **lk_r, struct ms_err *err)
{
	const struct ms_acct_loc *loc = ms_acct_loc(a);
	char name[MS_PLOCK_MAX_NAME + 1], line[32];
	struct ms_perr perr;
	int64_t last;
	int n;

	*lk_r = NULL;
	/* "a-<16 hex>" -> "p-<16 hex>" */
	n = snprintf(name, sizeof(name), "p-%s", loc->lock + 2);
	if (n < 0 || (size_t)n >= sizeof(name)) {
		(void)ms_err_set(err, MS_E_INTERNAL, "Internal error",
				 "poplock: bad lock name %s", loc->lock);
		return MS_POPLOCK_ERROR;
	}
	if (ms_plock_take(ms_acct_fs(a), name, MS_LOCK_EXCL, 0, lk_r,
			  &perr) < 0) {
		*lk_r = NULL;
		if (perr.st == MS_LOCKED)
			return MS_POPLOCK_INUSE;
		(void)ms_err_from_perr(err, &perr, "poplock");
		return MS_POPLOCK_ERROR;
	}
	if (min_gap == 0)
		return MS_POPLOCK_OK;
	last = last_login(a);
	if (last >= 0 && now >= last && now - last < (int64_t)min_gap) {
		ms_plock_release(*lk_r);
		*lk_r = NULL;
		return MS_POPLOCK_DELAY;
	}
	n = (int)ms_str_from_u64(line, (uint64_t)(now > 0 ? now : 0));
	line[n++] = '\n';
	if (ms_store_file_put(ms_acct_home(a), MS_POPLOCK_LEAF, line,
			      (size_t)n, 1, err) < 0) {
		ms_plock_release(*lk_r);
		*lk_r = NULL;
		return MS_POPLOCK_ERROR;
	}
	return MS_POPLOCK_OK;
}
