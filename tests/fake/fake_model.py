"""Object shapes of the fake: field order and defaults per resource kind.

Owns: what a stored object looks like when the API returns it. Field order
follows the spec's schema (the filesystem prints keys in server order), and
every field the spec lists as required is always present. Objects are kept
in this full shape, except leads: a lead is stored with only the fields it
sets (100,000 of them must fit in memory) and `render_lead` fills the rest.

Does not: keep state, validate requests, or know about HTTP.
"""

import datetime
import time

OMIT = object()          # leave the field out when the object does not set it
NULL_ORG = "00000000-0000-7000-8000-000000000000"   # workspace id when none is given
EPOCH = "2026-10-01T12:00:00.000Z"


def now_iso():
    t = time.time()
    return (datetime.datetime.fromtimestamp(t, datetime.timezone.utc)
            .strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (int(t * 1000) % 1000))


def default_schedule(timezone="America/Chicago"):
    return {
        "schedules": [{
            "name": "Weekdays",
            "timing": {"from": "09:00", "to": "17:00"},
            "days": {"0": False, "1": True, "2": True, "3": True, "4": True,
                     "5": True, "6": False},
            "timezone": timezone,
        }],
        "start_date": None,
        "end_date": None,
    }


# (field, default). A callable default gets (obj, ctx) where ctx has the
# workspace id and owner.
CAMPAIGN = [
    ("id", None), ("name", ""), ("pl_value", None), ("status", 0),
    ("is_evergreen", False),
    ("campaign_schedule", lambda o, c: default_schedule()),
    ("sequences", lambda o, c: []),
    ("timestamp_created", None), ("timestamp_updated", None),
    ("email_gap", 10), ("random_wait_max", 10), ("text_only", False),
    ("first_email_text_only", False), ("email_list", lambda o, c: []),
    ("daily_limit", 50), ("stop_on_reply", True),
    ("email_tag_list", lambda o, c: []), ("link_tracking", False),
    ("open_tracking", True), ("stop_on_auto_reply", False),
    ("daily_max_leads", None), ("prioritize_new_leads", False),
    ("auto_variant_select", None), ("match_lead_esp", False),
    ("not_sending_status", OMIT), ("stop_for_company", False),
    ("core_variables", None), ("custom_variables", None),
    ("insert_unsubscribe_header", False), ("allow_risky_contacts", False),
    ("disable_bounce_protect", False),
    ("limit_emails_per_company_override", None),
    ("cc_list", lambda o, c: []), ("bcc_list", lambda o, c: []),
    ("organization", lambda o, c: c["workspace_id"]),
    ("owned_by", lambda o, c: c["owner"]), ("ai_sdr_id", None),
    ("provider_routing_rules", lambda o, c: []),
]


def _domain(o, c):
    email = o.get("email") or ""
    return email.rsplit("@", 1)[1].lower() if "@" in email else ""


LEAD = [
    ("id", None), ("timestamp_created", None), ("timestamp_updated", None),
    ("organization", lambda o, c: c["workspace_id"]),
    ("campaign", None), ("status", 1), ("email", None),
    ("personalization", None), ("website", None), ("last_name", None),
    ("first_name", None), ("company_name", None), ("job_title", None),
    ("phone", None), ("email_open_count", 0), ("email_reply_count", 0),
    ("email_click_count", 0), ("company_domain", _domain),
    ("status_summary", lambda o, c: {}), ("payload", OMIT),
    ("status_summary_subseq", OMIT), ("last_step_from", OMIT),
    ("last_step_id", OMIT), ("last_step_timestamp_executed", OMIT),
    ("email_opened_step", OMIT), ("email_opened_variant", OMIT),
    ("email_replied_step", OMIT), ("email_replied_variant", OMIT),
    ("email_clicked_step", OMIT), ("email_clicked_variant", OMIT),
    ("lt_interest_status", OMIT), ("subsequence_id", OMIT),
    ("verification_status", OMIT), ("pl_value_lead", None),
    ("timestamp_added_subsequence", OMIT), ("timestamp_last_contact", None),
    ("timestamp_last_open", OMIT), ("timestamp_last_reply", OMIT),
    ("timestamp_last_interest_change", OMIT), ("timestamp_last_click", OMIT),
    ("enrichment_status", OMIT), ("list_id", None),
    ("last_contacted_from", OMIT), ("uploaded_by_user", OMIT),
    ("upload_method", "api"), ("assigned_to", None),
    ("is_website_visitor", OMIT), ("timestamp_last_touch", OMIT),
    ("esp_code", OMIT), ("esg_code", OMIT),
]

LEAD_LIST = [
    ("id", None), ("organization_id", lambda o, c: c["workspace_id"]),
    ("has_enrichment_task", False), ("owned_by", lambda o, c: c["owner"]),
    ("name", ""), ("timestamp_created", None),
]

ACCOUNT = [
    ("email", None), ("timestamp_created", None), ("timestamp_updated", None),
    ("first_name", ""), ("last_name", ""),
    ("warmup", lambda o, c: {"limit": 20, "advanced": {}, "increment": "disabled",
                             "reply_rate": 0.1}),
    ("added_by", lambda o, c: c["owner"]), ("daily_limit", 30),
    ("daily_limit_max", OMIT), ("warmup_limit_max", OMIT),
    ("modified_by", lambda o, c: c["owner"]),
    ("tracking_domain_name", None), ("tracking_domain_status", None),
    ("status", 1), ("enable_slow_ramp", False),
    ("inbox_placement_test_limit", None),
    ("organization", lambda o, c: c["workspace_id"]), ("warmup_status", 0),
    ("status_message", OMIT), ("timestamp_warmup_start", None),
    ("provider_code", 1), ("setup_pending", False), ("is_managed_account", False),
    ("stat_warmup_score", None), ("sending_gap", 10), ("signature", None),
    ("reply_to", None), ("autofix_failed", OMIT),
]

EMAIL = [
    ("id", None), ("timestamp_created", None),
    ("timestamp_email", lambda o, c: o.get("timestamp_created")),
    ("message_id", lambda o, c: "<%s@mail.fake-instantly.test>" % o.get("id")),
    ("subject", ""), ("from_address_email", None), ("to_address_email_list", ""),
    ("cc_address_email_list", None), ("bcc_address_email_list", None),
    ("reply_to", None), ("body", lambda o, c: {"text": ""}),
    ("organization_id", lambda o, c: c["workspace_id"]),
    ("campaign_id", None), ("subsequence_id", None), ("list_id", None),
    ("lead", None), ("lead_id", None), ("eaccount", ""), ("ue_type", 2),
    ("step", None), ("is_unread", 0), ("is_auto_reply", 0),
    ("reminder_ts", None), ("ai_interest_value", None), ("ai_assisted", 0),
    ("is_focused", 1), ("i_status", None), ("thread_id", None),
    ("content_preview", None), ("attachment_json", None),
    ("from_address_json", OMIT), ("to_address_json", OMIT),
    ("cc_address_json", OMIT), ("ai_agent_id", OMIT),
]

BLOCK_LIST_ENTRY = [
    ("id", None), ("timestamp_created", None),
    ("organization_id", lambda o, c: c["workspace_id"]), ("bl_value", ""),
    ("is_domain", lambda o, c: "@" not in (o.get("bl_value") or "")),
]

CUSTOM_TAG = [
    ("id", None), ("timestamp_created", None), ("timestamp_updated", None),
    ("organization_id", lambda o, c: c["workspace_id"]), ("label", ""),
    ("description", None),
]

CUSTOM_TAG_MAPPING = [
    ("id", None), ("tag_id", None), ("resource_id", None), ("resource_type", 2),
    ("timestamp_created", None),
    ("organization_id", lambda o, c: c["workspace_id"]),
]

LEAD_LABEL = [
    ("id", None), ("timestamp_created", None),
    ("created_by", lambda o, c: c["owner"]),
    ("organization_id", lambda o, c: c["workspace_id"]), ("label", ""),
    ("interest_status_label", "neutral"), ("interest_status", None),
    ("description", None), ("use_with_ai", False),
]

BACKGROUND_JOB = [
    ("id", None), ("workspace_id", lambda o, c: c["workspace_id"]),
    ("user_id", lambda o, c: c["owner"]), ("type", "move-leads"),
    ("entity_id", None), ("entity_type", "campaign"),
    ("data", lambda o, c: {}), ("progress", 0), ("status", "pending"),
    ("created_at", None), ("updated_at", lambda o, c: o.get("created_at")),
]

# A campaign's subsequence (CampaignSubsequence): a follow-up sequence that
# leads enter when its conditions hold.
SUBSEQUENCE = [
    ("id", None), ("timestamp_created", None), ("parent_campaign", None),
    ("workspace", lambda o, c: c["workspace_id"]), ("status", 0),
    ("timestamp_leads_updated", lambda o, c: o.get("timestamp_created")),
    ("name", ""), ("conditions", lambda o, c: {}),
    ("subsequence_schedule", lambda o, c: default_schedule()),
    ("sequences", lambda o, c: []), ("auto_variant_select", None),
    ("daily_limit_mode", "inherit"), ("daily_limit", None),
    ("ignore_account_daily_limit", False),
]

WORKSPACE = [
    ("id", None), ("timestamp_created", None), ("timestamp_updated", None),
    ("scheduled_for_removal_at", None), ("owner", None), ("name", "Workspace"),
    ("plan_id", "pid_hg_v1"), ("plan_id_bundle", None),
    ("add_unsub_to_block", True), ("default_opportunity_value", 250),
    ("plan_id_leadfinder", None),
    ("plan_id_verification", lambda o, c: {"quantity": 5,
                                           "product_id": "pid_verify_v1_monthly",
                                           "timestamp_updated": o.get("timestamp_created")}),
    ("org_logo_url", None), ("org_client_domain", None), ("plan_id_crm", None),
    ("plan_id_website_visitor", None), ("plan_id_inbox_placement", None),
]

VERIFICATION = [
    ("status", "success"), ("email", None), ("verification_status", "pending"),
    ("catch_all", "pending"), ("credits", 1000), ("credits_used", 1),
]

CONNECTION = [
    ("connection_id", None), ("status", "ACTIVE"), ("creation_time", None),
    ("last_updated_time", lambda o, c: o.get("creation_time")),
    ("url", lambda o, c: "https://connect.maton.ai/?session_token=fake-%s"
     % o.get("connection_id")),
    ("app", "instantly"), ("method", "OAUTH2"), ("metadata", lambda o, c: {}),
]

WEBHOOK = [
    ("id", None), ("organization", lambda o, c: c["workspace_id"]), ("campaign", None),
    ("name", None), ("target_hook_url", None), ("event_type", None),
    ("custom_interest_value", None), ("headers", None), ("timestamp_created", None),
    ("status", 1), ("timestamp_error", None),
]

WEBHOOK_EVENT = [
    ("id", None), ("timestamp_created", None),
    ("timestamp_created_date", lambda o, c: (o.get("timestamp_created") or "")[:10]),
    ("organization_id", lambda o, c: c["workspace_id"]), ("payload", lambda o, c: {}),
    ("success", True), ("retry_count", 0), ("will_retry", False), ("webhook_url", None),
    ("status_code", 200), ("error_message", None), ("timestamp_next_retry", None),
    ("retry_group_id", None), ("retry_successful", None), ("lead_email", None),
    ("response_time_ms", 120),
]

def shape(fields, given, ctx):
    """Return a new dict in spec order: given values, else the defaults.

    Private keys (starting with "_") are kept at the end; unknown public
    keys are dropped.
    """
    out = {}
    for name, default in fields:
        if name in given:
            out[name] = given[name]
        elif default is OMIT:
            continue
        elif callable(default):
            out[name] = default(given, ctx)
        else:
            out[name] = default
    for k, v in given.items():
        if k.startswith("_"):
            out[k] = v
    return out


def render_lead(stored, ctx):
    """The full lead as the API returns it, from its stored form."""
    return shape(LEAD, stored, ctx)


def public(obj):
    """Strip the fake's private bookkeeping keys from an object."""
    if any(k.startswith("_") for k in obj):
        return {k: v for k, v in obj.items() if not k.startswith("_")}
    return obj


def compact_lead(full, ctx):
    """Keep only the fields that differ from what render_lead would fill in."""
    out = {}
    for name, default in LEAD:
        if name not in full:
            continue
        v = full[name]
        if default is OMIT:
            out[name] = v
            continue
        dv = default(full, ctx) if callable(default) else default
        if name in ("id", "timestamp_created", "timestamp_updated") or v != dv:
            out[name] = v
    return out

# ----- the team, placement tests and the audit log (fake_h_team.py) -----

MEMBER = [
    ("id", None), ("email", ""), ("user_id", None), ("user_email", None),
    ("nickname", None), ("name", lambda o, c: {"first": "", "last": ""}),
    ("role", "view"), ("timestamp_created", None),
    ("workspace_id", lambda o, c: c["workspace_id"]), ("accepted", False),
    ("issuer_id", lambda o, c: c["owner"]), ("permissions", None),
]

PLACEMENT_TEST = [
    ("id", None), ("organization_id", lambda o, c: c["workspace_id"]), ("name", ""),
    ("delivery_mode", 1), ("description", None),
    ("schedule", lambda o, c: {"days": {"1": True, "3": True}, "timing": {"from": "09:00"},
                               "timezone": "America/Chicago"}),
    ("type", 1), ("sending_method", 1), ("campaign_id", None), ("email_subject", ""),
    ("email_body", ""), ("emails", lambda o, c: []), ("test_code", None),
    ("tags", None), ("text_only", False), ("recipients", lambda o, c: []),
    ("recipients_labels", lambda o, c: []), ("timestamp_created", None),
    ("timestamp_next_run", None), ("automations", None), ("status", 1),
    ("not_sending_status", OMIT),
]

PLACEMENT_ANALYTICS = [
    ("id", None), ("timestamp_created", None),
    ("timestamp_created_date", lambda o, c: (o.get("timestamp_created") or "")[:10]),
    ("organization_id", lambda o, c: c["workspace_id"]), ("test_id", None),
    ("is_spam", False), ("has_category", False), ("sender_email", None),
    ("sender_esp", 1), ("recipient_email", None), ("recipient_esp", 1),
    ("recipient_geo", 1), ("recipient_type", 1), ("spf_pass", True),
    ("dkim_pass", True), ("dmarc_pass", True), ("smtp_ip_blacklist_report", None),
    ("authentication_failure_results", None), ("record_type", 2),
]

PLACEMENT_REPORT = [
    ("id", None), ("timestamp_created", None),
    ("timestamp_created_date", lambda o, c: (o.get("timestamp_created") or "")[:10]),
    ("organization_id", lambda o, c: c["workspace_id"]), ("test_id", None),
    ("domain_blacklist_count", 0), ("domain", ""), ("domain_ip", ""),
    ("domain_ip_blacklist_count", 0), ("spam_assassin_score", 0),
    ("spam_assassin_report", lambda o, c: {"is_spam": False, "report": [], "spam_score": 0}),
    ("blacklist_report", lambda o, c: {"address": o.get("domain") or "",
                                       "blacklisted_count": 0, "details": [],
                                       "is_blacklisted": False, "is_domain": True}),
]

AUDIT_LOG = [
    ("id", None), ("timestamp", None), ("organization_id", lambda o, c: c["workspace_id"]),
    ("activity_type", 1), ("user_agent", None), ("user_id", None),
    ("ip_address", "127.0.0.1"), ("from_api", False), ("api_key_id", None),
    ("affected_count", None), ("campaign_id", None), ("webhook_id", None),
    ("subsequence_id", None), ("list_id", None),
    ("audit_metadata", lambda o, c: {}), ("user_name", None),
]
