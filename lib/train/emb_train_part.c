/*
 * emb_train_part: deal a corpus out to NPARTS processes.  See emb_train_part.h.
 *
 * Plan: every input is looked at once (size; gzip by its first two bytes, as emb_stream
 * decides).  Whole inputs (gzip, pipes) go first, heaviest first, each to the lightest part.
 * The plain files are then one run of bytes in input order, cut so that the parts end up as
 * level as the whole inputs allow (water filling: part r gets max(0, L - whole_r) bytes with L
 * chosen so that all bytes are given out).  Each part's share is then taken in ROUNDS slices
 * dealt in turn (round 0: part 0's first slice, part 1's, ...; round 1: ...), so that every part
 * holds a sample of the whole corpus in corpus order rather than one stretch of it.  A corpus
 * made of different sources one after the other (a dictionary, then books) otherwise gives
 * each process different text: per word, short dictionary lines cost less than long book
 * paragraphs (a window stops at the line end), so one process waited for the other at every
 * round (35% of its time on the bench corpus), and the processes learnt from different text
 * side by side, which the threads of one process, whose slices end at different times, do not.
 * Cutting the concatenation rather than each file means that many small files are dealt out
 * whole (only the files a cut falls in are split) and a few large ones are split, with one rule.
 */
#include "emb_train_part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GZIP_WEIGHT 3 /* plain bytes per gzip byte, to balance whole gzip files against text */
#define MAX_ROUNDS 64  /* slices per part: enough to mix the sources of a corpus */

struct input {
	uint64_t size;   /* bytes (weight for a whole input) */
	bool whole;      /* cannot be cut */
	unsigned owner;  /* the part of a whole input */
	uint64_t at;     /* offset of a plain file in the run of plain bytes */
};

static int inspect(struct input *in, const char *path, struct emb_err *err)
{
	unsigned char m[2];
	struct stat st;
	ssize_t k;
	int fd, e;

	if (strcmp(path, "-") == 0)
		return emb_err_set(err, EMB_EINVAL, "standard input cannot be shared between processes");
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(errno));
	e = fstat(fd, &st) < 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
	if (e) {
		close(fd);
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(e));
	}
	in->size = S_ISREG(st.st_mode) ? (uint64_t)st.st_size : 0;
	in->whole = !S_ISREG(st.st_mode);
	if (!in->whole && (k = pread(fd, m, 2, 0)) == 2 && m[0] == 0x1f && m[1] == 0x8b) {
		in->whole = true;
		in->size = in->size > UINT64_MAX / GZIP_WEIGHT ? UINT64_MAX : in->size * GZIP_WEIGHT;
	}
	close(fd);
	return 0;
}

/* Does input X go before input Y: heavier, or as heavy and given first? */
static bool goes_first(const struct input *x, const struct input *y)
{
	return x->size > y->size || (x->size == y->size && x < y);
}

/* Whole inputs heaviest first, ties in input order (insertion sort: they are few). */
static void sort_whole(size_t *idx, size_t n, const struct input *in)
{
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0 && goes_first(&in[idx[j]], &in[idx[j - 1]]); j--) {
			size_t t = idx[j];
			idx[j] = idx[j - 1];
			idx[j - 1] = t;
		}
}

/*
 * Cut PLAIN bytes into runs cut[r]..cut[r+1] that level the loads LOAD[0..np): part r gets
 * max(0, L - load[r]) with L found by bisection (the sum is monotonic in L).
 */
static void level(uint64_t *cut, const double *load, unsigned np, uint64_t plain)
{
	double lo = 0, hi = (double)plain, give = 0;

	for (unsigned r = 0; r < np; r++)
		if (load[r] + (double)plain > hi)
			hi = load[r] + (double)plain;
	for (int it = 0; it < 200; it++) {
		double mid = (lo + hi) / 2, s = 0;
		for (unsigned r = 0; r < np; r++)
			s += mid > load[r] ? mid - load[r] : 0;
		if (s < (double)plain)
			lo = mid;
		else
			hi = mid;
	}
	cut[0] = 0;
	for (unsigned r = 0; r < np; r++) {
		give += hi > load[r] ? hi - load[r] : 0;
		cut[r + 1] = give >= (double)plain ? plain : (uint64_t)give;
		if (cut[r + 1] < cut[r])
			cut[r + 1] = cut[r];
	}
	cut[np] = plain;
}

/* Bytes of part R's share Q in the first K of ROUNDS slices (floor: the slices tile Q). */
static uint64_t share_until(uint64_t q, unsigned k, unsigned rounds)
{
	return (uint64_t)((unsigned __int128)q * k / rounds);
}

/* Slice count: every slice at least BLOCK bytes (0: one slice, the part's whole share).  A part
 * that gets no plain bytes (its gzip inputs filled it) does not count: it has nothing to cut. */
static unsigned rounds_for(const uint64_t *cut, unsigned np, uint64_t block)
{
	uint64_t least = UINT64_MAX;

	if (block == 0)
		return 1;
	for (unsigned r = 0; r < np; r++)
		if (cut[r + 1] > cut[r] && cut[r + 1] - cut[r] < least)
			least = cut[r + 1] - cut[r];
	if (least == UINT64_MAX)
		return 1;
	least /= block;
	return least < 1 ? 1 : least > MAX_ROUNDS ? MAX_ROUNDS : (unsigned)least;
}

/* Append the pieces of plain bytes [b, e) (offsets in the run of plain files) to PC. */
static size_t add_range(struct emb_train_piece *pc, size_t k, char *const *paths,
			const struct input *in, size_t n, uint64_t b, uint64_t e)
{
	for (size_t i = 0; i < n && b < e; i++) {
		uint64_t fb, fe;
		if (in[i].whole || in[i].at + in[i].size <= b || in[i].at >= e)
			continue;
		fb = b > in[i].at ? b - in[i].at : 0;
		fe = e - in[i].at < in[i].size ? e - in[i].at : in[i].size;
		if (fb < fe)
			pc[k++] = (struct emb_train_piece){ paths[i], fb, fe };
	}
	return k;
}

int emb_train_part_plan(struct emb_train_piece **out, size_t *nout, char *const *paths, size_t n,
			unsigned rank, unsigned nparts, uint64_t block, struct emb_err *err)
{
	struct input *in = NULL;
	struct emb_train_piece *pc = NULL;
	size_t *idx = NULL, nw = 0, k = 0;
	uint64_t *cut = NULL, plain = 0;
	double *load = NULL;
	unsigned rounds;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (nparts == 0 || rank >= nparts)
		return emb_err_set(err, EMB_EINVAL, "part %u of %u", rank, nparts);
	if (nparts == 1) {
		if (!(pc = calloc(n ? n : 1, sizeof *pc)))
			return emb_err_nomem(err, "planning the corpus parts");
		for (size_t i = 0; i < n; i++)
			pc[i] = (struct emb_train_piece){ paths[i], 0, EMB_TRAIN_PART_END };
		*out = pc;
		*nout = n;
		return 0;
	}
	in = calloc(n ? n : 1, sizeof *in);
	idx = malloc((n ? n : 1) * sizeof *idx);
	load = calloc(nparts, sizeof *load);
	cut = calloc((size_t)nparts + 1, sizeof *cut);
	if (!in || !idx || !load || !cut) {
		rc = emb_err_nomem(err, "planning the corpus parts");
		goto done;
	}
	for (size_t i = 0; i < n; i++) {
		if ((rc = inspect(&in[i], paths[i], err)) < 0)
			goto done;
		if (in[i].whole) {
			idx[nw++] = i;
		} else {
			in[i].at = plain;
			plain += in[i].size;
		}
	}
	sort_whole(idx, nw, in);
	for (size_t j = 0; j < nw; j++) {
		unsigned best = 0;
		for (unsigned r = 1; r < nparts; r++)
			if (load[r] < load[best])
				best = r;
		in[idx[j]].owner = best;
		load[best] += (double)in[idx[j]].size;
	}
	level(cut, load, nparts, plain);
	rounds = rounds_for(cut, nparts, block);
	/* each slice adds at most one piece per file boundary inside it, plus its own */
	if (!(pc = calloc(n + rounds, sizeof *pc))) {
		rc = emb_err_nomem(err, "planning the corpus parts");
		goto done;
	}
	for (size_t i = 0; i < n; i++)
		if (in[i].whole && in[i].owner == rank)
			pc[k++] = (struct emb_train_piece){ paths[i], 0, EMB_TRAIN_PART_END };
	for (unsigned j = 0; j < rounds; j++) {
		uint64_t at = 0; /* where round j starts, then where this part's slice of it does */
		for (unsigned r = 0; r < nparts; r++)
			at += share_until(cut[r + 1] - cut[r], j, rounds);
		for (unsigned r = 0; r < rank; r++)
			at += share_until(cut[r + 1] - cut[r], j + 1, rounds) -
			      share_until(cut[r + 1] - cut[r], j, rounds);
		k = add_range(pc, k, paths, in, n, at,
			      at + share_until(cut[rank + 1] - cut[rank], j + 1, rounds) -
				      share_until(cut[rank + 1] - cut[rank], j, rounds));
	}
	*out = pc;
	*nout = k;
	pc = NULL;
done:
	free(pc);
	free(in);
	free(idx);
	free(load);
	free(cut);
	return rc;
}
