/* embconv: convert an embedding table between formats.  See embconv(1). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "emb_convert.h"
#include "cli.h"

static const char usage_text[] =
"Usage: embconv [OPTION]... [INPUT [OUTPUT]]\n"
"Convert an embedding table.  INPUT or OUTPUT '-' (or absent) is standard input/output.\n"
"Formats: glove, word2vec (text; also fastText .vec), word2vec-bin, emb, safetensors,\n"
"npy (the matrix; its tokens go beside it in NAME.vocab.tsv), and fasttext (a fastText\n"
".bin model: words and the n-grams that give unseen words vectors).\n"
"\n"
"      --from=FORMAT        input format (default: sniffed from the bytes)\n"
"  -t, --to=FORMAT          output format (default: from OUTPUT's name: .emb .bin .vec\n"
"                           .txt .safetensors .npy, then .gz; no extension: emb; any\n"
"                           other extension is an error)\n"
"      --limit=N            keep the first N rows\n"
"      --vocab=FILE         keep only FILE's tokens, in its order (row i = token i)\n"
"      --missing=HOW        vocabulary tokens absent from INPUT: error (default), zero,\n"
"                           normal or uniform (random, with the spread of INPUT's values)\n"
"      --seed=N             seed of --missing normal|uniform (default 1)\n"
"      --padding-idx=N      make row N the zero padding row (default: --vocab's <pad>)\n"
"      --normalize          scale every row to unit L2 norm\n"
"      --max-norm=X         scale rows whose norm exceeds X down to X (torch max_norm)\n"
"      --norm-type=P        the p of --max-norm's norm (default 2; 'inf' allowed)\n"
"      --dtype=TYPE         EMB element type: f32 (default) or f16\n"
"      --precision=N        text output: N digits after the point (default: shortest\n"
"                           form that reads back to the same float)\n"
"      --dedupe=HOW         a token seen twice: error (default), first or last\n"
"      --header             text output: write the 'ROWS DIM' line (word2vec)\n"
"      --no-header          text output: no header line (GloVe)\n"
"      --stats              report rows, dim, norms, duplicates, non-finite values\n"
"                           (on standard output when there is no OUTPUT, else stderr)\n"
"      --strict             a header count that differs from the rows, or an empty line,\n"
"                           is an error (default: a warning / skipped)\n"
"      --allow-nonfinite    accept NaN and infinite values\n"
"      --max-token=N        refuse a token longer than N bytes (default 1048576)\n"
"      --unicode-errors=HOW a token that is not UTF-8: keep its bytes (default, with a\n"
"                           warning), strict (error), replace (U+FFFD) or ignore (drop)\n"
"  -j, --threads=N          format text output and compress gzip output on N threads\n"
"                           (default: the number of CPUs, at most 8); the output is\n"
"                           the same for every N\n"
CLI_OUTPUT_HELP
CLI_COMMON_HELP
"\n"
"EMB output is gzip-compressed unless --level=0, which writes the raw form that readers\n"
"map into memory.\n"
"\n"
"Short letters mean the same in every embkit tool (embkit(7)).  For one release -f FORMAT\n"
"still means --from=FORMAT and -n N --limit=N, with a warning.\n";

enum {
	OPT_FROM = CLI_OPT_FIRST_TOOL, OPT_LIMIT, OPT_VOCAB, OPT_MISSING, OPT_SEED, OPT_PADDING_IDX, OPT_NORMALIZE,
	OPT_MAX_NORM, OPT_NORM_TYPE, OPT_DTYPE, OPT_PRECISION, OPT_DEDUPE, OPT_HEADER,
	OPT_NO_HEADER, OPT_STATS, OPT_STRICT, OPT_ALLOW_NONFINITE, OPT_MAX_TOKEN, OPT_UNICODE_ERRORS,
};

static void warn(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

static void progress(void *ctx, uint64_t rows)
{
	(void)ctx;
	cli_progress("%s: %llu rows", cli_progname, (unsigned long long)rows);
}

static void print_stats(FILE *f, const struct emb_convert_stats *s)
{
	fprintf(f, "rows\t%llu\ndim\t%llu\n", (unsigned long long)s->rows, (unsigned long long)s->dim);
	fprintf(f, "norm_min\t%.6g\nnorm_mean\t%.6g\nnorm_max\t%.6g\n", s->norm_min, s->norm_mean,
		s->norm_max);
	fprintf(f, "zero_rows\t%llu\nduplicates\t%llu\nnonfinite\t%llu\nmissing\t%llu\n",
		(unsigned long long)s->zero_rows, (unsigned long long)s->duplicates,
		(unsigned long long)s->nonfinite, (unsigned long long)s->missing);
}

int main(int argc, char **argv)
{
	static const char *const missing_names[] = { "error", "zero", "normal", "uniform", NULL };
	static const char *const dedupe_names[] = { "error", "first", "last", NULL };
	static const char *const dtype_names[] = { "f32", "f16", NULL };
	static const struct option longopts[] = {
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, 't' },
		{ "limit", required_argument, NULL, OPT_LIMIT },
		{ "vocab", required_argument, NULL, OPT_VOCAB },
		{ "missing", required_argument, NULL, OPT_MISSING },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ "padding-idx", required_argument, NULL, OPT_PADDING_IDX },
		{ "normalize", no_argument, NULL, OPT_NORMALIZE },
		{ "max-norm", required_argument, NULL, OPT_MAX_NORM },
		{ "norm-type", required_argument, NULL, OPT_NORM_TYPE },
		{ "dtype", required_argument, NULL, OPT_DTYPE },
		{ "precision", required_argument, NULL, OPT_PRECISION },
		{ "dedupe", required_argument, NULL, OPT_DEDUPE },
		{ "header", no_argument, NULL, OPT_HEADER },
		{ "no-header", no_argument, NULL, OPT_NO_HEADER },
		{ "stats", no_argument, NULL, OPT_STATS },
		{ "strict", no_argument, NULL, OPT_STRICT },
		{ "allow-nonfinite", no_argument, NULL, OPT_ALLOW_NONFINITE },
		{ "max-token", required_argument, NULL, OPT_MAX_TOKEN },
		{ "unicode-errors", required_argument, NULL, OPT_UNICODE_ERRORS },
		{ "threads", required_argument, NULL, 'j' },
		CLI_OUTPUT_LONGOPTS,
		CLI_COMMON_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	struct emb_convert_opts o = EMB_CONVERT_OPTS_INIT;
	struct cli_common common = CLI_COMMON_INIT;
	struct emb_convert_stats stats;
	struct emb_err err = EMB_ERR_INIT;
	bool want_stats = false;
	int c, k, rc;

	cli_init(argv[0]);
	o.wo.threads = cli_online_cpus(8);
	while ((c = getopt_long(argc, argv, "f:t:n:j:" CLI_OUTPUT_SHORTOPTS CLI_COMMON_SHORTOPTS,
				longopts, NULL)) != -1) {
		/* -f and -n were --from and --limit before they meant --format and --negative */
		if (c == 'f' || c == 'n') {
			cli_deprecated((char)c, optarg, c == 'f' ? "from" : "limit");
			c = c == 'f' ? OPT_FROM : OPT_LIMIT;
		}
		switch (c) {
		case OPT_FROM:
		case 't':
			if (!(*(c == OPT_FROM ? &o.from : &o.to) = emb_format_by_name(optarg)))
				return cli_usage_error("unknown format '%s'", optarg);
			break;
		case OPT_LIMIT:
			if ((rc = cli_parse_size("limit", optarg, 1, SIZE_MAX, &o.ro.limit)))
				return rc;
			break;
		case 'j':
			if ((rc = cli_parse_int("threads", optarg, 1, 64, &o.wo.threads)))
				return rc;
			break;
		case OPT_VOCAB:
			o.vocab = optarg;
			break;
		case OPT_MISSING:
			if ((rc = cli_parse_choice("missing", optarg, missing_names, &o.missing)))
				return rc;
			break;
		case OPT_SEED:
			if ((rc = cli_parse_count("seed", optarg, 0, UINT64_MAX, &o.seed)))
				return rc;
			break;
		case OPT_PADDING_IDX:
			if ((rc = cli_parse_range("padding-idx", optarg, 0, LONG_MAX, &o.padding_idx)))
				return rc;
			break;
		case OPT_NORMALIZE:
			o.normalize = true;
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
		case OPT_DTYPE:
			if ((rc = cli_parse_choice("dtype", optarg, dtype_names, &k)))
				return rc;
			o.wo.f16 = k == 1;
			break;
		case OPT_PRECISION:
			if ((rc = cli_parse_int("precision", optarg, 0, 60, &o.wo.precision)))
				return rc;
			break;
		case OPT_DEDUPE:
			if ((rc = cli_parse_choice("dedupe", optarg, dedupe_names, &k)))
				return rc;
			o.ro.dedupe = k == 0 ? EMB_DEDUPE_ERROR : k == 1 ? EMB_DEDUPE_FIRST : EMB_DEDUPE_LAST;
			break;
		case OPT_HEADER:
		case OPT_NO_HEADER:
			o.header_set = true;
			o.wo.header = c == OPT_HEADER;
			break;
		case OPT_STATS:
			want_stats = true;
			break;
		case OPT_STRICT:
			o.ro.strict = o.ro.strict_blank = true;
			break;
		case OPT_ALLOW_NONFINITE:
			o.ro.allow_nonfinite = true;
			break;
		case OPT_MAX_TOKEN:
			if (cli_parse_size("max-token", optarg, 1, EMB_TOKEN_MAX_LIMIT, &o.ro.max_token))
				return 2;
			break;
		case OPT_UNICODE_ERRORS:
			if (emb_utf8_mode_by_name(optarg, &o.ro.utf8) < 0)
				return cli_usage_error("invalid --unicode-errors '%s' (keep, strict, replace "
						       "or ignore)", optarg);
			break;
		default:
			cli_common_option(c, usage_text, longopts, &common);
		}
	}
	if (argc - optind > 2)
		return cli_usage_error("too many arguments");
	if (o.max_norm <= 0 && o.norm_type != 2)
		return cli_usage_error("--norm-type needs --max-norm");
	if (o.missing != EMB_MISSING_ERROR && !o.vocab)
		return cli_usage_error("--missing needs --vocab");
	if (o.wo.f16 && o.to && o.to != &emb_format_emb)
		return cli_usage_error("--dtype f16 needs EMB output");
	o.input = optind < argc ? argv[optind] : "-";
	o.output = optind + 1 < argc ? argv[optind + 1] : "-";
	o.write_output = !(want_stats && optind + 1 >= argc);
	if (o.write_output &&
	    (rc = cli_refuse_terminal(&common, o.output, !emb_format_for_output(o.output, o.to)->text)))
		return rc;
	cli_out_opts(&common, &o.oo, 0);
	o.oo.threads = o.wo.threads;
	o.ro.warn = warn;
	o.ro.warn_ctx = &common;
	if (cli_progress_enabled(&common))
		o.progress = progress;
	memset(&stats, 0, sizeof stats);
	if (want_stats)
		o.stats = &stats;

	k = emb_convert(&o, &err);
	cli_progress_done();
	if (k < 0)
		return cli_report(&err);
	if (want_stats)
		print_stats(o.write_output ? stderr : stdout, &stats);
	return cli_close_stdout();
}
