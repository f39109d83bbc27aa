/*
 * fields.h - the fields each PATCH takes (from the spec's request
 * schemas); NULL-terminated lists, shared by the mount and its fuzzers.
 */
#ifndef INSTANTLYFS_FIELDS_H
#define INSTANTLYFS_FIELDS_H

extern const char *const fields_campaign_writable[];
extern const char *const fields_lead_writable[];
extern const char *const fields_lead_list_writable[];
extern const char *const fields_account_writable[];
extern const char *const fields_tag_writable[];
extern const char *const fields_email_writable[];
extern const char *const fields_workspace_writable[];
extern const char *const fields_subsequence_writable[];
extern const char *const fields_lead_label_writable[];
extern const char *const fields_webhook_writable[];
extern const char *const fields_member_writable[];
extern const char *const fields_placement_test_writable[];

#endif
