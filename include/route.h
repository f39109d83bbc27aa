/*
 * route.h - the tree: one table maps every path pattern of LAYOUT.md to
 * what it is and the handlers that serve it.
 *
 * A pattern is a '/'-separated list of components; "*" matches any one
 * component and is captured (cap[0] is the first "*", ...).  The first
 * matching row wins, so literal rows stand before wildcard rows.  A
 * folder's literal children are listed from the table itself; its
 * dynamic children come from its list handler.
 */
#ifndef INSTANTLYFS_ROUTE_H
#define INSTANTLYFS_ROUTE_H

#include <sys/types.h>
#include <time.h>

#include "cache.h"

#define ROUTE_MAX_DEPTH 8

enum node_type { NODE_DIR, NODE_FILE, NODE_LINK };

/* Row flags. */
#define R_DIRECT 1u	/* size unknown until read: direct I/O, size 0 */
#define R_HIDDEN 2u	/* exists but is not listed by its folder */
#define R_SCRATCH 4u	/* a folder where other names are scratch files */
#define R_DEFER 8u	/* rm waits a moment before it deletes (tomb.h) */
#define R_LOCAL 16u	/* (set by stat) a folder that exists only here */
#define R_NEED_TEXT 32u	/* a new file is made only once text is written */
/* Text made here that changes at any time (stats, errors): its size is
 * read at every stat, the kernel keeps neither its attributes nor its
 * pages, and an open handle reads the newest text once it reaches the
 * end of what it holds (tail -f). */
#define R_LIVE 64u
/* Text paged in as its reader goes (audit-log.jsonl): read_at serves
 * each read; with R_DIRECT, as its size is known only at its end. */
#define R_PAGED 128u

struct route;

/* A path matched against the table. */
struct rctx {
	const struct route *route;
	const char *cap[ROUTE_MAX_DEPTH];	/* captured components (escaped) */
	int ncap;
	char *seg[ROUTE_MAX_DEPTH];
	int nseg;
	/* In a mkdir handler: the mode mkdir asked for before the umask
	 * (0777 for mkdir(1); a copy asks for its source's), 0 if unknown. */
	mode_t mkdir_mode;
	char buf[4096];
};

/* What getattr reports. */
struct node {
	enum node_type type;
	mode_t mode;
	size_t size;
	time_t mtime;
	unsigned flags;
	uint64_t version;	/* a file's bytes (cache_hash); 0: not known */
};

/* A folder's dynamic children: names, or a listing shown by name or by
 * label (entries are read straight from it, never copied). */
struct dirfill {
	char **names;
	size_t n, cap;
	struct listing *lst;
	int show_label;
};
int dirfill_add(struct dirfill *d, const char *name);
void dirfill_free(struct dirfill *d);

struct route {
	const char *pattern;
	enum node_type type;
	mode_t mode;
	unsigned flags;
	/* Checks that the captured components name something real, and may
	 * fill size and mtime; NULL: the parent's check is enough. */
	int (*stat)(struct rctx *c, struct node *n);
	/* File contents, or a link's target. */
	int (*read)(struct rctx *c, struct blob *out);
	/* A folder's dynamic children. */
	int (*list)(struct rctx *c, struct dirfill *d);
	/* Takes what was written to the file, on close or fsync; a row
	 * without it is not writable. */
	int (*commit)(struct rctx *c, const char *data, size_t len);
	/* Judges the text written so far, on each write that continues it
	 * from offset 0 (or appends): -errno refuses that write when the
	 * text can already be known to be wrong (its reason in the error
	 * log), and the close then sends nothing; 0: it may still be
	 * taken.  NULL: judged only whole, by commit. */
	int (*check)(struct rctx *c, const char *data, size_t len);
	/* A row that sends while its text is written (an import): takes
	 * the text so far on each write that continues it in order (last
	 * 0) and at the commit (last 1, in place of commit), with the open
	 * file's state in *st (NULL at first; set NULL when done).  last
	 * -1: the text was then written out of order: 0 when nothing was
	 * sent (commit judges the whole text), else -errno.  -errno fails
	 * the write (or close) and leaves nothing to send. */
	int (*stream)(struct rctx *c, void **st, const char *data, size_t len,
		      int last);
	void (*stream_free)(void *st);
	/* A R_PAGED file: copies at most size bytes from off into out,
	 * fetching what it needs, with the open file's state in *st (NULL
	 * at first; freed by stream_free).  Bytes copied, 0 at the end, or
	 * -errno. */
	int (*read_at)(struct rctx *c, void **st, char *out, size_t size,
		       off_t off);
	/* May a new file of this name be made here?  0: it names a new
	 * object, created by commit at its first close; -ENOENT: it does
	 * not (in a R_SCRATCH folder it is then a scratch file). */
	int (*create)(struct rctx *c);
	/* rm of a file or symlink, rmdir of a folder. */
	int (*unlink)(struct rctx *c);
	int (*rmdir)(struct rctx *c);
	/* On a folder row: mkdir or ln -s of a child called name. */
	int (*mkdir)(struct rctx *c, const char *name);
	int (*symlink)(struct rctx *c, const char *name, const char *target);
	/* mv of the object to the path matched by `to`. */
	int (*rename)(struct rctx *c, struct rctx *to);
	const void *arg;
};

/* Matches path; 0 or -ENOENT. */
int route_match(const char *path, struct rctx *c);
/* Calls fn for each literal child of the folder matched by c. */
void route_children(const struct rctx *c, void (*fn)(void *, const char *),
		    void *arg);
/* The name of path within dir when it is a direct child, else NULL. */
const char *route_child(const char *path, const char *dir);
/* The full stat of a matched path: runs every check on the way down. */
int route_stat(struct rctx *c, struct node *n);
/* The stat of the path's last component alone: for a path the kernel has
 * just looked up, whose folders it knows to exist. */
int route_stat_target(struct rctx *c, struct node *n);

extern time_t route_mount_time;

#endif
