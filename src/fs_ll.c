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
 * What the kernel may keep, and for how long:
 *   - names and attributes, until what they were built from goes stale
 *     in the cache (cache_op_expires), at most -o kernel_ttl; nothing
 *     when a change was reported while the answer was built;
 *   - a file's pages across opens (keep_cache): a file's node stands for
 *     one version of its bytes (inode.h), so its pages are always that
 *     version's.  An open whose bytes are not the node's version fails
 *     ESTALE, and the kernel looks the name up again (as after an NFS
 *     server change) and gets the new node;
 *   - a folder's listing (cache_readdir), unless the open fetched it anew
 *     or the folder is paged in as it is read;
 *   - no FLUSH for read-only opens (noflush).
 * When the cache learns earlier of a change, inval.c tells the kernel;
 * a commit at close waits until it has, so the writer's next read is
 * the server's answer.
 *
 * Must not: know any resource or the API.  Locking: none of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fs_priv.h"
#include "inode.h"
#include "inval.h"
#include "stop.h"

#define FS_PATH_MAX 4096

static struct fs_config config = { .kernel_ttl = -1 };

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

/* Starts the cache's record of one operation (cache_op_begin), ended
 * when the function that began it returns. */
static void op_end(int *unused)
{
	(void)unused;
	cache_op_end();
}
#define OP_BEGIN(req)                                                       \
	int op_ __attribute__((cleanup(op_end), unused)) =                  \
		(cache_op_begin(fuse_req_ctx(req)->pid), 0)

/* How long the kernel may keep an answer built since cache_op_begin(). */
static double keep_for(double expires)
{
	if (cache_op_raced())
		return 0;
	if (config.kernel_ttl >= 0 && expires > config.kernel_ttl)
		return config.kernel_ttl;
	return expires;
}

/* Is n a file whose node stands for one version of its bytes? */
static int versioned(const struct node *n)
{
	return n->type == NODE_FILE && n->version &&
	       !(n->flags & (R_DIRECT | R_LIVE));
}

/* Does the kernel leave the umask to us (FUSE_CAP_DONT_MASK)? */
static int dont_mask;

/* A new file's mode with the caller's umask applied. */
static mode_t masked(fuse_req_t req, mode_t mode)
{
	return dont_mask ? mode & ~fuse_req_ctx(req)->umask : mode;
}

static void ll_init(void *data, struct fuse_conn_info *conn)
{
	(void)data;
	/* Every getdents of a folder carries attributes, not only its first:
	 * grep -r and find read a whole folder before opening any file, and
	 * would otherwise look each one up. */
	if (conn->capable & FUSE_CAP_READDIRPLUS)
		conn->want |= FUSE_CAP_READDIRPLUS;
	conn->want &= ~FUSE_CAP_READDIRPLUS_AUTO;
	/* The mode a mkdir asks for, before the umask, tells a copy (cp -r,
	 * rsync and tar ask for the source's mode) from a plain mkdir (0777):
	 * the umask is applied here instead. */
	if (conn->capable & FUSE_CAP_DONT_MASK) {
		conn->want |= FUSE_CAP_DONT_MASK;
		dont_mask = 1;
	}
	inode_init();
	fs_start();
}

static void ll_destroy(void *data)
{
	(void)data;
	fs_finish();
}

/* Stats the path, with what it is. */
static int stat_path(const char *path, struct stat *st, struct node *n)
{
	return READING(fs_stat(path, st, n));
}

/* The kernel's entry for name in parent, its node taken and told what it
 * depends on; ino 0 when memory runs out. */
static void make_entry(struct fuse_entry_param *e, fuse_ino_t parent,
		       const char *name, const struct node *n,
		       uint64_t dep, double expires)
{
	double t = keep_for(expires);

	e->ino = inode_lookup(parent, name, versioned(n) ? n->version : 0);
	if (!e->ino)
		return;
	if (inode_over_bound())
		inval_nudge();
	inode_depend(e->ino, dep, n->type == NODE_DIR);
	e->attr.st_ino = e->ino;
	e->entry_timeout = t;
	/* The size of an unversioned file changes without a report. */
	e->attr_timeout = n->type != NODE_FILE || versioned(n) ? t : 0;
}

/* Replies with the entry called name in parent, looked up afresh. */
static void reply_entry(fuse_req_t req, fuse_ino_t parent, const char *name,
			const char *path)
{
	struct fuse_entry_param e;
	struct node n;
	int rc;

	memset(&e, 0, sizeof(e));
	rc = stat_path(path, &e.attr, &n);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	make_entry(&e, parent, name, &n, cache_op_dep(), cache_op_expires());
	if (!e.ino) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	if (fuse_reply_entry(req, &e) == -ENOENT)
		inode_forget(e.ino, 1);	/* the caller is gone */
}

static void ll_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	char path[FS_PATH_MAX];
	int rc;

	OP_BEGIN(req);
	rc = inode_child_path(parent, name, path, sizeof(path));
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

/*
 * The attributes of ino.  An open file answers for itself (its node is
 * its bytes' version, whatever became of its name).  A file node whose
 * name now holds other bytes is ESTALE: the kernel looks the name up
 * again and gets their node.
 */
static void reply_attr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	struct stat st;
	struct node n = { .type = NODE_FILE };
	uint64_t was = inode_version(ino);
	int rc = 0;

	if (fi)
		fs_fh_stat(fi, &st);
	else if ((rc = inode_path(ino, path, sizeof(path))) == 0)
		rc = stat_path(path, &st, &n);
	if (rc == 0 && !fi && versioned(&n) && was && was != n.version)
		rc = -ESTALE;
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	if (!fi)
		inode_depend(ino, cache_op_dep(), n.type == NODE_DIR);
	st.st_ino = ino;
	fuse_reply_attr(req, &st,
			fi || (n.type == NODE_FILE && !versioned(&n))
				? 0
				: keep_for(cache_op_expires()));
}

static void ll_getattr(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	OP_BEGIN(req);
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

	OP_BEGIN(req);
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

/* The reply of an operation that made name in parent (mkdir, ln -s). */
static void reply_made(fuse_req_t req, fuse_ino_t parent, const char *name,
		       const char *path, int rc)
{
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		reply_entry(req, parent, name, path);
}

static void ll_mkdir(fuse_req_t req, fuse_ino_t parent, const char *name,
		     mode_t mode)
{
	char path[FS_PATH_MAX];

	if (child_path(req, parent, name, path) == 0)
		reply_made(req, parent, name, path,
			   fs_mkdir(path, dont_mask ? mode : 0));
}

static void ll_symlink(fuse_req_t req, const char *link, fuse_ino_t parent,
		       const char *name)
{
	char path[FS_PATH_MAX];

	if (child_path(req, parent, name, path) == 0)
		reply_made(req, parent, name, path, fs_symlink(link, path));
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
	uint64_t was = inode_version(ino), now;
	int rc = inode_path(ino, path, sizeof(path));

	OP_BEGIN(req);
	if (rc == 0)
		rc = READING(fs_open(path, fi));
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	now = fs_fh_version(fi);
	if (now && was && now != was) {
		/* New bytes under the name: the kernel looks it up again. */
		fs_release(NULL, fi);
		fuse_reply_err(req, ESTALE);
		return;
	}
	if ((fi->flags & O_ACCMODE) == O_RDONLY) {
		fi->noflush = 1;
		fi->keep_cache = now && was && !fi->direct_io;
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

/* A commit's changes are told to the kernel before its close returns:
 * the writer's next read is the server's answer.  (A FLUSH or FSYNC
 * holds no folder lock a notification could wait for.) */
static void ll_flush(fuse_req_t req, fuse_ino_t ino,
		     struct fuse_file_info *fi)
{
	int rc = fs_flush(NULL, fi);

	(void)ino;
	inval_flush();
	fuse_reply_err(req, -rc);
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
	int rc = fs_fsync(NULL, datasync, fi);

	(void)ino;
	inval_flush();
	fuse_reply_err(req, -rc);
}

static void ll_opendir(fuse_req_t req, fuse_ino_t ino,
		       struct fuse_file_info *fi)
{
	char path[FS_PATH_MAX];
	int cacheable = 0, rc = inode_path(ino, path, sizeof(path));

	OP_BEGIN(req);
	if (rc == 0)
		rc = READING(fs_opendir(path, fi, &cacheable));
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	inode_depend(ino, cache_op_dep(), 1);
	if (cacheable && keep_for(cache_op_expires()) > 0) {
		fi->cache_readdir = 1;
		fi->keep_cache = !cache_op_fetched();
	}
	if (fuse_reply_open(req, fi) == -ENOENT)
		fs_releasedir(fi);
}

/* A reply buffer of folder entries. */
struct dirbuf {
	fuse_req_t req;
	fuse_ino_t ino;
	char *buf;
	size_t size, used;
};

static int add_entry(void *arg, const char *name, off_t next,
		     const struct fs_dirent_attr *a)
{
	struct dirbuf *b = arg;
	struct stat st = { .st_ino = 0xffffffff };	/* as libfuse: unknown */
	size_t len;

	if (a)
		st.st_mode = a->node.type == NODE_DIR ? S_IFDIR : S_IFREG;
	len = fuse_add_direntry(b->req, b->buf + b->used, b->size - b->used,
				name, &st, next);
	if (len > b->size - b->used)
		return 1;
	b->used += len;
	return 0;
}

/* readdirplus: an entry the folder knows gets its node and attributes,
 * so listing a folder spares a lookup of each of its files; past the
 * bound on nodes, only its name and type (node 0: the kernel makes no
 * entry of it, and looks it up when it is used). */
static int add_entry_plus(void *arg, const char *name, off_t next,
			  const struct fs_dirent_attr *a)
{
	struct dirbuf *b = arg;
	struct fuse_entry_param e;
	size_t len;

	memset(&e, 0, sizeof(e));
	e.attr.st_ino = 0xffffffff;	/* as libfuse: unknown; never 0 */
	if (a && inode_full()) {
		e.attr.st_mode = a->node.type == NODE_DIR ? S_IFDIR : S_IFREG;
	} else if (a) {
		fs_fill_stat(&e.attr, &a->node);
		make_entry(&e, b->ino, name, &a->node, a->dep,
			   a->fetched + cache_ttl() - cache_now());
	}
	len = fuse_add_direntry_plus(b->req, b->buf + b->used,
				     b->size - b->used, name, &e, next);
	if (len > b->size - b->used) {
		if (e.ino)
			inode_forget(e.ino, 1);	/* not handed out */
		return 1;
	}
	b->used += len;
	return 0;
}

static void read_folder(fuse_req_t req, fuse_ino_t ino, size_t size,
			off_t off, struct fuse_file_info *fi, fs_fill_fn fill)
{
	struct dirbuf b = { .req = req, .ino = ino, .buf = malloc(size),
			    .size = size };
	int rc;

	OP_BEGIN(req);
	if (!b.buf) {
		fuse_reply_err(req, ENOMEM);
		return;
	}
	rc = READING(fs_readdir(fi, off, fill, &b));
	if (rc < 0)
		fuse_reply_err(req, -rc);
	else
		fuse_reply_buf(req, b.buf, b.used);
	free(b.buf);
}

static void ll_readdir(fuse_req_t req, fuse_ino_t ino, size_t size,
		       off_t off, struct fuse_file_info *fi)
{
	read_folder(req, ino, size, off, fi, add_entry);
}

static void ll_readdirplus(fuse_req_t req, fuse_ino_t ino, size_t size,
			   off_t off, struct fuse_file_info *fi)
{
	read_folder(req, ino, size, off, fi, add_entry_plus);
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
	rc = fs_create(path, masked(req, mode), fi);
	if (rc < 0) {
		fuse_reply_err(req, -rc);
		return;
	}
	memset(&e, 0, sizeof(e));
	fs_fh_stat(fi, &e.attr);
	/* A new file is local until it is committed: nothing to keep. */
	e.ino = inode_lookup(parent, name, 0);
	if (!e.ino) {
		fs_release(NULL, fi);
		fuse_reply_err(req, ENOMEM);
		return;
	}
	e.attr.st_ino = e.ino;
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
	rc = fs_create(path, masked(req, mode), &fi);
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
	.readdirplus = ll_readdirplus,
	.releasedir = ll_releasedir,
	.statfs = ll_statfs,
	.create = ll_create,
};
