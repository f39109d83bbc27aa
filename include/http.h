/*
 * http.h - one HTTP exchange over a pool of reused connections.
 *
 * Owns every piece of libcurl state: a curl share of the DNS cache and the
 * TLS session cache, and a pool of slots, each an easy handle in a multi
 * handle of its own.  A slot keeps its live connection between exchanges,
 * and the pool hands out the most recently used slot first, so sequential
 * requests from any FUSE thread ride the same TCP/TLS connection.  The
 * connection cache itself is deliberately not put in the share: libcurl
 * documents that sharing connections between concurrent threads is not
 * supported (a known bug that crashes), and FUSE calls us from many
 * threads.  At most HTTP_POOL_MAX exchanges run at once; further callers
 * wait for a slot, which also bounds the connections opened.
 *
 * An exchange runs in ticks of the multi handle's poll, so the mount's
 * stop (stop.h) ends it, and a wait for a slot, within a tick.  TLS
 * verification is always on; redirects are never followed.
 *
 * Knows nothing of the API: what a request means, retries and errors are
 * api.c's.  Must not log anything: headers carry the key.
 * Locking: pool_lock (with pool_cond) guards the pool; share_locks[], one
 * per curl_lock_data, are taken by libcurl through the share callbacks.
 * http_init() and http_cleanup() must not run concurrently with anything.
 */
#ifndef INSTANTLYFS_HTTP_H
#define INSTANTLYFS_HTTP_H

#include <stddef.h>
#include <curl/curl.h>

#include "buf.h"

#define HTTP_POOL_MAX 8

struct http_config {
	const char *cafile;	/* extra CA bundle, or NULL */
	long connect_timeout_ms;
	long timeout_ms;
	const char *user_agent;
};

int http_init(const struct http_config *cfg);	/* 0 or -errno */
void http_cleanup(void);

struct http_req {
	const char *method;	/* GET, POST, PATCH, PUT, DELETE */
	const char *url;
	const char *body;	/* NULL: none */
	size_t body_len;
	const struct curl_slist *headers;
	int fresh;		/* on a new connection */
};

/* Whether the mount's stop dropped the exchange, and when. */
enum http_dropped {
	HTTP_NOT_DROPPED,
	HTTP_DROPPED_UNSENT,	/* before any byte of it left */
	HTTP_DROPPED_SENT,	/* after it left: it may have been done */
};

struct http_res {
	CURLcode cc;
	long status;		/* 0 if no answer */
	curl_off_t retry_after;	/* seconds, 0 if none */
	int buf_err;		/* buf_append() failure, e.g. -EFBIG */
	struct buf body;	/* the caller sets its limit (buf_init) */
	curl_off_t bytes_in, bytes_out;
	enum http_dropped dropped;
	char errbuf[CURL_ERROR_SIZE];
};

/* Runs one exchange; res->body must be initialised.  Bodies larger than
 * res->body.max are refused (CURLE_FILESIZE_EXCEEDED or a buf_err). */
void http_exchange(const struct http_req *rq, struct http_res *res);

#endif
