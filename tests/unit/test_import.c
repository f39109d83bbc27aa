/*
 * test_import.c - CSV and JSON Lines lead imports: fields, custom
 * variables, RFC 4180 quoting, line numbers of errors, batches, limits.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "import.h"
#include "suites.h"

static int parse(const char *text, struct import_result *r, char **err)
{
	*err = NULL;
	return import_parse(text, strlen(text), r, err);
}

static const cJSON *lead_at(const struct import_result *r, size_t i)
{
	ck_assert_uint_lt(i, r->rows);
	return cJSON_GetArrayItem(r->batches[i / IMPORT_BATCH].leads,
				  (int)(i % IMPORT_BATCH));
}

/* The leads, as one compact JSON array, equal want. */
static void assert_leads(const char *text, const char *want)
{
	struct import_result r;
	struct buf all;
	char *err = NULL;
	size_t i;
	int rc = parse(text, &r, &err);

	ck_assert_msg(rc == 0, "rc %d: %s", rc, err ? err : "(no message)");
	ck_assert_ptr_null(err);
	buf_init(&all, 1 << 20);
	buf_puts(&all, "[");
	for (i = 0; i < r.rows; i++) {
		char *one = cJSON_PrintUnformatted(lead_at(&r, i));

		buf_printf(&all, "%s%s", i ? "," : "", one);
		free(one);
	}
	buf_puts(&all, "]");
	ck_assert_str_eq(all.data, want);
	buf_free(&all);
	import_result_free(&r);
}

/* rc, an empty result, and a one-line message holding want. */
static void assert_fails_len(const char *text, size_t len, int want_rc,
			     const char *want)
{
	struct import_result r;
	char *err = NULL;
	int rc;

	memset(&r, 0xa5, sizeof(r));
	rc = import_parse(text, len, &r, &err);
	ck_assert_int_eq(rc, want_rc);
	ck_assert_ptr_null(r.batches);
	ck_assert_uint_eq(r.nbatches, 0);
	ck_assert_uint_eq(r.rows, 0);
	ck_assert_ptr_nonnull(err);
	ck_assert_msg(strstr(err, want), "message \"%s\" lacks \"%s\"", err,
		      want);
	ck_assert_msg(!strchr(err, '\n'), "message has a newline: %s", err);
	free(err);
}

static void assert_fails(const char *text, const char *want)
{
	assert_fails_len(text, strlen(text), -EINVAL, want);
}

/* ---- CSV ---- */

START_TEST(test_import_csv_header_maps_lead_fields_and_custom_variables)
{
	assert_leads(
	    "email,first_name,last_name,company_name,city,plan\n"
	    "a@x.com,Ann,Lee,Acme,Oslo,pro\n",
	    "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\","
	    "\"last_name\":\"Lee\",\"company_name\":\"Acme\","
	    "\"custom_variables\":{\"city\":\"Oslo\",\"plan\":\"pro\"}}]");
}
END_TEST

START_TEST(test_import_csv_knows_every_lead_field_of_the_spec)
{
	assert_leads("email,personalization,website,last_name,first_name,"
		     "company_name,job_title,phone,lt_interest_status,"
		     "pl_value_lead,assigned_to\n"
		     "a@x.com,Hi,x.com,L,F,C,CTO,+1,1,High,u-1\n",
		     "[{\"email\":\"a@x.com\",\"personalization\":\"Hi\","
		     "\"website\":\"x.com\",\"last_name\":\"L\","
		     "\"first_name\":\"F\",\"company_name\":\"C\","
		     "\"job_title\":\"CTO\",\"phone\":\"+1\","
		     "\"lt_interest_status\":1,\"pl_value_lead\":\"High\","
		     "\"assigned_to\":\"u-1\"}]");
}
END_TEST

START_TEST(test_import_header_names_are_trimmed_and_case_insensitive)
{
	assert_leads(" Email ,FIRST_NAME,\" Job_Title \", Shoe Size \n"
		     "a@x.com,Ann,CTO,42\n",
		     "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\","
		     "\"job_title\":\"CTO\",\"custom_variables\":"
		     "{\"Shoe Size\":\"42\"}}]");
}
END_TEST

START_TEST(test_import_custom_variables_are_strings)
{
	assert_leads("email,score,vip\na@x.com,3,true\n",
		     "[{\"email\":\"a@x.com\",\"custom_variables\":"
		     "{\"score\":\"3\",\"vip\":\"true\"}}]");
}
END_TEST

START_TEST(test_import_empty_cells_are_left_out)
{
	assert_leads("email,first_name,city\n"
		     "a@x.com,,\n"
		     "b@x.com,\"\",Rome\n"
		     "c@x.com,Cy,\n",
		     "[{\"email\":\"a@x.com\"},"
		     "{\"email\":\"b@x.com\",\"custom_variables\":"
		     "{\"city\":\"Rome\"}},"
		     "{\"email\":\"c@x.com\",\"first_name\":\"Cy\"}]");
}
END_TEST

START_TEST(test_import_unquoted_cells_are_trimmed_quoted_kept)
{
	assert_leads("email,first_name,last_name\n"
		     "  a@x.com\t, Ann ,\"  Lee \"  \n",
		     "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\","
		     "\"last_name\":\"  Lee \"}]");
}
END_TEST

START_TEST(test_import_crlf_line_ends)
{
	assert_leads("email,first_name\r\na@x.com,Ann\r\nb@x.com,\"Bo\"\r\n"
		     "c@x.com,\"C\r\nD\"\r\n",
		     "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\"},"
		     "{\"email\":\"b@x.com\",\"first_name\":\"Bo\"},"
		     "{\"email\":\"c@x.com\",\"first_name\":\"C\\r\\nD\"}]");
}
END_TEST

START_TEST(test_import_last_row_without_newline)
{
	assert_leads("email\na@x.com\nb@x.com",
		     "[{\"email\":\"a@x.com\"},{\"email\":\"b@x.com\"}]");
}
END_TEST

START_TEST(test_import_utf8_bom_is_skipped)
{
	assert_leads("\xef\xbb\xbf"
		     "email,city\na@x.com,K\xc3\xb8ge\n",
		     "[{\"email\":\"a@x.com\",\"custom_variables\":"
		     "{\"city\":\"K\xc3\xb8ge\"}}]");
	assert_leads("\xef\xbb\xbf"
		     "{\"email\":\"a@x.com\"}\n",
		     "[{\"email\":\"a@x.com\"}]");
}
END_TEST

START_TEST(test_import_quoted_comma_quote_and_newline)
{
	assert_leads("email,company_name,personalization\n"
		     "a@x.com,\"Acme, Inc.\",\"She said \"\"hi\"\"\n"
		     "and left, twice\"\n"
		     "\"b@x.com\",\"\"\"\",\",\"\n",
		     "[{\"email\":\"a@x.com\",\"company_name\":\"Acme, Inc.\","
		     "\"personalization\":\"She said \\\"hi\\\"\\nand left, "
		     "twice\"},"
		     "{\"email\":\"b@x.com\",\"company_name\":\"\\\"\","
		     "\"personalization\":\",\"}]");
}
END_TEST

START_TEST(test_import_quote_inside_unquoted_cell_is_kept)
{
	assert_leads("email,first_name\na@x.com,Jo\"e\n",
		     "[{\"email\":\"a@x.com\",\"first_name\":\"Jo\\\"e\"}]");
}
END_TEST

START_TEST(test_import_blank_lines_are_skipped)
{
	assert_leads("\n\nemail\n\na@x.com\n  \r\n\t\nb@x.com\n\n",
		     "[{\"email\":\"a@x.com\"},{\"email\":\"b@x.com\"}]");
}
END_TEST

START_TEST(test_import_ragged_row_is_einval_with_its_line)
{
	assert_fails("email,first_name\na@x.com,Ann\nb@x.com\n",
		     "line 3: 1 fields, but the header has 2");
	assert_fails("email,first_name\na@x.com,Ann,extra\n",
		     "line 2: 3 fields, but the header has 2");
}
END_TEST

START_TEST(test_import_line_numbers_count_newlines_inside_quotes)
{
	assert_fails("email,personalization\n"
		     "a@x.com,\"one\ntwo\nthree\"\n"
		     "\n"
		     "b@x.com\n",
		     "line 6: 1 fields");
}
END_TEST

START_TEST(test_import_unterminated_quote_is_einval_at_record_start)
{
	assert_fails("email,personalization\na@x.com,ok\n"
		     "b@x.com,\"never\nclosed\n",
		     "line 3: a quoted field is not closed");
}
END_TEST

START_TEST(test_import_text_after_closing_quote_is_einval)
{
	assert_fails("email,first_name\na@x.com,\"Ann\"x\n",
		     "line 2: text after the closing quote");
}
END_TEST

START_TEST(test_import_missing_email_is_einval)
{
	assert_fails("email,first_name\na@x.com,A\n,B\n", "line 3: no email");
	assert_fails("email,first_name\na@x.com,A\n\"  \",B\n",
		     "line 3: email \"  \" has no '@'");
}
END_TEST

START_TEST(test_import_email_without_at_is_einval)
{
	assert_fails("email\na@x.com\nnobody.example.com\n",
		     "line 3: email \"nobody.example.com\" has no '@'");
}
END_TEST

START_TEST(test_import_header_without_email_is_einval)
{
	assert_fails("first_name,last_name\nA,B\n",
		     "line 1: the header has no email column");
}
END_TEST

START_TEST(test_import_header_name_twice_is_einval)
{
	assert_fails("email,Email\na@x.com,b@x.com\n",
		     "line 1: column email appears twice");
	assert_fails("email,city,city\na@x.com,A,B\n",
		     "line 1: column city appears twice");
}
END_TEST

START_TEST(test_import_unnamed_column_only_when_empty)
{
	assert_leads("email,first_name,\na@x.com,Ann,\n",
		     "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\"}]");
	assert_fails("email,first_name,\na@x.com,Ann,\nb@x.com,B,oops\n",
		     "line 3: column 3 has a value but no name");
}
END_TEST

START_TEST(test_import_interest_status_is_an_integer)
{
	assert_leads("email,lt_interest_status\na@x.com,-2\nb@x.com,\n",
		     "[{\"email\":\"a@x.com\",\"lt_interest_status\":-2},"
		     "{\"email\":\"b@x.com\"}]");
	assert_fails("email,lt_interest_status\na@x.com,won\n",
		     "line 2: lt_interest_status must be an integer");
	assert_fails("email,lt_interest_status\na@x.com,1.5\n",
		     "line 2: lt_interest_status must be an integer");
}
END_TEST

START_TEST(test_import_header_only_has_no_rows)
{
	assert_fails("email,first_name\n", "no rows");
	assert_fails("email,first_name\n\n\r\n", "no rows");
}
END_TEST

START_TEST(test_import_empty_file_has_no_rows)
{
	assert_fails("", "no rows");
	assert_fails(" \n\r\n\t", "no rows");
	assert_fails("\xef\xbb\xbf", "no rows");
}
END_TEST

START_TEST(test_import_nul_byte_and_invalid_utf8_are_einval_with_line)
{
	assert_fails_len("email\na@x.com\nb\0@x.com\n", 23, -EINVAL,
			 "line 3: a NUL byte");
	assert_fails("email,city\na@x.com,K\xf8ge\n", "line 2: invalid UTF-8");
}
END_TEST

/* 2500 rows make batches of 1000, 1000 and 500, each with its first line. */
START_TEST(test_import_2500_rows_make_three_batches)
{
	struct import_result r;
	struct buf text;
	char *err = NULL;
	const cJSON *l;
	int i;

	buf_init(&text, 1 << 20);
	buf_puts(&text, "email,n\n");
	for (i = 0; i < 2500; i++)
		buf_printf(&text, "lead%d@x.com,%d\n", i, i);
	ck_assert_int_eq(import_parse(text.data, text.len, &r, &err), 0);
	ck_assert_uint_eq(r.rows, 2500);
	ck_assert_uint_eq(r.nbatches, 3);
	ck_assert_uint_eq(r.batches[0].count, 1000);
	ck_assert_uint_eq(r.batches[1].count, 1000);
	ck_assert_uint_eq(r.batches[2].count, 500);
	ck_assert_uint_eq(r.batches[0].first_line, 2);
	ck_assert_uint_eq(r.batches[1].first_line, 1002);
	ck_assert_uint_eq(r.batches[2].first_line, 2002);
	for (i = 0; i < 3; i++)
		ck_assert_int_eq(cJSON_GetArraySize(r.batches[i].leads),
				 (int)r.batches[i].count);
	l = lead_at(&r, 1000);
	ck_assert_str_eq(cJSON_GetObjectItem(l, "email")->valuestring,
			 "lead1000@x.com");
	l = lead_at(&r, 2499);
	ck_assert_str_eq(
	    cJSON_GetObjectItem(cJSON_GetObjectItem(l, "custom_variables"), "n")
		->valuestring,
	    "2499");
	import_result_free(&r);
	import_result_free(&r);
	import_result_free(NULL);
	buf_free(&text);
}
END_TEST

START_TEST(test_import_batch_first_line_counts_skipped_lines)
{
	struct import_result r;
	struct buf text;
	char *err = NULL;
	int i;

	buf_init(&text, 1 << 20);
	buf_puts(&text, "\nemail,note\n");
	for (i = 0; i < 1001; i++)
		buf_printf(&text,
			   i == 500 ? "a%d@x.com,\"2\nlines\"\n\n"
				    : "a%d@x.com,\n",
			   i);
	ck_assert_int_eq(import_parse(text.data, text.len, &r, &err), 0);
	ck_assert_uint_eq(r.nbatches, 2);
	ck_assert_uint_eq(r.batches[0].first_line, 3);
	ck_assert_uint_eq(r.batches[1].first_line, 1005);
	ck_assert_uint_eq(r.batches[1].count, 1);
	import_result_free(&r);
	buf_free(&text);
}
END_TEST

/* One bad row after 1500 good ones: nothing is returned. */
START_TEST(test_import_validation_is_total_before_anything_returns)
{
	struct buf text;
	int i;

	buf_init(&text, 1 << 20);
	buf_puts(&text, "email\n");
	for (i = 0; i < 1500; i++)
		buf_printf(&text, "a%d@x.com\n", i);
	buf_puts(&text, "broken\n");
	assert_fails(text.data, "line 1502: email \"broken\" has no '@'");
	buf_free(&text);
}
END_TEST

/* ---- JSON Lines ---- */

START_TEST(test_import_jsonl_lead_fields_stay_others_are_custom_variables)
{
	assert_leads(
	    "{\"email\":\"a@x.com\",\"first_name\":\"Ann\",\"score\":3,"
	    "\"vip\":true,\"note\":null,\"city\":\"Oslo\"}\n"
	    "{\"city\":\"Rome\",\"email\":\"b@x.com\","
	    "\"lt_interest_status\":2,\"phone\":null}\n",
	    "[{\"email\":\"a@x.com\",\"first_name\":\"Ann\","
	    "\"custom_variables\":{\"score\":3,\"vip\":true,"
	    "\"note\":null,\"city\":\"Oslo\"}},"
	    "{\"email\":\"b@x.com\",\"lt_interest_status\":2,"
	    "\"phone\":null,\"custom_variables\":{\"city\":\"Rome\"}}]");
}
END_TEST

START_TEST(test_import_jsonl_custom_variables_object_is_merged)
{
	assert_leads("{\"email\":\"a@x.com\",\"custom_variables\":{\"a\":1,"
		     "\"b\":\"x\"},\"c\":false}\n"
		     "{\"email\":\"b@x.com\",\"custom_variables\":{}}\n"
		     "{\"email\":\"c@x.com\",\"custom_variables\":null}\n",
		     "[{\"email\":\"a@x.com\",\"custom_variables\":{\"a\":1,"
		     "\"b\":\"x\",\"c\":false}},{\"email\":\"b@x.com\"},"
		     "{\"email\":\"c@x.com\"}]");
}
END_TEST

START_TEST(test_import_jsonl_custom_variable_given_twice_is_einval)
{
	assert_fails("{\"email\":\"a@x.com\",\"city\":\"A\","
		     "\"custom_variables\":{\"city\":\"B\"}}\n",
		     "line 1: custom variable city is given twice");
}
END_TEST

START_TEST(test_import_jsonl_blank_lines_and_crlf)
{
	assert_leads("\n{\"email\":\"a@x.com\"}\r\n  \r\n\r\n"
		     "{\"email\":\"b@x.com\"}",
		     "[{\"email\":\"a@x.com\"},{\"email\":\"b@x.com\"}]");
}
END_TEST

START_TEST(test_import_jsonl_bad_line_reports_its_number)
{
	assert_fails("{\"email\":\"a@x.com\"}\n\n{\"email\":\"b@x.com\",}\n",
		     "line 3: invalid JSON at column");
	assert_fails("{\"email\":\"a@x.com\"}\n{\"email\":\"b@x.com\"} x\n",
		     "line 2: text after the JSON value at column 21");
	assert_fails("{\"email\":\"a@x.com\"}\n{\"email\":\"a@x.com\",\n"
		     "\"first_name\":\"A\"}\n",
		     "line 2: invalid JSON");
}
END_TEST

START_TEST(test_import_jsonl_line_not_an_object_is_einval)
{
	assert_fails("{\"email\":\"a@x.com\"}\n[1]\n",
		     "line 2: expected a JSON object");
	assert_fails("{\"email\":\"a@x.com\"}\n\"b@x.com\"\n",
		     "line 2: expected a JSON object");
}
END_TEST

START_TEST(test_import_jsonl_object_custom_variable_is_einval)
{
	assert_fails("{\"email\":\"a@x.com\"}\n"
		     "{\"email\":\"b@x.com\",\"address\":{\"city\":\"X\"}}\n",
		     "line 2: custom variable address: custom variables take "
		     "strings, numbers, booleans or null");
	assert_fails("{\"email\":\"b@x.com\",\"tags\":[]}\n",
		     "line 1: custom variable tags");
	assert_fails(
	    "{\"email\":\"b@x.com\",\"custom_variables\":{\"t\":[]}}\n",
	    "line 1: custom variable t");
	assert_fails("{\"email\":\"b@x.com\",\"custom_variables\":[]}\n",
		     "line 1: custom_variables must be an object");
}
END_TEST

START_TEST(test_import_jsonl_lead_field_of_wrong_type_is_einval)
{
	assert_fails("{\"email\":\"a@x.com\",\"first_name\":7}\n",
		     "line 1: first_name must be a string or null");
	assert_fails("{\"email\":\"a@x.com\",\"lt_interest_status\":\"1\"}\n",
		     "line 1: lt_interest_status must be a number");
	assert_fails("{\"email\":null}\n", "line 1: email must be a string");
}
END_TEST

START_TEST(test_import_jsonl_missing_or_bad_email_is_einval)
{
	assert_fails("{\"email\":\"a@x.com\"}\n{\"first_name\":\"B\"}\n",
		     "line 2: no email");
	assert_fails("{\"email\":\"\"}\n", "line 1: no email");
	assert_fails("{\"email\":\"x.com\"}\n", "line 1: email \"x.com\"");
}
END_TEST

START_TEST(test_import_jsonl_duplicate_key_and_deep_nesting_are_einval)
{
	char line[300];
	int i, n = 0;

	assert_fails("{\"email\":\"a@x.com\",\"email\":\"b@x.com\"}\n",
		     "line 1: duplicate key \"email\"");
	n += sprintf(line + n, "{\"email\":\"a@x.com\",\"x\":");
	for (i = 0; i < 100; i++)
		line[n++] = '[';
	for (i = 0; i < 100; i++)
		line[n++] = ']';
	sprintf(line + n, "}\n");
	assert_fails(line, "line 1: nesting deeper than 64 levels");
}
END_TEST

START_TEST(test_import_json_array_is_einval)
{
	assert_fails("\n[{\"email\":\"a@x.com\"}]\n",
		     "line 2: a JSON array is not an import");
}
END_TEST

/* ---- limits ---- */

START_TEST(test_import_larger_than_limit_is_efbig)
{
	/* Refused on its length alone, before a byte is read. */
	assert_fails_len("email\n", (size_t)IMPORT_MAX_BYTES + 1, -EFBIG,
			 "larger than 64 MiB");
}
END_TEST

START_TEST(test_import_more_rows_than_limit_is_efbig)
{
	size_t n = IMPORT_MAX_ROWS + 1, i;
	char *text = malloc(6 + n * 4);

	memcpy(text, "email\n", 6);
	for (i = 0; i < n; i++)
		memcpy(text + 6 + i * 4, "a@b\n", 4);
	assert_fails_len(text, 6 + n * 4, -EFBIG,
			 "line 1000002: more than 1000000 rows");
	free(text);
}
END_TEST

/* Streamed, the rows past the limit fail the feed that reads them, and
 * the batches taken on the way hold the memory of one batch at a time. */
START_TEST(test_import_stream_of_more_rows_than_limit_is_efbig)
{
	struct import_stream *s = import_stream_new();
	size_t n = IMPORT_MAX_ROWS + 1, i, len = 6 + n * 4, at, batches = 0;
	char *text = malloc(len), *err = NULL;
	struct import_batch b;
	int rc = 0;

	memcpy(text, "email\n", 6);
	for (i = 0; i < n; i++)
		memcpy(text + 6 + i * 4, "a@b\n", 4);
	for (at = 65536; rc == 0; at += 65536) {
		rc = import_stream_feed(s, text, at < len ? at : len, at >= len,
					&err);
		while (rc == 0 && import_stream_take(s, at >= len, &b)) {
			batches++;
			cJSON_Delete(b.leads);
		}
	}
	ck_assert_int_eq(rc, -EFBIG);
	ck_assert_str_eq(err, "line 1000002: more than 1000000 rows; split "
			      "the import");
	ck_assert_uint_le(batches, IMPORT_MAX_ROWS / IMPORT_BATCH);
	free(err);
	free(text);
	import_stream_free(s);
}
END_TEST

/*
 * Long header names over rows of one-byte cells would multiply the input
 * many times over in cJSON nodes: refused before memory runs away.
 */
START_TEST(test_import_leads_far_larger_than_the_text_are_efbig)
{
	struct buf text;
	int i, j;

	buf_init(&text, 64 << 20);
	buf_puts(&text, "email");
	for (i = 0; i < 200; i++) {
		buf_printf(&text, ",c%03d", i);
		for (j = 0; j < 1000; j++)
			buf_puts(&text, "x");
	}
	buf_puts(&text, "\n");
	for (i = 0; i < 300; i++) {
		buf_puts(&text, "a@b");
		for (j = 0; j < 200; j++)
			buf_puts(&text, ",1");
		buf_puts(&text, "\n");
	}
	assert_fails_len(text.data, text.len, -EFBIG, "MiB of memory");
	buf_free(&text);
}
END_TEST

/* Feeds text to a stream in pieces of step bytes, taking the full
 * batches as they come; the leads of every batch, in order, as one
 * compact JSON array. */
static char *stream_in_pieces(const char *text, size_t step, size_t *taken_early)
{
	struct import_stream *s = import_stream_new();
	struct import_batch b;
	struct buf all;
	size_t len = strlen(text), n;
	char *err = NULL;

	buf_init(&all, 1 << 24);
	buf_puts(&all, "[");
	*taken_early = 0;
	for (n = step < len ? step : len;; n = n + step < len ? n + step : len) {
		int last = n == len;

		ck_assert_int_eq(import_stream_feed(s, text, n, last, &err), 0);
		while (import_stream_take(s, last, &b)) {
			char *j = cJSON_PrintUnformatted(b.leads);

			if (!last)
				(*taken_early)++;
			if (all.len > 1)
				buf_puts(&all, ",");
			buf_append(&all, j + 1, strlen(j) - 2);
			free(j);
			cJSON_Delete(b.leads);
		}
		if (last)
			break;
	}
	buf_puts(&all, "]");
	import_stream_free(s);
	return buf_steal(&all, NULL);
}

/* The stream reads what import_parse reads, whatever the pieces. */
static void assert_stream_as_whole(const char *text)
{
	struct import_result r;
	struct buf whole;
	char *err = NULL, *got;
	size_t steps[] = { 1, 2, 7, 64, 4096 }, early;

	ck_assert_int_eq(parse(text, &r, &err), 0);
	buf_init(&whole, 1 << 24);
	buf_puts(&whole, "[");
	for (size_t i = 0; i < r.nbatches; i++) {
		char *j = cJSON_PrintUnformatted(r.batches[i].leads);

		if (i)
			buf_puts(&whole, ",");
		buf_append(&whole, j + 1, strlen(j) - 2);
		free(j);
	}
	buf_puts(&whole, "]");
	import_result_free(&r);
	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		got = stream_in_pieces(text, steps[i], &early);
		ck_assert_str_eq(got, whole.data);
		free(got);
	}
	buf_free(&whole);
}

START_TEST(test_import_stream_reads_as_the_whole_text_in_any_pieces)
{
	assert_stream_as_whole("\xef\xbb\xbf\n\nemail,first_name,city\r\n"
			       "\"a@x.example\",\"Ann, \"\"Jr\"\"\nII\",Paris\r\n"
			       "\n b@x.example , B ,\n"
			       "c@x.example,C,\"Lyon\"");
	assert_stream_as_whole("{\"email\": \"j@x.example\", \"tier\": \"g\u00e9\"}\n"
			       "\n{\"email\": \"k@x.example\", \"first_name\": \"K\"}");
}
END_TEST

START_TEST(test_import_stream_hands_out_full_batches_before_the_end)
{
	struct buf t;
	size_t early;
	char *got;

	buf_init(&t, 1 << 24);
	buf_puts(&t, "email\n");
	for (int i = 0; i < 2 * IMPORT_BATCH + 500; i++)
		buf_printf(&t, "s%d@x.example\n", i);
	got = stream_in_pieces(t.data, 4096, &early);
	ck_assert_uint_eq(early, 2);
	free(got);
	buf_free(&t);
}
END_TEST

/* Fed text without its end, the stream reads rows rows and waits for
 * the rest without an error; told the text ended, it fails with msg. */
static void assert_waits_then_fails(const char *text, size_t rows,
				    const char *msg)
{
	struct import_stream *s = import_stream_new();
	char *err = NULL;

	ck_assert_int_eq(import_stream_feed(s, text, strlen(text), 0, &err), 0);
	ck_assert_ptr_null(err);
	ck_assert_uint_eq(import_stream_rows(s), rows);
	ck_assert_int_eq(import_stream_feed(s, text, strlen(text), 1, &err),
			 -EINVAL);
	ck_assert_str_eq(err, msg);
	free(err);
	import_stream_free(s);
}

START_TEST(test_import_stream_waits_for_a_row_still_being_written)
{
	/* An open quote at the end of what was written is not an error
	 * until the text ends with it. */
	assert_waits_then_fails("email,note\na@x.example,\"open\nstill open", 0,
				"line 2: a quoted field is not closed");
}
END_TEST

START_TEST(test_import_stream_refuses_a_bad_row_once_it_is_whole)
{
	assert_waits_then_fails("email\na@x.example\nno-at", 1,
				"line 3: email \"no-at\" has no '@'");
}
END_TEST

Suite *import_suite(void)
{
	Suite *s = suite_create("import");
	TCase *tc = tcase_create("csv");
	TCase *tj = tcase_create("jsonl");
	TCase *tb = tcase_create("batches");

	tcase_add_test(
	    tc, test_import_csv_header_maps_lead_fields_and_custom_variables);
	tcase_add_test(tc, test_import_csv_knows_every_lead_field_of_the_spec);
	tcase_add_test(
	    tc, test_import_header_names_are_trimmed_and_case_insensitive);
	tcase_add_test(tc, test_import_custom_variables_are_strings);
	tcase_add_test(tc, test_import_empty_cells_are_left_out);
	tcase_add_test(tc, test_import_unquoted_cells_are_trimmed_quoted_kept);
	tcase_add_test(tc, test_import_crlf_line_ends);
	tcase_add_test(tc, test_import_last_row_without_newline);
	tcase_add_test(tc, test_import_utf8_bom_is_skipped);
	tcase_add_test(tc, test_import_quoted_comma_quote_and_newline);
	tcase_add_test(tc, test_import_quote_inside_unquoted_cell_is_kept);
	tcase_add_test(tc, test_import_blank_lines_are_skipped);
	tcase_add_test(tc, test_import_ragged_row_is_einval_with_its_line);
	tcase_add_test(tc,
		       test_import_line_numbers_count_newlines_inside_quotes);
	tcase_add_test(
	    tc, test_import_unterminated_quote_is_einval_at_record_start);
	tcase_add_test(tc, test_import_text_after_closing_quote_is_einval);
	tcase_add_test(tc, test_import_missing_email_is_einval);
	tcase_add_test(tc, test_import_email_without_at_is_einval);
	tcase_add_test(tc, test_import_header_without_email_is_einval);
	tcase_add_test(tc, test_import_header_name_twice_is_einval);
	tcase_add_test(tc, test_import_unnamed_column_only_when_empty);
	tcase_add_test(tc, test_import_interest_status_is_an_integer);
	tcase_add_test(tc, test_import_header_only_has_no_rows);
	tcase_add_test(tc, test_import_empty_file_has_no_rows);
	tcase_add_test(
	    tc, test_import_nul_byte_and_invalid_utf8_are_einval_with_line);
	tcase_add_test(tb, test_import_stream_of_more_rows_than_limit_is_efbig);
	tcase_add_test(tc, test_import_stream_reads_as_the_whole_text_in_any_pieces);
	tcase_add_test(tc, test_import_stream_hands_out_full_batches_before_the_end);
	tcase_add_test(tc, test_import_stream_waits_for_a_row_still_being_written);
	tcase_add_test(tc, test_import_stream_refuses_a_bad_row_once_it_is_whole);
	suite_add_tcase(s, tc);

	tcase_add_test(
	    tj, test_import_jsonl_lead_fields_stay_others_are_custom_variables);
	tcase_add_test(tj, test_import_jsonl_custom_variables_object_is_merged);
	tcase_add_test(tj,
		       test_import_jsonl_custom_variable_given_twice_is_einval);
	tcase_add_test(tj, test_import_jsonl_blank_lines_and_crlf);
	tcase_add_test(tj, test_import_jsonl_bad_line_reports_its_number);
	tcase_add_test(tj, test_import_jsonl_line_not_an_object_is_einval);
	tcase_add_test(tj, test_import_jsonl_object_custom_variable_is_einval);
	tcase_add_test(tj,
		       test_import_jsonl_lead_field_of_wrong_type_is_einval);
	tcase_add_test(tj, test_import_jsonl_missing_or_bad_email_is_einval);
	tcase_add_test(
	    tj, test_import_jsonl_duplicate_key_and_deep_nesting_are_einval);
	tcase_add_test(tj, test_import_json_array_is_einval);
	suite_add_tcase(s, tj);

	tcase_set_timeout(tb, 120);
	tcase_add_test(tb, test_import_2500_rows_make_three_batches);
	tcase_add_test(tb, test_import_batch_first_line_counts_skipped_lines);
	tcase_add_test(tb,
		       test_import_validation_is_total_before_anything_returns);
	tcase_add_test(tb, test_import_larger_than_limit_is_efbig);
	tcase_add_test(tb, test_import_more_rows_than_limit_is_efbig);
	tcase_add_test(tb,
		       test_import_leads_far_larger_than_the_text_are_efbig);
	suite_add_tcase(s, tb);
	return s;
}
