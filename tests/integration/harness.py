"""Integration test harness: a fake Instantly API and a real mount.

Each test class gets a fresh fake server (tests/fake/fake_instantly.py)
and an instantlyfs mount in a temporary directory; tests drive the mount
with the tools users use (ls, cat, grep, find, jq, ...) through
subprocess and check the fake's state and request counts through its
control endpoints.  Under SANITIZED=1 the mount's stderr is checked for
sanitizer reports after unmount.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
import urllib.request

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE = os.path.join(ROOT, "tests", "fake", "fake_instantly.py")
SEED = os.path.join(ROOT, "tests", "fake", "seed-test.json")
BINARY = os.environ.get("INSTANTLYFS", os.path.join(ROOT, "build", "instantlyfs"))
KEY = "test-key-0123456789abcdef"
SANITIZED = os.environ.get("SANITIZED") == "1"


def wait_for(pred, timeout=20.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


class Fake:
    """A running fake API server."""

    def __init__(self, tmp, args=()):
        self.port_file = os.path.join(tmp, "fake.port")
        self.log = open(os.path.join(tmp, "fake.log"), "w")
        cmd = ["python3", FAKE, "--port", "0", "--port-file", self.port_file,
               "--key", KEY] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.port_file)
                 and open(self.port_file).read().strip(), what="fake server")
        self.port = int(open(self.port_file).read().strip())
        self.url = "http://127.0.0.1:%d" % self.port

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(req, timeout=30) as r:
            text = r.read()
        return json.loads(text) if text else None

    def stats(self):
        return self.call("GET", "/_fake/stats")

    def requests(self):
        """Requests by route since the last reset."""
        return self.stats().get("requests", {})

    def total(self):
        return self.stats().get("total", 0)

    def reset_stats(self):
        self.call("POST", "/_fake/stats/reset", {})

    def state(self):
        return self.call("GET", "/_fake/state")

    def faults(self, **knobs):
        self.call("POST", "/_fake/faults", knobs)

    def clear_faults(self):
        self.call("DELETE", "/_fake/faults")

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Mount:
    """instantlyfs mounted in the foreground against a fake."""

    def __init__(self, tmp, api_url, opts=(), env=None):
        self.dir = os.path.join(tmp, "mnt")
        os.makedirs(self.dir, exist_ok=True)
        self.log_path = os.path.join(tmp, "mount.log")
        self.log = open(self.log_path, "w")
        e = dict(os.environ)
        e.pop("MATON_API_KEY", None)
        e["INSTANTLY_API_KEY"] = KEY
        if env:
            e.update(env)
        o = ["api_url=" + api_url] + list(opts)
        cmd = [BINARY, "-f", "-o", ",".join(o), self.dir]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        wait_for(self.mounted, what="mount")

    def mounted(self):
        if self.proc.poll() is not None:
            raise AssertionError("instantlyfs exited: " + self.read_log())
        with open("/proc/self/mountinfo") as f:
            return any((" " + self.dir + " ") in line for line in f)

    def path(self, *parts):
        return os.path.join(self.dir, *parts)

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def unmount(self):
        subprocess.run(["fusermount3", "-u", self.dir], check=False,
                       stderr=subprocess.DEVNULL)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
            raise AssertionError("instantlyfs did not exit after unmount")
        self.log.close()
        return self.proc.returncode


class MountTest(unittest.TestCase):
    """Base class: one fake and one mount per test class."""

    fake_args = ["--seed", SEED]
    mount_opts = []

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="instantlyfs-test-")
        cls.fake = Fake(cls.tmp, cls.fake_args)
        try:
            cls.mnt = Mount(cls.tmp, cls.fake.url, cls.mount_opts)
        except Exception:
            cls.fake.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        rc = cls.mnt.unmount()
        cls.fake.stop()
        log = cls.mnt.read_log()
        problems = [m for m in ("AddressSanitizer", "runtime error:", "LeakSanitizer")
                    if m in log]
        if not problems and rc == 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("sanitizer report in mount log:\n" + log[-8000:])

    def sh(self, cmd, check=True, cwd=None):
        """Runs a shell command with the mount as cwd; returns stdout."""
        r = subprocess.run(cmd, shell=True, cwd=cwd or self.mnt.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        if check and r.returncode != 0:
            raise AssertionError("%r failed (%d): %s" % (cmd, r.returncode,
                                                         r.stderr.decode(errors="replace")))
        return r.stdout.decode()

    def run_tool(self, cmd):
        """Runs a shell command; returns (status, stdout, stderr)."""
        r = subprocess.run(cmd, shell=True, cwd=self.mnt.dir,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           timeout=120)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def refresh(self):
        with open(self.mnt.path(".instantlyfs", "refresh"), "w") as f:
            f.write("1\n")
        # Let the kernel's 1 s attribute cache run out too.
        time.sleep(1.1)

    def pretty(self, obj):
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
