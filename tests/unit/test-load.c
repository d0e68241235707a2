/*
 * distill — unit tests of the loader: every format against the small
 * hand-written fixtures in tests/fixtures/load (expected values worked
 * out from the fixture text in the comments), every bad-input case, gzip,
 * Latin-1 metadata, the duplicate rule, and the real datasets when
 * ../shared/data is present.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dataset.h"
#include "load.h"
#include "testutil.h"

#define FX FIXTURES "/load/"

static struct dataset ds;
static struct err err;

/* Load with options; assert success. */
static void load_ok(const char *path, const struct load_opts *o)
{
	memset(&ds, 0, sizeof ds);
	int rc = dataset_load(&ds, path, o, NULL, &err);
	cr_assert_eq(rc, 0, "%s: %s", path, err.msg);
}

/* Load must fail with code and a message containing want; ds untouched. */
static void load_bad(const char *path, const struct load_opts *o,
    enum err_code code, const char *want)
{
	struct dataset d;
	memset(&d, 0xab, sizeof d);
	struct dataset copy = d;
	int rc = dataset_load(&d, path, o, NULL, &err);
	cr_assert_eq(rc, -1, "%s loaded but should fail", path);
	cr_assert_eq(err.code, code, "%s: code %s: %s", path,
	    err_code_name(err.code), err.msg);
	cr_assert(strstr(err.msg, want), "message '%s' lacks '%s'", err.msg,
	    want);
	cr_assert(memcmp(&d, &copy, sizeof d) == 0, "ds was modified");
}

static void fini(void)
{
	dataset_destroy(&ds);
}

TestSuite(load, .fini = fini);

Test(load, format_names)
{
	cr_assert_eq(format_lookup("adj"), FMT_ADJ);
	cr_assert_eq(format_lookup("auto"), FMT_AUTO);
	cr_assert_eq(format_lookup("xml"), -1);
	cr_assert_str_eq(format_name(FMT_ML1M), "ml1m");
}

Test(load, idmap_interns_and_finds)
{
	struct idmap m;
	idmap_init(&m);
	char buf[16];
	for (int k = 0; k < 5000; k++) {
		int len = snprintf(buf, sizeof buf, "id%d", k);
		cr_assert_eq(idmap_intern(&m, buf, (size_t)len), (uint32_t)k);
	}
	cr_assert_eq(idmap_intern(&m, "id42", 4), 42);
	cr_assert_eq(idmap_find(&m, "id4999", 6), 4999);
	cr_assert_eq(idmap_find(&m, "id5000", 6), -1);
	cr_assert_eq(idmap_find(&m, "id4", 3), 4);
	cr_assert_str_eq(idmap_name(&m, 7), "id7");
	idmap_destroy(&m);
}

Test(load, ml100k_with_latin1_uitem)
{
	load_ok(FX "ml-100k/u.data", NULL);
	/* users 1 2 3, items 10 20 30 40 in order of first appearance */
	cr_assert_eq(ds.format, FMT_ML100K);
	cr_assert_str_eq(ds.name, "ml-100k");
	/* typed in its own directory, the same name */
	char *cwd = getcwd(NULL, 0);
	cr_assert(cwd && chdir(FX "ml-100k") == 0);
	char *n = dataset_make_name("u.data");
	char *n2 = dataset_make_name("./u.data");
	cr_assert(chdir(cwd) == 0);
	cr_assert_str_eq(n, "ml-100k");
	cr_assert_str_eq(n2, "ml-100k");
	free(n);
	free(n2);
	free(cwd);
	cr_assert_eq(ds.users.n, 3);
	cr_assert_eq(ds.items.n, 4);
	cr_assert_eq(ds.n, 6);
	cr_assert_str_eq(idmap_name(&ds.items, 3), "40");
	cr_assert_eq(ds.rating[3], 1.0f);   /* line 4: 2 30 1 50 */
	cr_assert_eq(ds.time[5], 10);       /* line 6: 3 10 5 10 */
	cr_assert_eq(ds.n_duplicates, 0);
	/* u.item found next to u.data; 0xe9 (Latin-1 é) became c3 a9 */
	cr_assert_str_eq(ds.title[1], "Cit\xc3\xa9 des enfants perdus, La "
	    "(1995)");
	cr_assert_str_eq(ds.genres[0], "Animation|Children's|Comedy");
	cr_assert_str_eq(ds.title[2], "\"Quoted\" Title (1996)");
	cr_assert_str_eq(ds.genres[2], "unknown");
	cr_assert_null(ds.title[3]);        /* 40 has no line in u.item */
	cr_assert_str_eq(dataset_item_title(&ds, 0), "10 Toy Story (1995)");
	cr_assert_str_eq(dataset_item_title(&ds, 3), "40");
	cr_assert_eq(idmap_find(&ds.items, "99", 2), -1); /* ignored */
}

Test(load, gzip_same_content_same_crc)
{
	load_ok(FX "ml-100k/u.data", NULL);
	uint32_t crc = ds.crc;
	size_t bytes = ds.bytes;
	dataset_destroy(&ds);
	load_ok(FX "udata.gz", NULL);
	cr_assert_eq(ds.format, FMT_TSV);   /* not named like ml100k */
	cr_assert_eq(ds.n, 6);
	cr_assert_eq(ds.crc, crc);          /* crc of the decompressed bytes */
	cr_assert_eq(ds.bytes, bytes);
	cr_assert_str_eq(ds.name, "udata");
	dataset_destroy(&ds);
	load_ok(FX "ratings-latest.csv.gz", NULL);
	cr_assert_eq(ds.format, FMT_CSV);
	cr_assert_eq(ds.n, 3);
}

/* The first 40 of udata.gz's 61 bytes: a stream that ends inside its
 * compressed data is an error, not half a file (issue 13). */
Test(load, truncated_gzip_is_an_error)
{
	load_bad(FX "bad/truncated.gz", NULL, ERR_IO,
	    "truncated gzip stream");
}

/* A corrupt stream is named by its path, not zlib's "<fd:N>" (issue 13) */
Test(load, corrupt_gzip_names_the_file)
{
	load_bad(FX "bad/corrupt.gz", NULL, ERR_IO, "corrupt.gz: corrupt "
	    "gzip stream (");
	cr_assert_null(strstr(err.msg, "<fd:"), "%s", err.msg);
}

/* A UTF-8 byte order mark is not part of the first id (tsv: 2 users, not
 * 3) or of the header (csv, metadata csv); the CRC covers the file's
 * bytes, mark included (issue 13). */
Test(load, utf8_bom_is_stripped)
{
	load_ok(FX "bom/pairs.tsv", NULL);
	cr_assert_eq(ds.users.n, 2);
	cr_assert_neq(idmap_find(&ds.users, "u1", 2), -1);
	dataset_destroy(&ds);
	struct load_opts o = { .items_path = FX "bom/items.csv" };
	load_ok(FX "bom/ratings.csv", &o);
	cr_assert_eq(ds.format, FMT_CSV);
	cr_assert_eq(ds.users.n, 2);
	cr_assert_str_eq(ds.title[idmap_find(&ds.items, "i1", 2)], "Alpha");
}

/* Columns past the 64th are read (the rating and time columns of a wide
 * export were silently lost); past LOAD_FIELDS_MAX a clear error. */
Test(load, wide_csv_keeps_its_columns)
{
	load_ok(FX "wide.csv", NULL);
	cr_assert_eq(ds.n, 10);
	cr_assert_not_null(ds.rating);
	cr_assert_not_null(ds.time);
	dataset_destroy(&ds);
	char path[] = "/tmp/distill-wideXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	for (int k = 0; k < LOAD_FIELDS_MAX + 5; k++)
		fprintf(f, "c%d,", k);
	fputs("userId,movieId\n", f);
	for (int k = 0; k < LOAD_FIELDS_MAX + 5; k++)
		fputs("x,", f);
	fputs("u1,i1\n", f);
	fclose(f);
	load_bad(path, NULL, ERR_LIMIT, "expected at most 1024 columns");
	unlink(path);
}

/* A regular file that shrinks, grows or is replaced while it is read is
 * an error at its end, not a partial load. */
Test(load, file_changed_while_reading)
{
	char path[] = "/tmp/distill-changeXXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	FILE *f = fdopen(fd, "w");
	for (int k = 0; k < 200000; k++)
		fprintf(f, "u%d\ti%d\n", k % 97, k % 89);
	fclose(f);
	for (int how = 0; how < 2; how++) {
		struct reader r;
		struct err e;
		const char *s;
		size_t len;
		int rc;
		cr_assert_eq(reader_open(&r, path, 1 << 20, NULL, &e), 0);
		cr_assert_eq(reader_next(&r, false, &s, &len, &e), 1);
		if (how == 0) {
			cr_assert_eq(truncate(path, 1000), 0);
		} else {
			/* a new file under the same name (rename over it) */
			char tmp[64];
			snprintf(tmp, sizeof tmp, "%s.new", path);
			FILE *g = fopen(tmp, "w");
			fputs("u1\ti1\n", g);
			fclose(g);
			cr_assert_eq(rename(tmp, path), 0);
		}
		while ((rc = reader_next(&r, false, &s, &len, &e)) > 0)
			;
		cr_assert_eq(rc, -1, "case %d: the change went unnoticed", how);
		cr_assert(strstr(e.msg, "file changed while reading"), "%s",
		    e.msg);
		reader_close(&r);
	}
	unlink(path);
}

Test(load, ml1m_and_movies_dat)
{
	load_ok(FX "ml-1m/ratings.dat", NULL);
	cr_assert_eq(ds.format, FMT_ML1M);
	cr_assert_str_eq(ds.name, "ml-1m");
	cr_assert_eq(ds.users.n, 2);
	cr_assert_eq(ds.items.n, 2);
	cr_assert_eq(ds.n, 3);
	cr_assert_eq(ds.time[2], 978298413);
	cr_assert_str_eq(ds.title[0], "One Flew Over the Cuckoo's Nest "
	    "(1975)");
	cr_assert_str_eq(ds.genres[1], "Animation|Children's|Musical");
}

Test(load, ml_latest_csv_quoted_titles)
{
	load_ok(FX "ml-latest/ratings.csv", NULL);
	cr_assert_eq(ds.format, FMT_CSV);
	cr_assert_eq(ds.n, 3);
	cr_assert_float_eq(ds.rating[1], 4.5f, 1e-6);
	cr_assert_float_eq(ds.rating[2], 0.5f, 1e-6);
	cr_assert_eq(ds.time[0], 964982703);
	/* items 1 and 3; 7 is in movies.csv only */
	cr_assert_eq(ds.items.n, 2);
	cr_assert_str_eq(ds.title[1], "American President, The (1995)");
	cr_assert_str_eq(ds.genres[1], "Comedy|Drama|Romance");
}

Test(load, csv_semicolon_quoted_ids_no_time)
{
	load_ok(FX "books.csv", NULL);
	cr_assert_eq(ds.users.n, 2);
	cr_assert_str_eq(idmap_name(&ds.users, 0), "u 1");
	cr_assert_str_eq(idmap_name(&ds.items, 0), "b;1");
	cr_assert_eq(ds.items.n, 2);
	cr_assert_eq(ds.rating[2], 4.0f);
	cr_assert_null(ds.time);
}

Test(load, csv_named_columns)
{
	struct load_opts o = { .user_col = "who", .item_col = "what",
		.rating_col = "score", .time_col = "when" };
	load_ok(FX "custom.csv", &o);
	cr_assert_eq(ds.users.n, 2);
	cr_assert_eq(ds.items.n, 1);
	cr_assert_float_eq(ds.rating[0], 2.5f, 1e-6);
	cr_assert_eq(ds.time[1], 20);
	dataset_destroy(&ds);
	memset(&ds, 0, sizeof ds);
	load_bad(FX "custom.csv", NULL, ERR_PARSE,
	    "custom.csv:1:1: expected a user column in the header (one of "
	    "userId, user_id, user, userid, uid), got who, what, score, when "
	    "(choose one with --user COLUMN)");
	o.rating_col = "stars";
	load_bad(FX "custom.csv", &o, ERR_PARSE, "rating column named stars "
	    "in the header, got who, what, score, when");
}

/* A first line of binary data is named as such, not echoed: its bytes
 * went to the terminal as a list of column names. */
Test(load, bad_binary_header)
{
	load_bad(FX "bad/binary.csv", NULL, ERR_PARSE,
	    "binary.csv:1:1: expected a header of column names or "
	    "interactions in UTF-8 text, got byte 0x9e (binary data?)");
}

Test(load, csv_without_header_is_positional)
{
	load_ok(FX "noheader.csv", NULL);
	cr_assert_eq(ds.n, 2);
	cr_assert_eq(ds.rating[1], 4.0f);
	cr_assert_eq(ds.time[1], 200);
}

Test(load, tsv_pairs_and_ratings)
{
	load_ok(FX "pairs.tsv", NULL);
	cr_assert_eq(ds.format, FMT_TSV);
	cr_assert_null(ds.rating);
	cr_assert_null(ds.time);
	cr_assert_eq(ds.n, 3);
	dataset_destroy(&ds);
	load_ok(FX "rated.tsv", NULL);
	cr_assert_float_eq(ds.rating[0], 4.5f, 1e-6);
	cr_assert_float_eq(ds.rating[2], -10.0f, 1e-6); /* "-1e1" */
	dataset_destroy(&ds);
	load_ok(FX "utf8ids.tsv", NULL);
	cr_assert_str_eq(idmap_name(&ds.users, 0), "\xc3\xa9mile");
	cr_assert_eq(ds.items.n, 1);
}

Test(load, adj_with_given_test_and_valid)
{
	struct load_opts o = { .test_path = FX "adj/test.txt" };
	load_ok(FX "adj/train.txt", &o);
	/* train 3+2+3 = 8 pairs, test 1+2+1 = 4, items 0..5 */
	cr_assert_eq(ds.format, FMT_ADJ);
	cr_assert_str_eq(ds.name, "adj");
	cr_assert(ds.has_test && !ds.has_valid);
	cr_assert_eq(ds.users.n, 3);
	cr_assert_eq(ds.items.n, 6);
	cr_assert_eq(ds.n, 12);
	size_t ntest = 0;
	for (size_t k = 0; k < ds.n; k++)
		ntest += ds.origin[k] == PART_TEST;
	cr_assert_eq(ntest, 4);
	dataset_destroy(&ds);
	/* valid.txt repeats train pair (0, 2): merged, becomes validation */
	o.valid_path = FX "adj/valid.txt";
	load_ok(FX "adj/train.txt", &o);
	cr_assert_eq(ds.n, 12);
	cr_assert_eq(ds.n_duplicates, 1);
	cr_assert_eq(ds.origin[2], PART_VALID);
	cr_assert(ds.has_valid);
}

Test(load, duplicates_last_rating_wins_latest_time)
{
	load_ok(FX "dups.tsv", NULL);
	/* (1,10): ratings 3@100, 5@50, 2@40 -> rating 2, time 100 */
	cr_assert_eq(ds.n, 3);
	cr_assert_eq(ds.n_duplicates, 2);
	cr_assert_str_eq(idmap_name(&ds.items, ds.item[0]), "10");
	cr_assert_eq(ds.rating[0], 2.0f);
	cr_assert_eq(ds.time[0], 100);
	cr_assert_eq(ds.rating[1], 4.0f);
	cr_assert_eq(ds.rating[2], 1.0f);
}

Test(load, duplicates_implicit_counts_add)
{
	load_ok(FX "dups.adj", NULL);
	/* (1,10) three times, (1,20) once, (2,10) once */
	cr_assert_eq(ds.n, 3);
	cr_assert_eq(ds.n_duplicates, 2);
	cr_assert_eq(ds.rating[0], 3.0f);
	cr_assert_eq(ds.rating[1], 1.0f);
	cr_assert_eq(ds.rating[2], 1.0f);
}

Test(load, stem_items_csv_discovered)
{
	load_ok(FX "items-plain.tsv", NULL);
	cr_assert_str_eq(ds.name, "items-plain");
	cr_assert_str_eq(ds.title[0], "Ex");
	cr_assert_str_eq(dataset_item_title(&ds, 1), "y Why");
}

Test(load, explicit_items_path)
{
	struct load_opts o = { .items_path = FX "ml-latest/movies.csv" };
	load_ok(FX "noheader.csv", &o);
	/* items "2" and "3": only 3 has a title */
	cr_assert_null(ds.title[0]);
	cr_assert_str_eq(ds.title[1], "American President, The (1995)");
}

/* An empty id is named as such (the message once printed whatever the
 * quoting buffer held, "got \x01"). */
Test(load, bad_empty_id)
{
	load_bad(FX "bad/emptyid.tsv", NULL, ERR_PARSE,
	    "emptyid.tsv:2:3: expected an item id, got an empty field");
	load_bad(FX "bad/emptyuser.tsv", NULL, ERR_PARSE,
	    "emptyuser.tsv:2:1: expected a user id, got an empty field");
}

Test(load, bad_column_count)
{
	load_bad(FX "bad/cols.tsv", NULL, ERR_PARSE,
	    "bad/cols.tsv:2:7: expected 4 fields separated by tab, got 3");
	struct load_opts o = { .format = FMT_ML100K };
	load_bad(FX "bad/ml100k-3col.data", &o, ERR_PARSE,
	    "ml100k-3col.data:1:1: expected 4 fields");
}

/* A first line without a delimiter is guessed to be an adjacency list;
 * a file where most lines then hold one field (a list of names, a
 * configuration file) is an error naming the first, not a log of users
 * without items. A few such users load; --format adj forces it. */
Test(load, bad_guessed_adjacency)
{
	load_bad(FX "bad/names.txt", NULL, ERR_PARSE,
	    "names.txt:1:1: expected 'user item item ...' separated by "
	    "spaces (an adjacency list, guessed from the first line");
	cr_assert(strstr(err.msg, "(as 4 of the 5 lines have)"), "%s",
	    err.msg);
	load_ok(FX "adj/lone.txt", NULL);
	cr_assert_eq(ds.users.n, 3);
	cr_assert_eq(ds.n, 3);
	dataset_destroy(&ds);
	struct load_opts o = { .format = FMT_ADJ };
	load_ok(FX "bad/names.txt", &o);
	cr_assert_eq(ds.users.n, 5);
	cr_assert_eq(ds.n, 1);
}

Test(load, bad_numbers)
{
	load_bad(FX "bad/rating.tsv", NULL, ERR_PARSE,
	    "rating.tsv:2:6: expected a rating (a number), got \"good\"");
	load_bad(FX "bad/time.tsv", NULL, ERR_PARSE,
	    "time.tsv:2:8: expected a timestamp (an integer), got "
	    "\"yesterday\"");
}

Test(load, bad_quoting)
{
	/* line 3 `1,"5,3`: the quote at column 3 is never closed */
	load_bad(FX "bad/quote.csv", NULL, ERR_PARSE,
	    "quote.csv:3:3: expected a properly quoted field");
	/* line 3 `1,5"x,3`: a quote inside an unquoted field, column 4 */
	load_bad(FX "bad/stray.csv", NULL, ERR_PARSE,
	    "stray.csv:3:4: expected a properly quoted field");
}

Test(load, bad_empty_and_header_only)
{
	load_bad(FX "bad/empty.tsv", NULL, ERR_PARSE,
	    "empty.tsv: empty file, expected interactions");
	load_bad(FX "bad/header-only.csv", NULL, ERR_PARSE,
	    "header-only.csv:2: expected interactions (csv format), got none");
	load_bad(FX "bad/nocol.csv", NULL, ERR_PARSE,
	    "nocol.csv:1:1: expected a user column");
	load_bad(FX "bad/missing.tsv", NULL, ERR_IO, "cannot open");
	load_bad(FX "bad", NULL, ERR_IO, "is a directory");
}

Test(load, bad_binary)
{
	/* "1\t2\0..." : the NUL is byte 4 of line 2 */
	load_bad(FX "bad/nul.tsv", NULL, ERR_PARSE,
	    "nul.tsv:2:4: expected text, got a NUL byte");
	/* an ELF header: NUL at byte 8 of line 1 */
	load_bad(FX "bad/garbage.bin", NULL, ERR_PARSE,
	    "garbage.bin:1:8: expected text, got a NUL byte");
}

Test(load, bad_limits)
{
	load_bad(FX "bad/longid.tsv", NULL, ERR_LIMIT,
	    "longid.tsv:1:3: expected an item id of at most 256 bytes");
	/* a 3 MiB line after a good one: ERR_LIMIT naming line 2 */
	char path[] = "/tmp/distill-longline-XXXXXX";
	int fd = mkstemp(path);
	cr_assert(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs("1\t2\n1\t", f);
	for (int k = 0; k < 3 << 20; k++)
		fputc('9', f);
	fputs("\n", f);
	fclose(f);
	load_bad(path, NULL, ERR_LIMIT, ":2:1048577: expected a line of at "
	    "most 1048576 bytes");
	unlink(path);
}

Test(load, bad_metadata_utf8)
{
	/* line 3 `3,"Caf\xe9, The (1995)"`: 0xe9 is byte 7 */
	struct load_opts o = { .items_path = FX "movies-badutf8.csv" };
	load_bad(FX "ml-latest/ratings.csv", &o, ERR_PARSE,
	    "movies-badutf8.csv:3:7: expected UTF-8 text, got byte 0xe9");
	o.items_path = FX "bad/empty.tsv";
	load_bad(FX "ml-latest/ratings.csv", &o, ERR_PARSE,
	    "empty file, expected item metadata");
}

Test(load, real_ml100k)
{
	char buf[4096];
	const char *p = shared_data("ml-100k/u.data", buf, sizeof buf);
	if (!p)
		cr_skip_test("no shared data");
	load_ok(p, NULL);
	cr_assert_eq(ds.users.n, 943);
	cr_assert_eq(ds.items.n, 1682);
	cr_assert_eq(ds.n, 100000);
	cr_assert_eq(ds.n_duplicates, 0);
	int64_t i = idmap_find(&ds.items, "543", 3);
	cr_assert(i >= 0);
	cr_assert_str_eq(ds.title[i], "Mis\xc3\xa9rables, Les (1995)");
	for (uint32_t k = 0; k < ds.items.n; k++)
		cr_assert(ds.title[k] && utf8_check(ds.title[k],
		    strlen(ds.title[k])) == strlen(ds.title[k]));
}

Test(load, real_gowalla_given)
{
	char a[4096], b[4096];
	const char *tr = shared_data("gowalla/train.txt", a, sizeof a);
	const char *te = shared_data("gowalla/test.txt", b, sizeof b);
	if (!tr || !te)
		cr_skip_test("no shared data");
	struct load_opts o = { .test_path = te };
	load_ok(tr, &o);
	cr_assert_eq(ds.format, FMT_ADJ);
	cr_assert_eq(ds.users.n, 29858);
	cr_assert_eq(ds.items.n, 40981);
	size_t ntr = 0, nte = 0;
	for (size_t k = 0; k < ds.n; k++) {
		ntr += ds.origin[k] == PART_TRAIN;
		nte += ds.origin[k] == PART_TEST;
	}
	cr_assert_eq(ntr, 810128);
	cr_assert_eq(nte, 217242);
	cr_assert_str_eq(ds.name, "gowalla");
}

Test(load, real_ml_latest_titles)
{
	char a[4096];
	const char *p = shared_data("ml-latest-small/ratings.csv", a,
	    sizeof a);
	if (!p)
		cr_skip_test("no shared data");
	load_ok(p, NULL);
	cr_assert_eq(ds.users.n, 610);
	cr_assert_eq(ds.n, 100836);
	int64_t i = idmap_find(&ds.items, "11", 2);
	cr_assert(i >= 0);
	cr_assert_str_eq(ds.title[i], "American President, The (1995)");
	cr_assert_str_eq(ds.name, "ml-latest-small");
}
