/*
 * emb_glove_cooc: weighted co-occurrence counts of an id cache in bounded memory.
 *
 * Within a line, a word and each of the WINDOW words before it (in-vocabulary words only, as
 * the cache holds them) add round(EMB_COOC_SCALE / d) at distance d to the pair (left, word),
 * and with a symmetric window to (word, left) too.  Where a pair goes:
 *  - frequent pairs to a dense table of 64-bit sums: row i holds columns j < len[i], where
 *    len[i] = min(rows, P / (i + 1)) and P is the largest that fits a quarter of the memory
 *    and a cell per 4 pair events (rows are by falling frequency, so the pairs of frequent
 *    words are dense; a table much larger than the corpus would be mostly zeros to scan);
 *  - all others to a buffer of 12-byte records (half the memory, at most one an event).  When it is full it is
 *    sorted and equal pairs combined; if that does not free half of it, the sorted run is
 *    appended to one unlinked temporary file and the buffer starts again.
 * At the end the dense table, the buffer (or, after spills, the runs) are merged by a heap
 * into one sequence in (i, j) order; more than EMB_COOC_FANIN runs are first merged
 * EMB_COOC_FANIN at a time into longer runs in a second file.  The merge feeds the shuffled
 * store (emb_glove_store.c) and the optional sink.  The sums are integers, so the result does
 * not depend on the memory, i.e. on which pairs were dense or when a run was cut.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_glove_impl.h"

#define CHUNK (1u << 16)  /* ids read from the cache at a time */

struct run {
	uint64_t off, n;
};

struct counter {
	const struct emb_glove_opts *o;
	size_t rows, memory;
	uint32_t *len;
	uint64_t *off, *dense;
	size_t ndrows;
	struct glove_crec *buf;
	size_t n, cap;
	int fd;
	uint64_t fsize;
	struct run *runs;
	size_t nruns, rcap, spilled;
	double t0, last;
};

GLOVE_SORT(sort_crecs, struct glove_crec)

static size_t memory_of(const struct emb_glove_opts *o)
{
	return o->memory ? o->memory : (size_t)1 << 30;
}

/* Dense cells for the bound P. */
static uint64_t dense_cells(size_t rows, uint64_t p)
{
	uint64_t cells = 0;

	for (size_t i = 0; i < rows; i++) {
		uint64_t l = p / (i + 1);
		if (l == 0)
			break;
		cells += l < rows ? l : rows;
	}
	return cells;
}

static uint64_t dense_bound(size_t rows, size_t bytes)
{
	uint64_t lo = 0, hi = (uint64_t)rows * rows + 1;

	while (lo + 1 < hi) {
		uint64_t mid = lo + (hi - lo) / 2;
		if (dense_cells(rows, mid) * sizeof(uint64_t) <= bytes)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* The bytes of the dense table and the records of the buffer for EVENTS pair events. */
static void sizes(size_t rows, uint64_t events, size_t memory, uint64_t *p, size_t *cap)
{
	uint64_t dense = memory / 4, buf = memory / 2 / sizeof(struct glove_crec);

	if (dense / sizeof(uint64_t) > events / 4)
		dense = events / 4 * sizeof(uint64_t);
	*p = dense_bound(rows, (size_t)dense);
	if (buf > events + 1)
		buf = events + 1;
	*cap = buf < 4096 ? 4096 : (size_t)buf;
}

static uint64_t events_of(uint64_t words, const struct emb_glove_opts *o)
{
	return words * o->window * (o->symmetric ? 2 : 1);
}

void emb_cooc_plan(struct emb_cooc_plan *p, size_t rows, uint64_t words,
		   const struct emb_glove_opts *o)
{
	uint64_t events = events_of(words, o), bound;
	size_t cap;

	sizes(rows, events, memory_of(o), &bound, &cap);
	p->dense_bytes = (size_t)(dense_cells(rows, bound) * sizeof(uint64_t));
	p->buffer_bytes = cap * sizeof(struct glove_crec);
	/* the runs, then the groups of the shuffle: each at most one record an event */
	p->disk_bytes = events * sizeof(struct glove_crec) <= p->buffer_bytes ? 0 :
			2 * events * sizeof(struct glove_crec);
}

static int spill(struct counter *ct, struct emb_err *err)
{
	int rc;

	if (ct->n == 0)
		return 0;
	if (ct->fd < 0 && (rc = glove_tmp_open(&ct->fd, err)) < 0)
		return rc;
	if (ct->nruns == ct->rcap) {
		size_t cap = ct->rcap ? ct->rcap * 2 : 16;
		struct run *r = realloc(ct->runs, cap * sizeof *r);
		if (!r)
			return emb_err_nomem(err, "co-occurrence runs");
		ct->runs = r;
		ct->rcap = cap;
	}
	if ((rc = glove_pwrite(ct->fd, ct->buf, ct->n * sizeof *ct->buf, ct->fsize, err)) < 0)
		return rc;
	ct->runs[ct->nruns++] = (struct run){ ct->fsize, ct->n };
	ct->spilled++;
	ct->fsize += ct->n * sizeof *ct->buf;
	ct->n = 0;
	return 0;
}

/* Sort the buffer and add up equal pairs (saturating). */
static void combine(struct counter *ct)
{
	size_t w = 0;

	sort_crecs(ct->buf, ct->n);
	for (size_t k = 0; k < ct->n; k++) {
		if (w > 0 && ct->buf[w - 1].i == ct->buf[k].i && ct->buf[w - 1].j == ct->buf[k].j) {
			uint32_t s = ct->buf[w - 1].v + ct->buf[k].v;
			ct->buf[w - 1].v = s < ct->buf[k].v ? UINT32_MAX : s;
		} else {
			ct->buf[w++] = ct->buf[k];
		}
	}
	ct->n = w;
}

static inline int add(struct counter *ct, uint32_t i, uint32_t j, uint32_t v, struct emb_err *err)
{
	if (j < ct->len[i]) {
		ct->dense[ct->off[i] + j] += v;
		return 0;
	}
	ct->buf[ct->n++] = (struct glove_crec){ i, j, v };
	if (ct->n < ct->cap)
		return 0;
	combine(ct);
	return ct->n > ct->cap / 2 ? spill(ct, err) : 0;
}

static void progress(struct counter *ct, int phase, double frac, bool force)
{
	struct emb_glove_progress p = { phase, frac, 0, 0, 0, 0 };
	double now = glove_now();

	if (!ct->o->progress || (!force && now - ct->last < ct->o->progress_every))
		return;
	ct->last = now;
	p.elapsed = now - ct->t0;
	p.eta = frac > 0 ? p.elapsed * (1 - frac) / frac : 0;
	ct->o->progress(ct->o->progress_ctx, &p);
}

static int count(struct counter *ct, const struct emb_train_corpus *corpus, struct emb_err *err)
{
	unsigned w = ct->o->window;
	uint32_t wt[EMB_COOC_MAX_WINDOW + 1], hist[EMB_COOC_MAX_WINDOW];
	uint32_t *ids = malloc(CHUNK * sizeof *ids);
	uint64_t size = emb_train_corpus_size(corpus), pos = 0;
	unsigned hn = 0, hp = 0;   /* words in the history, next slot */
	int rc = 0;

	if (!ids)
		return emb_err_nomem(err, "counting co-occurrences");
	for (unsigned d = 1; d <= w; d++)
		wt[d] = (EMB_COOC_SCALE + d / 2) / d;
	ct->t0 = ct->last = glove_now();
	while (rc >= 0 && pos < size) {
		size_t got;
		if (ct->o->stop && *ct->o->stop) {
			rc = emb_err_set(err, EMB_EINTR, "interrupted");
			break;
		}
		if ((rc = emb_train_corpus_read(corpus, pos, ids, CHUNK, &got, err)) < 0)
			break;
		if (got == 0)
			break;
		for (size_t k = 0; k < got && rc >= 0; k++) {
			uint32_t x = ids[k];
			if (x == EMB_TRAIN_EOS) {
				hn = 0;
				continue;
			}
			for (unsigned d = 1; d <= hn && rc >= 0; d++) {
				uint32_t left = hist[(hp + w - d) % w];
				rc = add(ct, left, x, wt[d], err);
				if (ct->o->symmetric && rc >= 0)
					rc = add(ct, x, left, wt[d], err);
			}
			hist[hp] = x;
			hp = (hp + 1) % w;
			if (hn < w)
				hn++;
		}
		pos += got;
		progress(ct, EMB_GLOVE_COUNT, (double)pos / (double)size, false);
	}
	free(ids);
	return rc;
}

/* ---- merging ------------------------------------------------------------------------ */

enum { SRC_DENSE, SRC_BUF, SRC_RUN };

struct src {
	uint32_t i, j;
	uint64_t v;
	int kind;
	size_t a, b;                /* dense: row, column; buffer: position, end */
	int fd;
	uint64_t off, left;         /* run: next record's offset, records not yet read */
	struct glove_crec *rb;
	size_t rpos, rn;
};

/* Move S to its next record: 1, 0 at its end, or an error. */
static int src_next(const struct counter *ct, struct src *s, struct emb_err *err)
{
	int rc;

	switch (s->kind) {
	case SRC_DENSE:
		for (; s->a < ct->ndrows; s->a++, s->b = 0) {
			for (; s->b < ct->len[s->a]; s->b++) {
				uint64_t v = ct->dense[ct->off[s->a] + s->b];
				if (v) {
					s->i = (uint32_t)s->a;
					s->j = (uint32_t)s->b++;
					s->v = v;
					return 1;
				}
			}
		}
		return 0;
	case SRC_BUF:
		if (s->a == s->b)
			return 0;
		s->i = ct->buf[s->a].i;
		s->j = ct->buf[s->a].j;
		s->v = ct->buf[s->a++].v;
		return 1;
	default:
		if (s->rpos == s->rn) {
			size_t k = s->left < s->b ? (size_t)s->left : s->b;
			if (k == 0)
				return 0;
			if ((rc = glove_pread(s->fd, s->rb, k * sizeof *s->rb, s->off, err)) < 0)
				return rc;
			s->off += k * sizeof *s->rb;
			s->left -= k;
			s->rpos = 0;
			s->rn = k;
		}
		s->i = s->rb[s->rpos].i;
		s->j = s->rb[s->rpos].j;
		s->v = s->rb[s->rpos++].v;
		return 1;
	}
}

static inline int src_less(const struct src *a, const struct src *b)
{
	return glove_less(a->i, a->j, b->i, b->j);
}

static void sift(struct src **h, size_t n, size_t k)
{
	for (;;) {
		size_t m = k, l = 2 * k + 1, r = l + 1;
		if (l < n && src_less(h[l], h[m]))
			m = l;
		if (r < n && src_less(h[r], h[m]))
			m = r;
		if (m == k)
			return;
		struct src *t = h[k];
		h[k] = h[m];
		h[m] = t;
		k = m;
	}
}

typedef int (*emit_fn)(void *ctx, uint32_t i, uint32_t j, uint64_t v, struct emb_err *err);

/*
 * Merge NS sources into EMIT, one call per pair with its total.  Sources are primed here.
 */
static int merge(const struct counter *ct, struct src *srcs, size_t ns, emit_fn emit, void *ctx,
		 struct emb_err *err)
{
	struct src **h = malloc((ns ? ns : 1) * sizeof(struct src *));
	size_t n = 0;
	int rc = 0;

	if (!h)
		return emb_err_nomem(err, "merging co-occurrences");
	for (size_t k = 0; k < ns && rc >= 0; k++) {
		if ((rc = src_next(ct, &srcs[k], err)) > 0)
			h[n++] = &srcs[k];
	}
	for (size_t k = n / 2; k-- > 0;)
		sift(h, n, k);
	while (rc >= 0 && n > 0) {
		uint32_t i = h[0]->i, j = h[0]->j;
		uint64_t v = 0;
		while (rc >= 0 && n > 0 && h[0]->i == i && h[0]->j == j) {
			v += h[0]->v;
			if ((rc = src_next(ct, h[0], err)) == 0)
				h[0] = h[--n];
			if (rc >= 0 && n > 0)
				sift(h, n, 0);
		}
		if (rc >= 0)
			rc = emit(ctx, i, j, v, err);
		if (rc >= 0 && ct->o->stop && *ct->o->stop)
			rc = emb_err_set(err, EMB_EINTR, "interrupted");
	}
	free(h);
	return rc < 0 ? rc : 0;
}

/* An intermediate run being written into a second file. */
struct run_out {
	int fd;
	uint64_t fsize, start;
	struct glove_crec *wb;
	size_t wn, cap;
};

static int run_out_flush(struct run_out *r, struct emb_err *err)
{
	int rc = glove_pwrite(r->fd, r->wb, r->wn * sizeof *r->wb, r->fsize, err);

	r->fsize += r->wn * sizeof *r->wb;
	r->wn = 0;
	return rc;
}

static int emit_run(void *ctx, uint32_t i, uint32_t j, uint64_t v, struct emb_err *err)
{
	struct run_out *r = ctx;

	r->wb[r->wn++] = (struct glove_crec){ i, j, v > UINT32_MAX ? UINT32_MAX : (uint32_t)v };
	return r->wn == r->cap ? run_out_flush(r, err) : 0;
}

struct final_out {
	struct emb_cooc *store;
	const struct emb_cooc_sink *sink;
	struct counter *ct;
	uint64_t done, total;
};

static int emit_final(void *ctx, uint32_t i, uint32_t j, uint64_t v, struct emb_err *err)
{
	struct final_out *f = ctx;
	struct emb_cooc_rec r = { i, j, (float)((double)v / EMB_COOC_SCALE) };
	int rc;

	if (f->sink && (rc = f->sink->put(f->sink->ctx, &r, err)) < 0)
		return rc;
	if ((++f->done & 0xffff) == 0)
		progress(f->ct, EMB_GLOVE_MERGE, (double)f->done / (double)f->total, false);
	return emb_cooc_add(f->store, &r, err);
}

/* Run sources over RUNS[0..n), each with a read buffer of PER records from BUF. */
static void run_sources(struct src *s, const struct run *runs, size_t n, int fd,
			struct glove_crec *buf, size_t per)
{
	for (size_t k = 0; k < n; k++) {
		memset(&s[k], 0, sizeof s[k]);
		s[k].kind = SRC_RUN;
		s[k].fd = fd;
		s[k].off = runs[k].off;
		s[k].left = runs[k].n;
		s[k].b = per;
		s[k].rb = buf + k * per;
	}
}

/* Merge runs EMB_COOC_FANIN at a time into a new file until at most that many are left. */
static int reduce_runs(struct counter *ct, struct glove_crec *buf, size_t per, struct emb_err *err)
{
	struct src *s = malloc(EMB_COOC_FANIN * sizeof *s);
	struct run_out ro = { -1, 0, 0, NULL, 0, 0 };
	int rc = 0;

	if (!s)
		return emb_err_nomem(err, "merging co-occurrences");
	ro.cap = per;
	ro.wb = buf + EMB_COOC_FANIN * per;
	while (rc >= 0 && ct->nruns > EMB_COOC_FANIN) {
		size_t m = 0;
		if ((rc = glove_tmp_open(&ro.fd, err)) < 0)
			break;
		ro.fsize = 0;
		for (size_t k = 0; k < ct->nruns && rc >= 0; k += EMB_COOC_FANIN) {
			size_t g = ct->nruns - k < EMB_COOC_FANIN ? ct->nruns - k : EMB_COOC_FANIN;
			run_sources(s, ct->runs + k, g, ct->fd, buf, per);
			ro.start = ro.fsize;
			if ((rc = merge(ct, s, g, emit_run, &ro, err)) >= 0 &&
			    (rc = run_out_flush(&ro, err)) >= 0)
				ct->runs[m++] = (struct run){ ro.start, (ro.fsize - ro.start) / sizeof *buf };
		}
		close(ct->fd);
		ct->fd = ro.fd;
		ct->fsize = ro.fsize;
		ro.fd = -1;
		ct->nruns = m;
	}
	if (ro.fd >= 0)
		close(ro.fd);
	free(s);
	return rc;
}

static int finish(struct counter *ct, struct emb_cooc **out, const struct emb_cooc_sink *sink,
		  struct emb_err *err)
{
	struct final_out f = { NULL, sink, ct, 0, 0 };
	struct glove_crec *rbuf = NULL;
	struct src *s = NULL;
	size_t ns = 0, per = 0;
	uint64_t dense_nz = 0;
	int rc;

	combine(ct);
	if (ct->nruns > 0) {
		if ((rc = spill(ct, err)) < 0)
			return rc;
		free(ct->buf);
		ct->buf = NULL;
		/* read buffers for the runs (and one write buffer) in the buffer's half */
		per = ct->memory / 2 / sizeof *rbuf / (EMB_COOC_FANIN + 1);
		if (per < 1024)
			per = 1024;
		if (!(rbuf = malloc((EMB_COOC_FANIN + 1) * per * sizeof *rbuf)))
			return emb_err_nomem(err, "merging co-occurrences");
		if ((rc = reduce_runs(ct, rbuf, per, err)) < 0)
			goto done;
	}
	for (size_t k = 0; k < ct->off[ct->ndrows] ; k++)
		dense_nz += ct->dense[k] != 0;
	f.total = dense_nz + (ct->nruns ? 0 : ct->n);
	for (size_t k = 0; k < ct->nruns; k++)
		f.total += ct->runs[k].n;
	if (!(s = calloc(ct->nruns + 2, sizeof *s))) {
		rc = emb_err_nomem(err, "merging co-occurrences");
		goto done;
	}
	s[ns++].kind = SRC_DENSE;
	if (ct->nruns == 0) {
		s[ns].kind = SRC_BUF;
		s[ns++].b = ct->n;
	} else {
		run_sources(s + ns, ct->runs, ct->nruns, ct->fd, rbuf, per);
		ns += ct->nruns;
	}
	if ((rc = emb_cooc_new(&f.store, ct->rows, f.total, ct->o, err)) >= 0)
		glove_store_set_runs(f.store, ct->spilled);
	if (rc < 0 ||
	    (sink && (rc = sink->begin(sink->ctx, f.total, err)) < 0))
		goto done;
	ct->t0 = glove_now();
	if ((rc = merge(ct, s, ns, emit_final, &f, err)) < 0)
		goto done;
	progress(ct, EMB_GLOVE_MERGE, 1, true);
	/* the counting memory goes back before the shuffle takes its own */
	free(rbuf);
	rbuf = NULL;
	free(ct->dense);
	ct->dense = NULL;
	free(ct->buf);
	ct->buf = NULL;
	if (ct->fd >= 0) {
		close(ct->fd);
		ct->fd = -1;
	}
	ct->t0 = glove_now();
	progress(ct, EMB_GLOVE_SHUFFLE, 0, true);
	if ((rc = emb_cooc_finish(f.store, err)) < 0)
		goto done;
	progress(ct, EMB_GLOVE_SHUFFLE, 1, true);
	*out = f.store;
	f.store = NULL;
done:
	emb_cooc_free(f.store);
	free(rbuf);
	free(s);
	return rc;
}

int emb_cooc_count(struct emb_cooc **out, const struct emb_train_corpus *corpus, size_t rows,
		   const struct emb_glove_opts *o, const struct emb_cooc_sink *sink,
		   struct emb_err *err)
{
	struct counter ct = { 0 };
	uint64_t p;
	int rc;

	*out = NULL;
	if (o->window < 1 || o->window > EMB_COOC_MAX_WINDOW)
		return emb_err_set(err, EMB_EINVAL, "window must be 1 to %d", EMB_COOC_MAX_WINDOW);
	if (rows == 0 || rows > UINT32_MAX)
		return emb_err_set(err, EMB_EINVAL, "cannot count co-occurrences of %zu rows", rows);
	ct.o = o;
	ct.rows = rows;
	ct.memory = memory_of(o);
	ct.fd = -1;
	sizes(rows, events_of(emb_train_corpus_stats(corpus)->kept, o), ct.memory, &p, &ct.cap);
	ct.len = calloc(rows, sizeof *ct.len);
	ct.off = malloc((rows + 1) * sizeof *ct.off);
	if (!ct.len || !ct.off) {
		rc = emb_err_nomem(err, "counting co-occurrences");
		goto done;
	}
	ct.off[0] = 0;
	for (size_t i = 0; i < rows; i++) {
		uint64_t l = p / (i + 1);
		ct.len[i] = (uint32_t)(l < rows ? l : rows);
		ct.off[i + 1] = ct.off[i] + ct.len[i];
		if (ct.len[i])
			ct.ndrows = i + 1;
	}
	ct.dense = calloc(ct.off[rows] ? ct.off[rows] : 1, sizeof *ct.dense);
	ct.buf = malloc(ct.cap * sizeof *ct.buf);
	if (!ct.dense || !ct.buf) {
		rc = emb_err_nomem(err, "counting co-occurrences");
		goto done;
	}
	if ((rc = count(&ct, corpus, err)) < 0)
		goto done;
	progress(&ct, EMB_GLOVE_COUNT, 1, true);
	rc = finish(&ct, out, sink, err);
done:
	if (ct.fd >= 0)
		close(ct.fd);
	free(ct.len);
	free(ct.off);
	free(ct.dense);
	free(ct.buf);
	free(ct.runs);
	return rc;
}
