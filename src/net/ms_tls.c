/*
 * ms_tls.c -- TLS (OpenSSL) over memory BIOs: a byte transform, no sockets.
 *
 * Each session has two memory BIOs: `rbio` holds cipher text from the
 * peer (ms_tls_push_cipher), `wbio` what OpenSSL produced for the peer.
 * ms_tls_pull_cipher moves wbio's bytes into `out`, which only pull and
 * cipher_done change, so the pointer it hands out stays valid across
 * later writes.  Clear text written before the handshake ends (or while
 * OpenSSL wants to read first) waits in `pend`.
 *
 * Contexts are reference counted under their own mutex; OpenSSL locks
 * the SSL_CTX itself.  Files are read through ms_plat_read_path() (admin
 * paths) or the store root's platform layer (the generated pair), and
 * handed to OpenSSL as memory BIOs: nothing here opens an OS path.
 */
#include "ms_sys.h"
#include "ms_tls.h"
#include "ms_buf.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_str.h"

#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* Largest PEM file we read (a long chain is a few tens of KiB). */
#define TLS_MAX_PEM             ((size_t)1024 * 1024)
/* Validity of the generated certificate, in days (10 years). */
#define TLS_GEN_DAYS            3653
/* How long a second process waits for the first to make the pair. */
#define TLS_GEN_LOCK_MS         30000u
#define TLS_GEN_LOCK            "s-tls"
#define TLS_GEN_DIR             "tls"
#define TLS_GEN_CERT            "cert.pem"
#define TLS_GEN_KEY             "key.pem"
/* Most bytes handed to one BIO/SSL call (they count in int). */
#define TLS_MAX_IO              ((size_t)1 << 30)

struct ms_tls_ctx {
	SSL_CTX *ssl_ctx;
	int is_server;
	int verify;
	struct ms_mutex *mu;
	unsigned long refs;     /* under mu */
};

struct ms_tls {
	struct ms_tls_ctx *ctx;
	SSL *ssl;
	BIO *rbio;              /* peer -> OpenSSL */
	BIO *wbio;              /* OpenSSL -> peer */
	struct ms_buf pend;     /* clear text waiting for the handshake */
	struct ms_buf out;      /* cipher text pulled, not yet sent */
	size_t out_off;
	int hs_done;
	int failed;             /* fatal error: no more reads or writes */
	int peer_closed;        /* close_notify received */
	int shut_want;          /* ms_tls_shutdown before the handshake */
	int shut_sent;
	char desc[96];
	char fail_msg[240];     /* why it failed, for later calls */
};

/* ======================================================================
 * Errors
 * ====================================================================== */

/* The first error on OpenSSL's queue as text (queue cleared). */
static void
ossl_reason(char *buf, size_t size)
{
	unsigned long e = ERR_get_error(), next;

	if (size == 0)
		return;
	buf[0] = '\0';
	/* the first one is usually the cause, later ones the context */
	if (e == 0) {
		(void)ms_strlcpy(buf, "unknown OpenSSL error", size);
		return;
	}
	ERR_error_string_n(e, buf, size);
	while ((next = ERR_get_error()) != 0)
		;
}

static int
conf_fail(struct ms_err *err, const char *what, const char *file)
{
	char reason[160];

	ossl_reason(reason, sizeof(reason));
	return ms_err_set(err, MS_E_CONFIG, "TLS is not configured correctly",
			  "tls: %s%s%.100s: %s", what,
			  file != NULL ? " " : "", file != NULL ? file : "",
			  reason);
}

/* A platform error about file as MS_E_CONFIG. */
static int
perr_conf(struct ms_err *err, const struct ms_perr *perr, const char *what,
	  const char *file)
{
	(void)ms_err_set(err, MS_E_CONFIG, "TLS is not configured correctly",
			 "tls: %s %.120s: %s (%.90s)", what, file,
			 perr->st == MS_INVALID ? "not a file, or too large" :
			 ms_st_name(perr->st), perr->what);
	if (err != NULL)
		err->native = perr->native;
	return -1;
}

/* ======================================================================
 * Contexts
 * ====================================================================== */

static struct ms_tls_ctx *
ctx_alloc(SSL_CTX *sc, int is_server, int verify)
{
	struct ms_tls_ctx *ctx = ms_xcalloc(1, sizeof(*ctx));

	ctx->ssl_ctx = sc;
	ctx->is_server = is_server;
	ctx->verify = verify;
	ctx->mu = ms_mutex_new();
	ctx->refs = 1;
	return ctx;
}

void
ms_tls_ctx_ref(struct ms_tls_ctx *ctx)
{
	ms_mutex_lock(ctx->mu);
	ctx->refs++;
	ms_mutex_unlock(ctx->mu);
}

void
ms_tls_ctx_unref(struct ms_tls_ctx *ctx)
{
	unsigned long left;

	if (ctx == NULL)
		return;
	ms_mutex_lock(ctx->mu);
	left = --ctx->refs;
	ms_mutex_unlock(ctx->mu);
	if (left > 0)
		return;
	SSL_CTX_free(ctx->ssl_ctx);
	ms_mutex_free(ctx->mu);
	ms_xfree(ctx);
}

void *
ms_tls_ctx_handle(struct ms_tls_ctx *ctx)
{
	return ctx->ssl_ctx;
}

/* Never prompt for a pass phrase: an encrypted key is a config error. */
static int
no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

/*
 * Load the certificate chain (leaf first) from cert and the private key
 * from key into sc, and check that they belong together.  Names are for
 * error texts.
 */
static int
load_pair(SSL_CTX *sc, const char *cert, size_t cert_len,
	  const char *cert_name, const char *key, size_t key_len,
	  const char *key_name, struct ms_err *err)
{
	BIO *b;
	X509 *x;
	EVP_PKEY *pk;
	int n = 0;

	if (cert_len > TLS_MAX_PEM || key_len > TLS_MAX_PEM)
		return ms_err_set(err, MS_E_CONFIG, NULL,
				  "tls: %s: file too large", cert_name);
	ERR_clear_error();
	b = BIO_new_mem_buf(cert, (int)cert_len);
	if (b == NULL)
		return conf_fail(err, "read", cert_name);
	x = PEM_read_bio_X509_AUX(b, NULL, no_passphrase, NULL);
	if (x == NULL) {
		BIO_free(b);
		return conf_fail(err, "no certificate in", cert_name);
	}
	if (SSL_CTX_use_certificate(sc, x) != 1) {
		X509_free(x);
		BIO_free(b);
		return conf_fail(err, "cannot use the certificate in",
				 cert_name);
	}
	X509_free(x);
	/* the rest of the file is the chain */
	(void)SSL_CTX_clear_chain_certs(sc);
	while ((x = PEM_read_bio_X509(b, NULL, no_passphrase, NULL)) != NULL) {
		if (SSL_CTX_add0_chain_cert(sc, x) != 1) {
			X509_free(x);
			BIO_free(b);
			return conf_fail(err, "cannot add a chain certificate "
					 "from", cert_name);
		}
		n++;
	}
	BIO_free(b);
	/* PEM_read_bio_X509 ends with "no start line": that is EOF */
	ERR_clear_error();

	b = BIO_new_mem_buf(key, (int)key_len);
	if (b == NULL)
		return conf_fail(err, "read", key_name);
	pk = PEM_read_bio_PrivateKey(b, NULL, no_passphrase, NULL);
	BIO_free(b);
	if (pk == NULL)
		return conf_fail(err, "no usable private key (or one with a "
				 "pass phrase) in", key_name);
	if (X509_check_private_key(SSL_CTX_get0_certificate(sc), pk) != 1) {
		EVP_PKEY_free(pk);
		return conf_fail(err, "the key does not match the "
				 "certificate:", key_name);
	}
	if (SSL_CTX_use_PrivateKey(sc, pk) != 1) {
		EVP_PKEY_free(pk);
		return conf_fail(err, "cannot use the private key in",
				 key_name);
	}
	EVP_PKEY_free(pk);
	if (SSL_CTX_check_private_key(sc) != 1)
		return conf_fail(err, "the key does not match the "
				 "certificate:", key_name);
	(void)n;
	return 0;
}

/* Read an admin-supplied PEM file at an OS path. */
static int
read_pem_path(const char *path, char **data_r, size_t *len_r,
	      struct ms_err *err)
{
	struct ms_perr perr;

	if (ms_plat_read_path(path, TLS_MAX_PEM, data_r, len_r, &perr) < 0) {
		return perr_conf(err, &perr, "cannot read", path);
	}
	return 0;
}

/* ---- the generated self-signed pair ---------------------------------- */

/* A host name fit for CN and SAN: [A-Za-z0-9.-], 1..63; else NULL. */
static const char *
cert_host(char *buf, size_t size)
{
	size_t i, n;

	ms_proc_hostname(buf, size);
	n = strlen(buf);
	if (n == 0 || n > 63)
		return "localhost";
	for (i = 0; i < n; i++) {
		int c = (unsigned char)buf[i];

		if (!ms_ascii_isalnum(c) && c != '.' && c != '-')
			return "localhost";
	}
	return buf;
}

static int
add_ext(X509 *x, int nid, const char *value)
{
	X509V3_CTX v3;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &v3, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* PEM text of everything written to b, appended to buf. */
static int
bio_to_buf(BIO *b, struct ms_buf *buf)
{
	char *p;
	long n = BIO_get_mem_data(b, &p);

	if (n <= 0)
		return -1;
	return ms_buf_append(buf, p, (size_t)n);
}

/*
 * Make an EC P-256 key and a self-signed X509v3 certificate for host
 * (CN, SAN DNS host and localhost, serverAuth, 10 years) as PEM text.
 */
static int
gen_pair(const char *host, struct ms_buf *cert, struct ms_buf *key,
	 struct ms_err *err)
{
	EVP_PKEY_CTX *kc = NULL;
	EVP_PKEY *pk = NULL;
	X509 *x = NULL;
	X509_NAME *name;
	BIGNUM *bn = NULL;
	BIO *b = NULL;
	char san[160];
	int rc = -1;

	ERR_clear_error();
	kc = EVP_PKEY_CTX_new_id(EVP_PKEY_EC, NULL);
	if (kc == NULL || EVP_PKEY_keygen_init(kc) != 1 ||
	    EVP_PKEY_CTX_set_ec_paramgen_curve_nid(kc,
						   NID_X9_62_prime256v1) != 1 ||
	    EVP_PKEY_CTX_set_ec_param_enc(kc, OPENSSL_EC_NAMED_CURVE) != 1 ||
	    EVP_PKEY_keygen(kc, &pk) != 1)
		goto fail;

	x = X509_new();
	bn = BN_new();
	if (x == NULL || bn == NULL || X509_set_version(x, 2) != 1 ||
	    BN_rand(bn, 127, BN_RAND_TOP_ANY, BN_RAND_BOTTOM_ANY) != 1 ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto fail;
	if (X509_gmtime_adj(X509_getm_notBefore(x), -3600L) == NULL ||
	    X509_time_adj_ex(X509_getm_notAfter(x), TLS_GEN_DAYS, 0,
			     NULL) == NULL)
		goto fail;
	name = X509_get_subject_name(x);
	if (X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
				       (const unsigned char *)host, -1, -1,
				       0) != 1 ||
	    X509_set_issuer_name(x, name) != 1 ||
	    X509_set_pubkey(x, pk) != 1)
		goto fail;
	if (strcmp(host, "localhost") == 0)
		(void)snprintf(san, sizeof(san), "DNS:localhost");
	else
		(void)snprintf(san, sizeof(san), "DNS:%.63s,DNS:localhost",
			       host);
	if (add_ext(x, NID_basic_constraints, "critical,CA:FALSE") < 0 ||
	    add_ext(x, NID_key_usage, "critical,digitalSignature") < 0 ||
	    add_ext(x, NID_ext_key_usage, "serverAuth") < 0 ||
	    add_ext(x, NID_subject_key_identifier, "hash") < 0 ||
	    add_ext(x, NID_subject_alt_name, san) < 0)
		goto fail;
	if (X509_sign(x, pk, EVP_sha256()) <= 0)
		goto fail;

	b = BIO_new(BIO_s_mem());
	if (b == NULL || PEM_write_bio_X509(b, x) != 1 ||
	    bio_to_buf(b, cert) < 0)
		goto fail;
	BIO_free(b);
	b = BIO_new(BIO_s_mem());
	if (b == NULL ||
	    PEM_write_bio_PrivateKey(b, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    bio_to_buf(b, key) < 0)
		goto fail;
	rc = 0;
fail:
	if (rc < 0) {
		char reason[160];

		ossl_reason(reason, sizeof(reason));
		(void)ms_err_set(err, MS_E_INTERNAL, NULL,
				 "tls: cannot make a self-signed certificate: "
				 "%s", reason);
	}
	BIO_free(b);
	BN_free(bn);
	X509_free(x);
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(kc);
	return rc;
}

/* Write data as dir/leaf atomically (temp file, sync, rename over). */
static int
write_leaf(struct ms_pdir *dir, const char *leaf, const struct ms_buf *data,
	   struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	char where[200];

	ms_pdir_native_name(dir, leaf, where, sizeof(where));
	if (ms_pfile_create_temp(dir, &f, &perr) < 0)
		goto fail;
	if (ms_pfile_write(f, data->data, data->len, 0, &perr) < 0 ||
	    ms_pfile_sync(f, &perr) < 0 ||
	    ms_pfile_publish(dir, f, leaf, MS_PUB_REPLACE, &perr) < 0) {
		/* removes a temporary file; only closes a published one */
		(void)ms_pfile_discard(f, NULL);
		goto fail;
	}
	if (ms_pfile_close(f, &perr) < 0)
		goto fail;
	return 0;
fail:
	return perr_conf(err, &perr, "cannot write", where);
}

/* Read dir/leaf into buf; 1 if it exists, 0 if not, -1 on error. */
static int
read_leaf(struct ms_pdir *dir, const char *leaf, struct ms_buf *buf,
	  struct ms_err *err)
{
	struct ms_pfile *f;
	struct ms_perr perr;
	uint64_t size;
	unsigned char *p;
	size_t n;
	char where[200];

	ms_pdir_native_name(dir, leaf, where, sizeof(where));
	if (ms_pfile_open(dir, leaf, MS_PF_READ, &f, &perr) < 0) {
		if (perr.st == MS_NOTFOUND)
			return 0;
		goto fail;
	}
	if (ms_pfile_size(f, &size, &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		goto fail;
	}
	if (size > TLS_MAX_PEM) {
		(void)ms_pfile_close(f, NULL);
		return ms_err_set(err, MS_E_CONFIG, NULL,
				  "tls: %.120s: too large", where);
	}
	p = ms_buf_reserve(buf, (size_t)size + 1);
	if (p == NULL || ms_pfile_read(f, p, (size_t)size, 0, &n,
				       &perr) < 0) {
		(void)ms_pfile_close(f, NULL);
		if (p == NULL)
			return ms_err_set(err, MS_E_CONFIG, NULL,
					  "tls: %.120s: too large", where);
		goto fail;
	}
	ms_buf_commit(buf, n);
	(void)ms_pfile_close(f, NULL);
	return 1;
fail:
	return perr_conf(err, &perr, "cannot read", where);
}

/*
 * The pair under <store.root>/tls/: read it, or make it when the
 * certificate is missing.  The key is published first and the
 * certificate last, so a certificate on disk means a complete pair; a
 * store lock keeps two starting services from making two.  The posix
 * back end creates every file with mode 0600.
 */
static int
store_pair(const struct ms_conf *conf, struct ms_buf *cert,
	   struct ms_buf *key, char *cert_name, char *key_name,
	   size_t name_size, struct ms_err *err)
{
	const char *backend = ms_conf_str(conf, "store.backend");
	const char *root = ms_conf_str(conf, "store.root");
	struct ms_pfs *fs = NULL;
	struct ms_pdir *dir = NULL;
	struct ms_plock *lk = NULL;
	struct ms_perr perr;
	char hbuf[256];
	int rc = -1, have_cert, have_key;

	if (strcmp(backend, "native") == 0)
		backend = NULL;
	if (ms_pfs_open(backend, root, MS_PDIR_CREATE, &fs, &perr) < 0 ||
	    ms_pdir_open(fs, TLS_GEN_DIR, MS_PDIR_CREATE, &dir, &perr) < 0 ||
	    ms_plock_take(fs, TLS_GEN_LOCK, MS_LOCK_EXCL, TLS_GEN_LOCK_MS,
			  &lk, &perr) < 0) {
		(void)perr_conf(err, &perr, "cannot open the tls directory "
				"of store.root", root);
		goto done;
	}
	ms_pdir_native_name(dir, TLS_GEN_CERT, cert_name, name_size);
	ms_pdir_native_name(dir, TLS_GEN_KEY, key_name, name_size);
	have_cert = read_leaf(dir, TLS_GEN_CERT, cert, err);
	if (have_cert < 0)
		goto done;
	have_key = have_cert ? read_leaf(dir, TLS_GEN_KEY, key, err) : 0;
	if (have_key < 0)
		goto done;
	if (have_cert && !have_key) {
		(void)ms_err_set(err, MS_E_CONFIG, NULL,
				 "tls: %.120s exists but %.120s does not",
				 cert_name, key_name);
		goto done;
	}
	if (!have_cert) {
		ms_buf_reset(cert);
		ms_buf_reset(key);
		if (gen_pair(cert_host(hbuf, sizeof(hbuf)), cert, key,
			     err) < 0 ||
		    write_leaf(dir, TLS_GEN_KEY, key, err) < 0 ||
		    write_leaf(dir, TLS_GEN_CERT, cert, err) < 0)
			goto done;
	}
	rc = 0;
done:
	if (lk != NULL)
		ms_plock_release(lk);
	if (dir != NULL)
		ms_pdir_close(dir);
	if (fs != NULL)
		ms_pfs_close(fs);
	return rc;
}

/* Options every context of ours has. */
static void
ctx_common(SSL_CTX *sc)
{
	uint64_t opts = SSL_OP_NO_COMPRESSION;

#ifdef SSL_OP_NO_RENEGOTIATION
	opts |= SSL_OP_NO_RENEGOTIATION;
#endif
	(void)SSL_CTX_set_options(sc, opts);
	/* drop idle record buffers (idle IMAP connections are the common
	   case); a write retried after WANT_READ comes from `pend`, which
	   may have moved */
	(void)SSL_CTX_set_mode(sc, SSL_MODE_RELEASE_BUFFERS |
			       SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

int
ms_tls_ctx_server(const struct ms_conf *conf, struct ms_tls_ctx **ctx_r,
		  struct ms_err *err)
{
	const char *cert_path = ms_conf_str(conf, "tls.cert");
	const char *key_path = ms_conf_str(conf, "tls.key");
	const char *ciphers = ms_conf_str(conf, "tls.ciphers");
	const char *minv = ms_conf_str(conf, "tls.min_version");
	char cert_name[200], key_name[200];
	struct ms_buf cert, key;
	SSL_CTX *sc;
	uint64_t opts;
	int rc = -1;

	*ctx_r = NULL;
	ms_buf_init(&cert, NULL, TLS_MAX_PEM + 1);
	ms_buf_init(&key, NULL, TLS_MAX_PEM + 1);
	ERR_clear_error();
	sc = SSL_CTX_new(TLS_server_method());
	if (sc == NULL) {
		char reason[160];

		ossl_reason(reason, sizeof(reason));
		return ms_err_set(err, MS_E_INTERNAL, NULL,
				  "tls: SSL_CTX_new: %s", reason);
	}
	ctx_common(sc);
	opts = SSL_OP_CIPHER_SERVER_PREFERENCE;
#ifdef SSL_OP_NO_CLIENT_RENEGOTIATION
	opts |= SSL_OP_NO_CLIENT_RENEGOTIATION;
#endif
	(void)SSL_CTX_set_options(sc, opts);
	if (SSL_CTX_set_min_proto_version(sc, strcmp(minv, "1.3") == 0 ?
					  TLS1_3_VERSION :
					  TLS1_2_VERSION) != 1) {
		(void)conf_fail(err, "tls.min_version", minv);
		goto done;
	}
	if (ciphers[0] != '\0' && SSL_CTX_set_cipher_list(sc, ciphers) != 1) {
		(void)conf_fail(err, "tls.ciphers", ciphers);
		goto done;
	}
	/* server-side session cache (TLS 1.2) and tickets (keys made per
	   context, so a reload invalidates them, which is fine) */
	(void)SSL_CTX_set_session_cache_mode(sc, SSL_SESS_CACHE_SERVER);
	(void)SSL_CTX_set_session_id_context(sc,
					     (const unsigned char *)"msgstore",
					     8);
	(void)SSL_CTX_sess_set_cache_size(sc, 4096);
	(void)SSL_CTX_set_timeout(sc, 3600);

	if (cert_path[0] == '\0' && key_path[0] != '\0') {
		(void)ms_err_set(err, MS_E_CONFIG, "TLS is not configured "
				 "correctly", "tls: tls.key is set but "
				 "tls.cert is not");
		goto done;
	}
	if (cert_path[0] != '\0') {
		char *data = NULL;
		size_t len = 0;

		if (key_path[0] == '\0')
			key_path = cert_path;   /* one file with both */
		(void)ms_strlcpy(cert_name, cert_path, sizeof(cert_name));
		(void)ms_strlcpy(key_name, key_path, sizeof(key_name));
		if (read_pem_path(cert_path, &data, &len, err) < 0)
			goto done;
		(void)ms_buf_append(&cert, data, len);
		ms_xfree(data);
		if (read_pem_path(key_path, &data, &len, err) < 0)
			goto done;
		(void)ms_buf_append(&key, data, len);
		ms_memzero_explicit(data, len);
		ms_xfree(data);
	} else if (store_pair(conf, &cert, &key, cert_name, key_name,
			      sizeof(cert_name), err) < 0) {
		goto done;
	}
	if (load_pair(sc, (const char *)cert.data, cert.len, cert_name,
		      (const char *)key.data, key.len, key_name, err) < 0)
		goto done;
	*ctx_r = ctx_alloc(sc, 1, 0);
	sc = NULL;
	rc = 0;
done:
	SSL_CTX_free(sc);
	ms_buf_free(&cert);
	if (key.data != NULL && key.cap > 0)
		ms_memzero_explicit(key.data, key.cap);
	ms_buf_free(&key);
	return rc;
}

int
ms_tls_ctx_client(int verify, struct ms_tls_ctx **ctx_r, struct ms_err *err)
{
	SSL_CTX *sc;
	char reason[160];

	*ctx_r = NULL;
	ERR_clear_error();
	sc = SSL_CTX_new(TLS_client_method());
	if (sc == NULL)
		goto fail;
	ctx_common(sc);
	if (SSL_CTX_set_min_proto_version(sc, TLS1_2_VERSION) != 1)
		goto fail;
	if (verify) {
		if (SSL_CTX_set_default_verify_paths(sc) != 1)
			goto fail;
		SSL_CTX_set_verify(sc, SSL_VERIFY_PEER, NULL);
	} else {
		SSL_CTX_set_verify(sc, SSL_VERIFY_NONE, NULL);
	}
	*ctx_r = ctx_alloc(sc, 0, verify);
	return 0;
fail:
	ossl_reason(reason, sizeof(reason));
	SSL_CTX_free(sc);
	return ms_err_set(err, MS_E_INTERNAL, NULL,
			  "tls: client context: %s", reason);
}

/* ======================================================================
 * Sessions
 * ====================================================================== */

static int
sess_fail(struct ms_tls *t, struct ms_err *err, const char *what)
{
	char reason[160];
	long vr;

	ossl_reason(reason, sizeof(reason));
	vr = SSL_get_verify_result(t->ssl);
	if (!t->ctx->is_server && t->ctx->verify && vr != X509_V_OK)
		(void)snprintf(t->fail_msg, sizeof(t->fail_msg),
			       "%.20s: %.120s (certificate: %.50s)", what, reason,
			       X509_verify_cert_error_string(vr));
	else
		(void)snprintf(t->fail_msg, sizeof(t->fail_msg),
			       "%.20s: %.160s", what, reason);
	t->failed = 1;
	return ms_err_set(err, MS_E_PARAMS, "TLS failed", "tls: %s",
			  t->fail_msg);
}

static int
failed_err(const struct ms_tls *t, struct ms_err *err)
{
	return ms_err_set(err, MS_E_PARAMS, "TLS failed", "tls: %s",
			  t->fail_msg);
}

/* Hand clear text to SSL_write; what OpenSSL cannot take now (it wants
   to read first) stays in pend.  p may point into pend itself. */
static int
write_now(struct ms_tls *t, const unsigned char *p, size_t n, size_t *done_r,
	  struct ms_err *err)
{
	size_t done = 0, k, w;
	int rc;

	*done_r = 0;
	while (done < n) {
		k = n - done < TLS_MAX_IO ? n - done : TLS_MAX_IO;
		ERR_clear_error();
		rc = SSL_write_ex(t->ssl, p + done, k, &w);
		if (rc != 1) {
			switch (SSL_get_error(t->ssl, 0)) {
			case SSL_ERROR_WANT_READ:
			case SSL_ERROR_WANT_WRITE:
				*done_r = done;
				return 0;
			default:
				*done_r = done;
				return sess_fail(t, err, "write");
			}
		}
		done += w;
	}
	*done_r = done;
	return 0;
}

/* Write what waits in pend (after the handshake, or a WANT_READ). */
static int
flush_pend(struct ms_tls *t, struct ms_err *err)
{
	size_t done;
	int rc;

	if (t->pend.len == 0 || !t->hs_done || t->shut_sent)
		return 0;
	rc = write_now(t, t->pend.data, t->pend.len, &done, err);
	ms_buf_consume(&t->pend, done);
	if (t->pend.len == 0)
		ms_buf_free(&t->pend);
	return rc;
}

static void
send_shutdown(struct ms_tls *t)
{
	if (t->shut_sent || t->failed)
		return;
	ERR_clear_error();
	(void)SSL_shutdown(t->ssl);
	ERR_clear_error();
	t->shut_sent = 1;
}

/* The handshake just finished. */
static int
hs_finished(struct ms_tls *t, struct ms_err *err)
{
	t->hs_done = 1;
	(void)snprintf(t->desc, sizeof(t->desc), "%s %s",
		       SSL_get_version(t->ssl), SSL_get_cipher_name(t->ssl));
	if (flush_pend(t, err) < 0)
		return -1;
	if (t->shut_want && t->pend.len == 0)
		send_shutdown(t);
	return 0;
}

/* Move the handshake on as far as the input allows. */
static int
hs_step(struct ms_tls *t, struct ms_err *err)
{
	int rc;

	if (t->hs_done || t->failed)
		return 0;
	ERR_clear_error();
	rc = SSL_do_handshake(t->ssl);
	if (rc == 1)
		return hs_finished(t, err);
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	default:
		return sess_fail(t, err, "handshake");
	}
}

int
ms_tls_new(struct ms_tls_ctx *ctx, const char *sni, struct ms_tls **t_r,
	   struct ms_err *err)
{
	struct ms_tls *t;
	char reason[160];

	*t_r = NULL;
	t = ms_xcalloc(1, sizeof(*t));
	ms_buf_init(&t->pend, NULL, MS_TLS_PEND_MAX);
	ms_buf_init(&t->out, NULL, 0);
	ERR_clear_error();
	t->ssl = SSL_new(ctx->ssl_ctx);
	t->rbio = BIO_new(BIO_s_mem());
	t->wbio = BIO_new(BIO_s_mem());
	if (t->ssl == NULL || t->rbio == NULL || t->wbio == NULL) {
		ossl_reason(reason, sizeof(reason));
		BIO_free(t->rbio);
		BIO_free(t->wbio);
		SSL_free(t->ssl);
		ms_xfree(t);
		return ms_err_set(err, MS_E_INTERNAL, NULL,
				  "tls: new session: %s", reason);
	}
	/* an empty read BIO means "want more", not end of file */
	(void)BIO_set_mem_eof_return(t->rbio, -1);
	(void)BIO_set_mem_eof_return(t->wbio, -1);
	SSL_set_bio(t->ssl, t->rbio, t->wbio);
	ms_tls_ctx_ref(ctx);
	t->ctx = ctx;
	if (ctx->is_server) {
		SSL_set_accept_state(t->ssl);
	} else {
		SSL_set_connect_state(t->ssl);
		if (sni != NULL && sni[0] != '\0') {
			X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
			int is_ip = X509_VERIFY_PARAM_set1_ip_asc(vp,
								  sni) == 1;

			ERR_clear_error();
			/* SNI carries host names only, never addresses */
			if (!is_ip && (SSL_set_tlsext_host_name(t->ssl,
								(char *)(uintptr_t)sni) != 1 ||
				       (ctx->verify &&
					SSL_set1_host(t->ssl, sni) != 1))) {
				(void)sess_fail(t, err, "server name");
				ms_tls_free(t);
				return -1;
			}
		}
		/* the client speaks first: ClientHello into wbio */
		if (hs_step(t, err) < 0) {
			ms_tls_free(t);
			return -1;
		}
	}
	*t_r = t;
	return 0;
}

void
ms_tls_free(struct ms_tls *t)
{
	if (t == NULL)
		return;
	SSL_free(t->ssl);       /* frees both BIOs */
	ms_buf_free(&t->pend);
	ms_buf_free(&t->out);
	ms_tls_ctx_unref(t->ctx);
	ms_xfree(t);
}

int
ms_tls_push_cipher(struct ms_tls *t, const void *p, size_t n,
		   struct ms_err *err)
{
	const unsigned char *q = p;
	size_t k;

	if (t->failed)
		return failed_err(t, err);
	if (n > MS_TLS_IN_MAX ||
	    BIO_ctrl_pending(t->rbio) > MS_TLS_IN_MAX - n) {
		(void)snprintf(t->fail_msg, sizeof(t->fail_msg),
			       "more than %lu bytes of cipher text unread",
			       (unsigned long)MS_TLS_IN_MAX);
		t->failed = 1;
		return ms_err_set(err, MS_E_LIMIT, "TLS failed", "tls: %s",
				  t->fail_msg);
	}
	while (n > 0) {
		k = n < TLS_MAX_IO ? n : TLS_MAX_IO;
		if (BIO_write(t->rbio, q, (int)k) != (int)k)
			return sess_fail(t, err, "buffer");
		q += k;
		n -= k;
	}
	if (!t->hs_done)
		return hs_step(t, err);
	/* OpenSSL may have wanted to read before it could write */
	if (flush_pend(t, err) < 0)
		return -1;
	if (t->shut_want && t->pend.len == 0)
		send_shutdown(t);
	return 0;
}

void
ms_tls_pull_cipher(struct ms_tls *t, const void **p_r, size_t *n_r)
{
	size_t avail = BIO_ctrl_pending(t->wbio), k;
	unsigned char *dst;
	int got;

	if (avail > 0) {
		if (t->out_off > 0) {
			ms_buf_consume(&t->out, t->out_off);
			t->out_off = 0;
		}
		while (avail > 0) {
			k = avail < TLS_MAX_IO ? avail : TLS_MAX_IO;
			dst = ms_buf_reserve(&t->out, k);
			if (dst == NULL)
				break;  /* leave the rest in the BIO */
			got = BIO_read(t->wbio, dst, (int)k);
			if (got <= 0) {
				ms_buf_commit(&t->out, 0);
				break;
			}
			ms_buf_commit(&t->out, (size_t)got);
			avail -= (size_t)got;
		}
	}
	*p_r = t->out.data + t->out_off;
	*n_r = t->out.len - t->out_off;
}

void
ms_tls_cipher_done(struct ms_tls *t, size_t k)
{
	if (k > t->out.len - t->out_off)
		k = t->out.len - t->out_off;
	t->out_off += k;
	if (t->out_off == t->out.len) {
		/* a big FETCH should not pin its buffer on an idle session */
		if (t->out.cap > MS_TLS_KEEP_OUT)
			ms_buf_free(&t->out);
		else
			ms_buf_reset(&t->out);
		t->out_off = 0;
	}
}

int
ms_tls_read(struct ms_tls *t, void *buf, size_t size, size_t *n_r,
	    struct ms_err *err)
{
	int rc;

	*n_r = 0;
	if (t->failed)
		return failed_err(t, err);
	if (t->peer_closed)
		return ms_err_set(err, MS_E_PARAMS, "TLS closed",
				  "tls: peer sent close_notify");
	if (size == 0)
		return 0;
	if (size > TLS_MAX_IO)
		size = TLS_MAX_IO;
	ERR_clear_error();
	rc = SSL_read_ex(t->ssl, buf, size, n_r);
	if (!t->hs_done && SSL_is_init_finished(t->ssl) &&
	    hs_finished(t, err) < 0)
		return -1;
	if (rc == 1)
		return *n_r > 0 ? 1 : 0;
	*n_r = 0;
	switch (SSL_get_error(t->ssl, rc)) {
	case SSL_ERROR_WANT_READ:
	case SSL_ERROR_WANT_WRITE:
		return 0;
	case SSL_ERROR_ZERO_RETURN:
		t->peer_closed = 1;
		return ms_err_set(err, MS_E_PARAMS, "TLS closed",
				  "tls: peer sent close_notify");
	default:
		return sess_fail(t, err, "read");
	}
}

int
ms_tls_write(struct ms_tls *t, const void *p, size_t n, struct ms_err *err)
{
	size_t done;

	if (t->failed)
		return failed_err(t, err);
	if (t->shut_sent || t->shut_want)
		return ms_err_set(err, MS_E_PARAMS, "TLS closed",
				  "tls: write after shutdown");
	if (n == 0)
		return 0;
	if (!t->hs_done || t->pend.len > 0) {
		if (ms_buf_append(&t->pend, p, n) < 0)
			return ms_err_set(err, MS_E_LIMIT, "TLS failed",
					  "tls: more than %lu bytes wait "
					  "for the handshake",
					  (unsigned long)MS_TLS_PEND_MAX);
		return flush_pend(t, err);
	}
	if (write_now(t, p, n, &done, err) < 0)
		return -1;
	if (done < n && ms_buf_append(&t->pend, (const unsigned char *)p +
				      done, n - done) < 0)
		return ms_err_set(err, MS_E_LIMIT, "TLS failed",
				  "tls: more than %lu bytes wait to be "
				  "written", (unsigned long)MS_TLS_PEND_MAX);
	return 0;
}

void
ms_tls_shutdown(struct ms_tls *t)
{
	if (t->hs_done && t->pend.len == 0)
		send_shutdown(t);
	else
		t->shut_want = 1;
}

int
ms_tls_handshake_done(const struct ms_tls *t)
{
	return t->hs_done;
}

int
ms_tls_closed(const struct ms_tls *t)
{
	return t->peer_closed;
}

const char *
ms_tls_describe(const struct ms_tls *t)
{
	return t->desc;
}
