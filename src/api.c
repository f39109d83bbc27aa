/*
 * api.c - the API core: one request (api_call), one page of a listing
 * (api_list_fetch), retries with backoff, errors -> errno.
 *
 * The bytes go through http.c, which owns libcurl and the connections;
 * this file says what a request means: its headers, whether it may be
 * sent again, what its answer or failure is for the caller.
 *
 * Locking: none of its own.  The state is written only by api_init() and
 * api_cleanup(), which must not run concurrently with any other call.
 *
 * Must not log the key or any header: error lines carry the method, the
 * path, the status and the API's message, and a copy of the key inside a
 * message is masked before it is recorded.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <curl/curl.h>

#include "api.h"
#include "buf.h"
#include "errlog.h"
#include "errmap.h"
#include "http.h"
#include "log.h"
#include "offline.h"
#include "rate.h"
#include "retry.h"
#include "stats.h"
#include "stop.h"

#ifndef INSTANTLYFS_VERSION
#define INSTANTLYFS_VERSION "dev"
#endif

#define API_DEF_CONNECT_TIMEOUT_MS 10000L
#define API_DEF_TIMEOUT_MS 60000L
#define API_DEF_RETRIES 5
#define API_DEF_BACKOFF_BASE_MS 200L
#define API_DEF_BACKOFF_MAX_MS 10000L
#define API_MASK_MIN 8 /* keys shorter than this are not searched for */

static struct {
	int ready;
	enum api_mode mode;
	char *base_url;
	char *key;
	int max_retries;
	long backoff_base_ms;
	long backoff_max_ms;
	struct curl_slist *hdr_nobody; /* requests without a body */
	struct curl_slist *hdr_body;   /* requests with a JSON body */
} api;

/* A header value must not be able to end the header line. */
static int api_header_safe(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return 0;
	return 1;
}

static void api_wipe_headers(struct curl_slist *l)
{
	struct curl_slist *p;

	for (p = l; p; p = p->next)
		explicit_bzero(p->data, strlen(p->data));
	curl_slist_free_all(l);
}

static struct curl_slist *api_add_header(struct curl_slist *l, const char *h)
{
	struct curl_slist *n;

	if (!l && !h)
		return NULL;
	n = curl_slist_append(l, h);
	if (!n)
		api_wipe_headers(l);
	return n;
}

static struct curl_slist *api_headers(const char *connection, int with_body)
{
	struct curl_slist *l;
	char *line = NULL;
	int n;

	n = asprintf(&line, "Authorization: Bearer %s", api.key);
	if (n < 0)
		return NULL;
	l = api_add_header(NULL, line);
	explicit_bzero(line, (size_t)n);
	free(line);
	if (l && api.mode == API_MODE_GATEWAY && connection && *connection) {
		if (asprintf(&line, "Maton-Connection: %s", connection) < 0) {
			api_wipe_headers(l);
			return NULL;
		}
		l = api_add_header(l, line);
		free(line);
	}
	if (l)
		l = api_add_header(l, "Accept: application/json");
	/* "Content-Type:" with no value stops curl adding a form type. */
	if (l)
		l = api_add_header(l, with_body
					  ? "Content-Type: application/json"
					  : "Content-Type:");
	if (l)
		l = api_add_header(l, "Expect:");
	return l;
}

static char *api_strdup_opt(const char *s, int *fail)
{
	char *d;

	if (!s)
		return NULL;
	d = strdup(s);
	if (!d)
		*fail = 1;
	return d;
}

int api_init(const struct api_config *cfg)
{
	struct http_config hc = { 0 };
	int fail = 0, rc;
	size_t n;

	if (api.ready)
		return -EBUSY;
	if (!cfg || !cfg->base_url || !*cfg->base_url || !cfg->key ||
	    !*cfg->key)
		return -EINVAL;
	if (!api_header_safe(cfg->key)) {
		log_err("api: the API key holds control characters");
		return -EINVAL;
	}
	if (cfg->connection && !api_header_safe(cfg->connection)) {
		log_err("api: the connection id holds control characters");
		return -EINVAL;
	}
	hc.cafile = cfg->cafile;
	hc.connect_timeout_ms = cfg->connect_timeout_ms > 0
					? cfg->connect_timeout_ms
					: API_DEF_CONNECT_TIMEOUT_MS;
	hc.timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : API_DEF_TIMEOUT_MS;
	hc.user_agent = "instantlyfs/" INSTANTLYFS_VERSION;
	rc = http_init(&hc);
	if (rc < 0)
		return rc;

	api.mode = cfg->mode;
	api.base_url = api_strdup_opt(cfg->base_url, &fail);
	api.key = api_strdup_opt(cfg->key, &fail);
	if (api.base_url) {
		n = strlen(api.base_url);
		while (n > 0 && api.base_url[n - 1] == '/')
			api.base_url[--n] = '\0';
	}
	/* 0 means no retries: the mount's -o retries=0 */
	api.max_retries =
	    cfg->max_retries >= 0 ? cfg->max_retries : API_DEF_RETRIES;
	api.backoff_base_ms = cfg->backoff_base_ms > 0
				  ? cfg->backoff_base_ms
				  : API_DEF_BACKOFF_BASE_MS;
	api.backoff_max_ms = cfg->backoff_max_ms > 0 ? cfg->backoff_max_ms
						     : API_DEF_BACKOFF_MAX_MS;
	if (api.backoff_max_ms < api.backoff_base_ms)
		api.backoff_max_ms = api.backoff_base_ms;
	api.ready = 1; /* from here on api_cleanup() undoes everything */

	if (fail)
		goto fail;
	api.hdr_nobody = api_headers(cfg->connection, 0);
	api.hdr_body = api_headers(cfg->connection, 1);
	if (!api.hdr_nobody || !api.hdr_body)
		goto fail;
	return 0;
fail:
	api_cleanup();
	return -ENOMEM;
}

void api_cleanup(void)
{
	if (!api.ready)
		return;
	api_wipe_headers(api.hdr_nobody);
	api_wipe_headers(api.hdr_body);
	api.hdr_nobody = NULL;
	api.hdr_body = NULL;
	if (api.key)
		explicit_bzero(api.key, strlen(api.key));
	free(api.key);
	free(api.base_url);
	api.key = NULL;
	api.base_url = NULL;
	api.ready = 0;
	http_cleanup();
}

/* One attempt; every attempt that is sent is counted, whatever its
 * outcome. */
static void api_try_once(const char *method, const char *path, const char *url,
			 const char *body, size_t body_len,
			 enum retry_class cls, struct http_res *t)
{
	/*
	 * libcurl silently sends a request again when a reused connection
	 * turns out dead before any answer; for a write that may already
	 * have been carried out, that would be a blind second send.  So a
	 * create takes a fresh connection (kept afterwards for others).
	 */
	struct http_req rq = { .method = method, .url = url, .body = body,
			       .body_len = body_len,
			       .headers = body ? api.hdr_body : api.hdr_nobody,
			       .fresh = cls == RETRY_ONCE };

	memset(t, 0, sizeof(*t));
	buf_init(&t->body, API_MAX_RESPONSE);
	if (rate_acquire(method, path) < 0) {
		t->dropped = HTTP_DROPPED_UNSENT;
		t->cc = CURLE_ABORTED_BY_CALLBACK;
		return;
	}
	stats_request(method, path);
	http_exchange(&rq, t);
	if (t->cc == CURLE_OK)
		offline_answered();	/* any status: the API is there */
	if (t->bytes_in > 0)
		stats_add(STAT_BYTES_IN, (unsigned long long)t->bytes_in);
	if (t->bytes_out > 0)
		stats_add(STAT_BYTES_OUT, (unsigned long long)t->bytes_out);
	if (t->cc == CURLE_OK && t->status == 429)
		stats_add(STAT_HTTP_429, 1);
	if (t->cc == CURLE_OK && t->status >= 400)
		stats_add(STAT_HTTP_ERROR, 1);
}

/* Failures that happen before any byte of the request has been sent. */
static int api_never_sent(CURLcode cc)
{
	return cc == CURLE_COULDNT_RESOLVE_PROXY ||
	       cc == CURLE_COULDNT_RESOLVE_HOST ||
	       cc == CURLE_COULDNT_CONNECT || cc == CURLE_SSL_CONNECT_ERROR;
}

/* Transport failures that another attempt cannot fix. */
static int api_transport_final(CURLcode cc)
{
	switch (cc) {
	case CURLE_UNSUPPORTED_PROTOCOL:
	case CURLE_URL_MALFORMAT:
	case CURLE_NOT_BUILT_IN:
	case CURLE_OUT_OF_MEMORY:
	case CURLE_BAD_FUNCTION_ARGUMENT:
	case CURLE_UNKNOWN_OPTION:
	case CURLE_WRITE_ERROR:
	case CURLE_FILESIZE_EXCEEDED:
	case CURLE_ABORTED_BY_CALLBACK:
	case CURLE_TOO_MANY_REDIRECTS:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
		return 1;
	default:
		return 0;
	}
}

/* How an attempt ended, for retry.h. */
static enum retry_end api_end(const struct http_res *t)
{
	if (t->cc == CURLE_OK)
		return RETRY_ANSWERED;
	if (api_never_sent(t->cc))
		return RETRY_NEVER_SENT;
	return api_transport_final(t->cc) ? RETRY_HOPELESS : RETRY_LOST;
}

static uint64_t api_rand(void)
{
	static __thread uint64_t s;
	struct timespec ts;

	if (!s) {
		clock_gettime(CLOCK_MONOTONIC, &ts);
		s = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^
		    (uint64_t)(uintptr_t)&ts;
		if (!s)
			s = 1;
	}
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* Retry-After when the server sent one, else full jitter over
 * base * 2^attempt; both capped at backoff_max. */
static long api_backoff_ms(int attempt, curl_off_t retry_after)
{
	long cap = api.backoff_max_ms;
	long d = api.backoff_base_ms;
	int i;

	if (retry_after > 0)
		return retry_after > cap / 1000 ? cap
						: (long)retry_after * 1000;
	for (i = 0; i < attempt && d < cap; i++)
		d = d > LONG_MAX / 2 ? cap : d * 2;
	if (d > cap)
		d = cap;
	return (long)(api_rand() % ((uint64_t)d + 1));
}

/* Hides any copy of the key inside text bound for a log. */
static void api_mask_key(char *s)
{
	size_t n;
	char *p;

	if (!s || !api.key)
		return;
	n = strlen(api.key);
	if (n < API_MASK_MIN)
		return;
	while ((p = strstr(s, api.key)) != NULL)
		memset(p, '*', n);
}

/* Set while a failure whose outcome the caller will look up is reported:
 * it goes to the log only; the caller records what it finds. */
static __thread int api_quiet;

static void api_record(const char *method, const char *path, const char *status,
		       char *message)
{
	api_mask_key(message);
	if (api_quiet) {
		log_info("api: %s %s -> %s: %s", method, path, status,
			 message);
		return;
	}
	errlog_add(method, path, status, message);
	log_err("api: %s %s -> %s: %s", method, path, status, message);
}

static int api_fail_transport(const char *method, const char *path,
			      struct http_res *t)
{
	char msg[CURL_ERROR_SIZE + 64];
	char status[24];

	if (t->buf_err == -EFBIG || t->cc == CURLE_FILESIZE_EXCEEDED) {
		snprintf(status, sizeof(status), "%ld", t->status);
		snprintf(msg, sizeof(msg),
			 "response too large (over %u bytes), transfer aborted",
			 API_MAX_RESPONSE);
		api_record(method, path, t->status ? status : "transport", msg);
		return -EIO;
	}
	if (t->buf_err == -ENOMEM) {
		snprintf(msg, sizeof(msg),
			 "out of memory reading the response");
		api_record(method, path, "transport", msg);
		return -ENOMEM;
	}
	snprintf(msg, sizeof(msg), "%s%s",
		 offline_unreachable(t->cc) ? "the API could not be reached: "
					    : "",
		 t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->cc));
	api_record(method, path, curl_easy_strerror(t->cc), msg);
	if (t->cc == CURLE_PARTIAL_FILE)
		return -EIO;
	return -errmap_curl(t->cc);
}

static int api_fail_http(const char *method, const char *path,
			 struct http_res *t)
{
	char status[24];
	char *msg;
	int e;

	snprintf(status, sizeof(status), "%ld", t->status);
	msg = errmap_message(t->body.data ? t->body.data : "", t->body.len);
	if (t->status >= 400) {
		e = errmap_http(t->status);
		if (e <= 0)
			e = EIO;
	} else {
		e = EIO; /* 1xx or 3xx: redirects are not followed */
	}
	api_record(method, path, status, msg ? msg : "(no message)");
	free(msg);
	return -e;
}

static int api_blank(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t' && s[i] != '\r' && s[i] != '\n')
			return 0;
	return 1;
}

/* A 2xx answer: empty, or exactly one JSON value. */
static int api_succeed(const char *method, const char *path, struct http_res *t,
		       struct api_resp *resp)
{
	const char *end = NULL;
	cJSON *json = NULL;
	char status[24];
	char msg[80];
	char *data;
	size_t len;

	data = t->body.data ? t->body.data : "";
	len = t->body.len;
	if (!api_blank(data, len)) {
		json = cJSON_ParseWithLengthOpts(data, len, &end, 0);
		if (!json || !end ||
		    !api_blank(end, len - (size_t)(end - data))) {
			cJSON_Delete(json);
			snprintf(status, sizeof(status), "%ld", t->status);
			snprintf(msg, sizeof(msg),
				 "response is not valid JSON (%zu bytes)", len);
			api_record(method, path, status, msg);
			return -EIO;
		}
	}
	if (!resp) {
		cJSON_Delete(json);
		return 0;
	}
	resp->json = json;
	resp->body = buf_steal(&t->body, &resp->len);
	return 0;
}

/*
 * The mount's stop dropped the request (stop.h).  A read is only logged:
 * nobody waits for it.  A write says in the error log and the log whether
 * it may have been done.
 */
static int api_dropped(const char *method, const char *path,
		       enum retry_class cls, int sent)
{
	if (cls == RETRY_READ) {
		log_info("api: %s %s dropped: the mount is stopping", method,
			 path);
		return -ECANCELED;
	}
	char msg[96];

	snprintf(msg, sizeof(msg), "%s",
		 sent ? "the mount stopped before the answer came: look "
			"before doing it again"
		      : "the mount stopped before it could be sent");
	api_record(method, path, sent ? "outcome unknown" : "not sent", msg);
	return -ECANCELED;
}

/* A DELETE answered 404 after an earlier attempt may have reached the
 * server: that attempt did it. */
static int api_deleted_before(const char *method, int attempt,
			      const struct http_res *t)
{
	return attempt > 0 && t->cc == CURLE_OK && t->status == 404 &&
	       !strcmp(method, "DELETE");
}

int api_request(const char *method, const char *path, const cJSON *body,
		int flags, struct api_resp *resp)
{
	struct http_res t;
	char *url = NULL;
	char *payload = NULL;
	size_t payload_len = 0;
	enum retry_class cls;
	int attempt, rc, unsure;
	long delay;

	if (resp)
		memset(resp, 0, sizeof(*resp));
	if (!api.ready || !method || !path || path[0] != '/')
		return -EINVAL;
	if (asprintf(&url, "%s%s", api.base_url, path) < 0)
		return -ENOMEM;
	if (body) {
		payload = cJSON_PrintUnformatted(body);
		if (!payload) {
			free(url);
			return -ENOMEM;
		}
		payload_len = strlen(payload);
	}
	cls = retry_class(method, path);

	for (attempt = 0;; attempt++) {
		api_try_once(method, path, url, payload, payload_len, cls, &t);
		log_debug("api: %s %s -> %ld (%zu bytes)", method, path,
			  t.status, t.body.len);
		if (t.cc == CURLE_OK && t.status >= 200 && t.status < 300)
			break;
		if (api_deleted_before(method, attempt, &t)) {
			log_info("api: %s %s -> 404 after a lost answer: "
				 "already deleted", method, path);
			t.status = 204;
			t.body.len = 0;
			break;
		}
		if (attempt >= api.max_retries ||
		    !retry_again(cls, api_end(&t), t.status))
			break;
		delay = api_backoff_ms(attempt, t.retry_after);
		stats_add(STAT_RETRY, 1);
		if (t.cc != CURLE_OK)
			log_info("api: %s %s -> %s; retry %d in %ld ms", method,
				 path, curl_easy_strerror(t.cc), attempt + 1,
				 delay);
		else
			log_info("api: %s %s -> %ld; retry %d in %ld ms",
				 method, path, t.status, attempt + 1, delay);
		buf_free(&t.body);
		if (stop_sleep_ms(delay) < 0) {
			t.dropped = HTTP_DROPPED_UNSENT;
			break;
		}
	}
	if (t.dropped) {
		rc = api_dropped(method, path, cls, attempt > 0 ||
				 t.dropped == HTTP_DROPPED_SENT);
		goto out;
	}

	if (t.cc != CURLE_OK && offline_unreachable(t.cc))
		offline_failed();	/* retries spent: reads fall back */
	unsure = retry_unsure(cls, api_end(&t), t.status);
	if (resp) {
		resp->status = t.status;
		resp->unsure = unsure;
	}
	api_quiet = (unsure && (flags & API_QUIET_UNSURE)) ||
		    (t.cc == CURLE_OK && t.status == 404 &&
		     (flags & API_QUIET_ABSENT));
	if (t.cc != CURLE_OK)
		rc = api_fail_transport(method, path, &t);
	else if (t.status < 200 || t.status >= 300)
		rc = api_fail_http(method, path, &t);
	else
		rc = api_succeed(method, path, &t, resp);
	api_quiet = 0;
out:
	buf_free(&t.body);
	free(payload);
	free(url);
	return rc;
}

int api_call(const char *method, const char *path, const cJSON *body,
	     struct api_resp *resp)
{
	return api_request(method, path, body, 0, resp);
}

void api_resp_free(struct api_resp *resp)
{
	if (!resp)
		return;
	cJSON_Delete(resp->json);
	free(resp->body);
	memset(resp, 0, sizeof(*resp));
}

char *api_escape(const char *s)
{
	char *e, *r;
	size_t n;

	if (!s)
		return NULL;
	n = strlen(s);
	if (n > INT_MAX)
		return NULL;
	e = curl_easy_escape(NULL, s, (int)n);
	if (!e)
		return NULL;
	r = strdup(e);
	curl_free(e);
	return r;
}

static cJSON *api_list_body(const cJSON *tmpl, int limit, const char *cursor)
{
	cJSON *b;

	b = tmpl ? cJSON_Duplicate(tmpl, 1) : cJSON_CreateObject();
	if (!b)
		return NULL;
	if (!cJSON_IsObject(b)) {
		cJSON_Delete(b);
		return NULL;
	}
	cJSON_DeleteItemFromObjectCaseSensitive(b, "limit");
	cJSON_DeleteItemFromObjectCaseSensitive(b, "starting_after");
	if (!cJSON_AddNumberToObject(b, "limit", limit) ||
	    (cursor && !cJSON_AddStringToObject(b, "starting_after", cursor))) {
		cJSON_Delete(b);
		return NULL;
	}
	return b;
}

int api_list_fetch(void *ctx, const char *cursor, cJSON **out)
{
	const struct api_list_ctx *c = ctx;
	struct api_resp r;
	const char *method;
	char *path = NULL;
	char *esc = NULL;
	char status[24];
	cJSON *b;
	int limit, rc;

	*out = NULL;
	if (!c || !c->path)
		return -EINVAL;
	limit = c->limit > 0 && c->limit <= API_PAGE_LIMIT ? c->limit
							   : API_PAGE_LIMIT;
	method = c->method ? c->method : "GET";
	if (c->body || strcmp(method, "POST") == 0) {
		method = "POST";
		if (c->body && !cJSON_IsObject(c->body))
			return -EINVAL;
		b = api_list_body(c->body, limit, cursor);
		if (!b)
			return -ENOMEM;
		rc = api_call(method, c->path, b, &r);
		cJSON_Delete(b);
	} else {
		if (cursor) {
			esc = api_escape(cursor);
			if (!esc)
				return -ENOMEM;
		}
		if (asprintf(&path, "%s%climit=%d%s%s", c->path,
			     strchr(c->path, '?') ? '&' : '?', limit,
			     esc ? "&starting_after=" : "", esc ? esc : "") < 0)
			path = NULL;
		free(esc);
		if (!path)
			return -ENOMEM;
		rc = api_call(method, path, NULL, &r);
		free(path);
	}
	if (rc < 0)
		return rc;
	if (!r.json) {
		snprintf(status, sizeof(status), "%ld", r.status);
		errlog_add(method, c->path, status,
			   "empty response to a list call");
		log_err("api: %s %s -> %s: empty response to a list call",
			method, c->path, status);
		api_resp_free(&r);
		return -EIO;
	}
	*out = r.json;
	r.json = NULL;
	api_resp_free(&r);
	return 0;
}
