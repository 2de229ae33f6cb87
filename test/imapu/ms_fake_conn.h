/*
 * ms_fake_conn.h -- drive a protocol (struct ms_proto) in-process, without
 * sockets or threads: the test stands in for the runtime's ms_conn.c.
 *
 * An environment is a fresh store in a temporary directory with two
 * accounts (alice@localhost / "alice-pw-1", bob@localhost / "bob-pw-22",
 * both with every service), a configuration, and a ms_auth.  A fake
 * connection records everything the protocol writes (file segments are
 * read into the record at once), counts as loopback and plain text (TLS
 * "starts" at once when asked: ms_conn_tls_active() becomes 1), and fires
 * timers only when the test calls ms_fake_tick().
 */
#ifndef MS_FAKE_CONN_H
#define MS_FAKE_CONN_H

#include "ms_sys.h"
#include "ms_conn.h"

struct ms_fake_env;
struct ms_fake_conn;

/* Extra configuration assignments ("auth.fail_delay=0s", ...) may be
   given, NULL-terminated; NULL for none.  Aborts the test run on
   failure. */
struct ms_fake_env *ms_fake_env_new(const char *const *sets);
void ms_fake_env_free(struct ms_fake_env *e);
const struct ms_svc_env *ms_fake_env_svc(struct ms_fake_env *e);
/* Store root directory (for CLI-like set-up through the store API). */
const char *ms_fake_env_root(const struct ms_fake_env *e);

/* Open a connection: calls proto->open(); NULL if it refused. */
struct ms_fake_conn *ms_fake_open(struct ms_fake_env *e,
				  const struct ms_proto *proto);
/* Feed bytes as the client; runs input() (and drained() while the
   protocol asks for it) until the protocol consumed all it will. */
void ms_fake_send(struct ms_fake_conn *fc, const char *s);
void ms_fake_send_n(struct ms_fake_conn *fc, const void *p, size_t n);
/*
 * Send line + CRLF and return everything written since the last take,
 * after running the protocol until it is idle.  The string belongs to
 * fc and is valid until the next call.
 */
const char *ms_fake_cmd(struct ms_fake_conn *fc, const char *line);
/* Everything written since the last take (and forget it). */
const char *ms_fake_take(struct ms_fake_conn *fc);
/* Length of what ms_fake_take/ms_fake_cmd returned last (may hold NUL). */
size_t ms_fake_taken_len(const struct ms_fake_conn *fc);
/* Fire the timer (if set) or a pending wake: calls tick(). */
void ms_fake_tick(struct ms_fake_conn *fc);
/* Milliseconds the timer was last set to (0: none). */
unsigned ms_fake_timer(const struct ms_fake_conn *fc);
/* 1 after the protocol called ms_conn_close(). */
int ms_fake_closed(const struct ms_fake_conn *fc);
/* 1 after ms_conn_starttls / ms_conn_compress were called. */
int ms_fake_tls_started(const struct ms_fake_conn *fc);
int ms_fake_compress_started(const struct ms_fake_conn *fc);
/*
 * Output-queue simulation (off by default: ms_conn_outq() is 0): when on,
 * ms_conn_outq() is the number of bytes written since the last drained()
 * call, as if the client read only while the protocol waited, so a
 * protocol's stop-at-MS_CONN_OUT_HIGH path runs.  ms_fake_drains()
 * counts drained() calls.
 */
void ms_fake_set_outq(struct ms_fake_conn *fc, int on);
/* Pretend the peer is not on loopback (on = 0): plain-text logins are
   then refused before TLS unless auth.plaintext_without_tls. */
void ms_fake_set_local(struct ms_fake_conn *fc, int on);
unsigned ms_fake_drains(const struct ms_fake_conn *fc);
/* Closes the connection (calls proto->close()) and frees fc. */
void ms_fake_free(struct ms_fake_conn *fc);

#endif /* MS_FAKE_CONN_H */
