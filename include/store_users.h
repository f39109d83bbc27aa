/*
 * store_users.h - the mounts using a store, and the ones that died.
 *
 * Each mount that opens a store registers itself in its meta table
 * ("user:<pid>:<start time>") and removes itself when it closes cleanly.
 * A registration whose process is gone means a mount was killed (kill -9,
 * a crash, a power loss) in the middle of whatever it was doing: a
 * listing, an import, a commit whose answer the store never learned.
 * Then nothing stored is trusted as fresh: every object and listing is
 * made stale (kept for offline reads and incremental refreshes, fetched
 * again before it is served as fresh), once.
 *
 * Called by store.c on its write connection, outside any transaction.
 */
#ifndef INSTANTLYFS_STORE_USERS_H
#define INSTANTLYFS_STORE_USERS_H

#include <sqlite3.h>

/* Registers this process; 1 if a mount that died was found (and what
 * is stored made stale), 0, or -EIO. */
int store_users_join(sqlite3 *db);
/* Removes this process's registration. */
void store_users_leave(sqlite3 *db);

#endif
