/*
 * buf.c - bounded growable byte buffer (see buf.h).
 *
 * Owns nothing but the buffer it is handed.  b->max bounds b->len (the
 * terminating NUL is extra); a failed append leaves the buffer exactly as
 * it was.  Capacity doubles from BUF_MIN_CAP and never exceeds max + 1.
 * No locking: a buffer has one owner.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

#define BUF_MIN_CAP 64

void buf_init(struct buf *b, size_t max)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	b->max = max;
}

/* Makes room for n more bytes plus the NUL. */
static int buf_reserve(struct buf *b, size_t n)
{
	size_t need, cap;
	char *p;

	if (n > b->max - b->len)
		return -EFBIG;
	if (b->len + n == SIZE_MAX)
		return -ENOMEM;
	need = b->len + n + 1;
	if (need <= b->cap)
		return 0;

	cap = b->cap ? b->cap : BUF_MIN_CAP;
	while (cap < need && cap <= SIZE_MAX / 2)
		cap *= 2;
	if (cap < need)
		cap = need;
	/* Never hold more than the limit allows. */
	if (b->max < SIZE_MAX && cap > b->max + 1)
		cap = b->max + 1;

	p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	int rc = buf_reserve(b, n);

	if (rc)
		return rc;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

int buf_puts(struct buf *b, const char *s)
{
	return buf_append(b, s, strlen(s));
}

int buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n, rc;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -EINVAL;

	rc = buf_reserve(b, (size_t)n);
	if (rc)
		return rc;

	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
	return 0;
}

char *buf_steal(struct buf *b, size_t *len)
{
	char *data = b->data;

	if (!data)
		data = calloc(1, 1);
	if (len)
		*len = data ? b->len : 0;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return data;
}

void buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}
