/*
 * tomb.h - deferred deletes.
 *
 * mv from another filesystem over a lead file unlinks it and then
 * creates the same name: sent at once, that would DELETE the lead and
 * POST a new one, losing its id and history.  So rm of a lead file hides
 * the file at once and sends its DELETE TOMB_GRACE_MS later; a create of
 * the same name within that time cancels the delete and becomes an edit
 * of the same lead.  Pending deletes are all sent at unmount, within
 * the stop's grace (stop.h); what the grace leaves unsent is logged.
 * Thread-safe: one mutex; deletes run on the reaper thread, unlocked.
 */
#ifndef INSTANTLYFS_TOMB_H
#define INSTANTLYFS_TOMB_H

#define TOMB_GRACE_MS 1000

/* Called to send the delete of path; returns 0 or -errno (logged). */
typedef int (*tomb_delete_fn)(const char *path);

void tomb_start(tomb_delete_fn fn);
/* Sends every pending delete, then stops the reaper. */
void tomb_stop(void);
int tomb_add(const char *path);
int tomb_has(const char *path);
/* 1 if a pending delete of path was cancelled. */
int tomb_cancel(const char *path);
/* Calls fn with the name of every pending delete directly in dir. */
void tomb_list(const char *dir, void (*fn)(void *, const char *), void *arg);

#endif
