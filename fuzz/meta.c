/*
 * distill — fuzz/meta.c: the item metadata readers (ML-100K u.item,
 * ML-1M movies.dat, csv with a header). Each input is the --items file of
 * a fixed small interaction log whose item ids are 1..64 and i01..i12, so
 * that records of the fixtures and their mutations match real items.
 *
 * Checked on success: every title is valid UTF-8 without control
 * characters, and an item has a label exactly when it has a title.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "fuzz.h"

size_t utf8_check(const char *s, size_t len);  /* load.h */

static char data_path[64];

/* The interaction log every input annotates (created once). */
static void make_log(void)
{
	char buf[4096];
	size_t n = 0;
	for (int i = 1; i <= 64; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "u%d\t%d\t%d\n",
		    i % 7, i, 1 + i % 5);
	for (int i = 1; i <= 12; i++)
		n += (size_t)snprintf(buf + n, sizeof buf - n, "u%d\ti%02d\t3\n",
		    i % 5, i);
	if (fuzz_memfd("fuzz-log", (const uint8_t *)buf, n, data_path,
	    sizeof data_path) < 0)
		abort();
}

/* Abort unless s is clean display text. */
static void check_text(const char *s)
{
	if (!s)
		return;
	size_t len = strlen(s);
	if (utf8_check(s, len) != len)
		abort();
	for (size_t k = 0; k < len; k++)
		if ((unsigned char)s[k] < 0x20 || s[k] == 0x7f)
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	struct dataset ds;
	struct err err;
	if (!data_path[0])
		make_log();
	int fd = fuzz_memfd("fuzz-items", data, size, path, sizeof path);
	if (fd < 0)
		return 0;
	struct load_opts o = { 0 };
	o.format = FMT_TSV;
	o.items_path = path;
	memset(&err, 0, sizeof err);
	if (dataset_load(&ds, data_path, &o, NULL, &err) == 0) {
		for (uint32_t i = 0; ds.title && i < ds.items.n; i++) {
			check_text(ds.title[i]);
			check_text(ds.genres[i]);
			check_text(ds.label[i]);
			if ((ds.title[i] == NULL) != (ds.label[i] == NULL))
				abort();
		}
		dataset_destroy(&ds);
	} else if (!strstr(err.msg, path)) {
		abort(); /* the error must name the metadata file */
	}
	close(fd);
	return 0;
}
