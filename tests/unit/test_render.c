/*
 * test_render.c - pretty JSON and CSV rendering.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"
#include "suites.h"

/* Parses json, renders it and compares with want (length checked too). */
static void assert_json_renders(const char *json, const char *want)
{
	cJSON *v = cJSON_Parse(json);
	size_t len = 0;
	char *got;

	ck_assert_msg(v != NULL, "test input does not parse: %s", json);
	got = render_json(v, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
	cJSON_Delete(v);
}

static void assert_csv_renders(const char *json, const char *want)
{
	cJSON *v = cJSON_Parse(json);
	size_t len = 99;
	char *got;

	ck_assert_msg(v != NULL, "test input does not parse: %s", json);
	got = render_csv(v, &len);
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
	cJSON_Delete(v);
}

static void assert_number_renders(double d, const char *want)
{
	cJSON *v = cJSON_CreateNumber(d);
	char *got = render_json(v, NULL);
	size_t n = strlen(want);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strncmp(got, want, n) == 0 && !strcmp(got + n, "\n"),
		      "%.17g rendered as %s", d, got);
	free(got);
	cJSON_Delete(v);
}

/* The printed number parses back to exactly the same double. */
static void assert_number_round_trips(double d)
{
	cJSON *v = cJSON_CreateNumber(d);
	char *got = render_json(v, NULL);

	ck_assert_ptr_nonnull(got);
	ck_assert_msg(strtod(got, NULL) == d, "%.17g rendered as %s", d, got);
	ck_assert_ptr_null(strchr(got, ','));
	free(got);
	cJSON_Delete(v);
}

START_TEST(test_json_scalars_at_top_level)
{
	assert_json_renders("42", "42\n");
	assert_json_renders("\"hi\"", "\"hi\"\n");
	assert_json_renders("true", "true\n");
	assert_json_renders("false", "false\n");
	assert_json_renders("null", "null\n");
}
END_TEST

START_TEST(test_json_empty_containers_on_one_line)
{
	assert_json_renders("{}", "{}\n");
	assert_json_renders("[]", "[]\n");
	assert_json_renders("{\"a\":{},\"b\":[]}", "{\n"
						   "  \"a\": {},\n"
						   "  \"b\": []\n"
						   "}\n");
}
END_TEST

START_TEST(test_json_object_one_field_per_line_two_space_indent)
{
	assert_json_renders("{\"id\":\"c1\",\"name\":\"Q4\",\"status\":1}",
			    "{\n"
			    "  \"id\": \"c1\",\n"
			    "  \"name\": \"Q4\",\n"
			    "  \"status\": 1\n"
			    "}\n");
}
END_TEST

START_TEST(test_json_nested_objects_and_arrays_indent_by_depth)
{
	assert_json_renders(
	    "{\"a\":{\"b\":{\"c\":[1,[2,3],{\"d\":null}]}},\"e\":[true]}",
	    "{\n"
	    "  \"a\": {\n"
	    "    \"b\": {\n"
	    "      \"c\": [\n"
	    "        1,\n"
	    "        [\n"
	    "          2,\n"
	    "          3\n"
	    "        ],\n"
	    "        {\n"
	    "          \"d\": null\n"
	    "        }\n"
	    "      ]\n"
	    "    }\n"
	    "  },\n"
	    "  \"e\": [\n"
	    "    true\n"
	    "  ]\n"
	    "}\n");
}
END_TEST

START_TEST(test_json_keeps_server_key_order)
{
	assert_json_renders("{\"z\":1,\"a\":2,\"m\":3}", "{\n"
							 "  \"z\": 1,\n"
							 "  \"a\": 2,\n"
							 "  \"m\": 3\n"
							 "}\n");
}
END_TEST

START_TEST(test_json_escapes_quotes_backslashes_and_control_bytes)
{
	assert_json_renders("\"q\\\" b\\\\ n\\n t\\t r\\r b\\b f\\f\"",
			    "\"q\\\" b\\\\ n\\n t\\t r\\r b\\b f\\f\"\n");
	assert_json_renders("\"\\u0001\\u001f\\u0000x\"",
			    "\"\\u0001\\u001f\"\n");
	assert_json_renders("\"a/b \\u007f\"", "\"a/b \x7f\"\n");
}
END_TEST

START_TEST(test_json_escapes_keys_too)
{
	assert_json_renders("{\"a\\\"b\\n\":1}", "{\n"
						 "  \"a\\\"b\\n\": 1\n"
						 "}\n");
}
END_TEST

START_TEST(test_json_passes_utf8_through_unchanged)
{
	assert_json_renders("\"Café € 😀\"", "\"Café € 😀\"\n");
	assert_json_renders("\"\\u00e9\\u20ac\\ud83d\\ude00\"", "\"é€😀\"\n");
}
END_TEST

START_TEST(test_json_integers_print_without_fraction)
{
	assert_number_renders(42, "42");
	assert_number_renders(0, "0");
	assert_number_renders(-7, "-7");
	assert_number_renders(1700000000000.0, "1700000000000");
	assert_number_renders(9007199254740993.0, "9007199254740992");
	assert_number_renders(1e16, "10000000000000000");
}
END_TEST

START_TEST(test_json_fractions_print_shortest_round_trip)
{
	assert_number_renders(1.5, "1.5");
	assert_number_renders(0.1, "0.1");
	assert_number_renders(-2.25, "-2.25");
	assert_number_renders(0.1 + 0.2, "0.30000000000000004");
	assert_number_renders(3.141592653589793, "3.141592653589793");
	assert_number_renders(1e-7, "1e-07");
	assert_number_renders(1e300, "1e+300");
}
END_TEST

START_TEST(test_json_numbers_round_trip_exactly)
{
	static const double values[] = {
	    0.1,       1.0 / 3,	     2.0 / 3,
	    1e-300,    5e-324,	     1.7976931348623157e308,
	    123.456e7, -0.000123456, 1e17,
	    1e22,      4.35,	     99.99,
	};
	size_t i;

	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++)
		assert_number_round_trips(values[i]);
}
END_TEST

START_TEST(test_json_nan_and_infinity_print_as_null)
{
	assert_number_renders(NAN, "null");
	assert_number_renders(INFINITY, "null");
	assert_number_renders(-INFINITY, "null");
}
END_TEST

START_TEST(test_json_parsed_numbers_keep_their_value)
{
	assert_json_renders("[1.0, 2.50, -0.5, 1E3, 12345678901]",
			    "[\n"
			    "  1,\n"
			    "  2.5,\n"
			    "  -0.5,\n"
			    "  1000,\n"
			    "  12345678901\n"
			    "]\n");
}
END_TEST

START_TEST(test_json_render_parses_back_to_equal_document)
{
	const char *doc =
	    "{\"id\":\"0199\",\"n\":[1,2.5,-3e-5,{\"x\":\"y\\n\"}],"
	    "\"o\":{\"e\":{},\"a\":[],\"u\":\"\\u00fc\\t\"},\"b\":false,"
	    "\"nil\":null,\"big\":1.7976931348623157e308}";
	cJSON *in = cJSON_Parse(doc), *back;
	char *out = render_json(in, NULL);

	ck_assert_ptr_nonnull(out);
	back = cJSON_Parse(out);
	ck_assert_ptr_nonnull(back);
	ck_assert(cJSON_Compare(in, back, 1));
	cJSON_Delete(back);
	cJSON_Delete(in);
	free(out);
}
END_TEST

START_TEST(test_json_null_item_is_einval)
{
	size_t len = 5;

	errno = 0;
	ck_assert_ptr_null(render_json(NULL, &len));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(test_json_raw_item_printed_as_is)
{
	cJSON *o = cJSON_CreateObject();
	char *out;

	cJSON_AddRawToObject(o, "r", "[1,2]");
	out = render_json(o, NULL);
	ck_assert_str_eq(out, "{\n  \"r\": [1,2]\n}\n");
	free(out);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_csv_header_then_rows)
{
	assert_csv_renders("[{\"date\":\"2026-01-01\",\"sent\":10},"
			   "{\"date\":\"2026-01-02\",\"sent\":12}]",
			   "date,sent\n"
			   "2026-01-01,10\n"
			   "2026-01-02,12\n");
}
END_TEST

START_TEST(test_csv_header_is_union_of_keys_in_first_seen_order)
{
	assert_csv_renders("[{\"b\":1,\"a\":2},{\"c\":3,\"a\":4},{\"d\":5}]",
			   "b,a,c,d\n"
			   "1,2,,\n"
			   ",4,3,\n"
			   ",,,5\n");
}
END_TEST

START_TEST(test_csv_null_is_empty_and_booleans_are_words)
{
	assert_csv_renders("[{\"a\":null,\"b\":true,\"c\":false,\"d\":1.5}]",
			   "a,b,c,d\n"
			   ",true,false,1.5\n");
}
END_TEST

START_TEST(test_csv_quotes_commas_quotes_and_newlines)
{
	assert_csv_renders(
	    "[{\"a\":\"x,y\",\"b\":\"say \\\"hi\\\"\",\"c\":\"l1\\nl2\","
	    "\"d\":\"cr\\r\",\"e\":\"plain text\"}]",
	    "a,b,c,d,e\n"
	    "\"x,y\",\"say \"\"hi\"\"\",\"l1\nl2\",\"cr\r\",plain text\n");
}
END_TEST

START_TEST(test_csv_quotes_header_fields_too)
{
	assert_csv_renders("[{\"a,b\":1,\"q\\\"\":2}]", "\"a,b\",\"q\"\"\"\n"
							"1,2\n");
}
END_TEST

START_TEST(test_csv_nested_values_are_compact_json)
{
	assert_csv_renders(
	    "[{\"tags\":[\"a\",\"b\"],\"o\":{\"k\":1},\"one\":[1],"
	    "\"e\":{}}]",
	    "tags,o,one,e\n"
	    "\"[\"\"a\"\",\"\"b\"\"]\",\"{\"\"k\"\":1}\",[1],{}\n");
}
END_TEST

START_TEST(test_csv_passes_utf8_through)
{
	assert_csv_renders("[{\"name\":\"Zoë €\"}]", "name\n"
						     "Zoë €\n");
}
END_TEST

START_TEST(test_csv_empty_array_is_empty_text)
{
	assert_csv_renders("[]", "");
	assert_csv_renders("[{},{}]", "");
}
END_TEST

START_TEST(test_csv_object_is_one_row)
{
	assert_csv_renders("{\"a\":1,\"b\":\"x\"}", "a,b\n"
						    "1,x\n");
}
END_TEST

START_TEST(test_csv_non_object_row_is_einval)
{
	cJSON *v = cJSON_Parse("[{\"a\":1},2]");
	size_t len = 3;

	errno = 0;
	ck_assert_ptr_null(render_csv(v, &len));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert_uint_eq(len, 0);
	cJSON_Delete(v);

	v = cJSON_Parse("\"text\"");
	errno = 0;
	ck_assert_ptr_null(render_csv(v, NULL));
	ck_assert_int_eq(errno, EINVAL);
	cJSON_Delete(v);
	ck_assert_ptr_null(render_csv(NULL, NULL));
}
END_TEST

START_TEST(test_csv_many_rows_and_columns)
{
	cJSON *arr = cJSON_CreateArray();
	char key[16], *out, *p;
	size_t lines = 0;
	int r, c;

	for (r = 0; r < 500; r++) {
		cJSON *o = cJSON_CreateObject();

		for (c = 0; c < 40; c++) {
			snprintf(key, sizeof(key), "k%d", c);
			cJSON_AddNumberToObject(o, key, r * 100 + c);
		}
		cJSON_AddItemToArray(arr, o);
	}
	out = render_csv(arr, NULL);
	ck_assert_ptr_nonnull(out);
	for (p = out; *p; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 501);
	ck_assert_ptr_nonnull(strstr(out, "\n49900,49901,"));
	free(out);
	cJSON_Delete(arr);
}
END_TEST

Suite *render_suite(void)
{
	Suite *s = suite_create("render");
	TCase *tj = tcase_create("json");
	TCase *tc = tcase_create("csv");

	tcase_add_test(tj, test_json_scalars_at_top_level);
	tcase_add_test(tj, test_json_empty_containers_on_one_line);
	tcase_add_test(tj,
		       test_json_object_one_field_per_line_two_space_indent);
	tcase_add_test(tj, test_json_nested_objects_and_arrays_indent_by_depth);
	tcase_add_test(tj, test_json_keeps_server_key_order);
	tcase_add_test(tj,
		       test_json_escapes_quotes_backslashes_and_control_bytes);
	tcase_add_test(tj, test_json_escapes_keys_too);
	tcase_add_test(tj, test_json_passes_utf8_through_unchanged);
	tcase_add_test(tj, test_json_integers_print_without_fraction);
	tcase_add_test(tj, test_json_fractions_print_shortest_round_trip);
	tcase_add_test(tj, test_json_numbers_round_trip_exactly);
	tcase_add_test(tj, test_json_nan_and_infinity_print_as_null);
	tcase_add_test(tj, test_json_parsed_numbers_keep_their_value);
	tcase_add_test(tj, test_json_render_parses_back_to_equal_document);
	tcase_add_test(tj, test_json_null_item_is_einval);
	tcase_add_test(tj, test_json_raw_item_printed_as_is);
	suite_add_tcase(s, tj);

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_csv_header_then_rows);
	tcase_add_test(tc,
		       test_csv_header_is_union_of_keys_in_first_seen_order);
	tcase_add_test(tc, test_csv_null_is_empty_and_booleans_are_words);
	tcase_add_test(tc, test_csv_quotes_commas_quotes_and_newlines);
	tcase_add_test(tc, test_csv_quotes_header_fields_too);
	tcase_add_test(tc, test_csv_nested_values_are_compact_json);
	tcase_add_test(tc, test_csv_passes_utf8_through);
	tcase_add_test(tc, test_csv_empty_array_is_empty_text);
	tcase_add_test(tc, test_csv_object_is_one_row);
	tcase_add_test(tc, test_csv_non_object_row_is_einval);
	tcase_add_test(tc, test_csv_many_rows_and_columns);
	suite_add_tcase(s, tc);
	return s;
}
