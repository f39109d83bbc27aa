/*
 * h_meta.c - .instantlyfs/: the mount's own state.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "cache.h"
#include "errlog.h"
#include "inode.h"
#include "log.h"
#include "offline.h"
#include "rejected.h"
#include "stats.h"
#include "tree.h"

static int from_text(char *text, size_t len, struct blob *out)
{
	if (!text)
		return -ENOMEM;
	out->data = text;
	out->len = len;
	out->mtime = 0;
	return 0;
}

/* What is held now and whether the API is unreachable, then the
 * counters since the mount. */
int h_stats_read(struct rctx *c, struct blob *out)
{
	size_t len;
	char *counters = stats_render(&len), *text = NULL;
	char *listing = cache_listings_in_progress();
	char *imports = h_import_progress();
	int n = -1;

	(void)c;
	if (counters && listing && imports)
		n = asprintf(&text,
			     "cache_bytes_held %zu\nlisting_bytes_held %zu\n"
			     "inodes_held %zu\noffline %d\n%s%s%s",
			     cache_mem_held(), cache_listing_bytes(),
			     inode_count(), offline_now(), listing, imports,
			     counters);
	free(imports);
	free(listing);
	free(counters);
	return from_text(n < 0 ? NULL : text, n < 0 ? 0 : (size_t)n, out);
}

int h_errors_read(struct rctx *c, struct blob *out)
{
	size_t len;
	char *text = errlog_render(&len);

	(void)c;
	return from_text(text, len, out);
}

int h_version_read(struct rctx *c, struct blob *out)
{
	char *text;
	int len = asprintf(&text, "instantlyfs %s\n", INSTANTLYFS_VERSION);

	(void)c;
	return from_text(len < 0 ? NULL : text, len < 0 ? 0 : (size_t)len,
			 out);
}

int h_refresh_commit(struct rctx *c, const char *data, size_t len)
{
	(void)c;
	(void)data;
	(void)len;
	cache_drop_all();
	log_info("refresh: every cached listing and object dropped");
	return 0;
}

static void add_name(void *d, const char *name)
{
	dirfill_add(d, name);
}

int h_rejected_list(struct rctx *c, struct dirfill *d)
{
	(void)c;
	rejected_list(add_name, d);
	return 0;
}

int h_rejected_read(struct rctx *c, struct blob *out)
{
	return rejected_get(c->cap[0], &out->data, &out->len, &out->mtime);
}
