/*
 * test_tls.c -- TLS as a byte transform: the self-signed pair made once
 * under a scratch store root, server and client sessions paired in memory
 * by shuttling cipher text, data both ways (1 MiB too), old protocol
 * versions refused, certificate checks, configuration errors, hostile
 * input, close_notify and context reference counting.
 */
#include "ms_sys.h"
#include "ms_tls.h"
#include "ms_conf.h"
#include "ms_err.h"
#include "ms_mem.h"
#include "ms_plat.h"
#include "ms_pool.h"
#include "ms_cu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#ifdef MS_PATH_POSIX
/* only to check the key file's permission bits */
#include <sys/stat.h>
#endif

static struct ms_pool *pool;
static unsigned seq;
/* one server context shared by the tests that only need a server */
static struct ms_tls_ctx *srv_ctx;
static const char *srv_root;

/* A fresh directory name under the run's scratch directory. */
static const char *
fresh(const char *tag)
{
	return ms_psprintf(pool, "%s/tls%u-%s", ms_cu_tmpdir, ++seq, tag);
}

/* A configuration with store.root = root plus extra assignments (also
   used by suite_init, so no CUnit asserts: a bad assignment is reported
   and makes the test that uses it fail further on). */
static struct ms_conf *
conf_for(const char *root, const char *const *sets)
{
	struct ms_conf *conf = ms_conf_new(pool);
	struct ms_err err;

	if (ms_conf_set(conf, ms_psprintf(pool, "store.root=%s", root),
			"test", &err) < 0)
		fprintf(stderr, "conf: %s\n", err.internal);
	for (; sets != NULL && *sets != NULL; sets++)
		if (ms_conf_set(conf, *sets, "test", &err) < 0)
			fprintf(stderr, "conf: %s: %s\n", *sets,
				err.internal);
	return conf;
}

static int
suite_init(void)
{
	struct ms_err err;

	pool = ms_pool_create("test_tls", 0);
	srv_root = fresh("srv");
	if (ms_tls_ctx_server(conf_for(srv_root, NULL), &srv_ctx, &err) < 0) {
		fprintf(stderr, "server ctx: %s\n", err.internal);
		return -1;
	}
	return 0;
}

static int
suite_clean(void)
{
	ms_tls_ctx_unref(srv_ctx);
	ms_pool_destroy(&pool);
	return 0;
}

/*
 * Move cipher text from one session to the other, at most piece bytes
 * per push (0: all at once).  Returns bytes moved, or -1 when the
 * receiver refused them (*err says why).
 */
static long
move(struct ms_tls *from, struct ms_tls *to, size_t piece,
     struct ms_err *err)
{
	const void *p;
	size_t n, k;
	long total = 0;

	ms_tls_pull_cipher(from, &p, &n);
	while (n > 0) {
		k = piece == 0 || piece > n ? n : piece;
		if (ms_tls_push_cipher(to, p, k, err) < 0) {
			ms_tls_cipher_done(from, n);
			return -1;
		}
		ms_tls_cipher_done(from, k);
		total += (long)k;
		ms_tls_pull_cipher(from, &p, &n);
	}
	return total;
}

/* Shuttle both ways until nothing moves.  0, or -1 with which side
   refused in *who ('s' server, 'c' client). */
static int
shuttle(struct ms_tls *s, struct ms_tls *c, size_t piece, int *who,
	struct ms_err *err)
{
	long a, b;
	int rounds;

	for (rounds = 0; rounds < 1000; rounds++) {
		a = move(c, s, piece, err);
		if (a < 0) {
			*who = 's';
			return -1;
		}
		b = move(s, c, piece, err);
		if (b < 0) {
			*who = 'c';
			return -1;
		}
		if (a == 0 && b == 0)
			return 0;
	}
	*who = '?';
	return -1;
}

/* A client context without verification. */
static struct ms_tls_ctx *
client_ctx(void)
{
	struct ms_tls_ctx *ctx = NULL;
	struct ms_err err;

	CU_ASSERT_FATAL(ms_tls_ctx_client(0, &ctx, &err) == 0);
	return ctx;
}

/* A connected pair on sctx/cctx; both sides finish the handshake. */
static void
pair(struct ms_tls_ctx *sctx, struct ms_tls_ctx *cctx, const char *sni,
     struct ms_tls **s_r, struct ms_tls **c_r)
{
	struct ms_err err;
	int who = 0;

	CU_ASSERT_FATAL(ms_tls_new(sctx, NULL, s_r, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, sni, c_r, &err) == 0);
	if (shuttle(*s_r, *c_r, 0, &who, &err) < 0)
		fprintf(stderr, "handshake (%c): %s\n", who, err.internal);
	CU_ASSERT_FATAL(ms_tls_handshake_done(*s_r));
	CU_ASSERT_FATAL(ms_tls_handshake_done(*c_r));
}

/* Read all clear text t has now into buf (at most size), in pieces of
   at most chunk bytes.  Returns the count, or -1 on an error. */
static long
drain(struct ms_tls *t, unsigned char *buf, size_t size, size_t chunk)
{
	struct ms_err err;
	size_t got = 0, n, want;
	int rc;

	for (;;) {
		want = size - got < chunk ? size - got : chunk;
		if (want == 0)
			return (long)got;
		rc = ms_tls_read(t, buf + got, want, &n, &err);
		if (rc < 0)
			return -1;
		if (rc == 0)
			return (long)got;
		CU_ASSERT(n > 0 && n <= want);
		got += n;
	}
}

static unsigned char *
read_file(const char *path, size_t *len_r)
{
	char *data = NULL;

	if (ms_plat_read_path(path, 1 << 20, &data, len_r, NULL) < 0)
		return NULL;
	return (unsigned char *)data;
}

static void
write_file(const char *path, const void *p, size_t n)
{
	FILE *f = fopen(path, "wb");

	CU_ASSERT_FATAL(f != NULL);
	CU_ASSERT(fwrite(p, 1, n, f) == n);
	CU_ASSERT(fclose(f) == 0);
}

/* ---- the generated pair ------------------------------------------------ */

static void
test_tls_selfsigned_made_once(void)
{
	const char *cert_path = ms_psprintf(pool, "%s/tls/cert.pem",
					    srv_root);
	const char *key_path = ms_psprintf(pool, "%s/tls/key.pem", srv_root);
	unsigned char *c1, *k1, *c2, *k2;
	size_t c1n, k1n, c2n, k2n;
	struct ms_tls_ctx *again = NULL;
	struct ms_err err;

	c1 = read_file(cert_path, &c1n);
	k1 = read_file(key_path, &k1n);
	CU_ASSERT_FATAL(c1 != NULL && k1 != NULL);
	CU_ASSERT(c1n > 100 && memcmp(c1, "-----BEGIN CERTIFICATE-----",
				      27) == 0);
	CU_ASSERT(k1n > 100 && memcmp(k1, "-----BEGIN PRIVATE KEY-----",
				      27) == 0);
#ifdef MS_PATH_POSIX
	{
		struct stat st;

		CU_ASSERT_FATAL(stat(key_path, &st) == 0);
		MS_CU_EQ_INT(st.st_mode & 0777, 0600);
	}
#endif
	/* a second start uses the same pair */
	MS_CU_OK(ms_tls_ctx_server(conf_for(srv_root, NULL), &again, &err));
	c2 = read_file(cert_path, &c2n);
	k2 = read_file(key_path, &k2n);
	CU_ASSERT_FATAL(c2 != NULL && k2 != NULL);
	MS_CU_EQ_MEM(c1, c1n, c2, c2n);
	MS_CU_EQ_MEM(k1, k1n, k2, k2n);
	ms_tls_ctx_unref(again);
	ms_memzero_explicit(k1, k1n);
	ms_memzero_explicit(k2, k2n);
	ms_xfree(c1);
	ms_xfree(k1);
	ms_xfree(c2);
	ms_xfree(k2);
}

static void
test_tls_selfsigned_contents(void)
{
	const char *cert_path = ms_psprintf(pool, "%s/tls/cert.pem",
					    srv_root);
	const char *key_path = ms_psprintf(pool, "%s/tls/key.pem", srv_root);
	unsigned char *c, *k;
	size_t cn, kn;
	BIO *b;
	X509 *x;
	EVP_PKEY *pk;
	char cnbuf[256], host[256];
	GENERAL_NAMES *sans;
	int i, has_localhost = 0, has_host = 0, days = 0, secs = 0;
	int valid_host;
	size_t j;

	c = read_file(cert_path, &cn);
	k = read_file(key_path, &kn);
	CU_ASSERT_FATAL(c != NULL && k != NULL);
	b = BIO_new_mem_buf(c, (int)cn);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	CU_ASSERT_FATAL(x != NULL);
	b = BIO_new_mem_buf(k, (int)kn);
	pk = PEM_read_bio_PrivateKey(b, NULL, NULL, NULL);
	BIO_free(b);
	CU_ASSERT_FATAL(pk != NULL);

	/* EC P-256, and it is the certificate's key */
	MS_CU_EQ_INT(EVP_PKEY_base_id(pk), EVP_PKEY_EC);
	MS_CU_EQ_INT(EVP_PKEY_bits(pk), 256);
	MS_CU_EQ_INT(X509_check_private_key(x, pk), 1);
	MS_CU_EQ_INT(X509_get_version(x), 2);
	MS_CU_EQ_INT(X509_verify(x, pk), 1);

	/* CN = host name (or localhost when the name is unusable) */
	ms_proc_hostname(host, sizeof(host));
	valid_host = host[0] != '\0' && strlen(host) <= 63;
	for (j = 0; host[j] != '\0'; j++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
			   "0123456789.-", host[j]) == NULL)
			valid_host = 0;
	CU_ASSERT(X509_NAME_get_text_by_NID(X509_get_subject_name(x),
					    NID_commonName, cnbuf,
					    sizeof(cnbuf)) > 0);
	MS_CU_EQ_STR(cnbuf, valid_host ? host : "localhost");

	sans = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
	CU_ASSERT_FATAL(sans != NULL);
	for (i = 0; i < sk_GENERAL_NAME_num(sans); i++) {
		GENERAL_NAME *g = sk_GENERAL_NAME_value(sans, i);
		const unsigned char *d;

		if (g->type != GEN_DNS)
			continue;
		d = ASN1_STRING_get0_data(g->d.dNSName);
		if (strcmp((const char *)d, "localhost") == 0)
			has_localhost = 1;
		if (strcmp((const char *)d, cnbuf) == 0)
			has_host = 1;
	}
	GENERAL_NAMES_free(sans);
	CU_ASSERT(has_localhost);
	CU_ASSERT(has_host);

	/* about ten years from now */
	CU_ASSERT(ASN1_TIME_diff(&days, &secs, NULL,
				 X509_get0_notAfter(x)) == 1);
	CU_ASSERT(days >= 3650 && days <= 3654);
	CU_ASSERT(X509_cmp_current_time(X509_get0_notBefore(x)) < 0);

	X509_free(x);
	EVP_PKEY_free(pk);
	ms_memzero_explicit(k, kn);
	ms_xfree(c);
	ms_xfree(k);
}

/* ---- sessions ---------------------------------------------------------- */

static void
test_tls_handshake_and_data(void)
{
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char buf[256];
	int who;

	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, "localhost", &c, &err) == 0);
	MS_CU_EQ_STR(ms_tls_describe(s), "");
	CU_ASSERT(!ms_tls_handshake_done(s));
	/* the greeting is written before the handshake; it waits */
	MS_CU_OK(ms_tls_write(s, "* OK hi\r\n", 9, &err));
	MS_CU_OK(ms_tls_write(c, "a1 NOOP\r\n", 9, &err));
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	CU_ASSERT(ms_tls_handshake_done(s));
	CU_ASSERT(ms_tls_handshake_done(c));
	CU_ASSERT(strncmp(ms_tls_describe(s), "TLSv1.3 TLS_", 12) == 0);
	MS_CU_EQ_STR(ms_tls_describe(s), ms_tls_describe(c));
	/* the pending writes went out after the handshake */
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	MS_CU_EQ_INT(drain(c, buf, sizeof(buf), sizeof(buf)), 9);
	MS_CU_EQ_MEM(buf, 9, "* OK hi\r\n", 9);
	MS_CU_EQ_INT(drain(s, buf, sizeof(buf), sizeof(buf)), 9);
	MS_CU_EQ_MEM(buf, 9, "a1 NOOP\r\n", 9);
	/* nothing more: 0, not an error */
	MS_CU_EQ_INT(drain(s, buf, sizeof(buf), sizeof(buf)), 0);
	CU_ASSERT(!ms_tls_closed(s));

	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
}

/* Send len bytes from a to b in writes of wchunk, shuttling cipher text
   in pieces of piece bytes, reading in rchunk pieces as it arrives. */
static void
send_big(struct ms_tls *a, struct ms_tls *b, const unsigned char *data,
	 size_t len, size_t wchunk, size_t piece, size_t rchunk,
	 unsigned char *got)
{
	struct ms_err err;
	size_t off = 0, have = 0, k;
	long r;
	int who;

	while (off < len || have < len) {
		if (off < len) {
			k = len - off < wchunk ? len - off : wchunk;
			CU_ASSERT_FATAL(ms_tls_write(a, data + off, k,
						     &err) == 0);
			off += k;
		}
		/* like the runtime: push a socket read, read clear text */
		for (;;) {
			const void *p;
			size_t n;

			ms_tls_pull_cipher(a, &p, &n);
			if (n == 0)
				break;
			if (n > piece)
				n = piece;
			CU_ASSERT_FATAL(ms_tls_push_cipher(b, p, n,
							   &err) == 0);
			ms_tls_cipher_done(a, n);
			r = drain(b, got + have, len - have, rchunk);
			CU_ASSERT_FATAL(r >= 0);
			have += (size_t)r;
		}
		if (off == len && have < len) {
			/* anything the reader owes the writer first */
			CU_ASSERT_FATAL(shuttle(a, b, 0, &who, &err) == 0);
			r = drain(b, got + have, len - have, rchunk);
			CU_ASSERT_FATAL(r > 0);
			have += (size_t)r;
		}
	}
	MS_CU_EQ_MEM(got, have, data, len);
}

static void
test_tls_one_mib_both_ways(void)
{
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	size_t len = (size_t)1 << 20, i;
	unsigned char *data = ms_xmalloc(len), *got = ms_xmalloc(len);
	uint32_t x = 12345;

	for (i = 0; i < len; i++) {
		x = x * 1103515245u + 12345u;
		data[i] = (unsigned char)(x >> 16);
	}
	pair(srv_ctx, cctx, "localhost", &s, &c);
	/* server -> client in big writes, odd pieces */
	memset(got, 0, len);
	send_big(s, c, data, len, 65536 + 17, 1000, 4093, got);
	/* client -> server in small writes, large reads */
	memset(got, 0, len);
	send_big(c, s, data, len, 1777, 16384, 65536, got);
	/* one write of all of it */
	memset(got, 0, len);
	send_big(s, c, data, len, len, 65536, 16384, got);

	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
	ms_xfree(data);
	ms_xfree(got);
}

static void
test_tls_handshake_byte_by_byte(void)
{
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char buf[16];
	int who;

	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, NULL, &c, &err) == 0);
	MS_CU_OK(shuttle(s, c, 1, &who, &err));
	CU_ASSERT(ms_tls_handshake_done(s));
	CU_ASSERT(ms_tls_handshake_done(c));
	MS_CU_OK(ms_tls_write(c, "x", 1, &err));
	MS_CU_OK(shuttle(s, c, 3, &who, &err));
	MS_CU_EQ_INT(drain(s, buf, sizeof(buf), 1), 1);
	CU_ASSERT(buf[0] == 'x');
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
}

static void
test_tls_pull_pointer_stable(void)
{
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	const void *p, *p2;
	unsigned char *copy, *got;
	unsigned char big[100000];
	size_t n, n2;

	pair(srv_ctx, cctx, NULL, &s, &c);
	MS_CU_OK(ms_tls_write(s, "first", 5, &err));
	ms_tls_pull_cipher(s, &p, &n);
	CU_ASSERT_FATAL(n > 5);
	copy = (unsigned char *)ms_xmemdup(p, n);
	/* more writes do not move what was pulled */
	memset(big, 'b', sizeof(big));
	MS_CU_OK(ms_tls_write(s, big, sizeof(big), &err));
	MS_CU_EQ_MEM(p, n, copy, n);
	/* part sent: the rest is still there, then the new bytes follow */
	ms_tls_cipher_done(s, 3);
	ms_tls_pull_cipher(s, &p2, &n2);
	CU_ASSERT(n2 > n - 3 + sizeof(big));
	MS_CU_EQ_MEM(p2, n - 3, copy + 3, n - 3);
	MS_CU_OK(ms_tls_push_cipher(c, copy, 3, &err));
	ms_tls_cipher_done(s, 0);
	CU_ASSERT(move(s, c, 0, &err) > 0);
	got = ms_xmalloc(5 + sizeof(big));
	MS_CU_EQ_INT(drain(c, got, 5 + sizeof(big), 4096), 5 + sizeof(big));
	MS_CU_EQ_MEM(got, 5, "first", 5);
	MS_CU_EQ_MEM(got + 5, sizeof(big), big, sizeof(big));
	ms_xfree(got);
	ms_tls_pull_cipher(s, &p, &n);
	MS_CU_EQ_UINT(n, 0);
	ms_xfree(copy);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
}

static void
test_tls_close_notify(void)
{
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char buf[64];
	size_t n;
	int who;

	pair(srv_ctx, cctx, NULL, &s, &c);
	MS_CU_OK(ms_tls_write(c, "a LOGOUT\r\n", 10, &err));
	ms_tls_shutdown(c);
	CU_ASSERT(ms_tls_write(c, "late", 4, &err) == -1);
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	/* the data before the close arrives, then the close */
	MS_CU_EQ_INT(ms_tls_read(s, buf, sizeof(buf), &n, &err), 1);
	MS_CU_EQ_MEM(buf, n, "a LOGOUT\r\n", 10);
	CU_ASSERT(!ms_tls_closed(s));
	MS_CU_EQ_INT(ms_tls_read(s, buf, sizeof(buf), &n, &err), -1);
	CU_ASSERT(ms_tls_closed(s));
	MS_CU_EQ_UINT(n, 0);
	/* stays closed */
	MS_CU_EQ_INT(ms_tls_read(s, buf, sizeof(buf), &n, &err), -1);
	/* the server answers with its own close_notify */
	ms_tls_shutdown(s);
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	MS_CU_EQ_INT(ms_tls_read(c, buf, sizeof(buf), &n, &err), -1);
	CU_ASSERT(ms_tls_closed(c));
	ms_tls_free(s);
	ms_tls_free(c);

	/* shutdown asked before the handshake is sent after it */
	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, NULL, &c, &err) == 0);
	MS_CU_OK(ms_tls_write(s, "* BYE\r\n", 7, &err));
	ms_tls_shutdown(s);
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	MS_CU_EQ_INT(ms_tls_read(c, buf, sizeof(buf), &n, &err), 1);
	MS_CU_EQ_MEM(buf, n, "* BYE\r\n", 7);
	MS_CU_EQ_INT(ms_tls_read(c, buf, sizeof(buf), &n, &err), -1);
	CU_ASSERT(ms_tls_closed(c));
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
}

/* ---- refusals ---------------------------------------------------------- */

/* A client limited to [minv, maxv] must not get through to server sctx;
   the server's error must say why. */
static void
refused(struct ms_tls_ctx *sctx, int minv, int maxv)
{
	struct ms_tls_ctx *cctx = client_ctx();
	SSL_CTX *sc = ms_tls_ctx_handle(cctx);
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char buf[16];
	size_t n;
	int who = 0;

	/* test only: let the client offer old protocols at all */
	SSL_CTX_set_security_level(sc, 0);
	CU_ASSERT_FATAL(SSL_CTX_set_min_proto_version(sc, minv) == 1);
	CU_ASSERT_FATAL(SSL_CTX_set_max_proto_version(sc, maxv) == 1);
	CU_ASSERT_FATAL(ms_tls_new(sctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, NULL, &c, &err) == 0);
	memset(&err, 0, sizeof(err));
	MS_CU_EQ_INT(shuttle(s, c, 0, &who, &err), -1);
	MS_CU_EQ_INT(who, 's');
	MS_CU_EQ_INT(err.cls, MS_E_PARAMS);
	CU_ASSERT(strstr(err.internal, "protocol") != NULL);
	CU_ASSERT(!ms_tls_handshake_done(s));
	/* the alert reaches the client, which fails too */
	CU_ASSERT(move(s, c, 0, &err) == -1 ||
		  ms_tls_read(c, buf, sizeof(buf), &n, &err) == -1);
	CU_ASSERT(!ms_tls_handshake_done(c));
	/* a failed session stays failed */
	MS_CU_EQ_INT(ms_tls_read(s, buf, sizeof(buf), &n, &err), -1);
	MS_CU_EQ_INT(ms_tls_write(s, "x", 1, &err), -1);
	MS_CU_EQ_INT(ms_tls_push_cipher(s, "x", 1, &err), -1);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(cctx);
}

static void
test_tls_old_versions_refused(void)
{
	static const char *const v13[] = { "tls.min_version=1.3", NULL };
	struct ms_tls_ctx *s13 = NULL;
	struct ms_err err;

	refused(srv_ctx, TLS1_1_VERSION, TLS1_1_VERSION);
	refused(srv_ctx, TLS1_VERSION, TLS1_VERSION);
	/* tls.min_version=1.3 turns 1.2 away as well */
	MS_CU_OK(ms_tls_ctx_server(conf_for(srv_root, v13), &s13, &err));
	refused(s13, TLS1_2_VERSION, TLS1_2_VERSION);
	ms_tls_ctx_unref(s13);
}

static void
test_tls_garbage_is_an_error(void)
{
	static const char http[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	struct ms_tls_ctx *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char junk[4096], buf[64];
	uint32_t x = 777;
	size_t n, i, len;
	int round, rc;

	/* plain text to a TLS port */
	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	MS_CU_EQ_INT(ms_tls_push_cipher(s, http, sizeof(http) - 1, &err), -1);
	CU_ASSERT(err.internal[0] != '\0');
	MS_CU_EQ_INT(ms_tls_read(s, buf, sizeof(buf), &n, &err), -1);
	ms_tls_free(s);

	/* random bytes, some dressed up as a handshake record */
	for (round = 0; round < 300; round++) {
		x = x * 1103515245u + 12345u;
		len = 1 + (x >> 8) % sizeof(junk);
		for (i = 0; i < len; i++) {
			x = x * 1103515245u + 12345u;
			junk[i] = (unsigned char)(x >> 16);
		}
		if (round % 2 == 0 && len > 5) {
			junk[0] = 0x16;
			junk[1] = 0x03;
			junk[2] = (unsigned char)(round % 4);
			junk[3] = (unsigned char)((len - 5) >> 8);
			junk[4] = (unsigned char)(len - 5);
		}
		CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
		rc = ms_tls_push_cipher(s, junk, len, &err);
		if (rc == 0)
			rc = ms_tls_read(s, buf, sizeof(buf), &n, &err);
		/* never clear text out of junk */
		CU_ASSERT(rc <= 0);
		CU_ASSERT(!ms_tls_handshake_done(s));
		ms_tls_free(s);
	}

	/* junk after a good handshake */
	pair(srv_ctx, cctx, NULL, &s, &c);
	memset(junk, 0x17, 64);
	rc = ms_tls_push_cipher(c, junk, 64, &err);
	if (rc == 0)
		rc = ms_tls_read(c, buf, sizeof(buf), &n, &err);
	MS_CU_EQ_INT(rc, -1);
	CU_ASSERT(!ms_tls_closed(c));
	ms_tls_free(s);
	ms_tls_free(c);

	/* a peer that sends and never lets us read is cut off */
	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	{
		unsigned char *lots = ms_xcalloc(1, MS_TLS_IN_MAX + 1);

		MS_CU_EQ_INT(ms_tls_push_cipher(s, lots, MS_TLS_IN_MAX + 1,
						&err), -1);
		MS_CU_EQ_INT(err.cls, MS_E_LIMIT);
		ms_xfree(lots);
	}
	ms_tls_free(s);
	ms_tls_ctx_unref(cctx);
}

/* ---- certificates and configuration ------------------------------------ */

static void
test_tls_client_verify(void)
{
	struct ms_tls_ctx *vctx = NULL;
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char *pem;
	size_t len;
	BIO *b;
	X509 *x;
	int who;

	/* the system trust store does not know our self-signed certificate */
	MS_CU_OK(ms_tls_ctx_client(1, &vctx, &err));
	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(vctx, "localhost", &c, &err) == 0);
	MS_CU_EQ_INT(shuttle(s, c, 0, &who, &err), -1);
	MS_CU_EQ_INT(who, 'c');
	CU_ASSERT(strstr(err.internal, "certificate") != NULL);
	ms_tls_free(s);
	ms_tls_free(c);

	/* trusted (test only, through the handle): the name must match */
	pem = read_file(ms_psprintf(pool, "%s/tls/cert.pem", srv_root),
			&len);
	CU_ASSERT_FATAL(pem != NULL);
	b = BIO_new_mem_buf(pem, (int)len);
	x = PEM_read_bio_X509(b, NULL, NULL, NULL);
	BIO_free(b);
	ms_xfree(pem);
	CU_ASSERT_FATAL(x != NULL);
	CU_ASSERT_FATAL(X509_STORE_add_cert(SSL_CTX_get_cert_store(
		ms_tls_ctx_handle(vctx)), x) == 1);
	X509_free(x);

	pair(srv_ctx, vctx, "localhost", &s, &c);
	ms_tls_free(s);
	ms_tls_free(c);

	CU_ASSERT_FATAL(ms_tls_new(srv_ctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(vctx, "mail.example.org", &c, &err) == 0);
	MS_CU_EQ_INT(shuttle(s, c, 0, &who, &err), -1);
	MS_CU_EQ_INT(who, 'c');
	CU_ASSERT(strstr(err.internal, "hostname mismatch") != NULL);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(vctx);
}

/* ms_tls_ctx_server with these settings must fail MS_E_CONFIG with
   `want` in the internal text. */
static void
conf_fails(const char *cert, const char *key, const char *extra,
	   const char *want)
{
	const char *sets[4];
	struct ms_tls_ctx *ctx = NULL;
	struct ms_err err;
	int i = 0;

	sets[i++] = ms_psprintf(pool, "tls.cert=%s", cert);
	sets[i++] = ms_psprintf(pool, "tls.key=%s", key);
	if (extra != NULL)
		sets[i++] = extra;
	sets[i] = NULL;
	memset(&err, 0, sizeof(err));
	MS_CU_EQ_INT(ms_tls_ctx_server(conf_for(fresh("cf"), sets), &ctx,
				       &err), -1);
	CU_ASSERT(ctx == NULL);
	MS_CU_EQ_INT(err.cls, MS_E_CONFIG);
	if (strstr(err.internal, want) == NULL)
		fprintf(stderr, "\nwanted \"%s\" in \"%s\"\n", want,
			err.internal);
	CU_ASSERT(strstr(err.internal, want) != NULL);
}

static void
test_tls_config_files(void)
{
	const char *other = fresh("other");
	const char *cert = ms_psprintf(pool, "%s/tls/cert.pem", srv_root);
	const char *key = ms_psprintf(pool, "%s/tls/key.pem", srv_root);
	const char *okey = ms_psprintf(pool, "%s/tls/key.pem", other);
	const char *junk = ms_psprintf(pool, "%s/junk.pem", ms_cu_tmpdir);
	const char *both = ms_psprintf(pool, "%s/both.pem", ms_cu_tmpdir);
	const char *sets[3];
	struct ms_tls_ctx *ctx = NULL;
	struct ms_tls *s, *c;
	struct ms_tls_ctx *cctx;
	struct ms_err err;
	unsigned char *cp, *kp, *bp;
	size_t cn, kn;

	/* a second generated pair, for a key that does not match */
	MS_CU_OK(ms_tls_ctx_server(conf_for(other, NULL), &ctx, &err));
	ms_tls_ctx_unref(ctx);
	ctx = NULL;

	/* explicit files */
	sets[0] = ms_psprintf(pool, "tls.cert=%s", cert);
	sets[1] = ms_psprintf(pool, "tls.key=%s", key);
	sets[2] = NULL;
	MS_CU_OK(ms_tls_ctx_server(conf_for(fresh("explicit"), sets), &ctx,
				   &err));
	cctx = client_ctx();
	pair(ctx, cctx, NULL, &s, &c);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(ctx);

	/* certificate and key in one file, tls.key empty */
	cp = read_file(cert, &cn);
	kp = read_file(key, &kn);
	CU_ASSERT_FATAL(cp != NULL && kp != NULL);
	bp = ms_xmalloc(cn + kn);
	memcpy(bp, cp, cn);
	memcpy(bp + cn, kp, kn);
	write_file(both, bp, cn + kn);
	sets[0] = ms_psprintf(pool, "tls.cert=%s", both);
	sets[1] = NULL;
	MS_CU_OK(ms_tls_ctx_server(conf_for(fresh("both"), sets), &ctx,
				   &err));
	pair(ctx, cctx, NULL, &s, &c);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_ctx_unref(ctx);
	ms_tls_ctx_unref(cctx);
	ms_xfree(cp);
	ms_xfree(kp);
	ms_xfree(bp);

	write_file(junk, "not a PEM file\n", 15);
	conf_fails(ms_psprintf(pool, "%s/none.pem", ms_cu_tmpdir), key, NULL,
		   "none.pem");
	conf_fails(cert, ms_psprintf(pool, "%s/nokey.pem", ms_cu_tmpdir),
		   NULL, "nokey.pem");
	conf_fails(junk, key, NULL, "no certificate in");
	conf_fails(junk, key, NULL, "junk.pem");
	conf_fails(cert, junk, NULL, "no usable private key");
	conf_fails(cert, okey, NULL, "does not match");
	conf_fails(cert, ms_cu_tmpdir, NULL, "cannot read");
	conf_fails(cert, key, "tls.ciphers=NO-SUCH-CIPHER", "tls.ciphers");
	conf_fails("", key, NULL, "tls.key is set but tls.cert is not");
}

static void
test_tls_ctx_refcount(void)
{
	struct ms_tls_ctx *sctx = NULL, *cctx = client_ctx();
	struct ms_tls *s, *c;
	struct ms_err err;
	unsigned char buf[8];
	int who;

	MS_CU_OK(ms_tls_ctx_server(conf_for(srv_root, NULL), &sctx, &err));
	CU_ASSERT_FATAL(ms_tls_new(sctx, NULL, &s, &err) == 0);
	CU_ASSERT_FATAL(ms_tls_new(cctx, NULL, &c, &err) == 0);
	/* the owners let go (a reload); the sessions keep them alive */
	ms_tls_ctx_ref(sctx);
	ms_tls_ctx_unref(sctx);
	ms_tls_ctx_unref(sctx);
	ms_tls_ctx_unref(cctx);
	ms_tls_ctx_unref(NULL);
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	CU_ASSERT(ms_tls_handshake_done(s));
	MS_CU_OK(ms_tls_write(c, "ping", 4, &err));
	MS_CU_OK(shuttle(s, c, 0, &who, &err));
	MS_CU_EQ_INT(drain(s, buf, sizeof(buf), sizeof(buf)), 4);
	ms_tls_free(s);
	ms_tls_free(c);
	ms_tls_free(NULL);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_tls[] = {
	{ "test_tls_selfsigned_made_once", test_tls_selfsigned_made_once },
	{ "test_tls_selfsigned_contents", test_tls_selfsigned_contents },
	{ "test_tls_handshake_and_data", test_tls_handshake_and_data },
	{ "test_tls_one_mib_both_ways", test_tls_one_mib_both_ways },
	{ "test_tls_handshake_byte_by_byte", test_tls_handshake_byte_by_byte },
	{ "test_tls_pull_pointer_stable", test_tls_pull_pointer_stable },
	{ "test_tls_close_notify", test_tls_close_notify },
	{ "test_tls_old_versions_refused", test_tls_old_versions_refused },
	{ "test_tls_garbage_is_an_error", test_tls_garbage_is_an_error },
	{ "test_tls_client_verify", test_tls_client_verify },
	{ "test_tls_config_files", test_tls_config_files },
	{ "test_tls_ctx_refcount", test_tls_ctx_refcount },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_tls = {
	"tls",
	suite_init,
	suite_clean,
	ms_tests_tls
};
