/*
 * ms_sieve_compile.c -- Sieve compiler: syntax tree -> compiled script.
 *
 * A table names every command and test with its extension, its tags
 * (with their argument types and conflict groups), its positional
 * arguments and whether it takes tests and a block.  Generic code checks
 * a node against its entry (unknown/duplicate/conflicting tags, argument
 * types and counts, the extension required); per-command code then
 * fills in the resolved node (enums, decoded strings, matchers built
 * once).  The result lives in its own pool and is never changed after
 * ms_sieve_compile() returns.  Recursion follows the tree, whose depth
 * the parser bounds (max_nesting).
 */
#include "ms_sys.h"
#include "ms_sieve.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_sieve_int.h"
#include "ms_str.h"
#include "ms_sv_body.h"
#include "ms_sv_date.h"
#include "ms_sv_mailto.h"
#include "ms_utf8.h"

/* ---- extensions ------------------------------------------------------ */

static const char *const ext_names[MS_SVX_COUNT] = {
	"fileinto", "reject", "ereject", "envelope", "encoded-character",
	"imap4flags", "copy", "body", "relational",
	"comparator-i;ascii-numeric", "subaddress", "vacation",
	"vacation-seconds", "variables", "date", "index", "mailbox",
	"regex", "include", "duplicate", "editheader", "spamtest",
	"spamtestplus", "virustest", "environment", "ihave",
	"special-use", "enotify"
};

int
ms_sieve_ext_find(const char *name, size_t len)
{
	struct ms_str n = ms_str_make(name, len);
	int i;

	for (i = 0; i < MS_SVX_COUNT; i++)
		if (ms_str_eq_cstr_ci(n, ext_names[i]) &&
		    strlen(ext_names[i]) == len)
			return i;
	if (ms_str_eq_cstr_ci(n, "comparator-i;octet") ||
	    ms_str_eq_cstr_ci(n, "comparator-i;ascii-casemap"))
		return MS_SVX_BASE;
	return -1;
}

const char *
ms_sieve_extensions(void)
{
	return "fileinto reject ereject envelope encoded-character "
	    "imap4flags copy body relational comparator-i;ascii-numeric "
	    "subaddress vacation vacation-seconds variables date index "
	    "mailbox regex include duplicate editheader spamtest "
	    "spamtestplus virustest environment ihave special-use enotify";
}

const char *
ms_sieve_notify_methods(void)
{
	return "mailto";
}

void
ms_sieve_limits_get(const struct ms_sieve_limits *lim,
		    struct ms_sieve_limits *o)
{
	if (lim != NULL)
		*o = *lim;
	else
		memset(o, 0, sizeof(*o));
	if (o->max_script == 0)
		o->max_script = MS_SIEVE_MAX_SCRIPT;
	if (o->max_nesting == 0)
		o->max_nesting = MS_SIEVE_MAX_NESTING;
	if (o->max_string == 0)
		o->max_string = MS_SIEVE_MAX_STRING;
	if (o->max_list == 0)
		o->max_list = MS_SIEVE_MAX_LIST;
	if (o->max_actions == 0)
		o->max_actions = MS_SIEVE_MAX_ACTIONS;
	if (o->max_redirects == 0)
		o->max_redirects = MS_SIEVE_MAX_REDIRECTS;
	if (o->max_notify == 0)
		o->max_notify = MS_SIEVE_MAX_NOTIFY;
	if (o->max_include == 0)
		o->max_include = MS_SIEVE_MAX_INCLUDE;
	if (o->max_variables == 0)
		o->max_variables = MS_SIEVE_MAX_VARIABLES;
	if (o->max_varsize == 0)
		o->max_varsize = MS_SIEVE_MAX_VARSIZE;
	if (o->max_body == 0)
		o->max_body = MS_SIEVE_MAX_BODY;
	if (o->regex_match == 0)
		o->regex_match = MS_SIEVE_REGEX_MATCH;
	if (o->regex_depth == 0)
		o->regex_depth = MS_SIEVE_REGEX_DEPTH;
	if (o->vacation_min <= 0)
		o->vacation_min = 86400;
	if (o->vacation_max <= 0)
		o->vacation_max = 90 * (int64_t)86400;
	if (o->vacation_max < o->vacation_min)
		o->vacation_max = o->vacation_min;
}

/* ---- the tables ------------------------------------------------------ */

enum argt { A_NONE, A_STR, A_LIST, A_NUM };

enum tagid {
	T_COMPARATOR, T_IS, T_CONTAINS, T_MATCHES, T_REGEX, T_VALUE,
	T_COUNT, T_ALL, T_LOCALPART, T_DOMAIN, T_USER, T_DETAIL, T_OVER,
	T_UNDER, T_RAW, T_CONTENT, T_TEXT, T_INDEX, T_LAST, T_ZONE,
	T_ORIGZONE, T_COPY, T_FLAGS, T_CREATE, T_SPECIALUSE, T_DAYS,
	T_SECONDS, T_SUBJECT, T_FROM, T_ADDRESSES, T_MIME, T_HANDLE,
	T_LOWER, T_UPPER, T_LOWERFIRST, T_UPPERFIRST, T_QUOTEWILD,
	T_QUOTEREGEX, T_LENGTH, T_ONCE, T_OPTIONAL, T_PERSONAL, T_GLOBAL,
	T_PERCENT, T_HEADER, T_UNIQUEID, T_IMPORTANCE, T_OPTIONS,
	T_MESSAGE, T_ENCODEURL, T_MAX
};

enum tgroup {
	G_NONE, G_MATCH, G_APART, G_SIZE, G_BODY, G_ZONE, G_CASE,
	G_CASEFIRST, G_QUOTE, G_DUPID, G_PERIOD, G_INCLOC, G_MAX
};

struct tag_spec {
	const char *name;
	int ext;
	int group;
	int argt;
	int id;
};

#define B MS_SVX_BASE

static const struct tag_spec tags_match[] = {
	{ "comparator", B, G_NONE, A_STR, T_COMPARATOR },
	{ "is", B, G_MATCH, A_NONE, T_IS },
	{ "contains", B, G_MATCH, A_NONE, T_CONTAINS },
	{ "matches", B, G_MATCH, A_NONE, T_MATCHES },
	{ "regex", MS_SVX_REGEX, G_MATCH, A_NONE, T_REGEX },
	{ "value", MS_SVX_RELATIONAL, G_MATCH, A_STR, T_VALUE },
	{ "count", MS_SVX_RELATIONAL, G_MATCH, A_STR, T_COUNT },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_apart[] = {
	{ "all", B, G_APART, A_NONE, T_ALL },
	{ "localpart", B, G_APART, A_NONE, T_LOCALPART },
	{ "domain", B, G_APART, A_NONE, T_DOMAIN },
	{ "user", MS_SVX_SUBADDRESS, G_APART, A_NONE, T_USER },
	{ "detail", MS_SVX_SUBADDRESS, G_APART, A_NONE, T_DETAIL },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_index[] = {
	{ "index", MS_SVX_INDEX, G_NONE, A_NUM, T_INDEX },
	{ "last", MS_SVX_INDEX, G_NONE, A_NONE, T_LAST },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_size[] = {
	{ "over", B, G_SIZE, A_NUM, T_OVER },
	{ "under", B, G_SIZE, A_NUM, T_UNDER },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_body[] = {
	{ "raw", B, G_BODY, A_NONE, T_RAW },
	{ "content", B, G_BODY, A_LIST, T_CONTENT },
	{ "text", B, G_BODY, A_NONE, T_TEXT },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_date[] = {
	{ "zone", B, G_ZONE, A_STR, T_ZONE },
	{ "originalzone", B, G_ZONE, A_NONE, T_ORIGZONE },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_curdate[] = {
	{ "zone", B, G_ZONE, A_STR, T_ZONE },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_store[] = {
	{ "flags", MS_SVX_IMAP4FLAGS, G_NONE, A_LIST, T_FLAGS },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_fileinto[] = {
	{ "copy", MS_SVX_COPY, G_NONE, A_NONE, T_COPY },
	{ "create", MS_SVX_MAILBOX, G_NONE, A_NONE, T_CREATE },
	{ "specialuse", MS_SVX_SPECIALUSE, G_NONE, A_STR, T_SPECIALUSE },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_redirect[] = {
	{ "copy", MS_SVX_COPY, G_NONE, A_NONE, T_COPY },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_vacation[] = {
	{ "days", B, G_PERIOD, A_NUM, T_DAYS },
	{ "seconds", MS_SVX_VACSECONDS, G_PERIOD, A_NUM, T_SECONDS },
	{ "subject", B, G_NONE, A_STR, T_SUBJECT },
	{ "from", B, G_NONE, A_STR, T_FROM },
	{ "addresses", B, G_NONE, A_LIST, T_ADDRESSES },
	{ "mime", B, G_NONE, A_NONE, T_MIME },
	{ "handle", B, G_NONE, A_STR, T_HANDLE },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_set[] = {
	{ "lower", B, G_CASE, A_NONE, T_LOWER },
	{ "upper", B, G_CASE, A_NONE, T_UPPER },
	{ "lowerfirst", B, G_CASEFIRST, A_NONE, T_LOWERFIRST },
	{ "upperfirst", B, G_CASEFIRST, A_NONE, T_UPPERFIRST },
	{ "quotewildcard", B, G_QUOTE, A_NONE, T_QUOTEWILD },
	{ "quoteregex", MS_SVX_REGEX, G_QUOTE, A_NONE, T_QUOTEREGEX },
	{ "length", B, G_NONE, A_NONE, T_LENGTH },
	{ "encodeurl", MS_SVX_ENOTIFY, G_NONE, A_NONE, T_ENCODEURL },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_include[] = {
	{ "personal", B, G_INCLOC, A_NONE, T_PERSONAL },
	{ "global", B, G_INCLOC, A_NONE, T_GLOBAL },
	{ "once", B, G_NONE, A_NONE, T_ONCE },
	{ "optional", B, G_NONE, A_NONE, T_OPTIONAL },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_addheader[] = {
	{ "last", B, G_NONE, A_NONE, T_LAST },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_delheader[] = {
	{ "index", B, G_NONE, A_NUM, T_INDEX },
	{ "last", B, G_NONE, A_NONE, T_LAST },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_spamtest[] = {
	{ "percent", MS_SVX_SPAMTESTPLUS, G_NONE, A_NONE, T_PERCENT },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_duplicate[] = {
	{ "handle", B, G_NONE, A_STR, T_HANDLE },
	{ "header", B, G_DUPID, A_STR, T_HEADER },
	{ "uniqueid", B, G_DUPID, A_STR, T_UNIQUEID },
	{ "seconds", B, G_NONE, A_NUM, T_SECONDS },
	{ "last", B, G_NONE, A_NONE, T_LAST },
	{ NULL, 0, 0, 0, 0 }
};
static const struct tag_spec tags_notify[] = {
	{ "from", B, G_NONE, A_STR, T_FROM },
	{ "importance", B, G_NONE, A_STR, T_IMPORTANCE },
	{ "options", B, G_NONE, A_LIST, T_OPTIONS },
	{ "message", B, G_NONE, A_STR, T_MESSAGE },
	{ NULL, 0, 0, 0, 0 }
};

/* Pseudo kinds for the grammar-only entries. */
#define K_REQUIRE       100
#define K_ELSIF         101
#define K_ELSE          102

/* How many tests a node takes. */
enum { TS_NONE, TS_ONE, TS_LIST };

struct cmd_spec {
	const char *name;
	int ext;
	int is_test;
	int kind;               /* MS_SVC_* / MS_SVT_* / K_* */
	int tests;              /* TS_* */
	int block;              /* 1: a block is required */
	int minpos, maxpos;
	int opt_first;          /* minpos < maxpos: the first is optional */
	char pos[3];            /* enum argt of each positional */
	const struct tag_spec *tags[3];
};

#define S A_STR
#define L A_LIST
#define N A_NUM

static const struct cmd_spec cmds[] = {
	/* commands */
	{ "require", B, 0, K_REQUIRE, TS_NONE, 0, 1, 1, 0, { L },
	  { NULL } },
	{ "if", B, 0, MS_SVC_IF, TS_ONE, 1, 0, 0, 0, { 0 }, { NULL } },
	{ "elsif", B, 0, K_ELSIF, TS_ONE, 1, 0, 0, 0, { 0 }, { NULL } },
	{ "else", B, 0, K_ELSE, TS_NONE, 1, 0, 0, 0, { 0 }, { NULL } },
	{ "stop", B, 0, MS_SVC_STOP, TS_NONE, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "keep", B, 0, MS_SVC_KEEP, TS_NONE, 0, 0, 0, 0, { 0 },
	  { tags_store } },
	{ "discard", B, 0, MS_SVC_DISCARD, TS_NONE, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "redirect", B, 0, MS_SVC_REDIRECT, TS_NONE, 0, 1, 1, 0, { S },
	  { tags_redirect } },
	{ "fileinto", MS_SVX_FILEINTO, 0, MS_SVC_FILEINTO, TS_NONE, 0, 1,
	  1, 0, { S }, { tags_fileinto, tags_store } },
	{ "reject", MS_SVX_REJECT, 0, MS_SVC_REJECT, TS_NONE, 0, 1, 1, 0,
	  { S }, { NULL } },
	{ "ereject", MS_SVX_EREJECT, 0, MS_SVC_EREJECT, TS_NONE, 0, 1, 1,
	  0, { S }, { NULL } },
	{ "setflag", MS_SVX_IMAP4FLAGS, 0, MS_SVC_SETFLAG, TS_NONE, 0, 1,
	  2, 1, { S, L }, { NULL } },
	{ "addflag", MS_SVX_IMAP4FLAGS, 0, MS_SVC_ADDFLAG, TS_NONE, 0, 1,
	  2, 1, { S, L }, { NULL } },
	{ "removeflag", MS_SVX_IMAP4FLAGS, 0, MS_SVC_REMOVEFLAG, TS_NONE,
	  0, 1, 2, 1, { S, L }, { NULL } },
	{ "vacation", MS_SVX_VACATION, 0, MS_SVC_VACATION, TS_NONE, 0, 1,
	  1, 0, { S }, { tags_vacation } },
	{ "set", MS_SVX_VARIABLES, 0, MS_SVC_SET, TS_NONE, 0, 2, 2, 0,
	  { S, S }, { tags_set } },
	{ "include", MS_SVX_INCLUDE, 0, MS_SVC_INCLUDE, TS_NONE, 0, 1, 1,
	  0, { S }, { tags_include } },
	{ "return", MS_SVX_INCLUDE, 0, MS_SVC_RETURN, TS_NONE, 0, 0, 0, 0,
	  { 0 }, { NULL } },
	{ "global", MS_SVX_INCLUDE, 0, MS_SVC_GLOBAL, TS_NONE, 0, 1, 1, 0,
	  { L }, { NULL } },
	{ "addheader", MS_SVX_EDITHEADER, 0, MS_SVC_ADDHEADER, TS_NONE, 0,
	  2, 2, 0, { S, S }, { tags_addheader } },
	{ "deleteheader", MS_SVX_EDITHEADER, 0, MS_SVC_DELETEHEADER,
	  TS_NONE, 0, 1, 2, 0, { S, L }, { tags_delheader, tags_match } },
	{ "notify", MS_SVX_ENOTIFY, 0, MS_SVC_NOTIFY, TS_NONE, 0, 1, 1, 0,
	  { S }, { tags_notify } },
	{ "error", MS_SVX_IHAVE, 0, MS_SVC_ERROR, TS_NONE, 0, 1, 1, 0,
	  { S }, { NULL } },
	/* tests */
	{ "address", B, 1, MS_SVT_ADDRESS, TS_NONE, 0, 2, 2, 0, { L, L },
	  { tags_match, tags_apart, tags_index } },
	{ "envelope", MS_SVX_ENVELOPE, 1, MS_SVT_ENVELOPE, TS_NONE, 0, 2,
	  2, 0, { L, L }, { tags_match, tags_apart } },
	{ "header", B, 1, MS_SVT_HEADER, TS_NONE, 0, 2, 2, 0, { L, L },
	  { tags_match, tags_index } },
	{ "exists", B, 1, MS_SVT_EXISTS, TS_NONE, 0, 1, 1, 0, { L },
	  { NULL } },
	{ "size", B, 1, MS_SVT_SIZE, TS_NONE, 0, 0, 0, 0, { 0 },
	  { tags_size } },
	{ "allof", B, 1, MS_SVT_ALLOF, TS_LIST, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "anyof", B, 1, MS_SVT_ANYOF, TS_LIST, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "not", B, 1, MS_SVT_NOT, TS_ONE, 0, 0, 0, 0, { 0 }, { NULL } },
	{ "true", B, 1, MS_SVT_TRUE, TS_NONE, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "false", B, 1, MS_SVT_FALSE, TS_NONE, 0, 0, 0, 0, { 0 },
	  { NULL } },
	{ "body", MS_SVX_BODY, 1, MS_SVT_BODY, TS_NONE, 0, 1, 1, 0, { L },
	  { tags_match, tags_body } },
	{ "string", MS_SVX_VARIABLES, 1, MS_SVT_STRING, TS_NONE, 0, 2, 2,
	  0, { L, L }, { tags_match } },
	{ "hasflag", MS_SVX_IMAP4FLAGS, 1, MS_SVT_HASFLAG, TS_NONE, 0, 1,
	  2, 1, { L, L }, { tags_match } },
	{ "date", MS_SVX_DATE, 1, MS_SVT_DATE, TS_NONE, 0, 3, 3, 0,
	  { S, S, L }, { tags_match, tags_index, tags_date } },
	{ "currentdate", MS_SVX_DATE, 1, MS_SVT_CURRENTDATE, TS_NONE, 0,
	  2, 2, 0, { S, L }, { tags_match, tags_curdate } },
	{ "mailboxexists", MS_SVX_MAILBOX, 1, MS_SVT_MBOXEXISTS, TS_NONE,
	  0, 1, 1, 0, { L }, { NULL } },
	{ "environment", MS_SVX_ENVIRONMENT, 1, MS_SVT_ENVIRONMENT,
	  TS_NONE, 0, 2, 2, 0, { S, L }, { tags_match } },
	{ "spamtest", MS_SVX_SPAMTEST, 1, MS_SVT_SPAMTEST, TS_NONE, 0, 1,
	  1, 0, { S }, { tags_match, tags_spamtest } },
	{ "virustest", MS_SVX_VIRUSTEST, 1, MS_SVT_VIRUSTEST, TS_NONE, 0,
	  1, 1, 0, { S }, { tags_match } },
	{ "duplicate", MS_SVX_DUPLICATE, 1, MS_SVT_DUPLICATE, TS_NONE, 0,
	  0, 0, 0, { 0 }, { tags_duplicate } },
	{ "ihave", MS_SVX_IHAVE, 1, MS_SVT_IHAVE, TS_NONE, 0, 1, 1, 0,
	  { L }, { NULL } },
	{ "valid_notify_method", MS_SVX_ENOTIFY, 1, MS_SVT_VALIDNOTIFY,
	  TS_NONE, 0, 1, 1, 0, { L }, { NULL } },
	{ "notify_method_capability", MS_SVX_ENOTIFY, 1, MS_SVT_NOTIFYCAP,
	  TS_NONE, 0, 3, 3, 0, { S, S, L }, { tags_match } },
	{ "specialuse_exists", MS_SVX_SPECIALUSE, 1, MS_SVT_SPECIALUSE,
	  TS_NONE, 0, 1, 2, 1, { S, L }, { NULL } },
	{ NULL, 0, 0, 0, 0, 0, 0, 0, 0, { 0 }, { NULL } }
};

#undef S
#undef L
#undef N
#undef B

/* ---- compile context ------------------------------------------------- */

struct cc {
	struct ms_pool *pool;           /* the script's */
	struct ms_sieve_script *s;
	struct ms_sieve_error *err;
	const struct ms_sieve_limits *lim;
	int seen_other;                 /* a command other than require */
};

/* The arguments of one node after the generic check. */
struct nargs {
	const struct ms_sv_arg *tag[T_MAX];     /* the tag itself */
	const struct ms_sv_arg *val[T_MAX];     /* its argument */
	const struct ms_sv_arg *pos[3];         /* by spec slot */
};

static int
has_ext(uint64_t exts, int x)
{
	return x == MS_SVX_BASE || (exts & MS_SVX_BIT(x)) != 0;
}

static const struct cmd_spec *
spec_find(const char *id)
{
	const struct cmd_spec *sp;

	for (sp = cmds; sp->name != NULL; sp++)
		if (strcmp(sp->name, id) == 0)
			return sp;
	return NULL;
}

static const char *
argt_name(int t)
{
	switch (t) {
	case A_STR:
		return "a string";
	case A_LIST:
		return "a string list";
	case A_NUM:
		return "a number";
	default:
		return "nothing";
	}
}

static int
arg_fits(const struct ms_sv_arg *a, int t)
{
	switch (t) {
	case A_STR:
		return a->kind == MS_SV_ARG_STR;
	case A_LIST:
		return a->kind == MS_SV_ARG_STR || a->kind == MS_SV_ARG_LIST;
	case A_NUM:
		return a->kind == MS_SV_ARG_NUM;
	default:
		return 0;
	}
}

/*
 * The generic check of node n against spec sp: tags known, allowed by
 * the extensions, not repeated, not in conflict; tag arguments and
 * positional arguments of the right type and count.
 */
static int
check_args(struct cc *c, const struct ms_sv_node *n,
	   const struct cmd_spec *sp, uint64_t exts, struct nargs *na)
{
	const struct ms_sv_arg *grp[G_MAX];
	const struct ms_sv_arg *pos[8];
	size_t i, npos = 0, k, first;
	const struct tag_spec *ts;

	memset(na, 0, sizeof(*na));
	memset(grp, 0, sizeof(grp));
	for (i = 0; i < n->nargs; i++) {
		const struct ms_sv_arg *a = &n->args[i];

		if (a->kind != MS_SV_ARG_TAG) {
			if (npos == sizeof(pos) / sizeof(pos[0]))
				return ms_sieve_err(c->err, a->line, a->col,
				    "%s: too many arguments", n->id);
			pos[npos++] = a;
			continue;
		}
		ts = NULL;
		for (k = 0; k < 3 && sp->tags[k] != NULL && ts == NULL; k++) {
			const struct tag_spec *t;

			for (t = sp->tags[k]; t->name != NULL; t++)
				if (strcmp(t->name, a->tag) == 0) {
					ts = t;
					break;
				}
		}
		if (ts == NULL)
			return ms_sieve_err(c->err, a->line, a->col,
			    "%s: unknown tag :%s", n->id, a->tag);
		/* RFC 5235's own examples use :value with spamtest and
		   virustest without requiring "relational" */
		if (!has_ext(exts, ts->ext) &&
		    !(ts->ext == MS_SVX_RELATIONAL &&
		      (sp->kind == MS_SVT_SPAMTEST ||
		       sp->kind == MS_SVT_VIRUSTEST) && sp->is_test))
			return ms_sieve_err(c->err, a->line, a->col,
			    "%s: tag :%s needs require \"%s\"", n->id,
			    a->tag, ext_names[ts->ext]);
		if (na->tag[ts->id] != NULL)
			return ms_sieve_err(c->err, a->line, a->col,
			    "%s: tag :%s given twice", n->id, a->tag);
		if (ts->group != G_NONE) {
			if (grp[ts->group] != NULL)
				return ms_sieve_err(c->err, a->line, a->col,
				    "%s: tag :%s conflicts with :%s", n->id,
				    a->tag, grp[ts->group]->tag);
			grp[ts->group] = a;
		}
		na->tag[ts->id] = a;
		if (ts->argt != A_NONE) {
			if (i + 1 >= n->nargs ||
			    !arg_fits(&n->args[i + 1], ts->argt))
				return ms_sieve_err(c->err, a->line, a->col,
				    "%s: tag :%s needs %s", n->id, a->tag,
				    argt_name(ts->argt));
			na->val[ts->id] = &n->args[++i];
		}
	}
	if (npos > (size_t)sp->maxpos)
		return ms_sieve_err(c->err, pos[sp->maxpos]->line, pos[sp->maxpos]->col,
		    "%s: too many arguments (expected %d)", n->id,
		    sp->maxpos);
	if (npos < (size_t)sp->minpos) {
		if (sp->minpos == sp->maxpos)
			return ms_sieve_err(c->err, n->line, n->col,
			    "%s: expected %d argument%s, got %lu", n->id,
			    sp->minpos, sp->minpos == 1 ? "" : "s",
			    (unsigned long)npos);
		return ms_sieve_err(c->err, n->line, n->col,
		    "%s: expected %d to %d arguments, got %lu", n->id,
		    sp->minpos, sp->maxpos, (unsigned long)npos);
	}
	first = (sp->opt_first && npos < (size_t)sp->maxpos) ?
	    (size_t)sp->maxpos - npos : 0;
	for (i = 0; i < npos; i++) {
		int t = sp->pos[first + i];

		if (!arg_fits(pos[i], t))
			return ms_sieve_err(c->err, pos[i]->line, pos[i]->col,
			    "%s: argument %lu must be %s", n->id,
			    (unsigned long)(i + 1), argt_name(t));
		na->pos[first + i] = pos[i];
	}
	/* tests and blocks */
	if (sp->tests == TS_NONE && n->ntests > 0)
		return ms_sieve_err(c->err, n->line, n->col, "%s takes no test", n->id);
	if (sp->tests == TS_ONE && (n->ntests != 1 || n->is_list))
		return ms_sieve_err(c->err, n->line, n->col, "%s needs one test", n->id);
	if (sp->tests == TS_LIST && !n->is_list)
		return ms_sieve_err(c->err, n->line, n->col, "%s needs a test list",
		    n->id);
	if (sp->block && !n->has_block)
		return ms_sieve_err(c->err, n->line, n->col, "%s needs a block", n->id);
	if (!sp->block && n->has_block)
		return ms_sieve_err(c->err, n->line, n->col, "%s takes no block", n->id);
	return 0;
}

/* ---- strings --------------------------------------------------------- */

/*
 * One string into the script: encoded-character decoded, variable
 * references checked and flagged (vars: the string may be expanded).
 */
static int
cstr(struct cc *c, uint64_t exts, const struct ms_sv_str *in, int vars,
     struct ms_svs *out)
{
	const char *why = NULL;
	char *d;
	size_t dl;

	if (has_ext(exts, MS_SVX_ENCODED)) {
		if (ms_sieve_enc_decode(c->pool, in->s, in->len, &d, &dl,
					&why) < 0)
			return ms_sieve_err(c->err, in->line, in->col, "%s", why);
	} else {
		d = ms_pstrndup(c->pool, in->s, in->len);
		dl = in->len;
	}
	out->s = d;
	out->len = dl;
	out->has_var = 0;
	if (vars && has_ext(exts, MS_SVX_VARIABLES) &&
	    ms_sieve_var_scan(d, dl, has_ext(exts, MS_SVX_INCLUDE),
			      &out->has_var, &why) < 0)
		return ms_sieve_err(c->err, in->line, in->col, "%s", why);
	return 0;
}

static int
clist(struct cc *c, uint64_t exts, const struct ms_sv_arg *a, int vars,
      struct ms_svl *out)
{
	size_t i;

	out->n = a->nstr;
	out->v = MS_PNEW(c->pool, struct ms_svs, a->nstr ? a->nstr : 1);
	out->has_var = 0;
	for (i = 0; i < a->nstr; i++) {
		if (cstr(c, exts, &a->strs[i], vars, &out->v[i]) < 0)
			return -1;
		out->has_var |= out->v[i].has_var;
	}
	return 0;
}

static int
cstr1(struct cc *c, uint64_t exts, const struct ms_sv_arg *a, int vars,
     struct ms_svs *out)
{
	return cstr(c, exts, &a->strs[0], vars, out);
}

static int
has_nul(const struct ms_svs *s)
{
	return memchr(s->s, '\0', s->len) != NULL;
}

/* A mailbox name: non-empty UTF-8 without NUL (checked when constant). */
static int
check_mailbox(struct cc *c, const struct ms_sv_arg *a,
	      const struct ms_svs *s)
{
	if (s->has_var)
		return 0;
	if (s->len == 0 || has_nul(s) || !ms_utf8_valid(s->s, s->len))
		return ms_sieve_err(c->err, a->line, a->col,
		    "invalid mailbox name \"%.64s\"", s->s);
	return 0;
}

/* ---- tests ----------------------------------------------------------- */

/* The match arguments (comparator, match type, relation) and keys. */
static int
cmatch(struct cc *c, uint64_t exts, const struct ms_sv_node *n,
       const struct nargs *na, const struct ms_sv_arg *keys,
       struct ms_svmatch *m)
{
	struct ms_sieve_error e;
	const struct ms_sv_arg *ra = NULL;
	size_t bad = 0, i;
	struct ms_str *ks;

	m->cmp = MS_SV_CMP_ASCII_CASEMAP;
	m->mt = MS_SV_MT_IS;
	m->rel = MS_SV_REL_NONE;
	if (na->tag[T_COMPARATOR] != NULL) {
		const struct ms_sv_arg *a = na->val[T_COMPARATOR];
		const struct ms_sv_str *s = &a->strs[0];

		if (ms_sv_cmp_lookup(s->s, s->len, &m->cmp) < 0 ||
		    (ms_sv_cmp_needs_require(m->cmp) &&
		     m->cmp != MS_SV_CMP_ASCII_NUMERIC))
			return ms_sieve_err(c->err, a->line, a->col,
			    "%s: comparator \"%.64s\" not supported", n->id,
			    s->s);
		if (m->cmp == MS_SV_CMP_ASCII_NUMERIC &&
		    !has_ext(exts, MS_SVX_NUMERIC))
			return ms_sieve_err(c->err, a->line, a->col,
			    "%s: comparator \"%s\" needs require "
			    "\"comparator-i;ascii-numeric\"", n->id, s->s);
	}
	if (na->tag[T_CONTAINS] != NULL)
		m->mt = MS_SV_MT_CONTAINS;
	else if (na->tag[T_MATCHES] != NULL)
		m->mt = MS_SV_MT_MATCHES;
	else if (na->tag[T_REGEX] != NULL)
		m->mt = MS_SV_MT_REGEX;
	else if (na->tag[T_VALUE] != NULL) {
		m->mt = MS_SV_MT_VALUE;
		ra = na->val[T_VALUE];
	} else if (na->tag[T_COUNT] != NULL) {
		m->mt = MS_SV_MT_COUNT;
		ra = na->val[T_COUNT];
	}
	if (ra != NULL && ms_sv_rel_lookup(ra->strs[0].s, ra->strs[0].len,
					   &m->rel) < 0)
		return ms_sieve_err(c->err, ra->line, ra->col,
		    "%s: unknown relational operator \"%.32s\"", n->id,
		    ra->strs[0].s);
	if (!ms_sv_cmp_supports(m->cmp, m->mt))
		return ms_sieve_err(c->err, n->line, n->col,
		    "%s: comparator %s does not allow this match type",
		    n->id, ms_sv_cmp_name(m->cmp));
	if (keys == NULL)
		return 0;
	if (clist(c, exts, keys, 1, &m->keys) < 0)
		return -1;
	if (m->keys.has_var)
		return 0;
	/* constant keys: build the matcher (and compile regexes) once */
	ks = MS_PNEW(c->pool, struct ms_str, m->keys.n ? m->keys.n : 1);
	for (i = 0; i < m->keys.n; i++)
		ks[i] = ms_str_make(m->keys.v[i].s, m->keys.v[i].len);
	m->pre = MS_PNEW(c->pool, struct ms_sv_matcher, 1);
	memset(&e, 0, sizeof(e));
	if (ms_sv_matcher_init(m->pre, c->pool, m->cmp, m->mt, m->rel, ks,
			       m->keys.n, c->lim, &bad, &e) < 0) {
		unsigned line = keys->line, col = keys->col;

		if (bad < keys->nstr) {
			line = keys->strs[bad].line;
			col = keys->strs[bad].col;
		}
		return ms_sieve_err(c->err, line, col, "%s: %s", n->id, e.msg);
	}
	return 0;
}

static int
cdatepart(struct cc *c, const struct ms_sv_node *n,
	  const struct ms_sv_arg *a, struct ms_svt *t)
{
	const struct ms_sv_str *s = &a->strs[0];
	enum ms_sv_dpart dp;

	if (ms_sv_dpart_lookup(s->s, s->len, &dp) < 0)
		return ms_sieve_err(c->err, a->line, a->col,
		    "%s: unknown date part \"%.32s\"", n->id, s->s);
	t->dpart = dp;
	return 0;
}

static int ctest(struct cc *c, uint64_t exts, const struct ms_sv_node *n,
		 struct ms_svt *t);

static int
cindex(struct cc *c, const struct ms_sv_node *n, const struct nargs *na,
       int *index_r, int *last_r)
{
	if (na->tag[T_INDEX] != NULL) {
		uint64_t v = na->val[T_INDEX]->num;

		if (v == 0 || v > 0x7fffffff)
			return ms_sieve_err(c->err, na->tag[T_INDEX]->line,
			    na->tag[T_INDEX]->col,
			    "%s: :index must be 1 or more", n->id);
		*index_r = (int)v;
	}
	if (na->tag[T_LAST] != NULL) {
		if (na->tag[T_INDEX] == NULL)
			return ms_sieve_err(c->err, na->tag[T_LAST]->line,
			    na->tag[T_LAST]->col,
			    "%s: :last needs :index", n->id);
		*last_r = 1;
	}
	return 0;
}

static enum ms_sv_apart
apart_of(const struct nargs *na)
{
	if (na->tag[T_LOCALPART] != NULL)
		return MS_SV_AP_LOCALPART;
	if (na->tag[T_DOMAIN] != NULL)
		return MS_SV_AP_DOMAIN;
	if (na->tag[T_USER] != NULL)
		return MS_SV_AP_USER;
	if (na->tag[T_DETAIL] != NULL)
		return MS_SV_AP_DETAIL;
	return MS_SV_AP_ALL;
}

/* ihave: 1 when every listed extension is supported. */
static int
ihave_all(const struct ms_sv_arg *a, uint64_t *bits_r)
{
	size_t i;
	int x;

	*bits_r = 0;
	for (i = 0; i < a->nstr; i++) {
		x = ms_sieve_ext_find(a->strs[i].s, a->strs[i].len);
		if (x < 0)
			return 0;
		if (x != MS_SVX_BASE)
			*bits_r |= MS_SVX_BIT(x);
	}
	return 1;
}

static int
ctest(struct cc *c, uint64_t exts, const struct ms_sv_node *n,
      struct ms_svt *t)
{
	const struct cmd_spec *sp = spec_find(n->id);
	struct nargs na;
	size_t i;

	if (sp == NULL || !sp->is_test)
		return ms_sieve_err(c->err, n->line, n->col, "unknown test \"%.64s\"",
		    n->id);
	if (!has_ext(exts, sp->ext))
		return ms_sieve_err(c->err, n->line, n->col,
		    "test %s needs require \"%s\"", n->id,
		    ext_names[sp->ext]);
	if (check_args(c, n, sp, exts, &na) < 0)
		return -1;
	t->kind = sp->kind;
	t->line = n->line;
	t->col = n->col;
	t->seconds = -1;
	switch (sp->kind) {
	case MS_SVT_TRUE:
	case MS_SVT_FALSE:
		return 0;
	case MS_SVT_NOT:
	case MS_SVT_ALLOF:
	case MS_SVT_ANYOF:
		t->nsub = n->ntests;
		t->sub = MS_PNEW(c->pool, struct ms_svt,
				 n->ntests ? n->ntests : 1);
		if (sp->kind != MS_SVT_NOT && n->ntests == 0)
			return ms_sieve_err(c->err, n->line, n->col,
			    "%s needs at least one test", n->id);
		for (i = 0; i < n->ntests; i++)
			if (ctest(c, exts, &n->tests[i], &t->sub[i]) < 0)
				return -1;
		return 0;
	case MS_SVT_ADDRESS:
	case MS_SVT_ENVELOPE:
	case MS_SVT_HEADER:
		if (clist(c, exts, na.pos[0], 1, &t->a) < 0 ||
		    cmatch(c, exts, n, &na, na.pos[1], &t->m) < 0 ||
		    cindex(c, n, &na, &t->index, &t->last) < 0)
			return -1;
		t->apart = apart_of(&na);
		if (sp->kind == MS_SVT_ENVELOPE) {
			for (i = 0; i < t->a.n; i++) {
				struct ms_str p = ms_str_make(t->a.v[i].s,
							      t->a.v[i].len);

				if (t->a.v[i].has_var ||
				    ms_str_eq_cstr_ci(p, "from") ||
				    ms_str_eq_cstr_ci(p, "to") ||
				    ms_str_eq_cstr_ci(p, "auth"))
					continue;
				return ms_sieve_err(c->err, na.pos[0]->line,
				    na.pos[0]->col,
				    "envelope: unknown part \"%.32s\"",
				    t->a.v[i].s);
			}
		}
		return 0;
	case MS_SVT_EXISTS:
	case MS_SVT_MBOXEXISTS:
	case MS_SVT_VALIDNOTIFY:
		if (clist(c, exts, na.pos[0], 1, &t->a) < 0)
			return -1;
		if (sp->kind == MS_SVT_MBOXEXISTS)
			for (i = 0; i < t->a.n; i++)
				if (check_mailbox(c, na.pos[0],
						  &t->a.v[i]) < 0)
					return -1;
		return 0;
	case MS_SVT_SIZE:
		if (na.tag[T_OVER] != NULL) {
			t->over = 1;
			t->num = na.val[T_OVER]->num;
		} else if (na.tag[T_UNDER] != NULL)
			t->num = na.val[T_UNDER]->num;
		else
			return ms_sieve_err(c->err, n->line, n->col,
			    "size needs :over or :under");
		return 0;
	case MS_SVT_BODY:
		t->btrans = MS_SV_BODY_TEXT;
		if (na.tag[T_RAW] != NULL)
			t->btrans = MS_SV_BODY_RAW;
		else if (na.tag[T_CONTENT] != NULL) {
			t->btrans = MS_SV_BODY_CONTENT;
			if (clist(c, exts, na.val[T_CONTENT], 1,
				  &t->ctypes) < 0)
				return -1;
			for (i = 0; i < t->ctypes.n; i++)
				if (!t->ctypes.v[i].has_var &&
				    !ms_sv_body_type_ok(t->ctypes.v[i].s,
							t->ctypes.v[i].len))
					return ms_sieve_err(c->err,
					    na.val[T_CONTENT]->line,
					    na.val[T_CONTENT]->col,
					    "body: invalid content type");
		}
		return cmatch(c, exts, n, &na, na.pos[0], &t->m);
	case MS_SVT_STRING:
		if (clist(c, exts, na.pos[0], 1, &t->a) < 0)
			return -1;
		return cmatch(c, exts, n, &na, na.pos[1], &t->m);
	case MS_SVT_HASFLAG:
		if (na.pos[0] != NULL) {
			if (!has_ext(exts, MS_SVX_VARIABLES))
				return ms_sieve_err(c->err, na.pos[0]->line,
				    na.pos[0]->col, "hasflag: variable "
				    "list needs require \"variables\"");
			if (clist(c, exts, na.pos[0], 0, &t->a) < 0)
				return -1;
			for (i = 0; i < t->a.n; i++)
				if (!ms_sieve_var_name_ok(t->a.v[i].s,
				    t->a.v[i].len,
				    has_ext(exts, MS_SVX_INCLUDE)))
					return ms_sieve_err(c->err, na.pos[0]->line,
					    na.pos[0]->col, "hasflag: "
					    "invalid variable name");
		}
		return cmatch(c, exts, n, &na, na.pos[1], &t->m);
	case MS_SVT_DATE:
	case MS_SVT_CURRENTDATE: {
		const struct ms_sv_arg *dp = na.pos[sp->kind ==
					     MS_SVT_DATE ? 1 : 0];

		if (sp->kind == MS_SVT_DATE) {
			if (cstr1(c, exts, na.pos[0], 1, &t->s2) < 0)
				return -1;
			t->has_s2 = 1;
		}
		if (cdatepart(c, n, dp, t) < 0 ||
		    cindex(c, n, &na, &t->index, &t->last) < 0 ||
		    cmatch(c, exts, n, &na, na.pos[sp->kind == MS_SVT_DATE ?
					       2 : 1], &t->m) < 0)
			return -1;
		t->zone = MS_SVZ_LOCAL;
		if (na.tag[T_ORIGZONE] != NULL)
			t->zone = MS_SVZ_ORIGINAL;
		else if (na.tag[T_ZONE] != NULL) {
			t->zone = MS_SVZ_FIXED;
			if (ms_sv_zone_parse(na.val[T_ZONE]->strs[0].s,
					     na.val[T_ZONE]->strs[0].len,
					     &t->zone_min) < 0)
				return ms_sieve_err(c->err, na.val[T_ZONE]->line,
				    na.val[T_ZONE]->col, "%s: invalid "
				    "zone \"%.16s\"", n->id,
				    na.val[T_ZONE]->strs[0].s);
		}
		return 0;
	}
	case MS_SVT_ENVIRONMENT:
		if (cstr1(c, exts, na.pos[0], 1, &t->s1) < 0)
			return -1;
		t->has_s1 = 1;
		return cmatch(c, exts, n, &na, na.pos[1], &t->m);
	case MS_SVT_SPAMTEST:
	case MS_SVT_VIRUSTEST:
		t->percent = na.tag[T_PERCENT] != NULL;
		return cmatch(c, exts, n, &na, na.pos[0], &t->m);
	case MS_SVT_DUPLICATE:
		if (na.tag[T_HANDLE] != NULL) {
			if (cstr1(c, exts, na.val[T_HANDLE], 1, &t->s1) < 0)
				return -1;
			t->has_s1 = 1;
		}
		if (na.tag[T_HEADER] != NULL || na.tag[T_UNIQUEID] != NULL) {
			t->dup_uniqueid = na.tag[T_UNIQUEID] != NULL;
			if (cstr1(c, exts, na.val[t->dup_uniqueid ?
			    T_UNIQUEID : T_HEADER], 1, &t->s2) < 0)
				return -1;
			t->has_s2 = 1;
		}
		if (na.tag[T_SECONDS] != NULL) {
			uint64_t v = na.val[T_SECONDS]->num;

			t->seconds = v > (uint64_t)INT64_MAX / 2 ?
			    INT64_MAX / 2 : (int64_t)v;
		}
		t->last = na.tag[T_LAST] != NULL;
		return 0;
	case MS_SVT_IHAVE: {
		uint64_t bits;

		for (i = 0; i < na.pos[0]->nstr; i++)
			if (na.pos[0]->strs[i].len == 0)
				return ms_sieve_err(c->err, na.pos[0]->line,
				    na.pos[0]->col, "ihave: empty name");
		t->is_const = 1;
		t->kind = ihave_all(na.pos[0], &bits) ? MS_SVT_TRUE :
		    MS_SVT_FALSE;
		t->num = bits;
		return 0;
	}
	case MS_SVT_NOTIFYCAP:
		if (cstr1(c, exts, na.pos[0], 1, &t->s1) < 0 ||
		    cstr1(c, exts, na.pos[1], 1, &t->s2) < 0)
			return -1;
		t->has_s1 = t->has_s2 = 1;
		return cmatch(c, exts, n, &na, na.pos[2], &t->m);
	case MS_SVT_SPECIALUSE:
		if (na.pos[0] != NULL) {
			if (cstr1(c, exts, na.pos[0], 1, &t->s1) < 0 ||
			    check_mailbox(c, na.pos[0], &t->s1) < 0)
				return -1;
			t->has_s1 = 1;
		}
		return clist(c, exts, na.pos[1], 1, &t->a);
	default:
		return ms_sieve_err(c->err, n->line, n->col, "unsupported test %s",
		    n->id);
	}
}

/* ---- commands -------------------------------------------------------- */

static int cblock(struct cc *c, uint64_t exts, const struct ms_sv_node *ns,
		  size_t nn, int top, struct ms_svc **out_r, size_t *nout_r);

/* A redirect address: one mailbox with a domain. */
static int
check_redirect(struct cc *c, const struct ms_sv_arg *a,
	       const struct ms_svs *s)
{
	struct ms_sv_addr *ad;
	size_t n;

	if (s->has_var)
		return 0;
	if (ms_sv_addr_parse(c->pool, s->s, s->len, 2, &ad, &n) < 0 ||
	    n != 1 || ad[0].domain.p == NULL || ad[0].local.len == 0)
		return ms_sieve_err(c->err, a->line, a->col,
		    "redirect: invalid address \"%.64s\"", s->s);
	return 0;
}

static int
check_flags(struct cc *c, const struct ms_sv_arg *a, const struct ms_svl *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (has_nul(&l->v[i]))
			return ms_sieve_err(c->err, a->line, a->col, "invalid flag");
	return 0;
}

static unsigned
set_mods(const struct nargs *na)
{
	unsigned m = 0;

	if (na->tag[T_LOWER] != NULL)
		m |= MS_SVSET_LOWER;
	if (na->tag[T_UPPER] != NULL)
		m |= MS_SVSET_UPPER;
	if (na->tag[T_LOWERFIRST] != NULL)
		m |= MS_SVSET_LOWERFIRST;
	if (na->tag[T_UPPERFIRST] != NULL)
		m |= MS_SVSET_UPPERFIRST;
	if (na->tag[T_QUOTEWILD] != NULL)
		m |= MS_SVSET_QUOTEWILD;
	if (na->tag[T_QUOTEREGEX] != NULL)
		m |= MS_SVSET_QUOTEREGEX;
	if (na->tag[T_LENGTH] != NULL)
		m |= MS_SVSET_LENGTH;
	if (na->tag[T_ENCODEURL] != NULL)
		m |= MS_SVSET_ENCODEURL;
	return m;
}

/* An include name: non-empty, UTF-8, no NUL, control or '/'. */
static int
check_script_name(struct cc *c, const struct ms_sv_arg *a,
		  const struct ms_svs *s)
{
	size_t i;

	if (s->len == 0 || s->len > 128 || !ms_utf8_valid(s->s, s->len))
		goto bad;
	for (i = 0; i < s->len; i++) {
		unsigned char ch = (unsigned char)s->s[i];

		if (ch < 0x20 || ch == 0x7f || ch == '/' || ch == '\\')
			goto bad;
	}
	return 0;
bad:
	return ms_sieve_err(c->err, a->line, a->col, "include: invalid script name");
}

static int
check_hdrname(struct cc *c, const struct ms_sv_node *n,
	      const struct ms_sv_arg *a, const struct ms_svs *s)
{
	if (s->has_var)
		return 0;
	if (!ms_sv_hdr_name_ok(s->s, s->len))
		return ms_sieve_err(c->err, a->line, a->col,
		    "%s: invalid header name \"%.64s\"", n->id, s->s);
	return 0;
}

static int
cnotify(struct cc *c, uint64_t exts, const struct ms_sv_node *n,
	const struct nargs *na, struct ms_svc *x)
{
	struct ms_sieve_error e;

	if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0)
		return -1;
	x->has_s1 = 1;
	memset(&e, 0, sizeof(e));
	if (!x->s1.has_var && ms_sieve_notify_scheme(x->s1.s, x->s1.len,
						      &e) < 0)
		return ms_sieve_err(c->err, na->pos[0]->line, na->pos[0]->col,
		    "notify: %s", e.msg);
	if (na->tag[T_FROM] != NULL) {
		if (cstr1(c, exts, na->val[T_FROM], 1, &x->s2) < 0)
			return -1;
		if (!x->s2.has_var && !ms_sv_notify_from_ok(x->s2.s,
							     x->s2.len))
			return ms_sieve_err(c->err, na->val[T_FROM]->line,
			    na->val[T_FROM]->col,
			    "notify: invalid :from address");
		x->has_s2 = 1;
	}
	if (na->tag[T_IMPORTANCE] != NULL) {
		const struct ms_sv_str *s = &na->val[T_IMPORTANCE]->strs[0];

		if (cstr1(c, exts, na->val[T_IMPORTANCE], 1,
			 &x->importance) < 0)
			return -1;
		if (!x->importance.has_var &&
		    !ms_sv_notify_importance_ok(s->s, s->len))
			return ms_sieve_err(c->err, na->val[T_IMPORTANCE]->line,
			    na->val[T_IMPORTANCE]->col,
			    "notify: :importance must be \"1\", \"2\" or "
			    "\"3\"");
		x->has_importance = 1;
	}
	if (na->tag[T_OPTIONS] != NULL) {
		if (clist(c, exts, na->val[T_OPTIONS], 1, &x->l1) < 0)
			return -1;
		x->has_l1 = 1;
	}
	if (na->tag[T_MESSAGE] != NULL) {
		if (cstr1(c, exts, na->val[T_MESSAGE], 1, &x->message) < 0)
			return -1;
		x->has_message = 1;
	}
	(void)n;
	return 0;
}

/*
 * A notify method URI: "mailto:" ones must be valid (E2's parser);
 * other schemes need only be well formed (RFC 3986 scheme ":"): they
 * are not supported, and the interpreter skips them.  Returns 1 for
 * mailto, 0 for another scheme, -1 (err->msg) when invalid.
 */
int
ms_sieve_notify_scheme(const char *uri, size_t len,
		       struct ms_sieve_error *err)
{
	size_t i;

	if (len >= 7 && ms_str_has_prefix_ci(ms_str_make(uri, len),
					     "mailto:")) {
		if (!ms_sv_notify_method_ok(uri, len, err)) {
			if (err->msg[0] == '\0')
				snprintf(err->msg, sizeof(err->msg),
				    "invalid mailto URI");
			return -1;
		}
		return 1;
	}
	for (i = 0; i < len && uri[i] != ':'; i++)
		if (!(ms_ascii_isalpha((unsigned char)uri[i]) ||
		      (i > 0 && (ms_ascii_isdigit((unsigned char)uri[i]) ||
				 uri[i] == '+' || uri[i] == '-' ||
				 uri[i] == '.'))))
			break;
	if (i == 0 || i >= len || uri[i] != ':' ||
	    memchr(uri, '\0', len) != NULL) {
		snprintf(err->msg, sizeof(err->msg),
		    "invalid notification method URI");
		return -1;
	}
	return 0;
}

static int64_t
clamp_period(const struct ms_sieve_limits *lim, uint64_t v)
{
	if (v < (uint64_t)lim->vacation_min)
		return lim->vacation_min;
	if (v > (uint64_t)lim->vacation_max)
		return lim->vacation_max;
	return (int64_t)v;
}

static int
ccmd(struct cc *c, uint64_t exts, const struct ms_sv_node *n,
     const struct cmd_spec *sp, const struct nargs *na, struct ms_svc *x)
{
	size_t i;

	x->kind = sp->kind;
	x->line = n->line;
	x->col = n->col;
	switch (sp->kind) {
	case MS_SVC_STOP:
	case MS_SVC_DISCARD:
	case MS_SVC_RETURN:
		return 0;
	case MS_SVC_KEEP:
	case MS_SVC_FILEINTO:
		if (na->tag[T_FLAGS] != NULL) {
			if (clist(c, exts, na->val[T_FLAGS], 1, &x->l1) < 0 ||
			    check_flags(c, na->val[T_FLAGS], &x->l1) < 0)
				return -1;
			x->has_l1 = 1;
		}
		if (sp->kind == MS_SVC_KEEP)
			return 0;
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0 ||
		    check_mailbox(c, na->pos[0], &x->s1) < 0)
			return -1;
		x->has_s1 = 1;
		x->copy = na->tag[T_COPY] != NULL;
		x->create = na->tag[T_CREATE] != NULL;
		if (na->tag[T_SPECIALUSE] != NULL) {
			if (cstr1(c, exts, na->val[T_SPECIALUSE], 1,
				 &x->special_use) < 0)
				return -1;
			x->has_special_use = 1;
		}
		return 0;
	case MS_SVC_REDIRECT:
		x->copy = na->tag[T_COPY] != NULL;
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0 ||
		    check_redirect(c, na->pos[0], &x->s1) < 0)
			return -1;
		x->has_s1 = 1;
		return 0;
	case MS_SVC_REJECT:
	case MS_SVC_EREJECT:
	case MS_SVC_ERROR:
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0)
			return -1;
		x->has_s1 = 1;
		if (!x->s1.has_var && !ms_utf8_valid(x->s1.s, x->s1.len))
			return ms_sieve_err(c->err, na->pos[0]->line, na->pos[0]->col,
			    "%s: reason is not UTF-8", n->id);
		return 0;
	case MS_SVC_SETFLAG:
	case MS_SVC_ADDFLAG:
	case MS_SVC_REMOVEFLAG:
		if (na->pos[0] != NULL) {
			if (!has_ext(exts, MS_SVX_VARIABLES))
				return ms_sieve_err(c->err, na->pos[0]->line,
				    na->pos[0]->col, "%s: a variable "
				    "name needs require \"variables\"",
				    n->id);
			if (cstr1(c, exts, na->pos[0], 0, &x->s1) < 0)
				return -1;
			if (!ms_sieve_var_name_ok(x->s1.s, x->s1.len,
			    has_ext(exts, MS_SVX_INCLUDE)))
				return ms_sieve_err(c->err, na->pos[0]->line,
				    na->pos[0]->col,
				    "%s: invalid variable name \"%.64s\"",
				    n->id, x->s1.s);
			x->has_s1 = 1;
		}
		if (clist(c, exts, na->pos[1], 1, &x->l1) < 0 ||
		    check_flags(c, na->pos[1], &x->l1) < 0)
			return -1;
		x->has_l1 = 1;
		return 0;
	case MS_SVC_VACATION: {
		uint64_t v = 7 * 86400;

		if (na->tag[T_DAYS] != NULL) {
			v = na->val[T_DAYS]->num;
			v = v > (uint64_t)1 << 40 ? (uint64_t)1 << 40 :
			    v * 86400;
		} else if (na->tag[T_SECONDS] != NULL)
			v = na->val[T_SECONDS]->num;
		x->period = clamp_period(c->lim, v);
		if (na->tag[T_SECONDS] != NULL && v == 0)
			x->period = 0;  /* RFC 6131: reply every time */
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0)
			return -1;
		x->has_s1 = 1;
		if (na->tag[T_SUBJECT] != NULL) {
			if (cstr1(c, exts, na->val[T_SUBJECT], 1,
				 &x->subject) < 0)
				return -1;
			x->has_subject = 1;
		}
		if (na->tag[T_FROM] != NULL) {
			if (cstr1(c, exts, na->val[T_FROM], 1, &x->s2) < 0)
				return -1;
			x->has_s2 = 1;
		}
		if (na->tag[T_HANDLE] != NULL) {
			if (cstr1(c, exts, na->val[T_HANDLE], 1,
				 &x->handle) < 0)
				return -1;
			x->has_handle = 1;
		}
		if (na->tag[T_ADDRESSES] != NULL) {
			if (clist(c, exts, na->val[T_ADDRESSES], 1,
				  &x->l1) < 0)
				return -1;
			x->has_l1 = 1;
		}
		x->is_mime = na->tag[T_MIME] != NULL;
		return 0;
	}
	case MS_SVC_SET:
		if (cstr1(c, exts, na->pos[0], 0, &x->s1) < 0 ||
		    cstr1(c, exts, na->pos[1], 1, &x->s2) < 0)
			return -1;
		if (!ms_sieve_var_name_ok(x->s1.s, x->s1.len,
					  has_ext(exts, MS_SVX_INCLUDE)))
			return ms_sieve_err(c->err, na->pos[0]->line, na->pos[0]->col,
			    "set: invalid variable name \"%.64s\"",
			    x->s1.s);
		x->has_s1 = x->has_s2 = 1;
		x->mods = set_mods(na);
		if ((x->mods & MS_SVSET_QUOTEREGEX) &&
		    !has_ext(exts, MS_SVX_VARIABLES))
			return ms_sieve_err(c->err, n->line, n->col,
			    "set: :quoteregex needs require \"variables\"");
		return 0;
	case MS_SVC_INCLUDE:
		if (cstr1(c, exts, na->pos[0], 0, &x->s1) < 0 ||
		    check_script_name(c, na->pos[0], &x->s1) < 0)
			return -1;
		x->has_s1 = 1;
		x->is_global = na->tag[T_GLOBAL] != NULL;
		x->once = na->tag[T_ONCE] != NULL;
		x->optional = na->tag[T_OPTIONAL] != NULL;
		return 0;
	case MS_SVC_GLOBAL:
		if (!has_ext(exts, MS_SVX_VARIABLES))
			return ms_sieve_err(c->err, n->line, n->col,
			    "global needs require \"variables\"");
		if (clist(c, exts, na->pos[0], 0, &x->l1) < 0)
			return -1;
		for (i = 0; i < x->l1.n; i++)
			if (!ms_sieve_var_name_ok(x->l1.v[i].s,
						  x->l1.v[i].len, 0))
				return ms_sieve_err(c->err, na->pos[0]->line,
				    na->pos[0]->col,
				    "global: invalid variable name "
				    "\"%.64s\"", x->l1.v[i].s);
		x->has_l1 = 1;
		return 0;
	case MS_SVC_ADDHEADER:
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0 ||
		    cstr1(c, exts, na->pos[1], 1, &x->s2) < 0 ||
		    check_hdrname(c, n, na->pos[0], &x->s1) < 0)
			return -1;
		if (!x->s2.has_var && !ms_utf8_valid(x->s2.s, x->s2.len))
			return ms_sieve_err(c->err, na->pos[1]->line, na->pos[1]->col,
			    "addheader: value is not UTF-8");
		x->has_s1 = x->has_s2 = 1;
		x->last = na->tag[T_LAST] != NULL;
		return 0;
	case MS_SVC_DELETEHEADER:
		if (cstr1(c, exts, na->pos[0], 1, &x->s1) < 0 ||
		    check_hdrname(c, n, na->pos[0], &x->s1) < 0 ||
		    cindex(c, n, na, &x->index, &x->last) < 0)
			return -1;
		x->has_s1 = 1;
		x->has_match = na->pos[1] != NULL;
		if (cmatch(c, exts, n, na, na->pos[1], &x->m) < 0)
			return -1;
		for (i = T_COMPARATOR; i <= T_COUNT && !x->has_match; i++)
			if (na->tag[i] != NULL)
				break;
		if (!x->has_match && i <= T_COUNT)
			return ms_sieve_err(c->err, n->line, n->col, "deleteheader: "
			    "match arguments without value patterns");
		return 0;
	case MS_SVC_NOTIFY:
		return cnotify(c, exts, n, na, x);
	default:
		return ms_sieve_err(c->err, n->line, n->col, "unsupported command %s",
		    n->id);
	}
}

static int
crequire(struct cc *c, const struct ms_sv_node *n, const struct nargs *na)
{
	const struct ms_sv_arg *a = na->pos[0];
	size_t i;
	int x;

	if (c->seen_other)
		return ms_sieve_err(c->err, n->line, n->col,
		    "require must come before other commands");
	for (i = 0; i < a->nstr; i++) {
		x = ms_sieve_ext_find(a->strs[i].s, a->strs[i].len);
		if (x < 0)
			return ms_sieve_err(c->err, a->strs[i].line, a->strs[i].col,
			    "unknown extension \"%.64s\"", a->strs[i].s);
		if (x == MS_SVX_BASE)
			continue;
		c->s->exts |= MS_SVX_BIT(x);
		/* implied by their extensions (RFC 6131, RFC 5235) */
		if (x == MS_SVX_VACSECONDS)
			c->s->exts |= MS_SVX_BIT(MS_SVX_VACATION);
		if (x == MS_SVX_SPAMTESTPLUS)
			c->s->exts |= MS_SVX_BIT(MS_SVX_SPAMTEST);
	}
	return 0;
}

/*
 * The extensions an `if` test makes available inside its block (RFC
 * 5463): an ihave test, or ihave tests directly under allof.
 */
static uint64_t
ihave_bits(const struct ms_svt *t)
{
	uint64_t b = 0;
	size_t i;

	if ((t->kind == MS_SVT_TRUE) && t->is_const)
		return t->num;
	if (t->kind == MS_SVT_ALLOF)
		for (i = 0; i < t->nsub; i++)
			b |= ihave_bits(&t->sub[i]);
	return b;
}

/* 1 when the test is an ihave of an unsupported extension (or allof
   with one): its block is not compiled. */
static int
ihave_missing(const struct ms_svt *t)
{
	size_t i;

	if (t->kind == MS_SVT_FALSE && t->is_const)
		return 1;
	if (t->kind == MS_SVT_ALLOF)
		for (i = 0; i < t->nsub; i++)
			if (ihave_missing(&t->sub[i]))
				return 1;
	return 0;
}

/* Compile the test and block of an if / elsif / else into x. */
static int
cif(struct cc *c, uint64_t exts, const struct ms_sv_node *n, int has_test,
    struct ms_svc *x)
{
	uint64_t bx = exts;

	x->kind = MS_SVC_IF;
	x->line = n->line;
	x->col = n->col;
	if (has_test) {
		x->test = MS_PNEW(c->pool, struct ms_svt, 1);
		if (ctest(c, exts, &n->tests[0], x->test) < 0)
			return -1;
		if (ihave_missing(x->test))
			return 0;       /* block never runs: not validated */
		bx |= ihave_bits(x->test);
	}
	return cblock(c, bx, n->block, n->nblock, 0, &x->block, &x->nblock);
}

static int
cblock(struct cc *c, uint64_t exts, const struct ms_sv_node *ns, size_t nn,
       int top, struct ms_svc **out_r, size_t *nout_r)
{
	struct ms_svc *out = MS_PNEW(c->pool, struct ms_svc, nn ? nn : 1);
	struct ms_svc *chain = NULL;    /* the open if/elsif */
	size_t i, k = 0;
	struct nargs na;

	for (i = 0; i < nn; i++) {
		const struct ms_sv_node *n = &ns[i];
		const struct cmd_spec *sp = spec_find(n->id);
		uint64_t ex = top ? c->s->exts : exts;

		if (sp == NULL || sp->is_test)
			return ms_sieve_err(c->err, n->line, n->col,
			    "unknown command \"%.64s\"", n->id);
		if (sp->kind == K_REQUIRE && !top)
			return ms_sieve_err(c->err, n->line, n->col,
			    "require is only allowed at the top");
		if (sp->kind != K_REQUIRE) {
			c->seen_other = 1;
			if (top)
				exts = c->s->exts;
			ex = exts;
		}
		if (!has_ext(ex, sp->ext))
			return ms_sieve_err(c->err, n->line, n->col,
			    "%s needs require \"%s\"", n->id,
			    ext_names[sp->ext]);
		if (check_args(c, n, sp, ex, &na) < 0)
			return -1;
		if (sp->kind == K_REQUIRE) {
			if (crequire(c, n, &na) < 0)
				return -1;
			continue;
		}
		if (sp->kind == K_ELSIF || sp->kind == K_ELSE) {
			struct ms_svc *e;

			if (chain == NULL)
				return ms_sieve_err(c->err, n->line, n->col,
				    "%s without if", n->id);
			e = MS_PNEW(c->pool, struct ms_svc, 1);
			if (cif(c, ex, n, sp->kind == K_ELSIF, e) < 0)
				return -1;
			chain->els = e;
			chain = sp->kind == K_ELSIF ? e : NULL;
			continue;
		}
		if (sp->kind == MS_SVC_IF) {
			if (cif(c, ex, n, 1, &out[k]) < 0)
				return -1;
			chain = &out[k++];
			continue;
		}
		chain = NULL;
		if (ccmd(c, ex, n, sp, &na, &out[k]) < 0)
			return -1;
		k++;
	}
	*out_r = out;
	*nout_r = k;
	return 0;
}

int
ms_sieve_compile(const char *text, size_t len,
		 const struct ms_sieve_limits *lim,
		 struct ms_sieve_script **s_r, struct ms_sieve_error *err)
{
	struct ms_pool *tmp, *pool;
	struct ms_sieve_script *s;
	struct ms_sv_node *nodes;
	size_t nn;
	struct cc c;

	memset(err, 0, sizeof(*err));
	*s_r = NULL;
	tmp = ms_pool_create("sieve-parse", 0);
	pool = ms_pool_create("sieve-script", 0);
	s = MS_PNEW(pool, struct ms_sieve_script, 1);
	s->pool = pool;
	ms_sieve_limits_get(lim, &s->lim);
	if (ms_sieve_parse(text, len, &s->lim, tmp, &nodes, &nn, err) < 0)
		goto fail;
	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.s = s;
	c.err = err;
	c.lim = &s->lim;
	if (cblock(&c, 0, nodes, nn, 1, &s->cmds, &s->ncmds) < 0)
		goto fail;
	ms_pool_destroy(&tmp);
	*s_r = s;
	return 0;
fail:
	ms_pool_destroy(&tmp);
	ms_pool_destroy(&pool);
	return -1;
}

void
ms_sieve_free(struct ms_sieve_script *s)
{
	struct ms_pool *p;

	if (s == NULL)
		return;
	p = s->pool;
	ms_pool_destroy(&p);
}
