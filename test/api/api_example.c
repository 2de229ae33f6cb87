/*
 * api_example.c -- a site utility written against the installed
 * libmsgstore: it includes only <msgstore.h>, links -lmsgstore, and
 * creates an account, delivers a message, lists the mailboxes and
 * checks the store.
 *
 * Build (after `make install PREFIX=/usr/local`):
 *     cc -std=c99 api_example.c -lmsgstore -lcrypto -lz -lpthread
 * Run:  ./a.out STORE_ROOT
 * `make check` builds and runs it against a staged install.
 */
#include <msgstore.h>

#include <stdio.h>
#include <string.h>

static int
fail(const char *what, const struct ms_api_err *err)
{
	fprintf(stderr, "api_example: %s: %s\n", what, err->msg);
	return ms_api_sysexit(err);
}

int
main(int argc, char **argv)
{
	static const char msg[] =
		"From: sender@example.org\r\n"
		"To: demo@example.com\r\n"
		"Subject: hello from the C API\r\n"
		"\r\n"
		"It works.\r\n";
	char root[1024];
	const char *sets[2];
	struct ms_api *api;
	struct ms_api_err err;
	struct ms_api_acct_new o;
	struct ms_api_msg m;
	struct ms_api_delivered d;
	struct ms_api_mbox *v;
	struct ms_api_repair sum;
	size_t n, i;

	if (argc != 2) {
		fprintf(stderr, "usage: api_example STORE_ROOT\n");
		return 64;
	}
	snprintf(root, sizeof(root), "store.root=%s", argv[1]);
	sets[0] = root;
	sets[1] = "auth.pbkdf2_iterations=1000";
	if (ms_api_open(NULL, sets, 2, MS_API_CREATE, &api, &err) < 0)
		return fail("open", &err);
	printf("%s\n", ms_version_build());

	ms_api_acct_new_init(&o);
	o.password = "correct horse battery staple";
	if (ms_api_acct_create(api, "demo@example.com", &o, &err) < 0)
		return fail("create", &err);

	memset(&m, 0, sizeof(m));
	m.data = msg;
	m.len = sizeof(msg) - 1;
	if (ms_api_deliver(api, "demo@example.com", &m, &d, &err) < 0)
		return fail("deliver", &err);
	printf("delivered UID %u to %s\n", (unsigned)d.uid, d.mailbox);

	if (ms_api_mbox_list(api, "demo@example.com", &v, &n, &err) < 0)
		return fail("list", &err);
	for (i = 0; i < n; i++)
		printf("%s: %u messages, %u unseen, %llu bytes\n", v[i].name,
		       (unsigned)v[i].messages, (unsigned)v[i].unseen,
		       (unsigned long long)v[i].size);
	ms_api_free(v);

	if (ms_api_check(api, NULL, &sum, &err) < 0)
		return fail("check", &err);
	printf("check: %llu accounts, %llu messages, %llu problems\n",
	       (unsigned long long)sum.accounts,
	       (unsigned long long)sum.messages,
	       (unsigned long long)sum.problems);
	ms_api_close(api);
	if (sum.problems != 0)
		return 1;
	return 0;
}
