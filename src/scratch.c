/*
 * scratch.c - the store of local files (see scratch.h).
 *
 * Owns: the map path -> struct scratch and their bytes.  Must not: call
 * the API.  Locking: `lock` guards the map and every file; a file
 * unlinked while open lives on (refs) until its last handle closes.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "buf.h"
#include "hmap.h"
#include "route.h"
#include "scratch.h"

struct scratch {
	struct buf data;
	mode_t mode;
	time_t mtime;
	int pending;
	int refs;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *files;

static struct scratch *file_new(mode_t mode, int pending)
{
	struct scratch *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	buf_init(&s->data, SCRATCH_MAX_FILE);
	s->mode = mode & 07777;
	s->mtime = time(NULL);
	s->pending = pending;
	s->refs = 1;	/* the store's */
	return s;
}

/* Locked. */
static void unref(struct scratch *s)
{
	if (s && --s->refs == 0) {
		buf_free(&s->data);
		free(s);
	}
}

static void unref_any(void *p)
{
	unref(p);
}

/* Locked.  Puts s at path, dropping what was there. */
static int store(const char *path, struct scratch *s)
{
	void *old = NULL;
	int rc;

	if (!files && !(files = hmap_new()))
		return -ENOMEM;
	rc = hmap_put(files, path, s, &old);
	unref(old);
	return rc;
}

int scratch_create(const char *path, mode_t mode, int pending)
{
	struct scratch *s;
	int rc;

	pthread_mutex_lock(&lock);
	if (files && hmap_get(files, path)) {
		rc = -EEXIST;
	} else {
		s = file_new(mode, pending);
		rc = s ? store(path, s) : -ENOMEM;
		if (rc < 0 && s)
			unref(s);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_put_data(const char *path, const char *data, size_t len,
		     mode_t mode)
{
	struct scratch *s = file_new(mode, 0);
	int rc;

	if (!s)
		return -ENOMEM;
	rc = buf_append(&s->data, data, len);
	pthread_mutex_lock(&lock);
	if (rc == 0)
		rc = store(path, s);
	if (rc < 0)
		unref(s);
	pthread_mutex_unlock(&lock);
	return rc;
}

struct scratch *scratch_get(const char *path)
{
	struct scratch *s;

	pthread_mutex_lock(&lock);
	s = files ? hmap_get(files, path) : NULL;
	if (s)
		s->refs++;
	pthread_mutex_unlock(&lock);
	return s;
}

void scratch_put(struct scratch *s)
{
	pthread_mutex_lock(&lock);
	unref(s);
	pthread_mutex_unlock(&lock);
}

int scratch_exists(const char *path)
{
	int found;

	pthread_mutex_lock(&lock);
	found = files && hmap_get(files, path);
	pthread_mutex_unlock(&lock);
	return found;
}

void scratch_stat(struct scratch *s, struct stat *st)
{
	pthread_mutex_lock(&lock);
	st->st_mode = S_IFREG | s->mode;
	st->st_nlink = 1;
	st->st_size = (off_t)s->data.len;
	st->st_blocks = (blkcnt_t)((s->data.len + 511) / 512);
	st->st_mtime = st->st_ctime = st->st_atime = s->mtime;
	pthread_mutex_unlock(&lock);
}

int scratch_is_pending(struct scratch *s)
{
	int p;

	pthread_mutex_lock(&lock);
	p = s->pending;
	pthread_mutex_unlock(&lock);
	return p;
}

void scratch_clear_pending(struct scratch *s)
{
	pthread_mutex_lock(&lock);
	s->pending = 0;
	pthread_mutex_unlock(&lock);
}

int scratch_read(struct scratch *s, char *out, size_t size, off_t off)
{
	size_t n = 0;

	pthread_mutex_lock(&lock);
	if (off >= 0 && (size_t)off < s->data.len) {
		n = s->data.len - (size_t)off;
		if (n > size)
			n = size;
		memcpy(out, s->data.data + off, n);
	}
	pthread_mutex_unlock(&lock);
	return (int)n;
}

/* Locked.  Grows the file to len bytes, zero-filled. */
static int grow(struct scratch *s, size_t len)
{
	static const char zeros[4096];

	while (s->data.len < len) {
		size_t n = len - s->data.len;
		int rc = buf_append(&s->data, zeros,
				    n < sizeof(zeros) ? n : sizeof(zeros));

		if (rc < 0)
			return rc;
	}
	return 0;
}

int scratch_write(struct scratch *s, const char *data, size_t size, off_t off)
{
	int rc = 0;

	if (off < 0 || (size_t)off + size > SCRATCH_MAX_FILE)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	rc = grow(s, (size_t)off + size);
	if (rc == 0 && size) {
		memcpy(s->data.data + off, data, size);
		s->mtime = time(NULL);
	}
	pthread_mutex_unlock(&lock);
	return rc < 0 ? rc : (int)size;
}

int scratch_truncate(struct scratch *s, off_t size)
{
	int rc = 0;

	if (size < 0 || (size_t)size > SCRATCH_MAX_FILE)
		return -EFBIG;
	pthread_mutex_lock(&lock);
	if ((size_t)size > s->data.len)
		rc = grow(s, (size_t)size);
	else
		s->data.len = (size_t)size;
	s->mtime = time(NULL);
	pthread_mutex_unlock(&lock);
	return rc;
}

int scratch_chmod(struct scratch *s, mode_t mode)
{
	pthread_mutex_lock(&lock);
	s->mode = mode & 07777;
	pthread_mutex_unlock(&lock);
	return 0;
}

void scratch_touch(struct scratch *s, time_t mtime)
{
	pthread_mutex_lock(&lock);
	s->mtime = mtime;
	pthread_mutex_unlock(&lock);
}

char *scratch_copy(struct scratch *s, size_t *len)
{
	char *out;

	pthread_mutex_lock(&lock);
	out = malloc(s->data.len + 1);
	if (out) {
		if (s->data.len)
			memcpy(out, s->data.data, s->data.len);
		out[s->data.len] = '\0';
		*len = s->data.len;
	}
	pthread_mutex_unlock(&lock);
	return out;
}

int scratch_unlink(const char *path)
{
	struct scratch *s;

	pthread_mutex_lock(&lock);
	s = files ? hmap_del(files, path) : NULL;
	unref(s);
	pthread_mutex_unlock(&lock);
	return s ? 0 : -ENOENT;
}

int scratch_rename(const char *from, const char *to)
{
	struct scratch *s;
	int rc = -ENOENT;

	pthread_mutex_lock(&lock);
	s = files ? hmap_del(files, from) : NULL;
	if (s) {
		rc = store(to, s);
		if (rc < 0)
			unref(s);
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void scratch_list(const char *dir, void (*fn)(void *, const char *),
		  void *arg)
{
	size_t pos = 0;
	const char *key, *name;
	void *val;

	pthread_mutex_lock(&lock);
	while (files && hmap_next(files, &pos, &key, &val))
		if ((name = route_child(key, dir)))
			fn(arg, name);
	pthread_mutex_unlock(&lock);
}

void scratch_destroy(void)
{
	pthread_mutex_lock(&lock);
	hmap_free(files, unref_any);
	files = NULL;
	pthread_mutex_unlock(&lock);
}
