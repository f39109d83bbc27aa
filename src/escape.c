/*
 * escape.c - server-supplied names to single safe path components.
 *
 * name_escape() writes '/', '%' and control bytes as %XX (upper-case hex),
 * "." and ".." as "%2E" and "%2E%2E", and "" as "%00"; every other byte,
 * UTF-8 included, is kept.  name_unescape() accepts exactly the strings
 * name_escape() can produce: it decodes, escapes the result again and
 * rejects the component unless that gives back the same bytes.  So "%2f",
 * "%41", a stray '%', a raw control byte or "%00" inside a longer name all
 * give NULL, and a name a user creates is the name a listing shows.
 *
 * name_component() cuts a too-long name on a unit boundary: a unit is one
 * %XX escape, one well-formed UTF-8 sequence, or one other byte.  The id
 * and suffix are escaped with the same byte rules; if together they would
 * leave less than UNIT_MAX bytes for the name, they are cut from the end.
 * So a cut keeps at least one unit of the name, and since the uncut
 * escaped name is never "", "." or "..", no component is either.
 *
 * Pure functions, no shared state.
 */
#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* Room kept for at least one unit of the name when cutting. */
#define UNIT_MAX 4

static const char hex_digits[] = "0123456789ABCDEF";

static int needs_escape(unsigned char c)
{
	return c == '/' || c == '%' || c < 0x20 || c == 0x7f;
}

/* Escapes bytes only (no "."/".." rule) into out; returns the length. */
static size_t escape_bytes(const char *s, char *out)
{
	size_t n = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (needs_escape(c)) {
			out[n++] = '%';
			out[n++] = hex_digits[c >> 4];
			out[n++] = hex_digits[c & 0xf];
		} else {
			out[n++] = (char)c;
		}
	}
	out[n] = '\0';
	return n;
}

static char *escape_bytes_dup(const char *s)
{
	char *out = malloc(strlen(s) * 3 + 1);

	if (out)
		escape_bytes(s, out);
	return out;
}

char *name_escape(const char *name)
{
	if (!strcmp(name, ""))
		return strdup("%00");
	if (!strcmp(name, "."))
		return strdup("%2E");
	if (!strcmp(name, ".."))
		return strdup("%2E%2E");
	return escape_bytes_dup(name);
}

/* Length of the unit of escaped text that starts at s (s[0] != NUL). */
static size_t unit_len(const unsigned char *s)
{
	size_t n, i;

	if (s[0] == '%' && s[1] && s[2])
		return 3;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4;
	else
		return 1;
	for (i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

/* The longest prefix of s, in whole units, that fits in max bytes. */
static size_t cut_len(const char *s, size_t max)
{
	size_t n = 0;

	while (s[n]) {
		size_t u = unit_len((const unsigned char *)s + n);

		if (n + u > max)
			break;
		n += u;
	}
	return n;
}

static char *join(const char *a, size_t alen, const char *b, size_t blen)
{
	char *out = malloc(alen + blen + 1);

	if (!out)
		return NULL;
	memcpy(out, a, alen);
	memcpy(out + alen, b, blen);
	out[alen + blen] = '\0';
	return out;
}

char *name_component(const char *name, const char *id, const char *suffix)
{
	char *esc = NULL, *tail = NULL, *out = NULL;
	size_t elen, tlen, slen;

	esc = name_escape(name);
	/* tail is ".<id><suffix>" (or just the suffix), escaped. */
	tail = malloc(1 + (id ? strlen(id) * 3 : 0) +
		      (suffix ? strlen(suffix) * 3 : 0) + 1);
	if (!esc || !tail)
		goto out;

	slen = escape_bytes(suffix ? suffix : "", tail);
	elen = strlen(esc);
	if (elen + slen <= NAME_MAX_BYTES) {
		out = join(esc, elen, tail, slen);
		goto out;
	}

	tlen = 0;
	if (id && *id) {
		tail[tlen++] = '.';
		tlen += escape_bytes(id, tail + tlen);
	}
	escape_bytes(suffix ? suffix : "", tail + tlen);
	tlen = cut_len(tail, NAME_MAX_BYTES - UNIT_MAX);

	elen = cut_len(esc, NAME_MAX_BYTES - tlen);
	out = join(esc, elen, tail, tlen);
out:
	free(esc);
	free(tail);
	return out;
}

static int hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *name_unescape(const char *comp)
{
	size_t len = strlen(comp), i, n = 0;
	char *out, *again;
	int ok;

	if (!strcmp(comp, "%00"))
		return strdup("");
	out = malloc(len + 1);
	if (!out)
		return NULL;
	for (i = 0; i < len; i++) {
		int hi, lo;

		if (comp[i] != '%') {
			out[n++] = comp[i];
			continue;
		}
		hi = len - i >= 3 ? hex_value(comp[i + 1]) : -1;
		lo = hi >= 0 ? hex_value(comp[i + 2]) : -1;
		if (lo < 0 || (hi == 0 && lo == 0)) {
			free(out);
			return NULL;
		}
		out[n++] = (char)(hi << 4 | lo);
		i += 2;
	}
	out[n] = '\0';

	/* Only canonical escapes: escaping again must give comp back. */
	again = name_escape(out);
	ok = again && !strcmp(again, comp);
	free(again);
	if (!ok) {
		free(out);
		return NULL;
	}
	return out;
}
