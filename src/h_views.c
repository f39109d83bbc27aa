/*
 * h_views.c - symlink folders that group objects listed elsewhere:
 * campaigns/by-status/, emails/unread/, emails/threads/,
 * tags/<label>/{campaigns,accounts}/.
 *
 * by-status/ and threads/ read listings the mount already has.  unread/
 * and a thread's folder are built from the inbox listing when it is whole
 * and fresh (every message carries is_unread and thread_id), with no
 * request of their own; otherwise they cost one filtered listing or one
 * search.  A tag's folder costs one listing (tag_ids filter).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"

/* Adds the distinct names pick() gives for the entries of l loaded so
 * far.  Locks. */
static int add_picked(struct listing *l, pick_fn pick, const void *arg,
		      struct dirfill *d)
{
	int rc = 0;

	cache_lock();
	for (size_t i = 0; rc == 0 && i < l->n; i++) {
		char buf[NAME_MAX_BYTES + 1];
		struct entry e;
		const char *shown;
		int dup = 0;

		listing_at(l, i, &e);
		shown = pick(&e, arg, buf, sizeof(buf));
		for (size_t k = 0; shown && k < d->n && !dup; k++)
			dup = !strcmp(d->names[k], shown);
		if (shown && !dup)
			rc = dirfill_add(d, shown);
	}
	cache_unlock();
	return rc;
}

int h_view_pick(const struct coll *coll, const char *parent, pick_fn pick,
		const void *arg, struct dirfill *d)
{
	struct listing *l = coll_listing(coll, parent);
	int rc;

	if (!l)
		return -ENOMEM;
	rc = coll_fill(l, (size_t)-1);
	if (rc == 0)
		rc = add_picked(l, pick, arg, d);
	listing_put(l);
	return rc;
}

/* A status number (as text) as its by-status/ word. */
static const char *status_word(const struct entry *e, const void *arg,
			       char *buf, size_t len)
{
	const char *w = e->aux ? h_campaign_status_label(strtol(e->aux, NULL,
								10))
			       : NULL;

	(void)arg;
	if (w)
		return w;
	snprintf(buf, len, "%s", e->aux ? e->aux : "unknown");
	return buf;
}

static const char *with_status(const struct entry *e, const void *word,
			       char *buf, size_t len)
{
	return strcmp(status_word(e, NULL, buf, len), word) ? NULL : e->label;
}

int h_by_status_list(struct rctx *c, struct dirfill *d)
{
	(void)c;
	return h_view_pick(&coll_campaigns, NULL, status_word, NULL, d);
}

int h_by_status_stat(struct rctx *c, struct node *n)
{
	char *end;

	(void)n;
	for (long s = -99; s <= 4; s++) {
		const char *word = h_campaign_status_label(s);

		if (word && !strcmp(word, c->cap[0]))
			return 0;
	}
	/* Unknown status numbers are shown as numbers. */
	strtol(c->cap[0], &end, 10);
	return *c->cap[0] && !*end ? 0 : -ENOENT;
}

int h_by_status_members(struct rctx *c, struct dirfill *d)
{
	return h_view_pick(&coll_campaigns, NULL, with_status, c->cap[0], d);
}

int h_by_status_member_stat(struct rctx *c, struct node *n)
{
	struct item it;
	struct entry e = { 0 };
	char buf[32];
	int rc = h_coll_lookup_label(c, &it);

	if (rc < 0)
		return rc;
	e.aux = it.aux;
	if (strcmp(status_word(&e, NULL, buf, sizeof(buf)), c->cap[0]))
		rc = -ENOENT;
	n->size = strlen("../../") + strlen(it.name);
	if (it.mtime)
		n->mtime = it.mtime;
	item_free(&it);
	return rc;
}

static const char *thread_of(const struct entry *e, const void *arg,
			     char *buf, size_t len)
{
	char *name = e->aux ? name_component(e->aux, NULL, NULL) : NULL;

	(void)arg;
	if (!name)
		return NULL;
	snprintf(buf, len, "%s", name);
	free(name);
	return buf;
}

/* The threads of the messages listed so far (at least the first page:
 * listing every message would cost the whole inbox). */
int h_threads_list(struct rctx *c, struct dirfill *d)
{
	struct listing *l = coll_listing(&coll_emails, NULL);
	int rc;

	(void)c;
	if (!l)
		return -ENOMEM;
	rc = coll_fill(l, 0);
	if (rc == 0)
		rc = add_picked(l, thread_of, NULL, d);
	listing_put(l);
	return rc;
}

/* The inbox listing when every message is in it and it is fresh,
 * referenced (listing_put); else NULL. */
static struct listing *whole_inbox(void)
{
	struct listing *l = coll_listing(&coll_emails, NULL);
	int whole;

	if (!l)
		return NULL;
	cache_lock();
	whole = l->complete && !l->error;
	cache_unlock();
	if (!whole) {
		listing_put(l);
		return NULL;
	}
	return l;
}

/* Is id the thread of a message listed so far? */
static int known_thread(const char *id)
{
	struct listing *l = coll_listing(&coll_emails, NULL);
	int found = 0;

	if (!l)
		return 0;
	cache_lock();
	for (size_t i = 0; i < l->n && !found; i++) {
		struct entry e;

		listing_at(l, i, &e);
		found = e.aux && !strcmp(e.aux, id);
	}
	cache_unlock();
	listing_put(l);
	return found;
}

/* A thread exists when a listed message names it (no request: ls -l
 * of threads/ stats every one), else when searching it finds any. */
int h_thread_stat(struct rctx *c, struct node *n)
{
	char id[512];
	struct listing *l;
	int rc;

	(void)n;
	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	if (known_thread(id))
		return 0;
	if ((l = whole_inbox())) {
		listing_put(l);
		return -ENOENT;	/* every message is listed: none names it */
	}
	l = coll_listing(&coll_thread, id);
	if (!l)
		return -ENOMEM;
	rc = coll_fill(l, (size_t)-1);
	if (rc == 0 && l->n == 0)
		rc = -ENOENT;
	listing_put(l);
	return rc;
}

static const char *unread_pick(const struct entry *e, const void *arg,
			       char *buf, size_t len)
{
	(void)arg;
	(void)buf;
	(void)len;
	return e->marked ? e->name : NULL;
}

static const char *thread_pick(const struct entry *e, const void *tid,
			       char *buf, size_t len)
{
	(void)buf;
	(void)len;
	return e->aux && !strcmp(e->aux, tid) ? e->name : NULL;
}

/* Lists a view of the inbox from the whole listing, or else with the
 * view's own collection. */
static int inbox_view(struct rctx *c, struct dirfill *d, pick_fn pick,
		      const char *arg)
{
	struct listing *l = whole_inbox();
	int rc;

	if (!l)
		return h_coll_list(c, d);
	rc = add_picked(l, pick, arg, d);
	listing_put(l);
	return rc;
}

/* Is there a message called name that pick shows, in the whole inbox?
 * 1, 0, or -1 when the inbox is not whole. */
static int inbox_has(const char *name, pick_fn pick, const char *arg)
{
	struct listing *l = whole_inbox();
	char buf[8];
	size_t i;
	int found;

	if (!l)
		return -1;
	cache_lock();
	i = listing_find(l, name);
	if (i) {
		struct entry e;

		listing_at(l, i - 1, &e);
		found = pick(&e, arg, buf, sizeof(buf)) != NULL;
	} else {
		found = 0;
	}
	cache_unlock();
	listing_put(l);
	return found;
}

/* A link of an inbox view: its size is its target's length. */
static int inbox_link_stat(struct rctx *c, struct node *n, pick_fn pick,
			   const char *arg)
{
	int has = inbox_has(c->cap[c->ncap - 1], pick, arg);

	if (has < 0)
		return h_coll_stat(c, n);
	if (!has)
		return -ENOENT;
	n->size = strlen(((const struct coll_view *)c->route->arg)->link) -
		  2 + strlen(c->cap[c->ncap - 1]);
	return 0;
}

int h_unread_list(struct rctx *c, struct dirfill *d)
{
	return inbox_view(c, d, unread_pick, NULL);
}

int h_unread_stat(struct rctx *c, struct node *n)
{
	return inbox_link_stat(c, n, unread_pick, NULL);
}

int h_thread_members(struct rctx *c, struct dirfill *d)
{
	char id[512];

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	return inbox_view(c, d, thread_pick, id);
}

int h_thread_member_stat(struct rctx *c, struct node *n)
{
	char id[512];

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	return inbox_link_stat(c, n, thread_pick, id);
}

/* The campaigns or accounts carrying the tag named by capture 0, from
 * GET /campaigns or /accounts with tag_ids (the spec's own filter). */
static struct listing *tagged(struct rctx *c, int *rc)
{
	const char *kind = c->route->arg;
	struct item tag;
	struct listing *l = NULL;

	*rc = coll_lookup(&coll_tags, NULL, c->cap[0], &tag);
	if (*rc < 0)
		return NULL;
	l = coll_listing(!strcmp(kind, "campaigns") ? &coll_tag_campaigns
						    : &coll_tag_accounts,
			 tag.id);
	item_free(&tag);
	*rc = l ? coll_fill(l, (size_t)-1) : -ENOMEM;
	if (*rc < 0 && l) {
		listing_put(l);
		l = NULL;
	}
	return l;
}

int h_tag_links_list(struct rctx *c, struct dirfill *d)
{
	int rc;

	d->lst = tagged(c, &rc);
	return rc;
}

int h_tag_link_stat(struct rctx *c, struct node *n)
{
	int rc;
	struct listing *l = tagged(c, &rc);

	if (!l)
		return rc;
	cache_lock();
	rc = listing_find(l, c->cap[1]) ? 0 : -ENOENT;
	cache_unlock();
	listing_put(l);
	n->size = strlen("../../../") + strlen(c->route->arg) + 1 +
		  strlen(c->cap[1]);
	return rc;
}

int h_tag_link_read(struct rctx *c, struct blob *out)
{
	int len = asprintf(&out->data, "../../../%s/%s",
			   (const char *)c->route->arg, c->cap[1]);

	if (len < 0)
		return -ENOMEM;
	out->len = (size_t)len;
	return 0;
}
