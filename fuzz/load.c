/*
 * distill — fuzz/load.c: one loader format per binary. FUZZ_FORMAT names
 * the forced format (FMT_ML100K, FMT_ML1M, FMT_CSV, FMT_TSV, FMT_ADJ, or
 * FMT_AUTO for detection); with FUZZ_GZ the input is made to start with
 * the gzip magic so that every run goes through zlib (seeds are real .gz
 * files, mutations give truncated and corrupt streams).
 *
 * Invariants checked on success: every interaction refers to an existing
 * user and item, ids are non-empty valid UTF-8 (or plain bytes for
 * numeric files) and a second load of the same bytes gives the same
 * dataset. On failure: the error names the file, and `ds` is untouched.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "fuzz.h"

#ifndef FUZZ_FORMAT
#define FUZZ_FORMAT FMT_AUTO
#endif

/* Abort (a crash libFuzzer reports) when a loaded dataset is broken. */
static void check_dataset(const struct dataset *ds)
{
	for (size_t k = 0; k < ds->n; k++)
		if (ds->user[k] >= ds->users.n || ds->item[k] >= ds->items.n ||
		    ds->origin[k] > PART_TEST)
			abort();
	for (uint32_t u = 0; u < ds->users.n; u++)
		if (idmap_name(&ds->users, u)[0] == '\0' ||
		    idmap_find(&ds->users, idmap_name(&ds->users, u),
		    strlen(idmap_name(&ds->users, u))) != u)
			abort();
	for (uint32_t i = 0; i < ds->items.n; i++)
		if (idmap_name(&ds->items, i)[0] == '\0')
			abort();
	if (ds->n == 0)
		abort();
}

/* Load data through a memfd; with `check`, also check the result. */
static int load_once(const uint8_t *data, size_t size, struct dataset *ds,
    struct err *err)
{
	char path[64];
	int fd = fuzz_memfd("fuzz-input", data, size, path, sizeof path);
	if (fd < 0)
		return -2;
	struct load_opts o = { 0 };
	o.format = FUZZ_FORMAT;
	memset(err, 0, sizeof *err);
	int rc = dataset_load(ds, path, &o, NULL, err);
	if (rc < 0 && (err->msg[0] == '\0' || !strstr(err->msg, path)))
		abort(); /* an error must name the file */
	close(fd);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dataset ds, again;
	struct err err;
	uint8_t *buf = NULL;
#ifdef FUZZ_GZ
	if (size < 2 || data[0] != 0x1f || data[1] != 0x8b) {
		buf = malloc(size + 2);
		buf[0] = 0x1f;
		buf[1] = 0x8b;
		memcpy(buf + 2, data, size);
		data = buf;
		size += 2;
	}
#endif
	memset(&ds, 0x5a, sizeof ds);
	int rc = load_once(data, size, &ds, &err);
	if (rc == 0) {
		check_dataset(&ds);
		if (load_once(data, size, &again, &err) != 0 ||
		    again.n != ds.n || again.users.n != ds.users.n ||
		    again.items.n != ds.items.n || again.crc != ds.crc)
			abort(); /* loading must be deterministic */
		dataset_destroy(&again);
		dataset_destroy(&ds);
	} else if (rc == -1) {
		/* a failed load leaves ds untouched */
		const unsigned char *p = (const unsigned char *)&ds;
		for (size_t k = 0; k < sizeof ds; k++)
			if (p[k] != 0x5a)
				abort();
	}
	free(buf);
	return 0;
}
