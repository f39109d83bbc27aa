/*
 * tomb.c - pending deletes and the thread that sends them (see tomb.h).
 *
 * Locking: `lock` guards `tombs`; the delete callback runs unlocked, on
 * the reaper thread (or the unmounting one).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hmap.h"
#include "route.h"
#include "log.h"
#include "thread.h"
#include "tomb.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static struct hmap *tombs;	/* path -> struct timespec * (when) */
static tomb_delete_fn send_delete;
static pthread_t reaper;
static int running, stopping;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int tomb_add(const char *path)
{
	double *when = malloc(sizeof(*when));
	void *old = NULL;
	int rc;

	if (!when)
		return -ENOMEM;
	*when = now();
	pthread_mutex_lock(&lock);
	if (!tombs)
		tombs = hmap_new();
	rc = tombs ? hmap_put(tombs, path, when, &old) : -ENOMEM;
	pthread_mutex_unlock(&lock);
	free(old);
	if (rc < 0)
		free(when);
	return rc;
}

int tomb_has(const char *path)
{
	int found;

	pthread_mutex_lock(&lock);
	found = tombs && hmap_get(tombs, path);
	pthread_mutex_unlock(&lock);
	return found;
}

int tomb_cancel(const char *path)
{
	void *when;

	pthread_mutex_lock(&lock);
	when = tombs ? hmap_del(tombs, path) : NULL;
	pthread_mutex_unlock(&lock);
	free(when);
	return when != NULL;
}

void tomb_list(const char *dir, void (*fn)(void *, const char *), void *arg)
{
	size_t pos = 0;
	const char *key, *name;
	void *val;

	pthread_mutex_lock(&lock);
	while (tombs && hmap_next(tombs, &pos, &key, &val))
		if ((name = route_child(key, dir)))
			fn(arg, name);
	pthread_mutex_unlock(&lock);
}

/* Takes one delete that is due (all when force); NULL if none. */
static char *take_due(int force)
{
	double limit = now() - TOMB_GRACE_MS / 1000.0;
	const char *key;
	void *val;
	size_t pos = 0;
	char *path = NULL;

	pthread_mutex_lock(&lock);
	while (!path && tombs && hmap_next(tombs, &pos, &key, &val)) {
		if (force || *(double *)val <= limit) {
			path = strdup(key);
			free(hmap_del(tombs, key));
		}
	}
	pthread_mutex_unlock(&lock);
	return path;
}

static void reap(int force)
{
	char *path;

	while ((path = take_due(force))) {
		int rc = send_delete(path);

		if (rc == -ECANCELED)
			log_err("rm %s: the mount stopped before the delete "
				"was confirmed", path);
		else if (rc < 0)
			log_err("rm %s: the delete failed: %s", path,
				strerror(-rc));
		free(path);
	}
}

static void *reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&lock);
	while (!stopping) {
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&wake, &lock, &ts);
		pthread_mutex_unlock(&lock);
		reap(0);
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

void tomb_start(tomb_delete_fn fn)
{
	send_delete = fn;
	stopping = 0;
	running = thread_start(&reaper, reaper_main, NULL) == 0;
	if (!running)
		log_err("cannot start the delete thread: deletes are sent "
			"at unmount");
}

void tomb_stop(void)
{
	if (running) {
		pthread_mutex_lock(&lock);
		stopping = 1;
		pthread_cond_signal(&wake);
		pthread_mutex_unlock(&lock);
		pthread_join(reaper, NULL);
		running = 0;
	}
	if (send_delete)
		reap(1);
	pthread_mutex_lock(&lock);
	hmap_free(tombs, free);
	tombs = NULL;
	pthread_mutex_unlock(&lock);
}
