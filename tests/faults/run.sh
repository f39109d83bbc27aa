#!/bin/sh
# Fault tolerance: the integration suite twice, once fault-free and once
# with the fake injecting random faults into every test class (429s, 5xx
# before and after the work, resets, slow answers; INSTANTLYFS_FAULTS in
# tests/integration/harness.py), then the fake's final state of every test
# class compared between the two runs (compare.py): whatever the faults,
# nothing may be lost and nothing done twice.
#
# INSTANTLYFS names the binary under test (default build/instantlyfs);
# INSTANTLYFS_FAULT_SEED=N draws other faults (tests/integration/harness.py);
# TESTS picks test files as for tests/integration/run.sh.  Each run's log
# and states go to a temporary folder, removed when all is well and kept,
# with its name printed, when anything fails.
set -eu
cd "$(dirname "$0")/../.."
if [ ! -e /dev/fuse ]; then
	echo "check-faults: /dev/fuse is missing: cannot mount" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/instantlyfs-faults.XXXXXX)

# run NAME FAULTS: one run of the suite, its states in $tmp/NAME, its log in
# $tmp/NAME.log; prints run.py's summary and the tests that failed.
run() {
	start=$(date +%s)
	rc=0
	env INSTANTLYFS_FAULTS="$2" INSTANTLYFS_STATE_DIR="$tmp/$1" \
		python3 tests/integration/run.py >"$tmp/$1.log" 2>&1 || rc=$?
	summary=$(grep "^integration:" "$tmp/$1.log" || echo "integration: no summary")
	echo "check-faults: $1 run: $summary ($(($(date +%s) - start)) s)"
	grep -E "^(FAIL|ERROR):" "$tmp/$1.log" | sed "s/^/check-faults:   /" || true
	return $rc
}

failed=0
run clean 0 || failed=1
run faults 1 || failed=1
python3 tests/faults/compare.py "$tmp/clean" "$tmp/faults" || failed=1

if [ "$failed" -ne 0 ]; then
	echo "check-faults: FAILED (logs and states of both runs in $tmp)" >&2
	exit 1
fi
rm -rf "$tmp"
echo "check-faults: both runs pass and end in the same states"
