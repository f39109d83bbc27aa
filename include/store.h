/*
 * store.h - the workspace's mirror on disk: listings and objects kept in
 * SQLite, so that a remount within the TTL costs no request and memory
 * need hold only what is in use.
 *
 * One database per workspace, <root>/<workspace id>/store.db, in WAL mode
 * (crash-safe: a transaction is whole or absent; several processes may
 * share it).  Folder 0700, files 0600: it holds customer data.  A store
 * of another schema is rebuilt, never read.
 *
 * The cache (cache.c) is its only user.  Writes are queued and done by a
 * writer thread of this module, a batch per transaction, so a FUSE thread
 * never waits for the disk to write; reads are done at once, on a
 * connection of their own.  Times are wall-clock seconds (they outlive the
 * process).  Nothing is deleted to make a thing fetched again: it is made
 * stale (its fetch time 0), and stays for reading when the API cannot be
 * reached.  A listing is stored whole when it is complete, as a new
 * generation that replaces the old one in one transaction, so a listing
 * cut short (by a crash, an error) never replaces a whole one.
 *
 * Under -o cache_size (store_set_cap) the least recently used objects are
 * evicted to keep the files under the cap (store_evict.h); listings stay.
 *
 * While open, the store holds a shared flock on its folder's lock file
 * (storedir.h): `instantlyfs cache clear` refuses to remove it meanwhile.
 *
 * Locking: `lock` guards the queue and the objects read since the last
 * batch, `rd_lock` the read connection (taken before `lock` when both
 * are); the writer thread alone uses the write connection.
 */
#ifndef INSTANTLYFS_STORE_H
#define INSTANTLYFS_STORE_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cache.h"

/* 4: a campaign's lead entries keep lt_interest_status (by-interest/); a
 * store of 3 would show every stored lead without one. */
#define STORE_SCHEMA "4"

/* The store's root when -o cache_dir is not given: $XDG_CACHE_HOME/
 * instantlyfs, else ~/.cache/instantlyfs; malloc'd, NULL if neither. */
char *store_default_root(void);
/* Opens (creating it) the store of workspace under root and starts its
 * writer: 0, or -errno with *err a malloc'd message. */
int store_open(const char *root, const char *workspace, char **err);
/* The cap on the store's size, in bytes (0: none); before store_open. */
void store_set_cap(size_t bytes);
/* Writes what is queued, stops the writer, closes the database. */
void store_close(void);
int store_on(void);
/* Waits until every write queued so far is on disk. */
void store_flush(void);

/* Writes (queued).  store_put_blob() returns the write's sequence
 * number (0: not queued), which store_written() tells is on disk. */
uint64_t store_put_blob(const char *key, const char *data, size_t len,
			time_t mtime, uint64_t version);
int store_written(uint64_t seq);
void store_stale_blob(const char *key);
/*
 * A listing being loaded: store_listing_begin() starts a new generation,
 * its entries are stored as they come (store_listing_entry), and
 * store_listing_complete() makes it the stored listing, in place of the
 * one before.  An entry given without a begun generation is one learned
 * by the stored listing (after a write).
 */
void store_listing_begin(const char *key);
void store_listing_entry(const char *key, size_t idx, const struct entry *e);
void store_listing_complete(const char *key, size_t n, double fetched);
void store_listing_remove(const char *key, const char *id);
void store_stale_listing(const char *key);
/* .instantlyfs/refresh: nothing stored is fresh any more. */
void store_stale_all(void);

/* key was read (from memory): under a cap, its use is noted, and written
 * with the next batch.  store_get_blob() notes its own. */
void store_touch(const char *key);

/* Reads.  0 with *fetched (0: stale), or -ENOENT. */
int store_get_blob(const char *key, struct blob *out, double *fetched);
/* Calls add(arg, e) for each entry of the stored listing, in order. */
int store_get_listing(const char *key,
		      int (*add)(void *arg, struct entry *e), void *arg,
		      double *fetched);

/* The wall clock, in seconds. */
double store_now(void);

#endif
