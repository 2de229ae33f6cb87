/*
 * ms_imapfmt.h -- IMAP strings, ENVELOPE, BODY and BODYSTRUCTURE from a
 * parsed message (RFC 9051 7.5.2, RFC 3501 7.4.2).
 *
 * These are computed once at delivery and cached, so FETCH only copies
 * them.  The output follows Dovecot's conventions where the RFCs leave a
 * choice, so clients see what they are used to:
 *   - type, subtype, parameters and encodings as sent ("text" "plain"
 *     and "7bit" when defaulted; "message" "rfc822" for embedded
 *     messages);
 *   - text/ * parts get ("charset" "us-ascii") when they name no charset;
 *   - Subject and display names have runs of blanks and line breaks
 *     turned into one space and are trimmed; other header strings have
 *     line breaks removed (unfolded);
 *   - a mailbox without local part or domain is written
 *     "MISSING_MAILBOX" / "MISSING_DOMAIN" (NIL would read as a group
 *     marker);
 *   - a multipart the parser left without parts is written with one
 *     empty text/plain part; a multipart or message not expanded
 *     because of a limit is written as "application" "octet-stream".
 * Strings: NIL when absent; a quoted string when possible (with \ and "
 * escaped); a literal {n}CRLF... when the value has CR or LF, 8-bit
 * bytes (unless MS_IMAPFMT_UTF8 and it is valid UTF-8), or more than four
 * characters to escape.  NUL bytes become U+FFFD (IMAP strings cannot
 * hold NUL).  Sizes are the stored bytes.
 *
 * All functions append to out and return 0, or -1 when out's max would
 * be passed (out is then truncated back to where it was).  They do not
 * allocate besides out and are thread safe for distinct buffers.
 */
#ifndef MS_IMAPFMT_H
#define MS_IMAPFMT_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_buf;
struct ms_mime_part;
struct ms_addr;

/* flags */
#define MS_IMAPFMT_UTF8     0x01u   /* UTF8=ACCEPT: valid UTF-8 may be
				       written as a quoted string */
#define MS_IMAPFMT_GLOBAL   0x02u   /* IMAP4rev2: message/global gets the
				       envelope and body of message/rfc822
				       (RFC 9051); without it message/global
				       is a basic part (RFC 3501) */

/* How a string is cleaned before it is written. */
enum ms_imapfmt_clean {
	MS_IMAPFMT_RAW = 0,     /* as is (NUL -> U+FFFD) */
	MS_IMAPFMT_NOLF,        /* line breaks removed: CR/LF before a blank
				   or the end go, others become a space */
	MS_IMAPFMT_HUMAN        /* blank runs -> one space, trimmed */
};

/* A string (quoted or literal) for len bytes at p. */
int ms_imapfmt_string(struct ms_buf *out, const void *p, size_t len,
		      enum ms_imapfmt_clean clean, unsigned flags);

/* NIL when s.p is NULL, else ms_imapfmt_string(). */
int ms_imapfmt_nstring(struct ms_buf *out, struct ms_str s,
		       enum ms_imapfmt_clean clean, unsigned flags);

/* An address list "((name adl mailbox host)...)" or NIL when NULL. */
int ms_imapfmt_addrs(struct ms_buf *out, const struct ms_addr *list,
		     unsigned flags);

/*
 * The parenthesised ENVELOPE of msg, which must be the message or the
 * embedded message of a message/rfc822 part (a part with env).  A part
 * without env gives an envelope of ten NILs.
 */
int ms_imapfmt_envelope(struct ms_buf *out, const struct ms_mime_part *msg,
			unsigned flags);

/* The parenthesised BODYSTRUCTURE (extended) / BODY of part. */
int ms_imapfmt_bodystructure(struct ms_buf *out,
			     const struct ms_mime_part *part, unsigned flags);
int ms_imapfmt_body(struct ms_buf *out, const struct ms_mime_part *part,
		    unsigned flags);

#endif /* MS_IMAPFMT_H */
