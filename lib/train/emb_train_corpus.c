/*
 * emb_train_corpus: the id cache embtrain trains from.  See emb_train.h.
 *
 * Why a cache: tokenizing (and, without a vocabulary, counting) the text once and then reading
 * 4-byte ids each epoch is several times faster than re-reading text, it works the same for
 * stdin and gzip (which cannot be re-read or seeked), and threads can split it by position
 * like word2vec.c splits its input by byte offset.  The cache is an unlinked temporary file in
 * $TMPDIR (nothing to clean up, even on a crash); the kernel's page cache keeps it warm while
 * the process holds only a few MB of read buffers.
 *
 * Steps: scan (tokens -> ids of the given or a growing vocabulary), prune (min-count,
 * max-size, renumbering), filter (one rewrite into final ids, untrainable rows dropped).
 */
#include "emb_train.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emb_stream.h"
#include "emb_train_part.h"
#include "internal.h"

#define IDBUF 65536

struct emb_train_corpus {
	int fd;
	uint64_t size;              /* ids in the file, EOS included */
	uint64_t digest;
	struct emb_train_stats stats;
	uint32_t *remap;            /* old id -> new id or UINT32_MAX (after _prune) */
	size_t remap_n;
};

/* A buffered appender of ids to a descriptor, with the digest of what it wrote. */
struct idw {
	int fd;
	size_t n;
	uint64_t total;
	uint64_t digest;
	uint32_t last;
	uint32_t buf[IDBUF];
};

#define DIGEST_INIT 0xcbf29ce484222325ULL

static uint64_t digest_add(uint64_t h, uint32_t id)
{
	return (h ^ id) * 0x100000001b3ULL;
}

static int write_all(int fd, const void *p, size_t n, struct emb_err *err)
{
	const char *c = p;

	while (n > 0) {
		ssize_t k = write(fd, c, n);
		if (k < 0) {
			if (errno == EINTR)
				continue;
			return emb_err_set(err, EMB_EIO, "id cache: write error: %s", strerror(errno));
		}
		c += k;
		n -= (size_t)k;
	}
	return 0;
}

static int idw_flush(struct idw *w, struct emb_err *err)
{
	int rc = write_all(w->fd, w->buf, w->n * sizeof w->buf[0], err);
	w->n = 0;
	return rc;
}

static int idw_put(struct idw *w, uint32_t id, struct emb_err *err)
{
	if (id == EMB_TRAIN_EOS && (w->total == 0 || w->last == EMB_TRAIN_EOS))
		return 0; /* no empty sentences */
	/* the digest covers what the cache holds, not what was offered: a run that drops pruned
	 * words while scanning (a resumed one) and one that drops them later (a counting one)
	 * write the same cache and must agree */
	w->digest = digest_add(w->digest, id);
	w->buf[w->n++] = id;
	w->total++;
	w->last = id;
	return w->n == IDBUF ? idw_flush(w, err) : 0;
}

static int tmpfile_open(int *fd, struct emb_err *err)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (!dir || !*dir)
		dir = "/tmp";
	if ((size_t)snprintf(path, sizeof path, "%s/embtrain-ids-XXXXXX", dir) >= sizeof path)
		return emb_err_set(err, EMB_EIO, "TMPDIR is too long");
	if ((*fd = mkstemp(path)) < 0)
		return emb_err_set(err, EMB_EIO, "cannot create the id cache in '%s': %s", dir,
				   strerror(errno));
	unlink(path);
	return 0;
}

static int corpus_new(struct emb_train_corpus **out, struct emb_err *err)
{
	struct emb_train_corpus *c = calloc(1, sizeof *c);
	int rc;

	*out = NULL;
	if (!c)
		return emb_err_nomem(err, "allocating the id cache");
	if ((rc = tmpfile_open(&c->fd, err)) < 0) {
		free(c);
		return rc;
	}
	*out = c;
	return 0;
}

void emb_train_corpus_free(struct emb_train_corpus *c)
{
	if (!c)
		return;
	if (c->fd >= 0)
		close(c->fd);
	free(c->remap);
	free(c);
}

struct scan_ctx {
	struct emb_vocab *v;
	bool build;
	struct idw *w;
	struct emb_train_stats *st;
	struct emb_err *err;
};

static int scan_token(void *ctx, const char *tok, size_t len)
{
	struct scan_ctx *s = ctx;
	long id = emb_vocab_find(s->v, tok, len);
	int rc;

	s->st->tokens++;
	if (id < 0) {
		size_t nid;
		if (!s->build)
			return 0;
		if ((rc = emb_vocab_add(s->v, tok, len, 1, &nid, s->err)) < 0)
			return rc;
		id = (long)nid;
	} else if (s->build) {
		emb_vocab_set_count(s->v, (size_t)id, emb_vocab_count(s->v, (size_t)id) + 1);
	}
	if ((uint64_t)id >= EMB_TRAIN_EOS)
		return emb_err_set(s->err, EMB_ELIMIT, "more than %u distinct tokens", EMB_TRAIN_EOS);
	s->st->kept++;
	return idw_put(s->w, (uint32_t)id, s->err);
}

/* Open piece P positioned at its first line: a cut piece starts after the line end at or
 * after its first byte - 1, so a line belongs to the piece holding its first byte. */
static int piece_open(struct emb_stream **in, int *fd, char *name, size_t cap,
		      const struct emb_train_piece *p, struct emb_err *err)
{
	char c;
	size_t got;
	int rc;

	*fd = -1;
	if (p->begin == 0)
		return emb_stream_open(in, p->path, err);
	snprintf(name, cap, "%s@%" PRIu64, p->path, p->begin);
	do
		*fd = open(p->path, O_RDONLY | O_CLOEXEC);
	while (*fd < 0 && errno == EINTR);
	if (*fd < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", p->path, strerror(errno));
	if (lseek(*fd, (off_t)(p->begin - 1), SEEK_SET) < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", p->path, strerror(errno));
	if ((rc = emb_stream_open_fd(in, name, *fd, err)) < 0)
		return rc;
	if ((rc = emb_stream_read(*in, &c, 1, &got, err)) < 0)
		return rc;
	if (rc == 0 && c != '\n') {
		char *line;
		size_t len;
		if ((rc = emb_stream_getline(*in, &line, &len, err)) < 0)
			return rc;
	}
	return 0;
}

static int scan_one(struct scan_ctx *s, struct emb_tokenizer *tk, const struct emb_train_piece *p)
{
	struct emb_stream *in = NULL;
	char *line, name[4096];
	/* a cut piece's stream starts at byte begin - 1 */
	uint64_t base = p->begin ? p->begin - 1 : 0;
	size_t len;
	int rc, fd;

	if ((rc = piece_open(&in, &fd, name, sizeof name, p, s->err)) < 0)
		goto done;
	while (base + emb_stream_offset(in) < p->end &&
	       (rc = emb_stream_getline(in, &line, &len, s->err)) == 0) {
		s->st->lines++;
		if ((rc = emb_token_check_line(in, line, len, s->err)) < 0 ||
		    (rc = emb_tokenizer_line(tk, line, len, scan_token, s, s->err)) != 0)
			break;
		if ((rc = idw_put(s->w, EMB_TRAIN_EOS, s->err)) < 0)
			break;
	}
	if (rc >= 0) {
		rc = emb_stream_close(in, s->err);
		in = NULL;
	}
done:
	emb_stream_abort(in);
	if (fd >= 0)
		close(fd);
	return rc < 0 ? rc : 0;
}

int emb_train_corpus_scan(struct emb_train_corpus **out, struct emb_vocab **vocab,
			  char *const *paths, size_t n, const struct emb_tok_opts *tok,
			  struct emb_err *err)
{
	struct emb_train_piece *p = malloc((n ? n : 1) * sizeof *p);
	int rc;

	*out = NULL;
	if (!p)
		return emb_err_nomem(err, "reading the corpus");
	for (size_t i = 0; i < n; i++)
		p[i] = (struct emb_train_piece){ paths[i], 0, EMB_TRAIN_PART_END };
	rc = emb_train_corpus_scan_pieces(out, vocab, p, n, tok, err);
	free(p);
	return rc;
}

int emb_train_corpus_scan_pieces(struct emb_train_corpus **out, struct emb_vocab **vocab,
				 const struct emb_train_piece *pieces, size_t n,
				 const struct emb_tok_opts *tok, struct emb_err *err)
{
	struct emb_train_corpus *c = NULL;
	struct emb_tokenizer *tk = NULL;
	struct emb_vocab *built = NULL;
	struct idw *w = NULL;
	struct scan_ctx s;
	int rc;

	*out = NULL;
	if ((rc = corpus_new(&c, err)) < 0)
		return rc;
	if (!(w = calloc(1, sizeof *w))) {
		rc = emb_err_nomem(err, "allocating the id cache");
		goto done;
	}
	w->fd = c->fd;
	w->digest = DIGEST_INIT;
	if (!*vocab && (rc = emb_vocab_new(&built, err)) < 0)
		goto done;
	if ((rc = emb_tokenizer_new(&tk, tok, err)) < 0)
		goto done;
	s = (struct scan_ctx){ *vocab ? *vocab : built, !*vocab, w, &c->stats, err };
	for (size_t i = 0; i < n; i++)
		if ((rc = scan_one(&s, tk, &pieces[i])) < 0)
			goto done;
	if ((rc = idw_flush(w, err)) < 0)
		goto done;
	c->size = w->total;
	c->digest = w->digest;
	if (built) {
		*vocab = built;
		built = NULL;
	}
	*out = c;
	c = NULL;
done:
	emb_tokenizer_free(tk);
	emb_vocab_free(built);
	emb_train_corpus_free(c);
	free(w);
	return rc;
}

int emb_train_corpus_read(const struct emb_train_corpus *c, uint64_t pos, uint32_t *dst, size_t n,
			  size_t *got, struct emb_err *err)
{
	size_t want, have = 0;

	*got = 0;
	if (pos >= c->size)
		return 0;
	want = (size_t)(c->size - pos < n ? c->size - pos : n) * sizeof *dst;
	while (have < want) {
		ssize_t k = pread(c->fd, (char *)dst + have, want - have, (off_t)(pos * sizeof *dst + have));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return emb_err_set(err, EMB_EIO, "id cache: read error: %s",
					   k < 0 ? strerror(errno) : "file shrank");
		have += (size_t)k;
	}
	*got = want / sizeof *dst;
	return 0;
}

int emb_train_corpus_filter(struct emb_train_corpus *c, const struct emb_vocab *vocab,
			    long padding, struct emb_err *err)
{
	struct emb_train_corpus *nc = NULL;
	size_t rows = emb_vocab_size(vocab), got;
	uint32_t *in = NULL;
	struct idw *w = NULL;
	int rc;

	if ((rc = corpus_new(&nc, err)) < 0)
		return rc;
	if (!(in = malloc(IDBUF * sizeof *in)) || !(w = calloc(1, sizeof *w))) {
		rc = emb_err_nomem(err, "filtering the id cache");
		goto done;
	}
	w->fd = nc->fd;
	w->digest = DIGEST_INIT;
	nc->stats = c->stats;
	nc->stats.kept = 0;
	for (uint64_t pos = 0;; pos += got) {
		if ((rc = emb_train_corpus_read(c, pos, in, IDBUF, &got, err)) < 0)
			goto done;
		if (got == 0)
			break;
		for (size_t i = 0; i < got; i++) {
			uint32_t id = in[i];
			if (id != EMB_TRAIN_EOS) {
				if (c->remap)
					id = id < c->remap_n ? c->remap[id] : UINT32_MAX;
				if (id >= rows || (long)id == padding || emb_vocab_count(vocab, id) == 0)
					continue;
				nc->stats.kept++;
			}
			if ((rc = idw_put(w, id, err)) < 0)
				goto done;
		}
	}
	if ((rc = idw_flush(w, err)) < 0)
		goto done;
	/* swap the new file in; c keeps its identity for the caller */
	close(c->fd);
	c->fd = nc->fd;
	nc->fd = -1;
	c->size = w->total;
	c->stats = nc->stats;
	c->digest = w->digest;
	free(c->remap);
	c->remap = NULL;
	c->remap_n = 0;
done:
	emb_train_corpus_free(nc);
	free(in);
	free(w);
	return rc;
}

int emb_train_corpus_from_ids(struct emb_train_corpus **out, const uint32_t *ids, size_t n,
			      struct emb_err *err)
{
	struct emb_train_corpus *c = NULL;
	uint64_t h = DIGEST_INIT;
	int rc;

	*out = NULL;
	if ((rc = corpus_new(&c, err)) < 0)
		return rc;
	if ((rc = write_all(c->fd, ids, n * sizeof *ids, err)) < 0) {
		emb_train_corpus_free(c);
		return rc;
	}
	for (size_t i = 0; i < n; i++) {
		h = digest_add(h, ids[i]);
		if (ids[i] != EMB_TRAIN_EOS)
			c->stats.kept++;
		else
			c->stats.lines++;
	}
	c->stats.tokens = c->stats.kept;
	c->size = n;
	c->digest = h;
	*out = c;
	return 0;
}

const struct emb_train_stats *emb_train_corpus_stats(const struct emb_train_corpus *c)
{
	return &c->stats;
}

uint64_t emb_train_corpus_size(const struct emb_train_corpus *c)
{
	return c->size;
}

uint64_t emb_train_corpus_digest(const struct emb_train_corpus *c)
{
	return c->digest;
}

int emb_train_corpus_renumber(struct emb_train_corpus *c, const struct emb_vocab *from,
			      const struct emb_vocab *to, struct emb_err *err)
{
	size_t n = emb_vocab_size(from);
	uint32_t *remap = malloc((n ? n : 1) * sizeof *remap);

	if (!remap)
		return emb_err_nomem(err, "renumbering the id cache");
	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *tok = emb_vocab_token(from, i, &len);
		long r = emb_vocab_find(to, tok, len);
		remap[i] = r < 0 ? UINT32_MAX : (uint32_t)r;
	}
	free(c->remap);
	c->remap = remap;
	c->remap_n = n;
	return 0;
}

/* ---- pruning ---- */

/* A sort key carrying what the comparators need (qsort has no context argument). */
struct pkey {
	uint64_t count;
	size_t id;
	const char *tok;
	size_t len;
};

static int by_count_then_id(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

static int by_count_then_bytes(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;
	int d;

	if (x->count != y->count)
		return x->count > y->count ? -1 : 1;
	d = memcmp(x->tok, y->tok, x->len < y->len ? x->len : y->len);
	if (d)
		return d;
	return x->len < y->len ? -1 : x->len > y->len;
}

static int by_id(const void *a, const void *b)
{
	const struct pkey *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

int emb_train_vocab_prune(struct emb_vocab **vocab, struct emb_train_corpus *corpus,
			  uint64_t min_count, size_t max_size, bool keep_zero, bool sort,
			  struct emb_err *err)
{
	const struct emb_vocab *v = *vocab;
	size_t n = emb_vocab_size(v), nk = 0, nz = 0;
	struct pkey *k = malloc((n ? n : 1) * sizeof *k);
	uint32_t *remap = malloc((n ? n : 1) * sizeof *remap);
	struct emb_vocab *nv = NULL;
	int rc = 0;

	if (!k || !remap) {
		rc = emb_err_nomem(err, "pruning the vocabulary");
		goto done;
	}
	/* counted rows first (ranked for max-size), the kept zero-count rows after them */
	for (size_t i = 0; i < n; i++) {
		uint64_t cnt = emb_vocab_count(v, i);
		if (cnt > 0 && cnt >= min_count)
			k[nk++] = (struct pkey){ cnt, i, NULL, 0 };
	}
	if (max_size && nk > max_size) {
		qsort(k, nk, sizeof *k, by_count_then_id);
		nk = max_size;
	}
	for (size_t i = 0; i < n && keep_zero; i++)
		if (emb_vocab_count(v, i) == 0)
			k[nk + nz++] = (struct pkey){ 0, i, NULL, 0 };
	nk += nz;
	for (size_t i = 0; i < nk; i++)
		k[i].tok = emb_vocab_token(v, k[i].id, &k[i].len);
	qsort(k, nk, sizeof *k, sort ? by_count_then_bytes : by_id);
	if ((rc = emb_vocab_new(&nv, err)) < 0)
		goto done;
	for (size_t i = 0; i < n; i++)
		remap[i] = UINT32_MAX;
	for (size_t i = 0; i < nk; i++) {
		if ((rc = emb_vocab_add(nv, k[i].tok, k[i].len, k[i].count, NULL, err)) < 0)
			goto done;
		remap[k[i].id] = (uint32_t)i;
	}
	rc = 0;
	emb_vocab_free(*vocab);
	*vocab = nv;
	nv = NULL;
	if (corpus) {
		free(corpus->remap);
		corpus->remap = remap;
		corpus->remap_n = n;
		remap = NULL;
	}
done:
	emb_vocab_free(nv);
	free(k);
	free(remap);
	return rc;
}
