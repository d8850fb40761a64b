/* embquery: ask an embedding table questions: vectors, neighbours, analogies, evaluation.
 * See embquery(1). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "emb_eval.h"
#include "emb_format.h"
#include "emb_knn.h"
#include "emb_query.h"

static const char usage_text[] =
"Usage: embquery COMMAND [OPTION]... VECTORS [QUERY]...\n"
"  or:  embquery VECTORS COMMAND [OPTION]... [QUERY]...\n"
"Ask the embedding table VECTORS (any format embconv reads; a raw EMB file is mapped, not\n"
"read) questions.  With no QUERY on the command line, queries are read from standard input,\n"
"one per line.  Commands:\n"
"  vec WORD...        the vectors of the words, one row per word\n"
"  nn WORD...         the nearest rows by cosine similarity (the word itself excluded); a\n"
"                     query of DIM numbers is a literal vector; with --negative, all the\n"
"                     words form one query: gensim's most_similar(positive, negative)\n"
"  analogy A B C      A is to B as C is to ?  (3CosAdd; A, B, C excluded); queries in threes\n"
"  sim A B            cosine similarity; queries in pairs\n"
"  doesnt-match WORD...  the words ranked by their cosine to the mean of them all, the odd\n"
"                     one first (gensim's doesnt_match)\n"
"  eval-analogy FILE  accuracy on analogy questions (questions-words.txt format)\n"
"  eval-sim FILE      Pearson and Spearman correlation with human scores (TSV or CSV pairs)\n"
"  lookup [IDS]...    the rows of id sequences (nn.Embedding forward), one sequence per line\n"
"\n"
"Options:\n"
"  -k, --k=N             neighbours per query (default 10)\n"
"  -r, --restrict=N      search only the first N rows (default: all; eval-analogy and\n"
"                        eval-sim 300000, as gensim)\n"
"      --negative=WORD   nn: subtract WORD's direction from the query (repeatable)\n"
"      --method=M        analogy objective: add (3CosAdd, default) or cosmul (3CosMul)\n"
"  -f, --format=F        tsv (default; vec: text) or json; vec also text\n"
"      --oov=ACTION      a word not in the table: error (default), skip or zero (a warning\n"
"                        per word)\n"
"      --strict          a malformed query or evaluation line is an error, not a warning\n"
"      --case-sensitive  evaluation: compare words as they are (default: upper-cased, as gensim)\n"
"  -j, --threads=N       search threads (default: one per core)\n"
"      --max-norm=X      lookup: renormalise rows whose norm exceeds X (nn.Embedding max_norm)\n"
"      --norm-type=P     lookup: the p of that norm (default 2)\n"
"      --padding-idx=N   lookup: row N reads as zeros (default: the table's padding row)\n"
"      --max-token=N     refuse a token of VECTORS longer than N bytes (default 1048576)\n"
"      --unicode-errors=HOW  a token of VECTORS that is not UTF-8: keep (default, with a\n"
"                        warning), strict (error), replace (U+FFFD) or ignore (drop)\n"
CLI_COMMON_HELP
"\n"
"Short letters mean the same in every embkit tool (embkit(7)).  For one release -m M still\n"
"means --method=M, with a warning.\n";

enum {
	OPT_OOV = CLI_OPT_FIRST_TOOL, OPT_STRICT, OPT_CASE, OPT_MAX_NORM, OPT_NORM_TYPE,
	OPT_PADDING, OPT_NEGATIVE, OPT_MAX_TOKEN, OPT_UNICODE_ERRORS, OPT_METHOD,
};

enum {
	CMD_VEC, CMD_NN, CMD_ANALOGY, CMD_SIM, CMD_DOESNT_MATCH, CMD_EVAL_ANALOGY, CMD_EVAL_SIM,
	CMD_LOOKUP, NCMD
};

static const char *const cmd_names[NCMD] = {
	"vec", "nn", "analogy", "sim", "doesnt-match", "eval-analogy", "eval-sim", "lookup",
};

#define B(c) (1u << (c))
#define ALL ((1u << NCMD) - 1)
#define SEARCH (B(CMD_NN) | B(CMD_ANALOGY))
#define EVAL (B(CMD_EVAL_ANALOGY) | B(CMD_EVAL_SIM))
#define QUERIES (B(CMD_VEC) | SEARCH | B(CMD_SIM) | B(CMD_DOESNT_MATCH) | B(CMD_LOOKUP))

/* Every option, with the commands it belongs to (what `embquery CMD --list-options` shows). */
static const struct {
	struct option opt;
	unsigned cmds;
} all_opts[] = {
	{ { "k", required_argument, NULL, 'k' }, SEARCH },
	{ { "restrict", required_argument, NULL, 'r' }, SEARCH | EVAL },
	{ { "negative", required_argument, NULL, OPT_NEGATIVE }, B(CMD_NN) },
	{ { "method", required_argument, NULL, OPT_METHOD }, B(CMD_ANALOGY) | B(CMD_EVAL_ANALOGY) },
	{ { "format", required_argument, NULL, 'f' }, ALL },
	{ { "oov", required_argument, NULL, OPT_OOV }, QUERIES },
	{ { "strict", no_argument, NULL, OPT_STRICT }, ALL },
	{ { "case-sensitive", no_argument, NULL, OPT_CASE }, EVAL },
	{ { "threads", required_argument, NULL, 'j' }, SEARCH | B(CMD_EVAL_ANALOGY) },
	{ { "max-norm", required_argument, NULL, OPT_MAX_NORM }, B(CMD_LOOKUP) },
	{ { "norm-type", required_argument, NULL, OPT_NORM_TYPE }, B(CMD_LOOKUP) },
	{ { "padding-idx", required_argument, NULL, OPT_PADDING }, B(CMD_LOOKUP) },
	{ { "max-token", required_argument, NULL, OPT_MAX_TOKEN }, ALL },
	{ { "unicode-errors", required_argument, NULL, OPT_UNICODE_ERRORS }, ALL },
};
#define NOPTS (sizeof all_opts / sizeof all_opts[0])

enum { FMT_DEFAULT, FMT_TEXT, FMT_TSV, FMT_JSON };
enum { OOV_ERROR, OOV_SKIP, OOV_ZERO };

struct qopts {
	struct cli_common common;
	int cmd;
	uint64_t k;
	uint64_t restrict_rows;
	bool restrict_set;
	int method;
	int format;
	int oov;
	bool strict;
	bool case_sensitive;
	long threads;
	double max_norm;        /* < 0: none */
	double norm_type;
	long padding_idx;       /* -2: the table's */
	const char **negative;  /* nn --negative words (argc slots) */
	size_t nneg;
	uint64_t max_token;     /* reading VECTORS (emb_read_opts) */
	int utf8;
};

struct query {
	const struct qopts *o;
	struct emb_query *qr;
	size_t dim;
	struct emb_out *out;
	struct emb_err *err;
	const char *src;          /* where queries come from, for messages */
	unsigned long long line;  /* 0: the command line */
	bool interactive;         /* answer each line before reading the next */
	size_t blocks;            /* result blocks written so far */
};

/* ---- output ---- */

static int put(struct query *q, const char *s, size_t n)
{
	return emb_out_write(q->out, s, n, q->err);
}

static int puts_(struct query *q, const char *s)
{
	return put(q, s, strlen(s));
}

static int put_float(struct query *q, float v)
{
	char buf[EMB_FLOAT_MAX];
	return put(q, buf, emb_float_format(buf, v));
}

static int put_u64(struct query *q, uint64_t v)
{
	char buf[32];
	return put(q, buf, (size_t)snprintf(buf, sizeof buf, "%llu", (unsigned long long)v));
}

/* A ratio for the reports; "n/a" (null in JSON) when undefined, never NaN. */
static int put_ratio(struct query *q, double v)
{
	char buf[64];
	int n = 0;

	if (isnan(v))
		return puts_(q, q->o->format == FMT_JSON ? "null" : "n/a");
	for (int prec = 15; prec <= 17; prec++) { /* the shortest that reads back the same */
		n = snprintf(buf, sizeof buf, "%.*g", prec, v);
		if (strtod(buf, NULL) == v)
			break;
	}
	return put(q, buf, (size_t)n);
}

static int put_json_str(struct query *q, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char buf[8];
	size_t a = 0;
	int rc;

	if ((rc = put(q, "\"", 1)) < 0)
		return rc;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		if ((rc = put(q, s + a, i - a)) < 0)
			return rc;
		buf[0] = '\\';
		buf[1] = (char)c;
		if (c < 0x20) {
			memcpy(buf + 1, "u00", 3);
			buf[4] = hex[c >> 4];
			buf[5] = hex[c & 15];
		}
		if ((rc = put(q, buf, c < 0x20 ? 6 : 2)) < 0)
			return rc;
		a = i + 1;
	}
	if ((rc = put(q, s + a, n - a)) < 0)
		return rc;
	return put(q, "\"", 1);
}

/* A word as the format wants it: JSON string, TSV field (quoted when needed), or raw text. */
static int put_word(struct query *q, const char *s, size_t n, char sep)
{
	int rc;

	if (q->o->format == FMT_JSON)
		return put_json_str(q, s, n);
	if (q->o->format == FMT_TSV)
		return emb_tsv_write_field(q->out, s, n, '\t', sep, q->err);
	if ((rc = put(q, s, n)) < 0)
		return rc;
	return put(q, &sep, 1);
}

/* Separate result blocks by an empty line (TSV/text); JSON has one line per block. */
static int block_start(struct query *q)
{
	if (q->blocks++ && q->o->format != FMT_JSON)
		return put(q, "\n", 1);
	return 0;
}

/* Interactive use: hand what was written to the reader now. */
static int flush_out(struct query *q)
{
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	int rc;

	if (!q->interactive)
		return 0;
	rc = emb_out_commit(q->out, q->err);
	q->out = NULL;
	if (rc < 0)
		return rc;
	return emb_out_open(&q->out, "-", &oo, q->err);
}

/* ---- answers ---- */

static int put_vector(struct query *q, const float *v)
{
	char sep = q->o->format == FMT_TSV ? '\t' : q->o->format == FMT_JSON ? ',' : ' ';
	int rc = 0;

	for (size_t d = 0; d < q->dim && rc == 0; d++)
		if ((!d || (rc = put(q, &sep, 1)) == 0))
			rc = put_float(q, v[d]);
	return rc;
}

/* nn, analogy: a block of word<TAB>score lines, or {"query":..,"results":[..]}. */
static int put_hits(struct query *q, const struct emb_query_result *r)
{
	bool json = q->o->format == FMT_JSON;
	int rc;

	if ((rc = block_start(q)) < 0)
		return rc;
	if (json && ((rc = puts_(q, "{\"query\":")) < 0 || (rc = put_json_str(q, r->query, r->query_len)) < 0 ||
		     (rc = puts_(q, ",\"results\":[")) < 0))
		return rc;
	for (size_t j = 0; j < r->n; j++) {
		const struct emb_query_item *it = &r->item[j];
		if (json) {
			if ((j && (rc = puts_(q, ",")) < 0) || (rc = puts_(q, "{\"word\":")) < 0 ||
			    (rc = put_json_str(q, it->word, it->len)) < 0 || (rc = puts_(q, ",\"score\":")) < 0 ||
			    (rc = put_float(q, it->score)) < 0 || (rc = puts_(q, "}")) < 0)
				return rc;
		} else if ((rc = put_word(q, it->word, it->len, '\t')) < 0 ||
			   (rc = put_float(q, it->score)) < 0 || (rc = puts_(q, "\n")) < 0) {
			return rc;
		}
	}
	return json ? puts_(q, "]}\n") : 0;
}

/* vec: a line per word. */
static int put_vecs(struct query *q, const struct emb_query_result *r)
{
	int rc;

	for (size_t j = 0; j < r->n; j++) {
		const struct emb_query_item *it = &r->item[j];
		if (q->o->format == FMT_JSON) {
			if ((rc = puts_(q, "{\"word\":")) < 0 || (rc = put_json_str(q, it->word, it->len)) < 0 ||
			    (rc = puts_(q, ",\"vector\":[")) < 0 || (rc = put_vector(q, it->vec)) < 0 ||
			    (rc = puts_(q, "]}\n")) < 0)
				return rc;
		} else if ((rc = put_word(q, it->word, it->len, q->o->format == FMT_TSV ? '\t' : ' ')) < 0 ||
			   (rc = put_vector(q, it->vec)) < 0 || (rc = puts_(q, "\n")) < 0) {
			return rc;
		}
	}
	return 0;
}

static int put_sim(struct query *q, const struct emb_query_result *r)
{
	const struct emb_query_item *a = &r->item[0], *b = &r->item[1];
	int rc;

	if (q->o->format == FMT_JSON) {
		if ((rc = puts_(q, "{\"a\":")) < 0 || (rc = put_json_str(q, a->word, a->len)) < 0 ||
		    (rc = puts_(q, ",\"b\":")) < 0 || (rc = put_json_str(q, b->word, b->len)) < 0 ||
		    (rc = puts_(q, ",\"similarity\":")) < 0 ||
		    (rc = put_float(q, (float)r->similarity)) < 0 || (rc = puts_(q, "}\n")) < 0)
			return rc;
		return 0;
	}
	if ((rc = put_word(q, a->word, a->len, '\t')) < 0 || (rc = put_word(q, b->word, b->len, '\t')) < 0 ||
	    (rc = put_float(q, (float)r->similarity)) < 0 || (rc = puts_(q, "\n")) < 0)
		return rc;
	return 0;
}

/* lookup: a block of rows, or one JSON array of rows. */
static int put_rows(struct query *q, const struct emb_query_result *r)
{
	bool json = q->o->format == FMT_JSON;
	int rc;

	if ((rc = block_start(q)) < 0 || (json && (rc = puts_(q, "[")) < 0))
		return rc;
	for (size_t j = 0; j < r->n; j++) {
		if (json) {
			if ((j && (rc = puts_(q, ",")) < 0) || (rc = puts_(q, "[")) < 0 ||
			    (rc = put_vector(q, r->item[j].vec)) < 0 || (rc = puts_(q, "]")) < 0)
				return rc;
		} else if ((rc = put_vector(q, r->item[j].vec)) < 0 || (rc = puts_(q, "\n")) < 0) {
			return rc;
		}
	}
	return json ? puts_(q, "]\n") : 0;
}

/* Print every answer ready; interactively, search what is queued first and hand it over. */
static int put_answers(struct query *q)
{
	struct emb_query_result r;
	bool any = false;
	int rc = 0;

	if (q->interactive && (rc = emb_query_run(q->qr, q->err)) < 0)
		return rc;
	while (rc == 0 && emb_query_next(q->qr, &r) == 0) {
		any = true;
		switch (q->o->cmd) {
		case CMD_VEC: rc = put_vecs(q, &r); break;
		case CMD_SIM: rc = put_sim(q, &r); break;
		case CMD_LOOKUP: rc = put_rows(q, &r); break;
		default: rc = put_hits(q, &r); break;
		}
	}
	return rc < 0 || !any ? rc : flush_out(q);
}

static int run_query(struct query *q, const char *s, size_t n)
{
	int rc = emb_query_add(q->qr, s, n, q->src, q->line, q->err);

	return rc < 0 ? rc : put_answers(q);
}

/* "a b" is not one word (nor is ""). */
static bool one_word(const char *s)
{
	return *s && !strpbrk(s, " \t\r\n\f\v");
}

/*
 * Queries from the command line: vec and nn take one argument per query, sim two, analogy
 * three; doesnt-match, and nn with --negative, take all the words as one query.
 */
static int run_args(struct query *q, int argc, char **argv)
{
	bool all = q->o->cmd == CMD_DOESNT_MATCH || (q->o->cmd == CMD_NN && q->o->nneg);
	int per = all ? argc : q->o->cmd == CMD_SIM ? 2 : q->o->cmd == CMD_ANALOGY ? 3 : 1;
	char *buf = NULL;
	int rc = 0;

	q->src = "<command line>";
	for (int i = 0; i + per <= argc && rc == 0; i += per) {
		size_t len = 0;
		for (int j = 0; j < per; j++)
			len += strlen(argv[i + j]) + 1;
		char *nb = realloc(buf, len);
		if (!nb) {
			rc = emb_err_nomem(q->err, "reading queries");
			break;
		}
		buf = nb;
		len = 0;
		for (int j = 0; j < per; j++) {
			size_t l = strlen(argv[i + j]);
			if ((per > 1 || all) && !one_word(argv[i + j])) { /* "a b" c: not 3 words */
				rc = cli_usage_error("'%s' is not one word", argv[i + j]) ? EMB_EINVAL : 0;
				goto done;
			}
			memcpy(buf + len, argv[i + j], l);
			len += l;
			buf[len++] = ' ';
		}
		rc = run_query(q, buf, len - 1);
	}
done:
	free(buf);
	return rc;
}

static int run_stdin(struct query *q)
{
	struct emb_stream *in = NULL;
	char *line;
	size_t len;
	int rc;

	if ((rc = emb_stream_open(&in, "-", q->err)) < 0)
		return rc;
	q->src = emb_stream_name(in);
	q->interactive = isatty(0);
	while ((rc = emb_stream_getline(in, &line, &len, q->err)) == 0) {
		q->line = emb_stream_lineno(in);
		if ((rc = run_query(q, line, len)) < 0)
			break;
	}
	if (rc == EMB_EOF)
		rc = 0;
	if (rc == 0)
		rc = emb_stream_close(in, q->err);
	else
		emb_stream_abort(in);
	return rc;
}

/* ---- evaluations ---- */

static void on_warning(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

static int put_row(struct query *q, const char *name, size_t a, size_t b, bool comma)
{
	double r = b ? (double)a / (double)b : 0; /* gensim: an empty section scores 0 */
	int rc;

	if (q->o->format == FMT_JSON) {
		if ((comma && (rc = puts_(q, ",")) < 0) || (rc = puts_(q, "{\"section\":")) < 0 ||
		    (rc = put_json_str(q, name, strlen(name))) < 0 ||
		    (rc = puts_(q, ",\"correct\":")) < 0 || (rc = put_u64(q, a)) < 0 ||
		    (rc = puts_(q, ",\"asked\":")) < 0 || (rc = put_u64(q, b)) < 0 ||
		    (rc = puts_(q, ",\"accuracy\":")) < 0 || (rc = put_ratio(q, r)) < 0 ||
		    (rc = puts_(q, "}")) < 0)
			return rc;
		return 0;
	}
	if ((rc = put_word(q, name, strlen(name), '\t')) < 0 || (rc = put_u64(q, a)) < 0 ||
	    (rc = puts_(q, "\t")) < 0 || (rc = put_u64(q, b)) < 0 || (rc = puts_(q, "\t")) < 0 ||
	    (rc = put_ratio(q, r)) < 0 || (rc = puts_(q, "\n")) < 0)
		return rc;
	return 0;
}

static int report_analogy(struct query *q, const struct emb_eval_analogy_report *r)
{
	size_t answered = r->questions - r->oov;
	bool json = q->o->format == FMT_JSON;
	int rc;

	if ((rc = puts_(q, json ? "{\"sections\":[" : "section\tcorrect\tasked\taccuracy\n")) < 0)
		return rc;
	for (size_t i = 0; i < r->nsec; i++)
		if ((rc = put_row(q, r->sec[i].name, r->sec[i].correct, r->sec[i].asked, i > 0)) < 0)
			return rc;
	if ((json && (rc = puts_(q, "],\"summary\":[")) < 0) ||
	    (rc = put_row(q, "semantic", r->sem_correct, r->sem_asked, false)) < 0 ||
	    (rc = put_row(q, "syntactic", r->syn_correct, r->syn_asked, true)) < 0 ||
	    (rc = put_row(q, "total", r->correct, r->asked, true)) < 0 ||
	    (rc = put_row(q, "coverage", answered, r->questions, true)) < 0)
		return rc;
	if (json && ((rc = puts_(q, "],\"questions\":")) < 0 || (rc = put_u64(q, r->questions)) < 0 ||
		     (rc = puts_(q, ",\"oov\":")) < 0 || (rc = put_u64(q, r->oov)) < 0 ||
		     (rc = puts_(q, ",\"skipped\":")) < 0 || (rc = put_u64(q, r->skipped)) < 0 ||
		     (rc = puts_(q, ",\"restrict\":")) < 0 || (rc = put_u64(q, r->rows)) < 0 ||
		     (rc = puts_(q, "}\n")) < 0))
		return rc;
	/* which rows counted: gensim's numbers depend on it */
	if (!json && ((rc = puts_(q, "restrict\t")) < 0 || (rc = put_u64(q, r->rows)) < 0 ||
		      (rc = puts_(q, "\n")) < 0))
		return rc;
	return 0;
}

static int report_pairs(struct query *q, const struct emb_eval_pairs_report *r)
{
	double cov = r->pairs + r->oov ? (double)r->pairs / (double)(r->pairs + r->oov) : NAN;
	static const char *const names[] = { "pearson", "spearman", "pairs", "oov", "coverage",
					     "restrict" };
	bool json = q->o->format == FMT_JSON;
	int rc;

	if (json && (rc = puts_(q, "{")) < 0)
		return rc;
	for (int i = 0; i < 6; i++) {
		if (json) {
			if ((i && (rc = puts_(q, ",")) < 0) || (rc = put_json_str(q, names[i], strlen(names[i]))) < 0 ||
			    (rc = puts_(q, ":")) < 0)
				return rc;
		} else if ((rc = puts_(q, names[i])) < 0 || (rc = puts_(q, "\t")) < 0) {
			return rc;
		}
		switch (i) {
		case 0: rc = put_ratio(q, r->pearson); break;
		case 1: rc = put_ratio(q, r->spearman); break;
		case 2: rc = put_u64(q, r->pairs); break;
		case 3: rc = put_u64(q, r->oov); break;
		case 4: rc = put_ratio(q, cov); break;
		default: rc = put_u64(q, r->rows); break;
		}
		if (rc < 0 || (!json && (rc = puts_(q, "\n")) < 0))
			return rc;
	}
	return json ? puts_(q, "}\n") : 0;
}

static int run_eval(struct query *q, const struct emb_table *t, const char *path)
{
	struct emb_eval_opts eo = EMB_EVAL_OPTS_INIT;
	struct emb_eval_analogy_report ar;
	struct emb_eval_pairs_report pr;
	struct emb_stream *in = NULL;
	int rc;

	if (q->o->restrict_set)
		eo.restrict_rows = q->o->restrict_rows;
	eo.case_sensitive = q->o->case_sensitive;
	eo.strict = q->o->strict;
	eo.method = q->o->method;
	eo.threads = (int)q->o->threads;
	eo.warn = on_warning;
	eo.warn_ctx = (void *)&q->o->common;
	if ((rc = emb_stream_open(&in, path, q->err)) < 0)
		return rc;
	if (q->o->cmd == CMD_EVAL_ANALOGY) {
		if ((rc = emb_eval_analogy(&ar, t, in, &eo, q->err)) == 0)
			rc = report_analogy(q, &ar);
		emb_eval_analogy_release(&ar);
	} else if ((rc = emb_eval_pairs(&pr, t, in, &eo, q->err)) == 0) {
		if (!pr.pairs)
			cli_warn(&q->o->common, "%s: no pair has both words in the table", path);
		rc = report_pairs(q, &pr);
	}
	if (rc == 0)
		return emb_stream_close(in, q->err);
	emb_stream_abort(in);
	return rc;
}

/* ---- main ---- */

static void on_warning(void *ctx, const char *msg);

/* The questions of nn, analogy, sim, vec and lookup go to the library's query module. */
static int setup_query(struct query *q, const struct emb_table *t, struct emb_err *err)
{
	static const int kinds[NCMD] = {
		[CMD_VEC] = EMB_QUERY_VEC, [CMD_NN] = EMB_QUERY_NN, [CMD_ANALOGY] = EMB_QUERY_ANALOGY,
		[CMD_SIM] = EMB_QUERY_SIM, [CMD_DOESNT_MATCH] = EMB_QUERY_DOESNT_MATCH,
		[CMD_LOOKUP] = EMB_QUERY_LOOKUP,
	};
	static const int oov[] = { [OOV_ERROR] = EMB_OOV_ERROR, [OOV_SKIP] = EMB_OOV_SKIP,
				   [OOV_ZERO] = EMB_OOV_ZERO };
	struct emb_query_opts qo = EMB_QUERY_OPTS_INIT;
	const struct qopts *o = q->o;

	q->dim = t->dim;
	if (o->cmd == CMD_EVAL_ANALOGY || o->cmd == CMD_EVAL_SIM)
		return 0;
	qo.kind = kinds[o->cmd];
	qo.method = o->method;
	qo.k = o->k;
	qo.restrict_rows = o->restrict_set ? o->restrict_rows : 0;
	qo.threads = (int)o->threads;
	qo.oov = oov[o->oov];
	qo.strict = o->strict;
	qo.negative = o->negative;
	qo.nnegative = o->nneg;
	qo.max_norm = o->max_norm;
	qo.norm_type = o->norm_type;
	qo.padding_idx = o->padding_idx == -2 ? EMB_QUERY_PADDING_TABLE : o->padding_idx;
	qo.warn = on_warning;
	qo.warn_ctx = (void *)&o->common;
	return emb_query_new(&q->qr, t, &qo, err);
}

static int parse_options(struct qopts *o, int argc, char **argv)
{
	static const char *const oov_names[] = { "error", "skip", "zero", NULL };
	static const char *const method_names[] = { "add", "3cosadd", "cosmul", "3cosmul", NULL };
	struct option longopts[NOPTS + 6];
	size_t n = 0;
	int c, pick;

	for (size_t i = 0; i < NOPTS; i++)
		if (all_opts[i].cmds & B(o->cmd))
			longopts[n++] = all_opts[i].opt;
	const struct option common[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	memcpy(longopts + n, common, sizeof common);

	while ((c = getopt_long(argc, argv, "k:r:m:f:j:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if (c == 'm') { /* --method's letter before -m meant --model */
			cli_deprecated('m', optarg, "method");
			c = OPT_METHOD;
		}
		switch (c) {
		case 'k':
			if (cli_parse_count("k", optarg, 1, (uint64_t)1 << 24, &o->k))
				return 2;
			break;
		case 'r':
			if (cli_parse_count("restrict", optarg, 0, UINT64_MAX, &o->restrict_rows))
				return 2;
			o->restrict_set = true;
			break;
		case OPT_METHOD:
			if (cli_parse_choice("method", optarg, method_names, &pick))
				return 2;
			o->method = pick < 2 ? EMB_KNN_COSINE : EMB_KNN_COSMUL;
			break;
		case 'f':
			if (strcmp(optarg, "tsv") == 0)
				o->format = FMT_TSV;
			else if (strcmp(optarg, "json") == 0)
				o->format = FMT_JSON;
			else if (strcmp(optarg, "text") == 0 && (o->cmd == CMD_VEC || o->cmd == CMD_LOOKUP))
				o->format = FMT_TEXT;
			else
				return cli_usage_error("invalid --format '%s'", optarg);
			break;
		case OPT_OOV:
			if (cli_parse_choice("oov", optarg, oov_names, &pick))
				return 2;
			o->oov = pick == 0 ? OOV_ERROR : pick == 1 ? OOV_SKIP : OOV_ZERO;
			break;
		case OPT_NEGATIVE:
			if (!one_word(optarg))
				return cli_usage_error("invalid --negative '%s' (one word)", optarg);
			if (!o->negative && !(o->negative = calloc((size_t)argc, sizeof *o->negative)))
				return cli_error("out of memory");
			o->negative[o->nneg++] = optarg;
			break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_CASE: o->case_sensitive = true; break;
		case 'j':
			if (cli_parse_range("threads", optarg, 1, 64, &o->threads))
				return 2;
			break;
		case OPT_MAX_NORM:
			if (cli_parse_real("max-norm", optarg, 0, HUGE_VAL, 0, &o->max_norm))
				return 2;
			break;
		case OPT_NORM_TYPE:
			if (cli_parse_real("norm-type", optarg, 0, HUGE_VAL,
					   CLI_REAL_ABOVE_MIN | CLI_REAL_INF, &o->norm_type))
				return 2;
			break;
		case OPT_PADDING:
			if (cli_parse_range("padding-idx", optarg, 0, LONG_MAX, &o->padding_idx))
				return 2;
			break;
		case OPT_MAX_TOKEN:
			if (cli_parse_count("max-token", optarg, 1, EMB_TOKEN_MAX_LIMIT, &o->max_token))
				return 2;
			break;
		case OPT_UNICODE_ERRORS:
			if (emb_utf8_mode_by_name(optarg, &o->utf8) < 0)
				return cli_usage_error("invalid --unicode-errors '%s' (keep, strict, replace "
						       "or ignore)", optarg);
			break;
		default:
			cli_common_option(c, usage_text, longopts, &o->common);
		}
	}
	if (o->format == FMT_DEFAULT)
		o->format = o->cmd == CMD_VEC || o->cmd == CMD_LOOKUP ? FMT_TEXT : FMT_TSV;
	return 0;
}

static int find_cmd(const char *s)
{
	for (int i = 0; i < NCMD; i++)
		if (strcmp(s, cmd_names[i]) == 0)
			return i;
	return -1;
}

/* embquery with no command: --help, --version, --list-options (the commands, then options). */
static int top_level(int argc, char **argv)
{
	static const struct option longopts[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	struct cli_common common = CLI_COMMON_INIT;
	int c;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--list-options") == 0) {
			for (int j = 0; j < NCMD; j++)
				printf("%s\n", cmd_names[j]);
			break;
		}
	while ((c = getopt_long(argc, argv, CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1)
		cli_common_option(c, usage_text, longopts, &common);
	if (optind < argc)
		return cli_usage_error("unknown command '%s'", argv[optind]);
	return cli_usage_error("missing command");
}

/* Everything after the command's options; o->cmd is known. */
static int query_main(struct qopts *o, int argc, char **argv)
{
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct emb_table *t = NULL;
	struct query q;
	const char *vectors;
	int rc;

	memset(&q, 0, sizeof q);
	if ((rc = parse_options(o, argc - 1, cli_subcommand_argv(argv))) != 0)
		return rc;
	optind++; /* argv + 1 was parsed */
	if (optind >= argc)
		return cli_usage_error("missing VECTORS");
	vectors = argv[optind++];
	if ((o->cmd == CMD_EVAL_ANALOGY || o->cmd == CMD_EVAL_SIM) && argc - optind != 1)
		return cli_usage_error(argc - optind ? "too many arguments" : "missing FILE");
	if (o->cmd == CMD_SIM && (argc - optind) % 2)
		return cli_usage_error("sim takes words in pairs");
	if (o->cmd == CMD_ANALOGY && (argc - optind) % 3)
		return cli_usage_error("analogy takes words in threes (A B C)");

	ro.want_mmap = true;
	ro.lazy_vocab = true;
	ro.warn = on_warning;
	ro.warn_ctx = &o->common;
	ro.max_token = (size_t)o->max_token;
	ro.utf8 = o->utf8;
	q.o = o;
	q.err = &err;
	if ((rc = emb_table_load(&t, vectors, NULL, &ro, &err)) < 0 ||
	    (rc = setup_query(&q, t, &err)) < 0 || (rc = emb_out_open(&q.out, "-", &oo, &err)) < 0)
		goto done;
	if (o->cmd == CMD_EVAL_ANALOGY || o->cmd == CMD_EVAL_SIM)
		rc = run_eval(&q, t, argv[optind]);
	else if (optind < argc)
		rc = run_args(&q, argc - optind, argv + optind);
	else
		rc = run_stdin(&q);
	if (rc == 0 && q.qr && (rc = emb_query_run(q.qr, &err)) == 0)
		rc = put_answers(&q);
	if (rc == 0) {
		rc = emb_out_commit(q.out, &err);
		q.out = NULL;
	}
done:
	emb_out_abort(q.out);
	emb_query_free(q.qr);
	emb_table_free(t);
	if (rc == EMB_EINVAL && err.code != EMB_EINVAL)
		return 2; /* a usage error already reported */
	return rc < 0 ? cli_report(&err) : 0;
}

int main(int argc, char **argv)
{
	struct qopts o = { CLI_COMMON_INIT, 0, 10, 0, false, EMB_KNN_COSINE, FMT_DEFAULT, OOV_ERROR,
			   false, false, 0, -1, 2, -2, NULL, 0, 0, EMB_UTF8_KEEP };
	int rc;

	cli_init(argv[0]);
	argv[0] = (char *)cli_progname; /* getopt's messages name the tool, not its path */
	if (argc >= 3 && find_cmd(argv[1]) < 0 && argv[1][0] != '-' && find_cmd(argv[2]) >= 0) {
		char *swap = argv[1]; /* embquery VECTORS COMMAND ...: the same as COMMAND VECTORS ... */
		argv[1] = argv[2];
		argv[2] = swap;
	}
	if (argc < 2 || (o.cmd = find_cmd(argv[1])) < 0)
		return top_level(argc, argv);
	rc = query_main(&o, argc, argv);
	free(o.negative);
	return rc;
}
