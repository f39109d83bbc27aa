/*
 * connections.c - the "connections" subcommand: list, create, get and
 * delete gateway connections on the control host.
 *
 * Owns only its argument parsing and output; every request goes through
 * api_call() with the control host as base URL, so auth, User-Agent, TLS,
 * retries and error mapping are shared with the mount.  Single-threaded:
 * it runs instead of the mount, never beside it.  The key is read with
 * key_load() and never printed.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "cliopt.h"
#include "connections.h"
#include "key.h"
#include "render.h"

#define CONNECTIONS_APP "instantly"

static const char connections_usage_text[] =
    "usage: instantlyfs connections list [options]\n"
    "       instantlyfs connections create [options]\n"
    "       instantlyfs connections get ID [options]\n"
    "       instantlyfs connections delete ID [options]\n"
    "\n"
    "Manages the Instantly connections of a Maton gateway account.\n"
    "The key comes from MATON_API_KEY or --key-file.\n"
    "\n"
    "options:\n"
    "  --ctrl-url URL    control host (default " API_CTRL_URL ")\n"
    "  --key-file PATH   read the key from PATH (mode 0600)\n"
    "  -h, --help        show this help\n";

static int connections_usage(const char *msg)
{
	if (msg)
		fprintf(stderr, "instantlyfs connections: %s\n", msg);
	fputs(connections_usage_text, stderr);
	return 2;
}

static void connections_print(const cJSON *json)
{
	size_t len;
	char *s;

	if (!json)
		return;
	s = render_json(json, &len);
	if (s)
		fwrite(s, 1, len, stdout);
	free(s);
}

static void connections_show_url(const cJSON *json)
{
	const cJSON *conn, *url;

	conn = cJSON_GetObjectItemCaseSensitive(json, "connection");
	url = cJSON_GetObjectItemCaseSensitive(conn, "url");
	if (cJSON_IsString(url) && url->valuestring[0])
		fprintf(stderr, "Open this URL in a browser to authorise: %s\n",
			url->valuestring);
	else
		fputs("instantlyfs connections: the response holds no "
		      "authorisation URL\n",
		      stderr);
}

static int connections_run(const char *cmd, const char *id)
{
	const char *method = "GET";
	struct api_resp resp;
	cJSON *body = NULL;
	char *path = NULL;
	char *esc = NULL;
	int rc;

	if (strcmp(cmd, "list") == 0) {
		path = strdup("/connections?app=" CONNECTIONS_APP);
	} else if (strcmp(cmd, "create") == 0) {
		method = "POST";
		path = strdup("/connections");
		body = cJSON_CreateObject();
		if (body &&
		    !cJSON_AddStringToObject(body, "app", CONNECTIONS_APP)) {
			cJSON_Delete(body);
			body = NULL;
		}
		if (!body) {
			free(path);
			path = NULL;
		}
	} else {
		if (strcmp(cmd, "delete") == 0)
			method = "DELETE";
		esc = api_escape(id);
		if (esc && asprintf(&path, "/connections/%s", esc) < 0)
			path = NULL;
		free(esc);
	}
	if (!path) {
		fprintf(stderr, "instantlyfs connections: %s\n",
			strerror(ENOMEM));
		return 1;
	}
	rc = api_call(method, path, body, &resp);
	cJSON_Delete(body);
	free(path);
	if (rc < 0) {
		fprintf(stderr, "instantlyfs connections: %s failed: %s\n", cmd,
			strerror(-rc));
		return 1;
	}
	connections_print(resp.json);
	if (strcmp(method, "POST") == 0)
		connections_show_url(resp.json);
	api_resp_free(&resp);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "instantlyfs connections: stdout: %s\n",
			strerror(errno));
		return 1;
	}
	return 0;
}

int connections_main(int argc, char **argv)
{
	const char *ctrl_url = API_CTRL_URL;
	const char *key_file = NULL;
	const char *cmd = NULL;
	const char *id = NULL;
	struct api_config cfg;
	enum api_mode mode;
	int i, bad = 0, opts = 1, rc;
	char *err = NULL;
	char *key;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts &&
		    (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)) {
			fputs(connections_usage_text, stdout);
			return 0;
		}
		if (opts && strcmp(a, "--") == 0) {
			opts = 0;
			continue;
		}
		if (opts &&
		    (cliopt(argc, argv, &i, "--ctrl-url", &ctrl_url, &bad) ||
		     cliopt(argc, argv, &i, "--key-file", &key_file, &bad))) {
			if (bad)
				return connections_usage("missing value");
			continue;
		}
		if (opts && a[0] == '-' && a[1] != '\0')
			return connections_usage("unknown option");
		if (!cmd)
			cmd = a;
		else if (!id)
			id = a;
		else
			return connections_usage("too many arguments");
	}
	if (!cmd)
		return connections_usage(NULL);
	if (strcmp(cmd, "list") == 0 || strcmp(cmd, "create") == 0) {
		if (id)
			return connections_usage("this command takes no ID");
	} else if (strcmp(cmd, "get") == 0 || strcmp(cmd, "delete") == 0) {
		if (!id || !*id)
			return connections_usage("this command needs an ID");
	} else {
		return connections_usage("unknown command");
	}
	if (!*ctrl_url)
		return connections_usage("empty --ctrl-url");

	key = key_load(key_file, API_MODE_GATEWAY, &mode, &err);
	if (!key) {
		fprintf(stderr, "%s\n", err ? err : "instantlyfs: no API key");
		free(err);
		return 1;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.mode = mode;
	cfg.base_url = ctrl_url;
	cfg.key = key;
	cfg.max_retries = -1; /* the default */
	rc = api_init(&cfg);
	key_free(key);
	if (rc < 0) {
		fprintf(stderr, "instantlyfs connections: %s\n", strerror(-rc));
		return 1;
	}
	rc = connections_run(cmd, id);
	api_cleanup();
	return rc;
}
