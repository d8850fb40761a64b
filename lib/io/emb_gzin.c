/*
 * emb_gzin: gzip members decoded with ISA-L's igzip, in parallel when they carry their size.
 * See emb_gzin.h for the contract.
 *
 * The raw file goes through one growing input buffer.  Sized members (our header) are copied
 * out of it into jobs of a ring of 2 x workers; a worker inflates a job into the job's own
 * output and checks that the member ended exactly at its size; the caller hands jobs out in
 * ring order, freeing each at the next call.  At the first member that is not sized, that
 * looks damaged or that the file cuts short, queueing stops; once the ring is empty the
 * caller decodes the rest serially from that very byte, which also produces the errors, so
 * they read the same with and without workers.  A damaged member is corrupt (EMB_EFORMAT:
 * CRC, header, deflate data or size field wrong); only input that ends inside a member is
 * truncated (EMB_ETRUNC), with the words emb_stream uses for the same faults.
 */
#include "emb_gzin.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emb_out.h"
#include "emb_ring.h"
#include "internal.h"

#define IN_CHUNK ((size_t)4 << 20)
#define OUT_START (2 * EMB_OUT_BLOCK)
#define MAX_WORKERS 16
/* A sized member larger than this is left to the serial path (ours are about 1 MiB at most). */
#define SIZED_MAX ((size_t)16 << 20)

/* inflate_member's outcomes besides 0, EMB_GZIN_TOO_BIG and EMB_ENOMEM */
enum {
	MORE_INPUT = EMB_GZIN_TOO_BIG + 1, /* the member goes on past Z_LEN */
	BAD_CRC, BAD_HEADER, BAD_DATA,     /* what igzip found wrong */
	BAD_SIZE,                          /* our size field disagrees with the member */
	CUT,                               /* the file ends inside the member */
};

struct job {
	unsigned char *z, *out;
	size_t z_len, z_cap, out_len, out_cap;
	uint64_t off; /* the member's offset in the file */
	int rc;       /* 0, EMB_GZIN_TOO_BIG, EMB_ENOMEM or one of the BAD_* */
};

struct emb_gzin {
	int fd;
	char *path;
	unsigned char *in, *out;  /* raw input; the serial path's output */
	size_t in_pos, in_len, in_cap, out_cap;
	uint64_t in_off;          /* file offset of in[0] */
	uint64_t stop_off;        /* file offset of the member that was EMB_GZIN_TOO_BIG */
	bool in_eof;
	bool first_sized;         /* the file starts with a sized member */
	/* parallel: jobs head.. (npending of them) are queued, busy or done; tail fills next */
	struct emb_ring *ring;    /* NULL: serial only */
	int njobs, head, tail, npending;
	bool sized;               /* still queueing sized members */
	bool handed;              /* the head job was handed out: free it at the next call */
	struct job jobs[2 * MAX_WORKERS];
};

/*
 * Inflate the member at Z (at most Z_LEN bytes) into *OUT, grown as needed: 0 with *OUT_LEN
 * decoded and *USED raw bytes, MORE_INPUT, EMB_GZIN_TOO_BIG, EMB_ENOMEM or BAD_CRC/HEADER/DATA.
 */
static int inflate_member(const unsigned char *z, size_t z_len, unsigned char **out,
			  size_t *out_cap, size_t *out_len, size_t *used)
{
	for (;;) {
		struct inflate_state st;
		int res;

		isal_inflate_init(&st);
		st.next_in = (uint8_t *)z;
		st.avail_in = (uint32_t)(z_len < UINT32_MAX ? z_len : UINT32_MAX);
		st.next_out = *out;
		st.avail_out = (uint32_t)*out_cap;
		st.crc_flag = ISAL_GZIP; /* parse the header, check CRC and length */
		res = isal_inflate_stateless(&st);
		if (res == ISAL_DECOMP_OK) {
			*out_len = st.total_out;
			*used = (size_t)(st.next_in - z);
			return 0;
		}
		if (res == ISAL_OUT_OVERFLOW) {
			unsigned char *p;

			if (*out_cap >= EMB_GZIN_MAX)
				return EMB_GZIN_TOO_BIG;
			if (!(p = realloc(*out, 2 * *out_cap)))
				return EMB_ENOMEM;
			*out = p;
			*out_cap *= 2;
			continue;
		}
		return res == ISAL_END_INPUT ? MORE_INPUT : res == ISAL_INCORRECT_CHECKSUM ? BAD_CRC :
		       res == ISAL_INVALID_WRAPPER || res == ISAL_UNSUPPORTED_METHOD ? BAD_HEADER :
		       BAD_DATA;
	}
}

/* Whether M (EMB_GZ_HEADER bytes) starts a member with our size field. */
static bool sized_header(const unsigned char *m)
{
	return memcmp(m, emb_gz_header, EMB_GZ_HEADER - 4) == 0;
}

/* A member with our header must be exactly as long as its size field says, on either path. */
static bool size_agrees(const unsigned char *m, size_t used)
{
	return used < EMB_GZ_HEADER || !sized_header(m) || emb_le32(m + EMB_GZ_HEADER - 4) == used;
}

static void inflate_job(void *ctx, int slot)
{
	struct job *j = &((struct emb_gzin *)ctx)->jobs[slot];
	size_t used = 0;
	int rc;

	if (!j->out && !(j->out = malloc(OUT_START))) {
		j->rc = EMB_ENOMEM;
		return;
	}
	if (!j->out_cap)
		j->out_cap = OUT_START;
	rc = inflate_member(j->z, j->z_len, &j->out, &j->out_cap, &j->out_len, &used);
	if ((rc == 0 && !size_agrees(j->z, used)) || rc == MORE_INPUT) /* the size lied */
		rc = BAD_SIZE;
	j->rc = rc;
}

static void workers_start(struct emb_gzin *g, int threads)
{
	int n = threads <= 0 ? emb_online_cpus(MAX_WORKERS) : threads > MAX_WORKERS ? MAX_WORKERS : threads;

	if (n >= 2 && (g->ring = emb_ring_start(n, 2 * n, inflate_job, g)))
		g->njobs = 2 * n;
	g->sized = g->ring != NULL;
}

void emb_gzin_close(struct emb_gzin *g)
{
	if (!g)
		return;
	emb_ring_stop(g->ring);
	for (int i = 0; i < 2 * MAX_WORKERS; i++) {
		free(g->jobs[i].z);
		free(g->jobs[i].out);
	}
	if (g->fd >= 0)
		close(g->fd);
	free(g->in);
	free(g->out);
	free(g->path);
	free(g);
}

int emb_gzin_open(struct emb_gzin **out, const char *path, int threads, struct emb_err *err)
{
	unsigned char m[EMB_GZ_HEADER];
	struct stat st;
	struct emb_gzin *g;
	ssize_t k;
	int fd;

	*out = NULL;
	if (strcmp(path, "-") == 0 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || (k = pread(fd, m, sizeof m, 0)) < 2 ||
	    m[0] != 0x1f || m[1] != 0x8b) {
		close(fd);
		return 0;
	}
	if (!(g = calloc(1, sizeof *g))) {
		close(fd);
		return emb_err_nomem(err, "opening a gzip input");
	}
	g->fd = fd;
	g->in_cap = IN_CHUNK;
	g->out_cap = OUT_START;
	if (!(g->path = strdup(path)) || !(g->in = malloc(g->in_cap)) ||
	    !(g->out = malloc(g->out_cap))) {
		emb_gzin_close(g);
		return emb_err_nomem(err, "opening a gzip input");
	}
	if (k == EMB_GZ_HEADER && sized_header(m)) {
		g->first_sized = true;
		workers_start(g, threads);
	}
	*out = g;
	return 0;
}

/* Read more raw input after what is buffered (compacting first). */
static int fill(struct emb_gzin *g, struct emb_err *err)
{
	ssize_t k;

	if (g->in_pos > 0) {
		memmove(g->in, g->in + g->in_pos, g->in_len - g->in_pos);
		g->in_off += g->in_pos;
		g->in_len -= g->in_pos;
		g->in_pos = 0;
	}
	if (g->in_len == g->in_cap) {
		unsigned char *p = realloc(g->in, g->in_cap * 2);
		if (!p)
			return emb_err_nomem(err, "reading a gzip input");
		g->in = p;
		g->in_cap *= 2;
	}
	do
		k = read(g->fd, g->in + g->in_len, g->in_cap - g->in_len);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return emb_err_set(err, EMB_EIO, "%s: read error: %s", g->path, strerror(errno));
	g->in_eof = k == 0;
	g->in_len += (size_t)k;
	return 0;
}

/* Make AT LEAST n raw bytes available at in_pos if the file has them. */
static int want(struct emb_gzin *g, size_t n, struct emb_err *err)
{
	int rc;

	while (g->in_len - g->in_pos < n && !g->in_eof)
		if ((rc = fill(g, err)) < 0)
			return rc;
	return 0;
}

/* Queue sized members while the ring has room; stop queueing at anything else. */
static int queue_sized(struct emb_gzin *g, struct emb_err *err)
{
	while (g->sized && g->npending < g->njobs) {
		struct job *j = &g->jobs[g->tail];
		const unsigned char *h;
		size_t size;
		int rc;

		if ((rc = want(g, EMB_GZ_HEADER, err)) < 0)
			return rc;
		h = g->in + g->in_pos;
		if (g->in_len - g->in_pos < EMB_GZ_HEADER || !sized_header(h)) {
			g->sized = false; /* the end, or a member for the serial path */
			break;
		}
		size = emb_le32(h + EMB_GZ_HEADER - 4);
		if (size < EMB_GZ_HEADER + 8 || size > SIZED_MAX) {
			g->sized = false;
			break;
		}
		if ((rc = want(g, size, err)) < 0)
			return rc;
		if (g->in_len - g->in_pos < size) { /* cut short: the serial path says so */
			g->sized = false;
			break;
		}
		if (size > j->z_cap) {
			unsigned char *p = realloc(j->z, size);
			if (!p)
				return emb_err_nomem(err, "reading a gzip input");
			j->z = p;
			j->z_cap = size;
		}
		memcpy(j->z, g->in + g->in_pos, size);
		j->z_len = size;
		j->off = g->in_off + g->in_pos;
		g->in_pos += size;
		emb_ring_queue(g->ring, g->tail);
		g->tail = (g->tail + 1) % g->njobs;
		g->npending++;
	}
	return 0;
}

/*
 * A member's outcome (0 or a job rc) as emb_gzin_next() reports it, the same on both paths;
 * OFF is the member's offset in the file.
 */
static int member_rc(struct emb_gzin *g, int rc, uint64_t off, struct emb_err *err)
{
	switch (rc) {
	case 0:
		return 0;
	case EMB_GZIN_TOO_BIG:
		g->stop_off = off;
		return rc;
	case EMB_ENOMEM:
		return emb_err_nomem(err, "reading a gzip input");
	case CUT:
		return emb_err_set(err, EMB_ETRUNC, "%s: truncated gzip input", g->path);
	}
	return emb_err_set(err, EMB_EFORMAT, "%s: corrupt gzip input (%s in the member at byte %llu)",
			   g->path, rc == BAD_CRC ? "CRC mismatch" : rc == BAD_HEADER ? "bad gzip header" :
			   rc == BAD_SIZE ? "member size field disagrees" : "bad data",
			   (unsigned long long)off);
}

uint64_t emb_gzin_offset(const struct emb_gzin *g)
{
	return g->stop_off;
}

bool emb_gzin_sized(const struct emb_gzin *g)
{
	return g->first_sized;
}

/* The next decoded member from the serial path (any gzip member), in the caller's thread. */
static int next_serial(struct emb_gzin *g, const unsigned char **p, size_t *n, struct emb_err *err)
{
	for (;;) {
		size_t avail = g->in_len - g->in_pos, len = 0, used = 0;
		int rc;

		if (avail == 0) {
			if (g->in_eof)
				return EMB_EOF;
			if ((rc = fill(g, err)) < 0)
				return rc;
			continue;
		}
		rc = inflate_member(g->in + g->in_pos, avail, &g->out, &g->out_cap, &len, &used);
		if (rc == MORE_INPUT && !g->in_eof) { /* the member goes on past the buffer */
			if (avail >= EMB_GZIN_MAX)
				rc = EMB_GZIN_TOO_BIG;
			else if ((rc = fill(g, err)) < 0)
				return rc;
			else
				continue;
		}
		if (rc == MORE_INPUT)
			rc = CUT;
		if (rc == 0 && !size_agrees(g->in + g->in_pos, used))
			rc = BAD_SIZE;
		if ((rc = member_rc(g, rc, g->in_off + g->in_pos, err)) != 0)
			return rc;
		g->in_pos += used;
		if (len) {
			*p = g->out;
			*n = len;
			return 0;
		}
	}
}

int emb_gzin_next(struct emb_gzin *g, const unsigned char **p, size_t *n, struct emb_err *err)
{
	for (;;) {
		struct job *j;
		int rc;

		if (!g->ring)
			return next_serial(g, p, n, err);
		if (g->handed) {
			emb_ring_release(g->ring, g->head);
			g->head = (g->head + 1) % g->njobs;
			g->npending--;
			g->handed = false;
		}
		if ((rc = queue_sized(g, err)) < 0)
			return rc;
		if (g->npending == 0)
			return next_serial(g, p, n, err);
		j = &g->jobs[g->head];
		emb_ring_done(g->ring, g->head, true);
		g->handed = true;
		if ((rc = member_rc(g, j->rc, j->off, err)) != 0)
			return rc;
		if (j->out_len) {
			*p = j->out;
			*n = j->out_len;
			return 0;
		}
	}
}
