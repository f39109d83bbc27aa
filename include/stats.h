/*
 * stats.h - counters shown in .instantlyfs/stats.
 *
 * Requests are counted by route: the method and the path with the query
 * dropped and every id-like segment (one that holds a digit, or an '@',
 * and is not a plain word like "v2") replaced by "{id}", e.g.
 * "GET /api/v2/campaigns/{id}".  Thread-safe.
 */
#ifndef INSTANTLYFS_STATS_H
#define INSTANTLYFS_STATS_H

#include <stddef.h>

enum stat_counter {
	STAT_CACHE_HIT,
	STAT_CACHE_MISS,
	STAT_RETRY,
	STAT_HTTP_429,
	STAT_HTTP_ERROR,
	STAT_BYTES_IN,
	STAT_BYTES_OUT,
	STAT_RATE_WAIT,
	STAT_STORE_HIT,
	STAT_CACHE_EVICT,
	STAT_OFFLINE_READ,	/* served stale: the API was unreachable */
	STAT_RELIST_PARALLEL,	/* re-lists done by several chains */
	STAT_RELIST_CHAINS,	/* the chains they ran */
	STAT_RELIST_FALLBACK,	/* re-lists whose order broke */
	STAT_NCOUNTERS
};

void stats_request(const char *method, const char *path);
void stats_add(enum stat_counter c, unsigned long long n);
/* Route label of a path, malloc'd (see above). */
char *stats_route(const char *method, const char *path);
/* "key value\n" lines, counters then "request <route> <n>" lines. */
char *stats_render(size_t *len);

#endif
