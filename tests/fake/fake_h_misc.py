"""Handlers: block list, custom tags and their mappings, background jobs,
and the gateway's connection endpoints.

Owns: block-list entries (is_domain is derived from the value: no "@"
means a domain), custom tags (labels unique after trimming, 409 otherwise),
toggle-resource (resource_type 1 = account, keyed by its email; 2 =
campaign, keyed by its id), background jobs (created "pending"; each GET of
the job moves it on, and after `job_polls` GETs it is "success"), and
gateway connections (a new one answers PENDING to its creation and to its
first GET, and is ACTIVE from then on, as if the user finished the sign-in).
"""

import fake_model as M
from fake_common import ApiError, apply_patch, bad_request, contains, csv_set, not_found, \
    paged, touch


# ----- block list -----

def entry_or_404(req):
    e = req.state.block_list.get(req.params["id"])
    if e is None:
        raise not_found("Block list entry")
    return e


def list_block_list(req):
    st = req.state
    search, domains = req.q("search"), req.q("domains_only")

    def pred(eid):
        e = st.block_list.by_id[eid]
        if search and not contains(e["bl_value"], search):
            return None
        if domains and not e["is_domain"]:
            return None
        return e
    return paged(req, st.block_list.keys, req.q("starting_after"), pred, lambda e: e["id"])


def find_entry(st, value):
    low = value.strip().lower()
    return next((e for e in st.block_list.by_id.values() if e["bl_value"].lower() == low),
                None)


def create_block_entry(req):
    st = req.state
    value = req.require("bl_value")["bl_value"].strip()
    if not value:
        raise bad_request("body/bl_value must NOT be empty")
    if find_entry(st, value):
        raise ApiError(409, "Block list entry %s already exists" % value)
    entry = {"id": st.ids.uuid7(), "timestamp_created": M.now_iso(), "bl_value": value}
    return st.block_list.add(M.shape(M.BLOCK_LIST_ENTRY, entry, st.ctx))


def get_block_entry(req):
    return entry_or_404(req)


def patch_block_entry(req):
    e = entry_or_404(req)
    value = (req.body or {}).get("bl_value")
    if value is not None:
        other = find_entry(req.state, value)
        if other is not None and other["id"] != e["id"]:
            raise ApiError(409, "Block list entry %s already exists" % value)
        e["bl_value"] = value.strip()
        e["is_domain"] = "@" not in e["bl_value"]
    return e


def delete_block_entry(req):
    e = entry_or_404(req)
    req.state.block_list.remove(e["id"])
    return e


# ----- custom tags -----

def tag_or_404(req, tid=None):
    t = req.state.custom_tags.get(tid or req.params["id"])
    if t is None:
        raise not_found("Custom tag")
    return t


def label_taken(st, label, except_id=None):
    low = label.strip().lower()
    return any(t["label"].strip().lower() == low and t["id"] != except_id
               for t in st.custom_tags.by_id.values())


def list_tags(req):
    st = req.state
    search = req.q("search")
    only = csv_set(req.q("tag_ids"))
    resources = csv_set(req.q("resource_ids"))
    on_resources = None
    if resources:
        on_resources = {m["tag_id"] for m in st.custom_tag_mappings.by_id.values()
                        if m["resource_id"] in resources}

    def pred(tid):
        t = st.custom_tags.by_id[tid]
        if search and not contains(t["label"], search):
            return None
        if only and tid not in only:
            return None
        if on_resources is not None and tid not in on_resources:
            return None
        return t
    return paged(req, st.custom_tags.keys, req.q("starting_after"), pred, lambda t: t["id"])


def create_tag(req):
    st = req.state
    body = req.require("label")
    if not body["label"].strip():
        raise bad_request('body/label must match pattern ".*\\S.*"')
    if label_taken(st, body["label"]):
        raise ApiError(409, "A tag with the label %s already exists" % body["label"].strip())
    now = M.now_iso()
    tag = {"id": st.ids.uuid7(), "timestamp_created": now, "timestamp_updated": now,
           "label": body["label"], "description": body.get("description")}
    return st.custom_tags.add(M.shape(M.CUSTOM_TAG, tag, st.ctx))


def get_tag(req):
    return tag_or_404(req)


def patch_tag(req):
    t = tag_or_404(req)
    body = req.body or {}
    if "label" in body:
        if not body["label"].strip():
            raise bad_request('body/label must match pattern ".*\\S.*"')
        if label_taken(req.state, body["label"], t["id"]):
            raise ApiError(409, "A tag with the label %s already exists" % body["label"].strip())
    apply_patch(t, body, ("label", "description"))
    return touch(t)


def delete_tag(req):
    st = req.state
    t = tag_or_404(req)
    for m in [m for m in st.custom_tag_mappings.by_id.values() if m["tag_id"] == t["id"]]:
        st.custom_tag_mappings.remove(m["id"])
    st.custom_tags.remove(t["id"])
    return t


def resource_ids(st, body):
    """The resources a toggle-resource body names, checked to exist."""
    rtype = body["resource_type"]
    if rtype == 1:
        from fake_h_inbox import find_account     # (fake_h_inbox imports this module)
        everything = [a["email"] for a in st.accounts.values()]
        exists = lambda r: find_account(st, r)
    else:
        everything = st.campaigns.ids_in_order()
        exists = lambda r: st.campaigns.get(r)
    if body.get("selected_all"):
        excluded = set(body.get("excluded_resource_ids") or [])
        return [r for r in everything if r not in excluded]
    ids = body.get("resource_ids")
    if not ids:
        raise bad_request("resource_ids is required unless selected_all is true")
    out = []
    for r in ids:
        found = exists(r)
        if not found:
            raise not_found("Account" if rtype == 1 else "Campaign")
        out.append(found["email"] if rtype == 1 else r)
    return out


def toggle_resource(req):
    st = req.state
    body = req.require("tag_ids", "resource_type", "assign")
    tags = [tag_or_404(req, tid) for tid in body["tag_ids"]]
    targets = resource_ids(st, body)
    existing = {(m["tag_id"], m["resource_id"]): m for m in st.custom_tag_mappings.by_id.values()}
    for t in tags:
        for r in targets:
            m = existing.get((t["id"], r))
            if body["assign"] and m is None:
                st.custom_tag_mappings.add(M.shape(M.CUSTOM_TAG_MAPPING, {
                    "id": st.ids.uuid7(), "tag_id": t["id"], "resource_id": r,
                    "resource_type": body["resource_type"],
                    "timestamp_created": M.now_iso()}, st.ctx))
            elif not body["assign"] and m is not None:
                st.custom_tag_mappings.remove(m["id"])
    return {"success": True}


def list_tag_mappings(req):
    st = req.state
    resources = csv_set(req.q("resource_ids"))
    tags = csv_set(req.q("tag_ids"))

    def pred(mid):
        m = st.custom_tag_mappings.by_id[mid]
        if resources and m["resource_id"] not in resources:
            return None
        if tags and m["tag_id"] not in tags:
            return None
        return m
    return paged(req, st.custom_tag_mappings.keys, req.q("starting_after"), pred,
                 lambda m: m["id"])


# ----- background jobs -----

def new_job(req, jtype, entity_type, entity_id, data):
    st = req.state
    now = M.now_iso()
    job = M.shape(M.BACKGROUND_JOB, {
        "id": st.ids.object_id(), "type": jtype, "entity_id": entity_id,
        "entity_type": entity_type, "data": data, "progress": 0, "status": "pending",
        "created_at": now, "updated_at": now,
        "_polls_left": req.knobs.job_polls}, st.ctx)
    st.background_jobs.add(job)
    return M.public(job)


def advance_job(job):
    left = job.get("_polls_left")
    if left is None or job["status"] not in ("pending", "in-progress"):
        return
    left -= 1
    if left <= 0:
        job.pop("_polls_left")
        job.update({"status": "success", "progress": 100})
    else:
        job.update({"_polls_left": left, "status": "in-progress", "progress": 50})
    job["updated_at"] = M.now_iso()


def list_jobs(req):
    st = req.state
    q = req.q
    ids, included = csv_set(q("ids")), csv_set(q("included_ids"))
    excluded = csv_set(q("excluded_ids")) or set()
    entity_ids, statuses = csv_set(q("entity_id")), csv_set(q("status"))
    column = q("sort_column")
    keys = st.background_jobs.keys
    if column:
        keys = sorted(keys, key=lambda j: (st.background_jobs.by_id[j][column], j))
    desc = q("sort_order") == "desc"
    after = q("starting_after")
    if after and column:
        pos = {j: i for i, j in enumerate(keys)}
        if after not in pos:
            raise bad_request("Invalid starting_after")
        keys = keys[:pos[after]] if desc else keys[pos[after] + 1:]
        after = None

    def pred(jid):
        j = st.background_jobs.by_id[jid]
        if included and jid in included:
            return M.public(j)
        if ids and jid not in ids or jid in excluded:
            return None
        if q("type") and j["type"] != q("type"):
            return None
        if q("entity_type") and j["entity_type"] != q("entity_type"):
            return None
        if entity_ids and j.get("entity_id") not in entity_ids:
            return None
        if statuses and j["status"] not in statuses:
            return None
        return M.public(j)
    return paged(req, keys, after, pred, lambda j: j["id"], desc=desc)


def get_job(req):
    j = req.state.background_jobs.get(req.params["id"])
    if j is None:
        raise not_found("Background job")
    advance_job(j)
    out = M.public(j)
    fields = csv_set(req.q("data_fields"))
    if fields:
        out = dict(out, data={k: v for k, v in (j.get("data") or {}).items() if k in fields})
    return out


# ----- gateway connections -----

def connection_or_404(req):
    c = req.state.connections.get(req.params["id"])
    if c is None:
        raise not_found("Connection")
    return c


def list_connections(req):
    app, status = req.q("app"), req.q("status")
    out = [c for c in req.state.connections.values()
           if (not app or c["app"] == app) and (not status or c["status"] == status)]
    return {"connections": [M.public(c) for c in out]}


def create_connection(req):
    st = req.state
    body = req.require("app")
    now = M.now_iso()
    c = M.shape(M.CONNECTION, {"connection_id": st.ids.uuid7(), "status": "PENDING",
                               "creation_time": now, "app": body["app"],
                               "method": body.get("method", "OAUTH2"),
                               "_activate_on_read": True}, st.ctx)
    st.connections.add(c)
    return {"connection": M.public(c)}


def get_connection(req):
    c = connection_or_404(req)
    out = M.public(c)
    if c.pop("_activate_on_read", False):
        c.update({"status": "ACTIVE", "last_updated_time": M.now_iso()})
    return {"connection": out}


def delete_connection(req):
    c = connection_or_404(req)
    req.state.connections.remove(c["connection_id"])
    return {"connection": M.public(c)}
