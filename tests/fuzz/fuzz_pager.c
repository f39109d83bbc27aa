/*
 * fuzz_pager.c - API responses: pagination, error messages, rendering.
 *
 * The input is a sequence of HTTP response bodies separated by 0x00.  Each
 * body goes through errmap_message() (as an error response would), and,
 * when it parses as the API core would accept it, through render_json()
 * and render_csv().  Then a pager runs over the bodies as successive pages
 * through a fetch callback that answers like api_list_fetch() (a body that
 * is empty or not exactly one JSON value is -EIO).  A body that is a
 * single byte 0x01-0x04 is a scripted fetch failure instead.
 *
 * Properties:
 *   - errmap_message() always answers; for a body that is not a JSON
 *     object the message is the body cut to 512 bytes, one line, trimmed,
 *     and valid UTF-8 when the body was;
 *   - render_json() output parses back to an equal value; render_csv()
 *     writes one header and one record per row, or fails only on a row
 *     that is not an object;
 *   - the pager asks for the first page without a cursor and never asks
 *     for a cursor twice (or an empty one); each pager_next() result and
 *     item count is the one pager.h describes; once it is done it stays
 *     done without fetching again.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "errmap.h"
#include "fuzz_util.h"
#include "pager.h"
#include "render.h"

#define MAX_PIECES 64
#define ERRMAP_BODY_MAX 512

/* ---- errmap ---- */

static void check_errmap(const char *body, size_t len)
{
	char *raw = malloc(len ? len : 1), *msg;
	cJSON *root;

	if (!raw)
		abort();
	memcpy(raw, body, len);	/* exactly len bytes: over-reads show */
	msg = errmap_message(raw, len);
	FUZZ_CHECK(msg != NULL);
	root = cJSON_ParseWithLength(raw, len);
	if (!len) {
		FUZZ_CHECK(msg[0] == '\0');
	} else if (!cJSON_IsObject(root)) {
		size_t mlen = strlen(msg);

		/* The fallback: the body itself, cut, one line, trimmed. */
		FUZZ_CHECK(mlen <= ERRMAP_BODY_MAX);
		FUZZ_CHECK(mlen <= len);
		FUZZ_CHECK(!fuzz_has_control(msg));
		FUZZ_CHECK(!mlen || msg[mlen - 1] != ' ');
		if (fuzz_utf8_valid(raw, len))
			FUZZ_CHECK(fuzz_utf8_valid(msg, mlen));
	}
	cJSON_Delete(root);
	free(msg);
	free(raw);
}

/* ---- render ---- */

static int has_nonfinite(const cJSON *v)
{
	const cJSON *c;

	if (cJSON_IsNumber(v) && !isfinite(v->valuedouble))
		return 1;
	for (c = v->child; c; c = c->next)
		if (has_nonfinite(c))
			return 1;
	return 0;
}

/* a and b alike, members and elements in the same order; exact numbers. */
static int same(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return !strcmp(a->valuestring, b->valuestring);
	for (x = a->child, y = b->child; x && y; x = x->next, y = y->next) {
		/* (a detached array keeps its old key: top levels have none) */
		if (cJSON_IsObject(a) &&
		    (!x->string || !y->string || strcmp(x->string, y->string)))
			return 0;
		if (!same(x, y))
			return 0;
	}
	return !x && !y;
}

/* Records in CSV text: newlines outside quotes. */
static size_t csv_records(const char *s, size_t len)
{
	size_t i, n = 0;
	int quoted = 0;

	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			quoted = !quoted;
		else if (s[i] == '\n' && !quoted)
			n++;
	}
	FUZZ_CHECK(!quoted);
	return n;
}

static void check_render(const cJSON *json)
{
	size_t len = 0, rows = 0, keys = 0;
	const cJSON *row, *c;
	int all_objects = 1;
	char *out;

	out = render_json(json, &len);
	FUZZ_CHECK(out != NULL);
	FUZZ_CHECK(strlen(out) == len);
	FUZZ_CHECK(len >= 2 && out[len - 1] == '\n');
	{
		cJSON *back = cJSON_ParseWithLength(out, len);

		FUZZ_CHECK(back != NULL);
		if (!has_nonfinite(json))
			FUZZ_CHECK(same(json, back));
		cJSON_Delete(back);
	}
	free(out);

	if (!cJSON_IsArray(json) && !cJSON_IsObject(json)) {
		errno = 0;
		out = render_csv(json, &len);
		FUZZ_CHECK(out == NULL && errno == EINVAL);
		return;
	}
	if (cJSON_IsObject(json)) {
		rows = 1;
		for (c = json->child; c; c = c->next)
			keys++;
	} else {
		for (row = json->child; row; row = row->next) {
			rows++;
			if (!cJSON_IsObject(row))
				all_objects = 0;
			else
				for (c = row->child; c; c = c->next)
					keys++;
		}
	}
	errno = 0;
	out = render_csv(json, &len);
	if (!all_objects) {
		FUZZ_CHECK(out == NULL && errno == EINVAL);
		return;
	}
	FUZZ_CHECK(out != NULL);
	FUZZ_CHECK(strlen(out) == len);
	if (!keys) {
		FUZZ_CHECK(len == 0);
	} else {
		FUZZ_CHECK(out[len - 1] == '\n');
		FUZZ_CHECK(csv_records(out, len) == rows + 1);
	}
	free(out);
}

/* ---- pager ---- */

struct script {
	const struct fuzz_piece *pieces;
	size_t npieces, next;
	size_t calls;
	char *asked[MAX_PIECES + 4]; /* cursors requested */
	size_t nasked;
	/* What pager_next() must do with the answer just given. */
	int want_rc;
	int want_items;
	int want_done;
};

static int asked_before(const struct script *s, const char *cursor)
{
	size_t i;

	for (i = 0; i < s->nasked; i++)
		if (!strcmp(s->asked[i], cursor))
			return 1;
	return 0;
}

static int blank(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' && p[i] != '\n')
			return 0;
	return 1;
}

/* Parses a body as api_call() does: one JSON value and white space. */
static cJSON *parse_body(const char *p, size_t n)
{
	char *copy;
	const char *end = NULL;
	cJSON *json;

	if (blank(p, n))
		return NULL;
	copy = fuzz_dup(p, n);
	json = cJSON_ParseWithLengthOpts(copy, n, &end, 0);
	if (json && (!end || !blank(end, n - (size_t)(end - copy)))) {
		cJSON_Delete(json);
		json = NULL;
	}
	free(copy);
	return json;
}

/* Sets what the pager must make of json (not yet handed over). */
static void expect_page(struct script *s, const cJSON *json)
{
	const cJSON *items, *next;
	int n;

	if (cJSON_IsArray(json)) {
		n = cJSON_GetArraySize(json);
		s->want_rc = n ? 1 : 0;
		s->want_items = n;
		s->want_done = 1;
		return;
	}
	items = cJSON_GetObjectItemCaseSensitive(json, "items");
	if (!cJSON_IsArray(items)) {
		s->want_rc = -EIO;
		s->want_done = 1;
		return;
	}
	n = cJSON_GetArraySize(items);
	next = cJSON_GetObjectItemCaseSensitive(json, "next_starting_after");
	s->want_items = n;
	s->want_rc = n ? 1 : 0;
	s->want_done = !n || !cJSON_IsString(next) || !next->valuestring ||
		       !*next->valuestring ||
		       asked_before(s, next->valuestring);
}

static int fetch(void *ctx, const char *cursor, cJSON **resp)
{
	struct script *s = ctx;
	const struct fuzz_piece *pc;
	cJSON *json;

	FUZZ_CHECK((cursor == NULL) == (s->calls == 0));
	if (cursor) {
		FUZZ_CHECK(*cursor != '\0');
		FUZZ_CHECK(!asked_before(s, cursor));
		FUZZ_CHECK(s->nasked < sizeof(s->asked) / sizeof(s->asked[0]));
		s->asked[s->nasked++] = fuzz_dup(cursor, strlen(cursor));
	}
	s->calls++;
	s->want_items = 0;
	s->want_done = 1;
	if (s->next >= s->npieces) {
		s->want_rc = -ENOENT;
		return -ENOENT;
	}
	pc = &s->pieces[s->next++];
	if (pc->n == 1 && pc->p[0] >= 0x01 && pc->p[0] <= 0x04) {
		switch (pc->p[0]) {
		case 0x01: /* an ordinary failure */
			s->want_rc = -EAGAIN;
			return -EAGAIN;
		case 0x02: /* a positive errno: taken as -EIO */
			s->want_rc = -EIO;
			return EPERM;
		case 0x03: /* success without a response */
			s->want_rc = -EIO;
			*resp = NULL;
			return 0;
		default: /* a sloppy failure that still fills *resp */
			s->want_rc = -ETIMEDOUT;
			*resp = cJSON_Parse("{\"items\":[1]}");
			return -ETIMEDOUT;
		}
	}
	json = parse_body(pc->p, pc->n);
	if (!json) { /* empty or not JSON: api_list_fetch fails */
		s->want_rc = -EIO;
		return -EIO;
	}
	expect_page(s, json);
	*resp = json;
	return 0;
}

static void run_pager(const struct fuzz_piece *pieces, size_t n)
{
	struct script s;
	struct pager p;
	cJSON *items;
	size_t calls;
	int rc, again;

	memset(&s, 0, sizeof(s));
	s.pieces = pieces;
	s.npieces = n;
	pager_init(&p);
	for (;;) {
		calls = s.calls;
		rc = pager_next(&p, fetch, &s, &items);
		FUZZ_CHECK(s.calls == calls + 1);
		FUZZ_CHECK(rc == s.want_rc);
		FUZZ_CHECK(!!p.done == s.want_done);
		if (rc != 1) {
			FUZZ_CHECK(items == NULL);
			break;
		}
		FUZZ_CHECK(cJSON_IsArray(items));
		FUZZ_CHECK(cJSON_GetArraySize(items) == s.want_items);
		check_render(items);
		cJSON_Delete(items);
		if (p.done)
			break;
		FUZZ_CHECK(s.calls <= n + 1);
	}
	/* Done for good: the same answer, no fetch. */
	calls = s.calls;
	again = pager_next(&p, fetch, &s, &items);
	FUZZ_CHECK(again == (rc == 1 ? 0 : rc));
	FUZZ_CHECK(items == NULL);
	FUZZ_CHECK(s.calls == calls);
	FUZZ_CHECK(p.pages <= s.calls);
	pager_free(&p);
	while (s.nasked)
		free(s.asked[--s.nasked]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_piece pieces[MAX_PIECES];
	size_t n, i;

	n = fuzz_split(data, size, 0x00, pieces, MAX_PIECES);
	for (i = 0; i < n; i++) {
		cJSON *json;

		check_errmap(pieces[i].p, pieces[i].n);
		json = parse_body(pieces[i].p, pieces[i].n);
		if (json)
			check_render(json);
		cJSON_Delete(json);
	}
	run_pager(pieces, n);
	return 0;
}
