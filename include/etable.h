/*
 * etable.h - the entries of one listing, held compactly.
 *
 * A listing of a million leads is the biggest thing a mount holds, so its
 * entries cost about a hundred bytes each: a fixed record of 32 bytes in
 * an array that doubles, the strings packed one after the other in
 * blocks of their own that never move (no allocation, no pointer per
 * string), and indexes by name, label and id that hold 32-bit entry
 * numbers in open-addressed tables.  Everything starts small (a listing
 * of five entries costs about 2 KB): a mount lists many small folders
 * too.  A string replaced or cleared stays in its block until the table
 * is freed (a rename is rare; a listing is rebuilt when it is fetched
 * again).
 *
 * Entries are read as struct entry views whose strings belong to the
 * table: valid until the entry's string is replaced or the table freed.
 * A UUID (the API's ids, in their canonical form) is kept in 16 bytes and
 * read back into a ring of the thread's buffers: the strings of a view
 * stay valid until the thread has read 16 more UUIDs (about 5 views), so
 * copy what is kept longer.
 * Not thread-safe: the owner (the cache) locks.
 */
#ifndef INSTANTLYFS_ETABLE_H
#define INSTANTLYFS_ETABLE_H

#include <stddef.h>

#include "cache.h"

/* The strings of an entry; the first three are indexed. */
enum efield { EF_NAME, EF_LABEL, EF_ID, EF_AUX };

/* Strings longer than this are refused (names are at most 255 bytes). */
#define ETABLE_STRING_MAX 4095

struct etable;

struct etable *etable_new(void);
void etable_free(struct etable *t);
size_t etable_count(const struct etable *t);
/* Bytes it holds (records, strings, indexes). */
size_t etable_bytes(const struct etable *t);

/* Appends a copy of e (its strings are copied, not taken), unindexed:
 * 0 or -ENOMEM / -ENAMETOOLONG. */
int etable_append(struct etable *t, const struct entry *e);
/* Entry i (< count) as a view. */
void etable_get(const struct etable *t, size_t i, struct entry *view);
/* Replaces a string of entry i (s may be NULL); the caller unindexes the
 * old one first.  0 or -errno. */
int etable_set(struct etable *t, size_t i, enum efield f, const char *s);
/* Replaces size, mtime, version and mark of entry i. */
void etable_set_attrs(struct etable *t, size_t i, const struct entry *e);

/* Indexes: field f of entry i is found as i, in place of any other entry
 * of that string.  0 or -ENOMEM. */
int etable_index(struct etable *t, enum efield f, size_t i);
/* Drops the index of field f of entry i, if it is the one indexed. */
void etable_unindex(struct etable *t, enum efield f, size_t i);
/* Index + 1 of the entry indexed under s in field f, or 0. */
size_t etable_find(const struct etable *t, enum efield f, const char *s);

#endif
