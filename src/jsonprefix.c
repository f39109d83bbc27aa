/*
 * jsonprefix.c - the JSON prefix checker of jsonprefix.h.
 *
 * One pass over the bytes with a stack of open containers: each token
 * (string, number, literal, punctuation) is checked as far as it goes; a
 * token cut by the end of the text is a valid prefix.  Owns nothing.
 */
#include <stdbool.h>
#include <string.h>

#include "jsonprefix.h"

/* What may come next. */
enum expect {
	E_VALUE, /* a value (top level, after ':' or ',' in an array) */
	E_VALUE_OR_CLOSE, /* just after '[' */
	E_KEY_OR_CLOSE,	  /* just after '{' */
	E_KEY,		  /* after ',' in an object */
	E_COLON,
	E_NEXT, /* after a value in a container: ',' or its close */
	E_DONE, /* after the top-level value: white space only */
};

struct scan {
	const unsigned char *p, *end;
	char stack[JSONPREFIX_MAX_DEPTH];
	size_t depth;
	enum expect expect;
	const char *why;
};

/* Results of a token scanner: where it stopped (p), and whether it is
 * cut by the end (p == end), complete, or wrong at p. */
enum tok { T_OK, T_CUT, T_BAD };

/* White space as the parser that judges the whole text reads it (cJSON
 * skips every control byte between tokens; NUL is refused before). */
static bool is_ws(unsigned char c)
{
	return c >= 1 && c <= ' ';
}

static enum tok bad(struct scan *s, const unsigned char *at, const char *why)
{
	s->p = at;
	s->why = why;
	return T_BAD;
}

/* The continuation bytes a UTF-8 lead byte takes, and the range of the
 * first one; 0 for a byte that cannot lead. */
static int utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 1;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 2;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 3;
	}
	return 0;
}

/* One UTF-8 sequence at s->p (a byte >= 0x80). */
static enum tok utf8_char(struct scan *s)
{
	const unsigned char *q = s->p;
	unsigned char lo, hi;
	int n = utf8_lead(*q, &lo, &hi);

	if (!n)
		return bad(s, q, "invalid UTF-8");
	for (q++; n > 0; n--, q++, lo = 0x80, hi = 0xbf) {
		if (q == s->end) {
			s->p = q;
			return T_CUT;
		}
		if (*q < lo || *q > hi)
			return bad(s, q, "invalid UTF-8");
	}
	s->p = q;
	return T_OK;
}

/* An escape at s->p (just past the backslash). */
static enum tok escape(struct scan *s)
{
	const unsigned char *u = s->p, *q;

	if (u == s->end)
		return T_CUT;
	if (*u && strchr("\"\\/bfnrt", *u)) {
		s->p = u + 1;
		return T_OK;
	}
	if (*u != 'u')
		return bad(s, u, "invalid escape in a string");
	/* The parser takes any four bytes (not hex: U+0000), but a quote,
	 * which ends the string too early.  A backslash among them changes
	 * where it ends, and a UTF-8 sequence may straddle their end: those
	 * are not judged here. */
	for (q = u + 1; q < u + 5; q++) {
		if (q == s->end || *q == '\\' || *q >= 0x80) {
			s->p = s->end;
			return T_CUT;
		}
		if (*q == '"')
			return bad(s, q, "invalid \\u escape in a string");
		if (!*q)
			return bad(s, q, "a NUL byte in a string");
	}
	s->p = q;
	return T_OK;
}

/* A string, s->p just past its opening quote. */
static enum tok string(struct scan *s)
{
	enum tok t;

	while (s->p < s->end) {
		unsigned char c = *s->p;

		if (c == '"') {
			s->p++;
			return T_OK;
		}
		if (!c)
			return bad(s, s->p, "a NUL byte in a string");
		if (c == '\\') {
			s->p++;
			t = escape(s);
		} else if (c >= 0x80) {
			t = utf8_char(s);
		} else {
			s->p++;
			t = T_OK;
		}
		if (t != T_OK)
			return t;
	}
	return T_CUT;
}

static bool digit(const unsigned char *q, const unsigned char *end)
{
	return q < end && *q >= '0' && *q <= '9';
}

/* One or more digits at *q. */
static enum tok need_digits(struct scan *s, const unsigned char **q)
{
	if (*q == s->end) {
		s->p = s->end;
		return T_CUT;
	}
	if (!digit(*q, s->end))
		return bad(s, *q, "invalid number");
	while (digit(*q, s->end))
		(*q)++;
	return T_OK;
}

/* A number at s->p, as strtod(3) reads it: -?(D+(.D*)?|.D+)([eE][+-]?D+)?
 * (the parser hands it the run of number bytes). */
static enum tok number(struct scan *s)
{
	const unsigned char *q = s->p, *end = s->end;
	enum tok t;

	if (*q == '-')
		q++;
	if (q < end && *q == '.') {
		q++;
		if ((t = need_digits(s, &q)) != T_OK)
			return t;
	} else if ((t = need_digits(s, &q)) != T_OK) {
		return t;
	} else if (q < end && *q == '.') {
		for (q++; digit(q, end); q++)
			;
	}
	if (q < end && (*q == 'e' || *q == 'E')) {
		q++;
		if (q < end && (*q == '+' || *q == '-'))
			q++;
		if ((t = need_digits(s, &q)) != T_OK)
			return t;
	}
	s->p = q;
	return q == end ? T_CUT : T_OK;
}

/* true, false or null at s->p. */
static enum tok literal(struct scan *s)
{
	static const char *const words[] = {"true", "false", "null"};
	const char *w = NULL;
	size_t i;

	for (i = 0; i < 3; i++)
		if (*s->p == (unsigned char)words[i][0])
			w = words[i];
	for (i = 0; w[i]; i++) {
		if (s->p + i == s->end) {
			s->p = s->end;
			return T_CUT;
		}
		if (s->p[i] != (unsigned char)w[i])
			return bad(s, s->p + i, "invalid literal");
	}
	s->p += i;
	return T_OK;
}

/* A value starting at s->p; an open container is pushed. */
static enum tok value(struct scan *s)
{
	unsigned char c = *s->p;

	if (c == '{' || c == '[') {
		if (s->depth == JSONPREFIX_MAX_DEPTH)
			return T_CUT; /* not judged: see the header */
		s->stack[s->depth++] = (char)c;
		s->expect = c == '{' ? E_KEY_OR_CLOSE : E_VALUE_OR_CLOSE;
		s->p++;
		return T_OK;
	}
	s->expect = s->depth ? E_NEXT : E_DONE;
	if (c == '"') {
		s->p++;
		return string(s);
	}
	if (c == '-' || (c >= '0' && c <= '9'))
		return number(s);
	if (c == 't' || c == 'f' || c == 'n')
		return literal(s);
	return bad(s, s->p, "expected a value");
}

/* The close of the innermost container at s->p, if it is one. */
static bool close_container(struct scan *s)
{
	char want = s->stack[s->depth - 1] == '{' ? '}' : ']';

	if (*s->p != want)
		return false;
	s->depth--;
	s->expect = s->depth ? E_NEXT : E_DONE;
	s->p++;
	return true;
}

/* The next token at s->p, white space skipped already. */
static enum tok token(struct scan *s)
{
	unsigned char c = *s->p;

	switch (s->expect) {
	case E_VALUE:
		return value(s);
	case E_VALUE_OR_CLOSE:
		return close_container(s) ? T_OK : value(s);
	case E_KEY_OR_CLOSE:
		if (close_container(s))
			return T_OK;
		/* fall through */
	case E_KEY:
		if (c != '"')
			return bad(s, s->p, "expected a string (a key)");
		s->p++;
		s->expect = E_COLON;
		return string(s);
	case E_COLON:
		if (c != ':')
			return bad(s, s->p, "expected ':'");
		s->p++;
		s->expect = E_VALUE;
		return T_OK;
	case E_NEXT:
		if (close_container(s))
			return T_OK;
		if (c != ',')
			return bad(s, s->p,
				   s->stack[s->depth - 1] == '{'
				       ? "expected ',' or '}'"
				       : "expected ',' or ']'");
		s->p++;
		s->expect = s->stack[s->depth - 1] == '{' ? E_KEY : E_VALUE;
		return T_OK;
	default:
		return bad(s, s->p, "text after the JSON value");
	}
}

size_t jsonprefix_check(const char *data, size_t len, const char **why)
{
	static const char bom[] = "\xef\xbb\xbf";
	struct scan s;
	enum tok t = T_OK;
	size_t k = 0;

	memset(&s, 0, sizeof(s));
	s.p = (const unsigned char *)data;
	s.end = s.p + len;
	/* A byte order mark first, or the start of one. */
	while (k < 3 && k < len && data[k] == bom[k])
		k++;
	if (k == len)
		return len;
	if (k == 3)
		s.p += 3;
	else if (k)
		t = bad(&s, s.p + k, "a byte order mark cut short");
	s.expect = E_VALUE;
	while (t == T_OK) {
		while (s.p < s.end && is_ws(*s.p))
			s.p++;
		if (s.p == s.end)
			break;
		t = token(&s);
	}
	if (t != T_BAD)
		return len;
	if (why)
		*why = s.why;
	return (size_t)((const char *)s.p - data);
}
