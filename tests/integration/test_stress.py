"""8 concurrent readers and 4 concurrent writers for a bounded number of
rounds: no crash, no deadlock, and the final state is what the writers
did."""
import json
import subprocess
import threading
import time

from harness import MountTest, SEED, run_bounded

ROUNDS = 6


class StressTest(MountTest):
    fake_args = ["--seed", SEED]
    mount_opts = ["cache_ttl=1"]

    def run_bounded(self, cmd):
        r = run_bounded(cmd, shell=True, cwd=self.mnt.dir, stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE)
        return r.returncode, r.stderr.decode()

    def test_readers_and_writers_together(self):
        state = self.fake.state()
        big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        leads_dir = "campaigns/%s/leads" % big["id"]
        mine = sorted((l for l in state["leads"] if l.get("campaign") == big["id"]
                       and (l.get("email") or "").startswith("big1")),
                      key=lambda l: l["email"])
        errors = []

        def reader(n):
            cmds = ["grep -rl bigcorp %s >/dev/null" % leads_dir,
                    "find . -maxdepth 3 >/dev/null",
                    "cat campaigns/*/campaign.json >/dev/null",
                    "ls -l emails >/dev/null"]
            for i in range(ROUNDS):
                rc, err = self.run_bounded(cmds[(n + i) % len(cmds)])
                # A file replaced (sed -i) or removed between listing and
                # opening it vanishes under the reader, as on any
                # filesystem; anything else is a failure.
                odd = [line for line in err.splitlines()
                       if "No such file" not in line and "Stale file handle" not in line]
                if rc not in (0, 1, 2) or odd:
                    errors.append(("reader", n, rc, odd))

        def writer(n):
            for i in range(ROUNDS):
                lead = mine[n * ROUNDS + i]
                path = "%s/%s.json" % (leads_dir, lead["email"])
                rc, err = self.run_bounded(
                    "sed -i 's/\"last_name\": \"[^\"]*\"/\"last_name\": \"W%d-%d\"/' '%s'"
                    % (n, i, path))
                if rc:
                    errors.append(("edit", n, i, err))
                rc, err = self.run_bounded("touch %s/stress-%d-%d@stress.example.json"
                                           % (leads_dir, n, i))
                if rc:
                    errors.append(("create", n, i, err))
                if i % 2:
                    rc, err = self.run_bounded("rm %s/stress-%d-%d@stress.example.json"
                                               % (leads_dir, n, i))
                    if rc:
                        errors.append(("rm", n, i, err))

        threads = [threading.Thread(target=reader, args=(n,)) for n in range(8)]
        threads += [threading.Thread(target=writer, args=(n,)) for n in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(300)
        self.assertFalse([t for t in threads if t.is_alive()], "deadlock")
        self.assertEqual(errors, [])
        time.sleep(1.5)  # pending deletes (tomb.h)
        final = {l["id"]: l for l in self.fake.state()["leads"]}
        for n in range(4):
            for i in range(ROUNDS):
                lead = mine[n * ROUNDS + i]
                self.assertEqual(final[lead["id"]]["last_name"], "W%d-%d" % (n, i))
                made = [l for l in final.values()
                        if l.get("email") == "stress-%d-%d@stress.example" % (n, i)]
                self.assertEqual(len(made), 0 if i % 2 else 1, (n, i))
        # The mount still answers and agrees with the server.
        self.refresh()
        shown = json.loads(self.sh("cat '%s/%s.json'" % (leads_dir, mine[0]["email"])))
        self.assertEqual(shown["last_name"], "W0-0")
