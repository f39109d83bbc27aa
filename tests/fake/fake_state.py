"""The fake workspace's state: tables of objects, indexes and ids.

Owns: every object of the workspace, kept in cursor order so that a page
is found by bisection (paging through 100,000 leads is O(page), not O(n)),
the per-campaign / per-list / per-email lead indexes, id generation
(UUIDv7 strings that sort after every id already present; 24-hex ids for
background jobs), and loading / dumping the whole state as one JSON object.

Locking rule: the server holds State.lock around every handler call; nothing
here takes it.
"""

import bisect
import threading
import time

import fake_model as M

STATE_KEYS = ["workspace", "campaigns", "leads", "lead_lists", "accounts", "emails",
              "block_list", "custom_tags", "custom_tag_mappings", "background_jobs",
              "verifications", "connections", "subsequences", "lead_labels",
              "workspace_members", "placement_tests", "placement_analytics",
              "placement_reports", "audit_logs"]
STATE_KEYS += ["webhooks", "webhook_events"]


class IdGen:
    """UUIDv7 ids, strictly increasing, after every id seen so far."""

    def __init__(self):
        self.last_ms = 0
        self.counter = 0
        self.job_counter = 0

    def observe(self, uid):
        try:
            ms = int(uid.replace("-", "")[:12], 16)
        except (ValueError, AttributeError):
            return
        if ms >= self.last_ms:
            self.last_ms, self.counter = ms + 1, 0

    def uuid7(self):
        ms = int(time.time() * 1000)
        if ms > self.last_ms:
            self.last_ms, self.counter = ms, 0
        else:
            self.counter += 1
        h = "%012x" % self.last_ms
        return "%s-%s-7000-8000-%012x" % (h[:8], h[8:], self.counter)

    def object_id(self):
        self.job_counter += 1
        return "%08x%s%010x" % (int(time.time()), "fa4e03", self.job_counter)


class Table:
    """Objects keyed by id, with their sort keys kept in a sorted list.

    sort_key(obj) gives the cursor order. Pages walk the sorted key list
    from a bisection point, so a page costs O(log n + page).
    """

    def __init__(self, key_field, sort_key=None):
        self.key_field = key_field
        self.sort_key = sort_key or (lambda o: o[key_field])
        self.by_id = {}
        self.keys = []          # sorted sort keys
        self.key_of = {}        # id -> its sort key (kept after delete too)

    def __len__(self):
        return len(self.by_id)

    def get(self, oid):
        return self.by_id.get(oid)

    def add(self, obj):
        oid = obj[self.key_field]
        if oid in self.by_id:
            self.remove(oid)
        k = self.sort_key(obj)
        self.by_id[oid] = obj
        self.key_of[oid] = k
        if not self.keys or self.keys[-1] < k:
            self.keys.append(k)
        else:
            bisect.insort(self.keys, k)
        return obj

    def remove(self, oid):
        obj = self.by_id.pop(oid, None)
        if obj is None:
            return None
        k = self.key_of[oid]
        i = bisect.bisect_left(self.keys, k)
        if i < len(self.keys) and self.keys[i] == k:
            del self.keys[i]
        return obj

    def resort(self, oid):
        """Call after a change to a field the sort key depends on."""
        obj = self.remove(oid)
        if obj is not None:
            self.add(obj)

    def values(self):
        ids = self.ids_in_order()
        return [self.by_id[i] for i in ids]

    def ids_in_order(self):
        if self.keys and isinstance(self.keys[0], tuple):
            return [k[-1] for k in self.keys]
        return list(self.keys)

    def clear(self):
        self.by_id.clear()
        self.keys.clear()
        self.key_of.clear()


class SortedIds:
    """A sorted list of ids (leads of one campaign or list)."""

    __slots__ = ("ids",)

    def __init__(self):
        self.ids = []

    def add(self, oid):
        if not self.ids or self.ids[-1] < oid:
            self.ids.append(oid)
        else:
            i = bisect.bisect_left(self.ids, oid)
            if i == len(self.ids) or self.ids[i] != oid:
                self.ids.insert(i, oid)

    def discard(self, oid):
        i = bisect.bisect_left(self.ids, oid)
        if i < len(self.ids) and self.ids[i] == oid:
            del self.ids[i]

    def __len__(self):
        return len(self.ids)


def page_keys(keys, after, limit, pred, desc=False):
    """Walk sorted keys after the cursor key; return (matches, more).

    keys: a sorted list; after: a key (or None for the first page); pred:
    key -> object or None. Stops after limit matches and looks ahead for one
    more match to know whether a next page exists.
    """
    out = []
    if desc:
        i = (bisect.bisect_left(keys, after) if after is not None else len(keys)) - 1
        step = -1
    else:
        i = bisect.bisect_right(keys, after) if after is not None else 0
        step = 1
    n = len(keys)
    while 0 <= i < n:
        obj = pred(keys[i])
        i += step
        if obj is None:
            continue
        if len(out) == limit:
            return out, True
        out.append(obj)
    return out, False


TIME_FIELDS = ("timestamp_created", "timestamp_updated", "timestamp_email", "created_at",
               "updated_at", "creation_time", "last_updated_time")


def need_key(obj, field, kind, index):
    if not isinstance(obj, dict) or not obj.get(field):
        raise ValueError("%s[%d] has no %s" % (kind, index, field))
    return obj


def with_times(obj, required=()):
    """Seeds may leave timestamps out; they become the fixed EPOCH."""
    for f in TIME_FIELDS:
        if f in obj and obj[f] is None or f in required and not obj.get(f):
            obj[f] = M.EPOCH
    return obj


class State:
    """The whole workspace."""

    def __init__(self):
        self.lock = threading.RLock()
        self._reset()

    def _reset(self):
        self.ids = IdGen()
        self.workspace = {}
        self.campaigns = Table("id")
        self.leads = Table("id")
        self.lead_lists = Table("id")
        self.accounts = Table("email", lambda a: (a["timestamp_created"], a["email"]))
        self.emails = Table("id", lambda e: (e["timestamp_created"], e["id"]))
        self.block_list = Table("id")
        self.custom_tags = Table("id")
        self.custom_tag_mappings = Table("id")
        self.background_jobs = Table("id")
        self.verifications = {}
        self.connections = Table("connection_id", lambda c: (c["creation_time"],
                                                             c["connection_id"]))
        self.subsequences = Table("id")
        self.lead_labels = Table("id")
        self.webhooks = Table("id")
        self.webhook_events = Table("id", lambda e: (e["timestamp_created"], e["id"]))
        self.workspace_members = Table("id")
        self.placement_tests = Table("id")
        self.placement_analytics = Table("id")
        self.placement_reports = Table("id")
        self.audit_logs = Table("id", lambda a: (a["timestamp"], a["id"]))
        self.by_campaign = {}
        self.by_list = {}
        self.by_email = {}
        self.unassigned = SortedIds()

    # ----- context for defaults -----
    @property
    def ctx(self):
        return {"workspace_id": self.workspace.get("id", M.NULL_ORG),
                "owner": self.workspace.get("owner", M.NULL_ORG)}

    # ----- leads and their indexes -----
    def lead_index(self, lead):
        if lead.get("campaign"):
            return self.by_campaign.setdefault(lead["campaign"], SortedIds())
        if lead.get("list_id"):
            return self.by_list.setdefault(lead["list_id"], SortedIds())
        return self.unassigned

    def add_lead(self, stored):
        self.leads.add(stored)
        self.lead_index(stored).add(stored["id"])
        email = (stored.get("email") or "").lower()
        self.by_email.setdefault(email, []).append(stored["id"])
        return stored

    def remove_lead(self, lead_id):
        lead = self.leads.remove(lead_id)
        if lead is None:
            return None
        self.lead_index(lead).discard(lead_id)
        email = (lead.get("email") or "").lower()
        ids = self.by_email.get(email)
        if ids and lead_id in ids:
            ids.remove(lead_id)
            if not ids:
                del self.by_email[email]
        return lead

    def lead_ids_in(self, campaign=None, list_id=None):
        if campaign:
            return self.by_campaign.get(campaign, SortedIds()).ids
        if list_id:
            return self.by_list.get(list_id, SortedIds()).ids
        return self.leads.keys

    def render_lead(self, stored):
        return M.render_lead(stored, self.ctx)

    # ----- loading and dumping -----
    def load(self, data):
        """Replace everything with the objects of a state dump."""
        self._reset()
        data = data or {}
        ctx_ws = dict({"id": M.NULL_ORG, "owner": M.NULL_ORG,
                       "timestamp_created": M.EPOCH, "timestamp_updated": M.EPOCH},
                      **(data.get("workspace") or {}))
        self.workspace = M.shape(M.WORKSPACE, ctx_ws, {"workspace_id": ctx_ws.get("id"),
                                                       "owner": ctx_ws.get("owner")})
        ctx = self.ctx
        kinds = [("campaigns", M.CAMPAIGN, self.campaigns),
                 ("lead_lists", M.LEAD_LIST, self.lead_lists),
                 ("accounts", M.ACCOUNT, self.accounts),
                 ("emails", M.EMAIL, self.emails),
                 ("block_list", M.BLOCK_LIST_ENTRY, self.block_list),
                 ("custom_tags", M.CUSTOM_TAG, self.custom_tags),
                 ("custom_tag_mappings", M.CUSTOM_TAG_MAPPING, self.custom_tag_mappings),
                 ("background_jobs", M.BACKGROUND_JOB, self.background_jobs),
                 ("connections", M.CONNECTION, self.connections),
                 ("subsequences", M.SUBSEQUENCE, self.subsequences),
                 ("lead_labels", M.LEAD_LABEL, self.lead_labels),
                 ("workspace_members", M.MEMBER, self.workspace_members),
                 ("placement_tests", M.PLACEMENT_TEST, self.placement_tests),
                 ("placement_analytics", M.PLACEMENT_ANALYTICS, self.placement_analytics),
                 ("placement_reports", M.PLACEMENT_REPORT, self.placement_reports),
                 ("audit_logs", M.AUDIT_LOG, self.audit_logs)]
        kinds += [("webhooks", M.WEBHOOK, self.webhooks),
                  ("webhook_events", M.WEBHOOK_EVENT, self.webhook_events)]
        for key, fields, table in kinds:
            for i, obj in enumerate(data.get(key) or []):
                table.add(with_times(M.shape(fields, need_key(obj, table.key_field, key, i),
                                             ctx)))
                self._observe(obj)
        for i, lead in enumerate(data.get("leads") or []):
            need_key(lead, "id", "leads", i)
            full = with_times(dict(lead), ("timestamp_created", "timestamp_updated"))
            self.add_lead(M.compact_lead(full, ctx))
            self._observe(lead)
        for v in data.get("verifications") or []:
            self.verifications[v["email"].lower()] = M.shape(M.VERIFICATION, v, ctx)
        self._observe(self.workspace)

    def _observe(self, obj):
        for k in ("id", "tag_id", "thread_id"):
            if isinstance(obj.get(k), str) and len(obj[k]) == 36:
                self.ids.observe(obj[k])

    EDITABLE = ("campaigns", "lead_lists", "accounts", "emails", "block_list",
                "custom_tags", "leads", "subsequences", "lead_labels", "webhooks",
                "workspace_members", "placement_tests")

    def edit(self, table, oid, fields):
        """Sets fields of one stored object as they are, behind any
        client's back: no timestamp moves, nothing else changes.  The
        object as the API shows it, or None when there is none."""
        obj = getattr(self, table).get(oid)
        if obj is None:
            return None
        obj.update(fields)
        return self.render_lead(obj) if table == "leads" else obj

    def dump(self, keys=None):
        out = {}
        want = keys or STATE_KEYS
        if "workspace" in want:
            out["workspace"] = self.workspace
        tables = {"campaigns": self.campaigns, "lead_lists": self.lead_lists,
                  "accounts": self.accounts, "emails": self.emails,
                  "block_list": self.block_list, "custom_tags": self.custom_tags,
                  "custom_tag_mappings": self.custom_tag_mappings,
                  "background_jobs": self.background_jobs,
                  "connections": self.connections,
                  "subsequences": self.subsequences, "lead_labels": self.lead_labels,
                  "workspace_members": self.workspace_members,
                  "placement_tests": self.placement_tests,
                  "placement_analytics": self.placement_analytics,
                  "placement_reports": self.placement_reports,
                  "audit_logs": self.audit_logs}
        tables.update(webhooks=self.webhooks, webhook_events=self.webhook_events)
        for k in want:
            if k in tables:
                out[k] = [tables[k].by_id[i] for i in tables[k].ids_in_order()]
            elif k == "leads":
                out[k] = [self.render_lead(self.leads.by_id[i]) for i in self.leads.keys]
            elif k == "verifications":
                out[k] = list(self.verifications.values())
        return out
