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

int doc_get(const char *method, const char *path, const cJSON *body,
	    doc_render_fn fn, struct blob *out)
{
	struct doc_req d = { method, path, body, fn };
	char *text = body ? cJSON_PrintUnformatted(body) : NULL;
	char *key;
	int rc;

	if (asprintf(&key, "doc %s %s %s", method, path, text ? text : "") < 0)
		key = NULL;
	free(text);
	if (!key)
		return -ENOMEM;
	rc = cache_blob(key, fetch, &d, out);
	free(key);
	return rc;
}
