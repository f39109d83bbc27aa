/*
 * fs.h - the FUSE operations: translate and delegate to the route table.
 */
#ifndef INSTANTLYFS_FS_H
#define INSTANTLYFS_FS_H

#define FUSE_USE_VERSION 314
#include <fuse.h>

struct fs_config {
	double kernel_ttl;	/* entry and attribute timeout, seconds */
};

extern const struct fuse_operations fs_ops;
void fs_configure(const struct fs_config *cfg);

#endif
