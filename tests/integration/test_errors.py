"""Bad answers from the server: the right errno, a line in
.instantlyfs/errors, no crash, and a mount that still works."""
import os

from harness import MountTest

ERRNO_TEXT = {
    "EACCES": "Permission denied",
    "ENOENT": "No such file or directory",
    "EAGAIN": "Resource temporarily unavailable",
    "EIO": "Input/output error",
}


class ServerErrorTest(MountTest):
    mount_opts = ["retries=2", "cache_ttl=0"]

    def tearDown(self):
        self.fake.clear_faults()

    def fail_campaigns(self, **rule):
        rule.setdefault("method", "GET")
        rule.setdefault("path_prefix", "/api/v2/campaigns")
        rule.setdefault("count", -1)
        self.fake.faults(rules=[rule])

    def assert_ls_fails(self, errno_name):
        rc, _, err = self.run_tool("ls campaigns")
        self.assertNotEqual(rc, 0)
        self.assertIn(ERRNO_TEXT[errno_name], err)

    def assert_still_works(self):
        self.fake.clear_faults()
        out = self.sh("ls campaigns")
        self.assertIn("by-name", out)

    def errors_file(self):
        return self.sh("cat .instantlyfs/errors")

    def test_401_is_eacces_with_the_message_in_errors(self):
        self.fail_campaigns(action="status", status=401)
        self.assert_ls_fails("EACCES")
        self.assertRegex(self.errors_file(), r"GET /api/v2/campaigns\S* -> 401")
        self.assert_still_works()

    def test_404_is_enoent(self):
        self.fail_campaigns(action="status", status=404)
        self.assert_ls_fails("ENOENT")
        self.assertIn("-> 404", self.errors_file())
        self.assert_still_works()

    def test_429_forever_is_eagain_after_the_retry_budget(self):
        self.fail_campaigns(action="status", status=429)
        self.fake.reset_stats()
        self.assert_ls_fails("EAGAIN")
        self.assertCount(self.fake.stats()["requests"].get("GET /api/v2/campaigns"), 3)
        self.assertIn("-> 429", self.errors_file())
        self.assert_still_works()

    def test_500_is_eio(self):
        self.fail_campaigns(action="status", status=500)
        self.assert_ls_fails("EIO")
        self.assertIn("-> 500", self.errors_file())
        self.assert_still_works()

    def test_invalid_json_is_eio(self):
        self.fail_campaigns(action="invalid_json")
        self.assert_ls_fails("EIO")
        self.assert_still_works()

    def test_truncated_body_is_eio(self):
        self.fail_campaigns(action="truncate")
        self.assert_ls_fails("EIO")
        self.assert_still_works()

    def test_transient_500_is_retried_and_succeeds(self):
        self.fail_campaigns(action="status", status=503, count=1)
        self.assertIn("by-name", self.sh("ls campaigns"))

    def test_a_repeated_cursor_cannot_make_ls_loop(self):
        self.fail_campaigns(action="repeat_cursor")
        rc, out, _ = self.run_tool("ls campaigns")
        self.assertEqual(rc, 0)
        self.assert_still_works()

    def test_errors_file_never_shows_the_key(self):
        from harness import KEY
        self.fail_campaigns(action="status", status=401)
        self.run_tool("ls campaigns")
        self.assertNotIn(KEY, self.errors_file())
        self.assertNotIn(KEY, self.mnt.read_log())


class LastPageQuirkTest(MountTest):
    """The real API's last page still carries a cursor; the next is empty."""

    from harness import SEED
    fake_args = ["--seed", SEED, "--quirk-last-cursor"]

    def test_listing_stops_on_the_empty_page(self):
        state = self.fake.state()
        big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.fake.reset_stats()
        names = os.listdir(self.mnt.path("campaigns", big["id"], "leads"))
        self.assertEqual(len(names), 250)
        self.assertCount(self.fake.requests().get("POST /api/v2/leads/list"), 4)
