/*
 * ms_sv_body.h -- what the Sieve body test (RFC 5173) looks at.
 *
 * The message is read through struct ms_sieve_msg's read callback, in
 * chunks, at most max_body bytes of it:
 *   :raw      the body after the header (undecoded), cut at max_body;
 *   :content  the MIME parts whose Content-Type matches one of the types
 *             ("text" = text/ *, "text/html" exact, "" = every type;
 *             ASCII case-insensitive), each decoded from base64 or
 *             quoted-printable and converted from its charset to UTF-8
 *             (RFC 5173 5.2).  A multipart matches with its prologue and
 *             epilogue text only, and its children are always searched;
 *             a message/rfc822 part matches with the nested message's
 *             header (its raw bytes, RFC 2047 words decoded), and the
 *             nested message's parts are searched too;
 *   :text     the text/ * parts (the default transform), decoded and
 *             converted; text/html has its tags removed and the
 *             entities &lt; &gt; &amp; &quot; &nbsp; &#N; &#xN; decoded.
 * Parts past the MIME parser's limits are opaque (not searched).
 *
 * Memory: one pass streams the message through the MIME parser (no
 * copy); a second reads each selected part's byte range and decodes it
 * into its own pool buffer.  The decoded texts together hold at most
 * max_body bytes (more is cut, at a UTF-8 boundary); the message is
 * never held whole twice.  Pure apart from the read callback; thread
 * safe.
 */
#ifndef MS_SV_BODY_H
#define MS_SV_BODY_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;
struct ms_sieve_msg;
struct ms_sieve_error;

enum ms_sv_bodyk {
	MS_SV_BODY_TEXT,                /* the default */
	MS_SV_BODY_RAW,
	MS_SV_BODY_CONTENT
};

/*
 * Extract the texts the body test compares.  types/ntypes only for
 * MS_SV_BODY_CONTENT (each "type" or "type/subtype"; NUL ended).
 * max_body 0 = MS_SIEVE_MAX_BODY.  *texts_r gets a pool array of *n_r
 * UTF-8 slices (NUL ended; :raw may be any bytes), NULL when none.
 * Returns 0, or -1 with err->msg when the read callback fails (msg->read
 * NULL is an empty body, not an error).
 */
int ms_sv_body_extract(struct ms_pool *pool, const struct ms_sieve_msg *msg,
		       enum ms_sv_bodyk kind, const char *const *types,
		       size_t ntypes, size_t max_body,
		       struct ms_str **texts_r, size_t *n_r,
		       struct ms_sieve_error *err);

/* 1 if a :content type string is acceptable (compiler use): "" or a
   MIME token, optionally "/" and a token; else 0. */
int ms_sv_body_type_ok(const char *type, size_t len);

#endif /* MS_SV_BODY_H */
