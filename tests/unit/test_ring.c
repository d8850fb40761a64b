/* Unit tests of emb_ring: results come back in ring order whatever the workers' speed, a slot
 * is never worked on twice or while the caller holds it, and stop drops queued work. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

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

static void test_stop_with_queued_work(void **state)
{
	struct ctx c = { { 0 }, { 0 }, { 0 } };
	struct emb_ring *r = emb_ring_start(2, SLOTS, work, &c);
	(void)state;

	assert_non_null(r);
	for (int s = 0; s < SLOTS; s++) {
		c.in[s] = 7 * (s + 1); /* every one sleeps */
		emb_ring_queue(r, s);
	}
	emb_ring_stop(r); /* joins: no worker touches c after this */
	for (int s = 0; s < SLOTS; s++)
		assert_true(c.runs[s] <= 1);
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
