/*
 * coll.c - the collection engine: the table of collections and the code
 * that lists, names and finds their objects.
 *
 * Owns: how an API object becomes an entry (name, label, blob).  Must
 * not: know about FUSE or paths beyond one component.  Locking: entries
 * are read under the cache lock; pages are loaded by one thread at a
 * time (cache.c's listing_more).
 */
#include <ctype.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "coll.h"
#include "fields.h"
#include "escape.h"
#include "hmap.h"
#include "once.h"
#include "relist.h"
#include "render.h"
#include "stop.h"

/* Where a collection lives.  Unset list_method means GET, unset
 * key_field "id". */
#define OBJ(k, lpath, ipath) .kind = k, .list_path = lpath, .item_path = ipath

const struct coll coll_campaigns = {
	OBJ("campaign", "/api/v2/campaigns", "/api/v2/campaigns/%s"),
	.name_field = "id", .label_field = "name", .name_fallback = "campaign",
	.aux_field = "status", .writable = fields_campaign_writable,
	.create_path = "/api/v2/campaigns",
};
const struct coll coll_campaign_leads = {
	OBJ("lead", "/api/v2/leads/list", "/api/v2/leads/%s"),
	.list_method = "POST", .parent_field = "campaign",
	.name_field = "email", .name_fallback = "lead", .suffix = ".json",
	.aux_field = "lt_interest_status", .relist = 1,
	.writable = fields_lead_writable, .payload_field = "payload",
	.create_path = "/api/v2/leads",
};
const struct coll coll_list_leads = {
	OBJ("lead", "/api/v2/leads/list", "/api/v2/leads/%s"),
	.list_method = "POST", .parent_field = "list_id",
	.name_field = "email", .name_fallback = "lead", .suffix = ".json",
	.relist = 1,
	.writable = fields_lead_writable, .payload_field = "payload",
	.create_path = "/api/v2/leads",
};
const struct coll coll_lead_lists = {
	OBJ("lead_list", "/api/v2/lead-lists", "/api/v2/lead-lists/%s"),
	.name_field = "id", .label_field = "name", .name_fallback = "list",
	.writable = fields_lead_list_writable, .create_path = "/api/v2/lead-lists",
};
const struct coll coll_accounts = {
	OBJ("account", "/api/v2/accounts", "/api/v2/accounts/%s"),
	.key_field = "email", .name_field = "email", .name_fallback = "account",
	.writable = fields_account_writable, .create_path = "/api/v2/accounts",
};
const struct coll coll_emails = {
	OBJ("email", "/api/v2/emails", "/api/v2/emails/%s"),
	.name_field = "id", .aux_field = "thread_id", .stream = 1,
	.mark_field = "is_unread", .incremental = 1,
	.writable = fields_email_writable,
};
/* Listed whole (not streamed), so only unread messages resolve here. */
const struct coll coll_unread = {
	OBJ("email", "/api/v2/emails?is_unread=true", "/api/v2/emails/%s"),
	.name_field = "id", .aux_field = "thread_id",
};
const struct coll coll_thread = {
	OBJ("email", "/api/v2/emails", "/api/v2/emails/%s"),
	.parent_field = "search", .parent_prefix = "thread:",
	.name_field = "id",
};
const struct coll coll_blocklist = {
	OBJ("block", "/api/v2/block-lists-entries",
	    "/api/v2/block-lists-entries/%s"),
	.name_field = "bl_value", .name_fallback = "entry",
	.create_path = "/api/v2/block-lists-entries",
};
const struct coll coll_jobs = {
	OBJ("job", "/api/v2/background-jobs", "/api/v2/background-jobs/%s"),
	.name_field = "id", .suffix = ".json",
};
const struct coll coll_tags = {
	OBJ("tag", "/api/v2/custom-tags", "/api/v2/custom-tags/%s"),
	.name_field = "label", .name_fallback = "tag",
	.writable = fields_tag_writable, .create_path = "/api/v2/custom-tags",
};
/* The campaigns and accounts that carry one tag (tag_ids filter). */
const struct coll coll_tag_campaigns = {
	OBJ("campaign", "/api/v2/campaigns", "/api/v2/campaigns/%s"),
	.parent_field = "tag_ids", .name_field = "id",
	.name_fallback = "campaign",
};
const struct coll coll_tag_accounts = {
	OBJ("account", "/api/v2/accounts", "/api/v2/accounts/%s"),
	.parent_field = "tag_ids", .key_field = "email", .name_field = "email",
	.name_fallback = "account",
};
const struct coll coll_contact_campaigns = {
	OBJ("campaign", "/api/v2/campaigns/search-by-contact",
	    "/api/v2/campaigns/%s"),
	.parent_field = "search", .name_field = "id", .label_field = "name",
	.name_fallback = "campaign", .unpaged = 1,
};
/* A campaign's subsequences, named by their names (folders). */
const struct coll coll_subsequences = {
	OBJ("subsequence", "/api/v2/subsequences", "/api/v2/subsequences/%s"),
	.parent_field = "parent_campaign", .name_field = "name",
	.name_fallback = "subsequence", .aux_field = "status",
	.writable = fields_subsequence_writable,
	.create_path = "/api/v2/subsequences",
};

/* Custom lead labels: by-interest/ names a status by its label. */
const struct coll coll_lead_labels = {
	OBJ("lead_label", "/api/v2/lead-labels", "/api/v2/lead-labels/%s"),
	.name_field = "label", .name_fallback = "label",
	.aux_field = "interest_status",
	.writable = fields_lead_label_writable,
	.create_path = "/api/v2/lead-labels",
};

/* Webhooks, named after their name; a webhook's deliveries, found by its
 * exact URL (the events carry no webhook id), newest first. */
const struct coll coll_webhooks = {
	OBJ("webhook", "/api/v2/webhooks", "/api/v2/webhooks/%s"),
	.name_field = "name", .name_fallback = "webhook",
	.writable = fields_webhook_writable, .create_path = "/api/v2/webhooks",
};
const struct coll coll_webhook_events = {
	OBJ("webhook_event", "/api/v2/webhook-events",
	    "/api/v2/webhook-events/%s"),
	.parent_field = "search", .name_field = "id", .suffix = ".json",
};

/* The team and its inbox placement tests. */
const struct coll coll_members = {
	OBJ("member", "/api/v2/workspace-members",
	    "/api/v2/workspace-members/%s"),
	.name_field = "email", .name_fallback = "member", .suffix = ".json",
	.writable = fields_member_writable,
	.create_path = "/api/v2/workspace-members",
};
const struct coll coll_placement_tests = {
	OBJ("placement_test", "/api/v2/inbox-placement-tests",
	    "/api/v2/inbox-placement-tests/%s"),
	.name_field = "name", .name_fallback = "test",
	.writable = fields_placement_test_writable,
};

static const char *method_of(const struct coll *c)
{
	return c->list_method ? c->list_method : "GET";
}

static const char *key_of(const struct coll *c)
{
	return c->key_field ? c->key_field : "id";
}

void item_free(struct item *it)
{
	free(it->name);
	free(it->label);
	free(it->id);
	free(it->aux);
	free(it->blob);
	memset(it, 0, sizeof(*it));
}

time_t coll_parse_time(const char *s)
{
	struct tm tm = { 0 };
	char *end;

	if (!s)
		return 0;
	end = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!end)
		end = strptime(s, "%Y-%m-%d", &tm);
	if (!end)
		return 0;
	return timegm(&tm);
}

time_t coll_mtime(const cJSON *obj)
{
	static const char *const fields[] = {
		"timestamp_updated", "updated_at", "timestamp_created",
		"created_at",
	};

	for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, fields[i]);
		time_t t = cJSON_IsString(v) ? coll_parse_time(v->valuestring) : 0;

		if (t)
			return t;
	}
	return 0;
}

char *coll_field(const cJSON *obj, const char *field)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, field);
	char num[64];

	if (cJSON_IsString(v))
		return strdup(v->valuestring);
	if (cJSON_IsNumber(v)) {
		if (v->valuedouble == (double)(long long)v->valuedouble)
			snprintf(num, sizeof(num), "%lld",
				 (long long)v->valuedouble);
		else
			snprintf(num, sizeof(num), "%.17g", v->valuedouble);
		return strdup(num);
	}
	if (cJSON_IsBool(v))
		return strdup(cJSON_IsTrue(v) ? "true" : "false");
	return NULL;
}

char *coll_format(const char *fmt, const char *val)
{
	const char *at = strstr(fmt, "%s");
	char *out;

	if (!at)
		return strdup(fmt);
	if (asprintf(&out, "%.*s%s%s", (int)(at - fmt), fmt, val, at + 2) < 0)
		return NULL;
	return out;
}

static char *blob_key(const struct coll *c, const char *id)
{
	char *k;

	if (asprintf(&k, "%s/%s", c->kind, id) < 0)
		return NULL;
	return k;
}

char *coll_entry_key(const struct listing *l, const struct entry *e,
		     char *buf, size_t len)
{
	const struct coll *c = l->owner;

	if (snprintf(buf, len, "%s/%s", c->kind, e->id) >= (int)len)
		*buf = '\0';
	return buf;
}

/* "<name>.<id><suffix>", the name cut to fit one component. */
static char *name_with_id(const char *name, const char *id, const char *suffix)
{
	char *tail, *out;

	if (asprintf(&tail, ".%s%s", id, suffix ? suffix : "") < 0)
		return NULL;
	out = name_component(name, NULL, tail);
	free(tail);
	return out;
}

/* The long, unique form of a clashing name: "<name>.<id><suffix>". */
static char *clash_with(const struct entry *e, int is_label,
			const char *suffix)
{
	const char *shown = is_label ? e->label : e->name;
	size_t n = strlen(shown), sl = suffix ? strlen(suffix) : 0;
	char *cut = strndup(shown, !is_label && n >= sl ? n - sl : n);
	char *base = cut ? name_unescape(cut) : NULL;
	char *out = base ? name_with_id(base, e->id, is_label ? NULL : suffix)
			 : NULL;

	free(cut);
	free(base);
	return out;
}

static char *clash_json(const struct entry *e, int is_label)
{
	return clash_with(e, is_label, ".json");
}

static char *clash_plain(const struct entry *e, int is_label)
{
	return clash_with(e, is_label, NULL);
}

/* Name of an object from `field`, or "<fallback>.<id>" when it is empty. */
static char *entry_name(const cJSON *obj, const char *field,
			const char *fallback, const char *id,
			const char *suffix)
{
	char *v = coll_field(obj, field);
	char *name;

	if (v && *v)
		name = name_component(v, id, suffix);
	else
		name = name_with_id(fallback ? fallback : "item", id, suffix);
	free(v);
	return name;
}

/* Renders obj into the blob cache and describes it as an entry. */
static int entry_from(const struct coll *c, const cJSON *obj, struct entry *e)
{
	size_t len;
	char *text, *key;

	memset(e, 0, sizeof(*e));
	e->id = coll_field(obj, key_of(c));
	if (!e->id)
		return -EIO;
	e->name = entry_name(obj, c->name_field, c->name_fallback, e->id,
			     c->suffix);
	if (c->label_field)
		e->label = entry_name(obj, c->label_field, c->name_fallback,
				      e->id, NULL);
	if (c->aux_field)
		e->aux = coll_field(obj, c->aux_field);
	if (c->mark_field) {
		char *v = coll_field(obj, c->mark_field);

		e->marked = v && strcmp(v, "0") && strcmp(v, "false");
		free(v);
	}
	key = blob_key(c, e->id);
	e->mtime = coll_mtime(obj);
	text = render_json(obj, &len);
	if (!e->name || !key || !text || (c->label_field && !e->label)) {
		free(key);
		free(text);
		return -ENOMEM;
	}
	cache_blob_put(key, text, len, e->mtime);
	e->version = cache_hash(text, len);
	free(key);
	e->size = len;
	free(text);
	return 0;
}

static void entry_clear(struct entry *e)
{
	free(e->name);
	free(e->label);
	free(e->id);
	free(e->aux);
}

/* A pager_fetch_fn for lists that take no limit or cursor: one answer. */
static int fetch_unpaged(void *ctx, const char *cursor, cJSON **resp)
{
	const struct api_list_ctx *l = ctx;
	struct api_resp r = { 0 };
	int rc;

	(void)cursor;
	rc = api_call(l->method, l->path, l->body, &r);
	if (rc == 0) {
		*resp = r.json;
		r.json = NULL;
		rc = *resp ? 0 : -EIO;
	}
	api_resp_free(&r);
	return rc;
}

/*
 * An incremental listing met an object its stale predecessor holds: the
 * rest is the predecessor's, from that object on (its pages are older).
 * Paging goes on from where the predecessor stopped.
 */
static int take_rest_of_prev(struct listing *l, const char *id,
			     listing_clash_fn clash)
{
	struct listing *p = l->prev;
	struct entry *rest = NULL;
	size_t n = 0, from;
	int rc = 0;

	cache_lock();
	from = listing_find_id(p, id);
	if (from) {
		rest = calloc(p->n - from + 1, sizeof(*rest));
		for (size_t i = from - 1; rest && i < p->n; i++) {
			struct entry e;

			listing_at(p, i, &e);
			if (!e.name || listing_find_id(l, e.id))
				continue;
			rest[n] = e;
			rest[n].name = strdup(e.name);
			rest[n].label = e.label ? strdup(e.label) : NULL;
			rest[n].id = strdup(e.id);
			rest[n].aux = e.aux ? strdup(e.aux) : NULL;
			n++;
		}
		pager_free(&l->pager);
		pager_init(&l->pager);
		if (p->complete)
			l->complete = 1;
		else if (p->pager.cursor)
			l->pager.cursor = strdup(p->pager.cursor);
	}
	l->prev = NULL;
	cache_unlock();
	listing_put(p);
	if (from && !rest)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		if (rc == 0)
			rc = listing_add(l, &rest[i], clash);
		entry_clear(&rest[i]);
	}
	free(rest);
	return rc;
}

/* A list call's context of its own, for a page fetched ahead. */
struct ahead_ctx {
	struct api_list_ctx ctx;
	char *path;
	cJSON *body;
};

/* pager_fetch_fn of a page fetched ahead: a read (stop.h), so that the
 * mount's stop drops it at once. */
static int ahead_fetch(void *ctx, const char *cursor, cJSON **resp)
{
	stop_reading(1);
	return api_list_fetch(ctx, cursor, resp);
}

static void ahead_free(void *p)
{
	struct ahead_ctx *a = p;

	free(a->path);
	cJSON_Delete(a->body);
	free(a);
}

/* Fetches the listing's next page while this one is taken in: a folder
 * listed whole costs the latency of its pages, not that plus the work on
 * each.  Not for streamed folders, whose reader may stop early. */
static void fetch_ahead(const struct coll *c, struct listing *l,
			const struct api_list_ctx *ctx)
{
	struct ahead_ctx *a;

	if (c->stream || c->unpaged || !(a = calloc(1, sizeof(*a))))
		return;
	a->ctx = *ctx;
	a->path = strdup(ctx->path);
	a->body = ctx->body ? cJSON_Duplicate(ctx->body, 1) : NULL;
	a->ctx.path = a->path;
	a->ctx.body = a->body;
	if (!a->path || (ctx->body && !a->body)) {
		ahead_free(a);
		return;
	}
	pager_prefetch(&l->pager, ahead_fetch, a, ahead_free);
}

/* The list call of c under parent: its path and (POST) body template. */
static int list_request(const struct coll *c, const char *parent,
			char **pathp, cJSON **bodyp)
{
	cJSON *body = NULL;
	char *path = NULL, *val = NULL, *esc = NULL;

	if (parent && asprintf(&val, "%s%s", c->parent_prefix ?
			       c->parent_prefix : "", parent) < 0)
		return -ENOMEM;
	if (!strcmp(method_of(c), "POST")) {
		body = cJSON_CreateObject();
		if (val)
			cJSON_AddStringToObject(body, c->parent_field, val);
		path = strdup(c->list_path);
	} else if (val) {
		esc = api_escape(val);
		if (esc && asprintf(&path, "%s%c%s=%s", c->list_path,
				    strchr(c->list_path, '?') ? '&' : '?',
				    c->parent_field, esc) < 0)
			path = NULL;
	} else {
		path = strdup(c->list_path);
	}
	free(val);
	free(esc);
	if (!path) {
		cJSON_Delete(body);
		return -ENOMEM;
	}
	*pathp = path;
	*bodyp = body;
	return 0;
}

/* What the chains of a re-list (relist.h) page with. */
struct relist_arg {
	const struct coll *c;
	struct api_list_ctx ctx;
	char *path;
	cJSON *body;
};

static void relist_arg_free(void *p)
{
	struct relist_arg *a = p;

	free(a->path);
	cJSON_Delete(a->body);
	free(a);
}

/* relist_src's page: one page of a chain, made entries (in a chain's
 * thread: a read, dropped at once by the mount's stop). */
static int relist_page(void *p, struct pager *pg, struct entry **out,
		       size_t *n)
{
	struct relist_arg *a = p;
	cJSON *items = NULL, *obj;
	int rc;

	stop_reading(1);
	*out = NULL;
	*n = 0;
	rc = pager_next(pg, api_list_fetch, &a->ctx, &items);
	if (rc <= 0)
		return rc;
	*out = calloc((size_t)cJSON_GetArraySize(items) + 1, sizeof(**out));
	if (!*out) {
		cJSON_Delete(items);
		return -ENOMEM;
	}
	cJSON_ArrayForEach(obj, items) {
		if (!cJSON_IsObject(obj))
			continue;
		rc = entry_from(a->c, obj, &(*out)[*n]);
		if (rc == -EIO)
			continue;	/* an object without a key: skip it */
		if (rc < 0)
			break;
		(*n)++;
	}
	cJSON_Delete(items);
	if (rc < 0 && rc != -EIO) {
		while (*n)
			entry_clear(&(*out)[--*n]);
		free(*out);
		*out = NULL;
		return rc;
	}
	return 1;
}

static void relist_loader_free(void *r)
{
	relist_free(r);
}

/* The first page of a listing whose predecessor is known: the known ids
 * are planned into chains (or not, for a small folder).  The predecessor
 * is let go either way. */
static void relist_begin(const struct coll *c, struct listing *l)
{
	struct listing *p;
	struct relist_arg *a = calloc(1, sizeof(*a));
	struct relist_src src = { relist_page, a, relist_arg_free };
	struct relist *r = NULL;
	char **ids = NULL;
	size_t n = 0;

	cache_lock();
	p = l->prev;
	l->prev = NULL;
	ids = p ? calloc(p->n + 1, sizeof(*ids)) : NULL;
	for (size_t i = 0; ids && i < p->n; i++) {
		struct entry e;

		listing_at(p, i, &e);
		if (e.name && e.id && !(ids[n] = strdup(e.id)))
			break;
		n += e.name && e.id;
	}
	cache_unlock();
	listing_put(p);
	if (a && ids && list_request(c, l->parent, &a->path, &a->body) == 0) {
		a->c = c;
		a->ctx.method = method_of(c);
		a->ctx.path = a->path;
		a->ctx.body = a->body;
		a->ctx.limit = c->limit;
		r = relist_start(ids, n, c->limit ? (size_t)c->limit
						  : API_PAGE_LIMIT, &src);
	} else if (a) {
		relist_arg_free(a);
	}
	for (size_t i = 0; ids && i < n; i++)
		free(ids[i]);
	free(ids);
	if (r) {
		cache_lock();
		l->loader = r;
		l->loader_free = relist_loader_free;
		cache_unlock();
	}
}

/* The next part of a listing being re-listed by chains. */
static int relist_next(const struct coll *c, struct listing *l)
{
	struct pager serial;
	struct relist *r = l->loader;
	int rc = relist_load(r, l, c->suffix ? clash_json : clash_plain,
			     &serial);

	if (rc == 1)
		return 0;
	cache_lock();
	l->loader = NULL;
	if (rc == 0)
		l->complete = 1;
	if (rc == RELIST_SERIAL) {
		/* One chain goes on from where the one taken in stopped. */
		pager_free(&l->pager);
		l->pager = serial;
		rc = 0;
	}
	cache_unlock();
	relist_free(r);
	return rc;
}

/* listing_load_fn: fetches one page and adds its entries. */
static int load_page(struct listing *l, void *arg)
{
	const struct coll *c = l->owner;
	struct api_list_ctx ctx = { .method = method_of(c),
				    .limit = c->limit };
	cJSON *body = NULL, *items = NULL, *obj;
	char *path = NULL;
	int rc;

	(void)arg;
	if (c->relist && l->prev && !l->n)
		relist_begin(c, l);
	if (l->loader)
		return relist_next(c, l);
	rc = list_request(c, l->parent, &path, &body);
	if (rc < 0)
		return rc;
	ctx.path = path;
	ctx.body = body;
	rc = pager_next(&l->pager, c->unpaged ? fetch_unpaged : api_list_fetch,
			&ctx, &items);
	if (rc > 0)
		fetch_ahead(c, l, &ctx);
	free(path);
	cJSON_Delete(body);
	if (rc <= 0) {
		if (rc == 0) {
			cache_lock();
			l->complete = 1;
			cache_unlock();
		}
		return rc;
	}
	/* An incremental listing takes the whole page that meets an object
	 * it already holds (those objects' marks are re-checked at no cost),
	 * then the rest from its predecessor. */
	listing_clash_fn clash = c->suffix ? clash_json : clash_plain;
	char *known = NULL;

	cJSON_ArrayForEach(obj, items) {
		struct entry e;

		if (!cJSON_IsObject(obj))
			continue;
		rc = entry_from(c, obj, &e);
		if (rc == -EIO)
			continue;	/* an object without a key: skip it */
		cache_lock();
		if (rc == 0 && !known && c->incremental && l->prev &&
		    listing_find_id(l->prev, e.id))
			known = strdup(e.id);
		cache_unlock();
		if (rc == 0)
			rc = listing_add(l, &e, clash);
		entry_clear(&e);
		if (rc < 0)
			break;
	}
	cJSON_Delete(items);
	if (rc == 0 && known)
		rc = take_rest_of_prev(l, known, clash);
	free(known);
	return rc < 0 ? rc : 0;
}

static char *listing_key(const struct coll *c, const char *parent);

struct listing *coll_listing(const struct coll *c, const char *parent)
{
	char *key = listing_key(c, parent);
	struct listing *l;

	if (!key)
		return NULL;
	l = cache_listing(key, (void *)c, parent, c->incremental || c->relist);
	free(key);
	return l;
}

int coll_fill(struct listing *l, size_t want)
{
	return listing_more(l, want, load_page, NULL);
}

struct listing *coll_whole(const struct coll *c, const char *parent, int *rc)
{
	struct listing *l = coll_listing(c, parent);

	*rc = l ? coll_fill(l, (size_t)-1) : -ENOMEM;
	if (*rc < 0 && l) {
		listing_put(l);
		l = NULL;
	}
	return l;
}

/* Copies entry i - 1 out.  Locked. */
static int item_copy(struct listing *l, size_t i, struct item *out)
{
	struct entry e;

	listing_at(l, i - 1, &e);
	memset(out, 0, sizeof(*out));
	out->name = strdup(e.name);
	out->label = e.label ? strdup(e.label) : NULL;
	out->id = strdup(e.id);
	out->aux = e.aux ? strdup(e.aux) : NULL;
	out->blob = blob_key(l->owner, e.id);
	out->size = e.size;
	out->mtime = e.mtime;
	out->version = e.version;
	if (!out->name || !out->id || !out->blob) {
		item_free(out);
		return -ENOMEM;
	}
	return 0;
}

/* The blob may be newer than the listing (an object fetched alone). */
static void item_refresh_size(struct item *it)
{
	size_t len;
	time_t mtime;

	if (cache_blob_peek(it->blob, &len, &mtime, &it->version) == 0) {
		it->size = len;
		it->mtime = mtime;
	}
}

static int find_locked(struct listing *l, const char *key, int by_id,
		       struct item *out)
{
	size_t i;
	int rc = -ENOENT;

	cache_lock();
	i = by_id ? listing_find_id(l, key) : listing_find(l, key);
	if (i)
		rc = item_copy(l, i, out);
	cache_unlock();
	return rc;
}

/* Fetches one object by key and describes it as an entry. */
static int fetch_item(const struct coll *c, const char *id, struct item *out)
{
	cJSON *obj;
	struct entry e;
	int rc = coll_object_json(c, id, &obj);

	if (rc == -EINVAL)
		rc = -ENOENT;	/* not even a valid key: it names nothing */
	if (rc < 0)
		return rc;
	rc = entry_from(c, obj, &e);
	cJSON_Delete(obj);
	if (rc < 0)
		return rc;
	out->name = e.name;
	out->label = e.label;
	out->id = e.id;
	out->aux = e.aux;
	out->blob = blob_key(c, e.id);
	out->size = e.size;
	out->mtime = e.mtime;
	out->version = e.version;
	if (!out->blob) {
		item_free(out);
		return -ENOMEM;
	}
	return 0;
}

/* Names given by mkdir to folders the tree names by id: kind/name -> id.
 * They hold for the life of the mount. */
static pthread_mutex_t alias_lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *aliases;

static char *alias_key(const struct coll *c, const char *name)
{
	char *key;

	if (asprintf(&key, "%s/%s", c->kind, name) < 0)
		return NULL;
	return key;
}

void coll_alias(const struct coll *c, const char *name, const char *id)
{
	char *key = alias_key(c, name), *val = strdup(id);
	void *old = NULL;

	pthread_mutex_lock(&alias_lock);
	if (!aliases)
		aliases = hmap_new();
	if (key && val && aliases && hmap_put(aliases, key, val, &old) == 0)
		val = old;
	pthread_mutex_unlock(&alias_lock);
	free(val);
	free(key);
}

char *coll_alias_of(const struct coll *c, const char *comp)
{
	char *name = name_unescape(comp);
	char *key = name ? alias_key(c, name) : NULL;
	char *id = NULL;

	pthread_mutex_lock(&alias_lock);
	if (key && aliases && hmap_get(aliases, key))
		id = strdup(hmap_get(aliases, key));
	pthread_mutex_unlock(&alias_lock);
	free(key);
	free(name);
	return id;
}

int coll_is_uuid(const char *s)
{
	static const char shape[] = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";

	for (size_t i = 0; i < sizeof(shape); i++) {
		if (shape[i] == '\0')
			return s[i] == '\0';
		if (shape[i] == '-' ? s[i] != '-' : !isxdigit((unsigned char)s[i]))
			return 0;
	}
	return 0;
}

static int lookup(const struct coll *c, const char *parent, const char *key,
		  int by_id, struct item *out)
{
	struct listing *l = coll_listing(c, parent);
	int rc;

	if (!l)
		return -ENOMEM;
	rc = find_locked(l, key, by_id, out);
	if (rc == -ENOENT && c->stream && c->item_path &&
	    (by_id || !strcmp(c->name_field, key_of(c))) && coll_is_uuid(key)) {
		/* A streamed folder is not listed to its end for one name. */
		rc = fetch_item(c, key, out);
	} else if (rc == -ENOENT && !l->complete) {
		rc = coll_fill(l, (size_t)-1);
		if (rc == 0)
			rc = find_locked(l, key, by_id, out);
	}
	listing_put(l);
	if (rc == -ENOENT && !by_id && !parent) {
		char *id = coll_alias_of(c, key);

		if (id)
			rc = lookup(c, parent, id, 1, out);
		free(id);
	}
	if (rc == 0)
		item_refresh_size(out);
	return rc;
}

int coll_lookup(const struct coll *c, const char *parent, const char *name,
		struct item *out)
{
	return lookup(c, parent, name, 0, out);
}

int coll_lookup_id(const struct coll *c, const char *parent, const char *id,
		   struct item *out)
{
	return lookup(c, parent, id, 1, out);
}

static char *item_path(const struct coll *c, const char *id);

struct fetch_arg {
	const struct coll *c;
	const char *id;
};


/* cache_fill_fn: GET one object and render it. */
static int fetch_object(void *p, struct blob *out)
{
	struct fetch_arg *a = p;
	struct api_resp r = { 0 };
	char *path;
	int rc;

	if (!a->c->item_path)
		return -ENOENT;
	path = item_path(a->c, a->id);
	if (!path)
		return -ENOMEM;
	rc = api_call("GET", path, NULL, &r);
	free(path);
	if (rc < 0)
		return rc;
	if (!cJSON_IsObject(r.json)) {
		api_resp_free(&r);
		return -EIO;
	}
	out->data = render_json(r.json, &out->len);
	out->mtime = coll_mtime(r.json);
	api_resp_free(&r);
	return out->data ? 0 : -ENOMEM;
}

int coll_object(const struct coll *c, const char *id, struct blob *out)
{
	struct fetch_arg a = { c, id };
	char *key = blob_key(c, id);
	int rc;

	if (!key)
		return -ENOMEM;
	rc = cache_blob(key, fetch_object, &a, out);
	free(key);
	return rc;
}

int coll_object_held(const struct coll *c, const char *id, struct blob *out)
{
	char *key = blob_key(c, id);
	int rc;

	if (!key)
		return -ENOMEM;
	rc = cache_blob_held(key, out);
	if (rc == -ENOENT)
		rc = coll_object(c, id, out);
	free(key);
	return rc;
}

struct derive_arg {
	coll_derive_fn derive;
	const void *arg;
};

static int derive_parsed(void *p, const struct blob *src, struct blob *out)
{
	const struct derive_arg *d = p;
	cJSON *obj = cJSON_ParseWithLength(src->data, src->len);
	int rc;

	if (!obj)
		return -EIO;
	rc = d->derive(obj, d->arg, out);
	cJSON_Delete(obj);
	return rc;
}

static int derived(const struct coll *c, const char *id, const char *what,
		   coll_derive_fn derive, const void *arg, int held,
		   struct blob *out)
{
	struct derive_arg d = { derive, arg };
	struct blob src = { 0 };
	char *key = NULL;
	int rc = held ? coll_object_held(c, id, &src)
		      : coll_object(c, id, &src);

	if (rc == 0 && asprintf(&key, "%s of %s:%s", what, c->kind, id) < 0)
		key = NULL;
	if (rc == 0)
		rc = key ? cache_derived(key, &src, derive_parsed, &d, out)
			 : -ENOMEM;
	free(key);
	blob_free(&src);
	return rc;
}

int coll_derived(const struct coll *c, const char *id, const char *what,
		 coll_derive_fn derive, const void *arg, struct blob *out)
{
	return derived(c, id, what, derive, arg, 0, out);
}

int coll_derived_held(const struct coll *c, const char *id, const char *what,
		      coll_derive_fn derive, const void *arg, struct blob *out)
{
	return derived(c, id, what, derive, arg, 1, out);
}

int coll_object_json(const struct coll *c, const char *id, cJSON **out)
{
	struct blob b = { 0 };
	int rc = coll_object(c, id, &b);

	if (rc < 0)
		return rc;
	*out = cJSON_ParseWithLength(b.data, b.len);
	blob_free(&b);
	return *out ? 0 : -EIO;
}

/* The listing key of c under parent; malloc'd. */
static char *listing_key(const struct coll *c, const char *parent)
{
	char *key;

	if (asprintf(&key, "%s%s\x1f%s\x1f%s", method_of(c), c->list_path,
		     c->parent_field ? c->parent_field : "",
		     parent ? parent : "") < 0)
		return NULL;
	return key;
}

void coll_forget(const struct coll *c, const char *parent)
{
	char *key = listing_key(c, parent);

	if (key)
		cache_listing_drop(key);
	free(key);
}

/* Puts a new or changed object in the blob cache and, when the folder is
 * listed whole, in its listing; a changed name relists it. */
int coll_learn(const struct coll *c, const char *parent, const cJSON *obj)
{
	struct listing *l;
	struct entry e;
	size_t i;
	int same = 0, complete, rc = entry_from(c, obj, &e);

	if (rc < 0)
		return rc;
	l = coll_listing(c, parent);
	if (!l) {
		entry_clear(&e);
		return -ENOMEM;
	}
	cache_lock();
	i = listing_find_id(l, e.id);
	if (i) {
		struct entry old;

		listing_at(l, i - 1, &old);
		same = old.name && !strcmp(old.name, e.name) &&
		       !old.label == !e.label &&
		       (!e.label || !strcmp(old.label, e.label));
		if (same) {
			listing_changed_locked(l);	/* views, the store */
			if (listing_update_locked(l, i - 1, &e) < 0)
				same = 0;	/* listed again */
		}
	}
	complete = l->complete;
	cache_unlock();
	/* A listing still being filled may have fetched the page the object
	 * belongs on before the write: it is listed again instead (a streamed
	 * one pages in what it has not reached from the server later). */
	if (!i && complete)
		listing_add(l, &e, c->suffix ? clash_json : clash_plain);
	else if ((i && !same) || (!i && !c->stream))
		coll_forget(c, parent);
	entry_clear(&e);
	listing_put(l);
	return 0;
}

/* Drops the objects of the entries listed so far whose aux is `aux`
 * (every entry when aux is NULL). */
static void drop_objects(const struct coll *c, const char *parent,
			 const char *aux)
{
	struct listing *l = coll_listing(c, parent);

	if (!l)
		return;
	cache_lock();
	for (size_t i = 0; i < l->n; i++) {
		char key[600];
		struct entry e;

		listing_at(l, i, &e);
		if (e.id && (!aux || (e.aux && !strcmp(e.aux, aux))))
			cache_blob_drop_locked(
			    coll_entry_key(l, &e, key, sizeof(key)));
	}
	cache_unlock();
	listing_put(l);
}

void coll_forget_objects(const struct coll *c, const char *parent)
{
	drop_objects(c, parent, NULL);
	coll_forget(c, parent);
}

void coll_forget_where(const struct coll *c, const char *parent,
		       const char *aux)
{
	drop_objects(c, parent, aux);
	coll_forget(c, parent);
}

void coll_unlearn(const struct coll *c, const char *parent, const char *id)
{
	struct listing *l = coll_listing(c, parent);
	char *key = blob_key(c, id);

	if (l) {
		int gone_early;

		cache_lock();
		gone_early = !listing_find_id(l, id) && !l->complete &&
			     !c->stream;
		cache_unlock();
		listing_remove(l, id);
		listing_put(l);
		/* One still being filled may bring the object back. */
		if (gone_early)
			coll_forget(c, parent);
	}
	if (key)
		cache_blob_drop(key);
	free(key);
}

/* The item path of id (escaped); malloc'd. */
static char *item_path(const struct coll *c, const char *id)
{
	char *esc = api_escape(id);
	char *path = esc ? coll_format(c->item_path, esc) : NULL;

	free(esc);
	return path;
}

/* A write's answer must be the object: else -EIO and *out is NULL. */
static int answered_object(int rc, cJSON **out)
{
	if (rc == 0 && !cJSON_IsObject(*out)) {
		cJSON_Delete(*out);
		*out = NULL;
		rc = -EIO;
	}
	return rc;
}

int coll_send(const struct coll *c, const char *method, const char *id,
	      const cJSON *body, cJSON **out)
{
	struct api_resp r = { 0 };
	char *path = item_path(c, id);
	int rc;

	if (!path)
		return -ENOMEM;
	rc = api_call(method, path, body, &r);
	free(path);
	if (rc == 0 && out) {
		*out = r.json;
		r.json = NULL;
		rc = answered_object(rc, out);
	}
	api_resp_free(&r);
	return rc;
}

int coll_find_item(const struct coll *c, const char *id,
		   int (*keep)(const void *arg, const cJSON *obj),
		   const void *arg, cJSON **found)
{
	char *path = item_path(c, id);
	int rc = path ? once_get(path, keep, arg, found) : -ENOMEM;

	free(path);
	return rc;
}

int coll_create(const struct coll *c, const cJSON *body,
		int (*look)(void *arg, cJSON **found), void *arg,
		cJSON **out)
{
	struct once o = { .path = c->create_path, .body = body,
			  .lookup = look, .arg = arg };

	return answered_object(once_send(&o, out), out);
}
