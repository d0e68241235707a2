/*
 * distill — fuzz/fuzz-util.c: memfd and file helpers for the fuzz
 * targets (see fuzz.h).
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"

/* Write all of data to fd; 0 or -1. */
static int write_all(int fd, const uint8_t *data, size_t size)
{
	while (size > 0) {
		ssize_t w = write(fd, data, size);
		if (w <= 0)
			return -1;
		data += w;
		size -= (size_t)w;
	}
	return 0;
}

int fuzz_memfd(const char *name, const uint8_t *data, size_t size,
    char *path, size_t pathsize)
{
	int fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	if (write_all(fd, data, size) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, pathsize, "/proc/self/fd/%d", fd);
	return fd;
}

int fuzz_write_file(const char *path, const uint8_t *data, size_t size)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write_all(fd, data, size);
	close(fd);
	return rc;
}

void fuzz_copy(const char *from, const char *to)
{
	char buf[65536];
	FILE *in = fopen(from, "rb"), *out = fopen(to, "wb");
	if (!in || !out) {
		fprintf(stderr, "fuzz: cannot copy %s to %s\n", from, to);
		abort();
	}
	size_t n;
	while ((n = fread(buf, 1, sizeof buf, in)) > 0)
		fwrite(buf, 1, n, out);
	fclose(in);
	if (fclose(out) != 0)
		abort();
}
