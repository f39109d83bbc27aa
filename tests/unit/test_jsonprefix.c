/*
 * test_jsonprefix.c - the JSON prefix checker: texts that may still
 * become JSON, and the first impossible byte of those that cannot, for
 * every kind of token, with escapes, UTF-8, numbers, nesting and white
 * space.
 */
#include <string.h>

#include "jsonprefix.h"
#include "suites.h"

/* Every prefix of a valid text is valid. */
static void assert_all_prefixes_ok(const char *text)
{
	size_t len = strlen(text);

	for (size_t i = 0; i <= len; i++)
		ck_assert_msg(jsonprefix_check(text, i, NULL) == i,
			      "prefix %zu of %s refused", i, text);
}

/* The text is refused at byte `at`, with a reason. */
static void assert_bad_at(const char *text, size_t at)
{
	const char *why = NULL;
	size_t got = jsonprefix_check(text, strlen(text), &why);

	ck_assert_msg(got == at, "%s: refused at %zu, want %zu", text, got, at);
	ck_assert_ptr_nonnull(why);
}

START_TEST(test_jsonprefix_every_prefix_of_valid_json_is_valid)
{
	assert_all_prefixes_ok("{\"a\": 1, \"b\": [true, false, null], "
			       "\"c\": {\"d\": -12.5e+3, \"e\": \"x\"}}");
	assert_all_prefixes_ok("[0, -0, 0.5, 1E9, 2e-2, \"\", [], {}]");
	assert_all_prefixes_ok("\"esc \\\" \\\\ \\/ \\b \\f \\n \\r \\t "
			       "\\u00e9 \\uD83D\\uDE00\"");
	assert_all_prefixes_ok("\"caf\xc3\xa9 \xe2\x98\x95 \xf0\x9f\x98\x80\"");
	assert_all_prefixes_ok(" \t\r\n{ \n \"k\" \t : \r\n 1 \n } \n ");
	assert_all_prefixes_ok("null");
	assert_all_prefixes_ok("-7");
}
END_TEST

START_TEST(test_jsonprefix_open_texts_wait_for_more)
{
	const char *open[] = {
	    "{\"a\": ",	  "{\"a\"", "{\"a", "[1,",     "{",
	    "[",	  "\"abc",  "\"\\", "\"\\u00", "tru",
	    "-",	  "1.",	    "1e",   "1e+",     "{\"a\": [{\"b\": ",
	    "\"\xe2\x98", ""};

	for (size_t i = 0; i < sizeof(open) / sizeof(open[0]); i++)
		ck_assert_uint_eq(
		    jsonprefix_check(open[i], strlen(open[i]), NULL),
		    strlen(open[i]));
}
END_TEST

START_TEST(test_jsonprefix_errors_at_each_kind_of_token)
{
	assert_bad_at("{ n", 2);	     /* a key must be a string */
	assert_bad_at("{\"a\" 1", 5);	     /* no colon */
	assert_bad_at("{\"a\": 1 \"b\"", 8); /* no comma */
	assert_bad_at("[1 2]", 3);
	assert_bad_at("[1, ]", 4);	 /* a value was due */
	assert_bad_at("{\"a\": 1,}", 8); /* a key was due */
	assert_bad_at("{\"a\": 1]", 7);	 /* the wrong close */
	assert_bad_at("[1}", 2);
	assert_bad_at("{} x", 3); /* after the value */
	assert_bad_at("{}{", 2);
	assert_bad_at("]", 0);
	assert_bad_at("{ not json", 2);
	assert_bad_at("bogus", 0);
	assert_bad_at("trux", 3); /* literals */
	assert_bad_at("nul1", 3);
	assert_bad_at("true false", 5);
	assert_bad_at("'a'", 0);
}
END_TEST

START_TEST(test_jsonprefix_numbers)
{
	assert_bad_at("-a", 1);
	assert_bad_at("1.5ex", 4);
	assert_bad_at("1e+-2", 3);
	assert_bad_at("[-]", 2);
	assert_bad_at("[-.]", 3);
	assert_bad_at("{\"a\": 1e}", 8);
	assert_bad_at("1.5.3", 3);
	assert_bad_at("+1", 0);
	assert_bad_at(".5", 0);
}
END_TEST

/* What the parser of the whole text takes is never refused here. */
START_TEST(test_jsonprefix_takes_what_the_parser_takes)
{
	assert_all_prefixes_ok("[01, 1., -.5, 1.e5, 0.0E-0]");
	assert_all_prefixes_ok("\"raw\ttab and\nline\"");
	assert_all_prefixes_ok("\"\\u12g4 \\uzzzz\"");
	assert_all_prefixes_ok("\x01{\x14\"a\"\x1f:\x02[]}\x03");
	assert_all_prefixes_ok("\xef\xbb\xbf{\"a\": 1}");
	/* Not judged: a backslash in a \u escape moves the string's end. */
	assert_all_prefixes_ok("\"\\u\\\"12\"");
}
END_TEST

START_TEST(test_jsonprefix_strings)
{
	assert_bad_at("\"a\\x\"", 3);	/* unknown escape */
	assert_bad_at("\"\\u12\"x", 5); /* the quote ends it early */
	ck_assert_uint_eq(jsonprefix_check("\"a\0b\"", 5, NULL), 2); /* NUL */
	ck_assert_uint_eq(jsonprefix_check("{\0}", 3, NULL), 1);
	assert_bad_at("\"\xff\"", 1);		  /* not UTF-8 */
	assert_bad_at("\"\xc3\x28\"", 2);	  /* a bad continuation */
	assert_bad_at("\"\xc0\xaf\"", 1);	  /* overlong */
	assert_bad_at("\"\xed\xa0\x80\"", 2);	  /* a surrogate */
	assert_bad_at("\"\xf4\x90\x80\x80\"", 2); /* past U+10FFFF */
	assert_bad_at("\xc3\xa9", 0);		  /* UTF-8 outside a string */
	assert_bad_at("\xef\xbb{}", 2); /* a byte order mark cut short */
}
END_TEST

START_TEST(test_jsonprefix_nesting)
{
	char deep[2 * JSONPREFIX_MAX_DEPTH + 8];
	size_t i;

	assert_all_prefixes_ok("[[[{\"a\": [[{}]]}]]]");
	assert_bad_at("[[[{\"a\": [[{}]]}]]]]", 19);
	/* Past the depth judged, nothing is refused. */
	for (i = 0; i < JSONPREFIX_MAX_DEPTH + 4; i++)
		deep[i] = '[';
	deep[i++] = 'x';
	deep[i] = '\0';
	ck_assert_uint_eq(jsonprefix_check(deep, i, NULL), i);
	deep[JSONPREFIX_MAX_DEPTH - 1] = 'x';
	ck_assert_uint_eq(jsonprefix_check(deep, i, NULL),
			  JSONPREFIX_MAX_DEPTH - 1);
}
END_TEST

Suite *jsonprefix_suite(void)
{
	Suite *s = suite_create("jsonprefix");
	TCase *tc = tcase_create("jsonprefix");

	tcase_add_test(tc, test_jsonprefix_every_prefix_of_valid_json_is_valid);
	tcase_add_test(tc, test_jsonprefix_open_texts_wait_for_more);
	tcase_add_test(tc, test_jsonprefix_errors_at_each_kind_of_token);
	tcase_add_test(tc, test_jsonprefix_numbers);
	tcase_add_test(tc, test_jsonprefix_takes_what_the_parser_takes);
	tcase_add_test(tc, test_jsonprefix_strings);
	tcase_add_test(tc, test_jsonprefix_nesting);
	suite_add_tcase(s, tc);
	return s;
}
