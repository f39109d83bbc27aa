"""Handlers: campaign subsequences and the sending-status documents.

Owns: subsequence list (by parent_campaign, parent_campaign_not and a name
search), get, create, patch, delete, pause, resume and duplicate; and
GET /campaigns/{id}/sending-status and /subsequences/{id}/sending-status,
whose answers are a pure function of the object's status and timestamps.

A subsequence's status is a number like a campaign's (0 draft, 1 active,
2 paused, 3 completed, ...). A new one is a draft; without a
subsequence_schedule it takes its campaign's schedule (the spec says it
inherits it). Names may repeat, as on the real API. A "custom"
daily_limit_mode without a daily_limit is refused (400).
"""

import fake_model as M
from fake_common import apply_patch, bad_request, contains, not_found, paged
from fake_h_campaigns import campaign_or_404

# What POST /subsequences and PATCH /subsequences/{id} take besides the
# parent (the spec's request schemas).
WRITABLE = ["name", "conditions", "subsequence_schedule", "sequences",
            "auto_variant_select", "daily_limit_mode", "daily_limit",
            "ignore_account_daily_limit"]

# What sending-status says of each status: (code, message).
SENDING = {
    0: ("campaign_draft", "The %s is a draft and is not sending"),
    1: ("healthy", "The %s is sending normally"),
    2: ("campaign_paused", "The %s is paused"),
    3: ("campaign_completed", "The %s has completed"),
    4: ("campaign_running_subsequences", "The %s is running its subsequences"),
    -1: ("campaign_accounts_unhealthy", "The %s's sending accounts are unhealthy"),
    -2: ("campaign_bounce_protect", "The %s is held by bounce protection"),
    -99: ("campaign_account_suspended", "The %s's account is suspended"),
}


def subsequence_or_404(req):
    s = req.state.subsequences.get(req.params["id"])
    if s is None:
        raise not_found("Subsequence")
    return s


def list_subsequences(req):
    st = req.state
    parent, not_parent = req.q("parent_campaign"), req.q("parent_campaign_not")
    search = req.q("search")

    def pred(sid):
        s = st.subsequences.by_id[sid]
        if parent and s["parent_campaign"] != parent:
            return None
        if not_parent and s["parent_campaign"] == not_parent:
            return None
        if search and not contains(s["name"], search):
            return None
        return s
    return paged(req, st.subsequences.keys, req.q("starting_after"), pred,
                 lambda s: s["id"])


def get_subsequence(req):
    return subsequence_or_404(req)


def add_subsequence(st, campaign, fields):
    now = M.now_iso()
    given = {k: v for k, v in fields.items() if k in WRITABLE}
    given.setdefault("subsequence_schedule", campaign["campaign_schedule"])
    given.update({"id": st.ids.uuid7(), "parent_campaign": campaign["id"],
                  "status": 0, "timestamp_created": now,
                  "timestamp_leads_updated": now})
    return st.subsequences.add(M.shape(M.SUBSEQUENCE, given, st.ctx))


def check_limit(fields):
    """A custom daily limit needs its number (the spec allows null)."""
    if fields.get("daily_limit_mode") == "custom" and fields.get("daily_limit") is None:
        raise bad_request("daily_limit must be a number when daily_limit_mode is custom")


def create_subsequence(req):
    body = req.require("parent_campaign", "name", "conditions")
    campaign = campaign_or_404(req, body["parent_campaign"])
    check_limit(body)
    return add_subsequence(req.state, campaign, body)


def patch_subsequence(req):
    s = subsequence_or_404(req)
    check_limit(dict(s, **{k: v for k, v in (req.body or {}).items() if k in WRITABLE}))
    return apply_patch(s, req.body, WRITABLE)


def delete_subsequence(req):
    s = subsequence_or_404(req)
    req.state.subsequences.remove(s["id"])
    return s


def pause_subsequence(req):
    s = subsequence_or_404(req)
    s["status"] = 2
    return s


def resume_subsequence(req):
    s = subsequence_or_404(req)
    if s["status"] == 3:
        raise bad_request("Subsequence is completed and cannot be resumed")
    s["status"] = 1
    return s


def duplicate_subsequence(req):
    source = subsequence_or_404(req)
    body = req.require("parent_campaign")
    campaign = campaign_or_404(req, body["parent_campaign"])
    fields = {k: source.get(k) for k in WRITABLE if k in source}
    if body.get("name") is not None:
        fields["name"] = body["name"]
    return add_subsequence(req.state, campaign, fields)


def sending_status(obj, kind, with_summary, extra):
    """The answer of a sending-status endpoint for a campaign or subsequence."""
    code, message = SENDING.get(obj["status"], SENDING[0])
    since = obj["timestamp_created"]
    healthy = code == "healthy"
    diagnostics = dict(extra, last_updated=since, status=code, issue_tracking={
        "current_status_code": code,
        "issue_first_seen_at": None if healthy else since,
        "consecutive_loops_with_issue": 0 if healthy else 12,
        "last_healthy_send_at": since if healthy else None})
    diagnostics["schedule_status"] = {"in_schedule": healthy}
    summary = {"status": code, "status_message": message % kind,
               "issue_started_at": None if healthy else since,
               "last_healthy_send_at": since if healthy else None}
    if with_summary:
        summary["ai_summary"] = summary["status_message"] + "."
    return {"diagnostics": diagnostics, "summary": summary}


def campaign_sending_status(req):
    c = campaign_or_404(req)
    accounts = len(c.get("email_list") or [])
    extra = {"campaign_id": c["id"],
             "accounts_summary": {"total_connected": accounts, "available": accounts,
                                  "unavailable": {"daily_limit_hit": 0,
                                                  "slow_ramp_limit_hit": 0,
                                                  "disconnected": 0,
                                                  "global_gap_not_met": 0}},
             "campaign_daily_limit": {"limit": c.get("daily_limit") or 0, "sent": 0,
                                      "limit_hit": False}}
    return sending_status(c, "campaign", req.q("with_ai_summary"), extra)


def subsequence_sending_status(req):
    s = subsequence_or_404(req)
    extra = {"campaign_id": s["parent_campaign"], "subsequence_id": s["id"]}
    return sending_status(s, "subsequence", req.q("with_ai_summary"), extra)
