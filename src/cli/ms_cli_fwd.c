/*
 * ms_cli_fwd.c -- `msgstore forward ...`: the forwarding database (an
 * address -> up to 64 internal or external addresses, optionally keeping
 * a copy in the address's own account).
 *
 * Every command is one or two calls of the public API (msgstore.h,
 * ms_api_forward_*); errors are one line on stderr and a sysexits status
 * (ms_api_sysexit(): 65 a bad address, 66 no such forward or target, 75
 * a lock or I/O, or a damaged entry).  Human output by default, --json
 * for scripts.
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "msgstore.h"
#include "ms_buf.h"
#include "ms_json.h"
#include "ms_api_json.h"
#include "ms_opts.h"
#include "ms_pool.h"

#include <stdio.h>
#include <string.h>

#define P       MS_CLI_PROG

static int cmd_add(struct ms_cli_ctx *, int, char **);
static int cmd_delete(struct ms_cli_ctx *, int, char **);
static int cmd_list(struct ms_cli_ctx *, int, char **);
static int cmd_show(struct ms_cli_ctx *, int, char **);
static int cmd_keep(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_fwd_cmds[] = {
	{ "forward add", "ADDRESS TARGET... [--keep]",
	  "forward an address to more addresses (--keep: and keep a copy)",
	  MS_CLI_CONF, cmd_add },
	{ "forward delete", "ADDRESS [TARGET...]",
	  "remove targets of a forward, or the whole forward",
	  MS_CLI_CONF, cmd_delete },
	{ "forward list", "[--after ADDRESS] [--limit N] [--json]",
	  "list forwards (sorted, paged)", MS_CLI_CONF, cmd_list },
	{ "forward show", "ADDRESS [--json]",
	  "show where an address forwards to", MS_CLI_CONF, cmd_show },
	{ "forward keep", "ADDRESS yes|no",
	  "keep a copy in the address's own account, or not", MS_CLI_CONF,
	  cmd_keep },
	{ NULL, NULL, NULL, 0, NULL }
};

/* "alice@example.com -> bob@example.org, carol@example.net [keep]" */
static void
print_line(const struct ms_api_fwd *f)
{
	size_t i;

	printf("%s ->", f->address);
	for (i = 0; i < f->n; i++)
		printf("%s %s", i > 0 ? "," : "", f->to[i]);
	printf("%s\n", f->keep ? " [keep]" : "");
}

/* Print the entry of address as it is now (after a change), if it has
   one; returns what ms_api_forward_get() did (1: no entry left). */
static int
print_current(struct ms_api *api, const char *address)
{
	struct ms_api_fwd *f;
	struct ms_api_err err;
	int r = ms_api_forward_get(api, address, &f, &err);

	if (r == 0) {
		print_line(f);
		ms_api_free(f);
	}
	return r;
}

/* ======================================================================
 * forward add / delete / keep
 * ====================================================================== */

/* The targets and keep flag of `forward add`: w[1..n]. */
struct add_req {
	size_t n;
	int keep;
};

static int
add_fwd(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const struct add_req *q = arg;

	if (ms_api_forward_add(api, w[0], (const char *const *)(w + 1), q->n,
			       q->keep, NULL, err) < 0)
		return -1;
	(void)print_current(api, w[0]);
	return MS_EX_OK;
}

static int
cmd_add(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward add";
	int keep = 0, npos, rc;
	const struct ms_cli_opt opts[] = {
		{ "--keep", 0, NULL, &keep },
		{ NULL, 0, NULL, NULL }
	};
	char **pos = MS_PNEW(ctx->pool, char *, (size_t)argc + 1);
	struct add_req q;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, argc,
				&npos)) != 0)
		return rc;
	q.n = (size_t)npos - 1;
	q.keep = keep ? 1 : MS_API_FWD_KEEP_SAME;
	return ms_cli_call(ctx, cmd, MS_API_CREATE, pos, 0, add_fwd, &q);
}

/* w[1..*arg] are the targets to remove; none: the whole forward. */
static int
delete_fwd(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	size_t n = *(const size_t *)arg;

	if (ms_api_forward_delete(api, w[0], (const char *const *)(w + 1), n,
				  err) < 0)
		return -1;
	if (n == 0)
		printf("deleted the forward of %s\n", w[0]);
	else if (print_current(api, w[0]) == 1)
		printf("deleted the forward of %s (no target left)\n", w[0]);
	return MS_EX_OK;
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward delete";
	char **pos = MS_PNEW(ctx->pool, char *, (size_t)argc + 1);
	size_t n;
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 1, argc,
				&npos)) != 0)
		return rc;
	n = (size_t)npos - 1;
	return ms_cli_call(ctx, cmd, 0, pos, 0, delete_fwd, &n);
}

static int
keep_fwd(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	if (ms_api_forward_keep(api, w[0], *(const int *)arg, err) < 0)
		return -1;
	(void)print_current(api, w[0]);
	return MS_EX_OK;
}

static int
cmd_keep(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward keep";
	char *pos[2];
	int rc, keep;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	if (strcmp(pos[1], "yes") == 0) {
		keep = 1;
	} else if (strcmp(pos[1], "no") == 0) {
		keep = 0;
	} else {
		fprintf(stderr, "%s %s: '%s' is not yes or no\n", P, cmd,
			pos[1]);
		return MS_EX_USAGE;
	}
	return ms_cli_call(ctx, cmd, 0, pos, 0, keep_fwd, &keep);
}

/* ======================================================================
 * forward show / list
 * ====================================================================== */

static int
get_fwd(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	return ms_api_forward_get(api, w[0], arg, err) < 0 ? -1 : MS_EX_OK;
}

static int
cmd_show(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward show";
	int json = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_fwd *f;
	char *pos[1];
	size_t i;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	if ((rc = ms_cli_call(ctx, cmd, 0, pos, 0, get_fwd, &f)) != 0)
		return rc;
	if (f == NULL) {
		fprintf(stderr, "%s %s: %s: no forward\n", P, cmd, pos[0]);
		return MS_EX_NOINPUT;
	}
	if (json) {
		struct ms_buf b;
		struct ms_json j;

		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_apij_fwd(&j, f);
		rc = ms_cli_json_print(cmd, &j, &b);
	} else {
		printf("%-9s %s\n", "address:", f->address);
		printf("%-9s %s\n", "keep:", f->keep ? "yes" : "no");
		for (i = 0; i < f->n; i++)
			printf("%-9s %s\n", "to:", f->to[i]);
	}
	ms_api_free(f);
	return rc;
}

/* A page of `forward list`: what is asked, and how it is printed. */
struct list_out {
	const char *after;              /* --after, or NULL */
	size_t limit;                   /* --limit, or 0 */
	int more;                       /* set: the limit cut the list */
	struct ms_json *j;              /* NULL: human output */
	const char *last;               /* the last address (pool copy) */
	struct ms_pool *pool;
	size_t n;
};

static int
list_cb(void *ctx, const struct ms_api_fwd *f)
{
	struct list_out *o = ctx;

	if (o->j != NULL)
		ms_apij_fwd(o->j, f);
	else
		print_line(f);
	o->last = ms_pstrdup(o->pool, f->address);
	o->n++;
	return 0;
}

static int
list_fwds(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	struct list_out *o = arg;

	(void)w;
	return ms_api_forward_list(api, o->after, o->limit, list_cb, o,
				   &o->more, err);
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward list";
	const char *limit = NULL;
	struct list_out o;
	int json = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--after", 1, &o.after, NULL },
		{ "--limit", 1, &limit, NULL },
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_buf b;
	struct ms_json j;
	uint64_t lim = 0;

	memset(&o, 0, sizeof(o));
	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, NULL, 0, 0, NULL)) != 0)
		return rc;
	if (limit != NULL && (ms_cli_parse_u64(limit, 0, &lim) < 0 ||
			      lim == 0 || lim > 1000000000u)) {
		fprintf(stderr, "%s %s: bad --limit '%s' (1 or more)\n", P, cmd,
			limit);
		return MS_EX_USAGE;
	}
	o.limit = (size_t)lim;
	o.pool = ctx->pool;
	if (json) {
		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_json_obj_begin(&j);
		ms_json_key(&j, "forwards");
		ms_json_arr_begin(&j);
		o.j = &j;
	}
	if ((rc = ms_cli_call(ctx, cmd, 0, NULL, -1, list_fwds, &o)) != 0)
		return rc;
	if (json) {
		ms_json_arr_end(&j);
		ms_json_kbool(&j, "more", o.more);
		ms_json_obj_end(&j);
		return ms_cli_json_print(cmd, &j, &b);
	}
	if (o.more && o.last != NULL)
		fprintf(stderr, "%s %s: more forwards follow: use --after %s\n",
			P, cmd, o.last);
	return MS_EX_OK;
}
