/* libFuzzer harness: analogy files (emb_eval_analogy: ": section" lines and A B C D
 * questions) on any byte string, against a small table. */
#define _GNU_SOURCE
#include "fuzz_eval_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The report must add up: sections to totals, asked + OOV to questions. */
static int analogy(const struct emb_table *t, struct emb_stream *in, const struct emb_eval_opts *o,
		   struct emb_err *err)
{
	struct emb_eval_analogy_report r;
	size_t i, correct = 0, asked = 0;
	int rc;

	memset(&r, 0, sizeof r);
	if ((rc = emb_eval_analogy(&r, t, in, o, err)) == 0) {
		for (i = 0; i < r.nsec; i++) {
			if (!r.sec[i].name || r.sec[i].correct > r.sec[i].asked)
				abort();
			correct += r.sec[i].correct;
			asked += r.sec[i].asked;
		}
		if (correct != r.correct || asked != r.asked || r.asked + r.oov != r.questions ||
		    r.sem_asked + r.syn_asked != r.asked)
			abort();
	}
	emb_eval_analogy_release(&r);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_eval(data, size, analogy);
	return 0;
}
