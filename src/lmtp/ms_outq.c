/*
 * ms_outq.c -- the durable outbound queue (ms_outq.h).
 *
 * One file per entry in <first partition>/queue, named
 * "<id>_<next>_<tries>.que": id 16 hex digits, next the time (seconds
 * since 1970) it is due, tries the failed attempts so far.  Put writes a
 * temporary file, syncs it and publishes it (the directory is synced);
 * a retry renames the entry to its new name.  Recipient states and the
 * last error are fixed-width fields of the envelope, overwritten in place
 * and synced, so a recipient the host took is never sent again.  An
 * entry is worked on only under a bucket lock "outq-<hh>" (hh: the id's
 * first two digits) taken without waiting: a bounded set of lock files.
 *
 * The file (version 1): an envelope of LF-ended text lines, then the
 * message bytes exactly as queued:
 *
 *     MSOUTQ 1
 *     kind vacation
 *     queued 1700000000
 *     from alice@example.com          ("from " alone for <>)
 *     rcpt - bob@example.org          (state: '-' pending, 'D' done,
 *     rcpt D carol@example.net         'F' failed and bounced)
 *     error <200 bytes, blank padded> (the last temporary failure)
 *     (empty line)
 *     <message>
 *
 * Unknown "x-..." lines are ignored (later versions may add some).
 */
#include "ms_sys.h"
#include "ms_outq.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_date.h"
#include "ms_log.h"
#include "ms_mem.h"
#include "ms_opts.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_relay.h"
#include "ms_spool.h"
#include "ms_store.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#define ERR_FIELD       200             /* bytes of the error field */
#define CHUNK           ((size_t)64 * 1024)
#define TMP_AGE         ((int64_t)86400)        /* stale temp files */
#define BOUNCE_HEAD_MAX ((size_t)32 * 1024)     /* original header kept */
#define MAGIC           "MSOUTQ 1"

/* ======================================================================
 * Names and small helpers
 * ====================================================================== */

int
ms_outq_addr_ok(const char *a, int empty_ok)
{
	size_t n = 0;
	const unsigned char *p;

	if (a == NULL)
		return 0;
	for (p = (const unsigned char *)a; *p != '\0'; p++, n++)
		if (*p <= 0x20 || *p == 0x7f || *p == '<' || *p == '>')
			return 0;
	if (n > MS_OUTQ_ADDR_MAX)
		return 0;
	return n > 0 || empty_ok;
}

static int
kind_ok(const char *k)
{
	size_t n;

	for (n = 0; k[n] != '\0'; n++)
		if (k[n] < 'a' || k[n] > 'z' || n >= 15)
			return 0;
	return n > 0;
}

static int
is_hex(int c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

/* Parse a decimal run of 1..maxd digits at *p; advances *p. */
static int
dec(const char **p, unsigned maxd, uint64_t *v_r)
{
	const char *s = *p;
	uint64_t v = 0;
	unsigned n = 0;

	while (*s >= '0' && *s <= '9' && n < maxd) {
		v = v * 10 + (uint64_t)(*s - '0');
		s++;
		n++;
	}
	if (n == 0 || (*s >= '0' && *s <= '9'))
		return -1;
	*p = s;
	*v_r = v;
	return 0;
}

/* A queue leaf: "<id>_<next>_<tries>.que" -> its parts. 0 or -1. */
static int
leaf_parse(const char *leaf, char *id, int64_t *next_r, unsigned *tries_r)
{
	const char *p = leaf;
	uint64_t next, tries;
	size_t i;

	for (i = 0; i < MS_OUTQ_ID_SIZE - 1; i++)
		if (!is_hex((unsigned char)leaf[i]))
			return -1;
	p = leaf + MS_OUTQ_ID_SIZE - 1;
	if (*p++ != '_' || dec(&p, 12, &next) < 0 || *p++ != '_' ||
	    dec(&p, 5, &tries) < 0 || strcmp(p, ".que") != 0)
		return -1;
	memcpy(id, leaf, MS_OUTQ_ID_SIZE - 1);
	id[MS_OUTQ_ID_SIZE - 1] = '\0';
	*next_r = (int64_t)next;
	*tries_r = (unsigned)tries;
	return 0;
}

/* v in decimal, NUL ended, in buf (MS_U64_DIGITS + 1 bytes). */
static const char *
u64s(char *buf, uint64_t v)
{
	buf[ms_str_from_u64(buf, v)] = '\0';
	return buf;
}

static void
leaf_make(char *buf, size_t size, const char *id, int64_t next,
	  unsigned tries)
{
	char num[MS_U64_DIGITS + 1];

	if (next < 0)
		next = 0;
	if (tries > 99999)
		tries = 99999;
	(void)snprintf(buf, size, "%s_%s_%u.que", id,
		       u64s(num, (uint64_t)next), tries);
}

int64_t
ms_outq_backoff(unsigned tries)
{
	static const int64_t steps[] = { 60, 300, 900, 1800 };

	if (tries == 0)
		return 0;
	if (tries <= sizeof(steps) / sizeof(steps[0]))
		return steps[tries - 1];
	return 3600;
}

/* Log/field-safe copy of s: printable ASCII only, at most size-1. */
static void
safe_copy(char *out, size_t size, const char *s)
{
	size_t n = 0;

	for (; s != NULL && *s != '\0' && n + 1 < size; s++) {
		unsigned char c = (unsigned char)*s;

		out[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
	}
	out[n] = '\0';
}

static void
bucket_lock_name(char *buf, size_t size, const char *id)
{
	(void)snprintf(buf, size, "outq-%c%c", id[0], id[1]);
}

/* ======================================================================
 * The envelope reader (pure)
 * ====================================================================== */

static int
env_bad(struct ms_err *err, const char *why)
{
	return ms_err_set(err, MS_E_CORRUPT, "damaged queue file",
			  "queue file: %s", why);
}

int
ms_outq_env_parse(char *buf, size_t len, struct ms_outq_env *env_r,
		  struct ms_err *err)
{
	struct ms_outq_env *e = env_r;
	size_t pos = 0, lno = 0;
	int have_kind = 0, have_queued = 0, have_from = 0, have_error = 0;

	memset(e, 0, sizeof(*e));
	(void)ms_strlcpy(e->kind, "mail", sizeof(e->kind));
	e->sender = "";
	e->last_error = "";
	for (;;) {
		char *line = buf + pos, *nl;
		size_t n;

		nl = memchr(line, '\n', len - pos);
		if (nl == NULL) {
			if (len >= MS_OUTQ_ENV_MAX)
				return env_bad(err, "envelope too long");
			return 1;
		}
		n = (size_t)(nl - line);
		if (pos + n + 1 > MS_OUTQ_ENV_MAX)
			return env_bad(err, "envelope too long");
		if (memchr(line, '\0', n) != NULL)
			return env_bad(err, "NUL in the envelope");
		*nl = '\0';
		lno++;
		if (lno == 1) {
			if (strcmp(line, MAGIC) != 0)
				return env_bad(err, "not a queue file");
			e->version = 1;
		} else if (n == 0) {
			pos += n + 1;
			break;
		} else if (strncmp(line, "kind ", 5) == 0) {
			if (have_kind++ || !kind_ok(line + 5))
				return env_bad(err, "bad kind");
			(void)ms_strlcpy(e->kind, line + 5, sizeof(e->kind));
		} else if (strncmp(line, "queued ", 7) == 0) {
			const char *p = line + 7;
			uint64_t v;

			if (have_queued++ || dec(&p, 12, &v) < 0 || *p != '\0')
				return env_bad(err, "bad queued time");
			e->queued = (int64_t)v;
		} else if (strncmp(line, "from ", 5) == 0) {
			if (have_from++ || !ms_outq_addr_ok(line + 5, 1))
				return env_bad(err, "bad sender");
			e->sender = line + 5;
		} else if (strncmp(line, "rcpt ", 5) == 0) {
			char st = line[5];

			if (e->nrcpt >= MS_OUTQ_MAX_RCPT)
				return env_bad(err, "too many recipients");
			if (n < 8 || (st != '-' && st != 'D' && st != 'F') ||
			    line[6] != ' ' || !ms_outq_addr_ok(line + 7, 0))
				return env_bad(err, "bad recipient");
			e->rcpts[e->nrcpt] = line + 7;
			e->rcpt_st[e->nrcpt] = st;
			e->rcpt_st_off[e->nrcpt] = pos + 5;
			e->nrcpt++;
		} else if (strncmp(line, "error ", 6) == 0) {
			char *end = line + n;

			if (have_error++ || n != 6 + ERR_FIELD)
				return env_bad(err, "bad error field");
			e->last_error_off = pos + 6;
			while (end > line + 6 && end[-1] == ' ')
				*--end = '\0';
			e->last_error = line + 6;
		} else if (strncmp(line, "x-", 2) != 0) {
			return env_bad(err, "unknown envelope line");
		}
		pos += n + 1;
	}
	if (!have_queued || !have_from || !have_error || e->nrcpt == 0)
		return env_bad(err, "envelope incomplete");
	e->env_len = pos;
	return 0;
}

/* ======================================================================
 * Putting
 * ====================================================================== */

/* Open the queue directory; create: make it (and sync its parent). */
static int
qdir_open(struct ms_store *st, int create, struct ms_pdir **d_r,
	  struct ms_err *err)
{
	const struct ms_part *part = ms_store_part(st, 0);
	struct ms_perr perr;

	if (ms_pdir_open(part->fs, MS_OUTQ_DIR, 0, d_r, &perr) == 0)
		return 0;
	if (perr.st == MS_NOTFOUND && !create)
		return 1;
	if (perr.st != MS_NOTFOUND ||
	    ms_pdir_open(part->fs, MS_OUTQ_DIR, MS_PDIR_CREATE, d_r,
			 &perr) < 0)
		return ms_err_set(err, MS_E_TEMP, "cannot queue the message",
				  "queue in %s: %s: %s", part->path,
				  perr.what, ms_st_name(perr.st));
	if (ms_store_sync_parents(part->fs, MS_OUTQ_DIR, err) < 0) {
		ms_pdir_close(*d_r);
		return -1;
	}
	return 0;
}

struct wr {
	struct ms_pfile *f;
	uint64_t off;
	struct ms_err *err;
};

static int
wr_put(struct wr *w, const void *p, size_t n)
{
	struct ms_perr perr;

	if (n == 0)
		return 0;
	if (ms_pfile_write(w->f, p, n, w->off, &perr) < 0)
		return ms_err_set(w->err, MS_E_TEMP, "cannot queue the "
				  "message", "queue write: %s: %s",
				  perr.what, ms_st_name(perr.st));
	w->off += n;
	return 0;
}

/* The envelope of a new entry. */
static int
env_build(struct ms_buf *b, const char *kind, int64_t queued,
	  const char *sender, const char *const *rcpts, unsigned n)
{
	unsigned i;
	int rc = 0;
	char num[MS_U64_DIGITS + 1];

	rc |= ms_buf_printf(b, MAGIC "\nkind %s\nqueued %s\n", kind,
			    u64s(num, queued > 0 ? (uint64_t)queued : 0));
	rc |= ms_buf_printf(b, "from %s\n", sender);
	for (i = 0; i < n; i++)
		rc |= ms_buf_printf(b, "rcpt - %s\n", rcpts[i]);
	rc |= ms_buf_printf(b, "error %*s\n\n", ERR_FIELD, "");
	return rc;
}

/* Write the message parts of m after the envelope. */
static int
msg_write(struct wr *w, const struct ms_outq_msg *m, unsigned char *chunk)
{
	uint64_t off;
	size_t n;

	if (wr_put(w, m->head, m->head != NULL ? m->head_len : 0) < 0 ||
	    wr_put(w, m->data, m->data != NULL ? m->len : 0) < 0)
		return -1;
	if (m->spool != NULL) {
		for (off = m->spool_off;; off += n) {
			if (ms_spool_read(m->spool, off, chunk, CHUNK, &n,
					  w->err) < 0)
				return -1;
			if (n == 0)
				break;
			if (wr_put(w, chunk, n) < 0)
				return -1;
		}
	}
	if (m->read != NULL) {
		for (;;) {
			if (m->read(m->ctx, chunk, CHUNK, &n, w->err) < 0)
				return -1;
			if (n == 0)
				break;
			if (wr_put(w, chunk, n) < 0)
				return -1;
		}
	}
	return 0;
}

int
ms_outq_put(struct ms_store *st, const char *sender,
	    const char *const *rcpts, unsigned n,
	    const struct ms_outq_msg *msg, char *id_r, struct ms_err *err)
{
	static const char hex[] = "0123456789abcdef";
	const char *kind = msg->kind != NULL ? msg->kind : "mail";
	char id[MS_OUTQ_ID_SIZE], leaf[64];
	unsigned char rnd[8], *chunk = NULL;
	struct ms_pdir *dir = NULL;
	struct ms_perr perr;
	struct ms_buf env;
	struct wr w;
	int64_t now = ms_time_sec();
	unsigned i;
	int rc = -1;

	if (sender == NULL)
		sender = "";
	if (n == 0 || n > MS_OUTQ_MAX_RCPT)
		return ms_err_set(err, MS_E_PARAMS, "bad recipient count",
				  "queue: %u recipients", n);
	if (!ms_outq_addr_ok(sender, 1) || !kind_ok(kind))
		return ms_err_set(err, MS_E_PARAMS, "bad sender address",
				  "queue: bad sender or kind");
	for (i = 0; i < n; i++)
		if (!ms_outq_addr_ok(rcpts[i], 0))
			return ms_err_set(err, MS_E_PARAMS, "bad recipient "
					  "address", "queue: bad recipient");
	if (ms_random_bytes(rnd, sizeof(rnd), &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue id");
	for (i = 0; i < sizeof(rnd); i++) {
		id[2 * i] = hex[rnd[i] >> 4];
		id[2 * i + 1] = hex[rnd[i] & 15];
	}
	id[MS_OUTQ_ID_SIZE - 1] = '\0';
	ms_buf_init(&env, NULL, MS_OUTQ_ENV_MAX);
	if (env_build(&env, kind, now, sender, rcpts, n) < 0) {
		ms_buf_free(&env);
		return ms_err_set(err, MS_E_LIMIT, "too many recipients",
				  "queue: envelope too long");
	}
	if (qdir_open(st, 1, &dir, err) < 0)
		goto out;
	memset(&w, 0, sizeof(w));
	w.err = err;
	if (ms_pfile_create_temp(dir, &w.f, &perr) < 0) {
		ms_err_set(err, MS_E_TEMP, "cannot queue the message",
			   "queue temp: %s: %s", perr.what,
			   ms_st_name(perr.st));
		goto out;
	}
	chunk = ms_xmalloc(CHUNK);
	leaf_make(leaf, sizeof(leaf), id, now, 0);
	if (wr_put(&w, env.data, env.len) < 0 || msg_write(&w, msg,
							     chunk) < 0)
		goto discard;
	if (ms_pfile_sync(w.f, &perr) < 0 ||
	    ms_pfile_publish(dir, w.f, leaf, 0, &perr) < 0) {
		ms_err_set(err, MS_E_TEMP, "cannot queue the message",
			   "queue publish: %s: %s", perr.what,
			   ms_st_name(perr.st));
		goto discard;
	}
	(void)ms_pfile_close(w.f, NULL);
	if (id_r != NULL)
		memcpy(id_r, id, MS_OUTQ_ID_SIZE);
	ms_info("outq %s: queued %s from <%s> to %u recipient%s, %lu "
		"bytes", id, kind, sender, n, n == 1 ? "" : "s",
		(unsigned long)(w.off - env.len));
	rc = 0;
	goto out;
discard:
	(void)ms_pfile_discard(w.f, NULL);
out:
	ms_xfree(chunk);
	ms_buf_free(&env);
	if (dir != NULL)
		ms_pdir_close(dir);
	return rc;
}

/* ======================================================================
 * One entry
 * ====================================================================== */

struct pass {
	struct ms_store *st;
	const struct ms_conf *conf;
	int64_t now, lifetime;
	const struct ms_outq_run_opts *o;
	struct ms_relay_opts ro;
	struct ms_pdir *dir;
	struct ms_outq_stats *stats;
	char host[256];
};

/* An entry open for work. */
struct entry {
	char id[MS_OUTQ_ID_SIZE];
	char leaf[64];
	int64_t next;
	unsigned tries;
	struct ms_pfile *f;
	uint64_t size;                  /* of the file */
	char *envbuf;
	struct ms_outq_env env;
};

/* Read from the message part of an entry (ms_relay_msg.read). */
struct msg_rd {
	struct ms_pfile *f;
	uint64_t off, end;
};

static int
msg_rd_read(void *ctx, void *buf, size_t size, size_t *n_r,
	    struct ms_err *err)
{
	struct msg_rd *r = ctx;
	struct ms_perr perr;

	*n_r = 0;
	if (r->off >= r->end)
		return 0;
	if ((uint64_t)size > r->end - r->off)
		size = (size_t)(r->end - r->off);
	if (ms_pfile_read(r->f, buf, size, r->off, n_r, &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue read");
	if (*n_r == 0)
		return ms_err_set(err, MS_E_TEMP, "queue file shrank",
				  "queue file shrank");
	r->off += *n_r;
	return 0;
}

/* Read and parse the envelope of e->f. */
static int
entry_load(struct entry *e, struct ms_err *err)
{
	struct ms_perr perr;
	size_t want = 4096, got;
	int rc;

	if (ms_pfile_size(e->f, &e->size, &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue size");
	for (;;) {
		if ((uint64_t)want > e->size)
			want = (size_t)e->size;
		ms_xfree(e->envbuf);
		e->envbuf = ms_xmalloc(want + 1);
		if (ms_pfile_read(e->f, e->envbuf, want, 0, &got, &perr) < 0)
			return ms_err_from_perr(err, &perr, "queue read");
		e->envbuf[got] = '\0';
		rc = ms_outq_env_parse(e->envbuf, got, &e->env, err);
		if (rc <= 0)
			return rc;
		if (got < want || (uint64_t)got >= e->size ||
		    got >= MS_OUTQ_ENV_MAX)
			return env_bad(err, "envelope cut short");
		want = got * 4 > MS_OUTQ_ENV_MAX ? MS_OUTQ_ENV_MAX : got * 4;
	}
}

/* Overwrite the state byte of recipient i (not synced here). */
static int
rcpt_mark(struct entry *e, unsigned i, char st, struct ms_err *err)
{
	struct ms_perr perr;

	if (ms_pfile_write(e->f, &st, 1, e->env.rcpt_st_off[i], &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue mark");
	e->env.rcpt_st[i] = st;
	return 0;
}

static int
error_write(struct entry *e, const char *text, struct ms_err *err)
{
	char field[ERR_FIELD + 1];
	struct ms_perr perr;
	size_t n;

	safe_copy(field, sizeof(field), text);
	n = strlen(field);
	memset(field + n, ' ', ERR_FIELD - n);
	if (ms_pfile_write(e->f, field, ERR_FIELD, e->env.last_error_off,
			   &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue error field");
	return 0;
}

/* The original's header section (bounded) for a bounce. */
static size_t
orig_head(struct entry *e, char *buf, size_t size)
{
	struct ms_perr perr;
	size_t got = 0, i;

	if (ms_pfile_read(e->f, buf, size, e->env.env_len, &got, &perr) < 0)
		return 0;
	for (i = 0; i + 1 < got; i++) {
		if (buf[i] == '\n' && buf[i + 1] == '\n')
			return i + 1;
		if (buf[i] == '\n' && buf[i + 1] == '\r' && i + 2 < got &&
		    buf[i + 2] == '\n')
			return i + 1;
	}
	/* no end of header within the bound: up to the last line end */
	while (got > 0 && buf[got - 1] != '\n')
		got--;
	return got;
}

/*
 * Queue a delivery status notification (RFC 3464) to e's sender for
 * the recipients whose index is in which[0..n-1], with res[] (NULL:
 * reason alone) giving each one's status.  Returns 0 or -1.
 */
static int
bounce(struct pass *ps, struct entry *e, const unsigned *which, unsigned n,
       const struct ms_relay_res *res, const char *reason,
       struct ms_err *err)
{
	struct ms_outq_msg m;
	struct ms_buf b;
	char date[64], bnd[40], *head;
	const char *rcpt[1];
	size_t hlen;
	unsigned i;
	int rc;

	ms_buf_init(&b, NULL, BOUNCE_HEAD_MAX * 2 + 64 * 1024);
	(void)ms_date_rfc5322(ps->now, 0, date, sizeof(date));
	(void)snprintf(bnd, sizeof(bnd), "=_bounce_%s", e->id);
	head = ms_xmalloc(BOUNCE_HEAD_MAX);
	hlen = orig_head(e, head, BOUNCE_HEAD_MAX);
	rc = ms_buf_printf(&b, "From: Mail Delivery System "
			   "<MAILER-DAEMON@%s>\r\nTo: <%s>\r\n"
			   "Subject: Undelivered Mail Returned to Sender\r\n"
			   "Date: %s\r\nMessage-ID: <bounce.%s.%ld@%s>\r\n"
			   "Auto-Submitted: auto-replied\r\n"
			   "MIME-Version: 1.0\r\n"
			   "Content-Type: multipart/report; "
			   "report-type=delivery-status;\r\n"
			   "\tboundary=\"%s\"\r\n\r\n"
			   "This is a MIME-encapsulated message.\r\n\r\n"
			   "--%s\r\nContent-Type: text/plain; "
			   "charset=us-ascii\r\n\r\n"
			   "This is the mail system at %s.\r\n\r\n"
			   "A message from you could not be delivered to "
			   "one or more of its\r\nrecipients:\r\n\r\n",
			   ps->host, e->env.sender, date, e->id,
			   (long)ps->now, ps->host, bnd, bnd, ps->host);
	for (i = 0; i < n; i++) {
		char why[220];

		safe_copy(why, sizeof(why), res != NULL ?
			  res[which[i]].text : reason);
		rc |= ms_buf_printf(&b, "<%s>: %s\r\n",
				    e->env.rcpts[which[i]], why);
	}
	rc |= ms_buf_printf(&b, "\r\n--%s\r\nContent-Type: "
			    "message/delivery-status\r\n\r\n"
			    "Reporting-MTA: dns; %s\r\n"
			    "X-Msgstore-Queue-ID: %s\r\n", bnd, ps->host,
			    e->id);
	(void)ms_date_rfc5322(e->env.queued, 0, date, sizeof(date));
	rc |= ms_buf_printf(&b, "Arrival-Date: %s\r\n", date);
	for (i = 0; i < n; i++) {
		const struct ms_relay_res *r = res != NULL ?
					       &res[which[i]] : NULL;
		char why[220];

		safe_copy(why, sizeof(why), r != NULL ? r->text : reason);
		rc |= ms_buf_printf(&b, "\r\nFinal-Recipient: rfc822; %s\r\n"
				    "Action: failed\r\nStatus: %s\r\n",
				    e->env.rcpts[which[i]],
				    r != NULL && r->enh[0] == '5' ?
				    r->enh : "5.4.7");
		if (r != NULL && r->is_remote)
			rc |= ms_buf_printf(&b, "Remote-MTA: dns; %s\r\n"
					    "Diagnostic-Code: smtp; %u %s\r\n",
					    ps->ro.host, r->code, why);
		else
			rc |= ms_buf_printf(&b, "Diagnostic-Code: X-msgstore;"
					    " %s\r\n", why);
	}
	rc |= ms_buf_printf(&b, "\r\n--%s\r\nContent-Type: "
			    "text/rfc822-headers\r\n\r\n", bnd);
	rc |= ms_buf_append(&b, head, hlen);
	rc |= ms_buf_printf(&b, "\r\n--%s--\r\n", bnd);
	ms_xfree(head);
	if (rc != 0) {
		ms_buf_free(&b);
		return ms_err_set(err, MS_E_LIMIT, "bounce too large",
				  "bounce too large");
	}
	memset(&m, 0, sizeof(m));
	m.kind = "bounce";
	m.data = b.data;
	m.len = b.len;
	rcpt[0] = e->env.sender;
	rc = ms_outq_put(ps->st, "", rcpt, 1, &m, NULL, err);
	ms_buf_free(&b);
	return rc;
}

/* Bounce (unless <>) and mark failed the recipients in which[]. */
static int
fail_rcpts(struct pass *ps, struct entry *e, const unsigned *which,
	   unsigned n, const struct ms_relay_res *res, const char *reason,
	   struct ms_err *err)
{
	unsigned i;

	if (n == 0)
		return 0;
	if (e->env.sender[0] != '\0') {
		if (bounce(ps, e, which, n, res, reason, err) < 0)
			return -1;
		ps->stats->bounced++;
	}
	for (i = 0; i < n; i++) {
		ms_info("outq %s: %s to <%s> failed for good%s: %s", e->id,
			e->env.kind, e->env.rcpts[which[i]],
			e->env.sender[0] != '\0' ? ", bounced" :
			" (null sender: no bounce)",
			res != NULL ? res[which[i]].text : reason);
		if (rcpt_mark(e, which[i], 'F', err) < 0)
			return -1;
	}
	return 0;
}

static int
relay(struct pass *ps, const char *from, const char *const *rcpts,
      unsigned n, const struct ms_relay_msg *m, struct ms_relay_res *res,
      struct ms_err *err)
{
	if (ps->o->send != NULL)
		return ps->o->send(ps->o->send_ctx, from, rcpts, n, m, res,
				   err);
	return ms_relay_send_opts(&ps->ro, from, rcpts, n, m, res, err);
}

/* Work on the locked, open entry e: 0 done with it, -1 error. */
static int
entry_work(struct pass *ps, struct entry *e, struct ms_err *err)
{
	struct ms_outq_env *v = &e->env;
	const char *rcpts[MS_OUTQ_MAX_RCPT];
	unsigned idx[MS_OUTQ_MAX_RCPT], perm[MS_OUTQ_MAX_RCPT];
	struct ms_relay_res res[MS_OUTQ_MAX_RCPT], all[MS_OUTQ_MAX_RCPT];
	struct ms_relay_msg m;
	struct msg_rd rd;
	struct ms_perr perr;
	struct ms_err serr;
	char newleaf[64], last[ERR_FIELD + 1];
	unsigned n = 0, np = 0, ntemp = 0, i;

	for (i = 0; i < v->nrcpt; i++)
		if (v->rcpt_st[i] == '-') {
			idx[n] = i;
			rcpts[n++] = v->rcpts[i];
		}
	last[0] = '\0';
	if (n > 0 && v->queued + ps->lifetime <= ps->now) {
		char why[ERR_FIELD + 64];

		(void)snprintf(why, sizeof(why), "delivery time expired "
			       "(last error: %s)", v->last_error[0] != '\0' ?
			       v->last_error : "none");
		if (fail_rcpts(ps, e, idx, n, NULL, why, err) < 0)
			return -1;
		n = 0;
	}
	if (n > 0) {
		memset(&rd, 0, sizeof(rd));
		rd.f = e->f;
		rd.off = v->env_len;
		rd.end = e->size;
		memset(&m, 0, sizeof(m));
		m.read = msg_rd_read;
		m.ctx = &rd;
		m.size = e->size - v->env_len;
		ms_err_clear(&serr);
		(void)relay(ps, v->sender, rcpts, n, &m, res, &serr);
		for (i = 0; i < n; i++) {
			all[idx[i]] = res[i];
			switch (res[i].st) {
			case MS_RELAY_OK:
				ms_info("outq %s: %s from <%s> to <%s> sent: "
					"%u %s", e->id, v->kind, v->sender,
					rcpts[i], res[i].code, res[i].enh);
				if (rcpt_mark(e, idx[i], 'D', err) < 0)
					return -1;
				break;
			case MS_RELAY_PERM:
				perm[np++] = idx[i];
				break;
			default:
				ntemp++;
				safe_copy(last, sizeof(last), res[i].text);
				ms_info("outq %s: %s to <%s> deferred "
					"(try %u): %s", e->id, v->kind,
					rcpts[i], e->tries + 1, res[i].text);
				break;
			}
		}
		/* the done marks are durable before anything else */
		if (ms_pfile_sync(e->f, &perr) < 0)
			return ms_err_from_perr(err, &perr, "queue sync");
		if (fail_rcpts(ps, e, perm, np, all, NULL, err) < 0)
			return -1;
	}
	/* closed before its name changes (VMS renames no open file) */
	if (ntemp == 0) {
		(void)ms_pfile_close(e->f, NULL);
		e->f = NULL;
		if (ms_pfile_remove(ps->dir, e->leaf, &perr) < 0)
			return ms_err_from_perr(err, &perr, "queue remove");
		ps->stats->sent++;
		return 0;
	}
	if (error_write(e, last, err) < 0)
		return -1;
	if (ms_pfile_sync(e->f, &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue sync");
	(void)ms_pfile_close(e->f, NULL);
	e->f = NULL;
	e->tries++;
	e->next = ps->now + ms_outq_backoff(e->tries);
	leaf_make(newleaf, sizeof(newleaf), e->id, e->next, e->tries);
	if (ms_pfile_rename(ps->dir, e->leaf, ps->dir, newleaf, 0,
			    &perr) < 0)
		return ms_err_from_perr(err, &perr, "queue rename");
	ps->stats->deferred++;
	if (ps->stats->next_due == 0 || e->next < ps->stats->next_due)
		ps->stats->next_due = e->next;
	return 0;
}

/* Set a damaged entry aside as <id>.bad. */
static void
entry_damaged(struct pass *ps, struct entry *e, const struct ms_err *why)
{
	char bad[32];

	(void)snprintf(bad, sizeof(bad), "%s.bad", e->id);
	(void)ms_pfile_close(e->f, NULL);
	e->f = NULL;
	ms_error("outq %s: %s; set aside as %s", e->id, why->internal, bad);
	(void)ms_pfile_rename(ps->dir, e->leaf, ps->dir, bad, 0, NULL);
	ps->stats->damaged++;
}

/* One due entry: lock, open, load, work, release. */
static void
entry_run(struct pass *ps, const char *leaf, const char *id, int64_t next,
	  unsigned tries)
{
	const struct ms_part *part = ms_store_part(ps->st, 0);
	struct ms_plock *lk;
	struct ms_perr perr;
	struct ms_err err;
	struct entry e;
	char lname[MS_PLOCK_MAX_NAME + 1];

	memset(&e, 0, sizeof(e));
	(void)ms_strlcpy(e.id, id, sizeof(e.id));
	(void)ms_strlcpy(e.leaf, leaf, sizeof(e.leaf));
	e.next = next;
	e.tries = tries;
	bucket_lock_name(lname, sizeof(lname), id);
	if (ms_plock_take(part->fs, lname, MS_LOCK_EXCL, 0, &lk,
			  &perr) < 0) {
		if (perr.st == MS_LOCKED)
			ps->stats->busy++;
		else
			ms_error("outq %s: lock: %s: %s", id, perr.what,
				 ms_st_name(perr.st));
		return;
	}
	/* another runner may have finished it meanwhile: the leaf is gone */
	if (ms_pfile_open(ps->dir, leaf, MS_PF_READ | MS_PF_WRITE, &e.f,
			  &perr) < 0) {
		if (perr.st != MS_NOTFOUND)
			ms_error("outq %s: open: %s: %s", id, perr.what,
				 ms_st_name(perr.st));
		ms_plock_release(lk);
		return;
	}
	ms_err_clear(&err);
	if (entry_load(&e, &err) < 0) {
		if (err.cls == MS_E_CORRUPT)
			entry_damaged(ps, &e, &err);
		else
			ms_error("outq %s: %s", id, err.internal);
	} else if (entry_work(ps, &e, &err) < 0) {
		ms_error("outq %s: %s; will try again", id, err.internal);
	}
	if (e.f != NULL)
		(void)ms_pfile_close(e.f, NULL);
	ms_xfree(e.envbuf);
	ms_plock_release(lk);
}

/* ======================================================================
 * A pass
 * ====================================================================== */

struct listing {
	struct ms_pool *pool;
	char **leaves;
	size_t n, cap;
	struct ms_pdir *dir;
	int64_t now;
};

static int
list_one(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct listing *l = ctx;
	struct ms_pstat st;

	if (kind != MS_PENT_FILE)
		return 0;
	if (ms_plat_leaf_is_temp(name)) {
		if (ms_pfile_stat(l->dir, name, &st, NULL) == 0 &&
		    st.mtime + TMP_AGE < l->now)
			(void)ms_pfile_remove(l->dir, name, NULL);
		return 0;
	}
	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;

		l->leaves = ms_prealloc(l->pool, l->leaves,
					l->cap * sizeof(char *),
					cap * sizeof(char *));
		l->cap = cap;
	}
	l->leaves[l->n++] = ms_pstrdup(l->pool, name);
	return 0;
}

/* The leaves of the queue directory (0; 1 when there is none). */
static int
list_leaves(struct ms_store *st, struct listing *l, struct ms_err *err)
{
	struct ms_perr perr;
	int rc = qdir_open(st, 0, &l->dir, err);

	if (rc != 0)
		return rc;
	if (ms_pdir_list(l->dir, list_one, l, &perr) < 0) {
		ms_pdir_close(l->dir);
		l->dir = NULL;
		return ms_err_from_perr(err, &perr, "queue list");
	}
	return 0;
}

int
ms_outq_run(struct ms_store *st, int64_t now,
	    const struct ms_outq_run_opts *o, struct ms_outq_stats *stats_r,
	    struct ms_err *err)
{
	static const struct ms_outq_run_opts defaults;
	struct ms_outq_stats stats;
	struct listing l;
	struct pass ps;
	char id[MS_OUTQ_ID_SIZE];
	int64_t next;
	unsigned tries;
	size_t i;
	int rc;

	memset(&stats, 0, sizeof(stats));
	memset(&l, 0, sizeof(l));
	memset(&ps, 0, sizeof(ps));
	if (o == NULL)
		o = &defaults;
	l.pool = ms_pool_create("outq", 0);
	l.now = now;
	rc = list_leaves(st, &l, err);
	if (rc != 0)
		goto out;
	ps.st = st;
	ps.conf = ms_store_conf(st);
	ps.now = now;
	ps.lifetime = (int64_t)ms_conf_secs(ps.conf, "relay.queue_lifetime");
	ps.o = o;
	ps.dir = l.dir;
	ps.stats = &stats;
	ms_relay_opts_conf(ps.conf, o->helo_name, &ps.ro);
	(void)ms_strlcpy(ps.host, ps.ro.helo, sizeof(ps.host));
	if (ps.host[0] == '\0')
		(void)ms_strlcpy(ps.host, "localhost", sizeof(ps.host));
	for (i = 0; i < l.n; i++) {
		if (leaf_parse(l.leaves[i], id, &next, &tries) < 0)
			continue;
		stats.seen++;
		if (!o->flush && next > now) {
			if (stats.next_due == 0 || next < stats.next_due)
				stats.next_due = next;
			continue;
		}
		stats.due++;
		entry_run(&ps, l.leaves[i], id, next, tries);
	}
out:
	if (l.dir != NULL)
		ms_pdir_close(l.dir);
	ms_pool_destroy(&l.pool);
	if (stats_r != NULL)
		*stats_r = stats;
	return rc < 0 ? -1 : 0;
}

/* ======================================================================
 * Listing
 * ====================================================================== */

int
ms_outq_list(struct ms_store *st,
	     int (*cb)(void *ctx, const struct ms_outq_info *info),
	     void *ctx, struct ms_err *err)
{
	struct listing l;
	struct ms_outq_info info;
	struct ms_err lerr;
	struct entry e;
	size_t i, k;
	int rc;

	memset(&l, 0, sizeof(l));
	l.pool = ms_pool_create("outq-list", 0);
	l.now = ms_time_sec();
	rc = list_leaves(st, &l, err);
	if (rc != 0) {
		ms_pool_destroy(&l.pool);
		return rc < 0 ? -1 : 0;
	}
	for (i = 0; i < l.n && rc == 0; i++) {
		memset(&info, 0, sizeof(info));
		memset(&e, 0, sizeof(e));
		k = strlen(l.leaves[i]);
		if (leaf_parse(l.leaves[i], info.id, &info.next_try,
			       &info.tries) < 0) {
			if (k != MS_OUTQ_ID_SIZE - 1 + 4 ||
			    strcmp(l.leaves[i] + k - 4, ".bad") != 0)
				continue;
			memcpy(info.id, l.leaves[i], MS_OUTQ_ID_SIZE - 1);
			info.is_damaged = 1;
		}
		info.kind = "";
		info.sender = "";
		info.last_error = "";
		if (ms_pfile_open(l.dir, l.leaves[i], MS_PF_READ, &e.f,
				  NULL) < 0)
			continue;
		if (entry_load(&e, &lerr) == 0) {
			info.kind = e.env.kind;
			info.sender = e.env.sender;
			info.nrcpt = e.env.nrcpt;
			for (k = 0; k < e.env.nrcpt; k++)
				if (e.env.rcpt_st[k] != '-')
					info.ndone++;
			info.queued = e.env.queued;
			info.size = e.size - e.env.env_len;
			info.last_error = e.env.last_error;
		} else {
			info.is_damaged = 1;
		}
		rc = cb(ctx, &info);
		(void)ms_pfile_close(e.f, NULL);
		ms_xfree(e.envbuf);
	}
	ms_pdir_close(l.dir);
	ms_pool_destroy(&l.pool);
	return rc;
}

/* ======================================================================
 * The runner
 * ====================================================================== */

struct runner {
	const struct ms_opts *opts;
	struct ms_pool *cpool;          /* the configuration */
	struct ms_conf *conf;
	struct ms_store *st;
	struct ms_thread *thread;
	struct ms_mutex *mu;
	struct ms_cond *cond;
	int stop, kick, reload;
};

static struct runner *runner;           /* guarded by the main thread */
static struct ms_mutex *runner_mu;      /* made at the first start */

/* Load the configuration and open the store into r (replacing). */
static int
runner_load(struct runner *r, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("outq-conf", 0);
	struct ms_conf *conf;
	struct ms_store *st;

	if (ms_opts_load_conf(r->opts, pool, &conf, err) < 0 ||
	    ms_store_open(conf, 0, &st, err) < 0) {
		ms_pool_destroy(&pool);
		return -1;
	}
	ms_store_close(r->st);
	ms_pool_destroy(&r->cpool);
	r->cpool = pool;
	r->conf = conf;
	r->st = st;
	return 0;
}

static void *
runner_main(void *arg)
{
	struct runner *r = arg;
	struct ms_outq_stats stats;
	struct ms_err err;
	uint64_t wait_s;
	int64_t now;
	int reload;

	for (;;) {
		ms_mutex_lock(r->mu);
		r->kick = 0;
		reload = r->reload;
		r->reload = 0;
		if (r->stop) {
			ms_mutex_unlock(r->mu);
			break;
		}
		ms_mutex_unlock(r->mu);
		if (reload && runner_load(r, &err) < 0)
			ms_error("outq: reload: %s; keeping the running "
				 "configuration", err.internal);
		now = ms_time_sec();
		if (ms_outq_run(r->st, now, NULL, &stats, &err) < 0)
			ms_error("outq: %s", err.internal);
		else if (stats.due > 0)
			ms_info("outq: pass: %u due, %u sent, %u deferred, "
				"%u bounces, %u busy, %u damaged, %u left",
				stats.due, stats.sent, stats.deferred,
				stats.bounced, stats.busy, stats.damaged,
				stats.seen - stats.sent);
		wait_s = ms_conf_secs(r->conf, "relay.queue_interval");
		if (wait_s == 0)
			wait_s = 60;
		now = ms_time_sec();
		if (stats.next_due > 0 && stats.next_due > now &&
		    (uint64_t)(stats.next_due - now) < wait_s)
			wait_s = (uint64_t)(stats.next_due - now);
		if (wait_s == 0)
			wait_s = 1;
		if (wait_s > 3600)
			wait_s = 3600;
		ms_mutex_lock(r->mu);
		if (!r->stop && !r->kick && !r->reload)
			(void)ms_cond_wait(r->cond, r->mu,
					   (unsigned)(wait_s * 1000));
		ms_mutex_unlock(r->mu);
	}
	return NULL;
}

static void
runner_free(struct runner *r)
{
	ms_store_close(r->st);
	ms_pool_destroy(&r->cpool);
	ms_cond_free(r->cond);
	ms_mutex_free(r->mu);
	ms_xfree(r);
}

int
ms_outq_start(const struct ms_opts *opts, struct ms_err *err)
{
	struct runner *r;
	struct ms_perr perr;

	if (runner_mu == NULL)
		runner_mu = ms_mutex_new();
	if (runner != NULL)
		return ms_err_set(err, MS_E_EXISTS, "queue runner running",
				  "outq: a runner is already running");
	r = ms_xcalloc(1, sizeof(*r));
	r->opts = opts;
	r->mu = ms_mutex_new();
	r->cond = ms_cond_new();
	if (runner_load(r, err) < 0) {
		runner_free(r);
		return -1;
	}
	if (ms_conf_secs(r->conf, "relay.queue_interval") == 0) {
		runner_free(r);
		return 1;
	}
	if (ms_thread_start(runner_main, r, &r->thread, &perr) < 0) {
		runner_free(r);
		return ms_err_from_perr(err, &perr, "outq runner thread");
	}
	ms_mutex_lock(runner_mu);
	runner = r;
	ms_mutex_unlock(runner_mu);
	return 0;
}

/* Set a flag of the runner and wake it. */
static void
runner_poke(int what)
{
	if (runner_mu == NULL)
		return;
	ms_mutex_lock(runner_mu);
	if (runner != NULL) {
		ms_mutex_lock(runner->mu);
		if (what == 0)
			runner->kick = 1;
		else if (what == 1)
			runner->reload = 1;
		else
			runner->stop = 1;
		ms_cond_signal(runner->cond);
		ms_mutex_unlock(runner->mu);
	}
	ms_mutex_unlock(runner_mu);
}

void
ms_outq_kick(void)
{
	runner_poke(0);
}

void
ms_outq_reload(void)
{
	runner_poke(1);
}

void
ms_outq_stop(void)
{
	struct runner *r;

	if (runner_mu == NULL)
		return;
	runner_poke(2);
	ms_mutex_lock(runner_mu);
	r = runner;
	runner = NULL;
	ms_mutex_unlock(runner_mu);
	if (r == NULL)
		return;
	ms_thread_join(r->thread, NULL);
	runner_free(r);
}
