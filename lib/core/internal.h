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

/* Online CPUs, at least 1 and at most MAX: the library's "0 threads = one per core". */
static inline int emb_online_cpus(int max)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > max ? max : (int)n;
}

/* Length of the valid UTF-8 prefix of s[0..n); == n when all of it is valid. */
size_t emb_utf8_valid_prefix(const unsigned char *s, size_t n);

/* Decode the code point at s[0..n) (n > 0) into *cp and return its length; for ill-formed
 * input *cp = -1 and the length is that of the maximal ill-formed subsequence (Unicode's
 * definition: the unit one U+FFFD replaces), at least 1. */
size_t emb_utf8_decode(const unsigned char *s, size_t n, int32_t *cp);

#endif
