/*
 * seqtext.h - a campaign's email copy (its `sequences`) as text files,
 * and the one change each file operation makes to it.
 *
 * A variant is shown as
 *
 *   Subject: <subject>
 *   Disabled: yes            (only when v_disabled is true)
 *
 *   <body>
 *
 * where the body is the variant's HTML with each "<br/>" shown as a line
 * break.  Everything else of the HTML is kept as written; a line break
 * in the HTML source itself (which no mail client shows) is shown as
 * "&#10;" ("&#13;" for a carriage return), so that the text maps back to
 * the same HTML.  A step's `delay` is shown as "3 days".
 *
 * Steps are named 1, 2, ... and variants a.txt, b.txt, ..., z.txt,
 * aa.txt, ...: their places in the arrays, so removing one renames the
 * ones after it.  Only the first element of `sequences` is used (the
 * API says so); the others are kept as they are.
 *
 * The edit functions return a new `sequences` array: a copy of the
 * object's with only that change, for one PATCH of the whole array.
 * Pure, thread-safe.
 */
#ifndef INSTANTLYFS_SEQTEXT_H
#define INSTANTLYFS_SEQTEXT_H

#include <stddef.h>
#include <cjson/cJSON.h>

/* The steps of the object's first sequence, or NULL. */
const cJSON *seqtext_steps(const cJSON *obj);
/* Step n (from 1), or NULL. */
const cJSON *seqtext_step(const cJSON *obj, long n);
/* Its variants (an array, or NULL). */
const cJSON *seqtext_variants(const cJSON *step);

/* "1", "2", ...: the step's number, or -1 when name is not one. */
long seqtext_step_number(const char *name);
/* "a.txt" for 0, ... "z.txt", "aa.txt": into buf (16 bytes). */
const char *seqtext_variant_name(size_t idx, char *buf, size_t len);
/* The index name stands for, or -1 when it is no variant name. */
long seqtext_variant_index(const char *name);

/* The text of a variant; malloc'd, NUL-terminated (*len its length). */
char *seqtext_render_variant(const cJSON *variant, size_t *len);
/* "3 days\n"; malloc'd. */
char *seqtext_render_delay(const cJSON *step, size_t *len);

/*
 * The variant text describes, as a new object: the old variant (or
 * NULL) with subject, body and v_disabled set from text.  Fields the
 * text does not show are kept; a body whose text did not change keeps
 * its exact HTML.  NULL when text is not a variant, with *err a reason
 * (malloc'd).
 */
cJSON *seqtext_parse_variant(const char *text, size_t len,
			     const cJSON *old, char **err);
/* "3 days", "1 hour", "30 minutes", or a number alone (the unit kept). */
int seqtext_parse_delay(const char *text, size_t len, double *delay,
			const char **unit, char **err);

/*
 * The checks of text still being written (its complete lines only):
 * -1 with *err when what is written so far can already be known to be
 * refused (a header line that is none, a delay line that is none), else
 * 0.
 */
int seqtext_check_variant(const char *text, size_t len, char **err);
int seqtext_check_delay(const char *text, size_t len, char **err);

/* The edits: NULL with *err (malloc'd) when the places do not exist.
 * A new step has one empty variant and waits 3 days. */
cJSON *seqtext_set_variant(const cJSON *obj, long step, size_t idx,
			   const cJSON *variant, char **err);
/* Removes the variants at the n places idx (any order, each once). */
cJSON *seqtext_remove_variants(const cJSON *obj, long step, const size_t *idx,
			       size_t n, char **err);
cJSON *seqtext_add_step(const cJSON *obj, long step, char **err);
/* Removes the steps numbered steps[0..n) (from 1; any order, each once). */
cJSON *seqtext_remove_steps(const cJSON *obj, const size_t *steps, size_t n,
			    char **err);
cJSON *seqtext_set_delay(const cJSON *obj, long step, double delay,
			 const char *unit, char **err);

#endif
