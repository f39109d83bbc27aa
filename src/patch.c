/*
 * patch.c - edited JSON to PATCH bodies; strict parsing of what users write.
 *
 * Owns: reading a JSON object a user wrote, within fixed limits, and
 * deciding which writable fields it changes.  Must not: do I/O, keep
 * state, or know any resource beyond what a struct patch_spec says.
 *
 * Stricter than cJSON alone: cJSON takes 1000 levels, raw NUL bytes and
 * invalid UTF-8 inside strings, duplicate keys, and stops quietly before
 * trailing garbage.  Text and depth are checked by a scan before cJSON
 * parses a NUL-terminated copy; trailing bytes and duplicate keys after.
 * Objects with many members are compared and searched through a sorted
 * copy of their member pointers, so no step is quadratic in the text.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "msg.h"
#include "patch.h"

#define SMALL_OBJECT 16 /* objects this small are searched linearly */

static const char *key_of(const cJSON *m)
{
	return m->string ? m->string : "";
}

size_t patch_bad_text(const char *text, size_t len, const char **why)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t i = 0;

	while (i < len) {
		unsigned int c = s[i], cp, min;
		size_t n, k;

		if (c >= 0x01 && c < 0x80) {
			i++;
			continue;
		}
		if (!c) {
			if (why)
				*why = "a NUL byte";
			return i;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			n = 1, cp = c & 0x1f, min = 0x80;
		} else if (c >= 0xe0 && c <= 0xef) {
			n = 2, cp = c & 0x0f, min = 0x800;
		} else if (c >= 0xf0 && c <= 0xf4) {
			n = 3, cp = c & 0x07, min = 0x10000;
		} else {
			goto bad;
		}
		if (len - i <= n)
			goto bad;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				goto bad;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += n + 1;
	}
	return len;
bad:
	if (why)
		*why = "invalid UTF-8";
	return i;
}

/*
 * The offset of the bracket that opens level PATCH_MAX_DEPTH + 1, or len.
 * Brackets inside strings do not count; an unclosed string ends the scan
 * (cJSON reports it).
 */
static size_t too_deep_at(const char *s, size_t len)
{
	size_t i, depth = 0;
	bool in_string = false;

	for (i = 0; i < len; i++) {
		if (in_string) {
			if (s[i] == '\\')
				i++;
			else if (s[i] == '"')
				in_string = false;
			continue;
		}
		switch (s[i]) {
		case '"':
			in_string = true;
			break;
		case '{':
		case '[':
			if (++depth > PATCH_MAX_DEPTH)
				return i;
			break;
		case '}':
		case ']':
			if (depth)
				depth--;
			break;
		}
	}
	return len;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int cmp_member(const void *a, const void *b)
{
	const cJSON *x = *(const cJSON *const *)a;
	const cJSON *y = *(const cJSON *const *)b;

	return strcmp(key_of(x), key_of(y));
}

/* An object's members, by key: linear when small, else a sorted array. */
struct index {
	const cJSON *obj; /* NULL: empty */
	const cJSON **sorted;
	size_t n;
};

static int index_build(struct index *ix, const cJSON *obj)
{
	const cJSON *m;
	size_t i = 0;

	memset(ix, 0, sizeof(*ix));
	if (!cJSON_IsObject(obj))
		return 0;
	ix->obj = obj;
	for (m = obj->child; m; m = m->next)
		ix->n++;
	if (ix->n <= SMALL_OBJECT)
		return 0;
	ix->sorted = malloc(ix->n * sizeof(*ix->sorted));
	if (!ix->sorted)
		return -ENOMEM;
	for (m = obj->child; m; m = m->next)
		ix->sorted[i++] = m;
	qsort(ix->sorted, ix->n, sizeof(*ix->sorted), cmp_member);
	return 0;
}

static const cJSON *index_get(const struct index *ix, const char *key)
{
	const cJSON *m;
	size_t lo = 0, hi = ix->n;

	if (!ix->obj)
		return NULL;
	if (!ix->sorted) {
		for (m = ix->obj->child; m; m = m->next)
			if (!strcmp(key_of(m), key))
				return m;
		return NULL;
	}
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(key_of(ix->sorted[mid]), key);

		if (!c)
			return ix->sorted[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static void index_free(struct index *ix)
{
	free(ix->sorted);
	ix->sorted = NULL;
}

/* 1: some object under v (v included) repeats a key, named in *dup. */
static int find_duplicate(const cJSON *v, const char **dup)
{
	const cJSON *c;
	struct index ix;
	size_t i;
	int rc;

	for (c = v->child; c; c = c->next) {
		rc = find_duplicate(c, dup);
		if (rc)
			return rc;
	}
	if (!cJSON_IsObject(v))
		return 0;
	rc = index_build(&ix, v);
	if (rc)
		return rc;
	if (ix.sorted) {
		for (i = 1; i < ix.n && !rc; i++)
			if (!cmp_member(&ix.sorted[i - 1], &ix.sorted[i]))
				*dup = key_of(ix.sorted[i]), rc = 1;
	} else {
		for (c = v->child; c && !rc; c = c->next)
			if (index_get(&ix, key_of(c)) != c)
				*dup = key_of(c), rc = 1;
	}
	index_free(&ix);
	return rc;
}

static int json_equal(const cJSON *a, const cJSON *b);

/* Members of a and b pair up by key with equal values. */
static int objects_equal(const cJSON *a, const cJSON *b)
{
	struct index ix;
	const cJSON *x;
	size_t na = 0;
	int rc;

	for (x = a->child; x; x = x->next)
		na++;
	rc = index_build(&ix, b);
	if (rc)
		return rc;
	rc = na == ix.n;
	for (x = a->child; x && rc == 1; x = x->next) {
		const cJSON *y = index_get(&ix, key_of(x));

		rc = y ? json_equal(x, y) : 0;
	}
	index_free(&ix);
	return rc;
}

/* 1 equal, 0 not, -ENOMEM.  Recursion ends at a's depth. */
static int json_equal(const cJSON *a, const cJSON *b)
{
	int type = a->type & 0xff;
	const cJSON *x, *y;
	int rc;

	if (type != (b->type & 0xff))
		return 0;
	switch (type) {
	case cJSON_Number:
		return a->valuedouble == b->valuedouble;
	case cJSON_String:
	case cJSON_Raw:
		return !strcmp(a->valuestring ? a->valuestring : "",
			       b->valuestring ? b->valuestring : "");
	case cJSON_Array:
		for (x = a->child, y = b->child; x && y;
		     x = x->next, y = y->next) {
			rc = json_equal(x, y);
			if (rc != 1)
				return rc;
		}
		return !x && !y;
	case cJSON_Object:
		return objects_equal(a, b);
	default:
		return 1;
	}
}

static void set_pos(size_t *pos, size_t at)
{
	if (pos)
		*pos = at;
}

int patch_parse_json(const char *text, size_t len, cJSON **out, size_t *pos,
		     char **why)
{
	const char *what = NULL, *end = NULL, *dup = NULL;
	char *copy;
	cJSON *v;
	size_t at;
	int rc;

	*out = NULL;
	set_pos(pos, (size_t)-1);
	if (why)
		*why = NULL;
	at = patch_bad_text(text, len, &what);
	if (at < len) {
		set_pos(pos, at);
		msg_set(why, "%s", what);
		return -EINVAL;
	}
	at = too_deep_at(text, len);
	if (at < len) {
		set_pos(pos, at);
		msg_set(why, "nesting deeper than %d levels", PATCH_MAX_DEPTH);
		return -EINVAL;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	copy[len] = '\0';
	v = cJSON_ParseWithLengthOpts(copy, len, &end, 0);
	at = end && end >= copy ? (size_t)(end - copy) : 0;
	if (at > len)
		at = len;
	if (v)
		while (at < len && is_space(copy[at]))
			at++;
	free(copy);
	if (!v || at < len) {
		set_pos(pos, at);
		msg_set(why, v ? "text after the JSON value" : "invalid JSON");
		cJSON_Delete(v);
		return -EINVAL;
	}
	rc = find_duplicate(v, &dup);
	if (rc) {
		char name[MSG_SHOWN + 4];

		if (rc > 0)
			msg_set(why, "duplicate key \"%s\"", msg_shown(dup, name));
		cJSON_Delete(v);
		return rc > 0 ? -EINVAL : rc;
	}
	*out = v;
	return 0;
}

static bool blank(const char *text, size_t len)
{
	size_t i = 0;

	if (len >= 3 && !memcmp(text, "\xef\xbb\xbf", 3))
		i = 3;
	while (i < len && is_space(text[i]))
		i++;
	return i == len;
}

static const char *kind_of(const cJSON *v)
{
	if (cJSON_IsArray(v))
		return "an array";
	if (cJSON_IsString(v))
		return "a string";
	if (cJSON_IsNumber(v))
		return "a number";
	if (cJSON_IsBool(v))
		return "a boolean";
	return "null";
}

/* The whole text as one object, within PATCH_MAX_TEXT. */
static int parse_object(const char *text, size_t len, bool empty_ok,
			cJSON **obj, char **err)
{
	size_t pos, line, col;
	char *why = NULL;
	int rc;

	*obj = NULL;
	if (len > PATCH_MAX_TEXT) {
		msg_set(err, "the text is larger than %zu KiB",
			PATCH_MAX_TEXT >> 10);
		return -EINVAL;
	}
	if (blank(text, len)) {
		if (!empty_ok) {
			msg_set(err,
				"the text is empty; expected a JSON object");
			return -EINVAL;
		}
		*obj = cJSON_CreateObject();
		return *obj ? 0 : -ENOMEM;
	}
	rc = patch_parse_json(text, len, obj, &pos, &why);
	if (rc == -EINVAL && why && pos != (size_t)-1) {
		msg_where(text, pos, &line, &col);
		msg_set(err, "%s at line %zu, column %zu", why, line, col);
	} else if (rc == -EINVAL && why) {
		msg_set(err, "%s", why);
	}
	free(why);
	if (rc)
		return rc;
	if (!cJSON_IsObject(*obj)) {
		msg_set(err, "expected a JSON object, not %s", kind_of(*obj));
		cJSON_Delete(*obj);
		*obj = NULL;
		return -EINVAL;
	}
	return 0;
}

static bool listed(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* Adds key: val to *obj (made on first use); takes val. */
static int add_change(cJSON **obj, const char *key, cJSON *val)
{
	if (!val)
		return -ENOMEM;
	if (!*obj)
		*obj = cJSON_CreateObject();
	if (!*obj || !cJSON_AddItemToObject(*obj, key, val)) {
		cJSON_Delete(val);
		return -ENOMEM;
	}
	return 0;
}

static bool scalar(const cJSON *v)
{
	return !cJSON_IsObject(v) && !cJSON_IsArray(v);
}

static int custom_value_err(const char *key, char **err)
{
	char name[MSG_SHOWN + 4];

	msg_set(err,
		"custom variable %s: custom variables take strings, numbers, "
		"booleans or null",
		msg_shown(key, name));
	return -EINVAL;
}

static const char *payload_write(const struct patch_spec *spec)
{
	return spec->payload_write ? spec->payload_write : spec->payload_field;
}

/* An ordinary top-level field: new is the text's, old the server's. */
static int field_change(const cJSON *new, const cJSON *old,
			const struct patch_spec *spec, cJSON **out, char **err)
{
	char name[MSG_SHOWN + 4];
	const cJSON *v;
	int rc;

	if (old) {
		rc = json_equal(new, old);
		if (rc)
			return rc < 0 ? rc : 0;
	}
	if (!listed(spec->writable, key_of(new))) {
		msg_shown(key_of(new), name);
		if (old)
			msg_set(err, "%s is read-only", name);
		else
			msg_set(err, "%s is not a field the API takes", name);
		return -EINVAL;
	}
	if (spec->payload_field && !strcmp(key_of(new), payload_write(spec))) {
		if (!cJSON_IsObject(new)) {
			msg_set(err, "%s must be an object",
				msg_shown(key_of(new), name));
			return -EINVAL;
		}
		for (v = new->child; v; v = v->next)
			if (!scalar(v))
				return custom_value_err(key_of(v), err);
	}
	return add_change(out, key_of(new), cJSON_Duplicate(new, 1));
}

/*
 * The custom variables under payload_field: added or changed ones go to
 * *out as one payload_write object; removing one is an error.
 */
static int payload_change(const cJSON *new, const cJSON *old,
			  const struct patch_spec *spec, cJSON **out,
			  char **err)
{
	struct index was = {0}, now = {0};
	char name[MSG_SHOWN + 4];
	cJSON *changed = NULL;
	const cJSON *v, *prev;
	int rc;

	if (old) {
		rc = json_equal(new, old);
		if (rc)
			return rc < 0 ? rc : 0;
	} else if (cJSON_IsNull(new)) {
		return 0;
	}
	if (!cJSON_IsObject(new)) {
		msg_set(err, "%s must be an object of custom variables",
			msg_shown(spec->payload_field, name));
		return -EINVAL;
	}
	rc = index_build(&was, old);
	for (v = new->child; v && !rc; v = v->next) {
		prev = index_get(&was, key_of(v));
		if (prev) {
			rc = json_equal(v, prev);
			if (rc) {
				rc = rc < 0 ? rc : 0;
				continue;
			}
		}
		if (!scalar(v))
			rc = custom_value_err(key_of(v), err);
		else
			rc = add_change(&changed, key_of(v),
					cJSON_Duplicate(v, 1));
	}
	if (!rc && was.obj)
		rc = index_build(&now, new);
	for (v = was.obj ? was.obj->child : NULL; v && !rc; v = v->next) {
		if (index_get(&now, key_of(v)))
			continue;
		msg_set(err,
			"custom variable %s cannot be removed through the API; "
			"set it to null",
			msg_shown(key_of(v), name));
		rc = -EINVAL;
	}
	index_free(&was);
	index_free(&now);
	if (!rc && changed) {
		rc = add_change(out, payload_write(spec), changed);
		changed = NULL;
	}
	cJSON_Delete(changed);
	return rc;
}

/* The body holds payload_write twice: both ways of editing were used. */
static bool edited_twice(const cJSON *body, const struct patch_spec *spec)
{
	const char *key = payload_write(spec);
	const cJSON *m;
	int n = 0;

	for (m = body->child; m; m = m->next)
		n += !strcmp(key_of(m), key);
	return n > 1;
}

int patch_build(const char *text, size_t len, const cJSON *server,
		const struct patch_spec *spec, cJSON **body, char **err)
{
	struct index srv;
	cJSON *in, *out = NULL;
	const cJSON *it;
	int rc;

	*body = NULL;
	if (err)
		*err = NULL;
	rc = parse_object(text, len, false, &in, err);
	if (rc)
		return rc;
	rc = index_build(&srv, server);
	for (it = in->child; it && !rc; it = it->next) {
		const cJSON *old = index_get(&srv, key_of(it));

		if (spec->payload_field &&
		    !strcmp(key_of(it), spec->payload_field))
			rc = payload_change(it, old, spec, &out, err);
		else
			rc = field_change(it, old, spec, &out, err);
	}
	index_free(&srv);
	cJSON_Delete(in);
	if (!rc && out && spec->payload_field && edited_twice(out, spec)) {
		msg_set(err,
			"custom variables are edited both under %s and as %s; "
			"edit them under %s only",
			spec->payload_field, payload_write(spec),
			spec->payload_field);
		rc = -EINVAL;
	}
	if (rc) {
		cJSON_Delete(out);
		return rc;
	}
	*body = out;
	return 0;
}

int patch_parse_new(const char *text, size_t len, const char *const *drop,
		    cJSON **obj, char **err)
{
	int rc;

	if (err)
		*err = NULL;
	rc = parse_object(text, len, true, obj, err);
	if (rc)
		return rc;
	for (; drop && *drop; drop++)
		cJSON_DeleteItemFromObjectCaseSensitive(*obj, *drop);
	return 0;
}
