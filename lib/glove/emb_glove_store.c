/*
 * emb_glove_store: the shuffled co-occurrence data that training reads, and the unlinked
 * temporary files that hold it when it is larger than memory allows.
 *
 * Records arrive once, in (i, j) order (from the merge of the counting, or a co-occurrence
 * file).  Each goes to its fine bucket (a hash of seed, i and j; 2^16 of them), fine buckets
 * are gathered into 2^gbits groups of consecutive buckets, and the groups are trained in
 * order.  In memory (the data fits in half the memory budget) there is one group, the whole
 * array.  On disk each group fills blocks of a single temporary file through a small write
 * buffer; a group is then read back, shuffled and written over its own blocks: the data is
 * written twice but never held twice, and the open files stay one.
 *
 * The shuffle of a group: an in-place radix pass by fine bucket (American flag sort), then
 * each bucket is sorted by (i, j) and shuffled by Fisher-Yates with a generator seeded by
 * (seed, bucket).  The result depends on the seed and the records only, not on how many
 * groups there are: memory changes where the data lives, not the order of training.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "emb_glove_impl.h"
#include "emb_rng.h"

#define NFINE (1u << EMB_COOC_FINE_BITS)

struct group {
	uint64_t n;
	uint64_t *blocks;           /* file offsets of its blocks */
	size_t nblocks, cap;
	struct emb_cooc_rec *wbuf;  /* while adding */
	size_t wn;
};

struct emb_cooc {
	size_t rows;
	uint64_t n, max;
	uint64_t seed;
	volatile sig_atomic_t *stop;
	bool disk, any;
	uint32_t last_i, last_j;
	unsigned gbits;
	struct emb_cooc_rec *mem;   /* memory: all records; disk: the group loaded */
	size_t memcap;
	long loaded;                /* the group in mem (disk), -1 none */
	int fd;
	uint64_t fsize;
	size_t block;               /* records a block */
	struct group *g;
	size_t runs;
};

double glove_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int glove_tmp_open(int *fd, struct emb_err *err)
{
	const char *dir = getenv("TMPDIR");
	char *name;
	size_t len;

	if (!dir || !*dir)
		dir = "/tmp";
	len = strlen(dir) + 32;
	if (!(name = malloc(len)))
		return emb_err_nomem(err, "naming a temporary file");
	snprintf(name, len, "%s/embtrain-cooc.XXXXXX", dir);
	*fd = mkstemp(name);
	if (*fd < 0) {
		int e = errno;
		free(name);
		return emb_err_set(err, EMB_EIO, "cannot create a temporary file in %s: %s", dir,
				   strerror(e));
	}
	/* gone from the directory now; the space returns when the descriptor is closed, whatever
	 * the way out */
	unlink(name);
	free(name);
	return 0;
}

int glove_pwrite(int fd, const void *p, size_t n, uint64_t off, struct emb_err *err)
{
	const char *s = p;

	while (n > 0) {
		ssize_t k = pwrite(fd, s, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			const char *dir = getenv("TMPDIR");
			int e = k < 0 ? errno : ENOSPC;
			return emb_err_set(err, EMB_EIO, "writing temporary co-occurrence data in %s: %s",
					   dir && *dir ? dir : "/tmp", strerror(e));
		}
		s += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

int glove_pread(int fd, void *p, size_t n, uint64_t off, struct emb_err *err)
{
	char *s = p;

	while (n > 0) {
		ssize_t k = pread(fd, s, n, (off_t)off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return emb_err_set(err, EMB_EIO, "reading temporary co-occurrence data: %s",
					   k < 0 ? strerror(errno) : "unexpected end");
		s += k;
		n -= (size_t)k;
		off += (uint64_t)k;
	}
	return 0;
}

uint32_t glove_fine_bucket(uint64_t seed, uint32_t i, uint32_t j)
{
	uint64_t s = seed ^ (((uint64_t)i << 32 | j) * 0x9e3779b97f4a7c15ULL);

	return (uint32_t)(emb_rng_splitmix64(&s) >> (64 - EMB_COOC_FINE_BITS));
}

int emb_cooc_new(struct emb_cooc **out, size_t rows, uint64_t max_records,
		 const struct emb_glove_opts *o, struct emb_err *err)
{
	size_t memory = o->memory ? o->memory : (size_t)1 << 30;
	struct emb_cooc *c;
	uint64_t bytes = max_records * sizeof(struct emb_cooc_rec);
	int rc;

	*out = NULL;
	if (max_records > SIZE_MAX / sizeof(struct emb_cooc_rec) / 2)
		return emb_err_set(err, EMB_ELIMIT, "too many co-occurrence records (%llu)",
				   (unsigned long long)max_records);
	if (!(c = calloc(1, sizeof *c)))
		return emb_err_nomem(err, "co-occurrence data");
	c->rows = rows;
	c->max = max_records;
	c->seed = o->seed;
	c->stop = o->stop;
	c->fd = -1;
	c->loaded = -1;
	if (bytes <= memory / 2) {
		c->memcap = (size_t)(max_records ? max_records : 1);
		if (!(c->mem = malloc(c->memcap * sizeof *c->mem))) {
			rc = emb_err_nomem(err, "co-occurrence data");
			goto fail;
		}
		*out = c;
		return 0;
	}
	/* groups of about a quarter of the memory each: one is loaded at a time, beside the
	 * model; the write buffers share another quarter */
	c->disk = true;
	while (c->gbits < EMB_COOC_FINE_BITS && (bytes >> c->gbits) > memory / 4)
		c->gbits++;
	c->block = memory / 4 / ((size_t)1 << c->gbits) / sizeof(struct emb_cooc_rec);
	if (c->block < 512)
		c->block = 512;
	if (c->block > 65536)
		c->block = 65536;
	if (!(c->g = calloc((size_t)1 << c->gbits, sizeof *c->g))) {
		rc = emb_err_nomem(err, "co-occurrence groups");
		goto fail;
	}
	if ((rc = glove_tmp_open(&c->fd, err)) < 0)
		goto fail;
	*out = c;
	return 0;
fail:
	emb_cooc_free(c);
	return rc;
}

static int group_flush(struct emb_cooc *c, struct group *g, struct emb_err *err)
{
	int rc;

	if (g->wn == 0)
		return 0;
	if (g->nblocks == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		uint64_t *b = realloc(g->blocks, cap * sizeof *b);
		if (!b)
			return emb_err_nomem(err, "co-occurrence blocks");
		g->blocks = b;
		g->cap = cap;
	}
	if ((rc = glove_pwrite(c->fd, g->wbuf, g->wn * sizeof *g->wbuf, c->fsize, err)) < 0)
		return rc;
	g->blocks[g->nblocks++] = c->fsize;
	c->fsize += (uint64_t)c->block * sizeof *g->wbuf; /* a whole block, also for the last */
	g->wn = 0;
	return 0;
}

int emb_cooc_add(struct emb_cooc *c, const struct emb_cooc_rec *r, struct emb_err *err)
{
	struct group *g;

	if (r->i >= c->rows || r->j >= c->rows)
		return emb_err_set(err, EMB_EFORMAT, "co-occurrence of rows %u and %u beyond the %zu rows",
				   r->i, r->j, c->rows);
	if (c->any && !glove_less(c->last_i, c->last_j, r->i, r->j))
		return emb_err_set(err, EMB_EFORMAT, "co-occurrence records out of order at (%u, %u)",
				   r->i, r->j);
	if (!(r->x > 0) || r->x > 3.4e38f)
		return emb_err_set(err, EMB_EFORMAT, "co-occurrence (%u, %u) has count %g, not a "
				   "positive number", r->i, r->j, (double)r->x);
	if (c->n >= c->max)
		return emb_err_set(err, EMB_EFORMAT, "more co-occurrence records than the %llu announced",
				   (unsigned long long)c->max);
	c->any = true;
	c->last_i = r->i;
	c->last_j = r->j;
	c->n++;
	if (!c->disk) {
		c->mem[c->n - 1] = *r;
		return 0;
	}
	g = &c->g[glove_fine_bucket(c->seed, r->i, r->j) >> (EMB_COOC_FINE_BITS - c->gbits)];
	if (!g->wbuf && !(g->wbuf = malloc(c->block * sizeof *g->wbuf)))
		return emb_err_nomem(err, "co-occurrence write buffers");
	g->wbuf[g->wn++] = *r;
	g->n++;
	return g->wn == c->block ? group_flush(c, g, err) : 0;
}

GLOVE_SORT(sort_recs, struct emb_cooc_rec)

/* Shuffle the N records of the fine buckets FB0 .. FB0 + NB (see the top of the file). */
static int shuffle(struct emb_cooc_rec *a, size_t n, uint32_t fb0, uint32_t nb, uint64_t seed,
		   struct emb_err *err)
{
	size_t *start = malloc(((size_t)nb + 1) * sizeof *start), *next = malloc(nb * sizeof *next);
	int rc = 0;

	if (!start || !next) {
		rc = emb_err_nomem(err, "shuffling co-occurrences");
		goto done;
	}
	memset(start, 0, ((size_t)nb + 1) * sizeof *start);
	for (size_t k = 0; k < n; k++)
		start[glove_fine_bucket(seed, a[k].i, a[k].j) - fb0 + 1]++;
	for (uint32_t b = 0; b < nb; b++) {
		start[b + 1] += start[b];
		next[b] = start[b];
	}
	for (uint32_t b = 0; b < nb; b++) {
		while (next[b] < start[b + 1]) {
			struct emb_cooc_rec r = a[next[b]];
			uint32_t rb = glove_fine_bucket(seed, r.i, r.j) - fb0;
			while (rb != b) {  /* carry r to its bucket, taking the one it displaces */
				struct emb_cooc_rec t = a[next[rb]];
				a[next[rb]++] = r;
				r = t;
				rb = glove_fine_bucket(seed, r.i, r.j) - fb0;
			}
			a[next[b]++] = r;
		}
	}
	for (uint32_t b = 0; b < nb; b++) {
		struct emb_cooc_rec *s = a + start[b];
		size_t m = start[b + 1] - start[b];
		uint64_t st = seed ^ ((uint64_t)(fb0 + b) << 20), rng = emb_rng_splitmix64(&st) | 1;

		sort_recs(s, m);
		for (size_t k = m; k > 1; k--) {
			size_t q = (size_t)(((unsigned __int128)emb_rng_xorshift64s(&rng) * k) >> 64);
			struct emb_cooc_rec t = s[k - 1];
			s[k - 1] = s[q];
			s[q] = t;
		}
	}
done:
	free(start);
	free(next);
	return rc;
}

static int group_io(struct emb_cooc *c, size_t gi, bool write, struct emb_err *err)
{
	struct group *g = &c->g[gi];
	uint64_t left = g->n;
	int rc = 0;

	for (size_t b = 0; b < g->nblocks && rc >= 0; b++) {
		size_t k = left < c->block ? (size_t)left : c->block;
		struct emb_cooc_rec *p = c->mem + b * c->block;
		rc = write ? glove_pwrite(c->fd, p, k * sizeof *p, g->blocks[b], err)
			   : glove_pread(c->fd, p, k * sizeof *p, g->blocks[b], err);
		left -= k;
	}
	c->loaded = rc < 0 ? -1 : (long)gi;
	return rc;
}

int emb_cooc_finish(struct emb_cooc *c, struct emb_err *err)
{
	size_t ng = (size_t)1 << c->gbits, maxn = 0;
	uint32_t per = NFINE >> c->gbits;
	int rc;

	if (!c->disk)
		return shuffle(c->mem, (size_t)c->n, 0, NFINE, c->seed, err);
	for (size_t g = 0; g < ng; g++) {
		if ((rc = group_flush(c, &c->g[g], err)) < 0)
			return rc;
		free(c->g[g].wbuf);
		c->g[g].wbuf = NULL;
		if (c->g[g].n > maxn)
			maxn = (size_t)c->g[g].n;
	}
	c->memcap = (maxn + c->block - 1) / c->block * c->block;
	if (c->memcap == 0)
		c->memcap = 1;
	if (!(c->mem = malloc(c->memcap * sizeof *c->mem)))
		return emb_err_nomem(err, "loading co-occurrence groups");
	for (size_t g = 0; g < ng; g++) {
		if (c->stop && *c->stop)
			return emb_err_set(err, EMB_EINTR, "interrupted");
		if ((rc = group_io(c, g, false, err)) < 0 ||
		    (rc = shuffle(c->mem, (size_t)c->g[g].n, (uint32_t)g * per, per, c->seed, err)) < 0 ||
		    (rc = group_io(c, g, true, err)) < 0)
			return rc;
	}
	return 0;
}

uint64_t emb_cooc_records(const struct emb_cooc *c)
{
	return c->n;
}

size_t emb_cooc_rows(const struct emb_cooc *c)
{
	return c->rows;
}

void glove_store_set_runs(struct emb_cooc *c, size_t n)
{
	c->runs = n;
}

size_t emb_cooc_runs(const struct emb_cooc *c)
{
	return c->runs;
}

bool emb_cooc_spilled(const struct emb_cooc *c)
{
	return c->disk;
}

size_t emb_cooc_groups(const struct emb_cooc *c)
{
	return c->disk ? (size_t)1 << c->gbits : 1;
}

int emb_cooc_load(struct emb_cooc *c, size_t g, const struct emb_cooc_rec **recs, size_t *n,
		  struct emb_err *err)
{
	int rc;

	if (!c->disk) {
		*recs = c->mem;
		*n = (size_t)c->n;
		return 0;
	}
	if (c->loaded != (long)g && (rc = group_io(c, g, false, err)) < 0)
		return rc;
	*recs = c->mem;
	*n = (size_t)c->g[g].n;
	return 0;
}

void emb_cooc_free(struct emb_cooc *c)
{
	if (!c)
		return;
	if (c->g) {
		for (size_t g = 0; g < ((size_t)1 << c->gbits); g++) {
			free(c->g[g].blocks);
			free(c->g[g].wbuf);
		}
		free(c->g);
	}
	if (c->fd >= 0)
		close(c->fd);
	free(c->mem);
	free(c);
}
