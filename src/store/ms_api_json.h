/*
 * ms_api_json.h -- the JSON form of the public API's results: one
 * spelling of an account, a mailbox list, the store's statistics, a
 * forwarding entry, a Sieve script listing and a repair summary, shared
 * by the CLI's `--json` output and the HTTP service's responses, so a
 * script sees the same fields from either.
 *
 * Each call writes one value (an object or an array) at the writer's
 * position, following ms_json.h's rules.  Pure.
 */
#ifndef MS_API_JSON_H
#define MS_API_JSON_H

#include "ms_sys.h"
#include "msgstore.h"

struct ms_json;

/* {"name", "domain", "fullname", "subdomain", "partition", "created",
   "last_login" (null: never), "flags": [...], "services": [...],
   "has_password", "quota_bytes", "quota_messages", "used_bytes",
   "used_messages"} */
void ms_apij_acct(struct ms_json *j, const struct ms_api_acct_info *info);

/* [{"name", "messages", "unseen", "size", "special" (null: none),
   "subscribed", "uidvalidity", "uidnext", "damaged"}, ...] */
void ms_apij_mboxes(struct ms_json *j, const struct ms_api_mbox *v,
		    size_t n);

/* {"accounts", "imap", "pop", "partitions": [{"name", "path",
   "accounts", "imap", "pop", "total_bytes", "free_bytes" (null:
   unknown)}, ...]} */
void ms_apij_stats(struct ms_json *j, const struct ms_api_stats *s);

/* {"address", "keep", "targets": [...]} */
void ms_apij_fwd(struct ms_json *j, const struct ms_api_fwd *f);

/* {"name", "size", "active"} */
void ms_apij_sieve(struct ms_json *j, const struct ms_api_sieve *s);

/* {"ok", "accounts", "mailboxes", "messages", "fixed", "problems",
   "errors", "notices"}; ok: no problems and no errors. */
void ms_apij_repair(struct ms_json *j, const struct ms_api_repair *r);

#endif /* MS_API_JSON_H */
