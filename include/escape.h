/*
 * escape.h - server-supplied names to single safe path components.
 *
 * '/', '%', control bytes (0x01-0x1f, 0x7f) become %2F, %25, %XX; a name
 * that is exactly "." or ".." becomes "%2E" or "%2E%2E"; an empty name
 * becomes "%00".  Bytes >= 0x80 (UTF-8) are kept.  name_unescape() is the
 * exact inverse of name_escape().  Pure functions, thread-safe.
 */
#ifndef INSTANTLYFS_ESCAPE_H
#define INSTANTLYFS_ESCAPE_H

#include <stddef.h>

#define NAME_MAX_BYTES 255

/* Escaped name, malloc'd; NULL on allocation failure. */
char *name_escape(const char *name);

/*
 * One path component of at most NAME_MAX_BYTES: escape(name) + suffix
 * (suffix may be NULL or "").  When that is too long, the escaped name is
 * cut (never inside a %XX escape or a UTF-8 sequence) and ".<id>" is put
 * before the suffix.  malloc'd; NULL on allocation failure.
 */
char *name_component(const char *name, const char *id, const char *suffix);

/* Exact inverse of name_escape(); NULL if comp has a malformed escape. */
char *name_unescape(const char *comp);

#endif
