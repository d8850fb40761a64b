/* Unit tests of emb_table: growth, metadata, lookup, torch-compatible renorm, norms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "embkit.h"

static void test_new_resize_keeps_rows(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	size_t i;
	(void)state;

	assert_int_equal(emb_table_new(&t, 3, 5, &err), 0);
	assert_int_equal(t->padding_idx, -1);
	assert_int_equal((uintptr_t)t->data % 64, 0);
	for (i = 0; i < 15; i++)
		assert_true(t->data[i] == 0);
	emb_table_row(t, 2)[4] = 7;
	for (i = 0; i < 20; i++) /* many growth steps: data must survive each move */
		assert_int_equal(emb_table_resize(t, 3 + i * 1000, &err), 0);
	assert_true(emb_table_row(t, 2)[4] == 7);
	assert_true(emb_table_row(t, 19002)[4] == 0);
	assert_int_equal(emb_table_resize(t, 2, &err), 0);
	assert_int_equal(emb_table_resize(t, 3, &err), 0);
	assert_true(emb_table_row(t, 2)[4] == 0); /* shrunk rows come back as zeros */
	assert_false(emb_table_is_mapped(t));
	emb_table_free(t);
	emb_table_free(NULL);
}

static void test_new_overflow(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = (void *)1;
	(void)state;

	assert_int_equal(emb_table_new(&t, SIZE_MAX / 2, 16, &err), EMB_ELIMIT);
	assert_null(t);
	assert_non_null(strstr(err.msg, "too large"));
}

static void test_meta(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	const char *k, *v;
	(void)state;

	assert_int_equal(emb_table_new(&t, 0, 2, &err), 0);
	assert_null(emb_table_meta_get(t, "tool"));
	assert_int_equal(emb_table_meta_set(t, "tool", "embtrain", &err), 0);
	assert_int_equal(emb_table_meta_set(t, "epochs", "5", &err), 0);
	assert_int_equal(emb_table_meta_set(t, "tool", "embconv", &err), 0);
	assert_int_equal(emb_table_meta_count(t), 2);
	emb_table_meta_at(t, 0, &k, &v);
	assert_string_equal(k, "tool");
	assert_string_equal(v, "embconv");
	assert_string_equal(emb_table_meta_get(t, "epochs"), "5");
	emb_table_free(t);
}

static void test_find_token_count(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	size_t len;
	(void)state;

	assert_int_equal(emb_table_new(&t, 2, 1, &err), 0);
	assert_int_equal(emb_vocab_add(t->vocab, "cat", 3, 9, NULL, &err), 0);
	assert_int_equal(emb_vocab_add(t->vocab, "dog", 3, 4, NULL, &err), 0);
	assert_int_equal(emb_table_find(t, "dog", 3), 1);
	assert_int_equal(emb_table_find(t, "do", 2), -1);
	assert_string_equal(emb_table_token(t, 0, &len), "cat");
	assert_int_equal(len, 3);
	assert_int_equal(emb_table_count(t, 0), 9);
	emb_table_free(t);
}

static void test_hash_is_fnv1a(void **state)
{
	(void)state;
	/* the published FNV-1a 64 test vectors: EMB.md fixes this function for every reader */
	assert_true(emb_table_hash("", 0) == 0xcbf29ce484222325ULL);
	assert_true(emb_table_hash("a", 1) == 0xaf63dc4c8601ec8cULL);
	assert_true(emb_table_hash("foobar", 6) == 0x85944171f73967e8ULL);
}

static void test_renorm_like_torch(void **state)
{
	float v[2] = { 3, 4 }, w[2] = { 0.3f, 0.4f }, u[3] = { 1, -2, 2 };
	float scale = (float)(1.0 / (5.0 + 1e-7));
	(void)state;

	emb_renorm_row(v, 2, 1.0, 2);
	assert_true(v[0] == 3 * scale && v[1] == 4 * scale);
	emb_renorm_row(w, 2, 1.0, 2); /* under the bound: untouched */
	assert_true(w[0] == 0.3f && w[1] == 0.4f);
	emb_renorm_row(u, 3, 1.0, INFINITY); /* max |x| = 2 */
	assert_true(u[1] == -2 * (float)(1.0 / (2.0 + 1e-7)));
}

static void test_row_norms(void **state)
{
	float v[3] = { 1, -2, 2 };
	(void)state;

	assert_true(emb_row_norm(v, 3, 2) == 3);
	assert_true(emb_row_norm(v, 3, 1) == 5);
	assert_true(emb_row_norm(v, 3, INFINITY) == 2);
	assert_true(fabs(emb_row_norm(v, 3, 3) - cbrt(17)) < 1e-12);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_resize_keeps_rows),
		cmocka_unit_test(test_new_overflow),
		cmocka_unit_test(test_meta),
		cmocka_unit_test(test_find_token_count),
		cmocka_unit_test(test_hash_is_fnv1a),
		cmocka_unit_test(test_renorm_like_torch),
		cmocka_unit_test(test_row_norms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
