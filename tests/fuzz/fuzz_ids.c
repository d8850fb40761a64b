/*
 * libFuzzer harness: id sequences, as embpack reads them (emb_pack_run: emb_batch_parse_ids,
 * the batcher with buckets, shuffling and token budgets, the PACK writer), and the same lines
 * as text through the tokenizer and a small vocabulary.  Whatever embpack accepts it writes
 * as PACK, and the PACK reader must then accept every batch with the same totals: a bad
 * permutation, batch_sizes or CRC from the batcher shows up as an abort.
 */
#define _GNU_SOURCE
#include "fuzz_common.h"

#include "emb_pack.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char out_path[64];
static struct emb_vocab *vocab;

static void cleanup(void)
{
	unlink(out_path);
}

static void setup(void)
{
	static const char *const words[] = { "<unk>", "the", "a", "of", "\xc3\xa9t\xc3\xa9", "x" };
	struct emb_err err = EMB_ERR_INIT;
	size_t i;

	snprintf(out_path, sizeof out_path, "/tmp/fuzz_ids.%ld.pack", (long)getpid());
	atexit(cleanup);
	if (emb_vocab_new(&vocab, &err) < 0)
		abort();
	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (emb_vocab_add(vocab, words[i], strlen(words[i]), 1, NULL, &err) < 0)
			abort();
}

static void run(const char *in, struct emb_pack_opts *o)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_pack_totals wrote, read;

	o->input = in;
	o->output = out_path;
	o->out.flags |= EMB_OUT_NO_SYNC;
	if (emb_pack_run(o, &wrote, &err) < 0) {
		if (err.msg[0] == 0)
			abort();
		return;
	}
	if (emb_pack_stats(out_path, &read, &err) < 0 || read.batches != wrote.batches ||
	    read.tokens != wrote.tokens || read.sequences != wrote.sequences ||
	    read.cells != wrote.cells) {
		fprintf(stderr, "written PACK does not read back: %s\n", err.msg);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct emb_pack_opts a = EMB_PACK_OPTS_INIT, b = EMB_PACK_OPTS_INIT, c = EMB_PACK_OPTS_INIT;
	char path[64];
	int fd;

	if (!vocab)
		setup();
	fd = fuzz_file(data, size, path, sizeof path);

	a.batch.batch_size = 3;
	a.batch.bucket = 8;
	a.batch.shuffle = true;
	a.batch.seed = 7;
	a.max_len = 5;
	a.min_len = 1;
	a.id_limit = 100000;
	run(path, &a);

	b.batch.max_tokens = 16;
	b.batch.batch_first = true;
	b.batch.enforce_sorted = true;
	b.batch.drop_last = true;
	b.batch.padding_idx = -1;
	run(path, &b);

	c.batch.batch_size = 2;
	c.vocab = vocab;
	c.tok.lower = true;
	c.tok.split = EMB_SPLIT_WORDS;
	c.unk = EMB_PACK_UNK_SKIP;
	c.min_len = 1;
	run(path, &c);

	fuzz_file_close(fd);
	return 0;
}
