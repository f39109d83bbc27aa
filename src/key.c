/*
 * key.c - finds the API key: a key file, or the environment.
 *
 * Owns nothing once it returns: the key goes to the caller, and every
 * temporary copy is overwritten before it is freed.  It must never print,
 * log or quote the key, not even in part.  No locking: call it at startup,
 * before other threads exist (getenv is not safe against a concurrent
 * setenv).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "key.h"

#define KEY_ENV_DIRECT "INSTANTLY_API_KEY"
#define KEY_ENV_GATEWAY "MATON_API_KEY"
#define KEY_NONE_MSG                                                           \
	"instantlyfs: no API key: set INSTANTLY_API_KEY (direct) or "          \
	"MATON_API_KEY (gateway), or use -o key_file=PATH"

static int key_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' ||
	       c == '\f';
}

/* A malloc'd copy of s[0..n) without surrounding whitespace, or NULL. */
static char *key_trim_dup(const char *s, size_t n)
{
	char *k;

	while (n > 0 && key_space(s[n - 1]))
		n--;
	while (n > 0 && key_space(*s)) {
		s++;
		n--;
	}
	k = malloc(n + 1);
	if (!k)
		return NULL;
	memcpy(k, s, n);
	k[n] = '\0';
	return k;
}

/* A key goes into an HTTP header: no spaces, no control bytes. */
static int key_valid(const char *k)
{
	if (!*k)
		return 0;
	for (; *k; k++)
		if ((unsigned char)*k <= 0x20 || *k == 0x7f)
			return 0;
	return 1;
}

static char *key_fail(char *key, int e, char **err, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Frees key, sets errno to e and *err to the message; returns NULL. */
static char *key_fail(char *key, int e, char **err, const char *fmt, ...)
{
	va_list ap;

	key_free(key);
	if (err) {
		va_start(ap, fmt);
		if (vasprintf(err, fmt, ap) < 0)
			*err = NULL;
		va_end(ap);
	}
	errno = e;
	return NULL;
}

static char *key_read_file(const char *path, char **err)
{
	char data[KEY_MAX_BYTES + 1];
	size_t len = 0;
	struct stat st;
	char *nl = NULL;
	char *key = NULL;
	ssize_t n;
	int fd, e;

	/* O_NONBLOCK: a FIFO must not hang us before fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		e = errno;
		return key_fail(NULL, e, err, "instantlyfs: key file %s: %s",
				path, strerror(e));
	}
	if (fstat(fd, &st) < 0) {
		e = errno;
		close(fd);
		return key_fail(NULL, e, err, "instantlyfs: key file %s: %s",
				path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return key_fail(NULL, EPERM, err,
				"instantlyfs: key file %s is not a regular "
				"file",
				path);
	}
	if (st.st_mode & (S_IRGRP | S_IWGRP | S_IROTH | S_IWOTH)) {
		close(fd);
		return key_fail(NULL, EPERM, err,
				"instantlyfs: key file %s is accessible by "
				"group or others; run: chmod 600 %s",
				path, path);
	}
	while (len < sizeof(data) && !nl) {
		n = read(fd, data + len, sizeof(data) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			explicit_bzero(data, sizeof(data));
			return key_fail(NULL, e, err,
					"instantlyfs: key file %s: %s", path,
					strerror(e));
		}
		if (n == 0)
			break;
		nl = memchr(data + len, '\n', (size_t)n);
		len += (size_t)n;
	}
	close(fd);
	if (nl)
		len = (size_t)(nl - data);
	else if (len > KEY_MAX_BYTES)
		len = 0; /* no line end in the first 4 KiB: not a key */
	key = key_trim_dup(data, len);
	explicit_bzero(data, sizeof(data));
	if (!key)
		return key_fail(NULL, ENOMEM, err, "instantlyfs: %s",
				strerror(ENOMEM));
	if (!*key)
		return key_fail(key, EINVAL, err,
				"instantlyfs: key file %s holds no key on its "
				"first line",
				path);
	if (!key_valid(key))
		return key_fail(key, EINVAL, err,
				"instantlyfs: the key in %s holds spaces or "
				"control characters",
				path);
	return key;
}

static char *key_from_env(const char *name, char **err)
{
	const char *v = getenv(name);
	char *key;

	key = key_trim_dup(v, strlen(v));
	if (!key)
		return key_fail(NULL, ENOMEM, err, "instantlyfs: %s",
				strerror(ENOMEM));
	if (!key_valid(key))
		return key_fail(key, EINVAL, err,
				"instantlyfs: %s holds spaces or control "
				"characters",
				name);
	return key;
}

/* Whether the variable holds anything but whitespace. */
static int key_env_set(const char *name)
{
	const char *v = getenv(name);

	if (!v)
		return 0;
	for (; *v; v++)
		if (!key_space(*v))
			return 1;
	return 0;
}

char *key_load(const char *key_file, int forced_mode, enum api_mode *mode,
	       char **err)
{
	int have_direct, have_gateway;
	char *key;

	if (err)
		*err = NULL;
	if (forced_mode != -1 && forced_mode != API_MODE_DIRECT &&
	    forced_mode != API_MODE_GATEWAY)
		return key_fail(NULL, EINVAL, err,
				"instantlyfs: unknown API mode");
	if (key_file) {
		key = key_read_file(key_file, err);
		if (key && mode)
			*mode = forced_mode == -1 ? API_MODE_DIRECT
						  : (enum api_mode)forced_mode;
		return key;
	}

	have_direct = key_env_set(KEY_ENV_DIRECT);
	have_gateway = key_env_set(KEY_ENV_GATEWAY);
	if (forced_mode == API_MODE_DIRECT && !have_direct && have_gateway)
		return key_fail(NULL, ENOENT, err,
				"instantlyfs: direct mode needs %s (or -o "
				"key_file=PATH); %s is for the gateway",
				KEY_ENV_DIRECT, KEY_ENV_GATEWAY);
	if (forced_mode == API_MODE_GATEWAY && !have_gateway && have_direct)
		return key_fail(NULL, ENOENT, err,
				"instantlyfs: gateway mode needs %s (or -o "
				"key_file=PATH); %s is for direct mode",
				KEY_ENV_GATEWAY, KEY_ENV_DIRECT);
	if (!have_direct && !have_gateway)
		return key_fail(NULL, ENOENT, err, "%s", KEY_NONE_MSG);

	if (forced_mode == API_MODE_GATEWAY ||
	    (forced_mode == -1 && !have_direct)) {
		key = key_from_env(KEY_ENV_GATEWAY, err);
		if (key && mode)
			*mode = API_MODE_GATEWAY;
		return key;
	}
	key = key_from_env(KEY_ENV_DIRECT, err);
	if (key && mode)
		*mode = API_MODE_DIRECT;
	return key;
}

void key_free(char *key)
{
	if (!key)
		return;
	explicit_bzero(key, strlen(key));
	free(key);
}

void key_guard_process(void)
{
	const struct rlimit none = { 0, 0 };

	setrlimit(RLIMIT_CORE, &none);
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}
