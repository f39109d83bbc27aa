/*
 * h_actions.c - files whose write is an action: a campaign's or an
 * account's status, an account's warmup, an email's reply and forward,
 * a thread's read.
 *
 * The text is taken at close, once; a value the file does not take is
 * EINVAL with the accepted values in the error log.  What the action
 * changed is learned from the API's answer or forgotten, so the next
 * read shows the server's truth.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "errlog.h"
#include "log.h"
#include "tree.h"

/* The written text without surrounding white space; malloc'd. */
static char *trimmed(const char *data, size_t len)
{
	while (len && isspace((unsigned char)*data)) {
		data++;
		len--;
	}
	while (len && isspace((unsigned char)data[len - 1]))
		len--;
	return strndup(data, len);
}

static int refuse(const char *what, const char *value, const char *accepted)
{
	char msg[512];

	snprintf(msg, sizeof(msg), "%s takes %s, not \"%.100s\"", what,
		 accepted, value);
	errlog_add("WRITE", what, "not sent", msg);
	log_err("%s", msg);
	return -EINVAL;
}

/* POST path (escaped id put in its "%s"), no body unless given. */
static int post_action(const char *fmt, const char *id, const cJSON *body,
		       cJSON **out)
{
	struct api_resp r = { 0 };
	char *esc = id ? api_escape(id) : NULL;
	char *path = coll_format(fmt, esc ? esc : "");
	int rc = path ? api_call("POST", path, body, &r) : -ENOMEM;

	if (rc == 0 && out) {
		*out = r.json;
		r.json = NULL;
	}
	api_resp_free(&r);
	free(path);
	free(esc);
	return rc;
}

/* Learns an answer that is the object itself; else forgets it. */
static void learn(const struct coll *coll, const char *id, cJSON *obj)
{
	if (!cJSON_IsObject(obj) || coll_learn(coll, NULL, obj) < 0)
		coll_unlearn(coll, NULL, id);
	cJSON_Delete(obj);
}

/* A word written to a file that takes one of two: the action for each. */
struct choice {
	const char *word;
	const char *path;	/* POST; "%s" is the id */
};

static int choose(struct rctx *c, const struct coll *coll, const char *what,
		  const struct choice *a, const struct choice *b,
		  const char *data, size_t len)
{
	char id[512];
	char *word = trimmed(data, len);
	const struct choice *pick = NULL;
	cJSON *obj = NULL;
	int rc;

	if (!word)
		return -ENOMEM;
	if (!strcasecmp(word, a->word))
		pick = a;
	else if (!strcasecmp(word, b->word))
		pick = b;
	if (!pick || !h_cap_id(c, 0, id, sizeof(id))) {
		char accepted[64];

		snprintf(accepted, sizeof(accepted), "\"%s\" or \"%s\"",
			 a->word, b->word);
		rc = refuse(what, word, accepted);
		free(word);
		return rc;
	}
	free(word);
	rc = post_action(pick->path, id, NULL, &obj);
	if (rc == 0)
		learn(coll, id, obj);
	return rc;
}

int h_campaign_status_commit(struct rctx *c, const char *data, size_t len)
{
	static const struct choice on = { "active",
					  "/api/v2/campaigns/%s/activate" };
	static const struct choice off = { "paused",
					   "/api/v2/campaigns/%s/pause" };

	return choose(c, &coll_campaigns, "a campaign's status", &on, &off,
		      data, len);
}

int h_account_status_commit(struct rctx *c, const char *data, size_t len)
{
	static const struct choice on = { "active",
					  "/api/v2/accounts/%s/resume" };
	static const struct choice off = { "paused",
					   "/api/v2/accounts/%s/pause" };

	return choose(c, &coll_accounts, "an account's status", &on, &off,
		      data, len);
}

int h_account_warmup_commit(struct rctx *c, const char *data, size_t len)
{
	char id[512];
	char *word = trimmed(data, len);
	cJSON *body, *emails, *job = NULL;
	const char *path;
	int rc;

	if (!word)
		return -ENOMEM;
	if (!strcasecmp(word, "enabled"))
		path = "/api/v2/accounts/warmup/enable";
	else if (!strcasecmp(word, "disabled"))
		path = "/api/v2/accounts/warmup/disable";
	else
		path = NULL;
	if (!path || !h_cap_id(c, 0, id, sizeof(id))) {
		rc = refuse("an account's warmup", word,
			    "\"enabled\" or \"disabled\"");
		free(word);
		return rc;
	}
	free(word);
	body = cJSON_CreateObject();
	emails = cJSON_AddArrayToObject(body, "emails");
	cJSON_AddItemToArray(emails, cJSON_CreateString(id));
	rc = post_action(path, NULL, body, &job);
	cJSON_Delete(body);
	if (rc == 0) {
		/* The change is a background job: it shows in jobs/, and
		 * the account is read again once asked for. */
		if (cJSON_IsObject(job))
			coll_learn(&coll_jobs, NULL, job);
		coll_forget(&coll_jobs, NULL);
		coll_unlearn(&coll_accounts, NULL, id);
		coll_forget(&coll_accounts, NULL);
	}
	cJSON_Delete(job);
	return rc;
}

/* A field of the email the reply or forward answers. */
static const char *field(const cJSON *email, const char *name)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(email, name);

	return cJSON_IsString(v) ? v->valuestring : "";
}

/* "Subject: ..." on the first line sets the subject; the rest is the
 * body.  Otherwise the subject is prefix + the original's. */
static char *split_subject(char *text, const char *prefix,
			   const char *original, char **subject)
{
	if (!strncasecmp(text, "Subject:", 8)) {
		char *nl = strchr(text, '\n');

		if (nl)
			*nl = '\0';
		*subject = trimmed(text + 8, strlen(text + 8));
		return nl ? nl + 1 : text + strlen(text);
	}
	if (!strncasecmp(original, prefix, strlen(prefix)))
		*subject = strdup(original);
	else if (asprintf(subject, "%s%s", prefix, original) < 0)
		*subject = NULL;
	return text;
}

static int send_email(struct rctx *c, const char *data, size_t len,
		      int forward)
{
	char id[512];
	char *text = strndup(data, len), *subject = NULL, *rest, *to = NULL;
	cJSON *email = NULL, *body = NULL, *sent = NULL;
	int rc;

	if (!text || !h_cap_id(c, 0, id, sizeof(id))) {
		free(text);
		return text ? -ENOENT : -ENOMEM;
	}
	rc = coll_object_json(&coll_emails, id, &email);
	if (rc < 0)
		goto out;
	if (forward) {
		to = trimmed(text, strlen(text));
		if (!to || !*to || !strchr(to, '@')) {
			rc = refuse("an email's forward", to ? to : "",
				    "one or more addresses, comma-separated");
			goto out;
		}
		subject = NULL;
		rest = NULL;
		split_subject((char *)"", "Fwd: ", field(email, "subject"),
			      &subject);
	} else {
		rest = split_subject(text, "Re: ", field(email, "subject"),
				     &subject);
		if (!*rest) {
			rc = refuse("an email's reply", "", "the text to send");
			goto out;
		}
	}
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reply_to_uuid", id);
	cJSON_AddStringToObject(body, "eaccount", field(email, "eaccount"));
	cJSON_AddStringToObject(body, "subject", subject ? subject : "");
	if (forward) {
		cJSON_AddStringToObject(body, "to_address_email_list", to);
		cJSON_AddBoolToObject(body, "include_original_body", 1);
	} else {
		cJSON *b = cJSON_AddObjectToObject(body, "body");

		cJSON_AddStringToObject(b, "text", rest);
	}
	rc = post_action(forward ? "/api/v2/emails/forward"
				 : "/api/v2/emails/reply",
			 NULL, body, &sent);
	if (rc == 0)
		/* A new message in the inbox: the next listing shows it. */
		coll_forget(&coll_emails, NULL);
out:
	cJSON_Delete(sent);
	cJSON_Delete(body);
	cJSON_Delete(email);
	free(subject);
	free(to);
	free(text);
	return rc;
}

int h_reply_commit(struct rctx *c, const char *data, size_t len)
{
	return send_email(c, data, len, 0);
}

int h_forward_commit(struct rctx *c, const char *data, size_t len)
{
	return send_email(c, data, len, 1);
}

int h_thread_read_commit(struct rctx *c, const char *data, size_t len)
{
	char id[512];
	int rc;

	(void)data;
	(void)len;
	if (!h_cap_id(c, 0, id, sizeof(id)))
		return -ENOENT;
	rc = post_action("/api/v2/emails/threads/%s/mark-as-read", id, NULL,
			 NULL);
	if (rc == 0) {
		/* is_unread changed on every message of the thread. */
		coll_forget_objects(&coll_thread, id);
		coll_forget_where(&coll_emails, NULL, id);
		coll_forget(&coll_unread, NULL);
	}
	return rc;
}
