/*
 * cache.h - the mount's memory of the workspace: blobs and listings.
 *
 * Blobs are rendered file contents (an object's JSON, an analytics CSV, a
 * count) under a string key.  Listings are the entries of one collection
 * folder (see coll.h), filled page by page.  Both stay fresh for the TTL
 * (-o cache_ttl); a stale one is fetched again on next use.  Concurrent
 * misses on one key wait for a single fetch, so two threads never spend
 * two requests on the same thing.  cache_drop_all() forgets everything
 * (.instantlyfs/refresh); listings still held by an open folder stay
 * valid until released.  Every change is reported to the watcher
 * (cache_watch), which tells the kernel; every blob carries the version
 * of its bytes; each FUSE operation learns how long what it consulted
 * stays fresh (cache_op_*).
 *
 * Offline (offline.h): a fetch that fails because the API cannot be
 * reached is answered with the stale copy held in memory or in the
 * store, if any; nothing held is dropped or made stale for it.
 *
 * Locking: one mutex guards every map and every listing's entry array;
 * fill callbacks run without it.
 */
#ifndef INSTANTLYFS_CACHE_H
#define INSTANTLYFS_CACHE_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "pager.h"

struct blob {
	char *data;
	size_t len;
	time_t mtime;
	uint64_t version;	/* cache_hash() of the bytes; 0: not known */
};

void cache_init(double ttl_seconds);
void cache_destroy(void);
void cache_drop_all(void);
double cache_ttl(void);

void blob_free(struct blob *b);

/* Bounds the bytes of blobs held (0: no bound); see cache.c. */
void cache_set_mem(size_t bytes);
size_t cache_mem_held(void);
/* Bytes the listings held take (their entry tables). */
size_t cache_listing_bytes(void);
/* The listings a page of which is being fetched (a folder read only in
 * part, such as emails/, is not listed between its pages), a line each:
 * "listing_in_progress <request> <parent field>=<id> pages_fetched <n>
 * entries <n>\n"; malloc'd, "" when there is none. */
char *cache_listings_in_progress(void);

/*
 * A blob by key: from the cache while fresh, else fill(arg, out) is
 * called (once, whatever the number of waiting threads) and the result
 * stored.  On success *out is a private copy to free with blob_free().
 */
typedef int (*cache_fill_fn)(void *arg, struct blob *out);
int cache_blob(const char *key, cache_fill_fn fill, void *arg,
	       struct blob *out);
/*
 * A blob made from another (a word for a field of an object, the text of
 * an email's body): derive(arg, src, out) runs once per version of src,
 * whose freshness the result shares (src comes fresh from cache_blob).
 */
typedef int (*cache_derive_fn)(void *arg, const struct blob *src,
			       struct blob *out);
int cache_derived(const char *key, const struct blob *src,
		  cache_derive_fn derive, void *arg, struct blob *out);
/* Stores a copy (data is not taken) as fresh now. */
void cache_blob_put(const char *key, const char *data, size_t len,
		    time_t mtime);
/*
 * A copy of the blob held for key, in memory or in the store, however
 * old (but not one a refresh dropped); -ENOENT when none is.  Nothing is
 * fetched, and it is not counted as consulted: for what never changes
 * once fetched, read through a listing that is itself fresh.
 */
int cache_blob_held(const char *key, struct blob *out);
/* Size, mtime and version of a fresh cached blob without copying; 0 or
 * -ENOENT. */
int cache_blob_peek(const char *key, size_t *len, time_t *mtime,
		    uint64_t *version);
/* The same with the cache lock held, and not counted as consulted. */
int cache_blob_peek_locked(const char *key, size_t *len, time_t *mtime,
			   uint64_t *version);
void cache_blob_drop(const char *key);
/* The same with the cache lock held. */
void cache_blob_drop_locked(const char *key);

/* One entry of a collection folder. */
struct entry {
	char *name;	/* the file or folder name in the collection folder */
	char *label;	/* the by-name/ name, or NULL */
	char *id;	/* the API key of the object */
	char *aux;	/* a field kept for views (status, thread id...) */
	size_t size;
	time_t mtime;
	uint64_t version;	/* of the object's bytes when listed */
	unsigned char marked;	/* a flag kept for views (unread...) */
};

struct listing;
/*
 * Adds the entries of one page; called by the listing's loader under no
 * lock.  Returns 0, or -errno to stop.
 */
typedef int (*listing_load_fn)(struct listing *l, void *arg);

struct listing {
	char *key;
	int refs;
	struct etable *t;	/* the entries, indexed by name, label, id */
	size_t n;		/* how many (removed ones included) */
	struct hmap *clashed;	/* names and labels given the long form */
	double fetched;
	int fetched_by;	/* the process it was fetched for */
	int complete;	/* every page is in */
	int loading;	/* a thread is fetching a page */
	int stored;	/* its generation is begun in the store */
	int error;	/* -errno of the last failed page */
	struct pager pager;
	void *owner;	/* what describes it (a struct coll) */
	struct listing *prev;	/* the stale listing this one replaces */
	struct listing *fallback;	/* a whole, stale copy, served in its
					   place when the API cannot be
					   reached (offline.h) */
	char *parent;	/* the parent id, or NULL */
	void *loader;	/* the loader's own state, or NULL */
	void (*loader_free)(void *);	/* frees it with the listing; must
					   not wait (called locked) */
};

/*
 * The listing for key, referenced (release with listing_put).  A fresh
 * listing is returned as it is; a stale or missing one is created empty,
 * with owner and parent set, for the caller to fill with listing_more().
 * With keep_prev, the stale listing it replaces (in memory, else the
 * whole one in the store) stays reachable as ->prev, for a loader that
 * refreshes incrementally or from the ids it knows.  A whole stale copy
 * (in memory, else in the store) is kept as ->fallback: if loading fails
 * because the API cannot be reached, listing_more() serves it instead;
 * while offline_holding(), it is returned at once, stale, with no fetch.
 */
struct listing *cache_listing(const char *key, void *owner, const char *parent,
			      int keep_prev);
void listing_put(struct listing *l);

/*
 * Makes sure the listing holds more than `want` entries or is complete
 * (want = (size_t)-1 loads every page).  One thread fetches a page at a
 * time with load(); others wait.  Returns 0 or the -errno of the failure
 * (entries loaded so far stay).  A failure for want of the API, when the
 * listing has a fallback, is not one: the listing takes the fallback's
 * entries, whole and stale, and the store keeps the generation it had.
 */
int listing_more(struct listing *l, size_t want, listing_load_fn load,
		 void *arg);

/*
 * Appends an entry (takes ownership of its strings); an id already
 * listed is dropped, so an object is listed once.  When its name (or
 * label) is already taken, every holder of that name is renamed with
 * clash(entry, is_label), which returns a malloc'd unique name: so all
 * clashing objects get the long form, whichever page they came in.
 */
typedef char *(*listing_clash_fn)(const struct entry *e, int is_label);
int listing_add(struct listing *l, struct entry *e, listing_clash_fn clash);
/* Index + 1 of the entry called name / with that label / that id, or 0.
 * Call with the cache lock held. */
size_t listing_find(struct listing *l, const char *name);
size_t listing_find_label(struct listing *l, const char *label);
size_t listing_find_id(struct listing *l, const char *id);

/* Entry i (< n) as a view whose strings belong to the listing: valid
 * while the cache lock is held, and for about 5 more views (see
 * etable.h); copy what is kept longer.  Locked. */
void listing_at(const struct listing *l, size_t i, struct entry *view);
/* Replaces size, mtime, version, mark and aux of entry i.  Locked. */
int listing_update_locked(struct listing *l, size_t i, const struct entry *e);

/* Removes the entry with that id; its slot stays, with a NULL name. */
void listing_remove(struct listing *l, const char *id);
/* Reports that entries of l changed in place (size, aux, mark...), for
 * the views built from them and the store.  Locked. */
void listing_changed_locked(struct listing *l);
/* Forgets the listing under key: the next use lists again. */
void cache_listing_drop(const char *key);

/* The cache mutex, for callers that read a listing's entry array. */
void cache_lock(void);
void cache_unlock(void);

double cache_now(void);

/* A 64-bit hash of bytes: the version of a file's contents, and the
 * name of a key in change reports. */
uint64_t cache_hash(const void *data, size_t len);
uint64_t cache_key_hash(const char *key);

/*
 * What one FUSE operation learned from the cache, for the kernel's caches.
 * Thread-local: cache_op_begin() starts an operation for a process; every
 * blob or listing it consults, fresh or fetched, counts; cache_op_end()
 * ends it.  What was fetched for a process stays fresh for that process,
 * whatever the TTL, while its operations follow each other within
 * CACHE_SHARE_S (a burst, of at most 30 s): one open-read-close (lookups,
 * stat, open) fetches a thing once even with -o cache_ttl=0, and so does
 * one grep -r.
 *
 * cache_op_expires(): seconds the answer stays true, that is until the
 * oldest thing consulted goes stale (the TTL when nothing was).
 * cache_op_dep(): the key hash of the last thing consulted: what the
 * answer about the operation's last path component depends on.
 * cache_op_depend(): records key as consulted (for answers built from
 * an entry of a listing: the object's blob is what they show).
 * cache_op_raced(): has any change been reported since the operation
 * began?  Then its answer may already be out of date.
 * cache_op_fetched(): whether it fetched anything from the API.
 */
#define CACHE_SHARE_S 1.0
void cache_op_begin(int pid);
void cache_op_end(void);
double cache_op_expires(void);
uint64_t cache_op_dep(void);
void cache_op_depend(const char *key);
int cache_op_raced(void);
/* Did the operation fetch anything (rather than find it all fresh)? */
int cache_op_fetched(void);

/*
 * Change reports: fn learns of every blob whose bytes changed or that was
 * dropped, every listing whose names may have changed (refetched, an
 * entry added or removed, dropped), and of cache_drop_all().  It is
 * called with the cache lock held and must only take note.
 */
enum cache_change {
	CACHE_CHANGED,	/* new bytes, or new names */
	CACHE_DROPPED,	/* gone: what showed it may be gone too */
	CACHE_DROPPED_ALL,
};
typedef void (*cache_watch_fn)(enum cache_change what, uint64_t keyhash);
void cache_watch(cache_watch_fn fn);

#endif
