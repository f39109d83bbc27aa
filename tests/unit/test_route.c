/*
 * test_route.c - the route table: every path of the layout finds its row,
 * captures are right, literal rows win over wildcards, folders list their
 * literal children.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "route.h"
#include "suites.h"

static const struct route *row(const char *path, struct rctx *c)
{
	ck_assert_int_eq(route_match(path, c), 0);
	return c->route;
}

START_TEST(test_route_lead_file_captures_campaign_and_name)
{
	struct rctx c;

	ck_assert_str_eq(row("/campaigns/abc/leads/a@b.com.json", &c)->pattern,
			 "/campaigns/*/leads/*");
	ck_assert_int_eq(c.ncap, 2);
	ck_assert_str_eq(c.cap[0], "abc");
	ck_assert_str_eq(c.cap[1], "a@b.com.json");
}
END_TEST

START_TEST(test_route_literal_rows_win_over_wildcards)
{
	struct rctx c;

	ck_assert_str_eq(row("/campaigns/by-name", &c)->pattern,
			 "/campaigns/by-name");
	ck_assert_str_eq(row("/emails/unread_count", &c)->pattern,
			 "/emails/unread_count");
	ck_assert_str_eq(row("/emails/threads/t1/read", &c)->pattern,
			 "/emails/threads/*/read");
	ck_assert_str_eq(row("/emails/e1", &c)->pattern, "/emails/*");
}
END_TEST

START_TEST(test_route_unknown_paths_are_enoent)
{
	struct rctx c;

	ck_assert_int_eq(route_match("/nope", &c), -ENOENT);
	ck_assert_int_eq(route_match("/campaigns/x/nope", &c), -ENOENT);
	ck_assert_int_eq(route_match("/campaigns/x/leads/y/z", &c), -ENOENT);
	ck_assert_int_eq(route_match("/a/b/c/d/e/f/g/h/i/j", &c), -ENOENT);
}
END_TEST

START_TEST(test_route_a_literal_folder_is_not_a_wildcard_object)
{
	struct rctx c;

	/* Not the files of an email called "maildir": nothing to look up. */
	ck_assert_int_eq(route_match("/emails/maildir/body.txt", &c), -ENOENT);
	ck_assert_int_eq(route_match("/emails/maildir/email.json", &c), -ENOENT);
	ck_assert_int_eq(route_match("/emails/maildir/reply", &c), -ENOENT);
	ck_assert_str_eq(row("/emails/maildir/cur/1.e.instantly:2,S", &c)->pattern,
			 "/emails/maildir/cur/*");
	ck_assert_str_eq(row("/campaigns/by-name/x", &c)->pattern,
			 "/campaigns/by-name/*");
	ck_assert_str_eq(row("/emails/e1/body.txt", &c)->pattern,
			 "/emails/*/body.txt");
}
END_TEST

START_TEST(test_route_root_and_trailing_slashes)
{
	struct rctx c;

	ck_assert_str_eq(row("/", &c)->pattern, "/");
	ck_assert_int_eq(c.nseg, 0);
	ck_assert_str_eq(row("/campaigns/", &c)->pattern, "/campaigns");
}
END_TEST

struct names {
	char list[32][64];
	int n;
};

static void collect(void *arg, const char *name)
{
	struct names *s = arg;

	ck_assert_int_lt(s->n, 32);
	strcpy(s->list[s->n++], name);
}

static int has(const struct names *s, const char *name)
{
	for (int i = 0; i < s->n; i++)
		if (!strcmp(s->list[i], name))
			return 1;
	return 0;
}

START_TEST(test_route_campaign_folder_lists_its_literal_children)
{
	struct rctx c;
	struct names s = { .n = 0 };

	row("/campaigns/abc", &c);
	route_children(&c, collect, &s);
	ck_assert_int_eq(s.n, 9);
	ck_assert(has(&s, "campaign.json"));
	ck_assert(has(&s, "sequence"));
	ck_assert(has(&s, "sending-status.json"));
	ck_assert(has(&s, "subsequences"));
	ck_assert(has(&s, "status"));
	ck_assert(has(&s, "leads"));
	ck_assert(has(&s, "import"));
	ck_assert(has(&s, "analytics.json"));
	ck_assert(has(&s, "analytics"));
	ck_assert(has(&s, "sending-status.json"));
	ck_assert(has(&s, "subsequences"));
}
END_TEST

/* cp -r copies a folder's files in the order it lists them, and a copy of
 * a subsequence is made when its subsequence.json arrives: it must come
 * last, after every other file and folder of the subsequence. */
START_TEST(test_route_subsequence_json_is_listed_last)
{
	struct rctx c;
	struct names s = { .n = 0 };

	row("/campaigns/abc/subsequences/Hot", &c);
	route_children(&c, collect, &s);
	ck_assert_int_ge(s.n, 4);
	ck_assert(has(&s, "status"));
	ck_assert(has(&s, "sending-status.json"));
	ck_assert(has(&s, "duplicate"));
	ck_assert_str_eq(s.list[s.n - 1], "subsequence.json");
}
END_TEST

START_TEST(test_route_root_lists_the_top_folders_not_wildcards)
{
	struct rctx c;
	struct names s = { .n = 0 };

	row("/", &c);
	route_children(&c, collect, &s);
	ck_assert_int_eq(s.n, 16);
	ck_assert(has(&s, "workspace.json"));
	ck_assert(has(&s, "labels"));
	ck_assert(has(&s, "webhooks"));
	ck_assert(has(&s, "members"));
	ck_assert(has(&s, "placement-tests"));
	ck_assert(has(&s, "audit-log.jsonl"));
	ck_assert(has(&s, ".instantlyfs"));
	ck_assert(!has(&s, "*"));
}
END_TEST

START_TEST(test_route_hidden_rows_are_not_listed)
{
	struct rctx c;
	struct names s = { .n = 0 };

	row("/campaigns/abc/analytics", &c);
	route_children(&c, collect, &s);
	ck_assert_int_eq(s.n, 3);
	row("/search/contact", &c);
	s.n = 0;
	route_children(&c, collect, &s);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

START_TEST(test_route_by_interest_is_reached_by_name_not_listed_in_leads)
{
	struct rctx c;
	struct names s = { .n = 0 };

	ck_assert_str_eq(
	    row("/campaigns/abc/leads/by-interest/Meeting Booked/a@b.com.json",
		&c)->pattern,
	    "/campaigns/*/leads/by-interest/*/*");
	ck_assert_int_eq(c.ncap, 3);
	ck_assert_str_eq(c.cap[1], "Meeting Booked");
	ck_assert_str_eq(c.cap[2], "a@b.com.json");
	/* Not a lead file called "by-interest". */
	ck_assert_str_eq(row("/campaigns/abc/leads/by-interest", &c)->pattern,
			 "/campaigns/*/leads/by-interest");
	row("/campaigns/abc/leads", &c);
	route_children(&c, collect, &s);
	ck_assert_int_eq(s.n, 0);
}
END_TEST

Suite *route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *tc = tcase_create("match");

	tcase_add_test(tc, test_route_lead_file_captures_campaign_and_name);
	tcase_add_test(tc, test_route_literal_rows_win_over_wildcards);
	tcase_add_test(tc, test_route_unknown_paths_are_enoent);
	tcase_add_test(tc, test_route_a_literal_folder_is_not_a_wildcard_object);
	tcase_add_test(tc, test_route_root_and_trailing_slashes);
	tcase_add_test(tc, test_route_campaign_folder_lists_its_literal_children);
	tcase_add_test(tc, test_route_subsequence_json_is_listed_last);
	tcase_add_test(tc, test_route_root_lists_the_top_folders_not_wildcards);
	tcase_add_test(tc, test_route_hidden_rows_are_not_listed);
	tcase_add_test(tc,
		       test_route_by_interest_is_reached_by_name_not_listed_in_leads);
	suite_add_tcase(s, tc);
	return s;
}
