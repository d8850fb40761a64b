/* libFuzzer harness: a raw EMB file mapped by path (emb_table_load with want_mmap), once with
 * the vocabulary built from the mapping and once lazy, where every token and index lookup
 * reads the mapping directly and must stay inside it. */
#define _GNU_SOURCE
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void load(const char *path, bool lazy)
{
	struct emb_read_opts o = EMB_READ_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = NULL;

	o.lazy_vocab = lazy;
	if (emb_table_load(&t, path, &emb_format_emb, &o, &err) == 0) {
		fuzz_walk_table(t, 1);
		/* a lookup of bytes that are not a token must miss cleanly */
		(void)emb_table_find(t, "\xff\xfe", 2);
		(void)emb_table_find(t, "", 0);
	} else if (err.msg[0] == 0) {
		abort();
	}
	emb_table_free(t);
}

static void run(const uint8_t *data, size_t size)
{
	char path[64];
	int fd = fuzz_file(data, size, path, sizeof path);

	load(path, false);
	load(path, true);
	fuzz_file_close(fd);
}

/* As it is, then with its CRCs made right so the checks behind them are reached. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_with_fixed(data, size, fuzz_fix_emb, run);
	return 0;
}
