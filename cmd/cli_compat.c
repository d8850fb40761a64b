/*
 * cli_compat: word2vec.c's and fastText's command lines as embtrain options.  See cli_compat.h.
 *
 * Each foreign option is a row of a table: its name, and either the embtrain option it becomes
 * (the value passed through, so embtrain's own parser checks it and its message names the range)
 * or a small rule for the options whose meaning is a choice (-cbow 0|1, -binary 0|1, -loss).
 * The other tool's defaults are not always ours (word2vec.c trains CBOW by default, fastText
 * uses lr 0.05 and sample 1e-4 for skip-gram too), so they are written into the vector before the
 * user's options, which come later and win.
 */
#include "cli_compat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum rule {
	PASS,        /* value goes to the embtrain option */
	CORPUS,      /* -train / -input */
	OUTPUT,      /* -output */
	FLAG_IF,     /* -hs N: the embtrain flag when N != 0 */
	CBOW,        /* -cbow 0|1 */
	BINARY,      /* -binary 0|1 */
	SAVE_VOCAB,  /* -save-vocab FILE */
	READ_VOCAB,  /* -read-vocab FILE */
	QUIET_IF_0,  /* -debug / -verbose 0 */
	LOSS,        /* fastText -loss ns|hs */
	ZERO_ONLY,   /* accepted only as 0 (-classes): else refused */
	ONE_ONLY,    /* accepted only as 1 (-wordNgrams) */
	IGNORED,     /* accepted, no effect (documented: -lrUpdateRate) */
	REFUSED,     /* supervised-only options */
};

struct foreign {
	const char *name;
	enum rule rule;
	const char *ours;    /* PASS/FLAG_IF: the embtrain option */
	const char *why;     /* ZERO_ONLY/ONE_ONLY/REFUSED: the reason in the refusal */
};

static const struct foreign word2vec_opts[] = {
	{ "-train", CORPUS, NULL, NULL },
	{ "-output", OUTPUT, NULL, NULL },
	{ "-size", PASS, "--dim", NULL },
	{ "-window", PASS, "--window", NULL },
	{ "-sample", PASS, "--sample", NULL },
	{ "-hs", FLAG_IF, "--hs", NULL },
	{ "-negative", PASS, "--negative", NULL },
	{ "-threads", PASS, "--threads", NULL },
	{ "-iter", PASS, "--epochs", NULL },
	{ "-min-count", PASS, "--min-count", NULL },
	{ "-alpha", PASS, "--alpha", NULL },
	{ "-cbow", CBOW, NULL, NULL },
	{ "-binary", BINARY, NULL, NULL },
	{ "-save-vocab", SAVE_VOCAB, NULL, NULL },
	{ "-read-vocab", READ_VOCAB, NULL, NULL },
	{ "-debug", QUIET_IF_0, NULL, NULL },
	{ "-classes", ZERO_ONLY, NULL,
	  "word2vec.c's -classes (k-means clusters of the vectors) is not supported" },
	{ NULL, PASS, NULL, NULL }
};

static const struct foreign fasttext_opts[] = {
	{ "-input", CORPUS, NULL, NULL },
	{ "-output", OUTPUT, NULL, NULL },
	{ "-dim", PASS, "--dim", NULL },
	{ "-ws", PASS, "--window", NULL },
	{ "-epoch", PASS, "--epochs", NULL },
	{ "-minCount", PASS, "--min-count", NULL },
	{ "-neg", PASS, "--negative", NULL },
	{ "-loss", LOSS, NULL, NULL },
	{ "-thread", PASS, "--threads", NULL },
	{ "-lr", PASS, "--alpha", NULL },
	{ "-minn", PASS, "--minn", NULL },
	{ "-maxn", PASS, "--maxn", NULL },
	{ "-bucket", PASS, "--bucket", NULL },
	{ "-t", PASS, "--sample", NULL },
	{ "-seed", PASS, "--seed", NULL },
	{ "-pretrainedVectors", PASS, "--init-from", NULL },
	{ "-verbose", QUIET_IF_0, NULL, NULL },
	{ "-lrUpdateRate", IGNORED, NULL, NULL },
	{ "-wordNgrams", ONE_ONLY, NULL, "word n-grams (-wordNgrams) are for supervised models" },
	{ "-minCountLabel", REFUSED, NULL, "labels are for supervised models" },
	{ "-label", REFUSED, NULL, "labels are for supervised models" },
	{ "-saveOutput", REFUSED, NULL, "-saveOutput is not supported (use --save-context)" },
	{ NULL, PASS, NULL, NULL }
};

/* Defaults of the other tool that differ from embtrain's, written before the user's options. */
static const char *const word2vec_defaults[] = {
	"--model", "cbow", "--min-count", "5", "-t", "word2vec", NULL
};
static const char *const fasttext_defaults[] = {
	"--subwords", "--alpha", "0.05", "--sample", "1e-4", "--minn", "3", "--maxn", "6",
	"--bucket", "2000000", "--min-count", "5", "-t", "fasttext", NULL
};

static bool is_word2vec_option(const char *a)
{
	for (const struct foreign *f = word2vec_opts; f->name; f++)
		if (strcmp(a, f->name) == 0)
			return true;
	return false;
}

static const struct foreign *find(const struct foreign *tab, const char *a)
{
	for (const struct foreign *f = tab; f->name; f++)
		if (strcmp(a, f->name) == 0)
			return f;
	return NULL;
}

static char *own(struct cli_compat *c, char *s)
{
	for (size_t i = 0; i < sizeof c->owned / sizeof *c->owned; i++)
		if (!c->owned[i])
			return c->owned[i] = s;
	free(s);
	return NULL;
}

static char *concat(const char *a, const char *b)
{
	size_t n = strlen(a) + strlen(b) + 1;
	char *s = malloc(n);

	if (s)
		snprintf(s, n, "%s%s", a, b);
	return s;
}

static void push(struct cli_compat *c, const char *s)
{
	c->argv[c->argc++] = (char *)s;
}

int cli_compat_translate(struct cli_compat *c, int argc, char **argv)
{
	const struct foreign *tab;
	const char *const *defaults;
	const char *tool, *corpus = NULL, *output = NULL;
	int first;

	memset(c, 0, sizeof *c);
	if (argc > 1 && (strcmp(argv[1], "skipgram") == 0 || strcmp(argv[1], "cbow") == 0)) {
		c->mode = CLI_COMPAT_FASTTEXT;
		tab = fasttext_opts, defaults = fasttext_defaults, tool = "fastText", first = 2;
	} else {
		for (int i = 1; i < argc && !c->mode; i++)
			if (strcmp(argv[i], "--") == 0)
				break;
			else if (is_word2vec_option(argv[i]))
				c->mode = CLI_COMPAT_WORD2VEC;
		if (!c->mode)
			return 0;
		tab = word2vec_opts, defaults = word2vec_defaults, tool = "word2vec.c", first = 1;
	}
	/* every foreign option becomes at most two words, plus the defaults, outputs and corpus */
	if (!(c->argv = calloc((size_t)argc * 2 + 40, sizeof *c->argv)))
		return cli_usage_error("out of memory");
	push(c, argv[0]);
	for (const char *const *d = defaults; *d; d++)
		push(c, *d);
	if (c->mode == CLI_COMPAT_FASTTEXT && strcmp(argv[1], "cbow") == 0)
		push(c, "--model"), push(c, "cbow");
	for (int i = first; i < argc; i++) {
		const struct foreign *f = find(tab, argv[i]);
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!f)
			return cli_usage_error("'%s' is not a %s option (this command line is read as "
					       "%s's: see COMPATIBILITY in embtrain(1))", argv[i], tool,
					       tool);
		if (!v)
			return cli_usage_error("%s needs a value", f->name);
		i++;
		switch (f->rule) {
		case PASS: push(c, f->ours); push(c, v); break;
		case CORPUS: corpus = v; break;
		case OUTPUT: output = v; break;
		case FLAG_IF:
			if (strcmp(v, "0") != 0)
				push(c, f->ours);
			break;
		case CBOW:
			push(c, "--model");
			push(c, strcmp(v, "0") == 0 ? "sg" : "cbow");
			break;
		case BINARY:
			push(c, "-t");
			push(c, strcmp(v, "0") == 0 ? "word2vec" : "word2vec-bin");
			break;
		case SAVE_VOCAB: c->save_vocab = v; break;
		case READ_VOCAB: push(c, "--vocab"); push(c, v); break;
		case QUIET_IF_0:
			if (strcmp(v, "0") == 0)
				push(c, "--quiet");
			break;
		case LOSS:
			if (strcmp(v, "hs") == 0)
				push(c, "--hs"), push(c, "--negative"), push(c, "0");
			else if (strcmp(v, "ns") != 0)
				return cli_usage_error("-loss '%s' is not supported (ns or hs; softmax and ova "
						       "are for supervised models)", v);
			break;
		case ZERO_ONLY:
			if (strcmp(v, "0") != 0)
				return cli_usage_error("%s", f->why);
			break;
		case ONE_ONLY:
			if (strcmp(v, "1") != 0)
				return cli_usage_error("%s", f->why);
			break;
		case IGNORED: break;
		case REFUSED: return cli_usage_error("%s: %s", f->name, f->why);
		}
	}
	if (!corpus)
		return cli_usage_error("no corpus given (%s)", c->mode == CLI_COMPAT_FASTTEXT ? "-input FILE" :
				       "-train FILE");
	if (!output)
		return cli_usage_error("no output given (-output %s)",
				       c->mode == CLI_COMPAT_FASTTEXT ? "PREFIX" : "FILE");
	push(c, "-o");
	if (c->mode == CLI_COMPAT_FASTTEXT) {
		/* fastText writes PREFIX.bin and PREFIX.vec */
		char *bin = own(c, concat(output, ".bin"));

		if (!bin || !(c->also_output = concat(output, ".vec")))
			return cli_usage_error("out of memory");
		push(c, bin);
	} else {
		push(c, output);
	}
	push(c, "--");
	push(c, corpus);
	c->argv[c->argc] = NULL;
	return 0;
}

void cli_compat_release(struct cli_compat *c)
{
	for (size_t i = 0; i < sizeof c->owned / sizeof *c->owned; i++)
		free(c->owned[i]);
	free(c->also_output);
	free(c->argv);
	memset(c, 0, sizeof *c);
}
