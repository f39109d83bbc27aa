/*
 * once.c - a create or a send, never twice.  See once.h.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "errlog.h"
#include "log.h"
#include "once.h"

/* Sends after a lost answer; each is preceded by a lookup. */
#define ONCE_ROUNDS 3

/* Says in the error log how a write that needed a lookup ended. */
static void report(const struct once *o, const char *method,
		   const char *status, const char *why, int rc)
{
	char msg[200];

	snprintf(msg, sizeof(msg), "%s (%s)", why, strerror(-rc));
	errlog_add(method, o->path, status, msg);
	log_err("%s %s: %s: %s", method, o->path, status, msg);
}

int once_send(struct once *o, cJSON **out)
{
	const char *method = o->method ? o->method : "POST";
	struct api_resp r;
	cJSON *found;
	int rc, lrc;

	*out = NULL;
	o->resent = o->looked_up = 0;
	for (int round = 0;; round++) {
		rc = api_request(method, o->path, o->body,
				 o->lookup ? API_QUIET_UNSURE : 0, &r);
		if (rc == 0) {
			*out = r.json;
			r.json = NULL;
			api_resp_free(&r);
			return 0;
		}
		if (!r.unsure || !o->lookup)
			return rc;
		log_info("%s %s: answer lost; looking before sending again",
			 method, o->path);
		found = NULL;
		lrc = o->lookup(o->arg, &found);
		if (lrc < 0) {
			report(o, method, "outcome unknown",
			       "the answer was lost and a lookup could not "
			       "tell whether it was done; look before doing "
			       "it again",
			       lrc);
			return rc;
		}
		if (found) {
			*out = found;
			o->looked_up = 1;
			return 0;
		}
		if (round + 1 == ONCE_ROUNDS) {
			report(o, method, "not done",
			       "each answer was lost and each lookup found "
			       "nothing made",
			       rc);
			return rc;
		}
		o->resent = 1;
	}
}

int once_search(const char *path, const char *search,
		int (*match)(const void *arg, const cJSON *item),
		const void *arg, cJSON **found)
{
	struct api_resp r = { 0 };
	char *esc = api_escape(search), *url = NULL;
	const cJSON *it, *items;
	int rc;

	*found = NULL;
	if (!esc || asprintf(&url, "%s%csearch=%s&limit=100", path,
			     strchr(path, '?') ? '&' : '?', esc) < 0) {
		free(esc);
		return -ENOMEM;
	}
	free(esc);
	rc = api_call("GET", url, NULL, &r);
	free(url);
	items = rc == 0 ? cJSON_GetObjectItemCaseSensitive(r.json, "items")
			: NULL;
	cJSON_ArrayForEach(it, items) {
		if (match(arg, it)) {
			*found = cJSON_Duplicate(it, 1);
			break;
		}
	}
	api_resp_free(&r);
	return rc;
}

struct field_is {
	const char *field, *value;
	int nocase;
};

static int field_matches(const void *arg, const cJSON *item)
{
	const struct field_is *f = arg;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(item, f->field);

	if (!cJSON_IsString(v))
		return 0;
	return f->nocase ? !strcasecmp(v->valuestring, f->value)
			 : !strcmp(v->valuestring, f->value);
}

int once_find(const char *path, const char *field, const char *value,
	      int nocase, cJSON **found)
{
	struct field_is f = { field, value, nocase };

	return once_search(path, value, field_matches, &f, found);
}

int once_get(const char *path, int (*keep)(const void *arg, const cJSON *obj),
	     const void *arg, cJSON **found)
{
	struct api_resp r = { 0 };
	int rc = api_request("GET", path, NULL, API_QUIET_ABSENT, &r);

	*found = NULL;
	if (rc == 0 && cJSON_IsObject(r.json) && (!keep || keep(arg, r.json))) {
		*found = r.json;
		r.json = NULL;
	}
	api_resp_free(&r);
	return rc == -ENOENT ? 0 : rc;
}
