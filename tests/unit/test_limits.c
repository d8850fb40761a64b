/*
 * Lying headers: a file that claims 2^40 rows, 2^31 (or 2^20) columns or a terabyte batch but
 * holds a few bytes must be refused without allocating more than the bytes that arrived
 * justify.  Each reader runs in a child process whose address space is capped at its current
 * size plus CAP_MB (RLIMIT_AS counts malloc and mmap alike), so an allocation sized from the
 * header fails with EMB_ENOMEM, which the test rejects: the refusal must be a format, limit or
 * truncation error.  Under AddressSanitizer (whose shadow memory does not fit an RLIMIT_AS cap)
 * the reader runs in-process with ASan's own per-allocation cap instead.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <libdeflate.h>

#include "embkit.h"
#include "emb_format.h"
#include "emb_pack.h"
#include "internal.h"

#define CAP_MB 256

#if defined(__SANITIZE_ADDRESS__)
#define UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define UNDER_ASAN 1
#endif
#endif
#ifndef UNDER_ASAN
#define UNDER_ASAN 0
#endif

#if UNDER_ASAN
const char *__asan_default_options(void);
const char *__asan_default_options(void)
{
	return "allocator_may_return_null=1:max_allocation_size_mb=256";
}
#endif

struct input {
	const unsigned char *p;
	size_t n;
	const char *path;               /* a file holding the bytes, for path readers */
	const struct emb_format *fmt;   /* table readers */
};

typedef int (*reader_fn)(const struct input *in, struct emb_err *err);

static int read_mem(const struct input *in, struct emb_err *err)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_stream *s = NULL;
	struct emb_table *t = NULL;
	int rc;

	if ((rc = emb_stream_open_mem(&s, "lying", in->p, in->n, err)) < 0)
		return rc;
	rc = in->fmt->read(&t, s, &o, err);
	emb_stream_abort(s);
	emb_table_free(t);
	return rc;
}

static int read_path(const struct input *in, struct emb_err *err)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_table *t = NULL;
	int rc = emb_table_load(&t, in->path, in->fmt, &o, err);

	emb_table_free(t);
	return rc;
}

static int read_pack(const struct input *in, struct emb_err *err)
{
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	int rc;

	if ((rc = emb_pack_reader_open(&r, in->path, err)) < 0)
		return rc;
	while ((rc = emb_pack_reader_next(r, &b, err)) == 0)
		;
	emb_pack_reader_abort(r);
	return rc;
}

/* Virtual size of this process in bytes (/proc/self/statm, first field in pages). */
static size_t vm_size(void)
{
	unsigned long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%lu", &pages), 1);
	fclose(f);
	return (size_t)pages * (size_t)sysconf(_SC_PAGESIZE);
}

/* Run FN on IN under the memory cap; returns its result code (0 or a negative EMB_E*). */
static int capped(reader_fn fn, const struct input *in)
{
	struct emb_err err = EMB_ERR_INIT;
	int st, rc;
	pid_t pid;

	if (UNDER_ASAN) {
		rc = fn(in, &err);
		if (rc < 0)
			assert_true(err.msg[0] != 0);
		return rc;
	}
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl;
		rl.rlim_cur = rl.rlim_max = vm_size() + ((size_t)CAP_MB << 20);
		if (setrlimit(RLIMIT_AS, &rl) < 0)
			_exit(99);
		rc = fn(in, &err);
		if (rc < 0 && err.msg[0] == 0)
			_exit(98);
		if (rc < 0)
			fprintf(stderr, "# %s\n", err.msg);
		_exit(rc < 0 ? -rc : rc == 0 ? 0 : 97);
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_true(WEXITSTATUS(st) < 90);
	return -WEXITSTATUS(st);
}

/* Refused, and not for want of memory. */
static void expect_refused(reader_fn fn, const struct input *in)
{
	int rc = capped(fn, in);

	assert_true(rc < 0);
	assert_int_not_equal(rc, EMB_ENOMEM);
}

static char *temp_file(const unsigned char *p, size_t n)
{
	const char *dir = getenv("TMPDIR");
	char *path = malloc(4096);
	int fd;

	assert_non_null(path);
	snprintf(path, 4096, "%s/test_limits.XXXXXX", dir && *dir ? dir : "/tmp");
	assert_true((fd = mkstemp(path)) >= 0);
	assert_int_equal(write(fd, p, n), (ssize_t)n);
	close(fd);
	return path;
}

static void text_case(const struct emb_format *fmt, const char *text)
{
	struct input in = { (const unsigned char *)text, strlen(text), NULL, fmt };
	expect_refused(read_mem, &in);
}

static void test_word2vec_text_lying_header(void **state)
{
	(void)state;
	text_case(&emb_format_word2vec, "1099511627776 2147483648\na 1 2\n");
	text_case(&emb_format_word2vec, "1099511627776 1048576\na 1 2\n");
	text_case(&emb_format_word2vec, "18446744073709551615 18446744073709551615\na 1\n");
}

static void test_word2vec_bin_lying_header(void **state)
{
	(void)state;
	text_case(&emb_format_word2vec_bin, "1099511627776 2147483648\na \x01\x02\x03\x04");
	text_case(&emb_format_word2vec_bin, "1099511627776 1048576\na \x01\x02\x03\x04\n");
}

/*
 * An EMB file of ROWS x DIM whose sections stop after the TOKS header, which claims
 * TOKS_LEN payload bytes (see formats/embbin.c: 64-byte header with CRC, 16-byte section
 * headers placed so each payload starts at a multiple of 64).
 */
static size_t emb_lying(unsigned char *b, uint64_t rows, uint64_t dim, uint64_t toks_len)
{
	static const unsigned char magic[8] = { 0x89, 'E', 'M', 'B', '\r', '\n', 0x1a, '\n' };
	unsigned char meta[4] = { 0 };

	memset(b, 0, 256);
	memcpy(b, magic, 8);
	emb_put_le32(b + 8, 1);
	emb_put_le32(b + 12, 1);            /* f32 */
	emb_put_le64(b + 16, rows);
	emb_put_le64(b + 24, dim);
	emb_put_le64(b + 32, UINT64_MAX);    /* padding_idx -1 */
	emb_put_le32(b + 44, 6);
	emb_put_le32(b + 60, (uint32_t)libdeflate_crc32(0, b, 60));
	memcpy(b + 112, "META", 4);          /* payload at 128 */
	emb_put_le32(b + 116, (uint32_t)libdeflate_crc32(0, meta, 4));
	emb_put_le64(b + 120, 4);
	memcpy(b + 176, "TOKS", 4);          /* META ends at 132; TOKS payload at 192 */
	emb_put_le64(b + 184, toks_len);
	return 192;
}

static void emb_case(uint64_t rows, uint64_t dim, uint64_t toks_len)
{
	unsigned char b[256];
	size_t n = emb_lying(b, rows, dim, toks_len);
	char *path = temp_file(b, n);
	struct input mem = { b, n, NULL, &emb_format_emb }, file = { b, n, path, &emb_format_emb };

	expect_refused(read_mem, &mem);    /* streamed: gzip, pipes */
	expect_refused(read_path, &file);  /* mapped raw file */
	unlink(path);
	free(path);
}

static void test_emb_lying_header(void **state)
{
	(void)state;
	emb_case((uint64_t)1 << 40, (uint64_t)1 << 31, 16);
	emb_case((uint64_t)1 << 40, (uint64_t)1 << 20, 16);
	emb_case((uint64_t)1 << 40, 4, (uint64_t)1 << 40);
	emb_case(1, 4, (uint64_t)1 << 59);
}

/* A PACK file header and one batch record header of B x T with N tokens, payload absent. */
static size_t pack_lying(unsigned char *p, uint32_t b, uint32_t t, uint64_t n)
{
	uint64_t payload = 8 * (uint64_t)b + 12 * (uint64_t)b + 4 * (uint64_t)t +
			   4 * (uint64_t)b * t + 4 * n;

	memset(p, 0, 80);
	memcpy(p, "EMBPACK", 8);
	emb_put_le32(p + 8, 1);
	emb_put_le32(p + 28, (uint32_t)libdeflate_crc32(0, p, 28));
	memcpy(p + 32, "EPKB", 4);
	emb_put_le32(p + 36, b);
	emb_put_le32(p + 40, t);
	emb_put_le64(p + 48, 0);             /* batch number */
	emb_put_le64(p + 56, n);
	emb_put_le64(p + 64, payload);
	emb_put_le32(p + 76, (uint32_t)libdeflate_crc32(0, p + 32, 44));
	return 80;
}

static void pack_case(uint32_t b, uint32_t t, uint64_t n)
{
	unsigned char p[80];
	size_t len = pack_lying(p, b, t, n);
	char *path = temp_file(p, len);
	struct input in = { p, len, path, NULL };

	expect_refused(read_pack, &in);
	unlink(path);
	free(path);
}

static void test_pack_lying_header(void **state)
{
	(void)state;
	pack_case(1u << 15, 1u << 15, 1u << 15);      /* 4 GiB of padded ids */
	pack_case(1u << 19, 1u << 19, 1u << 19);      /* 1 TiB: over the format's limit */
	pack_case(UINT32_MAX, UINT32_MAX, UINT64_MAX); /* overflowing sizes */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_word2vec_text_lying_header),
		cmocka_unit_test(test_word2vec_bin_lying_header),
		cmocka_unit_test(test_emb_lying_header),
		cmocka_unit_test(test_pack_lying_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
