/*
 * h_account.c - new sending accounts: mkdir accounts/<email> makes a
 * local folder; writing its account.json with the SMTP and IMAP settings
 * the API requires sends POST /accounts (passwords are sent, never shown
 * again), and the folder becomes the account.  Until then the folder
 * lives in memory only and is gone at unmount.
 * Locking: `lock` guards `local`.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errlog.h"
#include "escape.h"
#include "hmap.h"
#include "log.h"
#include "once.h"
#include "patch.h"
#include "scratch.h"
#include "tree.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct hmap *local;	/* escaped folder name -> (void *)1 */

static int is_local(const char *comp)
{
	int found;

	pthread_mutex_lock(&lock);
	found = local && hmap_get(local, comp);
	pthread_mutex_unlock(&lock);
	return found;
}

static void forget_local(const char *comp)
{
	pthread_mutex_lock(&lock);
	if (local)
		hmap_del(local, comp);
	pthread_mutex_unlock(&lock);
}

int h_account_mkdir(struct rctx *c, const char *comp)
{
	char *email = comp[0] == '.' ? NULL : name_unescape(comp);
	int rc = 0;

	(void)c;
	if (!email || !strchr(email, '@')) {
		free(email);
		return -EINVAL;
	}
	free(email);
	pthread_mutex_lock(&lock);
	if (!local)
		local = hmap_new();
	if (!local || hmap_put(local, comp, (void *)1, NULL) < 0)
		rc = -ENOMEM;
	pthread_mutex_unlock(&lock);
	return rc;
}

/* accounts/<email>: an account on the server, or a local folder. */
int h_account_stat(struct rctx *c, struct node *n)
{
	int rc = h_coll_stat(c, n);

	if (rc == -ENOENT && is_local(c->cap[0])) {
		n->flags |= R_LOCAL;
		rc = 0;
	}
	return rc;
}

static void count_name(void *n, const char *name)
{
	(void)name;
	(*(int *)n)++;
}

int h_account_rmdir(struct rctx *c)
{
	char path[1024];
	int files = 0;

	if (is_local(c->cap[0])) {
		snprintf(path, sizeof(path), "/accounts/%s", c->cap[0]);
		scratch_list(path, count_name, &files);
		if (files)
			return -ENOTEMPTY;
		forget_local(c->cap[0]);
		return 0;
	}
	return h_coll_delete(c);
}

/* account.json may be created in a local folder only. */
int h_account_create(struct rctx *c)
{
	return is_local(c->cap[0]) ? 0 : -ENOENT;
}

/* What POST /accounts takes (its request schema). */
static const char *const account_create_fields[] = {
	"daily_limit", "email", "enable_slow_ramp", "first_name", "imap_host",
	"imap_password", "imap_port", "imap_username",
	"inbox_placement_test_limit", "last_name", "provider_code", "reply_to",
	"sending_gap", "signature", "skip_cname_check", "smtp_host",
	"smtp_password", "smtp_port", "smtp_username", "tracking_domain_name",
	"tracking_domain_status", "warmup", "warmup_custom_ftag", NULL
};

static int account_lookup(void *arg, cJSON **found)
{
	return once_find(coll_accounts.list_path, "email", arg, 1, found);
}

static int create_account(struct rctx *c, const char *data, size_t len)
{
	cJSON *body = NULL, *field, *obj = NULL;
	char *email = name_unescape(c->cap[0]), *why = NULL;
	int rc = email ? patch_parse_new(data, len, NULL, &body, &why)
		       : -EINVAL;

	cJSON *fields = rc == 0 ? body : NULL;

	cJSON_ArrayForEach(field, fields) {
		const char *const *f = account_create_fields;

		while (*f && strcmp(*f, field->string))
			f++;
		if (!*f) {
			free(why);
			why = NULL;
			if (asprintf(&why, "%s is not a field a new account "
					   "takes", field->string) < 0)
				why = NULL;
			rc = -EINVAL;
			break;
		}
	}
	if (rc < 0) {
		errlog_add("POST", "/api/v2/accounts", "not sent",
			   why ? why : "refused");
		log_err("POST /api/v2/accounts: not sent: %s", why ? why : "");
		goto out;
	}
	if (!cJSON_GetObjectItemCaseSensitive(body, "email"))
		cJSON_AddStringToObject(body, "email", email);
	field = cJSON_GetObjectItemCaseSensitive(body, "email");
	rc = cJSON_IsString(field)
		     ? coll_create(&coll_accounts, body, account_lookup,
				   field->valuestring, &obj)
		     : -EINVAL;
	if (rc == 0) {
		forget_local(c->cap[0]);
		coll_learn(&coll_accounts, NULL, obj);
	}
out:
	cJSON_Delete(obj);
	cJSON_Delete(body);
	free(email);
	free(why);
	return rc;
}

/* account.json: an edit of the account, or the account's creation. */
int h_account_commit(struct rctx *c, const char *data, size_t len)
{
	if (is_local(c->cap[0]))
		return create_account(c, data, len);
	return h_coll_commit(c, data, len);
}
