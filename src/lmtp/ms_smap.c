/*
 * ms_smap.c -- the socketmap lookup service (ms_smap.h): one netstring
 * request at a time, answered from ms_dlv_resolve and the forwarding
 * database.  Requests are small and answers are computed on the loop
 * thread (a lookup is a few small file reads, like an LMTP RCPT).
 */
#include "ms_sys.h"
#include "ms_smap.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_conn.h"
#include "ms_dlv.h"
#include "ms_err.h"
#include "ms_fwd.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_pool.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

/* Digits in a netstring length: 100000 has 6. */
#define LEN_DIGITS_MAX          6

int
ms_smap_netstring(const unsigned char *p, size_t n,
		  const unsigned char **payload_r, size_t *len_r,
		  size_t *used_r)
{
	size_t i, len = 0;

	for (i = 0; i < n && p[i] != ':'; i++) {
		if (p[i] < '0' || p[i] > '9' || i == LEN_DIGITS_MAX ||
		    (i > 0 && p[0] == '0'))
			return -1;
		len = len * 10 + (size_t)(p[i] - '0');
	}
	if (i == n)
		return 0;
	if (i == 0 || len > MS_SMAP_MAX)
		return -1;
	i++;                                    /* the ':' */
	if (n - i < len + 1)
		return 0;
	if (p[i + len] != ',')
		return -1;
	*payload_r = p + i;
	*len_r = len;
	*used_r = i + len + 1;
	return 1;
}

struct smap_sess {
	struct ms_conn *c;
	const struct ms_svc_env *env;
	struct ms_pool *pool;
	char id[24];
};

static void
answer(struct smap_sess *s, const char *text)
{
	size_t n = strlen(text);

	if (n > MS_SMAP_MAX)
		n = MS_SMAP_MAX;
	ms_conn_printf(s->c, "%lu:", (unsigned long)n);
	ms_conn_write(s->c, text, n);
	ms_conn_write(s->c, ",", 1);
}

/* "mailbox" and "access": resolve the address like RCPT TO. */
static void
map_resolve(struct smap_sess *s, const char *key, int access)
{
	int tempfail = ms_conf_bool(s->env->conf, "deliver.quota_tempfail");
	struct ms_dlv_reply dr;
	struct ms_dlv_rcpt r;
	struct ms_err e;
	enum ms_dlv_st st;
	char *text;

	memset(&e, 0, sizeof(e));
	st = ms_dlv_resolve(s->env->store, key, 0, s->pool, &r, &e);
	if (!access) {
		if (st == MS_DLV_OK || st == MS_DLV_OVERQUOTA ||
		    st == MS_DLV_NORELAY)
			answer(s, ms_psprintf(s->pool, "OK %s", r.addr != NULL ?
					      r.addr : key));
		else if (st == MS_DLV_TEMP)
			answer(s, "TEMP store not readable now");
		else
			answer(s, "NOTFOUND ");
		return;
	}
	if (st == MS_DLV_OK) {
		answer(s, "OK DUNNO");
		return;
	}
	ms_dlv_reply(st, tempfail, &dr);
	text = ms_psprintf(s->pool, "OK %d %s <%s>: %s", dr.code, dr.enh, key,
			   e.user[0] != '\0' ? e.user : dr.text);
	answer(s, text);
}

/* "alias": the forwarding entry's targets, comma separated. */
static void
map_alias(struct smap_sess *s, const char *key)
{
	struct ms_fwd *f;
	struct ms_buf b;
	struct ms_err e;
	size_t i;
	int r;

	r = ms_fwd_get(s->env->store, key, s->pool, &f, &e);
	if (r < 0) {
		answer(s, e.cls == MS_E_PARAMS ? "NOTFOUND " :
		       "TEMP forwarding database not readable now");
		return;
	}
	if (r == 1) {
		answer(s, "NOTFOUND ");
		return;
	}
	ms_buf_init(&b, s->pool, MS_SMAP_MAX);
	(void)ms_buf_append_str(&b, "OK ");
	for (i = 0; i < f->n; i++) {
		if (i > 0)
			(void)ms_buf_append_c(&b, ',');
		(void)ms_buf_append_str(&b, f->to[i]);
	}
	if (f->keep)
		(void)ms_buf_printf(&b, ",%s", f->addr);
	answer(s, ms_buf_cstr(&b));
}

/* One request "name key". */
static void
request(struct smap_sess *s, const unsigned char *p, size_t len)
{
	const unsigned char *sp = memchr(p, ' ', len);
	struct ms_logctx ctx;
	char *name, *key;

	if (sp == NULL || sp == p || memchr(p, '\0', len) != NULL) {
		answer(s, "PERM malformed request");
		return;
	}
	name = ms_pstrndup(s->pool, p, (size_t)(sp - p));
	key = ms_pstrndup(s->pool, sp + 1, len - (size_t)(sp - p) - 1);
	if (strcmp(name, "mailbox") == 0) {
		map_resolve(s, key, 0);
	} else if (strcmp(name, "access") == 0) {
		map_resolve(s, key, 1);
	} else if (strcmp(name, "alias") == 0) {
		map_alias(s, key);
	} else {
		memset(&ctx, 0, sizeof(ctx));
		ctx.sess = s->id;
		ctx.svc = "socketmap";
		ms_log(MS_LVL_WARN, &ctx, "unknown map \"%.40s\"", name);
		answer(s, "PERM unknown map (mailbox, access, alias)");
	}
}

static void *
smap_open(struct ms_conn *c, const struct ms_svc_env *env)
{
	struct smap_sess *s = ms_xcalloc(1, sizeof(*s));

	s->c = c;
	s->env = env;
	s->pool = ms_pool_create("smap", 0);
	(void)snprintf(s->id, sizeof(s->id), "smap-%llu",
		       (unsigned long long)ms_conn_id(c));
	/* Postfix keeps the connection; it is a trusted local client */
	ms_conn_set_authenticated(c);
	return s;
}

static size_t
smap_input(void *sess, const unsigned char *p, size_t n)
{
	struct smap_sess *s = sess;
	const unsigned char *pl;
	size_t used = 0, len, k;
	int r;

	while (used < n) {
		r = ms_smap_netstring(p + used, n - used, &pl, &len, &k);
		if (r == 0 && n - used < ms_conn_inbuf_max(s->c))
			break;
		if (r <= 0) {
			answer(s, "PERM malformed netstring");
			ms_conn_close(s->c);
			return n;
		}
		request(s, pl, len);
		ms_pool_clear(s->pool);
		used += k;
	}
	return used;
}

static void
smap_close(void *sess)
{
	struct smap_sess *s = sess;

	ms_pool_destroy(&s->pool);
	ms_xfree(s);
}

const struct ms_proto ms_proto_smap = {
	"socketmap",
	smap_open,
	smap_input,
	NULL,
	NULL,
	smap_close
};
