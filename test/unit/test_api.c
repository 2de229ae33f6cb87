/*
 * test_api.c -- the public C API (include/msgstore.h, src/store/ms_api.c):
 * opening (configuration errors, missing roots), error classes and their
 * sysexits, accounts (create, show, list by callback and array with
 * paging, changes, subdomain and domain, last login, move, limits),
 * mailboxes (list counts, create with
 * special-use, rename, delete, subscribe, hostile names), delivery (from
 * memory and from a read function a byte at a time, folder fallback,
 * unknown user, empty and too-large messages, quota temporary or
 * permanent) and stats.
 */
#include "ms_sys.h"
#include "msgstore.h"
#include "ms_acct.h"
#include "ms_conf.h"
#include "ms_opts.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_api", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static const char *
fresh(const char *tag)
{
	return ms_psprintf(pool, "%s/api%u-%s", ms_cu_tmpdir, ++seq, tag);
}

/* A new store with the test settings plus up to two more --set values. */
static struct ms_api *
api_new(const char *extra1, const char *extra2)
{
	const char *sets[8];
	struct ms_api_err err;
	struct ms_api *api = NULL;
	size_t n = 0;

	sets[n++] = ms_psprintf(pool, "store.root=%s", fresh("root"));
	sets[n++] = "auth.pbkdf2_iterations=1000";
	sets[n++] = "store.default_domain=example.com";
	sets[n++] = "store.lock_timeout=2s";
	/* sizes below are of the messages as given */
	sets[n++] = "deliver.return_path=no";
	sets[n++] = "deliver.delivered_to=no";
	if (extra1 != NULL)
		sets[n++] = extra1;
	if (extra2 != NULL)
		sets[n++] = extra2;
	CU_ASSERT_FATAL(ms_api_open(NULL, sets, n, MS_API_CREATE, &api,
				    &err) == 0);
	MS_CU_EQ_INT(err.cls, MS_API_OK);
	return api;
}

static void
mk(struct ms_api *api, const char *name)
{
	struct ms_api_acct_new o;
	struct ms_api_err err;

	ms_api_acct_new_init(&o);
	o.password = "pw";
	MS_CU_OK(ms_api_acct_create(api, name, &o, &err));
}

static void
test_api_open_errors(void)
{
	const char *bad_key[] = { "store.rot=/x" };
	const char *bad_val[] = { "store.fanout_width=17" };
	const char *bad_parts[2];
	const char *missing[1];
	struct ms_api_err err;
	struct ms_api *api = (struct ms_api *)&err;

	MS_CU_EQ_INT(ms_api_open(NULL, bad_key, 1, 0, &api, &err), -1);
	CU_ASSERT(api == NULL);
	MS_CU_EQ_INT(err.cls, MS_API_E_CONFIG);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_CONFIG);
	CU_ASSERT(strstr(err.msg, "store.rot") != NULL);
	MS_CU_EQ_INT(ms_api_open(NULL, bad_val, 1, 0, &api, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_CONFIG);
	bad_parts[0] = ms_psprintf(pool, "store.root=%s", ms_cu_tmpdir);
	bad_parts[1] = "store.partitions=Bad Name=/x";
	MS_CU_EQ_INT(ms_api_open(NULL, bad_parts, 2, 0, &api, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_CONFIG);
	/* a configuration file that does not exist */
	MS_CU_EQ_INT(ms_api_open(fresh("none.conf"), NULL, 0, 0, &api, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_CONFIG);
	/* a root that does not exist, without MS_API_CREATE */
	missing[0] = ms_psprintf(pool, "store.root=%s", fresh("missing"));
	MS_CU_EQ_INT(ms_api_open(NULL, missing, 1, 0, &api, &err), -1);
	CU_ASSERT(err.cls == MS_API_E_NOTFOUND || err.cls == MS_API_E_TEMP);
	/* NULL err is fine */
	MS_CU_EQ_INT(ms_api_open(NULL, bad_key, 1, 0, &api, NULL), -1);
	ms_api_close(NULL);
}

static void
test_api_sysexit(void)
{
	static const struct { enum ms_api_ecls cls; int temp, ex; } t[] = {
		{ MS_API_OK, 0, 0 },
		{ MS_API_E_NOUSER, 0, 67 },
		{ MS_API_E_NOUSER, 1, 67 },
		{ MS_API_E_TEMP, 1, 75 },
		{ MS_API_E_TEMP, 0, 75 },
		{ MS_API_E_OVERQUOTA, 1, 75 },
		{ MS_API_E_OVERQUOTA, 0, 73 },
		{ MS_API_E_DATA, 0, 65 },
		{ MS_API_E_PARAMS, 0, 65 },
		{ MS_API_E_NOTFOUND, 0, 66 },
		{ MS_API_E_EXISTS, 0, 73 },
		{ MS_API_E_LIMIT, 0, 73 },
		{ MS_API_E_PERM, 0, 77 },
		{ MS_API_E_CORRUPT, 1, 75 },
		{ MS_API_E_CONFIG, 0, 78 },
		{ MS_API_E_INTERNAL, 0, 70 },
		{ (enum ms_api_ecls)99, 0, 70 }
	};
	struct ms_api_err err;
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		memset(&err, 0, sizeof(err));
		err.cls = t[i].cls;
		err.temporary = t[i].temp;
		MS_CU_EQ_INT(ms_api_sysexit(&err), t[i].ex);
	}
	MS_CU_EQ_STR(ms_api_ecls_name(MS_API_E_NOUSER), "nouser");
	MS_CU_EQ_STR(ms_api_ecls_name(MS_API_E_OVERQUOTA), "overquota");
	MS_CU_EQ_STR(ms_api_ecls_name((enum ms_api_ecls)99), "internal");
}

static void
test_api_acct_create_show(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	struct ms_api_acct_info info;
	struct ms_api_acct_new o;
	struct ms_api_err err;

	ms_api_acct_new_init(&o);
	MS_CU_EQ_INT(o.services, MS_API_SVC_IMAP | MS_API_SVC_POP);
	MS_CU_EQ_INT(o.flags, 0);
	o.password = "secret";
	o.fullname = "Alice \xc3\x84";
	o.flags = MS_API_AF_MANAGE;
	o.services = MS_API_SVC_IMAP;
	o.quota_bytes = 1000;
	o.quota_messages = 10;
	MS_CU_OK(ms_api_acct_create(api, "Alice@Example.com", &o, &err));
	MS_CU_OK(ms_api_acct_show(api, "ALICE", &info, &err));
	MS_CU_EQ_STR(info.name, "alice@example.com");
	MS_CU_EQ_STR(info.fullname, "Alice \xc3\x84");
	MS_CU_EQ_STR(info.partition, "default");
	MS_CU_EQ_INT(strlen(info.created), 20);
	MS_CU_EQ_INT(info.flags, MS_API_AF_MANAGE);
	MS_CU_EQ_INT(info.services, MS_API_SVC_IMAP);
	MS_CU_EQ_INT(info.has_password, 1);
	MS_CU_EQ_UINT(info.quota_bytes, 1000);
	MS_CU_EQ_UINT(info.quota_messages, 10);
	MS_CU_EQ_UINT(info.used_bytes, 0);

	/* exists, bad names, bad password, unknown partition */
	MS_CU_EQ_INT(ms_api_acct_create(api, "alice@example.com", &o, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_EXISTS);
	MS_CU_EQ_INT(ms_api_acct_create(api, "a/b@example.com", &o, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_create(api, "..@example.com/x", &o, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	o.password = "a\nb";
	MS_CU_EQ_INT(ms_api_acct_create(api, "carl", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	CU_ASSERT(strstr(err.msg, "a\nb") == NULL);
	o.password = "ok";
	o.partition = "nowhere";
	MS_CU_EQ_INT(ms_api_acct_create(api, "carl", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	/* o NULL: defaults (no password) */
	MS_CU_OK(ms_api_acct_create(api, "nopw", NULL, &err));
	MS_CU_OK(ms_api_acct_show(api, "nopw", &info, &err));
	MS_CU_EQ_INT(info.has_password, 0);

	MS_CU_EQ_INT(ms_api_acct_show(api, "nobody", &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_NOUSER);

	MS_CU_OK(ms_api_acct_delete(api, "alice", &err));
	MS_CU_EQ_INT(ms_api_acct_show(api, "alice", &info, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	MS_CU_EQ_INT(ms_api_acct_delete(api, "alice", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	ms_api_close(api);
}

/* Domain, subdomain (create, set, clear, refuse) and the last login as
   show reports them; the login is recorded the way the servers will,
   through the store on the same root. */
static void
test_api_acct_domain_login(void)
{
	const char *root = fresh("root");
	const char *sets[3];
	struct ms_api_acct_info info;
	struct ms_api_acct_new o;
	struct ms_api_err aerr;
	struct ms_api *api = NULL;
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_acct *a;
	struct ms_err err;

	sets[0] = ms_psprintf(pool, "store.root=%s", root);
	sets[1] = "auth.pbkdf2_iterations=1000";
	sets[2] = "store.default_domain=example.com";
	CU_ASSERT_FATAL(ms_api_open(NULL, sets, 3, MS_API_CREATE, &api,
				    &aerr) == 0);
	ms_api_acct_new_init(&o);
	CU_ASSERT_PTR_NULL(o.subdomain);
	o.subdomain = "sales";
	MS_CU_OK(ms_api_acct_create(api, "Gus@Shop.Example.NET", &o, &aerr));
	MS_CU_OK(ms_api_acct_show(api, "gus@shop.example.net", &info, &aerr));
	MS_CU_EQ_STR(info.domain, "shop.example.net");
	MS_CU_EQ_STR(info.subdomain, "sales");
	MS_CU_EQ_STR(info.last_login, "");
	MS_CU_OK(ms_api_acct_subdomain(api, "gus@shop.example.net",
				       "marketing \xc3\xa9t\xc3\xa9", &aerr));
	MS_CU_OK(ms_api_acct_show(api, "gus@shop.example.net", &info, &aerr));
	MS_CU_EQ_STR(info.subdomain, "marketing \xc3\xa9t\xc3\xa9");
	MS_CU_EQ_INT(ms_api_acct_subdomain(api, "gus@shop.example.net",
					   "a\x01" "b", &aerr), -1);
	MS_CU_EQ_INT(aerr.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_subdomain(api, "nobody", "x", &aerr), -1);
	MS_CU_EQ_INT(aerr.cls, MS_API_E_NOUSER);
	o.subdomain = "\xc3";
	MS_CU_EQ_INT(ms_api_acct_create(api, "hal", &o, &aerr), -1);
	MS_CU_EQ_INT(aerr.cls, MS_API_E_PARAMS);
	MS_CU_OK(ms_api_acct_subdomain(api, "gus@shop.example.net", "",
				       &aerr));
	MS_CU_OK(ms_api_acct_show(api, "gus@shop.example.net", &info, &aerr));
	MS_CU_EQ_STR(info.subdomain, "");
	MS_CU_OK(ms_api_acct_subdomain(api, "gus@shop.example.net", NULL,
				       &aerr));

	/* a login recorded through the store shows up here */
	CU_ASSERT_FATAL(ms_conf_set(conf, sets[0], "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, sets[2], "t", &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, 0, &st, &err) == 0);
	MS_CU_OK(ms_acct_open(st, "gus@shop.example.net", &a, &err));
	MS_CU_OK(ms_acct_touch_login(a, 1700000000, &err));
	ms_acct_close(a);
	ms_store_close(st);
	MS_CU_OK(ms_api_acct_show(api, "gus@shop.example.net", &info, &aerr));
	MS_CU_EQ_STR(info.last_login, "2023-11-14T22:13:20Z");
	ms_api_close(api);
}

struct collect {
	char names[16][64];
	size_t n, stop_after;
};

static int
collect_cb(void *ctx, const char *name)
{
	struct collect *c = ctx;

	if (c->n < 16)
		(void)snprintf(c->names[c->n], sizeof(c->names[0]), "%s",
			       name);
	c->n++;
	return c->stop_after != 0 && c->n >= c->stop_after;
}

static void
test_api_acct_list(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	static const char *const users[] = {
		"erin", "bob", "dave", "alice", "carol", "zed@other.org"
	};
	struct ms_api_list_opts lo;
	struct ms_api_err err;
	struct collect c;
	char **names;
	size_t i, n;
	int more = -1;

	for (i = 0; i < sizeof(users) / sizeof(users[0]); i++)
		mk(api, users[i]);
	memset(&c, 0, sizeof(c));
	MS_CU_OK(ms_api_acct_list(api, NULL, collect_cb, &c, &more, &err));
	MS_CU_EQ_UINT(c.n, 6);
	MS_CU_EQ_INT(more, 0);
	MS_CU_EQ_STR(c.names[0], "alice@example.com");
	MS_CU_EQ_STR(c.names[5], "zed@other.org");

	/* the callback stops the listing */
	memset(&c, 0, sizeof(c));
	c.stop_after = 2;
	MS_CU_OK(ms_api_acct_list(api, NULL, collect_cb, &c, NULL, &err));
	MS_CU_EQ_UINT(c.n, 2);

	/* paging through the array form */
	memset(&lo, 0, sizeof(lo));
	lo.limit = 2;
	MS_CU_OK(ms_api_acct_list_array(api, &lo, &names, &n, &more, &err));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_INT(more, 1);
	MS_CU_EQ_STR(names[0], "alice@example.com");
	MS_CU_EQ_STR(names[1], "bob@example.com");
	CU_ASSERT(names[2] == NULL);
	lo.after = "bob@example.com";
	ms_api_free(names);
	lo.limit = 10;
	MS_CU_OK(ms_api_acct_list_array(api, &lo, &names, &n, &more, &err));
	MS_CU_EQ_UINT(n, 4);
	MS_CU_EQ_INT(more, 0);
	MS_CU_EQ_STR(names[0], "carol@example.com");
	ms_api_free(names);

	/* domain filter, any case; a domain nobody has */
	memset(&lo, 0, sizeof(lo));
	lo.domain = "OTHER.ORG";
	MS_CU_OK(ms_api_acct_list_array(api, &lo, &names, &n, NULL, &err));
	MS_CU_EQ_UINT(n, 1);
	MS_CU_EQ_STR(names[0], "zed@other.org");
	ms_api_free(names);
	lo.domain = "none.example";
	MS_CU_OK(ms_api_acct_list_array(api, &lo, &names, &n, NULL, &err));
	MS_CU_EQ_UINT(n, 0);
	CU_ASSERT(names != NULL && names[0] == NULL);
	ms_api_free(names);
	ms_api_close(api);
}

static void
test_api_acct_changes(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	struct ms_api_acct_info info;
	struct ms_api_err err;
	unsigned bits;
	char s[64];

	mk(api, "bob");
	MS_CU_OK(ms_api_acct_passwd(api, "bob", "new password", &err));
	MS_CU_EQ_INT(ms_api_acct_passwd(api, "bob", "", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_passwd(api, "bob", NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_passwd(api, "nobody", "x", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);

	MS_CU_OK(ms_api_acct_quota(api, "bob", 5000, 7, &err));
	MS_CU_OK(ms_api_acct_flags(api, "bob", MS_API_AF_DISABLED |
				   MS_API_AF_LOCKPWD, 0, &err));
	MS_CU_OK(ms_api_acct_flags(api, "bob", 0, MS_API_AF_LOCKPWD, &err));
	MS_CU_EQ_INT(ms_api_acct_flags(api, "bob", 0x100, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_OK(ms_api_acct_services(api, "bob", MS_API_SVC_POP, &err));
	MS_CU_EQ_INT(ms_api_acct_services(api, "bob", 4, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_OK(ms_api_acct_fullname(api, "bob", "Bob", &err));
	MS_CU_OK(ms_api_acct_show(api, "bob", &info, &err));
	MS_CU_EQ_UINT(info.quota_bytes, 5000);
	MS_CU_EQ_UINT(info.quota_messages, 7);
	MS_CU_EQ_INT(info.flags, MS_API_AF_DISABLED);
	MS_CU_EQ_INT(info.services, MS_API_SVC_POP);
	MS_CU_EQ_STR(info.fullname, "Bob");
	MS_CU_OK(ms_api_acct_fullname(api, "bob", NULL, &err));
	MS_CU_OK(ms_api_acct_services(api, "bob", 0, &err));
	MS_CU_OK(ms_api_acct_show(api, "bob", &info, &err));
	MS_CU_EQ_STR(info.fullname, "");
	MS_CU_EQ_INT(info.services, 0);

	/* words <-> bits */
	MS_CU_OK(ms_api_flags_parse("manage,LOCKPWD", &bits));
	MS_CU_EQ_INT(bits, MS_API_AF_MANAGE | MS_API_AF_LOCKPWD);
	MS_CU_EQ_INT(ms_api_flags_parse("manage,root", &bits), -1);
	MS_CU_OK(ms_api_services_parse("pop imap", &bits));
	MS_CU_EQ_INT(bits, MS_API_SVC_IMAP | MS_API_SVC_POP);
	MS_CU_EQ_INT(ms_api_services_parse("smtp", &bits), -1);
	ms_api_flags_str(MS_API_AF_MANAGE | MS_API_AF_DISABLED, s, sizeof(s));
	MS_CU_EQ_STR(s, "manage disabled");
	ms_api_services_str(MS_API_SVC_IMAP | MS_API_SVC_POP, s, sizeof(s));
	MS_CU_EQ_STR(s, "imap pop");
	ms_api_close(api);
}

static void
test_api_limits(void)
{
	struct ms_api *api = api_new("limits.max_accounts=2",
				     "limits.max_pop_accounts=1");
	struct ms_api_acct_new o;
	struct ms_api_stats st;
	struct ms_api_err err;

	ms_api_acct_new_init(&o);
	o.services = MS_API_SVC_IMAP;
	MS_CU_OK(ms_api_acct_create(api, "a", &o, &err));
	o.services = MS_API_SVC_POP;
	MS_CU_OK(ms_api_acct_create(api, "b", &o, &err));
	MS_CU_EQ_INT(ms_api_acct_create(api, "c", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_LIMIT);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_CANTCREAT);
	MS_CU_EQ_INT(ms_api_acct_services(api, "a", MS_API_SVC_POP, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_LIMIT);
	MS_CU_OK(ms_api_stats(api, &st, &err));
	MS_CU_EQ_UINT(st.accounts, 2);
	MS_CU_EQ_UINT(st.imap, 1);
	MS_CU_EQ_UINT(st.pop, 1);
	MS_CU_EQ_UINT(st.nparts, 1);
	MS_CU_EQ_STR(st.part[0].name, "default");
	CU_ASSERT(st.part[0].path != NULL);
	MS_CU_EQ_INT(st.part[0].space_known, 1);
	CU_ASSERT(st.part[0].total_bytes >= st.part[0].free_bytes);
	/* deleting one makes room again (for an imap-only account) */
	MS_CU_OK(ms_api_acct_delete(api, "a", &err));
	o.services = MS_API_SVC_IMAP | MS_API_SVC_POP;
	MS_CU_EQ_INT(ms_api_acct_create(api, "c", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_LIMIT);
	o.services = MS_API_SVC_IMAP;
	MS_CU_OK(ms_api_acct_create(api, "c", &o, &err));
	ms_api_close(api);
}

static void
test_api_move(void)
{
	struct ms_api *api = api_new(ms_psprintf(pool, "store.partitions="
				     "p2=%s", fresh("p2")), NULL);
	struct ms_api_acct_info info;
	struct ms_api_delivered d;
	struct ms_api_stats st;
	struct ms_api_mbox *v;
	struct ms_api_msg m;
	struct ms_api_acct_new o;
	struct ms_api_err err;
	size_t n;

	ms_api_acct_new_init(&o);
	o.partition = "default";
	MS_CU_OK(ms_api_acct_create(api, "mover", &o, &err));
	memset(&m, 0, sizeof(m));
	m.data = "Subject: x\n\nhello\n";
	m.len = strlen(m.data);
	MS_CU_OK(ms_api_deliver(api, "mover", &m, &d, &err));
	MS_CU_OK(ms_api_acct_move(api, "mover", "p2", &err));
	MS_CU_OK(ms_api_acct_show(api, "mover", &info, &err));
	MS_CU_EQ_STR(info.partition, "p2");
	MS_CU_OK(ms_api_mbox_list(api, "mover", &v, &n, &err));
	MS_CU_EQ_UINT(n, 1);
	MS_CU_EQ_UINT(v[0].messages, 1);
	ms_api_free(v);
	MS_CU_OK(ms_api_stats(api, &st, &err));
	MS_CU_EQ_UINT(st.nparts, 2);
	MS_CU_EQ_UINT(st.part[0].accounts, 0);
	MS_CU_EQ_UINT(st.part[1].accounts, 1);
	MS_CU_EQ_STR(st.part[1].name, "p2");
	MS_CU_EQ_INT(ms_api_acct_move(api, "mover", "p2", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_move(api, "mover", "nowhere", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_acct_move(api, "mover", NULL, &err), -1);
	MS_CU_EQ_INT(ms_api_acct_move(api, "nobody", "p2", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	ms_api_close(api);
}

/* Index of mailbox name in v, or -1. */
static long
mb_find(const struct ms_api_mbox *v, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(v[i].name, name) == 0)
			return (long)i;
	return -1;
}

static void
test_api_mailboxes(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	static const char *const hostile[] = {
		"", "../x", "a//b", "/lead", "trail/", "a/./b", "a/../b", "*",
		"a%b", "tab\there", "nl\nx", "del\x7f", "\xff\xfe", "c1\xc2\x85"
	};
	struct ms_api_mbox *v;
	struct ms_api_err err;
	size_t n, i;
	long k;

	mk(api, "alice");
	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	MS_CU_EQ_UINT(n, 1);
	MS_CU_EQ_STR(v[0].name, "INBOX");
	MS_CU_EQ_STR(v[0].special, "");
	MS_CU_EQ_INT(v[0].subscribed, 1);
	MS_CU_EQ_INT(v[0].damaged, 0);
	CU_ASSERT(v[0].uidvalidity != 0);
	MS_CU_EQ_UINT(v[0].uidnext, 1);
	ms_api_free(v);

	MS_CU_OK(ms_api_mbox_create(api, "alice", "Sent", "\\sent", &err));
	MS_CU_OK(ms_api_mbox_create(api, "alice", "Work", NULL, &err));
	MS_CU_OK(ms_api_mbox_create(api, "alice", "Work/\xc3\x89t\xc3\xa9",
				    "", &err));
	MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", "X", "\\Bogus", &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", "X", "-", &err), -1);
	MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", "Sent", NULL, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_EXISTS);
	MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", "inbox", NULL, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_EXISTS);
	for (i = 0; i < sizeof(hostile) / sizeof(hostile[0]); i++) {
		MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", hostile[i], NULL,
						&err), -1);
		MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
		MS_CU_EQ_INT(ms_api_mbox_subscribe(api, "alice", hostile[i],
						   1, &err), -1);
		MS_CU_EQ_INT(ms_api_mbox_rename(api, "alice", "Work",
						hostile[i], &err), -1);
	}
	MS_CU_EQ_INT(ms_api_mbox_create(api, "alice", NULL, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);
	MS_CU_EQ_INT(ms_api_mbox_create(api, "nobody", "X", NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);

	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	MS_CU_EQ_UINT(n, 4);
	MS_CU_EQ_STR(v[0].name, "INBOX");
	MS_CU_EQ_STR(v[1].name, "Sent");
	MS_CU_EQ_STR(v[1].special, "\\Sent");
	MS_CU_EQ_INT(v[1].subscribed, 0);
	MS_CU_EQ_STR(v[3].name, "Work/\xc3\x89t\xc3\xa9");
	ms_api_free(v);

	/* rename takes the children along */
	MS_CU_OK(ms_api_mbox_rename(api, "alice", "Work", "Job", &err));
	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	CU_ASSERT(mb_find(v, n, "Job/\xc3\x89t\xc3\xa9") >= 0);
	CU_ASSERT(mb_find(v, n, "Work") < 0);
	ms_api_free(v);
	MS_CU_EQ_INT(ms_api_mbox_rename(api, "alice", "Nope", "X", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOTFOUND);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_NOINPUT);
	MS_CU_EQ_INT(ms_api_mbox_rename(api, "alice", "Sent", "Job", &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_EXISTS);
	MS_CU_EQ_INT(ms_api_mbox_rename(api, "alice", "Sent", NULL, &err),
		     -1);

	/* subscribe, unsubscribe, idempotent; a name that does not exist */
	MS_CU_OK(ms_api_mbox_subscribe(api, "alice", "Sent", 1, &err));
	MS_CU_OK(ms_api_mbox_subscribe(api, "alice", "Sent", 1, &err));
	MS_CU_OK(ms_api_mbox_subscribe(api, "alice", "Ghost", 1, &err));
	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	k = mb_find(v, n, "Sent");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_INT(v[k].subscribed, 1);
	CU_ASSERT(mb_find(v, n, "Ghost") < 0);
	ms_api_free(v);
	MS_CU_OK(ms_api_mbox_subscribe(api, "alice", "Sent", 0, &err));
	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	k = mb_find(v, n, "Sent");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_INT(v[k].subscribed, 0);
	ms_api_free(v);

	/* delete */
	MS_CU_EQ_INT(ms_api_mbox_delete(api, "alice", "INBOX", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PERM);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_NOPERM);
	MS_CU_OK(ms_api_mbox_delete(api, "alice", "Sent", &err));
	MS_CU_EQ_INT(ms_api_mbox_delete(api, "alice", "Sent", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOTFOUND);
	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	MS_CU_EQ_UINT(n, 3);
	ms_api_free(v);
	MS_CU_EQ_INT(ms_api_mbox_list(api, "nobody", &v, &n, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	CU_ASSERT(v == NULL);
	ms_api_close(api);
}

/* A read function handing out a string a byte at a time. */
struct reader {
	const char *s;
	size_t pos, len;
	int fail_at;            /* 1-based call that fails; 0 = never */
	int calls;
};

static int
read_bytewise(void *ctx, void *buf, size_t size, size_t *n_r)
{
	struct reader *r = ctx;

	if (++r->calls == r->fail_at)
		return -1;
	*n_r = 0;
	if (r->pos < r->len && size > 0) {
		*(char *)buf = r->s[r->pos++];
		*n_r = 1;
	}
	return 0;
}

static void
test_api_deliver(void)
{
	struct ms_api *api = api_new("deliver.max_size=100", NULL);
	static const char msg1[] = "From: a@b\nSubject: hi\n\nbody\n";
	struct ms_api_delivered d;
	struct ms_api_mbox *v;
	struct ms_api_acct_info info;
	struct ms_api_err err;
	struct ms_api_msg m;
	struct reader r;
	char big[101];
	size_t n;
	long k;

	mk(api, "alice");
	MS_CU_OK(ms_api_mbox_create(api, "alice", "Lists", NULL, &err));
	MS_CU_EQ_UINT(ms_api_deliver_max(api), 100);

	memset(&m, 0, sizeof(m));
	m.data = msg1;
	m.len = strlen(msg1);
	MS_CU_OK(ms_api_deliver(api, "Alice@example.com", &m, &d, &err));
	MS_CU_EQ_UINT(d.uid, 1);
	MS_CU_EQ_STR(d.mailbox, "INBOX");
	CU_ASSERT(d.uidvalidity != 0);

	/* into a folder; an unknown or hostile folder means INBOX */
	m.folder = "nosuch";
	MS_CU_OK(ms_api_deliver(api, "alice", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "INBOX");
	MS_CU_EQ_UINT(d.uid, 2);
	m.folder = "lists";     /* an exact match first, then any case */
	m.sender = "someone@example.org";
	MS_CU_OK(ms_api_deliver(api, "alice", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "Lists");
	MS_CU_EQ_UINT(d.uid, 1);
	m.folder = "../../etc";
	MS_CU_OK(ms_api_deliver(api, "alice", &m, NULL, &err));

	/* from a read function, one byte per call */
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	r.s = msg1;
	r.len = strlen(msg1);
	m.read = read_bytewise;
	m.ctx = &r;
	MS_CU_OK(ms_api_deliver(api, "alice", &m, &d, &err));
	MS_CU_EQ_UINT(d.uid, 4);

	MS_CU_OK(ms_api_mbox_list(api, "alice", &v, &n, &err));
	k = mb_find(v, n, "INBOX");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(v[k].messages, 4);
	MS_CU_EQ_UINT(v[k].unseen, 4);
	/* 28 bytes with LF, 32 with CRLF */
	MS_CU_EQ_UINT(v[k].size, 4 * 32);
	MS_CU_EQ_UINT(v[k].uidnext, 5);
	k = mb_find(v, n, "Lists");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(v[k].messages, 1);
	ms_api_free(v);
	MS_CU_OK(ms_api_acct_show(api, "alice", &info, &err));
	MS_CU_EQ_UINT(info.used_messages, 5);
	MS_CU_EQ_UINT(info.used_bytes, 5 * 32);

	/* a read error is temporary; nothing is added */
	memset(&r, 0, sizeof(r));
	r.s = msg1;
	r.len = strlen(msg1);
	r.fail_at = 5;
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_TEMP);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_TEMPFAIL);

	/* too large: 100 bytes is the most, from memory and streamed */
	memset(big, 'x', sizeof(big));
	memset(&m, 0, sizeof(m));
	m.data = big;
	m.len = 101;
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_DATA);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_DATAERR);
	m.len = 100;
	MS_CU_OK(ms_api_deliver(api, "alice", &m, &d, &err));
	memset(&m, 0, sizeof(m));
	memset(&r, 0, sizeof(r));
	r.s = big;
	r.len = 101;
	m.read = read_bytewise;
	m.ctx = &r;
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_DATA);

	/* empty */
	memset(&r, 0, sizeof(r));
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_DATA);
	memset(&m, 0, sizeof(m));
	m.data = "";
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_DATA);
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", NULL, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);

	/* unknown user, and a bad address */
	m.data = msg1;
	m.len = strlen(msg1);
	MS_CU_EQ_INT(ms_api_deliver(api, "nobody", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_NOUSER);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_NOUSER);
	MS_CU_EQ_INT(ms_api_deliver(api, "a/b@example.com", &m, &d, &err),
		     -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_PARAMS);

	/* nothing was added by the failures */
	MS_CU_OK(ms_api_acct_show(api, "alice", &info, &err));
	MS_CU_EQ_UINT(info.used_messages, 6);
	ms_api_close(api);
}

static void
test_api_deliver_quota(void)
{
	static const char msg[] = "Subject: q\r\n\r\n0123456789\r\n";
	struct ms_api *api = api_new(NULL, NULL);
	struct ms_api *perm;
	struct ms_api_acct_new o;
	struct ms_api_err err;
	struct ms_api_msg m;
	const char *sets[5];

	ms_api_acct_new_init(&o);
	o.quota_bytes = 2 * (sizeof(msg) - 1);
	MS_CU_OK(ms_api_acct_create(api, "q", &o, &err));
	memset(&m, 0, sizeof(m));
	m.data = msg;
	m.len = sizeof(msg) - 1;
	MS_CU_OK(ms_api_deliver(api, "q", &m, NULL, &err));
	MS_CU_OK(ms_api_deliver(api, "q", &m, NULL, &err));
	MS_CU_EQ_INT(ms_api_deliver(api, "q", &m, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_OVERQUOTA);
	MS_CU_EQ_INT(err.temporary, 1);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_TEMPFAIL);
	/* a message count limit as well */
	MS_CU_OK(ms_api_acct_quota(api, "q", 0, 2, &err));
	MS_CU_EQ_INT(ms_api_deliver(api, "q", &m, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_OVERQUOTA);
	MS_CU_OK(ms_api_acct_quota(api, "q", 0, 3, &err));
	MS_CU_OK(ms_api_deliver(api, "q", &m, NULL, &err));

	/* the same store with deliver.quota_tempfail = no: permanent */
	MS_CU_OK(ms_api_acct_quota(api, "q", 0, 3, &err));
	sets[0] = ms_psprintf(pool, "store.root=%s", ms_psprintf(pool,
			      "%s/api%u-root", ms_cu_tmpdir, seq));
	sets[1] = "deliver.quota_tempfail=no";
	sets[2] = "store.default_domain=example.com";
	sets[3] = "deliver.return_path=no";
	sets[4] = "deliver.delivered_to=no";
	MS_CU_OK(ms_api_open(NULL, sets, 5, 0, &perm, &err));
	MS_CU_EQ_INT(ms_api_deliver(perm, "q", &m, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_OVERQUOTA);
	MS_CU_EQ_INT(err.temporary, 0);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_CANTCREAT);
	ms_api_close(perm);
	ms_api_close(api);
}

/* What a delivery adds and where it goes: Return-Path and Delivered-To,
   subaddresses, forwarding (internal, keep, loops). */
static void
test_api_deliver_routes(void)
{
	static const char msg[] = "Subject: r\r\n\r\nbody\r\n";
	struct ms_api *api = api_new("deliver.return_path=yes",
				     "deliver.delivered_to=yes");
	const char *to[2];
	struct ms_api_delivered d;
	struct ms_api_err err;
	struct ms_api_msg m;
	char looped[256];

	mk(api, "alice");
	mk(api, "bob");
	MS_CU_OK(ms_api_mbox_create(api, "alice", "Lists", NULL, &err));
	memset(&m, 0, sizeof(m));
	m.data = msg;
	m.len = sizeof(msg) - 1;
	m.sender = "s@example.org";

	/* INBOX, a subaddress folder in any case, an unknown one */
	MS_CU_OK(ms_api_deliver(api, "alice", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "INBOX");
	MS_CU_OK(ms_api_deliver(api, "alice+LISTS@example.com", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "Lists");
	MS_CU_OK(ms_api_deliver(api, "alice+nosuch", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "INBOX");
	MS_CU_EQ_UINT(d.uid, 2);

	/* an alias with no account forwards to both; keep on bob */
	to[0] = "alice@example.com";
	to[1] = "bob@example.com";
	MS_CU_OK(ms_api_forward_add(api, "team@example.com", to, 2, 0, NULL,
				    &err));
	MS_CU_OK(ms_api_deliver(api, "team", &m, &d, &err));
	MS_CU_EQ_UINT(d.uid, 3);
	MS_CU_OK(ms_api_forward_add(api, "bob@example.com", to, 1, 1, NULL,
				    &err));
	MS_CU_OK(ms_api_deliver(api, "bob", &m, &d, &err));
	MS_CU_EQ_STR(d.mailbox, "INBOX");

	/* a cycle with nowhere to go, and a Delivered-To loop */
	to[0] = "y@example.com";
	MS_CU_OK(ms_api_forward_add(api, "x@example.com", to, 1, 0, NULL,
				    &err));
	to[0] = "x@example.com";
	MS_CU_OK(ms_api_forward_add(api, "y@example.com", to, 1, 0, NULL,
				    &err));
	MS_CU_EQ_INT(ms_api_deliver(api, "x", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_LIMIT);
	(void)snprintf(looped, sizeof(looped), "Delivered-To: alice@example.com"
		       "\r\n%s", msg);
	m.data = looped;
	m.len = strlen(looped);
	MS_CU_EQ_INT(ms_api_deliver(api, "alice", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_LIMIT);
	/* external targets without relay.host: temporary */
	to[0] = "far@remote.example";
	MS_CU_OK(ms_api_forward_add(api, "ext@example.com", to, 1, 0, NULL,
				    &err));
	m.data = msg;
	m.len = sizeof(msg) - 1;
	MS_CU_EQ_INT(ms_api_deliver(api, "ext", &m, &d, &err), -1);
	MS_CU_EQ_INT(err.temporary, 1);
	MS_CU_EQ_INT(ms_api_sysexit(&err), MS_EX_TEMPFAIL);
	ms_api_close(api);
}

/* RFC 9051 6.3.6: renaming INBOX moves its messages, INBOX stays. */
static void
test_api_inbox_rename(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	static const char msg[] = "From: a@b\r\nSubject: x\r\n\r\nbody\r\n";
	struct ms_api_mbox *v;
	struct ms_api_err err;
	struct ms_api_msg m;
	struct ms_api_repair sum;
	size_t n;
	long k;

	mk(api, "carol");
	MS_CU_OK(ms_api_mbox_create(api, "carol", "INBOX/child", NULL, &err));
	memset(&m, 0, sizeof(m));
	m.data = msg;
	m.len = strlen(msg);
	MS_CU_OK(ms_api_deliver(api, "carol", &m, NULL, &err));
	MS_CU_OK(ms_api_deliver(api, "carol", &m, NULL, &err));
	MS_CU_OK(ms_api_mbox_rename(api, "carol", "inbox", "Old mail", &err));
	MS_CU_OK(ms_api_mbox_list(api, "carol", &v, &n, &err));
	MS_CU_EQ_UINT(n, 3);
	k = mb_find(v, n, "INBOX");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(v[k].messages, 0);
	k = mb_find(v, n, "Old mail");
	CU_ASSERT_FATAL(k >= 0);
	MS_CU_EQ_UINT(v[k].messages, 2);
	MS_CU_EQ_UINT(v[k].unseen, 2);
	CU_ASSERT(mb_find(v, n, "INBOX/child") >= 0);
	ms_api_free(v);
	/* the target must not exist; INBOX can be renamed again */
	MS_CU_EQ_INT(ms_api_mbox_rename(api, "carol", "INBOX", "Old mail",
					&err), -1);
	MS_CU_EQ_INT(err.cls, MS_API_E_EXISTS);
	MS_CU_OK(ms_api_mbox_rename(api, "carol", "INBOX", "Empty", &err));
	MS_CU_OK(ms_api_check(api, "carol", &sum, &err));
	MS_CU_EQ_UINT(sum.problems, 0);
	MS_CU_EQ_UINT(sum.notices, 0);
	ms_api_close(api);
}

/* A MANAGE account proves itself with its password; nobody else does,
   and all refusals look the same. */
static void
test_api_manage_login(void)
{
	struct ms_api *api = api_new(NULL, NULL);
	struct ms_api_acct_new o;
	struct ms_api_err err;

	ms_api_acct_new_init(&o);
	o.password = "boss-pw-1";
	o.flags = MS_API_AF_MANAGE;
	MS_CU_OK(ms_api_acct_create(api, "boss", &o, &err));
	o.password = "user-pw-1";
	o.flags = 0;
	MS_CU_OK(ms_api_acct_create(api, "user", &o, &err));
	MS_CU_EQ_INT(ms_api_manage_login(api, "boss@example.com",
					 "boss-pw-1", &err), 1);
	MS_CU_EQ_INT(ms_api_manage_login(api, "boss", "boss-pw-2", &err), 0);
	MS_CU_EQ_INT(err.cls, MS_API_E_PERM);
	MS_CU_EQ_INT(ms_api_manage_login(api, "user", "user-pw-1", &err), 0);
	MS_CU_EQ_INT(err.cls, MS_API_E_PERM);
	MS_CU_EQ_INT(ms_api_manage_login(api, "nobody", "x", &err), 0);
	MS_CU_EQ_INT(err.cls, MS_API_E_PERM);
	MS_CU_EQ_INT(ms_api_manage_login(api, "a/b", "x", &err), 0);
	MS_CU_EQ_INT(ms_api_manage_login(api, "boss", NULL, &err), -1);
	/* DISABLED ends it */
	MS_CU_OK(ms_api_acct_flags(api, "boss", MS_API_AF_DISABLED, 0, &err));
	MS_CU_EQ_INT(ms_api_manage_login(api, "boss", "boss-pw-1", &err), 0);
	ms_api_close(api);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_api[] = {
	{ "test_api_open_errors", test_api_open_errors },
	{ "test_api_sysexit", test_api_sysexit },
	{ "test_api_acct_create_show", test_api_acct_create_show },
	{ "test_api_acct_domain_login", test_api_acct_domain_login },
	{ "test_api_acct_list", test_api_acct_list },
	{ "test_api_acct_changes", test_api_acct_changes },
	{ "test_api_limits", test_api_limits },
	{ "test_api_move", test_api_move },
	{ "test_api_mailboxes", test_api_mailboxes },
	{ "test_api_deliver", test_api_deliver },
	{ "test_api_deliver_quota", test_api_deliver_quota },
	{ "test_api_deliver_routes", test_api_deliver_routes },
	{ "test_api_inbox_rename", test_api_inbox_rename },
	{ "test_api_manage_login", test_api_manage_login },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_api = {
	"api",
	suite_init,
	suite_clean,
	ms_tests_api
};
