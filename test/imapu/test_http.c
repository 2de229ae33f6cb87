/*
 * test_http.c -- the HTTP service's session in-process through the fake
 * connection, for what the live tests (test/proto/test_rest.py) cannot
 * see: wrong credentials answered only after the failure delay with
 * input paused (a pipelined request behind them waits), plain HTTP from
 * another host refused unless http.allow_remote, a request fed one byte
 * at a time and a body split across reads, pipelined answers stopping
 * at the output high-water mark, and a password changed through the
 * connection no longer passing on it.
 */
#include "ms_sys.h"
#include "ms_cu.h"
#include "ms_fake_conn.h"
#include "ms_conn.h"
#include "ms_acct.h"
#include "ms_b64.h"
#include "ms_buf.h"
#include "ms_err.h"
#include "ms_log.h"
#include "ms_mem.h"

#include <stdio.h>
#include <string.h>

static struct ms_fake_env *env;         /* delay 1s */
static struct ms_fake_env *envr;        /* no delay; allow_remote */

static int
suite_init(void)
{
	static const char *const delay[] = { "auth.fail_delay=1s", NULL };
	static const char *const remote[] = {
		"auth.fail_delay=0s", "http.allow_remote=yes", NULL
	};

	ms_log_set_level(MS_LVL_ERROR);
	env = ms_fake_env_new(delay);
	envr = ms_fake_env_new(remote);
	return env == NULL || envr == NULL;
}

static int
suite_clean(void)
{
	ms_fake_env_free(env);
	ms_fake_env_free(envr);
	return 0;
}

#define STARTS(out, s) CU_ASSERT(strncmp((out), (s), strlen(s)) == 0)

/* "GET path" with Basic credentials name:pw (NULL: none); static. */
static const char *
get(const char *path, const char *name, const char *pw)
{
	static char req[1024];
	char cred[200];
	struct ms_buf b;

	ms_buf_init(&b, NULL, 0);
	if (name != NULL) {
		(void)snprintf(cred, sizeof(cred), "%s:%s", name, pw);
		(void)ms_b64_encode(&b, (const unsigned char *)cred,
				    strlen(cred), 0);
	}
	(void)snprintf(req, sizeof(req), "GET %s HTTP/1.1\r\nHost: t\r\n"
		       "%s%s%s\r\n", path, name != NULL ?
		       "Authorization: Basic " : "", name != NULL ?
		       ms_buf_cstr(&b) : "", name != NULL ? "\r\n" : "");
	ms_buf_free(&b);
	return req;
}

/* How many responses out holds. */
static unsigned
responses(const char *out)
{
	unsigned n = 0;

	while ((out = strstr(out, "HTTP/1.1 ")) != NULL) {
		n++;
		out++;
	}
	return n;
}

/* Wrong credentials: nothing until the delay's tick, the request behind
   them waits, then 401 and the next answer. */
static void
test_http_fail_delay(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_http);
	char two[2048];

	CU_ASSERT_FATAL(fc != NULL);
	(void)snprintf(two, sizeof(two), "%s", get("/api/v1/whoami",
		       "alice@localhost", "wrong"));
	strncat(two, get("/api/v1/whoami", "alice@localhost", "alice-pw-1"),
		sizeof(two) - strlen(two) - 1);
	ms_fake_send(fc, two);
	MS_CU_EQ_STR(ms_fake_take(fc), "");
	MS_CU_EQ_INT(ms_fake_timer(fc), 1000);
	ms_fake_tick(fc);
	{
		const char *out = ms_fake_take(fc);

		STARTS(out, "HTTP/1.1 401 Unauthorized\r\n");
		CU_ASSERT(strstr(out, "HTTP/1.1 200 OK\r\n") != NULL);
		CU_ASSERT(strstr(out, "\"account\":\"alice@localhost\"") !=
			  NULL);
	}
	CU_ASSERT(!ms_fake_closed(fc));
	ms_fake_free(fc);
}

/* Plain HTTP from another host: 403 and closed, before credentials are
   looked at; allowed with http.allow_remote. */
static void
test_http_remote(void)
{
	struct ms_fake_conn *fc = ms_fake_open(env, &ms_proto_http);

	ms_fake_set_local(fc, 0);
	ms_fake_send(fc, get("/api/v1/whoami", "alice@localhost",
			     "alice-pw-1"));
	STARTS(ms_fake_take(fc), "HTTP/1.1 403 Forbidden\r\n");
	CU_ASSERT(ms_fake_closed(fc));
	ms_fake_free(fc);

	fc = ms_fake_open(envr, &ms_proto_http);
	ms_fake_set_local(fc, 0);
	ms_fake_send(fc, get("/api/v1/whoami", "alice@localhost",
			     "alice-pw-1"));
	STARTS(ms_fake_take(fc), "HTTP/1.1 200 OK\r\n");
	ms_fake_free(fc);
}

/* A head one byte at a time, a body in two pieces. */
static void
test_http_pieces(void)
{
	struct ms_fake_conn *fc = ms_fake_open(envr, &ms_proto_http);
	const char *req = get("/api/v1/accounts/alice@localhost/password",
			      "alice@localhost", "alice-pw-1");
	char head[1024];
	const char *body = "{\"password\": \"a fresh one 77\"}";
	size_t i, n;

	/* the same head as PUT with a body */
	(void)snprintf(head, sizeof(head), "PUT%s", req + 3);
	n = strlen(head) - 2;
	(void)snprintf(head + n, sizeof(head) - n, "Content-Type: "
		       "application/json\r\nContent-Length: %lu\r\n\r\n",
		       (unsigned long)strlen(body));
	for (i = 0; head[i] != '\0'; i++) {
		ms_fake_send_n(fc, head + i, 1);
		if (head[i + 1] != '\0')
			MS_CU_EQ_STR(ms_fake_take(fc), "");
	}
	ms_fake_send_n(fc, body, 5);
	MS_CU_EQ_STR(ms_fake_take(fc), "");
	ms_fake_send(fc, body + 5);
	STARTS(ms_fake_take(fc), "HTTP/1.1 204 No Content\r\n");
	/* the old password no longer passes on this connection */
	ms_fake_send(fc, get("/api/v1/whoami", "alice@localhost",
			     "alice-pw-1"));
	STARTS(ms_fake_take(fc), "HTTP/1.1 401 ");
	ms_fake_send(fc, get("/api/v1/whoami", "alice@localhost",
			     "a fresh one 77"));
	STARTS(ms_fake_take(fc), "HTTP/1.1 200 ");
	ms_fake_free(fc);
	{
		struct ms_acct *a;
		struct ms_err err;

		MS_CU_OK(ms_acct_open(ms_fake_env_svc(envr)->store,
				      "alice@localhost", &a, &err));
		MS_CU_OK(ms_acct_set_password(a, "alice-pw-1", &err));
		ms_acct_close(a);
	}
}

/* Many pipelined requests whose answers are not read: the session stops
   at the high-water mark and goes on from drained(); every one is
   answered, in order. */
static void
test_http_pipeline_backpressure(void)
{
	struct ms_fake_conn *fc = ms_fake_open(envr, &ms_proto_http);
	const char *one = get("/api/v1/whoami", "bob@localhost", "bob-pw-22");
	size_t len = strlen(one), i, count = 3000;
	char *all = ms_xmalloc(len * count + 1);

	for (i = 0; i < count; i++)
		memcpy(all + i * len, one, len);
	all[len * count] = '\0';
	ms_fake_set_outq(fc, 1);
	for (i = 0; i < count; i += 100)
		ms_fake_send_n(fc, all + i * len, 100 * len);
	MS_CU_EQ_INT(responses(ms_fake_take(fc)), count);
	CU_ASSERT(ms_fake_drains(fc) > 0);
	CU_ASSERT(!ms_fake_closed(fc));
	ms_xfree(all);
	ms_fake_free(fc);
}

/* ---- generated by tools/gen_suites.py; do not edit below ---- */
static CU_TestInfo ms_tests_http[] = {
	{ "test_http_fail_delay", test_http_fail_delay },
	{ "test_http_remote", test_http_remote },
	{ "test_http_pieces", test_http_pieces },
	{ "test_http_pipeline_backpressure", test_http_pipeline_backpressure },
	CU_TEST_INFO_NULL
};
const struct ms_cu_suite ms_suite_http = {
	"http",
	suite_init,
	suite_clean,
	ms_tests_http
};
