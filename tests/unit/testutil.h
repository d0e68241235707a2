/*
 * distill — testutil.h: helpers shared by the Criterion unit tests.
 */
#ifndef DISTILL_TESTUTIL_H
#define DISTILL_TESTUTIL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Path of a file under ../shared/data, or NULL (and a message) when the
 * shared data is absent, so the test can skip. */
static inline const char *shared_data(const char *rel, char *buf,
    size_t size)
{
	const char *dir = getenv("DISTILL_DATA");
	snprintf(buf, size, "%s/%s", dir ? dir : FIXTURES "/../../../shared/data",
	    rel);
	if (access(buf, R_OK) != 0) {
		fprintf(stderr, "skipping: %s not found (set DISTILL_DATA)\n",
		    buf);
		return NULL;
	}
	return buf;
}

#endif
