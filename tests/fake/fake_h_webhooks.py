"""Handlers: webhooks, their test and resume, the event types, and the
webhook events (deliveries).

Owns: webhooks (status 1 = active, -1 = error: disabled after failed
deliveries; resume sets it back to 1), the test send (answers success for a
webhook whose target host does not contain "fail", else a failed delivery:
success false, status_code 502 and an error), the event types (the spec's
event_type values with a label each, "standard"), and the webhook events,
listed newest first and found by `search` (the exact webhook URL or lead
email), `success`, `from` and `to`.

The API has no pause for webhooks: PATCH cannot touch status either.
"""

import fake_model as M
from fake_common import apply_patch, not_found, paged

WRITABLE = ("campaign", "name", "target_hook_url", "event_type", "custom_interest_value",
            "headers")

EVENT_TYPES = ["all_events", "email_sent", "email_opened", "email_link_clicked",
               "reply_received", "email_bounced", "lead_unsubscribed", "campaign_completed",
               "account_error", "lead_neutral", "lead_interested", "lead_not_interested",
               "lead_meeting_booked", "lead_meeting_completed", "lead_closed",
               "lead_out_of_office", "lead_wrong_person", "lead_no_show",
               "supersearch_enrichment_completed"]


def webhook_or_404(req):
    w = req.state.webhooks.get(req.params["id"])
    if w is None:
        raise not_found("Webhook")
    return w


def list_webhooks(req):
    st = req.state
    campaign, event_type = req.q("campaign"), req.q("event_type")

    def pred(wid):
        w = st.webhooks.by_id[wid]
        if campaign and w.get("campaign") != campaign:
            return None
        if event_type and w.get("event_type") != event_type:
            return None
        return w
    return paged(req, st.webhooks.keys, req.q("starting_after"), pred, lambda w: w["id"])


def create_webhook(req):
    st = req.state
    body = req.require("target_hook_url")
    hook = {k: body[k] for k in WRITABLE if k in body}
    hook.update({"id": st.ids.uuid7(), "timestamp_created": M.now_iso()})
    return st.webhooks.add(M.shape(M.WEBHOOK, hook, st.ctx))


def get_webhook(req):
    return webhook_or_404(req)


def patch_webhook(req):
    return apply_patch(webhook_or_404(req), req.body, WRITABLE)


def delete_webhook(req):
    w = webhook_or_404(req)
    req.state.webhooks.remove(w["id"])
    return w


def resume_webhook(req):
    w = webhook_or_404(req)
    w["status"], w["timestamp_error"] = 1, None
    return w


def test_webhook(req):
    w = webhook_or_404(req)
    if "fail" in w["target_hook_url"].split("/")[2]:
        return {"success": False, "message": "Webhook test failed", "response_time_ms": 310,
                "status_code": 502, "error": "Bad Gateway from target"}
    return {"success": True, "message": "Webhook test successful", "response_time_ms": 120,
            "status_code": 200}


def label_of(event_type):
    return event_type.replace("_", " ").title()


def event_types(req):
    return {"event_types": [{"id": t, "label": label_of(t), "type": "standard"}
                            for t in EVENT_TYPES]}


def event_or_404(req):
    e = req.state.webhook_events.get(req.params["id"])
    if e is None:
        raise not_found("Webhook event")
    return e


def list_webhook_events(req):
    st = req.state
    search, success = req.q("search"), req.q("success")
    since, until = req.q("from"), req.q("to")
    after = None
    if req.q("starting_after"):
        after = st.webhook_events.key_of.get(req.q("starting_after"))

    def pred(key):
        e = st.webhook_events.by_id[key[-1]]
        if search and search not in (e["webhook_url"], e.get("lead_email")):
            return None
        if success is not None and e["success"] != success:
            return None
        day = e["timestamp_created_date"]
        if since and day < since or until and day > until:
            return None
        return e
    return paged(req, st.webhook_events.keys, after, pred, lambda e: e["id"], desc=True)


def get_webhook_event(req):
    return event_or_404(req)


ROUTES = [
    ("GET", "/webhooks", list_webhooks),
    ("POST", "/webhooks", create_webhook),
    ("GET", "/webhooks/event-types", event_types),
    ("GET", "/webhooks/{id}", get_webhook),
    ("PATCH", "/webhooks/{id}", patch_webhook),
    ("DELETE", "/webhooks/{id}", delete_webhook),
    ("POST", "/webhooks/{id}/resume", resume_webhook),
    ("POST", "/webhooks/{id}/test", test_webhook),
    ("GET", "/webhook-events", list_webhook_events),
    ("GET", "/webhook-events/{id}", get_webhook_event),
]
