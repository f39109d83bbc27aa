"""Writing through the mount with the tools people use, then checking the
fake API's state: edits PATCH only what changed, new lead files POST,
rm DELETEs, refused writes lose nothing and change nothing."""
import json
import os
import subprocess
import time

from harness import MountTest, SEED, wait_for

PATCH_LEAD = "PATCH /api/v2/leads/{id}"


class WriteTest(MountTest):
    """Each test works on its own lead of the Big Campaign."""

    fake_args = ["--seed", SEED]

    def setUp(self):
        self.state = self.fake.state()
        self.big = next(c for c in self.state["campaigns"] if c["name"] == "Big Campaign")
        self.leads_dir = "campaigns/%s/leads" % self.big["id"]

    def lead(self, n):
        """The nth lead of the big campaign, as the server has it now."""
        leads = [l for l in self.fake.state()["leads"] if l.get("campaign") == self.big["id"]]
        return sorted(leads, key=lambda l: l["email"])[n]

    def server_lead(self, lead_id):
        return next((l for l in self.fake.state()["leads"] if l["id"] == lead_id), None)

    def path(self, lead):
        return "%s/%s.json" % (self.leads_dir, lead["email"])

    def assert_only(self, route, count=1):
        reqs = self.fake.requests()
        self.assertCount(reqs.get(route, 0), count, reqs)
        writes = {k: v for k, v in reqs.items() if not k.startswith("GET")
                  and k != "POST /api/v2/leads/list"}
        self.assertCount(writes, {route: count} if count else {}, reqs)

    # -- edits ------------------------------------------------------------

    def test_sed_i_edit_patches_only_changed_field(self):
        lead = self.lead(10)
        self.sh("cat '%s' >/dev/null" % self.path(lead))
        self.fake.reset_stats()
        self.sh("sed -i 's/\"first_name\": \"%s\"/\"first_name\": \"Zed\"/' '%s'"
                % (lead["first_name"], self.path(lead)))
        self.assert_only(PATCH_LEAD)
        after = self.server_lead(lead["id"])
        self.assertEqual(after["first_name"], "Zed")
        self.assertEqual(after["last_name"], lead["last_name"])
        self.assertEqual(json.loads(self.sh("cat '%s'" % self.path(lead)))["first_name"], "Zed")

    def test_sed_i_without_a_match_sends_nothing(self):
        lead = self.lead(11)
        self.fake.reset_stats()
        self.sh("sed -i 's/no such text/x/' '%s'" % self.path(lead))
        self.assert_only(PATCH_LEAD, 0)

    def test_perl_pi_edit(self):
        lead = self.lead(12)
        self.sh("perl -pi -e 's/\"job_title\": \"[^\"]*\"/\"job_title\": \"CTO\"/' '%s'"
                % self.path(lead))
        self.assertEqual(self.server_lead(lead["id"])["job_title"], "CTO")

    def test_vim_with_default_settings_swap_probe_and_backup(self):
        lead = self.lead(13)
        self.fake.reset_stats()
        r = subprocess.run(
            ["vim", "-u", "NONE", "-i", "NONE", "-c",
             "%%s/\"last_name\": \"%s\"/\"last_name\": \"Vimmed\"/" % lead["last_name"],
             "-c", "wq", self.path(lead)],
            cwd=self.mnt.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(self.server_lead(lead["id"])["last_name"], "Vimmed")
        self.assert_only(PATCH_LEAD)
        names = os.listdir(self.mnt.path(self.leads_dir))
        self.assertFalse([n for n in names if n.endswith("~") or n.endswith(".swp")
                          or n == "4913"], names)

    def test_vim_es_edit(self):
        lead = self.lead(14)
        self.sh("vim -es -u NONE -c '%%s/\"phone\": \"[^\"]*\"/\"phone\": \"+1 555 0100\"/' "
                "-c wq '%s'" % self.path(lead))
        self.assertEqual(self.server_lead(lead["id"])["phone"], "+1 555 0100")

    def test_cp_over_a_lead_file(self):
        lead = self.lead(15)
        obj = json.loads(self.sh("cat '%s'" % self.path(lead)))
        obj["company_name"] = "Copied Co"
        src = os.path.join(self.tmp, "edited.json")
        with open(src, "w") as f:
            json.dump(obj, f, indent=2)
        self.fake.reset_stats()
        self.sh("cp '%s' '%s'" % (src, self.path(lead)))
        self.assert_only(PATCH_LEAD)
        self.assertEqual(self.server_lead(lead["id"])["company_name"], "Copied Co")

    def test_jq_to_tmp_then_mv_over_the_lead(self):
        lead = self.lead(16)
        p = self.path(lead)
        self.sh("jq '.website = \"https://jq.example\"' '%s' > '%s/tmp.json' && "
                "mv '%s/tmp.json' '%s'" % (p, self.leads_dir, self.leads_dir, p))
        self.assertEqual(self.server_lead(lead["id"])["website"], "https://jq.example")
        self.assertNotIn("tmp.json", os.listdir(self.mnt.path(self.leads_dir)))
        lead2 = self.lead(17)
        p2 = self.path(lead2)
        out = os.path.join(self.tmp, "jq.json")
        self.sh("jq '.website = \"https://jq2.example\"' '%s' > '%s' && mv '%s' '%s'"
                % (p2, out, out, p2))
        self.assertEqual(self.server_lead(lead2["id"])["website"], "https://jq2.example")

    def test_tee_and_redirect_of_a_partial_object(self):
        lead = self.lead(18)
        self.sh("echo '{\"first_name\": \"Teed\"}' | tee '%s' >/dev/null" % self.path(lead))
        self.assertEqual(self.server_lead(lead["id"])["first_name"], "Teed")
        self.sh("echo '{\"first_name\": \"Redirected\"}' > '%s'" % self.path(lead))
        after = self.server_lead(lead["id"])
        self.assertEqual(after["first_name"], "Redirected")
        self.assertEqual(after["last_name"], lead["last_name"])

    def test_append_of_white_space_keeps_it_valid_and_sends_nothing(self):
        lead = self.lead(19)
        self.fake.reset_stats()
        self.sh("echo >> '%s'" % self.path(lead))
        self.assert_only(PATCH_LEAD, 0)

    def test_truncate_then_write_in_one_open(self):
        lead = self.lead(20)
        with open(self.mnt.path(self.path(lead)), "r+") as f:
            obj = json.load(f)
            obj["last_name"] = "Truncated"
            f.seek(0)
            f.truncate(0)
            json.dump(obj, f)
        self.assertEqual(self.server_lead(lead["id"])["last_name"], "Truncated")

    def test_custom_variables_edit_sends_custom_variables(self):
        lead = next(l for l in self.fake.state()["leads"] if l.get("payload")
                    and l.get("campaign") == self.big["id"])
        key = sorted(lead["payload"])[0]
        obj = json.loads(self.sh("cat '%s'" % self.path(lead)))
        obj["payload"][key] = "changed value"
        obj["payload"]["brand_new_var"] = 7
        with open(self.mnt.path(self.path(lead)), "w") as f:
            json.dump(obj, f)
        payload = self.server_lead(lead["id"])["payload"]
        self.assertEqual(payload[key], "changed value")
        self.assertEqual(payload["brand_new_var"], 7)

    # -- refused edits ----------------------------------------------------

    def refused_write(self, lead, text):
        """Writes text to the lead's file; returns the errno of close."""
        fd = os.open(self.mnt.path(self.path(lead)), os.O_WRONLY | os.O_TRUNC)
        try:
            os.write(fd, text.encode())
        finally:
            try:
                os.close(fd)
            except OSError as e:
                return e.errno
        return 0

    def assert_refused_and_kept(self, lead, text, reason):
        before = self.server_lead(lead["id"])
        self.fake.reset_stats()
        self.assertEqual(self.refused_write(lead, text), 22)  # EINVAL
        self.assert_only(PATCH_LEAD, 0)
        self.assertEqual(self.server_lead(lead["id"]), before)
        self.assertIn(reason, self.sh("cat .instantlyfs/errors"))
        kept = self.sh("cat .instantlyfs/rejected/*%s.json" % lead["email"].replace("@", "?"))
        self.assertIn(text, kept)
        self.assertEqual(json.loads(self.sh("cat '%s'" % self.path(lead)))["id"], lead["id"])

    def test_invalid_json_is_einval_nothing_sent_text_kept(self):
        self.assert_refused_and_kept(self.lead(21), '{"first_name": "Broken"', "JSON")

    def test_changed_read_only_field_is_einval(self):
        lead = self.lead(22)
        obj = dict(lead)
        obj["id"] = "01a0f755-f200-71ea-8000-999999999999"
        self.assert_refused_and_kept(lead, json.dumps(obj), "id")

    def test_object_in_custom_variables_is_einval(self):
        lead = self.lead(23)
        self.assert_refused_and_kept(lead, '{"payload": {"x": {"nested": 1}}}', "custom variables")

    def test_array_instead_of_object_is_einval(self):
        self.assert_refused_and_kept(self.lead(24), '[1, 2]', "object")

    def test_sed_i_changing_id_fails_and_changes_nothing(self):
        lead = self.lead(25)
        rc, _, err = self.run_tool("sed -i 's/\"id\": \"%s\"/\"id\": \"x\"/' '%s'"
                                   % (lead["id"], self.path(lead)))
        self.assertNotEqual(rc, 0)
        self.assertEqual(self.server_lead(lead["id"]), lead)

    # -- scratch files ----------------------------------------------------

    def test_scratch_files_are_local_and_never_sent(self):
        d = "campaigns/%s" % self.big["id"]
        # Listed now, so that the folder cannot have expired since an
        # earlier test listed it (memcheck runs take minutes).
        self.sh("ls %s >/dev/null" % d)
        self.fake.reset_stats()
        self.sh("echo draft notes > %s/notes.txt && cat %s/notes.txt" % (d, d))
        self.assertIn("notes.txt", os.listdir(self.mnt.path(d)))
        self.assertEqual(self.sh("cat %s/notes.txt" % d), "draft notes\n")
        self.sh("mv %s/notes.txt %s/notes2.txt && rm %s/notes2.txt" % (d, d, d))
        self.assertNotIn("notes2.txt", os.listdir(self.mnt.path(d)))
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    # -- workspace and other objects ----------------------------------------

    def test_workspace_json_edit_patches_the_name(self):
        self.sh("sed -i 's/\"name\": \"[^\"]*\"/\"name\": \"Renamed Workspace\"/' workspace.json")
        self.assertEqual(self.fake.state()["workspace"]["name"], "Renamed Workspace")
        self.assertEqual(json.loads(self.sh("cat workspace.json"))["name"], "Renamed Workspace")

    def test_email_json_marks_a_message_read(self):
        e = next(e for e in self.state["emails"] if e.get("is_unread"))
        self.sh("sed -i 's/\"is_unread\": 1/\"is_unread\": 0/' emails/%s/email.json" % e["id"])
        after = next(x for x in self.fake.state()["emails"] if x["id"] == e["id"])
        self.assertEqual(after["is_unread"], 0)

    def test_campaign_json_edit(self):
        c = next(c for c in self.state["campaigns"] if c["name"] == "Winter Reactivation")
        self.sh("sed -i 's/\"daily_limit\": [0-9]*/\"daily_limit\": 77/' campaigns/%s/campaign.json"
                % c["id"])
        after = next(x for x in self.fake.state()["campaigns"] if x["id"] == c["id"])
        self.assertEqual(after["daily_limit"], 77)


class CreateDeleteTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        self.state = self.fake.state()
        self.big = next(c for c in self.state["campaigns"] if c["name"] == "Big Campaign")
        self.leads_dir = "campaigns/%s/leads" % self.big["id"]

    def leads_with(self, email):
        return [l for l in self.fake.state()["leads"] if l.get("email") == email]

    def test_cp_of_a_new_lead_file_creates_the_lead_once(self):
        src = os.path.join(self.tmp, "new.json")
        with open(src, "w") as f:
            json.dump({"first_name": "Nina", "company_name": "New Co",
                       "payload": {"source": "conference"}}, f)
        self.fake.reset_stats()
        self.sh("cp %s %s/nina@new.example.json" % (src, self.leads_dir))
        made = self.leads_with("nina@new.example")
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0]["campaign"], self.big["id"])
        self.assertEqual(made[0]["first_name"], "Nina")
        self.assertEqual(made[0]["payload"]["source"], "conference")
        self.assertCount(self.fake.requests().get("POST /api/v2/leads"), 1)
        shown = json.loads(self.sh("cat %s/nina@new.example.json" % self.leads_dir))
        self.assertEqual(shown["id"], made[0]["id"])

    def test_touch_creates_a_lead_from_its_name_alone(self):
        self.sh("touch %s/tina@new.example.json" % self.leads_dir)
        made = self.leads_with("tina@new.example")
        self.assertEqual(len(made), 1)
        self.assertIn("tina@new.example.json", os.listdir(self.mnt.path(self.leads_dir)))

    def test_redirect_into_a_new_lead_file_creates_it(self):
        self.sh("echo '{\"last_name\": \"Redd\"}' > %s/rita@new.example.json" % self.leads_dir)
        made = self.leads_with("rita@new.example")
        self.assertEqual([l["last_name"] for l in made], ["Redd"])

    def test_new_lead_in_a_lead_list(self):
        lst = self.state["lead_lists"][0]
        self.sh("touch lead-lists/%s/leads/lena@new.example.json" % lst["id"])
        made = self.leads_with("lena@new.example")
        self.assertEqual(len(made), 1)
        self.assertEqual(made[0].get("list_id"), lst["id"])

    def test_refused_create_leaves_no_file_and_keeps_the_text(self):
        rc, _, err = self.run_tool("echo '{\"id\": \"x\", \"bogus_field\": 1}' > "
                                   "%s/bad@new.example.json; cp /dev/null /dev/null" % self.leads_dir)
        src = os.path.join(self.tmp, "bad.json")
        with open(src, "w") as f:
            f.write('{"bogus_field": 1}')
        rc, _, err = self.run_tool("cp %s %s/bad2@new.example.json" % (src, self.leads_dir))
        self.assertNotEqual(rc, 0)
        self.assertEqual(self.leads_with("bad2@new.example"), [])
        self.assertNotIn("bad2@new.example.json", os.listdir(self.mnt.path(self.leads_dir)))
        self.assertIn("bogus_field", self.sh("cat .instantlyfs/rejected/*bad2@new.example.json"))

    def test_rm_of_a_lead_deletes_it_after_a_moment(self):
        lead = next(l for l in self.state["leads"] if l.get("campaign") == self.big["id"]
                    and l["email"].startswith("big2"))
        self.sh("rm %s/%s.json" % (self.leads_dir, lead["email"]))
        self.assertNotIn(lead["email"] + ".json", os.listdir(self.mnt.path(self.leads_dir)))
        rc, _, _ = self.run_tool("stat %s/%s.json" % (self.leads_dir, lead["email"]))
        self.assertNotEqual(rc, 0)
        end = time.time() + 5
        while self.leads_with(lead["email"]) and time.time() < end:
            time.sleep(0.1)
        self.assertEqual(self.leads_with(lead["email"]), [])
        self.assertCount(self.fake.requests().get("DELETE /api/v2/leads/{id}"), 1)

    def test_mv_from_another_filesystem_over_a_lead_is_an_edit_not_a_delete(self):
        lead = next(l for l in self.state["leads"] if l.get("campaign") == self.big["id"]
                    and l["email"].startswith("big1"))
        p = "%s/%s.json" % (self.leads_dir, lead["email"])
        out = os.path.join(self.tmp, "moved.json")
        self.sh("jq '.first_name = \"Moved\"' '%s' > '%s'" % (p, out))
        self.fake.reset_stats()
        self.sh("mv '%s' '%s'" % (out, p))
        time.sleep(1.5)
        same = [l for l in self.leads_with(lead["email"])]
        self.assertEqual([l["id"] for l in same], [lead["id"]])
        self.assertEqual(same[0]["first_name"], "Moved")
        reqs = self.fake.requests()
        self.assertCount(reqs.get("DELETE /api/v2/leads/{id}", 0), 0, reqs)
        self.assertCount(reqs.get("POST /api/v2/leads", 0), 0, reqs)

    def test_rm_of_a_generated_file_is_eperm(self):
        rc, _, err = self.run_tool("rm -f campaigns/%s/campaign.json" % self.big["id"])
        self.assertNotEqual(rc, 0)
        self.assertIn("Operation not permitted", err)
        rc, _, err = self.run_tool("rm -f campaigns/%s/status" % self.big["id"])
        self.assertIn("Operation not permitted", err)

    def test_rm_of_a_block_list_entry_deletes_it(self):
        b = self.state["block_list"][0]
        self.sh("rm 'blocklist/%s'" % b["bl_value"])
        self.assertNotIn(b["id"], [x["id"] for x in self.fake.state()["block_list"]])
        self.assertNotIn(b["bl_value"], os.listdir(self.mnt.path("blocklist")))

    def test_rmdir_of_a_campaign_deletes_it(self):
        c = next(c for c in self.state["campaigns"] if c["name"] == "Winter Reactivation")
        self.sh("rmdir campaigns/%s" % c["id"])
        self.assertNotIn(c["id"], [x["id"] for x in self.fake.state()["campaigns"]])
        self.assertNotIn(c["id"], os.listdir(self.mnt.path("campaigns")))
        self.assertNotIn("Winter Reactivation", os.listdir(self.mnt.path("campaigns", "by-name")))

    def test_rmdir_of_an_email_and_a_tag(self):
        e = self.state["emails"][-1]
        self.sh("rmdir emails/%s" % e["id"])
        self.assertNotIn(e["id"], [x["id"] for x in self.fake.state()["emails"]])
        t = next(t for t in self.state["custom_tags"] if "/" not in t["label"])
        self.sh("rmdir 'tags/%s'" % t["label"])
        self.assertNotIn(t["id"], [x["id"] for x in self.fake.state()["custom_tags"]])


class ActionTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        self.state = self.fake.state()

    def campaign(self, cid):
        return next(c for c in self.fake.state()["campaigns"] if c["id"] == cid)

    def test_echo_paused_then_active_to_a_campaign_status(self):
        c = next(c for c in self.state["campaigns"] if c["status"] == 1)
        self.fake.reset_stats()
        self.sh("echo paused > campaigns/%s/status" % c["id"])
        self.assertEqual(self.campaign(c["id"])["status"], 2)
        self.assertEqual(self.sh("cat campaigns/%s/status" % c["id"]), "paused\n")
        self.assertCount(self.fake.requests().get("POST /api/v2/campaigns/{id}/pause"), 1)
        self.sh("printf active > campaigns/%s/status" % c["id"])
        self.assertEqual(self.campaign(c["id"])["status"], 1)
        self.assertIn(c["name"], os.listdir(self.mnt.path("campaigns", "by-status", "active")))

    def test_unknown_status_word_is_einval_with_the_accepted_values(self):
        c = self.state["campaigns"][0]
        self.fake.reset_stats()
        rc, _, err = self.run_tool("printf running | dd of=campaigns/%s/status 2>&1" % c["id"])
        self.assertNotEqual(rc, 0)
        self.assertIn('"active" or "paused"', self.sh("cat .instantlyfs/errors"))
        self.assertCount([k for k in self.fake.requests() if k.startswith("POST")], [])

    def test_account_pause_resume_and_warmup(self):
        a = next(a for a in self.state["accounts"] if a["status"] == 1)
        self.sh("echo paused > accounts/%s/status" % a["email"])
        acct = lambda: next(x for x in self.fake.state()["accounts"] if x["email"] == a["email"])
        self.assertEqual(acct()["status"], 2)
        self.sh("echo active > accounts/%s/status" % a["email"])
        self.assertEqual(acct()["status"], 1)
        want = "disabled" if a["warmup_status"] == 1 else "enabled"
        jobs_before = {j["id"] for j in self.fake.state()["background_jobs"]}
        self.sh("echo %s > accounts/%s/warmup" % (want, a["email"]))
        self.assertEqual(acct()["warmup_status"], 0 if want == "disabled" else 1)
        new_jobs = {j["id"] for j in self.fake.state()["background_jobs"]} - jobs_before
        self.assertEqual(len(new_jobs), 1)
        self.assertIn(new_jobs.pop() + ".json", os.listdir(self.mnt.path("jobs")))

    def test_reply_sends_the_text_once_with_re_subject(self):
        e = next(e for e in self.state["emails"] if e.get("subject"))
        self.fake.reset_stats()
        self.sh("printf 'Thanks!\\nTalk soon.\\n' > emails/%s/reply" % e["id"])
        self.assertCount(self.fake.requests().get("POST /api/v2/emails/reply"), 1)
        sent = [x for x in self.fake.state()["emails"]
                if x.get("subject") == "Re: " + e["subject"].replace("Re: ", "", 1)
                or x.get("subject") == e["subject"] and x["id"] != e["id"]]
        self.assertTrue(sent, "reply not found in the inbox")
        self.assertIn("Talk soon.", (sent[-1].get("body") or {}).get("text", ""))

    def test_reply_with_a_subject_line(self):
        e = self.state["emails"][1]
        self.sh("printf 'Subject: Custom subject\\nBody here\\n' > emails/%s/reply" % e["id"])
        self.assertTrue([x for x in self.fake.state()["emails"]
                         if x.get("subject") == "Custom subject"])

    def test_forward_to_two_addresses(self):
        e = self.state["emails"][2]
        self.fake.reset_stats()
        self.sh("echo 'a@fwd.example, b@fwd.example' > emails/%s/forward" % e["id"])
        self.assertCount(self.fake.requests().get("POST /api/v2/emails/forward"), 1)

    def test_write_to_a_thread_read_marks_it_read(self):
        e = next(e for e in self.state["emails"] if e.get("is_unread"))
        tid = e["thread_id"]
        self.sh("cat emails/%s/email.json >/dev/null" % e["id"])
        self.sh("echo 1 > emails/threads/%s/read" % tid)
        unread = [x for x in self.fake.state()["emails"]
                  if x.get("thread_id") == tid and x.get("is_unread")]
        self.assertEqual(unread, [])
        self.assertEqual(json.loads(self.sh("cat emails/%s/email.json" % e["id"]))["is_unread"], 0)


class MakeTest(MountTest):
    """mkdir, touch, ln -s, mv and imports."""

    fake_args = ["--seed", SEED]
    mount_opts = ["timezone=America/Detroit"]

    def setUp(self):
        self.state = self.fake.state()

    def test_mkdir_campaign_makes_it_and_resolves_by_name_at_once(self):
        self.fake.reset_stats()
        self.sh("mkdir 'campaigns/Spring Launch'")
        made = [c for c in self.fake.state()["campaigns"] if c["name"] == "Spring Launch"]
        self.assertEqual(len(made), 1)
        sched = made[0]["campaign_schedule"]["schedules"][0]
        self.assertEqual(sched["timing"], {"from": "09:00", "to": "17:00"})
        self.assertEqual(sched["timezone"], "America/Detroit")
        self.assertEqual([d for d, on in sched["days"].items() if on], ["1", "2", "3", "4", "5"])
        out = json.loads(self.sh("cat 'campaigns/Spring Launch/campaign.json'"))
        self.assertEqual(out["id"], made[0]["id"])
        self.assertEqual(self.sh("cat 'campaigns/Spring Launch/status'"), "draft\n")
        self.sh("touch 'campaigns/Spring Launch/leads/first@spring.example.json'")
        self.assertEqual([l["campaign"] for l in self.fake.state()["leads"]
                          if l.get("email") == "first@spring.example"], [made[0]["id"]])
        self.assertIn("Spring Launch", os.listdir(self.mnt.path("campaigns", "by-name")))
        self.assertCount(self.fake.requests().get("POST /api/v2/campaigns"), 1)

    def test_mkdir_of_a_name_that_is_taken_is_eexist(self):
        before = len(self.fake.state()["campaigns"])
        rc, _, err = self.run_tool("mkdir 'campaigns/Big Campaign'")
        self.assertNotEqual(rc, 0)
        self.assertIn("File exists", err)
        self.assertEqual(len(self.fake.state()["campaigns"]), before)

    def test_ln_s_under_another_name_is_refused_and_tags_nothing(self):
        before = len(self.fake.state()["custom_tag_mappings"])
        c = self.state["campaigns"][0]
        rc, _, err = self.run_tool("ln -s ../../../campaigns/%s tags/VIP/campaigns/other-name"
                                   % c["id"])
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(self.fake.state()["custom_tag_mappings"]), before)

    def test_mkdir_lead_list_and_tag(self):
        self.sh("mkdir 'lead-lists/Fresh List' tags/Hot")
        self.assertTrue([l for l in self.fake.state()["lead_lists"] if l["name"] == "Fresh List"])
        self.assertTrue([t for t in self.fake.state()["custom_tags"] if t["label"] == "Hot"])
        self.assertIn("Hot", os.listdir(self.mnt.path("tags")))
        self.assertTrue(os.path.isfile(self.mnt.path("lead-lists", "Fresh List", "list.json")))

    def test_mv_of_a_by_name_link_renames_the_campaign(self):
        c = next(c for c in self.state["campaigns"] if c["name"] == "Winter Reactivation")
        self.sh("mv 'campaigns/by-name/Winter Reactivation' 'campaigns/by-name/Winter 2027'")
        after = next(x for x in self.fake.state()["campaigns"] if x["id"] == c["id"])
        self.assertEqual(after["name"], "Winter 2027")
        self.assertIn("Winter 2027", os.listdir(self.mnt.path("campaigns", "by-name")))

    def test_touch_and_echo_add_block_list_entries(self):
        self.sh("touch blocklist/spam-domain.example")
        self.sh("echo > blocklist/bad@person.example")
        values = {b["bl_value"] for b in self.fake.state()["block_list"]}
        self.assertIn("spam-domain.example", values)
        self.assertIn("bad@person.example", values)
        self.assertIn("spam-domain.example", os.listdir(self.mnt.path("blocklist")))

    def test_ln_s_tags_a_campaign_and_rm_untags_it(self):
        tag = next(t for t in self.state["custom_tags"] if t["label"] == "VIP")
        maps = {m["resource_id"] for m in self.state["custom_tag_mappings"]
                if m["tag_id"] == tag["id"]}
        c = next(c for c in self.state["campaigns"] if c["id"] not in maps)
        self.sh("ln -s ../../../campaigns/%s tags/VIP/campaigns/" % c["id"])
        now = {m["resource_id"] for m in self.fake.state()["custom_tag_mappings"]
               if m["tag_id"] == tag["id"]}
        self.assertIn(c["id"], now)
        self.assertIn(c["id"], os.listdir(self.mnt.path("tags", "VIP", "campaigns")))
        self.sh("rm tags/VIP/campaigns/%s" % c["id"])
        now = {m["resource_id"] for m in self.fake.state()["custom_tag_mappings"]
               if m["tag_id"] == tag["id"]}
        self.assertNotIn(c["id"], now)

    def test_mv_of_a_lead_to_another_campaign_moves_it(self):
        big = next(c for c in self.state["campaigns"] if c["name"] == "Big Campaign")
        other = next(c for c in self.state["campaigns"] if c["name"] == "Q3 / 50% Outbound")
        lead = next(l for l in self.state["leads"] if l.get("campaign") == big["id"]
                    and l["email"].startswith("big05"))
        jobs_before = {j["id"] for j in self.state["background_jobs"]}
        self.sh("mv campaigns/%s/leads/%s.json campaigns/%s/leads/"
                % (big["id"], lead["email"], other["id"]))
        moved = next(l for l in self.fake.state()["leads"] if l["id"] == lead["id"])
        self.assertEqual(moved["campaign"], other["id"])
        self.assertIn(lead["email"] + ".json",
                      os.listdir(self.mnt.path("campaigns", other["id"], "leads")))
        self.assertNotIn(lead["email"] + ".json",
                         os.listdir(self.mnt.path("campaigns", big["id"], "leads")))
        new_jobs = {j["id"] for j in self.fake.state()["background_jobs"]} - jobs_before
        self.assertEqual(len(new_jobs), 1)
        self.assertIn(new_jobs.pop() + ".json", os.listdir(self.mnt.path("jobs")))

    def write_import(self, cid, rows):
        src = os.path.join(self.tmp, "import.csv")
        with open(src, "w") as f:
            f.write(rows)
        return self.run_tool("cp %s campaigns/%s/import" % (src, cid))

    def test_cp_csv_to_import_sends_batches_of_1000(self):
        c = next(c for c in self.state["campaigns"] if c["name"] == "Café Münster ☕")
        rows = ["email,first_name,company_name,favourite_colour"]
        rows.append('"quoted@imp.example","Ann, Jr.","Say ""hi""\nCo",blue')
        rows += ["p%04d@imp.example,P%d,Co %d,green" % (i, i, i) for i in range(2099)]
        self.fake.reset_stats()
        rc, _, err = self.write_import(c["id"], "\n".join(rows) + "\n")
        self.assertEqual(rc, 0, err)
        self.assertCount(self.fake.requests().get("POST /api/v2/leads/add"), 3)
        leads = [l for l in self.fake.state()["leads"] if l.get("campaign") == c["id"]
                 and (l.get("email") or "").endswith("@imp.example")]
        self.assertEqual(len(leads), 2100)
        q = next(l for l in leads if l["email"] == "quoted@imp.example")
        self.assertEqual(q["first_name"], "Ann, Jr.")
        self.assertEqual(q["company_name"], 'Say "hi"\nCo')
        self.assertEqual(q["payload"]["favourite_colour"], "blue")
        summary = self.sh("cat campaigns/%s/import" % c["id"])
        self.assertIn("total: 2100 of 2100 rows sent", summary)
        self.assertEqual(len(os.listdir(self.mnt.path("campaigns", c["id"], "leads"))),
                         len([l for l in self.fake.state()["leads"]
                              if l.get("campaign") == c["id"]]))

    def test_a_malformed_row_rejects_the_whole_import(self):
        c = next(c for c in self.state["campaigns"] if c["name"] == "Duplicate Name")
        before = len(self.fake.state()["leads"])
        self.fake.reset_stats()
        rc, _, err = self.write_import(c["id"], "email,first_name\na@x.example,A\nb@x.example,B,extra\n")
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        self.assertEqual(len(self.fake.state()["leads"]), before)
        self.assertCount(self.fake.requests().get("POST /api/v2/leads/add", 0), 0)
        self.assertIn("line 3", self.sh("cat .instantlyfs/errors"))

    def test_jsonl_import_into_a_lead_list(self):
        lst = self.state["lead_lists"][0]
        src = os.path.join(self.tmp, "import.jsonl")
        with open(src, "w") as f:
            f.write('{"email": "j1@jl.example", "first_name": "J1", "tier": "gold"}\n')
            f.write('{"email": "j2@jl.example", "first_name": "J2"}\n')
        self.sh("cp %s lead-lists/%s/import" % (src, lst["id"]))
        made = [l for l in self.fake.state()["leads"]
                if (l.get("email") or "").endswith("@jl.example")]
        self.assertEqual(len(made), 2)
        self.assertTrue(all(l.get("list_id") == lst["id"] for l in made))


class NeverTwiceTest(MountTest):
    """A create whose answer is lost is looked up, never sent blindly again."""

    fake_args = ["--seed", SEED]

    def setUp(self):
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        self.leads_dir = "campaigns/%s/leads" % big["id"]
        # Listed first, so the only POSTs the faults can hit are writes.
        self.sh("ls %s >/dev/null" % self.leads_dir)

    def tearDown(self):
        self.fake.clear_faults()

    def count(self, email):
        return len([l for l in self.fake.state()["leads"] if l.get("email") == email])

    def test_lost_answer_to_a_create_is_not_a_second_lead(self):
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/leads",
                                 "action": "lost_answer", "count": 1}])
        self.fake.reset_stats()
        self.sh("touch %s/lost@answer.example.json" % self.leads_dir)
        self.assertEqual(self.count("lost@answer.example"), 1)
        reqs = self.fake.requests()
        self.assertCount(reqs.get("POST /api/v2/leads"), 1, reqs)
        self.assertIn("lost@answer.example.json", os.listdir(self.mnt.path(self.leads_dir)))

    def test_a_create_that_never_arrived_is_sent_again_once(self):
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/leads",
                                 "action": "reset", "count": 1}])
        self.fake.reset_stats()
        self.sh("touch %s/reset@answer.example.json" % self.leads_dir)
        self.assertEqual(self.count("reset@answer.example"), 1)
        self.assertCount(self.fake.requests().get("POST /api/v2/leads"), 2)

    def test_a_patch_that_keeps_failing_is_tried_within_the_budget_then_refused(self):
        # A PATCH is idempotent: sent again after a 5xx, at most 1 + retries
        # (5) times, then the write fails and says why.
        lead = next(l for l in self.fake.state()["leads"]
                    if (l.get("email") or "").startswith("big03"))
        self.fake.faults(rules=[{"method": "PATCH", "path_prefix": "/api/v2/leads",
                                 "action": "status", "status": 500, "count": -1}])
        self.fake.reset_stats()
        rc, _, err = self.run_tool("sed -i 's/\"first_name\": \"[^\"]*\"/\"first_name\": \"X\"/' "
                                   "%s/%s.json" % (self.leads_dir, lead["email"]))
        self.assertNotEqual(rc, 0)
        self.assertCount(self.fake.requests().get("PATCH /api/v2/leads/{id}"), 6)
        self.assertIn("-> 500", self.sh("cat .instantlyfs/errors"))
        self.assertNotEqual(self.lead(lead["id"]).get("first_name"), "X")

    def lead(self, lid):
        return next(l for l in self.fake.state()["leads"] if l["id"] == lid)


class AccountTest(MountTest):
    fake_args = ["--seed", SEED]

    def test_mkdir_then_account_json_creates_the_account(self):
        self.sh("mkdir accounts/new.sender@acme-outbound.example")
        self.assertEqual(os.listdir(self.mnt.path("accounts", "new.sender@acme-outbound.example")), [])
        self.assertNotIn("new.sender@acme-outbound.example",
                         [a["email"] for a in self.fake.state()["accounts"]])
        settings = {"first_name": "New", "last_name": "Sender", "provider_code": 1,
                    "imap_username": "new.sender", "imap_password": "secret-imap",
                    "imap_host": "imap.acme-outbound.example", "imap_port": 993,
                    "smtp_username": "new.sender", "smtp_password": "secret-smtp",
                    "smtp_host": "smtp.acme-outbound.example", "smtp_port": 587}
        src = os.path.join(self.tmp, "account.json")
        with open(src, "w") as f:
            json.dump(settings, f)
        self.sh("cp %s accounts/new.sender@acme-outbound.example/account.json" % src)
        made = [a for a in self.fake.state()["accounts"]
                if a["email"] == "new.sender@acme-outbound.example"]
        self.assertEqual(len(made), 1)
        shown = self.sh("cat accounts/new.sender@acme-outbound.example/account.json")
        self.assertNotIn("secret-smtp", shown)
        self.assertIn("status", self.sh("ls accounts/new.sender@acme-outbound.example"))

    def test_redirect_into_a_new_account_json_creates_it(self):
        settings = {"first_name": "Red", "last_name": "Irect", "provider_code": 1,
                    "imap_username": "r", "imap_password": "p", "imap_host": "imap.x.example",
                    "imap_port": 993, "smtp_username": "r", "smtp_password": "p",
                    "smtp_host": "smtp.x.example", "smtp_port": 587}
        self.sh("mkdir accounts/redirect@acme-outbound.example && echo '%s' > "
                "accounts/redirect@acme-outbound.example/account.json" % json.dumps(settings))
        self.assertIn("redirect@acme-outbound.example",
                      [a["email"] for a in self.fake.state()["accounts"]])

    def test_rmdir_of_a_local_account_folder_with_files_is_enotempty(self):
        self.sh("mkdir accounts/full@acme-outbound.example && "
                "echo notes > accounts/full@acme-outbound.example/notes.txt")
        rc, _, err = self.run_tool("rmdir accounts/full@acme-outbound.example")
        self.assertIn("not empty", err)

    def test_a_local_account_folder_can_be_removed(self):
        self.sh("mkdir accounts/gone@acme-outbound.example && "
                "rmdir accounts/gone@acme-outbound.example")
        self.assertNotIn("gone@acme-outbound.example", os.listdir(self.mnt.path("accounts")))


class RemoveTest(MountTest):
    """The rmdir and rename rows of the Operations table not covered above."""

    fake_args = ["--seed", SEED]

    def test_rmdir_of_an_account_deletes_it(self):
        a = self.fake.state()["accounts"][-1]
        self.sh("rmdir accounts/%s" % a["email"])
        self.assertNotIn(a["email"], [x["email"] for x in self.fake.state()["accounts"]])
        self.assertNotIn(a["email"], os.listdir(self.mnt.path("accounts")))

    def test_rmdir_of_a_lead_list_deletes_it(self):
        lst = next(l for l in self.fake.state()["lead_lists"] if l["name"] == "Empty List")
        self.sh("rmdir lead-lists/%s" % lst["id"])
        self.assertNotIn(lst["id"], [x["id"] for x in self.fake.state()["lead_lists"]])
        self.assertNotIn("Empty List", os.listdir(self.mnt.path("lead-lists", "by-name")))

    def test_mv_of_a_lead_list_by_name_link_renames_it(self):
        lst = next(l for l in self.fake.state()["lead_lists"]
                   if l["name"] == "Conference Attendees 2026")
        self.sh("mv 'lead-lists/by-name/Conference Attendees 2026' "
                "'lead-lists/by-name/Conference 2026'")
        after = next(x for x in self.fake.state()["lead_lists"] if x["id"] == lst["id"])
        self.assertEqual(after["name"], "Conference 2026")
        self.assertEqual(os.readlink(self.mnt.path("lead-lists", "by-name", "Conference 2026")),
                         "../" + lst["id"])

    def test_rm_r_on_a_campaign_stops_at_its_generated_files(self):
        c = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Café Münster ☕")
        rc, _, err = self.run_tool("rm -r campaigns/%s" % c["id"])
        self.assertNotEqual(rc, 0)
        self.assertIn("Operation not permitted", err)
        self.assertIn(c["id"], [x["id"] for x in self.fake.state()["campaigns"]])


class UnmountTest(MountTest):
    fake_args = ["--seed", SEED]

    def test_a_delete_pending_at_unmount_is_sent_before_exit(self):
        from harness import Mount
        import tempfile
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        lead = next(l for l in self.fake.state()["leads"] if l.get("campaign") == big["id"]
                    and (l.get("email") or "").startswith("big24"))
        m = Mount(tempfile.mkdtemp(prefix="instantlyfs-um-", dir=self.tmp), self.fake.url)
        try:
            os.remove(m.path("campaigns", big["id"], "leads", lead["email"] + ".json"))
        finally:
            rc = m.unmount()
        self.assertEqual(rc, 0)
        self.assertNotIn(lead["id"], [l["id"] for l in self.fake.state()["leads"]])

    def test_sigterm_exits_cleanly_and_promptly(self):
        from harness import Mount
        import signal
        import tempfile
        m = Mount(tempfile.mkdtemp(prefix="instantlyfs-term-", dir=self.tmp), self.fake.url)
        os.listdir(m.path("campaigns"))
        start = time.time()
        m.proc.send_signal(signal.SIGTERM)
        m.proc.wait(20)
        self.assertLess(time.time() - start, 20)
        self.assertEqual(m.proc.returncode, 0)
        subprocess.run(["fusermount3", "-u", m.dir], stderr=subprocess.DEVNULL)
        m.log.close()

    def test_sigterm_during_a_commit_lets_the_commit_finish(self):
        # The PATCH of an edit is on its way (the fake holds it 2 s) when
        # SIGTERM comes: the process waits for it, the edit lands, the
        # writer's close succeeds, and the process still exits promptly.
        from harness import Mount
        import signal
        import tempfile
        import threading
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        lead = next(l for l in self.fake.state()["leads"] if l.get("campaign") == big["id"]
                    and (l.get("email") or "").startswith("big23"))
        m = Mount(tempfile.mkdtemp(prefix="instantlyfs-term-", dir=self.tmp), self.fake.url)
        path = m.path("campaigns", big["id"], "leads", lead["email"] + ".json")
        with open(path) as f:
            text = f.read().replace('"first_name": "%s"' % lead["first_name"],
                                    '"first_name": "Terminated"')
        self.fake.faults(rules=[{"method": "PATCH", "path_prefix": "/api/v2/leads",
                                 "action": "slow", "ms": 2000, "count": 1}])
        outcome = []

        def edit():
            try:
                with open(path, "w") as f:
                    f.write(text)
                outcome.append("ok")
            except OSError as e:
                outcome.append(e)
        writer = threading.Thread(target=edit)
        try:
            writer.start()
            wait_for(lambda: self.fake.requests().get("PATCH /api/v2/leads/{id}"),
                     what="the PATCH")
            start = time.time()
            m.proc.send_signal(signal.SIGTERM)
            m.proc.wait(30)
            writer.join(30)
        finally:
            self.fake.clear_faults()
            subprocess.run(["fusermount3", "-u", m.dir], stderr=subprocess.DEVNULL)
            m.log.close()
        self.assertLess(time.time() - start, 15)
        self.assertEqual(m.proc.returncode, 0)
        self.assertEqual(outcome, ["ok"])
        now = next(l for l in self.fake.state()["leads"] if l["id"] == lead["id"])
        self.assertEqual(now["first_name"], "Terminated")

