/*
 * ms_imapfmt.c -- IMAP string quoting and the ENVELOPE / BODY /
 * BODYSTRUCTURE writers.
 *
 * A string is written in one pass of the cleaning rules straight into
 * out, then inspected there and turned in place into a quoted string
 * (escapes inserted from the back) or a literal (prefix moved in front),
 * so nothing is allocated but out itself.  The body writers recurse over
 * the part tree, which the parser limits to MS_MIME_DEPTH_HARD levels;
 * the depth is checked again here.
 */
#include "ms_sys.h"
#include "ms_imapfmt.h"
#include "ms_addr.h"
#include "ms_buf.h"
#include "ms_mime.h"
#include "ms_utf8.h"

#include <string.h>

/* Dovecot switches to a literal after this many escapes (a literal is
   then no longer than the quoted string); we do the same */
#define MAX_ESCAPES     4

static const char repl[] = MS_UTF8_REPL_SEQ;

static int
is_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Append the cleaned form of p[0..len). */
static int
put_clean(struct ms_buf *out, const unsigned char *p, size_t len,
	  enum ms_imapfmt_clean clean)
{
	size_t i, run = 0;
	int space = 0, any = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = p[i];

		if (clean == MS_IMAPFMT_HUMAN && is_blank(c)) {
			if (ms_buf_append(out, p + run, i - run) < 0)
				return -1;
			space = any;
			run = i + 1;
			continue;
		}
		if (clean == MS_IMAPFMT_NOLF && (c == '\r' || c == '\n')) {
			unsigned char nx = i + 1 < len ? p[i + 1] : '\0';

			if (ms_buf_append(out, p + run, i - run) < 0)
				return -1;
			run = i + 1;
			if (i + 1 < len && !is_blank(nx) &&
			    ms_buf_append_c(out, ' ') < 0)
				return -1;
			continue;
		}
		if (space) {
			if (ms_buf_append_c(out, ' ') < 0)
				return -1;
			space = 0;
		}
		any = 1;
		if (c == '\0') {
			if (ms_buf_append(out, p + run, i - run) < 0 ||
			    ms_buf_append(out, repl, 3) < 0)
				return -1;
			run = i + 1;
		}
	}
	return ms_buf_append(out, p + run, i - run);
}

/* Grow out by n bytes whose content the caller fills. */
static int
grow(struct ms_buf *out, size_t n)
{
	if (n == 0)
		return 0;
	if (ms_buf_reserve(out, n) == NULL)
		return -1;
	ms_buf_commit(out, n);
	return 0;
}

int
ms_imapfmt_string(struct ms_buf *out, const void *p, size_t len,
		  enum ms_imapfmt_clean clean, unsigned flags)
{
	size_t start = out->len, n, i, nesc = 0, j, plen;
	int crlf = 0, high = 0, literal;
	unsigned char *d;
	char pre[32];

	if (put_clean(out, p, len, clean) < 0)
		goto full;
	n = out->len - start;
	d = out->data + start;
	for (i = 0; i < n; i++) {
		if (d[i] == '\r' || d[i] == '\n')
			crlf = 1;
		else if (d[i] >= 0x80)
			high = 1;
		else if (d[i] == '"' || d[i] == '\\')
			nesc++;
	}
	literal = crlf || nesc > MAX_ESCAPES ||
		(high && ((flags & MS_IMAPFMT_UTF8) == 0 ||
			  !ms_utf8_valid(d, n)));
	if (literal) {
		/* "{n}\r\n" then the bytes: move them up */
		plen = 0;
		pre[plen++] = '{';
		{
			char digits[24];
			size_t nd = 0, v = n;

			do {
				digits[nd++] = (char)('0' + v % 10);
				v /= 10;
			} while (v > 0);
			while (nd > 0)
				pre[plen++] = digits[--nd];
		}
		pre[plen++] = '}';
		pre[plen++] = '\r';
		pre[plen++] = '\n';
		if (grow(out, plen) < 0)
			goto full;
		d = out->data + start;
		memmove(d + plen, d, n);
		memcpy(d, pre, plen);
		return 0;
	}
	/* quoted: insert escapes from the back, then the quotes */
	if (grow(out, nesc + 2) < 0)
		goto full;
	d = out->data + start;
	j = n + nesc + 2;
	d[--j] = '"';
	for (i = n; i > 0; i--) {
		unsigned char c = d[i - 1];

		d[--j] = c;
		if (c == '"' || c == '\\')
			d[--j] = '\\';
	}
	d[--j] = '"';
	return 0;
full:
	ms_buf_truncate(out, start);
	return -1;
}

int
ms_imapfmt_nstring(struct ms_buf *out, struct ms_str s,
		   enum ms_imapfmt_clean clean, unsigned flags)
{
	if (s.p == NULL)
		return ms_buf_append(out, "NIL", 3);
	return ms_imapfmt_string(out, s.p, s.len, clean, flags);
}

static int
put(struct ms_buf *out, const char *s)
{
	return ms_buf_append(out, s, strlen(s));
}

int
ms_imapfmt_addrs(struct ms_buf *out, const struct ms_addr *a,
		 unsigned flags)
{
	size_t start = out->len;

	if (a == NULL)
		return put(out, "NIL");
	if (put(out, "(") < 0)
		goto full;
	for (; a != NULL; a = a->next) {
		struct ms_str mbox = a->mailbox, host = a->host;

		if ((a->flags & (MS_ADDR_GROUP | MS_ADDR_GROUP_END)) == 0) {
			if (mbox.p == NULL)
				mbox = ms_str_c("MISSING_MAILBOX");
			if (host.p == NULL)
				host = ms_str_c("MISSING_DOMAIN");
		}
		if (put(out, "(") < 0 ||
		    ms_imapfmt_nstring(out, a->name.len > 0 ? a->name :
				       ms_str_make(NULL, 0),
				       MS_IMAPFMT_HUMAN, flags) < 0 ||
		    put(out, " ") < 0 ||
		    ms_imapfmt_nstring(out, a->route, MS_IMAPFMT_RAW,
				       flags) < 0 ||
		    put(out, " ") < 0 ||
		    ms_imapfmt_nstring(out, mbox, MS_IMAPFMT_RAW, flags) < 0 ||
		    put(out, " ") < 0 ||
		    ms_imapfmt_nstring(out, host, MS_IMAPFMT_RAW, flags) < 0 ||
		    put(out, ")") < 0)
			goto full;
	}
	if (put(out, ")") < 0)
		goto full;
	return 0;
full:
	ms_buf_truncate(out, start);
	return -1;
}

int
ms_imapfmt_envelope(struct ms_buf *out, const struct ms_mime_part *msg,
		    unsigned flags)
{
	const struct ms_mime_env *e = msg->env;
	size_t start = out->len;

	if (e == NULL)
		return put(out, "(NIL NIL NIL NIL NIL NIL NIL NIL NIL NIL)");
	if (put(out, "(") < 0 ||
	    ms_imapfmt_nstring(out, e->date, MS_IMAPFMT_NOLF, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_nstring(out, e->subject, MS_IMAPFMT_HUMAN, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->from, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->sender != NULL ? e->sender : e->from,
			     flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->reply_to != NULL ? e->reply_to :
			     e->from, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->to, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->cc, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_addrs(out, e->bcc, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_nstring(out, e->in_reply_to, MS_IMAPFMT_NOLF,
			       flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_nstring(out, e->message_id, MS_IMAPFMT_NOLF,
			       flags) < 0 ||
	    put(out, ")") < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

/* ("name" "value" ...) or NIL; text parts get a default charset. */
static int
put_params(struct ms_buf *out, const struct ms_mime_param *pr, unsigned n,
	   int text, unsigned flags)
{
	unsigned i;
	int charset = 0;

	if (n == 0 && !text)
		return put(out, "NIL");
	if (put(out, "(") < 0)
		return -1;
	for (i = 0; i < n; i++) {
		if (i > 0 && put(out, " ") < 0)
			return -1;
		if (ms_str_eq_cstr_ci(pr[i].name, "charset"))
			charset = 1;
		if (ms_imapfmt_string(out, pr[i].name.p, pr[i].name.len,
				      MS_IMAPFMT_RAW, flags) < 0 ||
		    put(out, " ") < 0 ||
		    ms_imapfmt_string(out, pr[i].value.p, pr[i].value.len,
				      MS_IMAPFMT_RAW, flags) < 0)
			return -1;
	}
	if (text && !charset) {
		if (n > 0 && put(out, " ") < 0)
			return -1;
		if (put(out, "\"charset\" \"us-ascii\"") < 0)
			return -1;
	}
	return put(out, ")");
}

/* body-ext-1part / body-ext-mpart after the MD5 or the parameters:
   SP disposition SP language SP location */
static int
put_ext_common(struct ms_buf *out, const struct ms_mime_part *part,
	       unsigned flags)
{
	unsigned i;

	if (put(out, " ") < 0)
		return -1;
	if (part->disposition.p == NULL) {
		if (put(out, "NIL") < 0)
			return -1;
	} else if (put(out, "(") < 0 ||
		   ms_imapfmt_string(out, part->disposition.p,
				     part->disposition.len, MS_IMAPFMT_RAW,
				     flags) < 0 ||
		   put(out, " ") < 0 ||
		   put_params(out, part->dparams, part->ndparams, 0,
			      flags) < 0 ||
		   put(out, ")") < 0) {
		return -1;
	}
	if (put(out, " ") < 0)
		return -1;
	if (part->nlangs == 0) {
		if (put(out, "NIL") < 0)
			return -1;
	} else {
		if (put(out, "(") < 0)
			return -1;
		for (i = 0; i < part->nlangs; i++) {
			if ((i > 0 && put(out, " ") < 0) ||
			    ms_imapfmt_string(out, part->langs[i].p,
					      part->langs[i].len,
					      MS_IMAPFMT_RAW, flags) < 0)
				return -1;
		}
		if (put(out, ")") < 0)
			return -1;
	}
	if (put(out, " ") < 0)
		return -1;
	return ms_imapfmt_nstring(out, part->location, MS_IMAPFMT_NOLF,
				  flags);
}

#define EMPTY_BODY "(\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL " \
	"\"7bit\" 0 0"

static int write_part(struct ms_buf *out, const struct ms_mime_part *part,
		      unsigned flags, int ext, unsigned depth);

static int
write_multipart(struct ms_buf *out, const struct ms_mime_part *part,
		unsigned flags, int ext, unsigned depth)
{
	const struct ms_mime_part *c;

	if (put(out, "(") < 0)
		return -1;
	if (part->children == NULL) {
		if (put(out, EMPTY_BODY) < 0 ||
		    (ext && put(out, " NIL NIL NIL NIL") < 0) ||
		    put(out, ")") < 0)
			return -1;
	}
	for (c = part->children; c != NULL; c = c->next) {
		if (write_part(out, c, flags, ext, depth + 1) < 0)
			return -1;
	}
	if (put(out, " ") < 0 ||
	    ms_imapfmt_string(out, part->subtype.p, part->subtype.len,
			      MS_IMAPFMT_RAW, flags) < 0)
		return -1;
	if (ext) {
		if (put(out, " ") < 0 ||
		    put_params(out, part->params, part->nparams, 0,
			       flags) < 0 ||
		    put_ext_common(out, part, flags) < 0)
			return -1;
	}
	return put(out, ")");
}

static int
write_part(struct ms_buf *out, const struct ms_mime_part *part,
	   unsigned flags, int ext, unsigned depth)
{
	int message, basic_text;
	struct ms_str enc;

	if (depth > MS_MIME_DEPTH_HARD + 2)
		return -1;
	if ((part->flags & (MS_MIME_MULTIPART | MS_MIME_TRUNCATED)) ==
	    MS_MIME_MULTIPART)
		return write_multipart(out, part, flags, ext, depth);

	message = (part->flags & (MS_MIME_MESSAGE | MS_MIME_TRUNCATED)) ==
		MS_MIME_MESSAGE && part->children != NULL &&
		((part->flags & MS_MIME_GLOBAL) == 0 ||
		 (flags & MS_IMAPFMT_GLOBAL) != 0);
	basic_text = 0;
	if (put(out, "(") < 0)
		return -1;
	if (message) {
		if (put(out, (part->flags & MS_MIME_GLOBAL) != 0 ?
			"\"message\" \"global\"" :
			"\"message\" \"rfc822\"") < 0)
			return -1;
	} else if ((part->flags & MS_MIME_TRUNCATED) != 0) {
		/* not expanded: say so instead of promising a structure */
		if (put(out, "\"application\" \"octet-stream\"") < 0)
			return -1;
	} else {
		basic_text = (part->flags & MS_MIME_TEXT) != 0;
		if (ms_imapfmt_string(out, part->type.p, part->type.len,
				      MS_IMAPFMT_RAW, flags) < 0 ||
		    put(out, " ") < 0 ||
		    ms_imapfmt_string(out, part->subtype.p, part->subtype.len,
				      MS_IMAPFMT_RAW, flags) < 0)
			return -1;
	}
	enc = part->cte.p != NULL ? part->cte : ms_str_c("7bit");
	if (put(out, " ") < 0 ||
	    put_params(out, part->params, part->nparams, basic_text,
		       flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_nstring(out, part->id, MS_IMAPFMT_NOLF, flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_nstring(out, part->description, MS_IMAPFMT_NOLF,
			       flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_imapfmt_string(out, enc.p, enc.len, MS_IMAPFMT_RAW,
			      flags) < 0 ||
	    put(out, " ") < 0 ||
	    ms_buf_append_u64(out, ms_mime_body_size(part)) < 0)
		return -1;
	if (basic_text) {
		if (put(out, " ") < 0 ||
		    ms_buf_append_u64(out, part->body_lines) < 0)
			return -1;
	} else if (message) {
		if (put(out, " ") < 0 ||
		    ms_imapfmt_envelope(out, part->children, flags) < 0 ||
		    put(out, " ") < 0 ||
		    write_part(out, part->children, flags, ext,
			       depth + 1) < 0 ||
		    put(out, " ") < 0 ||
		    ms_buf_append_u64(out, part->body_lines) < 0)
			return -1;
	}
	if (ext) {
		if (put(out, " ") < 0 ||
		    ms_imapfmt_nstring(out, part->md5, MS_IMAPFMT_NOLF,
				       flags) < 0 ||
		    put_ext_common(out, part, flags) < 0)
			return -1;
	}
	return put(out, ")");
}

int
ms_imapfmt_bodystructure(struct ms_buf *out, const struct ms_mime_part *part,
			 unsigned flags)
{
	size_t start = out->len;

	if (write_part(out, part, flags, 1, 0) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}

int
ms_imapfmt_body(struct ms_buf *out, const struct ms_mime_part *part,
		unsigned flags)
{
	size_t start = out->len;

	if (write_part(out, part, flags, 0, 0) < 0) {
		ms_buf_truncate(out, start);
		return -1;
	}
	return 0;
}
