/*
 * test_rate.c - sliding windows: never more than `limit` in any span.
 */
#include <check.h>

#include "rate.h"
#include "suites.h"

START_TEST(test_rate_window_lets_limit_requests_through_at_once)
{
	struct rate_window w;

	ck_assert_int_eq(rate_window_init(&w, 3, 1.0), 0);
	for (int i = 0; i < 3; i++) {
		ck_assert(rate_window_delay(&w, 10.0) == 0);
		rate_window_add(&w, 10.0);
	}
	ck_assert(rate_window_delay(&w, 10.0) == 1.0);
	ck_assert(rate_window_delay(&w, 10.5) == 0.5);
	ck_assert(rate_window_delay(&w, 11.0) == 0);
	rate_window_free(&w);
}
END_TEST

START_TEST(test_rate_window_slides_with_the_oldest_request)
{
	struct rate_window w;

	ck_assert_int_eq(rate_window_init(&w, 2, 60.0), 0);
	rate_window_add(&w, 0.0);
	rate_window_add(&w, 30.0);
	ck_assert(rate_window_delay(&w, 40.0) == 20.0);
	rate_window_add(&w, 60.0);	/* the one at 0 leaves */
	ck_assert(rate_window_delay(&w, 60.0) == 30.0);
	rate_window_free(&w);
}
END_TEST

START_TEST(test_rate_window_of_zero_never_waits)
{
	struct rate_window w;

	ck_assert_int_eq(rate_window_init(&w, 0, 1.0), 0);
	for (int i = 0; i < 1000; i++)
		rate_window_add(&w, 1.0);
	ck_assert(rate_window_delay(&w, 1.0) == 0);
	rate_window_free(&w);
}
END_TEST

START_TEST(test_rate_only_the_email_list_is_limited_apart)
{
	ck_assert(rate_is_email_list("GET", "/api/v2/emails"));
	ck_assert(rate_is_email_list("GET", "/api/v2/emails?limit=100"));
	ck_assert(!rate_is_email_list("GET", "/api/v2/emails/abc"));
	ck_assert(!rate_is_email_list("GET", "/api/v2/emails/unread/count"));
	ck_assert(!rate_is_email_list("POST", "/api/v2/emails/reply"));
}
END_TEST

Suite *rate_suite(void)
{
	Suite *s = suite_create("rate");
	TCase *tc = tcase_create("window");

	tcase_add_test(tc, test_rate_window_lets_limit_requests_through_at_once);
	tcase_add_test(tc, test_rate_window_slides_with_the_oldest_request);
	tcase_add_test(tc, test_rate_window_of_zero_never_waits);
	tcase_add_test(tc, test_rate_only_the_email_list_is_limited_apart);
	suite_add_tcase(s, tc);
	return s;
}
