#!/bin/sh
# Runs the integration tests: real mounts against the fake API.
# INSTANTLYFS names the binary under test (default build/instantlyfs).
set -e
cd "$(dirname "$0")/../.."
if [ ! -e /dev/fuse ]; then
	echo "integration: /dev/fuse is missing: cannot mount" >&2
	exit 1
fi
exec python3 tests/integration/run.py
