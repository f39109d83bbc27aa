/*
 * relist.h - a big folder listed again as several cursor chains at once.
 *
 * A folder whose list call pages by "the last object's id" (leads) can be
 * listed from any id it holds.  Once a listing of it is known (the stale
 * listing in memory, or the whole one in the store), a new listing is
 * cut into K segments of the known ids, each segment a whole number of
 * pages: chain 0 pages from the start, chain k from the id just before
 * segment k (its anchor), and each chain stops where the next one
 * begins.  The chains fetch concurrently (threads of their own, every
 * request through the api module and its rate limits); the listing is
 * filled in order, chain 0's entries first, so a reader streams it as it
 * would a listing of one chain.
 *
 * The order is checked as the chains go (relist_handoff):
 *   - chain k-1 must reach chain k's anchor (it stops on the page that
 *     holds it), or, when the anchor is gone from the server, pass where
 *     it was and hold chain k's first object; what it fetched past that
 *     point must be what chain k begins with;
 *   - no chain may meet an object of an earlier segment, and no object
 *     may be listed by two chains (beyond that checked overlap).
 * A new object lands in the chain that pages over its place; a deleted
 * one is simply not met; the first object of chain k need not be the
 * known first id of segment k.  When a check fails the parallel result
 * past the point reached is dropped and the chain being taken in goes on
 * alone to the end (it is the serial chain from there): the listing is
 * what one chain would have made.  Counted in stats (relist_parallel,
 * relist_chains, relist_fallback); a fallback is logged.
 *
 * Locking: a relist's own mutex guards its chains; chain threads take the
 * cache lock only to store what they fetched, and nothing waits for them
 * under the cache lock (relist_free only asks them to stop).  A relist is
 * taken in by one thread at a time (the listing's loader).
 */
#ifndef INSTANTLYFS_RELIST_H
#define INSTANTLYFS_RELIST_H

#include <stddef.h>

#include "cache.h"
#include "pager.h"

#define RELIST_MAX_CHAINS 8
/* A chain pays off for segments of this many pages or more. */
#define RELIST_MIN_PAGES 8

/* How a chain ended (relist_handoff's `how`). */
enum relist_end {
	RELIST_RUNNING,
	RELIST_MET,	/* reached the next chain's anchor: stop = past it */
	RELIST_PASSED,	/* met a later segment's id first: stop = at it */
	RELIST_ENDED,	/* the server had no more: stop = all */
	RELIST_ABORTED, /* the order broke somewhere */
	RELIST_FAILED,	/* a request failed */
};

#define RELIST_WAIT (-1L)   /* the next chain must fetch more first */
#define RELIST_BROKEN (-2L) /* the order is not the one assumed */
#define RELIST_SERIAL 2	    /* relist_load: go on with one chain */

/* At most how many chains (-o relist_chains; 1: never several). */
void relist_set_chains(int n);

/*
 * Pure.  How many chains for n known ids listed `page` to a request, at
 * most max; starts[0..K) receive each segment's first index (starts[0] =
 * 0), every one a multiple of page.  Returns K; below 2 means one chain.
 */
int relist_plan(size_t n, size_t page, int max, size_t *starts);

/*
 * Pure.  The handoff from a finished chain to the next: a[0..na) is what
 * the chain fetched, `how` how it ended and a[0..stop) the part taken
 * into the listing; b[0..nb) is what the next chain has fetched so far,
 * b_done whether that is all.  Returns the index of b from which the
 * next chain's entries are new, RELIST_WAIT, or RELIST_BROKEN.
 */
long relist_handoff(const struct entry *a, size_t na, enum relist_end how,
		    size_t stop, const struct entry *b, size_t nb, int b_done);

/* The chains' page source: fetches the next page of pager p and makes
 * its objects entries (*e, *n, malloc'd): 1, 0 at the end, or -errno. */
struct relist_src {
	int (*page)(void *arg, struct pager *p, struct entry **e, size_t *n);
	void *arg;
	void (*arg_free)(void *arg);
};

struct relist;
/*
 * Starts the chains over the known ids (ids[0..n), in the known order),
 * or returns NULL when one chain is as good (too few pages) or nothing
 * could be started; src->arg is then freed.  The ids are copied.
 */
struct relist *relist_start(char *const *ids, size_t n, size_t page,
			    const struct relist_src *src);
/*
 * Adds the next entries, in order, to l: 1 when some were added, 0 when
 * the listing is whole, RELIST_SERIAL when the order broke (what the
 * chain being taken in fetched is added and *serial is its pager, to go
 * on with alone), or -errno of a failed request.  Called by l's loader.
 */
int relist_load(struct relist *r, struct listing *l, listing_clash_fn clash,
		struct pager *serial);
/* Asks the chains to stop and lets go; never waits (callable under the
 * cache lock). */
void relist_free(struct relist *r);
/* Waits until every chain thread has ended (at unmount, before the cache
 * and the API go away): they are asked to stop. */
void relist_drain(void);

#endif
