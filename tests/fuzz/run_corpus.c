/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A libFuzzer harness without libFuzzer: runs LLVMFuzzerTestOneInput() once
 * on every file named on the command line, a directory standing for its
 * regular files in name order. The seed corpora thus run in the ordinary
 * test suite, with any compiler and under whatever sanitizers the build
 * uses.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Weak: a harness need not have one. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* @return 0, or -1 if the file could not be read. */
static int
run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	long size;
	int rc = -1;

	if (f == NULL)
		goto out;
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0)
		goto out;
	/* Exactly the input's size, so that ASan sees a read past its end. */
	data = malloc(size > 0 ? (size_t)size : 1);
	if (data == NULL || fread(data, 1, (size_t)size, f) != (size_t)size)
		goto out;
	LLVMFuzzerTestOneInput(data, (size_t)size);
	rc = 0;
out:
	if (rc != 0)
		fprintf(stderr, "%s: cannot read\n", path);
	free(data);
	if (f != NULL)
		fclose(f);
	return rc;
}

static int
only_files(const struct dirent *d)
{
	return d->d_name[0] != '.';
}

/* @return inputs run, or -1 on an unreadable path. */
static long
run_path(const char *path)
{
	struct dirent **names;
	struct stat st;
	long n = 0;
	int k;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return run_file(path) == 0 ? 1 : -1;
	k = scandir(path, &names, only_files, alphasort);
	if (k < 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	for (int i = 0; i < k; i++) {
		char file[4096];
		struct stat fst;

		snprintf(file, sizeof(file), "%s/%s", path, names[i]->d_name);
		if (n >= 0 && stat(file, &fst) == 0 && S_ISREG(fst.st_mode))
			n = run_file(file) == 0 ? n + 1 : -1;
		free(names[i]);
	}
	free(names);
	return n;
}

int
main(int argc, char **argv)
{
	long total = 0;

	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	if (LLVMFuzzerInitialize != NULL)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		long n = run_path(argv[i]);

		if (n < 0)
			return 1;
		total += n;
	}
	printf("%ld inputs run\n", total);
	/* An empty corpus is a broken test, not a pass. */
	return total > 0 ? 0 : 1;
}
