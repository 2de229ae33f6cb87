/*
 * ms_cli_deliver.c -- `msgstore deliver [-f SENDER] [-m FOLDER] ADDRESS...
 * < message`: local delivery for an MTA (Postfix mailbox_command,
 * sendmail's local mailer, procmail-style pipes).
 *
 * The message is read from standard input once, into memory, bounded by
 * deliver.max_size (a larger one: exit 65 EX_DATAERR, the input's fault
 * and not worth retrying), then delivered to each address: into FOLDER
 * when that mailbox exists, else INBOX.  Nothing is printed on success.
 * Exit status (sysexits.h): 0 all delivered; otherwise one line per
 * failed address on stderr and, if any failure was temporary, 75
 * EX_TEMPFAIL (over quota is temporary unless deliver.quota_tempfail =
 * no), else the status of the first failure (67 EX_NOUSER for an
 * unknown account, 73 EX_CANTCREAT for a permanent over quota, ...).
 * An MTA that retries on 75 redelivers to every address, so it should
 * call deliver once per recipient (as LMTP will do) when that matters.
 *
 * Each address goes through the same delivery path as LMTP
 * (ms_api_deliver: forwarding, subaddresses, Return-Path and Delivered-To,
 * the Sieve hook in src/lmtp/ms_dlv.c).
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "msgstore.h"
#include "ms_buf.h"
#include "ms_opts.h"
#include "ms_pool.h"

#include <stdio.h>
#include <string.h>

#define P       MS_CLI_PROG

static int cmd_deliver(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_deliver_cmds[] = {
	{ "deliver", "[-f SENDER] [-m FOLDER] ADDRESS... < message",
	  "deliver a message from standard input (sysexits status)",
	  MS_CLI_CONF, cmd_deliver },
	{ NULL, NULL, NULL, 0, NULL }
};

/* Most addresses in one call. */
#define DELIVER_MAX_RCPT        1000

/*
 * Read all of standard input into b, at most max bytes: 0, 1 when there
 * was more than max, -1 on a read error.
 */
static int
read_stdin(struct ms_buf *b, uint64_t max)
{
	unsigned char *p;
	size_t n, chunk;

	for (;;) {
		chunk = b->max - b->len;
		if (chunk == 0)
			return 1;
		if (chunk > 65536)
			chunk = 65536;
		p = ms_buf_reserve(b, chunk);
		if (p == NULL)
			return 1;
		n = fread(p, 1, chunk, stdin);
		ms_buf_commit(b, n);
		if ((uint64_t)b->len > max)
			return 1;
		if (n < chunk) {
			if (ferror(stdin))
				return -1;
			if (feof(stdin))
				return 0;
		}
	}
}

static int
cmd_deliver(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	static const char cmd[] = "deliver";
	const char *sender = NULL, *folder = NULL;
	int npos, rc, i, r, first_fail = 0, any_temp = 0;
	const struct ms_cli_opt opts[] = {
		{ "-f", 1, &sender, NULL },
		{ "-m", 1, &folder, NULL },
		{ NULL, 0, NULL, NULL }
	};
	struct ms_api_msg msg;
	struct ms_api_err err;
	struct ms_api *api;
	struct ms_buf b;
	uint64_t max;
	char **pos;

	pos = MS_PNEW(ctx->pool, char *, DELIVER_MAX_RCPT);
	if ((rc = ms_cli_getopt(cmd, opts, argc, argv, pos, 1,
				DELIVER_MAX_RCPT, &npos)) != 0)
		return rc;
	if ((rc = ms_cli_store_open(ctx, cmd, 0, &api)) != 0)
		return rc == MS_EX_CONFIG ? rc : MS_EX_TEMPFAIL;
	max = ms_api_deliver_max(api);
	/* +1: a message of exactly max bytes is fine, one more is not */
	ms_buf_init(&b, NULL, max < (uint64_t)SIZE_MAX - 1 ?
		    (size_t)max + 1 : SIZE_MAX - 1);
	r = read_stdin(&b, max);
	if (r != 0) {
		if (r > 0)
			fprintf(stderr, "%s %s: message too large (more than "
				"%llu bytes, deliver.max_size)\n", P, cmd,
				(unsigned long long)max);
		else
			fprintf(stderr, "%s %s: cannot read the message from "
				"standard input\n", P, cmd);
		ms_buf_free(&b);
		ms_api_close(api);
		return r > 0 ? MS_EX_DATAERR : MS_EX_TEMPFAIL;
	}
	memset(&msg, 0, sizeof(msg));
	msg.data = b.data;
	msg.len = b.len;
	msg.sender = sender;
	msg.folder = folder;
	for (i = 0; i < npos; i++) {
		if (ms_api_deliver(api, pos[i], &msg, NULL, &err) == 0)
			continue;
		r = ms_cli_fail(cmd, pos[i], &err);
		if (r == MS_EX_TEMPFAIL)
			any_temp = 1;
		if (first_fail == 0)
			first_fail = r;
	}
	ms_buf_free(&b);
	ms_api_close(api);
	if (any_temp)
		return MS_EX_TEMPFAIL;
	return first_fail;
}
