/*
 * ms_json.h -- a tiny JSON writer: the CLI's `--json` output and the HTTP
 * service's responses (a reader for request bodies is ms_jparse.h).
 *
 * Writes into a bounded ms_buf: objects, arrays, keys, strings, numbers,
 * booleans and null, with the commas put in by the writer.  Strings are
 * escaped per RFC 8259: '"' and '\\' get a backslash, control characters
 * (U+0000..U+001F) become \b \f \n \r \t or \u00XX, and DEL, U+2028 and
 * U+2029 become \u escapes too (harmless, and safe to embed in
 * JavaScript).  Valid UTF-8 passes through unchanged; an invalid sequence
 * becomes U+FFFD, so the output is always valid UTF-8 and valid JSON.
 *
 * Errors are sticky: a buffer that fills up, nesting deeper than
 * MS_JSON_MAX_DEPTH, or a call out of order (a value where a key is due,
 * a close that does not match) marks the writer failed, and
 * ms_json_finish() returns -1.  Pure; a writer belongs to one thread.
 */
#ifndef MS_JSON_H
#define MS_JSON_H

#include "ms_sys.h"

struct ms_buf;

#define MS_JSON_MAX_DEPTH       32

struct ms_json {
	struct ms_buf *out;
	int failed;
	unsigned depth;
	/* per level: 'o' object or 'a' array; whether a member was written;
	   in an object, whether a key is waiting for its value */
	char kind[MS_JSON_MAX_DEPTH];
	unsigned char has_item[MS_JSON_MAX_DEPTH];
	unsigned char want_value[MS_JSON_MAX_DEPTH];
	int done;                       /* a complete top-level value */
};

/* Start writing one JSON value into out (appended to what it holds). */
void ms_json_init(struct ms_json *j, struct ms_buf *out);

void ms_json_obj_begin(struct ms_json *j);
void ms_json_obj_end(struct ms_json *j);
void ms_json_arr_begin(struct ms_json *j);
void ms_json_arr_end(struct ms_json *j);

/* An object member's key (escaped like a string); a value must follow. */
void ms_json_key(struct ms_json *j, const char *key);

/* Values.  ms_json_str(NULL) writes null. */
void ms_json_str(struct ms_json *j, const char *s);
void ms_json_strn(struct ms_json *j, const char *s, size_t len);
void ms_json_u64(struct ms_json *j, uint64_t v);
void ms_json_i64(struct ms_json *j, int64_t v);
void ms_json_bool(struct ms_json *j, int v);
void ms_json_null(struct ms_json *j);

/* Key and value in one call. */
void ms_json_kstr(struct ms_json *j, const char *key, const char *s);
void ms_json_ku64(struct ms_json *j, const char *key, uint64_t v);
void ms_json_kbool(struct ms_json *j, const char *key, int v);

/* 0 when exactly one complete value was written and nothing failed,
   else -1.  Adds no newline. */
int ms_json_finish(const struct ms_json *j);

#endif /* MS_JSON_H */
