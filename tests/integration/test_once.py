"""Writes whose answer is lost after the server did the work.

The fake carries out the request, then answers 502 or drops the
connection (a rule with "after": true). Every write must end as if it had
been made once: creates and sends are looked up before being sent again,
idempotent writes are simply sent again, a DELETE that then finds nothing
is done. Each test checks the fake's state, not only the exit status.
"""
import json
import os

from harness import SEED, MountTest


def after(method, prefix, action="status", status=502, count=1):
    rule = {"method": method, "path_prefix": prefix, "action": action,
            "count": count, "after": True}
    if action == "status":
        rule["status"] = status
    return rule


class AfterTheWorkTest(MountTest):
    fake_args = ["--seed", SEED, "--verify-pending-polls", "0"]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.state = cls.fake.state()

    def setUp(self):
        self.seen = self.sh("cat .instantlyfs/errors")

    def tearDown(self):
        self.fake.clear_faults()

    def new_errors(self):
        """Lines of .instantlyfs/errors written by this test."""
        return self.sh("cat .instantlyfs/errors")[len(self.seen):]

    def lose(self, *rules):
        self.fake.faults(rules=list(rules))

    def table(self, name):
        return self.fake.state()[name]

    def jobs(self):
        return {j["id"] for j in self.table("background_jobs")}

    def campaign(self, name):
        return next(c for c in self.state["campaigns"] if c["name"] == name)

    def test_mkdir_of_a_campaign_a_list_and_a_tag_makes_one_each(self):
        self.lose(after("POST", "/api/v2/campaigns"),
                  after("POST", "/api/v2/lead-lists", action="reset"),
                  after("POST", "/api/v2/custom-tags", status=504))
        self.sh("mkdir 'campaigns/Lost Answer' 'lead-lists/Lost List' tags/LostTag")
        self.assertEqual([c["name"] for c in self.table("campaigns")].count("Lost Answer"), 1)
        self.assertEqual([l["name"] for l in self.table("lead_lists")].count("Lost List"), 1)
        self.assertEqual([t["label"] for t in self.table("custom_tags")].count("LostTag"), 1)
        self.assertTrue(os.path.isdir(self.mnt.path("campaigns", "Lost Answer")))
        errors = self.new_errors()
        for path in ("/api/v2/campaigns ", "/api/v2/lead-lists ", "/api/v2/custom-tags "):
            self.assertNotIn("POST " + path, errors)

    def test_touch_of_a_block_list_entry_makes_one(self):
        self.lose(after("POST", "/api/v2/block-lists-entries", status=500))
        self.sh("touch blocklist/lost-answer.example")
        values = [b["bl_value"] for b in self.table("block_list")]
        self.assertEqual(values.count("lost-answer.example"), 1)

    def test_a_new_account_is_made_once(self):
        email = "lost.sender@acme-outbound.example"
        self.sh("mkdir accounts/%s" % email)
        src = os.path.join(self.tmp, "account.json")
        with open(src, "w") as f:
            json.dump({"first_name": "Lost", "last_name": "Sender", "provider_code": 1,
                       "imap_username": "l", "imap_password": "p", "imap_host": "imap.x.example",
                       "imap_port": 993, "smtp_username": "l", "smtp_password": "p",
                       "smtp_host": "smtp.x.example", "smtp_port": 587}, f)
        self.lose(after("POST", "/api/v2/accounts", action="reset"))
        self.sh("cp %s accounts/%s/account.json" % (src, email))
        self.assertEqual([a["email"] for a in self.table("accounts")].count(email), 1)

    def test_a_reply_and_a_forward_are_sent_once(self):
        e = next(e for e in self.state["emails"] if e.get("subject") and e.get("ue_type") == 2)
        self.lose(after("POST", "/api/v2/emails/reply"),
                  after("POST", "/api/v2/emails/forward", action="reset"))
        self.sh("printf 'Sent once, answer lost\\n' > emails/%s/reply" % e["id"])
        self.sh("echo 'lost@fwd.example' > emails/%s/forward" % e["id"])
        emails = self.table("emails")
        replies = [x for x in emails
                   if "Sent once, answer lost" in ((x.get("body") or {}).get("text") or "")]
        forwards = [x for x in emails if x.get("to_address_email_list") == "lost@fwd.example"]
        self.assertEqual(len(replies), 1)
        self.assertEqual(len(forwards), 1)
        # The shell does not see an error at close: the error log would.
        self.assertNotIn("/api/v2/emails/", self.new_errors())

    def test_a_reply_whose_send_failed_before_the_work_is_sent_again(self):
        # The same 502, but before the work: the lookup finds nothing and
        # the reply goes out once.
        e = next(e for e in self.state["emails"] if e.get("subject") and e.get("ue_type") == 2)
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/emails/reply",
                                 "action": "status", "status": 502, "count": 1}])
        self.sh("printf 'Never arrived the first time\\n' > emails/%s/reply" % e["id"])
        texts = [(x.get("body") or {}).get("text") or "" for x in self.table("emails")]
        self.assertEqual(len([t for t in texts if "Never arrived the first time" in t]), 1)

    def test_an_import_batch_adds_each_lead_once(self):
        c = self.campaign("Café Münster ☕")
        src = os.path.join(self.tmp, "lost.csv")
        with open(src, "w") as f:
            f.write("email,first_name\n")
            f.write("".join("lost%02d@imp-lost.example,L%d\n" % (i, i) for i in range(20)))
        self.lose(after("POST", "/api/v2/leads/add", action="reset"))
        self.sh("cp %s campaigns/%s/import" % (src, c["id"]))
        emails = [l["email"] for l in self.table("leads")
                  if (l.get("email") or "").endswith("@imp-lost.example")]
        self.assertEqual(len(emails), 20)
        self.assertEqual(len(set(emails)), 20)
        summary = self.sh("cat campaigns/%s/import" % c["id"])
        self.assertIn("sent again after a lost answer", summary)
        self.assertIn("total: 20 of 20 rows sent", summary)

    def test_mv_of_a_lead_makes_one_move_job(self):
        big = self.campaign("Big Campaign")
        other = self.campaign("Q3 / 50% Outbound")
        lead = next(l for l in self.state["leads"] if l.get("campaign") == big["id"]
                    and l["email"].startswith("big07"))
        before = self.jobs()
        self.lose(after("POST", "/api/v2/leads/move"))
        self.sh("mv campaigns/%s/leads/%s.json campaigns/%s/leads/"
                % (big["id"], lead["email"], other["id"]))
        moved = next(l for l in self.table("leads") if l["id"] == lead["id"])
        self.assertEqual(moved["campaign"], other["id"])
        self.assertEqual(len(self.jobs() - before), 1)

    def test_warmup_makes_one_job(self):
        a = next(a for a in self.state["accounts"] if a["warmup_status"] != 1)
        before = self.jobs()
        self.lose(after("POST", "/api/v2/accounts/warmup", status=503))
        self.sh("echo enabled > accounts/%s/warmup" % a["email"])
        acct = next(x for x in self.table("accounts") if x["email"] == a["email"])
        self.assertEqual(acct["warmup_status"], 1)
        self.assertEqual(len(self.jobs() - before), 1)
        self.assertNotIn("/api/v2/accounts/warmup", self.new_errors())

    def test_an_invite_whose_answer_is_lost_makes_one_member(self):
        self.lose(after("POST", "/api/v2/workspace-members", action="reset"))
        self.sh("echo '{\"role\": \"editor\"}' > members/lost.answer@x.com.json")
        made = [m for m in self.table("workspace_members") if m["email"] == "lost.answer@x.com"]
        self.assertEqual([m["role"] for m in made], ["editor"])
        self.assertIn("lost.answer@x.com.json", os.listdir(self.mnt.path("members")))

    def test_a_verification_is_paid_for_once(self):
        email = "lost.verify@verify-lost.example"
        self.lose(after("POST", "/api/v2/email-verification", action="reset"))
        text = self.sh("cat verify/%s" % email)
        self.assertEqual(json.loads(text)["verification_status"], "verified")
        self.assertCount(self.fake.requests().get("POST /api/v2/email-verification"), 1)

    def test_an_edit_and_a_status_change_are_simply_sent_again(self):
        c = self.campaign("Duplicate Name")
        self.lose(after("PATCH", "/api/v2/campaigns", status=500),
                  after("POST", "/api/v2/campaigns/%s/activate" % c["id"], action="reset"))
        self.sh("sed -i 's/\"daily_limit\": [0-9]*/\"daily_limit\": 41/' campaigns/%s/campaign.json"
                % c["id"])
        self.sh("echo active > campaigns/%s/status" % c["id"])
        now = next(x for x in self.table("campaigns") if x["id"] == c["id"])
        self.assertEqual(now["daily_limit"], 41)
        self.assertEqual(now["status"], 1)
        reqs = self.fake.requests()
        self.assertCount(reqs.get("PATCH /api/v2/campaigns/{id}"), 2, reqs)

    def test_rm_whose_answer_is_lost_is_done_not_enoent(self):
        b = self.state["block_list"][0]
        self.lose(after("DELETE", "/api/v2/block-lists-entries", status=502))
        self.sh("rm 'blocklist/%s'" % b["bl_value"])
        self.assertNotIn(b["id"], [x["id"] for x in self.table("block_list")])
        self.assertNotIn("DELETE /api/v2/block-lists-entries", self.new_errors())

    def test_a_create_whose_lookup_fails_too_is_reported_not_repeated(self):
        # The answer is lost and the lookup fails as well: nobody can say
        # whether the list exists, so the write fails and says so, and the
        # POST is not sent a second time.
        self.sh("ls lead-lists >/dev/null")     # listed while the API works
        self.lose(after("POST", "/api/v2/lead-lists", status=502),
                  {"method": "GET", "path_prefix": "/api/v2/lead-lists", "action": "status",
                   "status": 500, "count": -1})
        self.fake.reset_stats()
        rc, _, err = self.run_tool("mkdir 'lead-lists/Unknown Fate'")
        self.assertNotEqual(rc, 0)
        self.assertIn("POST /api/v2/lead-lists -> outcome unknown", self.new_errors())
        self.fake.clear_faults()
        self.assertEqual([l["name"] for l in self.table("lead_lists")].count("Unknown Fate"), 1)
        self.assertCount(self.fake.requests().get("POST /api/v2/lead-lists"), 1)

    def test_a_create_that_keeps_failing_is_sent_three_times_at_most(self):
        # Every answer is a 502 and every lookup finds nothing: sent three
        # times, each after a lookup, then the write fails as not done.
        self.sh("ls lead-lists >/dev/null")
        self.fake.faults(rules=[{"method": "POST", "path_prefix": "/api/v2/lead-lists",
                                 "action": "status", "status": 502, "count": -1}])
        self.fake.reset_stats()
        rc, _, err = self.run_tool("mkdir 'lead-lists/Never Made'")
        self.assertNotEqual(rc, 0)
        self.assertIn("POST /api/v2/lead-lists -> not done", self.new_errors())
        self.fake.clear_faults()
        self.assertNotIn("Never Made", [l["name"] for l in self.table("lead_lists")])
        self.assertCount(self.fake.requests().get("POST /api/v2/lead-lists"), 3)
