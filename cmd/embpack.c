/* embpack: padded and packed batches with PyTorch's semantics, streamed to disk.  See embpack(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "emb_format.h"
#include "emb_pack.h"

static const char usage_text[] =
"Usage: embpack [OPTION]... [INPUT]\n"
"  or:  embpack dump [FILE]\n"
"  or:  embpack stats [FILE]\n"
"Cut id sequences (one per line, as 'tokvocab encode' writes) into padded and packed batches\n"
"with torch.nn.utils.rnn semantics.  INPUT '-' (or absent) is standard input.  'dump' prints a\n"
"PACK file as text; 'stats' prints its batches, sequences, tokens and padding ratio.\n"
"\n"
"Batching:\n"
"  -b, --batch-size=B     sequences per batch (default 32 unless --max-tokens is given)\n"
"      --max-tokens=T     at most T padded tokens (B x longest) per batch; a longer sequence\n"
"                         is a batch of its own (counted, with a warning)\n"
"      --bucket=W         sort by length within windows of W sequences (default 0: keep order)\n"
"      --shuffle          shuffle the order of the batches within each window\n"
"      --seed=S           seed of --shuffle (default 0)\n"
"      --drop-last        drop a final batch of fewer than B sequences\n"
"      --max-len=N        truncate sequences to N ids\n"
"      --min-len=N        skip sequences of fewer than N ids (empty ones are always skipped)\n"
"      --strict           an empty sequence, or one longer than --max-tokens, is an error\n"
"  -p, --padding-idx=N    padding value and the zero row of --embed (default 0)\n"
"      --batch-first      padded is B x T (default T x B, torch's batch_first=False)\n"
"      --enforce-sorted   fail unless each batch is sorted longest first (torch's enforce_sorted)\n"
"Input:\n"
"  -v, --vocab=VOCAB      the input is text: encode it with VOCAB as 'tokvocab encode' does\n"
"      --ids              with -v: the input is ids already; check them against VOCAB's size\n"
"      --lower            with -v: fold case before lookup\n"
"      --split=MODE       with -v: 'ws' (default) or 'words'\n"
"      --unk=MODE         with -v, a token not in VOCAB: TOKEN (default '<unk>' when VOCAB has\n"
"                         it, else error), 'skip' to drop it, 'error' to fail\n"
"Vectors:\n"
"      --embed=VECTORS    add the embedding rows of the packed data (nn.Embedding forward)\n"
"      --max-norm=X       renormalise rows whose norm exceeds X (nn.Embedding max_norm)\n"
"      --norm-type=P      the p of that norm (default 2; 'inf' allowed)\n"
"Output:\n"
"  -t, --to=FORMAT        'pack' (default; a PACK stream) or 'npz' (one .npz per batch in DIR)\n"
"  -o, --output=PATH      PACK file (default: standard output) or, with --to=npz, the directory\n"
"  -j, --threads=N        compress with N threads (default: one per core)\n"
"      --level=N          gzip level 0-12 (default 1; 0 = uncompressed)\n"
"      --force            write binary output even to a terminal\n"
CLI_COMMON_HELP
"\n"
"Short letters mean the same in every embkit tool (embkit(7)): -t is --to.  For one release\n"
"-t N (a number) still means --max-tokens=N and -e FILE --embed=FILE, with a warning.\n";

enum {
	OPT_BUCKET = CLI_OPT_FIRST_TOOL, OPT_SHUFFLE, OPT_SEED, OPT_DROP_LAST, OPT_MAX_LEN,
	OPT_MIN_LEN, OPT_BATCH_FIRST, OPT_ENFORCE_SORTED, OPT_LOWER, OPT_SPLIT, OPT_UNK,
	OPT_MAX_NORM, OPT_NORM_TYPE, OPT_IDS, OPT_STRICT, OPT_MAX_TOKENS, OPT_EMBED,
};

static const struct option sub_longopts[] = {
	CLI_COMMON_LONGOPTS,
	{ NULL, 0, NULL, 0 }
};

static const char sub_usage[] =
"Usage: embpack dump [FILE]\n"
"  or:  embpack stats [FILE]\n"
"Print a PACK file (FILE '-' or absent: standard input) as text, or its totals.\n"
CLI_COMMON_HELP;

static void on_progress(void *ctx, uint64_t lines, const struct emb_pack_totals *t)
{
	(void)ctx;
	cli_progress("%llu lines, %llu batches", (unsigned long long)lines,
		     (unsigned long long)t->batches);
}

/* embpack dump|stats [FILE] */
static int sub_main(const char *sub, int argc, char **argv)
{
	struct cli_common common = CLI_COMMON_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_pack_totals tot;
	struct emb_out *out = NULL;
	const char *path;
	int c;

	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, sub_longopts, NULL)) != -1)
		cli_common_option(c, sub_usage, sub_longopts, &common);
	if (argc - optind > 1)
		return cli_usage_error("too many arguments");
	path = optind < argc ? argv[optind] : "-";
	if (strcmp(sub, "stats") == 0) {
		if (emb_pack_stats(path, &tot, &err) < 0)
			return cli_report(&err);
		printf("batches\t%llu\nsequences\t%llu\ntokens\t%llu\npadding\t%llu\n"
		       "padding_ratio\t%.6f\n", (unsigned long long)tot.batches,
		       (unsigned long long)tot.sequences, (unsigned long long)tot.tokens,
		       (unsigned long long)(tot.cells - tot.tokens),
		       tot.cells ? (double)(tot.cells - tot.tokens) / (double)tot.cells : 0.0);
		return cli_close_stdout();
	}
	if (emb_out_open(&out, "-", NULL, &err) < 0 || emb_pack_dump(path, out, &err) < 0) {
		emb_out_abort(out);
		return cli_report(&err);
	}
	if (emb_out_commit(out, &err) < 0) /* frees out even when it fails */
		return cli_report(&err);
	return cli_close_stdout();
}

/*
 * -t was --max-tokens before it meant --to, as in embtrain and embconv.  A number can only be
 * the old meaning (a warning, for one release); 'pack' or 'npz' only the new; anything else
 * cannot be told apart: a usage error naming both spellings.
 */
static int old_t(int *c, const char *arg)
{
	if (arg[0] >= '0' && arg[0] <= '9' && arg[strspn(arg, "0123456789")] == 0) {
		cli_deprecated('t', arg, "max-tokens");
		*c = OPT_MAX_TOKENS;
	} else if (strcmp(arg, "pack") != 0 && strcmp(arg, "npz") != 0) {
		return cli_usage_error("invalid -t '%s': -t is --to (pack or npz); a token budget is "
				       "--max-tokens=N", arg);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "batch-size",     required_argument, NULL, 'b' },
		{ "max-tokens",     required_argument, NULL, OPT_MAX_TOKENS },
		{ "bucket",         required_argument, NULL, OPT_BUCKET },
		{ "shuffle",        no_argument,       NULL, OPT_SHUFFLE },
		{ "seed",           required_argument, NULL, OPT_SEED },
		{ "drop-last",      no_argument,       NULL, OPT_DROP_LAST },
		{ "max-len",        required_argument, NULL, OPT_MAX_LEN },
		{ "min-len",        required_argument, NULL, OPT_MIN_LEN },
		{ "strict",         no_argument,       NULL, OPT_STRICT },
		{ "padding-idx",    required_argument, NULL, 'p' },
		{ "batch-first",    no_argument,       NULL, OPT_BATCH_FIRST },
		{ "enforce-sorted", no_argument,       NULL, OPT_ENFORCE_SORTED },
		{ "vocab",          required_argument, NULL, 'v' },
		{ "ids",            no_argument,       NULL, OPT_IDS },
		{ "lower",          no_argument,       NULL, OPT_LOWER },
		{ "split",          required_argument, NULL, OPT_SPLIT },
		{ "unk",            required_argument, NULL, OPT_UNK },
		{ "embed",          required_argument, NULL, OPT_EMBED },
		{ "max-norm",       required_argument, NULL, OPT_MAX_NORM },
		{ "norm-type",      required_argument, NULL, OPT_NORM_TYPE },
		{ "to",             required_argument, NULL, 't' },
		{ "output",         required_argument, NULL, 'o' },
		{ "threads",        required_argument, NULL, 'j' },
		{ "level",          required_argument, NULL, CLI_OPT_LEVEL },
		{ "force",          no_argument,       NULL, CLI_OPT_FORCE },
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct emb_pack_opts o = EMB_PACK_OPTS_INIT;
	struct cli_common common = CLI_COMMON_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_vocab *vocab = NULL;
	struct emb_table *table = NULL;
	struct emb_pack_totals tot;
	const char *vocab_path = NULL, *embed_path = NULL;
	bool pad_given = false, ids = false;
	size_t threads = 0;
	long pad = 0;
	static const char *const to_names[] = { "pack", "npz", NULL };
	int c, k, rc, li;

	cli_init(argv[0]);
	if (argc > 1 && (strcmp(argv[1], "dump") == 0 || strcmp(argv[1], "stats") == 0)) {
		const char *sub = argv[1];
		return sub_main(sub, argc - 1, cli_subcommand_argv(argv));
	}
	while ((li = -1, c = getopt_long(argc, argv, "b:t:p:v:e:o:j:" CLI_COMMON_SHORTOPTS, longopts,
					   &li)) != -1) {
		if (c == 't' && li < 0 && (rc = old_t(&c, optarg)))
			return rc;
		if (c == 'e') {
			cli_deprecated('e', optarg, "embed");
			c = OPT_EMBED;
		}
		switch (c) {
		case 'b':
			if ((rc = cli_parse_size("batch-size", optarg, 1, SIZE_MAX, &o.batch.batch_size)))
				return rc;
			break;
		case OPT_MAX_TOKENS:
			if ((rc = cli_parse_size("max-tokens", optarg, 1, SIZE_MAX, &o.batch.max_tokens)))
				return rc;
			break;
		case OPT_BUCKET:
			if ((rc = cli_parse_size("bucket", optarg, 0, SIZE_MAX, &o.batch.bucket)))
				return rc;
			break;
		case OPT_SHUFFLE:
			o.batch.shuffle = true;
			break;
		case OPT_SEED:
			if ((rc = cli_parse_count("seed", optarg, 0, UINT64_MAX, &o.batch.seed)))
				return rc;
			break;
		case OPT_DROP_LAST:
			o.batch.drop_last = true;
			break;
		case OPT_MAX_LEN:
			if ((rc = cli_parse_size("max-len", optarg, 1, SIZE_MAX, &o.max_len)))
				return rc;
			break;
		case OPT_MIN_LEN:
			if ((rc = cli_parse_size("min-len", optarg, 0, SIZE_MAX, &o.min_len)))
				return rc;
			break;
		case 'p':
			if ((rc = cli_parse_range("padding-idx", optarg, INT32_MIN, INT32_MAX, &pad)))
				return rc;
			pad_given = true;
			break;
		case OPT_STRICT:
			o.strict = true;
			break;
		case OPT_BATCH_FIRST:
			o.batch.batch_first = true;
			break;
		case OPT_ENFORCE_SORTED:
			o.batch.enforce_sorted = true;
			break;
		case 'v':
			vocab_path = optarg;
			break;
		case OPT_IDS:
			ids = true;
			break;
		case OPT_LOWER:
			o.tok.lower = true;
			break;
		case OPT_SPLIT:
			if ((rc = cli_parse_split(optarg, &o.tok.split)))
				return rc;
			break;
		case OPT_UNK:
			o.unk = strcmp(optarg, "skip") == 0    ? EMB_PACK_UNK_SKIP
				: strcmp(optarg, "error") == 0 ? EMB_PACK_UNK_ERROR
							       : EMB_PACK_UNK_TOKEN;
			o.unk_token = optarg;
			break;
		case OPT_EMBED:
			embed_path = optarg;
			break;
		case OPT_MAX_NORM:
			if ((rc = cli_parse_real("max-norm", optarg, 0, HUGE_VAL, CLI_REAL_ABOVE_MIN,
						 &o.max_norm)))
				return rc;
			break;
		case OPT_NORM_TYPE:
			if ((rc = cli_parse_real("norm-type", optarg, 0, HUGE_VAL,
						 CLI_REAL_ABOVE_MIN | CLI_REAL_INF, &o.norm_type)))
				return rc;
			break;
		case 't':
			if ((rc = cli_parse_choice("to", optarg, to_names, &k)))
				return rc;
			o.to = k == 1 ? EMB_PACK_TO_NPZ : EMB_PACK_TO_PACK;
			break;
		case 'o':
			o.output = optarg;
			break;
		case 'j':
			if ((rc = cli_parse_size("threads", optarg, 1, SIZE_MAX, &threads)))
				return rc;
			break;
		case CLI_OPT_LIST_OPTIONS:
			puts("dump");
			puts("stats");
			/* then the options of the default (packing) mode */
			/* fall through */
		default:
			cli_common_option(c, usage_text, longopts, &common);
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("too many arguments");
	if (optind < argc)
		o.input = argv[optind];
	if (o.max_norm > 0 && !embed_path)
		return cli_usage_error("--max-norm needs --embed");
	if (o.to == EMB_PACK_TO_NPZ && strcmp(o.output, "-") == 0)
		return cli_usage_error("--to=npz needs -o DIR");
	if (!vocab_path &&
	    (ids || o.tok.lower || o.tok.split != EMB_SPLIT_WS || o.unk != EMB_PACK_UNK_DEFAULT))
		return cli_usage_error("--ids, --lower, --split and --unk need --vocab");
	if (!o.batch.batch_size && !o.batch.max_tokens)
		o.batch.batch_size = 32;
	if (o.to == EMB_PACK_TO_PACK && (rc = cli_refuse_terminal(&common, o.output, true)))
		return rc;
	cli_out_opts(&common, &o.out, EMB_OUT_GZIP | EMB_OUT_NO_GZ_NAME);
	o.out.threads = threads ? (threads > 64 ? 64 : (int)threads) : cli_online_cpus(64);
	if (cli_progress_enabled(&common))
		o.progress = on_progress;

	if (vocab_path && (rc = emb_vocab_load(&vocab, vocab_path, 0, &err)) < 0)
		goto fail;
	if (vocab && o.unk == EMB_PACK_UNK_TOKEN &&
	    emb_vocab_find(vocab, o.unk_token, strlen(o.unk_token)) < 0) {
		rc = cli_usage_error("--unk token '%s' is not in the vocabulary", o.unk_token);
		goto out;
	}
	if (ids)
		o.id_limit = emb_vocab_size(vocab);
	else
		o.vocab = vocab;
	if (embed_path) {
		ro.want_mmap = true;
		if ((rc = emb_table_load(&table, embed_path, NULL, &ro, &err)) < 0)
			goto fail;
		if (!pad_given && table->padding_idx >= 0)
			pad = table->padding_idx;
		if (pad < 0)  /* torch counts a negative padding_idx from the end */
			pad += (long)table->rows;
		if (pad < 0 || (size_t)pad >= table->rows) {
			rc = cli_usage_error("--padding-idx %ld is not a row of '%s' (%zu rows)", pad,
					     embed_path, table->rows);
			goto out;
		}
		o.pad_row = pad;
	}
	o.table = table;
	o.batch.padding_idx = (int32_t)pad;

	if ((rc = emb_pack_run(&o, &tot, &err)) < 0)
		goto fail;
	if (tot.over_budget)
		cli_warn(&common, "%llu sequence%s longer than --max-tokens %zu: each is a batch of "
			 "its own, over the budget", (unsigned long long)tot.over_budget,
			 tot.over_budget == 1 ? "" : "s", o.batch.max_tokens);
	if (o.progress)
		cli_summary(&common, "%llu batches, %llu sequences, %llu tokens, padding %.2f%%, "
			    "%llu empty skipped", (unsigned long long)tot.batches,
			    (unsigned long long)tot.sequences, (unsigned long long)tot.tokens,
			    tot.cells ? 100.0 * (double)(tot.cells - tot.tokens) / (double)tot.cells : 0.0,
			    (unsigned long long)tot.empty);
	rc = cli_close_stdout();
	goto out;
fail:
	rc = cli_report(&err);
out:
	emb_table_free(table);
	emb_vocab_free(vocab);
	return rc;
}
