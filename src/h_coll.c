/*
 * h_coll.c - the handlers every collection row shares: list a folder,
 * stat and read one object, by-name/ labels and symlinks.
 *
 * The row's arg is a struct coll_view.  Captured components are escaped
 * names; they are unescaped before they become API values.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "tree.h"

static const struct coll_view *view(struct rctx *c)
{
	return c->route->arg;
}

/* The collection a folder made by mkdir may be named by, at capture 0. */
static const struct coll *aliased(struct rctx *c, int cap)
{
	if (cap != 0 || c->nseg < 2)
		return NULL;
	if (!strcmp(c->seg[0], "campaigns"))
		return &coll_campaigns;
	if (!strcmp(c->seg[0], "lead-lists"))
		return &coll_lead_lists;
	return NULL;
}

const char *h_cap_id(struct rctx *c, int cap, char *buf, size_t len)
{
	const struct coll *by_name = aliased(c, cap);
	char *raw;

	if (cap < 0 || cap >= c->ncap)
		return NULL;
	/* campaigns/<name>/... made by mkdir: the name stands for the id. */
	raw = by_name ? coll_alias_of(by_name, c->cap[cap]) : NULL;
	if (!raw)
		raw = name_unescape(c->cap[cap]);
	if (!raw || strlen(raw) >= len) {
		free(raw);
		return NULL;
	}
	strcpy(buf, raw);
	free(raw);
	return buf;
}

/* The parent id of the view, or NULL at the top level. */
static int parent_of(struct rctx *c, char *buf, size_t len,
		     const char **parent)
{
	*parent = NULL;
	if (view(c)->parent_cap < 0)
		return 0;
	*parent = h_cap_id(c, view(c)->parent_cap, buf, len);
	return *parent ? 0 : -ENOENT;
}

static int list(struct rctx *c, struct dirfill *d, int labels)
{
	char pbuf[512];
	const char *parent;
	const struct coll *coll = view(c)->coll;
	int rc = parent_of(c, pbuf, sizeof(pbuf), &parent);

	if (rc < 0)
		return rc;
	d->lst = coll_listing(coll, parent);
	if (!d->lst)
		return -ENOMEM;
	d->show_label = labels;
	/* The first page now, so that a folder that cannot be listed fails
	 * at opendir; the rest as the reader goes (the next page is fetched
	 * ahead while it reads this one, unless the folder is streamed). */
	return coll_fill(d->lst, 0);
}

int h_coll_list(struct rctx *c, struct dirfill *d)
{
	return list(c, d, 0);
}

int h_coll_list_labels(struct rctx *c, struct dirfill *d)
{
	return list(c, d, 1);
}

int h_coll_lookup(struct rctx *c, struct item *it)
{
	char pbuf[512];
	const char *parent;
	int rc = parent_of(c, pbuf, sizeof(pbuf), &parent);

	if (rc < 0)
		return rc;
	if (view(c)->name_cap >= c->ncap)
		return -ENOENT;
	return coll_lookup(view(c)->coll, parent, c->cap[view(c)->name_cap],
			   it);
}

void h_item_stat(const struct item *it, struct node *n)
{
	if (it->mtime)
		n->mtime = it->mtime;
	if (n->type == NODE_FILE) {
		n->size = it->size;
		n->version = it->version;
	}
}

int h_coll_stat(struct rctx *c, struct node *n)
{
	struct item it;
	int rc = h_coll_lookup(c, &it);

	if (rc < 0)
		return rc;
	h_item_stat(&it, n);
	item_free(&it);
	return 0;
}

int h_coll_read(struct rctx *c, struct blob *out)
{
	struct item it;
	int rc = h_coll_lookup(c, &it);

	if (rc < 0)
		return rc;
	rc = coll_object(view(c)->coll, it.id, out);
	item_free(&it);
	return rc;
}

static int link_to(struct rctx *c, const char *name, struct blob *out)
{
	char *target = coll_format(view(c)->link, name);

	if (!target)
		return -ENOMEM;
	out->data = target;
	out->len = strlen(target);
	out->mtime = 0;
	return 0;
}

int h_coll_link(struct rctx *c, struct blob *out)
{
	return link_to(c, c->cap[view(c)->name_cap], out);
}

/* The entry whose by-name/ label is the view's name capture. */
int h_coll_lookup_label(struct rctx *c, struct item *it)
{
	char pbuf[512];
	const char *parent;
	struct listing *l;
	size_t i;
	int rc = parent_of(c, pbuf, sizeof(pbuf), &parent);

	if (rc < 0)
		return rc;
	if (view(c)->name_cap >= c->ncap)
		return -ENOENT;
	l = coll_listing(view(c)->coll, parent);
	if (!l)
		return -ENOMEM;
	rc = coll_fill(l, (size_t)-1);
	if (rc == 0) {
		cache_lock();
		i = listing_find_label(l, c->cap[view(c)->name_cap]);
		rc = i ? 0 : -ENOENT;
		if (i) {
			struct entry e;

			listing_at(l, i - 1, &e);
			memset(it, 0, sizeof(*it));
			it->name = strdup(e.name);
			it->aux = e.aux ? strdup(e.aux) : NULL;
			it->mtime = e.mtime;
			if (!it->name)
				rc = -ENOMEM;
		}
		cache_unlock();
	}
	listing_put(l);
	return rc;
}

int h_coll_stat_label(struct rctx *c, struct node *n)
{
	struct item it;
	int rc = h_coll_lookup_label(c, &it);

	if (rc < 0)
		return rc;
	n->size = strlen(view(c)->link) - 2 + strlen(it.name);
	if (it.mtime)
		n->mtime = it.mtime;
	item_free(&it);
	return 0;
}

int h_coll_link_label(struct rctx *c, struct blob *out)
{
	struct item it;
	int rc = h_coll_lookup_label(c, &it);

	if (rc < 0)
		return rc;
	rc = link_to(c, it.name, out);
	item_free(&it);
	return rc;
}
