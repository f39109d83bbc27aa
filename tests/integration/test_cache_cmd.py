"""instantlyfs cache info|clear and -o cache_size: what the stores hold,
removing one (never while a mount uses it, never through a symbolic link),
and a store kept under its cap by evicting the least recently used
objects."""
import os
import sqlite3
import subprocess
import tempfile
import unittest

from harness import faults_for, BINARY, MEMORY_ONLY, SEED, Fake, Mount, MountTest

WS = "01a0f755-f200-70ff-8000-000000000001"     # the test seed's workspace


def cache_cmd(*args):
    """Runs instantlyfs cache ARGS; returns (status, stdout, stderr)."""
    r = subprocess.run([BINARY, "cache"] + list(args), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, timeout=60)
    return r.returncode, r.stdout.decode(), r.stderr.decode()


class StoreDirTest(MountTest):
    """Each test mounts and remounts in a folder of its own."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="instantlyfs-cachecmd-", dir=self.tmp)
        self.cache = os.path.join(self.dir, "cache")

    def mount(self, *opts, fake=None):
        return Mount(self.dir, (fake or self.fake).url, list(opts))


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class CacheCmdTest(StoreDirTest):

    def setUp(self):
        super().setUp()
        state = self.fake.state()
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads = "campaigns/%s/leads" % self.big["id"]

    def grep(self, m):
        """grep -r over the leads; returns the requests it cost."""
        self.fake.reset_stats()
        out = self.sh("grep -rl '\"email\"' %s | wc -l" % self.leads, cwd=m.dir)
        self.assertEqual(int(out), 250)
        return self.fake.total()

    def test_info_lists_the_workspace_and_its_listings_with_their_entries(self):
        m = self.mount()
        try:
            self.grep(m)
            rc, out, err = cache_cmd("info", "--cache-dir", self.cache)
            self.assertEqual(rc, 0, err)
            self.assertIn("workspace %s  (in use by a mount)" % WS, out)
        finally:
            self.assertEqual(m.unmount(), 0)
        rc, out, err = cache_cmd("info", "--cache-dir", self.cache)
        self.assertEqual(rc, 0, err)
        self.assertIn("store root: " + self.cache, out)
        self.assertIn("workspace " + WS + "\n", out)
        lines = [l for l in out.splitlines() if "POST /api/v2/leads/list" in l
                 and self.big["id"] in l]
        self.assertEqual(len(lines), 1, out)
        self.assertRegex(lines[0], r" 250 entries  \d+s$")
        self.assertRegex(out, r"objects: [1-9]\d* ")
        self.assertTrue(any(l.strip().startswith("GET /api/v2/campaigns")
                            and "entries" in l for l in out.splitlines()), out)
        # Read-only: nothing made where there was nothing.
        missing = os.path.join(self.dir, "none")
        rc, out, _ = cache_cmd("info", "--cache-dir", missing)
        self.assertEqual(rc, 0)
        self.assertIn("no store", out)
        self.assertFalse(os.path.exists(missing))

    def test_clear_refuses_while_mounted_then_a_remount_fetches_again(self):
        m = self.mount()
        try:
            first = self.grep(m)
            for args in ([], ["--workspace", WS]):
                rc, out, err = cache_cmd("clear", "--cache-dir", self.cache, *args)
                self.assertEqual(rc, 1, out)
                self.assertIn(WS, err)
                self.assertIn("in use", err)
            self.assertTrue(os.path.exists(os.path.join(self.cache, WS, "store.db")))
            # The mount goes on using its store.
            self.assertCount(self.grep(m), 0)
        finally:
            self.assertEqual(m.unmount(), 0)
        rc, out, err = cache_cmd("clear", "--cache-dir", self.cache)
        self.assertEqual(rc, 0, err)
        self.assertIn("removed the store of workspace " + WS, out)
        self.assertFalse(os.path.exists(os.path.join(self.cache, WS)))
        m = self.mount()
        try:
            self.assertCount(self.grep(m), first, self.fake.requests())
        finally:
            self.assertEqual(m.unmount(), 0)

    def test_clear_workspace_clears_just_that_one(self):
        m = self.mount()
        try:
            self.grep(m)
        finally:
            m.unmount()
        other = Fake(self.dir, ["--demo"])
        try:
            m = self.mount(fake=other)
            try:
                os.listdir(m.path("campaigns"))
            finally:
                m.unmount()
        finally:
            other.stop()
        stores = [d for d in os.listdir(self.cache) if d not in ("workspaces",)]
        self.assertEqual(len(stores), 2, stores)
        rc, out, err = cache_cmd("clear", "--workspace", WS, "--cache-dir", self.cache)
        self.assertEqual(rc, 0, err)
        left = [d for d in os.listdir(self.cache) if d != "workspaces"]
        self.assertEqual(len(left), 1)
        self.assertNotEqual(left[0], WS)
        self.assertTrue(os.path.exists(os.path.join(self.cache, left[0], "store.db")))
        rc, out, err = cache_cmd("info", "--cache-dir", self.cache)
        self.assertNotIn(WS, out)
        self.assertIn(left[0], out)
        rc, _, err = cache_cmd("clear", "--workspace", WS, "--cache-dir", self.cache)
        self.assertEqual(rc, 1)
        self.assertIn("no store of workspace " + WS, err)
        rc, _, _ = cache_cmd("clear", "--workspace", "../x", "--cache-dir", self.cache)
        self.assertEqual(rc, 2)

    def test_clear_never_follows_a_symbolic_link(self):
        outside = os.path.join(self.dir, "outside")
        os.makedirs(outside)
        with open(os.path.join(outside, "store.db"), "w") as f:
            f.write("not ours\n")
        os.makedirs(os.path.join(self.cache, "ws-real"))
        os.symlink(outside, os.path.join(self.cache, "ws-link"))
        os.symlink(os.path.join(outside, "store.db"),
                   os.path.join(self.cache, "ws-real", "store.db"))
        for args in ([], ["--workspace", "ws-link"]):
            cache_cmd("clear", "--cache-dir", self.cache, *args)
        self.assertTrue(os.path.exists(os.path.join(outside, "store.db")))
        self.assertTrue(os.path.islink(os.path.join(self.cache, "ws-link")))


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class CacheSizeTest(StoreDirTest):
    """-o cache_size=1 over 2,500 leads (about 2.5 MB of objects): the
    store stays near 1 MB, and a remount is served from it for what was
    used last, while what was used least recently is fetched again."""

    fake_args = ["--seed", SEED, "--leads", "2500"]
    CAP = 1 << 20

    def setUp(self):
        super().setUp()
        state = self.fake.state()
        camp = state["campaigns"][0]["id"]
        self.leads = ["campaigns", camp, "leads"]
        self.names = {l["id"]: l["email"] + ".json" for l in state["leads"]
                      if l.get("campaign") == camp}
        self.db = os.path.join(self.cache, WS, "store.db")

    def read(self, m, names):
        """Reads each file; returns the requests it cost."""
        self.fake.reset_stats()
        for n in names:
            with open(m.path(*self.leads, n), "rb") as f:
                f.read()
        return self.fake.total()

    def stored(self):
        """The names of the leads the store holds, least recently used
        first."""
        with sqlite3.connect("file:%s?mode=ro" % self.db, uri=True) as db:
            keys = [k for (k,) in db.execute("SELECT key FROM blobs ORDER BY used")]
        return [self.names[k.rsplit("/", 1)[1]] for k in keys
                if "/" in k and k.rsplit("/", 1)[1] in self.names]

    def size(self):
        wal = self.db + "-wal"
        return os.path.getsize(self.db) + (os.path.getsize(wal) if os.path.exists(wal) else 0)

    def test_the_store_keeps_the_most_recently_used_objects_under_its_cap(self):
        m = self.mount("cache_size=1")
        try:
            names = os.listdir(m.path(*self.leads))
            self.assertGreater(len(names), 2500)
            self.read(m, names)
        finally:
            self.assertEqual(m.unmount(), 0)
        self.assertLess(self.size(), self.CAP * 1.15)
        kept = self.stored()
        self.assertGreater(len(kept), 100)
        self.assertLess(len(kept), len(names) / 2)
        # The most recently used of what is kept, used again: from the
        # store; then some read that was not kept, which may make it evict.
        # (Not the least recently used: the store is at its cap, so the
        # first write of this mount, even the note of a read's time, may
        # evict them before they are read.)
        newest = kept[-20:]
        gone = [n for n in names if n not in set(kept)][:len(kept) // 2]
        m = self.mount("cache_size=1")
        try:
            self.assertCount(self.read(m, newest), 0, self.fake.requests())
            self.assertCount(self.read(m, gone), len(gone), self.fake.requests())
        finally:
            self.assertEqual(m.unmount(), 0)
        self.assertLess(self.size(), self.CAP * 1.15)
        # Whatever it evicted, it evicted the least recently used first:
        # what it keeps is the end of the order of use.
        now = set(self.stored())
        order = [n for n in kept if n not in newest] + newest + gone
        held = [n in now for n in order]
        first = held.index(True)
        self.assertTrue(all(held[first:]), "an object kept, one used after it evicted")
        self.assertTrue(set(newest) <= now)
        oldest = kept[:20]
        m = self.mount("cache_size=1")
        try:
            # Used in the last mount: kept.  Not used since the first: gone
            # if it was evicted, fetched again then.  The reads of `newest`
            # are a write (their use), after which the store may evict
            # again, the least recently used first: oldest.  So those held
            # at the end of the last mount may be gone by now, and only the
            # ones it had evicted are sure to cost a request.
            self.assertCount(self.read(m, newest), 0, self.fake.requests())
            fetched = self.read(m, oldest)
            if not faults_for(type(self).__name__):
                self.assertGreaterEqual(fetched, sum(n not in now for n in oldest))
                self.assertLessEqual(fetched, len(oldest))
        finally:
            self.assertEqual(m.unmount(), 0)
