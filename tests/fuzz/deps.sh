#!/bin/sh
# Makes sure what the fuzz targets need is installed: clang with its
# libFuzzer and sanitizer runtimes, pkg-config, and the cJSON and libcurl
# headers.  As root on Debian it installs what is missing with apt-get;
# otherwise it prints the command to run.  Quiet when everything is there.
#
# CC_FUZZ (default clang) is the compiler checked.
CC_FUZZ=${CC_FUZZ:-clang}
PKGS="clang pkg-config libcjson-dev libcurl4-openssl-dev"

# Can CC_FUZZ build and link a libFuzzer target with ASan and UBSan?
fuzzer_works() {
	command -v "$CC_FUZZ" >/dev/null 2>&1 || return 1
	dir=$(mktemp -d) || return 1
	printf '%s\n' '#include <stddef.h>' '#include <stdint.h>' \
		'int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)' \
		'{ (void)d; (void)n; return 0; }' >"$dir/t.c"
	"$CC_FUZZ" -fsanitize=fuzzer,address,undefined -o "$dir/t" "$dir/t.c" \
		>/dev/null 2>&1
	rc=$?
	rm -rf "$dir"
	return $rc
}

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ] && fuzzer_works; then
	exit 0
fi

# The libFuzzer runtime ships apart from clang on some releases
# (libclang-rt-<N>-dev on Debian 12).
rt=""
if command -v "$CC_FUZZ" >/dev/null 2>&1; then
	major=$("$CC_FUZZ" -dumpversion 2>/dev/null | cut -d. -f1)
	[ -n "$major" ] && rt="libclang-rt-$major-dev"
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
	export DEBIAN_FRONTEND=noninteractive
	echo "instantlyfs: installing for fuzzing:$missing"
	apt-get update -qq >/dev/null &&
		apt-get install -y -qq --no-install-recommends $missing \
			>/dev/null ||
		{ echo "instantlyfs: apt-get install failed" >&2; exit 1; }
	if ! fuzzer_works; then
		if [ -z "$rt" ]; then
			major=$("$CC_FUZZ" -dumpversion 2>/dev/null | cut -d. -f1)
			rt="libclang-rt-$major-dev"
		fi
		echo "instantlyfs: installing the libFuzzer runtime: $rt"
		apt-get install -y -qq --no-install-recommends "$rt" \
			>/dev/null 2>&1 ||
			apt-get install -y -qq --no-install-recommends \
				libclang-rt-dev >/dev/null 2>&1
	fi
	fuzzer_works || {
		echo "instantlyfs: $CC_FUZZ cannot build libFuzzer targets" \
			"(-fsanitize=fuzzer,address,undefined)" >&2
		exit 1
	}
else
	echo "instantlyfs: fuzzing needs clang with libFuzzer. Run:" >&2
	echo "  sudo apt-get install$missing ${rt:-libclang-rt-dev}" >&2
	exit 1
fi
