/*
 * rate.c - sliding-window rate limiting (see rate.h).
 *
 * Owns: the windows of the mount.  Locking: `lock` guards them; a thread
 * that must wait sleeps without it (stop_sleep_ms(), so that a stop ends
 * the wait) and checks again.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "rate.h"
#include "stats.h"
#include "stop.h"

int rate_window_init(struct rate_window *w, size_t limit, double span)
{
	memset(w, 0, sizeof(*w));
	if (!limit)
		return 0;
	w->at = calloc(limit, sizeof(*w->at));
	if (!w->at)
		return -ENOMEM;
	w->limit = limit;
	w->span = span;
	return 0;
}

void rate_window_free(struct rate_window *w)
{
	free(w->at);
	memset(w, 0, sizeof(*w));
}

double rate_window_delay(const struct rate_window *w, double now)
{
	double free_at;

	if (!w->limit || w->count < w->limit)
		return 0;
	/* Full: the next request may go once the oldest leaves the span. */
	free_at = w->at[w->head] + w->span;
	return free_at > now ? free_at - now : 0;
}

void rate_window_add(struct rate_window *w, double now)
{
	if (!w->limit)
		return;
	if (w->count == w->limit) {
		w->at[w->head] = now;
		w->head = (w->head + 1) % w->limit;
	} else {
		w->at[(w->head + w->count) % w->limit] = now;
		w->count++;
	}
}

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct rate_window second, minute, emails;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int rate_init(const struct rate_config *cfg)
{
	int rc = rate_window_init(&second, cfg->per_second, 1.0);

	if (rc == 0)
		rc = rate_window_init(&minute, cfg->per_minute, 60.0);
	if (rc == 0)
		rc = rate_window_init(&emails, cfg->emails_per_minute, 60.0);
	if (rc < 0)
		rate_cleanup();
	return rc;
}

void rate_cleanup(void)
{
	rate_window_free(&second);
	rate_window_free(&minute);
	rate_window_free(&emails);
}

int rate_is_email_list(const char *method, const char *path)
{
	static const char list[] = "/api/v2/emails";
	size_t n = sizeof(list) - 1;

	return !strcmp(method, "GET") && !strncmp(path, list, n) &&
	       (path[n] == '\0' || path[n] == '?');
}

int rate_acquire(const char *method, const char *path)
{
	int email = rate_is_email_list(method, path);
	int logged = 0, rc = stop_check();

	if (rc < 0)
		return rc;
	pthread_mutex_lock(&lock);
	for (;;) {
		double t = now_s(), wait = rate_window_delay(&second, t);
		double w2 = rate_window_delay(&minute, t);

		if (w2 > wait)
			wait = w2;
		if (email && (w2 = rate_window_delay(&emails, t)) > wait)
			wait = w2;
		if (wait <= 0) {
			rate_window_add(&second, t);
			rate_window_add(&minute, t);
			if (email)
				rate_window_add(&emails, t);
			break;
		}
		pthread_mutex_unlock(&lock);
		if (!logged++) {
			stats_add(STAT_RATE_WAIT, 1);
			log_debug("rate: %s %s waits %.2f s", method, path, wait);
		}
		/* Rounded up: a wait cut short would only wait again. */
		rc = stop_sleep_ms((long)(wait * 1000) + 1);
		if (rc < 0)
			return rc;
		pthread_mutex_lock(&lock);
	}
	pthread_mutex_unlock(&lock);
	return 0;
}
