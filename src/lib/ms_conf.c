/*
 * ms_conf.c -- configuration schema checks, parser, loader, typed access.
 *
 * A configuration is an array of values parallel to its schema table;
 * every value is type-checked when it is stored (defaults when the
 * configuration is made, file lines as they are parsed, --set overrides),
 * so typed access never fails.  The parser works on whole lines: bytes
 * are copied into a line buffer of max_line bytes until a newline, and a
 * longer line is an error, so any split of the input gives the same
 * result and memory stays bounded.  Errors carry "SOURCE:LINE: " in their
 * internal text; the user text is a fixed phrase (paths are not for
 * clients).
 */
#include "ms_sys.h"
#include "ms_conf.h"
#include "ms_log.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONF_USER_ERR   "configuration error"
/* Longest piece of a value or key quoted back in a message. */
#define CONF_SHOW_MAX   60

struct conf_val {
	const char *text;       /* as given (ENUM: canonical spelling) */
	uint64_t num;           /* BOOL 0/1, ENUM index, UINT/SIZE/SECS */
	const char **items;     /* LIST words */
	size_t nitems;
	enum ms_conf_src src;
	const char *where;      /* file or option; NULL for defaults */
	unsigned long line;
};

struct ms_conf {
	struct ms_pool *pool;
	const struct ms_conf_key *keys;
	size_t nkeys;
	struct conf_val *vals;
	const char *path;
};

struct ms_conf_parser {
	struct ms_conf *conf;
	struct ms_conf_limits lim;
	const char *source;     /* in conf's pool: values point at it */
	char *line;             /* max_line bytes */
	size_t len;
	unsigned long lineno;   /* line being read, 1-based */
	char *section;          /* current [section], "" for none */
	char *keybuf;           /* max_key + 1 */
	char *valbuf;           /* max_value + 1 */
	size_t nassign;
	int failed, ended;
	struct ms_err error;    /* sticky copy of the first error */
};

/* Where an assignment comes from, for messages and for the value. */
struct conf_origin {
	enum ms_conf_src src;
	const char *where;
	unsigned long line;
};

/* ======================================================================
 * Small helpers
 * ====================================================================== */

static int conf_fail(struct ms_err *err, const struct conf_origin *o,
		     const char *fmt, ...) MS_FMT(3, 4);

/* Fill err with "WHERE:LINE: message" (or "WHERE: message"); -1. */
static int
conf_fail(struct ms_err *err, const struct conf_origin *o,
	  const char *fmt, ...)
{
	char msg[sizeof(err->internal)];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o == NULL || o->where == NULL)
		return ms_err_set(err, MS_E_PARAMS, CONF_USER_ERR, "%s", msg);
	if (o->line > 0)
		return ms_err_set(err, MS_E_PARAMS, CONF_USER_ERR,
				  "%s:%lu: %s", o->where, o->line, msg);
	return ms_err_set(err, MS_E_PARAMS, CONF_USER_ERR, "%s: %s",
			  o->where, msg);
}

static int
is_blank(int c)
{
	return c == ' ' || c == '\t';
}

/* Does c belong in a key or section name (after lower-casing)? */
static int
is_keych(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '_' || c == '-';
}

/*
 * Copy s[0..len) lower-cased into out (room for len + 1) and check it is
 * a dotted name: components of [a-z0-9_-], none empty.  0 or -1.
 */
static int
key_normalize(const char *s, size_t len, char *out)
{
	size_t i;
	int prev_dot = 1;

	if (len == 0)
		return -1;
	for (i = 0; i < len; i++) {
		int c = ms_ascii_lower((unsigned char)s[i]);

		if (c == '.') {
			if (prev_dot)
				return -1;
			prev_dot = 1;
		} else if (is_keych(c)) {
			prev_dot = 0;
		} else {
			return -1;
		}
		out[i] = (char)c;
	}
	out[len] = '\0';
	return prev_dot ? -1 : 0;
}

/* Printable length of a value quoted back in a message. */
static int
show_len(size_t len)
{
	return len > CONF_SHOW_MAX ? CONF_SHOW_MAX : (int)len;
}

static const char *
show_more(size_t len)
{
	return len > CONF_SHOW_MAX ? "..." : "";
}

const char *
ms_conf_type_name(enum ms_conf_type type)
{
	switch (type) {
	case MS_CONF_STR:
		return "str";
	case MS_CONF_ENUM:
		return "enum";
	case MS_CONF_BOOL:
		return "bool";
	case MS_CONF_UINT:
		return "uint";
	case MS_CONF_SIZE:
		return "size";
	case MS_CONF_SECS:
		return "secs";
	case MS_CONF_LIST:
		return "list";
	}
	return "?";
}

/* ======================================================================
 * Value checks: text -> typed value
 * ====================================================================== */

/*
 * Find word (len bytes, any case) among "a|b|c".  Returns its index and
 * sets *start_r and *len_r to the canonical spelling, or -1.
 */
static long
choice_find(const char *choices, const char *word, size_t len,
	    const char **start_r, size_t *len_r)
{
	const char *p = choices, *bar;
	long idx = 0;
	size_t n;

	for (;;) {
		bar = strchr(p, '|');
		n = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (n == len && ms_str_eq_ci(ms_str_make(p, n),
					     ms_str_make(word, len))) {
			*start_r = p;
			*len_r = n;
			return idx;
		}
		if (bar == NULL)
			return -1;
		p = bar + 1;
		idx++;
	}
}

/*
 * Parse decimal digits at the start of s[0..len): 0 with *v_r and *used_r,
 * -1 if there are none, -2 on overflow.
 */
static int
parse_digits(const char *s, size_t len, uint64_t *v_r, size_t *used_r)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len && ms_ascii_isdigit((unsigned char)s[i]); i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return -2;
		v = v * 10 + d;
	}
	if (i == 0)
		return -1;
	*v_r = v;
	*used_r = i;
	return 0;
}

/* Multiplier for a SIZE or SECS suffix letter, 0 if it is not one. */
static uint64_t
suffix_mult(enum ms_conf_type type, int c)
{
	if (type == MS_CONF_SIZE) {
		switch (c) {
		case 'k': case 'K':
			return 1024;
		case 'm': case 'M':
			return (uint64_t)1024 * 1024;
		case 'g': case 'G':
			return (uint64_t)1024 * 1024 * 1024;
		}
		return 0;
	}
	switch (c) {
	case 's': case 'S':
		return 1;
	case 'm': case 'M':
		return 60;
	case 'h': case 'H':
		return 3600;
	case 'd': case 'D':
		return 86400;
	}
	return 0;
}

static int
check_number(const struct ms_conf_key *k, const char *v, size_t len,
	     uint64_t *num_r, char *why, size_t whysize)
{
	static const char *const hint[] = {
		"a whole number",
		"a size: a whole number with an optional k, M or G",
		"a time: a whole number with an optional s, m, h or d"
	};
	const char *h = hint[k->type == MS_CONF_SIZE ? 1 :
			     k->type == MS_CONF_SECS ? 2 : 0];
	uint64_t n = 0, mult = 1;
	size_t used = 0;
	int rc;

	rc = parse_digits(v, len, &n, &used);
	if (rc == -2) {
		(void)snprintf(why, whysize, "'%.*s%s' is too large",
			       show_len(len), v, show_more(len));
		return -1;
	}
	if (rc == 0 && used + 1 == len && k->type != MS_CONF_UINT)
		mult = suffix_mult(k->type, (unsigned char)v[used]);
	if (rc < 0 || mult == 0 || (used != len && used + 1 != len) ||
	    (used + 1 == len && k->type == MS_CONF_UINT)) {
		(void)snprintf(why, whysize, "'%.*s%s' is not %s",
			       show_len(len), v, show_more(len), h);
		return -1;
	}
	if (n > UINT64_MAX / mult) {
		(void)snprintf(why, whysize, "'%.*s' is too large",
			       show_len(len), v);
		return -1;
	}
	n *= mult;
	if (n < k->min) {
		(void)snprintf(why, whysize, "'%.*s' is below the minimum %llu",
			       show_len(len), v, (unsigned long long)k->min);
		return -1;
	}
	if (k->max != 0 && n > k->max) {
		(void)snprintf(why, whysize, "'%.*s' is above the maximum %llu",
			       show_len(len), v, (unsigned long long)k->max);
		return -1;
	}
	*num_r = n;
	return 0;
}

static int
check_bool(const char *v, size_t len, uint64_t *num_r, char *why,
	   size_t whysize)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };
	struct ms_str s = ms_str_make(v, len);
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (ms_str_eq_cstr_ci(s, yes[i])) {
			*num_r = 1;
			return 0;
		}
		if (ms_str_eq_cstr_ci(s, no[i])) {
			*num_r = 0;
			return 0;
		}
	}
	(void)snprintf(why, whysize,
		       "'%.*s%s' is not yes/no, true/false, on/off or 1/0",
		       show_len(len), v, show_more(len));
	return -1;
}

static int
is_list_sep(int c)
{
	return c == ',' || is_blank(c);
}

/* Split a LIST value into words (pool copies), checking choices. */
static int
check_list(struct ms_pool *pool, const struct ms_conf_key *k,
	   const char *v, size_t len, struct conf_val *out, char *why,
	   size_t whysize)
{
	size_t i = 0, n = 0, start;
	const char *canon;
	size_t clen;

	for (i = 0; i < len; i++)
		if (!is_list_sep((unsigned char)v[i]) &&
		    (i == 0 || is_list_sep((unsigned char)v[i - 1])))
			n++;
	out->nitems = n;
	out->items = MS_PNEW(pool, const char *, n + 1);
	n = 0;
	i = 0;
	while (i < len) {
		while (i < len && is_list_sep((unsigned char)v[i]))
			i++;
		if (i == len)
			break;
		start = i;
		while (i < len && !is_list_sep((unsigned char)v[i]))
			i++;
		if (k->choices == NULL) {
			out->items[n++] = ms_pstrndup(pool, v + start,
						      i - start);
			continue;
		}
		if (choice_find(k->choices, v + start, i - start, &canon,
				&clen) < 0) {
			(void)snprintf(why, whysize,
				       "'%.*s%s' is not one of %s",
				       show_len(i - start), v + start,
				       show_more(i - start), k->choices);
			return -1;
		}
		out->items[n++] = ms_pstrndup(pool, canon, clen);
	}
	return 0;
}

/*
 * Check value v[0..len) against key k and fill *out (text, number,
 * words) from pool.  0, or -1 with a reason in why.
 */
static int
check_value(struct ms_pool *pool, const struct ms_conf_key *k,
	    const char *v, size_t len, struct conf_val *out, char *why,
	    size_t whysize)
{
	const char *canon;
	size_t clen;
	long idx;

	memset(out, 0, sizeof(*out));
	switch (k->type) {
	case MS_CONF_STR:
		break;
	case MS_CONF_ENUM:
		idx = choice_find(k->choices, v, len, &canon, &clen);
		if (idx < 0) {
			(void)snprintf(why, whysize,
				       "'%.*s%s' is not one of %s",
				       show_len(len), v, show_more(len),
				       k->choices);
			return -1;
		}
		out->num = (uint64_t)idx;
		out->text = ms_pstrndup(pool, canon, clen);
		return 0;
	case MS_CONF_BOOL:
		if (check_bool(v, len, &out->num, why, whysize) < 0)
			return -1;
		break;
	case MS_CONF_UINT:
	case MS_CONF_SIZE:
	case MS_CONF_SECS:
		if (check_number(k, v, len, &out->num, why, whysize) < 0)
			return -1;
		break;
	case MS_CONF_LIST:
		if (check_list(pool, k, v, len, out, why, whysize) < 0)
			return -1;
		break;
	default:
		(void)snprintf(why, whysize, "key has unknown type %d",
			       (int)k->type);
		return -1;
	}
	out->text = ms_pstrndup(pool, v, len);
	return 0;
}

/* ======================================================================
 * Making a configuration
 * ====================================================================== */

/* Panic on a schema table a developer got wrong: the message says what
   to fix, and every program and test trips over it at once. */
static void
schema_check(const struct ms_conf_key *keys, size_t n)
{
	char name[MS_CONF_MAX_KEY + 1];
	size_t i, j, len;

	for (i = 0; i < n; i++) {
		const struct ms_conf_key *k = &keys[i];

		len = strlen(k->name);
		if (len > MS_CONF_MAX_KEY || key_normalize(k->name, len,
							   name) < 0 ||
		    strcmp(name, k->name) != 0 || strchr(name, '.') == NULL)
			ms_panic("conf schema: bad key name '%s' (lower case, "
				 "section.key)", k->name);
		if (k->def == NULL || k->desc == NULL)
			ms_panic("conf schema: %s lacks a default or a "
				 "description", k->name);
		if ((k->type == MS_CONF_ENUM && k->choices == NULL) ||
		    (k->max != 0 && k->min > k->max))
			ms_panic("conf schema: %s: bad choices or bounds",
				 k->name);
		for (j = 0; j < i; j++)
			if (strcmp(keys[j].name, k->name) == 0)
				ms_panic("conf schema: %s is listed twice",
					 k->name);
	}
}

struct ms_conf *
ms_conf_new_schema(struct ms_pool *pool, const struct ms_conf_key *keys)
{
	struct ms_conf *conf;
	char why[160];
	size_t i, n;

	for (n = 0; keys[n].name != NULL; n++)
		;
	schema_check(keys, n);
	conf = MS_PNEW(pool, struct ms_conf, 1);
	conf->pool = pool;
	conf->keys = keys;
	conf->nkeys = n;
	conf->vals = MS_PNEW(pool, struct conf_val, n + 1);
	for (i = 0; i < n; i++) {
		if (check_value(pool, &keys[i], keys[i].def,
				strlen(keys[i].def), &conf->vals[i], why,
				sizeof(why)) < 0)
			ms_panic("conf schema: default of %s: %s",
				 keys[i].name, why);
		conf->vals[i].src = MS_CONF_SRC_DEFAULT;
	}
	return conf;
}

struct ms_conf *
ms_conf_new(struct ms_pool *pool)
{
	return ms_conf_new_schema(pool, ms_conf_keys);
}

void
ms_conf_limits_default(struct ms_conf_limits *lim_r)
{
	lim_r->max_line = MS_CONF_MAX_LINE;
	lim_r->max_key = MS_CONF_MAX_KEY;
	lim_r->max_value = MS_CONF_MAX_VALUE;
	lim_r->max_keys = MS_CONF_MAX_KEYS;
}

/* ======================================================================
 * Lookup and suggestions
 * ====================================================================== */

long
ms_conf_find(const struct ms_conf *conf, const char *key)
{
	size_t i;

	for (i = 0; i < conf->nkeys; i++)
		if (ms_ascii_strcasecmp(conf->keys[i].name, key) == 0)
			return (long)i;
	return -1;
}

/*
 * Edit distance between a and b with adjacent transpositions counted as
 * one edit (optimal string alignment).  Both are at most MS_CONF_MAX_KEY
 * bytes; three rows on the stack.
 */
static size_t
edit_distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t r0[MS_CONF_MAX_KEY + 1], r1[MS_CONF_MAX_KEY + 1];
	size_t r2[MS_CONF_MAX_KEY + 1];
	size_t *pp = r0, *prev = r1, *cur = r2, *t;
	size_t i, j, best;

	for (j = 0; j <= lb; j++)
		prev[j] = j;
	for (i = 1; i <= la; i++) {
		cur[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;

			best = prev[j] + 1;
			if (cur[j - 1] + 1 < best)
				best = cur[j - 1] + 1;
			if (prev[j - 1] + cost < best)
				best = prev[j - 1] + cost;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] &&
			    a[i - 2] == b[j - 1] && pp[j - 2] + 1 < best)
				best = pp[j - 2] + 1;
			cur[j] = best;
		}
		t = pp;
		pp = prev;
		prev = cur;
		cur = t;
	}
	return prev[lb];
}

static const char *
last_component(const char *s)
{
	const char *dot = strrchr(s, '.');

	return dot != NULL ? dot + 1 : s;
}

const char *
ms_conf_suggest(const struct ms_conf *conf, const char *name)
{
	size_t i, len = strlen(name), d, best_d = (size_t)-1, limit;
	const char *best = NULL, *tail, *same_tail = NULL;
	int n_same_tail = 0;

	if (len == 0 || len > MS_CONF_MAX_KEY)
		return NULL;
	limit = len / 4 > 2 ? len / 4 : 2;
	tail = last_component(name);
	for (i = 0; i < conf->nkeys; i++) {
		const char *k = conf->keys[i].name;
		size_t lk = strlen(k);

		if (lk > MS_CONF_MAX_KEY)
			continue;
		d = edit_distance(name, len, k, lk);
		if (d < best_d) {
			best_d = d;
			best = k;
		}
		if (ms_ascii_strcasecmp(last_component(k), tail) == 0) {
			same_tail = k;
			n_same_tail++;
		}
	}
	if (best != NULL && best_d <= limit)
		return best;
	if (n_same_tail == 1)
		return same_tail;
	return NULL;
}

/* ======================================================================
 * Assignments (file lines and --set)
 * ====================================================================== */

/* Store value v[0..len) for the normalised key into conf. */
static int
assign(struct ms_conf *conf, const char *key, const char *v, size_t len,
       const struct conf_origin *o, struct ms_err *err)
{
	struct conf_val tmp, *cur;
	const char *sugg;
	char why[200];
	long idx;

	idx = ms_conf_find(conf, key);
	if (idx < 0) {
		sugg = ms_conf_suggest(conf, key);
		if (sugg != NULL)
			return conf_fail(err, o, "unknown key '%s' (did you "
					 "mean '%s'?)", key, sugg);
		return conf_fail(err, o, "unknown key '%s'", key);
	}
	cur = &conf->vals[idx];
	if (o->src == MS_CONF_SRC_FILE && cur->src == MS_CONF_SRC_FILE) {
		if (cur->where != NULL && strcmp(cur->where, o->where) == 0)
			return conf_fail(err, o, "'%s' given twice (first "
					 "on line %lu)", key, cur->line);
		return conf_fail(err, o, "'%s' given twice (first at "
				 "%s:%lu)", key, cur->where, cur->line);
	}
	if (check_value(conf->pool, &conf->keys[idx], v, len, &tmp, why,
			sizeof(why)) < 0)
		return conf_fail(err, o, "%s (%s): %s", key,
				 ms_conf_type_name(conf->keys[idx].type),
				 why);
	tmp.src = o->src;
	tmp.where = o->where;
	tmp.line = o->line;
	*cur = tmp;
	return 0;
}

/*
 * Parse "key = value" in line[0..len) (trimmed, no control characters).
 * section ("" for none) prefixes the key; keybuf has max_key + 1 bytes,
 * valbuf max_value + 1.
 */
static int
parse_assign(struct ms_conf *conf, const char *line, size_t len,
	     const char *section, char *keybuf, size_t max_key,
	     char *valbuf, size_t max_value, const struct conf_origin *o,
	     struct ms_err *err)
{
	const char *eq, *v;
	size_t klen, vlen, slen = strlen(section), i, out;

	eq = memchr(line, '=', len);
	if (eq == NULL)
		return conf_fail(err, o, "expected 'key = value', got "
				 "'%.*s%s'", show_len(len), line,
				 show_more(len));
	klen = (size_t)(eq - line);
	while (klen > 0 && is_blank((unsigned char)line[klen - 1]))
		klen--;
	if (klen == 0)
		return conf_fail(err, o, "no key before '='");
	/* a dotted key is absolute; a plain one gets the section prefix */
	if (memchr(line, '.', klen) != NULL)
		slen = 0;
	if ((slen > 0 ? slen + 1 : 0) + klen > max_key)
		return conf_fail(err, o, "key longer than %lu bytes",
				 (unsigned long)max_key);
	if (slen > 0) {
		memcpy(keybuf, section, slen);
		keybuf[slen++] = '.';
	}
	if (key_normalize(line, klen, keybuf + slen) < 0)
		return conf_fail(err, o, "bad key '%.*s%s' (letters, digits, "
				 "_ and - in dotted parts)", show_len(klen),
				 line, show_more(klen));
	if (slen == 0 && *section != '\0' && ms_conf_find(conf, keybuf) < 0 &&
	    strlen(section) + 1 + klen <= MS_CONF_MAX_KEY) {
		char alt[MS_CONF_MAX_KEY + 1];

		(void)snprintf(alt, sizeof(alt), "%s.%s", section, keybuf);
		if (ms_conf_find(conf, alt) >= 0)
			return conf_fail(err, o, "unknown key '%s' (a dotted "
					 "key ignores [%s]: did you mean "
					 "'%s'?)", keybuf, section, alt);
	}

	v = eq + 1;
	vlen = len - (size_t)(v - line);
	while (vlen > 0 && is_blank((unsigned char)*v))
		v++, vlen--;
	while (vlen > 0 && is_blank((unsigned char)v[vlen - 1]))
		vlen--;
	if (vlen == 0 || *v != '"') {
		if (vlen > max_value)
			return conf_fail(err, o, "%s: value longer than %lu "
					 "bytes", keybuf,
					 (unsigned long)max_value);
		return assign(conf, keybuf, v, vlen, o, err);
	}

	/* A quoted value: \" and \\ are the only escapes. */
	out = 0;
	for (i = 1; i < vlen; i++) {
		char c = v[i];

		if (c == '"')
			break;
		if (c == '\\') {
			if (i + 1 >= vlen) {
				i = vlen;       /* a backslash at the end */
				break;
			}
			c = v[++i];
			if (c != '"' && c != '\\')
				return conf_fail(err, o, "%s: unknown escape "
						 "'\\%c' (only \\\" and \\\\)",
						 keybuf, c);
		}
		if (out == max_value)
			return conf_fail(err, o, "%s: value longer than %lu "
					 "bytes", keybuf,
					 (unsigned long)max_value);
		valbuf[out++] = c;
	}
	if (i >= vlen)
		return conf_fail(err, o, "%s: missing closing '\"'", keybuf);
	if (i + 1 != vlen)
		return conf_fail(err, o, "%s: text after the closing '\"'",
				 keybuf);
	valbuf[out] = '\0';
	return assign(conf, keybuf, valbuf, out, o, err);
}

/* The first control character in s[0..len) (tab is allowed), or -1. */
static int
find_control(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return c;
	}
	return -1;
}

int
ms_conf_set(struct ms_conf *conf, const char *assign_text,
	    const char *origin, struct ms_err *err)
{
	struct conf_origin o;
	size_t len = strlen(assign_text);
	const char *s = assign_text;
	char *keybuf, *valbuf;
	int c;

	o.src = MS_CONF_SRC_SET;
	o.where = ms_pstrdup(conf->pool, origin != NULL ? origin : "--set");
	o.line = 0;
	if (len > MS_CONF_MAX_LINE)
		return conf_fail(err, &o, "longer than %lu bytes",
				 (unsigned long)MS_CONF_MAX_LINE);
	c = find_control(s, len);
	if (c >= 0)
		return conf_fail(err, &o, "control character 0x%02x", c);
	while (len > 0 && is_blank((unsigned char)*s))
		s++, len--;
	while (len > 0 && is_blank((unsigned char)s[len - 1]))
		len--;
	keybuf = ms_palloc(conf->pool, MS_CONF_MAX_KEY + 1);
	/* an unquoted value is never longer than the text it came from */
	valbuf = ms_palloc(conf->pool, len + 1);
	return parse_assign(conf, s, len, "", keybuf, MS_CONF_MAX_KEY,
			    valbuf, MS_CONF_MAX_VALUE, &o, err);
}

/* ======================================================================
 * The incremental parser
 * ====================================================================== */

struct ms_conf_parser *
ms_conf_parser_new(struct ms_pool *pool, struct ms_conf *conf,
		   const char *source, const struct ms_conf_limits *lim)
{
	struct ms_conf_parser *p = MS_PNEW(pool, struct ms_conf_parser, 1);

	p->conf = conf;
	if (lim != NULL)
		p->lim = *lim;
	else
		ms_conf_limits_default(&p->lim);
	/* the edit distance and a sane section need these bounds */
	if (p->lim.max_key < 3 || p->lim.max_key > MS_CONF_MAX_KEY)
		p->lim.max_key = MS_CONF_MAX_KEY;
	if (p->lim.max_line == 0 || p->lim.max_line > MS_MAX_ALLOC / 2)
		p->lim.max_line = MS_CONF_MAX_LINE;
	if (p->lim.max_value == 0 || p->lim.max_value > p->lim.max_line)
		p->lim.max_value = p->lim.max_line;
	if (p->lim.max_keys == 0)
		p->lim.max_keys = MS_CONF_MAX_KEYS;
	p->source = ms_pstrdup(conf->pool, source != NULL ? source :
			       "(config)");
	p->line = ms_palloc(pool, p->lim.max_line + 1);
	p->section = ms_palloc(pool, p->lim.max_key + 1);
	p->keybuf = ms_palloc(pool, p->lim.max_key + 1);
	p->valbuf = ms_palloc(pool, p->lim.max_value + 1);
	p->lineno = 1;
	return p;
}

unsigned long
ms_conf_parser_line(const struct ms_conf_parser *p)
{
	return p->lineno;
}

static int
parser_fail(struct ms_conf_parser *p, struct ms_err *err)
{
	p->failed = 1;
	if (err != NULL)
		*err = p->error;
	return -1;
}

/* One complete line (without its newline) in p->line[0..len). */
static int
parse_line(struct ms_conf_parser *p, size_t len)
{
	struct conf_origin o;
	char *s = p->line;
	int c;

	o.src = MS_CONF_SRC_FILE;
	o.where = p->source;
	o.line = p->lineno;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	/* a UTF-8 byte order mark some editors put first */
	if (p->lineno == 1 && len >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		len -= 3;
	}
	c = find_control(s, len);
	if (c >= 0)
		return conf_fail(&p->error, &o, "control character 0x%02x",
				 c);
	while (len > 0 && is_blank((unsigned char)*s))
		s++, len--;
	while (len > 0 && is_blank((unsigned char)s[len - 1]))
		len--;
	if (len == 0 || *s == '#')
		return 0;
	if (*s == '[') {
		if (s[len - 1] != ']')
			return conf_fail(&p->error, &o, "section header "
					 "without a closing ']'");
		s++;
		len -= 2;
		while (len > 0 && is_blank((unsigned char)*s))
			s++, len--;
		while (len > 0 && is_blank((unsigned char)s[len - 1]))
			len--;
		if (len + 2 > p->lim.max_key)
			return conf_fail(&p->error, &o, "section name longer "
					 "than %lu bytes",
					 (unsigned long)p->lim.max_key - 2);
		if (key_normalize(s, len, p->section) < 0)
			return conf_fail(&p->error, &o, "bad section name "
					 "'[%.*s%s]'", show_len(len), s,
					 show_more(len));
		return 0;
	}
	if (p->nassign == p->lim.max_keys)
		return conf_fail(&p->error, &o, "more than %lu settings",
				 (unsigned long)p->lim.max_keys);
	p->nassign++;
	return parse_assign(p->conf, s, len, p->section, p->keybuf,
			    p->lim.max_key, p->valbuf, p->lim.max_value, &o,
			    &p->error);
}

int
ms_conf_parser_feed(struct ms_conf_parser *p, const void *data, size_t len,
		    struct ms_err *err)
{
	const char *s = data, *nl;
	size_t n, room;

	if (p->failed)
		return parser_fail(p, err);
	if (p->ended) {
		struct conf_origin o;

		o.src = MS_CONF_SRC_FILE;
		o.where = p->source;
		o.line = p->lineno;
		(void)conf_fail(&p->error, &o, "input after the end");
		return parser_fail(p, err);
	}
	while (len > 0) {
		nl = memchr(s, '\n', len);
		n = nl != NULL ? (size_t)(nl - s) : len;
		room = p->lim.max_line - p->len;
		if (n > room) {
			struct conf_origin o;

			o.src = MS_CONF_SRC_FILE;
			o.where = p->source;
			o.line = p->lineno;
			(void)conf_fail(&p->error, &o, "line longer than %lu "
					"bytes",
					(unsigned long)p->lim.max_line);
			return parser_fail(p, err);
		}
		memcpy(p->line + p->len, s, n);
		p->len += n;
		if (nl == NULL)
			break;
		if (parse_line(p, p->len) < 0)
			return parser_fail(p, err);
		p->len = 0;
		p->lineno++;
		s += n + 1;
		len -= n + 1;
	}
	return 0;
}

int
ms_conf_parser_end(struct ms_conf_parser *p, struct ms_err *err)
{
	if (p->failed)
		return parser_fail(p, err);
	if (p->ended)
		return 0;
	p->ended = 1;
	if (p->len > 0) {
		if (parse_line(p, p->len) < 0)
			return parser_fail(p, err);
		p->len = 0;
	}
	return 0;
}

/* ======================================================================
 * Loading
 * ====================================================================== */

int
ms_conf_load(struct ms_conf *conf, const char *path, struct ms_err *err)
{
	struct ms_conf_parser *p;
	struct ms_pool *scratch;
	struct ms_perr perr;
	char *data = NULL;
	size_t len = 0;
	int rc;

	if (ms_plat_read_path(path, MS_CONF_MAX_FILE, &data, &len,
			      &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, path);
		if (err != NULL) {
			if (perr.st == MS_INVALID)
				(void)snprintf(err->internal,
					       sizeof(err->internal),
					       "%s: cannot read (not a file, "
					       "or larger than %lu bytes)",
					       path,
					       (unsigned long)MS_CONF_MAX_FILE);
			else
				(void)snprintf(err->internal,
					       sizeof(err->internal),
					       "%s: cannot read: %s (%s)",
					       path, ms_st_name(perr.st),
					       perr.what);
		}
		return -1;
	}
	conf->path = ms_pstrdup(conf->pool, path);
	scratch = ms_pool_create("conf-parse", 0);
	p = ms_conf_parser_new(scratch, conf, path, NULL);
	rc = ms_conf_parser_feed(p, data, len, err);
	if (rc == 0)
		rc = ms_conf_parser_end(p, err);
	ms_pool_destroy(&scratch);
	free(data);
	return rc;
}

const char *
ms_conf_path(const struct ms_conf *conf)
{
	return conf->path;
}

/* ======================================================================
 * Typed access
 * ====================================================================== */

static const struct conf_val *
conf_get(const struct ms_conf *conf, const char *key, unsigned types,
	 const char *fn)
{
	long idx = ms_conf_find(conf, key);

	if (idx < 0)
		ms_panic("%s: '%s' is not in the configuration schema", fn,
			 key);
	if ((types & (1u << conf->keys[idx].type)) == 0)
		ms_panic("%s: '%s' is a %s key", fn, key,
			 ms_conf_type_name(conf->keys[idx].type));
	return &conf->vals[idx];
}

#define T_(t)   (1u << (t))

const char *
ms_conf_str(const struct ms_conf *conf, const char *key)
{
	return conf_get(conf, key, T_(MS_CONF_STR) | T_(MS_CONF_ENUM),
			"ms_conf_str")->text;
}

unsigned
ms_conf_enum(const struct ms_conf *conf, const char *key)
{
	return (unsigned)conf_get(conf, key, T_(MS_CONF_ENUM),
				  "ms_conf_enum")->num;
}

int
ms_conf_bool(const struct ms_conf *conf, const char *key)
{
	return conf_get(conf, key, T_(MS_CONF_BOOL), "ms_conf_bool")->num
		!= 0;
}

uint64_t
ms_conf_uint(const struct ms_conf *conf, const char *key)
{
	return conf_get(conf, key, T_(MS_CONF_UINT) | T_(MS_CONF_SIZE),
			"ms_conf_uint")->num;
}

uint64_t
ms_conf_secs(const struct ms_conf *conf, const char *key)
{
	return conf_get(conf, key, T_(MS_CONF_SECS), "ms_conf_secs")->num;
}

size_t
ms_conf_list(const struct ms_conf *conf, const char *key,
	     const char *const **items_r)
{
	const struct conf_val *v = conf_get(conf, key, T_(MS_CONF_LIST),
					    "ms_conf_list");

	*items_r = v->items;
	return v->nitems;
}

/* ======================================================================
 * Introspection
 * ====================================================================== */

size_t
ms_conf_count(const struct ms_conf *conf)
{
	return conf->nkeys;
}

void
ms_conf_item(const struct ms_conf *conf, size_t i, struct ms_conf_item *it_r)
{
	const struct conf_val *v;

	ms_assert(i < conf->nkeys);
	v = &conf->vals[i];
	it_r->key = &conf->keys[i];
	it_r->value = v->text;
	it_r->src = v->src;
	it_r->where = v->where;
	it_r->line = v->line;
}

void
ms_conf_origin(const struct ms_conf_item *it, char *buf, size_t size)
{
	switch (it->src) {
	case MS_CONF_SRC_FILE:
		(void)snprintf(buf, size, "%s:%lu", it->where, it->line);
		break;
	case MS_CONF_SRC_SET:
		(void)snprintf(buf, size, "%s", it->where);
		break;
	default:
		(void)snprintf(buf, size, "default");
		break;
	}
}

size_t
ms_conf_quote(const char *value, char *buf, size_t size)
{
	size_t len = strlen(value), need, i, o = 0;
	int quote;

	quote = len == 0 || is_blank((unsigned char)value[0]) ||
		is_blank((unsigned char)value[len - 1]) || value[0] == '"';
	if (!quote) {
		(void)ms_strlcpy(buf, value, size);
		return len;
	}
	need = 2;
	for (i = 0; i < len; i++)
		need += (value[i] == '"' || value[i] == '\\') ? 2 : 1;
	/* write as much as fits, keeping room for the NUL */
#define PUT_(c) do { if (o + 1 < size) buf[o] = (c); o++; } while (0)
	PUT_('"');
	for (i = 0; i < len; i++) {
		if (value[i] == '"' || value[i] == '\\')
			PUT_('\\');
		PUT_(value[i]);
	}
	PUT_('"');
#undef PUT_
	buf[o < size ? o : size - 1] = '\0';
	return need;
}
