/*
 * emb_out: atomic, optionally gzip-compressed output.  See emb_out.h for the contract.
 *
 * Bytes collect in an EMB_OUT_BLOCK staging buffer.  Plain output writes it out when full.
 * Gzip output compresses each full block into one gzip member with libdeflate; with threads > 1
 * it gathers that many blocks and compresses them side by side before writing them in order.
 * Temporary files are listed in a small static table so a signal handler can unlink them.
 */
#include "emb_out.h"

#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

#define MAX_TEMPS 64
#define MAX_THREADS 16

static char *volatile temps[MAX_TEMPS];

struct block {
	unsigned char *in, *z;
	size_t in_len, z_len, z_cap;
	struct libdeflate_compressor *c;
};

struct emb_out {
	char *path;     /* target, for messages and rename */
	char *tmp;      /* temporary file, NULL when writing in place */
	int slot;       /* index in temps[], -1 if none */
	int fd;
	bool is_stdout, gz, sync;
	int level, nthreads;
	int err_code;   /* sticky error */
	struct emb_err sticky;
	uint64_t bytes;
	struct block blk[MAX_THREADS];
	int cur;        /* block being filled */
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
	if (o->gz && !b->c) {
		b->z_cap = libdeflate_gzip_compress_bound(NULL, EMB_OUT_BLOCK);
		if (!(b->z = malloc(b->z_cap)) || !(b->c = libdeflate_alloc_compressor(o->level)))
			return emb_err_nomem(err, "allocating a gzip compressor");
	}
	return 0;
}

static void *compress_block(void *arg)
{
	struct block *b = arg;
	b->z_len = libdeflate_gzip_compress(b->c, b->in, b->in_len, b->z, b->z_cap);
	return NULL;
}

/* Compress (if gzip) and write blocks 0..o->cur (the filled ones), then start over. */
static int drain(struct emb_out *o, struct emb_err *err)
{
	int n = o->cur + 1, rc;
	pthread_t th[MAX_THREADS];
	bool started[MAX_THREADS] = { false };

	if (o->err_code) {
		*err = o->sticky;
		return o->err_code;
	}
	if (o->gz) {
		for (int i = 1; i < n; i++)
			started[i] = pthread_create(&th[i], NULL, compress_block, &o->blk[i]) == 0;
		for (int i = 0; i < n; i++)
			if (!started[i] && o->blk[i].in_len)
				compress_block(&o->blk[i]);
		for (int i = 1; i < n; i++)
			if (started[i])
				pthread_join(th[i], NULL);
	}
	for (int i = 0; i < n; i++) {
		struct block *b = &o->blk[i];
		if (!b->in_len)
			continue;
		if (o->gz) {
			if (b->z_len == 0)
				return emb_err_set(err, EMB_ENOMEM, "%s: gzip compression failed", o->path);
			rc = write_all(o, b->z, b->z_len, err);
		} else {
			rc = write_all(o, b->in, b->in_len, err);
		}
		if (rc < 0)
			return rc;
		b->in_len = 0;
	}
	o->cur = 0;
	return 0;
}

/* The current block is full: move to the next, draining when all are full. */
static int next_block(struct emb_out *o, struct emb_err *err)
{
	int rc;

	if (o->cur + 1 < o->nthreads) {
		o->cur++;
		return block_alloc(o, &o->blk[o->cur], err);
	}
	if ((rc = drain(o, err)) < 0)
		return rc;
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
	if (o->slot >= 0)
		temps[o->slot] = NULL;
	for (int i = 0; i < MAX_THREADS; i++) {
		free(o->blk[i].in);
		free(o->blk[i].z);
		if (o->blk[i].c)
			libdeflate_free_compressor(o->blk[i].c);
	}
	free(o->tmp);
	free(o->path);
	free(o);
}

static int open_target(struct emb_out *o, const char *path, unsigned flags, struct emb_err *err)
{
	struct stat st;
	mode_t mask, mode = 0666;
	const char *slash;
	size_t dirlen;

	if (strcmp(path, "-") == 0) {
		o->is_stdout = true;
		o->fd = 1;
		if ((flags & EMB_OUT_BINARY) && !(flags & EMB_OUT_FORCE) && isatty(1))
			return emb_err_set(err, EMB_EINVAL,
					   "refusing to write binary data to a terminal (use --force)");
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
	slash = strrchr(path, '/');
	dirlen = slash ? (size_t)(slash - path) + 1 : 0;
	if (!(o->tmp = malloc(dirlen + strlen(path + dirlen) + 16)))
		return emb_err_nomem(err, "opening an output");
	memcpy(o->tmp, path, dirlen);
	snprintf(o->tmp + dirlen, strlen(path + dirlen) + 16, ".%s.XXXXXX", path + dirlen);
	if ((o->fd = mkstemp(o->tmp)) < 0) {
		int e = errno;
		free(o->tmp);
		o->tmp = NULL;
		return emb_err_set(err, EMB_EIO, "%s: cannot create: %s", path, strerror(e));
	}
	o->slot = register_temp(o->tmp);
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
	o->nthreads = opts->threads < 1 ? 1 : opts->threads > MAX_THREADS ? MAX_THREADS : opts->threads;
	if (!o->gz)
		o->nthreads = 1;
	if ((rc = open_target(o, path, opts->flags, err)) < 0 ||
	    (rc = block_alloc(o, &o->blk[0], err)) < 0) {
		emb_out_abort(o);
		return rc;
	}
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
		if (next_block(o, err) < 0)
			return NULL;
		b = &o->blk[o->cur];
	}
	return b->in + b->in_len;
}

void emb_out_advance(struct emb_out *o, size_t k)
{
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

int emb_out_flush_member(struct emb_out *o, struct emb_err *err)
{
	if (o->blk[o->cur].in_len == 0)
		return 0;
	if (!o->gz) /* plain: hand what we have to the reader now (pipes stream batch by batch) */
		return drain(o, err);
	return next_block(o, err);
}

uint64_t emb_out_bytes(const struct emb_out *o) { return o->bytes; }
const char *emb_out_name(const struct emb_out *o) { return o->is_stdout ? "<stdout>" : o->path; }
bool emb_out_is_stdout(const struct emb_out *o) { return o->is_stdout; }

int emb_out_commit(struct emb_out *o, struct emb_err *err)
{
	int rc;

	if (!o)
		return 0;
	if ((rc = drain(o, err)) < 0)
		goto fail;
	if (o->gz && o->bytes == 0) { /* an empty gzip output is still a valid gzip file */
		o->blk[0].in_len = 0;
		o->blk[0].z_len = libdeflate_gzip_compress(o->blk[0].c, "", 0, o->blk[0].z, o->blk[0].z_cap);
		if ((rc = write_all(o, o->blk[0].z, o->blk[0].z_len, err)) < 0)
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
	if (o->fd >= 0 && !o->is_stdout)
		close(o->fd);
	if (o->tmp)
		unlink(o->tmp);
	out_free(o);
}
