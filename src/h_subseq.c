/*
 * h_subseq.c - a campaign's subsequences: campaigns/<id>/subsequences/
 * <name>/ (the folder, subsequence.json and rmdir are the generic
 * collection rows): mkdir makes one, status reads and writes its state,
 * sending-status.json is its diagnosis, and duplicate copies it.
 *
 * A subsequence is found by its folder's name among its campaign's
 * subsequences (the listing, so reading after listing costs nothing).
 * mkdir sends POST /subsequences at once, never twice: with the name, the
 * campaign and the one field the API requires besides them, `conditions`,
 * set to {"lead_activity": [91]} (leads for whom the campaign completed
 * without a reply); the schedule is the campaign's (the API's default)
 * and there are no steps yet.
 *
 * cp -r of a subsequence folder cannot duplicate it: cp makes the new
 * folder first (a new subsequence, at once) and then creates each file
 * with O_EXCL, which the kernel refuses for the files the new folder
 * already has.  Writing a name to <name>/duplicate is the copy instead.
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
#include "once.h"
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

int h_subseq_mkdir(struct rctx *c, const char *comp)
{
	char cid[512];
	char *name = comp[0] == '.' ? NULL : name_unescape(comp);
	struct named look = { cid, name };
	cJSON *body, *cond, *obj = NULL;
	int rc;

	if (!name)
		return -EINVAL;
	rc = h_cap_id(c, 0, cid, sizeof(cid)) ? name_taken(cid, name)
					      : -ENOENT;
	if (rc < 0) {
		free(name);
		return rc;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "parent_campaign", cid);
	cJSON_AddStringToObject(body, "name", name);
	cond = cJSON_AddObjectToObject(body, "conditions");
	cJSON_AddItemToArray(cJSON_AddArrayToObject(cond, "lead_activity"),
			     cJSON_CreateNumber(91));
	rc = coll_create(&coll_subsequences, body, named_lookup, &look, &obj);
	if (rc == 0)
		learn(cid, obj);
	cJSON_Delete(body);
	free(name);
	return rc;
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
