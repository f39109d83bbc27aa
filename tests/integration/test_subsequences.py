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

    def assert_duplicated(self, src, name, writes=None):
        """name is src's duplicate, made by one request, shown as the
        server has it."""
        copy = self.server(name)
        self.assertNotEqual(copy["id"], src["id"])
        for field in ("parent_campaign", "conditions", "sequences", "subsequence_schedule",
                      "daily_limit_mode", "daily_limit"):
            self.assertEqual(copy[field], src[field], field)
        self.assertCount(self.writes(), writes or
                         {"POST /api/v2/subsequences/{id}/duplicate": 1})
        d = subdir(name=name.replace("/", "%2F"))
        self.assertEqual(json.loads(self.sh("cat '%s/subsequence.json'" % d)), copy)
        self.assertEqual(self.sh("cat '%s/status'" % d), "draft\n")
        self.assertEqual(sorted(os.listdir(self.mnt.path(d))),
                         ["duplicate", "sending-status.json", "sequence", "status",
                          "subsequence.json"])
        self.assertEqual(self.sh("ls '%s' | grep -c '^%s$'" % (subdir(), name)), "1\n")
        self.assertEqual(self.sh("head -1 '%s/sequence/1/a.txt'" % d),
                         "Subject: %s\n" % src["sequences"][0]["steps"][0]["variants"][0]["subject"])

    def copy(self, cmd):
        """Runs a copy into a subsequences/ folder: it may only say that
        the copy's sequence/ exists (the duplicate has its own email copy,
        and a folder on its way holds files only)."""
        rc, _, err = self.run_tool(cmd)
        self.assertEqual([l for l in err.splitlines()
                          if not l.endswith("/sequence': File exists")], [], err)
        return rc

    def test_cp_r_duplicates_once(self):
        src = self.server("Interested leads")
        self.fake.reset_stats()
        self.copy("cp -r '%s' '%s'" % (subdir(name="Interested leads"),
                                       subdir(name="Interested, copied")))
        self.assert_duplicated(src, "Interested, copied")
        self.assertEqual(self.server("Interested leads"), src)

    def test_cp_a_duplicates_once(self):
        src = self.server("No reply nudge")
        self.fake.reset_stats()
        self.copy("cp -a '%s' '%s'" % (subdir(name="No reply nudge"), subdir(name="Nudge again")))
        self.assert_duplicated(src, "Nudge again")

    def test_cp_r_back_from_a_copy_elsewhere_with_another_name(self):
        src = self.server("Out of office / later")
        self.sh("cp -r '%s' '%s/kept'" % (subdir(name="Out of office %2F later"), self.tmp))
        self.sh("sed -i 's/\"name\": \"Out of office \\/ later\"/\"name\": \"Back\"/' "
                "'%s/kept/subsequence.json'" % self.tmp)
        self.fake.reset_stats()
        # Another filesystem lists the files in an order of its own: when
        # subsequence.json comes first, the copy is made then, and cp says
        # the files it copies after it exist.
        rc, _, err = self.run_tool("cp -r '%s/kept' '%s'"
                                   % (self.tmp, subdir(name="Back from backup")))
        self.assertEqual([l for l in err.splitlines() if not l.endswith("File exists")], [],
                         err)
        self.assert_duplicated(src, "Back from backup")

    def test_cp_r_of_a_copy_changed_beyond_its_name_is_refused(self):
        self.sh("cp -r '%s' '%s/changed'" % (subdir(name="No reply nudge"), self.tmp))
        self.sh("sed -i 's/\"daily_limit\": 40/\"daily_limit\": 41/' '%s/changed/subsequence.json'"
                % self.tmp)
        before = self.fake.state(["subsequences"])
        self.fake.reset_stats()
        rc, _, err = self.run_tool("cp -r '%s/changed' '%s'" % (self.tmp,
                                                                 subdir(name="Not a copy")))
        self.assertNotEqual(rc, 0)
        self.assertIn("Invalid argument", err)
        self.assertCount(self.writes(), {})
        self.assertEqual(self.fake.state(["subsequences"]), before)
        self.assertIn("changed beyond its name", self.sh("cat .instantlyfs/errors"))
        self.assertIn('"daily_limit": 41', self.last_rejected())
        # A local folder still: its files go with rm -r, and nothing is sent.
        self.sh("rm -r '%s'" % subdir(name="Not a copy"))
        self.assertFalse(os.path.exists(self.mnt.path(subdir(name="Not a copy"))))
        self.assertCount(self.writes(), {})

    def test_a_folder_made_with_another_mode_waits_for_its_subsequence_json(self):
        d = subdir(name="Made by hand")
        self.fake.reset_stats()
        os.mkdir(self.mnt.path(d), 0o755)       # as a copy asks for it
        self.assertEqual(os.listdir(self.mnt.path(d)), [])
        self.assertFalse(os.path.exists(self.mnt.path(d, "status")))
        self.assertIn("Made by hand", os.listdir(self.mnt.path(subdir())))
        self.assertCount(self.writes(), {})
        self.sh("echo '{\"conditions\": {\"crm_status\": [1]}, \"daily_limit_mode\": "
                "\"unlimited\"}' > '%s/subsequence.json'" % d)
        made = self.server("Made by hand")
        self.assertEqual(made["conditions"], {"crm_status": [1]})
        self.assertEqual(made["daily_limit_mode"], "unlimited")
        self.assertCount(self.writes(), {CREATE: 1})
        self.assertEqual(self.sh("cat '%s/status'" % d), "draft\n")

    def test_rmdir_of_a_folder_on_its_way_sends_nothing(self):
        d = subdir(name="Never mind")
        self.fake.reset_stats()
        os.mkdir(self.mnt.path(d), 0o700)
        os.rmdir(self.mnt.path(d))
        self.assertFalse(os.path.exists(self.mnt.path(d)))
        self.assertCount(self.writes(), {})
        self.assertIsNone(self.server("Never mind"))


class RenameTest(SubsequenceTest):
    def test_mv_of_the_folder_renames_it(self):
        sid = self.server("Interested leads")["id"]
        self.fake.reset_stats()
        self.sh("mv '%s' '%s'" % (subdir(name="Interested leads"), subdir(name="Keen leads")))
        self.assertEqual(self.server(sid=sid)["name"], "Keen leads")
        self.assertCount(self.writes(), {PATCH: 1})
        self.assertEqual(self.sh("cat '%s/status'" % subdir(name="Keen leads")), "active\n")
        self.assertFalse(os.path.exists(self.mnt.path(subdir(name="Interested leads"))))
        # Not to another campaign: nothing is copied there or sent.
        rc, _, err = self.run_tool("mv '%s' '%s'" % (subdir(name="Keen leads"),
                                                     subdir(Q3, "Keen leads")))
        self.assertNotEqual(rc, 0)
        self.assertCount(self.writes(), {PATCH: 1})
        self.assertEqual(self.server(sid=sid)["parent_campaign"], BIG)
