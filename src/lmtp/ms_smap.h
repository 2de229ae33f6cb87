/*
 * ms_smap.h -- the Postfix socketmap lookup service (socketmap_table(5)):
 * netstring requests "name key" answered "OK data", "NOTFOUND ", "TEMP
 * reason" or "PERM reason", so Postfix can ask msgstore whether a
 * recipient exists and where it forwards before it accepts a message.
 *
 * Maps (the name in the request):
 *   mailbox   OK <address>  when the address takes mail here (an account,
 *                           a subaddress of one, or a forwarding entry);
 *                           NOTFOUND otherwise (virtual_mailbox_maps)
 *   access    DUNNO for a deliverable address, else an SMTP reply for an
 *             access(5) table: "550 5.1.1 ...", "452 4.2.2 ...", ...
 *             (check_recipient_access)
 *   alias     OK target,target,...  the forwarding targets (and the
 *             address itself when the entry keeps a copy); NOTFOUND
 *             without an entry (virtual_alias_maps)
 *
 * The protocol table is ms_proto_smap (ms_conn.h); the parser below is
 * pure and bounded so it can be fuzzed on its own.
 */
#ifndef MS_SMAP_H
#define MS_SMAP_H

#include "ms_sys.h"

/* Longest request or reply netstring payload (Postfix's own limit). */
#define MS_SMAP_MAX             100000

/*
 * Parse one netstring at p[0..n).  1: complete; *payload_r and *len_r give
 * its payload (inside p) and *used_r the bytes it took.  0: more bytes
 * needed.  -1: malformed (bad length, no ',' after the payload, longer
 * than MS_SMAP_MAX): the connection cannot be resynchronised.
 */
int ms_smap_netstring(const unsigned char *p, size_t n,
		      const unsigned char **payload_r, size_t *len_r,
		      size_t *used_r);

#endif /* MS_SMAP_H */
