/*
 * render.h - API objects to file contents.
 *
 * JSON: two-space indent, one field per line, keys in the order the server
 * sent them, strings escaped as JSON requires, final newline.
 * CSV: RFC 4180, header row of every key seen (first-seen order), CRLF-free
 * ("\n" line ends), fields quoted when they hold ',', '"', '\n' or '\r';
 * nested objects or arrays are written as compact JSON.
 * Pure functions, thread-safe.  Results are malloc'd, NUL-terminated.
 */
#ifndef INSTANTLYFS_RENDER_H
#define INSTANTLYFS_RENDER_H

#include <stddef.h>
#include <cjson/cJSON.h>

char *render_json(const cJSON *item, size_t *len);
/* arr: an array of objects (an object is taken as a one-row array). */
char *render_csv(const cJSON *arr, size_t *len);

#endif
