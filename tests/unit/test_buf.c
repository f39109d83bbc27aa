/*
 * test_buf.c - the bounded buffer: growth, the limit, steal and free.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "suites.h"

START_TEST(test_buf_init_is_empty)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.max, 100);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_keeps_data_nul_terminated)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	ck_assert_int_eq(buf_append(&b, "defXYZ", 3), 0);
	ck_assert_uint_eq(b.len, 6);
	ck_assert_str_eq(b.data, "abcdef");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_binary_data_with_nul_bytes)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_append(&b, "a\0b", 3), 0);
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(memcmp(b.data, "a\0b", 4), 0);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_grows_across_many_appends)
{
	struct buf b;
	size_t i;

	buf_init(&b, 1 << 20);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(buf_append(&b, "0123456789", 10), 0);
	ck_assert_uint_eq(b.len, 100000);
	for (i = 0; i < 10000; i++)
		ck_assert_int_eq(memcmp(b.data + i * 10, "0123456789", 10), 0);
	ck_assert_int_eq(b.data[b.len], '\0');
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_up_to_max_succeeds)
{
	struct buf b;

	buf_init(&b, 5);
	ck_assert_int_eq(buf_append(&b, "abc", 3), 0);
	ck_assert_int_eq(buf_append(&b, "de", 2), 0);
	ck_assert_str_eq(b.data, "abcde");
	ck_assert_uint_le(b.cap, 6);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_append_past_max_is_efbig_and_leaves_buffer_unchanged)
{
	struct buf b;

	buf_init(&b, 5);
	ck_assert_int_eq(buf_append(&b, "abcd", 4), 0);
	ck_assert_int_eq(buf_append(&b, "ef", 2), -EFBIG);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_str_eq(b.data, "abcd");
	ck_assert_int_eq(buf_append(&b, "e", 1), 0);
	ck_assert_int_eq(buf_append(&b, "f", 1), -EFBIG);
	ck_assert_str_eq(b.data, "abcde");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_max_zero_takes_only_empty_appends)
{
	struct buf b;
	char *s;
	size_t len = 99;

	buf_init(&b, 0);
	ck_assert_int_eq(buf_append(&b, "", 0), 0);
	ck_assert_int_eq(buf_append(&b, "x", 1), -EFBIG);
	ck_assert_int_eq(buf_puts(&b, "x"), -EFBIG);
	s = buf_steal(&b, &len);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
}
END_TEST

START_TEST(test_buf_puts_appends_string)
{
	struct buf b;

	buf_init(&b, 100);
	ck_assert_int_eq(buf_puts(&b, "hello"), 0);
	ck_assert_int_eq(buf_puts(&b, ", world"), 0);
	ck_assert_int_eq(buf_puts(&b, ""), 0);
	ck_assert_str_eq(b.data, "hello, world");
	ck_assert_uint_eq(b.len, 12);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_formats_and_appends)
{
	struct buf b;

	buf_init(&b, 1000);
	ck_assert_int_eq(buf_puts(&b, "n="), 0);
	ck_assert_int_eq(buf_printf(&b, "%d %s %llu", 42, "x", 7ULL), 0);
	ck_assert_str_eq(b.data, "n=42 x 7");
	ck_assert_uint_eq(b.len, 8);
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_longer_than_first_chunk)
{
	struct buf b;
	char big[1000];

	memset(big, 'q', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	buf_init(&b, 10000);
	ck_assert_int_eq(buf_printf(&b, "[%s]", big), 0);
	ck_assert_uint_eq(b.len, 1001);
	ck_assert_int_eq(b.data[0], '[');
	ck_assert_int_eq(b.data[1000], ']');
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_printf_past_max_is_efbig_and_leaves_buffer_unchanged)
{
	struct buf b;

	buf_init(&b, 6);
	ck_assert_int_eq(buf_puts(&b, "abc"), 0);
	ck_assert_int_eq(buf_printf(&b, "%d", 1234), -EFBIG);
	ck_assert_str_eq(b.data, "abc");
	ck_assert_uint_eq(b.len, 3);
	ck_assert_int_eq(buf_printf(&b, "%d", 123), 0);
	ck_assert_str_eq(b.data, "abc123");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_steal_empty_buffer_gives_empty_string)
{
	struct buf b;
	size_t len = 99;
	char *s;

	buf_init(&b, 10);
	s = buf_steal(&b, &len);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(len, 0);
	free(s);
}
END_TEST

START_TEST(test_buf_steal_hands_over_data_and_resets)
{
	struct buf b;
	size_t len = 0;
	char *s;

	buf_init(&b, 10);
	buf_puts(&b, "data");
	s = buf_steal(&b, &len);
	ck_assert_str_eq(s, "data");
	ck_assert_uint_eq(len, 4);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	ck_assert_uint_eq(b.max, 10);
	/* The buffer is usable again with the same limit. */
	ck_assert_int_eq(buf_puts(&b, "0123456789"), 0);
	ck_assert_int_eq(buf_puts(&b, "x"), -EFBIG);
	free(s);
	s = buf_steal(&b, NULL);
	ck_assert_str_eq(s, "0123456789");
	free(s);
}
END_TEST

START_TEST(test_buf_free_resets_and_may_repeat)
{
	struct buf b;

	buf_init(&b, 10);
	buf_puts(&b, "abc");
	buf_free(&b);
	ck_assert_ptr_null(b.data);
	ck_assert_uint_eq(b.len, 0);
	buf_free(&b);
	ck_assert_int_eq(buf_puts(&b, "z"), 0);
	ck_assert_str_eq(b.data, "z");
	buf_free(&b);
}
END_TEST

START_TEST(test_buf_capacity_never_exceeds_limit_plus_nul)
{
	struct buf b;
	size_t i;

	buf_init(&b, 100);
	for (i = 0; i < 100; i++) {
		ck_assert_int_eq(buf_append(&b, "x", 1), 0);
		ck_assert_uint_le(b.cap, 101);
	}
	ck_assert_int_eq(buf_append(&b, "x", 1), -EFBIG);
	buf_free(&b);
}
END_TEST

Suite *buf_suite(void)
{
	Suite *s = suite_create("buf");
	TCase *tc = tcase_create("buf");

	tcase_add_test(tc, test_buf_init_is_empty);
	tcase_add_test(tc, test_buf_append_keeps_data_nul_terminated);
	tcase_add_test(tc, test_buf_append_binary_data_with_nul_bytes);
	tcase_add_test(tc, test_buf_grows_across_many_appends);
	tcase_add_test(tc, test_buf_append_up_to_max_succeeds);
	tcase_add_test(
	    tc, test_buf_append_past_max_is_efbig_and_leaves_buffer_unchanged);
	tcase_add_test(tc, test_buf_max_zero_takes_only_empty_appends);
	tcase_add_test(tc, test_buf_puts_appends_string);
	tcase_add_test(tc, test_buf_printf_formats_and_appends);
	tcase_add_test(tc, test_buf_printf_longer_than_first_chunk);
	tcase_add_test(
	    tc, test_buf_printf_past_max_is_efbig_and_leaves_buffer_unchanged);
	tcase_add_test(tc, test_buf_steal_empty_buffer_gives_empty_string);
	tcase_add_test(tc, test_buf_steal_hands_over_data_and_resets);
	tcase_add_test(tc, test_buf_free_resets_and_may_repeat);
	tcase_add_test(tc, test_buf_capacity_never_exceeds_limit_plus_nul);
	suite_add_tcase(s, tc);
	return s;
}
