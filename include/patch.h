/*
 * patch.h - what a user wrote into a JSON file, as the body of a request.
 *
 * patch_build() diffs an edited object against the server's copy and keeps
 * only the writable fields that changed: that is the PATCH body.
 * patch_parse_new() reads a whole object for a create (POST).  Both parse
 * strictly: one JSON value, nothing but white space after it, no NUL byte,
 * valid UTF-8, no duplicate key in any object, nesting at most
 * PATCH_MAX_DEPTH levels, text at most PATCH_MAX_TEXT bytes.
 *
 * Pure functions: no I/O, no shared state (cJSON's own error pointer
 * aside), thread-safe.  On failure *err (if err is not NULL) is a malloc'd
 * one-line message, or NULL when even that could not be allocated.
 */
#ifndef INSTANTLYFS_PATCH_H
#define INSTANTLYFS_PATCH_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define PATCH_MAX_TEXT ((size_t)1 << 20)
#define PATCH_MAX_DEPTH 64

struct patch_spec {
	/* NULL-terminated: fields PATCH takes (the spec's request schema) */
	const char *const *writable;
	/* "payload" for leads: edits under it are sent as custom variables */
	const char *payload_field;
	/* the body's name for them: "custom_variables" (NULL: the same) */
	const char *payload_write;
};

/*
 * text: what the user wrote (len bytes, need not be NUL-terminated);
 * server: the object as the server has it (NULL: an empty object).
 *
 * 0 and *body = NULL: nothing writable changed, send no request.
 * 0 and *body = a new object holding only the changed writable fields with
 * their new values, in text order.  Changes under payload_field become one
 * payload_write object, at payload_field's place, holding only the added
 * or changed custom variables.
 * -EINVAL and *err: invalid JSON (with line and column), not an object,
 * a read-only field changed, a new field PATCH does not take, a custom
 * variable set to an object or array or left out (removal is not
 * possible), payload_field not an object, too deep, too large.
 * -ENOMEM.
 *
 * A field of the server's that the text leaves out is not a change.
 * Values compare deeply and exactly: numbers by value, object keys in any
 * order, array elements in order.
 */
int patch_build(const char *text, size_t len, const cJSON *server,
		const struct patch_spec *spec, cJSON **body, char **err);

/*
 * One JSON object for a create (POST) body, with the same limits.  Fields
 * named in drop (NULL-terminated, may be NULL) are removed.  Empty text, or
 * only white space, is an empty object.  0, -EINVAL with *err, or -ENOMEM.
 */
int patch_parse_new(const char *text, size_t len, const char *const *drop,
		    cJSON **obj, char **err);

/*
 * The offset of the first NUL byte or invalid UTF-8 sequence (overlong
 * forms, surrogates and code points past U+10FFFF are invalid) in text, or
 * len if there is none; *why (if why) then says which, as a static string.
 */
size_t patch_bad_text(const char *text, size_t len, const char **why);

/*
 * The strict parser under both, for other modules' JSON (import's lines):
 * any JSON value, no size limit.  On -EINVAL, *why (if why) is a malloc'd
 * message without a place ("invalid JSON", "nesting deeper than 64
 * levels", "duplicate key \"x\"", ...) and *pos (if pos) the byte offset
 * of the problem in text, or (size_t)-1 when it has none.
 */
int patch_parse_json(const char *text, size_t len, cJSON **out, size_t *pos,
		     char **why);

#endif
