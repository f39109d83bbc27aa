"""Start-up: keys, modes and the command line."""
import json
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

    def connections(self, *args):
        r = run(["connections"] + list(args) + ["--ctrl-url", self.fake.url],
                {"MATON_API_KEY": KEY})
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        return json.loads(r.stdout), r.stderr.decode()

    def test_connections_create_list_get_delete(self):
        made, err = self.connections("create")
        cid = made["connection"]["connection_id"]
        self.assertIn("Open this URL", err)
        listed, _ = self.connections("list")
        self.assertIn(cid, json.dumps(listed))
        got, _ = self.connections("get", cid)
        self.assertIn(cid, json.dumps(got))
        self.connections("delete", cid)
        listed, _ = self.connections("list")
        self.assertNotIn(cid, json.dumps(listed))

    def test_gateway_mode_uses_the_prefix_and_connection_header(self):
        made, _ = self.connections("create")
        cid = made["connection"]["connection_id"]
        # The user signs in at the printed URL; the fake then reports the
        # connection active.
        self.connections("get", cid)
        tmp = tempfile.mkdtemp(prefix="instantlyfs-gw-", dir=self.tmp)
        m = Mount(tmp, self.fake.url + "/instantly", ["connection=" + cid],
                  env={"INSTANTLY_API_KEY": "", "MATON_API_KEY": KEY})
        try:
            self.assertIn("by-name", os.listdir(m.path("campaigns")))
        finally:
            m.unmount()

    def test_key_file_with_mode_0600_mounts(self):
        tmp = tempfile.mkdtemp(prefix="instantlyfs-kf-", dir=self.tmp)
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
