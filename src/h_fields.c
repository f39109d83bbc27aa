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

/* The word for the object's numeric field; unknown values as numbers. */
static int field_word(struct rctx *c, const struct coll *coll,
		      const char *field, const struct label *t, size_t n,
		      struct blob *out)
{
	char id[512], num[32];
	const char *word = NULL;
	cJSON *obj;
	const cJSON *v;
	int rc;

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	rc = coll_object_json(coll, id, &obj);
	if (rc < 0)
		return rc;
	v = cJSON_GetObjectItemCaseSensitive(obj, field);
	if (cJSON_IsNumber(v)) {
		word = word_of(t, n, (long)v->valuedouble);
		if (!word) {
			snprintf(num, sizeof(num), "%ld", (long)v->valuedouble);
			word = num;
		}
	}
	rc = text_blob(out, word ? word : "unknown", coll_mtime(obj));
	cJSON_Delete(obj);
	return rc;
}

int h_campaign_status_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_campaigns, "status", campaign_status,
			  NLABELS(campaign_status), out);
}

int h_account_status_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_accounts, "status", account_status,
			  NLABELS(account_status), out);
}

int h_account_warmup_read(struct rctx *c, struct blob *out)
{
	return field_word(c, &coll_accounts, "warmup_status", warmup_status,
			  NLABELS(warmup_status), out);
}

/* body.text when the email has one, else body.html as plain text. */
int h_body_read(struct rctx *c, struct blob *out)
{
	char id[512];
	cJSON *obj;
	const cJSON *body, *text, *html;
	int rc = 0;

	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	rc = coll_object_json(&coll_emails, id, &obj);
	if (rc < 0)
		return rc;
	body = cJSON_GetObjectItemCaseSensitive(obj, "body");
	text = cJSON_GetObjectItemCaseSensitive(body, "text");
	html = cJSON_GetObjectItemCaseSensitive(body, "html");
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
	cJSON_Delete(obj);
	if (!out->data)
		rc = -ENOMEM;
	return rc;
}

int h_empty_read(struct rctx *c, struct blob *out)
{
	(void)c;
	out->data = strdup("");
	out->len = 0;
	out->mtime = 0;
	return out->data ? 0 : -ENOMEM;
}
