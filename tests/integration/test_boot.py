"""Mounts made the ways a system makes them: mount(8) and mount.fuse3 with
-t fuse.instantlyfs, an fstab line (mount -T FILE, mount /path), the
systemd user unit of contrib/systemd (systemd-analyze verify, and its
ExecStart and ExecStop lines run as written), the bash completion of
contrib/bash-completion (driven through COMP_WORDS and the function
complete -p names), and the Debian package of "make deb" (lintian, then
dpkg -i, a mount of the demo workspace with /usr/bin/instantlyfs, and
dpkg -r).

mount(8) runs its helpers without PATH, so the shell of mount.fuse3 finds
"instantlyfs" in its default PATH only.  The binary under test is put
there in a mount namespace of the test's own (unshare -m, a folder bound
on /usr/local/sbin; and a temporary fstab bound on /etc/fstab), and what
the mount shows is read inside it.  These tests need root (mount(8),
namespaces, dpkg); they are skipped otherwise."""
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import unittest

from harness import (BINARY, KEY, MOUNT_OPTS, ROOT, SANITIZED, VALGRIND,
                     Fake, dump_state, log_problems, run_bounded, wait_for)

IS_ROOT = os.geteuid() == 0
UNIT = os.path.join(ROOT, "contrib", "systemd", "instantlyfs.service")
COMPLETION = os.path.join(ROOT, "contrib", "bash-completion", "instantlyfs")
FSTAB_EXAMPLE = os.path.join(ROOT, "contrib", "fstab.example")
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
INSTALLED = "/usr/bin/instantlyfs"
# How long a mount may take to go away, or its process to exit.
BOUND = 30 if VALGRIND else 15


def clean_env(**extra):
    """The environment without API keys: keys come from key_file."""
    e = {k: v for k, v in os.environ.items()
         if k not in ("INSTANTLY_API_KEY", "MATON_API_KEY")}
    e.update(extra)
    return e


def write_key(path):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(KEY + "\n")
    os.chmod(path, 0o600)


def mount_line(mnt):
    """The line of /proc/self/mountinfo of mnt, split: fields up to the
    separator, then type, source and super options; None if not mounted."""
    with open("/proc/self/mountinfo") as f:
        for line in f:
            pre, _, post = line.partition(" - ")
            if pre.split()[4] == mnt:
                return pre.split() + post.split()
    return None


def instances(mnt):
    """Pids of the instantlyfs processes serving mnt (an argument equal to
    it; not the shells whose one argument only contains it)."""
    pids = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                args = f.read().decode(errors="replace").split("\0")
        except OSError:
            continue
        if mnt in args and any(os.path.basename(a) == "instantlyfs" for a in args):
            pids.append(int(pid))
    return pids


def wait_gone(mnt):
    """Waits for every process serving mnt to exit (they are not our
    children: a daemon's parent is init)."""
    wait_for(lambda: not instances(mnt), timeout=BOUND,
             what="the instantlyfs process of %s to exit (pids %s)"
             % (mnt, instances(mnt)))


def bin_dir(tmp):
    """A folder holding "instantlyfs", a script that runs the binary under
    test (a script, not a link: tests/valgrind.sh finds its suppressions
    next to itself)."""
    d = os.path.join(tmp, "bin")
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "instantlyfs"), "w") as f:
        f.write("#!/bin/sh\nexec %s \"$@\"\n" % shlex.quote(BINARY))
    os.chmod(os.path.join(d, "instantlyfs"), 0o755)
    return d


def in_namespace(tmp, script, fstab=None):
    """Runs script (sh) in a mount namespace of its own where
    /usr/local/sbin holds only the binary under test and, with fstab,
    /etc/fstab is that file.  Returns the CompletedProcess."""
    setup = ["mount --make-rprivate /",
             "mount --bind %s /usr/local/sbin" % shlex.quote(bin_dir(tmp))]
    if fstab:
        setup.append("mount --bind %s /etc/fstab" % shlex.quote(fstab))
    return run_bounded(["unshare", "-m", "sh", "-c", "\n".join(setup + [script])],
                       timeout=120, env=clean_env(), stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE)


# What a namespace's script records of a mount, into files of $T: the
# exit status and stderr of the mount command, the mount's line of
# mountinfo right after it returned, ls of the root and workspace.json,
# then the status of umount.
PROBE = r"""
T=%(t)s; M=%(m)s
rc=0; %(cmd)s 2>"$T/mount.err" || rc=$?
echo "$rc" >"$T/mount.rc"
grep " $M " /proc/self/mountinfo >"$T/mountinfo" || true
if [ "$rc" = 0 ]; then
	ls "$M" >"$T/ls" 2>&1 || true
	cat "$M/workspace.json" >"$T/workspace.json" 2>&1 || true
	rc=0; umount "$M" || rc=$?
	echo "$rc" >"$T/umount.rc"
fi
"""


class Probe:
    """What PROBE recorded."""

    def __init__(self, tmp):
        self.tmp = tmp

    def text(self, name):
        try:
            with open(os.path.join(self.tmp, name)) as f:
                return f.read()
        except FileNotFoundError:
            return None

    def status(self, name):
        return int(self.text(name).strip())


class RootTest(unittest.TestCase):
    """A fake of the API (the demo workspace or the tests' seed) and a key
    file of mode 0600; tmp is removed when the class passed."""

    fake_args = ["--demo"]

    @classmethod
    def setUpClass(cls):
        if not IS_ROOT:
            raise unittest.SkipTest("needs root: mount(8), mount namespaces, dpkg")
        cls.tmp = tempfile.mkdtemp(prefix="instantlyfs-boot-")
        cls.fake = Fake(cls.tmp, cls.fake_args)
        cls.key_file = os.path.join(cls.tmp, "etc", "key")
        write_key(cls.key_file)

    @classmethod
    def tearDownClass(cls):
        # For make check-faults: a state to compare, the same in both runs.
        dump_state("%s.%s" % (cls.__module__, cls.__name__), cls.fake)
        cls.fake.stop()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def folder(self, name):
        d = tempfile.mkdtemp(prefix=name + "-", dir=self.tmp)
        os.makedirs(os.path.join(d, "mnt"))
        return d, os.path.join(d, "mnt")

    def opts(self, d):
        """The options that point a mount at the fake: URL and store."""
        return ",".join(["api_url=" + self.fake.url,
                         "cache_dir=" + os.path.join(d, "cache")] + MOUNT_OPTS)

    def assert_demo_mounted(self, probe, mnt, source="instantly"):
        """The mount command returned 0 with the mount already there (it
        went to the background once mounted), as fuse.instantlyfs from
        source, the demo workspace readable, and umount ended it all."""
        self.assertEqual(probe.status("mount.rc"), 0, probe.text("mount.err"))
        info = probe.text("mountinfo").split(" - ")
        self.assertEqual(len(info), 2, "not mounted when mount returned: %r" % info)
        fstype, src, sopts = info[1].split()[:3]
        self.assertEqual((fstype, src), ("fuse.instantlyfs", source))
        self.assertIn("allow_other", sopts.split(","))
        self.assertIn("campaigns", probe.text("ls").split())
        self.assertIn('"id"', probe.text("workspace.json"))
        self.assertEqual(probe.status("umount.rc"), 0)
        wait_gone(mnt)


class MountHelperTest(RootTest):
    """mount(8) and mount.fuse3 run the binary under test."""

    def test_mount_t_fuse_instantlyfs_with_key_file_and_allow_other(self):
        d, mnt = self.folder("mount8")
        cmd = "mount -t fuse.instantlyfs instantly %s -o %s" % (
            mnt, shlex.quote("key_file=%s,allow_other,%s" % (self.key_file, self.opts(d))))
        r = in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": cmd})
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_demo_mounted(Probe(d), mnt)

    def test_mount_fuse3_passes_every_option_of_an_fstab_line(self):
        """mount.fuse3 run directly keeps what mount(8) would have taken
        out (x-systemd.*, comment=) and adds dev and suid: instantlyfs
        drops or hands on each of them without failing."""
        d, mnt = self.folder("fuse3")
        opts = ("rw,exec,atime,nodiratime,relatime,lazytime,noauto,_netdev,nofail,users,"
                "x-systemd.automount,x-systemd.idle-timeout=60,comment=x,"
                "defaults,key_file=%s,allow_other,%s" % (self.key_file, self.opts(d)))
        cmd = "mount.fuse3 instantly %s -t fuse.instantlyfs -o %s" % (mnt, shlex.quote(opts))
        r = in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": cmd})
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_demo_mounted(Probe(d), mnt)

    def test_every_option_mount_8_may_pass_is_taken(self):
        """Each option of mount(8)'s list of options for any file system
        (but nosymfollow, which it refuses, and the ones that need a
        value), given to instantlyfs itself: the mount is made."""
        d, mnt = self.folder("every")
        opts = ("async,sync,atime,noatime,diratime,nodiratime,dirsync,dev,nodev,"
                "exec,noexec,iversion,noiversion,mand,nomand,relatime,norelatime,"
                "strictatime,nostrictatime,lazytime,nolazytime,suid,nosuid,silent,"
                "loud,rw,defaults,auto,noauto,user,nouser,users,owner,group,_netdev,"
                "nofail,comment=fstab,x-systemd.automount,x-gvfs-show")
        # Its output goes to a file, not a pipe: the mount goes on in the
        # background, and a process that keeps the pipe open (valgrind
        # keeps a copy of stderr for its own report) would leave a reader
        # of the pipe waiting for its end until the unmount.
        with open(os.path.join(d, "mount.out"), "w+") as out:
            r = run_bounded([BINARY, "-o", "%s,key_file=%s,%s" % (opts, self.key_file,
                                                                  self.opts(d)),
                             "instantly", mnt], timeout=60, env=clean_env(),
                            stdout=out, stderr=subprocess.STDOUT)
            out.seek(0)
            self.assertEqual(r.returncode, 0, out.read())
        try:
            self.assertIsNotNone(mount_line(mnt), "not mounted when instantlyfs returned")
            self.assertIn("campaigns", os.listdir(mnt))
        finally:
            subprocess.run(["fusermount3", "-u", mnt], timeout=60)
            wait_gone(mnt)

    def test_a_key_file_others_can_read_fails_the_mount_with_the_reason_on_stderr(self):
        d, mnt = self.folder("badkey")
        key = os.path.join(d, "key")
        write_key(key)
        os.chmod(key, 0o644)
        cmd = "mount -t fuse.instantlyfs instantly %s -o key_file=%s,%s" % (
            mnt, key, self.opts(d))
        in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": cmd})
        p = Probe(d)
        self.assertNotEqual(p.status("mount.rc"), 0)
        self.assertIn("chmod 600 " + key, p.text("mount.err"))
        self.assertEqual(p.text("mountinfo"), "")
        self.assertEqual(instances(mnt), [])

    def test_an_unreachable_api_is_said_on_stderr_before_mount_returns(self):
        """The mount is made (what the store holds is served offline), and
        mount(8) shows why it will fail reads."""
        d, mnt = self.folder("unreachable")
        cmd = ("mount -t fuse.instantlyfs instantly %s -o key_file=%s,retries=0,"
               "api_url=http://127.0.0.1:1,cache_dir=%s/cache" % (mnt, self.key_file, d))
        in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": cmd})
        p = Probe(d)
        self.assertEqual(p.status("mount.rc"), 0, p.text("mount.err"))
        self.assertIn("API unreachable", p.text("mount.err"))
        self.assertEqual(p.status("umount.rc"), 0)
        wait_gone(mnt)


    def test_no_mount_point_is_a_usage_error_before_any_request(self):
        before = self.fake.total()
        r = run_bounded([BINARY, "-o", "key_file=%s,api_url=%s" % (self.key_file, self.fake.url)],
                        timeout=60, env=clean_env(),
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 2)
        self.assertIn("no mount point", r.stderr.decode())
        self.assertEqual(self.fake.total(), before)


class FstabTest(RootTest):
    """The line of contrib/fstab.example, with this test's mount point, key
    and fake, mounted by mount -T FILE and by mount /path."""

    def fstab(self, d, mnt):
        with open(FSTAB_EXAMPLE) as f:
            line = next(l for l in f if l.strip() and not l.startswith("#"))
        fields = line.split()
        self.assertEqual(fields[2], "fuse.instantlyfs")
        self.assertIn("x-systemd.automount", fields[3].split(","))
        self.assertIn("noauto", fields[3].split(","))
        opts = fields[3].replace("/etc/instantlyfs/key", self.key_file)
        fields[1], fields[3] = mnt, opts + "," + self.opts(d)
        path = os.path.join(d, "fstab")
        with open(path, "w") as f:
            f.write("# instantlyfs test\n" + " ".join(fields) + "\n")
        return path, fields[0]

    def test_mount_T_with_the_example_line(self):
        d, mnt = self.folder("fstab-T")
        path, source = self.fstab(d, mnt)
        r = in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": "mount -T %s %s" % (path, mnt)})
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_demo_mounted(Probe(d), mnt, source)

    def test_mount_path_with_the_example_line_in_etc_fstab(self):
        d, mnt = self.folder("fstab")
        path, source = self.fstab(d, mnt)
        r = in_namespace(d, PROBE % {"t": d, "m": mnt, "cmd": "mount " + mnt}, fstab=path)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assert_demo_mounted(Probe(d), mnt, source)


def unit_service():
    """The [Service] settings of the unit: name -> list of values."""
    out, section = {}, None
    with open(UNIT) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                section = line
            elif section == "[Service]" and "=" in line and not line.startswith("#"):
                k, v = line.split("=", 1)
                out.setdefault(k, []).append(v)
    return out


def unit_command(line, home, env):
    """A command line of the unit as systemd runs it: the prefix "-"
    (failure ignored) taken off, %h the home folder, a word $NAME split
    into the variable's words, and the installed binary's path the binary
    under test.  Returns (argv, ignore_failure)."""
    ignore = line.startswith("-")
    argv = []
    for w in shlex.split(line.lstrip("-")):
        w = w.replace("%h", home)
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", w):
            argv += env.get(w[1:], "").split()
        else:
            argv.append(BINARY if w == INSTALLED else w)
    return argv, ignore


class SystemdUnitTest(RootTest):
    """contrib/systemd/instantlyfs.service: verified, and its command
    lines run as written, for a user whose home is a temporary folder."""

    fake_args = ["--demo"]

    def setUp(self):
        self.home, _ = self.folder("home")
        write_key(os.path.join(self.home, ".config", "instantlyfs", "key"))
        # The unit's EnvironmentFile: this test's fake and store.
        self.env = {"INSTANTLYFS_OPTIONS": "-o " + self.opts(self.home)}
        with open(os.path.join(self.home, ".config", "instantlyfs", "options"), "w") as f:
            f.write("INSTANTLYFS_OPTIONS=%s\n" % self.env["INSTANTLYFS_OPTIONS"])
        self.mnt = os.path.join(self.home, "instantly")
        self.service = unit_service()
        self.proc = None
        self.addCleanup(self.cleanup)

    def cleanup(self):
        if self.proc:
            self.log.close()
        if self.proc and self.proc.poll() is None:
            subprocess.run(["fusermount3", "-u", "-z", self.mnt])
            self.proc.kill()
            self.proc.wait()
        elif mount_line(self.mnt):
            subprocess.run(["fusermount3", "-u", "-z", self.mnt])

    def run_line(self, line):
        argv, ignore = unit_command(line, self.home, self.env)
        r = run_bounded(argv, timeout=60, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, env=clean_env(HOME=self.home))
        if not ignore:
            self.assertEqual(r.returncode, 0, "%s: %s" % (argv, r.stderr.decode()))
        return r

    def start(self):
        """ExecStartPre lines, then ExecStart in the foreground."""
        for line in self.service.get("ExecStartPre", []):
            self.run_line(line)
        argv, _ = unit_command(self.service["ExecStart"][0], self.home, self.env)
        self.assertIn("-f", argv)
        if self.proc:
            self.log.close()    # of the start before
        self.log = open(os.path.join(self.home, "service.log"), "w+")
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=clean_env(HOME=self.home))
        wait_for(self.mounted, timeout=BOUND, what="the unit's mount at " + self.mnt)
        self.assertIn("campaigns", os.listdir(self.mnt))

    def mounted(self):
        if self.proc.poll() is not None:
            self.log.seek(0)
            raise AssertionError("ExecStart exited %d: %s" % (self.proc.returncode,
                                                              self.log.read()))
        return mount_line(self.mnt) is not None

    def stopped(self):
        """Waits for ExecStart's process to exit; its status."""
        try:
            rc = self.proc.wait(BOUND)
        except subprocess.TimeoutExpired:
            self.fail("ExecStart's process did not exit within %d s" % BOUND)
        self.log.seek(0)
        problems = log_problems(self.log.read()) if SANITIZED else []
        self.assertEqual(problems, [], "sanitizer reports in the log of ExecStart")
        return rc

    def test_systemd_analyze_verify_is_clean(self):
        """Both as a unit of the system manager and of a user's, with the
        man page of Documentation= found in a MANPATH of docs/."""
        unit = os.path.join(self.home, "instantlyfs.service")
        with open(UNIT) as f:
            text = f.read()
        with open(unit, "w") as f:
            f.write(text.replace(INSTALLED, BINARY))
        man = os.path.join(self.home, "man", "man1")
        os.makedirs(man)
        shutil.copy(os.path.join(ROOT, "docs", "instantlyfs.1"), man)
        runtime = tempfile.mkdtemp(prefix="xdg-", dir=self.home)
        env = clean_env(MANPATH=os.path.dirname(man) + ":", XDG_RUNTIME_DIR=runtime)
        for user in ([], ["--user"]):
            r = subprocess.run(["systemd-analyze"] + user + ["verify", unit], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=60)
            self.assertEqual((r.returncode, r.stdout.decode()), (0, ""), user)

    def test_the_restart_policy_restarts_failures_only(self):
        self.assertEqual(self.service["Restart"], ["on-failure"])
        self.assertEqual(self.service["RestartPreventExitStatus"], ["2"])
        self.assertEqual(self.service.get("Type", ["simple"]), ["simple"])

    def test_exec_start_mounts_in_the_foreground_and_exec_stop_ends_it_with_0(self):
        self.start()
        with open(os.path.join(self.mnt, "workspace.json")) as f:
            self.assertIn('"id"', f.read())
        self.run_line(self.service["ExecStop"][0])
        self.assertEqual(self.stopped(), 0)
        self.assertIsNone(mount_line(self.mnt))

    def test_sigterm_is_a_clean_stop_with_0(self):
        """What systemd sends when ExecStop left the process running: no
        restart follows an exit 0."""
        self.start()
        self.proc.send_signal(signal.SIGTERM)
        self.assertEqual(self.stopped(), 0)
        wait_for(lambda: mount_line(self.mnt) is None, timeout=BOUND,
                 what="the mount to go after SIGTERM")

    @unittest.skipIf(VALGRIND, "valgrind's own process takes the SIGKILL")
    def test_a_killed_mount_is_a_failure_and_the_restart_mounts_again(self):
        """Killed (as by the OOM killer), the process ends by a signal,
        which Restart=on-failure restarts; the start lines clear the dead
        mount and mount again."""
        self.start()
        self.proc.send_signal(signal.SIGKILL)
        self.assertEqual(self.proc.wait(BOUND), -signal.SIGKILL)
        self.assertIsNotNone(mount_line(self.mnt), "the dead mount stays until cleared")
        self.start()
        self.assertIn("campaigns", os.listdir(self.mnt))
        self.run_line(self.service["ExecStop"][0])
        self.assertEqual(self.stopped(), 0)

    def test_a_key_file_others_can_read_exits_2_which_is_not_restarted(self):
        os.chmod(os.path.join(self.home, ".config", "instantlyfs", "key"), 0o644)
        for line in self.service.get("ExecStartPre", []):
            self.run_line(line)
        argv, _ = unit_command(self.service["ExecStart"][0], self.home, self.env)
        r = run_bounded(argv, timeout=60, stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, env=clean_env(HOME=self.home))
        self.assertEqual(r.returncode, 2)
        self.assertIn("chmod 600", r.stderr.decode())
        self.assertIn(str(r.returncode), self.service["RestartPreventExitStatus"])


def complete(line, bash_completion=True):
    """Completes line, at its end, as bash does on Tab: COMP_WORDS split
    at blanks and at the word breaks "=" and ":", the function that
    complete -p names called with the command, the word and the one
    before.  Returns COMPREPLY."""
    words = []
    for w in re.split(r"\s+", line):
        words += [p for p in re.split(r"([=:]+)", w) if p != ""] or [""]
    if line.endswith(" "):
        words[-1:] = [""] if words[-1] == "" else words[-1:] + [""]
    script = """
%(load)s
. %(completion)s
fn=$(complete -p instantlyfs | sed -n 's/.*-F \\([^ ]*\\) .*/\\1/p')
[ -n "$fn" ] || { echo "no complete -F for instantlyfs" >&2; exit 1; }
COMP_LINE=%(line)s
COMP_POINT=${#COMP_LINE}
COMP_WORDS=(%(words)s)
COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
COMP_TYPE=9
"$fn" instantlyfs "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
printf '%%s\\n' "${COMPREPLY[@]}"
""" % {"load": ". " + BASH_COMPLETION if bash_completion else "",
       "completion": shlex.quote(COMPLETION), "line": shlex.quote(line),
       "words": " ".join(shlex.quote(w) for w in words)}
    # In an empty folder: the first word offers folders too.
    with tempfile.TemporaryDirectory() as cwd:
        r = subprocess.run(["bash", "--norc", "--noprofile", "-c", script], cwd=cwd,
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
    if r.returncode != 0:
        raise AssertionError("completion of %r failed: %s" % (line, r.stderr.decode()))
    return [w for w in r.stdout.decode().split("\n") if w]


def main_c_options():
    """The -o options of src/main.c's option table."""
    with open(os.path.join(ROOT, "src", "main.c")) as f:
        text = f.read()
    return {m.group(1) for m in re.finditer(r'OPT\("([a-z_]+=?)(?:%[a-z]+)?"', text)}


class CompletionTest(unittest.TestCase):
    """contrib/bash-completion/instantlyfs, with the bash-completion
    package's helpers loaded (as on a Debian system) and without."""

    def both(self, line):
        """COMPREPLY for line, the same with or without bash-completion."""
        a, b = complete(line), complete(line, bash_completion=False)
        self.assertEqual(a, b, "with and without bash-completion: " + line)
        return a

    def test_complete_p_names_a_function(self):
        r = subprocess.run(["bash", "--norc", "-c", ". %s; complete -p instantlyfs"
                            % shlex.quote(COMPLETION)], stdout=subprocess.PIPE, timeout=30)
        self.assertRegex(r.stdout.decode(), r"^complete -F \S+ instantlyfs$")

    def test_the_subcommands_then_their_words_and_options(self):
        self.assertEqual(set(self.both("instantlyfs c")), {"connections", "cache"})
        self.assertEqual(set(self.both("instantlyfs connections ")),
                         {"list", "create", "get", "delete"})
        self.assertEqual(set(self.both("instantlyfs cache ")), {"info", "clear"})
        self.assertEqual(set(self.both("instantlyfs cache clear --")),
                         {"--workspace", "--cache-dir"})
        self.assertEqual(set(self.both("instantlyfs connections list --")),
                         {"--ctrl-url", "--key-file"})

    def test_every_o_option_of_main_c_is_offered(self):
        offered = set(self.both("instantlyfs -o "))
        self.assertTrue(main_c_options(), "no option found in src/main.c")
        self.assertEqual(main_c_options() - offered, set())
        self.assertTrue({"allow_other", "ro"} <= offered)

    def test_an_option_after_a_comma(self):
        self.assertEqual(set(self.both("instantlyfs -o ro,cache_")),
                         {"ro,cache_dir=", "ro,cache_ttl=", "ro,cache_mem=",
                          "ro,cache_size="})

    def test_values_of_mode_and_cache(self):
        # bash replaces what follows the last "=" of the word.
        self.assertEqual(self.both("instantlyfs -o ro,mode=g"), ["gateway"])
        self.assertEqual(set(self.both("instantlyfs -o cache=")), {"disk", "memory"})

    def test_key_file_is_a_path_and_the_mount_point_a_folder(self):
        with tempfile.TemporaryDirectory() as d:
            open(os.path.join(d, "key"), "w").close()
            os.mkdir(os.path.join(d, "mnt"))
            self.assertEqual(self.both("instantlyfs -o key_file=%s/k" % d),
                             [d + "/key"])
            self.assertEqual(self.both("instantlyfs -o ro instantly %s/" % d),
                             [d + "/mnt"])


def make_version():
    with open(os.path.join(ROOT, "Makefile")) as f:
        return re.search(r"^VERSION := (\S+)", f.read(), re.M).group(1)


def installed(or_config=False):
    """Whether dpkg knows the package instantlyfs as installed (or, with
    or_config, as removed with its configuration kept)."""
    r = subprocess.run(["dpkg-query", "-W", "-f=${Status}", "instantlyfs"],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    status = r.stdout.decode() if r.returncode == 0 else ""
    return status.endswith(" installed") or (or_config and status.endswith(" config-files"))


class DebPackageTest(RootTest):
    """make deb, lintian, dpkg -i, the demo mounted by the installed
    binary through mount(8) and the installed fstab example, dpkg -r."""

    @classmethod
    def setUpClass(cls):
        if not IS_ROOT:
            raise unittest.SkipTest("dpkg -i needs root")
        if installed():
            raise unittest.SkipTest("a package instantlyfs is installed already: "
                                    "the test would replace it, then remove it")
        r = run_bounded(["make", "-s", "deb"], timeout=600, cwd=ROOT,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise AssertionError("make deb failed:\n" + r.stdout.decode()[-4000:])
        cls.deb = [os.path.join(ROOT, "build", f) for f in os.listdir(os.path.join(ROOT, "build"))
                   if re.fullmatch(r"instantlyfs_%s_\w+\.deb" % re.escape(make_version()), f)]
        super().setUpClass()

    def install(self):
        r = run_bounded(["dpkg", "-i"] + self.deb, timeout=300,
                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.addCleanup(self.remove)
        self.assertEqual(r.returncode, 0, r.stdout.decode())

    def remove(self):
        """dpkg -r, then -P: the state a postrm leaves goes too."""
        for how in ("-r", "-P"):
            r = run_bounded(["dpkg", how, "instantlyfs"], timeout=300,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
            self.assertEqual(r.returncode, 0, r.stdout.decode())
            self.assertFalse(os.path.exists(INSTALLED))
        self.assertFalse(installed(True))

    def probe(self, d, mnt, cmd):
        """PROBE run here: the installed binary is found by mount(8)."""
        r = run_bounded(["sh", "-c", PROBE % {"t": d, "m": mnt, "cmd": cmd}],
                        timeout=120, env=clean_env(), stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return Probe(d)

    def test_one_deb_of_the_makefile_version(self):
        self.assertEqual(len(self.deb), 1, self.deb)

    def test_lintian_reports_no_error_or_warning(self):
        r = run_bounded(["lintian", "--fail-on", "error,warning"] + self.deb, timeout=600,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out = r.stdout.decode()
        self.assertEqual([l for l in out.splitlines() if l[:2] in ("E:", "W:")], [], out)
        self.assertEqual(r.returncode, 0, out + r.stderr.decode())

    def test_installed_package_mounts_the_demo_and_is_removed(self):
        self.install()
        for path in (INSTALLED, "/usr/share/man/man1/instantlyfs.1.gz",
                     "/usr/bin/instantlyfs-sendmail",
                     "/usr/share/man/man1/instantlyfs-sendmail.1.gz",
                     "/usr/share/bash-completion/completions/instantlyfs",
                     "/usr/lib/systemd/user/instantlyfs.service",
                     "/usr/share/doc/instantlyfs/examples/fstab.example",
                     "/usr/share/doc/instantlyfs/README.md.gz"):
            self.assertTrue(os.path.exists(path), path)
        r = subprocess.run([INSTALLED, "--version"], stdout=subprocess.PIPE, timeout=30)
        self.assertEqual(r.stdout.decode().strip(), "instantlyfs " + make_version())
        d, mnt = self.folder("deb")
        cmd = "mount -t fuse.instantlyfs instantly %s -o %s" % (
            mnt, shlex.quote("key_file=%s,allow_other,%s" % (self.key_file, self.opts(d))))
        self.assert_demo_mounted(self.probe(d, mnt, cmd), mnt)

    def test_installed_unit_verifies_and_completion_loads_on_demand(self):
        self.install()
        runtime = tempfile.mkdtemp(prefix="xdg-", dir=self.tmp)
        r = subprocess.run(["systemd-analyze", "--user", "verify",
                            "/usr/lib/systemd/user/instantlyfs.service"],
                           env=clean_env(XDG_RUNTIME_DIR=runtime), stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, timeout=60)
        self.assertEqual((r.returncode, r.stdout.decode()), (0, ""))
        r = subprocess.run(["bash", "--norc", "-c", ". %s; __load_completion instantlyfs; "
                            "complete -p instantlyfs" % BASH_COMPLETION],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
        self.assertRegex(r.stdout.decode(), r"complete -F \S+ instantlyfs")

    def test_installed_fstab_example_mounts_with_mount_T(self):
        self.install()
        d, mnt = self.folder("deb-fstab")
        with open("/usr/share/doc/instantlyfs/examples/fstab.example") as f:
            line = next(l for l in f if l.strip() and not l.startswith("#")).split()
        line[1] = mnt
        line[3] = line[3].replace("/etc/instantlyfs/key", self.key_file) + "," + self.opts(d)
        fstab = os.path.join(d, "fstab")
        with open(fstab, "w") as f:
            f.write(" ".join(line) + "\n")
        self.assert_demo_mounted(self.probe(d, mnt, "mount -T %s %s" % (fstab, mnt)),
                                 mnt, line[0])


if __name__ == "__main__":
    unittest.main()
