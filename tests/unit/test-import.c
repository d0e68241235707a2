/*
 * distill — unit tests of `load DIR` (src/import.c) on a hand-made job
 * output, tests/fixtures/import/tiny (no Dask needed):
 *
 *   items.tsv   a 4, b 2, c 1, d 1     (popularity of all users: E = 8;
 *                                       the sample's own degrees differ:
 *                                       a 3, b 2, c 2, d 1)
 *   neighbours  row a: b .5, c .25, d .25 (a tie at the 2nd score, listed
 *               out of order), row b: a .5, c .75, row c: a .125, d: a 1
 *   params      p3, topk 2, threshold 0, split none
 *   train.tsv   u1 a b c, u2 a b d, u3 a c
 *
 * Worked by hand: distill's tie rule (s desc, then index) keeps a→b, a→c
 * and drops a→d; row b sorts to c .75, a .5; S has 6 edges. I(j) =
 * −log2(pop/8): a 1, b 2, c 3, d 3 bits (from the imported popularity,
 * not the sample's, which would give a 1.415). topk 1 keeps each row's
 * first; threshold .3 keeps a→b, b→c, b→a, d→a; topk 3 and a metric
 * change are refused with the job's command.
 */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "pipeline.h"
#include "testutil.h"

#define TINY FIXTURES "/import/tiny"

static struct pipeline pl;
static struct err err;

static void init(void)
{
	pipeline_init(&pl);
	err_clear(&err);
}

static void fini(void)
{
	pipeline_destroy(&pl);
}

TestSuite(import, .init = init, .fini = fini);

static uint32_t item(const char *id)
{
	int64_t i = pipeline_item(&pl, id, &err);
	cr_assert_geq(i, 0, "%s", err.msg);
	return (uint32_t)i;
}

/* Row `from` of S as "j:s j:s". */
static void row(const char *from, char *buf, size_t size)
{
	const struct csr *S = &pl.abs.S;
	uint32_t i = item(from);
	size_t n = 0;
	buf[0] = 0;
	for (uint64_t e = S->ptr[i]; e < S->ptr[i + 1]; e++)
		n += (size_t)snprintf(buf + n, size - n, "%s%s:%g",
		    n ? " " : "", idmap_name(&pl.ds->items, S->idx[e]),
		    S->val[e]);
}

static void run(void)
{
	cr_assert_eq(pipeline_run(&pl, STAGE_RECOMMEND, &err), 0, "%s",
	    err.msg);
}

Test(import, lists_tie_rule_and_popularity)
{
	char r[128];
	cr_assert_eq(pipeline_load(&pl, TINY, NULL, &err), 0, "%s", err.msg);
	cr_assert_not_null(pl.imp);
	cr_assert_eq(pl.ds->users.n, 3);
	cr_assert_eq(pl.ds->items.n, 4);
	/* items in the job's order */
	cr_assert_str_eq(idmap_name(&pl.ds->items, 0), "a");
	cr_assert_str_eq(idmap_name(&pl.ds->items, 3), "d");
	run();
	cr_assert_eq(pl.abs.S.nnz, 6);
	row("a", r, sizeof r);
	cr_assert_str_eq(r, "b:0.5 c:0.25");
	row("b", r, sizeof r);
	cr_assert_str_eq(r, "c:0.75 a:0.5");
	row("c", r, sizeof r);
	cr_assert_str_eq(r, "a:0.125");
	row("d", r, sizeof r);
	cr_assert_str_eq(r, "a:1");
	cr_assert_eq(pl.abs.st.candidate_pairs, 10);
	/* the information weight reads the imported popularity */
	cr_assert_float_eq(pl.dist.info[item("a")], 1.0, 1e-6);
	cr_assert_float_eq(pl.dist.info[item("b")], 2.0, 1e-6);
	cr_assert_float_eq(pl.dist.info[item("c")], 3.0, 1e-6);
	cr_assert_float_eq(pl.dist.info[item("d")], 3.0, 1e-6);
}

Test(import, tighter_is_live_other_changes_refused)
{
	char r[128];
	cr_assert_eq(pipeline_load(&pl, TINY, NULL, &err), 0, "%s", err.msg);
	run();
	cr_assert_eq(pipeline_set(&pl, "abstract.topk", "1", &err), 0, "%s",
	    err.msg);
	run();
	row("b", r, sizeof r);
	cr_assert_str_eq(r, "c:0.75");
	cr_assert_eq(pl.abs.S.nnz, 4);
	cr_assert_eq(pipeline_set(&pl, "abstract.topk", "2", &err), 0);
	cr_assert_eq(pipeline_set(&pl, "abstract.threshold", "0.3", &err), 0);
	run();
	row("a", r, sizeof r);
	cr_assert_str_eq(r, "b:0.5");
	row("c", r, sizeof r);
	cr_assert_str_eq(r, "");
	cr_assert_eq(pl.abs.S.nnz, 4);

	/* looser than the job, or another kernel: refused, unchanged */
	struct params before = pl.params;
	cr_assert_eq(pipeline_set(&pl, "abstract.topk", "3", &err), -1);
	cr_assert_eq(err.code, ERR_INVAL);
	cr_assert(strstr(err.msg, "cluster/distill-abstract tiny.distill "
	    "tiny --set abstract.topk=3"), "%s", err.msg);
	cr_assert_eq(pipeline_set(&pl, "abstract.threshold", "0", &err), 0);
	cr_assert_eq(pipeline_set(&pl, "abstract.metric", "cosine", &err), -1);
	cr_assert(strstr(err.msg, "--set abstract.metric=cosine"), "%s",
	    err.msg);
	cr_assert_eq(pipeline_set(&pl, "graph.min_rating", "2", &err), -1);
	cr_assert_eq(pipeline_set(&pl, "split.method", "hash", &err), -1);
	/* the community parameters are insight: free */
	cr_assert_eq(pipeline_set(&pl, "abstract.resolution", "2", &err), 0);
	/* the same through set_all (undo, the TUI) */
	struct params np = pl.params;
	cr_assert_eq(params_set(&np, "abstract.alpha", "0.5", &err), 0);
	cr_assert_eq(pipeline_set_all(&pl, &np, &err), -1);
	cr_assert_eq(params_real(&pl.params, P_ABSTRACT_ALPHA), 1.0);
	(void)before;
}

/* A copy of the fixture in a temporary directory, for damaging. */
static void copy_tiny(char *dir, size_t size)
{
	snprintf(dir, size, "%s", "/tmp/distill-import-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	char cmd[512];
	snprintf(cmd, sizeof cmd, "cp %s/* %s/", TINY, dir);
	cr_assert_eq(system(cmd), 0);
}

static void remove_dir(const char *dir)
{
	char cmd[512];
	snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
	cr_assert_eq(system(cmd), 0);
}

Test(import, damaged_files_name_themselves_and_keep_the_session)
{
	char dir[64], path[128];
	cr_assert_eq(pipeline_load(&pl, TINY, NULL, &err), 0, "%s", err.msg);
	struct dataset *kept = pl.ds;
	copy_tiny(dir, sizeof dir);

	/* truncated: the size differs from the manifest's */
	snprintf(path, sizeof path, "%s/neighbours-0000.tsv", dir);
	cr_assert_eq(truncate(path, 20), 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "neighbours-0000.tsv: 20 bytes, "
	    "manifest.json says 59"), "%s", err.msg);
	cr_assert_eq(pl.ds, kept);

	/* missing */
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "neighbours-0000.tsv: No such file"), "%s",
	    err.msg);

	/* same size, one byte changed: the CRC */
	remove_dir(dir);
	copy_tiny(dir, sizeof dir);
	snprintf(path, sizeof path, "%s/train.tsv", dir);
	FILE *f = fopen(path, "r+");
	cr_assert_not_null(f);
	fseek(f, 1, SEEK_SET);
	fputc('9', f);          /* u1 → u9 */
	fclose(f);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "train.tsv: CRC-32"), "%s", err.msg);
	cr_assert_eq(pl.ds, kept);

	/* no manifest */
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	cr_assert_eq(unlink(path), 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "a directory without manifest.json"), "%s",
	    err.msg);
	cr_assert_eq(pl.ds, kept);
	remove_dir(dir);
}

/*
 * The copy in dir with its neighbour file as the job writes it since
 * version 2: neighbours-0000.bin, 12-byte little-endian records (i, j,
 * s). Record `bad` (from 0; -1: none) gets row index `bad_row`; the
 * manifest lists the new file with its real size and CRC-32, so only
 * the record itself is wrong.
 */
static void to_bin(const char *dir, int bad, uint32_t bad_row)
{
	char path[160];
	unsigned char rec[7][12];
	int n = 0;
	snprintf(path, sizeof path, "%s/neighbours-0000.tsv", dir);
	FILE *f = fopen(path, "r");
	cr_assert_not_null(f);
	unsigned i, j;
	float s;
	while (n < 7 && fscanf(f, "%u %u %f", &i, &j, &s) == 3) {
		uint32_t v[3], b;
		memcpy(&b, &s, sizeof b);
		v[0] = n == bad ? bad_row : i;
		v[1] = j;
		v[2] = b;
		for (int k = 0; k < 12; k++)
			rec[n][k] = (unsigned char)(v[k / 4] >> (8 * (k % 4)));
		n++;
	}
	fclose(f);
	cr_assert_eq(n, 7);
	cr_assert_eq(unlink(path), 0);
	snprintf(path, sizeof path, "%s/neighbours-0000.bin", dir);
	f = fopen(path, "wb");
	cr_assert_not_null(f);
	cr_assert_eq(fwrite(rec, sizeof rec, 1, f), 1);
	fclose(f);

	char crc[9];
	snprintf(crc, sizeof crc, "%08lx", crc32(0, (const Bytef *)rec,
	    sizeof rec));
	snprintf(path, sizeof path, "%s/manifest.json", dir);
	json_error_t je;
	json_t *m = json_load_file(path, 0, &je);
	cr_assert_not_null(m, "%s", je.text);
	json_object_set_new(m, "version", json_integer(2));
	json_t *files = json_object_get(m, "files");
	for (size_t k = 0; k < json_array_size(files); k++) {
		json_t *e = json_array_get(files, k);
		const char *name = json_string_value(json_object_get(e,
		    "name"));
		if (strcmp(name, "neighbours-0000.tsv") != 0)
			continue;
		json_object_set_new(e, "name",
		    json_string("neighbours-0000.bin"));
		json_object_set_new(e, "bytes", json_integer(sizeof rec));
		json_object_set_new(e, "crc32", json_string(crc));
	}
	cr_assert_eq(json_dump_file(m, path, JSON_INDENT(1)), 0);
	json_decref(m);
}

Test(import, binary_parts_load_as_text)
{
	char dir[64], r[128];
	copy_tiny(dir, sizeof dir);
	to_bin(dir, -1, 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), 0, "%s", err.msg);
	run();
	cr_assert_eq(pl.abs.S.nnz, 6);
	row("a", r, sizeof r);
	cr_assert_str_eq(r, "b:0.5 c:0.25");
	row("b", r, sizeof r);
	cr_assert_str_eq(r, "c:0.75 a:0.5");
	row("d", r, sizeof r);
	cr_assert_str_eq(r, "a:1");
	cr_assert_eq(pl.abs.st.candidate_pairs, 10);
	remove_dir(dir);
}

Test(import, binary_record_errors_name_the_record)
{
	char dir[64], path[128];
	cr_assert_eq(pipeline_load(&pl, TINY, NULL, &err), 0, "%s", err.msg);
	struct dataset *kept = pl.ds;

	/* record 4 (the 4th, from 1) names row 9 of 4 items */
	copy_tiny(dir, sizeof dir);
	to_bin(dir, 3, 9);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "neighbours-0000.bin: record 4 (byte 36): "
	    "row 9, neighbour 0: expected an item index below 4"), "%s",
	    err.msg);
	cr_assert_eq(pl.ds, kept);
	remove_dir(dir);

	/* a row before the previous one */
	copy_tiny(dir, sizeof dir);
	to_bin(dir, 4, 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "record 5 (byte 48): row 0, neighbour 2: "
	    "expected rows in ascending order"), "%s", err.msg);
	remove_dir(dir);

	/* one byte short: the manifest's size says so first */
	copy_tiny(dir, sizeof dir);
	to_bin(dir, -1, 0);
	snprintf(path, sizeof path, "%s/neighbours-0000.bin", dir);
	cr_assert_eq(truncate(path, 83), 0);
	cr_assert_eq(pipeline_load(&pl, dir, NULL, &err), -1);
	cr_assert(strstr(err.msg, "neighbours-0000.bin: 83 bytes, "
	    "manifest.json says 84"), "%s", err.msg);
	cr_assert_eq(pl.ds, kept);
	remove_dir(dir);
}
