/*
 * test_fwd.c -- the forwarding database (ms_fwd.c): target address
 * canonical forms and refusals (RFC 5321 / 6531), the entry file parser
 * on good and damaged files, set/get/add/delete/keep round trips with
 * de-duplication and limits, hostile source addresses (never a path),
 * damaged files (MS_E_CORRUPT, skipped by the listing, replaceable),
 * listing with paging, two writers on one address, and fault injection
 * (after any failed call the entry is the old one or the new one).
 */
#include "ms_sys.h"
#include "ms_fwd.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_plat.h"
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
	pool = ms_pool_create("test_fwd", 0);
	return 0;
}

static int
suite_clean(void)
{
	ms_pool_destroy(&pool);
	return 0;
}

static struct ms_store *
store_new(const char *backend)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_store *st = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool, "store.root=%s/"
				    "fw%u", ms_cu_tmpdir, ++seq), "t",
				    &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.default_domain=example.com",
				    "t", &err) == 0);
	CU_ASSERT_FATAL(ms_conf_set(conf, "store.lock_timeout=5s", "t",
				    &err) == 0);
	if (backend != NULL)
		CU_ASSERT_FATAL(ms_conf_set(conf, ms_psprintf(pool,
					    "store.backend=%s", backend), "t",
					    &err) == 0);
	CU_ASSERT_FATAL(ms_store_open(conf, MS_STORE_CREATE, &st, &err) == 0);
	return st;
}

/* canon(in) must give want. */
static void
canon_is(const char *in, const char *want)
{
	char out[MS_FWD_ADDR_MAX + 1];
	struct ms_err err;

	if (ms_fwd_target_canon(in, "example.com", out, sizeof(out),
				&err) != 0) {
		ms_cu_fail(__LINE__, __FILE__, "'%s' refused: %s", in,
			   err.internal);
		return;
	}
	MS_CU_EQ_STR(out, want);
	/* a fixed point */
	MS_CU_OK(ms_fwd_target_canon(out, "", out, sizeof(out), &err));
	MS_CU_EQ_STR(out, want);
}

static void
test_fwd_target_canon(void)
{
	canon_is("Bob@Example.ORG", "Bob@example.org");
	canon_is("bob", "bob@example.com");
	canon_is("first.last+tag@sub.example.net",
		 "first.last+tag@sub.example.net");
	canon_is("!#$%&'*+-/=?^_`{|}~@x.y", "!#$%&'*+-/=?^_`{|}~@x.y");
	/* quoted only when it must be, escaping only '"' and '\' */
	canon_is("\"bob\"@x.org", "bob@x.org");
	canon_is("\"b\\ob\"@x.org", "bob@x.org");
	canon_is("\"a b\"@x.org", "\"a b\"@x.org");
	canon_is("\"a\\\"b\"@x.org", "\"a\\\"b\"@x.org");
	canon_is("\"a..b\"@x.org", "\"a..b\"@x.org");
	canon_is("\"a@b\"@x.org", "\"a@b\"@x.org");
	/* literals */
	canon_is("u@[192.0.2.1]", "u@[192.0.2.1]");
	canon_is("u@[ipv6:2001:DB8::1]", "u@[IPv6:2001:db8::1]");
	canon_is("u@[IPv6:::1]", "u@[IPv6:::1]");
	canon_is("u@[IPv6:1:2:3:4:5:6:7:8]", "u@[IPv6:1:2:3:4:5:6:7:8]");
	canon_is("u@[IPv6:::ffff:192.0.2.1]", "u@[IPv6:::ffff:192.0.2.1]");
	canon_is("u@[x-tag:any!thing]", "u@[x-tag:any!thing]");
	/* RFC 6531: UTF-8 in the local part and the domain */
	canon_is("J\xc3\xb6rg@B\xc3\xbc" "cher.DE", "J\xc3\xb6rg@b\xc3\xbc"
		 "cher.de");
	canon_is("localhost@localhost", "localhost@localhost");
}

static void
test_fwd_target_refused(void)
{
	static const char *const bad[] = {
		"", "@x.org", "a@", "a@b@c", ".a@x", "a.@x", "a..b@x",
		"a b@x", " a@x", "a@x ", "<a@x>", "a@x.", "a@.x", "a@x..y",
		"a@-x.org", "a@x-.org", "a@x_y.org", "a\t@x", "a@x\r",
		"\"a@x", "\"\"@x", "\"a\"b@x", "\"a\x01\"@x", "\"a\\\x01\"@x",
		"a(c)@x", "a@[1.2.3]", "a@[256.1.1.1]", "a@[1.2.3.4.5]",
		"a@[IPv6:1:2]", "a@[IPv6:1::2::3]", "a@[IPv6:12345::]",
		"a@[IPv6:1:2:3:4:5:6:7:8:9]", "a@[IPv6:1:2:3:4:5:6:7:]",
		"a@[tag:]", "a@[-tag:x]", "a@[tag:a]b]", "a@[]", "a@[",
		"a@x/y", "\xff@x", "a\xc3@x", "@", NULL
	};
	char out[MS_FWD_ADDR_MAX + 1], big[600];
	struct ms_err err;
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		int rc = ms_fwd_target_canon(bad[i], "example.com", out,
					     sizeof(out), &err);

		if (rc != -1)
			ms_cu_fail(__LINE__, __FILE__, "'%s' accepted as "
				   "'%s'", bad[i], out);
		else
			MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	/* a bare local part needs a default domain */
	MS_CU_EQ_INT(ms_fwd_target_canon("bob", "", out, sizeof(out), &err),
		     -1);
	/* local part: 64 bytes is the most */
	memset(big, 'a', 64);
	memcpy(big + 64, "@x.org", 7);
	MS_CU_OK(ms_fwd_target_canon(big, "", out, sizeof(out), &err));
	memset(big, 'a', 65);
	memcpy(big + 65, "@x.org", 7);
	MS_CU_EQ_INT(ms_fwd_target_canon(big, "", out, sizeof(out), &err),
		     -1);
	/* a quoted one counts its quotes and escapes: " a...a" is 64 */
	memset(big, 'a', sizeof(big));
	memcpy(big, "\" ", 2);
	memcpy(big + 63, "\"@x.org", 8);
	MS_CU_OK(ms_fwd_target_canon(big, "", out, sizeof(out), &err));
	MS_CU_EQ_UINT(strlen(out), 64 + 6);
	/* " \"a...a" holding 62 bytes: the '"' stays escaped, 65 */
	memcpy(big, "\" \\\"", 4);
	memcpy(big + 63, "a\"@x.org", 9);
	MS_CU_EQ_INT(ms_fwd_target_canon(big, "", out, sizeof(out), &err),
		     -1);
	/* a label of 63 is fine, 64 not; the whole address at most 254 */
	memset(big, 'b', sizeof(big));
	memcpy(big, "a@", 2);
	memcpy(big + 65, ".org", 5);           /* label of 63 */
	MS_CU_OK(ms_fwd_target_canon(big, "", out, sizeof(out), &err));
	memset(big, 'b', sizeof(big));
	memcpy(big, "a@", 2);
	memcpy(big + 66, ".org", 5);           /* label of 64 */
	MS_CU_EQ_INT(ms_fwd_target_canon(big, "", out, sizeof(out), &err),
		     -1);
	/* a@ + 4 labels of 62 + dots = 2 + 251 = 253 bytes; one more is
	   254, two more 255 */
	memset(big, 'c', sizeof(big));
	memcpy(big, "a@", 2);
	big[2 + 62] = big[2 + 125] = big[2 + 188] = '.';
	big[253] = '\0';
	MS_CU_OK(ms_fwd_target_canon(big, "", out, sizeof(out), &err));
	big[253] = 'c';
	big[254] = '\0';
	MS_CU_OK(ms_fwd_target_canon(big, "", out, sizeof(out), &err));
	MS_CU_EQ_UINT(strlen(out), 254);
	big[254] = 'c';
	big[255] = '\0';
	MS_CU_EQ_INT(ms_fwd_target_canon(big, "", out, sizeof(out), &err),
		     -1);
	/* a buffer too small is a bug of the caller, not bad input */
	MS_CU_EQ_INT(ms_fwd_target_canon("a@b.c", "", out, 5, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_INTERNAL);
}

static const char good_file[] =
	"format: 1\n"
	"address: alice@example.com\n"
	"keep: yes\n"
	"to: Bob@example.org\n"
	"to: \"a b\"@x.net\n";

static void
test_fwd_parse_format(void)
{
	struct ms_fwd *f;
	struct ms_err err;
	struct ms_buf b;

	MS_CU_OK(ms_fwd_parse(good_file, strlen(good_file), pool, &f, &err));
	MS_CU_EQ_STR(f->addr, "alice@example.com");
	MS_CU_EQ_INT(f->keep, 1);
	MS_CU_EQ_UINT(f->n, 2);
	MS_CU_EQ_STR(f->to[0], "Bob@example.org");
	MS_CU_EQ_STR(f->to[1], "\"a b\"@x.net");
	ms_buf_init(&b, pool, 0);
	MS_CU_OK(ms_fwd_format(f, &b));
	MS_CU_EQ_MEM(b.data, b.len, good_file, strlen(good_file));
	/* a bounded buffer that is too small */
	ms_buf_init(&b, pool, 20);
	MS_CU_EQ_INT(ms_fwd_format(f, &b), -1);
}

static void
test_fwd_parse_damaged(void)
{
	static const char *const bad[] = {
		"",
		"format: 1\naddress: alice@example.com\nkeep: yes\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@x",
		"format: 2\naddress: alice@example.com\nkeep: yes\nto: b@x\n",
		"format:1\naddress: alice@example.com\nkeep: yes\nto: b@x\n",
		"address: alice@example.com\nformat: 1\nkeep: yes\nto: b@x\n",
		"format: 1\naddress: Alice@example.com\nkeep: yes\nto: b@x\n",
		"format: 1\naddress: alice\nkeep: yes\nto: b@x\n",
		"format: 1\naddress: alice@example.com\nkeep: maybe\nto: b@x\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@X\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@x\n"
		"to: B@x\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\n"
		"to: ALICE@example.com\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@x\n"
		"from: c@x\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@x\n\n",
		"format: 1\r\naddress: alice@example.com\nkeep: yes\nto: b@x\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto: b@x\r\n",
		"format: 1\naddress: alice@example.com\nkeep: yes\nto:  b@x\n",
		NULL
	};
	struct ms_buf b;
	struct ms_fwd *f;
	struct ms_err err;
	char withnul[] = "format: 1\naddress: a@b\nkeep: no\nto: c@d\n";
	size_t i;

	for (i = 0; bad[i] != NULL; i++) {
		f = (struct ms_fwd *)1;
		if (ms_fwd_parse(bad[i], strlen(bad[i]), pool, &f, &err) !=
		    -1) {
			ms_cu_fail(__LINE__, __FILE__, "damaged file %lu "
				   "accepted", (unsigned long)i);
			continue;
		}
		MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
		CU_ASSERT(f == NULL);
	}
	MS_CU_OK(ms_fwd_parse(withnul, strlen(withnul), pool, &f, &err));
	withnul[20] = '\0';
	MS_CU_EQ_INT(ms_fwd_parse(withnul, sizeof(withnul) - 1, pool, &f,
				  &err), -1);
	/* 64 targets parse, 65 do not */
	ms_buf_init(&b, pool, 0);
	MS_CU_OK(ms_buf_append_str(&b, "format: 1\naddress: a@b\nkeep: no\n"));
	for (i = 0; i < 64; i++)
		MS_CU_OK(ms_buf_printf(&b, "to: t%lu@x\n", (unsigned long)i));
	MS_CU_OK(ms_fwd_parse((const char *)b.data, b.len, pool, &f, &err));
	MS_CU_EQ_UINT(f->n, 64);
	MS_CU_OK(ms_buf_append_str(&b, "to: t64@x\n"));
	MS_CU_EQ_INT(ms_fwd_parse((const char *)b.data, b.len, pool, &f,
				  &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
}

/* The entry of addr must be keep + the targets, in order. */
static void
entry_is(struct ms_store *st, const char *addr, int keep,
	 const char *const *want, size_t n)
{
	struct ms_fwd *f;
	struct ms_err err;
	size_t i;

	if (ms_fwd_get(st, addr, pool, &f, &err) != 0) {
		ms_cu_fail(__LINE__, __FILE__, "no entry for %s: %s", addr,
			   err.internal);
		return;
	}
	MS_CU_EQ_INT(f->keep, keep);
	MS_CU_EQ_UINT(f->n, n);
	for (i = 0; i < n && i < f->n; i++)
		MS_CU_EQ_STR(f->to[i], want[i]);
}

static void
test_fwd_round_trip(void)
{
	struct ms_store *st = store_new(NULL);
	static const char *const t1[] = { "bob", "Carol@Other.ORG" };
	static const char *const w1[] = { "bob@example.com",
					  "Carol@other.org" };
	static const char *const t2[] = { "carol@other.org", "dave@x.y",
					  "BOB@example.com", "dave@X.Y" };
	static const char *const w2[] = { "bob@example.com",
					  "Carol@other.org", "dave@x.y" };
	static const char *const d1[] = { "CAROL@other.org" };
	static const char *const w3[] = { "bob@example.com", "dave@x.y" };
	static const char *const d2[] = { "nobody@x.y" };
	static const char *const d3[] = { "bob", "dave@x.y" };
	struct ms_fwd *f;
	struct ms_err err;
	size_t added = 99;

	MS_CU_EQ_INT(ms_fwd_get(st, "alice", pool, &f, &err), 1);
	CU_ASSERT(f == NULL);
	MS_CU_OK(ms_fwd_set(st, "Alice@Example.COM", t1, 2, 0, &err));
	entry_is(st, "alice", 0, w1, 2);
	MS_CU_OK(ms_fwd_get(st, "ALICE@example.com", pool, &f, &err));
	MS_CU_EQ_STR(f->addr, "alice@example.com");
	/* add: repeats (any case) skipped, order kept, keep unchanged */
	MS_CU_OK(ms_fwd_add(st, "alice", t2, 4, MS_FWD_KEEP_SAME, &added,
			    &err));
	MS_CU_EQ_UINT(added, 1);
	entry_is(st, "alice", 0, w2, 3);
	MS_CU_OK(ms_fwd_add(st, "alice", t2, 1, 1, &added, &err));
	MS_CU_EQ_UINT(added, 0);
	entry_is(st, "alice", 1, w2, 3);
	MS_CU_OK(ms_fwd_keep(st, "alice", 0, &err));
	entry_is(st, "alice", 0, w2, 3);
	MS_CU_OK(ms_fwd_keep(st, "alice", 1, &err));
	MS_CU_OK(ms_fwd_keep(st, "alice", 1, &err));
	entry_is(st, "alice", 1, w2, 3);
	/* delete one target (any case), then an unknown one: nothing
	   changes */
	MS_CU_OK(ms_fwd_del(st, "alice", d1, 1, &err));
	entry_is(st, "alice", 1, w3, 2);
	MS_CU_EQ_INT(ms_fwd_del(st, "alice", d2, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	entry_is(st, "alice", 1, w3, 2);
	/* the last targets: the entry goes */
	MS_CU_OK(ms_fwd_del(st, "alice", d3, 2, &err));
	MS_CU_EQ_INT(ms_fwd_get(st, "alice", pool, &f, &err), 1);
	MS_CU_EQ_INT(ms_fwd_del(st, "alice", NULL, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	MS_CU_EQ_INT(ms_fwd_keep(st, "alice", 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_NOTFOUND);
	/* add makes a new entry (keep no unless asked); delete all */
	MS_CU_OK(ms_fwd_add(st, "new@example.com", t1, 2, MS_FWD_KEEP_SAME,
			    &added, &err));
	MS_CU_EQ_UINT(added, 2);
	entry_is(st, "new", 0, w1, 2);
	MS_CU_OK(ms_fwd_del(st, "new", NULL, 0, &err));
	MS_CU_EQ_INT(ms_fwd_get(st, "new", pool, &f, &err), 1);
	/* set replaces */
	MS_CU_OK(ms_fwd_set(st, "x", t2, 4, 1, &err));
	MS_CU_OK(ms_fwd_set(st, "x", t1, 1, 0, &err));
	entry_is(st, "x", 0, w1, 1);
	ms_store_close(st);
}

static void
test_fwd_bad_input(void)
{
	struct ms_store *st = store_new(NULL);
	static const char *const self[] = { "a@b.org", "ALICE@EXAMPLE.COM" };
	static const char *const badt[] = { "ok@x.org", "not an address" };
	static const char *const one[] = { "ok@x.org" };
	const char *many[MS_FWD_MAX_TARGETS + 1], *nul[] = { NULL };
	struct ms_fwd *f;
	struct ms_err err;
	size_t i;

	/* a bad source */
	MS_CU_EQ_INT(ms_fwd_set(st, "a@b@c", one, 1, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	CU_ASSERT(strstr(err.internal, "more than one '@'") != NULL);
	MS_CU_EQ_INT(ms_fwd_get(st, "", pool, &f, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_fwd_get(st, "a\nb", pool, &f, &err), -1);
	MS_CU_EQ_INT(ms_fwd_get(st, NULL, pool, &f, &err), -1);
	/* a target equal to the source, a bad one, none, NULL */
	MS_CU_EQ_INT(ms_fwd_set(st, "alice", self, 2, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	CU_ASSERT(strstr(err.internal, "itself") != NULL);
	MS_CU_EQ_INT(ms_fwd_add(st, "alice", badt, 2, 0, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	CU_ASSERT(strstr(err.internal, "not an address") != NULL);
	MS_CU_EQ_INT(ms_fwd_set(st, "alice", one, 0, 0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_fwd_add(st, "alice", nul, 1, 0, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_EQ_INT(ms_fwd_get(st, "alice", pool, &f, &err), 1);
	/* 64 targets at most, by set or by adding */
	for (i = 0; i <= MS_FWD_MAX_TARGETS; i++)
		many[i] = ms_psprintf(pool, "t%lu@x.org", (unsigned long)i);
	MS_CU_EQ_INT(ms_fwd_set(st, "alice", many, MS_FWD_MAX_TARGETS + 1,
				0, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_OK(ms_fwd_set(st, "alice", many, MS_FWD_MAX_TARGETS - 1, 0,
			    &err));
	MS_CU_EQ_INT(ms_fwd_add(st, "alice", many + MS_FWD_MAX_TARGETS - 1,
				2, 0, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	MS_CU_OK(ms_fwd_get(st, "alice", pool, &f, &err));
	MS_CU_EQ_UINT(f->n, MS_FWD_MAX_TARGETS - 1);
	MS_CU_OK(ms_fwd_add(st, "alice", many + MS_FWD_MAX_TARGETS - 1, 1, 0,
			    NULL, &err));
	MS_CU_OK(ms_fwd_get(st, "alice", pool, &f, &err));
	MS_CU_EQ_UINT(f->n, MS_FWD_MAX_TARGETS);
	/* repeats do not count against the limit */
	MS_CU_OK(ms_fwd_add(st, "alice", many, MS_FWD_MAX_TARGETS, 0, NULL,
			    &err));
	ms_store_close(st);
}

/* Walk forward/: every name must be a safe store name; count files. */
struct walk {
	char names[256][48];
	int dir[256];
	unsigned n;
};

static int
walk_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct walk *w = ctx;

	if (w->n < 256) {
		(void)ms_strlcpy(w->names[w->n], name, sizeof(w->names[0]));
		w->dir[w->n] = kind == MS_PENT_DIR;
		w->n++;
	}
	return 0;
}

static void
walk_tree(struct ms_pfs *fs, const char *rel, unsigned depth,
	  unsigned *files_r, unsigned *bad_r)
{
	struct walk *w = MS_PNEW(pool, struct walk, 1);
	struct ms_pdir *d;
	struct ms_perr perr;
	unsigned i;

	MS_CU_OK(ms_pdir_open(fs, rel, 0, &d, &perr));
	MS_CU_OK(ms_pdir_list(d, walk_cb, w, &perr));
	ms_pdir_close(d);
	for (i = 0; i < w->n; i++) {
		if (!ms_plat_leaf_ok(w->names[i]))
			(*bad_r)++;
		if (w->dir[i] && depth < 2) {
			CU_ASSERT(strlen(w->names[i]) == 2);
			walk_tree(fs, ms_psprintf(pool, "%s/%s", rel,
						  w->names[i]), depth + 1,
				  files_r, bad_r);
		} else if (w->dir[i]) {
			(*bad_r)++;             /* too deep */
		} else {
			CU_ASSERT(depth == 2);
			CU_ASSERT(strstr(w->names[i], ".fwd") != NULL);
			(*files_r)++;
		}
	}
}

static void
test_fwd_hostile_addresses(void)
{
	struct ms_store *st = store_new(NULL);
	static const char *const evil[] = {
		"..@..", ".@x", "a@.", "..\\..\\x@y",
		"CON@nul", "\"quoted\"@x", "a;rm-rf@x", "a\\b@c",
		"x%2f..%2fy@z", "\xe2\x80\xae" "evil@x", "a*?[]@x", "a:b@c:d",
		"-rf@x", "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t@x",
		NULL
	};
	static const char *const refused[] = {
		"../../etc/passwd@example.com", "a b@x", "a/b@x", "a@b/c",
		"a\nb@x", "a\r\nto: evil@x", "x@y\x7f", NULL
	};
	static const char *const to[] = { "safe@example.org" };
	struct ms_fwd *f;
	struct ms_err err;
	unsigned files = 0, bad = 0, i, n = 0;

	/* what the account name rules refuse is refused here too */
	for (i = 0; refused[i] != NULL; i++) {
		MS_CU_EQ_INT(ms_fwd_set(st, refused[i], to, 1, 0, &err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	}
	for (i = 0; evil[i] != NULL; i++) {
		if (ms_fwd_set(st, evil[i], to, 1, 0, &err) != 0)
			ms_cu_fail(__LINE__, __FILE__, "'%s': %s", evil[i],
				   err.internal);
		MS_CU_OK(ms_fwd_get(st, evil[i], pool, &f, &err));
		n++;
	}
	/* one file each, all under forward/ with safe names */
	walk_tree(ms_store_part(st, 0)->fs, "forward", 0, &files, &bad);
	MS_CU_EQ_UINT(bad, 0);
	MS_CU_EQ_UINT(files, n);
	/* nothing was made outside forward/ */
	{
		struct ms_pdir *d;
		struct ms_perr perr;

		CU_ASSERT(ms_pdir_open(ms_store_part(st, 0)->fs, "etc", 0,
				       &d, &perr) == -1);
	}
	ms_store_close(st);
}

/* Collects a listing. */
struct got {
	const char *addr[64];
	size_t n, stop_at;
};

static int
got_cb(void *ctx, const struct ms_fwd *f)
{
	struct got *g = ctx;

	if (g->n < 64)
		g->addr[g->n] = ms_pstrdup(pool, f->addr);
	g->n++;
	return g->stop_at != 0 && g->n == g->stop_at;
}

static void
test_fwd_list_paging(void)
{
	struct ms_store *st = store_new(NULL);
	static const char *const to[] = { "t@example.org" };
	struct got g;
	struct ms_err err;
	const char *after = NULL;
	unsigned i, pages = 0, total = 0;
	int more = 0;

	/* nothing yet: an empty listing */
	memset(&g, 0, sizeof(g));
	MS_CU_OK(ms_fwd_list(st, NULL, 0, got_cb, &g, &more, &err));
	MS_CU_EQ_UINT(g.n, 0);
	MS_CU_EQ_INT(more, 0);
	for (i = 0; i < 25; i++)
		MS_CU_OK(ms_fwd_set(st, ms_psprintf(pool, "u%02u@d%u.org",
						    24 - i, i % 3), to, 1,
				    0, &err));
	memset(&g, 0, sizeof(g));
	MS_CU_OK(ms_fwd_list(st, NULL, 0, got_cb, &g, &more, &err));
	MS_CU_EQ_UINT(g.n, 25);
	MS_CU_EQ_INT(more, 0);
	for (i = 1; i < 25; i++)
		CU_ASSERT(strcmp(g.addr[i - 1], g.addr[i]) < 0);
	/* pages of 10: 10, 10, 5 */
	do {
		memset(&g, 0, sizeof(g));
		MS_CU_OK(ms_fwd_list(st, after, 10, got_cb, &g, &more, &err));
		total += (unsigned)g.n;
		pages++;
		CU_ASSERT(g.n == 10 || (g.n == 5 && !more));
		if (g.n > 0)
			after = g.addr[g.n - 1];
	} while (more && pages < 10);
	MS_CU_EQ_UINT(pages, 3);
	MS_CU_EQ_UINT(total, 25);
	/* exactly the limit: no "more" */
	memset(&g, 0, sizeof(g));
	MS_CU_OK(ms_fwd_list(st, NULL, 25, got_cb, &g, &more, &err));
	MS_CU_EQ_INT(more, 0);
	/* after the last: nothing */
	memset(&g, 0, sizeof(g));
	MS_CU_OK(ms_fwd_list(st, "zzz", 0, got_cb, &g, &more, &err));
	MS_CU_EQ_UINT(g.n, 0);
	/* a callback may stop the listing */
	memset(&g, 0, sizeof(g));
	g.stop_at = 3;
	MS_CU_OK(ms_fwd_list(st, NULL, 0, got_cb, &g, NULL, &err));
	MS_CU_EQ_UINT(g.n, 3);
	ms_store_close(st);
}

/* Write raw bytes as the entry file of addr. */
static void
put_raw(struct ms_store *st, const char *addr, const char *data, size_t len)
{
	struct ms_acct_loc al;
	struct ms_pdir *d;
	struct ms_perr perr;
	struct ms_err err;
	char rel[32], leaf[64];

	MS_CU_OK(ms_acct_locate_fanout(addr, "example.com", 2, 256, &al,
				       &err));
	(void)snprintf(rel, sizeof(rel), "forward/%.2s/%.2s", al.hash,
		       al.hash + 2);
	(void)snprintf(leaf, sizeof(leaf), "%s.fwd", al.leaf);
	MS_CU_OK(ms_pdir_open(ms_store_part(st, 0)->fs, rel, MS_PDIR_CREATE,
			      &d, &perr));
	MS_CU_OK(ms_store_file_put(d, leaf, data, len, 1, &err));
	ms_pdir_close(d);
}

static void
test_fwd_damaged_file(void)
{
	struct ms_store *st = store_new(NULL);
	static const char *const to[] = { "t@example.org" };
	static const char garbage[] = "format: 1\naddress: \xff\n";
	static const char other[] =
		"format: 1\naddress: mallory@example.com\nkeep: no\n"
		"to: t@example.org\n";
	struct ms_fwd *f;
	struct ms_err err;
	struct got g;
	int more;

	MS_CU_OK(ms_fwd_set(st, "good", to, 1, 0, &err));
	MS_CU_OK(ms_fwd_set(st, "bad", to, 1, 0, &err));
	put_raw(st, "bad@example.com", garbage, sizeof(garbage) - 1);
	MS_CU_EQ_INT(ms_fwd_get(st, "bad", pool, &f, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	CU_ASSERT(f == NULL);
	/* a file in the wrong place names another address */
	put_raw(st, "misplaced@example.com", other, sizeof(other) - 1);
	MS_CU_EQ_INT(ms_fwd_get(st, "misplaced", pool, &f, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	/* the listing skips both */
	memset(&g, 0, sizeof(g));
	MS_CU_OK(ms_fwd_list(st, NULL, 0, got_cb, &g, &more, &err));
	MS_CU_EQ_UINT(g.n, 1);
	MS_CU_EQ_STR(g.addr[0], "good@example.com");
	/* changes that need the old entry refuse; set and delete work */
	MS_CU_EQ_INT(ms_fwd_add(st, "bad", to, 1, 0, NULL, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_EQ_INT(ms_fwd_keep(st, "bad", 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_EQ_INT(ms_fwd_del(st, "bad", to, 1, &err), -1);
	MS_CU_EQ_INT(err.cls, MS_E_CORRUPT);
	MS_CU_OK(ms_fwd_set(st, "bad", to, 1, 1, &err));
	MS_CU_OK(ms_fwd_get(st, "bad", pool, &f, &err));
	MS_CU_EQ_INT(f->keep, 1);
	put_raw(st, "bad@example.com", "", 0);
	MS_CU_EQ_INT(ms_fwd_get(st, "bad", pool, &f, &err), -1);
	MS_CU_OK(ms_fwd_del(st, "bad", NULL, 0, &err));
	MS_CU_EQ_INT(ms_fwd_get(st, "bad", pool, &f, &err), 1);
	ms_store_close(st);
}

/* Two threads add disjoint targets to one address at once. */
struct writer {
	struct ms_store *st;
	unsigned id;
	int failures;
};

static void *
writer_main(void *arg)
{
	struct writer *w = arg;
	struct ms_err err;
	char t[64];
	const char *v[1];
	unsigned i;

	for (i = 0; i < 30; i++) {
		(void)snprintf(t, sizeof(t), "w%u-%u@example.org", w->id, i);
		v[0] = t;
		if (ms_fwd_add(w->st, "shared", v, 1, MS_FWD_KEEP_SAME, NULL,
			       &err) < 0)
			w->failures++;
	}
	return NULL;
}

static void
test_fwd_two_writers(void)
{
	struct ms_store *st = store_new(NULL);
	struct ms_thread *th[2];
	struct writer w[2];
	struct ms_fwd *f;
	struct ms_err err;
	unsigned i;

	for (i = 0; i < 2; i++) {
		w[i].st = st;
		w[i].id = i;
		w[i].failures = 0;
		MS_CU_OK(ms_thread_start(writer_main, &w[i], &th[i], NULL));
	}
	for (i = 0; i < 2; i++)
		ms_thread_join(th[i], NULL);
	MS_CU_EQ_INT(w[0].failures + w[1].failures, 0);
	/* no update was lost */
	MS_CU_OK(ms_fwd_get(st, "shared", pool, &f, &err));
	MS_CU_EQ_UINT(f->n, 60);
	ms_store_close(st);
}

/*
 * Fail every platform call of an add in turn (an error, then a crash):
 * afterwards the entry is the old one or the new one, complete.
 */
static void
fault_add(int crash)
{
	struct ms_store *st = store_new("fault");
	static const char *const t0[] = { "a@x.org" };
	static const char *const t1[] = { "b@x.org" };
	struct ms_pfs *fs = ms_store_part(st, 0)->fs;
	struct ms_fault_plan plan;
	struct ms_fwd *f;
	struct ms_err err;
	unsigned long calls, k;

	MS_CU_OK(ms_fwd_set(st, "judy", t0, 1, 0, &err));
	MS_CU_OK(ms_pfs_fault_plan(fs, NULL));
	MS_CU_OK(ms_fwd_add(st, "judy", t1, 1, MS_FWD_KEEP_SAME, NULL, &err));
	calls = ms_pfs_fault_calls(fs);
	CU_ASSERT(calls > 3);
	for (k = 1; k <= calls; k++) {
		int rc;

		MS_CU_OK(ms_fwd_set(st, "judy", t0, 1, 0, &err));
		memset(&plan, 0, sizeof(plan));
		plan.fail_at = k;
		plan.fail_with = MS_IO;
		plan.crash = crash;
		MS_CU_OK(ms_pfs_fault_plan(fs, &plan));
		rc = ms_fwd_add(st, "judy", t1, 1, MS_FWD_KEEP_SAME, NULL,
				&err);
		CU_ASSERT(rc == -1 || !ms_pfs_fault_fired(fs) || !crash);
		if (crash) {
			const struct ms_conf *conf = ms_store_conf(st);

			ms_store_close(st);
			CU_ASSERT_FATAL(ms_store_open(conf, 0, &st, &err) ==
					0);
			fs = ms_store_part(st, 0)->fs;
		}
		MS_CU_OK(ms_pfs_fault_plan(fs, NULL));
		if (ms_fwd_get(st, "judy", pool, &f, &err) != 0) {
			ms_cu_fail(__LINE__, __FILE__, "fail at %lu/%lu: "
				   "entry unreadable: %s", k, calls,
				   err.internal);
			continue;
		}
		CU_ASSERT(f->n == 1 || f->n == 2);
		MS_CU_EQ_STR(f->to[0], "a@x.org");
		if (f->n == 2)
			MS_CU_EQ_STR(f->to[1], "b@x.org");
	}
	ms_store_close(st);
}

static void
test_fwd_fault_error(void)
{
	fault_add(0);
}

static void
test_fwd_fault_crash(void)
{
	fault_add(1);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_fwd[] = {
	{ "test_fwd_target_canon", test_fwd_target_canon },
	{ "test_fwd_target_refused", test_fwd_target_refused },
	{ "test_fwd_parse_format", test_fwd_parse_format },
	{ "test_fwd_parse_damaged", test_fwd_parse_damaged },
	{ "test_fwd_round_trip", test_fwd_round_trip },
	{ "test_fwd_bad_input", test_fwd_bad_input },
	{ "test_fwd_hostile_addresses", test_fwd_hostile_addresses },
	{ "test_fwd_list_paging", test_fwd_list_paging },
	{ "test_fwd_damaged_file", test_fwd_damaged_file },
	{ "test_fwd_two_writers", test_fwd_two_writers },
	{ "test_fwd_fault_error", test_fwd_fault_error },
	{ "test_fwd_fault_crash", test_fwd_fault_crash },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_fwd = {
	"fwd",
	suite_init,
	suite_clean,
	ms_tests_fwd
};
