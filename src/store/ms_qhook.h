/*
 * ms_qhook.h -- the quota hook a mailbox write calls (account layer
 * supplies it).
 *
 * The mailbox layer knows nothing about accounts: an append or copy
 * reserves its bytes and message count through this hook while it holds
 * the mailbox lock (docs/store-format.md section 4, step 2), and gives
 * them back if the write fails afterwards; an expunge releases what it
 * removed.  reserve() returns 0, or -1 with err filled in (class
 * MS_E_OVERQUOTA when the limit would be passed, anything else for a
 * failure to read or write the counters).  Both are called with the
 * mailbox lock held and may take the account's lock themselves.
 */
#ifndef MS_QHOOK_H
#define MS_QHOOK_H

#include "ms_sys.h"

struct ms_err;

struct ms_quota_hook {
	int (*reserve)(void *ctx, uint64_t bytes, uint64_t msgs,
		       struct ms_err *err);
	void (*release)(void *ctx, uint64_t bytes, uint64_t msgs);
	void *ctx;
};

#endif /* MS_QHOOK_H */
