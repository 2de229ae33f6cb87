/*
 * ms_pop3_parse.c -- POP3/poppassd lines and commands, and the scanner
 * for byte-stuffing and TOP (see ms_pop3_parse.h).
 *
 * Lines are found in the caller's bytes (nothing is copied); a line that
 * passes the limit is reported once and its rest skipped up to the next
 * LF, so a flood without line ends costs nothing but reading.  The
 * scanner keeps only a few bytes of state, so a message of any size is
 * scanned in chunks as it is sent.
 */
#include "ms_sys.h"
#include "ms_pop3_parse.h"

#include <string.h>

enum ms_pop3_lr
ms_pop3_line(struct ms_pop3_lines *st, const unsigned char *p, size_t n,
	     size_t max, struct ms_str *line_r, size_t *used_r)
{
	const unsigned char *lf;
	size_t len, lim;

	*used_r = 0;
	line_r->p = NULL;
	line_r->len = 0;
	if (max == 0)
		max = 1;
	if (st->skipping) {
		lf = n > 0 ? memchr(p, '\n', n) : NULL;
		if (lf == NULL) {
			*used_r = n;
			return MS_POP3_L_MORE;
		}
		*used_r = (size_t)(lf - p) + 1;
		st->skipping = 0;
		return MS_POP3_L_MORE;
	}
	/* content of at most max bytes, then CR LF */
	lim = n < max + 2 ? n : max + 2;
	lf = lim > 0 ? memchr(p, '\n', lim) : NULL;
	if (lf == NULL) {
		if (n < max + 2)
			return MS_POP3_L_MORE;
		/* too long: drop it through its LF, here or later */
		lf = memchr(p + lim, '\n', n - lim);
		if (lf != NULL) {
			*used_r = (size_t)(lf - p) + 1;
		} else {
			*used_r = n;
			st->skipping = 1;
		}
		return MS_POP3_L_TOOLONG;
	}
	len = (size_t)(lf - p);
	*used_r = len + 1;
	if (len > 0 && p[len - 1] == '\r')
		len--;
	if (len > max)
		return MS_POP3_L_TOOLONG;
	line_r->p = (const char *)p;
	line_r->len = len;
	return MS_POP3_L_LINE;
}

int
ms_pop3_cmd_parse(struct ms_str line, struct ms_pop3_cmd *cmd_r,
		  const char **why_r)
{
	size_t i, k;

	memset(cmd_r, 0, sizeof(*cmd_r));
	*why_r = NULL;
	for (i = 0; i < line.len; i++) {
		unsigned char c = (unsigned char)line.p[i];

		if ((c < 0x20 && c != '\t') || c == 0x7f) {
			*why_r = "Invalid characters in command";
			return -1;
		}
	}
	for (k = 0; k < line.len && ms_ascii_isalnum((unsigned char)line.p[k]);
	     k++)
		;
	if (k == 0) {
		*why_r = line.len == 0 ? "Empty command" : "Invalid command";
		return -1;
	}
	if (k > MS_POP3_NAME_MAX) {
		*why_r = "Unknown command";
		return -1;
	}
	if (k < line.len && line.p[k] != ' ') {
		*why_r = "Invalid command";
		return -1;
	}
	for (i = 0; i < k; i++)
		cmd_r->name[i] = (char)ms_ascii_upper((unsigned char)line.p[i]);
	cmd_r->name[k] = '\0';
	if (k + 1 >= line.len)
		return 0;
	cmd_r->rest.p = line.p + k + 1;
	cmd_r->rest.len = line.len - k - 1;
	for (i = 0; i < cmd_r->rest.len; ) {
		size_t start;

		while (i < cmd_r->rest.len && cmd_r->rest.p[i] == ' ')
			i++;
		if (i == cmd_r->rest.len)
			break;
		start = i;
		while (i < cmd_r->rest.len && cmd_r->rest.p[i] != ' ')
			i++;
		if (cmd_r->nargs == MS_POP3_ARGS_MAX) {
			cmd_r->too_many = 1;
			break;
		}
		cmd_r->args[cmd_r->nargs].p = cmd_r->rest.p + start;
		cmd_r->args[cmd_r->nargs].len = i - start;
		cmd_r->nargs++;
	}
	return 0;
}

int
ms_pop3_num(struct ms_str s, uint32_t *v_r)
{
	uint64_t v = 0;
	size_t i;

	*v_r = 0;
	if (s.len == 0 || s.len > 10)
		return -1;
	for (i = 0; i < s.len; i++) {
		if (!ms_ascii_isdigit((unsigned char)s.p[i]))
			return -1;
		v = v * 10 + (uint64_t)(s.p[i] - '0');
	}
	if (v > UINT32_MAX)
		return -1;
	*v_r = (uint32_t)v;
	return 0;
}

void
ms_pop3_scan_init(struct ms_pop3_scan *sc, int64_t body_lines)
{
	memset(sc, 0, sizeof(*sc));
	sc->body_lines = body_lines < 0 ? -1 : body_lines;
	sc->last = '\n';
	sc->bol = 1;
}

/*
 * Line by line: a dot at a line start is recorded (or the scan stops
 * before it when dots[] is full); memchr finds the line end.  linelen
 * only needs to tell an empty line ("" or "\r") from others, so it is
 * capped at 2.
 */
size_t
ms_pop3_scan(struct ms_pop3_scan *sc, const unsigned char *p, size_t n,
	     uint64_t *dots, size_t max_dots, size_t *ndots_r)
{
	const unsigned char *lf;
	size_t i = 0, k, nd = 0;

	*ndots_r = 0;
	if (sc->done)
		return 0;
	while (i < n) {
		if (sc->bol) {
			if (p[i] == '.') {
				if (nd == max_dots)
					break;
				dots[nd++] = sc->off + i;
			}
			sc->first = p[i];
			sc->linelen = 0;
			sc->bol = 0;
		}
		lf = memchr(p + i, '\n', n - i);
		if (lf == NULL) {
			k = n - i;
			sc->linelen = sc->linelen + k > 2 ? 2 : sc->linelen + k;
			i = n;
			break;
		}
		k = (size_t)(lf - (p + i));
		sc->linelen = sc->linelen + k > 2 ? 2 : sc->linelen + k;
		i += k + 1;
		sc->bol = 1;
		if (sc->body_lines < 0)
			continue;
		if (!sc->in_body) {
			if (sc->linelen == 0 ||
			    (sc->linelen == 1 && sc->first == '\r')) {
				sc->in_body = 1;
				if (sc->body_lines == 0) {
					sc->done = 1;
					break;
				}
			}
		} else if (--sc->body_lines == 0) {
			sc->done = 1;
			break;
		}
	}
	if (i > 0)
		sc->last = p[i - 1];
	sc->off += i;
	*ndots_r = nd;
	return i;
}

const char *
ms_pop3_scan_tail(const struct ms_pop3_scan *sc)
{
	if (sc->last == '\n')
		return "";
	if (sc->last == '\r')
		return "\n";
	return "\r\n";
}
