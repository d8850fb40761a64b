/*
 * emb_ring: an ordered work ring.  See emb_ring.h for the contract.
 *
 * One mutex guards the slot states, the next slot a worker takes and the stop flag; "work"
 * wakes workers when a slot is queued or on stop, "done" wakes the caller when a slot is done.
 * Workers take slots strictly in ring order, so the queued slots are always next, next+1, ...
 */
#include "emb_ring.h"

#include <pthread.h>
#include <stdlib.h>

#define MAX_WORKERS 64
#define MAX_SLOTS 128

enum { S_FREE, S_QUEUED, S_BUSY, S_DONE };

struct emb_ring {
	void (*work)(void *ctx, int slot);
	void *ctx;
	int nslots, nworkers, next;
	bool stop;
	pthread_mutex_t mu;
	pthread_cond_t work_cv, done_cv;
	pthread_t th[MAX_WORKERS];
	int state[MAX_SLOTS];
};

static void *worker(void *arg)
{
	struct emb_ring *r = arg;

	pthread_mutex_lock(&r->mu);
	for (;;) {
		int s = r->next;

		if (r->stop)
			break;
		if (r->state[s] != S_QUEUED) {
			pthread_cond_wait(&r->work_cv, &r->mu);
			continue;
		}
		r->state[s] = S_BUSY;
		r->next = (s + 1) % r->nslots;
		pthread_mutex_unlock(&r->mu);
		r->work(r->ctx, s);
		pthread_mutex_lock(&r->mu);
		r->state[s] = S_DONE;
		pthread_cond_broadcast(&r->done_cv);
	}
	pthread_mutex_unlock(&r->mu);
	return NULL;
}

struct emb_ring *emb_ring_start(int workers, int slots, void (*work)(void *ctx, int slot),
				void *ctx)
{
	struct emb_ring *r;

	if (workers < 1 || slots < 1 || slots > MAX_SLOTS || !(r = calloc(1, sizeof *r)))
		return NULL;
	r->work = work;
	r->ctx = ctx;
	r->nslots = slots;
	if (pthread_mutex_init(&r->mu, NULL) != 0) {
		free(r);
		return NULL;
	}
	if (pthread_cond_init(&r->work_cv, NULL) != 0) {
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	if (pthread_cond_init(&r->done_cv, NULL) != 0) {
		pthread_cond_destroy(&r->work_cv);
		pthread_mutex_destroy(&r->mu);
		free(r);
		return NULL;
	}
	for (int i = 0; i < workers && i < MAX_WORKERS; i++)
		if (pthread_create(&r->th[r->nworkers], NULL, worker, r) == 0)
			r->nworkers++;
	if (r->nworkers == 0) {
		emb_ring_stop(r);
		return NULL;
	}
	return r;
}

void emb_ring_queue(struct emb_ring *r, int s)
{
	pthread_mutex_lock(&r->mu);
	r->state[s] = S_QUEUED;
	pthread_cond_signal(&r->work_cv);
	pthread_mutex_unlock(&r->mu);
}

bool emb_ring_done(struct emb_ring *r, int s, bool wait)
{
	bool done;

	pthread_mutex_lock(&r->mu);
	while (wait && r->state[s] != S_DONE)
		pthread_cond_wait(&r->done_cv, &r->mu);
	done = r->state[s] == S_DONE;
	pthread_mutex_unlock(&r->mu);
	return done;
}

void emb_ring_release(struct emb_ring *r, int s)
{
	pthread_mutex_lock(&r->mu);
	r->state[s] = S_FREE;
	pthread_mutex_unlock(&r->mu);
}

void emb_ring_stop(struct emb_ring *r)
{
	if (!r)
		return;
	pthread_mutex_lock(&r->mu);
	r->stop = true;
	pthread_cond_broadcast(&r->work_cv);
	pthread_mutex_unlock(&r->mu);
	for (int i = 0; i < r->nworkers; i++)
		pthread_join(r->th[i], NULL);
	pthread_cond_destroy(&r->done_cv);
	pthread_cond_destroy(&r->work_cv);
	pthread_mutex_destroy(&r->mu);
	free(r);
}
