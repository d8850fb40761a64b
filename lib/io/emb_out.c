/*
 * emb_out: atomic, optionally gzip-compressed output.  See emb_out.h for the contract.
 *
 * Bytes collect in EMB_OUT_BLOCK staging blocks.  Plain output writes a block out when it is
 * full.  Gzip output compresses each block into one gzip member: level 1 with ISA-L's igzip
 * (2-3x libdeflate's level 1 on our int32 and float data at the same ratio), other levels with
 * libdeflate.  With threads > 1, persistent workers compress a ring of 2 x threads blocks while
 * the caller fills the next one; the caller alone writes, always in block order, so the output
 * bytes do not depend on the thread count.  Temporary files are listed in a small static table
 * so a signal handler can unlink them.
 */
#include "emb_out.h"

#include <errno.h>
#include <fcntl.h>
#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "emb_ring.h"
#include "emb_tmp.h"
#include "internal.h"

#define MAX_TEMPS 64
#define MAX_THREADS 16
#define MAX_BLOCKS (2 * MAX_THREADS)
/* Room for one compressed block: more than deflate's worst case (stored blocks) plus framing. */
#define Z_CAP (EMB_OUT_BLOCK + EMB_OUT_BLOCK / 16 + 4096)

static char *volatile temps[MAX_TEMPS];

/* ID1 ID2 CM=8 FLG=FEXTRA, MTIME 0, XFL 0, OS unknown, XLEN 8: subfield "EK", 4 bytes. */
const unsigned char emb_gz_header[EMB_GZ_HEADER] = {
	0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 8, 0, 'E', 'K', 4, 0, 0, 0, 0, 0,
};

struct block {
	unsigned char *in, *z;
	size_t in_len, z_len;
	struct libdeflate_compressor *c;  /* levels 2..12 */
	unsigned char *lvl;               /* ISA-L's level-1 hash tables */
};

struct emb_out {
	char *path;     /* target, for messages and rename */
	char *tmp;      /* temporary file, NULL when writing in place */
	int slot;       /* index in temps[], -1 if none */
	int fd;
	bool is_stdout, gz, sync, regular;
	bool big_record; /* the record being written is larger than a block */
	bool in_scratch; /* the last reservation is in scratch */
	unsigned char *scratch;
	int level;
	int err_code;   /* sticky error */
	struct emb_err sticky;
	uint64_t bytes;
	/* The ring: head..cur-1 (npending blocks) await compression or writing; cur is filling. */
	int nblk, cur, head, npending;
	struct block blk[MAX_BLOCKS];
	struct emb_ring *ring;  /* compression workers; NULL: the caller compresses */
	struct emb_out *companion; /* committed just before this one is renamed (emb_out_attach) */
};

bool emb_out_name_is_gz(const char *path)
{
	size_t n = strlen(path);
	return n > 3 && strcmp(path + n - 3, ".gz") == 0;
}

static int fail_io(struct emb_out *o, struct emb_err *err, const char *what)
{
	o->err_code = emb_err_set(&o->sticky, EMB_EIO, "%s: %s: %s",
				  o->is_stdout ? "<stdout>" : o->path, what, strerror(errno));
	if (err)
		*err = o->sticky;
	return o->err_code;
}

static int write_all(struct emb_out *o, const unsigned char *p, size_t n, struct emb_err *err)
{
	while (n > 0) {
		ssize_t w = write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return fail_io(o, err, "write error");
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static int block_alloc(struct emb_out *o, struct block *b, struct emb_err *err)
{
	if (!b->in && !(b->in = malloc(EMB_OUT_BLOCK)))
		return emb_err_nomem(err, "allocating an output buffer");
	if (o->gz && !b->z) {
		if (!(b->z = malloc(Z_CAP)) ||
		    (o->level == 1 && !(b->lvl = malloc(ISAL_DEF_LVL1_DEFAULT))) ||
		    (o->level != 1 && !(b->c = libdeflate_alloc_compressor(o->level))))
			return emb_err_nomem(err, "allocating a gzip compressor");
	}
	return 0;
}

/*
 * One gzip member of b->in into b->z; z_len 0 on failure (cannot happen with Z_CAP room).
 * Our own header (EMB_GZ_HEADER bytes) carries the member's whole size in an extra field, so
 * a reader can cut the stream into members without inflating and decode them in parallel.
 */
static void compress_block(struct block *b)
{
	size_t n = 0;

	memcpy(b->z, emb_gz_header, EMB_GZ_HEADER);
	if (b->lvl) {
		struct isal_zstream s;

		/* The init leaves internal fields that the level-1 code reads (valgrind shows it). */
		memset(&s, 0, sizeof s);
		isal_deflate_stateless_init(&s);
		s.level = 1;
		s.level_buf = b->lvl;
		s.level_buf_size = ISAL_DEF_LVL1_DEFAULT;
		s.gzip_flag = IGZIP_GZIP_NO_HDR; /* deflate data and the CRC/length trailer */
		s.end_of_stream = 1;
		s.next_in = b->in;
		s.avail_in = (uint32_t)b->in_len;
		s.next_out = b->z + EMB_GZ_HEADER;
		s.avail_out = (uint32_t)(Z_CAP - EMB_GZ_HEADER);
		if (isal_deflate_stateless(&s) == COMP_OK)
			n = EMB_GZ_HEADER + s.total_out;
	} else {
		size_t d = libdeflate_deflate_compress(b->c, b->in, b->in_len, b->z + EMB_GZ_HEADER,
						       Z_CAP - EMB_GZ_HEADER - 8);
		if (d) {
			n = EMB_GZ_HEADER + d;
			emb_put_le32(b->z + n, (uint32_t)libdeflate_crc32(0, b->in, b->in_len));
			emb_put_le32(b->z + n + 4, (uint32_t)b->in_len);
			n += 8;
		}
	}
	if (n)
		emb_put_le32(b->z + EMB_GZ_HEADER - 4, (uint32_t)n);
	b->z_len = n;
}

static void compress_slot(void *ctx, int slot)
{
	struct emb_out *o = ctx;

	compress_block(&o->blk[slot]);
}

/* Start up to N compression workers; with fewer than 2 the caller compresses. */
static void workers_start(struct emb_out *o, int n)
{
	o->nblk = 1;
	if (n >= 2 && (o->ring = emb_ring_start(n, 2 * n, compress_slot, o)))
		o->nblk = 2 * n;
}

/* Write a compressed (or plain) block out and free it for reuse. */
static int write_block(struct emb_out *o, struct block *b, struct emb_err *err)
{
	int rc;

	if (o->gz && b->z_len == 0) {
		rc = o->err_code = emb_err_set(&o->sticky, EMB_ENOMEM, "%s: gzip compression failed",
					       o->path);
		*err = o->sticky;
	} else {
		rc = o->gz ? write_all(o, b->z, b->z_len, err) : write_all(o, b->in, b->in_len, err);
	}
	b->in_len = 0;
	return rc;
}

/* Write pending blocks from the head of the ring: the first NEED of them waiting for the
 * workers, then those already compressed. */
static int write_pending(struct emb_out *o, int need, struct emb_err *err)
{
	int rc;

	while (o->npending > 0) {
		int i = o->head;

		if (!emb_ring_done(o->ring, i, need-- > 0))
			return 0;
		o->head = (o->head + 1) % o->nblk;
		o->npending--;
		rc = write_block(o, &o->blk[i], err);
		emb_ring_release(o->ring, i);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* The current block is complete: hand it on (compressed now, or queued) and start the next. */
static int next_block(struct emb_out *o, struct emb_err *err)
{
	struct block *b = &o->blk[o->cur];
	int rc;

	if (o->err_code) {
		*err = o->sticky;
		return o->err_code;
	}
	if (!b->in_len)
		return 0;
	if (!o->ring) {
		if (o->gz)
			compress_block(b);
		return write_block(o, b, err);
	}
	emb_ring_queue(o->ring, o->cur);
	o->npending++;
	o->cur = (o->cur + 1) % o->nblk;
	if ((rc = write_pending(o, o->npending == o->nblk ? 1 : 0, err)) < 0)
		return rc;
	if ((rc = block_alloc(o, &o->blk[o->cur], err)) < 0) { /* sticky: the block has no buffer */
		o->err_code = rc;
		o->sticky = *err;
	}
	return rc;
}

/* Hand every byte so far to the file, in order. */
static int drain(struct emb_out *o, struct emb_err *err)
{
	int rc;

	if ((rc = next_block(o, err)) < 0)
		return rc;
	if (o->ring && (rc = write_pending(o, o->npending, err)) < 0)
		return rc;
	if (o->err_code) {
		*err = o->sticky;
		return o->err_code;
	}
	return 0;
}

static int register_temp(char *tmp)
{
	for (int i = 0; i < MAX_TEMPS; i++)
		if (!temps[i]) {
			temps[i] = tmp;
			return i;
		}
	return -1;
}

void emb_out_cleanup_all(void)
{
	for (int i = 0; i < MAX_TEMPS; i++) {
		char *t = temps[i];
		if (t)
			unlink(t);
	}
}

static void out_free(struct emb_out *o)
{
	emb_ring_stop(o->ring);
	if (o->slot >= 0)
		temps[o->slot] = NULL;
	for (int i = 0; i < MAX_BLOCKS; i++) {
		free(o->blk[i].in);
		free(o->blk[i].z);
		free(o->blk[i].lvl);
		if (o->blk[i].c)
			libdeflate_free_compressor(o->blk[i].c);
	}
	free(o->scratch);
	free(o->tmp);
	free(o->path);
	free(o);
}
static int open_target(struct emb_out *o, const char *path, struct emb_err *err)
{
	struct stat st;
	mode_t mask, mode = 0666;

	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->fd = 1;
		o->regular = fstat(1, &st) == 0 && S_ISREG(st.st_mode);
		return 0;
	}
	if (stat(path, &st) == 0) {
		if (S_ISDIR(st.st_mode))
			return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(EISDIR));
		if (!S_ISREG(st.st_mode)) { /* a device or FIFO: no rename over it */
			if ((o->fd = open(path, O_WRONLY | O_CLOEXEC)) < 0)
				return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(errno));
			return 0;
		}
		mode = st.st_mode & 07777;
	} else {
		mask = umask(0);
		umask(mask);
		mode &= ~mask;
	}
	emb_tmp_sweep(path); /* leftovers of killed runs (see emb_tmp.h) */
	if (!(o->tmp = emb_tmp_template(path)))
		return emb_err_nomem(err, "opening an output");
	if ((o->fd = mkstemp(o->tmp)) < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		return emb_err_set(err, EMB_EIO, "%s: cannot create: %s", path, strerror(e));
	}
	o->slot = register_temp(o->tmp);
	o->regular = true;
	(void)fchmod(o->fd, mode);
	return 0;
}

int emb_out_open(struct emb_out **out, const char *path, const struct emb_out_opts *opts,
		 struct emb_err *err)
{
	static const struct emb_out_opts defaults = EMB_OUT_OPTS_INIT;
	struct emb_out *o;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (!(o = calloc(1, sizeof *o)) || !(o->path = strdup(path))) {
		free(o);
		return emb_err_nomem(err, "opening an output");
	}
	o->slot = -1;
	o->fd = -1;
	o->sync = !(opts->flags & EMB_OUT_NO_SYNC);
	o->level = opts->level;
	o->gz = o->level > 0 && ((opts->flags & EMB_OUT_GZIP) ||
				 (!(opts->flags & EMB_OUT_NO_GZ_NAME) && emb_out_name_is_gz(path)));
	if (o->level > 12)
		o->level = 12;
	o->nblk = 1;
	if ((rc = open_target(o, path, err)) < 0 ||
	    (rc = block_alloc(o, &o->blk[0], err)) < 0) {
		emb_out_abort(o);
		return rc;
	}
	if (o->gz)
		workers_start(o, opts->threads > MAX_THREADS ? MAX_THREADS : opts->threads);
	*out = o;
	return 0;
}

void *emb_out_reserve(struct emb_out *o, size_t n, struct emb_err *err)
{
	struct block *b = &o->blk[o->cur];

	if (o->err_code) {
		*err = o->sticky;
		return NULL;
	}
	if (n > EMB_OUT_BLOCK) {
		emb_err_set(err, EMB_ELIMIT, "%s: internal: reservation of %zu bytes", o->path, n);
		return NULL;
	}
	if (EMB_OUT_BLOCK - b->in_len < n) {
		/*
		 * Gzip: the bytes go through a scratch buffer and then fill the block up, so members
		 * end at the same bytes however the output was produced (reserve or write).
		 */
		if (o->gz) {
			if (!o->scratch && !(o->scratch = malloc(EMB_OUT_BLOCK))) {
				emb_err_nomem(err, "allocating an output buffer");
				return NULL;
			}
			o->in_scratch = true;
			return o->scratch;
		}
		if (next_block(o, err) < 0)
			return NULL;
		b = &o->blk[o->cur];
	}
	return b->in + b->in_len;
}

void emb_out_advance(struct emb_out *o, size_t k)
{
	struct emb_err ignored;

	if (o->in_scratch) { /* a write error is sticky: the next call reports it */
		o->in_scratch = false;
		(void)emb_out_write(o, o->scratch, k, &ignored);
		return;
	}
	o->blk[o->cur].in_len += k;
	o->bytes += k;
}

int emb_out_write(struct emb_out *o, const void *p, size_t n, struct emb_err *err)
{
	const unsigned char *s = p;

	while (n > 0) {
		struct block *b = &o->blk[o->cur];
		size_t room = EMB_OUT_BLOCK - b->in_len, k;
		int rc;
		if (o->err_code) {
			*err = o->sticky;
			return o->err_code;
		}
		if (room == 0) {
			if ((rc = next_block(o, err)) < 0)
				return rc;
			continue;
		}
		k = n < room ? n : room;
		memcpy(b->in + b->in_len, s, k);
		b->in_len += k;
		o->bytes += k;
		s += k;
		n -= k;
	}
	return 0;
}

int emb_out_begin_record(struct emb_out *o, size_t n, struct emb_err *err)
{
	struct block *b = &o->blk[o->cur];

	o->big_record = n > EMB_OUT_BLOCK;
	if (o->gz && b->in_len && EMB_OUT_BLOCK - b->in_len < n)
		return next_block(o, err);
	return 0;
}

int emb_out_end_record(struct emb_out *o, struct emb_err *err)
{
	if (o->gz) /* the tail of a big record keeps its member to itself */
		return o->big_record ? next_block(o, err) : 0;
	if (o->regular || o->blk[o->cur].in_len == 0)
		return 0;
	return drain(o, err);
}

uint64_t emb_out_bytes(const struct emb_out *o) { return o->bytes; }
const char *emb_out_name(const struct emb_out *o) { return o->is_stdout ? "<stdout>" : o->path; }
bool emb_out_is_stdout(const struct emb_out *o) { return o->is_stdout; }

void emb_out_attach(struct emb_out *o, struct emb_out *companion)
{
	emb_out_abort(o->companion);
	o->companion = companion;
}

int emb_out_commit(struct emb_out *o, struct emb_err *err)
{
	int rc;

	if (!o)
		return 0;
	if ((rc = drain(o, err)) < 0)
		goto fail;
	if (o->gz && o->bytes == 0) { /* an empty gzip output is still a valid gzip file */
		struct block *b = &o->blk[o->cur];

		compress_block(b);
		if ((rc = write_block(o, b, err)) < 0)
			goto fail;
	}
	if (o->is_stdout) {
		out_free(o);
		return 0;
	}
	if (o->tmp && o->sync && fsync(o->fd) < 0) {
		rc = fail_io(o, err, "fsync");
		goto fail;
	}
	if (close(o->fd) < 0) {
		o->fd = -1;
		rc = fail_io(o, err, "write error");
		goto fail;
	}
	o->fd = -1;
	if (o->companion) {
		struct emb_out *c = o->companion;
		o->companion = NULL;
		if ((rc = emb_out_commit(c, err)) < 0)
			goto fail;
	}
	if (o->tmp && rename(o->tmp, o->path) < 0) {
		rc = fail_io(o, err, "cannot rename into place");
		goto fail;
	}
	if (o->slot >= 0)
		temps[o->slot] = NULL;
	o->slot = -1;
	out_free(o);
	return 0;
fail:
	emb_out_abort(o);
	return rc;
}

void emb_out_abort(struct emb_out *o)
{
	if (!o)
		return;
	emb_out_abort(o->companion);
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
