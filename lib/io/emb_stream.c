/*
 * emb_stream: buffered input over a descriptor or memory, with transparent gzip.
 *
 * One decoded buffer serves every reader (getline, read, borrow, peek).  At open we read the
 * first bytes straight into it; if they are the gzip magic we move them to a raw buffer and
 * inflate from then on with ISA-L's igzip (1.4-3x zlib's inflate), resetting the inflater at each
 * member end so concatenated members read as one stream.  The inflater reports neither
 * truncation nor trailing junk by itself: running out of raw input inside a member is our
 * EMB_ETRUNC, a bad header or CRC is EMB_EFORMAT.
 *
 * A regular file opened by path that starts with one of our own sized members (emb_out's
 * gzip) is instead decoded by emb_gzin, several members at once, and copied into the same
 * buffer, so every reader of our gzip outputs gets the parallel decoder through this one path.
 * Should emb_gzin meet a member too big for it, the stream seeks its own descriptor to that
 * member and inflates the rest itself.
 */
#include "emb_stream.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <isa-l/igzip_lib.h>

#include "emb_gzin.h"
#include "internal.h"

#define INITIAL_CAP ((size_t)256 << 10)
#define RAW_CAP ((size_t)256 << 10)

struct emb_stream {
	char *name;
	int fd;          /* -1 for memory */
	bool own_fd;
	bool regular;    /* a regular file opened by path */
	const unsigned char *mem;
	size_t mem_len, mem_pos;

	unsigned char *buf; /* decoded bytes buf[start..end), always one spare byte for a NUL */
	size_t cap, start, end, scan;
	uint64_t base;      /* decoded offset of buf[0] */
	bool eof;           /* no more decoded bytes will come */
	unsigned long long line;
	size_t max_line;    /* getline refuses longer lines (EMB_STREAM_MAX_LINE at most) */

	bool gz;
	bool in_member;     /* inside a gzip member (its end not yet seen) */
	bool raw_eof;
	unsigned char *raw;
	struct inflate_state *zs; /* 87 KB of tables: allocated for gzip input only */

	struct emb_gzin *gzin;    /* non-NULL: members come from emb_gzin (s->gz is set too) */
	const unsigned char *zp;  /* the current member's bytes not yet copied into buf */
	size_t zlen;
};

static int raw_read(struct emb_stream *s, unsigned char *dst, size_t n, size_t *got,
		    struct emb_err *err)
{
	ssize_t r;

	if (s->fd < 0) {
		size_t k = s->mem_len - s->mem_pos;
		if (k > n)
			k = n;
		memcpy(dst, s->mem + s->mem_pos, k);
		s->mem_pos += k;
		*got = k;
		return 0;
	}
	do
		r = read(s->fd, dst, n);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return emb_err_set(err, EMB_EIO, "%s: read error: %s", s->name, strerror(errno));
	*got = (size_t)r;
	return 0;
}

/* Make room after end: move the live bytes to the front, grow when still full. */
static int make_room(struct emb_stream *s, struct emb_err *err)
{
	if (s->start > 0) {
		size_t live = s->end - s->start;
		memmove(s->buf, s->buf + s->start, live);
		s->base += s->start;
		s->scan -= s->start;
		s->start = 0;
		s->end = live;
	}
	if (s->cap - 1 - s->end < 4096) {
		size_t ncap;
		unsigned char *nb;
		if (s->cap > EMB_STREAM_MAX_LINE + 1)
			return emb_stream_fail(s, err, EMB_ELIMIT, "line longer than %zu bytes",
					       EMB_STREAM_MAX_LINE);
		ncap = s->cap * 2;
		if (!(nb = realloc(s->buf, ncap)))
			return emb_err_nomem(err, "reading a long line");
		s->buf = nb;
		s->cap = ncap;
	}
	return 0;
}

static int inflate_some(struct emb_stream *s, size_t *got, struct emb_err *err)
{
	struct inflate_state *z = s->zs;
	size_t room = s->cap - 1 - s->end;

	*got = 0;
	for (;;) {
		int zr;
		if (z->avail_in == 0 && !s->raw_eof) {
			size_t n;
			int rc = raw_read(s, s->raw, RAW_CAP, &n, err);
			if (rc < 0)
				return rc;
			if (n == 0)
				s->raw_eof = true;
			z->next_in = s->raw;
			z->avail_in = (uint32_t)n;
		}
		if (!s->in_member) {
			uint8_t *next = z->next_in;
			uint32_t avail = z->avail_in;

			if (avail == 0) { /* clean end after a whole member */
				s->eof = true;
				return 0;
			}
			isal_inflate_reset(z);
			z->next_in = next;
			z->avail_in = avail;
			z->crc_flag = ISAL_GZIP;
			s->in_member = true;
		}
		z->next_out = s->buf + s->end;
		z->avail_out = (uint32_t)(room > UINT32_MAX ? UINT32_MAX : room);
		zr = isal_inflate(z);
		*got = (size_t)(z->next_out - (s->buf + s->end));
		if (zr < 0)
			return emb_err_set(err, EMB_EFORMAT, "%s: corrupt gzip input (%s)", s->name,
					   zr == ISAL_INCORRECT_CHECKSUM ? "CRC mismatch" :
					   zr == ISAL_INVALID_WRAPPER ? "bad gzip header" : "bad data");
		if (z->block_state == ISAL_BLOCK_FINISH)
			s->in_member = false;
		if (*got > 0)
			return 0;
		/* Only a call that made no progress proves the end: bits may wait inside z. */
		if (s->in_member && z->avail_in == 0 && s->raw_eof)
			return emb_err_set(err, EMB_ETRUNC, "%s: truncated gzip input", s->name);
	}
}

/* Inflate from file offset OFF on, with our own inflater (emb_gzin left that member to us). */
static int leave_gzin(struct emb_stream *s, uint64_t off, size_t *got, struct emb_err *err)
{
	emb_gzin_close(s->gzin);
	s->gzin = NULL;
	if (lseek(s->fd, (off_t)off, SEEK_SET) < 0)
		return emb_err_set(err, EMB_EIO, "%s: seek: %s", s->name, strerror(errno));
	if (!(s->raw = malloc(RAW_CAP)) || !(s->zs = malloc(sizeof *s->zs)))
		return emb_err_nomem(err, "reading a gzip input");
	isal_inflate_init(s->zs);
	s->zs->avail_in = 0;
	s->in_member = false;
	s->raw_eof = false;
	return inflate_some(s, got, err);
}

/* Copy the next decoded bytes out of emb_gzin's members. */
static int gzin_some(struct emb_stream *s, size_t *got, struct emb_err *err)
{
	size_t k = s->cap - 1 - s->end;
	int rc;

	*got = 0;
	while (s->zlen == 0) {
		rc = emb_gzin_next(s->gzin, &s->zp, &s->zlen, err);
		if (rc == EMB_EOF) {
			s->eof = true;
			return 0;
		}
		if (rc == EMB_GZIN_TOO_BIG)
			return leave_gzin(s, emb_gzin_offset(s->gzin), got, err);
		if (rc < 0)
			return rc;
	}
	if (k > s->zlen)
		k = s->zlen;
	memcpy(s->buf + s->end, s->zp, k);
	s->zp += k;
	s->zlen -= k;
	*got = k;
	return 0;
}

/* Append decoded bytes after end.  Sets eof when the input is exhausted. */
static int fill(struct emb_stream *s, struct emb_err *err)
{
	size_t got = 0;
	int rc;

	if (s->eof)
		return 0;
	if (s->cap - 1 - s->end < 4096 && (rc = make_room(s, err)) < 0)
		return rc;
	if (s->gzin) {
		if ((rc = gzin_some(s, &got, err)) < 0)
			return rc;
	} else if (s->gz) {
		if ((rc = inflate_some(s, &got, err)) < 0)
			return rc;
	} else {
		if ((rc = raw_read(s, s->buf + s->end, s->cap - 1 - s->end, &got, err)) < 0)
			return rc;
		if (got == 0)
			s->eof = true;
	}
	s->end += got;
	return 0;
}

static int stream_new(struct emb_stream **out, const char *name, struct emb_err *err)
{
	struct emb_stream *s = calloc(1, sizeof *s);

	*out = NULL;
	if (!s || !(s->name = strdup(name)) || !(s->buf = malloc(INITIAL_CAP))) {
		if (s)
			free(s->name);
		free(s);
		return emb_err_nomem(err, "opening an input");
	}
	s->cap = INITIAL_CAP;
	s->max_line = EMB_STREAM_MAX_LINE;
	s->fd = -1;
	*out = s;
	return 0;
}

/* Read the first bytes and switch to gzip when they are its magic. */
static int sniff(struct emb_stream *s, struct emb_err *err)
{
	int rc;

	while (s->end < 2 && !s->eof)
		if ((rc = fill(s, err)) < 0)
			return rc;
	if (s->end < 2 || s->buf[0] != 0x1f || s->buf[1] != 0x8b)
		return 0;
	if (!(s->raw = malloc(RAW_CAP)) || !(s->zs = malloc(sizeof *s->zs)))
		return emb_err_nomem(err, "opening a gzip input");
	memcpy(s->raw, s->buf, s->end);
	isal_inflate_init(s->zs);
	s->zs->crc_flag = ISAL_GZIP;
	s->zs->next_in = s->raw;
	s->zs->avail_in = (uint32_t)s->end;
	s->raw_eof = s->eof;
	s->eof = false;
	s->end = 0;
	s->gz = true;
	s->in_member = true;
	return 0;
}

/* Our own gzip members in a regular file: let emb_gzin decode them (else leave s alone). */
static int open_gzin(struct emb_stream *s, const char *path, struct emb_err *err)
{
	struct emb_gzin *g;
	int rc;

	if ((rc = emb_gzin_open(&g, path, 0, err)) < 0 || !g)
		return rc;
	if (!emb_gzin_sized(g)) {
		emb_gzin_close(g);
		return 0;
	}
	s->gzin = g;
	s->gz = true;
	return 0;
}

int emb_stream_open_fd(struct emb_stream **out, const char *name, int fd, struct emb_err *err)
{
	struct emb_stream *s;
	int rc;

	if ((rc = stream_new(&s, name, err)) < 0)
		return rc;
	s->fd = fd;
	if ((rc = sniff(s, err)) < 0) {
		emb_stream_abort(s);
		return rc;
	}
	*out = s;
	return 0;
}

int emb_stream_open(struct emb_stream **out, const char *path, struct emb_err *err)
{
	struct emb_stream *s;
	struct stat st;
	int rc, fd;

	*out = NULL;
	if (strcmp(path, "-") == 0)
		return emb_stream_open_fd(out, "<stdin>", 0, err);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return emb_err_set(err, EMB_EIO, "%s: %s", path, strerror(EISDIR));
	}
	if ((rc = stream_new(&s, path, err)) < 0) {
		close(fd);
		return rc;
	}
	s->fd = fd;
	s->own_fd = true;
	s->regular = S_ISREG(st.st_mode);
#ifdef POSIX_FADV_SEQUENTIAL
	if (s->regular)
		(void)posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
	if ((s->regular && (rc = open_gzin(s, path, err)) < 0) ||
	    (!s->gzin && (rc = sniff(s, err)) < 0)) {
		emb_stream_abort(s);
		return rc;
	}
	*out = s;
	return 0;
}

int emb_stream_open_mem(struct emb_stream **out, const char *name, const void *data, size_t len,
			struct emb_err *err)
{
	struct emb_stream *s;
	int rc;

	if ((rc = stream_new(&s, name, err)) < 0)
		return rc;
	s->mem = data;
	s->mem_len = len;
	if ((rc = sniff(s, err)) < 0) {
		emb_stream_abort(s);
		return rc;
	}
	*out = s;
	return 0;
}

int emb_stream_getline(struct emb_stream *s, char **line, size_t *len, struct emb_err *err)
{
	for (;;) {
		unsigned char *nl = NULL;
		int rc;

		if (s->scan < s->start)
			s->scan = s->start;
		if (s->scan < s->end)
			nl = memchr(s->buf + s->scan, '\n', s->end - s->scan);
		if (nl) {
			*line = (char *)s->buf + s->start;
			*len = (size_t)(nl - (s->buf + s->start));
			*nl = 0;
			s->start = s->scan = (size_t)(nl - s->buf) + 1;
			s->line++;
			return 0;
		}
		s->scan = s->end;
		if (s->eof) {
			if (s->start == s->end)
				return EMB_EOF;
			*line = (char *)s->buf + s->start;
			*len = s->end - s->start;
			s->buf[s->end] = 0;
			s->start = s->scan = s->end;
			s->line++;
			return 0;
		}
		if (s->end - s->start > s->max_line) {
			s->line++;
			return emb_stream_fail(s, err, EMB_ELIMIT, "line longer than %zu bytes",
					       s->max_line);
		}
		if ((rc = fill(s, err)) < 0)
			return rc;
	}
}

void emb_stream_set_max_line(struct emb_stream *s, size_t max)
{
	s->max_line = max < 1 ? 1 : max > EMB_STREAM_MAX_LINE ? EMB_STREAM_MAX_LINE : max;
}

int emb_stream_borrow(struct emb_stream *s, const unsigned char **p, size_t *len,
		      struct emb_err *err)
{
	int rc;

	while (s->start == s->end) {
		if (s->eof) {
			*p = NULL;
			*len = 0;
			return EMB_EOF;
		}
		if (s->start > 0) { /* empty: restart at the front instead of compacting */
			s->base += s->start;
			s->start = s->end = s->scan = 0;
		}
		if ((rc = fill(s, err)) < 0)
			return rc;
	}
	*p = s->buf + s->start;
	*len = s->end - s->start;
	return 0;
}

void emb_stream_skip(struct emb_stream *s, size_t k)
{
	assert(k <= s->end - s->start);
	s->start += k;
}

int emb_stream_read(struct emb_stream *s, void *dst, size_t n, size_t *got, struct emb_err *err)
{
	const unsigned char *p;
	size_t avail;
	int rc;

	*got = 0;
	if (n == 0)
		return 0;
	if ((rc = emb_stream_borrow(s, &p, &avail, err)) != 0)
		return rc;
	if (avail > n)
		avail = n;
	memcpy(dst, p, avail);
	s->start += avail;
	*got = avail;
	return 0;
}

int emb_stream_read_full(struct emb_stream *s, void *dst, size_t n, struct emb_err *err)
{
	unsigned char *d = dst;
	size_t done = 0;

	while (done < n) {
		size_t got;
		int rc = emb_stream_read(s, d + done, n - done, &got, err);
		if (rc < 0)
			return rc;
		if (rc == EMB_EOF) {
			if (done == 0)
				return EMB_EOF;
			return emb_err_set(err, EMB_ETRUNC, "%s: unexpected end of input at byte %llu",
					   s->name, (unsigned long long)emb_stream_offset(s));
		}
		done += got;
	}
	return 0;
}

int emb_stream_read_alloc(struct emb_stream *s, uint64_t len, unsigned char **out, const char *what,
			  struct emb_err *err)
{
	const size_t step = (size_t)4 << 20;
	unsigned char *p = NULL, *np;
	uint64_t got = 0;
	size_t cap = 0;
	int rc;

	*out = NULL;
	if (len > SIZE_MAX)
		return emb_err_nomem(err, what);
	while (got < len) {
		size_t k = len - got < step ? (size_t)(len - got) : step;
		if (got + k > cap) {
			cap = cap * 2 > got + k ? cap * 2 : (size_t)(got + k);
			if (cap > len)
				cap = (size_t)len;
			if (!(np = realloc(p, cap))) {
				free(p);
				return emb_err_nomem(err, what);
			}
			p = np;
		}
		if ((rc = emb_stream_read_full(s, p + got, k, err)) != 0) {
			free(p);
			if (rc == EMB_EOF && got)
				return emb_err_set(err, EMB_ETRUNC, "%s: unexpected end of input at byte %llu",
						   s->name, (unsigned long long)emb_stream_offset(s));
			return rc;
		}
		got += k;
	}
	if (!p && !(p = malloc(1)))
		return emb_err_nomem(err, what);
	*out = p;
	return 0;
}

int emb_stream_peek(struct emb_stream *s, const unsigned char **p, size_t *len, size_t want,
		    struct emb_err *err)
{
	int rc;

	while (s->end - s->start < want && !s->eof) {
		if (s->cap - 1 - s->end < want && s->start > 0) {
			size_t live = s->end - s->start;
			memmove(s->buf, s->buf + s->start, live);
			s->base += s->start;
			s->scan = s->scan > s->start ? s->scan - s->start : 0;
			s->start = 0;
			s->end = live;
		}
		while (s->cap - 1 - s->end < want - (s->end - s->start)) {
			unsigned char *nb;
			if (want > EMB_STREAM_MAX_LINE)
				return emb_err_set(err, EMB_ELIMIT, "%s: look-ahead too large", s->name);
			if (!(nb = realloc(s->buf, s->cap * 2)))
				return emb_err_nomem(err, "reading input");
			s->buf = nb;
			s->cap *= 2;
		}
		if ((rc = fill(s, err)) < 0)
			return rc;
	}
	*p = s->buf + s->start;
	*len = s->end - s->start < want ? s->end - s->start : want;
	return 0;
}

const char *emb_stream_name(const struct emb_stream *s) { return s->name; }
unsigned long long emb_stream_lineno(const struct emb_stream *s) { return s->line; }
uint64_t emb_stream_offset(const struct emb_stream *s) { return s->base + s->start; }
bool emb_stream_is_gzip(const struct emb_stream *s) { return s->gz; }
int emb_stream_fd(const struct emb_stream *s) { return s->regular && !s->gz ? s->fd : -1; }

int emb_stream_fail(const struct emb_stream *s, struct emb_err *err, int code, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return emb_err_set_at(err, code, s->name, s->line, "%s", msg);
}

static void stream_free(struct emb_stream *s)
{
	emb_gzin_close(s->gzin);
	free(s->zs);
	free(s->raw);
	free(s->buf);
	free(s->name);
	free(s);
}

int emb_stream_close(struct emb_stream *s, struct emb_err *err)
{
	int rc = 0;

	if (!s)
		return 0;
	if (s->own_fd && close(s->fd) < 0)
		rc = emb_err_set(err, EMB_EIO, "%s: close: %s", s->name, strerror(errno));
	stream_free(s);
	return rc;
}

void emb_stream_abort(struct emb_stream *s)
{
	if (!s)
		return;
	if (s->own_fd)
		close(s->fd);
	stream_free(s);
}
