/*
 * distill — dataset.h: a loaded interaction log and its string ids.
 *
 * External ids are strings, interned into dense indices 0..n-1 by an
 * idmap; everything the user sees shows the external id (and the title,
 * when metadata was loaded), never the index. Interactions are stored as
 * parallel arrays (20 bytes per interaction with ratings and times) so that
 * a 20M-interaction log stays within 40 bytes per interaction at peak.
 *
 * Lifetime: dataset_load() fills a caller-owned struct dataset that the
 * caller later passes to dataset_destroy(). On failure nothing is left
 * allocated and `ds` is untouched, so a failed load never replaces a good
 * session.
 */
#ifndef DISTILL_DATASET_H
#define DISTILL_DATASET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util.h"

/* String interning: name <-> dense id. Owns its strings. */
struct idmap {
	char **names;      /* names[id], NUL-terminated */
	uint32_t n, cap;
	uint32_t *slots;   /* open addressing, id + 1, 0 = empty */
	uint32_t nslots;   /* power of two */
	char *arena;       /* string storage blocks (implementation detail) */
	size_t arena_used, arena_cap;
	void *blocks;      /* list of arena blocks to free */
};

void idmap_init(struct idmap *m);
void idmap_destroy(struct idmap *m);
/* Return the id of name[0..len), adding it when new. */
uint32_t idmap_intern(struct idmap *m, const char *name, size_t len);
/* Return the id of name, or -1 when absent. */
int64_t idmap_find(const struct idmap *m, const char *name, size_t len);
static inline const char *idmap_name(const struct idmap *m, uint32_t id)
{
	return m->names[id];
}

enum format {
	FMT_AUTO,
	FMT_ML100K, /* tab: user item rating timestamp */
	FMT_ML1M,   /* user::item::rating::timestamp */
	FMT_CSV,    /* header + delimited, RFC 4180 */
	FMT_TSV,    /* tab: user item [rating [timestamp]], no header */
	FMT_ADJ     /* user item item ... */
};

const char *format_name(enum format f);
/* Returns the format for a name, or -1. "auto" gives FMT_AUTO. */
int format_lookup(const char *name);

/* Where an interaction came from. PART_TRAIN unless a --test/--valid file. */
enum part { PART_TRAIN = 0, PART_VALID = 1, PART_TEST = 2 };

struct load_opts {
	enum format format;     /* FMT_AUTO: detect */
	const char *user_col;   /* csv column names (NULL: by convention) */
	const char *item_col;
	const char *rating_col;
	const char *time_col;
	char delim;             /* csv: 0 = detect among , ; \t | */
	const char *items_path; /* metadata (titles/genres), may be NULL */
	const char *test_path;  /* given test split, may be NULL */
	const char *valid_path; /* given validation split, may be NULL */
	/* keep only the users with unit(hash_user(u, sample_seed)) <
	 * sample_users (util.h); 0 or 1: every user */
	double sample_users;
	uint64_t sample_seed;
	/* a file whose lines start with item ids (first tab-separated
	 * field): they are interned first, in that order, so item indices
	 * (the similarity's tie rule) follow it; every interaction's item
	 * must be listed (load DIR reads the job's items.tsv) */
	const char *item_order;
};

struct dataset {
	char *path;            /* as given to load */
	char *meta_path;       /* the metadata read (given or found), or
	                          NULL */
	char *name;            /* short display name, e.g. "ml-100k" */
	enum format format;    /* detected or forced */
	uint32_t crc;          /* CRC-32 of the main file's bytes */
	/* CRC-32 of every input read: main, --test, --valid, metadata
	 * (has_crc says which were read) */
	uint32_t crc_part[4];
	bool has_crc[4];
	struct idmap users, items;
	size_t n;              /* interactions, after merging duplicates */
	uint32_t *user, *item; /* n each */
	float *rating;         /* n, or NULL for implicit data */
	int64_t *time;         /* n, or NULL when there are no timestamps */
	uint8_t *origin;       /* n, enum part: which file it came from */
	bool has_test, has_valid;
	size_t n_duplicates;   /* (user, item) pairs merged */
	char **title;          /* items.n entries, NULL when unknown (UTF-8) */
	char **genres;         /* items.n entries, NULL when unknown */
	char **label;          /* items.n entries: "id Title", NULL when
	                          there is no title (dataset_item_title) */
	size_t bytes;          /* bytes read from the interaction files */
};

/*
 * Load path (and opts->test_path / valid_path / items_path) into ds.
 * Duplicate (user, item) pairs: for rated data the last rating (in file
 * order) wins and the pair keeps the latest timestamp; for implicit data
 * counts add (rating holds the count). Each merge is counted in
 * n_duplicates. Errors name file, line, column and what was expected.
 * The merged interaction keeps the position of its first occurrence and
 * the origin of its last (main file, then test, then valid), so a pair
 * listed in both train.txt and valid.txt becomes a validation pair.
 * Files are read in that order and share one id space. When some files
 * have ratings and others do not, the unrated ones get the highest rating
 * seen (they count as positives); time is kept only if every file has it.
 * Implicit data without duplicates has rating == NULL.
 *
 * Metadata: opts->items_path, or when NULL a conventional sibling of path
 * (u.item next to u.data/u1.base, movies.dat or movies.csv next to
 * ratings*, STEM-items.csv next to STEM.*). Formats: ML-100K u.item and
 * ML-1M movies.dat (ISO-8859-1 converted to UTF-8; lines that already are
 * UTF-8 are kept), and csv with a header (item id column by convention,
 * title/name, genres), UTF-8 only. Titles of items absent from the
 * interactions are ignored.
 */
int dataset_load(struct dataset *ds, const char *path,
    const struct load_opts *opts, const struct hooks *hooks, struct err *err);
void dataset_destroy(struct dataset *ds);

/* Display label for an item: "id" or "id Title". Valid until ds changes. */
const char *dataset_item_title(const struct dataset *ds, uint32_t item);

/*
 * The split (part of the load stage): assign every interaction to
 * train/valid/test by split.method, split.test_fraction, split.validation
 * and split.seed. `part` has ds->n entries. A user with fewer than two
 * interactions keeps them in training. Deterministic for a seed.
 */
struct params;
int split_assign(const struct dataset *ds, const struct params *p,
    uint8_t *part, struct err *err);

#endif
