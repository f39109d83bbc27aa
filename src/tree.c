/*
 * tree.c - the whole tree of LAYOUT.md, one row a path.
 *
 * Read it top to bottom as the tree: literal rows before the wildcard
 * row at the same level (the first match wins).  Adding a file is one
 * row and, at most, one small handler.
 */
#include "tree.h"

/* Collection views: which collection a wildcard names, where its parent
 * id and its name are in the path, and where a link points. */
static const struct coll_view campaigns = { &coll_campaigns, -1, 0, "../%s" };
static const struct coll_view by_status = { &coll_campaigns, -1, 1,
					    "../../%s" };
static const struct coll_view campaign_leads = { &coll_campaign_leads, 0, 1, NULL };
static const struct coll_view lead_lists = { &coll_lead_lists, -1, 0, "../%s" };
static const struct coll_view list_leads = { &coll_list_leads, 0, 1, NULL };
static const struct coll_view accounts = { &coll_accounts, -1, 0, NULL };
static const struct coll_view emails = { &coll_emails, -1, 0, NULL };
static const struct coll_view unread = { &coll_unread, -1, 0, "../%s" };
static const struct coll_view thread = { &coll_thread, 0, 1, "../../%s" };
static const struct coll_view blocklist = { &coll_blocklist, -1, 0, NULL };
static const struct coll_view jobs = { &coll_jobs, -1, 0, NULL };
static const struct coll_view tags = { &coll_tags, -1, 0, NULL };
static const struct coll_view subsequences = { &coll_subsequences, 0, 1,
					       NULL };
static const struct coll_view lead_labels = { &coll_lead_labels, -1, 0, NULL };
static const struct coll_view webhooks = { &coll_webhooks, -1, 0, NULL };
static const struct coll_view members = { &coll_members, -1, 0, NULL };
static const struct coll_view placement_tests = { &coll_placement_tests, -1,
						  0, NULL };
static const struct coll_view contact = { &coll_contact_campaigns, 0, 1,
					  "../../../campaigns/%s" };

/* Documents: one GET (or POST) rendered as JSON or CSV. */
#define ANALYTICS(path, param, csv, range)                                  \
	{ "GET", path, 0, param, csv, range }
static const struct doc_view analytics = ANALYTICS(
	"/api/v2/campaigns/analytics", "id", 0, -1);
static const struct doc_view overview = ANALYTICS(
	"/api/v2/campaigns/analytics/overview", "id", 0, -1);
static const struct doc_view daily = ANALYTICS(
	"/api/v2/campaigns/analytics/daily", "campaign_id", 1, -1);
static const struct doc_view steps = ANALYTICS(
	"/api/v2/campaigns/analytics/steps", "campaign_id", 1, -1);
static const struct doc_view overview_range = ANALYTICS(
	"/api/v2/campaigns/analytics/overview", "id", 0, 1);
static const struct doc_view daily_range = ANALYTICS(
	"/api/v2/campaigns/analytics/daily", "campaign_id", 1, 1);
static const struct doc_view steps_range = ANALYTICS(
	"/api/v2/campaigns/analytics/steps", "campaign_id", 1, 1);

static const struct doc_view sending_status = {
	"GET", "/api/v2/campaigns/%s/sending-status", 0, NULL, 0, -1 };

#define DIR(p, m) .pattern = p, .type = NODE_DIR, .mode = m
#define FILE_(p, m) .pattern = p, .type = NODE_FILE, .mode = m
#define LINK(p) .pattern = p, .type = NODE_LINK, .mode = 0777
#define COLL(v) .arg = &v
#define JSON_ITEM(p, v)                                                      \
	{ FILE_(p, 0644), .read = h_coll_read, .commit = h_coll_commit,     \
	  .check = h_json_check, COLL(v) }
/* A folder that is one object: rmdir deletes it; editors may leave their
 * temporary files in it. */
#define OBJ_DIR(p, v)                                                        \
	{ DIR(p, 0755), .flags = R_SCRATCH, .stat = h_coll_stat,             \
	  .rmdir = h_coll_delete, COLL(v) }
/* A folder of lead files: new names create leads, rm deletes them. */
#define LEADS(p, v)                                                          \
	{ DIR(p, 0755), .flags = R_SCRATCH, .list = h_coll_list, COLL(v) },  \
	{ FILE_(p "/*", 0644), .flags = R_DEFER, .stat = h_coll_stat,        \
	  .read = h_coll_read, .commit = h_coll_commit,                      \
	  .check = h_json_check, .create = h_lead_create, .unlink = h_coll_delete,                  \
	  .rename = h_lead_move, COLL(v) }
/* The email copy of the object a view names, as text (seqtext.h). */
#define SEQUENCE(p, v)                                                       \
	{ DIR(p "/sequence", 0755), .list = h_seq_steps_list,               \
	  .mkdir = h_seq_step_mkdir, COLL(v) },                              \
	{ DIR(p "/sequence/*", 0755), .flags = R_SCRATCH,                    \
	  .stat = h_seq_step_stat, .list = h_seq_variants_list,              \
	  .rmdir = h_seq_step_rmdir, .unlink = h_seq_step_delete, COLL(v) }, \
	{ FILE_(p "/sequence/*/delay", 0644), .read = h_seq_delay_read,      \
	  .commit = h_seq_delay_commit, .check = h_seq_delay_check,          \
	  .unlink = h_seq_delay_unlink, COLL(v) },                           \
	{ FILE_(p "/sequence/*/*", 0644), .flags = R_NEED_TEXT | R_DEFER,    \
	  .read = h_seq_variant_read,                                        \
	  .commit = h_seq_variant_commit, .check = h_seq_variant_check,      \
	  .create = h_seq_variant_create,                                    \
	  .unlink = h_seq_variant_unlink, COLL(v) }

const struct route tree_routes[] = {
	{ DIR("/", 0755), .flags = R_SCRATCH },
	{ FILE_("/workspace.json", 0644), .read = h_workspace_read,
	  .commit = h_workspace_commit, .check = h_json_check },

	{ DIR("/campaigns", 0755), .list = h_coll_list,
	  .mkdir = h_campaign_mkdir, COLL(campaigns) },
	{ DIR("/campaigns/by-name", 0555), .list = h_coll_list_labels,
	  COLL(campaigns) },
	{ LINK("/campaigns/by-name/*"), .stat = h_coll_stat_label,
	  .read = h_coll_link_label, .rename = h_label_rename,
	  COLL(campaigns) },
	{ DIR("/campaigns/by-status", 0555), .list = h_by_status_list },
	{ DIR("/campaigns/by-status/*", 0555), .stat = h_by_status_stat,
	  .list = h_by_status_members },
	{ LINK("/campaigns/by-status/*/*"), .stat = h_by_status_member_stat,
	  .read = h_coll_link_label, COLL(by_status) },
	OBJ_DIR("/campaigns/*", campaigns),
	JSON_ITEM("/campaigns/*/campaign.json", campaigns),
	{ FILE_("/campaigns/*/status", 0644), .read = h_campaign_status_read,
	  .commit = h_campaign_status_commit,
	  .check = h_campaign_status_check },
	SEQUENCE("/campaigns/*", campaigns),
	/* Leads by interest status (h_interest.c): not listed in leads/, so
	 * that a glob of leads/ is the lead files alone. */
	{ DIR("/campaigns/*/leads/by-interest", 0555), .flags = R_HIDDEN,
	  .list = h_interest_list },
	{ DIR("/campaigns/*/leads/by-interest/*", 0755),
	  .stat = h_interest_stat, .list = h_interest_members,
	  .symlink = h_interest_symlink },
	{ LINK("/campaigns/*/leads/by-interest/*/*"),
	  .stat = h_interest_member_stat, .read = h_interest_link,
	  .unlink = h_interest_unlink, .rename = h_interest_rename },
	LEADS("/campaigns/*/leads", campaign_leads),
	{ FILE_("/campaigns/*/import", 0600), .read = h_import_read,
	  .commit = h_import_commit, .stream = h_import_stream,
	  .stream_free = h_import_stream_free },
	{ FILE_("/campaigns/*/analytics.json", 0444), .read = h_doc_read,
	  COLL(analytics) },
	{ DIR("/campaigns/*/analytics", 0555) },
	{ FILE_("/campaigns/*/analytics/overview.json", 0444),
	  .read = h_doc_read, COLL(overview) },
	{ FILE_("/campaigns/*/analytics/daily.csv", 0444), .read = h_doc_read,
	  COLL(daily) },
	{ FILE_("/campaigns/*/analytics/steps.csv", 0444), .read = h_doc_read,
	  COLL(steps) },
	{ DIR("/campaigns/*/analytics/*", 0555), .flags = R_HIDDEN,
	  .stat = h_range_stat },
	{ FILE_("/campaigns/*/analytics/*/overview.json", 0444),
	  .read = h_doc_read, COLL(overview_range) },
	{ FILE_("/campaigns/*/analytics/*/daily.csv", 0444),
	  .read = h_doc_read, COLL(daily_range) },
	{ FILE_("/campaigns/*/analytics/*/steps.csv", 0444),
	  .read = h_doc_read, COLL(steps_range) },
	{ FILE_("/campaigns/*/sending-status.json", 0444), .read = h_doc_read,
	  COLL(sending_status) },
	/* A campaign's subsequences by name: mkdir makes one, rmdir deletes
	 * it, mv renames it.  subsequence.json stays the last row of a subsequence's
	 * folder: a copy (cp -r) is made when it arrives, and cp copies in
	 * the order a folder is listed. */
	{ DIR("/campaigns/*/subsequences", 0755), .list = h_subseq_list,
	  .mkdir = h_subseq_mkdir, COLL(subsequences) },
	{ DIR("/campaigns/*/subsequences/*", 0755), .flags = R_SCRATCH,
	  .stat = h_local_stat, .rmdir = h_local_rmdir,
	  .rename = h_subseq_rename, COLL(subsequences) },
	{ FILE_("/campaigns/*/subsequences/*/status", 0644),
	  .read = h_subseq_status_read, .commit = h_subseq_status_commit,
	  .check = h_subseq_status_check, COLL(subsequences) },
	{ FILE_("/campaigns/*/subsequences/*/sending-status.json", 0444),
	  .read = h_subseq_sending_read, COLL(subsequences) },
	{ FILE_("/campaigns/*/subsequences/*/duplicate", 0200),
	  .stat = h_subseq_file_stat, .read = h_empty_read,
	  .commit = h_subseq_duplicate_commit, COLL(subsequences) },
	SEQUENCE("/campaigns/*/subsequences/*", subsequences),
	{ FILE_("/campaigns/*/subsequences/*/subsequence.json", 0644),
	  .flags = R_NEED_TEXT, .read = h_coll_read,
	  .create = h_local_create, .commit = h_subseq_json_commit,
	  .check = h_json_check, COLL(subsequences) },

	{ DIR("/lead-lists", 0755), .list = h_coll_list,
	  .mkdir = h_list_mkdir, COLL(lead_lists) },
	{ DIR("/lead-lists/by-name", 0555), .list = h_coll_list_labels,
	  COLL(lead_lists) },
	{ LINK("/lead-lists/by-name/*"), .stat = h_coll_stat_label,
	  .read = h_coll_link_label, .rename = h_label_rename,
	  COLL(lead_lists) },
	OBJ_DIR("/lead-lists/*", lead_lists),
	JSON_ITEM("/lead-lists/*/list.json", lead_lists),
	LEADS("/lead-lists/*/leads", list_leads),
	{ FILE_("/lead-lists/*/import", 0600), .read = h_import_read,
	  .commit = h_import_commit, .stream = h_import_stream,
	  .stream_free = h_import_stream_free },

	{ DIR("/accounts", 0755), .list = h_coll_list,
	  .mkdir = h_account_mkdir, COLL(accounts) },
	{ DIR("/accounts/*", 0755), .flags = R_SCRATCH, .stat = h_local_stat,
	  .rmdir = h_local_rmdir, COLL(accounts) },
	{ FILE_("/accounts/*/account.json", 0644), .flags = R_NEED_TEXT,
	  .read = h_coll_read,
	  .create = h_local_create, .commit = h_account_commit,
	  .check = h_json_check, COLL(accounts) },
	{ FILE_("/accounts/*/status", 0644), .read = h_account_status_read,
	  .commit = h_account_status_commit,
	  .check = h_account_status_check },
	{ FILE_("/accounts/*/warmup", 0644), .read = h_account_warmup_read,
	  .commit = h_account_warmup_commit,
	  .check = h_account_warmup_check },
	{ FILE_("/accounts/*/warmup_analytics.json", 0444),
	  .read = h_warmup_analytics_read },

	{ DIR("/emails", 0755), .list = h_coll_list, COLL(emails) },
	{ FILE_("/emails/unread_count", 0444), .read = h_unread_count_read },
	{ DIR("/emails/unread", 0555), .list = h_unread_list, COLL(unread) },
	{ LINK("/emails/unread/*"), .stat = h_unread_stat, .read = h_coll_link,
	  COLL(unread) },
	{ DIR("/emails/threads", 0555), .list = h_threads_list },
	{ DIR("/emails/threads/*", 0555), .stat = h_thread_stat,
	  .list = h_thread_members, COLL(thread) },
	{ FILE_("/emails/threads/*/read", 0200), .read = h_empty_read,
	  .commit = h_thread_read_commit },
	{ LINK("/emails/threads/*/*"), .stat = h_thread_member_stat,
	  .read = h_coll_link, COLL(thread) },
	{ DIR("/emails/maildir", 0755) },
	{ DIR("/emails/maildir/cur", 0755), .stat = h_maildir_cur_stat,
	  .list = h_maildir_list },
	{ FILE_("/emails/maildir/cur/*", 0444), .stat = h_maildir_stat,
	  .read = h_maildir_read, .unlink = h_maildir_unlink,
	  .rename = h_maildir_rename },
	{ DIR("/emails/maildir/new", 0755) },
	{ DIR("/emails/maildir/tmp", 0755) },
	{ DIR("/emails/outbox", 0755), .flags = R_SCRATCH,
	  .list = h_outbox_list },
	{ FILE_("/emails/outbox/*", 0200), .flags = R_NEED_TEXT,
	  .stat = h_outbox_stat, .read = h_empty_read,
	  .create = h_outbox_create, .commit = h_outbox_commit },
	OBJ_DIR("/emails/*", emails),
	JSON_ITEM("/emails/*/email.json", emails),
	{ FILE_("/emails/*/body.txt", 0444), .read = h_body_read },
	{ FILE_("/emails/*/reply", 0200), .read = h_empty_read,
	  .commit = h_reply_commit },
	{ FILE_("/emails/*/forward", 0200), .read = h_empty_read,
	  .commit = h_forward_commit },

	{ DIR("/blocklist", 0755), .list = h_coll_list, COLL(blocklist) },
	{ FILE_("/blocklist/*", 0644), .stat = h_coll_stat,
	  .read = h_coll_read, .create = h_block_create,
	  .commit = h_block_commit, .unlink = h_coll_delete, COLL(blocklist) },

	{ DIR("/verify", 0755), .list = h_verify_list },
	{ FILE_("/verify/*", 0444), .flags = R_DIRECT, .stat = h_verify_stat,
	  .read = h_verify_read },

	{ DIR("/jobs", 0555), .list = h_coll_list, COLL(jobs) },
	{ FILE_("/jobs/*", 0444), .stat = h_coll_stat, .read = h_coll_read,
	  COLL(jobs) },

	{ DIR("/tags", 0755), .list = h_coll_list, .mkdir = h_tag_mkdir,
	  COLL(tags) },
	OBJ_DIR("/tags/*", tags),
	JSON_ITEM("/tags/*/tag.json", tags),
	{ DIR("/tags/*/campaigns", 0755), .list = h_tag_links_list,
	  .symlink = h_tag_symlink, .arg = "campaigns" },
	{ LINK("/tags/*/campaigns/*"), .stat = h_tag_link_stat,
	  .read = h_tag_link_read, .unlink = h_tag_unlink, .arg = "campaigns" },
	{ DIR("/tags/*/accounts", 0755), .list = h_tag_links_list,
	  .symlink = h_tag_symlink, .arg = "accounts" },
	{ LINK("/tags/*/accounts/*"), .stat = h_tag_link_stat,
	  .read = h_tag_link_read, .unlink = h_tag_unlink, .arg = "accounts" },

	{ DIR("/labels", 0755), .list = h_coll_list,
	  .mkdir = h_lead_label_mkdir, COLL(lead_labels) },
	{ DIR("/labels/*", 0755), .flags = R_SCRATCH, .stat = h_coll_stat,
	  .rmdir = h_coll_delete, .rename = h_lead_label_rename,
	  COLL(lead_labels) },
	JSON_ITEM("/labels/*/label.json", lead_labels),

	{ DIR("/search", 0555) },
	{ DIR("/search/contact", 0555) },
	{ DIR("/search/contact/*", 0555), .flags = R_HIDDEN,
	  .list = h_coll_list_labels, COLL(contact) },
	{ LINK("/search/contact/*/*"), .stat = h_coll_stat_label,
	  .read = h_coll_link_label, COLL(contact) },

	{ DIR("/webhooks", 0755), .list = h_coll_list, .mkdir = h_webhook_mkdir,
	  COLL(webhooks) },
	{ FILE_("/webhooks/event-types", 0444),
	  .read = h_webhook_event_types_read },
	{ DIR("/webhooks/*", 0755), .flags = R_SCRATCH, .stat = h_local_stat,
	  .rmdir = h_local_rmdir, COLL(webhooks) },
	{ FILE_("/webhooks/*/webhook.json", 0644), .flags = R_NEED_TEXT,
	  .read = h_coll_read, .create = h_local_create,
	  .commit = h_webhook_commit, .check = h_json_check,
	  .unlink = h_webhook_part_unlink, COLL(webhooks) },
	{ FILE_("/webhooks/*/status", 0644), .read = h_webhook_status_read,
	  .commit = h_webhook_status_commit,
	  .check = h_webhook_status_check, .unlink = h_webhook_part_unlink },
	{ FILE_("/webhooks/*/test", 0200), .read = h_empty_read,
	  .commit = h_webhook_test_commit, .unlink = h_webhook_part_unlink },
	{ DIR("/webhooks/*/events", 0555), .list = h_webhook_events_list,
	  .rmdir = h_webhook_part_unlink },
	{ FILE_("/webhooks/*/events/*", 0444), .stat = h_webhook_event_stat,
	  .read = h_webhook_event_read, .unlink = h_webhook_part_unlink },
	/* The team, inbox placement tests, the audit log. */
	{ DIR("/members", 0755), .flags = R_SCRATCH, .list = h_coll_list,
	  COLL(members) },
	{ FILE_("/members/*", 0644), .flags = R_DEFER | R_NEED_TEXT,
	  .stat = h_coll_stat, .read = h_coll_read, .commit = h_member_commit,
	  .check = h_json_check, .create = h_member_create,
	  .unlink = h_coll_delete, COLL(members) },
	{ DIR("/placement-tests", 0755), .list = h_coll_list,
	  COLL(placement_tests) },
	OBJ_DIR("/placement-tests/*", placement_tests),
	JSON_ITEM("/placement-tests/*/test.json", placement_tests),
	{ FILE_("/placement-tests/*/results.json", 0444),
	  .read = h_placement_read,
	  .arg = "/api/v2/inbox-placement-analytics" },
	{ FILE_("/placement-tests/*/reports.json", 0444),
	  .read = h_placement_read, .arg = "/api/v2/inbox-placement-reports" },
	{ FILE_("/audit-log.jsonl", 0444), .flags = R_DIRECT | R_PAGED,
	  .read_at = h_audit_read_at, .stream_free = h_audit_free },

	{ DIR("/.instantlyfs", 0555) },
	{ FILE_("/.instantlyfs/stats", 0444), .flags = R_LIVE,
	  .read = h_stats_read },
	{ FILE_("/.instantlyfs/errors", 0444), .flags = R_LIVE,
	  .read = h_errors_read },
	{ FILE_("/.instantlyfs/refresh", 0200), .read = h_empty_read,
	  .commit = h_refresh_commit },
	{ DIR("/.instantlyfs/rejected", 0555), .list = h_rejected_list },
	{ FILE_("/.instantlyfs/rejected/*", 0444), .read = h_rejected_read },
	{ FILE_("/.instantlyfs/version", 0444), .read = h_version_read },
};

const size_t tree_nroutes = sizeof(tree_routes) / sizeof(tree_routes[0]);
