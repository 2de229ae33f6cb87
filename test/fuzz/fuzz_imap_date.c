/*
 * fuzz_imap_date.c -- invariants of the IMAP date helpers.
 *
 * For any input (cut at its first NUL): parsing never reads past the
 * string, and a date-time that parses formats back (in the server's
 * offset) to a string that parses to the same instant, is exactly
 * MS_IMAP_DATE_SIZE - 1 characters long, and has the fixed shape.  A
 * SEARCH date gives a whole UTC day.  Any violation aborts.
 */
#include "ms_sys.h"
#include "ms_imap_int.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond) do { if (!(cond)) abort(); } while (0)

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s, buf[MS_IMAP_DATE_SIZE];
	int64_t t, t2;

	if (size > 256)
		return 0;
	s = malloc(size + 1);
	if (s == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (ms_imap_date_parse(s, 1, &t) == 0) {
		ms_imap_date_format(t, buf, sizeof(buf));
		CHECK(strlen(buf) == MS_IMAP_DATE_SIZE - 1);
		CHECK(buf[2] == '-' && buf[6] == '-' && buf[11] == ' ' &&
		      buf[20] == ' ');
		CHECK(ms_imap_date_parse(buf, 1, &t2) == 0 && t2 == t);
	}
	if (ms_imap_date_parse(s, 0, &t) == 0)
		CHECK(t % 86400 == 0);
	free(s);
	return 0;
}
