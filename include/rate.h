/*
 * rate.h - the client-side rate limiter: keeps the mount under the API's
 * limits before the server has to answer 429.
 *
 * Sliding windows, exact: at most `limit` requests in any `span`
 * seconds.  The defaults are the API's: 100 requests a second and 6,000
 * a minute per workspace, 20 a minute for listing emails, 10 a second in
 * gateway mode.  Thread-safe: rate_acquire() blocks the calling thread
 * until its request may go, or until the mount's stop drops its work.
 */
#ifndef INSTANTLYFS_RATE_H
#define INSTANTLYFS_RATE_H

#include <stddef.h>

struct rate_window {
	double *at;	/* send times, a ring of `limit` */
	size_t limit;
	size_t head;	/* oldest */
	size_t count;
	double span;	/* seconds */
};

int rate_window_init(struct rate_window *w, size_t limit, double span);
void rate_window_free(struct rate_window *w);
/* Seconds to wait at time `now` before one more request fits (0 if it
 * fits now).  Pure. */
double rate_window_delay(const struct rate_window *w, double now);
/* Records a request sent at `now`. */
void rate_window_add(struct rate_window *w, double now);

struct rate_config {
	size_t per_second;	/* 0: no limit */
	size_t per_minute;
	size_t emails_per_minute;	/* GET /api/v2/emails (the list) */
};

int rate_init(const struct rate_config *cfg);
void rate_cleanup(void);
/* Waits until a request to path may be sent, and counts it: 0, or
 * -ECANCELED when the mount's stop drops the caller's work (stop.h);
 * then nothing is counted. */
int rate_acquire(const char *method, const char *path);
/* Is this request the email listing the API limits apart? */
int rate_is_email_list(const char *method, const char *path);

#endif
