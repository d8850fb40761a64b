/* libFuzzer harness: the EMB reader (emb_format_emb) through a memory stream, that is the
 * streamed path every gzip-compressed or piped EMB file takes (the stream inflates gzip
 * before the reader sees a byte, so the seeds hold both); the mapped path is fuzz_emb_raw. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *fixed = fuzz_fixed_copy(data, size, fuzz_fix_emb);

	fuzz_table_format(&emb_format_emb, data, size);
	if (memcmp(fixed, data, size) != 0) /* its CRCs made right: reach the checks behind them */
		fuzz_table_format(&emb_format_emb, fixed, size);
	free(fixed);
	return 0;
}
