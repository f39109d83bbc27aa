/*
 * stop.h - the end of a mount: when it begins, and what may still run.
 *
 * A stop begins when the kernel ends the FUSE connection (fusermount3 -u,
 * umount, or the last close after a lazy unmount) or a signal asks for
 * one (SIGTERM, SIGINT or SIGHUP end the FUSE session).  From then on the
 * process must exit within a bound, whatever is in flight:
 *
 *   - work that only reads (the FUSE operations that change nothing mark
 *     their thread with stop_reading()) is dropped at once;
 *   - work that changes the workspace (a commit, a create, a move, a
 *     delete, the pending deletes sent at unmount) goes on for the grace
 *     (-o stop_timeout, STOP_GRACE_DEFAULT seconds after the stop
 *     began), then it is dropped too.
 *
 * Dropped work ends with -ECANCELED at its next wait or from the transfer
 * under way; the api module says in the log what was not done.  Every wait
 * that can last (the rate limiter, a backoff, a poll, a free connection,
 * a transfer) sleeps through stop_sleep_ms() or stop_cond_wait(), or
 * calls stop_check() at least every STOP_TICK_MS, so no thread outlives
 * its bound by more than a tick.  Nothing here wakes a sleeper early: a
 * long wait is cut in ticks, which costs nothing while the mount is idle
 * and nothing per FUSE request.
 *
 * How a stop is noticed: stop_begin() (after the FUSE loop has returned),
 * or any check that finds the session exited or its device in error.
 *
 * Locking: the state is atomic and set once; callable from any thread.
 * The session is only read, and never after stop_begin().
 */
#ifndef INSTANTLYFS_STOP_H
#define INSTANTLYFS_STOP_H

#include <pthread.h>

#define STOP_GRACE_DEFAULT 10.0	/* seconds */
#define STOP_TICK_MS 100

struct fuse_session;

/* Watches se (NULL: only stop_begin() begins a stop); grace in seconds. */
void stop_init(struct fuse_session *se, double grace_s);
/* Begins the stop now if it has not begun; never touches the session
 * again afterwards. */
void stop_begin(void);
/* Has the stop begun?  Notices one that has. */
int stop_begun(void);
/* 0 if the calling thread's work may go on; -ECANCELED once dropped. */
int stop_check(void);
/* Marks the calling thread's current work as only reading (1) or not
 * (0); returns the previous mark. */
int stop_reading(int on);
/* Sleeps ms milliseconds in ticks: 0, or -ECANCELED as soon as the
 * calling thread's work is dropped. */
int stop_sleep_ms(long ms);
/* pthread_cond_wait for at most a tick: the caller re-checks its
 * condition and stop_check() in its loop. */
void stop_cond_wait(pthread_cond_t *c, pthread_mutex_t *m);

#endif
