#!/bin/sh
# Runs the mount under valgrind memcheck (make check-valgrind): any
# invalid read or write, or a definitely lost block, makes it exit 99.
exec valgrind -q --error-exitcode=99 --leak-check=full \
	--show-leak-kinds=definite --errors-for-leak-kinds=definite \
	--suppressions="$(dirname "$0")/valgrind.supp" \
	"${VALGRIND_BINARY:?set VALGRIND_BINARY}" "$@"
