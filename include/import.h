/*
 * import.h - lead imports: CSV or JSON Lines text to batches of lead objects
 * for POST /leads/add.
 *
 * The format is detected: JSON Lines if the first non-blank character is
 * '{', else CSV (RFC 4180) with a header row.  A UTF-8 BOM is skipped.
 * Lead fields (those the items of /leads/add's "leads" take) stay fields;
 * everything else becomes a custom variable.  The whole text is checked
 * before anything is returned: one bad row fails the import with
 * "line N: what is wrong" (N: the physical line where the row starts).
 * An import_stream reads the same text as it comes.
 *
 * Pure functions: no I/O, no shared state, thread-safe.
 */
#ifndef INSTANTLYFS_IMPORT_H
#define INSTANTLYFS_IMPORT_H

#include <stddef.h>
#include <cjson/cJSON.h>

#define IMPORT_BATCH 1000
#define IMPORT_MAX_BYTES (64u << 20)
#define IMPORT_MAX_ROWS 1000000

struct import_batch {
	cJSON *leads;	   /* array of lead objects, owned by the result */
	size_t first_line; /* physical line of its first lead */
	size_t count;	   /* leads in it, 1..IMPORT_BATCH */
};

struct import_result {
	struct import_batch *batches;
	size_t nbatches;
	size_t rows; /* leads in all batches */
};

/*
 * 0: *out holds every lead, IMPORT_BATCH to a batch (the last may hold
 * fewer); free it with import_result_free().
 * -EINVAL: a bad row, or no rows at all ("no rows").
 * -EFBIG: more than IMPORT_MAX_BYTES, more than IMPORT_MAX_ROWS, or leads
 * that would take more memory than a fixed multiple of len.
 * -ENOMEM.
 * On failure *out is empty and *err (if err) a malloc'd one-line message,
 * or NULL if that could not be allocated.
 *
 * CSV: header names are trimmed and matched to lead fields ignoring case;
 * a header name may appear once.  Unquoted cells are trimmed of spaces
 * and tabs, quoted cells kept exactly; empty cells are left out; custom
 * variables are strings; lt_interest_status must be an integer.  A column
 * with an empty header name is ignored if all its cells are empty.
 * JSON Lines: one object a line; keys that are lead fields keep their
 * values (strings or null; lt_interest_status a number), a
 * "custom_variables" object is merged into the custom variables, every
 * other key is a custom variable (string, number, boolean or null).
 * Both: every lead needs an email holding '@'; blank lines are skipped;
 * NUL bytes and invalid UTF-8 are errors.
 */
int import_parse(const char *text, size_t len, struct import_result *out,
		 char **err);
void import_result_free(struct import_result *r);

/*
 * The same, read as the text is written (an import sent batch by batch
 * while it is still being copied).  Each feed gives the whole text so far
 * (the previous text plus what came since); the rows it holds whole (up
 * to its last line break) are read, the rest waits for the next feed, or
 * is read as it is when last says no more text follows.  A bad row fails
 * the feed that reads it, with the messages and errnos of import_parse;
 * the rows before it stay read.
 */
struct import_stream;
struct import_stream *import_stream_new(void);
void import_stream_free(struct import_stream *s);
int import_stream_feed(struct import_stream *s, const char *text, size_t len,
		       int last, char **err);
/* 1 and *b (its leads the caller's): the next full batch, or at last the
 * rest; 0: none yet. */
int import_stream_take(struct import_stream *s, int last,
		       struct import_batch *b);
/* Rows read so far. */
size_t import_stream_rows(const struct import_stream *s);

#endif
