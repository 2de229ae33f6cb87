/*
 * fuzz_imap_fetch.c -- the FETCH attribute parser (ms_imap_fattr.c)
 * under hostile input.
 *
 * The input is the rest of a FETCH command line: "t FETCH 1 " is put in
 * front and CRLF after, the command parser builds the argument tree and
 * ms_imap_fattr_parse() runs on it.  A success must describe only valid
 * items (part numbers >= 1, a partial length >= 1, a field list exactly
 * for HEADER.FIELDS[.NOT], a response name for every item); a failure
 * must give a reason.  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_imap_parse.h"
#include "ms_imap_fattr.h"
#include "ms_pool.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

static void
check_req(const struct ms_fetch_req *req)
{
	size_t i, j;

	CHECK(req->n > 0 && req->items != NULL);
	for (i = 0; i < req->n; i++) {
		const struct ms_fattr *it = &req->items[i];
		int fields = it->text == MS_FA_T_FIELDS ||
		    it->text == MS_FA_T_FIELDS_NOT;

		CHECK(it->name != NULL && it->name[0] != '\0');
		CHECK((req->want & MS_FA_BIT(it->kind)) != 0);
		CHECK(it->npath <= MS_FATTR_PATH_MAX);
		for (j = 0; j < it->npath; j++)
			CHECK(it->path[j] >= 1);
		CHECK(!it->partial || it->p_len >= 1);
		CHECK(fields == (it->nfields > 0));
		for (j = 0; j < it->nfields; j++)
			CHECK(it->fields[j] != NULL &&
			      it->fields[j][0] != '\0');
		CHECK(it->text != MS_FA_T_MIME || it->npath > 0);
		if (it->kind == MS_FA_BINARY ||
		    it->kind == MS_FA_BINARY_SIZE)
			CHECK(it->text == MS_FA_T_ALL);
		if (it->kind == MS_FA_BINARY_SIZE)
			CHECK(!it->partial);
		if ((it->kind == MS_FA_SECTION || it->kind == MS_FA_BINARY) &&
		    !it->peek)
			CHECK(req->sets_seen);
	}
	CHECK(!req->has_changedsince ||
	      req->changedsince <= (uint64_t)9223372036854775807u);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char head[] = "t FETCH 1 ";
	struct ms_pool *pool = ms_pool_create("fuzz", 0);
	struct ms_imap_parser *p = ms_imap_parser_new(pool, NULL);
	unsigned char *buf = malloc(sizeof(head) + size + 2);
	size_t len, pos = 0, used;
	enum ms_imap_ev ev;

	CHECK(buf != NULL);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, data, size);
	len = sizeof(head) - 1 + size;
	buf[len++] = '\r';
	buf[len++] = '\n';
	while (pos < len) {
		ev = ms_imap_parser_feed(p, buf + pos, len - pos, &used);
		CHECK(used <= len - pos);
		pos += used;
		if (ev == MS_IMAP_EV_COMMAND) {
			const struct ms_imap_cmd *cmd = ms_imap_parser_cmd(p);
			struct ms_pool *fp = ms_pool_create("fattr", 0);
			struct ms_fetch_req req;
			const char *why = NULL;

			if (cmd->args != NULL &&
			    ms_imap_fattr_parse(fp, cmd->args->next, &req,
						&why) == 0)
				check_req(&req);
			else
				CHECK(cmd->args == NULL || why != NULL);
			ms_pool_destroy(&fp);
		} else if (ev == MS_IMAP_EV_MORE) {
			break;
		}
	}
	ms_imap_parser_free(&p);
	ms_pool_destroy(&pool);
	free(buf);
	return 0;
}
