/*
 * test_offline.c - which transport failures mean the API cannot be
 * reached, and the state they make: down until an answer comes, held
 * for OFFLINE_HOLD_S after each failure.
 */
#include <curl/curl.h>
#include <time.h>

#include "offline.h"
#include "suites.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

START_TEST(test_no_dns_no_connection_and_timeouts_are_unreachable)
{
	ck_assert(offline_unreachable(CURLE_COULDNT_RESOLVE_HOST));
	ck_assert(offline_unreachable(CURLE_COULDNT_RESOLVE_PROXY));
	ck_assert(offline_unreachable(CURLE_COULDNT_CONNECT));
	ck_assert(offline_unreachable(CURLE_OPERATION_TIMEDOUT));
	ck_assert(offline_unreachable(CURLE_SSL_CONNECT_ERROR));
	ck_assert(offline_unreachable(CURLE_SEND_ERROR));
	ck_assert(offline_unreachable(CURLE_RECV_ERROR));
	ck_assert(offline_unreachable(CURLE_GOT_NOTHING));
}
END_TEST

START_TEST(test_an_answer_cut_short_or_refused_is_not_unreachable)
{
	/* Something answered, or another attempt would not help. */
	ck_assert(!offline_unreachable(CURLE_OK));
	ck_assert(!offline_unreachable(CURLE_PARTIAL_FILE));
	ck_assert(!offline_unreachable(CURLE_PEER_FAILED_VERIFICATION));
	ck_assert(!offline_unreachable(CURLE_FILESIZE_EXCEEDED));
	ck_assert(!offline_unreachable(CURLE_WRITE_ERROR));
	ck_assert(!offline_unreachable(CURLE_ABORTED_BY_CALLBACK));
	ck_assert(!offline_unreachable(CURLE_URL_MALFORMAT));
}
END_TEST

START_TEST(test_down_until_an_answer_and_held_for_a_while)
{
	double t;

	offline_reset();
	ck_assert(!offline_now());
	ck_assert(!offline_holding());
	offline_failed();
	t = now_s();
	ck_assert(offline_now());
	ck_assert(offline_holding_at(t));
	ck_assert(offline_holding_at(t + OFFLINE_HOLD_S - 0.5));
	/* After the hold, reads try the API again, still down. */
	ck_assert(!offline_holding_at(t + OFFLINE_HOLD_S + 0.5));
	ck_assert(offline_now());
	/* Any answer, a 5xx included, says it is back. */
	offline_answered();
	ck_assert(!offline_now());
	ck_assert(!offline_holding_at(t));
	offline_reset();
}
END_TEST

Suite *offline_suite(void)
{
	Suite *s = suite_create("offline");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc,
		       test_no_dns_no_connection_and_timeouts_are_unreachable);
	tcase_add_test(tc,
		       test_an_answer_cut_short_or_refused_is_not_unreachable);
	tcase_add_test(tc, test_down_until_an_answer_and_held_for_a_while);
	suite_add_tcase(s, tc);
	return s;
}
