/* libFuzzer harness: the PACK reader (emb_pack_reader_*, formats/PACK.md) on any byte string,
 * then `embpack dump` of the same bytes into /dev/null.  A batch the reader returns has passed
 * its CRC and invariants; every array it points at is read through here, so a size check that
 * lets an array overrun the payload shows up under ASan. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "emb_pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void touch(const void *p, size_t bytes)
{
	const unsigned char *c = p;
	unsigned acc = 0;
	size_t i;

	for (i = 0; i < bytes; i++)
		acc += c[i];
	__asm__ volatile("" : : "g"(&acc) : "memory");
}

static void read_all(const char *path)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	int rc;

	if (emb_pack_reader_open(&r, path, &err) < 0)
		return;
	(void)emb_pack_reader_header(r);
	while ((rc = emb_pack_reader_next(r, &b, &err)) == 0) {
		size_t cells = emb_batch_cells(b);
		touch(b->index, b->n * sizeof *b->index);
		touch(b->lengths, b->n * sizeof *b->lengths);
		touch(b->sorted, b->n * sizeof *b->sorted);
		touch(b->unsorted, b->n * sizeof *b->unsorted);
		touch(b->batch_sizes, b->maxlen * sizeof *b->batch_sizes);
		touch(b->padded, cells * sizeof *b->padded);
		touch(b->data, b->tokens * sizeof *b->data);
		if (b->dim)
			touch(b->vectors, b->tokens * b->dim * sizeof *b->vectors);
	}
	if (rc < 0 && err.msg[0] == 0)
		abort();
	(void)emb_pack_reader_bytes(r);
	emb_pack_reader_close(r, &err);
}

static void dump(const char *path)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_out *out = NULL;

	if (emb_out_open(&out, "/dev/null", NULL, &err) < 0)
		abort();
	if (emb_pack_dump(path, out, &err) < 0) {
		emb_out_abort(out);
		return;
	}
	emb_out_commit(out, &err);
}

static void run(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);

	read_all(path);
	dump(path);
	fuzz_file_close(fd);
}

/* As it is, then with its CRCs made right so the checks behind them are reached. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_with_fixed(data, size, fuzz_fix_pack, run);
	return 0;
}
