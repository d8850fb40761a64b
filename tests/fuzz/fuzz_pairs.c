/* libFuzzer harness: word-pair files (emb_eval_pairs: "A<TAB>B<TAB>score" or CSV, quoted as
 * libcsv reads them, comments and header lines) on any byte string, against a small table. */
#define _GNU_SOURCE
#include "fuzz_eval_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Correlations are NaN or within [-1, 1] (a rounding ulp allowed). */
static int pairs(const struct emb_table *t, struct emb_stream *in, const struct emb_eval_opts *o,
		 struct emb_err *err)
{
	struct emb_eval_pairs_report r;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = emb_eval_pairs(&r, t, in, o, err)) == 0 &&
	    (r.pearson > 1.000001 || r.pearson < -1.000001 || r.spearman > 1.000001 ||
	     r.spearman < -1.000001))
		abort();
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_eval(data, size, pairs);
	return 0;
}
