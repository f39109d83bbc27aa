/*
 * test_cache.c - blobs stay fresh for the TTL; a listing gives every
 * holder of a clashing name the long form, whichever page it came in;
 * versions, change reports, what an operation learns, derived blobs.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
#include "offline.h"
#include "stats.h"
#include "store.h"
#include "suites.h"

static int fills;

static int fill_hello(void *arg, struct blob *out)
{
	(void)arg;
	fills++;
	out->data = strdup("hello\n");
	out->len = 6;
	out->mtime = 42;
	return 0;
}

static int fill_fail(void *arg, struct blob *out)
{
	(void)arg;
	(void)out;
	fills++;
	return -EIO;
}

START_TEST(test_cache_blob_is_fetched_once_while_fresh)
{
	struct blob b;

	cache_init(60);
	fills = 0;
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	ck_assert_str_eq(b.data, "hello\n");
	blob_free(&b);
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	blob_free(&b);
	ck_assert_int_eq(fills, 1);
	cache_drop_all();
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	blob_free(&b);
	ck_assert_int_eq(fills, 2);
	cache_destroy();
}
END_TEST

START_TEST(test_cache_zero_ttl_fetches_every_time)
{
	struct blob b;

	cache_init(0);
	fills = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
		blob_free(&b);
	}
	ck_assert_int_eq(fills, 3);
	cache_destroy();
}
END_TEST

START_TEST(test_cache_failed_fill_is_not_cached)
{
	struct blob b;
	size_t len;
	time_t mtime;
	uint64_t version;

	cache_init(60);
	fills = 0;
	ck_assert_int_eq(cache_blob("k", fill_fail, NULL, &b), -EIO);
	ck_assert_int_eq(cache_blob_peek("k", &len, &mtime, &version), -ENOENT);
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	blob_free(&b);
	ck_assert_int_eq(fills, 2);
	cache_destroy();
}
END_TEST

static char *clash_long(const struct entry *e, int is_label)
{
	char *out;
	const char *shown = is_label ? e->label : e->name;
	/* Strip a previous long form so the test sees one id suffix. */
	size_t n = strcspn(shown, "#");

	if (asprintf(&out, "%.*s#%s", (int)n, shown, e->id) < 0)
		return NULL;
	return out;
}

static void add(struct listing *l, const char *name, const char *id)
{
	struct entry e = { 0 };

	e.name = strdup(name);
	e.id = strdup(id);
	ck_assert_int_eq(listing_add(l, &e, clash_long), 0);
}

/* The reports the cache made, as the watcher saw them. */
static int reported[3];
static uint64_t last_key;

static void watch(enum cache_change what, uint64_t key)
{
	reported[what]++;
	last_key = key;
}

START_TEST(test_cache_versions_are_the_bytes_and_changes_are_reported)
{
	struct blob b;
	size_t len;
	time_t mtime;
	uint64_t v1, v2;

	cache_init(60);
	memset(reported, 0, sizeof(reported));
	cache_watch(watch);
	cache_blob_put("lead:1", "{\"a\": 1}\n", 9, 5);
	ck_assert_int_eq(cache_blob_peek("lead:1", &len, &mtime, &v1), 0);
	ck_assert(v1 == cache_hash("{\"a\": 1}\n", 9));
	ck_assert_int_eq(reported[CACHE_CHANGED], 0);	/* nothing before */
	cache_blob_put("lead:1", "{\"a\": 1}\n", 9, 5);
	ck_assert_int_eq(reported[CACHE_CHANGED], 0);	/* the same bytes */
	cache_blob_put("lead:1", "{\"a\": 2}\n", 9, 5);
	ck_assert_int_eq(reported[CACHE_CHANGED], 1);	/* same size, new bytes */
	ck_assert(last_key == cache_key_hash("lead:1"));
	ck_assert_int_eq(cache_blob_peek("lead:1", &len, &mtime, &v2), 0);
	ck_assert(v2 != v1);
	ck_assert_int_eq(cache_blob("lead:1", fill_hello, NULL, &b), 0);
	ck_assert(b.version == v2);
	blob_free(&b);
	cache_blob_drop("lead:1");
	ck_assert_int_eq(reported[CACHE_DROPPED], 1);
	cache_drop_all();
	ck_assert_int_eq(reported[CACHE_DROPPED_ALL], 1);
	cache_watch(NULL);
	cache_destroy();
}
END_TEST

START_TEST(test_cache_an_operation_learns_what_it_depends_on_and_for_how_long)
{
	struct blob b;

	cache_init(60);
	cache_op_begin(0);
	ck_assert(cache_op_expires() == 60);	/* consulted nothing */
	ck_assert_int_eq(cache_blob("doc", fill_hello, NULL, &b), 0);
	blob_free(&b);
	ck_assert(cache_op_dep() == cache_key_hash("doc"));
	ck_assert(cache_op_fetched());
	ck_assert(cache_op_expires() > 59 && cache_op_expires() <= 60);
	ck_assert(!cache_op_raced());
	cache_blob_put("doc", "other", 5, 0);	/* a change meanwhile */
	ck_assert(cache_op_raced());
	cache_op_end();
	cache_destroy();
}
END_TEST

START_TEST(test_cache_zero_ttl_serves_one_burst_of_a_process_once)
{
	struct blob b;

	cache_init(0);
	fills = 0;
	for (int i = 0; i < 3; i++) {
		cache_op_begin(4242);
		ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
		blob_free(&b);
		cache_op_end();
	}
	ck_assert_int_eq(fills, 1);	/* one process, one burst */
	cache_op_begin(4343);
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	blob_free(&b);
	cache_op_end();
	ck_assert_int_eq(fills, 2);	/* another process */
	cache_destroy();
}
END_TEST

static int derives;

static int upper(void *arg, const struct blob *src, struct blob *out)
{
	(void)arg;
	derives++;
	out->data = strndup(src->data, src->len);
	for (size_t i = 0; out->data && i < src->len; i++)
		if (out->data[i] >= 'a' && out->data[i] <= 'z')
			out->data[i] -= 32;
	out->len = src->len;
	return out->data ? 0 : -ENOMEM;
}

START_TEST(test_cache_a_derived_blob_is_made_once_per_version)
{
	struct blob src = { .data = "abc", .len = 3, .version = 7 }, out;

	cache_init(60);
	derives = 0;
	for (int i = 0; i < 3; i++) {
		ck_assert_int_eq(cache_derived("up", &src, upper, NULL, &out), 0);
		ck_assert_str_eq(out.data, "ABC");
		blob_free(&out);
	}
	ck_assert_int_eq(derives, 1);
	src.data = "abd";
	src.version = 8;
	ck_assert_int_eq(cache_derived("up", &src, upper, NULL, &out), 0);
	ck_assert_str_eq(out.data, "ABD");
	blob_free(&out);
	ck_assert_int_eq(derives, 2);
	cache_destroy();
}
END_TEST

START_TEST(test_cache_listing_clash_renames_every_holder)
{
	struct listing *l;

	cache_init(60);
	l = cache_listing("leads", NULL, NULL, 0);
	add(l, "a", "1");
	add(l, "b", "2");
	add(l, "a", "3");	/* clashes with 1: both long */
	add(l, "a", "4");	/* a later page: long too */
	cache_lock();
	ck_assert_uint_eq(listing_find(l, "a"), 0);
	ck_assert_uint_eq(listing_find(l, "a#1"), 1);
	ck_assert_uint_eq(listing_find(l, "b"), 2);
	ck_assert_uint_eq(listing_find(l, "a#3"), 3);
	ck_assert_uint_eq(listing_find(l, "a#4"), 4);
	ck_assert_uint_eq(listing_find_id(l, "3"), 3);
	cache_unlock();
	listing_put(l);
	cache_destroy();
}
END_TEST

START_TEST(test_cache_listing_survives_drop_while_held)
{
	struct listing *l;

	cache_init(60);
	l = cache_listing("x", NULL, NULL, 0);
	add(l, "a", "1");
	cache_drop_all();
	cache_lock();
	ck_assert_uint_eq(listing_find(l, "a"), 1);
	cache_unlock();
	listing_put(l);
	cache_destroy();
}
END_TEST

static int fill_kb(void *arg, struct blob *out)
{
	(void)arg;
	fills++;
	out->len = 1024;
	out->data = malloc(out->len + 1);
	memset(out->data, 'x', out->len);
	out->data[out->len] = '\0';
	out->mtime = 7;
	return 0;
}

START_TEST(test_cache_holds_at_most_its_bound_and_reads_the_rest_from_disk)
{
	char root[] = "/tmp/instantlyfs-bound-XXXXXX", key[32], cmd[64];
	struct blob b;

	ck_assert_ptr_nonnull(mkdtemp(root));
	ck_assert_int_eq(store_open(root, "ws", &(char *){ NULL }), 0);
	cache_init(60);
	cache_set_mem(64 * 1024);
	fills = 0;
	/* Written to disk as they come: the oldest are let go. */
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "lead/%d", i);
		ck_assert_int_eq(cache_blob(key, fill_kb, NULL, &b), 0);
		blob_free(&b);
		if (i % 20 == 19)
			store_flush();
	}
	ck_assert_int_eq(fills, 200);
	ck_assert_uint_le(cache_mem_held(), 64 * 1024 + 20 * 1200);
	/* Every one is read again without a fetch: from memory or disk. */
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "lead/%d", i);
		ck_assert_int_eq(cache_blob(key, fill_kb, NULL, &b), 0);
		ck_assert_uint_eq(b.len, 1024);
		blob_free(&b);
	}
	ck_assert_int_eq(fills, 200);
	cache_destroy();
	store_close();

	/* Without a store nothing is let go. */
	cache_init(60);
	cache_set_mem(64 * 1024);
	for (int i = 0; i < 200; i++) {
		snprintf(key, sizeof(key), "lead/%d", i);
		ck_assert_int_eq(cache_blob(key, fill_kb, NULL, &b), 0);
		blob_free(&b);
	}
	ck_assert_uint_ge(cache_mem_held(), 200 * 1024);
	cache_destroy();
	cache_set_mem(0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

/* A fetch that finds no API: what api.c does for a connection refused. */
static int fill_unreachable(void *arg, struct blob *out)
{
	(void)arg;
	(void)out;
	fills++;
	offline_failed();
	return -EIO;
}

/* The value on the line "<name> <n>" of the stats. */
static unsigned long long stat_of(const char *name)
{
	char *out = stats_render(NULL), *at;
	size_t n = strlen(name);
	unsigned long long v = 0;

	for (at = out; at && (at = strstr(at, name)); at += n)
		if ((at == out || at[-1] == '\n') && at[n] == ' ') {
			v = strtoull(at + n + 1, NULL, 10);
			break;
		}
	free(out);
	return v;
}

START_TEST(test_cache_an_unreachable_api_serves_the_stale_blob)
{
	unsigned long long before = stat_of("offline_reads");
	struct blob b;

	offline_reset();
	cache_init(0);	/* everything is stale at once */
	fills = 0;
	ck_assert_int_eq(cache_blob("k", fill_hello, NULL, &b), 0);
	blob_free(&b);
	/* Tried, failed for want of the API: the stale copy instead. */
	ck_assert_int_eq(cache_blob("k", fill_unreachable, NULL, &b), 0);
	ck_assert_str_eq(b.data, "hello\n");
	blob_free(&b);
	ck_assert_int_eq(fills, 2);
	/* Within the hold, not even tried. */
	ck_assert_int_eq(cache_blob("k", fill_unreachable, NULL, &b), 0);
	ck_assert_str_eq(b.data, "hello\n");
	blob_free(&b);
	ck_assert_int_eq(fills, 2);
	ck_assert_uint_eq(stat_of("offline_reads"), before + 2);
	/* Nothing held: the error, after a try. */
	ck_assert_int_eq(cache_blob("none", fill_unreachable, NULL, &b), -EIO);
	ck_assert_int_eq(fills, 3);
	/* An answer that is an error (a 5xx) is not offline. */
	offline_reset();
	ck_assert_int_eq(cache_blob("k", fill_fail, NULL, &b), -EIO);
	cache_destroy();
}
END_TEST

static int loads;

/* One whole page of two entries. */
static int load_two(struct listing *l, void *arg)
{
	(void)arg;
	loads++;
	add(l, "a", "1");
	add(l, "b", "2");
	cache_lock();
	l->complete = 1;
	cache_unlock();
	return 0;
}

/* A first page, then no API for the second. */
static int load_cut(struct listing *l, void *arg)
{
	(void)arg;
	loads++;
	add(l, "c", "3");
	offline_failed();
	return -EIO;
}

static int load_fail(struct listing *l, void *arg)
{
	(void)l;
	(void)arg;
	loads++;
	return -EIO;
}

START_TEST(test_cache_an_unreachable_api_serves_the_stale_listing_whole)
{
	struct listing *l;

	offline_reset();
	cache_init(0);
	loads = 0;
	l = cache_listing("L", NULL, NULL, 0);
	ck_assert_int_eq(listing_more(l, (size_t)-1, load_two, NULL), 0);
	listing_put(l);
	/* Stale: listed again, cut short for want of the API. */
	l = cache_listing("L", NULL, NULL, 0);
	ck_assert_int_eq(listing_more(l, (size_t)-1, load_cut, NULL), 0);
	ck_assert_int_eq(loads, 2);
	cache_lock();
	ck_assert(l->complete);
	ck_assert_uint_eq(listing_find(l, "a"), 1);
	ck_assert_uint_eq(listing_find(l, "b"), 2);
	ck_assert_uint_eq(listing_find(l, "c"), 0);
	cache_unlock();
	listing_put(l);
	/* Within the hold: served as it is, not tried. */
	l = cache_listing("L", NULL, NULL, 0);
	ck_assert_int_eq(listing_more(l, (size_t)-1, load_cut, NULL), 0);
	ck_assert_int_eq(loads, 2);
	cache_lock();
	ck_assert_uint_eq(listing_find(l, "b"), 2);
	cache_unlock();
	listing_put(l);
	/* Reachable, but answering an error: the error. */
	offline_reset();
	l = cache_listing("L", NULL, NULL, 0);
	ck_assert_int_eq(listing_more(l, (size_t)-1, load_fail, NULL), -EIO);
	listing_put(l);
	/* A listing never held fails as before. */
	offline_failed();
	l = cache_listing("M", NULL, NULL, 0);
	ck_assert_int_eq(listing_more(l, (size_t)-1, load_cut, NULL), -EIO);
	listing_put(l);
	offline_reset();
	cache_destroy();
}
END_TEST

Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cache_blob_is_fetched_once_while_fresh);
	tcase_add_test(tc, test_cache_zero_ttl_fetches_every_time);
	tcase_add_test(tc, test_cache_failed_fill_is_not_cached);
	tcase_add_test(tc, test_cache_an_unreachable_api_serves_the_stale_blob);
	tcase_add_test(tc,
		       test_cache_an_unreachable_api_serves_the_stale_listing_whole);
	tcase_add_test(tc, test_cache_listing_clash_renames_every_holder);
	tcase_add_test(tc, test_cache_listing_survives_drop_while_held);
	tcase_add_test(tc,
		       test_cache_versions_are_the_bytes_and_changes_are_reported);
	tcase_add_test(
	    tc,
	    test_cache_an_operation_learns_what_it_depends_on_and_for_how_long);
	tcase_add_test(tc, test_cache_zero_ttl_serves_one_burst_of_a_process_once);
	tcase_add_test(tc, test_cache_a_derived_blob_is_made_once_per_version);
	tcase_add_test(
	    tc, test_cache_holds_at_most_its_bound_and_reads_the_rest_from_disk);
	suite_add_tcase(s, tc);
	return s;
}
