/*
 * test_retry.c - the class of each request the mount sends, and which
 * endings of an attempt allow another one or leave the outcome unsure.
 */
#include "retry.h"
#include "suites.h"

START_TEST(test_reads)
{
	ck_assert_int_eq(retry_class("GET", "/api/v2/campaigns?limit=100"),
			 RETRY_READ);
	ck_assert_int_eq(retry_class("POST", "/api/v2/leads/list"),
			 RETRY_READ);
	ck_assert_int_eq(retry_class("POST",
				     "/api/v2/accounts/warmup-analytics"),
			 RETRY_READ);
}
END_TEST

START_TEST(test_idempotent_writes)
{
	ck_assert_int_eq(retry_class("PATCH", "/api/v2/leads/x"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("DELETE", "/api/v2/block-lists-entries/y"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("POST", "/api/v2/campaigns/abc/activate"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("POST", "/api/v2/campaigns/abc/pause"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("POST",
				     "/api/v2/accounts/a%40b.example/resume"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("POST",
				     "/api/v2/emails/threads/t1/mark-as-read"),
			 RETRY_IDEMPOTENT);
	ck_assert_int_eq(retry_class("POST",
				     "/api/v2/custom-tags/toggle-resource"),
			 RETRY_IDEMPOTENT);
}
END_TEST

START_TEST(test_creates_and_sends_are_once)
{
	static const char *const once[] = {
		"/api/v2/leads", "/api/v2/campaigns", "/api/v2/leads/add",
		"/api/v2/leads/move", "/api/v2/emails/reply",
		"/api/v2/emails/forward", "/api/v2/email-verification",
		"/api/v2/accounts/warmup/enable", "/api/v2/custom-tags",
	};

	for (unsigned i = 0; i < sizeof(once) / sizeof(once[0]); i++)
		ck_assert_int_eq(retry_class("POST", once[i]), RETRY_ONCE);
}
END_TEST

START_TEST(test_patterns_match_whole_segments)
{
	/* '*' is one segment, not several, not none; the query is ignored. */
	ck_assert_int_eq(retry_class("POST", "/api/v2/campaigns//activate"),
			 RETRY_ONCE);
	ck_assert_int_eq(retry_class("POST",
				     "/api/v2/campaigns/a/b/activate"),
			 RETRY_ONCE);
	ck_assert_int_eq(retry_class("POST", "/api/v2/campaigns/a/activatex"),
			 RETRY_ONCE);
	ck_assert_int_eq(retry_class("POST", "/api/v2/leads/list?x=1"),
			 RETRY_READ);
	ck_assert_int_eq(retry_class("POST", "/api/v2/leads/listx"),
			 RETRY_ONCE);
}
END_TEST

START_TEST(test_a_429_is_retried_for_every_class)
{
	ck_assert(retry_again(RETRY_READ, RETRY_ANSWERED, 429));
	ck_assert(retry_again(RETRY_IDEMPOTENT, RETRY_ANSWERED, 429));
	ck_assert(retry_again(RETRY_ONCE, RETRY_ANSWERED, 429));
	ck_assert(!retry_unsure(RETRY_ONCE, RETRY_ANSWERED, 429));
}
END_TEST

START_TEST(test_a_5xx_or_lost_connection_is_unsure_for_once)
{
	ck_assert(retry_again(RETRY_READ, RETRY_ANSWERED, 503));
	ck_assert(retry_again(RETRY_IDEMPOTENT, RETRY_LOST, 0));
	ck_assert(!retry_again(RETRY_ONCE, RETRY_ANSWERED, 502));
	ck_assert(!retry_again(RETRY_ONCE, RETRY_LOST, 0));
	ck_assert(retry_unsure(RETRY_ONCE, RETRY_ANSWERED, 500));
	ck_assert(retry_unsure(RETRY_ONCE, RETRY_LOST, 0));
	ck_assert(!retry_unsure(RETRY_IDEMPOTENT, RETRY_ANSWERED, 500));
}
END_TEST

START_TEST(test_refusals_and_hopeless_failures_are_final)
{
	ck_assert(!retry_again(RETRY_READ, RETRY_ANSWERED, 400));
	ck_assert(!retry_again(RETRY_READ, RETRY_ANSWERED, 404));
	ck_assert(!retry_again(RETRY_IDEMPOTENT, RETRY_ANSWERED, 401));
	ck_assert(!retry_again(RETRY_READ, RETRY_HOPELESS, 0));
	ck_assert(!retry_unsure(RETRY_ONCE, RETRY_ANSWERED, 400));
	ck_assert(!retry_unsure(RETRY_ONCE, RETRY_NEVER_SENT, 0));
	/* Nothing reached the server: any request may go again. */
	ck_assert(retry_again(RETRY_ONCE, RETRY_NEVER_SENT, 0));
}
END_TEST

Suite *retry_suite(void)
{
	Suite *s = suite_create("retry");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_reads);
	tcase_add_test(tc, test_idempotent_writes);
	tcase_add_test(tc, test_creates_and_sends_are_once);
	tcase_add_test(tc, test_patterns_match_whole_segments);
	tcase_add_test(tc, test_a_429_is_retried_for_every_class);
	tcase_add_test(tc, test_a_5xx_or_lost_connection_is_unsure_for_once);
	tcase_add_test(tc, test_refusals_and_hopeless_failures_are_final);
	suite_add_tcase(s, tc);
	return s;
}
