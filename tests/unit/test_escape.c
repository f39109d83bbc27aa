/*
 * test_escape.c - name escaping: round trips, the 255-byte limit, cuts.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "suites.h"

static void assert_escapes_to(const char *name, const char *want)
{
	char *got = name_escape(name);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

static void assert_round_trip(const char *name)
{
	char *esc = name_escape(name);
	char *back;

	ck_assert_ptr_nonnull(esc);
	ck_assert_ptr_null(strchr(esc, '/'));
	ck_assert_str_ne(esc, ".");
	ck_assert_str_ne(esc, "..");
	ck_assert_str_ne(esc, "");
	back = name_unescape(esc);
	ck_assert_ptr_nonnull(back);
	ck_assert_str_eq(back, name);
	free(esc);
	free(back);
}

static void assert_unescape_rejects(const char *comp)
{
	char *got = name_unescape(comp);

	ck_assert_msg(got == NULL, "accepted \"%s\" as \"%s\"", comp,
		      got ? got : "");
}

static char *repeat(const char *unit, size_t times)
{
	size_t ulen = strlen(unit), i;
	char *s = malloc(ulen * times + 1);

	ck_assert_ptr_nonnull(s);
	for (i = 0; i < times; i++)
		memcpy(s + i * ulen, unit, ulen);
	s[ulen * times] = '\0';
	return s;
}

/* Checks the invariants every component keeps. */
static void assert_safe_component(const char *comp)
{
	ck_assert_ptr_nonnull(comp);
	ck_assert_uint_le(strlen(comp), NAME_MAX_BYTES);
	ck_assert_uint_gt(strlen(comp), 0);
	ck_assert_ptr_null(strchr(comp, '/'));
	ck_assert_str_ne(comp, ".");
	ck_assert_str_ne(comp, "..");
}

/*
 * comp must be a whole-unit prefix of escape(name) followed by tail: the
 * cut may not split a %XX escape or a UTF-8 sequence.
 */
static void assert_cut_on_boundary(const char *name, const char *comp,
				   const char *tail)
{
	char *esc = name_escape(name);
	size_t clen = strlen(comp), tlen = strlen(tail), plen;
	unsigned char next;
	size_t i;

	ck_assert_ptr_nonnull(esc);
	ck_assert_uint_ge(clen, tlen);
	ck_assert_str_eq(comp + clen - tlen, tail);
	plen = clen - tlen;
	ck_assert_uint_gt(plen, 0);
	ck_assert_uint_lt(plen, strlen(esc));
	ck_assert_int_eq(memcmp(comp, esc, plen), 0);

	next = (unsigned char)esc[plen];
	ck_assert_msg((next & 0xc0) != 0x80, "cut inside a UTF-8 sequence");
	for (i = plen >= 2 ? plen - 2 : 0; i < plen; i++)
		ck_assert_msg(esc[i] != '%', "cut inside a %%XX escape");
	free(esc);
}

START_TEST(test_escape_plain_name_unchanged)
{
	assert_escapes_to("Q4 outreach - US", "Q4 outreach - US");
	assert_escapes_to("jane.doe@example.com", "jane.doe@example.com");
}
END_TEST

START_TEST(test_escape_slash_becomes_percent_2F)
{
	assert_escapes_to("a/b", "a%2Fb");
	assert_escapes_to("/", "%2F");
	assert_escapes_to("//x//", "%2F%2Fx%2F%2F");
}
END_TEST

START_TEST(test_escape_percent_becomes_percent_25)
{
	assert_escapes_to("100%", "100%25");
	assert_escapes_to("%2F", "%252F");
}
END_TEST

START_TEST(test_escape_control_bytes_become_upper_hex)
{
	assert_escapes_to("a\tb", "a%09b");
	assert_escapes_to("line\nbreak\r", "line%0Abreak%0D");
	assert_escapes_to("\x01\x1f\x7f", "%01%1F%7F");
}
END_TEST

START_TEST(test_escape_dot_becomes_percent_2E)
{
	assert_escapes_to(".", "%2E");
}
END_TEST

START_TEST(test_escape_dotdot_becomes_percent_2E_percent_2E)
{
	assert_escapes_to("..", "%2E%2E");
}
END_TEST

START_TEST(test_escape_other_dot_names_unchanged)
{
	assert_escapes_to("...", "...");
	assert_escapes_to(".hidden", ".hidden");
	assert_escapes_to("a.", "a.");
	assert_escapes_to("..a", "..a");
}
END_TEST

START_TEST(test_escape_empty_name_becomes_percent_00)
{
	assert_escapes_to("", "%00");
}
END_TEST

START_TEST(test_escape_keeps_utf8_bytes)
{
	assert_escapes_to("Café € 😀", "Café € 😀");
	assert_escapes_to("\xff\xfe", "\xff\xfe");
}
END_TEST

START_TEST(test_escape_round_trips_special_names)
{
	static const char *const names[] = {
	    "",	    ".",      "..",	  "...", "/",	      "%",
	    "%2F",  "%25",    "%2E",	  "%00", "a/b%c\td",  "./..",
	    "../x", "Café/€", "\x7f\x01", " ",	 "name.json",
	};
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		assert_round_trip(names[i]);
}
END_TEST

START_TEST(test_escape_round_trips_every_byte_value)
{
	char name[256];
	int c;

	for (c = 1; c < 256; c++)
		name[c - 1] = (char)c;
	name[255] = '\0';
	assert_round_trip(name);
	for (c = 1; c < 256; c++) {
		char one[2] = {(char)c, '\0'};

		assert_round_trip(one);
	}
}
END_TEST

START_TEST(test_unescape_decodes_canonical_escapes)
{
	char *s = name_unescape("a%2Fb%25c%09");

	ck_assert_str_eq(s, "a/b%c\t");
	free(s);
	s = name_unescape("%00");
	ck_assert_str_eq(s, "");
	free(s);
	s = name_unescape("%2E%2E");
	ck_assert_str_eq(s, "..");
	free(s);
}
END_TEST

START_TEST(test_unescape_rejects_malformed_escapes)
{
	assert_unescape_rejects("%");
	assert_unescape_rejects("abc%");
	assert_unescape_rejects("%2");
	assert_unescape_rejects("a%2");
	assert_unescape_rejects("%zz");
	assert_unescape_rejects("%G0");
	assert_unescape_rejects("%-1");
}
END_TEST

START_TEST(test_unescape_rejects_non_canonical_escapes)
{
	assert_unescape_rejects("%2f");	 /* lower-case hex */
	assert_unescape_rejects("%41");	 /* 'A' needs no escape */
	assert_unescape_rejects("%2Ea"); /* ".a" is never escaped */
	assert_unescape_rejects("%2E%2E%2E");
	assert_unescape_rejects("a%00b"); /* NUL inside a name */
	assert_unescape_rejects("%00%00");
}
END_TEST

START_TEST(test_unescape_rejects_names_escape_never_makes)
{
	assert_unescape_rejects("");
	assert_unescape_rejects(".");
	assert_unescape_rejects("..");
	assert_unescape_rejects("a\tb");
	assert_unescape_rejects("a/b");
}
END_TEST

START_TEST(test_component_short_name_is_escape_plus_suffix)
{
	char *c = name_component("a/b", "id1", ".json");

	ck_assert_str_eq(c, "a%2Fb.json");
	free(c);
	c = name_component("x", "id1", NULL);
	ck_assert_str_eq(c, "x");
	free(c);
	c = name_component("x", NULL, "");
	ck_assert_str_eq(c, "x");
	free(c);
}
END_TEST

START_TEST(test_component_dot_names_stay_escaped_with_suffix)
{
	char *c = name_component(".", "id", ".json");

	ck_assert_str_eq(c, "%2E.json");
	free(c);
	c = name_component("..", NULL, NULL);
	ck_assert_str_eq(c, "%2E%2E");
	free(c);
	c = name_component("", NULL, NULL);
	ck_assert_str_eq(c, "%00");
	free(c);
}
END_TEST

START_TEST(test_component_exactly_255_bytes_is_not_cut)
{
	char *name = repeat("a", 250);
	char *c = name_component(name, "id", ".json");

	ck_assert_uint_eq(strlen(c), 255);
	ck_assert_int_eq(strncmp(c, name, 250), 0);
	ck_assert_str_eq(c + 250, ".json");
	free(c);
	free(name);

	name = repeat("/", 85); /* 255 bytes once escaped */
	c = name_component(name, "id", NULL);
	ck_assert_uint_eq(strlen(c), 255);
	ck_assert_ptr_null(strstr(c, ".id"));
	free(c);
	free(name);
}
END_TEST

START_TEST(test_component_256_bytes_with_suffix_is_cut_and_gets_id)
{
	char *name = repeat("a", 251);
	char *c = name_component(name, "0199-abcd", ".json");

	assert_safe_component(c);
	ck_assert_uint_eq(strlen(c), 255);
	assert_cut_on_boundary(name, c, ".0199-abcd.json");
	free(c);
	free(name);
}
END_TEST

START_TEST(test_component_long_name_without_suffix_is_cut_and_gets_id)
{
	char *name = repeat("b", 1000);
	char *c = name_component(name, "42", NULL);

	assert_safe_component(c);
	ck_assert_uint_eq(strlen(c), 255);
	assert_cut_on_boundary(name, c, ".42");
	free(c);
	free(name);
}
END_TEST

START_TEST(test_component_long_name_without_id_is_only_cut)
{
	char *name = repeat("c", 300);
	char *c = name_component(name, NULL, ".json");

	assert_safe_component(c);
	ck_assert_uint_eq(strlen(c), 255);
	assert_cut_on_boundary(name, c, ".json");
	free(c);
	c = name_component(name, "", NULL);
	assert_safe_component(c);
	ck_assert_uint_eq(strlen(c), 255);
	free(c);
	free(name);
}
END_TEST

START_TEST(test_component_cut_never_splits_percent_escape)
{
	char *name = repeat("/", 200);
	char id[16];
	size_t k;

	/* Every id length moves the cut point across a %XX escape. */
	for (k = 1; k <= 9; k++) {
		char tail[32];
		char *c;

		memset(id, 'z', k);
		id[k] = '\0';
		snprintf(tail, sizeof(tail), ".%s.json", id);
		c = name_component(name, id, ".json");
		assert_safe_component(c);
		assert_cut_on_boundary(name, c, tail);
		ck_assert_uint_ge(strlen(c), 255 - 2);
		free(c);
	}
	free(name);
}
END_TEST

static void check_utf8_cuts(const char *ch)
{
	char *name = repeat(ch, 200);
	char id[16];
	size_t k;

	for (k = 1; k <= 9; k++) {
		char tail[32];
		char *c;

		memset(id, '7', k);
		id[k] = '\0';
		snprintf(tail, sizeof(tail), ".%s", id);
		c = name_component(name, id, NULL);
		assert_safe_component(c);
		assert_cut_on_boundary(name, c, tail);
		ck_assert_uint_ge(strlen(c), 255 - (strlen(ch) - 1));
		free(c);
	}
	free(name);
}

START_TEST(test_component_cut_never_splits_utf8_sequence)
{
	check_utf8_cuts("é");	/* 2 bytes */
	check_utf8_cuts("€");	/* 3 bytes */
	check_utf8_cuts("😀");	/* 4 bytes */
	check_utf8_cuts("a€/"); /* mixed units */
}
END_TEST

START_TEST(test_component_escapes_slash_in_id)
{
	char *name = repeat("d", 300);
	char *c = name_component(name, "a/b", ".json");

	assert_safe_component(c);
	assert_cut_on_boundary(name, c, ".a%2Fb.json");
	free(c);
	free(name);
}
END_TEST

START_TEST(test_component_huge_id_still_fits_and_keeps_name_start)
{
	char *name = repeat("e", 300);
	char *id = repeat("9", 400);
	char *c = name_component(name, id, ".json");

	assert_safe_component(c);
	ck_assert_int_eq(c[0], 'e');
	free(c);
	free(id);
	free(name);
}
END_TEST

START_TEST(test_component_long_dot_name_never_becomes_dotdot)
{
	char *name = repeat(".", 300);
	char *suffix = repeat(".", 300);
	char *c = name_component(name, NULL, suffix);

	assert_safe_component(c);
	free(c);
	c = name_component(name, "", ".");
	assert_safe_component(c);
	free(c);
	free(suffix);
	free(name);
}
END_TEST

Suite *escape_suite(void)
{
	Suite *s = suite_create("escape");
	TCase *tc = tcase_create("escape");

	tcase_add_test(tc, test_escape_plain_name_unchanged);
	tcase_add_test(tc, test_escape_slash_becomes_percent_2F);
	tcase_add_test(tc, test_escape_percent_becomes_percent_25);
	tcase_add_test(tc, test_escape_control_bytes_become_upper_hex);
	tcase_add_test(tc, test_escape_dot_becomes_percent_2E);
	tcase_add_test(tc, test_escape_dotdot_becomes_percent_2E_percent_2E);
	tcase_add_test(tc, test_escape_other_dot_names_unchanged);
	tcase_add_test(tc, test_escape_empty_name_becomes_percent_00);
	tcase_add_test(tc, test_escape_keeps_utf8_bytes);
	tcase_add_test(tc, test_escape_round_trips_special_names);
	tcase_add_test(tc, test_escape_round_trips_every_byte_value);
	tcase_add_test(tc, test_unescape_decodes_canonical_escapes);
	tcase_add_test(tc, test_unescape_rejects_malformed_escapes);
	tcase_add_test(tc, test_unescape_rejects_non_canonical_escapes);
	tcase_add_test(tc, test_unescape_rejects_names_escape_never_makes);
	tcase_add_test(tc, test_component_short_name_is_escape_plus_suffix);
	tcase_add_test(tc, test_component_dot_names_stay_escaped_with_suffix);
	tcase_add_test(tc, test_component_exactly_255_bytes_is_not_cut);
	tcase_add_test(tc,
		       test_component_256_bytes_with_suffix_is_cut_and_gets_id);
	tcase_add_test(
	    tc, test_component_long_name_without_suffix_is_cut_and_gets_id);
	tcase_add_test(tc, test_component_long_name_without_id_is_only_cut);
	tcase_add_test(tc, test_component_cut_never_splits_percent_escape);
	tcase_add_test(tc, test_component_cut_never_splits_utf8_sequence);
	tcase_add_test(tc, test_component_escapes_slash_in_id);
	tcase_add_test(tc,
		       test_component_huge_id_still_fits_and_keeps_name_start);
	tcase_add_test(tc, test_component_long_dot_name_never_becomes_dotdot);
	suite_add_tcase(s, tc);
	return s;
}
