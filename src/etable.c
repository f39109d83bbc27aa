/*
 * etable.c - the entries of one listing, held compactly (see etable.h).
 *
 * Owns: the record blocks, the string blocks and three indexes.  A string
 * is referred to as (block << 16 | offset) + 1, 0 being none; an index
 * slot holds an entry number + 1, 0 being empty, and is kept without
 * tombstones (a removal shifts the slots after it back).
 *
 * A string that is a UUID in its canonical form (the API's ids: 36
 * bytes, lowercase) is kept as PACKED and its 16 bytes, and read back
 * through a small ring of buffers of the reading thread (UUID_RING
 * views at a time stay valid).  Any other string is kept as it is, after
 * an ESCAPED byte if it begins with either mark.  The indexes hash the
 * text and compare the kept forms.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "etable.h"

#define REC_FIRST 16			/* records; the array doubles */
#define STR_SHIFT 16			/* 64 KB of strings a block */
#define STR_BLOCK ((size_t)1 << STR_SHIFT)
#define STR_FIRST ((size_t)1024)	/* bytes of the first block; the
					 * next ones double up to STR_BLOCK */
#define STR_BLOCKS_MAX 65535u
#define INDEXED 3			/* EF_NAME, EF_LABEL, EF_ID */
#define PACKED '\x01'			/* a UUID's 16 bytes follow */
#define ESCAPED '\x02'			/* the string follows as it is */
#define UUID_LEN 36
#define KEPT_MAX (ETABLE_STRING_MAX + 2)	/* a kept form, its NUL too */
#define UUID_RING 16

/* 32 bytes.  Times before 1970 or after 2106 are clamped, sizes to 2 GB
 * (objects are a few KB). */
struct rec {
	uint64_t version;
	uint32_t s[4];		/* string refs, by enum efield */
	uint32_t mtime;		/* seconds since 1970 */
	uint32_t size_mark;	/* the size, and the mark in the top bit */
};

#define MARK_BIT 0x80000000u

struct index {
	uint32_t *slot;
	size_t size;		/* a power of two, or 0 */
	size_t count;
};

struct etable {
	struct rec *rec;		/* moves as it grows: views hold
					 * no pointer into it */
	size_t n, rec_cap;
	char **str;
	size_t str_blocks, str_used;	/* bytes used of the last block */
	size_t str_cap;			/* bytes of the last block */
	struct index ix[INDEXED];
};

struct etable *etable_new(void)
{
	return calloc(1, sizeof(struct etable));
}

void etable_free(struct etable *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->str_blocks; i++)
		free(t->str[i]);
	for (int f = 0; f < INDEXED; f++)
		free(t->ix[f].slot);
	free(t->rec);
	free(t->str);
	free(t);
}

size_t etable_count(const struct etable *t)
{
	return t->n;
}

/* The size of string block b but the last (which may be bigger, for a
 * long string): small first, so that a small listing costs little. */
static size_t block_size(size_t b)
{
	return b < 6 ? STR_FIRST << b : STR_BLOCK;
}

size_t etable_bytes(const struct etable *t)
{
	size_t b = sizeof(*t) + t->rec_cap * sizeof(struct rec) +
		   t->str_blocks * sizeof(void *);

	for (size_t i = 0; i < t->str_blocks; i++)
		b += i + 1 < t->str_blocks ? block_size(i) : t->str_cap;

	for (int f = 0; f < INDEXED; f++)
		b += t->ix[f].size * sizeof(uint32_t);
	return b;
}

static struct rec *rec_at(const struct etable *t, size_t i)
{
	return &t->rec[i];
}

/* The kept form of a string (see above). */
static const char *kept_at(const struct etable *t, uint32_t ref)
{
	if (!ref)
		return NULL;
	ref--;
	return t->str[ref >> STR_SHIFT] + (ref & (STR_BLOCK - 1));
}

static int hex(char c)
{
	return c >= '0' && c <= '9' ? c - '0'
	       : c >= 'a' && c <= 'f' ? c - 'a' + 10
				      : -1;
}

static int is_dash(size_t i)
{
	return i == 8 || i == 13 || i == 18 || i == 23;
}

/* Packs s, a UUID in its canonical form, into 16 bytes: 1, or 0 when s
 * is not one. */
static int pack_uuid(const char *s, unsigned char *b)
{
	size_t k = 0;

	for (size_t i = 0; i < UUID_LEN; i++) {
		int v = is_dash(i) ? 0 : hex(s[i]);

		if (is_dash(i) ? s[i] != '-' : v < 0)
			return 0;
		if (is_dash(i))
			continue;
		if (k % 2 == 0)
			b[k / 2] = (unsigned char)(v << 4);
		else
			b[k / 2] |= (unsigned char)v;
		k++;
	}
	return 1;
}

/* The kept form of s into out (KEPT_MAX bytes): its length, NUL
 * included (none after a UUID's bytes); 0 when s is too long. */
static size_t keep_form(const char *s, char *out)
{
	size_t n = strlen(s);

	if (n == UUID_LEN && pack_uuid(s, (unsigned char *)out + 1)) {
		out[0] = PACKED;
		return 17;
	}
	if (n > ETABLE_STRING_MAX)
		return 0;
	if (*s == PACKED || *s == ESCAPED) {
		out[0] = ESCAPED;
		memcpy(out + 1, s, n + 1);
		return n + 2;
	}
	memcpy(out, s, n + 1);
	return n + 1;
}

/* The text of a kept form; a UUID's in a buffer of the thread's ring. */
static const char *text_of(const char *kept)
{
	static __thread char ring[UUID_RING][UUID_LEN + 1];
	static __thread unsigned next;
	static const char digits[] = "0123456789abcdef";
	const unsigned char *b;
	char *out;

	if (!kept || (*kept != PACKED && *kept != ESCAPED))
		return kept;
	if (*kept == ESCAPED)
		return kept + 1;
	b = (const unsigned char *)kept + 1;
	out = ring[next++ % UUID_RING];
	for (size_t i = 0, k = 0; i < UUID_LEN; i++) {
		if (is_dash(i)) {
			out[i] = '-';
		} else {
			out[i] = digits[k % 2 ? b[k / 2] & 15 : b[k / 2] >> 4];
			k++;
		}
	}
	out[UUID_LEN] = '\0';
	return out;
}

static const char *str_at(const struct etable *t, uint32_t ref)
{
	return text_of(kept_at(t, ref));
}

/* Does the kept form at a equal the kept form b (of klen bytes)? */
static int same_kept(const char *a, const char *b, size_t klen)
{
	return *b == PACKED ? *a == PACKED && !memcmp(a, b, klen)
			    : !strcmp(a, b);
}

/* Copies s into the string blocks: *ref, or -errno. */
static int str_add(struct etable *t, const char *s, uint32_t *ref)
{
	char form[KEPT_MAX];
	size_t len;

	*ref = 0;
	if (!s)
		return 0;
	len = keep_form(s, form);
	if (!len)
		return -ENAMETOOLONG;
	if (!t->str_blocks || t->str_used + len > t->str_cap) {
		size_t size = block_size(t->str_blocks);
		char **nb, *block;

		if (size < len)
			size = STR_BLOCK;	/* a long string, early */
		if (t->str_blocks == STR_BLOCKS_MAX)
			return -ENOMEM;
		nb = realloc(t->str, (t->str_blocks + 1) * sizeof(*nb));
		if (!nb)
			return -ENOMEM;
		t->str = nb;
		block = malloc(size);
		if (!block)
			return -ENOMEM;
		t->str[t->str_blocks++] = block;
		t->str_used = 0;
		t->str_cap = size;
	}
	memcpy(t->str[t->str_blocks - 1] + t->str_used, form, len);
	*ref = (uint32_t)(((t->str_blocks - 1) << STR_SHIFT) | t->str_used) + 1;
	t->str_used += len;
	return 0;
}

void etable_set_attrs(struct etable *t, size_t i, const struct entry *e)
{
	struct rec *r = rec_at(t, i);

	r->size_mark = (e->size < MARK_BIT ? (uint32_t)e->size : MARK_BIT - 1) |
		       (e->marked ? MARK_BIT : 0);
	r->mtime = e->mtime < 0 ? 0
		   : (uint64_t)e->mtime > UINT32_MAX ? UINT32_MAX
						      : (uint32_t)e->mtime;
	r->version = e->version;
}

int etable_append(struct etable *t, const struct entry *e)
{
	const char *s[4] = { e->name, e->label, e->id, e->aux };
	uint32_t ref[4];
	struct rec *r;
	int rc;

	if (t->n == t->rec_cap) {
		size_t cap = t->rec_cap ? t->rec_cap * 2 : REC_FIRST;
		struct rec *nr = realloc(t->rec, cap * sizeof(*nr));

		if (!nr)
			return -ENOMEM;
		t->rec = nr;
		t->rec_cap = cap;
	}
	for (int f = 0; f < 4; f++)
		if ((rc = str_add(t, s[f], &ref[f])) < 0)
			return rc;
	r = rec_at(t, t->n);
	memset(r, 0, sizeof(*r));
	memcpy(r->s, ref, sizeof(ref));
	etable_set_attrs(t, t->n, e);
	t->n++;
	return 0;
}

void etable_get(const struct etable *t, size_t i, struct entry *view)
{
	const struct rec *r = rec_at(t, i);

	view->name = (char *)str_at(t, r->s[EF_NAME]);
	view->label = (char *)str_at(t, r->s[EF_LABEL]);
	view->id = (char *)str_at(t, r->s[EF_ID]);
	view->aux = (char *)str_at(t, r->s[EF_AUX]);
	view->size = r->size_mark & ~MARK_BIT;
	view->mtime = (time_t)r->mtime;
	view->version = r->version;
	view->marked = !!(r->size_mark & MARK_BIT);
}

int etable_set(struct etable *t, size_t i, enum efield f, const char *s)
{
	const char *now = str_at(t, rec_at(t, i)->s[f]);
	uint32_t ref;
	int rc;

	if (now && s && !strcmp(now, s))
		return 0;	/* kept: no string written twice */
	rc = str_add(t, s, &ref);
	if (rc == 0)
		rec_at(t, i)->s[f] = ref;
	return rc;
}

/* The indexes. */

static uint32_t hash(const char *s)
{
	uint32_t h = 2166136261u;	/* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

static const char *field(const struct etable *t, enum efield f, uint32_t v)
{
	return str_at(t, rec_at(t, v - 1)->s[f]);
}

/* Slot of s in index f: where it is, or the empty slot it would take.
 * Compares kept forms: a UUID's 16 bytes are not decoded. */
static size_t probe(const struct etable *t, enum efield f, const char *s)
{
	const struct index *x = &t->ix[f];
	size_t mask = x->size - 1, k = hash(s) & mask;
	char form[KEPT_MAX];
	size_t klen = keep_form(s, form);

	while (!klen && x->slot[k])	/* too long to be kept: nowhere */
		k = (k + 1) & mask;
	while (klen && x->slot[k] &&
	       !same_kept(kept_at(t, rec_at(t, x->slot[k] - 1)->s[f]), form,
			  klen))
		k = (k + 1) & mask;
	return k;
}

static int grow(struct etable *t, enum efield f)
{
	struct index *x = &t->ix[f], old = *x;
	size_t size = x->size ? x->size * 2 : 64;

	if ((x->count + 1) * 10 <= x->size * 7)
		return 0;
	x->slot = calloc(size, sizeof(*x->slot));
	if (!x->slot) {
		*x = old;
		return -ENOMEM;
	}
	x->size = size;
	for (size_t k = 0; k < old.size; k++)
		if (old.slot[k])
			x->slot[probe(t, f, field(t, f, old.slot[k]))] =
				old.slot[k];
	free(old.slot);
	return 0;
}

int etable_index(struct etable *t, enum efield f, size_t i)
{
	const char *s;
	size_t k;

	if (!rec_at(t, i)->s[f])
		return 0;
	if (grow(t, f) < 0)
		return -ENOMEM;
	s = str_at(t, rec_at(t, i)->s[f]);	/* after grow() used the ring */
	k = probe(t, f, s);
	if (!t->ix[f].slot[k])
		t->ix[f].count++;
	t->ix[f].slot[k] = (uint32_t)i + 1;
	return 0;
}

void etable_unindex(struct etable *t, enum efield f, size_t i)
{
	struct index *x = &t->ix[f];
	const char *s = str_at(t, rec_at(t, i)->s[f]);
	size_t mask = x->size - 1, hole, k;

	if (!s || !x->size)
		return;
	hole = probe(t, f, s);
	if (x->slot[hole] != i + 1)
		return;
	/* Shifts back every slot after the hole that may move there. */
	for (k = (hole + 1) & mask; x->slot[k]; k = (k + 1) & mask) {
		size_t home = hash(field(t, f, x->slot[k])) & mask;

		if (((k - home) & mask) >= ((k - hole) & mask)) {
			x->slot[hole] = x->slot[k];
			hole = k;
		}
	}
	x->slot[hole] = 0;
	x->count--;
}

size_t etable_find(const struct etable *t, enum efield f, const char *s)
{
	if (!s || !t->ix[f].size)
		return 0;
	return t->ix[f].slot[probe(t, f, s)];
}
