/*
 * emb_ring: an ordered work ring, the one worker pool behind every "compress / inflate / format
 * blocks on threads, hand them out in order" loop (emb_out, emb_gzin, the text writer).
 *
 * The ring has SLOTS slots that the caller owns one buffer each for.  The caller fills a slot
 * and queues it, always in ring order (0, 1, ..., slots-1, 0, ...); workers run WORK(CTX, slot)
 * on queued slots in that same order, several at once; the caller waits for a slot's work,
 * uses the result and releases the slot before queueing it again.  A slot belongs to the
 * caller while free or done and to one worker while queued or running, so buffers need no
 * lock of their own.
 */
#ifndef EMB_RING_H
#define EMB_RING_H

#include <stdbool.h>

struct emb_ring;

/*
 * Start WORKERS threads (at most 64) over SLOTS slots (at most 128).  Returns NULL when no
 * thread could be started or memory is short: the caller then does the work itself, which
 * gives the same bytes, only slower.
 */
struct emb_ring *emb_ring_start(int workers, int slots, void (*work)(void *ctx, int slot),
				void *ctx);

/* Hand slot S (filled by the caller, next in ring order) to the workers. */
void emb_ring_queue(struct emb_ring *r, int s);

/* Whether slot S's work is done; with WAIT, block until it is. */
bool emb_ring_done(struct emb_ring *r, int s, bool wait);

/* Slot S is free again (its result used). */
void emb_ring_release(struct emb_ring *r, int s);

/* Stop and join the workers (a running one finishes its slot; queued ones are dropped) and
 * free the ring.  NULL-safe. */
void emb_ring_stop(struct emb_ring *r);

#endif
