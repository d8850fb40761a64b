/*
 * emb_train_pos: where a trainer's threads are, for data-parallel checkpoints.  See
 * emb_train.h ("positions").
 *
 * A checkpoint of several processes is one process's ordinary checkpoint (the matrices are the
 * same on all after a full averaging) followed by an extension holding every process's
 * positions: [extension bytes][u64 length]["EMBTRXT1"].  emb_trainer_load_state() reads what
 * it knows and ignores the rest, so the file is still a checkpoint; the extension is found
 * from the end of the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emb_out.h"
#include "emb_train_impl.h"

#define EXT_MAGIC "EMBTRXT1"

struct pos_head {
	uint64_t corpus_size, corpus_digest, done_words, nthreads;
};

uint64_t emb_trainer_pos_words(const void *src)
{
	struct pos_head h;

	memcpy(&h, src, sizeof h);
	return h.done_words;
}

size_t emb_trainer_pos_size(const struct emb_trainer *t)
{
	return sizeof(struct pos_head) + t->nthreads * sizeof *t->ts;
}

void emb_trainer_pos_get(const struct emb_trainer *t, void *dst)
{
	struct emb_trainer *m = (struct emb_trainer *)t; /* atomics are read-write even to load */
	struct pos_head h = { t->corpus_size, t->corpus_digest, atomic_load(&m->done_words),
			      t->nthreads };

	memcpy(dst, &h, sizeof h);
	memcpy((char *)dst + sizeof h, t->ts, t->nthreads * sizeof *t->ts);
}

int emb_trainer_pos_set(struct emb_trainer *t, const void *src, size_t n, uint64_t global_words,
			struct emb_err *err)
{
	struct pos_head h;

	if (n < sizeof h)
		return emb_err_set(err, EMB_EFORMAT, "damaged positions in the checkpoint");
	memcpy(&h, src, sizeof h);
	if (h.nthreads != t->nthreads || n != emb_trainer_pos_size(t))
		return emb_err_set(err, EMB_EFORMAT, "damaged positions in the checkpoint");
	memcpy(t->ts, (const char *)src + sizeof h, t->nthreads * sizeof *t->ts);
	t->corpus_size = h.corpus_size;
	t->corpus_digest = h.corpus_digest;
	atomic_store(&t->done_words, h.done_words);
	/* as the sync callback leaves it: the learning rate follows all processes' words */
	atomic_store(&t->progress_offset, (int64_t)(global_words - h.done_words));
	return 0;
}

int emb_trainer_save_state_ext(const struct emb_trainer *t, const char *path, const void *ext,
			       size_t n, struct emb_err *err)
{
	struct emb_out *out = NULL;
	uint64_t n64 = n;
	int rc;

	if ((rc = emb_train_ckpt_open(t, &out, path, err)) < 0)
		return rc;
	if ((rc = emb_train_ckpt_write(t, out, err)) < 0 || (rc = emb_out_write(out, ext, n, err)) < 0 ||
	    (rc = emb_out_write(out, &n64, 8, err)) < 0 ||
	    (rc = emb_out_write(out, EXT_MAGIC, 8, err)) < 0) {
		emb_out_abort(out);
		return rc;
	}
	return emb_out_commit(out, err);
}

int emb_trainer_state_ext(const char *path, void **ext, size_t *n, struct emb_err *err)
{
	char tail[16];
	uint64_t len;
	struct stat st;
	int fd, rc = 0;

	*ext = NULL;
	*n = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || st.st_size < 16 || pread(fd, tail, 16, st.st_size - 16) != 16 ||
	    memcmp(tail + 8, EXT_MAGIC, 8) != 0)
		goto done; /* a checkpoint of one process */
	memcpy(&len, tail, 8);
	if (len > (uint64_t)st.st_size - 16 || !(*ext = malloc(len ? (size_t)len : 1))) {
		rc = len > (uint64_t)st.st_size - 16 ?
			emb_err_set(err, EMB_EFORMAT, "%s: damaged embtrain checkpoint", path) :
			emb_err_nomem(err, "reading a checkpoint");
		goto done;
	}
	if (pread(fd, *ext, (size_t)len, st.st_size - 16 - (off_t)len) != (ssize_t)len) {
		free(*ext);
		*ext = NULL;
		rc = emb_err_set(err, EMB_EIO, "%s: cannot read the checkpoint", path);
		goto done;
	}
	*n = (size_t)len;
done:
	close(fd);
	return rc;
}
