/*
 * fuzz_util.h - small helpers shared by the libFuzzer harnesses.
 *
 * FUZZ_CHECK(cond) aborts (a crash libFuzzer records, with the input) when
 * a property the harness checks does not hold.  fuzz_split() cuts an input
 * into pieces at a separator byte; fuzz_dup() makes a NUL-terminated copy.
 */
#ifndef INSTANTLYFS_FUZZ_UTIL_H
#define INSTANTLYFS_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FUZZ_CHECK(cond)                                                      \
	do {                                                                  \
		if (!(cond)) {                                                \
			fprintf(stderr, "fuzz: property violated: %s (%s:%d)\n", \
				#cond, __FILE__, __LINE__);                   \
			abort();                                              \
		}                                                             \
	} while (0)

struct fuzz_piece {
	const char *p;
	size_t n;
};

/*
 * Cuts data at every sep byte into at most max pieces (the last one takes
 * the rest, separators included).  Returns the number of pieces (>= 1).
 */
static inline size_t fuzz_split(const uint8_t *data, size_t size, uint8_t sep,
				struct fuzz_piece *out, size_t max)
{
	const char *p = (const char *)data, *end = p + size;
	size_t n = 0;

	while (n + 1 < max) {
		const char *q = memchr(p, sep, (size_t)(end - p));

		if (!q)
			break;
		out[n].p = p;
		out[n].n = (size_t)(q - p);
		n++;
		p = q + 1;
	}
	out[n].p = p;
	out[n].n = (size_t)(end - p);
	return n + 1;
}

/* A NUL-terminated copy of n bytes (which may themselves hold NULs). */
static inline char *fuzz_dup(const char *p, size_t n)
{
	char *s = malloc(n + 1);

	if (!s)
		abort();
	if (n)
		memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* 1 if s[0..n) is strict UTF-8: no overlong forms, no surrogates, nothing
 * past U+10FFFF. */
static inline int fuzz_utf8_valid(const char *text, size_t n)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i], cp, min, k, len;

		if (c < 0x80) {
			i++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf)
			len = 2, cp = c & 0x1f, min = 0x80;
		else if (c >= 0xe0 && c <= 0xef)
			len = 3, cp = c & 0x0f, min = 0x800;
		else if (c >= 0xf0 && c <= 0xf4)
			len = 4, cp = c & 0x07, min = 0x10000;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
	}
	return 1;
}

/* 1 if s holds a control byte (0x01-0x1f or 0x7f). */
static inline int fuzz_has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 1;
	return 0;
}

#endif
