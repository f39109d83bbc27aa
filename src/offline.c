/*
 * offline.c - whether the API can be reached (see offline.h).
 *
 * The state is two facts: is the API down (the last outcome of a request
 * was a failure without an answer), and when it last failed so.  The
 * change of the first is logged, once each way.
 */
#include <pthread.h>
#include <time.h>

#include <curl/curl.h>

#include "log.h"
#include "offline.h"
#include "stats.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int down;
static double last_failure; /* CLOCK_MONOTONIC seconds */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int offline_unreachable(int curl_code)
{
	switch (curl_code) {
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
		return 1;
	default:
		/* An answer cut short, a refused certificate, a response over
		 * the limit, the mount's stop: something answered, or another
		 * attempt would not help. */
		return 0;
	}
}

void offline_answered(void)
{
	int was;

	pthread_mutex_lock(&lock);
	was = down;
	down = 0;
	pthread_mutex_unlock(&lock);
	if (was)
		log_info("API reachable again");
}

void offline_failed(void)
{
	int was;

	pthread_mutex_lock(&lock);
	was = down;
	down = 1;
	last_failure = now_s();
	pthread_mutex_unlock(&lock);
	if (!was)
		log_err("API unreachable: serving stored data");
}

int offline_now(void)
{
	int d;

	pthread_mutex_lock(&lock);
	d = down;
	pthread_mutex_unlock(&lock);
	return d;
}

int offline_holding_at(double now)
{
	int hold;

	pthread_mutex_lock(&lock);
	hold = down && now - last_failure >= 0 &&
	       now - last_failure < OFFLINE_HOLD_S;
	pthread_mutex_unlock(&lock);
	return hold;
}

int offline_holding(void)
{
	return offline_holding_at(now_s());
}

void offline_served(void)
{
	stats_add(STAT_OFFLINE_READ, 1);
}

void offline_reset(void)
{
	pthread_mutex_lock(&lock);
	down = 0;
	last_failure = 0;
	pthread_mutex_unlock(&lock);
}
