/* libFuzzer harness: emb_vocab_load (TSV through libcsv, "token count" with one space, CSV,
 * bare tokens) on any byte string.  A loaded vocabulary must index every token at its id. */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "emb_token.h"
#include "emb_vocab.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *path, unsigned flags)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_vocab *v = NULL;
	size_t i, n;

	if (emb_vocab_load(&v, path, flags, &err) == 0) {
		for (i = 0; i < emb_vocab_size(v); i++) {
			const char *tok = emb_vocab_token(v, i, &n);
			long at = emb_vocab_find(v, tok, n);
			if (tok[n] != 0 || at != (long)i || emb_token_fault(tok, n, 0))
				abort();
			(void)emb_vocab_count(v, i);
		}
		(void)emb_vocab_total(v);
		if (emb_vocab_sort(v, &err) < 0 && err.code != EMB_ENOMEM)
			abort();
	} else if (err.msg[0] == 0) {
		abort();
	}
	emb_vocab_free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);

	load(path, 0);
	load(path, EMB_VOCAB_NO_COUNTS | EMB_VOCAB_ALLOW_DUP);
	load(path, EMB_VOCAB_CSV);
	fuzz_file_close(fd);
	return 0;
}
