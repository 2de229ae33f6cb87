/*
 * ms_imap_append.c -- APPEND and MULTIAPPEND (RFC 3502), literal8 for
 * BINARY, the UTF8 (...) form, and the shared IMAP date helpers.
 *
 * All messages of one command go into one store batch (ms_mbox_tx_*),
 * committed when the command is complete: all or nothing.  Literals the
 * parser streams (large ones) arrive as chunks before the command event;
 * ms_imap_append_chunk() opens the target and batch at the first one and
 * writes each chunk to the batch's temporary file, so memory does not grow
 * with the message.  Small literals come whole in the command's args and
 * are added when the command runs; s->append->done counts the messages
 * already in the batch, so the order of the batch is the order of the
 * command's messages.  A literal8 message (RFC 3516) goes through the
 * ms_mime_bin transform on its way to the batch, whole or chunk by chunk:
 * binary parts become base64, so the store's CRLF text keeps them and
 * FETCH BINARY gives the octets back.
 */
#include "ms_sys.h"
#include "ms_imap_int.h"
#include "ms_date.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_mime_bin.h"
#include "ms_pool.h"
#include "ms_str.h"
#include "ms_plat.h"

#include <stdio.h>
#include <string.h>

/* Per-session state of an APPEND whose literals are being streamed. */
struct ms_imap_append {
	struct ms_pool *pool;
	struct ms_mbox *mbox;           /* target, own handle */
	struct ms_mbox_tx *tx;
	size_t done;                    /* messages ended in the batch */
	int in_msg;                     /* a streamed message is open */
	struct msgspec *cur;    /* its flags and date */
	int failed;                     /* err holds why; chunks dropped */
	int bad;                        /* failed on syntax: BAD why */
	int binary;                     /* refused binary content */
	struct ms_mime_bin *bin;        /* literal8 message being converted */
	int cr;                         /* literal8 so far ended in CR */
	int rawbin;                     /* literal8 had a bare CR or LF */
	const char *why;
	struct ms_err err;
};

/* One message of the command: flags, date and its literal. */
struct msgspec {
	uint32_t flags;
	const char **kw;
	size_t nkw;
	int64_t date;                   /* 0: now */
	const struct ms_imap_arg *lit;
};

/*
 * Parse the message at *ap ([flag-list] [date-time] literal, or the
 * RFC 6855 "UTF8 (literal8)" form) and advance *ap past it.  Keyword
 * names stay where the parser or flag parser put them.
 */
static int
msg_parse(struct ms_imap_sess *s, const struct ms_imap_arg **ap,
	  struct msgspec *m, const char **why_r)
{
	const struct ms_imap_arg *a = *ap;

	memset(m, 0, sizeof(*m));
	if (a != NULL && a->kind == MS_IMAP_LIST) {
		if (ms_imap_flags_parse(s, a, &m->flags, &m->kw, &m->nkw,
					why_r) < 0)
			return -1;
		a = a->next;
	}
	if (a != NULL && a->kind == MS_IMAP_STRING) {
		if (ms_imap_date_parse(a->text, 1, &m->date) < 0) {
			*why_r = "Invalid date-time";
			return -1;
		}
		a = a->next;
	}
	*why_r = "Missing message literal";
	if (a != NULL && a->kind == MS_IMAP_ATOM &&
	    ms_ascii_strcasecmp(a->text, "UTF8") == 0) {
		a = a->next;
		if (a == NULL || a->kind != MS_IMAP_LIST || a->list == NULL ||
		    a->list->kind != MS_IMAP_LITERAL ||
		    a->list->next != NULL)
			return -1;
		m->lit = a->list;
	} else if (a != NULL && a->kind == MS_IMAP_LITERAL) {
		m->lit = a;
	} else {
		return -1;
	}
	*ap = a->next;
	return 0;
}

/*
 * 1 when bytes of a literal8 (RFC 3516 APPEND) would be changed by the
 * store's CRLF normalisation: CR and LF not paired (NUL bytes are kept as
 * they are).  *cr carries a CR that ended the previous piece; a CR still
 * pending at the literal's end is bare too.
 */
static int
needs_binary(const unsigned char *p, size_t n, int *cr)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if ((*cr && p[i] != '\n') || (p[i] == '\n' && !*cr))
			return 1;
		*cr = p[i] == '\r';
	}
	return 0;
}

static int
refuse_binary(struct ms_imap_append *ap)
{
	ap->binary = 1;
	return ms_err_set(&ap->err, MS_E_PARAMS, "Binary content in a part "
			  "too large or too deep to convert; send it encoded",
			  "append: binary content refused");
}

/* Output of the binary transform: the message in the batch. */
static int
bin_out(void *ctx, const void *data, size_t len)
{
	struct ms_imap_append *ap = ctx;

	return ms_mbox_tx_msg_data(ap->tx, data, len, &ap->err);
}

/* A literal8 message starts (after ms_mbox_tx_msg_begin). */
static void
bin_begin(struct ms_imap_append *ap)
{
	ms_mime_bin_free(&ap->bin);
	ap->bin = ms_mime_bin_create(NULL, 0, bin_out, ap);
	ap->cr = 0;
	ap->rawbin = 0;
}

/* The next piece of a literal8 message. */
static int
bin_feed(struct ms_imap_append *ap, const void *p, size_t n)
{
	if (!ap->rawbin && needs_binary(p, n, &ap->cr))
		ap->rawbin = 1;
	return ms_mime_bin_feed(ap->bin, p, n);
}

/*
 * The literal8 message has ended.  What the transform had to pass
 * through unread (a header past its limit, parts past the nesting or
 * part limit) cannot be converted: if the literal had bare CR or LF the
 * store would change, that is NO [UNKNOWN-CTE] (RFC 3516 4.4).
 */
static int
bin_end(struct ms_imap_append *ap)
{
	int rc = ms_mime_bin_finish(ap->bin);

	if (rc == 0 && ms_mime_bin_problems(ap->bin) != 0 &&
	    (ap->rawbin || ap->cr))
		rc = refuse_binary(ap);
	ms_mime_bin_free(&ap->bin);
	return rc;
}

static void
append_fail(struct ms_imap_append *ap, const struct ms_err *err)
{
	ap->failed = 1;
	if (err != NULL)
		ap->err = *err;
}

static void
append_fail_bad(struct ms_imap_append *ap, const char *why)
{
	ap->failed = 1;
	ap->bad = 1;
	ap->why = why;
}

/*
 * Start the batch: decode and open the target mailbox (its first
 * argument).  On failure ap->failed is set with the reason.
 */
static void
append_open(struct ms_imap_sess *s, struct ms_imap_append *ap,
	    const struct ms_imap_arg *mbarg)
{
	const char *raw, *why;
	char name[1024];
	uint32_t id;

	if (mbarg == NULL || (raw = ms_imap_arg_str(mbarg)) == NULL) {
		append_fail_bad(ap, "Invalid mailbox name");
		return;
	}
	if (ms_imap_mbox_name_decode(s, raw, name, sizeof(name), &why) < 0) {
		ms_err_set(&ap->err, MS_E_PARAMS, why, "append: %s", why);
		append_fail(ap, NULL);
		return;
	}
	if (ms_imap_mbox_open(s, name, &ap->mbox, &id, &ap->err) < 0) {
		if (ap->mbox != NULL)
			ms_mbox_close(ap->mbox);
		ap->mbox = NULL;
		append_fail(ap, NULL);
		return;
	}
	if (ms_mbox_tx_begin(ap->mbox, &ap->tx, &ap->err) < 0)
		append_fail(ap, NULL);
}

static struct ms_imap_append *
append_new(struct ms_imap_sess *s, const struct ms_imap_arg *mbarg)
{
	struct ms_pool *pool = ms_pool_create("append", 1024);
	struct ms_imap_append *ap = MS_PNEW(pool, struct ms_imap_append, 1);

	ap->pool = pool;
	s->append = ap;
	append_open(s, ap, mbarg);
	return ap;
}

void
ms_imap_append_abort(struct ms_imap_sess *s)
{
	struct ms_imap_append *ap = s->append;

	if (ap == NULL)
		return;
	s->append = NULL;
	ms_mime_bin_free(&ap->bin);
	if (ap->tx != NULL)
		ms_mbox_tx_free(ap->tx);
	if (ap->mbox != NULL)
		ms_mbox_close(ap->mbox);
	ms_pool_destroy(&ap->pool);
}

/* Add a message whose literal came whole (not streamed). */
static int
add_inline(struct ms_imap_append *ap, const struct msgspec *m)
{
	if (m->lit->text == NULL) {
		ms_err_set(&ap->err, MS_E_INTERNAL, NULL,
			   "append: streamed literal was not received");
		return -1;
	}
	if (m->lit->len == 0) {
		/* as Dovecot: a message has at least a header line */
		ms_err_set(&ap->err, MS_E_PARAMS, "Cannot save an empty "
			   "message", "append: empty message");
		return -1;
	}
	if (ms_mbox_tx_msg_begin(ap->tx, &ap->err) < 0)
		return -1;
	if (m->lit->lit_flags & MS_IMAP_LIT_BINARY) {
		bin_begin(ap);
		if (bin_feed(ap, m->lit->text, m->lit->len) < 0) {
			ms_mime_bin_free(&ap->bin);
			return -1;
		}
		if (bin_end(ap) < 0)
			return -1;
	} else if (ms_mbox_tx_msg_data(ap->tx, m->lit->text, m->lit->len,
				       &ap->err) < 0) {
		return -1;
	}
	if (ms_mbox_tx_msg_end(ap->tx, m->flags, m->kw, m->nkw, m->date,
			       &ap->err) < 0)
		return -1;
	ap->done++;
	return 0;
}

/* Copy what a streamed message needs at its end into the append's pool
   (the parser's and the command pool's memory may move on). */
static struct msgspec *
spec_keep(struct ms_imap_append *ap, const struct msgspec *m)
{
	struct msgspec *c = MS_PNEW(ap->pool,
					    struct msgspec, 1);
	size_t i;

	*c = *m;
	c->lit = NULL;
	c->kw = MS_PNEW(ap->pool, const char *, m->nkw + 1);
	for (i = 0; i < m->nkw; i++)
		c->kw[i] = ms_pstrdup(ap->pool, m->kw[i]);
	return c;
}

/*
 * The first chunk of a streamed literal: add the messages before it that
 * are not in the batch yet (small literals), then open the streamed one.
 */
static void
stream_begin(struct ms_imap_sess *s, struct ms_imap_append *ap)
{
	const struct ms_imap_cmd *cmd = ms_imap_parser_cmd(s->parser);
	const struct ms_imap_arg *lit = ms_imap_parser_lit_arg(s->parser);
	const struct ms_imap_arg *a;
	struct msgspec m;
	const char *why;
	size_t i;

	if (cmd->args == NULL || lit == NULL) {
		append_fail_bad(ap, "Missing mailbox name");
		return;
	}
	a = cmd->args->next;
	for (i = 0;; i++) {
		if (msg_parse(s, &a, &m, &why) < 0) {
			append_fail_bad(ap, why);
			return;
		}
		if (m.lit == lit)
			break;
		if (i >= ap->done && add_inline(ap, &m) < 0) {
			append_fail(ap, NULL);
			return;
		}
	}
	if (i != ap->done || ms_mbox_tx_msg_begin(ap->tx, &ap->err) < 0) {
		append_fail(ap, NULL);
		return;
	}
	ap->cur = spec_keep(ap, &m);
	ap->in_msg = 1;
	if (lit->lit_flags & MS_IMAP_LIT_BINARY)
		bin_begin(ap);
}

int
ms_imap_append_chunk(struct ms_imap_sess *s, const struct ms_imap_chunk *ch)
{
	const struct ms_imap_cmd *cmd = ms_imap_parser_cmd(s->parser);
	struct ms_imap_append *ap = s->append;

	if (ap == NULL)
		ap = append_new(s, cmd->args);
	if (!ap->failed && ch->offset == 0)
		stream_begin(s, ap);
	if (ap->failed || !ap->in_msg)
		return -1;
	if (ch->len > 0 &&
	    (ap->bin != NULL ? bin_feed(ap, ch->data, ch->len) :
	     ms_mbox_tx_msg_data(ap->tx, ch->data, ch->len, &ap->err)) < 0) {
		append_fail(ap, NULL);
		return -1;
	}
	if (ch->last) {
		ap->in_msg = 0;
		if (ap->bin != NULL && bin_end(ap) < 0) {
			append_fail(ap, NULL);
			return -1;
		}
		if (ms_mbox_tx_msg_end(ap->tx, ap->cur->flags, ap->cur->kw,
				       ap->cur->nkw, ap->cur->date,
				       &ap->err) < 0) {
			append_fail(ap, NULL);
			return -1;
		}
		ap->done++;
	}
	return 0;
}

/* Check the whole command's syntax; the number of messages, or -1. */
static long
append_check(struct ms_imap_sess *s, const struct ms_imap_arg *args,
	     const char **why_r)
{
	const struct ms_imap_arg *a;
	struct msgspec m;
	long n = 0;

	*why_r = "Missing mailbox name";
	if (args == NULL || ms_imap_arg_str(args) == NULL)
		return -1;
	for (a = args->next; a != NULL; n++) {
		if (msg_parse(s, &a, &m, why_r) < 0)
			return -1;
	}
	if (n == 0) {
		*why_r = "Missing message literal";
		return -1;
	}
	return n;
}

/* Add the messages the chunks did not bring, then commit the batch. */
static int
append_finish(struct ms_imap_sess *s, struct ms_imap_append *ap,
	      const struct ms_imap_arg *args, uint32_t *first_r)
{
	const struct ms_imap_arg *a = args->next;
	struct msgspec m;
	const char *why;
	size_t i;

	for (i = 0; a != NULL; i++) {
		(void)msg_parse(s, &a, &m, &why);
		if (i >= ap->done && add_inline(ap, &m) < 0)
			return -1;
	}
	return ms_mbox_tx_commit(ap->tx, s->qhook.reserve != NULL ?
				 &s->qhook : NULL, first_r, &ap->err);
}

/* The tagged NO for a failed append. */
static void
append_no(struct ms_imap_sess *s, const struct ms_imap_append *ap)
{
	const struct ms_err *err = &ap->err;

	if (ap->binary)
		ms_imap_tagged(s, "NO", "UNKNOWN-CTE", err->user);
	else if (err->cls == MS_E_NOTFOUND)
		ms_imap_tagged(s, "NO", "TRYCREATE", "Mailbox does not exist");
	else
		ms_imap_tagged_err(s, err);
}

enum ms_imap_run
ms_imap_cmd_append(struct ms_imap_sess *s, const struct ms_imap_cmd *cmd,
		   const struct ms_imap_arg *args)
{
	struct ms_imap_append *ap = s->append;
	struct ms_mbox_status st;
	const char *why, *code;
	uint32_t first;
	unsigned n;

	(void)cmd;
	if (append_check(s, args, &why) < 0) {
		ms_imap_append_abort(s);
		ms_imap_tagged(s, "BAD", NULL, why);
		return MS_IMAP_RUN_DONE;
	}
	if (ap == NULL)
		ap = append_new(s, args);
	if (ap->failed && ap->bad) {
		ms_imap_tagged(s, "BAD", NULL, ap->why);
	} else if (ap->failed || append_finish(s, ap, args, &first) < 0) {
		append_no(s, ap);
	} else {
		n = ms_mbox_tx_count(ap->tx);
		ms_mbox_status(ap->mbox, &st);
		code = n > 1 ? ms_psprintf(s->cmd_pool, "APPENDUID %u %u:%u",
					   (unsigned)st.uidvalidity,
					   (unsigned)first,
					   (unsigned)(first + n - 1)) :
			       ms_psprintf(s->cmd_pool, "APPENDUID %u %u",
					   (unsigned)st.uidvalidity,
					   (unsigned)first);
		ms_imap_append_abort(s);
		ms_imap_tagged(s, "OK", code, "Append completed");
		return MS_IMAP_RUN_DONE;
	}
	ms_imap_append_abort(s);
	return MS_IMAP_RUN_DONE;
}

/* ======================================================================
 * Dates (shared: FETCH INTERNALDATE, SEARCH dates)
 * ====================================================================== */

/* Exactly n digits at *p (advanced); -1 otherwise. */
static int
take_digits(const char **p, unsigned n, unsigned *v_r)
{
	unsigned v = 0;

	while (n-- > 0) {
		if (!ms_ascii_isdigit((unsigned char)**p))
			return -1;
		v = v * 10 + (unsigned)(**p - '0');
		(*p)++;
	}
	*v_r = v;
	return 0;
}

/* "d-Mon-yyyy" (day " d", "d" or "dd"); *p advanced past it. */
static int
parse_day_month_year(const char **p, unsigned *d_r, unsigned *m_r,
		     unsigned *y_r)
{
	const char *q = *p;
	unsigned d, m, y;

	if (*q == ' ')
		q++;
	if (take_digits(&q, 1, &d) < 0)
		return -1;
	if (ms_ascii_isdigit((unsigned char)*q))
		d = d * 10 + (unsigned)(*q++ - '0');
	if (*q++ != '-')
		return -1;
	if ((m = ms_month_lookup(q)) == 0)
		return -1;
	m--;
	q += 3;
	if (*q++ != '-' || take_digits(&q, 4, &y) < 0)
		return -1;
	if (y < 1900 || d < 1 || d > ms_month_days(y, m + 1))
		return -1;
	*d_r = d;
	*m_r = m + 1;
	*y_r = y;
	*p = q;
	return 0;
}

int
ms_imap_date_parse(const char *str, int with_time, int64_t *t_r)
{
	const char *p = str;
	unsigned d, m, y, hh, mi, ss, zh, zm;
	int64_t t;
	int sign;

	if (str == NULL || parse_day_month_year(&p, &d, &m, &y) < 0)
		return -1;
	t = ms_days_from_civil(y, m, d) * 86400;
	if (!with_time) {
		if (*p != '\0' || str[0] == ' ')
			return -1;
		*t_r = t;
		return 0;
	}
	if (*p++ != ' ' || take_digits(&p, 2, &hh) < 0 || *p++ != ':' ||
	    take_digits(&p, 2, &mi) < 0 || *p++ != ':' ||
	    take_digits(&p, 2, &ss) < 0 || *p++ != ' ')
		return -1;
	if (*p != '+' && *p != '-')
		return -1;
	sign = *p++ == '-' ? -1 : 1;
	if (take_digits(&p, 2, &zh) < 0 || take_digits(&p, 2, &zm) < 0 ||
	    *p != '\0')
		return -1;
	if (hh > 23 || mi > 59 || ss > 60 || zm > 59)
		return -1;
	t += (int64_t)hh * 3600 + (int64_t)mi * 60 + ss;
	t -= sign * ((int64_t)zh * 3600 + (int64_t)zm * 60);
	/* keep a day from the ends, so any local offset formats it back
	   with a four-digit year of 1900..9999 */
	if (t < (ms_days_from_civil(1900, 1, 1) + 1) * 86400 ||
	    t >= (ms_days_from_civil(9999, 12, 31) - 1) * 86400)
		return -1;
	*t_r = t;
	return 0;
}

void
ms_imap_date_format(int64_t t, char *buf, size_t size)
{
	long off = ms_time_local_offset(t);
	int64_t lt, days, secs, y;
	unsigned mo, d, aoff;
	char sign = '+';

	if (off < -86399 || off > 86399)
		off = 0;
	off = off / 60 * 60;    /* old local mean times have seconds */
	lt = t + off;
	ms_time_split(lt, &days, &secs);
	ms_civil_from_days(days, &y, &mo, &d);
	if (y < 0 || y > 9999) {
		y = y < 0 ? 0 : 9999;
	}
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	aoff = (unsigned)(off / 60);
	(void)snprintf(buf, size, "%02u-%s-%04u %02u:%02u:%02u %c%02u%02u",
		       d, ms_month_abbr[mo - 1], (unsigned)y,
		       (unsigned)(secs / 3600), (unsigned)(secs / 60 % 60),
		       (unsigned)(secs % 60), sign, aoff / 60, aoff % 60);
}
