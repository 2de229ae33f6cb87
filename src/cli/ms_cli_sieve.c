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

/* The script of `sieve put`. */
static int
put_script(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const struct ms_buf *b = arg;

	if (ms_api_sieve_put(api, w[0], w[1], (const char *)b->data, b->len,
			     err) < 0)
		return -1;
	printf("stored script '%s' of %s (%lu bytes)\n", w[1], w[0],
	       (unsigned long)b->len);
	return MS_EX_OK;
}

static int
cmd_put(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve put";
	struct ms_buf b;
	char *pos[2];
	int rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	ms_buf_init(&b, ctx->pool, SCRIPT_MAX + 1);
	if ((rc = read_stdin(cmd, &b)) != 0)
		return rc;
	return ms_cli_call(ctx, cmd, 0, pos, 1, put_script, &b);
}

/* The text of `sieve get`: NULL when there is no such script. */
struct script {
	char *text;
	size_t len;
};

static int
get_script(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	struct script *s = arg;
	int r = ms_api_sieve_get(api, w[0], w[1], &s->text, &s->len, err);

	if (r == 1)
		s->text = NULL;
	return r < 0 ? -1 : MS_EX_OK;
}

static int
cmd_get(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve get";
	struct script s;
	char *pos[2];
	int rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	if ((rc = ms_cli_call(ctx, cmd, 0, pos, 1, get_script, &s)) != 0)
		return rc;
	if (s.text == NULL) {
		fprintf(stderr, "%s %s: %s: no such script\n", P, cmd, pos[1]);
		return MS_EX_NOINPUT;
	}
	if (s.len > 0 && fwrite(s.text, 1, s.len, stdout) != s.len)
		rc = MS_EX_IOERR;
	ms_api_free(s.text);
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
list_scripts(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	return ms_api_sieve_list(api, w[0], list_cb, arg, err);
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve list";
	int json = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct list_out o;
	struct ms_buf b;
	struct ms_json j;
	char *pos[1];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
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
	if ((rc = ms_cli_call(ctx, cmd, 0, pos, 0, list_scripts, &o)) != 0)
		return rc;
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
activate_script(struct ms_api *api, char **w, void *arg,
		struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_sieve_activate(api, w[0], w[1], err) < 0)
		return -1;
	printf("script '%s' of %s is active\n", w[1], w[0]);
	return MS_EX_OK;
}

static int
cmd_activate(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve activate";
	char *pos[2];
	int rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	if (pos[1][0] == '\0') {
		fprintf(stderr, "%s %s: empty script name (use sieve "
			"deactivate)\n", P, cmd);
		return MS_EX_USAGE;
	}
	return ms_cli_call(ctx, cmd, 0, pos, 1, activate_script, NULL);
}

static int
deactivate_script(struct ms_api *api, char **w, void *arg,
		  struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_sieve_activate(api, w[0], "", err) < 0)
		return -1;
	printf("%s has no active script\n", w[0]);
	return MS_EX_OK;
}

static int
cmd_deactivate(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "sieve deactivate", argc, argv, 1, 0,
			  deactivate_script);
}

static int
delete_script(struct ms_api *api, char **w, void *arg,
	      struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_sieve_delete(api, w[0], w[1], err) < 0)
		return -1;
	printf("deleted script '%s' of %s\n", w[1], w[0]);
	return MS_EX_OK;
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "sieve delete", argc, argv, 2, 1,
			  delete_script);
}

static int
rename_script(struct ms_api *api, char **w, void *arg,
	      struct ms_api_err *err)
{
	(void)arg;
	if (ms_api_sieve_rename(api, w[0], w[1], w[2], err) < 0)
		return -1;
	printf("renamed script '%s' of %s to '%s'\n", w[1], w[0], w[2]);
	return MS_EX_OK;
}

static int
cmd_rename(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "sieve rename", argc, argv, 3, 1,
			  rename_script);
}

static int
cmd_check(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "sieve check";
	struct ms_buf b;
	char msg[320];
	int rc;

	if ((rc = ms_cli_getopt(cmd, NULL, argc, argv, NULL, 0, 0, NULL)) != 0)
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
