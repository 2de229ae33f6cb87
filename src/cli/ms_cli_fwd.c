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

/* Print the entry of address as it is now (after a change). */
static void
print_current(struct ms_api *api, const char *address)
{
	struct ms_api_fwd *f;
	struct ms_api_err err;

	if (ms_api_forward_get(api, address, &f, &err) == 0) {
		print_line(f);
		ms_api_free(f);
	}
}

/* ======================================================================
 * forward add / delete / keep
 * ====================================================================== */

static int
cmd_add(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward add";
	int keep = 0, npos, rc;
	const struct ms_cli_opt opts[] = {
		{ "--keep", 0, NULL, &keep },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_err err;
	struct ms_api *api;
	char **pos = MS_PNEW(ctx->pool, char *, (size_t)argc + 1);

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, argc,
				&npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, MS_API_CREATE, &api)) != 0)
		return rc;
	if (ms_api_forward_add(api, pos[0], (const char *const *)(pos + 1),
			       (size_t)npos - 1, keep ? 1 :
			       MS_API_FWD_KEEP_SAME, NULL, &err) < 0)
		rc = ms_cli_fail(cmd, pos[0], &err);
	else
		print_current(api, pos[0]);
	ms_api_close(api);
	return rc;
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward delete";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char **pos = MS_PNEW(ctx->pool, char *, (size_t)argc + 1);
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, argc,
				&npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_forward_delete(api, pos[0],
				  (const char *const *)(pos + 1),
				  (size_t)npos - 1, &err) < 0) {
		rc = ms_cli_fail(cmd, pos[0], &err);
	} else if (npos == 1) {
		printf("deleted the forward of %s\n", pos[0]);
	} else {
		struct ms_api_fwd *f;
		int r = ms_api_forward_get(api, pos[0], &f, &err);

		if (r == 0) {
			print_line(f);
			ms_api_free(f);
		} else if (r == 1) {
			printf("deleted the forward of %s (no target left)\n",
			       pos[0]);
		}
	}
	ms_api_close(api);
	return rc;
}

static int
cmd_keep(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward keep";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[2];
	int npos, rc, keep;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, &npos)) != 0)
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
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_forward_keep(api, pos[0], keep, &err) < 0)
		rc = ms_cli_fail(cmd, pos[0], &err);
	else
		print_current(api, pos[0]);
	ms_api_close(api);
	return rc;
}

/* ======================================================================
 * forward show / list
 * ====================================================================== */

static int
cmd_show(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward show";
	int json = 0, npos, rc, r;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_fwd *f;
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[1];
	size_t i;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	r = ms_api_forward_get(api, pos[0], &f, &err);
	ms_api_close(api);
	if (r < 0)
		return ms_cli_fail(cmd, pos[0], &err);
	if (r == 1) {
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
		rc = MS_EX_OK;
	}
	ms_api_free(f);
	return rc;
}

struct list_out {
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
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "forward list";
	const char *limit = NULL, *after = NULL;
	int json = 0, npos, more = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--after", 1, &after, NULL },
		{ "--limit", 1, &limit, NULL },
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_err err;
	struct ms_api *api;
	struct list_out o;
	struct ms_buf b;
	struct ms_json j;
	uint64_t lim = 0;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, NULL, 0, 0, &npos)) != 0)
		return rc;
	if (limit != NULL && (ms_cli_parse_u64(limit, 0, &lim) < 0 ||
			      lim == 0 || lim > 1000000000u)) {
		fprintf(stderr, "%s %s: bad --limit '%s' (1 or more)\n", P, cmd,
			limit);
		return MS_EX_USAGE;
	}
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.pool = ctx->pool;
	if (json) {
		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_json_obj_begin(&j);
		ms_json_key(&j, "forwards");
		ms_json_arr_begin(&j);
		o.j = &j;
	}
	if (ms_api_forward_list(api, after, (size_t)lim, list_cb, &o, &more,
				&err) < 0) {
		rc = ms_cli_fail(cmd, NULL, &err);
		ms_api_close(api);
		return rc;
	}
	ms_api_close(api);
	if (json) {
		ms_json_arr_end(&j);
		ms_json_kbool(&j, "more", more);
		ms_json_obj_end(&j);
		return ms_cli_json_print(cmd, &j, &b);
	}
	if (more && o.last != NULL)
		fprintf(stderr, "%s %s: more forwards follow: use --after %s\n",
			P, cmd, o.last);
	return MS_EX_OK;
}
