/*
 * ms_cli_sieve.c -- `msgstore sieve ...`: an account's Sieve scripts
 * (put from standard input, get, list, activate, deactivate, delete,
 * rename) and `sieve check` of a script on standard input.
 *
 * Every command is one call of the public API (msgstore.h,
 * ms_api_sieve_*); errors are one line on stderr and a sysexits status
 * (ms_api_sysexit(): 65 a bad name or script, 66 no such script, 67 no
 * such account, 73 over a limit, 77 the active script, 75 a lock or
 * I/O).  Human output by default, --json for list.
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
/* Most a script read from stdin may be (the engine's own limit). */
#define SCRIPT_MAX      ((size_t)1024 * 1024)

static int cmd_put(struct ms_cli_ctx *, int, char **);
static int cmd_get(struct ms_cli_ctx *, int, char **);
static int cmd_list(struct ms_cli_ctx *, int, char **);
static int cmd_activate(struct ms_cli_ctx *, int, char **);
static int cmd_deactivate(struct ms_cli_ctx *, int, char **);
static int cmd_delete(struct ms_cli_ctx *, int, char **);
static int cmd_rename(struct ms_cli_ctx *, int, char **);
static int cmd_check(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_sieve_cmds[] = {
	{ "sieve put", "ACCOUNT NAME < FILE",
	  "store a Sieve script (checked first; replaces one of that name)",
	  MS_CLI_CONF, cmd_put },
	{ "sieve get", "ACCOUNT NAME", "print a Sieve script",
	  MS_CLI_CONF, cmd_get },
	{ "sieve list", "ACCOUNT [--json]",
	  "list an account's Sieve scripts (* marks the active one)",
	  MS_CLI_CONF, cmd_list },
	{ "sieve activate", "ACCOUNT NAME",
	  "make a Sieve script the active one", MS_CLI_CONF, cmd_activate },
	{ "sieve deactivate", "ACCOUNT",
	  "leave the account without an active Sieve script", MS_CLI_CONF,
	  cmd_deactivate },
	{ "sieve delete", "ACCOUNT NAME",
	  "delete a Sieve script (not the active one)", MS_CLI_CONF,
	  cmd_delete },
	{ "sieve rename", "ACCOUNT NAME NEWNAME", "rename a Sieve script",
	  MS_CLI_CONF, cmd_rename },
	{ "sieve check", "< FILE", "check a Sieve script without storing it",
	  0, cmd_check },
	{ NULL, NULL, NULL, 0, NULL }
};

/* Read all of stdin into b (at most SCRIPT_MAX bytes): 0, or prints why
   and returns the exit status. */
static int
read_stdin(const char *cmd, struct ms_buf *b)
{
	char chunk[8192];
	size_t n;

	while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0) {
		if (b->len + n > SCRIPT_MAX ||
		    ms_buf_append(b, chunk, n) < 0) {
			fprintf(stderr, "%s %s: script too large (at most %lu "
				"bytes)\n", P, cmd, (unsigned long)SCRIPT_MAX);
			return MS_EX_DATAERR;
		}
	}
	if (ferror(stdin)) {
		fprintf(stderr, "%s %s: cannot read standard input\n", P, cmd);
		return MS_EX_IOERR;
	}
	return 0;
}

static int
cmd_put(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve put";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	struct ms_buf b;
	char *pos[2];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, &npos)) != 0)
		return rc;
	ms_buf_init(&b, ctx->pool, SCRIPT_MAX + 1);
	if ((rc = read_stdin(cmd, &b)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_sieve_put(api, pos[0], pos[1], (const char *)b.data, b.len,
			     &err) < 0)
		rc = ms_cli_fail(cmd, pos[1], &err);
	else
		printf("stored script '%s' of %s (%lu bytes)\n", pos[1],
		       pos[0], (unsigned long)b.len);
	ms_api_close(api);
	return rc;
}

static int
cmd_get(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve get";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[2], *text;
	size_t len;
	int npos, rc, r;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	r = ms_api_sieve_get(api, pos[0], pos[1], &text, &len, &err);
	ms_api_close(api);
	if (r < 0)
		return ms_cli_fail(cmd, pos[1], &err);
	if (r == 1) {
		fprintf(stderr, "%s %s: %s: no such script\n", P, cmd, pos[1]);
		return MS_EX_NOINPUT;
	}
	if (len > 0 && fwrite(text, 1, len, stdout) != len)
		rc = MS_EX_IOERR;
	ms_api_free(text);
	return rc;
}

struct list_out {
	struct ms_json *j;              /* NULL: human output */
	size_t n;
};

static int
list_cb(void *ctx, const struct ms_api_sieve *s)
{
	struct list_out *o = ctx;

	if (o->j != NULL) {
		ms_apij_sieve(o->j, s);
	} else {
		printf("%s %s (%llu bytes)\n", s->active ? "*" : " ", s->name,
		       (unsigned long long)s->size);
	}
	o->n++;
	return 0;
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve list";
	int json = 0, npos, rc;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_err err;
	struct ms_api *api;
	struct list_out o;
	struct ms_buf b;
	struct ms_json j;
	char *pos[1];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	if (json) {
		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_json_obj_begin(&j);
		ms_json_kstr(&j, "account", pos[0]);
		ms_json_key(&j, "scripts");
		ms_json_arr_begin(&j);
		o.j = &j;
	}
	if (ms_api_sieve_list(api, pos[0], list_cb, &o, &err) < 0) {
		ms_api_close(api);
		return ms_cli_fail(cmd, pos[0], &err);
	}
	ms_api_close(api);
	if (json) {
		ms_json_arr_end(&j);
		ms_json_obj_end(&j);
		return ms_cli_json_print(cmd, &j, &b);
	}
	if (o.n == 0)
		printf("%s has no Sieve scripts\n", pos[0]);
	return MS_EX_OK;
}

static int
cmd_activate(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve activate";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[2];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, &npos)) != 0)
		return rc;
	if (pos[1][0] == '\0') {
		fprintf(stderr, "%s %s: empty script name (use sieve "
			"deactivate)\n", P, cmd);
		return MS_EX_USAGE;
	}
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_sieve_activate(api, pos[0], pos[1], &err) < 0)
		rc = ms_cli_fail(cmd, pos[1], &err);
	else
		printf("script '%s' of %s is active\n", pos[1], pos[0]);
	ms_api_close(api);
	return rc;
}

static int
cmd_deactivate(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve deactivate";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[1];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_sieve_activate(api, pos[0], "", &err) < 0)
		rc = ms_cli_fail(cmd, pos[0], &err);
	else
		printf("%s has no active script\n", pos[0]);
	ms_api_close(api);
	return rc;
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve delete";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[2];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_sieve_delete(api, pos[0], pos[1], &err) < 0)
		rc = ms_cli_fail(cmd, pos[1], &err);
	else
		printf("deleted script '%s' of %s\n", pos[1], pos[0]);
	ms_api_close(api);
	return rc;
}

static int
cmd_rename(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve rename";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_api_err err;
	struct ms_api *api;
	char *pos[3];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 3, 3, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc;
	if (ms_api_sieve_rename(api, pos[0], pos[1], pos[2], &err) < 0)
		rc = ms_cli_fail(cmd, pos[1], &err);
	else
		printf("renamed script '%s' of %s to '%s'\n", pos[1], pos[0],
		       pos[2]);
	ms_api_close(api);
	return rc;
}

static int
cmd_check(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve check";
	const struct ms_cli_opt opts[] = { { NULL, 0, NULL, NULL } };
	struct ms_buf b;
	char msg[320];
	int npos, rc;

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, NULL, 0, 0, &npos)) != 0)
		return rc;
	ms_buf_init(&b, ctx->pool, SCRIPT_MAX + 1);
	if ((rc = read_stdin(cmd, &b)) != 0)
		return rc;
	if (ms_api_sieve_check((const char *)b.data, b.len, msg,
			       sizeof(msg)) < 0) {
		fprintf(stderr, "%s %s: %s\n", P, cmd, msg);
		return MS_EX_DATAERR;
	}
	printf("script is valid\n");
	return MS_EX_OK;
}
