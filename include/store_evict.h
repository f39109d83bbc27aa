/*
 * store_evict.h - the cap on the store's size on disk (-o cache_size).
 *
 * The size is what the database's pages in use take (page_count less
 * freelist_count, times page_size) plus its write-ahead log.  Past the
 * cap, the least recently used objects (rows of blobs, by their `used`
 * time) go, a batch per transaction, until the size is under 90% of the
 * cap; the freed pages are given back (incremental_vacuum) and the log
 * truncated, so the files really shrink.  Listings and their entries are
 * the index of the tree and are never evicted: only objects.  An object
 * with a write not yet committed is never among them: the store holds
 * only what the API answered (a write is kept in the handle or a scratch
 * file until its commit, whose answer is what is stored).
 *
 * Called by the store's writer thread alone, on its connection, between
 * batches (no transaction open).
 */
#ifndef INSTANTLYFS_STORE_EVICT_H
#define INSTANTLYFS_STORE_EVICT_H

#include <stddef.h>
#include <sqlite3.h>

/* Bytes the store takes: pages in use plus the log at wal_path. */
size_t store_evict_size(sqlite3 *db, const char *wal_path);
/* Evicts what is needed to be under cap (bytes; 0: no cap).  Returns the
 * number of objects evicted. */
size_t store_evict(sqlite3 *db, const char *wal_path, size_t cap);

#endif
