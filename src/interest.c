/*
 * interest.c - the names of the built-in interest statuses.  See
 * interest.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "interest.h"

/* The spec's Lead.lt_interest_status enum and its x-enumDescriptions. */
static const struct {
	const char *name, *value;
} builtins[] = {
	{ INTEREST_NONE, NULL },
	{ "Interested", "1" },
	{ "Meeting Booked", "2" },
	{ "Meeting Completed", "3" },
	{ "Won", "4" },
	{ "Out of Office", "0" },
	{ "Not Interested", "-1" },
	{ "Wrong Person", "-2" },
	{ "Lost", "-3" },
	{ "No Show", "-4" },
};

#define NBUILTINS (sizeof(builtins) / sizeof(builtins[0]))

int interest_same(const char *a, const char *b)
{
	return a && b ? !strcmp(a, b) : !a && !b;
}

const char *interest_name(const char *value)
{
	for (size_t i = 0; i < NBUILTINS; i++)
		if (interest_same(builtins[i].value, value))
			return builtins[i].name;
	return NULL;
}

const char *interest_nth(size_t i)
{
	return i < NBUILTINS ? builtins[i].name : NULL;
}

int interest_builtin(const char *name, const char **value)
{
	for (size_t i = 0; i < NBUILTINS; i++) {
		if (!strcmp(builtins[i].name, name)) {
			*value = builtins[i].value;
			return 1;
		}
	}
	return 0;
}

int interest_is_number(const char *s)
{
	char buf[32];
	char *end;
	long long v;

	if (!s || !*s)
		return 0;
	v = strtoll(s, &end, 10);
	if (*end)
		return 0;
	snprintf(buf, sizeof(buf), "%lld", v);
	return !strcmp(buf, s);
}
