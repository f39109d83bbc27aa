/*
 * test_hmap.c - the string hash map: put/get/del, growth, iteration.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hmap.h"
#include "suites.h"

#define V(n) ((void *)(uintptr_t)(n))

static struct hmap *m;

static void setup(void)
{
	m = hmap_new();
	ck_assert_ptr_nonnull(m);
}

static void teardown(void)
{
	hmap_free(m, NULL);
	m = NULL;
}

static void key_of(char *out, size_t size, size_t i)
{
	snprintf(out, size, "key-%zu", i);
}

START_TEST(test_hmap_new_map_is_empty)
{
	size_t pos = 0;

	ck_assert_uint_eq(hmap_count(m), 0);
	ck_assert_ptr_null(hmap_get(m, "x"));
	ck_assert_int_eq(hmap_next(m, &pos, NULL, NULL), 0);
}
END_TEST

START_TEST(test_hmap_put_then_get)
{
	ck_assert_int_eq(hmap_put(m, "alpha", V(1), NULL), 0);
	ck_assert_int_eq(hmap_put(m, "beta", V(2), NULL), 0);
	ck_assert_ptr_eq(hmap_get(m, "alpha"), V(1));
	ck_assert_ptr_eq(hmap_get(m, "beta"), V(2));
	ck_assert_ptr_null(hmap_get(m, "gamma"));
	ck_assert_uint_eq(hmap_count(m), 2);
}
END_TEST

START_TEST(test_hmap_keys_are_copied)
{
	char key[16] = "mutable";

	ck_assert_int_eq(hmap_put(m, key, V(5), NULL), 0);
	strcpy(key, "changed");
	ck_assert_ptr_eq(hmap_get(m, "mutable"), V(5));
	ck_assert_ptr_null(hmap_get(m, "changed"));
}
END_TEST

START_TEST(test_hmap_put_existing_replaces_and_returns_old)
{
	void *old = V(99);

	ck_assert_int_eq(hmap_put(m, "k", V(1), &old), 0);
	ck_assert_ptr_null(old);
	ck_assert_int_eq(hmap_put(m, "k", V(2), &old), 0);
	ck_assert_ptr_eq(old, V(1));
	ck_assert_ptr_eq(hmap_get(m, "k"), V(2));
	ck_assert_uint_eq(hmap_count(m), 1);
}
END_TEST

START_TEST(test_hmap_del_returns_value_and_removes)
{
	hmap_put(m, "a", V(1), NULL);
	hmap_put(m, "b", V(2), NULL);
	ck_assert_ptr_eq(hmap_del(m, "a"), V(1));
	ck_assert_ptr_null(hmap_get(m, "a"));
	ck_assert_ptr_eq(hmap_get(m, "b"), V(2));
	ck_assert_uint_eq(hmap_count(m), 1);
	ck_assert_ptr_null(hmap_del(m, "a"));
	ck_assert_ptr_null(hmap_del(m, "never"));
	ck_assert_uint_eq(hmap_count(m), 1);
}
END_TEST

START_TEST(test_hmap_reinsert_after_delete)
{
	hmap_put(m, "a", V(1), NULL);
	hmap_del(m, "a");
	ck_assert_int_eq(hmap_put(m, "a", V(3), NULL), 0);
	ck_assert_ptr_eq(hmap_get(m, "a"), V(3));
	ck_assert_uint_eq(hmap_count(m), 1);
}
END_TEST

START_TEST(test_hmap_empty_string_is_a_key)
{
	ck_assert_int_eq(hmap_put(m, "", V(7), NULL), 0);
	ck_assert_ptr_eq(hmap_get(m, ""), V(7));
	ck_assert_ptr_eq(hmap_del(m, ""), V(7));
}
END_TEST

START_TEST(test_hmap_null_key_is_rejected)
{
	ck_assert_int_eq(hmap_put(m, NULL, V(1), NULL), -EINVAL);
	ck_assert_ptr_null(hmap_get(m, NULL));
	ck_assert_ptr_null(hmap_del(m, NULL));
	ck_assert_uint_eq(hmap_count(m), 0);
}
END_TEST

START_TEST(test_hmap_grows_and_keeps_every_entry)
{
	char key[32];
	size_t i;

	for (i = 0; i < 20000; i++) {
		key_of(key, sizeof(key), i);
		ck_assert_int_eq(hmap_put(m, key, V(i + 1), NULL), 0);
	}
	ck_assert_uint_eq(hmap_count(m), 20000);
	for (i = 0; i < 20000; i++) {
		key_of(key, sizeof(key), i);
		ck_assert_ptr_eq(hmap_get(m, key), V(i + 1));
	}
}
END_TEST

START_TEST(test_hmap_delete_half_keeps_the_rest)
{
	char key[32];
	size_t i;

	for (i = 0; i < 5000; i++) {
		key_of(key, sizeof(key), i);
		hmap_put(m, key, V(i + 1), NULL);
	}
	for (i = 0; i < 5000; i += 2) {
		key_of(key, sizeof(key), i);
		ck_assert_ptr_eq(hmap_del(m, key), V(i + 1));
	}
	ck_assert_uint_eq(hmap_count(m), 2500);
	for (i = 0; i < 5000; i++) {
		key_of(key, sizeof(key), i);
		if (i % 2)
			ck_assert_ptr_eq(hmap_get(m, key), V(i + 1));
		else
			ck_assert_ptr_null(hmap_get(m, key));
	}
}
END_TEST

START_TEST(test_hmap_insert_delete_churn_stays_correct)
{
	char key[32];
	size_t i;

	/* Many tombstones, few live entries: lookups must still end. */
	for (i = 0; i < 100000; i++) {
		key_of(key, sizeof(key), i);
		ck_assert_int_eq(hmap_put(m, key, V(i + 1), NULL), 0);
		if (i >= 3) {
			key_of(key, sizeof(key), i - 3);
			ck_assert_ptr_eq(hmap_del(m, key), V(i - 2));
		}
	}
	ck_assert_uint_eq(hmap_count(m), 3);
	ck_assert_ptr_eq(hmap_get(m, "key-99999"), V(100000));
	ck_assert_ptr_null(hmap_get(m, "key-5"));
}
END_TEST

START_TEST(test_hmap_iteration_visits_each_entry_once)
{
	static unsigned char seen[1000];
	size_t pos = 0, n = 0, i;
	const char *key;
	void *val;
	char want[32];

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 1000; i++) {
		key_of(want, sizeof(want), i);
		hmap_put(m, want, V(i), NULL);
	}
	while (hmap_next(m, &pos, &key, &val)) {
		i = (size_t)(uintptr_t)val;
		ck_assert_uint_lt(i, 1000);
		key_of(want, sizeof(want), i);
		ck_assert_str_eq(key, want);
		ck_assert_int_eq(seen[i], 0);
		seen[i] = 1;
		n++;
	}
	ck_assert_uint_eq(n, 1000);
	ck_assert_int_eq(hmap_next(m, &pos, &key, &val), 0);
}
END_TEST

START_TEST(test_hmap_deleting_current_entry_while_iterating_is_safe)
{
	size_t pos = 0, visited = 0, i;
	const char *key;
	void *val;
	char k[32];

	for (i = 0; i < 500; i++) {
		key_of(k, sizeof(k), i);
		hmap_put(m, k, V(i), NULL);
	}
	while (hmap_next(m, &pos, &key, &val)) {
		visited++;
		if ((uintptr_t)val % 3 == 0) {
			strcpy(k, key);
			ck_assert_ptr_eq(hmap_del(m, k), val);
		}
	}
	ck_assert_uint_eq(visited, 500);
	ck_assert_uint_eq(hmap_count(m), 500 - 167);
}
END_TEST

static size_t freed;

static void count_free(void *v)
{
	freed++;
	free(v);
}

START_TEST(test_hmap_free_calls_free_val_on_every_value)
{
	struct hmap *own = hmap_new();
	char key[32];
	size_t i;

	freed = 0;
	for (i = 0; i < 100; i++) {
		key_of(key, sizeof(key), i);
		hmap_put(own, key, malloc(8), NULL);
	}
	free(hmap_del(own, "key-0"));
	hmap_free(own, count_free);
	ck_assert_uint_eq(freed, 99);
	hmap_free(NULL, count_free);
}
END_TEST

START_TEST(test_hmap_similar_keys_stay_distinct)
{
	ck_assert_int_eq(hmap_put(m, "ab", V(1), NULL), 0);
	ck_assert_int_eq(hmap_put(m, "ba", V(2), NULL), 0);
	ck_assert_int_eq(hmap_put(m, "a", V(3), NULL), 0);
	ck_assert_int_eq(hmap_put(m, "abc", V(4), NULL), 0);
	ck_assert_ptr_eq(hmap_get(m, "ab"), V(1));
	ck_assert_ptr_eq(hmap_get(m, "ba"), V(2));
	ck_assert_ptr_eq(hmap_get(m, "a"), V(3));
	ck_assert_ptr_eq(hmap_get(m, "abc"), V(4));
}
END_TEST

Suite *hmap_suite(void)
{
	Suite *s = suite_create("hmap");
	TCase *tc = tcase_create("hmap");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_hmap_new_map_is_empty);
	tcase_add_test(tc, test_hmap_put_then_get);
	tcase_add_test(tc, test_hmap_keys_are_copied);
	tcase_add_test(tc, test_hmap_put_existing_replaces_and_returns_old);
	tcase_add_test(tc, test_hmap_del_returns_value_and_removes);
	tcase_add_test(tc, test_hmap_reinsert_after_delete);
	tcase_add_test(tc, test_hmap_empty_string_is_a_key);
	tcase_add_test(tc, test_hmap_null_key_is_rejected);
	tcase_add_test(tc, test_hmap_grows_and_keeps_every_entry);
	tcase_add_test(tc, test_hmap_delete_half_keeps_the_rest);
	tcase_add_test(tc, test_hmap_insert_delete_churn_stays_correct);
	tcase_add_test(tc, test_hmap_iteration_visits_each_entry_once);
	tcase_add_test(
	    tc, test_hmap_deleting_current_entry_while_iterating_is_safe);
	tcase_add_test(tc, test_hmap_free_calls_free_val_on_every_value);
	tcase_add_test(tc, test_hmap_similar_keys_stay_distinct);
	suite_add_tcase(s, tc);
	return s;
}
