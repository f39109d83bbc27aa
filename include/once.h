/*
 * once.h - creates and sends that must never happen twice.
 *
 * A POST that makes something (a lead, a campaign, a reply) cannot be sent
 * again blindly: when its answer is lost (a reset, a timeout, a 5xx from a
 * gateway) the server may have done the work.  once_send() then asks the
 * request's lookup whether it did, and sends again only when the lookup
 * says it did not.  When the lookup cannot tell, the write fails with the
 * request's errno and .instantlyfs/errors says its outcome is unknown.
 */
#ifndef INSTANTLYFS_ONCE_H
#define INSTANTLYFS_ONCE_H

#include <cjson/cJSON.h>

struct once {
	const char *method;	/* NULL means "POST" */
	const char *path;
	const cJSON *body;
	/*
	 * Was it done?  0 with *found set to the object made, or to NULL:
	 * send again (it was not done, or a second send does no harm);
	 * -errno when it cannot tell.  NULL: a failure that may have been
	 * done is not sent again.
	 */
	int (*lookup)(void *arg, cJSON **found);
	void *arg;
	int resent;		/* out: sent more than once */
	int looked_up;		/* out: *out came from the lookup */
};

/* 0 with *out the answer (may be NULL), or -errno. */
int once_send(struct once *o, cJSON **out);

/*
 * Lookups for list endpoints that take ?search= (path may carry other
 * filters): GET path?search=... and *found is a copy of the first item
 * match() accepts, or NULL.  once_find() accepts the item whose field
 * equals value (case-insensitive when nocase) and searches for value.
 */
int once_search(const char *path, const char *search,
		int (*match)(const void *arg, const cJSON *item),
		const void *arg, cJSON **found);
int once_find(const char *path, const char *field, const char *value,
	      int nocase, cJSON **found);

/*
 * A lookup by GET of the object's own path: *found is it, or NULL on 404
 * or when keep (if given) does not accept it: the object is not yet as the
 * write would have left it.
 */
int once_get(const char *path, int (*keep)(const void *arg, const cJSON *obj),
	     const void *arg, cJSON **found);

#endif
