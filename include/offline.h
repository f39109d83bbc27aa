/*
 * offline.h - whether the API can be reached, and what reads do when not.
 *
 * The API is unreachable when a request fails for good (after its
 * retries, api.h) without any HTTP answer: no address (DNS), no
 * connection, a timeout, a connection cut before an answer came.  Any
 * HTTP answer, a 4xx or a 5xx included, says it is reachable again.
 *
 * While it is unreachable, the cache (cache.c) serves what it holds, in
 * memory or in the store, stale or expired, in place of a fetch that
 * failed so (each such read is counted: `offline_reads` in stats).  For
 * OFFLINE_HOLD_S after each such failure, a fetch that has a stale copy
 * uses it without trying the API at all, so a `grep -r` over a thousand
 * files while offline costs one failed request, not a thousand.  The log
 * says once when the API becomes unreachable and once when it is back.
 *
 * Writes are not this module's: they fail with their errno (EIO, or
 * ETIMEDOUT), as every failed write does.
 *
 * Locking: one mutex guards the state; offline_unreachable() is pure.
 */
#ifndef INSTANTLYFS_OFFLINE_H
#define INSTANTLYFS_OFFLINE_H

#define OFFLINE_HOLD_S 5.0

/* Is a request that ended with this CURLcode (not CURLE_OK) one that
 * found no API to talk to?  Pure. */
int offline_unreachable(int curl_code);

/* The outcome of a request, for the state: an HTTP answer came
 * (reachable) or it failed for good as offline_unreachable() says. */
void offline_answered(void);
void offline_failed(void);

/* Is the API unreachable now (the last outcome was such a failure)? */
int offline_now(void);
/* Unreachable, and the last failure less than OFFLINE_HOLD_S ago: a read
 * with a stale copy uses it without trying. */
int offline_holding(void);
/* The same with `now` (CLOCK_MONOTONIC seconds) given: for tests. */
int offline_holding_at(double now);

/* A read was served stale because the API could not be reached. */
void offline_served(void);

/* Forgets the state (tests). */
void offline_reset(void);

#endif
