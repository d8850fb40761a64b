/*
 * emb_count: exact parallel token counting.  See emb_count.h.
 *
 * Pipeline.  The calling thread reads each stream into chunks (default 4 MiB) from a small pool
 * and cuts every chunk after its last ASCII whitespace byte; the partial token behind the cut
 * moves to the front of the next chunk, and a chunk with no whitespace at all grows until it
 * has some (a 10 MB token, or a one-line corpus, needs no special case).  Worker threads take
 * chunks from a queue and count them; with one thread the caller counts each chunk itself, so
 * "one thread" really is one.
 *
 * Counting (the bound: one random memory access per token).  Each worker owns an
 * open-addressing table with linear probing, at most half full, of 32-byte slots:
 * {count, hash, length, token}.  A token of up to 16 bytes is stored inside its slot as two
 * zero-padded words, so the usual English word is found with one cache miss and two word
 * compares and no string compare; longer tokens live in the worker's arena and are compared
 * with memcmp.  Tokens are hashed in batches of BATCH and their slots prefetched before the
 * batch is counted, which overlaps those cache misses.  A token's end is found 16 bytes at a
 * time with SSE2 compares (a class table elsewhere); a whitespace sentinel after the chunk
 * removes the bounds checks.  Tables of 2 MiB and more are advised into huge pages.
 *
 * Measured (perf, one thread, 80 MB of English): token scan + hashing ~31%, table probes ~27%,
 * copying ~10%, sorting ~6%, the kernel (reads, page faults) ~8%: about 19 ns a token for the
 * counting proper, bound by the cache miss of each table probe.
 *
 * --lower and --split words go through emb_tokenizer (one per worker) and its callback instead
 * of the batched byte scan; the tables are the same.
 *
 * Finish: the workers' tables are summed into the first one (reusing the stored hashes), whose
 * tokens go to emb_vocab_from_counts() to come out sorted.
 */
#include "emb_count.h"

#include <assert.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "emb_token.h"
#include "internal.h"

#define DEFAULT_CHUNK ((size_t)4 << 20)
#define PAD 32          /* readable bytes after a chunk's end: word loads may overrun */
#define BATCH 16
#define INLINE_MAX 16
#define HUGE ((size_t)2 << 20)

struct slot {
	uint64_t count;   /* 0 = empty */
	uint32_t hash;
	uint32_t len;     /* tokens longer than 4 GiB are refused */
	union {
		uint64_t w[2];/* len <= INLINE_MAX: the bytes, zero-padded */
		uint64_t off; /* else: offset in the arena */
	} u;
};

struct table {
	struct slot *s;
	size_t mask, used;
	char *arena;
	size_t alen, acap;
};

struct chunk {
	char *data;       /* cap + PAD bytes */
	size_t len, cap;
	const char *name; /* the stream's, and the offset in it of data[0]: for messages */
	uint64_t base;
	struct chunk *next;     /* in the queue or the free list */
	struct chunk *all_next; /* in the list of every chunk */
};

struct worker {
	struct emb_counter *c;
	struct table t;
	struct emb_tokenizer *tok;
	struct emb_err err;
	int rc;
	pthread_t th;
	bool started;
};

struct emb_counter {
	struct emb_count_opts o;
	int nworkers;
	struct worker *w;
	pthread_mutex_t mu;
	pthread_cond_t ready, freed;
	struct chunk *queue, *queue_tail, *free_list;
	struct chunk *all;     /* every chunk, to free */
	size_t nchunks;
	bool closing, failed, threads_on;
	uint64_t bytes;
};

static const unsigned char ws[256] = {
	['\t'] = 1, ['\n'] = 1, ['\v'] = 1, ['\f'] = 1, ['\r'] = 1, [' '] = 1,
};

/* ---- the table ---- */

/*
 * Zeroed slots.  Big tables are mapped 2 MiB-aligned and advised into transparent huge pages:
 * with 4 KiB pages, first touches of a table that grows to tens of MB cost more page faults
 * than the counting itself.
 */
static struct slot *slots_alloc(size_t n)
{
	size_t bytes = n * sizeof(struct slot);
	void *p;

	if (bytes < HUGE)
		return calloc(n, sizeof(struct slot));
	p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
#ifdef MADV_HUGEPAGE
	madvise(p, bytes, MADV_HUGEPAGE);
#endif
	return p;
}

static void slots_free(struct slot *s, size_t n)
{
	if (!s)
		return;
	if (n * sizeof *s < HUGE)
		free(s);
	else
		munmap(s, n * sizeof *s);
}

static int table_init(struct table *t, struct emb_err *err)
{
	memset(t, 0, sizeof *t);
	if (!(t->s = slots_alloc(1 << 14)))
		return emb_err_nomem(err, "counting tokens");
	t->mask = (1 << 14) - 1;
	return 0;
}

static void table_release(struct table *t)
{
	slots_free(t->s, t->mask + 1);
	free(t->arena);
	memset(t, 0, sizeof *t);
}

static int table_grow(struct table *t, struct emb_err *err)
{
	size_t n = 2 * (t->mask + 1), mask = n - 1;
	struct slot *s = slots_alloc(n);

	if (!s)
		return emb_err_nomem(err, "counting tokens");
	for (size_t i = 0; i <= t->mask; i++) {
		size_t j;
		if (!t->s[i].count)
			continue;
		for (j = t->s[i].hash & mask; s[j].count; j = (j + 1) & mask)
			;
		s[j] = t->s[i];
	}
	slots_free(t->s, t->mask + 1);
	t->s = s;
	t->mask = mask;
	return 0;
}

/* Zero-padded words of a token of at most 16 bytes; p must have 16 readable bytes. */
static inline void short_words(const char *p, size_t len, uint64_t w[2])
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t a, b;
	memcpy(&a, p, 8);
	memcpy(&b, p + 8, 8);
	if (len < 8) {
		a &= ((uint64_t)1 << (8 * len)) - 1;
		b = 0;
	} else if (len < 16) {
		b &= ((uint64_t)1 << (8 * (len - 8))) - 1;
	}
	w[0] = a;
	w[1] = b;
#else
	w[0] = w[1] = 0;
	memcpy(w, p, len);
#endif
}

static inline uint32_t short_hash(const uint64_t w[2], size_t len)
{
	uint64_t h = (w[0] * 0x9e3779b97f4a7c15ull) ^ (w[1] * 0xc2b2ae3d27d4eb4full) ^ len;
	h ^= h >> 31;
	h *= 0xbf58476d1ce4e5b9ull;
	return (uint32_t)(h >> 32);
}

static inline uint32_t token_hash(const char *p, size_t len, uint64_t w[2])
{
	if (len <= INLINE_MAX) {
		short_words(p, len, w);
		return short_hash(w, len);
	}
	return (uint32_t)emb_hash_bytes(p, len);
}

/* Add N to the token's count.  The token is p[0..len) with words w and hash h. */
static int table_add(struct table *t, const char *p, size_t len, const uint64_t w[2], uint32_t h,
		     uint64_t n, struct emb_err *err)
{
	size_t i = h & t->mask;
	struct slot *s;

	for (;; i = (i + 1) & t->mask) {
		s = &t->s[i];
		if (!s->count)
			break;
		if (s->hash != h || s->len != len)
			continue;
		if (len <= INLINE_MAX ? s->u.w[0] == w[0] && s->u.w[1] == w[1]
				      : memcmp(t->arena + s->u.off, p, len) == 0) {
			s->count += n;
			return 0;
		}
	}
	if (len > UINT32_MAX)
		return emb_err_set(err, EMB_ELIMIT, "a token of %zu bytes is too long", len);
	if (len > INLINE_MAX) {
		size_t need;
		if (!emb_add_ok(t->alen, len, &need))
			return emb_err_nomem(err, "counting tokens");
		if (need > t->acap) {
			size_t nc = t->acap ? t->acap : (size_t)1 << 16;
			char *a;
			while (nc < need)
				nc *= 2;
			if (!(a = realloc(t->arena, nc)))
				return emb_err_nomem(err, "counting tokens");
			t->arena = a;
			t->acap = nc;
		}
		memcpy(t->arena + t->alen, p, len);
		s->u.off = t->alen;
		t->alen += len;
	} else {
		s->u.w[0] = w[0];
		s->u.w[1] = w[1];
	}
	s->count = n;
	s->hash = h;
	s->len = (uint32_t)len;
	if (2 * ++t->used > t->mask + 1)
		return table_grow(t, err);
	return 0;
}

/* ---- counting a chunk ---- */

struct pending {
	const char *p;
	size_t len;
	uint64_t w[2];
	uint32_t h;
};

static int flush_batch(struct table *t, struct pending *b, int n, struct emb_err *err)
{
	int rc;

	for (int i = 0; i < n; i++)
		if ((rc = table_add(t, b[i].p, b[i].len, b[i].w, b[i].h, 1, err)) < 0)
			return rc;
	return 0;
}

#ifdef __SSE2__
/* Bit i set when p[i] is whitespace (space, or \t \n \v \f \r = 9..13), for 16 bytes. */
static inline unsigned ws_mask16(const unsigned char *p)
{
	__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i sp = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
	__m128i t = _mm_sub_epi8(v, _mm_set1_epi8(9));
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(4)), t);
	return (unsigned)_mm_movemask_epi8(_mm_or_si128(sp, ctl));
}
#endif

/*
 * End of the token starting at p: the next whitespace byte.  DATA[len] is a whitespace
 * sentinel followed by readable padding, so neither loop needs a bounds check.
 */
static inline const unsigned char *token_end(const unsigned char *p)
{
#ifdef __SSE2__
	for (;;) {
		unsigned m = ws_mask16(p);
		if (m)
			return p + __builtin_ctz(m);
		p += 16;
	}
#else
	while (!ws[*p])
		p++;
	return p;
#endif
}

/* A token over the limit in chunk CH (TOK points into it, or NULL: it was folded). */
static int too_long(const struct chunk *ch, const char *tok, size_t len, size_t max,
		    struct emb_err *err)
{
	struct emb_token_at at = { ch->name, 0, EMB_TOKEN_NO_BYTE };

	if (tok >= ch->data && tok < ch->data + ch->len)
		at.byte = ch->base + (uint64_t)(tok - ch->data);
	return emb_token_check(tok, len, max, &at, err);
}

/* The fast path: whitespace split, no folding.  DATA has PAD writable bytes past LEN. */
static int count_ws(struct table *t, const struct chunk *ch, size_t max, struct emb_err *err)
{
	char *data = ch->data;
	const unsigned char *p = (const unsigned char *)data, *end = p + ch->len;
	struct pending b[BATCH];
	int n = 0, rc;

	data[ch->len] = ' ';
	for (;;) {
		const unsigned char *s;
		while (ws[*p] && p < end)
			p++;
		if (p == end)
			break;
		s = p;
		p = token_end(p);
		b[n].p = (const char *)s;
		b[n].len = (size_t)(p - s);
		if (b[n].len > max)
			return too_long(ch, b[n].p, b[n].len, max, err);
		b[n].h = token_hash(b[n].p, b[n].len, b[n].w);
		__builtin_prefetch(&t->s[b[n].h & t->mask], 1);
		if (++n == BATCH) {
			if ((rc = flush_batch(t, b, n, err)) < 0)
				return rc;
			n = 0;
		}
	}
	return flush_batch(t, b, n, err);
}

struct tok_ctx {
	struct table *t;
	const struct chunk *ch;
	size_t max;
	struct emb_err *err;
};

static int count_one(void *ctx, const char *tok, size_t len)
{
	struct tok_ctx *c = ctx;
	uint64_t w[2];
	char tmp[INLINE_MAX + 8];
	uint32_t h;

	if (len > c->max)
		return too_long(c->ch, tok, len, c->max, c->err);
	/* tokenizer output has no guaranteed padding: short tokens are copied out first */
	if (len <= INLINE_MAX) {
		memset(tmp, 0, sizeof tmp);
		memcpy(tmp, tok, len);
		tok = tmp;
	}
	h = token_hash(tok, len, w);
	return table_add(c->t, tok, len, w, h, 1, c->err);
}

static int count_chunk(struct worker *w, struct chunk *ch)
{
	size_t max = w->c->o.max_token ? w->c->o.max_token : EMB_TOKEN_MAX_DEFAULT;
	struct tok_ctx ctx = { &w->t, ch, max, &w->err };

	if (!w->tok)
		return count_ws(&w->t, ch, max, &w->err);
	return emb_tokenizer_line(w->tok, ch->data, ch->len, count_one, &ctx, &w->err);
}

/* ---- threads and the chunk pool ---- */

static void *work(void *arg)
{
	struct worker *w = arg;
	struct emb_counter *c = w->c;
	struct chunk *ch;

	for (;;) {
		pthread_mutex_lock(&c->mu);
		while (!c->queue && !c->closing)
			pthread_cond_wait(&c->ready, &c->mu);
		if (!(ch = c->queue)) {
			pthread_mutex_unlock(&c->mu);
			return NULL;
		}
		c->queue = ch->next;
		if (!c->queue)
			c->queue_tail = NULL;
		pthread_mutex_unlock(&c->mu);

		/* rc and failed are read by the reading thread under the lock (w->err, written first,
		 * is published with them); only this thread writes rc, so it reads it freely */
		if (w->rc == 0) {
			int rc = count_chunk(w, ch);
			if (rc < 0) {
				pthread_mutex_lock(&c->mu);
				w->rc = rc;
				c->failed = true;
				pthread_mutex_unlock(&c->mu);
			}
		}

		pthread_mutex_lock(&c->mu);
		ch->next = c->free_list;
		c->free_list = ch;
		pthread_cond_signal(&c->freed);
		pthread_mutex_unlock(&c->mu);
	}
}

int emb_counter_new(struct emb_counter **out, const struct emb_count_opts *opts,
		    struct emb_err *err)
{
	struct emb_counter *c;
	int rc = 0;

	*out = NULL;
	if (!(c = calloc(1, sizeof *c)))
		return emb_err_nomem(err, "counting tokens");
	c->o = *opts;
	if (!c->o.chunk)
		c->o.chunk = DEFAULT_CHUNK;
	c->nworkers = c->o.threads > 0 ? c->o.threads : emb_online_cpus(256);
	if (c->nworkers > 256)
		c->nworkers = 256;
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->ready, NULL);
	pthread_cond_init(&c->freed, NULL);
	if (!(c->w = calloc((size_t)c->nworkers, sizeof *c->w))) {
		free(c);
		return emb_err_nomem(err, "counting tokens");
	}
	for (int i = 0; i < c->nworkers && rc == 0; i++) {
		struct worker *w = &c->w[i];
		w->c = c;
		if ((rc = table_init(&w->t, err)) < 0)
			break;
		if (c->o.tok.split != EMB_SPLIT_WS || c->o.tok.lower)
			rc = emb_tokenizer_new(&w->tok, &c->o.tok, err);
	}
	*out = c;   /* even on failure: emb_counter_free() undoes the partial setup */
	if (rc < 0) {
		emb_counter_free(c);
		*out = NULL;
	}
	return rc;
}

static int start_threads(struct emb_counter *c, struct emb_err *err)
{
	if (c->threads_on || c->nworkers == 1)
		return 0;
	c->threads_on = true;
	for (int i = 0; i < c->nworkers; i++) {
		if (pthread_create(&c->w[i].th, NULL, work, &c->w[i]) != 0)
			return emb_err_set(err, EMB_ENOMEM, "cannot start counting threads");
		c->w[i].started = true;
	}
	return 0;
}

/* A free chunk with room for at least the carried bytes; waits for the workers if need be. */
static int get_chunk(struct emb_counter *c, struct chunk **out, struct emb_err *err)
{
	struct chunk *ch = NULL;
	/* the reader holds two (the one it fills and the next); the rest keep workers busy */
	size_t max = c->nworkers == 1 ? 2 : 2 * (size_t)c->nworkers + 2;

	pthread_mutex_lock(&c->mu);
	while (!c->free_list && c->nchunks >= max)
		pthread_cond_wait(&c->freed, &c->mu);
	if (c->free_list) {
		ch = c->free_list;
		c->free_list = ch->next;
	}
	pthread_mutex_unlock(&c->mu);
	if (!ch) {
		if (!(ch = calloc(1, sizeof *ch)) || !(ch->data = malloc(c->o.chunk + PAD))) {
			free(ch);
			return emb_err_nomem(err, "counting tokens");
		}
		ch->cap = c->o.chunk;
		pthread_mutex_lock(&c->mu);
		ch->all_next = c->all;
		c->all = ch;
		c->nchunks++;
		pthread_mutex_unlock(&c->mu);
	}
	ch->len = 0;
	*out = ch;
	return 0;
}

static int grow_chunk(struct chunk *ch, struct emb_err *err)
{
	size_t nc;
	char *d;

	if (!emb_mul_ok(ch->cap, 2, &nc) || !(d = realloc(ch->data, nc + PAD)))
		return emb_err_nomem(err, "reading a long token");
	ch->data = d;
	ch->cap = nc;
	return 0;
}

/* Count CH now (one thread) or queue it for the workers. */
static int dispatch(struct emb_counter *c, struct chunk *ch, struct emb_err *err)
{
	int rc;

	memset(ch->data + ch->len, 0, PAD);
	if (c->nworkers == 1) {
		rc = count_chunk(&c->w[0], ch);
		if (rc < 0)
			*err = c->w[0].err;
		pthread_mutex_lock(&c->mu);
		ch->next = c->free_list;
		c->free_list = ch;
		pthread_mutex_unlock(&c->mu);
		return rc;
	}
	pthread_mutex_lock(&c->mu);
	ch->next = NULL;
	if (c->queue_tail)
		c->queue_tail->next = ch;
	else
		c->queue = ch;
	c->queue_tail = ch;
	pthread_cond_signal(&c->ready);
	pthread_mutex_unlock(&c->mu);
	return 0;
}

static int worker_error(struct emb_counter *c, struct emb_err *err)
{
	int rc = 0;

	pthread_mutex_lock(&c->mu);
	for (int i = 0; i < c->nworkers && rc == 0; i++)
		if (c->w[i].rc < 0) {
			*err = c->w[i].err;
			rc = c->w[i].rc;
		}
	pthread_mutex_unlock(&c->mu);
	return rc;
}

static bool any_failed(struct emb_counter *c)
{
	bool f;

	pthread_mutex_lock(&c->mu);
	f = c->failed;
	pthread_mutex_unlock(&c->mu);
	return f;
}

int emb_counter_add(struct emb_counter *c, struct emb_stream *in, struct emb_err *err)
{
	struct chunk *ch = NULL, *next;
	size_t got, max = c->o.max_token ? c->o.max_token : EMB_TOKEN_MAX_DEFAULT;
	int rc;
	bool eof = false;

	if ((rc = start_threads(c, err)) < 0 || (rc = get_chunk(c, &ch, err)) < 0)
		return rc;
	ch->name = emb_stream_name(in);
	ch->base = emb_stream_offset(in);
	while (!eof) {
		size_t cut;

		while (ch->len < ch->cap) {
			rc = emb_stream_read(in, ch->data + ch->len, ch->cap - ch->len, &got, err);
			if (rc < 0)
				goto fail;
			if (rc == EMB_EOF) {
				eof = true;
				break;
			}
			/* a NUL would be part of a token: the token rule refuses it (located here, where
			 * the offset is known) */
			if (memchr(ch->data + ch->len, 0, got)) {
				struct emb_token_at at = { ch->name, 0, ch->base };
				rc = emb_token_check_text(ch->data, ch->len + got, &at, err);
				goto fail;
			}
			ch->len += got;
			c->bytes += got;
		}
		if (c->o.progress)
			c->o.progress(c->o.progress_ctx, c->bytes);
		if (any_failed(c))
			break;
		if (eof) {
			cut = ch->len;
		} else {
			for (cut = ch->len; cut > 0 && !ws[(unsigned char)ch->data[cut - 1]]; cut--)
				;
			if (cut == 0) {    /* one token fills the chunk: read on, up to the limit */
				if (ch->len > max) {
					rc = too_long(ch, ch->data, ch->len, max, err);
					goto fail;
				}
				if ((rc = grow_chunk(ch, err)) < 0)
					goto fail;
				continue;
			}
		}
		if (ch->len - cut > max) {
			rc = too_long(ch, ch->data + cut, ch->len - cut, max, err);
			goto fail;
		}
		if ((rc = get_chunk(c, &next, err)) < 0)
			goto fail;
		while (next->cap < ch->len - cut)
			if ((rc = grow_chunk(next, err)) < 0)
				goto fail;
		memcpy(next->data, ch->data + cut, ch->len - cut);
		next->len = ch->len - cut;
		next->name = ch->name;
		next->base = ch->base + cut;
		ch->len = cut;
		if ((rc = dispatch(c, ch, err)) < 0) {
			ch = next;
			goto fail;
		}
		ch = next;
	}
	rc = 0;
fail:
	pthread_mutex_lock(&c->mu);
	ch->next = c->free_list;
	c->free_list = ch;
	pthread_mutex_unlock(&c->mu);
	if (rc < 0)
		return rc;
	return worker_error(c, err);
}

static void stop_threads(struct emb_counter *c)
{
	pthread_mutex_lock(&c->mu);
	c->closing = true;
	pthread_cond_broadcast(&c->ready);
	pthread_mutex_unlock(&c->mu);
	for (int i = 0; i < c->nworkers; i++)
		if (c->w[i].started) {
			pthread_join(c->w[i].th, NULL);
			c->w[i].started = false;
		}
}

static const char *slot_token(const struct table *t, const struct slot *s)
{
	return s->len <= INLINE_MAX ? (const char *)s->u.w : t->arena + s->u.off;
}

/*
 * The table's tokens as a vocabulary sorted by count, then bytes.  The tokens are first copied,
 * in table order, into one compact buffer: sorted order then reads a few MB that stay in cache
 * instead of slots scattered over the whole table.
 */
static int table_to_vocab(const struct table *t, struct emb_vocab **out, struct emb_err *err)
{
	size_t n = t->used, k = 0, bytes = 0, o = 0;
	const char **tok = malloc((n ? n : 1) * sizeof *tok);
	size_t *len = malloc((n ? n : 1) * sizeof *len);
	uint64_t *count = malloc((n ? n : 1) * sizeof *count);
	char *buf = NULL;
	int rc;

	for (size_t i = 0; i <= t->mask; i++)
		bytes += t->s[i].len;
	if (!tok || !len || !count || !(buf = malloc(bytes ? bytes : 1))) {
		rc = emb_err_nomem(err, "sorting the counts");
	} else {
		for (size_t i = 0; i <= t->mask; i++) {
			const struct slot *s = &t->s[i];
			if (!s->count)
				continue;
			memcpy(buf + o, slot_token(t, s), s->len);
			tok[k] = buf + o;
			o += s->len;
			len[k] = s->len;
			count[k++] = s->count;
		}
		assert(k == n);
		rc = emb_vocab_from_counts(out, n, tok, len, count, true, err);
	}
	free(buf);
	free(tok);
	free(len);
	free(count);
	return rc;
}

int emb_counter_finish(struct emb_counter *c, struct emb_vocab **out, struct emb_err *err)
{
	struct emb_vocab *v = NULL;
	struct table *t0 = &c->w[0].t;
	int rc;

	*out = NULL;
	stop_threads(c);
	if ((rc = worker_error(c, err)) < 0)
		return rc;
	/* sum into the first table, reusing the stored hashes */
	for (int k = 1; k < c->nworkers; k++) {
		struct table *t = &c->w[k].t;
		for (size_t i = 0; i <= t->mask; i++) {
			const struct slot *s = &t->s[i];
			if (s->count && (rc = table_add(t0, slot_token(t, s), s->len, s->u.w, s->hash,
							s->count, err)) < 0)
				return rc;
		}
		table_release(t);
	}
	rc = table_to_vocab(t0, &v, err);
	table_release(t0);
	if (rc == 0)
		*out = v;
	return rc;
}

uint64_t emb_counter_bytes(const struct emb_counter *c)
{
	return c->bytes;
}

uint64_t emb_counter_invalid_utf8(const struct emb_counter *c)
{
	uint64_t n = 0;

	for (int i = 0; i < c->nworkers; i++)
		if (c->w[i].tok)
			n += emb_tokenizer_invalid_utf8(c->w[i].tok);
	return n;
}

void emb_counter_free(struct emb_counter *c)
{
	if (!c)
		return;
	stop_threads(c);
	for (int i = 0; i < c->nworkers; i++) {
		table_release(&c->w[i].t);
		emb_tokenizer_free(c->w[i].tok);
	}
	free(c->w);
	while (c->all) {
		struct chunk *ch = c->all;
		c->all = ch->all_next;
		free(ch->data);
		free(ch);
	}
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->ready);
	pthread_cond_destroy(&c->freed);
	free(c);
}
