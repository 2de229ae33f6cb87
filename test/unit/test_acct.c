/*
 * test_acct.c -- accounts: canonical names, the hashed home layout of
 * docs/store-format.md section 1, create/lookup/delete, listing with
 * paging and a domain filter (also over 20,000 cheaply made homes),
 * profiles (unknown keys kept), partitions, placement and move, site
 * limits, passwords, and fault injection on profile writes.
 */
#include "ms_sys.h"
#include "ms_acct.h"
#include "ms_acct_names.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_mblist.h"
#include "ms_mbox.h"
#include "ms_passwd.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_quota.h"
#include "ms_store.h"
#include "ms_cu.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

static struct ms_pool *pool;
static unsigned seq;

static int
suite_init(void)
{
	pool = ms_pool_create("test_acct", 0);
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
	return ms_psprintf(pool, "%s/ac%u-%s", ms_cu_tmpdir, ++seq, tag);
}

/* A store on fresh roots: partitions "" (none) or "p1" (one more);
   extra is one more --set (or NULL). */
static struct ms_store *
store_new(const char *backend, int nparts, const char *extra)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool, "store.root=%s",
				    fresh("root")), "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "auth.pbkdf2_iterations=1000", "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.default_domain=example.com",
				    "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.lock_timeout=2s", "t",
				    &err) == 0);
	if (backend != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
					    "store.backend=%s", backend), "t",
					    &err) == 0);
	if (nparts > 1)
		CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
					    "store.partitions=p1=%s",
					    fresh("p1")), "t", &err) == 0);
	if (extra != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, extra, "t", &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

static void
test_acct_canon(void)
{
	char out[MS_ACCT_NAME_MAX + 1], big[300];
	struct ms_err err;
	static const char *const bad[] = {
		"", "a@b@c", "@example.com", "alice@", "al ice", "al/ice",
		"a\tb", "a\x7f", "a\xc2\x85" "b", "\xff\xfe", "a\xc3", NULL
	};
	size_t i;

	MS_CU_OK(ms_acct_canon("Alice@Example.COM", "x.org", out, sizeof(out),
			       &err));
	MS_CU_EQ_STR(out, "alice@example.com");
	MS_CU_OK(ms_acct_canon("BOB", "Example.Org", out, sizeof(out), &err));
	MS_CU_EQ_STR(out, "bob@example.org");
	/* UTF-8 bytes kept as they are, ASCII folded */
	MS_CU_OK(ms_acct_canon("J\xc3\x89R\xc3\xb4me@X.fr", "x", out,
			       sizeof(out), &err));
	MS_CU_EQ_STR(out, "j\xc3\x89r\xc3\xb4me@x.fr");
	for (i = 0; bad[i] != NULL; i++) {
		MS_CU_EQ_INT(ms_acct_canon(bad[i], "example.com", out,
					   sizeof(out), &err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	/* 254 bytes is the most, counting the default domain */
	memset(big, 'a', sizeof(big));
	memcpy(big + 250, "@b.c", 5);
	MS_CU_OK(ms_acct_canon(big, "x", out, sizeof(out), &err));
	memset(big, 'a', sizeof(big));
	big[253] = '\0';               /* 253 + "@x" = 255 */
	MS_CU_EQ_INT(ms_acct_canon(big, "x", out, sizeof(out), &err), -1);
	big[252] = '\0';               /* 252 + "@x" = 254 */
	MS_CU_OK(ms_acct_canon(big, "x", out, sizeof(out), &err));
	MS_CU_EQ_UINT(strlen(out), 254);
	MS_CU_EQ_INT(ms_acct_canon(big, "example.com", out, sizeof(out),
				   &err), -1);
	/* a bad default domain is refused only when needed */
	MS_CU_EQ_INT(ms_acct_canon("bob", "", out, sizeof(out), &err), -1);
	MS_CU_OK(ms_acct_canon("bob@x", "", out, sizeof(out), &err));
}

/* The section 1 example, computed independently here. */
static void
test_acct_layout(void)
{
	struct ms_acct_loc loc;
	struct ms_err err;
	unsigned char md[32];
	unsigned int n;
	char hex[65];
	size_t i;

	CU_ASSERT_FATAL(EVP_Digest("alice@example.com", 17, md, &n,
				   EVP_sha256(), NULL) == 1);
	for (i = 0; i < 32; i++)
		(void)snprintf(hex + 2 * i, 3, "%02x", md[i]);
	MS_CU_OK(ms_acct_locate_fanout("Alice", "example.com", 2, 256, &loc,
				       &err));
	MS_CU_EQ_STR(loc.hash, hex);
	MS_CU_EQ_STR(loc.hash, "ff8d9819fc0e12bf0d24892e45987e249a28dce836a8"
		     "5cad60e28eaaa8c6d976");
	MS_CU_EQ_STR(loc.leaf, "alice-example-com-ff8d9819fc0e12bf");
	MS_CU_EQ_STR(loc.rel, "users/ff/8d/alice-example-com-ff8d9819fc0e12bf");
	MS_CU_EQ_STR(loc.lock, "a-ff8d9819fc0e12bf");
	MS_CU_EQ_STR(loc.qlock, "q-ff8d9819fc0e12bf");
	MS_CU_OK(ms_acct_locate_fanout("alice@example.com", "x", 3, 16, &loc,
				       &err));
	MS_CU_EQ_STR(loc.rel, "users/f/f/8/alice-example-com-ff8d9819fc0e12bf");
	MS_CU_OK(ms_acct_locate_fanout("alice@example.com", "x", 0, 16, &loc,
				       &err));
	MS_CU_EQ_STR(loc.rel, "users/alice-example-com-ff8d9819fc0e12bf");
	MS_CU_EQ_INT(ms_acct_locate_fanout("a@b", "x", 4, 16, &loc, &err), -1);
	MS_CU_EQ_INT(ms_acct_locate_fanout("a@b", "x", 2, 64, &loc, &err), -1);

	/* readable part: runs become one '-', cut to 22, ends stripped */
	MS_CU_OK(ms_acct_locate_fanout("--Bob..Smith++@@x", "d", 0, 16, &loc,
				       &err) == 0 ? -1 : 0);
	MS_CU_OK(ms_acct_locate_fanout("_.bob.._smith@x.y", "d", 0, 16, &loc,
				       &err));
	CU_ASSERT(strncmp(loc.leaf, "bob-smith-x-y-", 14) == 0);
	MS_CU_OK(ms_acct_locate_fanout("averyveryverylongname.with.dots@"
				       "example.com", "d", 1, 16, &loc, &err));
	/* cut to "averyveryverylongname-", the '-' stripped */
	CU_ASSERT(strncmp(loc.leaf, "averyveryverylongname-", 22) == 0);
	CU_ASSERT(strncmp(loc.leaf + 22, loc.hash, 16) == 0);
	MS_CU_EQ_UINT(strlen(loc.leaf), 21 + 1 + 16);
	MS_CU_OK(ms_acct_locate_fanout("\xc3\xa9\xc3\xa9@\xc3\xa9", "d", 1, 16,
				       &loc, &err));
	MS_CU_EQ_INT(loc.leaf[0], 'x');
	MS_CU_EQ_INT(loc.leaf[1], '-');
	CU_ASSERT(ms_plat_leaf_ok(loc.leaf));
	CU_ASSERT(ms_plat_rel_ok(loc.rel));
}

static void
test_acct_create_lookup_delete(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_new o;
	struct ms_acct_info info;
	struct ms_acct *a;
	struct ms_store_counts c;
	struct ms_mblist *l;
	struct ms_err err;

	ms_acct_new_init(&o);
	o.password = "secret";
	o.fullname = "Alice Liddell";
	o.quota_bytes = 1000;
	MS_CU_OK(ms_acct_create(st, "Alice", &o, &err));
	MS_CU_EQ_INT(ms_acct_create(st, "alice@EXAMPLE.com", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);
	MS_CU_EQ_INT(ms_acct_create(st, "bad name", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);

	MS_CU_OK(ms_acct_open(st, "ALICE@example.com", &a, &err));
	MS_CU_EQ_STR(ms_acct_name(a), "alice@example.com");
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.fullname, "Alice Liddell");
	MS_CU_EQ_STR(info.partition, "default");
	MS_CU_EQ_UINT(info.quota_bytes, 1000);
	MS_CU_EQ_UINT(info.quota_messages, 0);
	MS_CU_EQ_UINT(info.services, MS_SVC_ALL);
	MS_CU_EQ_UINT(info.flags, 0);
	MS_CU_EQ_INT(info.has_password, 1);
	MS_CU_EQ_UINT(info.used_bytes, 0);
	MS_CU_EQ_UINT(strlen(info.created), 20);
	MS_CU_EQ_INT(ms_acct_check_password(a, "secret", &err), 1);
	MS_CU_EQ_INT(ms_acct_check_password(a, "Secret", &err), 0);
	CU_ASSERT_PTR_NOT_NULL(ms_profile_get(ms_acct_profile(a),
					      "scram-sha-256"));
	CU_ASSERT_PTR_NOT_NULL(ms_profile_get(ms_acct_profile(a),
					      "scram-sha-1"));
	CU_ASSERT_PTR_NULL(ms_profile_get(ms_acct_profile(a), "plain-secret"));
	/* INBOX, id 1 */
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_UINT(l->count, 1);
	MS_CU_EQ_STR(l->ents[0].name, "INBOX");
	MS_CU_EQ_UINT(l->ents[0].id, 1);
	CU_ASSERT(l->ents[0].uidvalidity != 0);
	ms_acct_close(a);

	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 1);
	MS_CU_EQ_UINT(c.imap, 1);
	MS_CU_EQ_UINT(c.pop, 1);

	MS_CU_EQ_INT(ms_acct_open(st, "bob", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_acct_delete(st, "alice", &err));
	MS_CU_EQ_INT(ms_acct_open(st, "alice", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_EQ_INT(ms_acct_delete(st, "alice", &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 0);
	MS_CU_EQ_UINT(c.imap, 0);
	/* the name can be used again */
	MS_CU_OK(ms_acct_create(st, "alice", &o, &err));
	ms_store_close(st);
}

/* A profile written by hand: unknown keys and any order survive edits. */
static void
test_acct_profile_roundtrip(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_profile *p;
	struct ms_buf b;
	struct ms_err err;
	char *data;
	size_t len;
	static const char text[] =
		"x-site-tag: blue  \n"
		"name: carol@example.com\n"
		"format: 1\n"
		"\n"
		"flags: manage bogus\n"
		"services: imap\n"
		"partition: default\n";

	p = ms_profile_new(pool);
	MS_CU_OK(ms_profile_parse(p, text, sizeof(text) - 1, &err));
	MS_CU_EQ_STR(ms_profile_get(p, "x-site-tag"), "blue");
	ms_buf_init(&b, pool, 4096);
	MS_CU_OK(ms_profile_format(p, &b));
	MS_CU_EQ_STR(ms_buf_cstr(&b), "format: 1\nname: carol@example.com\n"
		     "x-site-tag: blue\nflags: manage bogus\nservices: imap\n"
		     "partition: default\n");
	/* damaged profiles */
	p = ms_profile_new(pool);
	MS_CU_EQ_INT(ms_profile_parse(p, "name: a\nname: b\n", 16, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	p = ms_profile_new(pool);
	MS_CU_EQ_INT(ms_profile_parse(p, "name: a", 7, &err), -1);
	p = ms_profile_new(pool);
	MS_CU_EQ_INT(ms_profile_parse(p, "Name: a\n", 8, &err), -1);
	p = ms_profile_new(pool);
	MS_CU_EQ_INT(ms_profile_parse(p, "name a\n", 7, &err), -1);
	p = ms_profile_new(pool);
	MS_CU_EQ_INT(ms_profile_parse(p, "name: a\x01\n", 9, &err), -1);
	MS_CU_EQ_INT(ms_profile_set(p, "fullname", "a\nb", &err), -1);
	MS_CU_EQ_INT(ms_profile_set(p, "Bad Key", "x", &err), -1);

	/* through an account: write the hand-made profile, edit it */
	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "carol", &o, &err));
	MS_CU_OK(ms_acct_open(st, "carol", &a, &err));
	MS_CU_OK(ms_store_file_put(ms_acct_home(a), "profile", text,
				   sizeof(text) - 1, 1, &err));
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "carol", &a, &err));
	MS_CU_EQ_UINT(ms_acct_flags(a), MS_AF_MANAGE);
	MS_CU_EQ_UINT(ms_acct_services(a), MS_SVC_IMAP);
	MS_CU_OK(ms_acct_set_fullname(a, "Carol \xc3\x89", &err));
	MS_CU_OK(ms_acct_set_flags(a, MS_AF_DISABLED | MS_AF_LOCKPWD,
				   MS_AF_MANAGE, &err));
	MS_CU_OK(ms_acct_set_quota(a, 5000, 10, &err));
	MS_CU_EQ_INT(ms_acct_set_flags(a, 0x100, 0, &err), -1);
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "carol", &a, &err));
	MS_CU_OK(ms_store_file_read(ms_acct_home(a), "profile", 65536, pool,
				    &data, &len, &err));
	MS_CU_EQ_STR(data, "format: 1\nname: carol@example.com\n"
		     "x-site-tag: blue\nflags: disabled lockpwd\n"
		     "services: imap\npartition: default\n"
		     "fullname: Carol \xc3\x89\nquota-bytes: 5000\n"
		     "quota-messages: 10\n");
	MS_CU_OK(ms_acct_set_fullname(a, "", &err));
	CU_ASSERT_PTR_NULL(ms_profile_get(ms_acct_profile(a), "fullname"));
	MS_CU_EQ_INT(ms_acct_set_fullname(a, "x\ty", &err), -1);
	ms_acct_close(a);

	/* a profile naming another account is damage, not that account */
	MS_CU_OK(ms_acct_open(st, "carol", &a, &err));
	MS_CU_OK(ms_store_file_put(ms_acct_home(a), "profile",
				   "format: 1\nname: mallory@example.com\n",
				   36, 1, &err));
	ms_acct_close(a);
	MS_CU_EQ_INT(ms_acct_open(st, "carol", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	ms_store_close(st);
}

/* The profile's value of key as the file holds it now. */
static const char *
disk_value(struct ms_acct *a, const char *key)
{
	struct ms_profile *p = ms_profile_new(pool);
	struct ms_err err;
	char *data;
	size_t len;

	CU_ASSERT_FATAL(ms_store_file_read(ms_acct_home(a), "profile", 65536,
					   pool, &data, &len, &err) == 0);
	CU_ASSERT_FATAL(ms_profile_parse(p, data, len, &err) == 0);
	return ms_profile_get(p, key);
}

/* domain: written at create, never trusted on read; subdomain: set at
   create, changed, removed, validated like the full name. */
static void
test_acct_domain_subdomain(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_new o;
	struct ms_acct_info info;
	struct ms_acct *a;
	struct ms_err err;
	char big[4002];
	static const char *const bad[] = {
		"a\tb", "a\nb", "x\x7f", "\xff", "a\xc3", " lead", "trail ",
		NULL
	};
	static const char evil[] = "format: 1\nname: dora@sub.example.org\n"
		"domain: evil.example\n";
	static const char none[] = "format: 1\nname: dora@sub.example.org\n";
	size_t i;

	ms_acct_new_init(&o);
	o.subdomain = "Sales \xc3\x89" "ast";
	MS_CU_OK(ms_acct_create(st, "Dora@Sub.Example.ORG", &o, &err));
	MS_CU_OK(ms_acct_open(st, "dora@sub.example.org", &a, &err));
	MS_CU_EQ_STR(disk_value(a, "domain"), "sub.example.org");
	MS_CU_EQ_STR(disk_value(a, "subdomain"), "Sales \xc3\x89" "ast");
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.domain, "sub.example.org");
	MS_CU_EQ_STR(info.subdomain, "Sales \xc3\x89" "ast");
	MS_CU_EQ_STR(info.last_login, "");

	/* a disagreeing or missing domain: is ignored (and kept) */
	MS_CU_OK(ms_store_file_put(ms_acct_home(a), "profile", evil,
				   sizeof(evil) - 1, 1, &err));
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "dora@sub.example.org", &a, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.domain, "sub.example.org");
	MS_CU_EQ_STR(info.subdomain, "");
	MS_CU_OK(ms_acct_set_subdomain(a, "hr", &err));
	MS_CU_EQ_STR(disk_value(a, "domain"), "evil.example");
	MS_CU_OK(ms_store_file_put(ms_acct_home(a), "profile", none,
				   sizeof(none) - 1, 1, &err));
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "dora@sub.example.org", &a, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.domain, "sub.example.org");

	/* set, change, clear (NULL and "") */
	MS_CU_OK(ms_acct_set_subdomain(a, "sales", &err));
	MS_CU_EQ_STR(disk_value(a, "subdomain"), "sales");
	MS_CU_OK(ms_acct_set_subdomain(a, "support/EMEA", &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.subdomain, "support/EMEA");
	MS_CU_OK(ms_acct_set_subdomain(a, "", &err));
	CU_ASSERT_PTR_NULL(disk_value(a, "subdomain"));
	MS_CU_OK(ms_acct_set_subdomain(a, "x", &err));
	MS_CU_OK(ms_acct_set_subdomain(a, NULL, &err));
	CU_ASSERT_PTR_NULL(disk_value(a, "subdomain"));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.subdomain, "");

	/* hostile text: refused by the setter and by create, no change */
	MS_CU_OK(ms_acct_set_subdomain(a, "keep", &err));
	memset(big, 'x', sizeof(big));
	big[4001] = '\0';               /* 4001 bytes: one too many */
	for (i = 0; bad[i] != NULL; i++) {
		MS_CU_EQ_INT(ms_acct_set_subdomain(a, bad[i], &err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	MS_CU_EQ_INT(ms_acct_set_subdomain(a, big, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_STR(disk_value(a, "subdomain"), "keep");
	big[4000] = '\0';               /* 4000: the most */
	MS_CU_OK(ms_acct_set_subdomain(a, big, &err));
	MS_CU_EQ_UINT(strlen(disk_value(a, "subdomain")), 4000);
	/* the full name goes through the same checks */
	MS_CU_EQ_INT(ms_acct_set_fullname(a, "\xc3", &err), -1);
	MS_CU_OK(ms_acct_set_fullname(a, big, &err));
	big[4000] = 'x';
	MS_CU_EQ_INT(ms_acct_set_fullname(a, big, &err), -1);
	ms_acct_close(a);
	for (i = 0; bad[i] != NULL; i++) {
		o.subdomain = bad[i];
		MS_CU_EQ_INT(ms_acct_create(st, "eve", &o, &err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	o.subdomain = "";
	MS_CU_OK(ms_acct_create(st, "eve", &o, &err));
	MS_CU_OK(ms_acct_open(st, "eve", &a, &err));
	CU_ASSERT_PTR_NULL(disk_value(a, "subdomain"));
	MS_CU_EQ_STR(disk_value(a, "domain"), "example.com");
	ms_acct_close(a);
	ms_store_close(st);
}

/* Write text as the home's lastlogin and read the account's info. */
static const char *
login_with(struct ms_acct *a, const char *text, size_t len)
{
	struct ms_acct_info info;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_store_file_put(ms_acct_home(a), "lastlogin", text,
					  len, 1, &err) == 0);
	CU_ASSERT_FATAL(ms_acct_info(a, pool, &info, &err) == 0);
	return info.last_login;
}

/* lastlogin: never, touched, kept out of the profile, damaged = unknown. */
static void
test_acct_last_login(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_new o;
	struct ms_acct_info info;
	struct ms_acct *a;
	struct ms_err err;
	char *data;
	size_t len, i;
	static const char *const damaged[] = {
		"", "\n", "2024-03-01T10:20:30Z", "2024-03-01T10:20:30Z\r\n",
		"2024-03-01T10:20:30Z\nx", "2024-03-01 10:20:30Z\n",
		"2024-13-01T10:20:30Z\n", "2023-02-29T10:20:30Z\n",
		"2024-04-31T10:20:30Z\n", "2024-03-01T24:00:00Z\n",
		"2024-03-01T10:60:30Z\n", "2024-03-01T10:20:60Z\n",
		"1969-12-31T23:59:59Z\n", "2024-03-01T10:20:3xZ\n",
		"2024-03-01T10:20:30+\n", "\xff\xfe garbage\n", NULL
	};

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "fay", &o, &err));
	MS_CU_OK(ms_acct_open(st, "fay", &a, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.last_login, "");
	/* 2024-03-01T10:20:30Z, a leap year's day */
	MS_CU_OK(ms_acct_touch_login(a, 1709288430, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.last_login, "2024-03-01T10:20:30Z");
	MS_CU_OK(ms_store_file_read(ms_acct_home(a), "lastlogin", 100, pool,
				    &data, &len, &err));
	MS_CU_EQ_MEM(data, len, "2024-03-01T10:20:30Z\n", 21);
	CU_ASSERT_PTR_NULL(ms_profile_get(ms_acct_profile(a), "lastlogin"));
	CU_ASSERT_PTR_NULL(disk_value(a, "lastlogin"));
	/* a later handle sees it; a second touch replaces it */
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "fay", &a, &err));
	MS_CU_OK(ms_acct_touch_login(a, 0, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.last_login, "1970-01-01T00:00:00Z");
	MS_CU_OK(ms_acct_touch_login(a, INT64_C(253402300799), &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.last_login, "9999-12-31T23:59:59Z");
	MS_CU_EQ_INT(ms_acct_touch_login(a, -1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_acct_touch_login(a, INT64_C(253402300800), &err),
		     -1);
	MS_CU_EQ_INT(ms_acct_info(a, pool, &info, &err), 0);
	MS_CU_EQ_STR(info.last_login, "9999-12-31T23:59:59Z");

	/* damaged: unknown, never an error; a good one still reads */
	for (i = 0; damaged[i] != NULL; i++) {
		const char *v = login_with(a, damaged[i], strlen(damaged[i]));

		if (strcmp(v, "") != 0)
			ms_cu_fail(__LINE__, __FILE__, "damaged lastlogin %lu "
				   "read as '%s'", (unsigned long)i, v);
	}
	MS_CU_EQ_STR(login_with(a, "2024-02-29T23:59:59Z\n", 21),
		     "2024-02-29T23:59:59Z");
	/* a longer file (by hand) is cut by the next touch */
	MS_CU_EQ_STR(login_with(a, "2024-02-29T23:59:59Z\nmore junk here\n",
				36), "");
	MS_CU_OK(ms_acct_touch_login(a, 1709288430, &err));
	MS_CU_OK(ms_store_file_read(ms_acct_home(a), "lastlogin", 100, pool,
				    &data, &len, &err));
	MS_CU_EQ_MEM(data, len, "2024-03-01T10:20:30Z\n", 21);
	/* a directory in its place: unknown, and touch reports an error */
	{
		struct ms_pdir *d;
		struct ms_perr perr;

		MS_CU_OK(ms_pfile_remove(ms_acct_home(a), "lastlogin", &perr));
		MS_CU_OK(ms_pdir_open(ms_acct_fs(a), ms_psprintf(pool,
				      "%s/lastlogin", ms_acct_loc(a)->rel),
				      MS_PDIR_CREATE, &d, &perr));
		ms_pdir_close(d);
		MS_CU_OK(ms_acct_info(a, pool, &info, &err));
		MS_CU_EQ_STR(info.last_login, "");
		MS_CU_EQ_INT(ms_acct_touch_login(a, 1709288430, &err), -1);
		MS_CU_OK(ms_pdir_remove(ms_acct_fs(a), ms_psprintf(pool,
					"%s/lastlogin", ms_acct_loc(a)->rel),
					&perr));
	}
	/* it goes with the account */
	MS_CU_OK(ms_acct_touch_login(a, 1709288430, &err));
	ms_acct_close(a);
	MS_CU_OK(ms_acct_delete(st, "fay", &err));
	MS_CU_OK(ms_acct_create(st, "fay", &o, &err));
	MS_CU_OK(ms_acct_open(st, "fay", &a, &err));
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.last_login, "");
	ms_acct_close(a);
	ms_store_close(st);
}

static void
test_acct_password(void)
{
	struct ms_store *st = store_new(NULL, 1,
					"auth.keep_plain_secret=yes");
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_err err;
	const char *v;

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "dave", &o, &err));
	MS_CU_OK(ms_acct_open(st, "dave", &a, &err));
	MS_CU_EQ_INT(ms_acct_check_password(a, "", &err), 0);
	MS_CU_OK(ms_acct_set_password(a, "pencil", &err));
	MS_CU_EQ_INT(ms_acct_check_password(a, "pencil", &err), 1);
	v = ms_profile_get(ms_acct_profile(a), "password");
	CU_ASSERT(v != NULL && strncmp(v, "{PBKDF2-SHA256}1000$", 20) == 0);
	MS_CU_EQ_STR(ms_profile_get(ms_acct_profile(a), "plain-secret"),
		     "cGVuY2ls");
	MS_CU_EQ_INT(ms_acct_set_password(a, "bad\npassword", &err), -1);
	MS_CU_EQ_INT(ms_acct_check_password(a, "pencil", &err), 1);
	ms_acct_close(a);
	ms_store_close(st);
}

static void
test_acct_list_paging(void)
{
	struct ms_store *st = store_new(NULL, 2, NULL);
	static const char *const names[] = {
		"zoe@example.com", "adam@example.com", "eve@other.org",
		"bob@example.com", "carl@EXAMPLE.COM", "dan@other.org",
		"x@sub.example.com", NULL
	};
	const char *const *v;
	struct ms_acct_list_opts lo;
	struct ms_acct_new o;
	struct ms_err err;
	size_t n, i;
	int more;

	ms_acct_new_init(&o);
	for (i = 0; names[i] != NULL; i++) {
		o.partition = i % 2 == 0 ? "default" : "p1";
		MS_CU_OK(ms_acct_create(st, names[i], &o, &err));
	}
	memset(&lo, 0, sizeof(lo));
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 7);
	MS_CU_EQ_INT(more, 0);
	MS_CU_EQ_STR(v[0], "adam@example.com");
	MS_CU_EQ_STR(v[1], "bob@example.com");
	MS_CU_EQ_STR(v[2], "carl@example.com");
	MS_CU_EQ_STR(v[6], "zoe@example.com");
	lo.limit = 2;
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_INT(more, 1);
	lo.after = v[1];
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_STR(v[0], "carl@example.com");
	MS_CU_EQ_STR(v[1], "dan@other.org");
	lo.after = "x@sub.example.com";
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 1);
	MS_CU_EQ_INT(more, 0);
	MS_CU_EQ_STR(v[0], "zoe@example.com");
	memset(&lo, 0, sizeof(lo));
	lo.domain = "Example.Com";
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 4);            /* not sub.example.com */
	lo.domain = "other.org";
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_STR(v[1], "eve@other.org");
	lo.domain = "nowhere.net";
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, &more, &err));
	MS_CU_EQ_UINT(n, 0);
	ms_store_close(st);
}

/* Names of partition part's index, joined with spaces, into buf. */
static int
names_join(void *ctx, const char *name)
{
	char *buf = ctx;
	size_t n = strlen(buf);

	(void)snprintf(buf + n, 512 - n, "%s%s", n > 0 ? " " : "", name);
	return 0;
}

static const char *
names_of(struct ms_store *st, size_t part)
{
	static char buf[512];
	struct ms_err err;
	uint64_t n;

	buf[0] = '\0';
	CU_ASSERT_FATAL(ms_acct_names_read(st, part, names_join, buf, &n,
					   &err) == 0);
	return buf;
}

/*
 * The name index follows create, delete and move; a stale index (its
 * count differs from the partition's) is not trusted: list walks the
 * profiles; reconstruct's counts rebuild rewrites it.
 */
static void
test_acct_names_index(void)
{
	struct ms_store *st = store_new(NULL, 2, "store.fanout_width=16");
	const char *const *v;
	struct ms_acct_list_opts lo;
	struct ms_acct_new o;
	struct ms_acct_loc loc;
	struct ms_acct *a;
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_err err;
	size_t n;
	char bucket[64];

	ms_acct_new_init(&o);
	o.partition = "default";
	MS_CU_OK(ms_acct_create(st, "amy", &o, &err));
	MS_CU_OK(ms_acct_create(st, "ben", &o, &err));
	MS_CU_OK(ms_acct_create(st, "cy", &o, &err));
	MS_CU_EQ_INT(ms_acct_create(st, "cy", &o, &err), -1);
	MS_CU_EQ_UINT(strlen(names_of(st, 0)), strlen("amy@example.com "
		      "ben@example.com cy@example.com"));
	MS_CU_OK(ms_acct_delete(st, "ben", &err));
	CU_ASSERT(strstr(names_of(st, 0), "ben@") == NULL);
	MS_CU_OK(ms_acct_open(st, "cy", &a, &err));
	MS_CU_OK(ms_acct_move(a, "p1", &err));
	ms_acct_close(a);
	MS_CU_EQ_STR(names_of(st, 0), "amy@example.com");
	MS_CU_EQ_STR(names_of(st, 1), "cy@example.com");

	/* lose a bucket file: the count no longer matches, list walks */
	MS_CU_OK(ms_acct_locate(st, "amy", &loc, &err));
	(void)snprintf(bucket, sizeof(bucket), "%.7s", loc.rel);
	MS_CU_OK(ms_pdir_open(ms_store_part(st, 0)->fs, bucket, 0, &d,
			      &perr));
	MS_CU_OK(ms_pfile_remove(d, MS_ACCT_NAMES_LEAF, &perr));
	ms_pdir_close(d);
	MS_CU_EQ_STR(names_of(st, 0), "");
	memset(&lo, 0, sizeof(lo));
	MS_CU_OK(ms_acct_list(st, &lo, pool, &v, &n, NULL, &err));
	MS_CU_EQ_UINT(n, 2);
	MS_CU_EQ_STR(v[0], "amy@example.com");
	MS_CU_EQ_STR(v[1], "cy@example.com");
	MS_CU_OK(ms_acct_counts_rebuild(st, NULL, &err));
	MS_CU_EQ_STR(names_of(st, 0), "amy@example.com");
	ms_store_close(st);
}

/*
 * 20,000 homes made cheaply (directory + a two-line profile, no sync),
 * then listed: every name once, sorted; paging walks them all; a domain
 * filter finds its share, including names whose readable part is cut
 * (which the leaf pre-filter must not drop).
 */
static void
test_acct_list_many(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_pfs *fs = ms_store_part(st, 0)->fs;
	struct ms_pool *lp = ms_pool_create("list", 0);
	const char *const *v;
	struct ms_acct_list_opts lo;
	struct ms_err err;
	size_t n, i, total = 0, want_dom = 0;
	const size_t count = 20000;
	const char *after = NULL;
	char last[MS_ACCT_NAME_MAX + 1] = "";
	int more = 1, sorted = 1;

	for (i = 0; i < count; i++) {
		struct ms_acct_loc loc;
		struct ms_pdir *d;
		struct ms_pfile *f;
		struct ms_perr perr;
		char name[80], prof[160];
		int len;

		if (i % 7 == 0) {
			(void)snprintf(name, sizeof(name),
				       "a-rather-long-local-part-%05lu@d%lu.net",
				       (unsigned long)i,
				       (unsigned long)(i % 3));
		} else
			(void)snprintf(name, sizeof(name), "u%05lu@d%lu.net",
				       (unsigned long)i,
				       (unsigned long)(i % 3));
		if (i % 3 == 1)
			want_dom++;
		CU_ASSERT_FATAL(ms_acct_locate(st, name, &loc, &err) == 0);
		CU_ASSERT_FATAL(ms_pdir_open(fs, loc.rel, MS_PDIR_CREATE, &d,
					     &perr) == 0);
		CU_ASSERT_FATAL(ms_pfile_open(d, "profile", MS_PF_WRITE |
					      MS_PF_CREATE, &f, &perr) == 0);
		len = snprintf(prof, sizeof(prof), "format: 1\nname: %s\n",
			       loc.name);
		CU_ASSERT_FATAL(ms_pfile_write(f, prof, (size_t)len, 0,
					       &perr) == 0);
		(void)ms_pfile_close(f, NULL);
		ms_pdir_close(d);
	}
	/* homes made behind the store's back (a restore): the counts and the
	   name index are derived, so reconstruct rebuilds them */
	MS_CU_OK(ms_acct_counts_rebuild(st, NULL, &err));
	memset(&lo, 0, sizeof(lo));
	MS_CU_OK(ms_acct_list(st, &lo, lp, &v, &n, NULL, &err));
	MS_CU_EQ_UINT(n, count);
	for (i = 1; i < n; i++)
		if (strcmp(v[i - 1], v[i]) >= 0)
			sorted = 0;
	CU_ASSERT(sorted);
	ms_pool_clear(lp);

	lo.limit = 7000;
	while (more) {
		MS_CU_OK(ms_acct_list(st, &lo, lp, &v, &n, &more, &err));
		if (n > 0) {
			CU_ASSERT(strcmp(last, v[0]) < 0);
			(void)snprintf(last, sizeof(last), "%s", v[n - 1]);
			after = ms_pstrdup(pool, last);
		}
		total += n;
		lo.after = after;
		ms_pool_clear(lp);
		if (total > count)
			break;
	}
	MS_CU_EQ_UINT(total, count);

	memset(&lo, 0, sizeof(lo));
	lo.domain = "d1.net";
	MS_CU_OK(ms_acct_list(st, &lo, lp, &v, &n, NULL, &err));
	MS_CU_EQ_UINT(n, want_dom);
	ms_pool_destroy(&lp);
	ms_store_close(st);
}

static void
test_acct_partitions_move(void)
{
	struct ms_store *st = store_new(NULL, 2, "store.placement=first");
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_store_counts c;
	struct ms_mblist *l;
	struct ms_acct_info info;
	struct ms_err err;
	uint32_t id;

	ms_acct_new_init(&o);
	o.services = MS_SVC_IMAP;
	MS_CU_OK(ms_acct_create(st, "erin", &o, &err));
	o.partition = "p1";
	MS_CU_OK(ms_acct_create(st, "frank", &o, &err));
	o.partition = "nope";
	MS_CU_EQ_INT(ms_acct_create(st, "gina", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	o.partition = "default";
	MS_CU_EQ_INT(ms_acct_create(st, "frank", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_EXISTS);     /* exists on p1 */

	MS_CU_OK(ms_acct_open(st, "frank", &a, &err));
	MS_CU_EQ_UINT(ms_acct_part(a), 1);
	ms_acct_close(a);

	/* move erin (with a second mailbox) to p1 and back */
	MS_CU_OK(ms_acct_open(st, "erin", &a, &err));
	MS_CU_EQ_UINT(ms_acct_part(a), 0);
	MS_CU_OK(ms_mblist_create(a, "Work", MS_SU_NONE, &id, NULL, &err));
	MS_CU_EQ_INT(ms_acct_move(a, "default", &err), -1);
	MS_CU_EQ_INT(ms_acct_move(a, "nope", &err), -1);
	MS_CU_OK(ms_acct_move(a, "p1", &err));
	MS_CU_EQ_UINT(ms_acct_part(a), 1);
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_UINT(l->count, 2);
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "erin", &a, &err));
	MS_CU_EQ_UINT(ms_acct_part(a), 1);
	MS_CU_OK(ms_acct_info(a, pool, &info, &err));
	MS_CU_EQ_STR(info.partition, "p1");
	MS_CU_EQ_STR(ms_profile_get(ms_acct_profile(a), "partition"), "p1");
	MS_CU_OK(ms_store_counts_read(st, 0, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 0);
	MS_CU_OK(ms_store_counts_read(st, 1, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 2);
	MS_CU_EQ_UINT(c.imap, 2);
	MS_CU_EQ_UINT(c.pop, 0);
	/* the mailboxes work after the move */
	MS_CU_OK(ms_mblist_create(a, "Work/Sub", MS_SU_NONE, NULL, NULL,
				  &err));
	MS_CU_OK(ms_acct_move(a, "default", &err));
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "erin", &a, &err));
	MS_CU_EQ_UINT(ms_acct_part(a), 0);
	MS_CU_OK(ms_mblist_load(a, pool, &l, &err));
	MS_CU_EQ_UINT(l->count, 3);
	ms_acct_close(a);
	ms_store_close(st);

	/* most-free placement picks some partition and records it */
	st = store_new(NULL, 2, NULL);
	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "hank", &o, &err));
	MS_CU_OK(ms_acct_open(st, "hank", &a, &err));
	MS_CU_EQ_STR(ms_profile_get(ms_acct_profile(a), "partition"),
		     ms_store_part(st, ms_acct_part(a))->name);
	ms_acct_close(a);
	ms_store_close(st);
}

static void
test_acct_site_limits(void)
{
	struct ms_store *st = store_new(NULL, 2, "limits.max_imap_accounts=2");
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_store_counts c;
	struct ms_err err;

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "u1", &o, &err));
	o.partition = "p1";
	MS_CU_OK(ms_acct_create(st, "u2", &o, &err));
	MS_CU_EQ_INT(ms_acct_create(st, "u3", &o, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	CU_ASSERT(strstr(err.internal, "limits.max_imap_accounts") != NULL);
	/* nothing left behind by the refused create */
	MS_CU_EQ_INT(ms_acct_open(st, "u3", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	o.services = MS_SVC_POP;
	MS_CU_OK(ms_acct_create(st, "u3", &o, &err));
	/* giving u3 imap too is refused, taking it from u1 frees a place */
	MS_CU_OK(ms_acct_open(st, "u3", &a, &err));
	MS_CU_EQ_INT(ms_acct_set_services(a, MS_SVC_ALL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
	MS_CU_EQ_UINT(ms_acct_services(a), MS_SVC_POP);
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "u1", &a, &err));
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_POP, &err));
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_POP, &err));   /* no-op */
	ms_acct_close(a);
	MS_CU_OK(ms_acct_open(st, "u3", &a, &err));
	MS_CU_OK(ms_acct_set_services(a, MS_SVC_ALL, &err));
	ms_acct_close(a);
	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 3);
	MS_CU_EQ_UINT(c.imap, 2);
	MS_CU_EQ_UINT(c.pop, 3);
	/* rebuilding the counters from the profiles gives the same */
	MS_CU_OK(ms_acct_counts_rebuild(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 3);
	MS_CU_EQ_UINT(c.imap, 2);
	MS_CU_EQ_UINT(c.pop, 3);
	MS_CU_OK(ms_acct_delete(st, "u2", &err));
	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.imap, 1);
	ms_store_close(st);
}

/* A profile whose create died before the profile: debris, not an
   account; a new create clears it (no inherited mail). */
static void
test_acct_debris(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_loc loc;
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_pstat pst;
	struct ms_err err;

	MS_CU_OK(ms_acct_locate(st, "ivy", &loc, &err));
	MS_CU_OK(ms_pdir_open(ms_store_part(st, 0)->fs,
			      ms_psprintf(pool, "%s/m/00000001", loc.rel),
			      MS_PDIR_CREATE, &d, &perr));
	MS_CU_OK(ms_store_file_put(d, "00000001.msg", "old", 3, 0, &err));
	ms_pdir_close(d);
	MS_CU_EQ_INT(ms_acct_open(st, "ivy", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "ivy", &o, &err));
	MS_CU_OK(ms_acct_open(st, "ivy", &a, &err));
	MS_CU_OK(ms_pdir_open(ms_acct_fs(a), ms_psprintf(pool,
			      "%s/m/00000001", loc.rel), 0, &d, &perr));
	MS_CU_EQ_INT(ms_pfile_stat(d, "00000001.msg", &pst, &perr), -1);
	ms_pdir_close(d);
	ms_acct_close(a);
	ms_store_close(st);
}

/*
 * Fault injection: count the calls one profile change makes, then fail
 * each in turn (an error, then a crash).  After every failure the
 * profile is the old one or the new one, complete.
 */
static void
fault_profile(int crash)
{
	struct ms_store *st = store_new("fault", 1, NULL);
	struct ms_fault_plan plan;
	struct ms_acct_new o;
	struct ms_acct *a;
	struct ms_err err;
	unsigned long calls, k;
	const char *fn;

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "judy", &o, &err));
	MS_CU_OK(ms_acct_open(st, "judy", &a, &err));
	MS_CU_OK(ms_pfs_fault_plan(ms_acct_fs(a), NULL));
	MS_CU_OK(ms_acct_set_fullname(a, "Name 0", &err));
	calls = ms_pfs_fault_calls(ms_acct_fs(a));
	CU_ASSERT(calls > 3);
	ms_acct_close(a);
	for (k = 1; k <= calls; k++) {
		struct ms_acct *b;
		int rc;

		MS_CU_OK(ms_acct_open(st, "judy", &a, &err));
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = k;
		plan.fail_with = MS_IO;
		plan.crash = crash;
		MS_CU_OK(ms_pfs_fault_plan(ms_acct_fs(a), &plan));
		rc = ms_acct_set_fullname(a, ms_psprintf(pool, "Name %lu", k),
					  &err);
		CU_ASSERT(rc == -1 || !ms_pfs_fault_fired(ms_acct_fs(a)) ||
			  !crash);
		ms_acct_close(a);
		if (crash) {
			/* "reboot": a new store on the same roots */
			const struct ms_conf *conf = ms_store_conf(st);

			ms_store_close(st);
			CU_ASSERT_FATAL(ms_store_open(conf, 0, &st, &err) ==
					0);
		}
		MS_CU_OK(ms_pfs_fault_plan(ms_store_part(st, 0)->fs, NULL));
		if (ms_acct_open(st, "judy", &b, &err) != 0) {
			ms_cu_fail(__LINE__, __FILE__, "fail at %lu/%lu: "
				   "profile unreadable: %s", k, calls,
				   err.internal);
			continue;
		}
		fn = ms_profile_get(ms_acct_profile(b), "fullname");
		CU_ASSERT(fn != NULL &&
			  (strcmp(fn, ms_psprintf(pool, "Name %lu", k - 1)) ==
			   0 || strcmp(fn, ms_psprintf(pool, "Name %lu", k)) ==
			   0));
		if (rc == 0)
			MS_CU_EQ_STR(fn, ms_psprintf(pool, "Name %lu", k));
		/* next round starts from "Name k" */
		MS_CU_OK(ms_acct_set_fullname(b, ms_psprintf(pool, "Name %lu",
					      k), &err));
		ms_acct_close(b);
	}
	ms_store_close(st);
}

static void
test_acct_fault_profile(void)
{
	fault_profile(0);
}

static void
test_acct_fault_profile_crash(void)
{
	fault_profile(1);
}

/* ---- delete against deliveries ---- */

struct del_thr {
	struct ms_store *st;
	uint32_t id;                    /* mailbox id */
	struct ms_mutex *mu;
	int *done;                      /* the delete has returned */
	int *total;                     /* successes of all threads */
	int ok, ok_after, fails, bad_fail, stopped;
};

static const char del_msg[] =
	"From: a@example.com\r\nSubject: race\r\n\r\nbody\r\n";

/* One delivery the way LMTP does it: account, quota, mailbox, append. */
static int
deliver_one(struct ms_store *st, uint32_t id, struct ms_err *err)
{
	struct ms_acct *a = NULL;
	struct ms_quota *q = NULL;
	struct ms_quota_hook qh;
	struct ms_mbox *mb = NULL;
	char rel[MS_PLAT_MAX_REL + 1], lk[MS_PLOCK_MAX_NAME + 1];
	uint32_t uid;
	int rc = -1;

	if (ms_acct_open(st, "race", &a, err) < 0 ||
	    ms_quota_open(a, &q, err) < 0)
		goto out;
	ms_quota_hook_init(q, &qh);
	ms_mblist_mbox_names(a, id, rel, sizeof(rel), lk, sizeof(lk));
	if (ms_mbox_open(ms_acct_fs(a), rel, lk, &mb, err) < 0)
		goto out;
	rc = ms_mbox_append(mb, del_msg, sizeof(del_msg) - 1, 0, NULL, 0, 0,
			    &qh, &uid, err);
out:
	ms_mbox_close(mb);
	if (q != NULL)
		ms_quota_close(q);
	ms_acct_close(a);
	return rc;
}

static void *
del_thr_main(void *arg)
{
	struct del_thr *t = arg;
	struct ms_err err;
	int i, after;

	for (i = 0; i < 5000 && !t->stopped; i++) {
		ms_mutex_lock(t->mu);
		after = *t->done;
		ms_mutex_unlock(t->mu);
		if (deliver_one(t->st, t->id, &err) == 0) {
			t->ok++;
			/* a delivery that began after the delete returned
			   must not succeed */
			t->ok_after += after;
			ms_mutex_lock(t->mu);
			(*t->total)++;
			ms_mutex_unlock(t->mu);
			continue;
		}
		t->fails++;
		if (err.cls != MS_E_NOTFOUND)
			t->bad_fail++;
		t->stopped = 1;
	}
	return NULL;
}

/* Deliveries in threads (to INBOX and another mailbox, each one opening
   the account afresh) while the account is deleted: each succeeds before
   the delete or fails cleanly with MS_E_NOTFOUND; the home is gone. */
static void
test_acct_delete_during_delivery(void)
{
	struct ms_store *st = store_new(NULL, 1, NULL);
	struct ms_acct_new o;
	struct ms_acct_loc loc;
	struct ms_acct *a;
	struct ms_thread *th[4];
	struct del_thr t[4];
	struct ms_mutex *mu = ms_mutex_new();
	struct ms_store_counts c;
	struct ms_pdir *home;
	struct ms_perr perr;
	struct ms_err err;
	uint32_t extra = 0;
	int done = 0, total = 0, i, n;

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "race", &o, &err));
	MS_CU_OK(ms_acct_open(st, "race", &a, &err));
	MS_CU_OK(ms_mblist_create(a, "Extra", MS_SU_NONE, &extra, NULL,
				  &err));
	ms_acct_close(a);
	for (i = 0; i < 4; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].st = st;
		t[i].id = i % 2 == 0 ? MS_MBOX_INBOX_ID : extra;
		t[i].mu = mu;
		t[i].done = &done;
		t[i].total = &total;
		MS_CU_OK(ms_thread_start(del_thr_main, &t[i], &th[i], NULL));
	}
	/* let the deliveries get going (at most ~10 s) */
	for (i = 0; i < 2000; i++) {
		ms_mutex_lock(mu);
		n = total;
		ms_mutex_unlock(mu);
		if (n >= 12)
			break;
		ms_time_sleep_ms(5);
	}
	MS_CU_OK(ms_acct_delete(st, "race", &err));
	ms_mutex_lock(mu);
	done = 1;
	ms_mutex_unlock(mu);
	for (i = 0; i < 4; i++)
		ms_thread_join(th[i], NULL);
	n = 0;
	for (i = 0; i < 4; i++) {
		n += t[i].ok;
		MS_CU_EQ_INT(t[i].ok_after, 0);
		MS_CU_EQ_INT(t[i].bad_fail, 0);
		MS_CU_EQ_INT(t[i].fails, 1);    /* every one ended on one */
	}
	CU_ASSERT(n >= 12);
	/* the home is gone, the account too, and the counters agree */
	MS_CU_EQ_INT(ms_acct_open(st, "race", &a, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_OK(ms_acct_locate(st, "race", &loc, &err));
	MS_CU_EQ_INT(ms_pdir_open(ms_store_part(st, 0)->fs, loc.rel, 0, &home,
				  &perr), -1);
	MS_CU_EQ_INT(perr.st, MS_NOTFOUND);
	MS_CU_OK(ms_store_counts_total(st, &c, &err));
	MS_CU_EQ_UINT(c.accounts, 0);
	ms_mutex_free(mu);
	ms_store_close(st);
}

struct del_arg {
	struct ms_store *st;
	int rc;
	struct ms_err err;
};

static void *
del_main(void *arg)
{
	struct del_arg *d = arg;

	d->rc = ms_acct_delete(d->st, "held", &d->err);
	return NULL;
}

/* Delete waits for a mailbox lock (a delivery committing), after the
   account lock; a handle opened before the delete then fails cleanly,
   also with a message written before the delete and committed after. */
static void
test_acct_delete_takes_mailbox_locks(void)
{
	struct ms_store *st = store_new(NULL, 1, "store.lock_timeout=5s");
	struct ms_acct_new o;
	struct ms_acct *a, *b;
	struct ms_mbox *mb;
	struct ms_mbox_tx *tx = NULL;
	struct ms_plock *lk;
	struct ms_thread *th;
	struct del_arg d;
	struct ms_perr perr;
	struct ms_err err;
	char rel[MS_PLAT_MAX_REL + 1], lock[MS_PLOCK_MAX_NAME + 1];
	uint32_t extra = 0, uid = 0, first = 0;

	ms_acct_new_init(&o);
	MS_CU_OK(ms_acct_create(st, "held", &o, &err));
	MS_CU_OK(ms_acct_open(st, "held", &a, &err));
	MS_CU_OK(ms_mblist_create(a, "Extra", MS_SU_NONE, &extra, NULL,
				  &err));
	ms_mblist_mbox_names(a, extra, rel, sizeof(rel), lock, sizeof(lock));
	CU_ASSERT_FATAL(ms_mbox_open(ms_acct_fs(a), rel, lock, &mb,
				     &err) == 0);
	MS_CU_OK(ms_mbox_append(mb, del_msg, sizeof(del_msg) - 1, 0, NULL, 0,
				0, NULL, &uid, &err));
	MS_CU_EQ_UINT(uid, 1);
	/* a message written to its temporary file, not yet committed */
	MS_CU_OK(ms_mbox_tx_begin(mb, &tx, &err));
	MS_CU_OK(ms_mbox_tx_msg_begin(tx, &err));
	MS_CU_OK(ms_mbox_tx_msg_data(tx, del_msg, sizeof(del_msg) - 1, &err));
	MS_CU_OK(ms_mbox_tx_msg_end(tx, 0, NULL, 0, 0, &err));

	/* hold Extra's lock as a committing delivery would */
	MS_CU_OK(ms_plock_take(ms_acct_fs(a), lock, MS_LOCK_EXCL, 0, &lk,
			       &perr));
	memset(&d, 0, sizeof(d));
	d.st = st;
	d.rc = 99;
	MS_CU_OK(ms_thread_start(del_main, &d, &th, NULL));
	ms_time_sleep_ms(300);
	/* still an account: delete is waiting for the mailbox lock */
	MS_CU_OK(ms_acct_open(st, "held", &b, &err));
	ms_acct_close(b);
	ms_plock_release(lk);
	ms_thread_join(th, NULL);
	MS_CU_EQ_INT(d.rc, 0);
	MS_CU_EQ_INT(ms_acct_open(st, "held", &b, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);

	/* the handle from before: nothing is stored, nothing crashes */
	MS_CU_EQ_INT(ms_mbox_tx_commit(tx, NULL, &first, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	ms_mbox_tx_free(tx);
	MS_CU_EQ_INT(ms_mbox_append(mb, del_msg, sizeof(del_msg) - 1, 0,
				    NULL, 0, 0, NULL, &uid, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	ms_mbox_close(mb);
	/* the home is gone (the temporary file did not keep it) */
	{
		struct ms_pdir *home;

		MS_CU_EQ_INT(ms_pdir_open(ms_acct_fs(a), ms_acct_loc(a)->rel,
					  0, &home, &perr), -1);
		MS_CU_EQ_INT(perr.st, MS_NOTFOUND);
	}
	ms_acct_close(a);
	ms_store_close(st);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_acct[] = {
	{ "test_acct_canon", test_acct_canon },
	{ "test_acct_layout", test_acct_layout },
	{ "test_acct_create_lookup_delete", test_acct_create_lookup_delete },
	{ "test_acct_profile_roundtrip", test_acct_profile_roundtrip },
	{ "test_acct_domain_subdomain", test_acct_domain_subdomain },
	{ "test_acct_last_login", test_acct_last_login },
	{ "test_acct_password", test_acct_password },
	{ "test_acct_list_paging", test_acct_list_paging },
	{ "test_acct_names_index", test_acct_names_index },
	{ "test_acct_list_many", test_acct_list_many },
	{ "test_acct_partitions_move", test_acct_partitions_move },
	{ "test_acct_site_limits", test_acct_site_limits },
	{ "test_acct_debris", test_acct_debris },
	{ "test_acct_fault_profile", test_acct_fault_profile },
	{ "test_acct_fault_profile_crash", test_acct_fault_profile_crash },
	{ "test_acct_delete_during_delivery", test_acct_delete_during_delivery },
	{ "test_acct_delete_takes_mailbox_locks", test_acct_delete_takes_mailbox_locks },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_acct = {
	"acct",
	suite_init,
	suite_clean,
	ms_tests_acct
};
