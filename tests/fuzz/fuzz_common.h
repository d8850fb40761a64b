/*
 * Shared by the libFuzzer harnesses (tests/fuzz/fuzz_*.c): readers that take a path (the
 * vocabulary loader, the PACK reader, the mapped raw EMB reader) get the input through an
 * anonymous memory file named "/proc/self/fd/N", so every run is one write into memory and
 * no file is left behind on a crash.
 */
#ifndef FUZZ_COMMON_H
#define FUZZ_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * A memory file holding data[0..size); *path receives its /proc name.  The descriptor is kept
 * open by the caller (fuzz_file_close) so the path stays valid.  Aborts if the system refuses:
 * a harness that cannot set up must not pass silently.
 */
static inline int fuzz_file(const uint8_t *data, size_t size, char *path, size_t cap)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		abort();
	while (off < size) {
		ssize_t k = write(fd, data + off, size - off);
		if (k <= 0)
			abort();
		off += (size_t)k;
	}
	snprintf(path, cap, "/proc/self/fd/%d", fd);
	return fd;
}

static inline void fuzz_file_close(int fd)
{
	close(fd);
}

#include <libdeflate.h>
#include <math.h>
#include <string.h>

#include "emb_format.h"
#include "emb_subword.h"
#include "emb_table.h"
#include "internal.h"

/*
 * CRC fix-ups.  PACK and EMB protect every header and section with a CRC-32, so nearly every
 * mutation dies at the first check and the code behind it goes unfuzzed.  These rewrite the
 * CRCs of a (mutated) copy so that it passes them; harnesses run both the input as it is
 * and the fixed copy.  They follow the layouts of formats/PACK.md and formats/embbin.c and
 * stop at the first record or section that does not fit in the input.
 */
static inline uint32_t fuzz_crc(const uint8_t *p, size_t n)
{
	return (uint32_t)libdeflate_crc32(0, p, n);
}

static inline void fuzz_fix_pack(uint8_t *p, size_t n)
{
	size_t off = 32;

	if (n < 32)
		return;
	emb_put_le32(p + 28, fuzz_crc(p, 28));
	while (n - off >= 48) {
		uint8_t *h = p + off;
		uint64_t payload = emb_le64(h + 32);
		size_t avail = n - off - 48;
		if (memcmp(h, "EPKB", 4) == 0)
			emb_put_le32(h + 40, fuzz_crc(h + 48, payload < avail ? (size_t)payload : avail));
		emb_put_le32(h + 44, fuzz_crc(h, 44));
		if (memcmp(h, "EPKB", 4) != 0 || payload > avail)
			break;
		off += 48 + (size_t)payload;
	}
}

static inline void fuzz_fix_emb(uint8_t *p, size_t n)
{
	uint64_t pos = 64;
	int s;

	if (n < 64)
		return;
	emb_put_le32(p + 60, fuzz_crc(p, 60));
	/* 6 sections, or 8 when flag bit 1 adds SUBW and NGRM after the matrix */
	for (s = 0; s < (p[40] & 2 ? 8 : 6); s++) {
		uint64_t at = (pos + 16 + 63) / 64 * 64, len;
		if (at > n)
			return;
		len = emb_le64(p + at - 8);
		emb_put_le32(p + at - 12, fuzz_crc(p + at, len < n - at ? (size_t)len : (size_t)(n - at)));
		if (len > n - at)
			return;
		pos = at + len;
	}
}

/* RUN on DATA as it is, then on a copy with FIX applied (when that changed anything). */
static inline void fuzz_with_fixed(const uint8_t *data, size_t size, void (*fix)(uint8_t *, size_t),
				   void (*run)(const uint8_t *, size_t))
{
	uint8_t *c = malloc(size ? size : 1);

	if (!c)
		abort();
	memcpy(c, data, size);
	fix(c, size);
	run(data, size);
	if (memcmp(c, data, size) != 0)
		run(c, size);
	free(c);
}

/*
 * Walk every row of a table a reader returned: the token of row i must follow the token rule
 * (emb_token.h), look up to row i and every value be readable and finite.  A mapped raw EMB
 * table is checked for structure and tokens only at open (its matrix and hash index are not
 * scanned: that keeps opening cheap), so for it a lookup need only land on some row or miss,
 * and values may be anything.
 * A broken invariant aborts, so libFuzzer reports it like a crash.
 */
static inline void fuzz_walk_table(const struct emb_table *t, int check_finite)
{
	int mapped = emb_table_is_mapped(t);

	size_t i, j, n;
	float acc = 0;

	for (i = 0; i < t->rows; i++) {
		const char *tok = emb_table_token(t, i, &n);
		long at = emb_table_find(t, tok, n);
		if (tok[n] != 0 || at < -1 || at >= (long)t->rows || (!mapped && at != (long)i) ||
		    emb_token_fault(tok, n, 0))
			abort();
		(void)emb_table_count(t, i);
		for (j = 0; j < t->dim; j++) {
			float v = emb_table_row(t, i)[j];
			if (check_finite && !mapped && !isfinite(v))
				abort();
			acc += v;
		}
	}
	if (t->subword) {
		/* unseen words are built from n-gram rows: every row id must land in the table */
		static const char *const words[] = { "\xe6\x9d\xb1x", "unseen", "", "</s>", "\xc3" };
		float *v = malloc(t->dim * sizeof *v);
		if (!v)
			abort();
		for (i = 0; i < sizeof words / sizeof words[0]; i++) {
			long r;
			const float *w = emb_table_word_vector(t, words[i], strlen(words[i]), v, &r);
			if (!w || r < -1 || r >= (long)t->rows || (r < 0 && w != v))
				abort();
			acc += v[0];
		}
		free(v);
	}
	__asm__ volatile("" : : "g"(&acc) : "memory");
}

/* Read DATA with FMT through a memory stream, with options O; walk what it returns. */
static inline void fuzz_read_table(const struct emb_format *fmt, const uint8_t *data, size_t size,
				   const struct emb_read_opts *o)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_stream *in = NULL;
	struct emb_table *t = NULL;

	if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
		abort();
	if (fmt->read(&t, in, o, &err) == 0) {
		if (o->limit && t->rows > o->limit)
			abort();
		fuzz_walk_table(t, !o->allow_nonfinite);
	} else if (err.msg[0] == 0) {
		abort();        /* an error must say what went wrong */
	}
	emb_stream_close(in, &err);
	emb_table_free(t);
}

/* Stream DATA row by row with FMT's row reader (embconv's bounded-memory path). */
static inline void fuzz_read_rows(const struct emb_format *fmt, const uint8_t *data, size_t size)
{
	static const struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_stream *in = NULL;
	struct emb_rows r;
	int rc;

	if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
		abort();
	if (fmt->rows_open(&r, in, &o, &err) == 0) {
		while ((rc = r.next(&r, &err)) == 0) {
			unsigned acc = 0;
			size_t i;
			if (emb_token_fault(r.tok, r.len, 0))
				abort();
			for (i = 0; i < r.len; i++)
				acc += (unsigned char)r.tok[i];
			for (i = 0; i < r.dim; i++)
				acc += r.vec[i] > 0;
			__asm__ volatile("" : : "g"(&acc) : "memory");
		}
		if (rc == EMB_EOF)
			(void)emb_rows_check_count(&r, &err);
		emb_rows_release(&r);
	}
	emb_stream_close(in, &err);
}

/* The table readers' three runs: defaults, and first-N rows keeping the last duplicate with
 * NaN allowed, then the row reader. */
static inline void fuzz_table_format(const struct emb_format *fmt, const uint8_t *data, size_t size)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT, l = EMB_READ_OPTS_INIT;

	fuzz_read_table(fmt, data, size, &o);
	l.limit = 3;
	l.dedupe = EMB_DEDUPE_LAST;
	l.allow_nonfinite = true;
	l.strict = true;
	fuzz_read_table(fmt, data, size, &l);
	if (fmt->rows_open)
		fuzz_read_rows(fmt, data, size);
}

#endif
