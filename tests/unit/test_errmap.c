/*
 * test_errmap.c - every HTTP status and CURLcode row, and the message
 * taken from an error response.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "errmap.h"
#include "suites.h"

static void assert_message(const char *body, const char *want)
{
	char *got = errmap_message(body, body ? strlen(body) : 0);

	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
}

START_TEST(test_http_2xx_is_success)
{
	ck_assert_int_eq(errmap_http(200), 0);
	ck_assert_int_eq(errmap_http(201), 0);
	ck_assert_int_eq(errmap_http(204), 0);
	ck_assert_int_eq(errmap_http(299), 0);
}
END_TEST

START_TEST(test_http_400_is_einval)
{
	ck_assert_int_eq(errmap_http(400), EINVAL);
}
END_TEST

START_TEST(test_http_401_is_eacces)
{
	ck_assert_int_eq(errmap_http(401), EACCES);
}
END_TEST

START_TEST(test_http_402_is_eacces)
{
	ck_assert_int_eq(errmap_http(402), EACCES);
}
END_TEST

START_TEST(test_http_403_is_eperm)
{
	ck_assert_int_eq(errmap_http(403), EPERM);
}
END_TEST

START_TEST(test_http_404_is_enoent)
{
	ck_assert_int_eq(errmap_http(404), ENOENT);
}
END_TEST

START_TEST(test_http_409_is_eexist)
{
	ck_assert_int_eq(errmap_http(409), EEXIST);
}
END_TEST

START_TEST(test_http_413_is_efbig)
{
	ck_assert_int_eq(errmap_http(413), EFBIG);
}
END_TEST

START_TEST(test_http_429_is_eagain)
{
	ck_assert_int_eq(errmap_http(429), EAGAIN);
}
END_TEST

START_TEST(test_http_other_4xx_is_einval)
{
	ck_assert_int_eq(errmap_http(405), EINVAL);
	ck_assert_int_eq(errmap_http(408), EINVAL);
	ck_assert_int_eq(errmap_http(410), EINVAL);
	ck_assert_int_eq(errmap_http(422), EINVAL);
	ck_assert_int_eq(errmap_http(499), EINVAL);
}
END_TEST

START_TEST(test_http_5xx_is_eio)
{
	ck_assert_int_eq(errmap_http(500), EIO);
	ck_assert_int_eq(errmap_http(502), EIO);
	ck_assert_int_eq(errmap_http(503), EIO);
	ck_assert_int_eq(errmap_http(504), EIO);
	ck_assert_int_eq(errmap_http(599), EIO);
}
END_TEST

START_TEST(test_http_no_status_1xx_3xx_and_out_of_range_are_eio)
{
	ck_assert_int_eq(errmap_http(0), EIO);
	ck_assert_int_eq(errmap_http(-1), EIO);
	ck_assert_int_eq(errmap_http(100), EIO);
	ck_assert_int_eq(errmap_http(199), EIO);
	ck_assert_int_eq(errmap_http(301), EIO);
	ck_assert_int_eq(errmap_http(304), EIO);
	ck_assert_int_eq(errmap_http(600), EIO);
}
END_TEST

START_TEST(test_curl_ok_is_success)
{
	ck_assert_int_eq(errmap_curl(CURLE_OK), 0);
}
END_TEST

START_TEST(test_curl_timeout_is_etimedout)
{
	ck_assert_int_eq(errmap_curl(CURLE_OPERATION_TIMEDOUT), ETIMEDOUT);
}
END_TEST

START_TEST(test_curl_connection_failures_are_eio)
{
	ck_assert_int_eq(errmap_curl(CURLE_COULDNT_RESOLVE_HOST), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_COULDNT_RESOLVE_PROXY), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_COULDNT_CONNECT), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_SEND_ERROR), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_RECV_ERROR), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_PARTIAL_FILE), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_GOT_NOTHING), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_HTTP2), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_HTTP2_STREAM), EIO);
}
END_TEST

START_TEST(test_curl_tls_failures_are_eio)
{
	ck_assert_int_eq(errmap_curl(CURLE_PEER_FAILED_VERIFICATION), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_SSL_CONNECT_ERROR), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_SSL_CACERT_BADFILE), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_SSL_CERTPROBLEM), EIO);
}
END_TEST

START_TEST(test_curl_size_limit_aborts_are_eio)
{
	ck_assert_int_eq(errmap_curl(CURLE_WRITE_ERROR), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_FILESIZE_EXCEEDED), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_ABORTED_BY_CALLBACK), EIO);
}
END_TEST

START_TEST(test_curl_other_and_unknown_codes_are_eio)
{
	ck_assert_int_eq(errmap_curl(CURLE_OUT_OF_MEMORY), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_URL_MALFORMAT), EIO);
	ck_assert_int_eq(errmap_curl(CURLE_UNSUPPORTED_PROTOCOL), EIO);
	ck_assert_int_eq(errmap_curl(9999), EIO);
	ck_assert_int_eq(errmap_curl(-1), EIO);
}
END_TEST

START_TEST(test_message_from_envelope_message_string)
{
	assert_message("{\"statusCode\":400,\"error\":\"Bad Request\","
		       "\"message\":\"body/name must be string\"}",
		       "body/name must be string");
}
END_TEST

START_TEST(test_message_array_joined_with_semicolons)
{
	assert_message("{\"message\":[\"name is required\",\"limit too big\"]}",
		       "name is required; limit too big");
	assert_message("{\"message\":[\"a\",7,null,\"b\"]}", "a; b");
}
END_TEST

START_TEST(test_message_falls_back_to_error_field)
{
	assert_message("{\"error\":\"Unauthorized\"}", "Unauthorized");
	assert_message("{\"message\":\"\",\"error\":\"Not Found\"}",
		       "Not Found");
	assert_message("{\"message\":[],\"error\":\"Conflict\"}", "Conflict");
	assert_message("{\"message\":{\"x\":1},\"error\":\"E\"}", "E");
}
END_TEST

START_TEST(test_message_falls_back_to_body_without_envelope)
{
	assert_message("Bad Gateway", "Bad Gateway");
	assert_message("{\"detail\":\"x\"}", "{\"detail\":\"x\"}");
	assert_message("[\"message\"]", "[\"message\"]");
	assert_message("{\"error\":42}", "{\"error\":42}");
}
END_TEST

START_TEST(test_message_body_control_bytes_become_spaces_and_end_trimmed)
{
	assert_message("<html>\n<b>502</b>\r\n\t</html>\n",
		       "<html> <b>502</b>   </html>");
}
END_TEST

START_TEST(test_message_body_with_nul_bytes_is_one_string)
{
	char *got = errmap_message("a\0b\nc", 5);

	ck_assert_str_eq(got, "a b c");
	free(got);
}
END_TEST

START_TEST(test_message_body_cut_to_512_bytes)
{
	char body[2000], *got;

	memset(body, 'x', sizeof(body) - 1);
	body[sizeof(body) - 1] = '\0';
	got = errmap_message(body, strlen(body));
	ck_assert_uint_eq(strlen(got), 512);
	free(got);
}
END_TEST

START_TEST(test_message_body_cut_never_splits_utf8)
{
	char body[600], *got;
	size_t shift;

	/* Place a 3-byte character across byte 512 at every offset. */
	for (shift = 0; shift < 3; shift++) {
		memset(body, 'y', sizeof(body));
		memcpy(body + 510 + shift, "€", 3);
		got = errmap_message(body, sizeof(body));
		ck_assert_uint_le(strlen(got), 512);
		if (shift == 0) {
			ck_assert_uint_eq(strlen(got), 510);
		} else {
			ck_assert_uint_eq(strlen(got), 510 + shift);
			ck_assert_int_eq((unsigned char)got[strlen(got) - 1],
					 'y');
		}
		free(got);
	}
}
END_TEST

START_TEST(test_message_respects_length_not_nul)
{
	char *got = errmap_message("{\"message\":\"x\"} trailing", 15);

	ck_assert_str_eq(got, "x");
	free(got);
	got = errmap_message("abcdef", 3);
	ck_assert_str_eq(got, "abc");
	free(got);
}
END_TEST

START_TEST(test_message_envelope_message_is_never_cut)
{
	char body[3000], *got;

	strcpy(body, "{\"message\":\"");
	memset(body + 12, 'm', 2000);
	strcpy(body + 2012, "\"}");
	got = errmap_message(body, strlen(body));
	ck_assert_uint_eq(strlen(got), 2000);
	free(got);
}
END_TEST

START_TEST(test_message_empty_or_missing_body_is_empty)
{
	assert_message("", "");
	assert_message(NULL, "");
}
END_TEST

Suite *errmap_suite(void)
{
	Suite *s = suite_create("errmap");
	TCase *th = tcase_create("http");
	TCase *tc = tcase_create("curl");
	TCase *tm = tcase_create("message");

	tcase_add_test(th, test_http_2xx_is_success);
	tcase_add_test(th, test_http_400_is_einval);
	tcase_add_test(th, test_http_401_is_eacces);
	tcase_add_test(th, test_http_402_is_eacces);
	tcase_add_test(th, test_http_403_is_eperm);
	tcase_add_test(th, test_http_404_is_enoent);
	tcase_add_test(th, test_http_409_is_eexist);
	tcase_add_test(th, test_http_413_is_efbig);
	tcase_add_test(th, test_http_429_is_eagain);
	tcase_add_test(th, test_http_other_4xx_is_einval);
	tcase_add_test(th, test_http_5xx_is_eio);
	tcase_add_test(th,
		       test_http_no_status_1xx_3xx_and_out_of_range_are_eio);
	suite_add_tcase(s, th);

	tcase_add_test(tc, test_curl_ok_is_success);
	tcase_add_test(tc, test_curl_timeout_is_etimedout);
	tcase_add_test(tc, test_curl_connection_failures_are_eio);
	tcase_add_test(tc, test_curl_tls_failures_are_eio);
	tcase_add_test(tc, test_curl_size_limit_aborts_are_eio);
	tcase_add_test(tc, test_curl_other_and_unknown_codes_are_eio);
	suite_add_tcase(s, tc);

	tcase_add_test(tm, test_message_from_envelope_message_string);
	tcase_add_test(tm, test_message_array_joined_with_semicolons);
	tcase_add_test(tm, test_message_falls_back_to_error_field);
	tcase_add_test(tm, test_message_falls_back_to_body_without_envelope);
	tcase_add_test(
	    tm, test_message_body_control_bytes_become_spaces_and_end_trimmed);
	tcase_add_test(tm, test_message_body_with_nul_bytes_is_one_string);
	tcase_add_test(tm, test_message_body_cut_to_512_bytes);
	tcase_add_test(tm, test_message_body_cut_never_splits_utf8);
	tcase_add_test(tm, test_message_respects_length_not_nul);
	tcase_add_test(tm, test_message_envelope_message_is_never_cut);
	tcase_add_test(tm, test_message_empty_or_missing_body_is_empty);
	suite_add_tcase(s, tm);
	return s;
}
