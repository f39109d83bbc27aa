#!/usr/bin/env python3
"""Compares the fake's final states of a fault-free run of the integration
suite with those of a run under random faults: nothing lost, nothing
duplicated.

    compare.py CLEAN_DIR FAULTS_DIR
    compare.py --self-test

Each directory holds <module>.<Class>.state.json and .stats.json, one pair
per test class (tests/integration/harness.py, INSTANTLYFS_STATE_DIR).
Every state of CLEAN_DIR is compared with the one of the same name in
FAULTS_DIR.  Two runs never agree on the ids of the objects they create
(time-based UUIDv7) nor on timestamps, so before the comparison each state
is normalised:

  - volatile fields are dropped (VOLATILE_FIELDS, is_volatile);
  - every object id becomes a label made from the object's natural key (a
    campaign's name, a lead's email and its campaign or list, ...), with
    " #2", " #3" for the second and later objects of the same key in id
    order, and every string holding a known id, whole or embedded, gets the
    label instead, so that references (lead -> campaign, email -> lead,
    mapping -> tag) are compared too.

Each table is then compared as a multiset of canonical JSON objects.  An
object only in the clean run is lost, one only in the faults run is
duplicated or extra, and one whose label is on both sides with other
fields is changed.  Exit status 1 if any class differs or is missing.
"""
import collections
import glob
import json
import os
import re
import sys

TABLES = ["workspace", "campaigns", "leads", "lead_lists", "accounts", "emails",
          "block_list", "custom_tags", "custom_tag_mappings", "background_jobs",
          "verifications", "connections"]

# Fields that differ between two fault-free runs for no real reason, besides
# the times is_volatile finds by their names (timestamp_created,
# timestamp_updated, timestamp_email, a job's created_at and updated_at:
# the clock at the write).  Found by comparing two fault-free runs.
VOLATILE_FIELDS = {
    # The times of a connection, named unlike the others (the one the
    # gateway test of test_modes.StartupTest makes and keeps).
    "creation_time", "last_updated_time",
}

ISO_TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d")
# The two shapes of id the fake makes: UUIDs and the 24-hex ids of jobs.
ID_TOKEN = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
                      r"|\b[0-9a-f]{24}\b")


def holds_time(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) \
        or isinstance(value, str) and bool(ISO_TIME.match(value))


def is_volatile(key, value):
    """A field whose value is when something happened: it cannot agree
    between two runs.  Nulls and other values stay: both runs must agree
    on them."""
    if key in VOLATILE_FIELDS:
        return True
    if key.startswith("timestamp") or key.endswith(("_at", "_ts")):
        return holds_time(value)
    return False


# ----- labels ---------------------------------------------------------------

class Labels:
    """Object ids -> stable labels, built table by table so that a label can
    name the labels of the objects it belongs to."""

    def __init__(self):
        self.of = {}
        self.taken = collections.Counter()

    def add(self, oid, key):
        """Labels oid by its natural key, numbered from the second object of
        the same key on.  Call in id order, so that both runs number alike."""
        if not isinstance(oid, str) or not oid or oid in self.of:
            return
        self.taken[key] += 1
        n = self.taken[key]
        self.of[oid] = key if n == 1 else "%s #%d" % (key, n)

    def name(self, value):
        """The label of an id, or the value itself when it is no known id."""
        if isinstance(value, str):
            return self.of.get(value, value)
        return value


def in_id_order(objs, field="id"):
    return sorted(objs, key=lambda o: str(o.get(field) or ""))


def thread_labels(emails):
    """A thread is no object of its own: it is named by the lead and the
    subject of its oldest message (oldest by time, then id, which is the
    same order in every run)."""
    first = {}
    for e in sorted(emails, key=lambda e: (str(e.get("timestamp_created") or ""),
                                           str(e.get("id") or ""))):
        tid = e.get("thread_id")
        if tid and tid not in first:
            first[tid] = e
    return {tid: "thread:%s/%s" % (e.get("lead"), e.get("subject"))
            for tid, e in first.items()}


def build_labels(state):
    """The label of every object id of a state."""
    lab = Labels()
    ws = state.get("workspace") or {}
    lab.add(ws.get("id"), "workspace")
    simple = [("campaigns", "campaign", "name"), ("lead_lists", "list", "name"),
              ("custom_tags", "tag", "label"), ("block_list", "block", "bl_value")]
    for table, kind, field in simple:
        for o in in_id_order(state.get(table) or []):
            lab.add(o.get("id"), "%s:%s" % (kind, o.get(field)))
    for o in in_id_order(state.get("connections") or [], "connection_id"):
        lab.add(o.get("connection_id"), "connection:%s" % o.get("app"))
    for o in in_id_order(state.get("leads") or []):
        holder = o.get("campaign") or o.get("list_id")
        lab.add(o.get("id"), "lead:%s in %s" % (o.get("email"), lab.name(holder)))
    emails = state.get("emails") or []
    threads = thread_labels(emails)
    for tid in sorted(threads):
        lab.add(tid, threads[tid])
    for e in in_id_order(emails):
        text = (e.get("body") or {}).get("text") if isinstance(e.get("body"), dict) else None
        lab.add(e.get("id"), "email:%s/%s/%s" % (lab.name(e.get("thread_id")),
                                                 e.get("subject"), text))
    for j in in_id_order(state.get("background_jobs") or []):
        lab.add(j.get("id"), "job:%s of %s" % (j.get("type"), lab.name(j.get("entity_id"))))
    for m in in_id_order(state.get("custom_tag_mappings") or []):
        lab.add(m.get("id"), "mapping:%s -> %s" % (lab.name(m.get("tag_id")),
                                                   lab.name(m.get("resource_id"))))
    return lab


# ----- normalising ----------------------------------------------------------

def relabel(value, lab):
    """value with volatile fields dropped and ids replaced by labels."""
    if isinstance(value, dict):
        return {k: relabel(v, lab) for k, v in value.items() if not is_volatile(k, v)}
    if isinstance(value, list):
        return [relabel(v, lab) for v in value]
    if isinstance(value, str):
        if value in lab.of:
            return lab.of[value]
        return ID_TOKEN.sub(lambda m: lab.of.get(m.group(0), m.group(0)), value)
    return value


def normalise(state):
    """{table: [object, ...]} with stable labels and no volatile fields."""
    lab = build_labels(state)
    out = {}
    for table in TABLES:
        rows = state.get(table)
        if rows is None:
            rows = []
        elif isinstance(rows, dict):
            rows = [rows]
        out[table] = [relabel(o, lab) for o in rows]
    return out


def canonical(obj):
    return json.dumps(obj, sort_keys=True, ensure_ascii=False)


def label_of(obj):
    for k in ("id", "connection_id", "email"):
        if isinstance(obj.get(k), str):
            return obj[k]
    return canonical(obj)


def printable(label, most=160):
    """A label on one line of the report: an email's holds its body."""
    text = label.replace("\n", "\\n")
    return text if len(text) <= most else text[:most - 3] + "..."


# ----- comparing ------------------------------------------------------------

def field_changes(a, b):
    """The fields where a and b differ, short."""
    out = []
    for k in sorted(set(a) | set(b)):
        if a.get(k, "<absent>") != b.get(k, "<absent>"):
            out.append("%s %s -> %s" % (k, short(a.get(k, "<absent>")),
                                        short(b.get(k, "<absent>"))))
    return out


def short(value, most=60):
    return printable(canonical(value), most)


def compare_table(clean_rows, fault_rows):
    """Lines describing how two lists of normalised objects differ."""
    a = collections.Counter(canonical(o) for o in clean_rows)
    b = collections.Counter(canonical(o) for o in fault_rows)
    lost = [json.loads(t) for t in (a - b).elements()]
    extra = [json.loads(t) for t in (b - a).elements()]
    lines = []
    # An object on both sides under one label with other fields: changed.
    extra_by_label = collections.defaultdict(list)
    for o in extra:
        extra_by_label[label_of(o)].append(o)
    for o in lost:
        same = extra_by_label.get(label_of(o))
        if same:
            other = same.pop(0)
            lines.append("changed: %s: %s" % (printable(label_of(o)),
                                              "; ".join(field_changes(o, other))))
        else:
            lines.append("lost: %s" % printable(label_of(o)))
    for rest in extra_by_label.values():
        for o in rest:
            lines.append("duplicated or extra: %s" % printable(label_of(o)))
    return lines


def compare_states(clean, faults):
    """{table: [line, ...]} for the tables that differ."""
    a, b = normalise(clean), normalise(faults)
    out = {}
    for table in TABLES:
        lines = compare_table(a[table], b[table])
        if lines:
            out[table] = lines
    return out


def load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def compare_dirs(clean_dir, faults_dir, most_lines=20):
    """Prints the differences class by class; returns (classes compared,
    classes that differ or are missing)."""
    bad = 0
    names = sorted(os.path.basename(p)[:-len(".state.json")]
                   for p in glob.glob(os.path.join(clean_dir, "*.state.json")))
    for name in names:
        other = os.path.join(faults_dir, name + ".state.json")
        if not os.path.exists(other):
            print("compare: %s: no state from the faults run" % name)
            bad += 1
            continue
        diff = compare_states(load(os.path.join(clean_dir, name + ".state.json")),
                              load(other))
        if diff:
            bad += 1
        for table, lines in sorted(diff.items()):
            print("compare: %s %s: %d difference%s" % (name, table, len(lines),
                                                     "" if len(lines) == 1 else "s"))
            for line in lines[:most_lines]:
                print("    " + line)
            if len(lines) > most_lines:
                print("    ... and %d more" % (len(lines) - most_lines))
    for p in sorted(glob.glob(os.path.join(faults_dir, "*.state.json"))):
        name = os.path.basename(p)[:-len(".state.json")]
        if name not in names:
            print("compare: %s: only in the faults run (no clean state to compare)" % name)
    return len(names), bad


# ----- figures --------------------------------------------------------------

def fault_group(kind):
    """The figure a fault kind of the fake's stats counts in."""
    if kind == "429":
        return "429"
    if re.match(r"^5\d\d after the work$", kind):
        return "5xx after the work"
    if re.match(r"^5\d\d$", kind):
        return "5xx before the work"
    if kind in ("reset", "reset after the work", "slow"):
        return kind
    return "other (" + kind + ")"


FIGURE_ORDER = ["429", "5xx before the work", "5xx after the work", "reset",
                "reset after the work", "slow"]


def figures(stats_dir):
    """(requests received, faults injected, Counter of faults by group)."""
    total = faults = 0
    kinds = collections.Counter()
    for p in glob.glob(os.path.join(stats_dir, "*.stats.json")):
        s = load(p)
        total += s.get("total", 0)
        faults += s.get("faults_total", 0)
        for per_route in (s.get("faults") or {}).values():
            for kind, n in per_route.items():
                kinds[fault_group(kind)] += n
    return total, faults, kinds


def print_figures(faults_dir, classes):
    total, faults, kinds = figures(faults_dir)
    order = FIGURE_ORDER + sorted(k for k in kinds if k not in FIGURE_ORDER)
    parts = ["%d %s" % (kinds[k], k) for k in order if kinds[k]]
    print("faults: %d requests received, %d of them given a fault (%s)"
          % (total, faults, ", ".join(parts) or "none"))
    print("faults: %d test classes compared" % classes)


# ----- self test ------------------------------------------------------------

def tiny_state(run):
    """A small state as run `run` would leave it: same objects, its own ids
    and times."""
    cid = "0190%04d-0000-7000-8000-000000000001" % run
    lid = "0190%04d-0000-7000-8000-000000000002" % run
    t = "2027-01-0%dT10:00:00.000Z" % run
    return {
        "workspace": {"id": "01a0f755-f200-70ff-8000-000000000001", "name": "W"},
        "campaigns": [{"id": cid, "name": "Spring", "status": 0, "timestamp_created": t}],
        "leads": [{"id": lid, "email": "a@x.example", "campaign": cid,
                   "timestamp_updated": t}],
        "emails": [{"id": "0190%04d-0000-7000-8000-000000000003" % run,
                    "thread_id": "0190%04d-0000-7000-8000-000000000004" % run,
                    "lead_id": lid, "subject": "Hi", "body": {"text": "x"},
                    "timestamp_created": t, "search": "thread:0190%04d-0000-7000-8000-"
                    "000000000004" % run}],
        "background_jobs": [{"id": "%024x" % run, "type": "move-leads",
                             "entity_id": cid, "created_at": t}],
    }


def self_test():
    same = compare_states(tiny_state(1), tiny_state(2))
    assert same == {}, same
    dup = tiny_state(2)
    lead = dict(dup["leads"][0], id="0190%04d-0000-7000-8000-000000000009" % 2)
    dup["leads"].append(lead)
    diff = compare_states(tiny_state(1), dup)
    assert list(diff) == ["leads"], diff
    assert diff["leads"] == ["duplicated or extra: lead:a@x.example in campaign:Spring #2"], diff
    gone = tiny_state(2)
    gone["campaigns"] = []
    diff = compare_states(tiny_state(1), gone)
    assert diff["campaigns"] == ["lost: campaign:Spring"], diff
    changed = tiny_state(2)
    changed["campaigns"][0]["status"] = 1
    diff = compare_states(tiny_state(1), changed)
    assert diff["campaigns"] == ["changed: campaign:Spring: status 0 -> 1"], diff
    assert is_volatile("timestamp_email", "2027-01-01T00:00:00Z")
    assert not is_volatile("scheduled_for_removal_at", None)
    print("compare: self-test passed")
    return 0


def main(argv):
    if argv[1:] == ["--self-test"]:
        return self_test()
    if len(argv) != 3:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    clean_dir, faults_dir = argv[1], argv[2]
    classes, bad = compare_dirs(clean_dir, faults_dir)
    print_figures(faults_dir, classes)
    if classes == 0:
        print("compare: no state in %s" % clean_dir)
        return 1
    if bad:
        print("compare: %d of %d test classes differ" % (bad, classes))
        return 1
    print("compare: every test class ends in the same state")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
