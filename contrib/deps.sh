#!/bin/sh
# Makes sure the build and test dependencies are installed.  As root on
# Debian it installs what is missing with apt-get; otherwise it prints the
# command to run.  Quiet when everything is there.
# Build and core tests.
PKGS="gcc make pkg-config libfuse3-dev fuse3 libcurl4-openssl-dev libcjson-dev libsqlite3-dev check python3 jq vim perl valgrind openssl"
# The mail readers the Maildir view is tested with.
PKGS="$PKGS neomutt notmuch maildir-utils mblaze tmux"
# make deb and the tests of the package, fstab, the systemd unit and the
# bash completion (lintian, dpkg -i, mount(8), systemd-analyze verify).
PKGS="$PKGS debhelper dpkg-dev fakeroot lintian mount systemd bash-completion"
# The pipe viewer an import is watched with while it is sent (test_shell.py).
PKGS="$PKGS pv"
missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	echo "instantlyfs: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends $missing >/dev/null ||
		{ echo "instantlyfs: apt-get install failed" >&2; exit 1; }
else
	echo "instantlyfs: missing packages. Run:" >&2
	echo "  sudo apt-get install$missing" >&2
	exit 1
fi
