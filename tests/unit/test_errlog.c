/*
 * test_errlog.c - the ring of recent API errors: line format, one line
 * per entry, the bound, order, clearing and threads.
 */
#include <pthread.h>
#include <regex.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"
#include "suites.h"

#define LINE_RE                                                                \
	"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z [^ \n]+ "     \
	"[^\n]* -> [^\n]*: [^\n]*$"

static size_t count_lines(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == '\n';
	return n;
}

static void assert_all_lines_match(char *text, size_t want_lines)
{
	char *line, *save = NULL;
	regex_t re;
	size_t n = 0;

	ck_assert_int_eq(regcomp(&re, LINE_RE, REG_EXTENDED | REG_NOSUB), 0);
	ck_assert_uint_eq(count_lines(text), want_lines);
	for (line = strtok_r(text, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		ck_assert_msg(regexec(&re, line, 0, NULL, 0) == 0,
			      "bad line: %s", line);
		n++;
	}
	ck_assert_uint_eq(n, want_lines);
	regfree(&re);
}

START_TEST(test_errlog_empty_renders_empty_text)
{
	size_t len = 9;
	char *out = errlog_render(&len);

	ck_assert_str_eq(out, "");
	ck_assert_uint_eq(len, 0);
	free(out);
}
END_TEST

START_TEST(test_errlog_line_has_time_method_path_status_message)
{
	size_t len;
	char *out;

	errlog_add("GET", "/api/v2/campaigns/c1", "404", "Campaign not found");
	out = errlog_render(&len);
	ck_assert_uint_eq(len, strlen(out));
	ck_assert_uint_eq(len, 20 + strlen(" GET /api/v2/campaigns/c1 -> 404: "
					   "Campaign not found\n"));
	ck_assert_str_eq(out + 20, " GET /api/v2/campaigns/c1 -> 404: "
				   "Campaign not found\n");
	assert_all_lines_match(out, 1);
	free(out);
}
END_TEST

START_TEST(test_errlog_curl_error_as_status)
{
	char *out;

	errlog_add("POST", "/api/v2/leads/list", "Timeout was reached",
		   "operation timed out");
	out = errlog_render(NULL);
	ck_assert_ptr_nonnull(strstr(out, " POST /api/v2/leads/list -> "
					  "Timeout was reached: operation "
					  "timed out\n"));
	free(out);
}
END_TEST

START_TEST(test_errlog_control_bytes_in_message_keep_one_line)
{
	char *out;

	errlog_add("PATCH", "/api/v2/x\n", "400", "line1\nline2\r\tend\n");
	out = errlog_render(NULL);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_ptr_nonnull(strstr(out, "-> 400: line1 line2  end \n"));
	ck_assert_ptr_nonnull(strstr(out, " PATCH /api/v2/x  -> "));
	free(out);
}
END_TEST

START_TEST(test_errlog_missing_fields_are_dashes)
{
	char *out;

	errlog_add(NULL, NULL, NULL, NULL);
	out = errlog_render(NULL);
	ck_assert_str_eq(out + 20, " - - -> -: \n");
	free(out);
}
END_TEST

START_TEST(test_errlog_keeps_only_the_last_entries_oldest_first)
{
	char msg[32], want[48], *out, *line, *save = NULL;
	size_t i = 50;

	for (i = 0; i < ERRLOG_MAX + 50; i++) {
		snprintf(msg, sizeof(msg), "m%zu", i);
		errlog_add("GET", "/p", "500", msg);
	}
	out = errlog_render(NULL);
	ck_assert_uint_eq(count_lines(out), ERRLOG_MAX);
	i = 50;
	for (line = strtok_r(out, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		snprintf(want, sizeof(want), "-> 500: m%zu", i);
		ck_assert_str_eq(line + strlen(line) - strlen(want), want);
	}
	ck_assert_uint_eq(i, ERRLOG_MAX + 50);
	free(out);
}
END_TEST

START_TEST(test_errlog_clear_empties_the_ring)
{
	char *out;

	errlog_add("GET", "/a", "500", "x");
	errlog_add("GET", "/b", "500", "y");
	errlog_clear();
	out = errlog_render(NULL);
	ck_assert_str_eq(out, "");
	free(out);
	errlog_add("GET", "/c", "500", "z");
	out = errlog_render(NULL);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_ptr_nonnull(strstr(out, "/c -> 500: z\n"));
	free(out);
}
END_TEST

START_TEST(test_errlog_long_message_is_bounded_one_line)
{
	char *big = malloc(100000), *out;

	memset(big, 'q', 99999);
	big[99999] = '\0';
	errlog_add("GET", "/p", "500", big);
	out = errlog_render(NULL);
	ck_assert_uint_eq(count_lines(out), 1);
	ck_assert_uint_lt(strlen(out), 20000);
	ck_assert_uint_gt(strlen(out), 4000);
	free(out);
	free(big);
}
END_TEST

#define ERRLOG_THREADS 8
#define ERRLOG_PER_THREAD 100

static void *errlog_worker(void *arg)
{
	char msg[64];
	int i;

	for (i = 0; i < ERRLOG_PER_THREAD; i++) {
		snprintf(msg, sizeof(msg), "thread %zu entry %d",
			 (size_t)(uintptr_t)arg, i);
		errlog_add("GET", "/api/v2/emails", "429", msg);
		if (i % 10 == 0)
			free(errlog_render(NULL));
	}
	return NULL;
}

START_TEST(test_errlog_concurrent_adds_keep_whole_lines)
{
	pthread_t t[ERRLOG_THREADS];
	char *out;
	size_t i;

	for (i = 0; i < ERRLOG_THREADS; i++)
		ck_assert_int_eq(pthread_create(&t[i], NULL, errlog_worker,
						(void *)(uintptr_t)i),
				 0);
	for (i = 0; i < ERRLOG_THREADS; i++)
		pthread_join(t[i], NULL);
	out = errlog_render(NULL);
	assert_all_lines_match(out, ERRLOG_MAX);
	free(out);
}
END_TEST

Suite *errlog_suite(void)
{
	Suite *s = suite_create("errlog");
	TCase *tc = tcase_create("errlog");

	tcase_add_checked_fixture(tc, errlog_clear, errlog_clear);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_errlog_empty_renders_empty_text);
	tcase_add_test(tc,
		       test_errlog_line_has_time_method_path_status_message);
	tcase_add_test(tc, test_errlog_curl_error_as_status);
	tcase_add_test(tc, test_errlog_control_bytes_in_message_keep_one_line);
	tcase_add_test(tc, test_errlog_missing_fields_are_dashes);
	tcase_add_test(tc,
		       test_errlog_keeps_only_the_last_entries_oldest_first);
	tcase_add_test(tc, test_errlog_clear_empties_the_ring);
	tcase_add_test(tc, test_errlog_long_message_is_bounded_one_line);
	tcase_add_test(tc, test_errlog_concurrent_adds_keep_whole_lines);
	suite_add_tcase(s, tc);
	return s;
}
