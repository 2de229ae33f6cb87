/*
 * ms_cli_mbox.c -- `msgstore mailbox ...`: list an account's mailboxes
 * with their counts, create (optionally with a special-use attribute),
 * delete, rename, subscribe and unsubscribe.  Each command is one call
 * of the public API (msgstore.h); names are checked there, so hostile
 * names ("..", control characters, wildcards) are refused with exit 65.
 *
 * `mailbox list ADDRESS --json` is an interface scripts rely on: a JSON
 * array with one object per mailbox holding at least "name", "messages",
 * "unseen" and "size" (bytes); more keys may be added, never removed.
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "msgstore.h"
#include "ms_buf.h"
#include "ms_json.h"
#include "ms_api_json.h"
#include "ms_opts.h"

#include <stdio.h>
#include <string.h>

#define P       MS_CLI_PROG

static int cmd_list(struct ms_cli_ctx *, int, char **);
static int cmd_create(struct ms_cli_ctx *, int, char **);
static int cmd_delete(struct ms_cli_ctx *, int, char **);
static int cmd_rename(struct ms_cli_ctx *, int, char **);
static int cmd_subscribe(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_mbox_cmds[] = {
	{ "mailbox list", "ADDRESS [--json]",
	  "list mailboxes with messages, unseen, size", MS_CLI_CONF,
	  cmd_list },
	{ "mailbox create", "ADDRESS NAME [--special \\Sent]",
	  "create a mailbox ('/' separates levels)", MS_CLI_CONF,
	  cmd_create },
	{ "mailbox delete", "ADDRESS NAME",
	  "delete a mailbox and its messages", MS_CLI_CONF, cmd_delete },
	{ "mailbox rename", "ADDRESS OLD NEW",
	  "rename a mailbox and its children", MS_CLI_CONF, cmd_rename },
	{ "mailbox subscribe", "ADDRESS NAME [--off]",
	  "subscribe to a mailbox (--off: unsubscribe)", MS_CLI_CONF,
	  cmd_subscribe },
	{ NULL, NULL, NULL, 0, NULL }
};

/* The mailboxes of `mailbox list` (one block: free v). */
struct mbox_list {
	struct ms_api_mbox *v;
	size_t n;
};

static int
list_mboxes(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	struct mbox_list *l = arg;

	return ms_api_mbox_list(api, w[0], &l->v, &l->n, err);
}

static void
list_text(const struct mbox_list *l)
{
	const struct ms_api_mbox *v = l->v;
	size_t i;

	printf("%8s %8s %12s %-9s %-3s %s\n", "MESSAGES", "UNSEEN", "SIZE",
	       "SPECIAL", "SUB", "NAME");
	for (i = 0; i < l->n; i++)
		printf("%8lu %8lu %12llu %-9s %-3s %s%s\n",
		       (unsigned long)v[i].messages,
		       (unsigned long)v[i].unseen,
		       (unsigned long long)v[i].size,
		       v[i].special[0] != '\0' ? v[i].special : "-",
		       v[i].subscribed ? "yes" : "no", v[i].name,
		       v[i].damaged ? "  (damaged: run reconstruct)" : "");
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "mailbox list";
	int json = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--json", 0, NULL, &json },
		{ NULL, 0, NULL, NULL }
	};
	struct mbox_list l;
	char *pos[1];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1, 1, NULL)) != 0)
		return rc;
	if ((rc = ms_cli_call(ctx, cmd, 0, pos, 0, list_mboxes, &l)) != 0)
		return rc;
	if (json) {
		struct ms_buf b;
		struct ms_json j;

		ms_buf_init(&b, ctx->pool, 0);
		ms_json_init(&j, &b);
		ms_apij_mboxes(&j, l.v, l.n);
		rc = ms_cli_json_print(cmd, &j, &b);
	} else {
		list_text(&l);
	}
	ms_api_free(l.v);
	return rc;
}

static int
create_mbox(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	const char *const *special = arg;

	return ms_api_mbox_create(api, w[0], w[1], *special, err);
}

static int
cmd_create(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "mailbox create";
	const char *special = NULL;
	int rc;
	const struct ms_cli_opt opts[] = {
		{ "--special", 1, &special, NULL },
		{ NULL, 0, NULL, NULL }
	};
	char *pos[2];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	return ms_cli_call(ctx, cmd, 0, pos, 1, create_mbox, &special);
}

static int
delete_mbox(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	(void)arg;
	return ms_api_mbox_delete(api, w[0], w[1], err);
}

static int
cmd_delete(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "mailbox delete", argc, argv, 2, 1,
			  delete_mbox);
}

static int
rename_mbox(struct ms_api *api, char **w, void *arg, struct ms_api_err *err)
{
	(void)arg;
	return ms_api_mbox_rename(api, w[0], w[1], w[2], err);
}

static int
cmd_rename(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return ms_cli_run(ctx, "mailbox rename", argc, argv, 3, 1,
			  rename_mbox);
}

static int
subscribe_mbox(struct ms_api *api, char **w, void *arg,
	       struct ms_api_err *err)
{
	int off = *(const int *)arg;

	return ms_api_mbox_subscribe(api, w[0], w[1], !off, err);
}

static int
cmd_subscribe(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "mailbox subscribe";
	int off = 0, rc;
	const struct ms_cli_opt opts[] = {
		{ "--off", 0, NULL, &off },
		{ NULL, 0, NULL, NULL }
	};
	char *pos[2];

	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 2, 2, NULL)) != 0)
		return rc;
	return ms_cli_call(ctx, cmd, 0, pos, 1, subscribe_mbox, &off);
}
