"""webhooks/ driven with the tools a user would use (ls, cat, jq, sed -i,
vim, echo, mkdir, cp, rm -r, rmdir, cut), then the fake API's state and
request counts: an edit PATCHes only what changed, status resumes, test
POSTs once, a new folder's webhook.json POSTs once, rm -r DELETEs, events/
and event-types cost their one listing, refusals keep the server as it was."""
import errno
import json
import os
import subprocess

from harness import MountTest, SEED

PATCH = "PATCH /api/v2/webhooks/{id}"
POST = "POST /api/v2/webhooks"
RESUME = "POST /api/v2/webhooks/{id}/resume"
TEST = "POST /api/v2/webhooks/{id}/test"
DELETE = "DELETE /api/v2/webhooks/{id}"
EVENTS = "GET /api/v2/webhook-events"


class WebhookBase(MountTest):
    """What the webhook tests share (no tests of its own)."""

    fake_args = ["--seed", SEED]

    # -- helpers ----------------------------------------------------------

    def hooks(self):
        return self.fake.state(["webhooks"])["webhooks"]

    def hook(self, hid):
        return next((w for w in self.hooks() if w["id"] == hid), None)

    def seeded(self, name=None, url_part=None):
        return next(w for w in self.hooks()
                    if (name is None or w["name"] == name)
                    and (url_part is None or url_part in w["target_hook_url"]))

    def writes(self):
        """The requests since the last reset that change something."""
        return {k: v for k, v in self.fake.requests().items() if not k.startswith("GET")}

    def folder(self, hook):
        """The webhook's folder: its name, "<name>.<id>" when another has
        the same name, "webhook.<id>" when it has none."""
        same = [w for w in self.hooks() if w["name"] == hook["name"]]
        if not hook["name"] or len(same) > 1:
            return "webhooks/%s.%s" % (hook["name"] or "webhook", hook["id"])
        return "webhooks/" + hook["name"]

    def assert_kept(self, text):
        kept = self.sh("cat .instantlyfs/rejected/*")
        self.assertIn(text, kept)

    def assert_refused(self, path, text, reason, hook, sent=None):
        before = self.hook(hook["id"])
        self.fake.reset_stats()
        self.assertEqual(self.write_errno(path, text), errno.EINVAL)
        self.assertCount(self.writes(), sent or {})
        self.assertEqual(self.hook(hook["id"]), before)
        self.assertIn(reason, self.sh("cat .instantlyfs/errors"))
        self.assert_kept(text)
        self.assertEqual(json.loads(self.sh("cat '%s'" % path)), before)



class WebhookTest(WebhookBase):

    # -- listing and reading ----------------------------------------------

    def test_ls_names_webhooks_after_their_name_clashes_and_nameless_by_id(self):
        names = os.listdir(self.mnt.path("webhooks"))
        nameless = self.seeded(url_part="fail.example")
        zaps = [w["id"] for w in self.hooks() if w["name"] == "Zapier"]
        self.assertIn("CRM Replies", names)
        self.assertIn("webhook." + nameless["id"], names)
        self.assertIn("event-types", names)
        self.assertNotIn("Zapier", names)
        for zid in zaps:
            self.assertIn("Zapier." + zid, names)
        self.assertEqual(sorted(os.listdir(self.mnt.path("webhooks", "CRM Replies"))),
                         ["events", "status", "test", "webhook.json"])

    def test_modes_of_the_files_of_a_webhook(self):
        out = self.sh("stat -c '%a %n' 'webhooks/CRM Replies'/* webhooks/event-types")
        self.assertIn("644 webhooks/CRM Replies/webhook.json", out)
        self.assertIn("644 webhooks/CRM Replies/status", out)
        self.assertIn("200 webhooks/CRM Replies/test", out)
        self.assertIn("555 webhooks/CRM Replies/events", out)
        self.assertIn("444 webhooks/event-types", out)

    def test_listing_fills_the_cache_so_cat_and_jq_cost_nothing(self):
        self.refresh()
        self.sh("ls -l webhooks >/dev/null")
        self.fake.reset_stats()
        urls = self.sh("jq -r .target_hook_url webhooks/*/webhook.json").split()
        self.assertEqual(sorted(urls), sorted(w["target_hook_url"] for w in self.hooks()))
        self.assertCount(self.fake.requests(), {})
        crm = self.seeded("CRM Replies")
        self.assertEqual(json.loads(self.sh("cat 'webhooks/CRM Replies/webhook.json'")), crm)

    # -- edits --------------------------------------------------------------

    def test_sed_i_patches_only_the_changed_field(self):
        hook = self.seeded(url_part="zapier.example/1")
        path = self.folder(hook) + "/webhook.json"
        self.sh("cat '%s' >/dev/null" % path)
        self.fake.reset_stats()
        self.sh("sed -i 's/\"email_opened\"/\"email_link_clicked\"/' %s" % path)
        self.assertCount(self.writes(), {PATCH: 1})
        after = self.hook(hook["id"])
        self.assertEqual(after["event_type"], "email_link_clicked")
        self.assertEqual(dict(after, event_type=hook["event_type"]), hook)

    def test_vim_renames_a_webhook_and_its_folder(self):
        hook = self.seeded("Slack Interested")
        self.fake.reset_stats()
        r = subprocess.run(
            ["vim", "-es", "-u", "NONE", "-i", "NONE", "-c",
             '%s/"Slack Interested"/"Slack Wins"/', "-c", "wq",
             "webhooks/Slack Interested/webhook.json"],
            cwd=self.mnt.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertCount(self.writes(), {PATCH: 1})
        after = self.hook(hook["id"])
        self.assertEqual(after["name"], "Slack Wins")
        self.assertEqual(after["headers"], hook["headers"])
        names = os.listdir(self.mnt.path("webhooks"))
        self.assertIn("Slack Wins", names)
        self.assertNotIn("Slack Interested", names)

    def test_writing_the_file_back_unchanged_sends_nothing(self):
        src = os.path.join(self.tmp, "crm.json")
        self.sh("cp 'webhooks/CRM Replies/webhook.json' %s" % src)
        self.fake.reset_stats()
        self.sh("cp %s 'webhooks/CRM Replies/webhook.json'" % src)
        self.assertCount(self.writes(), {})

    # -- refusals -----------------------------------------------------------

    def test_invalid_json_is_einval_nothing_sent_text_kept(self):
        hook = self.seeded("CRM Replies")
        self.assert_refused("webhooks/CRM Replies/webhook.json",
                            '{"name": "Broken CRM"', "JSON", hook)

    def test_a_read_only_field_is_einval_nothing_sent(self):
        hook = self.seeded("CRM Replies")
        text = json.dumps(dict(hook, status=-1, name="Read Only Try"), indent=2)
        self.assert_refused("webhooks/CRM Replies/webhook.json", text, "status", hook)

    # -- status and test ----------------------------------------------------

    def test_status_shows_error_and_active_resumes_it_once(self):
        hook = self.seeded(url_part="fail.example")
        status = "webhooks/webhook.%s/status" % hook["id"]
        self.assertEqual(self.sh("cat %s" % status), "error\n")
        self.fake.reset_stats()
        self.sh("echo active > %s" % status)
        self.assertCount(self.writes(), {RESUME: 1})
        self.assertEqual(self.hook(hook["id"])["status"], 1)
        self.assertEqual(self.sh("cat %s" % status), "active\n")
        self.fake.reset_stats()
        self.sh("echo resume > %s" % status)
        self.assertCount(self.writes(), {})

    def test_paused_is_refused_the_api_has_no_pause(self):
        hook = self.seeded("CRM Replies")
        self.fake.reset_stats()
        self.assertEqual(self.write_errno("webhooks/CRM Replies/status", "paused\n"),
                         errno.EINVAL)
        self.assertCount(self.writes(), {})
        self.assertEqual(self.hook(hook["id"]), hook)
        self.assertIn("cannot pause", self.sh("cat .instantlyfs/errors"))
        self.assert_kept("paused")
        self.assertEqual(self.sh("cat 'webhooks/CRM Replies/status'"), "active\n")

    def test_echo_to_test_posts_one_test(self):
        self.fake.reset_stats()
        self.sh("echo x > 'webhooks/CRM Replies/test'")
        self.assertCount(self.writes(), {TEST: 1})
        self.assertEqual(self.sh("cat 'webhooks/CRM Replies/test'"), "")

    def test_a_failed_test_delivery_is_eio_with_the_answer_in_errors(self):
        hook = self.seeded(url_part="fail.example")
        self.fake.reset_stats()
        self.assertEqual(self.write_errno("webhooks/webhook.%s/test" % hook["id"], "go\n"),
                         errno.EIO)
        self.assertCount(self.writes(), {TEST: 1})
        self.assertIn("Bad Gateway from target", self.sh("cat .instantlyfs/errors"))

    # -- events and event types ----------------------------------------------

    def test_events_lists_the_webhooks_deliveries_newest_first(self):
        hook = self.seeded(url_part="fail.example")
        events = self.fake.state(["webhook_events"])["webhook_events"]
        mine = sorted((e for e in events if e["webhook_url"] == hook["target_hook_url"]),
                      key=lambda e: e["timestamp_created"], reverse=True)
        folder = "webhooks/webhook.%s/events" % hook["id"]
        self.refresh()
        self.fake.reset_stats()
        listed = self.sh("ls -U %s" % folder).split()
        self.assertEqual(listed, [e["id"] + ".json" for e in mine])
        self.assertCount(self.fake.requests().get(EVENTS), 1)
        self.fake.reset_stats()
        failed = self.sh("jq -r 'select(.success == false) | .lead_email' %s/*.json" % folder)
        self.assertEqual(sorted(failed.split()), sorted(e["lead_email"] for e in mine))
        self.assertCount(self.fake.requests(), {})
        rc, _, _ = self.run_tool("echo x > %s/%s" % (folder, listed[0]))
        self.assertNotEqual(rc, 0)

    def test_event_types_one_a_line_for_cut_and_grep(self):
        ids = self.sh("cut -f1 webhooks/event-types").split()
        self.assertIn("email_sent", ids)
        self.assertIn("lead_meeting_booked", ids)
        self.assertEqual(len(ids), len(set(ids)))
        self.assertIn("Reply Received", self.sh("grep -w reply_received webhooks/event-types"))

    # -- create and delete --------------------------------------------------------

    def test_mkdir_then_webhook_json_creates_one_webhook(self):
        self.sh("mkdir webhooks/HubSpot")
        self.assertEqual(os.listdir(self.mnt.path("webhooks", "HubSpot")), [])
        self.assertNotIn("HubSpot", [w["name"] for w in self.hooks()])
        self.fake.reset_stats()
        self.sh("printf '%s\\n' > webhooks/HubSpot/webhook.json"
                % json.dumps({"target_hook_url": "https://hooks.hubspot.example/in",
                              "event_type": "lead_interested"}))
        self.assertCount(self.writes(), {POST: 1})
        made = [w for w in self.hooks() if w["name"] == "HubSpot"]
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0]["event_type"], "lead_interested")
        shown = json.loads(self.sh("cat webhooks/HubSpot/webhook.json"))
        self.assertEqual(shown["id"], made[0]["id"])
        self.assertEqual(self.sh("cat webhooks/HubSpot/status"), "active\n")

    def test_cp_of_a_webhook_file_into_a_new_folder_makes_a_copy(self):
        crm = self.seeded("CRM Replies")
        self.sh("mkdir 'webhooks/CRM Copy'")
        self.fake.reset_stats()
        self.sh("cp 'webhooks/CRM Replies/webhook.json' 'webhooks/CRM Copy/webhook.json'")
        self.assertCount(self.writes(), {POST: 1})
        copy = next(w for w in self.hooks() if w["name"] == "CRM Copy")
        self.assertNotEqual(copy["id"], crm["id"])
        self.assertEqual(copy["target_hook_url"], crm["target_hook_url"])
        self.assertEqual(copy["campaign"], crm["campaign"])

    def test_a_new_webhook_with_a_field_post_does_not_take_is_not_sent(self):
        self.sh("mkdir webhooks/Bogus")
        self.fake.reset_stats()
        self.assertEqual(self.write_errno("webhooks/Bogus/webhook.json",
                                          '{"target_hook_url": "https://x.example/b", '
                                          '"bogus": 1}'), errno.EINVAL)
        self.assertCount(self.writes(), {})
        self.assertIn("bogus is not a field a new webhook takes",
                      self.sh("cat .instantlyfs/errors"))

    def test_rm_r_of_a_webhook_deletes_it(self):
        hook = self.seeded(url_part="zapier.example/2")
        self.fake.reset_stats()
        folder = self.folder(hook)
        self.sh("rm -r '%s'" % folder)
        self.assertCount(self.writes(), {DELETE: 1})
        self.assertIsNone(self.hook(hook["id"]))
        self.assertFalse(os.path.exists(self.mnt.path(folder)))

    def test_rmdir_of_a_webhook_deletes_it(self):
        made = self.fake.call("POST", "/api/v2/webhooks",
                              {"name": "Short Lived", "target_hook_url": "https://s.example/h",
                               "event_type": "email_sent"},
                              api=True)
        self.refresh()
        self.fake.reset_stats()
        self.sh("rmdir 'webhooks/Short Lived'")
        self.assertCount(self.writes(), {DELETE: 1})
        self.assertIsNone(self.hook(made["id"]))

    def test_rmdir_of_a_local_folder_sends_nothing(self):
        self.sh("mkdir webhooks/Never")
        self.fake.reset_stats()
        self.sh("rmdir webhooks/Never")
        self.assertCount(self.writes(), {})
        self.assertNotIn("Never", os.listdir(self.mnt.path("webhooks")))


class WebhookRefusedByApiTest(WebhookBase):
    """Writes the API refuses (an event_type it does not know): errno, the
    API's message in errors, the text in rejected/, the server unchanged.
    Talks to the fake directly (see harness.NO_PROXY)."""

    def test_an_event_type_the_api_refuses_leaves_the_webhook_as_it_was(self):
        hook = self.seeded("CRM Replies")
        text = json.dumps(dict(hook, event_type="not_an_event"), indent=2)
        self.assert_refused("webhooks/CRM Replies/webhook.json", text,
                            "allowed values", hook, {PATCH: 1})

    def test_a_new_webhook_the_api_refuses_is_not_made(self):
        self.sh("mkdir webhooks/Refused")
        text = json.dumps({"target_hook_url": "https://x.example/h",
                           "event_type": "not_an_event"})
        before = self.hooks()
        self.fake.reset_stats()
        self.assertEqual(self.write_errno("webhooks/Refused/webhook.json", text),
                         errno.EINVAL)
        self.assertCount(self.writes(), {POST: 1})
        self.assertEqual(self.hooks(), before)
        self.assertIn("allowed values", self.sh("cat .instantlyfs/errors"))
        self.assert_kept("not_an_event")


class WebhookLostAnswerTest(WebhookBase):
    """The fake does the work and then loses the answer (a 502 or a reset):
    the webhook is made once and tested once all the same.  Talks to the
    fake directly (see harness.NO_PROXY)."""

    def tearDown(self):
        self.fake.clear_faults()

    def lose(self, method, prefix, action="status"):
        rule = {"method": method, "path_prefix": prefix, "action": action,
                "count": 1, "after": True}
        if action == "status":
            rule["status"] = 502
        self.fake.faults(rules=[rule])

    def test_a_new_webhook_whose_answer_is_lost_is_made_once(self):
        self.sh("mkdir webhooks/Lost")
        self.lose("POST", "/api/v2/webhooks", action="reset")
        self.fake.reset_stats()
        self.sh("echo '{\"target_hook_url\": \"https://lost.example/h\"}' "
                "> webhooks/Lost/webhook.json")
        self.assertEqual([w["name"] for w in self.hooks()].count("Lost"), 1)
        self.assertCount(self.writes(), {POST: 1})
        self.assertEqual(json.loads(self.sh("cat webhooks/Lost/webhook.json"))["name"], "Lost")

    def test_a_test_whose_answer_is_lost_is_not_sent_again(self):
        self.lose("POST", "/api/v2/webhooks/")
        self.fake.reset_stats()
        self.assertNotEqual(self.write_errno("webhooks/CRM Replies/test", "x\n"), 0)
        self.assertCount(self.writes(), {TEST: 1})
        self.assertIn("/test", self.sh("cat .instantlyfs/errors"))
