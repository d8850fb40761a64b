/* Unit tests of the token rule (emb_token): what a token may hold, the located messages, and
 * the UTF-8 choices (keep, strict, replace, ignore). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "emb_token.h"

static void test_fault(void **state)
{
	(void)state;
	assert_null(emb_token_fault("a b\tc\xff", 6, 0));
	assert_string_equal(emb_token_fault("", 0, 0), "is empty");
	assert_string_equal(emb_token_fault("a\0b", 3, 0), "holds a NUL byte");
	assert_string_equal(emb_token_fault("a\nb", 3, 0), "holds a line end");
	assert_string_equal(emb_token_fault("a\r", 2, 0), "holds a line end");
	assert_string_equal(emb_token_fault("abcd", 4, 3), "is longer than the token limit");
	assert_null(emb_token_fault("abc", 3, 3));
}

static void test_check_located(void **state)
{
	struct emb_token_at line = { "f.txt", 7, EMB_TOKEN_NO_BYTE };
	struct emb_token_at byte = { "f.bin", 0, 42 };
	struct emb_token_at none = { "f", 0, EMB_TOKEN_NO_BYTE };
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_token_check("ok", 2, 0, &line, &err), 0);
	assert_int_equal(emb_token_check("a\0b", 3, 0, &line, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "f.txt:7: token 'a\\x00b' holds a NUL byte");
	assert_int_equal(emb_token_check("a\nb", 3, 0, &byte, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "f.bin: byte 42: token 'a\\x0ab' holds a line end");
	assert_int_equal(emb_token_check("", 0, 0, &byte, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "f.bin: byte 42: empty token");
	assert_int_equal(emb_token_check("abcd", 4, 3, &none, &err), EMB_ELIMIT);
	assert_string_equal(err.msg, "f: token 'abcd' is longer than the token limit of 3 bytes");
}

static void test_check_text(void **state)
{
	struct emb_token_at byte = { "t", 0, 100 };
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_token_check_text("a b\tc\n", 6, &byte, &err), 0);
	assert_int_equal(emb_token_check_text("a bb\0c d", 8, &byte, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "t: byte 102: token 'bb\\x00c' holds a NUL byte");
	assert_int_equal(emb_token_check_text("\0", 1, &byte, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "t: byte 100: token '\\x00' holds a NUL byte");
}

static void test_utf8_modes(void **state)
{
	static const char bad[] = "a\xe0\x80z\xff";   /* E0 then 80: two maximal subparts */
	struct emb_token_at at = { "v", 3, EMB_TOKEN_NO_BYTE };
	struct emb_err err = EMB_ERR_INIT;
	char *buf = NULL;
	size_t cap = 0, len;
	const char *out;
	int mode;
	(void)state;

	assert_int_equal(emb_token_utf8("caf\xc3\xa9", 5, EMB_UTF8_STRICT, &buf, &cap, &out, &len,
					&at, &err), 0);
	assert_int_equal(emb_token_utf8(bad, 5, EMB_UTF8_KEEP, &buf, &cap, &out, &len, &at, &err), 1);
	assert_ptr_equal(out, bad);
	assert_int_equal(len, 5);
	assert_int_equal(emb_token_utf8(bad, 5, EMB_UTF8_STRICT, &buf, &cap, &out, &len, &at, &err),
			 EMB_EFORMAT);
	assert_string_equal(err.msg, "v:3: token 'a\xe0\x80z\xff' is not valid UTF-8");
	assert_int_equal(emb_token_utf8(bad, 5, EMB_UTF8_REPLACE, &buf, &cap, &out, &len, &at, &err), 1);
	assert_int_equal(len, 11);
	assert_memory_equal(out, "a\xef\xbf\xbd\xef\xbf\xbdz\xef\xbf\xbd", 11);
	assert_int_equal(emb_token_utf8(bad, 5, EMB_UTF8_IGNORE, &buf, &cap, &out, &len, &at, &err), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "az", 2);
	assert_int_equal(emb_token_utf8("\xff", 1, EMB_UTF8_IGNORE, &buf, &cap, &out, &len, &at, &err), 1);
	assert_int_equal(len, 0); /* empty now: the caller checks the rule again */
	free(buf);
	assert_int_equal(emb_utf8_mode_by_name("replace", &mode), 0);
	assert_int_equal(mode, EMB_UTF8_REPLACE);
	assert_int_equal(emb_utf8_mode_by_name("keep", &mode), 0);
	assert_int_equal(mode, EMB_UTF8_KEEP);
	assert_int_equal(emb_utf8_mode_by_name("surrogateescape", &mode), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fault),
		cmocka_unit_test(test_check_located),
		cmocka_unit_test(test_check_text),
		cmocka_unit_test(test_utf8_modes),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
