/* Unit tests of emb_ring: results come back in ring order whatever the workers' speed, a slot
 * is never worked on twice or while the caller holds it, and stop drops queued work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <unistd.h>

#include "emb_ring.h"

#define SLOTS 6

struct ctx {
	long in[SLOTS], out[SLOTS];
	int runs[SLOTS];
};

static void work(void *arg, int s)
{
	struct ctx *c = arg;

	if (c->in[s] % 7 == 0) /* uneven work: later slots often finish first */
		usleep(200);
	c->out[s] = c->in[s] * c->in[s];
	c->runs[s]++;
}

static void test_in_order(void **state)
{
	struct ctx c = { { 0 }, { 0 }, { 0 } };
	struct emb_ring *r = emb_ring_start(3, SLOTS, work, &c);
	long next_in = 0, next_out = 0;
	int head = 0, tail = 0, pending = 0;
	(void)state;

	assert_non_null(r);
	while (next_out < 2000) {
		while (pending < SLOTS && next_in < 2000) {
			c.in[tail] = next_in++;
			c.runs[tail] = 0;
			emb_ring_queue(r, tail);
			tail = (tail + 1) % SLOTS;
			pending++;
		}
		assert_true(emb_ring_done(r, head, true));
		assert_int_equal(c.out[head], next_out * next_out);
		assert_int_equal(c.runs[head], 1);
		next_out++;
		emb_ring_release(r, head);
		assert_false(emb_ring_done(r, head, false));
		head = (head + 1) % SLOTS;
		pending--;
	}
	emb_ring_stop(r);
}

/* Work that blocks until the test opens the gate, counting the workers inside. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int entered;
	bool open;
} gate = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, false };

static void gated_work(void *arg, int s)
{
	struct ctx *c = arg;

	pthread_mutex_lock(&gate.mu);
	gate.entered++;
	pthread_cond_broadcast(&gate.cv);
	while (!gate.open)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
	c->runs[s]++;
}

static void *stopper(void *r)
{
	emb_ring_stop(r);
	return NULL;
}

/*
 * Both workers are held inside slots 0 and 1 while emb_ring_stop() runs in another thread;
 * then the gate opens.  The two running slots finish; the four still queued must never run
 * (a ring that drained its queue before stopping would run all six).
 */
static void test_stop_with_queued_work(void **state)
{
	struct ctx c = { { 0 }, { 0 }, { 0 } };
	struct emb_ring *r = emb_ring_start(2, SLOTS, gated_work, &c);
	pthread_t t;
	(void)state;

	assert_non_null(r);
	for (int s = 0; s < SLOTS; s++)
		emb_ring_queue(r, s);
	pthread_mutex_lock(&gate.mu);
	while (gate.entered < 2)
		pthread_cond_wait(&gate.cv, &gate.mu);
	pthread_mutex_unlock(&gate.mu);
	assert_int_equal(pthread_create(&t, NULL, stopper, r), 0);
	usleep(200000); /* time for the stopper to raise the stop flag and wait in join */
	pthread_mutex_lock(&gate.mu);
	gate.open = true;
	pthread_cond_broadcast(&gate.cv);
	pthread_mutex_unlock(&gate.mu);
	assert_int_equal(pthread_join(t, NULL), 0); /* joined: no worker touches c after this */
	assert_int_equal(gate.entered, 2);
	for (int s = 0; s < SLOTS; s++)
		assert_int_equal(c.runs[s], s < 2);
	assert_null(emb_ring_start(0, SLOTS, work, &c));
	emb_ring_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_in_order),
		cmocka_unit_test(test_stop_with_queued_work),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
