/*
 * mirror.h - which store (store.h) a mount uses, and when it opens.
 *
 * The store is the workspace's: its folder is named by the workspace's id,
 * which GET /workspaces/current gives (one request at mount, whose answer
 * is also workspace.json).  The id is remembered per API address (never
 * with the key), so a mount without the network opens the store of the
 * last workspace seen there and reads what it holds.
 *
 * mirror_plan() runs before the mount goes to the background (it may print
 * why the store is not used); mirror_open() after, since the store starts
 * a thread; mirror_close() at the end.
 */
#ifndef INSTANTLYFS_MIRROR_H
#define INSTANTLYFS_MIRROR_H

#include <stddef.h>

struct mirror_config {
	const char *cache_dir;	/* NULL: the default (store.h) */
	int memory_only;	/* -o cache=memory */
	const char *base_url;
	const char *connection;	/* gateway: the connection id, or NULL */
	size_t cache_size;	/* -o cache_size, bytes (0: no cap) */
};

void mirror_plan(const struct mirror_config *cfg);
void mirror_open(void);
void mirror_close(void);

#endif
