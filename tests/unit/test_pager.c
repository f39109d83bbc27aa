/*
 * test_pager.c - the paginating iterator against scripted fake servers.
 *
 * A script is a list of steps, one per expected fetch: the JSON text to
 * answer with, or an -errno to fail with.  The fake records every cursor
 * it is asked for and fails the test if it is called past the script.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pager.h"
#include "suites.h"

#define MAX_STEPS 64

struct step {
	const char *json;      /* the response, when err == 0 */
	int err;	       /* -errno to return instead */
	int set_resp_on_error; /* a sloppy fetch that also fills *resp */
};

struct script {
	const struct step *steps;
	size_t nsteps;
	size_t calls;
	char *cursors[MAX_STEPS]; /* "(null)" for the first page */
};

static int fake_fetch(void *ctx, const char *cursor, cJSON **resp)
{
	struct script *s = ctx;
	const struct step *st;

	ck_assert_msg(s->calls < s->nsteps,
		      "fetch called %zu times, script has %zu", s->calls + 1,
		      s->nsteps);
	st = &s->steps[s->calls];
	s->cursors[s->calls++] = strdup(cursor ? cursor : "(null)");
	if (st->err) {
		if (st->set_resp_on_error)
			*resp = cJSON_Parse("{\"items\":[1]}");
		return st->err;
	}
	if (!st->json) {
		*resp = NULL;
		return 0;
	}
	*resp = cJSON_Parse(st->json);
	ck_assert_msg(*resp != NULL, "script JSON does not parse: %s",
		      st->json);
	return 0;
}

static void script_free(struct script *s)
{
	size_t i;

	for (i = 0; i < s->calls; i++)
		free(s->cursors[i]);
}

/* Runs a pager to the end; returns its last result, counts items. */
static int drain(struct pager *p, struct script *s, size_t *nitems,
		 size_t *npages)
{
	cJSON *items;
	int rc;

	*nitems = 0;
	*npages = 0;
	while ((rc = pager_next(p, fake_fetch, s, &items)) == 1) {
		ck_assert(cJSON_IsArray(items));
		ck_assert_int_gt(cJSON_GetArraySize(items), 0);
		*nitems += (size_t)cJSON_GetArraySize(items);
		(*npages)++;
		cJSON_Delete(items);
		ck_assert_uint_lt(*npages, 1000);
	}
	ck_assert_ptr_null(items);
	return rc;
}

#define RUN(steps_, want_rc, want_items, want_pages, want_calls)               \
	do {                                                                   \
		struct script s_ = {                                           \
		    steps_, sizeof(steps_) / sizeof(steps_[0]), 0, {NULL}};    \
		struct pager p_;                                               \
		size_t ni_, np_;                                               \
		cJSON *again_;                                                 \
		pager_init(&p_);                                               \
		ck_assert_int_eq(drain(&p_, &s_, &ni_, &np_), want_rc);        \
		ck_assert_uint_eq(ni_, want_items);                            \
		ck_assert_uint_eq(np_, want_pages);                            \
		ck_assert_uint_eq(s_.calls, want_calls);                       \
		/* Done for good: no further fetch, same result. */            \
		ck_assert_int_eq(pager_next(&p_, fake_fetch, &s_, &again_),    \
				 want_rc);                                     \
		ck_assert_ptr_null(again_);                                    \
		ck_assert_uint_eq(s_.calls, want_calls);                       \
		ck_assert(p_.done);                                            \
		ck_assert_int_eq(p_.error, want_rc);                           \
		pager_free(&p_);                                               \
		script_free(&s_);                                              \
	} while (0)

START_TEST(test_pager_missing_cursor_is_last_page)
{
	static const struct step steps[] = {{"{\"items\":[1,2,3]}", 0, 0}};

	RUN(steps, 0, 3, 1, 1);
}
END_TEST

START_TEST(test_pager_null_cursor_is_last_page)
{
	static const struct step steps[] = {
	    {"{\"items\":[1,2],\"next_starting_after\":null}", 0, 0}};

	RUN(steps, 0, 2, 1, 1);
}
END_TEST

START_TEST(test_pager_empty_cursor_is_last_page)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"\"}", 0, 0}};

	RUN(steps, 0, 1, 1, 1);
}
END_TEST

START_TEST(test_pager_non_string_cursor_is_last_page)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":17}", 0, 0}};

	RUN(steps, 0, 1, 1, 1);
}
END_TEST

START_TEST(test_pager_follows_cursors_in_order)
{
	static const struct step steps[] = {
	    {"{\"items\":[1,2],\"next_starting_after\":\"c1\"}", 0, 0},
	    {"{\"items\":[3,4],\"next_starting_after\":\"c2\"}", 0, 0},
	    {"{\"items\":[5]}", 0, 0},
	};
	struct script s = {steps, 3, 0, {NULL}};
	struct pager p;
	cJSON *items;

	pager_init(&p);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	ck_assert_int_eq(cJSON_GetArrayItem(items, 0)->valueint, 1);
	ck_assert_int_eq(cJSON_GetArraySize(items), 2);
	cJSON_Delete(items);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	ck_assert_int_eq(cJSON_GetArrayItem(items, 0)->valueint, 3);
	cJSON_Delete(items);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	ck_assert_int_eq(cJSON_GetArrayItem(items, 0)->valueint, 5);
	cJSON_Delete(items);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 0);
	ck_assert_ptr_null(items);

	ck_assert_uint_eq(s.calls, 3);
	ck_assert_str_eq(s.cursors[0], "(null)");
	ck_assert_str_eq(s.cursors[1], "c1");
	ck_assert_str_eq(s.cursors[2], "c2");
	ck_assert_uint_eq(p.pages, 3);
	pager_free(&p);
	script_free(&s);
}
END_TEST

START_TEST(test_pager_empty_last_page_after_cursor_ends_listing)
{
	/* The real API: the last full page still carries a cursor. */
	static const struct step steps[] = {
	    {"{\"items\":[1,2],\"next_starting_after\":\"c1\"}", 0, 0},
	    {"{\"items\":[]}", 0, 0},
	};

	RUN(steps, 0, 2, 1, 2);
}
END_TEST

START_TEST(test_pager_empty_page_with_new_cursor_still_ends_listing)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"c1\"}", 0, 0},
	    {"{\"items\":[],\"next_starting_after\":\"c2\"}", 0, 0},
	};

	RUN(steps, 0, 1, 1, 2);
}
END_TEST

START_TEST(test_pager_empty_first_page_returns_no_pages)
{
	static const struct step steps[] = {
	    {"{\"items\":[],\"next_starting_after\":\"c1\"}", 0, 0}};

	RUN(steps, 0, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_repeated_cursor_stops_after_that_page)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"a\"}", 0, 0},
	    {"{\"items\":[2],\"next_starting_after\":\"a\"}", 0, 0},
	};

	RUN(steps, 0, 2, 2, 2);
}
END_TEST

START_TEST(test_pager_cursor_loop_back_to_older_cursor_stops)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"a\"}", 0, 0},
	    {"{\"items\":[2],\"next_starting_after\":\"b\"}", 0, 0},
	    {"{\"items\":[3],\"next_starting_after\":\"a\"}", 0, 0},
	};

	RUN(steps, 0, 3, 3, 3);
}
END_TEST

START_TEST(test_pager_error_mid_way_returns_errno_and_stops)
{
	static const struct step steps[] = {
	    {"{\"items\":[1,2],\"next_starting_after\":\"c1\"}", 0, 0},
	    {NULL, -ETIMEDOUT, 0},
	};

	RUN(steps, -ETIMEDOUT, 2, 1, 2);
}
END_TEST

START_TEST(test_pager_error_on_first_page_returns_errno)
{
	static const struct step steps[] = {{NULL, -EACCES, 0}};

	RUN(steps, -EACCES, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_frees_response_left_by_failing_fetch)
{
	static const struct step steps[] = {{NULL, -EIO, 1}};

	RUN(steps, -EIO, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_bare_array_is_one_page)
{
	static const struct step steps[] = {{"[{\"id\":1},{\"id\":2}]", 0, 0}};

	RUN(steps, 0, 2, 1, 1);
}
END_TEST

START_TEST(test_pager_empty_bare_array_returns_no_pages)
{
	static const struct step steps[] = {{"[]", 0, 0}};

	RUN(steps, 0, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_object_without_items_is_eio)
{
	static const struct step steps[] = {
	    {"{\"data\":[1],\"next_starting_after\":\"x\"}", 0, 0}};

	RUN(steps, -EIO, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_items_not_an_array_is_eio)
{
	static const struct step steps[] = {{"{\"items\":{\"a\":1}}", 0, 0}};

	RUN(steps, -EIO, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_scalar_response_is_eio)
{
	static const struct step steps[] = {{"\"items\"", 0, 0}};

	RUN(steps, -EIO, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_success_without_response_is_eio)
{
	static const struct step steps[] = {{NULL, 0, 0}};

	RUN(steps, -EIO, 0, 0, 1);
}
END_TEST

START_TEST(test_pager_bad_page_after_good_ones_is_eio)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"c1\"}", 0, 0},
	    {"{\"message\":\"oops\"}", 0, 0},
	};

	RUN(steps, -EIO, 1, 1, 2);
}
END_TEST

START_TEST(test_pager_follows_many_distinct_cursors)
{
	static char json[MAX_STEPS - 1][80];
	static struct step steps[MAX_STEPS];
	size_t i;

	for (i = 0; i < MAX_STEPS - 1; i++) {
		snprintf(json[i], sizeof(json[i]),
			 "{\"items\":[%zu],\"next_starting_after\":\"cur%zu\"}",
			 i, i);
		steps[i].json = json[i];
	}
	steps[MAX_STEPS - 1].json = "{\"items\":[]}";

	RUN(steps, 0, MAX_STEPS - 1, MAX_STEPS - 1, MAX_STEPS);
}
END_TEST

START_TEST(test_pager_items_are_detached_and_owned_by_caller)
{
	static const struct step steps[] = {
	    {"{\"items\":[{\"id\":\"a\"}],\"next_starting_after\":\"c\"}", 0,
	     0},
	    {"{\"items\":[]}", 0, 0},
	};
	struct script s = {steps, 2, 0, {NULL}};
	struct pager p;
	cJSON *items;

	pager_init(&p);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	ck_assert_ptr_null(items->next);
	ck_assert_ptr_null(items->prev);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "id")
			     ->valuestring,
			 "a");
	/* Free the pager first: the items must not depend on it. */
	pager_free(&p);
	ck_assert_str_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(items, 0), "id")
			     ->valuestring,
			 "a");
	cJSON_Delete(items);
	script_free(&s);
}
END_TEST

START_TEST(test_pager_free_mid_listing_releases_everything)
{
	static const struct step steps[] = {
	    {"{\"items\":[1],\"next_starting_after\":\"a\"}", 0, 0},
	    {"{\"items\":[2],\"next_starting_after\":\"b\"}", 0, 0},
	};
	struct script s = {steps, 2, 0, {NULL}};
	struct pager p;
	cJSON *items;

	pager_init(&p);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	cJSON_Delete(items);
	ck_assert_int_eq(pager_next(&p, fake_fetch, &s, &items), 1);
	cJSON_Delete(items);
	ck_assert_str_eq(p.cursor, "b");
	ck_assert_uint_eq(p.nseen, 2);
	pager_free(&p);
	ck_assert_ptr_null(p.cursor);
	ck_assert_ptr_null(p.seen);
	script_free(&s);
}
END_TEST

Suite *pager_suite(void)
{
	Suite *s = suite_create("pager");
	TCase *tc = tcase_create("pager");

	tcase_add_test(tc, test_pager_missing_cursor_is_last_page);
	tcase_add_test(tc, test_pager_null_cursor_is_last_page);
	tcase_add_test(tc, test_pager_empty_cursor_is_last_page);
	tcase_add_test(tc, test_pager_non_string_cursor_is_last_page);
	tcase_add_test(tc, test_pager_follows_cursors_in_order);
	tcase_add_test(tc,
		       test_pager_empty_last_page_after_cursor_ends_listing);
	tcase_add_test(
	    tc, test_pager_empty_page_with_new_cursor_still_ends_listing);
	tcase_add_test(tc, test_pager_empty_first_page_returns_no_pages);
	tcase_add_test(tc, test_pager_repeated_cursor_stops_after_that_page);
	tcase_add_test(tc, test_pager_cursor_loop_back_to_older_cursor_stops);
	tcase_add_test(tc, test_pager_error_mid_way_returns_errno_and_stops);
	tcase_add_test(tc, test_pager_error_on_first_page_returns_errno);
	tcase_add_test(tc, test_pager_frees_response_left_by_failing_fetch);
	tcase_add_test(tc, test_pager_bare_array_is_one_page);
	tcase_add_test(tc, test_pager_empty_bare_array_returns_no_pages);
	tcase_add_test(tc, test_pager_object_without_items_is_eio);
	tcase_add_test(tc, test_pager_items_not_an_array_is_eio);
	tcase_add_test(tc, test_pager_scalar_response_is_eio);
	tcase_add_test(tc, test_pager_success_without_response_is_eio);
	tcase_add_test(tc, test_pager_bad_page_after_good_ones_is_eio);
	tcase_add_test(tc, test_pager_follows_many_distinct_cursors);
	tcase_add_test(tc, test_pager_items_are_detached_and_owned_by_caller);
	tcase_add_test(tc, test_pager_free_mid_listing_releases_everything);
	suite_add_tcase(s, tc);
	return s;
}
