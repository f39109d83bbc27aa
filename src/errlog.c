/*
 * errlog.c - the recent API errors, shown in .instantlyfs/errors.
 *
 * A ring of the last ERRLOG_MAX lines, oldest first when rendered.  Each
 * line is "<YYYY-MM-DDTHH:MM:SSZ> <METHOD> <path> -> <status>: <message>"
 * and ends with the only newline in it: control bytes in any field become
 * spaces.  A missing field is written as "-" (the message as "").  A
 * message is kept up to ERRLOG_MSG_MAX bytes, cut at a UTF-8 boundary.
 * One mutex guards the ring; lines are built before it is taken.  If a
 * line cannot be allocated it is dropped.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "errlog.h"

#define ERRLOG_MSG_MAX 4096
#define ERRLOG_LINE_MAX (ERRLOG_MSG_MAX + 8192)

static pthread_mutex_t errlog_lock = PTHREAD_MUTEX_INITIALIZER;
static char *ring[ERRLOG_MAX];
static size_t ring_head; /* the oldest line */
static size_t ring_count;

/*
 * Where to cut s before byte n (s[n] exists) so that no UTF-8 sequence is
 * split: n, or the start of the sequence s[n] continues.
 */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t k = n;

	while (k > 0 && n - k < 3 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return ((unsigned char)s[k] & 0xc0) == 0x80 ? n : k;
}

/* Appends s, cut to at most max bytes, with control bytes as spaces. */
static int put_field(struct buf *b, const char *s, size_t max)
{
	size_t n = strlen(s), start = b->len, i;
	int rc;

	if (n > max)
		n = utf8_cut(s, max);
	rc = buf_append(b, s, n);
	if (rc)
		return rc;
	for (i = start; i < b->len; i++) {
		unsigned char c = (unsigned char)b->data[i];

		if (c < 0x20 || c == 0x7f)
			b->data[i] = ' ';
	}
	return 0;
}

static char *make_line(const char *method, const char *path, const char *status,
		       const char *message)
{
	char when[32];
	struct tm tm;
	struct buf b;
	time_t now = time(NULL);
	int rc;

	gmtime_r(&now, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);

	buf_init(&b, ERRLOG_LINE_MAX);
	rc = buf_puts(&b, when);
	if (!rc)
		rc = buf_puts(&b, " ");
	if (!rc)
		rc = put_field(&b, method ? method : "-", 64);
	if (!rc)
		rc = buf_puts(&b, " ");
	if (!rc)
		rc = put_field(&b, path ? path : "-", 4096);
	if (!rc)
		rc = buf_puts(&b, " -> ");
	if (!rc)
		rc = put_field(&b, status ? status : "-", 256);
	if (!rc)
		rc = buf_puts(&b, ": ");
	if (!rc)
		rc = put_field(&b, message ? message : "", ERRLOG_MSG_MAX);
	if (!rc)
		rc = buf_puts(&b, "\n");
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

void errlog_add(const char *method, const char *path, const char *status,
		const char *message)
{
	char *line = make_line(method, path, status, message);
	char *dropped = NULL;

	if (!line)
		return;
	pthread_mutex_lock(&errlog_lock);
	if (ring_count == ERRLOG_MAX) {
		dropped = ring[ring_head];
		ring[ring_head] = line;
		ring_head = (ring_head + 1) % ERRLOG_MAX;
	} else {
		ring[(ring_head + ring_count) % ERRLOG_MAX] = line;
		ring_count++;
	}
	pthread_mutex_unlock(&errlog_lock);
	free(dropped);
}

char *errlog_render(size_t *len)
{
	struct buf b;
	size_t i;
	int rc = 0;

	buf_init(&b, (size_t)ERRLOG_MAX * (ERRLOG_LINE_MAX + 1));
	pthread_mutex_lock(&errlog_lock);
	for (i = 0; i < ring_count && !rc; i++)
		rc = buf_puts(&b, ring[(ring_head + i) % ERRLOG_MAX]);
	pthread_mutex_unlock(&errlog_lock);
	if (rc) {
		buf_free(&b);
		if (len)
			*len = 0;
		return NULL;
	}
	return buf_steal(&b, len);
}

void errlog_clear(void)
{
	char *old[ERRLOG_MAX];
	size_t i, n;

	pthread_mutex_lock(&errlog_lock);
	n = ring_count;
	for (i = 0; i < n; i++)
		old[i] = ring[(ring_head + i) % ERRLOG_MAX];
	ring_head = 0;
	ring_count = 0;
	pthread_mutex_unlock(&errlog_lock);
	for (i = 0; i < n; i++)
		free(old[i]);
}
