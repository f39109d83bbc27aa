/*
 * h_subseq.c - a campaign's subsequences: campaigns/<id>/subsequences/
 * <name>/ with subsequence.json, status (its state), sending-status.json
 * (its diagnosis) and duplicate (a name written makes a copy).
 *
 * A subsequence is found by its folder's name among its campaign's
 * subsequences (the listing, so reading after listing costs nothing).
 *
 * mkdir with the mode mkdir(1) asks for (0777 before the umask) sends
 * POST /subsequences at once, never twice: with the campaign, the name and
 * the one field the API requires besides them, `conditions`, set to
 * {"lead_activity": [91]} (leads for whom the campaign completed without
 * a reply); the schedule is the campaign's (the API's default) and there
 * are no steps yet.
 *
 * A folder made with another mode is a copy on its way (cp -r, cp -a,
 * rsync and tar make a folder with its source's mode, then its files):
 * it stays local (h_local.c), its files scratch files, until its
 * subsequence.json is written.  That text, when it is another subsequence as it is but for
 * its name, makes the folder that subsequence's duplicate (POST
 * /subsequences/{id}/duplicate, named after the folder); else it is the
 * new subsequence's settings (POST /subsequences).  Either way the scratch
 * files go, and the folder shows the server's subsequence.  cp -r copies
 * a folder's files in the order it lists them, and subsequence.json is
 * listed last, so the copy is one request (cp says that sequence/ exists:
 * a local folder holds files only, and the duplicate has its email copy).
 * Until then the folder lives in memory and is gone at unmount.
 * Locking: `lock` guards `local`.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "doc.h"
#include "escape.h"
#include "fields.h"
#include "once.h"
#include "patch.h"
#include "scratch.h"
#include "tree.h"

/* The campaign (capture 0) and its subsequence named by capture 1. */
static int subseq_item(struct rctx *c, char *cid, size_t len,
		       struct item *it)
{
	if (c->ncap < 2 || !h_cap_id(c, 0, cid, len))
		return -ENOENT;
	return coll_lookup(&coll_subsequences, cid, c->cap[1], it);
}

/* POST path ("%s" is the escaped id) with body, never twice: after a
 * lost answer look() says whether it was done.  *out is the answer. */
static int post_once(const char *fmt, const char *id, const cJSON *body,
		     int (*look)(void *arg, cJSON **found), void *arg,
		     cJSON **out)
{
	char *esc = api_escape(id);
	char *path = esc ? coll_format(fmt, esc) : NULL;
	struct once o = { .path = path, .body = body, .lookup = look,
			  .arg = arg };
	int rc = path ? once_send(&o, out) : -ENOMEM;

	free(path);
	free(esc);
	return rc;
}

/* The server's answer is the subsequence: the listing learns it (else
 * forgets the campaign's subsequences, to be listed again). */
static void learn(const char *cid, cJSON *obj)
{
	if (!cJSON_IsObject(obj) ||
	    coll_learn(&coll_subsequences, cid, obj) < 0)
		coll_forget_objects(&coll_subsequences, cid);
	cJSON_Delete(obj);
}

/* Is there a subsequence called name in campaign cid?  Asks the API. */
struct named {
	const char *cid, *name;
};

static int named_lookup(void *arg, cJSON **found)
{
	const struct named *n = arg;
	char *esc = api_escape(n->cid), *path = NULL;
	int rc = -ENOMEM;

	if (esc && asprintf(&path, "%s?parent_campaign=%s",
			    coll_subsequences.list_path, esc) >= 0)
		rc = once_find(path, "name", n->name, 0, found);
	free(path);
	free(esc);
	return rc;
}

/* The name a new subsequence is given (written or made by mkdir) must be
 * free in its campaign: else EEXIST, nothing sent. */
static int name_taken(const char *cid, const char *name)
{
	char *comp = name_component(name, NULL, NULL);
	struct item it;
	int rc = comp ? coll_lookup(&coll_subsequences, cid, comp, &it)
		      : -ENOMEM;

	free(comp);
	if (rc == 0) {
		item_free(&it);
		return -EEXIST;
	}
	return rc == -ENOENT ? 0 : rc;
}

/* The default a new subsequence is made with: the one field the API
 * requires besides its campaign and name. */
static void add_conditions(cJSON *body)
{
	cJSON *cond = cJSON_AddObjectToObject(body, "conditions");

	cJSON_AddItemToArray(cJSON_AddArrayToObject(cond, "lead_activity"),
			     cJSON_CreateNumber(91));
}

/* POST /subsequences of body (campaign and name added), never twice. */
static int create(const char *cid, const char *name, cJSON *body,
		  cJSON **obj)
{
	struct named look = { cid, name };

	cJSON_AddStringToObject(body, "parent_campaign", cid);
	cJSON_AddStringToObject(body, "name", name);
	if (!cJSON_GetObjectItemCaseSensitive(body, "conditions"))
		add_conditions(body);
	return coll_create(&coll_subsequences, body, named_lookup, &look, obj);
}

int h_subseq_mkdir(struct rctx *c, const char *comp)
{
	char cid[512];
	char *name = comp[0] == '.' ? NULL : name_unescape(comp);
	cJSON *body, *obj = NULL;
	int rc;

	if (!name)
		return -EINVAL;
	rc = h_cap_id(c, 0, cid, sizeof(cid)) ? name_taken(cid, name)
					      : -ENOENT;
	if (rc == 0 && c->mkdir_mode && (c->mkdir_mode & 07777) != 0777) {
		free(name);
		return h_local_mkdir(c, comp);	/* a copy on its way */
	}
	if (rc < 0) {
		free(name);
		return rc;
	}
	body = cJSON_CreateObject();
	rc = create(cid, name, body, &obj);
	if (rc == 0)
		learn(cid, obj);
	cJSON_Delete(body);
	free(name);
	return rc;
}

/* subsequences/: the listing, and the local folders of the campaign. */
int h_subseq_list(struct rctx *c, struct dirfill *d)
{
	int rc = h_coll_list(c, d);

	if (rc == 0)
		h_local_names(c, d);
	return rc;
}

/* A generated file of a folder: there when the subsequence is. */
int h_subseq_file_stat(struct rctx *c, struct node *n)
{
	char cid[512];
	struct item it;
	int rc = subseq_item(c, cid, sizeof(cid), &it);

	(void)n;
	if (rc == 0)
		item_free(&it);
	return rc;
}

/* The folder's path, for its scratch files. */
static void folder_path(struct rctx *c, char *buf, size_t len)
{
	snprintf(buf, len, "/%s/%s/%s/%s", c->seg[0], c->seg[1], c->seg[2],
		 c->seg[3]);
}

/* mv of a subsequence's folder to another name in its campaign: PATCH
 * of its name (a folder on its way is renamed here).  Not to another
 * campaign: EPERM, not EXDEV, so that mv does not copy it there and then
 * fail to remove it (cp -r, then rmdir, moves one). */
int h_subseq_rename(struct rctx *c, struct rctx *to)
{
	char cid[512], to_cid[512];
	char *name;
	struct item it;
	cJSON *body, *obj = NULL;
	int rc;

	if (!to->route || to->route != c->route || to->ncap < 2 ||
	    !h_cap_id(to, 0, to_cid, sizeof(to_cid)))
		return -EPERM;
	if (h_local_is(c))
		return -EPERM;	/* a copy on its way */
	rc = subseq_item(c, cid, sizeof(cid), &it);
	if (rc < 0)
		return rc;
	name = strcmp(cid, to_cid) ? NULL : name_unescape(to->cap[1]);
	rc = !name ? -EPERM : name_taken(cid, name);
	if (rc == 0) {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "name", name);
		rc = coll_send(&coll_subsequences, "PATCH", it.id, body, &obj);
		if (rc == 0)
			learn(cid, obj);
		cJSON_Delete(body);
	}
	free(name);
	item_free(&it);
	return rc;
}

/* Is text the subsequence src but for its name (and campaign)? */
static int same_but_name(const cJSON *text, const cJSON *src)
{
	cJSON *a = cJSON_Duplicate(text, 1), *b = cJSON_Duplicate(src, 1);
	int same;

	cJSON_DeleteItemFromObjectCaseSensitive(a, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "name");
	cJSON_DeleteItemFromObjectCaseSensitive(a, "parent_campaign");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "parent_campaign");
	same = a && b && cJSON_Compare(a, b, 1);
	cJSON_Delete(a);
	cJSON_Delete(b);
	return same;
}

/* The duplicate of subsequence sid, which text must be but for its name. */
static int duplicate_of(const char *cid, const char *name, const cJSON *text,
			const char *sid, cJSON **obj, char **why)
{
	struct named look = { cid, name };
	cJSON *src = NULL, *body;
	int rc = coll_object_json(&coll_subsequences, sid, &src);

	if (rc == -ENOENT || rc == -EINVAL) {
		rc = asprintf(why, "its id %.100s names no subsequence", sid);
		return rc < 0 ? -ENOMEM : -EINVAL;
	}
	if (rc == 0 && !same_but_name(text, src)) {
		rc = asprintf(why, "it is subsequence %.100s changed beyond its "
				   "name: leave out its id to make a new one",
			      sid);
		rc = rc < 0 ? -ENOMEM : -EINVAL;
	} else if (rc == 0) {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "parent_campaign", cid);
		cJSON_AddStringToObject(body, "name", name);
		rc = post_once("/api/v2/subsequences/%s/duplicate", sid, body,
			       named_lookup, &look, obj);
		cJSON_Delete(body);
	}
	cJSON_Delete(src);
	return rc;
}

/* What a subsequence shows but no create takes: left out of one. */
static const char *const server_fields[] = {
	"timestamp_created", "workspace", "status", "timestamp_leads_updated",
	"parent_campaign", NULL
};

static int listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return 1;
	return 0;
}

/* A new subsequence with the text's settings. */
static int create_from(const char *cid, const char *name, cJSON *text,
		       cJSON **obj, char **why)
{
	const cJSON *field;
	int rc;

	cJSON_ArrayForEach(field, text) {
		if (listed(fields_subsequence_writable, field->string))
			continue;
		rc = asprintf(why, "%s is not a field a new subsequence takes",
			      field->string);
		return rc < 0 ? -ENOMEM : -EINVAL;
	}
	field = cJSON_GetObjectItemCaseSensitive(text, "name");
	if (field && (!cJSON_IsString(field) ||
		      strcmp(field->valuestring, name))) {
		rc = asprintf(why, "the folder is named for %s, not for the "
				   "text's name", name);
		return rc < 0 ? -ENOMEM : -EINVAL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(text, "name");
	return create(cid, name, text, obj);
}

static void add_name(void *d, const char *name)
{
	dirfill_add(d, name);
}

/* Removes the folder's scratch files (listed first: scratch_list holds
 * the scratch lock while it calls). */
static void drop_scratch(const char *dir)
{
	struct dirfill names = { 0 };
	char *path;

	scratch_list(dir, add_name, &names);
	for (size_t i = 0; i < names.n; i++) {
		if (asprintf(&path, "%s/%s", dir, names.names[i]) < 0)
			continue;
		scratch_unlink(path);
		free(path);
	}
	dirfill_free(&names);
}

/* The text written to a local folder's subsequence.json makes it. */
static int make_from_text(struct rctx *c, const char *data, size_t len)
{
	char cid[512], dir[4096], *why = NULL;
	char *name = name_unescape(c->cap[1]);
	cJSON *text = NULL, *obj = NULL;
	const cJSON *id;
	int rc = name && h_cap_id(c, 0, cid, sizeof(cid)) ? 0 : -ENOENT;

	if (rc == 0)
		rc = patch_parse_new(data, len, NULL, &text, &why);
	if (rc == 0) {
		id = cJSON_GetObjectItemCaseSensitive(text, "id");
		if (cJSON_IsString(id)) {
			rc = duplicate_of(cid, name, text, id->valuestring,
					  &obj, &why);
		} else {
			for (const char *const *f = server_fields; *f; f++)
				cJSON_DeleteItemFromObjectCaseSensitive(text, *f);
			rc = create_from(cid, name, text, &obj, &why);
		}
	}
	if (rc == -EINVAL)
		h_refuse("POST", c, why ? why : "refused");
	if (rc == 0) {
		/* The copy's own files replace what was copied into it. */
		h_local_forget(c);
		folder_path(c, dir, sizeof(dir));
		drop_scratch(dir);
		learn(cid, obj);
	} else {
		cJSON_Delete(obj);
	}
	cJSON_Delete(text);
	free(why);
	free(name);
	return rc;
}

/* subsequence.json: an edit of the subsequence, or a local folder's
 * making. */
int h_subseq_json_commit(struct rctx *c, const char *data, size_t len)
{
	if (h_local_is(c))
		return make_from_text(c, data, len);
	return h_coll_commit(c, data, len);
}

/* coll_derive_fn: the status as a word, as a campaign's status is
 * shown (unknown values as numbers). */
static int derive_status(const cJSON *obj, const void *arg, struct blob *out)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, "status");
	const char *word = cJSON_IsNumber(v)
				   ? h_campaign_status_label((long)v->valuedouble)
				   : "unknown";
	int len = word ? asprintf(&out->data, "%s\n", word)
		       : asprintf(&out->data, "%ld\n", (long)v->valuedouble);

	(void)arg;
	if (len < 0)
		return -ENOMEM;
	out->len = (size_t)len;
	out->mtime = coll_mtime(obj);
	return 0;
}

int h_subseq_status_read(struct rctx *c, struct blob *out)
{
	char cid[512];
	struct item it;
	int rc = subseq_item(c, cid, sizeof(cid), &it);

	if (rc < 0)
		return rc;
	rc = coll_derived(&coll_subsequences, it.id, "status", derive_status,
			  NULL, out);
	item_free(&it);
	return rc;
}

/* The action a status word asks for, or NULL. */
static const char *status_action(const char *word, size_t len)
{
	while (len && isspace((unsigned char)*word)) {
		word++;
		len--;
	}
	while (len && isspace((unsigned char)word[len - 1]))
		len--;
	if (len == 6 && !strncasecmp(word, "active", 6))
		return "/api/v2/subsequences/%s/resume";
	if (len == 6 && !strncasecmp(word, "paused", 6))
		return "/api/v2/subsequences/%s/pause";
	return NULL;
}

static int refuse_word(struct rctx *c)
{
	return h_refuse("POST", c,
			"a subsequence's status takes \"active\" or \"paused\"");
}

/* Up to its last line break the text can only be a word it takes. */
int h_subseq_status_check(struct rctx *c, const char *data, size_t len)
{
	const char *nl = memrchr(data, '\n', len);
	size_t n = nl ? (size_t)(nl - data) : 0;
	size_t blank = 0;

	while (blank < n && isspace((unsigned char)data[blank]))
		blank++;
	if (!nl || blank == n || status_action(data, n))
		return 0;
	return refuse_word(c);
}

/* Pausing and resuming twice does no harm: after a lost answer, send
 * again. */
static int send_again(void *arg, cJSON **found)
{
	(void)arg;
	*found = NULL;
	return 0;
}

int h_subseq_status_commit(struct rctx *c, const char *data, size_t len)
{
	const char *action = status_action(data, len);
	char cid[512];
	struct blob now = { 0 };
	struct item it;
	cJSON *obj = NULL;
	int rc;

	if (!action)
		return refuse_word(c);
	rc = subseq_item(c, cid, sizeof(cid), &it);
	if (rc < 0)
		return rc;
	/* Already in that state: nothing to send. */
	rc = h_subseq_status_read(c, &now);
	if (rc == 0 && status_action(now.data, now.len) == action) {
		blob_free(&now);
		item_free(&it);
		return 0;
	}
	blob_free(&now);
	rc = post_once(action, it.id, NULL, send_again, NULL, &obj);
	if (rc == 0)
		learn(cid, obj);
	else
		cJSON_Delete(obj);
	item_free(&it);
	return rc;
}

int h_subseq_sending_read(struct rctx *c, struct blob *out)
{
	char cid[512];
	struct item it;
	char *esc, *path;
	int rc = subseq_item(c, cid, sizeof(cid), &it);

	if (rc < 0)
		return rc;
	esc = api_escape(it.id);
	path = esc ? coll_format("/api/v2/subsequences/%s/sending-status", esc)
		   : NULL;
	rc = path ? doc_get("GET", path, NULL, doc_render_json, out) : -ENOMEM;
	free(path);
	free(esc);
	item_free(&it);
	return rc;
}

/* duplicate: the name written (one line) becomes a copy of the
 * subsequence in the same campaign, POST /subsequences/{id}/duplicate. */
int h_subseq_duplicate_commit(struct rctx *c, const char *data, size_t len)
{
	char cid[512];
	struct named look = { cid, NULL };
	struct item it;
	cJSON *body, *obj = NULL;
	char *name;
	int rc;

	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	while (len && isspace((unsigned char)*data)) {
		data++;
		len--;
	}
	if (!len || memchr(data, '\n', len) || memchr(data, '\0', len))
		return h_refuse("POST", c, "duplicate takes the new "
					   "subsequence's name, one line");
	rc = subseq_item(c, cid, sizeof(cid), &it);
	if (rc < 0)
		return rc;
	name = strndup(data, len);
	rc = name ? name_taken(cid, name) : -ENOMEM;
	if (rc == 0) {
		body = cJSON_CreateObject();
		cJSON_AddStringToObject(body, "parent_campaign", cid);
		cJSON_AddStringToObject(body, "name", name);
		look.name = name;
		rc = post_once("/api/v2/subsequences/%s/duplicate", it.id, body,
			       named_lookup, &look, &obj);
		if (rc == 0)
			learn(cid, obj);
		else
			cJSON_Delete(obj);
		cJSON_Delete(body);
	}
	free(name);
	item_free(&it);
	return rc;
}
