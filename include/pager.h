/*
 * pager.h - the one paginating iterator for every list call.
 *
 * The API pages with {"items": [...], "next_starting_after": "cursor"}.
 * pager_next() asks the fetch callback for one page at a time and stops
 * for good on: a missing, null or empty cursor; a page with no items; a
 * cursor it has already seen (a misbehaving server can never make a
 * listing loop); an error.  A response that is a bare JSON array is one
 * page with no cursor.  Not thread-safe: one pager per listing.
 */
#ifndef INSTANTLYFS_PAGER_H
#define INSTANTLYFS_PAGER_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* cursor is NULL for the first page.  On success returns 0 and sets
 * *resp to the parsed response (the pager takes ownership). */
typedef int (*pager_fetch_fn)(void *ctx, const char *cursor, cJSON **resp);

struct pager {
	char **seen;		/* cursors already requested */
	size_t nseen;
	size_t cap;
	char *cursor;		/* next cursor, NULL before the first page */
	int done;
	int error;		/* -errno of the failure that stopped it */
	size_t pages;
};

void pager_init(struct pager *p);
/*
 * Fetches the next page.  Returns 1 and sets *items to a detached cJSON
 * array that the caller frees; 0 when there are no more pages; -errno on
 * failure (the pager is then done).
 */
int pager_next(struct pager *p, pager_fetch_fn fetch, void *ctx, cJSON **items);
void pager_free(struct pager *p);

#endif
