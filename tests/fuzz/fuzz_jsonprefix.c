/*
 * fuzz_jsonprefix.c - the JSON prefix checker against the strict parser.
 *
 * The input is a text as a writer may send it.
 *
 * Properties:
 *   - a text the strict parser (patch_parse_json) takes whole is never
 *     refused, nor is any of its prefixes: no write of a valid file fails;
 *   - a refusal at byte `at` is the same for every longer prefix and
 *     there is none for the prefix that ends before `at`: the first
 *     impossible byte stays the first, whatever follows;
 *   - a refused text is never taken by the strict parser.
 */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz_util.h"
#include "jsonprefix.h"
#include "patch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	size_t at = jsonprefix_check(text, size, NULL);
	cJSON *obj = NULL;
	char *why = NULL;
	int valid;

	FUZZ_CHECK(at <= size);
	valid = patch_parse_json(text, size, &obj, NULL, &why) == 0;
	cJSON_Delete(obj);
	free(why);
	if (valid) {
		FUZZ_CHECK(at == size);
		FUZZ_CHECK(jsonprefix_check(text, size / 2, NULL) == size / 2);
		return 0;
	}
	if (at < size) {
		FUZZ_CHECK(jsonprefix_check(text, at, NULL) == at);
		FUZZ_CHECK(jsonprefix_check(text, at + 1, NULL) == at);
	}
	return 0;
}
