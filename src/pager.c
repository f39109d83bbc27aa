/*
 * pager.c - the one paginating iterator for every list call.
 *
 * Each pager_next() asks fetch() for one page and returns its items.  The
 * listing ends for good (later calls return 0, or the same -errno after a
 * failure) when:
 *   - the response is a bare JSON array (one page, no cursor);
 *   - "next_starting_after" is missing, null, not a string or "";
 *   - the page has no items (the API's last page is often an empty one
 *     reached through a cursor); such a page is not returned;
 *   - the next cursor was already requested: the page that carried it is
 *     still returned, then the listing stops;
 *   - fetch() fails (its -errno), or the response is neither an array nor
 *     an object with an "items" array (-EIO).
 * Every cursor requested is remembered, so no server can make a listing
 * loop.  No locking: one pager per listing.
 */
#include <errno.h>
#include <stdlib.h>
#include <pthread.h>
#include <string.h>

#include "pager.h"
#include "thread.h"

/* A page fetched ahead, in its own thread. */
struct pager_ahead {
	pthread_t thread;
	char *cursor;
	pager_fetch_fn fetch;
	void *ctx;
	void (*ctx_free)(void *);
	cJSON *resp;
	int rc;
};

void pager_init(struct pager *p)
{
	memset(p, 0, sizeof(*p));
}

static int seen_before(const struct pager *p, const char *cursor)
{
	size_t i;

	for (i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i], cursor))
			return 1;
	return 0;
}

/* Makes cursor the next one to request; it joins the seen list. */
static int set_cursor(struct pager *p, const char *cursor)
{
	char *copy, *seen_copy;

	if (p->nseen == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 8;
		char **s = realloc(p->seen, cap * sizeof(*s));

		if (!s)
			return -ENOMEM;
		p->seen = s;
		p->cap = cap;
	}
	copy = strdup(cursor);
	seen_copy = strdup(cursor);
	if (!copy || !seen_copy) {
		free(copy);
		free(seen_copy);
		return -ENOMEM;
	}
	p->seen[p->nseen++] = seen_copy;
	free(p->cursor);
	p->cursor = copy;
	return 0;
}

static int stop(struct pager *p, int err)
{
	p->done = 1;
	p->error = err;
	free(p->cursor);
	p->cursor = NULL;
	return err;
}

/* Takes the items out of resp and moves the cursor on; resp is freed. */
static int take_page(struct pager *p, cJSON *resp, cJSON **items)
{
	const cJSON *next;
	int rc = 0;

	if (cJSON_IsArray(resp)) {
		*items = resp;
		stop(p, 0);
		return 0;
	}
	if (!cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(resp, "items"))) {
		cJSON_Delete(resp);
		return stop(p, -EIO);
	}
	*items = cJSON_DetachItemFromObjectCaseSensitive(resp, "items");

	next = cJSON_GetObjectItemCaseSensitive(resp, "next_starting_after");
	if (!cJSON_IsString(next) || !next->valuestring ||
	    !*next->valuestring || seen_before(p, next->valuestring))
		stop(p, 0);
	else
		rc = set_cursor(p, next->valuestring);
	cJSON_Delete(resp);
	if (rc) {
		cJSON_Delete(*items);
		*items = NULL;
		return stop(p, rc);
	}
	return 0;
}

static void *ahead_main(void *arg)
{
	struct pager_ahead *a = arg;

	a->rc = a->fetch(a->ctx, a->cursor, &a->resp);
	return NULL;
}

void pager_prefetch(struct pager *p, pager_fetch_fn fetch, void *ctx,
		    void (*ctx_free)(void *))
{
	struct pager_ahead *a;

	if (p->done || !p->cursor || p->ahead || !(a = calloc(1, sizeof(*a)))) {
		ctx_free(ctx);
		return;
	}
	a->cursor = strdup(p->cursor);
	a->fetch = fetch;
	a->ctx = ctx;
	a->ctx_free = ctx_free;
	if (!a->cursor || thread_start(&a->thread, ahead_main, a)) {
		free(a->cursor);
		free(a);
		ctx_free(ctx);
		return;
	}
	p->ahead = a;
}

/* Waits for the page fetched ahead; returns it when it is the page for
 * cursor, else drops it.  1 when *resp, *rc are that page's. */
static int take_ahead(struct pager *p, const char *cursor, cJSON **resp,
		      int *rc)
{
	struct pager_ahead *a = p->ahead;
	int ours;

	if (!a)
		return 0;
	pthread_join(a->thread, NULL);
	p->ahead = NULL;
	ours = cursor && !strcmp(a->cursor, cursor);
	if (ours) {
		*resp = a->resp;
		*rc = a->rc;
	} else {
		cJSON_Delete(a->resp);
	}
	a->ctx_free(a->ctx);
	free(a->cursor);
	free(a);
	return ours;
}

int pager_next(struct pager *p, pager_fetch_fn fetch, void *ctx, cJSON **items)
{
	cJSON *resp = NULL;
	int rc;

	*items = NULL;
	if (p->done) {
		take_ahead(p, NULL, &resp, &rc);
		return p->error;
	}

	if (!take_ahead(p, p->cursor, &resp, &rc))
		rc = fetch(ctx, p->cursor, &resp);
	if (rc > 0)
		rc = -EIO;
	if (!rc && !resp)
		rc = -EIO;
	if (rc) {
		cJSON_Delete(resp);
		return stop(p, rc);
	}
	p->pages++;

	rc = take_page(p, resp, items);
	if (rc)
		return rc;
	if (!cJSON_GetArraySize(*items)) {
		cJSON_Delete(*items);
		*items = NULL;
		stop(p, 0);
		return 0;
	}
	return 1;
}

void pager_free(struct pager *p)
{
	cJSON *resp = NULL;
	size_t i;
	int rc;

	take_ahead(p, NULL, &resp, &rc);
	for (i = 0; i < p->nseen; i++)
		free(p->seen[i]);
	free(p->seen);
	free(p->cursor);
	pager_init(p);
}
