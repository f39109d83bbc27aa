/*
 * retry.h - which API requests may be sent again, and after what.
 *
 * Pure: no I/O, no state.  Every request falls in one class:
 *
 *   RETRY_READ        GET, and the POSTs that only read (leads/list, ...).
 *   RETRY_IDEMPOTENT  PATCH, PUT, DELETE, and POSTs that set a state
 *                     (activate, pause, mark-as-read, a tag toggle): doing
 *                     one twice leaves what doing it once does.
 *   RETRY_ONCE        every other POST: creates and sends (a lead, a
 *                     campaign, a reply, a background job).  Doing one
 *                     twice makes two.
 *
 * A 429 is a refusal before any work, so every class is sent again after
 * one.  A 5xx or a connection lost after the request went out may come
 * after the work was done: READ and IDEMPOTENT requests are sent again,
 * a ONCE request is not; its outcome is "unsure" and its caller looks the
 * object up before sending it again (once.h).
 */
#ifndef INSTANTLYFS_RETRY_H
#define INSTANTLYFS_RETRY_H

enum retry_class { RETRY_READ, RETRY_IDEMPOTENT, RETRY_ONCE };

/* How an attempt ended. */
enum retry_end {
	RETRY_ANSWERED,	   /* an HTTP answer with a status */
	RETRY_NEVER_SENT,  /* no connection: nothing reached the server */
	RETRY_LOST,	   /* the connection failed after the request left */
	RETRY_HOPELESS,	   /* a failure another attempt cannot mend */
};

/* path may carry a query string. */
enum retry_class retry_class(const char *method, const char *path);

/* May an attempt that ended so be made again? */
int retry_again(enum retry_class c, enum retry_end end, long status);

/* Did the last attempt end so that the server may have done the work
 * although we saw no success? */
int retry_unsure(enum retry_class c, enum retry_end end, long status);

#endif
