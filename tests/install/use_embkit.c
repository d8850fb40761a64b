/*
 * use_embkit: a program outside the tree built against an installed libembkit (see
 * tests/cli/install.bats).  It reads TABLE and a PACK file made with `embpack --embed=TABLE`,
 * and checks through the library alone that every packed vector is the table row of its id.
 * Usage: use_embkit TABLE PACK
 */
#include <embkit/embkit.h>

#include <stdio.h>
#include <string.h>

int main(int argc, char **argv)
{
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = NULL;
	struct emb_pack_reader *r = NULL;
	const struct emb_batch *b;
	unsigned long long batches = 0, seqs = 0, toks = 0, same = 0;
	const char *tok;
	size_t len;
	int rc = 1;

	if (argc != 3) {
		fprintf(stderr, "usage: use_embkit TABLE PACK\n");
		return 2;
	}
	printf("embkit %s (headers %s)\n", emb_version(), EMB_VERSION);
	if (emb_table_load(&t, argv[1], NULL, NULL, &err) < 0)
		goto done;
	tok = emb_vocab_token(t->vocab, t->rows - 1, &len);
	printf("table %zu x %zu, last row '%.*s'\n", t->rows, t->dim, (int)len, tok);
	if (emb_pack_reader_open(&r, argv[2], &err) < 0)
		goto done;
	while ((rc = emb_pack_reader_next(r, &b, &err)) == 0) {
		batches++;
		seqs += b->n;
		toks += b->tokens;
		for (size_t k = 0; k < b->tokens && b->dim == t->dim; k++)
			same += !memcmp(b->vectors + k * b->dim, emb_table_row(t, (size_t)b->data[k]),
					t->dim * sizeof(float));
	}
	if (rc < 0)
		goto done;
	rc = emb_pack_reader_close(r, &err);
	r = NULL;
	if (rc < 0)
		goto done;
	printf("pack batches %llu sequences %llu tokens %llu rows-matching %llu\n", batches, seqs,
	       toks, same);
	rc = 0;
done:
	if (rc != 0)
		fprintf(stderr, "use_embkit: %s\n", err.msg);
	emb_pack_reader_abort(r);
	emb_table_free(t);
	return rc != 0;
}
