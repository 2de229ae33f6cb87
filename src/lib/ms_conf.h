/*
 * ms_conf.h -- the configuration: schema, parser, loader, typed access.
 *
 * msgstore reads one file, msgstore.conf:
 *
 *     # a comment (the first non-blank character is '#')
 *     log.level = info              dotted keys anywhere
 *     [imap]                        a section prefixes the plain keys
 *     listen = 127.0.0.1:143        after it: this is imap.listen
 *     store.root = /srv/mail        a dotted key is always the full name
 *     banner = "say \"hi\""         double quotes keep blanks; \" and \\
 *
 * Keys are case-insensitive (stored in lower case).  Every key must be in
 * the schema (ms_conf_keys.c: one table line per key, with its type,
 * default and description); an unknown key, a key given twice, or a value
 * of the wrong type is an error naming the file and line, with a "did you
 * mean" suggestion for a near-miss key.  `--set key=value` overrides are
 * applied after the file and checked the same way.
 *
 * The parser is pure, bounded and incremental (no I/O, no globals, memory
 * from the pools it is given), so it can be fed one byte at a time and
 * fuzzed; ms_conf_load() is the thin loader that reads a file through the
 * platform layer.  A loaded ms_conf is read-only and may be shared by
 * threads; building one (parse, set) is for one thread.
 */
#ifndef MS_CONF_H
#define MS_CONF_H

#include "ms_sys.h"
#include "ms_err.h"

struct ms_pool;

/* ======================================================================
 * Schema
 * ====================================================================== */

enum ms_conf_type {
	MS_CONF_STR = 1,        /* any text */
	MS_CONF_ENUM,           /* one of `choices` ("a|b|c"), any case */
	MS_CONF_BOOL,           /* yes/no/true/false/on/off/1/0 */
	MS_CONF_UINT,           /* decimal count, min..max */
	MS_CONF_SIZE,           /* bytes: decimal with optional k, M, G */
	MS_CONF_SECS,           /* seconds: decimal with optional s, m, h, d */
	MS_CONF_LIST            /* words split at commas and blanks; each
				   one of `choices` when that is set */
};

struct ms_conf_key {
	const char *name;       /* "store.root": lower case, dotted */
	enum ms_conf_type type;
	const char *def;        /* default, written as in the file */
	const char *choices;    /* ENUM, LIST: "a|b|c"; NULL = any word */
	uint64_t min, max;      /* UINT, SIZE, SECS bounds; max 0 = none */
	const char *desc;       /* one line for `msgstore config show` */
};

/* One table line per key (see ms_conf_keys.c). */
#define MS_CONF_KEY_STR(name, def, desc) \
	{ name, MS_CONF_STR, def, NULL, 0, 0, desc }
#define MS_CONF_KEY_ENUM(name, def, choices, desc) \
	{ name, MS_CONF_ENUM, def, choices, 0, 0, desc }
#define MS_CONF_KEY_BOOL(name, def, desc) \
	{ name, MS_CONF_BOOL, def, NULL, 0, 0, desc }
#define MS_CONF_KEY_UINT(name, def, min, max, desc) \
	{ name, MS_CONF_UINT, def, NULL, min, max, desc }
#define MS_CONF_KEY_SIZE(name, def, min, max, desc) \
	{ name, MS_CONF_SIZE, def, NULL, min, max, desc }
#define MS_CONF_KEY_SECS(name, def, min, max, desc) \
	{ name, MS_CONF_SECS, def, NULL, min, max, desc }
#define MS_CONF_KEY_LIST(name, def, choices, desc) \
	{ name, MS_CONF_LIST, def, choices, 0, 0, desc }
#define MS_CONF_KEY_END \
	{ NULL, MS_CONF_STR, NULL, NULL, 0, 0, NULL }

/* The program's schema, ended by MS_CONF_KEY_END (ms_conf_keys.c). */
extern const struct ms_conf_key ms_conf_keys[];

/* "str", "enum", ... for messages and `config show`. */
const char *ms_conf_type_name(enum ms_conf_type type);

/* ======================================================================
 * A configuration
 * ====================================================================== */

struct ms_conf;

/*
 * A configuration holding the schema's defaults.  Everything it keeps is
 * allocated from pool and lives as long as pool.  A default that does not
 * pass its own type check is a bug in the table and panics.
 * ms_conf_new_schema() uses another table (tests, fuzzing); the table must
 * outlive the configuration.
 */
struct ms_conf *ms_conf_new(struct ms_pool *pool);
struct ms_conf *ms_conf_new_schema(struct ms_pool *pool,
				   const struct ms_conf_key *keys);

/*
 * Limits for the parser; ms_conf_limits_default() fills the defaults.  A
 * 0 means the default; max_key is at most MS_CONF_MAX_KEY and max_value
 * at most max_line.
 */
struct ms_conf_limits {
	size_t max_line;        /* bytes in one line, without the newline */
	size_t max_key;         /* bytes in a full key ("section.key") */
	size_t max_value;       /* bytes in a value after unquoting */
	size_t max_keys;        /* assignments in one file */
};

#define MS_CONF_MAX_LINE        4096
#define MS_CONF_MAX_KEY         128
#define MS_CONF_MAX_VALUE       4000
#define MS_CONF_MAX_KEYS        1000
/* Largest file ms_conf_load() reads. */
#define MS_CONF_MAX_FILE        ((size_t)4 << 20)

void ms_conf_limits_default(struct ms_conf_limits *lim_r);

/* ---- the incremental parser ---- */

struct ms_conf_parser;

/*
 * A parser that stores what it reads into conf.  source names the input
 * in messages ("msgstore.conf", a path) and is copied.  The parser's own
 * state (one line buffer of max_line bytes) comes from pool, which may be
 * a scratch pool cleared once the parser is done; values go to conf's
 * pool.  lim NULL means the defaults.
 */
struct ms_conf_parser *ms_conf_parser_new(struct ms_pool *pool,
					  struct ms_conf *conf,
					  const char *source,
					  const struct ms_conf_limits *lim);

/*
 * Feed len bytes (any split: a byte at a time gives the same result as
 * all at once).  Returns 0, or -1 with err filled ("FILE:LINE: message").
 * Errors are sticky: later calls return -1 with the same error.  conf
 * keeps what was read before the error; callers discard it.
 */
int ms_conf_parser_feed(struct ms_conf_parser *p, const void *data,
			size_t len, struct ms_err *err);

/* End of input: handles a last line without a newline.  0 or -1. */
int ms_conf_parser_end(struct ms_conf_parser *p, struct ms_err *err);

/* The line the parser is on (1-based); after an error, the bad line. */
unsigned long ms_conf_parser_line(const struct ms_conf_parser *p);

/* ---- loading and overrides ---- */

/*
 * Read the file at path (an OS path or VMS file spec) with
 * ms_plat_read_path() and parse it into conf.  0, or -1 with err: a file
 * that cannot be read, is larger than MS_CONF_MAX_FILE, or does not parse.
 * conf remembers path (ms_conf_path()).
 */
int ms_conf_load(struct ms_conf *conf, const char *path,
		 struct ms_err *err);

/*
 * Apply one override "key=value" (the value may be quoted as in the file)
 * after the file: it replaces a file value, and a later override of the
 * same key replaces an earlier one.  origin names it in messages and in
 * ms_conf_item() ("--set").  0, or -1 with err ("--set: unknown key ...").
 */
int ms_conf_set(struct ms_conf *conf, const char *assign, const char *origin,
		struct ms_err *err);

/* The file loaded into conf, or NULL (embedded defaults only). */
const char *ms_conf_path(const struct ms_conf *conf);

/* ======================================================================
 * Typed access
 *
 * key must be a schema key of a matching type: anything else is a bug and
 * panics (the schema is known at compile time).  Returned memory belongs
 * to the configuration.  Thread safe on a configuration nobody changes.
 * ====================================================================== */

/* STR and ENUM keys (ENUM: the choice in its canonical spelling). */
const char *ms_conf_str(const struct ms_conf *conf, const char *key);
/* ENUM keys: index of the value in the key's choices. */
unsigned ms_conf_enum(const struct ms_conf *conf, const char *key);
/* BOOL keys: 1 or 0. */
int ms_conf_bool(const struct ms_conf *conf, const char *key);
/* UINT and SIZE keys (SIZE: in bytes). */
uint64_t ms_conf_uint(const struct ms_conf *conf, const char *key);
/* SECS keys: in seconds. */
uint64_t ms_conf_secs(const struct ms_conf *conf, const char *key);
/* LIST keys: the number of words; *items_r points at them. */
size_t ms_conf_list(const struct ms_conf *conf, const char *key,
		    const char *const **items_r);

/* ======================================================================
 * Introspection (`msgstore config show`)
 * ====================================================================== */

enum ms_conf_src {
	MS_CONF_SRC_DEFAULT = 0,
	MS_CONF_SRC_FILE,
	MS_CONF_SRC_SET
};

struct ms_conf_item {
	const struct ms_conf_key *key;
	const char *value;      /* effective value as text */
	enum ms_conf_src src;
	const char *where;      /* file path or option name; NULL if default */
	unsigned long line;     /* line in the file; 0 otherwise */
};

/* Number of keys (schema order), and the i-th (i < count). */
size_t ms_conf_count(const struct ms_conf *conf);
void ms_conf_item(const struct ms_conf *conf, size_t i,
		  struct ms_conf_item *it_r);
/* Index of key (any case), or -1 when the schema lacks it. */
long ms_conf_find(const struct ms_conf *conf, const char *key);

/* Where a value came from: "default", "FILE:LINE" or the option
   ("--set").  Always NUL-terminates buf (size > 0); truncates. */
void ms_conf_origin(const struct ms_conf_item *it, char *buf, size_t size);

/*
 * The schema key closest to name (edit distance, or the same last
 * component in another section), or NULL when none is close.  Used for
 * "did you mean" in messages.  Pure.
 */
const char *ms_conf_suggest(const struct ms_conf *conf, const char *name);

/*
 * Write value so that the parser reads it back unchanged: bare when that
 * is safe, else in double quotes with \" and \\.  Returns the length the
 * full text needs; output is NUL-terminated and truncated to size-1
 * (size > 0).
 */
size_t ms_conf_quote(const char *value, char *buf, size_t size);

#endif /* MS_CONF_H */
