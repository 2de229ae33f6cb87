/*
 * ms_cli_recon.c -- `msgstore reconstruct` and `msgstore check`: the
 * command line over ms_recon_acct.h.  Findings are printed one per line
 * (or as one JSON object with --json); progress lines of store-wide runs
 * go to stderr.
 *
 * Exit status: 0 when the store is consistent (check) or everything
 * found was fixed (reconstruct); 1 when check (or reconstruct --dry-run)
 * found problems, or reconstruct found something it cannot fix (a
 * damaged profile, a home without a profile that holds mail, a second
 * copy of a home); 67 when a named account does not exist; 75 when a
 * lock or I/O failed (try again); 64 for usage errors; 78 configuration.
 */
#include "ms_sys.h"
#include "ms_cli.h"
#include "ms_buf.h"
#include "ms_json.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_opts.h"
#include "ms_recon_acct.h"
#include "ms_store.h"

#include <stdio.h>
#include <string.h>

/* Exit status when problems were found or remain. */
#define RC_EX_PROBLEMS  1

static int cmd_reconstruct(struct ms_cli_ctx *, int, char **);
static int cmd_check(struct ms_cli_ctx *, int, char **);

const struct ms_cli_cmd ms_cli_recon_cmds[] = {
	{ "reconstruct", "ACCOUNT...|--all [--json] [--dry-run] [--force] "
	  "[--restored]",
	  "rebuild indexes, mailbox lists, quota and counters from the files",
	  MS_CLI_CONF, cmd_reconstruct },
	{ "check", "[ACCOUNT...|--all] [--json]",
	  "verify the store's consistency (read-only; exit 1 on problems)",
	  MS_CLI_CONF, cmd_check },
	{ NULL, NULL, NULL, 0, NULL }
};

struct rargs {
	int all, json, dry_run, force, restored;
	int nacct;
	char **acct;
};

/* Options anywhere among the account names; "--" ends them. */
static int
parse_args(const char *cmd, int fix, int argc, char **argv,
	   struct rargs *a)
{
	int i, opts_done = 0;

	memset(a, 0, sizeof(*a));
	a->acct = argv;
	for (i = 0; i < argc; i++) {
		const char *s = argv[i];

		if (!opts_done && strcmp(s, "--") == 0)
			opts_done = 1;
		else if (!opts_done && strcmp(s, "--all") == 0)
			a->all = 1;
		else if (!opts_done && strcmp(s, "--json") == 0)
			a->json = 1;
		else if (!opts_done && fix && strcmp(s, "--dry-run") == 0)
			a->dry_run = 1;
		else if (!opts_done && fix && strcmp(s, "--force") == 0)
			a->force = 1;
		else if (!opts_done && fix && strcmp(s, "--restored") == 0)
			a->restored = 1;
		else if (!opts_done && s[0] == '-') {
			fprintf(stderr, "%s %s: unknown option '%s'\n",
				MS_CLI_PROG, cmd, s);
			return MS_EX_USAGE;
		} else
			a->acct[a->nacct++] = argv[i];
	}
	if (a->all && a->nacct > 0) {
		fprintf(stderr, "%s %s: give accounts or --all, not both\n",
			MS_CLI_PROG, cmd);
		return MS_EX_USAGE;
	}
	if (a->all && a->restored) {
		fprintf(stderr, "%s %s: --restored names the accounts that "
			"came back from a backup, not --all\n", MS_CLI_PROG,
			cmd);
		return MS_EX_USAGE;
	}
	if (!a->all && a->nacct == 0) {
		if (fix) {
			fprintf(stderr, "%s %s: name an account or give "
				"--all\n", MS_CLI_PROG, cmd);
			return MS_EX_USAGE;
		}
		a->all = 1;
	}
	return 0;
}

static void
progress_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "%s\n", line);
	fflush(stderr);
}

static void
print_text(const char *cmd, const struct ms_rc_report *rep)
{
	size_t i;

	for (i = 0; i < rep->n; i++) {
		const struct ms_rc_item *it = &rep->items[i];

		printf("%-7s %s%s%s%s: %s: %s\n",
		       it->fixed ? "fixed" : it->notice ? "notice" : "problem",
		       it->account[0] != '\0' ? it->account : "(store)",
		       it->mailbox != NULL ? " \"" : "",
		       it->mailbox != NULL ? it->mailbox : "",
		       it->mailbox != NULL ? "\"" : "", it->what, it->detail);
	}
	printf("%s: %llu account(s), %llu mailbox(es), %llu message(s); "
	       "%llu fixed, %llu problem(s), %llu error(s), %llu notice(s)\n",
	       cmd, (unsigned long long)rep->accounts,
	       (unsigned long long)rep->mailboxes,
	       (unsigned long long)rep->messages,
	       (unsigned long long)rep->fixed,
	       (unsigned long long)rep->problems,
	       (unsigned long long)rep->errors,
	       (unsigned long long)rep->notices);
}

static int
print_json(const char *cmd, const struct ms_rc_report *rep)
{
	struct ms_buf b;
	struct ms_json j;
	size_t i;
	int rc = 0;

	ms_buf_init(&b, NULL, 0);
	ms_json_init(&j, &b);
	ms_json_obj_begin(&j);
	ms_json_kstr(&j, "command", cmd);
	ms_json_kbool(&j, "ok", rep->problems == 0 && rep->errors == 0);
	ms_json_ku64(&j, "accounts", rep->accounts);
	ms_json_ku64(&j, "accounts_fixed", rep->accounts_fixed);
	ms_json_ku64(&j, "mailboxes", rep->mailboxes);
	ms_json_ku64(&j, "messages", rep->messages);
	ms_json_ku64(&j, "fixed", rep->fixed);
	ms_json_ku64(&j, "problems", rep->problems);
	ms_json_ku64(&j, "errors", rep->errors);
	ms_json_key(&j, "items");
	ms_json_arr_begin(&j);
	for (i = 0; i < rep->n; i++) {
		const struct ms_rc_item *it = &rep->items[i];

		ms_json_obj_begin(&j);
		ms_json_kstr(&j, "account", it->account);
		ms_json_kstr(&j, "mailbox", it->mailbox);
		ms_json_kstr(&j, "what", it->what);
		ms_json_ku64(&j, "count", it->count);
		ms_json_kbool(&j, "fixed", it->fixed);
		ms_json_kbool(&j, "notice", it->notice);
		ms_json_kstr(&j, "detail", it->detail);
		ms_json_obj_end(&j);
	}
	ms_json_arr_end(&j);
	ms_json_ku64(&j, "notices", rep->notices);
	ms_json_obj_end(&j);
	if (ms_json_finish(&j) < 0) {
		fprintf(stderr, "%s %s: JSON output failed\n", MS_CLI_PROG,
			cmd);
		rc = MS_EX_SOFTWARE;
	} else {
		fwrite(b.data, 1, b.len, stdout);
		putchar('\n');
	}
	ms_buf_free(&b);
	return rc;
}

static int
ex_of(enum ms_ecls cls)
{
	switch (cls) {
	case MS_E_NOTFOUND:
		return MS_EX_NOUSER;
	case MS_E_PARAMS:
		return MS_EX_USAGE;
	case MS_E_TEMP:
		return MS_EX_TEMPFAIL;
	case MS_E_CORRUPT:
		return RC_EX_PROBLEMS;
	default:
		return MS_EX_SOFTWARE;
	}
}

/* The worst of two exit statuses: temporary > software > no user >
   usage > problems > ok. */
static int
ex_worse(int a, int b)
{
	static const int order[] = {
		MS_EX_OK, RC_EX_PROBLEMS, MS_EX_USAGE, MS_EX_NOUSER,
		MS_EX_SOFTWARE, MS_EX_TEMPFAIL
	};
	size_t i, ia = 0, ib = 0;

	for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (order[i] == a)
			ia = i;
		if (order[i] == b)
			ib = i;
	}
	return ia >= ib ? a : b;
}

static int
run(struct ms_cli_ctx *ctx, const char *cmd, int fix, int argc, char **argv)
{
	struct ms_rc_opts o;
	struct ms_rc_report *rep;
	struct ms_store *st;
	struct ms_err err;
	struct rargs a;
	int i, rc, ex = MS_EX_OK;

	if ((rc = parse_args(cmd, fix, argc, argv, &a)) != 0)
		return rc;
	if ((rc = ms_cli_store_open_int(ctx, cmd, &st)) != 0)
		return rc;
	ms_rc_opts_init(&o);
	o.dry_run = a.dry_run;
	o.force = a.force;
	o.restored = a.restored;
	o.progress = progress_line;
	rep = ms_rc_report_new();
	if (a.all) {
		rc = fix ? ms_recon_all(st, &o, rep, &err) :
			ms_recon_check_all(st, &o, rep, &err);
		if (rc < 0) {
			fprintf(stderr, "%s %s: %s\n", MS_CLI_PROG, cmd,
				err.internal);
			ex = ex_worse(ex, ex_of(err.cls));
		}
	} else {
		for (i = 0; i < a.nacct; i++) {
			rc = fix ? ms_recon_account(st, a.acct[i], &o, rep,
						    &err) :
				ms_recon_check_account(st, a.acct[i], &o, rep,
						       &err);
			if (rc < 0) {
				fprintf(stderr, "%s %s: %s: %s\n", MS_CLI_PROG,
					cmd, a.acct[i], err.internal);
				ex = ex_worse(ex, ex_of(err.cls));
				if (err.cls != MS_E_CORRUPT)
					rep->errors++;
			}
		}
	}
	if (rep->temp)
		ex = ex_worse(ex, MS_EX_TEMPFAIL);
	else if (a.all && rep->errors > 0)
		ex = ex_worse(ex, MS_EX_SOFTWARE);
	if (rep->problems > 0)
		ex = ex_worse(ex, RC_EX_PROBLEMS);
	if (a.json)
		ex = ex_worse(ex, print_json(cmd, rep));
	else
		print_text(a.dry_run ? "reconstruct --dry-run" : cmd, rep);
	ms_rc_report_free(rep);
	ms_store_close(st);
	return ex;
}

static int
cmd_reconstruct(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "reconstruct", 1, argc, argv);
}

static int
cmd_check(struct ms_cli_ctx *ctx, int argc, char **argv)
{
	return run(ctx, "check", 0, argc, argv);
}
