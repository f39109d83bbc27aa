"""The team, inbox placement tests and the audit log through the mount:
members/<email>.json (invite by creating the file, role edits, rm),
placement-tests/<name>/ (test.json, results.json, reports.json, rmdir),
and audit-log.jsonl streamed page by page."""
import json
import os
import time

from harness import MountTest, SEED, wait_for

MEMBERS = "GET /api/v2/workspace-members"
POST_MEMBER = "POST /api/v2/workspace-members"
PATCH_MEMBER = "PATCH /api/v2/workspace-members/{id}"
DELETE_MEMBER = "DELETE /api/v2/workspace-members/{id}"
AUDIT = "GET /api/v2/audit-logs"


def writes(reqs):
    return {k: v for k, v in reqs.items() if not k.startswith("GET")}


def held(fake, key):
    """One table of the fake's state."""
    return fake.state([key])[key]


class MembersTest(MountTest):
    fake_args = ["--seed", SEED]

    def members(self):
        return {m["email"]: m for m in held(self.fake, "workspace_members")}

    def assert_refused(self, path, text, reason, flags=os.O_WRONLY | os.O_TRUNC):
        before = self.members()
        self.fake.reset_stats()
        self.assertEqual(self.write_errno(path, text, flags), 22)     # EINVAL
        self.assertEqual(self.members(), before)
        self.assertIn(reason, self.sh("cat .instantlyfs/errors"))
        name = os.path.basename(path).replace("@", "?")
        self.assertIn(text, self.sh("cat .instantlyfs/rejected/*%s" % name))
        return self.fake.requests()

    def test_ls_cat_jq_listing_costs_the_pages_and_reading_nothing_more(self):
        self.refresh()
        self.fake.reset_stats()
        names = sorted(self.sh("ls members").split())
        self.assertEqual(names, sorted(e + ".json" for e in self.members()))
        listed = self.fake.total()
        self.assertCount(self.fake.requests().get(MEMBERS), 1)
        roles = self.sh("jq -r .role members/*.json").split()
        self.assertEqual(sorted(roles), sorted(m["role"] for m in self.members().values()))
        self.assertCount(self.fake.total(), listed)
        obj = json.loads(self.sh("cat members/admin@acme-outbound.example.json"))
        self.assertEqual(obj, self.members()["admin@acme-outbound.example"])
        self.assertEqual(self.sh("stat -c %a members/viewer@partner.example.json").strip(),
                         "644")

    def test_echo_into_a_new_file_invites_once_with_its_role(self):
        self.fake.reset_stats()
        self.sh("echo '{\"role\": \"editor\"}' > members/new@x.com.json")
        reqs = self.fake.requests()
        self.assertCount(reqs.get(POST_MEMBER), 1, reqs)
        self.assertCount(writes(reqs), {POST_MEMBER: 1}, reqs)
        m = self.members()["new@x.com"]
        self.assertEqual(m["role"], "editor")
        self.assertFalse(m["accepted"])
        self.assertEqual(json.loads(self.sh("cat members/new@x.com.json"))["id"], m["id"])
        self.assertIn("new@x.com.json", self.sh("ls members").split())

    def test_touch_invites_with_the_default_role(self):
        # The empty file is sent when its last handle goes (release),
        # which the kernel tells after touch has returned.
        self.sh("touch members/touched@x.com.json")
        wait_for(lambda: "touched@x.com" in self.members(), what="the invite")
        self.assertEqual(self.members()["touched@x.com"]["role"], "view")

    def test_sed_i_on_the_role_patches_only_the_role(self):
        path = "members/editor@acme-outbound.example.json"
        self.sh("cat %s >/dev/null" % path)
        self.fake.reset_stats()
        self.sh("sed -i 's/\"role\": \"editor\"/\"role\": \"admin\"/' %s" % path)
        reqs = self.fake.requests()
        self.assertCount(writes(reqs), {PATCH_MEMBER: 1}, reqs)
        self.assertEqual(self.members()["editor@acme-outbound.example"]["role"], "admin")
        self.assertEqual(json.loads(self.sh("cat %s" % path))["role"], "admin")
        self.fake.reset_stats()
        self.sh("sed -i 's/no such text/x/' %s" % path)
        self.assertCount(writes(self.fake.requests()), {})

    def test_rm_removes_the_member(self):
        self.sh("echo '{}' > members/leaving@x.com.json")
        self.assertIn("leaving@x.com", self.members())
        self.fake.reset_stats()
        self.sh("rm members/leaving@x.com.json")
        self.assertNotIn("leaving@x.com.json", self.sh("ls members").split())
        end = time.time() + 5
        while "leaving@x.com" in self.members() and time.time() < end:
            time.sleep(0.1)
        self.assertNotIn("leaving@x.com", self.members())
        self.assertCount(self.fake.requests().get(DELETE_MEMBER), 1)

    def test_invalid_json_is_refused(self):
        reqs = self.assert_refused("members/admin@acme-outbound.example.json",
                                   '{"role": "view"', "JSON")
        self.assertCount(writes(reqs), {})

    def test_a_read_only_field_is_refused(self):
        path = "members/admin@acme-outbound.example.json"
        obj = json.loads(self.sh("cat %s" % path))
        obj["accepted"] = False
        reqs = self.assert_refused(path, json.dumps(obj, indent=2), "accepted")
        self.assertCount(writes(reqs), {})

    def test_a_role_the_api_refuses_is_einval_and_kept(self):
        reqs = self.assert_refused("members/viewer@partner.example.json",
                                   '{"role": "boss"}', "role must be one of")
        self.assertCount(writes(reqs), {})
        reqs = self.assert_refused("members/owner2@x.com.json", '{"role": "owner"}',
                                   "cannot be given", os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        self.assertCount(writes(reqs), {POST_MEMBER: 1}, reqs)
        self.assertNotIn("owner2@x.com.json", self.sh("ls members").split())

    def test_cp_of_a_member_invites_the_new_name_with_its_role(self):
        self.fake.reset_stats()
        self.sh("cp members/admin@acme-outbound.example.json members/copied@x.com.json")
        reqs = self.fake.requests()
        self.assertCount(writes(reqs), {POST_MEMBER: 1}, reqs)
        made, admin = self.members()["copied@x.com"], self.members()["admin@acme-outbound.example"]
        self.assertEqual((made["role"], made["nickname"]), (admin["role"], admin["nickname"]))
        self.assertNotEqual(made["id"], admin["id"])
        self.assertFalse(made["accepted"])

    def test_an_invite_with_a_field_it_does_not_take_is_refused(self):
        reqs = self.assert_refused("members/third@x.com.json",
                                   '{"role": "view", "bogus": 1}',
                                   "bogus is not a field an invite takes",
                                   os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
        self.assertCount(writes(reqs), {})


class PlacementTest(MountTest):
    fake_args = ["--seed", SEED]

    def placement_tests(self):
        return held(self.fake, "placement_tests")

    def test_listing_test_json_and_results(self):
        self.refresh()
        self.fake.reset_stats()
        self.assertEqual(sorted(self.sh("ls placement-tests").split("\n")[:-1]),
                         sorted(["Weekly Gmail check", "Outlook %2F Q3"]))
        self.assertEqual(sorted(self.sh("ls 'placement-tests/Weekly Gmail check'").split()),
                         ["reports.json", "results.json", "test.json"])
        t = json.loads(self.sh("cat 'placement-tests/Outlook %2F Q3/test.json'"))
        self.assertEqual(t["name"], "Outlook / Q3")
        reqs = self.fake.requests()
        self.assertCount(reqs, {"GET /api/v2/inbox-placement-tests": 1}, reqs)
        state = self.fake.state(["placement_analytics", "placement_reports"])
        spam = self.sh("jq '[.[] | select(.is_spam)] | length' "
                       "'placement-tests/Weekly Gmail check/results.json'")
        want = [a for a in state["placement_analytics"] if a["test_id"] == self.placement_tests()[0]["id"]]
        self.assertEqual(int(spam), len([a for a in want if a["is_spam"]]))
        reports = json.loads(self.sh("cat 'placement-tests/Outlook %2F Q3/reports.json'"))
        self.assertEqual(reports, [r for r in state["placement_reports"]
                                   if r["test_id"] == t["id"]])
        self.assertEqual(self.sh("stat -c %a 'placement-tests/Outlook %2F Q3/results.json'")
                         .strip(), "444")
        self.fake.reset_stats()
        self.sh("cat placement-tests/*/results.json >/dev/null")
        self.assertCount(self.fake.total(), 0)

    def test_sed_i_renames_a_test_and_rmdir_deletes_one(self):
        self.sh("sed -i 's/\"name\": \"Weekly Gmail check\"/\"name\": \"Daily Gmail check\"/'"
                " 'placement-tests/Weekly Gmail check/test.json'")
        self.assertIn("Daily Gmail check", [t["name"] for t in self.placement_tests()])
        self.assertIn("Daily Gmail check", self.sh("ls placement-tests"))
        gone = next(t for t in self.placement_tests() if t["name"] == "Outlook / Q3")
        self.fake.reset_stats()
        self.sh("rmdir 'placement-tests/Outlook %2F Q3'")
        self.assertNotIn(gone["id"], [t["id"] for t in self.placement_tests()])
        self.assertCount(self.fake.requests().get("DELETE /api/v2/inbox-placement-tests/{id}"),
                         1)

    def test_a_read_only_field_and_mkdir_are_refused(self):
        path = "placement-tests/Daily Gmail check/test.json"
        if not os.path.exists(self.mnt.path(path)):
            path = "placement-tests/Weekly Gmail check/test.json"
        obj = json.loads(self.sh("cat '%s'" % path))
        obj["email_subject"] = "changed"
        before = self.placement_tests()
        self.assertEqual(self.write_errno(path, json.dumps(obj), os.O_WRONLY | os.O_TRUNC), 22)
        self.assertIn("email_subject", self.sh("cat .instantlyfs/errors"))
        self.assertEqual(self.placement_tests(), before)
        rc, _, _ = self.run_tool("mkdir 'placement-tests/New test'")
        self.assertNotEqual(rc, 0)
        self.assertEqual(len(self.placement_tests()), len(before))


class AuditLogTest(MountTest):
    fake_args = ["--seed", SEED]

    def entries(self):
        return held(self.fake, "audit_logs")

    def test_head_costs_one_page(self):
        self.refresh()
        self.fake.reset_stats()
        lines = self.sh("head -n 3 audit-log.jsonl").splitlines()
        self.assertEqual(len(lines), 3)
        newest = sorted(self.entries(), key=lambda a: a["timestamp"], reverse=True)
        self.assertEqual([json.loads(l) for l in lines], newest[:3])
        self.assertCount(self.fake.requests(), {AUDIT: 1})

    def test_wc_jq_grep_tail_see_the_whole_log(self):
        self.refresh()
        entries = self.entries()
        self.fake.reset_stats()
        self.assertEqual(int(self.sh("wc -l < audit-log.jsonl")), len(entries))
        pages = self.fake.requests().get(AUDIT)
        self.assertCount(pages, (len(entries) + 99) // 100 or 1)
        parsed = self.sh("jq -c . audit-log.jsonl").splitlines()
        self.assertEqual(len(parsed), len(entries))
        self.assertEqual(parsed, self.sh("cat audit-log.jsonl").splitlines())
        self.assertCount(self.fake.requests().get(AUDIT), pages)    # pages cached
        ids = [json.loads(l)["id"] for l in parsed]
        self.assertEqual(sorted(ids), sorted(a["id"] for a in entries))
        times = [json.loads(l)["timestamp"] for l in parsed]
        self.assertEqual(times, sorted(times, reverse=True))
        one = entries[len(entries) // 2]
        found = self.sh("grep -F '\"seq\":%d}' audit-log.jsonl" % one["audit_metadata"]["seq"])
        self.assertEqual(json.loads(found)["id"], one["id"])
        oldest = min(entries, key=lambda a: a["timestamp"])
        self.assertEqual(json.loads(self.sh("tail -n 1 audit-log.jsonl"))["id"], oldest["id"])
        self.assertEqual(self.sh("stat -c %a audit-log.jsonl").strip(), "444")
