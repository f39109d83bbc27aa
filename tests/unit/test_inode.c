/*
 * test_inode.c - inode numbers and paths: lookups, versions, forgets,
 * rm and mv.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>

#include "inode.h"
#include "suites.h"

static void fresh(void)
{
	inode_destroy();
	inode_init();
}

static const char *path_of(uint64_t ino)
{
	static char buf[256];

	return inode_path(ino, buf, sizeof(buf)) == 0 ? buf : NULL;
}

START_TEST(test_inode_paths_are_built_from_the_names_up_to_the_root)
{
	uint64_t c, id, f;

	fresh();
	ck_assert_str_eq(path_of(INODE_ROOT), "/");
	c = inode_lookup(INODE_ROOT, "campaigns", 0);
	id = inode_lookup(c, "c1", 0);
	f = inode_lookup(id, "campaign.json", 7);
	ck_assert(c > INODE_ROOT && id > c && f > id);
	ck_assert_str_eq(path_of(f), "/campaigns/c1/campaign.json");
	ck_assert_int_eq(inode_child(id, "campaign.json"), f);
	ck_assert_int_eq(inode_child(id, "status"), 0);
	ck_assert_int_eq(inode_count(), 4);
}
END_TEST

START_TEST(test_inode_a_name_keeps_its_node_until_its_bytes_change)
{
	uint64_t f1, f2, f3;
	char buf[64];

	fresh();
	f1 = inode_lookup(INODE_ROOT, "workspace.json", 1);
	ck_assert_int_eq(inode_lookup(INODE_ROOT, "workspace.json", 1), f1);
	f2 = inode_lookup(INODE_ROOT, "workspace.json", 2);
	ck_assert_int_ne(f2, f1);
	/* The old node lives on for the kernel: superseded, it keeps its
	 * path, but the name answers with the new one. */
	ck_assert_int_eq(inode_version(f1), 1);
	ck_assert_int_eq(inode_path(f1, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "/workspace.json");
	ck_assert_int_eq(inode_child(INODE_ROOT, "workspace.json"), f2);
	ck_assert_str_eq(path_of(f2), "/workspace.json");
	/* Folders and links pass 0: whatever their version, same node. */
	f3 = inode_lookup(INODE_ROOT, "workspace.json", 0);
	ck_assert_int_eq(f3, f2);
	/* A file made here has no version until it is seen with one: it
	 * keeps its node (touch's futimens after its close commits it). */
	f1 = inode_lookup(INODE_ROOT, "new.json", 0);
	ck_assert_int_eq(inode_lookup(INODE_ROOT, "new.json", 9), f1);
	ck_assert_int_eq(inode_version(f1), 9);
	ck_assert_int_ne(inode_lookup(INODE_ROOT, "new.json", 10), f1);
}
END_TEST

START_TEST(test_inode_forgotten_nodes_go_and_numbers_are_never_reused)
{
	uint64_t a, b;

	fresh();
	a = inode_lookup(INODE_ROOT, "a", 0);
	inode_lookup(INODE_ROOT, "a", 0);
	inode_forget(a, 1);
	ck_assert_int_eq(inode_child(INODE_ROOT, "a"), a);
	inode_forget(a, 1);
	ck_assert_int_eq(inode_child(INODE_ROOT, "a"), 0);
	ck_assert_ptr_null(path_of(a));
	b = inode_lookup(INODE_ROOT, "a", 0);
	ck_assert(b > a);
	inode_forget(INODE_ROOT, 100);	/* the root stays */
	ck_assert_str_eq(path_of(INODE_ROOT), "/");
}
END_TEST

START_TEST(test_inode_rm_detaches_and_mv_moves_with_the_number)
{
	uint64_t d, x, y, other;

	fresh();
	d = inode_lookup(INODE_ROOT, "leads", 0);
	x = inode_lookup(d, "x.json", 1);
	other = inode_lookup(d, "y.json", 1);
	inode_move(d, "x.json", INODE_ROOT, "a-much-longer-name.json");
	ck_assert_str_eq(path_of(x), "/a-much-longer-name.json");
	ck_assert_int_eq(inode_child(d, "x.json"), 0);
	/* mv over an existing name: the one there loses the name. */
	inode_move(INODE_ROOT, "a-much-longer-name.json", d, "y.json");
	ck_assert_int_eq(inode_child(d, "y.json"), x);
	ck_assert_ptr_null(path_of(other));
	inode_detach(d, "y.json");
	ck_assert_ptr_null(path_of(x));
	y = inode_lookup(d, "y.json", 1);
	ck_assert(y != x && y != other);
}
END_TEST

START_TEST(test_inode_a_hundred_thousand_names_in_one_folder)
{
	char name[32];
	uint64_t d, last = 0;

	fresh();
	d = inode_lookup(INODE_ROOT, "leads", 0);
	for (int i = 0; i < 100000; i++) {
		snprintf(name, sizeof(name), "lead%06d@x.example.json", i);
		last = inode_lookup(d, name, 1);
		ck_assert(last);
	}
	ck_assert_int_eq(inode_count(), 100002);
	ck_assert_int_eq(inode_child(d, "lead050000@x.example.json"),
			 d + 50001);
	ck_assert_str_eq(path_of(last), "/leads/lead099999@x.example.json");
	ck_assert_int_eq(inode_child_path(d, "n", name, 8), -ENAMETOOLONG);
	inode_destroy();
	inode_init();
}
END_TEST

START_TEST(test_inode_past_the_bound_the_oldest_files_are_picked_once)
{
	struct inode_note *v;
	uint64_t dir, first = 0, again;
	char name[32];
	size_t n;

	fresh();
	inode_bound(100);
	dir = inode_lookup(INODE_ROOT, "leads", 0);
	inode_depend(dir, 0, 1);
	for (int i = 0; i < 150; i++) {
		snprintf(name, sizeof(name), "%d.json", i);
		uint64_t f = inode_lookup(dir, name, 1);

		inode_depend(f, 0, 0);
		if (!first)
			first = f;
	}
	ck_assert(inode_over_bound());
	/* 152 held, 100 kept: the 52 oldest, the folder not among them. */
	v = inode_spill(1000, &n);
	ck_assert_uint_eq(n, 52);
	ck_assert_str_eq(v[0].name, "0.json");
	ck_assert_uint_eq(v[0].parent, dir);
	ck_assert_uint_eq(v[0].ino, first);
	ck_assert_str_eq(v[51].name, "51.json");
	inode_notes_free(v, n);
	ck_assert(!inode_over_bound());
	ck_assert_ptr_null(inode_spill(1000, &n));
	ck_assert_uint_eq(n, 0);

	/* One looked up again before its FORGET is kept, picked later. */
	again = inode_lookup(dir, "0.json", 1);
	ck_assert_uint_eq(again, first);
	inode_forget(again, 1);
	for (int i = 1; i < 52; i++) {
		snprintf(name, sizeof(name), "%d.json", i);
		inode_forget(inode_child(dir, name), 1);
	}
	ck_assert_uint_eq(inode_count(), 101);
	v = inode_spill(1000, &n);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(v[0].name, "52.json");
	inode_notes_free(v, n);
	inode_bound(0);
}
END_TEST

Suite *inode_suite(void)
{
	Suite *s = suite_create("inode");
	TCase *tc = tcase_create("inode");

	tcase_add_test(tc,
		       test_inode_paths_are_built_from_the_names_up_to_the_root);
	tcase_add_test(tc, test_inode_a_name_keeps_its_node_until_its_bytes_change);
	tcase_add_test(
	    tc, test_inode_forgotten_nodes_go_and_numbers_are_never_reused);
	tcase_add_test(tc, test_inode_rm_detaches_and_mv_moves_with_the_number);
	tcase_add_test(tc, test_inode_a_hundred_thousand_names_in_one_folder);
	tcase_add_test(tc,
		       test_inode_past_the_bound_the_oldest_files_are_picked_once);
	suite_add_tcase(s, tc);
	return s;
}
