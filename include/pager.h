/*
 * pager.h - the one paginating iterator for every list call.
 *
 * The API pages with {"items": [...], "next_starting_after": "cursor"}.
 * pager_next() asks the fetch callback for one page at a time and stops
 * for good on: a missing, null or empty cursor; a page with no items; a
 * cursor it has already seen (a misbehaving server can never make a
 * listing loop); an error.  A response that is a bare JSON array is one
 * page with no cursor.  The next page can be fetched ahead while the
 * caller works on the last one (pager_prefetch).  Not thread-safe: one
 * pager per listing, used by one thread at a time.
 */
#ifndef INSTANTLYFS_PAGER_H
#define INSTANTLYFS_PAGER_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* cursor is NULL for the first page.  On success returns 0 and sets
 * *resp to the parsed response (the pager takes ownership). */
typedef int (*pager_fetch_fn)(void *ctx, const char *cursor, cJSON **resp);

struct pager_ahead;

struct pager {
	char **seen;		/* cursors already requested */
	size_t nseen;
	size_t cap;
	char *cursor;		/* next cursor, NULL before the first page */
	int done;
	int error;		/* -errno of the failure that stopped it */
	size_t pages;
	struct pager_ahead *ahead;	/* the next page, being fetched */
};

void pager_init(struct pager *p);
/*
 * Fetches the next page.  Returns 1 and sets *items to a detached cJSON
 * array that the caller frees; 0 when there are no more pages; -errno on
 * failure (the pager is then done).
 */
int pager_next(struct pager *p, pager_fetch_fn fetch, void *ctx, cJSON **items);
/*
 * Starts fetching the next page in a thread of its own, while the caller
 * works on the last one; the next pager_next() takes it.  ctx is taken
 * (freed with ctx_free).  Nothing happens when there is no next page or
 * no thread can be had.
 */
void pager_prefetch(struct pager *p, pager_fetch_fn fetch, void *ctx,
		    void (*ctx_free)(void *));
/* Waits for a page being fetched ahead and drops it. */
void pager_free(struct pager *p);

#endif
