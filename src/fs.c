/*
 * fs.c - the operations that read, by path: stat, folders, open, read.
 *
 * Thin: every path is matched against the route table and the row's
 * handlers do the work; fs_ll.c turns the kernel's inodes into the paths
 * given here.  Owns: open file and folder handles.  An open
 * file holds a private copy of its contents (reads are consistent for
 * the life of the handle; a R_LIVE file's copy is renewed when a read
 * reaches its end or fstat asks, under live_read_lock; a R_PAGED file
 * holds only its row's state, which pages in what each read reaches,
 * under paged_lock) and, for writable rows, a bounded write buffer
 * committed on flush or fsync.  An open
 * folder holds a reference to its collection listing and reads entries from it by offset, so a 100,000
 * entry folder is never copied and a streamed folder (emails/) is paged
 * in only as far as the reader goes.
 *
 * Writing: a resource file opened for writing gets a private buffer,
 * committed (row->commit) on flush, fsync or release, once per change.
 * Names in a R_SCRATCH folder that are not resources are scratch files
 * (scratch.h); renaming one over a resource commits it like an edit, and
 * renaming a resource to a scratch name copies it (vim's backup) while
 * the resource stays.  A refused commit keeps the text in
 * .instantlyfs/rejected/.
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "coll.h"
#include "fs_priv.h"
#include "tree.h"
#include "tomb.h"

static uid_t owner_uid;
static gid_t owner_gid;

void fs_fill_stat(struct stat *st, const struct node *n)
{
	memset(st, 0, sizeof(*st));
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_mtime = st->st_ctime = st->st_atime = n->mtime;
	st->st_size = (off_t)n->size;
	st->st_blksize = 4096;
	st->st_blocks = (blkcnt_t)((n->size + 511) / 512);
	switch (n->type) {
	case NODE_DIR:
		st->st_mode = S_IFDIR | n->mode;
		st->st_nlink = 2;
		break;
	case NODE_LINK:
		st->st_mode = S_IFLNK | 0777;
		st->st_nlink = 1;
		break;
	default:
		st->st_mode = S_IFREG | n->mode;
		st->st_nlink = 1;
	}
}

int fs_resolve(const char *path, struct rctx *c, struct node *n)
{
	int rc = tomb_has(path) ? -ENOENT : route_match(path, c);

	return rc < 0 ? rc : route_stat(c, n);
}

void fs_scratch_stat(struct scratch *s, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	scratch_stat(s, st);
	st->st_uid = owner_uid;
	st->st_gid = owner_gid;
	st->st_blksize = 4096;
}

int fs_stat(const char *path, struct stat *st, struct node *out)
{
	struct scratch *s;
	struct rctx c;
	struct node n;
	int rc;

	s = scratch_get(path);
	if (s) {
		fs_scratch_stat(s, st);
		scratch_put(s);
		memset(&n, 0, sizeof(n));
		n.type = NODE_FILE;
		n.flags = R_DIRECT;	/* its bytes change under the kernel */
		rc = 0;
	} else {
		rc = fs_resolve(path, &c, &n);
		if (rc == 0)
			fs_fill_stat(st, &n);
	}
	if (rc == 0 && out)
		*out = n;
	return rc;
}

int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi)
{
	(void)fi;
	/* A file removed while open has no path left. */
	if (!path)
		return -ESTALE;
	return fs_stat(path, st, NULL);
}

int fs_readlink(const char *path, char *out, size_t size)
{
	struct rctx c;
	struct node n;
	struct blob b = { 0 };
	int rc = fs_resolve(path, &c, &n);

	if (rc < 0)
		return rc;
	if (n.type != NODE_LINK)
		return -EINVAL;
	rc = c.route->read(&c, &b);
	if (rc < 0)
		return rc;
	if (size) {
		size_t len = b.len < size - 1 ? b.len : size - 1;

		memcpy(out, b.data, len);
		out[len] = '\0';
	}
	blob_free(&b);
	return 0;
}

static pthread_mutex_t live_lock = PTHREAD_MUTEX_INITIALIZER;
static struct live live_list = { &live_list, &live_list, NULL };

static void live_add(struct live *l, void (*free_fn)(struct live *))
{
	l->free = free_fn;
	pthread_mutex_lock(&live_lock);
	l->next = live_list.next;
	l->prev = &live_list;
	live_list.next->prev = l;
	live_list.next = l;
	pthread_mutex_unlock(&live_lock);
}

static void live_del(struct live *l)
{
	pthread_mutex_lock(&live_lock);
	l->prev->next = l->next;
	l->next->prev = l->prev;
	pthread_mutex_unlock(&live_lock);
}

/* Frees what the kernel never released. */
static void live_free_all(void)
{
	for (;;) {
		struct live *l;

		pthread_mutex_lock(&live_lock);
		l = live_list.next;
		if (l != &live_list) {
			l->prev->next = l->next;
			l->next->prev = l->prev;
		}
		pthread_mutex_unlock(&live_lock);
		if (l == &live_list)
			break;
		l->free(l);
	}
}

struct dh {
	struct live link;	/* first */
	struct dirfill fill;	/* literal children first, then dynamic */
	struct dirfill hidden;	/* removed a moment ago (tomb.h) */
	size_t nliteral;	/* fill.names[0..nliteral) are the table's */
	const struct route *child;	/* the row of listed children */
};

static void add_literal(void *arg, const char *name)
{
	dirfill_add(arg, name);
}

static void dh_free(struct live *l)
{
	struct dh *d = (struct dh *)l;

	dirfill_free(&d->fill);
	dirfill_free(&d->hidden);
	free(d);
}

/* The row of the listed children of the folder at path. */
static const struct route *child_row(const char *path)
{
	char probe[4096];
	struct rctx c;

	if (snprintf(probe, sizeof(probe), "%s/x", strcmp(path, "/") ? path
								       : "") >=
	    (int)sizeof(probe))
		return NULL;
	return route_match(probe, &c) == 0 && strchr(c.route->pattern, '*')
		       ? c.route
		       : NULL;
}

int fs_opendir(const char *path, struct fuse_file_info *fi, int *cacheable)
{
	struct rctx c;
	struct node n;
	struct dh *d;
	int rc = fs_resolve(path, &c, &n);

	if (rc < 0)
		return rc;
	if (n.type != NODE_DIR)
		return -ENOTDIR;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	live_add(&d->link, dh_free);
	if (!(n.flags & R_LOCAL))
		route_children(&c, add_literal, &d->fill);
	d->nliteral = d->fill.n;
	d->child = child_row(path);
	scratch_list(path, add_literal, &d->fill);
	tomb_list(path, add_literal, &d->hidden);
	if (c.route->list) {
		rc = c.route->list(&c, &d->fill);
		if (rc < 0) {
			live_del(&d->link);
			dh_free(&d->link);
			return rc;
		}
	}
	fi->fh = (uintptr_t)d;
	/* The kernel may keep a collection's listing: the cache reports
	 * its changes.  Not one paged in as it is read and renewed from
	 * its newest end (its offsets move), nor names from elsewhere
	 * (verify/, rejected/, views), which report nothing. */
	*cacheable = d->fill.lst &&
		     !((const struct coll *)d->fill.lst->owner)->stream;
	return 0;
}

/* What the folder knows of listing entry e (locked): files and folders
 * of a listing, whose bytes the cache holds fresh. */
static void entry_attr(const struct dh *d, const struct listing *l,
		       const struct entry *e, struct fs_dirent_attr *a)
{
	const struct route *r = d->child;
	size_t len = 0;
	time_t mtime = 0;
	uint64_t version = 0;
	char key[600];

	memset(a, 0, sizeof(*a));
	if (!r || d->fill.show_label || r->type == NODE_LINK ||
	    !r->stat || r->stat != h_coll_stat)
		return;
	coll_entry_key(l, e, key, sizeof(key));
	/* The blob when it is held (it may be newer than the listing), else
	 * what the listing says of the bytes. */
	if (r->type == NODE_FILE &&
	    cache_blob_peek_locked(key, &len, &mtime, &version) < 0) {
		if (!e->version)
			return;
		len = e->size;
		mtime = e->mtime;
		version = e->version;
	}
	a->known = 1;
	a->node.type = r->type;
	a->node.mode = r->mode;
	a->node.flags = r->flags;
	a->node.size = len;
	a->node.mtime = mtime ? mtime : e->mtime ? e->mtime : route_mount_time;
	a->node.version = version;
	a->dep = cache_key_hash(key);
	a->fetched = l->fetched;
}

/*
 * The name of listing entry j, copied into buf, and what is known of it
 * into a; 0 past the end, -errno when a page failed before it.  A page is
 * fetched only when may_load: one readdir call returns what is loaded and
 * the next one asks for more, so a reader that stops early (ls | head)
 * spends fewer requests, and one that goes on reads while the next page
 * comes.
 */
static int listing_name(const struct dh *d, size_t j, char *buf, size_t len,
			struct fs_dirent_attr *a, int may_load)
{
	const struct dirfill *f = &d->fill;
	struct listing *l = f->lst;
	int found = 0, rc;

	for (;;) {
		cache_lock();
		if (j < l->n) {
			struct entry e;
			const char *name;

			listing_at(l, j, &e);
			name = f->show_label ? e.label : e.name;
			snprintf(buf, len, "%s", name ? name : "");
			if (name)
				entry_attr(d, l, &e, a);
			found = 1;
		}
		int more = !found && !l->complete && !l->error && may_load;

		cache_unlock();
		if (!more)
			return found;
		if ((rc = coll_fill(l, j)) < 0)
			return rc;
	}
}

/* Is name one of the table's children (which a listed name cannot be)? */
static int is_literal(const struct dh *d, const char *name)
{
	for (size_t i = 0; i < d->nliteral; i++)
		if (!strcmp(d->fill.names[i], name))
			return 1;
	return 0;
}

static int is_hidden(const struct dh *d, const char *name)
{
	for (size_t i = 0; i < d->hidden.n; i++)
		if (!strcmp(d->hidden.names[i], name))
			return 1;
	return 0;
}

int fs_readdir(struct fuse_file_info *fi, off_t off, fs_fill_fn fill,
	       void *arg)
{
	struct dh *d = (struct dh *)(uintptr_t)fi->fh;
	char name[1024];
	int added = 0, rc;

	for (;; off++, added++) {
		struct fs_dirent_attr a = { 0 };
		size_t i = (size_t)off;

		if (i < 2) {
			if (fill(arg, i ? ".." : ".", off + 1, NULL))
				break;
			continue;
		}
		i -= 2;
		if (i < d->fill.n) {
			if (!is_hidden(d, d->fill.names[i]) &&
			    fill(arg, d->fill.names[i], off + 1, NULL))
				break;
			continue;
		}
		i -= d->fill.n;
		rc = d->fill.lst ? listing_name(d, i, name, sizeof(name), &a,
						added == 0)
				 : 0;
		if (rc < 0 && !added)
			return rc;	/* a page failed: the reader learns it */
		if (rc <= 0)
			break;
		if (!*name || is_hidden(d, name))
			continue;	/* no label, or removed */
		if (fill(arg, name, off + 1,
			 a.known && !is_literal(d, name) ? &a : NULL))
			break;
	}
	return 0;
}

int fs_releasedir(struct fuse_file_info *fi)
{
	struct dh *d = (struct dh *)(uintptr_t)fi->fh;

	live_del(&d->link);
	dh_free(&d->link);
	return 0;
}

static void fh_free_live(struct live *l)
{
	struct fh *h = (struct fh *)l;

	if (h->scratch)
		scratch_put(h->scratch);
	if (h->stream && h->stream_free)
		h->stream_free(h->stream);
	free(h->path);
	blob_free(&h->content);
	buf_free(&h->wbuf);
	free(h);
}

struct fh *fs_fh_new(const char *path)
{
	struct fh *h = calloc(1, sizeof(*h));

	if (h && !(h->path = strdup(path))) {
		free(h);
		return NULL;
	}
	if (h) {
		buf_init(&h->wbuf, FS_MAX_WRITE);
		live_add(&h->link, fh_free_live);
	}
	return h;
}

void fs_fh_free(struct fh *h)
{
	live_del(&h->link);
	fh_free_live(&h->link);
}

/* A resource opened for writing starts from its contents (so >> and
 * O_RDWR edits work), or empty with O_TRUNC. */
static int open_resource(struct rctx *c, const struct node *n, struct fh *h,
			 int flags)
{
	int acc = flags & O_ACCMODE;
	int rc = 0;

	h->writable = acc != O_RDONLY;
	if (h->writable && !c->route->commit)
		return -EACCES;
	if (!h->writable && (n->flags & R_PAGED))
		h->stream_free = c->route->stream_free;
	else if (c->route->read && !(h->writable && (flags & O_TRUNC)))
		rc = c->route->read(c, &h->content);
	if (rc == 0 && h->writable) {
		if (flags & O_TRUNC)
			h->dirty = 1;
		else if (h->content.len)
			rc = buf_append(&h->wbuf, h->content.data,
					h->content.len);
	}
	(void)n;
	return rc;
}

int fs_open(const char *path, struct fuse_file_info *fi)
{
	struct rctx c;
	struct node n;
	struct fh *h = fs_fh_new(path);
	int rc;

	if (!h)
		return -ENOMEM;
	h->scratch = scratch_get(path);
	if (h->scratch) {
		h->writable = (fi->flags & O_ACCMODE) != O_RDONLY;
		if (h->writable && (fi->flags & O_TRUNC))
			scratch_truncate(h->scratch, 0);
		fi->direct_io = 1;	/* its bytes change under the kernel */
		fi->fh = (uintptr_t)h;
		return 0;
	}
	/* The kernel opens what it has just looked up: its folders exist,
	 * only the file itself is checked again. */
	rc = tomb_has(path) ? -ENOENT : route_match(path, &c);
	if (rc == 0)
		rc = route_stat_target(&c, &n);
	if (rc == 0 && n.type != NODE_FILE)
		rc = -EISDIR;
	if (rc == 0)
		rc = open_resource(&c, &n, h, fi->flags);
	/* The version of what this handle reads, whatever the stat said. */
	if (rc == 0 && !h->writable)
		n.version = h->content.version
				    ? h->content.version
				    : cache_hash(h->content.data,
						 h->content.len);
	h->node = n;
	if (rc < 0) {
		fs_fh_free(h);
		return rc;
	}
	if ((n.flags & (R_DIRECT | R_LIVE)) || h->writable)
		fi->direct_io = 1;
	fi->fh = (uintptr_t)h;
	return 0;
}

/* A read that reaches the end of what a R_LIVE handle holds takes the
 * newest text first: tail -f reads past the end it saw, cat from 0.
 * live_read_lock guards those handles' content (one reader may refresh
 * it while another copies from it). */
static pthread_mutex_t live_read_lock = PTHREAD_MUTEX_INITIALIZER;

/* Takes the newest text; under live_read_lock. */
static void live_refresh(struct fh *h)
{
	struct blob b = { 0 };
	struct rctx c;

	if (route_match(h->path, &c) == 0 && c.route->read &&
	    c.route->read(&c, &b) == 0) {
		blob_free(&h->content);
		h->content = b;
	}
}

/* Copies what of data (len bytes) lies at off, at most size bytes. */
static int copy_out(const char *data, size_t len, char *out, size_t size,
		    off_t off)
{
	if (off < 0 || (size_t)off >= len)
		return 0;
	if (size > len - (size_t)off)
		size = len - (size_t)off;
	memcpy(out, data + off, size);
	return (int)size;
}

static int live_read(struct fh *h, char *out, size_t size, off_t off)
{
	int rc;

	pthread_mutex_lock(&live_read_lock);
	if (off >= 0 && (size_t)off + size > h->content.len)
		live_refresh(h);
	rc = copy_out(h->content.data, h->content.len, out, size, off);
	pthread_mutex_unlock(&live_read_lock);
	return rc;
}

/* A R_PAGED handle's read: the row pages in what it needs.  One reader
 * at a time (paged_lock): the state is the handle's. */
static pthread_mutex_t paged_lock = PTHREAD_MUTEX_INITIALIZER;

static int paged_read(struct fh *h, char *out, size_t size, off_t off)
{
	struct rctx c;
	int rc = route_match(h->path, &c);

	if (rc < 0 || !c.route->read_at)
		return rc < 0 ? rc : -EIO;
	pthread_mutex_lock(&paged_lock);
	rc = c.route->read_at(&c, &h->stream, out, size, off);
	pthread_mutex_unlock(&paged_lock);
	return rc;
}

int fs_read(struct fuse_file_info *fi, char *out, size_t size, off_t off)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	if (h->scratch)
		return scratch_read(h->scratch, out, size, off);
	if (!h->writable && (h->node.flags & R_PAGED))
		return paged_read(h, out, size, off);
	if (!h->writable && (h->node.flags & R_LIVE))
		return live_read(h, out, size, off);
	return h->writable ? copy_out(h->wbuf.data, h->wbuf.len, out, size, off)
			   : copy_out(h->content.data, h->content.len, out,
				      size, off);
}

void fs_fh_stat(struct fuse_file_info *fi, struct stat *st)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	if (h->scratch) {
		fs_scratch_stat(h->scratch, st);
		return;
	}
	if (!h->writable && (h->node.flags & R_LIVE)) {
		pthread_mutex_lock(&live_read_lock);
		live_refresh(h);
		h->node.size = h->content.len;
		fs_fill_stat(st, &h->node);
		pthread_mutex_unlock(&live_read_lock);
		return;
	}
	h->node.size = h->writable ? h->wbuf.len : h->content.len;
	fs_fill_stat(st, &h->node);
}

uint64_t fs_fh_version(struct fuse_file_info *fi)
{
	struct fh *h = (struct fh *)(uintptr_t)fi->fh;

	return h->scratch || h->writable ||
			       (h->node.flags & (R_DIRECT | R_LIVE))
		       ? 0
		       : h->node.version;
}

void fs_statfs(struct statvfs *st)
{
	memset(st, 0, sizeof(*st));
	st->f_bsize = st->f_frsize = 4096;
	st->f_namemax = 255;
}

void fs_start(void)
{
	owner_uid = getuid();
	owner_gid = getgid();
	tomb_start(fs_send_delete);	/* after daemonizing: a thread */
}

void fs_finish(void)
{
	tomb_stop();
	live_free_all();
	scratch_destroy();
}
