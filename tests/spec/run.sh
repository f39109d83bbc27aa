#!/bin/sh
# OpenAPI conformance: the integration suite with Stoplight Prism in proxy
# mode (--errors) between each mount and its fake, so that every request
# instantlyfs sends and every answer the fake gives is checked against the
# official spec (../shared/instantly-openapi.json beside the repository).
# tests/integration/harness.py starts one Prism per test class under
# INSTANTLYFS_PROXY=prism and names the classes that bypass it, and why.
#
# A violation fails the request it is in (so the test fails) and fails this
# script; the end shows the requests validated and every violation.
# INSTANTLYFS names the binary under test (default build/instantlyfs);
# TESTS picks test files as for tests/integration/run.sh; SPEC_LOGS keeps
# Prism's and the mounts' logs in that folder (default: a temporary one,
# removed when all is well).
set -e
cd "$(dirname "$0")/../.."
SPEC=../shared/instantly-openapi.json
if [ ! -r "$SPEC" ]; then
	echo "check-spec: $SPEC is missing" >&2
	exit 1
fi
if [ ! -e /dev/fuse ]; then
	echo "check-spec: /dev/fuse is missing: cannot mount" >&2
	exit 1
fi
if [ ! -x tests/spec/node_modules/.bin/prism ]; then
	(cd tests/spec && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
fi

logs=${SPEC_LOGS:-$(mktemp -d /tmp/instantlyfs-spec.XXXXXX)}
mkdir -p "$logs"
rm -f "$logs"/*.prism.log "$logs"/*.mount.log

python3 - <<'EOF'
import sys
sys.path.insert(0, "tests/integration")
from harness import NO_PROXY
for name, why in sorted(NO_PROXY.items()):
    print("check-spec: %s talks to the fake directly: %s" % (name, why))
EOF

set +e
INSTANTLYFS_PROXY=prism INSTANTLYFS_PROXY_LOGS="$logs" python3 tests/integration/run.py
suite=$?
set -e

# Prism logs one "Request received" per request (each is validated), one
# "Received forward response" per answer it validated, a "Violation:" line
# per violation that did not stop the request (these are what the
# sl-violations header carries) and "Request terminated" for a request it
# failed: 422 for a request against the spec, 500 for an answer against it
# or one it could not read.  instantlyfs logs Prism's problem+json body of
# those, which names the violation.
count() {
	cat "$logs"/*.prism.log 2>/dev/null | grep -c "$1" || true
}
requests=$(count "Request received")
answers=$(count "Received forward response")
classes=$(find "$logs" -name "*.prism.log" | wc -l)
violations=$(cat "$logs"/*.prism.log 2>/dev/null |
	grep -c -e "Violation:" -e "Request terminated" || true)
echo "check-spec: $classes test classes through Prism, $requests requests" \
	"validated, $answers answers validated, $violations violations"
if [ "$violations" -gt 0 ]; then
	echo "check-spec: violations by test class (logs in $logs):"
	for f in "$logs"/*.prism.log; do
		grep -e "Violation:" -e "Request terminated" "$f" |
			sed "s|^\[[^]]*\] › *|  $(basename "$f" .prism.log): |" |
			sort | uniq -c
	done
	echo "check-spec: what Prism said to instantlyfs about them:"
	cat "$logs"/*.mount.log 2>/dev/null | grep "stoplight.io/prism/errors" |
		sed 's/^.*api: /  /' | sort | uniq -c
fi

if [ "$suite" -ne 0 ] || [ "$violations" -gt 0 ] || [ "$requests" -eq 0 ]; then
	[ "$requests" -eq 0 ] && echo "check-spec: no request went through Prism" >&2
	echo "check-spec: FAILED (logs in $logs)" >&2
	exit 1
fi
[ -n "$SPEC_LOGS" ] || rm -rf "$logs"
echo "check-spec: every request and answer conforms to the spec"
