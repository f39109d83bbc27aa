/*
 * h_verify.c - verify/<email>: reading the file verifies the address.
 *
 * POST /email-verification, then GET /email-verification/<email> while
 * the answer is "pending", VERIFY_POLLS times at most.  Results are kept
 * for the life of the mount (a verification spends credits; refresh
 * does not forget them), and only they are listed, so ls -R and grep -r
 * never verify anything.  Locking: `lock` guards `done`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "doc.h"
#include "hmap.h"
#include "once.h"
#include "render.h"
#include "stop.h"
#include "tree.h"

#define VERIFY_POLLS 30
#define VERIFY_POLL_MS 1000

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *done;	/* escaped name -> struct blob * */

/* Only names that look like an address are files here. */
static int is_address(const char *s)
{
	const char *at = strchr(s, '@');

	return at && at != s && strchr(at + 1, '.') && !strchr(at + 1, '@');
}

static int pending(const cJSON *r)
{
	const cJSON *s = cJSON_GetObjectItemCaseSensitive(r,
							  "verification_status");

	return cJSON_IsString(s) && !strcmp(s->valuestring, "pending");
}

static int verification_lookup(void *arg, cJSON **found)
{
	return once_get(arg, NULL, NULL, found);
}

/* Runs one verification to its end (or the poll bound).  A verification
 * costs a credit: after a lost answer it is looked up, not sent again. */
static int verify(const char *email, struct blob *out, int *final)
{
	struct once o = { .path = "/api/v2/email-verification",
			  .lookup = verification_lookup };
	struct api_resp r = { 0 };
	cJSON *body = cJSON_CreateObject();
	char *esc = api_escape(email), *path = NULL;
	int rc = -ENOMEM;

	if (!body || !esc || !cJSON_AddStringToObject(body, "email", email) ||
	    asprintf(&path, "/api/v2/email-verification/%s", esc) < 0) {
		path = NULL;
		goto out;
	}
	o.body = body;
	o.arg = path;
	rc = once_send(&o, &r.json);
	for (int i = 0; rc == 0 && pending(r.json) && i < VERIFY_POLLS; i++) {
		api_resp_free(&r);
		rc = stop_sleep_ms(VERIFY_POLL_MS);
		if (rc == 0)
			rc = api_call("GET", path, NULL, &r);
	}
	if (rc == 0 && !r.json)
		rc = -EIO;
	if (rc == 0) {
		*final = !pending(r.json);
		out->data = render_json(r.json, &out->len);
		out->mtime = time(NULL);
		rc = out->data ? 0 : -ENOMEM;
	}
out:
	api_resp_free(&r);
	cJSON_Delete(body);
	free(esc);
	free(path);
	return rc;
}

static struct blob *find_done(const char *name)
{
	struct blob *b;

	pthread_mutex_lock(&lock);
	b = done ? hmap_get(done, name) : NULL;
	pthread_mutex_unlock(&lock);
	return b;
}

int h_verify_read(struct rctx *c, struct blob *out)
{
	char email[512];
	struct blob *b;
	int final = 0, rc;

	if (!h_cap_id(c, 0, email, sizeof(email)) || !is_address(email))
		return -ENOENT;
	b = find_done(c->cap[0]);
	if (b) {
		out->data = malloc(b->len + 1);
		if (!out->data)
			return -ENOMEM;
		memcpy(out->data, b->data, b->len + 1);
		out->len = b->len;
		out->mtime = b->mtime;
		return 0;
	}
	rc = verify(email, out, &final);
	if (rc == 0 && final) {
		void *old = NULL;

		b = malloc(sizeof(*b));
		if (b) {
			b->data = strdup(out->data);
			b->len = out->len;
			b->mtime = out->mtime;
		}
		pthread_mutex_lock(&lock);
		if (!done)
			done = hmap_new();
		if (b && b->data && done &&
		    hmap_put(done, c->cap[0], b, &old) == 0)
			b = old;
		pthread_mutex_unlock(&lock);
		if (b) {
			free(b->data);
			free(b);
		}
	}
	return rc;
}

int h_verify_stat(struct rctx *c, struct node *n)
{
	char email[512];
	struct blob *b;

	if (!h_cap_id(c, 0, email, sizeof(email)) || !is_address(email))
		return -ENOENT;
	b = find_done(c->cap[0]);
	if (b) {
		n->size = b->len;
		n->mtime = b->mtime;
	}
	return 0;
}

int h_verify_list(struct rctx *c, struct dirfill *d)
{
	const char *key;
	void *val;
	size_t pos = 0;
	int rc = 0;

	(void)c;
	pthread_mutex_lock(&lock);
	while (rc == 0 && done && hmap_next(done, &pos, &key, &val))
		rc = dirfill_add(d, key);
	pthread_mutex_unlock(&lock);
	return rc;
}
