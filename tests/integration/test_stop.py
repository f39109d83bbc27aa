"""The end of a mount is prompt whatever is under way.

A stop begins when the kernel ends the connection (here `umount -f`, which
aborts it while readers still hold the mount, and `fusermount3 -u` once
nothing does) or on SIGTERM.  Reads that wait in the rate limiter, on a
request the API holds, or between the polls of a verification are dropped
at once; writes under way and pending deletes get -o stop_timeout, then
are dropped, and the log says what was not done (docs/reliability.md,
"Stopping").  Each test times the process from the stop to its exit.
"""
import os
import signal
import subprocess
import tempfile
import time

from harness import SEED, VALGRIND, Mount, MountTest, log_problems, wait_for

# Seconds from a stop to the process's exit when only reads are under
# way: the mount's own bound is a tick (0.1 s) and its exit; the rest is
# room for a loaded machine, or for memcheck's slower ticks and exit.
STOP_BOUND = 6.0 if VALGRIND else 2.0
# A request the fake holds: far longer than any bound here, shorter than
# the mount's own 60 s request timeout.
HOLD_MS = 45000


class StopTest(MountTest):
    """Each test makes a mount of its own; the class's mount is unused."""

    fake_args = ["--seed", SEED]

    def setUp(self):
        self.state = self.fake.state()
        self.campaign = next(c for c in self.state["campaigns"]
                             if c["name"] == "Big Campaign")
        self.readers = []

    def tearDown(self):
        for r in self.readers:
            if r.poll() is None:
                r.kill()
                r.wait()
        self.fake.clear_faults()

    def mount(self, *opts):
        return Mount(tempfile.mkdtemp(prefix="instantlyfs-stop-", dir=self.tmp),
                     self.fake.url, list(opts))

    def read_in_background(self, m, *paths):
        for p in paths:
            self.readers.append(subprocess.Popen(
                ["cat", m.path(*p.split("/"))], stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE))

    def days(self, n):
        """n analytics files of the campaign, each its own request."""
        return ["campaigns/%s/analytics/2026-10-%02d..2026-10-%02d/daily.csv"
                % (self.campaign["id"], d, d) for d in range(1, n + 1)]

    def hold(self, method, prefix, ms=HOLD_MS):
        self.fake.faults(rules=[{"method": method, "path_prefix": prefix,
                                 "action": "slow", "ms": ms}])

    def stop(self, m, how):
        """Stops m by SIGTERM or by aborting its connection; returns the
        seconds until the process exited, having checked that it exited
        cleanly and that every reader has ended."""
        start = time.time()
        if how == "sigterm":
            m.proc.send_signal(signal.SIGTERM)
        else:
            # umount -f aborts the connection first, then finds the mount
            # still in use by the readers: "target is busy" is expected.
            subprocess.run(["umount", "-f", m.dir], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
        try:
            m.proc.wait(STOP_BOUND * 5)
        except subprocess.TimeoutExpired:
            m.abandon(["instantlyfs did not exit within %g s of the stop (%s)"
                       % (STOP_BOUND * 5, how)])
        took = time.time() - start
        for r in self.readers:
            r.wait(STOP_BOUND * 5)
        subprocess.run(["fusermount3", "-u", "-z", m.dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        m.log.close()
        self.assertEqual(m.proc.returncode, 0, m.read_log()[-2000:])
        self.assertEqual(log_problems(m.read_log()), [], m.read_log()[-8000:])
        return took

    def rate_waits(self, m):
        with open(m.path(".instantlyfs", "stats")) as f:
            for line in f:
                if line.startswith("rate_waits "):
                    return int(line.split()[1])
        return 0

    def reads_waiting_in_the_rate_limiter(self, how):
        # The campaign's folder is listed first, so each reader costs one
        # request, its day's analytics; at one a second, they queue.
        m = self.mount("rate=1")
        os.listdir(m.path("campaigns", self.campaign["id"], "analytics"))
        self.fake.reset_stats()
        self.read_in_background(m, *self.days(8))
        wait_for(lambda: self.rate_waits(m) >= 6, what="readers waiting for the limiter")
        took = self.stop(m, how)
        self.assertLess(took, STOP_BOUND, m.read_log()[-2000:])
        # Those still waiting were never sent.
        self.assertLess(self.fake.total(), 5)

    def test_sigterm_ends_reads_waiting_in_the_rate_limiter(self):
        self.reads_waiting_in_the_rate_limiter("sigterm")

    def test_abort_ends_reads_waiting_in_the_rate_limiter(self):
        self.reads_waiting_in_the_rate_limiter("abort")

    def one_waiting_read(self, m, how, path, waiting, what):
        """Starts one reader of path, waits until waiting() says it is
        where the test wants it, stops m, and checks the reader failed
        and the process exited within the bound."""
        self.fake.reset_stats()
        self.read_in_background(m, path)
        wait_for(waiting, what=what)
        took = self.stop(m, how)
        self.assertLess(took, STOP_BOUND, m.read_log()[-2000:])
        self.assertNotEqual(self.readers[0].returncode, 0)

    def a_read_the_api_holds(self, how):
        m = self.mount()
        os.listdir(m.path("campaigns"))
        self.hold("GET", "/api/v2/campaigns/analytics")
        self.one_waiting_read(m, how, self.days(1)[0],
                              lambda: self.fake.total() >= 1, "the held request")

    def test_sigterm_ends_a_read_the_api_holds(self):
        self.a_read_the_api_holds("sigterm")

    def test_abort_ends_a_read_the_api_holds(self):
        self.a_read_the_api_holds("abort")

    def a_verification_being_polled(self, how):
        self.fake.faults(verify_pending_polls=1000)
        polls = lambda: self.fake.requests().get("GET /api/v2/email-verification/{email}", 0)
        self.one_waiting_read(self.mount(), how, "verify/still.pending@example.com",
                              lambda: polls() >= 1, "the first poll")

    def test_sigterm_ends_a_verification_poll(self):
        self.a_verification_being_polled("sigterm")

    def test_abort_ends_a_verification_poll(self):
        self.a_verification_being_polled("abort")

    def leads(self, prefix, n):
        return [l for l in self.state["leads"] if l.get("campaign") == self.campaign["id"]
                and (l.get("email") or "").startswith(prefix)][:n]

    def remaining(self, leads):
        ids = {l["id"] for l in self.fake.state()["leads"]}
        return [l["email"] for l in leads if l["id"] in ids]

    def test_unmount_sends_the_pending_deletes_then_exits(self):
        m = self.mount()
        gone = self.leads("big05", 5)
        for l in gone:
            os.remove(m.path("campaigns", self.campaign["id"], "leads", l["email"] + ".json"))
        start = time.time()
        self.assertEqual(m.unmount(), 0)
        self.assertEqual(log_problems(m.read_log()), [], m.read_log()[-8000:])
        self.assertLess(time.time() - start, STOP_BOUND, m.read_log()[-2000:])
        self.assertEqual(self.remaining(gone), [])

    def test_unmount_gives_pending_deletes_the_grace_then_logs_what_was_not_done(self):
        # The first DELETE is held past the 1 s grace; the other two wait
        # for it (one request a second) and are never sent.
        m = self.mount("stop_timeout=1", "rate=1")
        kept = self.leads("big06", 3)
        self.hold("DELETE", "/api/v2/leads", ms=4000)
        self.fake.reset_stats()
        for l in kept:
            os.remove(m.path("campaigns", self.campaign["id"], "leads", l["email"] + ".json"))
        start = time.time()
        self.assertEqual(m.unmount(), 0)
        self.assertEqual(log_problems(m.read_log()), [], m.read_log()[-8000:])
        self.assertLess(time.time() - start, 1 + STOP_BOUND, m.read_log()[-2000:])
        log = m.read_log()
        self.assertEqual(log.count("-> outcome unknown: the mount stopped before the answer"), 1, log)
        self.assertEqual(log.count("-> not sent: the mount stopped before it could be sent"), 2, log)
        self.assertEqual(log.count("the mount stopped before the delete was confirmed"), 3, log)
        # The held one lands when the fake lets it go; the others stay.
        wait_for(lambda: len(self.remaining(kept)) == 2, what="the held delete to land")
        self.assertEqual(self.fake.requests().get("DELETE /api/v2/leads/{id}", 0), 1)

    def test_sigterm_gives_a_write_the_grace_then_fails_its_close(self):
        m = self.mount("stop_timeout=1")
        lead = self.leads("big07", 1)[0]
        path = m.path("campaigns", self.campaign["id"], "leads", lead["email"] + ".json")
        with open(path) as f:
            text = f.read().replace('"first_name": "%s"' % lead["first_name"],
                                    '"first_name": "Graceless"')
        self.hold("PATCH", "/api/v2/leads", ms=4000)
        edited = os.path.join(self.tmp, "edited.json")
        with open(edited, "w") as f:
            f.write(text)
        # cp, unlike a shell's redirection, reports a failed close.
        writer = subprocess.Popen(["cp", edited, path], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE)
        self.readers.append(writer)
        wait_for(lambda: self.fake.requests().get("PATCH /api/v2/leads/{id}"), what="the PATCH")
        took = self.stop(m, "sigterm")
        self.assertLess(took, 1 + STOP_BOUND, m.read_log()[-2000:])
        self.assertNotEqual(writer.returncode, 0)
        self.assertIn("outcome unknown: the mount stopped before the answer", m.read_log())
        # The fake carries the held PATCH out when it lets it go.
        wait_for(lambda: next(l for l in self.fake.state()["leads"]
                              if l["id"] == lead["id"])["first_name"] == "Graceless",
                 what="the held PATCH to land")
