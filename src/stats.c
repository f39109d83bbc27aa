/*
 * stats.c - counters shown in .instantlyfs/stats.
 *
 * stats_route() is pure: method, a space, then the path without its query
 * or fragment, with each id-like segment replaced by "{id}".  A segment is
 * id-like when it holds a digit or an '@' (a percent-escaped '@' holds
 * digits too), unless it is an API version word: 'v' and one to three
 * digits ("v2").  The counters and the route table live behind one mutex;
 * stats_render() writes the counters in enum order, then one
 * "request <route> <n>" line per route, sorted by route.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"
#include "stats.h"

#define STATS_RENDER_MAX ((size_t)16 << 20)

static const char *const counter_names[STAT_NCOUNTERS] = {
    [STAT_CACHE_HIT] = "cache_hits",   [STAT_CACHE_MISS] = "cache_misses",
    [STAT_RETRY] = "retries",	       [STAT_HTTP_429] = "http_429",
    [STAT_HTTP_ERROR] = "http_errors", [STAT_BYTES_IN] = "bytes_in",
    [STAT_BYTES_OUT] = "bytes_out",    [STAT_RATE_WAIT] = "rate_waits",
    [STAT_STORE_HIT] = "store_hits",   [STAT_CACHE_EVICT] = "cache_evictions",
    [STAT_OFFLINE_READ] = "offline_reads",
    [STAT_RELIST_PARALLEL] = "relist_parallel",
    [STAT_RELIST_CHAINS] = "relist_chains",
    [STAT_RELIST_FALLBACK] = "relist_fallback",
};

static pthread_mutex_t stats_lock = PTHREAD_MUTEX_INITIALIZER;
static unsigned long long counters[STAT_NCOUNTERS];
static struct hmap *routes; /* route -> unsigned long long * */

static int is_version_word(const char *s, size_t n)
{
	size_t i;

	if (n < 2 || n > 4 || s[0] != 'v')
		return 0;
	for (i = 1; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return 1;
}

static int is_id_like(const char *s, size_t n)
{
	size_t i;

	if (is_version_word(s, n))
		return 0;
	for (i = 0; i < n; i++)
		if ((s[i] >= '0' && s[i] <= '9') || s[i] == '@')
			return 1;
	return 0;
}

char *stats_route(const char *method, const char *path)
{
	size_t plen = path ? strcspn(path, "?#") : 0, i = 0;
	struct buf b;
	int rc;

	buf_init(&b, plen * 2 + 64);
	rc = buf_puts(&b, method ? method : "-");
	if (!rc)
		rc = buf_puts(&b, " ");
	while (!rc && i < plen) {
		size_t n = strcspn(path + i, "/?#");

		if (n > plen - i)
			n = plen - i;
		if (is_id_like(path + i, n))
			rc = buf_puts(&b, "{id}");
		else
			rc = buf_append(&b, path + i, n);
		i += n;
		if (!rc && i < plen) {
			rc = buf_puts(&b, "/");
			i++;
		}
	}
	if (rc) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

void stats_request(const char *method, const char *path)
{
	char *route = stats_route(method, path);
	unsigned long long *n;

	if (!route)
		return;
	pthread_mutex_lock(&stats_lock);
	if (!routes)
		routes = hmap_new();
	n = routes ? hmap_get(routes, route) : NULL;
	if (n) {
		(*n)++;
	} else if (routes && (n = malloc(sizeof(*n)))) {
		*n = 1;
		if (hmap_put(routes, route, n, NULL))
			free(n);
	}
	pthread_mutex_unlock(&stats_lock);
	free(route);
}

void stats_add(enum stat_counter c, unsigned long long n)
{
	if ((unsigned int)c >= STAT_NCOUNTERS)
		return;
	pthread_mutex_lock(&stats_lock);
	counters[c] += n;
	pthread_mutex_unlock(&stats_lock);
}

struct route_line {
	const char *route;
	unsigned long long n;
};

static int by_route(const void *a, const void *b)
{
	return strcmp(((const struct route_line *)a)->route,
		      ((const struct route_line *)b)->route);
}

char *stats_render(size_t *len)
{
	struct route_line *lines = NULL;
	size_t nlines = 0, pos = 0, i;
	const char *key;
	void *val;
	struct buf b;
	int rc = 0;

	buf_init(&b, STATS_RENDER_MAX);
	pthread_mutex_lock(&stats_lock);
	for (i = 0; i < STAT_NCOUNTERS && !rc; i++)
		rc = buf_printf(&b, "%s %llu\n", counter_names[i], counters[i]);
	if (!rc && routes && hmap_count(routes)) {
		lines = malloc(hmap_count(routes) * sizeof(*lines));
		if (!lines)
			rc = -1;
		while (lines && hmap_next(routes, &pos, &key, &val)) {
			lines[nlines].route = key;
			lines[nlines].n = *(unsigned long long *)val;
			nlines++;
		}
	}
	if (nlines)
		qsort(lines, nlines, sizeof(*lines), by_route);
	for (i = 0; i < nlines && !rc; i++)
		rc = buf_printf(&b, "request %s %llu\n", lines[i].route,
				lines[i].n);
	pthread_mutex_unlock(&stats_lock);
	free(lines);
	if (rc) {
		buf_free(&b);
		if (len)
			*len = 0;
		return NULL;
	}
	return buf_steal(&b, len);
}
