/*
 * msg.c - one-line messages about a user's text (see msg.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"

void msg_set(char **err, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (!err)
		return;
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		s = NULL;
	va_end(ap);
	free(*err);
	*err = s;
}

const char *msg_shown(const char *s, char out[MSG_SHOWN + 4])
{
	size_t i;

	if (!s)
		s = "";
	for (i = 0; s[i] && i < MSG_SHOWN; i++)
		out[i] =
		    (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	if (s[i]) {
		while (i > 0 && ((unsigned char)s[i] & 0xc0) == 0x80)
			i--;
		memcpy(out + i, "...", 3);
		i += 3;
	}
	out[i] = '\0';
	return out;
}

void msg_where(const char *text, size_t pos, size_t *line, size_t *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < pos; i++, (*col)++)
		if (text[i] == '\n')
			*line += 1, *col = 0;
}
