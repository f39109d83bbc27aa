/*
 * h_actions.c - files whose write is an action: a campaign's or an
 * account's status, an account's warmup, an email's reply and forward,
 * a thread's read.
 *
 * The text is taken at close, once; a value the file does not take is
 * EINVAL with the accepted values in the error log.  A file that takes
 * one of two words refuses a wrong one already at the write that ends
 * its line (the *_check handlers), so a shell's echo reports it.  What the action
 * changed is learned from the API's answer or forgotten, so the next
 * read shows the server's truth.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "api.h"
#include "errlog.h"
#include "log.h"
#include "once.h"
#include "tree.h"

/* After a lost answer, a reply or forward sent this long before (plus the
 * clocks' difference) counts as the one that was lost. */
#define SENT_LOOK_BACK_S 120

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

/* POST path (escaped id put in its "%s"), no body unless given.  o, if
 * given, says how to look before sending again after a lost answer. */
static int post_action(const char *fmt, const char *id, const cJSON *body,
		       struct once *o, cJSON **out)
{
	struct once plain = { 0 };
	char *esc = id ? api_escape(id) : NULL;
	char *path = coll_format(fmt, esc ? esc : "");
	cJSON *json = NULL;
	int rc = -ENOMEM;

	if (!o)
		o = &plain;
	if (path) {
		o->path = path;
		o->body = body;
		rc = once_send(o, &json);
	}
	if (rc == 0 && out)
		*out = json;
	else
		cJSON_Delete(json);
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
	const char *path;	/* POST; "%s" is the id, or a body names it */
};

/* A file that takes one of two words. */
struct words {
	const char *what;	/* for the messages */
	struct choice a, b;
};

static const struct words campaign_status = {
	"a campaign's status",
	{ "active", "/api/v2/campaigns/%s/activate" },
	{ "paused", "/api/v2/campaigns/%s/pause" },
};
static const struct words account_status = {
	"an account's status",
	{ "active", "/api/v2/accounts/%s/resume" },
	{ "paused", "/api/v2/accounts/%s/pause" },
};
static const struct words account_warmup = {
	"an account's warmup",
	{ "enabled", "/api/v2/accounts/warmup/enable" },
	{ "disabled", "/api/v2/accounts/warmup/disable" },
};

/* The choice word names; else NULL, refused with the accepted words. */
static const struct choice *pick(const struct words *w, const char *word,
				 int *rc)
{
	char accepted[64];

	*rc = 0;
	if (!strcasecmp(word, w->a.word))
		return &w->a;
	if (!strcasecmp(word, w->b.word))
		return &w->b;
	snprintf(accepted, sizeof(accepted), "\"%s\" or \"%s\"", w->a.word,
		 w->b.word);
	*rc = refuse(w->what, word, accepted);
	return NULL;
}

/* The text up to its last line break can only be a word the file takes
 * (or blank): what follows cannot make another word of it. */
static int check_words(const struct words *w, const char *data, size_t len)
{
	const char *nl = memrchr(data, '\n', len);
	char *word;
	int rc = 0;

	if (!nl)
		return 0;
	word = trimmed(data, (size_t)(nl - data));
	if (!word)
		return -ENOMEM;
	if (*word)
		pick(w, word, &rc);
	free(word);
	return rc;
}

/* The written word's choice, the id in id; else NULL and *rc. */
static const struct choice *choice_of(struct rctx *c, const struct words *w,
				      const char *data, size_t len, char *id,
				      size_t idlen, int *rc)
{
	char *word = trimmed(data, len);
	const struct choice *ch;

	if (!word) {
		*rc = -ENOMEM;
		return NULL;
	}
	ch = pick(w, word, rc);
	free(word);
	if (ch && !h_cap_id(c, 0, id, idlen)) {
		*rc = -ENOENT;
		ch = NULL;
	}
	return ch;
}

static int choose(struct rctx *c, const struct coll *coll,
		  const struct words *w, const char *data, size_t len)
{
	char id[512];
	const struct choice *ch;
	cJSON *obj = NULL;
	int rc;

	ch = choice_of(c, w, data, len, id, sizeof(id), &rc);
	if (!ch)
		return rc;
	rc = post_action(ch->path, id, NULL, NULL, &obj);
	if (rc == 0)
		learn(coll, id, obj);
	return rc;
}

int h_campaign_status_commit(struct rctx *c, const char *data, size_t len)
{
	return choose(c, &coll_campaigns, &campaign_status, data, len);
}

int h_campaign_status_check(struct rctx *c, const char *data, size_t len)
{
	(void)c;
	return check_words(&campaign_status, data, len);
}

int h_account_status_commit(struct rctx *c, const char *data, size_t len)
{
	return choose(c, &coll_accounts, &account_status, data, len);
}

int h_account_status_check(struct rctx *c, const char *data, size_t len)
{
	(void)c;
	return check_words(&account_status, data, len);
}

int h_account_warmup_check(struct rctx *c, const char *data, size_t len)
{
	(void)c;
	return check_words(&account_warmup, data, len);
}

struct warmup_look {
	const char *email;
	int on;
};

static int warmup_as_asked(const void *arg, const cJSON *account)
{
	const struct warmup_look *w = arg;
	const cJSON *st = cJSON_GetObjectItemCaseSensitive(account,
							   "warmup_status");

	return cJSON_IsNumber(st) && (st->valueint == 1) == w->on;
}

/* Is the account's warmup already as asked?  Then the lost answer's
 * request was carried out (or was not needed): no second job. */
static int warmup_lookup(void *arg, cJSON **found)
{
	const struct warmup_look *w = arg;

	return coll_find_item(&coll_accounts, w->email, warmup_as_asked, w,
			      found);
}

int h_account_warmup_commit(struct rctx *c, const char *data, size_t len)
{
	struct warmup_look look = { 0 };
	struct once o = { .lookup = warmup_lookup, .arg = &look };
	char id[512];
	const struct choice *ch;
	cJSON *body, *emails, *job = NULL;
	int rc;

	ch = choice_of(c, &account_warmup, data, len, id, sizeof(id), &rc);
	if (!ch)
		return rc;
	look.email = id;
	look.on = ch == &account_warmup.a;
	body = cJSON_CreateObject();
	emails = cJSON_AddArrayToObject(body, "emails");
	cJSON_AddItemToArray(emails, cJSON_CreateString(id));
	rc = post_action(ch->path, NULL, body, &o, &job);
	cJSON_Delete(body);
	if (rc == 0) {
		/* The change is a background job: it shows in jobs/, and
		 * the account is read again once asked for. */
		if (cJSON_IsObject(job) && !o.looked_up)
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

/* What a reply or forward that may have gone out looks like. */
struct sent_look {
	const char *subject;
	const char *text;	/* a reply's text, or NULL */
	const char *to;		/* a forward's addresses, or NULL */
};

/* Is obj's field name want, white space around either aside? */
static int same_text(const cJSON *obj, const char *name, const char *want)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, name);
	char *got, *wanted;
	int eq;

	if (!cJSON_IsString(v) || !want)
		return 0;
	got = trimmed(v->valuestring, strlen(v->valuestring));
	wanted = trimmed(want, strlen(want));
	eq = got && wanted && !strcmp(got, wanted);
	free(got);
	free(wanted);
	return eq;
}

static int sent_matches(const void *arg, const cJSON *e)
{
	const struct sent_look *l = arg;
	const cJSON *body = cJSON_GetObjectItemCaseSensitive(e, "body");

	if (!same_text(e, "subject", l->subject))
		return 0;
	if (l->to)
		return same_text(e, "to_address_email_list", l->to);
	/* The text, where the answer carries it as text. */
	return !cJSON_GetObjectItemCaseSensitive(body, "text") ||
	       same_text(body, "text", l->text);
}

/* The filters of the lookup: sent by eaccount in the last minutes. */
static char *sent_path(const char *eaccount)
{
	char since[40], *esc = api_escape(eaccount), *path = NULL;
	time_t t = time(NULL) - SENT_LOOK_BACK_S;
	struct tm tm;

	strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%S.000Z",
		 gmtime_r(&t, &tm));
	if (esc && asprintf(&path, "/api/v2/emails?email_type=sent&"
				   "eaccount=%s&min_timestamp_created=%s",
			    esc, since) < 0)
		path = NULL;
	free(esc);
	return path;
}

struct sent_lookup_arg {
	struct sent_look look;
	const char *eaccount;
	const char *search;	/* "thread:<id>" or the subject */
};

static int sent_lookup(void *arg, cJSON **found)
{
	const struct sent_lookup_arg *a = arg;
	char *path = sent_path(a->eaccount);
	int rc = path ? once_search(path, a->search, sent_matches, &a->look,
				    found)
		      : -ENOMEM;

	free(path);
	return rc;
}

/*
 * POSTs body to path (a reply or a forward of email, id), never twice:
 * after a lost answer, what was sent from its account in the last
 * minutes is searched for its subject and its text or addresses.
 */
static int post_email(const char *path, const char *id, const cJSON *email,
		      const cJSON *body, const struct sent_look *what)
{
	struct sent_lookup_arg look = { .look = *what };
	struct once o = { .lookup = sent_lookup, .arg = &look };
	char *search = NULL;
	cJSON *sent = NULL;
	int rc;

	look.eaccount = field(email, "eaccount");
	if (what->to)
		look.search = what->subject;
	else if (asprintf(&search, "thread:%s", *field(email, "thread_id")
					       ? field(email, "thread_id")
					       : id) >= 0)
		look.search = search;
	rc = look.search ? post_action(path, NULL, body, &o, &sent) : -ENOMEM;
	if (rc == 0)
		/* A new message in the inbox: the next listing shows it. */
		coll_forget(&coll_emails, NULL);
	cJSON_Delete(sent);
	free(search);
	return rc;
}

int h_send_reply(const char *id, const cJSON *email, const struct reply *r)
{
	struct sent_look look = { .subject = r->subject,
				  .text = r->text ? r->text : r->html };
	cJSON *body = cJSON_CreateObject(), *b;
	int rc;

	cJSON_AddStringToObject(body, "reply_to_uuid", id);
	cJSON_AddStringToObject(body, "eaccount", field(email, "eaccount"));
	cJSON_AddStringToObject(body, "subject", r->subject);
	b = cJSON_AddObjectToObject(body, "body");
	if (r->text)
		cJSON_AddStringToObject(b, "text", r->text);
	if (r->html)
		cJSON_AddStringToObject(b, "html", r->html);
	if (r->cc)
		cJSON_AddStringToObject(body, "cc_address_email_list", r->cc);
	if (r->bcc)
		cJSON_AddStringToObject(body, "bcc_address_email_list", r->bcc);
	rc = post_email("/api/v2/emails/reply", id, email, body, &look);
	cJSON_Delete(body);
	return rc;
}

static int send_forward(const char *id, const cJSON *email, char *text)
{
	struct sent_look look = { 0 };
	char *subject = NULL, *to = trimmed(text, strlen(text));
	cJSON *body;
	int rc;

	if (!to || !*to || !strchr(to, '@')) {
		rc = refuse("an email's forward", to ? to : "",
			    "one or more addresses, comma-separated");
		free(to);
		return rc;
	}
	split_subject((char *)"", "Fwd: ", field(email, "subject"), &subject);
	body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "reply_to_uuid", id);
	cJSON_AddStringToObject(body, "eaccount", field(email, "eaccount"));
	cJSON_AddStringToObject(body, "subject", subject ? subject : "");
	cJSON_AddStringToObject(body, "to_address_email_list", to);
	cJSON_AddBoolToObject(body, "include_original_body", 1);
	look.subject = subject ? subject : "";
	look.to = to;
	rc = post_email("/api/v2/emails/forward", id, email, body, &look);
	cJSON_Delete(body);
	free(subject);
	free(to);
	return rc;
}

static int send_reply_text(const char *id, const cJSON *email, char *text)
{
	struct reply r = { 0 };
	char *subject = NULL;
	char *rest = split_subject(text, "Re: ", field(email, "subject"),
				   &subject);
	int rc;

	if (!*rest)
		rc = refuse("an email's reply", "", "the text to send");
	else if (!subject)
		rc = -ENOMEM;
	else {
		r.subject = subject;
		r.text = rest;
		rc = h_send_reply(id, email, &r);
	}
	free(subject);
	return rc;
}

static int send_email(struct rctx *c, const char *data, size_t len,
		      int forward)
{
	char id[512];
	char *text = strndup(data, len);
	cJSON *email = NULL;
	int rc;

	if (!text || !h_cap_id(c, 0, id, sizeof(id))) {
		free(text);
		return text ? -ENOENT : -ENOMEM;
	}
	rc = coll_object_json(&coll_emails, id, &email);
	if (rc == 0)
		rc = forward ? send_forward(id, email, text)
			     : send_reply_text(id, email, text);
	cJSON_Delete(email);
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
			 NULL, NULL);
	if (rc == 0) {
		/* is_unread changed on every message of the thread. */
		coll_forget_objects(&coll_thread, id);
		coll_forget_where(&coll_emails, NULL, id);
		coll_forget(&coll_unread, NULL);
	}
	return rc;
}
