/* libFuzzer harness: the EMB reader (emb_format_emb) through a memory stream, that is the
 * streamed path every gzip-compressed or piped EMB file takes (the stream inflates gzip
 * before the reader sees a byte, so the seeds hold both); the mapped path is fuzz_emb_raw. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void run(const uint8_t *data, size_t size)
{
	fuzz_table_format(&emb_format_emb, data, size);
}

/* As it is, then with its CRCs made right so the checks behind them are reached. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_with_fixed(data, size, fuzz_fix_emb, run);
	return 0;
}
