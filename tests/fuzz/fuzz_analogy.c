/* libFuzzer harness: analogy files (emb_eval_analogy: ": section" lines and A B C D
 * questions) on any byte string, against a small table. */
#define _GNU_SOURCE
#include "fuzz_eval_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct emb_table *t = fuzz_eval_table();
	int which;

	for (which = 0; which < 2; which++) {
		struct emb_eval_analogy_report r;
		struct emb_eval_opts o;
		struct emb_err err = EMB_ERR_INIT;
		struct emb_stream *in = NULL;
		size_t i, correct = 0, asked = 0;

		fuzz_eval_opts(&o, which);
		memset(&r, 0, sizeof r);
		if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
			abort();
		if (emb_eval_analogy(&r, t, in, &o, &err) == 0) {
			for (i = 0; i < r.nsec; i++) {
				if (!r.sec[i].name || r.sec[i].correct > r.sec[i].asked)
					abort();
				correct += r.sec[i].correct;
				asked += r.sec[i].asked;
			}
			if (correct != r.correct || asked != r.asked || r.asked + r.oov != r.questions ||
			    r.sem_asked + r.syn_asked != r.asked)
				abort();
		} else if (err.msg[0] == 0) {
			abort();
		}
		emb_eval_analogy_release(&r);
		emb_stream_close(in, &err);
	}
	return 0;
}
