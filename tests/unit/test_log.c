/*
 * test_log.c - the log: line format, levels, one line per message,
 * syslog switch and threads.  stderr is sent to a temporary file while a
 * test logs, then put back.
 */
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "suites.h"

static int saved_stderr = -1;
static FILE *capture;

static void capture_start(void)
{
	fflush(stderr);
	capture = tmpfile();
	ck_assert_ptr_nonnull(capture);
	saved_stderr = dup(STDERR_FILENO);
	ck_assert_int_ge(saved_stderr, 0);
	ck_assert_int_ge(dup2(fileno(capture), STDERR_FILENO), 0);
}

/* Puts stderr back and returns what was written to it. */
static char *capture_stop(void)
{
	long size;
	char *text;

	fflush(stderr);
	dup2(saved_stderr, STDERR_FILENO);
	close(saved_stderr);
	saved_stderr = -1;
	size = ftell(capture);
	ck_assert_int_ge(size, 0);
	text = calloc(1, (size_t)size + 1);
	ck_assert_ptr_nonnull(text);
	rewind(capture);
	ck_assert_uint_eq(fread(text, 1, (size_t)size, capture), (size_t)size);
	fclose(capture);
	capture = NULL;
	return text;
}

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void reset_log(void)
{
	log_use_syslog(0);
	log_set_level(LOG_LVL_INFO);
}

START_TEST(test_log_error_line_has_utc_timestamp_level_and_message)
{
	regex_t re;
	char *out;

	capture_start();
	log_err("request %s failed: %d", "GET /x", 404);
	out = capture_stop();
	ck_assert_int_eq(
	    regcomp(&re,
		    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:"
		    "[0-9]{2}\\.[0-9]{3}Z instantlyfs error: "
		    "request GET /x failed: 404\n$",
		    REG_EXTENDED),
	    0);
	ck_assert_msg(regexec(&re, out, 0, NULL, 0) == 0, "line: %s", out);
	regfree(&re);
	free(out);
}
END_TEST

START_TEST(test_log_info_shown_and_debug_dropped_at_default_level)
{
	char *out;

	capture_start();
	log_info("shown");
	log_debug("hidden");
	out = capture_stop();
	ck_assert_ptr_nonnull(strstr(out, " info: shown\n"));
	ck_assert_ptr_null(strstr(out, "hidden"));
	ck_assert_uint_eq(count_lines(out), 1);
	free(out);
}
END_TEST

START_TEST(test_log_debug_level_shows_debug)
{
	char *out;

	log_set_level(LOG_LVL_DEBUG);
	capture_start();
	log_debug("details %d", 7);
	out = capture_stop();
	ck_assert_ptr_nonnull(strstr(out, " debug: details 7\n"));
	free(out);
}
END_TEST

START_TEST(test_log_err_level_drops_info)
{
	char *out;

	log_set_level(LOG_LVL_ERR);
	capture_start();
	log_info("quiet");
	log_err("loud");
	out = capture_stop();
	ck_assert_ptr_null(strstr(out, "quiet"));
	ck_assert_ptr_nonnull(strstr(out, " error: loud\n"));
	free(out);
}
END_TEST

START_TEST(test_log_message_with_newlines_stays_one_line)
{
	char *out;

	capture_start();
	log_err("server said: %s", "bad\nthing\r\there\n");
	out = capture_stop();
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_ptr_nonnull(strstr(out, "server said: bad thing  here\n"));
	free(out);
}
END_TEST

START_TEST(test_log_trailing_newline_is_not_doubled)
{
	char *out;

	capture_start();
	log_err("done\n");
	out = capture_stop();
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_ptr_nonnull(strstr(out, " error: done\n"));
	free(out);
}
END_TEST

START_TEST(test_log_syslog_mode_writes_nothing_to_stderr)
{
	char *out;

	capture_start();
	log_use_syslog(1);
	log_err("to syslog");
	log_use_syslog(0);
	log_err("to stderr");
	out = capture_stop();
	ck_assert_ptr_null(strstr(out, "to syslog"));
	ck_assert_ptr_nonnull(strstr(out, "to stderr"));
	free(out);
}
END_TEST

START_TEST(test_log_long_message_is_cut_to_one_line)
{
	char *big = malloc(10000), *out;

	memset(big, 'w', 9999);
	big[9999] = '\0';
	capture_start();
	log_err("%s", big);
	out = capture_stop();
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_uint_lt(strlen(out), 5000);
	free(out);
	free(big);
}
END_TEST

#define LOG_THREADS 8
#define LOG_PER_THREAD 200

static void *log_worker(void *arg)
{
	int i;

	for (i = 0; i < LOG_PER_THREAD; i++)
		log_info("thread %ld line %d end", (long)(intptr_t)arg, i);
	return NULL;
}

START_TEST(test_log_lines_from_threads_never_interleave)
{
	pthread_t t[LOG_THREADS];
	char *out, *line, *save = NULL;
	size_t n = 0;
	long i;

	capture_start();
	for (i = 0; i < LOG_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, log_worker,
						(void *)(intptr_t)i),
				 0);
	for (i = 0; i < LOG_THREADS; i++)
		pthread_join(t[i], NULL);
	out = capture_stop();
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_ptr_nonnull(strstr(line, " info: thread "));
		ck_assert_int_eq(strcmp(line + strlen(line) - 4, " end"), 0);
		n++;
	}
	ck_assert_uint_eq(n, LOG_THREADS * LOG_PER_THREAD);
	free(out);
}
END_TEST

Suite *log_suite(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("log");

	tcase_add_checked_fixture(tc, reset_log, reset_log);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc,
		       test_log_error_line_has_utc_timestamp_level_and_message);
	tcase_add_test(tc,
		       test_log_info_shown_and_debug_dropped_at_default_level);
	tcase_add_test(tc, test_log_debug_level_shows_debug);
	tcase_add_test(tc, test_log_err_level_drops_info);
	tcase_add_test(tc, test_log_message_with_newlines_stays_one_line);
	tcase_add_test(tc, test_log_trailing_newline_is_not_doubled);
	tcase_add_test(tc, test_log_syslog_mode_writes_nothing_to_stderr);
	tcase_add_test(tc, test_log_long_message_is_cut_to_one_line);
	tcase_add_test(tc, test_log_lines_from_threads_never_interleave);
	suite_add_tcase(s, tc);
	return s;
}
