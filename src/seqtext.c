/*
 * seqtext.c - the email copy as text, and its edits (see seqtext.h).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "msg.h"
#include "seqtext.h"

#define SEQTEXT_MAX (16u << 20)	/* bytes of one variant's text */
#define NEW_STEP_DELAY 3	/* days, for a step made by mkdir */

/* What the body's HTML shows as what. */
static const struct {
	const char *html, *text;
} body_map[] = {
	{ "<br/>", "\n" },
	{ "\n", "&#10;" },
	{ "\r", "&#13;" },
};
#define NMAP (sizeof(body_map) / sizeof(body_map[0]))

const cJSON *seqtext_steps(const cJSON *obj)
{
	const cJSON *seqs = cJSON_GetObjectItemCaseSensitive(obj, "sequences");
	const cJSON *steps = cJSON_GetObjectItemCaseSensitive(
		cJSON_GetArrayItem(seqs, 0), "steps");

	return cJSON_IsArray(steps) ? steps : NULL;
}

const cJSON *seqtext_step(const cJSON *obj, long n)
{
	const cJSON *step;

	if (n < 1 || n > cJSON_GetArraySize(seqtext_steps(obj)))
		return NULL;
	step = cJSON_GetArrayItem(seqtext_steps(obj), (int)n - 1);
	return cJSON_IsObject(step) ? step : NULL;
}

const cJSON *seqtext_variants(const cJSON *step)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(step, "variants");

	return cJSON_IsArray(v) ? v : NULL;
}

long seqtext_step_number(const char *name)
{
	long n = 0;

	if (!name || name[0] < '1' || name[0] > '9')
		return -1;
	for (const char *p = name; *p; p++) {
		if (*p < '0' || *p > '9' || n > 100000)
			return -1;
		n = n * 10 + (*p - '0');
	}
	return n;
}

const char *seqtext_variant_name(size_t idx, char *buf, size_t len)
{
	char letters[16];
	size_t n = 0;

	/* Bijective base 26: a..z, aa..az, ba... */
	idx++;
	while (idx && n < sizeof(letters)) {
		idx--;
		letters[n++] = (char)('a' + idx % 26);
		idx /= 26;
	}
	if (n + 5 > len)
		return NULL;
	for (size_t i = 0; i < n; i++)
		buf[i] = letters[n - 1 - i];
	memcpy(buf + n, ".txt", 5);
	return buf;
}

long seqtext_variant_index(const char *name)
{
	const char *dot = name ? strchr(name, '.') : NULL;
	long idx = 0;

	if (!dot || dot == name || strcmp(dot, ".txt") || dot - name > 4)
		return -1;
	for (const char *p = name; p < dot; p++) {
		if (*p < 'a' || *p > 'z')
			return -1;
		idx = idx * 26 + (*p - 'a' + 1);
	}
	return idx - 1;
}

/* Appends s to b with each `from` of the map replaced by its `to`. */
static int map_append(struct buf *b, const char *s, size_t n, int to_text)
{
	size_t i = 0;

	while (i < n) {
		size_t k;

		for (k = 0; k < NMAP; k++) {
			const char *from = to_text ? body_map[k].html
						   : body_map[k].text;
			size_t flen = strlen(from);

			if (flen <= n - i && !memcmp(s + i, from, flen)) {
				int rc = buf_puts(b, to_text ? body_map[k].text
							     : body_map[k].html);
				if (rc < 0)
					return rc;
				i += flen;
				break;
			}
		}
		if (k == NMAP) {
			int rc = buf_append(b, s + i, 1);

			if (rc < 0)
				return rc;
			i++;
		}
	}
	return 0;
}

static const char *string_of(const cJSON *obj, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* A subject on one line: line breaks in it are shown as spaces. */
static int subject_append(struct buf *b, const char *s)
{
	for (; *s; s++) {
		char ch = (*s == '\n' || *s == '\r') ? ' ' : *s;
		int rc = buf_append(b, &ch, 1);

		if (rc < 0)
			return rc;
	}
	return 0;
}

char *seqtext_render_variant(const cJSON *variant, size_t *len)
{
	struct buf b;
	const char *body = string_of(variant, "body");
	const char *subject = string_of(variant, "subject");
	int rc;

	buf_init(&b, SEQTEXT_MAX);
	rc = buf_puts(&b, *subject ? "Subject: " : "Subject:");
	if (rc == 0)
		rc = subject_append(&b, subject);
	if (rc == 0 && cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
			       variant, "v_disabled")))
		rc = buf_puts(&b, "\nDisabled: yes");
	if (rc == 0)
		rc = buf_puts(&b, "\n\n");
	if (rc == 0)
		rc = map_append(&b, body, strlen(body), 1);
	if (rc == 0)
		rc = buf_puts(&b, "\n");
	if (rc < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, len);
}

static const char *unit_of(const cJSON *step)
{
	const char *u = string_of(step, "delay_unit");

	return *u ? u : "days";
}

char *seqtext_render_delay(const cJSON *step, size_t *len)
{
	const cJSON *d = cJSON_GetObjectItemCaseSensitive(step, "delay");
	double delay = cJSON_IsNumber(d) ? d->valuedouble : 0;
	const char *unit = unit_of(step);
	size_t ulen = strlen(unit);
	char *out;
	int n;

	/* "1 day", "2 days": the unit's name is plural. */
	if (delay == 1 && ulen > 1 && unit[ulen - 1] == 's')
		ulen--;
	n = asprintf(&out, "%.15g %.*s\n", delay, (int)ulen, unit);
	if (n < 0)
		return NULL;
	*len = (size_t)n;
	return out;
}

/* The text of the body as HTML; malloc'd, NULL when out of memory. */
static char *body_html(const char *text, size_t n)
{
	struct buf b;

	buf_init(&b, SEQTEXT_MAX);
	if (map_append(&b, text, n, 0) < 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/* The parts of a variant's text. */
struct parsed {
	char *subject;
	int disabled;	/* 1, 0, or -1: not said */
	const char *body;
	size_t body_len;
};

/* One header line (without its end); 0 or -1 with *err. */
static int header(struct parsed *p, const char *line, size_t n, char **err)
{
	const char *colon = memchr(line, ':', n);
	const char *v;
	size_t name_len, vlen;
	char shown[MSG_SHOWN + 4], *copy;

	if (!colon) {
		copy = strndup(line, n);
		msg_set(err, "'%s' is no header: a variant starts with a "
			     "Subject: line, then a blank line, then the body",
			msg_shown(copy, shown));
		free(copy);
		return -1;
	}
	name_len = (size_t)(colon - line);
	v = colon + 1;
	vlen = n - name_len - 1;
	/* The one space after the colon is the header's; the rest of the
	 * subject is kept as written. */
	if (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	if (name_len == 7 && !strncasecmp(line, "Subject", 7)) {
		free(p->subject);
		p->subject = strndup(v, vlen);
		if (!p->subject)
			msg_set(err, "out of memory");
		return p->subject ? 0 : -1;
	}
	while (vlen && (*v == ' ' || *v == '\t'))
		v++, vlen--;
	while (vlen && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
		vlen--;
	if (name_len == 8 && !strncasecmp(line, "Disabled", 8)) {
		if ((vlen == 3 && !strncasecmp(v, "yes", 3)) ||
		    (vlen == 4 && !strncasecmp(v, "true", 4)))
			p->disabled = 1;
		else if ((vlen == 2 && !strncasecmp(v, "no", 2)) ||
			 (vlen == 5 && !strncasecmp(v, "false", 5)))
			p->disabled = 0;
		else {
			msg_set(err, "Disabled: takes yes or no");
			return -1;
		}
		return 0;
	}
	copy = strndup(line, name_len);
	msg_set(err, "unknown header '%s': a variant takes Subject: and "
		     "Disabled:",
		msg_shown(copy, shown));
	free(copy);
	return -1;
}

/* Splits text into headers and body; 0 or -1 with *err. */
static int split(const char *text, size_t len, struct parsed *p, char **err)
{
	size_t at = 0;

	p->subject = NULL;
	p->disabled = -1;
	while (at < len) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		size_t n = end - at;

		if (n && text[end - 1] == '\r')
			n--;
		if (n == 0) {
			at = end + 1;
			break;	/* the blank line */
		}
		if (header(p, text + at, n, err) < 0) {
			free(p->subject);
			return -1;
		}
		at = nl ? end + 1 : len;
	}
	if (!p->subject) {
		msg_set(err, "no Subject: line (an empty subject is "
			     "\"Subject:\" alone)");
		return -1;
	}
	p->body = text + (at < len ? at : len);
	p->body_len = at < len ? len - at : 0;
	/* The file's last line break is not part of the body. */
	if (p->body_len && p->body[p->body_len - 1] == '\n')
		p->body_len--;
	if (p->body_len && p->body[p->body_len - 1] == '\r')
		p->body_len--;
	return 0;
}

int seqtext_check_variant(const char *text, size_t len, char **err)
{
	struct parsed p = { NULL, -1, NULL, 0 };
	size_t at = 0;
	int rc = 0;

	/* The complete lines of the headers: each must be one. */
	while (at < len && rc == 0) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t n;

		if (!nl)
			break;
		n = (size_t)(nl - text) - at;
		if (n && text[at + n - 1] == '\r')
			n--;
		if (n == 0) {
			if (!p.subject) {
				msg_set(err, "no Subject: line (an empty "
					     "subject is \"Subject:\" alone)");
				rc = -1;
			}
			break;
		}
		rc = header(&p, text + at, n, err);
		at = (size_t)(nl - text) + 1;
	}
	free(p.subject);
	return rc;
}

int seqtext_check_delay(const char *text, size_t len, char **err)
{
	const char *nl = memrchr(text, '\n', len);
	const char *unit = NULL;
	double d;

	if (!nl)
		return 0;	/* no complete line yet */
	return seqtext_parse_delay(text, (size_t)(nl - text) + 1, &d, &unit,
				   err);
}

/* The body's text with CRLF line ends as LF; malloc'd. */
static char *unix_text(const char *s, size_t n, size_t *out_len)
{
	char *out = malloc(n + 1);
	size_t k = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!(s[i] == '\r' && i + 1 < n && s[i + 1] == '\n'))
			out[k++] = s[i];
	out[k] = '\0';
	*out_len = k;
	return out;
}

/* Sets field of v to a string, replacing what was there. */
static int set_string(cJSON *v, const char *field, const char *s)
{
	cJSON *item = cJSON_CreateString(s);

	if (!item)
		return -1;
	if (cJSON_HasObjectItem(v, field))
		return cJSON_ReplaceItemInObjectCaseSensitive(v, field, item)
			       ? 0
			       : (cJSON_Delete(item), -1);
	cJSON_AddItemToObject(v, field, item);
	return 0;
}

/* Does the old body show as this text?  Then it is kept as it is. */
static int same_body(const cJSON *old, const char *text, size_t n)
{
	const char *html = string_of(old, "body");
	struct buf b;
	int same;

	buf_init(&b, SEQTEXT_MAX);
	same = map_append(&b, html, strlen(html), 1) == 0 && b.len == n &&
	       !memcmp(b.data ? b.data : "", text, n);
	buf_free(&b);
	return same;
}

static int set_disabled(cJSON *v, int disabled)
{
	const cJSON *was = cJSON_GetObjectItemCaseSensitive(v, "v_disabled");

	if (disabled == cJSON_IsTrue(was))
		return 0;	/* absent and false are the same */
	if (was)
		cJSON_DeleteItemFromObjectCaseSensitive(v, "v_disabled");
	return cJSON_AddBoolToObject(v, "v_disabled", disabled) ? 0 : -1;
}

cJSON *seqtext_parse_variant(const char *text, size_t len,
			     const cJSON *old, char **err)
{
	struct parsed p;
	cJSON *v = NULL;
	char *body = NULL, *html = NULL;
	size_t blen = 0;
	int ok = 0;

	if (memchr(text, '\0', len)) {
		msg_set(err, "a variant is text: this holds a NUL byte");
		return NULL;
	}
	if (split(text, len, &p, err) < 0)
		return NULL;
	body = unix_text(p.body, p.body_len, &blen);
	v = old ? cJSON_Duplicate(old, 1) : cJSON_CreateObject();
	if (!v || !body)
		goto out;
	if (set_string(v, "subject", p.subject) < 0)
		goto out;
	if (!old || !same_body(old, body, blen)) {
		html = body_html(body, blen);
		if (!html || set_string(v, "body", html) < 0)
			goto out;
	}
	if (set_disabled(v, p.disabled == 1) < 0)
		goto out;
	ok = 1;
out:
	if (!ok && err && !*err)
		msg_set(err, "out of memory");
	if (!ok) {
		cJSON_Delete(v);
		v = NULL;
	}
	free(p.subject);
	free(body);
	free(html);
	return v;
}

static const char *const units[] = { "minutes", "hours", "days" };

int seqtext_parse_delay(const char *text, size_t len, double *delay,
			const char **unit, char **err)
{
	char word[32], *copy = strndup(text, len), *end;
	const char *p;
	size_t n;
	double d;

	if (!copy) {
		msg_set(err, "out of memory");
		return -1;
	}
	d = strtod(copy, &end);
	p = end;
	while (*p == ' ' || *p == '\t')
		p++;
	n = strcspn(p, " \t\r\n");
	if (end == copy || !isfinite(d) || d < 0 || n >= sizeof(word) ||
	    p[n + strspn(p + n, " \t\r\n")]) {
		msg_set(err, "a delay is a number and a unit, like \"3 days\", "
			     "\"4 hours\" or \"30 minutes\"");
		free(copy);
		return -1;
	}
	memcpy(word, p, n);
	word[n] = '\0';
	free(copy);
	*delay = d;
	if (!n)
		return 0;	/* the unit stays */
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t ulen = strlen(units[i]);

		if (!strcasecmp(word, units[i]) ||
		    (n == ulen - 1 && !strncasecmp(word, units[i], n))) {
			*unit = units[i];
			return 0;
		}
	}
	msg_set(err, "unknown unit '%s': minutes, hours or days", word);
	return -1;
}

/* A copy of the object's sequences, and in it the steps array (made
 * when there is none). */
static cJSON *copy_sequences(const cJSON *obj, cJSON **steps)
{
	const cJSON *seqs = cJSON_GetObjectItemCaseSensitive(obj, "sequences");
	cJSON *out = cJSON_IsArray(seqs) ? cJSON_Duplicate(seqs, 1)
					 : cJSON_CreateArray();
	cJSON *first;

	if (!out)
		return NULL;
	first = cJSON_GetArrayItem(out, 0);
	if (!first) {
		first = cJSON_CreateObject();
		if (!first) {
			cJSON_Delete(out);
			return NULL;
		}
		cJSON_AddItemToArray(out, first);
	}
	*steps = cJSON_GetObjectItemCaseSensitive(first, "steps");
	if (!cJSON_IsArray(*steps)) {
		cJSON_DeleteItemFromObjectCaseSensitive(first, "steps");
		*steps = cJSON_AddArrayToObject(first, "steps");
	}
	if (!*steps) {
		cJSON_Delete(out);
		return NULL;
	}
	return out;
}

/* The copy, and in it step n's object; NULL with *err when none. */
static cJSON *copy_at_step(const cJSON *obj, long n, cJSON **step,
			   char **err)
{
	cJSON *steps, *seqs = copy_sequences(obj, &steps);

	if (!seqs) {
		msg_set(err, "out of memory");
		return NULL;
	}
	*step = n >= 1 ? cJSON_GetArrayItem(steps, (int)n - 1) : NULL;
	if (!cJSON_IsObject(*step)) {
		msg_set(err, "there is no step %ld", n);
		cJSON_Delete(seqs);
		return NULL;
	}
	return seqs;
}

/* Step's variants, made when absent. */
static cJSON *variants_of(cJSON *step)
{
	cJSON *v = cJSON_GetObjectItemCaseSensitive(step, "variants");

	if (cJSON_IsArray(v))
		return v;
	cJSON_DeleteItemFromObjectCaseSensitive(step, "variants");
	return cJSON_AddArrayToObject(step, "variants");
}

cJSON *seqtext_set_variant(const cJSON *obj, long step, size_t idx,
			   const cJSON *variant, char **err)
{
	cJSON *st, *vs, *seqs = copy_at_step(obj, step, &st, err);
	cJSON *v;
	char name[16];
	size_t n;

	if (!seqs)
		return NULL;
	vs = variants_of(st);
	n = vs ? (size_t)cJSON_GetArraySize(vs) : 0;
	if (!vs || idx > n) {
		msg_set(err, "step %ld has %zu variant%s: the next one is %s",
			step, n, n == 1 ? "" : "s",
			seqtext_variant_name(n, name, sizeof(name)));
		cJSON_Delete(seqs);
		return NULL;
	}
	v = cJSON_Duplicate(variant, 1);
	if (!v || (idx == n ? !cJSON_AddItemToArray(vs, v)
			    : !cJSON_ReplaceItemInArray(vs, (int)idx, v))) {
		cJSON_Delete(v);
		cJSON_Delete(seqs);
		msg_set(err, "out of memory");
		return NULL;
	}
	return seqs;
}

static int by_place_down(const void *a, const void *b)
{
	size_t x = *(const size_t *)a, y = *(const size_t *)b;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Deletes the items at the n places of arr (any order); -1 when one is
 * not there or is named twice, with *bad that place. */
static int remove_places(cJSON *arr, const size_t *idx, size_t n,
			 size_t *bad)
{
	size_t have = cJSON_IsArray(arr) ? (size_t)cJSON_GetArraySize(arr) : 0;
	size_t *down = malloc((n ? n : 1) * sizeof(*down));

	if (!down) {
		*bad = (size_t)-1;
		return -1;
	}
	memcpy(down, idx, n * sizeof(*down));
	/* From the last place back, so that each place is still its own. */
	qsort(down, n, sizeof(*down), by_place_down);
	for (size_t i = 0; i < n; i++) {
		if (down[i] >= have || (i && down[i] == down[i - 1])) {
			*bad = down[i];
			free(down);
			return -1;
		}
	}
	for (size_t i = 0; i < n; i++)
		cJSON_DeleteItemFromArray(arr, (int)down[i]);
	free(down);
	return 0;
}

cJSON *seqtext_remove_variants(const cJSON *obj, long step, const size_t *idx,
			       size_t n, char **err)
{
	cJSON *st, *seqs = copy_at_step(obj, step, &st, err);
	char name[16];
	size_t bad;

	if (seqs && remove_places(cJSON_GetObjectItemCaseSensitive(st,
								   "variants"),
				  idx, n, &bad) < 0) {
		if (bad == (size_t)-1)
			msg_set(err, "out of memory");
		else
			msg_set(err, "step %ld has no variant %s", step,
				seqtext_variant_name(bad, name, sizeof(name)));
		cJSON_Delete(seqs);
		return NULL;
	}
	return seqs;
}

cJSON *seqtext_remove_steps(const cJSON *obj, const size_t *steps, size_t n,
			    char **err)
{
	cJSON *arr, *seqs = copy_sequences(obj, &arr);
	size_t *places = malloc((n ? n : 1) * sizeof(*places)), bad;

	if (!seqs || !places) {
		msg_set(err, "out of memory");
		cJSON_Delete(seqs);
		free(places);
		return NULL;
	}
	for (size_t i = 0; i < n; i++)
		places[i] = steps[i] - 1;	/* step 0 wraps: no place */
	if (remove_places(arr, places, n, &bad) < 0) {
		if (bad == (size_t)-1)
			msg_set(err, "out of memory");
		else
			msg_set(err, "there is no step %zu", bad + 1);
		cJSON_Delete(seqs);
		seqs = NULL;
	}
	free(places);
	return seqs;
}

cJSON *seqtext_add_step(const cJSON *obj, long step, char **err)
{
	cJSON *steps, *seqs = copy_sequences(obj, &steps), *st, *v, *vs;
	long n;

	if (!seqs) {
		msg_set(err, "out of memory");
		return NULL;
	}
	n = cJSON_GetArraySize(steps);
	if (step != n + 1) {
		msg_set(err, "the campaign has %ld step%s: the next one is %ld",
			n, n == 1 ? "" : "s", n + 1);
		cJSON_Delete(seqs);
		return NULL;
	}
	/* One empty variant, as a new step of Instantly's editor has (and
	 * as a subsequence's steps must have). */
	st = cJSON_CreateObject();
	v = cJSON_CreateObject();
	if (!st || !v || !cJSON_AddStringToObject(v, "subject", "") ||
	    !cJSON_AddStringToObject(v, "body", "") ||
	    !cJSON_AddStringToObject(st, "type", "email") ||
	    !cJSON_AddNumberToObject(st, "delay", NEW_STEP_DELAY) ||
	    !cJSON_AddStringToObject(st, "delay_unit", "days") ||
	    !(vs = cJSON_AddArrayToObject(st, "variants")) ||
	    !cJSON_AddItemToArray(vs, v)) {
		cJSON_Delete(v);
		cJSON_Delete(st);
		cJSON_Delete(seqs);
		msg_set(err, "out of memory");
		return NULL;
	}
	cJSON_AddItemToArray(steps, st);
	return seqs;
}

cJSON *seqtext_set_delay(const cJSON *obj, long step, double delay,
			 const char *unit, char **err)
{
	cJSON *st, *d, *seqs = copy_at_step(obj, step, &st, err);

	if (!seqs)
		return NULL;
	d = cJSON_CreateNumber(delay);
	if (!d || (cJSON_HasObjectItem(st, "delay")
			   ? !cJSON_ReplaceItemInObjectCaseSensitive(st, "delay", d)
			   : !cJSON_AddItemToObject(st, "delay", d))) {
		cJSON_Delete(d);
		d = NULL;
	}
	/* The unit is sent only when it changes (absent is days). */
	if (!d || (unit && strcmp(unit, unit_of(st)) &&
		   set_string(st, "delay_unit", unit) < 0)) {
		cJSON_Delete(seqs);
		msg_set(err, "out of memory");
		return NULL;
	}
	return seqs;
}
