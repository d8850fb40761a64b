/* Unit tests of emb_train_part: every line of a corpus lands in exactly one part, in corpus
 * order; gzip inputs are dealt whole; the parts are level; renumbering into an agreed
 * vocabulary; standard input and missing files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embkit.h"
#include "emb_train.h"
#include "emb_train_part.h"
#include "emb_train_impl.h"
#include "unit_tmpdir.h"

/* Write LINES lines "wNNNNN x" (unique first token; "x" pads) to PATH; line i has i%7+1 x's. */
static void write_lines(const char *path, int first, int lines, bool gz)
{
	char cmd[512];
	FILE *f;

	snprintf(cmd, sizeof cmd, "gzip -c >'%s'", path);
	f = gz ? popen(cmd, "w") : fopen(path, "w");
	assert_non_null(f);
	for (int i = first; i < first + lines; i++) {
		fprintf(f, "w%05d", i);
		for (int j = 0; j <= i % 7; j++)
			fputs(" x", f);
		fputc('\n', f);
	}
	assert_int_equal(gz ? pclose(f) : fclose(f), 0);
}

/* Scan part RANK of NP; append the line tokens it saw (first token of each line) to SEEN. */
static size_t scan_part(char **paths, size_t n, unsigned rank, unsigned np, uint64_t block,
			int *seen, size_t k, uint64_t *bytes)
{
	struct emb_tok_opts to = EMB_TOK_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_piece *pc;
	struct emb_train_corpus *c = NULL;
	struct emb_vocab *v = NULL;
	size_t np_, k0 = k;

	assert_int_equal(emb_train_part_plan(&pc, &np_, paths, n, rank, np, block, &err), 0);
	*bytes = 0;
	for (size_t i = 0; i < np_; i++)
		if (pc[i].end != EMB_TRAIN_PART_END)
			*bytes += pc[i].end - pc[i].begin;
	assert_int_equal(emb_train_corpus_scan_pieces(&c, &v, pc, np_, &to, &err), 0);
	for (size_t i = 0; i < emb_vocab_size(v); i++) {
		const char *tok = emb_vocab_token(v, i, NULL);
		if (tok[0] == 'w')
			seen[k++] = atoi(tok + 1);
	}
	assert_int_equal(emb_train_corpus_stats(c)->lines, k - k0);
	emb_train_corpus_free(c);
	emb_vocab_free(v);
	free(pc);
	return k;
}

/* Split a.txt (1000 lines) b.txt (3) c.txt (500) into 1..5 parts with slices of at least
 * BLOCK bytes: every line in exactly one part, in corpus order within it, parts level. */
static void split_plain(uint64_t block)
{
	char a[300], b[300], cc[300];
	char *paths[3] = { a, b, cc };
	int seen[3000], once[1503];
	uint64_t bytes[5];

	snprintf(a, sizeof a, "%s/a.txt", dir);
	snprintf(b, sizeof b, "%s/b.txt", dir);
	snprintf(cc, sizeof cc, "%s/c.txt", dir);
	write_lines(a, 0, 1000, false);
	write_lines(b, 1000, 3, false);
	write_lines(cc, 1003, 500, false);
	for (unsigned np = 1; np <= 5; np++) {
		size_t k = 0;
		uint64_t lo = UINT64_MAX, hi = 0;
		memset(once, 0, sizeof once);
		for (unsigned r = 0; r < np; r++) {
			size_t k0 = k;
			k = scan_part(paths, 3, r, np, block, seen, k, &bytes[r]);
			for (size_t i = k0 + 1; i < k; i++) /* corpus order within a part */
				assert_true(seen[i] > seen[i - 1]);
			/* dealt in slices: with small ones each part reaches from the first file to the last */
			if (block && block < 1000 && np > 1) {
				assert_true(k > k0 + 1);
				assert_true(seen[k0] < 200 && seen[k - 1] > 1300);
			}
			lo = bytes[r] < lo ? bytes[r] : lo;
			hi = bytes[r] > hi ? bytes[r] : hi;
		}
		assert_int_equal(k, 1503);
		for (size_t i = 0; i < k; i++) /* each line once */
			assert_int_equal(once[seen[i]]++, 0);
		/* one stretch per part: the parts in turn are the corpus in order */
		for (int i = 0; i < 1503 && (block == 0 || block >= 1 << 20); i++)
			assert_int_equal(seen[i], i);
		/* level: byte ranges differ by at most one byte (np 1: whole files, no ranges) */
		if (np > 1)
			assert_true(hi - lo <= 1);
	}
}

static void test_plain_split_in_order(void **state)
{
	(void)state;
	split_plain(0);
}

static void test_plain_dealt_in_slices(void **state)
{
	(void)state;
	split_plain(256);
	split_plain(1 << 20); /* larger than a part: one slice each, as with 0 */
}

static void test_gzip_dealt_whole(void **state)
{
	char p[4][300];
	char *paths[4] = { p[0], p[1], p[2], p[3] };
	int seen[3000];
	uint64_t bytes;
	size_t k = 0;

	(void)state;
	for (int i = 0; i < 4; i++) {
		snprintf(p[i], sizeof p[i], "%s/g%d.txt%s", dir, i, i < 3 ? ".gz" : "");
		write_lines(p[i], i * 100, 100, i < 3);
	}
	for (unsigned r = 0; r < 3; r++) {
		struct emb_err err = EMB_ERR_INIT;
		struct emb_train_piece *pc;
		size_t n, gz = 0;
		assert_int_equal(emb_train_part_plan(&pc, &n, paths, 4, r, 3, 512, &err), 0);
		for (size_t i = 0; i < n; i++)
			if (strstr(pc[i].path, ".gz")) {
				assert_true(pc[i].begin == 0 && pc[i].end == EMB_TRAIN_PART_END);
				gz++;
			}
		free(pc);
		assert_int_equal(gz, 1); /* three gzip files for three parts: one each */
		k = scan_part(paths, 4, r, 3, 512, seen, k, &bytes);
	}
	assert_int_equal(k, 400);
	for (int i = 0; i < 400; i++) /* each line exactly once */
		for (int j = i + 1; j < 400; j++)
			assert_int_not_equal(seen[i], seen[j]);
}

/* A part that gzip inputs fill gets no plain bytes; the other parts are still dealt slices. */
static void test_gzip_part_leaves_slicing(void **state)
{
	char g[300], a[300], cc[300];
	char *paths[3] = { g, a, cc };
	int seen[5000];
	uint64_t bytes;
	size_t k = 0;

	(void)state;
	snprintf(g, sizeof g, "%s/heavy.txt.gz", dir);
	snprintf(a, sizeof a, "%s/a.txt", dir);
	snprintf(cc, sizeof cc, "%s/c.txt", dir);
	write_lines(g, 5000, 3000, true);
	write_lines(a, 0, 1000, false);
	write_lines(cc, 1000, 500, false);
	for (unsigned r = 0; r < 3; r++) {
		size_t k0 = k;
		int lo = 5000, hi = -1;
		k = scan_part(paths, 3, r, 3, 256, seen, k, &bytes);
		for (size_t i = k0; i < k; i++)
			if (seen[i] < 5000) {
				lo = seen[i] < lo ? seen[i] : lo;
				hi = seen[i] > hi ? seen[i] : hi;
			}
		if (r == 0) { /* the gzip file and nothing else */
			assert_int_equal(bytes, 0);
			assert_int_equal(hi, -1);
		} else { /* slices from the first plain file to the last */
			assert_true(lo < 200 && hi > 1300);
		}
	}
	assert_int_equal(k, 4500);
}

static void test_stdin_and_missing(void **state)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_piece *pc;
	char missing[300], *p1[1] = { (char *)"-" }, *p2[1] = { missing };
	size_t n;

	(void)state;
	/* one part: standard input is fine and nothing is opened */
	assert_int_equal(emb_train_part_plan(&pc, &n, p1, 1, 0, 1, 0, &err), 0);
	assert_int_equal(n, 1);
	free(pc);
	assert_int_equal(emb_train_part_plan(&pc, &n, p1, 1, 0, 2, 0, &err), EMB_EINVAL);
	assert_null(pc);
	snprintf(missing, sizeof missing, "%s/none.txt", dir);
	assert_int_equal(emb_train_part_plan(&pc, &n, p2, 1, 1, 2, 0, &err), EMB_EIO);
	assert_non_null(strstr(err.msg, "none.txt"));
}

static void test_renumber(void **state)
{
	struct emb_tok_opts to = EMB_TOK_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c = NULL;
	struct emb_vocab *v = NULL, *agreed = NULL;
	char path[300], *paths[1] = { path };
	uint32_t ids[16];
	size_t got;

	(void)state;
	snprintf(path, sizeof path, "%s/r.txt", dir);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs("a b c\nc z a\n", f);
	fclose(f);
	assert_int_equal(emb_train_corpus_scan(&c, &v, paths, 1, &to, &err), 0);
	assert_int_equal(emb_vocab_new(&agreed, &err), 0);
	assert_int_equal(emb_vocab_add(agreed, "c", 1, 5, NULL, &err), 0);
	assert_int_equal(emb_vocab_add(agreed, "q", 1, 4, NULL, &err), 0);
	assert_int_equal(emb_vocab_add(agreed, "a", 1, 3, NULL, &err), 0);
	assert_int_equal(emb_train_corpus_renumber(c, v, agreed, &err), 0);
	assert_int_equal(emb_train_corpus_filter(c, agreed, -1, &err), 0);
	assert_int_equal(emb_train_corpus_read(c, 0, ids, 16, &got, &err), 0);
	/* b and z are not in the agreed vocabulary: dropped */
	assert_int_equal(got, 6);
	assert_int_equal(ids[0], 2);
	assert_int_equal(ids[1], 0);
	assert_int_equal(ids[2], EMB_TRAIN_EOS);
	assert_int_equal(ids[3], 0);
	assert_int_equal(ids[4], 2);
	assert_int_equal(ids[5], EMB_TRAIN_EOS);
	emb_train_corpus_free(c);
	emb_vocab_free(v);
	emb_vocab_free(agreed);
}

/* The threads' chunks: at sentence starts, in order, tiling the cache; one thread: the whole. */
static void test_thread_chunks(void **state)
{
	struct emb_tok_opts to = EMB_TOK_OPTS_INIT;
	struct emb_train_opts o = EMB_TRAIN_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_train_corpus *c = NULL;
	struct emb_vocab *v = NULL;
	struct emb_trainer *t = NULL;
	char path[300], *paths[1] = { path };
	uint64_t counts[2] = { 10, 5 }, n;
	uint32_t id;
	size_t got;

	(void)state;
	snprintf(path, sizeof path, "%s/chunks.txt", dir);
	write_lines(path, 0, 60000, false); /* about 360000 ids with the line ends */
	assert_int_equal(emb_train_corpus_scan(&c, &v, paths, 1, &to, &err), 0);
	n = emb_train_corpus_size(c);
	assert_int_equal(emb_trainer_new(&t, counts, 2, &o, -1, &err), 0);
	for (unsigned threads = 1; threads <= 3; threads++) {
		uint64_t g, G;
		t->nthreads = threads;
		assert_int_equal(emb_train_plan_chunks(t, c, &err), 0);
		G = (uint64_t)t->rounds * threads;
		/* one thread: the whole cache; more: chunks of at least 65536 ids (2 rounds for 2 threads) */
		assert_int_equal(t->rounds, threads == 1 ? 1 : n / (threads * 65536));
		assert_int_equal(t->cuts[0], 0);
		assert_int_equal(t->cuts[G], n);
		for (g = 1; g < G; g++) {
			assert_true(t->cuts[g] > t->cuts[g - 1]);
			/* a chunk starts right after a line end */
			assert_int_equal(emb_train_corpus_read(c, t->cuts[g] - 1, &id, 1, &got, &err), 0);
			assert_int_equal(got, 1);
			assert_int_equal(id, EMB_TRAIN_EOS);
		}
	}
	emb_trainer_free(t);
	emb_train_corpus_free(c);
	emb_vocab_free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_split_in_order),
		cmocka_unit_test(test_plain_dealt_in_slices),
		cmocka_unit_test(test_gzip_dealt_whole),
		cmocka_unit_test(test_gzip_part_leaves_slicing),
		cmocka_unit_test(test_stdin_and_missing),
		cmocka_unit_test(test_renumber),
		cmocka_unit_test(test_thread_chunks),
	};
	return cmocka_run_group_tests(tests, tmpdir_setup, tmpdir_teardown);
}
