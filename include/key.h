/*
 * key.h - where the API key comes from, and the mode it implies.
 *
 * Never from the command line: a key file (-o key_file=PATH) that only its
 * owner can read, else INSTANTLY_API_KEY (direct mode), else MATON_API_KEY
 * (gateway mode).  The key is never printed, logged or put in a message.
 */
#ifndef INSTANTLYFS_KEY_H
#define INSTANTLYFS_KEY_H

#include "api.h"

#define KEY_MAX_BYTES 4096

/*
 * The API key and the mode it implies.  key_file (may be NULL): read the
 * first line, refusing a file that group or others can read or write, or
 * that is not a regular file.  Else INSTANTLY_API_KEY (direct mode), else
 * MATON_API_KEY (gateway mode); an empty variable counts as unset.
 *
 * forced_mode: -1 = infer (a key file alone means direct).  A forced mode
 * takes its key only from the key file or from its own variable
 * (API_MODE_DIRECT: INSTANTLY_API_KEY; API_MODE_GATEWAY: MATON_API_KEY), so
 * a key is never sent to the other service.
 *
 * Returns the key, malloc'd, trailing whitespace stripped; free it with
 * key_free().  On failure returns NULL, sets errno (EPERM for a file with
 * loose permissions or not a regular file, ENOENT for no key, EINVAL for
 * a key with control characters, or the open/read error) and sets *err
 * to a malloc'd one-line message without the key.  With no key at all
 * the message is:
 * "instantlyfs: no API key: set INSTANTLY_API_KEY (direct) or MATON_API_KEY
 * (gateway), or use -o key_file=PATH".
 */
char *key_load(const char *key_file, int forced_mode, enum api_mode *mode,
	       char **err);

/* Overwrites and frees a key; NULL is fine. */
void key_free(char *key);

/*
 * The key lives in this process's memory: no core file is written (core
 * size limit 0, not dumpable), and processes of the same user cannot
 * ptrace it or read its memory.  Called before the key is read.
 */
void key_guard_process(void);

#endif
