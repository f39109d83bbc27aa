"""A campaign's subsequences and the sending-status documents, driven with
ls, cat, jq, sed -i, echo, mkdir, rmdir and cp, then checked against the
fake API's state and request counts."""
import json
import os

from harness import MountTest, SEED

BIG = "01a0f755-f200-7ca0-8000-000000000001"       # Big Campaign
Q3 = "01a0f755-f200-7ca0-8000-000000000004"        # Q3 / 50% Outbound
LIST = "GET /api/v2/subsequences"
PATCH = "PATCH /api/v2/subsequences/{id}"
CREATE = "POST /api/v2/subsequences"


def subdir(campaign=BIG, name=None):
    d = "campaigns/%s/subsequences" % campaign
    return d if name is None else "%s/%s" % (d, name)


class SubsequenceTest(MountTest):
    fake_args = ["--seed", SEED]

    def server(self, name=None, sid=None):
        """The subsequence called name (or with id sid) as the fake has it."""
        found = [s for s in self.fake.state(["subsequences"])["subsequences"]
                 if s["name"] == name or s["id"] == sid]
        self.assertLessEqual(len(found), 1, found)
        return found[0] if found else None

    def writes(self):
        return {k: v for k, v in self.fake.requests().items() if not k.startswith("GET")}

    def last_rejected(self):
        names = sorted(os.listdir(self.mnt.path(".instantlyfs", "rejected")),
                       key=lambda n: int(n.split("-", 1)[0]))
        return self.sh("cat '.instantlyfs/rejected/%s'" % names[-1]) if names else ""

    def assert_refused(self, name, text, reason, sent=0):
        path = "%s/subsequence.json" % subdir(name=name.replace("/", "%2F"))
        before = self.server(name)
        self.fake.reset_stats()
        self.assertEqual(self.write_errno(path, text), 22)      # EINVAL
        self.assertCount(self.writes(), {PATCH: sent} if sent else {})
        self.assertEqual(self.server(name), before)
        self.assertIn(reason, self.sh("cat .instantlyfs/errors"))
        self.assertEqual(self.last_rejected(), text)
        self.assertEqual(json.loads(self.sh("cat '%s'" % path)), before)


class ReadTest(SubsequenceTest):
    def test_ls_names_subsequences_escaped_and_clashes_by_id(self):
        self.assertEqual(sorted(os.listdir(self.mnt.path(subdir()))),
                         ["Interested leads", "No reply nudge", "Out of office %2F later"])
        self.assertEqual(sorted(os.listdir(self.mnt.path(subdir(Q3)))),
                         ["Re-engage.01a0f755-f200-75b5-8000-000000000004",
                          "Re-engage.01a0f755-f200-75b5-8000-000000000005"])
        self.assertEqual(os.listdir(self.mnt.path(subdir("01a0f755-f200-7ca0-8000-000000000002"))),
                         [])
        self.assertEqual(sorted(os.listdir(self.mnt.path(subdir(name="No reply nudge")))),
                         ["duplicate", "sending-status.json", "sequence", "status",
                          "subsequence.json"])

    def test_reading_after_listing_costs_no_request(self):
        self.refresh()
        self.sh("ls campaigns >/dev/null")
        self.fake.reset_stats()
        names = self.sh("ls '%s'" % subdir()).split("\n")[:-1]
        self.assertCount(self.fake.requests(), {LIST: 1})
        out = self.sh("cd '%s' && jq -r .name */subsequence.json && cat */status" % subdir())
        self.assertEqual(out.split("\n")[:3], ["Interested leads", "No reply nudge",
                                              "Out of office / later"])
        self.assertEqual(out.split("\n")[3:6], ["active", "paused", "draft"])
        self.assertEqual(len(names), 3)
        self.assertCount(self.fake.requests(), {LIST: 1})

    def test_cat_shows_the_server_object_with_its_sequences(self):
        text = self.sh("cat '%s/subsequence.json'" % subdir(name="Interested leads"))
        obj = json.loads(text)
        self.assertEqual(obj, self.server("Interested leads"))
        self.assertEqual(text, self.pretty(obj))
        steps = obj["sequences"][0]["steps"]
        self.assertEqual([len(s["variants"]) for s in steps], [2, 1])
        self.assertEqual(self.sh("jq -r '.sequences[0].steps[0].variants[1].subject' "
                                 "'%s/subsequence.json'" % subdir(name="Interested leads")),
                         "Next steps\n")

    def test_sending_status_documents(self):
        camp = json.loads(self.sh("cat campaigns/%s/sending-status.json" % BIG))
        self.assertEqual(camp["diagnostics"]["campaign_id"], BIG)
        self.assertEqual(camp["summary"]["status"], "healthy")
        self.assertNotIn("ai_summary", camp["summary"])
        sub = json.loads(self.sh("cat '%s/sending-status.json'" % subdir(name="No reply nudge")))
        self.assertEqual(sub["diagnostics"]["subsequence_id"], self.server("No reply nudge")["id"])
        self.assertEqual(sub["summary"]["status"], "campaign_paused")
        self.fake.reset_stats()
        self.sh("cat '%s/sending-status.json' campaigns/%s/sending-status.json >/dev/null"
                % (subdir(name="No reply nudge"), BIG))
        self.assertCount(self.fake.requests(), {})     # cached while fresh

    def test_modes(self):
        d = subdir(name="Interested leads")
        modes = {n: oct(os.stat(self.mnt.path(d, n)).st_mode & 0o777)
                 for n in ("subsequence.json", "status", "sending-status.json", "duplicate")}
        self.assertEqual(modes, {"subsequence.json": "0o644", "status": "0o644",
                                 "sending-status.json": "0o444", "duplicate": "0o200"})
        self.assertEqual(oct(os.stat(self.mnt.path("campaigns", BIG, "sending-status.json"))
                             .st_mode & 0o777), "0o444")
        rc, _, err = self.run_tool("echo x > '%s/sending-status.json'" % d)
        self.assertNotEqual(rc, 0)
        rc, _, err = self.run_tool("rm '%s/subsequence.json'" % d)
        self.assertNotEqual(rc, 0)
        self.assertIn("Operation not permitted", err)


class EditTest(SubsequenceTest):
    def test_sed_i_patches_only_the_changed_field(self):
        path = "%s/subsequence.json" % subdir(name="No reply nudge")
        before = self.server("No reply nudge")
        self.sh("cat '%s' >/dev/null" % path)
        self.fake.reset_stats()
        self.sh("sed -i 's/\"daily_limit\": 40/\"daily_limit\": 55/' '%s'" % path)
        self.assertCount(self.writes(), {PATCH: 1})
        after = self.server("No reply nudge")
        self.assertEqual(after, dict(before, daily_limit=55))
        self.assertEqual(json.loads(self.sh("cat '%s'" % path))["daily_limit"], 55)

    def test_unchanged_write_sends_nothing(self):
        path = "%s/subsequence.json" % subdir(name="Out of office %2F later")
        self.sh("cp '%s' '%s/copy.json'" % (path, self.tmp))
        self.fake.reset_stats()
        self.sh("cp '%s/copy.json' '%s' && sed -i 's/no such text/x/' '%s'"
                % (self.tmp, path, path))
        self.assertCount(self.writes(), {})

    def test_jq_edit_of_a_variant_subject(self):
        d = subdir(name="Interested leads")
        self.sh("jq '.sequences[0].steps[1].variants[0].subject = \"Still interested?\"' "
                "'%s/subsequence.json' > '%s/new.json' && mv '%s/new.json' '%s/subsequence.json'"
                % (d, d, d, d))
        self.assertNotIn("new.json", os.listdir(self.mnt.path(d)))
        steps = self.server("Interested leads")["sequences"][0]["steps"]
        self.assertEqual(steps[1]["variants"][0]["subject"], "Still interested?")
        self.assertEqual(steps[0]["variants"][0]["subject"], "Great to hear, {{firstName}}")

    def test_renaming_in_the_json_renames_the_folder(self):
        path = "%s/subsequence.json" % subdir(Q3, "Re-engage.01a0f755-f200-75b5-8000-000000000005")
        self.sh("sed -i 's/\"name\": \"Re-engage\"/\"name\": \"Opened twice\"/' '%s'" % path)
        self.assertEqual(self.server(sid="01a0f755-f200-75b5-8000-000000000005")["name"],
                         "Opened twice")
        self.assertEqual(sorted(os.listdir(self.mnt.path(subdir(Q3)))),
                         ["Opened twice", "Re-engage"])

    def test_status_pause_and_resume_once_each(self):
        d = subdir(name="Interested leads")
        self.fake.reset_stats()
        self.sh("echo paused > '%s/status'" % d)
        self.assertEqual(self.server("Interested leads")["status"], 2)
        self.assertEqual(self.sh("cat '%s/status'" % d), "paused\n")
        self.sh("echo paused > '%s/status'" % d)        # already so: nothing sent
        self.assertCount(self.writes(), {"POST /api/v2/subsequences/{id}/pause": 1})
        self.sh("printf active > '%s/status'" % d)
        self.assertEqual(self.server("Interested leads")["status"], 1)
        self.assertEqual(self.sh("cat '%s/status'" % d), "active\n")
        self.assertCount(self.writes(), {"POST /api/v2/subsequences/{id}/pause": 1,
                                         "POST /api/v2/subsequences/{id}/resume": 1})

    def test_unknown_status_word_is_einval(self):
        d = subdir(name="Interested leads")
        self.fake.reset_stats()
        self.assertEqual(self.write_errno("%s/status" % d, "running\n"), 22)
        self.assertIn('"active" or "paused"', self.sh("cat .instantlyfs/errors"))
        self.assertCount(self.writes(), {})

    def test_invalid_json_is_einval_nothing_sent_text_kept(self):
        self.assert_refused("Out of office / later", '{"daily_limit": 5,', "JSON")

    def test_read_only_field_is_einval(self):
        obj = dict(self.server("Out of office / later"), status=1)
        self.assert_refused("Out of office / later", json.dumps(obj, indent=2), "status")



class RefusedByTheApiTest(SubsequenceTest):
    """The API's own refusal of an edit (a 400, which the spec does not
    list for PATCH /subsequences/{id}: see harness.NO_PROXY)."""

    def test_a_request_the_api_refuses_is_einval_with_its_message(self):
        obj = dict(self.server("Out of office / later"), daily_limit_mode="custom")
        self.assert_refused("Out of office / later", json.dumps(obj, indent=2),
                            "daily_limit must be a number", sent=1)


class MakeTest(SubsequenceTest):
    def test_mkdir_creates_once_and_resolves_at_once(self):
        self.fake.reset_stats()
        self.sh("mkdir '%s' && cat '%s/status'" % (subdir(name="Hot leads"),
                                                  subdir(name="Hot leads")))
        made = self.server("Hot leads")
        self.assertEqual(made["parent_campaign"], BIG)
        self.assertEqual(made["conditions"], {"lead_activity": [91]})
        self.assertEqual(made["status"], 0)
        self.assertCount(self.writes(), {CREATE: 1})
        self.assertEqual(json.loads(self.sh("cat '%s/subsequence.json'"
                                            % subdir(name="Hot leads")))["id"], made["id"])
        self.assertIn("Hot leads", os.listdir(self.mnt.path(subdir())))
        rc, _, err = self.run_tool("mkdir '%s'" % subdir(name="Hot leads"))
        self.assertNotEqual(rc, 0)
        self.assertIn("File exists", err)
        self.assertCount(self.writes(), {CREATE: 1})

    def test_mkdir_of_an_escaped_name_and_in_a_campaign_made_by_mkdir(self):
        self.sh("mkdir 'campaigns/Parent Made Here' && "
                "mkdir 'campaigns/Parent Made Here/subsequences/Yes %2F no'")
        camp = next(c for c in self.fake.state(["campaigns"])["campaigns"]
                    if c["name"] == "Parent Made Here")
        made = self.server("Yes / no")
        self.assertEqual(made["parent_campaign"], camp["id"])
        self.assertEqual(os.listdir(self.mnt.path(subdir(camp["id"]))), ["Yes %2F no"])

    def test_rmdir_deletes_the_subsequence(self):
        gone = self.server("Winter warm-up")
        d = subdir("01a0f755-f200-7ca0-8000-000000000008", "Winter warm-up")
        self.sh("cat '%s/status' >/dev/null" % d)
        self.fake.reset_stats()
        self.sh("rmdir '%s'" % d)
        self.assertIsNone(self.server(sid=gone["id"]))
        self.assertCount(self.writes(), {"DELETE /api/v2/subsequences/{id}": 1})
        self.assertFalse(os.path.exists(self.mnt.path(d)))

    def test_writing_a_name_to_duplicate_copies_it_once(self):
        src = self.server("Interested leads")
        self.fake.reset_stats()
        self.sh("echo 'Interested, second try' > '%s/duplicate'"
                % subdir(name="Interested leads"))
        copy = self.server("Interested, second try")
        self.assertCount(self.writes(), {"POST /api/v2/subsequences/{id}/duplicate": 1})
        self.assertNotEqual(copy["id"], src["id"])
        for field in ("parent_campaign", "conditions", "sequences", "subsequence_schedule"):
            self.assertEqual(copy[field], src[field], field)
        self.assertEqual(copy["status"], 0)
        self.assertIn("Interested, second try", os.listdir(self.mnt.path(subdir())))
        self.assertEqual(self.write_errno("%s/duplicate" % subdir(name="Interested leads"),
                                          "No reply nudge\n"), 17)     # EEXIST
        self.assertCount(self.writes(), {"POST /api/v2/subsequences/{id}/duplicate": 1})

    def test_cp_r_makes_a_new_subsequence_not_a_duplicate(self):
        """cp -r makes the folder (a new subsequence, at once), then
        creates each file with O_EXCL, which the kernel refuses for the
        files the new folder has: cp fails, the source is unchanged, and
        nothing is duplicated (see docs/layout.md; duplicate is the copy)."""
        src = self.server("No reply nudge")
        self.fake.reset_stats()
        rc, _, err = self.run_tool("cp -r '%s' '%s'" % (subdir(name="No reply nudge"),
                                                        subdir(name="Copied by cp")))
        self.assertNotEqual(rc, 0)
        self.assertIn("File exists", err)
        self.assertCount(self.writes(), {CREATE: 1})
        made = self.server("Copied by cp")
        self.assertEqual(made["conditions"], {"lead_activity": [91]})
        self.assertEqual(self.server("No reply nudge"), src)
