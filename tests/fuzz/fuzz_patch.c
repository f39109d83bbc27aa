/*
 * fuzz_patch.c - what a user writes into an object's JSON file, diffed
 * against the server's copy into a PATCH body.
 *
 * Input: one byte choosing the resource (its writable fields, as in
 * coll.c and h_edit.c), then the server's JSON, a 0x00, and the user's
 * text (not NUL-terminated, exactly its bytes).  With no 0x00 the whole
 * rest is the user's text and there is no server copy.  The server's JSON
 * is parsed as the mount parses an API answer (cJSON, leniently).
 *
 * Properties:
 *   - never a crash or a leak; on success no message; on -EINVAL a
 *     one-line message (whose line and column, if any, are in the text);
 *     on failure no body;
 *   - a body is an object of at least one member, and every key in it is
 *     a writable field or the custom-variables key; that one, when it
 *     comes from the payload, holds only scalars;
 *   - when the server's copy is strict JSON (so it is what a user reads):
 *     saving the file unchanged (its render_json() text) sends nothing;
 *     and after the body is applied to the server's copy, the same text
 *     diffs to nothing (an edit, once sent, is not sent again).
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fields.h"
#include "fuzz_util.h"
#include "patch.h"
#include "render.h"

/* Not in the mount today: a payload written back under its own name. */
static const char *const payload_writable[] = { "name", "payload", NULL };

static const struct patch_spec specs[] = {
	{ fields_lead_writable, "payload", "custom_variables" },
	{ fields_campaign_writable, NULL, NULL },
	{ fields_account_writable, NULL, NULL },
	{ fields_tag_writable, NULL, NULL },
	{ fields_email_writable, NULL, NULL },
	{ fields_workspace_writable, NULL, NULL },
	{ payload_writable, "payload", NULL },
	{ NULL, NULL, NULL },
};
#define NSPECS (sizeof(specs) / sizeof(specs[0]))

static const char *payload_write(const struct patch_spec *spec)
{
	return spec->payload_write ? spec->payload_write : spec->payload_field;
}

static int listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return 1;
	return 0;
}

static int scalars_only(const cJSON *obj)
{
	const cJSON *v;

	if (!cJSON_IsObject(obj))
		return 0;
	for (v = obj->child; v; v = v->next)
		if (cJSON_IsObject(v) || cJSON_IsArray(v))
			return 0;
	return 1;
}

/* Runs patch_build and checks what any answer must be. */
static int build(const char *text, size_t len, const cJSON *server,
		 const struct patch_spec *spec, cJSON **body)
{
	char *err = (char *)1;
	const cJSON *m;
	int rc;

	rc = patch_build(text, len, server, spec, body, &err);
	if (rc) {
		FUZZ_CHECK(rc == -EINVAL || rc == -ENOMEM);
		FUZZ_CHECK(*body == NULL);
		if (rc == -EINVAL) {
			const char *at, *p;
			size_t line, col, lines = 1, i;
			int end = -1;

			FUZZ_CHECK(err != NULL && !strchr(err, '\n'));
			/* "... at line L, column C" (last, ending the message;
			 * a quoted key may hold the words too): a place in the
			 * text. */
			for (at = NULL, p = err; (p = strstr(p, " at line "));
			     p++)
				at = p;
			if (at &&
			    sscanf(at, " at line %zu, column %zu%n", &line, &col,
				   &end) == 2 &&
			    end > 0 && at[end] == '\0') {
				for (i = 0; i < len; i++)
					lines += text[i] == '\n';
				FUZZ_CHECK(line >= 1 && line <= lines);
				FUZZ_CHECK(col >= 1 && col <= len + 1);
			}
		}
		free(err);
		return rc;
	}
	FUZZ_CHECK(err == NULL);
	if (!*body)
		return 0;
	FUZZ_CHECK(cJSON_IsObject(*body) && (*body)->child != NULL);
	for (m = (*body)->child; m; m = m->next) {
		FUZZ_CHECK(m->string != NULL);
		if (spec->payload_field && !strcmp(m->string, payload_write(spec)))
			FUZZ_CHECK(scalars_only(m));
		else
			FUZZ_CHECK(listed(spec->writable, m->string));
		/* No key twice. */
		FUZZ_CHECK(cJSON_GetObjectItemCaseSensitive(*body, m->string) ==
			   m);
	}
	return 0;
}

/* Exact equality: numbers by value, object members in any order. */
static int equal(const cJSON *a, const cJSON *b)
{
	const cJSON *x, *y;
	size_t na = 0, nb = 0;

	if ((a->type & 0xff) != (b->type & 0xff))
		return 0;
	if (cJSON_IsNumber(a))
		return a->valuedouble == b->valuedouble;
	if (cJSON_IsString(a))
		return !strcmp(a->valuestring, b->valuestring);
	if (cJSON_IsArray(a)) {
		for (x = a->child, y = b->child; x && y;
		     x = x->next, y = y->next)
			if (!equal(x, y))
				return 0;
		return !x && !y;
	}
	if (!cJSON_IsObject(a))
		return 1;
	for (x = a->child; x; x = x->next)
		na++;
	for (y = b->child; y; y = y->next)
		nb++;
	if (na != nb)
		return 0;
	for (x = a->child; x; x = x->next) {
		y = cJSON_GetObjectItemCaseSensitive(b, x->string);
		if (!y || !equal(x, y))
			return 0;
	}
	return 1;
}

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

/* 1 if the user's payload differs from the server's (so a body member
 * under payload_write came from the payload). */
static int payload_edited(const cJSON *text, const cJSON *server,
			  const struct patch_spec *spec)
{
	const cJSON *a, *b;

	if (!spec->payload_field)
		return 0;
	a = cJSON_GetObjectItemCaseSensitive(text, spec->payload_field);
	b = cJSON_GetObjectItemCaseSensitive(server, spec->payload_field);
	if (!a)
		return 0;
	if (!b)
		return !cJSON_IsNull(a);
	return !equal(a, b);
}

/* The server's copy after it took body, as the API applies a PATCH. */
static cJSON *apply(const cJSON *server, const cJSON *body, int from_payload,
		    const struct patch_spec *spec)
{
	cJSON *s = cJSON_Duplicate(server, 1);
	const cJSON *m, *v;

	FUZZ_CHECK(s != NULL);
	for (m = body->child; m; m = m->next) {
		if (from_payload && !strcmp(m->string, payload_write(spec))) {
			cJSON *pl = cJSON_GetObjectItemCaseSensitive(
			    s, spec->payload_field);

			if (!cJSON_IsObject(pl)) {
				cJSON_DeleteItemFromObjectCaseSensitive(
				    s, spec->payload_field);
				pl = cJSON_AddObjectToObject(
				    s, spec->payload_field);
				FUZZ_CHECK(pl != NULL);
			}
			for (v = m->child; v; v = v->next) {
				cJSON_DeleteItemFromObjectCaseSensitive(
				    pl, v->string);
				cJSON_AddItemToObject(pl, v->string,
						      cJSON_Duplicate(v, 1));
			}
			continue;
		}
		cJSON_DeleteItemFromObjectCaseSensitive(s, m->string);
		cJSON_AddItemToObject(s, m->string, cJSON_Duplicate(m, 1));
	}
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct patch_spec *spec;
	const uint8_t *sep;
	const char *text;
	size_t tlen;
	cJSON *server = NULL, *strict = NULL, *body = NULL;
	char *copy;
	int rc;

	if (size < 1)
		return 0;
	spec = &specs[data[0] % NSPECS];
	data++, size--;
	sep = memchr(data, 0, size);
	if (sep) {
		size_t slen = (size_t)(sep - data);

		server = cJSON_ParseWithLength((const char *)data, slen);
		if (patch_parse_json((const char *)data, slen, &strict, NULL,
				     NULL) == 0 &&
		    !cJSON_IsObject(strict)) {
			cJSON_Delete(strict);
			strict = NULL;
		}
		text = (const char *)sep + 1;
		tlen = size - slen - 1;
	} else {
		text = (const char *)data;
		tlen = size;
	}
	/* Exactly tlen bytes: no terminating NUL to lean on. */
	copy = malloc(tlen ? tlen : 1);
	FUZZ_CHECK(copy != NULL);
	memcpy(copy, text, tlen);

	rc = build(copy, tlen, server, spec, &body);
	cJSON_Delete(body);
	body = NULL;

	if (strict) {
		size_t rlen;
		char *shown = render_json(strict, &rlen);
		cJSON *user = NULL;

		/* The file saved unchanged sends nothing. */
		FUZZ_CHECK(shown != NULL);
		/* (render_json shows inf as null: not the same file) */
		if (rlen <= PATCH_MAX_TEXT && !has_nonfinite(strict)) {
			FUZZ_CHECK(build(shown, rlen, strict, spec, &body) == 0);
			FUZZ_CHECK(body == NULL);
		}
		free(shown);

		/* An edit, once applied, is not sent again. */
		if (build(copy, tlen, strict, spec, &body) == 0 && body) {
			cJSON *after, *again = NULL;

			FUZZ_CHECK(patch_parse_json(copy, tlen, &user, NULL,
						    NULL) == 0);
			after = apply(strict, body,
				      payload_edited(user, strict, spec), spec);
			FUZZ_CHECK(build(copy, tlen, after, spec, &again) == 0);
			FUZZ_CHECK(again == NULL);
			cJSON_Delete(after);
		}
		cJSON_Delete(user);
		cJSON_Delete(body);
	}
	(void)rc;
	free(copy);
	cJSON_Delete(server);
	cJSON_Delete(strict);
	return 0;
}
