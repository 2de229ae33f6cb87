/*
 * ms_fwd.c -- the forwarding database (ms_fwd.h): one text file per
 * source address under forward/<h1>/<h2>/ on the first partition.
 *
 * Invariants: an entry file is only ever replaced atomically (temporary
 * file, sync, publish with replace, directory syncs) and only under the
 * address's lock f-<16 hex>, which is a leaf lock (nothing else is taken
 * while it is held); a file that exists holds 1..64 targets (an entry
 * left with none is removed); a file parses only in exactly the form
 * ms_fwd_format() writes.  Readers take no lock.  The leaf is derived
 * from the address (never the address itself), so hostile addresses
 * cannot name a path.
 */
#include "ms_sys.h"
#include "ms_fwd.h"
#include "ms_acct.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_store.h"
#include "ms_str.h"
#include "ms_utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FWD_DIR                 "forward"
#define FWD_EXT                 ".fwd"
#define FWD_DOMAIN_MAX          255
#define FWD_LABEL_MAX           63
/* Longest input looked at: anything longer cannot be canonical. */
#define FWD_INPUT_MAX           1024

/* ======================================================================
 * Addresses
 * ====================================================================== */

/* A printable excerpt of s for error texts (controls become '?'). */
static const char *
echo(const char *s, char *buf, size_t size)
{
	size_t i;

	for (i = 0; s[i] != '\0' && i + 1 < size && i < 80; i++) {
		unsigned char c = (unsigned char)s[i];

		buf[i] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	buf[i] = '\0';
	return buf;
}

/* RFC 5321 atext, plus any non-ASCII byte (RFC 6531; the whole input
   is checked to be valid UTF-8 first). */
static int
is_atext(unsigned char c)
{
	if (c >= 0x80 || ms_ascii_isalnum(c))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL;
}

/* Is s[0..n) a Dot-string: atoms separated by single dots? */
static int
dot_string_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || s[0] == '.' || s[n - 1] == '.')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c == '.') {
			if (s[i + 1] == '.')
				return 0;
		} else if (!is_atext(c)) {
			return 0;
		}
	}
	return 1;
}

static int
is_hex(unsigned char c)
{
	return ms_ascii_isdigit(c) || (c >= 'a' && c <= 'f') ||
		(c >= 'A' && c <= 'F');
}

/* IPv4-address-literal: four decimal numbers 0..255 of 1..3 digits. */
static int
ipv4_ok(const char *s, size_t n)
{
	size_t i = 0, parts = 0;

	while (parts < 4) {
		size_t d = 0;
		unsigned v = 0;

		while (i < n && ms_ascii_isdigit((unsigned char)s[i]) &&
		       d < 3) {
			v = v * 10 + (unsigned)(s[i] - '0');
			i++;
			d++;
		}
		if (d == 0 || v > 255)
			return 0;
		parts++;
		if (parts < 4) {
			if (i >= n || s[i] != '.')
				return 0;
			i++;
		}
	}
	return i == n;
}

/* IPv6-addr (RFC 5321 4.1.3): eight groups of 1..4 hex digits, or fewer
   with one "::", the last two groups optionally an IPv4 address. */
static int
ipv6_ok(const char *s, size_t n)
{
	size_t i = 0, groups = 0;
	int dbl = 0;

	if (n >= 2 && s[0] == ':' && s[1] == ':') {
		dbl = 1;
		i = 2;
		if (i == n)
			return 1;
	} else if (n == 0 || s[0] == ':') {
		return 0;
	}
	for (;;) {
		size_t j = i, k;
		int dot = 0;

		while (j < n && s[j] != ':') {
			if (s[j] == '.')
				dot = 1;
			j++;
		}
		if (dot) {
			if (j != n || !ipv4_ok(s + i, j - i))
				return 0;
			groups += 2;
			break;
		}
		if (j - i < 1 || j - i > 4)
			return 0;
		for (k = i; k < j; k++)
			if (!is_hex((unsigned char)s[k]))
				return 0;
		groups++;
		if (j == n)
			break;
		if (j + 1 < n && s[j + 1] == ':') {
			if (dbl)
				return 0;
			dbl = 1;
			i = j + 2;
			if (i == n)
				break;
		} else {
			i = j + 1;
			if (i == n)
				return 0;
		}
		if (groups > 8)
			return 0;
	}
	return dbl ? groups <= 7 : groups == 8;
}

/* Ldh-str as a Standardized-tag: let-dig, then let-dig or '-', ending
   in let-dig. */
static int
ldh_ok(const char *s, size_t n)
{
	size_t i;

	if (n == 0 || !ms_ascii_isalnum((unsigned char)s[0]) ||
	    !ms_ascii_isalnum((unsigned char)s[n - 1]))
		return 0;
	for (i = 0; i < n; i++)
		if (!ms_ascii_isalnum((unsigned char)s[i]) && s[i] != '-')
			return 0;
	return 1;
}

/*
 * Check the domain d[0..n) and write its canonical form to out (at least
 * n + 1 bytes): ASCII lower-cased labels, or an address literal.  0, or
 * -1 with *why_r.
 */
static int
domain_canon(const char *d, size_t n, char *out, const char **why_r)
{
	size_t i, start;

	if (n == 0) {
		*why_r = "the domain is empty";
		return -1;
	}
	if (n > FWD_DOMAIN_MAX) {
		*why_r = "the domain is longer than 255 bytes";
		return -1;
	}
	if (d[0] == '[') {
		const char *in = d + 1;
		size_t m;

		if (n < 3 || d[n - 1] != ']') {
			*why_r = "bad address literal";
			return -1;
		}
		m = n - 2;
		memcpy(out, d, n);
		out[n] = '\0';
		if (m >= 5 && ms_str_has_prefix_ci(ms_str_make(in, m),
						   "ipv6:")) {
			if (!ipv6_ok(in + 5, m - 5)) {
				*why_r = "bad IPv6 address literal";
				return -1;
			}
			memcpy(out + 1, "IPv6:", 5);
			for (i = 6; i < n - 1; i++)
				out[i] = (char)ms_ascii_lower((unsigned char)
							      out[i]);
			return 0;
		}
		if (ipv4_ok(in, m))
			return 0;
		for (i = 0; i < m && in[i] != ':'; i++)
			;
		if (i == m || !ldh_ok(in, i) || i + 1 == m) {
			*why_r = "bad address literal";
			return -1;
		}
		for (i++; i < m; i++) {
			unsigned char c = (unsigned char)in[i];

			if (c < 33 || c > 126 || (c >= 91 && c <= 93)) {
				*why_r = "bad address literal";
				return -1;
			}
		}
		return 0;
	}
	start = 0;
	for (i = 0; i <= n; i++) {
		unsigned char c = i < n ? (unsigned char)d[i] : '.';

		if (c == '.') {
			if (i == start) {
				*why_r = "the domain has an empty label";
				return -1;
			}
			if (i - start > FWD_LABEL_MAX) {
				*why_r = "a domain label is longer than 63 "
					"bytes";
				return -1;
			}
			if (d[start] == '-' || d[i - 1] == '-') {
				*why_r = "a domain label starts or ends with "
					"'-'";
				return -1;
			}
			start = i + 1;
		} else if (!ms_ascii_isalnum(c) && c != '-' && c < 0x80) {
			*why_r = "bad character in the domain";
			return -1;
		}
		if (i < n)
			out[i] = (char)ms_ascii_lower(c);
	}
	out[n] = '\0';
	return 0;
}

int
ms_fwd_target_canon(const char *input, const char *default_domain,
		    char *out, size_t size, struct ms_err *err)
{
	char content[MS_FWD_LOCAL_MAX + 1], local[MS_FWD_LOCAL_MAX + 1];
	char dom[FWD_DOMAIN_MAX + 1], eb[96];
	const char *why = NULL, *d;
	size_t n, i = 0, cl = 0, ll = 0, dl, total;

	n = strlen(input);
	if (n == 0)
		return ms_err_set(err, MS_E_PARAMS, "empty address", NULL);
	if (n > FWD_INPUT_MAX) {
		why = "the address is too long";
		goto bad;
	}
	if (!ms_utf8_valid(input, n)) {
		why = "the address is not valid UTF-8";
		goto bad;
	}
	/* the local part, unquoted into content */
	if (input[0] == '"') {
		for (i = 1; i < n && input[i] != '"'; i++) {
			unsigned char c = (unsigned char)input[i];

			if (c == '\\') {
				c = (unsigned char)input[++i];
				if (c < 32 || c > 126) {
					why = "bad quoted pair in the local "
						"part";
					goto bad;
				}
			} else if (c < 32 || c == 127) {
				why = "control character in the local part";
				goto bad;
			}
			if (cl == MS_FWD_LOCAL_MAX) {
				why = "the local part is longer than 64 "
					"bytes";
				goto bad;
			}
			content[cl++] = (char)c;
		}
		if (i >= n) {
			why = "unterminated quoted local part";
			goto bad;
		}
		i++;
	} else {
		while (i < n && input[i] != '@')
			i++;
		if (i > MS_FWD_LOCAL_MAX) {
			why = "the local part is longer than 64 bytes";
			goto bad;
		}
		if (!dot_string_ok(input, i)) {
			why = i == 0 ? "the local part is empty" :
				"bad local part (RFC 5321 dot-string or "
				"quoted string)";
			goto bad;
		}
		memcpy(content, input, i);
		cl = i;
	}
	if (cl == 0) {
		why = "the local part is empty";
		goto bad;
	}
	/* canonical local part: bare when it can be, else quoted */
	if (dot_string_ok(content, cl)) {
		memcpy(local, content, cl);
		ll = cl;
	} else {
		size_t k;

		local[ll++] = '"';
		for (k = 0; k < cl; k++) {
			if (ll + 3 > sizeof(local)) {
				why = "the local part is longer than 64 bytes";
				goto bad;
			}
			if (content[k] == '"' || content[k] == '\\')
				local[ll++] = '\\';
			local[ll++] = content[k];
		}
		if (ll + 1 > MS_FWD_LOCAL_MAX) {
			why = "the local part is longer than 64 bytes";
			goto bad;
		}
		local[ll++] = '"';
	}
	/* the domain */
	if (i == n) {
		d = default_domain != NULL ? default_domain : "";
		if (*d == '\0') {
			why = "the address has no domain";
			goto bad;
		}
	} else if (input[i] == '@') {
		d = input + i + 1;
	} else {
		why = "bad character after the local part";
		goto bad;
	}
	dl = strlen(d);
	if (dl > FWD_DOMAIN_MAX) {
		why = "the domain is longer than 255 bytes";
		goto bad;
	}
	if (domain_canon(d, dl, dom, &why) < 0)
		goto bad;
	total = ll + 1 + dl;
	if (total > MS_FWD_ADDR_MAX) {
		why = "the address is longer than 254 bytes";
		goto bad;
	}
	if (total + 1 > size)
		return ms_err_set(err, MS_E_INTERNAL, "buffer too small",
				  "ms_fwd_target_canon: buffer too small");
	memcpy(out, local, ll);
	out[ll] = '@';
	memcpy(out + ll + 1, dom, dl + 1);
	return 0;
bad:
	return ms_err_set(err, MS_E_PARAMS, "bad target address",
			  "bad target address '%s': %s",
			  echo(input, eb, sizeof(eb)), why);
}

int
ms_fwd_addr_same(const char *a, const char *b)
{
	return ms_ascii_strcasecmp(a, b) == 0;
}

/* Is t (ignoring case) one of v[0..n)? */
static int
in_list(const char *const *v, size_t n, const char *t)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ms_fwd_addr_same(v[i], t))
			return 1;
	return 0;
}

/* ======================================================================
 * The entry file
 * ====================================================================== */

static int
corrupt(struct ms_err *err, unsigned line, const char *why)
{
	if (line == 0)
		return ms_err_set(err, MS_E_CORRUPT, "forward entry damaged",
				  "forward entry: %s", why);
	return ms_err_set(err, MS_E_CORRUPT, "forward entry damaged",
			  "forward entry line %u: %s", line, why);
}

/* If line[0..n) is "<key><value>", the value into buf (size
   MS_FWD_ADDR_MAX + 1): 1; not that key: 0; a value too long: -1. */
static int
line_value(const char *line, size_t n, const char *key, char *buf)
{
	size_t kl = strlen(key);

	if (n < kl || memcmp(line, key, kl) != 0)
		return 0;
	if (n - kl > MS_FWD_ADDR_MAX)
		return -1;
	memcpy(buf, line + kl, n - kl);
	buf[n - kl] = '\0';
	return 1;
}

int
ms_fwd_parse(const char *data, size_t len, struct ms_pool *pool,
	     struct ms_fwd **fwd_r, struct ms_err *err)
{
	char val[MS_FWD_ADDR_MAX + 1], canon[MS_FWD_ADDR_MAX + 1];
	const char *p = data, *end = data + len, *nl;
	const char **to;
	struct ms_fwd *f;
	struct ms_err e;
	unsigned line = 0;
	size_t n = 0;
	int r;

	*fwd_r = NULL;
	if (len == 0)
		return corrupt(err, 0, "empty file");
	if (len > MS_FWD_FILE_MAX)
		return corrupt(err, 0, "file too large");
	if (memchr(data, '\0', len) != NULL)
		return corrupt(err, 0, "NUL byte");
	if (data[len - 1] != '\n')
		return corrupt(err, 0, "no newline at the end");
	f = MS_PNEW(pool, struct ms_fwd, 1);
	to = MS_PNEW(pool, const char *, MS_FWD_MAX_TARGETS);
	while (p < end) {
		size_t ln;

		nl = memchr(p, '\n', (size_t)(end - p));
		ln = (size_t)(nl - p);
		line++;
		if (line == 1) {
			if (ln != 9 || memcmp(p, "format: 1", 9) != 0)
				return corrupt(err, line, ln > 8 &&
					       memcmp(p, "format: ", 8) == 0 ?
					       "unsupported format" :
					       "expected 'format: 1'");
		} else if (line == 2) {
			r = line_value(p, ln, "address: ", val);
			if (r <= 0)
				return corrupt(err, line, "expected "
					       "'address: ADDRESS'");
			if (ms_acct_canon(val, "", canon, sizeof(canon),
					  &e) < 0 || strcmp(canon, val) != 0)
				return corrupt(err, line, "the address is not "
					       "canonical");
			f->addr = ms_pstrdup(pool, val);
		} else if (line == 3) {
			if (ln == 9 && memcmp(p, "keep: yes", 9) == 0)
				f->keep = 1;
			else if (ln == 8 && memcmp(p, "keep: no", 8) == 0)
				f->keep = 0;
			else
				return corrupt(err, line, "expected 'keep: yes'"
					       " or 'keep: no'");
		} else {
			r = line_value(p, ln, "to: ", val);
			if (r <= 0)
				return corrupt(err, line, "expected "
					       "'to: ADDRESS'");
			if (n == MS_FWD_MAX_TARGETS)
				return corrupt(err, line, "more than 64 "
					       "targets");
			if (ms_fwd_target_canon(val, "", canon, sizeof(canon),
						&e) < 0 ||
			    strcmp(canon, val) != 0)
				return corrupt(err, line, "the target is not a "
					       "canonical address");
			if (ms_fwd_addr_same(val, f->addr))
				return corrupt(err, line, "the target is the "
					       "address itself");
			if (in_list(to, n, val))
				return corrupt(err, line, "duplicate target");
			to[n++] = ms_pstrdup(pool, val);
		}
		p = nl + 1;
	}
	if (line < 3)
		return corrupt(err, 0, "the file ends early");
	if (n == 0)
		return corrupt(err, 0, "no target");
	f->n = n;
	f->to = to;
	*fwd_r = f;
	return 0;
}

int
ms_fwd_format(const struct ms_fwd *fwd, struct ms_buf *out)
{
	size_t i;

	if (ms_buf_append_str(out, "format: 1\naddress: ") < 0 ||
	    ms_buf_append_str(out, fwd->addr) < 0 ||
	    ms_buf_append_str(out, fwd->keep ? "\nkeep: yes\n" :
			      "\nkeep: no\n") < 0)
		return -1;
	for (i = 0; i < fwd->n; i++)
		if (ms_buf_append_str(out, "to: ") < 0 ||
		    ms_buf_append_str(out, fwd->to[i]) < 0 ||
		    ms_buf_append_c(out, '\n') < 0)
			return -1;
	return 0;
}

/* ======================================================================
 * Where an entry lives
 * ====================================================================== */

struct fwd_loc {
	char addr[MS_FWD_ADDR_MAX + 1];         /* canonical source */
	char rel[16];                           /* forward/<h1>/<h2> */
	char leaf[MS_PLAT_MAX_PART + 5];        /* <readable>-<16 hex>.fwd */
	char lock[MS_PLOCK_MAX_NAME + 1];       /* f-<16 hex> */
};

/* The place of the canonical address canon (pure). */
static int
loc_of(const char *canon, struct fwd_loc *l, struct ms_err *err)
{
	struct ms_acct_loc al;

	/* the account hash and leaf, in a fixed 2 x 256 fan-out */
	if (ms_acct_locate_fanout(canon, "", 2, 256, &al, err) < 0)
		return -1;
	(void)ms_strlcpy(l->addr, al.name, sizeof(l->addr));
	(void)snprintf(l->rel, sizeof(l->rel), FWD_DIR "/%.2s/%.2s", al.hash,
		       al.hash + 2);
	(void)snprintf(l->leaf, sizeof(l->leaf), "%s" FWD_EXT, al.leaf);
	(void)snprintf(l->lock, sizeof(l->lock), "f-%.16s", al.hash);
	return 0;
}

/* Canonicalise a source address and find its place. */
static int
locate(const struct ms_store *st, const char *input, struct fwd_loc *l,
       struct ms_err *err)
{
	char canon[MS_FWD_ADDR_MAX + 1];
	struct ms_err e;

	if (input == NULL)
		return ms_err_set(err, MS_E_PARAMS, "no address", NULL);
	if (ms_acct_canon(input, ms_store_default_domain(st), canon,
			  sizeof(canon), &e) < 0) {
		char eb[96];

		if (e.cls != MS_E_PARAMS) {
			if (err != NULL)
				*err = e;
			return -1;
		}
		/* ms_acct_canon speaks of account names */
		return ms_err_set(err, MS_E_PARAMS, "bad address",
				  "bad address '%s': %s",
				  echo(input, eb, sizeof(eb)),
				  strncmp(e.internal, "account name ",
					  13) == 0 ? e.internal + 13 :
				  e.internal);
	}
	return loc_of(canon, l, err);
}

static struct ms_pfs *
fwd_fs(const struct ms_store *st)
{
	return ms_store_part(st, 0)->fs;
}

/* Read and parse a file of dir: 0, 1 when it is absent, -1. */
static int
read_file(struct ms_pdir *dir, const char *leaf, struct ms_pool *pool,
	  struct ms_fwd **fwd_r, struct ms_err *err)
{
	struct ms_err e;
	char *data;
	size_t len;

	*fwd_r = NULL;
	if (ms_store_file_read(dir, leaf, MS_FWD_FILE_MAX, pool, &data, &len,
			       &e) < 0) {
		if (e.cls == MS_E_NOTFOUND)
			return 1;
		if (err != NULL)
			*err = e;
		return -1;
	}
	if (ms_fwd_parse(data, len, pool, fwd_r, &e) < 0)
		return ms_err_set(err, MS_E_CORRUPT, "forward entry damaged",
				  "%s/%s: %s", ms_pdir_rel(dir), leaf,
				  e.internal);
	return 0;
}

/* The entry at l: 0, 1 when there is none, -1. */
static int
fwd_read(struct ms_store *st, const struct fwd_loc *l, struct ms_pool *pool,
	 struct ms_fwd **fwd_r, struct ms_err *err)
{
	struct ms_pdir *dir;
	struct ms_perr perr;
	int r;

	*fwd_r = NULL;
	if (ms_pdir_open(fwd_fs(st), l->rel, 0, &dir, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			return 1;
		return ms_err_from_perr(err, &perr, "forward");
	}
	r = read_file(dir, l->leaf, pool, fwd_r, err);
	ms_pdir_close(dir);
	if (r == 0 && strcmp((*fwd_r)->addr, l->addr) != 0) {
		*fwd_r = NULL;
		return ms_err_set(err, MS_E_CORRUPT, "forward entry damaged",
				  "%s/%s names another address", l->rel,
				  l->leaf);
	}
	return r;
}

/* Write f as the entry at l, durably (the directories above too). */
static int
fwd_write(struct ms_store *st, const struct fwd_loc *l,
	  const struct ms_fwd *f, struct ms_err *err)
{
	struct ms_pfs *fs = fwd_fs(st);
	struct ms_pdir *dir;
	struct ms_perr perr;
	struct ms_buf b;
	int rc = -1;

	if (ms_pdir_open(fs, l->rel, MS_PDIR_CREATE, &dir, &perr) < 0)
		return ms_err_from_perr(err, &perr, "forward");
	ms_buf_init(&b, NULL, MS_FWD_FILE_MAX);
	if (ms_fwd_format(f, &b) < 0)
		(void)ms_err_set(err, MS_E_INTERNAL, "forward entry too large",
				 "forward of %s: entry too large", l->addr);
	else if (ms_store_file_put(dir, l->leaf, b.data, b.len, 1, err) == 0)
		/* a writer that made the directories may not have synced
		   them yet: sync them here too (forwards change rarely) */
		rc = ms_store_sync_parents(fs, l->rel, err);
	ms_buf_free(&b);
	ms_pdir_close(dir);
	return rc;
}

/* Remove the entry at l durably; an absent one is fine. */
static int
fwd_remove(struct ms_store *st, const struct fwd_loc *l, struct ms_err *err)
{
	struct ms_pdir *dir;
	struct ms_perr perr;
	int rc = 0;

	if (ms_pdir_open(fwd_fs(st), l->rel, 0, &dir, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			return 0;
		return ms_err_from_perr(err, &perr, "forward");
	}
	if ((ms_pfile_remove(dir, l->leaf, &perr) < 0 &&
	     perr.st != MS_NOTFOUND) || ms_pdir_sync(dir, &perr) < 0)
		rc = ms_err_from_perr(err, &perr, "forward remove");
	ms_pdir_close(dir);
	return rc;
}

/* ======================================================================
 * Operations
 * ====================================================================== */

int
ms_fwd_get(struct ms_store *st, const char *addr, struct ms_pool *pool,
	   struct ms_fwd **fwd_r, struct ms_err *err)
{
	struct fwd_loc l;

	*fwd_r = NULL;
	if (locate(st, addr, &l, err) < 0)
		return -1;
	return fwd_read(st, &l, pool, fwd_r, err);
}

enum fwd_op { OP_SET, OP_ADD, OP_DEL, OP_KEEP };

/*
 * Canonicalise targets[0..n) into *v_r (pool), dropping repeats; refuse
 * a bad one, one equal to the source, and more than the maximum.
 */
static int
targets_canon(const struct ms_store *st, const struct fwd_loc *l,
	      const char *const *targets, size_t n, struct ms_pool *pool,
	      const char ***v_r, size_t *n_r, struct ms_err *err)
{
	char canon[MS_FWD_ADDR_MAX + 1], eb[96];
	const char **v;
	size_t i, nv = 0;

	*v_r = NULL;
	*n_r = 0;
	if (n > MS_FWD_MAX_TARGETS)
		return ms_err_set(err, MS_E_PARAMS, "too many targets",
				  "at most %d targets per address",
				  MS_FWD_MAX_TARGETS);
	if (n > 0 && targets == NULL)
		return ms_err_set(err, MS_E_PARAMS, "no targets", NULL);
	v = MS_PNEW(pool, const char *, n + 1);
	for (i = 0; i < n; i++) {
		if (targets[i] == NULL)
			return ms_err_set(err, MS_E_PARAMS, "no target address",
					  NULL);
		if (ms_fwd_target_canon(targets[i],
					ms_store_default_domain(st), canon,
					sizeof(canon), err) < 0)
			return -1;
		if (ms_fwd_addr_same(canon, l->addr))
			return ms_err_set(err, MS_E_PARAMS,
					  "an address cannot forward to itself",
					  "target '%s' is the address itself "
					  "(use keep to deliver there too)",
					  echo(canon, eb, sizeof(eb)));
		if (!in_list(v, nv, canon))
			v[nv++] = ms_pstrdup(pool, canon);
	}
	*v_r = v;
	*n_r = nv;
	return 0;
}

/* The change op of the entry of addr, under its lock. */
static int
fwd_change(struct ms_store *st, const char *addr, enum fwd_op op,
	   const char *const *targets, size_t n, int keep, size_t *added_r,
	   struct ms_err *err)
{
	struct ms_pool *pool;
	struct ms_plock *lk = NULL;
	struct ms_perr perr;
	struct ms_fwd *cur = NULL, nf;
	struct ms_err e;
	struct fwd_loc l;
	const char **v, **to;
	size_t nv, nto = 0, i, added = 0;
	char eb[96];
	int r, rc = -1, damaged = 0;

	if (added_r != NULL)
		*added_r = 0;
	if (locate(st, addr, &l, err) < 0)
		return -1;
	pool = ms_pool_create("fwd", 0);
	if (targets_canon(st, &l, targets, n, pool, &v, &nv, err) < 0)
		goto out;
	if ((op == OP_SET || op == OP_ADD) && nv == 0) {
		(void)ms_err_set(err, MS_E_PARAMS, "no target address", NULL);
		goto out;
	}
	if (ms_plock_take(fwd_fs(st), l.lock, MS_LOCK_EXCL,
			  ms_store_lock_ms(st), &lk, &perr) < 0) {
		(void)ms_err_from_perr(err, &perr, "forward lock");
		goto out;
	}
	r = op == OP_SET ? 1 : fwd_read(st, &l, pool, &cur, &e);
	if (r < 0) {
		if (op != OP_DEL || nv > 0 || e.cls != MS_E_CORRUPT) {
			if (err != NULL)
				*err = e;
			goto out;
		}
		damaged = 1;            /* removed below */
	}
	if (r == 1 && (op == OP_DEL || op == OP_KEEP)) {
		(void)ms_err_set(err, MS_E_NOTFOUND, "no such forward",
				 "no forward for %s", echo(l.addr, eb,
							   sizeof(eb)));
		goto out;
	}
	memset(&nf, 0, sizeof(nf));
	nf.addr = l.addr;
	to = MS_PNEW(pool, const char *, MS_FWD_MAX_TARGETS);
	switch (op) {
	case OP_SET:
		nf.keep = keep != 0;
		nf.n = nv;
		nf.to = v;
		rc = fwd_write(st, &l, &nf, err);
		break;
	case OP_ADD:
		if (cur != NULL) {
			memcpy(to, cur->to, cur->n * sizeof(*to));
			nto = cur->n;
		}
		for (i = 0; i < nv; i++) {
			if (in_list(to, nto, v[i]))
				continue;
			if (nto == MS_FWD_MAX_TARGETS) {
				(void)ms_err_set(err, MS_E_PARAMS,
						 "too many targets",
						 "at most %d targets per "
						 "address",
						 MS_FWD_MAX_TARGETS);
				goto out;
			}
			to[nto++] = v[i];
			added++;
		}
		nf.keep = keep == MS_FWD_KEEP_SAME ?
			(cur != NULL && cur->keep) : keep != 0;
		nf.n = nto;
		nf.to = to;
		if (cur != NULL && added == 0 && nf.keep == cur->keep)
			rc = 0;         /* nothing changes */
		else
			rc = fwd_write(st, &l, &nf, err);
		break;
	case OP_DEL:
		if (damaged || nv == 0) {
			rc = fwd_remove(st, &l, err);
			break;
		}
		for (i = 0; i < nv; i++)
			if (!in_list(cur->to, cur->n, v[i])) {
				(void)ms_err_set(err, MS_E_NOTFOUND,
						 "not a target of this "
						 "address",
						 "%s is not a target of %s",
						 v[i], l.addr);
				goto out;
			}
		for (i = 0; i < cur->n; i++)
			if (!in_list(v, nv, cur->to[i]))
				to[nto++] = cur->to[i];
		nf.keep = cur->keep;
		nf.n = nto;
		nf.to = to;
		rc = nto == 0 ? fwd_remove(st, &l, err) :
			fwd_write(st, &l, &nf, err);
		break;
	case OP_KEEP:
		if (cur->keep == (keep != 0)) {
			rc = 0;
			break;
		}
		nf.keep = keep != 0;
		nf.n = cur->n;
		nf.to = cur->to;
		rc = fwd_write(st, &l, &nf, err);
		break;
	}
	if (rc == 0 && added_r != NULL)
		*added_r = added;
out:
	if (lk != NULL)
		ms_plock_release(lk);
	ms_pool_destroy(&pool);
	return rc;
}

int
ms_fwd_set(struct ms_store *st, const char *addr, const char *const *targets,
	   size_t n, int keep, struct ms_err *err)
{
	return fwd_change(st, addr, OP_SET, targets, n, keep, NULL, err);
}

int
ms_fwd_add(struct ms_store *st, const char *addr, const char *const *targets,
	   size_t n, int keep, size_t *added_r, struct ms_err *err)
{
	return fwd_change(st, addr, OP_ADD, targets, n, keep, added_r, err);
}

int
ms_fwd_del(struct ms_store *st, const char *addr, const char *const *targets,
	   size_t n, struct ms_err *err)
{
	return fwd_change(st, addr, OP_DEL, targets, n, 0, NULL, err);
}

int
ms_fwd_keep(struct ms_store *st, const char *addr, int keep,
	    struct ms_err *err)
{
	return fwd_change(st, addr, OP_KEEP, NULL, 0, keep, NULL, err);
}

/* ======================================================================
 * Listing
 * ====================================================================== */

/* Names of one directory: two-hex-digit directories, or entry files. */
struct names {
	struct ms_pool *pool;
	int dirs;
	char **v;
	size_t n, cap;
};

static int
names_cb(void *ctx, const char *name, enum ms_pent_kind kind)
{
	struct names *nm = ctx;
	size_t len = strlen(name);

	if (nm->dirs) {
		if (kind != MS_PENT_DIR || len != 2 ||
		    !is_hex((unsigned char)name[0]) ||
		    !is_hex((unsigned char)name[1]))
			return 0;
	} else if (kind != MS_PENT_FILE || len <= 4 ||
		   strcmp(name + len - 4, FWD_EXT) != 0) {
		return 0;
	}
	if (nm->n == nm->cap) {
		size_t cap = nm->cap == 0 ? 16 : nm->cap * 2;

		nm->v = ms_prealloc(nm->pool, nm->v, nm->cap * sizeof(char *),
				    cap * sizeof(char *));
		nm->cap = cap;
	}
	nm->v[nm->n++] = ms_pstrdup(nm->pool, name);
	return 0;
}

static int
names_of(struct ms_pfs *fs, const char *rel, int dirs, struct ms_pool *pool,
	 struct names *nm, struct ms_pdir **dir_r, struct ms_err *err)
{
	struct ms_perr perr;

	memset(nm, 0, sizeof(*nm));
	nm->pool = pool;
	nm->dirs = dirs;
	*dir_r = NULL;
	if (ms_pdir_open(fs, rel, 0, dir_r, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			return 0;
		return ms_err_from_perr(err, &perr, "forward list");
	}
	if (ms_pdir_list(*dir_r, names_cb, nm, &perr) < 0) {
		ms_pdir_close(*dir_r);
		*dir_r = NULL;
		return ms_err_from_perr(err, &perr, "forward list");
	}
	return 0;
}

/* The entries kept for the listing. */
struct found {
	struct ms_pool *pool;
	const char *after;
	struct ms_fwd **v;
	size_t n, cap;
};

static struct ms_fwd *
fwd_dup(struct ms_pool *pool, const struct ms_fwd *f)
{
	struct ms_fwd *c = MS_PNEW(pool, struct ms_fwd, 1);
	const char **to = MS_PNEW(pool, const char *, f->n);
	size_t i;

	c->addr = ms_pstrdup(pool, f->addr);
	c->keep = f->keep;
	for (i = 0; i < f->n; i++)
		to[i] = ms_pstrdup(pool, f->to[i]);
	c->n = f->n;
	c->to = to;
	return c;
}

/* One entry file of dir: keep it when it is sound, in its place and
   after `after`; a damaged or misplaced one is logged and skipped. */
static int
list_file(struct found *fd, struct ms_pdir *dir, const char *leaf,
	  struct ms_err *err)
{
	struct ms_pool *scratch = ms_pool_create("fwd-list", 0);
	struct ms_fwd *f;
	struct fwd_loc l;
	struct ms_err e;
	int r;

	r = read_file(dir, leaf, scratch, &f, &e);
	if (r < 0 && e.cls != MS_E_CORRUPT) {
		if (err != NULL)
			*err = e;
		ms_pool_destroy(&scratch);
		return -1;
	}
	if (r < 0) {
		ms_warn("forward list: %s (skipped)", e.internal);
	} else if (r == 0 && (loc_of(f->addr, &l, &e) < 0 ||
			      strcmp(l.rel, ms_pdir_rel(dir)) != 0 ||
			      strcmp(l.leaf, leaf) != 0)) {
		ms_warn("forward list: %s/%s is not where its address "
			"belongs (skipped)", ms_pdir_rel(dir), leaf);
	} else if (r == 0 && (fd->after == NULL ||
			      strcmp(f->addr, fd->after) > 0)) {
		if (fd->n == fd->cap) {
			size_t cap = fd->cap == 0 ? 64 : fd->cap * 2;

			fd->v = ms_prealloc(fd->pool, fd->v,
					    fd->cap * sizeof(*fd->v),
					    cap * sizeof(*fd->v));
			fd->cap = cap;
		}
		fd->v[fd->n++] = fwd_dup(fd->pool, f);
	}
	ms_pool_destroy(&scratch);
	return 0;
}

static int
fwd_cmp(const void *a, const void *b)
{
	const struct ms_fwd *const *x = a, *const *y = b;

	return strcmp((*x)->addr, (*y)->addr);
}

/* Call file(ctx, dir, leaf, err) for every entry file under forward/;
   0, or -1 when the walk or file failed. */
typedef int fwd_file_fn(void *ctx, struct ms_pdir *dir, const char *leaf,
			struct ms_err *err);

static int
fwd_walk(struct ms_store *st, struct ms_pool *pool, fwd_file_fn *file,
	 void *ctx, struct ms_err *err)
{
	struct ms_pfs *fs = fwd_fs(st);
	struct names n1, n2, n3;
	struct ms_pdir *d1 = NULL, *d2 = NULL, *d3 = NULL;
	char rel[32];
	size_t i, j, k;
	int rc = -1;

	if (names_of(fs, FWD_DIR, 1, pool, &n1, &d1, err) < 0)
		goto out;
	for (i = 0; i < n1.n; i++) {
		(void)snprintf(rel, sizeof(rel), FWD_DIR "/%s", n1.v[i]);
		if (names_of(fs, rel, 1, pool, &n2, &d2, err) < 0)
			goto out;
		for (j = 0; j < n2.n; j++) {
			(void)snprintf(rel, sizeof(rel), FWD_DIR "/%s/%s",
				       n1.v[i], n2.v[j]);
			if (names_of(fs, rel, 0, pool, &n3, &d3, err) < 0)
				goto out;
			for (k = 0; k < n3.n; k++)
				if (file(ctx, d3, n3.v[k], err) < 0)
					goto out;
			if (d3 != NULL)
				ms_pdir_close(d3);
			d3 = NULL;
		}
		if (d2 != NULL)
			ms_pdir_close(d2);
		d2 = NULL;
	}
	rc = 0;
out:
	if (d3 != NULL)
		ms_pdir_close(d3);
	if (d2 != NULL)
		ms_pdir_close(d2);
	if (d1 != NULL)
		ms_pdir_close(d1);
	return rc;
}

static int
list_cb(void *ctx, struct ms_pdir *dir, const char *leaf, struct ms_err *err)
{
	return list_file(ctx, dir, leaf, err);
}

int
ms_fwd_list(struct ms_store *st, const char *after, size_t limit,
	    ms_fwd_list_fn *cb, void *ctx, int *more_r, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("fwd-list", 0);
	struct found fd;
	size_t i, count;
	int rc = -1;

	if (more_r != NULL)
		*more_r = 0;
	memset(&fd, 0, sizeof(fd));
	fd.pool = pool;
	fd.after = after;
	if (fwd_walk(st, pool, list_cb, &fd, err) < 0)
		goto out;
	if (fd.n > 1)
		qsort(fd.v, fd.n, sizeof(*fd.v), fwd_cmp);
	count = fd.n;
	if (limit != 0 && count > limit) {
		count = limit;
		if (more_r != NULL)
			*more_r = 1;
	}
	for (i = 0; i < count; i++)
		if (cb(ctx, fd.v[i]) != 0)
			break;
	rc = 0;
out:
	ms_pool_destroy(&pool);
	return rc;
}

/* ms_fwd_check's state. */
struct check {
	ms_fwd_bad_fn *bad;
	void *ctx;
	size_t entries;
};

static int
check_cb(void *ctx, struct ms_pdir *dir, const char *leaf,
	 struct ms_err *err)
{
	struct check *c = ctx;
	struct ms_pool *scratch = ms_pool_create("fwd-check", 0);
	char why[300];
	struct ms_fwd *f;
	struct fwd_loc l;
	struct ms_err e;
	int r;

	r = read_file(dir, leaf, scratch, &f, &e);
	if (r < 0 && e.cls != MS_E_CORRUPT) {
		if (err != NULL)
			*err = e;
		ms_pool_destroy(&scratch);
		return -1;
	}
	why[0] = '\0';
	if (r < 0)
		(void)snprintf(why, sizeof(why), "%s", e.internal);
	else if (r == 0 && (loc_of(f->addr, &l, &e) < 0 ||
			    strcmp(l.rel, ms_pdir_rel(dir)) != 0 ||
			    strcmp(l.leaf, leaf) != 0))
		(void)snprintf(why, sizeof(why), "%s/%s is not where its "
			       "address belongs", ms_pdir_rel(dir), leaf);
	else if (r == 0)
		c->entries++;
	ms_pool_destroy(&scratch);
	if (why[0] != '\0')
		c->bad(c->ctx, why);
	return 0;
}

int
ms_fwd_check(struct ms_store *st, ms_fwd_bad_fn *bad, void *ctx,
	     size_t *entries_r, struct ms_err *err)
{
	struct ms_pool *pool = ms_pool_create("fwd-check", 0);
	struct check c;
	int rc;

	c.bad = bad;
	c.ctx = ctx;
	c.entries = 0;
	rc = fwd_walk(st, pool, check_cb, &c, err);
	ms_pool_destroy(&pool);
	if (entries_r != NULL)
		*entries_r = c.entries;
	return rc;
}
