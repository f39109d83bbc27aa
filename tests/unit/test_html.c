/*
 * test_html.c - HTML email bodies become readable text.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "suites.h"

static void check_text(const char *html, const char *want)
{
	size_t len;
	char *got = html_to_text(html, &len);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	ck_assert_uint_eq(len, strlen(want));
	free(got);
}

START_TEST(test_html_br_and_paragraphs_end_lines)
{
	check_text("Hi Ann,<br/>Thanks.<p>Second</p>", "Hi Ann,\nThanks.\nSecond\n");
}
END_TEST

START_TEST(test_html_entities_are_decoded)
{
	check_text("a &amp; b &lt;c&gt; &quot;d&quot; &#39;e&#39; &#x263A;",
		   "a & b <c> \"d\" 'e' \xe2\x98\xba\n");
}
END_TEST

START_TEST(test_html_script_and_style_are_dropped)
{
	check_text("<style>p{color:red}</style>Hello<script>x()</script>!",
		   "Hello!\n");
}
END_TEST

START_TEST(test_html_blank_lines_fold_and_source_newlines_are_spaces)
{
	check_text("<div>one\ntwo</div><br><br><br><div>three</div>",
		   "one two\n\nthree\n");
}
END_TEST

START_TEST(test_html_unterminated_tag_and_bare_ampersand)
{
	check_text("fish & chips <b", "fish & chips\n");
}
END_TEST

START_TEST(test_html_empty_is_empty)
{
	check_text("", "");
}
END_TEST

Suite *html_suite(void)
{
	Suite *s = suite_create("html");
	TCase *tc = tcase_create("text");

	tcase_add_test(tc, test_html_br_and_paragraphs_end_lines);
	tcase_add_test(tc, test_html_entities_are_decoded);
	tcase_add_test(tc, test_html_script_and_style_are_dropped);
	tcase_add_test(tc, test_html_blank_lines_fold_and_source_newlines_are_spaces);
	tcase_add_test(tc, test_html_unterminated_tag_and_bare_ampersand);
	tcase_add_test(tc, test_html_empty_is_empty);
	suite_add_tcase(s, tc);
	return s;
}
