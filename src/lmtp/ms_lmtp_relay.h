/*
 * ms_lmtp_relay.h -- running one relay (ms_relay.h) for an LMTP session
 * on a thread of its own, so the event loop never waits for the smart
 * host.  The session starts it, pauses, and on its next tick asks
 * whether it is done; the thread wakes the connection when it is.
 *
 * A session that closes while its relay runs abandons it: the thread
 * then frees the relay and the spool it was reading when it ends.
 */
#ifndef MS_LMTP_RELAY_H
#define MS_LMTP_RELAY_H

#include "ms_sys.h"
#include "ms_dlv.h"

struct ms_conn;
struct ms_err;
struct ms_spool;
struct ms_svc_env;
struct ms_lmtp_relay;

/*
 * Relay the spooled message from sender to the n external targets of
 * recipient rcpt (a Delivered-To: rcpt is put in front).  Everything
 * given is copied except spool, which must stay unchanged until the
 * relay is done or abandoned.  Never NULL (a thread that cannot start
 * makes a relay that is done with MS_DLV_TEMP).
 */
struct ms_lmtp_relay *ms_lmtp_relay_start(const struct ms_svc_env *env,
					  struct ms_conn *c,
					  const char *sender,
					  const char *rcpt,
					  const char *const *targets,
					  unsigned n, struct ms_spool *spool);

/* 1 when the relay has finished. */
int ms_lmtp_relay_done(struct ms_lmtp_relay *r);

/* The outcome of a finished relay: MS_DLV_OK only when the smart host
   took every target; why not in err. */
enum ms_dlv_st ms_lmtp_relay_result(struct ms_lmtp_relay *r,
				    struct ms_err *err);

/* Free a finished relay (joins its thread). */
void ms_lmtp_relay_free(struct ms_lmtp_relay *r);

/* Give up on a relay (done or not) and hand it the spool to free. */
void ms_lmtp_relay_abandon(struct ms_lmtp_relay *r, struct ms_spool *spool);

#endif /* MS_LMTP_RELAY_H */
