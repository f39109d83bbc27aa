/*
 * html.c - HTML email bodies to plain text (see html.h).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "html.h"

#define HTML_MAX_TEXT (16u << 20)

/* Tags after which the text goes on on a new line. */
static int breaks_line(const char *tag, size_t len)
{
	static const char *const tags[] = { "br", "br/", "/p", "/div", "/li",
					    "/tr", "/h1", "/h2", "/h3", "/h4",
					    "/h5", "/h6", "p", "div" };

	for (size_t i = 0; i < sizeof(tags) / sizeof(tags[0]); i++)
		if (strlen(tags[i]) == len && !strncasecmp(tag, tags[i], len))
			return 1;
	return 0;
}

/* Appends the UTF-8 encoding of code point cp. */
static void put_utf8(struct buf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp == 0 || cp > 0x10FFFF)
		cp = 0xFFFD;
	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	buf_append(b, u, n);
}

/* Decodes the entity at s ('&'); returns the bytes it used. */
static size_t entity(const char *s, struct buf *b)
{
	static const struct {
		const char *name;
		const char *text;
	} named[] = { { "amp;", "&" },	{ "lt;", "<" },	  { "gt;", ">" },
		      { "quot;", "\"" }, { "#39;", "'" }, { "apos;", "'" },
		      { "nbsp;", " " } };
	char *end;
	unsigned long cp;

	for (size_t i = 0; i < sizeof(named) / sizeof(named[0]); i++) {
		size_t n = strlen(named[i].name);

		if (!strncmp(s + 1, named[i].name, n)) {
			buf_puts(b, named[i].text);
			return n + 1;
		}
	}
	if (s[1] == '#') {
		int hex = s[2] == 'x' || s[2] == 'X';

		cp = strtoul(s + 2 + hex, &end, hex ? 16 : 10);
		if (end != s + 2 + hex && *end == ';') {
			put_utf8(b, cp);
			return (size_t)(end - s) + 1;
		}
	}
	buf_append(b, "&", 1);
	return 1;
}

/* Skips a tag starting at s ('<'); returns the bytes it used and whether
 * it ends a line or starts a skipped block. */
static size_t tag(const char *s, int *newline, const char **skip_to)
{
	const char *end = strchr(s, '>');
	const char *name = s + 1;
	size_t len = 0;

	*newline = 0;
	*skip_to = NULL;
	while (name[len] && !isspace((unsigned char)name[len]) &&
	       name[len] != '>')
		len++;
	if (len && name[len - 1] == '/' && len > 1 && strncmp(name, "br", 2))
		len--;
	*newline = breaks_line(name, len);
	if ((len == 6 && !strncasecmp(name, "script", 6)) ||
	    (len == 5 && !strncasecmp(name, "style", 5))) {
		const char *close = strcasestr(s, len == 6 ? "</script"
							   : "</style");

		*skip_to = close ? close : s + strlen(s);
	}
	return end ? (size_t)(end - s) + 1 : strlen(s);
}

/* Trims spaces at line ends and folds runs of blank lines into one. */
static char *fold_lines(const struct buf *b, size_t *len)
{
	struct buf out;
	size_t i = 0;
	int blank = 0;

	buf_init(&out, HTML_MAX_TEXT);
	while (i < b->len) {
		size_t e = i, t;

		while (e < b->len && b->data[e] != '\n')
			e++;
		t = e;
		while (t > i && (b->data[t - 1] == ' ' || b->data[t - 1] == '\t'))
			t--;
		while (i < t && (b->data[i] == ' ' || b->data[i] == '\t'))
			i++;
		if (t > i) {
			if (blank && out.len)
				buf_append(&out, "\n", 1);
			buf_append(&out, b->data + i, t - i);
			buf_append(&out, "\n", 1);
			blank = 0;
		} else {
			blank = 1;
		}
		i = e + 1;
	}
	return buf_steal(&out, len);
}

char *html_to_text(const char *html, size_t *len)
{
	struct buf b;
	const char *p = html;
	char *text;

	buf_init(&b, HTML_MAX_TEXT);
	while (*p) {
		if (*p == '<') {
			int nl;
			const char *skip;

			p += tag(p, &nl, &skip);
			if (skip)
				p = skip;
			if (nl)
				buf_append(&b, "\n", 1);
		} else if (*p == '&') {
			p += entity(p, &b);
		} else if (*p == '\r' || *p == '\n') {
			if (b.len && b.data[b.len - 1] != ' ' &&
			    b.data[b.len - 1] != '\n')
				buf_append(&b, " ", 1);
			p++;
		} else {
			buf_append(&b, p++, 1);
		}
	}
	text = fold_lines(&b, len);
	buf_free(&b);
	return text;
}
