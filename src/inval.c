/*
 * inval.c - the kernel told of changes, from a thread of its own (see
 * inval.h).
 *
 * Owns: the queue of reports and the thread that drains it.  Reports of
 * one key coalesce while queued; a refresh (CACHE_DROPPED_ALL) stands for
 * every report before it.  Also asks the kernel to let go of the oldest
 * files past the bound on nodes (inode_spill), when nudged.
 */
#include <errno.h>
#include <malloc.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fs.h"
#include "inode.h"
#include "inval.h"
#include "log.h"
#include "thread.h"

#define INVAL_QUEUE_MAX 4096	/* past it, the queue becomes a refresh */
#define SPILL_BATCH 1024

struct report {
	enum cache_change what;
	uint64_t key;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done = PTHREAD_COND_INITIALIZER;
static struct report queue[INVAL_QUEUE_MAX];
static size_t queued;
static int all;			/* a refresh is queued */
static int spill;		/* too many nodes are held */
static unsigned long taken, told;	/* batches taken and told */
static int running, stopping;
static pthread_t thread;
static struct fuse_session *session;

void inval_report(enum cache_change what, uint64_t key)
{
	pthread_mutex_lock(&lock);
	if (what == CACHE_DROPPED_ALL || queued == INVAL_QUEUE_MAX) {
		all = 1;
		queued = 0;
	} else if (!all) {
		size_t i;

		for (i = 0; i < queued; i++)
			if (queue[i].key == key)
				break;
		if (i == queued)
			queue[queued++] = (struct report){ what, key };
		else if (what == CACHE_DROPPED)
			queue[i].what = what;	/* dropped wins */
	}
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
}

/* Tells the kernel about one node. */
static void tell(const struct inode_note *n, enum cache_change what)
{
	int rc;

	if (n->is_dir && what == CACHE_CHANGED)
		rc = fuse_lowlevel_notify_inval_inode(session, n->ino, 0, 0);
	else
		rc = fuse_lowlevel_notify_inval_entry(session, n->parent,
						      n->name,
						      strlen(n->name));
	/* ENOENT: the kernel had already let it go. */
	if (rc < 0 && rc != -ENOENT && rc != -ENOTCONN)
		log_debug("inval: %s: %s", n->name, strerror(-rc));
}

static void tell_all(uint64_t key, int everything, enum cache_change what)
{
	size_t n;
	struct inode_note *v = inode_collect(key, everything, &n);

	for (size_t i = 0; i < n; i++)
		tell(&v[i], what);
	inode_notes_free(v, n);
	if (everything)
		fuse_lowlevel_notify_inval_inode(session, INODE_ROOT, 0, 0);
}

void inval_nudge(void)
{
	pthread_mutex_lock(&lock);
	if (!spill) {
		spill = 1;
		pthread_cond_signal(&wake);
	}
	pthread_mutex_unlock(&lock);
}

/* Asks the kernel to forget the oldest files past the bound: its
 * FORGETs free their nodes.  What the spills and the cache's evictions
 * freed is given back to the system now and then (a walk of the heap:
 * at most once a second). */
static void let_go(void)
{
	static time_t trimmed;
	struct inode_note *v;
	size_t n;

	while ((v = inode_spill(SPILL_BATCH, &n)) != NULL) {
		for (size_t i = 0; i < n; i++)
			tell(&v[i], CACHE_DROPPED);
		inode_notes_free(v, n);
	}
	if (time(NULL) != trimmed) {
		trimmed = time(NULL);
		malloc_trim(0);
	}
}

static void *inval_main(void *arg)
{
	static struct report batch[INVAL_QUEUE_MAX];

	(void)arg;
	pthread_mutex_lock(&lock);
	for (;;) {
		size_t n;
		int everything;

		while (!queued && !all && !spill && !stopping)
			pthread_cond_wait(&wake, &lock);
		if (spill && !stopping) {
			spill = 0;
			pthread_mutex_unlock(&lock);
			let_go();
			pthread_mutex_lock(&lock);
			continue;
		}
		if (!queued && !all)
			break;	/* stopping, and nothing left */
		n = queued;
		everything = all;
		memcpy(batch, queue, n * sizeof(*batch));
		queued = 0;
		all = 0;
		taken++;
		pthread_mutex_unlock(&lock);
		if (everything)
			tell_all(0, 1, CACHE_DROPPED);
		else
			for (size_t i = 0; i < n; i++)
				tell_all(batch[i].key, 0, batch[i].what);
		pthread_mutex_lock(&lock);
		told = taken;
		pthread_cond_broadcast(&done);
	}
	pthread_mutex_unlock(&lock);
	return NULL;
}

int inval_start(struct fuse_session *se)
{
	int rc;

	session = se;
	stopping = 0;
	if (!se)
		return 0;
	rc = thread_start(&thread, inval_main, NULL);
	if (rc)
		return -rc;
	running = 1;
	return 0;
}

void inval_stop(void)
{
	if (!running)
		return;
	pthread_mutex_lock(&lock);
	stopping = 1;
	pthread_cond_signal(&wake);
	pthread_mutex_unlock(&lock);
	pthread_join(thread, NULL);
	running = 0;
	session = NULL;
}

void inval_flush(void)
{
	unsigned long want;

	pthread_mutex_lock(&lock);
	if (running) {
		want = taken + ((queued || all) ? 1 : 0);
		while (told < want && running)
			pthread_cond_wait(&done, &lock);
	}
	pthread_mutex_unlock(&lock);
}
