/*
 * test_api.c - the API core (api.c), key loading (key.c) and the
 * connections subcommand (connections.c), against a tiny scripted HTTP/1.1
 * server on 127.0.0.1 that runs in a thread of the test process.
 *
 * The server answers each request with the next response of its script
 * (the last one repeats), records every request's raw text and counts the
 * connections it accepted.  Backoffs are a few milliseconds so every test
 * stays well under a second.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "api.h"
#include "connections.h"
#include "errlog.h"
#include "key.h"
#include "stats.h"
#include "stop.h"

#define TEST_KEY "sk-test-0123456789abcdefSECRET"
#define SRV_MAX_CONNS 16
#define SRV_INBUF 65536
#define SRV_LOG_MAX (1u << 20)

struct srv_resp {
	const char *head; /* status line and headers, each with CRLF */
	const char *body; /* sent with its Content-Length; NULL: head
			   * is sent as it is, blank line included */
	int close_after;  /* close the connection after sending it */
	size_t big;	  /* > 0: then stream a chunked body this long */
};

struct srv_conn {
	int fd;
	size_t len;
	char in[SRV_INBUF];
};

static struct {
	int running;
	int lfd;
	int port;
	int stop[2];
	pthread_t thr;
	pthread_mutex_t lock;
	struct srv_resp *script; /* a copy: tests pass stack arrays */
	int nscript;
	int accepted;
	int requests;
	char *log; /* every request, raw, one after another */
	size_t log_len;
	struct srv_conn conns[SRV_MAX_CONNS];
} srv;

static int srv_send_all(int fd, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int srv_send_big(int fd, size_t total)
{
	static char chunk[65536];
	char head[32];
	size_t sent = 0, n;

	memset(chunk, ' ', sizeof(chunk));
	while (sent < total) {
		n = total - sent < sizeof(chunk) ? total - sent : sizeof(chunk);
		snprintf(head, sizeof(head), "%zx\r\n", n);
		if (srv_send_all(fd, head, strlen(head)) < 0 ||
		    srv_send_all(fd, chunk, n) < 0 ||
		    srv_send_all(fd, "\r\n", 2) < 0)
			return -1;
		sent += n;
	}
	return srv_send_all(fd, "0\r\n\r\n", 5);
}

static int srv_send_resp(int fd, const struct srv_resp *r)
{
	char cl[48];

	if (srv_send_all(fd, r->head, strlen(r->head)) < 0)
		return -1;
	if (!r->body)
		return 0;
	snprintf(cl, sizeof(cl), "Content-Length: %zu\r\n\r\n",
		 strlen(r->body));
	if (srv_send_all(fd, cl, strlen(cl)) < 0)
		return -1;
	return srv_send_all(fd, r->body, strlen(r->body));
}

static void srv_close(struct srv_conn *c)
{
	close(c->fd);
	c->fd = -1;
	c->len = 0;
}

/* Answers every complete request in c's buffer. */
static void srv_serve(struct srv_conn *c)
{
	const struct srv_resp *r;
	char *end, *cl;
	size_t head, body, total;

	while (c->fd >= 0) {
		c->in[c->len] = '\0';
		end = strstr(c->in, "\r\n\r\n");
		if (!end)
			return;
		head = (size_t)(end - c->in) + 4;
		body = 0;
		*end = '\0';
		cl = strcasestr(c->in, "\r\ncontent-length:");
		if (cl)
			body = strtoul(cl + 17, NULL, 10);
		*end = '\r';
		total = head + body;
		if (c->len < total)
			return;

		pthread_mutex_lock(&srv.lock);
		r = &srv.script[srv.requests < srv.nscript ? srv.requests
							   : srv.nscript - 1];
		srv.requests++;
		if (srv.log_len + total + 1 < SRV_LOG_MAX) {
			memcpy(srv.log + srv.log_len, c->in, total);
			srv.log_len += total;
			srv.log[srv.log_len] = '\0';
		}
		pthread_mutex_unlock(&srv.lock);

		memmove(c->in, c->in + total, c->len - total);
		c->len -= total;
		if (srv_send_resp(c->fd, r) < 0 ||
		    (r->big && srv_send_big(c->fd, r->big) < 0) ||
		    r->close_after)
			srv_close(c);
	}
}

static void *srv_main(void *arg)
{
	struct pollfd pfd[SRV_MAX_CONNS + 2];
	struct srv_conn *c;
	int i, fd, n, one = 1;
	ssize_t got;

	(void)arg;
	for (;;) {
		pfd[0].fd = srv.stop[0];
		pfd[0].events = POLLIN;
		pfd[1].fd = srv.lfd;
		pfd[1].events = POLLIN;
		for (i = 0; i < SRV_MAX_CONNS; i++) {
			pfd[i + 2].fd = srv.conns[i].fd;
			pfd[i + 2].events = POLLIN;
		}
		n = poll(pfd, SRV_MAX_CONNS + 2, -1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || pfd[0].revents)
			break;
		if (pfd[1].revents & POLLIN) {
			fd = accept(srv.lfd, NULL, NULL);
			for (i = 0; fd >= 0 && i < SRV_MAX_CONNS; i++)
				if (srv.conns[i].fd < 0)
					break;
			if (fd >= 0 && i < SRV_MAX_CONNS) {
				setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one,
					   sizeof(one));
				srv.conns[i].fd = fd;
				srv.conns[i].len = 0;
				pthread_mutex_lock(&srv.lock);
				srv.accepted++;
				pthread_mutex_unlock(&srv.lock);
			} else if (fd >= 0) {
				close(fd);
			}
		}
		for (i = 0; i < SRV_MAX_CONNS; i++) {
			c = &srv.conns[i];
			if (c->fd < 0 || !pfd[i + 2].revents ||
			    pfd[i + 2].fd != c->fd)
				continue;
			got = recv(c->fd, c->in + c->len,
				   SRV_INBUF - 1 - c->len, 0);
			if (got <= 0) {
				srv_close(c);
				continue;
			}
			c->len += (size_t)got;
			srv_serve(c);
			if (c->fd >= 0 && c->len >= SRV_INBUF - 1)
				srv_close(c);
		}
	}
	return NULL;
}

static void srv_start(const struct srv_resp *script, int nscript)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int i, one = 1;

	memset(&sa, 0, sizeof(sa));
	srv.script = malloc(sizeof(*script) * (size_t)nscript);
	ck_assert_ptr_nonnull(srv.script);
	memcpy(srv.script, script, sizeof(*script) * (size_t)nscript);
	srv.nscript = nscript;
	srv.accepted = 0;
	srv.requests = 0;
	srv.log = calloc(1, SRV_LOG_MAX);
	srv.log_len = 0;
	ck_assert_ptr_nonnull(srv.log);
	for (i = 0; i < SRV_MAX_CONNS; i++)
		srv.conns[i].fd = -1;
	pthread_mutex_init(&srv.lock, NULL);
	srv.lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(srv.lfd, 0);
	setsockopt(srv.lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(srv.lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(listen(srv.lfd, 16), 0);
	ck_assert_int_eq(getsockname(srv.lfd, (struct sockaddr *)&sa, &sl), 0);
	srv.port = ntohs(sa.sin_port);
	ck_assert_int_eq(pipe(srv.stop), 0);
	ck_assert_int_eq(pthread_create(&srv.thr, NULL, srv_main, NULL), 0);
	srv.running = 1;
}

static void srv_stop(void)
{
	int i;

	if (!srv.running)
		return;
	ck_assert_int_eq(write(srv.stop[1], "x", 1), 1);
	pthread_join(srv.thr, NULL);
	for (i = 0; i < SRV_MAX_CONNS; i++)
		if (srv.conns[i].fd >= 0)
			srv_close(&srv.conns[i]);
	close(srv.lfd);
	close(srv.stop[0]);
	close(srv.stop[1]);
	pthread_mutex_destroy(&srv.lock);
	free(srv.log);
	srv.log = NULL;
	free(srv.script);
	srv.script = NULL;
	srv.running = 0;
}

static int srv_get_requests(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.requests;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

static int srv_get_accepted(void)
{
	int n;

	pthread_mutex_lock(&srv.lock);
	n = srv.accepted;
	pthread_mutex_unlock(&srv.lock);
	return n;
}

/* A copy of every request received so far. */
static char *srv_requests_text(void)
{
	char *s;

	pthread_mutex_lock(&srv.lock);
	s = strdup(srv.log);
	pthread_mutex_unlock(&srv.lock);
	ck_assert_ptr_nonnull(s);
	return s;
}

static char *srv_url(void)
{
	char *u;

	ck_assert_int_ge(asprintf(&u, "http://127.0.0.1:%d", srv.port), 0);
	return u;
}

static void init_api(enum api_mode mode, const char *connection, int retries,
		     long backoff_max_ms)
{
	struct api_config cfg;
	char *url = srv_url();

	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = mode;
	cfg.base_url = url;
	cfg.key = TEST_KEY;
	cfg.connection = connection;
	cfg.connect_timeout_ms = 2000;
	cfg.timeout_ms = 5000;
	cfg.max_retries = retries;
	cfg.backoff_base_ms = 1;
	cfg.backoff_max_ms = backoff_max_ms;
	ck_assert_int_eq(api_init(&cfg), 0);
	free(url);
}

static int contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

static int stats_has(const char *line)
{
	char *s = stats_render(NULL);
	int r = contains(s, line);

	free(s);
	return r;
}

static int errlog_has(const char *text)
{
	char *s = errlog_render(NULL);
	int r = contains(s, text);

	free(s);
	return r;
}

/* Captures what is written to fd (1 or 2) between start and end. */
struct capture {
	int fd;
	int saved;
	FILE *tmp;
};

static void capture_start(struct capture *c, int fd)
{
	fflush(stdout);
	fflush(stderr);
	c->fd = fd;
	c->tmp = tmpfile();
	ck_assert_ptr_nonnull(c->tmp);
	c->saved = dup(fd);
	ck_assert_int_ge(c->saved, 0);
	ck_assert_int_ge(dup2(fileno(c->tmp), fd), 0);
}

static char *capture_end(struct capture *c)
{
	char *s;
	long n;

	fflush(stdout);
	fflush(stderr);
	dup2(c->saved, c->fd);
	close(c->saved);
	n = ftell(c->tmp);
	s = calloc(1, (size_t)(n > 0 ? n : 0) + 1);
	ck_assert_ptr_nonnull(s);
	rewind(c->tmp);
	if (n > 0)
		ck_assert_int_eq(fread(s, 1, (size_t)n, c->tmp), (size_t)n);
	fclose(c->tmp);
	return s;
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void teardown(void)
{
	api_cleanup();
	srv_stop();
	stop_init(NULL, STOP_GRACE_DEFAULT);	/* not stopping any more */
	stop_reading(0);
}

#define OK "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"

static const struct srv_resp r_ok = {OK, "{\"ok\":true}", 0, 0};
static const struct srv_resp r_503 = {"HTTP/1.1 503 Service Unavailable\r\n",
				      "{\"message\":\"unavailable\"}", 0, 0};
static const struct srv_resp r_500 = {"HTTP/1.1 500 Internal Server Error\r\n",
				      "{\"message\":\"boom\"}", 0, 0};
static const struct srv_resp r_429 = {"HTTP/1.1 429 Too Many Requests\r\n",
				      "{\"message\":\"slow down!!\"}", 0, 0};

START_TEST(test_api_reuses_one_connection_for_ten_requests)
{
	struct srv_resp script[] = {r_ok};
	struct api_resp r;
	int i;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 5);
	for (i = 0; i < 10; i++) {
		ck_assert_int_eq(api_call("GET", "/api/v2/campaigns", NULL, &r),
				 0);
		ck_assert_int_eq(r.status, 200);
		ck_assert(cJSON_IsTrue(cJSON_GetObjectItem(r.json, "ok")));
		api_resp_free(&r);
	}
	ck_assert_int_eq(srv_get_requests(), 10);
	ck_assert_int_eq(srv_get_accepted(), 1);
}
END_TEST

static void *concurrent_worker(void *arg)
{
	int i, *fails = arg;

	for (i = 0; i < 5; i++)
		if (api_call("GET", "/api/v2/campaigns", NULL, NULL) != 0)
			__atomic_add_fetch(fails, 1, __ATOMIC_SEQ_CST);
	return NULL;
}

START_TEST(test_api_concurrent_threads_share_a_bounded_set_of_connections)
{
	struct srv_resp script[] = {r_ok};
	pthread_t thr[12];
	int i, fails = 0;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 5);
	for (i = 0; i < 12; i++)
		ck_assert_int_eq(
		    pthread_create(&thr[i], NULL, concurrent_worker, &fails),
		    0);
	for (i = 0; i < 12; i++)
		pthread_join(thr[i], NULL);
	ck_assert_int_eq(fails, 0);
	ck_assert_int_eq(srv_get_requests(), 60);
	/* the pool holds at most 8 handles, each with its connection */
	ck_assert_int_le(srv_get_accepted(), 8);
}
END_TEST

START_TEST(test_api_get_retries_503_then_succeeds)
{
	struct srv_resp script[] = {r_503, r_ok};
	struct api_resp r;

	srv_start(script, 2);
	init_api(API_MODE_DIRECT, NULL, 3, 5);
	ck_assert_int_eq(api_call("GET", "/api/v2/accounts", NULL, &r), 0);
	ck_assert_int_eq(r.status, 200);
	ck_assert_int_eq(srv_get_requests(), 2);
	api_resp_free(&r);
}
END_TEST

START_TEST(test_api_post_is_not_retried_on_500)
{
	struct srv_resp script[] = {r_500, r_ok};
	struct api_resp r;
	cJSON *body = cJSON_Parse("{\"name\":\"x\"}");

	srv_start(script, 2);
	init_api(API_MODE_DIRECT, NULL, 3, 5);
	ck_assert_int_eq(api_call("POST", "/api/v2/campaigns", body, &r), -EIO);
	ck_assert_int_eq(r.status, 500);
	ck_assert_ptr_null(r.json);
	ck_assert_int_eq(srv_get_requests(), 1);
	ck_assert(errlog_has("POST /api/v2/campaigns -> 500: boom"));
	cJSON_Delete(body);
}
END_TEST

START_TEST(test_api_read_only_list_post_is_retried)
{
	struct srv_resp script[] = {
	    r_503, {OK, "{\"items\":[],\"next_starting_after\":null}", 0, 0}};
	struct api_list_ctx ctx = {"POST", "/api/v2/leads/list", NULL, 0};
	cJSON *tmpl = cJSON_Parse("{\"campaign\":\"c1\",\"limit\":5}");
	cJSON *page = NULL;
	char *reqs;

	ctx.body = tmpl;
	srv_start(script, 2);
	init_api(API_MODE_DIRECT, NULL, 3, 5);
	ck_assert_int_eq(api_list_fetch(&ctx, "cur 1", &page), 0);
	ck_assert(cJSON_IsArray(cJSON_GetObjectItem(page, "items")));
	ck_assert_int_eq(srv_get_requests(), 2);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "POST /api/v2/leads/list HTTP/1.1"));
	ck_assert(contains(reqs, "{\"campaign\":\"c1\",\"limit\":100,"
				 "\"starting_after\":\"cur 1\"}"));
	/* the template itself is untouched */
	ck_assert_int_eq(cJSON_GetObjectItem(tmpl, "limit")->valueint, 5);
	free(reqs);
	cJSON_Delete(page);
	cJSON_Delete(tmpl);
}
END_TEST

START_TEST(test_api_retry_after_is_honoured_up_to_backoff_max)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 429 Too Many Requests\r\nRetry-After: 1\r\n", "{}", 0,
	     0},
	    r_ok};
	struct api_resp r;
	double t0, dt;

	srv_start(script, 2);
	/* Jitter alone would wait at most 1 ms; Retry-After (1 s) capped
	 * at backoff_max makes it 150 ms. */
	init_api(API_MODE_DIRECT, NULL, 3, 150);
	t0 = now_ms();
	ck_assert_int_eq(api_call("GET", "/api/v2/emails", NULL, &r), 0);
	dt = now_ms() - t0;
	ck_assert_msg(dt >= 140 && dt < 900, "waited %.0f ms", dt);
	ck_assert_int_eq(srv_get_requests(), 2);
	api_resp_free(&r);
}
END_TEST

START_TEST(test_api_429_forever_is_eagain_after_the_budget)
{
	struct srv_resp script[] = {r_429};
	struct api_resp r;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/rate-probe", NULL, &r),
			 -EAGAIN);
	ck_assert_int_eq(r.status, 429);
	ck_assert_int_eq(srv_get_requests(), 4);
	ck_assert(stats_has("request GET /api/v2/rate-probe 4"));
	ck_assert(errlog_has("GET /api/v2/rate-probe -> 429: slow down!!"));
}
END_TEST

START_TEST(test_api_invalid_json_2xx_is_eio_without_retry)
{
	struct srv_resp script[] = {{OK, "{bad", 0, 0}};
	struct api_resp r;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/bad-json", NULL, &r), -EIO);
	ck_assert_ptr_null(r.json);
	ck_assert_ptr_null(r.body);
	ck_assert_int_eq(srv_get_requests(), 1);
	ck_assert(errlog_has("GET /api/v2/bad-json -> 200: response is not "
			     "valid JSON"));
}
END_TEST

START_TEST(test_api_json_with_trailing_garbage_is_eio)
{
	struct srv_resp script[] = {{OK, "{\"a\":1} x", 0, 0}};

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/x", NULL, NULL), -EIO);
}
END_TEST

START_TEST(test_api_truncated_body_is_eio)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{\"a\":1", NULL, 1,
	     0}};
	struct api_resp r;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 1, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/cut", NULL, &r), -EIO);
	ck_assert_ptr_null(r.json);
	ck_assert(errlog_has("GET /api/v2/cut -> "));
}
END_TEST

START_TEST(test_api_declared_too_large_body_is_eio)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 200 OK\r\nContent-Length: 40000000\r\n\r\n[", NULL, 1,
	     0}};

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/huge", NULL, NULL), -EIO);
	ck_assert_int_eq(srv_get_requests(), 1);
	ck_assert(errlog_has("GET /api/v2/huge -> 200: response too large"));
}
END_TEST

START_TEST(test_api_streamed_too_large_body_is_aborted_eio)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", NULL, 1,
	     API_MAX_RESPONSE + (1u << 20)}};

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/stream", NULL, NULL), -EIO);
	ck_assert_int_eq(srv_get_requests(), 1);
	ck_assert(errlog_has("GET /api/v2/stream -> 200: response too large"));
}
END_TEST

START_TEST(test_api_404_is_enoent_with_the_envelope_message_logged)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 404 Not Found\r\n",
	     "{\"statusCode\":404,\"error\":\"Not Found\","
	     "\"message\":\"Campaign not found\"}",
	     0, 0}};
	struct api_resp r;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/campaigns/c-404", NULL, &r),
			 -ENOENT);
	ck_assert_int_eq(r.status, 404);
	ck_assert_int_eq(srv_get_requests(), 1);
	ck_assert(errlog_has(
	    "GET /api/v2/campaigns/c-404 -> 404: Campaign not found\n"));
}
END_TEST

START_TEST(test_api_sends_bearer_key_and_never_logs_it)
{
	struct srv_resp script[] = {{"HTTP/1.1 401 Unauthorized\r\n",
				     "{\"message\":\"bad key " TEST_KEY "\"}",
				     0, 0}};
	struct capture cap;
	char *reqs, *err, *log;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 3, 2);
	capture_start(&cap, 2);
	ck_assert_int_eq(
	    api_call("GET", "/api/v2/workspaces/current", NULL, NULL), -EACCES);
	err = capture_end(&cap);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "\r\nAuthorization: Bearer " TEST_KEY "\r\n"));
	log = errlog_render(NULL);
	ck_assert(contains(log, "GET /api/v2/workspaces/current -> 401: "));
	ck_assert(!contains(log, "SECRET"));
	ck_assert(!contains(log, "Authorization"));
	ck_assert(!contains(err, "SECRET"));
	ck_assert(!contains(err, "Authorization"));
	free(log);
	free(err);
	free(reqs);
}
END_TEST

START_TEST(test_api_get_has_user_agent_and_no_content_type)
{
	struct srv_resp script[] = {r_ok};
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, "conn-ignored", 0, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/tags", NULL, NULL), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "GET /api/v2/tags HTTP/1.1\r\n"));
	ck_assert(contains(
	    reqs, "\r\nUser-Agent: instantlyfs/" INSTANTLYFS_VERSION "\r\n"));
	ck_assert_ptr_null(strcasestr(reqs, "Content-Type"));
	/* direct mode never sends the gateway header */
	ck_assert_ptr_null(strcasestr(reqs, "Maton-Connection"));
	free(reqs);
}
END_TEST

START_TEST(test_api_post_with_body_sends_json_content_type)
{
	struct srv_resp script[] = {r_ok};
	cJSON *body = cJSON_Parse("{\"name\":\"Q3 push\"}");
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(api_call("POST", "/api/v2/campaigns", body, NULL), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "\r\nContent-Type: application/json\r\n"));
	ck_assert(contains(reqs, "\r\n\r\n{\"name\":\"Q3 push\"}"));
	ck_assert_ptr_null(strcasestr(reqs, "Expect:"));
	free(reqs);
	cJSON_Delete(body);
}
END_TEST

START_TEST(test_api_post_without_body_has_no_content_type)
{
	struct srv_resp script[] = {r_ok};
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(
	    api_call("POST", "/api/v2/campaigns/c1/activate", NULL, NULL), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "POST /api/v2/campaigns/c1/activate "));
	ck_assert(contains(reqs, "\r\nContent-Length: 0\r\n"));
	ck_assert_ptr_null(strcasestr(reqs, "Content-Type"));
	free(reqs);
}
END_TEST

START_TEST(test_api_patch_and_delete_use_their_methods)
{
	struct srv_resp script[] = {r_ok};
	cJSON *body = cJSON_Parse("{\"name\":\"n\"}");
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(api_call("PATCH", "/api/v2/campaigns/c1", body, NULL),
			 0);
	ck_assert_int_eq(api_call("DELETE", "/api/v2/campaigns/c1", NULL, NULL),
			 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "PATCH /api/v2/campaigns/c1 HTTP/1.1\r\n"));
	ck_assert(contains(reqs, "DELETE /api/v2/campaigns/c1 HTTP/1.1\r\n"));
	free(reqs);
	cJSON_Delete(body);
}
END_TEST

START_TEST(test_api_gateway_mode_sends_maton_connection)
{
	struct srv_resp script[] = {r_ok};
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_GATEWAY, "conn-42", 0, 2);
	ck_assert_int_eq(api_call("GET", "/api/v2/campaigns", NULL, NULL), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "\r\nMaton-Connection: conn-42\r\n"));
	ck_assert(contains(reqs, "\r\nAuthorization: Bearer " TEST_KEY "\r\n"));
	free(reqs);
}
END_TEST

START_TEST(test_api_connect_failure_is_retried_even_for_post)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	struct api_config cfg;
	char url[64];
	int fd;

	/* A port that was just free: nothing listens there. */
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sa, &sl), 0);
	close(fd);
	snprintf(url, sizeof(url), "http://127.0.0.1:%d", ntohs(sa.sin_port));

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = url;
	cfg.key = TEST_KEY;
	cfg.max_retries = 2;
	cfg.backoff_base_ms = 1;
	cfg.backoff_max_ms = 2;
	ck_assert_int_eq(api_init(&cfg), 0);
	ck_assert_int_eq(api_call("POST", "/api/v2/connect-probe", NULL, NULL),
			 -EIO);
	ck_assert(stats_has("request POST /api/v2/connect-probe 3"));
	ck_assert(errlog_has("POST /api/v2/connect-probe -> Couldn't connect"));
}
END_TEST

START_TEST(test_api_list_fetch_get_appends_limit_and_escaped_cursor)
{
	struct srv_resp script[] = {
	    {OK, "{\"items\":[{\"id\":\"c1\"}],\"next_starting_after\":\"c1\"}",
	     0, 0}};
	struct api_list_ctx plain = {"GET", "/api/v2/campaigns", NULL, 0};
	struct api_list_ctx query = {"GET", "/api/v2/emails?is_unread=true",
				     NULL, 20};
	cJSON *page = NULL;
	char *reqs;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(api_list_fetch(&plain, NULL, &page), 0);
	ck_assert_str_eq(
	    cJSON_GetObjectItem(page, "next_starting_after")->valuestring,
	    "c1");
	cJSON_Delete(page);
	ck_assert_int_eq(api_list_fetch(&query, "a b/c&d", &page), 0);
	cJSON_Delete(page);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "GET /api/v2/campaigns?limit=100 HTTP/1.1"));
	ck_assert(contains(reqs, "GET /api/v2/emails?is_unread=true&limit=20"
				 "&starting_after=a%20b%2Fc%26d HTTP/1.1"));
	free(reqs);
}
END_TEST

START_TEST(test_api_empty_2xx_body_is_success_without_json)
{
	struct srv_resp script[] = {
	    {"HTTP/1.1 204 No Content\r\n\r\n", NULL, 0, 0}};
	struct api_resp r;

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 2);
	ck_assert_int_eq(api_call("DELETE", "/api/v2/tags/t1", NULL, &r), 0);
	ck_assert_int_eq(r.status, 204);
	ck_assert_ptr_null(r.json);
	ck_assert_ptr_nonnull(r.body);
	ck_assert_str_eq(r.body, "");
	ck_assert_uint_eq(r.len, 0);
	api_resp_free(&r);
}
END_TEST

START_TEST(test_api_init_refuses_a_key_that_could_inject_headers)
{
	struct api_config cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.base_url = "http://127.0.0.1:1";
	cfg.key = "abc\r\nX-Evil: 1";
	ck_assert_int_eq(api_init(&cfg), -EINVAL);
	cfg.key = "";
	ck_assert_int_eq(api_init(&cfg), -EINVAL);
}
END_TEST

/* An answer that never comes: the request waits for its time limit. */
static const struct srv_resp r_silent = {"", NULL, 0, 0};

struct held {
	const char *method;
	int reading;
	int rc;
};

static void *held_call(void *arg)
{
	struct held *h = arg;
	cJSON *body = strcmp(h->method, "GET") ? cJSON_Parse("{\"a\":1}") : NULL;

	stop_reading(h->reading);
	h->rc = api_call(h->method, "/api/v2/leads/x", body, NULL);
	cJSON_Delete(body);
	return NULL;
}

/* Runs a call the server never answers, begins the stop once the server
 * has it, and returns the milliseconds from the stop to the call's end. */
static double stopped_call(struct held *h)
{
	pthread_t t;
	double stopped;
	struct srv_resp script[] = {r_silent};

	srv_start(script, 1);
	init_api(API_MODE_DIRECT, NULL, 0, 5);
	ck_assert_int_eq(pthread_create(&t, NULL, held_call, h), 0);
	while (srv_get_requests() < 1)
		stop_sleep_ms(5);
	stopped = now_ms();
	stop_begin();
	pthread_join(t, NULL);
	return now_ms() - stopped;
}

START_TEST(test_api_a_read_the_server_holds_is_dropped_at_a_stop)
{
	struct held h = {"GET", 1, 0};
	double took;

	errlog_clear();
	took = stopped_call(&h);
	ck_assert_int_eq(h.rc, -ECANCELED);
	/* Within ticks of the stop, far from its 5 s time limit. */
	ck_assert(took < 2500);
	/* Nobody waits for a read: nothing for the error file. */
	ck_assert(!errlog_has("leads/x"));
}
END_TEST

START_TEST(test_api_a_write_the_server_holds_gets_the_grace_then_is_unknown)
{
	struct held h = {"PATCH", 0, 0};
	double took;

	stop_init(NULL, 0.3);
	errlog_clear();
	took = stopped_call(&h);
	ck_assert_int_eq(h.rc, -ECANCELED);
	ck_assert(took >= 300 && took < 2800);
	ck_assert(errlog_has("PATCH /api/v2/leads/x -> outcome unknown: the "
			     "mount stopped before the answer came"));
}
END_TEST

START_TEST(test_api_escape_escapes_reserved_bytes)
{
	char *e = api_escape("a b&c=d/\xc3\xa9?");

	ck_assert_str_eq(e, "a%20b%26c%3Dd%2F%C3%A9%3F");
	free(e);
	ck_assert_ptr_null(api_escape(NULL));
}
END_TEST

/* ---- key.c ---- */

static char key_dir[64];

static void key_setup(void)
{
	strcpy(key_dir, "/tmp/instantlyfs-key-XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(key_dir));
	unsetenv("INSTANTLY_API_KEY");
	unsetenv("MATON_API_KEY");
}

static void key_teardown(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/key", key_dir);
	unlink(p);
	rmdir(key_dir);
	unsetenv("INSTANTLY_API_KEY");
	unsetenv("MATON_API_KEY");
}

static const char *key_write(const char *text, mode_t mode)
{
	static char p[128];
	int fd;

	snprintf(p, sizeof(p), "%s/key", key_dir);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	ck_assert_int_eq(chmod(p, mode), 0);
	return p;
}

START_TEST(test_key_file_0600_is_read_first_line_trimmed)
{
	const char *p = key_write("sk-live-123 \t\r\nsecond line\n", 0600);
	enum api_mode mode = API_MODE_GATEWAY;
	char *err = NULL;
	char *k;

	setenv("MATON_API_KEY", "from-env", 1);
	k = key_load(p, -1, &mode, &err);
	ck_assert_ptr_nonnull(k);
	ck_assert_str_eq(k, "sk-live-123");
	ck_assert_int_eq(mode, API_MODE_DIRECT);
	ck_assert_ptr_null(err);
	key_free(k);

	k = key_load(p, API_MODE_GATEWAY, &mode, &err);
	ck_assert_str_eq(k, "sk-live-123");
	ck_assert_int_eq(mode, API_MODE_GATEWAY);
	key_free(k);
}
END_TEST

START_TEST(test_key_file_readable_by_others_is_refused)
{
	const char *p = key_write("sk-live-123\n", 0644);
	enum api_mode mode;
	char *err = NULL;

	errno = 0;
	ck_assert_ptr_null(key_load(p, -1, &mode, &err));
	ck_assert_int_eq(errno, EPERM);
	ck_assert_ptr_nonnull(err);
	ck_assert(contains(err, "chmod 600"));
	ck_assert(!contains(err, "sk-live"));
	ck_assert_ptr_null(strchr(err, '\n'));
	free(err);

	p = key_write("sk-live-123\n", 0640);
	ck_assert_ptr_null(key_load(p, -1, &mode, &err));
	ck_assert_int_eq(errno, EPERM);
	free(err);
}
END_TEST

START_TEST(test_key_file_that_is_not_regular_is_refused)
{
	enum api_mode mode;
	char *err = NULL;

	ck_assert_int_eq(chmod(key_dir, 0700), 0);
	ck_assert_ptr_null(key_load(key_dir, -1, &mode, &err));
	ck_assert_int_eq(errno, EPERM);
	ck_assert(contains(err, "not a regular file"));
	free(err);
}
END_TEST

START_TEST(test_key_file_missing_or_empty_is_an_error)
{
	enum api_mode mode;
	char *err = NULL;
	char p[128];

	snprintf(p, sizeof(p), "%s/nope", key_dir);
	ck_assert_ptr_null(key_load(p, -1, &mode, &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert(contains(err, p));
	free(err);

	ck_assert_ptr_null(
	    key_load(key_write("  \nkey\n", 0600), -1, &mode, &err));
	ck_assert_int_eq(errno, EINVAL);
	free(err);
}
END_TEST

START_TEST(test_key_env_direct_wins_over_gateway)
{
	enum api_mode mode = API_MODE_GATEWAY;
	char *err = NULL;
	char *k;

	setenv("INSTANTLY_API_KEY", "direct-key\n", 1);
	setenv("MATON_API_KEY", "gateway-key", 1);
	k = key_load(NULL, -1, &mode, &err);
	ck_assert_str_eq(k, "direct-key");
	ck_assert_int_eq(mode, API_MODE_DIRECT);
	key_free(k);

	unsetenv("INSTANTLY_API_KEY");
	k = key_load(NULL, -1, &mode, &err);
	ck_assert_str_eq(k, "gateway-key");
	ck_assert_int_eq(mode, API_MODE_GATEWAY);
	key_free(k);

	setenv("INSTANTLY_API_KEY", "", 1); /* empty counts as unset */
	k = key_load(NULL, -1, &mode, &err);
	ck_assert_str_eq(k, "gateway-key");
	key_free(k);
}
END_TEST

START_TEST(test_key_forced_mode_takes_only_its_own_variable)
{
	enum api_mode mode;
	char *err = NULL;
	char *k;

	setenv("INSTANTLY_API_KEY", "direct-key", 1);
	ck_assert_ptr_null(key_load(NULL, API_MODE_GATEWAY, &mode, &err));
	ck_assert(contains(err, "MATON_API_KEY"));
	ck_assert(!contains(err, "direct-key"));
	free(err);

	setenv("MATON_API_KEY", "gateway-key", 1);
	k = key_load(NULL, API_MODE_GATEWAY, &mode, &err);
	ck_assert_str_eq(k, "gateway-key");
	ck_assert_int_eq(mode, API_MODE_GATEWAY);
	key_free(k);
}
END_TEST

START_TEST(test_key_none_gives_the_documented_message)
{
	enum api_mode mode;
	char *err = NULL;

	ck_assert_ptr_null(key_load(NULL, -1, &mode, &err));
	ck_assert_int_eq(errno, ENOENT);
	ck_assert_str_eq(err, "instantlyfs: no API key: set INSTANTLY_API_KEY "
			      "(direct) or MATON_API_KEY (gateway), or use -o "
			      "key_file=PATH");
	free(err);
}
END_TEST

START_TEST(test_key_with_inner_space_is_refused)
{
	enum api_mode mode;
	char *err = NULL;

	setenv("INSTANTLY_API_KEY", "abc def", 1);
	ck_assert_ptr_null(key_load(NULL, -1, &mode, &err));
	ck_assert_int_eq(errno, EINVAL);
	ck_assert(!contains(err, "abc"));
	free(err);
}
END_TEST

/* ---- connections.c ---- */

static int run_connections(char **argv, char **out, char **err)
{
	struct capture co, ce;
	int argc = 0, rc;

	while (argv[argc])
		argc++;
	capture_start(&co, 1);
	capture_start(&ce, 2);
	rc = connections_main(argc, argv);
	*err = capture_end(&ce);
	*out = capture_end(&co);
	return rc;
}

START_TEST(test_connections_list_gets_the_instantly_connections)
{
	struct srv_resp script[] = {
	    {OK, "{\"connections\":[{\"id\":\"cn-1\"}]}", 0, 0}};
	char *url, *out, *err, *reqs;
	char *argv[] = {"connections", "list", "--ctrl-url", NULL, NULL};

	srv_start(script, 1);
	url = srv_url();
	argv[3] = url;
	setenv("MATON_API_KEY", TEST_KEY, 1);
	ck_assert_int_eq(run_connections(argv, &out, &err), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "GET /connections?app=instantly HTTP/1.1"));
	ck_assert(contains(reqs, "Authorization: Bearer " TEST_KEY "\r\n"));
	ck_assert(contains(out, "\"cn-1\""));
	ck_assert(!contains(out, "SECRET"));
	ck_assert(!contains(err, "SECRET"));
	unsetenv("MATON_API_KEY");
	free(reqs);
	free(out);
	free(err);
	free(url);
}
END_TEST

START_TEST(test_connections_create_posts_the_app_and_shows_the_url)
{
	struct srv_resp script[] = {{OK,
				     "{\"connection\":{\"id\":\"cn-2\",\"url\":"
				     "\"https://ctrl.example/auth/cn-2\"}}",
				     0, 0}};
	char *url, *out, *err, *reqs, *opt;
	char *argv[] = {"connections", NULL, "create", NULL};

	srv_start(script, 1);
	url = srv_url();
	ck_assert_int_ge(asprintf(&opt, "--ctrl-url=%s", url), 0);
	argv[1] = opt;
	setenv("MATON_API_KEY", TEST_KEY, 1);
	ck_assert_int_eq(run_connections(argv, &out, &err), 0);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "POST /connections HTTP/1.1"));
	ck_assert(contains(reqs, "\r\n\r\n{\"app\":\"instantly\"}"));
	ck_assert(contains(out, "\"cn-2\""));
	ck_assert(contains(err, "Open this URL in a browser to authorise: "
				"https://ctrl.example/auth/cn-2\n"));
	unsetenv("MATON_API_KEY");
	free(reqs);
	free(out);
	free(err);
	free(opt);
	free(url);
}
END_TEST

START_TEST(test_connections_delete_escapes_the_id_and_reports_errors)
{
	struct srv_resp script[] = {{"HTTP/1.1 404 Not Found\r\n",
				     "{\"message\":\"no such one\"}", 0, 0}};
	char *url, *out, *err, *reqs;
	char *argv[] = {"connections", "delete", "a/../b",
			"--ctrl-url",  NULL,	 NULL};

	srv_start(script, 1);
	url = srv_url();
	argv[4] = url;
	setenv("MATON_API_KEY", TEST_KEY, 1);
	ck_assert_int_eq(run_connections(argv, &out, &err), 1);
	reqs = srv_requests_text();
	ck_assert(contains(reqs, "DELETE /connections/a%2F..%2Fb HTTP/1.1"));
	ck_assert(contains(err, "delete failed"));
	ck_assert_str_eq(out, "");
	unsetenv("MATON_API_KEY");
	free(reqs);
	free(out);
	free(err);
	free(url);
}
END_TEST

START_TEST(test_connections_usage_errors_exit_2)
{
	char *a1[] = {"connections", NULL};
	char *a2[] = {"connections", "get", NULL};
	char *a3[] = {"connections", "list", "extra", NULL};
	char *a4[] = {"connections", "frobnicate", NULL};
	char *a5[] = {"connections", "list", "--ctrl-url", NULL};
	char *a6[] = {"connections", "list", "--bogus", NULL};
	char **cases[] = {a1, a2, a3, a4, a5, a6};
	char *out, *err;
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(run_connections(cases[i], &out, &err), 2);
		ck_assert(contains(err, "usage:"));
		free(out);
		free(err);
	}
}
END_TEST

START_TEST(test_connections_without_key_exits_1_with_the_message)
{
	char *argv[] = {"connections", "list", NULL};
	char *out, *err;

	unsetenv("MATON_API_KEY");
	unsetenv("INSTANTLY_API_KEY");
	ck_assert_int_eq(run_connections(argv, &out, &err), 1);
	ck_assert(contains(err, "no API key"));
	free(out);
	free(err);
}
END_TEST

Suite *api_suite(void)
{
	Suite *s = suite_create("api");
	TCase *core = tcase_create("core");
	TCase *key = tcase_create("key");
	TCase *conn = tcase_create("connections");

	tcase_add_checked_fixture(core, NULL, teardown);
	tcase_set_timeout(core, 10);
	tcase_add_test(core, test_api_reuses_one_connection_for_ten_requests);
	tcase_add_test(
	    core,
	    test_api_concurrent_threads_share_a_bounded_set_of_connections);
	tcase_add_test(core, test_api_get_retries_503_then_succeeds);
	tcase_add_test(core, test_api_post_is_not_retried_on_500);
	tcase_add_test(core, test_api_read_only_list_post_is_retried);
	tcase_add_test(core,
		       test_api_retry_after_is_honoured_up_to_backoff_max);
	tcase_add_test(core, test_api_429_forever_is_eagain_after_the_budget);
	tcase_add_test(core, test_api_invalid_json_2xx_is_eio_without_retry);
	tcase_add_test(core, test_api_json_with_trailing_garbage_is_eio);
	tcase_add_test(core, test_api_truncated_body_is_eio);
	tcase_add_test(core, test_api_declared_too_large_body_is_eio);
	tcase_add_test(core, test_api_streamed_too_large_body_is_aborted_eio);
	tcase_add_test(core,
		       test_api_404_is_enoent_with_the_envelope_message_logged);
	tcase_add_test(core, test_api_sends_bearer_key_and_never_logs_it);
	tcase_add_test(core, test_api_get_has_user_agent_and_no_content_type);
	tcase_add_test(core, test_api_post_with_body_sends_json_content_type);
	tcase_add_test(core, test_api_post_without_body_has_no_content_type);
	tcase_add_test(core, test_api_patch_and_delete_use_their_methods);
	tcase_add_test(core, test_api_gateway_mode_sends_maton_connection);
	tcase_add_test(core, test_api_connect_failure_is_retried_even_for_post);
	tcase_add_test(
	    core, test_api_list_fetch_get_appends_limit_and_escaped_cursor);
	tcase_add_test(core, test_api_empty_2xx_body_is_success_without_json);
	tcase_add_test(core,
		       test_api_init_refuses_a_key_that_could_inject_headers);
	tcase_add_test(core, test_api_escape_escapes_reserved_bytes);
	tcase_add_test(core,
		       test_api_a_read_the_server_holds_is_dropped_at_a_stop);
	tcase_add_test(
	    core,
	    test_api_a_write_the_server_holds_gets_the_grace_then_is_unknown);
	suite_add_tcase(s, core);

	tcase_add_checked_fixture(key, key_setup, key_teardown);
	tcase_add_test(key, test_key_file_0600_is_read_first_line_trimmed);
	tcase_add_test(key, test_key_file_readable_by_others_is_refused);
	tcase_add_test(key, test_key_file_that_is_not_regular_is_refused);
	tcase_add_test(key, test_key_file_missing_or_empty_is_an_error);
	tcase_add_test(key, test_key_env_direct_wins_over_gateway);
	tcase_add_test(key, test_key_forced_mode_takes_only_its_own_variable);
	tcase_add_test(key, test_key_none_gives_the_documented_message);
	tcase_add_test(key, test_key_with_inner_space_is_refused);
	suite_add_tcase(s, key);

	tcase_add_checked_fixture(conn, NULL, teardown);
	tcase_set_timeout(conn, 10);
	tcase_add_test(conn,
		       test_connections_list_gets_the_instantly_connections);
	tcase_add_test(conn,
		       test_connections_create_posts_the_app_and_shows_the_url);
	tcase_add_test(
	    conn, test_connections_delete_escapes_the_id_and_reports_errors);
	tcase_add_test(conn, test_connections_usage_errors_exit_2);
	tcase_add_test(conn,
		       test_connections_without_key_exits_1_with_the_message);
	suite_add_tcase(s, conn);
	return s;
}
