/*
 * render.c - API objects to file contents: pretty JSON and CSV.
 *
 * JSON is written by our own printer (cJSON_Print indents with tabs):
 * two spaces a level, "key": value, empty containers as {} and [] on one
 * line, a final newline.  Strings are escaped as JSON requires ('"', '\\'
 * and control bytes; \u00XX for those without a short form); all other
 * bytes, UTF-8 included, pass through.  Numbers: an integral value below
 * 1e17 prints as an integer; anything else with the fewest of 15, 16 or 17
 * significant digits that read back as the same double ("%.<n>g"); NaN
 * and infinities as null (JSON has no word for them).
 *
 * CSV: every element of the array must be an object (else EINVAL); the
 * header is the union of their keys in first-seen order; a missing or
 * null value is an empty field; nested values are compact JSON.  No keys
 * at all gives an empty file.
 *
 * Results are bounded by RENDER_MAX.  On failure NULL with errno set
 * (EINVAL, ENOMEM, EFBIG).  No shared state.
 */
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "hmap.h"
#include "render.h"

#define RENDER_MAX ((size_t)512 << 20)

static int put_indent(struct buf *b, int depth)
{
	static const char spaces[] = "                                ";
	size_t n = (size_t)depth * 2;
	int rc = 0;

	while (n && !rc) {
		size_t k = n < sizeof(spaces) - 1 ? n : sizeof(spaces) - 1;

		rc = buf_append(b, spaces, k);
		n -= k;
	}
	return rc;
}

/* The decimal point of the current locale becomes '.'. */
static void c_locale_point(char *s)
{
	const char *dp = localeconv()->decimal_point;
	size_t dlen;
	char *p;

	if (!dp || !*dp || !strcmp(dp, "."))
		return;
	p = strstr(s, dp);
	if (!p)
		return;
	dlen = strlen(dp);
	*p = '.';
	memmove(p + 1, p + dlen, strlen(p + dlen) + 1);
}

static int put_number(struct buf *b, double d)
{
	char s[64];

	if (!isfinite(d))
		return buf_puts(b, "null");
	if (d == floor(d) && fabs(d) < 1e17) {
		snprintf(s, sizeof(s), "%.0f", d);
	} else {
		int prec;

		/* The fewest digits, from 15 to 17, that read back exactly. */
		for (prec = 15; prec <= 17; prec++) {
			snprintf(s, sizeof(s), "%.*g", prec, d);
			if (prec == 17 || strtod(s, NULL) == d)
				break;
		}
	}
	c_locale_point(s);
	return buf_puts(b, s);
}

static int put_string(struct buf *b, const char *s)
{
	const char *run = s;
	int rc = buf_append(b, "\"", 1);

	for (; !rc && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[8];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		rc = buf_append(b, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"':
			strcpy(esc, "\\\"");
			break;
		case '\\':
			strcpy(esc, "\\\\");
			break;
		case '\b':
			strcpy(esc, "\\b");
			break;
		case '\f':
			strcpy(esc, "\\f");
			break;
		case '\n':
			strcpy(esc, "\\n");
			break;
		case '\r':
			strcpy(esc, "\\r");
			break;
		case '\t':
			strcpy(esc, "\\t");
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
		}
		if (!rc)
			rc = buf_puts(b, esc);
	}
	if (!rc)
		rc = buf_append(b, run, (size_t)(s - run));
	if (!rc)
		rc = buf_append(b, "\"", 1);
	return rc;
}

/* depth < 0: compact, on one line. */
static int put_value(struct buf *b, const cJSON *it, int depth)
{
	int is_obj = cJSON_IsObject(it);
	const cJSON *c;
	int rc;

	switch (it->type & 0xff) {
	case cJSON_False:
		return buf_puts(b, "false");
	case cJSON_True:
		return buf_puts(b, "true");
	case cJSON_Number:
		return put_number(b, it->valuedouble);
	case cJSON_String:
		return put_string(b, it->valuestring ? it->valuestring : "");
	case cJSON_Raw:
		return buf_puts(b, it->valuestring ? it->valuestring : "null");
	case cJSON_Array:
	case cJSON_Object:
		break;
	default:
		return buf_puts(b, "null");
	}

	if (!it->child)
		return buf_puts(b, is_obj ? "{}" : "[]");
	rc = buf_puts(b, is_obj ? "{" : "[");
	for (c = it->child; c && !rc; c = c->next) {
		if (depth >= 0) {
			rc = buf_puts(b, "\n");
			if (!rc)
				rc = put_indent(b, depth + 1);
		}
		if (!rc && is_obj) {
			rc = put_string(b, c->string ? c->string : "");
			if (!rc)
				rc = buf_puts(b, depth >= 0 ? ": " : ":");
		}
		if (!rc)
			rc = put_value(b, c, depth >= 0 ? depth + 1 : -1);
		if (!rc && c->next)
			rc = buf_puts(b, ",");
	}
	if (!rc && depth >= 0) {
		rc = buf_puts(b, "\n");
		if (!rc)
			rc = put_indent(b, depth);
	}
	if (!rc)
		rc = buf_puts(b, is_obj ? "}" : "]");
	return rc;
}

/* Hands the buffer over, or frees it and sets errno from rc. */
static char *finish(struct buf *b, int rc, size_t *len)
{
	if (rc) {
		buf_free(b);
		if (len)
			*len = 0;
		errno = -rc;
		return NULL;
	}
	return buf_steal(b, len);
}

char *render_json(const cJSON *item, size_t *len)
{
	struct buf b;
	int rc;

	buf_init(&b, RENDER_MAX);
	if (!item)
		return finish(&b, -EINVAL, len);
	rc = put_value(&b, item, 0);
	if (!rc)
		rc = buf_puts(&b, "\n");
	return finish(&b, rc, len);
}

/* Rows of a CSV: the elements of an array, or an object alone. */
static const cJSON *first_row(const cJSON *arr)
{
	return cJSON_IsObject(arr) ? arr : arr->child;
}

static const cJSON *next_row(const cJSON *arr, const cJSON *row)
{
	return cJSON_IsObject(arr) ? NULL : row->next;
}

static int put_csv_field(struct buf *b, const char *s, size_t n)
{
	const char *run = s, *end = s + n, *p;
	int rc;

	if (!memchr(s, ',', n) && !memchr(s, '"', n) && !memchr(s, '\n', n) &&
	    !memchr(s, '\r', n))
		return buf_append(b, s, n);

	rc = buf_append(b, "\"", 1);
	for (p = s; p < end && !rc; p++) {
		if (*p != '"')
			continue;
		/* Write through this quote, then start the next run at it. */
		rc = buf_append(b, run, (size_t)(p - run) + 1);
		run = p;
	}
	if (!rc)
		rc = buf_append(b, run, (size_t)(end - run));
	if (!rc)
		rc = buf_append(b, "\"", 1);
	return rc;
}

/* The text of one CSV cell, into scratch (emptied first). */
static int cell_text(struct buf *scratch, const cJSON *v)
{
	scratch->len = 0;
	if (scratch->data)
		scratch->data[0] = '\0';
	if (!v || cJSON_IsNull(v))
		return 0;
	if (cJSON_IsString(v) || cJSON_IsRaw(v))
		return buf_puts(scratch, v->valuestring ? v->valuestring : "");
	return put_value(scratch, v, -1);
}

/* Collects the union of keys, first-seen order; borrowed pointers. */
static int csv_keys(const cJSON *arr, const char ***keys, size_t *nkeys)
{
	struct hmap *seen = hmap_new();
	const char **k = NULL;
	size_t n = 0, cap = 0;
	const cJSON *row, *c;
	int rc = seen ? 0 : -ENOMEM;

	for (row = first_row(arr); row && !rc; row = next_row(arr, row)) {
		if (!cJSON_IsObject(row)) {
			rc = -EINVAL;
			break;
		}
		for (c = row->child; c && !rc; c = c->next) {
			if (!c->string || hmap_get(seen, c->string))
				continue;
			if (n == cap) {
				const char **nk;

				cap = cap ? cap * 2 : 16;
				nk = realloc(k, cap * sizeof(*k));
				if (!nk) {
					rc = -ENOMEM;
					break;
				}
				k = nk;
			}
			rc = hmap_put(seen, c->string, (void *)c, NULL);
			if (!rc)
				k[n++] = c->string;
		}
	}
	hmap_free(seen, NULL);
	if (rc) {
		free(k);
		return rc;
	}
	*keys = k;
	*nkeys = n;
	return 0;
}

static int put_csv_row(struct buf *b, struct buf *scratch, const cJSON *row,
		       const char **keys, size_t nkeys)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < nkeys && !rc; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(row, keys[i]);

		if (i)
			rc = buf_append(b, ",", 1);
		if (!rc)
			rc = cell_text(scratch, v);
		if (!rc)
			rc =
			    put_csv_field(b, scratch->data ? scratch->data : "",
					  scratch->len);
	}
	if (!rc)
		rc = buf_append(b, "\n", 1);
	return rc;
}

char *render_csv(const cJSON *arr, size_t *len)
{
	struct buf b, scratch;
	const char **keys = NULL;
	const cJSON *row;
	size_t nkeys = 0, i;
	int rc;

	buf_init(&b, RENDER_MAX);
	if (!cJSON_IsArray(arr) && !cJSON_IsObject(arr))
		return finish(&b, -EINVAL, len);
	rc = csv_keys(arr, &keys, &nkeys);
	if (rc || !nkeys)
		return finish(&b, rc, len);

	buf_init(&scratch, RENDER_MAX);
	for (i = 0; i < nkeys && !rc; i++) {
		if (i)
			rc = buf_append(&b, ",", 1);
		if (!rc)
			rc = put_csv_field(&b, keys[i], strlen(keys[i]));
	}
	if (!rc)
		rc = buf_append(&b, "\n", 1);
	for (row = first_row(arr); row && !rc; row = next_row(arr, row))
		rc = put_csv_row(&b, &scratch, row, keys, nkeys);
	buf_free(&scratch);
	free(keys);
	return finish(&b, rc, len);
}
