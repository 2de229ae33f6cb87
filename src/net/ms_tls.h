/*
 * ms_tls.h -- TLS (OpenSSL) as a pure byte transform, no sockets.
 *
 * The runtime moves cipher text between the socket and a ms_tls; the
 * protocol only ever sees clear text.  OpenSSL runs over memory BIOs, so
 * the same code serves epoll on Linux and select on VMS, and tests can
 * pair a server and a client ms_tls in memory.
 *
 * Server contexts accept TLS 1.2 or newer only (tls.min_version), use
 * tls.ciphers when set, and read tls.cert/tls.key; with those empty they
 * make (once) and use a self-signed certificate under <store.root>/tls/.
 * A reload builds a new context; connections keep the context they
 * started with (reference counted).
 *
 * Thread safety: a context may be shared by threads (OpenSSL locks); a
 * ms_tls belongs to one thread at a time.
 */
#ifndef MS_TLS_H
#define MS_TLS_H

#include "ms_sys.h"

struct ms_conf;
struct ms_err;
struct ms_tls_ctx;
struct ms_tls;

/* Most cipher text a session keeps unread (push more without reading
   clear text and ms_tls_push_cipher fails, MS_E_LIMIT), and most clear
   text waiting for the handshake.  The runtime reads a socket in pieces
   far smaller and drains ms_tls_read before the next read. */
#define MS_TLS_IN_MAX           ((size_t)1024 * 1024)
#define MS_TLS_PEND_MAX         ((size_t)4 * 1024 * 1024)
/* Sent-out buffers larger than this are freed, not kept, when empty. */
#define MS_TLS_KEEP_OUT         ((size_t)64 * 1024)

/*
 * Server context from the configuration (tls.*, store.root).  Makes the
 * self-signed pair when tls.cert is empty and the files do not exist
 * (RSA 2048 or P-256, CN = host name, 10 years, key file mode 0600).
 * MS_E_CONFIG with file and reason when a file is unreadable or the key
 * does not match the certificate.
 */
int ms_tls_ctx_server(const struct ms_conf *conf, struct ms_tls_ctx **ctx_r,
		      struct ms_err *err);
/* Client context (relays, tests): verify peer when verify is 1 using the
   system trust store. */
int ms_tls_ctx_client(int verify, struct ms_tls_ctx **ctx_r,
		      struct ms_err *err);
/* Reference counting (thread safe).  A new context has one reference;
   each ms_tls holds one; the last unref frees it.  unref(NULL) is fine.
   Server errors are MS_E_CONFIG (file name and OpenSSL's reason in the
   internal text); tls.cert with tls.key empty means one PEM file holds
   both; a key with a pass phrase is refused, never prompted for. */
void ms_tls_ctx_ref(struct ms_tls_ctx *ctx);
void ms_tls_ctx_unref(struct ms_tls_ctx *ctx);
/* The OpenSSL SSL_CTX * behind ctx, for tests and tuning (changes apply
   to sessions made afterwards). */
void *ms_tls_ctx_handle(struct ms_tls_ctx *ctx);

/* One TLS session on ctx (server or client side as the context is).
   sni: host name a client sends (NULL: none). */
int ms_tls_new(struct ms_tls_ctx *ctx, const char *sni, struct ms_tls **t_r,
	       struct ms_err *err);
void ms_tls_free(struct ms_tls *t);

/* Cipher text that arrived from the peer.  Takes all of it (buffers are
   grown as needed, bounded by TLS record size times a small factor):
   returns 0, or -1 when the peer's data is not TLS / the handshake
   failed (err says why, for the log). */
int ms_tls_push_cipher(struct ms_tls *t, const void *p, size_t n,
		       struct ms_err *err);
/* Cipher text to send to the peer: points at pending bytes (*n_r may be
   0); after writing k of them call ms_tls_cipher_done(t, k).  The
   pointer stays valid until the next pull or cipher_done, whatever else
   is called meanwhile.  After a failed handshake this still holds the
   alert for the peer. */
void ms_tls_pull_cipher(struct ms_tls *t, const void **p_r, size_t *n_r);
void ms_tls_cipher_done(struct ms_tls *t, size_t k);

/* Clear text received: 1 with *n_r > 0 bytes, 0 when none yet (need more
   cipher text), -1 on error or after the peer's close_notify (then
   ms_tls_closed() is 1). */
int ms_tls_read(struct ms_tls *t, void *buf, size_t size, size_t *n_r,
		struct ms_err *err);
/* Clear text to send: takes all n bytes (they become cipher text to
   pull), 0 or -1 on error.  Before the handshake ends the data waits. */
int ms_tls_write(struct ms_tls *t, const void *p, size_t n,
		 struct ms_err *err);
/* Queue a close_notify. */
void ms_tls_shutdown(struct ms_tls *t);

int ms_tls_handshake_done(const struct ms_tls *t);
int ms_tls_closed(const struct ms_tls *t);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384" for logs ("" before the handshake). */
const char *ms_tls_describe(const struct ms_tls *t);

#endif /* MS_TLS_H */
