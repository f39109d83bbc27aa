/*
 * h_local.c - folders that exist only in the mount until a file written
 * in them makes the object: mkdir accounts/<email> or webhooks/<name>
 * makes a local folder; writing its JSON file sends the create, and the
 * folder becomes the object.  Until then it holds scratch files only,
 * lists none of its row's files, and is gone at unmount.
 *
 * A local folder is known by its path ("/<top>/<name>", or deeper, as
 * "/campaigns/<id>/subsequences/<name>"; escaped), so one set serves
 * every collection.  Locking: `lock` guards `local`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"
#include "hmap.h"
#include "log.h"
#include "patch.h"
#include "scratch.h"
#include "tree.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *local;	/* folder path -> (void *)1 */

/* The path of c's first n components into buf; 0 or -ENAMETOOLONG. */
static int prefix(struct rctx *c, int n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n; i++) {
		int w = snprintf(buf + used, len - used, "/%s", c->seg[i]);

		if (w < 0 || (size_t)w >= len - used)
			return -ENAMETOOLONG;
		used += (size_t)w;
	}
	return 0;
}

/* The local folder c's path is in: as deep as the last "*" of its row
 * (accounts/<email>/account.json: "/accounts/<email>"). */
static int folder_of(struct rctx *c, char *buf, size_t len)
{
	const char *p = c->route->pattern;
	int depth = 0, k = 0;

	for (; *p; p++)
		if (*p == '/') {
			k++;
			if (p[1] == '*')
				depth = k;
		}
	return depth && depth <= c->nseg ? prefix(c, depth, buf, len)
					 : -ENOENT;
}

int h_local_mkdir(struct rctx *c, const char *comp)
{
	char path[1024];
	int rc = prefix(c, c->nseg, path, sizeof(path));

	if (rc == 0 && strlen(path) + strlen(comp) + 2 > sizeof(path))
		rc = -ENAMETOOLONG;
	if (rc < 0)
		return rc;
	strcat(path, "/");
	strcat(path, comp);
	pthread_mutex_lock(&lock);
	if (!local)
		local = hmap_new();
	if (!local || hmap_put(local, path, (void *)1, NULL) < 0)
		rc = -ENOMEM;
	pthread_mutex_unlock(&lock);
	return rc;
}

void h_local_names(struct rctx *c, struct dirfill *d)
{
	char dir[1024];
	const char *key, *name;
	size_t pos = 0;

	if (prefix(c, c->nseg, dir, sizeof(dir)) < 0)
		return;
	pthread_mutex_lock(&lock);
	while (local && hmap_next(local, &pos, &key, NULL))
		if ((name = route_child(key, dir)))
			dirfill_add(d, name);
	pthread_mutex_unlock(&lock);
}

int h_local_is(struct rctx *c)
{
	char path[1024];
	int found = 0;

	if (folder_of(c, path, sizeof(path)) < 0)
		return 0;
	pthread_mutex_lock(&lock);
	found = local && hmap_get(local, path);
	pthread_mutex_unlock(&lock);
	return found;
}

void h_local_forget(struct rctx *c)
{
	char path[1024];

	if (folder_of(c, path, sizeof(path)) < 0)
		return;
	pthread_mutex_lock(&lock);
	if (local)
		hmap_del(local, path);
	pthread_mutex_unlock(&lock);
}

int h_local_stat(struct rctx *c, struct node *n)
{
	int rc = h_coll_stat(c, n);

	if (rc == -ENOENT && h_local_is(c)) {
		n->flags |= R_LOCAL;
		rc = 0;
	}
	return rc;
}

static void count_name(void *n, const char *name)
{
	(void)name;
	(*(int *)n)++;
}

int h_local_rmdir(struct rctx *c)
{
	char path[1024];
	int files = 0;

	if (!h_local_is(c))
		return h_coll_delete(c);
	if (folder_of(c, path, sizeof(path)) == 0)
		scratch_list(path, count_name, &files);
	if (files)
		return -ENOTEMPTY;
	h_local_forget(c);
	return 0;
}

int h_local_create(struct rctx *c)
{
	return h_local_is(c) ? 0 : -ENOENT;
}

int h_local_body(const struct coll *coll, const char *data, size_t len,
		 const char *const *drop, const char *const *takes,
		 cJSON **body)
{
	cJSON *field;
	char *why = NULL;
	int rc = patch_parse_new(data, len, drop, body, &why);

	cJSON *fields = rc == 0 ? *body : NULL;

	cJSON_ArrayForEach(field, fields) {
		const char *const *f = takes;

		while (*f && strcmp(*f, field->string))
			f++;
		if (!*f) {
			if (asprintf(&why, "%s is not a field a new %s takes",
				     field->string, coll->kind) < 0)
				why = NULL;
			rc = -EINVAL;
			break;
		}
	}
	if (rc < 0) {
		errlog_add("POST", coll->create_path, "not sent",
			   why ? why : "refused");
		log_err("POST %s: not sent: %s", coll->create_path,
			why ? why : "");
		cJSON_Delete(*body);
		*body = NULL;
	}
	free(why);
	return rc;
}

int h_local_post(struct rctx *c, const struct coll *coll, const cJSON *body,
		 int (*look)(void *arg, cJSON **found), void *arg)
{
	cJSON *obj = NULL;
	int rc = coll_create(coll, body, look, arg, &obj);

	if (rc == 0) {
		h_local_forget(c);
		coll_learn(coll, NULL, obj);
	}
	cJSON_Delete(obj);
	return rc;
}
