/*
 * fuzz_import.c - lead imports (CSV or JSON Lines) from arbitrary text.
 *
 * The input is the file a user copies into a campaign's import; it is
 * handed over as exactly `size` bytes, not NUL-terminated.
 *
 * Properties:
 *   - success: at least one row; every batch holds 1..IMPORT_BATCH leads,
 *     all but the last exactly IMPORT_BATCH; batch counts match their
 *     arrays and sum to rows; first lines rise; every lead is an object
 *     whose email is a string holding '@'; lt_interest_status is a number;
 *     custom_variables is an object of strings, numbers, booleans or null;
 *     no message;
 *   - failure: an empty result, and (but for -ENOMEM) a one-line message;
 *     a line it names is a line of the text;
 *   - the same text fed to an import_stream in pieces (of a size the
 *     input's first byte picks), its full batches taken as they come,
 *     fails when the whole text fails, and otherwise gives the same leads
 *     in the same batches (or -EFBIG: its memory bound is counted on the
 *     text so far).
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz_util.h"
#include "import.h"

static const char *const lead_fields[] = {
	"email",	"personalization", "website",
	"last_name",	"first_name",	   "company_name",
	"job_title",	"phone",	   "lt_interest_status",
	"pl_value_lead", "assigned_to",	   "custom_variables",
	NULL
};

static int known_field(const char *name)
{
	const char *const *f;

	for (f = lead_fields; *f; f++)
		if (!strcmp(*f, name))
			return 1;
	return 0;
}

static void check_lead(const cJSON *lead)
{
	const cJSON *email, *m, *v;

	FUZZ_CHECK(cJSON_IsObject(lead));
	email = cJSON_GetObjectItemCaseSensitive(lead, "email");
	FUZZ_CHECK(cJSON_IsString(email) && email->valuestring);
	FUZZ_CHECK(strchr(email->valuestring, '@') != NULL);
	for (m = lead->child; m; m = m->next) {
		FUZZ_CHECK(m->string && known_field(m->string));
		if (!strcmp(m->string, "lt_interest_status")) {
			FUZZ_CHECK(cJSON_IsNumber(m));
		} else if (!strcmp(m->string, "custom_variables")) {
			FUZZ_CHECK(cJSON_IsObject(m));
			FUZZ_CHECK(m->child != NULL);
			for (v = m->child; v; v = v->next)
				FUZZ_CHECK(!cJSON_IsObject(v) &&
					   !cJSON_IsArray(v));
		} else {
			FUZZ_CHECK(cJSON_IsString(m) || cJSON_IsNull(m));
		}
	}
}

/* The leads of a batch, as text. */
static char *batch_text(const struct import_batch *b)
{
	char *s = cJSON_PrintUnformatted(b->leads);

	FUZZ_CHECK(s != NULL);
	return s;
}

/* b is want's batch i (the stream may take batches before a failure
 * the whole text has; with no want they are not compared). */
static void same_batch(const struct import_batch *b,
		       const struct import_result *want, size_t i)
{
	char *got, *exp;

	FUZZ_CHECK(i < want->nbatches);
	FUZZ_CHECK(b->count == want->batches[i].count);
	got = batch_text(b);
	exp = batch_text(&want->batches[i]);
	FUZZ_CHECK(!strcmp(got, exp));
	free(got);
	free(exp);
}

/* Streams text in pieces; each batch taken must be want's next one. */
static int stream_pieces(const char *text, size_t size,
			 const struct import_result *want)
{
	struct import_stream *s = import_stream_new();
	size_t step = 1 + (size ? (uint8_t)text[0] % 61 : 0), n = 0, taken = 0;
	struct import_batch b;
	char *err = NULL;
	int rc = 0, last = 0;

	FUZZ_CHECK(s != NULL);
	while (!rc && !last) {
		n = n + step < size ? n + step : size;
		last = n == size;
		rc = import_stream_feed(s, text, n, last, &err);
		while (!rc && import_stream_take(s, last, &b)) {
			if (want)
				same_batch(&b, want, taken);
			taken++;
			cJSON_Delete(b.leads);
		}
	}
	FUZZ_CHECK(rc || !want || taken == want->nbatches);
	free(err);
	import_stream_free(s);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct import_result r;
	char *err = (char *)1, *text;
	size_t i, n, sum = 0, last_line = 0, lines = 1;
	int rc;

	/* An exact-size copy, so a read past the end is caught. */
	text = malloc(size ? size : 1);
	if (!text)
		abort();
	memcpy(text, data, size);
	for (i = 0; i < size; i++)
		lines += data[i] == '\n';
	rc = import_parse(text, size, &r, &err);
	if (rc) {
		FUZZ_CHECK(rc == -ENOMEM || stream_pieces(text, size, NULL));
		FUZZ_CHECK(rc == -EINVAL || rc == -EFBIG || rc == -ENOMEM);
		FUZZ_CHECK(r.batches == NULL && r.nbatches == 0 && r.rows == 0);
		if (rc != -ENOMEM)
			FUZZ_CHECK(err != NULL && !strchr(err, '\n'));
		/* "line N: ...": a line of the text. */
		if (err && sscanf(err, "line %zu:", &n) == 1)
			FUZZ_CHECK(n >= 1 && n <= lines);
		free(err);
		free(text);
		return 0;
	}
	FUZZ_CHECK(err == NULL);
	FUZZ_CHECK(r.rows > 0 && r.nbatches > 0 && r.batches != NULL);
	for (i = 0; i < r.nbatches; i++) {
		const struct import_batch *b = &r.batches[i];
		const cJSON *lead;

		FUZZ_CHECK(b->count >= 1 && b->count <= IMPORT_BATCH);
		if (i + 1 < r.nbatches)
			FUZZ_CHECK(b->count == IMPORT_BATCH);
		FUZZ_CHECK(cJSON_IsArray(b->leads));
		n = 0;
		FUZZ_CHECK(b->first_line >= 1 && b->first_line > last_line);
		FUZZ_CHECK(b->first_line <= lines);
		last_line = b->first_line;
		cJSON_ArrayForEach(lead, b->leads)
		{
			check_lead(lead);
			n++;
		}
		FUZZ_CHECK(n == b->count);
		sum += b->count;
	}
	FUZZ_CHECK(sum == r.rows);
	rc = stream_pieces(text, size, &r);
	FUZZ_CHECK(rc == 0 || rc == -EFBIG || rc == -ENOMEM);
	import_result_free(&r);
	FUZZ_CHECK(r.batches == NULL && r.nbatches == 0);
	free(text);
	return 0;
}
