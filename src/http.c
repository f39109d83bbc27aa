/*
 * http.c - one HTTP exchange over pooled connections (see http.h).
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "http.h"
#include "log.h"
#include "stop.h"

/* An easy handle in a multi handle of its own: the multi keeps the
 * slot's connection, and its poll lets a stop end an exchange. */
struct http_slot {
	CURL *easy;
	CURLM *multi;
};

static struct {
	int ready;
	char *cafile;
	char *user_agent;
	long connect_timeout_ms;
	long timeout_ms;
	CURLSH *share;
	pthread_mutex_t share_locks[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_lock;
	pthread_cond_t pool_cond;
	struct http_slot *idle[HTTP_POOL_MAX];
	int nidle;
	int nlive;
} http;

static void http_share_lock(CURL *h, curl_lock_data data,
			    curl_lock_access access, void *userp)
{
	(void)h;
	(void)access;
	(void)userp;
	if ((unsigned)data < (unsigned)CURL_LOCK_DATA_LAST)
		pthread_mutex_lock(&http.share_locks[data]);
}

static void http_share_unlock(CURL *h, curl_lock_data data, void *userp)
{
	(void)h;
	(void)userp;
	if ((unsigned)data < (unsigned)CURL_LOCK_DATA_LAST)
		pthread_mutex_unlock(&http.share_locks[data]);
}

int http_init(const struct http_config *cfg)
{
	int i;

	if (http.ready)
		return -EBUSY;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&http.share_locks[i], NULL);
	pthread_mutex_init(&http.pool_lock, NULL);
	pthread_cond_init(&http.pool_cond, NULL);
	http.nidle = 0;
	http.nlive = 0;
	http.connect_timeout_ms = cfg->connect_timeout_ms;
	http.timeout_ms = cfg->timeout_ms;
	http.ready = 1; /* from here on http_cleanup() undoes everything */
	http.cafile = cfg->cafile ? strdup(cfg->cafile) : NULL;
	http.user_agent = strdup(cfg->user_agent);
	http.share = curl_share_init();
	if ((cfg->cafile && !http.cafile) || !http.user_agent || !http.share)
		goto fail;
	if (curl_share_setopt(http.share, CURLSHOPT_LOCKFUNC,
			      http_share_lock) ||
	    curl_share_setopt(http.share, CURLSHOPT_UNLOCKFUNC,
			      http_share_unlock) ||
	    curl_share_setopt(http.share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_DNS) ||
	    curl_share_setopt(http.share, CURLSHOPT_SHARE,
			      CURL_LOCK_DATA_SSL_SESSION))
		goto fail;
	return 0;
fail:
	http_cleanup();
	return -ENOMEM;
}

static void http_slot_free(struct http_slot *s)
{
	if (!s)
		return;
	if (s->multi)
		curl_multi_cleanup(s->multi);
	if (s->easy)
		curl_easy_cleanup(s->easy);
	free(s);
}

void http_cleanup(void)
{
	int i;

	if (!http.ready)
		return;
	pthread_mutex_lock(&http.pool_lock);
	if (http.nlive != http.nidle)
		log_err("http: cleanup with %d requests in flight",
			http.nlive - http.nidle);
	while (http.nidle > 0)
		http_slot_free(http.idle[--http.nidle]);
	http.nlive = 0;
	pthread_mutex_unlock(&http.pool_lock);
	if (http.share)
		curl_share_cleanup(http.share);
	http.share = NULL;
	free(http.cafile);
	free(http.user_agent);
	http.cafile = NULL;
	http.user_agent = NULL;
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&http.share_locks[i]);
	pthread_mutex_destroy(&http.pool_lock);
	pthread_cond_destroy(&http.pool_cond);
	http.ready = 0;
	curl_global_cleanup();
}

static struct http_slot *http_slot_new(void)
{
	struct http_slot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->easy = curl_easy_init();
	s->multi = curl_multi_init();
	if (!s->easy || !s->multi ||
	    curl_easy_setopt(s->easy, CURLOPT_SHARE, http.share) != CURLE_OK) {
		http_slot_free(s);
		return NULL;
	}
	return s;
}

/* A slot from the pool, the most recently used first; waits while
 * HTTP_POOL_MAX exchanges run.  NULL with *err -ENOMEM, or -ECANCELED
 * when the stop drops the caller's work while it waits. */
static struct http_slot *http_acquire(int *err)
{
	struct http_slot *s = NULL;

	pthread_mutex_lock(&http.pool_lock);
	while (http.nidle == 0 && http.nlive >= HTTP_POOL_MAX) {
		if ((*err = stop_check()) < 0) {
			pthread_mutex_unlock(&http.pool_lock);
			return NULL;
		}
		stop_cond_wait(&http.pool_cond, &http.pool_lock);
	}
	if (http.nidle > 0)
		s = http.idle[--http.nidle];
	else
		http.nlive++;
	pthread_mutex_unlock(&http.pool_lock);
	if (s) {
		curl_easy_reset(s->easy); /* keeps the share */
		return s;
	}
	s = http_slot_new();
	if (!s) {
		*err = -ENOMEM;
		pthread_mutex_lock(&http.pool_lock);
		http.nlive--;
		pthread_cond_signal(&http.pool_cond);
		pthread_mutex_unlock(&http.pool_lock);
	}
	return s;
}

static void http_release(struct http_slot *s)
{
	pthread_mutex_lock(&http.pool_lock);
	http.idle[http.nidle++] = s;
	pthread_cond_signal(&http.pool_cond);
	pthread_mutex_unlock(&http.pool_lock);
}

static size_t http_write_cb(char *p, size_t size, size_t nmemb, void *userp)
{
	struct http_res *res = userp;
	size_t n = size * nmemb;
	int rc;

	rc = buf_append(&res->body, p, n);
	if (rc < 0) {
		res->buf_err = rc;
		return 0; /* aborts the transfer: CURLE_WRITE_ERROR */
	}
	return n;
}

static void http_setup(CURL *h, const struct http_req *rq,
		       struct http_res *res)
{
	curl_easy_setopt(h, CURLOPT_URL, rq->url);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 60L);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 30L);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, http.connect_timeout_ms);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, http.timeout_ms);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
	if (http.cafile)
		curl_easy_setopt(h, CURLOPT_CAINFO, http.cafile);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	curl_easy_setopt(h, CURLOPT_USERAGENT, http.user_agent);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, rq->headers);
	/* Refuses a declared oversize body before it is downloaded; the
	 * write callback's bounded buffer catches the rest. */
	curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE,
			 (curl_off_t)res->body.max);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, http_write_cb);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, res);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, res->errbuf);
	if (rq->fresh)
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);

	if (strcmp(rq->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(rq->method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, rq->method);
	if (!rq->body && strcmp(rq->method, "DELETE") == 0)
		return;
	/* POST, PATCH, PUT: an empty body still says Content-Length: 0. */
	curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
			 (curl_off_t)rq->body_len);
	curl_easy_setopt(h, CURLOPT_POSTFIELDS, rq->body ? rq->body : "");
}

/* Has any byte of the request left? */
static int http_sent(CURL *h)
{
	long n = 0;

	return curl_easy_getinfo(h, CURLINFO_REQUEST_SIZE, &n) == CURLE_OK &&
	       n > 0;
}

/* Drives the slot's transfer to its end, a tick of poll at a time. */
static void http_run(struct http_slot *s, struct http_res *res)
{
	CURLMcode mc;
	CURLMsg *msg;
	int running = 1, left;

	res->cc = CURLE_OK;
	if (curl_multi_add_handle(s->multi, s->easy) != CURLM_OK) {
		res->cc = CURLE_OUT_OF_MEMORY;
		return;
	}
	for (;;) {
		mc = curl_multi_perform(s->multi, &running);
		if (mc != CURLM_OK || !running)
			break;
		if (stop_check() < 0) {
			res->dropped = http_sent(s->easy) ? HTTP_DROPPED_SENT
							  : HTTP_DROPPED_UNSENT;
			res->cc = CURLE_ABORTED_BY_CALLBACK;
			break;
		}
		mc = curl_multi_poll(s->multi, NULL, 0, STOP_TICK_MS, NULL);
		if (mc != CURLM_OK)
			break;
	}
	if (mc != CURLM_OK)
		res->cc = mc == CURLM_OUT_OF_MEMORY ? CURLE_OUT_OF_MEMORY
						    : CURLE_FAILED_INIT;
	while (!res->dropped && mc == CURLM_OK &&
	       (msg = curl_multi_info_read(s->multi, &left)))
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == s->easy)
			res->cc = msg->data.result;
	/* Removing an unfinished transfer closes its connection. */
	curl_multi_remove_handle(s->multi, s->easy);
}

void http_exchange(const struct http_req *rq, struct http_res *res)
{
	struct http_slot *s;
	int err = 0;

	res->cc = CURLE_OK;
	res->status = 0;
	res->retry_after = 0;
	res->buf_err = 0;
	res->bytes_in = res->bytes_out = 0;
	res->dropped = HTTP_NOT_DROPPED;
	res->errbuf[0] = '\0';
	s = http_acquire(&err);
	if (!s) {
		if (err == -ECANCELED)
			res->dropped = HTTP_DROPPED_UNSENT;
		res->cc = err == -ECANCELED ? CURLE_ABORTED_BY_CALLBACK
					    : CURLE_OUT_OF_MEMORY;
		return;
	}
	http_setup(s->easy, rq, res);
	http_run(s, res);
	curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &res->status);
	if (curl_easy_getinfo(s->easy, CURLINFO_RETRY_AFTER,
			      &res->retry_after) != CURLE_OK ||
	    res->retry_after < 0)
		res->retry_after = 0;
	if (curl_easy_getinfo(s->easy, CURLINFO_SIZE_DOWNLOAD_T,
			      &res->bytes_in) != CURLE_OK)
		res->bytes_in = 0;
	if (curl_easy_getinfo(s->easy, CURLINFO_SIZE_UPLOAD_T,
			      &res->bytes_out) != CURLE_OK)
		res->bytes_out = 0;
	/* The error buffer and the body are the caller's: unhook them. */
	curl_easy_setopt(s->easy, CURLOPT_ERRORBUFFER, NULL);
	curl_easy_setopt(s->easy, CURLOPT_WRITEDATA, NULL);
	http_release(s);
}
