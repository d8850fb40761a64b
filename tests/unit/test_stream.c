/* Unit tests of emb_stream and emb_out: lines, gzip (multi-member, truncated, corrupt), atomic output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "embkit.h"
#include "emb_tmp.h"

static size_t gz(const char *s, size_t n, unsigned char *dst, size_t cap)
{
	z_stream z;
	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)s;
	z.avail_in = (uInt)n;
	z.next_out = dst;
	z.avail_out = (uInt)cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	return cap - z.avail_out;
}

static void test_lines_plain(void **state)
{
	static const char text[] = "a b\r\nsecond\n\nlast";
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	char *line;
	size_t len;
	(void)state;

	assert_int_equal(emb_stream_open_mem(&s, "mem", text, sizeof text - 1, &err), 0);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_int_equal(len, 4);
	assert_memory_equal(line, "a b\r", 4);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "second");
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_int_equal(len, 0);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "last");
	assert_int_equal(emb_stream_lineno(s), 4);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), EMB_EOF);
	assert_false(emb_stream_is_gzip(s));
	assert_int_equal(emb_stream_close(s, &err), 0);
}

static void test_gzip_multi_member(void **state)
{
	unsigned char buf[512];
	size_t n = gz("one\ntw", 6, buf, sizeof buf);
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	char *line;
	size_t len;
	(void)state;

	n += gz("o\nthree\n", 8, buf + n, sizeof buf - n);
	assert_int_equal(emb_stream_open_mem(&s, "m.gz", buf, n, &err), 0);
	assert_true(emb_stream_is_gzip(s));
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "one");
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "two");
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "three");
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), EMB_EOF);
	emb_stream_abort(s);
}

static void test_gzip_truncated_and_corrupt(void **state)
{
	unsigned char buf[512];
	size_t n = gz("hello world\n", 12, buf, sizeof buf);
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	char *line;
	size_t len;
	int rc;
	(void)state;

	assert_int_equal(emb_stream_open_mem(&s, "t.gz", buf, n - 5, &err), 0);
	while ((rc = emb_stream_getline(s, &line, &len, &err)) == 0)
		;
	assert_int_equal(rc, EMB_ETRUNC);
	assert_string_equal(err.msg, "t.gz: truncated gzip input");
	emb_stream_abort(s);

	buf[12] ^= 0xff;
	buf[13] ^= 0xff;
	assert_int_equal(emb_stream_open_mem(&s, "c.gz", buf, n, &err), 0);
	while ((rc = emb_stream_getline(s, &line, &len, &err)) == 0)
		;
	assert_true(rc < 0);
	emb_stream_abort(s);
}

/*
 * Members big enough that the decoder stops on a full output buffer many times: every cut of
 * the last 40 bytes (inside the deflate data, the CRC or the length) is "truncated", a flipped
 * CRC byte is corrupt, and the whole reads back byte for byte.
 */
static void test_gzip_large_members_every_cut(void **state)
{
	size_t n1 = 700000, n2 = 300000, cap = 2 * (n1 + n2), zn, got;
	char *text = malloc(n1 + n2);
	unsigned char *z = malloc(cap), *back = malloc(n1 + n2 + 1);
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	uint32_t x = 12345;
	int rc;
	(void)state;

	assert_non_null(text);
	assert_non_null(z);
	assert_non_null(back);
	for (size_t i = 0; i < n1 + n2; i++) { /* compressible but not trivially so */
		x = x * 1103515245u + 12345u;
		text[i] = (x >> 16) % 7 == 0 ? '\n' : (char)('a' + (x >> 20) % 6);
	}
	zn = gz(text, n1, z, cap);
	zn += gz(text + n1, n2, z + zn, cap - zn);
	assert_int_equal(emb_stream_open_mem(&s, "big.gz", z, zn, &err), 0);
	assert_int_equal(emb_stream_read_full(s, back, n1 + n2, &err), 0);
	assert_memory_equal(back, text, n1 + n2);
	assert_int_equal(emb_stream_read(s, back, 1, &got, &err), EMB_EOF);
	assert_int_equal(got, 0);
	emb_stream_abort(s);
	for (size_t cut = 1; cut <= 40; cut++) {
		assert_int_equal(emb_stream_open_mem(&s, "cut.gz", z, zn - cut, &err), 0);
		while ((rc = emb_stream_read(s, back, 4096, &got, &err)) == 0)
			;
		assert_int_equal(rc, EMB_ETRUNC);
		emb_stream_abort(s);
	}
	z[zn - 6] ^= 0x55; /* a CRC byte of the second member */
	assert_int_equal(emb_stream_open_mem(&s, "crc.gz", z, zn, &err), 0);
	while ((rc = emb_stream_read(s, back, 4096, &got, &err)) == 0)
		;
	assert_int_equal(rc, EMB_EFORMAT);
	emb_stream_abort(s);
	free(text);
	free(z);
	free(back);
}

static void test_long_line_grows(void **state)
{
	size_t big = 3u << 20;
	char *text = malloc(big + 3);
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	char *line;
	size_t len;
	(void)state;

	memset(text, 'x', big);
	memcpy(text + big, "\ny", 2);
	assert_int_equal(emb_stream_open_mem(&s, "big", text, big + 2, &err), 0);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_int_equal(len, big);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "y");
	emb_stream_abort(s);
	free(text);
}

static void test_read_full_truncated(void **state)
{
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	char b[8];
	(void)state;

	assert_int_equal(emb_stream_open_mem(&s, "bin", "abcdef", 6, &err), 0);
	assert_int_equal(emb_stream_read_full(s, b, 4, &err), 0);
	assert_int_equal(emb_stream_read_full(s, b, 4, &err), EMB_ETRUNC);
	assert_string_equal(err.msg, "bin: unexpected end of input at byte 6");
	emb_stream_abort(s);
}

/* A length that lies costs only what arrives: 5 MB asked of 6 bytes is a truncation, not an
 * allocation of 5 MB; an exact read and an empty one succeed; EOF before any byte is EMB_EOF. */
static void test_read_alloc(void **state)
{
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	unsigned char *p;
	(void)state;

	assert_int_equal(emb_stream_open_mem(&s, "bin", "abcdef", 6, &err), 0);
	assert_int_equal(emb_stream_read_alloc(s, 0, &p, "x", &err), 0);
	assert_non_null(p);
	free(p);
	assert_int_equal(emb_stream_read_alloc(s, 2, &p, "x", &err), 0);
	assert_memory_equal(p, "ab", 2);
	free(p);
	assert_int_equal(emb_stream_read_alloc(s, (uint64_t)5 << 20, &p, "x", &err), EMB_ETRUNC);
	assert_null(p);
	assert_string_equal(err.msg, "bin: unexpected end of input at byte 6");
	assert_int_equal(emb_stream_read_alloc(s, 1, &p, "x", &err), EMB_EOF);
	assert_null(p);
	emb_stream_abort(s);
}

static void test_out_atomic_and_gzip(void **state)
{
	char dir[] = "/tmp/emb_out_XXXXXX", path[64], line_buf[64];
	struct emb_out *o;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_stream *s;
	char *line;
	size_t len;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/x.txt.gz", dir);
	assert_int_equal(emb_out_open(&o, path, &oo, &err), 0);
	assert_int_equal(emb_out_write(o, "kept\n", 5, &err), 0);
	assert_int_equal(access(path, F_OK), -1);     /* nothing visible before commit */
	assert_int_equal(emb_out_commit(o, &err), 0);
	assert_int_equal(emb_stream_open(&s, path, &err), 0);
	assert_true(emb_stream_is_gzip(s));
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "kept");
	emb_stream_abort(s);

	assert_int_equal(emb_out_open(&o, path, &oo, &err), 0);  /* aborted rewrite keeps the old */
	assert_int_equal(emb_out_write(o, "lost\n", 5, &err), 0);
	emb_out_abort(o);
	assert_int_equal(emb_stream_open(&s, path, &err), 0);
	assert_int_equal(emb_stream_getline(s, &line, &len, &err), 0);
	assert_string_equal(line, "kept");
	emb_stream_abort(s);
	unlink(path);
	snprintf(line_buf, sizeof line_buf, "%s", dir);
	assert_int_equal(rmdir(line_buf), 0);           /* and no temporary file is left */
}

static void test_out_dev_full(void **state)
{
	struct emb_out *o;
	struct emb_err err = EMB_ERR_INIT;
	static char block[EMB_OUT_BLOCK];
	(void)state;

	assert_int_equal(emb_out_open(&o, "/dev/full", NULL, &err), 0);
	assert_int_equal(emb_out_write(o, block, sizeof block, &err), 0);
	assert_int_equal(emb_out_write(o, "x", 1, &err), EMB_EIO);
	assert_string_equal(err.msg, "/dev/full: write error: No space left on device");
	emb_out_abort(o);
	assert_int_equal(emb_out_open(&o, "/dev/full", NULL, &err), 0);
	assert_int_equal(emb_out_write(o, "x", 1, &err), 0);
	assert_int_equal(emb_out_commit(o, &err), EMB_EIO);
}

/* Temporary names say host and PID; the sweep removes only stale ones of a dead process. */
static void test_tmp_names_and_sweep(void **state)
{
	char dir[] = "/tmp/emb_tmp_XXXXXX", path[96], host[65], mine[160], dead[160], young[160];
	struct timespec old[2] = { { 0, 0 }, { 0, 0 } };
	char *t;
	pid_t child;
	(void)state;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/out.pack", dir);
	t = emb_tmp_template(path);
	assert_non_null(t);
	assert_int_equal(gethostname(host, sizeof host), 0);
	host[sizeof host - 1] = 0;
	for (char *p = host; *p; p++)
		if (*p == '.')
			*p = '_';
	snprintf(mine, sizeof mine, "%s/.out.pack.embkit.%s.%ld.XXXXXX", dir, host, (long)getpid());
	assert_string_equal(t, mine);
	free(t);
	if ((child = fork()) == 0)
		_exit(0);
	assert_true(child > 0);
	assert_int_equal(waitpid(child, NULL, 0), child);
	snprintf(dead, sizeof dead, "%s/.a.embkit.%s.%ld.Ab12Cd", dir, host, (long)child);
	snprintf(young, sizeof young, "%s/.b.embkit.%s.%ld.Ab12Cd", dir, host, (long)child);
	snprintf(mine, sizeof mine, "%s/.c.embkit.%s.%ld.Ab12Cd", dir, host, (long)getpid());
	for (int i = 0; i < 3; i++) {
		const char *f = i == 0 ? dead : i == 1 ? young : mine;
		FILE *fp = fopen(f, "w");
		assert_non_null(fp);
		fclose(fp);
		if (i != 1)
			assert_int_equal(utimensat(AT_FDCWD, f, old, 0), 0); /* 1970: stale by age */
	}
	assert_int_equal(emb_tmp_sweep(path), 1);
	assert_int_equal(access(dead, F_OK), -1);
	assert_int_equal(access(young, F_OK), 0);
	assert_int_equal(access(mine, F_OK), 0);
	assert_int_equal(emb_tmp_sweep(path), 0); /* once per directory */
	unlink(young);
	unlink(mine);
	assert_int_equal(rmdir(dir), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines_plain),
		cmocka_unit_test(test_gzip_multi_member),
		cmocka_unit_test(test_gzip_truncated_and_corrupt),
		cmocka_unit_test(test_gzip_large_members_every_cut),
		cmocka_unit_test(test_long_line_grows),
		cmocka_unit_test(test_read_full_truncated),
		cmocka_unit_test(test_read_alloc),
		cmocka_unit_test(test_out_atomic_and_gzip),
		cmocka_unit_test(test_out_dev_full),
		cmocka_unit_test(test_tmp_names_and_sweep),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
