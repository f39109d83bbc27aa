/*
 * fs_priv.h - what the two halves of the FUSE layer share: fs.c (reading,
 * folders, the operations table) and fs_write.c (writing and changing
 * the tree).
 */
#ifndef INSTANTLYFS_FS_PRIV_H
#define INSTANTLYFS_FS_PRIV_H

#include <sys/stat.h>

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
	int writable;
	int dirty;
};

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
int fs_mkdir(const char *path, mode_t mode);
int fs_symlink(const char *target, const char *path);
int fs_rename(const char *from, const char *to, unsigned int flags);
int fs_utimens(const char *path, const struct timespec tv[2],
	       struct fuse_file_info *fi);
int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi);
int fs_chown(const char *path, uid_t uid, gid_t gid,
	     struct fuse_file_info *fi);

#endif
