"""make bench: speed, memory and request counts on a large workspace.

A campaign of 100,000 leads (the fake's --leads) is listed, read with
grep -r, and read again; the mount's peak memory is read from
/proc/<pid>/status.  Each figure is checked against a target; the run
fails if one is missed.  Figures depend on the machine: the targets are
generous bounds that catch regressions of kind (a copy per readdir,
a request per file, a quadratic listing), not tuning goals.
"""
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "integration"))
from harness import Fake, Mount, SEED  # noqa: E402

LEADS = int(os.environ.get("BENCH_LEADS", "100000"))
TARGETS = {
    "list_s": 20.0,         # first ls of the campaign's leads
    "list_warm_s": 5.0,     # the same ls within the TTL
    "grep_s": 60.0,         # grep -r over every lead file, cached
    "peak_rss_mb": 400.0,   # the mount's VmHWM after all of it
}


def rss_mb(pid, field="VmHWM"):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024.0
    return 0.0


def timed(cmd, cwd):
    t = time.time()
    out = subprocess.run(cmd, shell=True, cwd=cwd, stdout=subprocess.PIPE,
                         check=True).stdout.decode()
    return time.time() - t, out


def main():
    tmp = tempfile.mkdtemp(prefix="instantlyfs-bench-")
    fake = Fake(tmp, ["--seed", SEED, "--leads", str(LEADS)])
    mnt = Mount(tmp, fake.url, ["cache_ttl=600"])
    try:
        big = next(c for c in fake.state()["campaigns"] if c["name"] == "Big Campaign")
        leads = "campaigns/%s/leads" % big["id"]
        subprocess.run("ls campaigns >/dev/null", shell=True, cwd=mnt.dir, check=True)
        fake.reset_stats()
        rss0 = rss_mb(mnt.proc.pid, "VmRSS")
        list_s, out = timed("ls %s | wc -l" % leads, mnt.dir)
        count = int(out)
        list_reqs = fake.total()
        list_warm_s, _ = timed("ls %s | wc -l" % leads, mnt.dir)
        fake.reset_stats()
        grep_s, out = timed("grep -rl '\"email\"' %s | wc -l" % leads, mnt.dir)
        grep_files = int(out)
        grep_reqs = fake.total()
        figures = {
            "leads listed": count,
            "list requests": list_reqs,
            "list_s": round(list_s, 2),
            "list_warm_s": round(list_warm_s, 2),
            "grep_s": round(grep_s, 2),
            "grep files matched": grep_files,
            "grep requests": grep_reqs,
            "rss_before_mb": round(rss0, 1),
            "peak_rss_mb": round(rss_mb(mnt.proc.pid), 1),
        }
    finally:
        mnt.unmount()
        fake.stop()
    want = LEADS + 250
    ok = True
    print("instantlyfs bench (%d leads in one campaign)" % want)
    for k, v in figures.items():
        limit = TARGETS.get(k)
        mark = ""
        if limit is not None:
            good = v <= limit
            ok &= good
            mark = "  (target <= %s: %s)" % (limit, "ok" if good else "MISSED")
        print("  %-20s %s%s" % (k, v, mark))
    checks = [
        (figures["leads listed"] == want, "every lead listed"),
        (figures["list requests"] == (want + 99) // 100, "one request per page of 100"),
        (figures["grep requests"] == 0, "grep -r served from the cache"),
        (figures["grep files matched"] >= want - 10, "grep -r read every lead"),
    ]
    for good, what in checks:
        print("  %-40s %s" % (what, "ok" if good else "FAILED"))
        ok &= good
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
