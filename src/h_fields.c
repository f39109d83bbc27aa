/*
 * h_fields.c - files that show one field of an object as a word or as
 * text: a campaign's or account's status, an account's warmup, an
 * email's body.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "html.h"
#include "tree.h"

struct label {
	long value;
	const char *word;
};

static const struct label campaign_status[] = {
	{ 0, "draft" },	    { 1, "active" },
	{ 2, "paused" },    { 3, "completed" },
	{ 4, "running_subsequences" }, { -99, "account_suspended" },
	{ -1, "accounts_unhealthy" },  { -2, "bounce_protect" },
};
static const struct label account_status[] = {
	{ 1, "active" },	     { 2, "paused" },
	{ 3, "maintenance" },	     { -1, "connection_error" },
	{ -2, "soft_bounce_error" }, { -3, "sending_error" },
};
static const struct label warmup_status[] = {
	{ 0, "disabled" }, { 1, "enabled" },	 { -1, "banned" },
	{ -2, "spam_folder_unknown" },	 { -3, "suspended" },
};

#define NLABELS(t) (sizeof(t) / sizeof(t[0]))

static const char *word_of(const struct label *t, size_t n, long v)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].value == v)
			return t[i].word;
	return NULL;
}

const char *h_campaign_status_label(long status)
{
	return word_of(campaign_status, NLABELS(campaign_status), status);
}

static int text_blob(struct blob *out, const char *text, time_t mtime)
{
	int len = asprintf(&out->data, "%s\n", text);

	if (len < 0)
		return -ENOMEM;
	out->len = (size_t)len;
	out->mtime = mtime;
	return 0;
}

/* What field_word() shows. */
struct field_spec {
	const char *field;
	const struct label *labels;
	size_t n;
};

/* coll_derive_fn: the word for the object's numeric field; unknown
 * values as numbers. */
static int derive_word(const cJSON *obj, const void *arg, struct blob *out)
{
	const struct field_spec *f = arg;
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, f->field);
	const char *word = NULL;
	char num[32];

	if (cJSON_IsNumber(v)) {
		word = word_of(f->labels, f->n, (long)v->valuedouble);
		if (!word) {
			snprintf(num, sizeof(num), "%ld", (long)v->valuedouble);
			word = num;
		}
	}
	return text_blob(out, word ? word : "unknown", coll_mtime(obj));
}

static int field_word(struct rctx *c, const struct coll *coll,
		      const struct field_spec *f, struct blob *out)
{
	char id[512];

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	return coll_derived(coll, id, f->field, derive_word, f, out);
}

static const struct field_spec campaign_status_field = {
	"status", campaign_status, NLABELS(campaign_status)
};
static const struct field_spec account_status_field = {
	"status", account_status, NLABELS(account_status)
};
static const struct field_spec warmup_field = {
	"warmup_status", warmup_status, NLABELS(warmup_status)
};

int h_campaign_status_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_campaigns, &campaign_status_field, out);
}

int h_account_status_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_accounts, &account_status_field, out);
}

int h_account_warmup_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_accounts, &warmup_field, out);
}

/* coll_derive_fn: body.text when the email has one, else body.html as
 * plain text. */
static int derive_body(const cJSON *obj, const void *arg, struct blob *out)
{
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(obj, "body");
	const cJSON *text = cJSON_GetObjectItemCaseSensitive(body, "text");
	const cJSON *html = cJSON_GetObjectItemCaseSensitive(body, "html");

	(void)arg;
	out->mtime = coll_mtime(obj);
	if (cJSON_IsString(text) && *text->valuestring) {
		size_t n = strlen(text->valuestring);
		int nl = n && text->valuestring[n - 1] != '\n';

		out->data = malloc(n + 2);
		if (out->data) {
			memcpy(out->data, text->valuestring, n);
			if (nl)
				out->data[n++] = '\n';
			out->data[n] = '\0';
			out->len = n;
		}
	} else if (cJSON_IsString(html)) {
		out->data = html_to_text(html->valuestring, &out->len);
	} else {
		out->data = strdup("");
		out->len = 0;
	}
	return out->data ? 0 : -ENOMEM;
}

int h_body_read(struct rctx *c, struct blob *out)
{
	char id[512];

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	return coll_derived(&coll_emails, id, "body", derive_body, NULL, out);
}

int h_empty_read(struct rctx *c, struct blob *out)
{
	(void)c;
	out->data = strdup("");
	out->len = 0;
	out->mtime = 0;
	return out->data ? 0 : -ENOMEM;
}
