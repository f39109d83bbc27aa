/*
 * fs_write.c - the FUSE operations that write or change the tree.
 *
 * Owns: when a write is committed, and what a name means for writing:
 * an existing resource, a new resource (the row's create() says yes: a
 * new lead's <email>.json), or a scratch file (any other name in a
 * R_SCRATCH folder).  Everything the API does is the rows' handlers'.
 * A commit happens once per change: on flush, fsync or release of a
 * dirty handle, and on rename of a scratch file over a resource.  A
 * refused commit returns its errno from close (or rename) and keeps the
 * text in .instantlyfs/rejected/.  A row's check judges the text as it
 * is written in order: a refused write keeps the text so far the same
 * way, fails, and leaves nothing for the close to send.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"
#include "fs_priv.h"
#include "rejected.h"
#include "tomb.h"

enum target {
	T_NONE,		/* nothing can be there */
	T_RESOURCE,	/* an existing file or folder of the workspace */
	T_NEW,		/* a new resource, made by its first commit */
	T_SCRATCH,	/* a local scratch name */
	T_FREE,		/* a free name a row may rename something to */
};

/* The parent folder of path, matched and checked. */
static int parent_of(const char *path, struct rctx *pc, struct node *pn)
{
	char dir[4096];
	size_t len = strlen(path);

	if (len >= sizeof(dir))
		return -ENAMETOOLONG;
	memcpy(dir, path, len + 1);
	return fs_resolve(dirname(dir), pc, pn);
}

/* What path names for writing; c is matched when it is a resource. */
static enum target classify(const char *path, struct rctx *c, struct node *n)
{
	struct rctx pc;
	struct node pn;
	int rc;

	if (scratch_exists(path))
		return T_SCRATCH;
	if (parent_of(path, &pc, &pn) < 0 || pn.type != NODE_DIR)
		return T_NONE;
	rc = route_match(path, c);
	if (rc == 0 && tomb_has(path))
		return T_NEW;	/* removed a moment ago: see tomb.h */
	if (rc == 0) {
		rc = route_stat(c, n);
		if (rc == 0)
			return T_RESOURCE;
		if (rc == -ENOENT && c->route->create && c->route->create(c) == 0)
			return T_NEW;
	}
	if (pn.flags & R_SCRATCH)
		return T_SCRATCH;
	return rc == -ENOENT ? T_FREE : T_NONE;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

/* Sends data to the resource at path; keeps it if refused. */
static int commit_to(const char *path, const char *data, size_t len)
{
	struct rctx c;
	int rc = route_match(path, &c);

	if (rc < 0)
		return rc;
	if (!c.route->commit)
		return -EACCES;
	rc = c.route->commit(&c, data, len);
	if (rc < 0)
		rejected_add(path, data, len);
	return rc;
}

/* Does a new file at path wait for text before it is made? */
static int needs_text(const char *path)
{
	struct rctx c;

	return route_match(path, &c) == 0 && (c.route->flags & R_NEED_TEXT);
}

/*
 * Commits a pending scratch file: its first flush makes the resource,
 * at once, even empty (touch makes a lead from its name alone).  The
 * handle then writes to the resource like any other, so a shell's
 * "> new.json" (open, dup, close, write, close) creates the lead at the
 * first close and sends the text at the second.
 */
static int commit_new(struct fh *h, int last)
{
	size_t len;
	char *data;
	int rc;

	if (!scratch_is_pending(h->scratch))
		return 0;
	data = scratch_copy(h->scratch, &len);
	if (!data)
		return -ENOMEM;
	if (!len && !last && needs_text(h->path)) {
		free(data);
		return 0;	/* a shell's "> account.json": text follows */
	}
	scratch_clear_pending(h->scratch);
	rc = commit_to(h->path, data, len);
	/* Created or refused, the folder shows the server's truth now. */
	scratch_unlink(h->path);
	if (rc == 0) {
		scratch_put(h->scratch);
		h->scratch = NULL;
		h->wbuf.len = 0;
		rc = buf_append(&h->wbuf, data, len);
		h->dirty = 0;
	}
	free(data);
	return rc;
}

/* Ends a streaming row's text: the rest is sent. */
static int commit_stream(struct fh *h)
{
	const char *data = h->wbuf.len ? h->wbuf.data : "";
	struct rctx c;
	int rc = route_match(h->path, &c);

	if (rc == 0)
		rc = c.route->stream(&c, &h->stream, data, h->wbuf.len, 1);
	if (rc < 0)
		rejected_add(h->path, data, h->wbuf.len);
	return rc;
}

/*
 * Commits a handle's change.  A shell's "> file" opens, dups and closes
 * the first descriptor before writing: a flush that finds nothing
 * written yet waits for a later one, or for the last close (release).
 */
static int commit(struct fh *h, int last)
{
	if (h->scratch)
		return commit_new(h, last);
	if (h->refused)
		return 0;	/* the failed write said so; nothing to send */
	if (!h->dirty || (!h->wbuf.len && !last))
		return 0;
	h->dirty = 0;
	if (h->stream)
		return commit_stream(h);
	return commit_to(h->path, h->wbuf.len ? h->wbuf.data : "",
			 h->wbuf.len);
}

int fs_create(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct rctx c;
	struct node n;
	struct fh *h;
	int rc;

	switch (classify(path, &c, &n)) {
	case T_NEW:
		rc = scratch_create(path, mode, 1);
		if (rc == 0)
			tomb_cancel(path);
		break;
	case T_SCRATCH:
		rc = scratch_create(path, mode, 0);
		if (rc == -EEXIST && !(fi->flags & O_EXCL))
			rc = 0;
		break;
	case T_RESOURCE:
		return -EEXIST;	/* the kernel opens what exists */
	default:
		return -EACCES;
	}
	if (rc < 0)
		return rc;
	h = fs_fh_new(path);
	if (!h)
		return -ENOMEM;
	h->scratch = scratch_get(path);
	h->writable = 1;
	if (!h->scratch) {
		fs_fh_free(h);
		return -ENOENT;
	}
	fi->fh = (uintptr_t)h;
	return 0;
}

/* The row's check (or stream) of the text written so far, in_order or
 * just now out of order; a refusal keeps it in .instantlyfs/rejected/
 * and leaves the handle nothing to send. */
static int check_written(struct fh *h, int in_order)
{
	const char *data = h->wbuf.len ? h->wbuf.data : "";
	struct rctx c;
	int rc = 0;

	if (route_match(h->path, &c) < 0)
		return 0;
	if (c.route->stream && (in_order || h->stream)) {
		h->stream_free = c.route->stream_free;
		rc = c.route->stream(&c, &h->stream, data, h->wbuf.len,
				     in_order ? 0 : -1);
	} else if (c.route->check && in_order) {
		rc = c.route->check(&c, data, h->wbuf.len);
	}
	if (rc < 0) {
		rejected_add(h->path, h->wbuf.data, h->wbuf.len);
		h->refused = rc;
		h->dirty = 0;
	}
	return rc;
}

/* A write past what a file may hold.  A row sending as it is written
 * stops there: the close must not send a text cut short. */
static int too_large(struct fh *h)
{
	if (h->stream) {
		char msg[96];

		snprintf(msg, sizeof(msg),
			 "more than %u MiB written to one file: the rest was "
			 "not sent",
			 FS_MAX_WRITE >> 20);
		errlog_add("WRITE", h->path, "not sent", msg);
		h->refused = -EFBIG;
		h->dirty = 0;
	}
	return -EFBIG;
}

int fs_write(const char *path, const char *data, size_t size, off_t off,
	     struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;
	static const char zeros[4096];
	size_t end = (size_t)off + size;
	int rc, in_order, judge = 0;

	(void)path;
	if (!h->writable)
		return -EBADF;
	if (h->scratch)
		return scratch_write(h->scratch, data, size, off);
	if (h->refused)
		return h->refused;
	if (off < 0 || end > h->wbuf.max)
		return too_large(h);
	in_order = (size_t)off == h->wbuf.len && !h->unchecked;
	if (!in_order && !h->unchecked)
		h->unchecked = judge = 1;	/* judged whole from now on */
	while (h->wbuf.len < end) {
		size_t n = end - h->wbuf.len;

		rc = buf_append(&h->wbuf, zeros,
				n < sizeof(zeros) ? n : sizeof(zeros));
		if (rc < 0)
			return rc;
	}
	if (size)
		memcpy(h->wbuf.data + off, data, size);
	h->dirty = 1;
	rc = (size && in_order) || judge ? check_written(h, in_order) : 0;
	return rc < 0 ? rc : (int)size;
}

int fs_flush(const char *path, struct fuse_file_info *fi)
{
	(void)path;
	return commit((struct fh *)(uintptr_t)fi->fh, 0);
}

int fs_fsync(const char *path, int datasync, struct fuse_file_info *fi)
{
	(void)path;
	(void)datasync;
	return commit((struct fh *)(uintptr_t)fi->fh, 0);
}

int fs_release(const char *path, struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	(void)path;
	commit(h, 1);
	fs_fh_free(h);
	return 0;
}

int fs_truncate(const char *path, off_t size, struct fuse_file_info *fi)
{
	struct rctx c;
	struct node n;
	struct blob b = { 0 };
	struct scratch *s;
	int rc;

	if (size < 0)
		return -EINVAL;
	if (!fi && !path)
		return -ESTALE;
	if (fi) {
		struct fh *h = (struct fh *)(uintptr_t)fi->fh;

		if (!h->writable)
			return -EBADF;
		if (h->scratch)
			return scratch_truncate(h->scratch, size);
		if ((size_t)size > h->wbuf.len)
			return fs_write(path, "", 0, size, fi);
		if (size && !h->unchecked) {
			h->unchecked = 1;	/* a cut text: judged whole */
			rc = check_written(h, 0);
			if (rc < 0)
				return rc;
		}
		h->wbuf.len = (size_t)size;
		h->dirty = 1;
		return 0;
	}
	s = scratch_get(path);
	if (s) {
		rc = scratch_truncate(s, size);
		scratch_put(s);
		return rc;
	}
	rc = fs_resolve(path, &c, &n);
	if (rc < 0)
		return rc;
	if (!c.route->commit)
		return -EACCES;
	/* truncate(1) on a resource: the cut text is committed at once. */
	if (c.route->read && (rc = c.route->read(&c, &b)) < 0)
		return rc;
	if ((size_t)size < b.len)
		b.len = (size_t)size;
	rc = (size_t)size > b.len ? -EINVAL
				  : commit_to(path, b.data ? b.data : "", b.len);
	blob_free(&b);
	return rc;
}

int fs_unlink(const char *path)
{
	struct rctx c;
	struct node n;
	int rc;

	if (scratch_unlink(path) == 0)
		return 0;
	rc = fs_resolve(path, &c, &n);
	if (rc < 0)
		return rc;
	if (n.type == NODE_DIR)
		return -EISDIR;
	if (!c.route->unlink)
		return -EPERM;
	if (n.flags & R_DEFER)
		return tomb_add(path);
	return c.route->unlink(&c);
}

/* The delete of a removed lead file, sent by the reaper (tomb.h). */
int fs_send_delete(const char *path)
{
	struct rctx c;
	int rc = route_match(path, &c);

	if (rc == 0)
		rc = c.route->unlink ? c.route->unlink(&c) : -EPERM;
	return rc;
}

int fs_rmdir(const char *path)
{
	struct rctx c;
	struct node n;
	int rc = fs_resolve(path, &c, &n);

	if (rc < 0)
		return rc;
	if (n.type != NODE_DIR)
		return -ENOTDIR;
	return c.route->rmdir ? c.route->rmdir(&c) : -EPERM;
}

int fs_mkdir(const char *path, mode_t mode)
{
	struct rctx c, pc;
	struct node n, pn;
	int rc;

	if (fs_resolve(path, &c, &n) == 0 || scratch_exists(path))
		return -EEXIST;
	rc = parent_of(path, &pc, &pn);
	if (rc < 0)
		return rc;
	pc.mkdir_mode = mode;
	return pc.route->mkdir ? pc.route->mkdir(&pc, base_name(path)) : -EPERM;
}

int fs_symlink(const char *target, const char *path)
{
	struct rctx c, pc;
	struct node n, pn;
	int rc;

	if (fs_resolve(path, &c, &n) == 0 || scratch_exists(path))
		return -EEXIST;
	rc = parent_of(path, &pc, &pn);
	if (rc < 0)
		return rc;
	return pc.route->symlink ? pc.route->symlink(&pc, base_name(path),
						     target)
				 : -EPERM;
}

/* Renames a scratch file: over a resource it is committed like an edit
 * (or a create); the scratch file goes once the API took it. */
static int rename_scratch(const char *from, const char *to)
{
	struct rctx c;
	struct node n;
	struct scratch *s;
	char *data;
	size_t len;
	int rc;

	switch (classify(to, &c, &n)) {
	case T_SCRATCH:
		return scratch_rename(from, to);
	case T_RESOURCE:
	case T_NEW:
		break;
	default:
		return -EACCES;
	}
	if (n.type == NODE_DIR)
		return -EISDIR;
	s = scratch_get(from);
	if (!s)
		return -ENOENT;
	data = scratch_copy(s, &len);
	scratch_put(s);
	if (!data)
		return -ENOMEM;
	rc = commit_to(to, data, len);
	free(data);
	if (rc == 0)
		scratch_unlink(from);
	return rc;
}

static int rename_path(const char *from, const char *to, unsigned int flags)
{
	struct rctx c, tc;
	struct node n, tn;
	struct blob b = { 0 };
	enum target t;
	int rc;

	if (flags & ~RENAME_NOREPLACE)
		return -EINVAL;
	if (scratch_exists(from)) {
		if ((flags & RENAME_NOREPLACE) &&
		    (scratch_exists(to) || fs_resolve(to, &tc, &tn) == 0))
			return -EEXIST;
		return rename_scratch(from, to);
	}
	rc = fs_resolve(from, &c, &n);
	if (rc < 0)
		return rc;
	t = classify(to, &tc, &tn);
	if ((flags & RENAME_NOREPLACE) && t == T_RESOURCE)
		return -EEXIST;
	if (t == T_SCRATCH && n.type == NODE_FILE && c.route->read) {
		/* vim's backup (x -> x~): a local copy; the resource stays. */
		rc = c.route->read(&c, &b);
		if (rc == 0)
			rc = scratch_put_data(to, b.data ? b.data : "", b.len,
					      n.mode | 0600);
		blob_free(&b);
		return rc;
	}
	if (t == T_NONE)
		return -EACCES;
	if (t == T_FREE && !c.route->rename)
		return -EPERM;
	return c.route->rename ? c.route->rename(&c, &tc) : -EPERM;
}

/*
 * mv asks for rename(2) with RENAME_NOREPLACE first and, when that is
 * EINVAL, at once again without it (gnulib's renameatu).  A rename
 * refused with EINVAL under RENAME_NOREPLACE is remembered for that
 * second asking, which gets the same answer instead of sending a refused
 * change twice.  Locking: refused_lock guards `refused`.
 */
#define REFUSED_HOLD_S 2.0
static pthread_mutex_t refused_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char *from, *to;
	double at;
} refused;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Remembers (from, to), or with to NULL forgets; says whether the
 * remembered one was (from, to), asked again in time. */
static int refused_memo(const char *from, const char *to, int note)
{
	int again;

	pthread_mutex_lock(&refused_lock);
	again = refused.from && !strcmp(refused.from, from) &&
		!strcmp(refused.to, to) && now_s() - refused.at < REFUSED_HOLD_S;
	free(refused.from);
	free(refused.to);
	refused.from = note ? strdup(from) : NULL;
	refused.to = note ? strdup(to) : NULL;
	if (!refused.from || !refused.to) {
		free(refused.from);
		free(refused.to);
		refused.from = refused.to = NULL;
	}
	refused.at = now_s();
	pthread_mutex_unlock(&refused_lock);
	return again;
}

int fs_rename(const char *from, const char *to, unsigned int flags)
{
	int rc;

	if (!(flags & RENAME_NOREPLACE) && refused_memo(from, to, 0))
		return -EINVAL;
	rc = rename_path(from, to, flags);
	if (rc == -EINVAL && (flags & RENAME_NOREPLACE))
		refused_memo(from, to, 1);
	return rc;
}

int fs_utimens(const char *path, const struct timespec tv[2],
	       struct fuse_file_info *fi)
{
	struct scratch *s;
	struct rctx c;
	struct node n;

	(void)fi;
	if (!path)
		return -ESTALE;	/* removed while open (hard_remove) */
	s = scratch_get(path);
	if (s) {
		scratch_touch(s, tv && tv[1].tv_nsec != UTIME_OMIT &&
					 tv[1].tv_nsec != UTIME_NOW
				      ? tv[1].tv_sec
				      : time(NULL));
		scratch_put(s);
		return 0;
	}
	/* touch of an existing resource: its time is the server's. */
	return fs_resolve(path, &c, &n);
}

int fs_chmod(const char *path, mode_t mode, struct fuse_file_info *fi)
{
	struct scratch *s;
	struct rctx c;
	struct node n;
	int rc;

	(void)fi;
	if (!path)
		return -ESTALE;
	s = scratch_get(path);
	if (s) {
		rc = scratch_chmod(s, mode);
		scratch_put(s);
		return rc;
	}
	rc = fs_resolve(path, &c, &n);
	if (rc < 0)
		return rc;
	/* Modes say what the API allows; only a no-op change is taken
	 * (editors set the mode they read). */
	return (mode & 07777) == n.mode ? 0 : -EPERM;
}

int fs_chown(const char *path, uid_t uid, gid_t gid,
	     struct fuse_file_info *fi)
{
	struct stat st;
	struct scratch *s;
	struct rctx c;
	struct node n = { .type = NODE_FILE };
	int rc = 0;

	(void)fi;
	if (!path)
		return -ESTALE;
	s = scratch_get(path);
	if (s) {
		scratch_put(s);
	} else {
		rc = fs_resolve(path, &c, &n);
		if (rc < 0)
			return rc;
	}
	fs_fill_stat(&st, &n);
	if ((uid != (uid_t)-1 && uid != st.st_uid) ||
	    (gid != (gid_t)-1 && gid != st.st_gid))
		return -EPERM;
	return 0;
}
