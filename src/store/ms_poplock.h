/*
 * ms_poplock.h -- the POP3 maildrop lock (RFC 1939 section 8: one POP3
 * session per maildrop at a time) and the optional minimum time between
 * POP3 logins (RFC 2449 LOGIN-DELAY).
 *
 * The lock is the named lock `p-<16 hex>` of the account (the same hash
 * as its account lock `a-<16 hex>`), on the account's partition, taken
 * without waiting and held for the whole POP3 session.  Named locks
 * exclude between threads, processes and hosts (ms_plat.h), so a second
 * POP3 session is refused wherever it runs; the lock dies with its
 * holder.  IMAP sessions and delivery never take it.  Being held for a
 * session, it sits outside the store's lock order: nothing waits for
 * it, so it cannot take part in a deadlock.
 */
#ifndef MS_POPLOCK_H
#define MS_POPLOCK_H

#include "ms_sys.h"

struct ms_acct;
struct ms_plock;
struct ms_err;

enum ms_poplock_res {
	MS_POPLOCK_OK = 0,      /* *lk_r holds the lock */
	MS_POPLOCK_INUSE,       /* another POP3 session has it */
	MS_POPLOCK_DELAY,       /* the last POP3 login was too recent */
	MS_POPLOCK_ERROR        /* err says why (MS_E_TEMP: I/O) */
};

/* Leaf in the account's home holding the time of the last POP3 login
   (only with a login delay). */
#define MS_POPLOCK_LEAF         "poplogin"

/*
 * Take the maildrop lock of a.  With min_gap > 0 (seconds), also enforce
 * the login delay: under the lock, the home's `poplogin` file gives the
 * time of the last POP3 login; one less than min_gap seconds before now
 * gives MS_POPLOCK_DELAY (lock released), else now is written there
 * (synced) and the lock kept.  A missing or damaged file counts as no
 * earlier login.  Release the lock with ms_plock_release().
 */
enum ms_poplock_res ms_poplock_take(struct ms_acct *a, unsigned min_gap,
				    int64_t now, struct ms_plock **lk_r,
				    struct ms_err *err);

#endif /* MS_POPLOCK_H */
