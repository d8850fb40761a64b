/* Unit tests of the safetensors and .npy table formats: detection, a round trip that keeps
 * metadata, counts and padding_idx, the layout rules of the reader, and .npy's vocabulary. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emb_format.h"
#include "unit_tmpdir.h"

/* A safetensors file in memory: length, JSON, then DATA. */
static size_t st_file(unsigned char *dst, const char *json, const void *data, size_t n)
{
	size_t h = strlen(json);
	uint64_t len = h;

	memcpy(dst, &len, 8);
	memcpy(dst + 8, json, h);
	memcpy(dst + 8 + h, data, n);
	return 8 + h + n;
}

static int read_mem(struct emb_table **t, const void *s, size_t n, const char *name,
		    const struct emb_format *f, struct emb_err *err)
{
	static const struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_stream *in;
	int rc;

	assert_int_equal(emb_stream_open_mem(&in, name, s, n, err), 0);
	if (!f && (rc = emb_format_detect(&f, in, err)) < 0) {
		emb_stream_abort(in);
		return rc;
	}
	rc = f->read(t, in, &o, err);
	emb_stream_abort(in);
	return rc;
}

static struct emb_table *small_table(void)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	const char *tok[3] = { "<pad>", "caf\xc3\xa9", "tab\tand \"quote\"" };
	size_t i, j;

	assert_int_equal(emb_table_new(&t, 3, 2, &err), 0);
	for (i = 0; i < 3; i++) {
		assert_int_equal(emb_vocab_add(t->vocab, tok[i], strlen(tok[i]), 10 * i, NULL, &err), 0);
		for (j = 0; j < 2; j++)
			emb_table_row(t, i)[j] = i ? (float)(i * 0.1 + j) : 0;
	}
	t->padding_idx = 0;
	assert_int_equal(emb_table_meta_set(t, "note", "line\nbreak \"q\" \\", &err), 0);
	return t;
}

static void test_roundtrip(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = small_table(), *u = NULL;
	size_t i, len;
	(void)state;

	assert_int_equal(emb_table_save(t, path("a.safetensors"), NULL, NULL, NULL, &err), 0);
	assert_int_equal(emb_table_load(&u, path("a.safetensors"), NULL, NULL, &err), 0);
	assert_int_equal(u->rows, 3);
	assert_int_equal(u->dim, 2);
	assert_int_equal(u->padding_idx, 0);
	assert_string_equal(emb_table_meta_get(u, "note"), "line\nbreak \"q\" \\");
	assert_null(emb_table_meta_get(u, "padding_idx"));
	for (i = 0; i < 3; i++) {
		assert_string_equal(emb_table_token(u, i, &len), emb_table_token(t, i, NULL));
		assert_int_equal(emb_table_count(u, i), 10 * i);
		assert_memory_equal(emb_table_row(u, i), emb_table_row(t, i), 2 * sizeof(float));
	}
	emb_table_free(u);
	emb_table_free(t);
}

static void test_detect(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	static const float w = 1.5f;
	unsigned char buf[512];
	const struct emb_format *f;
	struct emb_stream *in;
	size_t n;
	(void)state;

	n = st_file(buf, "{ \"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}}",
		    &w, 4);
	assert_int_equal(emb_stream_open_mem(&in, "m", buf, n, &err), 0);
	assert_int_equal(emb_format_detect(&f, in, &err), 0);
	assert_ptr_equal(f, &emb_format_safetensors);
	emb_stream_abort(in);
	assert_int_equal(emb_stream_open_mem(&in, "m", "\x93NUMPY\x01\x00", 8, &err), 0);
	assert_int_equal(emb_format_detect(&f, in, &err), 0);
	assert_ptr_equal(f, &emb_format_npy);
	emb_stream_abort(in);
	assert_ptr_equal(emb_format_by_filename("x.safetensors.gz"), &emb_format_safetensors);
	assert_ptr_equal(emb_format_by_name("npy"), &emb_format_npy);
}

/* The reader's layout rules, each on an otherwise valid one-row table. */
static void test_layout_rules(void **state)
{
	static const struct { const char *json; const char *msg; } cases[] = {
		{ "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
		  "\"tokens\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[4,5]},"
		  "\"token_offsets\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[5,21]}}", NULL },
		{ "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
		  "\"tokens\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[4,5]}}",
		  "no tensor 'token_offsets'" },
		{ "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
		  "\"tokens\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[4,5]},"
		  "\"token_offsets\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[5,21]},"
		  "\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]}}",
		  "duplicate tensor name" },
		{ "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4],\"x\":1},"
		  "\"tokens\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[4,5]},"
		  "\"token_offsets\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[5,21]}}",
		  "unknown field" },
		{ "{\"weight\":{\"dtype\":\"F32\",\"shape\":[1,1],\"data_offsets\":[0,4]},"
		  "\"tokens\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[4,5]},"
		  "\"token_offsets\":{\"dtype\":\"I64\",\"shape\":[3],\"data_offsets\":[5,29]}}",
		  "must be I64 of rows + 1 entries" },
	};
	unsigned char data[29] = { 0 }, buf[1024];
	float w = 2.0f;
	int64_t offs[3] = { 0, 1, 1 };
	size_t i;
	(void)state;

	memcpy(data, &w, 4);
	data[4] = 'x';
	memcpy(data + 5, offs, sizeof offs);
	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct emb_err err = EMB_ERR_INIT;
		struct emb_table *t = NULL;
		size_t n = st_file(buf, cases[i].json, data, strstr(cases[i].json, "5,29") ? 29 : 21);
		int rc = read_mem(&t, buf, n, "m", &emb_format_safetensors, &err);
		if (!cases[i].msg) {
			assert_int_equal(rc, 0);
			assert_string_equal(emb_table_token(t, 0, NULL), "x");
			assert_true(emb_table_row(t, 0)[0] == 2.0f);
		} else {
			assert_true(rc < 0);
			if (!strstr(err.msg, cases[i].msg))
				fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].msg);
		}
		emb_table_free(t);
	}
}

static void test_npy(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = small_table(), *u = NULL;
	FILE *f;
	char line[128];
	(void)state;

	assert_int_equal(emb_table_save(t, path("m.npy"), NULL, NULL, NULL, &err), 0);
	assert_non_null(f = fopen(path("m.vocab.tsv"), "r"));
	assert_non_null(fgets(line, sizeof line, f));
	assert_string_equal(line, "<pad>\t0\n");
	fclose(f);
	assert_int_equal(emb_table_load(&u, path("m.npy"), NULL, NULL, &err), 0);
	assert_int_equal(u->rows, 3);
	assert_string_equal(emb_table_token(u, 2, NULL), "tab\tand \"quote\"");
	assert_int_equal(emb_table_count(u, 2), 20);
	assert_memory_equal(u->data, t->data, 6 * sizeof(float));
	assert_int_equal(u->padding_idx, -1); /* .npy keeps the matrix and tokens only */
	emb_table_free(u);
	assert_true(emb_table_save(t, path("m.data"), &emb_format_npy, NULL, NULL, &err) < 0);
	assert_int_equal(err.code, EMB_EINVAL);
	emb_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_layout_rules),
		cmocka_unit_test(test_npy),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
