/* libFuzzer harness: word-pair files (emb_eval_pairs: "A<TAB>B<TAB>score" or CSV, quoted as
 * libcsv reads them, comments and header lines) on any byte string, against a small table. */
#define _GNU_SOURCE
#include "fuzz_eval_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct emb_table *t = fuzz_eval_table();
	int which;

	for (which = 0; which < 2; which++) {
		struct emb_eval_pairs_report r;
		struct emb_eval_opts o;
		struct emb_err err = EMB_ERR_INIT;
		struct emb_stream *in = NULL;

		fuzz_eval_opts(&o, which);
		memset(&r, 0, sizeof r);
		if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
			abort();
		if (emb_eval_pairs(&r, t, in, &o, &err) == 0) {
			if ((r.pearson > 1.000001 || r.pearson < -1.000001) ||
			    (r.spearman > 1.000001 || r.spearman < -1.000001))
				abort();
		} else if (err.msg[0] == 0) {
			abort();
		}
		emb_stream_close(in, &err);
	}
	return 0;
}
