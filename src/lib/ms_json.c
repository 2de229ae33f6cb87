/*
 * ms_json.c -- the JSON writer of ms_json.h.
 *
 * Invariant: after every call the buffer holds a prefix of valid JSON;
 * the writer's stack records, per open container, whether a comma is due
 * and (objects) whether a key waits for its value.  Any misuse or a full
 * buffer sets `failed` and later calls do nothing.
 */
#include "ms_sys.h"
#include "ms_json.h"
#include "ms_buf.h"
#include "ms_utf8.h"

#include <string.h>

void
ms_json_init(struct ms_json *j, struct ms_buf *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
}

static void
put(struct ms_json *j, const void *p, size_t len)
{
	if (!j->failed && ms_buf_append(j->out, p, len) < 0)
		j->failed = 1;
}

/*
 * Before a value: refuse one where a key is due or after the top-level
 * value, and write the comma that separates array members.
 */
static int
before_value(struct ms_json *j)
{
	unsigned d = j->depth;

	if (j->failed)
		return -1;
	if (d == 0) {
		if (j->done) {
			j->failed = 1;
			return -1;
		}
		return 0;
	}
	if (j->kind[d - 1] == 'o') {
		if (!j->want_value[d - 1]) {
			j->failed = 1;          /* a value without a key */
			return -1;
		}
		j->want_value[d - 1] = 0;
		return 0;
	}
	if (j->has_item[d - 1])
		put(j, ",", 1);
	j->has_item[d - 1] = 1;
	return j->failed ? -1 : 0;
}

/* After a value: a complete top-level value ends the document. */
static void
after_value(struct ms_json *j)
{
	if (j->depth == 0)
		j->done = 1;
}

/* The body of a string: escapes and UTF-8 repair (see the header). */
static void
put_escaped(struct ms_json *j, const char *s, size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i = 0, run = 0, n;
	uint32_t cp;

	put(j, "\"", 1);
	while (i < len && !j->failed) {
		unsigned char c = (unsigned char)s[i];
		char esc[8];
		size_t elen = 0;

		if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		put(j, s + i - run, run);
		run = 0;
		if (c < 0x80) {
			esc[0] = '\\';
			elen = 2;
			switch (c) {
			case '"': esc[1] = '"'; break;
			case '\\': esc[1] = '\\'; break;
			case '\b': esc[1] = 'b'; break;
			case '\f': esc[1] = 'f'; break;
			case '\n': esc[1] = 'n'; break;
			case '\r': esc[1] = 'r'; break;
			case '\t': esc[1] = 't'; break;
			default:
				memcpy(esc + 1, "u00", 3);
				esc[4] = hex[c >> 4];
				esc[5] = hex[c & 15];
				elen = 6;
				break;
			}
			put(j, esc, elen);
			i++;
			continue;
		}
		if (ms_utf8_decode(s + i, len - i, &cp, &n) < 0) {
			put(j, MS_UTF8_REPL_SEQ, 3);
		} else if (cp == 0x2028 || cp == 0x2029) {
			put(j, cp == 0x2028 ? "\\u2028" : "\\u2029", 6);
		} else {
			put(j, s + i, n);
		}
		i += n;
	}
	put(j, s + i - run, run);
	put(j, "\"", 1);
}

static void
open_container(struct ms_json *j, char kind)
{
	if (before_value(j) < 0)
		return;
	if (j->depth >= MS_JSON_MAX_DEPTH) {
		j->failed = 1;
		return;
	}
	put(j, kind == 'o' ? "{" : "[", 1);
	j->kind[j->depth] = kind;
	j->has_item[j->depth] = 0;
	j->want_value[j->depth] = 0;
	j->depth++;
}

static void
close_container(struct ms_json *j, char kind)
{
	if (j->failed)
		return;
	if (j->depth == 0 || j->kind[j->depth - 1] != kind ||
	    j->want_value[j->depth - 1]) {
		j->failed = 1;
		return;
	}
	put(j, kind == 'o' ? "}" : "]", 1);
	j->depth--;
	after_value(j);
}

void
ms_json_obj_begin(struct ms_json *j)
{
	open_container(j, 'o');
}

void
ms_json_obj_end(struct ms_json *j)
{
	close_container(j, 'o');
}

void
ms_json_arr_begin(struct ms_json *j)
{
	open_container(j, 'a');
}

void
ms_json_arr_end(struct ms_json *j)
{
	close_container(j, 'a');
}

void
ms_json_key(struct ms_json *j, const char *key)
{
	unsigned d = j->depth;

	if (j->failed)
		return;
	if (d == 0 || j->kind[d - 1] != 'o' || j->want_value[d - 1] ||
	    key == NULL) {
		j->failed = 1;
		return;
	}
	if (j->has_item[d - 1])
		put(j, ",", 1);
	j->has_item[d - 1] = 1;
	put_escaped(j, key, strlen(key));
	put(j, ":", 1);
	j->want_value[d - 1] = 1;
}

void
ms_json_strn(struct ms_json *j, const char *s, size_t len)
{
	if (before_value(j) < 0)
		return;
	put_escaped(j, s, len);
	after_value(j);
}

void
ms_json_str(struct ms_json *j, const char *s)
{
	if (s == NULL)
		ms_json_null(j);
	else
		ms_json_strn(j, s, strlen(s));
}

void
ms_json_u64(struct ms_json *j, uint64_t v)
{
	if (before_value(j) < 0)
		return;
	if (ms_buf_append_u64(j->out, v) < 0)
		j->failed = 1;
	after_value(j);
}

void
ms_json_i64(struct ms_json *j, int64_t v)
{
	if (before_value(j) < 0)
		return;
	if (v < 0) {
		put(j, "-", 1);
		/* -(v + 1) + 1 does not overflow for INT64_MIN */
		if (!j->failed &&
		    ms_buf_append_u64(j->out, (uint64_t)(-(v + 1)) + 1) < 0)
			j->failed = 1;
	} else if (ms_buf_append_u64(j->out, (uint64_t)v) < 0) {
		j->failed = 1;
	}
	after_value(j);
}

void
ms_json_bool(struct ms_json *j, int v)
{
	if (before_value(j) < 0)
		return;
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
	after_value(j);
}

void
ms_json_null(struct ms_json *j)
{
	if (before_value(j) < 0)
		return;
	put(j, "null", 4);
	after_value(j);
}

void
ms_json_kstr(struct ms_json *j, const char *key, const char *s)
{
	ms_json_key(j, key);
	ms_json_str(j, s);
}

void
ms_json_ku64(struct ms_json *j, const char *key, uint64_t v)
{
	ms_json_key(j, key);
	ms_json_u64(j, v);
}

void
ms_json_kbool(struct ms_json *j, const char *key, int v)
{
	ms_json_key(j, key);
	ms_json_bool(j, v);
}

int
ms_json_finish(const struct ms_json *j)
{
	return !j->failed && j->done && j->depth == 0 ? 0 : -1;
}
