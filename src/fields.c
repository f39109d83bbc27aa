/*
 * fields.c - the fields each PATCH takes: the request schemas of the
 * spec's PATCH operations on campaigns, leads, lead lists, accounts,
 * custom tags, emails and the workspace.  Data only.
 */
#include <stddef.h>

#include "fields.h"

const char *const fields_campaign_writable[] = {
	"allow_risky_contacts", "auto_variant_select", "bcc_list",
	"campaign_schedule", "cc_list", "daily_limit", "daily_max_leads",
	"disable_bounce_protect", "email_gap", "email_list", "email_tag_list",
	"first_email_text_only", "insert_unsubscribe_header", "is_evergreen",
	"limit_emails_per_company_override", "link_tracking", "match_lead_esp",
	"name", "open_tracking", "owned_by", "pl_value", "prioritize_new_leads",
	"provider_routing_rules", "random_wait_max", "sequences",
	"stop_for_company", "stop_on_auto_reply", "stop_on_reply", "text_only",
	NULL
};
const char *const fields_lead_writable[] = {
	"assigned_to", "company_name", "custom_variables", "first_name",
	"job_title", "last_name", "lt_interest_status", "personalization",
	"phone", "pl_value_lead", "website", NULL
};
const char *const fields_lead_list_writable[] = {
	"has_enrichment_task", "name", "owned_by", NULL
};
const char *const fields_account_writable[] = {
	"daily_limit", "enable_slow_ramp", "first_name",
	"inbox_placement_test_limit", "last_name", "remove_tracking_domain",
	"reply_to", "sending_gap", "signature", "skip_cname_check",
	"tracking_domain_name", "tracking_domain_status", "warmup", NULL
};
const char *const fields_tag_writable[] = { "description", "label", NULL };
const char *const fields_email_writable[] = { "is_unread", "reminder_ts",
					      NULL };

const char *const fields_subsequence_writable[] = {
	"auto_variant_select", "conditions", "daily_limit", "daily_limit_mode",
	"ignore_account_daily_limit", "name", "sequences",
	"subsequence_schedule", NULL
};

const char *const fields_workspace_writable[] = { "name", "org_logo_url",
						   NULL };

/* PATCH /lead-labels/{id} (interest_status is the server's). */
const char *const fields_lead_label_writable[] = {
	"description", "interest_status_label", "label", "use_with_ai", NULL
};

/* PATCH /webhooks/{id}; POST /webhooks takes the same. */
const char *const fields_webhook_writable[] = {
	"campaign", "name", "target_hook_url", "event_type",
	"custom_interest_value", "headers", NULL
};

const char *const fields_member_writable[] = { "nickname", "role", NULL };
const char *const fields_placement_test_writable[] = { "automations", "name",
						       "schedule", "status",
						       NULL };
