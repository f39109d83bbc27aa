/*
 * cliopt.h - the long options of the subcommands (instantlyfs cache,
 * instantlyfs connections).
 */
#ifndef INSTANTLYFS_CLIOPT_H
#define INSTANTLYFS_CLIOPT_H

/*
 * "--name VALUE" or "--name=VALUE" at argv[*i]: 1 if it is that option,
 * with *val set (and *i past VALUE), or *bad set when VALUE is missing;
 * 0 if it is another argument.
 */
int cliopt(int argc, char **argv, int *i, const char *name, const char **val,
	   int *bad);

#endif
