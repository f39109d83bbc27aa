"""Keys and access: the key never shows, TLS is always verified, and
only the mounting user can read the mount."""
import glob
import os
import resource
import signal
import subprocess
import tempfile
import time
import unittest

from harness import BINARY, KEY, VALGRIND, Fake, Mount, MountTest, SEED, wait_for


def cores_allowed():
    resource.setrlimit(resource.RLIMIT_CORE,
                       (resource.RLIM_INFINITY, resource.RLIM_INFINITY))


class KeyHygieneTest(MountTest):
    mount_opts = ["verbose"]

    def test_key_is_in_no_command_line_log_or_error_line_even_when_echoed(self):
        self.fake.faults(rules=[{"method": "GET", "path_prefix": "/api/v2/campaigns",
                                 "action": "status", "status": 401, "count": 1,
                                 "message": "bad key " + KEY}])
        self.run_tool("ls campaigns; cat workspace.json; ls -R emails | head")
        self.fake.clear_faults()
        self.sh("ls campaigns >/dev/null")
        with open("/proc/%d/cmdline" % self.mnt.proc.pid, "rb") as f:
            self.assertNotIn(KEY.encode(), f.read())
        log = self.mnt.read_log()
        self.assertIn("debug: api:", log)  # the log really is at its most verbose
        self.assertNotIn(KEY, log)
        errors = self.sh("cat .instantlyfs/errors")
        self.assertIn("-> 401", errors)
        self.assertNotIn(KEY, errors)
        self.assertNotIn(KEY, self.sh("cat .instantlyfs/stats"))

    def test_another_user_cannot_read_the_mount(self):
        r = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                            "ls", self.mnt.dir], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("Permission denied", r.stderr.decode())


class CoreTest(MountTest):
    """A mount that crashes leaves no core file holding the key."""

    def crash(self, cmd, cwd, env=None, ready=lambda: True):
        """Starts cmd in cwd with core files allowed, SIGABRTs it once
        ready; returns the core files then made in its working folder
        (libfuse moves a mount's to /)."""
        start = time.time() - 1
        p = subprocess.Popen(cmd, cwd=cwd, env=env, preexec_fn=cores_allowed,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        where = cwd
        try:
            wait_for(ready, what="process")
            where = os.readlink("/proc/%d/cwd" % p.pid)
        finally:
            p.send_signal(signal.SIGABRT)
            p.wait(30)
        made = [c for c in glob.glob(os.path.join(where, "core*"))
                if os.path.getmtime(c) >= start]
        for c in made:
            os.unlink(c)
        return made

    @unittest.skipIf(VALGRIND, "valgrind writes core files of its own")
    def test_a_crashed_mount_leaves_no_core_file(self):
        control = tempfile.mkdtemp(prefix="instantlyfs-core-", dir=self.tmp)
        with open("/proc/sys/kernel/core_pattern") as f:
            pattern = f.read().strip()
        if pattern.startswith("|") or "/" in pattern or \
                not self.crash(["sleep", "60"], control):
            self.skipTest("this machine writes no core file in the working "
                          "folder (core_pattern %r)" % pattern)
        cwd = tempfile.mkdtemp(prefix="instantlyfs-core-", dir=self.tmp)
        mnt = os.path.join(cwd, "mnt")
        os.mkdir(mnt)
        env = dict(os.environ, INSTANTLY_API_KEY=KEY)
        cmd = [BINARY, "-f", "-o", "api_url=%s,cache=memory" % self.fake.api_url, mnt]

        def listed():
            try:
                return "by-name" in os.listdir(os.path.join(mnt, "campaigns"))
            except OSError:
                return False
        try:
            cores = self.crash(cmd, cwd, env, ready=listed)
        finally:
            subprocess.run(["fusermount3", "-u", "-z", mnt], stderr=subprocess.DEVNULL)
        self.assertEqual(cores, [])


class TlsTest(MountTest):
    """A fake serving HTTPS with a self-signed certificate."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="instantlyfs-tls-", dir=self.tmp)
        self.cert = os.path.join(self.dir, "cert.pem")
        self.key = os.path.join(self.dir, "key.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", self.key, "-out", self.cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.tls = Fake(self.dir, ["--seed", SEED, "--tls-cert", self.cert,
                                   "--tls-key", self.key])
        self.url = "https://127.0.0.1:%d" % self.tls.port

    def tearDown(self):
        self.tls.stop()

    def test_self_signed_server_is_refused_without_cafile(self):
        m = Mount(self.dir, self.url, ["retries=0"])
        try:
            rc, _, err = self.run_tool("ls %s/campaigns" % m.dir)
            self.assertNotEqual(rc, 0)
            self.assertIn("Input/output error", err)
            with open(os.path.join(m.dir, ".instantlyfs", "errors")) as f:
                self.assertIn("certificate", f.read().lower())
        finally:
            m.unmount()

    def test_self_signed_server_works_with_its_cafile(self):
        m = Mount(self.dir, self.url, ["cafile=" + self.cert])
        try:
            self.assertIn("by-name", os.listdir(os.path.join(m.dir, "campaigns")))
        finally:
            m.unmount()
