/*
 * distill — gen-titles.c: made-up titles and genre names for distill-gen.
 *
 * Written for the distill project; released under CC0 1.0 (public domain
 * dedication).
 *
 * Titles are drawn from word lists and pronounceable made-up names in a
 * dozen patterns ("The Velvet Harbor", "Salt, Smoke and Thunder",
 * "Velvet Harbor, The" in the MovieLens style, "The \"Gentle\" Promise",
 * "The Tide of Zürich"), then a year is appended. About one title in six
 * has a comma, a few have double quotes, and a few have non-ASCII UTF-8
 * (é, ü, 東京), so that the files exercise CSV quoting and display width.
 */
#include <stdio.h>

#include "gen.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const genre_names[] = {
	"Drama", "Comedy", "Thriller", "Romance", "Sci-Fi", "Documentary",
	"Animation", "Horror", "Crime", "Adventure", "Fantasy", "Mystery",
	"Western", "Musical", "War", "Family", "Film-Noir", "Biography",
	"Sport", "History"
};

static const char *const adjs[] = {
	"Velvet", "Silent", "Crimson", "Broken", "Golden", "Hidden", "Last",
	"Electric", "Midnight", "Paper", "Iron", "Quiet", "Wild", "Lonely",
	"Burning", "Frozen", "Distant", "Hollow", "Northern", "Secret",
	"Little", "Endless", "Bitter", "Silver", "Restless", "Savage",
	"Gentle", "Scarlet", "Wandering", "Forgotten", "Lucky", "Pale"
};

static const char *const nouns[] = {
	"Harbor", "River", "Garden", "Machine", "Kingdom", "Letter", "Summer",
	"Station", "Mirror", "Orchard", "Horizon", "Lantern", "Empire",
	"Season", "Island", "Promise", "Frontier", "Winter", "Signal",
	"Highway", "Daughter", "Stranger", "Ballad", "Engine", "Harvest",
	"Witness", "Shadow", "Carnival", "Voyage", "Lighthouse", "Echo",
	"Bridge", "Salt", "Smoke", "Thunder", "Heart", "Window", "Tide"
};

/* About a third of the places (and a few names) are non-ASCII UTF-8. */
static const char *const places[] = {
	"Lisbon", "Cairo", "Oslo", "Harlem", "Marseille", "Havana",
	"Nairobi", "Glasgow", "Memphis", "Tangier", "Brooklyn", "Vienna",
	"Tokyo", "Macau", "\xe6\x9d\xb1\xe4\xba\xac" /* 東京 */,
	"Z\xc3\xbcrich", "M\xc3\xa1laga", "Krak\xc3\xb3w",
	"Reykjav\xc3\xadk", "S\xc3\xa3o Paulo", "K\xc3\xb6ln"
};

static const char *const names[] = {
	"Ren\xc3\xa9" "e", "Zo\xc3\xab", "Jos\xc3\xa9", "Chlo\xc3\xa9",
	"Bj\xc3\xb6rn", "Am\xc3\xa9lie", "J\xc3\xbcrgen", "In\xc3\xa8s",
	"Margaret", "Eddie", "Rosa", "Harold", "Nina", "Oscar", "Lena",
	"Frank", "Ada", "Hugo", "Iris", "Walter", "Mabel", "Felix"
};

static const char *const says[] = {
	"Goodbye", "Hello", "Never", "Maybe", "Yes", "Run"
};

#define PICK(r, a) ((a)[rng_below((r), NELEM(a))])

/* Append a pronounceable made-up name of 2-3 syllables to buf. */
static size_t title_name(struct rng *r, char *buf)
{
	static const char *const on[] = { "b", "k", "l", "m", "n", "r", "s",
	    "t", "v", "d", "th", "br", "dr", "g", "z", "p" };
	static const char *const vo[] = { "a", "e", "i", "o", "u", "ai",
	    "ou", "a", "e", "o" };
	static const char *const co[] = { "", "", "", "n", "r", "l", "s",
	    "m" };
	int syl = 2 + (rng_unif(r) < 0.35);
	size_t len = 0;

	for (int i = 0; i < syl; i++)
		len += (size_t)sprintf(buf + len, "%s%s%s", PICK(r, on),
		    PICK(r, vo), i == syl - 1 ? PICK(r, co) : "");
	buf[0] = (char)(buf[0] - 'a' + 'A');
	return len;
}

/* A person's name: mostly made up, sometimes from the fixed list. */
static const char *title_person(struct rng *r, char *tmp)
{
	if (rng_unif(r) < 0.25)
		return PICK(r, names);
	title_name(r, tmp);
	return tmp;
}

/* A release year, 1920-2023, skewed towards recent years. */
static int title_year(struct rng *r)
{
	int y = 2023 - (int)(rng_exp(r) * 18);
	return y < 1920 ? 1920 + (int)rng_below(r, 30) : y;
}

/* Write a title with its year into buf (at least 256 bytes). */
void title_make(struct rng *r, char *buf)
{
	int year = title_year(r);
	char nm[64];
	const char *a = PICK(r, adjs), *n = PICK(r, nouns);
	double p = rng_unif(r);
	int len;

	if (p < 0.24)
		len = sprintf(buf, "The %s %s", a, n);
	else if (p < 0.36)
		len = sprintf(buf, "%s of the %s %s", PICK(r, nouns), a, n);
	else if (p < 0.46)
		len = sprintf(buf, "%s's %s", title_person(r, nm), n);
	else if (p < 0.54)
		len = sprintf(buf, "The %s of %s", n, PICK(r, places));
	else if (p < 0.61)
		len = sprintf(buf, "%s, %s and %s", PICK(r, nouns), n,
		    PICK(r, nouns));
	else if (p < 0.68)
		len = sprintf(buf, "%s %s, The", a, n);
	else if (p < 0.74)
		len = sprintf(buf, "%s: The %s %s", title_person(r, nm), a, n);
	else if (p < 0.79)
		len = sprintf(buf, "%s %s", PICK(r, places), n);
	else if (p < 0.82)
		len = sprintf(buf, "The \"%s\" %s", a, n);
	else if (p < 0.84)
		len = sprintf(buf, "%s Says \"%s\"", title_person(r, nm),
		    PICK(r, says));
	else if (p < 0.89)
		len = sprintf(buf, "%s %s %s", a, n,
		    rng_unif(r) < 0.5 ? "II" : "2");
	else
		len = sprintf(buf, "%s %s", a, n);
	sprintf(buf + len, " (%d)", year);
}

const char *genre_name(uint32_t g, char *tmp)
{
	if (g < NELEM(genre_names))
		return genre_names[g];
	sprintf(tmp, "Genre%u", g + 1);
	return tmp;
}

