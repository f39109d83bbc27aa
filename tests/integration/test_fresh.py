"""Nothing stale: the kernel keeps what the mount's cache holds, and what a
program reads after a refresh, after its own write or after the TTL is what
the server has.

Changes are made on the fake behind the mount's back (POST /_fake/edit)
keeping the object's size and timestamp_updated, so that nothing but the
bytes tells them apart; they are read with cat and grep -r, and by a
process that held the file open before the change (it keeps the bytes it
opened, never a mix, and its next open sees the new ones).
"""
import json
import os
import subprocess
import time

from harness import SEED, MountTest, wait_for


def same_length_change(text):
    """text with its last letter changed: same length, other bytes."""
    last = text[-1]
    return text[:-1] + ("b" if last != "b" else "c")


class FreshTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        state = self.fake.state()
        self.big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        self.leads_dir = "campaigns/%s/leads" % self.big["id"]
        self.leads = sorted((l for l in state["leads"] if l.get("campaign") == self.big["id"]),
                            key=lambda l: l["email"])

    def path(self, lead):
        return "%s/%s.json" % (self.leads_dir, lead["email"])

    def edit(self, table, oid, **fields):
        return self.fake.call("POST", "/_fake/edit", {"table": table, "id": oid, "set": fields})

    def refresh_now(self):
        """.instantlyfs/refresh, without waiting: the kernel is told
        before the write returns."""
        with open(self.mnt.path(".instantlyfs", "refresh"), "w") as f:
            f.write("1\n")

    def cat(self, rel):
        return self.sh("cat '%s'" % rel)

    def test_refresh_shows_a_same_size_change_to_cat_grep_and_stat(self):
        lead = self.leads[40]
        before = self.cat(self.path(lead))
        self.cat(self.path(lead))      # now in the kernel's page cache
        size = os.stat(self.mnt.path(self.path(lead))).st_size
        name = same_length_change(lead["first_name"])
        self.edit("leads", lead["id"], first_name=name)
        self.refresh_now()
        after = self.cat(self.path(lead))
        self.assertEqual(len(after), len(before))
        self.assertEqual(json.loads(after)["first_name"], name)
        self.assertEqual(os.stat(self.mnt.path(self.path(lead))).st_size, size)
        found = self.sh("grep -rl '\"first_name\": \"%s\"' %s" % (name, self.leads_dir))
        self.assertIn(lead["email"] + ".json", found)

    def test_refresh_shows_a_new_size_to_stat_and_ls(self):
        lead = self.leads[46]
        rel = self.path(lead)
        self.cat(rel)
        old_size = os.stat(self.mnt.path(rel)).st_size
        self.edit("leads", lead["id"], first_name=lead["first_name"] + "-Longer")
        self.refresh_now()
        size = os.stat(self.mnt.path(rel)).st_size
        self.assertEqual(size, old_size + len("-Longer"))
        self.assertIn(" %d " % size, self.sh("ls -l '%s'" % rel))
        self.assertEqual(len(self.cat(rel).encode()), size)

    def test_refresh_shows_an_object_deleted_behind_the_back_as_gone(self):
        lead = self.leads[47]
        rel = self.path(lead)
        self.cat(rel)
        self.assertIn(lead["email"] + ".json", os.listdir(self.mnt.path(self.leads_dir)))
        self.fake.call("DELETE", "/api/v2/leads/%s" % lead["id"], api=True)
        self.refresh_now()
        self.assertFalse(os.path.exists(self.mnt.path(rel)))
        self.assertNotIn(lead["email"] + ".json", os.listdir(self.mnt.path(self.leads_dir)))
        rc, _, err = self.run_tool("cat '%s'" % rel)
        self.assertNotEqual(rc, 0)
        self.assertIn("No such file", err)

    def test_an_open_file_keeps_its_bytes_and_the_next_open_sees_new_ones(self):
        # A lead of 200 KB, read a page at a time by a process that opened
        # it before the change, while another reads the new bytes whole.
        lead = self.leads[41]
        long_text = "n" * 200000
        self.edit("leads", lead["id"], payload={"notes": long_text + "a"})
        self.refresh_now()
        path = self.mnt.path(self.path(lead))
        with open(path, "rb") as held:
            first = held.read(4096)
            self.edit("leads", lead["id"], payload={"notes": long_text + "b"})
            self.refresh_now()
            with open(path, "rb") as fresh:
                new = fresh.read()
            rest = held.read()
        old = first + rest
        self.assertIn(b'"notes": "' + long_text.encode() + b'a"', old)
        self.assertNotIn(b'"' + long_text.encode() + b'b"', old)
        self.assertIn(b'"notes": "' + long_text.encode() + b'b"', new)
        self.assertEqual(len(old), len(new))
        with open(path, "rb") as again:
            self.assertEqual(again.read(), new)

    def test_an_email_marked_read_behind_the_back_shows_after_refresh(self):
        email = next(e for e in self.fake.state()["emails"] if e.get("is_unread"))
        rel = "emails/%s/email.json" % email["id"]
        self.assertEqual(json.loads(self.cat(rel))["is_unread"], 1)
        self.assertIn(email["id"], os.listdir(self.mnt.path("emails", "unread")))
        self.edit("emails", email["id"], is_unread=0)
        self.refresh_now()
        self.assertEqual(json.loads(self.cat(rel))["is_unread"], 0)
        self.assertNotIn(email["id"], os.listdir(self.mnt.path("emails", "unread")))

    def test_a_commit_is_read_back_as_the_server_answered_at_once(self):
        lead = self.leads[42]
        rel = self.path(lead)
        self.cat(rel)
        self.sh("sed -i 's/\"last_name\": \"%s\"/\"last_name\": \"Fresh\"/' '%s'"
                % (lead["last_name"], rel))
        server = next(l for l in self.fake.state()["leads"] if l["id"] == lead["id"])
        text = self.cat(rel)
        self.assertEqual(json.loads(text), server)
        self.assertEqual(os.stat(self.mnt.path(rel)).st_size, len(text.encode()))
        self.assertIn(lead["email"], self.sh("grep -rl '\"last_name\": \"Fresh\"' %s"
                                             % self.leads_dir))

    def test_a_refused_commit_shows_the_servers_text_again(self):
        lead = self.leads[43]
        rel = self.path(lead)
        before = self.cat(rel)
        rc, _, _ = self.run_tool("printf '{ not json' > '%s'; cat '%s' > /dev/null" % (rel, rel))
        self.assertEqual(self.cat(rel), before)
        self.assertEqual(os.stat(self.mnt.path(rel)).st_size, len(before.encode()))

    def test_a_new_file_keeps_its_inode_once_committed(self):
        # touch(1): open, dup, close (the lead is made), then futimens on
        # the other descriptor.  A lookup between the two sees the lead's
        # bytes for the first time; the inode touch holds must still be
        # the file.
        path = self.mnt.path(self.leads_dir, "kept-inode@new.example.json")
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        held = os.dup(fd)
        try:
            os.close(fd)
            self.assertIn("kept-inode@new.example.json",
                          os.listdir(self.mnt.path(self.leads_dir)))
            before = os.stat(path).st_ino
            os.utime(held)
            self.assertEqual(os.fstat(held).st_ino, before)
        finally:
            os.close(held)
        self.assertEqual(json.loads(self.cat(self.path({"email": "kept-inode@new.example"})))
                         ["email"], "kept-inode@new.example")

    def test_rm_mv_and_rmdir_leave_no_stale_name(self):
        gone, moved = self.leads[44], self.leads[45]
        self.cat(self.path(gone))
        self.cat(self.path(moved))
        self.sh("rm '%s'" % self.path(gone))
        self.assertNotIn(gone["email"] + ".json", os.listdir(self.mnt.path(self.leads_dir)))
        self.assertFalse(os.path.exists(self.mnt.path(self.path(gone))))
        other = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Winter Reactivation")
        target = "campaigns/%s/leads/%s.json" % (other["id"], moved["email"])
        os.listdir(self.mnt.path("campaigns", other["id"], "leads"))
        self.sh("mv '%s' '%s'" % (self.path(moved), target))
        self.assertFalse(os.path.exists(self.mnt.path(self.path(moved))))
        self.assertNotIn(moved["email"] + ".json", os.listdir(self.mnt.path(self.leads_dir)))
        self.assertIn(moved["email"] + ".json",
                      os.listdir(self.mnt.path("campaigns", other["id"], "leads")))
        lst = next(l for l in self.fake.state()["lead_lists"] if l["name"] == "Empty List")
        self.assertIn(lst["id"], os.listdir(self.mnt.path("lead-lists")))
        os.stat(self.mnt.path("lead-lists", lst["id"], "list.json"))
        self.sh("rmdir lead-lists/%s" % lst["id"])
        self.assertNotIn(lst["id"], os.listdir(self.mnt.path("lead-lists")))
        self.assertFalse(os.path.exists(self.mnt.path("lead-lists", lst["id"], "list.json")))


class ExpiryTest(MountTest):
    """The same change, seen once the TTL has run out, with no refresh."""

    fake_args = ["--seed", SEED]
    mount_opts = ["cache_ttl=1"]

    def test_an_expired_ttl_shows_the_new_bytes(self):
        state = self.fake.state()
        big = next(c for c in state["campaigns"] if c["name"] == "Big Campaign")
        lead = next(l for l in state["leads"] if l.get("campaign") == big["id"])
        rel = "campaigns/%s/leads/%s.json" % (big["id"], lead["email"])
        self.sh("cat '%s' >/dev/null; cat '%s' >/dev/null" % (rel, rel))
        name = same_length_change(lead["first_name"])
        self.fake.call("POST", "/_fake/edit", {"table": "leads", "id": lead["id"],
                                                "set": {"first_name": name}})
        time.sleep(1.5)
        self.assertEqual(json.loads(self.sh("cat '%s'" % rel))["first_name"], name)
        self.assertIn(lead["email"], self.sh("grep -rl '\"first_name\": \"%s\"' campaigns/%s/leads"
                                             % (name, big["id"])))


class LearnWhileListingTest(MountTest):
    """A create whose answer lands while the folder is being listed again
    must not be lost by that listing, whose last page was made before the
    lead existed (the race the stress test met under faults)."""

    fake_args = ["--seed", SEED]
    mount_opts = ["cache_ttl=1"]

    def test_a_lead_made_during_a_relisting_is_listed(self):
        big = next(c for c in self.fake.state()["campaigns"] if c["name"] == "Big Campaign")
        leads = "campaigns/%s/leads" % big["id"]
        self.sh("ls %s >/dev/null" % leads)
        # The POST is carried out 3 s after it arrives; the relisting's
        # third page is made at once (before the lead exists) and
        # delivered 3 s later, after the POST's answer.
        self.fake.faults(rules=[
            {"method": "POST", "path_prefix": "/api/v2/leads", "action": "slow",
             "ms": 3000, "count": 1},
            {"method": "POST", "path_prefix": "/api/v2/leads/list", "action": "late",
             "ms": 3000, "skip": 2, "count": 1}])
        try:
            make = subprocess.Popen(["sh", "-c", "echo '{}' > %s/race@new.example.json" % leads],
                                    cwd=self.mnt.dir)
            wait_for(lambda: self.fake.requests().get("POST /api/v2/leads", 0) >= 1,
                     what="the POST")
            time.sleep(1.2)             # the listing has expired
            self.fake.reset_stats()
            self.sh("ls %s >/dev/null" % leads)
            self.assertEqual(make.wait(30), 0)
        finally:
            self.fake.clear_faults()
        self.assertIn("race@new.example.json", os.listdir(self.mnt.path(leads)))
        os.stat(self.mnt.path(leads, "race@new.example.json"))
