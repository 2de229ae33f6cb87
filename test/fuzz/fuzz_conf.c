/*
 * fuzz_conf.c -- the configuration parser on arbitrary bytes.
 *
 * Input layout: the first 4 bytes choose the chunk sizes (1..64 bytes,
 * cycling), the rest is the file.  The file is parsed all at once and
 * then chunk by chunk into two fresh configurations; both must agree on
 * success, on every value and origin, and on the error text.  The same
 * bytes then go through ms_conf_set() line by line (the --set path), and
 * every typed getter is called on the result.  A schema with every type,
 * nested sections and near-miss names is used, then the real one.
 */
#include "ms_sys.h"
#include "ms_conf.h"
#include "ms_pool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct ms_conf_key f_keys[] = {
	MS_CONF_KEY_STR("a.name", "dflt", "a string"),
	MS_CONF_KEY_ENUM("a.mode", "fast", "fast|safe|slow", "an enum"),
	MS_CONF_KEY_BOOL("a.flag", "no", "a bool"),
	MS_CONF_KEY_UINT("b.count", "3", 1, 100, "a bounded count"),
	MS_CONF_KEY_SIZE("b.size", "64k", 0, 0, "a size"),
	MS_CONF_KEY_SECS("b.timeout", "30s", 0, 0, "a time"),
	MS_CONF_KEY_LIST("b.words", "x, y", NULL, "a list"),
	MS_CONF_KEY_LIST("b.mechs", "plain", "plain|login", "choices"),
	MS_CONF_KEY_STR("imap.listen", "127.0.0.1:143", "address"),
	MS_CONF_KEY_STR("imap.tls.cert", "", "nested"),
	MS_CONF_KEY_END
};

/* Small limits so the fuzzer reaches them. */
static const struct ms_conf_limits f_lim = { 200, 40, 100, 20 };

static void
fail(const char *what, const char *a, const char *b)
{
	fprintf(stderr, "fuzz_conf: %s\n  one-shot: %s\n  chunked:  %s\n",
		what, a, b);
	abort();
}

/* Every value and origin as one string (pool memory). */
static char *
dump(struct ms_pool *pool, const struct ms_conf *conf)
{
	struct ms_conf_item it;
	size_t i, len = 0, cap = 256;
	char *out = ms_palloc(pool, cap), origin[300];
	char q[MS_CONF_MAX_VALUE * 2 + 3];

	for (i = 0; i < ms_conf_count(conf); i++) {
		size_t n;

		ms_conf_item(conf, i, &it);
		ms_conf_origin(&it, origin, sizeof(origin));
		(void)ms_conf_quote(it.value, q, sizeof(q));
		n = strlen(it.key->name) + strlen(q) + strlen(origin) + 4;
		if (len + n + 1 > cap) {
			size_t ncap = (len + n + 1) * 2;

			out = ms_prealloc(pool, out, cap, ncap);
			cap = ncap;
		}
		len += (size_t)snprintf(out + len, cap - len, "%s=%s@%s\n",
					it.key->name, q, origin);
	}
	return out;
}

/* Call every getter that fits each key's type. */
static void
touch(const struct ms_conf *conf)
{
	const char *const *items;
	struct ms_conf_item it;
	size_t i, j, n;
	volatile size_t sink = 0;

	for (i = 0; i < ms_conf_count(conf); i++) {
		ms_conf_item(conf, i, &it);
		switch (it.key->type) {
		case MS_CONF_STR:
			sink += strlen(ms_conf_str(conf, it.key->name));
			break;
		case MS_CONF_ENUM:
			sink += ms_conf_enum(conf, it.key->name);
			sink += strlen(ms_conf_str(conf, it.key->name));
			break;
		case MS_CONF_BOOL:
			sink += (size_t)ms_conf_bool(conf, it.key->name);
			break;
		case MS_CONF_UINT:
		case MS_CONF_SIZE:
			sink += (size_t)ms_conf_uint(conf, it.key->name);
			break;
		case MS_CONF_SECS:
			sink += (size_t)ms_conf_secs(conf, it.key->name);
			break;
		case MS_CONF_LIST:
			n = ms_conf_list(conf, it.key->name, &items);
			for (j = 0; j < n; j++)
				sink += strlen(items[j]);
			break;
		}
	}
	(void)sink;
}

static void
run(const struct ms_conf_key *keys, const uint8_t *sizes,
    const uint8_t *data, size_t size)
{
	struct ms_pool *pool = ms_pool_create("fuzz_conf", 0);
	struct ms_conf *c1 = ms_conf_new_schema(pool, keys);
	struct ms_conf *c2 = ms_conf_new_schema(pool, keys);
	struct ms_conf_parser *p1, *p2;
	struct ms_err e1, e2;
	size_t off = 0, n, k = 0;
	int r1, r2;

	memset(&e1, 0, sizeof(e1));
	memset(&e2, 0, sizeof(e2));
	p1 = ms_conf_parser_new(pool, c1, "f.conf", &f_lim);
	r1 = ms_conf_parser_feed(p1, data, size, &e1);
	if (r1 == 0)
		r1 = ms_conf_parser_end(p1, &e1);

	p2 = ms_conf_parser_new(pool, c2, "f.conf", &f_lim);
	r2 = 0;
	while (off < size && r2 == 0) {
		n = (size_t)(sizes[k++ % 4] % 64) + 1;
		if (n > size - off)
			n = size - off;
		r2 = ms_conf_parser_feed(p2, data + off, n, &e2);
		off += n;
	}
	if (r2 == 0)
		r2 = ms_conf_parser_end(p2, &e2);

	if (r1 != r2)
		fail("results differ", r1 ? e1.internal : "ok",
		     r2 ? e2.internal : "ok");
	if (r1 != 0 && strcmp(e1.internal, e2.internal) != 0)
		fail("errors differ", e1.internal, e2.internal);
	{
		char *d1 = dump(pool, c1), *d2 = dump(pool, c2);

		if (strcmp(d1, d2) != 0)
			fail("values differ", d1, d2);
	}
	touch(c1);

	/* the --set path, one line at a time, on the one-shot result */
	off = 0;
	while (off < size) {
		const uint8_t *nl = memchr(data + off, '\n', size - off);
		size_t len = nl != NULL ? (size_t)(nl - (data + off)) :
			     size - off;
		char *line;

		if (len <= MS_CONF_MAX_LINE + 10 &&
		    memchr(data + off, '\0', len) == NULL) {
			line = ms_pstrndup(pool, data + off, len);
			(void)ms_conf_set(c1, line, "--set", &e1);
		}
		off += len + 1;
	}
	touch(c1);
	(void)ms_conf_suggest(c1, "a.nmae");
	ms_pool_destroy(&pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t one[4] = { 0, 0, 0, 0 };
	const uint8_t *sizes = one;

	if (size >= 4) {
		sizes = data;
		data += 4;
		size -= 4;
	}
	run(f_keys, sizes, data, size);
	run(ms_conf_keys, sizes, data, size);
	return 0;
}
