"""A big leads folder listed again runs several cursor chains at once
(relist.h): the result is exactly the server's leads, with leads added,
deleted and changed behind the mount's back, whether the known listing
is in memory or in the store; a server whose order is not the known one
makes it fall back to one chain, with the same result. Readers of the
folder during the re-list see every lead once."""
import os
import tempfile
import threading
import time

from harness import MEMORY_ONLY, SEED, Mount, MountTest

EXTRA = 3000        # leads added to the Big Campaign: 3,250 in all


def stats(mnt):
    out = {}
    with open(mnt.path(".instantlyfs", "stats")) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 2:
                out[parts[0]] = int(parts[1])
    return out


def plan(n, page=100, most=8):
    """relist_plan() of relist.c: each segment's first index."""
    pages = n // page
    k = min(most, pages // 8)
    return [i * pages // k * page for i in range(k)] if k >= 2 else [0]


def between(a, b):
    """An id of the same shape strictly between ids a < b."""
    head, tail = a[:-12], a[-12:]
    mid = head + "%012x" % (int(tail, 16) + 1)
    assert a < mid < b, (a, mid, b)
    return mid


class RelistTest(MountTest):
    fake_args = ["--seed", SEED, "--leads", str(EXTRA)]
    mount_opts = ["cache_ttl=1"]

    @classmethod
    def setUpClass(cls):
        """The generated leads' ids follow each other with no room
        between; they are spaced out, so that a lead can be added
        between two (before anything is listed)."""
        super().setUpClass()
        state = cls.fake.state()
        for lead in state["leads"]:
            tail = int(lead["id"][-12:], 16)
            lead["id"] = lead["id"][:-12] + "%012x" % (tail * 16)
        cls.fake.call("POST", "/_fake/state", state)

    def setUp(self):
        self.fake.clear_faults()
        state = self.fake.state(keys=["campaigns"])
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads = "campaigns/%s/leads" % self.big["id"]

    def server_leads(self):
        """The campaign's leads in the server's order (by id)."""
        return sorted((l for l in self.fake.state(keys=["leads"])["leads"]
                       if l.get("campaign") == self.big["id"]), key=lambda l: l["id"])

    def names(self, mnt=None):
        return os.listdir((mnt or self.mnt).path(self.leads))

    def assertExactly(self, names, leads):
        self.assertEqual(len(names), len(set(names)), "an entry listed twice")
        self.assertEqual(set(names), {l["email"] + ".json" for l in leads})

    def change_behind_the_back(self):
        """Deletes a chain's anchor, a segment's first lead and one in the
        middle; adds a lead just past an anchor and one in the middle;
        changes one.  Returns the leads as the server now has them."""
        state = self.fake.state()
        ours = sorted((l for l in state["leads"] if l.get("campaign") == self.big["id"]),
                      key=lambda l: l["id"])
        starts = plan(len(ours))
        self.assertGreaterEqual(len(starts), 3)
        gone = {ours[starts[1] - 1]["id"], ours[starts[2]]["id"], ours[1234]["id"]}
        new = []
        for i in (starts[2] - 1, 2000):
            lead = dict(ours[i])
            lead["id"] = between(ours[i]["id"], ours[i + 1]["id"])
            # Named after the lead it follows: unique (the fake's ids repeat
            # their last digits across milliseconds, and two new leads of
            # one address would clash) and the same in every run (the
            # fault run's states are compared with the clean run's).
            lead["email"] = "new." + ours[i]["email"]
            new.append(lead)
        changed = ours[500]["id"]
        self.changed = "changed." + ours[500]["email"]
        leads = []
        for lead in state["leads"]:
            if lead["id"] in gone:
                continue
            if lead["id"] == changed:
                lead = dict(lead, email=self.changed)
            leads.append(lead)
        state["leads"] = leads + new
        self.fake.call("POST", "/_fake/state", state)
        return self.server_leads()

    def test_a_relist_runs_several_chains_and_gives_the_servers_leads(self):
        first = self.names()
        self.assertExactly(first, self.server_leads())
        now = self.change_behind_the_back()
        before = stats(self.mnt)
        time.sleep(1.2)     # the listing is stale
        self.fake.reset_stats()
        seen = {}

        def reader(i):
            seen[i] = self.names()
        threads = [threading.Thread(target=reader, args=(i,)) for i in range(3)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        after = stats(self.mnt)
        for i in range(3):
            self.assertExactly(seen[i], now)
        self.assertIn(self.changed + ".json", seen[0])
        self.assertEqual(after["relist_parallel"] - before["relist_parallel"], 1)
        self.assertEqual(after["relist_chains"] - before["relist_chains"],
                         len(plan(len(first))))
        self.assertEqual(after["relist_fallback"], before["relist_fallback"])
        pages = (len(now) + 99) // 100
        self.assertCountAtMost(self.fake.requests().get("POST /api/v2/leads/list", 0),
                               pages + len(plan(len(first))), self.fake.requests())

    def test_an_order_not_the_known_one_falls_back_to_one_chain(self):
        self.assertExactly(self.names(), self.server_leads())
        self.fake.faults(leads_out_of_order=5)
        before = stats(self.mnt)
        time.sleep(1.2)
        names = self.names()
        after = stats(self.mnt)
        self.assertExactly(names, self.server_leads())
        self.assertEqual(after["relist_fallback"] - before["relist_fallback"], 1)
        self.assertEqual(after["relist_parallel"], before["relist_parallel"])
        self.assertIn("listed on with one chain", self.mnt.read_log())

    def test_a_small_folder_is_listed_again_by_one_chain(self):
        other = next(c for c in self.fake.state(keys=["campaigns"])["campaigns"]
                     if c["id"] != self.big["id"])
        path = self.mnt.path("campaigns", other["id"], "leads")
        os.listdir(path)
        before = stats(self.mnt)
        time.sleep(1.2)
        os.listdir(path)
        after = stats(self.mnt)
        for k in ("relist_parallel", "relist_chains", "relist_fallback"):
            self.assertEqual(after[k], before[k], k)

    @classmethod
    def store_mount(cls, folder):
        return Mount(folder, cls.fake.api_url, ["cache_ttl=1"])

    def test_a_relist_from_the_store_after_a_remount(self):
        if MEMORY_ONLY:
            self.skipTest("this run keeps no store")
        folder = tempfile.mkdtemp(prefix="instantlyfs-relist-", dir=self.tmp)
        m = self.store_mount(folder)
        try:
            self.assertExactly(self.names(m), self.server_leads())
        finally:
            self.assertEqual(m.unmount(), 0)
        now = self.change_behind_the_back()
        time.sleep(1.2)
        m = self.store_mount(folder)
        try:
            self.assertExactly(self.names(m), now)
            s = stats(m)
            self.assertEqual(s["relist_parallel"], 1, s)
            self.assertEqual(s["relist_fallback"], 0, s)
        finally:
            self.assertEqual(m.unmount(), 0)
