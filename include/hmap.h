/*
 * hmap.h - string-keyed hash map (open addressing), values are pointers.
 *
 * Keys are copied.  Not thread-safe: the owner locks.
 */
#ifndef INSTANTLYFS_HMAP_H
#define INSTANTLYFS_HMAP_H

#include <stddef.h>

struct hmap;

struct hmap *hmap_new(void);
/* A map whose keys are not copied: each must stay valid, unchanged, while
 * it is in the map (a key of an entry that holds its own string). */
struct hmap *hmap_new_borrowing(void);
/* Calls free_val (if not NULL) on every value. */
void hmap_free(struct hmap *m, void (*free_val)(void *));
/* Replaces an existing value, returning the old one in *old (if old). */
int hmap_put(struct hmap *m, const char *key, void *val, void **old);
void *hmap_get(const struct hmap *m, const char *key);
/* Removes and returns the value, NULL if absent. */
void *hmap_del(struct hmap *m, const char *key);
size_t hmap_count(const struct hmap *m);
/* Iteration: *pos starts at 0; returns 0 at the end. */
int hmap_next(const struct hmap *m, size_t *pos, const char **key, void **val);

#endif
