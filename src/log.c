/*
 * log.c - the mount's log: stderr, or syslog once log_use_syslog(1).
 *
 * Each message becomes exactly one line: control bytes in the formatted
 * text (a server message with a newline in it, say) are replaced by
 * spaces and a trailing newline is dropped.  On stderr a line reads
 *   "2025-01-31T12:00:00.123Z instantlyfs error: <message>"
 * (UTC); a message is cut at LOG_LINE_MAX - 1 bytes.  Messages above the
 * current level (default LOG_LVL_INFO) are dropped.  One mutex serialises
 * output and the syslog switch, so lines from different threads never
 * interleave; the level is an atomic.
 *
 * Callers must never pass secrets (see log.h); nothing here filters them.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "log.h"

#define LOG_LINE_MAX 4096

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_level = LOG_LVL_INFO;
static int log_syslog;

static const char *const level_names[] = {
    [LOG_LVL_ERR] = "error",
    [LOG_LVL_INFO] = "info",
    [LOG_LVL_DEBUG] = "debug",
};

static const int level_prio[] = {
    [LOG_LVL_ERR] = LOG_ERR,
    [LOG_LVL_INFO] = LOG_INFO,
    [LOG_LVL_DEBUG] = LOG_DEBUG,
};

void log_set_level(enum log_level level)
{
	__atomic_store_n(&log_level, level, __ATOMIC_RELAXED);
}

void log_use_syslog(int on)
{
	pthread_mutex_lock(&log_lock);
	if (on && !log_syslog)
		openlog("instantlyfs", LOG_PID, LOG_DAEMON);
	else if (!on && log_syslog)
		closelog();
	log_syslog = !!on;
	pthread_mutex_unlock(&log_lock);
}

/* One line: no trailing newline, every other control byte a space. */
static void one_line(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		s[--n] = '\0';
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			*s = ' ';
}

static void timestamp(char *out, size_t size)
{
	struct timespec ts;
	struct tm tm;
	char sec[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(sec, sizeof(sec), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(out, size, "%s.%03ldZ", sec, ts.tv_nsec / 1000000);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	va_list ap;

	if ((unsigned int)level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	if (level > __atomic_load_n(&log_level, __ATOMIC_RELAXED))
		return;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	one_line(line);

	pthread_mutex_lock(&log_lock);
	if (log_syslog) {
		syslog(level_prio[level], "%s", line);
	} else {
		char when[48];

		timestamp(when, sizeof(when));
		fprintf(stderr, "%s instantlyfs %s: %s\n", when,
			level_names[level], line);
		fflush(stderr);
	}
	pthread_mutex_unlock(&log_lock);
}
