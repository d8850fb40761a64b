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

static const char usage_text[] =
"Usage: embquery COMMAND [OPTION]... VECTORS [QUERY]...\n"
"  or:  embquery VECTORS COMMAND [OPTION]... [QUERY]...\n"
"Ask the embedding table VECTORS (any format embconv reads; a raw EMB file is mapped, not\n"
"read) questions.  With no QUERY on the command line, queries are read from standard input,\n"
"one per line.  Commands:\n"
"  vec WORD...        the vectors of the words, one row per word\n"
"  nn WORD...         the nearest rows by cosine similarity (the word itself excluded); a\n"
"                     query of DIM numbers is a literal vector\n"
"  analogy A B C      A is to B as C is to ?  (3CosAdd; A, B, C excluded); queries in threes\n"
"  sim A B            cosine similarity; queries in pairs\n"
"  eval-analogy FILE  accuracy on analogy questions (questions-words.txt format)\n"
"  eval-sim FILE      Pearson and Spearman correlation with human scores (TSV or CSV pairs)\n"
"  lookup [IDS]...    the rows of id sequences (nn.Embedding forward), one sequence per line\n"
"\n"
"Options:\n"
"  -k, --k=N             neighbours per query (default 10)\n"
"  -r, --restrict=N      search only the first N rows (default: all; eval-analogy 30000,\n"
"                        eval-sim 300000)\n"
"  -m, --method=M        analogy objective: add (3CosAdd, default) or cosmul (3CosMul)\n"
"  -f, --format=F        tsv (default; vec: text) or json; vec also text\n"
"      --oov=ACTION      a word not in the table: error (default), skip or zero (a warning\n"
"                        per word)\n"
"      --strict          a malformed query or evaluation line is an error, not a warning\n"
"      --case-sensitive  evaluation: compare words as they are (default: upper-cased, as gensim)\n"
"  -j, --threads=N       search threads (default: one per core)\n"
"      --max-norm=X      lookup: renormalise rows whose norm exceeds X (nn.Embedding max_norm)\n"
"      --norm-type=P     lookup: the p of that norm (default 2)\n"
"      --padding-idx=N   lookup: row N reads as zeros (default: the table's padding row)\n"
CLI_COMMON_HELP;

enum {
	OPT_OOV = CLI_OPT_FIRST_TOOL, OPT_STRICT, OPT_CASE, OPT_MAX_NORM, OPT_NORM_TYPE,
	OPT_PADDING,
};

enum { CMD_VEC, CMD_NN, CMD_ANALOGY, CMD_SIM, CMD_EVAL_ANALOGY, CMD_EVAL_SIM, CMD_LOOKUP, NCMD };

static const char *const cmd_names[NCMD] = {
	"vec", "nn", "analogy", "sim", "eval-analogy", "eval-sim", "lookup",
};

#define B(c) (1u << (c))
#define ALL ((1u << NCMD) - 1)
#define SEARCH (B(CMD_NN) | B(CMD_ANALOGY))
#define EVAL (B(CMD_EVAL_ANALOGY) | B(CMD_EVAL_SIM))
#define QUERIES (B(CMD_VEC) | SEARCH | B(CMD_SIM) | B(CMD_LOOKUP))

/* Every option, with the commands it belongs to (what `embquery CMD --list-options` shows). */
static const struct {
	struct option opt;
	unsigned cmds;
} all_opts[] = {
	{ { "k", required_argument, NULL, 'k' }, SEARCH },
	{ { "restrict", required_argument, NULL, 'r' }, SEARCH | EVAL },
	{ { "method", required_argument, NULL, 'm' }, B(CMD_ANALOGY) | B(CMD_EVAL_ANALOGY) },
	{ { "format", required_argument, NULL, 'f' }, ALL },
	{ { "oov", required_argument, NULL, OPT_OOV }, QUERIES },
	{ { "strict", no_argument, NULL, OPT_STRICT }, ALL },
	{ { "case-sensitive", no_argument, NULL, OPT_CASE }, EVAL },
	{ { "threads", required_argument, NULL, 'j' }, SEARCH | B(CMD_EVAL_ANALOGY) },
	{ { "max-norm", required_argument, NULL, OPT_MAX_NORM }, B(CMD_LOOKUP) },
	{ { "norm-type", required_argument, NULL, OPT_NORM_TYPE }, B(CMD_LOOKUP) },
	{ { "padding-idx", required_argument, NULL, OPT_PADDING }, B(CMD_LOOKUP) },
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
};

/* Queries searched together: enough that each tile of the table is multiplied by many of them
 * while it is in cache, few enough that k hits each stay small. */
#define BATCH_MAX 1024
#define BATCH_HITS ((size_t)1 << 22)

struct query {
	const struct qopts *o;
	struct emb_table *t;
	struct emb_knn *ix;
	struct emb_out *out;
	struct emb_err *err;
	const char *src;          /* where queries come from, for messages */
	unsigned long long line;  /* 0: the command line */
	bool interactive;         /* answer each line before reading the next */
	size_t blocks;            /* result blocks written so far */
	/* pending searches */
	size_t g;                 /* vectors per query */
	float *vec;
	size_t *excl;
	char **label;
	size_t n, batch;
	struct emb_knn_hit *hits;
	size_t *nhits;
	float *scratch;           /* 4 rows of dim floats */
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

/* ---- query parsing ---- */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* Next whitespace-separated field of s[*i..n): *f, *fl; false at the end. */
static bool next_field(const char *s, size_t n, size_t *i, const char **f, size_t *fl)
{
	while (*i < n && is_ws(s[*i]))
		(*i)++;
	if (*i == n)
		return false;
	*f = s + *i;
	while (*i < n && !is_ws(s[*i]))
		(*i)++;
	*fl = (size_t)(s + *i - *f);
	return true;
}

static size_t count_fields(const char *s, size_t n)
{
	size_t i = 0, c = 0, fl;
	const char *f;

	while (next_field(s, n, &i, &f, &fl))
		c++;
	return c;
}

/* A malformed query: a warning and 0 (skip it), or under --strict an error. */
static int bad_query(struct query *q, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad_query(struct query *q, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (q->o->strict)
		return emb_err_set_at(q->err, EMB_EFORMAT, q->src, q->line, "%s", msg);
	if (q->line)
		cli_warn(&q->o->common, "%s:%llu: %s (line skipped)", q->src, q->line, msg);
	else
		cli_warn(&q->o->common, "%s (query skipped)", msg);
	return 0;
}

/*
 * The vector of WORD: *vec is its row (*row its index), or BUF holding its vector built from
 * the table's subwords, or zeros (--oov zero) (*row -1).  0; 1 after a warning (--oov skip:
 * no vector); EMB_EFORMAT (--oov error).
 */
static int find_word(struct query *q, const char *w, size_t n, float *buf, const float **vec,
		     long *row)
{
	char tok[128];

	*row = emb_table_word(q->t, w, n, buf);
	*vec = *row >= 0 ? emb_table_row(q->t, (size_t)*row) : buf;
	if (*row >= 0 || *row == EMB_SUBWORD_BUILT) {
		*row = *row >= 0 ? *row : -1;
		return 0;
	}
	emb_err_token(tok, sizeof tok, w, n);
	if (q->o->oov == OOV_ERROR)
		return emb_err_set(q->err, EMB_EFORMAT, "'%s' is not in the vocabulary", tok);
	cli_warn(&q->o->common, "'%s' is not in the vocabulary%s", tok,
		 q->o->oov == OOV_ZERO ? ": using a zero vector" : ": skipped");
	memset(buf, 0, q->t->dim * sizeof *buf);
	return q->o->oov == OOV_ZERO ? 0 : 1;
}

/* Parse DIM numbers of s[0..n) into v; false if it is not exactly that. */
static bool parse_vector(const struct query *q, const char *s, size_t n, float *v)
{
	size_t i = 0, d = 0, fl;
	const char *f;

	while (next_field(s, n, &i, &f, &fl)) {
		if (d == q->t->dim || emb_float_parse(f, f + fl, &v[d]) != fl || !isfinite(v[d]))
			return false;
		d++;
	}
	return d == q->t->dim;
}

/* ---- searches (nn, analogy) ---- */

static int flush_search(struct query *q)
{
	struct emb_knn_batch b = { .q = q->vec, .nq = q->n, .method = EMB_KNN_COSINE, .npos = 1,
				   .exclude = q->excl, .nexclude = 3, .k = q->o->k };
	int rc = 0;

	if (!q->n)
		return 0;
	if (q->g == 3)
		b.method = EMB_KNN_COSMUL, b.npos = 2, b.nneg = 1;
	if ((rc = emb_knn_search(q->ix, &b, q->hits, q->nhits, q->err)) < 0)
		goto done;
	for (size_t i = 0; i < q->n && rc == 0; i++) {
		const struct emb_knn_hit *h = q->hits + i * q->o->k;
		if ((rc = block_start(q)) < 0)
			break;
		if (q->o->format == FMT_JSON) {
			if ((rc = puts_(q, "{\"query\":")) < 0 ||
			    (rc = put_json_str(q, q->label[i], strlen(q->label[i]))) < 0 ||
			    (rc = puts_(q, ",\"results\":[")) < 0)
				break;
		}
		for (size_t j = 0; j < q->nhits[i] && rc == 0; j++) {
			size_t tl;
			const char *tok = emb_table_token(q->t, h[j].row, &tl);
			if (q->o->format == FMT_JSON) {
				if ((j && (rc = puts_(q, ",")) < 0) || (rc = puts_(q, "{\"word\":")) < 0 ||
				    (rc = put_json_str(q, tok, tl)) < 0 || (rc = puts_(q, ",\"score\":")) < 0 ||
				    (rc = put_float(q, h[j].score)) < 0 || (rc = puts_(q, "}")) < 0)
					break;
			} else if ((rc = put_word(q, tok, tl, '\t')) < 0 ||
				   (rc = put_float(q, h[j].score)) < 0 || (rc = puts_(q, "\n")) < 0) {
				break;
			}
		}
		if (rc == 0 && q->o->format == FMT_JSON)
			rc = puts_(q, "]}\n");
	}
done:
	for (size_t i = 0; i < q->n; i++)
		free(q->label[i]);
	q->n = 0;
	return rc < 0 ? rc : flush_out(q);
}

/* Queue one search: slot i's vectors are filled by the caller. */
static int queue_search(struct query *q, const char *label, size_t len, const size_t excl[3])
{
	if (!(q->label[q->n] = malloc(len + 1)))
		return emb_err_nomem(q->err, "queueing a query");
	memcpy(q->label[q->n], label, len);
	q->label[q->n][len] = 0;
	memcpy(q->excl + q->n * 3, excl, 3 * sizeof *excl);
	if (++q->n == q->batch || q->interactive)
		return flush_search(q);
	return 0;
}

/* nn: one word, or DIM numbers. */
static int query_nn(struct query *q, const char *s, size_t n)
{
	size_t excl[3] = { EMB_KNN_NONE, EMB_KNN_NONE, EMB_KNN_NONE };
	float *v = q->vec + q->n * q->t->dim;
	size_t nf = count_fields(s, n), i = 0, fl;
	const float *wv;
	const char *f;
	long r;
	int rc;

	if (nf == 0)
		return bad_query(q, "empty query");
	if (nf == 1) {
		next_field(s, n, &i, &f, &fl);
		if ((rc = find_word(q, f, fl, q->scratch + 3 * q->t->dim, &wv, &r)) != 0)
			return rc < 0 ? rc : 0;
		emb_knn_unit(v, wv, q->t->dim);
		if (r >= 0)
			excl[0] = (size_t)r;
		return queue_search(q, f, fl, excl);
	}
	if (!parse_vector(q, s, n, v))
		return bad_query(q, "expected a word or %zu numbers, found %zu fields", q->t->dim, nf);
	emb_knn_unit(v, v, q->t->dim);
	return queue_search(q, s, n, excl);
}

/* analogy: A B C. */
static int query_analogy(struct query *q, const char *s, size_t n)
{
	size_t excl[3], dim = q->t->dim, i = 0, fl[3], nf = count_fields(s, n);
	float *u = q->scratch, *v = q->vec + q->n * q->g * dim;
	const char *f[3];

	if (nf != 3)
		return nf ? bad_query(q, "expected 3 words (A B C), found %zu", nf)
			  : bad_query(q, "empty query");
	for (int j = 0; j < 3; j++) {
		const float *wv;
		long r;
		int rc;
		next_field(s, n, &i, &f[j], &fl[j]);
		if ((rc = find_word(q, f[j], fl[j], u + (size_t)j * dim, &wv, &r)) != 0)
			return rc < 0 ? rc : 0;
		excl[j] = r >= 0 ? (size_t)r : EMB_KNN_NONE;
		emb_knn_unit(u + (size_t)j * dim, wv, dim);
	}
	emb_knn_analogy(v, u, dim, q->g == 3 ? EMB_KNN_COSMUL : EMB_KNN_COSINE);
	return queue_search(q, s + (f[0] - s), (size_t)(f[2] + fl[2] - f[0]), excl);
}

/* ---- vec, sim, lookup ---- */

static int put_vector(struct query *q, const float *v)
{
	char sep = q->o->format == FMT_TSV ? '\t' : q->o->format == FMT_JSON ? ',' : ' ';
	int rc = 0;

	for (size_t d = 0; d < q->t->dim && rc == 0; d++)
		if ((!d || (rc = put(q, &sep, 1)) == 0))
			rc = put_float(q, v[d]);
	return rc;
}

static int query_vec(struct query *q, const char *s, size_t n)
{
	size_t i = 0, fl;
	const char *f;
	bool any = false;
	int rc;

	while (next_field(s, n, &i, &f, &fl)) {
		const float *v;
		long r;
		any = true;
		if ((rc = find_word(q, f, fl, q->scratch, &v, &r)) < 0)
			return rc;
		if (rc)
			continue;
		if (q->o->format == FMT_JSON) {
			if ((rc = puts_(q, "{\"word\":")) < 0 || (rc = put_json_str(q, f, fl)) < 0 ||
			    (rc = puts_(q, ",\"vector\":[")) < 0 || (rc = put_vector(q, v)) < 0 ||
			    (rc = puts_(q, "]}\n")) < 0)
				return rc;
		} else if ((rc = put_word(q, f, fl, q->o->format == FMT_TSV ? '\t' : ' ')) < 0 ||
			   (rc = put_vector(q, v)) < 0 || (rc = puts_(q, "\n")) < 0) {
			return rc;
		}
	}
	if (!any)
		return bad_query(q, "empty query");
	return flush_out(q);
}

static int query_sim(struct query *q, const char *s, size_t n)
{
	size_t i = 0, fl[2], nf = count_fields(s, n);
	const char *f[2];
	const float *v[2];
	long r;
	double sim;
	int rc;

	if (nf != 2)
		return nf ? bad_query(q, "expected 2 words, found %zu", nf) : bad_query(q, "empty query");
	for (int j = 0; j < 2; j++) {
		next_field(s, n, &i, &f[j], &fl[j]);
		if ((rc = find_word(q, f[j], fl[j], q->scratch + (size_t)j * q->t->dim, &v[j], &r)) != 0)
			return rc < 0 ? rc : 0;
	}
	/* a zero vector (--oov zero, or a zero row) has no direction: similarity 0 */
	sim = emb_knn_cosine(v[0], v[1], q->t->dim);
	if (q->o->format == FMT_JSON) {
		if ((rc = puts_(q, "{\"a\":")) < 0 || (rc = put_json_str(q, f[0], fl[0])) < 0 ||
		    (rc = puts_(q, ",\"b\":")) < 0 || (rc = put_json_str(q, f[1], fl[1])) < 0 ||
		    (rc = puts_(q, ",\"similarity\":")) < 0 || (rc = put_float(q, (float)sim)) < 0 ||
		    (rc = puts_(q, "}\n")) < 0)
			return rc;
	} else if ((rc = put_word(q, f[0], fl[0], '\t')) < 0 || (rc = put_word(q, f[1], fl[1], '\t')) < 0 ||
		   (rc = put_float(q, (float)sim)) < 0 || (rc = puts_(q, "\n")) < 0) {
		return rc;
	}
	return flush_out(q);
}

/* lookup: a line of ids -> their rows, renormalised as nn.Embedding(max_norm=...) does. */
static int query_lookup(struct query *q, const char *s, size_t n)
{
	size_t i = 0, fl, nf = count_fields(s, n), dim = q->t->dim, k = 0;
	const char *f;
	float *v = q->scratch;
	long pad = q->o->padding_idx == -2 ? q->t->padding_idx : q->o->padding_idx;
	int rc;

	if (nf == 0)
		return bad_query(q, "empty query");
	while (next_field(s, n, &i, &f, &fl)) { /* check the whole line before writing any of it */
		uint64_t id;
		char num[32];
		if (fl >= sizeof num)
			return bad_query(q, "'%.*s...' is not an id", 20, f);
		memcpy(num, f, fl);
		num[fl] = 0;
		if (cli_parse_u64(num, &id) < 0)
			return bad_query(q, "'%s' is not an id", num);
		if (id >= q->t->rows) {
			if (q->o->oov == OOV_ERROR)
				return emb_err_set(q->err, EMB_EFORMAT,
						   "id %s is out of range (the table has %zu rows)", num,
						   q->t->rows);
			if (q->o->oov == OOV_SKIP) {
				cli_warn(&q->o->common, "id %s is out of range: skipped", num);
				return 0;
			}
		}
	}
	if ((rc = block_start(q)) < 0 || (q->o->format == FMT_JSON && (rc = puts_(q, "[")) < 0))
		return rc;
	i = 0;
	while (next_field(s, n, &i, &f, &fl)) {
		uint64_t id;
		char num[32];
		memcpy(num, f, fl);
		num[fl] = 0;
		cli_parse_u64(num, &id);
		if (id >= q->t->rows || (pad >= 0 && id == (uint64_t)pad)) {
			if (id >= q->t->rows)
				cli_warn(&q->o->common, "id %s is out of range: using a zero vector", num);
			memset(v, 0, dim * sizeof *v);
		} else {
			memcpy(v, emb_table_row(q->t, (size_t)id), dim * sizeof *v);
			if (q->o->max_norm >= 0)
				emb_renorm_row(v, dim, q->o->max_norm, q->o->norm_type);
		}
		if (q->o->format == FMT_JSON) {
			if ((k++ && (rc = puts_(q, ",")) < 0) || (rc = puts_(q, "[")) < 0 ||
			    (rc = put_vector(q, v)) < 0 || (rc = puts_(q, "]")) < 0)
				return rc;
		} else if ((rc = put_vector(q, v)) < 0 || (rc = puts_(q, "\n")) < 0) {
			return rc;
		}
	}
	if (q->o->format == FMT_JSON && (rc = puts_(q, "]\n")) < 0)
		return rc;
	return flush_out(q);
}

static int run_query(struct query *q, const char *s, size_t n)
{
	switch (q->o->cmd) {
	case CMD_VEC: return query_vec(q, s, n);
	case CMD_NN: return query_nn(q, s, n);
	case CMD_ANALOGY: return query_analogy(q, s, n);
	case CMD_SIM: return query_sim(q, s, n);
	default: return query_lookup(q, s, n);
	}
}

/* Queries from the command line: vec and nn take one argument per query, sim two, analogy three. */
static int run_args(struct query *q, int argc, char **argv)
{
	int per = q->o->cmd == CMD_SIM ? 2 : q->o->cmd == CMD_ANALOGY ? 3 : 1;
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
			if (per > 1 && count_fields(argv[i + j], l) != 1) { /* "a b" c: not 3 words */
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
		     (rc = puts_(q, "}\n")) < 0))
		return rc;
	return 0;
}

static int report_pairs(struct query *q, const struct emb_eval_pairs_report *r)
{
	double cov = r->pairs + r->oov ? (double)r->pairs / (double)(r->pairs + r->oov) : NAN;
	static const char *const names[] = { "pearson", "spearman", "pairs", "oov", "coverage" };
	bool json = q->o->format == FMT_JSON;
	int rc;

	if (json && (rc = puts_(q, "{")) < 0)
		return rc;
	for (int i = 0; i < 5; i++) {
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
		default: rc = put_ratio(q, cov); break;
		}
		if (rc < 0 || (!json && (rc = puts_(q, "\n")) < 0))
			return rc;
	}
	return json ? puts_(q, "}\n") : 0;
}

static int run_eval(struct query *q, const char *path)
{
	struct emb_eval_opts eo = EMB_EVAL_OPTS_INIT;
	struct emb_eval_analogy_report ar;
	struct emb_eval_pairs_report pr;
	struct emb_stream *in = NULL;
	int rc;

	eo.restrict_rows = q->o->restrict_set ? q->o->restrict_rows
			   : q->o->cmd == CMD_EVAL_ANALOGY ? 30000 : 300000;
	eo.case_sensitive = q->o->case_sensitive;
	eo.strict = q->o->strict;
	eo.method = q->o->method;
	eo.threads = (int)q->o->threads;
	eo.warn = on_warning;
	eo.warn_ctx = (void *)&q->o->common;
	if ((rc = emb_stream_open(&in, path, q->err)) < 0)
		return rc;
	if (q->o->cmd == CMD_EVAL_ANALOGY) {
		if ((rc = emb_eval_analogy(&ar, q->t, in, &eo, q->err)) == 0)
			rc = report_analogy(q, &ar);
		emb_eval_analogy_release(&ar);
	} else if ((rc = emb_eval_pairs(&pr, q->t, in, &eo, q->err)) == 0) {
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

static int setup_query(struct query *q, struct emb_err *err)
{
	size_t dim = q->t->dim ? q->t->dim : 1;
	int rc;

	q->g = q->o->cmd == CMD_ANALOGY && q->o->method == EMB_KNN_COSMUL ? 3 : 1;
	if (!(q->scratch = malloc(4 * dim * sizeof *q->scratch)))
		return emb_err_nomem(err, "starting");
	if (q->o->cmd != CMD_NN && q->o->cmd != CMD_ANALOGY)
		return 0;
	q->batch = BATCH_HITS / q->o->k;
	q->batch = q->batch < 1 ? 1 : q->batch > BATCH_MAX ? BATCH_MAX : q->batch;
	if (!(q->vec = malloc(q->batch * q->g * dim * sizeof *q->vec)) ||
	    !(q->excl = malloc(q->batch * 3 * sizeof *q->excl)) ||
	    !(q->label = calloc(q->batch, sizeof *q->label)) ||
	    !(q->hits = malloc(q->batch * q->o->k * sizeof *q->hits)) ||
	    !(q->nhits = malloc(q->batch * sizeof *q->nhits)))
		return emb_err_nomem(err, "starting");
	if ((rc = emb_knn_new(&q->ix, q->t->data, q->t->rows, q->t->dim, (int)q->o->threads, err)) < 0)
		return rc;
	emb_knn_restrict(q->ix, q->o->restrict_set ? q->o->restrict_rows : 0);
	return 0;
}

static void release_query(struct query *q)
{
	for (size_t i = 0; i < q->n; i++)
		free(q->label[i]);
	emb_knn_free(q->ix);
	free(q->vec);
	free(q->excl);
	free(q->label);
	free(q->hits);
	free(q->nhits);
	free(q->scratch);
}

static int parse_count(const char *name, const char *arg, uint64_t *v, uint64_t min)
{
	if (cli_parse_u64(arg, v) < 0 || *v < min)
		return cli_usage_error("invalid --%s '%s'%s", name, arg,
				       min ? " (must be at least 1)" : "");
	return 0;
}

static int parse_options(struct qopts *o, int argc, char **argv)
{
	struct option longopts[NOPTS + 6];
	size_t n = 0;
	int c;

	for (size_t i = 0; i < NOPTS; i++)
		if (all_opts[i].cmds & B(o->cmd))
			longopts[n++] = all_opts[i].opt;
	const struct option common[] = { CLI_COMMON_LONGOPTS, { NULL, 0, NULL, 0 } };
	memcpy(longopts + n, common, sizeof common);

	while ((c = getopt_long(argc, argv, "k:r:m:f:j:" CLI_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (c) {
		case 'k':
			if (parse_count("k", optarg, &o->k, 1))
				return 2;
			if (o->k > ((uint64_t)1 << 24))
				return cli_usage_error("invalid --k '%s' (at most 16777216)", optarg);
			break;
		case 'r':
			if (parse_count("restrict", optarg, &o->restrict_rows, 0))
				return 2;
			o->restrict_set = true;
			break;
		case 'm':
			if (strcmp(optarg, "add") == 0 || strcmp(optarg, "3cosadd") == 0)
				o->method = EMB_KNN_COSINE;
			else if (strcmp(optarg, "cosmul") == 0 || strcmp(optarg, "3cosmul") == 0)
				o->method = EMB_KNN_COSMUL;
			else
				return cli_usage_error("invalid --method '%s' (add or cosmul)", optarg);
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
			if (strcmp(optarg, "error") == 0)
				o->oov = OOV_ERROR;
			else if (strcmp(optarg, "skip") == 0)
				o->oov = OOV_SKIP;
			else if (strcmp(optarg, "zero") == 0)
				o->oov = OOV_ZERO;
			else
				return cli_usage_error("invalid --oov '%s' (error, skip or zero)", optarg);
			break;
		case OPT_STRICT: o->strict = true; break;
		case OPT_CASE: o->case_sensitive = true; break;
		case 'j':
			if (cli_parse_long(optarg, &o->threads) < 0 || o->threads < 1 || o->threads > 64)
				return cli_usage_error("invalid --threads '%s' (1-64)", optarg);
			break;
		case OPT_MAX_NORM:
			if (cli_parse_double(optarg, &o->max_norm) < 0 || o->max_norm < 0)
				return cli_usage_error("invalid --max-norm '%s'", optarg);
			break;
		case OPT_NORM_TYPE:
			if (strcmp(optarg, "inf") == 0)
				o->norm_type = INFINITY;
			else if (cli_parse_double(optarg, &o->norm_type) < 0 || o->norm_type <= 0)
				return cli_usage_error("invalid --norm-type '%s' (a number > 0, or inf)", optarg);
			break;
		case OPT_PADDING:
			if (cli_parse_long(optarg, &o->padding_idx) < 0 || o->padding_idx < 0)
				return cli_usage_error("invalid --padding-idx '%s'", optarg);
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

static void on_load_warning(void *ctx, const char *msg)
{
	cli_warn(ctx, "%s", msg);
}

int main(int argc, char **argv)
{
	struct qopts o = { CLI_COMMON_INIT, 0, 10, 0, false, EMB_KNN_COSINE, FMT_DEFAULT, OOV_ERROR,
			   false, false, 0, -1, 2, -2 };
	struct emb_read_opts ro = EMB_READ_OPTS_INIT;
	struct emb_out_opts oo = EMB_OUT_OPTS_INIT;
	struct emb_err err = EMB_ERR_INIT;
	struct query q;
	const char *vectors;
	int rc;

	cli_init(argv[0]);
	memset(&q, 0, sizeof q);
	if (argc >= 3 && find_cmd(argv[1]) < 0 && argv[1][0] != '-' && find_cmd(argv[2]) >= 0) {
		char *t = argv[1]; /* embquery VECTORS COMMAND ...: the same as COMMAND VECTORS ... */
		argv[1] = argv[2];
		argv[2] = t;
	}
	if (argc < 2 || (o.cmd = find_cmd(argv[1])) < 0)
		return top_level(argc, argv);
	if ((rc = parse_options(&o, argc - 1, argv + 1)) != 0)
		return rc;
	optind++; /* argv + 1 was parsed */
	if (optind >= argc)
		return cli_usage_error("missing VECTORS");
	vectors = argv[optind++];
	if ((o.cmd == CMD_EVAL_ANALOGY || o.cmd == CMD_EVAL_SIM) && argc - optind != 1)
		return cli_usage_error(argc - optind ? "too many arguments" : "missing FILE");
	if (o.cmd == CMD_SIM && (argc - optind) % 2)
		return cli_usage_error("sim takes words in pairs");
	if (o.cmd == CMD_ANALOGY && (argc - optind) % 3)
		return cli_usage_error("analogy takes words in threes (A B C)");

	ro.want_mmap = true;
	ro.lazy_vocab = true;
	ro.warn = on_load_warning;
	ro.warn_ctx = &o.common;
	q.o = &o;
	q.err = &err;
	if ((rc = emb_table_load(&q.t, vectors, NULL, &ro, &err)) < 0 ||
	    (rc = setup_query(&q, &err)) < 0 || (rc = emb_out_open(&q.out, "-", &oo, &err)) < 0)
		goto done;
	if (o.cmd == CMD_EVAL_ANALOGY || o.cmd == CMD_EVAL_SIM)
		rc = run_eval(&q, argv[optind]);
	else if (optind < argc)
		rc = run_args(&q, argc - optind, argv + optind);
	else
		rc = run_stdin(&q);
	if (rc == 0 && (rc = flush_search(&q)) == 0) {
		rc = emb_out_commit(q.out, &err);
		q.out = NULL;
	}
done:
	emb_out_abort(q.out);
	release_query(&q);
	emb_table_free(q.t);
	if (rc == EMB_EINVAL && err.code != EMB_EINVAL)
		return 2; /* a usage error already reported */
	return rc < 0 ? cli_report(&err) : 0;
}
