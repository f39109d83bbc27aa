"""The email copy as text: campaigns/<id>/sequence/<step>/ with `delay` and
one <letter>.txt a variant, edited with sed -i, vim, cp, rm, mkdir and
rmdir, each change one PATCH of the whole sequences array (checked in the
fake's state)."""
import errno
import os
import subprocess

from harness import MountTest, SEED, wait_for

PATCH = "PATCH /api/v2/campaigns/{id}"


def shown(variant):
    """What a variant file shows, written here independently of the
    mount: the subject line, a blank line, the body with <br/> as line
    breaks."""
    head = "Subject: %s\n" % variant["subject"] if variant["subject"] else "Subject:\n"
    if variant.get("v_disabled"):
        head += "Disabled: yes\n"
    return head + "\n" + variant["body"].replace("<br/>", "\n") + "\n"


def letters(i):
    return "abcdefghijklmnopqrstuvwxyz"[i] + ".txt"


class SequenceTest(MountTest):
    """Each test works on its own campaign of the test seed."""

    fake_args = ["--seed", SEED]

    def campaigns(self):
        return [c for c in self.fake.state()["campaigns"] if c.get("sequences")]

    def campaign(self, name):
        return next(c for c in self.fake.state()["campaigns"] if c["name"] == name)

    def steps(self, c):
        return self.campaign(c["name"])["sequences"][0]["steps"]

    def dir(self, c, *parts):
        return os.path.join("campaigns", c["id"], "sequence", *parts)

    def writes(self):
        return {k: v for k, v in self.fake.requests().items()
                if not k.startswith("GET") and k != "POST /api/v2/leads/list"}

    def test_every_step_and_variant_is_shown_from_the_listing(self):
        self.sh("ls campaigns >/dev/null")
        self.fake.reset_stats()
        for c in self.fake.state()["campaigns"]:
            steps = (c.get("sequences") or [{"steps": []}])[0]["steps"]
            self.assertEqual(sorted(os.listdir(self.mnt.path(self.dir(c))), key=int),
                             [str(i + 1) for i in range(len(steps))])
            for i, step in enumerate(steps):
                d = self.dir(c, str(i + 1))
                self.assertEqual(sorted(os.listdir(self.mnt.path(d))),
                                 [letters(j) for j in range(len(step["variants"]))] + ["delay"])
                unit = step.get("delay_unit", "days")
                self.assertEqual(self.sh("cat '%s/delay'" % d), "%g %s\n" % (
                    step["delay"], unit[:-1] if step["delay"] == 1 else unit))
                for j, v in enumerate(step["variants"]):
                    path = "%s/%s" % (d, letters(j))
                    self.assertEqual(self.sh("cat '%s'" % path), shown(v))
                    self.assertEqual(os.stat(self.mnt.path(path)).st_size,
                                     len(shown(v).encode()))
        # Built from the campaigns' listing: not one request more.
        self.assertCount(self.fake.total(), 0, self.fake.requests())

    def test_sed_i_on_a_subject_line_across_all_campaigns(self):
        before = {c["id"]: c["sequences"] for c in self.campaigns()}
        hits = sum(1 for seqs in before.values() for s in seqs[0]["steps"]
                   for v in s["variants"] if v["subject"].startswith("Quick question"))
        self.assertGreater(hits, 3)
        self.fake.reset_stats()
        self.sh("sed -i 's/^Subject: Quick question/Subject: Short question/' "
                "campaigns/*/sequence/*/*.txt")
        # One PATCH a changed file; the files sed left as they were: none.
        self.assertCount(self.writes(), {PATCH: hits}, self.fake.requests())
        for c in self.campaigns():
            for s, old in zip(c["sequences"][0]["steps"], before[c["id"]][0]["steps"]):
                self.assertEqual(s["delay"], old["delay"])
                for v, was in zip(s["variants"], old["variants"]):
                    self.assertEqual(v["body"], was["body"])
                    self.assertEqual(v["subject"], was["subject"].replace(
                        "Quick question", "Short question", 1)
                        if was["subject"].startswith("Quick question") else was["subject"])
        self.assertEqual(self.sh("grep -rl '^Subject: Quick question' campaigns/*/sequence"
                                 " || true"), "")

    def test_vim_edits_a_body_and_adds_a_line(self):
        c = self.campaign("Big Campaign")
        path = self.dir(c, "1", "b.txt")
        other = self.steps(c)[0]["variants"][0]
        self.fake.reset_stats()
        r = subprocess.run(
            ["vim", "-u", "NONE", "-i", "NONE", "-c", "%s/Hello/Good morning/",
             "-c", "$put ='PS: one more line.'", "-c", "wq", path],
            cwd=self.mnt.dir, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr.decode())
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        v = self.steps(c)[0]["variants"][1]
        self.assertEqual(v["body"], "Good morning {{firstName}},<br/>...<br/>PS: one more line.")
        self.assertEqual(v["subject"], "Idea for {{companyName}}")
        self.assertEqual(self.steps(c)[0]["variants"][0], other)
        names = os.listdir(self.mnt.path(self.dir(c, "1")))
        self.assertNotIn("b.txt~", [n for n in names if n.startswith(".")])
        self.assertEqual(self.sh("cat '%s'" % path), shown(v))

    def test_diff_of_two_variants(self):
        c = self.campaign("Café Münster ☕")
        status, out, _ = self.run_tool("diff %s %s" % (self.dir(c, "1", "a.txt"),
                                                       self.dir(c, "1", "b.txt")))
        self.assertEqual(status, 1)
        self.assertIn("< Subject: Quick question, {{firstName}}\n", out)
        self.assertIn("> Subject: Idea for {{companyName}}\n", out)
        self.assertIn("< Hi {{firstName}},\n", out)

    def test_unchanged_text_written_back_sends_nothing(self):
        c = self.campaign("Q3 / 50% Outbound")
        local = os.path.join(self.tmp, "copy-q3")
        self.sh("cp -r '%s' '%s'" % (self.dir(c), local))
        self.fake.reset_stats()
        self.sh("cp '%s'/1/a.txt '%s'" % (local, self.dir(c, "1", "a.txt")))
        self.sh("cat '%s' > '%s'" % (os.path.join(local, "2", "delay"), self.dir(c, "2", "delay")))
        self.sh("for f in %s/*/*.txt; do cat \"$f\" > \"$f.new\"; mv \"$f.new\" \"$f\"; done"
                % self.dir(c))
        self.assertCount(self.writes(), {}, self.fake.requests())

    def test_a_step_copied_out_and_back_in_is_a_new_step(self):
        c = next(x for x in self.campaigns() if x["name"] == "Duplicate Name")
        n = len(c["sequences"][0]["steps"])
        local = os.path.join(self.tmp, "step-copy")
        self.sh("cp -r '%s' '%s'" % (self.dir(c, "1"), local))
        # Variants are places: a.txt (made with the step) is copied over
        # before b.txt is added.
        new = self.dir(c, str(n + 1))
        self.sh("mkdir '{new}' && cp '{l}'/a.txt '{l}'/b.txt '{l}'/delay '{new}'/".format(
            new=new, l=local))
        steps = next(x for x in self.campaigns() if x["id"] == c["id"])["sequences"][0]["steps"]
        self.assertEqual(len(steps), n + 1)
        first, new = steps[0], steps[n]
        self.assertEqual([(v["subject"], v["body"]) for v in new["variants"]],
                         [(v["subject"], v["body"]) for v in first["variants"]])
        self.assertEqual((new["delay"], new["delay_unit"]), (first["delay"], first["delay_unit"]))
        self.assertEqual(self.sh("diff -r '%s' '%s' && echo same" % (
            self.dir(c, "1"), self.dir(c, str(n + 1)))), "same\n")

    def test_new_variant_then_rm_of_one(self):
        c = self.campaign("Winter Reactivation")
        d = self.dir(c, "2")
        before = self.steps(c)[1]["variants"]
        nxt = letters(len(before))
        self.fake.reset_stats()
        self.sh("printf 'Subject: Another angle\\n\\nLine one\\nLine two\\n' > %s/%s" % (d, nxt))
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        after = self.steps(c)[1]["variants"]
        self.assertEqual(after[:-1], before)
        self.assertEqual(after[-1], {"subject": "Another angle", "body": "Line one<br/>Line two"})
        self.assertIn(nxt, os.listdir(self.mnt.path(d)))
        # rm hides the file at once and sends the removal a moment later.
        self.sh("rm %s/a.txt" % d)
        self.assertNotIn("a.txt", os.listdir(self.mnt.path(d)))
        want = before[1:] + [{"subject": "Another angle", "body": "Line one<br/>Line two"}]
        wait_for(lambda: self.steps(c)[1]["variants"] == want, what="the variant's removal")
        after = self.steps(c)[1]["variants"]
        # The names follow the places: what was b.txt is a.txt now.
        self.assertEqual(self.sh("cat %s/a.txt" % d), shown(after[0]))
        self.assertNotIn(letters(len(after)), os.listdir(self.mnt.path(d)))

    def test_disabled_variant_is_shown_and_toggled(self):
        c = self.campaign("Big Campaign")
        path = self.dir(c, "2", "a.txt")
        self.sh("sed -i '1a Disabled: yes' %s" % path)
        v = self.steps(c)[1]["variants"][0]
        self.assertIs(v["v_disabled"], True)
        self.assertEqual(self.sh("sed -n 2p %s" % path), "Disabled: yes\n")
        self.sh("sed -i '/^Disabled:/d' %s" % path)
        self.assertIs(self.steps(c)[1]["variants"][0]["v_disabled"], False)
        self.assertEqual(self.sh("cat %s" % path), shown(self.steps(c)[1]["variants"][0]))

    def test_mkdir_and_rmdir_of_steps(self):
        c = self.campaign(".." if any(x["name"] == ".." for x in self.campaigns())
                          else "Duplicate Name")
        before = self.steps(c)
        n = len(before)
        self.fake.reset_stats()
        self.sh("mkdir %s/%d" % (self.dir(c), n + 1))
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        steps = self.steps(c)
        self.assertEqual(steps[:n], before)
        self.assertEqual(steps[n], {"type": "email", "delay": 3, "delay_unit": "days",
                                    "variants": [{"subject": "", "body": ""}]})
        self.assertEqual(sorted(os.listdir(self.mnt.path(self.dir(c, str(n + 1))))),
                         ["a.txt", "delay"])
        self.assertEqual(self.sh("cat %s/a.txt" % self.dir(c, str(n + 1))), "Subject:\n\n\n")
        # Not the next number: refused, nothing sent.
        self.fake.reset_stats()
        status, _, err = self.run_tool("mkdir %s/%d" % (self.dir(c), n + 5))
        self.assertNotEqual(status, 0)
        self.assertIn("Invalid argument", err)
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertIn("the next one is %d" % (n + 2), self.sh("cat .instantlyfs/errors"))
        # rmdir of step 1: the later ones move up.
        self.sh("rmdir %s/1" % self.dir(c))
        self.assertNotIn("1", os.listdir(self.mnt.path(self.dir(c))))
        wait_for(lambda: self.steps(c) == before[1:] + [steps[n]], what="the step's removal")
        self.assertEqual(sorted(os.listdir(self.mnt.path(self.dir(c))), key=int),
                         [str(i + 1) for i in range(n)])

    def test_delay_is_written_as_words(self):
        c = self.campaign("Café Münster ☕")
        path = self.dir(c, "2", "delay")
        self.sh("echo '2 hours' > '%s'" % path)
        s = self.steps(c)[1]
        self.assertEqual((s["delay"], s["delay_unit"]), (2, "hours"))
        self.assertEqual(self.sh("cat '%s'" % path), "2 hours\n")
        # A number alone keeps the unit.
        self.sh("echo 1 > '%s'" % path)
        self.assertEqual(self.sh("cat '%s'" % path), "1 hour\n")
        self.fake.reset_stats()
        self.assertEqual(self.write_errno(path, "next tuesday\n"), errno.EINVAL)
        self.assertCount(self.writes(), {}, self.fake.requests())
        s = self.steps(c)[1]
        self.assertEqual((s["delay"], s["delay_unit"]), (1, "hours"))
        self.assertIn("a delay is a number and a unit", self.sh("cat .instantlyfs/errors"))

    def test_bash_shows_a_refusal_at_write(self):
        c = self.campaign("Big Campaign")
        before = self.steps(c)
        self.fake.reset_stats()
        for path, text in ((self.dir(c, "1", "delay"), "bogus"),
                           (self.dir(c, "1", "a.txt"), "Dear reader,")):
            status, _, err = self.run_tool("bash -c 'echo \"%s\" > %s'" % (text, path))
            self.assertNotEqual(status, 0, path)
            self.assertIn("write error: Invalid argument", err)
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertEqual(self.steps(c), before)

    def test_refused_variant_text_is_kept_and_changes_nothing(self):
        c = self.campaign("Q3 / 50% Outbound")
        before = self.steps(c)
        d = self.dir(c, "1")
        self.fake.reset_stats()
        # No Subject: line.
        self.assertEqual(self.write_errno(d + "/a.txt", "Hi there,\n\nno header\n"), errno.EINVAL)
        # Not the next variant's name.
        self.assertEqual(self.write_errno(d + "/k.txt", "Subject: far\n\nx\n"), errno.EINVAL)
        self.assertCount(self.writes(), {}, self.fake.requests())
        self.assertEqual(self.steps(c), before)
        errors = self.sh("cat .instantlyfs/errors")
        self.assertIn("sequence/1/a.txt", errors)
        self.assertIn("no header", errors)
        self.assertIn("the next one is", errors)
        kept = self.sh("grep -rl 'no header' .instantlyfs/rejected/")
        self.assertTrue(kept.strip(), "the refused text is not in rejected/")
        self.assertNotIn("k.txt", os.listdir(self.mnt.path(d)))
        self.assertEqual(self.sh("cat %s/a.txt" % d), shown(before[0]["variants"][0]))

    def test_a_subsequences_copy_is_edited_the_same_way(self):
        sub = next(s for s in self.fake.state()["subsequences"] if s["name"] == "No reply nudge")
        d = os.path.join("campaigns", sub["parent_campaign"], "subsequences", sub["name"],
                         "sequence")
        steps = sub["sequences"][0]["steps"]
        self.assertEqual(sorted(os.listdir(self.mnt.path(d)), key=int),
                         [str(i + 1) for i in range(len(steps))])
        self.assertEqual(self.sh("cat '%s/1/a.txt'" % d), shown(steps[0]["variants"][0]))
        self.fake.reset_stats()
        self.sh("sed -i 's/^Subject: One more idea/Subject: A last idea/' '%s/1/a.txt'" % d)
        self.sh("mkdir '%s/%d'" % (d, len(steps) + 1))
        self.assertCount(self.writes(), {"PATCH /api/v2/subsequences/{id}": 2},
                         self.fake.requests())
        after = next(s for s in self.fake.state()["subsequences"]
                     if s["id"] == sub["id"])["sequences"][0]["steps"]
        first = dict(steps[0], variants=[dict(steps[0]["variants"][0], subject="A last idea")]
                     + steps[0]["variants"][1:])
        # The step's other fields (pre_delay) are sent back as they were.
        self.assertEqual(after[0], first)
        self.assertEqual(after[1:-1], steps[1:])
        self.assertEqual(after[-1]["variants"], [{"subject": "", "body": ""}])
        self.assertEqual(self.sh("cat '%s/1/a.txt'" % d), shown(first["variants"][0]))

    def test_rm_of_several_variants_and_rm_r_of_steps_are_one_change_each(self):
        c = self.campaign("..")
        seq = self.dir(c)
        # At least three steps, the first with three variants.
        while len(self.steps(c)) < 3:
            self.sh("mkdir %s/%d" % (seq, len(self.steps(c)) + 1))
        while len(self.steps(c)[0]["variants"]) < 3:
            self.sh("printf 'Subject: more\\n\\nbody\\n' > %s/1/%s"
                    % (seq, letters(len(self.steps(c)[0]["variants"]))))
        before = self.steps(c)
        n = len(before)
        self.fake.reset_stats()
        # a.txt and c.txt: the names stand for the places they had when
        # rm was run, though removing a.txt moves the others up.
        self.sh("rm %s/1/a.txt %s/1/c.txt" % (seq, seq))
        wait_for(lambda: len(self.steps(c)[0]["variants"]) == len(before[0]["variants"]) - 2,
                 what="the removal")
        self.assertEqual(self.steps(c)[0]["variants"],
                         before[0]["variants"][1:2] + before[0]["variants"][3:])
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        # rm -r of a step (its delay is left as it is; the step goes).
        self.fake.reset_stats()
        self.sh("rm -r %s/2" % seq)
        wait_for(lambda: len(self.steps(c)) == n - 1, what="the step's removal")
        self.assertEqual(self.steps(c)[1:], before[2:])
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        # rm -r of every step: one change, whatever the numbers do.
        self.fake.reset_stats()
        self.sh("rm -r %s/*" % seq)
        wait_for(lambda: self.steps(c) == [], what="every step's removal")
        self.assertCount(self.writes(), {PATCH: 1}, self.fake.requests())
        self.assertEqual(os.listdir(self.mnt.path(seq)), [])
