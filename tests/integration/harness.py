"""Integration test harness: a fake Instantly API and a real mount.

Each test class gets a fresh fake server (tests/fake/fake_instantly.py)
and an instantlyfs mount in a temporary directory; tests drive the mount
with the tools users use (ls, cat, grep, find, jq, ...) through
subprocess and check the fake's state and request counts through its
control endpoints.  Under SANITIZED=1 the mount's stderr is checked for
sanitizer reports after unmount.

Under INSTANTLYFS_PROXY=prism (tests/spec/run.sh) each test class's fake
gets Stoplight Prism in proxy mode in front of it and the mount talks to
Prism, which checks every request and response against the official spec
(--errors: a violation fails the request).  fake.url stays the fake itself:
the control endpoints (/_fake/...), the gateway prefix (/instantly/...) and
the connections control host are not in the spec, so what tests build from
fake.url bypasses Prism.  Prism's log goes to INSTANTLYFS_PROXY_LOGS.

Under INSTANTLYFS_FAULTS=1 (tests/faults/run.sh) each test class's fake
injects random faults (429s, 5xx before and after the work, resets, slow
answers; FAULT_ARGS, seeded from the class name so a run can be repeated,
plus INSTANTLYFS_FAULT_SEED when set, for other faults)
and its mount gets FAULT_MOUNT_OPTS; the classes of NO_FAULTS are left
alone.  Request counts are not checked then (assertCount): a retried
request legitimately changes them.  What must hold is the final state,
which tests/faults/compare.py compares with a fault-free run's.

INSTANTLYFS_STATE_DIR names a folder where each test class, when it ends,
leaves the fake's final state (GET /_fake/state), its request statistics
(GET /_fake/stats, summed over the tests' resets) and its mount's log as
<module>.<Class>.state.json, .stats.json and .mount.log.
"""
import collections
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request
import zlib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FAKE = os.path.join(ROOT, "tests", "fake", "fake_instantly.py")
SEED = os.path.join(ROOT, "tests", "fake", "seed-test.json")
BINARY = os.environ.get("INSTANTLYFS", os.path.join(ROOT, "build", "instantlyfs"))
KEY = "test-key-0123456789abcdef"
SANITIZED = os.environ.get("SANITIZED") == "1"
VALGRIND = os.environ.get("VALGRIND") == "1"
PROXY = os.environ.get("INSTANTLYFS_PROXY", "")
PROXY_LOGS = os.environ.get("INSTANTLYFS_PROXY_LOGS", "")
PRISM = os.path.join(ROOT, "tests", "spec", "node_modules", ".bin", "prism")
SPEC = os.path.join(ROOT, "..", "shared", "instantly-openapi.json")
FAULTS = os.environ.get("INSTANTLYFS_FAULTS") == "1"
# Options added to every mount; cache=memory there turns the store off for
# the whole run, and the tests of the store skip.
MOUNT_OPTS = [x for x in os.environ.get("INSTANTLYFS_MOUNT_OPTS", "").split(",") if x]
MEMORY_ONLY = "cache=memory" in MOUNT_OPTS
STATE_DIR = os.environ.get("INSTANTLYFS_STATE_DIR", "")
# Added to every class's fault seed: another number, other faults.
FAULT_SEED = int(os.environ.get("INSTANTLYFS_FAULT_SEED", "0"))

# What the fake of a test class injects under INSTANTLYFS_FAULTS=1: about
# one request in four fails or is slow, so every test meets several.
FAULT_ARGS = ["--rate-429", "0.2", "--rate-5xx", "0.05", "--rate-reset", "0.02",
              "--rate-slow", "0.02", "--slow-ms", "300"]
# Mount options under INSTANTLYFS_FAULTS=1.  They come after the class's
# own, so that a class lowering retries for its own injected faults still
# rides out the random ones.
FAULT_MOUNT_OPTS = ["retries=10"]

# Test classes whose mount talks to the fake directly even under
# INSTANTLYFS_PROXY, and why.
NO_PROXY = {
    "ServerErrorTest": "injects answers the spec cannot describe: status codes "
                       "it does not list, HTML and truncated bodies",
    "NeverTwiceTest": "injects lost answers and resets, which Prism would turn "
                      "into answers of its own, and a 500 the spec does not list",
    "AfterTheWorkTest": "injects 5xx answers the spec does not list, and resets, "
                        "after the work is done",
    "HostileBodiesTest": "injects a 50 MB answer of a shape the spec does not "
                         "allow, which Prism would read whole and refuse",
    "ConnectionsDroppedTest": "resets every connection, which Prism would turn "
                              "into answers of its own (the API is then there)",
    "HostileMailTest": "serves emails whose ids are not UUIDs (paths, dots, 300 "
                       "bytes), which the spec does not allow and Prism refuses",
    "RefusedByTheApiTest": "gets a 400 from the API for an edit of a subsequence, "
                           "which the spec does not list for PATCH /subsequences/{id}",
    "CustomStatusTest": "serves leads whose lt_interest_status is a custom label's "
                        "value, which the spec's description allows and its Lead "
                        "enum (the built-in values only) does not, so Prism refuses",
    "LabelConflictTest": "answers 409 to a label name taken in another case, a "
                         "status the spec does not list for PATCH /lead-labels/{id}",
    "WebhookRefusedByApiTest": "sends an event_type the spec does not allow, on "
                               "purpose, to prove the API's refusal is kept; "
                               "Prism would answer it itself",
    "WebhookLostAnswerTest": "injects lost answers (a 502 the spec does not list "
                             "and a reset) after the work is done",
}

# The classes of test_boot.py mount outside the harness (through mount(8),
# an fstab line, the systemd unit's command lines, the installed package)
# against a fake of their own that talks to the mount directly and injects
# nothing: what they prove is how a system starts and stops the mount.
BOOT_CLASSES = {
    "MountHelperTest": "mounts through mount(8) and mount.fuse3",
    "FstabTest": "mounts through an fstab line",
    "SystemdUnitTest": "runs the systemd unit's command lines",
    "DebPackageTest": "installs the package and mounts with it",
}
NO_PROXY.update({k: v + ", outside the harness" for k, v in BOOT_CLASSES.items()})

# Test classes whose fake injects no random faults even under
# INSTANTLYFS_FAULTS, and why.
NO_FAULTS = {
    "RateLimitTest": "proves the mount sends no request the server must refuse "
                     "with 429, which injected 429s make meaningless",
    "StopTest": "times the end of a mount against bounds of a few seconds, which "
                "random slow answers and backoffs would blur; the requests it "
                "holds are its own faults",
    "ConnectionsDroppedTest": "resets every connection on purpose to prove offline "
                              "reads; the runs' retries=10 would make each of its "
                              "failing requests wait a minute of backoff",
    "ListingProgressTest": "holds the second page of a listing with a slow answer "
                           "of its own; a random fault on the first page would "
                           "move the hold to it",
}
NO_FAULTS.update({k: v + ", outside the harness, with a fake that injects "
                  "nothing (its state is still dumped and compared)"
                  for k, v in BOOT_CLASSES.items()})


# How long a mount may take to exit after fusermount3 -u (see "Stopping" in
# docs/reliability.md): the product's own bound plus room for a sanitizer's
# or valgrind's exit work.
UNMOUNT_BOUND = 30 if VALGRIND else 15


def faults_for(cls_name):
    """Whether the random faults apply to this test class in this run."""
    return FAULTS and cls_name not in NO_FAULTS


def fault_args(cls_name):
    """The fake's extra arguments for a test class: the random faults with a
    seed of its own, stable from run to run, or none."""
    if not faults_for(cls_name):
        return []
    seed = zlib.crc32(cls_name.encode()) + FAULT_SEED
    return FAULT_ARGS + ["--fault-seed", str(seed)]


def wait_for(pred, timeout=20.0, what="condition"):
    end = time.time() + timeout
    while time.time() < end:
        if pred():
            return
        time.sleep(0.05)
    raise AssertionError("timed out waiting for " + what)


def run_bounded(cmd, timeout=120, **kw):
    """subprocess.run in a process group of its own: when the time runs
    out the whole group is killed, not only the shell, so that no child of
    it is left behind holding the mount (the class's unmount would then
    fail with EBUSY)."""
    with subprocess.Popen(cmd, start_new_session=True, **kw) as p:
        try:
            out, err = p.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.communicate()
            raise
        return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def add_counts(into, counts):
    for k, n in counts.items():
        into[k] = into.get(k, 0) + n


class Prism:
    """Stoplight Prism proxying to upstream and validating both ways."""

    def __init__(self, upstream, log_path):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = "http://127.0.0.1:%d" % port
        self.log = open(log_path, "a")
        cmd = [PRISM, "proxy", SPEC, upstream, "--errors",
               "-p", str(port), "-h", "127.0.0.1"]
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        try:
            wait_for(lambda: self.listening(port), timeout=60, what="prism")
        except Exception:
            self.stop()
            raise

    def listening(self, port):
        if self.proc.poll() is not None:
            raise AssertionError("prism exited (%d): see %s"
                                 % (self.proc.returncode, self.log.name))
        with socket.socket() as s:
            return s.connect_ex(("127.0.0.1", port)) == 0

    def violations(self):
        """Where Prism's log reports a violation or a failed request: each
        line once, without its time, after its count."""
        with open(self.log.name, encoding="utf-8", errors="replace") as f:
            lines = [l.split("\u203a", 1)[-1].strip() for l in f
                     if "Violation:" in l or "Request terminated" in l]
        return ["%4d %s" % (n, l) for l, n in collections.Counter(lines).items()]

    def stop(self):
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        self.log.close()


class Fake:
    """A running fake API server; api_url is where a mount should point
    (a Prism proxy's when prism_log names a log for one)."""

    def __init__(self, tmp, args=(), prism_log=None):
        self.port_file = os.path.join(tmp, "fake.port")
        self.log = open(os.path.join(tmp, "fake.log"), "w")
        cmd = ["python3", FAKE, "--port", "0", "--port-file", self.port_file,
               "--key", KEY] + list(args)
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: os.path.exists(self.port_file)
                 and open(self.port_file).read().strip(), what="fake server")
        self.port = int(open(self.port_file).read().strip())
        self.url = "http://127.0.0.1:%d" % self.port
        self.prism = None
        self.earlier = []       # the stats of each period reset_stats() ended
        if prism_log:
            try:
                self.prism = Prism(self.url, prism_log)
            except Exception:
                self.stop()
                raise
        self.api_url = self.prism.url if self.prism else self.url

    def call(self, method, path, body=None, api=False):
        """A control request, or with api an API request with the key:
        a change made behind the mount's back."""
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.url + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if api:
            req.add_header("Authorization", "Bearer " + KEY)
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
        # Kept first, so that all_stats() still counts what came before.
        self.earlier.append(self.stats())
        self.call("POST", "/_fake/stats/reset", {})

    def all_stats(self):
        """stats() summed over every reset_stats() since the start: what
        the class's tests cost in all."""
        out = {"total": 0, "gateway": 0, "requests": {}, "faults_total": 0, "faults": {}}
        for s in self.earlier + [self.stats()]:
            for k in ("total", "gateway", "faults_total"):
                out[k] += s.get(k, 0)
            add_counts(out["requests"], s.get("requests", {}))
            for route, kinds in s.get("faults", {}).items():
                add_counts(out["faults"].setdefault(route, {}), kinds)
        return out

    def state(self, keys=None):
        return self.call("GET", "/_fake/state" + ("?keys=" + ",".join(keys) if keys else ""))

    def faults(self, **knobs):
        self.call("POST", "/_fake/faults", knobs)

    def clear_faults(self):
        self.call("DELETE", "/_fake/faults")

    def stop(self):
        if self.prism:
            self.prism.stop()
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
        # The API's 20 email listings a minute would make the suite wait
        # for minutes; test_rate.py proves the limiter on its own.
        # Each mount keeps its store in its own folder (never the user's
        # cache), unless the test says otherwise; INSTANTLYFS_MOUNT_OPTS
        # adds options to every mount (cache=memory for one CI run).
        o = ["api_url=" + api_url, "email_rate_min=0",
             "cache_dir=" + os.path.join(tmp, "cache")] + list(opts) + MOUNT_OPTS
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

    def unmount(self, bound=None):
        """Unmounts with fusermount3 -u and waits for the process to exit;
        returns its exit status.  When either goes wrong it says why, with
        what still held the mount, the mount's last log lines and what
        each of its threads was doing, then unmounts lazily and kills the
        process so that the suite can go on."""
        bound = bound or UNMOUNT_BOUND
        r = subprocess.run(["fusermount3", "-u", self.dir], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=60)
        if r.returncode != 0:
            report = ["fusermount3 -u %s exited %d: %s" % (
                self.dir, r.returncode, r.stderr.decode(errors="replace").strip()),
                "processes using the mount:\n" + holders(self.dir)]
            self.abandon(report)
        try:
            self.proc.wait(bound)
        except subprocess.TimeoutExpired:
            self.abandon(["instantlyfs did not exit within %g s of the unmount" % bound])
        self.log.close()
        return self.proc.returncode

    def abandon(self, report):
        """Gives up on a clean end: reports, then ends mount and process."""
        report += ["threads of instantlyfs (pid %d):\n%s" % (self.proc.pid, threads(self.proc.pid)),
                   "last lines of %s:\n%s" % (self.log_path, tail(self.log_path))]
        subprocess.run(["fusermount3", "-u", "-z", self.dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()
        self.log.close()
        raise AssertionError("\n".join(report))


def log_problems(log):
    """What a mount's log shows went wrong in the mount: sanitizer reports."""
    return [m for m in ("AddressSanitizer", "runtime error:", "LeakSanitizer")
            if m in log]


def holders(path):
    """Which processes have path, or something under it, as their working
    folder, root, executable, an open file or a mapping: what makes an
    unmount fail with EBUSY."""
    out = []
    under = lambda p: p == path or p.startswith(path + "/")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        uses = []
        for what in ("cwd", "root", "exe"):
            try:
                if under(os.readlink("/proc/%s/%s" % (pid, what))):
                    uses.append(what)
            except OSError:
                pass
        try:
            for fd in os.listdir("/proc/%s/fd" % pid):
                try:
                    target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
                except OSError:
                    continue
                if under(target):
                    uses.append("fd %s: %s" % (fd, target))
        except OSError:
            pass
        try:
            with open("/proc/%s/maps" % pid, errors="replace") as f:
                mapped = {l.split(None, 5)[5].strip() for l in f if len(l.split(None, 5)) == 6}
            uses += ["mapped: " + m for m in sorted(mapped) if under(m)]
        except OSError:
            pass
        if uses:
            out.append("  %s %s: %s" % (pid, cmdline(pid), "; ".join(uses)))
    return "\n".join(out) or "  none found"


def cmdline(pid):
    try:
        with open("/proc/%s/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


def threads(pid):
    """Each thread's name, state, wait channel and kernel stack; then, when
    gdb is installed, every thread's user-space backtrace."""
    out = []
    try:
        tids = sorted(os.listdir("/proc/%d/task" % pid), key=int)
    except OSError:
        return "  (gone)"
    for tid in tids:
        base = "/proc/%d/task/%s/" % (pid, tid)
        fields = []
        for name in ("comm", "wchan", "stat", "stack"):
            try:
                with open(base + name) as f:
                    text = f.read().strip()
            except OSError:
                continue
            if name == "stat":
                text = "state " + text.rsplit(")", 1)[-1].split()[0]
            fields.append(text if name != "stack" else "\n      " + text.replace("\n", "\n      "))
        out.append("  %s: %s" % (tid, " ".join(fields)))
    if shutil.which("gdb"):
        try:
            r = subprocess.run(["gdb", "-batch", "-nx", "-p", str(pid),
                                "-ex", "thread apply all bt"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=60)
            out.append(r.stdout.decode(errors="replace"))
        except subprocess.TimeoutExpired:
            out.append("  (gdb timed out)")
    return "\n".join(out)


def tail(path, n=40):
    try:
        with open(path, errors="replace") as f:
            return "".join(collections.deque(f, n))
    except OSError as e:
        return "(%s)" % e


def dump_state(name, fake, log_path=None):
    """Leaves in STATE_DIR, when set, the fake's final state and statistics
    as <name>.state.json and .stats.json (and the mount's log as
    <name>.mount.log), whatever became of the tests; a dump that fails
    only says so on stderr, so that it never hides the error of a test or
    of the unmount (and the comparison then misses the class and fails)."""
    if not STATE_DIR:
        return
    try:
        os.makedirs(STATE_DIR, exist_ok=True)
        if log_path:
            shutil.copy(log_path, os.path.join(STATE_DIR, name + ".mount.log"))
        for what, get in (("state", fake.state), ("stats", fake.all_stats)):
            data = get()
            out = os.path.join(STATE_DIR, "%s.%s.json" % (name, what))
            with open(out + ".tmp", "w") as f:
                json.dump(data, f, indent=1, sort_keys=True, ensure_ascii=False)
            os.replace(out + ".tmp", out)
    except Exception as e:      # noqa: BLE001 - reported, never raised
        print("harness: no state dump of %s: %r" % (name, e), file=sys.stderr)


class MountTest(unittest.TestCase):
    """Base class: one fake and one mount per test class."""

    fake_args = ["--seed", SEED]
    mount_opts = []

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="instantlyfs-test-")
        prism_log = None
        if PROXY == "prism" and cls.__name__ not in NO_PROXY:
            prism_log = os.path.join(PROXY_LOGS or cls.tmp, cls.__name__ + ".prism.log")
        cls.fake = Fake(cls.tmp, list(cls.fake_args) + fault_args(cls.__name__), prism_log)
        opts = list(cls.mount_opts)
        if faults_for(cls.__name__):
            opts += FAULT_MOUNT_OPTS
        try:
            cls.mnt = Mount(cls.tmp, cls.fake.api_url, opts)
        except Exception:
            cls.fake.stop()
            raise

    @classmethod
    def tearDownClass(cls):
        try:
            rc = cls.mnt.unmount()
        finally:
            # After the unmount, which sends what was still pending.
            cls.dump_fake()
            cls.fake.stop()     # and its Prism, even if the unmount failed
        log = cls.mnt.read_log()
        if cls.fake.prism and PROXY_LOGS:
            shutil.copy(cls.mnt.log_path,
                        os.path.join(PROXY_LOGS, cls.__name__ + ".mount.log"))
        violations = cls.fake.prism.violations() if cls.fake.prism else []
        problems = log_problems(log)
        if VALGRIND and rc != 0:
            problems.append("valgrind (exit %d)" % rc)
        if not problems and rc == 0:
            shutil.rmtree(cls.tmp, ignore_errors=True)
        if problems:
            raise AssertionError("%s in mount log:\n%s" % (", ".join(problems), log[-8000:]))
        if violations:
            raise AssertionError("prism reports violations:\n" + "\n".join(violations))

    @classmethod
    def dump_fake(cls):
        """Leaves the fake's state and statistics in STATE_DIR (see
        dump_state), with the mount's log."""
        dump_state("%s.%s" % (cls.__module__, cls.__name__), cls.fake, cls.mnt.log_path)

    def assertCount(self, actual, expected, msg=None):
        """assertEqual for a request count.  Under random faults it checks
        nothing: a retried or recovered request changes the counts, and
        what must hold then is the final state, compared separately."""
        if not faults_for(type(self).__name__):
            self.assertEqual(actual, expected, msg)

    def assertCountAtMost(self, actual, most, msg=None):
        """assertLessEqual for a request count; nothing under random faults."""
        if not faults_for(type(self).__name__):
            self.assertLessEqual(actual, most, msg)

    def sh(self, cmd, check=True, cwd=None):
        """Runs a shell command with the mount as cwd; returns stdout."""
        r = run_bounded(cmd, shell=True, cwd=cwd or self.mnt.dir,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        if check and r.returncode != 0:
            raise AssertionError("%r failed (%d): %s" % (cmd, r.returncode,
                                                         r.stderr.decode(errors="replace")))
        return r.stdout.decode()

    def write_errno(self, path, text, flags=os.O_WRONLY | os.O_TRUNC | os.O_CREAT):
        """Writes text to path (under the mount) with one open, one write
        and one close; the errno of whichever failed, or 0."""
        try:
            fd = os.open(self.mnt.path(path), flags, 0o644)
        except OSError as e:
            return e.errno
        try:
            os.write(fd, text.encode())
        except OSError as e:
            os.close(fd)
            return e.errno
        try:
            os.close(fd)
        except OSError as e:
            return e.errno
        return 0

    def run_tool(self, cmd):
        """Runs a shell command; returns (status, stdout, stderr)."""
        r = run_bounded(cmd, shell=True, cwd=self.mnt.dir,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        return r.returncode, r.stdout.decode(), r.stderr.decode()

    def refresh(self):
        with open(self.mnt.path(".instantlyfs", "refresh"), "w") as f:
            f.write("1\n")
        # Let the kernel's 1 s attribute cache run out too.
        time.sleep(1.1)

    def pretty(self, obj):
        return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
