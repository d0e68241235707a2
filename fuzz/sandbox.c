/*
 * distill — fuzz/sandbox.c: keeps the command fuzzers from touching the
 * machine. The ui and engine objects are linked with -Wl,--wrap=open etc.
 * (see run.sh), so their file calls come here first: writes are allowed
 * only inside the sandbox directory (the fuzzer's working directory),
 * reads of devices, fifos, /proc and /sys are refused with EACCES, like a
 * file the user may not read. Only while active (around the commands of
 * one input), so libFuzzer's own corpus and artifact files are not held.
 * Everything else goes to libc unchanged.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sandbox.h"

FILE *__real_fopen(const char *path, const char *mode);
int __real_open(const char *path, int flags, ...);
int __real_rename(const char *from, const char *to);
int __real_unlink(const char *path);
int __real_remove(const char *path);
int __real_mkstemp(char *tmpl);
int __real_mkostemp(char *tmpl, int flags);

static char root[4096];
static size_t rootlen;
static bool active;

void sandbox_enter(const char *dir)
{
	snprintf(root, sizeof root, "%s", dir);
	rootlen = strlen(root);
}

void sandbox_active(bool on)
{
	active = on && rootlen;
}

/* Writable: a plain name in the working directory, or a path below the
 * sandbox root, never with a ".." component; and libFuzzer's artifacts
 * (fuzz/run.sh's -artifact_prefix), which a crash on another thread
 * writes while the sandbox is still active. */
static bool write_ok(const char *p)
{
	if (!active)
		return true;
	if (strstr(p, ".."))
		return false;
	if (p[0] != '/')
		return strchr(p, '/') == NULL;
	if (strstr(p, "/fuzz/build/artifacts/") != NULL)
		return true;
	return strncmp(p, root, rootlen) == 0 && p[rootlen] == '/';
}

/* Readable: not a device, fifo or socket, nothing under /dev, /proc, /sys. */
static bool read_ok(const char *p)
{
	struct stat st;
	if (!active)
		return true;
	if (!strncmp(p, "/dev", 4) || !strncmp(p, "/proc", 5) ||
	    !strncmp(p, "/sys", 4))
		return false;
	if (stat(p, &st) != 0)
		return true;
	return S_ISREG(st.st_mode) || S_ISDIR(st.st_mode);
}

static bool allowed(const char *p, bool write)
{
	if (!(write ? write_ok(p) : read_ok(p))) {
		errno = EACCES;
		return false;
	}
	return true;
}

FILE *__wrap_fopen(const char *path, const char *mode)
{
	bool w = strpbrk(mode, "wa+") != NULL;
	return allowed(path, w) ? __real_fopen(path, mode) : NULL;
}

int __wrap_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	if (flags & (O_CREAT | O_TMPFILE)) {
		va_list ap;
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	bool w = (flags & O_ACCMODE) != O_RDONLY || (flags & O_CREAT);
	return allowed(path, w) ? __real_open(path, flags, mode) : -1;
}

int __wrap_rename(const char *from, const char *to)
{
	if (!allowed(from, true) || !allowed(to, true))
		return -1;
	return __real_rename(from, to);
}

int __wrap_unlink(const char *path)
{
	return allowed(path, true) ? __real_unlink(path) : -1;
}

int __wrap_remove(const char *path)
{
	return allowed(path, true) ? __real_remove(path) : -1;
}

int __wrap_mkstemp(char *tmpl)
{
	return allowed(tmpl, true) ? __real_mkstemp(tmpl) : -1;
}

int __wrap_mkostemp(char *tmpl, int flags)
{
	return allowed(tmpl, true) ? __real_mkostemp(tmpl, flags) : -1;
}
