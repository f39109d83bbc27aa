/*
 * h_import.c - campaigns/<id>/import and lead-lists/<id>/import.
 *
 * Writing CSV or JSON Lines sends POST /leads/add in batches of
 * IMPORT_BATCH, with campaign_id or list_id, while the file is being
 * written: each write reads the rows it completes (import.h) and sends
 * every full batch before it returns; the close sends the last, partial
 * one.  A bad row fails the write (or close) that completes it, with its
 * line number, and nothing more is sent; a text written all at once is
 * thus checked whole before anything is sent.  Reading the file shows
 * the import under way (batches and leads sent so far) and, once it
 * ends, the summary of the last import into that campaign or list, per
 * batch and in total.  A batch is never sent twice: one that fails stops
 * the import, and the summary says which batches went through.
 * .instantlyfs/stats shows the imports under way too (h_import_progress).
 * Locking: `lock` guards `summaries` and `running`; an import's state (struct run) is
 * its open file's, used by one write or close at a time.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "buf.h"
#include "errlog.h"
#include "hmap.h"
#include "import.h"
#include "log.h"
#include "once.h"
#include "tree.h"

#define SUMMARY_MAX (1u << 20)
#define NCOUNTERS 10

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *summaries;	/* "<kind>/<id>" -> char * */
static struct hmap *running;	/* "<kind>/<id>" -> char *: imports under
				   way, what stats shows of each */

/* The counters of a /leads/add answer, in the spec's order. */
static const char *const counters[] = {
	"total_sent", "leads_uploaded", "duplicated_leads",
	"duplicate_email_count", "in_blocklist", "invalid_email_count",
	"incomplete_count", "skipped_count", "created_leads",
	"remaining_in_plan", NULL
};

/* An import under way: what one open file has read and sent. */
struct run {
	struct import_stream *rows;
	char *key;		/* its summary's */
	char id[512];
	char stamp[32];
	size_t batches, leads;	/* sent */
	double total[NCOUNTERS];
	struct buf lines;	/* the summary's line per batch */
	int failed;		/* -errno: nothing more is sent */
};

static const char *field_of(struct rctx *c)
{
	return !strcmp(c->seg[0], "campaigns") ? "campaign_id" : "list_id";
}

static char *summary_key(struct rctx *c)
{
	char *key;

	if (asprintf(&key, "%s/%s", c->seg[0], c->cap[0]) < 0)
		return NULL;
	return key;
}

/* Sets (text) or removes (NULL) what *map holds under key; takes text. */
static void keep(struct hmap **map, const char *key, char *text)
{
	void *old = NULL;

	pthread_mutex_lock(&lock);
	if (!*map)
		*map = hmap_new();
	if (key && *map && text && hmap_put(*map, key, text, &old) == 0)
		text = old;
	else if (key && *map && !text)
		text = hmap_del(*map, key);
	pthread_mutex_unlock(&lock);
	free(text);
}

static void keep_summary(struct rctx *c, char *text)
{
	char *key = summary_key(c);

	keep(&summaries, key, text);
	free(key);
}

char *h_import_progress(void)
{
	size_t pos = 0;
	const char *key;
	struct buf out;
	void *val;

	buf_init(&out, SUMMARY_MAX);
	pthread_mutex_lock(&lock);
	while (running && hmap_next(running, &pos, &key, &val))
		buf_printf(&out, "import_in_progress %s %s\n", key,
			   (const char *)val);
	pthread_mutex_unlock(&lock);
	return out.data ? buf_steal(&out, NULL) : strdup("");
}

int h_import_read(struct rctx *c, struct blob *out)
{
	char *key = summary_key(c);
	const char *text;

	pthread_mutex_lock(&lock);
	text = key && summaries ? hmap_get(summaries, key) : NULL;
	out->data = strdup(text ? text : "");
	pthread_mutex_unlock(&lock);
	free(key);
	if (!out->data)
		return -ENOMEM;
	out->len = strlen(out->data);
	out->mtime = 0;
	return 0;
}

/* Adds one batch's answer to the totals and the summary. */
static void count_batch(struct run *r, const struct import_batch *b,
			const cJSON *resp)
{
	buf_printf(&r->lines, "batch %zu: lines from %zu, %zu leads:",
		   r->batches, b->first_line, b->count);
	for (size_t i = 0; counters[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp,
								  counters[i]);

		if (!cJSON_IsNumber(v))
			continue;
		buf_printf(&r->lines, " %s=%.0f", counters[i], v->valuedouble);
		r->total[i] += v->valuedouble;
	}
	buf_puts(&r->lines, "\n");
}

/* After a lost answer a batch may be sent again: the API skips leads that
 * are already in the campaign or list (by email, counted as
 * duplicated_leads), so the second send adds only what the first did not.
 * Rows without an email, which a list takes, cannot be told apart. */
static int batch_lookup(void *arg, cJSON **found)
{
	const cJSON *lead;

	*found = NULL;
	cJSON_ArrayForEach(lead, (const cJSON *)arg) {
		const cJSON *e =
			cJSON_GetObjectItemCaseSensitive(lead, "email");

		if (!cJSON_IsString(e) || !*e->valuestring)
			return -EIO;
	}
	return 0;
}

/* Sends one batch, never twice (once.h). */
static int send_batch(struct rctx *c, struct run *r,
		      const struct import_batch *b)
{
	struct once o = { .path = "/api/v2/leads/add",
			  .lookup = batch_lookup,
			  .arg = b->leads };
	cJSON *body = cJSON_CreateObject(), *answer = NULL;
	int rc;

	if (!body)
		return -ENOMEM;
	cJSON_AddStringToObject(body, field_of(c), r->id);
	cJSON_AddItemReferenceToObject(body, "leads", b->leads);
	o.body = body;
	rc = once_send(&o, &answer);
	cJSON_Delete(body);
	if (rc == 0) {
		r->batches++;
		r->leads += b->count;
		count_batch(r, b, answer);
		if (o.resent)
			buf_printf(&r->lines,
				   "batch %zu: sent again after a lost answer: "
				   "leads the lost send added count as "
				   "duplicated_leads\n",
				   r->batches);
	} else {
		buf_printf(&r->lines,
			   "batch %zu: lines from %zu: failed: %s; later "
			   "batches were not sent\n",
			   r->batches + 1, b->first_line, strerror(-rc));
	}
	cJSON_Delete(answer);
	return rc;
}

/* Shows the import under way: batches sent (of how many, when known). */
static void show_progress(struct rctx *c, struct run *r, size_t of)
{
	struct buf t;

	buf_init(&t, SUMMARY_MAX + 256);
	buf_printf(&t, "import at %s: in progress: batches sent %zu", r->stamp,
		   r->batches);
	if (of)
		buf_printf(&t, " of %zu", of);
	buf_printf(&t, ", leads sent %zu\n", r->leads);
	buf_append(&t, r->lines.data ? r->lines.data : "", r->lines.len);
	keep_summary(c, buf_steal(&t, NULL));
	buf_init(&t, 128);
	buf_printf(&t, "batches_sent %zu", r->batches);
	if (of)
		buf_printf(&t, " of %zu", of);
	buf_printf(&t, " leads_sent %zu", r->leads);
	keep(&running, r->key, buf_steal(&t, NULL));
}

/* Sends the batches read whole (at last, the rest too).  Every batch is
 * full but the last: their number is known once the text has ended. */
static int send_ready(struct rctx *c, struct run *r, int last)
{
	size_t of = last ? (import_stream_rows(r->rows) + IMPORT_BATCH - 1) /
				   IMPORT_BATCH
			 : 0;
	struct import_batch b;
	int rc = 0;

	while (rc == 0 && import_stream_take(r->rows, last, &b)) {
		rc = send_batch(c, r, &b);
		cJSON_Delete(b.leads);
		show_progress(c, r, of);
	}
	return rc;
}

/* The summary of an import that ended, sent whole or not. */
static void show_summary(struct rctx *c, struct run *r)
{
	size_t rows = import_stream_rows(r->rows);
	struct buf t;

	buf_init(&t, SUMMARY_MAX + 512);
	buf_printf(&t, "import of %zu rows at %s, in %zu batches\n", rows,
		   r->stamp, (rows + IMPORT_BATCH - 1) / IMPORT_BATCH);
	buf_append(&t, r->lines.data ? r->lines.data : "", r->lines.len);
	buf_printf(&t, "total: %zu of %zu rows sent:", r->leads, rows);
	for (size_t i = 0; counters[i]; i++)
		buf_printf(&t, " %s=%.0f", counters[i], r->total[i]);
	buf_puts(&t, "\n");
	keep_summary(c, buf_steal(&t, NULL));
	keep(&running, r->key, NULL);
	coll_forget(!strcmp(field_of(c), "campaign_id") ? &coll_campaign_leads
							: &coll_list_leads,
		    r->id);
}

static void run_free(void *st)
{
	struct run *r = st;

	if (!r)
		return;
	keep(&running, r->key, NULL);
	import_stream_free(r->rows);
	buf_free(&r->lines);
	free(r->key);
	free(r);
}

static struct run *run_new(struct rctx *c)
{
	struct run *r = calloc(1, sizeof(*r));
	time_t now = time(NULL);
	struct tm tm;

	if (!r)
		return NULL;
	r->rows = import_stream_new();
	r->key = summary_key(c);
	if (!r->rows || !r->key || !h_cap_id(c, 0, r->id, sizeof(r->id))) {
		run_free(r);
		return NULL;
	}
	buf_init(&r->lines, SUMMARY_MAX);
	strftime(r->stamp, sizeof(r->stamp), "%Y-%m-%dT%H:%M:%SZ",
		 gmtime_r(&now, &tm));
	return r;
}

/* A bad row: its line in the error log, and in the summary when batches
 * before it went out. */
static int refuse_rows(struct rctx *c, struct run *r, int rc, char *err)
{
	errlog_add("POST", "/api/v2/leads/add", "not sent",
		   err ? err : "the import is not valid");
	log_err("import into %s: not sent: %s", r->id, err ? err : "");
	if (r->batches) {
		buf_printf(&r->lines, "%s: later rows were not sent\n",
			   err ? err : "a row is not valid");
		show_summary(c, r);
	}
	free(err);
	return rc;
}

/* Written out of order: the whole text is judged at close, unless
 * batches already went out. */
static int out_of_order(struct run *r, void **st)
{
	if (r && r->batches) {
		errlog_add("POST", "/api/v2/leads/add", "not sent",
			   "an import is written in order, from its start: "
			   "the rest of it was not sent");
		r->failed = -EINVAL;
		return -EINVAL;
	}
	run_free(r);
	*st = NULL;
	return 0;
}

int h_import_stream(struct rctx *c, void **st, const char *data, size_t len,
		    int last)
{
	struct run *r = *st;
	char *err = NULL;
	int rc;

	if (last < 0)
		return out_of_order(r, st);
	if (!r && !(r = *st = run_new(c)))
		return -ENOMEM;
	if (r->failed)
		return r->failed;
	rc = import_stream_feed(r->rows, data, len, last, &err);
	if (rc < 0) {
		rc = refuse_rows(c, r, rc, err);
	} else {
		rc = send_ready(c, r, last);
		if (rc < 0 || last)
			show_summary(c, r);	/* a failed batch, or the end */
	}
	if (rc < 0)
		r->failed = rc;
	if (last) {
		run_free(r);
		*st = NULL;
	}
	return rc;
}

void h_import_stream_free(void *st)
{
	run_free(st);
}

int h_import_commit(struct rctx *c, const char *data, size_t len)
{
	void *st = NULL;

	return h_import_stream(c, &st, data, len, 1);
}
