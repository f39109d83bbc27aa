/*
 * cachecmd.h - "instantlyfs cache info|clear": what the stores on disk
 * hold, and removing them.
 *
 *   instantlyfs cache info [--cache-dir PATH]
 *   instantlyfs cache clear [--workspace ID] [--cache-dir PATH]
 *
 * info only reads: it opens each database read-only and never makes the
 * folder.  clear removes a store only while it holds its folder's lock
 * exclusively (storedir.h), so never one a mount uses.  Single-threaded:
 * it runs instead of the mount, never beside it; needs no key.
 */
#ifndef INSTANTLYFS_CACHECMD_H
#define INSTANTLYFS_CACHECMD_H

#include <stddef.h>

/* argv[0] is "cache".  The exit status: 0; 1 when something could not be
 * done (a store in use, a missing workspace), message on stderr; 2 on a
 * usage error. */
int cachecmd_main(int argc, char **argv);

/* "42s", "3m 5s", "2h 10m", "4d 3h": an age in seconds, for people. */
void cachecmd_age(double seconds, char *buf, size_t len);
/* "512 B", "12.3 KB", "4.0 MB" (units of 1024). */
void cachecmd_size(double bytes, char *buf, size_t len);
/* A listing's key (method, path, parent field and parent, split by 0x1f)
 * as "POST /api/v2/leads/list campaign=ID"; other control bytes as '?'. */
void cachecmd_listing_name(const char *key, char *buf, size_t len);

#endif
