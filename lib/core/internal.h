/*
 * Private to lib/: the byte helpers (emb_bytes.h), the online CPU count, UTF-8 validation and
 * decoding.  Not installed; formats/ includes emb_bytes.h instead, cmd/ neither.
 */
#ifndef EMB_INTERNAL_H
#define EMB_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "banned.h"
#include "emb_bytes.h"

/*
 * EMB_TARGET_CLONES("arch=x86-64-v3", "default"): compile a hot function once per listed x86-64
 * ISA and let the loader pick one (an ifunc, so glibc and ELF).  Anywhere else (arm64, ppc64el,
 * musl) it is nothing: the same portable vector-extension code is compiled once for the target's
 * baseline.  Not under ThreadSanitizer either: the dynamic loader runs ifunc resolvers while
 * relocating, before TSan's runtime is set up, and the instrumented resolver crashes the process
 * before main (what broke `make tsan`).  -DEMB_NO_TARGET_CLONES forces the portable build.
 */
#if defined(__SANITIZE_THREAD__)
#define EMB_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define EMB_TSAN 1
#endif
#endif
#if defined(__x86_64__) && defined(__GNUC__) && defined(__ELF__) && defined(__GLIBC__) && \
	!defined(EMB_NO_TARGET_CLONES) && !defined(EMB_TSAN)
#define EMB_TARGET_CLONES(...) __attribute__((target_clones(__VA_ARGS__)))
#else
#define EMB_TARGET_CLONES(...)
#endif

/* Online CPUs, at least 1 and at most MAX: the library's "0 threads = one per core". */
static inline int emb_online_cpus(int max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > max ? max : (int)n;
}


/* Decode the code point at s[0..n) (n > 0) into *cp and return its length; for ill-formed
 * input *cp = -1 and the length is that of the maximal ill-formed subsequence (Unicode's
 * definition: the unit one U+FFFD replaces), at least 1. */
size_t emb_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);

#endif
