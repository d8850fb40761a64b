/* libFuzzer harness: the glove reader (emb_format_glove) on any byte string, through a memory
 * stream; see fuzz_common.h for the runs and the invariants checked. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_table_format(&emb_format_glove, data, size);
	return 0;
}
