/*
 * ms_conn.h -- what a protocol (IMAP, POP3, LMTP, ...) sees of the server
 * runtime: one connection, its byte stream, and its service.
 *
 * The runtime (ms_service.c, ms_conn.c) owns sockets, event loops, TLS
 * and COMPRESS layers, timers and limits.  A protocol is a table of
 * callbacks (struct ms_proto) driven by one event-loop thread: all
 * callbacks of one connection run on the same thread, one at a time, so
 * a session needs no locking of its own.  Callbacks must not block on the
 * network; store I/O (disk) is allowed.
 *
 * Output is queued in the connection and written in large batches when
 * the callback returns (or when the queue passes the high-water mark);
 * TCP_NODELAY is set on every socket.  A protocol producing a lot (FETCH,
 * RETR) checks ms_conn_outq() and stops at MS_CONN_OUT_HIGH, then resumes
 * from its drained() callback, so a client that reads nothing costs a
 * bounded amount of memory.  Message files are queued by reference
 * (ms_conn_send_file) and sent with sendfile where no TLS/COMPRESS layer
 * is active.
 */
#ifndef MS_CONN_H
#define MS_CONN_H

#include "ms_sys.h"

struct ms_conn;
struct ms_conf;
struct ms_store;
struct ms_pfile;
struct ms_auth;
struct ms_tls_ctx;

/* Output queue marks: stop producing above HIGH; drained() is called when
   the queue falls below LOW. */
#define MS_CONN_OUT_HIGH        ((size_t)256 * 1024)
#define MS_CONN_OUT_LOW         ((size_t)64 * 1024)

/*
 * What a session may use, per event-loop thread (so nothing in it is
 * shared between threads except auth, which locks itself).  Valid for the
 * life of the connection; after a reload the next connection sees the new
 * configuration.
 */
struct ms_svc_env {
	const struct ms_conf *conf;
	struct ms_store *store;         /* opened for this thread */
	struct ms_auth *auth;           /* login checks and throttling */
	const char *hostname;           /* for greetings */
	const char *service;            /* "imap", "imaps", "pop3", ... */
	int implicit_tls;               /* listener is imaps/pop3s/https
					   (TLS is on before open()) */
};

/*
 * A protocol.  sess is what open() returned.  Return values:
 * open: NULL refuses the connection (the runtime closes it).
 * input: bytes consumed (0..n).  Unconsumed bytes stay buffered and are
 *   offered again, with more, on the next call; a protocol that cannot
 *   go on (command running, output above HIGH) consumes what it has
 *   parsed and calls ms_conn_pause(c, 1).  The buffer is bounded
 *   (ms_conn_inbuf_max): a protocol must consume or close.
 * drained: the output queue fell below LOW after ms_conn_want_drain().
 * tick: a timer set with ms_conn_timer() fired, or ms_conn_wake() was
 *   called for this connection from another thread.
 * close: the connection is going away (client hung up, error, timeout,
 *   ms_conn_close() done, server stopping); free sess.  No ms_conn_*
 *   calls on c after this returns.
 */
struct ms_proto {
	const char *name;
	void *(*open)(struct ms_conn *c, const struct ms_svc_env *env);
	size_t (*input)(void *sess, const unsigned char *p, size_t n);
	void (*drained)(void *sess);
	void (*tick)(void *sess);
	void (*close)(void *sess);
};

/* The protocols the runtime knows by listener key prefix ("imap" serves
   imap.listen and imaps.listen; ms_srv_kinds[] in ms_service.c). */
extern const struct ms_proto ms_proto_imap;
extern const struct ms_proto ms_proto_pop3;     /* src/pop3 */
extern const struct ms_proto ms_proto_poppassd; /* src/poppassd */
extern const struct ms_proto ms_proto_lmtp;     /* src/lmtp */
extern const struct ms_proto ms_proto_smap;     /* src/lmtp: socketmap */
extern const struct ms_proto ms_proto_managesieve; /* src/managesieve */
extern const struct ms_proto ms_proto_http;     /* src/http */

/* ---- output -------------------------------------------------------------- */

/* Queue bytes.  Never fails: on a dead connection data is dropped (the
   close callback follows). */
void ms_conn_write(struct ms_conn *c, const void *p, size_t n);
void ms_conn_puts(struct ms_conn *c, const char *s);
void ms_conn_printf(struct ms_conn *c, const char *fmt, ...)
	MS_FMT(2, 3);

/*
 * Queue len bytes of f from off, after what is queued already.  The
 * connection takes ownership of f and closes it after the segment when
 * own is 1 (give the same f with own 0 for earlier segments).  A read
 * error on f closes the connection (the client would get a short
 * literal otherwise).
 */
void ms_conn_send_file(struct ms_conn *c, struct ms_pfile *f, uint64_t off,
		       uint64_t len, int own);

/* Bytes queued and not yet written (file segments count by length). */
size_t ms_conn_outq(const struct ms_conn *c);
/* Ask for one drained() call when the queue falls below LOW. */
void ms_conn_want_drain(struct ms_conn *c);
/* Write what is queued now (normally done after each callback). */
void ms_conn_flush(struct ms_conn *c);

/* ---- input and control --------------------------------------------------- */

/* Stop (on=1) or resume (on=0) delivering input; buffered input is
   offered again on resume. */
void ms_conn_pause(struct ms_conn *c, int on);
/* Largest number of unconsumed input bytes the connection keeps. */
size_t ms_conn_inbuf_max(const struct ms_conn *c);

/* Call tick() once after ms milliseconds (0 cancels).  One timer per
   connection; setting it replaces the previous one. */
void ms_conn_timer(struct ms_conn *c, unsigned ms);

/* Flush the queue, then close.  Input after this is discarded. */
void ms_conn_close(struct ms_conn *c);

/*
 * Start TLS (STARTTLS/STLS): what is queued now (the OK) goes out in
 * clear text, then the server-side handshake begins.  Input buffered
 * after the command that asked for it is discarded (no injection across
 * the TLS boundary), so call this from input() after consuming exactly
 * the command line.  -1 when TLS is already on or not configured.
 */
int ms_conn_starttls(struct ms_conn *c);
/* Start COMPRESS=DEFLATE in both directions after what is queued now;
   -1 when already on. */
int ms_conn_compress(struct ms_conn *c);

/* ---- facts ---------------------------------------------------------------- */

/* 1 when the connection is encrypted: from open() on for an implicit-TLS
   listener (imaps, pop3s, https), after ms_conn_starttls() otherwise. */
int ms_conn_tls_active(const struct ms_conn *c);
int ms_conn_compress_active(const struct ms_conn *c);
/* 1 when the peer is a loopback address. */
int ms_conn_is_local(const struct ms_conn *c);
/* "ip:port" of the peer, and "ip" alone. */
const char *ms_conn_peer(const struct ms_conn *c);
const char *ms_conn_peer_ip(const struct ms_conn *c);
/* Unique within the process, for logs ("conn=17"). */
uint64_t ms_conn_id(const struct ms_conn *c);

/*
 * Login state for the runtime's limits: a connection counts against
 * server.max_unauth / max_unauth_per_ip and unauth_timeout until the
 * protocol calls this, then against auth_timeout.
 */
void ms_conn_set_authenticated(struct ms_conn *c);

/*
 * Wake-ups from other threads: ms_conn_wake_handle() gives a reference
 * that stays valid after the connection closes (calls on a closed one do
 * nothing); ms_conn_wake() makes the connection's loop call tick() soon.
 * Thread safe.  Release the reference with ms_conn_wake_release().
 */
struct ms_conn_ref;
struct ms_conn_ref *ms_conn_wake_handle(struct ms_conn *c);
void ms_conn_wake(struct ms_conn_ref *r);
void ms_conn_wake_release(struct ms_conn_ref *r);

#endif /* MS_CONN_H */
