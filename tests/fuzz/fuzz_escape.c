/*
 * fuzz_escape.c - server names to path components, and back.
 *
 * The input is up to three strings separated by 0x00: a name, an id and a
 * suffix (as name_component() gets them from a listing).  The whole input,
 * cut at its first 0x00, is also given to name_unescape() as a component a
 * user typed.
 *
 * Properties:
 *   - name_escape(x) is a safe component: no '/', no control byte, not
 *     "", "." or ".."; and name_unescape(name_escape(x)) == x;
 *   - name_component() is at most NAME_MAX_BYTES, holds no '/' and no
 *     control byte, is not "", "." or "..", never cuts a %XX escape, is
 *     valid UTF-8 when its parts are, and is escape(name) + escape(suffix)
 *     whenever that fits;
 *   - name_unescape() of anything never crashes, and what it accepts is
 *     canonical: escaping the result gives the component back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"
#include "fuzz_util.h"

static int is_hex_upper(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
}

/* No '/', no control byte, every '%' starts a full %XX escape. */
static void check_safe(const char *s)
{
	size_t i;

	FUZZ_CHECK(!strchr(s, '/'));
	FUZZ_CHECK(!fuzz_has_control(s));
	FUZZ_CHECK(strcmp(s, "") && strcmp(s, ".") && strcmp(s, ".."));
	for (i = 0; s[i]; i++)
		if (s[i] == '%')
			FUZZ_CHECK(is_hex_upper(s[i + 1]) &&
				   is_hex_upper(s[i + 2]));
}

static void check_component(const char *name, const char *id,
			    const char *suffix)
{
	char *comp = name_component(name, id, suffix);
	char *esc = name_escape(name);
	char *esc_suffix = NULL;
	size_t len;

	FUZZ_CHECK(comp != NULL && esc != NULL);
	len = strlen(comp);
	FUZZ_CHECK(len <= NAME_MAX_BYTES);
	check_safe(comp);
	if (fuzz_utf8_valid(name, strlen(name)) &&
	    (!id || fuzz_utf8_valid(id, strlen(id))) &&
	    (!suffix || fuzz_utf8_valid(suffix, strlen(suffix))))
		FUZZ_CHECK(fuzz_utf8_valid(comp, len));

	/* Uncut when it fits: escape(name) + suffix escaped bytewise. */
	if (suffix && *suffix) {
		/* escape(suffix) byte by byte: a suffix of "." or "" is not
		 * special, so build it from a name that cannot be special. */
		char *tmp = malloc(strlen(suffix) + 2);
		char *e;

		FUZZ_CHECK(tmp != NULL);
		tmp[0] = 'x';
		strcpy(tmp + 1, suffix);
		e = name_escape(tmp);
		FUZZ_CHECK(e != NULL && e[0] == 'x');
		esc_suffix = strdup(e + 1);
		free(e);
		free(tmp);
	} else {
		esc_suffix = strdup("");
	}
	FUZZ_CHECK(esc_suffix != NULL);
	if (strlen(esc) + strlen(esc_suffix) <= NAME_MAX_BYTES) {
		FUZZ_CHECK(len == strlen(esc) + strlen(esc_suffix));
		FUZZ_CHECK(!memcmp(comp, esc, strlen(esc)));
		FUZZ_CHECK(!strcmp(comp + strlen(esc), esc_suffix));
	} else {
		/* Cut: it starts with at least one unit of the name. */
		FUZZ_CHECK(len > 0 && comp[0] == esc[0]);
	}
	free(esc_suffix);
	free(esc);
	free(comp);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_piece pc[3];
	char *name, *id = NULL, *suffix = NULL, *esc, *back, *raw;
	size_t n;

	n = fuzz_split(data, size, 0x00, pc, 3);
	/* Each piece cut at any later NUL: C strings. */
	name = fuzz_dup(pc[0].p, pc[0].n);
	if (n > 1)
		id = fuzz_dup(pc[1].p, pc[1].n);
	if (n > 2)
		suffix = fuzz_dup(pc[2].p, pc[2].n);

	/* Round trip. */
	esc = name_escape(name);
	FUZZ_CHECK(esc != NULL);
	check_safe(esc);
	back = name_unescape(esc);
	FUZZ_CHECK(back != NULL);
	FUZZ_CHECK(!strcmp(back, name));
	free(back);
	free(esc);

	check_component(name, id, suffix);
	check_component(name, NULL, suffix);
	check_component(name, id, NULL);

	/* Arbitrary text as a component a user typed. */
	raw = fuzz_dup((const char *)data, size);
	back = name_unescape(raw);
	if (back) {
		esc = name_escape(back);
		FUZZ_CHECK(esc != NULL);
		FUZZ_CHECK(!strcmp(esc, raw));
		free(esc);
		free(back);
	}
	free(raw);
	free(name);
	free(id);
	free(suffix);
	return 0;
}
