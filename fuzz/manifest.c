/*
 * distill — fuzz/manifest.c: `load DIR` (src/import.c) with a fuzzed
 * manifest.json beside the valid files of tests/fixtures/import/tiny. The
 * part-files are checked against the manifest's sizes and CRC-32s, so a
 * mutated part would stop at the door; the manifest is where a hostile
 * directory can say anything (counts, rows, parameters, names).
 *
 * Checked on success: the import is consistent with what was read (S has
 * a row per item, every column in range, rows in (s desc, j asc) order).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "pipeline.h"

static char dir[64];

static void make_dir(void)
{
	static const char *const files[] = { "items.tsv",
		"neighbours-0000.tsv", "train.tsv" };
	snprintf(dir, sizeof dir, "/tmp/fuzz-manifest-XXXXXX");
	if (!mkdtemp(dir))
		abort();
	for (size_t k = 0; k < 3; k++) {
		char from[512], to[128];
		snprintf(from, sizeof from, "%s/tests/fixtures/import/tiny/%s",
		    FUZZ_SRCDIR, files[k]);
		snprintf(to, sizeof to, "%s/%s", dir, files[k]);
		fuzz_copy(from, to);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!dir[0])
		make_dir();
	char path[128];
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	if (fuzz_write_file(path, data, size) < 0)
		abort();
	struct pipeline pl;
	struct err err;
	pipeline_init(&pl);
	err_clear(&err);
	if (pipeline_load(&pl, dir, NULL, &err) == 0) {
		const struct csr *S = &pl.imp->S;
		if (S->nrows != pl.ds->items.n || S->ptr[S->nrows] != S->nnz)
			abort();
		for (uint32_t i = 0; i < S->nrows; i++)
			for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++) {
				if (S->idx[e] >= S->ncols || S->idx[e] == i)
					abort();
				if (e > S->ptr[i] && (S->val[e - 1] < S->val[e] ||
				    (S->val[e - 1] == S->val[e] &&
				    S->idx[e - 1] >= S->idx[e])))
					abort();
			}
		/* the pipeline runs on what was imported */
		pipeline_run(&pl, STAGE_RECOMMEND, &err);
	}
	pipeline_destroy(&pl);
	return 0;
}
