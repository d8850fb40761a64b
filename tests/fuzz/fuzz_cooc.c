/* libFuzzer harness: the co-occurrence file reader (formats/cooc.c, formats/COOC.md) on any
 * byte string, through a memory stream (gzip seeds reach it inflated).  Every input ends in a
 * complete read or an error with a message; a complete read must hold the rows it announced,
 * records within them in strictly increasing order, no more than announced, counts positive. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include <math.h>
#include <string.h>

#include "emb_cooc_file.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_stream *in = NULL;
	struct emb_cooc_reader *r = NULL;
	struct emb_vocab *vocab = NULL;
	struct emb_cooc_rec rec, last = { 0, 0, 0 };
	uint64_t n = 0, max;
	size_t rows;
	int rc;

	if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
		abort();
	if ((rc = emb_cooc_file_read(&r, in, &err)) < 0) {
		if (err.msg[0] == 0)
			abort();
		return 0;
	}
	rows = emb_cooc_file_rows(r);
	max = emb_cooc_file_max_records(r);
	while ((rc = emb_cooc_file_next(r, &rec, &err)) == 0) {
		if (rec.i >= rows || rec.j >= rows || !(rec.x > 0) || !isfinite(rec.x) ||
		    (n > 0 && !(last.i < rec.i || (last.i == rec.i && last.j < rec.j))))
			abort();
		last = rec;
		if (++n > max)
			abort();
	}
	if (rc == EMB_EOF)
		rc = emb_cooc_file_close(r, &vocab, &err);
	else
		emb_cooc_file_abort(r);
	if (rc < 0 && err.msg[0] == 0)
		abort();
	if (rc == 0 && (!vocab || emb_vocab_size(vocab) != rows))
		abort();
	emb_vocab_free(vocab);
	return 0;
}
