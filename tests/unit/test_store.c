/*
 * test_store.c - the mirror on disk: blobs and listings kept across a
 * close, a listing stored only once whole, stale at once, and a store of
 * another schema or workspace rebuilt.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sqlite3.h>

#include "store.h"
#include "suites.h"

static char root[] = "/tmp/instantlyfs-store-XXXXXX";

static void open_ws(const char *ws)
{
	char *err = NULL;

	ck_assert_int_eq(store_open(root, ws, &err), 0);
	ck_assert_ptr_null(err);
}

static void setup(void)
{
	ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
	char cmd[128];

	store_close();
	store_set_cap(0);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	ck_assert_int_eq(system(cmd), 0);
	strcpy(root, "/tmp/instantlyfs-store-XXXXXX");
}

struct got {
	int n;
	char names[8][32];
};

static int collect(void *arg, struct entry *e)
{
	struct got *g = arg;

	if (g->n < 8)
		snprintf(g->names[g->n++], 32, "%s", e->name ? e->name : "-");
	free(e->name);
	free(e->label);
	free(e->id);
	free(e->aux);
	return 0;
}

static struct entry ent(const char *name, const char *id)
{
	struct entry e = { 0 };

	e.name = (char *)name;
	e.id = (char *)id;
	e.size = 3;
	e.version = 77;
	return e;
}

START_TEST(test_store_keeps_blobs_across_a_close_in_a_private_folder)
{
	struct blob b = { 0 };
	struct stat sb;
	char path[512];
	double fetched;

	open_ws("ws-1");
	store_put_blob("lead/1", "{}\n", 3, 42, 9);
	store_close();
	open_ws("ws-1");
	ck_assert_int_eq(store_get_blob("lead/1", &b, &fetched), 0);
	ck_assert_str_eq(b.data, "{}\n");
	ck_assert_int_eq(b.mtime, 42);
	ck_assert(b.version == 9);
	ck_assert(fetched > store_now() - 60);
	blob_free(&b);
	snprintf(path, sizeof(path), "%s/ws-1", root);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0700);
	snprintf(path, sizeof(path), "%s/ws-1/store.db", root);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_eq(sb.st_mode & 0777, 0600);
}
END_TEST

START_TEST(test_store_after_a_mount_that_died_nothing_stored_is_fresh)
{
	struct blob b = { 0 };
	char path[512];
	double fetched;
	sqlite3 *db;

	open_ws("ws-1");
	store_put_blob("lead/1", "{}\n", 3, 42, 9);
	store_close();
	/* A mount that did not close: its process is gone (pid 2^22 + 1 is
	 * past any pid_max, so never alive). */
	snprintf(path, sizeof(path), "%s/ws-1/store.db", root);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "INSERT INTO meta VALUES"
				      " ('user:4194305:1', '')",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	open_ws("ws-1");
	ck_assert_int_eq(store_get_blob("lead/1", &b, &fetched), 0);
	ck_assert_str_eq(b.data, "{}\n");	/* kept, for offline reads */
	ck_assert(fetched == 0);		/* but stale */
	blob_free(&b);
	/* Once: this mount closes cleanly, and the next finds it fresh. */
	store_put_blob("lead/1", "{}\n", 3, 42, 9);
	store_close();
	open_ws("ws-1");
	ck_assert_int_eq(store_get_blob("lead/1", &b, &fetched), 0);
	ck_assert(fetched > 0);
	blob_free(&b);
}
END_TEST

START_TEST(test_store_a_listing_replaces_the_stored_one_only_when_whole)
{
	struct entry a = ent("a.json", "1"), b = ent("b.json", "2"),
		     c = ent("c.json", "3");
	struct got g = { 0 };
	double fetched;

	open_ws("ws-1");
	store_listing_begin("L");
	store_listing_entry("L", 0, &a);
	store_listing_entry("L", 1, &b);
	store_listing_complete("L", 2, store_now());
	/* A new generation cut short (a crash, an error): never served. */
	store_listing_begin("L");
	store_listing_entry("L", 0, &c);
	store_flush();
	ck_assert_int_eq(store_get_listing("L", collect, &g, &fetched), 0);
	ck_assert_int_eq(g.n, 2);
	ck_assert_str_eq(g.names[0], "a.json");
	ck_assert_str_eq(g.names[1], "b.json");
	/* Learned by the whole listing, and removed from it. */
	store_close();
	open_ws("ws-1");
	store_listing_entry("L", 0, &c);
	store_listing_remove("L", "1");
	store_flush();
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(store_get_listing("L", collect, &g, &fetched), 0);
	ck_assert_int_eq(g.n, 3);
	ck_assert_str_eq(g.names[0], "-");
	ck_assert_str_eq(g.names[2], "c.json");
	ck_assert_int_eq(store_get_listing("none", collect, &g, &fetched),
			 -ENOENT);
}
END_TEST

START_TEST(test_store_stale_at_once_and_after_a_refresh)
{
	struct blob b = { 0 };
	double fetched;

	open_ws("ws-1");
	store_put_blob("doc", "x", 1, 0, 1);
	store_flush();
	store_stale_blob("doc");
	/* Not yet written, already stale for reads. */
	ck_assert_int_eq(store_get_blob("doc", &b, &fetched), 0);
	ck_assert(fetched == 0);
	blob_free(&b);
	store_put_blob("doc", "y", 1, 0, 2);
	store_flush();
	ck_assert_int_eq(store_get_blob("doc", &b, &fetched), 0);
	ck_assert(fetched > 0);
	blob_free(&b);
	store_stale_all();
	ck_assert_int_eq(store_get_blob("doc", &b, &fetched), 0);
	ck_assert(fetched == 0);
	ck_assert_str_eq(b.data, "y");	/* kept, for reading offline */
	blob_free(&b);
}
END_TEST

START_TEST(test_store_of_another_schema_or_workspace_is_rebuilt)
{
	struct blob b = { 0 };
	char path[512];
	sqlite3 *db;
	double fetched;

	open_ws("ws-1");
	store_put_blob("doc", "x", 1, 0, 1);
	store_close();
	snprintf(path, sizeof(path), "%s/ws-1/store.db", root);
	ck_assert_int_eq(sqlite3_open(path, &db), SQLITE_OK);
	ck_assert_int_eq(sqlite3_exec(db,
				      "UPDATE meta SET v = '0' WHERE k = "
				      "'schema'",
				      NULL, NULL, NULL),
			 SQLITE_OK);
	sqlite3_close(db);
	open_ws("ws-1");
	ck_assert_int_eq(store_get_blob("doc", &b, &fetched), -ENOENT);
	store_close();
	ck_assert_int_eq(store_open(root, "../escape", &(char *){ NULL }),
			 -EINVAL);
}
END_TEST

START_TEST(test_store_under_a_cap_evicts_the_least_recently_used_objects)
{
	static char data[4000];
	struct blob b = { 0 };
	struct stat sb;
	char key[32], path[512];
	double fetched;
	int kept = 0;

	memset(data, 'x', sizeof(data));
	store_set_cap(256 << 10);
	open_ws("ws-1");
	store_listing_begin("L");
	store_listing_entry("L", 0, &(struct entry){ .name = "a", .id = "1" });
	store_listing_complete("L", 1, store_now());
	for (int i = 0; i < 40; i++) {
		snprintf(key, sizeof(key), "obj/%d", i);
		store_put_blob(key, data, sizeof(data), 0, 1);
	}
	store_flush();
	/* Read: the oldest becomes the most recently used. */
	ck_assert_int_eq(store_get_blob("obj/0", &b, &fetched), 0);
	blob_free(&b);
	store_flush();
	for (int i = 40; i < 160; i++) {
		snprintf(key, sizeof(key), "obj/%d", i);
		store_put_blob(key, data, sizeof(data), 0, 1);
		if (i % 20)
			continue;
		/* Used again and again: never the least recently used. */
		store_flush();
		ck_assert_int_eq(store_get_blob("obj/0", &b, &fetched), 0);
		blob_free(&b);
	}
	store_flush();
	ck_assert_int_eq(store_get_blob("obj/0", &b, &fetched), 0);
	blob_free(&b);
	ck_assert_int_eq(store_get_blob("obj/1", &b, &fetched), -ENOENT);
	ck_assert_int_eq(store_get_blob("obj/159", &b, &fetched), 0);
	blob_free(&b);
	for (int i = 0; i < 160; i++) {
		snprintf(key, sizeof(key), "obj/%d", i);
		if (store_get_blob(key, &b, &fetched) == 0)
			kept++;
		blob_free(&b);
	}
	ck_assert_int_gt(kept, 10);
	ck_assert_int_lt(kept, 64);
	store_close();
	/* The file really shrank; the listing was not evicted. */
	snprintf(path, sizeof(path), "%s/ws-1/store.db", root);
	ck_assert_int_eq(stat(path, &sb), 0);
	ck_assert_int_lt(sb.st_size, 256 << 10);
	open_ws("ws-1");
	{
		struct got g = { 0 };

		ck_assert_int_eq(store_get_listing("L", collect, &g, &fetched),
				 0);
		ck_assert_int_eq(g.n, 1);
	}
}
END_TEST

Suite *store_suite(void)
{
	Suite *s = suite_create("store");
	TCase *tc = tcase_create("store");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(
	    tc, test_store_keeps_blobs_across_a_close_in_a_private_folder);
	tcase_add_test(
	    tc, test_store_a_listing_replaces_the_stored_one_only_when_whole);
	tcase_add_test(tc, test_store_stale_at_once_and_after_a_refresh);
	tcase_add_test(tc,
		       test_store_after_a_mount_that_died_nothing_stored_is_fresh);
	tcase_add_test(tc, test_store_of_another_schema_or_workspace_is_rebuilt);
	tcase_add_test(
	    tc, test_store_under_a_cap_evicts_the_least_recently_used_objects);
	suite_add_tcase(s, tc);
	return s;
}
