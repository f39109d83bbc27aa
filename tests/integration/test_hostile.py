"""Hostile answers from the server cannot escape a folder, break ls, or
exhaust memory; hostile writes get a clear errno and send nothing."""
import copy
import os

from harness import MountTest, SEED

HOSTILE = ["../../../etc/passwd", "..", ".", "a/b/../../c", "nul\x00after",
           "tab\tand\nnewline", "\x7fdel", "%2F%2E%2E", "x" * 10240,
           "ünïcödé/../é"]


class HostileNamesTest(MountTest):
    fake_args = ["--seed", SEED]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        state = cls.fake.state()
        base = state["campaigns"][0]
        for i, name in enumerate(HOSTILE):
            c = copy.deepcopy(base)
            c["id"] = "01a0f755-f200-7ca0-8000-%012d" % (900 + i)
            c["name"] = name.replace("\x00", "")
            state["campaigns"].append(c)
        lead = next(l for l in state["leads"] if l.get("campaign") == base["id"])
        for i, name in enumerate(HOSTILE):
            l2 = copy.deepcopy(lead)
            l2["id"] = "01a0f755-f200-71ea-8000-%012d" % (900 + i)
            l2["email"] = name.replace("\x00", "")
            state["leads"].append(l2)
        cls.fake.call("POST", "/_fake/state", state)
        cls.base = base

    def test_every_name_is_one_safe_component(self):
        root = os.path.realpath(self.mnt.dir)
        for d in ("campaigns/by-name", "campaigns/%s/leads" % self.base["id"]):
            names = os.listdir(self.mnt.path(*d.split("/")))
            self.assertGreater(len(names), len(HOSTILE))
            for n in names:
                self.assertNotIn("/", n)
                self.assertNotIn("\x00", n)
                self.assertNotIn(n, (".", ".."))
                self.assertLessEqual(len(n.encode()), 255)
                for ch in n:
                    self.assertFalse(ord(ch) < 0x20 or ord(ch) == 0x7f, repr(n))
                p = os.path.realpath(self.mnt.path(*d.split("/"), n))
                self.assertTrue(p.startswith(root + os.sep), (n, p))

    def test_ls_find_and_grep_work_over_hostile_names(self):
        rc, _, err = self.run_tool("ls -lR campaigns >/dev/null && find campaigns >/dev/null"
                                   " && grep -rc . campaigns/ >/dev/null")
        self.assertEqual((rc, err), (0, ""))

    def test_escaped_names_unescape_to_the_server_name(self):
        names = os.listdir(self.mnt.path("campaigns", "by-name"))
        self.assertIn("..%2F..%2F..%2Fetc%2Fpasswd", names)
        # ".." is also a seed campaign's name: both take the id form.
        self.assertIn("%2E%2E.01a0f755-f200-7ca0-8000-000000000901", names)
        self.assertIn("%2E", names)
        self.assertIn("a%2Fb%2F..%2F..%2Fc", names)
        self.assertIn("tab%09and%0Anewline", names)


class HostileBodiesTest(MountTest):
    fake_args = ["--seed", SEED]
    mount_opts = ["retries=0"]

    def tearDown(self):
        self.fake.clear_faults()

    def test_a_50_mb_answer_is_refused_with_eio_not_memory(self):
        self.fake.faults(rules=[{"method": "GET", "path_prefix": "/api/v2/campaigns",
                                 "action": "huge", "bytes": 50 * 1024 * 1024, "count": 1}])
        rc, _, err = self.run_tool("ls campaigns")
        self.assertIn("Input/output error", err)
        self.assertIn("too large", self.sh("cat .instantlyfs/errors"))
        with open("/proc/%d/status" % self.mnt.proc.pid) as f:
            hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM")][0]
        self.assertLess(hwm, 200 * 1024, "peak memory %d kB" % hwm)
        self.fake.clear_faults()
        self.assertIn("by-name", self.sh("ls campaigns"))


class HostileWritesTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        self.lead = next(l for l in self.fake.state()["leads"]
                         if l.get("campaign") == big["id"] and (l.get("email") or "").startswith("big0"))
        self.path = "campaigns/%s/leads/%s.json" % (big["id"], self.lead["email"])
        self.big = big

    def write(self, data):
        src = os.path.join(self.tmp, "hostile.bin")
        with open(src, "wb") as f:
            f.write(data)
        self.fake.reset_stats()
        return self.run_tool("cp %s '%s'" % (src, self.path))

    def assert_nothing_sent(self):
        writes = [k for k in self.fake.requests() if k.startswith(("PATCH", "DELETE"))
                  or k in ("POST /api/v2/leads",)]
        self.assertCount(writes, [])
        now = next(l for l in self.fake.state()["leads"] if l["id"] == self.lead["id"])
        self.assertEqual(now, self.lead)

    def test_binary_garbage_is_einval(self):
        rc, _, err = self.write(bytes(range(256)) * 64)
        self.assertIn("Invalid argument", err)
        self.assert_nothing_sent()

    def test_deeply_nested_json_is_einval(self):
        rc, _, err = self.write(b'{"payload": ' + b"[" * 5000 + b"]" * 5000 + b"}")
        self.assertIn("Invalid argument", err)
        self.assert_nothing_sent()

    def test_a_huge_file_is_refused_with_bounded_memory(self):
        rc, _, err = self.write(b'{"first_name": "' + b"x" * (80 * 1024 * 1024) + b'"}')
        self.assertNotEqual(rc, 0)
        self.assert_nothing_sent()
        with open("/proc/%d/status" % self.mnt.proc.pid) as f:
            hwm = [int(l.split()[1]) for l in f if l.startswith("VmHWM")][0]
        self.assertLess(hwm, 400 * 1024, "peak memory %d kB" % hwm)

    # An import of more than 1,000,000 rows is sent batch by batch while it
    # is written, and fails at row 1,000,001 (EFBIG) holding one batch at
    # a time: test_import_stream_of_more_rows_than_limit_is_efbig (unit)
    # proves the bound without making a million leads on the fake.
