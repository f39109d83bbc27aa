/*
 * msg.h - one-line messages about a user's text (refused edits and
 * imports): formatting into a caller's char **, and quoting a value.
 * Pure, thread-safe.
 */
#ifndef INSTANTLYFS_MSG_H
#define INSTANTLYFS_MSG_H

#include <stddef.h>

#define MSG_SHOWN 64	/* bytes of a user's value quoted in a message */

/* Replaces *err (if err is not NULL) with the formatted message; *err is
 * NULL when out of memory. */
void msg_set(char **err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* s as it may appear in a one-line message: control bytes become '?',
 * and a long one is cut (at a character boundary) and ends in "...".
 * NULL is shown as "".  Returns out. */
const char *msg_shown(const char *s, char out[MSG_SHOWN + 4]);

/* The line and column (both from 1) of byte pos of text. */
void msg_where(const char *text, size_t pos, size_t *line, size_t *col);

#endif
