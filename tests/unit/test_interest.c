/*
 * test_interest.c - the built-in interest statuses and their names.
 */
#include <check.h>

#include "interest.h"
#include "suites.h"

START_TEST(test_every_builtin_name_maps_back_to_its_status)
{
	static const char *const values[] = { "1", "2", "3", "4", "0",
					      "-1", "-2", "-3", "-4" };
	const char *v;

	for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		const char *name = interest_name(values[i]);

		ck_assert_ptr_nonnull(name);
		ck_assert(interest_builtin(name, &v));
		ck_assert_str_eq(v, values[i]);
	}
	ck_assert_str_eq(interest_name("2"), "Meeting Booked");
	ck_assert_str_eq(interest_name("-4"), "No Show");
}
END_TEST

START_TEST(test_no_status_is_lead)
{
	const char *v = "x";

	ck_assert_str_eq(interest_name(NULL), "Lead");
	ck_assert(interest_builtin("Lead", &v));
	ck_assert_ptr_null(v);
}
END_TEST

START_TEST(test_nth_gives_lead_then_the_nine_statuses)
{
	const char *v;
	size_t n = 0;

	ck_assert_str_eq(interest_nth(0), "Lead");
	while (interest_nth(n)) {
		ck_assert(interest_builtin(interest_nth(n), &v));
		n++;
	}
	ck_assert_uint_eq(n, 10);
}
END_TEST

START_TEST(test_custom_and_unknown_values_have_no_builtin_name)
{
	const char *v;

	ck_assert_ptr_null(interest_name("5"));
	ck_assert_ptr_null(interest_name("-17"));
	ck_assert(!interest_builtin("Hot Lead", &v));
	ck_assert(!interest_builtin("interested", &v));	/* case counts */
	ck_assert(!interest_builtin("", &v));
}
END_TEST

START_TEST(test_numbers_are_taken_only_as_a_listing_writes_them)
{
	ck_assert(interest_is_number("5"));
	ck_assert(interest_is_number("-12"));
	ck_assert(interest_is_number("0"));
	ck_assert(!interest_is_number("05"));
	ck_assert(!interest_is_number("+5"));
	ck_assert(!interest_is_number("5.0"));
	ck_assert(!interest_is_number(""));
	ck_assert(!interest_is_number(NULL));
	ck_assert(!interest_is_number("Won"));
	ck_assert(!interest_is_number("99999999999999999999999"));
}
END_TEST

START_TEST(test_same_treats_null_as_no_status)
{
	ck_assert(interest_same(NULL, NULL));
	ck_assert(interest_same("1", "1"));
	ck_assert(!interest_same("1", NULL));
	ck_assert(!interest_same(NULL, "0"));
	ck_assert(!interest_same("1", "-1"));
}
END_TEST

Suite *interest_suite(void)
{
	Suite *s = suite_create("interest");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_every_builtin_name_maps_back_to_its_status);
	tcase_add_test(tc, test_no_status_is_lead);
	tcase_add_test(tc, test_nth_gives_lead_then_the_nine_statuses);
	tcase_add_test(tc, test_custom_and_unknown_values_have_no_builtin_name);
	tcase_add_test(tc, test_numbers_are_taken_only_as_a_listing_writes_them);
	tcase_add_test(tc, test_same_treats_null_as_no_status);
	suite_add_tcase(s, tc);
	return s;
}
