/*
 * fuzz_smap.c -- the socketmap netstring parser (ms_smap_netstring): any
 * input, fed whole and a byte at a time, gives the same requests, and a
 * complete netstring's payload lies inside the input.
 */
#include "ms_sys.h"
#include "ms_smap.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Parse requests from p until an error or more is needed: how many bytes
   complete netstrings took, and their payload lengths summed. */
static size_t
parse_all(const unsigned char *p, size_t n, size_t *sum_r, int *err_r)
{
	const unsigned char *pl;
	size_t used = 0, len, k;
	int r;

	*sum_r = 0;
	*err_r = 0;
	while (used < n) {
		r = ms_smap_netstring(p + used, n - used, &pl, &len, &k);
		if (r <= 0) {
			*err_r = r < 0;
			break;
		}
		if (pl < p + used || pl + len > p + n || k == 0 ||
		    len > MS_SMAP_MAX || k > n - used)
			abort();
		*sum_r += len;
		used += k;
	}
	return used;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t used, sum, used1, sum1, i;
	int err, err1;

	used = parse_all(data, size, &sum, &err);
	/* growing the input a byte at a time reaches the same point */
	used1 = sum1 = 0;
	err1 = 0;
	for (i = 0; i <= size; i++) {
		used1 = parse_all(data, i, &sum1, &err1);
		if (err1)
			break;
	}
	if (err != err1 || (!err && (used != used1 || sum != sum1)))
		abort();
	return 0;
}
