/*
 * mime.c - emails as RFC 5322 messages and back (see mime.h).
 *
 * Owns: the message's layout (headers, folding, the MIME parts and their
 * transfer encodings) and reading back what mail readers write.  Must not:
 * know where emails come from or go.  Pure.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "coll.h"
#include "mime.h"

#define LINE_MAX_BYTES 998	/* RFC 5322's limit, without the newline */
#define MAX_DEPTH 4		/* multipart nesting read back */
#define WORD_CHUNK 45		/* bytes of text in one encoded word */

/* ---- rendering ---- */

/* A string field, or NULL when absent, null or empty. */
static const char *field(const cJSON *o, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, name);

	return cJSON_IsString(v) && *v->valuestring ? v->valuestring : NULL;
}

char *mime_message_id(const cJSON *email)
{
	const char *mid = field(email, "message_id"), *id = field(email, "id");
	size_t len = mid ? strlen(mid) : 0;
	char *out = NULL;

	/* The server's id, when it is one token (it names the message for
	 * everyone who received it); with its brackets either way. */
	for (size_t i = 0; mid && i < len; i++)
		if ((unsigned char)mid[i] <= ' ' || mid[i] == 0x7f)
			mid = NULL;
	if (mid && len > 2 && mid[0] == '<' && mid[len - 1] == '>')
		out = strdup(mid);
	else if (mid && !strchr(mid, '<') && !strchr(mid, '>'))
		(void)!asprintf(&out, "<%s>", mid);
	else if (asprintf(&out, "<%s@instantly.invalid>", id ? id : "none") < 0)
		out = NULL;
	return out;
}

time_t mime_email_time(const cJSON *email)
{
	const char *t = field(email, "timestamp_email");
	time_t when = t ? coll_parse_time(t) : 0;

	if (!when && (t = field(email, "timestamp_created")))
		when = coll_parse_time(t);
	return when;
}

/* A header's value as one line: control characters become spaces. */
static int put_value(struct buf *b, const char *v)
{
	int rc = 0;

	for (; *v && rc == 0; v++)
		rc = buf_append(b, (unsigned char)*v < ' ' || *v == 0x7f ? " "
									 : v,
				1);
	return rc;
}

static int put_header(struct buf *b, const char *name, const char *v)
{
	if (!v)
		return 0;
	if (buf_printf(b, "%s: ", name) < 0 || put_value(b, v) < 0)
		return -ENOMEM;
	return buf_puts(b, "\n");
}

static int is_ascii(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s >= 0x80)
			return 0;
	return 1;
}

/* The subject, in RFC 2047 words when it is not plain ASCII, one word
 * per folded line; words never split a UTF-8 sequence. */
static int put_subject(struct buf *b, const char *s)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t len = strlen(s), at = 0;
	int rc = 0;

	if (is_ascii(s) && !strstr(s, "=?"))
		return put_header(b, "Subject", s);
	rc = buf_puts(b, "Subject:");
	while (rc == 0 && at < len) {
		size_t n = len - at < WORD_CHUNK ? len - at : WORD_CHUNK;
		const unsigned char *p = (const unsigned char *)s + at;

		while (at + n < len && (p[n] & 0xc0) == 0x80)
			n--;	/* do not cut a character */
		rc = buf_puts(b, at ? "\n =?UTF-8?B?" : " =?UTF-8?B?");
		for (size_t i = 0; rc == 0 && i < n; i += 3) {
			unsigned v = (unsigned)(p[i] < ' ' ? ' ' : p[i]) << 16;
			char q[4];

			if (i + 1 < n)
				v |= (unsigned)(p[i + 1] < ' ' ? ' ' : p[i + 1])
				     << 8;
			if (i + 2 < n)
				v |= p[i + 2] < ' ' ? ' ' : p[i + 2];
			q[0] = b64[v >> 18 & 63];
			q[1] = b64[v >> 12 & 63];
			q[2] = i + 1 < n ? b64[v >> 6 & 63] : '=';
			q[3] = i + 2 < n ? b64[v & 63] : '=';
			rc = buf_append(b, q, 4);
		}
		if (rc == 0)
			rc = buf_puts(b, "?=");
		at += n;
	}
	return rc == 0 ? buf_puts(b, "\n") : rc;
}

/* "a@x,b@y" as "a@x, b@y". */
static int put_addresses(struct buf *b, const char *name, const char *list)
{
	int rc, first = 1;
	char *copy, *save = NULL;

	if (!list)
		return 0;
	copy = strdup(list);
	if (!copy)
		return -ENOMEM;
	rc = buf_printf(b, "%s:", name);
	for (char *a = strtok_r(copy, ",", &save); a && rc == 0;
	     a = strtok_r(NULL, ",", &save)) {
		while (isspace((unsigned char)*a))
			a++;
		if (!*a)
			continue;
		rc = buf_puts(b, first ? " " : ", ");
		if (rc == 0)
			rc = put_value(b, a);
		first = 0;
	}
	free(copy);
	return rc == 0 ? buf_puts(b, "\n") : rc;
}

static int put_date(struct buf *b, time_t t)
{
	static const char days[][4] = { "Sun", "Mon", "Tue", "Wed",
					"Thu", "Fri", "Sat" };
	static const char months[][4] = { "Jan", "Feb", "Mar", "Apr",
					  "May", "Jun", "Jul", "Aug",
					  "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;

	if (!t || !gmtime_r(&t, &tm))
		return 0;
	return buf_printf(b, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\n",
			  days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon],
			  tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

static int put_thread(struct buf *b, const struct mime_thread *t)
{
	size_t first;
	int rc;

	if (!t || !t->nrefs)
		return 0;
	rc = put_header(b, "In-Reply-To", t->refs[t->nrefs - 1]);
	first = t->nrefs > MIME_MAX_REFS ? t->nrefs - MIME_MAX_REFS : 0;
	if (rc == 0)
		rc = buf_puts(b, "References:");
	for (size_t i = first; i < t->nrefs && rc == 0; i++) {
		rc = buf_puts(b, i == first ? " " : "\n ");
		if (rc == 0)
			rc = put_value(b, t->refs[i]);
	}
	return rc == 0 ? buf_puts(b, "\n") : rc;
}

/* Text with its line ends as "\n" and a final one. */
static char *unix_lines(const char *s)
{
	struct buf b;

	buf_init(&b, MIME_MAX_MESSAGE);
	for (; *s; s++) {
		if (*s == '\r' && s[1] == '\n')
			continue;
		if (buf_append(&b, *s == '\r' ? "\n" : s, 1) < 0) {
			buf_free(&b);
			return NULL;
		}
	}
	if ((b.len && b.data[b.len - 1] != '\n') || !b.len)
		if (buf_puts(&b, "\n") < 0) {
			buf_free(&b);
			return NULL;
		}
	return buf_steal(&b, NULL);
}

/* Must the text be quoted-printable: a line too long for 8bit, or a
 * line that could be read as the boundary? */
static int needs_qp(const char *s, const char *boundary)
{
	size_t run = 0;

	if (strstr(s, boundary))
		return 1;
	for (; *s; s++) {
		run = *s == '\n' ? 0 : run + 1;
		if (run > LINE_MAX_BYTES)
			return 1;
	}
	return 0;
}

static int put_qp(struct buf *b, const char *s)
{
	size_t col = 0;
	int rc = 0;

	for (; *s && rc == 0; s++) {
		unsigned char c = (unsigned char)*s;
		char enc[4];
		int plain = (c >= ' ' && c < 0x7f && c != '=') || c == '\t';
		size_t w;

		if (c == '\n') {
			rc = buf_puts(b, "\n");
			col = 0;
			continue;
		}
		/* Spaces before a line end are encoded, or they are lost. */
		if ((c == ' ' || c == '\t') && (s[1] == '\n' || !s[1]))
			plain = 0;
		w = plain ? 1 : 3;
		if (col + w > 75) {
			rc = buf_puts(b, "=\n");
			col = 0;
		}
		snprintf(enc, sizeof(enc), "=%02X", c);
		if (rc == 0)
			rc = plain ? buf_append(b, s, 1) : buf_append(b, enc, 3);
		col += w;
	}
	return rc;
}

/* One body: its headers, a blank line, the text. */
static int put_part(struct buf *b, const char *type, const char *body,
		    const char *boundary)
{
	char *text = unix_lines(body);
	int qp, rc;

	if (!text)
		return -ENOMEM;
	qp = needs_qp(text, boundary);
	rc = buf_printf(b,
			"Content-Type: %s; charset=utf-8\n"
			"Content-Transfer-Encoding: %s\n\n",
			type,
			qp ? "quoted-printable"
			   : is_ascii(text) ? "7bit" : "8bit");
	if (rc == 0)
		rc = qp ? put_qp(b, text) : buf_puts(b, text);
	free(text);
	return rc;
}

static int put_headers(struct buf *b, const cJSON *email,
		       const struct mime_thread *thread)
{
	char *mid = mime_message_id(email);
	const char *subject = field(email, "subject");
	int rc = mid ? 0 : -ENOMEM;

	if (rc == 0)
		rc = put_header(b, "Message-ID", mid);
	if (rc == 0)
		rc = put_date(b, mime_email_time(email));
	if (rc == 0)
		rc = put_addresses(b, "From", field(email, "from_address_email"));
	if (rc == 0)
		rc = put_addresses(b, "To", field(email, "to_address_email_list"));
	if (rc == 0)
		rc = put_addresses(b, "Cc", field(email, "cc_address_email_list"));
	if (rc == 0)
		rc = put_addresses(b, "Reply-To", field(email, "reply_to"));
	if (rc == 0)
		rc = put_subject(b, subject ? subject : "");
	if (rc == 0)
		rc = put_thread(b, thread);
	if (rc == 0)
		rc = put_header(b, "X-Instantly-Id", field(email, "id"));
	if (rc == 0)
		rc = put_header(b, "X-Instantly-Thread-Id",
				field(email, "thread_id"));
	if (rc == 0)
		rc = put_header(b, "X-Instantly-Account",
				field(email, "eaccount"));
	if (rc == 0)
		rc = put_header(b, "X-Instantly-Campaign-Id",
				field(email, "campaign_id"));
	free(mid);
	return rc == 0 ? buf_puts(b, "MIME-Version: 1.0\n") : rc;
}

int mime_render(const cJSON *email, const char *text,
		const struct mime_thread *thread, char **out, size_t *len)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(email, "body");
	const char *html = field(body, "html");
	char boundary[128];
	struct buf b;
	int rc;

	if (!text)
		text = field(body, "text");
	snprintf(boundary, sizeof(boundary), "=_instantlyfs_%.80s",
		 field(email, "id") ? field(email, "id") : "part");
	buf_init(&b, MIME_MAX_MESSAGE);
	rc = put_headers(&b, email, thread);
	if (rc == 0 && !html) {
		rc = put_part(&b, "text/plain", text ? text : "", boundary);
	} else if (rc == 0) {
		rc = buf_printf(&b,
				"Content-Type: multipart/alternative; "
				"boundary=\"%s\"\n\n--%s\n",
				boundary, boundary);
		if (rc == 0)
			rc = put_part(&b, "text/plain", text ? text : "",
				      boundary);
		if (rc == 0)
			rc = buf_printf(&b, "--%s\n", boundary);
		if (rc == 0)
			rc = put_part(&b, "text/html", html, boundary);
		if (rc == 0)
			rc = buf_printf(&b, "--%s--\n", boundary);
	}
	if (rc < 0) {
		buf_free(&b);
		return rc;
	}
	*out = buf_steal(&b, len);
	return 0;
}

/* ---- reading back ---- */

struct header {
	char *name;
	char *value;
};

struct part {
	struct header *h;
	size_t nh;
	const char *body;
	size_t len;
};

static void part_free(struct part *p)
{
	for (size_t i = 0; i < p->nh; i++) {
		free(p->h[i].name);
		free(p->h[i].value);
	}
	free(p->h);
	memset(p, 0, sizeof(*p));
}

/* The end of the line at s (its '\n' or the end), and where the next one
 * starts. */
static const char *line_end(const char *s, const char *end, const char **next)
{
	const char *nl = memchr(s, '\n', (size_t)(end - s));
	const char *e = nl ? nl : end;

	*next = nl ? nl + 1 : end;
	if (e > s && e[-1] == '\r')
		e--;
	return e;
}

static int add_header(struct part *p, const char *s, const char *e)
{
	const char *colon = memchr(s, ':', (size_t)(e - s));
	struct header *nh;

	if (!colon)
		return 0;	/* not a header: left out */
	nh = realloc(p->h, (p->nh + 1) * sizeof(*nh));
	if (!nh)
		return -ENOMEM;
	p->h = nh;
	nh[p->nh].name = strndup(s, (size_t)(colon - s));
	for (colon++; colon < e && (*colon == ' ' || *colon == '\t');)
		colon++;
	nh[p->nh].value = strndup(colon, (size_t)(e - colon));
	if (!nh[p->nh].name || !nh[p->nh].value) {
		free(nh[p->nh].name);
		free(nh[p->nh].value);
		return -ENOMEM;
	}
	p->nh++;
	return 0;
}

/* A folded line goes on the header before it. */
static int unfold(struct part *p, const char *s, const char *e)
{
	char *v;
	size_t old;

	if (!p->nh)
		return 0;
	old = strlen(p->h[p->nh - 1].value);
	v = realloc(p->h[p->nh - 1].value, old + (size_t)(e - s) + 1);
	if (!v)
		return -ENOMEM;
	memcpy(v + old, s, (size_t)(e - s));
	v[old + (size_t)(e - s)] = '\0';
	p->h[p->nh - 1].value = v;
	return 0;
}

/* Splits data into its headers and its body. */
static int parse_part(const char *data, size_t len, struct part *p)
{
	const char *s = data, *end = data + len, *next;
	int rc = 0;

	memset(p, 0, sizeof(*p));
	if (len > 5 && !memcmp(data, "From ", 5))
		line_end(s, end, &s);	/* an mbox separator */
	while (s < end && rc == 0) {
		const char *e = line_end(s, end, &next);

		if (e == s) {
			s = next;
			break;
		}
		rc = *s == ' ' || *s == '\t' ? unfold(p, s, e)
					     : add_header(p, s, e);
		s = next;
	}
	p->body = s;
	p->len = (size_t)(end - s);
	if (rc < 0)
		part_free(p);
	return rc;
}

static const char *header_of(const struct part *p, const char *name)
{
	for (size_t i = 0; i < p->nh; i++)
		if (!strcasecmp(p->h[i].name, name))
			return p->h[i].value;
	return NULL;
}

/* A parameter of a Content-Type value (quoted or not); malloc'd. */
static char *param_of(const char *v, const char *name)
{
	size_t n = strlen(name);

	for (const char *s = v ? strchr(v, ';') : NULL; s;
	     s = strchr(s + 1, ';')) {
		const char *q = s + 1, *e;

		while (isspace((unsigned char)*q))
			q++;
		if (strncasecmp(q, name, n) || q[n] != '=')
			continue;
		q += n + 1;
		if (*q == '"') {
			e = strchr(++q, '"');
			return strndup(q, e ? (size_t)(e - q) : strlen(q));
		}
		for (e = q; *e && *e != ';' && !isspace((unsigned char)*e);)
			e++;
		return strndup(q, (size_t)(e - q));
	}
	return NULL;
}

static int type_is(const char *ct, const char *type)
{
	size_t n = strlen(type);

	if (!ct)
		return !strcmp(type, "text/plain");
	while (isspace((unsigned char)*ct))
		ct++;
	return !strncasecmp(ct, type, n) &&
	       (!ct[n] || ct[n] == ';' || isspace((unsigned char)ct[n]));
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int b64val(int c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Base64 to bytes, skipping what is not of its alphabet. */
static int unbase64(struct buf *out, const char *s, size_t len)
{
	unsigned v = 0;
	int bits = 0, rc = 0;

	for (size_t i = 0; i < len && s[i] != '=' && rc == 0; i++) {
		int d = b64val((unsigned char)s[i]);

		if (d < 0)
			continue;
		v = (v << 6) | (unsigned)d;
		bits += 6;
		if (bits >= 8) {
			char c = (char)(v >> (bits - 8) & 0xff);

			bits -= 8;
			rc = buf_append(out, &c, 1);
		}
	}
	return rc;
}

/* Quoted-printable (q: the "Q" words of headers, '_' a space). */
static int unqp(struct buf *out, const char *s, size_t len, int q)
{
	int rc = 0;

	for (size_t i = 0; i < len && rc == 0; i++) {
		char c = s[i];

		if (c == '=' && i + 1 < len && (s[i + 1] == '\n' ||
						 s[i + 1] == '\r')) {
			i += s[i + 1] == '\r' && i + 2 < len &&
				     s[i + 2] == '\n'
				 ? 2
				 : 1;	/* a soft line break */
			continue;
		}
		if (c == '=' && i + 2 < len && hexval(s[i + 1]) >= 0 &&
		    hexval(s[i + 2]) >= 0) {
			c = (char)(hexval(s[i + 1]) << 4 | hexval(s[i + 2]));
			i += 2;
		} else if (q && c == '_') {
			c = ' ';
		}
		rc = buf_append(out, &c, 1);
	}
	return rc;
}

/* Latin-1 bytes as UTF-8; other charsets are taken as UTF-8. */
static int put_charset(struct buf *out, const char *s, size_t len,
		       const char *charset)
{
	int latin1 = charset && (!strcasecmp(charset, "iso-8859-1") ||
				 !strcasecmp(charset, "latin1") ||
				 !strcasecmp(charset, "windows-1252"));
	int rc = 0;

	if (!latin1)
		return buf_append(out, s, len);
	for (size_t i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		char u[2] = { (char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f)) };

		rc = c < 0x80 ? buf_append(out, s + i, 1) : buf_append(out, u, 2);
	}
	return rc;
}

/* The length of the encoded word "=?charset?B|Q?text?=" at s, or 0 if s
 * does not start with one. */
static size_t word_len(const char *s)
{
	const char *q, *e;

	if (strncmp(s, "=?", 2) || !(q = strchr(s + 2, '?')) ||
	    !strchr("BbQq", q[1]) || !q[1] || q[2] != '?' ||
	    !(e = strstr(q + 3, "?=")))
		return 0;
	return (size_t)(e + 2 - s);
}

/* Appends the word at s (of length n, from word_len) decoded. */
static int decode_word(struct buf *out, const char *s, size_t n)
{
	const char *q = strchr(s + 2, '?');
	const char *text = q + 3;
	size_t tlen = (size_t)(s + n - 2 - text);
	char *cs = strndup(s + 2, (size_t)(q - s - 2)), *star;
	struct buf raw;
	int rc;

	if (!cs)
		return -ENOMEM;
	if ((star = strchr(cs, '*')))
		*star = '\0';	/* RFC 2231's language */
	buf_init(&raw, MIME_MAX_MESSAGE);
	rc = q[1] == 'B' || q[1] == 'b' ? unbase64(&raw, text, tlen)
				       : unqp(&raw, text, tlen, 1);
	if (rc == 0)
		rc = put_charset(out, raw.data ? raw.data : "", raw.len, cs);
	buf_free(&raw);
	free(cs);
	return rc;
}

char *mime_decode_words(const char *s)
{
	struct buf b;
	int last_word = 0, rc = 0;

	buf_init(&b, MIME_MAX_MESSAGE);
	while (*s && rc == 0) {
		size_t n = word_len(s), ws = strspn(s, " \t");

		if (n) {
			rc = decode_word(&b, s, n);
			s += n;
			last_word = 1;
		} else if (ws && last_word && word_len(s + ws)) {
			s += ws;	/* space between two words is not text */
		} else {
			rc = buf_append(&b, s++, 1);
			last_word = 0;
		}
	}
	if (rc < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* A part's body decoded to UTF-8 text with "\n" line ends. */
static char *decoded_body(const struct part *p)
{
	const char *cte = header_of(p, "Content-Transfer-Encoding");
	char *charset = param_of(header_of(p, "Content-Type"), "charset");
	struct buf raw, out;
	int rc;

	buf_init(&raw, MIME_MAX_MESSAGE);
	buf_init(&out, MIME_MAX_MESSAGE);
	if (cte && !strncasecmp(cte, "base64", 6))
		rc = unbase64(&raw, p->body, p->len);
	else if (cte && !strncasecmp(cte, "quoted-printable", 16))
		rc = unqp(&raw, p->body, p->len, 0);
	else
		rc = buf_append(&raw, p->body, p->len);
	for (size_t i = 0; rc == 0 && i < raw.len; i++)
		if (!(raw.data[i] == '\r' && i + 1 < raw.len &&
		      raw.data[i + 1] == '\n'))
			rc = put_charset(&out, raw.data + i, 1, charset);
	buf_free(&raw);
	free(charset);
	if (rc < 0) {
		buf_free(&out);
		return NULL;
	}
	return buf_steal(&out, NULL);
}

/* Finds the text and HTML bodies of part p into m. */
static int take_bodies(const struct part *p, struct mime_msg *m, int depth);

static int take_multipart(const struct part *p, const char *boundary,
			  struct mime_msg *m, int depth)
{
	size_t blen = strlen(boundary);
	const char *s = p->body, *end = p->body + p->len, *start = NULL;
	const char *next;
	int rc = 0;

	while (s < end && rc == 0) {
		const char *e = line_end(s, end, &next);

		if (e - s >= (long)blen + 2 && !strncmp(s, "--", 2) &&
		    !memcmp(s + 2, boundary, blen)) {
			if (start) {
				struct part sub;
				/* The line end before the delimiter is its. */
				const char *stop = s;

				if (stop > start && stop[-1] == '\n')
					stop--;
				if (stop > start && stop[-1] == '\r')
					stop--;
				rc = parse_part(start, (size_t)(stop - start),
						&sub);
				if (rc == 0) {
					rc = take_bodies(&sub, m, depth + 1);
					part_free(&sub);
				}
			}
			if (e - s >= (long)blen + 4 &&
			    !strncmp(s + 2 + blen, "--", 2))
				break;	/* the last delimiter */
			start = next;
		}
		s = next;
	}
	return rc;
}

static int take_bodies(const struct part *p, struct mime_msg *m, int depth)
{
	const char *ct = header_of(p, "Content-Type");
	const char *cd = header_of(p, "Content-Disposition");
	char **slot = NULL;

	if (depth > MAX_DEPTH)
		return 0;
	if (type_is(ct, "multipart/alternative") || type_is(ct, "multipart/mixed") ||
	    type_is(ct, "multipart/related") || type_is(ct, "multipart/signed")) {
		char *boundary = param_of(ct, "boundary");
		int rc = boundary ? take_multipart(p, boundary, m, depth) : 0;

		free(boundary);
		return rc;
	}
	if (cd && !strncasecmp(cd, "attachment", 10))
		return 0;
	if (type_is(ct, "text/plain"))
		slot = &m->text;
	else if (type_is(ct, "text/html"))
		slot = &m->html;
	if (!slot || *slot)
		return 0;
	*slot = decoded_body(p);
	return *slot ? 0 : -ENOMEM;
}

/* The first "<...>" of v, or the last when last; malloc'd. */
static char *angle_id(const char *v, int last)
{
	const char *found = NULL, *close = NULL;

	for (const char *s = v ? strchr(v, '<') : NULL; s;
	     s = strchr(s + 1, '<')) {
		const char *e = strchr(s, '>');

		if (!e)
			break;
		found = s;
		close = e;
		if (!last)
			break;
	}
	return found ? strndup(found, (size_t)(close - found + 1)) : NULL;
}

/* The bare addresses of an address header, comma-separated. */
static char *addresses(const char *v)
{
	struct buf b;
	const char *s = v;

	if (!v)
		return NULL;
	buf_init(&b, MIME_MAX_MESSAGE);
	while (*s) {
		const char *e = s, *lt = NULL, *gt = NULL;
		int quoted = 0;

		for (; *e && (quoted || *e != ','); e++) {
			if (*e == '"')
				quoted = !quoted;
			else if (*e == '<' && !quoted)
				lt = e;
			else if (*e == '>' && !quoted && lt)
				gt = e;
		}
		if (lt && gt) {
			s = lt + 1;
		} else {
			while (s < e && isspace((unsigned char)*s))
				s++;
			gt = e;
			while (gt > s && isspace((unsigned char)gt[-1]))
				gt--;
		}
		if (gt > s && ((b.len && buf_puts(&b, ",") < 0) ||
			       buf_append(&b, s, (size_t)(gt - s)) < 0)) {
			buf_free(&b);
			return NULL;
		}
		s = *e ? e + 1 : e;
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

int mime_parse(const char *data, size_t len, struct mime_msg *m,
	       const char **why)
{
	struct part p;
	const char *subject;
	int rc;

	memset(m, 0, sizeof(*m));
	*why = NULL;
	rc = parse_part(data, len, &p);
	if (rc < 0)
		return rc;
	if (!p.nh) {
		part_free(&p);
		*why = "not a mail message: no headers";
		return -EINVAL;
	}
	m->in_reply_to = angle_id(header_of(&p, "In-Reply-To"), 0);
	if (!m->in_reply_to)
		m->in_reply_to = angle_id(header_of(&p, "References"), 1);
	m->message_id = angle_id(header_of(&p, "Message-ID"), 0);
	subject = header_of(&p, "Subject");
	m->subject = mime_decode_words(subject ? subject : "");
	m->to = addresses(header_of(&p, "To"));
	m->cc = addresses(header_of(&p, "Cc"));
	m->bcc = addresses(header_of(&p, "Bcc"));
	rc = m->subject ? take_bodies(&p, m, 0) : -ENOMEM;
	part_free(&p);
	if (rc == 0 && !m->in_reply_to) {
		*why = "no In-Reply-To naming the inbox message it answers";
		rc = -EINVAL;
	} else if (rc == 0 && !m->text && !m->html) {
		*why = "no text/plain or text/html body";
		rc = -EINVAL;
	}
	if (rc < 0)
		mime_msg_free(m);
	return rc;
}

void mime_msg_free(struct mime_msg *m)
{
	free(m->subject);
	free(m->in_reply_to);
	free(m->message_id);
	free(m->to);
	free(m->cc);
	free(m->bcc);
	free(m->text);
	free(m->html);
	memset(m, 0, sizeof(*m));
}
