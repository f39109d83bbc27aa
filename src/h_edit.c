/*
 * h_edit.c - writing objects: edits of JSON files (PATCH of the changed
 * writable fields), new lead files (POST /leads), rm and rmdir (DELETE).
 *
 * The row's arg is a struct coll_view (tree.h).  Nothing is sent when
 * the text is refused by the checks of patch.h; the reason goes to the
 * error log.  A create whose outcome is unknown (the connection failed
 * after the request may have been sent) is looked up before it is sent
 * again, so a lead is never created twice.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "doc.h"
#include "errlog.h"
#include "fields.h"
#include "jsonprefix.h"
#include "escape.h"
#include "log.h"
#include "msg.h"
#include "patch.h"
#include "tree.h"

static const struct coll_view *view(struct rctx *c)
{
	return c->route->arg;
}

int h_refuse(const char *method, struct rctx *c, const char *why)
{
	char path[4096] = "";

	for (int i = 0; i < c->nseg; i++) {
		strncat(path, "/", sizeof(path) - strlen(path) - 1);
		strncat(path, c->seg[i], sizeof(path) - strlen(path) - 1);
	}
	errlog_add(method, path, "not sent", why);
	log_err("%s %s: not sent: %s", method, path, why);
	return -EINVAL;
}

int h_json_check(struct rctx *c, const char *data, size_t len)
{
	const char *why = NULL;
	char msg[160];
	size_t at, line, col;

	if (len > PATCH_MAX_TEXT)
		return 0;	/* refused whole, at close */
	at = jsonprefix_check(data, len, &why);
	if (at == len)
		return 0;
	msg_where(data, at, &line, &col);
	snprintf(msg, sizeof(msg), "%s at line %zu, column %zu", why, line,
		 col);
	return h_refuse("PATCH", c, msg);
}

/* The parent id of the view's path, or NULL at the top level. */
static const char *parent_id(struct rctx *c, char *buf, size_t len)
{
	return view(c)->parent_cap < 0 ? NULL
				       : h_cap_id(c, view(c)->parent_cap, buf,
						  len);
}

/* The PATCH body for text against the server's object; a refusal is
 * recorded.  0 with *body NULL: nothing writable changed. */
static int patch_for(struct rctx *c, const char *data, size_t len,
		     const cJSON *server, const struct patch_spec *spec,
		     cJSON **body)
{
	char *err = NULL;
	int rc = patch_build(data, len, server, spec, body, &err);

	if (rc < 0) {
		h_refuse("PATCH", c, err ? err : "refused");
		free(err);
	}
	return rc;
}

static int edit(struct rctx *c, const struct item *it, const char *parent,
		const char *data, size_t len)
{
	const struct coll *coll = view(c)->coll;
	struct patch_spec spec = { coll->writable, coll->payload_field,
				   "custom_variables" };
	cJSON *server = NULL, *body = NULL, *obj = NULL;
	int rc = coll_object_json(coll, it->id, &server);

	if (rc < 0)
		return rc;
	rc = patch_for(c, data, len, server, &spec, &body);
	cJSON_Delete(server);
	if (rc < 0 || !body)
		return rc;	/* refused, or nothing changed: no request */
	rc = coll_send(coll, "PATCH", it->id, body, &obj);
	cJSON_Delete(body);
	if (rc == 0) {
		coll_learn(coll, parent, obj);
		cJSON_Delete(obj);
	}
	return rc;
}

/* Lead fields the server keeps to itself: a lead file copied from
 * elsewhere holds them, and a create leaves them out (the fields of the
 * spec's Lead schema that POST /leads does not take). */
static const char *const lead_server_fields[] = {
	"id", "campaign", "list_id", "organization", "status",
	"company_domain", "email_click_count", "email_clicked_step",
	"email_clicked_variant", "email_open_count", "email_opened_step",
	"email_opened_variant", "email_replied_step", "email_replied_variant",
	"email_reply_count", "enrichment_status", "esg_code", "esp_code",
	"is_website_visitor", "last_contacted_from", "last_step_from",
	"last_step_id", "last_step_timestamp_executed", "status_summary",
	"status_summary_subseq", "subsequence_id",
	"timestamp_added_subsequence", "timestamp_created",
	"timestamp_last_click", "timestamp_last_contact",
	"timestamp_last_interest_change", "timestamp_last_open",
	"timestamp_last_reply", "timestamp_last_touch", "timestamp_updated",
	"upload_method", "uploaded_by_user", "verification_status", NULL
};

/* What POST /leads takes besides the parent (the spec's request schema). */
static const char *const lead_create_fields[] = {
	"assigned_to", "blocklist_id", "company_name", "custom_variables",
	"email", "first_name", "job_title", "last_name", "lt_interest_status",
	"personalization", "phone", "pl_value_lead", "skip_if_in_campaign",
	"skip_if_in_list", "skip_if_in_workspace",
	"verify_leads_for_lead_finder", "verify_leads_on_import", "website",
	NULL
};

static int listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return 1;
	return 0;
}

/* The address a new lead file's name gives: "<email>.json". */
char *h_email_of_name(const char *name)
{
	size_t n = strlen(name);
	char *base, *email;

	if (n <= 5 || strcmp(name + n - 5, ".json") || name[0] == '.')
		return NULL;
	base = strndup(name, n - 5);
	email = base ? name_unescape(base) : NULL;
	free(base);
	if (email && (!strchr(email, '@') || strchr(email, '/'))) {
		free(email);
		email = NULL;
	}
	return email;
}

int h_lead_create(struct rctx *c)
{
	char *email = c->ncap > 1 ? h_email_of_name(c->cap[1]) : NULL;

	free(email);
	return email ? 0 : -ENOENT;
}

int h_new_fields(cJSON *obj, const char *const *takes, const char *what,
		 const char *email, char **why)
{
	const cJSON *field;
	int rc;

	cJSON_ArrayForEach(field, obj) {
		if (!listed(takes, field->string)) {
			rc = asprintf(why, "%s is not a field %s takes",
				      field->string, what);
			return rc < 0 ? -ENOMEM : -EINVAL;
		}
	}
	field = cJSON_GetObjectItemCaseSensitive(obj, "email");
	if (cJSON_IsString(field) && strcasecmp(field->valuestring, email)) {
		rc = asprintf(why, "the file is named for %s but its email is %s",
			      email, field->valuestring);
		return rc < 0 ? -ENOMEM : -EINVAL;
	}
	if (!field && !cJSON_AddStringToObject(obj, "email", email))
		return -ENOMEM;
	return 0;
}

/* The body of POST /leads from the file's text; -EINVAL with *why. */
static int lead_body(const char *data, size_t len, const char *email,
		     cJSON **body, char **why)
{
	cJSON *obj, *payload;
	int rc = patch_parse_new(data, len, lead_server_fields, &obj, why);

	if (rc < 0)
		return rc;
	payload = cJSON_DetachItemFromObjectCaseSensitive(obj, "payload");
	if (payload && !cJSON_GetObjectItemCaseSensitive(obj,
							 "custom_variables"))
		cJSON_AddItemToObject(obj, "custom_variables", payload);
	else
		cJSON_Delete(payload);
	rc = h_new_fields(obj, lead_create_fields, "a new lead", email, why);
	if (rc < 0) {
		cJSON_Delete(obj);
		return rc;
	}
	*body = obj;
	return 0;
}

/* Is there a lead with this email under parent?  Asks the API. */
static int lead_exists(const struct coll *coll, const char *parent,
		       const char *email, cJSON **found)
{
	struct api_resp r = { 0 };
	cJSON *q = cJSON_CreateObject(), *items, *it;
	int rc;

	cJSON_AddStringToObject(q, coll->parent_field, parent);
	cJSON_AddStringToObject(q, "search", email);
	cJSON_AddNumberToObject(q, "limit", 10);
	rc = api_call("POST", coll->list_path, q, &r);
	cJSON_Delete(q);
	*found = NULL;
	items = rc == 0 ? cJSON_GetObjectItemCaseSensitive(r.json, "items")
			: NULL;
	cJSON_ArrayForEach(it, items) {
		const cJSON *e = cJSON_GetObjectItemCaseSensitive(it, "email");

		if (cJSON_IsString(e) && !strcasecmp(e->valuestring, email)) {
			*found = cJSON_Duplicate(it, 1);
			break;
		}
	}
	api_resp_free(&r);
	return rc;
}

struct lead_look {
	const struct coll *coll;
	const char *parent, *email;
};

static int lead_lookup(void *arg, cJSON **found)
{
	const struct lead_look *l = arg;

	return lead_exists(l->coll, l->parent, l->email, found);
}

/* POST /leads, never twice: after a lost answer the lead is looked up
 * and the POST repeated only if it is absent. */
static int post_lead(const struct coll *coll, const char *parent,
		     const char *email, const cJSON *body, cJSON **obj)
{
	struct lead_look look = { coll, parent, email };

	return coll_create(coll, body, lead_lookup, &look, obj);
}

static int create_lead(struct rctx *c, const char *parent, const char *data,
		       size_t len)
{
	const struct coll *coll = view(c)->coll;
	char *email = h_email_of_name(c->cap[view(c)->name_cap]);
	cJSON *body = NULL, *obj = NULL;
	char *why = NULL;
	int rc;

	if (!email || !parent)
		return -EINVAL;
	rc = lead_body(data, len, email, &body, &why);
	if (rc < 0) {
		h_refuse("POST", c, why ? why : "refused");
		free(why);
		free(email);
		return rc;
	}
	cJSON_AddStringToObject(body, coll->parent_field, parent);
	rc = post_lead(coll, parent, email, body, &obj);
	if (rc == 0) {
		coll_learn(coll, parent, obj);
		cJSON_Delete(obj);
	}
	cJSON_Delete(body);
	free(email);
	return rc;
}

/* The object the view's name capture names, and its parent id. */
static int view_item(struct rctx *c, char *pbuf, size_t len,
		     const char **parent, struct item *it)
{
	*parent = parent_id(c, pbuf, len);
	if (view(c)->parent_cap >= 0 && !*parent)
		return -ENOENT;
	return coll_lookup(view(c)->coll, *parent, c->cap[view(c)->name_cap],
			   it);
}

int h_coll_commit(struct rctx *c, const char *data, size_t len)
{
	char pbuf[512];
	const char *parent;
	struct item it;
	int rc = view_item(c, pbuf, sizeof(pbuf), &parent, &it);

	if (rc == -ENOENT && c->route->create && c->route->create(c) == 0)
		return create_lead(c, parent, data, len);
	if (rc < 0)
		return rc;
	rc = edit(c, &it, parent, data, len);
	item_free(&it);
	return rc;
}

/* rm of a file or rmdir of a folder that is one object: DELETE. */
int h_coll_delete(struct rctx *c)
{
	char pbuf[512];
	const char *parent;
	struct item it;
	int rc = view_item(c, pbuf, sizeof(pbuf), &parent, &it);

	if (rc < 0)
		return rc;
	rc = coll_send(view(c)->coll, "DELETE", it.id, NULL, NULL);
	if (rc == 0)
		coll_unlearn(view(c)->coll, parent, it.id);
	item_free(&it);
	return rc;
}

/* workspace.json: PATCH /workspaces/current (its request schema). */
int h_workspace_commit(struct rctx *c, const char *data, size_t len)
{
	static const char path[] = "/api/v2/workspaces/current";
	struct patch_spec spec = { fields_workspace_writable, NULL, NULL };
	struct api_resp r = { 0 };
	struct blob b = { 0 };
	cJSON *server, *body = NULL;
	int rc = h_workspace_read(c, &b);

	if (rc < 0)
		return rc;
	server = cJSON_ParseWithLength(b.data, b.len);
	blob_free(&b);
	if (!server)
		return -EIO;
	rc = patch_for(c, data, len, server, &spec, &body);
	cJSON_Delete(server);
	if (rc < 0 || !body)
		return rc;
	rc = api_call("PATCH", path, body, &r);
	cJSON_Delete(body);
	if (rc == 0 && cJSON_IsObject(r.json))
		doc_learn(path, r.json);
	api_resp_free(&r);
	return rc;
}
