/*
 * cli_compat: the command lines users bring from other trainers, translated into embtrain's own.
 *
 *   word2vec.c   embtrain -train corpus.txt -output vec.bin -size 300 -binary 1 ...
 *   fastText     embtrain skipgram -input corpus.txt -output model -dim 300 ...
 *
 * The translation is a new argument vector of embtrain's own options, so there is one training
 * path, one set of checks and one set of messages; what embtrain has no option for (a second
 * output, word2vec.c's vocabulary file) comes back in struct cli_compat.  Options of the other
 * tool that embtrain cannot honour are refused with a usage error naming them, never ignored.
 */
#ifndef CLI_COMPAT_H
#define CLI_COMPAT_H

#include <stdbool.h>

enum cli_compat_mode { CLI_COMPAT_NONE = 0, CLI_COMPAT_WORD2VEC, CLI_COMPAT_FASTTEXT };

struct cli_compat {
	enum cli_compat_mode mode;
	const char *save_vocab;  /* word2vec.c -save-vocab: "word count" lines after training */
	char *also_output;       /* fastText: PREFIX.vec beside PREFIX.bin (malloc'd) */
	char **argv;             /* the translated vector (malloc'd; strings are argv's or owned) */
	int argc;
	char *owned[4];          /* strings made here, freed by cli_compat_release() */
};

/*
 * Look at ARGV: word2vec.c's single-dash long options or fastText's `skipgram|cbow` verb.  With
 * neither, returns 0 and leaves *c as CLI_COMPAT_NONE.  With one, fills *c with the translated
 * vector (c->argv, c->argc) and returns 0; a usage error (printed through cli_usage_error) returns 2.
 */
int cli_compat_translate(struct cli_compat *c, int argc, char **argv);
void cli_compat_release(struct cli_compat *c);

#endif
