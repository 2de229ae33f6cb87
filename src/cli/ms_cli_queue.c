/*
 * ms_cli_queue.c -- `msgstore queue list|run|flush`: the outbound queue
 * (ms_outq.h) of mail msgstore sends itself (Sieve vacation replies,
 * redirects, notifications, bounces).  run makes one pass over the due
 * entries, flush over all of them; both relay through relay.host and
 * are safe next to the LMTP service's runner (entries are locked).
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_opts.h"
#include "ms_outq.h"
#include "ms_plat.h"
#include "ms_store.h"

#include <stdio.h>
#include <string.h>

static int cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv);
static int cmd_run(struct ms_cli_ctx *ctx, int argc, char **argv);
static int cmd_flush(struct ms_cli_ctx *ctx, int argc, char **argv);

const struct ms_cli_cmd ms_cli_queue_cmds[] = {
	{ "queue list", "",
	  "list the outbound queue (Sieve replies, redirects, bounces)",
	  MS_CLI_CONF, cmd_list },
	{ "queue run", "",
	  "relay the outbound mail that is due now",
	  MS_CLI_CONF, cmd_run },
	{ "queue flush", "",
	  "relay all outbound mail now, due or not",
	  MS_CLI_CONF, cmd_flush },
	{ NULL, NULL, NULL, 0, NULL }
};

/* Check that there are no arguments and open the store for a manager;
   0 or an exit status. */
static int
open_store(struct ms_cli_ctx *ctx, const char *cmd, int argc,
	   struct ms_store **st_r)
{
	if (argc > 0) {
		fprintf(stderr, "usage: %s %s\n", MS_CLI_PROG, cmd);
		return MS_EX_USAGE;
	}
	return ms_cli_store_open_int(ctx, cmd, st_r);
}

struct lctx {
	unsigned n;
	int64_t now;
};

static int
list_one(void *ctx, const struct ms_outq_info *i)
{
	struct lctx *l = ctx;

	l->n++;
	if (i->is_damaged) {
		printf("%s  damaged (set aside; see the log)\n", i->id);
		return 0;
	}
	printf("%s  %-8s from <%s>  %u/%u done  %lu bytes  queued %lds "
	       "ago  try %u, next in %lds%s%s\n", i->id, i->kind, i->sender,
	       i->ndone, i->nrcpt, (unsigned long)i->size,
	       (long)(l->now - i->queued), i->tries,
	       (long)(i->next_try > l->now ? i->next_try - l->now : 0),
	       i->last_error[0] != '\0' ? "  last error: " : "",
	       i->last_error);
	return 0;
}

static int
cmd_list(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	struct ms_store *st;
	struct ms_err err;
	struct lctx l;
	int rc;

	(void)argv;
	if ((rc = open_store(ctx, "queue list", argc, &st)) != 0)
		return rc;
	l.n = 0;
	l.now = ms_time_sec();
	rc = ms_outq_list(st, list_one, &l, &err);
	ms_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "%s queue list: %s\n", MS_CLI_PROG,
			err.internal);
		return MS_EX_TEMPFAIL;
	}
	if (l.n == 0)
		printf("the outbound queue is empty\n");
	return MS_EX_OK;
}

static int
run(struct ms_cli_ctx *ctx, const char *cmd, int flush, int argc)
{
	struct ms_outq_run_opts o;
	struct ms_outq_stats s;
	struct ms_store *st;
	struct ms_err err;
	int rc;

	if ((rc = open_store(ctx, cmd, argc, &st)) != 0)
		return rc;
	memset(&o, 0, sizeof(o));
	o.flush = flush;
	rc = ms_outq_run(st, ms_time_sec(), &o, &s, &err);
	ms_store_close(st);
	if (rc < 0) {
		fprintf(stderr, "%s %s: %s\n", MS_CLI_PROG, cmd, err.internal);
		return MS_EX_TEMPFAIL;
	}
	printf("%u queued, %u due: %u finished, %u deferred, %u bounces, "
	       "%u busy, %u damaged\n", s.seen, s.due, s.sent, s.deferred,
	       s.bounced, s.busy, s.damaged);
	return s.deferred > 0 || s.busy > 0 ? MS_EX_TEMPFAIL : MS_EX_OK;
}

static int
cmd_run(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	return run(ctx, "queue run", 0, argc);
}

static int
cmd_flush(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	(void)argv;
	return run(ctx, "queue flush", 1, argc);
}
