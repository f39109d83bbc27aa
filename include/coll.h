/*
 * coll.h - the one engine for paged JSON collections, described by data.
 *
 * A struct coll says where a collection is listed, how one object is
 * fetched, and how an object becomes a file or folder name.  The engine
 * lists it page by page (pager.h) into a cached listing (cache.h),
 * renders every listed object into the blob cache so reading a listed
 * file costs no request, and finds entries by name.  Names follow
 * LAYOUT.md: escaped server names; clashing or missing names get the
 * "<name>.<id><suffix>" form for every clashing object.
 *
 * Thread-safe: state lives in the cache.
 */
#ifndef INSTANTLYFS_COLL_H
#define INSTANTLYFS_COLL_H

#include <cjson/cJSON.h>
#include <time.h>

#include "cache.h"

struct coll {
	const char *kind;	/* blob key prefix: objects shared across
				   collections (a lead in a campaign and a
				   list) share a kind */
	const char *list_method;	/* "GET" or "POST" */
	const char *list_path;	/* may carry a fixed query */
	const char *parent_field;	/* query or body field given the parent */
	const char *parent_prefix;	/* put before the parent's value */
	const char *item_path;	/* GET one: printf format with one %s */
	const char *key_field;	/* "id", or "email" for accounts */
	const char *name_field;	/* the field the entry is named after */
	const char *name_fallback;	/* used when that field is empty */
	const char *suffix;	/* ".json" for files, NULL for folders */
	const char *label_field;	/* by-name/ label, or NULL */
	const char *aux_field;	/* kept per entry for views, or NULL */
	const char *mark_field;	/* a flag kept per entry for views */
	int stream;		/* page in only as far as a reader goes */
	int limit;		/* page size; 0 = 100 */
	int unpaged;		/* one answer: no limit, no cursor */
	int incremental;	/* newest first: a stale listing is renewed
				   only down to the first object it holds */
	int relist;		/* ordered by id, the cursor the last id: a
				   big stale listing is listed again as
				   several chains (relist.h) */
	const char *const *writable;	/* fields PATCH item_path takes */
	const char *payload_field;	/* edits under it are sent as
					   custom_variables */
	const char *create_path;	/* POST here makes one */
};

extern const struct coll coll_campaigns, coll_campaign_leads, coll_list_leads,
	coll_lead_lists, coll_accounts, coll_emails, coll_unread, coll_thread,
	coll_blocklist, coll_jobs, coll_tags, coll_tag_campaigns,
	coll_tag_accounts, coll_contact_campaigns;
extern const struct coll coll_subsequences;
extern const struct coll coll_lead_labels;
extern const struct coll coll_webhooks, coll_webhook_events;
extern const struct coll coll_members, coll_placement_tests;

/* One entry, copied out of a listing. */
struct item {
	char *name;
	char *label;
	char *id;
	char *aux;
	char *blob;
	size_t size;
	time_t mtime;
	uint64_t version;	/* of the blob's bytes; 0: not known */
};
void item_free(struct item *it);

/* The key of the blob of entry e of l into buf: "" when it does not
 * fit.  Returns buf. */
char *coll_entry_key(const struct listing *l, const struct entry *e,
		     char *buf, size_t len);
/* The listing of c under parent (NULL at top level); release with
 * listing_put().  Nothing is fetched yet. */
struct listing *coll_listing(const struct coll *c, const char *parent);
/* Loads pages until more than `want` entries are in, or all of them
 * ((size_t)-1). */
int coll_fill(struct listing *l, size_t want);
/* The listing of c under parent with every page loaded (listing_put);
 * NULL with *rc on failure. */
struct listing *coll_whole(const struct coll *c, const char *parent, int *rc);

/*
 * Finds the entry called name in c under parent.  Loads every page,
 * except for streamed collections, which fall back to fetching the
 * object by key when the name is the key.  0, -ENOENT or -errno.
 */
int coll_lookup(const struct coll *c, const char *parent, const char *name,
		struct item *out);
/* The same by the object's id (or key). */
int coll_lookup_id(const struct coll *c, const char *parent, const char *id,
		   struct item *out);

/* The rendered JSON of the object (from the cache, else GET item_path). */
int coll_object(const struct coll *c, const char *id, struct blob *out);
/*
 * What derive() makes of the object (a word for one field, the text of a
 * body), made once per version of the object: `what` names the kind of
 * result in the cache.
 */
typedef int (*coll_derive_fn)(const cJSON *obj, const void *arg,
			      struct blob *out);
int coll_derived(const struct coll *c, const char *id, const char *what,
		 coll_derive_fn derive, const void *arg, struct blob *out);
/*
 * The same from the object as held, however old, when one is (else as
 * coll_object): for the parts of an object that never change once it
 * exists (an email's text), read through a listing that is fresh.
 */
int coll_object_held(const struct coll *c, const char *id, struct blob *out);
int coll_derived_held(const struct coll *c, const char *id, const char *what,
		      coll_derive_fn derive, const void *arg, struct blob *out);
/* The object parsed (callers free with cJSON_Delete). */
int coll_object_json(const struct coll *c, const char *id, cJSON **out);

/*
 * One write: method on the object's item path (id).  *out (if not NULL)
 * is the object the server answered.
 */
int coll_send(const struct coll *c, const char *method, const char *id,
	      const cJSON *body, cJSON **out);
/* A lookup for coll_create() and its kin: once_get() of id's item path. */
int coll_find_item(const struct coll *c, const char *id,
		   int (*keep)(const void *arg, const cJSON *obj),
		   const void *arg, cJSON **found);
/*
 * POST create_path, never twice: after a lost answer, look (once.h)
 * says whether it was made.  *out is the object made (the answer or the
 * one found); an answer that is no object is -EIO.
 */
int coll_create(const struct coll *c, const cJSON *body,
		int (*look)(void *arg, cJSON **found), void *arg,
		cJSON **out);
/* After a write: the server's object goes into the cache and, when the
 * folder is listed whole, its listing (a changed name relists it). */
int coll_learn(const struct coll *c, const char *parent, const cJSON *obj);
/* After a delete: the object leaves the cache and its listing. */
void coll_unlearn(const struct coll *c, const char *parent, const char *id);
/* After mkdir: the folder made as `name` (unescaped) resolves to id. */
void coll_alias(const struct coll *c, const char *name, const char *id);
/* The id mkdir gave the escaped name comp, or NULL; malloc'd. */
char *coll_alias_of(const struct coll *c, const char *comp);
/* Forgets the listing of c under parent. */
void coll_forget(const struct coll *c, const char *parent);
/* Forgets it and every object it lists. */
void coll_forget_objects(const struct coll *c, const char *parent);
/* Forgets it and the objects it lists whose aux field is aux. */
void coll_forget_where(const struct coll *c, const char *parent,
		       const char *aux);

/* st_mtime of an object: timestamp_updated, else timestamp_created
 * (updated_at/created_at for jobs); 0 if none. */
time_t coll_mtime(const cJSON *obj);
/* fmt with its one "%s" replaced by val; malloc'd. */
char *coll_format(const char *fmt, const char *val);
/* Is s shaped like a UUID (8-4-4-4-12 hex digits)? */
int coll_is_uuid(const char *s);
/* Parses an ISO-8601 UTC time; 0 if it is not one. */
time_t coll_parse_time(const char *s);
/* A field of an object as text (strings as they are, numbers printed);
 * malloc'd, NULL when absent or null. */
char *coll_field(const cJSON *obj, const char *field);

#endif
