/* libFuzzer harness: the npy reader (emb_format_npy) on any byte string, through a memory
 * stream (gzip seeds reach it inflated); see fuzz_common.h for the runs and the invariants.
 * The stream is named "fuzz", so no NAME.vocab.tsv is found: the header and matrix are what is
 * fuzzed, and every input must end in an error that says what went wrong. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_table_format(&emb_format_npy, data, size);
	return 0;
}
