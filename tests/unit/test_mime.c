/*
 * test_mime.c - emails as RFC 5322 messages, and mail readers' messages
 * read back.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mime.h"
#include "suites.h"

static cJSON *email(const char *json)
{
	cJSON *o = cJSON_Parse(json);

	ck_assert_ptr_nonnull(o);
	return o;
}

static char *render(const char *json, char *const *refs, size_t nrefs)
{
	struct mime_thread t = { refs, nrefs };
	cJSON *o = email(json);
	char *out = NULL;
	size_t len = 0;

	ck_assert_int_eq(mime_render(o, NULL, &t, &out, &len), 0);
	ck_assert_uint_eq(len, strlen(out));
	cJSON_Delete(o);
	return out;
}

START_TEST(test_mime_headers_and_both_bodies)
{
	char *m = render("{\"id\":\"e1\",\"message_id\":\"<a@x>\","
			 "\"timestamp_email\":\"2026-10-02T12:00:00.000Z\","
			 "\"from_address_email\":\"l@x.example\","
			 "\"to_address_email_list\":\"s@y.example,t@y.example\","
			 "\"subject\":\"Hi\",\"thread_id\":\"t1\","
			 "\"eaccount\":\"s@y.example\","
			 "\"body\":{\"text\":\"Hello\\r\\nthere\","
			 "\"html\":\"Hello<br/>there\"}}",
			 NULL, 0);

	ck_assert_ptr_nonnull(strstr(m, "Message-ID: <a@x>\n"));
	ck_assert_ptr_nonnull(strstr(m, "Date: Fri, 02 Oct 2026 12:00:00 +0000\n"));
	ck_assert_ptr_nonnull(strstr(m, "To: s@y.example, t@y.example\n"));
	ck_assert_ptr_nonnull(strstr(m, "X-Instantly-Id: e1\n"));
	ck_assert_ptr_nonnull(strstr(m, "X-Instantly-Thread-Id: t1\n"));
	ck_assert_ptr_null(strstr(m, "In-Reply-To"));
	ck_assert_ptr_nonnull(strstr(m, "multipart/alternative"));
	ck_assert_ptr_nonnull(strstr(m, "\n\nHello\nthere\n--=_instantlyfs_e1\n"));
	ck_assert_ptr_nonnull(strstr(m, "\n\nHello<br/>there\n--=_instantlyfs_e1--\n"));
	free(m);
}
END_TEST

START_TEST(test_mime_thread_and_made_up_ids)
{
	char *refs[] = { "<a@x>", "<b@x>" };
	char *m = render("{\"id\":\"e3\",\"subject\":\"Re: Hi\","
			 "\"body\":{\"text\":\"ok\"}}",
			 refs, 2);

	ck_assert_ptr_nonnull(strstr(m, "Message-ID: <e3@instantly.invalid>\n"));
	ck_assert_ptr_nonnull(strstr(m, "In-Reply-To: <b@x>\n"));
	ck_assert_ptr_nonnull(strstr(m, "References: <a@x>\n <b@x>\n"));
	ck_assert_ptr_nonnull(strstr(m, "Content-Type: text/plain; charset=utf-8\n"
					"Content-Transfer-Encoding: 7bit\n\nok\n"));
	ck_assert_ptr_null(strstr(m, "multipart"));
	free(m);
}
END_TEST

START_TEST(test_mime_headers_cannot_be_injected)
{
	char *m = render("{\"id\":\"e\",\"subject\":\"a\\r\\nBcc: x@evil\","
			 "\"from_address_email\":\"f@x\\nX-Bad: 1\","
			 "\"body\":{\"text\":\"t\"}}",
			 NULL, 0);

	ck_assert_ptr_null(strstr(m, "\nBcc:"));
	ck_assert_ptr_null(strstr(m, "\nX-Bad:"));
	ck_assert_ptr_nonnull(strstr(m, "Subject: a  Bcc: x@evil\n"));
	free(m);
}
END_TEST

START_TEST(test_mime_utf8_subject_is_encoded_and_decoded_back)
{
	char *m = render("{\"id\":\"e\",\"subject\":\"Gr\xc3\xbc\xc3\x9f"
			 "e aus Berlin, mit vielen Gr\xc3\xbc\xc3\x9f"
			 "en und noch mehr Text dazu\","
			 "\"body\":{\"text\":\"Gr\xc3\xbc\xc3\x9f"
			 "e\"}}",
			 NULL, 0);
	const char *s = strstr(m, "Subject:");
	char *line, *end, *decoded;

	ck_assert_ptr_nonnull(s);
	end = strstr(s, "\nX-");
	ck_assert_ptr_nonnull(end);
	line = strndup(s + 8, (size_t)(end - s - 8));
	ck_assert_ptr_nonnull(strstr(line, "=?UTF-8?B?"));
	ck_assert_ptr_nonnull(strstr(line, "\n =?UTF-8?B?"));	/* folded */
	for (char *p = line; *p; p++)
		if (*p == '\n')
			*p = ' ';
	decoded = mime_decode_words(line + 1);
	ck_assert_str_eq(decoded, "Gr\xc3\xbc\xc3\x9f" "e aus Berlin, mit vielen "
				  "Gr\xc3\xbc\xc3\x9f" "en und noch mehr Text dazu");
	ck_assert_ptr_nonnull(strstr(m, "Content-Transfer-Encoding: 8bit\n"));
	free(decoded);
	free(line);
	free(m);
}
END_TEST

START_TEST(test_mime_long_lines_and_boundaries_are_quoted_printable)
{
	char json[4000], body[3000];
	char *m;

	memset(body, 'x', 1500);
	body[1500] = '\0';
	snprintf(json, sizeof(json),
		 "{\"id\":\"e\",\"body\":{\"text\":\"%s\",\"html\":\"a=b\"}}",
		 body);
	m = render(json, NULL, 0);
	ck_assert_ptr_nonnull(strstr(m, "Content-Transfer-Encoding: quoted-printable\n"));
	ck_assert_ptr_nonnull(strstr(m, "=\nxxx"));	/* soft breaks */
	free(m);
	m = render("{\"id\":\"e\",\"body\":{\"text\":\"--=_instantlyfs_e\","
		   "\"html\":\"h\"}}",
		   NULL, 0);
	ck_assert_ptr_nonnull(strstr(m, "=3D_instantlyfs_e"));
	free(m);
}
END_TEST

static struct mime_msg parse_ok(const char *text)
{
	struct mime_msg m;
	const char *why = NULL;

	ck_assert_int_eq(mime_parse(text, strlen(text), &m, &why), 0);
	ck_assert_ptr_null(why);
	return m;
}

START_TEST(test_mime_parse_a_mutt_reply)
{
	struct mime_msg m = parse_ok(
	    "Date: Mon, 30 Nov 2026 10:00:00 +0000\r\n"
	    "From: Sam <sales@acme.example>\r\n"
	    "To: \"Doe, Ann\" <ann@x.example>\r\n"
	    "Cc: bob@x.example, Carl <carl@x.example>\r\n"
	    "Subject: Re: =?utf-8?Q?Gr=C3=BC=C3=9Fe?=\r\n"
	    " =?utf-8?B?IGF1cw==?= Berlin\r\n"
	    "Message-ID: <r1@acme.example>\r\n"
	    "References: <a@x>\r\n <b@x>\r\n"
	    "In-Reply-To: <b@x>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=iso-8859-1\r\n"
	    "Content-Transfer-Encoding: quoted-printable\r\n"
	    "\r\n"
	    "Sch=F6n, a long line that was =\r\nbroken.\r\n"
	    "> quoted\r\n");

	ck_assert_str_eq(m.subject, "Re: Gr\xc3\xbc\xc3\x9f" "e aus Berlin");
	ck_assert_str_eq(m.in_reply_to, "<b@x>");
	ck_assert_str_eq(m.message_id, "<r1@acme.example>");
	ck_assert_str_eq(m.to, "ann@x.example");
	ck_assert_str_eq(m.cc, "bob@x.example,carl@x.example");
	ck_assert_ptr_null(m.bcc);
	ck_assert_str_eq(m.text, "Sch\xc3\xb6n, a long line that was broken.\n"
				 "> quoted\n");
	ck_assert_ptr_null(m.html);
	mime_msg_free(&m);
}
END_TEST

START_TEST(test_mime_parse_multipart_takes_text_and_html)
{
	struct mime_msg m = parse_ok(
	    "Subject: x\n"
	    "References: <a@x> <c@x>\n"
	    "Content-Type: multipart/mixed; boundary=\"OUT\"\n\n"
	    "preamble\n"
	    "--OUT\n"
	    "Content-Type: multipart/alternative; boundary=IN\n\n"
	    "--IN\n"
	    "Content-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: base64\n\n"
	    "aGVsbG8K\n"
	    "--IN\n"
	    "Content-Type: text/html\n\n"
	    "<p>hello</p>\n"
	    "--IN--\n"
	    "--OUT\n"
	    "Content-Type: text/plain\n"
	    "Content-Disposition: attachment; filename=a.txt\n\n"
	    "not the body\n"
	    "--OUT--\n");

	ck_assert_str_eq(m.in_reply_to, "<c@x>");	/* References' last */
	ck_assert_str_eq(m.text, "hello\n");
	ck_assert_str_eq(m.html, "<p>hello</p>");
	mime_msg_free(&m);
}
END_TEST

START_TEST(test_mime_parse_refuses_what_is_no_reply)
{
	struct mime_msg m;
	const char *why;
	const char *plain = "just some text\n";
	const char *fresh = "Subject: new\nTo: a@b\n\nhello\n";
	const char *empty = "In-Reply-To: <a@x>\nContent-Type: image/png\n\nxx";

	ck_assert_int_eq(mime_parse(plain, strlen(plain), &m, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "no headers"));
	ck_assert_int_eq(mime_parse(fresh, strlen(fresh), &m, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "In-Reply-To"));
	ck_assert_int_eq(mime_parse(empty, strlen(empty), &m, &why), -EINVAL);
	ck_assert_ptr_nonnull(strstr(why, "body"));
}
END_TEST

START_TEST(test_mime_render_parses_back)
{
	char *refs[] = { "<a@x>" };
	char *out = render("{\"id\":\"e9\",\"message_id\":\"m9@x\","
			   "\"subject\":\"Caf\xc3\xa9 =?\","
			   "\"cc_address_email_list\":\"c@x\","
			   "\"body\":{\"text\":\"line  \\nnext\","
			   "\"html\":\"<b>line</b>\"}}",
			   refs, 1);
	struct mime_msg m = parse_ok(out);

	ck_assert_str_eq(m.message_id, "<m9@x>");
	ck_assert_str_eq(m.in_reply_to, "<a@x>");
	ck_assert_str_eq(m.subject, "Caf\xc3\xa9 =?");
	ck_assert_str_eq(m.cc, "c@x");
	ck_assert_str_eq(m.text, "line  \nnext");
	ck_assert_str_eq(m.html, "<b>line</b>");
	mime_msg_free(&m);
	free(out);
}
END_TEST

START_TEST(test_mime_decode_words_leaves_what_is_not_one)
{
	char *s = mime_decode_words("=?utf-8?X?abc?= plain =?bad");

	ck_assert_str_eq(s, "=?utf-8?X?abc?= plain =?bad");
	free(s);
	s = mime_decode_words("=?UTF-8?Q?a_b?= =?UTF-8?Q?c?=  tail");
	ck_assert_str_eq(s, "a bc  tail");
	free(s);
}
END_TEST

Suite *mime_suite(void)
{
	Suite *s = suite_create("mime");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_mime_headers_and_both_bodies);
	tcase_add_test(tc, test_mime_thread_and_made_up_ids);
	tcase_add_test(tc, test_mime_headers_cannot_be_injected);
	tcase_add_test(tc, test_mime_utf8_subject_is_encoded_and_decoded_back);
	tcase_add_test(tc, test_mime_long_lines_and_boundaries_are_quoted_printable);
	tcase_add_test(tc, test_mime_parse_a_mutt_reply);
	tcase_add_test(tc, test_mime_parse_multipart_takes_text_and_html);
	tcase_add_test(tc, test_mime_parse_refuses_what_is_no_reply);
	tcase_add_test(tc, test_mime_render_parses_back);
	tcase_add_test(tc, test_mime_decode_words_leaves_what_is_not_one);
	suite_add_tcase(s, tc);
	return s;
}
