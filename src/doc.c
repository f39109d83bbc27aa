/*
 * doc.c - one API answer as one file, through the blob cache.
 *
 * Owns: the cache key of a document (method, path with query, body).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "api.h"
#include "coll.h"
#include "doc.h"
#include "render.h"

struct doc_req {
	const char *method;
	const char *path;
	const cJSON *body;
	doc_render_fn fn;
};

int doc_render_json(const cJSON *resp, struct blob *out)
{
	out->data = render_json(resp, &out->len);
	if (cJSON_IsObject(resp))
		out->mtime = coll_mtime(resp);
	return out->data ? 0 : -ENOMEM;
}

int doc_render_csv(const cJSON *resp, struct blob *out)
{
	out->data = render_csv(resp, &out->len);
	return out->data ? 0 : -ENOMEM;
}

static int fetch(void *p, struct blob *out)
{
	struct doc_req *d = p;
	struct api_resp r = { 0 };
	int rc = api_call(d->method, d->path, d->body, &r);

	if (rc < 0)
		return rc;
	rc = r.json ? d->fn(r.json, out) : -EIO;
	api_resp_free(&r);
	return rc;
}

/* The cache key of a document; malloc'd. */
static char *doc_key(const char *method, const char *path, const cJSON *body)
{
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	char *key;

	if (asprintf(&key, "doc %s %s %s", method, path, text ? text : "") < 0)
		key = NULL;
	free(text);
	return key;
}

void doc_learn(const char *path, const cJSON *obj)
{
	struct blob b = { 0 };
	char *key = doc_key("GET", path, NULL);

	if (key && doc_render_json(obj, &b) == 0)
		cache_blob_put(key, b.data, b.len, b.mtime);
	blob_free(&b);
	free(key);
}

int doc_get(const char *method, const char *path, const cJSON *body,
	    doc_render_fn fn, struct blob *out)
{
	struct doc_req d = { method, path, body, fn };
	char *key = doc_key(method, path, body);
	int rc;

	if (!key)
		return -ENOMEM;
	rc = cache_blob(key, fetch, &d, out);
	free(key);
	return rc;
}
