/*
 * h_docs.c - files that are one API answer: workspace.json, analytics,
 * sending-status.json, unread_count, warmup_analytics.json.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api.h"
#include "doc.h"
#include "tree.h"

/* "2026-10-01..2026-10-31" into its two dates; 0 or -ENOENT. */
static int parse_range(const char *s, char *from, char *to)
{
	struct tm tm;
	const char *dots = strstr(s, "..");

	if (!dots || dots - s != 10 || strlen(dots + 2) != 10)
		return -ENOENT;
	memcpy(from, s, 10);
	from[10] = '\0';
	memcpy(to, dots + 2, 11);
	memset(&tm, 0, sizeof(tm));
	if (!strptime(from, "%Y-%m-%d", &tm) || strcmp(from, to) > 0)
		return -ENOENT;
	memset(&tm, 0, sizeof(tm));
	return strptime(to, "%Y-%m-%d", &tm) ? 0 : -ENOENT;
}

int h_range_stat(struct rctx *c, struct node *n)
{
	char from[11], to[11];

	(void)n;
	return c->ncap > 1 ? parse_range(c->cap[1], from, to) : -ENOENT;
}

int h_doc_read(struct rctx *c, struct blob *out)
{
	const struct doc_view *v = c->route->arg;
	char idbuf[512], from[11], to[11];
	const char *id = h_cap_id(c, v->cap, idbuf, sizeof(idbuf));
	char *esc, *path;
	int rc;

	if (!id)
		return -ENOENT;
	esc = api_escape(id);
	if (!esc)
		return -ENOMEM;
	if (v->range_cap >= 0) {
		if (v->range_cap >= c->ncap ||
		    parse_range(c->cap[v->range_cap], from, to) < 0) {
			free(esc);
			return -ENOENT;
		}
		rc = asprintf(&path, "%s?%s=%s&start_date=%s&end_date=%s",
			      v->path, v->id_param, esc, from, to);
	} else if (!v->id_param) {
		path = coll_format(v->path, esc);	/* the id in the path */
		rc = path ? 0 : -1;
	} else {
		rc = asprintf(&path, "%s?%s=%s", v->path, v->id_param, esc);
	}
	free(esc);
	if (rc < 0)
		return -ENOMEM;
	rc = doc_get(v->method, path, NULL,
		     v->csv ? doc_render_csv : doc_render_json, out);
	free(path);
	return rc;
}

int h_workspace_read(struct rctx *c, struct blob *out)
{
	(void)c;
	return doc_get("GET", "/api/v2/workspaces/current", NULL,
		       doc_render_json, out);
}

/* {"count": 42} -> "42\n" */
static int render_count(const cJSON *resp, struct blob *out)
{
	const cJSON *n = cJSON_GetObjectItemCaseSensitive(resp, "count");
	int len;

	if (!cJSON_IsNumber(n))
		return -EIO;
	len = asprintf(&out->data, "%.0f\n", n->valuedouble);
	if (len < 0)
		return -ENOMEM;
	out->len = (size_t)len;
	return 0;
}

int h_unread_count_read(struct rctx *c, struct blob *out)
{
	(void)c;
	return doc_get("GET", "/api/v2/emails/unread/count", NULL,
		       render_count, out);
}

int h_warmup_analytics_read(struct rctx *c, struct blob *out)
{
	char email[512];
	cJSON *body, *emails;
	int rc;

	if (!h_cap_id(c, 0, email, sizeof(email)))
		return -ENOENT;
	body = cJSON_CreateObject();
	emails = cJSON_AddArrayToObject(body, "emails");
	if (!emails) {
		cJSON_Delete(body);
		return -ENOMEM;
	}
	cJSON_AddItemToArray(emails, cJSON_CreateString(email));
	rc = doc_get("POST", "/api/v2/accounts/warmup-analytics", body,
		     doc_render_json, out);
	cJSON_Delete(body);
	return rc;
}
