/*
 * relist.c - a big folder listed again as several cursor chains at once
 * (see relist.h).
 *
 * Owns: the plan (segments of the known ids), the chain threads and what
 * they fetched, the checks of the order.  Must not: know how a page is
 * fetched or made entries (relist_src does), nor wait for a chain under
 * the cache lock.
 *
 * Locking: `r->lock` guards the chains' state and items; chain threads
 * fetch and make entries without it.  A relist is freed by whichever of
 * its owner (relist_free) and its chain threads lets go of it last.  The
 * known ids' positions (`pos`) are written before the threads start and
 * only read afterwards.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "log.h"
#include "relist.h"
#include "stats.h"
#include "thread.h"

/* Entries a relist_load() call adds at most: readers see them stream. */
#define RELIST_BATCH 200

struct chain {
	struct relist *r;
	int k;
	size_t lo, hi;	     /* its segment of the known ids */
	struct pager pager;  /* starts after the anchor ids[lo - 1] */
	struct entry *items; /* fetched, in order */
	size_t n, cap;
	enum relist_end state;
	size_t stop; /* items[0..stop) are its part */
	int error;
};

struct relist {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hmap *pos; /* known id -> its index + 1 */
	struct chain *chains;
	int k;
	int refs; /* the owner's and each live thread's */
	int abort;
	int cur;   /* the chain being taken in */
	size_t at; /* its next item to add */
	struct relist_src src;
};

static int max_chains = RELIST_MAX_CHAINS;

/* Chain threads alive in the process, for relist_drain(). */
static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t live_cond = PTHREAD_COND_INITIALIZER;
static int live;
static _Atomic int draining;

void relist_set_chains(int n)
{
	max_chains = n < 1 ? 1 : n > 64 ? 64 : n;
}

int relist_plan(size_t n, size_t page, int max, size_t *starts)
{
	size_t pages = page ? n / page : 0;
	size_t k = pages / RELIST_MIN_PAGES;

	if (max < 1)
		max = 1;
	if (k > (size_t)max)
		k = (size_t)max;
	if (k < 2)
		return k ? 1 : 0;
	for (size_t i = 0; i < k; i++)
		starts[i] = i * pages / k * page;
	return (int)k;
}

static int same_id(const struct entry *x, const struct entry *y)
{
	return x->id && y->id && !strcmp(x->id, y->id);
}

long relist_handoff(const struct entry *a, size_t na, enum relist_end how,
		    size_t stop, const struct entry *b, size_t nb, int b_done)
{
	size_t p;

	if (how != RELIST_MET && how != RELIST_PASSED && how != RELIST_ENDED)
		return RELIST_BROKEN;
	if (stop > na)
		return RELIST_BROKEN;
	if (how == RELIST_MET || (nb == 0 && b_done)) {
		/* The next chain begins right past the anchor. */
		p = stop;
	} else if (nb == 0) {
		return RELIST_WAIT;
	} else {
		/* The anchor is gone: the next chain's first object marks
		 * where it begins, at or before the point this one passed. */
		size_t last = how == RELIST_PASSED ? stop : na ? na - 1 : 0;

		for (p = 0; p < na && p <= last; p++)
			if (same_id(&a[p], &b[0]))
				break;
		if (p == na || p > last)
			return RELIST_BROKEN;
	}
	/* Past that point both chains walked the same objects. */
	for (size_t i = p; i < na; i++) {
		if (i - p >= nb)
			return b_done ? RELIST_BROKEN : RELIST_WAIT;
		if (!same_id(&a[i], &b[i - p]))
			return RELIST_BROKEN;
	}
	return (long)(stop - p);
}

static void entry_free(struct entry *e)
{
	free(e->name);
	free(e->label);
	free(e->id);
	free(e->aux);
	memset(e, 0, sizeof(*e));
}

static int entry_dup(struct entry *to, const struct entry *from)
{
	*to = *from;
	to->name = from->name ? strdup(from->name) : NULL;
	to->label = from->label ? strdup(from->label) : NULL;
	to->id = from->id ? strdup(from->id) : NULL;
	to->aux = from->aux ? strdup(from->aux) : NULL;
	if ((from->name && !to->name) || (from->label && !to->label) ||
	    (from->id && !to->id) || (from->aux && !to->aux)) {
		entry_free(to);
		return -ENOMEM;
	}
	return 0;
}

static void chain_clear(struct chain *ch)
{
	for (size_t i = 0; i < ch->n; i++)
		entry_free(&ch->items[i]);
	free(ch->items);
	ch->items = NULL;
	ch->n = ch->cap = 0;
}

static void relist_destroy(struct relist *r)
{
	for (int i = 0; i < r->k; i++) {
		chain_clear(&r->chains[i]);
		pager_free(&r->chains[i].pager);
	}
	free(r->chains);
	hmap_free(r->pos, NULL);
	if (r->src.arg_free)
		r->src.arg_free(r->src.arg);
	pthread_mutex_destroy(&r->lock);
	pthread_cond_destroy(&r->cond);
	free(r);
}

/* Drops one reference; frees on the last.  Called with r->lock held,
 * which it releases. */
static void unref_unlock(struct relist *r)
{
	int last = --r->refs == 0;

	pthread_mutex_unlock(&r->lock);
	if (last)
		relist_destroy(r);
}

/* Locked.  Takes in one page: appends it and sees whether the chain has
 * reached the next one's segment, or met an earlier one's (abort). */
static void chain_take(struct chain *ch, struct entry *e, size_t n)
{
	struct relist *r = ch->r;
	int last = ch->k == r->k - 1;

	if (ch->n + n > ch->cap) {
		size_t cap = (ch->n + n) * 2;
		struct entry *items = realloc(ch->items, cap * sizeof(*items));

		if (!items) {
			for (size_t i = 0; i < n; i++)
				entry_free(&e[i]);
			ch->state = RELIST_FAILED;
			ch->error = -ENOMEM;
			return;
		}
		ch->items = items;
		ch->cap = cap;
	}
	for (size_t i = 0; i < n; i++) {
		size_t at = ch->n++;
		uintptr_t known;

		ch->items[at] = e[i];
		if (ch->state != RELIST_RUNNING || !e[i].id)
			continue;
		known = (uintptr_t)hmap_get(r->pos, e[i].id);
		if (!known)
			continue; /* new since the known listing */
		known--;
		if (known < ch->lo && ch->k > 0) {
			log_debug("relist: chain %d met an object of an "
				  "earlier segment",
				  ch->k);
			ch->state = RELIST_ABORTED;
			r->abort = 1;
		} else if (!last && known == ch->hi - 1) {
			ch->state = RELIST_MET;
			ch->stop = at + 1;
		} else if (!last && known >= ch->hi) {
			ch->state = RELIST_PASSED;
			ch->stop = at;
		}
	}
}

static void *chain_main(void *arg)
{
	struct chain *ch = arg;
	struct relist *r = ch->r;

	pthread_mutex_lock(&r->lock);
	while (ch->state == RELIST_RUNNING) {
		struct entry *e = NULL;
		size_t n = 0;
		int rc;

		if (r->abort || draining) {
			ch->state = RELIST_ABORTED;
			break;
		}
		pthread_mutex_unlock(&r->lock);
		rc = r->src.page(r->src.arg, &ch->pager, &e, &n);
		pthread_mutex_lock(&r->lock);
		if (rc < 0) {
			ch->state = RELIST_FAILED;
			ch->error = rc;
		} else if (rc == 0) {
			ch->state = RELIST_ENDED;
			ch->stop = ch->n;
		} else {
			chain_take(ch, e, n);
		}
		free(e);
		pthread_cond_broadcast(&r->cond);
	}
	pthread_cond_broadcast(&r->cond);
	unref_unlock(r);
	pthread_mutex_lock(&live_lock);
	live--;
	pthread_cond_broadcast(&live_cond);
	pthread_mutex_unlock(&live_lock);
	return NULL;
}

struct relist *relist_start(char *const *ids, size_t n, size_t page,
			    const struct relist_src *src)
{
	size_t starts[64];
	int k = relist_plan(n, page, max_chains, starts), started = 0;
	struct relist *r = k >= 2 ? calloc(1, sizeof(*r)) : NULL;

	if (r) {
		r->pos = hmap_new();
		r->chains = calloc((size_t)k, sizeof(*r->chains));
	}
	if (!r || !r->pos || !r->chains) {
		if (r) {
			hmap_free(r->pos, NULL);
			free(r->chains);
			free(r);
		}
		if (src->arg_free)
			src->arg_free(src->arg);
		return NULL;
	}
	pthread_mutex_init(&r->lock, NULL);
	pthread_cond_init(&r->cond, NULL);
	r->src = *src;
	r->k = k;
	r->refs = 1;
	for (size_t i = 0; i < n; i++)
		if (hmap_put(r->pos, ids[i], (void *)(uintptr_t)(i + 1), NULL) <
		    0)
			r->abort = 1;
	for (int i = 0; i < k; i++) {
		struct chain *ch = &r->chains[i];

		ch->r = r;
		ch->k = i;
		ch->lo = starts[i];
		ch->hi = i + 1 < k ? starts[i + 1] : n;
		pager_init(&ch->pager);
		if (i > 0 && !(ch->pager.cursor = strdup(ids[ch->lo - 1])))
			r->abort = 1;
	}
	pthread_mutex_lock(&r->lock);
	for (int i = 0; i < k && !r->abort; i++) {
		pthread_t t;

		r->refs++;
		pthread_mutex_lock(&live_lock);
		live++;
		pthread_mutex_unlock(&live_lock);
		if (thread_start(&t, chain_main, &r->chains[i]) != 0) {
			r->refs--;
			pthread_mutex_lock(&live_lock);
			live--;
			pthread_mutex_unlock(&live_lock);
			r->abort = 1;
			break;
		}
		pthread_detach(t);
		started++;
	}
	if (started < k) {
		/* Too few threads: the started ones stop, one chain lists. */
		r->abort = 1;
		unref_unlock(r);
		return NULL;
	}
	pthread_mutex_unlock(&r->lock);
	log_debug("relist: %zu known ids, %d chains", n, k);
	return r;
}

void relist_free(struct relist *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->lock);
	r->abort = 1;
	unref_unlock(r);
}

void relist_drain(void)
{
	pthread_mutex_lock(&live_lock);
	draining = 1;
	while (live > 0)
		pthread_cond_wait(&live_cond, &live_lock);
	draining = 0;
	pthread_mutex_unlock(&live_lock);
}

/* Locked.  Have all chains stopped? */
static int all_stopped(const struct relist *r)
{
	for (int i = 0; i < r->k; i++)
		if (r->chains[i].state == RELIST_RUNNING)
			return 0;
	return 1;
}

/* Locked.  Copies items [from, to) of ch into a new array. */
static struct entry *copy_items(const struct chain *ch, size_t from, size_t to,
				size_t *n)
{
	struct entry *out = calloc(to > from ? to - from : 1, sizeof(*out));

	*n = 0;
	for (size_t i = from; out && i < to; i++) {
		if (entry_dup(&out[*n], &ch->items[i]) < 0) {
			while (*n)
				entry_free(&out[--*n]);
			free(out);
			return NULL;
		}
		(*n)++;
	}
	return out;
}

/*
 * Locked, released on return.  The order broke: the chain being taken in
 * goes on alone.  Every chain stops; what this one fetched past the point
 * taken in is added (an object listed already is dropped, as always) and
 * its pager is handed over.
 */
static int fall_back(struct relist *r, struct listing *l,
		     listing_clash_fn clash, struct pager *serial,
		     const char *why)
{
	struct chain *ch;
	struct entry *rest;
	size_t n = 0;
	int rc = 0;

	r->abort = 1;
	while (!all_stopped(r))
		pthread_cond_wait(&r->cond, &r->lock);
	ch = &r->chains[r->cur];
	if (ch->state == RELIST_FAILED) {
		rc = ch->error;
		pthread_mutex_unlock(&r->lock);
		return rc;
	}
	rest = copy_items(ch, r->at, ch->n, &n);
	r->at = ch->n;
	*serial = ch->pager;
	pager_init(&ch->pager);
	pthread_mutex_unlock(&r->lock);
	stats_add(STAT_RELIST_FALLBACK, 1);
	log_info("relist: the order of a folder is not the one known (%s): "
		 "listed on with one chain",
		 why);
	if (!rest) {
		pager_free(serial);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (rc == 0)
			rc = listing_add(l, &rest[i], clash);
		else
			entry_free(&rest[i]);
	free(rest);
	if (rc < 0) {
		pager_free(serial);
		return rc;
	}
	return RELIST_SERIAL;
}

int relist_load(struct relist *r, struct listing *l, listing_clash_fn clash,
		struct pager *serial)
{
	struct entry *take = NULL;
	size_t ntake = 0, from = 0;
	int rc = 0, cur;

	pthread_mutex_lock(&r->lock);
	for (;;) {
		struct chain *ch = &r->chains[r->cur], *next;
		size_t end = ch->state == RELIST_RUNNING ||
				     ch->state == RELIST_ABORTED ||
				     ch->state == RELIST_FAILED
				 ? ch->n
				 : ch->stop;
		long h;

		if (r->at < end && ch->state != RELIST_ABORTED) {
			if (end - r->at > RELIST_BATCH)
				end = r->at + RELIST_BATCH;
			from = r->at;
			take = copy_items(ch, r->at, end, &ntake);
			if (!take) {
				pthread_mutex_unlock(&r->lock);
				return -ENOMEM;
			}
			r->at = end;
			break;
		}
		if (ch->state == RELIST_RUNNING) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		if (ch->state == RELIST_FAILED) {
			rc = ch->error;
			pthread_mutex_unlock(&r->lock);
			return rc;
		}
		if (ch->state == RELIST_ABORTED)
			return fall_back(r, l, clash, serial,
					 "an object of an earlier segment");
		if (r->cur == r->k - 1) {
			pthread_mutex_unlock(&r->lock);
			stats_add(STAT_RELIST_PARALLEL, 1);
			stats_add(STAT_RELIST_CHAINS, (unsigned long long)r->k);
			return 0;
		}
		next = &r->chains[r->cur + 1];
		if (next->state == RELIST_FAILED) {
			rc = next->error;
			pthread_mutex_unlock(&r->lock);
			return rc;
		}
		h = next->state == RELIST_ABORTED
			? RELIST_BROKEN
			: relist_handoff(ch->items, ch->n, ch->state, ch->stop,
					 next->items, next->n,
					 next->state != RELIST_RUNNING);
		if (h == RELIST_WAIT) {
			pthread_cond_wait(&r->cond, &r->lock);
			continue;
		}
		if (h == RELIST_BROKEN)
			return fall_back(r, l, clash, serial,
					 "a chain does not meet the next");
		/* Its part is in: its items are no longer needed. */
		chain_clear(ch);
		r->cur++;
		r->at = (size_t)h;
	}
	cur = r->cur;
	pthread_mutex_unlock(&r->lock);

	for (size_t i = 0; i < ntake; i++) {
		int dup = 0;

		if (rc == 0 && cur > 0 && take[i].id) {
			cache_lock();
			dup = listing_find_id(l, take[i].id) != 0;
			cache_unlock();
		}
		if (dup) {
			/* One object in two chains: the order broke. */
			for (size_t j = i; j < ntake; j++)
				entry_free(&take[j]);
			free(take);
			pthread_mutex_lock(&r->lock);
			r->at = from + i;
			return fall_back(r, l, clash, serial,
					 "an object listed by two chains");
		}
		if (rc == 0)
			rc = listing_add(l, &take[i], clash);
		else
			entry_free(&take[i]);
	}
	free(take);
	return rc < 0 ? rc : 1;
}
