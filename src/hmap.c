/*
 * hmap.c - string-keyed hash map: open addressing, linear probing, FNV-1a.
 *
 * The table's size is a power of two.  Deleted slots become tombstones,
 * so nothing moves on hmap_del(): deleting the entry hmap_next() just
 * returned is safe while iterating (hmap_put() is not; it may rehash).
 * The table is rebuilt when live entries plus tombstones pass 70% of the
 * slots, doubling only if the live entries alone are over 35%.  A failed
 * allocation leaves the map unchanged.  Not thread-safe: the owner locks.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"

#define HMAP_MIN_SLOTS 16

struct slot {
	char *key; /* NULL: empty; tombstone: deleted */
	void *val;
	uint64_t hash;
};

struct hmap {
	struct slot *slots;
	size_t nslots; /* a power of two */
	size_t count;  /* live entries */
	size_t used;   /* live entries and tombstones */
	int borrows;   /* keys are the caller's, never copied or freed */
};

static char tombstone_mark;
#define TOMBSTONE (&tombstone_mark)

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 14695981039346656037ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static int live(const struct slot *s)
{
	return s->key && s->key != TOMBSTONE;
}

struct hmap *hmap_new_borrowing(void)
{
	struct hmap *m = hmap_new();

	if (m)
		m->borrows = 1;
	return m;
}

struct hmap *hmap_new(void)
{
	struct hmap *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->slots = calloc(HMAP_MIN_SLOTS, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	m->nslots = HMAP_MIN_SLOTS;
	return m;
}

void hmap_free(struct hmap *m, void (*free_val)(void *))
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nslots; i++) {
		if (!live(&m->slots[i]))
			continue;
		if (free_val)
			free_val(m->slots[i].val);
		if (!m->borrows)
			free(m->slots[i].key);
	}
	free(m->slots);
	free(m);
}

/* The slot holding key, or NULL. */
static struct slot *find(const struct hmap *m, const char *key, uint64_t h)
{
	size_t mask = m->nslots - 1, i = (size_t)h & mask;

	for (;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];

		if (!s->key)
			return NULL;
		if (live(s) && s->hash == h && !strcmp(s->key, key))
			return s;
	}
}

/* Re-inserts every live entry into a table of nslots slots. */
static int rehash(struct hmap *m, size_t nslots)
{
	struct slot *slots = calloc(nslots, sizeof(*slots));
	size_t i, mask = nslots - 1;

	if (!slots)
		return -ENOMEM;
	for (i = 0; i < m->nslots; i++) {
		const struct slot *s = &m->slots[i];
		size_t j;

		if (!live(s))
			continue;
		for (j = (size_t)s->hash & mask; slots[j].key;
		     j = (j + 1) & mask)
			;
		slots[j] = *s;
	}
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	m->used = m->count;
	return 0;
}

int hmap_put(struct hmap *m, const char *key, void *val, void **old)
{
	uint64_t h;
	struct slot *s;
	size_t mask, i;
	char *copy;

	if (!key)
		return -EINVAL;
	h = fnv1a(key);
	s = find(m, key, h);
	if (s) {
		if (old)
			*old = s->val;
		s->val = val;
		return 0;
	}
	if (old)
		*old = NULL;

	if ((m->used + 1) * 10 > m->nslots * 7) {
		size_t n = m->nslots;

		if ((m->count + 1) * 20 > n * 7) {
			if (n > SIZE_MAX / 2 / sizeof(struct slot))
				return -ENOMEM;
			n *= 2;
		}
		if (rehash(m, n))
			return -ENOMEM;
	}
	copy = m->borrows ? (char *)key : strdup(key);
	if (!copy)
		return -ENOMEM;

	mask = m->nslots - 1;
	for (i = (size_t)h & mask; live(&m->slots[i]); i = (i + 1) & mask)
		;
	s = &m->slots[i];
	if (!s->key)
		m->used++;
	s->key = copy;
	s->val = val;
	s->hash = h;
	m->count++;
	return 0;
}

void *hmap_get(const struct hmap *m, const char *key)
{
	const struct slot *s = key ? find(m, key, fnv1a(key)) : NULL;

	return s ? s->val : NULL;
}

void *hmap_del(struct hmap *m, const char *key)
{
	struct slot *s = key ? find(m, key, fnv1a(key)) : NULL;
	void *val;

	if (!s)
		return NULL;
	val = s->val;
	if (!m->borrows)
		free(s->key);
	s->key = TOMBSTONE;
	s->val = NULL;
	m->count--;
	return val;
}

size_t hmap_count(const struct hmap *m)
{
	return m->count;
}

int hmap_next(const struct hmap *m, size_t *pos, const char **key, void **val)
{
	for (; *pos < m->nslots; (*pos)++) {
		const struct slot *s = &m->slots[*pos];

		if (!live(s))
			continue;
		if (key)
			*key = s->key;
		if (val)
			*val = s->val;
		(*pos)++;
		return 1;
	}
	return 0;
}
