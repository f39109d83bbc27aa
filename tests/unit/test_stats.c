/*
 * test_stats.c - route labels, request counts and counters.
 *
 * The stats are process-wide and never reset, so tests compare values
 * before and after.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stats.h"
#include "suites.h"

static void assert_route(const char *method, const char *path, const char *want)
{
	char *got = stats_route(method, path);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

/* The value on the line "<prefix> <n>" of the rendered stats, or 0. */
static unsigned long long stat_value(const char *prefix)
{
	char *out = stats_render(NULL), *line, *save = NULL;
	unsigned long long v = 0;
	size_t plen = strlen(prefix);

	ck_assert_ptr_nonnull(out);
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, prefix, plen) && line[plen] == ' ' &&
		    !strchr(line + plen + 1, ' '))
			v = strtoull(line + plen + 1, NULL, 10);
	}
	free(out);
	return v;
}

START_TEST(test_route_replaces_uuid_segment_with_id)
{
	assert_route("GET",
		     "/api/v2/campaigns/0199a5f3-2b4c-7e61-9d2e-1a2b3c4d5e6f",
		     "GET /api/v2/campaigns/{id}");
}
END_TEST

START_TEST(test_route_keeps_version_word_v2)
{
	assert_route("GET", "/api/v2/campaigns", "GET /api/v2/campaigns");
	assert_route("GET", "/api/v10/x", "GET /api/v10/x");
}
END_TEST

START_TEST(test_route_replaces_email_segment_with_id)
{
	assert_route("POST", "/api/v2/accounts/jane@example.com/pause",
		     "POST /api/v2/accounts/{id}/pause");
	assert_route("GET", "/api/v2/accounts/jane%40example.com",
		     "GET /api/v2/accounts/{id}");
}
END_TEST

START_TEST(test_route_drops_query_and_fragment)
{
	assert_route("GET",
		     "/api/v2/campaigns?limit=100&starting_after=0199abc",
		     "GET /api/v2/campaigns");
	assert_route("GET", "/api/v2/campaigns/analytics?id=0199x#frag",
		     "GET /api/v2/campaigns/analytics");
	assert_route("GET", "/api/v2/emails#12", "GET /api/v2/emails");
}
END_TEST

START_TEST(test_route_keeps_word_segments)
{
	assert_route("POST", "/api/v2/accounts/warmup-analytics",
		     "POST /api/v2/accounts/warmup-analytics");
	assert_route("POST", "/api/v2/leads/list", "POST /api/v2/leads/list");
}
END_TEST

START_TEST(test_route_replaces_every_id_segment)
{
	assert_route("POST", "/api/v2/campaigns/c0ffee1/activate",
		     "POST /api/v2/campaigns/{id}/activate");
	assert_route("DELETE", "/api/v2/a/1/b/2",
		     "DELETE /api/v2/a/{id}/b/{id}");
	assert_route("GET", "/api/v2/x/vx2", "GET /api/v2/x/{id}");
}
END_TEST

START_TEST(test_route_keeps_slashes_as_they_are)
{
	assert_route("GET", "/api/v2/campaigns/", "GET /api/v2/campaigns/");
	assert_route("GET", "/", "GET /");
	assert_route("GET", "", "GET ");
}
END_TEST

START_TEST(test_request_counts_by_route)
{
	unsigned long long before =
	    stat_value("request GET /api/v2/test-things/{id}");

	stats_request("GET", "/api/v2/test-things/id1?limit=1");
	stats_request("GET", "/api/v2/test-things/id2");
	stats_request("GET", "/api/v2/test-things/3");
	ck_assert_uint_eq(stat_value("request GET /api/v2/test-things/{id}"),
			  before + 3);
}
END_TEST

START_TEST(test_request_methods_count_separately)
{
	unsigned long long g = stat_value("request GET /api/v2/test-m");
	unsigned long long p = stat_value("request PATCH /api/v2/test-m");

	stats_request("GET", "/api/v2/test-m");
	stats_request("PATCH", "/api/v2/test-m");
	stats_request("PATCH", "/api/v2/test-m");
	ck_assert_uint_eq(stat_value("request GET /api/v2/test-m"), g + 1);
	ck_assert_uint_eq(stat_value("request PATCH /api/v2/test-m"), p + 2);
}
END_TEST

START_TEST(test_counters_add_up)
{
	unsigned long long hits = stat_value("cache_hits");
	unsigned long long in = stat_value("bytes_in");

	stats_add(STAT_CACHE_HIT, 1);
	stats_add(STAT_CACHE_HIT, 2);
	stats_add(STAT_BYTES_IN, 1000000);
	ck_assert_uint_eq(stat_value("cache_hits"), hits + 3);
	ck_assert_uint_eq(stat_value("bytes_in"), in + 1000000);
}
END_TEST

START_TEST(test_invalid_counter_is_ignored)
{
	char *before = stats_render(NULL), *after;

	stats_add(STAT_NCOUNTERS, 5);
	stats_add((enum stat_counter) - 1, 5);
	after = stats_render(NULL);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
}
END_TEST

START_TEST(test_render_lists_counters_then_sorted_requests)
{
	static const char *const names[] = {
	    "cache_hits",  "cache_misses", "retries",	"http_429",
	    "http_errors", "bytes_in",	   "bytes_out", "rate_waits",
	    "store_hits",  "cache_evictions", "offline_reads",
	    "relist_parallel", "relist_chains", "relist_fallback",
	};
	char *out, *line, *save = NULL, *prev = NULL;
	size_t len, i = 0;

	stats_request("GET", "/api/v2/zz-sort");
	stats_request("GET", "/api/v2/aa-sort");
	out = stats_render(&len);
	ck_assert_uint_eq(len, strlen(out));
	ck_assert_int_eq(out[len - 1], '\n');
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		if (i < sizeof(names) / sizeof(names[0])) {
			ck_assert_int_eq(
			    strncmp(line, names[i], strlen(names[i])), 0);
			ck_assert_int_eq(line[strlen(names[i])], ' ');
			continue;
		}
		ck_assert_int_eq(strncmp(line, "request ", 8), 0);
		if (prev)
			ck_assert_int_lt(strcmp(prev, line), 0);
		prev = line;
	}
	ck_assert_uint_ge(i, sizeof(names) / sizeof(names[0]) + 2);
	free(out);
}
END_TEST

#define STATS_THREADS 8
#define STATS_PER_THREAD 2000

static void *stats_worker(void *arg)
{
	char path[64];
	int i;

	(void)arg;
	for (i = 0; i < STATS_PER_THREAD; i++) {
		snprintf(path, sizeof(path), "/api/v2/test-threads/%d", i);
		stats_request("GET", path);
		stats_add(STAT_RETRY, 1);
	}
	return NULL;
}

START_TEST(test_concurrent_requests_all_counted)
{
	unsigned long long req =
	    stat_value("request GET /api/v2/test-threads/{id}");
	unsigned long long retries = stat_value("retries");
	pthread_t t[STATS_THREADS];
	size_t i;

	for (i = 0; i < STATS_THREADS; i++)
		ck_assert_int_eq(
		    pthread_create(&t[i], NULL, stats_worker, NULL), 0);
	for (i = 0; i < STATS_THREADS; i++)
		pthread_join(t[i], NULL);
	ck_assert_uint_eq(stat_value("request GET /api/v2/test-threads/{id}"),
			  req + STATS_THREADS * STATS_PER_THREAD);
	ck_assert_uint_eq(stat_value("retries"),
			  retries + STATS_THREADS * STATS_PER_THREAD);
}
END_TEST

Suite *stats_suite(void)
{
	Suite *s = suite_create("stats");
	TCase *tr = tcase_create("route");
	TCase *tc = tcase_create("counts");

	tcase_add_test(tr, test_route_replaces_uuid_segment_with_id);
	tcase_add_test(tr, test_route_keeps_version_word_v2);
	tcase_add_test(tr, test_route_replaces_email_segment_with_id);
	tcase_add_test(tr, test_route_drops_query_and_fragment);
	tcase_add_test(tr, test_route_keeps_word_segments);
	tcase_add_test(tr, test_route_replaces_every_id_segment);
	tcase_add_test(tr, test_route_keeps_slashes_as_they_are);
	suite_add_tcase(s, tr);

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_request_counts_by_route);
	tcase_add_test(tc, test_request_methods_count_separately);
	tcase_add_test(tc, test_counters_add_up);
	tcase_add_test(tc, test_invalid_counter_is_ignored);
	tcase_add_test(tc, test_render_lists_counters_then_sorted_requests);
	tcase_add_test(tc, test_concurrent_requests_all_counted);
	suite_add_tcase(s, tc);
	return s;
}
