/*
 * fuzz_jparse.c -- the strict JSON reader (ms_jparse.h).
 *
 * Any input either fails with an offset inside it and a message, or
 * gives a tree whose every part keeps the header's promises: strings are
 * NUL-ended at len with no NUL inside and valid UTF-8, numbers follow
 * the RFC 8259 grammar, keys are unique C strings, arrays have no keys,
 * nesting stays within MS_JP_MAX_DEPTH, ms_jv_get finds each member and
 * ms_jv_u64 agrees with a plain decimal reading.  The tree is written
 * back as JSON, which must parse to the same tree.  Any violation
 * aborts so the fuzzer keeps the input.
 */
#include "ms_sys.h"
#include "ms_jparse.h"
#include "ms_buf.h"
#include "ms_pool.h"
#include "ms_utf8.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

/* Objects up to this size get the quadratic uniqueness check. */
#define FUZZ_KEYS_CHECKED       512

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

/* RFC 8259 section 6, independently of the parser. */
static int
number_ok(const char *s)
{
	if (*s == '-')
		s++;
	if (*s == '0')
		s++;
	else if (is_digit(*s))
		while (is_digit(*s))
			s++;
	else
		return 0;
	if (*s == '.') {
		if (!is_digit(*++s))
			return 0;
		while (is_digit(*s))
			s++;
	}
	if (*s == 'e' || *s == 'E') {
		s++;
		if (*s == '+' || *s == '-')
			s++;
		if (!is_digit(*s))
			return 0;
		while (is_digit(*s))
			s++;
	}
	return *s == '\0';
}

/* ms_jv_u64 against a plain reading of the text. */
static void
check_u64(const struct ms_jv *v)
{
	const char *s = v->num;
	uint64_t n = 0, got = 0;
	int fits = 1, plain = is_digit(s[0]) && (s[0] != '0' || s[1] == '\0');

	for (; *s != '\0' && plain; s++) {
		if (!is_digit(*s)) {
			plain = 0;
			break;
		}
		if (n > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			fits = 0;
		n = n * 10 + (uint64_t)(*s - '0');
	}
	if (ms_jv_u64(v, UINT64_MAX, &got) == 0) {
		CHECK(plain && fits && got == n);
		CHECK(got == 0 || ms_jv_u64(v, got - 1, &n) == -1);
		CHECK(ms_jv_u64(v, got, &n) == 0 && n == got);
	} else {
		CHECK(!plain || !fits);
	}
}

static void
check_str(const char *s, size_t len)
{
	CHECK(s != NULL);
	CHECK(strlen(s) == len);
	CHECK(ms_utf8_valid(s, len));
}

static void
walk(const struct ms_jv *v, unsigned depth)
{
	size_t i, j;

	CHECK(ms_jv_type_name(v->type) != NULL);
	switch (v->type) {
	case MS_JV_NULL:
		break;
	case MS_JV_BOOL:
		CHECK(v->b == 0 || v->b == 1);
		break;
	case MS_JV_NUM:
		CHECK(v->num != NULL && number_ok(v->num));
		check_u64(v);
		break;
	case MS_JV_STR:
		check_str(v->s, v->len);
		break;
	case MS_JV_ARR:
	case MS_JV_OBJ:
		CHECK(depth < MS_JP_MAX_DEPTH);
		CHECK(v->n == 0 || v->item != NULL);
		CHECK((v->type == MS_JV_OBJ && v->n > 0) == (v->keys != NULL));
		for (i = 0; i < v->n; i++) {
			if (v->keys != NULL) {
				check_str(v->keys[i], strlen(v->keys[i]));
				if (v->n <= FUZZ_KEYS_CHECKED) {
					CHECK(ms_jv_get(v, v->keys[i]) ==
					      &v->item[i]);
					for (j = 0; j < i; j++)
						CHECK(strcmp(v->keys[i],
							     v->keys[j]) != 0);
				}
			}
			walk(&v->item[i], depth + 1);
		}
		break;
	default:
		abort();
	}
}

/* JSON text of s: escapes for '"', '\\' and control characters. */
static void
put_str(struct ms_buf *b, const char *s, size_t len)
{
	size_t i;

	(void)ms_buf_append_c(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20)
			(void)ms_buf_printf(b, "\\u%04x", c);
		else if (c == '"' || c == '\\')
			(void)ms_buf_printf(b, "\\%c", c);
		else
			(void)ms_buf_append_c(b, c);
	}
	(void)ms_buf_append_c(b, '"');
}

static void
put(struct ms_buf *b, const struct ms_jv *v)
{
	size_t i;

	switch (v->type) {
	case MS_JV_NULL:
		(void)ms_buf_append_str(b, "null");
		break;
	case MS_JV_BOOL:
		(void)ms_buf_append_str(b, v->b ? "true" : "false");
		break;
	case MS_JV_NUM:
		(void)ms_buf_append_str(b, v->num);
		break;
	case MS_JV_STR:
		put_str(b, v->s, v->len);
		break;
	case MS_JV_ARR:
	case MS_JV_OBJ:
		(void)ms_buf_append_c(b, v->type == MS_JV_ARR ? '[' : '{');
		for (i = 0; i < v->n; i++) {
			if (i > 0)
				(void)ms_buf_append_c(b, ',');
			if (v->keys != NULL) {
				put_str(b, v->keys[i], strlen(v->keys[i]));
				(void)ms_buf_append_c(b, ':');
			}
			put(b, &v->item[i]);
		}
		(void)ms_buf_append_c(b, v->type == MS_JV_ARR ? ']' : '}');
		break;
	}
}

static void
same(const struct ms_jv *a, const struct ms_jv *b)
{
	size_t i;

	CHECK(a->type == b->type && a->n == b->n);
	if (a->type == MS_JV_BOOL)
		CHECK(a->b == b->b);
	if (a->type == MS_JV_NUM)
		CHECK(strcmp(a->num, b->num) == 0);
	if (a->type == MS_JV_STR)
		CHECK(a->len == b->len && memcmp(a->s, b->s, a->len) == 0);
	for (i = 0; i < a->n; i++) {
		if (a->keys != NULL)
			CHECK(strcmp(a->keys[i], b->keys[i]) == 0);
		same(&a->item[i], &b->item[i]);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz_jparse", 0);
	const struct ms_jv *root = NULL, *again = NULL;
	struct ms_buf b;
	size_t off = (size_t)-1;
	char why[128];
	int r;

	memset(why, 'x', sizeof(why));
	r = ms_jparse(pool, (const char *)data, size, &root, &off, why,
		      sizeof(why));
	if (r < 0) {
		CHECK(r == -1 && root == NULL);
		CHECK(off <= size);
		CHECK(memchr(why, '\0', sizeof(why)) != NULL && why[0] != '\0');
		/* the same answer again, and without the optional outputs */
		CHECK(ms_jparse(pool, (const char *)data, size, &root, NULL,
				NULL, 0) == -1);
		ms_pool_destroy(&pool);
		return 0;
	}
	CHECK(r == 0 && root != NULL);
	walk(root, 0);
	/* written back as JSON, it reads as the same tree */
	ms_buf_init(&b, NULL, 0);
	put(&b, root);
	CHECK(ms_jparse(pool, (const char *)b.data, b.len, &again, NULL,
			NULL, 0) == 0);
	same(root, again);
	ms_buf_free(&b);
	ms_pool_destroy(&pool);
	return 0;
}
