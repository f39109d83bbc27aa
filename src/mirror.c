/*
 * mirror.c - the store a mount uses (see mirror.h).
 *
 * Owns: the plan (root folder, workspace id) between mirror_plan() and
 * mirror_open(), and <root>/workspaces, one line per API address:
 * "<address> <connection or -> <workspace id>".
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api.h"
#include "doc.h"
#include "log.h"
#include "mirror.h"
#include "store.h"

#define WORKSPACES_MAX (64u << 10)	/* bytes of the remembered ids */

static char *root, *workspace, *api_address, *api_connection;
static size_t cap;	/* bytes */
static cJSON *answer;	/* /workspaces/current, for workspace.json */

/* Is s fit to be a word of a line (and, without a '/', to name a
 * folder)? */
static int plain_word(const char *s, int slash)
{
	if (!s || !*s || strlen(s) > 500 || !strcmp(s, ".") ||
	    !strcmp(s, ".."))
		return 0;
	for (; *s; s++)
		if (*s <= ' ' || *s == 0x7f || (*s == '/' && !slash))
			return 0;
	return 1;
}

static char *workspaces_path(void)
{
	char *p;

	return asprintf(&p, "%s/workspaces", root) < 0 ? NULL : p;
}

/* The remembered id of address (and connection); malloc'd or NULL. */
static char *recall(const char *address, const char *conn)
{
	char *path = workspaces_path(), line[1024], a[600], c[256], id[256];
	char *found = NULL;
	FILE *f = path ? fopen(path, "re") : NULL;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%599s %255s %255s", a, c, id) == 3 &&
		    !strcmp(a, address) && !strcmp(c, conn)) {
			free(found);
			found = strdup(id);
		}
	if (f)
		fclose(f);
	free(path);
	return found;
}

/* Remembers id for address: the file is written anew, 0600. */
static void remember(const char *address, const char *conn, const char *id)
{
	char *path = workspaces_path(), *tmp = NULL, line[1024], a[600], c[256];
	FILE *in, *out;
	size_t kept = 0;
	int fd;

	if (!path || asprintf(&tmp, "%s.%d", path, (int)getpid()) < 0) {
		free(path);
		return;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	out = fd >= 0 ? fdopen(fd, "w") : NULL;
	if (!out) {
		if (fd >= 0)
			close(fd);
		free(path);
		free(tmp);
		return;
	}
	in = fopen(path, "re");
	while (in && fgets(line, sizeof(line), in) && kept < WORKSPACES_MAX) {
		if (sscanf(line, "%599s %255s", a, c) == 2 &&
		    !(!strcmp(a, address) && !strcmp(c, conn))) {
			fputs(line, out);
			kept += strlen(line);
		}
	}
	if (in)
		fclose(in);
	fprintf(out, "%s %s %s\n", address, conn, id);
	if (fclose(out) == 0)
		rename(tmp, path);
	else
		unlink(tmp);
	free(path);
	free(tmp);
}

void mirror_plan(const struct mirror_config *cfg)
{
	const char *conn = cfg->connection && *cfg->connection
				   ? cfg->connection
				   : "-";
	const cJSON *id;
	struct api_resp r;

	if (cfg->memory_only)
		return;
	cap = cfg->cache_size;
	root = cfg->cache_dir ? strdup(cfg->cache_dir) : store_default_root();
	if (!root) {
		log_err("store: no folder for it (HOME is not set): the cache "
			"stays in memory");
		return;
	}
	if (!plain_word(cfg->base_url, 1) || !plain_word(conn, 0)) {
		free(root);
		root = NULL;
		return;
	}
	if (api_call("GET", "/api/v2/workspaces/current", NULL, &r) == 0) {
		id = cJSON_GetObjectItemCaseSensitive(r.json, "id");
		if (cJSON_IsString(id) && plain_word(id->valuestring, 0)) {
			workspace = strdup(id->valuestring);
			answer = r.json;
			r.json = NULL;
		}
		api_resp_free(&r);
	} else {
		workspace = recall(cfg->base_url, conn);
		if (workspace)
			log_err("store: the API cannot be asked which workspace "
				"this is; opening the store of %s, the last one "
				"seen at this address", workspace);
	}
	api_address = strdup(cfg->base_url);
	api_connection = strdup(conn);
	if (!workspace || !api_address || !api_connection) {
		log_err("store: no workspace known: the cache stays in memory");
		free(root);
		root = NULL;
	}
}

void mirror_open(void)
{
	char *err = NULL;

	store_set_cap(cap);
	if (root && workspace && store_open(root, workspace, &err) < 0) {
		log_err("store: %s; the cache stays in memory",
			err ? err : "cannot open it");
		free(err);
	} else if (root && workspace && answer) {
		remember(api_address, api_connection, workspace);
	}
	/* workspace.json costs no second request. */
	if (answer)
		doc_learn("/api/v2/workspaces/current", answer);
	cJSON_Delete(answer);
	answer = NULL;
}

void mirror_close(void)
{
	store_close();
	free(root);
	free(workspace);
	free(api_address);
	free(api_connection);
	cJSON_Delete(answer);
	root = workspace = api_address = api_connection = NULL;
	answer = NULL;
}
