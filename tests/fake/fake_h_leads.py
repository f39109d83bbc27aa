"""Handlers: leads and lead lists.

Owns: POST /leads/list (ordered by id, cursor = the last lead's id, or its
email with distinct_contacts), lead get/create/patch/delete, bulk add
(/leads/add), move (/leads/move, answered with a background job), and the
lead-list endpoints (cursor = the last list's id; a timestamp cursor, which
the spec's parameter example shows, is accepted too).

A lead belongs to one campaign, or one list, or neither. Lead custom
variables are written as `custom_variables` and read back as `payload`;
PATCH merges them into the payload.
"""

import fake_model as M
from fake_common import (ApiError, apply_patch, bad_request, contains, not_found, paged,
                         touch)
from fake_h_misc import new_job
from fake_validate import EMAIL_RE, UUID_RE

LEAD_WRITABLE = ("personalization", "website", "last_name", "first_name", "company_name",
                 "job_title", "phone", "lt_interest_status", "pl_value_lead", "assigned_to")

# FILTER_VAL_* / FILTER_LEAD_* values the fake understands: lead -> bool.
LEAD_FILTERS = {
    "FILTER_VAL_ACTIVE": lambda l: l.get("status", 1) == 1,
    "FILTER_VAL_COMPLETED": lambda l: l.get("status") == 3,
    "FILTER_VAL_BOUNCED": lambda l: l.get("status") == -1,
    "FILTER_VAL_UNSUBSCRIBED": lambda l: l.get("status") == -2,
    "FILTER_VAL_SKIPPED": lambda l: l.get("status") == -3,
    "FILTER_VAL_CONTACTED": lambda l: bool(l.get("timestamp_last_contact")),
    "FILTER_VAL_NOT_CONTACTED": lambda l: not l.get("timestamp_last_contact"),
    "FILTER_VAL_REPLIED": lambda l: (l.get("email_reply_count") or 0) > 0,
    "FILTER_VAL_NO_OPENS": lambda l: not l.get("email_open_count"),
    "FILTER_VAL_LINK_CLICKED": lambda l: (l.get("email_click_count") or 0) > 0,
    "FILTER_VAL_VALID": lambda l: l.get("verification_status") == 1,
    "FILTER_VAL_INVALID": lambda l: l.get("verification_status") == -1,
    "FILTER_VAL_RISKY": lambda l: l.get("verification_status") == -2,
    "FILTER_LEAD_INTERESTED": lambda l: l.get("lt_interest_status") == 1,
    "FILTER_LEAD_MEETING_BOOKED": lambda l: l.get("lt_interest_status") == 2,
    "FILTER_LEAD_MEETING_COMPLETED": lambda l: l.get("lt_interest_status") == 3,
    "FILTER_LEAD_CLOSED": lambda l: l.get("lt_interest_status") == 4,
    "FILTER_LEAD_OUT_OF_OFFICE": lambda l: l.get("lt_interest_status") == 0,
    "FILTER_LEAD_NOT_INTERESTED": lambda l: l.get("lt_interest_status") == -1,
    "FILTER_LEAD_WRONG_PERSON": lambda l: l.get("lt_interest_status") == -2,
    "FILTER_LEAD_LOST": lambda l: l.get("lt_interest_status") == -3,
    "FILTER_LEAD_NO_SHOW": lambda l: l.get("lt_interest_status") == -4,
}


def lead_or_404(req, lid=None):
    lead = req.state.leads.get(lid or req.params["id"])
    if lead is None:
        raise not_found("Lead")
    return lead


def check_container(st, campaign, list_id):
    if campaign and campaign not in st.campaigns.by_id:
        raise not_found("Campaign")
    if list_id and list_id not in st.lead_lists.by_id:
        raise not_found("Lead list")


def flat_variables(cv, where):
    """Custom variables take strings, numbers, booleans or null only."""
    if cv is None:
        return None
    if not isinstance(cv, dict):
        raise bad_request("%s/custom_variables must be object" % where)
    for k, v in cv.items():
        if isinstance(v, (dict, list)):
            raise bad_request("%s/custom_variables/%s must be string,number,boolean,null"
                              % (where, k))
    return cv


# ----- listing -----

def lead_matcher(st, body):
    """A predicate over stored leads for the filters of a list/move body."""
    search = (body.get("search") or "").strip().lower()
    contacts = {c.lower() for c in body.get("contacts") or []} or None
    excluded = set(body.get("excluded_ids") or [])
    flt = LEAD_FILTERS.get(body.get("filter"))
    in_campaign, in_list = body.get("in_campaign"), body.get("in_list")
    enrichment = body.get("enrichment_status")
    visitor = body.get("is_website_visitor")

    def match(lead):
        if lead["id"] in excluded:
            return False
        if contacts is not None and (lead.get("email") or "").lower() not in contacts:
            return False
        if search and not any(search in (lead.get(f) or "").lower()
                              for f in ("email", "first_name", "last_name")):
            full = ("%s %s" % (lead.get("first_name") or "", lead.get("last_name") or ""))
            if search not in full.lower():
                return False
        if flt and not flt(lead):
            return False
        if in_campaign is not None and bool(lead.get("campaign")) != in_campaign:
            return False
        if in_list is not None and bool(lead.get("list_id")) != in_list:
            return False
        if enrichment is not None and lead.get("enrichment_status") != enrichment:
            return False
        if visitor is not None and bool(lead.get("is_website_visitor")) != visitor:
            return False
        return True
    return match


def list_leads(req):
    st = req.state
    body = req.body if isinstance(req.body, dict) else {}
    limit = req.limit(body)
    campaign, list_id = body.get("campaign"), body.get("list_id")
    check_container(st, campaign, list_id)
    keys = st.lead_ids_in(campaign, list_id)
    if body.get("ids") is not None:
        wanted = set(body["ids"]) & set(st.leads.by_id)
        keys = sorted(i for i in wanted
                      if (not campaign or st.leads.by_id[i].get("campaign") == campaign)
                      and (not list_id or st.leads.by_id[i].get("list_id") == list_id))
    match = lead_matcher(st, body)
    if body.get("distinct_contacts"):
        return distinct_page(req, st, keys, match, body.get("starting_after"), limit)

    def pred(lid):
        lead = st.leads.by_id[lid]
        return st.render_lead(lead) if match(lead) else None
    odd = req.knobs.leads_out_of_order
    if odd > 0 and body.get("ids") is None:
        return paged_out_of_order(req, list(keys[odd:]) + list(keys[:odd]),
                                  body.get("starting_after"), pred, limit)
    return paged(req, keys, body.get("starting_after"), pred, lambda l: l["id"],
                 limit=limit)


def paged_out_of_order(req, keys, after, pred, limit):
    """A page of leads listed in the order of keys, which is not by id: the
    cursor is found by position (else the first key past it by id)."""
    if after is None:
        i = 0
    elif after in keys:
        i = keys.index(after) + 1
    else:
        i = next((j for j, k in enumerate(keys) if k > after), len(keys))
    items, more = [], False
    while i < len(keys):
        obj = pred(keys[i])
        i += 1
        if obj is None:
            continue
        if len(items) == limit:
            more = True
            break
        items.append(obj)
    out = {"items": items}
    if items and (more or req.knobs.quirk_last_cursor):
        out["next_starting_after"] = items[-1]["id"]
    return out


def distinct_page(req, st, keys, match, after, limit):
    first = {}
    for lid in keys:
        lead = st.leads.by_id[lid]
        email = (lead.get("email") or "").lower()
        if email and email not in first and match(lead):
            first[email] = lid
    emails = sorted(first)
    return paged(req, emails, after.lower() if after else None,
                 lambda e: st.render_lead(st.leads.by_id[first[e]]),
                 lambda l: (l.get("email") or "").lower(), limit=limit)


# ----- one lead -----

def get_lead(req):
    return req.state.render_lead(lead_or_404(req))


def delete_lead(req):
    lead = lead_or_404(req)
    full = req.state.render_lead(lead)
    req.state.remove_lead(lead["id"])
    return full


def patch_lead(req):
    st = req.state
    lead = lead_or_404(req)
    body = req.body or {}
    if "lt_interest_status" in body and body["lt_interest_status"] != lead.get(
            "lt_interest_status"):
        lead["timestamp_last_interest_change"] = M.now_iso()
    apply_patch(lead, body, LEAD_WRITABLE)
    cv = flat_variables(body.get("custom_variables"), "body")
    if cv:
        lead["payload"] = dict(lead.get("payload") or {}, **cv)
        note_campaign_variables(st, lead.get("campaign"), cv)
    touch(lead)
    return st.render_lead(lead)


def note_campaign_variables(st, cid, cv):
    """The campaign learns the custom variable names its leads use."""
    c = st.campaigns.get(cid) if cid else None
    if c is not None:
        names = dict(c.get("custom_variables") or {})
        for k in cv:
            names.setdefault(k, "")
        c["custom_variables"] = names


def new_lead(st, fields, campaign=None, list_id=None, method="api"):
    now = M.now_iso()
    stored = {"id": st.ids.uuid7(), "timestamp_created": now, "timestamp_updated": now}
    for k in ("email",) + LEAD_WRITABLE:
        if fields.get(k) is not None:
            stored[k] = fields[k]
    if campaign:
        stored["campaign"] = campaign
    if list_id:
        stored["list_id"] = list_id
    cv = flat_variables(fields.get("custom_variables"), "body")
    if cv:
        stored["payload"] = dict(cv)
        note_campaign_variables(st, campaign, cv)
    if method != "api":
        stored["upload_method"] = method
    return st.add_lead(stored)


def existing_leads(st, email, where):
    """Ids of leads with this email: in the workspace, any campaign, any list."""
    ids = st.by_email.get((email or "").lower(), ())
    leads = [st.leads.by_id[i] for i in ids]
    if where == "campaign":
        return [l for l in leads if l.get("campaign")]
    if where == "list":
        return [l for l in leads if l.get("list_id")]
    return leads


def create_lead(req):
    st = req.state
    body = req.body if isinstance(req.body, dict) else {}
    campaign, list_id = body.get("campaign"), body.get("list_id")
    if campaign and list_id:
        raise bad_request("A lead can belong to a campaign or to a list, not both")
    check_container(st, campaign, list_id)
    email = body.get("email")
    for flag, where in (("skip_if_in_workspace", "workspace"),
                        ("skip_if_in_campaign", "campaign"), ("skip_if_in_list", "list")):
        if body.get(flag) and email:
            found = existing_leads(st, email, where)
            if found:
                return st.render_lead(found[0])
    return st.render_lead(new_lead(st, body, campaign, list_id))


# ----- bulk add -----

def blocked(st, email):
    email = (email or "").lower()
    domain = email.rsplit("@", 1)[-1]
    for e in st.block_list.by_id.values():
        v = e["bl_value"].lower()
        if v == email or (e.get("is_domain") and v == domain):
            return True
    return False


def add_leads(req):
    st = req.state
    body = req.require("leads")
    campaign, list_id = body.get("campaign_id"), body.get("list_id")
    if bool(campaign) == bool(list_id):
        raise bad_request("You must provide either campaign_id or list_id, but not both")
    check_container(st, campaign, list_id)
    counts = {"in_blocklist": 0, "duplicated_leads": 0, "skipped_count": 0,
              "invalid_email_count": 0, "incomplete_count": 0, "duplicate_email_count": 0}
    created, seen = [], set()
    in_target = set()
    for lid in st.lead_ids_in(campaign, list_id):
        in_target.add((st.leads.by_id[lid].get("email") or "").lower())
    for index, item in enumerate(body["leads"]):
        reason = add_verdict(st, body, item, seen, in_target)
        if reason:
            counts[reason] += 1
            continue
        lead = new_lead(st, item, campaign, list_id)
        created.append({"index": index, "id": lead["id"], "email": lead.get("email"),
                        "first_name": lead.get("first_name"),
                        "last_name": lead.get("last_name"), "phone": lead.get("phone")})
    return {"status": "success", "total_sent": len(body["leads"]),
            "leads_uploaded": len(created), "in_blocklist": counts["in_blocklist"],
            "blocklist_used": body.get("blocklist_id"),
            "duplicated_leads": counts["duplicated_leads"],
            "skipped_count": counts["skipped_count"],
            "invalid_email_count": counts["invalid_email_count"],
            "incomplete_count": counts["incomplete_count"],
            "duplicate_email_count": counts["duplicate_email_count"],
            "remaining_in_plan": max(0, 1000000 - len(st.leads)),
            "created_leads": created}


def add_verdict(st, body, item, seen, in_target):
    """Why a bulk-added lead is not created (a counter name), or None."""
    if not isinstance(item, dict):
        return "incomplete_count"
    email = (item.get("email") or "").strip()
    if not email:
        return "incomplete_count"
    if not EMAIL_RE.match(email):
        return "invalid_email_count"
    low = email.lower()
    if low in seen:
        return "duplicate_email_count"
    seen.add(low)
    if blocked(st, low):
        return "in_blocklist"
    if low in in_target:
        return "duplicated_leads"
    for flag, where in (("skip_if_in_workspace", "workspace"),
                        ("skip_if_in_campaign", "campaign"), ("skip_if_in_list", "list")):
        if body.get(flag) and existing_leads(st, low, where):
            return "skipped_count"
    try:
        flat_variables(item.get("custom_variables"), "body/leads")
    except ApiError:
        return "incomplete_count"
    return None


# ----- move -----

def move_leads(req):
    st = req.state
    body = req.body if isinstance(req.body, dict) else {}
    src_c, src_l = body.get("campaign"), body.get("list_id")
    to_c, to_l = body.get("to_campaign_id"), body.get("to_list_id")
    if bool(to_c) == bool(to_l):
        raise bad_request("You must provide either to_campaign_id or to_list_id")
    if body.get("ids") is not None and not (src_c or src_l):
        raise bad_request("When using ids, you must also provide campaign or list_id")
    check_container(st, src_c, src_l)
    check_container(st, to_c, to_l)
    keys = st.lead_ids_in(src_c, src_l)
    if body.get("ids") is not None:
        keys = sorted(set(body["ids"]) & set(keys))
    match = lead_matcher(st, body)
    chosen = [lid for lid in keys if match(st.leads.by_id[lid])]
    if body.get("limit"):
        chosen = chosen[:int(body["limit"])]
    moved = [move_one(st, lid, to_c, to_l, body) for lid in chosen]
    emails = [e for e in moved if e][:10000]
    job = new_job(req, "move-leads", "campaign" if to_c else "list", to_c or to_l,
                  {"moved_lead_emails": emails, "moved_leads": len(moved)})
    return job


def move_one(st, lid, to_c, to_l, body):
    lead = st.leads.by_id[lid]
    if body.get("copy_leads"):
        fields = dict(lead)
        if lead.get("payload"):
            fields["custom_variables"] = lead["payload"]
        copy = new_lead(st, fields, to_c, to_l)
        return copy.get("email") or ""
    st.remove_lead(lid)
    lead.pop("campaign", None)
    lead.pop("list_id", None)
    if to_c:
        lead["campaign"] = to_c
    else:
        lead["list_id"] = to_l
    if body.get("reset_interest_status"):
        lead.pop("lt_interest_status", None)
    touch(lead)
    st.add_lead(lead)
    return lead.get("email") or ""


# ----- lead lists -----

def list_or_404(req):
    ll = req.state.lead_lists.get(req.params["id"])
    if ll is None:
        raise not_found("Lead list")
    return ll


def list_lead_lists(req):
    st = req.state
    search = req.q("search")
    enrich = req.q("has_enrichment_task")
    after = req.q("starting_after")
    since = None
    if after and not UUID_RE.match(after):
        since, after = after, None          # a timestamp cursor

    def pred(lid):
        ll = st.lead_lists.by_id[lid]
        if search and not contains(ll["name"], search):
            return None
        if enrich is not None and bool(ll.get("has_enrichment_task")) != enrich:
            return None
        if since and ll["timestamp_created"] <= since:
            return None
        return ll
    return paged(req, st.lead_lists.keys, after, pred, lambda ll: ll["id"])


def get_lead_list(req):
    return list_or_404(req)


def create_lead_list(req):
    st = req.state
    body = req.require("name")
    given = {k: body[k] for k in ("name", "has_enrichment_task", "owned_by") if k in body}
    given.update({"id": st.ids.uuid7(), "timestamp_created": M.now_iso()})
    return st.lead_lists.add(M.shape(M.LEAD_LIST, given, st.ctx))


def patch_lead_list(req):
    ll = list_or_404(req)
    return apply_patch(ll, req.body, ("name", "has_enrichment_task", "owned_by"))


def delete_lead_list(req):
    st = req.state
    ll = list_or_404(req)
    for lid in list(st.lead_ids_in(list_id=ll["id"])):
        st.remove_lead(lid)
    st.by_list.pop(ll["id"], None)
    st.lead_lists.remove(ll["id"])
    return ll
