/*
 * fuzz_html.c - an email's HTML body as plain text.
 *
 * The input, cut at its first 0x00 (bodies are C strings there), is the
 * HTML body of an email as the API returns it.
 *
 * Properties: an answer always; its length is the one reported and holds
 * no NUL; it is empty or ends with exactly one newline, has no blank line
 * first and never two blank lines in a row, no line starts or ends with a
 * space or tab; it is at most one byte longer than the body.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "html.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *html = fuzz_dup((const char *)data, size);
	size_t len = (size_t)-1, in = strlen(html), i, start;
	char *text = html_to_text(html, &len);

	FUZZ_CHECK(text != NULL);
	FUZZ_CHECK(len == strlen(text));
	FUZZ_CHECK(len <= in + 1);
	if (len) {
		FUZZ_CHECK(text[len - 1] == '\n');
		FUZZ_CHECK(len < 2 || text[len - 2] != '\n');
		FUZZ_CHECK(text[0] != '\n');
		FUZZ_CHECK(!strstr(text, "\n\n\n"));
		for (start = 0, i = 0; i < len; i++) {
			if (text[i] != '\n')
				continue;
			if (i > start) {
				FUZZ_CHECK(text[start] != ' ' &&
					   text[start] != '\t');
				FUZZ_CHECK(text[i - 1] != ' ' &&
					   text[i - 1] != '\t');
			}
			start = i + 1;
		}
	}
	free(text);
	free(html);
	return 0;
}
