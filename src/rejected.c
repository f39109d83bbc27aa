/*
 * rejected.c - a ring of refused writes (see rejected.h).
 *
 * Owns: copies of refused texts.  Locking: `lock` guards the ring.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rejected.h"

struct kept {
	char *name;
	char *data;
	size_t len;
	time_t when;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct kept ring[REJECTED_MAX];
static unsigned long serial;	/* how many were ever kept */

static void kept_free(struct kept *k)
{
	free(k->name);
	free(k->data);
	memset(k, 0, sizeof(*k));
}

void rejected_add(const char *path, const char *data, size_t len)
{
	const char *base = strrchr(path, '/');
	struct kept k = { 0 };

	k.data = malloc(len + 1);
	if (!k.data)
		return;
	memcpy(k.data, data, len);
	k.data[len] = '\0';
	k.len = len;
	k.when = time(NULL);
	pthread_mutex_lock(&lock);
	serial++;
	/* The base name is already one escaped component of the tree. */
	if (asprintf(&k.name, "%lu-%.200s", serial, base ? base + 1 : path) < 0)
		k.name = NULL;
	if (k.name) {
		kept_free(&ring[serial % REJECTED_MAX]);
		ring[serial % REJECTED_MAX] = k;
	} else {
		free(k.data);
	}
	pthread_mutex_unlock(&lock);
}

void rejected_list(void (*fn)(void *, const char *), void *arg)
{
	pthread_mutex_lock(&lock);
	for (unsigned long i = 1; i <= REJECTED_MAX; i++) {
		const struct kept *k = &ring[(serial + i) % REJECTED_MAX];

		if (k->name)
			fn(arg, k->name);
	}
	pthread_mutex_unlock(&lock);
}

int rejected_get(const char *name, char **data, size_t *len, time_t *when)
{
	int rc = -ENOENT;

	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < REJECTED_MAX && rc; i++) {
		const struct kept *k = &ring[i];

		if (!k->name || strcmp(k->name, name))
			continue;
		*data = malloc(k->len + 1);
		rc = *data ? 0 : -ENOMEM;
		if (*data) {
			memcpy(*data, k->data, k->len + 1);
			*len = k->len;
			*when = k->when;
		}
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

void rejected_clear(void)
{
	pthread_mutex_lock(&lock);
	for (size_t i = 0; i < REJECTED_MAX; i++)
		kept_free(&ring[i]);
	pthread_mutex_unlock(&lock);
}
