/*
 * test_patch.c - edited JSON to PATCH bodies, create bodies, strict parsing.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "patch.h"
#include "suites.h"

static const char *const lead_writable[] = {
    "first_name",	"last_name",   "company_name",
    "custom_variables", "phone",       "website",
    "personalization",	"job_title",   "lt_interest_status",
    "pl_value_lead",	"assigned_to", NULL,
};
static const struct patch_spec lead_spec = {lead_writable, "payload",
					    "custom_variables"};

static const char *const campaign_writable[] = {
    "name", "daily_limit", "campaign_schedule", "sequences", "text_only", NULL,
};
static const struct patch_spec campaign_spec = {campaign_writable, NULL, NULL};

#define LEAD                                                                   \
	"{\"id\":\"l1\",\"email\":\"a@b.com\",\"first_name\":\"Ann\","         \
	"\"last_name\":null,\"timestamp_created\":\"2026-01-01T00:00:00Z\","   \
	"\"payload\":{\"city\":\"Oslo\",\"score\":3,\"vip\":true}}"

#define CAMPAIGN                                                               \
	"{\"id\":\"c1\",\"name\":\"Q1\",\"status\":1,\"daily_limit\":50,"      \
	"\"text_only\":false,\"campaign_schedule\":{\"schedules\":[{\"name\":" \
	"\"W\",\"days\":{\"1\":true,\"2\":true},\"timing\":{\"from\":"         \
	"\"09:00\",\"to\":\"17:00\"}}]},\"sequences\":[{\"steps\":[1,2,3]}]}"

static int build(const char *text, const char *server_json,
		 const struct patch_spec *spec, cJSON **body, char **err)
{
	cJSON *server = server_json ? cJSON_Parse(server_json) : NULL;
	int rc;

	ck_assert(!server_json || server);
	*err = NULL;
	rc = patch_build(text, strlen(text), server, spec, body, err);
	cJSON_Delete(server);
	return rc;
}

/* The body, compact, equals want (key order included). */
static void assert_body(const char *text, const char *server,
			const struct patch_spec *spec, const char *want)
{
	cJSON *body = NULL;
	char *err = NULL, *got;
	int rc = build(text, server, spec, &body, &err);

	ck_assert_msg(rc == 0, "rc %d: %s", rc, err ? err : "(no message)");
	ck_assert_ptr_null(err);
	ck_assert_ptr_nonnull(body);
	got = cJSON_PrintUnformatted(body);
	ck_assert_str_eq(got, want);
	free(got);
	cJSON_Delete(body);
}

static void assert_no_body(const char *text, const char *server,
			   const struct patch_spec *spec)
{
	cJSON *body = (cJSON *)1;
	char *err = NULL;
	int rc = build(text, server, spec, &body, &err);

	ck_assert_msg(rc == 0, "rc %d: %s", rc, err ? err : "(no message)");
	ck_assert_ptr_null(body);
	ck_assert_ptr_null(err);
}

/* -EINVAL, no body, a one-line message holding want. */
static void assert_einval(const char *text, size_t len, const char *server,
			  const struct patch_spec *spec, const char *want)
{
	cJSON *srv = server ? cJSON_Parse(server) : NULL;
	cJSON *body = (cJSON *)1;
	char *err = NULL;
	int rc = patch_build(text, len, srv, spec, &body, &err);

	ck_assert_int_eq(rc, -EINVAL);
	ck_assert_ptr_null(body);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want), "message \"%s\" lacks \"%s\"", err,
		      want);
	ck_assert_msg(!strchr(err, '\n'), "message has a newline: %s", err);
	free(err);
	cJSON_Delete(srv);
}

static void assert_einval_str(const char *text, const char *server,
			      const struct patch_spec *spec, const char *want)
{
	assert_einval(text, strlen(text), server, spec, want);
}

/* n levels of arrays around 1: [[[1]]] for n = 3. */
static char *nested(int n)
{
	char *s = malloc((size_t)n * 2 + 2);
	int i;

	for (i = 0; i < n; i++) {
		s[i] = '[';
		s[n + 1 + i] = ']';
	}
	s[n] = '1';
	s[2 * n + 1] = '\0';
	return s;
}

START_TEST(test_patch_unchanged_text_gives_no_body)
{
	assert_no_body(LEAD, LEAD, &lead_spec);
	assert_no_body(CAMPAIGN, CAMPAIGN, &campaign_spec);
}
END_TEST

START_TEST(test_patch_reformatted_reordered_text_gives_no_body)
{
	assert_no_body("{\n  \"payload\": {\"vip\": true, \"score\": 3.0, "
		       "\"city\": \"Oslo\"},\n  \"last_name\": null,\n"
		       "  \"first_name\": \"Ann\",\n  \"email\": \"a@b.com\",\n"
		       "  \"timestamp_created\": \"2026-01-01T00:00:00Z\",\n"
		       "  \"id\": \"l1\"\n}\n",
		       LEAD, &lead_spec);
}
END_TEST

START_TEST(test_patch_one_writable_field_changed_gives_only_it)
{
	char text[] = LEAD;
	char *p = strstr(text, "Ann");

	memcpy(p, "Bob", 3);
	assert_body(text, LEAD, &lead_spec, "{\"first_name\":\"Bob\"}");
	assert_body("{\"id\":\"c1\",\"name\":\"Q2\",\"status\":1}", CAMPAIGN,
		    &campaign_spec, "{\"name\":\"Q2\"}");
}
END_TEST

START_TEST(test_patch_body_keeps_the_order_of_the_text)
{
	assert_body("{\"text_only\":true,\"id\":\"c1\",\"daily_limit\":9,"
		    "\"name\":\"Z\"}",
		    CAMPAIGN, &campaign_spec,
		    "{\"text_only\":true,\"daily_limit\":9,\"name\":\"Z\"}");
}
END_TEST

START_TEST(test_patch_field_left_out_is_not_a_change)
{
	assert_no_body("{}", CAMPAIGN, &campaign_spec);
	assert_no_body("{\"name\":\"Q1\"}", CAMPAIGN, &campaign_spec);
	assert_body("{\"daily_limit\":60}", CAMPAIGN, &campaign_spec,
		    "{\"daily_limit\":60}");
}
END_TEST

START_TEST(test_patch_changed_read_only_id_is_einval)
{
	assert_einval_str("{\"id\":\"c2\",\"name\":\"Q1\"}", CAMPAIGN,
			  &campaign_spec, "id is read-only");
	assert_einval_str("{\"status\":2}", CAMPAIGN, &campaign_spec,
			  "status is read-only");
	assert_einval_str("{\"email\":\"x@y.com\"}", LEAD, &lead_spec,
			  "email is read-only");
}
END_TEST

START_TEST(test_patch_first_error_in_text_order_is_reported)
{
	assert_einval_str("{\"name\":\"ok\",\"status\":2,\"id\":\"x\"}",
			  CAMPAIGN, &campaign_spec, "status is read-only");
}
END_TEST

START_TEST(test_patch_new_writable_field_is_sent)
{
	assert_body("{\"id\":\"l1\",\"phone\":\"+47 1234\"}", LEAD, &lead_spec,
		    "{\"phone\":\"+47 1234\"}");
	assert_body("{\"phone\":null}", LEAD, &lead_spec, "{\"phone\":null}");
}
END_TEST

START_TEST(test_patch_new_field_the_api_does_not_take_is_einval)
{
	assert_einval_str("{\"name\":\"Q1\",\"colour\":\"red\"}", CAMPAIGN,
			  &campaign_spec,
			  "colour is not a field the API takes");
}
END_TEST

START_TEST(test_patch_payload_edit_sends_only_the_changed_variable)
{
	assert_body("{\"payload\":{\"city\":\"Bergen\",\"score\":3,"
		    "\"vip\":true}}",
		    LEAD, &lead_spec,
		    "{\"custom_variables\":{\"city\":\"Bergen\"}}");
}
END_TEST

START_TEST(test_patch_payload_added_and_nulled_variables_are_sent)
{
	assert_body("{\"payload\":{\"city\":\"Oslo\",\"score\":null,"
		    "\"vip\":true,\"new\":\"x\",\"n\":1.5,\"b\":false}}",
		    LEAD, &lead_spec,
		    "{\"custom_variables\":{\"score\":null,\"new\":\"x\","
		    "\"n\":1.5,\"b\":false}}");
}
END_TEST

START_TEST(test_patch_payload_changes_sit_where_payload_is_in_the_text)
{
	assert_body("{\"first_name\":\"B\",\"payload\":{\"city\":\"X\","
		    "\"score\":3,\"vip\":true},\"phone\":\"1\"}",
		    LEAD, &lead_spec,
		    "{\"first_name\":\"B\",\"custom_variables\":{\"city\":"
		    "\"X\"},\"phone\":\"1\"}");
}
END_TEST

START_TEST(test_patch_payload_reordered_is_no_change)
{
	assert_no_body("{\"payload\":{\"vip\":true,\"city\":\"Oslo\","
		       "\"score\":3}}",
		       LEAD, &lead_spec);
}
END_TEST

START_TEST(test_patch_object_in_payload_is_einval)
{
	assert_einval_str("{\"payload\":{\"city\":{\"name\":\"Oslo\"},"
			  "\"score\":3,\"vip\":true}}",
			  LEAD, &lead_spec,
			  "custom variables take strings, numbers, booleans or "
			  "null");
	assert_einval_str("{\"payload\":{\"city\":\"Oslo\",\"score\":3,"
			  "\"vip\":true,\"tags\":[1,2]}}",
			  LEAD, &lead_spec, "custom variable tags");
}
END_TEST

START_TEST(test_patch_removed_custom_variable_is_einval)
{
	assert_einval_str("{\"payload\":{\"city\":\"Oslo\",\"vip\":true}}",
			  LEAD, &lead_spec,
			  "custom variable score cannot be removed through the "
			  "API; set it to null");
}
END_TEST

START_TEST(test_patch_payload_not_an_object_is_einval)
{
	assert_einval_str("{\"payload\":[1]}", LEAD, &lead_spec,
			  "payload must be an object");
	assert_einval_str("{\"payload\":\"x\"}", LEAD, &lead_spec,
			  "payload must be an object");
}
END_TEST

START_TEST(test_patch_payload_where_the_server_has_none)
{
	assert_no_body("{\"payload\":{}}", "{\"first_name\":\"A\"}",
		       &lead_spec);
	assert_no_body("{\"payload\":null}", "{\"first_name\":\"A\"}",
		       &lead_spec);
	assert_body("{\"payload\":{\"a\":\"1\"}}", "{\"payload\":null}",
		    &lead_spec, "{\"custom_variables\":{\"a\":\"1\"}}");
}
END_TEST

START_TEST(test_patch_payload_and_custom_variables_together_is_einval)
{
	assert_einval_str("{\"payload\":{\"city\":\"X\",\"score\":3,"
			  "\"vip\":true},\"custom_variables\":{\"a\":1}}",
			  LEAD, &lead_spec, "edited both under payload");
}
END_TEST

START_TEST(test_patch_custom_variables_written_directly_are_checked)
{
	assert_body("{\"custom_variables\":{\"a\":1}}", LEAD, &lead_spec,
		    "{\"custom_variables\":{\"a\":1}}");
	assert_einval_str("{\"custom_variables\":{\"a\":{}}}", LEAD, &lead_spec,
			  "custom variables take strings");
	assert_einval_str("{\"custom_variables\":5}", LEAD, &lead_spec,
			  "custom_variables must be an object");
}
END_TEST

START_TEST(test_patch_payload_is_ordinary_without_payload_field)
{
	assert_einval_str("{\"payload\":{\"city\":\"X\",\"score\":3,"
			  "\"vip\":true}}",
			  LEAD, &campaign_spec, "payload is read-only");
}
END_TEST

START_TEST(test_patch_payload_write_null_means_payload_field_name)
{
	static const struct patch_spec spec = {lead_writable, "payload", NULL};

	assert_body("{\"payload\":{\"city\":\"X\",\"score\":3,\"vip\":true}}",
		    LEAD, &spec, "{\"payload\":{\"city\":\"X\"}}");
}
END_TEST

START_TEST(test_patch_array_instead_of_object_is_einval)
{
	assert_einval_str("[{\"name\":\"Q1\"}]", CAMPAIGN, &campaign_spec,
			  "expected a JSON object, not an array");
	assert_einval_str("\"name\"", CAMPAIGN, &campaign_spec, "not a string");
	assert_einval_str("42", CAMPAIGN, &campaign_spec, "not a number");
	assert_einval_str("null", CAMPAIGN, &campaign_spec, "not null");
}
END_TEST

START_TEST(test_patch_invalid_json_is_einval_with_line_and_column)
{
	assert_einval_str("{\n  \"name\": \"Q1\",\n  \"daily_limit\": 5,\n}\n",
			  CAMPAIGN, &campaign_spec, "invalid JSON at line 4");
	assert_einval_str("{\"name\": 'Q1'}", CAMPAIGN, &campaign_spec,
			  "invalid JSON at line 1, column 10");
	assert_einval_str("{\"name\": \"Q1\"", CAMPAIGN, &campaign_spec,
			  "invalid JSON");
}
END_TEST

START_TEST(test_patch_trailing_garbage_is_einval)
{
	assert_einval_str("{\"name\":\"Q1\"}\nx", CAMPAIGN, &campaign_spec,
			  "text after the JSON value at line 2, column 1");
	assert_einval_str("{\"name\":\"Q1\"}{}", CAMPAIGN, &campaign_spec,
			  "text after the JSON value");
}
END_TEST

START_TEST(test_patch_trailing_white_space_is_fine)
{
	assert_body("  {\"name\":\"Q9\"} \r\n\t\n", CAMPAIGN, &campaign_spec,
		    "{\"name\":\"Q9\"}");
}
END_TEST

START_TEST(test_patch_text_need_not_be_nul_terminated)
{
	const char text[] = "{\"name\":\"Q9\"}GARBAGE";
	cJSON *server = cJSON_Parse(CAMPAIGN), *body = NULL;
	char *err = NULL, *got;

	ck_assert_int_eq(
	    patch_build(text, 13, server, &campaign_spec, &body, &err), 0);
	got = cJSON_PrintUnformatted(body);
	ck_assert_str_eq(got, "{\"name\":\"Q9\"}");
	free(got);
	cJSON_Delete(body);
	cJSON_Delete(server);
}
END_TEST

START_TEST(test_patch_nesting_100_deep_is_einval)
{
	char *deep = nested(100), *text;

	ck_assert_int_ge(asprintf(&text, "{\"sequences\":%s}", deep), 0);
	assert_einval_str(text, CAMPAIGN, &campaign_spec,
			  "nesting deeper than 64 levels");
	free(text);
	free(deep);
}
END_TEST

START_TEST(test_patch_nesting_64_deep_is_fine_65_is_not)
{
	char *deep = nested(63), *text;

	/* the object itself is level 1 */
	ck_assert_int_ge(asprintf(&text, "{\"sequences\":%s}", deep), 0);
	assert_body(text, CAMPAIGN, &campaign_spec, text);
	free(text);
	free(deep);
	deep = nested(64);
	ck_assert_int_ge(asprintf(&text, "{\"sequences\":%s}", deep), 0);
	assert_einval_str(text, CAMPAIGN, &campaign_spec,
			  "nesting deeper than 64 levels at line 1, column 77");
	free(text);
	free(deep);
}
END_TEST

START_TEST(test_patch_brackets_inside_strings_are_not_nesting)
{
	char text[400];
	int n = snprintf(text, sizeof(text), "{\"name\":\"%0200d\\\"[\"}", 0);

	ck_assert_int_lt(n, (int)sizeof(text));
	memset(text + 9, '[', 200);
	assert_body(text, CAMPAIGN, &campaign_spec, text);
}
END_TEST

START_TEST(test_patch_text_larger_than_limit_is_einval)
{
	size_t len = PATCH_MAX_TEXT + 1;
	char *text = malloc(len);
	cJSON *server = cJSON_Parse(CAMPAIGN), *body = (cJSON *)1;

	memset(text, ' ', len);
	text[0] = '{';
	text[len - 1] = '}';
	assert_einval(text, len, CAMPAIGN, &campaign_spec, "larger than");
	/* exactly the limit is fine */
	text[len - 2] = '}';
	ck_assert_int_eq(
	    patch_build(text, len - 1, server, &campaign_spec, &body, NULL), 0);
	ck_assert_ptr_null(body);
	cJSON_Delete(server);
	free(text);
}
END_TEST

START_TEST(test_patch_empty_text_is_einval)
{
	assert_einval_str("", CAMPAIGN, &campaign_spec, "empty");
	assert_einval_str(" \n\t", CAMPAIGN, &campaign_spec, "empty");
}
END_TEST

START_TEST(test_patch_nul_byte_is_einval)
{
	assert_einval("{\"name\":\"Q\0\"}", 13, CAMPAIGN, &campaign_spec,
		      "a NUL byte at line 1, column 11");
	assert_einval("{\"name\":\"Q\"}\0", 13, CAMPAIGN, &campaign_spec,
		      "NUL byte");
}
END_TEST

START_TEST(test_patch_invalid_utf8_is_einval)
{
	assert_einval_str("{\"name\":\"caf\xe9\"}", CAMPAIGN, &campaign_spec,
			  "invalid UTF-8 at line 1, column 13");
	assert_body("{\"name\":\"caf\xc3\xa9 \xf0\x9f\x93\xa7\"}", CAMPAIGN,
		    &campaign_spec,
		    "{\"name\":\"caf\xc3\xa9 \xf0\x9f\x93\xa7\"}");
}
END_TEST

START_TEST(test_patch_utf8_bom_is_accepted)
{
	assert_body("\xef\xbb\xbf{\"name\":\"B\"}", CAMPAIGN, &campaign_spec,
		    "{\"name\":\"B\"}");
}
END_TEST

START_TEST(test_patch_duplicate_key_is_einval)
{
	assert_einval_str("{\"name\":\"A\",\"name\":\"B\"}", CAMPAIGN,
			  &campaign_spec, "duplicate key \"name\"");
	assert_einval_str("{\"campaign_schedule\":{\"a\":1,\"a\":1}}", CAMPAIGN,
			  &campaign_spec, "duplicate key \"a\"");
}
END_TEST

START_TEST(test_patch_duplicate_key_in_a_large_object_is_einval)
{
	char text[4096];
	int i, n = 0;

	n += sprintf(text + n, "{");
	for (i = 0; i < 100; i++)
		n += sprintf(text + n, "\"k%d\":%d,", i, i);
	sprintf(text + n, "\"k57\":0}");
	assert_einval_str(text, CAMPAIGN, &campaign_spec,
			  "duplicate key \"k57\"");
}
END_TEST

START_TEST(test_patch_nested_objects_compare_without_key_order)
{
	assert_no_body("{\"campaign_schedule\":{\"schedules\":[{\"timing\":"
		       "{\"to\":\"17:00\",\"from\":\"09:00\"},\"days\":{\"2\":"
		       "true,\"1\":true},\"name\":\"W\"}]}}",
		       CAMPAIGN, &campaign_spec);
}
END_TEST

START_TEST(test_patch_nested_change_sends_the_whole_field)
{
	assert_body("{\"campaign_schedule\":{\"schedules\":[{\"name\":\"W\","
		    "\"days\":{\"1\":true,\"2\":false},\"timing\":{\"from\":"
		    "\"09:00\",\"to\":\"17:00\"}}]}}",
		    CAMPAIGN, &campaign_spec,
		    "{\"campaign_schedule\":{\"schedules\":[{\"name\":\"W\","
		    "\"days\":{\"1\":true,\"2\":false},\"timing\":{\"from\":"
		    "\"09:00\",\"to\":\"17:00\"}}]}}");
}
END_TEST

START_TEST(test_patch_array_order_matters)
{
	assert_body("{\"sequences\":[{\"steps\":[1,3,2]}]}", CAMPAIGN,
		    &campaign_spec, "{\"sequences\":[{\"steps\":[1,3,2]}]}");
	assert_body("{\"sequences\":[{\"steps\":[1,2]}]}", CAMPAIGN,
		    &campaign_spec, "{\"sequences\":[{\"steps\":[1,2]}]}");
	assert_body("{\"sequences\":[{\"steps\":[1,2,3,4]}]}", CAMPAIGN,
		    &campaign_spec, "{\"sequences\":[{\"steps\":[1,2,3,4]}]}");
}
END_TEST

START_TEST(test_patch_object_with_extra_or_missing_key_is_a_change)
{
	assert_body("{\"sequences\":[{\"steps\":[1,2,3],\"x\":1}]}", CAMPAIGN,
		    &campaign_spec,
		    "{\"sequences\":[{\"steps\":[1,2,3],\"x\":1}]}");
	assert_body("{\"sequences\":[{}]}", CAMPAIGN, &campaign_spec,
		    "{\"sequences\":[{}]}");
}
END_TEST

START_TEST(test_patch_numbers_compare_by_value)
{
	assert_no_body("{\"daily_limit\":50.0}", CAMPAIGN, &campaign_spec);
	assert_no_body("{\"daily_limit\":5e1}", CAMPAIGN, &campaign_spec);
	assert_no_body("{\"daily_limit\":500E-1}", CAMPAIGN, &campaign_spec);
	assert_body("{\"daily_limit\":50.5}", CAMPAIGN, &campaign_spec,
		    "{\"daily_limit\":50.5}");
}
END_TEST

START_TEST(test_patch_change_of_type_is_a_change)
{
	assert_body("{\"daily_limit\":\"50\"}", CAMPAIGN, &campaign_spec,
		    "{\"daily_limit\":\"50\"}");
	assert_body("{\"text_only\":0}", CAMPAIGN, &campaign_spec,
		    "{\"text_only\":0}");
	assert_body("{\"text_only\":null}", CAMPAIGN, &campaign_spec,
		    "{\"text_only\":null}");
	assert_body("{\"text_only\":true}", CAMPAIGN, &campaign_spec,
		    "{\"text_only\":true}");
	assert_einval_str("{\"last_name\":\"\"}", LEAD, &campaign_spec,
			  "last_name is read-only");
}
END_TEST

/* Objects past the linear-search size are compared through sorted keys. */
START_TEST(test_patch_large_objects_compare_without_key_order)
{
	char server[8192], same[8192], changed[8192];
	int i, a = 0, b = 0, c = 0;

	a += sprintf(server + a, "{\"name\":\"Q\",\"campaign_schedule\":{");
	b += sprintf(same + b, "{\"campaign_schedule\":{");
	c += sprintf(changed + c, "{\"campaign_schedule\":{");
	for (i = 0; i < 200; i++) {
		a += sprintf(server + a, "%s\"k%d\":%d", i ? "," : "", i, i);
		b += sprintf(same + b, "%s\"k%d\":%d", i ? "," : "", 199 - i,
			     199 - i);
		c += sprintf(changed + c, "%s\"k%d\":%d", i ? "," : "", i,
			     i == 150 ? -1 : i);
	}
	a += sprintf(server + a, "}");
	for (i = 0; i < 30; i++)
		a += sprintf(server + a, ",\"f%d\":%d", i, i);
	sprintf(server + a, "}");
	sprintf(same + b, "},\"f7\":7,\"name\":\"Q\"}");
	sprintf(changed + c, "}}");
	assert_no_body(same, server, &campaign_spec);
	assert_body(changed, server, &campaign_spec, changed);
	assert_einval_str("{\"f29\":0}", server, &campaign_spec,
			  "f29 is read-only");
	assert_einval_str("{\"f30\":0}", server, &campaign_spec,
			  "f30 is not a field the API takes");
}
END_TEST

START_TEST(test_patch_null_server_is_an_empty_object)
{
	assert_body("{\"name\":\"N\"}", NULL, &campaign_spec,
		    "{\"name\":\"N\"}");
	assert_einval_str("{\"id\":\"x\"}", NULL, &campaign_spec,
			  "id is not a field the API takes");
}
END_TEST

START_TEST(test_patch_err_may_be_null)
{
	cJSON *body = NULL;

	ck_assert_int_eq(patch_build("[", 1, NULL, &campaign_spec, &body, NULL),
			 -EINVAL);
	ck_assert_ptr_null(body);
	ck_assert_int_eq(patch_parse_new("[", 1, NULL, &body, NULL), -EINVAL);
	ck_assert_ptr_null(body);
}
END_TEST

START_TEST(test_patch_message_shows_names_on_one_line)
{
	char name[200], text[300];

	assert_einval_str("{\"a\\nb\\u0001\":1}", "{\"a\\nb\\u0001\":2}",
			  &campaign_spec, "a?b? is read-only");
	memset(name, 'x', sizeof(name) - 1);
	name[sizeof(name) - 1] = '\0';
	snprintf(text, sizeof(text), "{\"%s\":1}", name);
	assert_einval_str(text, NULL, &campaign_spec,
			  "xxx... is not a field the API takes");
}
END_TEST

/* ---- patch_parse_new ---- */

static const char *const drop_ro[] = {"id", "timestamp_created", NULL};

static void assert_new(const char *text, const char *want)
{
	cJSON *obj = NULL;
	char *err = NULL, *got;

	ck_assert_int_eq(
	    patch_parse_new(text, strlen(text), drop_ro, &obj, &err), 0);
	ck_assert_ptr_null(err);
	got = cJSON_PrintUnformatted(obj);
	ck_assert_str_eq(got, want);
	free(got);
	cJSON_Delete(obj);
}

static void assert_new_einval(const char *text, size_t len, const char *want)
{
	cJSON *obj = (cJSON *)1;
	char *err = NULL;

	ck_assert_int_eq(patch_parse_new(text, len, drop_ro, &obj, &err),
			 -EINVAL);
	ck_assert_ptr_null(obj);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want), "message \"%s\" lacks \"%s\"", err,
		      want);
	free(err);
}

START_TEST(test_patch_new_empty_text_is_an_empty_object)
{
	assert_new("", "{}");
	assert_new(" \n\r\n\t", "{}");
	assert_new("\xef\xbb\xbf\n", "{}");
}
END_TEST

START_TEST(test_patch_new_drops_named_fields_and_keeps_the_rest)
{
	assert_new("{\"id\":\"x\",\"first_name\":\"A\",\"timestamp_created\":"
		   "\"t\",\"payload\":{\"id\":1}}",
		   "{\"first_name\":\"A\",\"payload\":{\"id\":1}}");
	{
		cJSON *obj = NULL;

		ck_assert_int_eq(
		    patch_parse_new("{\"id\":1}", 8, NULL, &obj, NULL), 0);
		ck_assert_ptr_nonnull(cJSON_GetObjectItem(obj, "id"));
		cJSON_Delete(obj);
	}
}
END_TEST

START_TEST(test_patch_new_has_the_same_limits)
{
	char *deep = nested(100), *text;
	size_t big = PATCH_MAX_TEXT + 1;
	char *huge = malloc(big);

	assert_new_einval("[]", 2, "not an array");
	assert_new_einval("{\"a\":", 5, "invalid JSON at line 1");
	assert_new_einval("{} x", 4, "text after the JSON value");
	assert_new_einval("{\"a\":1,\"a\":2}", 13, "duplicate key");
	assert_new_einval("{\"a\":\"\xff\"}", 9, "invalid UTF-8");
	ck_assert_int_ge(asprintf(&text, "{\"a\":%s}", deep), 0);
	assert_new_einval(text, strlen(text), "nesting deeper than 64");
	memset(huge, ' ', big);
	assert_new_einval(huge, big, "larger than");
	free(huge);
	free(text);
	free(deep);
}
END_TEST

/* ---- patch_parse_json and patch_bad_text ---- */

START_TEST(test_patch_parse_json_takes_any_value_and_reports_offsets)
{
	cJSON *v = NULL;
	size_t pos = 0;
	char *why = NULL;

	ck_assert_int_eq(patch_parse_json(" [1, \"x\"] ", 10, &v, &pos, &why),
			 0);
	ck_assert(cJSON_IsArray(v));
	ck_assert_ptr_null(why);
	cJSON_Delete(v);
	ck_assert_int_eq(patch_parse_json("[1] 2", 5, &v, &pos, &why), -EINVAL);
	ck_assert_ptr_null(v);
	ck_assert_uint_eq(pos, 4);
	ck_assert_str_eq(why, "text after the JSON value");
	free(why);
	ck_assert_int_eq(
	    patch_parse_json("{\"a\":1,\"a\":1}", 13, &v, &pos, &why), -EINVAL);
	ck_assert_uint_eq(pos, (size_t)-1);
	ck_assert_str_eq(why, "duplicate key \"a\"");
	free(why);
	ck_assert_int_eq(patch_parse_json("", 0, &v, NULL, NULL), -EINVAL);
}
END_TEST

static void assert_bad_at(const char *s, size_t len, size_t at, const char *why)
{
	const char *got = NULL;

	ck_assert_uint_eq(patch_bad_text(s, len, &got), at);
	if (why)
		ck_assert_str_eq(got, why);
}

START_TEST(test_patch_bad_text_finds_nul_and_invalid_utf8)
{
	assert_bad_at("plain ascii", 11, 11, NULL);
	assert_bad_at("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, 9, NULL);
	assert_bad_at("\xef\xbb\xbf", 3, 3, NULL);
	assert_bad_at("ab\0c", 4, 2, "a NUL byte");
	assert_bad_at("a\xc0\xaf", 3, 1, "invalid UTF-8");     /* overlong */
	assert_bad_at("a\xe0\x80\xaf", 4, 1, "invalid UTF-8"); /* overlong */
	assert_bad_at("a\xed\xa0\x80", 4, 1, "invalid UTF-8"); /* surrogate */
	assert_bad_at("a\xf4\x90\x80\x80", 5, 1, "invalid UTF-8");
	assert_bad_at("a\xf5\x80\x80\x80", 5, 1, "invalid UTF-8");
	assert_bad_at("ab\xc3", 3, 2, "invalid UTF-8"); /* cut short */
	assert_bad_at("ab\xe2\x82", 4, 2, "invalid UTF-8");
	assert_bad_at("ab\xe2\x82x", 5, 2, "invalid UTF-8");
	assert_bad_at("\x80", 1, 0, "invalid UTF-8");
	assert_bad_at("ab\xc3\xa9", 3, 2, "invalid UTF-8"); /* len cuts it */
}
END_TEST

Suite *patch_suite(void)
{
	Suite *s = suite_create("patch");
	TCase *tb = tcase_create("build");
	TCase *tp = tcase_create("payload");
	TCase *tj = tcase_create("parse");
	TCase *tn = tcase_create("new");

	tcase_add_test(tb, test_patch_unchanged_text_gives_no_body);
	tcase_add_test(tb, test_patch_reformatted_reordered_text_gives_no_body);
	tcase_add_test(tb, test_patch_one_writable_field_changed_gives_only_it);
	tcase_add_test(tb, test_patch_body_keeps_the_order_of_the_text);
	tcase_add_test(tb, test_patch_field_left_out_is_not_a_change);
	tcase_add_test(tb, test_patch_changed_read_only_id_is_einval);
	tcase_add_test(tb, test_patch_first_error_in_text_order_is_reported);
	tcase_add_test(tb, test_patch_new_writable_field_is_sent);
	tcase_add_test(tb,
		       test_patch_new_field_the_api_does_not_take_is_einval);
	tcase_add_test(tb, test_patch_nested_objects_compare_without_key_order);
	tcase_add_test(tb, test_patch_nested_change_sends_the_whole_field);
	tcase_add_test(tb, test_patch_array_order_matters);
	tcase_add_test(tb,
		       test_patch_object_with_extra_or_missing_key_is_a_change);
	tcase_add_test(tb, test_patch_numbers_compare_by_value);
	tcase_add_test(tb, test_patch_change_of_type_is_a_change);
	tcase_add_test(tb, test_patch_large_objects_compare_without_key_order);
	tcase_add_test(tb, test_patch_null_server_is_an_empty_object);
	tcase_add_test(tb, test_patch_err_may_be_null);
	tcase_add_test(tb, test_patch_message_shows_names_on_one_line);
	suite_add_tcase(s, tb);

	tcase_add_test(tp,
		       test_patch_payload_edit_sends_only_the_changed_variable);
	tcase_add_test(tp,
		       test_patch_payload_added_and_nulled_variables_are_sent);
	tcase_add_test(
	    tp, test_patch_payload_changes_sit_where_payload_is_in_the_text);
	tcase_add_test(tp, test_patch_payload_reordered_is_no_change);
	tcase_add_test(tp, test_patch_object_in_payload_is_einval);
	tcase_add_test(tp, test_patch_removed_custom_variable_is_einval);
	tcase_add_test(tp, test_patch_payload_not_an_object_is_einval);
	tcase_add_test(tp, test_patch_payload_where_the_server_has_none);
	tcase_add_test(
	    tp, test_patch_payload_and_custom_variables_together_is_einval);
	tcase_add_test(
	    tp, test_patch_custom_variables_written_directly_are_checked);
	tcase_add_test(tp,
		       test_patch_payload_is_ordinary_without_payload_field);
	tcase_add_test(tp,
		       test_patch_payload_write_null_means_payload_field_name);
	suite_add_tcase(s, tp);

	tcase_add_test(tj, test_patch_array_instead_of_object_is_einval);
	tcase_add_test(tj,
		       test_patch_invalid_json_is_einval_with_line_and_column);
	tcase_add_test(tj, test_patch_trailing_garbage_is_einval);
	tcase_add_test(tj, test_patch_trailing_white_space_is_fine);
	tcase_add_test(tj, test_patch_text_need_not_be_nul_terminated);
	tcase_add_test(tj, test_patch_nesting_100_deep_is_einval);
	tcase_add_test(tj, test_patch_nesting_64_deep_is_fine_65_is_not);
	tcase_add_test(tj, test_patch_brackets_inside_strings_are_not_nesting);
	tcase_add_test(tj, test_patch_text_larger_than_limit_is_einval);
	tcase_add_test(tj, test_patch_empty_text_is_einval);
	tcase_add_test(tj, test_patch_nul_byte_is_einval);
	tcase_add_test(tj, test_patch_invalid_utf8_is_einval);
	tcase_add_test(tj, test_patch_utf8_bom_is_accepted);
	tcase_add_test(tj, test_patch_duplicate_key_is_einval);
	tcase_add_test(tj,
		       test_patch_duplicate_key_in_a_large_object_is_einval);
	tcase_add_test(
	    tj, test_patch_parse_json_takes_any_value_and_reports_offsets);
	tcase_add_test(tj, test_patch_bad_text_finds_nul_and_invalid_utf8);
	suite_add_tcase(s, tj);

	tcase_add_test(tn, test_patch_new_empty_text_is_an_empty_object);
	tcase_add_test(tn,
		       test_patch_new_drops_named_fields_and_keeps_the_rest);
	tcase_add_test(tn, test_patch_new_has_the_same_limits);
	suite_add_tcase(s, tn);
	return s;
}
