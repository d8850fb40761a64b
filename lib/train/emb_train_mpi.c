/*
 * emb_train_mpi: collectives for embtrain-mpi.  See emb_train_mpi.h.
 *
 * MPI errors return (MPI_ERRORS_RETURN on the world communicator) and become EMB_EIO with
 * MPI's own text, so the rank that saw one can say so before ending the job.  A rank that
 * dies is noticed by the runtime (mpirun, srun), which ends the others: a collective never
 * waits forever for a dead peer.
 *
 * Counts beyond INT_MAX elements are sent in chunks (MPI counts are int).
 */
#include "emb_train_mpi.h"

#include "emb_train_impl.h"
#include "emb_buf.h"

#include <limits.h>
#include <mpi.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK ((size_t)1 << 28) /* elements per MPI call */

static int nranks = 1, myrank;

#if defined(__SANITIZE_ADDRESS__)
/*
 * Open MPI frees little of what MPI_Init allocates, much of it in components it has already
 * unloaded (frames LeakSanitizer cannot name, so no suppression can match them): leak reports
 * at exit would be all MPI's.  The trainer's own allocations are leak-checked through embtrain,
 * which runs the same code without MPI.
 */
const char *__lsan_default_options(void);
const char *__lsan_default_options(void)
{
	return "detect_leaks=0";
}
#endif

static int mpi_fail(struct emb_err *err, int code, const char *what)
{
	char msg[MPI_MAX_ERROR_STRING];
	int len = 0;

	if (MPI_Error_string(code, msg, &len) != MPI_SUCCESS)
		len = 0;
	msg[len] = '\0';
	return emb_err_set(err, EMB_EIO, "MPI: %s: %s", what, len ? msg : "error");
}

static double seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/*
 * Wait for R without spinning on the CPU.  Open MPI's blocking calls poll shared memory in a
 * loop, so a rank that waits for a slower one (at a round, or while another scans or writes)
 * burns a core, and where processes share cores (oversubscribed, or a busy machine) it takes
 * the core from the very process it waits for; a collective's own steps stall the same way
 * whenever one side is not scheduled.  Here a waiting rank polls for 50 us, then sleeps between
 * tests, 2 us doubling up to 128 us: a step completes at most that much late.
 */
static int wait_idle(MPI_Request *r)
{
	struct timespec ts = { 0, 2000 };
	double t0 = seconds();
	int done = 0, rc;

	for (;;) {
		if ((rc = MPI_Test(r, &done, MPI_STATUS_IGNORE)) != MPI_SUCCESS || done)
			return rc;
		if (seconds() - t0 < 50e-6)
			continue;
		nanosleep(&ts, NULL);
		if (ts.tv_nsec < 128000)
			ts.tv_nsec *= 2;
	}
}

/* MPI_Allreduce that waits idle (see wait_idle). */
static int allreduce_idle(const void *in, void *out, int n, MPI_Datatype type, MPI_Op op)
{
	MPI_Request r;
	int rc = MPI_Iallreduce(in, out, n, type, op, MPI_COMM_WORLD, &r);

	return rc == MPI_SUCCESS ? wait_idle(&r) : rc;
}

/* MPI_Bcast from rank 0 that waits idle. */
static int bcast_idle(void *p, int n, MPI_Datatype type)
{
	MPI_Request r;
	int rc = MPI_Ibcast(p, n, type, 0, MPI_COMM_WORLD, &r);

	return rc == MPI_SUCCESS ? wait_idle(&r) : rc;
}

static void finalize_at_exit(void)
{
	int done = 0;

	if (MPI_Finalized(&done) == MPI_SUCCESS && !done)
		MPI_Finalize();
}

int emb_train_mpi_init(int *argc, char ***argv, unsigned *rank, unsigned *size, unsigned *local,
		       struct emb_err *err)
{
	MPI_Comm node;
	int provided, rc, n = 1;

	/* the sync runs on a training thread while the main thread waits: one at a time */
	if ((rc = MPI_Init_thread(argc, argv, MPI_THREAD_SERIALIZED, &provided)) != MPI_SUCCESS)
		return mpi_fail(err, rc, "init");
	atexit(finalize_at_exit);
	MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
	if (provided < MPI_THREAD_SERIALIZED)
		return emb_err_set(err, EMB_EIO, "MPI: the library does not allow calls from threads");
	MPI_Comm_rank(MPI_COMM_WORLD, &myrank);
	MPI_Comm_size(MPI_COMM_WORLD, &nranks);
	*rank = (unsigned)myrank;
	*size = (unsigned)nranks;
	if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) ==
	    MPI_SUCCESS) {
		MPI_Comm_size(node, &n);
		MPI_Comm_free(&node);
	}
	*local = n > 0 ? (unsigned)n : 1;
	return 0;
}

void emb_train_mpi_abort(int code)
{
	MPI_Abort(MPI_COMM_WORLD, code);
	_Exit(code); /* not reached: MPI_Abort ends this process too */
}

int emb_train_mpi_agree(int rc, struct emb_err *err, bool *mine, bool *broken)
{
	int me = rc < 0 ? myrank : nranks, first, code = rc, r;

	*mine = *broken = true;
	if ((r = allreduce_idle(&me, &first, 1, MPI_INT, MPI_MIN)) != MPI_SUCCESS)
		return mpi_fail(err, r, "agreeing on a result");
	if (first < nranks &&
	    (r = MPI_Bcast(&code, 1, MPI_INT, first, MPI_COMM_WORLD)) != MPI_SUCCESS)
		return mpi_fail(err, r, "agreeing on a result");
	*broken = false;
	if (first == nranks)
		return 0;
	*mine = first == myrank;
	return code;
}

int emb_train_mpi_sum(uint64_t *v, size_t n, struct emb_err *err)
{
	int r = allreduce_idle(MPI_IN_PLACE, v, (int)n, MPI_UINT64_T, MPI_SUM);

	return r == MPI_SUCCESS ? 0 : mpi_fail(err, r, "summing counts");
}

/* ---- vocabularies on the wire: u32 length, token bytes, u64 count; repeated ---- */

static int wire_put(struct emb_buf *w, const void *p, size_t n, struct emb_err *err)
{
	return emb_buf_put(w, p, n, "sending the vocabulary", err);
}

static int vocab_pack(struct emb_buf *w, const struct emb_vocab *v, struct emb_err *err)
{
	int rc = 0;

	w->len = 0;
	for (size_t i = 0; i < emb_vocab_size(v) && rc == 0; i++) {
		size_t len;
		const char *tok = emb_vocab_token(v, i, &len);
		uint32_t l32 = (uint32_t)len;
		uint64_t c = emb_vocab_count(v, i);
		if ((rc = wire_put(w, &l32, 4, err)) == 0 && (rc = wire_put(w, tok, len, err)) == 0)
			rc = wire_put(w, &c, 8, err);
	}
	return rc;
}

/* Add the counts of the packed vocabulary P[0..n) to V (new tokens appended in order). */
static int vocab_unpack_add(struct emb_vocab *v, const unsigned char *p, size_t n,
			    struct emb_err *err)
{
	size_t at = 0;
	int rc;

	while (at < n) {
		uint32_t len;
		uint64_t c;
		if (n - at < 4)
			break;
		memcpy(&len, p + at, 4);
		if (n - at - 4 < (size_t)len + 8)
			break;
		memcpy(&c, p + at + 4 + len, 8);
		if ((rc = emb_vocab_add_count(v, (const char *)p + at + 4, len, c, err)) < 0)
			return rc;
		at += 4 + (size_t)len + 8;
	}
	if (at != n)
		return emb_err_set(err, EMB_EIO, "MPI: a damaged vocabulary arrived");
	return 0;
}

static int send_bytes(const void *p, uint64_t n, int to, struct emb_err *err)
{
	int r = MPI_Send(&n, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);

	for (uint64_t at = 0; r == MPI_SUCCESS && at < n; at += CHUNK) {
		size_t k = n - at < CHUNK ? (size_t)(n - at) : CHUNK;
		r = MPI_Send((const char *)p + at, (int)k, MPI_BYTE, to, 1, MPI_COMM_WORLD);
	}
	return r == MPI_SUCCESS ? 0 : mpi_fail(err, r, "sending the vocabulary");
}

static int recv_bytes(struct emb_buf *w, int from, struct emb_err *err)
{
	uint64_t n;
	MPI_Request rq;
	int rc, r = MPI_Irecv(&n, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, &rq);

	if (r == MPI_SUCCESS) /* the sender may still be counting */
		r = wait_idle(&rq);

	if (r != MPI_SUCCESS)
		return mpi_fail(err, r, "receiving the vocabulary");
	if (n > SIZE_MAX / 2)
		return emb_err_set(err, EMB_ELIMIT, "MPI: a vocabulary of %llu bytes",
				   (unsigned long long)n);
	w->len = 0;
	if ((rc = emb_buf_reserve(w, (size_t)n, "receiving the vocabulary", err)) < 0)
		return rc;
	for (uint64_t at = 0; r == MPI_SUCCESS && at < n; at += CHUNK) {
		size_t k = n - at < CHUNK ? (size_t)(n - at) : CHUNK;
		r = MPI_Recv(w->p + at, (int)k, MPI_BYTE, from, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
	}
	if (r != MPI_SUCCESS)
		return mpi_fail(err, r, "receiving the vocabulary");
	w->len = (size_t)n;
	return 0;
}

int emb_train_mpi_vocab_merge(struct emb_vocab *v, struct emb_err *err)
{
	struct emb_buf w = { NULL, 0, 0 };
	int rc = 0;

	/* binomial tree: in round k a rank with bit k set hands its merged block to rank - 2^k,
	 * which appends it after its own, so rank 0 ends with the parts in rank order */
	for (int step = 1; step < nranks && rc == 0; step <<= 1) {
		if (myrank & step) {
			if ((rc = vocab_pack(&w, v, err)) == 0)
				rc = send_bytes(w.p, w.len, myrank - step, err);
			break;
		}
		if (myrank + step < nranks && (rc = recv_bytes(&w, myrank + step, err)) == 0)
			rc = vocab_unpack_add(v, w.p, w.len, err);
	}
	free(w.p);
	return rc;
}

static int bcast_bytes(void *p, size_t n, struct emb_err *err)
{
	int r = MPI_SUCCESS;

	for (size_t at = 0; r == MPI_SUCCESS && at < n; at += CHUNK) {
		size_t k = n - at < CHUNK ? n - at : CHUNK;
		r = bcast_idle((char *)p + at, (int)k, MPI_BYTE);
	}
	return r == MPI_SUCCESS ? 0 : mpi_fail(err, r, "broadcasting");
}

int emb_train_mpi_vocab_bcast(struct emb_vocab **v, struct emb_err *err)
{
	struct emb_buf w = { NULL, 0, 0 };
	struct emb_vocab *nv = NULL;
	uint64_t n = 0;
	int rc;

	if (myrank == 0 && (rc = vocab_pack(&w, *v, err)) < 0)
		goto done;
	n = w.len;
	if ((rc = bcast_bytes(&n, sizeof n, err)) < 0)
		goto done;
	if (myrank != 0) {
		if ((rc = emb_buf_reserve(&w, (size_t)n, "receiving the vocabulary", err)) < 0)
			goto done;
		w.len = (size_t)n;
	}
	if ((rc = bcast_bytes(w.p, (size_t)n, err)) < 0 || myrank == 0)
		goto done;
	if ((rc = emb_vocab_new(&nv, err)) < 0 || (rc = vocab_unpack_add(nv, w.p, w.len, err)) < 0)
		goto done;
	emb_vocab_free(*v);
	*v = nv;
	nv = NULL;
done:
	emb_vocab_free(nv);
	free(w.p);
	return rc;
}

/*
 * M[0..n) on every rank replaced by its sum over the ranks.  Up to IDLE_MAX floats (the hot
 * rows) through allreduce_idle; beyond, Open MPI's blocking allreduce, whose pipelined steps
 * go faster than a nonblocking one polled between sleeps (measured on a 19 MB table between
 * two processes of a busy machine: 270 ms a round against 360 ms, and 570 ms in 8 pieces),
 * while the hot rows go the other way (30 ms against 50 ms).  The wait for the slowest rank
 * is over by then: every round starts with allreduce_idle of the words.
 */
#define IDLE_MAX ((size_t)1 << 20)
static int sum_floats(float *m, size_t n)
{
	int r = MPI_SUCCESS;

	if (nranks > 1 && n <= IDLE_MAX)
		return allreduce_idle(MPI_IN_PLACE, m, (int)n, MPI_FLOAT, MPI_SUM);
	for (size_t at = 0; r == MPI_SUCCESS && at < n && nranks > 1; at += CHUNK) {
		size_t c = n - at < CHUNK ? n - at : CHUNK;
		r = MPI_Allreduce(MPI_IN_PLACE, m + at, (int)c, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
	}
	return r;
}

static int emb_train_mpi_sum_floats(float *m, size_t n, struct emb_err *err)
{
	int r = sum_floats(m, n);

	return r == MPI_SUCCESS ? 0 : mpi_fail(err, r, "summing the changes of the model");
}

int emb_train_mpi_sched_start(struct emb_train_mpi_sched *sc, const struct emb_trainer *t,
			      struct emb_err *err)
{
	const float *m[4] = { t->syn0, t->syn1neg, t->syn1, NULL };
	int k = 0;

	/* a merge covers the word rows only, never the n-gram rows after them */
	if (t->sw)
		return emb_err_set(err, EMB_EINVAL, "subwords do not work with data-parallel training yet");
	if (!sc->sum_deltas || nranks == 1)
		return 0;
	for (int i = 0; i < 3; i++) { /* in emb_train_sync's order: input, syn1neg, syn1 */
		if (!m[i])
			continue;
		if (!(sc->base[k] = malloc(t->rows * t->dim * sizeof(float))))
			return emb_err_nomem(err, "keeping a copy of the model");
		memcpy(sc->base[k++], m[i], t->rows * t->dim * sizeof(float));
	}
	return 0;
}

void emb_train_mpi_sched_release(struct emb_train_mpi_sched *sc)
{
	for (int i = 0; i < 4; i++) {
		free(sc->base[i]);
		sc->base[i] = NULL;
	}
}

int emb_train_mpi_average(float *m, size_t n, struct emb_err *err)
{
	int r = MPI_SUCCESS;
	float k = (float)nranks;

	if (nranks == 1)
		return 0; /* one rank: the mean is the model itself, bit for bit */
	if ((r = sum_floats(m, n)) != MPI_SUCCESS)
		return mpi_fail(err, r, "averaging the model");
	for (size_t i = 0; i < n; i++)
		m[i] /= k;
	return 0;
}

int emb_train_mpi_gather(const void *mine, size_t n, void *all, struct emb_err *err)
{
	int r;

	if (n > INT_MAX)
		return emb_err_set(err, EMB_ELIMIT, "MPI: gathering %zu bytes", n);
	r = MPI_Gather(mine, (int)n, MPI_BYTE, all, (int)n, MPI_BYTE, 0, MPI_COMM_WORLD);
	return r == MPI_SUCCESS ? 0 : mpi_fail(err, r, "gathering state");
}

/* ---- the averaging schedule ---- */

void emb_train_mpi_sched_init(struct emb_train_mpi_sched *sc, uint64_t words_per_epoch,
			      uint64_t global_per_epoch, unsigned epochs, uint64_t sync_words,
			      size_t hot_rows, uint64_t full_every)
{
	uint64_t per_rank = global_per_epoch / (uint64_t)nranks;

	memset(sc, 0, sizeof *sc);
	sc->local_total = words_per_epoch * epochs;
	sc->per_epoch = sync_words ? (per_rank + sync_words / 2) / sync_words : 1;
	if (sc->per_epoch == 0)
		sc->per_epoch = 1;
	sc->syncs = sc->per_epoch * epochs;
	sc->hot_rows = hot_rows;
	sc->full_every = full_every;
	sc->hs_matrix = -1;
}

/* Round k (1-based): sum the words, average the rows it covers, checkpoint if asked. */
static int round_k(struct emb_train_mpi_sched *sc, struct emb_train_sync *s, uint64_t k,
		   struct emb_err *err)
{
	bool full = k % sc->per_epoch == 0 || k == sc->syncs ||
		    (sc->full_every && k % sc->full_every == 0) || sc->hot_rows == 0 ||
		    sc->hot_rows >= s->rows;
	size_t rows = full ? s->rows : sc->hot_rows;
	uint64_t mine[2] = { s->words, 0 }, sum[2];
	double t0;
	int r, rc;

	if (myrank == 0 && full && sc->want_checkpoint && sc->want_checkpoint(sc->ckpt_ctx))
		mine[1] = 1;
	/* where the ranks meet: the time in here is waiting for the slowest */
	t0 = seconds();
	if ((r = allreduce_idle(mine, sum, 2, MPI_UINT64_T, MPI_SUM)) != MPI_SUCCESS)
		return mpi_fail(err, r, "summing progress");
	sc->wait_seconds += seconds() - t0;
	sc->offset = sum[0] - s->words;
	t0 = seconds();
	for (int m = 0; m < 4 && s->matrix[m]; m++) {
		size_t first = (m == sc->hs_matrix ? s->rows - rows : 0) * s->dim, n = rows * s->dim;
		float *x = s->matrix[m] + first, *b = sc->base[m] ? sc->base[m] + first : NULL;
		if (b) /* x = base + sum of the changes; base = x (b exists only with N > 1) */
			for (size_t i = 0; i < n; i++)
				x[i] -= b[i];
		if ((rc = b ? emb_train_mpi_sum_floats(x, n, err) : emb_train_mpi_average(x, n, err)) < 0)
			return rc;
		if (b)
			for (size_t i = 0; i < n; i++)
				b[i] = x[i] += b[i];
	}
	if (full) {
		sc->full++;
		sc->full_seconds += seconds() - t0;
	} else {
		sc->partial++;
		sc->partial_seconds += seconds() - t0;
	}
	if (sum[1] && sc->checkpoint)
		return sc->checkpoint(sc->ckpt_ctx, err);
	return 0;
}

int emb_train_mpi_sync(void *ctx, struct emb_train_sync *s, struct emb_err *err)
{
	struct emb_train_mpi_sched *sc = ctx;
	int rc;

	/* every mark this rank's progress has passed: words / local_total >= k / syncs */
	while (sc->done < sc->syncs &&
	       (s->done || (unsigned __int128)s->words * sc->syncs >=
			(unsigned __int128)(sc->done + 1) * sc->local_total)) {
		if ((rc = round_k(sc, s, sc->done + 1, err)) < 0)
			return rc;
		sc->done++;
	}
	s->global_words = s->words + sc->offset;
	return 0;
}
