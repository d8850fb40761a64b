/* Unit tests of the table formats: detection, row parsing rules, writers, EMB (streamed and
 * mapped), lying headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_format.h"
#include "unit_tmpdir.h"

/* Read S (given format or sniffed) from memory into a table; returns the rc. */
static int read_mem(struct emb_table **t, const char *s, size_t n, const struct emb_format *f,
		    const struct emb_read_opts *o, struct emb_err *err)
{
	struct emb_stream *in;
	int rc;

	assert_int_equal(emb_stream_open_mem(&in, "mem", s, n, err), 0);
	if (!f && (rc = emb_format_detect(&f, in, err)) < 0) {
		emb_stream_abort(in);
		return rc;
	}
	rc = f->read(t, in, o, err);
	emb_stream_abort(in);
	return rc;
}

static void test_detect(void **state)
{
	static const struct { const char *s; size_t n; const char *name; } cases[] = {
		{ "a 1 2\n", 6, "glove" },
		{ "2 2\na 1 2\nb 3 4\n", 16, "word2vec" },
		{ "1 2\na \x00\x00\x80\x3f\x00\x00\x00\x40\n", 14, "word2vec-bin" },
		{ "\x89" "EMB\r\n\x1a\n", 8, "emb" },
		{ "7 7 7\n", 6, "glove" }, /* three numbers are no header */
		/* a float whose first byte is '\n' does not make the row look like text */
		{ "1 2\na \x0a\x00\x80\x3f\x00\x00\x00\x40\n", 14, "word2vec-bin" },
		{ "1 2\na nan -inf\n", 14, "word2vec" },
	};
	struct emb_err err = EMB_ERR_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct emb_stream *in;
		const struct emb_format *f;
		assert_int_equal(emb_stream_open_mem(&in, "mem", cases[i].s, cases[i].n, &err), 0);
		assert_int_equal(emb_format_detect(&f, in, &err), 0);
		assert_string_equal(f->name, cases[i].name);
		emb_stream_abort(in);
	}
}

static void test_names(void **state)
{
	(void)state;
	assert_ptr_equal(emb_format_by_name("vec"), &emb_format_word2vec);
	assert_ptr_equal(emb_format_by_name("vec"), &emb_format_word2vec);
	assert_ptr_equal(emb_format_by_name("fasttext"), &emb_format_fasttext);
	assert_ptr_equal(emb_format_by_name("word2vec-bin"), &emb_format_word2vec_bin);
	assert_null(emb_format_by_name("csv"));
	assert_ptr_equal(emb_format_by_filename("x/y.bin.gz"), &emb_format_word2vec_bin);
	assert_ptr_equal(emb_format_by_filename("a.txt"), &emb_format_glove);
	assert_ptr_equal(emb_format_by_filename("a.emb"), &emb_format_emb);
	assert_null(emb_format_by_filename("a.gz"));
}

static void test_glove_rules(void **state)
{
	static const char s[] = "\xef\xbb\xbf" "1.5 1 2\r\n\n. . . 3 4  \nnew york 5 6\n";
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	size_t len;
	(void)state;

	assert_int_equal(read_mem(&t, s, sizeof s - 1, &emb_format_glove, &o, &err), 0);
	assert_int_equal(t->rows, 3);
	assert_int_equal(t->dim, 2);
	assert_string_equal(emb_table_token(t, 0, &len), "1.5");
	assert_string_equal(emb_table_token(t, 1, &len), ". . .");
	assert_string_equal(emb_table_token(t, 2, &len), "new york");
	assert_true(emb_table_row(t, 1)[1] == 4);
	emb_table_free(t);
}

static void test_row_errors(void **state)
{
	static const struct { const char *s, *msg; int code; } cases[] = {
		{ "a 1 2\nb 1\n", "mem:2: expected 3 fields, found 2", EMB_EFORMAT },
		{ "a 1 2\nb 1 2 3\n", "mem:2: expected 3 fields, found 4", EMB_EFORMAT },
		{ "a 1 2\nb 1 2e\n", "mem:2: field 3: '2e' is not a number", EMB_EFORMAT },
		{ "a 1 inf\n", "mem:1: field 3: non-finite value 'inf'", EMB_EFORMAT },
		{ "a 1\na 2\n", "mem:2: duplicate token 'a' (first in row 1)", EMB_EFORMAT },
		{ "", "mem: empty input", EMB_EFORMAT },
	};
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct emb_err err = EMB_ERR_INIT;
		struct emb_table *t = NULL;
		assert_int_equal(read_mem(&t, cases[i].s, strlen(cases[i].s), &emb_format_glove, &o, &err),
				 cases[i].code);
		assert_null(t);
		assert_string_equal(err.msg, cases[i].msg);
	}
}

static void test_header_count_warns(void **state)
{
	static const char s[] = "9 2\na 1 2\n";
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	(void)state;

	assert_int_equal(read_mem(&t, s, sizeof s - 1, NULL, &o, &err), 0);
	assert_int_equal(t->rows, 1);
	emb_table_free(t);
	o.strict = true;
	assert_int_equal(read_mem(&t, s, sizeof s - 1, NULL, &o, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "mem: header says 9 rows, found 1");
}

static void test_binary_short_row(void **state)
{
	static const char s[] = "2 2\na \x00\x00\x80\x3f\x00\x00\x00\x40\nb \x00\x00";
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	(void)state;

	assert_int_equal(read_mem(&t, s, sizeof s - 1, NULL, &o, &err), EMB_ETRUNC);
	assert_string_equal(err.msg, "mem: byte 15: input ends inside row 2");
}

static struct emb_table *sample(void)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t;
	size_t i;

	assert_int_equal(emb_table_new(&t, 300, 7, &err), 0);
	for (i = 0; i < 300; i++) {
		char tok[32];
		size_t j;
		int n = snprintf(tok, sizeof tok, "tok%zu", i * 7919 % 1000);
		assert_int_equal(emb_vocab_add(t->vocab, tok, (size_t)n, i, NULL, &err), 0);
		for (j = 0; j < 7; j++)
			emb_table_row(t, i)[j] = (float)i / (float)(j + 3) - 1e-3f * (float)j;
	}
	t->padding_idx = 5;
	assert_int_equal(emb_table_meta_set(t, "made-by", "test_formats", &err), 0);
	return t;
}

static void same_table(const struct emb_table *a, const struct emb_table *b)
{
	size_t i;

	assert_int_equal(a->rows, b->rows);
	assert_int_equal(a->dim, b->dim);
	assert_memory_equal(a->data, b->data, a->rows * a->dim * sizeof(float));
	for (i = 0; i < a->rows; i++) {
		size_t la, lb;
		const char *ta = emb_table_token(a, i, &la), *tb = emb_table_token(b, i, &lb);
		assert_int_equal(la, lb);
		assert_memory_equal(ta, tb, la);
		assert_int_equal(emb_table_find(b, ta, la), (long)i);
	}
}

static void test_roundtrip_every_format(void **state)
{
	static const char *names[] = { "t.txt", "t.vec.gz", "t.bin", "t.emb" };
	struct emb_table *t = sample(), *u;
	struct emb_err err = EMB_ERR_INIT;
	size_t i;
	(void)state;

	for (i = 0; i < 4; i++) {
		assert_int_equal(emb_table_save(t, path(names[i]), NULL, NULL, NULL, &err), 0);
		assert_int_equal(emb_table_load(&u, path(names[i]), NULL, NULL, &err), 0);
		same_table(t, u);
		if (i == 3) {
			assert_int_equal(u->padding_idx, 5);
			assert_string_equal(emb_table_meta_get(u, "made-by"), "test_formats");
			assert_int_equal(emb_table_count(u, 299), 299);
		}
		emb_table_free(u);
	}
	emb_table_free(t);
}

static void test_emb_mapped_lazy(void **state)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_table *t = sample(), *u;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	oo.level = 0;
	assert_int_equal(emb_table_save(t, path("raw.emb"), NULL, NULL, &oo, &err), 0);
	ro.lazy_vocab = true;
	assert_int_equal(emb_table_load(&u, path("raw.emb"), NULL, &ro, &err), 0);
	assert_true(emb_table_is_mapped(u));
	assert_null(u->vocab);
	assert_int_equal((uintptr_t)u->data % 64, 0);
	same_table(t, u);
	assert_int_equal(emb_table_find(u, "nosuch", 6), -1);
	assert_int_equal(emb_table_count(u, 7), 7);
	emb_table_free(u);
	emb_table_free(t);
}

static void test_emb_lying_header(void **state)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_table *t = sample(), *u = NULL;
	struct emb_err err = EMB_ERR_INIT;
	unsigned char *buf;
	FILE *f;
	long n;
	(void)state;

	oo.level = 0;
	assert_int_equal(emb_table_save(t, path("lie.emb"), NULL, NULL, &oo, &err), 0);
	assert_non_null(f = fopen(path("lie.emb"), "rb"));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	/* claim 2^40 rows, with a correct header CRC: only the missing bytes may stop it */
	buf[16 + 5] = 1;
	{
		extern uint32_t libdeflate_crc32(uint32_t, const void *, size_t);
		uint32_t c = libdeflate_crc32(0, buf, 60);
		memcpy(buf + 60, &c, 4);
	}
	ro.want_mmap = false;
	assert_true(read_mem(&u, (const char *)buf, (size_t)n, NULL, &ro, &err) < 0);
	assert_null(u);
	assert_non_null(strstr(err.msg, "mem: byte "));
	free(buf);
	emb_table_free(t);
}

/* BUF (N bytes, a raw EMB file) with section TAG's payload changed by FIX and its CRC redone;
 * then every way of reading it (streamed, mapped, mapped lazily) must fail with WANT. */
static void emb_refused(unsigned char *buf, size_t n, const char *want)
{
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_table *u = NULL;
	struct emb_err err = EMB_ERR_INIT;
	FILE *f;

	ro.want_mmap = false;
	assert_true(read_mem(&u, (const char *)buf, n, NULL, &ro, &err) < 0);
	assert_null(u);
	assert_non_null(strstr(err.msg, want));
	assert_non_null(f = fopen(path("bad.emb"), "wb"));
	assert_int_equal(fwrite(buf, 1, n, f), n);
	fclose(f);
	for (int lazy = 0; lazy < 2; lazy++) {
		ro = (struct emb_read_opts)EMB_READ_OPTS_INIT;
		ro.lazy_vocab = lazy;
		err = (struct emb_err)EMB_ERR_INIT;
		assert_true(emb_table_load(&u, path("bad.emb"), NULL, &ro, &err) < 0);
		assert_null(u);
		assert_non_null(strstr(err.msg, want));
	}
}

static unsigned char *section(unsigned char *buf, size_t n, const char *tag)
{
	for (size_t i = 64; i + 16 <= n; i += 64)
		if (memcmp(buf + i + 48, tag, 4) == 0)
			return buf + i + 48;
	fail();
	return NULL;
}

static void recrc(unsigned char *sh)
{
	extern uint32_t libdeflate_crc32(uint32_t, const void *, size_t);
	uint64_t len;
	uint32_t c;

	memcpy(&len, sh + 8, 8);
	c = libdeflate_crc32(0, sh + 16, (size_t)len);
	memcpy(sh + 4, &c, 4);
}

/* What formats/EMB.md says must hold between sections, checked raw-mapped and streamed. */
static void test_emb_sections_agree(void **state)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_table *t = sample();
	struct emb_err err = EMB_ERR_INIT;
	unsigned char *buf, *orig, *sh;
	uint64_t v;
	FILE *f;
	size_t n;
	(void)state;

	oo.level = 0;
	assert_int_equal(emb_table_save(t, path("ok.emb"), NULL, NULL, &oo, &err), 0);
	assert_non_null(f = fopen(path("ok.emb"), "rb"));
	fseek(f, 0, SEEK_END);
	n = (size_t)ftell(f);
	rewind(f);
	orig = malloc(n);
	buf = malloc(n);
	assert_int_equal(fread(orig, 1, n, f), n);
	fclose(f);

	/* OFFS starting past 0: the first token would be read short (here: empty) */
	memcpy(buf, orig, n);
	sh = section(buf, n, "OFFS");
	v = 1;
	memcpy(sh + 16, &v, 8);
	recrc(sh);
	emb_refused(buf, n, "OFFS does not span TOKS");

	/* META longer than its entries (4 more bytes, taken from the zero padding) */
	memcpy(buf, orig, n);
	sh = section(buf, n, "META");
	memcpy(&v, sh + 8, 8);
	v += 4;
	memcpy(sh + 8, &v, 8);
	recrc(sh);
	emb_refused(buf, n, "META section longer than its entries");

	/* a NUL inside a token: TOKS "tok0\0..." becomes "to\0k0..." */
	memcpy(buf, orig, n);
	sh = section(buf, n, "TOKS");
	sh[16 + 2] = 0;
	recrc(sh);
	emb_refused(buf, n, "holds a NUL byte");

	free(buf);
	free(orig);
	emb_table_free(t);
}

static void test_f16_and_precision(void **state)
{
	struct emb_write_opts wo = EMB_WRITE_OPTS_INIT;
	struct emb_table *t = sample(), *u;
	struct emb_err err = EMB_ERR_INIT;
	FILE *f;
	char line[256];
	(void)state;

	wo.f16 = true;
	assert_int_equal(emb_table_save(t, path("h.emb"), NULL, &wo, NULL, &err), 0);
	assert_int_equal(emb_table_load(&u, path("h.emb"), NULL, NULL, &err), 0);
	assert_true(emb_table_row(u, 299)[0] == 99.6875f); /* 299/3 in binary16 */
	emb_table_free(u);
	wo.f16 = false;
	wo.precision = 2;
	assert_int_equal(emb_table_save(t, path("p.txt"), NULL, &wo, NULL, &err), 0);
	assert_non_null(f = fopen(path("p.txt"), "r"));
	assert_non_null(fgets(line, sizeof line, f));
	fclose(f);
	assert_string_equal(line, "tok0 0.00 -0.00 -0.00 -0.00 -0.00 -0.01 -0.01\n");
	emb_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_detect),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_glove_rules),
		cmocka_unit_test(test_row_errors),
		cmocka_unit_test(test_header_count_warns),
		cmocka_unit_test(test_binary_short_row),
		cmocka_unit_test(test_roundtrip_every_format),
		cmocka_unit_test(test_emb_mapped_lazy),
		cmocka_unit_test(test_emb_lying_header),
		cmocka_unit_test(test_emb_sections_agree),
		cmocka_unit_test(test_f16_and_precision),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
