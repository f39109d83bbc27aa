/*
 * route.c - matching paths against the route table (tree.c).
 *
 * Owns: splitting a path, finding its row, running the existence checks
 * of every wildcard on the way down.  Must not: know any resource.
 * Thread-safe: a struct rctx belongs to one call.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "tree.h"

time_t route_mount_time;

int dirfill_add(struct dirfill *d, const char *name)
{
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		char **nn = realloc(d->names, cap * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		d->names = nn;
		d->cap = cap;
	}
	d->names[d->n] = strdup(name);
	if (!d->names[d->n])
		return -ENOMEM;
	d->n++;
	return 0;
}

void dirfill_free(struct dirfill *d)
{
	for (size_t i = 0; i < d->n; i++)
		free(d->names[i]);
	free(d->names);
	if (d->lst)
		listing_put(d->lst);
	memset(d, 0, sizeof(*d));
}

/* Splits a pattern into components in place; returns their number. */
static int split(char *s, char **seg, int max)
{
	char *save = NULL;
	int n = 0;

	for (char *tok = strtok_r(s, "/", &save); tok;
	     tok = strtok_r(NULL, "/", &save)) {
		if (n == max)
			return -1;
		seg[n++] = tok;
	}
	return n;
}

/*
 * Does row r match the first nseg components of seg?  On a match, the
 * components under its "*"s are put in cap (when cap is not NULL).
 */
static int row_matches(const struct route *r, char *const *seg, int nseg,
		       const char **cap, int *ncap)
{
	const char *p = r->pattern;
	int i = 0, n = 0;

	for (;;) {
		const char *end;
		size_t len;
		int wild;

		while (*p == '/')
			p++;
		if (!*p)
			break;
		end = strchr(p, '/');
		len = end ? (size_t)(end - p) : strlen(p);
		wild = len == 1 && *p == '*';
		if (i == nseg || (!wild && (strlen(seg[i]) != len ||
					    memcmp(seg[i], p, len))))
			return 0;
		if (wild && cap)
			cap[n++] = seg[i];
		i++;
		p += len;
	}
	if (i != nseg)
		return 0;
	if (ncap)
		*ncap = n;
	return 1;
}

/* Component k of a pattern (its length in *len), or NULL. */
static const char *component(const char *p, int k, size_t *len)
{
	for (;;) {
		const char *end;

		while (*p == '/')
			p++;
		if (!*p)
			return NULL;
		end = strchr(p, '/');
		*len = end ? (size_t)(end - p) : strlen(p);
		if (!k--)
			return p;
		p += *len;
	}
}

/*
 * Does a literal row name the folder where r has a "*"?  Then r does not
 * reach under it: /emails/maildir/body.txt is not the body of an email
 * called "maildir", and no request is sent to find out.
 */
static int shadowed(const struct route *r, char *const *seg, int nseg)
{
	size_t len;
	const char *p;

	for (int k = 0; k < nseg - 1 && (p = component(r->pattern, k, &len));
	     k++) {
		if (len != 1 || *p != '*')
			continue;
		for (size_t q = 0; q < tree_nroutes; q++) {
			const struct route *lit = &tree_routes[q];
			size_t llen;
			const char *lp = component(lit->pattern, k, &llen);

			if (lp && !(llen == 1 && *lp == '*') &&
			    !component(lit->pattern, k + 1, &llen) &&
			    row_matches(lit, seg, k + 1, NULL, NULL))
				return 1;
		}
	}
	return 0;
}

/* Fills c->route and the captures for the first nseg components. */
static int match_depth(struct rctx *c, int nseg)
{
	for (size_t k = 0; k < tree_nroutes; k++) {
		if (row_matches(&tree_routes[k], c->seg, nseg, c->cap,
				&c->ncap) &&
		    !shadowed(&tree_routes[k], c->seg, nseg)) {
			c->route = &tree_routes[k];
			return 0;
		}
	}
	return -ENOENT;
}

int route_match(const char *path, struct rctx *c)
{
	size_t len = strlen(path);

	memset(c, 0, sizeof(*c));
	if (len >= sizeof(c->buf))
		return -ENAMETOOLONG;
	memcpy(c->buf, path, len + 1);
	c->nseg = split(c->buf, c->seg, ROUTE_MAX_DEPTH);
	if (c->nseg < 0)
		return -ENOENT;
	return match_depth(c, c->nseg);
}

void route_children(const struct rctx *c, void (*fn)(void *, const char *),
		    void *arg)
{
	for (size_t k = 0; k < tree_nroutes; k++) {
		const struct route *r = &tree_routes[k];
		const char *name = route_child(r->pattern, c->route->pattern);

		if (name && strcmp(name, "*") && !(r->flags & R_HIDDEN))
			fn(arg, name);
	}
}

const char *route_child(const char *path, const char *dir)
{
	size_t dlen = strlen(dir);

	if (dlen == 1)
		dlen = 0;	/* the root: children are "/x" */
	if (strncmp(path, dir, dlen) || path[dlen] != '/' ||
	    !path[dlen + 1] || strchr(path + dlen + 1, '/'))
		return NULL;
	return path + dlen + 1;
}

static void node_defaults(const struct route *r, struct node *n)
{
	memset(n, 0, sizeof(*n));
	n->type = r->type;
	n->mode = r->mode;
	n->flags = r->flags;
	n->mtime = route_mount_time;
}

int route_stat(struct rctx *c, struct node *n)
{
	/* Every wildcard ancestor must exist: /campaigns/<bad>/status is
	 * ENOENT even though "status" is a literal. */
	for (int depth = 1; depth < c->nseg; depth++) {
		struct rctx up = *c;
		struct node ignored;

		if (match_depth(&up, depth) < 0)
			return -ENOENT;
		if (up.route->type != NODE_DIR)
			return -ENOTDIR;
		if (up.route->stat && strchr(up.route->pattern, '*') &&
		    !strcmp(strrchr(up.route->pattern, '/'), "/*")) {
			node_defaults(up.route, &ignored);
			int rc = up.route->stat(&up, &ignored);

			if (rc < 0)
				return rc;
		}
	}
	return route_stat_target(c, n);
}

int route_stat_target(struct rctx *c, struct node *n)
{
	const struct route *target = c->route;
	int rc;

	/* What the target shows depends on what its own checks consult,
	 * not on its ancestors' (cache_op_dep). */
	cache_op_depend(NULL);
	node_defaults(target, n);
	if (target->stat) {
		rc = target->stat(c, n);
		if (rc < 0)
			return rc;
	}
	if (target->type != NODE_DIR && !(target->flags & R_DIRECT) &&
	    target->read && (!target->stat || n->size == 0)) {
		struct blob b = { 0 };

		rc = target->read(c, &b);
		if (rc < 0)
			return rc;
		n->size = b.len;
		n->version = b.version ? b.version : cache_hash(b.data, b.len);
		if (b.mtime)
			n->mtime = b.mtime;
		blob_free(&b);
	}
	return 0;
}
