"""A lead's interest status and the custom lead labels, through a real
mount: campaigns/<id>/leads/by-interest/<label>/ links built from the
leads listing, mv / ln -s / rm of a link -> POST
/leads/update-interest-status, and labels/ (mkdir, mv, rmdir, label.json)
against /lead-labels.  Each test checks the fake's state and what the
operation cost in requests."""
import errno
import json
import os
import subprocess

from harness import MountTest

UPDATE = "POST /api/v2/leads/update-interest-status"
LIST_LEADS = "POST /api/v2/leads/list"
LIST_LABELS = "GET /api/v2/lead-labels"
DUP, Q3, DOTS, CAFE, WINTER = 2, 4, 5, 7, 8     # the seed's campaigns, by number


def campaign(n):
    return "01a0f755-f200-7ca0-8000-%012x" % n


BUILTIN = {"Lead", "Interested", "Meeting Booked", "Meeting Completed", "Won",
           "Out of Office", "Not Interested", "Wrong Person", "Lost", "No Show"}
SEED_LABELS = {"Hot Lead", "Not Now", "Needs Nurture"}


class InterestBase(MountTest):

    def lead(self, email):
        """The lead as the server has it now."""
        return next(l for l in self.fake.state(["leads"])["leads"] if l.get("email") == email)

    def status(self, email):
        return self.lead(email).get("lt_interest_status")

    def folder(self, n, label=None):
        """by-interest/ of the seed's campaign n, or one label's folder."""
        path = "campaigns/%s/leads/by-interest" % campaign(n)
        return path + "/" + label if label else path

    def names(self, path):
        return set(os.listdir(self.mnt.path(path)))

    def rename(self, src, dst):
        """rename(2) of one path to another: 0 or the errno."""
        try:
            os.rename(self.mnt.path(src), self.mnt.path(dst))
        except OSError as e:
            return e.errno
        return 0

    def sets(self, cmd, email, expected):
        """Runs cmd, which must send one update-interest-status and no
        other write, and leave the lead with that status (None: none)."""
        self.fake.reset_stats()
        self.sh(cmd)
        self.assertCount(self.writes(), {UPDATE: 1}, self.fake.requests())
        self.assertEqual(self.status(email), expected)

    def writes(self):
        return {k: v for k, v in self.fake.requests().items() if not k.startswith("GET")
                and k != LIST_LEADS}


class InterestTest(InterestBase):
    """The built-in statuses.  Campaign 2 (read, never changed) holds
    dn1-1 (Not Interested), dn1-2 (Out of Office), dn1-3 (no status); the
    tests that change a status each take a lead of their own."""

    def test_by_interest_lists_every_builtin_status_and_custom_label(self):
        self.assertEqual(self.names(self.folder(DUP)), BUILTIN | SEED_LABELS)
        # Not listed in leads/, so that leads/* stays the lead files.
        leads = self.names("campaigns/%s/leads" % campaign(DUP))
        self.assertNotIn("by-interest", leads)
        self.assertTrue(all(n.endswith(".json") for n in leads), leads)

    def test_links_follow_each_leads_status(self):
        d = self.folder(DUP)
        self.assertEqual(self.names(d + "/Not Interested"), {"dn1-1@dup-name.example.json"})
        self.assertEqual(self.names(d + "/Out of Office"), {"dn1-2@dup-name.example.json"})
        self.assertEqual(self.names(d + "/Lead"), {"dn1-3@dup-name.example.json"})
        for empty in (BUILTIN | SEED_LABELS) - {"Not Interested", "Out of Office", "Lead"}:
            self.assertEqual(self.names(d + "/" + empty), set(), empty)
        link = d + "/Not Interested/dn1-1@dup-name.example.json"
        self.assertEqual(self.sh("readlink '%s'" % link), "../../dn1-1@dup-name.example.json\n")
        self.assertEqual(json.loads(self.sh("cat '%s'" % link)), self.lead("dn1-1@dup-name.example"))

    def test_the_views_cost_the_leads_listing_and_the_labels_listing_only(self):
        leads = "campaigns/%s/leads" % campaign(DUP)
        self.refresh()
        self.fake.reset_stats()
        self.sh("ls '%s' >/dev/null" % leads)
        plain = self.fake.requests()
        self.refresh()
        self.fake.reset_stats()
        out = self.sh("ls -lR '%s' && find '%s' -type l -exec readlink {} +"
                      % (self.folder(DUP), self.folder(DUP)))
        self.assertIn("dn1-2@dup-name.example.json", out)
        views = self.fake.requests()
        self.assertCount(views, dict(plain, **{LIST_LABELS: 1}), (plain, views))
        self.fake.reset_stats()
        self.sh("ls -lR '%s' >/dev/null && cat '%s'/*/*.json >/dev/null"
                % (self.folder(DUP), self.folder(DUP)))
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    def test_a_builtin_folder_needs_no_labels_listing(self):
        self.refresh()
        self.fake.reset_stats()
        self.sh("ls '%s' >/dev/null" % self.folder(WINTER, "Meeting Booked"))
        self.assertNotIn(LIST_LABELS, self.fake.requests())

    def test_mv_between_folders_posts_once_and_the_views_follow(self):
        d = self.folder(WINTER)
        name = "winter1@winter.example.json"
        self.sh("ls -R '%s' >/dev/null" % d)
        self.sets("mv '%s/Meeting Booked/%s' '%s/Won/'" % (d, name, d),
                  "winter1@winter.example", 4)
        self.fake.reset_stats()
        self.assertEqual(self.names(d + "/Won"), {name})
        self.assertEqual(self.names(d + "/Meeting Booked"), set())
        self.assertFalse(os.path.lexists(self.mnt.path(d, "Meeting Booked", name)))
        lead_file = "campaigns/%s/leads/%s" % (campaign(WINTER), name)
        self.assertEqual(self.sh("jq .lt_interest_status '%s'" % lead_file), "4\n")
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    def test_ln_s_into_a_folder_sets_that_status(self):
        d = self.folder(3)
        name = "dn2-1@dup-name.example.json"
        os.lstat(self.mnt.path(d, "Lead", name))     # the kernel now holds the name
        self.sets("ln -s '../../%s' '%s/Interested/%s'" % (name, d, name),
                  "dn2-1@dup-name.example", 1)
        self.assertEqual(self.names(d + "/Interested"), {name})
        self.assertNotIn(name, self.names(d + "/Lead"))
        self.assertFalse(os.path.lexists(self.mnt.path(d, "Lead", name)))

    def test_rm_of_a_link_resets_the_lead_to_lead(self):
        lead = self.lead("juergen@cafe-muenster.example")
        self.fake.call("POST", "/_fake/edit", {"table": "leads", "id": lead["id"],
                                               "set": {"lt_interest_status": 3}})
        self.refresh()
        d = self.folder(CAFE)
        name = "juergen@cafe-muenster.example.json"
        self.assertIn(name, self.names(d + "/Meeting Completed"))
        self.sets("rm '%s/Meeting Completed/%s'" % (d, name),
                  "juergen@cafe-muenster.example", None)
        self.assertNotIn("lt_interest_status", self.lead("juergen@cafe-muenster.example"))
        self.assertIn(name, self.names(d + "/Lead"))
        self.assertEqual(self.names(d + "/Meeting Completed"), set())

    def test_leads_sharing_an_address_all_take_the_status(self):
        d = self.folder(Q3)
        shared = sorted(n for n in self.names(d + "/Lead") if n.startswith("shared@dup."))
        self.assertEqual(len(shared), 2, shared)
        self.sets("mv '%s/Lead/%s' '%s/Lost/'" % (d, shared[0], d), "shared@dup.example", -3)
        self.assertEqual([l.get("lt_interest_status") for l in self.fake.state(["leads"])["leads"]
                          if l.get("email") == "shared@dup.example"], [-3, -3])
        self.fake.reset_stats()
        self.assertEqual(sorted(self.names(d + "/Lost")), shared)
        self.assertCount(self.fake.requests(), {LIST_LEADS: 1})

    def test_rm_in_the_lead_folder_is_eperm(self):
        d = self.folder(CAFE)
        self.fake.reset_stats()
        status, _, err = self.run_tool("rm '%s/Lead/zoe@cafe-muenster.example.json'" % d)
        self.assertNotEqual(status, 0)
        self.assertIn("Operation not permitted", err)
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_mv_to_the_folder_it_is_in_sends_nothing(self):
        d = self.folder(CAFE)
        name = "multi@shared.example.json"
        self.fake.reset_stats()
        self.assertEqual(self.rename(d + "/Lead/" + name, d + "/Lead/" + name), 0)
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_unknown_folder_is_enoent_and_changes_nothing(self):
        d = self.folder(DUP, "Lead")
        self.fake.reset_stats()
        status, _, err = self.run_tool("mv '%s/%s' '%s/No Such Status/'"
                                       % (d, "dn1-3@dup-name.example.json",
                                          self.folder(DUP)))
        self.assertNotEqual(status, 0)
        self.assertEqual(self.rename(d + "/x.json", self.folder(DUP, "Nope")
                                     + "/x.json"), errno.ENOENT)
        self.assertFalse(os.path.exists(self.mnt.path(self.folder(DUP, "Nope"))))
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_a_lead_keeps_its_campaign_and_its_name(self):
        d = self.folder(DOTS)
        name = "dots1@dots.example.json"
        self.fake.reset_stats()
        other = self.folder(DUP, "Won") + "/" + name
        self.assertEqual(self.rename(d + "/Lead/" + name, other), errno.EINVAL)
        self.assertEqual(self.rename(d + "/Lead/" + name, d + "/Won/other.json"), errno.EINVAL)
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertNotIn("lt_interest_status", self.lead("dots1@dots.example"))

    def test_ln_s_of_something_that_is_no_lead_is_refused(self):
        d = self.folder(DOTS, "Won")
        self.fake.reset_stats()
        status, _, err = self.run_tool("ln -s ../../nobody@x.example.json '%s/'" % d)
        self.assertNotEqual(status, 0)
        self.assertIn("Invalid argument", err)
        self.assertIn("nobody@x.example.json is not a lead of this campaign",
                      self.sh("cat .instantlyfs/errors"))
        status, _, _ = self.run_tool("ln -s ../../dots2@dots.example.json '%s/renamed.json'" % d)
        self.assertNotEqual(status, 0)
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_a_lead_without_email_is_refused_before_anything_is_sent(self):
        q3 = self.folder(Q3, "Lead")
        nameless = sorted(n for n in self.names(q3) if n.startswith("lead."))
        self.assertEqual(len(nameless), 2, self.names(q3))
        won = q3[:-len("Lead")] + "Won"
        self.fake.reset_stats()
        self.assertEqual(self.rename(q3 + "/" + nameless[0], won + "/" + nameless[0]),
                         errno.EINVAL)
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertIn("the lead has no email", self.sh("cat .instantlyfs/errors"))

    def test_the_apis_refusal_is_einval_with_its_message_and_changes_nothing(self):
        doomed = self.fake.call("POST", "/api/v2/lead-labels",
                                {"label": "Doomed", "interest_status_label": "negative"},
                                api=True)
        self.refresh()
        d = self.folder(DUP)
        name = "dn1-1@dup-name.example.json"
        self.assertIn("Doomed", self.names(d))
        self.fake.call("DELETE", "/api/v2/lead-labels/" + doomed["id"], api=True)
        before = self.lead("dn1-1@dup-name.example")
        self.fake.reset_stats()
        status, _, _ = self.run_tool("mv '%s/Not Interested/%s' '%s/Doomed/'" % (d, name, d))
        self.assertNotEqual(status, 0)
        self.assertCount(self.writes(), {UPDATE: 1}, self.fake.requests())
        self.assertEqual(self.lead("dn1-1@dup-name.example"), before)
        self.assertIn("-> 400: Invalid interest value %d" % doomed["interest_status"],
                      self.sh("cat .instantlyfs/errors"))
        self.assertIn(name, self.names(d + "/Not Interested"))


class CustomStatusTest(InterestBase):
    """Leads that carry a custom label's status (or one no label names)."""

    def test_mv_into_a_custom_label_sets_its_interest_status(self):
        d = self.folder(DUP)
        name = "dn1-3@dup-name.example.json"
        self.sh("ls '%s' >/dev/null" % d)
        self.sets("mv '%s/Lead/%s' '%s/Hot Lead/'" % (d, name, d),
                  "dn1-3@dup-name.example", 5)
        self.fake.reset_stats()
        self.assertEqual(self.names(d + "/Hot Lead"), {name})
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    def test_a_status_no_label_names_shows_as_its_number(self):
        lead = self.lead("dots1@dots.example")
        self.fake.call("POST", "/_fake/edit", {"table": "leads", "id": lead["id"],
                                               "set": {"lt_interest_status": 77}})
        self.refresh()
        d = self.folder(DOTS)
        self.assertEqual(self.names(d), BUILTIN | SEED_LABELS | {"77"})
        self.assertEqual(self.names(d + "/77"), {"dots1@dots.example.json"})
        self.assertFalse(os.path.exists(self.mnt.path(d, "78")))
        # The server refuses a status that is neither built in nor a label's.
        self.fake.reset_stats()
        self.assertEqual(self.rename(d + "/Lead/dots2@dots.example.json",
                                     d + "/77/dots2@dots.example.json"), errno.EINVAL)
        self.assertCount(self.writes(), {UPDATE: 1}, self.fake.requests())
        self.sets("mv '%s/77/dots1@dots.example.json' '%s/Won/'" % (d, d),
                  "dots1@dots.example", 4)
        self.assertNotIn("77", self.names(d))


class LabelsTest(InterestBase):
    """labels/: the workspace's custom lead labels."""

    def label(self, name):
        return next((l for l in self.fake.state(["lead_labels"])["lead_labels"]
                     if l["label"] == name), None)

    def test_ls_and_cat_show_the_server_objects_with_no_request_after_the_listing(self):
        self.refresh()
        self.fake.reset_stats()
        names = self.names("labels")
        self.assertTrue(SEED_LABELS <= names, names)
        self.assertEqual(names, {l["label"] for l in
                                 self.fake.state(["lead_labels"])["lead_labels"]})
        self.assertCount(self.fake.requests(), {LIST_LABELS: 1})
        self.fake.reset_stats()
        text = self.sh("cat 'labels/Hot Lead/label.json'")
        self.assertEqual(json.loads(text), self.label("Hot Lead"))
        self.assertEqual(os.stat(self.mnt.path("labels/Hot Lead/label.json")).st_mode & 0o777,
                         0o644)
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    def test_mkdir_creates_a_neutral_label_once(self):
        self.sh("ls labels >/dev/null")
        self.fake.reset_stats()
        self.sh("mkdir labels/Champion")
        self.assertCount(self.writes(), {"POST /api/v2/lead-labels": 1}, self.fake.requests())
        made = self.label("Champion")
        self.assertEqual(made["interest_status_label"], "neutral")
        self.assertIn("Champion", self.names("labels"))
        self.assertEqual(json.loads(self.sh("cat labels/Champion/label.json")), made)
        # A new label is a new by-interest/ folder.
        self.assertIn("Champion", self.names(self.folder(WINTER)))
        self.fake.reset_stats()
        status, _, err = self.run_tool("mkdir labels/Champion")
        self.assertNotEqual(status, 0)
        self.assertIn("File exists", err)
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_mkdir_the_api_refuses_is_einval_and_makes_nothing(self):
        before = self.fake.state(["lead_labels"])["lead_labels"]
        self.fake.reset_stats()
        status, _, err = self.run_tool("mkdir 'labels/ '")
        self.assertNotEqual(status, 0)
        self.assertIn("Invalid argument", err)
        self.assertEqual(self.fake.state(["lead_labels"])["lead_labels"], before)
        self.assertIn("body/label must match pattern", self.sh("cat .instantlyfs/errors"))

    def test_mv_renames_the_label(self):
        self.sh("mkdir 'labels/Rename Me'")
        made = self.label("Rename Me")
        self.fake.reset_stats()
        self.sh("mv 'labels/Rename Me' 'labels/Renamed'")
        self.assertCount(self.writes(), {"PATCH /api/v2/lead-labels/{id}": 1},
                         self.fake.requests())
        self.assertIsNone(self.label("Rename Me"))
        self.assertEqual(self.label("Renamed")["id"], made["id"])
        names = self.names("labels")
        self.assertIn("Renamed", names)
        self.assertNotIn("Rename Me", names)
        self.fake.reset_stats()
        status, _, _ = self.run_tool("mv -T labels/Renamed 'labels/Hot Lead'")
        self.assertNotEqual(status, 0)
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_rmdir_deletes_the_label(self):
        self.sh("mkdir labels/Gone")
        self.assertIsNotNone(self.label("Gone"))
        self.fake.reset_stats()
        self.sh("rmdir labels/Gone")
        self.assertCount(self.writes(), {"DELETE /api/v2/lead-labels/{id}": 1},
                         self.fake.requests())
        self.assertIsNone(self.label("Gone"))
        self.assertNotIn("Gone", self.names("labels"))

    def test_sed_i_patches_only_the_changed_field(self):
        self.sh("cat 'labels/Needs Nurture/label.json' >/dev/null")
        before = self.label("Needs Nurture")
        self.fake.reset_stats()
        self.sh("sed -i 's/\"interest_status_label\": \"neutral\"/"
                "\"interest_status_label\": \"positive\"/' 'labels/Needs Nurture/label.json'")
        self.assertCount(self.writes(), {"PATCH /api/v2/lead-labels/{id}": 1},
                         self.fake.requests())
        after = self.label("Needs Nurture")
        self.assertEqual(after, dict(before, interest_status_label="positive"))
        self.fake.reset_stats()
        self.sh("sed -i 's/no such text/x/' 'labels/Needs Nurture/label.json'")
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_vim_es_edits_the_description(self):
        path = "labels/Not Now/label.json"
        r = subprocess.run(["vim", "-es", "-u", "NONE", "-i", "NONE", "-c",
                            '%s/"description": null/"description": "Ask again in Q1"/',
                            "-c", "wq", path], cwd=self.mnt.dir, stdin=subprocess.DEVNULL,
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertEqual(self.label("Not Now")["description"], "Ask again in Q1")
        self.assertEqual(json.loads(self.sh("cat '%s'" % path))["description"],
                         "Ask again in Q1")

    def test_read_only_field_and_invalid_json_are_refused_and_kept(self):
        path = "labels/Hot Lead/label.json"
        before = self.label("Hot Lead")
        self.fake.reset_stats()
        status, _, _ = self.run_tool("sed -i 's/\"interest_status\": 5/\"interest_status\": 9/' "
                                     "'%s'" % path)
        self.assertNotEqual(status, 0)
        self.assertIn("interest_status is read-only", self.sh("cat .instantlyfs/errors"))
        self.assertIn('"interest_status": 9', self.sh("cat .instantlyfs/rejected/*label.json"))
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"label": ')
        status, _, _ = self.run_tool("cp '%s' '%s'" % (bad, path))
        self.assertNotEqual(status, 0)
        self.assertIn("invalid JSON", self.sh("cat .instantlyfs/errors"))
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertEqual(self.label("Hot Lead"), before)
        self.assertEqual(json.loads(self.sh("cat '%s'" % path)), before)


class LabelConflictTest(InterestBase):
    """The API's 409 for a label name taken in another case."""

    def test_a_rename_the_api_refuses_is_eexist_and_changes_nothing(self):
        self.sh("ls labels >/dev/null")
        before = self.fake.state(["lead_labels"])["lead_labels"]
        self.fake.reset_stats()
        self.assertEqual(self.rename("labels/Not Now", "labels/hot lead"), errno.EEXIST)
        self.assertCount(self.writes(), {"PATCH /api/v2/lead-labels/{id}": 1},
                         self.fake.requests())
        self.assertEqual(self.fake.state(["lead_labels"])["lead_labels"], before)
        self.assertIn("-> 409", self.sh("cat .instantlyfs/errors"))
