/*
 * h_webhooks.c - webhooks/: one folder a webhook, named after its name.
 *
 * webhook.json is the object (edits PATCH the changed writable fields,
 * through h_edit.c); status reads "active" or "error" (disabled after
 * failed deliveries) and takes "active" (or "resume"): POST .../resume.
 * The API has no pause for a webhook, and PATCH does not take status, so
 * "paused" is refused.  test is an action: any write POSTs .../test once.
 * events/ lists the webhook's deliveries (GET /webhook-events?search=
 * <its URL>, newest first), event-types the types a webhook takes.
 *
 * mkdir webhooks/<name> makes a local folder (h_local.c); writing its
 * webhook.json POSTs /webhooks once, named after the folder.  rmdir (and
 * rm -r: rm of the files of a webhook's folder changes nothing and
 * succeeds, so that rm -r reaches the folder) DELETEs the webhook.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "doc.h"
#include "errlog.h"
#include "escape.h"
#include "fields.h"
#include "log.h"
#include "once.h"
#include "pager.h"
#include "tree.h"

/* The webhook the folder of c's path names. */
static int hook_of(struct rctx *c, struct item *it)
{
	return c->ncap < 1 ? -ENOENT
			   : coll_lookup(&coll_webhooks, NULL, c->cap[0], it);
}

/* "/api/v2/webhooks/<id><tail>"; malloc'd. */
static char *hook_path(const char *id, const char *tail)
{
	char *esc = api_escape(id), *path = NULL;

	if (esc && asprintf(&path, "/api/v2/webhooks/%s%s", esc, tail) < 0)
		path = NULL;
	free(esc);
	return path;
}

int h_webhook_mkdir(struct rctx *c, const char *comp)
{
	return comp[0] == '.' ? -EINVAL : h_local_mkdir(c, comp);
}

/* ----- a new webhook ----- */

/* Fields of the Webhook the server sets: left out of a create, so that a
 * copy of another webhook's file makes a new one.  The name is the
 * folder's. */
static const char *const hook_server_fields[] = {
	"id", "organization", "timestamp_created", "status", "timestamp_error",
	"name", NULL
};

static int same_hook(const cJSON *want, const cJSON *item)
{
	static const char *const keys[] = { "name", "target_hook_url" };

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const cJSON *a, *b;

		a = cJSON_GetObjectItemCaseSensitive(want, keys[i]);
		b = cJSON_GetObjectItemCaseSensitive(item, keys[i]);

		if (!cJSON_IsString(a) || !cJSON_IsString(b) ||
		    strcmp(a->valuestring, b->valuestring))
			return 0;
	}
	return 1;
}

/* once.h lookup: the webhook of this name and URL, if the lost POST made
 * it (GET /webhooks takes no search: every page). */
static int hook_lookup(void *arg, cJSON **found)
{
	struct api_list_ctx ctx = { "GET", coll_webhooks.list_path, NULL, 0 };
	struct pager p;
	cJSON *items, *it;
	int rc = 0;

	*found = NULL;
	pager_init(&p);
	while (!*found &&
	       (rc = pager_next(&p, api_list_fetch, &ctx, &items)) > 0) {
		cJSON_ArrayForEach(it, items) {
			if (!*found && same_hook(arg, it))
				*found = cJSON_Duplicate(it, 1);
		}
		cJSON_Delete(items);
	}
	pager_free(&p);
	return rc < 0 ? rc : 0;
}

static int create_hook(struct rctx *c, const char *data, size_t len)
{
	cJSON *body = NULL;
	char *name = name_unescape(c->cap[0]);
	int rc = name ? h_local_body(&coll_webhooks, data, len,
				     hook_server_fields,
				     fields_webhook_writable, &body)
		      : -ENOMEM;

	if (rc == 0 && !cJSON_AddStringToObject(body, "name", name))
		rc = -ENOMEM;
	if (rc == 0)
		rc = h_local_post(c, &coll_webhooks, body, hook_lookup, body);
	cJSON_Delete(body);
	free(name);
	return rc;
}

/* webhook.json: an edit of the webhook, or its creation. */
int h_webhook_commit(struct rctx *c, const char *data, size_t len)
{
	if (h_local_is(c))
		return create_hook(c, data, len);
	return h_coll_commit(c, data, len);
}

/* rm of a file of a webhook's folder: nothing to do (see the top). */
int h_webhook_part_unlink(struct rctx *c)
{
	struct item it;
	int rc = hook_of(c, &it);

	if (rc == 0)
		item_free(&it);
	return rc;
}

/* ----- status ----- */

/* coll_derive_fn: the status as a word. */
static int derive_status(const cJSON *obj, const void *arg, struct blob *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "status");
	const char *word = "unknown";
	int len;

	(void)arg;
	if (cJSON_IsNumber(v) && v->valuedouble == 1)
		word = "active";
	else if (cJSON_IsNumber(v) && v->valuedouble == -1)
		word = "error";
	len = asprintf(&out->data, "%s\n", word);
	if (len < 0)
		return -ENOMEM;
	out->len = (size_t)len;
	out->mtime = coll_mtime(obj);
	return 0;
}

int h_webhook_status_read(struct rctx *c, struct blob *out)
{
	struct item it;
	int rc = hook_of(c, &it);

	if (rc < 0)
		return rc;
	rc = coll_derived(&coll_webhooks, it.id, "status", derive_status, NULL,
			  out);
	item_free(&it);
	return rc;
}

/* 1 for a word that resumes, 0 for blank, else refused. */
static int resume_word(struct rctx *c, const char *data, size_t len)
{
	char word[32];

	while (len && isspace((unsigned char)*data)) {
		data++;
		len--;
	}
	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	if (!len)
		return 0;
	if (len < sizeof(word)) {
		memcpy(word, data, len);
		word[len] = '\0';
		if (!strcasecmp(word, "active") || !strcasecmp(word, "resume"))
			return 1;
		if (!strcasecmp(word, "paused") || !strcasecmp(word, "pause"))
			return h_refuse("POST", c,
					"the API cannot pause a webhook (it "
					"has resume only): rmdir the folder "
					"to remove it");
	}
	return h_refuse("POST", c,
			"a webhook's status takes \"active\" (or \"resume\")");
}

int h_webhook_status_check(struct rctx *c, const char *data, size_t len)
{
	const char *nl = memrchr(data, '\n', len);

	return nl ? (resume_word(c, data, (size_t)(nl - data)) < 0 ? -EINVAL
								     : 0)
		  : 0;
}

int h_webhook_status_commit(struct rctx *c, const char *data, size_t len)
{
	struct item it;
	struct blob now = { 0 };
	cJSON *obj = NULL;
	char *path;
	int rc = resume_word(c, data, len);

	if (rc <= 0)
		return rc;
	rc = hook_of(c, &it);
	if (rc < 0)
		return rc;
	/* Already active: nothing to send. */
	rc = h_webhook_status_read(c, &now);
	if (rc == 0 && now.len && !strncmp(now.data, "active\n", now.len)) {
		blob_free(&now);
		item_free(&it);
		return 0;
	}
	blob_free(&now);
	path = hook_path(it.id, "/resume");
	if (path) {
		struct once o = { .path = path };

		rc = once_send(&o, &obj);
	} else {
		rc = -ENOMEM;
	}
	if (rc == 0 && (!cJSON_IsObject(obj) ||
			coll_learn(&coll_webhooks, NULL, obj) < 0))
		coll_unlearn(&coll_webhooks, NULL, it.id);
	cJSON_Delete(obj);
	free(path);
	item_free(&it);
	return rc;
}

/* ----- test ----- */

/* Any write POSTs .../test, never twice; a failed delivery is EIO with
 * the answer in the error log. */
int h_webhook_test_commit(struct rctx *c, const char *data, size_t len)
{
	struct item it;
	cJSON *ans = NULL;
	const cJSON *ok;
	char *path, *text;
	int rc = hook_of(c, &it);

	(void)data;
	(void)len;
	if (rc < 0)
		return rc;
	path = hook_path(it.id, "/test");
	item_free(&it);
	if (!path)
		return -ENOMEM;
	{
		struct once o = { .path = path };

		rc = once_send(&o, &ans);
	}
	ok = cJSON_GetObjectItemCaseSensitive(ans, "success");
	if (rc == 0 && !cJSON_IsTrue(ok)) {
		text = ans ? cJSON_PrintUnformatted(ans) : NULL;
		errlog_add("POST", path, "test failed",
			   text ? text : "no answer");
		log_err("POST %s: test failed: %s", path, text ? text : "");
		free(text);
		rc = -EIO;
	}
	cJSON_Delete(ans);
	free(path);
	return rc;
}

/* ----- events ----- */

/* The webhook's URL, which its events are found by; malloc'd. */
static int hook_url(struct rctx *c, char **url)
{
	struct item it;
	cJSON *obj = NULL;
	int rc = hook_of(c, &it);

	*url = NULL;
	if (rc < 0)
		return rc;
	rc = coll_object_json(&coll_webhooks, it.id, &obj);
	item_free(&it);
	if (rc == 0) {
		*url = coll_field(obj, "target_hook_url");
		rc = *url ? 0 : -ENOENT;
	}
	cJSON_Delete(obj);
	return rc;
}

int h_webhook_events_list(struct rctx *c, struct dirfill *d)
{
	char *url;
	int rc = hook_url(c, &url);

	if (rc < 0)
		return rc;
	d->lst = coll_listing(&coll_webhook_events, url);
	free(url);
	return d->lst ? coll_fill(d->lst, 0) : -ENOMEM;
}

static int event_of(struct rctx *c, struct item *it)
{
	char *url;
	int rc = c->ncap < 2 ? -ENOENT : hook_url(c, &url);

	if (rc < 0)
		return rc;
	rc = coll_lookup(&coll_webhook_events, url, c->cap[1], it);
	free(url);
	return rc;
}

int h_webhook_event_stat(struct rctx *c, struct node *n)
{
	struct item it;
	int rc = event_of(c, &it);

	if (rc < 0)
		return rc;
	h_item_stat(&it, n);
	item_free(&it);
	return 0;
}

int h_webhook_event_read(struct rctx *c, struct blob *out)
{
	struct item it;
	int rc = event_of(c, &it);

	if (rc < 0)
		return rc;
	rc = coll_object(&coll_webhook_events, it.id, out);
	item_free(&it);
	return rc;
}

/* ----- event-types ----- */

int h_webhook_types_render(const cJSON *resp, struct blob *out)
{
	const cJSON *types = cJSON_GetObjectItemCaseSensitive(resp,
							      "event_types");
	const cJSON *t;
	char *text = strdup(""), *more;

	if (!cJSON_IsArray(types)) {
		free(text);
		return -EIO;
	}
	cJSON_ArrayForEach(t, types) {
		char *id = coll_field(t, "id"), *type = coll_field(t, "type");
		char *label = coll_field(t, "label");

		more = NULL;
		if (text && id &&
		    asprintf(&more, "%s%s\t%s\t%s\n", text, id,
			     type ? type : "", label ? label : "") < 0)
			more = NULL;
		free(id);
		free(type);
		free(label);
		if (!more)
			continue;
		free(text);
		text = more;
	}
	if (!text)
		return -ENOMEM;
	out->data = text;
	out->len = strlen(text);
	out->mtime = 0;
	return 0;
}

int h_webhook_event_types_read(struct rctx *c, struct blob *out)
{
	(void)c;
	return doc_get("GET", "/api/v2/webhooks/event-types", NULL,
		       h_webhook_types_render, out);
}
