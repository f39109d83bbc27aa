/*
 * main.c - runs every unit suite; exits non-zero if any test fails.
 *
 * CK_FORK=no (as under the sanitizers) runs the tests in one process, so
 * tests of global state (log, errlog, stats) never assume a fresh start.
 */
#include <stdlib.h>

#include "suites.h"

int main(void)
{
	SRunner *sr = srunner_create(buf_suite());
	int failed;

	srunner_add_suite(sr, log_suite());
	srunner_add_suite(sr, escape_suite());
	srunner_add_suite(sr, render_suite());
	srunner_add_suite(sr, pager_suite());
	srunner_add_suite(sr, errmap_suite());
	srunner_add_suite(sr, hmap_suite());
	srunner_add_suite(sr, errlog_suite());
	srunner_add_suite(sr, stats_suite());
	srunner_add_suite(sr, api_suite());
	srunner_add_suite(sr, route_suite());
	srunner_add_suite(sr, html_suite());
	srunner_add_suite(sr, mime_suite());
	srunner_add_suite(sr, cache_suite());
	srunner_add_suite(sr, rate_suite());
	srunner_add_suite(sr, patch_suite());
	srunner_add_suite(sr, import_suite());
	srunner_add_suite(sr, retry_suite());
	srunner_add_suite(sr, stop_suite());
	srunner_add_suite(sr, inode_suite());
	srunner_add_suite(sr, store_suite());
	srunner_add_suite(sr, etable_suite());
	srunner_add_suite(sr, cachecmd_suite());
	srunner_add_suite(sr, offline_suite());
	srunner_add_suite(sr, relist_suite());
	srunner_add_suite(sr, jsonprefix_suite());
	srunner_add_suite(sr, seqtext_suite());
	srunner_add_suite(sr, interest_suite());
	srunner_add_suite(sr, webhooks_suite());
	srunner_add_suite(sr, window_suite());

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
