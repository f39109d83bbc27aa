/*
 * h_account.c - new sending accounts: mkdir accounts/<email> makes a
 * local folder; writing its account.json with the SMTP and IMAP settings
 * the API requires sends POST /accounts (passwords are sent, never shown
 * again), and the folder becomes the account.  Until then the folder
 * lives in memory only and is gone at unmount (h_local.c).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "once.h"
#include "tree.h"

int h_account_mkdir(struct rctx *c, const char *comp)
{
	char *email = comp[0] == '.' ? NULL : name_unescape(comp);
	int ok = email && strchr(email, '@');

	free(email);
	return ok ? h_local_mkdir(c, comp) : -EINVAL;
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
	cJSON *body = NULL, *field;
	char *email = name_unescape(c->cap[0]);
	int rc = email ? h_local_body(&coll_accounts, data, len, NULL,
				      account_create_fields, &body)
		       : -EINVAL;

	if (rc < 0)
		goto out;
	if (!cJSON_GetObjectItemCaseSensitive(body, "email"))
		cJSON_AddStringToObject(body, "email", email);
	field = cJSON_GetObjectItemCaseSensitive(body, "email");
	rc = cJSON_IsString(field)
		     ? h_local_post(c, &coll_accounts, body, account_lookup,
				    field->valuestring)
		     : -EINVAL;
out:
	cJSON_Delete(body);
	free(email);
	return rc;
}

/* account.json: an edit of the account, or the account's creation. */
int h_account_commit(struct rctx *c, const char *data, size_t len)
{
	if (h_local_is(c))
		return create_account(c, data, len);
	return h_coll_commit(c, data, len);
}
