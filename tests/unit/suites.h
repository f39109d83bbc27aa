/*
 * suites.h - the unit test suites; main.c runs every one of them.
 */
#ifndef INSTANTLYFS_TEST_SUITES_H
#define INSTANTLYFS_TEST_SUITES_H

#include <check.h>

Suite *buf_suite(void);
Suite *log_suite(void);
Suite *escape_suite(void);
Suite *render_suite(void);
Suite *pager_suite(void);
Suite *errmap_suite(void);
Suite *hmap_suite(void);
Suite *errlog_suite(void);
Suite *stats_suite(void);
Suite *api_suite(void);
Suite *route_suite(void);
Suite *html_suite(void);
Suite *cache_suite(void);
Suite *rate_suite(void);
Suite *patch_suite(void);
Suite *import_suite(void);
Suite *retry_suite(void);
Suite *stop_suite(void);
Suite *inode_suite(void);
Suite *store_suite(void);
Suite *etable_suite(void);
Suite *cachecmd_suite(void);
Suite *offline_suite(void);
Suite *relist_suite(void);
Suite *mime_suite(void);
Suite *jsonprefix_suite(void);
Suite *seqtext_suite(void);
Suite *interest_suite(void);
Suite *webhooks_suite(void);
Suite *window_suite(void);

#endif
