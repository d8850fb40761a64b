/* Unit tests of the PACK writer/reader (round trip, truncation, corruption) and the npz writer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <libdeflate.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_npz.h"
#include "emb_pack.h"
#include "unit_tmpdir.h"

static void make_batch(struct emb_batch *b, uint64_t number, int seed, bool batch_first)
{
	int32_t ids[6][5];
	const int32_t *seq[6];
	size_t len[6];
	int64_t pos[6];
	struct emb_err err = EMB_ERR_INIT;

	for (int i = 0; i < 6; i++) {
		len[i] = (size_t)(1 + (i * 3 + seed) % 5);
		pos[i] = 100 * seed + i;
		seq[i] = ids[i];
		for (int t = 0; t < 5; t++)
			ids[i][t] = seed * 50 + i * 5 + t;
	}
	assert_int_equal(emb_batch_fill(b, seq, len, pos, 6, batch_first, false, -1, "m", &err), 0);
	b->number = number;
}

/* Write 3 batches (with vectors of dim 2) to PATH; returns the batches' total tokens. */
static size_t write_file(const char *path, int level)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_pack_header h = { true, false, -1, 2 };
	struct emb_pack_totals tot = { 0, 0, 0, 0, 0, 0 };
	struct emb_batch b = EMB_BATCH_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_out *out;

	oo.flags = level ? EMB_OUT_GZIP : 0;
	oo.level = level;
	assert_int_equal(emb_out_open(&out, path, &oo, &err), 0);
	assert_int_equal(emb_pack_write_header(out, &h, &err), 0);
	for (int k = 0; k < 3; k++) {
		make_batch(&b, (uint64_t)k, k + 1, true);
		b.vectors = calloc(b.tokens * 2, sizeof *b.vectors);
		b.dim = 2;
		for (size_t i = 0; i < b.tokens * 2; i++)
			b.vectors[i] = (float)i * 0.5f + (float)k;
		assert_int_equal(emb_pack_write_batch(out, &b, &err), 0);
		tot.batches++;
		tot.sequences += b.n;
		tot.tokens += b.tokens;
		free(b.vectors);
		b.vectors = NULL;
	}
	assert_int_equal(emb_pack_write_end(out, &tot, &err), 0);
	assert_int_equal(emb_out_commit(out, &err), 0);
	emb_batch_release(&b);
	return tot.tokens;
}

static void test_round_trip(void **state)
{
	char path[96];
	struct emb_pack_reader *r;
	const struct emb_batch *got;
	struct emb_batch want = EMB_BATCH_INIT;
	struct emb_err err = EMB_ERR_INIT;
	(void)state;

	for (int level = 0; level <= 6; level += 6) {
		snprintf(path, sizeof path, "%s/rt%d.pack", dir, level);
		write_file(path, level);
		assert_int_equal(emb_pack_reader_open(&r, path, &err), 0);
		assert_true(emb_pack_reader_header(r)->batch_first);
		assert_int_equal(emb_pack_reader_header(r)->padding_idx, -1);
		assert_int_equal(emb_pack_reader_header(r)->dim, 2);
		for (int k = 0; k < 3; k++) {
			make_batch(&want, (uint64_t)k, k + 1, true);
			assert_int_equal(emb_pack_reader_next(r, &got, &err), 0);
			assert_int_equal(got->number, k);
			assert_int_equal(got->n, want.n);
			assert_int_equal(got->maxlen, want.maxlen);
			assert_memory_equal(got->index, want.index, want.n * 8);
			assert_memory_equal(got->sorted, want.sorted, want.n * 4);
			assert_memory_equal(got->padded, want.padded, emb_batch_cells(&want) * 4);
			assert_memory_equal(got->data, want.data, want.tokens * 4);
			assert_memory_equal(got->batch_sizes, want.batch_sizes, want.maxlen * 4);
			assert_true(got->vectors[3] == 1.5f + (float)k);
		}
		assert_int_equal(emb_pack_reader_next(r, &got, &err), EMB_EOF);
		assert_int_equal(emb_pack_reader_close(r, &err), 0);
	}
	emb_batch_release(&want);
}

/* Cut the file at PATH to N bytes and return the reader's error message. */
static int read_cut(const char *path, long n, char *msg, size_t cap)
{
	char cut[128];
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	struct emb_err err = EMB_ERR_INIT;
	FILE *f = fopen(path, "rb"), *g;
	char *buf = malloc((size_t)n + 1);
	int rc;

	snprintf(cut, sizeof cut, "%s.cut", path);
	assert_non_null(f);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	g = fopen(cut, "wb");
	fwrite(buf, 1, (size_t)n, g);
	fclose(g);
	free(buf);
	if ((rc = emb_pack_reader_open(&r, cut, &err)) == 0) {
		while ((rc = emb_pack_reader_next(r, &b, &err)) == 0)
			;
		emb_pack_reader_abort(r);
	}
	snprintf(msg, cap, "%s", strchr(err.msg, ' ') ? strchr(err.msg, ' ') + 1 : err.msg);
	return rc;
}

static long file_size(const char *path)
{
	FILE *f = fopen(path, "rb");
	long size;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	size = ftell(f);
	fclose(f);
	return size;
}

static void test_truncated(void **state)
{
	char path[96], msg[sizeof ((struct emb_err *)0)->msg];
	long size;
	(void)state;

	snprintf(path, sizeof path, "%s/t.pack", dir);
	write_file(path, 0);
	size = file_size(path);
	assert_int_equal(read_cut(path, size - 1, msg, sizeof msg), EMB_ETRUNC);
	assert_string_equal(msg, "batch 3 truncated");
	assert_int_equal(read_cut(path, size - 48, msg, sizeof msg), EMB_ETRUNC);
	assert_string_equal(msg, "truncated after batch 2 (no end record)");
	assert_int_equal(read_cut(path, 32 + 60, msg, sizeof msg), EMB_ETRUNC);
	assert_string_equal(msg, "batch 0 truncated");
	assert_int_equal(read_cut(path, 32, msg, sizeof msg), EMB_ETRUNC);
	assert_string_equal(msg, "truncated after the file header (no end record)");
	assert_int_equal(read_cut(path, 20, msg, sizeof msg), EMB_ETRUNC);
	assert_int_equal(read_cut(path, 0, msg, sizeof msg), EMB_EFORMAT);
	assert_string_equal(msg, "not a PACK file");
	snprintf(path, sizeof path, "%s/tz.pack", dir);
	write_file(path, 6);
	size = file_size(path);
	assert_int_equal(read_cut(path, size / 2, msg, sizeof msg), EMB_ETRUNC);
	assert_non_null(strstr(msg, "truncated"));
}

static void test_corrupt(void **state)
{
	char path[96];
	struct emb_pack_reader *r;
	const struct emb_batch *b;
	struct emb_err err = EMB_ERR_INIT;
	FILE *f;
	(void)state;

	snprintf(path, sizeof path, "%s/c.pack", dir);
	write_file(path, 0);
	f = fopen(path, "r+b");
	fseek(f, 32 + 48 + 9, SEEK_SET);
	fputc(0x55, f);
	fclose(f);
	assert_int_equal(emb_pack_reader_open(&r, path, &err), 0);
	assert_int_equal(emb_pack_reader_next(r, &b, &err), EMB_EFORMAT);
	assert_non_null(strstr(err.msg, "batch 0: bad payload CRC"));
	emb_pack_reader_abort(r);
}

/* Write one batch, damaged by CASE after it was filled, and return the reader's message. */
static int read_damaged(int which, char *msg, size_t cap)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_pack_header h = { false, false, -1, 0 };
	struct emb_pack_totals tot = { 1, 6, 0, 0, 0, 0 };
	struct emb_batch b = EMB_BATCH_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_pack_reader *r;
	const struct emb_batch *got;
	struct emb_out *out;
	char path[96];
	int rc;

	snprintf(path, sizeof path, "%s/d%d.pack", dir, which);
	oo.level = 0;
	make_batch(&b, 0, 2, false);
	tot.tokens = b.tokens;
	switch (which) {
	case 0: b.index[3] = -1; break;
	case 1: b.index[4] = b.index[1]; break;
	case 2: b.padded[b.n]++; break;                /* step 1 of sequence 0 (length 3) */
	case 3: b.data[b.tokens - 1]++; break;
	case 4: b.padded[(b.maxlen - 1) * b.n + (size_t)b.sorted[b.n - 1]] = 7; break;
	case 5: b.batch_sizes[b.maxlen - 1]--; b.batch_sizes[0]++; break;
	}
	assert_int_equal(emb_out_open(&out, path, &oo, &err), 0);
	assert_int_equal(emb_pack_write_header(out, &h, &err), 0);
	assert_int_equal(emb_pack_write_batch(out, &b, &err), 0);
	assert_int_equal(emb_pack_write_end(out, &tot, &err), 0);
	assert_int_equal(emb_out_commit(out, &err), 0);
	emb_batch_release(&b);
	if (which >= 6) { /* a reserved field of the file header, a batch record, the end record */
		static const long at[] = { 24, 32 + 12, -48 + 12 };
		long o = at[which - 6], base = o < 0 ? file_size(path) - 48 : o < 32 ? 0 : 32;
		unsigned char buf[48];
		size_t hlen = base == 0 ? 28 : 44;
		FILE *f = fopen(path, "r+b");

		o = o < 0 ? file_size(path) + o : o;
		assert_non_null(f);
		fseek(f, base, SEEK_SET);
		assert_int_equal(fread(buf, 1, hlen, f), hlen);
		buf[o - base] = 1;
		uint32_t c = (uint32_t)libdeflate_crc32(0, buf, hlen);
		for (int i = 0; i < 4; i++)
			buf[hlen + (size_t)i] = (unsigned char)(c >> (8 * i));
		fseek(f, base, SEEK_SET);
		assert_int_equal(fwrite(buf, 1, hlen + 4, f), hlen + 4);
		fclose(f);
	}
	if ((rc = emb_pack_reader_open(&r, path, &err)) == 0) {
		while ((rc = emb_pack_reader_next(r, &got, &err)) == 0)
			;
		emb_pack_reader_abort(r);
	}
	snprintf(msg, cap, "%s", strchr(err.msg, ' ') ? strchr(err.msg, ' ') + 1 : err.msg);
	return rc;
}

/* Records whose CRCs hold but whose contents contradict each other or the format. */
static void test_inconsistent(void **state)
{
	static const char *const want[] = {
		"batch 0: negative index",
		"batch 0: index repeats a line",
		"batch 0: padded and data disagree",
		"batch 0: padded and data disagree",
		"batch 0: padded holds an id after the end of a sequence",
		"batch 0: batch_sizes do not match the lengths",
		"bad file header: reserved field is not 0",
		"batch 0: reserved field is not 0",
		"batch 1: end record: reserved fields are not 0",
	};
	char msg[sizeof ((struct emb_err *)0)->msg];
	(void)state;

	assert_int_equal(read_damaged(-1, msg, sizeof msg), EMB_EOF); /* undamaged */
	for (int k = 0; k < (int)(sizeof want / sizeof *want); k++) {
		assert_int_equal(read_damaged(k, msg, sizeof msg), EMB_EFORMAT);
		assert_string_equal(msg, want[k]);
	}
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void test_npz_layout(void **state)
{
	char path[96];
	struct emb_batch b = EMB_BATCH_INIT;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	unsigned char *buf = malloc(1 << 16);
	const unsigned char *end, *cd;
	size_t n, entries;
	FILE *f;
	(void)state;

	make_batch(&b, 7, 2, false);
	assert_int_equal(emb_npz_write_batch(dir, &b, &oo, &err), 0);
	snprintf(path, sizeof path, "%s/batch-000007.npz", dir);
	f = fopen(path, "rb");
	assert_non_null(f);
	n = fread(buf, 1, 1 << 16, f);
	fclose(f);
	end = buf + n - 22;
	assert_int_equal(le32(end), 0x06054b50);
	entries = (size_t)(end[10] | end[11] << 8);
	assert_int_equal(entries, 7);
	cd = buf + le32(end + 16);
	for (size_t i = 0; i < entries; i++) {
		const unsigned char *lh = buf + le32(cd + 42), *npy;
		size_t name_len = (size_t)(cd[28] | cd[29] << 8), size = le32(cd + 20), hlen;
		assert_int_equal(le32(cd), 0x02014b50);
		assert_int_equal(le32(lh), 0x04034b50);
		assert_int_equal(cd[10], 0);                 /* stored */
		npy = lh + 30 + name_len;
		assert_memory_equal(npy, "\x93NUMPY\x01\x00", 8);
		hlen = (size_t)(npy[8] | npy[9] << 8);
		assert_int_equal((10 + hlen) % 64, 0);
		assert_int_equal(npy[10 + hlen - 1], '\n');
		assert_int_equal(libdeflate_crc32(0, npy, size), le32(cd + 16));
		if (i == 0) {
			assert_memory_equal(lh + 30, "padded.npy", 10);
			char hdr[256];
			memcpy(hdr, npy + 10, hlen);
			hdr[hlen] = 0;
			assert_non_null(strstr(hdr, "'shape': (5, 6)"));
		}
		cd += 46 + name_len;
	}
	emb_batch_release(&b);
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupt),
		cmocka_unit_test(test_inconsistent),
		cmocka_unit_test(test_npz_layout),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
