"""The inbox as a Maildir and the outbox, driven by the mail readers people
use: Python's mailbox.Maildir, mblaze (mlist, mthread, mscan, mshow,
mflag), notmuch (new, search, tag with synchronize_flags), mu (index,
find), and neomutt in a terminal (tmux) reading, marking read and
replying through contrib/instantlyfs-sendmail.  Every change is checked
on the fake's state.
"""
import copy
import email
import email.header
import email.policy
import mailbox
import os
import re
import shutil
import subprocess
import tempfile
import time

from harness import ROOT, SEED, MountTest, run_bounded, wait_for

SENDMAIL = os.path.join(ROOT, "contrib", "instantlyfs-sendmail")
NAME = re.compile(r"^(\d+)\.([0-9a-f-]+)\.instantly:2,([A-Za-z]*)$")


def flags_of(name):
    return NAME.match(name).group(3)


class MaildirTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="maildir-home-", dir=self.tmp)
        self.env = dict(os.environ, HOME=self.home, TERM="xterm", LC_ALL="C.UTF-8")
        self.md = self.mnt.path("emails", "maildir")

    def emails(self):
        return {e["id"]: e for e in self.fake.state()["emails"]}

    def file_of(self, eid):
        names = [n for n in os.listdir(os.path.join(self.md, "cur")) if ("." + eid + ".") in n]
        self.assertEqual(len(names), 1, names)
        return os.path.join(self.md, "cur", names[0])

    def tool(self, cmd, check=True):
        r = run_bounded(cmd, shell=True, cwd=self.home, env=self.env,
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = r.stdout.decode(), r.stderr.decode()
        if check and r.returncode != 0:
            raise AssertionError("%s failed (%d):\n%s\n%s" % (cmd, r.returncode, out, err))
        return r.returncode, out, err

    # ---- reading ----

    def test_python_mailbox_reads_every_message_as_the_server_has_it(self):
        server = self.emails()
        box = mailbox.Maildir(self.md, factory=None, create=False)
        seen = {}
        for key, msg in box.items():
            self.assertEqual(msg.get_subdir(), "cur")
            eid = msg["X-Instantly-Id"]
            seen[eid] = msg
            e = server[eid]
            self.assertEqual("S" in msg.get_flags(), not e["is_unread"], eid)
            parsed = email.message_from_bytes(box.get_bytes(key), policy=email.policy.default)
            self.assertEqual(str(parsed["Subject"]), e["subject"])
            self.assertEqual(parsed["Message-ID"], e["message_id"])
            self.assertEqual(parsed["From"], e["from_address_email"])
            text = parsed.get_body(("plain",)).get_content()
            if (e.get("body") or {}).get("text"):
                self.assertEqual(text.strip(), e["body"]["text"].strip())
            else:       # HTML only: the text body.txt shows
                self.assertEqual(text.strip(), self.sh("cat emails/%s/body.txt" % eid).strip())
            if (e.get("body") or {}).get("html"):
                self.assertEqual(parsed.get_body(("html",)).get_content().strip(),
                                 e["body"]["html"].strip())
        self.assertEqual(set(seen), set(server))
        self.assertEqual(os.listdir(os.path.join(self.md, "new")), [])
        self.assertEqual(os.listdir(os.path.join(self.md, "tmp")), [])

    def test_a_thread_is_chained_by_in_reply_to_and_references(self):
        server = self.emails()
        tid = next(e["thread_id"] for e in server.values() if e["subject"] == "Quick question, Ava")
        thread = sorted((e for e in server.values() if e["thread_id"] == tid),
                        key=lambda e: e["timestamp_email"])
        self.assertEqual(len(thread), 4)
        for i, e in enumerate(thread):
            with open(self.file_of(e["id"]), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            before = [t["message_id"] for t in thread[:i]]
            self.assertEqual(msg["In-Reply-To"], before[-1] if before else None)
            self.assertEqual((msg["References"] or "").split(), before)

    def test_stat_size_and_time_are_the_messages(self):
        e = next(iter(self.emails().values()))
        path = self.file_of(e["id"])
        with open(path, "rb") as f:
            data = f.read()
        st = os.stat(path)
        self.assertEqual(st.st_size, len(data))
        self.assertEqual(time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(st.st_mtime)),
                         e["timestamp_email"][:19])
        self.assertEqual(st.st_mode & 0o777, 0o444)

    def test_mblaze_threads_scans_and_shows(self):
        _, listing, _ = self.tool("mlist %s" % self.md)
        self.assertEqual(len(listing.split()), len(self.emails()))
        _, scan, _ = self.tool("mlist %s | mthread | mscan -f '%%i%%s'" % self.md)
        lines = scan.splitlines()
        first = lines.index(next(l for l in lines if l.endswith("Quick question, Ava")))
        # The thread's three answers are indented under its first message.
        for l in lines[first + 1:first + 4]:
            self.assertTrue(l.startswith(" ") and "Re: Quick question, Ava" in l, lines)
        html_only = next(e for e in self.emails().values()
                         if not (e.get("body") or {}).get("text"))
        _, shown, _ = self.tool("mshow '%s'" % self.file_of(html_only["id"]))
        self.assertIn(self.sh("cat emails/%s/body.txt" % html_only["id"]).strip().splitlines()[0],
                      shown)

    def test_notmuch_indexes_searches_and_syncs_read_marks(self):
        db = os.path.join(self.home, "notmuch-db")
        os.makedirs(db)
        with open(os.path.join(self.home, ".notmuch-config"), "w") as f:
            f.write("[database]\npath=%s\nmail_root=%s\n[new]\ntags=inbox;\n"
                    "[maildir]\nsynchronize_flags=true\n" % (db, self.md))
        self.tool("notmuch new")
        server = self.emails()
        _, count, _ = self.tool("notmuch count '*'")
        self.assertEqual(int(count), len(server))
        _, unread, _ = self.tool("notmuch search --output=messages tag:unread")
        self.assertEqual({m[3:] for m in unread.split()},
                         {e["message_id"].strip("<>") for e in server.values() if e["is_unread"]})
        target = next(e for e in server.values() if e["is_unread"])
        self.tool("notmuch tag -unread id:%s" % target["message_id"].strip("<>"))
        self.assertEqual(self.emails()[target["id"]]["is_unread"], 0)
        self.assertIn("S", flags_of(os.path.basename(self.file_of(target["id"]))))
        self.tool("notmuch tag +unread id:%s" % target["message_id"].strip("<>"))
        self.assertEqual(self.emails()[target["id"]]["is_unread"], 1)

    def test_mu_indexes_and_finds(self):
        muhome = os.path.join(self.home, "mu")
        self.tool("mu init --muhome=%s --maildir=%s" % (muhome, self.md))
        self.tool("mu index --muhome=%s" % muhome)
        _, found, _ = self.tool("mu find --muhome=%s --fields=i subject:Brightloop" % muhome)
        want = {e["message_id"].strip("<>") for e in self.emails().values()
                if "Brightloop" in e["subject"]}
        self.assertEqual(set(found.split()), want)
        _, unread, _ = self.tool("mu find --muhome=%s --fields=i flag:unread" % muhome)
        self.assertEqual(set(unread.split()),
                         {e["message_id"].strip("<>") for e in self.emails().values()
                          if e["is_unread"]})

    # ---- changing ----

    def test_renames_mark_read_and_unread_and_keep_other_flags(self):
        e = next(e for e in self.emails().values() if e["is_unread"])
        path = self.file_of(e["id"])
        self.assertEqual(flags_of(os.path.basename(path)), "")
        self.tool("mflag -S '%s'" % path)                 # mblaze: seen
        self.assertEqual(self.emails()[e["id"]]["is_unread"], 0)
        read = self.file_of(e["id"])
        self.assertEqual(flags_of(os.path.basename(read)), "S")
        flagged = read[:-1] + "FS"
        os.rename(read, flagged)                           # F: kept here only
        self.assertEqual(self.file_of(e["id"]), flagged)
        self.assertEqual(self.emails()[e["id"]]["is_unread"], 0)
        os.rename(flagged, flagged[:-1])                   # S dropped: unread
        self.assertEqual(self.emails()[e["id"]]["is_unread"], 1)
        self.assertEqual(flags_of(os.path.basename(self.file_of(e["id"]))), "F")
        self.assertIn(e["id"], os.listdir(self.mnt.path("emails", "unread")))

    def test_a_rename_to_another_message_is_refused(self):
        ids = sorted(self.emails())
        path = self.file_of(ids[0])
        other = self.file_of(ids[1])
        st, _, err = self.tool("mv '%s' '%s'" % (path, other + "X"), check=False)
        self.assertNotEqual(st, 0)
        self.assertIn("not permitted", err)
        self.assertEqual(set(self.emails()), set(ids))

    def test_rm_deletes_the_email(self):
        e = sorted(self.emails().values(), key=lambda e: e["id"])[-1]
        os.unlink(self.file_of(e["id"]))
        self.assertNotIn(e["id"], self.emails())
        self.assertFalse(any(e["id"] in n for n in os.listdir(os.path.join(self.md, "cur"))))
        self.assertNotIn(e["id"], os.listdir(self.mnt.path("emails")))

    def test_a_glob_over_the_emails_asks_nothing_of_the_folders_beside_them(self):
        self.sh("ls emails >/dev/null; cat emails/*/body.txt >/dev/null")
        self.fake.reset_stats()
        rc, _, err = self.run_tool("ls emails/*/body.txt emails/*/email.json >/dev/null")
        self.assertEqual((rc, err), (0, ""))
        self.assertCount(self.fake.total(), 0, self.fake.requests())
        self.assertNotIn("/emails/maildir", self.sh("cat .instantlyfs/errors"))

    def test_new_messages_cannot_be_delivered_into_tmp(self):
        before = len(self.emails())
        box = mailbox.Maildir(self.md, factory=None, create=False)
        with self.assertRaises(OSError):
            box.add(b"Subject: x\n\nhello\n")
        self.assertEqual(len(self.emails()), before)


class OutboxTest(MountTest):
    fake_args = ["--seed", SEED]

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="outbox-home-", dir=self.tmp)
        self.env = dict(os.environ, HOME=self.home, TERM="xterm", LC_ALL="C.UTF-8")
        self.md = self.mnt.path("emails", "maildir")

    def emails(self):
        return self.fake.state()["emails"]

    def original(self, subject="Re: Quick question, Ava"):
        return next(e for e in self.emails() if e["subject"] == subject and e["ue_type"] == 2)

    def sendmail(self, message):
        return subprocess.run([SENDMAIL, "-m", self.mnt.dir, "-oi", "-t"], input=message,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=120)

    def reply(self, orig, text, mid="<reply-%d@test.example>" % os.getpid()):
        return ("From: someone@acme-outbound.example\nTo: %s\nSubject: Re: %s\n"
                "Message-ID: %s\nIn-Reply-To: %s\nReferences: %s\n"
                "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
                "Content-Transfer-Encoding: quoted-printable\n\n%s\n"
                % (orig["from_address_email"], orig["subject"], mid, orig["message_id"],
                   orig["message_id"], text)).encode()

    def test_sendmail_sends_a_reply_once_from_the_receiving_account(self):
        orig = self.original()
        before = len(self.emails())
        msg = self.reply(orig, "Gr=C3=BC=C3=9Fe, Thursday at 3 works.", "<once-1@test.example>")
        r = self.sendmail(msg)
        self.assertEqual(r.returncode, 0, r.stderr)
        after = self.emails()
        self.assertEqual(len(after), before + 1)
        sent = [e for e in after if e["body"].get("text", "").startswith("Grüße, Thursday")]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["thread_id"], orig["thread_id"])
        self.assertEqual(sent[0]["eaccount"], orig["eaccount"])
        self.assertEqual(sent[0]["subject"], "Re: " + orig["subject"])
        # The same message again (a retrying mail reader) is not sent twice.
        self.assertEqual(self.sendmail(msg).returncode, 0)
        self.assertEqual(len(self.emails()), before + 1)
        self.assertEqual(os.listdir(self.mnt.path("emails", "outbox")), [])

    def test_anything_but_a_reply_is_refused_and_kept(self):
        before = self.emails()
        r = self.sendmail(b"From: a@b.example\nTo: c@d.example\nSubject: hello\n\nnew mail\n")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("no In-Reply-To", r.stderr.decode())
        r = self.sendmail(b"Subject: hi\nIn-Reply-To: <unknown@else.example>\n\nhi\n")
        self.assertEqual(r.returncode, 65, r.stderr)
        self.assertIn("names no message of the inbox", r.stderr.decode())
        with open(self.mnt.path(".instantlyfs", "errors")) as f:
            self.assertIn("<unknown@else.example> names no message of the inbox", f.read())
        kept = os.listdir(self.mnt.path(".instantlyfs", "rejected"))
        self.assertTrue(any(k.endswith(".eml") for k in kept), kept)
        self.assertEqual(self.emails(), before)
        st = subprocess.run(["sh", "-c", "cp /etc/hostname '%s'" %
                             self.mnt.path("emails", "outbox", "note.txt")],
                            stderr=subprocess.PIPE)
        self.assertNotEqual(st.returncode, 0)
        self.assertEqual(self.emails(), before)

    def test_no_mount_is_a_usage_error(self):
        r = subprocess.run([SENDMAIL], input=b"x", stderr=subprocess.PIPE,
                           env=dict(os.environ, INSTANTLYFS_MOUNT=""))
        self.assertEqual(r.returncode, 64)
        r = subprocess.run([SENDMAIL, "-m", self.tmp], input=b"x", stderr=subprocess.PIPE)
        self.assertEqual(r.returncode, 69)


class NeomuttTest(MountTest):
    """neomutt in a terminal of tmux: it reads the Maildir threaded, marks
    a message read by opening it, and replies through the sendmail
    wrapper."""
    fake_args = ["--seed", SEED]

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="neomutt-home-", dir=self.tmp)
        self.sock = "instantlyfs-test-%d" % os.getpid()
        md = self.mnt.path("emails", "maildir")
        editor = os.path.join(self.home, "editor")
        with open(editor, "w") as f:
            f.write("#!/bin/sh\nprintf 'Tuesday at 10 works for me.\\n' | cat - \"$1\" "
                    "> \"$1.new\" && mv \"$1.new\" \"$1\"\n")
        os.chmod(editor, 0o755)
        self.rc = os.path.join(self.home, "muttrc")
        with open(self.rc, "w") as f:
            f.write('set mbox_type=Maildir\nset folder="%s"\nset spoolfile="%s"\n'
                    'set sort=threads\nset mark_old=no\nset header_cache=""\n'
                    'set quit=yes\nset index_format="%%4C %%Z %%-20.20F %%s"\n'
                    'set editor="%s"\nset sendmail="%s -m %s"\nset fast_reply=yes\n'
                    'set include=yes\nset askcc=no\nset record=""\nset copy=no\n'
                    'set from=sales@acme-outbound.example\nset timeout=1\n'
                    % (md, md, editor, SENDMAIL, self.mnt.dir))
        self.env = dict(os.environ, HOME=self.home, TERM="xterm", LC_ALL="C.UTF-8")
        subprocess.run(["tmux", "-L", self.sock, "new-session", "-d", "-x", "160", "-y", "45",
                        "neomutt -n -F %s" % self.rc], env=self.env, check=True)

    def tearDown(self):
        subprocess.run(["tmux", "-L", self.sock, "kill-server"], stderr=subprocess.DEVNULL)

    def screen(self):
        return subprocess.run(["tmux", "-L", self.sock, "capture-pane", "-p"],
                              stdout=subprocess.PIPE, env=self.env).stdout.decode()

    def keys(self, *keys):
        subprocess.run(["tmux", "-L", self.sock, "send-keys"] + list(keys), env=self.env,
                       check=True)

    def wait_screen(self, text, what):
        try:
            wait_for(lambda: text in self.screen(), 30, what)
        except AssertionError:
            raise AssertionError("%s; the screen:\n%s" % (what, self.screen()))

    def test_reads_threads_marks_read_and_replies(self):
        emails = self.fake.state()["emails"]
        self.wait_screen("Quick question, Ava", "neomutt's index")
        self.assertIn("Msgs:%d" % len(emails), self.screen())
        target = next(e for e in sorted(emails, key=lambda e: e["timestamp_email"])
                      if e["is_unread"])
        # The index is threaded by date: find the target's line number.
        line = next(l for l in self.screen().splitlines() if " N " in l)
        num = line.split()[0]
        self.keys(num, "Enter")
        self.keys("Enter")                       # open it: it is read now
        self.wait_screen("X-Instantly-Id: %s" % target["id"], "the message shown")
        self.keys("i")
        self.keys("$")                           # sync: the file gains S
        wait_for(lambda: not next(e for e in self.fake.state()["emails"]
                                  if e["id"] == target["id"])["is_unread"], 30,
                 "the message marked read on the server")
        before = len(self.fake.state()["emails"])
        self.keys(num, "Enter")
        self.keys("r")
        self.wait_screen("y:Send", "the compose screen")
        self.keys("y")
        self.wait_screen("Mail sent", "neomutt's confirmation")
        after = self.fake.state()["emails"]
        self.assertEqual(len(after), before + 1)
        sent = [e for e in after if e["body"].get("text", "").startswith("Tuesday at 10")]
        self.assertEqual(len(sent), 1)
        self.assertEqual(sent[0]["thread_id"], target["thread_id"])
        self.assertEqual(sent[0]["eaccount"], target["eaccount"])
        self.assertIn("wrote:", sent[0]["body"]["text"])


class HostileMailTest(MountTest):
    """Ids, Message-IDs and subjects from the server cannot make a name
    escape cur/ or add a header to a message."""
    fake_args = ["--seed", SEED]

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        state = cls.fake.state()
        base = state["emails"][0]
        for i, eid in enumerate(["../../etc/passwd", "a/b", ".", "x.instantly:2,S",
                                 "tab\there", "y" * 300]):
            e = copy.deepcopy(base)
            e["id"] = eid
            e["message_id"] = "<m%d@x>\r\nBcc: victim@else.example" % i
            e["subject"] = "hello\r\nBcc: victim@else.example"
            state["emails"].append(e)
        cls.fake.call("POST", "/_fake/state", state)

    def test_names_stay_in_cur_and_headers_stay_headers(self):
        cur = self.mnt.path("emails", "maildir", "cur")
        root = os.path.realpath(cur)
        names = os.listdir(cur)
        self.assertEqual(len(names), len(self.fake.state()["emails"]) - 1)   # "y" * 300
        for n in names:
            self.assertNotIn("/", n)
            self.assertLessEqual(len(n.encode()), 255)
            self.assertTrue(os.path.realpath(os.path.join(cur, n)).startswith(root + os.sep))
            with open(os.path.join(cur, n), "rb") as f:
                msg = email.message_from_binary_file(f, policy=email.policy.default)
            self.assertIsNone(msg["Bcc"], n)
        self.assertTrue(any(n.startswith("..%2F..%2Fetc%2Fpasswd") or "%2F" in n for n in names))
        box = mailbox.Maildir(self.mnt.path("emails", "maildir"), factory=None, create=False)
        self.assertEqual(len(box), len(names))


class SlowInboxTest(MountTest):
    """An inbox that takes longer than the TTL to page in: reading every
    message of the Maildir then costs no request per message (what a
    message shows never changes; its flags come from the listing)."""
    fake_args = ["--seed", SEED, "--emails", "300", "--latency-ms", "400"]
    mount_opts = ["cache_ttl=1"]

    def test_a_listing_older_than_the_ttl_is_read_without_a_get_per_message(self):
        cur = self.mnt.path("emails", "maildir", "cur")
        names = os.listdir(cur)
        self.assertEqual(len(names), len(self.fake.state()["emails"]))
        self.fake.reset_stats()
        rc, out, err = self.run_tool("grep -rlc 'X-Instantly-Id' emails/maildir/cur")
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(len(out.split()), len(names))
        per_message = self.fake.requests().get("GET /api/v2/emails/{id}", 0)
        self.assertCount(per_message, 0, self.fake.requests())
