"""Start-up: keys, modes and the command line."""
import os
import stat
import subprocess
import tempfile

from harness import BINARY, KEY, Fake, Mount, MountTest, SEED


def run(args, env):
    e = {k: v for k, v in os.environ.items()
         if k not in ("INSTANTLY_API_KEY", "MATON_API_KEY")}
    e.update(env)
    return subprocess.run([BINARY] + args, env=e, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, timeout=30)


class StartupTest(MountTest):
    def test_no_key_names_both_variables_and_exits_2(self):
        with tempfile.TemporaryDirectory() as d:
            r = run([d], {})
        self.assertEqual(r.returncode, 2)
        err = r.stderr.decode()
        self.assertIn("INSTANTLY_API_KEY", err)
        self.assertIn("MATON_API_KEY", err)
        self.assertEqual(len(err.strip().splitlines()), 1)

    def test_key_file_readable_by_others_is_refused(self):
        with tempfile.TemporaryDirectory() as d:
            kf = os.path.join(d, "key")
            with open(kf, "w") as f:
                f.write(KEY + "\n")
            os.chmod(kf, 0o644)
            r = run(["-o", "key_file=" + kf, os.path.join(d)], {})
        self.assertEqual(r.returncode, 2)
        self.assertNotIn(KEY, r.stderr.decode())

    def test_version_and_help(self):
        r = run(["--version"], {})
        self.assertEqual(r.returncode, 0)
        self.assertIn("instantlyfs", r.stdout.decode())
        r = run(["--help"], {})
        self.assertEqual(r.returncode, 0)
        self.assertIn("api_url", r.stdout.decode())

    def test_key_never_in_the_mount_process_command_line(self):
        with open("/proc/%d/cmdline" % self.mnt.proc.pid, "rb") as f:
            self.assertNotIn(KEY.encode(), f.read())

    def test_gateway_mode_uses_the_prefix_and_connection_header(self):
        tmp = tempfile.mkdtemp(prefix="instantlyfs-gw-")
        m = Mount(tmp, self.fake.url + "/instantly", ["connection=conn-123"],
                  env={"INSTANTLY_API_KEY": "", "MATON_API_KEY": KEY})
        try:
            self.assertIn("by-name", os.listdir(m.path("campaigns")))
        finally:
            m.unmount()

    def test_key_file_with_mode_0600_mounts(self):
        tmp = tempfile.mkdtemp(prefix="instantlyfs-kf-")
        kf = os.path.join(tmp, "key")
        with open(kf, "w") as f:
            f.write(KEY + "\n")
        os.chmod(kf, stat.S_IRUSR | stat.S_IWUSR)
        m = Mount(tmp, self.fake.url, ["key_file=" + kf],
                  env={"INSTANTLY_API_KEY": ""})
        try:
            self.assertTrue(os.path.exists(m.path("workspace.json")))
            self.sh("cat %s >/dev/null" % m.path("workspace.json"))
        finally:
            m.unmount()
