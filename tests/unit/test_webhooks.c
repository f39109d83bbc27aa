/*
 * test_webhooks.c - webhooks/: its rows (event-types before the webhook
 * folders), the event-types file's text, and the local folders mkdir
 * makes (h_local.c), kept apart per collection.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "suites.h"
#include "tree.h"

static const char *pattern_of(const char *path, struct rctx *c)
{
	ck_assert_int_eq(route_match(path, c), 0);
	return c->route->pattern;
}

START_TEST(test_webhook_rows_event_types_is_not_a_webhook)
{
	struct rctx c;

	ck_assert_str_eq(pattern_of("/webhooks/event-types", &c),
			 "/webhooks/event-types");
	ck_assert_str_eq(pattern_of("/webhooks/CRM Replies", &c),
			 "/webhooks/*");
	ck_assert_str_eq(pattern_of("/webhooks/x/events/e1.json", &c),
			 "/webhooks/*/events/*");
	ck_assert_int_eq(c.ncap, 2);
	ck_assert_str_eq(c.cap[0], "x");
	ck_assert_str_eq(c.cap[1], "e1.json");
	ck_assert_int_eq(route_match("/webhooks/x/nope", &c), -ENOENT);
}
END_TEST

static char *rendered(const char *json, int *rc)
{
	cJSON *resp = cJSON_Parse(json);
	struct blob b = { 0 };

	ck_assert_ptr_nonnull(resp);
	*rc = h_webhook_types_render(resp, &b);
	cJSON_Delete(resp);
	return b.data;
}

START_TEST(test_webhook_event_types_one_a_line_tab_separated)
{
	int rc;
	char *text = rendered(
		"{\"event_types\": [{\"id\": \"email_sent\", \"label\": "
		"\"Email Sent\", \"type\": \"standard\"}, "
		"{\"label\": \"no id\"}, "
		"{\"id\": \"lead_vip\", \"label\": \"VIP\"}]}", &rc);

	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text, "email_sent\tstandard\tEmail Sent\n"
			       "lead_vip\t\tVIP\n");
	free(text);
	text = rendered("{\"event_types\": []}", &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(text, "");
	free(text);
	text = rendered("{\"types\": []}", &rc);
	ck_assert_int_eq(rc, -EIO);
	ck_assert_ptr_null(text);
}
END_TEST

START_TEST(test_local_folders_are_kept_per_collection)
{
	struct rctx top, hook, acct, file;

	ck_assert_int_eq(route_match("/webhooks", &top), 0);
	ck_assert_int_eq(route_match("/webhooks/Fresh", &hook), 0);
	ck_assert_int_eq(route_match("/webhooks/Fresh/webhook.json", &file), 0);
	ck_assert_int_eq(route_match("/accounts/Fresh", &acct), 0);
	ck_assert_int_eq(h_local_is(&hook), 0);
	ck_assert_int_eq(h_local_create(&file), -ENOENT);
	ck_assert_int_eq(h_local_mkdir(&top, "Fresh"), 0);
	ck_assert_int_eq(h_local_is(&hook), 1);
	ck_assert_int_eq(h_local_is(&file), 1);
	ck_assert_int_eq(h_local_create(&file), 0);
	ck_assert_int_eq(h_local_is(&acct), 0);
	ck_assert_int_eq(h_local_rmdir(&hook), 0);
	ck_assert_int_eq(h_local_is(&hook), 0);
}
END_TEST

Suite *webhooks_suite(void)
{
	Suite *s = suite_create("webhooks");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_webhook_rows_event_types_is_not_a_webhook);
	tcase_add_test(tc, test_webhook_event_types_one_a_line_tab_separated);
	tcase_add_test(tc, test_local_folders_are_kept_per_collection);
	suite_add_tcase(s, tc);
	return s;
}
