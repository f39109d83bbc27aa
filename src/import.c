/*
 * import.c - CSV (RFC 4180) and JSON Lines imports to batches of leads.
 *
 * Owns: reading an import file into lead objects for POST /leads/add,
 * IMPORT_BATCH to a batch, and refusing the whole file at its first bad
 * row.  Must not: do I/O, keep state, or send anything (the caller sends
 * the batches only after this has accepted every row).
 *
 * Memory: one record (CSV) or line (JSON Lines) is held in scratch space
 * at a time, and every finished lead is charged its cJSON size; past
 * IMPORT_MEM_PER_BYTE times the input (plus IMPORT_MEM_SLACK) the import
 * fails with -EFBIG, so a header of long names over rows of short cells
 * cannot multiply the input without bound.  Plain imports cost about 10
 * to 50 times their size (a cJSON node is 64 bytes).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "hmap.h"
#include "import.h"
#include "msg.h"
#include "patch.h"

#define IMPORT_MEM_PER_BYTE 64
#define IMPORT_MEM_SLACK ((size_t)1 << 20)

enum field_type { FT_STRING, FT_NUMBER };

/*
 * The properties of the items of "leads" in the request body of
 * POST /api/v2/leads/add (instantly-openapi.json), but custom_variables:
 * `jq '.paths["/api/v2/leads/add"].post.requestBody.content
 * ["application/json"].schema.properties.leads.items.properties'`.
 * All are string or null but lt_interest_status, a number.
 */
static const struct lead_field {
	const char *name;
	enum field_type type;
} lead_fields[] = {
    {"email", FT_STRING},
    {"personalization", FT_STRING},
    {"website", FT_STRING},
    {"last_name", FT_STRING},
    {"first_name", FT_STRING},
    {"company_name", FT_STRING},
    {"job_title", FT_STRING},
    {"phone", FT_STRING},
    {"lt_interest_status", FT_NUMBER},
    {"pl_value_lead", FT_STRING},
    {"assigned_to", FT_STRING},
};

#define NFIELDS (sizeof(lead_fields) / sizeof(lead_fields[0]))
#define EMAIL 0 /* lead_fields[EMAIL] */
#define CUSTOM_VARIABLES "custom_variables"

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r';
}

static size_t count_lines(const char *p, const char *end)
{
	size_t n = 0;

	while ((p = memchr(p, '\n', (size_t)(end - p)))) {
		n++;
		p++;
	}
	return n;
}

/* Finished leads, grouped into batches, within the row and memory caps. */
struct builder {
	struct import_result r;
	size_t cap; /* batches allocated */
	size_t mem; /* cJSON bytes charged so far */
	size_t mem_max;
};

/* What v costs in memory, roughly: nodes, keys and strings. */
static size_t tree_cost(const cJSON *v)
{
	size_t n = sizeof(*v);
	const cJSON *c;

	if (v->string)
		n += strlen(v->string) + 1;
	if (v->valuestring)
		n += strlen(v->valuestring) + 1;
	for (c = v->child; c; c = c->next)
		n += tree_cost(c);
	return n;
}

/* Takes lead, whatever happens. */
static int builder_add(struct builder *b, cJSON *lead, size_t line, char **err)
{
	struct import_batch *cur;

	if (b->r.rows >= IMPORT_MAX_ROWS) {
		msg_set(err, "line %zu: more than %d rows; split the import",
			line, IMPORT_MAX_ROWS);
		cJSON_Delete(lead);
		return -EFBIG;
	}
	b->mem += tree_cost(lead);
	if (b->mem > b->mem_max) {
		msg_set(err,
			"line %zu: the leads would take more than %zu MiB of "
			"memory; split the import",
			line, b->mem_max >> 20);
		cJSON_Delete(lead);
		return -EFBIG;
	}
	cur = b->r.nbatches ? &b->r.batches[b->r.nbatches - 1] : NULL;
	if (!cur || cur->count == IMPORT_BATCH) {
		if (b->r.nbatches == b->cap) {
			size_t cap = b->cap ? b->cap * 2 : 4;
			struct import_batch *nb;

			nb = realloc(b->r.batches, cap * sizeof(*nb));
			if (!nb) {
				cJSON_Delete(lead);
				return -ENOMEM;
			}
			b->r.batches = nb;
			b->cap = cap;
		}
		cur = &b->r.batches[b->r.nbatches];
		cur->leads = cJSON_CreateArray();
		if (!cur->leads) {
			cJSON_Delete(lead);
			return -ENOMEM;
		}
		cur->first_line = line;
		cur->count = 0;
		b->r.nbatches++;
	}
	cJSON_AddItemToArray(cur->leads, lead);
	cur->count++;
	b->r.rows++;
	return 0;
}

static int check_email(const char *email, size_t line, char **err)
{
	char v[MSG_SHOWN + 4];

	if (!email || !*email) {
		msg_set(err, "line %zu: no email", line);
		return -EINVAL;
	}
	if (!strchr(email, '@')) {
		msg_set(err, "line %zu: email \"%s\" has no '@'", line,
			msg_shown(email, v));
		return -EINVAL;
	}
	return 0;
}

/* Adds item to obj under the key it already has (no copy of the key). */
static void add_keyed(cJSON *obj, cJSON *item)
{
	cJSON_AddItemToArray(obj, item);
}

/* ---- CSV ---- */

struct cell {
	size_t off, len; /* in csv.rec.data, NUL-terminated there */
};

struct csv {
	const char *p, *end;
	size_t line;	/* physical line at p */
	struct buf rec; /* the current record's cells, unescaped */
	struct cell *cells;
	size_t ncells, cap;
};

enum { COL_NONE = -2, COL_CUSTOM = -1 };

struct column {
	int field; /* index in lead_fields, or COL_NONE (no name), COL_CUSTOM */
	char *name; /* custom variable name */
};

static int cell_end(struct csv *c, size_t off)
{
	int rc = buf_append(&c->rec, "", 1);

	if (rc)
		return rc;
	if (c->ncells == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 16;
		struct cell *nc = realloc(c->cells, cap * sizeof(*nc));

		if (!nc)
			return -ENOMEM;
		c->cells = nc;
		c->cap = cap;
	}
	c->cells[c->ncells].off = off;
	c->cells[c->ncells].len = c->rec.len - 1 - off;
	c->ncells++;
	return 0;
}

/* The rest of a quoted cell, p just past its opening quote. */
static int csv_quoted(struct csv *c, const char **pp, size_t line, char **err)
{
	const char *p = *pp, *q;
	int rc;

	for (;;) {
		q = memchr(p, '"', (size_t)(c->end - p));
		if (!q) {
			/* Its close may be in text not written yet. */
			msg_set(err, "line %zu: a quoted field is not closed",
				line);
			return -EAGAIN;
		}
		c->line += count_lines(p, q);
		rc = buf_append(&c->rec, p, (size_t)(q - p));
		if (rc)
			return rc;
		p = q + 1;
		if (p < c->end && *p == '"') {
			rc = buf_append(&c->rec, "\"", 1);
			if (rc)
				return rc;
			p++;
			continue;
		}
		break;
	}
	while (p < c->end && (*p == ' ' || *p == '\t'))
		p++;
	if (p + 1 < c->end && p[0] == '\r' && p[1] == '\n')
		p++;
	if (p < c->end && *p != ',' && *p != '\n') {
		msg_set(err,
			"line %zu: text after the closing quote of a field",
			line);
		return -EINVAL;
	}
	*pp = p;
	return 0;
}

/*
 * The next record into c->cells: 1, or 0 at the end of the text, or an
 * error.  *line: the physical line it starts on.  Blank lines are skipped.
 */
static int csv_next(struct csv *c, size_t *line, char **err)
{
	const char *p = c->p, *q;
	int rc;

	for (;;) {
		for (q = p; q < c->end && is_blank(*q); q++)
			;
		if (q == c->end) {
			c->p = q;
			return 0;
		}
		if (*q != '\n')
			break;
		p = q + 1;
		c->line++;
	}
	*line = c->line;
	c->rec.len = 0;
	c->ncells = 0;
	for (;;) {
		size_t off = c->rec.len;

		for (q = p; q < c->end && (*q == ' ' || *q == '\t'); q++)
			;
		if (q < c->end && *q == '"') {
			p = q + 1;
			rc = csv_quoted(c, &p, *line, err);
		} else {
			const char *s = q, *e;

			while (p < c->end && *p != ',' && *p != '\n')
				p++;
			for (e = p; e > s && is_blank(e[-1]); e--)
				;
			rc = buf_append(&c->rec, s, (size_t)(e - s));
		}
		if (!rc)
			rc = cell_end(c, off);
		if (rc)
			return rc;
		if (p < c->end && *p == ',') {
			p++;
			continue;
		}
		if (p < c->end) {
			p++;
			c->line++;
		}
		c->p = p;
		return 1;
	}
}

static const char *cell(const struct csv *c, size_t i, size_t *len)
{
	if (len)
		*len = c->cells[i].len;
	return c->rec.data + c->cells[i].off;
}

static int field_named(const char *s, size_t len, bool any_case)
{
	size_t i;

	for (i = 0; i < NFIELDS; i++) {
		const char *name = lead_fields[i].name;

		if (strlen(name) != len)
			continue;
		if (any_case ? !strncasecmp(name, s, len)
			     : !strncmp(name, s, len))
			return (int)i;
	}
	return -1;
}

static void columns_free(struct column *cols, size_t n)
{
	size_t i;

	for (i = 0; cols && i < n; i++)
		free(cols[i].name);
	free(cols);
}

/* The header record: what each column holds. */
static int csv_header(const struct csv *c, size_t line, struct column **out,
		      char **err)
{
	bool seen[NFIELDS] = {false};
	char v[MSG_SHOWN + 4];
	struct column *cols;
	struct hmap *names;
	size_t i, n = c->ncells;
	int rc = 0;

	cols = calloc(n, sizeof(*cols));
	names = hmap_new();
	if (!cols || !names) {
		free(cols);
		hmap_free(names, NULL);
		return -ENOMEM;
	}
	for (i = 0; i < n && !rc; i++) {
		size_t len;
		const char *s = cell(c, i, &len);
		int f;

		while (len && is_blank(*s))
			s++, len--;
		while (len && is_blank(s[len - 1]))
			len--;
		if (!len) {
			cols[i].field = COL_NONE;
			continue;
		}
		f = field_named(s, len, true);
		if (f >= 0) {
			cols[i].field = f;
			if (seen[f]) {
				msg_set(err,
					"line %zu: column %s appears twice",
					line, lead_fields[f].name);
				rc = -EINVAL;
			}
			seen[f] = true;
			continue;
		}
		cols[i].field = COL_CUSTOM;
		cols[i].name = strndup(s, len);
		if (!cols[i].name) {
			rc = -ENOMEM;
		} else if (hmap_get(names, cols[i].name)) {
			msg_set(err, "line %zu: column %s appears twice", line,
				msg_shown(cols[i].name, v));
			rc = -EINVAL;
		} else {
			rc = hmap_put(names, cols[i].name, &cols[i], NULL);
		}
	}
	hmap_free(names, NULL);
	if (!rc && !seen[EMAIL]) {
		msg_set(err, "line %zu: the header has no email column", line);
		rc = -EINVAL;
	}
	if (rc) {
		columns_free(cols, n);
		return rc;
	}
	*out = cols;
	return 0;
}

static int csv_number(const char *s, const char *name, size_t line, double *out,
		      char **err)
{
	char v[MSG_SHOWN + 4];
	char *end;
	long n;

	errno = 0;
	n = strtol(s, &end, 10);
	if (errno || *end || n < INT_MIN || n > INT_MAX) {
		msg_set(err, "line %zu: %s must be an integer, not \"%s\"",
			line, name, msg_shown(s, v));
		return -EINVAL;
	}
	*out = (double)n;
	return 0;
}

/* One data record as a lead. */
static int csv_lead(const struct csv *c, const struct column *cols,
		    size_t ncols, size_t line, cJSON **out, char **err)
{
	cJSON *lead, *cv = NULL, *item;
	size_t i, len, email_col = 0;
	int rc = 0;

	if (c->ncells != ncols) {
		msg_set(err, "line %zu: %zu fields, but the header has %zu",
			line, c->ncells, ncols);
		return -EINVAL;
	}
	for (i = 0; i < ncols; i++)
		if (cols[i].field == EMAIL)
			email_col = i;
	rc = check_email(cell(c, email_col, NULL), line, err);
	if (rc)
		return rc;
	lead = cJSON_CreateObject();
	if (!lead)
		return -ENOMEM;
	for (i = 0; i < ncols && !rc; i++) {
		const char *s = cell(c, i, &len);
		const struct lead_field *f;
		double num;

		if (!len)
			continue;
		if (cols[i].field == COL_NONE) {
			msg_set(err,
				"line %zu: column %zu has a value but no name "
				"in the header",
				line, i + 1);
			rc = -EINVAL;
			break;
		}
		if (cols[i].field == COL_CUSTOM) {
			if (!cv)
				cv = cJSON_CreateObject();
			if (!cv ||
			    !cJSON_AddStringToObject(cv, cols[i].name, s))
				rc = -ENOMEM;
			continue;
		}
		f = &lead_fields[cols[i].field];
		if (f->type == FT_NUMBER) {
			rc = csv_number(s, f->name, line, &num, err);
			item = rc ? NULL
				  : cJSON_AddNumberToObject(lead, f->name, num);
		} else {
			item = cJSON_AddStringToObject(lead, f->name, s);
		}
		if (!rc && !item)
			rc = -ENOMEM;
	}
	if (!rc && cv && !cJSON_AddItemToObject(lead, CUSTOM_VARIABLES, cv))
		rc = -ENOMEM;
	else if (!rc)
		cv = NULL;
	cJSON_Delete(cv);
	if (rc) {
		cJSON_Delete(lead);
		return rc;
	}
	*out = lead;
	return 0;
}

/* ---- reading as the text comes ---- */

struct import_stream {
	struct builder b;	/* leads read, batches not yet taken */
	size_t taken;		/* batches handed out */
	size_t done;		/* bytes read: the start of the next row */
	size_t line;		/* the physical line at done */
	size_t checked;		/* bytes checked for NUL and UTF-8 */
	char format;		/* 0 not known yet, 'c' CSV, 'j' JSON Lines */
	struct column *cols;	/* the CSV header, once read */
	size_t ncols;
};

/* The CSV records in text[s->done, end): complete ones only unless last
 * (a quoted field open at the end may close in text still to come). */
static int csv_parse(struct import_stream *s, const char *text,
		     const char *end, bool last, char **err)
{
	struct csv c = {.p = text + s->done, .end = end, .line = s->line};
	size_t at;
	cJSON *lead;
	int rc = 0;

	buf_init(&c.rec, 2 * (size_t)(end - c.p) + 16);
	while (!rc) {
		rc = csv_next(&c, &at, err);
		if (rc == 0)
			s->done = (size_t)(c.p - text), s->line = c.line;
		if (rc <= 0)
			break;
		if (!s->cols) {
			s->ncols = c.ncells;
			rc = csv_header(&c, at, &s->cols, err);
		} else {
			rc = csv_lead(&c, s->cols, s->ncols, at, &lead, err);
			if (!rc)
				rc = builder_add(&s->b, lead, at, err);
		}
		if (!rc) {
			s->done = (size_t)(c.p - text);
			s->line = c.line;
		}
	}
	if (rc == -EAGAIN && !last && err) {
		free(*err);
		*err = NULL;
	}
	if (rc == -EAGAIN)
		rc = last ? -EINVAL : 0;
	buf_free(&c.rec);
	free(c.cells);
	return rc;
}

/* ---- JSON Lines ---- */

static int cmp_key(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(x->string, y->string);
}

/* 1 and *dup: a key of obj appears twice; 0; -ENOMEM. */
static int duplicate_key(const cJSON *obj, const char **dup)
{
	const cJSON **m, *c;
	size_t n = 0, i;
	int rc = 0;

	for (c = obj->child; c; c = c->next)
		n++;
	if (n < 2)
		return 0;
	m = malloc(n * sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (i = 0, c = obj->child; c; c = c->next)
		m[i++] = c;
	qsort(m, n, sizeof(*m), cmp_key);
	for (i = 1; i < n && !rc; i++)
		if (!strcmp(m[i - 1]->string, m[i]->string))
			*dup = m[i]->string, rc = 1;
	free(m);
	return rc;
}

static int custom_value(const cJSON *v, size_t line, char **err)
{
	char name[MSG_SHOWN + 4];

	if (!cJSON_IsObject(v) && !cJSON_IsArray(v))
		return 0;
	msg_set(err,
		"line %zu: custom variable %s: custom variables take strings, "
		"numbers, booleans or null",
		line, msg_shown(v->string, name));
	return -EINVAL;
}

/* Adds m, a lead field f of the line's object, to lead; takes m. */
static int jsonl_field(cJSON *lead, cJSON *m, const struct lead_field *f,
		       size_t line, char **err)
{
	bool ok;

	if (f == &lead_fields[EMAIL])
		ok = cJSON_IsString(m);
	else if (f->type == FT_NUMBER)
		ok = cJSON_IsNumber(m);
	else
		ok = cJSON_IsString(m) || cJSON_IsNull(m);
	if (!ok) {
		msg_set(err, "line %zu: %s must be %s", line, f->name,
			f == &lead_fields[EMAIL] ? "a string"
			: f->type == FT_NUMBER	 ? "a number"
						 : "a string or null");
		cJSON_Delete(m);
		return -EINVAL;
	}
	add_keyed(lead, m);
	return 0;
}

/* Moves the members of m, a custom_variables object, into *cv. */
static int jsonl_custom(cJSON **cv, cJSON *m, size_t line, char **err)
{
	cJSON *v;
	int rc = 0;

	if (cJSON_IsNull(m)) {
		cJSON_Delete(m);
		return 0;
	}
	if (!cJSON_IsObject(m)) {
		msg_set(err, "line %zu: %s must be an object", line,
			CUSTOM_VARIABLES);
		cJSON_Delete(m);
		return -EINVAL;
	}
	if (!*cv)
		*cv = cJSON_CreateObject();
	while (!rc && *cv && (v = m->child)) {
		cJSON_DetachItemViaPointer(m, v);
		rc = custom_value(v, line, err);
		if (rc)
			cJSON_Delete(v);
		else
			add_keyed(*cv, v);
	}
	cJSON_Delete(m);
	return *cv ? rc : -ENOMEM;
}

/* The line's object (taken) as a lead. */
static int jsonl_lead(cJSON *obj, size_t line, cJSON **out, char **err)
{
	cJSON *lead = NULL, *cv = NULL, *m;
	bool merged = false;
	const char *dup;
	char name[MSG_SHOWN + 4];
	int rc = 0, f;

	if (!cJSON_IsObject(obj)) {
		msg_set(err, "line %zu: expected a JSON object", line);
		rc = -EINVAL;
		goto out;
	}
	lead = cJSON_CreateObject();
	if (!lead) {
		rc = -ENOMEM;
		goto out;
	}
	while (!rc && (m = obj->child)) {
		cJSON_DetachItemViaPointer(obj, m);
		f = field_named(m->string, strlen(m->string), false);
		if (f >= 0) {
			rc = jsonl_field(lead, m, &lead_fields[f], line, err);
		} else if (!strcmp(m->string, CUSTOM_VARIABLES)) {
			rc = jsonl_custom(&cv, m, line, err);
			merged = true;
		} else if ((rc = custom_value(m, line, err))) {
			cJSON_Delete(m);
		} else {
			if (!cv)
				cv = cJSON_CreateObject();
			if (cv)
				add_keyed(cv, m);
			else
				cJSON_Delete(m), rc = -ENOMEM;
		}
	}
	if (rc)
		goto out;
	m = cJSON_GetObjectItemCaseSensitive(lead, lead_fields[EMAIL].name);
	rc = check_email(m ? m->valuestring : NULL, line, err);
	if (!rc && merged && cv && (rc = duplicate_key(cv, &dup)) > 0) {
		msg_set(err, "line %zu: custom variable %s is given twice",
			line, msg_shown(dup, name));
		rc = -EINVAL;
	}
	if (!rc && cv && cv->child) {
		if (!cJSON_AddItemToObject(lead, CUSTOM_VARIABLES, cv))
			rc = -ENOMEM;
		else
			cv = NULL;
	}
out:
	cJSON_Delete(obj);
	cJSON_Delete(cv);
	if (rc) {
		cJSON_Delete(lead);
		return rc;
	}
	*out = lead;
	return 0;
}

static int jsonl_parse(const char *p, const char *end, size_t line,
		       struct builder *b, char **err)
{
	const char *nl, *e, *q;
	size_t pos;
	char *why;
	cJSON *obj, *lead;
	int rc = 0;

	for (; p < end && !rc; p = nl ? nl + 1 : end, line++) {
		nl = memchr(p, '\n', (size_t)(end - p));
		e = nl ? nl : end;
		for (q = p; q < e && is_blank(*q); q++)
			;
		if (q == e)
			continue;
		why = NULL;
		rc = patch_parse_json(p, (size_t)(e - p), &obj, &pos, &why);
		if (rc == -EINVAL && why && pos != (size_t)-1)
			msg_set(err, "line %zu: %s at column %zu", line, why,
				pos + 1);
		else if (rc == -EINVAL && why)
			msg_set(err, "line %zu: %s", line, why);
		free(why);
		if (!rc)
			rc = jsonl_lead(obj, line, &lead, err);
		if (!rc)
			rc = builder_add(b, lead, line, err);
	}
	return rc;
}

/* ---- the whole file ---- */

void import_result_free(struct import_result *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->nbatches; i++)
		cJSON_Delete(r->batches[i].leads);
	free(r->batches);
	memset(r, 0, sizeof(*r));
}

struct import_stream *import_stream_new(void)
{
	return calloc(1, sizeof(struct import_stream));
}

void import_stream_free(struct import_stream *s)
{
	if (!s)
		return;
	import_result_free(&s->b.r);
	columns_free(s->cols, s->ncols);
	free(s);
}

size_t import_stream_rows(const struct import_stream *s)
{
	return s->b.r.rows;
}

/* Decides the format from the first character that is not white space
 * in text[s->done, end); 0 while there is none. */
static int detect(struct import_stream *s, const char *text, const char *end,
		  char **err)
{
	const char *p = text + s->done, *q;

	if (s->done == 0 && end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		s->done = 3, p += 3;
	for (q = p; q < end && (is_blank(*q) || *q == '\n'); q++)
		;
	if (q == end)
		return 0;
	if (*q == '[') {
		msg_set(err,
			"line %zu: a JSON array is not an import; write JSON "
			"Lines (one object a line) or CSV",
			1 + count_lines(text, q));
		return -EINVAL;
	}
	s->format = *q == '{' ? 'j' : 'c';
	s->line = 1;
	return 0;
}

/* The end of the rows that text[0, len) holds whole: past its last line
 * break, or len itself at the end of the text. */
static size_t rows_end(const char *text, size_t from, size_t len, bool last)
{
	const char *nl;

	if (last)
		return len;
	nl = from < len ? memrchr(text + from, '\n', len - from) : NULL;
	return nl ? (size_t)(nl - text) + 1 : from;
}

int import_stream_feed(struct import_stream *s, const char *text, size_t len,
		       int last, char **err)
{
	size_t cut = rows_end(text, s->checked, len, last), at;
	const char *why = NULL;
	int rc = 0;

	if (len > IMPORT_MAX_BYTES) {
		msg_set(err, "the import is larger than %u MiB",
			IMPORT_MAX_BYTES >> 20);
		return -EFBIG;
	}
	at = patch_bad_text(text + s->checked, cut - s->checked, &why);
	if (at < cut - s->checked) {
		msg_set(err, "line %zu: %s",
			1 + count_lines(text, text + s->checked + at), why);
		return -EINVAL;
	}
	s->checked = cut;
	s->b.mem_max =
		cut < (SIZE_MAX - IMPORT_MEM_SLACK) / IMPORT_MEM_PER_BYTE
			? cut * IMPORT_MEM_PER_BYTE + IMPORT_MEM_SLACK
			: SIZE_MAX;
	if (!s->format)
		rc = detect(s, text, text + cut, err);
	if (!rc && s->format == 'j') {
		rc = jsonl_parse(text + s->done, text + cut, s->line, &s->b,
				 err);
		s->line += count_lines(text + s->done, text + cut);
		s->done = cut;
	} else if (!rc && s->format == 'c') {
		rc = csv_parse(s, text, text + cut, last, err);
	}
	if (!rc && last && !s->b.r.rows) {
		msg_set(err, "no rows");
		rc = -EINVAL;
	}
	return rc;
}

int import_stream_take(struct import_stream *s, int last,
		       struct import_batch *out)
{
	struct import_batch *b;
	size_t cost;

	if (s->taken == s->b.r.nbatches)
		return 0;
	b = &s->b.r.batches[s->taken];
	if (b->count < IMPORT_BATCH && !last)
		return 0;
	*out = *b;
	b->leads = NULL;
	s->taken++;
	cost = tree_cost(out->leads);
	s->b.mem -= cost < s->b.mem ? cost : s->b.mem;
	return 1;
}

int import_parse(const char *text, size_t len, struct import_result *out,
		 char **err)
{
	struct import_stream *s = import_stream_new();
	int rc;

	memset(out, 0, sizeof(*out));
	if (err)
		*err = NULL;
	if (!s)
		return -ENOMEM;
	rc = import_stream_feed(s, text, len, 1, err);
	if (rc == 0) {
		*out = s->b.r;
		memset(&s->b.r, 0, sizeof(s->b.r));
	}
	import_stream_free(s);
	return rc;
}
