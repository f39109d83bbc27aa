/*
 * log.h - the mount's log (stderr, or syslog when daemonized).
 *
 * Never pass an API key or an Authorization header to these functions.
 */
#ifndef INSTANTLYFS_LOG_H
#define INSTANTLYFS_LOG_H

enum log_level { LOG_LVL_ERR = 0, LOG_LVL_INFO = 1, LOG_LVL_DEBUG = 2 };

void log_set_level(enum log_level level);
void log_use_syslog(int on);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_LVL_ERR, __VA_ARGS__)
#define log_info(...) log_msg(LOG_LVL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
