/*
 * cliopt.c - the long options of the subcommands (see cliopt.h).
 */
#include <string.h>

#include "cliopt.h"

int cliopt(int argc, char **argv, int *i, const char *name, const char **val,
	   int *bad)
{
	size_t n = strlen(name);
	const char *a = argv[*i];

	if (strncmp(a, name, n) != 0)
		return 0;
	if (a[n] == '=') {
		*val = a + n + 1;
		return 1;
	}
	if (a[n] != '\0')
		return 0;
	if (*i + 1 >= argc) {
		*bad = 1;
		return 1;
	}
	*val = argv[++*i];
	return 1;
}
