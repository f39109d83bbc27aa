/*
 * test_window.c - the read window over text made piece by piece: reads
 * in order make only what they need, a read back starts again, the end.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "suites.h"
#include "window.h"

/* Makes "line 0\n" .. "line <n-1>\n", `per` lines a piece. */
struct maker {
	int next, n, per;
	int pieces, restarts;
	int fail_at;	/* the piece whose making fails, or -1 */
};

static int make_more(void *arg, struct window *w)
{
	struct maker *m = arg;
	char line[32];

	if (m->pieces == m->fail_at)
		return -EIO;
	if (m->next >= m->n) {
		w->done = 1;
		return 0;
	}
	m->pieces++;
	for (int i = 0; i < m->per && m->next < m->n; i++) {
		int len = snprintf(line, sizeof(line), "line %d\n", m->next++);

		ck_assert_int_eq(window_append(w, line, (size_t)len), 0);
	}
	return 0;
}

static void make_restart(void *arg)
{
	struct maker *m = arg;

	m->next = 0;
	m->restarts++;
}

/* Reads the whole text, chunk bytes a read, into out. */
static size_t read_all(struct window *w, struct maker *m, size_t chunk,
		       char *out, size_t cap)
{
	size_t at = 0;
	int n;

	while (at < cap &&
	       (n = window_read(w, make_more, make_restart, m, out + at,
				chunk < cap - at ? chunk : cap - at,
				(off_t)at)) > 0)
		at += (size_t)n;
	return at;
}

START_TEST(test_window_reads_the_whole_text_in_any_chunk)
{
	static const size_t chunks[] = { 1, 3, 7, 64, 4096 };
	char want[4096], got[4096];
	size_t wlen = 0;

	for (int i = 0; i < 50; i++)
		wlen += (size_t)snprintf(want + wlen, sizeof(want) - wlen,
					 "line %d\n", i);
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		struct maker m = { 0, 50, 10, 0, 0, -1 };
		struct window w;

		window_init(&w);
		ck_assert_uint_eq(read_all(&w, &m, chunks[k], got, sizeof(got)),
				  wlen);
		ck_assert_int_eq(memcmp(got, want, wlen), 0);
		ck_assert_int_eq(m.pieces, 5);
		ck_assert_int_eq(m.restarts, 0);
		window_free(&w);
	}
}
END_TEST

START_TEST(test_window_a_first_read_makes_only_the_first_piece)
{
	struct maker m = { 0, 1000, 100, 0, 0, -1 };
	struct window w;
	char out[16];

	window_init(&w);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &m, out, 7,
				     0),
			 7);
	ck_assert_int_eq(memcmp(out, "line 0\n", 7), 0);
	ck_assert_int_eq(m.pieces, 1);
	window_free(&w);
}
END_TEST

START_TEST(test_window_keeps_only_what_lies_after_the_last_read)
{
	struct maker m = { 0, 1000, 10, 0, 0, -1 };
	struct window w;
	char out[64];
	off_t off = 0;
	int n;

	window_init(&w);
	while ((n = window_read(&w, make_more, make_restart, &m, out,
				sizeof(out), off)) > 0) {
		off += n;
		/* One piece is at most 10 lines of at most 9 bytes. */
		ck_assert_uint_le(w.text.len, sizeof(out) + 90);
	}
	ck_assert_int_eq(m.pieces, 100);
	window_free(&w);
}
END_TEST

START_TEST(test_window_a_read_back_starts_again)
{
	struct maker m = { 0, 30, 10, 0, 0, -1 };
	struct window w;
	char out[8];

	window_init(&w);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &m, out, 7,
				     200),
			 7);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &m, out, 7,
				     7),
			 7);
	ck_assert_int_eq(memcmp(out, "line 1\n", 7), 0);
	ck_assert_int_eq(m.restarts, 1);
	window_free(&w);
}
END_TEST

START_TEST(test_window_past_the_end_is_zero_and_a_failure_is_its_errno)
{
	struct maker m = { 0, 3, 10, 0, 0, -1 };
	struct maker bad = { 0, 30, 10, 0, 0, 1 };
	struct window w;
	char out[64];

	window_init(&w);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &m, out,
				     sizeof(out), 1000),
			 0);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &m, out,
				     sizeof(out), 0),
			 21);
	window_free(&w);
	window_init(&w);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &bad, out,
				     sizeof(out), 0),
			 64);
	ck_assert_int_eq(window_read(&w, make_more, make_restart, &bad, out,
				     sizeof(out), 64),
			 -EIO);
	window_free(&w);
}
END_TEST

Suite *window_suite(void)
{
	Suite *s = suite_create("window");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_window_reads_the_whole_text_in_any_chunk);
	tcase_add_test(tc, test_window_a_first_read_makes_only_the_first_piece);
	tcase_add_test(tc, test_window_keeps_only_what_lies_after_the_last_read);
	tcase_add_test(tc, test_window_a_read_back_starts_again);
	tcase_add_test(tc,
		       test_window_past_the_end_is_zero_and_a_failure_is_its_errno);
	suite_add_tcase(s, tc);
	return s;
}
