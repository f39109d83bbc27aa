/*
 * fs_ll.c - the FUSE low-level operations: the kernel's side.
 *
 * Owns: the translation from the kernel's inode numbers (inode.h) to the
 * paths the route table serves, the replies, and what the kernel may
 * cache.  Every operation turns its inode into a path and calls the
 * path-based operation of fs.c or fs_write.c; a name operation that
 * succeeds (rm, mv, mkdir...) updates the inode table.  The operations
 * that only read mark their thread so (stop.h): when the mount stops,
 * their work is dropped at once, while those that change the workspace
 * finish within the grace.
 *
 * Must not: know any resource or the API.  Locking: none of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fs_priv.h"
#include "inode.h"
#include "stop.h"

#define FS_PATH_MAX 4096

static struct fs_config config = { .kernel_ttl = 1.0 };

void fs_configure(const struct fs_config *cfg)
{
	config = *cfg;
}

/* Runs call as work that only reads. */
#define READING(call)                                                       \
	({                                                                  \
		int was_ = stop_reading(1), rc_ = (call);                   \
		stop_reading(was_);                                         \
		rc_;                                                        \
	})

static void ll_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	(void)conn;
	inode_init();
	fs_start();
}

static void ll_destroy(void *data)
{
	(void)data;
	fs_finish();
}

/* Stats the path as its node: the inode number is the node's. */
static int stat_path(const char *path, struct stat *st)
{
	return READING(fs_getattr(path, st, NULL));
}

/* Replies with the entry called name in parent, looked up afresh. */
static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			const char *path)
{
	struct fuse_entry_param e;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = stat_path(path, &e.attr);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	e.ino = inode_lookup(parent, name, 0);
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.attr.st_ino = e.ino;
	e.entry_timeout = config.kernel_ttl;
	e.attr_timeout = 0;
	if (fuse_reply_entry(req, &e) == -ENOENT)
		inode_forget(e.ino, 1);	/* the caller is gone */
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	char path[FS_PATH_MAX];
	int rc = inode_child_path(parent, name, path, sizeof(path));

	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, parent, name, path);
}

static void ll_forget(fuse_req_t req, fuse_ino_t ino, uint64_t n)
{
	inode_forget(ino, n);
	fuse_reply_none(req);
}

static void ll_forget_multi(fuse_req_t req, size_t count,
			    struct fuse_forget_data *forgets)
{
	for (size_t i = 0; i < count; i++)
		inode_forget(forgets[i].ino, forgets[i].nlookup);
	fuse_reply_none(req);
}

static void reply_attr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	struct stat st;
	int rc = inode_path(ino, path, sizeof(path));

	if (rc == 0)
		rc = stat_path(path, &st);
	/* An open file keeps its stat whatever became of its name. */
	if (rc == -ENOENT && fi) {
		fs_fh_stat(fi, &st);
		rc = 0;
	}
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	st.st_ino = ino;
	fuse_reply_attr(req, &st, 0);
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	reply_attr(req, ino, fi);
}

/* The changes of one setattr, in the order chmod, chown, truncate and
 * utimens, as the high-level library made them. */
static int set_attrs(const char *path, struct stat *attr, int to_set,
		     struct fuse_file_info *fi)
{
	struct timespec tv[2];
	int rc = 0;

	if (to_set & FUSE_SET_ATTR_MODE)
		rc = fs_chmod(path, attr->st_mode, fi);
	if (rc == 0 && (to_set & (FUSE_SET_ATTR_UID | FUSE_SET_ATTR_GID)))
		rc = fs_chown(path,
			      (to_set & FUSE_SET_ATTR_UID) ? attr->st_uid
							   : (uid_t)-1,
			      (to_set & FUSE_SET_ATTR_GID) ? attr->st_gid
							   : (gid_t)-1,
			      fi);
	if (rc == 0 && (to_set & FUSE_SET_ATTR_SIZE))
		rc = fs_truncate(path, attr->st_size, fi);
	if (rc == 0 && (to_set & (FUSE_SET_ATTR_ATIME | FUSE_SET_ATTR_MTIME))) {
		tv[0].tv_sec = 0;
		tv[0].tv_nsec = UTIME_OMIT;
		tv[1] = tv[0];
		if (to_set & FUSE_SET_ATTR_ATIME_NOW)
			tv[0].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_ATIME)
			tv[0] = attr->st_atim;
		if (to_set & FUSE_SET_ATTR_MTIME_NOW)
			tv[1].tv_nsec = UTIME_NOW;
		else if (to_set & FUSE_SET_ATTR_MTIME)
			tv[1] = attr->st_mtim;
		rc = fs_utimens(path, tv, fi);
	}
	return rc;
}

static void ll_setattr(fuse_req_t req, fuse_ino_t ino, struct stat *attr,
		       int to_set, struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	int rc = inode_path(ino, path, sizeof(path));

	if (rc == 0)
		rc = set_attrs(path, attr, to_set, fi);
	else if (rc == -ENOENT && fi)
		rc = set_attrs(NULL, attr, to_set, fi);	/* removed while open */
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_attr(req, ino, fi);
}

static void ll_readlink(fuse_req_t req, fuse_ino_t ino)
{
	char path[FS_PATH_MAX], target[FS_PATH_MAX];
	int rc = inode_path(ino, path, sizeof(path));

	if (rc == 0)
		rc = READING(fs_readlink(path, target, sizeof(target)));
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_readlink(req, target);
}

/* The path of name in parent, or a reply with the error. */
static int child_path(fuse_req_t req, fuse_ino_t parent, const char *name,
		      char *path)
{
	int rc = inode_child_path(parent, name, path, FS_PATH_MAX);

	if (rc < 0)
		fuse_reply_err(req, -rc);
	return rc;
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	char path[FS_PATH_MAX];
	int rc;

	if (child_path(req, parent, name, path) < 0)
		return;
	rc = fs_mkdir(path, mode);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, parent, name, path);
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	char path[FS_PATH_MAX];
	int rc;

	if (child_path(req, parent, name, path) < 0)
		return;
	rc = fs_symlink(link, path);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, parent, name, path);
}

/* rm and rmdir: the name leaves the inode table once it is gone. */
static void remove_name(fuse_req_t req, fuse_ino_t parent, const char *name,
			int (*op)(const char *path))
{
	char path[FS_PATH_MAX];
	int rc;

	if (child_path(req, parent, name, path) < 0)
		return;
	rc = op(path);
	if (rc == 0)
		inode_detach(parent, name);
	fuse_reply_err(req, -rc);
}

static void ll_unlink(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, fs_unlink);
}

static void ll_rmdir(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	remove_name(req, parent, name, fs_rmdir);
}

static void ll_rename(fuse_req_t req, fuse_ino_t parent, const char *name,
		      fuse_ino_t newparent, const char *newname,
		      unsigned int flags)
{
	char from[FS_PATH_MAX], to[FS_PATH_MAX];
	int rc;

	if (child_path(req, parent, name, from) < 0 ||
	    child_path(req, newparent, newname, to) < 0)
		return;
	rc = fs_rename(from, to, flags);
	if (rc == 0)
		inode_move(parent, name, newparent, newname);
	fuse_reply_err(req, -rc);
}

static void ll_link(fuse_req_t req, fuse_ino_t ino, fuse_ino_t newparent,
		    const char *newname)
{
	(void)ino;
	(void)newparent;
	(void)newname;
	fuse_reply_err(req, EPERM);	/* no hard links in a workspace */
}

static void ll_open(fuse_req_t req, fuse_ino_t ino,
		    struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	int rc = inode_path(ino, path, sizeof(path));

	if (rc == 0)
		rc = READING(fs_open(path, fi));
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_release(NULL, fi);	/* the open was interrupted */
}

static void ll_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		    struct fuse_file_info *fi)
{
	char *buf = malloc(size ? size : 1);
	int n;

	(void)ino;
	if (!buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	n = fs_read(fi, buf, size, off);
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_buf(req, buf, (size_t)n);
	free(buf);
}

static void ll_write(fuse_req_t req, fuse_ino_t ino, const char *buf,
		     size_t size, off_t off, struct fuse_file_info *fi)
{
	int n = fs_write(NULL, buf, size, off, fi);

	(void)ino;
	if (n < 0)
		fuse_reply_err(req, -n);
	else
		fuse_reply_write(req, (size_t)n);
}

static void ll_flush(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -fs_flush(NULL, fi));
}

static void ll_release(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	(void)ino;
	fs_release(NULL, fi);
	fuse_reply_err(req, 0);
}

static void ll_fsync(fuse_req_t req, fuse_ino_t ino, int datasync,
		     struct fuse_file_info *fi)
{
	(void)ino;
	fuse_reply_err(req, -fs_fsync(NULL, datasync, fi));
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	int rc = inode_path(ino, path, sizeof(path));

	if (rc == 0)
		rc = READING(fs_opendir(path, fi));
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_releasedir(fi);
}

/* A reply buffer of folder entries. */
struct dirbuf {
	fuse_req_t req;
	char *buf;
	size_t size, used;
};

static int add_entry(void *arg, const char *name, off_t next)
{
	struct dirbuf *b = arg;
	struct stat st = { .st_ino = 0xffffffff };	/* as libfuse: unknown */
	size_t len = fuse_add_direntry(b->req, b->buf + b->used,
				       b->size - b->used, name, &st, next);

	if (len > b->size - b->used)
		return 1;
	b->used += len;
	return 0;
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	struct dirbuf b = { .req = req, .buf = malloc(size), .size = size };
	int rc;

	(void)ino;
	if (!b.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = READING(fs_readdir(fi, off, add_entry, &b));
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, b.buf, b.used);
	free(b.buf);
}

static void ll_releasedir(fuse_req_t req, fuse_ino_t ino,
			  struct fuse_file_info *fi)
{
	(void)ino;
	fs_releasedir(fi);
	fuse_reply_err(req, 0);
}

static void ll_statfs(fuse_req_t req, fuse_ino_t ino)
{
	struct statvfs st;

	(void)ino;
	fs_statfs(&st);
	fuse_reply_statfs(req, &st);
}

static void ll_create(fuse_req_t req, fuse_ino_t parent, const char *name,
		      mode_t mode, struct fuse_file_info *fi)
{
	struct fuse_entry_param e;
	char path[FS_PATH_MAX];
	int rc;

	if (child_path(req, parent, name, path) < 0)
		return;
	rc = fs_create(path, mode, fi);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	fs_fh_stat(fi, &e.attr);
	e.ino = inode_lookup(parent, name, 0);
	if (!e.ino) {
		fs_release(NULL, fi);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.attr.st_ino = e.ino;
	e.entry_timeout = config.kernel_ttl;
	if (fuse_reply_create(req, &e, fi) == -ENOENT) {
		fs_release(NULL, fi);	/* the caller is gone */
		inode_forget(e.ino, 1);
	}
}

/* mknod of a regular file is a create; nothing else is made here. */
static void ll_mknod(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode, dev_t rdev)
{
	struct fuse_file_info fi = { .flags = O_CREAT | O_EXCL | O_WRONLY };
	char path[FS_PATH_MAX];
	int rc;

	(void)rdev;
	if (!S_ISREG(mode)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (child_path(req, parent, name, path) < 0)
		return;
	rc = fs_create(path, mode, &fi);
	if (rc == 0)
		rc = fs_release(NULL, &fi);
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, parent, name, path);
}

const struct fuse_lowlevel_ops fs_ll_ops = {
	.init = ll_init,
	.destroy = ll_destroy,
	.lookup = ll_lookup,
	.forget = ll_forget,
	.forget_multi = ll_forget_multi,
	.getattr = ll_getattr,
	.setattr = ll_setattr,
	.readlink = ll_readlink,
	.mknod = ll_mknod,
	.mkdir = ll_mkdir,
	.unlink = ll_unlink,
	.rmdir = ll_rmdir,
	.symlink = ll_symlink,
	.rename = ll_rename,
	.link = ll_link,
	.open = ll_open,
	.read = ll_read,
	.write = ll_write,
	.flush = ll_flush,
	.release = ll_release,
	.fsync = ll_fsync,
	.opendir = ll_opendir,
	.readdir = ll_readdir,
	.releasedir = ll_releasedir,
	.statfs = ll_statfs,
	.create = ll_create,
};
