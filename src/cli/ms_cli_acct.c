/*
 * ms_cli_acct.c -- `msgstore account ...` and `msgstore stats`, plus the
 * helpers every store command group shares (options, opening the store,
 * running a command's API call, error lines, JSON output, numbers).
 *
 * Every command is one call of the public API (msgstore.h), made through
 * ms_cli_call() by a small function that also prints what the command
 * says on success.  Passwords are read from standard input only (never
 * argv, where `ps` shows them), unbuffered so no stdio buffer keeps a
 * copy, and wiped after use.
 * Errors are one line on stderr and a sysexits status (ms_api_sysexit()).
 * Who may run these: whoever can open the store's files (see msgstore.h).
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "msgstore.h"
#include "ms_buf.h"
#include "ms_json.h"
#include "ms_api_json.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_passwd.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#define P       MS_CLI_PROG
/* Most positional words of a command run by ms_cli_run(). */
#define RUN_WORDS_MAX   3

static int cmd_create(struct ms_cli_ctx *, int, char **);
static int cmd_delete(struct ms_cli_ctx *, int, char **);
static int cmd_show(struct ms_cli_ctx *, int, char **);
static int cmd_list(struct ms_cli_ctx *, int, char **);
static int cmd_passwd(struct ms_cli_ctx *, int, char **);
static int cmd_quota(struct ms_cli_ctx *, int, char **);
static int cmd_flags(struct ms_cli_ctx *, int, char **);
static int cmd_services(struct ms_cli_ctx *, int, char **);
static int cmd_fullname(struct ms_cli_ctx *, int, char **);
static int cmd_subdomain(struct ms_cli_ctx *, int, char **);
static int cmd_move(struct ms_cli_ctx *, int, char **);
static int cmd_stats(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_acct_cmds[] = {
	{ "account create", "ADDRESS --password-stdin [--quota BYTES] "
	  "[--quota-messages N] [--flags manage,disabled,lockpwd] "
	  "[--services imap,pop] [--fullname TEXT] [--subdomain TEXT] "
	  "[--partition NAME]",
	  "create an account (password read from standard input)",
	  MS_CLI_CONF, cmd_create },
	{ "account delete", "ADDRESS --yes",
	  "delete an account and all its mail", MS_CLI_CONF, cmd_delete },
	{ "account show", "ADDRESS [--json]", "show an account's settings",
	  MS_CLI_CONF, cmd_show },
	{ "account list", "[--domain D] [--after NAME] [--limit N] [--json]",
	  "list accounts (sorted, paged)", MS_CLI_CONF, cmd_list },
	{ "account passwd", "ADDRESS --password-stdin",
	  "set a password (read from standard input)", MS_CLI_CONF,
	  cmd_passwd },
	{ "account quota", "ADDRESS BYTES [MESSAGES]",
	  "set quota limits (0 = none; k, M, G suffixes)", MS_CLI_CONF,
	  cmd_quota },
	{ "account flags", "ADDRESS [+|-]FLAG...",
	  "set (+ or none) or clear (-) manage, disabled, lockpwd",
	  MS_CLI_CONF, cmd_flags },
	{ "account services", "ADDRESS imap,pop|imap|pop|none",
	  "set the services an account may use", MS_CLI_CONF, cmd_services },
	{ "account fullname", "ADDRESS TEXT",
	  "set the full name (\"\" removes it)", MS_CLI_CONF, cmd_fullname },
	{ "account subdomain", "ADDRESS TEXT",
	  "set the subdomain, an organisational unit (\"\" removes it)",
	  MS_CLI_CONF, cmd_subdomain },
	{ "account move", "ADDRESS PARTITION",
	  "move an account to another partition", MS_CLI_CONF, cmd_move },
	{ "stats", "[--json]", "accounts and partitions of the store",
	  MS_CLI_CONF, cmd_stats },
	{ NULL, NULL, NULL, 0, NULL }
};

/* ======================================================================
 * Shared helpers
 * ====================================================================== */

static const struct ms_cli_opt *
opt_find(const struct ms_cli_opt *opts, const char *arg, size_t len)
{
	for (; opts != NULL && opts->name != NULL; opts++)
		if (strlen(opts->name) == len &&
		    strncmp(opts->name, arg, len) == 0)
			return opts;
	return NULL;
}

int
ms_cli_getopt(const char *cmd, const struct ms_cli_opt *opts, int argc,
	      char **argv, char **pos, int minpos, int maxpos, int *npos_r)
{
	const struct ms_cli_opt *o;
	int i, npos = 0, opts_done = 0;

	for (i = 0; i < argc; i++) {
		char *a = argv[i], *eq;
		size_t len;

		if (!opts_done && strcmp(a, "--") == 0) {
			opts_done = 1;
			continue;
		}
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (npos >= maxpos) {
				fprintf(stderr, "%s %s: unexpected argument "
					"'%s' (try '%s help %s')\n", P, cmd, a,
					P, cmd);
				return MS_EX_USAGE;
			}
			pos[npos++] = a;
			continue;
		}
		eq = strchr(a, '=');
		len = eq != NULL ? (size_t)(eq - a) : strlen(a);
		o = opt_find(opts, a, len);
		if (o == NULL || (!o->has_arg && eq != NULL)) {
			fprintf(stderr, "%s %s: unknown option '%.*s' (try "
				"'%s help %s')\n", P, cmd, (int)len, a, P,
				cmd);
			return MS_EX_USAGE;
		}
		if (!o->has_arg) {
			*o->flag_r = 1;
		} else if (eq != NULL) {
			*o->val_r = eq + 1;
		} else if (i + 1 < argc) {
			*o->val_r = argv[++i];
		} else {
			fprintf(stderr, "%s %s: %s needs a value\n", P, cmd,
				o->name);
			return MS_EX_USAGE;
		}
	}
	if (npos < minpos) {
		fprintf(stderr, "%s %s: missing argument (try '%s help %s')\n",
			P, cmd, P, cmd);
		return MS_EX_USAGE;
	}
	if (npos_r != NULL)
		*npos_r = npos;
	return 0;
}

int
ms_cli_fail(const char *cmd, const char *what, const struct ms_api_err *err)
{
	fprintf(stderr, "%s %s: %s%s%s\n", P, cmd, what != NULL ? what : "",
		what != NULL ? ": " : "", err->msg);
	return ms_api_sysexit(err);
}

/* Say that only the superuser or the store's owner may manage it;
   returns 77 (EX_NOPERM). */
static int
not_manager(const char *cmd)
{
	fprintf(stderr, "%s %s: only the superuser or the owner of the "
		"store may manage it\n", P, cmd);
	return MS_EX_NOPERM;
}

int
ms_cli_store_open(struct ms_cli_ctx *ctx, const char *cmd, unsigned flags,
		  struct ms_api **api_r)
{
	struct ms_api_err err;

	int may;

	if (ms_api_open_conf(ctx->conf, flags, api_r, &err) < 0)
		return ms_cli_fail(cmd, "cannot open the store", &err);
	may = ms_api_may_manage(*api_r, &err);
	if (may <= 0) {
		ms_api_close(*api_r);
		*api_r = NULL;
		if (may < 0)
			return ms_cli_fail(cmd, "cannot open the store", &err);
		return not_manager(cmd);
	}
	return 0;
}

int
ms_cli_call(struct ms_cli_ctx *ctx, const char *cmd, unsigned flags,
	    char **w, int err_word, ms_cli_call_fn *fn, void *arg)
{
	struct ms_api_err err;
	struct ms_api *api;
	int rc;

	if ((rc = ms_cli_store_open(ctx, cmd, flags, &api)) != 0)
		return rc;
	rc = fn(api, w, arg, &err);
	if (rc < 0)
		rc = ms_cli_fail(cmd, err_word >= 0 ? w[err_word] : NULL,
				 &err);
	ms_api_close(api);
	return rc;
}

int
ms_cli_run(struct ms_cli_ctx *ctx, const char *cmd, int argc, char **argv,
	   int nwords, int err_word, ms_cli_call_fn *fn)
{
	char *w[RUN_WORDS_MAX];
	int rc;

	ms_assert(nwords <= RUN_WORDS_MAX);
	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, w, nwords, nwords,
				NULL)) != 0)
		return rc;
	return ms_cli_call(ctx, cmd, 0, w, err_word, fn, NULL);
}

int
ms_cli_store_open_int(struct ms_cli_ctx *ctx, const char *cmd,
		      struct ms_store **st_r)
{
	struct ms_err err;

	if (ms_store_open(ctx->conf, 0, st_r, &err) < 0) {
		fprintf(stderr, "%s %s: %s\n", P, cmd, err.internal);
		return err.cls == MS_E_TEMP ? MS_EX_TEMPFAIL : MS_EX_CONFIG;
	}
	if (ms_pfs_owner_is_me(ms_store_part(*st_r, 0)->fs, NULL) != 1) {
		ms_store_close(*st_r);
		return not_manager(cmd);
	}
	return 0;
}

int
ms_cli_json_print(const char *cmd, const struct ms_json *j,
		  const struct ms_buf *b)
{
	if (ms_json_finish(j) < 0) {
		fprintf(stderr, "%s %s: cannot write the JSON output\n", P,
			cmd);
		return MS_EX_SOFTWARE;
	}
	fwrite(b->data, 1, b->len, stdout);
	fputc('\n', stdout);
	return MS_EX_OK;
}

int
ms_cli_parse_u64(const char *s, int is_size, uint64_t *v_r)
{
	size_t len = strlen(s);
	unsigned shift = 0;
	uint64_t v;

	if (is_size && len > 1) {
		switch (s[len - 1]) {
		case 'k': case 'K': shift = 10; break;
		case 'm': case 'M': shift = 20; break;
		case 'g': case 'G': shift = 30; break;
		case 't': case 'T': shift = 40; break;
		default: break;
		}
		if (shift > 0)
			len--;
	}
	if (ms_str_to_u64(ms_str_make(s, len), UINT64_MAX, &v) < 0 ||
	    (shift > 0 && v > (UINT64_MAX >> shift)))
		return -1;
	*v_r = v << shift;
	return 0;
}

/*
 * Read one line (the password) from standard input into buf, without
 * its line end.  stdin is made unbuffered first so the bytes exist only
 * in buf, which the caller wipes.  0, or -1 after printing why.
 */
static int
read_password(const char *cmd, char *buf, size_t size)
{
	size_t n = 0;
	int c;

	(void)setvbuf(stdin, NULL, _IONBF, 0);
	while ((c = getc(stdin)) != EOF && c != '\n') {
		if (n + 1 >= size) {
			/* drain the rest of the line, keep nothing */
			while ((c = getc(stdin)) != EOF && c != '\n')
				;
			ms_memzero_explicit(buf, size);
			fprintf(stderr, "%s %s: password too long (at most "
				"%d bytes)\n", P, cmd, (int)(size - 2));
			return -1;
		}
		buf[n++] = (char)c;
	}
	if (n > 0 && buf[n - 1] == '\r')
		n--;
	buf[n] = '\0';
	if (ferror(stdin)) {
		ms_memzero_explicit(buf, size);
		fprintf(stderr, "%s %s: cannot read the password from standard "
			"input\n", P, cmd);
		return -1;
	}
	if (n == 0) {
		fprintf(stderr, "%s %s: no password on standard input\n", P,
			cmd);
		return -1;
	}
	return 0;
}

/* The password of create and passwd: only with --password-stdin
   (pw_stdin), then read_password().  0, or prints why and returns the
   exit status. */
static int
stdin_password(const char *cmd, int pw_stdin, char *buf, size_t size)
{
	if (!pw_stdin) {
		fprintf(stderr, "%s %s: --password-stdin is required (passwords"
			" are never taken from the command line)\n", P, cmd);
		return MS_EX_USAGE;
	}
	return read_password(cmd, buf, size) < 0 ? MS_EX_DATAERR : 0;
}

/* ======================================================================
 * account create / delete
 * ====================================================================== */

static int
create_acct(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	if (ms_api_acct_create(api, w[0], arg, err) < 0)
		return -1;
	printf("created %s\n", w[0]);
	return MS_EX_OK;
}

static int
cmd_create(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account create";
	const char *quota = NULL, *qmsgs = NULL, *flags = NULL, *svcs = NULL;
	const char *fullname = NULL, *subdomain = NULL, *part = NULL;
	int pw_stdin = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--password-stdin", 0, NULL, &pw_stdin },
		{ "--quota", 1, &quota, NULL },
		{ "--quota-messages", 1, &qmsgs, NULL },
		{ "--flags", 1, &flags, NULL },
		{ "--services", 1, &svcs, NULL },
		{ "--fullname", 1, &fullname, NULL },
		{ "--subdomain", 1, &subdomain, NULL },
		{ "--partition", 1, &part, NULL },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_acct_new o;
	char *pos[1];
	char pw[MS_PASSWD_MAX + 2];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	ms_api_acct_new_init(&o);
	o.fullname = fullname;
	o.subdomain = subdomain;
	o.partition = part;
	if (quota != NULL && ms_cli_parse_u64(quota, 1, &o.quota_bytes) < 0) {
		fprintf(stderr, "%s %s: bad --quota '%s'\n", P, cmd, quota);
		return MS_EX_USAGE;
	}
	if (qmsgs != NULL &&
	    ms_cli_parse_u64(qmsgs, 0, &o.quota_messages) < 0) {
		fprintf(stderr, "%s %s: bad --quota-messages '%s'\n", P, cmd,
			qmsgs);
		return MS_EX_USAGE;
	}
	if (flags != NULL && ms_api_flags_parse(flags, &o.flags) < 0) {
		fprintf(stderr, "%s %s: bad --flags '%s' (manage, disabled, "
			"lockpwd)\n", P, cmd, flags);
		return MS_EX_USAGE;
	}
	if (svcs != NULL && strcmp(svcs, "none") == 0)
		o.services = 0;
	else if (svcs != NULL && ms_api_services_parse(svcs, &o.services) < 0) {
		fprintf(stderr, "%s %s: bad --services '%s' (imap, pop, "
			"none)\n", P, cmd, svcs);
		return MS_EX_USAGE;
	}
	if ((rc = stdin_password(cmd, pw_stdin, pw, sizeof(pw))) != 0)
		return rc;
	o.password = pw;
	rc = ms_cli_call(ctx, cmd, MS_API_CREATE, pos, 0, create_acct, &o);
	ms_memzero_explicit(pw, sizeof(pw));
	return rc;
}

static int
delete_acct(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_acct_delete(api, w[0], err) < 0)
		return -1;
	printf("deleted %s\n", w[0]);
	return MS_EX_OK;
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account delete";
	int yes = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--yes", 0, NULL, &yes },
		{ NULL, 0, NULL, NULL }
	};
	char *pos[1];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	if (!yes) {
		fprintf(stderr, "%s %s: this deletes %s and all its mail; add "
			"--yes to do it\n", P, cmd, pos[0]);
		return MS_EX_USAGE;
	}
	return ms_cli_call(ctx, cmd, 0, pos, 0, delete_acct, NULL);
}

/* ======================================================================
 * account show / list
 * ====================================================================== */

static void
show_limit(const char *label, uint64_t v)
{
	if (v == 0)
		printf("%-16s none\n", label);
	else
		printf("%-16s %llu\n", label, (unsigned long long)v);
}

static void
show_text(const struct ms_api_acct_info *info)
{
	char fl[64], sv[64];

	ms_api_flags_str(info->flags, fl, sizeof(fl));
	ms_api_services_str(info->services, sv, sizeof(sv));
	printf("%-16s %s\n", "name:", info->name);
	printf("%-16s %s\n", "domain:", info->domain);
	printf("%-16s %s\n", "fullname:", info->fullname);
	printf("%-16s %s\n", "subdomain:", info->subdomain);
	printf("%-16s %s\n", "partition:", info->partition);
	printf("%-16s %s\n", "created:", info->created);
	printf("%-16s %s\n", "last login:", info->last_login[0] != '\0' ?
	       info->last_login : "never");
	printf("%-16s %s\n", "flags:", fl[0] != '\0' ? fl : "none");
	printf("%-16s %s\n", "services:", sv[0] != '\0' ? sv : "none");
	printf("%-16s %s\n", "password:", info->has_password ? "set" : "none");
	show_limit("quota bytes:", info->quota_bytes);
	show_limit("quota messages:", info->quota_messages);
	printf("%-16s %llu\n", "used bytes:",
	       (unsigned long long)info->used_bytes);
	printf("%-16s %llu\n", "used messages:",
	       (unsigned long long)info->used_messages);
}

static int
show_acct(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	return ms_api_acct_show(api, w[0], arg, err);
}

static int
cmd_show(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account show";
	int json = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_acct_info *info;
	char *pos[1];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	info = MS_PNEW(ctx->pool, struct ms_api_acct_info, 1);
	if ((rc = ms_cli_call(ctx, cmd, 0, pos, 0, show_acct, info)) != 0)
		return rc;
	if (json) {
		struct ms_buf b;
		struct ms_json j;

		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_apij_acct(&j, info);
		return ms_cli_json_print(cmd, &j, &b);
	}
	show_text(info);
	return MS_EX_OK;
}

/* One page of `account list`. */
struct acct_page {
	struct ms_api_list_opts lo;
	char **names;
	size_t n;
	int more;
};

static int
list_accts(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	struct acct_page *pg = arg;

	(void)w;
	return ms_api_acct_list_array(api, &pg->lo, &pg->names, &pg->n,
				      &pg->more, err);
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account list";
	const char *limit = NULL;
	int json = 0, rc;
	struct acct_page pg;
	const struct ms_cli_opt opts[] = {
		{ "--domain", 1, &pg.lo.domain, NULL },
		{ "--after", 1, &pg.lo.after, NULL },
		{ "--limit", 1, &limit, NULL },
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	uint64_t lim = 0;
	size_t i;

	memset(&pg, 0, sizeof(pg));
	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, NULL, 0, 0, NULL)) != 0)
		return rc;
	if (limit != NULL && (ms_cli_parse_u64(limit, 0, &lim) < 0 ||
			      lim == 0 || lim > 1000000000u)) {
		fprintf(stderr, "%s %s: bad --limit '%s' (1 or more)\n", P, cmd,
			limit);
		return MS_EX_USAGE;
	}
	pg.lo.limit = (size_t)lim;
	if ((rc = ms_cli_call(ctx, cmd, 0, NULL, -1, list_accts, &pg)) != 0)
		return rc;
	if (json) {
		struct ms_buf b;
		struct ms_json j;

		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_json_obj_begin(&j);
		ms_json_key(&j, "accounts");
		ms_json_arr_begin(&j);
		for (i = 0; i < pg.n; i++)
			ms_json_str(&j, pg.names[i]);
		ms_json_arr_end(&j);
		ms_json_kbool(&j, "more", pg.more);
		ms_json_obj_end(&j);
		rc = ms_cli_json_print(cmd, &j, &b);
	} else {
		for (i = 0; i < pg.n; i++)
			printf("%s\n", pg.names[i]);
		if (pg.more && pg.n > 0)
			fprintf(stderr, "%s %s: more accounts follow: use "
				"--after %s\n", P, cmd, pg.names[pg.n - 1]);
	}
	ms_api_free(pg.names);
	return rc;
}

/* ======================================================================
 * account passwd / quota / flags / services / fullname / subdomain / move
 * ====================================================================== */

static int
set_passwd(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	if (ms_api_acct_passwd(api, w[0], arg, err) < 0)
		return -1;
	printf("password of %s changed\n", w[0]);
	return MS_EX_OK;
}

static int
cmd_passwd(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account passwd";
	int pw_stdin = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--password-stdin", 0, NULL, &pw_stdin },
		{ NULL, 0, NULL, NULL }
	};
	char *pos[1], pw[MS_PASSWD_MAX + 2];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	if ((rc = stdin_password(cmd, pw_stdin, pw, sizeof(pw))) != 0)
		return rc;
	rc = ms_cli_call(ctx, cmd, 0, pos, 0, set_passwd, pw);
	ms_memzero_explicit(pw, sizeof(pw));
	return rc;
}

static int
set_quota(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const uint64_t *lim = arg;      /* bytes, messages */

	return ms_api_acct_quota(api, w[0], lim[0], lim[1], err);
}

static int
cmd_quota(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account quota";
	uint64_t lim[2] = { 0, 0 };
	char *pos[3];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 3, &npos)) != 0)
		return rc;
	if (ms_cli_parse_u64(pos[1], 1, &lim[0]) < 0 ||
	    (npos > 2 && ms_cli_parse_u64(pos[2], 0, &lim[1]) < 0)) {
		fprintf(stderr, "%s %s: bad number (BYTES with k, M, G, T; "
			"MESSAGES; 0 = no limit)\n", P, cmd);
		return MS_EX_USAGE;
	}
	return ms_cli_call(ctx, cmd, 0, pos, 0, set_quota, lim);
}

/* What `account flags` sets and clears (MS_API_AF_*). */
struct flag_change {
	unsigned set, clear;
};

static int
set_flags(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const struct flag_change *fc = arg;

	return ms_api_acct_flags(api, w[0], fc->set, fc->clear, err);
}

/* `account flags ADDRESS [+|-]FLAG...`: "-lockpwd" looks like an option,
   so these arguments are read as they are, without ms_cli_getopt(). */
static int
cmd_flags(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account flags";
	struct flag_change fc = { 0, 0 };
	unsigned bits;
	int i;

	if (argc < 2) {
		fprintf(stderr, "%s %s: usage: %s %s ADDRESS [+|-]FLAG...\n",
			P, cmd, P, cmd);
		return MS_EX_USAGE;
	}
	for (i = 1; i < argc; i++) {
		const char *w = argv[i];
		int minus = w[0] == '-';

		if (w[0] == '+' || w[0] == '-')
			w++;
		if (w[0] == '\0' || ms_api_flags_parse(w, &bits) < 0 ||
		    bits == 0) {
			fprintf(stderr, "%s %s: bad flag '%s' (manage, "
				"disabled, lockpwd, with + or -)\n", P, cmd,
				argv[i]);
			return MS_EX_USAGE;
		}
		if (minus) {
			fc.clear |= bits;
			fc.set &= ~bits;
		} else {
			fc.set |= bits;
			fc.clear &= ~bits;
		}
	}
	return ms_cli_call(ctx, cmd, 0, argv, 0, set_flags, &fc);
}

static int
set_services(struct ms_api *api, char **w, void *arg,
	     struct ms_api_err *err)
{
	return ms_api_acct_services(api, w[0], *(const unsigned *)arg, err);
}

static int
cmd_services(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "account services";
	unsigned svc = 0;
	char *pos[2];
	int rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	if (strcmp(pos[1], "none") != 0 &&
	    (ms_api_services_parse(pos[1], &svc) < 0 || svc == 0)) {
		fprintf(stderr, "%s %s: bad services '%s' (imap,pop, imap, "
			"pop or none)\n", P, cmd, pos[1]);
		return MS_EX_USAGE;
	}
	return ms_cli_call(ctx, cmd, 0, pos, 0, set_services, &svc);
}

static int
set_fullname(struct ms_api *api, char **w, void *arg,
	     struct ms_api_err *err)
{
	(void)arg;
	return ms_api_acct_fullname(api, w[0], w[1], err);
}

static int
cmd_fullname(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "account fullname", argc, argv, 2, 0,
			  set_fullname);
}

static int
set_subdomain(struct ms_api *api, char **w, void *arg,
	      struct ms_api_err *err)
{
	(void)arg;
	return ms_api_acct_subdomain(api, w[0], w[1], err);
}

static int
cmd_subdomain(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "account subdomain", argc, argv, 2, 0,
			  set_subdomain);
}

static int
move_acct(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_acct_move(api, w[0], w[1], err) < 0)
		return -1;
	printf("moved %s to %s\n", w[0], w[1]);
	return MS_EX_OK;
}

static int
cmd_move(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "account move", argc, argv, 2, 0, move_acct);
}

/* ======================================================================
 * stats
 * ====================================================================== */

/* What `stats` asks for: the output form, and where to build it. */
struct stats_req {
	const char *cmd;
	int json;
	struct ms_pool *pool;
};

static void
stats_text(const struct ms_api_stats *s)
{
	size_t i;

	printf("accounts: %llu (imap %llu, pop %llu)\n",
	       (unsigned long long)s->accounts,
	       (unsigned long long)s->imap,
	       (unsigned long long)s->pop);
	for (i = 0; i < s->nparts; i++) {
		const struct ms_api_part_stats *p = &s->part[i];

		printf("partition %s (%s): %llu accounts (imap %llu, "
		       "pop %llu)", p->name, p->path,
		       (unsigned long long)p->accounts,
		       (unsigned long long)p->imap,
		       (unsigned long long)p->pop);
		if (p->space_known)
			printf(", %llu of %llu bytes free",
			       (unsigned long long)p->free_bytes,
			       (unsigned long long)p->total_bytes);
		printf("\n");
	}
}

/* Printed while the store is open: the partitions' paths belong to it. */
static int
print_stats(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const struct stats_req *q = arg;
	struct ms_api_stats *s = MS_PNEW(q->pool, struct ms_api_stats, 1);

	(void)w;
	if (ms_api_stats(api, s, err) < 0)
		return -1;
	if (q->json) {
		struct ms_buf b;
		struct ms_json j;

		ms_buf_init(&b, q->pool, 0);
		ms_json_init(&j, &b);
		ms_apij_stats(&j, s);
		return ms_cli_json_print(q->cmd, &j, &b);
	}
	stats_text(s);
	return MS_EX_OK;
}

static int
cmd_stats(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "stats";
	struct stats_req q;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &q.json },
		{ NULL, 0, NULL, NULL }
	};
	int rc;

	q.cmd = cmd;
	q.json = 0;
	q.pool = ctx->pool;
	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, NULL, 0, 0, NULL)) != 0)
		return rc;
	return ms_cli_call(ctx, cmd, 0, NULL, -1, print_stats, &q);
}
