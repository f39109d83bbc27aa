/*
 * test_stop.c - the end of a mount: reads dropped at once, writes after
 * the grace, and waits that end within a tick of the stop.
 */
#include <check.h>
#include <errno.h>
#include <pthread.h>
#include <time.h>

#include "rate.h"
#include "stop.h"
#include "suites.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Every test starts and ends with a mount that is not stopping: under
 * CK_FORK=no the other suites share this state. */
static void running(void)
{
	stop_init(NULL, STOP_GRACE_DEFAULT);
	stop_reading(0);
}

START_TEST(test_stop_before_a_stop_every_thread_may_work)
{
	ck_assert(!stop_begun());
	ck_assert_int_eq(stop_check(), 0);
	stop_reading(1);
	ck_assert_int_eq(stop_check(), 0);
	ck_assert_int_eq(stop_sleep_ms(1), 0);
}
END_TEST

START_TEST(test_stop_drops_reads_at_once_and_writes_after_the_grace)
{
	stop_init(NULL, 0.2);
	stop_begin();
	ck_assert(stop_begun());
	ck_assert_int_eq(stop_reading(1), 0);
	ck_assert_int_eq(stop_check(), -ECANCELED);
	ck_assert_int_eq(stop_reading(0), 1);
	ck_assert_int_eq(stop_check(), 0);
	ck_assert_int_eq(stop_sleep_ms(300), -ECANCELED);
	ck_assert_int_eq(stop_check(), -ECANCELED);
}
END_TEST

START_TEST(test_stop_grace_of_zero_drops_writes_too)
{
	stop_init(NULL, 0);
	stop_begin();
	ck_assert_int_eq(stop_check(), -ECANCELED);
}
END_TEST

static void *long_read(void *arg)
{
	stop_reading(1);
	*(int *)arg = stop_sleep_ms(60000);
	return NULL;
}

START_TEST(test_stop_ends_a_long_sleep_of_a_read)
{
	pthread_t t;
	int rc = 1;
	double start;

	ck_assert_int_eq(pthread_create(&t, NULL, long_read, &rc), 0);
	start = now();
	stop_sleep_ms(50);
	stop_begin();
	pthread_join(t, NULL);
	ck_assert_int_eq(rc, -ECANCELED);
	/* A tick after the stop, not the minute asked for. */
	ck_assert(now() - start < 10);
}
END_TEST

START_TEST(test_stop_rate_limiter_sends_nothing_for_a_dropped_read)
{
	struct rate_config one = { .per_second = 1 };

	ck_assert_int_eq(rate_init(&one), 0);
	ck_assert_int_eq(rate_acquire("GET", "/api/v2/campaigns"), 0);
	stop_begin();
	stop_reading(1);
	ck_assert_int_eq(rate_acquire("GET", "/api/v2/campaigns"), -ECANCELED);
	/* A write within the grace still waits its turn and goes. */
	stop_reading(0);
	ck_assert_int_eq(rate_acquire("DELETE", "/api/v2/leads/x"), 0);
	rate_cleanup();
}
END_TEST

Suite *stop_suite(void)
{
	Suite *s = suite_create("stop");
	TCase *tc = tcase_create("stop");

	tcase_add_checked_fixture(tc, running, running);
	tcase_add_test(tc, test_stop_before_a_stop_every_thread_may_work);
	tcase_add_test(
	    tc, test_stop_drops_reads_at_once_and_writes_after_the_grace);
	tcase_add_test(tc, test_stop_grace_of_zero_drops_writes_too);
	tcase_add_test(tc, test_stop_ends_a_long_sleep_of_a_read);
	tcase_add_test(tc,
		       test_stop_rate_limiter_sends_nothing_for_a_dropped_read);
	suite_add_tcase(s, tc);
	return s;
}
