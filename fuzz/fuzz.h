/*
 * distill — fuzz/fuzz.h: helpers shared by the libFuzzer targets. The
 * loader reads only from a path, so each input is written to a memfd and
 * handed over as /proc/self/fd/N (no disk traffic, no leftovers).
 *
 * Built by fuzz/run.sh with clang -fsanitize=fuzzer,address,undefined;
 * never part of the autotools build.
 */
#ifndef DISTILL_FUZZ_H
#define DISTILL_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A memfd holding data[0..size); its path goes to *path (size >= 32).
 * Returns the fd (close it after use), or -1. */
int fuzz_memfd(const char *name, const uint8_t *data, size_t size,
    char *path, size_t pathsize);

/* Write data to a regular file at path (truncating); 0 or -1. */
int fuzz_write_file(const char *path, const uint8_t *data, size_t size);

/* Copy the file `from` to `to` (a fixture into a target's private
 * directory); aborts, naming both, when it cannot. */
void fuzz_copy(const char *from, const char *to);

#endif
