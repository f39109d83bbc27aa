/*
 * storedir.h - the folder of one workspace's store, <root>/<workspace id>/:
 * the names of its files and the lock that says a mount uses it.
 *
 * A mount holds a shared flock(2) on <folder>/lock from store_open() to
 * store_close(); `instantlyfs cache clear` takes it exclusively, without
 * waiting, and removes the store only while it holds it, so a store in use
 * is never removed.  A mount that waited for a clear finds its lock file
 * gone and makes the folder again.  Nothing here follows a symbolic link:
 * names are opened O_NOFOLLOW under the folder's descriptor, and only the
 * names listed here are ever removed.
 *
 * No state, no thread: each call stands alone.
 */
#ifndef INSTANTLYFS_STOREDIR_H
#define INSTANTLYFS_STOREDIR_H

#define STOREDIR_DB "store.db"
#define STOREDIR_LOCK "lock"

/* The database's files, NULL-terminated: store.db and its -wal, -shm and
 * -journal; all a clear removes beside the lock. */
extern const char *const storedir_files[];

/* Is s fit to name a workspace's folder (no '/', not "." or "..")? */
int storedir_valid_name(const char *s);
/* Mount: opens (making it, 0600) dir/lock and waits for a shared lock on
 * it.  The descriptor, -EAGAIN if a clear removed the file meanwhile (make
 * the folder again and retry), or -errno. */
int storedir_lock_shared(const char *dir);
/* Clear: opens (making it) the lock under the folder dirfd and locks it
 * exclusively without waiting.  The descriptor, -EWOULDBLOCK while a mount
 * holds it, or -errno. */
int storedir_lock_exclusive(int dirfd);
/* Is the store of the folder dirfd used by a mount now?  1 or 0. */
int storedir_in_use(int dirfd);

#endif
