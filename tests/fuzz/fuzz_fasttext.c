/* libFuzzer harness: the fastText model reader (emb_format_fasttext) on any byte string,
 * through a memory stream; the table walk also builds unseen words from the n-gram rows.  See
 * fuzz_common.h for the runs and the invariants checked. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_table_format(&emb_format_fasttext, data, size);
	return 0;
}
