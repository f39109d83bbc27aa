/*
 * errmap.c - the one place that maps API and transport results to errno.
 *
 * HTTP status:
 *   2xx 0            401 EACCES    402 EACCES    403 EPERM
 *   404 ENOENT       409 EEXIST    413 EFBIG     429 EAGAIN
 *   400, other 4xx EINVAL          5xx EIO
 *   anything else (0 = no answer, 1xx, 3xx, >= 600) EIO
 * CURLcode:
 *   CURLE_OK 0
 *   CURLE_OPERATION_TIMEDOUT ETIMEDOUT
 *   everything else EIO: DNS, connect, send/receive, a cut-short or empty
 *   answer, TLS handshake and certificate failures, and a write-callback
 *   or size-limit abort (a response over the limit is EIO, not EFBIG).
 *
 * errmap_message() never cuts the envelope's message; only the fallback,
 * the raw body, is cut (at a UTF-8 boundary) and made one line.
 * Pure; no shared state.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <cjson/cJSON.h>

#include "buf.h"
#include "errmap.h"

#define ERRMAP_BODY_MAX 512
#define ERRMAP_MSG_MAX (64u << 10)

int errmap_http(long status)
{
	if (status >= 200 && status <= 299)
		return 0;
	switch (status) {
	case 401:
	case 402:
		return EACCES;
	case 403:
		return EPERM;
	case 404:
		return ENOENT;
	case 409:
		return EEXIST;
	case 413:
		return EFBIG;
	case 429:
		return EAGAIN;
	}
	if (status >= 400 && status <= 499)
		return EINVAL;
	return EIO;
}

int errmap_curl(int curl_code)
{
	switch (curl_code) {
	case CURLE_OK:
		return 0;
	case CURLE_OPERATION_TIMEDOUT:
		return ETIMEDOUT;
	default:
		return EIO;
	}
}

/* "message" as a string, or its string elements joined with "; ". */
static char *envelope_message(const cJSON *msg)
{
	const cJSON *c;
	struct buf b;
	int rc = 0;

	if (cJSON_IsString(msg) && msg->valuestring && *msg->valuestring)
		return strdup(msg->valuestring);
	if (!cJSON_IsArray(msg))
		return NULL;

	buf_init(&b, ERRMAP_MSG_MAX);
	cJSON_ArrayForEach(c, msg)
	{
		if (!cJSON_IsString(c) || !c->valuestring || !*c->valuestring)
			continue;
		if (b.len)
			rc = buf_puts(&b, "; ");
		if (!rc)
			rc = buf_puts(&b, c->valuestring);
		if (rc)
			break;
	}
	if (!b.len) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b, NULL);
}

/*
 * Where to cut s before byte n (s[n] exists) so that no UTF-8 sequence is
 * split: n, or the start of the sequence s[n] continues.
 */
static size_t utf8_cut(const char *s, size_t n)
{
	size_t k = n;

	while (k > 0 && n - k < 3 && ((unsigned char)s[k] & 0xc0) == 0x80)
		k--;
	return ((unsigned char)s[k] & 0xc0) == 0x80 ? n : k;
}

/* The body itself, cut to ERRMAP_BODY_MAX bytes, one line, trimmed. */
static char *body_message(const char *body, size_t len)
{
	size_t n = len, i;
	char *out;

	if (len > ERRMAP_BODY_MAX)
		n = utf8_cut(body, ERRMAP_BODY_MAX);
	out = malloc(n + 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)body[i];

		out[i] = c < 0x20 || c == 0x7f ? ' ' : (char)c;
	}
	while (n && out[n - 1] == ' ')
		n--;
	out[n] = '\0';
	return out;
}

char *errmap_message(const char *body, size_t len)
{
	cJSON *root;
	char *msg = NULL;

	if (!body || !len)
		return strdup("");

	root = cJSON_ParseWithLength(body, len);
	if (cJSON_IsObject(root)) {
		const cJSON *err;

		msg = envelope_message(
		    cJSON_GetObjectItemCaseSensitive(root, "message"));
		err = cJSON_GetObjectItemCaseSensitive(root, "error");
		if (!msg && cJSON_IsString(err) && err->valuestring &&
		    *err->valuestring)
			msg = strdup(err->valuestring);
	}
	cJSON_Delete(root);
	return msg ? msg : body_message(body, len);
}
