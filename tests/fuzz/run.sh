#!/bin/sh
# Runs libFuzzer harnesses for a bounded time each and writes one line per
# harness, "<name> executions=<N>", to $FUZZ_DIR/summary.txt.
#
#   run.sh check SECONDS NAME...   a fresh copy of each committed corpus
#                                  (tests/fuzz/corpus/<name>) under
#                                  $FUZZ_DIR/run/<name>, thrown away after
#   run.sh long SECONDS NAME...    a corpus kept in $FUZZ_DIR/corpus/<name>,
#                                  seeded from the committed one, that grows
#                                  from run to run
#
# Any crash, leak, timeout, sanitizer report or out-of-memory fails the run
# (after every harness had its turn); the input that did it is saved in
# $FUZZ_DIR/artifacts/<name>/ and the output in $FUZZ_DIR/logs/<name>.log.
# Nothing is written into the source tree.
set -u
mode=${1:?mode}
secs=${2:?seconds}
shift 2
FUZZ_DIR=${FUZZ_DIR:-build-fuzz}
FUZZ_SRC=${FUZZ_SRC:-tests/fuzz}
FUZZ_RSS_MB=${FUZZ_RSS_MB:-1024}
FUZZ_TIMEOUT=${FUZZ_TIMEOUT:-5}
FUZZ_MAX_LEN=${FUZZ_MAX_LEN:-8192}
FUZZ_ARGS=${FUZZ_ARGS:-}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

summary="$FUZZ_DIR/summary.txt"
mkdir -p "$FUZZ_DIR/logs" "$FUZZ_DIR/artifacts"
: >"$summary"
failed=""

for name in "$@"; do
	bin="$FUZZ_DIR/fuzz_$name"
	seeds="$FUZZ_SRC/corpus/$name"
	log="$FUZZ_DIR/logs/$name.log"
	art="$FUZZ_DIR/artifacts/$name"
	if [ ! -x "$bin" ]; then
		echo "fuzz: $bin is not built" >&2
		exit 2
	fi
	case $mode in
	check)
		corpus="$FUZZ_DIR/run/$name"
		rm -rf "$corpus"
		mkdir -p "$corpus"
		[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
		;;
	long)
		corpus="$FUZZ_DIR/corpus/$name"
		mkdir -p "$corpus"
		[ -d "$seeds" ] && cp "$seeds"/* "$corpus"/ 2>/dev/null
		;;
	*)
		echo "fuzz: unknown mode $mode" >&2
		exit 2
		;;
	esac
	case $name in
	html) dict="$FUZZ_SRC/html.dict" ;;
	escape) dict="" ;;
	*) dict="$FUZZ_SRC/json.dict" ;;
	esac
	mkdir -p "$art"
	printf 'fuzz_%s: %ss ... ' "$name" "$secs"
	# shellcheck disable=SC2086
	"$bin" -max_total_time="$secs" -rss_limit_mb="$FUZZ_RSS_MB" \
		-timeout="$FUZZ_TIMEOUT" -max_len="$FUZZ_MAX_LEN" \
		-print_final_stats=1 -artifact_prefix="$art/" \
		${dict:+-dict="$dict"} $FUZZ_ARGS "$corpus" >"$log" 2>&1
	rc=$?
	# Executions: the final stats, else "#N DONE", else "Done N runs".
	n=$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' \
		"$log" | tail -n 1)
	[ -n "$n" ] || n=$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]]*DONE.*/\1/p' \
		"$log" | tail -n 1)
	[ -n "$n" ] || n=$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' \
		"$log" | tail -n 1)
	[ -n "$n" ] || n=0
	echo "$name executions=$n" >>"$summary"
	if [ $rc -eq 0 ] && ! grep -qE 'ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer)|runtime error:' "$log"; then
		echo "$n executions, ok"
	else
		echo "FAILED (exit $rc) after $n executions"
		grep -E 'ERROR:|SUMMARY:|runtime error:|fuzz: property|Test unit written|^==[0-9]+==' \
			"$log" | head -n 20 | sed 's/^/    /'
		echo "    full output: $log"
		failed="$failed $name"
	fi
done

echo "fuzz: summary in $summary:"
sed 's/^/    /' "$summary"
if [ -n "$failed" ]; then
	echo "fuzz: FAILED:$failed (inputs in $FUZZ_DIR/artifacts/)" >&2
	exit 1
fi
