/*
 * ms_addr.h -- RFC 5322 address lists, parsed the way IMAP ENVELOPE
 * wants them (RFC 9051 7.5.2): display name, source route (adl),
 * mailbox and host, with group syntax turned into start and end markers.
 *
 * The parser takes a raw header value (From, To, Cc, ...; folded or
 * unfolded) and is tolerant of the junk real mail carries:
 *   - obsolete syntax: routes "<@a,@b:joe@c>", CFWS around dots,
 *     dots in display names ("John Q. Public"), empty list elements;
 *   - comments: "joe@x (Joe Doe)" gives the name "Joe Doe" when there is
 *     no display name;
 *   - a missing '>' or '"' runs to the end of the element; an address
 *     without angle brackets after a display name ("Joe joe@x") still
 *     gives name and address; a mailbox without domain ("joe") or an
 *     empty "<>" gives absent parts (the IMAP writer fills them in);
 *   - unquoted commas split addresses (as RFC 5322 says; "Doe, John
 *     <j@x>" is "Doe" and "John <j@x>");
 *   - encoded-words (RFC 2047) are kept raw, as IMAP requires;
 *   - an element it cannot make sense of is skipped, never the rest of
 *     the list.
 * Bounded: at most max addresses (group markers included) are added;
 * no recursion; linear in the input.  Thread safe (no global state).
 */
#ifndef MS_ADDR_H
#define MS_ADDR_H

#include "ms_sys.h"
#include "ms_str.h"

struct ms_pool;

/* ms_addr.flags */
#define MS_ADDR_GROUP       0x01u   /* group start: mailbox = group name */
#define MS_ADDR_GROUP_END   0x02u   /* group end: all four parts absent */
#define MS_ADDR_INVALID     0x04u   /* repaired: something was missing or
				       had to be guessed */

/*
 * One address.  A slice with .p == NULL is absent (IMAP NIL); .p != NULL
 * with .len == 0 is present but empty.  Text is as sent, with quotes and
 * quoted-pair escapes removed, comments dropped, and the words of a
 * display name joined by single spaces.  Slices point into pool memory.
 */
struct ms_addr {
	struct ms_addr *next;
	struct ms_str name;     /* display name, or the comment; or absent */
	struct ms_str route;    /* "@a.example,@b.example", or absent */
	struct ms_str mailbox;  /* local part; group name for GROUP */
	struct ms_str host;     /* domain ("[192.0.2.1]" for a literal) */
	unsigned flags;
};

/* A list being built; zero it (MS_ADDR_LIST_INIT) before the first use. */
struct ms_addr_list {
	struct ms_addr *head, *tail;
	size_t count;           /* addresses, group markers included */
	unsigned invalid : 1;   /* some address was repaired or skipped */
	unsigned truncated : 1; /* max was reached: addresses were dropped */
};
#define MS_ADDR_LIST_INIT { NULL, NULL, 0, 0, 0 }

/*
 * Parse the address-list in[0..len) and append its addresses to list,
 * allocating from pool, until list->count reaches max.  Appending a
 * second header's value to the same list merges them as if they were
 * one comma-separated field.  Returns the number of addresses added.
 */
size_t ms_addr_parse(struct ms_pool *pool, const char *in, size_t len,
		     size_t max, struct ms_addr_list *list);

#endif /* MS_ADDR_H */
