"""Handlers: the workspace, campaigns and campaign analytics.

Owns: GET/PATCH /workspaces/current; campaign list/get/create/patch/delete,
activate, pause and search-by-contact; the four analytics endpoints, whose
numbers are a pure function of (campaign id, status, date), so the totals
of /analytics equal the sums of /analytics/daily over the same range.

Campaign status is a number (0 draft, 1 active, 2 paused, 3 completed,
4 running subsequences, -1 accounts unhealthy, -2 bounce protect,
-99 account suspended).
"""

import datetime
import hashlib

import fake_model as M
from fake_common import apply_patch, bad_request, contains, csv_set, not_found, paged, touch

CAMPAIGN_READONLY = {"id", "status", "timestamp_created", "timestamp_updated",
                     "not_sending_status", "core_variables", "custom_variables",
                     "organization"}
CAMPAIGN_WRITABLE = [f for f, _ in M.CAMPAIGN if f not in CAMPAIGN_READONLY]

# Range used when a request names no dates.
DEFAULT_START = datetime.date(2026, 10, 1)
DEFAULT_DAYS = 14
MAX_DAYS = 3660


# ----- workspace -----

def get_workspace(req):
    return req.state.workspace


def patch_workspace(req):
    ws = req.state.workspace
    apply_patch(ws, req.body, ("name", "org_logo_url"))
    return touch(ws)


# ----- campaigns -----

def campaign_or_404(req, cid=None):
    c = req.state.campaigns.get(cid or req.params["id"])
    if c is None:
        raise not_found("Campaign")
    return c


def tagged_resources(state, tag_ids):
    return {m["resource_id"] for m in state.custom_tag_mappings.by_id.values()
            if m["tag_id"] in tag_ids}


def list_campaigns(req):
    st = req.state
    search, status = req.q("search"), req.q("status")
    exclude = req.q("exclude_status")
    tags = csv_set(req.q("tag_ids"))
    tagged = tagged_resources(st, tags) if tags else None
    ai = req.q("ai_sdr_id") or req.q("ai_sales_agent_id")

    def pred(cid):
        c = st.campaigns.by_id[cid]
        if search and not contains(c["name"], search):
            return None
        if status is not None and c["status"] != status:
            return None
        if exclude is not None and c["status"] == exclude:
            return None
        if tagged is not None and cid not in tagged:
            return None
        if ai and c.get("ai_sdr_id") != ai:
            return None
        return c
    return paged(req, st.campaigns.keys, req.q("starting_after"), pred, lambda c: c["id"])


def get_campaign(req):
    return campaign_or_404(req)


def create_campaign(req):
    st = req.state
    req.require("name", "campaign_schedule")
    now = M.now_iso()
    given = {k: v for k, v in req.body.items() if k in CAMPAIGN_WRITABLE}
    given.update({"id": st.ids.uuid7(), "status": 0,
                  "timestamp_created": now, "timestamp_updated": now})
    return st.campaigns.add(M.shape(M.CAMPAIGN, given, st.ctx))


def patch_campaign(req):
    c = campaign_or_404(req)
    apply_patch(c, req.body, CAMPAIGN_WRITABLE)
    return touch(c)


def delete_campaign(req):
    st = req.state
    c = campaign_or_404(req)
    for lid in list(st.lead_ids_in(campaign=c["id"])):
        st.remove_lead(lid)
    st.by_campaign.pop(c["id"], None)
    drop_mappings(st, c["id"])
    for sid in [s["id"] for s in st.subsequences.values() if s["parent_campaign"] == c["id"]]:
        st.subsequences.remove(sid)
    st.campaigns.remove(c["id"])
    return c


def drop_mappings(st, resource_id):
    for m in [m for m in st.custom_tag_mappings.by_id.values()
              if m["resource_id"] == resource_id]:
        st.custom_tag_mappings.remove(m["id"])


def activate_campaign(req):
    c = campaign_or_404(req)
    if c["status"] == 3:
        raise bad_request("Campaign is completed and cannot be activated")
    c["status"] = 1
    c.pop("not_sending_status", None)
    return touch(c)


def pause_campaign(req):
    c = campaign_or_404(req)
    c["status"] = 2
    return touch(c)


def search_by_contact(req):
    st = req.state
    email = (req.q("search") or "").strip().lower()
    cids = set()
    for lid in st.by_email.get(email, ()):
        cid = st.leads.by_id[lid].get("campaign")
        if cid and cid in st.campaigns.by_id:
            cids.add(cid)
    column = req.q("sort_column") or "timestamp_created"
    items = [st.campaigns.by_id[c] for c in cids]
    items.sort(key=lambda c: (str(c.get(column, "")), c["id"]),
               reverse=(req.q("sort_order") == "desc"))
    return {"items": items}


# ----- analytics -----

def stable_hash(*parts):
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def parse_day(value, name):
    if value is None:
        return None
    try:
        return datetime.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise bad_request("querystring/%s must be a date (YYYY-MM-DD) or an ISO 8601 "
                          "timestamp" % name) from None


def date_range(req):
    start = parse_day(req.q("start_date"), "start_date")
    end = parse_day(req.q("end_date"), "end_date")
    if start is None and end is None:
        start = DEFAULT_START
        end = start + datetime.timedelta(days=DEFAULT_DAYS - 1)
    elif start is None:
        start = end - datetime.timedelta(days=DEFAULT_DAYS - 1)
    elif end is None:
        end = start + datetime.timedelta(days=DEFAULT_DAYS - 1)
    if end < start:
        raise bad_request("end_date must not be before start_date")
    if (end - start).days >= MAX_DAYS:
        raise bad_request("The date range must be shorter than %d days" % MAX_DAYS)
    return [start + datetime.timedelta(days=i) for i in range((end - start).days + 1)]


def day_stats(c, day):
    """Activity of one campaign on one day (zero for drafts and before creation)."""
    created = datetime.date.fromisoformat(c["timestamp_created"][:10])
    if c["status"] == 0 or day < created:
        sent = 0
    else:
        sent = 10 + stable_hash(c["id"], day) % 51
    h = stable_hash(c["id"], day, "mix")
    contacted = sent * 9 // 10
    opened = sent * (30 + h % 30) // 100
    replies = opened * (h % 17) // 100 + (1 if sent and h % 5 == 0 else 0)
    clicks = opened * (h % 23) // 100
    auto = replies // 4
    opp = 1 if replies and h % 3 == 0 else 0
    return {"date": day.isoformat(), "sent": sent, "contacted": contacted,
            "new_leads_contacted": contacted * 2 // 3, "opened": opened,
            "unique_opened": opened * 4 // 5, "replies": replies,
            "unique_replies": replies - replies // 5, "replies_automatic": auto,
            "unique_replies_automatic": auto, "clicks": clicks,
            "unique_clicks": clicks * 4 // 5, "opportunities": opp,
            "unique_opportunities": opp}


def sum_days(c, days):
    total = {}
    for d in days:
        for k, v in day_stats(c, d).items():
            if k != "date":
                total[k] = total.get(k, 0) + v
    return total


def selected_campaigns(req, id_param="id"):
    st = req.state
    ids = []
    if req.q(id_param):
        ids = [req.q(id_param)]
    elif req.q("ids"):
        ids = list(req.q("ids"))
    if ids:
        found = [st.campaigns.get(i) for i in ids]
        if any(c is None for c in found):
            raise not_found("Campaign")
        return found
    out = st.campaigns.values()
    if req.q("campaign_status") is not None:
        out = [c for c in out if c["status"] == req.q("campaign_status")]
    return out


def totals(c, t, state):
    """Analytics counters of one campaign from its summed daily numbers.

    Message counts are the sums of the daily rows; counts of distinct leads
    (contacted, new leads contacted, completed) are capped at leads_count.
    """
    leads = len(state.lead_ids_in(campaign=c["id"]))
    return {
        "leads_count": leads,
        "contacted_count": min(leads, t["contacted"]), "emails_sent_count": t["sent"],
        "new_leads_contacted_count": min(leads, t["new_leads_contacted"]),
        "open_count": t["opened"], "open_count_unique": t["unique_opened"],
        "open_count_unique_by_step": t["unique_opened"],
        "reply_count": t["replies"], "reply_count_unique": t["unique_replies"],
        "reply_count_unique_by_step": t["unique_replies"],
        "reply_count_automatic": t["replies_automatic"],
        "reply_count_automatic_unique": t["unique_replies_automatic"],
        "reply_count_automatic_unique_by_step": t["unique_replies_automatic"],
        "link_click_count": t["clicks"], "link_click_count_unique": t["unique_clicks"],
        "link_click_count_unique_by_step": t["unique_clicks"],
        "bounced_count": t["sent"] // 40, "unsubscribed_count": t["sent"] // 90,
        "completed_count": min(leads, t["contacted"] // 3),
        "total_opportunities": t["opportunities"],
        "total_opportunity_value": t["opportunities"] * (c.get("pl_value") or 100),
    }


def campaign_analytics(req):
    days = date_range(req)
    out = []
    for c in selected_campaigns(req):
        row = {"campaign_name": c["name"], "campaign_id": c["id"],
               "campaign_status": c["status"],
               "campaign_is_evergreen": bool(c.get("is_evergreen"))}
        row.update(totals(c, sum_days(c, days), req.state))
        if req.q("exclude_total_leads_count"):
            row["leads_count"] = 0
        out.append(row)
    return out


def analytics_overview(req):
    days = date_range(req)
    agg = {}
    for c in selected_campaigns(req):
        row = totals(c, sum_days(c, days), req.state)
        del row["leads_count"]
        for k, v in row.items():
            agg[k] = agg.get(k, 0) + v
    if not agg:
        agg = {k: 0 for k in OVERVIEW_ORDER}
    opp = agg.get("total_opportunities", 0)
    agg.update({"total_interested": opp * 3, "total_meeting_booked": opp,
                "total_meeting_completed": opp // 2, "total_closed": opp // 3})
    return {k: agg[k] for k in OVERVIEW_ORDER}


_ZERO = {k: 0 for k in ("sent", "contacted", "new_leads_contacted", "opened", "unique_opened",
                        "replies", "unique_replies", "replies_automatic",
                        "unique_replies_automatic", "clicks", "unique_clicks",
                        "opportunities", "unique_opportunities")}

OVERVIEW_ORDER = [
    "open_count", "open_count_unique", "open_count_unique_by_step", "link_click_count",
    "link_click_count_unique", "link_click_count_unique_by_step", "reply_count",
    "reply_count_unique", "reply_count_unique_by_step", "reply_count_automatic",
    "reply_count_automatic_unique", "reply_count_automatic_unique_by_step",
    "bounced_count", "unsubscribed_count", "completed_count", "emails_sent_count",
    "contacted_count", "new_leads_contacted_count", "total_opportunities",
    "total_opportunity_value", "total_interested", "total_meeting_booked",
    "total_meeting_completed", "total_closed"]


def analytics_daily(req):
    days = date_range(req)
    campaigns = selected_campaigns(req, "campaign_id")
    out = []
    for d in days:
        row = dict(_ZERO)
        for c in campaigns:
            for k, v in day_stats(c, d).items():
                if k != "date":
                    row[k] += v
        out.append(dict({"date": d.isoformat()}, **row))
    return out


def analytics_steps(req):
    days = date_range(req)
    span = "%s..%s" % (days[0], days[-1])
    out = []
    for c in selected_campaigns(req, "campaign_id"):
        sent_total = sum_days(c, days)["sent"]
        steps = (c.get("sequences") or [{}])[0].get("steps") or []
        for i, step in enumerate(steps):
            variants = step.get("variants") or [{}]
            for j, _ in enumerate(variants):
                out.append(step_row(c, i, j, len(variants), sent_total, span,
                                    req.q("include_opportunities_count")))
    return out


def step_row(c, step, variant, nvariants, sent_total, span, with_opp):
    h = stable_hash(c["id"], step, variant, span)
    sent = sent_total // (step + 1) // nvariants
    opened = sent * (25 + h % 35) // 100
    replies = opened * (h % 15) // 100
    clicks = opened * (h % 20) // 100
    row = {"step": str(step), "variant": str(variant), "sent": sent, "opened": opened,
           "unique_opened": opened * 4 // 5, "replies": replies,
           "unique_replies": replies, "replies_automatic": replies // 4,
           "unique_replies_automatic": replies // 4, "clicks": clicks,
           "unique_clicks": clicks * 4 // 5}
    if with_opp:
        opp = replies // 3
        row.update({"opportunities": opp, "unique_opportunities": opp,
                    "meetings_booked": opp // 2, "won": opp // 4})
    return row

