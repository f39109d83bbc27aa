/*
 * retry.c - the class of each request and when it may be sent again.
 * See retry.h.  Patterns name path segments; '*' stands for one segment.
 */
#include <string.h>

#include "retry.h"

/* POSTs that only read. */
static const char *const read_posts[] = {
	"/api/v2/leads/list",
	"/api/v2/accounts/warmup-analytics",
};

/* POSTs that set a state: a second one changes nothing.  (Warmup enable
 * and disable also make a background job each: they are ONCE.) */
static const char *const idempotent_posts[] = {
	"/api/v2/campaigns/*/activate",
	"/api/v2/campaigns/*/pause",
	"/api/v2/accounts/*/pause",
	"/api/v2/accounts/*/resume",
	"/api/v2/emails/threads/*/mark-as-read",
	"/api/v2/custom-tags/toggle-resource",
	"/api/v2/leads/update-interest-status",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* Does path (up to its '?') match pattern, '*' matching one segment? */
static int path_matches(const char *pattern, const char *path)
{
	size_t end = strcspn(path, "?");

	while (*pattern) {
		if (*pattern == '*') {
			size_t seg = strcspn(path, "/?");

			if (seg == 0)
				return 0;
			path += seg;
			end -= seg;
			pattern++;
			continue;
		}
		if (end == 0 || *pattern != *path)
			return 0;
		pattern++;
		path++;
		end--;
	}
	return end == 0;
}

static int listed(const char *const *list, size_t n, const char *path)
{
	for (size_t i = 0; i < n; i++)
		if (path_matches(list[i], path))
			return 1;
	return 0;
}

enum retry_class retry_class(const char *method, const char *path)
{
	if (!strcmp(method, "GET") || !strcmp(method, "HEAD"))
		return RETRY_READ;
	if (!strcmp(method, "PATCH") || !strcmp(method, "PUT") ||
	    !strcmp(method, "DELETE"))
		return RETRY_IDEMPOTENT;
	if (!strcmp(method, "POST")) {
		if (listed(read_posts, COUNT(read_posts), path))
			return RETRY_READ;
		if (listed(idempotent_posts, COUNT(idempotent_posts), path))
			return RETRY_IDEMPOTENT;
	}
	return RETRY_ONCE;
}

/* A status that says "not now" rather than "no". */
static int transient(long status)
{
	return status == 429 || status >= 500;
}

int retry_again(enum retry_class c, enum retry_end end, long status)
{
	switch (end) {
	case RETRY_NEVER_SENT:
		return 1;
	case RETRY_HOPELESS:
		return 0;
	case RETRY_LOST:
		return c != RETRY_ONCE;
	case RETRY_ANSWERED:
		if (status == 429)
			return 1;
		return c != RETRY_ONCE && transient(status);
	}
	return 0;
}

int retry_unsure(enum retry_class c, enum retry_end end, long status)
{
	if (c != RETRY_ONCE)
		return 0;
	return end == RETRY_LOST || (end == RETRY_ANSWERED && status >= 500);
}
