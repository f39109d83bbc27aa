/*
 * window.c - a read window over text made in order (see window.h).
 */
#include <errno.h>
#include <string.h>

#include "window.h"

void window_init(struct window *w)
{
	buf_init(&w->text, WINDOW_MAX);
	w->base = 0;
	w->done = 0;
}

int window_append(struct window *w, const char *s, size_t n)
{
	return buf_append(&w->text, s, n);
}

/* Forgets what lies before off. */
static void drop_before(struct window *w, off_t off)
{
	size_t skip = (size_t)(off - w->base);

	if (skip > w->text.len)
		skip = w->text.len;
	if (!skip)
		return;
	memmove(w->text.data, w->text.data + skip, w->text.len - skip + 1);
	w->text.len -= skip;
	w->base += (off_t)skip;
}

int window_read(struct window *w, window_more_fn more,
		void (*restart)(void *arg), void *arg, char *out, size_t size,
		off_t off)
{
	int rc;

	if (off < 0)
		return -EINVAL;
	if (off < w->base) {
		restart(arg);
		w->text.len = 0;
		if (w->text.data)
			w->text.data[0] = '\0';
		w->base = 0;
		w->done = 0;
	}
	for (;;) {
		drop_before(w, off);
		if ((w->base == off && w->text.len >= size) || w->done)
			break;
		rc = more(arg, w);
		if (rc < 0)
			return rc;
	}
	if (w->base < off || !w->text.len)
		return 0;
	if (size > w->text.len)
		size = w->text.len;
	memcpy(out, w->text.data, size);
	return (int)size;
}

void window_free(struct window *w)
{
	buf_free(&w->text);
}
