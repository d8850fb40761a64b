/*
 * emb_train_part: deal a corpus out to NPARTS processes.  See emb_train_part.h.
 *
 * Plan: every input is looked at once (size; gzip by its first two bytes, as emb_stream
 * decides).  Whole inputs (gzip, pipes) go first, heaviest first, each to the lightest part.
 * The plain files are then one run of bytes in input order, cut so that the parts end up as
 * level as the whole inputs allow (water filling: part r gets max(0, L - whole_r) bytes with L
 * chosen so that all bytes are given out), and each part takes its run in part order.  Cutting
 * the concatenation rather than each file means that many small files are dealt out whole
 * (only the files a cut falls in are split) and a few large ones are split, with one rule.
 */
#include "emb_train_part.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define GZIP_WEIGHT 3 /* plain bytes per gzip byte, to balance whole gzip files against text */

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
	int fd;

	if (strcmp(path, "-") == 0)
		return emb_err_set(err, EMB_EINVAL, "standard input cannot be shared between processes");
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || S_ISDIR(st.st_mode)) {
		int e = S_ISDIR(st.st_mode) ? EISDIR : errno;
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

int emb_train_part_plan(struct emb_train_piece **out, size_t *nout, char *const *paths, size_t n,
			unsigned rank, unsigned nparts, struct emb_err *err)
{
	struct input *in = NULL;
	struct emb_train_piece *pc = NULL;
	size_t *idx = NULL, nw = 0, k = 0;
	uint64_t *cut = NULL, plain = 0;
	double *load = NULL;
	int rc = 0;

	*out = NULL;
	*nout = 0;
	if (nparts == 0 || rank >= nparts)
		return emb_err_set(err, EMB_EINVAL, "part %u of %u", rank, nparts);
	if (!(pc = calloc(n ? n : 1, sizeof *pc)))
		return emb_err_nomem(err, "planning the corpus parts");
	if (nparts == 1) {
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
	for (size_t i = 0; i < n; i++) {
		uint64_t b, e;
		if (in[i].whole) {
			if (in[i].owner == rank)
				pc[k++] = (struct emb_train_piece){ paths[i], 0, EMB_TRAIN_PART_END };
			continue;
		}
		b = cut[rank] > in[i].at ? cut[rank] - in[i].at : 0;
		e = cut[rank + 1] - in[i].at < in[i].size && cut[rank + 1] >= in[i].at ?
			cut[rank + 1] - in[i].at : in[i].size;
		if (cut[rank + 1] <= in[i].at || b >= e)
			continue;
		pc[k++] = (struct emb_train_piece){ paths[i], b, e };
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
