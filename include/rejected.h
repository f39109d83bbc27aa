/*
 * rejected.h - the text of recent writes the API (or the mount's own
 * checks) refused, kept so the user can fix it and copy it back.
 *
 * Shown as .instantlyfs/rejected/<n>-<name>: the last REJECTED_MAX, the
 * oldest dropped first.  Thread-safe.
 */
#ifndef INSTANTLYFS_REJECTED_H
#define INSTANTLYFS_REJECTED_H

#include <stddef.h>
#include <time.h>

#define REJECTED_MAX 32

/* Keeps a copy of the text written to path. */
void rejected_add(const char *path, const char *data, size_t len);
/* Calls fn with every kept name, oldest first. */
void rejected_list(void (*fn)(void *, const char *), void *arg);
/* A copy of the text kept under name; 0 or -ENOENT. */
int rejected_get(const char *name, char **data, size_t *len, time_t *when);
void rejected_clear(void);

#endif
