/* Shared by fuzz_analogy.c and fuzz_pairs.c: a small fixed table to evaluate against, with
 * case variants and non-ASCII tokens so gensim's upper-casing rules are exercised. */
#ifndef FUZZ_EVAL_COMMON_H
#define FUZZ_EVAL_COMMON_H

#include "fuzz_common.h"

#include "emb_eval.h"
#include "emb_knn.h"

static inline const struct emb_table *fuzz_eval_table(void)
{
	static const char *const words[] = { "king", "queen", "man", "woman", "King", "paris",
		"france", "rome", "italy", "a", "b", "c", "d", "\xc3\xa9t\xc3\xa9", "\xc3\x89T\xc3\x89",
		"zero" };
	static struct emb_table *t;
	struct emb_err err = EMB_ERR_INIT;
	size_t i, j, n = sizeof words / sizeof *words;

	if (t)
		return t;
	if (emb_table_new(&t, n, 5, &err) < 0)
		abort();
	for (i = 0; i < n; i++) {
		if (emb_vocab_add(t->vocab, words[i], strlen(words[i]), n - i, NULL, &err) < 0)
			abort();
		/* "zero" stays all zeros: a row without a direction */
		for (j = 0; j < t->dim && i + 1 < n; j++)
			emb_table_row(t, i)[j] = (float)((i * 7 + j * 3) % 11) - 5.0f;
	}
	return t;
}

/* Two option sets: gensim's defaults, and case-sensitive 3CosMul over 6 rows, strict. */
static inline void fuzz_eval_opts(struct emb_eval_opts *o, int which)
{
	struct emb_eval_opts d = EMB_EVAL_OPTS_INIT;

	*o = d;
	o->threads = 1;
	if (which) {
		o->case_sensitive = true;
		o->method = EMB_KNN_COSMUL;
		o->restrict_rows = 6;
		o->strict = true;
	}
}

/* Run RUN on DATA (through a memory stream) under both option sets; an error must say why. */
typedef int (*fuzz_eval_fn)(const struct emb_table *t, struct emb_stream *in,
			    const struct emb_eval_opts *o, struct emb_err *err);

static inline void fuzz_eval(const uint8_t *data, size_t size, fuzz_eval_fn run)
{
	const struct emb_table *t = fuzz_eval_table();
	int which;

	for (which = 0; which < 2; which++) {
		struct emb_eval_opts o;
		struct emb_err err = EMB_ERR_INIT;
		struct emb_stream *in = NULL;

		fuzz_eval_opts(&o, which);
		if (emb_stream_open_mem(&in, "fuzz", data, size, &err) < 0)
			abort();
		if (run(t, in, &o, &err) < 0 && err.msg[0] == 0)
			abort();
		emb_stream_close(in, &err);
	}
}

#endif
