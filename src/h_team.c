/*
 * h_team.c - who is in the workspace, its inbox placement tests, and
 * its audit log.
 *
 * members/<email>.json: a new file invites the address of its name
 * (POST /workspace-members with the role written, "view" when none is:
 * the least access; cp of another member's file copies its role), never
 * twice (coll_create looks the address up after a lost answer); an edit
 * of an existing one is the generic PATCH of the changed writable
 * fields (h_edit.c).
 *
 * placement-tests/<name>/results.json and reports.json: every page of
 * /inbox-placement-analytics and /inbox-placement-reports for the test,
 * as one JSON array, cached like every document.
 *
 * audit-log.jsonl: GET /audit-logs, newest first, one compact object a
 * line.  Each open file pages in only as far as its reader goes (head
 * costs one page), and keeps only the page being read: readers go
 * forward, and one that goes back starts again from the first page.
 * Each page is a document of its own, cached for the TTL under its
 * cursor (the log only grows at its head, so the page after a cursor
 * never changes), so a second reader within the TTL sends nothing.
 * Its size is known only at its end: the file is R_DIRECT, size 0.
 * Locking: fs.c serialises the reads of paged files.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "doc.h"
#include "escape.h"
#include "once.h"
#include "patch.h"
#include "render.h"
#include "tree.h"
#include "window.h"

#define DEFAULT_ROLE "view"

/* ----- members ----- */

/* Fields a member file holds that an invite does not send: the server's
 * own, and the addresses, which the file's name gives (a file copied
 * from another member carries that member's: cp invites with its role). */
static const char *const member_server_fields[] = {
	"id", "email", "user_id", "user_email", "name", "timestamp_created",
	"workspace_id", "accepted", "issuer_id", NULL
};

/* What POST /workspace-members takes from the file (email: its name). */
static const char *const member_invite_fields[] = {
	"email", "nickname", "permissions", "role", NULL
};

/* The roles of the spec's enum: another is refused before it is sent. */
static const char *const member_roles[] = {
	"owner", "admin", "editor", "view", "client", NULL
};

static int is_one_of(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return 1;
	return 0;
}

/* Refuses (with the reason recorded) a role the spec does not know. */
static int check_role(struct rctx *c, const char *method, const char *data,
		      size_t len)
{
	cJSON *obj = cJSON_ParseWithLength(data, len);
	const cJSON *role = cJSON_GetObjectItemCaseSensitive(obj, "role");
	int bad = role && (!cJSON_IsString(role) ||
			   !is_one_of(member_roles, role->valuestring));

	cJSON_Delete(obj);
	return bad ? h_refuse(method, c,
			      "role must be one of owner, admin, editor, "
			      "view, client")
		   : 0;
}

int h_member_create(struct rctx *c)
{
	char *email = h_email_of_name(c->cap[0]);

	free(email);
	return email ? 0 : -ENOENT;
}

/* The invite's body from the file's text; -EINVAL with *why. */
static int invite_body(const char *data, size_t len, const char *email,
		       cJSON **body, char **why)
{
	cJSON *obj = NULL;
	int rc = patch_parse_new(data, len, member_server_fields, &obj, why);

	if (rc == 0)
		rc = h_new_fields(obj, member_invite_fields, "an invite", email,
				  why);
	if (rc < 0) {
		cJSON_Delete(obj);
		return rc;
	}
	if (!cJSON_GetObjectItemCaseSensitive(obj, "role"))
		cJSON_AddStringToObject(obj, "role", DEFAULT_ROLE);
	*body = obj;
	return 0;
}

/* Is this address a member already?  Asks the API. */
static int member_lookup(void *arg, cJSON **found)
{
	return once_find(coll_members.list_path, "email", arg, 1, found);
}

static int invite(struct rctx *c, const char *data, size_t len)
{
	char *email = h_email_of_name(c->cap[0]), *why = NULL;
	cJSON *body = NULL, *obj = NULL;
	int rc;

	if (!email)
		return -EINVAL;
	rc = check_role(c, "POST", data, len);
	if (rc == 0)
		rc = invite_body(data, len, email, &body, &why);
	if (rc < 0) {
		if (why)
			h_refuse("POST", c, why);
		free(why);
		free(email);
		return rc;
	}
	rc = coll_create(&coll_members, body, member_lookup, email, &obj);
	if (rc == 0)
		coll_learn(&coll_members, NULL, obj);
	cJSON_Delete(obj);
	cJSON_Delete(body);
	free(email);
	return rc;
}

int h_member_commit(struct rctx *c, const char *data, size_t len)
{
	struct item it;
	int rc = coll_lookup(&coll_members, NULL, c->cap[0], &it);

	if (rc == -ENOENT)
		return invite(c, data, len);
	if (rc < 0)
		return rc;
	item_free(&it);
	rc = check_role(c, "PATCH", data, len);
	return rc < 0 ? rc : h_coll_commit(c, data, len);
}

/* ----- placement test results ----- */

/* cache_fill_fn: every page of a list (a struct api_list_ctx), as one
 * JSON array. */
static int fill_all_pages(void *arg, struct blob *out)
{
	cJSON *all = cJSON_CreateArray(), *items, *it;
	struct pager p;
	int rc;

	if (!all)
		return -ENOMEM;
	pager_init(&p);
	while ((rc = pager_next(&p, api_list_fetch, arg, &items)) > 0) {
		while ((it = cJSON_DetachItemFromArray(items, 0)))
			cJSON_AddItemToArray(all, it);
		cJSON_Delete(items);
	}
	pager_free(&p);
	if (rc == 0) {
		out->data = render_json(all, &out->len);
		rc = out->data ? 0 : -ENOMEM;
	}
	cJSON_Delete(all);
	return rc;
}

int h_placement_read(struct rctx *c, struct blob *out)
{
	struct api_list_ctx list = { "GET", NULL, NULL, 0 };
	struct item test;
	char *esc, *path = NULL, *key = NULL;
	int rc = coll_lookup(&coll_placement_tests, NULL, c->cap[0], &test);

	if (rc < 0)
		return rc;
	esc = api_escape(test.id);
	if (esc && asprintf(&path, "%s?test_id=%s", (const char *)c->route->arg,
			    esc) < 0)
		path = NULL;
	if (path && asprintf(&key, "pages/%s", path) < 0)
		key = NULL;
	list.path = path;
	rc = key ? cache_blob(key, fill_all_pages, &list, out) : -ENOMEM;
	free(key);
	free(path);
	free(esc);
	item_free(&test);
	return rc;
}

/* ----- the audit log ----- */

struct audit_reader {
	struct pager pager;
	struct window w;
};

/* pager_fetch_fn: one page, as a cached document. */
static int audit_fetch(void *ctx, const char *cursor, cJSON **resp)
{
	char *esc = cursor ? api_escape(cursor) : NULL, *path;
	struct blob b = { 0 };
	int rc;

	(void)ctx;
	if (cursor && !esc)
		return -ENOMEM;
	rc = asprintf(&path, "/api/v2/audit-logs?limit=%d%s%s", API_PAGE_LIMIT,
		      esc ? "&starting_after=" : "", esc ? esc : "");
	free(esc);
	if (rc < 0)
		return -ENOMEM;
	rc = doc_get("GET", path, NULL, doc_render_json, &b);
	free(path);
	if (rc < 0)
		return rc;
	*resp = cJSON_ParseWithLength(b.data, b.len);
	blob_free(&b);
	return *resp ? 0 : -EIO;
}

/* window_more_fn: the next page's lines. */
static int audit_more(void *arg, struct window *w)
{
	struct audit_reader *r = arg;
	cJSON *items, *it;
	int rc = pager_next(&r->pager, audit_fetch, NULL, &items);

	if (rc <= 0) {
		w->done = 1;
		return rc;
	}
	rc = 0;
	cJSON_ArrayForEach(it, items) {
		char *line = cJSON_PrintUnformatted(it);

		rc = line ? window_append(w, line, strlen(line)) : -ENOMEM;
		if (rc == 0)
			rc = window_append(w, "\n", 1);
		free(line);
		if (rc < 0)
			break;
	}
	cJSON_Delete(items);
	return rc;
}

/* A read before what the window keeps: from the newest page again. */
static void audit_restart(void *arg)
{
	struct audit_reader *r = arg;

	pager_free(&r->pager);
	pager_init(&r->pager);
}

int h_audit_read_at(struct rctx *c, void **st, char *out, size_t size,
		    off_t off)
{
	struct audit_reader *r = *st;

	(void)c;
	if (!r) {
		r = calloc(1, sizeof(*r));
		if (!r)
			return -ENOMEM;
		pager_init(&r->pager);
		window_init(&r->w);
		*st = r;
	}
	return window_read(&r->w, audit_more, audit_restart, r, out, size,
			   off);
}

void h_audit_free(void *st)
{
	struct audit_reader *r = st;

	pager_free(&r->pager);
	window_free(&r->w);
	free(r);
}
