"""Handlers: workspace members, inbox placement tests with their results,
and the audit log.

Owns: members (one per address, case aside: a second invite of the same
address is 409; the roles "owner" and "client" cannot be given through
the API, as the spec says, so a POST or PATCH asking for them is 400),
placement tests (listed by id, ascending unless sort_order=desc; PATCH
takes what the spec's request schema takes; DELETE answers the deleted
test), their analytics and blacklist/SpamAssassin reports (read-only,
listed per test_id, by id), and the audit log (newest first by
timestamp, the cursor the last entry's id).
"""

import fake_model as M
from fake_common import ApiError, apply_patch, bad_request, contains, not_found, paged

NOT_BY_API = ("owner", "client")


def one_or_404(table, req, kind):
    obj = table.get(req.params["id"])
    if obj is None:
        raise not_found(kind)
    return obj


# ----- workspace members -----

def member_or_404(req):
    return one_or_404(req.state.workspace_members, req, "Workspace member")


def check_role(role):
    if role in NOT_BY_API:
        raise bad_request("body/role %s cannot be given through the API" % role)


def list_members(req):
    st = req.state
    search, accepted = req.q("search"), req.q("accepted")

    def pred(mid):
        m = st.workspace_members.by_id[mid]
        name = " ".join(v for v in (m.get("name") or {}).values() if isinstance(v, str))
        if search and not (contains(m["email"], search) or contains(name, search)):
            return None
        if accepted is not None and m["accepted"] != accepted:
            return None
        return m
    return paged(req, st.workspace_members.keys, req.q("starting_after"), pred,
                 lambda m: m["id"])


def create_member(req):
    st = req.state
    body = req.require("email", "role")
    check_role(body["role"])
    low = body["email"].strip().lower()
    if any(m["email"].lower() == low for m in st.workspace_members.by_id.values()):
        raise ApiError(409, "%s is already a member of this workspace" % body["email"])
    member = {"id": st.ids.uuid7(), "email": body["email"].strip(),
              "user_id": st.ids.uuid7(), "user_email": body.get("user_email"),
              "nickname": body.get("nickname"), "role": body["role"],
              "timestamp_created": M.now_iso(), "accepted": False,
              "permissions": body.get("permissions")}
    return st.workspace_members.add(M.shape(M.MEMBER, member, st.ctx))


def get_member(req):
    return member_or_404(req)


def patch_member(req):
    m = member_or_404(req)
    body = req.body or {}
    if "role" in body:
        check_role(body["role"])
    return apply_patch(m, body, ("nickname", "role"))


def delete_member(req):
    m = member_or_404(req)
    req.state.workspace_members.remove(m["id"])
    return m


# ----- inbox placement tests -----

def test_or_404(req):
    return one_or_404(req.state.placement_tests, req, "Inbox placement test")


def list_placement_tests(req):
    st = req.state
    search, status = req.q("search"), req.q("status")

    def pred(tid):
        t = st.placement_tests.by_id[tid]
        if search and not contains(t["name"], search):
            return None
        if status is not None and t["status"] != status:
            return None
        return t
    after = req.q("starting_after")
    return paged(req, st.placement_tests.keys, after, pred, lambda t: t["id"],
                 desc=req.q("sort_order") == "desc")


def get_placement_test(req):
    return test_or_404(req)


def patch_placement_test(req):
    return apply_patch(test_or_404(req), req.body,
                       ("name", "schedule", "automations", "status"))


def delete_placement_test(req):
    t = test_or_404(req)
    req.state.placement_tests.remove(t["id"])
    return t


def per_test(req, table):
    tid = req.q("test_id")

    def pred(rid):
        r = table.by_id[rid]
        return r if r["test_id"] == tid else None
    return paged(req, table.keys, req.q("starting_after"), pred, lambda r: r["id"])


def list_placement_analytics(req):
    return per_test(req, req.state.placement_analytics)


def list_placement_reports(req):
    return per_test(req, req.state.placement_reports)


# ----- audit log -----

def list_audit_logs(req):
    st = req.state
    table = st.audit_logs
    kind, search = req.q("activity_type"), req.q("search")
    start, end = req.q("start_date"), req.q("end_date")

    def pred(key):
        a = table.by_id[key[-1]]
        if kind is not None and a["activity_type"] != kind:
            return None
        if search and not any(contains(str(v), search) for v in
                              (a.get("user_name"), a.get("ip_address"), a.get("user_agent"),
                               a.get("audit_metadata"))):
            return None
        if start and a["timestamp"][:10] < start[:10]:
            return None
        if end and a["timestamp"][:10] > end[:10]:
            return None
        return a
    cursor = req.q("starting_after")
    after = table.key_of.get(cursor) if cursor else None
    if cursor and after is None:
        raise bad_request("querystring/starting_after is no audit log entry")
    return paged(req, table.keys, after, pred, lambda a: a["id"], desc=True)
