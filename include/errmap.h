/*
 * errmap.h - the one place that maps API and transport results to errno.
 *
 *   2xx -> 0;  400, other 4xx -> EINVAL;  401, 402 -> EACCES;  403 -> EPERM;
 *   404 -> ENOENT;  409 -> EEXIST;  413 -> EFBIG;  429 -> EAGAIN;
 *   5xx -> EIO;  transport timeout -> ETIMEDOUT;  other transport -> EIO.
 * Returned values are positive errno numbers.  Pure, thread-safe.
 */
#ifndef INSTANTLYFS_ERRMAP_H
#define INSTANTLYFS_ERRMAP_H

#include <stddef.h>

int errmap_http(long status);
int errmap_curl(int curl_code);	/* a CURLcode */
/*
 * The human message of an error response: the envelope's "message" (a
 * string, or an array of strings joined with "; "), else "error", else the
 * body itself cut to 512 bytes with control bytes replaced.  malloc'd.
 */
char *errmap_message(const char *body, size_t len);

#endif
