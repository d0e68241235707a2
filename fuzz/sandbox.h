/*
 * distill — fuzz/sandbox.h: confine the command fuzzers' file writes to
 * one directory (sandbox.c; needs the --wrap link flags of run.sh).
 */
#ifndef DISTILL_FUZZ_SANDBOX_H
#define DISTILL_FUZZ_SANDBOX_H

#include <stdbool.h>

/* The sandbox directory (absolute, no trailing '/'). */
void sandbox_enter(const char *dir);
/* While on, writes outside the directory fail with EACCES. */
void sandbox_active(bool on);

#endif
