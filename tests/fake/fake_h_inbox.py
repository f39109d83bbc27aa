"""Handlers: sending accounts, emails (the Unibox) and email verification.

Owns: account list/get/create/patch/delete, pause/resume, warmup
enable/disable (answered with a background job), warmup analytics; email
list (newest first by timestamp_created, cursor = the last email's id,
`search` takes an address or "thread:<thread_id>"), get/patch/delete,
unread count, reply, forward and mark-thread-as-read; verification, which
answers "pending" for a configurable number of answers and then a final
status that depends only on the address.

Accounts are keyed by email; their list cursor is "timestamp_created&email"
(the spec's format), and a bare ISO timestamp cursor is accepted too.
"""

import datetime
import html
import re
import time

import fake_model as M
from fake_common import (ApiError, apply_patch, bad_request, contains, csv_set, not_found,
                         paged, touch)
from fake_h_campaigns import DEFAULT_START, drop_mappings, stable_hash
from fake_h_misc import new_job

ACCOUNT_WRITABLE = ("first_name", "last_name", "daily_limit", "tracking_domain_name",
                    "tracking_domain_status", "enable_slow_ramp",
                    "inbox_placement_test_limit", "sending_gap", "signature", "reply_to")

ACCOUNT_FILTERS = {
    "ACC_FILTER_PAUSED": lambda a: a["status"] == 2,
    "ACC_FILTER_ERROR": lambda a: a["status"] < 0,
    "ACC_FILTER_W_ACTIVE": lambda a: a["warmup_status"] == 1,
    "ACC_FILTER_W_PAUSED": lambda a: a["warmup_status"] == 0,
    "ACC_FILTER_W_ERROR": lambda a: a["warmup_status"] < 0,
    "ACC_FILTER_DFY": lambda a: bool(a.get("is_managed_account")),
    "ACC_FILTER_DFY_SETUP_PENDING": lambda a: bool(a.get("setup_pending")),
}


# ----- accounts -----

def find_account(st, email):
    a = st.accounts.get(email)
    if a is None:
        low = (email or "").lower()
        a = next((x for x in st.accounts.by_id.values() if x["email"].lower() == low), None)
    return a


def account_or_404(req, email=None):
    a = find_account(req.state, email or req.params["email"])
    if a is None:
        raise not_found("Account")
    return a


def account_cursor(a):
    return "%s&%s" % (a["timestamp_created"], a["email"])


def parse_account_cursor(cursor):
    if not cursor:
        return None
    if "&" in cursor:
        ts, email = cursor.split("&", 1)
        return (ts, email)
    return (cursor, "\U0010ffff")


def account_tags(st, email):
    out = []
    for m in st.custom_tag_mappings.by_id.values():
        if m["resource_id"] == email and m["resource_type"] == 1:
            t = st.custom_tags.get(m["tag_id"])
            if t:
                out.append({"id": t["id"], "label": t["label"],
                            "description": t.get("description")})
    return out


def list_accounts(req):
    st = req.state
    search, status = req.q("search"), req.q("status")
    provider, flt = req.q("provider_code"), ACCOUNT_FILTERS.get(req.q("filter"))
    any_tags, all_tags = csv_set(req.q("tag_ids")), csv_set(req.q("tag_ids_all"))
    with_tags = req.q("include_tags")

    def pred(key):
        a = st.accounts.by_id[key[-1]]
        if search and not contains(a["email"], search):
            return None
        if status is not None and a["status"] != status:
            return None
        if provider is not None and a["provider_code"] != provider:
            return None
        if flt and not flt(a):
            return None
        if any_tags or all_tags:
            have = {t["id"] for t in account_tags(st, a["email"])}
            if any_tags and not have & any_tags or all_tags and not all_tags <= have:
                return None
        return dict(a, tags=account_tags(st, a["email"])) if with_tags else a

    if req.q("sort_by"):
        return sorted_accounts(req, pred)
    return paged(req, st.accounts.keys, parse_account_cursor(req.q("starting_after")),
                 pred, account_cursor)


def sorted_accounts(req, pred):
    """Offset pagination, used with sort_by (no cursor)."""
    rows = [r for r in (pred(k) for k in req.state.accounts.keys) if r is not None]
    col = req.q("sort_by")
    rows.sort(key=lambda a: (a.get(col) is None, a.get(col) or 0, a["email"]),
              reverse=(req.q("sort_order", "desc") == "desc"))
    skip = req.q("skip") or 0
    return {"items": rows[skip:skip + req.limit()]}


def get_account(req):
    return account_or_404(req)


def create_account(req):
    st = req.state
    body = req.require("email", "first_name", "last_name", "provider_code")
    if find_account(st, body["email"]):
        raise ApiError(409, "An account with this email already exists")
    now = M.now_iso()
    given = {k: body[k] for k in ACCOUNT_WRITABLE + ("email", "provider_code") if k in body}
    given.update({"timestamp_created": now, "timestamp_updated": now})
    acc = M.shape(M.ACCOUNT, given, st.ctx)
    if isinstance(body.get("warmup"), dict):
        merge_warmup(acc, body["warmup"])
    return st.accounts.add(acc)


def merge_warmup(acc, warmup):
    w = dict(acc.get("warmup") or {})
    for k, v in warmup.items():
        if k == "advanced" and isinstance(v, dict):
            w["advanced"] = dict(w.get("advanced") or {}, **v)
        else:
            w[k] = v
    acc["warmup"] = w


def patch_account(req):
    a = account_or_404(req)
    body = req.body or {}
    apply_patch(a, body, ACCOUNT_WRITABLE)
    if isinstance(body.get("warmup"), dict):
        merge_warmup(a, body["warmup"])
    if body.get("remove_tracking_domain"):
        a["tracking_domain_name"] = a["tracking_domain_status"] = None
    return touch(a)


def delete_account(req):
    st = req.state
    a = account_or_404(req)
    drop_mappings(st, a["email"])
    st.accounts.remove(a["email"])
    return a


def pause_account(req):
    a = account_or_404(req)
    a["status"] = 2
    return touch(a)


def resume_account(req):
    a = account_or_404(req)
    a["status"] = 1
    return touch(a)


def warmup_targets(st, body):
    if body.get("include_all_emails"):
        excluded = {e.lower() for e in body.get("excluded_emails") or []}
        accs = [a for a in st.accounts.values() if a["email"].lower() not in excluded]
        if body.get("search"):
            accs = [a for a in accs if contains(a["email"], body["search"])]
        return accs
    emails = body.get("emails") or []
    if not emails:
        raise bad_request("Provide emails or include_all_emails")
    accs = [find_account(st, e) for e in emails]
    if any(a is None for a in accs):
        raise not_found("Account")
    return accs


def set_warmup(req, on):
    st = req.state
    accs = warmup_targets(st, req.body if isinstance(req.body, dict) else {})
    for a in accs:
        a["warmup_status"] = 1 if on else 0
        if on and not a.get("timestamp_warmup_start"):
            a["timestamp_warmup_start"] = M.now_iso()
        touch(a)
    return new_job(req, "update-warmup-accounts", "workspace", st.workspace.get("id"),
                   {"emails": [a["email"] for a in accs], "enable": on})


def enable_warmup(req):
    return set_warmup(req, True)


def disable_warmup(req):
    return set_warmup(req, False)


def warmup_analytics(req):
    st = req.state
    body = req.require("emails")
    per_day, agg = {}, {}
    days = [DEFAULT_START + datetime.timedelta(days=i) for i in range(7)]
    for email in body["emails"]:
        a = find_account(st, email)
        if a is None:
            continue
        rows, tot = {}, {"sent": 0, "landed_inbox": 0, "landed_spam": 0, "received": 0}
        for d in days:
            sent = 0 if a["warmup_status"] != 1 else 5 + stable_hash(email, d) % 25
            spam = sent * (stable_hash(email, d, "s") % 8) // 100
            row = {"sent": sent, "landed_inbox": sent - spam, "landed_spam": spam,
                   "received": sent - sent // 10}
            rows[d.isoformat()] = row
            for k in tot:
                tot[k] += row[k]
        score = 100 * tot["landed_inbox"] // tot["sent"] if tot["sent"] else 0
        per_day[a["email"]] = rows
        agg[a["email"]] = {"sent": tot["sent"], "received": tot["received"],
                           "landed_inbox": tot["landed_inbox"],
                           "landed_spam": tot["landed_spam"],
                           "health_score_label": health_label(score, tot["sent"]),
                           "health_score": score}
    return {"email_date_data": per_day, "aggregate_data": agg}


def health_label(score, sent):
    if not sent:
        return "No data"
    return "Good" if score >= 90 else "Fair" if score >= 75 else "Poor"


# ----- emails -----

def email_or_404(req, eid=None):
    e = req.state.emails.get(eid or req.params["id"])
    if e is None:
        raise not_found("Email")
    return e


EMAIL_TYPES = {"received": (2,), "sent": (1, 3), "manual": (3,)}


def email_matcher(req):
    q = req.q
    search = (q("search") or "").strip()
    thread = search[7:] if search.lower().startswith("thread:") else None
    eaccounts = {e.lower() for e in csv_set(q("eaccount")) or ()}
    types = EMAIL_TYPES.get(q("email_type"))
    mode = q("mode")
    checks = [
        (thread is not None, lambda e: e.get("thread_id") == thread),
        (bool(search) and thread is None, lambda e: any(
            contains(e.get(f), search) for f in ("lead", "from_address_email",
                                                 "to_address_email_list", "subject"))),
        (q("is_unread") is not None, lambda e: bool(e.get("is_unread")) == q("is_unread")),
        (q("campaign_id") is not None, lambda e: e.get("campaign_id") == q("campaign_id")),
        (q("list_id") is not None, lambda e: e.get("list_id") == q("list_id")),
        (q("i_status") is not None, lambda e: e.get("i_status") == q("i_status")),
        (bool(eaccounts), lambda e: (e.get("eaccount") or "").lower() in eaccounts),
        (q("lead") is not None, lambda e: (e.get("lead") or "").lower() == q("lead").lower()),
        (q("company_domain") is not None,
         lambda e: (e.get("lead") or "").lower().endswith("@" + q("company_domain").lower())),
        (q("has_reminder") is not None, lambda e: bool(e.get("reminder_ts")) == q("has_reminder")),
        (bool(q("scheduled_only")), lambda e: e.get("ue_type") == 4),
        (types is not None, lambda e: e.get("ue_type") in types),
        (mode == "emode_focused", lambda e: e.get("is_focused") == 1),
        (mode == "emode_others", lambda e: e.get("is_focused") != 1),
        (q("min_timestamp_created") is not None,
         lambda e: e["timestamp_created"] >= q("min_timestamp_created")),
        (q("max_timestamp_created") is not None,
         lambda e: e["timestamp_created"] <= q("max_timestamp_created")),
    ]
    active = [f for on, f in checks if on]
    return lambda e: all(f(e) for f in active)


def rate_limit_emails(req):
    """The real API allows 20 list calls a minute; the fake does when asked."""
    per_min = req.knobs.emails_per_minute
    if not per_min:
        return
    now = time.monotonic()
    window = req.knobs.email_calls
    while window and now - window[0] > 60:
        window.popleft()
    if len(window) >= per_min:
        raise ApiError(429, "Rate limit exceeded: %d requests per minute" % per_min)
    window.append(now)


def list_emails(req):
    st = req.state
    rate_limit_emails(req)
    match = email_matcher(req)
    latest = latest_per_thread(st) if req.q("latest_of_thread") else None
    after = None
    cursor = req.q("starting_after")
    if cursor:
        after = st.emails.key_of.get(cursor)
        if after is None:
            raise bad_request("Invalid starting_after: no email with id %s" % cursor)

    def pred(key):
        e = st.emails.by_id[key[-1]]
        if latest is not None and e["id"] not in latest:
            return None
        return e if match(e) else None
    return paged(req, st.emails.keys, after, pred, lambda e: e["id"],
                 desc=(req.q("sort_order") != "asc"))


def latest_per_thread(st):
    best = {}
    for key in st.emails.keys:
        e = st.emails.by_id[key[-1]]
        best[e.get("thread_id") or e["id"]] = e["id"]
    return set(best.values())


def get_email(req):
    return email_or_404(req)


def patch_email(req):
    e = email_or_404(req)
    return apply_patch(e, req.body, ("is_unread", "reminder_ts"))


def delete_email(req):
    e = email_or_404(req)
    req.state.emails.remove(e["id"])
    return e


def unread_count(req):
    return {"count": sum(1 for e in req.state.emails.by_id.values() if e.get("is_unread"))}


def html_to_text(markup):
    text = re.sub(r"(?i)<br\s*/?>|</p>|</div>", "\n", markup or "")
    return html.unescape(re.sub(r"<[^>]+>", "", text)).strip()


def text_to_html(text):
    return html.escape(text or "").replace("\n", "<br/>")


def body_of(given):
    given = given or {}
    out = {}
    if "text" in given or "html" in given:
        out["text"] = given.get("text") if "text" in given else html_to_text(given["html"])
        out["html"] = given.get("html") if "html" in given else text_to_html(given["text"])
    return out


def sent_email(st, orig, body, thread_id, to, subject):
    now = M.now_iso()
    text = (body.get("body") or {}).get("text")
    fields = {
        "id": st.ids.uuid7(), "timestamp_created": now, "timestamp_email": now,
        "subject": subject, "from_address_email": body["eaccount"],
        "to_address_email_list": to,
        "cc_address_email_list": body.get("cc_address_email_list"),
        "bcc_address_email_list": body.get("bcc_address_email_list"),
        "reply_to": body.get("reply_to"), "body": body_of(body.get("body")),
        "campaign_id": orig.get("campaign_id"), "list_id": orig.get("list_id"),
        "lead": orig.get("lead"), "lead_id": orig.get("lead_id"),
        "eaccount": body["eaccount"], "ue_type": 3, "is_unread": 0,
        "reminder_ts": body.get("reminder_ts"), "thread_id": thread_id,
        "content_preview": (text or html_to_text((body.get("body") or {}).get("html")))[:100],
    }
    return st.emails.add(M.shape(M.EMAIL, fields, st.ctx))


def check_eaccount(st, eaccount):
    if find_account(st, eaccount) is None:
        raise bad_request("eaccount %s is not an email account of this workspace" % eaccount)


def reply_email(req):
    st = req.state
    body = req.require("reply_to_uuid", "eaccount", "subject", "body")
    orig = email_or_404(req, body["reply_to_uuid"])
    check_eaccount(st, body["eaccount"])
    if orig.get("ue_type") == 2:
        to = orig.get("from_address_email") or orig.get("lead") or ""
    else:
        to = orig.get("to_address_email_list") or ""
    extra = body.get("additional_recipients") or []
    to = ",".join([to] + extra) if extra else to
    return sent_email(st, orig, body, orig.get("thread_id") or orig["id"], to,
                      body["subject"])


def forward_email(req):
    st = req.state
    body = req.require("reply_to_uuid", "to_address_email_list", "eaccount", "subject")
    if not body.get("body") and not body.get("include_original_body"):
        raise bad_request("body must match a schema in anyOf")
    orig = email_or_404(req, body["reply_to_uuid"])
    check_eaccount(st, body["eaccount"])
    fwd = dict(body)
    if body.get("include_original_body"):
        given = dict(body.get("body") or {})
        orig_text = (orig.get("body") or {}).get("text") or html_to_text(
            (orig.get("body") or {}).get("html"))
        given["text"] = ((given.get("text") or "") + "\n\n---------- Forwarded message "
                         "----------\n" + orig_text).strip()
        given.pop("html", None)
        fwd["body"] = given
    return sent_email(st, orig, fwd, st.ids.uuid7(), body["to_address_email_list"],
                      body["subject"])


def mark_thread_read(req):
    st = req.state
    tid = req.params["thread_id"]
    found = [e for e in st.emails.by_id.values() if e.get("thread_id") == tid]
    if not found:
        raise not_found("Thread")
    for e in found:
        e["is_unread"] = 0
    return {"success": True}


# ----- email verification -----

def final_verification(email):
    low = email.lower()
    return {"verification_status": "invalid" if "invalid" in low else "verified",
            "catch_all": "catchall" in low or "catch-all" in low}


def answer_verification(v):
    """One answer: pending while answers remain, then the final status."""
    if v["_pending_left"] > 0:
        v["_pending_left"] -= 1
        v.update({"verification_status": "pending", "catch_all": "pending"})
    else:
        v.update(final_verification(v["email"]))
    return M.public(v)


def create_verification(req):
    st = req.state
    body = req.require("email")
    email = body["email"].strip()
    credits = min([v.get("credits") or 1000 for v in st.verifications.values()] + [1000])
    v = M.shape(M.VERIFICATION, {"email": email, "credits": credits - 1, "credits_used": 1,
                                 "_pending_left": req.knobs.verify_pending_polls}, st.ctx)
    st.verifications[email.lower()] = v
    return answer_verification(v)


def get_verification(req):
    v = req.state.verifications.get(req.params["email"].lower())
    if v is None:
        raise not_found("Email verification")
    v.setdefault("_pending_left", 0)
    return answer_verification(v)
