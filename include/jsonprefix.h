/*
 * jsonprefix.h - can a text still become one JSON text?
 *
 * For writes judged as they come: a text cut anywhere ("{\"a\": ", a
 * string or a number or "tru" not yet finished, an incomplete UTF-8
 * sequence at the very end) is a valid prefix; an error is a byte that
 * no continuation can make valid.  What only the whole text can say (an
 * unclosed object, duplicate keys, lone surrogates, depth limits) is left
 * to the parser that reads the whole text (patch_parse_json: cJSON).
 *
 * The grammar is RFC 8259's with that parser's leniencies, so that no
 * text it takes is refused here: a UTF-8 byte order mark first; any
 * control byte but NUL as white space and, raw, inside strings; numbers
 * as strtod(3) reads them ("01", "1.", "-.5"); any four bytes after \u
 * but a quote.  NUL and invalid UTF-8 are errors, as they are there.
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
