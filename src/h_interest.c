/*
 * h_interest.c - a lead's interest status: campaigns/<id>/leads/by-interest/
 * and the custom lead labels of labels/.
 *
 * by-interest/<label>/ holds a link "<lead file>" -> "../../<lead file>"
 * for each lead of the campaign whose lt_interest_status is that label's:
 * the spec's built-in statuses by name (interest.h), "Lead" for a lead
 * with none, a custom label (GET /lead-labels: interest_status -> label)
 * by its label, and any other status by its number.  The links are read
 * from the campaign's leads listing, whose entries keep the status (aux):
 * no request of their own; the custom labels cost their one listing,
 * which a built-in name does not need.
 *
 * mv or ln -s of a lead into another label's folder, and rm (back to
 * "Lead"), send one POST /leads/update-interest-status (a state set: sent
 * again after a lost answer, retry.h).  Its answer says only that a job
 * was submitted, so the cached lead is given the new status: the views
 * follow at once, with no request.
 *
 * labels/<label>/ is one custom label: label.json (editable), mkdir makes
 * one (interest_status_label "neutral"), mv renames it, rmdir deletes it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "escape.h"
#include "interest.h"
#include "tree.h"

#define UPDATE_PATH "/api/v2/leads/update-interest-status"
#define LINK_UP "../../"

/* Is entry e of the labels listing shown in by-interest/ (a built-in
 * name takes precedence over a custom label of the same name)? */
static int shown_label(const struct entry *e)
{
	const char *v;

	return e->name && e->aux && !interest_builtin(e->name, &v);
}

/* Does a by-interest/ folder name this status (a built-in or a shown
 * custom label)?  Locked. */
static int named_status(struct listing *labels, const char *value)
{
	if (interest_name(value))
		return 1;
	for (size_t i = 0; i < labels->n; i++) {
		struct entry e;

		listing_at(labels, i, &e);
		if (shown_label(&e) && interest_same(e.aux, value))
			return 1;
	}
	return 0;
}

/* Does a lead of the campaign have this status?  Locked. */
static int carried(struct listing *leads, const char *value)
{
	for (size_t i = 0; i < leads->n; i++) {
		struct entry e;

		listing_at(leads, i, &e);
		if (e.name && interest_same(e.aux, value))
			return 1;
	}
	return 0;
}

/*
 * The status the folder called comp stands for: *value is malloc'd, NULL
 * for "Lead".  A number is a folder when a lead of the campaign has that
 * status and no name is given to it.  0, -ENOENT or -errno.
 */
static int folder_value(const char *campaign, const char *comp, char **value)
{
	struct listing *labels, *leads = NULL;
	const char *builtin;
	size_t i;
	int rc;

	*value = NULL;
	if (interest_builtin(comp, &builtin)) {
		*value = builtin ? strdup(builtin) : NULL;
		return builtin && !*value ? -ENOMEM : 0;
	}
	labels = coll_whole(&coll_lead_labels, NULL, &rc);
	if (!labels)
		return rc;
	if (interest_is_number(comp) &&
	    !(leads = coll_whole(&coll_campaign_leads, campaign, &rc))) {
		listing_put(labels);
		return rc;
	}
	cache_lock();
	i = listing_find(labels, comp);
	rc = -ENOENT;
	if (i) {
		struct entry e;

		listing_at(labels, i - 1, &e);
		if (e.aux) {
			*value = strdup(e.aux);
			rc = *value ? 0 : -ENOMEM;
		}
	} else if (leads && !named_status(labels, comp) &&
		   carried(leads, comp)) {
		*value = strdup(comp);
		rc = *value ? 0 : -ENOMEM;
	}
	cache_unlock();
	if (leads)
		listing_put(leads);
	listing_put(labels);
	return rc;
}

/* A lead's status without a name of its own, as its number folder. */
static const char *unnamed(const struct entry *e, const void *labels,
			   char *buf, size_t len)
{
	if (named_status((struct listing *)labels, e->aux))
		return NULL;
	snprintf(buf, len, "%s", e->aux);
	return buf;
}

int h_interest_list(struct rctx *c, struct dirfill *d)
{
	char campaign[512];
	struct listing *labels;
	int rc = 0;

	if (!h_cap_id(c, 0, campaign, sizeof(campaign)))
		return -ENOENT;
	for (size_t i = 0; rc == 0 && interest_nth(i); i++)
		rc = dirfill_add(d, interest_nth(i));
	if (rc < 0 || !(labels = coll_whole(&coll_lead_labels, NULL, &rc)))
		return rc;
	cache_lock();
	for (size_t i = 0; rc == 0 && i < labels->n; i++) {
		struct entry e;

		listing_at(labels, i, &e);
		if (shown_label(&e))
			rc = dirfill_add(d, e.name);
	}
	cache_unlock();
	if (rc == 0)
		rc = h_view_pick(&coll_campaign_leads, campaign, unnamed, labels,
				 d);
	listing_put(labels);
	return rc;
}

int h_interest_stat(struct rctx *c, struct node *n)
{
	char campaign[512];
	char *value;
	int rc;

	(void)n;
	if (!h_cap_id(c, 0, campaign, sizeof(campaign)))
		return -ENOENT;
	rc = folder_value(campaign, c->cap[1], &value);
	free(value);
	return rc;
}

struct with_value {
	const char *value;
};

static const char *with_value(const struct entry *e, const void *arg,
			      char *buf, size_t len)
{
	const struct with_value *w = arg;

	(void)buf;
	(void)len;
	return interest_same(e->aux, w->value) ? e->name : NULL;
}

int h_interest_members(struct rctx *c, struct dirfill *d)
{
	char campaign[512];
	struct with_value w;
	char *value;
	int rc;

	if (!h_cap_id(c, 0, campaign, sizeof(campaign)))
		return -ENOENT;
	rc = folder_value(campaign, c->cap[1], &value);
	if (rc < 0)
		return rc;
	w.value = value;
	rc = h_view_pick(&coll_campaign_leads, campaign, with_value, &w, d);
	free(value);
	return rc;
}

/* A lead seen from a folder of by-interest/. */
struct link_at {
	char campaign[512];
	struct item lead;
	char *value;	/* the folder's status; NULL: "Lead" */
};

/* The lead called name in the campaign of c, and the status of the
 * folder of c (capture 1).  0, -ENOENT or -errno; on 0, link_done(). */
static int link_at(struct rctx *c, const char *name, struct link_at *a)
{
	int rc;

	if (!h_cap_id(c, 0, a->campaign, sizeof(a->campaign)))
		return -ENOENT;
	rc = folder_value(a->campaign, c->cap[1], &a->value);
	if (rc < 0)
		return rc;
	rc = coll_lookup(&coll_campaign_leads, a->campaign, name, &a->lead);
	if (rc < 0)
		free(a->value);
	return rc;
}

static void link_done(struct link_at *a)
{
	item_free(&a->lead);
	free(a->value);
}

int h_interest_member_stat(struct rctx *c, struct node *n)
{
	struct link_at a;
	int rc = link_at(c, c->cap[2], &a);

	if (rc < 0)
		return rc;
	if (!interest_same(a.lead.aux, a.value))
		rc = -ENOENT;
	n->size = strlen(LINK_UP) + strlen(c->cap[2]);
	if (a.lead.mtime)
		n->mtime = a.lead.mtime;
	link_done(&a);
	return rc;
}

int h_interest_link(struct rctx *c, struct blob *out)
{
	int len = asprintf(&out->data, LINK_UP "%s", c->cap[2]);

	if (len < 0) {
		out->data = NULL;
		return -ENOMEM;
	}
	out->len = (size_t)len;
	return 0;
}

/* Does another lead of the folder share the address?  Then the lead's
 * file is not called "<email>.json" but "<email>.<id>.json". */
static int shares_email(const char *name, const char *email)
{
	char *plain = name_component(email, NULL, ".json");
	int shared = !plain || strcmp(plain, name);

	free(plain);
	return shared;
}

/*
 * POST /leads/update-interest-status for the lead (its id and file name)
 * of the campaign: value is its new status, NULL to reset it to "Lead".
 * Then the cached lead carries it, and the views with it.  The request
 * names the lead by its address, so every lead of the campaign with that
 * address takes the status: when others share it, the folder is listed
 * again.
 */
static int set_interest(struct rctx *c, const char *campaign,
			const struct item *it, const char *value)
{
	struct api_resp r = { 0 };
	cJSON *lead = NULL, *body, *email, *status;
	int rc = coll_object_json(&coll_campaign_leads, it->id, &lead);

	if (rc < 0)
		return rc;
	email = cJSON_GetObjectItemCaseSensitive(lead, "email");
	if (!cJSON_IsString(email) || !*email->valuestring) {
		cJSON_Delete(lead);
		return h_refuse("POST", c,
				"the lead has no email, which the API needs "
				"to set its interest status");
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "lead_email", email->valuestring);
	cJSON_AddItemToObject(body, "interest_value",
			      value ? cJSON_CreateNumber(strtod(value, NULL))
				    : cJSON_CreateNull());
	cJSON_AddStringToObject(body, "campaign_id", campaign);
	rc = api_call("POST", UPDATE_PATH, body, &r);
	api_resp_free(&r);
	cJSON_Delete(body);
	if (rc == 0) {
		status = value ? cJSON_CreateNumber(strtod(value, NULL)) : NULL;
		if (!status)
			cJSON_DeleteItemFromObjectCaseSensitive(
			    lead, "lt_interest_status");
		else if (cJSON_HasObjectItem(lead, "lt_interest_status"))
			cJSON_ReplaceItemInObjectCaseSensitive(
			    lead, "lt_interest_status", status);
		else
			cJSON_AddItemToObject(lead, "lt_interest_status",
					      status);
		coll_learn(&coll_campaign_leads, campaign, lead);
		if (shares_email(it->name, email->valuestring))
			coll_forget(&coll_campaign_leads, campaign);
	}
	cJSON_Delete(lead);
	return rc;
}

/* Gives the lead called name the status of the folder of c (capture 1),
 * unless it has it already. */
static int move_into(struct rctx *c, const char *name)
{
	struct link_at a;
	int rc = link_at(c, name, &a);

	if (rc < 0)
		return rc;
	if (!interest_same(a.lead.aux, a.value))
		rc = set_interest(c, a.campaign, &a.lead, a.value);
	link_done(&a);
	return rc;
}

/* ln -s ../../<lead file> by-interest/<label>/<lead file> */
int h_interest_symlink(struct rctx *c, const char *name, const char *target)
{
	const char *base = strrchr(target, '/');
	char why[600];
	int rc;

	base = base ? base + 1 : target;
	if (strcmp(name, base)) {
		snprintf(why, sizeof(why),
			 "a link here is named as the lead file it points "
			 "at (%s)", base);
		return h_refuse("POST", c, why);
	}
	rc = move_into(c, name);
	if (rc == -ENOENT) {
		snprintf(why, sizeof(why),
			 "%s is not a lead of this campaign", name);
		return h_refuse("POST", c, why);
	}
	return rc;
}

/* mv by-interest/A/<lead file> by-interest/B/<lead file> */
int h_interest_rename(struct rctx *c, struct rctx *to)
{
	if (!to->route || to->route != c->route || to->ncap < 3 ||
	    strcmp(c->cap[0], to->cap[0]) || strcmp(c->cap[2], to->cap[2]))
		return -EINVAL;	/* a lead keeps its campaign and its name */
	return move_into(to, to->cap[2]);
}

/* rm by-interest/A/<lead file>: back to "Lead" (interest_value null). */
int h_interest_unlink(struct rctx *c)
{
	struct link_at a;
	int rc = link_at(c, c->cap[2], &a);

	if (rc < 0)
		return rc;
	if (!a.value)
		rc = -EPERM;	/* a lead of "Lead" has no status to drop */
	else if (interest_same(a.lead.aux, a.value))
		rc = set_interest(c, a.campaign, &a.lead, NULL);
	else
		rc = -ENOENT;
	link_done(&a);
	return rc;
}

/* mkdir labels/<label>: the spec requires interest_status_label too. */
int h_lead_label_mkdir(struct rctx *c, const char *name)
{
	cJSON *body = cJSON_CreateObject();

	(void)c;
	cJSON_AddStringToObject(body, "interest_status_label", "neutral");
	return h_make_named(&coll_lead_labels, "label", name, body);
}

/* mv labels/A labels/B: PATCH the label. */
int h_lead_label_rename(struct rctx *c, struct rctx *to)
{
	struct item it;
	cJSON *body, *obj = NULL;
	char *name;
	int rc;

	if (!to->route || to->route != c->route)
		return -EPERM;	/* a label folder stays in labels/ */
	if (to->cap[0][0] == '.')
		return -EINVAL;
	if (coll_lookup(&coll_lead_labels, NULL, to->cap[0], &it) == 0) {
		item_free(&it);
		return -EEXIST;
	}
	rc = coll_lookup(&coll_lead_labels, NULL, c->cap[0], &it);
	if (rc < 0)
		return rc;
	name = name_unescape(to->cap[0]);
	body = cJSON_CreateObject();
	if (name)
		cJSON_AddStringToObject(body, "label", name);
	rc = name ? coll_send(&coll_lead_labels, "PATCH", it.id, body, &obj)
		  : -ENOMEM;
	if (rc == 0)
		coll_learn(&coll_lead_labels, NULL, obj);
	cJSON_Delete(obj);
	cJSON_Delete(body);
	free(name);
	item_free(&it);
	return rc;
}
