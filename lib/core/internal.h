/*
 * Private helpers shared by lib/ and formats/: overflow-checked sizes, little-endian access,
 * UTF-8 validation.  Not installed; cmd/ does not include it.
 */
#ifndef EMB_INTERNAL_H
#define EMB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"

/* *r = a * b; false on overflow. */
static inline bool emb_mul_ok(size_t a, size_t b, size_t *r)
{
	return !__builtin_mul_overflow(a, b, r);
}

static inline bool emb_add_ok(size_t a, size_t b, size_t *r)
{
	return !__builtin_add_overflow(a, b, r);
}

/* Online CPUs, at least 1 and at most MAX: the library's "0 threads = one per core". */
static inline int emb_online_cpus(int max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > max ? max : (int)n;
}

static inline uint32_t emb_le32(const void *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t emb_le64(const void *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline void emb_put_le32(void *p, uint32_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	memcpy(p, &v, 4);
}

static inline void emb_put_le64(void *p, uint64_t v)
{
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	memcpy(p, &v, 8);
}

/* Length of the valid UTF-8 prefix of s[0..n); == n when all of it is valid. */
size_t emb_utf8_valid_prefix(const unsigned char *s, size_t n);

/* Decode the code point at s[0..n) (n > 0) into *cp and return its length; for ill-formed
 * input *cp = -1 and the length is that of the maximal ill-formed subsequence (Unicode's
 * definition: the unit one U+FFFD replaces), at least 1. */
size_t emb_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);

#endif
