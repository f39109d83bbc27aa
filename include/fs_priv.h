/*
 * fs_priv.h - what the parts of the FUSE layer share: fs_ll.c (the
 * kernel's side: inodes, caches, replies), fs.c (reading and folders, by
 * path) and fs_write.c (writing and changing the tree, by path).
 */
#ifndef INSTANTLYFS_FS_PRIV_H
#define INSTANTLYFS_FS_PRIV_H

#include <sys/stat.h>
#include <sys/statvfs.h>

#include "buf.h"
#include "cache.h"
#include "fs.h"
#include "route.h"
#include "scratch.h"

#define FS_MAX_WRITE (64u << 20)	/* bytes one open file may hold */

/*
 * Every open file and folder is on one list, so those the kernel never
 * released (closed just before an unmount) are freed at unmount.
 */
struct live {
	struct live *prev, *next;
	void (*free)(struct live *l);
};

struct fh {
	struct live link;	/* first: a struct live * is a struct fh * */
	char *path;
	struct blob content;	/* what reads see, when not writable */
	struct buf wbuf;	/* a writable resource's bytes */
	struct scratch *scratch;	/* or the scratch file it is */
	struct node node;	/* what it was opened as, for fstat */
	int writable;
	int dirty;
	int unchecked;	/* written out of order: judged whole, at close */
	int refused;	/* -errno of a write that was refused, or 0 */
	void *stream;	/* a streaming row's state (route.h) */
	void (*stream_free)(void *st);
};

/* fs.c: the operations that read, by path (handles: by fi->fh). */
int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi);
/* The same, and what it is (n may be NULL): type, flags, version. */
int fs_stat(const char *path, struct stat *st, struct node *n);
int fs_readlink(const char *path, char *out, size_t size);
/* *cacheable: may the kernel keep what it reads of the folder? */
int fs_opendir(const char *path, struct fuse_file_info *fi, int *cacheable);
/* What a folder knows of one of its listed entries without asking. */
struct fs_dirent_attr {
	int known;
	struct node node;
	uint64_t dep;		/* the key hash its bytes come from */
	double fetched;		/* when its listing was fetched */
};
/* Adds one folder entry (a: NULL when nothing is known of it beyond its
 * name); nonzero when the reader's buffer is full. */
typedef int (*fs_fill_fn)(void *arg, const char *name, off_t next,
			  const struct fs_dirent_attr *a);
int fs_readdir(struct fuse_file_info *fi, off_t off, fs_fill_fn fill,
	       void *arg);
int fs_releasedir(struct fuse_file_info *fi);
int fs_open(const char *path, struct fuse_file_info *fi);
int fs_read(struct fuse_file_info *fi, char *out, size_t size, off_t off);
/* The stat of an open file, whatever became of its name. */
void fs_fh_stat(struct fuse_file_info *fi, struct stat *st);
/* The version of the bytes a read-only handle reads; 0 for others. */
uint64_t fs_fh_version(struct fuse_file_info *fi);
void fs_statfs(struct statvfs *st);
/* At the start of the mount (a thread starts) and at its end (pending
 * deletes are sent, what the kernel never released is freed). */
void fs_start(void);
void fs_finish(void);

/* Matches path and checks it exists. */
int fs_resolve(const char *path, struct rctx *c, struct node *n);
void fs_fill_stat(struct stat *st, const struct node *n);
void fs_scratch_stat(struct scratch *s, struct stat *st);
struct fh *fs_fh_new(const char *path);
void fs_fh_free(struct fh *h);

/* fs_write.c */
int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_write(const char *path, const char *data, size_t size, off_t off,
	     struct fuse_file_info *fi);
int fs_flush(const char *path, struct fuse_file_info *fi);
int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi);
int fs_release(const char *path, struct fuse_file_info *fi);
int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi);
int fs_unlink(const char *path);
int fs_send_delete(const char *path);
int fs_rmdir(const char *path);
/* mode: what mkdir asked for before the umask, or 0 when unknown. */
int fs_mkdir(const char *path, mode_t mode);
int fs_symlink(const char *target, const char *path);
int fs_rename(const char *from, const char *to, unsigned int flags);
int fs_utimens(const char *path, const struct timespec tv[2],
	       struct fuse_file_info *fi);
int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_chown(const char *path, uid_t uid, gid_t gid,
	     struct fuse_file_info *fi);

#endif
