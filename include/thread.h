/*
 * thread.h - the mount's own threads (the reaper of deletes, the one that
 * tells the kernel of changes, pages fetched ahead).
 *
 * They start with SIGHUP, SIGINT and SIGTERM blocked: those signals stop
 * the mount and belong to the FUSE loop's threads, whose wait they must
 * interrupt (a signal taken by another thread would leave the loop
 * waiting).
 */
#ifndef INSTANTLYFS_THREAD_H
#define INSTANTLYFS_THREAD_H

#include <pthread.h>

/* pthread_create with the stop signals blocked: 0 or an errno. */
int thread_start(pthread_t *t, void *(*fn)(void *), void *arg);

#endif
