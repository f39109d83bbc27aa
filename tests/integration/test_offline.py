"""Offline reads: when the API cannot be reached (here: connection refused,
the fake stopped), what the store holds is still read, stale, with the
same bytes; stats and the log say so; a folder never listed fails with
EIO; a write fails, changes nothing and keeps its text in
.instantlyfs/rejected/; and once the API answers again, reads are fresh.

Each class warms a store with one mount, stops its fake and remounts the
same API address with cache_ttl=0, so that everything stored is expired
without waiting for a clock."""
import json
import os
import subprocess
import tempfile
import unittest

from harness import (MEMORY_ONLY, SEED, Fake, Mount, MountTest, log_problems,
                     run_bounded, wait_for)


def stat_value(text, name):
    """The value of the line "<name> <n>" of .instantlyfs/stats."""
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if key == name:
            return int(value)
    raise AssertionError("no %s in stats:\n%s" % (name, text))


def same_length_change(text):
    """text with its last letter changed: same length, other bytes."""
    return text[:-1] + ("b" if text[-1] != "b" else "c")


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class OfflineTest(MountTest):
    """One store, warmed while the API answers, read while it does not.
    (The class's own fake and mount, from MountTest, stay unused.)"""

    # A few quick retries: every request of the offline mount fails.
    offline_opts = ["cache_ttl=0", "retries=2"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.m = None
        try:
            cls.dir = tempfile.mkdtemp(prefix="instantlyfs-offline-", dir=cls.tmp)
            api = Fake(cls.dir, ["--seed", SEED])
            cls.port = api.port
            try:
                state = api.state()
                cls.big = next(c for c in state["campaigns"]
                               if c["name"] == "Big Campaign")
                cls.leads_dir = "campaigns/%s/leads" % cls.big["id"]
                cls.leads = sorted((l for l in state["leads"]
                                    if l.get("campaign") == cls.big["id"]),
                                   key=lambda l: l["email"])
                cls.warm(api.url)
            finally:
                api.stop()
            # The same address, where nothing listens now.
            cls.m = Mount(cls.dir, api.url, cls.offline_opts)
        except Exception:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            if cls.m:
                cls.m.unmount()
                cls.check_log(cls.m)
        finally:
            super().tearDownClass()

    @staticmethod
    def check_log(m):
        """A mount of the class's own: its log must show no sanitizer
        report (SANITIZED=1), as MountTest checks for its mount."""
        log = m.read_log()
        problems = log_problems(log)
        if problems:
            raise AssertionError("%s in mount log:\n%s" % (", ".join(problems), log[-8000:]))

    @classmethod
    def warm(cls, url):
        """Lists and reads, with the API up, what the tests read offline."""
        m = Mount(cls.dir, url, [])
        try:
            cls.seen = {
                "campaigns": sorted(os.listdir(m.path("campaigns"))),
                "leads": sorted(os.listdir(m.path(cls.leads_dir))),
                "lead": cls.read(m, cls.lead_path(cls.leads[7])),
                "campaign": cls.read(m, "campaigns/%s/campaign.json" % cls.big["id"]),
                "status": cls.read(m, "campaigns/%s/status" % cls.big["id"]),
                "grep": cls.grep(m),
            }
        finally:
            m.unmount()
        cls.check_log(m)

    @classmethod
    def lead_path(cls, lead):
        return "%s/%s.json" % (cls.leads_dir, lead["email"])

    @staticmethod
    def read(m, rel):
        with open(m.path(rel), "rb") as f:
            return f.read()

    @classmethod
    def grep(cls, m):
        """grep -r over the leads folder, its lines sorted."""
        r = MountTest.sh(cls, "grep -r '\"first_name\"' %s" % cls.leads_dir, cwd=m.dir)
        return sorted(r.splitlines())

    def stats(self):
        return self.sh("cat .instantlyfs/stats", cwd=self.m.dir)

    def test_ls_cat_and_grep_give_the_stored_bytes(self):
        m = self.m
        self.assertEqual(sorted(os.listdir(m.path("campaigns"))), self.seen["campaigns"])
        self.assertEqual(sorted(os.listdir(m.path(self.leads_dir))), self.seen["leads"])
        self.assertEqual(self.read(m, self.lead_path(self.leads[7])), self.seen["lead"])
        self.assertEqual(os.stat(m.path(self.lead_path(self.leads[7]))).st_size,
                         len(self.seen["lead"]))
        self.assertEqual(self.read(m, "campaigns/%s/campaign.json" % self.big["id"]),
                         self.seen["campaign"])
        self.assertEqual(self.read(m, "campaigns/%s/status" % self.big["id"]),
                         self.seen["status"])
        self.assertEqual(self.grep(m), self.seen["grep"])

    def test_stats_and_the_log_say_the_api_is_unreachable(self):
        os.listdir(self.m.path(self.leads_dir))
        self.read(self.m, self.lead_path(self.leads[3]))
        stats = self.stats()
        self.assertGreater(stat_value(stats, "offline_reads"), 0, stats)
        self.assertEqual(stat_value(stats, "offline"), 1, stats)
        log = self.m.read_log()
        self.assertEqual(log.count("API unreachable: serving stored data"), 1, log[-4000:])
        self.assertNotIn("API reachable again", log)
        self.assertIn("could not be reached", self.sh("cat .instantlyfs/errors", cwd=self.m.dir))

    def test_a_folder_never_listed_fails_with_eio(self):
        rc, _, err = self.run_tool_in("ls accounts")
        self.assertNotEqual(rc, 0)
        self.assertIn("Input/output error", err)

    def test_a_write_fails_changes_nothing_and_keeps_its_text(self):
        lead = self.leads[11]
        name = same_length_change(lead["first_name"])
        rc, _, err = self.run_tool_in(
            "sed -i 's/\"first_name\": \"%s\"/\"first_name\": \"%s\"/' %s"
            % (lead["first_name"], name, self.lead_path(lead)))
        self.assertNotEqual(rc, 0)
        self.assertIn("Input/output error", err)
        rc, _, err = self.run_tool_in("/bin/echo paused > campaigns/%s/status" % self.big["id"])
        self.assertNotEqual(rc, 0)
        kept = self.rejected()
        self.assertTrue(any(('"first_name": "%s"' % name) in t for t in kept.values()), kept)
        self.assertIn("paused\n", kept.values())
        # Nothing held was dropped: the lead still reads as stored.
        text = self.read(self.m, self.lead_path(lead)).decode()
        self.assertEqual(json.loads(text)["first_name"], lead["first_name"])
        self.assertEqual(self.read(self.m, "campaigns/%s/status" % self.big["id"]),
                         self.seen["status"])
        errors = self.sh("cat .instantlyfs/errors", cwd=self.m.dir)
        self.assertRegex(errors, r"PATCH /api/v2/leads/\S+ -> .*could not be reached")

    def rejected(self):
        folder = self.m.path(".instantlyfs", "rejected")
        out = {}
        for name in os.listdir(folder):
            with open(os.path.join(folder, name)) as f:
                out[name] = f.read()
        return out

    def run_tool_in(self, cmd):
        """run_tool with the offline mount as cwd."""
        r = run_bounded(cmd, shell=True, cwd=self.m.dir,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def test_zz_reads_are_fresh_once_the_api_is_back(self):
        # Last (by name): the API comes back, on the same address.
        lead = self.leads[7]
        self.assertEqual(self.read(self.m, self.lead_path(lead)), self.seen["lead"])
        back = Fake(tempfile.mkdtemp(dir=self.dir), ["--seed", SEED, "--port", str(self.port)])
        try:
            self.assertEqual(back.port, self.port)
            name = same_length_change(lead["first_name"])
            back.call("POST", "/_fake/edit",
                      {"table": "leads", "id": lead["id"], "set": {"first_name": name}})
            wait_for(lambda: json.loads(self.read(self.m, self.lead_path(lead)))
                     ["first_name"] == name, timeout=60, what="the new name")
            self.assertIn('"first_name": "%s"' % name,
                          self.sh("grep -r '\"first_name\"' %s" % self.leads_dir,
                                  cwd=self.m.dir))
            stats = self.stats()
            self.assertEqual(stat_value(stats, "offline"), 0, stats)
            self.assertIn("API reachable again", self.m.read_log())
        finally:
            back.stop()


class ConnectionsDroppedTest(MountTest):
    """The API goes away while the mount runs (the fake resets every
    connection) and comes back: what memory holds is read stale meanwhile,
    whether or not there is a store, and fresh once it answers again."""

    mount_opts = ["cache_ttl=1", "retries=1"]

    def setUp(self):
        state = self.fake.state()
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads_dir = "campaigns/%s/leads" % self.big["id"]
        self.lead = sorted((l for l in state["leads"] if l.get("campaign") == self.big["id"]),
                           key=lambda l: l["email"])[5]
        self.lead_path = "%s/%s.json" % (self.leads_dir, self.lead["email"])

    def tearDown(self):
        self.fake.clear_faults()

    def cat(self, rel):
        with open(self.mnt.path(rel), "rb") as f:
            return f.read()

    def test_memory_is_read_while_connections_drop_then_fresh(self):
        names = sorted(os.listdir(self.mnt.path(self.leads_dir)))
        before = self.cat(self.lead_path)
        self.fake.faults(rules=[{"path_prefix": "/api/v2/", "action": "reset",
                                 "count": -1}])
        # What is held expires (cache_ttl=1) and is asked for again: the
        # request meets the reset, and the read gets the bytes held.  No
        # read fails meanwhile.
        # Each try waits out its retry's backoff; on a machine busy with a
        # suite under faults that took more than 20 s once.
        wait_for(lambda: self.cat(self.lead_path) == before and
                 stat_value(self.sh("cat .instantlyfs/stats"), "offline") == 1,
                 timeout=60, what="the API to be found unreachable")
        self.assertEqual(sorted(os.listdir(self.mnt.path(self.leads_dir))), names)
        self.assertEqual(self.cat(self.lead_path), before)
        stats = self.sh("cat .instantlyfs/stats")
        self.assertEqual(stat_value(stats, "offline"), 1, stats)
        self.assertGreater(stat_value(stats, "offline_reads"), 0, stats)
        self.assertIn("API unreachable: serving stored data", self.mnt.read_log())
        # Back: a change made meanwhile shows.
        name = same_length_change(self.lead["first_name"])
        self.fake.call("POST", "/_fake/edit",
                       {"table": "leads", "id": self.lead["id"], "set": {"first_name": name}})
        self.fake.clear_faults()
        wait_for(lambda: json.loads(self.cat(self.lead_path))["first_name"] == name,
                 timeout=60, what="the new name")
        self.assertEqual(stat_value(self.sh("cat .instantlyfs/stats"), "offline"), 0)
        self.assertIn("API reachable again", self.mnt.read_log())


if __name__ == "__main__":
    unittest.main()
