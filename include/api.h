/*
 * api.h - the Instantly API v2 core: requests, pagination, retries, errors.
 *
 * Owns the libcurl state.  Connections are pooled and reused across calls
 * and across FUSE threads (a curl share of connections, DNS and TLS
 * sessions); HTTP/2 is used where the server offers it.  Every request
 * carries a User-Agent and "Authorization: Bearer <key>" (and
 * "Maton-Connection" in gateway mode); Content-Type only with a body.
 * TLS verification is always on.
 *
 * Every request is sent again after a 429 or a failure to connect, with
 * exponential backoff and jitter (Retry-After honoured) within a bounded
 * budget.  Reads and idempotent writes (retry.h) are also sent again after
 * a 5xx or a lost connection; a DELETE that then finds nothing was done by
 * the lost attempt.  Creates are not: their caller looks first (once.h).
 * Every failure is mapped to errno (errmap.h) and recorded with its API
 * message in the error log (errlog.h) and the log; one without any answer
 * (no DNS, no connection, a timeout) says "the API could not be reached"
 * and is told to offline.h, as is every answer.
 * Every request is counted in stats (stats.h).
 *
 * The key is never logged, never put in an error line, never in argv.
 * Thread-safe after api_init().
 */
#ifndef INSTANTLYFS_API_H
#define INSTANTLYFS_API_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define API_DIRECT_URL "https://api.instantly.ai"
#define API_GATEWAY_URL "https://gateway.maton.ai/instantly"
#define API_CTRL_URL "https://ctrl.maton.ai"
#define API_MAX_RESPONSE (32u << 20)	/* bytes of one response body */
#define API_PAGE_LIMIT 100

enum api_mode { API_MODE_DIRECT, API_MODE_GATEWAY };

struct api_config {
	enum api_mode mode;
	const char *base_url;	/* no trailing '/'; e.g. API_DIRECT_URL */
	const char *key;	/* copied by api_init() */
	const char *connection;	/* gateway: Maton-Connection value, or NULL */
	const char *cafile;	/* extra CA bundle, or NULL */
	long connect_timeout_ms;	/* default 10000 */
	long timeout_ms;		/* default 60000 */
	int max_retries;		/* default 5 */
	long backoff_base_ms;	/* default 200 */
	long backoff_max_ms;	/* default 10000 */
};

int api_init(const struct api_config *cfg);	/* 0 or -errno */
void api_cleanup(void);

struct api_resp {
	long status;		/* HTTP status, 0 if none */
	cJSON *json;		/* parsed body, NULL if empty or not JSON */
	char *body;		/* raw body, NUL-terminated, may be "" */
	size_t len;
	int unsure;		/* failed, yet the server may have done it */
};

/*
 * One request.  path starts with "/api/v2/..." and may carry a query
 * string (callers escape values with api_escape()).  body may be NULL.
 * Returns 0 for a 2xx answer whose body is empty or valid JSON (resp is
 * filled; free with api_resp_free); otherwise -errno, with the error
 * recorded and resp left empty.  A 2xx body that is not valid JSON
 * (or is cut short) is -EIO.
 */
int api_call(const char *method, const char *path, const cJSON *body,
	     struct api_resp *resp);
void api_resp_free(struct api_resp *resp);

/*
 * api_call() with flags; the failures they name go to the log but not to
 * the error log, because the caller expects them.  API_QUIET_UNSURE: one
 * that leaves resp->unsure set (the caller finds out what happened and
 * records that).  API_QUIET_ABSENT: a 404 (the caller asks whether
 * something exists).
 */
#define API_QUIET_UNSURE 1
#define API_QUIET_ABSENT 2
int api_request(const char *method, const char *path, const cJSON *body,
		int flags, struct api_resp *resp);

/* URL-escapes one query value; malloc'd. */
char *api_escape(const char *s);

/*
 * A paged list call: GET path?limit=100&starting_after=... or, when
 * body is not NULL, POST path with {...body, "limit": 100,
 * "starting_after": ...}.  Use with pager.h.
 */
struct api_list_ctx {
	const char *method;	/* "GET" or "POST" */
	const char *path;	/* may already carry a query string */
	const cJSON *body;	/* POST body template, or NULL */
	int limit;		/* 1..100; 0 means API_PAGE_LIMIT */
};
/* A pager_fetch_fn; ctx is a struct api_list_ctx. */
int api_list_fetch(void *ctx, const char *cursor, cJSON **resp);

#endif
