/*
 * Unit tests of emb_gzin against emb_out's gzip members: sized members decoded on workers give
 * the same bytes and the same errors as the serial path; a member without our size field
 * (zlib's) continues serially; a cut file is truncated, a flipped byte and a lying size are
 * corrupt (different faults, told apart on every thread count).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "embkit.h"
#include "emb_gzin.h"
#include "unit_tmpdir.h"

static size_t le32(const unsigned char *p)
{
	return (size_t)p[0] | (size_t)p[1] << 8 | (size_t)p[2] << 16 | (size_t)p[3] << 24;
}

/* N bytes of compressible, varied text. */
static unsigned char *text(size_t n, uint32_t seed)
{
	unsigned char *t = malloc(n);

	assert_non_null(t);
	for (size_t i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		t[i] = (seed >> 16) % 9 == 0 ? '\n' : (unsigned char)('a' + (seed >> 20) % 7);
	}
	return t;
}

/* Write T (n bytes) to PATH as emb_out gzip at LEVEL; extra = a zlib member appended. */
static void write_gz(const char *path, const unsigned char *t, size_t n, int level,
		     const unsigned char *extra, size_t extra_n)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_out *o;
	struct emb_err err = EMB_ERR_INIT;

	oo.flags = EMB_OUT_GZIP;
	oo.level = level;
	assert_int_equal(emb_out_open(&o, path, &oo, &err), 0);
	assert_int_equal(emb_out_write(o, t, n, &err), 0);
	assert_int_equal(emb_out_commit(o, &err), 0);
	if (extra_n) {
		unsigned char *z = malloc(extra_n + 1024);
		uLongf zn = extra_n + 1024;
		FILE *f = fopen(path, "ab");
		z_stream s;

		memset(&s, 0, sizeof s);
		assert_int_equal(deflateInit2(&s, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
		s.next_in = (unsigned char *)extra;
		s.avail_in = (uInt)extra_n;
		s.next_out = z;
		s.avail_out = (uInt)zn;
		assert_int_equal(deflate(&s, Z_FINISH), Z_STREAM_END);
		zn = s.total_out;
		deflateEnd(&s);
		assert_non_null(f);
		assert_int_equal(fwrite(z, 1, zn, f), zn);
		fclose(f);
		free(z);
	}
}

/* Decode PATH with THREADS: rc of the last call, the bytes in *out (caller frees). */
static int read_all(const char *path, int threads, unsigned char **out, size_t *n, char msg[1024])
{
	struct emb_gzin *g;
	struct emb_err err = EMB_ERR_INIT;
	const unsigned char *p;
	size_t k, cap = 1 << 20;
	int rc;

	*out = malloc(cap);
	*n = 0;
	assert_int_equal(emb_gzin_open(&g, path, threads, &err), 0);
	assert_non_null(g);
	while ((rc = emb_gzin_next(g, &p, &k, &err)) == 0) {
		assert_true(k > 0);
		if (*n + k > cap) {
			cap = 2 * (*n + k);
			*out = realloc(*out, cap);
		}
		memcpy(*out + *n, p, k);
		*n += k;
	}
	if (msg)
		snprintf(msg, 1024, "%s", rc < 0 ? err.msg : "");
	emb_gzin_close(g);
	return rc;
}

static void test_members_parallel_and_serial(void **state)
{
	size_t n = 5 * (1 << 20) + 12345, tail_n = 300000, got;
	unsigned char *t = text(n + tail_n, 7), *back;
	char path[64];
	int levels[] = { 1, 6 };
	(void)state;

	snprintf(path, sizeof path, "%s/a.gz", dir);
	for (int l = 0; l < 2; l++) {
		write_gz(path, t, n, levels[l], t + n, tail_n); /* 6 sized members + one of zlib's */
		for (int t3 = 0; t3 < 3; t3++) { /* one per core, serial, 4 workers */
			assert_int_equal(read_all(path, t3 == 2 ? 4 : t3, &back, &got, NULL), EMB_EOF);
			assert_int_equal(got, n + tail_n);
			assert_memory_equal(back, t, n + tail_n);
			free(back);
		}
	}
	free(t);
}

static void test_damage_reads_the_same_on_any_thread_count(void **state)
{
	size_t n = 3 * (1 << 20), zn, got1, got4;
	unsigned char *t = text(n, 11), *z, *b1, *b4;
	char path[64], cut[64], m1[1024], m4[1024];
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/b.gz", dir);
	snprintf(cut, sizeof cut, "%s/cut.gz", dir);
	write_gz(path, t, n, 1, NULL, 0);
	f = fopen(path, "rb");
	assert_non_null(f);
	z = malloc(n);
	zn = fread(z, 1, n, f);
	fclose(f);
	/* every cut: a whole prefix of members, then "truncated", as serial does */
	for (size_t at = 1; at < zn; at += zn / 37) {
		int rc1, rc4;

		f = fopen(cut, "wb");
		assert_int_equal(fwrite(z, 1, zn - at, f), zn - at);
		fclose(f);
		rc1 = read_all(cut, 1, &b1, &got1, m1);
		rc4 = read_all(cut, 4, &b4, &got4, m4);
		assert_int_equal(rc1, EMB_ETRUNC);
		assert_non_null(strstr(m1, "truncated gzip input"));
		assert_int_equal(rc4, rc1);
		assert_string_equal(m4, m1);
		assert_int_equal(got4, got1);
		assert_true(got1 < n && got1 % (1 << 20) == 0);
		assert_memory_equal(b4, t, got4);
		free(b1);
		free(b4);
	}
	/* a flipped byte inside the second member's data; then a size field that lies */
	for (int k = 0; k < 2; k++) {
		unsigned char *d = malloc(zn);
		size_t second = le32(z + 16);

		memcpy(d, z, zn);
		if (k == 0)
			d[second + 5000] ^= 0x5a;
		else
			d[second + 16] = (unsigned char)(d[second + 16] + 1); /* one byte of the next member */
		f = fopen(cut, "wb");
		assert_int_equal(fwrite(d, 1, zn, f), zn);
		fclose(f);
		for (int threads = 1; threads <= 4; threads += 3) {
			assert_int_equal(read_all(cut, threads, &b4, &got4, m4), EMB_EFORMAT);
			assert_int_equal(got4, 1 << 20); /* the first member still came out */
			snprintf(m1, sizeof m1, "%s: corrupt gzip input (%s in the member at byte %zu)",
				 cut, k == 0 ? "CRC mismatch" : "member size field disagrees", second);
			if (k == 0 && !strstr(m4, "CRC mismatch")) /* a flip may break the data first */
				snprintf(m1, sizeof m1, "%s: corrupt gzip input (bad data in the member "
					 "at byte %zu)", cut, second);
			assert_string_equal(m4, m1);
			free(b4);
		}
		free(d);
	}
	free(z);
	free(t);
}

/* Read PATH through emb_stream: rc of the last read, the bytes in *out (caller frees). */
static int stream_all(const char *path, unsigned char **out, size_t *n, char msg[1024])
{
	struct emb_stream *s;
	struct emb_err err = EMB_ERR_INIT;
	size_t got, cap = 1 << 20;
	int rc;

	*out = malloc(cap);
	*n = 0;
	assert_int_equal(emb_stream_open(&s, path, &err), 0);
	assert_true(emb_stream_is_gzip(s));
	for (;;) {
		if (*n == cap)
			*out = realloc(*out, cap *= 2);
		if ((rc = emb_stream_read(s, *out + *n, cap - *n, &got, &err)) != 0)
			break;
		*n += got;
	}
	snprintf(msg, 1024, "%s", rc < 0 ? err.msg : "");
	emb_stream_abort(s);
	return rc;
}

/*
 * emb_stream opened by path hands our sized members to emb_gzin (its messages name the member)
 * and takes over with its own inflater at a member too big for emb_gzin; a cut is truncated
 * and a flipped CRC byte corrupt, through the stream too.
 */
static void test_stream_reads_our_members_through_gzin(void **state)
{
	size_t n = 2 * (1 << 20) + 777, big = EMB_GZIN_MAX + 4096, got, zn;
	unsigned char *t = text(n, 5), *all = malloc(n + big), *back, *z;
	char path[64], cut[64], msg[1024], want[1024];
	FILE *f;
	(void)state;

	assert_non_null(all);
	memcpy(all, t, n);
	for (size_t i = 0; i < big; i++)
		all[n + i] = i % 64 == 63 ? '\n' : (unsigned char)('a' + i % 5);
	snprintf(path, sizeof path, "%s/s.gz", dir);
	snprintf(cut, sizeof cut, "%s/s-cut.gz", dir);
	write_gz(path, t, n, 1, all + n, big); /* 3 sized members, then one emb_gzin leaves */
	assert_int_equal(stream_all(path, &back, &got, msg), EMB_EOF);
	assert_int_equal(got, n + big);
	assert_memory_equal(back, all, n + big);
	free(back);

	write_gz(path, t, n, 1, NULL, 0);
	f = fopen(path, "rb");
	z = malloc(n);
	zn = fread(z, 1, n, f);
	fclose(f);
	f = fopen(cut, "wb");
	assert_int_equal(fwrite(z, 1, zn - 100, f), zn - 100);
	fclose(f);
	assert_int_equal(stream_all(cut, &back, &got, msg), EMB_ETRUNC);
	assert_int_equal(got, 2 << 20);
	snprintf(want, sizeof want, "%s: truncated gzip input", cut);
	assert_string_equal(msg, want);
	free(back);
	z[le32(z + 16) - 7] ^= 0x21; /* the first member's CRC */
	f = fopen(cut, "wb");
	assert_int_equal(fwrite(z, 1, zn, f), zn);
	fclose(f);
	assert_int_equal(stream_all(cut, &back, &got, msg), EMB_EFORMAT);
	assert_int_equal(got, 0);
	snprintf(want, sizeof want, "%s: corrupt gzip input (CRC mismatch in the member at byte 0)",
		 cut);
	assert_string_equal(msg, want);
	free(back);
	free(z);
	free(all);
	free(t);
}

static void test_not_gzip_is_left_to_the_caller(void **state)
{
	struct emb_gzin *g = (struct emb_gzin *)1;
	struct emb_err err = EMB_ERR_INIT;
	char path[64];
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/plain.txt", dir);
	f = fopen(path, "wb");
	fputs("not gzip\n", f);
	fclose(f);
	assert_int_equal(emb_gzin_open(&g, path, 4, &err), 0);
	assert_null(g);
	assert_int_equal(emb_gzin_open(&g, "-", 4, &err), 0);
	assert_null(g);
	assert_int_equal(emb_gzin_open(&g, "/nonexistent/x.gz", 4, &err), 0);
	assert_null(g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_members_parallel_and_serial),
		cmocka_unit_test(test_damage_reads_the_same_on_any_thread_count),
		cmocka_unit_test(test_stream_reads_our_members_through_gzin),
		cmocka_unit_test(test_not_gzip_is_left_to_the_caller),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
