"""What the shell and the usual tools see: writes refused at write() (bash's
echo and printf report them), generated files with their real size (stat,
test -s, tail -f), and the progress of an import while it runs (pv, a pipe)."""
import os
import signal
import subprocess

from shlex import quote as shq

from harness import SEED, MountTest, wait_for


class RefusedAtWriteTest(MountTest):
    """A text already known to be wrong fails at write(): bash's built-in
    echo and printf, which ignore close(), report it."""

    fake_args = ["--seed", SEED]

    def setUp(self):
        state = self.fake.state()
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads = sorted((l for l in state["leads"] if l.get("campaign") == self.big["id"]),
                            key=lambda l: l["email"])
        self.account = sorted(a["email"] for a in state["accounts"])[0]

    def bash(self, script):
        return self.run_tool("bash -c %s" % shq(script))

    def writes(self):
        return {k: v for k, v in self.fake.requests().items() if not k.startswith("GET")
                and k != "POST /api/v2/leads/list"}

    def assert_refused_at_write(self, script, kept):
        rejected = set(os.listdir(self.mnt.path(".instantlyfs", "rejected")))
        self.fake.reset_stats()
        rc, _, err = self.bash(script)
        self.assertEqual(rc, 1, err)
        self.assertIn("write error: Invalid argument", err)
        self.assertCount(self.writes(), {})
        new = set(os.listdir(self.mnt.path(".instantlyfs", "rejected"))) - rejected
        self.assertEqual(len(new), 1, new)
        with open(self.mnt.path(".instantlyfs", "rejected", new.pop()), "rb") as f:
            self.assertEqual(f.read(), kept)

    def test_bash_echo_of_a_word_status_does_not_take(self):
        status = "campaigns/%s/status" % self.big["id"]
        before = self.sh("cat " + status)
        self.assert_refused_at_write("echo bogus > " + status, b"bogus\n")
        self.assertIn('takes "active" or "paused", not "bogus"',
                      self.sh("cat .instantlyfs/errors"))
        self.assertEqual(self.sh("cat " + status), before)

    def test_bash_echo_of_a_word_warmup_does_not_take(self):
        self.assert_refused_at_write("echo on > accounts/%s/warmup" % self.account, b"on\n")
        self.assertIn('takes "enabled" or "disabled", not "on"',
                      self.sh("cat .instantlyfs/errors"))

    def test_bash_printf_of_broken_json(self):
        lead = self.leads[0]
        path = "campaigns/%s/leads/%s.json" % (self.big["id"], lead["email"])
        before = self.sh("cat " + shq(path))
        self.assert_refused_at_write("printf '{ not json' > " + shq(path), b"{ not json")
        self.assertIn("expected a string (a key) at line 1, column 3",
                      self.sh("cat .instantlyfs/errors"))
        self.assertEqual(self.sh("cat " + shq(path)), before)

    def test_bash_append_of_a_second_object(self):
        # >> continues the text the file holds: a second object after it
        # can never make one JSON text.
        lead = self.leads[2]
        path = "campaigns/%s/leads/%s.json" % (self.big["id"], lead["email"])
        before = self.sh("cat " + shq(path)).encode()
        self.assert_refused_at_write("echo '{\"phone\": \"1\"}' >> " + shq(path),
                                     before + b'{"phone": "1"}\n')
        self.assertIn("text after the JSON value", self.sh("cat .instantlyfs/errors"))

    def test_a_json_text_written_in_pieces_is_judged_whole(self):
        # Each piece is the start of a valid text: nothing is refused
        # before the close, which sends the edit.
        lead = self.leads[1]
        path = shq("campaigns/%s/leads/%s.json" % (self.big["id"], lead["email"]))
        self.fake.reset_stats()
        rc, _, err = self.bash("exec 3>%s; printf '{\"job_title\": ' >&3; "
                               "printf '\"Chief Shell Officer\"}' >&3; exec 3>&-" % path)
        self.assertEqual(rc, 0, err)
        server = next(l for l in self.fake.state()["leads"] if l["id"] == lead["id"])
        self.assertEqual(server["job_title"], "Chief Shell Officer")

    def test_a_word_without_its_line_end_is_judged_at_close(self):
        # printf without a newline: the write cannot tell yet; the close
        # refuses it (bash does not check close), and nothing is sent.
        status = "campaigns/%s/status" % self.big["id"]
        self.fake.reset_stats()
        rc, _, err = self.bash("printf bogus2 > " + status)
        self.assertEqual(rc, 0, err)
        self.assertIn('not "bogus2"', self.sh("cat .instantlyfs/errors"))
        self.assertCount(self.writes(), {})

    def test_bin_echo_reports_it_once(self):
        status = "campaigns/%s/status" % self.big["id"]
        rc, _, err = self.run_tool("/bin/echo wrong > " + status)
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)


class GeneratedFilesTest(MountTest):
    """.instantlyfs/stats, errors and version behave like files."""

    fake_args = ["--seed", SEED]

    def size(self, name):
        return int(self.sh("stat -c %%s .instantlyfs/%s" % name))

    def cause_an_error(self, word):
        c = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        self.run_tool("/bin/echo %s > campaigns/%s/status" % (word, c["id"]))

    def test_stat_gives_the_size_cat_reads(self):
        self.cause_an_error("sizing")
        for name in ("stats", "errors", "version"):
            with open(self.mnt.path(".instantlyfs", name), "rb") as f:
                text = f.read()
            self.assertGreater(len(text), 0, name)
            # stats changes with every request; errors and version do not here.
            if name != "stats":
                self.assertEqual(self.size(name), len(text), name)
            else:
                self.assertGreater(self.size(name), 0)

    def test_test_s_sees_text(self):
        for name in ("stats", "version"):
            rc, _, _ = self.run_tool("test -s .instantlyfs/%s" % name)
            self.assertEqual(rc, 0, name)

    def test_the_size_of_errors_grows_with_each_error(self):
        before = self.size("errors")
        self.cause_an_error("growing")
        self.assertGreater(self.size("errors"), before)
        self.assertIn("growing", self.sh("cat .instantlyfs/errors"))

    def test_tail_f_follows_new_errors(self):
        self.cause_an_error("before-tail")
        out = os.path.join(self.tmp, "tail.out")
        with open(out, "wb") as f:
            tail = subprocess.Popen(["tail", "-n", "0", "-f", ".instantlyfs/errors"],
                                    cwd=self.mnt.dir, stdout=f, stderr=subprocess.PIPE)
        try:
            self.cause_an_error("after-tail")
            wait_for(lambda: b"after-tail" in open(out, "rb").read(), timeout=30,
                     what="tail -f to print the new error line")
            self.assertNotIn(b"before-tail", open(out, "rb").read())
            self.cause_an_error("second-after")
            wait_for(lambda: b"second-after" in open(out, "rb").read(), timeout=30,
                     what="tail -f to print the second new error line")
        finally:
            tail.send_signal(signal.SIGTERM)
            tail.wait(10)
            tail.stderr.close()


class ImportProgressTest(MountTest):
    """An import is sent while it is written: the first batch reaches the
    API before the writer closes, and `import` shows how far it is."""

    fake_args = ["--seed", SEED]

    def campaign(self, name):
        return next(c for c in self.fake.state()["campaigns"] if c["name"] == name)

    def made(self, domain):
        return [l for l in self.fake.state()["leads"]
                if (l.get("email") or "").endswith("@" + domain)]

    def rows(self, domain, first, n):
        return "".join("r%04d@%s,R%d\n" % (i, domain, i)
                       for i in range(first, first + n)).encode()

    def summary(self, cid):
        return self.sh("cat campaigns/%s/import" % cid)

    def stream_through(self, writer, cid, domain):
        """Feeds 1,500 rows through writer (a shell command reading its
        standard input into the import), checks the progress shown after
        the first 1,000 while it still runs, then ends it."""
        proc = subprocess.Popen(["sh", "-c", writer], cwd=self.mnt.dir, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(b"email,first_name\n" + self.rows(domain, 0, 1200))
            proc.stdin.flush()
            wait_for(lambda: len(self.made(domain)) >= 1000, timeout=60,
                     what="the first batch to reach the API while %r runs" % writer)
            wait_for(lambda: "batches sent 1," in self.summary(cid), timeout=60,
                     what="import to show the first batch sent")
            shown = self.summary(cid)
            self.assertIsNone(proc.poll(), "the writer ended early")
            self.assertIn("in progress: batches sent 1, leads sent 1000", shown)
            self.assertIn("import_in_progress campaigns/%s batches_sent 1 leads_sent 1000"
                          % cid, self.sh("cat .instantlyfs/stats"))
            self.assertEqual(len(self.made(domain)), 1000)   # the rest waits
            _, err = proc.communicate(self.rows(domain, 1200, 300), timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertEqual(proc.returncode, 0, err)
        self.assertEqual(len(self.made(domain)), 1500)
        summary = self.summary(cid)
        self.assertIn("import of 1500 rows", summary)
        self.assertIn("in 2 batches", summary)
        self.assertIn("total: 1500 of 1500 rows sent", summary)
        self.assertNotIn("import_in_progress campaigns/%s " % cid,
                         self.sh("cat .instantlyfs/stats"))

    def test_a_pipe_sends_the_first_batch_before_the_writer_closes(self):
        c = self.campaign("Café Münster ☕")
        self.stream_through("cat > campaigns/%s/import" % c["id"], c["id"], "pipe-imp.example")

    def test_pv_into_import(self):
        c = self.campaign("Duplicate Name")
        self.stream_through("pv -q > campaigns/%s/import" % c["id"], c["id"], "pv-imp.example")

    def test_a_bad_row_fails_the_write_that_completes_it(self):
        # The first batch goes out; the bad row, in a later write, fails
        # that write and nothing after it is sent.
        c = self.campaign("Big Campaign")
        domain = "bad-row-imp.example"
        proc = subprocess.Popen(["sh", "-c", "cat > campaigns/%s/import" % c["id"]],
                                cwd=self.mnt.dir, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            proc.stdin.write(b"email,first_name\n" + self.rows(domain, 0, 1000))
            proc.stdin.flush()
            wait_for(lambda: "batches sent 1," in self.summary(c["id"]), timeout=60,
                     what="import to show the first batch sent")
            _, err = proc.communicate(b"no-at-sign,X\n" + self.rows(domain, 1000, 5),
                                      timeout=120)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("Invalid argument", err.decode())
        self.assertEqual(len(self.made(domain)), 1000)
        self.assertIn("line 1002: email \"no-at-sign\" has no '@'",
                      self.sh("cat .instantlyfs/errors"))
        summary = self.summary(c["id"])
        self.assertIn("later rows were not sent", summary)
        self.assertIn("total: 1000 of 1000 rows sent", summary)


class ListingProgressTest(MountTest):
    """While a big folder is listed for the first time, .instantlyfs/stats
    shows the pages fetched so far."""

    fake_args = ["--seed", SEED]

    def test_stats_shows_the_pages_of_a_listing_in_progress(self):
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        # The second page is answered late: the listing is under way.
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/leads/list",
                                 "action": "slow", "ms": 15000, "skip": 1, "count": 1}])
        ls = subprocess.Popen(["ls", "campaigns/%s/leads" % big["id"]], cwd=self.mnt.dir,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            line = "campaign=%s pages_fetched 1 entries 100" % big["id"]
            wait_for(lambda: line in self.sh("cat .instantlyfs/stats"), timeout=14,
                     what="stats to show the listing's first page")
            self.assertIn("listing_in_progress POST/api/v2/leads/list " + line,
                          self.sh("cat .instantlyfs/stats"))
            out, err = ls.communicate(timeout=120)
        finally:
            self.fake.clear_faults()
            if ls.poll() is None:
                ls.kill()
                ls.wait()
        self.assertEqual(ls.returncode, 0, err)
        self.assertEqual(len(out.split()), 250)
        self.assertNotIn("listing_in_progress POST/api/v2/leads/list campaign=%s" % big["id"],
                         self.sh("cat .instantlyfs/stats"))
