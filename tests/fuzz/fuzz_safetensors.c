/* libFuzzer harness: the safetensors reader (emb_format_safetensors) on any byte string, through a memory
 * stream (gzip seeds reach it inflated); see fuzz_common.h for the runs and the invariants. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_table_format(&emb_format_safetensors, data, size);
	return 0;
}
