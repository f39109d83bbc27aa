/*
 * test_cache.c - blobs stay fresh for the TTL; a listing gives every
 * holder of a clashing name the long form, whichever page it came in.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cache.h"
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

	cache_init(60);
	fills = 0;
	ck_assert_int_eq(cache_blob("k", fill_fail, NULL, &b), -EIO);
	ck_assert_int_eq(cache_blob_peek("k", &len, &mtime), -ENOENT);
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
	e.blob = strdup(id);
	ck_assert_int_eq(listing_add(l, &e, clash_long), 0);
}

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

Suite *cache_suite(void)
{
	Suite *s = suite_create("cache");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_cache_blob_is_fetched_once_while_fresh);
	tcase_add_test(tc, test_cache_zero_ttl_fetches_every_time);
	tcase_add_test(tc, test_cache_failed_fill_is_not_cached);
	tcase_add_test(tc, test_cache_listing_clash_renames_every_holder);
	tcase_add_test(tc, test_cache_listing_survives_drop_while_held);
	suite_add_tcase(s, tc);
	return s;
}
