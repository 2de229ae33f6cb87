/*
 * run_fuzz.c -- a plain driver for the libFuzzer targets, so any compiler
 * can replay the checked-in corpora (make fuzz-replay) and AFL can run a
 * target from stdin.
 *
 * Usage: fuzz_NAME [FILE|DIR]...   (no argument: read one input on stdin)
 * Directories are read through the platform layer's listing.
 */
#include "ms_sys.h"
#include "ms_plat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_MAX_INPUT ((size_t)16 << 20)

static unsigned long n_inputs;

static int
run_path(const char *path)
{
	char *data;
	size_t len;
	struct ms_perr err;

	if (ms_plat_read_path(path, FUZZ_MAX_INPUT, &data, &len, &err) < 0) {
		fprintf(stderr, "%s: %s\n", path, err.what);
		return -1;
	}
	(void)LLVMFuzzerTestOneInput((const uint8_t *)data, len);
	free(data);
	n_inputs++;
	return 0;
}

struct dir_walk { const char *path; int failed; };

static int
run_entry(void *vctx, const char *name, enum ms_pent_kind kind)
{
	struct dir_walk *w = vctx;
	char path[1024];

	if (kind != MS_PENT_FILE)
		return 0;
	snprintf(path, sizeof(path), "%s/%s", w->path, name);
	if (run_path(path) < 0)
		w->failed = 1;
	return 0;
}

static int
run_dir(const char *path)
{
	struct ms_pfs *fs;
	struct ms_pdir *dir;
	struct dir_walk w;

	if (ms_pfs_open(NULL, path, 0, &fs, NULL) < 0)
		return run_path(path);
	w.path = path;
	w.failed = 0;
	if (ms_pdir_open(fs, "", 0, &dir, NULL) == 0) {
		(void)ms_pdir_list(dir, run_entry, &w, NULL);
		ms_pdir_close(dir);
	}
	ms_pfs_close(fs);
	return w.failed ? -1 : 0;
}

static int
run_stdin(void)
{
	size_t cap = 65536, len = 0, n;
	char *buf = malloc(cap);

	if (buf == NULL)
		return -1;
	while ((n = fread(buf + len, 1, cap - len, stdin)) > 0) {
		len += n;
		if (len == cap) {
			char *nb;
			if (cap >= FUZZ_MAX_INPUT)
				break;
			nb = realloc(buf, cap * 2);
			if (nb == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
	}
	(void)LLVMFuzzerTestOneInput((const uint8_t *)buf, len);
	free(buf);
	n_inputs++;
	return 0;
}

int
main(int argc, char **argv)
{
	int i, failed = 0;

	if (ms_plat_init(NULL) < 0)
		return 1;
	if (argc < 2)
		return run_stdin() < 0;
	for (i = 1; i < argc; i++)
		if (run_dir(argv[i]) < 0)
			failed = 1;
	printf("%s: %lu inputs replayed\n", argv[0], n_inputs);
	return failed;
}
