/*
 * thread.c - the mount's own threads start deaf to the stop signals (see
 * thread.h).
 */
#include <signal.h>

#include "thread.h"

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	sigset_t stops, was;
	int rc;

	sigemptyset(&stops);
	sigaddset(&stops, SIGHUP);
	sigaddset(&stops, SIGINT);
	sigaddset(&stops, SIGTERM);
	/* A new thread takes the mask of the one that makes it. */
	pthread_sigmask(SIG_BLOCK, &stops, &was);
	rc = pthread_create(t, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &was, NULL);
	return rc;
}
