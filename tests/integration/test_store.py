"""The mirror on disk: remounts within the TTL cost no request, the store is
private and the workspace's own, a refresh or an expiry fetches again, a
mount killed mid-listing leaves nothing half-written, the inbox is synced
once, and -o cache=memory writes nothing."""
import os
import signal
import stat
import subprocess
import tempfile
import time
import unittest

from harness import MEMORY_ONLY, SEED, Fake, Mount, MountTest, wait_for
from test_emails import inbox

WS = "01a0f755-f200-70ff-8000-000000000001"     # the test seed's workspace


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class StoreTest(MountTest):
    """Each test mounts and remounts in a folder of its own."""

    fake_args = ["--seed", SEED]

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="instantlyfs-store-", dir=self.tmp)
        state = self.fake.state()
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads = "campaigns/%s/leads" % self.big["id"]

    def mount(self, *opts, fake=None):
        return Mount(self.dir, (fake or self.fake).url, list(opts))

    def grep(self, m):
        """grep -r over the leads; returns the requests it cost."""
        self.fake.reset_stats()
        out = self.sh("grep -rl '\"email\"' %s | wc -l" % self.leads, cwd=m.dir)
        self.assertEqual(int(out), 250)
        return self.fake.total()

    def test_a_remount_within_the_ttl_costs_no_request(self):
        m = self.mount()
        try:
            self.assertGreater(self.grep(m), 0)
        finally:
            self.assertEqual(m.unmount(), 0)
        m = self.mount()
        try:
            self.assertCount(self.grep(m), 0, self.fake.requests())
            self.assertIn("store_hits", self.sh("cat .instantlyfs/stats", cwd=m.dir))
        finally:
            self.assertEqual(m.unmount(), 0)

    def test_two_mounts_of_one_workspace_share_the_store(self):
        shared = os.path.join(self.dir, "shared")
        mounts = [Mount(tempfile.mkdtemp(dir=self.dir), self.fake.url,
                        ["cache_dir=" + shared]) for _ in range(2)]
        try:
            # Both list and read at once, each writing the one store.
            greps = [subprocess.Popen(
                "grep -rl '\"email\"' %s | wc -l" % self.leads, shell=True,
                cwd=m.dir, stdout=subprocess.PIPE, text=True) for m in mounts]
            for g in greps:
                out, _ = g.communicate(timeout=120)
                self.assertEqual(int(out), 250)
            self.assertEqual(len(os.listdir(shared)), 2)   # workspaces, the store
        finally:
            codes = [m.unmount() for m in mounts]
        self.assertEqual(codes, [0, 0])
        for m in mounts:
            self.assertNotIn("store:", m.read_log())
        m = Mount(tempfile.mkdtemp(dir=self.dir), self.fake.url, ["cache_dir=" + shared])
        try:
            self.assertCount(self.grep(m), 0, self.fake.requests())
        finally:
            self.assertEqual(m.unmount(), 0)

    def test_an_expired_or_refreshed_store_is_fetched_again(self):
        m = self.mount("cache_ttl=1")
        try:
            self.grep(m)
        finally:
            m.unmount()
        time.sleep(1.5)
        m = self.mount("cache_ttl=1")
        try:
            self.assertCount(self.grep(m), 4, self.fake.requests())
        finally:
            m.unmount()
        m = self.mount()
        try:
            with open(m.path(".instantlyfs", "refresh"), "w") as f:
                f.write("1\n")
        finally:
            m.unmount()
        m = self.mount()
        try:
            self.assertCount(self.grep(m), 4, self.fake.requests())
        finally:
            m.unmount()

    def test_the_store_is_private_and_the_workspaces_own(self):
        m = self.mount()
        try:
            self.grep(m)
        finally:
            m.unmount()
        folder = os.path.join(self.dir, "cache", WS)
        self.assertEqual(stat.S_IMODE(os.stat(folder).st_mode), 0o700)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.join(folder, "store.db")).st_mode),
                         0o600)
        # Another workspace at the same cache folder gets a store of its own.
        other = Fake(self.dir, ["--demo"])
        try:
            m = Mount(self.dir, other.url, [])
            try:
                names = os.listdir(m.path("campaigns"))
                self.assertNotIn(self.big["id"], names)
            finally:
                m.unmount()
        finally:
            other.stop()
        self.assertEqual(len(os.listdir(os.path.join(self.dir, "cache"))), 3,
                         os.listdir(os.path.join(self.dir, "cache")))

    def test_cache_memory_writes_nothing(self):
        m = self.mount("cache=memory")
        try:
            self.grep(m)
        finally:
            m.unmount()
        self.assertFalse(os.path.exists(os.path.join(self.dir, "cache")))

    def test_a_mount_killed_mid_listing_leaves_nothing_half_written(self):
        m = self.mount()
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/leads/list",
                                 "action": "slow", "ms": 4000, "skip": 1, "count": 1}])
        reader = subprocess.Popen(["ls", m.path(*self.leads.split("/"))],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: self.fake.requests().get("POST /api/v2/leads/list", 0) >= 2,
                     what="the second page")
            self.kill(m, reader)
        finally:
            self.fake.clear_faults()
        m = self.mount()
        try:
            self.assertEqual(len(os.listdir(m.path(*self.leads.split("/")))), 250)
        finally:
            self.assertEqual(m.unmount(), 0)

    def kill(self, m, user):
        """kill -9 of the mount while user (a process) waits on it."""
        m.proc.send_signal(signal.SIGKILL)
        m.proc.wait(30)
        subprocess.run(["umount", "-f", m.dir], stderr=subprocess.DEVNULL)
        user.wait(30)
        subprocess.run(["fusermount3", "-u", "-z", m.dir], stderr=subprocess.DEVNULL)
        m.log.close()

    def test_a_mount_killed_mid_import_creates_nothing_twice(self):
        self.addCleanup(self.fake.call, "POST", "/_fake/state", self.fake.state())
        m = self.mount()
        self.assertEqual(len(os.listdir(m.path(*self.leads.split("/")))), 250)
        src = os.path.join(self.dir, "import.csv")
        with open(src, "w") as f:
            f.write("email,first_name\n" + "".join(
                "k%04d@killed.example,K%d\n" % (i, i) for i in range(1500)))
        # The first batch is made, the mount dies before it learns so.
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/leads/add",
                                 "action": "late", "ms": 4000, "count": 1}])
        self.fake.reset_stats()
        writer = subprocess.Popen(["cp", src, "campaigns/%s/import" % self.big["id"]],
                                  cwd=m.dir, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: self.fake.requests().get("POST /api/v2/leads/add", 0) >= 1,
                     what="the first batch")
            self.kill(m, writer)
        finally:
            self.fake.clear_faults()
        made = [l for l in self.fake.state()["leads"]
                if (l.get("email") or "").endswith("@killed.example")]
        self.assertEqual(len(made), 1000)       # one batch, once
        m = self.mount()     # well within the TTL
        try:
            self.fake.reset_stats()
            names = os.listdir(m.path(*self.leads.split("/")))
            self.assertEqual(len(names), 1250)  # what the server holds
            self.assertEqual(len(set(names)), 1250)
            self.assertCount(self.fake.requests().get("POST /api/v2/leads/add", 0), 0)
        finally:
            self.assertEqual(m.unmount(), 0)

    def test_a_mount_killed_mid_commit_serves_nothing_stored_as_fresh(self):
        m = self.mount()
        name = sorted(os.listdir(m.path(*self.leads.split("/"))))[3]
        lead = os.path.join(self.leads, name)
        self.assertIn('"first_name"', self.sh("cat " + lead, cwd=m.dir))
        # The server makes the change, and the mount dies before it learns.
        self.fake.faults(rules=[{"method": "PATCH", "path_prefix": "/api/v2/leads/",
                                 "action": "late", "ms": 4000, "count": 1}])
        self.fake.reset_stats()
        writer = subprocess.Popen(
            ["sed", "-i", 's/"first_name": "[^"]*"/"first_name": "Killed"/', lead],
            cwd=m.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for(lambda: self.fake.requests().get("PATCH /api/v2/leads/{id}", 0) >= 1,
                     what="the PATCH")
            self.kill(m, writer)
        finally:
            self.fake.clear_faults()
        m = self.mount()     # well within the TTL
        try:
            self.assertIn('"first_name": "Killed"', self.sh("cat " + lead, cwd=m.dir))
            self.assertIn("ended without closing", m.read_log())
        finally:
            self.assertEqual(m.unmount(), 0)


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class InboxSyncTest(MountTest):
    """After the first walk of the inbox, a later mount fetches only what
    is newer than the newest message stored."""

    def test_a_remount_fetches_only_the_new_messages(self):
        state = inbox(self.fake.state(), 250)
        for e in state["emails"]:
            e["is_unread"] = 1
        self.fake.call("POST", "/_fake/state", state)
        d = tempfile.mkdtemp(prefix="instantlyfs-inbox-", dir=self.tmp)
        m = Mount(d, self.fake.url, ["cache_ttl=1"])
        try:
            self.fake.reset_stats()
            self.assertEqual(len(set(os.listdir(m.path("emails"))) -
                                 {"unread", "threads", "unread_count", "maildir", "outbox"}), 250)
            self.assertCount(self.fake.requests().get("GET /api/v2/emails", 0), 3)
        finally:
            m.unmount()
        newest = dict(state["emails"][0], id="01a0f755-f200-7e3a-8000-999999999999",
                      timestamp_created="2027-01-01T00:00:00.000Z",
                      timestamp_email="2027-01-01T00:00:00.000Z")
        state["emails"].insert(0, newest)
        # Read elsewhere meanwhile: a recent message (re-checked by the one
        # page the remount fetches anyway) and an old one (not re-checked:
        # it keeps its stored mark until the inbox is listed whole again).
        recent, old = state["emails"][5], state["emails"][200]
        recent["is_unread"] = old["is_unread"] = 0
        self.fake.call("POST", "/_fake/state", state)
        time.sleep(1.5)
        m = Mount(d, self.fake.url, ["cache_ttl=1"])
        try:
            self.fake.reset_stats()
            names = set(os.listdir(m.path("emails")))
            self.assertIn(newest["id"], names)
            self.assertEqual(len(names - {"unread", "threads", "unread_count", "maildir", "outbox"}), 251)
            unread = set(os.listdir(m.path("emails/unread")))
            self.assertFalse(recent["id"] in unread, "a message read elsewhere is still unread")
            self.assertIn(newest["id"], unread)
            self.assertIn(state["emails"][6]["id"], unread)
            self.assertEqual(len(unread), 250)
            self.assertCount(self.fake.requests().get("GET /api/v2/emails", 0), 1,
                             self.fake.requests())
        finally:
            m.unmount()
