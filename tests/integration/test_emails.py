"""The inbox: streamed newest first, refreshed incrementally, because
listing emails is limited to 20 requests a minute."""
import copy
import os
import time

from harness import MountTest

LIST = "GET /api/v2/emails"


def inbox(state, n):
    """state with n messages, newest first by timestamp_created."""
    s = copy.deepcopy(state)
    base = s["emails"][0]
    s["emails"] = []
    for i in range(n):
        e = copy.deepcopy(base)
        e["id"] = "01a0f755-f200-7e3a-8000-%012d" % (i + 1)
        e["message_id"] = "<%06d@mail.example>" % i
        t = time.gmtime(1790000000 - i * 60)
        e["timestamp_created"] = e["timestamp_email"] = time.strftime(
            "%Y-%m-%dT%H:%M:%S.000Z", t)
        s["emails"].append(e)
    return s


class InboxTest(MountTest):
    # The inbox as listed within one mount's memory; what the store adds
    # across refreshes and remounts is test_store.py's.
    mount_opts = ["cache_ttl=2", "cache=memory"]

    def setUp(self):
        self.state = inbox(self.fake.state(), 250)
        self.fake.call("POST", "/_fake/state", self.state)
        self.refresh()
        self.fake.reset_stats()

    def test_reading_the_first_names_costs_one_request(self):
        self.sh("python3 -c \"import os; it = os.scandir('emails'); next(it); it.close()\"")
        self.assertCount(self.fake.requests().get(LIST), 1, self.fake.requests())

    def test_full_listing_pages_through_every_message(self):
        names = set(os.listdir(self.mnt.path("emails")))
        self.assertEqual(len(names - {"unread", "threads", "unread_count", "maildir", "outbox"}), 250)
        self.assertCount(self.fake.requests().get(LIST), 3)

    def test_a_stale_listing_is_renewed_down_to_the_first_known_message(self):
        os.listdir(self.mnt.path("emails"))
        newest = copy.deepcopy(self.state["emails"][0])
        newest["id"] = "01a0f755-f200-7e3a-8000-999999999999"
        newest["timestamp_created"] = newest["timestamp_email"] = "2027-01-01T00:00:00.000Z"
        self.state["emails"].insert(0, newest)
        self.fake.call("POST", "/_fake/state", self.state)
        time.sleep(2.5)
        self.fake.reset_stats()
        names = set(os.listdir(self.mnt.path("emails")))
        self.assertIn(newest["id"], names)
        self.assertEqual(len(names - {"unread", "threads", "unread_count", "maildir", "outbox"}), 251)
        self.assertCount(self.fake.requests().get(LIST), 1, self.fake.requests())

    def test_a_message_not_listed_yet_resolves_by_id(self):
        last = self.state["emails"][-1]
        out = self.sh("cat emails/%s/email.json" % last["id"])
        self.assertIn(last["id"], out)
        self.assertCountAtMost(self.fake.requests().get(LIST, 0), 1)
