"""Bounded memory: past -o cache_mem, file contents the store has on disk
are let go and read from it again, and the kernel is asked to forget the
files it looked up longest ago; a grep -r over more leads than either
bound still reads every one, and again at no request."""
import os
import unittest

from harness import MEMORY_ONLY, SEED, MountTest, wait_for

LEADS = 6000                        # more than the nodes kept for 1 MB
NODES = 4096                        # the bound on nodes for cache_mem=1


@unittest.skipIf(MEMORY_ONLY, "this run keeps no store (INSTANTLYFS_MOUNT_OPTS)")
class BoundedMemoryTest(MountTest):
    fake_args = ["--seed", SEED, "--leads", str(LEADS)]
    mount_opts = ["cache_mem=1", "cache_ttl=3600"]

    def held(self):
        with open(self.mnt.path(".instantlyfs", "stats")) as f:
            words = [line.split() for line in f]
        return {w[0]: int(w[1]) for w in words if len(w) == 2 and w[1].isdigit()}

    def grep(self):
        big = next(c for c in self.fake.state(keys=["campaigns"])["campaigns"]
                   if c["name"] == "Big Campaign")
        out = self.sh("grep -rl '\"email\"' campaigns/%s/leads | wc -l" % big["id"])
        self.assertEqual(int(out), LEADS + 250)

    def test_a_grep_over_more_than_the_bounds_reads_every_lead_twice_for_one_listing(self):
        self.grep()
        # The kernel forgets from the inval thread: wait for it to be done.
        wait_for(lambda: self.held()["inodes_held"] <= NODES + NODES // 16 + 64,
                 what="the kernel to forget the oldest files")
        first = self.held()
        self.assertGreater(first["cache_evictions"], LEADS // 2)
        self.assertLess(first["cache_bytes_held"], 1.5 * (1 << 20))
        self.fake.reset_stats()
        self.grep()
        self.assertCount(self.fake.total(), 0, self.fake.requests())
        second = self.held()
        self.assertGreater(second["store_hits"] - first["store_hits"], LEADS // 2)
        self.assertLess(second["cache_bytes_held"], 1.5 * (1 << 20))
