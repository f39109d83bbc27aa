/*
 * mime.h - emails as RFC 5322 messages, and messages back to what a reply
 * sends.
 *
 * Rendering: an Instantly email object (the spec's Email schema) becomes
 * one message a mail reader takes as it is: the usual headers, the
 * thread as In-Reply-To and References, the Instantly ids as X-Instantly-
 * headers, and the text and HTML bodies as multipart/alternative.
 * Parsing: a message a mail reader wrote (headers unfolded, RFC 2047
 * words decoded, multipart bodies searched for their text and HTML parts,
 * quoted-printable and base64 decoded) gives the fields a reply needs.
 *
 * Pure: no I/O, no locks.
 */
#ifndef INSTANTLYFS_MIME_H
#define INSTANTLYFS_MIME_H

#include <cjson/cJSON.h>
#include <stddef.h>
#include <time.h>

#define MIME_MAX_MESSAGE (32u << 20)	/* bytes of one rendered message */
#define MIME_MAX_REFS 20	/* References kept: the thread's newest */

/* The Message-ID of an email object, with its angle brackets: the
 * server's message_id, else one made of the Instantly id.  malloc'd. */
char *mime_message_id(const cJSON *email);

/* The thread of a message: the Message-IDs of the messages before it,
 * oldest first (refs[nrefs - 1] is the one it answers). */
struct mime_thread {
	char *const *refs;
	size_t nrefs;
};

/*
 * The message for email: text is its plain-text body (the caller makes
 * it from the HTML when the object has none), NULL for the object's own.
 * *out is malloc'd; 0, -ENOMEM or -EFBIG.
 */
int mime_render(const cJSON *email, const char *text,
		const struct mime_thread *thread, char **out, size_t *len);

/* The date of email (timestamp_email, else timestamp_created); 0 if
 * none. */
time_t mime_email_time(const cJSON *email);

/* A message, read back. */
struct mime_msg {
	char *subject;		/* decoded to UTF-8 */
	char *in_reply_to;	/* the Message-ID it answers, with <> */
	char *message_id;	/* its own, if any */
	char *to, *cc, *bcc;	/* bare addresses, comma-separated */
	char *text;		/* the text/plain body, decoded */
	char *html;		/* the text/html body, decoded */
};

/*
 * Parses data.  The message answered is In-Reply-To's first id, else the
 * last of References.  0, or -EINVAL with *why saying what is missing
 * (static text).
 */
int mime_parse(const char *data, size_t len, struct mime_msg *m,
	       const char **why);
void mime_msg_free(struct mime_msg *m);

/* RFC 2047 decoding of a header value (UTF-8, US-ASCII and ISO-8859-1
 * words; others are left as written).  malloc'd. */
char *mime_decode_words(const char *s);

#endif
