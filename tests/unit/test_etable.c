/*
 * test_etable.c - the compact entry table: entries read back as given,
 * strings copied, the three indexes found, replaced and dropped (with the
 * slots after a removed one still found), and many entries across blocks.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "etable.h"
#include "suites.h"

static int append(struct etable *t, const char *name, const char *label,
		  const char *id, const char *aux, size_t size)
{
	struct entry e = { .name = (char *)name, .label = (char *)label,
			   .id = (char *)id, .aux = (char *)aux, .size = size,
			   .mtime = 1700000000, .version = 42, .marked = 1 };
	size_t i = etable_count(t);
	int rc = etable_append(t, &e);

	if (rc == 0) {
		etable_index(t, EF_NAME, i);
		etable_index(t, EF_LABEL, i);
		etable_index(t, EF_ID, i);
	}
	return rc;
}

START_TEST(test_etable_reads_back_copies_of_what_was_given)
{
	struct etable *t = etable_new();
	char name[] = "ada@example.com.json";
	struct entry v;

	ck_assert_int_eq(append(t, name, NULL, "id-1", "3", 120), 0);
	name[0] = 'X';	/* the table holds its own copy */
	etable_get(t, 0, &v);
	ck_assert_str_eq(v.name, "ada@example.com.json");
	ck_assert_ptr_null(v.label);
	ck_assert_str_eq(v.id, "id-1");
	ck_assert_str_eq(v.aux, "3");
	ck_assert_uint_eq(v.size, 120);
	ck_assert_int_eq(v.mtime, 1700000000);
	ck_assert_uint_eq(v.version, 42);
	ck_assert_uint_eq(v.marked, 1);
	ck_assert_uint_eq(etable_count(t), 1);
	/* A small listing costs little: a mount lists many. */
	for (int i = 0; i < 4; i++)
		ck_assert_int_eq(append(t, "b@example.com.json", NULL, "id-2",
					NULL, 1),
				 0);
	ck_assert_uint_lt(etable_bytes(t), 4096);
	etable_free(t);
}
END_TEST

START_TEST(test_etable_finds_by_each_index_and_forgets_what_is_unindexed)
{
	struct etable *t = etable_new();
	struct entry v;

	ck_assert_int_eq(append(t, "a.json", "Alpha", "1", NULL, 1), 0);
	ck_assert_int_eq(append(t, "b.json", "Beta", "2", NULL, 2), 0);
	ck_assert_uint_eq(etable_find(t, EF_NAME, "b.json"), 2);
	ck_assert_uint_eq(etable_find(t, EF_LABEL, "Alpha"), 1);
	ck_assert_uint_eq(etable_find(t, EF_ID, "2"), 2);
	ck_assert_uint_eq(etable_find(t, EF_ID, "3"), 0);
	ck_assert_uint_eq(etable_find(t, EF_NAME, NULL), 0);

	/* A rename: unindex, replace, index. */
	etable_unindex(t, EF_NAME, 0);
	ck_assert_int_eq(etable_set(t, 0, EF_NAME, "a (1).json"), 0);
	ck_assert_int_eq(etable_index(t, EF_NAME, 0), 0);
	ck_assert_uint_eq(etable_find(t, EF_NAME, "a.json"), 0);
	ck_assert_uint_eq(etable_find(t, EF_NAME, "a (1).json"), 1);
	etable_get(t, 0, &v);
	ck_assert_str_eq(v.name, "a (1).json");

	/* Unindexing an entry that does not hold the slot leaves it. */
	ck_assert_int_eq(append(t, "c.json", NULL, "2", NULL, 3), 0);
	ck_assert_uint_eq(etable_find(t, EF_ID, "2"), 3);
	etable_unindex(t, EF_ID, 1);
	ck_assert_uint_eq(etable_find(t, EF_ID, "2"), 3);

	/* The same string kept does not grow the table. */
	size_t before = etable_bytes(t);
	for (int k = 0; k < 100000; k++)
		ck_assert_int_eq(etable_set(t, 1, EF_AUX, "same"), 0);
	ck_assert_uint_le(etable_bytes(t), before + 65536 + sizeof(void *));
	etable_set(t, 1, EF_AUX, NULL);
	etable_get(t, 1, &v);
	ck_assert_ptr_null(v.aux);
	etable_free(t);
}
END_TEST

START_TEST(test_etable_holds_many_entries_and_removals_keep_the_rest_found)
{
	enum { N = 50000 };
	struct etable *t = etable_new();
	char name[64], id[32];

	for (int i = 0; i < N; i++) {
		snprintf(name, sizeof(name), "lead-%d@example.com.json", i);
		snprintf(id, sizeof(id), "%08x-id", i * 2654435761u);
		ck_assert_int_eq(append(t, name, NULL, id, NULL, (size_t)i), 0);
	}
	/* Every third one removed from the indexes. */
	for (int i = 0; i < N; i += 3) {
		etable_unindex(t, EF_NAME, (size_t)i);
		etable_unindex(t, EF_ID, (size_t)i);
	}
	for (int i = 0; i < N; i++) {
		size_t want = i % 3 ? (size_t)i + 1 : 0;
		struct entry v;

		snprintf(name, sizeof(name), "lead-%d@example.com.json", i);
		snprintf(id, sizeof(id), "%08x-id", i * 2654435761u);
		ck_assert_uint_eq(etable_find(t, EF_NAME, name), want);
		ck_assert_uint_eq(etable_find(t, EF_ID, id), want);
		etable_get(t, (size_t)i, &v);
		ck_assert_str_eq(v.name, name);
		ck_assert_uint_eq(v.size, (size_t)i);
	}
	/* About a hundred bytes an entry, all told. */
	ck_assert_uint_lt(etable_bytes(t) / N, 140);
	etable_free(t);
}
END_TEST

START_TEST(test_etable_keeps_uuids_in_16_bytes_and_any_other_string_as_is)
{
	static const char *const s[] = {
	    "01a0f755-f200-7ca0-8000-00000000abcd",	/* packed */
	    "01A0F755-F200-7CA0-8000-00000000ABCD",	/* upper case: as is */
	    "01a0f755-f200-7ca0-8000-00000000abc",	/* too short */
	    "01a0f755xf200-7ca0-8000-00000000abcd",	/* no dash */
	    "\x01starts with the mark",
	    "\x02starts with the other",
	    "",
	};
	enum { N = sizeof(s) / sizeof(s[0]) };
	struct etable *t = etable_new(), *u = etable_new();
	const char *views[N];
	struct entry v;

	for (size_t i = 0; i < N; i++) {
		char name[16];

		snprintf(name, sizeof(name), "n%zu", i);
		ck_assert_int_eq(append(t, name, NULL, s[i], s[i], i), 0);
	}
	for (size_t i = 0; i < N; i++) {
		ck_assert_uint_eq(etable_find(t, EF_ID, s[i]), i + 1);
		etable_get(t, i, &v);
		ck_assert_str_eq(v.id, s[i]);
		ck_assert_str_eq(v.aux, s[i]);
		views[i] = v.id;
	}
	/* Fewer views than the ring holds stay valid together. */
	for (size_t i = 0; i < N; i++)
		ck_assert_str_eq(views[i], s[i]);
	ck_assert_uint_eq(etable_find(t, EF_ID,
				      "01a0f755-f200-7ca0-8000-00000000abce"),
			  0);
	/* A UUID costs 17 bytes, not 37. */
	for (int i = 0; i < 1000; i++) {
		char id[40];

		snprintf(id, sizeof(id), "01a0f755-f200-7ca0-8000-%012d", i);
		ck_assert_int_eq(append(u, "x", NULL, id, NULL, 0), 0);
		ck_assert_uint_eq(etable_find(u, EF_ID, id), (size_t)i + 1);
	}
	ck_assert_uint_lt(etable_bytes(u) - 1000 * 32, 1000 * 20 + 65536 * 2);
	etable_free(t);
	etable_free(u);
}
END_TEST

START_TEST(test_etable_refuses_a_string_too_long)
{
	struct etable *t = etable_new();
	static char longname[ETABLE_STRING_MAX + 2];

	memset(longname, 'a', sizeof(longname) - 1);
	ck_assert_int_eq(append(t, longname, NULL, "1", NULL, 0),
			 -ENAMETOOLONG);
	longname[ETABLE_STRING_MAX] = '\0';
	ck_assert_int_eq(append(t, longname, NULL, "1", NULL, 0), 0);
	ck_assert_uint_eq(etable_find(t, EF_NAME, longname), 1);
	etable_free(t);
}
END_TEST

Suite *etable_suite(void)
{
	Suite *s = suite_create("etable");
	TCase *tc = tcase_create("etable");

	tcase_add_test(tc, test_etable_reads_back_copies_of_what_was_given);
	tcase_add_test(
	    tc, test_etable_finds_by_each_index_and_forgets_what_is_unindexed);
	tcase_add_test(
	    tc, test_etable_holds_many_entries_and_removals_keep_the_rest_found);
	tcase_add_test(tc, test_etable_refuses_a_string_too_long);
	tcase_add_test(
	    tc, test_etable_keeps_uuids_in_16_bytes_and_any_other_string_as_is);
	suite_add_tcase(s, tc);
	return s;
}
