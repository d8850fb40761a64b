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

/*
 * EMB_TARGET_CLONES("avx2", "default"): compile a hot function once per listed x86-64 ISA and
 * let the loader pick one (an ifunc, so glibc and ELF).  Anywhere else (arm64, ppc64el, musl)
 * it is nothing: the same portable vector-extension code is compiled once for the target's
 * baseline.  -DEMB_NO_TARGET_CLONES forces the portable build on x86-64 too.
 */
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && defined(__GLIBC__) && \
	!defined(EMB_NO_TARGET_CLONES)
#define EMB_TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#define EMB_TARGET_CLONES(...)
#endif

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

#endif
