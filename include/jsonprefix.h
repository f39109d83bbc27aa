/*
 * jsonprefix.h - can a text still become one JSON text (RFC 8259)?
 *
 * For writes judged as they come: a text cut anywhere ("{\"a\": ", a
 * string or a number or "tru" not yet finished, an incomplete UTF-8
 * sequence at the very end) is a valid prefix; an error is a byte that
 * no continuation can make valid.  What only the whole text can say (an
 * unclosed object, duplicate keys, lone surrogates, depth limits) is left
 * to the parser that reads the whole text.
 *
 * Pure: no I/O, no state, thread-safe.
 */
#ifndef INSTANTLYFS_JSONPREFIX_H
#define INSTANTLYFS_JSONPREFIX_H

#include <stddef.h>

/* Nesting deeper than this is not judged (the prefix is taken as valid). */
#define JSONPREFIX_MAX_DEPTH 1024

/*
 * len when data[0..len) is the start of some JSON text; otherwise the
 * offset of the first byte that cannot be, with *why (if why) a static
 * one-line reason.
 */
size_t jsonprefix_check(const char *data, size_t len, const char **why);

#endif
