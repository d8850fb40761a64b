/*
 * emb_train_sync: the seam for data-parallel training (see struct emb_train_sync).
 *
 * The workers of one start meet at a barrier of their own (a mutex, a condition and a
 * generation count) rather than a pthread_barrier_t, because they do not all arrive the same
 * number of times: slices differ in length, so a thread that has finished leaves and the
 * barrier must then stop waiting for it.  The last thread to arrive (or a leaving one, when
 * everybody else is waiting) makes the call while the others sleep, so the callback sees
 * matrices nobody is writing.  With one thread the barrier never waits.
 */
#include "emb_train_impl.h"

void emb_train_sync_begin(struct emb_trainer *t, unsigned nthreads)
{
	t->sync_active = nthreads;
	t->sync_waiting = 0;
	t->sync_epoch = false;
	pthread_mutex_init(&t->sync_mu, NULL);
	pthread_cond_init(&t->sync_cv, NULL);
}

void emb_train_sync_finish(struct emb_trainer *t)
{
	pthread_mutex_destroy(&t->sync_mu);
	pthread_cond_destroy(&t->sync_cv);
}

void emb_trainer_set_sync(struct emb_trainer *t, const struct emb_train_opts *o)
{
	t->o.sync = o->sync;
	t->o.sync_ctx = o->sync_ctx;
	t->o.sync_words = o->sync_words;
	t->o.corpus_words = o->corpus_words;
	t->o.seed = o->seed;
}

uint64_t emb_train_sync_every(const struct emb_trainer *t)
{
	if (!t->o.sync || !t->o.sync_words)
		return 0;
	return (t->o.sync_words + t->nthreads - 1) / t->nthreads;
}

static int call(struct emb_trainer *t, bool done, struct emb_err *err)
{
	struct emb_train_sync s = { { NULL, NULL, NULL, NULL }, t->rows, t->dim, 0, 0, 0,
				    t->sync_epoch, done };
	size_t k = 0;
	int rc;

	s.matrix[k++] = t->syn0;
	if (t->syn1neg)
		s.matrix[k++] = t->syn1neg;
	if (t->syn1)
		s.matrix[k++] = t->syn1;
	s.words = atomic_load(&t->done_words);
	s.global_words = s.words;
	s.alpha = emb_train_alpha_at(t, s.words);
	rc = t->o.sync(t->o.sync_ctx, &s, err);
	/* unsigned difference: wraps to the right signed offset when another process is behind */
	atomic_store(&t->progress_offset, (int64_t)(s.global_words - s.words));
	t->sync_epoch = false;
	if (rc < 0) {
		atomic_store(&t->halt, 1);
		if (err->code == 0)
			emb_err_set(err, rc, "synchronisation failed");
		return rc;
	}
	return 0;
}

/* Everybody still working is waiting: call, then let them go (with the lock held). */
static int release(struct emb_trainer *t, struct emb_err *err)
{
	int rc = call(t, false, err);

	t->sync_waiting = 0;
	t->sync_gen++;
	pthread_cond_broadcast(&t->sync_cv);
	return rc;
}

int emb_train_sync_arrive(struct emb_trainer *t, bool epoch_end, struct emb_err *err)
{
	int rc = 0;

	if (!t->o.sync)
		return 0;
	pthread_mutex_lock(&t->sync_mu);
	t->sync_epoch |= epoch_end;
	if (++t->sync_waiting == t->sync_active) {
		rc = release(t, err);
	} else {
		uint64_t gen = t->sync_gen;
		while (gen == t->sync_gen)
			pthread_cond_wait(&t->sync_cv, &t->sync_mu);
	}
	pthread_mutex_unlock(&t->sync_mu);
	return rc;
}

int emb_train_sync_leave(struct emb_trainer *t, struct emb_err *err)
{
	int rc = 0;

	if (!t->o.sync)
		return 0;
	pthread_mutex_lock(&t->sync_mu);
	t->sync_active--;
	if (t->sync_waiting && t->sync_waiting == t->sync_active)
		rc = release(t, err);
	pthread_mutex_unlock(&t->sync_mu);
	return rc;
}

int emb_train_sync_end(struct emb_trainer *t, struct emb_err *err)
{
	return t->o.sync ? call(t, true, err) : 0;
}
