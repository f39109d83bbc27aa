"""The client-side rate limiter keeps the mount under its limits before
the server has to say 429."""
import time

from harness import MountTest


class RateLimitTest(MountTest):
    mount_opts = ["rate=5", "cache_ttl=0"]

    def test_never_more_requests_a_second_than_the_limit(self):
        c = self.fake.state()["campaigns"][0]["id"]
        self.sh("ls campaigns >/dev/null")
        self.fake.reset_stats()
        start = time.time()
        for day in range(1, 16):
            self.sh("cat campaigns/%s/analytics/2026-10-%02d..2026-10-%02d/daily.csv >/dev/null"
                    % (c, day, day))
        elapsed = time.time() - start
        sent = self.fake.total()
        self.assertGreaterEqual(sent, 15)
        # n requests at 5 a second take at least (n - 5) / 5 seconds.
        self.assertGreaterEqual(elapsed, (sent - 5) / 5.0 - 0.1, (sent, elapsed))
        self.assertNotIn("rate_waits 0\n", self.sh("cat .instantlyfs/stats"))
        self.assertEqual(self.fake.stats().get("faults_total", 0), 0)
