/*
 * fs.h - the FUSE file system: the low-level operations (fs_ll.c), which
 * keep the kernel's inodes and caches and hand paths to the path-based
 * operations of fs.c and fs_write.c.
 */
#ifndef INSTANTLYFS_FS_H
#define INSTANTLYFS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse_lowlevel.h>

struct fs_config {
	double kernel_ttl;	/* entry timeout, seconds */
};

extern const struct fuse_lowlevel_ops fs_ll_ops;
void fs_configure(const struct fs_config *cfg);

#endif
