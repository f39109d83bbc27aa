"""Handlers: custom lead labels and a lead's interest status.

Owns: /lead-labels (labels unique after trimming, case-insensitive, 409
otherwise; each gets an `interest_status` of its own, which the spec says
the server generates: the next free number from 5 up for positive and
neutral labels, from -5 down for negative ones, never one of the built-in
statuses 1..4, 0, -1..-4), and POST /leads/update-interest-status (the
lead's `lt_interest_status` set at once, or dropped for null, which the
spec calls resetting it to "Lead"; the answer is the spec's 202 job
message). A value that is neither built in nor a label's is 400, as is an
email no lead of the campaign (or list, or workspace) has.
"""

import fake_model as M
from fake_common import ApiError, apply_patch, bad_request, contains, not_found, paged

BUILTIN = {1, 2, 3, 4, 0, -1, -2, -3, -4}
WRITABLE = ("label", "interest_status_label", "description", "use_with_ai")
JOB_MESSAGE = "Lead interest status update background job submitted"


def label_or_404(req):
    lab = req.state.lead_labels.get(req.params["id"])
    if lab is None:
        raise not_found("Lead label")
    return lab


def check_label(st, label, except_id=None):
    text = (label or "").strip()
    if not text:
        raise bad_request('body/label must match pattern ".*\\S.*"')
    low = text.lower()
    if any(l["label"].strip().lower() == low and l["id"] != except_id
           for l in st.lead_labels.by_id.values()):
        raise ApiError(409, "A lead label called %s already exists" % text)


def next_status(st, polarity):
    taken = {l["interest_status"] for l in st.lead_labels.by_id.values()}
    step = -1 if polarity == "negative" else 1
    n = 5 * step
    while n in taken:
        n += step
    return n


def list_lead_labels(req):
    st = req.state
    search, polarity = req.q("search"), req.q("interest_status")

    def pred(lid):
        lab = st.lead_labels.by_id[lid]
        if search and not contains(lab["label"], search):
            return None
        if polarity and lab["interest_status_label"] != polarity:
            return None
        return lab
    return paged(req, st.lead_labels.keys, req.q("starting_after"), pred, lambda l: l["id"])


def create_lead_label(req):
    st = req.state
    body = req.require("label", "interest_status_label")
    check_label(st, body["label"])
    lab = {"id": st.ids.uuid7(), "timestamp_created": M.now_iso(),
           "label": body["label"].strip(),
           "interest_status_label": body["interest_status_label"],
           "interest_status": next_status(st, body["interest_status_label"])}
    for k in ("description", "use_with_ai"):
        if k in body:
            lab[k] = body[k]
    return st.lead_labels.add(M.shape(M.LEAD_LABEL, lab, st.ctx))


def get_lead_label(req):
    return label_or_404(req)


def patch_lead_label(req):
    lab = label_or_404(req)
    body = req.body or {}
    if "label" in body:
        check_label(req.state, body["label"], lab["id"])
        body = dict(body, label=body["label"].strip())
    return apply_patch(lab, body, WRITABLE)


def delete_lead_label(req):
    """The label's leads take `reassigned_status` when given, else none."""
    st = req.state
    lab = label_or_404(req)
    to = req.b("reassigned_status")
    for lead in st.leads.by_id.values():
        if lead.get("lt_interest_status") == lab["interest_status"]:
            set_status(lead, to)
    st.lead_labels.remove(lab["id"])
    return lab


def set_status(lead, value):
    if value is None:
        lead.pop("lt_interest_status", None)
    else:
        lead["lt_interest_status"] = value
    now = M.now_iso()
    lead["timestamp_last_interest_change"] = now
    lead["timestamp_updated"] = now


def update_interest_status(req):
    st = req.state
    body = req.require("lead_email", "interest_value")
    value = body["interest_value"]
    if value is not None:
        if value != int(value) or (int(value) not in BUILTIN and not any(
                l["interest_status"] == value for l in st.lead_labels.by_id.values())):
            raise bad_request("Invalid interest value %s" % value)
        value = int(value)
    campaign, list_id = body.get("campaign_id"), body.get("list_id")
    leads = [st.leads.by_id[i] for i in st.by_email.get(body["lead_email"].lower(), ())]
    leads = [l for l in leads if (not campaign or l.get("campaign") == campaign)
             and (not list_id or l.get("list_id") == list_id)]
    if not leads:
        raise bad_request("Invalid lead email")
    for lead in leads:
        set_status(lead, value)
    return 202, {"message": JOB_MESSAGE}
