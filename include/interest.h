/*
 * interest.h - a lead's interest status (lt_interest_status) as a name:
 * the spec's built-in statuses, by the names its enum descriptions give
 * them, and "Lead" for a lead with none.  Pure: no state, no locks.
 *
 * A status is handled as text, the way a listing keeps it (coll_field:
 * a whole number printed with %lld), NULL for no status.
 */
#ifndef INSTANTLYFS_INTEREST_H
#define INSTANTLYFS_INTEREST_H

/* The folder of leads with no status (interest_value null resets to it). */
#include <stddef.h>

#define INTEREST_NONE "Lead"

/* The built-in name of a status (NULL: "Lead"), or NULL when it is not
 * one of the spec's. */
const char *interest_name(const char *value);
/* Is name a built-in one?  Then *value is its status (NULL for "Lead"). */
int interest_builtin(const char *name, const char **value);
/* The name of built-in folder i ("Lead" first), NULL past the last. */
const char *interest_nth(size_t i);
/* Is s a whole number written as a listing writes it ("5", "-7"; not
 * "05", "+5", "5.0")? */
int interest_is_number(const char *s);
/* Do two statuses (either may be NULL) say the same? */
int interest_same(const char *a, const char *b);

#endif
