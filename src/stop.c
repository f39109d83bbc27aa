/*
 * stop.c - the end of a mount (see stop.h).
 *
 * Owns: when the stop began and which threads may still work.  The start
 * is a monotonic time stored once (0 until then); the mark of a thread
 * is thread-local.
 */
#include <errno.h>
#include <poll.h>
#include <stdatomic.h>
#include <time.h>

#include "fs.h"	/* FUSE_USE_VERSION, before any FUSE header */
#include <fuse_lowlevel.h>
#include "stop.h"

static struct fuse_session *session;
static double grace = STOP_GRACE_DEFAULT;
static _Atomic long long began_ns;	/* CLOCK_MONOTONIC; 0: running */
static __thread int reading;

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

void stop_init(struct fuse_session *se, double grace_s)
{
	session = se;
	grace = grace_s;
	atomic_store(&began_ns, 0);
}

void stop_begin(void)
{
	long long none = 0;

	atomic_compare_exchange_strong(&began_ns, &none, now_ns());
}

/* The kernel ended the connection: the device says so at once, before
 * a worker has read the error and ended the session. */
static int session_ended(void)
{
	struct pollfd p = { .fd = fuse_session_fd(session), .events = 0 };

	if (fuse_session_exited(session))
		return 1;
	return p.fd >= 0 && poll(&p, 1, 0) == 1 &&
	       (p.revents & (POLLERR | POLLHUP | POLLNVAL));
}

int stop_begun(void)
{
	if (atomic_load(&began_ns))
		return 1;
	if (session && session_ended()) {
		stop_begin();
		return 1;
	}
	return 0;
}

int stop_check(void)
{
	long long t0;

	if (!stop_begun())
		return 0;
	if (reading)
		return -ECANCELED;
	t0 = atomic_load(&began_ns);
	return now_ns() - t0 < (long long)(grace * 1e9) ? 0 : -ECANCELED;
}

int stop_reading(int on)
{
	int was = reading;

	reading = on;
	return was;
}

int stop_sleep_ms(long ms)
{
	long long end = now_ns() + ms * 1000000LL;

	for (;;) {
		long long left = end - now_ns();
		struct timespec ts;
		int rc = stop_check();

		if (rc < 0)
			return rc;
		if (left <= 0)
			return 0;
		if (left > STOP_TICK_MS * 1000000LL)
			left = STOP_TICK_MS * 1000000LL;
		ts.tv_sec = (time_t)(left / 1000000000LL);
		ts.tv_nsec = (long)(left % 1000000000LL);
		nanosleep(&ts, NULL);
	}
}

void stop_cond_wait(pthread_cond_t *c, pthread_mutex_t *m)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_nsec += STOP_TICK_MS * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_cond_timedwait(c, m, &ts);
}
