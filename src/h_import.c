/*
 * h_import.c - campaigns/<id>/import and lead-lists/<id>/import.
 *
 * Writing CSV or JSON Lines sends POST /leads/add in batches of at most
 * IMPORT_BATCH, with campaign_id or list_id.  The whole file is checked
 * (import.h) before anything is sent: a bad row refuses the import with
 * its line number.  Reading the file shows the summary of the last
 * import into that campaign or list, per batch and in total.  A batch
 * is never sent twice: one that fails stops the import, and the summary
 * says which batches went through.
 * Locking: `lock` guards `summaries`.
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

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *summaries;	/* "<kind>/<id>" -> char * */

/* The counters of a /leads/add answer, in the spec's order. */
static const char *const counters[] = {
	"total_sent", "leads_uploaded", "duplicated_leads",
	"duplicate_email_count", "in_blocklist", "invalid_email_count",
	"incomplete_count", "skipped_count", "created_leads",
	"remaining_in_plan", NULL
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

static void keep_summary(struct rctx *c, char *text)
{
	char *key = summary_key(c);
	void *old = NULL;

	pthread_mutex_lock(&lock);
	if (!summaries)
		summaries = hmap_new();
	if (key && summaries && hmap_put(summaries, key, text, &old) == 0)
		text = old;
	pthread_mutex_unlock(&lock);
	free(text);
	free(key);
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
static void count_batch(struct buf *sum, double *total, size_t n,
			const struct import_batch *b, const cJSON *resp)
{
	buf_printf(sum, "batch %zu: lines from %zu, %zu leads:", n,
		   b->first_line, b->count);
	for (size_t i = 0; counters[i]; i++) {
		const cJSON *v = cJSON_GetObjectItemCaseSensitive(resp,
								  counters[i]);

		if (!cJSON_IsNumber(v))
			continue;
		buf_printf(sum, " %s=%.0f", counters[i], v->valuedouble);
		total[i] += v->valuedouble;
	}
	buf_puts(sum, "\n");
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

static int send_batches(struct rctx *c, const char *id,
			const struct import_result *r, struct buf *sum)
{
	double total[sizeof(counters) / sizeof(counters[0])] = { 0 };
	size_t sent = 0;
	int rc = 0;

	for (size_t i = 0; i < r->nbatches && rc == 0; i++) {
		struct once o = { .path = "/api/v2/leads/add",
				  .lookup = batch_lookup,
				  .arg = r->batches[i].leads };
		cJSON *body = cJSON_CreateObject(), *answer = NULL;

		cJSON_AddStringToObject(body, field_of(c), id);
		cJSON_AddItemReferenceToObject(body, "leads",
					       r->batches[i].leads);
		o.body = body;
		rc = once_send(&o, &answer);
		cJSON_Delete(body);
		if (rc == 0) {
			count_batch(sum, total, i + 1, &r->batches[i], answer);
			if (o.resent)
				buf_printf(sum, "batch %zu: sent again after a "
						"lost answer: leads the lost "
						"send added count as "
						"duplicated_leads\n",
					   i + 1);
			sent += r->batches[i].count;
		} else {
			buf_printf(sum, "batch %zu: lines from %zu: failed: %s; "
					"later batches were not sent\n",
				   i + 1, r->batches[i].first_line,
				   strerror(-rc));
		}
		cJSON_Delete(answer);
	}
	buf_printf(sum, "total: %zu of %zu rows sent:", sent, r->rows);
	for (size_t i = 0; counters[i]; i++)
		buf_printf(sum, " %s=%.0f", counters[i], total[i]);
	buf_puts(sum, "\n");
	return rc;
}

int h_import_commit(struct rctx *c, const char *data, size_t len)
{
	struct import_result r = { 0 };
	struct buf sum;
	char id[512], *err = NULL, stamp[32];
	time_t now = time(NULL);
	int rc;

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	rc = import_parse(data, len, &r, &err);
	if (rc < 0) {
		errlog_add("POST", "/api/v2/leads/add", "not sent",
			   err ? err : "the import is not valid");
		log_err("import into %s: not sent: %s", id, err ? err : "");
		free(err);
		return rc;
	}
	buf_init(&sum, SUMMARY_MAX);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	buf_printf(&sum, "import of %zu rows at %s, in %zu batches\n", r.rows,
		   stamp, r.nbatches);
	rc = send_batches(c, id, &r, &sum);
	import_result_free(&r);
	keep_summary(c, buf_steal(&sum, NULL));
	coll_forget(!strcmp(field_of(c), "campaign_id") ? &coll_campaign_leads
							: &coll_list_leads,
		    id);
	return rc;
}
