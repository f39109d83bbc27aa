/*
 * errlog.h - the recent API errors, shown in .instantlyfs/errors.
 *
 * A bounded ring (the last ERRLOG_MAX lines).  Each line:
 *   "<ISO-8601 UTC time> <METHOD> <path> -> <status or curl error>: <message>\n"
 * The path is the request path without the base URL; never a key.
 * Thread-safe.
 */
#ifndef INSTANTLYFS_ERRLOG_H
#define INSTANTLYFS_ERRLOG_H

#include <stddef.h>

#define ERRLOG_MAX 200

void errlog_add(const char *method, const char *path, const char *status,
		const char *message);
/* The whole log as text, malloc'd. */
char *errlog_render(size_t *len);
void errlog_clear(void);

#endif
