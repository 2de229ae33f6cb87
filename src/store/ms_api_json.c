/*
 * ms_api_json.c -- the JSON form of the public API's results
 * (ms_api_json.h).
 */
#include "ms_sys.h"
#include "ms_api_json.h"
#include "ms_json.h"

#include <string.h>

/* key: a JSON array of the words of a blank-separated string. */
static void
words(struct ms_json *j, const char *key, const char *s)
{
	const char *sp;

	ms_json_key(j, key);
	ms_json_arr_begin(j);
	while (*s != '\0') {
		sp = strchr(s, ' ');
		if (sp == NULL) {
			ms_json_str(j, s);
			break;
		}
		ms_json_strn(j, s, (size_t)(sp - s));
		s = sp + 1;
	}
	ms_json_arr_end(j);
}

void
ms_apij_acct(struct ms_json *j, const struct ms_api_acct_info *info)
{
	char w[64];

	ms_json_obj_begin(j);
	ms_json_kstr(j, "name", info->name);
	ms_json_kstr(j, "domain", info->domain);
	ms_json_kstr(j, "fullname", info->fullname);
	ms_json_kstr(j, "subdomain", info->subdomain);
	ms_json_kstr(j, "partition", info->partition);
	ms_json_kstr(j, "created", info->created);
	ms_json_kstr(j, "last_login", info->last_login[0] != '\0' ?
		     info->last_login : NULL);
	ms_api_flags_str(info->flags, w, sizeof(w));
	words(j, "flags", w);
	ms_api_services_str(info->services, w, sizeof(w));
	words(j, "services", w);
	ms_json_kbool(j, "has_password", info->has_password);
	ms_json_ku64(j, "quota_bytes", info->quota_bytes);
	ms_json_ku64(j, "quota_messages", info->quota_messages);
	ms_json_ku64(j, "used_bytes", info->used_bytes);
	ms_json_ku64(j, "used_messages", info->used_messages);
	ms_json_obj_end(j);
}

void
ms_apij_mboxes(struct ms_json *j, const struct ms_api_mbox *v, size_t n)
{
	size_t i;

	ms_json_arr_begin(j);
	for (i = 0; i < n; i++) {
		ms_json_obj_begin(j);
		ms_json_kstr(j, "name", v[i].name);
		ms_json_ku64(j, "messages", v[i].messages);
		ms_json_ku64(j, "unseen", v[i].unseen);
		ms_json_ku64(j, "size", v[i].size);
		ms_json_kstr(j, "special", v[i].special[0] != '\0' ?
			     v[i].special : NULL);
		ms_json_kbool(j, "subscribed", v[i].subscribed);
		ms_json_ku64(j, "uidvalidity", v[i].uidvalidity);
		ms_json_ku64(j, "uidnext", v[i].uidnext);
		ms_json_kbool(j, "damaged", v[i].damaged);
		ms_json_obj_end(j);
	}
	ms_json_arr_end(j);
}

/* key: v, or null when not known. */
static void
ku64_or_null(struct ms_json *j, const char *key, int known, uint64_t v)
{
	ms_json_key(j, key);
	if (known)
		ms_json_u64(j, v);
	else
		ms_json_null(j);
}

void
ms_apij_stats(struct ms_json *j, const struct ms_api_stats *s)
{
	size_t i;

	ms_json_obj_begin(j);
	ms_json_ku64(j, "accounts", s->accounts);
	ms_json_ku64(j, "imap", s->imap);
	ms_json_ku64(j, "pop", s->pop);
	ms_json_key(j, "partitions");
	ms_json_arr_begin(j);
	for (i = 0; i < s->nparts; i++) {
		const struct ms_api_part_stats *p = &s->part[i];

		ms_json_obj_begin(j);
		ms_json_kstr(j, "name", p->name);
		ms_json_kstr(j, "path", p->path);
		ms_json_ku64(j, "accounts", p->accounts);
		ms_json_ku64(j, "imap", p->imap);
		ms_json_ku64(j, "pop", p->pop);
		ku64_or_null(j, "total_bytes", p->space_known, p->total_bytes);
		ku64_or_null(j, "free_bytes", p->space_known, p->free_bytes);
		ms_json_obj_end(j);
	}
	ms_json_arr_end(j);
	ms_json_obj_end(j);
}

void
ms_apij_fwd(struct ms_json *j, const struct ms_api_fwd *f)
{
	size_t i;

	ms_json_obj_begin(j);
	ms_json_kstr(j, "address", f->address);
	ms_json_kbool(j, "keep", f->keep);
	ms_json_key(j, "targets");
	ms_json_arr_begin(j);
	for (i = 0; i < f->n; i++)
		ms_json_str(j, f->to[i]);
	ms_json_arr_end(j);
	ms_json_obj_end(j);
}

void
ms_apij_sieve(struct ms_json *j, const struct ms_api_sieve *s)
{
	ms_json_obj_begin(j);
	ms_json_kstr(j, "name", s->name);
	ms_json_ku64(j, "size", s->size);
	ms_json_kbool(j, "active", s->active);
	ms_json_obj_end(j);
}

void
ms_apij_repair(struct ms_json *j, const struct ms_api_repair *r)
{
	ms_json_obj_begin(j);
	ms_json_kbool(j, "ok", r->problems == 0 && r->errors == 0);
	ms_json_ku64(j, "accounts", r->accounts);
	ms_json_ku64(j, "mailboxes", r->mailboxes);
	ms_json_ku64(j, "messages", r->messages);
	ms_json_ku64(j, "fixed", r->fixed);
	ms_json_ku64(j, "problems", r->problems);
	ms_json_ku64(j, "errors", r->errors);
	ms_json_ku64(j, "notices", r->notices);
	ms_json_obj_end(j);
}
