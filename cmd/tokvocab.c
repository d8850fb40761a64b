/* tokvocab: count tokens into a vocabulary, merge counts, encode text to ids and back.  See tokvocab(1). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "emb_count.h"

static const char usage_main[] =
"Usage: tokvocab COMMAND [OPTION]... [FILE]...\n"
"Build token vocabularies and map text to ids.  FILE '-' (or none) is standard input.\n"
"\n"
"Commands:\n"
"  count [FILE]...        count tokens; write 'token<TAB>count' lines, most frequent first\n"
"  merge VOCAB...         sum vocabularies of counts (the reduce step of a sharded count)\n"
"  encode -v VOCAB [FILE]...  write one line of space-separated ids per input line\n"
"  decode -v VOCAB [FILE]...  turn lines of ids back into tokens\n"
"\n"
"  -h, --help           display this help and exit\n"
"  -V, --version        output version information and exit\n"
"Run 'tokvocab COMMAND --help' for the options of a command.\n";

#define SELECT_HELP \
"      --min-count=N    drop tokens seen fewer than N times (default 1)\n" \
"      --max-size=N     keep at most N lines, specials included\n" \
"      --specials=LIST  comma-separated tokens listed first, e.g. '<pad>,<unk>'\n"
#define TOK_HELP \
"      --lower          fold case (Unicode-aware); invalid UTF-8 passes through\n" \
"      --split=MODE     ws: split on spaces, tabs and line ends (default);\n" \
"                       words: runs of letters and digits, punctuation apart\n"
#define FILE_HELP \
"  -o, --output=FILE    write to FILE (default standard output)\n" \
"      --csv            vocabulary files are comma-separated instead of TSV\n" \
"      --max-token=N    refuse a token longer than N bytes (default 1048576)\n"

static const char usage_count[] =
"Usage: tokvocab count [OPTION]... [FILE]...\n"
"Count the tokens of FILEs (plain or gzip) and write the vocabulary: one 'token<TAB>count'\n"
"line per token, most frequent first, ties by token bytes; the line number is the id.\n"
"\n"
FILE_HELP SELECT_HELP TOK_HELP
"  -j, --threads=N      counting threads (default: all cores)\n"
CLI_OUTPUT_HELP CLI_COMMON_HELP;

static const char usage_merge[] =
"Usage: tokvocab merge [OPTION]... VOCAB...\n"
"Sum the counts of VOCABs (tokvocab, word2vec -save-vocab or GloVe vocab_count files) and\n"
"write one vocabulary, sorted as 'tokvocab count' sorts.\n"
"\n"
FILE_HELP SELECT_HELP CLI_OUTPUT_HELP CLI_COMMON_HELP;

static const char usage_encode[] =
"Usage: tokvocab encode -v VOCAB [OPTION]... [FILE]...\n"
"Write one line of space-separated ids per input line (an empty line stays empty).\n"
"\n"
"  -v, --vocab=FILE     the vocabulary (required)\n"
FILE_HELP TOK_HELP
"      --unk=MODE       unknown tokens: TOKEN (default '<unk>' when the vocabulary has it,\n"
"                       else error), 'skip' to drop them, 'error' to fail\n"
"      --bos[=TOKEN]    begin every line with TOKEN (default '<bos>')\n"
"      --eos[=TOKEN]    end every line with TOKEN (default '<eos>')\n"
"      --max-len=N      at most N ids a line, --bos/--eos included (they are kept)\n"
CLI_OUTPUT_HELP CLI_COMMON_HELP;

static const char usage_decode[] =
"Usage: tokvocab decode -v VOCAB [OPTION]... [FILE]...\n"
"Turn lines of space-separated ids back into tokens joined by one space.\n"
"\n"
"  -v, --vocab=FILE     the vocabulary (required)\n"
FILE_HELP CLI_OUTPUT_HELP CLI_COMMON_HELP;

enum {
	OPT_MIN_COUNT = CLI_OPT_FIRST_TOOL,
	OPT_MAX_SIZE,
	OPT_SPECIALS,
	OPT_LOWER,
	OPT_SPLIT,
	OPT_CSV,
	OPT_UNK,
	OPT_BOS,
	OPT_EOS,
	OPT_MAX_LEN,
	OPT_MAX_TOKEN,
};

#define LO(name, arg, val) { name, arg, NULL, val }
#define LO_FILE LO("output", required_argument, 'o'), LO("csv", no_argument, OPT_CSV), \
	LO("max-token", required_argument, OPT_MAX_TOKEN)
#define LO_SELECT LO("min-count", required_argument, OPT_MIN_COUNT), \
	LO("max-size", required_argument, OPT_MAX_SIZE), LO("specials", required_argument, OPT_SPECIALS)
#define LO_TOK LO("lower", no_argument, OPT_LOWER), LO("split", required_argument, OPT_SPLIT)
#define LO_END CLI_OUTPUT_LONGOPTS, CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 }

static const struct option lo_count[] = {
	LO_FILE, LO_SELECT, LO_TOK, LO("threads", required_argument, 'j'), LO_END
};
static const struct option lo_merge[] = { LO_FILE, LO_SELECT, LO_END };
static const struct option lo_encode[] = {
	LO("vocab", required_argument, 'v'), LO_FILE, LO_TOK,
	LO("unk", required_argument, OPT_UNK), LO("bos", optional_argument, OPT_BOS),
	LO("eos", optional_argument, OPT_EOS), LO("max-len", required_argument, OPT_MAX_LEN), LO_END
};
static const struct option lo_decode[] = { LO("vocab", required_argument, 'v'), LO_FILE, LO_END };

enum unk_mode { UNK_DEFAULT, UNK_TOKEN, UNK_SKIP, UNK_ERROR };

struct tv_opts {
	struct cli_common common;
	const char *output, *vocab;
	unsigned vflags;                 /* EMB_VOCAB_CSV */
	struct emb_vocab_select sel;
	char *specials_buf;
	const char **specials;
	struct emb_tok_opts tok;
	int threads;
	enum unk_mode unk;
	const char *unk_token, *bos, *eos;
	uint64_t max_len;
	size_t max_token;                /* 0: the library's default */
	char **files;
	int nfiles;
};

/* Split LIST at commas into o->specials; usage error for an empty item. */
static int parse_specials(struct tv_opts *o, const char *list)
{
	size_t n = 1;
	char *p;

	free(o->specials_buf);
	free(o->specials);
	o->specials = NULL;
	for (const char *s = list; *s; s++)
		n += *s == ',';
	if (!(o->specials_buf = strdup(list)) || !(o->specials = calloc(n, sizeof *o->specials)))
		return cli_error("out of memory");
	n = 0;
	for (p = o->specials_buf;; p++) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		if (!*p)
			return cli_usage_error("empty token in --specials '%s'", list);
		o->specials[n++] = p;
		if (!comma)
			break;
		p = comma;
	}
	o->sel.specials = o->specials;
	o->sel.nspecials = n;
	return 0;
}

/* Parse a subcommand's options (argv[0] is its name); 0 or an exit status. */
static int parse(struct tv_opts *o, int argc, char **argv, const struct option *lo,
		 const char *usage)
{
	uint64_t v;
	int c, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "o:v:j:" CLI_OUTPUT_SHORTOPTS CLI_COMMON_SHORTOPTS, lo,
				NULL)) != -1) {
		switch (c) {
		case 'o':
			o->output = optarg;
			break;
		case 'v':
			o->vocab = optarg;
			break;
		case OPT_CSV:
			o->vflags |= EMB_VOCAB_CSV;
			break;
		case OPT_MIN_COUNT:
			if ((rc = cli_parse_count("min-count", optarg, 0, UINT64_MAX, &o->sel.min_count)))
				return rc;
			break;
		case OPT_MAX_SIZE:
			if ((rc = cli_parse_count("max-size", optarg, 1, UINT64_MAX, &o->sel.max_size)))
				return rc;
			break;
		case OPT_SPECIALS:
			if ((rc = parse_specials(o, optarg)))
				return rc;
			break;
		case OPT_LOWER:
			o->tok.lower = true;
			break;
		case OPT_SPLIT:
			if ((rc = cli_parse_split(optarg, &o->tok.split)))
				return rc;
			break;
		case 'j':
			if ((rc = cli_parse_count("threads", optarg, 1, UINT64_MAX, &v)))
				return rc;
			o->threads = v > 256 ? 256 : (int)v;
			break;
		case OPT_UNK:
			if (strcmp(optarg, "skip") == 0) {
				o->unk = UNK_SKIP;
			} else if (strcmp(optarg, "error") == 0) {
				o->unk = UNK_ERROR;
			} else if (*optarg) {
				o->unk = UNK_TOKEN;
				o->unk_token = optarg;
			} else {
				return cli_usage_error("invalid --unk '' (TOKEN, skip or error)");
			}
			break;
		case OPT_BOS:
		case OPT_EOS:
			if (optarg && !*optarg)
				return cli_usage_error("empty --%s token", c == OPT_BOS ? "bos" : "eos");
			*(c == OPT_BOS ? &o->bos : &o->eos) =
				optarg ? optarg : c == OPT_BOS ? "<bos>" : "<eos>";
			break;
		case OPT_MAX_TOKEN:
			if ((rc = cli_parse_size("max-token", optarg, 1, EMB_TOKEN_MAX_LIMIT, &o->max_token)))
				return rc;
			break;
		case OPT_MAX_LEN:
			if ((rc = cli_parse_count("max-len", optarg, 1, UINT64_MAX, &o->max_len)))
				return rc;
			break;
		default:
			cli_common_option(c, usage, lo, &o->common);
		}
	}
	o->files = argv + optind;
	o->nfiles = argc - optind;
	return 0;
}

static int open_output(const struct tv_opts *o, struct emb_out **out, struct emb_err *err)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;

	cli_out_opts(&o->common, &oo, 0);
	return emb_out_open(out, o->output ? o->output : "-", &oo, err);
}

/* Sort COUNTS, apply --min-count/--max-size/--specials, write the result. */
static int write_vocab(const struct tv_opts *o, struct emb_vocab *counts, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	struct emb_out *out = NULL;
	size_t n = emb_vocab_size(counts);
	bool keep_all;
	int rc;

	if ((rc = emb_vocab_sort(counts, err)) < 0)
		return rc;
	/* sorted, so the last count is the smallest: often nothing is to be dropped or added */
	keep_all = !o->sel.nspecials && (!o->sel.max_size || o->sel.max_size >= n) &&
		   (n == 0 || emb_vocab_count(counts, n - 1) >= o->sel.min_count);
	if ((!keep_all && (rc = emb_vocab_select(&v, counts, &o->sel, err)) < 0) ||
	    (rc = open_output(o, &out, err)) < 0 ||
	    (rc = emb_vocab_save(v ? v : counts, out, o->vflags, err)) < 0)
		goto done;
	rc = emb_out_commit(out, err);
	out = NULL;
done:
	emb_out_abort(out);
	emb_vocab_free(v);
	return rc;
}

struct progress {
	double start, last;
};

static void show_progress(void *ctx, uint64_t bytes)
{
	struct progress *p = ctx;
	double now = cli_now();

	if (now - p->last < 0.25)
		return;
	p->last = now;
	cli_progress("counted %.1f MB (%.0f MB/s)", (double)bytes / 1e6,
		     (double)bytes / 1e6 / (now - p->start + 1e-9));
}

static void warn_invalid(const struct tv_opts *o, uint64_t invalid)
{
	if (invalid)
		cli_warn(&o->common, "%llu invalid UTF-8 sequence%s passed through unchanged",
			 (unsigned long long)invalid, invalid == 1 ? "" : "s");
}

static int count_files(const struct tv_opts *o, struct emb_vocab **counts, struct emb_err *err)
{
	static char *stdin_only[] = { "-" };
	struct emb_count_opts co = EMB_COUNT_OPTS_INIT;
	struct emb_counter *c = NULL;
	struct progress pr = { cli_now(), 0 };
	char **files = o->nfiles ? o->files : stdin_only;
	int nfiles = o->nfiles ? o->nfiles : 1, rc;

	co.tok = o->tok;
	co.threads = o->threads;
	co.max_token = o->max_token;
	if (cli_progress_enabled(&o->common)) {
		co.progress = show_progress;
		co.progress_ctx = &pr;
	}
	if ((rc = emb_counter_new(&c, &co, err)) < 0)
		return rc;
	for (int i = 0; i < nfiles && rc == 0; i++) {
		struct emb_stream *in;
		if ((rc = emb_stream_open(&in, files[i], err)) < 0)
			break;
		if ((rc = emb_counter_add(c, in, err)) < 0) {
			emb_stream_abort(in);
			break;
		}
		rc = emb_stream_close(in, err);
	}
	if (rc == 0)
		rc = emb_counter_finish(c, counts, err);
	if (co.progress) {
		show_progress(&pr, emb_counter_bytes(c));
		cli_progress_done();
	}
	warn_invalid(o, emb_counter_invalid_utf8(c));
	emb_counter_free(c);
	return rc;
}

static int merge_files(const struct tv_opts *o, struct emb_vocab **sum, struct emb_err *err)
{
	int rc;

	if ((rc = emb_vocab_new(sum, err)) < 0)
		return rc;
	for (int i = 0; i < o->nfiles; i++) {
		struct emb_vocab *v;
		if ((rc = emb_vocab_load_limit(&v, o->files[i], o->vflags, o->max_token, err)) < 0)
			return rc;
		rc = emb_vocab_add_counts(*sum, v, o->files[i], err);
		emb_vocab_free(v);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- encode ---- */

struct encoder {
	const struct tv_opts *o;
	const struct emb_vocab *v;
	struct emb_stream *in;
	long unk, bos, eos;
	size_t *ids;
	size_t n, cap;
	struct emb_err *err;
};

static int push_id(struct encoder *e, size_t id)
{
	if (e->n == e->cap) {
		size_t nc = e->cap ? 2 * e->cap : 256;
		size_t *p = realloc(e->ids, nc * sizeof *p);
		if (!p)
			return emb_err_nomem(e->err, "encoding");
		e->ids = p;
		e->cap = nc;
	}
	e->ids[e->n++] = id;
	return 0;
}

static int encode_token(void *ctx, const char *tok, size_t len)
{
	struct encoder *e = ctx;
	long id = emb_vocab_find(e->v, tok, len);
	char shown[96];

	if (id >= 0)
		return push_id(e, (size_t)id);
	if (e->unk >= 0)
		return push_id(e, (size_t)e->unk);
	if (e->o->unk == UNK_SKIP)
		return 0;
	return emb_stream_fail(e->in, e->err, EMB_EFORMAT, "'%s' is not in the vocabulary",
			       emb_err_token(shown, sizeof shown, tok, len));
}

/* Write one line of N ids separated by single spaces. */
static int write_ids(struct emb_out *out, const size_t *ids, size_t n, struct emb_err *err)
{
	int rc;

	for (size_t i = 0; i < n; i++)
		if ((rc = emb_tsv_write_u64(out, ids[i], i + 1 < n ? ' ' : '\n', err)) < 0)
			return rc;
	return n ? 0 : emb_out_write(out, "\n", 1, err);
}

static int encode_stream(struct encoder *e, struct emb_tokenizer *t, struct emb_out *out)
{
	size_t keep = e->o->max_len ? (size_t)e->o->max_len : (size_t)-1;
	char *line;
	size_t len;
	int rc;

	while ((rc = emb_stream_getline(e->in, &line, &len, e->err)) == 0) {
		e->n = 0;
		if (e->bos >= 0 && (rc = push_id(e, (size_t)e->bos)) < 0)
			return rc;
		if ((rc = emb_token_check_line(e->in, line, len, e->err)) < 0 ||
		    (rc = emb_tokenizer_line(t, line, len, encode_token, e, e->err)) != 0)
			return rc;
		/* truncate the text, never the specials (main checked keep >= their number) */
		if (e->n + (e->eos >= 0) > keep)
			e->n = keep - (e->eos >= 0);
		if (e->eos >= 0 && (rc = push_id(e, (size_t)e->eos)) < 0)
			return rc;
		if ((rc = write_ids(out, e->ids, e->n, e->err)) < 0)
			return rc;
	}
	return rc == EMB_EOF ? 0 : rc;
}

/* Id of the special token an option names; an error when the vocabulary lacks it. */
static int special_id(const struct tv_opts *o, const struct emb_vocab *v, const char *opt,
		      const char *tok, long *id, struct emb_err *err)
{
	*id = tok ? emb_vocab_find(v, tok, strlen(tok)) : -1;
	if (tok && *id < 0)
		return emb_err_set_at(err, EMB_EFORMAT, o->vocab, 0, "no '%s' token (needed by %s)",
				      tok, opt);
	return 0;
}

/* ---- decode ---- */

static int decode_stream(const struct emb_vocab *v, struct emb_stream *in, struct emb_out *out,
			 struct emb_err *err)
{
	size_t size = emb_vocab_size(v);
	char *line;
	size_t len;
	int rc;

	while ((rc = emb_stream_getline(in, &line, &len, err)) == 0) {
		size_t i = 0;
		bool first = true;
		for (;;) {
			size_t b, id = 0, tlen;
			const char *tok;
			char shown[96];
			bool bad = false;

			while (i < len && (line[i] == ' ' || line[i] == '\t' || line[i] == '\r'))
				i++;
			if (i == len)
				break;
			for (b = i; i < len && line[i] != ' ' && line[i] != '\t' && line[i] != '\r'; i++) {
				bad |= line[i] < '0' || line[i] > '9' || id > ((size_t)-1 - 9) / 10;
				id = id * 10 + (size_t)(line[i] - '0');
			}
			if (bad)
				return emb_stream_fail(in, err, EMB_EFORMAT, "'%s' is not an id",
						       emb_err_token(shown, sizeof shown, line + b, i - b));
			if (id >= size)
				return emb_stream_fail(in, err, EMB_EFORMAT,
						       "id %zu is out of range (the vocabulary has %zu tokens)",
						       id, size);
			tok = emb_vocab_token(v, id, &tlen);
			if ((!first && (rc = emb_out_write(out, " ", 1, err)) < 0) ||
			    (rc = emb_out_write(out, tok, tlen, err)) < 0)
				return rc;
			first = false;
		}
		if ((rc = emb_out_write(out, "\n", 1, err)) < 0)
			return rc;
	}
	return rc == EMB_EOF ? 0 : rc;
}

/* ---- the commands ---- */

/* Run FN on every input (FILEs or stdin) into one output. */
typedef int (*stream_fn)(void *ctx, struct emb_stream *in, struct emb_out *out, struct emb_err *err);

static int each_input(const struct tv_opts *o, stream_fn fn, void *ctx, struct emb_err *err)
{
	static char *stdin_only[] = { "-" };
	char **files = o->nfiles ? o->files : stdin_only;
	int nfiles = o->nfiles ? o->nfiles : 1, rc;
	struct emb_out *out = NULL;
	struct emb_stream *in = NULL;

	if ((rc = open_output(o, &out, err)) < 0)
		return rc;
	for (int i = 0; i < nfiles; i++) {
		if ((rc = emb_stream_open(&in, files[i], err)) < 0 || (rc = fn(ctx, in, out, err)) < 0)
			goto done;
		rc = emb_stream_close(in, err);
		in = NULL;
		if (rc < 0)
			goto done;
	}
	rc = emb_out_commit(out, err);
	out = NULL;
done:
	emb_stream_abort(in);
	emb_out_abort(out);
	return rc;
}

struct encode_ctx {
	struct encoder e;
	struct emb_tokenizer *t;
};

static int encode_one(void *ctx, struct emb_stream *in, struct emb_out *out, struct emb_err *err)
{
	struct encode_ctx *c = ctx;

	c->e.in = in;
	c->e.err = err;
	return encode_stream(&c->e, c->t, out);
}

static int decode_one(void *ctx, struct emb_stream *in, struct emb_out *out, struct emb_err *err)
{
	return decode_stream(ctx, in, out, err);
}

static int cmd_encode(const struct tv_opts *o, const struct emb_vocab *v, struct emb_err *err)
{
	struct encode_ctx c;
	int rc;

	memset(&c, 0, sizeof c);
	c.e.o = o;
	c.e.v = v;
	c.e.unk = -1;
	if (o->unk == UNK_DEFAULT)
		c.e.unk = emb_vocab_find(v, "<unk>", 5);
	else if (o->unk == UNK_TOKEN && (rc = special_id(o, v, "--unk", o->unk_token, &c.e.unk, err)) < 0)
		return rc;
	if ((rc = special_id(o, v, "--bos", o->bos, &c.e.bos, err)) < 0 ||
	    (rc = special_id(o, v, "--eos", o->eos, &c.e.eos, err)) < 0 ||
	    (rc = emb_tokenizer_new(&c.t, &o->tok, err)) < 0)
		return rc;
	rc = each_input(o, encode_one, &c, err);
	warn_invalid(o, emb_tokenizer_invalid_utf8(c.t));
	emb_tokenizer_free(c.t);
	free(c.e.ids);
	return rc;
}

enum cmd { CMD_COUNT, CMD_MERGE, CMD_ENCODE, CMD_DECODE };

static const struct {
	const char *name;
	const struct option *lo;
	const char *usage;
} cmds[] = {
	{ "count", lo_count, usage_count },
	{ "merge", lo_merge, usage_merge },
	{ "encode", lo_encode, usage_encode },
	{ "decode", lo_decode, usage_decode },
};

static int run(enum cmd cmd, struct tv_opts *o, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	int rc = 0;

	switch (cmd) {
	case CMD_COUNT:
		if ((rc = count_files(o, &v, err)) == 0)
			rc = write_vocab(o, v, err);
		break;
	case CMD_MERGE:
		if ((rc = merge_files(o, &v, err)) == 0)
			rc = write_vocab(o, v, err);
		break;
	case CMD_ENCODE:
	case CMD_DECODE:
		if ((rc = emb_vocab_load_limit(&v, o->vocab, o->vflags, o->max_token, err)) < 0)
			break;
		rc = cmd == CMD_ENCODE ? cmd_encode(o, v, err) : each_input(o, decode_one, v, err);
		break;
	}
	emb_vocab_free(v);
	return rc;
}

/* Checks getopt cannot make; 0 or exit status 2. */
static int check_args(enum cmd cmd, const struct tv_opts *o)
{
	if (cmd == CMD_MERGE && o->nfiles == 0)
		return cli_usage_error("merge needs at least one vocabulary");
	if ((cmd == CMD_ENCODE || cmd == CMD_DECODE) && !o->vocab)
		return cli_usage_error("%s needs a vocabulary (-v FILE)", cmds[cmd].name);
	if (o->sel.max_size && o->sel.max_size < o->sel.nspecials)
		return cli_usage_error("--max-size %llu is smaller than the %zu specials",
				       (unsigned long long)o->sel.max_size, o->sel.nspecials);
	if (o->max_len && o->max_len <= (uint64_t)!!o->bos + (uint64_t)!!o->eos)
		return cli_usage_error("--max-len %llu leaves no room after --bos/--eos",
				       (unsigned long long)o->max_len);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lo_main[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct tv_opts o;
	struct emb_err err = EMB_ERR_INIT;
	int cmd = -1, rc;

	cli_init(argv[0]);
	argv[0] = (char *)cli_progname;  /* getopt's messages name the tool, not its path */
	memset(&o, 0, sizeof o);
	o.common = (struct cli_common)CLI_COMMON_INIT;
	o.sel = (struct emb_vocab_select)EMB_VOCAB_SELECT_INIT;
	o.tok = (struct emb_tok_opts)EMB_TOK_OPTS_INIT;
	for (size_t i = 0; argc > 1 && i < sizeof cmds / sizeof cmds[0]; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			cmd = (int)i;
	if (cmd < 0) {
		if (argc > 1 && strcmp(argv[1], "--list-options") == 0) {
			for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
				puts(cmds[i].name);
			puts("--help");
			puts("--version");
			return cli_close_stdout();
		}
		if (argc > 1 && argv[1][0] == '-' && argv[1][1]) {
			int c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, lo_main, NULL);
			cli_common_option(c == 'q' ? '?' : c, usage_main, lo_main, &o.common);
		}
		if (argc > 1)
			return cli_usage_error("unknown command '%s'", argv[1]);
		return cli_usage_error("missing command (count, merge, encode or decode)");
	}
	if ((rc = parse(&o, argc - 1, cli_subcommand_argv(argv), cmds[cmd].lo, cmds[cmd].usage)) ||
	    (rc = check_args((enum cmd)cmd, &o)))
		goto done;
	rc = run((enum cmd)cmd, &o, &err) < 0 ? cli_report(&err) : cli_close_stdout();
done:
	free(o.specials);
	free(o.specials_buf);
	return rc;
}
