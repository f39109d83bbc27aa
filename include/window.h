/*
 * window.h - a read window over text made in order, piece by piece (the
 * lines of a paged list): reads are served as far as the text is made,
 * and only what lies after the last read's offset is kept.
 *
 * more(arg, w) appends the next piece (window_append) or says there is
 * none (w->done = 1); restart(arg) makes the next more() start the text
 * again, for a read before what is kept.  Bounded: what is held is one
 * piece and one read, at most WINDOW_MAX bytes.  Not thread-safe: a
 * window has one owner.
 */
#ifndef INSTANTLYFS_WINDOW_H
#define INSTANTLYFS_WINDOW_H

#include <sys/types.h>

#include "buf.h"

#define WINDOW_MAX (64u << 20)

struct window {
	struct buf text;	/* the text from base on */
	off_t base;
	int done;		/* the text is all made */
};

typedef int (*window_more_fn)(void *arg, struct window *w);

void window_init(struct window *w);
int window_append(struct window *w, const char *s, size_t n);
/* Copies at most size bytes at off into out: the count, 0 at the end,
 * or the -errno of more(). */
int window_read(struct window *w, window_more_fn more,
		void (*restart)(void *arg), void *arg, char *out, size_t size,
		off_t off);
void window_free(struct window *w);

#endif
