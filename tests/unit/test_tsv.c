/* Unit tests of emb_tsv: plain and quoted fields, line numbers, CRLF, bad quoting, quoting on write. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "embkit.h"

static struct emb_tsv *open_text(struct emb_stream **s, const char *text, char delim)
{
	struct emb_tsv *t;
	struct emb_err err = EMB_ERR_INIT;

	assert_int_equal(emb_stream_open_mem(s, "m.tsv", text, strlen(text), &err), 0);
	assert_int_equal(emb_tsv_open(&t, *s, delim, &err), 0);
	return t;
}

static void test_plain_and_quoted(void **state)
{
	static const char text[] = "a b\t1\n\n\"x\ty\"\t2\r\n\"multi\nline\"\t3\n\"q\"\"q\"\t4";
	struct emb_stream *s;
	struct emb_tsv *t = open_text(&s, text, '\t');
	struct emb_tsv_row *r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_int_equal(r->n, 2);
	assert_string_equal(r->field[0], "a b");  /* spaces are kept */
	assert_string_equal(r->field[1], "1");
	assert_int_equal(r->line, 1);
	assert_int_equal(emb_tsv_next(t, &r, &err), 0); /* the empty line is skipped */
	assert_string_equal(r->field[0], "x\ty");
	assert_string_equal(r->field[1], "2");          /* CR ends the record */
	assert_int_equal(r->line, 3);
	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_string_equal(r->field[0], "multi\nline");
	assert_int_equal(r->len[0], 10);
	assert_int_equal(r->line, 4);                  /* where the record started */
	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_string_equal(r->field[0], "q\"q");
	assert_string_equal(r->field[1], "4");
	assert_int_equal(r->line, 6);
	assert_int_equal(emb_tsv_next(t, &r, &err), EMB_EOF);
	emb_tsv_close(t);
	emb_stream_abort(s);
}

static void test_csv(void **state)
{
	struct emb_stream *s;
	struct emb_tsv *t = open_text(&s, "\"a,b\",7\nc\t d,8\n", ',');
	struct emb_tsv_row *r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_string_equal(r->field[0], "a,b");
	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_string_equal(r->field[0], "c\t d");
	assert_string_equal(r->field[1], "8");
	assert_int_equal(emb_tsv_next(t, &r, &err), EMB_EOF);
	emb_tsv_close(t);
	emb_stream_abort(s);
}

static void test_bad_quoting(void **state)
{
	struct emb_stream *s;
	struct emb_tsv *t = open_text(&s, "ok\t1\nab\"c\t2\n", '\t');
	struct emb_tsv_row *r;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_int_equal(emb_tsv_next(t, &r, &err), EMB_EFORMAT);
	assert_non_null(strstr(err.msg, "m.tsv:2: bad quoting"));
	emb_tsv_close(t);
	emb_stream_abort(s);

	t = open_text(&s, "ok\t1\n\"never\tends\n\n", '\t');
	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_int_equal(emb_tsv_next(t, &r, &err), EMB_EFORMAT);
	assert_string_equal(err.msg, "m.tsv:2: quoted field never ends");
	emb_tsv_close(t);
	emb_stream_abort(s);
}

static char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	char *b = malloc(1 << 20);
	assert_non_null(f);
	*n = fread(b, 1, 1 << 20, f);
	fclose(f);
	b[*n] = 0;
	return b;
}

static void test_write_quotes_only_when_needed(void **state)
{
	char path[] = "/tmp/test_tsv_XXXXXX";
	struct emb_out *o;
	struct emb_err err = EMB_ERR_INIT;
	size_t n;
	char *got;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(emb_out_open(&o, path, NULL, &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "plain", 5, '\t', '\t', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "a,b", 3, '\t', '\n', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "t\tb", 3, '\t', '\t', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "\"hi", 3, '\t', '\t', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "l\nf", 3, '\t', '\n', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "a,b", 3, ',', '\n', &err), 0);
	assert_int_equal(emb_out_commit(o, &err), 0);
	got = slurp(path, &n);
	assert_string_equal(got, "plain\ta,b\n\"t\tb\"\t\"\"\"hi\"\t\"l\nf\"\n\"a,b\"\n");
	free(got);
	unlink(path);
}

static void test_write_big_field_round_trips(void **state)
{
	char path[] = "/tmp/test_tsv_XXXXXX";
	size_t big = 3u << 20, n;
	char *tok = malloc(big);
	struct emb_out *o;
	struct emb_stream *s;
	struct emb_tsv *t;
	struct emb_tsv_row *r;
	struct emb_err err = EMB_ERR_INIT;
	int fd = mkstemp(path);
	(void)state;

	assert_true(fd >= 0);
	close(fd);
	for (n = 0; n < big; n++)
		tok[n] = n % 1000 == 7 ? '"' : 'a' + n % 26;
	assert_int_equal(emb_out_open(&o, path, NULL, &err), 0);
	assert_int_equal(emb_tsv_write_field(o, tok, big, '\t', '\t', &err), 0);
	assert_int_equal(emb_tsv_write_field(o, "9", 1, '\t', '\n', &err), 0);
	assert_int_equal(emb_out_commit(o, &err), 0);
	assert_int_equal(emb_stream_open(&s, path, &err), 0);
	assert_int_equal(emb_tsv_open(&t, s, '\t', &err), 0);
	assert_int_equal(emb_tsv_next(t, &r, &err), 0);
	assert_int_equal(r->n, 2);
	assert_int_equal(r->len[0], big);
	assert_memory_equal(r->field[0], tok, big);
	emb_tsv_close(t);
	assert_int_equal(emb_stream_close(s, &err), 0);
	free(tok);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_and_quoted),
		cmocka_unit_test(test_csv),
		cmocka_unit_test(test_bad_quoting),
		cmocka_unit_test(test_write_quotes_only_when_needed),
		cmocka_unit_test(test_write_big_field_round_trips),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
