/*
 * ms_sv_hdr.h -- the message header as Sieve sees it: header fields by
 * name (RFC 5228 5.7, RFC 5260 :index), addresses (RFC 5228 5.1/2.7.4,
 * RFC 5233 subaddress), editheader (RFC 5293), the vacation reply rules
 * (RFC 5230 4.5/4.6, tracking ids 4.2, default subject 4.3) and the
 * spamtest/virustest header values (RFC 5235).
 *
 * The header block is the one of struct ms_sieve_msg (or an edited one):
 * CRLF or LF line ends, up to and including the empty line; a line
 * starting with SP or HT continues the previous field; lines without a
 * colon are skipped.  Field names compare ASCII case-insensitively.
 *
 * Everything is pure: no I/O, no globals; results come from the pool the
 * caller gives and are NUL terminated (length-counted too).  Thread safe.
 */
#ifndef MS_SV_HDR_H
#define MS_SV_HDR_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;
struct ms_sieve_env;
struct ms_sieve_error;
struct ms_sv_matcher;

/* Most fields a lookup returns; more are ignored (hostile headers). */
#define MS_SV_HDR_MAX_FIELDS    1024
/* Longest field value decoded; longer values are cut to this (at a
   UTF-8 boundary) before decoding. */
#define MS_SV_HDR_MAX_VALUE     ((size_t)64 * 1024)

/* ms_sv_hdr_values() flags */
#define MS_SV_HDR_DECODE        0x01u   /* RFC 2047 encoded-words ->
					   UTF-8 (the header test); else the
					   raw unfolded value (address) */

/*
 * The values of the fields called name (NUL ended), in header order:
 * unfolded (CRLF/LF before a SP/HT removed, the SP/HT kept), leading and
 * trailing white space trimmed, and with MS_SV_HDR_DECODE decoded to
 * valid UTF-8 (NUL bytes become U+FFFD).  Raw values keep their bytes
 * (NUL included; len tells).
 *
 * index (RFC 5260): 0 = every field; N > 0 = only the Nth field of that
 * name, counted from the first, or from the last when last is 1.  An
 * index past the count gives no value.
 *
 * *vals_r gets a pool array of *n_r slices (NULL when 0).  Returns 0
 * (also when there is no such field).  Never fails on input.
 */
int ms_sv_hdr_values(struct ms_pool *pool, const char *head, size_t hlen,
		     const char *name, unsigned index, int last,
		     unsigned flags, struct ms_str **vals_r, size_t *n_r);

/* 1 if at least one field called name exists (the "exists" test). */
int ms_sv_hdr_exists(const char *head, size_t hlen, const char *name);

/* ---- addresses ------------------------------------------------------ */

/* The address-part of an address test (RFC 5228 2.7.4, RFC 5233). */
enum ms_sv_apart {
	MS_SV_AP_ALL,                   /* local@domain (the default) */
	MS_SV_AP_LOCALPART,
	MS_SV_AP_DOMAIN,
	MS_SV_AP_USER,                  /* RFC 5233: before the separator */
	MS_SV_AP_DETAIL                 /* RFC 5233: after the separator */
};

/*
 * One mailbox address.  local/domain are NUL ended pool strings;
 * domain.p is NULL when the address has none ("joe", or "<>" which
 * gives local "" too).  Group names are not addresses and are never
 * returned (RFC 5228 5.1: "undisclosed-recipients:;" yields nothing).
 */
struct ms_sv_addr {
	struct ms_str local;
	struct ms_str domain;
};

/*
 * Parse the raw (undecoded, MS_SV_HDR_DECODE not used) value of an
 * address field into at most max addresses (0 = MS_SV_HDR_MAX_FIELDS).
 * Quotes around a local part are removed ("a b"@x gives local "a b").
 * *addrs_r (pool array, NULL when none) and *n_r.  Never fails.
 */
int ms_sv_addr_parse(struct ms_pool *pool, const char *val, size_t len,
		     size_t max, struct ms_sv_addr **addrs_r, size_t *n_r);

/*
 * An envelope address (RFC 5228 5.4) as given in MAIL FROM / RCPT TO,
 * with or without "<>": "" (or "<>") gives local "" and no domain;
 * a source route "<@a,@b:u@d>" is dropped.  Never fails.
 */
void ms_sv_addr_env(struct ms_pool *pool, const char *addr,
		    struct ms_sv_addr *a_r);

/*
 * The address-part ap of a as a NUL ended string in *part_r (pointing
 * into a or into pool).  sep is the RFC 5233 separator (e.g. "+"; NULL
 * or "" = "+").  Returns 1 when the part exists, 0 when it does not
 * (then the test does not match this address):
 *   :all       local "@" domain, or local alone when there is no domain;
 *              "" for the null address;
 *   :domain    0 when there is no domain;
 *   :user      local up to the first separator (all of it without one);
 *   :detail    0 when local has no separator; else what follows the
 *              first separator ("" is a valid, empty detail).
 */
int ms_sv_addr_part(struct ms_pool *pool, const struct ms_sv_addr *a,
		    enum ms_sv_apart ap, const char *sep,
		    struct ms_str *part_r);

/* ---- editheader (RFC 5293) ---------------------------------------- */

/* 1 if name[0..len) is a valid field name (1..997 RFC 5322 ftext:
   printable ASCII 33..126 except ':'), else 0. */
int ms_sv_hdr_name_ok(const char *name, size_t len);
/* 1 if the field may never be added or deleted by a script
   ("Received" and "Auto-Submitted", any case), else 0. */
int ms_sv_hdr_protected(const char *name, size_t len);

/*
 * addheader: a new header block = head with "name: value" added first
 * (last 0) or just before the empty line (last 1).  The value: CR and
 * LF are removed (a line break followed by SP/HT is kept as folding,
 * others become a space), non-ASCII UTF-8 is RFC 2047 encoded
 * (ms_rfc2047_encode), and long lines are folded at blanks near 78
 * columns.  Line ends follow head's (CRLF when head has none).  A head
 * without its empty line gets one.  Returns 0 with *new_r / *nlen_r
 * (pool, NUL ended), or -1 with err->msg: bad name, protected name,
 * value not UTF-8, or the result over max_len (0 = no bound besides
 * MS_SIEVE_MAX_SCRIPT*4).
 */
int ms_sv_hdr_add(struct ms_pool *pool, const char *head, size_t hlen,
		  const char *name, const char *value, size_t vlen,
		  int last, size_t max_len, char **new_r, size_t *nlen_r,
		  struct ms_sieve_error *err);

/*
 * deleteheader: a new block without the fields called name, or only the
 * index-th (from the end with last; index 0 = all) of them, and when m
 * is not NULL only those whose value (unfolded, trimmed, decoded as for
 * the header test) matches one of m's keys (RFC 5293 section 5; m's
 * captures are not used).  *ndel_r (may be NULL) gets the number
 * deleted.  Returns 0 (*new_r == head's copy when nothing was deleted),
 * or -1 with err->msg for a bad or protected name, or an internal regex
 * error.
 */
int ms_sv_hdr_delete(struct ms_pool *pool, const char *head, size_t hlen,
		     const char *name, unsigned index, int last,
		     const struct ms_sv_matcher *m, char **new_r,
		     size_t *nlen_r, size_t *ndel_r,
		     struct ms_sieve_error *err);

/* ---- vacation (RFC 5230) ------------------------------------------ */

/*
 * May a vacation reply be sent for this message?  Checks, in order
 * (RFC 5230 4.5 and 4.6; the first that suppresses wins, *reason_r gets
 * a short static reason for the log):
 *   - the envelope sender is "" / "<>"                       "null sender"
 *   - its local part is MAILER-DAEMON, LISTSERV, majordomo, owner-*,
 *     *-request (case-insensitive)                            "list or
 *     daemon sender"
 *   - Auto-Submitted present with a value other than "no"     "auto-submitted"
 *   - Precedence bulk / list / junk                           "precedence"
 *   - List-Id, List-Help, List-Subscribe, List-Unsubscribe, List-Post,
 *     List-Owner, List-Archive present                        "mailing list"
 *   - X-Auto-Response-Suppress all/oof, or X-Loop present     "auto reply
 *     suppressed"
 *   - the sender is one of the user's own addresses (env->user,
 *     env->aliases, addresses[])                              "own address"
 *   - none of the own addresses (env->user, aliases, addresses[],
 *     and env->env_to) appears in To, Cc, Bcc, Resent-To, Resent-Cc,
 *     Resent-Bcc                                               "not addressed
 *     to user"
 * Addresses compare case-insensitively (local part too, as mail
 * systems do in practice).  Returns 1 allowed, 0 suppressed.
 */
int ms_sv_vacation_ok(struct ms_pool *pool, const char *head, size_t hlen,
		      const struct ms_sieve_env *env,
		      const char *const *addresses, size_t naddresses,
		      const char **reason_r);

/*
 * The default reply subject (RFC 5230 4.3): "Auto: " + the original
 * Subject decoded to UTF-8 (no Subject: "Auto: (no subject)"; an
 * original already starting "Auto: " is not prefixed twice).  Pool.
 */
const char *ms_sv_vacation_subject(struct ms_pool *pool, const char *head,
				   size_t hlen);

/* Length of a tracking id: 32 lower-case hex digits and a NUL. */
#define MS_SV_VACID_LEN         32

/*
 * The RFC 5230 4.2 tracking id into out (MS_SV_VACID_LEN + 1 bytes):
 * a hash of handle when handle is not NULL, else of (reason, subject,
 * from, is_mime) -- NULL strings count as "".  Stable across runs,
 * hosts and versions (a fixed SipHash key): callers persist it.
 */
void ms_sv_vacation_id(const char *handle, const char *reason,
		       const char *subject, const char *from, int is_mime,
		       char *out);

/* ---- spamtest / virustest (RFC 5235) ------------------------------ */

/*
 * Read a spam header value (the field named by the configuration) into
 * the spamtest result.  Accepted formats, first number found counts:
 *   "7"                     a bare level 0..10 (0 = not tested);
 *   "5.2/10", "5.2 / 5.0"   score/threshold;
 *   "YES score=5.2 required=5.0 ..." / "No, score=1.1 required=5.0"
 *                           SpamAssassin's X-Spam-Status;
 *   "*****"                 X-Spam-Level stars (count, capped at 10).
 * score/threshold gives percent = 100 * score / (2 * threshold) clamped
 * to 0..100 (so the threshold itself is 50 %); a negative score is 0.
 * level = 1 + percent * 9 / 100 (1 = surely not spam, 10 = surely spam);
 * a bare level L gives percent = (L - 1) * 100 / 9.
 * Returns 1 (tested) with *level_r 1..10 and *percent_r 0..100, or 0 when
 * val is NULL or unreadable (not tested: level 0).
 */
int ms_sv_spamtest_parse(const char *val, size_t len, unsigned *level_r,
			 unsigned *percent_r);

/*
 * Read a virus header value: a bare digit 1..5 (RFC 5235 3.3: 1 clean
 * .. 5 infected, not cleaned), or the words "clean"/"no" (1) and
 * "infected"/"yes"/"virus" (5) at its start.  Returns 1 with *level_r,
 * or 0 (not tested: level 0).
 */
int ms_sv_virustest_parse(const char *val, size_t len, unsigned *level_r);

#endif /* MS_SV_HDR_H */
