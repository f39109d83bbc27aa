"""What the shell and the usual tools see: writes refused at write() (bash's
echo and printf report them), generated files with their real size (stat,
test -s, tail -f), and the progress of an import while it runs (pv, a pipe)."""
import os
import signal
import subprocess

from harness import SEED, MountTest, wait_for


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
