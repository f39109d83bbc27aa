/*
 * api.c - the API core: one request (api_call), one page of a listing
 * (api_list_fetch), retries with backoff, errors -> errno.
 *
 * Owns every piece of libcurl state: a curl share of the DNS cache and the
 * TLS session cache, and a pool of easy handles.  Connections are reused by
 * reusing handles: an idle handle keeps its live connection, and the pool
 * hands out the most recently used handle first, so sequential requests
 * from any FUSE thread ride the same TCP/TLS connection.  The connection
 * cache itself is deliberately not put in the share: libcurl documents that
 * sharing connections between concurrent threads is not supported (a known
 * bug that crashes), and FUSE calls us from many threads.  At most
 * API_POOL_MAX transfers run at once; further callers wait for a handle,
 * which also bounds the connections we open to the API.
 *
 * Locking: pool_lock (with pool_cond) guards the pool; share_locks[], one
 * per curl_lock_data, are taken by libcurl through the share callbacks.
 * Everything else is written only by api_init() and api_cleanup(), which
 * must not run concurrently with any other call.
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
#include "log.h"
#include "rate.h"
#include "retry.h"
#include "stats.h"

#ifndef INSTANTLYFS_VERSION
#define INSTANTLYFS_VERSION "dev"
#endif

#define API_POOL_MAX 8
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
	char *cafile;
	long connect_timeout_ms;
	long timeout_ms;
	int max_retries;
	long backoff_base_ms;
	long backoff_max_ms;
	struct curl_slist *hdr_nobody; /* requests without a body */
	struct curl_slist *hdr_body;   /* requests with a JSON body */
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	CURL *idle[API_POOL_MAX];
	int nidle;
	int nlive;
} api;

/* The outcome of one attempt. */
struct api_try {
	CURLcode cc;
	long status;
	curl_off_t retry_after; /* seconds, 0 if none */
	int buf_err;		/* buf_append() failure, e.g. -EFBIG */
	struct buf body;
	char errbuf[CURL_ERROR_SIZE];
};

static void api_share_lock(CURL *h, curl_lock_data data,
			   curl_lock_access access, void *userp)
{
	(void)h;
	(void)access;
	(void)userp;
	if ((unsigned)data < (unsigned)CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&api.share_locks[data]);
}

static void api_share_unlock(CURL *h, curl_lock_data data, void *userp)
{
	(void)h;
	(void)userp;
	if ((unsigned)data < (unsigned)CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&api.share_locks[data]);
}

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
	int fail = 0;
	size_t n;
	int i;

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
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;

	api.mode = cfg->mode;
	api.base_url = api_strdup_opt(cfg->base_url, &fail);
	api.key = api_strdup_opt(cfg->key, &fail);
	api.cafile = api_strdup_opt(cfg->cafile, &fail);
	if (api.base_url) {
		n = strlen(api.base_url);
		while (n > 0 && api.base_url[n - 1] == '/')
			api.base_url[--n] = '\0';
	}
	api.connect_timeout_ms = cfg->connect_timeout_ms > 0
				     ? cfg->connect_timeout_ms
				     : API_DEF_CONNECT_TIMEOUT_MS;
	api.timeout_ms =
	    cfg->timeout_ms > 0 ? cfg->timeout_ms : API_DEF_TIMEOUT_MS;
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

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&api.share_locks[i], NULL);
	pthread_mutex_init(&api.pool_lock, NULL);
	pthread_cond_init(&api.pool_cond, NULL);
	api.nidle = 0;
	api.nlive = 0;
	api.ready = 1; /* from here on api_cleanup() undoes everything */

	if (fail)
		goto fail;
	api.hdr_nobody = api_headers(cfg->connection, 0);
	api.hdr_body = api_headers(cfg->connection, 1);
	api.share = curl_share_init();
	if (!api.hdr_nobody || !api.hdr_body || !api.share)
		goto fail;
	if (curl_share_setopt(api.share, CURLSHOPT_LOCKFUNC, api_share_lock) ||
	    curl_share_setopt(api.share, CURLSHOPT_UNLOCKFUNC,
			      api_share_unlock) ||
	    curl_share_setopt(api.share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(api.share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_SSL_SESSION))
		goto fail;
	return 0;
fail:
	api_cleanup();
	return -ENOMEM;
}

void api_cleanup(void)
{
	int i;

	if (!api.ready)
		return;
	pthread_mutex_lock(&api.pool_lock);
	if (api.nlive != api.nidle)
		log_err("api: cleanup with %d requests in flight",
			api.nlive - api.nidle);
	while (api.nidle > 0)
		curl_easy_cleanup(api.idle[--api.nidle]);
	api.nlive = 0;
	pthread_mutex_unlock(&api.pool_lock);
	if (api.share)
		curl_share_cleanup(api.share);
	api.share = NULL;
	api_wipe_headers(api.hdr_nobody);
	api_wipe_headers(api.hdr_body);
	api.hdr_nobody = NULL;
	api.hdr_body = NULL;
	if (api.key)
		explicit_bzero(api.key, strlen(api.key));
	free(api.key);
	free(api.base_url);
	free(api.cafile);
	api.key = NULL;
	api.base_url = NULL;
	api.cafile = NULL;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&api.share_locks[i]);
	pthread_mutex_destroy(&api.pool_lock);
	pthread_cond_destroy(&api.pool_cond);
	api.ready = 0;
	curl_global_cleanup();
}

/* A handle from the pool, the most recently used first; waits when
 * API_POOL_MAX transfers are already running. */
static CURL *api_acquire(void)
{
	CURL *h = NULL;

	pthread_mutex_lock(&api.pool_lock);
	while (api.nidle == 0 && api.nlive >= API_POOL_MAX)
		pthread_cond_wait(&api.pool_cond, &api.pool_lock);
	if (api.nidle > 0)
		h = api.idle[--api.nidle];
	else
		api.nlive++;
	pthread_mutex_unlock(&api.pool_lock);
	if (h) {
		curl_easy_reset(h); /* keeps its live connection */
		return h;
	}
	h = curl_easy_init();
	if (h && curl_easy_setopt(h, CURLOPT_SHARE, api.share) != CURLE_OK) {
		curl_easy_cleanup(h);
		h = NULL;
	}
	if (!h) {
		pthread_mutex_lock(&api.pool_lock);
		api.nlive--;
		pthread_cond_signal(&api.pool_cond);
		pthread_mutex_unlock(&api.pool_lock);
	}
	return h;
}

static void api_release(CURL *h)
{
	pthread_mutex_lock(&api.pool_lock);
	api.idle[api.nidle++] = h;
	pthread_cond_signal(&api.pool_cond);
	pthread_mutex_unlock(&api.pool_lock);
}

static size_t api_write_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct api_try *t = userp;
	size_t n = size * nmemb;
	int rc;

	rc = buf_append(&t->body, p, n);
	if (rc < 0) {
		t->buf_err = rc;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static void api_setup(CURL *h, const char *method, const char *url,
		      const char *body, size_t body_len, struct api_try *t)
{
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 60L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 30L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, api.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, api.timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (api.cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, api.cafile);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT,
			 "instantlyfs/" INSTANTLYFS_VERSION);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER,
			 body ? api.hdr_body : api.hdr_nobody);
	/* Refuses a declared oversize body before it is downloaded; the
	 * write callback's bounded buffer catches the rest. */
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)API_MAX_RESPONSE);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, api_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, t);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, t->errbuf);

	if (strcmp(method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
	if (!body && strcmp(method, "DELETE") == 0)
		return;
	/* POST, PATCH, PUT: an empty body still says Content-Length: 0. */
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body_len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, body ? body : "");
}

/* One attempt; every attempt is counted, whatever its outcome. */
static void api_try_once(const char *method, const char *path, const char *url,
			 const char *body, size_t body_len,
			 enum retry_class cls, struct api_try *t)
{
	curl_off_t n;
	CURL *h;

	memset(t, 0, sizeof(*t));
	buf_init(&t->body, API_MAX_RESPONSE);
	rate_acquire(method, path);
	stats_request(method, path);
	h = api_acquire();
	if (!h) {
		t->cc = CURLE_OUT_OF_MEMORY;
		return;
	}
	api_setup(h, method, url, body, body_len, t);
	/*
	 * libcurl silently sends a request again when a reused connection
	 * turns out dead before any answer; for a write that may already
	 * have been carried out, that would be a blind second send.  So a
	 * create takes a fresh connection (kept afterwards for others).
	 */
	if (cls == RETRY_ONCE)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	t->cc = curl_easy_perform(h);
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &t->status);
	if (curl_easy_getinfo(h, CURLINFO_RETRY_AFTER, &t->retry_after) !=
		CURLE_OK ||
	    t->retry_after < 0)
		t->retry_after = 0;
	if (curl_easy_getinfo(h, CURLINFO_SIZE_DOWNLOAD_T, &n) == CURLE_OK &&
	    n > 0)
		stats_add(STAT_BYTES_IN, (unsigned long long)n);
	if (curl_easy_getinfo(h, CURLINFO_SIZE_UPLOAD_T, &n) == CURLE_OK &&
	    n > 0)
		stats_add(STAT_BYTES_OUT, (unsigned long long)n);
	/* The error buffer lives on the caller's stack: unhook it. */
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, NULL);
	api_release(h);
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
static enum retry_end api_end(const struct api_try *t)
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

static void api_sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
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
			      struct api_try *t)
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
	snprintf(msg, sizeof(msg), "%s",
		 t->errbuf[0] ? t->errbuf : curl_easy_strerror(t->cc));
	api_record(method, path, curl_easy_strerror(t->cc), msg);
	if (t->cc == CURLE_PARTIAL_FILE)
		return -EIO;
	return -errmap_curl(t->cc);
}

static int api_fail_http(const char *method, const char *path,
			 struct api_try *t)
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
static int api_succeed(const char *method, const char *path, struct api_try *t,
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

/* A DELETE answered 404 after an earlier attempt may have reached the
 * server: that attempt did it. */
static int api_deleted_before(const char *method, int attempt,
			      const struct api_try *t)
{
	return attempt > 0 && t->cc == CURLE_OK && t->status == 404 &&
	       !strcmp(method, "DELETE");
}

int api_request(const char *method, const char *path, const cJSON *body,
		int flags, struct api_resp *resp)
{
	struct api_try t;
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
		api_sleep_ms(delay);
	}

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
