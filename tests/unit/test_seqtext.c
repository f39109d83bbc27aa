/*
 * test_seqtext.c - the email copy as text: variants and delays shown and
 * read back, names, and the one change each edit makes.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "seqtext.h"
#include "suites.h"

static cJSON *json(const char *s)
{
	cJSON *o = cJSON_Parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

static char *variant_text(const char *s)
{
	cJSON *v = json(s);
	size_t len = 0;
	char *t = seqtext_render_variant(v, &len);

	ck_assert_ptr_nonnull(t);
	ck_assert_uint_eq(len, strlen(t));
	cJSON_Delete(v);
	return t;
}

/* The variant text parses into (against old), printed compactly. */
static char *parsed(const char *text, const char *old, char **err)
{
	cJSON *o = old ? json(old) : NULL;
	cJSON *v = seqtext_parse_variant(text, strlen(text), o, err);
	char *out = v ? cJSON_PrintUnformatted(v) : NULL;

	cJSON_Delete(v);
	cJSON_Delete(o);
	return out;
}

START_TEST(test_seqtext_variant_shows_br_as_line_breaks)
{
	char *t = variant_text("{\"subject\":\"Hi {{firstName}}\","
			       "\"body\":\"Hey,<br/><br/>A <b>bold</b> idea."
			       "<br/>\"}");

	ck_assert_str_eq(t, "Subject: Hi {{firstName}}\n\nHey,\n\nA <b>bold"
			    "</b> idea.\n\n");
	free(t);
	t = variant_text("{\"subject\":\"\",\"body\":\"x\",\"v_disabled\":true}");
	ck_assert_str_eq(t, "Subject:\nDisabled: yes\n\nx\n");
	free(t);
	/* Raw line breaks of the HTML source are shown as references. */
	t = variant_text("{\"subject\":\"a\\nb\",\"body\":\"<p>x</p>\\r\\n<p>y</p>\"}");
	ck_assert_str_eq(t, "Subject: a b\n\n<p>x</p>&#13;&#10;<p>y</p>\n");
	free(t);
}
END_TEST

START_TEST(test_seqtext_text_maps_back_to_the_same_html)
{
	static const char *const bodies[] = {
		"Hey,<br/><br/>A <b>bold</b> idea.<br/>",
		"<div>one</div>\n<div>two</div>\r\n",
		"",
		"<br/>",
		"tail<br/><br/>",
		"<br>kept as <br /> written",
	};

	for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		cJSON *v = cJSON_CreateObject(), *back;
		char *text, *err = NULL;
		size_t len;

		cJSON_AddStringToObject(v, "subject", " two  spaces ");
		cJSON_AddStringToObject(v, "body", bodies[i]);
		text = seqtext_render_variant(v, &len);
		/* Against nothing held: the body is made from the text. */
		back = seqtext_parse_variant(text, len, NULL, &err);
		ck_assert_msg(back != NULL, "%s", err ? err : "");
		ck_assert_str_eq(cJSON_GetObjectItem(back, "body")->valuestring,
				 bodies[i]);
		ck_assert_str_eq(cJSON_GetObjectItem(back, "subject")->valuestring,
				 " two  spaces ");
		ck_assert_ptr_null(cJSON_GetObjectItem(back, "v_disabled"));
		cJSON_Delete(back);
		cJSON_Delete(v);
		free(text);
	}
}
END_TEST

START_TEST(test_seqtext_parse_keeps_other_fields_and_exact_html)
{
	char *err = NULL;
	/* A body written as "&#10;" by hand stays exactly as the server has
	 * it while its text is not changed. */
	char *out = parsed("Subject: New\r\n\r\nline&#10;two\r\n",
			   "{\"subject\":\"Old\",\"body\":\"line&#10;two\","
			   "\"extra\":1}",
			   &err);

	ck_assert_str_eq(out, "{\"subject\":\"New\",\"body\":\"line&#10;two\","
			      "\"extra\":1}");
	free(out);
	out = parsed("subject: S\ndisabled: YES\n\nb\nc", NULL, &err);
	ck_assert_str_eq(out, "{\"subject\":\"S\",\"body\":\"b<br/>c\","
			      "\"v_disabled\":true}");
	free(out);
	/* Enabled again: v_disabled false, as it was there. */
	out = parsed("Subject: S\n\nb\n", "{\"subject\":\"S\",\"body\":\"b\","
					  "\"v_disabled\":true}",
		     &err);
	ck_assert_str_eq(out, "{\"subject\":\"S\",\"body\":\"b\","
			      "\"v_disabled\":false}");
	free(out);
	/* Headers alone: an empty body. */
	out = parsed("Subject: only", NULL, &err);
	ck_assert_str_eq(out, "{\"subject\":\"only\",\"body\":\"\"}");
	free(out);
}
END_TEST

START_TEST(test_seqtext_parse_refuses_what_is_no_variant)
{
	static const char *const bad[] = {
		"",
		"Hello there\n\nbody\n",
		"From: x\n\nbody\n",
		"Subject: s\nDisabled: maybe\n\nb\n",
		"\nbody without headers\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *err = NULL;
		char *out = parsed(bad[i], NULL, &err);

		ck_assert_msg(out == NULL, "took %s", bad[i]);
		ck_assert_ptr_nonnull(err);
		free(err);
	}
	{
		char *err = NULL;
		cJSON *v = seqtext_parse_variant("Subject: a\n\nb\0c", 15,
						 NULL, &err);

		ck_assert_ptr_null(v);
		ck_assert_ptr_nonnull(strstr(err, "NUL"));
		free(err);
	}
}
END_TEST

START_TEST(test_seqtext_names)
{
	char buf[16];

	ck_assert_str_eq(seqtext_variant_name(0, buf, sizeof(buf)), "a.txt");
	ck_assert_str_eq(seqtext_variant_name(25, buf, sizeof(buf)), "z.txt");
	ck_assert_str_eq(seqtext_variant_name(26, buf, sizeof(buf)), "aa.txt");
	ck_assert_str_eq(seqtext_variant_name(27, buf, sizeof(buf)), "ab.txt");
	for (size_t i = 0; i < 800; i++)
		ck_assert_int_eq(seqtext_variant_index(seqtext_variant_name(
					 i, buf, sizeof(buf))),
				 (long)i);
	ck_assert_int_eq(seqtext_variant_index("A.txt"), -1);
	ck_assert_int_eq(seqtext_variant_index(".txt"), -1);
	ck_assert_int_eq(seqtext_variant_index("a.txt~"), -1);
	ck_assert_int_eq(seqtext_variant_index(".a.txt.swp"), -1);
	ck_assert_int_eq(seqtext_variant_index("abcde.txt"), -1);
	ck_assert_int_eq(seqtext_step_number("1"), 1);
	ck_assert_int_eq(seqtext_step_number("12"), 12);
	ck_assert_int_eq(seqtext_step_number("0"), -1);
	ck_assert_int_eq(seqtext_step_number("01"), -1);
	ck_assert_int_eq(seqtext_step_number("1a"), -1);
	ck_assert_int_eq(seqtext_step_number("99999999999999999999"), -1);
}
END_TEST

START_TEST(test_seqtext_delay)
{
	cJSON *s = json("{\"delay\":1,\"delay_unit\":\"days\"}");
	const char *unit = NULL;
	double d = 0;
	char *err = NULL, *t;
	size_t len;

	t = seqtext_render_delay(s, &len);
	ck_assert_str_eq(t, "1 day\n");
	free(t);
	cJSON_Delete(s);
	s = json("{\"delay\":2.5}");
	t = seqtext_render_delay(s, &len);
	ck_assert_str_eq(t, "2.5 days\n");
	free(t);
	cJSON_Delete(s);
	ck_assert_int_eq(seqtext_parse_delay("4 hours\n", 8, &d, &unit, &err), 0);
	ck_assert(d == 4 && !strcmp(unit, "hours"));
	ck_assert_int_eq(seqtext_parse_delay("1 Minute", 8, &d, &unit, &err), 0);
	ck_assert(d == 1 && !strcmp(unit, "minutes"));
	unit = NULL;
	ck_assert_int_eq(seqtext_parse_delay(" 7\n", 3, &d, &unit, &err), 0);
	ck_assert(d == 7 && unit == NULL);
	ck_assert_int_eq(seqtext_parse_delay("3 weeks", 7, &d, &unit, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(seqtext_parse_delay("soon", 4, &d, &unit, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(seqtext_parse_delay("-1 days", 7, &d, &unit, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(seqtext_parse_delay("3 days later", 12, &d, &unit,
					     &err),
			 -1);
	free(err);
}
END_TEST

START_TEST(test_seqtext_checks_judge_complete_lines_only)
{
	char *err = NULL;

	ck_assert_int_eq(seqtext_check_variant("Subj", 4, &err), 0);
	ck_assert_int_eq(seqtext_check_variant("Subject: x\nDisab", 17, &err), 0);
	ck_assert_int_eq(seqtext_check_variant("Subject: x\n\nany: body\n", 23,
					       &err),
			 0);
	ck_assert_int_eq(seqtext_check_variant("bogus\n", 6, &err), -1);
	ck_assert_ptr_nonnull(strstr(err, "is no header"));
	free(err);
	err = NULL;
	ck_assert_int_eq(seqtext_check_variant("\nbody\n", 6, &err), -1);
	free(err);
	err = NULL;
	ck_assert_int_eq(seqtext_check_delay("3 da", 4, &err), 0);
	ck_assert_int_eq(seqtext_check_delay("3 days\n", 7, &err), 0);
	ck_assert_int_eq(seqtext_check_delay("bogus\n", 6, &err), -1);
	free(err);
}
END_TEST

static const char *campaign =
	"{\"name\":\"c\",\"sequences\":[{\"steps\":["
	"{\"type\":\"email\",\"delay\":2,\"variants\":["
	"{\"subject\":\"a\",\"body\":\"A\"},{\"subject\":\"b\",\"body\":\"B\"}]},"
	"{\"type\":\"email\",\"delay\":3,\"delay_unit\":\"days\",\"pre\":1,"
	"\"variants\":[{\"subject\":\"c\",\"body\":\"C\"}]}]},{\"steps\":[]}]}";

/* The edit's result, printed compactly; NULL when it was refused. */
static char *edited(cJSON *seqs)
{
	char *out = seqs ? cJSON_PrintUnformatted(seqs) : NULL;

	cJSON_Delete(seqs);
	return out;
}

START_TEST(test_seqtext_edits_change_one_thing)
{
	cJSON *o = json(campaign), *v = json("{\"subject\":\"n\",\"body\":\"N\"}");
	char *err = NULL, *out;

	out = edited(seqtext_set_variant(o, 1, 1, v, &err));
	ck_assert_str_eq(out, "[{\"steps\":[{\"type\":\"email\",\"delay\":2,"
			      "\"variants\":[{\"subject\":\"a\",\"body\":\"A\"},"
			      "{\"subject\":\"n\",\"body\":\"N\"}]},"
			      "{\"type\":\"email\",\"delay\":3,\"delay_unit\":"
			      "\"days\",\"pre\":1,\"variants\":[{\"subject\":"
			      "\"c\",\"body\":\"C\"}]}]},{\"steps\":[]}]");
	free(out);
	out = edited(seqtext_set_variant(o, 2, 1, v, &err));
	ck_assert_ptr_nonnull(strstr(out, "{\"subject\":\"c\",\"body\":\"C\"},"
					  "{\"subject\":\"n\",\"body\":\"N\"}"));
	free(out);
	ck_assert_ptr_null(seqtext_set_variant(o, 2, 2, v, &err));
	ck_assert_str_eq(err, "step 2 has 1 variant: the next one is b.txt");
	free(err);
	err = NULL;
	ck_assert_ptr_null(seqtext_set_variant(o, 3, 0, v, &err));
	free(err);
	err = NULL;
	{
		size_t first = 0, both[] = { 0, 1 }, twice[] = { 1, 1 },
		       past = 2;

		out = edited(seqtext_remove_variants(o, 1, &first, 1, &err));
		ck_assert_ptr_nonnull(strstr(out, "\"variants\":[{\"subject\":"
						  "\"b\","));
		free(out);
		/* Places are the object's: a then b, both gone. */
		out = edited(seqtext_remove_variants(o, 1, both, 2, &err));
		ck_assert_ptr_nonnull(strstr(out, "\"delay\":2,\"variants\":[]}"));
		free(out);
		ck_assert_ptr_null(seqtext_remove_variants(o, 1, twice, 2, &err));
		free(err);
		err = NULL;
		ck_assert_ptr_null(seqtext_remove_variants(o, 1, &past, 1, &err));
		ck_assert_str_eq(err, "step 1 has no variant c.txt");
		free(err);
		err = NULL;
	}
	{
		size_t both[] = { 2, 1 }, none = 3;

		out = edited(seqtext_remove_steps(o, both, 2, &err));
		ck_assert_str_eq(out, "[{\"steps\":[]},{\"steps\":[]}]");
		free(out);
		ck_assert_ptr_null(seqtext_remove_steps(o, &none, 1, &err));
		ck_assert_str_eq(err, "there is no step 3");
		free(err);
		err = NULL;
	}
	out = edited(seqtext_remove_steps(o, (size_t[]){ 1 }, 1, &err));
	ck_assert_str_eq(out, "[{\"steps\":[{\"type\":\"email\",\"delay\":3,"
			      "\"delay_unit\":\"days\",\"pre\":1,\"variants\":"
			      "[{\"subject\":\"c\",\"body\":\"C\"}]}]},"
			      "{\"steps\":[]}]");
	free(out);
	out = edited(seqtext_add_step(o, 3, &err));
	ck_assert_ptr_nonnull(strstr(out, "{\"type\":\"email\",\"delay\":3,"
					  "\"delay_unit\":\"days\","
					  "\"variants\":[{\"subject\":\"\","
					  "\"body\":\"\"}]}]},{\"steps\":[]}]"));
	free(out);
	ck_assert_ptr_null(seqtext_add_step(o, 5, &err));
	ck_assert_str_eq(err, "the campaign has 2 steps: the next one is 3");
	free(err);
	err = NULL;
	/* A delay in the unit it had sends no unit; another one does. */
	out = edited(seqtext_set_delay(o, 1, 4, "days", &err));
	ck_assert_ptr_nonnull(strstr(out, "{\"type\":\"email\",\"delay\":4,"
					  "\"variants\""));
	free(out);
	out = edited(seqtext_set_delay(o, 1, 4, "hours", &err));
	ck_assert_ptr_nonnull(strstr(out, "\"delay\":4,\"variants\":[{\"subject\":"
					  "\"a\",\"body\":\"A\"},{\"subject\":"
					  "\"b\",\"body\":\"B\"}],"
					  "\"delay_unit\":\"hours\"}"));
	free(out);
	/* The object itself is never changed. */
	out = cJSON_PrintUnformatted(o);
	ck_assert_ptr_nonnull(strstr(out, "\"delay\":2,\"variants\":[{\"subject\":"
					  "\"a\""));
	free(out);
	cJSON_Delete(v);
	cJSON_Delete(o);
}
END_TEST

START_TEST(test_seqtext_edits_of_an_object_with_no_sequence)
{
	cJSON *o = json("{\"name\":\"empty\"}");
	char *err = NULL, *out = edited(seqtext_add_step(o, 1, &err));

	ck_assert_str_eq(out, "[{\"steps\":[{\"type\":\"email\",\"delay\":3,"
			      "\"delay_unit\":\"days\",\"variants\":"
			      "[{\"subject\":\"\",\"body\":\"\"}]}]}]");
	free(out);
	ck_assert_ptr_null(seqtext_steps(o));
	ck_assert_ptr_null(seqtext_step(o, 1));
	ck_assert_ptr_null(seqtext_remove_steps(o, (size_t[]){ 1 }, 1, &err));
	ck_assert_str_eq(err, "there is no step 1");
	free(err);
	cJSON_Delete(o);
}
END_TEST

Suite *seqtext_suite(void)
{
	Suite *s = suite_create("seqtext");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_seqtext_variant_shows_br_as_line_breaks);
	tcase_add_test(tc, test_seqtext_text_maps_back_to_the_same_html);
	tcase_add_test(tc, test_seqtext_parse_keeps_other_fields_and_exact_html);
	tcase_add_test(tc, test_seqtext_parse_refuses_what_is_no_variant);
	tcase_add_test(tc, test_seqtext_names);
	tcase_add_test(tc, test_seqtext_delay);
	tcase_add_test(tc, test_seqtext_checks_judge_complete_lines_only);
	tcase_add_test(tc, test_seqtext_edits_change_one_thing);
	tcase_add_test(tc, test_seqtext_edits_of_an_object_with_no_sequence);
	suite_add_tcase(s, tc);
	return s;
}
