/*
 * test_cachecmd.c - the "cache" subcommand's formatting: ages, sizes and
 * listing names for people; and the store folder's lock.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cachecmd.h"
#include "storedir.h"
#include "suites.h"

START_TEST(test_cachecmd_age_reads_in_the_two_largest_units)
{
	char b[32];

	cachecmd_age(0, b, sizeof(b));
	ck_assert_str_eq(b, "0s");
	cachecmd_age(-5, b, sizeof(b));
	ck_assert_str_eq(b, "0s");
	cachecmd_age(59.9, b, sizeof(b));
	ck_assert_str_eq(b, "59s");
	cachecmd_age(185, b, sizeof(b));
	ck_assert_str_eq(b, "3m 5s");
	cachecmd_age(2 * 3600 + 10 * 60 + 7, b, sizeof(b));
	ck_assert_str_eq(b, "2h 10m");
	cachecmd_age(4 * 86400 + 3 * 3600, b, sizeof(b));
	ck_assert_str_eq(b, "4d 3h");
}
END_TEST

START_TEST(test_cachecmd_size_in_units_of_1024)
{
	char b[32];

	cachecmd_size(0, b, sizeof(b));
	ck_assert_str_eq(b, "0 B");
	cachecmd_size(1023, b, sizeof(b));
	ck_assert_str_eq(b, "1023 B");
	cachecmd_size(1536, b, sizeof(b));
	ck_assert_str_eq(b, "1.5 KB");
	cachecmd_size(4.0 * (1 << 20), b, sizeof(b));
	ck_assert_str_eq(b, "4.0 MB");
}
END_TEST

START_TEST(test_cachecmd_listing_name_splits_method_path_and_parent)
{
	char b[128];

	cachecmd_listing_name("POST/api/v2/leads/list\x1f"
			      "campaign\x1f"
			      "c-1",
			      b, sizeof(b));
	ck_assert_str_eq(b, "POST /api/v2/leads/list campaign=c-1");
	cachecmd_listing_name("GET/api/v2/campaigns\x1f\x1f", b, sizeof(b));
	ck_assert_str_eq(b, "GET /api/v2/campaigns");
	cachecmd_listing_name("GET/x\x1f\x1f\n", b, sizeof(b));
	ck_assert_str_eq(b, "GET /x?");
	cachecmd_listing_name("POST/api/v2/leads/list\x1f"
			      "campaign\x1f"
			      "c-1",
			      b, 8);
	ck_assert_str_eq(b, "POST /a");
}
END_TEST

START_TEST(test_storedir_a_shared_lock_refuses_the_exclusive_one)
{
	char dir[] = "/tmp/instantlyfs-storedir-XXXXXX", cmd[128];
	int shared, dirfd, ex;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	ck_assert_int_ge(dirfd, 0);
	ck_assert_int_eq(storedir_in_use(dirfd), 0);
	shared = storedir_lock_shared(dir);
	ck_assert_int_ge(shared, 0);
	ck_assert_int_eq(storedir_in_use(dirfd), 1);
	ck_assert_int_eq(storedir_lock_exclusive(dirfd), -EWOULDBLOCK);
	close(shared);
	ex = storedir_lock_exclusive(dirfd);
	ck_assert_int_ge(ex, 0);
	ck_assert_int_eq(storedir_in_use(dirfd), 1);
	/* A clear removes the lock while holding it. */
	ck_assert_int_eq(unlinkat(dirfd, STOREDIR_LOCK, 0), 0);
	close(ex);
	close(dirfd);
	ck_assert_int_eq(storedir_valid_name("ws-1"), 1);
	ck_assert_int_eq(storedir_valid_name(".."), 0);
	ck_assert_int_eq(storedir_valid_name("a/b"), 0);
	ck_assert_int_eq(storedir_valid_name(""), 0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

Suite *cachecmd_suite(void)
{
	Suite *s = suite_create("cachecmd");
	TCase *tc = tcase_create("cachecmd");

	tcase_add_test(tc, test_cachecmd_age_reads_in_the_two_largest_units);
	tcase_add_test(tc, test_cachecmd_size_in_units_of_1024);
	tcase_add_test(
	    tc, test_cachecmd_listing_name_splits_method_path_and_parent);
	tcase_add_test(tc,
		       test_storedir_a_shared_lock_refuses_the_exclusive_one);
	suite_add_tcase(s, tc);
	return s;
}
