/*
 * ms_jparse.h -- a strict JSON reader (RFC 8259) for small documents:
 * the HTTP service's request bodies.
 *
 * The whole text is parsed at once into a tree allocated from a pool.
 * Strict: one value with optional white space around it; no comments,
 * no trailing commas, no leading zeros, no NaN/Infinity, no single
 * quotes.  Strings are unescaped (\uXXXX with surrogate pairs) into
 * NUL-ended UTF-8; invalid UTF-8 in the input, a lone surrogate, an
 * unescaped control character or an escaped U+0000 is an error (a value
 * is always usable as a C string).  An object with a repeated key is an
 * error.  Nesting deeper than MS_JP_MAX_DEPTH is an error, so a hostile
 * document costs bounded stack; the tree costs O(input) memory (a copy
 * of the text for strings and numbers, and one struct ms_jv per value:
 * no per-member overhead), and a repeated key is found in O(n log n).
 * A byte order mark is not white space (RFC 8259 section 8.1 allows
 * refusing it).  Pure; thread safe (each call uses only its arguments).
 */
#ifndef MS_JPARSE_H
#define MS_JPARSE_H

#include "ms_sys.h"

struct ms_pool;

#define MS_JP_MAX_DEPTH         32

enum ms_jv_type {
	MS_JV_NULL = 0,
	MS_JV_BOOL,
	MS_JV_NUM,
	MS_JV_STR,
	MS_JV_ARR,
	MS_JV_OBJ
};

struct ms_jv {
	enum ms_jv_type type;
	int b;                          /* BOOL: 0 or 1 */
	/* NUM: the number's text as written ("-1.5e3"); use ms_jv_u64 */
	const char *num;
	/* STR: the unescaped value, NUL ended, len bytes (no NUL inside) */
	const char *s;
	size_t len;
	/* ARR and OBJ: n members; keys[i] (NUL ended) names item[i] of an
	   object, in document order; keys is NULL for an array */
	size_t n;
	struct ms_jv *item;
	const char **keys;
};

/*
 * Parse text[0..len-1] into *root_r (allocated in pool).  0, or -1 with
 * *root_r NULL, *off_r (may be NULL) set to the byte offset where the
 * error was found and a short English message copied into why (size
 * bytes, cut to fit; may be NULL with size 0), e.g. "expected ':' after
 * key" or "duplicate key \"a\"".  A repeated key is reported at the
 * opening quote of its second occurrence (the first such in the
 * document), the message showing at most 40 bytes of it; as objects are
 * checked once complete, a syntax error later in the text is reported
 * instead.  Nesting: the 33rd open bracket is the error.
 */
int ms_jparse(struct ms_pool *pool, const char *text, size_t len,
	      const struct ms_jv **root_r, size_t *off_r, char *why,
	      size_t size);

/* The member key of object obj, or NULL (also when obj is not an
   object). */
const struct ms_jv *ms_jv_get(const struct ms_jv *obj, const char *key);

/* A NUM that is a non-negative integer without fraction or exponent and
   at most max: 0 and *v_r; else -1 (*v_r untouched).  Written with no
   sign: "-0" is -1 too. */
int ms_jv_u64(const struct ms_jv *v, uint64_t max, uint64_t *v_r);

/* "null", "boolean", "number", "string", "array", "object".  Static. */
const char *ms_jv_type_name(enum ms_jv_type t);

#endif /* MS_JPARSE_H */
