#!/bin/sh
# Browses a mount of Stoplight Prism's mock of the spec, with no fake at
# all: the spec's examples are the only data, and each list example
# repeats the same cursor forever (instantlyfs's pager stops on a repeated
# cursor).  ls -R, cat of some files and grep -r must each end within a
# time bound, workspace.json must read as JSON, and the mount must still
# answer and unmount cleanly at the end: no crash, no hang.  Requests the
# mock finds against the spec, and names listed twice in a folder, are
# shown but not failed on: example data (the same item on every page) are
# no workspace; tests/spec/run.sh is the strict check.
# INSTANTLYFS names the binary (default build/instantlyfs); MOCK_TIMEOUT
# bounds each step in seconds (default 60).
set -e
cd "$(dirname "$0")/../.."
SPEC=../shared/instantly-openapi.json
BIN=$(realpath "${INSTANTLYFS:-build/instantlyfs}")
LIMIT=${MOCK_TIMEOUT:-60}
if [ ! -r "$SPEC" ]; then
	echo "mock: $SPEC is missing" >&2
	exit 1
fi
if [ ! -x tests/spec/node_modules/.bin/prism ]; then
	(cd tests/spec && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

dir=$(mktemp -d /tmp/instantlyfs-mock.XXXXXX)
mnt=$dir/mnt
mkdir "$mnt"
prism_pid=
mount_pid=
cleanup() {
	if grep -q " $mnt " /proc/self/mountinfo; then
		fusermount3 -uz "$mnt" 2>/dev/null || true
	fi
	[ -z "$mount_pid" ] || kill "$mount_pid" 2>/dev/null || true
	[ -z "$prism_pid" ] || kill "$prism_pid" 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Waits up to $1 seconds for the shell condition $2 while process $3 lives.
wait_until() {
	n=0
	while ! eval "$2"; do
		if ! kill -0 "$3" 2>/dev/null; then
			return 1
		fi
		n=$((n + 1))
		[ "$n" -lt $(($1 * 10)) ] || return 1
		sleep 0.1
	done
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
tests/spec/node_modules/.bin/prism mock "$SPEC" -p "$port" -h 127.0.0.1 \
	>"$dir/prism.log" 2>&1 &
prism_pid=$!
if ! wait_until 60 "grep -qs 'Prism is listening' '$dir/prism.log'" "$prism_pid"; then
	echo "mock: Prism did not start:" >&2
	tail -20 "$dir/prism.log" >&2
	exit 1
fi

INSTANTLY_API_KEY=mock-key-0123456789abcdef "$BIN" -f \
	-o "api_url=http://127.0.0.1:$port,cache=memory" "$mnt" >"$dir/mount.log" 2>&1 &
mount_pid=$!
if ! wait_until 20 "grep -q ' $mnt ' /proc/self/mountinfo" "$mount_pid"; then
	echo "mock: instantlyfs did not mount:" >&2
	tail -20 "$dir/mount.log" >&2
	exit 1
fi

fail=0
# step NAME COMMAND: runs COMMAND in the mount within the time bound.
step() {
	start=$(date +%s)
	set +e
	(cd "$mnt" && timeout -k 5 "$LIMIT" sh -c "$2") >"$dir/$1.out" 2>"$dir/$1.err"
	rc=$?
	set -e
	echo "mock: $1: exit $rc in $(($(date +%s) - start)) s," \
		"$(wc -l <"$dir/$1.out") lines out, $(wc -l <"$dir/$1.err") lines of errors"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		echo "mock: $1 did not end within $LIMIT s: a hang" >&2
		fail=1
	fi
	if ! kill -0 "$mount_pid" 2>/dev/null ||
		grep -q "Transport endpoint is not connected" "$dir/$1.err"; then
		echo "mock: instantlyfs died during $1" >&2
		tail -20 "$dir/mount.log" >&2
		exit 1
	fi
}

step ls-R "ls -R"
step cat "for f in workspace.json emails/unread_count campaigns/*/campaign.json \
	campaigns/*/analytics.json accounts/*/account.json lead-lists/*/list.json \
	tags/*/tag.json jobs/*.json emails/*/email.json emails/*/body.txt \
	blocklist/*; do cat \"\$f\" || echo \"cat \$f failed\" >&2; done"
step grep-r "grep -r -c . ."
step workspace "jq -e .id workspace.json"
if [ "$rc" -ne 0 ]; then
	echo "mock: workspace.json did not read as the spec's example" >&2
	fail=1
fi

# Names listed twice in one folder by ls -R, and the requests the mock
# found against the spec (Prism logs the request, then its violations).
dups=$(awk '/:$/ { h = $0; d = NR; next } NF && seen[d "/" $0]++ == 1 { print h " " $0 }' \
	"$dir/ls-R.out")
echo "mock: Prism answered $(grep -c 'Request received' "$dir/prism.log") requests," \
	"$(grep -c 'Request did not pass the validation rules' "$dir/prism.log")" \
	"against the spec; $(printf '%s' "$dups" | grep -c . || true) names listed twice"
awk '/Request received/ { sub(/^.*\[HTTP SERVER\] /, ""); sub(/ ℹ.*/, ""); req = $0; next }
	/\[VALIDATOR\] ✖/ && !/Violation:/ { sub(/^.*\[VALIDATOR\] ✖ +error +/, "");
		print "  " req ": " $0 }' "$dir/prism.log" | sort | uniq -c
[ -z "$dups" ] || printf '%s\n' "$dups" | sed 's/^/  listed twice: /'

# The mount still answers, and unmounts cleanly.
step ls "ls"
if ! grep -q campaigns "$dir/ls.out"; then
	echo "mock: the mount no longer lists its root" >&2
	fail=1
fi
fusermount3 -u "$mnt"
wait_until 30 "! kill -0 $mount_pid 2>/dev/null" "$mount_pid" || true
if kill -0 "$mount_pid" 2>/dev/null; then
	echo "mock: instantlyfs did not exit after unmount" >&2
	exit 1
fi
set +e
wait "$mount_pid"
rc=$?
set -e
mount_pid=
if [ "$rc" -ne 0 ]; then
	echo "mock: instantlyfs exited $rc after unmount" >&2
	fail=1
fi

if [ "$fail" -ne 0 ]; then
	echo "mock: FAILED (logs in $dir)" >&2
	exit 1
fi
rm -rf "$dir"
echo "mock: no crash, no hang"
