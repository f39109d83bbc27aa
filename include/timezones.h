/*
 * timezones.h - the time zones the API takes for campaign schedules.
 */
#ifndef INSTANTLYFS_TIMEZONES_H
#define INSTANTLYFS_TIMEZONES_H

/* 1 if tz is one of the spec's values. */
int timezone_valid(const char *tz);

#endif
