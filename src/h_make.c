/*
 * h_make.c - changing the tree: mkdir of campaigns, lead lists and tags;
 * touch of a block list entry; ln -s and rm of tag links; mv of a lead
 * file to another leads folder; mv of a by-name link (a rename).
 *
 * A folder made by mkdir resolves by the name it was made with at once,
 * even where the tree names it by id (campaigns/<name> -> its id).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "errlog.h"
#include "escape.h"
#include "log.h"
#include "once.h"
#include "tree.h"

/* -o timezone: one of the spec's values for campaign schedules. */
static const char *campaign_timezone = "America/Chicago";

void h_make_set_timezone(const char *tz)
{
	campaign_timezone = tz;
}

/* The default schedule of a new campaign: Mon-Fri 09:00-17:00. */
static cJSON *default_schedule(void)
{
	cJSON *sched = cJSON_CreateObject();
	cJSON *list = cJSON_AddArrayToObject(sched, "schedules");
	cJSON *one = cJSON_CreateObject();
	cJSON *timing = cJSON_AddObjectToObject(one, "timing");
	cJSON *days;
	char day[2] = "0";

	cJSON_AddStringToObject(one, "name", "Weekdays");
	cJSON_AddStringToObject(timing, "from", "09:00");
	cJSON_AddStringToObject(timing, "to", "17:00");
	days = cJSON_AddObjectToObject(one, "days");
	for (int d = 0; d < 7; d++) {
		day[0] = (char)('0' + d);
		cJSON_AddBoolToObject(days, day, d >= 1 && d <= 5);
	}
	cJSON_AddStringToObject(one, "timezone", campaign_timezone);
	cJSON_AddItemToArray(list, one);
	return sched;
}

/* Is there one called name already (by label, or by name)? */
static int exists(const struct coll *coll, const char *comp)
{
	struct listing *l = coll_listing(coll, NULL);
	int found = 0;

	if (!l)
		return 0;
	if (coll_fill(l, (size_t)-1) == 0) {
		cache_lock();
		found = listing_find(l, comp) ||
			(coll->label_field && listing_find_label(l, comp));
		cache_unlock();
	}
	listing_put(l);
	return found;
}

struct named {
	const struct coll *coll;
	const char *field, *name;
};

/* Is there one whose field is name?  Asks the API. */
static int named_lookup(void *arg, cJSON **found)
{
	const struct named *n = arg;

	/* Block list values are addresses and domains: no case. */
	return once_find(n->coll->list_path, n->field, n->name,
			 n->coll == &coll_blocklist, found);
}

/* POSTs a new object named `name` and learns the answer. */
static int make(const struct coll *coll, const char *field, const char *name,
		cJSON *body, int alias)
{
	struct named look = { coll, field, name };
	cJSON *obj = NULL;
	char *comp = name_component(name, NULL, NULL);
	int rc;

	/* mkdir of a name that is taken is EEXIST, not a second one. */
	rc = !comp ? -ENOMEM : exists(coll, comp) ? -EEXIST : 0;
	free(comp);
	if (rc < 0) {
		cJSON_Delete(body);
		return rc;
	}
	cJSON_AddStringToObject(body, field, name);
	rc = coll_create(coll, body, named_lookup, &look, &obj);
	cJSON_Delete(body);
	if (rc < 0)
		return rc;
	rc = coll_learn(coll, NULL, obj);
	if (rc == 0 && alias) {
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(obj, "id");

		if (cJSON_IsString(id))
			coll_alias(coll, name, id->valuestring);
	}
	cJSON_Delete(obj);
	return rc;
}

/* The unescaped name of a new child; NULL for names that are not one. */
static char *new_name(const char *comp)
{
	return comp[0] == '.' ? NULL : name_unescape(comp);
}

int h_campaign_mkdir(struct rctx *c, const char *comp)
{
	char *name = new_name(comp);
	cJSON *body = cJSON_CreateObject();
	int rc;

	(void)c;
	if (!name) {
		cJSON_Delete(body);
		return -EINVAL;
	}
	cJSON_AddItemToObject(body, "campaign_schedule", default_schedule());
	rc = make(&coll_campaigns, "name", name, body, 1);
	free(name);
	return rc;
}

int h_list_mkdir(struct rctx *c, const char *comp)
{
	char *name = new_name(comp);
	int rc;

	(void)c;
	if (!name)
		return -EINVAL;
	rc = make(&coll_lead_lists, "name", name, cJSON_CreateObject(), 1);
	free(name);
	return rc;
}

int h_make_named(const struct coll *coll, const char *field,
		 const char *comp, cJSON *body)
{
	char *name = new_name(comp);
	int rc;

	if (!name) {
		cJSON_Delete(body);
		return -EINVAL;
	}
	rc = make(coll, field, name, body, 0);
	free(name);
	return rc;
}

int h_tag_mkdir(struct rctx *c, const char *comp)
{
	(void)c;
	return h_make_named(&coll_tags, "label", comp, cJSON_CreateObject());
}

/* A block list entry is made by creating its file (touch, echo >). */
int h_block_create(struct rctx *c)
{
	return c->cap[0][0] == '.' ? -ENOENT : 0;
}

int h_block_commit(struct rctx *c, const char *data, size_t len)
{
	struct item it;
	char *value;
	int rc;

	(void)data;
	(void)len;
	if (coll_lookup(&coll_blocklist, NULL, c->cap[0], &it) == 0) {
		item_free(&it);
		return 0;	/* the entry is its name: nothing to change */
	}
	value = new_name(c->cap[0]);
	if (!value)
		return -EINVAL;
	rc = make(&coll_blocklist, "bl_value", value, cJSON_CreateObject(), 0);
	free(value);
	return rc;
}

/* The tag named by the first capture and the kind of resource linked. */
static int tag_and_kind(struct rctx *c, struct item *tag, int *campaigns)
{
	*campaigns = !strcmp(c->route->arg, "campaigns");
	return coll_lookup(&coll_tags, NULL, c->cap[0], tag);
}

/* POST path with body; *out is the answer (may be NULL). */
static int post_json(const char *path, const cJSON *body, cJSON **out)
{
	struct api_resp r = { 0 };
	int rc = api_call("POST", path, body, &r);

	*out = r.json;
	r.json = NULL;
	api_resp_free(&r);
	return rc;
}

/* POST /custom-tags/toggle-resource for one resource.  resource_type
 * follows the spec's enum (1 Account, 2 Campaign). */
static int toggle(const char *tag_id, int campaign, const char *resource_id,
		  int assign)
{
	cJSON *body = cJSON_CreateObject(), *answer = NULL;
	cJSON *tags = cJSON_AddArrayToObject(body, "tag_ids");
	cJSON *ids = cJSON_AddArrayToObject(body, "resource_ids");
	int rc;

	cJSON_AddItemToArray(tags, cJSON_CreateString(tag_id));
	cJSON_AddItemToArray(ids, cJSON_CreateString(resource_id));
	cJSON_AddNumberToObject(body, "resource_type", campaign ? 2 : 1);
	cJSON_AddBoolToObject(body, "assign", assign);
	rc = post_json("/api/v2/custom-tags/toggle-resource", body, &answer);
	cJSON_Delete(answer);
	cJSON_Delete(body);
	if (rc == 0)
		coll_forget(campaign ? &coll_tag_campaigns : &coll_tag_accounts,
			    tag_id);
	return rc;
}

int h_tag_symlink(struct rctx *c, const char *name, const char *target)
{
	const char *base = strrchr(target, '/');
	struct item tag, res;
	int campaigns, rc;

	base = base ? base + 1 : target;
	/* The link is shown under its target's name: no other name holds. */
	if (strcmp(name, base))
		return -EINVAL;
	rc = tag_and_kind(c, &tag, &campaigns);
	if (rc < 0)
		return rc;
	rc = coll_lookup(campaigns ? &coll_campaigns : &coll_accounts, NULL,
			 base, &res);
	if (rc == 0) {
		rc = toggle(tag.id, campaigns, res.id, 1);
		item_free(&res);
	} else if (rc == -ENOENT) {
		rc = -EINVAL;	/* the link must point at one */
	}
	item_free(&tag);
	return rc;
}

int h_tag_unlink(struct rctx *c)
{
	struct item tag, res;
	int campaigns, rc = tag_and_kind(c, &tag, &campaigns);

	if (rc < 0)
		return rc;
	rc = coll_lookup(campaigns ? &coll_campaigns : &coll_accounts, NULL,
			 c->cap[1], &res);
	if (rc == 0) {
		rc = toggle(tag.id, campaigns, res.id, 0);
		item_free(&res);
	}
	item_free(&tag);
	return rc;
}

struct moved {
	const char *lead, *field, *to;
};

static int moved_there(const void *arg, const cJSON *lead)
{
	const struct moved *m = arg;
	const cJSON *where = cJSON_GetObjectItemCaseSensitive(lead, m->field);

	return cJSON_IsString(where) && !strcmp(where->valuestring, m->to);
}

/* Is the lead where the move takes it?  Then no second move job. */
static int moved_lookup(void *arg, cJSON **found)
{
	const struct moved *m = arg;

	return coll_find_item(&coll_campaign_leads, m->lead, moved_there, m,
			      found);
}

/* mv of a lead file into another campaign's or list's leads folder. */
int h_lead_move(struct rctx *c, struct rctx *to)
{
	const struct coll_view *from_view = c->route->arg;
	const struct coll_view *to_view = to->route ? to->route->arg : NULL;
	struct moved look = { 0 };
	struct once o = { .path = "/api/v2/leads/move",
			  .lookup = moved_lookup, .arg = &look };
	char from_parent[512], to_parent[512];
	struct item it;
	cJSON *body, *ids, *job = NULL;
	int rc;

	if (!to->route || to->route->rename != h_lead_move || to->ncap < 2 ||
	    strcmp(c->cap[1], to->cap[1]))
		return -EINVAL;	/* a lead keeps its file name */
	if (!h_cap_id(c, 0, from_parent, sizeof(from_parent)) ||
	    !h_cap_id(to, 0, to_parent, sizeof(to_parent)))
		return -ENOENT;
	if (from_view->coll == to_view->coll && !strcmp(from_parent, to_parent))
		return 0;
	rc = coll_lookup(from_view->coll, from_parent, c->cap[1], &it);
	if (rc < 0)
		return rc;
	body = cJSON_CreateObject();
	ids = cJSON_AddArrayToObject(body, "ids");
	cJSON_AddItemToArray(ids, cJSON_CreateString(it.id));
	/* The ids are looked up in the folder they leave. */
	cJSON_AddStringToObject(body, from_view->coll->parent_field,
				from_parent);
	cJSON_AddStringToObject(body, to_view->coll == &coll_campaign_leads
					      ? "to_campaign_id"
					      : "to_list_id",
				to_parent);
	look.lead = it.id;
	look.field = to_view->coll == &coll_campaign_leads ? "campaign"
							     : "list_id";
	look.to = to_parent;
	o.body = body;
	rc = once_send(&o, &job);
	cJSON_Delete(body);
	if (rc == 0) {
		/* A background job: it shows in jobs/; both folders are
		 * listed again. */
		if (cJSON_IsObject(job) && !o.looked_up)
			coll_learn(&coll_jobs, NULL, job);
		coll_forget(&coll_jobs, NULL);
		coll_unlearn(from_view->coll, from_parent, it.id);
		coll_forget(to_view->coll, to_parent);
	}
	cJSON_Delete(job);
	item_free(&it);
	return rc;
}

/* mv campaigns/by-name/A campaigns/by-name/B: PATCH the name. */
int h_label_rename(struct rctx *c, struct rctx *to)
{
	const struct coll_view *v = c->route->arg;
	struct item it;
	cJSON *body, *obj = NULL;
	char *name;
	int rc;

	if (!to->route || to->route != c->route)
		return -EINVAL;
	rc = h_coll_lookup_label(c, &it);
	if (rc < 0)
		return rc;
	name = name_unescape(to->cap[v->name_cap]);
	if (!name) {
		item_free(&it);
		return -EINVAL;
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, v->coll->label_field, name);
	rc = coll_send(v->coll, "PATCH", it.name, body, &obj);
	if (rc == 0) {
		coll_learn(v->coll, NULL, obj);
		coll_forget(v->coll, NULL);
	}
	cJSON_Delete(obj);
	cJSON_Delete(body);
	free(name);
	item_free(&it);
	return rc;
}
