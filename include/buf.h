/*
 * buf.h - bounded growable byte buffer.
 *
 * Every buffer that grows with outside data (HTTP bodies, rendered files,
 * write buffers) has a named upper limit.  Appending past the limit fails
 * with -EFBIG and leaves the buffer as it was; allocation failure gives
 * -ENOMEM.  The data is always NUL-terminated (the NUL is not counted in
 * len).  Not thread-safe: a buffer has one owner.
 */
#ifndef INSTANTLYFS_BUF_H
#define INSTANTLYFS_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};

void buf_init(struct buf *b, size_t max);
int buf_append(struct buf *b, const void *p, size_t n);
int buf_puts(struct buf *b, const char *s);
int buf_printf(struct buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Returns the data (never NULL: "" for an empty buffer) and resets b. */
char *buf_steal(struct buf *b, size_t *len);
void buf_free(struct buf *b);

#endif
