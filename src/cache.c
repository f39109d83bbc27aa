/*
 * cache.c - blobs and listings with a TTL, one fetch per key at a time.
 *
 * Owns: the blob map (key -> struct cblob) and the listing map (key ->
 * struct listing), and the blobs' order of use.  Must not: call the API
 * itself; fill callbacks do.
 *
 * The blobs held are bounded (cache_set_mem): past the bound, the least
 * recently used ones that the store has on disk (or that are made again
 * from their source) are let go, and read from the store when next
 * needed.  Without a store nothing is let go.
 * Locking: `lock` guards both maps, every listing's fields and entry
 * array; `cond` wakes threads waiting for a fetch in progress.  Fill and
 * load callbacks run unlocked.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "cache.h"
#include "etable.h"
#include "hmap.h"
#include "offline.h"
#include "stats.h"
#include "store.h"

struct cblob {
	char *data;
	size_t len;
	time_t mtime;
	uint64_t version;
	double fetched;
	int fetched_by;		/* the process it was fetched for */
	int loading;
	int on_disk;		/* the store has these bytes, or they are
				 * made again from a source */
	uint64_t seq;		/* the store's write of these bytes */
	uint64_t source;	/* a derived blob: its source's version */
	struct cblob *newer, *older;	/* the order of use */
	char key[];		/* the map's key */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static struct hmap *blobs;
static struct hmap *listings;
static struct cblob *newest, *oldest;
static size_t held;		/* bytes of blobs held */
static size_t held_max;		/* the bound; 0: none */
static double ttl = 60;
static unsigned long generation;	/* bumped by cache_drop_all */
static cache_watch_fn watcher;
static _Atomic unsigned long changes;	/* reports made so far */

/* The operation this thread serves (cache_op_*). */
static __thread struct {
	int active;
	double oldest;		/* fetch time of the oldest thing consulted */
	uint64_t dep;
	unsigned long changes;	/* `changes` when it began */
	int fetched;		/* it fetched something */
	int pid;		/* the process it serves; 0: none */
	double burst;		/* when that process's burst began */
} op;

/*
 * The recent bursts of operations of each process: a burst goes on while
 * the process's operations follow each other within CACHE_SHARE_S, at
 * most CACHE_BURST_MAX_S.  A small table: a process pushed out of it
 * starts a new burst.
 */
#define BURSTS 64
#define CACHE_BURST_MAX_S 30.0
static pthread_mutex_t burst_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	int pid;
	double start, last;
} bursts[BURSTS];

static double burst_of(int pid, double now, int ended)
{
	size_t slot = (size_t)pid % BURSTS;
	double start;

	pthread_mutex_lock(&burst_lock);
	if (bursts[slot].pid != pid ||
	    (!ended && (now - bursts[slot].last > CACHE_SHARE_S ||
			now - bursts[slot].start > CACHE_BURST_MAX_S))) {
		bursts[slot].pid = pid;
		bursts[slot].start = now;
	}
	bursts[slot].last = now;
	start = bursts[slot].start;
	pthread_mutex_unlock(&burst_lock);
	return start;
}

static uint64_t mix(uint64_t k)
{
	k ^= k >> 33;
	k *= 0xff51afd7ed558ccdull;
	k ^= k >> 33;
	k *= 0xc4ceb9fe1a85ec53ull;
	k ^= k >> 33;
	return k;
}

uint64_t cache_hash(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 0x9e3779b97f4a7c15ull ^ mix(len), w;

	for (; len >= 8; p += 8, len -= 8) {
		memcpy(&w, p, 8);
		h = ((h ^ mix(w)) << 27 | (h ^ mix(w)) >> 37) * 5 + 0x52dce729;
	}
	w = 0;
	if (len)
		memcpy(&w, p, len);
	h = mix(h ^ mix(w ^ 0x100));
	return h ? h : 1;	/* 0 means "not known" */
}

uint64_t cache_key_hash(const char *key)
{
	return cache_hash(key, strlen(key));
}

void cache_watch(cache_watch_fn fn)
{
	watcher = fn;
}

/* Locked.  Tells the watcher. */
static void report(enum cache_change what, const char *key)
{
	changes++;
	if (watcher)
		watcher(what, key ? cache_key_hash(key) : 0);
}

void cache_op_begin(int pid)
{
	op.active = 1;
	op.pid = pid;
	op.burst = pid ? burst_of(pid, cache_now(), 0) : 0;
	op.oldest = -1;
	op.dep = 0;
	op.changes = changes;
	op.fetched = 0;
}

int cache_op_fetched(void)
{
	return op.active && op.fetched;
}

void cache_op_end(void)
{
	if (op.active && op.pid)
		burst_of(op.pid, cache_now(), 1);
	op.active = 0;
}

/* The operation consulted key, fetched at `fetched`. */
static void consulted(const char *key, double fetched)
{
	if (!op.active)
		return;
	if (op.oldest < 0 || fetched < op.oldest)
		op.oldest = fetched;
	op.dep = cache_key_hash(key);
}

/* The operation consulted something fetched at `fetched`, the last
 * thing it depends on staying what it was. */
static void aged(double fetched)
{
	if (op.active && (op.oldest < 0 || fetched < op.oldest))
		op.oldest = fetched;
}

double cache_op_expires(void)
{
	double left;

	if (!op.active || op.oldest < 0)
		return ttl;
	left = op.oldest + ttl - cache_now();
	return left > 0 ? left : 0;
}

uint64_t cache_op_dep(void)
{
	return op.active ? op.dep : 0;
}

void cache_op_depend(const char *key)
{
	if (op.active)
		op.dep = key ? cache_key_hash(key) : 0;
}

int cache_op_raced(void)
{
	return !op.active || changes != op.changes;
}

double cache_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*
 * Fresh for the TTL; and, whatever the TTL, for the process it was
 * fetched for, during the burst of operations it was fetched in: the
 * lookups, stats and open of one `cat` are served by one fetch.
 */
static int fresh(double fetched, int by)
{
	return cache_now() - fetched < ttl ||
	       (by && op.active && by == op.pid && fetched >= op.burst);
}

void cache_lock(void)
{
	pthread_mutex_lock(&lock);
}

void cache_unlock(void)
{
	pthread_mutex_unlock(&lock);
}

void cache_init(double ttl_seconds)
{
	ttl = ttl_seconds;
	blobs = hmap_new_borrowing();	/* keyed by each blob's own key */
	listings = hmap_new();
}

double cache_ttl(void)
{
	return ttl;
}

void cache_set_mem(size_t bytes)
{
	held_max = bytes;
}

size_t cache_mem_held(void)
{
	return held;
}

size_t cache_listing_bytes(void)
{
	size_t pos = 0, bytes = 0;
	const char *key;
	void *val;

	pthread_mutex_lock(&lock);
	while (listings && hmap_next(listings, &pos, &key, &val)) {
		const struct listing *l = val;

		bytes += sizeof(*l) + etable_bytes(l->t);
		if (l->prev)
			bytes += sizeof(*l) + etable_bytes(l->prev->t);
	}
	pthread_mutex_unlock(&lock);
	return bytes;
}

/* One line of cache_listings_in_progress(); locked. */
static void progress_line(struct buf *out, const char *key,
			  const struct listing *l)
{
	const char *field = strchr(key, '\x1f');
	const char *parent = field ? strchr(field + 1, '\x1f') : NULL;

	if (!field || !parent)
		return;
	buf_printf(out, "listing_in_progress %.*s", (int)(field - key), key);
	if (parent > field + 1)
		buf_printf(out, " %.*s=%s", (int)(parent - field - 1),
			   field + 1, parent + 1);
	buf_printf(out, " pages_fetched %zu entries %zu\n", l->pager.pages,
		   l->n);
}

char *cache_listings_in_progress(void)
{
	size_t pos = 0;
	const char *key;
	struct buf out;
	void *val;

	buf_init(&out, 1u << 20);
	pthread_mutex_lock(&lock);
	while (listings && hmap_next(listings, &pos, &key, &val)) {
		const struct listing *l = val;

		if (!l->complete && l->loading)
			progress_line(&out, key, l);
	}
	pthread_mutex_unlock(&lock);
	return out.data ? buf_steal(&out, NULL) : strdup("");
}

static size_t cost(const struct cblob *b)
{
	return sizeof(*b) + strlen(b->key) + 1 + (b->data ? b->len + 1 : 0);
}

static void lru_unlink(struct cblob *b)
{
	if (b->newer)
		b->newer->older = b->older;
	else
		newest = b->older;
	if (b->older)
		b->older->newer = b->newer;
	else
		oldest = b->newer;
	b->newer = b->older = NULL;
}

/* Locked.  b was used now. */
static void lru_touch(struct cblob *b)
{
	if (newest == b)
		return;
	if (b->newer || b->older || oldest == b)
		lru_unlink(b);
	b->older = newest;
	if (newest)
		newest->newer = b;
	newest = b;
	if (!oldest)
		oldest = b;
}

static void cblob_free(void *p)
{
	struct cblob *b = p;

	if (b) {
		held -= cost(b);
		lru_unlink(b);
		free(b->data);
		free(b);
	}
}

/*
 * Locked.  Lets the least recently used blobs go while more than the
 * bound is held, those the store has on disk only.  The ones not yet
 * written are the newest few (the store's queue is bounded), so the walk
 * gives up after a few of them.
 */
static void trim(void)
{
	struct cblob *b = oldest, *next;
	int kept = 0;

	if (!held_max || !store_on())
		return;
	/* The newest is the one just used: its caller still holds it. */
	while (held > held_max && b && b != newest && kept < 256) {
		next = b->newer;
		if (!b->loading &&
		    (b->on_disk || store_written(b->seq))) {
			hmap_del(blobs, b->key);
			cblob_free(b);
			stats_add(STAT_CACHE_EVICT, 1);
		} else {
			kept++;
		}
		b = next;
	}
}

static void listing_unref(void *p);

static void listing_free(struct listing *l)
{
	etable_free(l->t);
	hmap_free(l->clashed, NULL);
	pager_free(&l->pager);
	if (l->loader && l->loader_free)
		l->loader_free(l->loader);
	if (l->prev)
		listing_unref(l->prev);
	if (l->fallback)
		listing_unref(l->fallback);
	free(l->parent);
	free(l->key);
	free(l);
}

/* Drops the map's reference; frees when no folder holds it.  Locked. */
static void listing_unref(void *p)
{
	struct listing *l = p;

	if (l && --l->refs == 0)
		listing_free(l);
}

void cache_drop_all(void)
{
	pthread_mutex_lock(&lock);
	/* Blobs or listings being fetched stay; their result is discarded
	 * by the generation check. */
	hmap_free(blobs, cblob_free);
	hmap_free(listings, listing_unref);
	blobs = hmap_new_borrowing();
	listings = hmap_new();
	generation++;
	store_stale_all();
	report(CACHE_DROPPED_ALL, NULL);
	pthread_mutex_unlock(&lock);
}

void cache_destroy(void)
{
	pthread_mutex_lock(&lock);
	hmap_free(blobs, cblob_free);
	hmap_free(listings, listing_unref);
	blobs = listings = NULL;
	pthread_mutex_unlock(&lock);
}

void blob_free(struct blob *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
}

static int blob_copy(struct blob *out, const struct cblob *b)
{
	out->data = malloc(b->len + 1);
	if (!out->data)
		return -ENOMEM;
	memcpy(out->data, b->data, b->len);
	out->data[b->len] = '\0';
	out->len = b->len;
	out->mtime = b->mtime;
	out->version = b->version;
	return 0;
}

/* Locked.  Replaces b's bytes with data (taken); b was used now. */
static void set_data(struct cblob *b, char *data, size_t len)
{
	held -= cost(b);
	free(b->data);
	b->data = data;
	b->len = len;
	held += cost(b);
	lru_touch(b);
}

/* Locked.  Keeps data (taken) in b, fetched `age` seconds ago; reports
 * new bytes under key; bytes fetched now go to the store too. */
static void blob_keep(struct cblob *b, const char *key, char *data,
		      size_t len, time_t mtime, double age)
{
	uint64_t version = cache_hash(data, len);

	if (b->data && b->version != version)
		report(CACHE_CHANGED, key);
	set_data(b, data, len);
	b->mtime = mtime;
	b->version = version;
	b->fetched = cache_now() - age;
	b->fetched_by = op.active && !age ? op.pid : 0;
	b->source = 0;
	b->on_disk = age != 0;	/* it came from the store */
	b->seq = age ? 0 : store_put_blob(key, data, len, mtime, version);
	trim();
}

static void blob_store(struct cblob *b, const char *key, char *data,
		       size_t len, time_t mtime)
{
	blob_keep(b, key, data, len, mtime, 0);
}

/* A copy of key from the store, when it is fresh: 0 with its age. */
static int stored_blob(const char *key, struct blob *got, double *age)
{
	double fetched;

	if (store_get_blob(key, got, &fetched) < 0)
		return -ENOENT;
	*age = store_now() - fetched;
	if (fetched > 0 && *age >= 0 && *age < ttl)
		return 0;
	blob_free(got);
	return -ENOENT;
}

/* A copy of key from the store, however old: 0 with its age (never 0
 * itself, so it is not written back), for a read the API cannot serve. */
static int stored_blob_stale(const char *key, struct blob *got, double *age)
{
	double fetched;

	if (!store_on() || store_get_blob(key, got, &fetched) < 0)
		return -ENOENT;
	*age = store_now() - (fetched > 0 ? fetched : 0);
	if (*age < ttl + 1)
		*age = ttl + 1;	/* stale, whatever the clock says */
	return 0;
}

/* Locked.  The entry for key, created empty if missing. */
static struct cblob *blob_slot(const char *key)
{
	struct cblob *b = hmap_get(blobs, key);

	if (!b) {
		size_t n = strlen(key) + 1;

		b = calloc(1, sizeof(*b) + n);
		if (b)
			memcpy(b->key, key, n);
		if (b && hmap_put(blobs, b->key, b, NULL) < 0) {
			free(b);
			b = NULL;
		}
		if (b) {
			held += cost(b);
			lru_touch(b);
		}
	}
	return b;
}

int cache_blob(const char *key, cache_fill_fn fill, void *arg,
	       struct blob *out)
{
	struct cblob *b;
	struct blob got = { 0 };
	unsigned long gen;
	double age;
	int rc, stale, offline_use = 0;

	pthread_mutex_lock(&lock);
	for (;;) {
		b = blob_slot(key);
		if (!b) {
			pthread_mutex_unlock(&lock);
			return -ENOMEM;
		}
		if (b->data && fresh(b->fetched, b->fetched_by)) {
			consulted(key, b->fetched);
			lru_touch(b);
			rc = blob_copy(out, b);
			pthread_mutex_unlock(&lock);
			stats_add(STAT_CACHE_HIT, 1);
			store_touch(key);
			return rc;
		}
		if (!b->loading)
			break;
		pthread_cond_wait(&cond, &lock);
	}
	b->loading = 1;
	gen = generation;
	stale = b->data != NULL;
	pthread_mutex_unlock(&lock);

	/* The store may hold it fresh (a remount within the TTL). */
	age = 0;
	rc = stored_blob(key, &got, &age);
	if (rc == 0) {
		stats_add(STAT_STORE_HIT, 1);
	} else if (offline_holding() &&
		   (stale || stored_blob_stale(key, &got, &age) == 0)) {
		/* The API failed a moment ago: do not ask it again yet. */
		rc = -EIO;
		offline_use = 1;
	} else {
		age = 0;
		stats_add(STAT_CACHE_MISS, 1);
		op.fetched = 1;
		rc = fill(arg, &got);
		if (rc < 0)
			blob_free(&got);
		if (rc < 0 && offline_now() &&
		    (stale || stored_blob_stale(key, &got, &age) == 0))
			offline_use = 1;
	}
	if (offline_use && got.data)
		rc = 0;	/* the store's copy, kept in memory below */

	pthread_mutex_lock(&lock);
	/* The map may have been replaced meanwhile: look the slot up again. */
	b = hmap_get(blobs, key);
	if (offline_use && !got.data) {
		/* The copy in memory, served stale: its fetch time stays. */
		if (b && gen == generation)
			b->loading = 0;
		if (b && gen == generation && b->data) {
			consulted(key, b->fetched);
			lru_touch(b);
			rc = blob_copy(out, b);
			offline_served();
		}	/* else it went meanwhile (a refresh): rc stands */
	} else if (b && gen == generation) {
		b->loading = 0;
		if (rc == 0 && offline_use)
			offline_served();
		if (rc == 0) {
			blob_keep(b, key, got.data, got.len, got.mtime, age);
			got.data = NULL;
			consulted(key, b->fetched);
			rc = blob_copy(out, b);
		}
	} else if (rc == 0) {
		got.version = cache_hash(got.data, got.len);
		*out = got;
		got.data = NULL;
		consulted(key, cache_now());
	}
	pthread_cond_broadcast(&cond);
	pthread_mutex_unlock(&lock);
	free(got.data);
	return rc;
}

int cache_derived(const char *key, const struct blob *src,
		  cache_derive_fn derive, void *arg, struct blob *out)
{
	struct blob got = { 0 };
	struct cblob *b;
	int rc;

	pthread_mutex_lock(&lock);
	b = hmap_get(blobs, key);
	if (b && b->data && src->version && b->source == src->version) {
		lru_touch(b);
		rc = blob_copy(out, b);
		pthread_mutex_unlock(&lock);
		return rc;
	}
	pthread_mutex_unlock(&lock);
	rc = derive(arg, src, &got);
	if (rc < 0)
		return rc;
	got.version = cache_hash(got.data, got.len);
	pthread_mutex_lock(&lock);
	b = src->version ? blob_slot(key) : NULL;
	if (b) {
		/* Nothing to report: what shows it depends on its source. */
		set_data(b, got.data, got.len);
		b->mtime = got.mtime;
		b->version = got.version;
		b->source = src->version;
		b->on_disk = 1;	/* made again from its source */
		b->fetched = cache_now();
		got.data = NULL;
		rc = blob_copy(out, b);
		trim();
	} else {
		*out = got;
		got.data = NULL;
	}
	pthread_mutex_unlock(&lock);
	free(got.data);
	return rc;
}

void cache_blob_put(const char *key, const char *data, size_t len,
		    time_t mtime)
{
	char *copy = malloc(len + 1);
	struct cblob *b;

	if (!copy)
		return;
	memcpy(copy, data, len);
	copy[len] = '\0';
	pthread_mutex_lock(&lock);
	b = blob_slot(key);
	if (b) {
		blob_store(b, key, copy, len, mtime);
		copy = NULL;
	}
	pthread_mutex_unlock(&lock);
	free(copy);
}

int cache_blob_peek_locked(const char *key, size_t *len, time_t *mtime,
			   uint64_t *version)
{
	struct cblob *b = hmap_get(blobs, key);

	if (!b || !b->data || !fresh(b->fetched, b->fetched_by))
		return -ENOENT;
	*len = b->len;
	*mtime = b->mtime;
	*version = b->version;
	return 0;
}

int cache_blob_held(const char *key, struct blob *out)
{
	struct cblob *b;
	double fetched = 0;
	int rc = -ENOENT;

	pthread_mutex_lock(&lock);
	b = hmap_get(blobs, key);
	if (b && b->data && b->fetched > 0) {
		lru_touch(b);
		rc = blob_copy(out, b);
	}
	pthread_mutex_unlock(&lock);
	if (rc == -ENOENT && store_on() &&
	    store_get_blob(key, out, &fetched) == 0) {
		if (fetched > 0)	/* not dropped by a refresh */
			rc = 0;
		else
			blob_free(out);
	}
	if (rc == 0)
		stats_add(STAT_CACHE_HIT, 1);
	return rc;
}

int cache_blob_peek(const char *key, size_t *len, time_t *mtime,
		    uint64_t *version)
{
	struct cblob *b;
	int rc;

	pthread_mutex_lock(&lock);
	rc = cache_blob_peek_locked(key, len, mtime, version);
	if (rc == 0 && (b = hmap_get(blobs, key)))
		consulted(key, b->fetched);
	pthread_mutex_unlock(&lock);
	return rc;
}

void cache_blob_drop_locked(const char *key)
{
	struct cblob *b = hmap_get(blobs, key);

	store_stale_blob(key);
	if (b)
		report(CACHE_DROPPED, key);
	if (b && !b->loading)
		cblob_free(hmap_del(blobs, key));
	else if (b)
		b->fetched = 0;
}

void cache_blob_drop(const char *key)
{
	pthread_mutex_lock(&lock);
	cache_blob_drop_locked(key);
	pthread_mutex_unlock(&lock);
}

static struct listing *listing_new(const char *key, void *owner,
				   const char *parent)
{
	struct listing *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->key = strdup(key);
	l->parent = parent ? strdup(parent) : NULL;
	l->t = etable_new();
	l->clashed = hmap_new();
	l->owner = owner;
	l->refs = 1;	/* the map's */
	pager_init(&l->pager);
	if (!l->key || (parent && !l->parent) || !l->t || !l->clashed) {
		listing_free(l);
		return NULL;
	}
	return l;
}

/* Locked.  The listing in memory under key when it can be used. */
static struct listing *usable(const char *key)
{
	struct listing *l = hmap_get(listings, key);

	if (l && !l->loading &&
	    (l->error || (l->fetched && !fresh(l->fetched, l->fetched_by))))
		return NULL;	/* stale or failed: a new one replaces it */
	return l;
}

static int listing_add_locked(struct listing *l, struct entry *e,
			      listing_clash_fn clash);

/* Adds a stored entry to a listing nobody else knows yet: no lock. */
static int restore_entry(void *arg, struct entry *e)
{
	return listing_add_locked(arg, e, NULL);
}

/*
 * The whole listing the store holds under key, as a listing of its own
 * (not in the map), or NULL; *is_fresh says whether it is within the TTL.
 * Reads the disk: call unlocked.
 */
static struct listing *stored_listing(const char *key, void *owner,
				      const char *parent, int *is_fresh)
{
	struct listing *l;
	double fetched, age;

	*is_fresh = 0;
	if (!store_on() || !(l = listing_new(key, owner, parent)))
		return NULL;
	if (store_get_listing(key, restore_entry, l, &fetched) < 0 ||
	    fetched < 0) {
		listing_free(l);
		return NULL;
	}
	age = store_now() - fetched;
	l->complete = 1;
	*is_fresh = fetched > 0 && age >= 0 && age < ttl;
	l->fetched = cache_now() - (*is_fresh ? age : ttl + 1);
	return l;
}

/* Locked.  The whole copy l stands for (itself, or the one it would
 * fall back on), or NULL. */
static struct listing *whole_copy(struct listing *l)
{
	if (!l)
		return NULL;
	if (l->complete && !l->error && !l->loading)
		return l;
	return l->fallback;
}

struct listing *cache_listing(const char *key, void *owner, const char *parent,
			      int keep_prev)
{
	struct listing *l, *old = NULL, *stored = NULL, *whole;
	int is_fresh = 0;

	pthread_mutex_lock(&lock);
	l = usable(key);
	if (!l && store_on() && !hmap_get(listings, key)) {
		/* Nothing in memory: the store may hold it (a remount). */
		pthread_mutex_unlock(&lock);
		stored = stored_listing(key, owner, parent, &is_fresh);
		pthread_mutex_lock(&lock);
		l = usable(key);
	}
	whole = l ? NULL : whole_copy(hmap_get(listings, key));
	if (!l && stored && (is_fresh || (!whole && offline_holding()))) {
		/* Whole and fresh: no request.  Or stale while the API is
		 * unreachable: served as it is. */
		l = stored;
		stored = NULL;
		if (hmap_put(listings, key, l, NULL) < 0) {
			listing_free(l);
			l = NULL;
		} else if (!is_fresh) {
			offline_served();
		}
	} else if (!l && whole && offline_holding()) {
		/* The API failed a moment ago: the stale copy, as it is. */
		l = whole;
		offline_served();
	} else if (!l) {
		l = listing_new(key, owner, parent);
		if (l && hmap_put(listings, key, l, (void **)&old) < 0) {
			listing_free(l);
			l = NULL;
		}
		if (old)
			report(CACHE_CHANGED, key);	/* names may change */
		if (!old && stored) {
			/* A stale stored listing is the base of the new one
			 * (the inbox is renewed from its newest end, a big
			 * leads folder re-listed from the ids it knows), and
			 * the fallback if the API cannot be reached. */
			old = stored;
			stored = NULL;
		}
		whole = whole_copy(old);
		if (l && whole) {
			l->fallback = whole;
			whole->refs++;
		}
		if (l && old && keep_prev && !old->error && old->n)
			l->prev = old;	/* the map's reference moves */
		else if (old)
			listing_unref(old);
	}
	if (stored)
		listing_free(stored);
	if (l) {
		l->refs++;
		consulted(key, l->fetched ? l->fetched : cache_now());
		/* One being filled (by another thread too) is newer than
		 * what the kernel may hold of the folder. */
		if (!l->complete)
			op.fetched = 1;
	}
	pthread_mutex_unlock(&lock);
	return l;
}

void listing_put(struct listing *l)
{
	if (!l)
		return;
	pthread_mutex_lock(&lock);
	listing_unref(l);
	pthread_mutex_unlock(&lock);
}

static int listing_add_locked(struct listing *l, struct entry *e,
			      listing_clash_fn clash);

/*
 * Locked.  l, which could not be loaded for want of the API, takes a copy
 * of the entries of its whole stale fallback, and its fetch time: it is
 * served stale, and the next use after the hold tries the API again.
 * What l had loaded goes; the store keeps its own whole generation (the
 * one l had begun is never completed, nothing is stored from here).  A
 * reader that had begun on l's first pages sees the fallback's entries
 * from there on.  The fallback itself is left as it is: an open folder
 * may hold it.  0, or -ENOMEM (l is then as it was).
 */
static int adopt_fallback(struct listing *l)
{
	struct listing *f = l->fallback;
	struct etable *t = etable_new(), *old_t = l->t;
	struct hmap *clashed = hmap_new(), *old_clashed = l->clashed;
	size_t old_n = l->n;
	int rc = t && clashed ? 0 : -ENOMEM;

	l->t = t;
	l->clashed = clashed;
	l->n = 0;
	for (size_t i = 0; rc == 0 && i < f->n; i++) {
		struct entry v, e;

		etable_get(f->t, i, &v);
		if (!v.name)
			continue;	/* removed */
		e = v;
		e.name = strdup(v.name);
		e.label = v.label ? strdup(v.label) : NULL;
		e.id = v.id ? strdup(v.id) : NULL;
		e.aux = v.aux ? strdup(v.aux) : NULL;
		if (!e.name || (v.label && !e.label) || (v.id && !e.id) ||
		    (v.aux && !e.aux))
			rc = -ENOMEM;
		if (rc == 0)
			rc = listing_add_locked(l, &e, NULL);
		free(e.name);
		free(e.label);
		free(e.id);
		free(e.aux);
	}
	if (rc < 0) {
		etable_free(l->t);
		hmap_free(l->clashed, NULL);
		l->t = old_t;
		l->clashed = old_clashed;
		l->n = old_n;
		return rc;
	}
	etable_free(old_t);
	hmap_free(old_clashed, NULL);
	l->complete = 1;
	l->error = 0;
	l->fetched = f->fetched;
	l->fetched_by = 0;
	l->fallback = NULL;
	listing_unref(f);
	if (l->prev) {
		listing_unref(l->prev);	/* only a load uses it */
		l->prev = NULL;
	}
	report(CACHE_CHANGED, l->key);
	offline_served();
	return 0;
}

int listing_more(struct listing *l, size_t want, listing_load_fn load,
		 void *arg)
{
	int rc = 0, was_complete, adopted = 0;

	pthread_mutex_lock(&lock);
	was_complete = l->complete;
	while (!l->complete && (want == (size_t)-1 || l->n <= want)) {
		if (l->loading) {
			pthread_cond_wait(&cond, &lock);
			continue;
		}
		if (l->error) {
			/* A failed listing is fetched again from the start. */
			rc = l->error;
			break;
		}
		if (l->fallback && offline_holding() &&
		    adopt_fallback(l) == 0) {
			/* The API failed a moment ago: not asked again yet. */
			adopted = 1;
			break;
		}
		l->loading = 1;
		op.fetched = 1;
		pthread_mutex_unlock(&lock);
		rc = load(l, arg);
		pthread_mutex_lock(&lock);
		l->loading = 0;
		if (rc < 0 && l->fallback && offline_now() &&
		    adopt_fallback(l) == 0) {
			adopted = 1;
			rc = 0;
			pthread_cond_broadcast(&cond);
			break;
		}
		if (!l->fetched) {
			l->fetched = cache_now();
			l->fetched_by = op.active ? op.pid : 0;
		}
		if (rc < 0)
			l->error = rc;
		pthread_cond_broadcast(&cond);
		if (rc < 0)
			break;
	}
	if (l->complete && rc == 0 && !adopted)
		stats_add(STAT_CACHE_HIT, 1);
	if (l->complete && l->fetched)
		aged(l->fetched);	/* stale if it fell back */
	if (l->complete && l->fallback) {
		listing_unref(l->fallback);	/* whole and fresh now */
		l->fallback = NULL;
	}
	if (l->complete && !was_complete && !adopted && store_on()) {
		/* Whole now: the stored generation replaces the old one. */
		if (!l->stored) {
			store_listing_begin(l->key);
			l->stored = 1;
		}
		store_listing_complete(l->key, l->n,
				       store_now() - (cache_now() - l->fetched));
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void listing_at(const struct listing *l, size_t i, struct entry *view)
{
	etable_get(l->t, i, view);
}

/* Locked.  Stores entry i of l: in the generation being loaded, or
 * learned by a whole listing (which appends it). */
static void store_entry(struct listing *l, size_t i)
{
	struct entry e;

	if (l->loading && !l->stored) {
		store_listing_begin(l->key);
		l->stored = 1;
	}
	etable_get(l->t, i, &e);
	store_listing_entry(l->key, i, &e);
}

/* Locked.  Gives entry i field f (the name or label) clash()'s long
 * form, which it will keep. */
static int take_long_form(struct listing *l, size_t i, enum efield f,
			  listing_clash_fn clash)
{
	struct entry e;
	char *name;
	int rc;

	etable_get(l->t, i, &e);
	name = clash(&e, f == EF_LABEL);
	if (!name)
		return -ENOMEM;
	etable_unindex(l->t, f, i);
	rc = etable_set(l->t, i, f, name);
	free(name);
	return rc < 0 ? rc : etable_index(l->t, f, i);
}

/* Locked.  Indexes field f of entry i; when another entry holds that
 * name, both (and every later one) get the long form. */
static int add_name(struct listing *l, size_t i, enum efield f,
		    listing_clash_fn clash)
{
	struct entry e;
	char ckey[2 + ETABLE_STRING_MAX + 1];
	size_t holder;
	int rc;

	etable_get(l->t, i, &e);
	if (f == EF_NAME ? !e.name : !e.label)
		return 0;
	snprintf(ckey, sizeof(ckey), "%c:%s", f == EF_LABEL ? 'l' : 'n',
		 f == EF_LABEL ? e.label : e.name);
	holder = etable_find(l->t, f, f == EF_LABEL ? e.label : e.name);
	if (!clash || (!holder && !hmap_get(l->clashed, ckey)))
		return etable_index(l->t, f, i);
	if (holder) {
		rc = take_long_form(l, holder - 1, f, clash);
		if (rc < 0)
			return rc;
		hmap_put(l->clashed, ckey, (void *)1, NULL);
		/* The store has the holder under its old name. */
		if (l->loading && l->stored)
			store_entry(l, holder - 1);
		else if (l->complete)
			store_stale_listing(l->key);
	}
	return take_long_form(l, i, f, clash);
}

int listing_add(struct listing *l, struct entry *e, listing_clash_fn clash)
{
	int rc;

	pthread_mutex_lock(&lock);
	rc = listing_add_locked(l, e, clash);
	pthread_mutex_unlock(&lock);
	return rc;
}

static int listing_add_locked(struct listing *l, struct entry *e,
			      listing_clash_fn clash)
{
	size_t i = l->n;
	int rc = 0;

	/* The same object on two pages (objects added while paging, or a
	 * server that repeats itself) is listed once. */
	if (!e->id || !etable_find(l->t, EF_ID, e->id)) {
		rc = etable_append(l->t, e);
		if (rc == 0) {
			l->n++;
			rc = add_name(l, i, EF_NAME, clash);
			if (rc == 0)
				rc = add_name(l, i, EF_LABEL, clash);
			if (rc == 0)
				rc = etable_index(l->t, EF_ID, i);
			if (l->complete && !l->loading)
				report(CACHE_CHANGED, l->key);	/* learned */
			if (l->loading || (l->complete && store_on()))
				store_entry(l, i);
		}
	}
	free(e->name);
	free(e->label);
	free(e->id);
	free(e->aux);
	memset(e, 0, sizeof(*e));
	return rc;
}

size_t listing_find(struct listing *l, const char *name)
{
	return etable_find(l->t, EF_NAME, name);
}

size_t listing_find_label(struct listing *l, const char *label)
{
	return etable_find(l->t, EF_LABEL, label);
}

size_t listing_find_id(struct listing *l, const char *id)
{
	return etable_find(l->t, EF_ID, id);
}

void listing_remove(struct listing *l, const char *id)
{
	size_t i;

	pthread_mutex_lock(&lock);
	i = etable_find(l->t, EF_ID, id);
	if (i) {
		/* The slot stays (offsets of open folders hold); a NULL
		 * name is skipped by every reader. */
		etable_unindex(l->t, EF_NAME, i - 1);
		etable_unindex(l->t, EF_LABEL, i - 1);
		etable_unindex(l->t, EF_ID, i - 1);
		etable_set(l->t, i - 1, EF_NAME, NULL);
		etable_set(l->t, i - 1, EF_LABEL, NULL);
		etable_set(l->t, i - 1, EF_AUX, NULL);
		report(CACHE_CHANGED, l->key);
		store_listing_remove(l->key, id);
	}
	pthread_mutex_unlock(&lock);
}

int listing_update_locked(struct listing *l, size_t i, const struct entry *e)
{
	etable_set_attrs(l->t, i, e);
	return etable_set(l->t, i, EF_AUX, e->aux);
}

void listing_changed_locked(struct listing *l)
{
	report(CACHE_CHANGED, l->key);
	store_stale_listing(l->key);
}

void cache_listing_drop(const char *key)
{
	struct listing *l;

	pthread_mutex_lock(&lock);
	l = hmap_del(listings, key);
	if (l)
		report(CACHE_CHANGED, key);
	store_stale_listing(key);
	listing_unref(l);
	pthread_mutex_unlock(&lock);
}
